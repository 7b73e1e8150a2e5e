//! Evaluates one [`Record`] against a [`Model`]: computed values in dependency
//! order, each leaf's criterion, subtotals, total, grade and cross-checks. Pure and
//! allocation-light; presentation is [`crate::report`]'s job.

mod program;
pub mod value;

pub use program::{Evaluator, Program};

use crate::number::Number;

use crate::ast::{BinOp, StepDirection, Stepping};
use crate::data::{Record, TargetItem};
use crate::diagnostics::{EvalError, EvalErrorKind};
use crate::model::*;
use crate::numfmt::{format_exact, round_half_away};
use crate::source::Span;
use std::sync::Arc;
use value::ArithError;

/// Which part of a criterion decided a score (for explanations).
#[derive(Debug, Clone, PartialEq)]
pub enum Branch {
    /// A category: the sum of its children.
    Sum,
    /// Deduction: the judged value did not pass the baseline.
    DeductNone {
        judged: Number,
        baseline: Number,
    },
    /// Deduction: `excess` over the baseline, counted as `steps`, deducting `deduction`.
    Deducted {
        judged: Number,
        baseline: Number,
        excess: Number,
        steps: Number,
        deduction: Number,
    },
    /// Proportional: capped at full marks when the judged value reaches the target.
    Ratio {
        judged: Number,
        target: Number,
        capped: bool,
    },
    /// Banded table: the band that matched.
    Band {
        judged: Number,
        band: usize,
    },
    Pass {
        held: bool,
    },
    /// Cases: the arm that held, or `None` for `其他`.
    Case {
        arm: Option<usize>,
    },
    Review,
    /// Checklist: the items that failed.
    Checklist {
        failed: Vec<usize>,
    },
    Formula,
    /// The value could not be computed; the score is the indicator's `无法计算时` (`arm`:
    /// which case of a `分情况` policy, `None` for `其他` or a single outcome).
    Undefined {
        reason: Arc<Undefined>,
        arm: Option<usize>,
    },
    /// The value could not be computed and the indicator's `无法计算时` says 不适用: it
    /// leaves the unit's scoring (see [`Partial`]).
    NotApplicable {
        reason: Arc<Undefined>,
        arm: Option<usize>,
    },
    /// No score: the value could not be computed and the rule file says nothing, an input
    /// is missing (`--partial`), or the scoring failed. The unit's total is incomplete.
    Unscored {
        reason: Arc<Undefined>,
    },
}

/// The result of a cross-check for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// Held. False also when it could not be checked (`undefined`).
    pub ok: bool,
    /// Why the check could not be made (a value it needs is 无法计算).
    pub undefined: Option<Arc<Undefined>>,
    pub left: Option<Number>,
    pub right: Option<Number>,
    /// `对照 … 差额 …`: the known difference, evaluated.
    pub expected: Option<Number>,
}

/// Everything computed for one unit, indexed like the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Inputs then computed values ([`Model::slot_count`]).
    pub slots: Vec<Value>,
    /// Per tree node (pre-order): leaf scores and category subtotals, exact.
    pub scores: Vec<Number>,
    pub branches: Vec<Branch>,
    /// The total. With 不适用 indicators, formed as the file's `不适用时` says; when the
    /// outcome is incomplete, only what was earned (not a final total).
    pub total: Number,
    /// Index into [`GradeDef::bands`]; `None` when the outcome is incomplete.
    pub grade: Option<usize>,
    pub checks: Vec<CheckOutcome>,
    /// Set when some indicator is 不适用 or has no score; `None` for the plain sum.
    pub partial: Option<Box<Partial>>,
}

/// How a total was formed when not every indicator has a score that counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// Sum of the scores of the indicators that have one (before any 折算).
    pub earned: Number,
    /// Sum of the 分值 of the indicators that are not 不适用 (the reduced maximum).
    pub applicable: Number,
    /// Sum of the 分值 of the indicators that have a score.
    pub evaluable: Number,
    pub unscored: usize,
    pub not_applicable: usize,
    /// Per node: the 分值 of its leaves that are not 不适用.
    pub applicable_weights: Vec<Number>,
    /// Per node: some leaf at or below it has no score.
    pub incomplete: Vec<bool>,
    /// What the grade bands compared (按得分率定级: total ÷ reduced maximum × 满分).
    pub graded: Number,
    /// `等级 依据` could not be computed for this unit: there is no grade.
    pub grade_undefined: Option<Arc<Undefined>>,
}

impl Partial {
    /// Every leaf scored and counted: only the grade is missing.
    fn plain(model: &Model, scores: &[Number], total: &Number) -> Partial {
        let evaluable = model
            .leaves
            .iter()
            .try_fold(Number::ZERO, |acc, &l| acc.add(&model.nodes[l].weight))
            .unwrap_or_default();
        Partial {
            earned: total.clone(),
            applicable: evaluable.clone(),
            evaluable,
            unscored: 0,
            not_applicable: 0,
            applicable_weights: model.nodes.iter().map(|n| n.weight.clone()).collect(),
            incomplete: vec![false; scores.len()],
            graded: total.clone(),
            grade_undefined: None,
        }
    }
}

impl Outcome {
    /// Every indicator has a score or is 不适用, and something was applicable: the total
    /// and grade are final.
    pub fn complete(&self) -> bool {
        self.grade.is_some()
    }
}

