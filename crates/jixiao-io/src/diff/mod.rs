//! What changed between two rule sets (in the bureau's words), and what the change does
//! to each unit: score deltas per indicator and category, total, grade.
//!
//! `rules` compares the two models; `units` evaluates the units under both and pairs them;
//! `render` writes the comparison as text, CSV or a workbook.

mod render;
mod rules;
mod units;

pub use render::{render_csv, render_text, render_xlsx};
pub use rules::rule_changes;
pub use units::{evaluate_rows, pair_units, unit_effect, UnitPair, UnitResult};

use jixiao::number::Number;
use serde::Serialize;

use jixiao::model::Model;

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
    /// A 评分 change in words ([`crate::words::criterion`]); `old`/`new` are the rule
    /// file's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_words: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_words: Option<String>,
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
