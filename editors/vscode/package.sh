#!/usr/bin/env bash
# Builds the VS Code extension package jixiao-<version>.vsix in this directory: installs the
# locked npm packages (npm ci; only the npm registry is needed), runs the grammar tests
# (vscode-tmgrammar-test), the snapshot tests over rules/*.jx (vscode-tmgrammar-snap) and
# the unit tests, then packages with @vscode/vsce. There is no repository URL or LICENSE
# file to point to, hence --allow-missing-repository and --skip-license (the licence is in
# package.json: MIT OR Apache-2.0, as for the Rust crates).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npm test
version="$(node -p 'require("./package.json").version')"
npx --no-install vsce package --allow-missing-repository --skip-license --out "jixiao-$version.vsix"
echo "jixiao-$version.vsix"
