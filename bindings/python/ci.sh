#!/usr/bin/env bash
# The Python package's checks, on a machine with Python 3.10+ (with venv and pip) and Rust:
# a fresh venv, `pip install ./bindings/python pytest pandas` from the repository root (as
# a user would), then pytest. The tests compare with the `jixiao` command line, built here
# (debug; `cargo test` has usually built it already) unless JIXIAO_BIN names one.
# Usage: bash bindings/python/ci.sh   (from anywhere; VENV=… to choose the venv's place)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
venv="${VENV:-${TMPDIR:-/tmp}/jixiao-py-venv}"
target="${CARGO_TARGET_DIR:-$root/target}"

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# pip builds the wheel with maturin (pyproject.toml) in release mode: a few minutes.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ./bindings/python pytest pandas

if [[ -z "${JIXIAO_BIN:-}" ]]; then
  cargo build --quiet -p jixiao-cli
  export JIXIAO_BIN="$target/debug/jixiao"
fi

# Run from outside the source tree: the installed package is what is tested.
cd "$root/bindings/python/tests"
"$venv/bin/python" -m pytest -q -p no:cacheprovider .
