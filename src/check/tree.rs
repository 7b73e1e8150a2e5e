//! The indicator tree: levels, names, weights, and each leaf's criterion.

use rust_decimal::Decimal;

use crate::number::Number;

use super::compile::{self, Scope};
use super::{Checker, PendingComputed, Symbol};
use crate::ast::{self, CriterionKind, StepUnit};
use crate::diagnostics::CheckCode;
use crate::model::*;
use crate::source::Span;

/// Flattens the tree in pre-order, defines node names, and queues indicator formulas.
pub(super) fn flatten<'a>(ck: &mut Checker<'a>, top: &[&'a ast::Node]) -> Vec<NodeDef> {
    let mut nodes = Vec::new();
    for node in top {
        flatten_node(ck, node, None, 1, &mut nodes);
    }
    nodes
}

fn flatten_node<'a>(
    ck: &mut Checker<'a>,
    node: &'a ast::Node,
    parent: Option<usize>,
    depth: usize,
    out: &mut Vec<NodeDef>,
) {
    let index = out.len();
    if node.level.node.depth() != depth {
        let expected = match depth {
            1 => "一级",
            2 => "二级",
            3 => "三级",
            _ => "（不超过三级）",
        };
        ck.error(
            CheckCode::LevelNesting,
            node.level.span,
            format!("这里应为 `{expected}` 指标，而不是 `{}`", node.level.node.label()),
            "层级不符",
        )
        .help = Some("一级指标下写二级指标，二级指标下写三级指标".into());
    }
    let is_leaf = node.children.is_empty();
    if is_leaf && depth < 3 {
        ck.error(
            CheckCode::LevelNesting,
            node.name.span,
            format!("{}指标 `{}` 下没有三级指标", node.level.node.label(), node.name.node),
            "缺少下级指标",
        )
        .help = Some("评分写在三级指标中：`三级 名称 分值 … { 公式 … 评分 … }`".into());
    }
    let symbol = match (&node.formula, is_leaf) {
        (Some(expr), true) => {
            let pending_index = ck.pending.len();
            ck.pending.push(PendingComputed {
                name: node.name.node.clone(),
                expr,
                display: node.display,
                description: node.description.as_ref().map(|d| d.node.clone()),
                indicator: Some(index),
                name_span: node.name.span,
                audit_tolerance: node.audit_tolerance.as_ref().map(|t| t.node),
            });
            Symbol::Computed(pending_index)
        }
        _ => Symbol::Category,
    };
    ck.define(&node.name, symbol);
    if node.weight.node <= Decimal::ZERO {
        ck.error(CheckCode::BadWeight, node.weight.span, "分值必须大于 0".into(), "这里");
    }
    out.push(NodeDef {
        name: node.name.node.clone(),
        depth,
        weight: node.weight.node.into(),
        parent,
        children: Vec::new(),
        leaf: None,
        span: node.name.span,
    });
    if !is_leaf {
        for clause in [
            node.formula.as_ref().map(|f| (f.span, "公式")),
            node.scoring.as_ref().map(|s| (s.span, "评分")),
        ]
        .into_iter()
        .flatten()
        {
            ck.error(
                CheckCode::MisplacedCriterion,
                clause.0,
                format!("`{}` 有下级指标，不能有自己的 `{}`", node.name.node, clause.1),
                "这里",
            )
            .help = Some("分类的得分是下级指标得分之和；把公式和评分写到三级指标中".into());
        }
    }
    for child in &node.children {
        let child_index = out.len();
        out[index].children.push(child_index);
        flatten_node(ck, child, Some(index), depth + 1, out);
    }
}

