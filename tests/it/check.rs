//! The checker and the error corpus: every file in `tests/errors/` states the
//! diagnostic it must produce on its first line (`// 期望: <code>`), and the rendered
//! diagnostics are snapshotted so any change of wording shows up in review.

use std::path::Path;

/// Everything jixiao reports for a rule file: the load error, or the warnings.
fn diagnose(name: &str, text: &str) -> String {
    match jixiao::compile_with(name, text, &crate::loader) {
        Err(e) => jixiao::diagnostics::render_plain(&e),
        Ok(compiled) => compiled
            .warnings
            .iter()
            .map(|w| jixiao::diagnostics::render_plain(w))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn expected_code(path: &Path, text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let code = first
        .trim_start_matches(['/', '#', ' '])
        .strip_prefix("期望:")
        .unwrap_or_else(|| panic!("{}: first line must be `// 期望: <code>`", path.display()));
    code.split_whitespace().next().unwrap_or("").to_owned()
}

#[test]
fn rule_file_error_corpus() {
    crate::in_snapshot_dir(|| {
        insta::glob!("../errors", "*.jx", |path| {
            let text = crate::read(path);
            let name = format!("tests/errors/{}", path.file_name().unwrap().to_string_lossy());
            let rendered = diagnose(&name, &text);
            let code = expected_code(path, &text);
            assert!(rendered.contains(&code), "{name}: expected {code}, got:\n{rendered}");
            insta::assert_snapshot!(rendered);
        });
    });
}

#[test]
fn data_file_error_corpus() {
    let root = crate::root();
    let compiled = crate::compile(
        "rules/yueyang-2021.jx",
        &crate::read(&root.join("rules/yueyang-2021.jx")),
    );
    crate::in_snapshot_dir(|| {
        insta::glob!("../errors", "data/*.toml", |path| {
            let text = crate::read(path);
            let name = format!("errors/data/{}", path.file_name().unwrap().to_string_lossy());
            let err = jixiao::load_data(&compiled.model, &name, &text, jixiao::DataFormat::Toml)
                .expect_err("every file in tests/errors/data must be rejected");
            let rendered = jixiao::diagnostics::render_plain(&err);
            assert!(rendered.contains(&expected_code(path, &text)), "{rendered}");
            insta::assert_snapshot!(rendered);
        });
    });
}

#[test]
fn the_corpus_covers_every_check_code() {
    use jixiao::diagnostics::CheckCode;
    // `TooMany` needs more than a hundred problems in one file; it has its own test.
    let all = CheckCode::ALL.iter().copied().filter(|c| *c != CheckCode::TooMany);
    let dir = crate::root().join("tests/errors");
    let mut corpus = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jx") {
            let text = crate::read(&path);
            let name = format!("tests/errors/{}", path.file_name().unwrap().to_string_lossy());
            corpus.push_str(&diagnose(&name, &text));
        }
    }
    for code in all.clone() {
        assert!(
            corpus.contains(code.code()),
            "no case in tests/errors/ produces {}",
            code.code()
        );
    }
    let docs = crate::read(&crate::root().join("docs/diagnostics.md"));
    for code in all {
        assert!(
            docs.contains(code.code()),
            "docs/diagnostics.md does not list {}",
            code.code()
        );
    }
}

#[test]
fn bundled_rule_files_check_clean() {
    let dir = crate::root().join("rules");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jx") {
            let compiled = crate::compile(&path.display().to_string(), &crate::read(&path));
            let warnings: Vec<String> = compiled.warnings.iter().map(|w| w.to_string()).collect();
            assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
            count += 1;
        }
    }
    assert!(count >= 1);
}

#[test]
fn unknown_name_suggests_the_nearest_defined_name() {
    let text = crate::read(&crate::root().join("tests/errors/unknown_name.jx"));
    let rendered = diagnose("unknown_name.jx", &text);
    assert!(rendered.contains("未定义的名称 `编制人员`"), "{rendered}");
    assert!(rendered.contains("是否指 `编制人数`"), "{rendered}");
}

