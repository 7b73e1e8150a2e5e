// 规则编辑页的语法高亮（crates/jixiao-cli/src/serve/assets/highlight.js）：按 grammar/jixiao.pest 的
// 词法切分；关键字是完整的词（`分值15` 是一个名称）；输出的 HTML 一律转义；诊断的波浪线和位置标记
// 放在正确的字符上。不需要浏览器：脚本在 Node 的 vm 中运行。

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const source = fs.readFileSync(path.join(root, "crates/jixiao-cli/src/serve/assets/highlight.js"), "utf8");
const context = {};
vm.runInNewContext(`${source}\nthis.jxHighlight = jxHighlight;`, context);
const { tokens, render } = context.jxHighlight;

const words = {
  keywords: ["输入", "范围", "三级", "分值", "公式", "评分", "分档", "得", "标准", "计算"],
  functions: ["round", "四舍五入"],
  units: ["人", "万元"],
};

// Arrays made in the vm have another prototype: compared as plain data.
const classes = (text) => JSON.parse(JSON.stringify(tokens(text, words).map(([a, b, c]) => [text.slice(a, b), c])));

test("词法：关键字是完整的词，函数名要跟括号，数字带百分号，字符串和注释", () => {
  const text = '输入 编制人数: 人 范围 >= 0 // 说明\n三级 分值15 分值 5 { 公式 四舍五入(甲 / 乙, 2) 评分 分档 { >= 90% 得 5 } 标准 "以100%为\\"标准" }';
  assert.deepEqual(classes(text), [
    ["输入", "tk-keyword"],
    ["编制人数", "tk-name"],
    [":", "tk-punct"],
    ["人", "tk-unit"],
    ["范围", "tk-keyword"],
    [">=", "tk-operator"],
    ["0", "tk-number"],
    ["// 说明", "tk-comment"],
    ["三级", "tk-keyword"],
    ["分值15", "tk-name"],
    ["分值", "tk-keyword"],
    ["5", "tk-number"],
    ["{", "tk-punct"],
    ["公式", "tk-keyword"],
    ["四舍五入", "tk-function"],
    ["(", "tk-punct"],
    ["甲", "tk-name"],
    ["/", "tk-operator"],
    ["乙", "tk-name"],
    [",", "tk-punct"],
    ["2", "tk-number"],
    [")", "tk-punct"],
    ["评分", "tk-keyword"],
    ["分档", "tk-keyword"],
    ["{", "tk-punct"],
    [">=", "tk-operator"],
    ["90%", "tk-number"],
    ["得", "tk-keyword"],
    ["5", "tk-number"],
    ["}", "tk-punct"],
    ["标准", "tk-keyword"],
    ['"以100%为\\"标准"', "tk-string"],
    ["}", "tk-punct"],
  ]);
  // A function's name without a call is a name (a rule may call a value `round`).
  assert.deepEqual(classes("计算 round = 1"), [
    ["计算", "tk-keyword"],
    ["round", "tk-name"],
    ["=", "tk-operator"],
    ["1", "tk-number"],
  ]);
  // An unclosed quote ends at its line; a block comment may span lines.
  assert.deepEqual(classes('标准 "未写完\n得 5'), [
    ["标准", "tk-keyword"],
    ['"未写完', "tk-string"],
    ["得", "tk-keyword"],
    ["5", "tk-number"],
  ]);
  assert.deepEqual(classes("/* 一\n二 */ 得"), [
    ["/* 一\n二 */", "tk-comment"],
    ["得", "tk-keyword"],
  ]);
});

test("每个规则文件切分后：标记按顺序、不重叠，拼回去就是原文", () => {
  const files = [
    ...fs.readdirSync(path.join(root, "rules")).filter((f) => f.endsWith(".jx")).map((f) => path.join(root, "rules", f)),
    ...fs.readdirSync(path.join(root, "tests/errors")).filter((f) => f.endsWith(".jx")).map((f) => path.join(root, "tests/errors", f)),
  ];
  assert.ok(files.length > 50);
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const toks = tokens(text, words);
    let at = 0;
    for (const [a, b] of toks) {
      assert.ok(a >= at && b > a, `${file}: ${a}..${b} after ${at}`);
      // Between tokens only spaces or characters no token takes.
      assert.match(text.slice(at, a), /^[^\p{L}\p{Nd}"“#/]*$/u, `${file} at ${at}`);
      at = b;
    }
    // The HTML, unescaped and stripped of its spans, is the text.
    const html = render(text, toks, []);
    const plain = html
      .replace(/<[^>]+>/g, "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
    // (A text ending in a line break gets one space, so the last empty line has a height.)
    assert.equal(plain, text.endsWith("\n") ? text + " " : text, file);
  }
});

test("输出一律转义；波浪线和位置标记放在正确的字符上", () => {
  const text = '标准 "<script>&"\n得 x';
  const html = render(text, tokens(text, words), [
    [text.indexOf("x"), text.indexOf("x") + 1, "error"],
    [text.length, text.length, "warning"],
  ]);
  assert.ok(!html.includes("<script>"), html);
  assert.ok(html.includes("&lt;script&gt;&amp;&quot;"), html);
  assert.ok(html.includes('<span class="tk-name diag error">x</span>'), html);
  assert.ok(html.endsWith('<span class="diag-point warning"></span>'), html);
  // A mark across tokens is split at their edges, each piece keeping its colour.
  const two = "得 5";
  assert.equal(
    render(two, tokens(two, words), [[0, 3, "error"]]),
    '<span class="tk-keyword diag error">得</span><span class="diag error"> </span><span class="tk-number diag error">5</span>',
  );
});