/// Compiles each leaf's criterion; returns the reviewer-scored leaves in order.
pub(super) fn compile_criteria(
    ck: &mut Checker,
    top: &[&ast::Node],
    nodes: &mut [NodeDef],
    default_stepping: Option<ast::Stepping>,
    default_undefined: Option<crate::source::Spanned<ast::UndefinedPolicy>>,
) -> Vec<usize> {
    let mut counter = 0;
    let mut reviews = Vec::new();
    // Each leaf's formula by leaf index (the first one, as a search in order would find).
    let mut formulas = std::collections::HashMap::new();
    for (p, pending) in ck.pending.iter().enumerate() {
        if let Some(leaf) = pending.indicator {
            formulas.entry(leaf).or_insert(p);
        }
    }
    for node in top {
        walk(
            ck,
            node,
            nodes,
            &mut counter,
            (default_stepping, default_undefined.clone()),
            &mut reviews,
            &formulas,
        );
    }
    reviews
}

fn walk(
    ck: &mut Checker,
    node: &ast::Node,
    nodes: &mut [NodeDef],
    counter: &mut usize,
    defaults: (
        Option<ast::Stepping>,
        Option<crate::source::Spanned<ast::UndefinedPolicy>>,
    ),
    reviews: &mut Vec<usize>,
    formulas: &std::collections::HashMap<usize, usize>,
) {
    let (default_stepping, default_undefined) = defaults.clone();
    let index = *counter;
    *counter += 1;
    if let (false, Some(u)) = (node.children.is_empty(), &node.undefined) {
        ck.error(
            CheckCode::BadWeight,
            u.span,
            format!(
                "`{}` 是分类，不是三级指标：`无法计算时` 只能写在三级指标中",
                node.name.node
            ),
            "这里",
        );
    }
    if node.children.is_empty() {
        // Found by position, not by name, so a duplicate name does not cascade.
        let pending = formulas.get(&index).copied();
        let value_slot = pending.and_then(|p| ck.computed_slot.get(p).copied());
        let value_ty = pending.and_then(|p| ck.computed_ty.get(p).copied().flatten());
        let criterion = match &node.scoring {
            Some(crit) => compile_criterion(ck, node, crit, value_slot.is_some(), value_ty, default_stepping),
            None => {
                ck.error(
                    CheckCode::MissingCriterion,
                    node.name.span,
                    format!("三级指标 `{}` 没有 `评分`", node.name.node),
                    "缺少评分标准",
                )
                .help = Some("例如 `评分 扣分 { 基准 100%  每超过 1 百分点 扣 0.5 }`".into());
                CCriterion::Invalid
            }
        };
        let review_index = matches!(criterion, CCriterion::Review).then(|| {
            reviews.push(index);
            reviews.len() - 1
        });
        if let Some(n) = nodes.get_mut(index) {
            n.leaf = Some(Leaf {
                value_slot,
                display: node.display,
                formula_span: node.formula.as_ref().map(|f| f.span),
                standard: node.standard.as_ref().map(|s| s.node.clone()),
                criterion,
                criterion_span: node.scoring.as_ref().map_or(node.name.span, |c| c.span),
                review_index,
                undefined: undefined_policy(ck, node, default_undefined.clone()),
            });
        }
    }
    for child in &node.children {
        walk(ck, child, nodes, counter, defaults.clone(), reviews, formulas);
    }
}

/// What compiling one indicator's `评分` needs to know about the indicator.
struct CriterionContext<'a> {
    node: &'a ast::Node,
    crit: &'a ast::Criterion,
    has_value: bool,
    value_ty: Option<Ty>,
    scope: Scope,
}

