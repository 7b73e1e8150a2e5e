//! The rule changes between two models, in the bureau's words.

use jixiao::ast::Display;
use jixiao::model::{CCriterion, CheckDef, ComputedDef, InputDef, Kind, ListDef, Model, Value};
use jixiao::number::Number;
use jixiao::numfmt::format_exact;
use jixiao::source::Span;

use super::*;

pub(super) fn path_of(model: &Model, i: usize) -> String {
    let mut p = model.node_path(i);
    p.push(model.nodes[i].name.clone());
    p.join(" / ")
}

pub(super) fn change(kind: &str, subject: &str, old: Option<String>, new: Option<String>) -> RuleChange {
    RuleChange {
        kind: kind.into(),
        subject: subject.into(),
        old,
        new,
        old_words: None,
        new_words: None,
    }
}

/// The structural difference between two rule sets, in tree order of the new one.
///
/// Expressions and intervals are compared by their tokens (whitespace and comments do not
/// count) and shown as written; attributes (`容差`, `范围`, `显示` …) are compared by value.
pub fn rule_changes(old: &Model, new: &Model) -> Vec<RuleChange> {
    let mut out = Vec::new();
    header_changes(old, new, &mut out);
    tree_changes(old, new, &mut out);
    grade_changes(old, new, &mut out);
    declaration_changes(old, new, &mut out);
    check_changes(old, new, &mut out);
    out
}

/// 文件头: title, year, issuer, 满分, 得分精度, 不适用时.
fn header_changes(old: &Model, new: &Model, out: &mut Vec<RuleChange>) {
    for (label, a, b) in [
        ("标题", old.title.clone(), new.title.clone()),
        ("年度", old.year.to_string(), new.year.to_string()),
        ("发布单位", old.issuer.clone(), new.issuer.clone()),
        (
            "满分",
            format_exact(old.full_marks.clone()),
            format_exact(new.full_marks.clone()),
        ),
        (
            "得分精度",
            old.score_precision.to_string(),
            new.score_precision.to_string(),
        ),
        (
            "不适用时",
            old.not_applicable.map_or(NOT_WRITTEN, |r| r.label()).to_owned(),
            new.not_applicable.map_or(NOT_WRITTEN, |r| r.label()).to_owned(),
        ),
    ] {
        if a != b {
            out.push(change("文件头", label, Some(a), Some(b)));
        }
    }
}

/// Indicators added, removed, moved, reweighted, or changed in formula and scoring.
fn tree_changes(old: &Model, new: &Model, out: &mut Vec<RuleChange>) {
    let find = |m: &Model, name: &str| m.nodes.iter().position(|n| n.name == name);
    for (i, node) in new.nodes.iter().enumerate() {
        let subject = path_of(new, i);
        let Some(j) = find(old, &node.name) else {
            out.push(change(
                "新增",
                &subject,
                None,
                Some(format!("分值 {}", format_exact(node.weight.clone()))),
            ));
            continue;
        };
        let before = &old.nodes[j];
        if old.node_path(j) != new.node_path(i) {
            out.push(change("位置", &node.name, Some(path_of(old, j)), Some(subject.clone())));
        }
        if before.weight != node.weight {
            out.push(change(
                "分值",
                &subject,
                Some(format_exact(before.weight.clone())),
                Some(format_exact(node.weight.clone())),
            ));
        }
        leaf_changes((old, j), (new, i), &subject, out);
    }
    for (j, node) in old.nodes.iter().enumerate() {
        if find(new, &node.name).is_none() {
            out.push(change(
                "删除",
                &path_of(old, j),
                Some(format!("分值 {}", format_exact(node.weight.clone()))),
                None,
            ));
        }
    }
}

/// The grade bands (and their `依据`).
fn grade_changes(old: &Model, new: &Model, out: &mut Vec<RuleChange>) {
    // The grade rule as text, and as tokens for the comparison.
    let grades = |m: &Model, code: fn(&Model, Span) -> String| {
        let bands = m
            .grades
            .bands
            .iter()
            .map(|(g, i)| format!("{g} {}", code(m, i.span)))
            .collect::<Vec<_>>()
            .join("；");
        match &m.grades.subject {
            Some(s) => format!("依据 {}：{bands}", code(m, s.span)),
            None => bands,
        }
    };
    if grades(old, code_key) != grades(new, code_key) {
        out.push(change(
            "等级",
            "评价等次",
            Some(grades(old, code_text)),
            Some(grades(new, code_text)),
        ));
    }
}

