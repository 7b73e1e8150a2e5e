//! `jixiao lsp`: the real binary spoken to over stdio, framed by hand (Content-Length
//! headers), as an editor does.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

pub(crate) fn send(stdin: &mut impl Write, message: &Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
}

pub(crate) fn receive(stdout: &mut impl BufRead) -> Value {
    let mut length = None;
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the server closed its output");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = Some(n.parse::<usize>().unwrap());
        }
    }
    let mut body = vec![0; length.expect("a Content-Length header")];
    stdout.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// The next message that is not a notification other than `method` (if given).
pub(crate) fn receive_until(stdout: &mut impl BufRead, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        let m = receive(stdout);
        if pred(&m) {
            return m;
        }
    }
}

/// `jixiao lsp` started and initialized (request id 1) as an editor without special
/// capabilities does: the process, its input and output, and the `initialize` answer.
pub(crate) fn start() -> (Child, ChildStdin, BufReader<ChildStdout>, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run jixiao lsp");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
    );
    let init = receive_until(&mut stdout, |m| m["id"] == 1);
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    (child, stdin, stdout, init)
}

#[test]
fn a_session_over_stdio() {
    let (mut child, mut stdin, mut stdout, init) = start();
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["result"]["serverInfo"]["name"], "jixiao");

    // The example rule file with one name misspelt on a line that starts in Chinese.
    let path = crate::root().join("rules/yueyang-2021.jx");
    let text = crate::read(&path).replace(
        "计算 预算完成率 = 实际收入 / 年初预算",
        "计算 预算完成率 = 实际收入 / 年初预",
    );
    let line = text.lines().position(|l| l.starts_with("计算 预算完成率")).unwrap();
    let uri = format!("file://{}", path.display()).replace(' ', "%20");
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "jixiao", "version": 1, "text": text}}}),
    );
    let published = receive_until(&mut stdout, |m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(published["params"]["uri"], uri.as_str());
    let errors: Vec<&Value> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == 1)
        .collect();
    assert_eq!(errors.len(), 1, "{published}");
    assert_eq!(errors[0]["code"], "jixiao::check::unknown_name");
    assert_eq!(errors[0]["range"]["start"]["line"], line);
    // `计算 预算完成率 = 实际收入 / ` is 18 UTF-16 units (and 40 UTF-8 bytes).
    assert_eq!(errors[0]["range"]["start"]["character"], 18);
    assert!(errors[0]["message"].as_str().unwrap().contains("是否指 `年初预算`"));

    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": {"line": line, "character": 12}}}),
    );
    let hover = receive_until(&mut stdout, |m| m["id"] == 2);
    let md = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("**输入** `实际收入`") && md.contains("范围：`>= 0`"),
        "{md}"
    );

    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": null}),
    );
    let shutdown = receive_until(&mut stdout, |m| m["id"] == 3);
    assert_eq!(shutdown["result"], Value::Null);
    send(&mut stdin, &json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}
