//! `jixiao serve`'s 规则编辑 endpoints against a server on an ephemeral loopback port:
//! `analyze` reports what `jixiao check` reports (for every file of the error corpus),
//! `hover` and `complete` answer what `jixiao lsp` answers, `preview` is `jixiao diff`'s
//! report for the saved file against the edited text, and `save` writes only with
//! `--allow-edit`, the token, a text without errors and the version the page loaded.
//! Hostile texts and oversized bodies get Chinese 4xx answers; the server keeps serving.

use std::io::BufReader;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::lsp::{receive_until, send};
use crate::serve::{config, post_form_with, read_bytes, request, start, still_serving, workdir, Resp, SEED, UNITS_CSV};

const TOKEN: &str = "editor-test-token-0123";

fn post_json(addr: SocketAddr, path: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    request(addr, "POST", path, &all, body.to_string().as_bytes())
}

fn analyze(addr: SocketAddr, id: &str, text: &str) -> Value {
    let r = post_json(addr, &format!("/api/rules/{id}/analyze"), &json!({ "text": text }), &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// The UTF-16 offset of a byte offset (what the page's offsets are).
fn utf16(text: &str, byte: usize) -> usize {
    text[..byte].encode_utf16().count()
}

fn yueyang() -> String {
    crate::read(&crate::root().join("rules/yueyang-2021.jx"))
}

/// `jixiao check --format json` on files of a directory (exit 1 with errors is expected).
fn check_json(dir: &Path, files: &[String]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("check")
        .args(files)
        .args(["--format", "json"])
        .current_dir(dir)
        .output()
        .expect("run jixiao check");
    let all: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    all.as_array().expect("one result per file").clone()
}

// ── analyze ───────────────────────────────────────────────────────────────────────

#[test]
fn analyze_reports_what_jixiao_check_reports() {
    // Every file of the error corpus that stands alone (no `基于`), and a clean one.
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut corpus: Vec<_> = std::fs::read_dir(crate::root().join("tests/errors"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jx"))
        .collect();
    corpus.sort();
    corpus.push(crate::root().join("rules/yueyang-2021.jx"));
    for path in corpus {
        let text = crate::read(&path);
        if text.lines().any(|l| l.trim_start().starts_with("基于")) {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        std::fs::write(dir.path().join(&name), &text).unwrap();
        files.push(name);
    }
    assert!(files.len() > 60, "the corpus: {}", files.len());
    let checked = check_json(dir.path(), &files);
    let server = start(config(dir.path()));
    let addr = server.addr();
    let mut diagnostics_seen = 0;
    for (name, expected) in files.iter().zip(&checked) {
        assert_eq!(expected["file"], name.as_str());
        let text = crate::read(&dir.path().join(name));
        let id = name.strip_suffix(".jx").unwrap();
        let answer = analyze(addr, id, &text);
        let got = answer["diagnostics"].as_array().unwrap();
        let want = expected["diagnostics"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}: {answer:#}\n{expected:#}");
        let errors = want.iter().filter(|d| d["severity"] == "error").count();
        assert_eq!(answer["errors"], errors, "{name}");
        assert_eq!(answer["warnings"], want.len() - errors, "{name}");
        for (g, w) in got.iter().zip(want) {
            for key in ["code", "severity", "line", "column", "help"] {
                assert_eq!(g[key], w[key], "{name}: {key}\n{g:#}\n{w:#}");
            }
            let message = g["message"].as_str().unwrap();
            if w["code"] == "jixiao::syntax" {
                // The language server names it a syntax error and adds the label.
                let label = w["labels"][0]["text"].as_str().unwrap();
                let mut expected = format!("语法错误：{}", w["message"].as_str().unwrap());
                if !label.is_empty() {
                    expected.push_str(&format!("（{label}）"));
                }
                assert_eq!(message, expected, "{name}");
            } else {
                assert_eq!(message, w["message"], "{name}");
            }
            // The place in the page's units: UTF-16 offsets of the same byte offset.
            let start = w["start"].as_u64().unwrap() as usize;
            assert_eq!(g["from"], utf16(&text, start), "{name}");
            diagnostics_seen += 1;
        }
    }
    assert!(diagnostics_seen > 60, "{diagnostics_seen} diagnostics compared");
}

#[test]
fn analyze_follows_based_files_inside_the_rules_directory_only() {
    let dir = workdir();
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::root().join("rules/yueyang-2021.jx"),
        outside.path().join("secret.jx"),
    )
    .unwrap();
    let server = start(config(dir.path()));
    let addr = server.addr();

    // yueyang-2022 is `基于` yueyang-2021 beside it: clean, as `jixiao check` says.
    let text = crate::read(&dir.path().join("yueyang-2022.jx"));
    let answer = analyze(addr, "yueyang-2022", &text);
    assert_eq!(answer["errors"], 0, "{answer:#}");
    // A mistake in the edited 基于 file is placed in it, at the line written.
    let broken = text.replacen("分值 ", "分值 x", 1);
    let answer = analyze(addr, "yueyang-2022", &broken);
    assert!(answer["errors"].as_u64().unwrap() >= 1, "{answer:#}");
    let line = broken.lines().position(|l| l.contains("分值 x")).unwrap() + 1;
    assert_eq!(answer["diagnostics"][0]["line"], line, "{answer:#}");

    // A base outside the rules directory is not read.
    let escape = format!("基于 \"{}/secret.jx\"\n", outside.path().display());
    for text in [escape.as_str(), "基于 \"../secret.jx\"\n", "基于 \"/etc/passwd\"\n"] {
        let answer = analyze(addr, "yueyang-2022", text);
        let first = &answer["diagnostics"][0];
        assert_eq!(first["severity"], "error", "{text}: {answer:#}");
        assert_eq!(first["line"], 1);
        let message = first["message"].as_str().unwrap();
        assert!(
            message.contains("只能基于规则目录中的文件") || message.contains("文件不存在"),
            "{text}: {message}"
        );
        assert!(
            !answer.to_string().contains("岳阳"),
            "nothing of the file outside is shown"
        );
    }
}

// ── hover and completion are the language server's ───────────────────────────────

/// A `jixiao lsp` session with one document open.
struct Lsp {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
    uri: String,
    next: u64,
}

impl Lsp {
    fn open(path: &Path, text: &str) -> Lsp {
        let (child, mut stdin, mut stdout, _) = crate::lsp::start();
        let uri = format!("file://{}", path.display());
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                    "params": {"textDocument": {"uri": uri, "languageId": "jixiao", "version": 1, "text": text}}}),
        );
        receive_until(&mut stdout, |m| m["method"] == "textDocument/publishDiagnostics");
        Lsp {
            child,
            stdin,
            stdout,
            uri,
            next: 2,
        }
    }

    fn ask(&mut self, method: &str, text: &str, byte: usize) -> Value {
        let line = text[..byte].matches('\n').count();
        let line_start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
        let character = text[line_start..byte].encode_utf16().count();
        let id = self.next;
        self.next += 1;
        send(
            &mut self.stdin,
            &json!({"jsonrpc": "2.0", "id": id, "method": method,
                    "params": {"textDocument": {"uri": self.uri}, "position": {"line": line, "character": character}}}),
        );
        receive_until(&mut self.stdout, |m| m["id"] == id)["result"].clone()
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn hover_and_completion_answer_what_jixiao_lsp_answers() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let text = yueyang();
    let mut lsp = Lsp::open(&dir.path().join("yueyang-2021.jx"), &text);

    // Hover: an indicator, an input, a computed value, a function, and nothing.
    let places = [
        text.find("财政供养人员控制率").unwrap() + 3,
        text.find("输入 实有人数").unwrap() + "输入 ".len(),
        text.find("预算完成率").unwrap(),
        text.find("round(").map_or(0, |i| i + 1),
        text.find("// ").unwrap(),
    ];
    let mut described = 0;
    for byte in places {
        let r = post_json(
            addr,
            "/api/rules/yueyang-2021/hover",
            &json!({ "text": text, "offset": utf16(&text, byte) }),
            &[],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let ours = r.json()["hover"].clone();
        let theirs = lsp.ask("textDocument/hover", &text, byte);
        if theirs.is_null() {
            assert!(ours.is_null(), "{ours:#}");
            continue;
        }
        described += 1;
        assert_eq!(ours["markdown"], theirs["contents"]["value"], "at byte {byte}");
        assert_eq!(
            ours["line"],
            theirs["range"]["start"]["line"].as_u64().unwrap() + 1,
            "at byte {byte}"
        );
    }
    assert!(described >= 3, "{described} places described");
    let r = post_json(
        addr,
        "/api/rules/yueyang-2021/hover",
        &json!({ "text": text, "offset": utf16(&text, places[0]) }),
        &[],
    );
    let md = r.json()["hover"]["markdown"].as_str().unwrap().to_owned();
    assert!(md.starts_with("**三级指标** `财政供养人员控制率`"), "{md}");
    assert!(md.contains("- 分值：5"), "{md}");

    // Completion: the same items, in the order the editor would show them.
    let a = text.find("公式 实有人数 / 编制人数").unwrap() + "公式 实有人数 / 编制".len();
    let with_prefix = |at: usize, typed: &str| {
        let mut t = text.clone();
        t.insert_str(at, typed);
        (t, at + typed.len())
    };
    for (t, at) in [
        (text.clone(), a),
        with_prefix(text.find("\n一级").unwrap() + 1, "四舍"),
        with_prefix(text.find("\n一级").unwrap() + 1, "评"),
    ] {
        let r = post_json(
            addr,
            "/api/rules/yueyang-2021/complete",
            &json!({ "text": t, "offset": utf16(&t, at) }),
            &[],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let ours: Vec<String> = r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect();
        let mut session = Lsp::open(&dir.path().join("yueyang-2021.jx"), &t);
        let theirs = session.ask("textDocument/completion", &t, at);
        let mut items: Vec<&Value> = theirs["items"].as_array().unwrap().iter().collect();
        items.sort_by_key(|i| i["sortText"].as_str().unwrap().to_owned());
        let theirs: Vec<String> = items
            .iter()
            .take(200)
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ours, theirs);
        assert!(!ours.is_empty());
    }
}

#[test]
fn completion_offers_names_functions_with_chinese_names_and_categories() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let text = yueyang();
    let complete = |t: &str, at: usize, fallback: Option<&str>| -> Value {
        let r = post_json(
            addr,
            "/api/rules/yueyang-2021/complete",
            &json!({ "text": t, "offset": utf16(t, at), "fallback": fallback }),
            &[],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    };
    let labels = |v: &Value| -> Vec<(String, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["label"].as_str().unwrap().to_owned(),
                    i["kind"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // Names in scope, by any part of them; what was typed is the range replaced.
    let at = text.find("公式 实有人数 / 编制人数").unwrap() + "公式 实有人数 / 编制".len();
    let answer = complete(&text, at, None);
    assert!(
        labels(&answer).contains(&("编制人数".into(), "name".into())),
        "{answer:#}"
    );
    assert_eq!(answer["to"].as_u64().unwrap() - answer["from"].as_u64().unwrap(), 2);

    // A function by its Chinese name; a keyword.
    let line = text.find("\n一级").unwrap() + 1;
    let mut t = text.clone();
    t.insert_str(line, "四舍");
    let answer = complete(&t, line + "四舍".len(), None);
    let four = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "四舍五入")
        .expect("四舍五入 offered");
    assert_eq!(four["kind"], "function");
    assert_eq!(four["insert"], "四舍五入(");

    // Inside quotes: the 类别 strings of the target lists.
    let quote = text.find("类别 = \"").unwrap() + "类别 = \"".len();
    let answer = complete(&text, quote, None);
    let offered = labels(&answer);
    assert!(offered.iter().all(|(_, k)| k == "category"), "{answer:#}");
    assert!(offered.contains(&("满意度".into(), "category".into())), "{answer:#}");

    // While the text does not parse, names come from the last text that did.
    let mut broken = text.clone();
    broken.insert_str(line, "三级 {{ 编制");
    let at = line + "三级 {{ 编制".len();
    let without = complete(&broken, at, None);
    assert!(!labels(&without).iter().any(|(l, _)| l == "编制人数"), "{without:#}");
    let with = complete(&broken, at, Some(&text));
    assert!(labels(&with).contains(&("编制人数".into(), "name".into())), "{with:#}");
}

// ── preview is jixiao diff ────────────────────────────────────────────────────────

fn preview(addr: SocketAddr, id: &str, text: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Resp {
    // The text goes as a file part named `text`, the data as parts named `file`.
    let boundary = "----jixiao-edit-boundary-5e1d";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    let mut part = |field: &str, name: &str, bytes: &[u8]| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    part("text", "规则.jx", text.as_bytes());
    for (name, bytes) in files {
        part("file", name, bytes);
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    request(
        addr,
        "POST",
        &format!("/api/rules/{id}/preview"),
        &[("Content-Type", &content_type)],
        &body,
    )
}

#[test]
fn preview_is_jixiao_diffs_report_of_the_saved_file_against_the_edited_text() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let text = yueyang();
    // One weight moved from one indicator to a sibling, and a band's score lowered.
    let edited = text
        .replacen("三级 财政供养人员控制率 分值 5", "三级 财政供养人员控制率 分值 4", 1)
        .replacen("三级 三公经费变动率 分值 5", "三级 三公经费变动率 分值 6", 1)
        .replacen(">= 90%     得 5", ">= 90%     得 4", 1);
    assert_ne!(edited, text);
    std::fs::write(dir.path().join("edited.jx"), &edited).unwrap();
    let csv = read_bytes(UNITS_CSV);
    let r = preview(addr, "yueyang-2021", &edited, &[], &[("units.csv", &csv)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = r.json();
    assert_eq!(answer["ok"], true, "{answer:#}");
    assert_eq!(answer["data"], json!(["units.csv"]));
    let report = &answer["report"];
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["diff", "yueyang-2021.jx", "edited.jx", "units.csv", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let expected: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    crate::contract::assert_valid(&crate::contract::diff_validator(), "preview", report);
    assert_eq!(report["rule_changes"], expected["rule_changes"]);
    assert_eq!(report["units"], expected["units"]);
    assert_eq!(report["units_changed"], expected["units_changed"]);
    assert!(
        report["rule_changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "分值" && c["subject"].as_str().unwrap().contains("财政供养人员控制率")),
        "{report:#}"
    );
    assert!(report["units_changed"].as_u64().unwrap() > 0, "{report:#}");
    assert!(answer["message"].as_str().unwrap().contains("个总分变化"));

    // The unchanged text: nothing changes.
    let r = preview(addr, "yueyang-2021", &text, &[], &[("units.csv", &csv)]);
    let same = r.json();
    assert_eq!(same["report"]["rule_changes"], json!([]));
    assert_eq!(same["report"]["units_changed"], 0);

    // A text with errors is not scored.
    let r = preview(
        addr,
        "yueyang-2021",
        &text.replacen("分值 5", "分值 x", 1),
        &[],
        &[("units.csv", &csv)],
    );
    assert_eq!(r.status, 200);
    let broken = r.json();
    assert_eq!(broken["ok"], false);
    assert!(broken["errors"].as_u64().unwrap() >= 1);
    assert!(
        broken["message"].as_str().unwrap().contains("改正后才能预览"),
        "{broken:#}"
    );
    assert!(broken["report"].is_null());

    // A saved file that does not check: nothing to compare with, the units under the edit.
    std::fs::write(dir.path().join("draft.jx"), text.replacen("分值 5", "分值 x", 1)).unwrap();
    let r = preview(addr, "draft", &text, &[], &[("units.csv", &csv)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let fixed = r.json();
    assert_eq!(
        (fixed["ok"].clone(), fixed["saved_ok"].clone()),
        (json!(true), json!(false))
    );
    assert!(fixed["report"].is_null());
    assert!(
        fixed["message"].as_str().unwrap().contains("保存的版本未通过检查"),
        "{fixed:#}"
    );
    let evaluated = crate::serve::post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("units.csv", &csv)],
    );
    let totals: Vec<Value> = evaluated.json()["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["evaluation"]["total"].clone())
        .collect();
    let units = fixed["units"].as_array().unwrap();
    assert_eq!(units.iter().map(|u| u["total"].clone()).collect::<Vec<_>>(), totals);
    assert_eq!(units[0]["unit"], crate::serve::SEED_UNIT);

    // No data: the rule changes alone.
    let r = preview(addr, "yueyang-2021", &edited, &[], &[]);
    let rules_only = r.json();
    assert_eq!(rules_only["report"]["rule_changes"], expected["rule_changes"]);
    assert_eq!(rules_only["report"]["units"], json!([]));
}

#[test]
fn preview_scores_the_example_units_of_the_rule_set_or_of_its_base() {
    let dir = workdir();
    let examples = tempfile::tempdir().unwrap();
    let folder = examples.path().join("yueyang-2021");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(crate::root().join(UNITS_CSV), folder.join("units.csv")).unwrap();
    std::fs::copy(crate::root().join(SEED), folder.join("seed.toml")).unwrap();
    std::fs::write(folder.join("notes.txt.bak"), "not data").unwrap();
    let mut c = config(dir.path());
    c.examples_dir = Some(examples.path().to_path_buf());
    let server = start(c);
    let addr = server.addr();

    // The page offers them, CSV first.
    let page = request(addr, "GET", "/rules/yueyang-2021/edit", &[], b"").text();
    let csv_at = page.find("示例：yueyang-2021/units.csv").expect("the CSV offered");
    let toml_at = page.find("示例：yueyang-2021/seed.toml").expect("the TOML offered");
    assert!(csv_at < toml_at);
    assert!(!page.contains("notes.txt.bak"));
    // yueyang-2022 has no folder of its own: its base's examples.
    let page = request(addr, "GET", "/rules/yueyang-2022/edit", &[], b"").text();
    assert!(page.contains("示例：yueyang-2021/units.csv"), "{page}");

    let text = crate::read(&dir.path().join("yueyang-2022.jx"));
    let r = preview(addr, "yueyang-2022", &text, &[("example", "units.csv")], &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = r.json();
    assert_eq!(answer["data"], json!(["units.csv"]));
    assert_eq!(answer["report"]["units"].as_array().unwrap().len(), 7);

    // Only the listed files: no path, no other name.
    for name in [
        "../yueyang-2021.jx",
        "/etc/passwd",
        "notes.txt.bak",
        "yueyang-2021/units.csv",
    ] {
        let r = preview(addr, "yueyang-2021", &text, &[("example", name)], &[]);
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        assert!(r.error().contains("没有名为"), "{}", r.error());
    }
}

// ── saving ────────────────────────────────────────────────────────────────────────

fn sha256(bytes: &[u8]) -> String {
    jixiao::sha256_hex(bytes)
}

fn save(addr: SocketAddr, text: &str, sha: &str, headers: &[(&str, &str)]) -> Resp {
    post_json(
        addr,
        "/api/rules/yueyang-2021/save",
        &json!({ "text": text, "sha256": sha }),
        headers,
    )
}

#[test]
fn saving_needs_allow_edit_and_a_token() {
    // Read-only by default: refused, and the page says so with the save button disabled.
    let dir = workdir();
    let file = dir.path().join("yueyang-2021.jx");
    let before = std::fs::read(&file).unwrap();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let text = yueyang().replacen("分值 5", "分值 5 ", 1);
    let r = save(addr, &text, &sha256(&before), &[]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(
        r.error().contains("只读") && r.error().contains("--allow-edit"),
        "{}",
        r.error()
    );
    let page = request(addr, "GET", "/rules/yueyang-2021/edit", &[], b"").text();
    assert!(page.contains("<strong>只读。</strong>"), "{page}");
    assert!(page.contains("data-can-save=\"false\""));
    assert!(page.contains("id=\"save\" disabled title=\"不能保存：启动服务时没有加 --allow-edit"));
    drop(server);

    // --allow-edit without a token does not start.
    let mut c = config(dir.path());
    c.allow_edit = true;
    let e = jixiao_cli::serve::start(c, "127.0.0.1:0".parse().unwrap())
        .err()
        .expect("refused");
    assert!(e.contains("--allow-edit 需要访问令牌"), "{e}");

    // With both: a request without the token, or with a wrong one, is refused.
    let mut c = config(dir.path());
    c.allow_edit = true;
    c.token = Some(TOKEN.into());
    let server = start(c);
    let addr = server.addr();
    for headers in [&[][..], &[("Authorization", "Bearer wrong-token-0123456789")][..]] {
        let r = save(addr, &text, &sha256(&before), headers);
        assert_eq!(r.status, 401, "{headers:?}: {}", r.text());
        assert!(r.error().contains("需要访问令牌"), "{}", r.error());
    }
    // From another site's page: refused before the token is looked at.
    let bearer = format!("Bearer {TOKEN}");
    let r = save(
        addr,
        &text,
        &sha256(&before),
        &[("Authorization", &bearer), ("Origin", "http://evil.example")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(std::fs::read(&file).unwrap(), before, "nothing was written");
    let page = request(
        addr,
        "GET",
        "/rules/yueyang-2021/edit",
        &[("Authorization", &bearer)],
        b"",
    )
    .text();
    assert!(page.contains("data-can-save=\"true\""), "{page}");
    assert!(page.contains("<strong>可以保存。</strong>"));
}

#[test]
fn saving_refuses_errors_and_stale_versions_and_otherwise_replaces_the_file() {
    let dir = workdir();
    let file = dir.path().join("yueyang-2021.jx");
    let before = std::fs::read(&file).unwrap();
    let loaded_sha = sha256(&before);
    let mut c = config(dir.path());
    c.allow_edit = true;
    c.token = Some(TOKEN.into());
    let server = start(c);
    let addr = server.addr();
    let bearer = format!("Bearer {TOKEN}");
    let auth = [("Authorization", bearer.as_str())];
    let original = yueyang();

    // A text with errors: refused with the errors, the file unchanged.
    let r = save(addr, &original.replacen("分值 5", "分值 x", 1), &loaded_sha, &auth);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("个错误，没有保存"), "{}", r.error());
    assert!(!r.json()["details"].as_array().unwrap().is_empty());
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // A version other than the one on disk: refused.
    let edited = original.replacen("三级 财政供养人员控制率 分值 5", "三级 财政供养人员控制率 分值 4", 1);
    let edited = edited.replacen("三级 三公经费变动率 分值 5", "三级 三公经费变动率 分值 6", 1);
    let r = save(addr, &edited, &sha256(b"another version"), &auth);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.error().contains("已被修改"), "{}", r.error());
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // Otherwise: saved, the old version backed up, the listing shows the new one.
    let r = save(addr, &edited, &loaded_sha, &auth);
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = r.json();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
    assert_eq!(answer["sha256"], sha256(edited.as_bytes()));
    let backup = dir.path().join(answer["backup"].as_str().unwrap());
    assert!(backup.starts_with(dir.path().join(".jixiao-backup")), "{answer:#}");
    assert_eq!(std::fs::read(&backup).unwrap(), before);
    let listed = request(addr, "GET", "/api/rules", &auth, b"").json();
    let entry = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "yueyang-2021")
        .unwrap()
        .clone();
    assert_eq!(entry["sha256"], sha256(edited.as_bytes()));
    assert_eq!(entry["ok"], true);
    let sheet = request(addr, "GET", "/rules/yueyang-2021", &auth, b"").text();
    assert!(sheet.contains(&sha256(edited.as_bytes())));
    // No temporary file left behind, and the backup folder is not a rule set.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
    assert_eq!(listed["rules"].as_array().unwrap().len(), 2);

    // Saving again from the page that loaded the first version: stale now.
    let r = save(addr, &original, &loaded_sha, &auth);
    assert_eq!(r.status, 409);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);

    // A file written with CR LF keeps its line ends.
    let crlf = original.replace('\n', "\r\n");
    std::fs::write(&file, &crlf).unwrap();
    let r = save(addr, &edited, &sha256(crlf.as_bytes()), &auth);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited.replace('\n', "\r\n"));
}

// ── bounded input, no panic ───────────────────────────────────────────────────────

#[test]
fn hostile_texts_and_bodies_get_chinese_answers_and_the_server_keeps_serving() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let deep = "(".repeat(100_000);
    let nested = format!("一级 甲 分值 1 {}", "{ 二级 乙 分值 1 ".repeat(5_000));
    let texts = [
        String::new(),
        "\u{0}\u{feff}\r\r\n\u{2028}".to_owned(),
        deep,
        nested,
        "\"".repeat(10_000),
        "基于 \"yueyang-2022.jx\"\n".to_owned(),
        "𠀀𠀀 = 😀 / 0\n三级".to_owned(),
    ];
    for text in &texts {
        for what in ["analyze", "hover", "complete"] {
            for offset in [0, 1, text.len() / 2, text.len() + 5, usize::MAX / 2] {
                let r = post_json(
                    addr,
                    &format!("/api/rules/yueyang-2021/{what}"),
                    &json!({ "text": text, "offset": offset }),
                    &[],
                );
                assert_eq!(r.status, 200, "{what} at {offset}: {}", r.text());
            }
        }
        let r = preview(addr, "yueyang-2021", text, &[], &[]);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["ok"], false);
    }
    // A base file that is `基于` the edited one: a cycle, reported.
    let answer = analyze(addr, "yueyang-2021", "基于 \"yueyang-2022.jx\"\n");
    assert!(answer["errors"].as_u64().unwrap() >= 1, "{answer:#}");

    // Bodies: too long, not JSON, the wrong shape, an unknown rule set.
    let long = "甲".repeat(1024 * 1024);
    let r = post_json(addr, "/api/rules/yueyang-2021/analyze", &json!({ "text": long }), &[]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.error().contains("最多"), "{}", r.error());
    let r = request(
        addr,
        "POST",
        "/api/rules/yueyang-2021/analyze",
        &[("Content-Type", "application/json")],
        b"{\"text\": ",
    );
    assert_eq!(r.status, 400);
    assert!(r.error().contains("不是有效的 JSON"), "{}", r.error());
    let r = post_json(addr, "/api/rules/yueyang-2021/hover", &json!({ "text": 5 }), &[]);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("缺少字段或字段的类型不对"), "{}", r.error());
    let r = post_json(addr, "/api/rules/no-such/analyze", &json!({ "text": "" }), &[]);
    assert_eq!(r.status, 404);
    assert!(r.error().contains("没有编号为「no-such」的规则"), "{}", r.error());
    let r = post_json(
        addr,
        "/api/rules/..%2F..%2Fetc%2Fpasswd/analyze",
        &json!({ "text": "" }),
        &[],
    );
    assert_eq!(r.status, 404);
    let r = preview(addr, "yueyang-2021", &"甲".repeat(1024 * 1024), &[], &[]);
    assert_eq!(r.status, 413, "{}", r.text());
    let r = post_form_with(addr, "/api/rules/yueyang-2021/preview", &[("example", "x")], &[], &[]);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("text"), "{}", r.error());
    still_serving(addr);
}