/// A misspelt function is answered with the function meant, in whichever language it was
/// written: `rnd` → `round`, `四舍五人` → `四舍五入`, `最大植` → `最大值`.
#[test]
fn unknown_functions_suggest_the_nearest_including_chinese_names() {
    let text = crate::read(&crate::root().join("tests/errors/unknown_function_near.jx"));
    let rendered = diagnose("unknown_function_near.jx", &text);
    assert!(rendered.contains("是否指 `round`（四舍五入）？"), "{rendered}");
    assert!(rendered.contains("是否指 `四舍五入`？"), "{rendered}");
    let rendered = diagnose(
        "near.jx",
        &text
            .replace("rnd(比率, 2)", "最大植(比率, 2)")
            .replace("四舍五人(比率, 2)", "clmp(比率, 0, 1)"),
    );
    assert!(rendered.contains("是否指 `最大值`？"), "{rendered}");
    assert!(rendered.contains("是否指 `clamp`（限定）？"), "{rendered}");
}

/// Issue 19's corpus: "a divisor input allowed to be 0 with no guard and no policy" is
/// reported (a warning with a made-up unit), and not once the divisor is guarded, has a
/// policy, or may not be 0.
#[test]
fn a_divisor_that_may_be_zero_with_no_guard_and_no_policy_is_reported() {
    let text = crate::read(&crate::root().join("tests/errors/may_be_undefined.jx"));
    let rendered = diagnose("may_be_undefined.jx", &text);
    assert!(rendered.contains("jixiao::check::may_be_undefined"), "{rendered}");
    // The example unit (the line is wrapped at 100 columns).
    assert!(rendered.contains("例如 编制人数 = 0"), "{rendered}");
    assert!(rendered.contains("除数 `编制人数` 为 0"), "{rendered}");
    // An input declared without any 范围 may be 0 just the same.
    let unranged = text.replace("输入 编制人数: 人 { 范围 >= 0 }", "输入 编制人数: 人");
    assert!(diagnose("t.jx", &unranged).contains("may_be_undefined"));
    for fixed in [
        text.replace("范围 >= 0 }\n输入 实有", "范围 > 0 }\n输入 实有"),
        text.replace(
            "公式 实有人数 / 编制人数",
            "公式 如果 编制人数 = 0 则 0 否则 实有人数 / 编制人数",
        ),
        text.replace(
            "      显示 百分比 2\n",
            "      显示 百分比 2\n      无法计算时 得 满分\n",
        ),
    ] {
        assert_ne!(fixed, text);
        let rendered = diagnose("t.jx", &fixed);
        assert!(!rendered.contains("may_be_undefined"), "{fixed}\n{rendered}");
    }
}

/// Each class of mistake made in a copy of the real 2021 rule file is caught.
#[test]
fn mistakes_in_a_copy_of_the_2021_rules_are_caught() {
    let original = crate::read(&crate::root().join("rules/yueyang-2021.jx"));
    let cases: &[(&str, &str, &str)] = &[
        (
            "二级 预算配置 分值 15",
            "二级 预算配置 分值 16",
            "jixiao::check::weights_sum",
        ),
        (
            "公式 实有人数 / 编制人数",
            "公式 实有人数 / 编制人员",
            "是否指 `编制人数`",
        ),
        ("[80%, 90%) 得 4", "[80%, 85%) 得 4", "没有覆盖 [85%, 90%)"),
        ("[80%, 90%) 得 4", "[80%, 91%) 得 4", "jixiao::check::band_overlap"),
        (
            "公式 三公经费合计 / 三公经费预算",
            "公式 三公经费合计 + 编制人数",
            "jixiao::check::unit_mismatch",
        ),
        (">= 90%     得 5", ">= 90%     得 6", "超出了 0 到分值 5 的范围"),
        ("中 [60, 80)", "中 [60, 79)", "没有覆盖 [79, 80)"),
        (
            "计算 预算完成率 = 实际收入 / 年初预算",
            "计算 预算完成率 = 实际收入 / 年初预算 + 预算完成率",
            "jixiao::check::cycle",
        ),
    ];
    for (from, to, expect) in cases {
        assert!(original.contains(from), "{from}");
        let edited = original.replacen(from, to, 1);
        let rendered = diagnose("yueyang-2021（改）.jx", &edited);
        assert!(
            rendered.contains(expect),
            "{from} → {to}: expected {expect}, got:\n{rendered}"
        );
    }
}

