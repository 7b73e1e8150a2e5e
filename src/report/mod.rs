//! Presentation of an evaluation: the serialisable [`Evaluation`] (the JSON contract) and
//! how it is built from an [`Outcome`]. `values` shows numbers and values as a person reads
//! them, `explain` writes `--explain`, `text` renders the terminal report.

mod explain;
pub(crate) mod values;

pub use crate::audit::{AuditReport, Confirmed, Finding};
pub use crate::diagnostics::{DiagnosticRecord, LabelRecord};

use rust_decimal::Decimal;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::data::Record;
use crate::number::Number;
use explain::explain_leaf;
use values::{score_text, shown_with_missing, squash, substitute, unscored_reason};

use crate::eval::{Branch, Outcome};
use crate::model::*;
use crate::numfmt::{format_decimal, format_exact};

/// The rule set an evaluation was made with, from the rule file's header.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RulesInfo {
    /// The `标题`.
    pub title: String,
    /// The `年度`.
    pub year: u32,
    /// The `发布单位`; empty when the file does not name one.
    pub issuer: String,
}

/// One 三级 indicator's result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorResult {
    /// 一级 and 二级 names above it.
    pub path: Vec<String>,
    /// The indicator's name.
    pub name: String,
    /// The formula's exact value, if it has one (JSON: a string such as `"1.04"` or
    /// `"23/29"`; `null` when it has no formula or the value is 无法计算).
    #[serde(with = "crate::number::serde_option")]
    pub value: Option<Number>,
    /// The value as the rule file says to show it (`79.31%`).
    pub display: Option<String>,
    /// The exact score (JSON: a string such as `"8"` or `"167/44"`); `null` when the
    /// indicator has no score (无法计算) or is 不适用.
    #[serde(with = "crate::number::serde_option")]
    pub score: Option<Number>,
    /// The score as shown (rounded to the file's `得分精度`: `8.00`), or `无法计算` /
    /// `不适用`.
    pub score_display: String,
    /// 已评分, 无法计算时计分 (scored by the `无法计算时` policy), 不适用 or 无法计算.
    pub status: &'static str,
    /// Why the value could not be computed (`除数 `上年三公经费预算` 为 0`, `缺少 编制人数`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The indicator's 分值 (exact; a string in JSON).
    pub weight: Number,
    /// The unit's own score for this indicator, if it stated one (a decimal string in
    /// JSON).
    #[serde(with = "rust_decimal::serde::str_option")]
    pub self_score: Option<Decimal>,
    /// How the score came about, with [`Options::explain`](crate::Options::explain);
    /// absent from the JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// How an indicator's score came about (`--explain`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Explanation {
    /// The `公式` as written (`实有人数 / 编制人数`), if the indicator has one.
    pub formula: Option<String>,
    /// The formula with the unit's values in it (`104 / 100`).
    pub substituted: Option<String>,
    /// The value as shown (`104.00%`), with the exact value after it where the display
    /// rounds (`79.31%（精确值 …）`).
    pub result: Option<String>,
    /// The `标准`: the scoring standard's original wording, if the file quotes it.
    pub standard: Option<String>,
    /// The way of scoring, in words (`扣分：每超过基准 1 个百分点 扣 0.5，扣完为止（计步：连续）`).
    pub criterion: String,
    /// The part of the criterion that applied to this unit, with the arithmetic
    /// (`104.00% 超过基准 100.00%：4 步 × 0.5 = 扣 2 → 得 8`).
    pub branch: String,
}

