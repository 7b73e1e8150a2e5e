//! Property tests (proptest), with bounded case counts so `cargo test` stays fast:
//! the formatter is idempotent and keeps meaning, printing and re-parsing a formula gives
//! the same formula, evaluation never panics on any record, and rounding is 四舍五入.

use std::sync::LazyLock;

use jixiao::number::Number;
use proptest::prelude::*;
use rust_decimal::Decimal;

use jixiao::ast::{BinOp, Expr, ExprKind, Item, UnOp};
use jixiao::data::{self, Raw};
use jixiao::source::{SourceFile, Span, Spanned};

const RULES: &str = "rules/yueyang-2021.jx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

static RULES_TEXT: LazyLock<String> = LazyLock::new(|| crate::read(&crate::root().join(RULES)));
static COMPILED: LazyLock<jixiao::Compiled> = LazyLock::new(|| crate::compile(RULES, &RULES_TEXT));
static SEED_RAW: LazyLock<Raw> = LazyLock::new(|| data::parse_toml(&crate::read(&crate::root().join(SEED))).unwrap());

// ── the formatter ─────────────────────────────────────────────────────────

/// One line of a rule file: its indentation, the code split at whitespace runs outside
/// strings (tokens kept exactly as written), and a trailing comment.
struct Line {
    words: Vec<String>,
    comment: Option<String>,
}

/// Splits the bundled rule file into lines of words. Lines inside `/* */` comments do
/// not occur in it (asserted), so a simple scan suffices.
fn lines(text: &str) -> Vec<Line> {
    assert!(
        !text.contains("/*"),
        "the layout generator does not handle block comments"
    );
    text.lines()
        .map(|raw| {
            let mut words = Vec::new();
            let mut word = String::new();
            let mut chars = raw.char_indices().peekable();
            let mut comment = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' | '“' => {
                        let close = if c == '"' { '"' } else { '”' };
                        word.push(c);
                        while let Some((_, d)) = chars.next() {
                            word.push(d);
                            if d == '\\' && close == '"' {
                                if let Some((_, e)) = chars.next() {
                                    word.push(e);
                                }
                            } else if d == close {
                                break;
                            }
                        }
                    }
                    '#' => {
                        comment = Some(raw[i..].to_owned());
                        break;
                    }
                    '/' if chars.peek().is_some_and(|(_, d)| *d == '/') => {
                        comment = Some(raw[i..].to_owned());
                        break;
                    }
                    c if c.is_whitespace() => {
                        if !word.is_empty() {
                            words.push(std::mem::take(&mut word));
                        }
                    }
                    c => word.push(c),
                }
            }
            if !word.is_empty() {
                words.push(word);
            }
            Line { words, comment }
        })
        .collect()
}

/// The bundled rule file with every whitespace run (outside strings and comments) and
/// every indentation replaced by one of `gaps`, cycling through it; with `newlines`,
/// some gaps between tokens become line breaks.
fn relayout(gaps: &[String], newlines: &[bool]) -> String {
    let mut out = String::new();
    let mut n = 0;
    let next = |n: &mut usize| {
        *n += 1;
        (
            &gaps[*n % gaps.len()],
            newlines.get(*n % newlines.len().max(1)).copied().unwrap_or(false),
        )
    };
    for line in lines(&RULES_TEXT) {
        let (indent, _) = next(&mut n);
        out.push_str(indent);
        for (i, word) in line.words.iter().enumerate() {
            if i > 0 {
                let (gap, newline) = next(&mut n);
                if newline {
                    out.push('\n');
                }
                out.push_str(gap);
            }
            out.push_str(word);
        }
        if let Some(c) = &line.comment {
            let (gap, _) = next(&mut n);
            out.push(' ');
            out.push_str(gap);
            out.push_str(c);
        }
        let (trailing, _) = next(&mut n);
        out.push_str(trailing);
        out.push('\n');
    }
    out
}