/// Inputs, target lists and `计算` values added, removed or changed.
fn declaration_changes(old: &Model, new: &Model, out: &mut Vec<RuleChange>) {
    fn inputs(m: &Model) -> Vec<Entry<&InputDef>> {
        m.inputs
            .iter()
            .map(|i| Entry {
                name: i.name.clone(),
                text: i.kind.label().to_owned(),
                key: i.kind.label().to_owned(),
                item: i,
            })
            .collect()
    }
    named(
        "输入",
        inputs(old),
        inputs(new),
        |a, b, out| input_changes(old, a, new, b, out),
        out,
    );
    fn lists(m: &Model) -> Vec<Entry<&ListDef>> {
        m.lists
            .iter()
            .map(|l| {
                let mut text = format!("类别 {}", quoted(&l.categories));
                if !l.aliases.is_empty() {
                    text.push_str(&format!("；别名 {}", quoted(&l.aliases)));
                }
                // Order does not matter to categories or aliases.
                let key = format!("{:?}", (sorted(&l.categories), sorted(&l.aliases)));
                Entry {
                    name: l.name.clone(),
                    text,
                    key,
                    item: l,
                }
            })
            .collect()
    }
    named("目标清单", lists(old), lists(new), |_, _, _| {}, out);
    fn computed(m: &Model) -> Vec<Entry<&ComputedDef>> {
        m.computed
            .iter()
            .filter(|c| c.indicator.is_none())
            .map(|c| Entry {
                name: c.name.clone(),
                text: code_text(m, c.expr.span),
                key: code_key(m, c.expr.span),
                item: c,
            })
            .collect()
    }
    named(
        "计算",
        computed(old),
        computed(new),
        |a, b, out| {
            let (da, db) = (a.display, b.display);
            push_if(
                out,
                display_text(da) != display_text(db),
                "显示",
                &b.name,
                display_text(da),
                display_text(db),
            );
            push_if(
                out,
                a.audit_tolerance != b.audit_tolerance,
                "复核容差",
                &b.name,
                tolerance_text(a.audit_tolerance.clone(), da),
                tolerance_text(b.audit_tolerance.clone(), db),
            );
        },
        out,
    );
}

/// Cross-checks added, removed or changed (tolerance, severity, 差额).
fn check_changes(old: &Model, new: &Model, out: &mut Vec<RuleChange>) {
    fn checks(m: &Model) -> Vec<Entry<&CheckDef>> {
        m.checks
            .iter()
            .map(|c| {
                let (text, key) = match &c.sides {
                    Some((l, r)) if c.comparison => (
                        format!("{} 与 {}", code_text(m, l.span), code_text(m, r.span)),
                        format!("{} 与 {}", code_key(m, l.span), code_key(m, r.span)),
                    ),
                    _ => (code_text(m, c.condition.span), code_key(m, c.condition.span)),
                };
                Entry {
                    name: c.name.clone(),
                    text,
                    key,
                    item: c,
                }
            })
            .collect()
    }
    named(
        "勾稽",
        checks(old),
        checks(new),
        |a, b, out| {
            push_if(
                out,
                a.tolerance != b.tolerance,
                "容差",
                &b.name,
                format_exact(a.tolerance.clone()),
                format_exact(b.tolerance.clone()),
            );
            push_if(
                out,
                a.severity != b.severity,
                "级别",
                &b.name,
                a.severity.label().to_owned(),
                b.severity.label().to_owned(),
            );
            let difference = |m: &Model, c: &CheckDef, code: fn(&Model, Span) -> String| {
                c.difference
                    .as_ref()
                    .map_or_else(|| NOT_WRITTEN.to_owned(), |d| code(m, d.span))
            };
            push_if(
                out,
                difference(old, a, code_key) != difference(new, b, code_key),
                "差额",
                &b.name,
                difference(old, a, code_text),
                difference(new, b, code_text),
            );
        },
        out,
    );
}

/// What an attribute that is not written (no alias, no range, no `缺失时` …) shows as.
pub(super) const NOT_WRITTEN: &str = "（无）";

