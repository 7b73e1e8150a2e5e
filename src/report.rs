//! Presentation of an evaluation: the serialisable [`Evaluation`] (the JSON contract),
//! the Chinese terminal table laid out like the 评分表, and `--explain` text.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use rust_decimal::Decimal;

use crate::number::Number;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::ast::StepDirection;
use crate::data::Record;
use crate::eval::value::{
    format_decimal, format_exact, format_exact_approx, format_figure, format_money, format_stated, round_half_away,
};
use crate::eval::{Branch, Outcome};
use crate::model::*;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RulesInfo {
    pub title: String,
    pub year: u32,
    pub issuer: String,
}

/// One 三级 indicator's result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorResult {
    /// 一级 and 二级 names above it.
    pub path: Vec<String>,
    pub name: String,
    /// The formula's exact value, if it has one.
    #[serde(with = "crate::number::serde_option")]
    pub value: Option<Number>,
    /// The value as the rule file says to show it (`79.31%`).
    pub display: Option<String>,
    /// `null` when the indicator has no score (无法计算) or is 不适用.
    #[serde(with = "crate::number::serde_option")]
    pub score: Option<Number>,
    /// The score as shown, or `无法计算` / `不适用`.
    pub score_display: String,
    /// 已评分, 无法计算时计分 (scored by the `无法计算时` policy), 不适用 or 无法计算.
    pub status: &'static str,
    /// Why the value could not be computed (`除数 `上年三公经费预算` 为 0`, `缺少 编制人数`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub weight: Number,
    /// The unit's own score for this indicator, if it stated one.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub self_score: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// How an indicator's score came about (`--explain`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Explanation {
    pub formula: Option<String>,
    pub substituted: Option<String>,
    pub result: Option<String>,
    pub standard: Option<String>,
    pub criterion: String,
    pub branch: String,
}

/// A 一级 or 二级 category: the sum of its children.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryResult {
    pub path: Vec<String>,
    pub name: String,
    pub level: usize,
    /// `null` when an indicator below it has no score (the subtotal is incomplete).
    #[serde(with = "crate::number::serde_option")]
    pub score: Option<Number>,
    /// The subtotal as shown, `不完整（已得 12.00）`, or `不适用`.
    pub score_display: String,
    pub weight: Number,
    /// The 分值 of its indicators that are not 不适用, when some are.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::number::serde_option")]
    pub applicable_weight: Option<Number>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub self_score: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckResult {
    pub name: String,
    /// `勾稽` (a cross-check) or `对照` (one figure stated in two places).
    pub kind: String,
    /// Held (false also when it could not be checked).
    pub ok: bool,
    /// Why it could not be checked: a value it needs is 无法计算.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchecked: Option<String>,
    #[serde(with = "crate::number::serde_option")]
    pub left: Option<Number>,
    #[serde(with = "crate::number::serde_option")]
    pub right: Option<Number>,
    #[serde(with = "crate::number::serde_option")]
    pub difference: Option<Number>,
    /// For `对照 … 差额 …`: the known component the difference should equal.
    #[serde(with = "crate::number::serde_option")]
    pub expected_difference: Option<Number>,
    pub severity: String,
    pub expression: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SelfEvaluation {
    #[serde(with = "rust_decimal::serde::str_option")]
    pub total: Option<Decimal>,
    pub grade: Option<String>,
}

/// One inconsistency found by the 复核 audit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// 指标值, 同一数字, 勾稽关系, 绩效目标, 得分, 等级 or 数据.
    pub category: String,
    /// 错误, 警告 or 提示.
    pub severity: String,
    pub subject: String,
    pub stated: Option<String>,
    pub computed: Option<String>,
    pub difference: Option<String>,
    /// The formula with the unit's values substituted, or the rule file's note.
    pub explanation: Option<String>,
    /// Line of the rule-file declaration involved.
    pub rule_line: Option<usize>,
    /// The data field(s) involved.
    pub data_field: Option<String>,
    pub message: String,
}

/// The 复核意见 of one unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditReport {
    /// `自评 97 分 优秀 → 复核 94.30 分 优秀`.
    pub summary: String,
    pub grade_changed: bool,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Most serious first.
    pub findings: Vec<Finding>,
    /// The stated figures, self-scores, total and grade that the recomputation confirms
    /// at the precision the unit wrote them (✓), in the order checked.
    pub confirmed: Vec<Confirmed>,
}

/// A figure of the unit's report that the 复核 checked and found right.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Confirmed {
    /// 指标值, 得分 or 等级.
    pub category: String,
    pub subject: String,
    /// As the unit wrote it (`2.4%`, `97`).
    pub stated: String,
    /// The recomputation as it is shown (`2.41%`, `94.30`).
    pub computed: String,
    pub data_field: String,
}

/// What produced a report: the rule set and the data, by SHA-256.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Provenance {
    pub rules_file: String,
    pub rules_sha256: String,
    pub data_file: String,
    pub data_sha256: String,
}

