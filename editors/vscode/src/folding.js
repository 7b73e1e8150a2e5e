// Folding ranges for a jixiao rule file, without VS Code: `{ … }` blocks that span lines,
// `/* … */` comments, runs of `//` or `#` line comments, and `// region` … `// endregion`.
// Braces inside strings ("…", “…”) and comments do not count. `jixiao lsp` does not offer
// folding (docs/editor.md), so the extension registers this.
'use strict';

/**
 * @param {string} text the whole document
 * @returns {{ start: number, end: number, kind?: 'comment' | 'region' }[]} zero-based lines;
 *   a range folds lines start+1..end under line start.
 */
function foldingRanges(text) {
  const lines = text.split(/\r\n|\r|\n/);
  const ranges = [];
  const braces = []; // line of each open `{`
  const regions = [];
  let inBlockComment = -1; // line where the open `/*` started, or -1
  let inString = null; // the closing quote while inside a string
  let commentRun = -1; // first line of the current run of whole-line comments

  const endRun = (line) => {
    if (commentRun >= 0 && line - 1 > commentRun) ranges.push({ start: commentRun, end: line - 1, kind: 'comment' });
    commentRun = -1;
  };

  for (let ln = 0; ln < lines.length; ln++) {
    const s = lines[ln];
    const trimmed = s.trimStart();
    const wholeLineComment = inBlockComment < 0 && inString === null && /^(\/\/|#)/.test(trimmed);
    if (wholeLineComment) {
      if (/^\/\/\s*#?region\b/.test(trimmed)) {
        endRun(ln);
        regions.push(ln);
        continue;
      }
      if (/^\/\/\s*#?endregion\b/.test(trimmed)) {
        endRun(ln);
        const start = regions.pop();
        if (start !== undefined && ln > start) ranges.push({ start, end: ln, kind: 'region' });
        continue;
      }
      if (commentRun < 0) commentRun = ln;
      continue;
    }
    endRun(ln);
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (inBlockComment >= 0) {
        if (c === '*' && s[i + 1] === '/') {
          if (ln > inBlockComment) ranges.push({ start: inBlockComment, end: ln, kind: 'comment' });
          inBlockComment = -1;
          i++;
        }
      } else if (inString !== null) {
        if (inString === '"' && c === '\\') i++;
        else if (c === inString) inString = null;
      } else if (c === '"') inString = '"';
      else if (c === '“') inString = '”';
      else if (c === '/' && s[i + 1] === '*') {
        inBlockComment = ln;
        i++;
      } else if ((c === '/' && s[i + 1] === '/') || c === '#') break;
      else if (c === '{') braces.push(ln);
      else if (c === '}') {
        const start = braces.pop();
        // The closing line stays visible: fold start+1 .. ln-1 under `{`.
        if (start !== undefined && ln - 1 > start) ranges.push({ start, end: ln - 1 });
      }
    }
  }
  endRun(lines.length);
  return ranges.sort((a, b) => a.start - b.start || b.end - a.end);
}

module.exports = { foldingRanges };
