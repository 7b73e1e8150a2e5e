// Checks the TextMate grammar against the language's own word lists, read from the
// repository: every keyword of grammar/jixiao.pest is highlighted as a keyword (or
// constant), and only as a whole word — `W甲`, `甲W` and `W1` are single names, as in the
// pest grammar (`!ident_char`); every function name of src/check/compile.rs is a builtin.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { tokenize } = require('./tokenize');

const repo = path.join(__dirname, '..', '..', '..', '..');
const pest = fs.readFileSync(path.join(repo, 'grammar', 'jixiao.pest'), 'utf8');
const compile = fs.readFileSync(path.join(repo, 'src', 'check', 'compile.rs'), 'utf8');

/** The quoted words of the pest rules named by `re` (the rule body up to the next rule). */
function pestWords(re) {
  const words = new Set();
  const lines = pest.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([a-z_0-9]+)\s*=/.exec(lines[i]);
    if (!m || !re.test(m[1])) continue;
    let body = lines[i];
    for (let j = i + 1; j < lines.length && !/^([a-z_0-9]+)\s*=|^\/\/|^$/.test(lines[j]); j++) body += lines[j];
    for (const w of body.matchAll(/"([^"\\]+)"/g)) if (/^[\p{L}_][\p{L}\p{N}_]*$/u.test(w[1])) words.add(w[1]);
  }
  return [...words];
}

const keywordRules = /^(reserved|kw_.*|level|delete_kind|grade_word|score_word|full_marks_word|na_mode|stepping|step_direction|severity_word|boolean|op_and|op_or|op_not)$/;
const keywords = pestWords(keywordRules);
const functions = [...compile.matchAll(/^\s*((?:"[^"]+"\s*\|\s*)*"[^"]+")\s*=>\s*(?:\(Func::|Some\(AggFunc::)/gm)]
  .flatMap((m) => [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]));

const KEYWORDISH = /^(keyword\.(?!operator\.arithmetic|operator\.comparison)|constant\.language|variable\.language)/;

/** The tokens of one line, without whitespace-only tokens. */
async function tokensOf(line) {
  const [toks] = await tokenize(line);
  return toks.filter((t) => t.text.trim() !== '');
}

test('the word lists were found', () => {
  assert.ok(keywords.length > 100, `only ${keywords.length} keywords in grammar/jixiao.pest`);
  for (const w of ['输入', '一级', '评分', '扣分', '如果', '否则', '且', '是', '不适用时', '每超过', 'level3']) assert.ok(keywords.includes(w), w);
  assert.ok(functions.length >= 20, `only ${functions.length} functions in compile.rs`);
  for (const f of ['四舍五入', 'round', '最小值', '向下取整', '就近取整', '万元', '计数', '任一']) assert.ok(functions.includes(f), f);
});

test('every keyword of the pest grammar is highlighted as a keyword or constant', async () => {
  const wrong = [];
  for (const w of keywords) {
    // `百分比`/`percent` are the display format word; they are one only after `显示`.
    const line = w === '百分比' || w === 'percent' ? `显示 ${w} 2` : `  ${w}  `;
    const tok = (await tokensOf(line)).find((t) => t.text === w);
    const scope = tok ? tok.scopes.at(-1) : '(split)';
    if (!tok || !(KEYWORDISH.test(scope) || scope === 'keyword.other.unit.jixiao')) wrong.push(`${w}: ${scope}`);
  }
  assert.deepEqual(wrong, []);
});

test('a keyword is only a keyword as a whole word (W甲, 甲W, W1, W_x are names)', async () => {
  const wrong = [];
  for (const w of keywords) {
    for (const name of [`${w}甲`, `甲${w}`, `${w}1`, `${w}_x`, `x${w}`]) {
      const toks = await tokensOf(`  ${name}  `);
      if (toks.length !== 1 || toks[0].text !== name || toks[0].scopes.at(-1) !== 'variable.other.jixiao') {
        wrong.push(`${name}: ${toks.map((t) => `${t.text}⟨${t.scopes.at(-1)}⟩`).join(' ')}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('every function name of the checker is a builtin function when called', async () => {
  const wrong = [];
  for (const f of functions) {
    const toks = await tokensOf(`公式 ${f}(甲, 2)`);
    const tok = toks.find((t) => t.text === f);
    if (!tok || tok.scopes.at(-1) !== 'support.function.builtin.jixiao') wrong.push(`${f}: ${tok ? tok.scopes.at(-1) : '(split)'}`);
    const named = await tokensOf(`公式 ${f}率 + 1`);
    if (named[1].text !== `${f}率` || named[1].scopes.at(-1) !== 'variable.other.jixiao') wrong.push(`${f}率 is not one name`);
  }
  assert.deepEqual(wrong, []);
});

test('every unit of the checker is a unit after the colon of an input', async () => {
  const model = fs.readFileSync(path.join(repo, 'src', 'model.rs'), 'utf8');
  const known = /KNOWN_QUANTITIES: &\[&str\] = &\[([^\]]*)\]/.exec(model);
  assert.ok(known, 'KNOWN_QUANTITIES in src/model.rs');
  const units = [...known[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  assert.ok(units.includes('万元') && units.includes('公里'));
  for (const u of [...units, '百分比', '比率', '是否', '文本', 'percent', 'bool', 'text']) {
    for (const colon of [':', '：']) {
      const toks = await tokensOf(`输入 甲${colon} ${u} { 范围 >= 0 }`);
      assert.equal(toks[1].scopes.at(-1), 'entity.name.variable.input.jixiao', u);
      const tok = toks.find((t) => t.text === u);
      assert.equal(tok && tok.scopes.at(-1), 'keyword.other.unit.jixiao', `${u} after ${colon}`);
    }
  }
});