/// Derived values by name, in evaluation order; serialised as a JSON object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Values(pub Vec<(String, String)>);

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A `计算 … 显示 …` value, as the report shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ComputedResult {
    pub name: String,
    /// Exact; `null` when it cannot be computed for this unit.
    #[serde(with = "crate::number::serde_option")]
    pub value: Option<Number>,
    /// As `显示` says (`62.88%`), or `无法计算（…）`.
    pub display: String,
    pub description: Option<String>,
    /// With explanations: the formula and the unit's values in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub substituted: Option<String>,
    /// With explanations: what a zero divisor would mean for this value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The whole result for one unit. Its JSON form is a stable contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    pub rules: RulesInfo,
    pub unit: String,
    pub indicators: Vec<IndicatorResult>,
    pub categories: Vec<CategoryResult>,
    /// Every indicator has a score (or is 不适用 and the file says how the total is then
    /// formed): `total` and `grade` are final.
    pub complete: bool,
    /// `null` when incomplete: the unit has no total until every indicator has a score.
    #[serde(with = "crate::number::serde_option")]
    pub total: Option<Number>,
    /// The total as shown, or `不完整（已得 62.50 分，可评分值 70 / 满分 100）`.
    pub total_display: String,
    /// `null` when incomplete.
    pub grade: Option<String>,
    /// How the total was formed when some indicator is 不适用 or has no score; `null` for
    /// the plain sum.
    pub scoring: Option<ScoringNote>,
    pub checks: Vec<CheckResult>,
    pub values: Values,
    /// The `计算` values the rule file shows (`显示`), in its order: the figures a report
    /// recomputes that no indicator scores.
    pub computed: Vec<ComputedResult>,
    pub self_evaluation: SelfEvaluation,
    /// 复核意见: the unit's statements checked against the recomputation.
    pub audit: AuditReport,
    pub provenance: Provenance,
}

/// How a unit's total was formed when not every indicator's score counts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoringNote {
    /// Sum of the scores the unit has.
    pub earned: Number,
    /// Sum of the 分值 of the indicators that have a score.
    pub evaluable: Number,
    /// Sum of the 分值 of the indicators that are not 不适用 (the reduced maximum).
    pub applicable: Number,
    pub full_marks: Number,
    /// The file's `不适用时` (`按适用分值折算` …), when an indicator is 不适用.
    pub rule: Option<String>,
    /// Indicators that are 不适用, with why.
    pub not_applicable: Vec<IndicatorReason>,
    /// Indicators without a score, with why.
    pub unscored: Vec<IndicatorReason>,
    /// One line a clerk reads: what the total is and why.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorReason {
    pub indicator: String,
    pub reason: String,
}

/// The text of an undefined value: `无法计算（除数 `X` 为 0）`.
pub fn undefined_text(u: &Undefined) -> String {
    format!("{}（{}）", crate::model::UNDEFINED_TEXT, u.reason)
}

/// A value as stored: numbers exact (`2.015`, `23/29`).
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Num(n) => n.to_string(),
        Value::Bool(b) => (if *b { "是" } else { "否" }).to_owned(),
        Value::Text(t) => t.to_string(),
        Value::Undefined(u) => undefined_text(u),
    }
}

/// A slot's value as a person reads it: as its `显示` says; an amount (万元, 元) as money is
/// written (`44.00`, exact beyond two decimals); otherwise exact.
fn shown(model: &Model, slot: usize, v: &Value) -> String {
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
        _ => value_text(v),
    }
}

/// Whether a value's display (`显示`) shows it without rounding anything away.
fn shown_exactly(x: &Number, display: Option<crate::ast::Display>) -> bool {
    match display {
        Some(d) => {
            let places = d.decimals + if d.percent { 2 } else { 0 };
            x.clone().round(places).is_ok_and(|r| r == *x)
        }
        None => true,
    }
}

fn score_text(model: &Model, x: Number) -> String {
    format_decimal(x, false, model.score_precision)
}

/// Exact numbers with more than four decimals are shown as `≈` four decimals.
fn approx(x: Number) -> String {
    match round_half_away(x.clone(), 4) {
        Ok(r) if r == x => format_exact(x),
        Ok(r) => format!("≈{}", format_exact(r)),
        Err(_) => format_exact(x),
    }
}

