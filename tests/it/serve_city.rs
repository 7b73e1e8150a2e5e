//! `jixiao serve` for a city's worth of units (issue 20): the 评价 page's compact list
//! (`view=list`) agrees with the full answer row for row; one unit's report on demand
//! (`/api/evaluate/unit`) is that unit's element of the full answer; duplicate uploads are
//! named; test files are never offered as rule sets; the HTML download with 复核 differs
//! from the one without; 评分 changes are shown in words; every error a client or a
//! browser can meet is Chinese (extractor rejections, 404 pages, the `--addr` error).

use std::process::Command;

use serde_json::Value;

use crate::serve::{
    config, get, many_units, post_form, read_bytes, request, start, still_serving, workdir, Resp, SEED, UNITS_CSV,
};

/// English words that give away a message nobody translated.
const ENGLISH: &[&str] = &[
    "invalid",
    "failed",
    "error:",
    "not found",
    "request",
    "boundary",
    "deserialize",
    "expected",
    "missing",
];

/// A message a clerk can read: Chinese, and none of the words of an untranslated one.
fn assert_chinese(what: &str, text: &str) {
    assert!(
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what}: no Chinese in {text:?}"
    );
    let lower = text.to_lowercase();
    for word in ENGLISH {
        assert!(!lower.contains(word), "{what}: «{word}» in {text:?}");
    }
}

/// An API error: JSON with a Chinese `error`.
fn assert_chinese_problem(what: &str, r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{what}: {}", r.text());
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json"),
        "{what}: {:?}",
        r.header("content-type")
    );
    assert_chinese(what, &r.error());
}

/// A page's visible text (tags dropped; enough for these checks).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The example CSV (header first) changed by `edit`, written back as CSV.
fn examples_with(edit: impl FnOnce(&mut Vec<Vec<String>>)) -> String {
    let bytes = read_bytes(UNITS_CSV);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[..]);
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("example CSV").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows[0][3], "编制人数");
    edit(&mut rows);
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        w.write_record(row).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn test_files_are_never_offered_as_rule_sets() {
    let dir = workdir();
    std::fs::copy(
        crate::root().join("rules/yueyang-2021.test.jx"),
        dir.path().join("yueyang-2021.test.jx"),
    )
    .unwrap();
    let server = start(config(dir.path()));
    let addr = server.addr();
    assert_eq!(ids(&get(addr, "/api/rules").json()), ["yueyang-2021", "yueyang-2022"]);
    for page in ["/rules", "/template"] {
        let html = get(addr, page).text();
        assert!(!html.contains("yueyang-2021.test"), "{page} offers the test file");
    }
    // Asked for by name: not a rule set, and said why.
    let r = get(addr, "/api/rules/yueyang-2021.test");
    assert_chinese_problem("test file", &r, 404);
    assert!(r.error().contains("测试文件"), "{}", r.error());
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021.test")],
        &[("units.csv", &read_bytes(UNITS_CSV))],
    );
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(get(addr, "/rules/yueyang-2021.test").text().contains("测试文件"));
}

#[test]
fn every_error_a_client_meets_is_chinese() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let csv = read_bytes(UNITS_CSV);
    // Forms axum cannot read: no boundary, a boundary the body does not use, a cut body.
    for (what, content_type, body) in [
        ("no boundary", "multipart/form-data", csv.clone()),
        ("empty boundary", "multipart/form-data; boundary=", csv.clone()),
        (
            "foreign boundary",
            "multipart/form-data; boundary=xyz",
            b"--abc\r\nContent-Disposition: form-data; name=\"rules\"\r\n\r\nyueyang-2021\r\n--abc--\r\n".to_vec(),
        ),
        (
            "cut short",
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"u.csv\"\r\n\r\n".to_vec(),
        ),
    ] {
        let r = request(
            addr,
            "POST",
            "/api/evaluate?rules=yueyang-2021",
            &[("Content-Type", content_type)],
            &body,
        );
        assert_chinese_problem(what, &r, 400);
    }
    // What the routes' extractors refuse: a path that is not UTF-8, a query they cannot read.
    assert_chinese_problem("path", &get(addr, "/api/rules/%FF"), 404);
    assert_chinese_problem(
        "query",
        &get(addr, "/api/rules/yueyang-2021/template?rows=1&rows=2"),
        400,
    );
    assert_chinese_problem("no such API", &get(addr, "/api/nothing"), 404);
    assert_chinese_problem("method", &get(addr, "/api/evaluate"), 405);
    // Pages: a Chinese page, titled in Chinese (no "404 Not Found").
    for (path, status) in [("/no/such/page", 404), ("/rules/%FF", 404), ("/logout", 405)] {
        let r = get(addr, path);
        assert_eq!(r.status, status, "{path}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"), "{path}");
        let text = visible(&r.text());
        assert_chinese(path, &text);
        assert!(
            !text.contains("Not Found") && !text.contains("Method Not Allowed"),
            "{path}: {text}"
        );
    }
    still_serving(addr);
}

