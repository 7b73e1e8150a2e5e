// 规则编辑页：文本框上叠一层高亮（同字体、同位置），行号；输入停顿后向语言服务
// （/api/rules/{id}/analyze、hover、complete，即 jixiao lsp 的代码）要诊断、悬停说明和补全；
// 再用编辑后的规则给单位评分并与保存的版本对比（/api/rules/{id}/preview）；可保存时保存
// （/api/rules/{id}/save）。
"use strict";

(() => {
  const { el } = jx;
  const root = document.getElementById("editor");
  const id = root.dataset.rules;
  const canSave = root.dataset.canSave === "true";
  const saveReason = root.dataset.saveReason;
  const words = JSON.parse(root.dataset.words || "{}");
  const area = document.getElementById("source");
  const highlight = document.getElementById("highlight");
  const code = el("code", {});
  highlight.append(code);
  const gutter = document.getElementById("gutter");
  const gutterLines = el("div", { class: "gutter-lines" });
  gutter.append(gutterLines);
  const popup = document.getElementById("completion");
  const hoverBox = document.getElementById("hover");
  const checkStatus = document.getElementById("check-status");
  const saveStatus = document.getElementById("save-status");
  const saveButton = document.getElementById("save");
  const problems = document.getElementById("problems");
  const api = (what) => `/api/rules/${encodeURIComponent(id)}/${what}`;

  // ── state ────────────────────────────────────────────────────────────────
  let loadedSha = root.dataset.sha;
  let savedText = area.value;
  /** The last analysis: for which text, and its diagnostics. */
  let analysis = { text: null, errors: 0, warnings: 0, parsed: true, diagnostics: [] };
  /** The last text that parsed (names to complete while the current one does not). */
  let lastParsed = area.value;
  /** Squiggles [from, to, class], moved along with edits until the next analysis. */
  let marks = [];
  let previousText = area.value;
  let saving = false;

  async function postJson(what, body, signal) {
    const response = await fetch(api(what), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
    if (!response.ok) throw await jxProblem(response);
    return response.json();
  }

  async function jxProblem(response) {
    let text = `请求失败（HTTP ${response.status}）`;
    try {
      const body = await response.json();
      if (body && body.error) text = body.error + (body.details && body.details.length ? "\n" + body.details.join("\n") : "");
    } catch (_) {
      /* not JSON */
    }
    const e = new Error(text);
    e.status = response.status;
    return e;
  }

  /** Runs `work` once input has paused for `ms`; a newer call replaces an older one. */
  function debounced(ms, work) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => work(...args), ms);
    };
  }

  /** Keeps only the newest of overlapping requests: each call aborts the one before. */
  function latest() {
    let controller = null;
    return () => {
      if (controller) controller.abort();
      controller = new AbortController();
      return controller.signal;
    };
  }

  // ── drawing ──────────────────────────────────────────────────────────────
  function draw() {
    const text = area.value;
    code.innerHTML = jxHighlight.render(text, jxHighlight.tokens(text, words), marks);
    drawGutter(text);
    syncScroll();
  }

  let gutterKey = "";
  function drawGutter(text) {
    let lines = 1;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
    const flagged = new Map();
    for (const d of analysis.text === text ? analysis.diagnostics : []) {
      if (d.severity === "error" || !flagged.has(d.line)) flagged.set(d.line, d.severity);
    }
    const key = lines + "|" + Array.from(flagged).join(",");
    if (key === gutterKey) return;
    gutterKey = key;
    const rows = [];
    for (let n = 1; n <= lines; n++) {
      const kind = flagged.get(n);
      rows.push(el("div", { class: kind ? "flag-" + kind : null }, String(n)));
    }
    gutterLines.replaceChildren(...rows);
  }

  function syncScroll() {
    code.style.transform = `translate(${-area.scrollLeft}px, ${-area.scrollTop}px)`;
    gutterLines.style.transform = `translateY(${-area.scrollTop}px)`;
  }

  /** Where the previous text and the new one differ: [start, oldEnd, newEnd]. */
  function change(before, after) {
    let start = 0;
    const min = Math.min(before.length, after.length);
    while (start < min && before.charCodeAt(start) === after.charCodeAt(start)) start++;
    let oldEnd = before.length;
    let newEnd = after.length;
    while (oldEnd > start && newEnd > start && before.charCodeAt(oldEnd - 1) === after.charCodeAt(newEnd - 1)) {
      oldEnd--;
      newEnd--;
    }
    return [start, oldEnd, newEnd];
  }

  /** Moves squiggles along with an edit, until the next analysis replaces them. */
  function shiftMarks(before, after) {
    if (!marks.length) return;
    const [start, oldEnd, newEnd] = change(before, after);
    const delta = newEnd - oldEnd;
    const move = (p) => (p <= start ? p : p >= oldEnd ? p + delta : start);
    marks = marks.map(([a, b, cls]) => [move(a), move(b), cls]);
  }

  function marksOf(diagnostics, text) {
    return diagnostics.map((d) => {
      let { from, to } = d;
      // An empty place is hard to see: underline the character there, if it is not a
      // line end (else it is a point marker).
      if (from === to && from < text.length && text[from] !== "\n") to = from + 1;
      return [from, to, d.severity];
    });
  }

  // ── diagnostics ──────────────────────────────────────────────────────────
  const analyzeSignal = latest();
  async function analyze() {
    const text = area.value;
    checkStatus.textContent = "正在检查……";
    checkStatus.className = "busy";
    try {
      const answer = await postJson("analyze", { text }, analyzeSignal());
      if (text !== area.value) return; // a newer change is on its way
      analysis = { text, ...answer };
      if (answer.parsed) lastParsed = text;
      marks = marksOf(answer.diagnostics, text);
      showProblems();
      draw();
    } catch (e) {
      if (e.name === "AbortError") return;
      checkStatus.textContent = "无法检查：" + e.message;
      checkStatus.className = "bad";
    }
    updateSave();
  }
  const analyzeSoon = debounced(300, analyze);

  function showProblems() {
    const { errors, warnings, diagnostics } = analysis;
    if (!diagnostics.length) {
      checkStatus.textContent = "✓ 检查通过，没有错误和警告";
      checkStatus.className = "ok";
    } else if (errors) {
      checkStatus.textContent = `✗ ${errors} 个错误，${warnings} 个警告`;
      checkStatus.className = "bad";
    } else {
      checkStatus.textContent = `✓ 检查通过，有 ${warnings} 个警告`;
      checkStatus.className = "warn";
    }
    problems.replaceChildren(
      ...diagnostics.map((d) =>
        el(
          "li",
          {
            class: d.severity,
            tabindex: 0,
            "data-line": d.line,
            onclick: () => jumpTo(d.from, d.to),
            onkeydown: (e) => {
              if (e.key === "Enter") jumpTo(d.from, d.to);
            },
          },
          el("span", { class: "where" }, `第 ${d.line} 行第 ${d.column} 列`),
          el("span", { class: "severity" }, d.severity === "error" ? "错误" : "警告"),
          el("span", { class: "message" }, d.message),
          el("code", { class: "code" }, d.code),
          d.help ? el("div", { class: "help" }, "帮助：" + d.help) : null,
          d.related.length
            ? el(
                "ul",
                { class: "related" },
                d.related.map((r) =>
                  el(
                    "li",
                    {
                      onclick:
                        r.from === undefined
                          ? null
                          : (e) => {
                              e.stopPropagation();
                              jumpTo(r.from, r.to);
                            },
                    },
                    `${r.file ? r.file + " " : ""}第 ${r.line} 行：${r.message}`,
                  ),
                ),
              )
            : null,
        ),
      ),
    );
  }

  function lineHeight() {
    return parseFloat(getComputedStyle(area).lineHeight) || 21;
  }

  function jumpTo(from, to) {
    area.focus();
    area.setSelectionRange(from, to);
    const line = area.value.slice(0, from).split("\n").length;
    const h = lineHeight();
    const top = (line - 1) * h;
    if (top < area.scrollTop || top > area.scrollTop + area.clientHeight - 2 * h) {
      area.scrollTop = Math.max(0, top - 3 * h);
    }
    syncScroll();
  }

  // ── positions on screen ──────────────────────────────────────────────────
  /** The text node and offset within it of a text offset, in the highlight layer. */
  function nodeAt(offset) {
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    let seen = 0;
    let node;
    let last = null;
    while ((node = walker.nextNode())) {
      const n = node.nodeValue.length;
      if (offset <= seen + n) return [node, offset - seen];
      seen += n;
      last = node;
    }
    return last ? [last, last.nodeValue.length] : null;
  }

  /** The screen rectangle of the caret at a text offset. */
  function caretRect(offset) {
    const at = nodeAt(offset);
    if (!at) return area.getBoundingClientRect();
    const range = document.createRange();
    range.setStart(at[0], Math.min(at[1], at[0].nodeValue.length));
    range.collapse(true);
    const rects = range.getClientRects();
    return rects.length ? rects[0] : range.getBoundingClientRect();
  }

  /** The text offset under a point of the screen, if it is over a character. */
  function offsetAt(x, y) {
    area.style.pointerEvents = "none";
    let container = null;
    let within = 0;
    try {
      if (document.caretPositionFromPoint) {
        const p = document.caretPositionFromPoint(x, y);
        if (p) [container, within] = [p.offsetNode, p.offset];
      } else if (document.caretRangeFromPoint) {
        const r = document.caretRangeFromPoint(x, y);
        if (r) [container, within] = [r.startContainer, r.startOffset];
      }
    } finally {
      area.style.pointerEvents = "";
    }
    if (!container || !code.contains(container) || container.nodeType !== Node.TEXT_NODE) return null;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    let seen = 0;
    let node;
    while ((node = walker.nextNode()) && node !== container) seen += node.nodeValue.length;
    let offset = seen + within;
    // The caret lands between characters: take the one the pointer is over.
    const over = (o) => {
      const at = nodeAt(o);
      if (!at || at[1] >= at[0].nodeValue.length) return false;
      const range = document.createRange();
      range.setStart(at[0], at[1]);
      range.setEnd(at[0], at[1] + 1);
      const r = range.getBoundingClientRect();
      return x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
    };
    if (over(offset)) return offset;
    if (offset > 0 && over(offset - 1)) return offset - 1;
    return null;
  }

  /** Places a floating box below a screen rectangle, inside the editor. */
  function place(box, rect) {
    const outer = root.getBoundingClientRect();
    box.style.left = Math.max(0, rect.left - outer.left) + "px";
    box.style.top = rect.bottom - outer.top + 2 + "px";
  }

  // ── hover ────────────────────────────────────────────────────────────────
  const hoverSignal = latest();
  let hoverTimer = null;
  let hoverAt = null;

  function hideHover() {
    clearTimeout(hoverTimer);
    hoverAt = null;
    hoverBox.hidden = true;
  }

  /** The language server's hover text (a little Markdown) as elements, escaped. */
  function markdown(text) {
    const out = [];
    let list = null;
    const inline = (line) => {
      const parts = [];
      const re = /\*\*([^*]+)\*\*|`([^`]+)`/g;
      let last = 0;
      let m;
      while ((m = re.exec(line)) !== null) {
        if (m.index > last) parts.push(line.slice(last, m.index));
        parts.push(m[1] !== undefined ? el("strong", {}, m[1]) : el("code", {}, m[2]));
        last = re.lastIndex;
      }
      parts.push(line.slice(last));
      return parts;
    };
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.startsWith("```")) {
        const body = [];
        while (++i < lines.length && !lines[i].startsWith("```")) body.push(lines[i]);
        out.push(el("pre", {}, body.join("\n")));
        list = null;
      } else if (line.startsWith("- ")) {
        if (!list) out.push((list = el("ul", {})));
        list.append(el("li", {}, inline(line.slice(2))));
      } else if (line.trim()) {
        out.push(el("p", {}, inline(line)));
        list = null;
      } else {
        list = null;
      }
    }
    return out;
  }

  async function showHover(offset, rect) {
    const text = area.value;
    const here = (analysis.text === text ? analysis.diagnostics : []).filter(
      (d) => d.from <= offset && (offset < d.to || (d.from === d.to && offset === d.from)),
    );
    let answer = null;
    try {
      answer = await postJson("hover", { text, offset }, hoverSignal());
    } catch (e) {
      if (e.name === "AbortError") return;
    }
    if (hoverAt !== offset || text !== area.value) return;
    const parts = here.map((d) =>
      el("p", { class: "hover-diag " + d.severity }, `${d.severity === "error" ? "错误" : "警告"}：${d.message}`, d.help ? el("br", {}) : null, d.help ? "帮助：" + d.help : null),
    );
    if (answer && answer.hover) parts.push(...markdown(answer.hover.markdown));
    if (!parts.length) return;
    hoverBox.replaceChildren(...parts);
    hoverBox.hidden = false;
    place(hoverBox, rect);
  }

  area.addEventListener("mousemove", (e) => {
    clearTimeout(hoverTimer);
    const { clientX: x, clientY: y } = e;
    hoverTimer = setTimeout(() => {
      const offset = offsetAt(x, y);
      if (offset === null) {
        hideHover();
        return;
      }
      if (offset === hoverAt && !hoverBox.hidden) return;
      hoverAt = offset;
      showHover(offset, { left: x, bottom: y + lineHeight() / 2 });
    }, 350);
  });
  area.addEventListener("mouseleave", hideHover);

  // ── completion ───────────────────────────────────────────────────────────
  const completeSignal = latest();
  let items = [];
  let selected = 0;
  let replaceFrom = 0;

  function closeCompletion() {
    popup.hidden = true;
    items = [];
    area.removeAttribute("aria-activedescendant");
  }

  async function complete(explicit) {
    const text = area.value;
    const offset = area.selectionStart;
    if (area.selectionEnd !== offset) return closeCompletion();
    let answer;
    try {
      answer = await postJson(
        "complete",
        { text, offset, fallback: lastParsed !== text ? lastParsed : null },
        completeSignal(),
      );
    } catch (e) {
      if (e.name !== "AbortError") closeCompletion();
      return;
    }
    if (text !== area.value || area.selectionStart !== offset) return;
    const typed = text.slice(answer.from, offset);
    // Without a request (Ctrl+Space), offer names only once something is typed, and not
    // when what is typed is already a whole word offered.
    if (!explicit && (!typed || (answer.items.length === 1 && answer.items[0].label === typed))) return closeCompletion();
    if (!answer.items.length) return closeCompletion();
    items = answer.items;
    selected = 0;
    replaceFrom = answer.from;
    popup.replaceChildren(
      ...items.map((c, i) =>
        el(
          "li",
          {
            id: "completion-" + i,
            role: "option",
            class: "kind-" + c.kind,
            onmousedown: (e) => {
              e.preventDefault();
              selected = i;
              accept();
            },
          },
          el("span", { class: "label" }, c.label),
          el("span", { class: "detail" }, c.detail),
        ),
      ),
    );
    popup.hidden = false;
    select(0);
    place(popup, caretRect(offset));
  }
  const completeSoon = debounced(150, () => complete(false));

  function select(i) {
    selected = (i + items.length) % items.length;
    for (const [n, li] of Array.from(popup.children).entries()) {
      li.setAttribute("aria-selected", n === selected ? "true" : "false");
    }
    const li = popup.children[selected];
    if (li) {
      li.scrollIntoView({ block: "nearest" });
      area.setAttribute("aria-activedescendant", li.id);
    }
  }

  /** Replaces `from..to` with `text` as typing would (kept in the undo history). */
  function insert(from, to, text) {
    area.focus();
    area.setSelectionRange(from, to);
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      area.setRangeText(text, from, to, "end");
      area.dispatchEvent(new Event("input"));
    }
  }

  function accept() {
    const c = items[selected];
    if (!c) return closeCompletion();
    const to = area.selectionStart;
    closeCompletion();
    insert(Math.min(replaceFrom, to), to, c.insert);
  }

  // ── typing ───────────────────────────────────────────────────────────────
  area.addEventListener("keydown", (e) => {
    if (!popup.hidden) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        select(selected + (e.key === "ArrowDown" ? 1 : -1));
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        accept();
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        closeCompletion();
        return;
      }
    }
    if ((e.ctrlKey || e.metaKey) && (e.key === " " || e.code === "Space")) {
      e.preventDefault();
      complete(true);
      return;
    }
    if ((e.ctrlKey || e.metaKey) && e.key === "s") {
      e.preventDefault();
      if (!saveButton.disabled) save();
      return;
    }
    if (e.key === "Enter" && !e.isComposing && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) {
      // A new line keeps the indentation of the one it breaks.
      const text = area.value;
      const start = area.selectionStart;
      const lineStart = text.lastIndexOf("\n", start - 1) + 1;
      const indent = /^[ \t　]*/.exec(text.slice(lineStart, start))[0];
      if (indent) {
        e.preventDefault();
        insert(start, area.selectionEnd, "\n" + indent);
      }
    }
    if (e.key === "Escape") hideHover();
  });

  area.addEventListener("input", (e) => {
    const text = area.value;
    shiftMarks(previousText, text);
    previousText = text;
    hideHover();
    draw();
    updateSave();
    analyzeSoon();
    previewSoon();
    if (e.isComposing) return;
    const typed = e.data || "";
    const last = typed.slice(-1);
    if (/[\p{L}\p{Nl}\p{Nd}_"“:：]/u.test(last)) completeSoon();
    else closeCompletion();
  });
  area.addEventListener("compositionend", () => completeSoon());
  area.addEventListener("scroll", () => {
    syncScroll();
    hideHover();
    closeCompletion();
  });
  area.addEventListener("blur", () => setTimeout(() => closeCompletion(), 150));
  area.addEventListener("click", () => closeCompletion());

  // ── saving ───────────────────────────────────────────────────────────────
  function updateSave() {
    const text = area.value;
    const dirty = text !== savedText;
    let reason = "";
    if (!canSave) reason = saveReason;
    else if (!dirty) reason = "没有改动";
    else if (analysis.text !== text) reason = "正在检查……";
    else if (analysis.errors) reason = `有 ${analysis.errors} 个错误，改正后才能保存`;
    saveButton.disabled = saving || Boolean(reason);
    saveButton.title = reason || "保存到规则文件（Ctrl+S）";
    if (!saving && canSave) {
      saveStatus.textContent = dirty ? "有未保存的修改" : "";
      saveStatus.className = dirty ? "warn" : "";
    } else if (!canSave) {
      saveStatus.textContent = "只读";
      saveStatus.className = "muted";
    }
  }

  async function save() {
    const text = area.value;
    saving = true;
    updateSave();
    saveStatus.textContent = "正在保存……";
    saveStatus.className = "busy";
    try {
      const answer = await postJson("save", { text, sha256: loadedSha });
      savedText = text;
      loadedSha = answer.sha256;
      saving = false;
      updateSave();
      saveStatus.textContent = answer.message;
      saveStatus.className = "ok";
      preview();
    } catch (e) {
      saving = false;
      updateSave();
      saveStatus.textContent = e.message;
      saveStatus.className = "bad";
    }
  }
  saveButton.addEventListener("click", save);
  window.addEventListener("beforeunload", (e) => {
    if (canSave && area.value !== savedText) e.preventDefault();
  });

  // ── preview ──────────────────────────────────────────────────────────────
  const source = document.getElementById("preview-source");
  const files = document.getElementById("preview-files");
  const partial = document.getElementById("preview-partial");
  const previewStatus = document.getElementById("preview-status");
  const unitsTable = document.getElementById("preview-units");
  const changesTable = document.getElementById("preview-changes");
  const previewBlock = document.getElementById("preview");
  const previewSignal = latest();

  function sourceChanged() {
    files.disabled = source.value !== "";
    files.closest("label").classList.toggle("muted", files.disabled);
    preview();
  }
  source.addEventListener("change", sourceChanged);
  files.addEventListener("change", preview);
  partial.addEventListener("change", preview);

  async function preview() {
    const text = area.value;
    const form = new FormData();
    form.append("text", new Blob([text], { type: "text/plain" }), "规则.jx");
    if (source.value) form.append("example", source.value);
    else for (const f of files.files) form.append("file", f, f.name);
    if (partial.checked) form.append("partial", "true");
    previewStatus.textContent = "正在评分……";
    previewStatus.className = "summary-line busy";
    let answer;
    try {
      const response = await fetch(api("preview"), {
        method: "POST",
        body: form,
        credentials: "same-origin",
        signal: previewSignal(),
      });
      if (!response.ok) throw await jxProblem(response);
      answer = await response.json();
    } catch (e) {
      if (e.name === "AbortError") return;
      previewStatus.textContent = e.message;
      previewStatus.className = "summary-line problem";
      previewBlock.classList.add("stale");
      return;
    }
    if (text !== area.value) return;
    if (!answer.ok) {
      previewStatus.textContent = answer.message + (unitsTable.tBodies[0].rows.length ? "（下面是上一次的结果）" : "");
      previewStatus.className = "summary-line warn";
      previewBlock.classList.add("stale");
      return;
    }
    previewBlock.classList.remove("stale");
    previewStatus.textContent = answer.message + (answer.data.length ? `（数据：${answer.data.join("、")}）` : "");
    previewStatus.className = "summary-line";
    showPreview(answer);
  }
  const previewSoon = debounced(700, preview);

  function showPreview(answer) {
    const dp = answer.precision;
    const score = (x) => (x === null || x === undefined ? "—" : jx.roundText(x, dp));
    const signed = (x) => {
      if (x === null || x === undefined) return "";
      const t = jx.roundText(x, dp);
      return jx.toNumber(x) > 0 ? "+" + t : t;
    };
    const rows = [];
    if (answer.report) {
      const units = answer.report.units.slice().sort((a, b) => a.number - b.number);
      for (const u of units) {
        const delta = u.delta === null ? 0 : jx.toNumber(u.delta);
        const grade =
          u.old_grade === u.new_grade ? u.new_grade ?? "" : `${u.old_grade ?? "—"} → ${u.new_grade ?? "—"}`;
        rows.push(
          el(
            "tr",
            { class: u.error ? "error" : delta !== 0 || u.grade_changed ? "changed" : "" },
            el("td", {}, u.unit),
            el("td", { class: "num saved" }, u.error ? "" : u.old_total === null ? "不完整" : score(u.old_total)),
            el("td", { class: "num edited" }, u.error ? "" : u.new_total === null ? "不完整" : score(u.new_total)),
            el(
              "td",
              { class: "num delta " + (delta > 0 ? "delta-up" : delta < 0 ? "delta-down" : "") },
              u.error ? u.error : signed(u.delta),
            ),
            el("td", { class: u.grade_changed ? "warn" : "" }, grade),
          ),
        );
      }
    } else if (answer.units) {
      for (const u of answer.units) {
        rows.push(
          el(
            "tr",
            {},
            el("td", {}, u.unit),
            el("td", { class: "num saved" }, "—"),
            el("td", { class: "num edited" }, u.total === null ? u.note || "不完整" : score(u.total)),
            el("td", {}, ""),
            el("td", {}, u.grade ?? ""),
          ),
        );
      }
    }
    if (!rows.length) {
      rows.push(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "没有单位数据：选择示例或本机的数据文件")));
    }
    unitsTable.tBodies[0].replaceChildren(...rows);
    const changes = answer.report ? answer.report.rule_changes : [];
    changesTable.tBodies[0].replaceChildren(
      ...(changes.length
        ? changes.map((c) =>
            el("tr", {}, el("td", {}, c.kind), el("td", {}, c.subject), el("td", {}, c.old ?? ""), el("td", {}, c.new ?? "")),
          )
        : [el("tr", {}, el("td", { colspan: 4, class: "muted" }, answer.report ? "与保存的版本相同" : "保存的版本未通过检查，无法对比"))]),
    );
  }

  // ── start ────────────────────────────────────────────────────────────────
  files.disabled = source.value !== "";
  if (files.disabled) files.closest("label").classList.add("muted");
  draw();
  updateSave();
  analyze();
  preview();
  window.addEventListener("resize", syncScroll);
})();
