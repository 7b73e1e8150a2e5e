// The jixiao VS Code extension: starts `jixiao lsp` (the language server in
// crates/jixiao-lsp) for `.jx` files, offers the command “jixiao: 重启语言服务器”, and folds
// `{ … }` blocks and comments. Highlighting is the TextMate grammar in syntaxes/.
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { resolveServerPath, serverArgs } = require('./server');
const { foldingRanges } = require('./folding');

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;
/** Serialises start/stop so a quick second restart waits for the first. */
let pending = Promise.resolve();

function workspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : undefined;
}

function showNotFound(message) {
  const openSettings = '打开设置';
  vscode.window.showErrorMessage(message, openSettings).then((choice) => {
    if (choice === openSettings) {
      vscode.commands.executeCommand('workbench.action.openSettings', 'jixiao.server.path');
    }
  });
}

async function startClient() {
  const config = vscode.workspace.getConfiguration('jixiao');
  const resolved = resolveServerPath(config.get('server.path'), { workspaceFolder: workspaceFolder() });
  if (!resolved.ok) {
    output.appendLine(`${resolved.message}（${resolved.detail}）`);
    showNotFound(resolved.message);
    return;
  }
  const executable = { command: resolved.command, args: serverArgs(config.get('server.args')) };
  output.appendLine(`启动语言服务器：${executable.command} ${executable.args.join(' ')}`);
  const c = new LanguageClient(
    'jixiao',
    'jixiao 语言服务器',
    { run: executable, debug: executable },
    {
      documentSelector: [
        { scheme: 'file', language: 'jixiao' },
        { scheme: 'untitled', language: 'jixiao' },
      ],
      outputChannel: output,
    },
  );
  client = c;
  try {
    await c.start();
  } catch (err) {
    client = undefined;
    const reason = err instanceof Error ? err.message : String(err);
    output.appendLine(`语言服务器启动失败：${reason}`);
    vscode.window.showErrorMessage(`jixiao 语言服务器启动失败：${reason}`);
  }
}

async function stopClient() {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop();
    } catch (err) {
      output.appendLine(`停止语言服务器时出错：${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function restart() {
  pending = pending.then(stopClient).then(startClient);
  return pending;
}

/** @param {vscode.ExtensionContext} context */
function activate(context) {
  output = vscode.window.createOutputChannel('jixiao');
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand('jixiao.restartServer', restart));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) =>
      (e.affectsConfiguration('jixiao.server') ? restart() : undefined)),
  );
  context.subscriptions.push(
    vscode.languages.registerFoldingRangeProvider({ language: 'jixiao' }, {
      provideFoldingRanges(document) {
        return foldingRanges(document.getText()).map((r) => new vscode.FoldingRange(
          r.start,
          r.end,
          r.kind === 'comment' ? vscode.FoldingRangeKind.Comment
            : r.kind === 'region' ? vscode.FoldingRangeKind.Region : undefined,
        ));
      },
    }),
  );
  pending = pending.then(startClient);
  return pending;
}

function deactivate() {
  pending = pending.then(stopClient);
  return pending;
}

module.exports = { activate, deactivate };
