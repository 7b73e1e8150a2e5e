//! Numbers and values as a person reads them: as the rule file's `显示` says, money as
//! money is written, exact values where nothing was rounded; formulas with the unit's
//! values substituted; why a value is 无法计算.

use crate::number::Number;

use crate::eval::Outcome;
use crate::model::*;
use crate::numfmt::{format_decimal, format_exact, format_money, round_half_away};

/// A slot's value as a person reads it: as its `显示` says; an amount (万元, 元) as money is
/// written (`44.00`, exact beyond two decimals); otherwise exact.
pub(crate) fn shown(model: &Model, slot: usize, v: &Value) -> String {
    match (v, model.slot_display(slot)) {
        (Value::Num(n), Some(d)) => format_decimal(n.clone(), d.percent, d.decimals),
        (Value::Num(n), None)
            if model
                .inputs
                .get(slot)
                .is_some_and(|i| matches!(i.kind, crate::model::Kind::Quantity("万元" | "元"))) =>
        {
            format_money(n)
        }
        _ => Value::text(v),
    }
}

/// Whether a value's display (`显示`) shows it without rounding anything away.
pub(crate) fn shown_exactly(x: &Number, display: Option<crate::ast::Display>) -> bool {
    match display {
        Some(d) => {
            let places = d.decimals + if d.percent { 2 } else { 0 };
            x.clone().round(places).is_ok_and(|r| r == *x)
        }
        None => true,
    }
}

pub(crate) fn score_text(model: &Model, x: Number) -> String {
    format_decimal(x, false, model.score_precision)
}

/// Exact numbers with more than four decimals are shown as `≈` four decimals.
pub(crate) fn approx(x: Number) -> String {
    match round_half_away(x.clone(), 4) {
        Ok(r) if r == x => format_exact(x),
        Ok(r) => format!("≈{}", format_exact(r)),
        Err(_) => format_exact(x),
    }
}

/// Why a leaf has no score. For missing data, every missing input its formula needs
/// (`缺少 编制人数、实有人数`), not only the first one the evaluation met.
pub(crate) fn unscored_reason(model: &Model, outcome: &Outcome, leaf: usize, reason: &Undefined) -> String {
    model.nodes[leaf]
        .leaf
        .as_ref()
        .and_then(|l| l.value_slot)
        .filter(|_| reason.cause == crate::model::UndefinedCause::Missing)
        .and_then(|slot| missing_behind(model, outcome, slot))
        .unwrap_or_else(|| reason.reason.clone())
}

/// `缺少 年初预算、实际收入`: the missing inputs behind a value that is 无法计算, in
/// declaration order; `None` when none is missing.
pub(crate) fn missing_behind(model: &Model, outcome: &Outcome, slot: usize) -> Option<String> {
    let mut missing = Vec::new();
    let mut seen = vec![false; model.slot_count];
    let mut pending = vec![slot];
    while let Some(s) = pending.pop() {
        if std::mem::replace(&mut seen[s], true) {
            continue;
        }
        match outcome.slots.get(s) {
            Some(Value::Undefined(_)) if s < model.inputs.len() => missing.push(s),
            Some(Value::Undefined(_)) => {
                if let Some(c) = model.computed.iter().find(|c| c.slot == s) {
                    pending.extend(c.refs.iter().map(|(_, r)| *r));
                }
            }
            _ => {}
        }
    }
    missing.sort_unstable();
    let names: Vec<&str> = missing.iter().map(|&s| model.inputs[s].name.as_str()).collect();
    (!names.is_empty()).then(|| format!("缺少 {}", names.join("、")))
}

/// A slot's value as shown, with every missing input behind a value 无法计算 for want of
/// data (not only the first one met).
pub(crate) fn shown_with_missing(model: &Model, outcome: &Outcome, slot: usize, v: &Value) -> String {
    match v {
        Value::Undefined(u) if u.cause == crate::model::UndefinedCause::Missing && slot >= model.inputs.len() => {
            match missing_behind(model, outcome, slot) {
                Some(why) => format!("{}（{why}）", crate::model::UNDEFINED_TEXT),
                None => shown(model, slot, v),
            }
        }
        _ => shown(model, slot, v),
    }
}

/// Collapses runs of whitespace so multi-line formulas print on one line.
pub(crate) fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A computed value's formula with each name replaced by this unit's value.
pub(crate) fn substitute(model: &Model, c: &ComputedDef, outcome: &Outcome) -> String {
    let span = c.expr.span;
    let mut out = String::new();
    let mut at = span.start;
    let mut refs = c.refs.clone();
    refs.sort_by_key(|(s, _)| s.start);
    for (ref_span, slot) in refs {
        if ref_span.start < at || ref_span.end > span.end {
            continue;
        }
        out.push_str(model.source.slice(crate::source::Span::new(at, ref_span.start)));
        out.push_str(
            &outcome
                .slots
                .get(slot)
                .map(|v| shown(model, slot, v))
                .unwrap_or_default(),
        );
        at = ref_span.end;
    }
    out.push_str(model.source.slice(crate::source::Span::new(at, span.end)));
    squash(&out)
}
