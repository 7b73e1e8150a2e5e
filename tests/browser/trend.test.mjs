// 逐年页：上传 2021、2022 年度保存的评价结果和单位更名对照表，看到各年度的中位数、单位的对应、图表，
// 各单位逐年的总分和等级（排序、筛选、详情），下载 Excel；也按规则和数据评价两个年度；只给一个年度时说明原因。
//
// 运行：cargo build && cd tests/browser && npm ci && npm test

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { root, serve, run, launch, cleanup, newPage, screenshot, tempDir } from "./harness.mjs";

const data2021 = path.join(root, "examples/yueyang-2021/units.csv");
const data2022 = path.join(root, "tests/fixtures/trend/units-2022.csv");
const names = path.join(root, "tests/fixtures/trend/更名.csv");

let base;
let saved;

before(async () => {
  await launch();
  base = await serve("rules");
  // The two years' results, saved as a clerk saves them.
  const dir = tempDir("jixiao-trend-");
  saved = { 2021: path.join(dir, "2021结果.json"), 2022: path.join(dir, "2022结果.json") };
  await run(["eval", "rules/yueyang-2021.jx", data2021, "-o", saved[2021]]);
  await run(["eval", "rules/yueyang-2022.jx", data2022, "--partial", "-o", saved[2022]]);
});

after(cleanup);

/** The units table's rows (not the detail rows) as their cells' texts. */
async function unitRows(page) {
  return page.locator("#trend-units > tbody > tr:not(.changes)").evaluateAll((rows) =>
    rows.map((r) => Array.from(r.cells).map((c) => c.innerText.trim())),
  );
}

test("逐年页：上传两个年度的结果和更名对照表，看各年度、图表和各单位的变化", { timeout: 180_000 }, async () => {
  const page = await newPage();
  await page.goto(`${base}/trend`);
  assert.equal(await page.locator("nav a[aria-current=page]").innerText(), "逐年");
  await page.locator("#results").setInputFiles([saved[2021], saved[2022]]);
  await page.locator("#names").setInputFiles(names);
  await page.locator("#run").click();
  await page.locator("#trend-results").waitFor();

  const years = await page.locator("#years-table tbody tr").evaluateAll((rows) => rows.map((r) => r.innerText));
  assert.equal(years.length, 2);
  assert.match(years[0], /^2021\t2021结果\.json\tyueyang-2021\.jx\t7\t7\t0\t0\t1\t92\.00/);
  assert.match(years[1], /^2022\t2022结果\.json\tyueyang-2022\.jx\t7\t5\t1\t1\t1\t94\.30\t优秀 4、良好 1/);
  assert.match(await page.locator("#matching").innerText(), /8 个单位中 6 个在各年度都有结果.*更名的单位按对照表 更名\.csv 对应/);

  const charts = await page.locator("#trend-charts figure").evaluateAll((f) => f.map((x) => x.dataset.chart));
  assert.deepEqual(charts, ["jx-trend-grades", "jx-trend-totals", "jx-trend-categories", "jx-trend-units"]);
  assert.ok(await page.locator("#trend-charts svg text", { hasText: "中位 94.30（88.24～96.00），5 个单位" }).count());

  let rows = await unitRows(page);
  assert.equal(rows.length, 8);
  const head = await page.locator("#trend-units > thead th").allInnerTexts();
  assert.deepEqual(head, ["单位名称", "2021 总分", "2021 等级", "2022 总分", "2022 等级", "变化", "等级变化"]);
  const garden = rows.find((r) => r[0].startsWith("市园林绿化服务中心(虚构)"));
  assert.deepEqual(garden.slice(1), ["84.85", "良好", "90.42", "优秀", "+5.57", "升"]);
  const water = rows.find((r) => r[0].startsWith("市水利水电勘测设计院"));
  assert.deepEqual(water.slice(1, 5), ["88.00", "良好", "错误", ""]);
  await screenshot(page, "trend.png", { fullPage: true });

  // Sorting by the change: the largest fall first, then (clicked again) the largest gain;
  // units without a change stay last either way.
  const change = page.locator("#trend-units > thead th", { hasText: /^变化$/ });
  await change.click();
  rows = await unitRows(page);
  assert.ok(rows[0][0].startsWith("市档案馆（虚构）"), rows[0][0]);
  assert.equal(rows.at(-1)[5], "");
  await change.click();
  rows = await unitRows(page);
  assert.ok(rows[0][0].startsWith("市园林绿化服务中心(虚构)"), rows[0][0]);
  assert.equal(rows.at(-1)[5], "");
  // Grades sort in their order (优秀 before 良好), not by their characters.
  await page.locator("#trend-units > thead th", { hasText: "2021 等级" }).click();
  rows = await unitRows(page);
  assert.deepEqual(
    rows.map((r) => r[2]),
    ["优秀", "优秀", "优秀", "优秀", "良好", "良好", "中", ""],
  );

  // A renamed unit's detail names it in each year.
  await page.locator("#trend-units > tbody > tr", { hasText: "市文化艺术中心（虚构）" }).first().click();
  const detail = page.locator("#trend-units > tbody > tr.changes:not([hidden])");
  await detail.waitFor();
  assert.match(await detail.innerText(), /2021\t市文化馆（虚构）\t/);
  assert.match(await detail.innerText(), /投入得分率/);

  // Filters.
  await page.locator("#only-grade-changes").check();
  rows = await unitRows(page);
  assert.deepEqual(rows.map((r) => r[0]).sort(), ["市园林绿化服务中心(虚构)（曾用名见详情）", "市档案馆（虚构）"].sort());
  await page.locator("#only-grade-changes").uncheck();
  await page.locator("#filter").fill("图书馆");
  rows = await unitRows(page);
  assert.equal(rows.length, 1);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator(".downloads button[data-format=xlsx]").click(),
  ]);
  assert.equal(download.suggestedFilename(), "逐年对比-2021—2022.xlsx");
  assert.deepEqual(page.scriptErrors, []);
});

test("逐年页：按规则和数据评价两个年度；只给一个年度时说明原因", { timeout: 180_000 }, async () => {
  const page = await newPage();
  await page.goto(`${base}/trend`);
  await page.locator("#add-year").click();
  await page.locator("#add-year").click();
  const selects = page.locator("#year-rows select");
  await page.waitForFunction(() => document.querySelectorAll("#year-rows select option").length >= 4);
  await selects.nth(0).selectOption("yueyang-2021");
  await selects.nth(1).selectOption("yueyang-2022");
  const inputs = page.locator("#year-rows input[type=file]");
  await inputs.nth(0).setInputFiles(data2021);
  await inputs.nth(1).setInputFiles(data2022);
  await page.locator("#partial").check();
  await page.locator("#run").click();
  await page.locator("#trend-results").waitFor();
  const years = await page.locator("#years-table tbody tr").allInnerTexts();
  assert.match(years[0], /^2021\tyueyang-2021\.jx：units\.csv\t/);
  assert.match(years[1], /94\.30\t优秀 4、良好 1、中 0、差 0$/);
  assert.equal((await unitRows(page)).length, 9);

  // One year only: the reason, in Chinese.
  await page.locator("#year-rows button", { hasText: "删除这一年度" }).nth(1).click();
  await page.locator("#run").click();
  await page.locator("#status.problem").waitFor();
  assert.match(await page.locator("#status").innerText(), /逐年对比至少需要两个年度的结果/);
  assert.ok(await page.locator("#trend-results").isHidden());
  assert.deepEqual(page.scriptErrors, []);
});
