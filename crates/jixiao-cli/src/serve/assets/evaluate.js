// 评价页：上传数据 → /api/evaluate → 单位列表（可排序）→ 单位的评分表、评分说明和复核意见。
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
  const table = document.getElementById("units");
  const filter = document.getElementById("filter");

  /** What the table shows, and what the downloads send again. */
  let units = [];
  let last = null; // { rules, files, sheet }
  const sortState = { column: null, ascending: true };

  jx.ruleOptions(select, new URLSearchParams(location.search).get("rules")).catch((e) =>
    jx.status(statusLine, "无法读取规则列表：" + e.message, "problem"),
  );

  function request(format, audit) {
    const data = new FormData();
    data.append("rules", last.rules);
    if (last.sheet) data.append("sheet", last.sheet);
    if (last.partial) data.append("partial", "true");
    if (format) data.append("format", format);
    else data.append("explain", "true");
    for (const f of last.files) data.append("file", f, f.name);
    return jx.post(audit ? "/api/audit" : "/api/evaluate", data);
  }

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
      const response = await request(null, false);
      const data = await response.json();
      show(data);
      jx.status(statusLine, "");
    } catch (e) {
      results.hidden = true;
      detail.hidden = true;
      jx.status(statusLine, e.message, "problem");
    } finally {
      runButton.disabled = false;
    }
  });

  function counts(ev) {
    const a = ev ? ev.audit : null;
    return a ? [a.errors, a.warnings, a.notes] : [0, 0, 0];
  }

  function key(u, column) {
    const ev = u.evaluation;
    switch (column) {
      case "number": return u.number;
      case "unit": return u.unit;
      case "source": return u.source;
      case "total": return ev && ev.total !== null ? ev.total : "";
      case "grade": return ev && ev.grade !== null ? ev.grade : "";
      case "self": return ev && ev.self_evaluation.total !== null ? ev.self_evaluation.total : "";
      case "checks": return ev ? ev.checks.filter((c) => !c.ok).length : "";
      case "findings": {
        const [e, w, n] = counts(ev);
        return ev ? e * 1e6 + w * 1e3 + n : "";
      }
      case "status": return u.status;
      default: return "";
    }
  }

  function show(data) {
    units = data.units;
    document.getElementById("summary").textContent =
      `${data.rules.title}（${data.rules.year} 年度）：${data.summary.text}`;
    const warnings = document.getElementById("warnings");
    warnings.replaceChildren(...data.warnings.map((w) => el("li", {}, "警告：" + w)));
    warnings.hidden = data.warnings.length === 0;
    jx.charts(document.getElementById("charts"), data.charts);
    results.hidden = false;
    detail.hidden = true;
    filter.value = "";
    renderTable();
  }

  function renderTable() {
    const needle = filter.value.trim();
    const rows = jx.sorted(units, sortState, key).filter((u) => !needle || u.unit.includes(needle));
    table.tBodies[0].replaceChildren(...rows.map(row));
  }

  function row(u) {
    const ev = u.evaluation;
    const open = () => showDetail(u);
    if (!ev) {
      return el(
        "tr",
        { class: "error", onclick: open, "data-number": u.number },
        el("td", { class: "num" }, u.number),
        el("td", {}, u.unit),
        el("td", {}, u.source),
        el("td", { colspan: 5, class: "bad" }, u.error || "错误"),
        el("td", { class: "bad" }, u.status),
      );
    }
    const [e, w, n] = counts(ev);
    const failed = ev.checks.filter((c) => !c.ok).length;
    const self = ev.self_evaluation;
    return el(
      "tr",
      { onclick: open, "data-number": u.number },
      el("td", { class: "num" }, u.number),
      el("td", {}, el("a", { href: "#", class: "unit-link", onclick: (x) => x.preventDefault() }, u.unit)),
      el("td", {}, u.source),
      el("td", { class: "num total" }, ev.total_display),
      el("td", { class: "grade" }, ev.grade ?? ""),
      el("td", {}, self.total !== null || self.grade ? `${self.total ?? "—"} ${self.grade ?? ""}` : ""),
      el("td", { class: "num" }, failed || ""),
      el("td", {}, el("span", { class: "pill e", title: "错误" }, e), el("span", { class: "pill w", title: "警告" }, w), el("span", { class: "pill n", title: "提示" }, n)),
      el("td", { class: ev.complete ? "ok" : "warn" }, u.status),
    );
  }

  filter.addEventListener("input", renderTable);
  jx.sortable(table, sortState, renderTable);

  for (const button of document.querySelectorAll(".downloads button[data-format]")) {
    button.addEventListener("click", async () => {
      if (!last) return;
      const format = button.dataset.format;
      const audit = document.getElementById("with-audit").checked;
      button.disabled = true;
      jx.status(statusLine, "正在生成下载文件……", "busy");
      try {
        const response = await request(format, audit);
        await jx.save(response, `评价结果.${format}`);
        jx.status(statusLine, "");
      } catch (e) {
        jx.status(statusLine, e.message, "problem");
      } finally {
        button.disabled = false;
      }
    });
  }

  // ── 单位详情 ────────────────────────────────────────────────────────────

  function showDetail(u) {
    results.hidden = true;
    detail.hidden = false;
    detail.replaceChildren(...detailContent(u));
    window.scrollTo(0, 0);
  }

  function back() {
    detail.hidden = true;
    results.hidden = false;
  }

  function detailContent(u) {
    const ev = u.evaluation;
    const head = [
      el("p", {}, el("button", { type: "button", class: "secondary", id: "back", onclick: back }, "← 返回单位列表")),
      el("h2", { id: "unit-name" }, u.unit),
      el("p", { class: "muted" }, `${u.source}`),
    ];
    if (!ev) {
      return [...head, el("p", { class: "problem", id: "unit-error" }, u.error || "这个单位无法评价")];
    }
    const self = ev.self_evaluation;
    const parts = [
      ...head,
      el(
        "div",
        { class: "verdict" },
        el("span", {}, el("span", { class: "label" }, "总分 "), el("span", { class: "total", id: "unit-total" }, ev.total_display)),
        el("span", {}, el("span", { class: "label" }, "等级 "), el("span", { class: "grade-big", id: "unit-grade" }, ev.grade ?? "无（总分不完整）")),
        self.total !== null || self.grade
          ? el("span", { class: "label" }, `自评：${self.total ?? "—"} 分 ${self.grade ?? "—"}`)
          : null,
        el("span", { class: "label" }, `复核：${ev.audit.summary}`),
      ),
      ev.scoring ? el("p", { class: ev.complete ? "muted" : "problem", id: "unit-scoring" }, ev.scoring.text) : null,
      el("h3", {}, "评分表"),
      el(
        "p",
        {},
        el("label", {}, el("input", { type: "checkbox", id: "show-explain", checked: true, onchange: (e) => {
          document.getElementById("unit-sheet").classList.toggle("hide-explain", !e.target.checked);
        } }), " 显示评分说明（公式、代入值、评分标准和适用的规则）"),
      ),
      sheet(ev),
      el("h3", {}, "分类小计"),
      categories(ev),
      el("h3", {}, "勾稽关系与对照"),
      checks(ev),
      el("h3", { id: "findings-title" }, `复核意见（错误 ${ev.audit.errors}，警告 ${ev.audit.warnings}，提示 ${ev.audit.notes}）`),
      findings(ev),
      el(
        "p",
        { class: "muted" },
        `来源：规则文件 ${ev.provenance.rules_file}（SHA-256 ${ev.provenance.rules_sha256.slice(0, 16)}…）；数据 ${ev.provenance.data_file}（SHA-256 ${ev.provenance.data_sha256.slice(0, 16)}…）`,
      ),
    ];
    return parts.filter((p) => p !== null);
  }

  function sheet(ev) {
    const rows = [];
    let last1 = null;
    let last2 = null;
    for (const ind of ev.indicators) {
      const l1 = ind.path[0] || "";
      const l2 = ind.path[1] || "";
      const show1 = l1 !== last1;
      const show2 = show1 || l2 !== last2;
      last1 = l1;
      last2 = l2;
      rows.push(
        el(
          "tr",
          { class: "indicator" },
          el("td", {}, show1 ? l1 : ""),
          el("td", {}, show2 ? l2 : ""),
          el("td", {}, el("b", {}, ind.name)),
          el("td", { class: "num" }, ind.display ?? "—"),
          el("td", { class: "num" }, el("b", {}, ind.score_display)),
          el("td", { class: "num" }, ind.weight),
          el("td", { class: "num" }, ind.self_score ?? ""),
        ),
      );
      const x = ind.explanation;
      if (x) {
        const items = [];
        const add = (label, value) => {
          if (value) items.push(el("dt", {}, label), el("dd", {}, value));
        };
        if (x.formula) add("公式", `${ind.name} = ${x.formula}`);
        add("代入", x.substituted);
        add("结果", x.result);
        add("评分标准", x.standard);
        add("规则", x.criterion);
        add("适用", x.branch);
        rows.push(el("tr", { class: "explain" }, el("td", { colspan: 7 }, el("dl", {}, items))));
      }
    }
    return el(
      "table",
      { class: "list", id: "unit-sheet" },
      el("thead", {}, el("tr", {}, ["一级指标", "二级指标", "三级指标", "指标值", "得分", "分值", "自评"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows),
      el(
        "tfoot",
        {},
        el("tr", {}, el("th", { colspan: 4 }, "总分"), el("td", { class: "num" }, el("b", {}, ev.total_display)), el("td", {}, ""), el("td", { class: "num" }, ev.self_evaluation.total ?? "")),
      ),
    );
  }

  function categories(ev) {
    return el(
      "table",
      { class: "list narrow" },
      el("thead", {}, el("tr", {}, ["层级", "指标", "得分", "分值", "自评"].map((h) => el("th", {}, h)))),
      el(
        "tbody",
        {},
        ev.categories.map((c) =>
          el(
            "tr",
            {},
            el("td", {}, c.level === 1 ? "一级" : "二级"),
            el("td", {}, (c.level > 1 ? "　" : "") + c.name),
            el("td", { class: "num" }, c.score_display),
            el("td", { class: "num" }, c.weight),
            el("td", { class: "num" }, c.self_score ?? ""),
          ),
        ),
      ),
    );
  }

  function checks(ev) {
    if (!ev.checks.length) return el("p", { class: "muted" }, "规则没有勾稽关系。");
    return el(
      "table",
      { class: "list" },
      el("thead", {}, el("tr", {}, ["", "类型", "名称", "关系", "左边", "右边", "差额", "级别"].map((h) => el("th", {}, h)))),
      el(
        "tbody",
        {},
        ev.checks.map((c) =>
          el(
            "tr",
            {},
            el("td", { class: c.ok ? "ok" : "bad" }, c.ok ? "✓" : "✗"),
            el("td", {}, c.kind),
            el("td", {}, c.name, c.ok || !c.description ? null : el("div", { class: "muted" }, c.description)),
            el("td", {}, el("code", {}, c.expression)),
            el("td", { class: "num" }, c.left ?? ""),
            el("td", { class: "num" }, c.right ?? ""),
            el("td", { class: "num" }, c.difference ?? ""),
            el("td", { class: c.ok ? "" : c.severity === "错误" ? "bad" : "warn" }, c.ok ? "" : c.severity),
          ),
        ),
      ),
    );
  }

  function findings(ev) {
    const list = ev.audit.findings;
    if (!list.length) return el("p", { class: "ok" }, "没有复核意见：报告中的数值、自评得分和等级与复核计算一致。");
    return el(
      "table",
      { class: "list", id: "findings" },
      el("thead", {}, el("tr", {}, ["#", "级别", "类别", "意见", "报告/自评", "复核", "差额", "依据", "出处"].map((h) => el("th", {}, h)))),
      el(
        "tbody",
        {},
        list.map((f, i) => {
          const place = [];
          if (f.rule_line) place.push(f.rule_file ? `基础规则文件 ${f.rule_file} 第 ${f.rule_line} 行` : `规则文件第 ${f.rule_line} 行`);
          if (f.data_field) place.push(`数据字段 ${f.data_field}`);
          return el(
            "tr",
            {},
            el("td", { class: "num" }, i + 1),
            el("td", { class: f.severity === "错误" ? "bad" : f.severity === "警告" ? "warn" : "" }, f.severity),
            el("td", {}, f.category),
            el("td", {}, f.message),
            el("td", { class: "num" }, f.stated ?? ""),
            el("td", { class: "num" }, f.computed ?? ""),
            el("td", { class: "num" }, f.difference ?? ""),
            el("td", {}, f.explanation ?? ""),
            el("td", {}, place.join("；")),
          );
        }),
      ),
    );
  }
})();
