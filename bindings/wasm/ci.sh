#!/usr/bin/env bash
# CI for the WebAssembly package, for .ci/run: on a fresh machine with Rust (rustup) and
# Node 20, adds the wasm32 target, installs wasm-bindgen-cli of the version in Cargo.lock
# if it is missing, builds pkg/ and pkg-web/ (build.sh), builds the jixiao CLI the tests
# compare against, and runs the Node tests.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== wasm: rustup target add wasm32-unknown-unknown"
rustup target add wasm32-unknown-unknown

want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [ "$have" != "$want" ]; then
  echo "== wasm: cargo install wasm-bindgen-cli --version $want (found: ${have:-none})"
  # --locked builds it with the versions its authors tested; when the registry no longer
  # offers one of them (a yanked crate), fall back to the newest compatible versions.
  cargo install wasm-bindgen-cli --version "$want" --locked --force \
    || cargo install wasm-bindgen-cli --version "$want" --force
fi

echo "== wasm: cargo clippy -p jixiao-wasm (host and wasm32)"
cargo clippy -p jixiao-wasm --all-targets -- -D warnings
cargo clippy -p jixiao-wasm --target wasm32-unknown-unknown -- -D warnings

echo "== wasm: cargo test -p jixiao-wasm (the bridge, on the host)"
cargo test -p jixiao-wasm

echo "== wasm: build.sh"
"$here/build.sh"

echo "== wasm: the jixiao CLI the Node tests compare against"
cargo build --release -p jixiao-cli
if [ -z "${JIXIAO_BIN:-}" ]; then
  target_dir="${CARGO_TARGET_DIR:-target}"
  case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
  export JIXIAO_BIN="$target_dir/release/jixiao"
fi

echo "== wasm: node --test"
node --version
node --test "$here"/test/*.test.mjs
echo "wasm CI passed"
