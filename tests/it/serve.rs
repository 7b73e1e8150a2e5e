//! `jixiao serve`: the JSON API against a server on an ephemeral loopback port, compared
//! with the command line's own output; hostile requests (oversized uploads, malformed
//! workbooks and a zip bomb, missing and wrong tokens, path traversal, foreign Host
//! names) each answered with a clear 4xx while the server keeps serving; concurrent
//! clients never see each other's results. The full load run (20 clients × 50
//! requests × 1,000 units) is `#[ignore]`d: `cargo test --release --test it
//! serve::load -- --ignored --nocapture`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use jixiao_cli::serve::{self, Config, Server};
use serde_json::Value;

pub(crate) const UNITS_CSV: &str = "examples/yueyang-2021/units.csv";
const UNITS_XLSX: &str = "examples/yueyang-2021/units.xlsx";
pub(crate) const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";
pub(crate) const SEED_UNIT: &str = "岳阳市城市管理综合执法支队";

// ── a minimal HTTP/1.1 client (std only) ──────────────────────────────────────

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The Chinese message of an error answer.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    } else if let Some(n) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        body.truncate(n);
    }
    Resp { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..end])
                .split(';')
                .next()
                .unwrap_or("")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(300))).ok();
    stream.set_write_timeout(Some(Duration::from_secs(300))).ok();
    stream
}

/// One request on a fresh connection (`Connection: close`).
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = connect(addr);
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    parse_response(&raw)
}

pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], b"")
}

/// A `multipart/form-data` body: text fields, then files (field name `file`).
pub fn form(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----jixiao-test-boundary-7f3a9c";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn post_form(addr: SocketAddr, path: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Resp {
    post_form_with(addr, path, fields, files, &[])
}

pub(crate) fn post_form_with(
    addr: SocketAddr,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
    headers: &[(&str, &str)],
) -> Resp {
    let (content_type, body) = form(fields, files);
    let mut all = vec![("Content-Type", content_type.as_str())];
    all.extend_from_slice(headers);
    request(addr, "POST", path, &all, &body)
}

// ── fixtures ──────────────────────────────────────────────────────────────────

pub(crate) fn read_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(crate::root().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// A directory with the rule files and the example data, so that the command line,
/// run inside it, names files exactly as the server does (`yueyang-2021.jx`, `units.csv`).
pub(crate) fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in ["yueyang-2021.jx", "yueyang-2022.jx"] {
        std::fs::copy(crate::root().join("rules").join(f), dir.path().join(f)).expect("copy rules");
    }
    for f in [UNITS_CSV, UNITS_XLSX, SEED] {
        let name = Path::new(f).file_name().unwrap();
        std::fs::copy(crate::root().join(f), dir.path().join(name)).expect("copy data");
    }
    dir
}

pub(crate) fn config(rules: &Path) -> Config {
    let mut c = Config::new(rules);
    c.workers = 2;
    c
}

pub(crate) fn start(config: Config) -> Server {
    serve::start(config, "127.0.0.1:0".parse().unwrap()).expect("server starts")
}

