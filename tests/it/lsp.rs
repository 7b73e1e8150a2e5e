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
    let (child, mut stdin, mut stdout) = spawn();
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

/// `jixiao lsp` running, not yet initialized: the process, its input and output.
fn spawn() -> (Child, ChildStdin, BufReader<ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run jixiao lsp");
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (child, stdin, stdout)
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

/// `jixiao lsp` over stdio, as an editor with a workspace folder drives it: server
/// requests are answered (and kept), notifications kept.
struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
    server_requests: Vec<Value>,
    notifications: Vec<Value>,
}

impl Session {
    fn start(initialize: Value) -> Session {
        let (child, stdin, stdout) = spawn();
        let mut s = Session {
            child,
            stdin,
            stdout,
            next_id: 0,
            server_requests: Vec::new(),
            notifications: Vec::new(),
        };
        s.request("initialize", initialize).expect("initialize succeeds");
        s.notify("initialized", json!({}));
        s
    }

    fn notify(&mut self, method: &str, params: Value) {
        send(
            &mut self.stdin,
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        );
    }

    /// The next message from the server that is not a request to the client (those are
    /// answered with `null` and kept).
    fn next(&mut self) -> Value {
        loop {
            let m = receive(&mut self.stdout);
            if m.get("method").is_some() && m.get("id").is_some() {
                send(
                    &mut self.stdin,
                    &json!({"jsonrpc": "2.0", "id": m["id"], "result": null}),
                );
                self.server_requests.push(m);
            } else {
                return m;
            }
        }
    }

    /// `Ok(result)` or `Err(error message)`.
    fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        send(
            &mut self.stdin,
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        );
        loop {
            let m = self.next();
            if m["id"] == id {
                return match m.get("error") {
                    Some(e) => Err(e["message"].as_str().unwrap_or("").to_owned()),
                    None => Ok(m["result"].clone()),
                };
            }
            self.notifications.push(m);
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "jixiao", "version": 1, "text": text}}),
        );
        loop {
            let m = self.next();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.notifications.push(m);
        }
    }

    fn at(&mut self, method: &str, uri: &str, position: Value, extra: Value) -> Result<Value, String> {
        let mut params = json!({"textDocument": {"uri": uri}, "position": position});
        params
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self.request(method, params)
    }

    fn shutdown(mut self) {
        assert_eq!(self.request("shutdown", Value::Null), Ok(Value::Null));
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit status {status}");
    }
}

/// The UTF-16 position of the `nth` `needle` in `text`.
fn position(text: &str, needle: &str, nth: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).expect("needle in text").0;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": text[..offset].matches('\n').count(), "character": text[line_start..offset].encode_utf16().count()})
}

/// Applies LSP text edits (UTF-16 positions) to a text.
fn apply(text: &str, edits: &Value) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let line_start = text.split_inclusive('\n').take(line).map(str::len).sum::<usize>();
        let mut units = p["character"].as_u64().unwrap() as usize;
        let mut at = line_start;
        for c in text[line_start..].chars() {
            if units == 0 || c == '\n' {
                break;
            }
            units -= c.len_utf16();
            at += c.len_utf8();
        }
        at
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (s, t) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
            (s, t, e["newText"].as_str().unwrap())
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (s, e, t) in spans {
        out.replace_range(s..e, t);
    }
    out
}

const WS_BASE: &str = r#"标题 "基础规则"
年度 2021
满分 10
输入 编制人数: 人 { 范围 >= 1 }
输入 实有人数: 人 { 范围 >= 0  缺失时 0 }
计算 控制率 = 实有人数 / 编制人数  显示 百分比 2
一级 投入 分值 10 {
  二级 预算配置 分值 10 {
    三级 财政供养人员控制率 分值 10 {
      公式 控制率
      评分 分档 {
        <= 100% 得 10
        > 100%  得 0
      }
    }
  }
}
等级 { 优秀 >= 9  良好 [8, 9)  中 [6, 8)  差 < 6 }
"#;

/// Next year's rules: the input redefined (no `缺失时` any more), a new value, and the
/// indicator replaced.
const WS_CHILD: &str = r#"基于 "base.jx"
年度 2022
// 不再允许缺报实有人数。
输入 实有人数: 人 { 范围 >= 0 }
计算 超编人数 = max(实有人数 - 编制人数, 0)
替换 三级 财政供养人员控制率 分值 10 {
  公式 控制率
  评分 分档 依据 超编人数 {
    = 0 得 10
    > 0 得 0
  }
}
"#;

const WS_BASE_TEST: &str = r#"基于 "base.jx"

测试 "满编" {
  设 编制人数 = 10
  设 实有人数 = 10
  期望 控制率 = 100%
  期望 财政供养人员控制率 得分 = 10
  期望 等级 = 优秀
}
"#;

const WS_CHILD_TEST: &str = r#"基于 "child.jx"

测试 "超编 1 人" {
  设 编制人数 = 10
  设 实有人数 = 11
  期望 超编人数 = 1
  期望 财政供养人员控制率 得分 = 0
}
"#;

/// A rule file of its own that happens to use the same name.
const WS_OTHER: &str = r#"标题 "另一套规则"
年度 2021
满分 10
输入 实有人数: 人 { 范围 >= 0 }
一级 投入 分值 10 {
  二级 人员 分值 10 {
    三级 有人 分值 10 {
      公式 实有人数
      评分 达标 { 条件 值 > 0 }
    }
  }
}
等级 { 合格 >= 6  不合格 < 6 }
"#;