impl CriterionContext<'_> {
    /// The value a criterion judges: its `依据`, or the indicator's formula.
    fn subject(&self, ck: &mut Checker, subject: &Option<ast::Expr>) -> Option<CExpr> {
        match subject {
            Some(e) => {
                let (c, ty) = compile::compile(ck, e, self.scope);
                compile::expect_ty(ck, e.span, ty, Ty::Num, "评分依据");
                Some(c)
            }
            None => {
                if !self.has_value {
                    ck.error(
                        CheckCode::MissingFormula,
                        self.crit.span,
                        format!("`{}` 没有 `公式`，这种评分需要一个数值", self.node.name.node),
                        "需要公式或依据",
                    )
                    .help = Some("在指标中加上 `公式 …`，或在评分中写 `依据 …`".into());
                } else if self.value_ty.is_some_and(|t| t != Ty::Num) {
                    ck.error(
                        CheckCode::TypeMismatch,
                        self.crit.span,
                        format!("`{}` 的公式不是数值，不能用这种评分", self.node.name.node),
                        "这里",
                    );
                }
                None
            }
        }
    }

    /// A score written in the criterion (a band's, a case's) must lie in 0..分值.
    fn score_in_range(&self, ck: &mut Checker, score: Decimal, span: Span) {
        let weight = self.node.weight.node;
        if score < Decimal::ZERO || score > weight {
            ck.error(
                CheckCode::BadWeight,
                span,
                format!("得分 {score} 超出了 0 到分值 {weight} 的范围"),
                "超出范围",
            );
        }
    }
}

/// The parts of a `扣分 { … }` as written.
struct DeductParts<'a> {
    baseline: &'a ast::Expr,
    direction: ast::StepDirection,
    step_size: Decimal,
    step_unit: &'a StepUnit,
    per_step: &'a crate::source::Spanned<Decimal>,
    stepping: Option<ast::Stepping>,
}

/// `扣分`: the baseline, the step in the judged value's unit (百分点 ÷ 100), the stepping
/// (the criterion's, else the file's `计步`, which one of them must give).
fn compile_deduct(
    ck: &mut Checker,
    cx: &CriterionContext,
    subject: Option<CExpr>,
    parts: DeductParts,
    default_stepping: Option<ast::Stepping>,
) -> CCriterion {
    let (baseline_c, ty) = compile::compile(ck, parts.baseline, cx.scope);
    compile::expect_ty(ck, parts.baseline.span, ty, Ty::Num, "基准");
    let stepping = match (parts.stepping, default_stepping) {
        (Some(s), _) => s,
        (None, Some(d)) => d,
        (None, None) => {
            ck.error(
                CheckCode::MissingHeader,
                cx.crit.span,
                "没有说明不足一步的部分如何计算".into(),
                "这里",
            )
            .help = Some("在评分中写 `计步 连续`（或 `整步`、`进位`），或在文件开头声明 `计步 连续`".into());
            ast::Stepping::Continuous
        }
    };
    if parts.per_step.node <= Decimal::ZERO {
        ck.error(
            CheckCode::BadWeight,
            parts.per_step.span,
            "每步扣分必须大于 0".into(),
            "这里",
        );
    }
    let (step, step_label) = match parts.step_unit {
        StepUnit::PercentagePoint => (
            // A decimal ÷ 100: exact, and far from overflowing.
            Number::from(parts.step_size)
                .checked_div(Number::ONE_HUNDRED)
                .unwrap_or_default(),
            format!("{} 个百分点", parts.step_size),
        ),
        StepUnit::Plain(word) => (
            parts.step_size.into(),
            format!("{}{}", parts.step_size, word.as_deref().unwrap_or("")),
        ),
    };
    CCriterion::Deduct {
        subject,
        baseline: baseline_c,
        direction: parts.direction,
        step,
        step_label,
        unit: parts.step_unit.clone(),
        per_step: parts.per_step.node.into(),
        stepping,
    }
}

