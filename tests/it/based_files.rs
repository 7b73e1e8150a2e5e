//! Diagnostics of a file written as changes to another (`基于`) point to the file and line
//! the author wrote: the child file for text written there, the base file for text it
//! inherits unchanged (issue 19, item 4). `jixiao show` keeps the merged view.
//!
//! The fixtures in tests/fixtures/inherit: `base.jx` (27 lines) and files based on it.

use crate::jixiao;

const BASE: &str = "tests/fixtures/inherit/base.jx";

fn fixture(name: &str) -> String {
    format!("tests/fixtures/inherit/{name}")
}

#[test]
fn check_points_into_the_child_for_text_written_there() {
    let (code, _, err) = jixiao(&["check", &fixture("child_unknown.jx")]);
    assert_eq!(code, 1, "{err}");
    // `公式 实有人 + 1` is line 6 of the child file (the merged text has it on line 16); miette counts columns in bytes.
    assert!(err.contains("[tests/fixtures/inherit/child_unknown.jx:6:10]"), "{err}");
    assert!(!err.contains("合并"), "no place in the merged text: {err}");
}

#[test]
fn check_points_into_the_base_for_inherited_text_with_a_note_for_the_child() {
    let (code, _, err) = jixiao(&["check", &fixture("child_weights.jx")]);
    assert_eq!(code, 1, "{err}");
    // The band `<= 100 得 4` is inherited unchanged: base.jx line 20.
    assert!(err.contains("得分 4 超出了 0 到分值 3 的范围"), "{err}");
    assert!(err.contains(&format!("[{BASE}:20:")), "{err}");
    // The weights: 预算配置 and 人员控制率 are in the base (lines 11 and 12), the new
    // weight of 人员规模 in the child's `调整` (line 4), shown as a note with its excerpt.
    assert!(err.contains(&format!("[{BASE}:11:")), "{err}");
    assert!(err.contains("[tests/fixtures/inherit/child_weights.jx:4:"), "{err}");
    assert!(err.contains("另见 child_weights.jx 第 4 行"), "{err}");
    assert!(!err.contains("合并"), "no place in the merged text: {err}");
}

#[test]
fn check_json_names_the_file_and_line_of_each_diagnostic() {
    let (code, out, err) = jixiao(&["check", &fixture("child_weights.jx"), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let records = v[0]["diagnostics"].as_array().unwrap_or_else(|| panic!("{out}"));
    let weights = records
        .iter()
        .find(|r| r["code"] == "jixiao::check::weights_sum")
        .unwrap();
    assert_eq!(weights["file"], BASE);
    assert_eq!(weights["line"], 11);
    let child_label = weights["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["file"] == fixture("child_weights.jx"))
        .unwrap_or_else(|| panic!("{weights:#}"));
    assert_eq!(child_label["line"], 4);
    let text = crate::read(&crate::root().join(fixture("child_weights.jx")));
    let (start, end) = (
        child_label["start"].as_u64().unwrap() as usize,
        child_label["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], "3");
}

#[test]
fn eval_names_the_file_that_declares_a_field() {
    let (code, _, err) = jixiao(&["eval", &fixture("child.jx"), &fixture("bad_data.toml")]);
    assert_eq!(code, 1, "{err}");
    // 编制人数 is declared in the base (line 7), 借调人数 in the child (line 5).
    assert!(err.contains(&format!("[基础规则文件 {BASE} 第 7 行声明]")), "{err}");
    assert!(err.contains("[规则文件第 5 行声明]"), "{err}");
}

#[test]
fn audit_cites_the_line_where_the_indicator_was_written() {
    let (code, out, err) = jixiao(&["audit", &fixture("child.jx"), &fixture("stated.toml")]);
    assert_eq!(code, 0, "{err}");
    // 人员控制率 is inherited (base.jx line 12); 人员规模 is replaced in the child (line 7).
    assert!(
        out.contains(&format!(
            "出处：基础规则文件 {BASE} 第 12 行；数据字段 自评.得分.人员控制率"
        )),
        "{out}"
    );
    assert!(
        out.contains("出处：规则文件第 7 行；数据字段 自评.得分.人员规模"),
        "{out}"
    );
    let (_, json, _) = jixiao(&[
        "eval",
        &fixture("child.jx"),
        &fixture("stated.toml"),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = v["audit"]["findings"].as_array().unwrap_or_else(|| panic!("{json}"));
    let about = |subject: &str| findings.iter().find(|f| f["subject"] == subject).unwrap();
    assert_eq!(about("人员控制率")["rule_line"], 12);
    assert_eq!(about("人员控制率")["rule_file"], BASE);
    assert_eq!(about("人员规模")["rule_line"], 7);
    assert_eq!(about("人员规模")["rule_file"], serde_json::Value::Null);
}

#[test]
fn diff_reports_a_broken_new_rule_file_at_the_line_written() {
    let (code, _, err) = jixiao(&["diff", BASE, &fixture("child_unknown.jx")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[tests/fixtures/inherit/child_unknown.jx:6:10]"), "{err}");
    assert!(!err.contains("合并"), "{err}");
}

#[test]
fn test_reports_a_failing_case_at_its_line_through_a_chain_of_two() {
    // child_tests.jx is 基于 child.jx, which is 基于 base.jx.
    let (code, out, _) = jixiao(&["test", &fixture("child_tests.jx")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("✗ 期望写错了（tests/fixtures/inherit/child_tests.jx 第 9 行）"),
        "{out}"
    );
    // The library's own result carries the same line.
    let name = fixture("child_tests.jx");
    let compiled = crate::compile(&name, &crate::read(&crate::root().join(&name)));
    let load = |rel: &str| crate::loader(&name, rel);
    let (results, _) = jixiao::testing::run(&compiled, &load);
    let lines: Vec<usize> = results.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4, 9]);
}

#[test]
fn show_keeps_the_merged_view() {
    let (code, out, err) = jixiao(&["show", &fixture("child_tests.jx")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("输入 借调人数"), "{out}");
    assert!(out.contains("三级 人员控制率 分值 6"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("基于")), "{out}");
}