/// A 一级 or 二级 category: the sum of its children.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryResult {
    /// The names above it (empty for a 一级 category).
    pub path: Vec<String>,
    /// The category's name.
    pub name: String,
    /// 1 for 一级, 2 for 二级.
    pub level: usize,
    /// `null` when an indicator below it has no score (the subtotal is incomplete).
    #[serde(with = "crate::number::serde_option")]
    pub score: Option<Number>,
    /// The subtotal as shown, `不完整（已得 12.00）`, or `不适用`.
    pub score_display: String,
    /// The category's 分值 (exact; a string in JSON).
    pub weight: Number,
    /// The 分值 of its indicators that are not 不适用, when some are.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::number::serde_option")]
    pub applicable_weight: Option<Number>,
    /// The unit's own subtotal for this category, if it stated one.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub self_score: Option<Decimal>,
}

/// One `勾稽` or `对照` of the rule file, checked on the unit's data.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// `勾稽` (a cross-check) or `对照` (one figure stated in two places).
    pub kind: String,
    /// Held (false also when it could not be checked).
    pub ok: bool,
    /// Why it could not be checked: a value it needs is 无法计算.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchecked: Option<String>,
    /// The left side's exact value, when the check compares two numbers and it could be
    /// computed.
    #[serde(with = "crate::number::serde_option")]
    pub left: Option<Number>,
    /// The right side's exact value, likewise.
    #[serde(with = "crate::number::serde_option")]
    pub right: Option<Number>,
    /// `left − right`, exactly, when both are there.
    #[serde(with = "crate::number::serde_option")]
    pub difference: Option<Number>,
    /// For `对照 … 差额 …`: the known component the difference should equal.
    #[serde(with = "crate::number::serde_option")]
    pub expected_difference: Option<Number>,
    /// `错误` or `警告`: the check's `级别`.
    pub severity: String,
    /// The check as the rule file writes it (`左 = 右`, or `甲 与 乙（差额 丙）` for a
    /// comparison).
    pub expression: String,
    /// The check's `说明`, if any.
    pub description: Option<String>,
}

/// What the unit stated about itself (its `自评`), as read from its data.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SelfEvaluation {
    /// The unit's own total (自评总分), a decimal string in JSON.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub total: Option<Decimal>,
    /// The unit's own grade (自评等级).
    pub grade: Option<String>,
}

/// What produced a report: the rule set and the data, by SHA-256.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Provenance {
    /// The rule file's name, as given when it was compiled.
    pub rules_file: String,
    /// Lower-case hex SHA-256 of the rule file's text.
    pub rules_sha256: String,
    /// The data file (or spreadsheet row); `程序传入的数据` for a unit built through the API.
    pub data_file: String,
    /// Lower-case hex SHA-256 of the data file's text; empty when the unit was not read
    /// from text ([`Rules::unit`](crate::Rules::unit), [`Rules::unit_from_json`](crate::Rules::unit_from_json)).
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
    /// The value's name.
    pub name: String,
    /// Exact; `null` when it cannot be computed for this unit.
    #[serde(with = "crate::number::serde_option")]
    pub value: Option<Number>,
    /// As `显示` says (`62.88%`), or `无法计算（…）`.
    pub display: String,
    /// Its `说明`, if any.
    pub description: Option<String>,
    /// With explanations: the formula and the unit's values in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    /// With explanations: the formula with the unit's values substituted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub substituted: Option<String>,
    /// With explanations: what a zero divisor would mean for this value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The version of the JSON contract ([`Evaluation`]'s JSON form and the envelopes around
/// it; docs/api.md, docs/schema/). Raised when a field changes meaning or goes away;
/// adding a field does not raise it.
pub const JSON_VERSION: u32 = 1;