fn cli(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run jixiao");
    assert!(
        out.status.success(),
        "jixiao {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn cli_json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_slice(&cli(dir, args)).expect("CLI prints JSON")
}

/// A CSV of `n` units: the example rows repeated, each unit named `{prefix}{i:04}`.
pub fn many_units(n: usize, prefix: &str) -> Vec<u8> {
    let example = read_bytes(UNITS_CSV);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&example[..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("example CSV")).collect();
    let (header, examples) = rows.split_first().expect("header");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for i in 0..n {
        let mut row: Vec<String> = examples[i % examples.len()].iter().map(str::to_owned).collect();
        row[0] = format!("{prefix}{i:04}");
        w.write_record(&row).unwrap();
    }
    w.into_inner().unwrap()
}

fn units_of(body: &Value) -> &Vec<Value> {
    body["units"].as_array().expect("units array")
}

// ── results are the command line's ──────────────────────────────────────────────

#[test]
fn evaluate_answers_exactly_what_the_cli_prints() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let csv = read_bytes(UNITS_CSV);

    // A batch: `units` is the CLI's JSON array, element for element.
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("units.csv", &csv)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    let body = r.json();
    let expected = cli_json(
        dir.path(),
        &["eval", "yueyang-2021.jx", "units.csv", "--format", "json"],
    );
    // One contract: the CLI's envelope is the server's, which adds the id, summary and warnings.
    assert_eq!(body["version"], 1);
    assert_eq!(body["units"], expected["units"]);
    for (key, value) in expected["rules"].as_object().unwrap() {
        assert_eq!(&body["rules"][key], value, "rules.{key}");
    }
    crate::contract::assert_valid(&crate::contract::batch_validator(), "/api/evaluate", &body);
    assert_eq!(body["rules"]["id"], "yueyang-2021");
    assert_eq!(body["rules"]["year"], 2021);
    assert_eq!(body["summary"]["units"], 7);
    assert_eq!(body["summary"]["errors"], 0);
    assert_eq!(body["summary"]["text"], "7 个单位：7 个已评价，没有错误");
    let seed = &units_of(&body)[0];
    assert_eq!(seed["unit"], SEED_UNIT);
    assert_eq!(seed["evaluation"]["total_display"], "94.30");
    assert_eq!(seed["evaluation"]["grade"], "优秀");
    // The summary charts, drawn from these units (the HTML report's).
    let charts = body["charts"].as_array().unwrap();
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["jx-grades", "jx-totals", "jx-indicators", "jx-categories"]);
    let grades = crate::charts::parse(charts[0]["svg"].as_str().unwrap());
    let labels = crate::charts::texts(&grades);
    assert!(labels.contains(&"4（57.14%）"), "{labels:?}");
    for c in charts {
        crate::charts::parse(c["svg"].as_str().unwrap());
    }

    // With explanations, as `--explain`; the raw-body form of the same request.
    let r = request(
        addr,
        "POST",
        "/api/evaluate?rules=yueyang-2021&explain=true&filename=units.csv",
        &[("Content-Type", "text/csv")],
        &csv,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = cli_json(
        dir.path(),
        &["eval", "yueyang-2021.jx", "units.csv", "--format", "json", "--explain"],
    );
    assert_eq!(r.json()["units"], expected["units"]);

    // One TOML unit: the CLI prints the evaluation itself.
    let toml = read_bytes(SEED);
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("chengguan-zhifa.toml", &toml)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = cli_json(
        dir.path(),
        &["eval", "yueyang-2021.jx", "chengguan-zhifa.toml", "--format", "json"],
    );
    assert_eq!(units_of(&r.json())[0]["evaluation"], expected);

    // Several files at once, in order, as `jixiao eval RULES a b`.
    let xlsx = read_bytes(UNITS_XLSX);
    let r = post_form(
        addr,
        "/api/audit",
        &[("rules", "yueyang-2021")],
        &[("chengguan-zhifa.toml", &toml), ("units.xlsx", &xlsx)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = cli_json(
        dir.path(),
        &[
            "audit",
            "yueyang-2021.jx",
            "chengguan-zhifa.toml",
            "units.xlsx",
            "--format",
            "json",
        ],
    );
    let body = r.json();
    assert_eq!(body["units"], expected["units"]);
    assert!(body["summary"]["audit"].as_str().unwrap().starts_with("复核："));
}

#[test]
fn downloads_are_the_files_the_cli_writes() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let csv = read_bytes(UNITS_CSV);
    let out = tempfile::tempdir().unwrap();
    let written = |name: &str| std::fs::read(out.path().join(name)).unwrap();
    let target = |name: &str| out.path().join(name).display().to_string();

    for (endpoint, command, format) in [
        ("/api/evaluate", "eval", "csv"),
        ("/api/audit", "audit", "csv"),
        ("/api/evaluate", "eval", "html"),
        ("/api/evaluate", "eval", "jsonl"),
    ] {
        let r = post_form(
            addr,
            endpoint,
            &[("rules", "yueyang-2021"), ("format", format)],
            &[("units.csv", &csv)],
        );
        assert_eq!(r.status, 200, "{endpoint} {format}: {}", r.text());
        let name = format!("{command}.{format}");
        cli(
            dir.path(),
            &[command, "yueyang-2021.jx", "units.csv", "-o", &target(&name)],
        );
        assert!(
            r.body == written(&name),
            "{endpoint} format={format} differs from `jixiao {command} -o {name}`"
        );
        let disposition = r.header("content-disposition").unwrap_or_default();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert_eq!(r.header("x-jixiao-units"), Some("7"));
    }

    // The workbook: the same cells as the CLI's (the files differ in their timestamps).
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021"), ("format", "xlsx")],
        &[("units.csv", &csv)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.starts_with(b"PK\x03\x04"));
    cli(
        dir.path(),
        &["eval", "yueyang-2021.jx", "units.csv", "-o", &target("eval.xlsx")],
    );
    let sheets = |bytes: Vec<u8>| {
        use calamine::Reader;
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
        let names = wb.sheet_names();
        names
            .iter()
            .map(|n| {
                let range = wb.worksheet_range(n).expect("sheet");
                (n.clone(), range.rows().map(|r| r.to_vec()).collect::<Vec<_>>())
            })
            .collect::<Vec<_>>()
    };
    let api = sheets(r.body.clone());
    assert_eq!(api[0].0, "评价结果");
    assert_eq!(api, sheets(written("eval.xlsx")));
}

/// A city too large for one HTML document downloads as the zip `jixiao eval -o x.zip`
/// writes: the summary and one report per unit.
#[test]
fn a_large_html_download_is_a_zip_of_reports() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let csv = many_units(201, "单位");
    let r = post_form(
        server.addr(),
        "/api/evaluate",
        &[("rules", "yueyang-2021"), ("format", "html")],
        &[("city.csv", &csv)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/zip"));
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(disposition.contains(".zip"), "{disposition}");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(r.body.clone())).expect("a zip");
    assert_eq!(archive.len(), 202);
    assert!(archive.file_names().any(|n| n == "汇总.html"));
    assert!(archive.file_names().any(|n| n == "0201-单位0200.html"));
}

#[test]
fn diff_answers_what_jixiao_diff_prints() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let csv = read_bytes(UNITS_CSV);
    let r = post_form(
        server.addr(),
        "/api/diff",
        &[("old", "yueyang-2021"), ("new", "yueyang-2022")],
        &[("units.csv", &csv)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = cli_json(
        dir.path(),
        &[
            "diff",
            "yueyang-2021.jx",
            "yueyang-2022.jx",
            "units.csv",
            "--format",
            "json",
        ],
    );
    // The CLI's comparison, and the chart of each unit's change.
    let mut body = r.json();
    crate::contract::assert_valid(&crate::contract::diff_validator(), "/api/diff", &body);
    let charts = body.as_object_mut().unwrap().remove("charts").unwrap();
    assert_eq!(body, expected);
    assert_eq!(charts.as_array().unwrap().len(), 1);
    assert_eq!(charts[0]["id"], "jx-changes");
    let drawn = crate::charts::parse(charts[0]["svg"].as_str().unwrap());
    assert!(crate::charts::texts(&drawn).iter().any(|t| t.contains("7 个单位中")));

    // Rules only (no chart), and the CSV download.
    let r = post_form(server.addr(), "/api/diff?old=yueyang-2021&new=yueyang-2022", &[], &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.json()["rule_changes"].as_array().unwrap().is_empty());
    assert_eq!(r.json()["charts"], serde_json::json!([]));
    let r = post_form(
        server.addr(),
        "/api/diff",
        &[("old", "yueyang-2021"), ("new", "yueyang-2022"), ("format", "csv")],
        &[("units.csv", &csv)],
    );
    assert_eq!(r.status, 200);
    let expected = cli(
        dir.path(),
        &[
            "diff",
            "yueyang-2021.jx",
            "yueyang-2022.jx",
            "units.csv",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.body, expected);
}

#[test]
fn rule_sets_are_listed_with_their_score_sheet_and_diagnostics() {
    let dir = workdir();
    std::fs::copy(
        crate::root().join("tests/errors/weights_sum.jx"),
        dir.path().join("broken.jx"),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a rule file").unwrap();
    let server = start(config(dir.path()));
    let addr = server.addr();

    let list = get(addr, "/api/rules").json();
    let ids: Vec<&str> = list["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["broken", "yueyang-2021", "yueyang-2022"]);
    let broken = &list["rules"][0];
    assert_eq!(broken["ok"], false);
    assert!(broken["errors"].as_u64().unwrap() > 0);
    assert_eq!(list["rules"][2]["bases"], serde_json::json!(["yueyang-2021.jx"]));

    let detail = get(addr, "/api/rules/yueyang-2021").json();
    assert_eq!(detail["ok"], true);
    assert_eq!(detail["full_marks"], "100");
    let leaves: Vec<&Value> = detail["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["leaf"] == true)
        .collect();
    assert_eq!(leaves.len(), 23);
    assert_eq!(leaves[0]["name"], "财政供养人员控制率");
    assert_eq!(leaves[0]["formula"], "实有人数 / 编制人数");
    assert_eq!(
        leaves[0]["standard"],
        "以100%为标准。≦100%，计5分；每超过一个百分点扣0.5分，扣完为止。"
    );
    assert_eq!(leaves[0]["path"], serde_json::json!(["投入", "预算配置"]));

    // The diagnostics are `jixiao check --format json`'s.
    let detail = get(addr, "/api/rules/broken").json();
    let check = cli_json(dir.path(), &["check", "--format", "json", "yueyang-2021.jx"]);
    assert_eq!(check[0]["ok"], true);
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["check", "--format", "json", "broken.jx"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(detail["diagnostics"], check[0]["diagnostics"]);

    // The pages: the 评分表 with the standards verbatim, the diagnostics with the source.
    let page = get(addr, "/rules/yueyang-2021");
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("<table class=\"scoresheet\""));
    assert!(html.contains("以100%为标准。≦100%，计5分；每超过一个百分点扣0.5分，扣完为止。"));
    assert!(html.contains("✓ 规则文件检查通过"));
    let html = get(addr, "/rules/broken").text();
    assert!(html.contains("✗ 规则文件未通过检查"), "{html}");
    assert!(html.contains("<pre class=\"diagnostic error\">"));
    assert!(html.contains("jixiao::check::"), "{html}");
    let index = get(addr, "/rules").text();
    assert!(index.contains("岳阳市部门整体支出绩效评价指标体系"));
    for page in ["/evaluate", "/diff"] {
        let r = get(addr, page);
        assert_eq!(r.status, 200, "{page}");
        assert!(r.text().contains("/assets/common.js"));
    }
    for (asset, kind) in [
        ("/assets/style.css", "text/css"),
        ("/assets/evaluate.js", "text/javascript"),
        ("/assets/favicon.svg", "image/svg+xml"),
    ] {
        let r = get(addr, asset);
        assert_eq!(r.status, 200, "{asset}");
        assert!(r.header("content-type").unwrap().starts_with(kind), "{asset}");
    }

    // A rule set that does not check cannot evaluate: 422 with the diagnostics.
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "broken")],
        &[("units.csv", &read_bytes(UNITS_CSV))],
    );
    assert_eq!(r.status, 422);
    assert!(r.error().contains("未通过检查"), "{}", r.error());
    assert!(!r.json()["details"].as_array().unwrap().is_empty());

    // Edited files are read again.
    std::fs::write(
        dir.path().join("broken.jx"),
        std::fs::read_to_string(dir.path().join("yueyang-2021.jx")).unwrap(),
    )
    .unwrap();
    assert_eq!(get(addr, "/api/rules/broken").json()["ok"], true);
}

#[test]
fn templates_are_the_ones_jixiao_template_writes() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let out = tempfile::tempdir().unwrap();

    // TOML skeleton: byte for byte.
    let r = get(addr, "/api/rules/yueyang-2021/template?format=toml");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-disposition").unwrap().contains(".toml"));
    let expected = cli(dir.path(), &["template", "yueyang-2021.jx", "--format", "toml"]);
    assert_eq!(r.text(), String::from_utf8(expected).unwrap());

    // The workbook: the same sheets and cells (the files differ in their timestamps).
    let r = get(addr, "/api/rules/yueyang-2021/template?rows=12");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let path = out.path().join("t.xlsx");
    cli(
        dir.path(),
        &[
            "template",
            "yueyang-2021.jx",
            "--rows",
            "12",
            "-o",
            &path.display().to_string(),
        ],
    );
    let cells = |bytes: Vec<u8>| {
        use calamine::Reader;
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
        let names = wb.sheet_names();
        names
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    wb.worksheet_range(n)
                        .map(|r| r.rows().map(|r| r.to_vec()).collect::<Vec<_>>())
                        .ok(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(r.body.clone()), cells(std::fs::read(&path).unwrap()));

    // A returned template is evaluated as `jixiao eval` evaluates it: the blank one just
    // downloaded is one unit with its missing figures named at their cells; the one filled
    // in with the seed's figures is the seed unit, 94.30 优秀, as the CLI prints it.
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("填报模板.xlsx", &r.body)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["summary"]["units"], 1, "{body}");
    assert_eq!(body["summary"]["errors"], 1, "{body}");
    assert!(units_of(&body)[0]["error"].to_string().contains("基础数据!"), "{body}");

    let model = crate::compile(
        "yueyang-2021.jx",
        &crate::read(&crate::root().join("rules/yueyang-2021.jx")),
    )
    .model;
    let filled = jixiao_io::template::xlsx::write(&crate::template::seed_template(&model)).expect("template writes");
    std::fs::write(dir.path().join("已填模板.xlsx"), &filled).unwrap();
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("已填模板.xlsx", &filled)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    let unit = &units_of(&body)[0];
    assert_eq!(unit["evaluation"]["total_display"], "94.30", "{unit}");
    assert_eq!(unit["evaluation"]["grade"], "优秀");
    let expected = cli_json(
        dir.path(),
        &["eval", "yueyang-2021.jx", "已填模板.xlsx", "--format", "json"],
    );
    assert_eq!(body["units"], expected["units"]);

    for (path, status) in [
        ("/api/rules/yueyang-2021/template?format=pdf", 400),
        ("/api/rules/yueyang-2021/template?rows=0", 400),
        ("/api/rules/..%2Fyueyang-2021/template", 404),
    ] {
        assert_eq!(get(addr, path).status, status, "{path}");
    }
    let page = get(addr, "/template").text();
    assert!(page.contains("/api/rules/yueyang-2021/template?format=xlsx"), "{page}");
}

// ── hostile requests ───────────────────────────────────────────────────────────

/// The server still answers normally.
pub(crate) fn still_serving(addr: SocketAddr) {
    let r = get(addr, "/api/rules");
    assert_eq!(r.status, 200, "{}", r.text());
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("chengguan-zhifa.toml", &read_bytes(SEED))],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(units_of(&r.json())[0]["evaluation"]["total_display"], "94.30");
}

#[test]
fn path_traversal_in_rule_ids_is_not_found() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("escape.jx"),
        "基于 \"../../../../etc/passwd\"\n年度 2022\n",
    )
    .unwrap();
    let server = start(config(dir.path()));
    let addr = server.addr();
    for path in [
        "/api/rules/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/rules/..",
        "/api/rules/%2e%2e",
        "/api/rules/yueyang-2021.jx",
        "/api/rules/..%5Cyueyang-2021",
        "/api/rules/%2Fetc%2Fpasswd",
        "/api/rules/yueyang-2021%00",
        "/rules/..%2F..%2FCargo",
    ] {
        let r = get(addr, path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(r.text().contains("没有编号为"), "{path}: {}", r.text());
    }
    // A path with raw `..` segments never leaves the site's routes.
    let r = get(addr, "/api/rules/../../etc/passwd");
    assert!((400..500).contains(&r.status), "{}", r.status);
    for id in ["../yueyang-2021", "/etc/passwd", "yueyang-2021/../yueyang-2021"] {
        let r = post_form(
            addr,
            "/api/evaluate",
            &[("rules", id)],
            &[("u.toml", &read_bytes(SEED))],
        );
        assert_eq!(r.status, 404, "{id}: {}", r.text());
    }
    // A rule file cannot reach outside the directory through `基于` either.
    let detail = get(addr, "/api/rules/escape").json();
    assert_eq!(detail["ok"], false);
    let message = detail["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("只能基于规则目录中的文件"), "{message}");
    still_serving(addr);
}

#[test]
fn tokens_are_required_when_set() {
    let dir = workdir();
    let token = "s3cret-token-for-tests";
    let mut c = config(dir.path());
    c.token = Some(token.into());
    let server = start(c);
    let addr = server.addr();
    let seed = read_bytes(SEED);

    let r = get(addr, "/api/rules");
    assert_eq!(r.status, 401);
    assert!(r.error().contains("需要访问令牌"), "{}", r.error());
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    for wrong in [
        "Bearer wrong",
        "Bearer s3cret-token-for-test",
        "Basic czNjcmV0",
        "Bearer ",
    ] {
        let r = request(addr, "GET", "/api/rules", &[("Authorization", wrong)], b"");
        assert_eq!(r.status, 401, "{wrong}");
    }
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("u.toml", &seed)],
    );
    assert_eq!(r.status, 401);
    let bearer = format!("Bearer {token}");
    let r = request(addr, "GET", "/api/rules", &[("Authorization", &bearer)], b"");
    assert_eq!(r.status, 200);
    let r = post_form_with(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("u.toml", &seed)],
        &[("Authorization", &bearer)],
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // Pages send the browser to the login form; the form sets the session cookie.
    let r = get(addr, "/evaluate");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2Fevaluate"));
    assert_eq!(get(addr, "/login").status, 200);
    assert_eq!(get(addr, "/assets/style.css").status, 200);
    let login = |t: &str| {
        let body = format!("token={t}&next=%2Fevaluate");
        request(
            addr,
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    };
    let r = login("wrong");
    assert_eq!(r.status, 401);
    assert!(r.text().contains("访问令牌不正确"));
    assert!(r.header("set-cookie").is_none());
    let r = login(token);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/evaluate"));
    let cookie = r.header("set-cookie").unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains(token), "the cookie is not the token itself");
    let pair = cookie.split(';').next().unwrap();
    let r = request(addr, "GET", "/evaluate", &[("Cookie", pair)], b"");
    assert_eq!(r.status, 200);
    let r = request(addr, "GET", "/api/rules", &[("Cookie", "jixiao_session=forged")], b"");
    assert_eq!(r.status, 401);
}

