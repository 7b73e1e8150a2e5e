//! Each scoring form at and around its boundaries, on a one-indicator rule file.

use rust_decimal::Decimal;
use std::str::FromStr;

/// A rule file with one indicator `指标 = x` (weight 5) scored by `criterion`.
fn rules(criterion: &str, kind: &str) -> String {
    format!(
        r#"标题 "评分形式"
年度 2021
满分 5
输入 x: {kind}
输入 ok1: 是否 {{ 缺失时 是 }}
输入 ok2: 是否 {{ 缺失时 是 }}
一级 投入 分值 5 {{
  二级 配置 分值 5 {{
    三级 指标 分值 5 {{
      公式 x
      评分 {criterion}
    }}
  }}
}}
等级 {{ 好 >= 3  差 < 3 }}
"#
    )
}

fn run(criterion: &str, kind: &str, data: &str) -> Result<String, String> {
    let compiled = crate::compile("forms.jx", &rules(criterion, kind));
    let record = jixiao::load_data(
        &compiled.model,
        "d.toml",
        &format!("\"单位名称\" = \"测试\"\n{data}"),
        jixiao::DataFormat::Toml,
    )
    .map_err(|e| e.to_string())?;
    let ev = jixiao::evaluate(&compiled.model, &record, false).map_err(|e| e.to_string())?;
    // An indicator without a score is an error of that indicator, with its reason.
    let indicator = &ev.indicators[0];
    match &indicator.score {
        Some(score) => Ok(jixiao::eval::value::format_decimal(score.clone(), false, 4)),
        None => Err(indicator.reason.clone().unwrap_or_default()),
    }
}

fn score(criterion: &str, x: &str) -> String {
    run(criterion, "百分比", &format!("x = \"{x}\"")).unwrap_or_else(|e| panic!("{x}: {e}"))
}

const PER_POINT: &str = "扣分 { 基准 100%  每超过 1 百分点 扣 0.5  计步 STEP }";

#[test]
fn deduction_counting_modes_on_105_56_percent() {
    // indicator-system.md §2: excess 5.56 points read three ways.
    assert_eq!(score(&PER_POINT.replace("STEP", "连续"), "105.56%"), "2.2200");
    assert_eq!(score(&PER_POINT.replace("STEP", "整步"), "105.56%"), "2.5000");
    assert_eq!(score(&PER_POINT.replace("STEP", "进位"), "105.56%"), "2.0000");
}

#[test]
fn deduction_boundaries() {
    let c = PER_POINT.replace("STEP", "连续");
    assert_eq!(score(&c, "100%"), "5.0000");
    assert_eq!(score(&c, "79.31%"), "5.0000");
    assert_eq!(score(&c, "100.01%"), "4.9950");
    assert_eq!(score(&c, "110%"), "0.0000");
    assert_eq!(score(&c, "150%"), "0.0000"); // 扣完为止: never negative
    let below = "扣分 { 基准 95%  每低于 1 百分点 扣 1  计步 整步 }";
    assert_eq!(score(below, "95%"), "5.0000");
    assert_eq!(score(below, "93.5%"), "4.0000");
    let deviation = "扣分 { 基准 100%  每偏离 1 百分点 扣 0.1  计步 连续 }";
    assert_eq!(score(deviation, "97%"), "4.7000");
    assert_eq!(score(deviation, "103%"), "4.7000");
}

#[test]
fn deduction_per_count() {
    let c = "扣分 { 基准 0  每超过 1 个 扣 0.5  计步 整步 }";
    let s = |n: &str| run(c, "个", &format!("x = {n}")).unwrap();
    assert_eq!(s("0"), "5.0000");
    assert_eq!(s("1"), "4.5000");
    assert_eq!(s("10"), "0.0000");
}

