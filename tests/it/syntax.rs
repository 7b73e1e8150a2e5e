//! Grammar and lowering: precedence, literals, and syntax-error diagnostics.

use jixiao::ast::{ExprKind, Item};
use jixiao::source::SourceFile;

/// Parses `计算 x = <expr>` and prints the expression fully parenthesised.
fn expr(text: &str) -> String {
    let source = SourceFile::new("t.jx", &format!("计算 x = {text}"));
    let rules = jixiao::syntax::parse(&source).unwrap_or_else(|e| panic!("{text}: {}", e.message()));
    match &rules.items[0] {
        Item::Let(l) => l.expr.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arithmetic_precedence_and_associativity() {
    assert_eq!(expr("1 + 2 * 3"), "(1 + (2 × 3))");
    assert_eq!(expr("1 - 2 - 3"), "((1 - 2) - 3)");
    assert_eq!(expr("8 ÷ 4 ÷ 2"), "((8 ÷ 4) ÷ 2)");
    assert_eq!(expr("(1 + 2) × 3"), "((1 + 2) × 3)");
    assert_eq!(expr("-a * b"), "((-a) × b)");
    assert_eq!(expr("a − b ÷ c"), "(a - (b ÷ c))");
}

#[test]
fn logical_and_comparison_precedence() {
    assert_eq!(expr("a 或 b 且 c"), "(a 或 (b 且 c))");
    assert_eq!(expr("非 a = b"), "(非 (a = b))");
    assert_eq!(expr("a + 1 >= b * 2 and c < 3"), "(((a + 1) ≥ (b × 2)) 且 (c < 3))");
    assert_eq!(expr("x ≤ 100% 或 y ≠ 0"), "((x ≤ 100%) 或 (y ≠ 0))");
}

#[test]
fn conditional_and_calls() {
    assert_eq!(expr("如果 a > 1 则 2 否则 3"), "(如果 (a > 1) 则 2 否则 3)");
    assert_eq!(expr("round(a / b, 2)"), "round((a ÷ b), 2)");
    assert_eq!(
        expr("计数(绩效目标 其中 类别 = \"质量指标\" 且 达成)"),
        "计数(绩效目标 其中 ((类别 = \"质量指标\") 且 达成))"
    );
    assert_eq!(expr("max（0，a）"), "max(0, a)");
}

#[test]
fn percent_literals_are_exact_fractions() {
    let source = SourceFile::new("t.jx", "计算 x = 0.5% + 100% + 12.345％");
    let rules = jixiao::syntax::parse(&source).unwrap();
    let Item::Let(l) = &rules.items[0] else { panic!() };
    let mut values = Vec::new();
    fn walk(e: &jixiao::ast::Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Number { value, percent } => out.push(format!("{value}{}", if *percent { "p" } else { "" })),
            ExprKind::Binary(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            _ => {}
        }
    }
    walk(&l.expr, &mut values);
    assert_eq!(values, ["0.005p", "1p", "0.12345p"]);
}

#[test]
fn keywords_need_a_word_boundary() {
    // `输入编制` is one name, not the keyword 输入 followed by 编制.
    let source = SourceFile::new("t.jx", "计算 输入编制 = 1");
    assert!(jixiao::syntax::parse(&source).is_ok());
    let source = SourceFile::new("t.jx", "计算 如果 = 1");
    assert!(jixiao::syntax::parse(&source).is_err());
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    let deep = format!("计算 x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let err = jixiao::syntax::parse(&SourceFile::new("deep.jx", &deep)).unwrap_err();
    assert!(err.message().contains("嵌套超过"), "{}", err.message());
    let ok = format!("计算 x = {}1{}", "(".repeat(60), ")".repeat(60));
    assert!(jixiao::syntax::parse(&SourceFile::new("ok.jx", &ok)).is_ok());
}

#[test]
fn long_operator_chains_are_a_diagnostic() {
    let long = format!("计算 x = 1{}", " + 1".repeat(100_000));
    let err = jixiao::syntax::parse(&SourceFile::new("long.jx", &long)).unwrap_err();
    assert!(err.message().contains("表达式过长"), "{}", err.message());
    let nots = format!("计算 x = {}是", "非 ".repeat(100_000));
    assert!(jixiao::syntax::parse(&SourceFile::new("not.jx", &nots)).is_err());
}

/// The number grammar of docs/language.md §7.1 and §13: `1e3`, `1_000` and `1,74` are
/// rejected with the same hint in a rule file as in a data file; full-width digits and
/// point are the same number.
#[test]
fn one_number_grammar_in_rule_files() {
    let error = |formula: &str| {
        let text = format!("标题 \"t\"\n年度 2021\n输入 a: 人\n计算 x = {formula}\n");
        crate::load_error("t.jx", &text)
    };
    for (formula, hint) in [
        ("a + 1e3", "不支持科学计数法：请写成 1000"),
        ("a + 1E3", "不支持科学计数法：请写成 1000"),
        ("a + 1e30", "不支持科学计数法：请写成 1000000000000000000000000000000"),
        ("a + 2.5e-3", "不支持科学计数法：请写成 0.0025"),
        ("a × 95e1%", "不支持科学计数法：请写成 950%"),
        ("a + 36_96.83", "数字中不能有下划线：请写成 3696.83"),
        ("a + _3696.83", "数字中不能有下划线：请写成 3696.83"),
        ("a + 1_7_4", "数字中不能有下划线：请写成 174"),
        ("a + 1,74", "规则文件中的数字不写千分位逗号：请写成 174"),
        ("a + 1,234.5", "规则文件中的数字不写千分位逗号：请写成 1234.5"),
    ] {
        let err = error(formula);
        assert!(err.contains(hint), "{formula}: {err}");
    }
    // The span is the whole number, not the `e3` after a `1`.
    let err = error("a + 1e3");
    assert!(err.contains("这里是 `1e3`") || err.contains("`1e3`"), "{err}");
    // An interval bound and a weight read numbers the same way.
    let bands = "标题 \"t\"\n年度 2021\n满分 5\n输入 a: 人\n一级 甲 分值 5 { 二级 乙 分值 5 { 三级 丙 分值 5 { 公式 a 评分 分档 { >= 1e2 得 5 < 1e2 得 0 } } } }\n";
    assert!(crate::load_error("t.jx", bands).contains("不支持科学计数法：请写成 100"));

    // Accepted: full-width digits and point, a full-width percent, a negative bound.
    assert_eq!(expr("a + １２３．５"), "(a + 123.5)");
    assert_eq!(expr("a × ９５％"), "(a × 95%)");
    assert_eq!(expr("a + 007.50"), "(a + 7.50)");
    assert_eq!(expr("-0.5 + a"), "((-0.5) + a)");
    // A name may still contain digits and underscores; a call still separates arguments
    // with a comma.
    assert_eq!(expr("a_1 + e3"), "(a_1 + e3)");
    assert_eq!(expr("max(1,74)"), "max(1, 74)");
}

#[test]
fn an_item_count_is_a_unit_not_the_keyword() {
    // `项` is the 清单 item keyword and a documented count unit: as a type and as a step
    // unit it is the unit (issue 19: rejected as "`项` 是关键字").
    let rules = "标题 \"整改\"\n年度 2021\n满分 10\n计步 连续\n输入 整改问题数: 项 { 范围 >= 0 }\n\
                 一级 过程 分值 10 {\n  二级 管理 分值 10 {\n    三级 问题整改 分值 10 {\n      公式 整改问题数\n\
                 显示 0\n      评分 扣分 { 基准 0  每超过 1 项 扣 2 }\n    }\n  }\n}\n等级 { 好 >= 6  差 < 6 }\n";
    let compiled = crate::compile("item.jx", rules);
    assert_eq!(compiled.model.inputs[0].kind.label(), "项");
    assert!(compiled.model.inputs[0].kind.is_count());
    let record = jixiao::load_data(
        &compiled.model,
        "d.toml",
        "\"单位名称\" = \"甲\"\n\"整改问题数\" = 3\n",
        jixiao::DataFormat::Toml,
    )
    .unwrap();
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    assert_eq!(ev.indicators[0].score_display, "4.00"); // 3 items over 0, 2 points each
                                                        // A name is still not allowed to be the keyword.
    let err = crate::load_error("bad.jx", &rules.replace("输入 整改问题数: 项", "输入 项: 项"));
    assert!(err.contains("`项` 是关键字，不能用作名称"), "{err}");
}

/// Issue 19: the usual mistakes made in a copy of the real 2021 file are reported in the
/// author's words, not as lists of what the parser could take.
#[test]
fn syntax_errors_in_the_authors_words() {
    let real = crate::read(&crate::root().join("rules/yueyang-2021.jx"));
    let error = |from: &str, to: &str| {
        assert!(real.contains(from), "{from}");
        crate::load_error("yueyang.jx", &real.replacen(from, to, 1))
    };
    for (from, to, says) in [
        ("年度 2021", "年度 2021年", "年度只写数字，如 `年度 2021`"),
        ("基准 100% 每超过", "基准 100%% 每超过", "多了一个 `%`"),
        ("百分点 扣 0.5", "百分点 扣0.5", "`扣` 和 `0.5` 之间少了空格"),
        ("控制率 分值 5", "控制率 分值5", "`分值` 和 `5` 之间少了空格"),
        (">= 90%     得 5", ">= 90%     得 5分", "分数只写数字，不写 `分`"),
        ("\"岳阳市财政局\"", "\"岳阳市财政局", "引号没有配对"),
        ("实际收入 - 支出合计 显示 2", "实际收入 - 支出合计；", "行尾不写 `；`"),
        ("[80%, 90%)", "【80%, 90%)", "`【` 不是规则文件中的括号"),
    ] {
        let err = error(from, to);
        assert!(err.contains(says), "{to}: {err}");
        assert!(!err.contains(" 等\n"), "{to}: a bare list: {err}");
    }
    // A `}` missing in the middle is reported where the block ends by indentation, with
    // the unclosed `{` labelled, not at the file's end.
    let err = error("      无法计算时 得 0\n    }\n", "      无法计算时 得 0\n\n");
    assert!(
        err.contains("这个代码块（第 140 行的 `{`）没有闭合：多半应在第 149 行之前加 `}`"),
        "{err}"
    );
    assert!(err.contains("这个代码块没有闭合的 `}`"), "{err}");
    assert!(!err.contains("等级 依据"), "{err}");
}

/// Issue 19, the rest of item 5: a keyword written in the wrong place, a one-line block
/// missing its `}`, a `%` after a name, and `评分` with no way of scoring after it.
#[test]
fn more_syntax_errors_in_the_authors_words() {
    let case = |name: &str| {
        let path = crate::root().join("tests/errors").join(name);
        crate::load_error(name, &crate::read(&path))
    };
    let err = case("keyword_misplaced.jx");
    assert!(err.contains("`分值` 不能写在这里"), "{err}");
    assert!(err.contains("写在指标名称的后面"), "{err}");
    assert!(err.contains("keyword_misplaced.jx:14:7]"), "{err}");
    assert!(
        err.contains("三级指标中这里应是"),
        "what belongs here is still said: {err}"
    );

    let err = case("scoring_without_kind.jx");
    assert!(err.contains("`评分` 后面少了评分方式"), "{err}");
    assert!(
        err.contains("scoring_without_kind.jx:13:"),
        "at the `评分`, not the next line: {err}"
    );

    let err = case("one_line_block_unclosed.jx");
    assert!(
        err.contains("这个代码块（第 14 行的 `{`）没有闭合：一行写完的代码块要在这一行的末尾加 `}`"),
        "{err}"
    );
    assert!(err.contains("评分 扣分 { 基准 100%  每超过 1 百分点 扣 0.5 }"), "{err}");
    assert!(!err.contains("第 12 行的 `{`"), "not the indicator around it: {err}");

    let err = case("percent_after_name.jx");
    assert!(err.contains("名称 `实有人数` 后面不能写 `%`"), "{err}");
    assert!(!err.contains("之间不能有空格"), "no space here: {err}");

    // The same mistakes elsewhere in a file.
    let base = crate::read(&crate::root().join("tests/errors/keyword_misplaced.jx")).replace("      分值 10\n", "");
    let error = |from: &str, to: &str| {
        assert!(base.contains(from), "{from}");
        crate::load_error("t.jx", &base.replacen(from, to, 1))
    };
    let err = error("一级 投入", "公式 实有人数\n一级 投入");
    assert!(
        err.contains("`公式` 不能写在这里：`公式` 写在三级指标的 `{ }` 里"),
        "{err}"
    );
    let err = error("{ 范围 > 0 }", "{ 范围 > 0 显示 2 }");
    assert!(err.contains("`显示` 不能写在这里"), "{err}");
    assert!(err.contains("输入的 `{ }` 中这里应是"), "{err}");
    let err = error("差 < 6 }", "差 < 6");
    assert!(err.contains("一行写完的代码块要在这一行的末尾加 `}`"), "{err}");
    let err = error("公式 实有人数 / 编制人数", "公式 (实有人数 + 1)% / 编制人数");
    assert!(err.contains("表达式后面不能写 `%`"), "{err}");
}

/// A grade band without its interval gets the grade's example, not a scoring band's
/// (`>= 90% 得 5` would be wrong inside `等级 { … }`).
#[test]
fn a_grade_band_without_an_interval_is_helped_with_a_grade_example() {
    let text = "等级 {\n  优秀 >= 90\n  差\n}\n";
    let source = SourceFile::new("t.jx", text);
    let e = jixiao::syntax::parse(&source).expect_err("差 has no interval");
    let help = e.help_text().unwrap_or_default();
    assert!(help.contains("等级写作 `优秀 >= 90`"), "{help}");
    assert!(!help.contains("得 5"), "{help}");
}