#[test]
fn binding_beyond_loopback_needs_a_token_and_foreign_hosts_are_refused() {
    let dir = workdir();
    let err = serve::start(config(dir.path()), "0.0.0.0:0".parse().unwrap())
        .err()
        .expect("refused without a token");
    assert!(err.contains("必须设置访问令牌"), "{err}");

    let server = start(config(dir.path()));
    let addr = server.addr();
    // DNS rebinding: a page on another site that resolves to 127.0.0.1.
    let mut stream = connect(addr);
    stream
        .write_all(b"GET /api/rules HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let r = parse_response(&raw);
    assert_eq!(r.status, 403);
    assert!(r.error().contains("只接受本机地址"), "{}", r.error());
    let r = request(addr, "GET", "/api/rules", &[], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn oversized_uploads_are_refused() {
    let dir = workdir();
    let mut c = config(dir.path());
    c.max_upload_bytes = 1024 * 1024;
    let server = start(c);
    let addr = server.addr();

    // Declared too large: refused before the body is sent (Expect: 100-continue).
    let mut stream = connect(addr);
    let head = format!(
        "POST /api/evaluate?rules=yueyang-2021&filename=units.csv HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        64 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let r = parse_response(&raw);
    assert_eq!(r.status, 413);
    assert!(r.error().contains("上传的数据太大"), "{}", r.error());
    assert!(r.error().contains("1 MiB"), "{}", r.error());

    // Not declared (chunked): refused once the limit is crossed while reading.
    let big = many_units(1500, "大批量单位");
    assert!(big.len() > 2 * 1024 * 1024);
    let (content_type, body) = form(&[("rules", "yueyang-2021")], &[("units.csv", &big)]);
    let mut stream = connect(addr);
    let head = format!(
        "POST /api/evaluate HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        for chunk in body.chunks(64 * 1024) {
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(chunk);
            framed.extend_from_slice(b"\r\n");
            if writer.write_all(&framed).is_err() {
                return; // the server stopped reading: expected
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n");
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(_) if !raw.is_empty() => break,
            Err(e) => panic!("no answer: {e}"),
        }
    }
    let _ = sender.join();
    let r = parse_response(&raw);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.error().contains("上传的数据太大"), "{}", r.error());

    // Too many files, too many units.
    let seed = read_bytes(SEED);
    let files: Vec<(&str, &[u8])> = (0..101).map(|_| ("u.toml", &seed[..])).collect();
    let mut c = config(dir.path());
    c.max_units = 100;
    let small = start(c);
    let r = post_form(small.addr(), "/api/evaluate", &[("rules", "yueyang-2021")], &files);
    assert_eq!(r.status, 413);
    assert!(r.error().contains("一次最多上传 100 个文件"), "{}", r.error());
    let r = post_form(
        small.addr(),
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("units.csv", &many_units(150, "单位"))],
    );
    assert_eq!(r.status, 413);
    assert!(r.error().contains("最多 100 个单位"), "{}", r.error());
    still_serving(addr);
    still_serving(small.addr());
}

// A zip archive written by hand, so that the test controls declared sizes and content.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Raw deflate data for `1 + 258 × matches` zero bytes: one literal, then matches of
/// length 258 at distance 1, with the fixed Huffman codes (13 bits per 258 bytes).
fn deflate_zeros(matches: usize) -> (Vec<u8>, u64) {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, count: u32) {
            self.acc |= value << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes are packed most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let mut reversed = 0;
            for i in 0..len {
                reversed |= ((code >> i) & 1) << (len - 1 - i);
            }
            self.put(reversed, len);
        }
    }
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // last block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30, 8); // literal 0
    for _ in 0..matches {
        b.code(0xC5, 8); // length symbol 285: 258 bytes
        b.code(0, 5); // distance symbol 0: distance 1
    }
    b.code(0, 7); // end of block
    if b.n > 0 {
        b.out.push(b.acc as u8);
    }
    (b.out, 1 + 258 * matches as u64)
}

