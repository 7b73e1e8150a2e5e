//! What changed between two rule sets (in the bureau's words), and what the change does
//! to each unit: score deltas per indicator and category, total, grade.

use jixiao::number::Number;
use serde::Serialize;

use crate::batch::input::{FileError, Item, Opened};
use jixiao::ast::Display;
use jixiao::model::{CCriterion, CheckDef, ComputedDef, InputDef, Kind, ListDef, Model, NodeDef, Value};
use jixiao::numfmt::{format_decimal, format_exact};
use jixiao::report::Evaluation;
use jixiao::source::Span;

/// One difference between the old and the new rule set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleChange {
    /// 文件头; 新增, 删除, 位置, 分值, 公式, 评分, 计步, 评分标准, 显示, 复核容差 (indicators);
    /// 等级; 新增/修改/删除输入, 别名, 范围, 缺失时; 新增/修改/删除目标清单;
    /// 新增/修改/删除计算, 显示, 复核容差; 新增/修改/删除勾稽, 容差, 级别, 差额.
    pub kind: String,
    pub subject: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A score that moved for one unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreChange {
    pub name: String,
    pub level: usize,
    #[serde(with = "jixiao::number::serde_option")]
    pub old: Option<Number>,
    #[serde(with = "jixiao::number::serde_option")]
    pub new: Option<Number>,
    pub delta: Number,
}

/// What the new rules do to one unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitEffect {
    /// Position in the input (1-based), so rows can be found again.
    pub number: usize,
    pub unit: String,
    #[serde(with = "jixiao::number::serde_option")]
    pub old_total: Option<Number>,
    #[serde(with = "jixiao::number::serde_option")]
    pub new_total: Option<Number>,
    /// `new_total − old_total`; `null` unless both totals are final.
    #[serde(with = "jixiao::number::serde_option")]
    pub delta: Option<Number>,
    pub old_grade: Option<String>,
    pub new_grade: Option<String>,
    pub grade_changed: bool,
    pub changes: Vec<ScoreChange>,
    /// Why the unit could not be evaluated under one of the rule sets.
    pub error: Option<String>,
    /// Why the unit has no total under one of the rule sets (an indicator without a
    /// score); its indicators' changes are still listed, its total change is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiffSide {
    pub file: String,
    pub title: String,
    pub year: u32,
    pub sha256: String,
}

/// The whole comparison; its JSON form is what `jixiao diff --format json` prints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiffReport {
    /// The JSON contract's version (`jixiao::JSON_VERSION`), first.
    pub version: u32,
    pub old: DiffSide,
    pub new: DiffSide,
    pub rule_changes: Vec<RuleChange>,
    /// Units ranked by the size of their total's change, largest first.
    pub units: Vec<UnitEffect>,
    pub units_changed: usize,
    pub grades_changed: usize,
}

fn side(model: &Model) -> DiffSide {
    DiffSide {
        file: model.source.name.clone(),
        title: model.title.clone(),
        year: model.year,
        sha256: model.sha256.clone(),
    }
}

fn path_of(model: &Model, i: usize) -> String {
    let mut p = model.node_path(i);
    p.push(model.nodes[i].name.clone());
    p.join(" / ")
}

fn change(kind: &str, subject: &str, old: Option<String>, new: Option<String>) -> RuleChange {
    RuleChange {
        kind: kind.into(),
        subject: subject.into(),
        old,
        new,
    }
}

/// The structural difference between two rule sets, in tree order of the new one.
///
/// Expressions and intervals are compared by their tokens (whitespace and comments do not
/// count) and shown as written; attributes (`容差`, `范围`, `显示` …) are compared by value.
pub fn rule_changes(old: &Model, new: &Model) -> Vec<RuleChange> {
    let mut out = Vec::new();
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
        leaf_changes(old, before, new, node, &subject, &mut out);
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
        &mut out,
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
    named("目标清单", lists(old), lists(new), |_, _, _| {}, &mut out);
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
        &mut out,
    );
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
        &mut out,
    );
    out
}

