// 浏览器测试共用的准备：找到 jixiao 和 Chromium，启动 jixiao serve，打开一个出现脚本错误就让测试失败的标签页，
// 截图，临时目录；测试结束时全部收拾干净。
//
// 环境变量：JIXIAO_BIN（默认 ../../target/debug/jixiao），CHROMIUM（默认 /usr/bin/chromium），
// SCREENSHOTS_DIR（设置时把截图写到这个目录）。

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
export const bin = path.resolve(here, process.env.JIXIAO_BIN || path.join(root, "target/debug/jixiao"));
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
export const shots = process.env.SCREENSHOTS_DIR ? path.resolve(root, process.env.SCREENSHOTS_DIR) : null;

const servers = [];
const temps = [];
let context;

export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Starts `jixiao serve` on a free loopback port (with more options, if given); resolves to its URL. */
export function serve(rulesDir, env = {}, options = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--rules", rulesDir, ...options], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    servers.push(child);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`jixiao serve exited (${code})`)));
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const m = /http:\/\/[0-9.]+:\d+/.exec(line);
      if (m) resolve(m[0]);
    });
  });
}

/** Runs the jixiao command line at the repository root; fails the test on a non-zero exit. */
export function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`jixiao ${args.join(" ")}: ${err}`))));
  });
}

/** The browser, once per test file. */
export async function launch() {
  assert.ok(fs.existsSync(bin), `没有找到 jixiao 可执行文件 ${bin}：请先运行 cargo build`);
  context = await chromium.launchPersistentContext(tempDir("jixiao-chromium-"), {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
    locale: "zh-CN",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Closes the browser, stops the servers, removes the temporary directories. */
export async function cleanup() {
  if (context) await context.close();
  for (const s of servers) {
    s.removeAllListeners("exit");
    s.kill();
  }
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
}

/** A new tab that fails the test on any script error. */
export async function newPage() {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.scriptErrors = errors;
  return page;
}

export async function screenshot(page, name, options = {}) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, name), ...options });
}
