//! Undefined values (issue 16): a zero divisor makes that value 无法计算, not the unit an
//! error; a scored indicator takes the rule file's `无法计算时` policy, and without one the
//! error names the indicator and the divisor.

use jixiao::data::{self, Raw};

const RULES: &str = "rules/yueyang-2021.jx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

/// The bundled 2021 rules (which declare `无法计算时` for every scored quotient), or with
/// every policy taken out (`policy` false).
fn rules(policy: bool) -> jixiao::Compiled {
    let text = crate::read(&crate::root().join(RULES));
    let text = if policy {
        text
    } else {
        text.lines()
            .filter(|l| !l.trim_start().starts_with("无法计算时"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    crate::compile(RULES, &text)
}

fn seed_with(changes: &[(&str, &str)], policy: bool) -> (jixiao::Compiled, jixiao::data::Record) {
    let compiled = rules(policy);
    let mut raw = data::parse_toml(&crate::read(&crate::root().join(SEED))).unwrap();
    for (key, value) in changes {
        data::set_path(&mut raw, &[(*key).into()], Raw::Number((*value).into()));
    }
    let record = data::bind(&compiled.model, &raw, "u.toml").unwrap();
    (compiled, record)
}

#[test]
fn a_zero_base_under_a_policy_scores_the_policy_and_keeps_the_rest() {
    let (compiled, record) = seed_with(&[("上年三公经费预算", "0")], true);
    let ev = jixiao::evaluate(&compiled.model, &record, true).unwrap();
    let ind = ev.indicators.iter().find(|i| i.name == "三公经费变动率").unwrap();
    assert_eq!(ind.value, None);
    assert_eq!(ind.display.as_deref(), Some("无法计算（除数 `上年三公经费预算` 为 0）"));
    assert_eq!(ind.score_display, "0.00");
    let branch = &ind.explanation.as_ref().unwrap().branch;
    assert_eq!(branch, "无法计算（除数 `上年三公经费预算` 为 0）→ 按“无法计算时”得 0");
    // Everything else as for the seed: 94.2955 − 3.7955.
    let category = ev.categories.iter().find(|c| c.name == "预算配置").unwrap();
    assert_eq!(category.score_display, "10.00");
    assert_eq!(ev.total_display, "90.50");
    assert_eq!(ev.grade.as_deref(), Some("优秀"));
    // The report said 2.4%: a figure the recomputation cannot have.
    let finding = ev
        .audit
        .findings
        .iter()
        .find(|f| f.subject == "三公经费变动率")
        .unwrap();
    assert_eq!(finding.severity, "提示");
    assert_eq!(finding.computed.as_deref(), Some("无法计算"));
    assert!(finding.message.contains("复核无法计算"), "{}", finding.message);
}

#[test]
fn a_display_only_value_with_a_zero_divisor_does_not_touch_the_scores() {
    let (compiled, record) = seed_with(
        &[
            ("上年三公经费", "0"),
            ("上年公务接待费", "0"),
            ("上年公务用车运维费", "0"),
        ],
        false,
    );
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    let value = &ev.values.0.iter().find(|(n, _)| n == "三公经费同比变动").unwrap().1;
    assert_eq!(value, "无法计算（除数 `上年三公经费` 为 0）");
    assert_eq!(ev.total_display, "94.30");
}

#[test]
fn a_scored_value_without_a_policy_is_an_error_of_that_indicator_naming_the_divisor() {
    // 年初预算 divides 预算调整率 (scored, no policy) and 预算完成率 (display only): the
    // error is the scored indicator's, not the display figure's, and not the unit's.
    let (compiled, record) = seed_with(&[("年初预算", "0")], false);
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    let unscored: Vec<_> = ev.indicators.iter().filter(|i| i.score.is_none()).collect();
    assert_eq!(unscored.len(), 1);
    assert_eq!(unscored[0].name, "预算调整率");
    assert_eq!(unscored[0].score_display, "无法计算");
    assert_eq!(unscored[0].reason.as_deref(), Some("除数 `年初预算` 为 0"));
    // Every other score is there; the total is not a number that looks final.
    assert_eq!(ev.indicators.iter().filter(|i| i.score.is_some()).count(), 22);
    assert!(!ev.complete);
    assert_eq!((ev.total.clone(), ev.grade.clone()), (None, None));
    // 94.2955 − 0.5 (预算调整率's score) earned, of the 97 points that could be scored.
    assert_eq!(ev.total_display, "不完整（已得 93.80 分，可评分值 97 / 满分 100）");
    let category = ev.categories.iter().find(|c| c.name == "预算执行").unwrap();
    assert_eq!(
        (category.score.clone(), category.score_display.as_str()),
        (None, "不完整（已得 12.00）")
    );
    let note = ev.scoring.as_ref().unwrap();
    assert!(note.text.contains("无法计算时"), "{}", note.text);
    // The 复核 says why, and does not pass the stated total or grade.
    assert!(
        ev.audit.summary.ends_with("复核总分不完整，没有等级"),
        "{}",
        ev.audit.summary
    );
    assert!(ev
        .audit
        .findings
        .iter()
        .any(|f| f.severity == "错误" && f.subject == "预算调整率"));
    assert!(!ev
        .audit
        .confirmed
        .iter()
        .any(|c| c.subject == "总分" || c.subject == "评价等次"));
}

const SMALL: &str = r#"
标题 "无法计算"
年度 2021
满分 10
计步 连续
输入 上年: 万元
输入 本年: 万元
一级 一 分值 10 {
  二级 二 分值 10 {
    三级 增幅 分值 4 {
      公式 (本年 - 上年) / 上年
      评分 扣分 { 基准 0  每超过 1 百分点 扣 0.5 }
      无法计算时 得 满分
    }
    三级 比率 分值 6 {
      公式 本年 / 上年
      评分 比例 { 目标 100% }
    }
  }
}
等级 { 好 >= 5  差 < 5 }
"#;

#[test]
fn policies_resolve_full_marks_and_the_file_default() {
    let data = "\"单位名称\" = \"甲\"\n\"上年\" = 0\n\"本年\" = 5\n";
    // No file default: 比率 has no policy, so it has no score (and the unit no total).
    let compiled = crate::compile("u.jx", SMALL);
    let record = jixiao::load_data(&compiled.model, "d.toml", data, jixiao::DataFormat::Toml).unwrap();
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    assert_eq!(ev.indicators[1].score, None);
    assert_eq!(ev.total_display, "不完整（已得 4.00 分，可评分值 4 / 满分 10）");
    // A file default covers it; 增幅's own `满分` is its 分值, 4.
    let with_default = SMALL.replace("计步 连续\n", "计步 连续\n无法计算时 得 1.5\n");
    let compiled = crate::compile("u.jx", &with_default);
    let record = jixiao::load_data(&compiled.model, "d.toml", data, jixiao::DataFormat::Toml).unwrap();
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    let score = |name: &str| {
        ev.indicators
            .iter()
            .find(|i| i.name == name)
            .unwrap()
            .score_display
            .clone()
    };
    assert_eq!(score("增幅"), "4.00");
    assert_eq!(score("比率"), "1.50");
    assert_eq!(ev.total_display, "5.50");
}

#[test]
fn a_policy_outside_the_weight_or_on_a_category_is_a_check_error() {
    let too_much = SMALL.replace("无法计算时 得 满分", "无法计算时 得 6");
    let text = crate::load_error("u.jx", &too_much);
    assert!(text.contains("无法计算时的得分 6 超出了 0 到分值 4 的范围"), "{text}");
    let on_category = SMALL.replace("二级 二 分值 10 {", "二级 二 分值 10 {\n    无法计算时 得 0");
    let text = crate::load_error("u.jx", &on_category);
    assert!(text.contains("`无法计算时` 只能写在三级指标中"), "{text}");
    let twice = SMALL.replace("无法计算时 得 满分", "无法计算时 得 满分\n      无法计算时 得 0");
    let text = crate::load_error("u.jx", &twice);
    assert!(text.contains("无法计算时"), "{text}");
}

#[test]
fn diff_lists_a_changed_policy() {
    let old = crate::compile("old.jx", SMALL);
    let new = crate::compile("new.jx", &SMALL.replace("无法计算时 得 满分", "无法计算时 得 0"));
    let changes = jixiao_io::diff::rule_changes(&old.model, &new.model);
    assert!(
        changes.iter().any(|c| c.kind == "无法计算时"
            && c.subject == "一 / 二 / 增幅"
            && c.old.as_deref() == Some("得 4")
            && c.new.as_deref() == Some("得 0")),
        "{changes:?}"
    );
}

#[test]
fn a_constant_zero_divisor_is_a_check_error() {
    let text = crate::load_error("u.jx", &SMALL.replace("公式 本年 / 上年", "公式 本年 / 0"));
    assert!(text.contains("除数是常数 0"), "{text}");
    assert!(text.contains("jixiao::check::zero_divisor"), "{text}");
}

// ── "not reported" in data (issue 16, item 9) ───────────────────────────

fn seed_text_with(key: &str, value: &str) -> String {
    let text = crate::read(&crate::root().join(SEED));
    let line = text.lines().find(|l| l.starts_with(&format!("\"{key}\" ="))).unwrap();
    text.replace(line, &format!("\"{key}\" = \"{value}\""))
}

#[test]
fn a_dash_for_a_figure_with_a_default_is_not_reported_with_a_note() {
    let compiled = rules(false);
    for written in ["—", "－", "/", "无", ""] {
        // 固定资产调入 has no 缺失时; 因公出国费 has none either; 其他交通工具购置费 has `缺失时 0`
        // and is absent from the seed, so add it written as not reported.
        let text = crate::read(&crate::root().join(SEED)).replace(
            "\"因公出国费\" = \"0.00\"",
            &format!("\"因公出国费\" = \"0.00\"\n\"其他交通工具购置费\" = \"{written}\""),
        );
        let record = jixiao::load_data(&compiled.model, "u.toml", &text, jixiao::DataFormat::Toml)
            .unwrap_or_else(|e| panic!("{written:?}: {}", jixiao::diagnostics::render_plain(&e)));
        let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
        assert_eq!(ev.total_display, "94.30");
        let note = ev.audit.findings.iter().find(|f| f.category == "数据").unwrap();
        assert_eq!(note.severity, "提示");
        assert_eq!(note.subject, "其他交通工具购置费");
        let expected = if written.is_empty() {
            "`其他交通工具购置费` 没有填写，视为未填报，按规则文件的 `缺失时` 取 0".to_owned()
        } else {
            format!("`其他交通工具购置费` 填的是“{written}”，视为未填报，按规则文件的 `缺失时` 取 0")
        };
        assert_eq!(note.message, expected);
    }
}

#[test]
fn a_dash_for_a_required_figure_is_an_error_that_says_not_reported() {
    let compiled = rules(false);
    let text = seed_text_with("编制人数", "—");
    let err = jixiao::load_data(&compiled.model, "u.toml", &text, jixiao::DataFormat::Toml).unwrap_err();
    let shown = jixiao::diagnostics::render_plain(&err);
    assert!(shown.contains("未填报；这一项必填"), "{shown}");
    assert!(!shown.contains("缺少必填字段"), "{shown}");
}

#[test]
fn a_dash_in_a_csv_cell_is_not_reported_too() {
    // Rewritten with the csv crate: the example's cells hold commas and line breaks.
    let text = crate::read(&crate::root().join("examples/yueyang-2021/units.csv"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let column = rows[0]
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "其他交通工具购置费")
        .unwrap();
    let edited: Vec<&str> = rows[1]
        .iter()
        .enumerate()
        .map(|(i, c)| if i == column { "—" } else { c })
        .collect();
    rows[1] = csv::StringRecord::from(edited);
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    let bytes = writer.into_inner().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("units.csv");
    std::fs::write(&path, bytes).unwrap();
    let (_, out, err) = crate::jixiao(&["eval", RULES, path.to_str().unwrap(), "--format", "jsonl"]);
    let first: serde_json::Value =
        serde_json::from_str(out.lines().next().unwrap()).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(first["evaluation"]["total_display"], "94.30");
    let findings = first["evaluation"]["audit"]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["category"] == "数据" && f["subject"] == "其他交通工具购置费"),
        "{findings:?}"
    );
}

#[test]
fn every_row_of_the_example_batch_gets_a_total() {
    let (code, out, err) = crate::jixiao(&[
        "eval",
        RULES,
        "examples/yueyang-2021/units.csv",
        "--format",
        "csv",
        "--strict",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("7 个单位：7 个已评价，没有错误"), "{err}");
    let row = out.lines().find(|l| l.contains("市水利水电勘测设计院")).unwrap();
    assert!(row.contains(",88.00,良好,"), "{row}");
    assert!(row.contains("无法计算（除数 `上年三公经费预算` 为 0）"), "{row}");
}

/// Every `计算 … 显示` value is in the table, `--explain`, HTML, XLSX and the default CSV
/// (issue 16, item 6).
#[test]
fn computed_values_with_a_display_are_shown_in_every_output() {
    let (compiled, record) = seed_with(&[], true);
    let ev = jixiao::evaluate(&compiled.model, &record, true).unwrap();
    let table = jixiao_io::text::render_table(&ev);
    assert!(table.contains("计算值（不计分）"), "{table}");
    assert!(
        table.contains("基本支出占比：62.88%（基本支出 / 支出合计 = 2324.41 / 3696.83）"),
        "{table}"
    );
    let (code, html, err) = crate::jixiao(&["eval", RULES, SEED, "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    assert!(html.contains("<h3>计算值（不计分）</h3>"));
    assert!(
        html.contains(
            "预算完成率<br><span class=\"muted\">实际收入 ÷ 年初预算</span></th><td class=\"num\">120.20%</td>"
        ),
        "computed row"
    );
    let (_, csv, _) = crate::jixiao(&["eval", RULES, "examples/yueyang-2021/units.csv", "--format", "csv"]);
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains(",错误原因,当年结余计算,基本支出占比,项目支出占比,三公经费同比变动,预算完成率,"),
        "{header}"
    );
}

/// `jixiao test --coverage` counts a `无法计算时` as a branch, and the bundled tests reach
/// every one of them.
#[test]
fn coverage_counts_the_undefined_branches() {
    let (code, out, err) = crate::jixiao(&["test", "rules/yueyang-2021.test.jx", "--coverage"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("覆盖：80/80 个评分分支、分档和等级"), "{out}");
    // Without the six tests that reach them, the six policies are listed as not covered.
    let text = crate::read(&crate::root().join("rules/yueyang-2021.test.jx"));
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("测试 ") {
            skipping = line.contains("无法计算，");
        }
        if !skipping {
            kept.push(line);
        }
        if line == "}" {
            skipping = false;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("yueyang-2021.test.jx");
    // Paths made absolute: the copy lives in a temporary folder.
    let rules_dir = crate::root().join("rules");
    let copy = kept
        .join("\n")
        .replace("基于 \"", &format!("基于 \"{}/", rules_dir.display()))
        .replace("数据 \"", &format!("数据 \"{}/", rules_dir.display()));
    std::fs::write(&path, copy).unwrap();
    let (_, out, err) = crate::jixiao(&["test", path.to_str().unwrap(), "--coverage"]);
    assert!(out.contains("覆盖：74/80"), "{out}{err}");
    assert!(
        out.contains("未覆盖 财政供养人员控制率：无法计算（按“无法计算时”计分）"),
        "{out}"
    );
}