fn compile_criterion(
    ck: &mut Checker,
    node: &ast::Node,
    crit: &ast::Criterion,
    has_value: bool,
    value_ty: Option<Ty>,
    default_stepping: Option<ast::Stepping>,
) -> CCriterion {
    let cx = CriterionContext {
        node,
        crit,
        has_value,
        value_ty,
        scope: if has_value { Scope::CRITERION } else { Scope::VALUES },
    };
    let scope = cx.scope;
    let subject = |ck: &mut Checker, subj: &Option<ast::Expr>| cx.subject(ck, subj);
    let score_in_range = |ck: &mut Checker, score: Decimal, span: Span| cx.score_in_range(ck, score, span);
    match &crit.kind {
        CriterionKind::Deduct {
            subject: subj,
            baseline,
            direction,
            step_size,
            step_unit,
            per_step,
            stepping,
        } => {
            let subject = subject(ck, subj);
            let parts = DeductParts {
                baseline,
                direction: direction.node,
                step_size: step_size.node,
                step_unit: &step_unit.node,
                per_step,
                stepping: stepping.as_ref().map(|s| s.node),
            };
            compile_deduct(ck, &cx, subject, parts, default_stepping)
        }
        CriterionKind::Ratio { subject: subj, target } => {
            let subject = subject(ck, subj);
            let (target_c, ty) = compile::compile(ck, target, scope);
            compile::expect_ty(ck, target.span, ty, Ty::Num, "目标");
            CCriterion::Ratio {
                subject,
                target: target_c,
            }
        }
        CriterionKind::Bands { subject: subj, bands } => {
            let subject = subject(ck, subj);
            for b in bands {
                score_in_range(ck, b.score.node, b.score.span);
            }
            CCriterion::Bands {
                subject,
                bands: bands.iter().map(|b| (b.interval, b.score.node.into())).collect(),
            }
        }
        CriterionKind::Pass { condition, otherwise } => {
            let (c, ty) = compile::compile(ck, condition, scope);
            compile::expect_ty(ck, condition.span, ty, Ty::Bool, "条件");
            let otherwise = otherwise.as_ref().map_or(Number::ZERO, |o| {
                score_in_range(ck, o.node, o.span);
                o.node.into()
            });
            CCriterion::Pass {
                condition: c,
                otherwise,
            }
        }
        CriterionKind::Cases { arms, other } => {
            let mut out = Vec::new();
            for arm in arms {
                let (c, ty) = compile::compile(ck, &arm.condition, scope);
                compile::expect_ty(ck, arm.condition.span, ty, Ty::Bool, "条件");
                score_in_range(ck, arm.score.node, arm.score.span);
                out.push((c, arm.score.node.into()));
            }
            score_in_range(ck, other.node, other.span);
            CCriterion::Cases {
                arms: out,
                other: other.node.into(),
            }
        }
        CriterionKind::Review => CCriterion::Review,
        CriterionKind::Checklist { items } => {
            let mut out = Vec::new();
            for item in items {
                let (c, ty) = compile::compile(ck, &item.condition, scope);
                compile::expect_ty(ck, item.condition.span, ty, Ty::Bool, "清单项");
                if item.deduct.node <= Decimal::ZERO {
                    ck.error(CheckCode::BadWeight, item.deduct.span, "扣分必须大于 0".into(), "这里");
                }
                out.push((c, item.deduct.node.into()));
            }
            CCriterion::Checklist { items: out }
        }
        CriterionKind::Formula(expr) => {
            let (c, ty) = compile::compile(ck, expr, scope);
            compile::expect_ty(ck, expr.span, ty, Ty::Num, "评分公式");
            CCriterion::Formula(c)
        }
    }
}

/// Children's weights sum to their parent's; the 一级 weights sum to 满分.
pub(super) fn check_weights(ck: &mut Checker, top: &[&ast::Node], full_marks: Option<(Decimal, Span)>) {
    if let Some((full, span)) = full_marks {
        let sum = checked_sum(top.iter().map(|n| n.weight.node));
        if sum != Some(full) && !top.is_empty() {
            let sum = sum.map_or_else(|| "（超出范围）".to_owned(), |s| s.to_string());
            let err = crate::diagnostics::CheckError::new(
                ck.source,
                CheckCode::WeightSum,
                format!("一级指标分值之和为 {sum}，与满分 {full} 不符"),
                (span, format!("满分 {full}")),
            );
            let (err, listed) = label_weights(ck, err, span, top.iter().copied());
            ck.push(err.help(format!("调整一级指标的分值，使其合计等于满分{listed}")));
        }
    }
    for node in top {
        check_node_weights(ck, node);
    }
}

