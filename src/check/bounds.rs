//! Interval analysis over the inputs' declared ranges: banded tables and grade bands
//! cover every value that can occur, without overlaps; criteria whose score could leave
//! 0..分值 are reported; branches no value can reach and unused inputs are warned about.

use rust_decimal::Decimal;

use crate::number::Number;
use crate::numfmt::format_exact;

use crate::ast::{BinOp, Interval};
use crate::diagnostics::{CheckCode, CheckError};
use crate::model::*;
use crate::source::Span;

/// A closed range; `None` ends are infinite. Open bounds are widened to closed ones,
/// which can only make the analysis more cautious.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Range {
    pub lo: Option<Decimal>,
    pub hi: Option<Decimal>,
}

impl Range {
    const ALL: Range = Range { lo: None, hi: None };

    fn point(x: Decimal) -> Range {
        Range {
            lo: Some(x),
            hi: Some(x),
        }
    }

    fn hull(self, o: Range) -> Range {
        Range {
            lo: self.lo.zip(o.lo).map(|(a, b)| a.min(b)),
            hi: self.hi.zip(o.hi).map(|(a, b)| a.max(b)),
        }
    }

    fn intersect(self, o: Range) -> Range {
        let lo = match (self.lo, o.lo) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let hi = match (self.hi, o.hi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Range { lo, hi }
    }

    fn from_interval(i: &Interval) -> Range {
        Range {
            lo: i.lower.map(|b| b.value),
            hi: i.upper.map(|b| b.value),
        }
    }

    fn neg(self) -> Range {
        Range {
            lo: self.hi.map(|x| -x),
            hi: self.lo.map(|x| -x),
        }
    }

    fn add(self, o: Range) -> Range {
        Range {
            lo: self.lo.zip(o.lo).and_then(|(a, b)| a.checked_add(b)),
            hi: self.hi.zip(o.hi).and_then(|(a, b)| a.checked_add(b)),
        }
    }

    fn mul(self, o: Range) -> Range {
        // Any infinite end makes the product unbounded in general; keep the easy exact cases.
        match (self.lo, self.hi, o.lo, o.hi) {
            (Some(a), Some(b), Some(c), Some(d)) => {
                let products = [a.checked_mul(c), a.checked_mul(d), b.checked_mul(c), b.checked_mul(d)];
                if products.iter().any(Option::is_none) {
                    return Range::ALL;
                }
                let p: Vec<Decimal> = products.into_iter().flatten().collect();
                Range {
                    lo: p.iter().copied().reduce(Decimal::min),
                    hi: p.iter().copied().reduce(Decimal::max),
                }
            }
            _ => {
                let nonneg = |r: Range| r.lo.is_some_and(|x| x >= Decimal::ZERO);
                if nonneg(self) && nonneg(o) {
                    Range {
                        lo: self.lo.zip(o.lo).and_then(|(a, b)| a.checked_mul(b)),
                        hi: None,
                    }
                } else {
                    Range::ALL
                }
            }
        }
    }

    fn div(self, o: Range) -> Range {
        let positive = o.lo.is_some_and(|x| x > Decimal::ZERO);
        let negative = o.hi.is_some_and(|x| x < Decimal::ZERO);
        if !(positive || negative) {
            return Range::ALL;
        }
        let inv = |x: Option<Decimal>| x.and_then(|v| Decimal::ONE.checked_div(v));
        // 1/[c, d] = [1/d, 1/c] for c, d of one sign (an infinite end gives 0).
        let reciprocal = Range {
            lo: if o.hi.is_some() { inv(o.hi) } else { Some(Decimal::ZERO) },
            hi: if o.lo.is_some() { inv(o.lo) } else { Some(Decimal::ZERO) },
        };
        self.mul(reciprocal)
    }

    fn abs(self) -> Range {
        match (self.lo, self.hi) {
            (Some(l), _) if l >= Decimal::ZERO => self,
            (_, Some(h)) if h <= Decimal::ZERO => self.neg(),
            _ => Range {
                lo: Some(Decimal::ZERO),
                hi: self.lo.zip(self.hi).map(|(l, h)| l.abs().max(h.abs())),
            },
        }
    }

    fn show(self, percent: bool) -> String {
        let f = |x: Decimal| bound_text(x, percent);
        let lo = self.lo.map_or("-∞".to_owned(), f);
        let hi = self.hi.map_or("+∞".to_owned(), f);
        format!("[{lo}, {hi}]")
    }
}

struct Bounds<'m> {
    model: &'m Model,
    slots: Vec<Range>,
    subject: Range,
    used: Vec<bool>,
    /// Set when a division met since it was cleared has a divisor whose range holds 0.
    zero_divisor: bool,
    /// Per slot: its value may have no value for some unit (a divisor that may be 0, here
    /// or in a value it uses).
    may_be_undefined: Vec<bool>,
    errors: &'m mut Vec<CheckError>,
}

