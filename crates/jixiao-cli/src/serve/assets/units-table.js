// 评价页的单位列表：一个城市的单位（上万个）也能即时显示和排序。
// 只画看得见的几十行（上下用空行撑出整张表的高度）；排序用载入时算好的键（数组），
// 没有总分的单位（不完整、错误）无论升序降序都排在最后；等级按规则文件的顺序排。
"use strict";

jx.UnitTable = (() => {
  const { el } = jx;
  /** Rows drawn beyond the visible ones, above and below (smooth scrolling). */
  const OVERSCAN = 12;
  const COLUMNS = 9;
  const GROUP = { 正常: 0, 不完整: 1, 错误: 2 };

  class UnitTable {
    /**
     * `table` has a thead whose cells carry data-key; `scroller` is the element that
     * scrolls it; `onCount(shown, all)` hears how many units the filter leaves.
     */
    constructor(table, scroller, onCount) {
      this.table = table;
      this.scroller = scroller;
      this.body = table.tBodies[0];
      this.onCount = onCount;
      this.rows = [];
      this.view = new Uint32Array(0);
      this.keys = new Map();
      this.sort = { column: null, ascending: true };
      this.needle = "";
      this.rowHeight = 0;
      this.drawn = null;
      this.pending = false;
      scroller.addEventListener("scroll", () => this.schedule());
      window.addEventListener("resize", () => this.schedule());
      // A new order starts at its top.
      jx.sortable(table, this.sort, () => {
        this.scroller.scrollTop = 0;
        this.arrange();
      });
    }

    /** New results: the API's `rows` and the rule file's grades, best first. */
    load(rows, grades) {
      this.rows = rows;
      this.grades = grades;
      this.keys.clear();
      this.group = Uint8Array.from(rows, (r) => GROUP[r.status] ?? 2);
      this.sort.column = null;
      this.sort.ascending = true;
      for (const th of this.table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
      this.needle = "";
      this.scroller.scrollTop = 0;
      this.arrange();
    }

    /** Shows only units whose name contains `needle`. */
    filter(needle) {
      this.needle = needle.trim();
      this.scroller.scrollTop = 0;
      this.arrange();
    }

    /** The sort key of every unit for a column (computed once per column and results). */
    key(column) {
      let k = this.keys.get(column);
      if (k) return k;
      const rows = this.rows;
      const n = rows.length;
      k = new Float64Array(n);
      switch (column) {
        case "unit": {
          // The collator's order, once: sorting then compares numbers.
          const collator = new Intl.Collator("zh-CN", { numeric: true });
          const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => collator.compare(rows[a].unit, rows[b].unit));
          order.forEach((i, place) => (k[i] = place));
          break;
        }
        case "total":
          // 名次 1 is the highest total: ascending is lowest first.
          for (let i = 0; i < n; i++) k[i] = -(rows[i].rank ?? 0);
          break;
        case "grade": {
          const place = new Map(this.grades.map((g, i) => [g, i]));
          for (let i = 0; i < n; i++) k[i] = -(place.get(rows[i].grade) ?? this.grades.length);
          break;
        }
        case "self":
          for (let i = 0; i < n; i++) k[i] = rows[i].self_total === null ? NaN : Number(rows[i].self_total);
          break;
        case "checks":
          for (let i = 0; i < n; i++) k[i] = rows[i].checks_failed;
          break;
        case "findings":
          for (let i = 0; i < n; i++) {
            const [e, w, note] = rows[i].audit;
            k[i] = e * 1e6 + w * 1e3 + note;
          }
          break;
        case "status":
          for (let i = 0; i < n; i++) k[i] = this.group[i];
          break;
        default: // number, source: input order
          for (let i = 0; i < n; i++) k[i] = rows[i].number;
      }
      this.keys.set(column, k);
      return k;
    }

    /**
     * Which units go last whatever the direction: for 总分 and 等级 those without a total
     * (不完整, then 错误); for 自评 those without one; for the audit columns those in error.
     */
    tail(column) {
      const g = this.group;
      switch (column) {
        case "total":
        case "grade":
          return g;
        case "self": {
          const k = this.key("self");
          return g.map((x, i) => (Number.isNaN(k[i]) ? Math.max(x, 1) : 0));
        }
        case "checks":
        case "findings":
          return g.map((x) => (x === 2 ? 2 : 0));
        default:
          return null;
      }
    }

    /** Sorts and filters the units, then draws the rows in view. */
    arrange() {
      const { column, ascending } = this.sort;
      const n = this.rows.length;
      let order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      if (column) {
        const k = this.key(column);
        const last = this.tail(column);
        const dir = ascending ? 1 : -1;
        order.sort((a, b) => (last ? last[a] - last[b] : 0) || dir * (k[a] - k[b]) || a - b);
      }
      if (this.needle) {
        const needle = this.needle;
        order = order.filter((i) => this.rows[i].unit.includes(needle));
      }
      this.view = order;
      this.table.setAttribute("aria-rowcount", String(order.length + 1));
      if (this.onCount) this.onCount(order.length, n);
      this.drawn = null;
      this.draw();
    }

    schedule() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw();
      });
    }

    /** What to keep when the list is left (a unit opened) and to restore on return. */
    get scrollTop() {
      return this.scroller.scrollTop;
    }

    set scrollTop(top) {
      this.scroller.scrollTop = top;
      this.drawn = null;
      this.draw();
    }

    /** Draws the rows in view (and a few around), spacers standing in for the rest. */
    draw() {
      if (this.scroller.offsetParent === null) return; // hidden: drawn when shown again
      const total = this.view.length;
      const height = this.rowHeight || 36;
      const head = this.table.tHead.offsetHeight;
      const top = Math.max(0, this.scroller.scrollTop - head);
      const first = Math.max(0, Math.floor(top / height) - OVERSCAN);
      const last = Math.min(total, Math.ceil((top + this.scroller.clientHeight) / height) + OVERSCAN);
      if (this.drawn && this.drawn[0] === first && this.drawn[1] === last) return;
      this.drawn = [first, last];
      const parts = [spacer(first * height)];
      for (let p = first; p < last; p++) parts.push(this.row(this.rows[this.view[p]], p));
      parts.push(spacer((total - last) * height));
      this.body.replaceChildren(...parts);
      if (!this.rowHeight && last > first) {
        // Rows are one line high (CSS); measured once, the spacers follow.
        const measured = parts[1].getBoundingClientRect().height;
        if (measured > 0) {
          this.rowHeight = measured;
          this.drawn = null;
          this.draw();
        }
      }
    }

    row(u, position) {
      const attrs = { "data-number": u.number, "aria-rowindex": position + 2 };
      const link = el("a", { href: `#unit-${u.number}`, class: "unit-link" }, u.unit);
      const open = (e) => {
        if (e.target === link) return;
        location.hash = `unit-${u.number}`;
      };
      const common = [el("td", { class: "num" }, u.number), el("td", { title: u.unit }, link), el("td", { title: u.source }, u.source)];
      if (u.status === "错误") {
        const reason = jx.plain(u.error || "错误");
        return el(
          "tr",
          { ...attrs, class: "error", onclick: open },
          ...common,
          el("td", { colspan: 5, class: "bad", title: reason }, reason),
          el("td", { class: "bad status" }, u.status),
        );
      }
      const [e, w, n] = u.audit;
      const self = u.self_total !== null || u.self_grade ? `${u.self_total ?? "—"} ${u.self_grade ?? ""}` : "";
      return el(
        "tr",
        { ...attrs, onclick: open },
        ...common,
        el("td", { class: "num total", title: u.total === null ? u.total_display : `精确值 ${jx.exactText(u.total)}` }, u.total_display),
        el("td", { class: "grade" }, u.grade ?? ""),
        el("td", {}, self),
        el("td", { class: "num" }, u.checks_failed || ""),
        el(
          "td",
          {},
          el("span", { class: "pill e", title: "错误" }, e),
          el("span", { class: "pill w", title: "警告" }, w),
          el("span", { class: "pill n", title: "提示" }, n),
        ),
        el("td", { class: (u.status === "正常" ? "ok" : "warn") + " status" }, u.status),
      );
    }
  }

  /** An empty row standing in for `height` pixels of rows not drawn. */
  function spacer(height) {
    const cell = el("td", { colspan: COLUMNS });
    cell.style.height = `${height}px`; // through the CSSOM: the CSP allows no style attributes
    return el("tr", { class: "spacer", "aria-hidden": "true" }, cell);
  }

  return UnitTable;
})();