/// (name, method 0 stored / 8 deflated, data, crc, declared uncompressed size).
fn zip(entries: &[(&str, u16, Vec<u8>, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let u16le = |v: u16| v.to_le_bytes();
    let u32le = |v: u32| v.to_le_bytes();
    for (name, method, data, crc, size) in entries {
        let offset = out.len() as u32;
        out.extend_from_slice(&u32le(0x0403_4b50));
        out.extend_from_slice(&u16le(20));
        out.extend_from_slice(&u16le(0));
        out.extend_from_slice(&u16le(*method));
        out.extend_from_slice(&u16le(0));
        out.extend_from_slice(&u16le(0x21));
        out.extend_from_slice(&u32le(*crc));
        out.extend_from_slice(&u32le(data.len() as u32));
        out.extend_from_slice(&u32le(*size));
        out.extend_from_slice(&u16le(name.len() as u16));
        out.extend_from_slice(&u16le(0));
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&u32le(0x0201_4b50));
        central.extend_from_slice(&u16le(20));
        central.extend_from_slice(&u16le(20));
        central.extend_from_slice(&u16le(0));
        central.extend_from_slice(&u16le(*method));
        central.extend_from_slice(&u16le(0));
        central.extend_from_slice(&u16le(0x21));
        central.extend_from_slice(&u32le(*crc));
        central.extend_from_slice(&u32le(data.len() as u32));
        central.extend_from_slice(&u32le(*size));
        central.extend_from_slice(&u16le(name.len() as u16));
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&u32le(offset));
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&u32le(0x0605_4b50));
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&u16le(entries.len() as u16));
    out.extend_from_slice(&u16le(entries.len() as u16));
    out.extend_from_slice(&u32le(central.len() as u32));
    out.extend_from_slice(&u32le(cd_offset));
    out.extend_from_slice(&u16le(0));
    out
}

