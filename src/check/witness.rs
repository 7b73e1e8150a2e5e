//! An example behind a "score may leave 0..分值" warning: input values within the declared
//! ranges under which a score formula really gives a score outside its bounds. The interval
//! analysis (`bounds.rs`) only proves a score *may* leave them; a clerk or rule editor is
//! better served by one concrete unit, so made-up units are evaluated with the real
//! evaluator (the only place the checker runs it).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::number::Number;

use super::bounds::{bound_text, Range};
use crate::data::{Record, Stated};
use crate::model::{CCriterion, CExpr, CExprKind, Kind, Model, Value};

/// Most inputs a formula may depend on for the search (values tried: at most
/// `CANDIDATES` each, so at most `CANDIDATES ^ MAX_INPUTS` made-up units).
const MAX_INPUTS: usize = 4;
const CANDIDATES: usize = 5;

/// `例如 实有人数 = 0、编制人数 = 1 时，评分公式得出 -3，…` for the 三级 indicator `leaf`
/// (a `评分 公式` criterion), or `None` when no tried combination is such a case.
pub(super) fn example(model: &Model, leaf: usize, ranges: &[Range]) -> Option<String> {
    let def = model.nodes[leaf].leaf.as_ref()?;
    let CCriterion::Formula(formula) = &def.criterion else {
        return None;
    };
    let mut slots = Vec::new();
    slots_in(formula, def.value_slot, &mut slots);
    let inputs = inputs_behind(model, slots);
    search(model, leaf, ranges, &inputs, |m| m.starts_with("评分公式得出"))
}

/// `例如 编制人数 = 0 时，除数 \`编制人数\` 为 0` for a 三级 indicator whose value, under
/// made-up inputs within the declared ranges, really cannot be computed.
pub(super) fn undefined_example(model: &Model, leaf: usize, slot: usize, ranges: &[Range]) -> Option<String> {
    let inputs = inputs_behind(model, vec![slot]);
    search(model, leaf, ranges, &inputs, |m| m.starts_with("除数"))
}

/// Tries every combination of candidate values of `inputs` (the rest ordinary) until the
/// evaluation of `leaf` fails as `wanted` says; the values and the message.
fn search(
    model: &Model,
    leaf: usize,
    ranges: &[Range],
    inputs: &[usize],
    wanted: impl Fn(&str) -> bool,
) -> Option<String> {
    if inputs.is_empty() || inputs.len() > MAX_INPUTS {
        return None;
    }
    // Within the declared ranges exactly (`范围 > 0` excludes 0; `Range` is closed).
    let candidates: Vec<Vec<Decimal>> = inputs
        .iter()
        .map(|&i| {
            let mut values = candidates(model.inputs[i].kind, ranges[i]);
            values.retain(|v| {
                model.inputs[i]
                    .ranges
                    .iter()
                    .all(|r| r.contains(&Number::from_decimal(*v)))
            });
            values
        })
        .collect();
    if candidates.iter().any(Vec::is_empty) {
        return None;
    }
    let mut record = made_up_unit(model, ranges);
    // Every combination, odometer style.
    let mut digits = vec![0usize; inputs.len()];
    loop {
        for (k, &input) in inputs.iter().enumerate() {
            record.values[input] = Value::Num(Number::from_decimal(candidates[k][digits[k]]));
        }
        // The indicator's scoring failed (it has no score), as `wanted` says.
        let failure = crate::eval::evaluate(model, &record)
            .ok()
            .and_then(|outcome| match &outcome.branches[leaf] {
                crate::eval::Branch::Unscored { reason } => Some(reason.reason.clone()),
                _ => None,
            });
        if let Some(message) = failure {
            if wanted(&message) {
                let values = inputs
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| {
                        let input = &model.inputs[i];
                        let v = candidates[k][digits[k]];
                        format!("{} = {}", input.name, bound_text(v, input.kind == Kind::Percent))
                    })
                    .collect::<Vec<_>>()
                    .join("、");
                return Some(format!("例如 {values} 时，{message}"));
            }
        }
        let mut k = 0;
        loop {
            if k == digits.len() {
                return None;
            }
            digits[k] += 1;
            if digits[k] < candidates[k].len() {
                break;
            }
            digits[k] = 0;
            k += 1;
        }
    }
}