pub(super) fn push_if(out: &mut Vec<RuleChange>, differs: bool, kind: &str, subject: &str, old: String, new: String) {
    if differs {
        out.push(change(kind, subject, Some(old), Some(new)));
    }
}

/// `"甲"、"乙"`, or [`NOT_WRITTEN`].
pub(super) fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return NOT_WRITTEN.to_owned();
    }
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join("、")
}

pub(super) fn sorted(names: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = names.iter().map(String::as_str).collect();
    v.sort_unstable();
    v
}

/// A rate as written in rules: `0.005` → `0.5%`.
pub(super) fn percent_text(x: Number) -> String {
    x.clone()
        .checked_mul(Number::ONE_HUNDRED)
        .map_or_else(|_| format_exact(x), |p| format!("{}%", format_exact(p)))
}

/// `显示` as written in rules: `百分比 2`, `2`.
pub(super) fn display_text(d: Option<Display>) -> String {
    match d {
        Some(d) if d.percent => format!("百分比 {}", d.decimals),
        Some(d) => d.decimals.to_string(),
        None => NOT_WRITTEN.to_owned(),
    }
}

/// `复核容差`, as a percent when the value shows as one.
pub(super) fn tolerance_text(t: Option<Number>, display: Option<Display>) -> String {
    match t {
        Some(t) if display.is_some_and(|d| d.percent) => percent_text(t),
        Some(t) => format_exact(t),
        None => NOT_WRITTEN.to_owned(),
    }
}

pub(super) fn input_changes(old: &Model, a: &InputDef, new: &Model, b: &InputDef, out: &mut Vec<RuleChange>) {
    push_if(
        out,
        sorted(&a.aliases) != sorted(&b.aliases),
        "别名",
        &b.name,
        quoted(&a.aliases),
        quoted(&b.aliases),
    );
    let bounds = |i: &InputDef| i.ranges.iter().map(|r| (r.lower, r.upper)).collect::<Vec<_>>();
    let ranges = |m: &Model, i: &InputDef| {
        if i.ranges.is_empty() {
            return NOT_WRITTEN.to_owned();
        }
        i.ranges
            .iter()
            .map(|r| code_text(m, r.span))
            .collect::<Vec<_>>()
            .join("，")
    };
    push_if(
        out,
        bounds(a) != bounds(b),
        "范围",
        &b.name,
        ranges(old, a),
        ranges(new, b),
    );
    let default = |i: &InputDef| match &i.default {
        None => NOT_WRITTEN.to_owned(),
        Some(Value::Num(x)) if i.kind == Kind::Percent => percent_text(x.clone()),
        Some(Value::Num(x)) => format_exact(x.clone()),
        Some(Value::Bool(v)) => (if *v { "是" } else { "否" }).to_owned(),
        Some(Value::Text(t)) => format!("\"{t}\""),
        Some(Value::Undefined(_)) => jixiao::model::UNDEFINED_TEXT.to_owned(),
    };
    push_if(out, a.default != b.default, "缺失时", &b.name, default(a), default(b));
}

