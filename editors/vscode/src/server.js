// How the extension finds the `jixiao` program, without VS Code (so it can be tested with
// plain Node): `jixiao.server.path` is a command name looked up in PATH (default `jixiao`)
// or a path; `~/` is the home directory; a relative path is taken from the first workspace
// folder.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Shown when the program cannot be found (the wording). */
const NOT_FOUND_MESSAGE = '找不到 jixiao 命令行程序：请安装 jixiao，或在设置 jixiao.server.path 中写明它的路径';

function isExecutableFile(file, platform) {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves the configured command to an executable file.
 * @param {string | undefined} configured `jixiao.server.path`
 * @param {{ env?: NodeJS.ProcessEnv, platform?: string, workspaceFolder?: string, home?: string }} [opts]
 * @returns {{ ok: true, command: string } | { ok: false, message: string, detail: string }}
 */
function resolveServerPath(configured, opts = {}) {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const home = opts.home ?? os.homedir();
  const p = platform === 'win32' ? path.win32 : path.posix;
  let want = (configured ?? '').trim() || 'jixiao';
  if (want === '~' || want.startsWith('~/') || want.startsWith('~\\')) want = p.join(home, want.slice(1));

  const exts = platform === 'win32'
    ? ['', ...(env.PATHEXT || '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean).map((e) => e.toLowerCase())]
    : [''];
  const candidates = (base) => exts.map((e) => base + e);

  const hasDir = want.includes('/') || (platform === 'win32' && want.includes('\\'));
  if (hasDir || p.isAbsolute(want)) {
    const base = p.isAbsolute(want) ? want : p.resolve(opts.workspaceFolder ?? process.cwd(), want);
    for (const c of candidates(base)) if (isExecutableFile(c, platform)) return { ok: true, command: c };
    return { ok: false, message: NOT_FOUND_MESSAGE, detail: `jixiao.server.path = ${configured}：${base} 不存在或不是可执行文件` };
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  for (const dir of dirs) {
    for (const c of candidates(p.join(dir, want))) if (isExecutableFile(c, platform)) return { ok: true, command: c };
  }
  return { ok: false, message: NOT_FOUND_MESSAGE, detail: `PATH 中没有 ${want}` };
}

/** `jixiao.server.args`, defaulting to `["lsp"]`; anything but an array of strings is ignored. */
function serverArgs(configured) {
  return Array.isArray(configured) && configured.every((a) => typeof a === 'string') ? configured : ['lsp'];
}

module.exports = { resolveServerPath, serverArgs, NOT_FOUND_MESSAGE };