/// The command line's usage errors for `serve`'s options say in Chinese what to write.
#[test]
fn serve_option_errors_are_chinese() {
    for (args, words) in [
        (&["serve", "--addr", "foo"][..], "127.0.0.1:8080"),
        (&["serve", "--addr", "127.0.0.1"][..], "端口"),
        (&["serve", "--addr", "127.0.0.1:99999"][..], "端口"),
        (&["serve", "--timeout", "0"][..], "1 到 86400"),
        (&["serve", "--jobs", "x"][..], "整数"),
        (&["serve", "--rules", "/no/such/dir"][..], "不存在"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(args)
            .output()
            .expect("run jixiao");
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or_default();
        assert_chinese(&format!("{args:?}"), first);
        assert!(!first.contains("os error"), "{args:?}: {first}");
        assert!(first.contains(words), "{args:?}: {first}");
    }
}

#[test]
fn the_same_file_twice_is_named_in_the_warnings() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let csv = read_bytes(UNITS_CSV);
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("units.csv", &csv), ("units (1).csv", &csv)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["summary"]["units"], 14, "both files are still evaluated, as sent");
    let warnings: Vec<&str> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("「units (1).csv」与「units.csv」内容相同")),
        "{warnings:?}"
    );
    // Different files: no such warning.
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("units.csv", &csv), ("seed.toml", &read_bytes(SEED))],
    );
    let warnings = r.json()["warnings"].to_string();
    assert!(!warnings.contains("内容相同"), "{warnings}");
}

#[test]
fn the_html_download_with_audit_carries_the_audit() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let csv = read_bytes(UNITS_CSV);
    let html = |endpoint: &str| {
        let r = post_form(
            addr,
            endpoint,
            &[("rules", "yueyang-2021"), ("format", "html")],
            &[("units.csv", &csv)],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
    };
    let plain = html("/api/evaluate");
    let audited = html("/api/audit");
    // Each unit's page has its 复核意见 either way (it is part of the filed 评价表); with
    // 复核 the summary has a 复核结论 column in the ranking and a 复核汇总.
    for html in [&plain, &audited] {
        assert!(html.contains("<h2>五、复核意见</h2>"));
    }
    for words in ["<th>复核结论</th>", "<h2>复核汇总</h2>"] {
        assert!(!plain.contains(words), "without 复核: {words}");
        assert!(audited.contains(words), "with 复核: {words}");
    }
    let ranking = &audited[audited.find("<h2>总分排名</h2>").unwrap()..];
    let ranking = &ranking[..ranking.find("</table>").unwrap()];
    assert!(
        ranking.contains("自评 97 分 优秀 → 复核 94.30 分 优秀"),
        "the seed unit's conclusion"
    );
}

