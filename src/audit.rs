//! 复核: compares what a unit stated about itself (values in its report, self-scores,
//! total, grade, targets met) with the recomputation, and lists every inconsistency
//! in its own data (cross-checks, one figure stated twice).
//!
//! A stated figure is compared at the precision the unit wrote it: "2.4%" agrees with
//! 2.4091% (both 2.4 at one decimal), "80%" does not agree with 79.31% (79 at zero
//! decimals). A rule file may set `复核容差` on an indicator or value instead.

use rust_decimal::Decimal;

use crate::data::{parse_decimal, Record};
use crate::eval::Outcome;
use crate::model::{ComputedDef, Model, Value};
use crate::number::Number;
use crate::numfmt::{format_decimal, format_exact, format_figure, format_stated, round_half_away};
use serde::Serialize;

/// One inconsistency found by the 复核 audit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// 指标值, 同一数字, 勾稽关系, 绩效目标, 得分, 等级 or 数据.
    pub category: String,
    /// 错误, 警告 or 提示.
    pub severity: String,
    /// What it is about: an indicator, a value, a check, a target (`名称（类别）`), an
    /// input, `总分` or `评价等次`.
    pub subject: String,
    /// What the unit stated, as it wrote it (`9`, `优秀`, `80%`); for a 勾稽关系 or
    /// 同一数字 finding, the left side with its value.
    pub stated: Option<String>,
    /// The recomputation as shown (`8.00`, `合格`), or `无法计算（…）`; for a 勾稽关系 or
    /// 同一数字 finding, the right side with its value.
    pub computed: Option<String>,
    /// The difference as text, where both sides are numbers: recomputed − stated for
    /// 得分 (`-1.00` for a stated 9 recomputed as 8), stated − recomputed for 指标值, left −
    /// right for 勾稽关系 and 同一数字.
    pub difference: Option<String>,
    /// The formula with the unit's values substituted, or the rule file's note.
    pub explanation: Option<String>,
    /// Line of the rule-file declaration involved (where its author wrote it).
    pub rule_line: Option<usize>,
    /// For a rule file `基于` another: the base file `rule_line` is in, when the
    /// declaration is there (`null` for the rule file itself).
    pub rule_file: Option<String>,
    /// The data field(s) involved.
    pub data_field: Option<String>,
    /// The finding as a sentence, in Chinese.
    pub message: String,
}

/// The 复核意见 of one unit ([`Evaluation::audit`](crate::Evaluation::audit)).
///
/// ```
/// use jixiao::{Options, Rules};
/// use rust_decimal::Decimal;
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let mut unit = rules.unit("某单位");
/// unit.set("编制人数", 100)?.set("实有人数", 104)?;
/// unit.stated_total(Decimal::from(9)).stated_grade("优秀");
/// let audit = rules.evaluate(&unit.build(), &Options::default())?.audit;
/// assert_eq!(audit.summary, "自评 9 分 优秀 → 复核 8.00 分 合格");
/// assert!(audit.grade_changed);
/// assert_eq!((audit.errors, audit.warnings, audit.notes), (1, 1, 0));
/// let grade = &audit.findings[0]; // most serious first
/// assert_eq!((grade.category.as_str(), grade.severity.as_str()), ("等级", "错误"));
/// assert_eq!(grade.data_field.as_deref(), Some("自评.等级"));
/// let total = &audit.findings[1];
/// assert_eq!(total.subject, "总分");
/// assert_eq!(total.difference.as_deref(), Some("-1.00"));
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditReport {
    /// `自评 97 分 优秀 → 复核 94.30 分 优秀`; `未复核` when it was not asked for.
    pub summary: String,
    /// The unit stated a grade and the recomputed one differs (only when the total is
    /// complete).
    pub grade_changed: bool,
    /// How many findings are 错误.
    pub errors: usize,
    /// How many findings are 警告.
    pub warnings: usize,
    /// How many findings are 提示.
    pub notes: usize,
    /// Most serious first.
    pub findings: Vec<Finding>,
    /// The stated figures, self-scores, total and grade that the recomputation confirms
    /// at the precision the unit wrote them (✓), in the order checked.
    pub confirmed: Vec<Confirmed>,
}