/// The whole result for one unit. Its JSON form is a stable contract
/// (docs/schema/evaluation.schema.json, version [`JSON_VERSION`]).
///
/// ```
/// use jixiao::{Options, Rules};
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let mut unit = rules.unit("某单位");
/// unit.set("编制人数", 174)?.set("实有人数", 138)?;
/// let evaluation = rules.evaluate(&unit.build(), &Options::default())?;
///
/// // The unit as a whole: check `complete` before reading the total and grade.
/// assert!(evaluation.complete);
/// assert_eq!(evaluation.total.as_ref().map(|t| t.to_string()).as_deref(), Some("10"));
/// assert_eq!(evaluation.total_display, "10.00");
/// assert_eq!(evaluation.grade.as_deref(), Some("优秀"));
///
/// // Each 三级 indicator, with its exact value and its score:
/// let indicator = &evaluation.indicators[0];
/// assert_eq!(indicator.path, ["投入", "预算配置"]);
/// assert_eq!(indicator.name, "财政供养人员控制率");
/// assert_eq!(indicator.value.as_ref().unwrap().to_string(), "23/29"); // 138 / 174, exact
/// assert_eq!(indicator.display.as_deref(), Some("79.31%"));
/// assert_eq!(indicator.score_display, "10.00");
/// assert_eq!(indicator.status, jixiao::report::STATUS_SCORED);
///
/// // The 一级 and 二级 subtotals, a parent before its children:
/// let categories: Vec<_> = evaluation.categories.iter().map(|c| (c.level, c.name.as_str())).collect();
/// assert_eq!(categories, [(1, "投入"), (2, "预算配置")]);
///
/// // In JSON, exact numbers are strings (a decimal, or a fraction when it does not terminate):
/// let json = serde_json::to_value(&evaluation).unwrap();
/// assert_eq!(json["indicators"][0]["value"], "23/29");
/// assert_eq!(json["indicators"][0]["weight"], "10");
/// assert_eq!(json["total"], "10");
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    /// [`JSON_VERSION`], first in the JSON so a reader can check it before anything else.
    pub version: u32,
    /// The rule set's header.
    pub rules: RulesInfo,
    /// The unit's name (`单位名称`).
    pub unit: String,
    /// Every 三级 indicator, in the rule file's order.
    pub indicators: Vec<IndicatorResult>,
    /// Every 一级 and 二级 category, in the rule file's order (a 一级 before its 二级).
    pub categories: Vec<CategoryResult>,
    /// Every indicator has a score (or is 不适用 and the file says how the total is then
    /// formed): `total` and `grade` are final.
    pub complete: bool,
    /// The exact total (JSON: a string such as `"8"` or `"4149/44"`); `null` when
    /// incomplete: the unit has no total until every indicator has a score.
    #[serde(with = "crate::number::serde_option")]
    pub total: Option<Number>,
    /// The total as shown, or `不完整（已得 62.50 分，可评分值 70 / 满分 100）`.
    pub total_display: String,
    /// The grade (`优秀` …) the total falls in; `null` when incomplete.
    pub grade: Option<String>,
    /// How the total was formed when some indicator is 不适用 or has no score; `null` for
    /// the plain sum.
    pub scoring: Option<ScoringNote>,
    /// Every `勾稽` and `对照`, in the rule file's order.
    pub checks: Vec<CheckResult>,
    /// Every computed value (the indicators' formulas and the `计算` values) by name, as
    /// text.
    pub values: Values,
    /// The `计算` values the rule file shows (`显示`), in its order: the figures a report
    /// recomputes that no indicator scores.
    pub computed: Vec<ComputedResult>,
    /// The unit's own total and grade, as it stated them.
    pub self_evaluation: SelfEvaluation,
    /// 复核意见: the unit's statements checked against the recomputation.
    pub audit: AuditReport,
    /// The rule file and the data, by name and SHA-256.
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
    /// The rule file's `满分`.
    pub full_marks: Number,
    /// What the grade bands compared when it is not the total (按得分率定级: the total ÷
    /// the reduced maximum × 满分); units are ranked by it.
    #[serde(with = "crate::number::serde_option")]
    pub graded: Option<Number>,
    /// The file's `不适用时` (`按适用分值折算` …), when an indicator is 不适用.
    pub rule: Option<String>,
    /// Indicators that are 不适用, with why.
    pub not_applicable: Vec<IndicatorReason>,
    /// Indicators without a score, with why.
    pub unscored: Vec<IndicatorReason>,
    /// One line a clerk reads: what the total is and why.
    pub text: String,
}