struct Ctx<'a> {
    model: &'a Model,
    record: &'a Record,
    slots: Vec<Value>,
    subject: Option<Number>,
    /// Why the indicator being scored has no value, when it has none.
    subject_undefined: Option<Arc<Undefined>>,
    total: Option<Number>,
    item: Option<&'a TargetItem>,
}

/// The failure that carries an undefined value through an expression.
fn undefined_fail(u: &Arc<Undefined>) -> Box<Fail> {
    Box::new(Fail {
        kind: EvalErrorKind::Other,
        message: u.reason.clone(),
        span: u.span,
        help: Some(
            "若这个 0 是填错的，请改正数据；若 0 是可能的，在规则文件中为这个指标写 `无法计算时 得 满分`（或 `得 0`），或在公式中用 `如果` 写明除数为 0 时怎样计算"
                .into(),
        ),
        undefined: Some(u.clone()),
    })
}

impl Fail {
    /// The failure as the state of a value: a zero divisor or missing input as it is, any
    /// other failure (overflow, no band, a score out of range) as an error of the value.
    fn into_undefined(self) -> Arc<Undefined> {
        match self.undefined {
            Some(u) => u,
            None => Arc::new(Undefined {
                reason: self.message,
                span: self.span,
                cause: UndefinedCause::Error,
            }),
        }
    }
}

/// A failure while evaluating, before it is given the unit's and indicator's names.
struct Fail {
    kind: EvalErrorKind,
    message: String,
    span: Span,
    help: Option<String>,
    /// A value that cannot be computed (a zero divisor) rather than a failure of the unit:
    /// a computed value takes it as its state, and a score takes the indicator's
    /// `无法计算时` policy.
    undefined: Option<Arc<Undefined>>,
}

/// Boxed: evaluation results stay small on the hot path; failures are rare.
type R<T> = Result<T, Box<Fail>>;

/// `扣分`: how far the judged value is past the baseline (above, below or either way),
/// in steps counted as the rule file says, each deducting `per_step`, floored at 0.
fn deduct(
    judged: Number,
    baseline: Number,
    direction: StepDirection,
    step: &Number,
    per_step: &Number,
    stepping: Stepping,
    weight: Number,
) -> Result<(Number, Branch), ArithError> {
    let excess = match direction {
        StepDirection::Above => value::sub(judged.clone(), baseline.clone())?,
        StepDirection::Below => value::sub(baseline.clone(), judged.clone())?,
        StepDirection::Deviation => value::sub(judged.clone(), baseline.clone())?.abs(),
    };
    if excess <= Number::ZERO {
        return Ok((weight, Branch::DeductNone { judged, baseline }));
    }
    let exact_steps = value::div(excess.clone(), step.clone())?;
    let steps = match stepping {
        Stepping::Continuous => exact_steps,
        Stepping::Whole => exact_steps.floor(),
        Stepping::Started => exact_steps.ceil(),
    };
    let deduction = value::mul(steps.clone(), per_step.clone())?;
    let score = value::sub(weight, deduction.clone())?.max(Number::ZERO);
    Ok((
        score,
        Branch::Deducted {
            judged,
            baseline,
            excess,
            steps,
            deduction,
        },
    ))
}

fn arith(span: Span) -> impl Fn(ArithError) -> Fail {
    move |e| Fail {
        kind: match e {
            ArithError::DivisionByZero => EvalErrorKind::DivisionByZero,
            ArithError::Overflow => EvalErrorKind::Overflow,
        },
        message: e.message().to_owned(),
        span,
        help: match e {
            ArithError::DivisionByZero => Some("检查这个单位的数据：作除数的数值为 0".into()),
            ArithError::Overflow => None,
        },
        undefined: None,
    }
}

/// Evaluates one unit. Errors name the unit, the indicator and the rule-file line.
pub fn evaluate(model: &Model, record: &Record) -> Result<Outcome, Box<EvalError>> {
    let mut outcome = Outcome::default();
    evaluate_into(model, record, &mut outcome)?;
    Ok(outcome)
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            slots: Vec::new(),
            scores: Vec::new(),
            branches: Vec::new(),
            total: Number::ZERO,
            grade: None,
            checks: Vec::new(),
            partial: None,
        }
    }
}

/// [`evaluate`] into an [`Outcome`] whose buffers are reused: evaluating many units
/// with one `Outcome` allocates nothing per unit (unless a checklist fails). On an error
/// the outcome's contents are unspecified.
pub fn evaluate_into(model: &Model, record: &Record, out: &mut Outcome) -> Result<(), Box<EvalError>> {
    let mut slots = std::mem::take(&mut out.slots);
    slots.clear();
    slots.reserve(model.slot_count);
    slots.extend(record.values.iter().map(copy));
    let mut ctx = Ctx {
        model,
        record,
        slots,
        subject: None,
        subject_undefined: None,
        total: None,
        item: None,
    };
    for computed in &model.computed {
        match ctx.eval(&computed.expr) {
            Ok(v) => {
                debug_assert_eq!(ctx.slots.len(), computed.slot);
                ctx.slots.push(v);
            }
            // The value is undefined (or failed) for this unit; what depends on it will be
            // too, and everything else is computed as usual.
            Err(f) => ctx.slots.push(Value::Undefined(f.into_undefined())),
        }
    }
    finish(model, record, ctx.slots, out)
}