impl AuditReport {
    /// No 复核 was asked for (the embedding API's `Options::audit(false)`).
    pub fn skipped() -> Self {
        AuditReport {
            summary: "未复核".into(),
            grade_changed: false,
            errors: 0,
            warnings: 0,
            notes: 0,
            findings: Vec::new(),
            confirmed: Vec::new(),
        }
    }
}

/// A figure of the unit's report that the 复核 checked and found right.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Confirmed {
    /// 指标值, 得分 or 等级.
    pub category: String,
    /// The indicator or value, `总分` or `评价等次`.
    pub subject: String,
    /// As the unit wrote it (`2.4%`, `97`).
    pub stated: String,
    /// The recomputation as it is shown (`2.41%`, `94.30`).
    pub computed: String,
    /// Where the unit stated it (`自评.指标值.…`, `自评.得分.…`, `自评.总分`, `自评.等级`).
    pub data_field: String,
}

/// Finding severities, most serious first.
pub const SEVERITIES: [&str; 3] = ["错误", "警告", "提示"];

/// How a stated figure compares with the recomputed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedComparison {
    pub agrees: bool,
    /// The stated number in the unit it was written in (percent points for `80%`).
    pub stated: Decimal,
    /// The recomputed value rounded the way the stated one was written (`79` for `80%`).
    pub computed_as_written: String,
    pub percent: bool,
    pub decimals: u32,
}

/// Compares a stated figure (`"80%"`, `"2.4%"`, `"3641.42"`) with an exact value.
/// `None` if the text is not a number.
pub fn compare_stated(stated: &str, computed: Number, tolerance: Option<Number>) -> Option<StatedComparison> {
    let t = stated.trim();
    let (digits, percent) = match t.strip_suffix(['%', '％']) {
        Some(d) => (d.trim(), true),
        None => (t, false),
    };
    let number = parse_decimal(digits)?;
    let decimals = digits.split('.').nth(1).map_or(0, |f| f.trim().len() as u32).min(20);
    let scaled = if percent {
        computed.clone().checked_mul(Number::ONE_HUNDRED).ok()?
    } else {
        computed.clone()
    };
    // Rounded on the exact value, at the precision the unit wrote.
    let as_written = round_half_away(scaled, decimals).ok()?;
    let agrees = match tolerance {
        Some(tol) => {
            let stated_value = stated_number(number, percent);
            stated_value.checked_sub(computed).is_ok_and(|d| d.abs() <= tol)
        }
        None => as_written == Number::from(number),
    };
    Some(StatedComparison {
        agrees,
        stated: number,
        computed_as_written: as_written.fixed(false, decimals),
        percent,
        decimals,
    })
}