/// An indicator that is 不适用 or has no score, and why ([`ScoringNote`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorReason {
    /// The indicator's name.
    pub indicator: String,
    /// Why its value could not be computed (`缺少 编制人数、实有人数`,
    /// ``除数 `上年三公经费` 为 0``).
    pub reason: String,
}

/// Builds the report for one evaluated unit.
pub fn build(model: &Model, record: &Record, outcome: &Outcome, explain: bool) -> Evaluation {
    build_with(model, record, outcome, explain, true)
}

/// [`build`], with the 复核 only if `audit` (without it, [`AuditReport::skipped`]).
pub fn build_with(model: &Model, record: &Record, outcome: &Outcome, explain: bool, audit: bool) -> Evaluation {
    let stated_score = |name: &str| record.stated.scores.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
    let mut indicators = Vec::with_capacity(model.leaves.len());
    let mut categories = Vec::new();
    for (i, node) in model.nodes.iter().enumerate() {
        let self_score = stated_score(&node.name);
        match &node.leaf {
            Some(leaf) => indicators.push(indicator_result(model, outcome, i, leaf, self_score, explain)),
            None => categories.push(category_result(model, outcome, i, self_score)),
        }
    }
    let checks = check_results(model, outcome);
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
                    outcome.slots.get(c.slot).map(Value::text).unwrap_or_default(),
                )
            })
            .collect(),
    );
    let computed = computed_results(model, outcome, explain);
    Evaluation {
        version: JSON_VERSION,
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
        audit: if audit {
            crate::audit::audit(model, record, outcome, grade.as_deref())
        } else {
            AuditReport::skipped()
        },
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

/// One 三级 indicator's row: value, score, status and (with `explain`) how it was scored.
fn indicator_result(
    model: &Model,
    outcome: &Outcome,
    i: usize,
    leaf: &Leaf,
    self_score: Option<Decimal>,
    explain: bool,
) -> IndicatorResult {
    let node = &model.nodes[i];
    let value = leaf.value_slot.and_then(|s| match outcome.slots.get(s) {
        Some(Value::Num(n)) => Some(n.clone()),
        _ => None,
    });
    let display = leaf
        .value_slot
        .and_then(|s| outcome.slots.get(s).map(|v| shown_with_missing(model, outcome, s, v)));
    let (status, reason, score) = match &outcome.branches[i] {
        Branch::Unscored { reason } => (STATUS_UNSCORED, Some(unscored_reason(model, outcome, i, reason)), None),
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
    IndicatorResult {
        path: model.node_path(i),
        name: node.name.clone(),
        value,
        display,
        score,
        score_display,
        status,
        reason,
        weight: node.weight.clone(),
        self_score,
        explanation: explain.then(|| explain_leaf(model, i, leaf, outcome)),
    }
}

/// One 一级 or 二级 category's subtotal (none when incomplete or wholly 不适用).
fn category_result(model: &Model, outcome: &Outcome, i: usize, self_score: Option<Decimal>) -> CategoryResult {
    let node = &model.nodes[i];
    let partial = outcome.partial.as_deref();
    let incomplete = partial.is_some_and(|p| p.incomplete[i]);
    let applicable = partial
        .map(|p| p.applicable_weights[i].clone())
        .filter(|w| *w != node.weight);
    let score = outcome.scores[i].clone();
    let not_applicable = applicable.as_ref().is_some_and(|w| w.is_zero());
    let score_display = if incomplete {
        format!("不完整（已得 {}）", score_text(model, score.clone()))
    } else if not_applicable {
        STATUS_NOT_APPLICABLE.to_owned()
    } else {
        score_text(model, score.clone())
    };
    CategoryResult {
        path: model.node_path(i),
        name: node.name.clone(),
        level: node.depth,
        // No subtotal when it is not final, or when nothing below it counts.
        score: (!incomplete && !not_applicable).then_some(score),
        score_display,
        weight: node.weight.clone(),
        applicable_weight: applicable,
        self_score,
    }
}

/// The cross-checks as computed for this unit.
fn check_results(model: &Model, outcome: &Outcome) -> Vec<CheckResult> {
    model
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
        .collect()
}

/// The `计算` values the rule file shows, with (under `explain`) formula and substitution.
fn computed_results(model: &Model, outcome: &Outcome, explain: bool) -> Vec<ComputedResult> {
    model
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
                    (Some(v), _) => Value::text(v),
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
        .collect()
}

/// A unit's status in a batch (CLI rows, the server, the bindings): a final total.
pub const UNIT_OK: &str = "正常";
/// Evaluated, but some indicator has no score: no total, no grade.
pub const UNIT_INCOMPLETE: &str = "不完整";
/// Not evaluated: the unit's data (or evaluation) failed.
pub const UNIT_ERROR: &str = "错误";

impl Evaluation {
    /// [`UNIT_OK`] or [`UNIT_INCOMPLETE`], as a batch lists this unit.
    pub fn status(&self) -> &'static str {
        unit_status(self.complete)
    }
}

/// [`UNIT_OK`] for a complete evaluation, else [`UNIT_INCOMPLETE`].
pub fn unit_status(complete: bool) -> &'static str {
    if complete {
        UNIT_OK
    } else {
        UNIT_INCOMPLETE
    }
}