#[test]
fn scoring_changes_and_rule_pages_show_criteria_in_words() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let r = post_form(
        addr,
        "/api/diff",
        &[("old", "yueyang-2021"), ("new", "yueyang-2022")],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    crate::contract::assert_valid(&crate::contract::diff_validator(), "/api/diff", &body);
    let change = body["rule_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "评分" && c["subject"].as_str().unwrap().ends_with("预算调整率"))
        .expect("the 评分 change of 预算调整率");
    // As written, for rule authors; in words, for everyone else.
    assert!(change["old"].as_str().unwrap().contains("abs(值)"));
    assert_eq!(
        change["old_words"],
        "分档，按指标值的绝对值：等于 0 得 3 分；高于 0、不高于 10% 得 2 分；高于 10%、不高于 20% 得 1 分；高于 20%、不高于 30% 得 0.5 分；高于 30% 得 0 分"
    );
    assert!(change["new_words"]
        .as_str()
        .unwrap()
        .contains("高于 0、不高于 5% 得 2 分"));
    // The 评分表 page: the same words beside each indicator.
    let page = get(addr, "/rules/yueyang-2021").text();
    assert!(
        page.contains("分档，按指标值的绝对值：等于 0 得 3 分"),
        "rule page in words"
    );
    assert!(
        page.contains("扣分：以 100% 为基准，每超过 1 个百分点扣 0.5 分，扣完为止"),
        "a deduction in words"
    );
}

/// `view=list`: one compact row per unit, agreeing with the full answer.
#[test]
fn the_list_view_agrees_with_the_full_answer() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    // The examples, a unit with a figure missing (不完整 under 部分评价) and one without a name (错误).
    let csv = examples_with(|rows| {
        let mut incomplete = rows[1].clone();
        incomplete[0] = "缺人数的单位".into();
        incomplete[3] = String::new();
        let mut nameless = rows[1].clone();
        nameless[0] = String::new();
        rows.push(incomplete);
        rows.push(nameless);
    });
    let ask = |fields: &[(&str, &str)]| {
        let mut all = vec![("rules", "yueyang-2021"), ("partial", "true")];
        all.extend_from_slice(fields);
        let r = post_form(addr, "/api/audit", &all, &[("units.csv", csv.as_bytes())]);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    };
    let full = ask(&[]);
    let list = ask(&[("view", "list")]);
    assert!(list.get("units").is_none(), "the list has rows, not the full units");
    for key in ["version", "rules", "summary", "warnings", "charts"] {
        assert_eq!(list[key], full[key], "{key}");
    }
    assert_eq!(list["grades"], serde_json::json!(["优秀", "良好", "中", "差"]));
    let rows = list["rows"].as_array().unwrap();
    let units = full["units"].as_array().unwrap();
    assert_eq!(rows.len(), units.len());
    assert_eq!(rows.len(), 9);
    for (row, unit) in rows.iter().zip(units) {
        let ev = &unit["evaluation"];
        for key in ["number", "unit", "source", "status", "error"] {
            assert_eq!(row[key], unit[key], "{key} of {}", unit["unit"]);
        }
        if ev.is_null() {
            assert_eq!(row["status"], "错误");
            assert!(row["total"].is_null() && row["grade"].is_null() && row["rank"].is_null());
            continue;
        }
        assert_eq!(row["total"], ev["total"]);
        assert_eq!(row["total_display"], ev["total_display"]);
        assert_eq!(row["grade"], ev["grade"]);
        assert_eq!(row["self_total"], ev["self_evaluation"]["total"]);
        assert_eq!(row["self_grade"], ev["self_evaluation"]["grade"]);
        let failed = ev["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["ok"] == false)
            .count();
        assert_eq!(row["checks_failed"], failed);
        let a = &ev["audit"];
        assert_eq!(
            row["audit"],
            serde_json::json!([a["errors"], a["warnings"], a["notes"]])
        );
    }
    assert_eq!(rows[7]["status"], "不完整");
    assert!(rows[7]["rank"].is_null());
    // 名次: by the exact total, highest first; equal totals share a rank.
    let mut ranked: Vec<(u64, f64)> = rows
        .iter()
        .filter(|r| !r["rank"].is_null())
        .map(|r| {
            (
                r["rank"].as_u64().unwrap(),
                r["total_display"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    assert_eq!(ranked.len(), 7);
    assert_eq!(ranked[0].0, 1);
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1), "{ranked:?}");

    // Compact: a city's list is a small fraction of the full answer.
    let city = many_units(1000, "单位");
    let size = |fields: &[(&str, &str)]| {
        let mut all = vec![("rules", "yueyang-2021")];
        all.extend_from_slice(fields);
        let r = post_form(addr, "/api/evaluate", &all, &[("city.csv", &city)]);
        assert_eq!(r.status, 200, "{}", r.text());
        r.body.len()
    };
    let (full, list) = (size(&[("explain", "true")]), size(&[("view", "list")]));
    assert!(list * 20 < full, "list {list} bytes, full {full} bytes");
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021"), ("view", "table")],
        &[("units.csv", csv.as_bytes())],
    );
    assert_chinese_problem("view", &r, 400);
}

/// `/api/evaluate/unit`: the unit numbered N, evaluated on its own, is element N of the full
/// answer (with explanations, as asked).
#[test]
fn one_unit_on_demand_is_its_element_of_the_full_answer() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    // The examples, the first again, and a row whose headcount is written in words (错误).
    let csv = examples_with(|rows| {
        rows.push(rows[1].clone());
        let mut bad = rows[1].clone();
        bad[3] = "一百".into();
        rows.push(bad);
    });
    let seed = read_bytes(SEED);
    let files: [(&str, &[u8]); 2] = [("units.csv", csv.as_bytes()), ("seed.toml", &seed)];
    let full = post_form(
        addr,
        "/api/audit",
        &[("rules", "yueyang-2021"), ("explain", "true")],
        &files,
    );
    assert_eq!(full.status, 200, "{}", full.text());
    let full = full.json();
    let units = full["units"].as_array().unwrap();
    assert_eq!(units.len(), 10);
    assert_eq!(units[8]["status"], "错误", "the row with a headcount in words");
    for number in 1..=units.len() {
        let n = number.to_string();
        let r = post_form(
            addr,
            "/api/evaluate/unit",
            &[("rules", "yueyang-2021"), ("explain", "true"), ("number", &n)],
            &files,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let one = r.json();
        assert_eq!(one["version"], 1);
        assert_eq!(one["rules"], full["rules"]);
        assert_eq!(one["unit"], units[number - 1], "unit {number}");
    }
    for (number, status, words) in [
        ("11", 404, "没有序号为 11 的单位"),
        ("0", 400, "序号"),
        ("x", 400, "序号"),
    ] {
        let r = post_form(
            addr,
            "/api/evaluate/unit",
            &[("rules", "yueyang-2021"), ("number", number)],
            &files,
        );
        assert_chinese_problem(number, &r, status);
        assert!(r.error().contains(words), "{number}: {}", r.error());
    }
    let r = post_form(addr, "/api/evaluate/unit", &[("rules", "yueyang-2021")], &files);
    assert_chinese_problem("no number", &r, 400);
}

/// Help and messages give an example of the input's own type: a whole number for a
/// headcount, never an amount like `3696.83`.
#[test]
fn examples_fit_the_inputs_type() {
    let dir = workdir();
    let server = start(config(dir.path()));
    let addr = server.addr();
    let skeleton = get(addr, "/api/rules/yueyang-2021/template?format=toml").text();
    for name in ["编制人数", "实有人数"] {
        let line = skeleton
            .lines()
            .find(|l| l.starts_with(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("{name} in the skeleton"));
        assert!(line.contains("整数（人）") && !line.contains("3696.83"), "{line}");
    }
    let csv = examples_with(|rows| {
        rows[1][3] = "17.5".into();
        rows[2][3] = "一百".into();
    });
    let r = post_form(
        addr,
        "/api/evaluate",
        &[("rules", "yueyang-2021")],
        &[("units.csv", csv.as_bytes())],
    );
    let body = r.json();
    for unit in &body["units"].as_array().unwrap()[..2] {
        let error = unit["error"].as_str().unwrap();
        assert!(error.contains("应为整数") || error.contains("应为一个整数"), "{error}");
        // A CSV cell's message is in spreadsheet terms: no backticks.
        assert!(error.contains("例如 174") && !error.contains("3696.83"), "{error}");
        assert!(!error.contains('`'), "{error}");
    }
}