pub(super) fn leaf_changes(
    (old, j): (&Model, usize),
    (new, i): (&Model, usize),
    subject: &str,
    out: &mut Vec<RuleChange>,
) {
    let (a, b) = (&old.nodes[j], &new.nodes[i]);
    let (Some(la), Some(lb)) = (&a.leaf, &b.leaf) else {
        return;
    };
    let formula = |m: &Model, span: Option<Span>, code: fn(&Model, Span) -> String| span.map(|s| code(m, s));
    if formula(old, la.formula_span, code_key) != formula(new, lb.formula_span, code_key) {
        out.push(change(
            "公式",
            subject,
            formula(old, la.formula_span, code_text),
            formula(new, lb.formula_span, code_text),
        ));
    }
    if code_key(old, la.criterion_span) != code_key(new, lb.criterion_span) {
        out.push(RuleChange {
            old_words: crate::words::criterion(old, j),
            new_words: crate::words::criterion(new, i),
            ..change(
                "评分",
                subject,
                Some(code_text(old, la.criterion_span)),
                Some(code_text(new, lb.criterion_span)),
            )
        });
    }
    // The effective counting of partial steps: written in the criterion or the file's `计步`.
    if let (CCriterion::Deduct { stepping: sa, .. }, CCriterion::Deduct { stepping: sb, .. }) =
        (&la.criterion, &lb.criterion)
    {
        push_if(
            out,
            sa != sb,
            "计步",
            subject,
            sa.label().to_owned(),
            sb.label().to_owned(),
        );
    }
    if la.standard != lb.standard {
        out.push(change("评分标准", subject, la.standard.clone(), lb.standard.clone()));
    }
    push_if(
        out,
        display_text(la.display) != display_text(lb.display),
        "显示",
        subject,
        display_text(la.display),
        display_text(lb.display),
    );
    let audit = |m: &Model, l: &jixiao::model::Leaf| {
        l.value_slot
            .and_then(|s| m.computed.iter().find(|c| c.slot == s))
            .and_then(|c| c.audit_tolerance.clone())
    };
    let (ta, tb) = (audit(old, la), audit(new, lb));
    push_if(
        out,
        ta != tb,
        "复核容差",
        subject,
        tolerance_text(ta, la.display),
        tolerance_text(tb, lb.display),
    );
    // The effective `无法计算时` (the indicator's own or the file's), scores resolved.
    let undefined = |m: &Model, l: &jixiao::model::Leaf| {
        l.undefined
            .as_ref()
            .map_or(NOT_WRITTEN.to_owned(), |p| m.policy_text(p))
    };
    let (ua, ub) = (undefined(old, la), undefined(new, lb));
    push_if(out, ua != ub, "无法计算时", subject, ua, ub);
}

/// A named declaration (input, list, computed value, check) as one side of [`named`]
/// compares it: `text` is shown, `key` compared.
pub(super) struct Entry<T> {
    name: String,
    text: String,
    key: String,
    item: T,
}

/// 新增/修改/删除 of named declarations, in the new file's order, each modified or
/// unchanged one followed by what `attributes` finds changed in it.
pub(super) fn named<A, B>(
    kind: &str,
    old: Vec<Entry<A>>,
    new: Vec<Entry<B>>,
    mut attributes: impl FnMut(&A, &B, &mut Vec<RuleChange>),
    out: &mut Vec<RuleChange>,
) {
    for b in &new {
        match old.iter().find(|a| a.name == b.name) {
            None => out.push(change(&format!("新增{kind}"), &b.name, None, Some(b.text.clone()))),
            Some(a) => {
                if a.key != b.key {
                    out.push(change(
                        &format!("修改{kind}"),
                        &b.name,
                        Some(a.text.clone()),
                        Some(b.text.clone()),
                    ));
                }
                attributes(&a.item, &b.item, out);
            }
        }
    }
    for a in &old {
        if !new.iter().any(|b| b.name == a.name) {
            out.push(change(&format!("删除{kind}"), &a.name, Some(a.text.clone()), None));
        }
    }
}

/// Rule text as shown in a change: comments dropped, whitespace runs as one space,
/// strings kept as written.
pub(super) fn code_text(m: &Model, span: Span) -> String {
    tokens(m.source.slice(span), false)
}

/// Rule text as compared: like [`code_text`], but a space is kept only where it separates
/// two words or two operator characters, so `[0,100%]` and `[0, 100%]` are the same.
pub(super) fn code_key(m: &Model, span: Span) -> String {
    tokens(m.source.slice(span), true)
}

pub(super) fn tokens(s: &str, compact: bool) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '%';
    let op = |c: char| "<>=!≠≤≥≦≧+-*/×÷".contains(c);
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let comment = match c {
            '#' => Some(false),
            '/' if chars.peek() == Some(&'/') => Some(false),
            '/' if chars.peek() == Some(&'*') => Some(true),
            _ => None,
        };
        if let Some(block) = comment {
            space = true;
            if block {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            } else {
                while chars.next_if(|&d| d != '\n' && d != '\r').is_some() {}
            }
            continue;
        }
        if c.is_whitespace() || c == '\u{FEFF}' {
            space = true;
            continue;
        }
        if space {
            if let Some(prev) = out.chars().next_back() {
                if !compact || (word(prev) && word(c)) || (op(prev) && op(c)) {
                    out.push(' ');
                }
            }
            space = false;
        }
        out.push(c);
        // Strings are kept exactly as written.
        if c == '"' || c == '“' {
            jixiao::format::copy_string_rest(c, &mut chars, &mut out);
        }
    }
    out
}