fn bomb(declared: Option<u32>) -> Vec<u8> {
    let (deflated, size) = deflate_zeros(260_000); // 64 MiB of zeros in 413 KiB
    let stored = |name: &'static str, text: &str| {
        let data = text.as_bytes().to_vec();
        (name, 0u16, data.clone(), crc32(&data), data.len() as u32)
    };
    zip(&[
        stored(
            "[Content_Types].xml",
            "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        ),
        stored(
            "xl/workbook.xml",
            "<?xml version=\"1.0\"?><workbook><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        ),
        (
            "xl/worksheets/sheet1.xml",
            8,
            deflated,
            0,
            declared.unwrap_or(size as u32),
        ),
    ])
}

#[test]
fn malformed_workbooks_and_zip_bombs_are_refused() {
    let dir = workdir();
    let mut c = config(dir.path());
    c.max_unzipped_bytes = 16 * 1024 * 1024;
    let server = start(c);
    let addr = server.addr();
    let eval =
        |name: &str, bytes: &[u8]| post_form(addr, "/api/evaluate", &[("rules", "yueyang-2021")], &[(name, bytes)]);

    // The hand-made deflate stream really inflates to what it claims.
    let (small, size) = deflate_zeros(3);
    let archive = zip(&[("a", 8, small, crc32(&vec![0u8; size as usize]), size as u32)]);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
    let mut inflated = Vec::new();
    z.by_index(0).unwrap().read_to_end(&mut inflated).unwrap();
    assert_eq!(inflated, vec![0u8; 775]);

    // Declared honestly: refused on the declared sizes.
    let honest = bomb(None);
    assert!(honest.len() < 512 * 1024);
    let r = eval("units.xlsx", &honest);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.error().contains("疑似压缩炸弹"), "{}", r.error());
    // Declaring a small size: refused (or unreadable) while inflating, never expanded.
    let liar = bomb(Some(1000));
    let r = eval("units.xlsx", &liar);
    assert!(matches!(r.status, 413 | 422), "{}: {}", r.status, r.text());

    // Not a workbook at all; a workbook cut in half; a CSV named .xlsx.
    let garbage: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let xlsx = read_bytes(UNITS_XLSX);
    let csv = read_bytes(UNITS_CSV);
    for (name, bytes) in [
        ("garbage.xlsx", &garbage[..]),
        ("half.xlsx", &xlsx[..xlsx.len() / 2]),
        ("csv.xlsx", &csv[..]),
        ("garbage.xls", &garbage[..]),
        ("garbage.ods", &garbage[..]),
        ("empty.xlsx", &b""[..]),
    ] {
        let r = eval(name, bytes);
        assert_eq!(r.status, 422, "{name}: {}", r.text());
        let details = r.json()["details"].to_string();
        assert!(details.contains("无法读取工作簿"), "{name}: {details}");
    }

    // Other malformed uploads: unknown format, binary in a TOML, broken multipart.
    let r = eval("report.pdf", b"%PDF-1.4");
    assert_eq!(r.status, 415);
    assert!(r.error().contains("无法识别文件"), "{}", r.error());
    let r = eval("unit.toml", &garbage);
    assert_eq!(r.status, 200, "a unit that cannot be read is a row in error");
    assert_eq!(units_of(&r.json())[0]["status"], "错误");
    let r = eval("units.csv", b"");
    assert_eq!(r.status, 422);
    assert!(r.json()["details"].to_string().contains("空文件"), "{}", r.text());
    let r = request(
        addr,
        "POST",
        "/api/evaluate",
        &[("Content-Type", "multipart/form-data; boundary=x")],
        b"--x\r\nContent-Disposition: form-data; name=\"rules\"\r\n\r\nyueyang",
    );
    assert_eq!(r.status, 400, "{}", r.text());
    still_serving(addr);
}