fn gap() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![Just(' '), Just('\t'), Just('\u{3000}')], 1..4)
        .prop_map(|chars| chars.into_iter().collect())
}

/// An evaluation as JSON without what depends on the rule file's bytes and lines.
fn meaning(compiled: &jixiao::Compiled) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for key in ["rule_line", "provenance", "rules"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let record = data::bind(&compiled.model, &SEED_RAW, "u.toml").unwrap();
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    let mut json = serde_json::to_value(&ev).unwrap();
    strip(&mut json);
    json
}

static CANONICAL: LazyLock<String> = LazyLock::new(|| jixiao::format::format_source(&RULES_TEXT).unwrap());
static MEANING: LazyLock<serde_json::Value> = LazyLock::new(|| meaning(&COMPILED));

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Spaces, tabs and ideographic spaces anywhere between tokens: formatting gives back
    /// exactly the canonical file.
    #[test]
    fn formatting_undoes_any_spacing(gaps in prop::collection::vec(gap(), 1..40)) {
        let text = relayout(&gaps, &[]);
        let formatted = jixiao::format::format_source(&text).unwrap();
        prop_assert_eq!(&formatted, &*CANONICAL);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Line breaks between tokens too: formatting is a fixed point after one pass, and the
    /// file evaluates the seed unit exactly as the original does, before and after.
    #[test]
    fn formatting_is_idempotent_and_keeps_meaning(
        gaps in prop::collection::vec(gap(), 1..40),
        newlines in prop::collection::vec(prop::bool::weighted(0.1), 1..50),
    ) {
        let text = relayout(&gaps, &newlines);
        let once = jixiao::format::format_source(&text).unwrap();
        let twice = jixiao::format::format_source(&once).unwrap();
        prop_assert_eq!(&once, &twice);
        prop_assert_eq!(&meaning(&crate::compile(RULES, &text)), &*MEANING);
        prop_assert_eq!(&meaning(&crate::compile(RULES, &once)), &*MEANING);
    }
}

// ── print(ast) parses back to the same ast ───────────────────────────────

fn expr(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn name(n: &str) -> Spanned<String> {
    Spanned::new(n.to_owned(), Span::default())
}

fn decimal() -> impl Strategy<Value = Decimal> {
    // Non-negative literals (a minus sign is a unary operator), up to 28 digits.
    (0u128..10u128.pow(20), 0u32..=8).prop_map(|(m, s)| Decimal::from_i128_with_scale(m as i128, s))
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        decimal().prop_map(|value| expr(ExprKind::Number { value, percent: false })),
        // A percent literal is stored divided by 100: exact for these scales.
        (0u64..100_000, 0u32..=4).prop_map(|(m, s)| expr(ExprKind::Number {
            value: Decimal::new(m as i64, s + 2),
            percent: true,
        })),
        "[a-z0-9 ]{0,6}".prop_map(|s| expr(ExprKind::Text(s))),
        any::<bool>().prop_map(|b| expr(ExprKind::Bool(b))),
        prop::sample::select(vec!["a", "b", "x1", "编制人数", "实有人数", "_y"])
            .prop_map(|n| expr(ExprKind::Name(n.to_owned()))),
    ]
}

fn binop() -> impl Strategy<Value = BinOp> {
    prop::sample::select(vec![
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::And,
        BinOp::Or,
    ])
}

