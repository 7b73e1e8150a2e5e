#!/usr/bin/env bash
# CI for the VS Code extension, for .ci/run: package.sh (npm ci, grammar tests, snapshot
# tests over rules/*.jx, unit tests, vsce package) with its output kept unless something
# fails; then checks the .vsix holds the extension's files. Needs Node 20+ and npm (the
# npm registry only). With JIXIAO_BIN set (or jixiao in PATH) the unit tests also talk to
# the real `jixiao lsp`; otherwise that one test is skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "== vscode: package.sh (npm ci, grammar/snapshot/unit tests, vsce package)"
if ! ./package.sh >"$log" 2>&1; then
  cat "$log"
  echo "vscode CI failed" >&2
  exit 1
fi
grep -E '^# (pass|fail|skipped) ' "$log" | tr '\n' ' '
echo

version="$(node -p 'require("./package.json").version')"
vsix="jixiao-$version.vsix"
if command -v unzip >/dev/null 2>&1; then
  listing="$(unzip -l "$vsix")"
else
  listing="$(python3 -m zipfile -l "$vsix")"
fi
for f in extension/src/extension.js extension/src/server.js extension/src/folding.js extension/syntaxes/jixiao.tmLanguage.json \
         extension/language-configuration.json extension/package.json extension/readme.md \
         extension/node_modules/vscode-languageclient/lib/node/main.js; do
  if ! grep -qiF "$f" <<<"$listing"; then
    echo "$vsix: $f 不在扩展包中" >&2
    echo "$listing" >&2
    exit 1
  fi
done
echo "vscode CI passed: $vsix ($(wc -c <"$vsix") bytes)"