#[test]
fn bad_parameters_get_clear_answers() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let seed = read_bytes(SEED);
    let cases: Vec<(Resp, u16, &str)> = vec![
        (
            post_form(addr, "/api/evaluate", &[], &[("u.toml", &seed)]),
            400,
            "rules",
        ),
        (
            post_form(addr, "/api/evaluate", &[("rules", "yueyang-2021")], &[]),
            400,
            "没有上传数据文件",
        ),
        (
            post_form(
                addr,
                "/api/evaluate",
                &[("rules", "yueyang-2021"), ("format", "pdf")],
                &[("u.toml", &seed)],
            ),
            400,
            "不支持的输出格式",
        ),
        (
            post_form(
                addr,
                "/api/evaluate",
                &[("rules", "yueyang-2021"), ("explain", "maybe")],
                &[("u.toml", &seed)],
            ),
            400,
            "无法识别",
        ),
        (
            post_form(addr, "/api/evaluate", &[("rules", "nope")], &[("u.toml", &seed)]),
            404,
            "没有编号为「nope」的规则",
        ),
        (
            post_form(addr, "/api/diff", &[("old", "yueyang-2021")], &[]),
            400,
            "new",
        ),
        (
            request(
                addr,
                "POST",
                "/api/evaluate?rules=yueyang-2021",
                &[("Content-Type", "application/octet-stream")],
                &seed,
            ),
            415,
            "无法判断上传数据的格式",
        ),
        (
            post_form(
                addr,
                "/api/evaluate",
                &[("rules", "yueyang-2021")],
                &[("units.csv", "单位名称,编制人数\n甲,1\n".as_bytes())],
            ),
            422,
            "没有评价任何单位",
        ),
        (get(addr, "/api/evaluate"), 405, "不支持该请求方法"),
        (get(addr, "/api/nothing"), 404, "没有这个接口"),
    ];
    for (r, status, words) in cases {
        assert_eq!(r.status, status, "{}", r.text());
        assert!(r.error().contains(words), "{words}: {}", r.error());
        assert!(r.header("content-type").unwrap().starts_with("application/json"));
    }
    let r = get(addr, "/no/such/page");
    assert_eq!(r.status, 404);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let r = get(addr, "/rules");
    for h in ["content-security-policy", "x-content-type-options", "x-frame-options"] {
        assert!(r.header(h).is_some(), "{h}");
    }
    still_serving(addr);
}

// ── concurrency ─────────────────────────────────────────────────────────────────

/// Just what is needed to check an answer (parsed without building a whole `Value`).
#[derive(serde::Deserialize)]
struct Batch {
    units: Vec<BatchUnit>,
}

#[derive(serde::Deserialize)]
struct BatchUnit {
    number: usize,
    unit: String,
    evaluation: Option<BatchEvaluation>,
}

#[derive(serde::Deserialize)]
struct BatchEvaluation {
    total_display: String,
}

/// Checks one answer: every unit is this request's, in order.
fn check_batch(r: &Resp, prefix: &str, n: usize) {
    assert_eq!(r.status, 200, "{}", r.text());
    let body: Batch = serde_json::from_slice(&r.body).expect("an evaluation answer");
    assert_eq!(body.units.len(), n, "{prefix}");
    for (i, u) in body.units.iter().enumerate() {
        assert_eq!(u.unit, format!("{prefix}{i:04}"), "{prefix}: unit {i}");
        assert_eq!(u.number, i + 1);
    }
    let seed = body.units[0].evaluation.as_ref().expect("the seed unit evaluates");
    assert_eq!(seed.total_display, "94.30");
}

