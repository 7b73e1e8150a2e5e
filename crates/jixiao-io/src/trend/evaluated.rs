//! One year evaluated now, from its rule file and its data: the same [`YearResults`] a
//! saved result gives, with what only the rule file knows (the grades' order, the score
//! precision, the 一级 categories).

use jixiao::model::Model;
use jixiao::report::Evaluation;

use super::{Scores, YearResults, YearUnit};
use crate::batch::html::rules_file_name;
use crate::batch::input::{FileError, Item, Opened};
use crate::chart::stats::category_rate;

/// Evaluates every row of `inputs` under `model` (in input order, numbered from 1);
/// `source` says where the year's results come from (`yueyang-2022.jx：units.csv`).
pub fn evaluate_year(
    model: &Model,
    inputs: Vec<Opened>,
    source: &str,
    partial: bool,
) -> Result<YearResults, FileError> {
    let mut units = Vec::new();
    for mut opened in inputs {
        while let Some(item) = opened.next_item() {
            if let Item::Row(row) = item? {
                let p = crate::batch::process(model, row, units.len() + 1, false, partial);
                units.push(YearUnit {
                    number: p.number,
                    source: p.origin.label(),
                    name: p.unit,
                    outcome: p.result.map(|done| scores_of(&done.evaluation)),
                });
            }
        }
    }
    Ok(year_of(model, source, units))
}

/// The year's results of units already evaluated under `model`.
pub fn year_of(model: &Model, source: &str, units: Vec<YearUnit>) -> YearResults {
    let mut bands: Vec<&(String, jixiao::ast::Interval)> = model.grades.bands.iter().collect();
    // Best first: the band that starts highest (the lowest band has no lower bound).
    bands.sort_by(|a, b| {
        let low = |i: &jixiao::ast::Interval| i.lower.map(|l| l.value);
        low(&b.1).cmp(&low(&a.1))
    });
    YearResults {
        year: model.year,
        title: model.title.clone(),
        issuer: model.issuer.clone(),
        rules_file: rules_file_name(&model.source.name).to_owned(),
        rules_sha256: model.sha256.clone(),
        source: source.to_owned(),
        score_precision: model.score_precision,
        grades: bands.into_iter().map(|(name, _)| name.clone()).collect(),
        grades_from_rules: true,
        categories: Some(
            model
                .nodes
                .iter()
                .filter(|n| n.depth == 1 && n.leaf.is_none())
                .map(|n| (n.name.clone(), n.weight.clone()))
                .collect(),
        ),
        units,
    }
}

/// What a trend compares of one unit's evaluation.
pub fn scores_of(ev: &Evaluation) -> Scores {
    Scores {
        total: ev.total.clone().filter(|_| ev.complete),
        total_display: ev.total_display.clone(),
        grade: ev.grade.clone().filter(|_| ev.complete),
        graded: ev
            .scoring
            .as_ref()
            .and_then(|s| s.graded.clone())
            .or_else(|| ev.total.clone()),
        rates: ev
            .categories
            .iter()
            .filter(|c| c.level == 1)
            .map(|c| (c.name.clone(), category_rate(c)))
            .collect(),
    }
}
