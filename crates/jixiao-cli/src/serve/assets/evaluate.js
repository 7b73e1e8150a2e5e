// 评价页：上传数据 → /api/evaluate（view=list：每个单位一行）→ 单位列表（units-table.js）→
// 点一个单位：/api/evaluate/unit 只评价这一个单位，显示它的评分表（unit-detail.js）。
// 打开单位用地址的 #unit-序号，浏览器的“返回”回到列表：结果、排序、筛选和滚动位置都不变。
"use strict";

(() => {
  const { el } = jx;
  const form = document.getElementById("eval-form");
  const select = document.getElementById("rules");
  const filesInput = document.getElementById("files");
  const sheetInput = document.getElementById("sheet");
  const partialInput = document.getElementById("partial");
  const runButton = document.getElementById("run");
  const statusLine = document.getElementById("status");
  const results = document.getElementById("results");
  const detail = document.getElementById("detail");
  const filter = document.getElementById("filter");
  const shown = document.getElementById("shown");
  const duplicates = document.getElementById("duplicates");

  const table = new jx.UnitTable(document.getElementById("units"), document.getElementById("units-scroller"), (n, all) => {
    shown.textContent = n === all ? `共 ${all} 个单位` : `显示 ${all} 个中的 ${n} 个`;
  });

  /** The rule sets (for each one's 得分精度). */
  let ruleSets = [];
  /** What was evaluated: the request's parameters and files, sent again for a unit or a download. */
  let last = null;
  /** Units opened for these results, by number (Back and Forward need no new request). */
  let opened = new Map();
  /** Where the list was when a unit was opened. */
  let listScroll = { table: 0, window: 0 };

  history.scrollRestoration = "manual";

  jx.ruleOptions(select, new URLSearchParams(location.search).get("rules"))
    .then((usable) => (ruleSets = usable))
    .catch((e) => jx.status(statusLine, "无法读取规则列表：" + e.message, "problem"));

  // Results live in this page only: a unit's address without them is the empty page.
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);

  function request(url, fields) {
    const data = new FormData();
    data.append("rules", last.rules);
    if (last.sheet) data.append("sheet", last.sheet);
    if (last.partial) data.append("partial", "true");
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    for (const f of last.files) data.append("file", f, f.name);
    return jx.post(url, data);
  }

  // ── 重复的文件 ──────────────────────────────────────────────────────────────

  /** Files whose content is that of an earlier one: [file, the earlier one]. */
  async function repeated(files) {
    const seen = new Map();
    const out = [];
    for (const f of files) {
      // Where the browser offers no digest, the same file picked twice still shows.
      const key = (await jx.digest(f)) ?? `${f.name}\n${f.size}\n${f.lastModified}`;
      if (seen.has(key)) out.push([f, seen.get(key)]);
      else seen.set(key, f);
    }
    return out;
  }

  async function checkDuplicates() {
    const files = Array.from(filesInput.files);
    const found = await repeated(files);
    duplicates.querySelector("ul").replaceChildren(
      ...found.map(([f, first]) => el("li", {}, `「${f.name}」与「${first.name}」内容相同：一起评价时其中的单位会计算两次。`)),
    );
    duplicates.hidden = found.length === 0;
    return found;
  }

  filesInput.addEventListener("change", checkDuplicates);
  document.getElementById("drop-duplicates").addEventListener("click", async () => {
    const dropped = new Set((await repeated(Array.from(filesInput.files))).map(([f]) => f));
    const kept = new DataTransfer();
    for (const f of filesInput.files) if (!dropped.has(f)) kept.items.add(f);
    filesInput.files = kept.files;
    await checkDuplicates();
  });

  // ── 评价 ───────────────────────────────────────────────────────────────────

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!filesInput.files.length) {
      jx.status(statusLine, "请先选择数据文件。", "problem");
      return;
    }
    last = {
      rules: select.value,
      files: Array.from(filesInput.files),
      sheet: sheetInput.value.trim(),
      partial: partialInput.checked,
    };
    runButton.disabled = true;
    jx.status(statusLine, `正在评价 ${last.files.length} 个文件……`, "busy");
    try {
      const response = await request("/api/evaluate", { view: "list" });
      show(await response.json());
      jx.status(statusLine, "");
    } catch (e) {
      results.hidden = true;
      detail.hidden = true;
      jx.status(statusLine, e.message, "problem");
    } finally {
      runButton.disabled = false;
    }
  });

  function show(data) {
    opened = new Map();
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    document.getElementById("summary").textContent = jx.plain(`${data.rules.title}（${data.rules.year} 年度）：${data.summary.text}`);
    const warnings = document.getElementById("warnings");
    warnings.replaceChildren(...data.warnings.map((w) => el("li", {}, "警告：" + jx.plain(w))));
    warnings.hidden = data.warnings.length === 0;
    results.hidden = false;
    detail.hidden = true;
    filter.value = "";
    table.load(data.rows, data.grades);
    // The charts after the list: the rows first.
    requestAnimationFrame(() => jx.charts(document.getElementById("charts"), data.charts));
  }

  filter.addEventListener("input", () => table.filter(filter.value));

  jx.downloads({
    stem: "评价结果",
    ready: () => last,
    fetchFormat: (format) => {
      const audit = document.getElementById("with-audit").checked;
      return request(audit ? "/api/audit" : "/api/evaluate", { format });
    },
    statusLine,
    busy: "正在生成下载文件……",
  });

  // ── 单位详情：#unit-序号 ─────────────────────────────────────────────────────

  function route() {
    const m = /^#unit-(\d+)$/.exec(location.hash);
    if (m && last) showUnit(Number(m[1]));
    else showList();
  }

  window.addEventListener("hashchange", route);

  function showList() {
    if (!last) return;
    detail.hidden = true;
    results.hidden = false;
    table.scrollTop = listScroll.table;
    window.scrollTo(0, listScroll.window);
  }

  async function showUnit(number) {
    if (detail.hidden) listScroll = { table: table.scrollTop, window: window.scrollY };
    results.hidden = true;
    detail.hidden = false;
    window.scrollTo(0, 0);
    const back = () => history.back();
    const row = table.rows.find((r) => r.number === number);
    detail.replaceChildren(el("p", { class: "busy" }, `正在读取 ${row ? row.unit : `第 ${number} 个单位`} 的评分表……`));
    try {
      let unit = opened.get(number);
      if (!unit) {
        const answer = await (await request("/api/evaluate/unit", { number: String(number), explain: "true" })).json();
        unit = answer.unit;
        opened.set(number, unit);
      }
      if (location.hash !== `#unit-${number}`) return; // left while it was on its way
      const precision = ruleSets.find((r) => r.id === last.rules)?.score_precision ?? 2;
      const parts = jx.unitDetail.render(unit, { precision, back });
      if (row && (row.unit !== unit.unit || row.source !== unit.source)) {
        parts.splice(1, 0, el("p", { class: "problem" }, `上传的文件在评价之后改动过：列表中的第 ${number} 个单位是「${row.unit}」（${row.source}），现在读到的是「${unit.unit}」。请重新评价。`));
      }
      detail.replaceChildren(...parts);
    } catch (e) {
      detail.replaceChildren(
        el("p", {}, el("button", { type: "button", class: "secondary", id: "back", onclick: back }, "← 返回单位列表")),
        el("p", { class: "problem" }, jx.plain(e.message)),
      );
    }
  }
})();
