//! docs/api.md's `curl` examples (the block marked `<!-- 测试 接口 -->`) run against a real
//! `jixiao serve` started in the sandbox, with the documented address replaced by the one it
//! listens on; each must get a successful answer (`curl --fail`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::commands::{command_lines, Outcome};
use super::markdown::{Block, Doc};
use super::sandbox::Sandbox;

/// The address the documents use.
const DOCUMENTED: &str = "http://127.0.0.1:8080";

pub fn check(doc: &Doc, block: &Block, sandbox: &Sandbox, outcome: &mut Outcome) {
    if Command::new("curl").arg("--version").output().is_err() {
        outcome
            .not_run
            .push(format!("{}: curl is not installed", doc.at(block.line)));
        return;
    }
    let mut server = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--rules", "rules", "--addr", "127.0.0.1:0"])
        .current_dir(sandbox.path())
        .env_remove("JIXIAO_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jixiao serve");
    // The first line says where it listens: "jixiao 评价工作台已启动：http://127.0.0.1:PORT/".
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let address = first
        .split("：")
        .nth(1)
        .map(|a| a.trim().trim_end_matches('/').to_owned())
        .unwrap_or_else(|| panic!("jixiao serve said: {first}"));
    for (line, words, _) in command_lines(block) {
        if words.first().map(String::as_str) != Some("curl") {
            continue;
        }
        let text: Vec<&str> = block.body[line - block.line - 1..].iter().map(String::as_str).collect();
        let command = joined(&text).replace(DOCUMENTED, &address);
        let out = Command::new("sh")
            .args(["-c", &format!("{command} --fail-with-body --silent --show-error")])
            .current_dir(sandbox.path())
            .env_remove("JIXIAO_TOKEN")
            .output()
            .expect("run sh");
        outcome.ran += 1;
        if !out.status.success() {
            outcome.failures.push(format!(
                "{}: `{command}` failed:\n{}{}",
                doc.at(line),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    // Ends the server this test started (by its handle).
    let _ = server.kill();
    let _ = server.wait();
}

/// The first command of `lines`, its continuation lines (`\` at the end) joined.
fn joined(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        match line.trim_end().strip_suffix('\\') {
            Some(head) => out.push_str(head),
            None => {
                out.push_str(line);
                break;
            }
        }
    }
    out
}