/// Builds the 复核意见 for one evaluated unit.
pub fn audit(model: &Model, record: &Record, outcome: &Outcome, grade: Option<&str>) -> AuditReport {
    let mut findings = Vec::new();
    let mut confirmed = Vec::new();
    stated_values(model, record, outcome, &mut findings, &mut confirmed);
    cross_checks(model, outcome, &mut findings);
    targets(model, record, &mut findings);
    unscored(model, outcome, &mut findings);
    failed_values(model, outcome, &mut findings);
    scores(model, record, outcome, grade, &mut findings, &mut confirmed);
    data_notes(model, record, &mut findings);
    // In the rule file's order (values, then the tree's scores, total, grade), whatever
    // order the data file wrote them in.
    confirmed.sort_by_key(|c| match c.category.as_str() {
        "指标值" => (
            0,
            model
                .computed
                .iter()
                .position(|d| d.name == c.subject)
                .unwrap_or(usize::MAX),
        ),
        "得分" => (
            1,
            model
                .nodes
                .iter()
                .position(|n| n.name == c.subject)
                .unwrap_or(usize::MAX),
        ),
        _ => (2, 0),
    });
    findings.sort_by_key(|f| {
        SEVERITIES
            .iter()
            .position(|s| *s == f.severity)
            .unwrap_or(SEVERITIES.len())
    });
    let recomputed = match grade {
        Some(g) => format!(
            "复核 {} 分 {g}",
            format_decimal(outcome.total.clone(), false, model.score_precision)
        ),
        None => "复核总分不完整，没有等级".to_owned(),
    };
    let grade = grade.unwrap_or_default();
    let summary = match (&record.stated.total, &record.stated.grade) {
        (None, None) => format!("{recomputed}（单位未填报自评得分）"),
        (t, g) => format!(
            "自评 {} 分 {} → {recomputed}",
            t.map_or("—".to_owned(), format_stated),
            g.as_deref().unwrap_or("—")
        ),
    };
    let count = |s: &str| findings.iter().filter(|f| f.severity == s).count();
    AuditReport {
        summary,
        grade_changed: outcome.complete() && record.stated.grade.as_deref().is_some_and(|g| g != grade),
        errors: count("错误"),
        warnings: count("警告"),
        notes: count("提示"),
        findings,
        confirmed,
    }
}

/// Values that failed for a reason other than a zero divisor or missing data (past the size
/// bound, no band covers them …) and that no indicator scores: said, not only shown.
fn failed_values(model: &Model, outcome: &Outcome, out: &mut Vec<Finding>) {
    for def in model.computed.iter().filter(|c| c.indicator.is_none()) {
        let Some(Value::Undefined(u)) = outcome.slots.get(def.slot) else {
            continue;
        };
        if u.cause != crate::model::UndefinedCause::Error {
            continue;
        }
        out.push(Finding {
            category: "指标值".into(),
            severity: "警告".into(),
            subject: def.name.clone(),
            stated: None,
            computed: Some(u.text()),
            difference: None,
            explanation: None,
            rule_line: Some(line_of(model, def.span)),
            rule_file: base_of(model, def.span),
            data_field: None,
            message: format!("`{}` 无法计算：{}", def.name, u.reason),
        });
    }
}

/// Indicators without a score: the reason the unit has no total yet.
fn unscored(model: &Model, outcome: &Outcome, out: &mut Vec<Finding>) {
    if outcome.partial.is_none() {
        return;
    }
    for &leaf in &model.leaves {
        let crate::eval::Branch::Unscored { reason } = &outcome.branches[leaf] else {
            continue;
        };
        let node = &model.nodes[leaf];
        let missing = reason.cause == crate::model::UndefinedCause::Missing;
        let why = crate::report::values::unscored_reason(model, outcome, leaf, reason);
        out.push(Finding {
            category: "得分".into(),
            severity: if missing { "警告" } else { "错误" }.into(),
            subject: node.name.clone(),
            stated: None,
            computed: Some(crate::model::Undefined::text(reason)),
            difference: None,
            explanation: None,
            rule_line: Some(line_of(model, reason.span)),
            rule_file: base_of(model, reason.span),
            data_field: None,
            message: if missing {
                format!("`{}` 无法评分：{why}，总分不完整", node.name)
            } else if reason.cause == crate::model::UndefinedCause::ZeroDivisor {
                format!(
                    "`{}` 无法评分：{why}；规则文件没有为它写 `无法计算时`，总分不完整",
                    node.name
                )
            } else {
                format!("`{}` 无法评分：{why}，总分不完整", node.name)
            },
        });
    }
}

/// A stated figure the recomputation cannot check: a 提示, never a silent pass.
fn not_checked(subject: &str, stated: String, why: String, field: String) -> Finding {
    Finding {
        category: "得分".into(),
        severity: "提示".into(),
        subject: subject.to_owned(),
        stated: Some(stated),
        computed: None,
        difference: None,
        explanation: None,
        rule_line: None,
        rule_file: None,
        data_field: Some(field),
        message: format!("`{subject}` {why}，自评未复核"),
    }
}