/// Scores, subtotals, total, grade and cross-checks, once every slot is filled.
fn finish(model: &Model, record: &Record, slots: Vec<Value>, out: &mut Outcome) -> Result<(), Box<EvalError>> {
    let mut ctx = Ctx {
        model,
        record,
        slots,
        subject: None,
        subject_undefined: None,
        total: None,
        item: None,
    };
    let result = run(model, record, &mut ctx, out);
    out.slots = ctx.slots;
    result
}

fn run(model: &Model, record: &Record, ctx: &mut Ctx, out: &mut Outcome) -> Result<(), Box<EvalError>> {
    let scores = &mut out.scores;
    scores.clear();
    scores.resize(model.nodes.len(), Number::ZERO);
    // Every leaf's branch is set below; a category's stays `Sum` (kept from the last unit).
    let branches = &mut out.branches;
    if branches.len() != model.nodes.len() {
        branches.clear();
        branches.resize(model.nodes.len(), Branch::Sum);
    }
    let mut plain = true;
    for &leaf in &model.leaves {
        let node = &model.nodes[leaf];
        let Some(def) = &node.leaf else { continue };
        ctx.subject = def.value_slot.and_then(|s| match ctx.slots.get(s) {
            Some(Value::Num(n)) => Some(n.clone()),
            _ => None,
        });
        ctx.subject_undefined = def.value_slot.and_then(|s| match ctx.slots.get(s) {
            Some(Value::Undefined(u)) => Some(u.clone()),
            _ => None,
        });
        let (score, branch) = match ctx.score(def, node.weight.clone()) {
            Ok(scored) => scored,
            Err(f) => {
                let (score, branch) = ctx.without_score(def, f);
                // A policy's score counts like any other; 不适用 and no score do not.
                plain &= matches!(branch, Branch::Undefined { .. });
                (score, branch)
            }
        };
        scores[leaf] = score;
        branches[leaf] = branch;
    }
    ctx.subject = None;
    ctx.subject_undefined = None;
    // Children come after their parent in pre-order: sum bottom-up.
    for index in (0..model.nodes.len()).rev() {
        if let Some(parent) = model.nodes[index].parent {
            scores[parent] = value::add(scores[parent].clone(), scores[index].clone()).map_err(|e| {
                to_error(
                    model,
                    record,
                    &model.nodes[parent].name,
                    arith(model.nodes[parent].span)(e).into(),
                )
            })?;
        }
    }
    let mut total = Number::ZERO;
    for (i, node) in model.nodes.iter().enumerate() {
        if node.parent.is_none() {
            total = total
                .checked_add(scores[i].clone())
                .map_err(|e| to_error(model, record, &node.name, arith(node.span)(e).into()))?;
        }
    }
    out.partial = None;
    let mut graded = total.clone();
    if !plain {
        let partial = partial_scores(model, scores, branches);
        let partial = partial.map_err(|e| to_error(model, record, "总分", arith(Span::default())(e).into()))?;
        total = partial.0;
        graded = partial.1.graded.clone();
        out.partial = Some(Box::new(partial.1));
    }
    let complete = out
        .partial
        .as_ref()
        .is_none_or(|p| p.unscored == 0 && !p.applicable.is_zero());

    let grade = if complete {
        ctx.total = Some(graded.clone());
        let grade_value = match &model.grades.subject {
            Some(e) => match ctx.num(e) {
                Ok(v) => v,
                // `等级 依据` needs a value this unit does not have: no grade, and why.
                Err(f) if f.undefined.is_some() => {
                    ctx.total = None;
                    let partial = out
                        .partial
                        .get_or_insert_with(|| Box::new(Partial::plain(model, scores, &total)));
                    partial.grade_undefined = f.undefined;
                    return finish_checks(ctx, model, out, total, None);
                }
                Err(f) => return Err(to_error(model, record, "等级", f)),
            },
            None => graded,
        };
        let band = model
            .grades
            .bands
            .iter()
            .position(|(_, interval)| interval.contains(&grade_value))
            .ok_or_else(|| {
                to_error(
                    model,
                    record,
                    "等级",
                    Fail {
                        kind: EvalErrorKind::Ungradable,
                        message: format!("总分 {} 不在任何等级区间内", format_exact(grade_value)),
                        span: model.grades.bands.first().map_or(Span::default(), |b| b.1.span),
                        help: Some("等级区间应覆盖 0 到满分的全部分数".into()),
                        undefined: None,
                    }
                    .into(),
                )
            })?;
        ctx.total = None;
        Some(band)
    } else {
        None
    };
    finish_checks(ctx, model, out, total, grade)
}

/// Cross-checks, then the total and grade into the outcome.
fn finish_checks(
    ctx: &mut Ctx,
    model: &Model,
    out: &mut Outcome,
    total: Number,
    grade: Option<usize>,
) -> Result<(), Box<EvalError>> {
    out.checks.clear();
    for check in &model.checks {
        let outcome = match ctx.check(check) {
            Ok(o) => o,
            // A check that needs a value the unit does not have cannot be made.
            Err(f) => CheckOutcome {
                ok: false,
                undefined: Some(f.into_undefined()),
                left: None,
                right: None,
                expected: None,
            },
        };
        out.checks.push(outcome);
    }
    out.total = total;
    out.grade = grade;
    Ok(())
}

