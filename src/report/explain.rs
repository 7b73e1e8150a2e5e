//! `--explain`: for one indicator, its formula, the unit's values in it, the criterion and
//! the branch of it that decided the score.

use super::values::{approx, shown, shown_exactly, squash, substitute};
use super::Explanation;
use crate::ast::StepDirection;
use crate::number::Number;

use crate::eval::{Branch, Outcome};
use crate::model::*;
use crate::numfmt::{format_decimal, format_exact, format_exact_approx};

pub(crate) fn explain_leaf(model: &Model, index: usize, leaf: &Leaf, outcome: &Outcome) -> Explanation {
    let (formula, substituted, result) = formula_lines(model, index, leaf, outcome);
    let (criterion, branch) = criterion_lines(model, index, leaf, outcome);
    let branch = undefined_branch(model, index, leaf, outcome).unwrap_or(branch);
    Explanation {
        formula,
        substituted,
        result,
        standard: leaf.standard.clone(),
        criterion,
        branch,
    }
}

/// The indicator's formula, with the unit's values substituted, and its value.
fn formula_lines(
    model: &Model,
    index: usize,
    leaf: &Leaf,
    outcome: &Outcome,
) -> (Option<String>, Option<String>, Option<String>) {
    let computed = model.computed.iter().find(|c| c.indicator == Some(index));
    match (computed, leaf.formula_span) {
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
    }
}

/// The scoring rule in words, and the branch this unit took through it.
fn criterion_lines(model: &Model, index: usize, leaf: &Leaf, outcome: &Outcome) -> (String, String) {
    let weight = model.nodes[index].weight.clone();
    let pct = |x: Number| {
        let d = leaf.display.unwrap_or(crate::ast::Display {
            percent: false,
            decimals: 4,
            span: Default::default(),
        });
        format_decimal(x, d.percent, d.decimals.max(2))
    };
    let score = outcome.scores[index].clone();
    match (&leaf.criterion, &outcome.branches[index]) {
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
    }
}

/// The branch of an indicator whose value could not be computed: scored by `无法计算时`,
/// 不适用, or without a score; `None` for an indicator scored as usual.
fn undefined_branch(model: &Model, index: usize, leaf: &Leaf, outcome: &Outcome) -> Option<String> {
    let case = |arm: &Option<usize>| match (&leaf.undefined, arm) {
        (Some(UndefinedPolicy::Cases { arms, .. }), Some(i)) => {
            format!("，{} 成立 ", squash(model.source.slice(arms[*i].0.span)))
        }
        (Some(UndefinedPolicy::Cases { .. }), None) => "，各条件均不成立，按“其他” ".to_owned(),
        _ => String::new(),
    };
    Some(match &outcome.branches[index] {
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
        _ => return None,
    })
}