/// Runs the interval analyses; returns, per slot, whether its value may be 无法计算.
pub(super) fn analyze(model: &Model, errors: &mut Vec<CheckError>) -> Vec<bool> {
    let mut slots: Vec<Range> = model
        .inputs
        .iter()
        .map(|i| {
            i.ranges
                .iter()
                .fold(Range::ALL, |r, iv| r.intersect(Range::from_interval(iv)))
        })
        .collect();
    slots.resize(model.slot_count, Range::ALL);
    let mut b = Bounds {
        model,
        slots,
        subject: Range::ALL,
        used: vec![false; model.slot_count],
        zero_divisor: false,
        may_be_undefined: vec![false; model.slot_count],
        errors,
    };
    for computed in &model.computed {
        b.zero_divisor = false;
        let r = b.range(&computed.expr);
        b.slots[computed.slot] = r;
        let inherited = computed.refs.iter().any(|(_, s)| b.may_be_undefined[*s]);
        b.may_be_undefined[computed.slot] = b.zero_divisor || inherited;
    }
    for &leaf in &model.leaves {
        let node = &model.nodes[leaf];
        let Some(def) = &node.leaf else { continue };
        if let Some(s) = def.value_slot {
            b.used[s] = true;
        }
        b.subject = def.value_slot.map_or(Range::ALL, |s| b.slots[s]);
        b.criterion(leaf, def, node);
        b.undefined_without_policy(leaf, def, node);
    }
    b.grades();
    for check in &model.checks {
        b.range(&check.condition);
        if let Some((l, r)) = &check.sides {
            b.range(l);
            b.range(r);
        }
        if let Some(d) = &check.difference {
            b.range(d);
        }
    }
    b.unused();
    b.may_be_undefined
}