#[test]
fn bands_at_their_edges() {
    let c = "分档 { >= 90% 得 5  [80%, 90%) 得 4  [60%, 80%) 得 2  < 60% 得 0 }";
    assert_eq!(score(c, "90%"), "5.0000");
    assert_eq!(score(c, "89.99%"), "4.0000");
    assert_eq!(score(c, "80%"), "4.0000");
    assert_eq!(score(c, "60%"), "2.0000");
    assert_eq!(score(c, "59.99%"), "0.0000");
    let open = "分档 依据 abs(值) { = 0 得 5  (0, 10%] 得 2  > 10% 得 0 }";
    assert_eq!(score(open, "0%"), "5.0000");
    assert_eq!(score(open, "10%"), "2.0000");
    assert_eq!(score(open, "-10%"), "2.0000");
    assert_eq!(score(open, "10.01%"), "0.0000");
}

#[test]
fn bands_with_a_gap_are_rejected_before_any_unit_is_scored() {
    let gap = rules("分档 { >= 90% 得 5  [60%, 80%) 得 2 }", "百分比");
    let err = crate::load_error("gap.jx", &gap);
    assert!(err.contains("没有覆盖 (-∞, 60%)"), "{err}");
    assert!(err.contains("没有覆盖 [80%, 90%)"), "{err}");
    // With a declared range that excludes the low values, only the middle gap remains.
    let ranged = gap.replace("输入 x: 百分比", "输入 x: 百分比 { 范围 >= 60% }");
    let err = crate::load_error("gap.jx", &ranged);
    assert!(!err.contains("(-∞, 60%)"), "{err}");
    assert!(err.contains("没有覆盖 [80%, 90%)"), "{err}");
}

#[test]
fn ratio_is_capped_at_full_marks() {
    let c = "比例 { 目标 95% }";
    assert_eq!(score(c, "95%"), "5.0000");
    assert_eq!(score(c, "120%"), "5.0000");
    assert_eq!(score(c, "76%"), "4.0000");
    assert_eq!(score(c, "0%"), "0.0000");
}

#[test]
fn pass_cases_and_checklist() {
    assert_eq!(score("达标 { 条件 值 <= 100% }", "100%"), "5.0000");
    assert_eq!(score("达标 { 条件 值 <= 100%  否则 得 2 }", "101%"), "2.0000");
    let cases = "分情况 { 当 值 <= 0 得 5  当 值 <= 10% 得 3  其他 得 0 }";
    assert_eq!(score(cases, "0%"), "5.0000");
    assert_eq!(score(cases, "10%"), "3.0000");
    assert_eq!(score(cases, "10.5%"), "0.0000");
    let checklist = "清单 { 项 ok1 扣 2  项 ok2 扣 4 }";
    let s = |data: &str| run(checklist, "百分比", &format!("x = \"1%\"\n{data}")).unwrap();
    assert_eq!(s(""), "5.0000");
    assert_eq!(s("ok1 = false"), "3.0000");
    assert_eq!(s("ok1 = false\nok2 = \"否\""), "0.0000");
}

#[test]
fn formula_scores_must_stay_within_the_weight() {
    assert_eq!(score("公式 clamp(round(5 × 值, 2), 0, 5)", "33.333%"), "1.6700");
    // A formula check can show going past 分值 is refused before any unit (see
    // check::score_bounds_*); one whose example check does not find still fails at the
    // unit that takes it there, as an error of that indicator.
    let err = crate::load_error("forms.jx", &rules("公式 10 × 值", "百分比"));
    assert!(err.contains("的得分会超出 0 到 5"), "{err}");
    let hidden = "公式 如果 值 = 61.37% 则 10 × 值 否则 min(5, max(0, 值))";
    let err = run(hidden, "百分比", "x = \"61.37%\"").unwrap_err();
    assert!(err.contains("超出 0 到分值 5 的范围"), "{err}");
    assert_eq!(score(hidden, "60%"), "0.6000");
}

