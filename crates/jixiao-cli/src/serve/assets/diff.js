// 对比页：两套规则（和可选的单位数据）→ /api/diff → 规则变化和对各单位的影响。
"use strict";

(() => {
  const { el } = jx;
  const form = document.getElementById("diff-form");
  const oldSelect = document.getElementById("old");
  const newSelect = document.getElementById("new");
  const filesInput = document.getElementById("files");
  const runButton = document.getElementById("run");
  const statusLine = document.getElementById("status");
  const results = document.getElementById("diff-results");
  const effectsTable = document.getElementById("effects");

  let precision = 2;
  let effects = [];
  let last = null; // { old, new, files }
  const sortState = { column: null, ascending: true };

  (async () => {
    try {
      const params = new URLSearchParams(location.search);
      const usable = await jx.ruleOptions(newSelect, params.get("new"));
      await jx.ruleOptions(oldSelect, params.get("old"));
      // Default: the newest rule set against the newest one of an earlier year.
      if (!params.get("old") && usable.length > 1) {
        const newest = usable.find((r) => r.id === newSelect.value) || usable[0];
        const earlier = usable.find((r) => r.year < newest.year) || usable.find((r) => r.id !== newest.id);
        if (earlier) oldSelect.value = earlier.id;
      }
    } catch (e) {
      jx.status(statusLine, "无法读取规则列表：" + e.message, "problem");
    }
  })();

  function request(format) {
    const data = new FormData();
    data.append("old", last.old);
    data.append("new", last.new);
    if (format) data.append("format", format);
    if (last.partial) data.append("partial", "true");
    for (const f of last.files) data.append("file", f, f.name);
    return jx.post("/api/diff", data);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    last = {
      old: oldSelect.value,
      new: newSelect.value,
      files: Array.from(filesInput.files),
      partial: document.getElementById("partial").checked,
    };
    runButton.disabled = true;
    jx.status(statusLine, "正在对比……", "busy");
    try {
      const rules = await jx.getJson("/api/rules");
      const chosen = rules.rules.find((r) => r.id === last.new);
      precision = chosen && chosen.score_precision !== null ? chosen.score_precision : 2;
      const report = await (await request(null)).json();
      show(report);
      jx.status(statusLine, "");
    } catch (e) {
      results.hidden = true;
      jx.status(statusLine, e.message, "problem");
    } finally {
      runButton.disabled = false;
    }
  });

  const score = (x) => (x === null || x === undefined ? "—" : jx.roundText(x, precision));
  const signed = (x) => {
    const t = jx.roundText(x, precision);
    return jx.toNumber(x) > 0 ? "+" + t : t;
  };

  function show(d) {
    results.hidden = false;
    document.getElementById("sides").textContent =
      `${d.old.title}（${d.old.year} 年度，${d.old.file}）→ ${d.new.title}（${d.new.year} 年度，${d.new.file}）：${d.rule_changes.length} 处变化`;
    const body = document.getElementById("changes").tBodies[0];
    if (!d.rule_changes.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "规则没有变化")));
    } else {
      body.replaceChildren(
        ...d.rule_changes.map((c) =>
          el("tr", {}, el("td", {}, c.kind), el("td", {}, c.subject), side(c.old, c.old_words, "old"), side(c.new, c.new_words, "new")),
        ),
      );
    }
    effects = d.units;
    const block = document.getElementById("effects-block");
    block.hidden = effects.length === 0;
    document.getElementById("effect-summary").textContent =
      `${effects.length} 个单位中 ${d.units_changed} 个总分变化，${d.grades_changed} 个等级变化`;
    jx.charts(document.getElementById("diff-charts"), d.charts);
    sortState.column = null;
    for (const th of effectsTable.tHead.rows[0].cells) th.removeAttribute("aria-sort");
    renderEffects();
  }

  /** One side of a rule change: a 评分 change in words, the rule file's text in the tooltip. */
  function side(text, words, cls) {
    return words
      ? el("td", { class: cls, title: `规则文件的写法：${text ?? ""}` }, words)
      : el("td", { class: cls }, text ?? "");
  }

  function key(u, column) {
    if (column === "grade_changed") return u.grade_changed ? 1 : 0;
    if (column === "delta") return u.delta ?? "";
    return u[column] ?? "";
  }

  function renderEffects() {
    const rows = [];
    for (const u of jx.sorted(effects, sortState, key)) {
      const delta = u.delta === null ? 0 : jx.toNumber(u.delta);
      const changesRow = el(
        "tr",
        { class: "changes", hidden: true },
        el(
          "td",
          { colspan: 8 },
          u.incomplete ? el("p", { class: "warn" }, "总分无法比较：" + jx.plain(u.incomplete)) : null,
          u.error
            ? el("span", { class: "bad" }, "无法比较：" + jx.plain(u.error))
            : u.changes.length
              ? el("ul", {}, u.changes.map((c) => el("li", {}, `${c.name}：${score(c.old)} → ${score(c.new)}（${signed(c.delta)}）`)))
              : el("span", { class: "muted" }, "各指标得分不变"),
        ),
      );
      rows.push(
        el(
          "tr",
          { onclick: () => (changesRow.hidden = !changesRow.hidden) },
          el("td", { class: "num" }, u.number),
          el("td", {}, u.unit),
          el("td", { class: "num" }, u.old_total === null && !u.error ? "不完整" : score(u.old_total)),
          el("td", { class: "num" }, u.new_total === null && !u.error ? "不完整" : score(u.new_total)),
          el("td", { class: "num " + (delta > 0 ? "delta-up" : delta < 0 ? "delta-down" : "") }, u.error || u.incomplete ? "" : signed(u.delta)),
          el("td", {}, u.old_grade ?? ""),
          el("td", {}, u.new_grade ?? ""),
          el("td", { class: u.grade_changed ? "warn" : "" }, u.error ? "错误" : u.grade_changed ? "是" : ""),
        ),
        changesRow,
      );
    }
    effectsTable.tBodies[0].replaceChildren(...rows);
  }

  jx.sortable(effectsTable, sortState, renderEffects);

  jx.downloads({
    stem: "规则对比",
    ready: () => last,
    fetchFormat: (format) => request(format),
    statusLine,
  });
})();
