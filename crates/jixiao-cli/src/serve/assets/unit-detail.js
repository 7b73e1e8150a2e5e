// 评价页：一个单位的评分表、评分说明、分类小计、勾稽关系和复核意见。
// 数字按规则文件的精度显示；精确值（分数、长小数）在提示框里，勾选“显示精确值”时写出来。
"use strict";

jx.unitDetail = (() => {
  const { el, plain } = jx;

  /**
   * A figure: shown as `shown` (already at the rule file's precision, or rounded to it
   * here), the exact value in its tooltip and in a part the 显示精确值 switch reveals.
   */
  function figure(shown, exact) {
    const text = shown ?? "";
    if (exact === null || exact === undefined || String(exact) === String(text)) return [text];
    return [el("span", {}, text), el("span", { class: "exact" }, `（精确值 ${jx.exactText(exact)}）`)];
  }

  /** An exact value at `dp` decimals when it has more (or is a fraction). */
  function rounded(exact, dp) {
    if (exact === null || exact === undefined) return "";
    const text = String(exact);
    const m = /^-?\d+(?:\.(\d+))?$/.exec(text);
    return m && (m[1] || "").length <= dp ? text : jx.roundText(text, dp);
  }

  /**
   * Whether the shown figure hides something of the exact value: a fraction, or more
   * decimals than shown (a percent shows two more).
   */
  function hides(shown, exact) {
    if (exact === null || exact === undefined) return false;
    const text = String(exact);
    if (text.includes("/")) return true;
    const decimals = (t) => (/\.(\d+)/.exec(t) || ["", ""])[1].length;
    const shownText = String(shown ?? "");
    return decimals(text) > decimals(shownText) + (shownText.endsWith("%") ? 2 : 0);
  }

  /** A cell with a figure: the tooltip carries the exact value where the figure hides some. */
  function figureCell(cls, shown, exact) {
    const more = hides(shown, exact);
    return el("td", { class: cls, title: more ? `精确值 ${jx.exactText(exact)}` : null }, figure(shown, more ? exact : null));
  }

  /** An explanation's 结果 (`79.31%（精确值 23/29 ≈ 0.79…）`): the exact part only on request. */
  function result(text) {
    const m = /^(.*?)（精确值 (.+)）$/.exec(text);
    if (!m) return plain(text);
    return [el("span", {}, plain(m[1])), el("span", { class: "exact" }, `（精确值 ${m[2]}）`)];
  }

  /** The unit's page, from its element of the full answer; `back` returns to the list. */
  function render(u, { precision, back }) {
    const ev = u.evaluation;
    const head = [
      el("p", {}, el("button", { type: "button", class: "secondary", id: "back", onclick: back }, "← 返回单位列表")),
      el("h2", { id: "unit-name" }, u.unit),
      el("p", { class: "muted" }, u.source),
    ];
    if (!ev) {
      return [...head, el("p", { class: "problem", id: "unit-error" }, plain(u.error || "这个单位无法评价"))];
    }
    const self = ev.self_evaluation;
    const sheetTable = sheet(ev);
    const parts = [
      ...head,
      el(
        "div",
        { class: "verdict" },
        el("span", {}, el("span", { class: "label" }, "总分 "), el("span", { class: "total", id: "unit-total", title: hides(ev.total_display, ev.total) ? `精确值 ${jx.exactText(ev.total)}` : null }, ev.total_display)),
        el("span", {}, el("span", { class: "label" }, "等级 "), el("span", { class: "grade-big", id: "unit-grade" }, ev.grade ?? "无（总分不完整）")),
        self.total !== null || self.grade ? el("span", { class: "label" }, `自评：${self.total ?? "—"} 分 ${self.grade ?? "—"}`) : null,
        el("span", { class: "label" }, `复核：${plain(ev.audit.summary)}`),
      ),
      ev.scoring ? el("p", { class: ev.complete ? "muted" : "problem", id: "unit-scoring" }, plain(ev.scoring.text)) : null,
      el("h3", {}, "评分表"),
      el(
        "p",
        { class: "switches" },
        el("label", {}, el("input", { type: "checkbox", id: "show-explain", checked: true, onchange: (e) => sheetTable.classList.toggle("hide-explain", !e.target.checked) }), " 显示评分说明（公式、代入值、评分标准和适用的规则）"),
        el("label", {}, el("input", { type: "checkbox", id: "show-exact", onchange: (e) => detailRoot(e.target).classList.toggle("show-exact", e.target.checked) }), " 显示精确值（数字按规则文件的精度显示，鼠标停在数字上也能看到精确值）"),
      ),
      sheetTable,
      el("h3", {}, "分类小计"),
      categories(ev),
      el("h3", {}, "勾稽关系与对照"),
      checks(ev, precision),
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

  const detailRoot = (node) => node.closest("#detail") || document.body;

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
          figureCell("num value", plain(ind.display ?? "—"), ind.value),
          figureCell("num score", ind.score_display, ind.score),
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
        add("代入", plain(x.substituted));
        add("结果", x.result ? result(x.result) : null);
        add("评分标准", plain(x.standard));
        add("规则", plain(x.criterion));
        add("适用", plain(x.branch));
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
            figureCell("num", c.score_display, c.score),
            el("td", { class: "num" }, c.weight),
            el("td", { class: "num" }, c.self_score ?? ""),
          ),
        ),
      ),
    );
  }

  function checks(ev, precision) {
    if (!ev.checks.length) return el("p", { class: "muted" }, "规则没有勾稽关系。");
    const amount = (x) => figureCell("num", rounded(x, Math.max(precision, 2)), x);
    return el(
      "table",
      { class: "list", id: "checks" },
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
            el("td", {}, c.name, c.ok || !c.description ? null : el("div", { class: "muted" }, plain(c.description))),
            el("td", {}, c.expression),
            amount(c.left),
            amount(c.right),
            amount(c.difference),
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
            el("td", {}, plain(f.message)),
            el("td", { class: "num" }, f.stated ?? ""),
            el("td", { class: "num" }, f.computed ?? ""),
            el("td", { class: "num" }, f.difference ?? ""),
            el("td", {}, plain(f.explanation ?? "")),
            el("td", {}, place.join("；")),
          );
        }),
      ),
    );
  }

  return { render };
})();
