//! Units evaluated under both rule sets, paired, and each unit's score changes.

use jixiao::model::Model;
use jixiao::number::Number;
use jixiao::report::Evaluation;

use crate::batch::input::{FileError, Item, Opened};

use super::*;

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
pub(super) fn score_change(new: Number, old: Number) -> Number {
    new.checked_sub(old).unwrap_or_default()
}