fn any_expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 3, |inner| {
        prop_oneof![
            (prop::bool::ANY, inner.clone())
                .prop_map(|(neg, e)| expr(ExprKind::Unary(if neg { UnOp::Neg } else { UnOp::Not }, Box::new(e)))),
            (binop(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| expr(ExprKind::Binary(
                op,
                Box::new(l),
                Box::new(r)
            ))),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, t, e)| expr(ExprKind::If(
                Box::new(c),
                Box::new(t),
                Box::new(e)
            ))),
            (
                prop::sample::select(vec!["min", "max", "abs", "round", "计数"]),
                prop::collection::vec(inner.clone(), 1..4),
                prop::option::of(inner),
            )
                .prop_map(|(f, args, filter)| expr(ExprKind::Call {
                    func: name(f),
                    args,
                    filter: filter.map(Box::new),
                })),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// `Display` prints a formula fully parenthesised; parsing that text inside
    /// `计算 x = …` gives a formula that prints the same.
    #[test]
    fn printed_formulas_parse_back_to_the_same_tree(e in any_expr()) {
        let printed = e.to_string();
        let text = format!("计算 x = {printed}\n");
        let parsed = jixiao::syntax::parse(&SourceFile::new("p.jx", &text))
            .map_err(|err| TestCaseError::fail(format!("{printed}\n{}", err.message())))?;
        let Some(Item::Let(decl)) = parsed.items.first() else {
            return Err(TestCaseError::fail(format!("not a 计算: {printed}")));
        };
        prop_assert_eq!(decl.expr.to_string(), printed);
    }
}

// ── evaluation never panics ──────────────────────────────────────────────

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Any decimal rust_decimal can hold, at any scale.
        (any::<i128>(), 0u32..=28).prop_map(|(m, s)| {
            let m = m % (1i128 << 96);
            Decimal::from_i128_with_scale(m, s).to_string()
        }),
        // Huge and tiny magnitudes, zeros, negatives, percents, exponents, junk.
        prop::sample::select(vec![
            "0",
            "-0",
            "0.000",
            "-1",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "-0.0000000000000000000000000001",
            "1e28",
            "1e-28",
            "1e29",
            "100%",
            "-5%",
            "１２３",
            "9,999",
            "9,5",
            "NaN",
            "",
        ])
        .prop_map(str::to_owned),
        "[-0-9.,e%]{1,12}",
    ]
}