#[test]
fn concurrent_clients_get_their_own_results() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            std::thread::spawn(move || {
                for r in 0..3 {
                    let prefix = format!("客户{c}-请求{r}-单位");
                    let csv = many_units(120, &prefix);
                    let resp = post_form(
                        addr,
                        "/api/evaluate",
                        &[("rules", "yueyang-2021")],
                        &[("units.csv", &csv)],
                    );
                    check_batch(&resp, &prefix, 120);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().expect("client");
    }
}

/// The server process's resident memory, current and peak, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time the server process has used, in seconds (clock ticks of 1/100 s).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest.split_whitespace().map(|f| f.parse().unwrap_or(0.0)).collect();
    (fields.get(11).copied().unwrap_or(0.0) + fields.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// 20 clients × 50 requests, each a 1,000-unit CSV with its own unit names, against the
/// `jixiao serve` binary on loopback. Prints wall time, requests per second and the
/// server's memory.
#[test]
#[ignore = "load test: cargo test --release --test it serve::load -- --ignored --nocapture"]
fn load_20_clients_x_50_requests_of_1000_units() {
    const CLIENTS: usize = 20;
    const REQUESTS: usize = 50;
    const UNITS: usize = 1000;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--addr", "127.0.0.1:0", "--rules"])
        .arg(crate::root().join("rules"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start jixiao serve");
    let pid = child.id();
    let mut line = String::new();
    {
        use std::io::BufRead;
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
    }
    let url = line
        .split("http://")
        .nth(1)
        .expect("address printed")
        .trim()
        .trim_end_matches('/');
    let addr: SocketAddr = url.parse().unwrap();

    // Warm up (rules compiled, pools started), then take the baseline.
    let warm = many_units(UNITS, "预热-单位");
    check_batch(
        &post_form(
            addr,
            "/api/evaluate",
            &[("rules", "yueyang-2021")],
            &[("units.csv", &warm)],
        ),
        "预热-单位",
        UNITS,
    );
    std::thread::sleep(Duration::from_millis(500));
    let (baseline, _) = memory_kib(pid);
    let cpu_before = cpu_seconds(pid);

    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let monitor = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let (rss, _) = memory_kib(pid);
                peak.fetch_max(rss, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    // Each request's CSV: the same rows, unit names with the request's own prefix.
    const MARK: &str = "\u{1}";
    let template = std::sync::Arc::new(String::from_utf8(many_units(UNITS, MARK)).unwrap());
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let template = std::sync::Arc::clone(&template);
            std::thread::spawn(move || {
                let mut latencies = Vec::with_capacity(REQUESTS);
                let mut bytes = 0usize;
                for r in 0..REQUESTS {
                    let prefix = format!("C{c:02}R{r:02}-");
                    let csv = template.replace(MARK, &prefix).into_bytes();
                    let t = Instant::now();
                    let resp = post_form(
                        addr,
                        "/api/evaluate",
                        &[("rules", "yueyang-2021")],
                        &[("units.csv", &csv)],
                    );
                    latencies.push(t.elapsed());
                    bytes += resp.body.len();
                    check_batch(&resp, &prefix, UNITS);
                }
                (latencies, bytes)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut bytes = 0;
    for c in clients {
        let (l, b) = c.join().expect("a client failed");
        latencies.extend(l);
        bytes += b;
    }
    let wall = started.elapsed();
    let cpu = cpu_seconds(pid) - cpu_before;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    monitor.join().unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let (after, hwm) = memory_kib(pid);
    latencies.sort();
    let n = latencies.len();
    let pct = |p: usize| latencies[(n * p / 100).min(n - 1)];
    println!(
        "load: {CLIENTS} clients × {REQUESTS} requests × {UNITS} units = {n} requests, {} units, 0 errors, 0 mixed",
        n * UNITS
    );
    println!(
        "load: wall {:.1} s, {:.1} req/s, {:.0} units/s, {:.1} MB of JSON received",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        (n * UNITS) as f64 / wall.as_secs_f64(),
        bytes as f64 / 1e6
    );
    println!(
        "load: server CPU {:.1} s in all, {:.0} ms per request of {UNITS} units",
        cpu,
        cpu * 1000.0 / n as f64
    );
    println!(
        "load: latency p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        pct(50).as_secs_f64() * 1e3,
        pct(95).as_secs_f64() * 1e3,
        latencies[n - 1].as_secs_f64() * 1e3
    );
    println!(
        "load: server RSS baseline {:.1} MiB, peak {:.1} MiB (VmHWM {:.1} MiB), after {:.1} MiB",
        baseline as f64 / 1024.0,
        peak.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0,
        hwm as f64 / 1024.0,
        after as f64 / 1024.0
    );
    // Still serving after the load.
    check_batch(
        &post_form(
            addr,
            "/api/evaluate",
            &[("rules", "yueyang-2021")],
            &[("units.csv", &warm)],
        ),
        "预热-单位",
        UNITS,
    );
    let _ = child.kill();
    let _ = child.wait();
}

// ── hostile files and clients ──────────────────────────────────────────────────

#[test]
fn hostile_workbooks_are_refused_and_the_server_keeps_serving() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let eval =
        |name: &str, bytes: &[u8]| post_form(addr, "/api/evaluate", &[("rules", "yueyang-2021")], &[(name, bytes)]);

    // A cell at the grid's far corner: past the unit limit (20,000 rows), said at once.
    let r = eval("far.xlsx", &crate::workbooks::with_cell("XFD1048576"));
    assert!(matches!(r.status, 413 | 422), "{}: {}", r.status, r.text());
    assert!(r.text().contains("1048576"), "{}", r.text());
    // A reference past the grid: the file, the sheet and the cell.
    let r = eval("beyond.xlsx", &crate::workbooks::with_cell("A99999999"));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("A99999999") && r.text().contains("「单位」"),
        "{}",
        r.text()
    );
    // An absurd shared-string count.
    let strings = crate::workbooks::rewrite(&read_bytes(UNITS_XLSX), |name, text| {
        if name == "xl/sharedStrings.xml" {
            text.replace(r#"uniqueCount="145""#, r#"uniqueCount="4000000000""#)
        } else {
            text
        }
    });
    let r = eval("strings.xlsx", &strings);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.error().contains("共享字符串"), "{}", r.error());
    still_serving(addr);
}

#[test]
fn cross_site_requests_are_refused() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let seed = read_bytes(SEED);
    let own = format!("http://{addr}");
    let post = |headers: &[(&str, &str)]| {
        post_form_with(
            addr,
            "/api/evaluate",
            &[("rules", "yueyang-2021")],
            &[("u.toml", &seed)],
            headers,
        )
    };
    // A page on another origin (another local port included), or an opaque one.
    for headers in [
        &[("Origin", "http://evil.example")][..],
        &[("Origin", "http://127.0.0.1:1")][..],
        &[("Origin", "null")][..],
        &[("Sec-Fetch-Site", "cross-site")][..],
        &[("Sec-Fetch-Site", "same-site"), ("Origin", "http://localhost:9")][..],
    ] {
        let r = post(headers);
        assert_eq!(r.status, 403, "{headers:?}: {}", r.text());
        assert!(r.error().contains("跨站"), "{}", r.error());
    }
    let r = request(
        addr,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", "http://evil.example"),
        ],
        b"token=x",
    );
    assert_eq!(r.status, 403);
    // The workbench's own pages, and clients that send neither header (curl, scripts).
    for headers in [
        &[("Origin", own.as_str()), ("Sec-Fetch-Site", "same-origin")][..],
        &[("Origin", own.as_str())][..],
        &[("Sec-Fetch-Site", "none")][..],
        // What Chromium sends with the login form under `Referrer-Policy: no-referrer`.
        &[("Origin", "null"), ("Sec-Fetch-Site", "same-origin")][..],
        &[][..],
    ] {
        let r = post(headers);
        assert_eq!(r.status, 200, "{headers:?}: {}", r.text());
    }
    // Reading is not state-changing: a GET from elsewhere is answered (CORS keeps the
    // answer from the other page).
    let r = request(addr, "GET", "/api/rules", &[("Origin", "http://evil.example")], b"");
    assert_eq!(r.status, 200);
}

/// Opens a connection that sends a request's head and `sent` bytes of a body that
/// declares `declared` bytes, and then nothing more.
fn slow_upload(addr: SocketAddr, declared: usize, sent: usize) -> TcpStream {
    let mut stream = connect(addr);
    let head = format!(
        "POST /api/evaluate?rules=yueyang-2021&filename=u.csv HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/csv\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&vec![b'x'; sent]).unwrap();
    stream
}

#[test]
fn slow_uploads_do_not_hold_up_the_others() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    // Eight connections (the whole upload queue of a two-slot server before) trickle.
    let slow: Vec<TcpStream> = (0..8).map(|_| slow_upload(addr, 100 * 1024, 3)).collect();
    std::thread::sleep(Duration::from_millis(300));
    // Another client is answered at once, not after the slow ones time out (120 s).
    let seed = read_bytes(SEED);
    let (content_type, body) = form(&[("rules", "yueyang-2021")], &[("u.toml", &seed)]);
    let mut stream = connect(addr);
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /api/evaluate HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .expect("answered while slow uploads are pending");
    let r = parse_response(&raw);
    assert_eq!(r.status, 200, "{}", r.text());
    drop(slow);
}

#[test]
fn an_upload_that_stops_arriving_is_cut_off() {
    let dir = workdir();
    let mut c = config(dir.path());
    c.body_timeout = Duration::from_secs(1);
    let server = start(c);
    let addr = server.addr();
    let mut stream = slow_upload(addr, 100 * 1024, 3);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let r = parse_response(&raw);
    assert_eq!(r.status, 408, "{}", r.text());
    assert!(r.error().contains("上传"), "{}", r.error());
    still_serving(addr);
}

#[test]
fn tokens_are_long_and_wrong_ones_are_rate_limited() {
    let dir = workdir();
    for short in ["x", "fifteen-chars-x"] {
        let mut c = config(dir.path());
        c.token = Some(short.into());
        let err = serve::start(c, "127.0.0.1:0".parse().unwrap()).err().expect("refused");
        assert!(err.contains("16"), "{err}");
    }
    let token = "a-long-enough-token-1234";
    let mut c = config(dir.path());
    c.token = Some(token.into());
    let server = start(c);
    let addr = server.addr();
    let login = |t: &str| {
        request(
            addr,
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            format!("token={t}").as_bytes(),
        )
    };
    let r = login(token);
    assert_eq!(r.status, 303);
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    // Guessing: after a few wrong tokens, every try is refused for a while.
    let statuses: Vec<u16> = (0..50)
        .map(|i| {
            if i % 2 == 0 {
                login(&format!("guess-{i}")).status
            } else {
                let bearer = format!("Bearer guess-{i}");
                request(addr, "GET", "/api/rules", &[("Authorization", &bearer)], b"").status
            }
        })
        .collect();
    assert!(statuses[..5].iter().all(|&s| s == 401), "{statuses:?}");
    assert!(statuses[20..].iter().all(|&s| s == 429), "{statuses:?}");
    let r = login(token);
    assert_eq!(r.status, 429, "the right token too, while locked");
    assert!(r.text().contains("次数过多"), "{}", r.text());
    // A session already open goes on working.
    let r = request(addr, "GET", "/api/rules", &[("Cookie", &cookie)], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn a_sheet_that_understates_its_size_is_still_held_to_the_unit_limit() {
    let dir = workdir();
    let mut c = config(dir.path());
    c.max_units = 5;
    let server = start(c);
    let addr = server.addr();
    // Seven units under a `<dimension>` that claims one row: counted, not believed.
    let lying = crate::workbooks::rewrite(&read_bytes(UNITS_XLSX), |name, text| {
        if name == "xl/worksheets/sheet1.xml" {
            text.replace(r#"<dimension ref="A1:CN8"/>"#, r#"<dimension ref="A1:CN2"/>"#)
        } else {
            text
        }
    });
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("units.xlsx", &lying)],
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(
        r.error().contains("约有 6 行") || r.error().contains("约有 7 行"),
        "{}",
        r.error()
    );
}