#[test]
fn review_scores_come_from_the_data_and_stay_in_range() {
    let r = |data: &str| run("评审", "百分比", &format!("x = \"1%\"\n{data}"));
    assert_eq!(r("[\"评审\"]\n\"指标\" = 4.5").unwrap(), "4.5000");
    let err = r("[\"评审\"]\n\"指标\" = 6").unwrap_err();
    assert!(err.contains("评审得分应在 0 到分值 5 之间"), "{err}");
    let err = r("").unwrap_err();
    assert!(err.contains("缺少评审得分"), "{err}");
}

#[test]
fn division_by_zero_names_unit_indicator_and_line() {
    let text = rules("比例 { 目标 1 }", "人").replace("公式 x", "公式 1 / x");
    let compiled = crate::compile("div.jx", &text);
    let record = jixiao::load_data(
        &compiled.model,
        "d.toml",
        "\"单位名称\" = \"某单位\"\nx = 0",
        jixiao::DataFormat::Toml,
    )
    .unwrap();
    // Not an error of the unit: the indicator has no score, the total is incomplete, and
    // the 复核 names the unit, the indicator, the divisor and its rule-file line.
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    assert_eq!(ev.unit, "某单位");
    assert!(!ev.complete);
    assert_eq!(ev.total, None);
    assert_eq!(ev.grade, None);
    assert_eq!(ev.indicators[0].score_display, "无法计算");
    assert_eq!(ev.indicators[0].reason.as_deref(), Some("除数 `x` 为 0"));
    let finding = &ev.audit.findings[0];
    assert_eq!((finding.severity.as_str(), finding.subject.as_str()), ("错误", "指标"));
    assert_eq!(finding.rule_line, Some(10));
    assert!(finding.message.contains("除数 `x` 为 0"), "{}", finding.message);
}

#[test]
fn data_problems_are_all_reported_together() {
    let compiled = crate::compile("forms.jx", &rules("比例 { 目标 100 }", "万元"));
    let err = jixiao::load_data(
        &compiled.model,
        "bad.toml",
        "x = \"abc\"\nok1 = \"也许\"\n\"未知字段\" = 1",
        jixiao::DataFormat::Toml,
    )
    .unwrap_err();
    let fields: Vec<&str> = err.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["x", "ok1", "单位名称"]);
    assert_eq!(err.problems[0].value.as_deref(), Some("abc"));
    assert_eq!(err.problems[0].declared_at.map(|(l, _)| l), Some(4));
}

#[test]
fn amounts_are_exact_from_toml_numbers_and_strings() {
    let compiled = crate::compile("forms.jx", &rules("比例 { 目标 100 }", "万元"));
    for data in ["x = 0.1", "x = \"0.1\"", "x = \"0,000.1\""] {
        let record = jixiao::load_data(
            &compiled.model,
            "d.toml",
            &format!("\"单位名称\" = \"u\"\n{data}"),
            jixiao::DataFormat::Toml,
        )
        .unwrap();
        assert_eq!(
            record.values[0],
            jixiao::model::Value::Num(Decimal::from_str("0.1").unwrap().into()),
            "{data}"
        );
    }
    let record = jixiao::load_data(
        &compiled.model,
        "d.json",
        r#"{"单位名称": "u", "x": 3696.83}"#,
        jixiao::DataFormat::Json,
    )
    .unwrap();
    assert_eq!(
        record.values[0],
        jixiao::model::Value::Num(Decimal::from_str("3696.83").unwrap().into())
    );
}

#[test]
fn ambiguous_commas_in_numbers_are_rejected_not_guessed() {
    use jixiao::data::parse_decimal;
    assert_eq!(parse_decimal("1,234.5"), Decimal::from_str("1234.5").ok());
    assert_eq!(parse_decimal("12,345,678"), Decimal::from_str("12345678").ok());
    assert_eq!(parse_decimal("3029,36"), None);
    assert_eq!(parse_decimal("9,5"), None);
    assert_eq!(parse_decimal("1,234.5,6"), None);
}