/// Lines within which the weights that make a sum are labelled where they stand; past
/// that they are listed in the help (name, weight, line) and only the total is labelled,
/// so a 一级 indicator's error does not print the 290 lines of its subtree.
const NEAR_LINES: usize = 12;

/// At most this many weights in another file are labelled (each is a note with an excerpt).
const MAX_NOTES: usize = 3;

/// Labels each weight of `parts` when all are near `total`; otherwise returns them as a
/// list for the help (`；一级指标：投入 16（第 138 行）、…`).
fn label_weights<'n>(
    ck: &Checker,
    mut err: crate::diagnostics::CheckError,
    total: Span,
    parts: impl Iterator<Item = &'n ast::Node> + Clone,
) -> (crate::diagnostics::CheckError, String) {
    // Lines where the author wrote them (a `基于` file's weights may be in its base).
    let total = ck.source.locate(total);
    let (first, _) = total.line_col();
    let place = |n: &ast::Node| ck.source.locate(n.weight.span);
    // A weight in the other file of a `基于` pair is shown as a note with its own excerpt.
    let elsewhere = |n: &ast::Node| place(n).source.name != total.source.name;
    let near = |n: &ast::Node| elsewhere(n) || place(n).line_col().0.abs_diff(first) <= NEAR_LINES;
    if parts.clone().all(near) && parts.clone().filter(|n| elsewhere(n)).count() <= MAX_NOTES {
        for n in parts {
            err = err.label(n.weight.span, format!("{}", n.weight.node));
        }
        return (err, String::new());
    }
    let listed: Vec<String> = parts
        .map(|n| {
            let p = place(n);
            let line = p.line_col().0;
            let at = match p.source.name == total.source.name {
                true => format!("第 {line} 行"),
                false => format!("{} 第 {line} 行", crate::diagnostics::short_name(&p.source.name)),
            };
            format!("{} {}（{at}）", n.name.node, n.weight.node)
        })
        .collect();
    (err, format!("；各指标的分值：{}", listed.join("、")))
}

fn check_node_weights(ck: &mut Checker, node: &ast::Node) {
    if node.children.is_empty() {
        return;
    }
    let sum = checked_sum(node.children.iter().map(|c| c.weight.node));
    if sum != Some(node.weight.node) {
        let sum = sum.map_or_else(|| "（超出范围）".to_owned(), |s| s.to_string());
        let err = crate::diagnostics::CheckError::new(
            ck.source,
            CheckCode::WeightSum,
            format!(
                "`{}` 的下级指标分值之和为 {sum}，与其分值 {} 不符",
                node.name.node, node.weight.node
            ),
            (node.weight.span, format!("分值 {}", node.weight.node)),
        );
        let (err, listed) = label_weights(ck, err, node.weight.span, node.children.iter());
        ck.push(err.help(format!("下级指标的分值合计必须等于上级指标的分值{listed}")));
    }
    for child in &node.children {
        check_node_weights(ck, child);
    }
}

/// Sum of weights, `None` if it cannot be represented.
fn checked_sum(mut weights: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    weights.try_fold(Decimal::ZERO, |acc, w| acc.checked_add(w))
}

