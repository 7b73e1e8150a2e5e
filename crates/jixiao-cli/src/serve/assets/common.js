// jixiao 评价工作台：页面共用的小工具（手写，无依赖）。
"use strict";

const jx = (() => {
  /** Builds an element: el("td", {class: "num"}, "94.30", child, …). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  /** An error answer of the API as one readable message. */
  async function problem(response) {
    let text = `请求失败（HTTP ${response.status}）`;
    try {
      const body = await response.json();
      if (body && body.error) {
        text = body.error;
        if (Array.isArray(body.details) && body.details.length) {
          text += "\n" + body.details.join("\n");
        }
      }
    } catch (_) {
      /* not JSON */
    }
    return new Error(text);
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw await problem(response);
    return response.json();
  }

  async function post(url, form) {
    const response = await fetch(url, { method: "POST", body: form, credentials: "same-origin" });
    if (!response.ok) throw await problem(response);
    return response;
  }

  /** The file name of a download from its Content-Disposition. */
  function fileName(response, fallback) {
    const cd = response.headers.get("Content-Disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (star) {
      try {
        return decodeURIComponent(star[1]);
      } catch (_) {
        /* fall through */
      }
    }
    const plain = /filename="([^"]+)"/i.exec(cd);
    return plain ? plain[1] : fallback;
  }

  /** Saves a response body as a file. */
  async function save(response, fallback) {
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: fileName(response, fallback) });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /**
   * Wires the page's download buttons (`.downloads button[data-format]`): once `ready()`,
   * `fetchFormat(format)` gives the response, saved as `stem.format`; the button is disabled
   * meanwhile, `busy` (if given) shown in `statusLine`, and a failure's message too.
   */
  function downloads({ stem, ready, fetchFormat, statusLine, busy }) {
    for (const button of document.querySelectorAll(".downloads button[data-format]")) {
      button.addEventListener("click", async () => {
        if (!ready()) return;
        const format = button.dataset.format;
        button.disabled = true;
        if (busy) status(statusLine, busy, "busy");
        try {
          await save(await fetchFormat(format), `${stem}.${format}`);
          if (busy) status(statusLine, "");
        } catch (e) {
          status(statusLine, e.message, "problem");
        } finally {
          button.disabled = false;
        }
      });
    }
  }

  /**
   * A message from the server as a clerk reads it: names and values the command line puts
   * in backticks (`编制人数`, `一百`) in 「」 instead.
   */
  function plain(text) {
    if (text === null || text === undefined) return "";
    return String(text).replace(/`([^`]*)`/g, "「$1」");
  }

  /** A status line: busy, error or plain. */
  function status(node, text, kind) {
    node.textContent = plain(text);
    node.className = kind || "";
  }

  /** A file's SHA-256 (hex), or null where the browser offers no digest (plain HTTP elsewhere). */
  async function digest(file) {
    if (!globalThis.crypto || !crypto.subtle) return null;
    const hash = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** The rule sets for a <select>: checked ones first, newest year first. */
  async function ruleOptions(select, preferred) {
    const data = await getJson("/api/rules");
    select.replaceChildren();
    const usable = data.rules.filter((r) => r.ok);
    usable.sort((a, b) => (b.year || 0) - (a.year || 0) || a.id.localeCompare(b.id));
    for (const r of usable) {
      select.append(el("option", { value: r.id }, `${r.title}（${r.year} 年度）— ${r.id}`));
    }
    const broken = data.rules.filter((r) => !r.ok);
    for (const r of broken) {
      select.append(el("option", { value: r.id, disabled: true }, `${r.id}（未通过检查）`));
    }
    if (preferred && usable.some((r) => r.id === preferred)) select.value = preferred;
    return usable;
  }

  /**
   * An exact value from the API (a decimal "2.015" or a fraction "167/44") as a JS number,
   * for sorting and signs only; figures are shown with `roundText`, which is exact.
   */
  function toNumber(v) {
    if (v === "" || v === null || v === undefined) return NaN;
    const f = /^(-?\d+)\/(\d+)$/.exec(String(v).trim());
    return f ? Number(f[1]) / Number(f[2]) : Number(v);
  }

  /** Number-aware comparison for sorting table cells. */
  function compare(a, b) {
    const x = toNumber(a);
    const y = toNumber(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
    if (!Number.isNaN(x)) return -1;
    if (!Number.isNaN(y)) return 1;
    return String(a ?? "").localeCompare(String(b ?? ""), "zh-CN");
  }

  /**
   * Makes a table sortable by clicking its headers. `rows` is the data, `render(rows)`
   * fills the body, `key(row, column)` gives a sort key for a header's data-key.
   */
  function sortable(table, state, render) {
    table.classList.add("sortable");
    for (const th of table.tHead.rows[0].cells) {
      const column = th.dataset.key;
      if (!column) continue;
      th.tabIndex = 0;
      const sort = () => {
        const ascending = !(state.column === column && state.ascending);
        state.column = column;
        state.ascending = ascending;
        for (const other of table.tHead.rows[0].cells) other.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        render();
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sort();
        }
      });
    }
  }

  function sorted(rows, state, key) {
    if (!state.column) return rows.slice();
    const out = rows.slice().sort((a, b) => compare(key(a, state.column), key(b, state.column)));
    return state.ascending ? out : out.reverse();
  }

  /**
   * A decimal string rounded half away from zero (四舍五入) to `dp` places, done on the
   * digits so that no binary floating point is involved: roundText("94.295", 2) = "94.30".
   */
  function roundText(text, dp) {
    if (text === null || text === undefined || text === "") return "";
    // A fraction: 四舍五入 with big integers, on the exact value.
    const f = /^(-?)(\d+)\/(\d+)$/.exec(String(text).trim());
    if (f) {
      const d = BigInt(f[3]);
      const scaled = BigInt(f[2]) * 10n ** BigInt(dp);
      let q = scaled / d;
      if (2n * (scaled % d) >= d) q += 1n;
      const digits = q.toString().padStart(dp + 1, "0");
      const int = digits.slice(0, digits.length - dp);
      const frac = digits.slice(digits.length - dp);
      return (f[1] === "-" && q !== 0n ? "-" : "") + int + (dp > 0 ? "." + frac : "");
    }
    const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(String(text).trim());
    if (!m) return String(text);
    const negative = m[1] === "-";
    const fraction = (m[3] || "").padEnd(dp + 1, "0");
    let digits = ((m[2] || "0") + fraction.slice(0, dp)).split("").map(Number);
    if (fraction[dp] >= "5") {
      let i = digits.length - 1;
      while (i >= 0 && digits[i] === 9) digits[i--] = 0;
      if (i < 0) digits.unshift(1);
      else digits[i] += 1;
    }
    let int = digits.slice(0, digits.length - dp).join("").replace(/^0+(?=\d)/, "");
    const frac = digits.slice(digits.length - dp).join("");
    const zero = /^0*$/.test(int + frac);
    return (negative && !zero ? "-" : "") + int + (dp > 0 ? "." + frac : "");
  }

  /**
   * Shows the charts the server drew (inline SVG, see jixiao_io::chart), each in a figure.
   * They are parsed as SVG, not HTML, and a chart that does not parse is named, not shown.
   */
  function charts(container, list) {
    const parser = new DOMParser();
    container.replaceChildren(
      ...(list || []).map((c) => {
        const doc = parser.parseFromString(c.svg, "image/svg+xml");
        const root = doc.documentElement;
        const ok = root.nodeName === "svg" && !doc.querySelector("parsererror");
        return el(
          "figure",
          { class: "chart", "data-chart": c.id },
          ok ? document.importNode(root, true) : el("p", { class: "muted" }, `${c.title}：无法显示`),
        );
      }),
    );
    container.hidden = !list || list.length === 0;
  }

  /**
   * An exact value (a decimal or a fraction) for people: the fraction with its decimal
   * approximation (`23/29 ≈ 0.7931034483`), a decimal as it is.
   */
  function exactText(v) {
    const text = String(v ?? "");
    return /\//.test(text) ? `${text} ≈ ${roundText(text, 10)}` : text;
  }

  return {
    el, plain, digest, exactText, roundText, toNumber, getJson, post, save, downloads, status, ruleOptions, sortable, sorted,
    compare, charts,
  };
})();
