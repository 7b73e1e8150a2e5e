#!/usr/bin/env bash
# Builds the WebAssembly package of jixiao:
#   bindings/wasm/pkg/      --target nodejs (CommonJS: require('./pkg/jixiao_wasm.js'))
#   bindings/wasm/pkg-web/  --target web    (an ES module for browsers: await init(); …)
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli of exactly the version of
# the wasm-bindgen crate in Cargo.lock (ci.sh installs both).
# Honours CARGO_TARGET_DIR; WASM_BINDGEN names another wasm-bindgen binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
bindgen="${WASM_BINDGEN:-wasm-bindgen}"
if ! command -v "$bindgen" >/dev/null 2>&1; then
  echo "没有找到 wasm-bindgen：cargo install wasm-bindgen-cli --version $want --locked（或运行 bindings/wasm/ci.sh）" >&2
  exit 1
fi
have="$("$bindgen" --version | awk '{ print $2 }')"
if [ "$have" != "$want" ]; then
  echo "wasm-bindgen $have 与 Cargo.lock 中的 wasm-bindgen $want 不一致：cargo install wasm-bindgen-cli --version $want --locked --force" >&2
  exit 1
fi

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac

start=$(date +%s)
cargo build -p jixiao-wasm --target wasm32-unknown-unknown --release
wasm="$target_dir/wasm32-unknown-unknown/release/jixiao_wasm.wasm"
rm -rf "$here/pkg" "$here/pkg-web"
"$bindgen" --target nodejs --out-dir "$here/pkg" "$wasm"
"$bindgen" --target web --out-dir "$here/pkg-web" "$wasm"
end=$(date +%s)

size() { wc -c <"$1" | tr -d ' '; }
gz() { gzip -9c "$1" | wc -c | tr -d ' '; }
bg="$here/pkg/jixiao_wasm_bg.wasm"
echo "pkg/jixiao_wasm_bg.wasm: $(size "$bg") 字节（gzip -9 后 $(gz "$bg") 字节）；用时 $((end - start)) 秒"