/// A leaf's `无法计算时`: its own, else the file's; `满分` is its 分值. Every score must
/// lie in 0..分值 like any other.
fn undefined_policy(
    ck: &mut Checker,
    node: &ast::Node,
    default: Option<crate::source::Spanned<ast::UndefinedPolicy>>,
) -> Option<UndefinedPolicy> {
    let policy = node.undefined.clone().or(default)?;
    let whose = if node.undefined.is_some() {
        ""
    } else {
        "（文件开头的默认值）"
    };
    let weight = node.weight.node;
    let outcome = |ck: &mut Checker, o: ast::UndefinedOutcome, span: Span| -> Option<UndefinedOutcome> {
        let score = match o {
            ast::UndefinedOutcome::NotApplicable => return Some(UndefinedOutcome::NotApplicable),
            ast::UndefinedOutcome::FullMarks => weight,
            ast::UndefinedOutcome::Score(s) => s,
        };
        if score < Decimal::ZERO || score > weight {
            ck.error(
                CheckCode::BadWeight,
                span,
                format!(
                    "`{}` 无法计算时的得分 {score}{whose} 超出了 0 到分值 {weight} 的范围",
                    node.name.node
                ),
                "超出范围",
            );
            return None;
        }
        Some(UndefinedOutcome::Score(score.into()))
    };
    match &policy.node {
        ast::UndefinedPolicy::Always(o) => outcome(ck, *o, policy.span).map(UndefinedPolicy::Always),
        ast::UndefinedPolicy::Cases { arms, other } => {
            let mut compiled = Vec::with_capacity(arms.len());
            for (condition, o) in arms {
                let (c, ty) = compile::compile(ck, condition, Scope::VALUES);
                compile::expect_ty(ck, condition.span, ty, Ty::Bool, "条件");
                compiled.push((c, outcome(ck, o.node, o.span)?));
            }
            let other = outcome(ck, other.node, other.span)?;
            Some(UndefinedPolicy::Cases { arms: compiled, other })
        }
    }
}

/// `无法计算时 不适用` needs the file to say how the total is then formed (`不适用时 …`).
pub(super) fn check_not_applicable(
    ck: &mut Checker,
    top: &[&ast::Node],
    nodes: &[NodeDef],
    rule: Option<crate::source::Spanned<ast::NotApplicableRule>>,
) {
    if rule.is_some() {
        return;
    }
    let can_be_na = |p: &UndefinedPolicy| match p {
        UndefinedPolicy::Always(o) => *o == UndefinedOutcome::NotApplicable,
        UndefinedPolicy::Cases { arms, other } => {
            *other == UndefinedOutcome::NotApplicable || arms.iter().any(|(_, o)| *o == UndefinedOutcome::NotApplicable)
        }
    };
    // Where to point: the first leaf's own clause, else the file's default (reached through
    // any leaf that has no clause of its own).
    let mut spans = Vec::new();
    fn collect<'a>(n: &'a ast::Node, out: &mut Vec<&'a ast::Node>) {
        if n.children.is_empty() {
            out.push(n);
        }
        for c in &n.children {
            collect(c, out);
        }
    }
    let mut leaves = Vec::new();
    for n in top {
        collect(n, &mut leaves);
    }
    let compiled = nodes.iter().filter_map(|n| n.leaf.as_ref());
    for (ast_leaf, leaf) in leaves.iter().zip(compiled) {
        if leaf.undefined.as_ref().is_some_and(can_be_na) {
            spans.push(
                ast_leaf
                    .undefined
                    .as_ref()
                    .map(|u| (u.span, ast_leaf.name.node.clone())),
            );
        }
    }
    if spans.is_empty() {
        return;
    }
    let (span, label) = match spans.iter().flatten().next() {
        Some((span, name)) => (*span, format!("`{name}` 可能不适用")),
        None => (Span::default(), "文件开头的 `无法计算时 不适用`".to_owned()),
    };
    ck.error(
        CheckCode::BadWeight,
        span,
        "指标可能“不适用”，但规则文件没有说明这时总分怎样计算".into(),
        &label,
    )
    .help = Some(
        "在文件开头写 `不适用时 按适用分值折算`（总分 = 得分 ÷ 适用指标分值 × 满分）、`不适用时 按同级分值折算`（不适用指标的分值按比例分给同级指标）或 `不适用时 按得分率定级`（总分按适用分值计，等级按得分率定）".into(),
    );
}