/// A score that may leave 0..分值 is shown with a unit that really makes it do so: input
/// values within the declared ranges, found by evaluating made-up units. Such a unit proves
/// it, so the rule file does not check (issue 19); without one it is a warning.
#[test]
fn score_bounds_proven_by_an_example_unit_are_errors() {
    let rules = |scoring: &str| {
        format!(
            "标题 \"例\"\n年度 2021\n满分 5\n等级 {{ 好 >= 3  差 < 3 }}\n\
             输入 实有人数: 人 {{ 范围 >= 0 }}\n输入 编制人数: 人 {{ 范围 > 0 }}\n\
             一级 投入 分值 5 {{ 二级 配置 分值 5 {{ 三级 控制率 分值 5 {{\n\
             公式 实有人数 / 编制人数  显示 百分比 2\n评分 公式 {scoring}\n}} }} }}\n"
        )
    };
    let error = |scoring: &str| match jixiao::compile_with("例.jx", &rules(scoring), &crate::loader) {
        Ok(_) => panic!("{scoring}: expected the check to fail"),
        Err(jixiao::diagnostics::LoadError::Check(errors)) => {
            let found: Vec<_> = errors
                .errors
                .iter()
                .filter(|e| e.level == jixiao::diagnostics::Level::Error)
                .collect();
            assert_eq!(found.len(), 1, "{scoring}");
            assert_eq!(found[0].code.code(), "jixiao::check::score_bounds");
            found[0].message.clone()
        }
        Err(e) => panic!("{scoring}: {e}"),
    };
    // 实有人数 = 0: a rate of 0%, 5 - (0 - 1) × 50 = 55, above 5.
    assert_eq!(
        error("5 - (值 - 1) × 50"),
        "`控制率` 的得分会超出 0 到 5：例如 实有人数 = 0、编制人数 = 1 时，评分公式得出 55，\
         超出 0 到分值 5 的范围（按输入的范围，得分可能为 [-∞, +∞]）"
    );
    // Only above 100% (实有人数 = 100, 编制人数 = 1: 10000%) does this one go below 0.
    let text = error("min(5, 5 - (值 - 1) × 50)");
    assert!(
        text.contains("例如 实有人数 = 100、编制人数 = 1 时，评分公式得出 -4945，超出 0 到分值 5 的范围"),
        "{text}"
    );
    // No value in the ranges breaks the bound here, but the analysis cannot prove it
    // (it does not know that 值 × 0 is 0): a warning, with no example.
    let compiled = jixiao::compile_with("例.jx", &rules("5 + 值 × 0"), &crate::loader).expect("loads, with a warning");
    assert_eq!(compiled.warnings.len(), 1);
    let text = &compiled.warnings[0].message;
    assert!(text.starts_with("无法证明 `控制率`"), "{text}");
    assert!(!text.contains("例如"), "{text}");
    // A reviewer's score taken from an input declared 0–8 under 分值 5, and a deduction
    // with no floor: both provably leave 0..5.
    let review = rules("评审分").replace("输入 编制人数", "输入 评审分: 分 { 范围 [0, 8] }\n输入 编制人数");
    let err = crate::load_error("例.jx", &review);
    assert!(
        err.contains("的得分会超出 0 到 5") && err.contains("评审分 = 8"),
        "{err}"
    );
    let err = crate::load_error("例.jx", &rules("5 - 实有人数"));
    assert!(err.contains("的得分会超出 0 到 5"), "{err}");
}
