//! 不适用 and incomplete totals (issue 16, item 2): a `无法计算时` may take an indicator
//! out of the unit's scoring, the file says how the total is then formed, and an indicator
//! with no score leaves the unit without a total — never a number that looks final.

use crate::jixiao;

/// 增幅 divides by 上年; when 上年 is 0 it is 满分 if nothing was spent this year either,
/// else 不适用. 人员 and 完成率 are ordinary.
const RULES: &str = r#"
标题 "不适用"
年度 2021
满分 100
计步 连续
不适用时 按适用分值折算
输入 上年: 万元
输入 本年: 万元
输入 人数: 人
输入 计划: 万元
一级 投入 分值 40 {
  二级 配置 分值 40 {
    三级 增幅 分值 20 {
      公式 (本年 - 上年) / 上年
      评分 扣分 { 基准 0  每超过 1 百分点 扣 1 }
      无法计算时 分情况 { 当 本年 = 0 得 满分  其他 不适用 }
    }
    三级 人员 分值 20 {
      公式 人数
      评分 分档 { >= 20 得 20  < 20 得 10 }
    }
  }
}
一级 产出 分值 60 {
  二级 完成 分值 60 {
    三级 完成率 分值 60 {
      公式 本年 / 计划
      评分 比例 { 目标 100% }
    }
  }
}
等级 { 好 >= 60  差 < 60 }
"#;

fn evaluate(rules: &str, data: &str) -> jixiao::report::Evaluation {
    let compiled = crate::compile("na.jx", rules);
    let record = jixiao::load_data(
        &compiled.model,
        "d.toml",
        &format!("\"单位名称\" = \"甲\"\n{data}"),
        jixiao::DataFormat::Toml,
    )
    .unwrap();
    jixiao::evaluate(&compiled.model, &record, true).unwrap()
}

/// 上年 0, 本年 50, 人数 20: 增幅 不适用; 人员 20 of 20; 完成率 50% → 30 of 60.
const ZERO_BASE: &str = "\"上年\" = 0\n\"本年\" = 50\n\"人数\" = 20\n\"计划\" = 100\n";

#[test]
fn rescale_total_divides_by_the_applicable_weights() {
    let ev = evaluate(RULES, ZERO_BASE);
    let ind = &ev.indicators[0];
    assert_eq!(
        (ind.score.clone(), ind.score_display.as_str(), ind.status),
        (None, "不适用", "不适用")
    );
    assert_eq!(ind.reason.as_deref(), Some("除数 `上年` 为 0"));
    let branch = &ind.explanation.as_ref().unwrap().branch;
    assert_eq!(
        branch,
        "无法计算（除数 `上年` 为 0），各条件均不成立，按“其他” → 按“无法计算时”不适用，不计入总分"
    );
    // (20 + 30) ÷ 80 × 100 = 62.5.
    assert!(ev.complete);
    assert_eq!(ev.total_display, "62.50");
    assert_eq!(ev.grade.as_deref(), Some("好"));
    let note = ev.scoring.as_ref().unwrap();
    assert_eq!(note.applicable.to_string(), "80");
    assert_eq!(note.earned.to_string(), "50");
    assert_eq!(
        note.text,
        "1 个指标不适用（增幅），按适用分值折算：总分 = 得分 50.00 ÷ 适用分值 80 × 满分 100"
    );
    // The category keeps its plain subtotal and shows what still counts.
    let category = ev.categories.iter().find(|c| c.name == "配置").unwrap();
    assert_eq!(category.score_display, "20.00");
    assert_eq!(
        category.applicable_weight.as_ref().map(|w| w.to_string()).as_deref(),
        Some("20")
    );
}

#[test]
fn rescale_siblings_gives_the_weight_to_the_other_indicators_of_the_category() {
    let rules = RULES.replace("按适用分值折算", "按同级分值折算");
    let ev = evaluate(&rules, ZERO_BASE);
    // 配置 = 20 ÷ 20 × 40 = 40; total 40 + 30 = 70 (not 62.5: the weight stays in 投入).
    let category = ev.categories.iter().find(|c| c.name == "配置").unwrap();
    assert_eq!(category.score_display, "40.00");
    assert_eq!(ev.total_display, "70.00");
    assert_eq!(ev.grade.as_deref(), Some("好"));
}