/// Builds the report for one evaluated unit.
pub fn build(model: &Model, record: &Record, outcome: &Outcome, explain: bool) -> Evaluation {
    let stated_score = |name: &str| record.stated.scores.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
    let mut indicators = Vec::with_capacity(model.leaves.len());
    let mut categories = Vec::new();
    for (i, node) in model.nodes.iter().enumerate() {
        let path = model.node_path(i);
        match &node.leaf {
            Some(leaf) => {
                let value = leaf.value_slot.and_then(|s| match outcome.slots.get(s) {
                    Some(Value::Num(n)) => Some(n.clone()),
                    _ => None,
                });
                let display = leaf
                    .value_slot
                    .and_then(|s| outcome.slots.get(s).map(|v| shown_with_missing(model, outcome, s, v)));
                let (status, reason, score) = match &outcome.branches[i] {
                    Branch::Unscored { reason } => {
                        (STATUS_UNSCORED, Some(unscored_reason(model, outcome, i, reason)), None)
                    }
                    Branch::NotApplicable { reason, .. } => (STATUS_NOT_APPLICABLE, Some(reason.reason.clone()), None),
                    Branch::Undefined { reason, .. } => (
                        STATUS_BY_POLICY,
                        Some(reason.reason.clone()),
                        Some(outcome.scores[i].clone()),
                    ),
                    _ => (STATUS_SCORED, None, Some(outcome.scores[i].clone())),
                };
                let score_display = match (&score, status) {
                    (Some(s), _) => score_text(model, s.clone()),
                    (None, STATUS_NOT_APPLICABLE) => STATUS_NOT_APPLICABLE.to_owned(),
                    (None, _) => crate::model::UNDEFINED_TEXT.to_owned(),
                };
                indicators.push(IndicatorResult {
                    path,
                    name: node.name.clone(),
                    value,
                    display,
                    score,
                    score_display,
                    status,
                    reason,
                    weight: node.weight.clone(),
                    self_score: stated_score(&node.name),
                    explanation: explain.then(|| explain_leaf(model, i, leaf, outcome)),
                });
            }
            None => {
                let partial = outcome.partial.as_deref();
                let incomplete = partial.is_some_and(|p| p.incomplete[i]);
                let applicable = partial
                    .map(|p| p.applicable_weights[i].clone())
                    .filter(|w| *w != node.weight);
                let score = outcome.scores[i].clone();
                let score_display = if incomplete {
                    format!("不完整（已得 {}）", score_text(model, score.clone()))
                } else if applicable.as_ref().is_some_and(|w| w.is_zero()) {
                    STATUS_NOT_APPLICABLE.to_owned()
                } else {
                    score_text(model, score.clone())
                };
                categories.push(CategoryResult {
                    path,
                    name: node.name.clone(),
                    level: node.depth,
                    score: (!incomplete).then_some(score),
                    score_display,
                    weight: node.weight.clone(),
                    applicable_weight: applicable,
                    self_score: stated_score(&node.name),
                })
            }
        }
    }
    let checks = model
        .checks
        .iter()
        .zip(&outcome.checks)
        .map(|(def, out)| CheckResult {
            name: def.name.clone(),
            kind: if def.comparison { "对照" } else { "勾稽" }.to_owned(),
            ok: out.ok,
            unchecked: out.undefined.as_ref().map(|u| u.reason.clone()),
            left: out.left.clone(),
            right: out.right.clone(),
            difference: out
                .left
                .clone()
                .zip(out.right.clone())
                .and_then(|(l, r)| l.checked_sub(r).ok()),
            expected_difference: out.expected.clone(),
            severity: def.severity.label().to_owned(),
            expression: check_expression(model, def),
            description: def.description.clone(),
        })
        .collect();
    let grade = outcome
        .grade
        .and_then(|g| model.grades.bands.get(g))
        .map(|b| b.0.clone());
    let scoring = outcome.partial.as_deref().map(|p| scoring_note(model, outcome, p));
    let values = Values(
        model
            .computed
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    outcome.slots.get(c.slot).map(value_text).unwrap_or_default(),
                )
            })
            .collect(),
    );
    let computed = model
        .computed
        .iter()
        .filter(|c| c.indicator.is_none() && c.display.is_some())
        .map(|c| {
            let v = outcome.slots.get(c.slot);
            ComputedResult {
                name: c.name.clone(),
                value: match v {
                    Some(Value::Num(n)) => Some(n.clone()),
                    _ => None,
                },
                display: match (v, c.display) {
                    (Some(Value::Num(n)), Some(d)) => format_decimal(n.clone(), d.percent, d.decimals),
                    (Some(v), _) => value_text(v),
                    (None, _) => String::new(),
                },
                description: c.description.clone(),
                formula: explain.then(|| squash(model.source.slice(c.expr.span))),
                // Display-only: a zero divisor is fine here, and says so.
                note: (explain && c.may_be_undefined)
                    .then(|| "除数可能为 0：那时这个值无法计算，只是显示，不影响得分".to_owned()),
                substituted: explain.then(|| substitute(model, c, outcome)),
            }
        })
        .collect();
    Evaluation {
        rules: RulesInfo {
            title: model.title.clone(),
            year: model.year,
            issuer: model.issuer.clone(),
        },
        unit: record.unit.clone(),
        indicators,
        categories,
        complete: outcome.complete(),
        total: outcome.complete().then(|| outcome.total.clone()),
        total_display: match &scoring {
            Some(note) if !outcome.complete() => format!("不完整（{}）", incomplete_figures(model, note)),
            _ => score_text(model, outcome.total.clone()),
        },
        audit: crate::audit::audit(model, record, outcome, grade.as_deref()),
        grade,
        scoring,
        checks,
        values,
        computed,
        self_evaluation: SelfEvaluation {
            total: record.stated.total,
            grade: record.stated.grade.clone(),
        },
        provenance: Provenance {
            rules_file: model.source.name.clone(),
            rules_sha256: model.sha256.clone(),
            data_file: record.source_file.clone(),
            data_sha256: record.source_sha256.clone(),
        },
    }
}