/// How the data was read, where a clerk should know (a figure written "—" taken as not
/// reported and given its `缺失时` value).
fn data_notes(model: &Model, record: &Record, out: &mut Vec<Finding>) {
    // `--partial`: values that could not be used, and so were left out (警告); how
    // figures were read (提示).
    let notes = record.set_aside.iter().map(|n| ("警告", n));
    for (severity, (field, message)) in notes.chain(record.notes.iter().map(|n| ("提示", n))) {
        let input = model.inputs.iter().find(|i| &i.name == field);
        out.push(Finding {
            category: "数据".into(),
            severity: severity.into(),
            subject: field.clone(),
            stated: None,
            computed: None,
            difference: None,
            explanation: None,
            rule_line: input.map(|i| line_of(model, i.span)),
            rule_file: input.and_then(|i| base_of(model, i.span)),
            data_field: Some(field.clone()),
            message: message.clone(),
        });
    }
}

/// The line where the author wrote `span` (for a `基于` file, maybe in its base).
fn line_of(model: &Model, span: crate::source::Span) -> usize {
    model.source.locate(span).line_col().0
}

/// The base file `span` was written in, for a `基于` file whose base has it.
fn base_of(model: &Model, span: crate::source::Span) -> Option<String> {
    model.source.locate(span).base_name()
}

fn stated_values(
    model: &Model,
    record: &Record,
    outcome: &Outcome,
    out: &mut Vec<Finding>,
    confirmed: &mut Vec<Confirmed>,
) {
    for (name, text) in &record.stated.values {
        let field = format!("自评.指标值.{name}");
        let Some(def) = model.computed.iter().find(|c| &c.name == name) else {
            out.push(Finding {
                category: "指标值".into(),
                severity: "提示".into(),
                subject: name.clone(),
                stated: Some(text.clone()),
                computed: None,
                difference: None,
                explanation: None,
                rule_line: None,
                rule_file: None,
                data_field: Some(field),
                message: format!("自评中的 `{name}` 不是规则文件中有公式的指标或计算值，无法复核"),
            });
            continue;
        };
        let value = match outcome.slots.get(def.slot) {
            Some(Value::Num(value)) => value,
            // "上升100%" from a base of 0: the report states a figure that has none.
            Some(Value::Undefined(u)) => {
                out.push(Finding {
                    category: "指标值".into(),
                    severity: "提示".into(),
                    subject: name.clone(),
                    stated: Some(text.clone()),
                    computed: Some(crate::model::UNDEFINED_TEXT.into()),
                    difference: None,
                    explanation: Some(u.reason.clone()),
                    rule_line: Some(line_of(model, def.span)),
                    rule_file: base_of(model, def.span),
                    data_field: Some(field),
                    message: if u.cause == crate::model::UndefinedCause::ZeroDivisor {
                        format!(
                            "报告所写 `{name}` {text}，复核无法计算（{}），报告的数字没有依据",
                            u.reason
                        )
                    } else {
                        format!("报告所写 `{name}` {text}，复核无法计算（{}），未能复核", u.reason)
                    },
                });
                continue;
            }
            _ => continue,
        };
        let Some(cmp) = compare_stated(text, value.clone(), def.audit_tolerance.clone()) else {
            out.push(Finding {
                category: "指标值".into(),
                severity: "提示".into(),
                subject: name.clone(),
                stated: Some(text.clone()),
                computed: Some(shown(model, def, value.clone())),
                difference: None,
                explanation: None,
                rule_line: Some(line_of(model, def.span)),
                rule_file: base_of(model, def.span),
                data_field: Some(field),
                message: format!("自评中 `{name}` 写的不是数值，无法复核"),
            });
            continue;
        };
        if cmp.agrees {
            confirmed.push(Confirmed {
                category: "指标值".into(),
                subject: name.clone(),
                stated: text.clone(),
                computed: shown(model, def, value.clone()),
                data_field: field,
            });
            continue;
        }
        let unit = if cmp.percent { "%" } else { "" };
        let stated_exact = stated_number(cmp.stated, cmp.percent);
        let difference = stated_exact
            .checked_sub(value.clone())
            .map_or_else(|_| "—".into(), |d| format_decimal(d, cmp.percent, 2.max(cmp.decimals)));
        out.push(Finding {
            category: "指标值".into(),
            severity: "警告".into(),
            subject: name.clone(),
            stated: Some(text.clone()),
            computed: Some(shown(model, def, value.clone())),
            difference: Some(difference),
            explanation: Some(format!(
                "{} = {} = {}",
                name,
                crate::report::values::substitute(model, def, outcome),
                shown(model, def, value.clone())
            )),
            rule_line: Some(line_of(model, def.span)),
            rule_file: base_of(model, def.span),
            data_field: Some(field),
            message: format!(
                "报告所写 `{name}` {text} 与复核计算不符：按报告的精度应为 {}{unit}",
                cmp.computed_as_written
            ),
        });
    }
}

