// The WebAssembly package against the jixiao command line: the same rule file and unit
// give the same JSON. Run after build.sh: `node --test bindings/wasm/test/`.
//
// The CLI is `$JIXIAO_BIN`, or `${CARGO_TARGET_DIR:-target}/release/jixiao`
// (`cargo build --release -p jixiao-cli`); without it these tests fail, they do not skip.
//
// fixtures/chengguan-zhifa.json is the seed unit's TOML as JSON, made with
//   python3 -c "import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1],'rb')), ensure_ascii=False, indent=2))" \
//     examples/yueyang-2021/chengguan-zhifa.toml > bindings/wasm/test/fixtures/chengguan-zhifa.json
// (a test below fails when it no longer evaluates like the TOML).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const require = createRequire(import.meta.url);
const jixiao = require('../pkg/jixiao_wasm.js');

const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR ?? 'target');
const cliPath = process.env.JIXIAO_BIN ?? path.join(targetDir, 'release', 'jixiao');

const RULES = 'rules/yueyang-2021.jx';
const RULES_2022 = 'rules/yueyang-2022.jx';
const TOML = 'examples/yueyang-2021/chengguan-zhifa.toml';
const FIXTURE = 'bindings/wasm/test/fixtures/chengguan-zhifa.json';
const read = (file) => readFileSync(path.join(root, file), 'utf8');