/// The numeric inputs behind some slots, through the computed values they use.
fn inputs_behind(model: &Model, mut pending: Vec<usize>) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    let mut inputs = BTreeSet::new();
    while let Some(slot) = pending.pop() {
        if !seen.insert(slot) {
            continue;
        }
        if slot < model.inputs.len() {
            if matches!(model.inputs[slot].kind, Kind::Quantity(_) | Kind::Percent) {
                inputs.insert(slot);
            }
        } else if let Some(c) = model.computed.iter().find(|c| c.slot == slot) {
            pending.extend(c.refs.iter().map(|(_, s)| *s));
        }
    }
    inputs.into_iter().collect()
}

fn slots_in(e: &CExpr, value_slot: Option<usize>, out: &mut Vec<usize>) {
    match &e.kind {
        CExprKind::Slot(s) => out.push(*s),
        CExprKind::Subject => out.extend(value_slot),
        CExprKind::Neg(a) | CExprKind::Not(a) => slots_in(a, value_slot, out),
        CExprKind::Binary(_, a, b) => {
            slots_in(a, value_slot, out);
            slots_in(b, value_slot, out);
        }
        CExprKind::If(c, t, f) => {
            for x in [c, t, f] {
                slots_in(x, value_slot, out);
            }
        }
        CExprKind::Call(_, args) => args.iter().for_each(|a| slots_in(a, value_slot, out)),
        CExprKind::Aggregate { filter, arg, .. } => {
            for x in filter.iter().chain(arg.iter()) {
                slots_in(x, value_slot, out);
            }
        }
        CExprKind::Const(_) | CExprKind::Percent(_) | CExprKind::Total | CExprKind::Item(_) => {}
    }
}

/// Values worth trying within a declared range: its ends and a few round numbers (rates
/// such as 0%, 100%, 50%, 200%; amounts and counts such as 0, 1, 100, 10000).
fn candidates(kind: Kind, range: Range) -> Vec<Decimal> {
    let inside = |x: &Decimal| range.lo.is_none_or(|l| *x >= l) && range.hi.is_none_or(|h| *x <= h);
    let mut values: Vec<Decimal> = range.lo.into_iter().chain(range.hi).collect();
    let round: &[(i64, u32)] = match kind {
        Kind::Percent => &[(0, 0), (1, 0), (5, 1), (2, 0), (-1, 0)],
        _ => &[(0, 0), (1, 0), (100, 0), (10_000, 0), (-1, 0)],
    };
    values.extend(round.iter().map(|&(m, scale)| Decimal::new(m, scale)));
    values.retain(inside);
    let mut unique = Vec::new();
    for v in values {
        if !unique.contains(&v) {
            unique.push(v);
        }
    }
    unique.truncate(CANDIDATES);
    unique
}

/// A unit whose every input holds an ordinary value within its range; the search then
/// changes only the inputs the formula depends on.
fn made_up_unit(model: &Model, ranges: &[Range]) -> Record {
    let values = model
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| match input.kind {
            Kind::Bool => Value::Bool(false),
            Kind::Text => Value::Text("".into()),
            Kind::Quantity(_) | Kind::Percent => {
                let ordinary = candidates(input.kind, ranges[i]).into_iter().find(|v| !v.is_zero());
                Value::Num(Number::from_decimal(ordinary.unwrap_or(Decimal::ONE)))
            }
        })
        .collect();
    Record {
        unit: "（示例）".into(),
        values,
        lists: vec![Vec::new(); model.lists.len()],
        reviews: vec![Some(Number::ZERO); model.review_leaves.len()],
        set_aside: Vec::new(),
        lists_missing: Vec::new(),
        stated: Stated::default(),
        unknown_keys: Vec::new(),
        notes: Vec::new(),
        source_file: String::new(),
        source_sha256: String::new(),
    }
}