impl Bounds<'_> {
    fn push(&mut self, e: CheckError) {
        self.errors.push(e);
    }

    /// A scored indicator whose value can have a zero divisor within the declared ranges,
    /// and no `无法计算时`: a warning, with a made-up unit that really gets there (only then:
    /// a divisor guarded by `如果` is not reported).
    fn undefined_without_policy(&mut self, leaf: usize, def: &crate::model::Leaf, node: &crate::model::NodeDef) {
        let Some(slot) = def.value_slot else { return };
        if def.undefined.is_some() || !self.may_be_undefined[slot] {
            return;
        }
        let declared = &self.slots[..self.model.inputs.len()];
        let Some(example) = super::witness::undefined_example(self.model, leaf, slot, declared) else {
            return;
        };
        let err = CheckError::new(
            &self.model.source,
            CheckCode::MayBeUndefined,
            format!("`{}` 的数值可能无法计算（除数为 0），而没有写 `无法计算时`：{example}", node.name),
            (def.formula_span.unwrap_or(node.span), "公式".into()),
        )
        .help("为这个指标写 `无法计算时 得 满分`（或 `得 0`、`不适用`），或在公式中用 `如果` 写明除数为 0 时怎样计算；若除数不会为 0，给输入声明 `范围 > 0`")
        .warning();
        self.push(err);
    }

    /// The range of a numeric expression (booleans and text give `ALL`); marks slots used.
    /// Slots have the ranges in `self.slots`, narrowed by the enclosing conditions.
    fn range(&mut self, e: &CExpr) -> Range {
        match &e.kind {
            CExprKind::Const(Value::Num(n)) | CExprKind::Percent(n) => Range::point(approx(n.clone())),
            CExprKind::Const(_) | CExprKind::Item(_) | CExprKind::Total => Range::ALL,
            CExprKind::Slot(s) => {
                if let Some(u) = self.used.get_mut(*s) {
                    *u = true;
                }
                self.slots.get(*s).copied().unwrap_or(Range::ALL)
            }
            CExprKind::Subject => self.subject,
            CExprKind::Neg(a) => self.range(a).neg(),
            CExprKind::Not(a) => {
                self.range(a);
                Range::ALL
            }
            CExprKind::Binary(op, a, b) => {
                let (ra, rb) = (self.range(a), self.range(b));
                match op {
                    BinOp::Add => ra.add(rb),
                    BinOp::Sub => ra.add(rb.neg()),
                    BinOp::Mul => ra.mul(rb),
                    BinOp::Div => {
                        let zero = Decimal::ZERO;
                        if rb.lo.is_none_or(|l| l <= zero) && rb.hi.is_none_or(|h| h >= zero) {
                            self.zero_divisor = true;
                        }
                        ra.div(rb)
                    }
                    _ => Range::ALL,
                }
            }
            CExprKind::If(c, t, f) => {
                self.range(c);
                let narrowing = refine(c, None);
                let rt = self.narrowed(narrowing.map(|(s, then, _)| (s, then)), |b| b.range(t));
                let rf = self.narrowed(narrowing.map(|(s, _, other)| (s, other)), |b| b.range(f));
                rt.hull(rf)
            }
            CExprKind::Call(func, args) => {
                let r: Vec<Range> = args.iter().map(|a| self.range(a)).collect();
                match func {
                    Func::Abs => Some(r[0].abs()),
                    Func::Round => Some(r[0]),
                    Func::ToWanYuan => Some(r[0].div(Range::point(Decimal::from(10_000)))),
                    Func::ToYuan => Some(r[0].mul(Range::point(Decimal::from(10_000)))),
                    Func::Min => r.iter().copied().reduce(|a, b| Range {
                        lo: a.lo.zip(b.lo).map(|(x, y)| x.min(y)),
                        hi: match (a.hi, b.hi) {
                            (Some(x), Some(y)) => Some(x.min(y)),
                            (x, y) => x.or(y),
                        },
                    }),
                    Func::Max => r.iter().copied().reduce(|a, b| Range {
                        lo: match (a.lo, b.lo) {
                            (Some(x), Some(y)) => Some(x.max(y)),
                            (x, y) => x.or(y),
                        },
                        hi: a.hi.zip(b.hi).map(|(x, y)| x.max(y)),
                    }),
                    Func::Clamp => Some(r[0].intersect(Range {
                        lo: r[1].lo,
                        hi: r[2].hi,
                    })),
                    Func::Sum => r.iter().copied().reduce(Range::add),
                    // Whole units: within one of the value either way.
                    Func::Floor | Func::Ceil | Func::RoundTo if r.len() == 1 => Some(Range {
                        lo: r[0].lo.map(|x| x.floor()),
                        hi: r[0].hi.map(|x| x.ceil()),
                    }),
                    Func::Floor | Func::Ceil | Func::RoundTo => None,
                }
                .unwrap_or(Range::ALL)
            }
            CExprKind::Aggregate { func, filter, arg, .. } => {
                if let Some(f) = filter {
                    self.range(f);
                }
                if let Some(a) = arg {
                    self.range(a);
                }
                match func {
                    AggFunc::Count => Range {
                        lo: Some(Decimal::ZERO),
                        hi: None,
                    },
                    _ => Range::ALL,
                }
            }
        }
    }

    /// Runs `f` with one slot's range narrowed (a branch of `如果`), then restores it:
    /// no copy of every slot's range per condition, so analysis stays linear.
    fn narrowed<T>(&mut self, narrowing: Option<(usize, Range)>, f: impl FnOnce(&mut Self) -> T) -> T {
        let Some((slot, r)) = narrowing.filter(|(s, _)| *s < self.slots.len()) else {
            return f(self);
        };
        let saved = self.slots[slot];
        self.slots[slot] = saved.intersect(r);
        let out = f(self);
        self.slots[slot] = saved;
        out
    }

    fn judged(&mut self, subject: &Option<CExpr>) -> Range {
        match subject {
            Some(e) => self.range(e),
            None => self.subject,
        }
    }

    fn criterion(&mut self, leaf: usize, def: &Leaf, node: &NodeDef) {
        let percent = def.display.is_some_and(|d| d.percent);
        match &def.criterion {
            CCriterion::Bands { subject, bands } => {
                let judged = self.judged(subject);
                let intervals: Vec<Interval> = bands.iter().map(|(i, _)| *i).collect();
                self.coverage(&intervals, judged, &node.name, "分档", percent);
            }
            CCriterion::Deduct { subject, baseline, .. } => {
                self.judged(subject);
                self.range(baseline);
            }
            CCriterion::Ratio { subject, target } => {
                self.judged(subject);
                let t = self.range(target);
                if t.hi.is_some_and(|h| h <= Decimal::ZERO) || t.lo.is_some_and(|l| l == Decimal::ZERO) && t.hi == t.lo
                {
                    self.push(
                        CheckError::new(
                            &self.model.source,
                            CheckCode::ScoreBounds,
                            format!("`{}` 的比例目标必须大于 0", node.name),
                            (target.span, "目标不大于 0".into()),
                        )
                        .help("按比例计分是 值 ÷ 目标 × 分值，目标为 0 或负数没有意义"),
                    );
                }
            }
            CCriterion::Formula(e) => self.formula_bounds(leaf, e, node),
            CCriterion::Pass { condition, .. } => {
                self.range(condition);
            }
            CCriterion::Cases { arms, .. } => self.cases(arms, node),
            CCriterion::Checklist { items } => {
                for (c, _) in items {
                    self.range(c);
                }
                self.checklist_sum(items, node);
            }
            CCriterion::Review | CCriterion::Invalid => {}
        }
    }

    /// `评分 公式`: the score's range on the declared inputs — an error when it is always
    /// outside 0..分值 or a unit within the ranges takes it out, a warning when unproven.
    fn formula_bounds(&mut self, leaf: usize, e: &CExpr, node: &NodeDef) {
        let r = self.range(e);
        let weight = approx(node.weight.clone());
        let below = r.lo.is_none_or(|l| l < Decimal::ZERO);
        let above = r.hi.is_none_or(|h| h > weight);
        if below || above {
            let always_out = r.hi.is_some_and(|h| h < Decimal::ZERO) || r.lo.is_some_and(|l| l > weight);
            // A concrete unit within the declared ranges whose score is out of bounds
            // proves it: an error, not a doubt.
            let declared = &self.slots[..self.model.inputs.len()];
            let example = (!always_out)
                .then(|| super::witness::example(self.model, leaf, declared))
                .flatten();
            let message = if always_out {
                format!(
                    "`{}` 的得分总在 0 到 {weight} 之外：按输入的范围，得分为 {}",
                    node.name,
                    r.show(false)
                )
            } else if let Some(example) = &example {
                format!(
                    "`{}` 的得分会超出 0 到 {weight}：{example}（按输入的范围，得分可能为 {}）",
                    node.name,
                    r.show(false)
                )
            } else {
                format!(
                    "无法证明 `{}` 的得分在 0 到 {weight} 之间：按输入的范围，得分可能为 {}",
                    node.name,
                    r.show(false)
                )
            };
            let mut err = CheckError::new(
                &self.model.source,
                CheckCode::ScoreBounds,
                message,
                (e.span, "得分公式".into()),
            )
            .help("用 `max(0, …)`、`min(…, 分值)` 或 `clamp(…, 0, 分值)` 限定得分，或给输入声明 `范围`");
            if !always_out && example.is_none() {
                err = err.warning();
            }
            self.push(err);
        }
    }

    /// `分情况`: cases that can never hold (by the ranges, or hidden by an earlier case) and
    /// cases after one that always holds.
    fn cases(&mut self, arms: &[(CExpr, Number)], node: &NodeDef) {
        // Arms are tried in order: an arm that can never hold, or anything after an
        // arm that always holds, is never used. Each later arm sees the ranges (of
        // inputs and of `值`) narrowed by the earlier arms not holding; an arm that
        // could hold on the declared ranges but not after that is hidden by an
        // earlier, broader one, and is reported as such.
        let subject_index = self.slots.len();
        let env = |b: &Self| b.slots.iter().copied().chain([b.subject]).collect::<Vec<Range>>();
        let declared = env(self);
        let mut narrowed_by: Vec<Option<usize>> = vec![None; subject_index + 1];
        let (saved_slots, saved_subject) = (self.slots.clone(), self.subject);
        for (i, (c, _)) in arms.iter().enumerate() {
            self.range(c);
            let (can_hold, can_fail) = truth(c, &env(self), Some(subject_index));
            if !can_hold {
                let could_hold = truth(c, &declared, Some(subject_index)).0;
                let hider = comparison(c, Some(subject_index)).and_then(|(s, _, _)| narrowed_by[s]);
                let err = match hider.filter(|_| could_hold) {
                    Some(k) => {
                        let earlier = &arms[k].0;
                        CheckError::new(
                            &self.model.source,
                            CheckCode::Unreachable,
                            format!(
                                "`{}` 的这个情况永远不会用到：前面的第 {} 个情况 `{}` 已经包含了它",
                                node.name,
                                k + 1,
                                self.model.source.slice(earlier.span)
                            ),
                            (c.span, "被挡住".into()),
                        )
                        .label(earlier.span, "这个情况在前，先成立")
                        .help("分情况按顺序取第一个成立的情况：把范围窄的情况写在前面")
                    }
                    None => CheckError::new(
                        &self.model.source,
                        CheckCode::Unreachable,
                        format!(
                            "`{}` 的这个情况永远不会用到：按输入的范围，这个条件不可能成立",
                            node.name
                        ),
                        (c.span, "无法到达".into()),
                    ),
                };
                self.push(err.warning());
            }
            if !can_fail {
                let rest = arms
                    .get(i + 1)
                    .map_or("“其他”".to_owned(), |_| "后面的情况和“其他”".to_owned());
                self.push(
                    CheckError::new(
                        &self.model.source,
                        CheckCode::Unreachable,
                        format!("`{}` 的这个条件总是成立，{rest}永远不会用到", node.name),
                        (c.span, "总是成立".into()),
                    )
                    .warning(),
                );
                break;
            }
            if let Some((slot, _, not_held)) = refine(c, Some(subject_index)) {
                if slot == subject_index {
                    self.subject = self.subject.intersect(not_held);
                } else if slot < subject_index {
                    self.slots[slot] = self.slots[slot].intersect(not_held);
                }
                narrowed_by[slot] = Some(i);
            }
        }
        (self.slots, self.subject) = (saved_slots, saved_subject);
    }

    /// A 清单's deductions should add up to its 分值: less leaves a floor no unit can go
    /// below (all items failed still scores the rest), more means the last items deduct
    /// nothing once the score is 0. Either is often a 分值 changed without the items
    /// (after `调整 … 分值`).
    fn checklist_sum(&mut self, items: &[(CExpr, Number)], node: &NodeDef) {
        let Ok(sum) = items
            .iter()
            .try_fold(Number::ZERO, |acc, (_, d)| acc.checked_add(d.clone()))
        else {
            return;
        };
        if sum == node.weight || items.is_empty() {
            return;
        }
        let (sum_text, weight_text) = (format_exact(sum.clone()), format_exact(node.weight.clone()));
        let message = if sum < node.weight {
            let floor = node
                .weight
                .clone()
                .checked_sub(sum)
                .map(format_exact)
                .unwrap_or_default();
            format!(
                "`{}` 的清单各项扣分合计 {sum_text}，少于分值 {weight_text}：每一项都不合格也得 {floor} 分",
                node.name
            )
        } else {
            format!(
                "`{}` 的清单各项扣分合计 {sum_text}，多于分值 {weight_text}：扣到 0 分为止，后面的项不合格也不再扣分",
                node.name
            )
        };
        self.push(
            CheckError::new(
                &self.model.source,
                CheckCode::ChecklistSum,
                message,
                (node.span, "这个指标".into()),
            )
            .help(format!(
                "让各项扣分加起来等于分值 {weight_text}；确实有意为之时可以不改（这只是警告）"
            ))
            .warning(),
        );
    }

    fn grades(&mut self) {
        let model = self.model;
        let total = Range {
            lo: Some(Decimal::ZERO),
            hi: Some(approx(model.full_marks.clone())),
        };
        let subject = match &model.grades.subject {
            Some(e) => {
                // `总分` ranges over 0..满分; rounding keeps it there.
                let saved = self.subject;
                self.subject = total;
                let r = self.range_with_total(e, total);
                self.subject = saved;
                r
            }
            None => total,
        };
        let intervals: Vec<Interval> = model.grades.bands.iter().map(|(_, i)| *i).collect();
        self.coverage(&intervals, subject, "等级", "等级区间", false);
    }

    fn range_with_total(&mut self, e: &CExpr, total: Range) -> Range {
        match &e.kind {
            CExprKind::Total => total,
            CExprKind::Call(Func::Round, args) => self.range_with_total(&args[0], total),
            _ => self.range(e),
        }
    }

    /// Reports values in `over` that no interval covers, intervals that overlap, and
    /// intervals no value can reach.
    fn coverage(&mut self, intervals: &[Interval], over: Range, owner: &str, what: &str, percent: bool) {
        let source = &self.model.source;
        let percent = percent || intervals.iter().any(|i| i.percent);
        for (i, a) in intervals.iter().enumerate() {
            for b in &intervals[i + 1..] {
                if let Some(both) = overlap(a, b) {
                    self.errors.push(
                        CheckError::new(
                            source,
                            CheckCode::BandOverlap,
                            format!(
                                "`{owner}` 的{what}重叠：{} 同时落在两个区间内",
                                show_interval(&both, percent)
                            ),
                            (b.span, "这个区间".into()),
                        )
                        .label(a.span, "与这个区间重叠")
                        .help("每个值只能落在一个区间内；用 `[a, b)` 和 `[b, c)` 这样首尾相接的区间"),
                    );
                }
            }
            let reachable = Range::from_interval(a).intersect(over);
            let empty = reachable.lo.zip(reachable.hi).is_some_and(|(l, h)| l > h)
                || (reachable.lo == reachable.hi
                    && reachable.lo.is_some()
                    && !a.contains(&Number::from_decimal(reachable.lo.unwrap_or_default())));
            if empty {
                self.errors.push(
                    CheckError::new(
                        source,
                        CheckCode::Unreachable,
                        format!(
                            "`{owner}` 的这个区间永远不会用到：数值的可能范围是 {}",
                            over.show(percent)
                        ),
                        (a.span, "无法到达".into()),
                    )
                    .warning(),
                );
            }
        }
        for gap in gaps(intervals, over) {
            self.errors.push(
                CheckError::new(
                    source,
                    CheckCode::BandGap,
                    format!("`{owner}` 的{what}没有覆盖 {}", show_interval(&gap, percent)),
                    (gap.span, "缺少的区间在这一档附近".into()),
                )
                .help("补上缺少的区间，或给相关输入声明 `范围`，让这样的值不会出现"),
            );
        }
    }

    fn unused(&mut self) {
        let model = self.model;
        for (i, input) in model.inputs.iter().enumerate() {
            if !self.used[i] && input.kind != Kind::Text {
                self.errors.push(
                    CheckError::new(
                        &model.source,
                        CheckCode::Unused,
                        format!("输入 `{}` 没有被任何公式、评分或勾稽关系用到", input.name),
                        (input.span, "未使用".into()),
                    )
                    .help("删除它，或在公式中用到它；只作记录的字段请声明为 `文本`")
                    .warning(),
                );
            }
        }
        for c in &model.computed {
            if !self.used[c.slot] && c.indicator.is_none() && c.display.is_none() {
                // The nearest `计算 名称` before the expression: searching the whole file for
                // each value would be quadratic (and could find `计算 名称2`).
                let span = model
                    .source
                    .text
                    .get(..c.expr.span.start)
                    .and_then(|before| before.rfind(&format!("计算 {}", c.name)))
                    .map_or(c.expr.span, |p| Span::new(p, p + "计算 ".len() + c.name.len()));
                self.errors.push(
                    CheckError::new(
                        &model.source,
                        CheckCode::Unused,
                        format!("计算值 `{}` 没有被用到，也没有 `显示`", c.name),
                        (span, "未使用".into()),
                    )
                    .help("要在报告中列示，给它加上 `显示 …`；否则删除它")
                    .warning(),
                );
            }
        }
    }
}

