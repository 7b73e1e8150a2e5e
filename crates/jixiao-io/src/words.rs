//! Rule text in words: how a 三级 indicator is scored, as a clerk reads it
//! (`分档，按指标值的绝对值：等于 0 得 3 分；高于 0、不高于 10% 得 2 分；…`), for the 评分表
//! page and the 对比 page, beside the rule file's own text. Conditions and formulas that
//! are arithmetic stay as written (they are the bureau's own formulas); what only a rule
//! author reads (`依据 abs(值)`, `[80%, 90%)`, `计步 进位`) is put into words.

use rust_decimal::Decimal;

use jixiao::ast::{Bound, Interval, StepDirection, Stepping};
use jixiao::model::{CCriterion, CExpr, CExprKind, Func, Model};
use jixiao::numfmt::{format_exact, format_stated};

/// How node `index` (a 三级 indicator) is scored, in words; `None` for a category.
pub fn criterion(model: &Model, index: usize) -> Option<String> {
    let leaf = model.nodes.get(index)?.leaf.as_ref()?;
    let weight = format_exact(model.nodes[index].weight.clone());
    let code = |e: &CExpr| expression(model, e);
    Some(match &leaf.criterion {
        CCriterion::Deduct {
            subject,
            baseline,
            direction,
            step_label,
            per_step,
            stepping,
            ..
        } => {
            let side = match direction {
                StepDirection::Above => "每超过",
                StepDirection::Below => "每低于",
                StepDirection::Deviation => "每偏离",
            };
            let partial = match stepping {
                Stepping::Continuous => "不足一步的按比例扣",
                Stepping::Whole => "不足一步的不扣",
                Stepping::Started => "不足一步的按一步扣",
            };
            format!(
                "扣分{}：以 {} 为基准，{side} {}扣 {} 分，扣完为止（{partial}）",
                basis(model, subject.as_ref()),
                code(baseline),
                step(step_label),
                format_exact(per_step.clone())
            )
        }
        CCriterion::Ratio { subject, target } => format!(
            "按比例：{} ÷ {} × {weight} 分，最高 {weight} 分",
            judged(model, subject.as_ref()),
            code(target)
        ),
        CCriterion::Bands { subject, bands } => {
            let rows: Vec<String> = bands
                .iter()
                .map(|(iv, score)| format!("{} 得 {} 分", interval(iv), format_exact(score.clone())))
                .collect();
            format!("分档{}：{}", basis(model, subject.as_ref()), rows.join("；"))
        }
        CCriterion::Pass { condition, otherwise } => format!(
            "达标得满分 {weight} 分：{}；否则得 {} 分",
            code(condition),
            format_exact(otherwise.clone())
        ),
        CCriterion::Cases { arms, other } => {
            let mut rows: Vec<String> = arms
                .iter()
                .map(|(c, score)| format!("{} 时得 {} 分", code(c), format_exact(score.clone())))
                .collect();
            rows.push(format!("其他情况得 {} 分", format_exact(other.clone())));
            format!("分情况（按顺序取第一个成立的）：{}", rows.join("；"))
        }
        CCriterion::Review => format!("评审打分：由评价人员给出，0 到 {weight} 分"),
        CCriterion::Checklist { items } => {
            let rows: Vec<String> = items
                .iter()
                .map(|(c, points)| format!("{} 未满足扣 {} 分", code(c), format_exact(points.clone())))
                .collect();
            format!("逐项扣分：{}；扣完为止", rows.join("；"))
        }
        CCriterion::Formula(e) => format!("按公式计分：{}", code(e)),
        CCriterion::Invalid => String::new(),
    })
}

/// An interval in words: `[80%, 90%)` → `不低于 80%、低于 90%`; `= 0` → `等于 0`.
pub fn interval(iv: &Interval) -> String {
    let shown = |b: Bound| {
        if b.value.is_zero() {
            "0".to_owned()
        } else if iv.percent {
            format!("{}%", format_stated(b.value * Decimal::ONE_HUNDRED))
        } else {
            format_stated(b.value)
        }
    };
    let lower = |b: Bound| format!("{} {}", if b.inclusive { "不低于" } else { "高于" }, shown(b));
    let upper = |b: Bound| format!("{} {}", if b.inclusive { "不高于" } else { "低于" }, shown(b));
    match (iv.lower, iv.upper) {
        (Some(l), Some(u)) if l.inclusive && u.inclusive && l.value == u.value => format!("等于 {}", shown(l)),
        (Some(l), Some(u)) => format!("{}、{}", lower(l), upper(u)),
        (Some(l), None) => lower(l),
        (None, Some(u)) => upper(u),
        (None, None) => "任何值".to_owned(),
    }
}

/// `，按指标值的绝对值` for a criterion judging something else than the indicator's value.
fn basis(model: &Model, subject: Option<&CExpr>) -> String {
    match subject {
        None => String::new(),
        Some(e) => format!("，按{}", judged(model, Some(e))),
    }
}

/// What a criterion judges: the indicator's value, its absolute value, or an expression.
fn judged(model: &Model, subject: Option<&CExpr>) -> String {
    match subject.map(|e| &e.kind) {
        None | Some(CExprKind::Subject) => "指标值".to_owned(),
        Some(CExprKind::Call(Func::Abs, args)) if matches!(args.as_slice(), [a] if matches!(a.kind, CExprKind::Subject)) => {
            "指标值的绝对值".to_owned()
        }
        Some(_) => subject.map(|e| expression(model, e)).unwrap_or_default(),
    }
}

/// A deduction's step as `1 个百分点`, however it was spaced (`1个`, `1 例`).
fn step(label: &str) -> String {
    let label: String = label.split_whitespace().collect();
    let digits = label
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(label.len());
    let (amount, unit) = label.split_at(digits);
    if amount.is_empty() || unit.is_empty() {
        label
    } else {
        format!("{amount} {unit}")
    }
}

/// An expression as the rule file writes it, on one line, with `≤ ≥ ≠` for `<= >= !=`.
fn expression(model: &Model, e: &CExpr) -> String {
    model
        .source
        .slice(e.span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("<=", "≤")
        .replace(">=", "≥")
        .replace("!=", "≠")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_spaced_as_amount_and_unit() {
        assert_eq!(step("1 个百分点"), "1 个百分点");
        assert_eq!(step("1个"), "1 个");
        assert_eq!(step("0.5例"), "0.5 例");
        assert_eq!(step("个"), "个");
    }
}