/// An indicator's status in [`IndicatorResult::status`].
pub const STATUS_SCORED: &str = "已评分";
/// Scored by the indicator's `无法计算时`.
pub const STATUS_BY_POLICY: &str = "无法计算时计分";
pub const STATUS_NOT_APPLICABLE: &str = "不适用";
/// No score: the unit's total is incomplete.
pub const STATUS_UNSCORED: &str = "无法计算";

/// `已得 62.50 分，可评分值 70 / 满分 100`.
fn incomplete_figures(model: &Model, note: &ScoringNote) -> String {
    format!(
        "已得 {} 分，可评分值 {} / 满分 {}",
        score_text(model, note.earned.clone()),
        format_exact(note.evaluable.clone()),
        format_exact(note.full_marks.clone())
    )
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
fn missing_behind(model: &Model, outcome: &Outcome, slot: usize) -> Option<String> {
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
fn shown_with_missing(model: &Model, outcome: &Outcome, slot: usize, v: &Value) -> String {
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

/// What the clerk reads about a total that is not a plain sum.
fn scoring_note(model: &Model, outcome: &Outcome, p: &crate::eval::Partial) -> ScoringNote {
    let mut not_applicable = Vec::new();
    let mut unscored = Vec::new();
    for &leaf in &model.leaves {
        let name = model.nodes[leaf].name.clone();
        match &outcome.branches[leaf] {
            Branch::NotApplicable { reason, .. } => not_applicable.push(IndicatorReason {
                indicator: name,
                reason: reason.reason.clone(),
            }),
            Branch::Unscored { reason } => unscored.push(IndicatorReason {
                indicator: name,
                reason: unscored_reason(model, outcome, leaf, reason),
            }),
            _ => {}
        }
    }
    let rule = (!not_applicable.is_empty()).then(|| {
        model
            .not_applicable
            .unwrap_or(crate::ast::NotApplicableRule::RescaleTotal)
    });
    let mut note = ScoringNote {
        earned: p.earned.clone(),
        evaluable: p.evaluable.clone(),
        applicable: p.applicable.clone(),
        full_marks: model.full_marks.clone(),
        rule: rule.map(|r| r.label().to_owned()),
        not_applicable,
        unscored,
        text: String::new(),
    };
    let names = |v: &[IndicatorReason]| v.iter().map(|r| r.indicator.as_str()).collect::<Vec<_>>().join("、");
    let mut text = Vec::new();
    if !note.unscored.is_empty() {
        // What would give the unit a total, by what is in the way.
        let causes: Vec<crate::model::UndefinedCause> = model
            .leaves
            .iter()
            .filter_map(|&l| match &outcome.branches[l] {
                Branch::Unscored { reason } => Some(reason.cause),
                _ => None,
            })
            .collect();
        use crate::model::UndefinedCause as C;
        let mut remedies = Vec::new();
        if causes.contains(&C::Missing) {
            remedies.push("补齐缺少的数据");
        }
        if causes.contains(&C::ZeroDivisor) {
            remedies.push("核对作除数的数据，或在规则文件中为这些指标写明“无法计算时”");
        }
        if causes.contains(&C::Error) {
            remedies.push("按各指标的原因核对数据或规则文件");
        }
        text.push(format!(
            "总分不完整：{} 个指标无法评分（{}），{}；{}后才有总分和等级",
            note.unscored.len(),
            names(&note.unscored),
            incomplete_figures(model, &note),
            remedies.join("，")
        ));
    } else if p.applicable.is_zero() {
        text.push("所有指标都不适用，没有总分和等级".to_owned());
    }
    if let (Some(_), false) = (rule, note.unscored.is_empty()) {
        text.push(format!(
            "另有 {} 个指标不适用（{}）",
            note.not_applicable.len(),
            names(&note.not_applicable)
        ));
    } else if let Some(rule) = rule {
        use crate::ast::NotApplicableRule as R;
        let how = match rule {
            R::RescaleTotal => format!(
                "总分 = 得分 {} ÷ 适用分值 {} × 满分 {}",
                score_text(model, p.earned.clone()),
                format_exact(p.applicable.clone()),
                format_exact(model.full_marks.clone())
            ),
            R::RescaleSiblings => "不适用指标的分值按比例分给同级指标，各分类的分值不变".to_owned(),
            R::GradeByRate => format!(
                "总分按适用分值 {} 计，等级按得分率（折合 {} 分）确定",
                format_exact(p.applicable.clone()),
                score_text(model, p.graded.clone())
            ),
        };
        text.push(format!(
            "{} 个指标不适用（{}），{}：{how}",
            note.not_applicable.len(),
            names(&note.not_applicable),
            rule.label()
        ));
    }
    note.text = text.join("；");
    note
}

/// How a check reads: `左 = 右`, or `甲 与 乙（差额 丙）` for a comparison.
fn check_expression(model: &Model, def: &CheckDef) -> String {
    match (&def.sides, def.comparison) {
        (Some((l, r)), true) => {
            let mut text = format!(
                "{} 与 {}",
                squash(model.source.slice(l.span)),
                squash(model.source.slice(r.span))
            );
            if let Some(d) = &def.difference {
                text.push_str(&format!("（差额 {}）", squash(model.source.slice(d.span))));
            }
            text
        }
        _ => squash(model.source.slice(def.condition.span)),
    }
}

/// Collapses runs of whitespace so multi-line formulas print on one line.
fn squash(s: &str) -> String {
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

fn explain_leaf(model: &Model, index: usize, leaf: &Leaf, outcome: &Outcome) -> Explanation {
    let weight = model.nodes[index].weight.clone();
    let computed = model.computed.iter().find(|c| c.indicator == Some(index));
    let (formula, substituted, result) = match (computed, leaf.formula_span) {
        (Some(c), Some(span)) => {
            let text = model.source.slice(span);
            let out = substitute(model, c, outcome);
            let result = outcome.slots.get(c.slot).map(|v| {
                let shown_value = shown(model, c.slot, v);
                match v {
                    // The exact value only where the display rounded something away.
                    Value::Num(n) if !shown_exactly(n, model.slot_display(c.slot)) => {
                        format!("{shown_value}（精确值 {}）", format_exact_approx(n.clone()))
                    }
                    _ => shown_value,
                }
            });
            (Some(squash(text)), Some(out), result)
        }
        _ => (None, None, None),
    };
    let pct = |x: Number| {
        let d = leaf.display.unwrap_or(crate::ast::Display {
            percent: false,
            decimals: 4,
            span: Default::default(),
        });
        format_decimal(x, d.percent, d.decimals.max(2))
    };
    let score = outcome.scores[index].clone();
    let (criterion, branch) = match (&leaf.criterion, &outcome.branches[index]) {
        (
            CCriterion::Deduct {
                direction,
                step_label,
                per_step,
                stepping,
                ..
            },
            b,
        ) => {
            let c = format!(
                "扣分：{}基准 {} 扣 {}，扣完为止（计步：{}）",
                direction.label(),
                step_label,
                format_exact(per_step.clone()),
                stepping.label()
            );
            let word = match direction {
                StepDirection::Above => "超过",
                StepDirection::Below => "低于",
                StepDirection::Deviation => "偏离",
            };
            let b = match b {
                Branch::DeductNone { judged, baseline } => {
                    format!(
                        "{} 未{word}基准 {} → 满分 {}",
                        pct(judged.clone()),
                        pct(baseline.clone()),
                        format_exact(weight)
                    )
                }
                Branch::Deducted {
                    judged,
                    baseline,
                    steps,
                    deduction,
                    ..
                } => format!(
                    "{} {word}基准 {}：{} 步 × {} = 扣 {} → 得 {}",
                    pct(judged.clone()),
                    pct(baseline.clone()),
                    approx(steps.clone()),
                    format_exact(per_step.clone()),
                    approx(deduction.clone()),
                    approx(score)
                ),
                _ => String::new(),
            };
            (c, b)
        }
        (CCriterion::Ratio { .. }, Branch::Ratio { judged, target, capped }) => (
            format!("比例：值 ÷ 目标 × 分值 {}，最高为分值", format_exact(weight.clone())),
            if *capped {
                format!(
                    "{} 达到目标 {} → 满分 {}",
                    pct(judged.clone()),
                    pct(target.clone()),
                    format_exact(weight)
                )
            } else {
                format!(
                    "{} ÷ {} × {} = {}",
                    pct(judged.clone()),
                    pct(target.clone()),
                    format_exact(weight),
                    approx(score)
                )
            },
        ),
        (CCriterion::Bands { bands, .. }, Branch::Band { judged, band }) => {
            let rows: Vec<String> = bands
                .iter()
                .map(|(iv, s)| format!("{} 得 {}", squash(model.source.slice(iv.span)), format_exact(s.clone())))
                .collect();
            (
                format!("分档：{}", rows.join("；")),
                format!(
                    "{} 落在 {} → 得 {}",
                    pct(judged.clone()),
                    squash(model.source.slice(bands[*band].0.span)),
                    format_exact(score)
                ),
            )
        }
        (CCriterion::Pass { condition, otherwise }, Branch::Pass { held }) => (
            format!(
                "达标：{} 时得满分，否则得 {}",
                squash(model.source.slice(condition.span)),
                format_exact(otherwise.clone())
            ),
            format!(
                "条件{} → 得 {}",
                if *held { "成立" } else { "不成立" },
                format_exact(score)
            ),
        ),
        (CCriterion::Cases { arms, .. }, Branch::Case { arm }) => (
            format!("分情况：按顺序取第一个成立的条件（共 {} 种情况和“其他”）", arms.len()),
            match arm {
                Some(i) => format!(
                    "{} 成立 → 得 {}",
                    squash(model.source.slice(arms[*i].0.span)),
                    format_exact(score)
                ),
                None => format!("各条件均不成立，按“其他” → 得 {}", format_exact(score)),
            },
        ),
        (CCriterion::Review, _) => (
            "评审打分：由评价人员在数据中给出".into(),
            format!("评审得分 {}", format_exact(score)),
        ),
        (CCriterion::Checklist { items }, Branch::Checklist { failed }) => {
            let c = format!("清单：{} 项，每项未满足扣相应分数，扣完为止", items.len());
            let b = if failed.is_empty() {
                format!("各项均满足 → 满分 {}", format_exact(weight))
            } else {
                let names: Vec<String> = failed
                    .iter()
                    .map(|&i| {
                        format!(
                            "{}（扣 {}）",
                            squash(model.source.slice(items[i].0.span)),
                            format_exact(items[i].1.clone())
                        )
                    })
                    .collect();
                format!("未满足：{} → 得 {}", names.join("、"), format_exact(score))
            };
            (c, b)
        }
        (CCriterion::Formula(e), _) => (
            format!("公式：{}", squash(model.source.slice(e.span))),
            format!("得 {}", approx(score)),
        ),
        _ => (String::new(), String::new()),
    };
    let case = |arm: &Option<usize>| match (&leaf.undefined, arm) {
        (Some(UndefinedPolicy::Cases { arms, .. }), Some(i)) => {
            format!("，{} 成立 ", squash(model.source.slice(arms[*i].0.span)))
        }
        (Some(UndefinedPolicy::Cases { .. }), None) => "，各条件均不成立，按“其他” ".to_owned(),
        _ => String::new(),
    };
    let branch = match &outcome.branches[index] {
        Branch::Undefined { reason, arm } => format!(
            "{}（{}）{}→ 按“无法计算时”得 {}",
            crate::model::UNDEFINED_TEXT,
            reason.reason,
            case(arm),
            format_exact(outcome.scores[index].clone())
        ),
        Branch::NotApplicable { reason, arm } => format!(
            "{}（{}）{}→ 按“无法计算时”不适用，不计入总分",
            crate::model::UNDEFINED_TEXT,
            reason.reason,
            case(arm)
        ),
        Branch::Unscored { reason } => format!(
            "{}（{}）→ 没有得分：{}",
            crate::model::UNDEFINED_TEXT,
            reason.reason,
            match reason.cause {
                crate::model::UndefinedCause::ZeroDivisor => "规则文件没有为这个指标写“无法计算时”，总分不完整",
                crate::model::UndefinedCause::Missing => "缺少数据，总分不完整",
                crate::model::UndefinedCause::Error => "总分不完整",
            }
        ),
        _ => branch,
    };
    Explanation {
        formula,
        substituted,
        result,
        standard: leaf.standard.clone(),
        criterion,
        branch,
    }
}

/// The Chinese terminal report: 评分表, subtotals, total, grade, cross-checks.
pub fn render_table(ev: &Evaluation) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{}（{} 年度，{}）\n",
        ev.rules.title, ev.rules.year, ev.rules.issuer
    ));
    out.push_str(&format!("被评价单位：{}\n\n", ev.unit));

    let mut table = new_table(&["一级指标", "二级指标", "三级指标", "指标值", "得分", "分值", "自评"]);
    let mut last_path: Vec<String> = Vec::new();
    for ind in &ev.indicators {
        let l1 = ind.path.first().cloned().unwrap_or_default();
        let l2 = ind.path.get(1).cloned().unwrap_or_default();
        let show1 = last_path.first() != Some(&l1);
        let show2 = show1 || last_path.get(1) != Some(&l2);
        table.add_row(vec![
            Cell::new(if show1 { l1.as_str() } else { "" }),
            Cell::new(if show2 { l2.as_str() } else { "" }),
            Cell::new(&ind.name),
            Cell::new(ind.display.as_deref().unwrap_or("—")).set_alignment(CellAlignment::Right),
            Cell::new(&ind.score_display).set_alignment(CellAlignment::Right),
            Cell::new(format_exact(ind.weight.clone())).set_alignment(CellAlignment::Right),
            Cell::new(ind.self_score.map(format_stated).unwrap_or_default()).set_alignment(CellAlignment::Right),
        ]);
        last_path = ind.path.clone();
    }
    out.push_str(&table.to_string());
    out.push_str("\n\n分类小计\n");
    let mut sub = new_table(&["层级", "指标", "得分", "分值", "自评", "差额"]);
    for cat in &ev.categories {
        let indent = if cat.level > 1 { "  " } else { "" };
        let diff = cat
            .self_score
            .zip(cat.score.clone())
            .and_then(|(s, score)| score.checked_sub(Number::from(s)).ok())
            .map(|d| format_decimal(d, false, 2))
            .unwrap_or_default();
        sub.add_row(vec![
            Cell::new(match cat.level {
                1 => "一级",
                2 => "二级",
                _ => "三级",
            }),
            Cell::new(format!("{indent}{}", cat.name)),
            Cell::new(&cat.score_display).set_alignment(CellAlignment::Right),
            Cell::new(format_exact(cat.weight.clone())).set_alignment(CellAlignment::Right),
            Cell::new(cat.self_score.map(format_stated).unwrap_or_default()).set_alignment(CellAlignment::Right),
            Cell::new(diff).set_alignment(CellAlignment::Right),
        ]);
    }
    out.push_str(&sub.to_string());
    match &ev.grade {
        Some(grade) => out.push_str(&format!("\n\n总分：{}    等级：{grade}\n", ev.total_display)),
        None => out.push_str(&format!("\n\n总分：{}    等级：无（总分不完整）\n", ev.total_display)),
    }
    if let Some(note) = &ev.scoring {
        out.push_str(&format!("  {}\n", note.text));
        for r in &note.unscored {
            out.push_str(&format!(
                "  · {}：{}（{}）\n",
                r.indicator,
                crate::model::UNDEFINED_TEXT,
                r.reason
            ));
        }
        for r in &note.not_applicable {
            out.push_str(&format!("  · {}：不适用（{}）\n", r.indicator, r.reason));
        }
    }
    if ev.self_evaluation.total.is_some() || ev.self_evaluation.grade.is_some() {
        out.push_str(&format!(
            "自评：{} 分 {}\n",
            ev.self_evaluation
                .total
                .map(format_stated)
                .unwrap_or_else(|| "—".into()),
            ev.self_evaluation.grade.as_deref().unwrap_or("—")
        ));
    }
    if !ev.computed.is_empty() {
        out.push_str("\n计算值（不计分）\n");
        for c in &ev.computed {
            out.push_str(&format!("  {}：{}", c.name, c.display));
            if let (Some(f), Some(s)) = (&c.formula, &c.substituted) {
                out.push_str(&format!("（{f} = {s}）"));
            }
            if let Some(d) = &c.description {
                out.push_str(&format!("  {d}"));
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("  [{n}]"));
            }
            out.push('\n');
        }
    }
    if !ev.checks.is_empty() {
        out.push_str("\n勾稽关系与对照\n");
    }
    for c in &ev.checks {
        if let Some(why) = &c.unchecked {
            out.push_str(&format!(
                "  ? [{}] {}：{}（无法核对：{why}）\n",
                c.kind, c.name, c.expression
            ));
            continue;
        }
        let mark = if c.ok { "✓" } else { "✗" };
        let detail = match (
            c.left.clone(),
            c.right.clone(),
            c.difference.clone(),
            c.expected_difference.clone(),
        ) {
            (Some(l), Some(r), Some(d), Some(e)) => format!(
                "（{} 对 {}，差额 {}，应为 {}）",
                format_figure(l),
                format_figure(r),
                format_figure(d),
                format_figure(e)
            ),
            (Some(l), Some(r), Some(d), None) => format!(
                "（{} 对 {}，差额 {}）",
                format_figure(l),
                format_figure(r),
                format_figure(d)
            ),
            _ => String::new(),
        };
        let sev = if c.ok {
            String::new()
        } else {
            format!(" [{}]", c.severity)
        };
        out.push_str(&format!(
            "  {mark} [{}] {}{sev}：{}{detail}\n",
            c.kind, c.name, c.expression
        ));
        if !c.ok {
            if let Some(desc) = &c.description {
                out.push_str(&format!("      说明：{desc}\n"));
            }
        }
    }
    out
}