/// A stated figure as the exact number it means (`80%` is 0.8).
fn stated_number(stated: Decimal, percent: bool) -> Number {
    let n = Number::from(stated);
    if percent {
        // A decimal ÷ 100 cannot fail.
        n.clone().checked_div(Number::ONE_HUNDRED).unwrap_or(n)
    } else {
        n
    }
}

/// `a − b` exactly, for a finding's text.
fn difference(a: Number, b: Number) -> String {
    a.checked_sub(b).map_or_else(|_| "—".into(), format_figure)
}

fn shown(model: &Model, def: &ComputedDef, value: Number) -> String {
    let display = def.display.or_else(|| {
        def.indicator
            .and_then(|i| model.nodes.get(i))
            .and_then(|n| n.leaf.as_ref())
            .and_then(|l| l.display)
    });
    match display {
        Some(d) => format_decimal(value, d.percent, d.decimals),
        None => value.to_string(),
    }
}

fn cross_checks(model: &Model, outcome: &Outcome, out: &mut Vec<Finding>) {
    for (def, result) in model.checks.iter().zip(&outcome.checks) {
        if let Some(u) = &result.undefined {
            out.push(Finding {
                category: if def.comparison { "同一数字" } else { "勾稽关系" }.into(),
                severity: "提示".into(),
                subject: def.name.clone(),
                stated: None,
                computed: Some(crate::model::Undefined::text(u)),
                difference: None,
                explanation: None,
                rule_line: Some(line_of(model, def.span)),
                rule_file: base_of(model, def.span),
                data_field: None,
                message: format!("`{}` 无法核对：{}", def.name, u.reason),
            });
            continue;
        }
        let (Some(l), Some(r)) = (result.left.clone(), result.right.clone()) else {
            if !result.ok {
                out.push(Finding {
                    category: "勾稽关系".into(),
                    severity: def.severity.label().into(),
                    subject: def.name.clone(),
                    stated: None,
                    computed: None,
                    difference: None,
                    explanation: Some(
                        model
                            .source
                            .slice(def.condition.span)
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    rule_line: Some(line_of(model, def.span)),
                    rule_file: base_of(model, def.span),
                    data_field: None,
                    message: format!("勾稽关系 `{}` 不成立", def.name),
                });
            }
            continue;
        };
        // Figures as the report shows them (`727.80`, not `727.8`).
        let (ls, rs) = (format_figure(l.clone()), format_figure(r.clone()));
        let sides = def.sides.as_ref();
        let text = |i: usize| {
            sides
                .map(|(a, b)| if i == 0 { a } else { b })
                .map(|e| {
                    model
                        .source
                        .slice(e.span)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        };
        let (left_name, right_name) = (text(0), text(1));
        if def.comparison {
            if l == r {
                continue;
            }
            let explained_by = def.difference.as_ref().map(|d| {
                model
                    .source
                    .slice(d.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let (severity, message) = match (result.ok, &explained_by, result.expected.clone()) {
                (true, Some(component), Some(e)) => (
                    "提示".to_owned(),
                    format!(
                        "同一数字两处不同：{left_name} {ls} 与 {right_name} {rs} 相差 {}，差额等于 {component} {}，口径差异已说明",
                        difference(l.clone(), r.clone()),
                        format_figure(e)
                    ),
                ),
                (_, Some(component), Some(e)) => (
                    def.severity.label().to_owned(),
                    format!(
                        "同一数字两处不同：{left_name} {ls} 与 {right_name} {rs} 相差 {}，不等于 {component} {}",
                        difference(l.clone(), r.clone()),
                        format_figure(e)
                    ),
                ),
                _ => (
                    def.severity.label().to_owned(),
                    format!("同一数字两处不同：{left_name} {ls} 与 {right_name} {rs} 相差 {}", difference(l.clone(), r.clone())),
                ),
            };
            out.push(Finding {
                category: "同一数字".into(),
                severity,
                subject: def.name.clone(),
                stated: Some(format!("{left_name} {ls}")),
                computed: Some(format!("{right_name} {rs}")),
                difference: Some(difference(l, r)),
                explanation: def.description.clone(),
                rule_line: Some(line_of(model, def.span)),
                rule_file: base_of(model, def.span),
                data_field: Some(format!("{left_name}；{right_name}")),
                message,
            });
        } else if !result.ok {
            out.push(Finding {
                category: "勾稽关系".into(),
                severity: def.severity.label().into(),
                subject: def.name.clone(),
                stated: Some(format!("{left_name} = {ls}")),
                computed: Some(format!("{right_name} = {rs}")),
                difference: Some(difference(l, r)),
                explanation: def.description.clone(),
                rule_line: Some(line_of(model, def.span)),
                rule_file: base_of(model, def.span),
                data_field: Some(left_name.clone()),
                message: format!("勾稽关系 `{}` 不成立：{left_name} {ls} ≠ {right_name} {rs}", def.name),
            });
        }
    }
}

fn targets(model: &Model, record: &Record, out: &mut Vec<Finding>) {
    for (list, items) in model.lists.iter().zip(&record.lists) {
        for (i, item) in items.iter().enumerate() {
            let (Some(stated), Some(computed)) = (item.met_stated, item.met_computed) else {
                continue;
            };
            if stated == computed {
                continue;
            }
            let word = |b: bool| if b { "已达成" } else { "未达成" };
            out.push(Finding {
                category: "绩效目标".into(),
                severity: "警告".into(),
                subject: format!("{}（{}）", item.name, item.category),
                stated: Some(word(stated).into()),
                computed: Some(word(computed).into()),
                difference: None,
                explanation: Some(format!("目标 {}，实际 {}", item.target_text, item.actual_text)),
                rule_line: Some(line_of(model, list.span)),
                rule_file: base_of(model, list.span),
                data_field: Some(format!("{}[{}]", list.name, i + 1)),
                message: format!(
                    "单位称目标“{}”{}，按目标 {} 和实际 {} 复核为{}",
                    item.name,
                    word(stated),
                    item.target_text,
                    item.actual_text,
                    word(computed)
                ),
            });
        }
    }
}

fn scores(
    model: &Model,
    record: &Record,
    outcome: &Outcome,
    grade: Option<&str>,
    out: &mut Vec<Finding>,
    confirmed: &mut Vec<Confirmed>,
) {
    stated_scores(model, record, outcome, out, confirmed);
    stated_total(model, record, outcome, grade, out, confirmed);
    stated_grade(record, grade, out, confirmed);
}

/// The unit's own score for each indicator and category against the recomputation (not
/// checked where there is no final score).
fn stated_scores(
    model: &Model,
    record: &Record,
    outcome: &Outcome,
    out: &mut Vec<Finding>,
    confirmed: &mut Vec<Confirmed>,
) {
    let partial = outcome.partial.as_deref();
    for (name, stated) in &record.stated.scores {
        let Some(index) = model.nodes.iter().position(|n| &n.name == name) else {
            out.push(Finding {
                category: "得分".into(),
                severity: "提示".into(),
                subject: name.clone(),
                stated: Some(format_stated(*stated)),
                computed: None,
                difference: None,
                explanation: None,
                rule_line: None,
                rule_file: None,
                data_field: Some(format!("自评.得分.{name}")),
                message: format!("自评得分中的 `{name}` 不是规则文件中的指标"),
            });
            continue;
        };
        let field = format!("自评.得分.{name}");
        match &outcome.branches[index] {
            crate::eval::Branch::Unscored { reason } => {
                out.push(not_checked(
                    name,
                    format_stated(*stated),
                    format!("无法计算（{}）", reason.reason),
                    field,
                ));
                continue;
            }
            crate::eval::Branch::NotApplicable { reason, .. } => {
                out.push(not_checked(
                    name,
                    format_stated(*stated),
                    format!("不适用（{}）", reason.reason),
                    field,
                ));
                continue;
            }
            _ if partial.is_some_and(|p| p.applicable_weights[index].is_zero()) => {
                out.push(not_checked(
                    name,
                    format_stated(*stated),
                    "不适用（其中的指标都不适用）".into(),
                    field,
                ));
                continue;
            }
            _ if partial.is_some_and(|p| p.incomplete[index]) => {
                out.push(not_checked(
                    name,
                    format_stated(*stated),
                    "的小计不完整（其中有指标无法评分）".into(),
                    field,
                ));
                continue;
            }
            _ => {}
        }
        let computed = outcome.scores[index].clone();
        if round_half_away(computed.clone(), stated.scale()).is_ok_and(|c| c == Number::from(*stated)) {
            confirmed.push(Confirmed {
                category: "得分".into(),
                subject: name.clone(),
                stated: format_stated(*stated),
                computed: format_decimal(computed, false, model.score_precision),
                data_field: format!("自评.得分.{name}"),
            });
            continue;
        }
        let node = &model.nodes[index];
        out.push(Finding {
            category: "得分".into(),
            severity: "警告".into(),
            subject: name.clone(),
            stated: Some(format_stated(*stated)),
            computed: Some(format_decimal(computed.clone(), false, model.score_precision)),
            difference: computed
                .clone()
                .checked_sub(Number::from(*stated))
                .ok()
                .map(|d| format_decimal(d, false, model.score_precision)),
            explanation: None,
            rule_line: Some(line_of(model, node.span)),
            rule_file: base_of(model, node.span),
            data_field: Some(format!("自评.得分.{name}")),
            message: format!(
                "`{name}` 自评 {} 分，复核 {} 分（分值 {}）",
                format_stated(*stated),
                format_decimal(computed, false, model.score_precision),
                format_exact(node.weight.clone())
            ),
        });
    }
}

/// The unit's own total, at the precision it wrote it (not checked without a final total).
fn stated_total(
    model: &Model,
    record: &Record,
    outcome: &Outcome,
    grade: Option<&str>,
    out: &mut Vec<Finding>,
    confirmed: &mut Vec<Confirmed>,
) {
    if let (Some(stated), None) = (record.stated.total, grade) {
        out.push(not_checked(
            "总分",
            format_stated(stated),
            "不完整（没有最终的总分）".into(),
            "自评.总分".into(),
        ));
    }
    if let Some(stated) = record.stated.total.filter(|_| grade.is_some()) {
        let computed = outcome.total.clone();
        if !round_half_away(outcome.total.clone(), stated.scale()).is_ok_and(|c| c == Number::from(stated)) {
            out.push(Finding {
                category: "得分".into(),
                severity: "警告".into(),
                subject: "总分".into(),
                stated: Some(format_stated(stated)),
                computed: Some(format_decimal(computed.clone(), false, model.score_precision)),
                difference: (outcome.total)
                    .clone()
                    .checked_sub(Number::from(stated))
                    .ok()
                    .map(|d| format_decimal(d, false, model.score_precision)),
                explanation: None,
                rule_line: None,
                rule_file: None,
                data_field: Some("自评.总分".into()),
                message: format!(
                    "自评总分 {} 分，复核 {} 分",
                    format_stated(stated),
                    format_decimal(computed, false, model.score_precision)
                ),
            });
        } else {
            confirmed.push(Confirmed {
                category: "得分".into(),
                subject: "总分".into(),
                stated: format_stated(stated),
                computed: format_decimal(computed, false, model.score_precision),
                data_field: "自评.总分".into(),
            });
        }
    }
}

/// The unit's own grade (not checked without a final total).
fn stated_grade(record: &Record, grade: Option<&str>, out: &mut Vec<Finding>, confirmed: &mut Vec<Confirmed>) {
    if let (Some(stated), Some(grade)) = (&record.stated.grade, grade) {
        grade_finding(stated, grade, out, confirmed);
    } else if let Some(stated) = &record.stated.grade {
        out.push(Finding {
            category: "等级".into(),
            ..not_checked(
                "评价等次",
                stated.clone(),
                "无法确定（总分不完整）".into(),
                "自评.等级".into(),
            )
        });
    }
}

fn grade_finding(stated: &str, grade: &str, out: &mut Vec<Finding>, confirmed: &mut Vec<Confirmed>) {
    if stated != grade {
        out.push(Finding {
            category: "等级".into(),
            severity: "错误".into(),
            subject: "评价等次".into(),
            stated: Some(stated.to_owned()),
            computed: Some(grade.to_owned()),
            difference: None,
            explanation: None,
            rule_line: None,
            rule_file: None,
            data_field: Some("自评.等级".into()),
            message: format!("评价等次由自评的“{stated}”变为复核的“{grade}”"),
        });
    } else {
        confirmed.push(Confirmed {
            category: "等级".into(),
            subject: "评价等次".into(),
            stated: stated.to_owned(),
            computed: grade.to_owned(),
            data_field: "自评.等级".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Number {
        Number::from(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn stated_figures_are_compared_at_their_own_precision() {
        let rate = d("0.0240909090909");
        assert!(compare_stated("2.4%", rate.clone(), None).unwrap().agrees);
        assert!(compare_stated("2.41%", rate.clone(), None).unwrap().agrees);
        assert!(!compare_stated("2.42%", rate.clone(), None).unwrap().agrees);
        assert!(!compare_stated("3%", rate.clone(), None).unwrap().agrees);
        // Written as a whole percent, 2.41% is 2%: the precision the unit chose.
        assert!(compare_stated("2%", rate, None).unwrap().agrees);
        let control = d("138").checked_div(d("174")).unwrap();
        let c = compare_stated("80%", control.clone(), None).unwrap();
        assert!(!c.agrees);
        assert_eq!(c.computed_as_written, "79");
        assert!(compare_stated("79%", control.clone(), None).unwrap().agrees);
        assert!(compare_stated("79.31%", control, None).unwrap().agrees);
        // Half away from zero at the stated precision: 0.125 written as "0.13".
        assert!(compare_stated("0.13", d("0.125"), None).unwrap().agrees);
        assert!(!compare_stated("0.12", d("0.125"), None).unwrap().agrees);
        assert!(compare_stated("-9.17%", d("-0.0917241"), None).unwrap().agrees);
        assert!(compare_stated("3,641.42", d("3641.42"), None).unwrap().agrees);
        assert!(compare_stated("abc", d("1"), None).is_none());
    }

    #[test]
    fn an_explicit_tolerance_replaces_the_precision_rule() {
        let control = d("138").checked_div(d("174")).unwrap();
        assert!(compare_stated("80%", control.clone(), Some(d("0.01"))).unwrap().agrees);
        assert!(!compare_stated("80%", control, Some(d("0.005"))).unwrap().agrees);
    }
}