fn value() -> impl Strategy<Value = Option<Raw>> {
    prop_oneof![
        3 => Just(None),
        6 => number_text().prop_map(|s| Some(Raw::Number(s))),
        3 => number_text().prop_map(|s| Some(Raw::Text(s))),
        1 => any::<bool>().prop_map(|b| Some(Raw::Bool(b))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The 2021 rules on the seed unit with any inputs changed or left out: binding or
    /// evaluation may refuse with a message, but never panics.
    #[test]
    fn evaluation_never_panics(
        changes in prop::collection::vec((any::<prop::sample::Index>(), value()), 0..24),
        reviews in prop::collection::vec(number_text(), 0..4),
    ) {
        let model = &COMPILED.model;
        let mut raw = SEED_RAW.clone();
        for (index, v) in changes {
            let input = &model.inputs[index.index(model.inputs.len())];
            match v {
                None => data::remove_everywhere(&mut raw, &input.name),
                Some(v) => data::set_path(&mut raw, std::slice::from_ref(&input.name), v),
            }
        }
        for (leaf, score) in model.review_leaves.iter().zip(reviews) {
            let path = [data::REVIEW_KEYS[0].to_owned(), model.nodes[*leaf].name.clone()];
            data::set_path(&mut raw, &path, Raw::Number(score));
        }
        match data::bind(model, &raw, "u.toml") {
            Ok(record) => match jixiao::evaluate(model, &record, true) {
                Ok(ev) => {
                    let _ = jixiao_io::text::render_table(&ev);
                    let _ = jixiao_io::text::render_explain(&ev);
                    let _ = serde_json::to_string(&ev).unwrap();
                }
                Err(e) => {
                    let _ = jixiao::diagnostics::render_plain(&*e);
                }
            },
            Err(e) => {
                let _ = jixiao::diagnostics::render_plain(&e);
            }
        }
    }
}

// ── rounding is 四舍五入 ──────────────────────────────────────────────────

/// 四舍五入 on the decimal digits, written independently of rust_decimal: keep `dp`
/// decimals; if the first dropped digit is 5 or more, add one to the last kept digit
/// (carrying); the sign stays. Returns the digits as text.
fn reference_round(text: &str, dp: usize) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.len() <= dp {
        let mut frac = frac.to_owned();
        frac.extend(std::iter::repeat_n('0', dp - frac.len()));
        return if dp == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        };
    }
    let round_up = frac.as_bytes()[dp] >= b'5';
    let mut kept: Vec<u8> = format!("{int}{}", &frac[..dp]).into_bytes();
    if round_up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let kept = String::from_utf8(kept).unwrap();
    let (int, frac) = kept.split_at(kept.len() - dp);
    if dp == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

fn any_decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (any::<i128>(), 0u32..=28).prop_map(|(m, s)| Decimal::from_i128_with_scale(m % (1i128 << 96), s)),
        // Exact halves, where 四舍五入 and banker's rounding differ.
        (any::<i64>(), 1u32..=20).prop_map(|(m, s)| Decimal::from_i128_with_scale(i128::from(m) * 10 + 5, s)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn rounding_is_half_away_from_zero(x in any_decimal(), dp in 0u32..=30) {
        let rounded = jixiao::eval::value::round_half_away(Number::from(x), dp).unwrap();
        let expected: Decimal = reference_round(&x.to_string(), dp as usize).parse().unwrap();
        prop_assert_eq!(rounded.clone(), Number::from(expected), "{} to {} places", x, dp);
        // At most `dp` decimals: the reduced denominator divides 10^dp.
        prop_assert!((num_bigint::BigInt::from(10).pow(dp) % rounded.parts().1) == num_bigint::BigInt::from(0));
    }

    /// Display rounding is the same 四舍五入, always with exactly `dp` decimals, and never
    /// shows `-0.00`.
    #[test]
    fn display_rounds_half_away_with_fixed_decimals(x in any_decimal(), dp in 0u32..=6, percent in any::<bool>()) {
        let shown = jixiao::eval::value::format_decimal(Number::from(x), percent, dp);
        // Exact: × 100 never overflows a decimal's 96-bit mantissa.
        let scaled = if percent { Number::from(x).checked_mul(Number::ONE_HUNDRED).ok() } else { Some(Number::from(x)) };
        match scaled {
            None => prop_assert!(false, "{} × 100 overflowed", x),
            Some(v) => {
                let mut expected = reference_round(&v.to_string(), dp as usize);
                if expected.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
                    expected = expected.trim_start_matches('-').to_owned();
                }
                if percent {
                    expected.push('%');
                }
                prop_assert_eq!(shown, expected);
            }
        }
    }

    /// Exact decimal text parses to itself; rounding away digits is refused.
    #[test]
    fn decimals_parse_exactly_or_not_at_all(x in any_decimal(), extra in 1u32..9) {
        prop_assert_eq!(jixiao::eval::value::parse_exact(&x.to_string()), Some(x));
        prop_assert_eq!(data::parse_decimal(&x.to_string()), Some(x));
        // A nonzero digit beyond the 28th decimal place cannot be held.
        let too_fine = format!("{}{}1", if x.scale() == 0 { format!("{x}.") } else { x.to_string() },
            "0".repeat((28 - x.scale() + extra - 1) as usize));
        prop_assert_eq!(jixiao::eval::value::parse_exact(&too_fine), None, "{}", too_fine);
    }

    /// Line and column by the line index match counting from the start.
    #[test]
    fn line_col_matches_counting(text in "[a甲\n\r ]{0,40}", at in any::<prop::sample::Index>()) {
        let source = SourceFile::new("t", &text);
        let offsets: Vec<usize> = source.text.char_indices().map(|(i, _)| i).chain([source.text.len()]).collect();
        let offset = offsets[at.index(offsets.len())];
        let before = &source.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        prop_assert_eq!(source.line_col(offset), (line, col));
    }
}