/// The 复核意见 section: the summary line, then every finding, most serious first.
pub fn render_audit(ev: &Evaluation) -> String {
    let mut out = render_findings(ev);
    let confirmed = &ev.audit.confirmed;
    if !confirmed.is_empty() {
        out.push_str(&format!("\n  核对无误（{} 项，按报告所写的精度）：\n", confirmed.len()));
        for c in confirmed {
            out.push_str(&format!(
                "  ✓ [{}] {}：报告/自评 {}，复核 {}\n",
                c.category, c.subject, c.stated, c.computed
            ));
        }
    }
    out
}

fn render_findings(ev: &Evaluation) -> String {
    let a = &ev.audit;
    let mut out = format!(
        "\n复核意见\n  {}\n  共 {} 条：错误 {}，警告 {}，提示 {}\n",
        a.summary,
        a.findings.len(),
        a.errors,
        a.warnings,
        a.notes
    );
    for (i, f) in a.findings.iter().enumerate() {
        out.push_str(&format!(
            "\n  {}. [{}] [{}] {}\n",
            i + 1,
            f.severity,
            f.category,
            f.message
        ));
        if let (Some(s), Some(c)) = (&f.stated, &f.computed) {
            let diff = f
                .difference
                .as_deref()
                .map(|d| format!("，差额 {d}"))
                .unwrap_or_default();
            out.push_str(&format!("     报告/自评：{s}；复核：{c}{diff}\n"));
        }
        if let Some(e) = &f.explanation {
            out.push_str(&format!("     依据：{e}\n"));
        }
        let mut place = Vec::new();
        if let Some(l) = f.rule_line {
            place.push(format!("规则文件第 {l} 行"));
        }
        if let Some(d) = &f.data_field {
            place.push(format!("数据字段 {d}"));
        }
        if !place.is_empty() {
            out.push_str(&format!("     出处：{}\n", place.join("；")));
        }
    }
    out
}