/// What an attribute that is not written (no alias, no range, no `缺失时` …) shows as.
const NOT_WRITTEN: &str = "（无）";

fn push_if(out: &mut Vec<RuleChange>, differs: bool, kind: &str, subject: &str, old: String, new: String) {
    if differs {
        out.push(change(kind, subject, Some(old), Some(new)));
    }
}

/// `"甲"、"乙"`, or [`NOT_WRITTEN`].
fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return NOT_WRITTEN.to_owned();
    }
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join("、")
}

fn sorted(names: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = names.iter().map(String::as_str).collect();
    v.sort_unstable();
    v
}

/// A rate as written in rules: `0.005` → `0.5%`.
fn percent_text(x: Number) -> String {
    x.clone()
        .checked_mul(Number::ONE_HUNDRED)
        .map_or_else(|_| format_exact(x), |p| format!("{}%", format_exact(p)))
}

/// `显示` as written in rules: `百分比 2`, `2`.
fn display_text(d: Option<Display>) -> String {
    match d {
        Some(d) if d.percent => format!("百分比 {}", d.decimals),
        Some(d) => d.decimals.to_string(),
        None => NOT_WRITTEN.to_owned(),
    }
}

/// `复核容差`, as a percent when the value shows as one.
fn tolerance_text(t: Option<Number>, display: Option<Display>) -> String {
    match t {
        Some(t) if display.is_some_and(|d| d.percent) => percent_text(t),
        Some(t) => format_exact(t),
        None => NOT_WRITTEN.to_owned(),
    }
}

