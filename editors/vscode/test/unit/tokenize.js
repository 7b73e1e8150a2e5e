// Tokenizes jixiao text with the extension's TextMate grammar, through vscode-textmate and
// vscode-oniguruma (the engine VS Code uses). Shared by the unit tests and the screenshot.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.join(__dirname, '..', '..');
const grammarPath = path.join(root, 'syntaxes', 'jixiao.tmLanguage.json');

let grammarPromise;

/** The compiled grammar (loaded once). */
function loadGrammar() {
  if (!grammarPromise) {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }));
    const registry = new vsctm.Registry({
      onigLib,
      loadGrammar: async (scopeName) =>
        scopeName === 'source.jixiao'
          ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
          : null,
    });
    grammarPromise = registry.loadGrammar('source.jixiao');
  }
  return grammarPromise;
}

/** Lines of `[{ text, scopes }]` for `source` (scopes without the root `source.jixiao`). */
async function tokenize(source) {
  const grammar = await loadGrammar();
  let stack = vsctm.INITIAL;
  const out = [];
  for (const line of source.split(/\r\n|\r|\n/)) {
    const r = grammar.tokenizeLine(line, stack);
    out.push(r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.slice(1) })));
    stack = r.ruleStack;
  }
  return out;
}

module.exports = { loadGrammar, tokenize, grammarPath };

if (require.main === module) {
  // node test/unit/tokenize.js FILE: prints each token and its innermost scope.
  tokenize(fs.readFileSync(process.argv[2], 'utf8')).then((lines) => {
    lines.forEach((toks, i) => {
      const shown = toks.filter((t) => t.text.trim() !== '').map((t) => `${t.text}⟨${t.scopes.at(-1) ?? ''}⟩`);
      if (shown.length) console.log(`${i + 1}: ${shown.join(' ')}`);
    });
  });
}