/// An indicator's status in [`IndicatorResult::status`].
pub const STATUS_SCORED: &str = "已评分";
/// Scored by the indicator's `无法计算时`.
pub const STATUS_BY_POLICY: &str = "无法计算时计分";
/// Not scored for this unit: its value could not be computed and its `无法计算时` says
/// `不适用`; the total is formed as the file's `不适用时` says.
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

/// What the clerk reads about a total that is not a plain sum.
fn scoring_note(model: &Model, outcome: &Outcome, p: &crate::eval::Partial) -> ScoringNote {
    let mut not_applicable = Vec::new();
    let mut unscored = Vec::new();
    // What is in the way of a total, for the advice below.
    let mut causes = Vec::new();
    for &leaf in &model.leaves {
        let name = model.nodes[leaf].name.clone();
        match &outcome.branches[leaf] {
            Branch::NotApplicable { reason, .. } => not_applicable.push(IndicatorReason {
                indicator: name,
                reason: reason.reason.clone(),
            }),
            Branch::Unscored { reason } => {
                causes.push(reason.cause);
                unscored.push(IndicatorReason {
                    indicator: name,
                    reason: unscored_reason(model, outcome, leaf, reason),
                })
            }
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
        graded: (outcome.complete() && p.graded != outcome.total).then(|| p.graded.clone()),
        rule: rule.map(|r| r.label().to_owned()),
        not_applicable,
        unscored,
        text: String::new(),
    };
    let names = |v: &[IndicatorReason]| v.iter().map(|r| r.indicator.as_str()).collect::<Vec<_>>().join("、");
    let mut text = Vec::new();
    if !note.unscored.is_empty() {
        // What would give the unit a total, by what is in the way.
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
    if let Some(u) = &p.grade_undefined {
        text.push(format!(
            "等级的依据无法计算（{}），没有等级；{}",
            u.reason,
            if u.cause == crate::model::UndefinedCause::Missing {
                "补齐缺少的数据后才有等级"
            } else {
                "请核对数据或规则文件中的 `等级 依据`"
            }
        ));
    }
    if let (Some(_), false) = (rule, note.unscored.is_empty()) {
        text.push(format!(
            "另有 {} 个指标不适用（{}）",
            note.not_applicable.len(),
            names(&note.not_applicable)
        ));
    } else if let Some(rule) = rule.filter(|_| !p.applicable.is_zero()) {
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
