// 逐年页：各年度保存的结果（或规则和数据）→ /api/trend → 各年度、单位的对应、图表和各单位逐年的总分、等级。
"use strict";

(() => {
  const { el } = jx;
  const form = document.getElementById("trend-form");
  const resultsInput = document.getElementById("results");
  const namesInput = document.getElementById("names");
  const yearRows = document.getElementById("year-rows");
  const runButton = document.getElementById("run");
  const statusLine = document.getElementById("status");
  const results = document.getElementById("trend-results");
  const unitsTable = document.getElementById("trend-units");
  const filterInput = document.getElementById("filter");
  const onlyGradeChanges = document.getElementById("only-grade-changes");
  const onlyUnmatched = document.getElementById("only-unmatched");

  /** The most rows drawn at once; filtering or sorting reaches the others. */
  const MOST_ROWS = 500;
  let report = null;
  let lastForm = null;
  const sortState = { column: null, ascending: true };
  let rows = 0; // numbering of the rule-and-data rows

  /** A year given as a rule set and its data: a select and a file input. */
  async function addYear() {
    rows += 1;
    const n = rows;
    const select = el("select", { "data-year-rules": n, "aria-label": `第 ${n} 个年度的规则` });
    const files = el("input", {
      type: "file",
      multiple: true,
      "data-year-data": n,
      "aria-label": `第 ${n} 个年度的数据`,
      accept: ".toml,.json,.csv,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods",
    });
    const row = el(
      "div",
      { class: "year-row", "data-year": n },
      el("label", {}, "规则", select),
      el("label", {}, "这一年度的单位数据", files),
      el("button", { type: "button", class: "secondary", onclick: () => row.remove() }, "删除这一年度"),
    );
    yearRows.append(row);
    try {
      await jx.ruleOptions(select);
      // Each new row offers the next older year than the rows above it.
      const taken = Array.from(yearRows.querySelectorAll("select")).filter((s) => s !== select).map((s) => s.value);
      const free = Array.from(select.options).find((o) => !o.disabled && !taken.includes(o.value));
      if (free) select.value = free.value;
    } catch (e) {
      jx.status(statusLine, "无法读取规则列表：" + e.message, "problem");
    }
  }

  document.getElementById("add-year").addEventListener("click", addYear);

  /** The request's form: saved results, each year's rules and data, the name table. */
  function collect() {
    const data = new FormData();
    for (const f of resultsInput.files) data.append("result", f, f.name);
    let n = 0;
    for (const row of yearRows.querySelectorAll(".year-row")) {
      const files = row.querySelector("input[type=file]").files;
      if (!files.length) continue;
      n += 1;
      data.append(`rules${n}`, row.querySelector("select").value);
      for (const f of files) data.append(`data${n}`, f, f.name);
    }
    if (namesInput.files.length) data.append("names", namesInput.files[0], namesInput.files[0].name);
    if (document.getElementById("partial").checked) data.append("partial", "true");
    return data;
  }

  function request(format) {
    const data = new FormData();
    for (const [k, v] of lastForm.entries()) data.append(k, v);
    if (format) data.append("format", format);
    return jx.post("/api/trend", data);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    lastForm = collect();
    runButton.disabled = true;
    jx.status(statusLine, "正在对比……", "busy");
    try {
      report = await (await request(null)).json();
      show();
      jx.status(statusLine, "");
    } catch (e) {
      results.hidden = true;
      jx.status(statusLine, e.message, "problem");
    } finally {
      runButton.disabled = false;
    }
  });

  function show() {
    results.hidden = false;
    const years = report.years;
    document.getElementById("years-table").tBodies[0].replaceChildren(
      ...years.map((y) =>
        el(
          "tr",
          {},
          el("td", {}, y.year),
          el("td", {}, y.source),
          el("td", {}, y.rules_file),
          el("td", { class: "num" }, y.units),
          el("td", { class: "num" }, y.evaluated),
          el("td", { class: "num" }, y.incomplete),
          el("td", { class: "num" }, y.errors),
          el("td", { class: "num" }, y.only_this_year),
          el("td", { class: "num" }, y.totals ? y.totals.median_display : "—"),
          el("td", {}, y.grades.map((g) => `${g.name} ${g.count}`).join("、")),
        ),
      ),
    );
    const matching = [
      `${report.units.length} 个单位中 ${report.matched} 个在各年度都有结果（按单位名称对应，不计空格和全角、半角的差别${report.names_file ? `；更名的单位按对照表 ${report.names_file} 对应` : ""}）`,
    ];
    for (const [i, y] of years.entries()) {
      const only = report.units.filter((u) => !u.note && u.years.every((uy, j) => (uy.status !== "无结果") === (i === j)));
      if (only.length) matching.push(`只有 ${y.year} 年度有结果的单位（${only.length} 个）：${only.map((u) => u.unit).join("、")}`);
    }
    const list = document.getElementById("matching");
    list.replaceChildren(
      ...matching.map((t) => el("li", {}, t)),
      ...report.warnings.map((w) => el("li", { class: "warn" }, w)),
    );
    jx.charts(document.getElementById("trend-charts"), report.charts);
    sortState.column = null;
    buildHead();
    renderUnits();
  }

  /** Year `i`'s figure for a unit: its total, or why it has none. */
  const totalText = (uy) => (uy.status === "正常" ? uy.total_display : uy.status);

  function buildHead() {
    const years = report.years;
    const several = years.length > 2;
    const cells = [el("th", { "data-key": "unit" }, "单位名称")];
    years.forEach((y, i) => {
      cells.push(el("th", { "data-key": `total:${i}` }, `${y.year} 总分`));
      cells.push(el("th", { "data-key": `grade:${i}` }, `${y.year} 等级`));
    });
    years.slice(1).forEach((y, i) => {
      const suffix = several ? `（${years[i].year}→${y.year}）` : "";
      cells.push(el("th", { "data-key": `delta:${i}` }, `变化${suffix}`));
      cells.push(el("th", { "data-key": `grade_change:${i}` }, `等级变化${suffix}`));
    });
    unitsTable.tHead.replaceChildren(el("tr", {}, cells));
    jx.sortable(unitsTable, sortState, renderUnits);
  }

  /** A unit's sort key for a column; `null` (no figure) always sorts last. */
  function key(u, column) {
    const [name, index] = column.split(":");
    const i = Number(index);
    if (name === "unit") return u.unit;
    if (name === "total") return u.years[i].total;
    if (name === "grade") {
      // Grade order, best first (not the characters' order).
      const at = report.years[i].grades.findIndex((g) => g.name === u.years[i].grade);
      return at < 0 ? null : at;
    }
    if (name === "delta") return u.changes[i].delta;
    if (name === "grade_change") return { 升: 0, 不变: 1, 变化: 2, 降: 3 }[u.changes[i].grade_change] ?? null;
    return null;
  }

  function sorted(list) {
    if (!sortState.column) return list;
    const direction = sortState.ascending ? 1 : -1;
    return list.slice().sort((a, b) => {
      const x = key(a, sortState.column);
      const y = key(b, sortState.column);
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      return direction * jx.compare(x, y);
    });
  }

  function renderUnits() {
    const needle = filterInput.value.trim();
    const chosen = report.units.filter(
      (u) =>
        (!needle || u.years.some((y) => (y.name || "").includes(needle)) || u.unit.includes(needle)) &&
        (!onlyGradeChanges.checked || u.changes.some((c) => c.grade_change && c.grade_change !== "不变")) &&
        (!onlyUnmatched.checked || !u.matched),
    );
    const list = sorted(chosen);
    const drawn = list.slice(0, MOST_ROWS);
    document.getElementById("shown").textContent =
      list.length > drawn.length
        ? `共 ${list.length} 个单位，显示前 ${drawn.length} 个（筛选或排序可查看其他单位；全部单位见下载的 Excel 工作簿）`
        : `${list.length} 个单位`;
    const columns = unitsTable.tHead.rows[0].cells.length;
    const body = [];
    for (const u of drawn) {
      const detail = el("tr", { class: "changes", hidden: true }, el("td", { colspan: columns }, details(u)));
      const cells = [el("td", {}, u.unit, u.renamed ? el("span", { class: "muted" }, "（曾用名见详情）") : null)];
      for (const uy of u.years) {
        cells.push(el("td", { class: "num" + (uy.status === "正常" ? "" : " muted") }, totalText(uy)));
        cells.push(el("td", {}, uy.grade ?? ""));
      }
      for (const c of u.changes) {
        const d = c.delta === null ? 0 : jx.toNumber(c.delta);
        cells.push(el("td", { class: "num " + (d > 0 ? "delta-up" : d < 0 ? "delta-down" : "") }, c.delta_display ?? ""));
        cells.push(el("td", { class: c.grade_change === "升" || c.grade_change === "降" ? "warn" : "" }, c.grade_change ?? ""));
      }
      body.push(el("tr", { class: u.matched ? "" : "unmatched", onclick: () => (detail.hidden = !detail.hidden) }, cells), detail);
    }
    unitsTable.tBodies[0].replaceChildren(...body);
  }

  /** One unit's years: name, source, total and grade or why there is none, its rates. */
  function details(u) {
    const comparable = report.categories.map((c, i) => [c, i]).filter(([c]) => c.comparable);
    const head = el(
      "tr",
      {},
      el("th", {}, "年度"),
      el("th", {}, "名称"),
      el("th", {}, "来源"),
      el("th", {}, "总分"),
      el("th", {}, "等级"),
      comparable.map(([c]) => el("th", {}, `${c.name}得分率`)),
    );
    const lines = u.years.map((uy) =>
      el(
        "tr",
        {},
        el("td", {}, uy.year),
        el("td", {}, uy.name ?? "—"),
        el("td", {}, uy.source ?? "—"),
        el("td", { class: "num" }, uy.total_display ?? uy.status),
        el("td", {}, uy.grade ?? ""),
        comparable.map(([, i]) => el("td", { class: "num" }, uy.rates[i] ? uy.rates[i].display : "—")),
      ),
    );
    const reasons = u.years.filter((uy) => uy.reason).map((uy) => el("p", { class: "bad" }, `${uy.year} 年度：${uy.reason}`));
    return [
      u.note ? el("p", { class: "warn" }, u.note) : null,
      el("table", { class: "narrow" }, el("thead", {}, head), el("tbody", {}, lines)),
      reasons,
    ];
  }

  filterInput.addEventListener("input", () => report && renderUnits());
  onlyGradeChanges.addEventListener("change", () => report && renderUnits());
  onlyUnmatched.addEventListener("change", () => report && renderUnits());

  jx.downloads({
    stem: "逐年对比",
    ready: () => lastForm,
    fetchFormat: (format) => request(format),
    statusLine,
  });
})();
