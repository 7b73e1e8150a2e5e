// The command the extension starts, run for real: `jixiao lsp` (from JIXIAO_BIN, or
// `jixiao` in PATH, as the extension finds it) answers `initialize` and publishes the
// checker's diagnostics for an opened .jx document. Skipped when there is no jixiao.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { resolveServerPath, serverArgs } = require('../../src/server');

const found = resolveServerPath(process.env.JIXIAO_BIN || 'jixiao');

/** A minimal LSP connection over the child's stdio (Content-Length framing). */
function connect(child) {
  let buf = Buffer.alloc(0);
  const waiting = [];
  const messages = [];
  child.stdout.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())[1]);
      if (buf.length < head + 4 + len) return;
      const msg = JSON.parse(buf.subarray(head + 4, head + 4 + len).toString('utf8'));
      buf = buf.subarray(head + 4 + len);
      messages.push(msg);
      for (const w of [...waiting]) if (w.pred(msg)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(msg); }
    }
  });
  const send = (msg) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
    child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    child.stdin.write(body);
  };
  const next = (pred) => {
    const old = messages.find(pred);
    if (old) return Promise.resolve(old);
    return new Promise((resolve) => waiting.push({ pred, resolve }));
  };
  return { send, next };
}

test('jixiao lsp: initialize, then diagnostics for a document with an unknown name', { skip: !found.ok && 'no jixiao (set JIXIAO_BIN)', timeout: 30000 }, async () => {
  const child = spawn(found.command, serverArgs(undefined), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lsp = connect(child);
  lsp.send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, capabilities: {} } });
  const init = await lsp.next((m) => m.id === 1);
  assert.ok(init.result && init.result.capabilities, JSON.stringify(init));
  assert.ok(init.result.capabilities.hoverProvider, 'hover');
  lsp.send({ method: 'initialized', params: {} });
  const uri = 'file:///tmp/%E7%A4%BA%E4%BE%8B.jx';
  const text = [
    '标题 "示例"', '年度 2021', '满分 10', '计步 连续',
    '输入 编制人数: 人', '输入 实有人数: 人',
    '一级 投入 分值 10 { 二级 配置 分值 10 { 三级 控制率 分值 10 {',
    '  公式 实有人数 / 编制人数员',
    '  评分 扣分 { 基准 100% 每超过 1 百分点 扣 0.5 }',
    '} } }',
    '等级 { 优秀 >= 9  合格 [6, 9)  不合格 < 6 }',
  ].join('\n');
  lsp.send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'jixiao', version: 1, text } } });
  const diag = await lsp.next((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && m.params.diagnostics.length > 0);
  const d = diag.params.diagnostics.find((x) => /编制人数员/.test(x.message));
  assert.ok(d, JSON.stringify(diag.params.diagnostics));
  assert.equal(d.range.start.line, 7);
  lsp.send({ id: 2, method: 'shutdown' });
  await lsp.next((m) => m.id === 2);
  lsp.send({ method: 'exit' });
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
});