fn input_changes(old: &Model, a: &InputDef, new: &Model, b: &InputDef, out: &mut Vec<RuleChange>) {
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

fn leaf_changes(old: &Model, a: &NodeDef, new: &Model, b: &NodeDef, subject: &str, out: &mut Vec<RuleChange>) {
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
        out.push(change(
            "评分",
            subject,
            Some(code_text(old, la.criterion_span)),
            Some(code_text(new, lb.criterion_span)),
        ));
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
struct Entry<T> {
    name: String,
    text: String,
    key: String,
    item: T,
}

/// 新增/修改/删除 of named declarations, in the new file's order, each modified or
/// unchanged one followed by what `attributes` finds changed in it.
fn named<A, B>(
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
fn code_text(m: &Model, span: Span) -> String {
    tokens(m.source.slice(span), false)
}

/// Rule text as compared: like [`code_text`], but a space is kept only where it separates
/// two words or two operator characters, so `[0,100%]` and `[0, 100%]` are the same.
fn code_key(m: &Model, span: Span) -> String {
    tokens(m.source.slice(span), true)
}

fn tokens(s: &str, compact: bool) -> String {
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

/// One unit of the data under one rule set: its number in the data, its name, and its
/// evaluation or why there is none.
pub type UnitResult = (usize, String, Result<Evaluation, String>);

/// Evaluates every row of one opened data file, numbering the units on from those already
/// in `out` (the same numbering under both rule sets, so that they pair up).
pub fn evaluate_rows(
    model: &Model,
    opened: &mut Opened,
    partial: bool,
    out: &mut Vec<UnitResult>,
) -> Result<(), FileError> {
    while let Some(item) = opened.next_item() {
        if let Item::Row(row) = item? {
            let number = out.len() + 1;
            let p = crate::batch::process(model, row, number, false, partial);
            out.push((number, p.unit, p.result.map(|d| d.evaluation)));
        }
    }
    Ok(())
}

/// Pairs each unit's results under the old rules with its results under the new ones.
pub fn pair_units(before: Vec<UnitResult>, after: Vec<UnitResult>) -> Result<Vec<UnitPair>, String> {
    if before.len() != after.len() {
        return Err(format!(
            "两套规则读出的单位个数不同（{} 对 {}），无法逐个比较",
            before.len(),
            after.len()
        ));
    }
    Ok(before
        .into_iter()
        .zip(after)
        .map(|((number, label, old), (_, _, new))| UnitPair {
            number,
            label,
            old,
            new,
        })
        .collect())
}

/// One unit's results under both rule sets (or why it could not be evaluated).
pub struct UnitPair {
    pub number: usize,
    pub label: String,
    pub old: Result<Evaluation, String>,
    pub new: Result<Evaluation, String>,
}

/// Compares every unit's evaluation under the two rule sets.
pub fn unit_effect(pair: UnitPair) -> UnitEffect {
    let (old, new) = match (pair.old, pair.new) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            let error = [
                o.err().map(|e| format!("旧规则：{e}")),
                n.err().map(|e| format!("新规则：{e}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("；");
            return UnitEffect {
                number: pair.number,
                unit: pair.label,
                old_total: None,
                new_total: None,
                delta: None,
                old_grade: None,
                new_grade: None,
                grade_changed: false,
                changes: Vec::new(),
                error: Some(error),
                incomplete: None,
            };
        }
    };
    let mut changes = Vec::new();
    let scores = |ev: &Evaluation| {
        // Scores that exist on this side (无法计算/不适用/incomplete subtotals have none).
        let mut v: Vec<(String, usize, Number)> = ev
            .categories
            .iter()
            .filter_map(|c| Some((c.name.clone(), c.level, c.score.clone()?)))
            .collect();
        v.extend(
            ev.indicators
                .iter()
                .filter_map(|i| Some((i.name.clone(), 3, i.score.clone()?))),
        );
        v
    };
    let (so, sn) = (scores(&old), scores(&new));
    for (name, level, score) in &sn {
        let before = so.iter().find(|(n, _, _)| n == name).map(|s| s.2.clone());
        let delta = score_change(score.clone(), before.clone().unwrap_or(Number::ZERO));
        if before != Some(score.clone()) {
            changes.push(ScoreChange {
                name: name.clone(),
                level: *level,
                old: before,
                new: Some(score.clone()),
                delta,
            });
        }
    }
    for (name, level, score) in &so {
        if !sn.iter().any(|(n, _, _)| n == name) {
            changes.push(ScoreChange {
                name: name.clone(),
                level: *level,
                old: Some(score.clone()),
                new: None,
                delta: -score.clone(),
            });
        }
    }
    let incomplete = [("旧规则", &old), ("新规则", &new)]
        .iter()
        .filter_map(|(side, ev)| {
            let note = ev.scoring.as_ref().filter(|_| !ev.complete)?;
            Some(format!("{side}下{}", note.text))
        })
        .collect::<Vec<_>>();
    let delta = match (&old.total, &new.total) {
        (Some(o), Some(n)) => Some(score_change(n.clone(), o.clone())),
        _ => None,
    };
    UnitEffect {
        number: pair.number,
        unit: new.unit.clone(),
        grade_changed: old.complete && new.complete && old.grade != new.grade,
        old_total: old.total,
        new_total: new.total,
        delta,
        old_grade: old.grade,
        new_grade: new.grade,
        changes,
        error: None,
        incomplete: (!incomplete.is_empty()).then(|| incomplete.join("；")),
    }
}

/// `new − old` for a score or total (exact; a subtraction cannot fail).
fn score_change(new: Number, old: Number) -> Number {
    new.checked_sub(old).unwrap_or_default()
}

/// Builds the report: rule changes, and units ranked by the size of their change.
pub fn report(old: &Model, new: &Model, units: Vec<UnitPair>) -> DiffReport {
    let mut effects: Vec<UnitEffect> = units.into_iter().map(unit_effect).collect();
    // Largest change first; ties keep input order (the sort is stable).
    // Largest change first (a unit without two final totals counts as no change).
    let size = |u: &UnitEffect| u.delta.clone().unwrap_or_default().abs();
    effects.sort_by(|a, b| size(b).cmp(&size(a)).then(b.grade_changed.cmp(&a.grade_changed)));
    DiffReport {
        version: jixiao::JSON_VERSION,
        old: side(old),
        new: side(new),
        rule_changes: rule_changes(old, new),
        units_changed: effects
            .iter()
            .filter(|u| u.delta.as_ref().is_some_and(|d| !d.is_zero()))
            .count(),
        grades_changed: effects.iter().filter(|u| u.grade_changed).count(),
        units: effects,
    }
}

/// The diff as the bureau reads it.
pub fn render_text(d: &DiffReport, precision: u32) -> String {
    let mut out = format!(
        "规则变化：{}（{} 年度）→ {}（{} 年度）\n",
        d.old.file, d.old.year, d.new.file, d.new.year
    );
    if d.rule_changes.is_empty() {
        out.push_str("  （规则没有变化）\n");
    }
    for c in &d.rule_changes {
        let text = match (&c.old, &c.new) {
            (Some(a), Some(b)) => format!("{a} → {b}"),
            (None, Some(b)) => b.clone(),
            (Some(a), None) => a.clone(),
            (None, None) => String::new(),
        };
        out.push_str(&format!("  [{}] {}：{text}\n", c.kind, c.subject));
    }
    if d.units.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "\n对单位的影响：{} 个单位中 {} 个总分变化，{} 个等级变化（按变化大小排序）\n",
        d.units.len(),
        d.units_changed,
        d.grades_changed
    ));
    let score = |x: Option<Number>| x.map_or("—".to_owned(), |v| format_decimal(v, false, precision));
    for u in &d.units {
        if let Some(e) = &u.error {
            out.push_str(&format!("  第 {} 个 {}：无法比较（{e}）\n", u.number, u.unit));
            continue;
        }
        if let Some(note) = &u.incomplete {
            out.push_str(&format!("  第 {} 个 {}：总分无法比较（{note}）\n", u.number, u.unit));
            continue;
        }
        let grade = if u.grade_changed {
            format!(
                "，等级 {} → {}",
                u.old_grade.as_deref().unwrap_or("—"),
                u.new_grade.as_deref().unwrap_or("—")
            )
        } else {
            format!("，等级 {}", u.new_grade.as_deref().unwrap_or("—"))
        };
        out.push_str(&format!(
            "  {}：总分 {} → {}（{}{}）{grade}\n",
            u.unit,
            score(u.old_total.clone()),
            score(u.new_total.clone()),
            if u.delta.as_ref().is_some_and(|d| *d > Number::ZERO) {
                "+"
            } else {
                ""
            },
            // Incomplete and erroneous units were written above; both totals are final here.
            format_decimal(u.delta.clone().unwrap_or_default(), false, precision)
        ));
        for c in &u.changes {
            out.push_str(&format!(
                "      {}：{} → {}（{}{}）\n",
                c.name,
                score(c.old.clone()),
                score(c.new.clone()),
                if c.delta > Number::ZERO { "+" } else { "" },
                format_decimal(c.delta.clone(), false, precision)
            ));
        }
    }
    out
}

/// One row per unit: number, unit, old/new total, delta, old/new grade, changed scores.
pub fn render_csv(d: &DiffReport, precision: u32) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let score = |x: Option<Number>| x.map_or(String::new(), |v| format_decimal(v, false, precision));
    let io = |e: csv::Error| e.to_string();
    w.write_record([
        "序号",
        "单位名称",
        "旧总分",
        "新总分",
        "变化",
        "旧等级",
        "新等级",
        "等级变化",
        "变化的得分",
        "错误",
    ])
    .map_err(io)?;
    for u in &d.units {
        let changes = u
            .changes
            .iter()
            .map(|c| format!("{} {}", c.name, format_decimal(c.delta.clone(), false, precision)))
            .collect::<Vec<_>>()
            .join("；");
        // Unit names and errors come from data files: no cell may run as a formula.
        let text = |t: &str| {
            if crate::batch::output::formula_like(t) {
                format!("'{t}")
            } else {
                t.to_owned()
            }
        };
        w.write_record([
            u.number.to_string(),
            text(&u.unit),
            score(u.old_total.clone()),
            score(u.new_total.clone()),
            u.delta
                .clone()
                .map(|d| format_decimal(d, false, precision))
                .unwrap_or_default(),
            u.old_grade.clone().unwrap_or_default(),
            u.new_grade.clone().unwrap_or_default(),
            match (&u.delta, u.grade_changed) {
                (None, _) => String::new(),
                (Some(_), true) => "是".to_owned(),
                (Some(_), false) => "否".to_owned(),
            },
            text(&changes),
            text(u.error.as_deref().or(u.incomplete.as_deref()).unwrap_or_default()),
        ])
        .map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The diff as a workbook: 规则变化 and 单位影响 sheets, scores as numbers.
pub fn render_xlsx(d: &DiffReport, precision: u32) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| format!("无法生成 XLSX 工作簿：{e}");
    let mut wb = Workbook::new();
    let header = Format::new().set_bold();
    let score_format = Format::new().set_num_format(if precision == 0 {
        "0".to_owned()
    } else {
        format!("0.{}", "0".repeat(precision as usize))
    });
    let number =
        |x: Number| -> Option<f64> { crate::batch::xlsx::to_f64(jixiao::numfmt::round_half_away(x, precision).ok()?) };
    let rules = wb.add_worksheet();
    rules.set_name("规则变化").map_err(err)?;
    for (c, h) in ["变化", "对象", "原规则", "新规则"].iter().enumerate() {
        rules.write_string_with_format(0, c as u16, *h, &header).map_err(err)?;
    }
    for (c, w) in [10.0, 40.0, 60.0, 60.0].iter().enumerate() {
        rules.set_column_width(c as u16, *w).map_err(err)?;
    }
    for (r, c) in d.rule_changes.iter().enumerate() {
        let row = r as u32 + 1;
        rules.write_string(row, 0, &c.kind).map_err(err)?;
        rules.write_string(row, 1, &c.subject).map_err(err)?;
        rules
            .write_string(row, 2, c.old.as_deref().unwrap_or(""))
            .map_err(err)?;
        rules
            .write_string(row, 3, c.new.as_deref().unwrap_or(""))
            .map_err(err)?;
    }
    let units = wb.add_worksheet();
    units.set_name("单位影响").map_err(err)?;
    let headers = [
        "序号",
        "单位名称",
        "旧总分",
        "新总分",
        "变化",
        "旧等级",
        "新等级",
        "等级变化",
        "变化的得分",
        "错误",
    ];
    for (c, h) in headers.iter().enumerate() {
        units.write_string_with_format(0, c as u16, *h, &header).map_err(err)?;
    }
    for (c, w) in [6.0, 30.0, 10.0, 10.0, 10.0, 8.0, 8.0, 8.0, 60.0, 40.0]
        .iter()
        .enumerate()
    {
        units.set_column_width(c as u16, *w).map_err(err)?;
    }
    for (r, u) in d.units.iter().enumerate() {
        let row = r as u32 + 1;
        units.write_number(row, 0, u.number as f64).map_err(err)?;
        units.write_string(row, 1, &u.unit).map_err(err)?;
        for (c, x) in [(2, u.old_total.clone()), (3, u.new_total.clone()), (4, u.delta.clone())] {
            if let Some(f) = x.and_then(number) {
                units.write_number_with_format(row, c, f, &score_format).map_err(err)?;
            }
        }
        units
            .write_string(row, 5, u.old_grade.as_deref().unwrap_or(""))
            .map_err(err)?;
        units
            .write_string(row, 6, u.new_grade.as_deref().unwrap_or(""))
            .map_err(err)?;
        units
            .write_string(row, 7, if u.grade_changed { "是" } else { "否" })
            .map_err(err)?;
        let changes = u
            .changes
            .iter()
            .map(|c| format!("{} {}", c.name, format_decimal(c.delta.clone(), false, precision)))
            .collect::<Vec<_>>()
            .join("；");
        units.write_string(row, 8, &changes).map_err(err)?;
        units
            .write_string(row, 9, u.error.as_deref().or(u.incomplete.as_deref()).unwrap_or(""))
            .map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}