/** Runs the CLI from the repository root; returns stdout, status and stderr. */
function cli(...args) {
  assert.ok(existsSync(cliPath), `没有找到 jixiao 命令行 ${cliPath}：先 cargo build --release -p jixiao-cli，或设置 JIXIAO_BIN`);
  const r = spawnSync(cliPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function cliJson(...args) {
  const r = cli(...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Calls `f`, which must throw; returns what it threw. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('应抛出错误');
}

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const indicator = (ev, name) => ev.indicators.find((i) => i.name === name);

const rules = new jixiao.Rules(read(RULES), RULES);

test('version and the JSON contract version', () => {
  assert.equal(jixiao.jsonVersion(), 1);
  assert.match(jixiao.version(), /^\d+\.\d+\.\d+/);
});

test('check: the seed rule file, diagnostics as `jixiao check --format json` gives them', () => {
  const report = jixiao.check(read(RULES), RULES);
  const [expected] = cliJson('check', RULES, '--format', 'json');
  assert.equal(report.ok, true);
  assert.equal(report.ok, expected.ok);
  assert.equal(report.title, '岳阳市部门整体支出绩效评价指标体系');
  assert.equal(report.year, 2021);
  assert.deepEqual(report.diagnostics, expected.diagnostics);
  assert.equal(rules.title, report.title);
  assert.equal(rules.year, 2021);
  assert.deepEqual(rules.warnings(), expected.diagnostics);
});

test('check: a broken rule file gives the CLI\'s diagnostics and the rendered text', () => {
  // Two errors the checker finds at once: an unknown name and weights that do not add up.
  const text = read(RULES).replace('公式 实有人数 / 编制人数', '公式 实有人 / 编制人数');
  const dir = mkdtempSync(path.join(tmpdir(), 'jixiao-wasm-'));
  const file = path.join(dir, 'broken.jx');
  writeFileSync(file, text);
  const r = cli('check', file, '--format', 'json');
  assert.equal(r.status, 1);
  const [expected] = JSON.parse(r.stdout);
  const report = jixiao.check(text, file);
  assert.equal(report.ok, false);
  assert.equal(report.title, null);
  assert.deepEqual(report.diagnostics, expected.diagnostics);
  assert.ok(report.diagnostics.length >= 1);
  assert.ok(report.rendered.includes('实有人'), report.rendered);

  const e = thrown(() => new jixiao.Rules(text, file));
  assert.ok(e instanceof Error);
  assert.equal(e.kind, 'check');
  assert.equal(e.code, expected.diagnostics.find((d) => d.severity === 'error').code);
  assert.deepEqual(e.diagnostics, expected.diagnostics);
});

test('a syntax error: code jixiao::syntax with its line and column', () => {
  const text = read(RULES).replace('年度 2021', '年度 = 2021');
  const e = thrown(() => new jixiao.Rules(text, 'bad.jx'));
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'JixiaoError');
  assert.equal(e.code, 'jixiao::syntax');
  assert.equal(e.kind, 'syntax');
  assert.equal(e.diagnostics.length, 1);
  const [d] = e.diagnostics;
  assert.equal(d.code, 'jixiao::syntax');
  assert.equal(d.file, 'bad.jx');
  // `年度 = 2021` in line 11; the column counts characters (年度 and a space), as
  // `jixiao check --format json` reports it.
  assert.equal(d.line, 11);
  assert.equal(d.column, 4);
  assert.match(e.message, /[\u4e00-\u9fff]/); // the message is Chinese
  assert.ok(e.rendered.includes('bad.jx'), e.rendered);

  const report = jixiao.check(text, 'bad.jx');
  assert.equal(report.ok, false);
  assert.deepEqual(report.diagnostics, e.diagnostics);
});

test('the seed unit (TOML text) evaluates to exactly `jixiao eval --format json`', () => {
  const expected = cliJson('eval', RULES, TOML, '--format', 'json');
  const ev = rules.evaluate(read(TOML), { format: 'toml', file: TOML });
  assert.deepEqual(ev, expected);

  // The seed figures, as the CLI prints them (`总分：94.30    等级：优秀`).
  assert.equal(ev.version, 1);
  assert.equal(indicator(ev, '财政供养人员控制率').display, '79.31%');
  assert.equal(ev.total_display, '94.30');
  assert.equal(ev.grade, '优秀');
  assert.equal(ev.total, '4149/44');
  assert.equal(ev.provenance.data_sha256, sha256(read(TOML)));
});

test('with explain and without the 复核, as `--explain` and `audit: false`', () => {
  const expected = cliJson('eval', RULES, TOML, '--format', 'json', '--explain');
  const ev = rules.evaluate(read(TOML), { format: 'toml', file: TOML, explain: true });
  assert.deepEqual(ev, expected);
  assert.ok(indicator(ev, '财政供养人员控制率').explanation);

  const plain = rules.evaluate(read(TOML), { format: 'toml', file: TOML, audit: false });
  assert.notDeepEqual(plain.audit, expected.audit);
  assert.deepEqual({ ...plain, audit: null }, { ...cliJson('eval', RULES, TOML, '--format', 'json'), audit: null });
});

test('the seed unit as JSON text and as a JS object', () => {
  const text = read(FIXTURE);
  const expected = cliJson('eval', RULES, FIXTURE, '--format', 'json');
  assert.deepEqual(rules.evaluate(text, { file: FIXTURE }), expected);

  // An object goes through JSON.stringify: only the data file's name and hash differ.
  const unit = JSON.parse(text);
  const ev = rules.evaluate(unit);
  assert.equal(ev.provenance.data_file, '程序传入的数据');
  assert.equal(ev.provenance.data_sha256, sha256(JSON.stringify(unit)));
  const { provenance: p1, ...rest } = ev;
  const { provenance: p2, ...restExpected } = expected;
  assert.deepEqual(rest, restExpected);
  assert.equal(p1.rules_sha256, p2.rules_sha256);

  // The fixture still says what the TOML says.
  const fromToml = rules.evaluate(read(TOML), { format: 'toml' });
  assert.deepEqual({ ...fromToml, provenance: null }, { ...ev, provenance: null });
});

test('JS numbers are read through their shortest decimal text', () => {
  const unit = JSON.parse(read(FIXTURE));
  const asNumbers = structuredClone(unit);
  asNumbers['年度收入']['收入合计'] = 3696.83;
  asNumbers['三公经费']['公务接待费'] = 0.21;
  asNumbers['年度支出和结余']['当年结余'] = -55.41;
  const a = rules.evaluate(unit);
  const b = rules.evaluate(asNumbers);
  assert.deepEqual({ ...a, provenance: null }, { ...b, provenance: null });
  const balance = (ev) => ev.checks.find((c) => c.name === '收入合计平衡');
  assert.equal(balance(b).left, '3696.83');
  assert.equal(balance(b).difference, '0');
  assert.equal(typeof b.total, 'string'); // exact numbers stay strings

  // A float that is not the decimal one meant is read as JSON.stringify writes it.
  const odd = structuredClone(unit);
  odd['年度收入']['收入合计'] = 3696.83 + 1e-10;
  const c = rules.evaluate(odd);
  assert.equal(balance(c).left, '3696.8300000001');
  assert.equal(balance(c).difference, '0.0000000001');

  // Exponents are refused rather than misread.
  const huge = structuredClone(unit);
  huge['年度收入']['收入合计'] = 1e21;
  const e = thrown(() => rules.evaluate(huge));
  assert.equal(e.code, 'jixiao::data::invalid_value');
  assert.equal(e.problems[0].value, '1e+21');
});

test('a bad value: code jixiao::data::… with its problems', () => {
  const unit = JSON.parse(read(FIXTURE));
  unit['基本概况']['编制人数'] = -5;
  const e = thrown(() => rules.evaluate(unit));
  assert.ok(e instanceof Error);
  assert.equal(e.kind, 'data');
  assert.equal(e.code, 'jixiao::data::out_of_range');
  assert.equal(e.unit, '岳阳市城市管理综合执法支队');
  assert.equal(e.problems.length, 1);
  assert.equal(e.problems[0].code, 'jixiao::data::out_of_range');
  assert.equal(e.problems[0].kind, 'out_of_range');
  assert.equal(e.problems[0].field, '编制人数');
  assert.equal(e.problems[0].value, '-5');
  assert.match(e.message, /编制人数/);

  // The CLI refuses the same data with the same message.
  const dir = mkdtempSync(path.join(tmpdir(), 'jixiao-wasm-'));
  const file = path.join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify(unit));
  const r = cli('eval', RULES, file, '--format', 'json');
  assert.notEqual(r.status, 0);
  assert.ok(r.stderr.includes(e.problems[0].message), r.stderr);

  const text = thrown(() => rules.evaluate('{"单位名称": "甲", "编制人数": "一百"'));
  assert.equal(text.code, 'jixiao::data::unreadable');
  assert.equal(text.problems[0].location.line, 1);
});

test('a missing figure: an error, or 不完整 under partial, as `--partial`', () => {
  const unit = JSON.parse(read(FIXTURE));
  delete unit['基本概况']['实有人数'];
  const e = thrown(() => rules.evaluate(unit));
  assert.equal(e.code, 'jixiao::data::missing_input');
  const ev = rules.evaluate(JSON.stringify(unit, null, 2), { partial: true, file: 'partial.json' });
  assert.equal(ev.complete, false);
  assert.equal(ev.grade, null);
  assert.equal(indicator(ev, '财政供养人员控制率').score, null);
  const [entry] = rules.evaluateMany([unit], { partial: true });
  assert.equal(entry.status, '不完整');
  assert.equal(entry.evaluation.complete, false);

  const dir = mkdtempSync(path.join(tmpdir(), 'jixiao-wasm-'));
  writeFileSync(path.join(dir, 'partial.json'), JSON.stringify(unit, null, 2));
  const expected = JSON.parse(
    execFileSync(cliPath, ['eval', path.join(root, RULES), 'partial.json', '--format', 'json', '--partial'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  assert.deepEqual({ ...ev, provenance: null }, { ...expected, provenance: null });
  assert.deepEqual(ev.provenance.data_sha256, expected.provenance.data_sha256);
});

test('evaluateMany: a bad unit in the middle is its own entry', () => {
  const good = JSON.parse(read(FIXTURE));
  const bad = structuredClone(good);
  bad['单位名称'] = '某坏单位';
  bad['年度收入']['收入合计'] = '三千';
  const other = structuredClone(good);
  other['单位名称'] = '另一单位';
  const results = rules.evaluateMany([good, bad, other, 'not json'], { explain: true });
  assert.equal(results.length, 4);
  assert.deepEqual(
    results.map((r) => [r.status, r.unit]),
    [
      ['正常', '岳阳市城市管理综合执法支队'],
      ['错误', '某坏单位'],
      ['正常', '另一单位'],
      ['错误', '（未读取）'],
    ],
  );
  assert.deepEqual(results[0].evaluation, rules.evaluate(good, { explain: true }));
  assert.equal(results[0].error, undefined);
  assert.equal(results[1].evaluation, undefined);
  assert.equal(results[1].error.code, 'jixiao::data::invalid_value');
  assert.equal(results[1].error.problems[0].field, '收入合计');
  assert.equal(results[2].evaluation.unit, '另一单位');
  assert.equal(results[2].evaluation.total_display, results[0].evaluation.total_display);
  assert.equal(results[3].error.code, 'jixiao::data::unreadable');
});

test('a rule file 基于 another, with the base given by name', () => {
  const bases = { 'yueyang-2021.jx': read(RULES) };
  const r2022 = new jixiao.Rules(read(RULES_2022), RULES_2022, bases);
  assert.equal(r2022.year, 2022);
  const expected = cliJson('eval', RULES_2022, TOML, '--format', 'json');
  assert.deepEqual(r2022.evaluate(read(TOML), { format: 'toml', file: TOML }), expected);
  assert.equal(jixiao.check(read(RULES_2022), RULES_2022, bases).ok, true);

  const e = thrown(() => new jixiao.Rules(read(RULES_2022), RULES_2022));
  assert.ok(e.rendered.includes('yueyang-2021.jx'), e.rendered);
  assert.equal(jixiao.check(read(RULES_2022), RULES_2022).ok, false);
});

test('inputs: the figures a unit reports', () => {
  const inputs = rules.inputs();
  const staff = inputs.find((i) => i.name === '编制人数');
  assert.deepEqual(staff.aliases, ['人员编制']);
  assert.deepEqual(staff.type, { kind: 'count', unit: '人' });
  assert.equal(staff.required, true);
  assert.ok(inputs.some((i) => i.type.kind === 'targets'));
});

test('wrong arguments throw jixiao::wasm::invalid_argument', () => {
  for (const f of [
    () => rules.evaluate(JSON.parse(read(FIXTURE)), { explian: true }),
    () => rules.evaluate(read(TOML), { format: 'yaml' }),
    () => rules.evaluate(JSON.parse(read(FIXTURE)), { format: 'toml' }),
    () => rules.evaluate(undefined),
    () => rules.evaluateMany('not an array'),
    () => new jixiao.Rules(read(RULES_2022), RULES_2022, { 'yueyang-2021.jx': 42 }),
  ]) {
    const e = thrown(f);
    assert.equal(e.code, 'jixiao::wasm::invalid_argument', String(f));
    assert.equal(e.kind, 'argument');
  }
});

test('the browser package (pkg-web) gives the same evaluation', async () => {
  const web = await import('../pkg-web/jixiao_wasm.js');
  await web.default({ module_or_path: readFileSync(path.join(here, '../pkg-web/jixiao_wasm_bg.wasm')) });
  const webRules = new web.Rules(read(RULES), RULES);
  assert.deepEqual(
    webRules.evaluate(read(TOML), { format: 'toml', file: TOML }),
    rules.evaluate(read(TOML), { format: 'toml', file: TOML }),
  );
  webRules.free();
});
