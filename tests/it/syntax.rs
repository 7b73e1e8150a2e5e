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
