// src/extension.js with stand-ins for the `vscode` module and the language client (VS Code
// itself cannot run here): what it registers, which command it starts, the message when
// the program is missing, and the restart command.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Module = require('node:module');

function setup({ serverPath, args }) {
  const log = { errors: [], clients: [], commands: new Map(), folding: [], settingsOpened: [], configListeners: [] };
  const vscode = {
    workspace: {
      workspaceFolders: undefined,
      getConfiguration: (section) => {
        assert.equal(section, 'jixiao');
        return { get: (key) => ({ 'server.path': serverPath, 'server.args': args })[key] };
      },
      onDidChangeConfiguration: (f) => { log.configListeners.push(f); return { dispose() {} }; },
    },
    window: {
      createOutputChannel: () => ({ lines: [], appendLine(l) { this.lines.push(l); }, dispose() {} }),
      showErrorMessage: (msg, ...items) => { log.errors.push({ msg, items }); return Promise.resolve(items[0]); },
    },
    commands: {
      registerCommand: (id, f) => { log.commands.set(id, f); return { dispose() {} }; },
      executeCommand: (...a) => { log.settingsOpened.push(a); return Promise.resolve(); },
    },
    languages: {
      registerFoldingRangeProvider: (selector, provider) => { log.folding.push({ selector, provider }); return { dispose() {} }; },
    },
    FoldingRange: class { constructor(start, end, kind) { Object.assign(this, { start, end, kind }); } },
    FoldingRangeKind: { Comment: 1, Imports: 2, Region: 3 },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions, started: 0, stopped: 0 });
      log.clients.push(this);
    }
    async start() { this.started++; }
    async stop() { this.stopped++; }
  }
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') return { LanguageClient };
    return load.call(this, request, ...rest);
  };
  const file = require.resolve('../../src/extension');
  delete require.cache[file];
  try {
    return { ext: require(file), log };
  } finally {
    Module._load = load;
  }
}

const context = () => ({ subscriptions: [] });
const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'jixiao-ext-'));
const fake = path.join(bin, 'jixiao');
fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });

test('starts `jixiao lsp` for jixiao documents and registers the restart command and folding', async () => {
  const { ext, log } = setup({ serverPath: fake, args: undefined });
  const ctx = context();
  await ext.activate(ctx);
  assert.equal(log.clients.length, 1);
  const c = log.clients[0];
  assert.equal(c.id, 'jixiao');
  assert.deepEqual(c.serverOptions.run, { command: fake, args: ['lsp'] });
  assert.deepEqual(c.clientOptions.documentSelector.map((s) => s.language), ['jixiao', 'jixiao']);
  assert.equal(c.started, 1);
  assert.ok(log.commands.has('jixiao.restartServer'));
  assert.deepEqual(log.folding[0].selector, { language: 'jixiao' });
  const ranges = log.folding[0].provider.provideFoldingRanges({ getText: () => '一级 甲 分值 1 {\n  评分 评审\n}' });
  assert.deepEqual(ranges.map((r) => [r.start, r.end]), [[0, 1]]);
  assert.deepEqual(log.errors, []);
  assert.ok(ctx.subscriptions.length >= 4);

  await log.commands.get('jixiao.restartServer')();
  assert.equal(c.stopped, 1);
  assert.equal(log.clients.length, 2);
  assert.equal(log.clients[1].started, 1);

  await ext.deactivate();
  assert.equal(log.clients[1].stopped, 1);
});

test('jixiao.server.args is passed on', async () => {
  const { ext, log } = setup({ serverPath: fake, args: ['lsp', '--stdio'] });
  await ext.activate(context());
  assert.deepEqual(log.clients[0].serverOptions.run.args, ['lsp', '--stdio']);
});

test('a missing program: the Chinese message with a button to the setting, and no client', async () => {
  const { ext, log } = setup({ serverPath: path.join(bin, 'no-such-jixiao'), args: undefined });
  await ext.activate(context());
  assert.equal(log.clients.length, 0);
  assert.equal(log.errors.length, 1);
  assert.equal(log.errors[0].msg, '找不到 jixiao 命令行程序：请安装 jixiao，或在设置 jixiao.server.path 中写明它的路径');
  assert.deepEqual(log.errors[0].items, ['打开设置']);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log.settingsOpened, [['workbench.action.openSettings', 'jixiao.server.path']]);
});

test('changing jixiao.server.* restarts the server', async () => {
  const { ext, log } = setup({ serverPath: fake, args: undefined });
  await ext.activate(context());
  await log.configListeners[0]({ affectsConfiguration: (s) => s === 'jixiao.editor' });
  assert.equal(log.clients.length, 1);
  await log.configListeners[0]({ affectsConfiguration: (s) => s === 'jixiao.server' });
  assert.equal(log.clients.length, 2);
  assert.equal(log.clients[0].stopped, 1);
});
