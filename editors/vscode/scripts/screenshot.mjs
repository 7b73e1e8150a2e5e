// Renders parts of rules/yueyang-2021.jx with the extension's TextMate grammar (shiki, on
// the Oniguruma engine that VS Code also uses; theme Dark+) to screenshot.html, and
// screenshots it with headless Chromium into docs/screenshots/editor-highlight.png.
// This is the grammar outside VS Code, not a picture of a VS Code window (VS Code cannot
// run where this is made); the image says so in its last line.
//
//   npm run screenshot            # needs chromium (Debian: apt-get install chromium)
import { createHighlighter } from 'shiki';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.join(here, '..');
const repo = path.join(ext, '..', '..');
const sample = 'rules/yueyang-2021.jx';
const lines = fs.readFileSync(path.join(repo, sample), 'utf8').split('\n');

// 1-based inclusive line ranges of the sample file to show.
const parts = [[10, 16], [20, 24], [114, 115], [125, 131], [138, 171], [347, 352]];

const grammar = JSON.parse(fs.readFileSync(path.join(ext, 'syntaxes', 'jixiao.tmLanguage.json'), 'utf8'));
const highlighter = await createHighlighter({ themes: ['dark-plus'], langs: [{ ...grammar, name: 'jixiao' }] });
const theme = highlighter.getTheme('dark-plus');

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
let rows = '';
parts.forEach(([from, to], i) => {
  if (i > 0) rows += '<div class="row gap"><span class="ln">⋮</span><span></span></div>\n';
  // Tokenize the part alone: each part starts at top level of the file.
  const code = lines.slice(from - 1, to).join('\n');
  const tokens = highlighter.codeToTokensBase(code, { lang: 'jixiao', theme: 'dark-plus' });
  tokens.forEach((line, j) => {
    const html = line.map((t) => `<span style="color:${t.color}">${esc(t.content)}</span>`).join('');
    rows += `<div class="row"><span class="ln">${from + j}</span><span class="code">${html || ' '}</span></div>\n`;
  });
});

const page = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>jixiao 语法高亮</title>
<style>
  html, body { margin: 0; background: ${theme.bg}; }
  body { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; font-size: 15px; color: ${theme.fg}; }
  .tabs { background: #252526; height: 35px; display: flex; }
  .tab { background: ${theme.bg}; color: #ffffff; padding: 0 16px; line-height: 35px; font-family: "Noto Sans CJK SC", sans-serif; font-size: 13px; border-top: 1px solid #0078d4; }
  .editor { padding: 8px 0 10px; }
  .row { display: flex; line-height: 21px; white-space: pre; }
  .ln { width: 56px; padding-right: 20px; text-align: right; color: #6e7681; flex: none; }
  .gap .ln { color: #4b5563; }
  .caption { border-top: 1px solid #333; color: #9d9d9d; font-family: "Noto Sans CJK SC", sans-serif; font-size: 13px; padding: 8px 16px; }
</style></head>
<body>
<div class="tabs"><div class="tab">yueyang-2021.jx</div></div>
<div class="editor">
${rows}</div>
<div class="caption">${esc(sample)} 的几段，由扩展的 TextMate 语法（syntaxes/jixiao.tmLanguage.json）经 shiki（Oniguruma 引擎）以 Dark+ 主题渲染；不是 VS Code 窗口的截图。</div>
</body></html>
`;
const htmlPath = path.join(ext, 'screenshot.html');
fs.writeFileSync(htmlPath, page);

const rowCount = parts.reduce((n, [a, b]) => n + (b - a + 1), 0) + parts.length - 1;
const height = 35 + 18 + rowCount * 21 + 38;
const out = path.join(repo, 'docs', 'screenshots', 'editor-highlight.png');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
execFileSync(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1',
  `--screenshot=${out}`, `--window-size=1100,${height}`, `file://${htmlPath}`,
], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`${path.relative(repo, out)} (1100 × ${height})`);