#[test]
fn references_and_rename_across_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("base.jx", WS_BASE),
        ("child.jx", WS_CHILD),
        ("base.test.jx", WS_BASE_TEST),
        ("child.test.jx", WS_CHILD_TEST),
        ("other/other.jx", WS_OTHER),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let uri = |name: &str| jixiao_lsp::uri::from_path(&dir.path().join(name)).as_str().to_owned();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let checked = [
        "check",
        "base.jx",
        "child.jx",
        "base.test.jx",
        "child.test.jx",
        "other/other.jx",
    ];
    assert_eq!(run(&checked).0, Some(0), "{}", run(&checked).1);
    assert_eq!(run(&["test", "."]).0, Some(0), "{}", run(&["test", "."]).1);

    // An editor like VS Code: a workspace folder, and file watching by registration.
    let mut s = Session::start(json!({
        "processId": null,
        "rootUri": uri(""),
        "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
    }));
    assert!(s.open(&uri("base.jx"), WS_BASE).is_empty());
    let registration = &s.server_requests[0];
    assert_eq!(registration["method"], "client/registerCapability");
    let registered = &registration["params"]["registrations"][0];
    assert_eq!(registered["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(registered["registerOptions"]["watchers"][0]["globPattern"], "**/*.jx");

    // References from the input's declaration in the base file: its uses there, in next
    // year's file (which redefines it), in both test files; not in the unrelated file.
    let decl = position(WS_BASE, "实有人数", 0);
    let refs = s
        .at(
            "textDocument/references",
            &uri("base.jx"),
            decl.clone(),
            json!({"context": {"includeDeclaration": true}}),
        )
        .unwrap();
    let mut found: Vec<(String, Value)> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let file = r["uri"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
            (file, r["range"]["start"].clone())
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.to_string().cmp(&b.1.to_string())));
    let mut expected: Vec<(String, Value)> = vec![
        ("base.jx".into(), position(WS_BASE, "实有人数", 0)),
        ("base.jx".into(), position(WS_BASE, "实有人数", 1)),
        ("base.test.jx".into(), position(WS_BASE_TEST, "实有人数", 0)),
        // (Not the comment's.)
        ("child.jx".into(), position(WS_CHILD, "实有人数", 1)),
        ("child.jx".into(), position(WS_CHILD, "实有人数", 2)),
        ("child.test.jx".into(), position(WS_CHILD_TEST, "实有人数", 0)),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.to_string().cmp(&b.1.to_string())));
    assert_eq!(found, expected);

    // Go to definition from the test file's `设` and `期望`: the rule file's declarations.
    assert!(s.open(&uri("base.test.jx"), WS_BASE_TEST).is_empty());
    for (needle, declared) in [
        ("实有人数", "输入 实有人数"),
        ("财政供养人员控制率", "三级 财政供养人员控制率"),
    ] {
        let def = s
            .at(
                "textDocument/definition",
                &uri("base.test.jx"),
                position(WS_BASE_TEST, needle, 0),
                json!({}),
            )
            .unwrap();
        assert_eq!(def.as_array().unwrap().len(), 1, "{def}");
        assert_eq!(def[0]["uri"], uri("base.jx"));
        let at = WS_BASE.find(declared).unwrap() + declared.find(needle).unwrap();
        assert_eq!(
            def[0]["range"]["start"],
            position(WS_BASE, needle, WS_BASE[..at].matches(needle).count())
        );
    }

    // Refused: a name next year's file already uses (the base file's chain does not).
    let refused = s
        .at(
            "textDocument/rename",
            &uri("base.jx"),
            decl.clone(),
            json!({"newName": "超编人数"}),
        )
        .unwrap_err();
    assert_eq!(
        refused,
        "名称 `超编人数` 已在 `child.jx` 第 5 行定义，重命名后会与它混淆"
    );

    // The rename: one edit per use in every file of the family, none in the other file.
    let edit = s
        .at(
            "textDocument/rename",
            &uri("base.test.jx"),
            position(WS_BASE_TEST, "实有人数", 0),
            json!({"newName": "在编人数"}),
        )
        .unwrap();
    let changes = edit["changes"].as_object().unwrap();
    let mut edited: Vec<&str> = changes.keys().map(|k| k.rsplit('/').next().unwrap()).collect();
    edited.sort();
    assert_eq!(edited, ["base.jx", "base.test.jx", "child.jx", "child.test.jx"]);
    let mut renamed = Vec::new();
    for (name, text) in &files[..4] {
        let new = apply(text, &changes[&uri(name)]);
        // Every use, not the comment.
        let expected = text
            .replace("实有人数", "在编人数")
            .replace("缺报在编人数", "缺报实有人数");
        assert_eq!(new, expected, "{name}");
        renamed.push((*name, new));
    }

    // Had only the base file been renamed, next year's redefinition would silently be a
    // second input, and the test file would set an input that is no more.
    std::fs::write(dir.path().join("base.jx"), &renamed[0].1).unwrap();
    let (code, out) = run(&["check", "child.jx"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("3 个输入"), "{out}");
    let (code, out) = run(&["test", "."]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("`设 实有人数`：`实有人数` 不是规则文件声明的输入"),
        "{out}"
    );
    // Renamed everywhere: every file checks, every test passes.
    for (name, text) in &renamed {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (code, out) = run(&checked);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["test", "."]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("2 个文件，2 个测试：全部通过\ntest result: ok. 2 passed; 0 failed"),
        "{out}"
    );
    s.shutdown();
}