/// Whether `slot op 常数` can hold and can fail for some value in the slot's range
/// (exact about strict and non-strict comparisons). Other conditions: both.
fn truth(cond: &CExpr, env: &[Range], subject: Option<usize>) -> (bool, bool) {
    let Some((slot, c, op)) = comparison(cond, subject) else {
        return (true, true);
    };
    let Some(r) = env.get(slot) else { return (true, true) };
    let (lo, hi) = (r.lo, r.hi);
    let below = |x: Option<Decimal>, strict: bool| x.is_some_and(|v| if strict { v < c } else { v <= c });
    let above = |x: Option<Decimal>, strict: bool| x.is_some_and(|v| if strict { v > c } else { v >= c });
    match op {
        // always: every value satisfies; never: no value does.
        BinOp::Le => (!above(lo, true), !below(hi, false)),
        BinOp::Lt => (!above(lo, false), !below(hi, true)),
        BinOp::Ge => (!below(hi, true), !above(lo, false)),
        BinOp::Gt => (!below(hi, false), !above(lo, true)),
        BinOp::Eq => (!(above(lo, true) || below(hi, true)), !(lo == Some(c) && hi == Some(c))),
        _ => (true, true),
    }
}

/// How `如果 x op 常数` narrows slot `x`: its range where the condition holds, and
/// where it does not.
fn refine(cond: &CExpr, subject: Option<usize>) -> Option<(usize, Range, Range)> {
    let (slot, c, op) = comparison(cond, subject)?;
    let below = Range { lo: None, hi: Some(c) };
    let above = Range { lo: Some(c), hi: None };
    let (held, not_held) = match op {
        BinOp::Le | BinOp::Lt => (below, above),
        BinOp::Ge | BinOp::Gt => (above, below),
        BinOp::Eq => (Range::point(c), Range::ALL),
        _ => (Range::ALL, Range::ALL),
    };
    Some((slot, held, not_held))
}