/// Which rule file and data produced a report, by SHA-256.
pub fn render_provenance(ev: &Evaluation) -> String {
    let p = &ev.provenance;
    format!(
        "\n来源：规则文件 {}（{} 年度，SHA-256 {}）；数据 {}（SHA-256 {}）\n",
        p.rules_file, ev.rules.year, p.rules_sha256, p.data_file, p.data_sha256
    )
}

/// `--explain`: every indicator's formula, values, criterion and score.
pub fn render_explain(ev: &Evaluation) -> String {
    let mut out = String::from("\n评分说明\n");
    for ind in &ev.indicators {
        let Some(ex) = &ind.explanation else { continue };
        out.push_str(&format!(
            "\n【{} / {}】得分 {} / {}\n",
            ind.path.join(" / "),
            ind.name,
            ind.score_display,
            format_exact(ind.weight.clone())
        ));
        if let (Some(f), Some(s), Some(r)) = (&ex.formula, &ex.substituted, &ex.result) {
            out.push_str(&format!("  公式：{} = {f}\n", ind.name));
            out.push_str(&format!("  代入：{s}\n"));
            out.push_str(&format!("  结果：{r}\n"));
        }
        if let Some(std) = &ex.standard {
            out.push_str(&format!("  评分标准：{std}\n"));
        }
        out.push_str(&format!("  规则：{}\n", ex.criterion));
        out.push_str(&format!("  适用：{}\n", ex.branch));
    }
    out
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| Cell::new(*h)));
    t
}

