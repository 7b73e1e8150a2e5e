'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { resolveServerPath, serverArgs, NOT_FOUND_MESSAGE } = require('../../src/server');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jixiao-vscode-'));
const bin = path.join(tmp, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(path.join(bin, 'jixiao'), '#!/bin/sh\n', { mode: 0o755 });
fs.writeFileSync(path.join(bin, 'not-executable'), '', { mode: 0o644 });

test('the message for a missing program is the one the issue asks for', () => {
  assert.equal(NOT_FOUND_MESSAGE, '找不到 jixiao 命令行程序：请安装 jixiao，或在设置 jixiao.server.path 中写明它的路径');
});

test('the default `jixiao` is looked up in PATH', () => {
  const env = { PATH: ['/nonexistent', bin].join(':') };
  assert.deepEqual(resolveServerPath(undefined, { env, platform: 'linux' }), { ok: true, command: path.join(bin, 'jixiao') });
  assert.deepEqual(resolveServerPath('jixiao', { env, platform: 'linux' }), { ok: true, command: path.join(bin, 'jixiao') });
  assert.deepEqual(resolveServerPath('  ', { env, platform: 'linux' }), { ok: true, command: path.join(bin, 'jixiao') });
});

test('not in PATH: the Chinese message, and what was searched', () => {
  const r = resolveServerPath('jixiao', { env: { PATH: '/nonexistent' }, platform: 'linux' });
  assert.equal(r.ok, false);
  assert.equal(r.message, NOT_FOUND_MESSAGE);
  assert.match(r.detail, /PATH 中没有 jixiao/);
  assert.equal(resolveServerPath('not-executable', { env: { PATH: bin }, platform: 'linux' }).ok, false);
});

test('a path: absolute, relative to the workspace folder, or from the home directory', () => {
  const abs = path.join(bin, 'jixiao');
  assert.deepEqual(resolveServerPath(abs, { env: {}, platform: 'linux' }), { ok: true, command: abs });
  assert.deepEqual(resolveServerPath('bin/jixiao', { env: {}, platform: 'linux', workspaceFolder: tmp }), { ok: true, command: abs });
  assert.deepEqual(resolveServerPath('~/bin/jixiao', { env: {}, platform: 'linux', home: tmp }), { ok: true, command: abs });
  const missing = resolveServerPath('/no/such/jixiao', { env: { PATH: bin }, platform: 'linux' });
  assert.equal(missing.ok, false);
  assert.equal(missing.message, NOT_FOUND_MESSAGE);
  assert.match(missing.detail, /\/no\/such\/jixiao 不存在/);
});

test('Windows: PATHEXT is tried, `;` separates PATH', { skip: process.platform !== 'win32' && 'only on Windows' }, () => {
  const wbin = path.join(tmp, 'wbin');
  fs.mkdirSync(wbin);
  fs.writeFileSync(path.join(wbin, 'jixiao.exe'), '');
  const r = resolveServerPath('jixiao', { env: { Path: `C:\\nothing;${wbin}`, PATHEXT: '.COM;.EXE' } });
  assert.equal(r.ok, true);
  assert.equal(path.basename(r.command), 'jixiao.exe');
});

test('server arguments default to ["lsp"]', () => {
  assert.deepEqual(serverArgs(undefined), ['lsp']);
  assert.deepEqual(serverArgs('lsp --stdio'), ['lsp']);
  assert.deepEqual(serverArgs(['lsp', '--stdio']), ['lsp', '--stdio']);
});