#[test]
fn grade_by_rate_keeps_the_earned_total_and_grades_its_rate() {
    let rules = RULES.replace("按适用分值折算", "按得分率定级");
    let ev = evaluate(&rules, ZERO_BASE);
    // 50 of a reduced maximum of 80: 62.5% of 满分 → 好, though 50 alone would be 差.
    assert_eq!(ev.total_display, "50.00");
    assert_eq!(ev.grade.as_deref(), Some("好"));
    let note = ev.scoring.as_ref().unwrap();
    assert!(
        note.text
            .ends_with("总分按适用分值 80 计，等级按得分率（折合 62.50 分）确定"),
        "{}",
        note.text
    );
}

#[test]
fn a_case_of_the_policy_can_give_full_marks() {
    // Nothing last year and nothing this year: 满分 by the first case.
    let ev = evaluate(RULES, "\"上年\" = 0\n\"本年\" = 0\n\"人数\" = 20\n\"计划\" = 100\n");
    let ind = &ev.indicators[0];
    assert_eq!((ind.score_display.as_str(), ind.status), ("20.00", "无法计算时计分"));
    assert_eq!(
        ind.explanation.as_ref().unwrap().branch,
        "无法计算（除数 `上年` 为 0），本年 = 0 成立 → 按“无法计算时”得 20"
    );
    assert_eq!(ev.scoring, None);
    // 20 + 20 + 0.
    assert_eq!(ev.total_display, "40.00");
}

#[test]
fn every_indicator_not_applicable_leaves_no_total() {
    let rules = RULES.replace(
        "三级 人员 分值 20 {\n      公式 人数",
        "三级 人员 分值 20 {\n      无法计算时 不适用\n      公式 人数 / 上年",
    );
    let rules = rules.replace(
        "公式 本年 / 计划\n      评分 比例 { 目标 100% }",
        "公式 本年 / 上年\n      评分 比例 { 目标 100% }\n      无法计算时 不适用",
    );
    let ev = evaluate(&rules, ZERO_BASE);
    assert!(!ev.complete);
    assert_eq!((ev.total.clone(), ev.grade.clone()), (None, None));
    assert_eq!(
        ev.scoring.as_ref().unwrap().text.split('；').next(),
        Some("所有指标都不适用，没有总分和等级")
    );
}

#[test]
fn not_applicable_without_a_total_rule_is_a_check_error() {
    let rules = RULES.replace("不适用时 按适用分值折算\n", "");
    let message = crate::load_error("na.jx", &rules);
    assert!(message.contains("规则文件没有说明这时总分怎样计算"), "{message}");
    assert!(message.contains("不适用时 按适用分值折算"), "{message}");
    // A policy case at file level would read values no indicator names.
    let rules = RULES.replace(
        "计步 连续\n",
        "计步 连续\n无法计算时 分情况 { 当 本年 = 0 得 0  其他 不适用 }\n",
    );
    let message = crate::load_error("na.jx", &rules);
    assert!(message.contains("文件开头的 `无法计算时` 只能是"), "{message}");
}