/// The total when some leaf is 不适用 or has no score: per node, the 分值 that still
/// counts and whether a score is missing below it; subtotals and total formed as the
/// file's `不适用时` says. Returns the total and how it was formed. Cold: only units with
/// such an indicator get here.
#[cold]
fn partial_scores(model: &Model, scores: &mut [Number], branches: &[Branch]) -> Result<(Number, Partial), ArithError> {
    use crate::ast::NotApplicableRule as Rule;
    let n = model.nodes.len();
    let mut applicable_weights = vec![Number::ZERO; n];
    let mut incomplete = vec![false; n];
    let (mut earned, mut evaluable) = (Number::ZERO, Number::ZERO);
    let (mut unscored, mut not_applicable) = (0, 0);
    for &leaf in &model.leaves {
        let weight = model.nodes[leaf].weight.clone();
        match &branches[leaf] {
            Branch::NotApplicable { .. } => not_applicable += 1,
            Branch::Unscored { .. } => {
                unscored += 1;
                incomplete[leaf] = true;
                applicable_weights[leaf] = weight;
            }
            _ => {
                earned = earned.add(&scores[leaf])?;
                evaluable = evaluable.add(&weight)?;
                applicable_weights[leaf] = weight;
            }
        }
    }
    let rule = model.not_applicable.unwrap_or(Rule::RescaleTotal);
    // Bottom-up (children follow their parent in pre-order).
    for index in (0..n).rev() {
        if let Some(parent) = model.nodes[index].parent {
            applicable_weights[parent] = applicable_weights[parent].add(&applicable_weights[index])?;
            incomplete[parent] |= incomplete[index];
        }
    }
    if rule == Rule::RescaleSiblings && not_applicable > 0 {
        // A category's subtotal is its children's, scaled up to its own 分值 by the share of
        // its children that still count; a child category that counts at all counts whole.
        for index in (0..n).rev() {
            let node = &model.nodes[index];
            if node.children.is_empty() {
                continue;
            }
            let mut sum = Number::ZERO;
            let mut counted = Number::ZERO;
            for &c in &node.children {
                sum = sum.add(&scores[c])?;
                if !applicable_weights[c].is_zero() {
                    counted = counted.add(&model.nodes[c].weight)?;
                }
            }
            scores[index] = if counted.is_zero() || counted == node.weight {
                sum
            } else {
                sum.div(&counted)?.mul(&node.weight)?
            };
        }
    }
    let roots = (0..n).filter(|&i| model.nodes[i].parent.is_none());
    let (mut sum, mut counted, mut applicable) = (Number::ZERO, Number::ZERO, Number::ZERO);
    for r in roots {
        sum = sum.add(&scores[r])?;
        applicable = applicable.add(&applicable_weights[r])?;
        if !applicable_weights[r].is_zero() {
            counted = counted.add(&model.nodes[r].weight)?;
        }
    }
    let rescale = |x: &Number, of: &Number| -> Result<Number, ArithError> {
        if of.is_zero() || *of == model.full_marks {
            Ok(x.clone())
        } else {
            x.div(of)?.mul(&model.full_marks)
        }
    };
    let (total, graded) = match rule {
        Rule::RescaleTotal => {
            let t = rescale(&sum, &applicable)?;
            (t.clone(), t)
        }
        Rule::RescaleSiblings => {
            let t = rescale(&sum, &counted)?;
            (t.clone(), t)
        }
        Rule::GradeByRate => (sum.clone(), rescale(&sum, &applicable)?),
    };
    Ok((
        total,
        Partial {
            earned,
            applicable,
            evaluable,
            unscored,
            not_applicable,
            applicable_weights,
            incomplete,
            graded,
            grade_undefined: None,
        },
    ))
}

/// A value's copy: a number rebuilt from its decimal (the derived `clone` copies the enum
/// through the stack in a way that costs more than the arithmetic around it).
#[inline(always)]
pub(crate) fn copy(v: &Value) -> Value {
    match v {
        Value::Num(n) => Value::Num(n.clone()),
        other => other.clone(),
    }
}

// Failures travel boxed (they are rare and large); unboxing here would only copy.
#[allow(clippy::boxed_local)]
fn to_error(model: &Model, record: &Record, indicator: &str, fail: Box<Fail>) -> Box<EvalError> {
    // Where the author wrote it (a `基于` file's formula may be in its base).
    let place = model.source.locate(fail.span);
    Box::new(EvalError {
        kind: fail.kind,
        unit: record.unit.clone(),
        indicator: indicator.to_owned(),
        message: fail.message,
        src: place.source.named_source(),
        at: place.span.into(),
        help: fail.help,
        line: place.line_col().0,
        rule_file: place.base_name(),
    })
}