/// `x op 常数` (or `常数 op x`) where x is a slot, or the judged value `值` when `subject`
/// gives it an index: the index, the constant and the operator with x on the left.
fn comparison(cond: &CExpr, subject: Option<usize>) -> Option<(usize, Decimal, BinOp)> {
    let CExprKind::Binary(op, a, b) = &cond.kind else {
        return None;
    };
    let constant = |e: &CExpr| match &e.kind {
        CExprKind::Const(Value::Num(n)) | CExprKind::Percent(n) => Some(approx(n.clone())),
        _ => None,
    };
    let operand = |e: &CExpr| match &e.kind {
        CExprKind::Slot(s) => Some(*s),
        CExprKind::Subject => subject,
        _ => None,
    };
    match (operand(a), constant(b), constant(a), operand(b)) {
        (Some(s), Some(c), _, _) => Some((s, c, *op)),
        (_, _, Some(c), Some(s)) => Some((s, c, flip(*op))),
        _ => None,
    }
}

fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

/// The part two intervals have in common, if any.
fn overlap(a: &Interval, b: &Interval) -> Option<Interval> {
    use crate::ast::Bound;
    let lower = match (a.lower, b.lower) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => Some(if x.value > y.value || (x.value == y.value && !x.inclusive) {
            x
        } else {
            y
        }),
    };
    let upper = match (a.upper, b.upper) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => Some(if x.value < y.value || (x.value == y.value && !x.inclusive) {
            x
        } else {
            y
        }),
    };
    let nonempty = match (lower, upper) {
        (
            Some(Bound {
                value: l,
                inclusive: li,
            }),
            Some(Bound {
                value: u,
                inclusive: ui,
            }),
        ) => l < u || (l == u && li && ui),
        _ => true,
    };
    nonempty.then_some(Interval {
        lower,
        upper,
        percent: a.percent || b.percent,
        span: b.span,
    })
}

