// 规则编辑页：规则语言的语法高亮（手写，无依赖）。关键字、函数名和计量单位由服务器给出
// （与语言服务器的补全同一份清单），这里只按 grammar/jixiao.pest 的词法切分。
"use strict";

const jxHighlight = (() => {
  // One alternative per token class, tried left to right at each place; what none of
  // them takes (spaces, stray characters) is plain text.
  const TOKEN = new RegExp(
    [
      /(\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?(?:\*\/|$))/.source, // 1 comment
      /("(?:[^"\\\n]|\\.)*"?|“[^”\n]*”?)/.source, // 2 string (a missing close quote ends at the line's end)
      /((?<![\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}])[0-9０-９][0-9０-９_]*(?:[.．][0-9０-９_]+)?(?:[eE][+-]?[0-9]+)?[%％]?)/.source, // 3 number
      /([\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)/.source, // 4 word
      /(<=|>=|!=|==|[-+*/×÷<>=≤≥≦≧≠−])/.source, // 5 operator
      /([{}()[\]（）:：,，、])/.source, // 6 punctuation
    ].join("|"),
    "gu",
  );
  const CALL = /^[ \t]*[(（]/;

  /**
   * The tokens of a text: [from, to, class] with UTF-16 offsets, in order, not
   * overlapping; `words` is {keywords, functions, units}.
   */
  function tokens(text, words) {
    const keywords = new Set(words.keywords || []);
    const functions = new Set(words.functions || []);
    const units = new Set(words.units || []);
    const out = [];
    TOKEN.lastIndex = 0;
    let m;
    while ((m = TOKEN.exec(text)) !== null) {
      const from = m.index;
      const to = from + m[0].length;
      let cls;
      if (m[1] !== undefined) cls = "tk-comment";
      else if (m[2] !== undefined) cls = "tk-string";
      else if (m[3] !== undefined) cls = "tk-number";
      else if (m[4] !== undefined) {
        const w = m[4];
        if (functions.has(w) && CALL.test(text.slice(to, to + 8))) cls = "tk-function";
        else if (keywords.has(w)) cls = "tk-keyword";
        else if (units.has(w)) cls = "tk-unit";
        else cls = "tk-name";
      } else if (m[5] !== undefined) cls = "tk-operator";
      else cls = "tk-punct";
      out.push([from, to, cls]);
    }
    return out;
  }

  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
  const escape = (s) => s.replace(/[&<>"]/g, (c) => ESCAPES[c]);

  /**
   * The text as HTML: tokens as classed spans, and `marks` ([from, to, class], e.g. a
   * diagnostic's squiggle) around the text they cover; a mark with from === to is a
   * point marker. Everything is escaped.
   */
  function render(text, toks, marks) {
    const cuts = new Set([0, text.length]);
    for (const [a, b] of toks) cuts.add(a).add(b);
    const ranges = [];
    const points = new Map();
    for (const [a, b, cls] of marks) {
      const from = Math.max(0, Math.min(a, text.length));
      const to = Math.max(from, Math.min(b, text.length));
      if (from === to) {
        points.set(from, (points.get(from) || "") + `<span class="diag-point ${cls}"></span>`);
      } else {
        ranges.push([from, to, cls]);
        cuts.add(from).add(to);
      }
    }
    for (const p of points.keys()) cuts.add(p);
    const sorted = Array.from(cuts).sort((x, y) => x - y);
    let html = "";
    let t = 0;
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i];
      if (points.has(a)) html += points.get(a);
      if (i + 1 >= sorted.length) break;
      const b = sorted[i + 1];
      if (a === b) continue;
      while (t < toks.length && toks[t][1] <= a) t++;
      const tokenClass = t < toks.length && toks[t][0] <= a ? toks[t][2] : "";
      const markClasses = ranges.filter(([f, e]) => f <= a && b <= e).map((r) => r[2]);
      const classes = [tokenClass, ...(markClasses.length ? ["diag", ...markClasses] : [])].filter(Boolean);
      const piece = escape(text.slice(a, b));
      html += classes.length ? `<span class="${classes.join(" ")}">${piece}</span>` : piece;
    }
    // A last empty line still takes a line's height, as in the text area.
    if (text.endsWith("\n") || text === "") html += " ";
    return html;
  }

  return { tokens, render };
})();