impl Ctx<'_> {
    /// A number-typed expression, computed without wrapping each step in a [`Value`]
    /// (the same steps, order and errors as [`Ctx::eval`]).
    fn num(&mut self, e: &CExpr) -> R<Number> {
        match &e.kind {
            CExprKind::Const(Value::Num(n)) | CExprKind::Percent(n) => Ok(n.clone()),
            CExprKind::Slot(s) => match self.slots.get(*s) {
                Some(Value::Num(n)) => Ok(n.clone()),
                _ => self.num_value(e),
            },
            CExprKind::Neg(a) => Ok(-self.num(a)?),
            CExprKind::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
                let (x, y) = (self.num(a)?, self.num(b)?);
                self.arithmetic(*op, x, y, e.span, b.span)
            }
            CExprKind::If(c, t, f) => {
                if self.boolean(c)? {
                    self.num(t)
                } else {
                    self.num(f)
                }
            }
            CExprKind::Call(func, args) => self.call(*func, args, e.span),
            _ => self.num_value(e),
        }
    }

    fn num_value(&mut self, e: &CExpr) -> R<Number> {
        match self.eval(e)? {
            Value::Num(n) => Ok(n),
            // The checker proved the type; a mismatch here is an engine bug, reported not panicked.
            other => Err(self.internal(e, &other).into()),
        }
    }

    /// A yes/no expression, computed without wrapping each step in a [`Value`].
    fn boolean(&mut self, e: &CExpr) -> R<bool> {
        match &e.kind {
            CExprKind::Const(Value::Bool(b)) => Ok(*b),
            CExprKind::Slot(s) => match self.slots.get(*s) {
                Some(Value::Bool(b)) => Ok(*b),
                _ => self.bool_value(e),
            },
            CExprKind::Not(a) => Ok(!self.boolean(a)?),
            CExprKind::Binary(BinOp::And, a, b) => Ok(self.boolean(a)? && self.boolean(b)?),
            CExprKind::Binary(BinOp::Or, a, b) => Ok(self.boolean(a)? || self.boolean(b)?),
            CExprKind::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b) => {
                let (x, y) = (self.num(a)?, self.num(b)?);
                Ok(match op {
                    BinOp::Lt => x < y,
                    BinOp::Le => x <= y,
                    BinOp::Gt => x > y,
                    _ => x >= y,
                })
            }
            CExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => self.equality(*op, a, b),
            CExprKind::If(c, t, f) => {
                if self.boolean(c)? {
                    self.boolean(t)
                } else {
                    self.boolean(f)
                }
            }
            _ => self.bool_value(e),
        }
    }

    fn bool_value(&mut self, e: &CExpr) -> R<bool> {
        match self.eval(e)? {
            Value::Bool(b) => Ok(b),
            other => Err(self.internal(e, &other).into()),
        }
    }

    fn arithmetic(&self, op: BinOp, x: Number, y: Number, span: Span, divisor: Span) -> R<Number> {
        Ok(match op {
            BinOp::Add => value::add(x, y).map_err(arith(span))?,
            BinOp::Sub => value::sub(x, y).map_err(arith(span))?,
            BinOp::Mul => value::mul(x, y).map_err(arith(span))?,
            _ => match value::div(x, y) {
                Ok(q) => q,
                // A zero divisor makes the value undefined, not the unit an error.
                Err(ArithError::DivisionByZero) => {
                    let text = self.model.source.slice(divisor);
                    return Err(undefined_fail(&Arc::new(Undefined {
                        reason: format!("除数 `{}` 为 0", text.split_whitespace().collect::<Vec<_>>().join(" ")),
                        span: divisor,
                        cause: UndefinedCause::ZeroDivisor,
                    })));
                }
                Err(e) => return Err(arith(divisor)(e).into()),
            },
        })
    }

    fn internal(&self, e: &CExpr, got: &Value) -> Fail {
        Fail {
            kind: EvalErrorKind::Other,
            message: format!("内部错误：类型不符（{got:?}），请向 jixiao 开发者报告"),
            span: e.span,
            help: None,
            undefined: None,
        }
    }

    fn eval(&mut self, e: &CExpr) -> R<Value> {
        Ok(match &e.kind {
            CExprKind::Const(v) => copy(v),
            CExprKind::Percent(p) => Value::Num(p.clone()),
            CExprKind::Slot(s) => match self.slots.get(*s) {
                Some(Value::Undefined(u)) => return Err(undefined_fail(u)),
                Some(v) => copy(v),
                None => {
                    return Err(Fail {
                        kind: EvalErrorKind::Other,
                        message: "内部错误：计算顺序有误，请向 jixiao 开发者报告".into(),
                        span: e.span,
                        help: None,
                        undefined: None,
                    }
                    .into())
                }
            },
            CExprKind::Subject => Value::Num(self.judged(&None, e.span)?),
            CExprKind::Total => Value::Num(self.total.clone().unwrap_or_default()),
            CExprKind::Item(field) => self.item_field(*field, e.span)?,
            CExprKind::Neg(a) => Value::Num(-self.num(a)?),
            CExprKind::Not(a) => Value::Bool(!self.boolean(a)?),
            CExprKind::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, ..) => Value::Num(self.num(e)?),
            CExprKind::Binary(..) => Value::Bool(self.boolean(e)?),
            CExprKind::If(c, t, f) => {
                if self.boolean(c)? {
                    self.eval(t)?
                } else {
                    self.eval(f)?
                }
            }
            CExprKind::Call(func, args) => Value::Num(self.call(*func, args, e.span)?),
            CExprKind::Aggregate {
                func,
                list,
                filter,
                arg,
            } => self.aggregate(*func, *list, filter.as_deref(), arg.as_deref(), e.span)?,
        })
    }

    /// `=` / `≠`: numbers by value (`1.0 = 1`), text and yes/no as they are.
    fn equality(&mut self, op: BinOp, a: &CExpr, b: &CExpr) -> R<bool> {
        let (x, y) = (self.eval(a)?, self.eval(b)?);
        let equal = match (&x, &y) {
            (Value::Num(p), Value::Num(q)) => p == q,
            _ => x == y,
        };
        Ok(equal == (op == BinOp::Eq))
    }

    fn call(&mut self, func: Func, args: &[CExpr], span: Span) -> R<Number> {
        // The common shapes, without collecting the arguments: `round(x, 4)` (the places
        // are a constant: the checker requires it), `max(a, b)`, `min(a, b)`, `abs(x)`.
        match (func, args) {
            (Func::Round, [x, places]) => {
                if let CExprKind::Const(Value::Num(n)) = &places.kind {
                    let x = self.num(x)?;
                    let dp = n.to_u32().unwrap_or(0);
                    return round_half_away(x, dp).map_err(|e| arith(span)(e).into());
                }
            }
            (Func::Max, [a, b]) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                return Ok(a.max(b));
            }
            (Func::Min, [a, b]) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                return Ok(a.min(b));
            }
            (Func::Abs, [x]) => return Ok(self.num(x)?.abs()),
            _ => {}
        }
        let mut values = [Number::ZERO, Number::ZERO, Number::ZERO];
        let mut rest = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let v = self.num(a)?;
            if i < 3 {
                values[i] = v;
            } else {
                rest.push(v);
            }
        }
        let all = values.iter().take(args.len().min(3)).chain(rest.iter()).cloned();
        let ten_thousand = Number::from(10_000);
        Ok(match func {
            Func::ToWanYuan => value::div(values[0].clone(), ten_thousand).map_err(arith(span))?,
            Func::ToYuan => value::mul(values[0].clone(), ten_thousand).map_err(arith(span))?,
            Func::Round => {
                let dp = values[1].to_u32().unwrap_or(0);
                round_half_away(values[0].clone(), dp).map_err(arith(span))?
            }
            Func::Abs => values[0].clone().abs(),
            // The checker requires at least one argument.
            Func::Min => all.reduce(Number::min).unwrap_or_default(),
            Func::Max => all.reduce(Number::max).unwrap_or_default(),
            Func::Clamp => {
                if values[1] > values[2] {
                    return Err(Fail {
                        kind: EvalErrorKind::Other,
                        message: "clamp 的下限大于上限".into(),
                        span,
                        help: None,
                        undefined: None,
                    }
                    .into());
                }
                let [x, lo, hi] = values;
                x.max(lo).min(hi)
            }
            Func::Floor | Func::Ceil | Func::RoundTo => {
                let step = if args.len() > 1 { Some(values[1].clone()) } else { None };
                self.to_multiple(
                    func,
                    values[0].clone(),
                    step,
                    span,
                    args.get(1).map_or(span, |a| a.span),
                )?
            }
            Func::Sum => {
                let mut s = Number::ZERO;
                for v in all {
                    s = value::add(s, v).map_err(arith(span))?;
                }
                s
            }
        })
    }

    /// `向下取整` / `向上取整` / `就近取整` of `x`, to whole units or to multiples of `step`.
    fn to_multiple(&self, func: Func, x: Number, step: Option<Number>, span: Span, step_span: Span) -> R<Number> {
        let (units, step) = match step {
            Some(m) => (self.arithmetic(BinOp::Div, x, m.clone(), span, step_span)?, Some(m)),
            None => (x, None),
        };
        let whole = match func {
            Func::Floor => units.floor(),
            Func::Ceil => units.ceil(),
            _ => round_half_away(units, 0).map_err(arith(span))?,
        };
        Ok(match step {
            Some(m) => value::mul(whole, m).map_err(arith(span))?,
            None => whole,
        })
    }

    fn item_field(&self, field: ItemField, span: Span) -> R<Value> {
        let Some(item) = self.item else {
            return Err(Fail {
                kind: EvalErrorKind::Other,
                message: "内部错误：清单字段用在清单之外".into(),
                span,
                help: None,
                undefined: None,
            }
            .into());
        };
        let missing = |what: &str, text: &str| Fail {
            kind: EvalErrorKind::Other,
            message: format!("目标 `{}` 的{what} `{text}` 不是数值", item.name),
            span,
            help: Some("用 `其中 可量化` 先筛出目标和实际都是数值的目标".into()),
            undefined: None,
        };
        Ok(match field {
            ItemField::Name => Value::Text(item.name.as_str().into()),
            ItemField::Category => Value::Text(item.category.as_str().into()),
            ItemField::Met => Value::Bool(item.met),
            ItemField::Quantified => Value::Bool(item.target.is_some() && item.actual.is_some()),
            ItemField::Target => Value::Num(
                item.target
                    .as_ref()
                    .ok_or_else(|| missing("目标值", &item.target_text))?
                    .value
                    .into(),
            ),
            ItemField::Actual => Value::Num(
                item.actual
                    .as_ref()
                    .ok_or_else(|| missing("实际值", &item.actual_text))?
                    .value
                    .into(),
            ),
        })
    }

    fn aggregate(
        &mut self,
        func: AggFunc,
        list: usize,
        filter: Option<&CExpr>,
        arg: Option<&CExpr>,
        span: Span,
    ) -> R<Value> {
        let record = self.record;
        if record.lists_missing.get(list) == Some(&true) {
            let name = &self.model.lists[list].name;
            return Err(undefined_fail(&Arc::new(Undefined {
                reason: format!("缺少 {name}"),
                span,
                cause: UndefinedCause::Missing,
            })));
        }
        let items = record.lists.get(list).map(Vec::as_slice).unwrap_or(&[]);
        let outer = self.item;
        let mut count = Number::ZERO;
        let mut sum = Number::ZERO;
        let mut all = true;
        let mut any = false;
        for item in items {
            self.item = Some(item);
            if let Some(f) = filter {
                if !self.boolean(f)? {
                    continue;
                }
            }
            count = count.checked_add(Number::ONE).map_err(arith(span))?;
            match (func, arg) {
                (AggFunc::Sum, Some(a)) => sum = value::add(sum, self.num(a)?).map_err(arith(span))?,
                (AggFunc::All | AggFunc::Any, Some(a)) => {
                    let b = self.boolean(a)?;
                    all &= b;
                    any |= b;
                }
                _ => {}
            }
        }
        self.item = outer;
        Ok(match func {
            AggFunc::Count => Value::Num(count),
            AggFunc::Sum => Value::Num(sum),
            AggFunc::All => Value::Bool(all),
            AggFunc::Any => Value::Bool(any),
        })
    }

    fn judged(&mut self, subject: &Option<CExpr>, span: Span) -> R<Number> {
        match subject {
            Some(e) => self.num(e),
            None => match (&self.subject, &self.subject_undefined) {
                (Some(n), _) => Ok(n.clone()),
                (None, Some(u)) => Err(undefined_fail(u)),
                (None, None) => Err(Fail {
                    kind: EvalErrorKind::Other,
                    message: "这个指标没有数值".into(),
                    span,
                    help: None,
                    undefined: None,
                }
                .into()),
            },
        }
    }

    /// A leaf whose scoring failed: a zero divisor takes the indicator's `无法计算时`; any
    /// other failure, or no policy, leaves it without a score (the unit's total is then
    /// incomplete, and the reason says why).
    #[cold]
    #[allow(clippy::boxed_local)] // failures travel boxed; unboxing here would only copy
    fn without_score(&mut self, leaf: &Leaf, fail: Box<Fail>) -> (Number, Branch) {
        let reason = fail.into_undefined();
        let policy = match (&leaf.undefined, reason.cause) {
            (Some(policy), UndefinedCause::ZeroDivisor) => policy,
            _ => return (Number::ZERO, Branch::Unscored { reason }),
        };
        let (outcome, arm) = match policy {
            UndefinedPolicy::Always(o) => (o, None),
            UndefinedPolicy::Cases { arms, other } => {
                let mut chosen = (other, None);
                for (i, (condition, o)) in arms.iter().enumerate() {
                    match self.boolean(condition) {
                        Ok(true) => {
                            chosen = (o, Some(i));
                            break;
                        }
                        Ok(false) => {}
                        // The policy's own condition cannot be decided: no score.
                        Err(f) => {
                            return (
                                Number::ZERO,
                                Branch::Unscored {
                                    reason: f.into_undefined(),
                                },
                            )
                        }
                    }
                }
                chosen
            }
        };
        match outcome {
            UndefinedOutcome::Score(s) => (s.clone(), Branch::Undefined { reason, arm }),
            UndefinedOutcome::NotApplicable => (Number::ZERO, Branch::NotApplicable { reason, arm }),
        }
    }

    fn score(&mut self, leaf: &Leaf, weight: Number) -> R<(Number, Branch)> {
        let span = leaf.formula_span.unwrap_or_default();
        Ok(match &leaf.criterion {
            CCriterion::Deduct {
                subject,
                baseline,
                direction,
                step,
                per_step,
                stepping,
                ..
            } => {
                let judged = self.judged(subject, span)?;
                let baseline = self.num(baseline)?;
                deduct(judged, baseline, *direction, step, per_step, *stepping, weight).map_err(arith(span))?
            }
            CCriterion::Ratio { subject, target } => {
                let judged = self.judged(subject, span)?;
                let target_value = self.num(target)?;
                if judged >= target_value {
                    (
                        weight,
                        Branch::Ratio {
                            judged,
                            target: target_value,
                            capped: true,
                        },
                    )
                } else {
                    // (分值 × 值) ÷ 目标: one division, at the end.
                    let score = value::mul(weight, judged.clone())
                        .and_then(|x| value::div(x, target_value.clone()))
                        .map_err(arith(target.span))?;
                    (
                        score.max(Number::ZERO),
                        Branch::Ratio {
                            judged,
                            target: target_value,
                            capped: false,
                        },
                    )
                }
            }
            CCriterion::Bands { subject, bands } => {
                let judged = self.judged(subject, span)?;
                match bands.iter().position(|(interval, _)| interval.contains(&judged)) {
                    Some(band) => (bands[band].1.clone(), Branch::Band { judged, band }),
                    None => {
                        return Err(Fail {
                            kind: EvalErrorKind::Other,
                            message: format!("数值 {} 不在任何分档区间内", format_exact(judged)),
                            span: bands.first().map_or(span, |b| b.0.span),
                            help: Some("分档应覆盖所有可能的数值；补上缺少的区间".into()),
                            undefined: None,
                        }
                        .into())
                    }
                }
            }
            CCriterion::Pass { condition, otherwise } => {
                let held = self.boolean(condition)?;
                (if held { weight } else { otherwise.clone() }, Branch::Pass { held })
            }
            CCriterion::Cases { arms, other } => {
                for (i, (condition, score)) in arms.iter().enumerate() {
                    if self.boolean(condition)? {
                        return Ok((score.clone(), Branch::Case { arm: Some(i) }));
                    }
                }
                (other.clone(), Branch::Case { arm: None })
            }
            CCriterion::Review => {
                let index = leaf.review_index.unwrap_or(usize::MAX);
                let score = self.record.reviews.get(index).cloned().flatten().ok_or_else(|| Fail {
                    kind: EvalErrorKind::Other,
                    message: "缺少评审得分".into(),
                    span,
                    help: None,
                    undefined: Some(Arc::new(Undefined {
                        reason: "缺少评审得分".into(),
                        span,
                        cause: UndefinedCause::Missing,
                    })),
                })?;
                (score, Branch::Review)
            }
            CCriterion::Checklist { items } => {
                let mut failed = Vec::new();
                let mut deduction = Number::ZERO;
                for (i, (condition, deduct)) in items.iter().enumerate() {
                    if !self.boolean(condition)? {
                        failed.push(i);
                        deduction = value::add(deduction, deduct.clone()).map_err(arith(span))?;
                    }
                }
                (
                    value::sub(weight, deduction).map_err(arith(span))?.max(Number::ZERO),
                    Branch::Checklist { failed },
                )
            }
            CCriterion::Formula(expr) => {
                let score = self.num(expr)?;
                if score < Number::ZERO || score > weight {
                    return Err(Fail {
                        kind: EvalErrorKind::Other,
                        message: format!("评分公式得出 {}，超出 0 到分值 {weight} 的范围", format_exact(score)),
                        span: expr.span,
                        help: Some("在公式中用 `clamp(…, 0, 分值)` 或 `max(0, …)` 限定得分".into()),
                        undefined: None,
                    }
                    .into());
                }
                (score, Branch::Formula)
            }
            CCriterion::Invalid => {
                return Err(Fail {
                    kind: EvalErrorKind::Other,
                    message: "内部错误：指标没有有效的评分".into(),
                    span,
                    help: None,
                    undefined: None,
                }
                .into())
            }
        })
    }

    fn check(&mut self, check: &CheckDef) -> R<CheckOutcome> {
        match &check.sides {
            Some((l, r)) => {
                let (left, right) = (self.num(l)?, self.num(r)?);
                let expected = match &check.difference {
                    Some(d) => self.num(d)?,
                    None => Number::ZERO,
                };
                let r = arith(check.span);
                let diff = value::sub(value::sub(left.clone(), right.clone()).map_err(&r)?, expected.clone())
                    .map_err(&r)?
                    .abs();
                Ok(CheckOutcome {
                    ok: diff <= check.tolerance,
                    undefined: None,
                    left: Some(left),
                    right: Some(right),
                    expected: check.difference.as_ref().map(|_| expected),
                })
            }
            None => Ok(CheckOutcome {
                ok: self.boolean(&check.condition)?,
                undefined: None,
                left: None,
                right: None,
                expected: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An evaluation error about a `基于` file's rules points where the formula was written.
    #[test]
    fn an_error_names_the_base_file_and_line_of_an_inherited_formula() {
        let base = "标题 \"t\"\n年度 2021\n满分 10\n计步 连续\n输入 甲: 人\n输入 乙: 人 { 范围 > 0 }\n\
                    一级 A 分值 10 {\n  二级 B 分值 10 {\n    三级 C 分值 10 {\n      公式 甲 / 乙\n      \
                    评分 比例 { 目标 100% }\n    }\n  }\n}\n等级 { 好 >= 0 }\n";
        let child = "基于 \"base.jx\"\n年度 2022\n";
        let load = |_: &str, name: &str| Ok((name.to_owned(), base.to_owned()));
        let compiled = crate::compile_with("child.jx", child, &load).unwrap();
        let model = &compiled.model;
        let record = crate::load_data(
            model,
            "d.toml",
            "\"单位名称\" = \"某\"\n\"甲\" = 1\n\"乙\" = 2\n",
            crate::DataFormat::Toml,
        )
        .unwrap();
        let formula = model.nodes.iter().find_map(|n| n.leaf.as_ref()?.formula_span).unwrap();
        let fail = Fail {
            kind: EvalErrorKind::Overflow,
            message: "数值过大".into(),
            span: formula,
            help: None,
            undefined: None,
        };
        let error = to_error(model, &record, "C", Box::new(fail));
        assert_eq!((error.line, error.rule_file.as_deref()), (10, Some("base.jx")));
        assert_eq!(error.src.name(), "base.jx");
        let at = error.at.offset();
        assert_eq!(&base[at..at + error.at.len()], "甲 / 乙");
    }
}