/// The parts of `over` that no interval covers.
fn gaps(intervals: &[Interval], over: Range) -> Vec<Interval> {
    use crate::ast::Bound;
    // `cur` is where coverage must continue: `None` is -∞; `inclusive` says whether the
    // point itself still needs covering.
    let mut cur: Option<Bound> = over.lo.map(|v| Bound {
        value: v,
        inclusive: true,
    });
    let mut out = Vec::new();
    let starts_before = |b: &Option<Bound>, c: &Option<Bound>| match (b, c) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(b), Some(c)) => b.value < c.value || (b.value == c.value && (b.inclusive || !c.inclusive)),
    };
    let percent = intervals.iter().any(|i| i.percent);
    let mut last_span = intervals.first().map_or(Span::default(), |i| i.span);
    for _ in 0..=intervals.len() * 2 + 1 {
        // Done once `cur` is past the end of the range.
        if let (Some(c), Some(hi)) = (cur, over.hi) {
            if c.value > hi || (c.value == hi && !c.inclusive) {
                return out;
            }
        }
        // The interval covering `cur` that reaches furthest.
        let covering = intervals
            .iter()
            .filter(|iv| starts_before(&iv.lower, &cur) && reaches(&iv.upper, &cur))
            .max_by(|a, b| upper_cmp(&a.upper, &b.upper));
        match covering {
            Some(iv) => match iv.upper {
                None => return out,
                Some(u) => {
                    last_span = iv.span;
                    cur = Some(Bound {
                        value: u.value,
                        inclusive: !u.inclusive,
                    })
                }
            },
            None => {
                // A gap from `cur` to the next interval's start (or the range's end).
                let next_interval = intervals
                    .iter()
                    .filter(|iv| {
                        iv.lower.is_some_and(|l| {
                            cur.is_none_or(|c| l.value > c.value || (l.value == c.value && !l.inclusive && c.inclusive))
                        })
                    })
                    .min_by(|a, b| {
                        let (a, b) = (
                            a.lower.unwrap_or(Bound {
                                value: Decimal::ZERO,
                                inclusive: true,
                            }),
                            b.lower.unwrap_or(Bound {
                                value: Decimal::ZERO,
                                inclusive: true,
                            }),
                        );
                        a.value.cmp(&b.value).then(b.inclusive.cmp(&a.inclusive))
                    });
                let next = next_interval.and_then(|iv| iv.lower);
                let span = next_interval.map_or(last_span, |iv| iv.span);
                let upper = match (next, over.hi) {
                    (Some(n), Some(hi)) if n.value > hi => Some(Bound {
                        value: hi,
                        inclusive: true,
                    }),
                    (Some(n), _) => Some(Bound {
                        value: n.value,
                        inclusive: !n.inclusive,
                    }),
                    (None, Some(hi)) => Some(Bound {
                        value: hi,
                        inclusive: true,
                    }),
                    (None, None) => None,
                };
                out.push(Interval {
                    lower: cur,
                    upper,
                    percent,
                    span,
                });
                match next {
                    Some(n) if over.hi.is_none_or(|hi| n.value <= hi) => cur = Some(n),
                    _ => return out,
                }
            }
        }
    }
    out
}

