'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { foldingRanges } = require('../../src/folding');

test('blocks fold to the line before their `}`', () => {
  const text = [
    '一级 投入 分值 15 {', //                 0
    '  二级 预算配置 分值 15 {', //           1
    '    三级 甲 分值 15 { 评分 评审 }', //   2 (one line: no fold)
    '    三级 乙 分值 0 {', //                3
    '      评分 评审', //                      4
    '    }', //                                5
    '  }', //                                  6
    '}', //                                    7
  ].join('\n');
  assert.deepEqual(foldingRanges(text), [
    { start: 0, end: 6 },
    { start: 1, end: 5 },
    { start: 3, end: 4 },
  ]);
});

test('braces in strings and comments do not count; comments fold', () => {
  const text = [
    '// 第一行注释 {', //                         0
    '// 第二行注释', //                           1
    '栏目 "收 { 入" {', //                        2
    '  输入 甲: 人 { 说明 “}” }  # }', //         3
    '  /* 块注释 {', //                           4
    '     } */', //                               5
    '  输入 乙: 人 { 说明 "\\"}" }', //           6
    '}', //                                       7
  ].join('\r\n');
  assert.deepEqual(foldingRanges(text), [
    { start: 0, end: 1, kind: 'comment' },
    { start: 2, end: 6 },
    { start: 4, end: 5, kind: 'comment' },
  ]);
});

test('regions', () => {
  const text = ['// region 输入', '输入 甲: 人', '输入 乙: 人', '// endregion'].join('\n');
  assert.deepEqual(foldingRanges(text), [{ start: 0, end: 3, kind: 'region' }]);
});

test('the sample rule file: every block of the indicator tree folds', () => {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'rules', 'yueyang-2021.jx'), 'utf8');
  const ranges = foldingRanges(text);
  const lines = text.split('\n');
  const starts = new Set(ranges.map((r) => r.start));
  lines.forEach((l, i) => {
    if (/^\s*(一级|二级)\s/.test(l)) assert.ok(starts.has(i), `line ${i + 1} folds: ${l}`);
  });
  const first = ranges.find((r) => lines[r.start].startsWith('一级 投入'));
  assert.equal(lines[first.end + 1], '}');
});