/// One diagnostic as data, for `jixiao check --format json` (editors and CI).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiagnosticRecord {
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    pub message: String,
    pub file: String,
    /// 1-based line and column (in characters) of the primary place.
    pub line: usize,
    pub column: usize,
    /// Byte offsets of the primary place.
    pub start: usize,
    pub end: usize,
    pub help: Option<String>,
    pub labels: Vec<LabelRecord>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelRecord {
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl DiagnosticRecord {
    pub fn from_check(source: &crate::source::SourceFile, e: &crate::diagnostics::CheckError) -> Self {
        let labels: Vec<LabelRecord> = e
            .labels
            .iter()
            .map(|(span, text)| {
                let (line, column) = source.line_col(span.start);
                LabelRecord {
                    line,
                    column,
                    start: span.start,
                    end: span.end,
                    text: text.clone(),
                }
            })
            .collect();
        let (line, column) = e.line_col();
        let primary = e.labels.first().map(|l| l.0).unwrap_or_default();
        DiagnosticRecord {
            code: e.code.code().to_owned(),
            severity: match e.level {
                crate::diagnostics::Level::Error => "error",
                crate::diagnostics::Level::Warning => "warning",
            }
            .to_owned(),
            message: e.message.clone(),
            file: source.name.clone(),
            line,
            column,
            start: primary.start,
            end: primary.end,
            help: e.help.clone(),
            labels,
        }
    }

    pub fn from_syntax(file: &str, e: &crate::diagnostics::SyntaxError) -> Self {
        let (line, column) = e.line_col();
        let span = e.span();
        DiagnosticRecord {
            code: "jixiao::syntax".into(),
            severity: "error".into(),
            message: e.message().to_owned(),
            file: file.to_owned(),
            line,
            column,
            start: span.start,
            end: span.end,
            help: e.help_text().map(str::to_owned),
            labels: vec![LabelRecord {
                line,
                column,
                start: span.start,
                end: span.end,
                text: e.label_text().to_owned(),
            }],
        }
    }
}