#[test]
fn an_indicator_without_a_score_makes_the_batch_row_incomplete_and_strict_fail() {
    let dir = tempfile::tempdir().unwrap();
    // 完成率 has no policy: a unit whose 上年 is 0 has no score for it.
    let rules = RULES.replace("公式 本年 / 计划", "公式 本年 / 上年");
    let rules_path = dir.path().join("na.jx");
    std::fs::write(&rules_path, &rules).unwrap();
    let data = dir.path().join("units.csv");
    std::fs::write(&data, "单位名称,上年,本年,人数,计划\n甲,0,50,20,100\n乙,40,50,20,100\n").unwrap();
    let out = dir.path().join("out.csv");
    let args = [
        "eval",
        rules_path.to_str().unwrap(),
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let (code, _, err) = jixiao(&args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 个单位：1 个已评价，1 个不完整"), "{err}");
    let csv = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    let header: Vec<&str> = rows[0].trim_start_matches('\u{feff}').split(',').collect();
    let cell = |row: usize, name: &str| {
        let i = header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"));
        rows[row].split(',').nth(i).unwrap_or_default().to_owned()
    };
    assert_eq!(cell(1, "状态"), "不完整");
    assert!(cell(1, "总分").starts_with("不完整"), "{}", cell(1, "总分"));
    assert_eq!(cell(1, "等级"), "");
    assert!(cell(1, "错误原因").contains("完成率"), "{}", rows[1]);
    assert_eq!(cell(2, "状态"), "正常");
    let mut strict = args.to_vec();
    strict.push("--strict");
    let (code, _, _) = jixiao(&strict);
    assert_eq!(code, 3);
}

/// `--partial` (item 5): a unit that gives only 编制人数 and 实有人数 gets the one score those
/// allow; everything else is 无法计算 with the inputs it lacks, and the total is 不完整.
const ONLY_HEADCOUNT: &str = "\"单位名称\" = \"某局\"\n\"编制人数\" = 174\n\"实有人数\" = 138\n[\"自评\"]\n\"总分\" = 95\n[\"自评\".\"指标值\"]\n\"财政供养人员控制率\" = \"79.31%\"\n\"预算调整率\" = \"3%\"\n";

#[test]
fn partial_evaluation_scores_what_the_figures_allow() {
    let compiled = crate::compile(
        "rules/yueyang-2021.jx",
        &crate::read(&crate::root().join("rules/yueyang-2021.jx")),
    );
    let model = &compiled.model;
    // Without --partial nothing changes: missing figures are an error of the unit.
    let err = jixiao::load_data(model, "u.toml", ONLY_HEADCOUNT, jixiao::DataFormat::Toml).unwrap_err();
    assert_eq!(err.problems.len(), 65);
    let options = jixiao::data::BindOptions { partial: true };
    let record = jixiao::load_data_with(model, "u.toml", ONLY_HEADCOUNT, jixiao::DataFormat::Toml, options).unwrap();
    let ev = jixiao::evaluate(model, &record, false).unwrap();
    let control = &ev.indicators[0];
    assert_eq!(
        (control.name.as_str(), control.score_display.as_str()),
        ("财政供养人员控制率", "5.00")
    );
    let adjust = ev.indicators.iter().find(|i| i.name == "预算调整率").unwrap();
    assert_eq!(adjust.score_display, "无法计算");
    assert_eq!(adjust.reason.as_deref(), Some("缺少 年初预算、实际收入"));
    assert!(!ev.complete);
    assert_eq!(ev.total_display, "不完整（已得 5.00 分，可评分值 5 / 满分 100）");
    assert_eq!(ev.scoring.as_ref().unwrap().unscored.len(), 22);
    // The 复核 compares what can be computed: the stated 79.31% is confirmed, the stated
    // 预算调整率 cannot be checked, the stated total is not passed.
    assert!(ev
        .audit
        .confirmed
        .iter()
        .any(|c| c.subject == "财政供养人员控制率" && c.computed == "79.31%"));
    let unchecked = ev
        .audit
        .findings
        .iter()
        .find(|f| f.subject == "预算调整率" && f.category == "指标值")
        .unwrap();
    assert_eq!(unchecked.severity, "提示");
    assert!(unchecked.message.ends_with("未能复核"), "{}", unchecked.message);
    assert!(ev
        .audit
        .findings
        .iter()
        .any(|f| f.subject == "总分" && f.message.contains("自评未复核")));
    // Cross-checks that need missing figures are not made, and say so.
    assert!(ev.checks.iter().all(|c| c.unchecked.is_some()));
}

#[test]
fn partial_evaluation_sets_a_bad_value_aside_and_keeps_the_rest() {
    let compiled = crate::compile(
        "rules/yueyang-2021.jx",
        &crate::read(&crate::root().join("rules/yueyang-2021.jx")),
    );
    let model = &compiled.model;
    let seed = crate::read(&crate::root().join("examples/yueyang-2021/chengguan-zhifa.toml"));
    let bad = seed.replace("\"实有人数\" = 138", "\"实有人数\" = \"一百三十八\"");
    assert_ne!(bad, seed);
    // Without --partial: the unit is an error.
    assert!(jixiao::load_data(model, "u.toml", &bad, jixiao::DataFormat::Toml).is_err());
    let options = jixiao::data::BindOptions { partial: true };
    let record = jixiao::load_data_with(model, "u.toml", &bad, jixiao::DataFormat::Toml, options).unwrap();
    let ev = jixiao::evaluate(model, &record, false).unwrap();
    assert_eq!(ev.indicators[0].reason.as_deref(), Some("缺少 实有人数"));
    assert_eq!(ev.indicators.iter().filter(|i| i.score.is_some()).count(), 22);
    let set_aside = ev
        .audit
        .findings
        .iter()
        .find(|f| f.category == "数据" && f.severity == "警告")
        .unwrap();
    assert!(set_aside.message.contains("一百三十八"), "{}", set_aside.message);
    // 94.2955 − 5 earned of 95.
    assert_eq!(ev.total_display, "不完整（已得 89.30 分，可评分值 95 / 满分 100）");
}

#[test]
fn eval_partial_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("u.toml");
    std::fs::write(&data, ONLY_HEADCOUNT).unwrap();
    let data = data.to_str().unwrap();
    let (code, _, err) = jixiao(&["eval", "rules/yueyang-2021.jx", data]);
    assert_eq!(code, 1);
    assert!(err.contains("65 处问题"), "{err}");
    let (code, out, err) = jixiao(&["eval", "rules/yueyang-2021.jx", data, "--partial"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("总分：不完整（已得 5.00 分，可评分值 5 / 满分 100）    等级：无（总分不完整）"),
        "{out}"
    );
    assert!(err.contains("总分不完整"), "{err}");
    let (code, _, _) = jixiao(&["eval", "rules/yueyang-2021.jx", data, "--partial", "--strict"]);
    assert_eq!(code, 3);
}

/// `测试` cases expect 不适用, 无法计算 and 不完整 by name (不适用 is a keyword, unquoted),
/// and coverage counts each case of a `分情况` policy.
#[test]
fn rule_file_tests_expect_not_applicable_and_incomplete() {
    let rules = format!(
        "{RULES}\n测试 \"上年为 0、本年有支出：不适用\" {{\n  数据 \"d.toml\"\n  期望 增幅 得分 = 不适用\n  期望 总分 = 62.50\n}}\n测试 \"完成率无法计算：总分不完整\" {{\n  数据 \"d.toml\"\n  设 计划 = 0\n  期望 完成率 得分 = 无法计算\n  期望 总分 = 不完整\n  期望 等级 = 不完整\n  期望 投入 得分 = 20\n}}\n"
    );
    let compiled = crate::compile("na.jx", &rules);
    let load = |_: &str| -> Result<(String, String), String> {
        Ok(("d.toml".into(), format!("\"单位名称\" = \"甲\"\n{ZERO_BASE}")))
    };
    let (results, coverage) = jixiao::testing::run(&compiled, &load);
    for r in &results {
        assert!(r.passed, "{}: {:?}", r.name, r.failures);
    }
    assert_eq!(results.len(), 2);
    // 增幅: 3 deduction branches, then the policy's two cases; the second (其他) was reached.
    let missed = coverage.unreached();
    assert!(missed.iter().any(|m| m == "增幅：无法计算，当 本年 = 0"), "{missed:?}");
    assert!(!missed.iter().any(|m| m == "增幅：无法计算，其他"), "{missed:?}");
}

/// `--partial` on a spreadsheet: a missing required column is a warning, a blank required
/// cell a figure not reported; without it both stay errors.
#[test]
fn partial_evaluation_of_a_csv_with_missing_columns_and_blank_cells() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("part.csv");
    std::fs::write(&data, "单位名称,编制人数,实有人数,年初预算\n甲,174,138,\n乙,100,,50\n").unwrap();
    let data = data.to_str().unwrap();
    let (code, _, err) = jixiao(&["eval", "rules/yueyang-2021.jx", data]);
    assert_eq!(code, 1);
    assert!(err.contains("缺少 64 个必需的列"), "{err}");
    let columns = "单位名称,财政供养人员控制率,状态,总分";
    let (code, out, err) = jixiao(&[
        "eval",
        "rules/yueyang-2021.jx",
        data,
        "--partial",
        "--format",
        "csv",
        "--columns",
        columns,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--partial：这些数按未填报处理"), "{err}");
    assert!(err.contains("2 个单位：0 个已评价，2 个不完整"), "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(
        rows[1],
        "甲,79.31%,不完整,不完整（已得 5.00 分，可评分值 5 / 满分 100）"
    );
    assert_eq!(
        rows[2],
        "乙,无法计算（缺少 实有人数）,不完整,不完整（已得 0.00 分，可评分值 0 / 满分 100）"
    );
    // The unit's name is still required.
    let nameless = dir.path().join("nameless.csv");
    std::fs::write(&nameless, "编制人数,实有人数\n174,138\n").unwrap();
    let (code, _, err) = jixiao(&["eval", "rules/yueyang-2021.jx", nameless.to_str().unwrap(), "--partial"]);
    assert_eq!(code, 1);
    assert!(err.contains("单位名称"), "{err}");
}

/// Review findings: a category whose indicators are all 不适用 has no subtotal and the 复核
/// does not confirm a stated 0 for it; `diff` gives no change for a unit without two final
/// totals; both CSV paths write an unchecked check alike; `等级 依据` that needs a missing
/// figure leaves the unit 不完整, not an error; two values for one figure stay an error.
#[test]
fn review_findings_on_not_applicable_incomplete_and_partial() {
    // 增幅 is 不适用 and 人员 becomes 不适用 too: the whole of 配置 and 投入 count nothing.
    let rules = RULES.replace(
        "三级 人员 分值 20 {\n      公式 人数",
        "三级 人员 分值 20 {\n      无法计算时 不适用\n      公式 人数 / 上年",
    );
    let ev = evaluate(&rules, &format!("{ZERO_BASE}[\"自评\".\"得分\"]\n\"投入\" = 0\n"));
    let category = ev.categories.iter().find(|c| c.name == "投入").unwrap();
    assert_eq!(
        (category.score.clone(), category.score_display.as_str()),
        (None, "不适用")
    );
    assert!(
        !ev.audit.confirmed.iter().any(|c| c.subject == "投入"),
        "{:?}",
        ev.audit.confirmed
    );
    assert!(ev
        .audit
        .findings
        .iter()
        .any(|f| f.subject == "投入" && f.message.contains("不适用")));

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    // 完成率 without a policy: 甲 (上年 0) has no total under the new rules.
    let old = write("old.jx", RULES);
    let new = write("new.jx", &RULES.replace("公式 本年 / 计划", "公式 本年 / 上年"));
    let csv = write(
        "u.csv",
        "单位名称,上年,本年,人数,计划\n甲,0,50,20,100\n乙,40,50,20,100\n",
    );
    let (code, out, err) = jixiao(&["diff", &old, &new, &csv, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = report["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "甲")
        .unwrap();
    assert!(first["delta"].is_null(), "{first}");
    assert!(first["incomplete"].as_str().unwrap().contains("新规则下"), "{first}");

    // An unchecked cross-check is 无法核对 on both CSV paths.
    let checked = write(
        "ck.jx",
        &RULES.replace("等级 {", "勾稽 比例 { 本年 / 上年 <= 10  级别 错误 }\n等级 {"),
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["eval", checked.as_str(), csv.as_str(), "--format", "csv"];
        args.extend_from_slice(extra);
        jixiao(&args).1
    };
    let (fast, general) = (run(&[]), run(&["--no-fast-path"]));
    assert_eq!(fast, general);
    assert!(fast.contains("比例[无法核对]"), "{fast}");

    // `等级 依据` reading a figure the unit did not give (--partial): 不完整, with why.
    let graded = write(
        "g.jx",
        &RULES
            .replace("输入 计划: 万元\n", "输入 计划: 万元\n输入 额外: 万元\n")
            .replace("等级 {", "等级 依据 总分 + 额外 * 0 {"),
    );
    let (code, out, err) = jixiao(&[
        "eval",
        &graded,
        &csv,
        "--partial",
        "--format",
        "csv",
        "--columns",
        "单位名称,状态,等级,错误原因",
    ]);
    assert_eq!(code, 0, "{err}");
    let second = out.lines().nth(2).unwrap();
    assert!(
        second.starts_with("乙,不完整,,等级的依据无法计算（缺少 额外）"),
        "{second}"
    );

    // Two values for one figure: an error even under --partial.
    let dup = format!("\"单位名称\" = \"甲\"\n{ZERO_BASE}\"人员人数\" = 5\n");
    let rules_with_alias = RULES.replace("输入 人数: 人", "输入 人数: 人 { 别名 \"人员人数\" }");
    let aliased = crate::compile("na.jx", &rules_with_alias);
    let options = jixiao::data::BindOptions { partial: true };
    let err = jixiao::load_data_with(&aliased.model, "d.toml", &dup, jixiao::DataFormat::Toml, options).unwrap_err();
    assert!(err.to_string().contains("重复填写"), "{err}");
}

/// 按得分率定级: the city ranking follows what was graded, so a rank never contradicts a
/// grade (甲 50 of a reduced 80 is 好 and first; 乙 55 of 100 is 差 and second).
#[test]
fn grade_by_rate_ranks_by_the_rate() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("r.jx");
    std::fs::write(&rules, RULES.replace("按适用分值折算", "按得分率定级")).unwrap();
    let data = dir.path().join("u.csv");
    std::fs::write(&data, "单位名称,上年,本年,人数,计划\n甲,0,50,20,100\n乙,50,50,10,120\n").unwrap();
    let out = dir.path().join("r.html");
    let (code, _, err) = jixiao(&[
        "eval",
        rules.to_str().unwrap(),
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&out).unwrap();
    let ranking = &html[html.find("<h2>总分排名</h2>").unwrap()..];
    let ranking = &ranking[..ranking.find("</table>").unwrap()];
    assert!(
        ranking.find(">甲<").unwrap() < ranking.find(">乙<").unwrap(),
        "{ranking}"
    );
}