fn reaches(upper: &Option<crate::ast::Bound>, cur: &Option<crate::ast::Bound>) -> bool {
    match (upper, cur) {
        // Any finite upper end lies beyond -∞.
        (None, _) | (Some(_), None) => true,
        (Some(u), Some(c)) => u.value > c.value || (u.value == c.value && u.inclusive && c.inclusive),
    }
}

fn upper_cmp(a: &Option<crate::ast::Bound>, b: &Option<crate::ast::Bound>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Greater,
        (_, None) => Ordering::Less,
        (Some(x), Some(y)) => x.value.cmp(&y.value).then(x.inclusive.cmp(&y.inclusive)),
    }
}

fn show_interval(i: &Interval, percent: bool) -> String {
    let f = |x: Decimal| bound_text(x, percent);
    let (lb, lo) = match i.lower {
        Some(b) => (if b.inclusive { "[" } else { "(" }, f(b.value)),
        None => ("(", "-∞".to_owned()),
    };
    let (ub, hi) = match i.upper {
        Some(b) => (if b.inclusive { "]" } else { ")" }, f(b.value)),
        None => (")", "+∞".to_owned()),
    };
    if lo == hi && lb == "[" && ub == "]" {
        return lo;
    }
    format!("{lb}{lo}, {hi}{ub}")
}

/// A bound as the rule author wrote it: `90%` for rates written as percents.
/// A model constant for the interval analysis, which works in decimals: exact for every
/// constant a rule file can write (a decimal literal); the analysis only warns, it never
/// produces a figure.
pub(super) fn approx(x: Number) -> Decimal {
    x.to_decimal()
        .or_else(|| x.clone().round(20).ok().and_then(|r| r.to_decimal()))
        .unwrap_or(if x.is_negative() { Decimal::MIN } else { Decimal::MAX })
}

pub(super) fn bound_text(x: Decimal, percent: bool) -> String {
    if percent {
        x.checked_mul(Decimal::ONE_HUNDRED).map_or_else(
            || format!("{}（比率）", x.normalize()),
            |p| format!("{}%", p.normalize()),
        )
    } else {
        x.normalize().to_string()
    }
}
