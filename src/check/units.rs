//! Units of measure (计量单位): `万元 + 人` is an error, `万元 ÷ 万元` is a rate,
//! `元` and `万元` need an explicit `万元(…)`/`元(…)` conversion, and per-百分点
//! deductions apply only to rates. Runs on a resolved [`Model`].

use rust_decimal::Decimal;

use crate::number::Number;

use crate::ast::{BinOp, StepUnit};
use crate::diagnostics::{CheckCode, CheckError};
use crate::model::*;
use crate::source::Span;

/// A unit: base units with exponents (`万元/人` is `[(万元, 1), (人, -1)]`). The empty
/// list is a pure rate (比率); `Any` is a plain number literal, which fits anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dim {
    Any,
    Units(Vec<(&'static str, i8)>),
}

impl Dim {
    fn ratio() -> Dim {
        Dim::Units(Vec::new())
    }

    fn base(unit: &'static str) -> Dim {
        Dim::Units(vec![(unit, 1)])
    }

    fn is_ratio(&self) -> bool {
        matches!(self, Dim::Units(u) if u.is_empty())
    }

    fn combine(&self, other: &Dim, sign: i8) -> Dim {
        match (self, other) {
            (Dim::Any, Dim::Any) => Dim::Any,
            (Dim::Any, Dim::Units(_)) if sign < 0 => Dim::ratio().combine(other, sign),
            (Dim::Any, d) => d.clone(),
            (d, Dim::Any) => d.clone(),
            (Dim::Units(a), Dim::Units(b)) => {
                let mut out = a.clone();
                for (unit, exp) in b {
                    // 万元^128 and beyond: no unit check means anything there; give up
                    // on the unit rather than overflow (found by a formula squaring
                    // itself twelve times).
                    let Some(step) = exp.checked_mul(sign) else {
                        return Dim::Any;
                    };
                    match out.iter_mut().find(|(u, _)| u == unit) {
                        Some(entry) => match entry.1.checked_add(step) {
                            Some(e) => entry.1 = e,
                            None => return Dim::Any,
                        },
                        None => out.push((unit, step)),
                    }
                }
                out.retain(|(_, e)| *e != 0);
                out.sort();
                Dim::Units(out)
            }
        }
    }

    pub(crate) fn label(&self) -> String {
        match self {
            Dim::Any => "数".into(),
            Dim::Units(u) if u.is_empty() => "比率".into(),
            Dim::Units(u) => {
                let num: Vec<String> = u.iter().filter(|(_, e)| *e > 0).map(|(n, e)| power(n, *e)).collect();
                let den: Vec<String> = u.iter().filter(|(_, e)| *e < 0).map(|(n, e)| power(n, -*e)).collect();
                let num = if num.is_empty() { "1".to_owned() } else { num.join("·") };
                if den.is_empty() {
                    num
                } else {
                    format!("{num}/{}", den.join("·"))
                }
            }
        }
    }
}

fn power(name: &str, e: i8) -> String {
    if e == 1 {
        name.to_owned()
    } else {
        format!("{name}^{e}")
    }
}

struct Units<'m> {
    model: &'m Model,
    /// Unit of each slot (inputs, then computed values as they are analysed).
    slots: Vec<Dim>,
    subject: Dim,
    errors: &'m mut Vec<CheckError>,
}

pub(super) fn analyze(model: &Model, errors: &mut Vec<CheckError>) {
    let mut slots: Vec<Dim> = model
        .inputs
        .iter()
        .map(|i| match i.kind {
            Kind::Quantity(u) => Dim::base(u),
            Kind::Percent => Dim::ratio(),
            Kind::Bool | Kind::Text => Dim::Any,
        })
        .collect();
    slots.resize(model.slot_count, Dim::Any);
    let mut u = Units {
        model,
        slots,
        subject: Dim::Any,
        errors,
    };
    for computed in &model.computed {
        let d = u.dim(&computed.expr);
        if let Some(s) = u.slots.get_mut(computed.slot) {
            *s = d;
        }
    }
    for &leaf in &model.leaves {
        let Some(def) = &model.nodes[leaf].leaf else { continue };
        u.subject = def.value_slot.map_or(Dim::Any, |s| u.slots[s].clone());
        u.criterion(&def.criterion, &model.nodes[leaf].name);
    }
    for check in &model.checks {
        u.dim(&check.condition);
        if let (true, Some((l, r))) = (check.comparison, &check.sides) {
            let (dl, dr) = (u.dim(l), u.dim(r));
            let both = u.unify(&dl, &dr, check.condition.span, "对照：");
            if let Some(d) = &check.difference {
                let dd = u.dim(d);
                u.unify(&both, &dd, d.span, "用作差额：");
            }
        }
    }
}

impl Units<'_> {
    fn error(&mut self, span: Span, message: String, label: &str, help: Option<&str>) {
        let mut e = CheckError::new(
            &self.model.source,
            CheckCode::UnitMismatch,
            message,
            (span, label.into()),
        );
        if let Some(h) = help {
            e = e.help(h);
        }
        self.errors.push(e);
    }

    fn warn(&mut self, span: Span, message: String, label: &str, help: &str) {
        let e = CheckError::new(
            &self.model.source,
            CheckCode::UnitSuspicious,
            message,
            (span, label.into()),
        )
        .help(help)
        .warning();
        self.errors.push(e);
    }

    /// The common unit of two operands that must agree (`+`, `-`, comparisons, branches).
    fn unify(&mut self, a: &Dim, b: &Dim, span: Span, what: &str) -> Dim {
        match (a, b) {
            (Dim::Any, d) | (d, Dim::Any) => d.clone(),
            (x, y) if x == y => x.clone(),
            (x, y) => {
                let yuan = |d: &Dim| matches!(d, Dim::Units(u) if u.as_slice() == [("元", 1)] || u.as_slice() == [("万元", 1)]);
                let help = if yuan(x) && yuan(y) {
                    Some("元和万元要先换算：用 `万元(x)` 把元换算成万元，或 `元(x)` 把万元换算成元")
                } else {
                    None
                };
                self.error(
                    span,
                    format!("单位不一致：不能{what}{}和{}", x.label(), y.label()),
                    "单位不一致",
                    help,
                );
                Dim::Any
            }
        }
    }

    fn dim(&mut self, e: &CExpr) -> Dim {
        match &e.kind {
            CExprKind::Const(_) | CExprKind::Total | CExprKind::Item(_) => Dim::Any,
            CExprKind::Percent(_) => Dim::ratio(),
            CExprKind::Slot(s) => self.slots.get(*s).cloned().unwrap_or(Dim::Any),
            CExprKind::Subject => self.subject.clone(),
            CExprKind::Neg(a) => self.dim(a),
            CExprKind::Not(a) => {
                self.dim(a);
                Dim::Any
            }
            CExprKind::Binary(op, a, b) => {
                let (da, db) = (self.dim(a), self.dim(b));
                match op {
                    BinOp::Add => self.unify(&da, &db, e.span, "相加："),
                    BinOp::Sub => self.unify(&da, &db, e.span, "相减："),
                    BinOp::Mul => da.combine(&db, 1),
                    BinOp::Div => da.combine(&db, -1),
                    BinOp::And | BinOp::Or => Dim::Any,
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                        self.unify(&da, &db, e.span, "比较：");
                        self.missing_percent(&da, b);
                        self.missing_percent(&db, a);
                        Dim::Any
                    }
                }
            }
            CExprKind::If(c, t, f) => {
                self.dim(c);
                let (dt, df) = (self.dim(t), self.dim(f));
                self.unify(&dt, &df, e.span, "在两个分支中分别得到")
            }
            CExprKind::Call(func, args) => {
                let dims: Vec<Dim> = args.iter().map(|a| self.dim(a)).collect();
                match func {
                    Func::ToWanYuan | Func::ToYuan => {
                        let (from, to) = if *func == Func::ToWanYuan {
                            ("元", "万元")
                        } else {
                            ("万元", "元")
                        };
                        if !matches!(&dims[0], Dim::Any) && dims[0] != Dim::base(from) {
                            self.error(
                                args[0].span,
                                format!("`{to}(…)` 换算的应是以{from}计的金额，这里是{}", dims[0].label()),
                                "单位不符",
                                None,
                            );
                        }
                        Dim::base(to)
                    }
                    Func::Round | Func::Abs | Func::Floor | Func::Ceil | Func::RoundTo => dims[0].clone(),
                    Func::Min | Func::Max | Func::Clamp | Func::Sum => {
                        let mut acc = Dim::Any;
                        for d in &dims {
                            acc = self.unify(&acc, d, e.span, "在同一函数中混用");
                        }
                        acc
                    }
                }
            }
            CExprKind::Aggregate { filter, arg, .. } => {
                if let Some(f) = filter {
                    self.dim(f);
                }
                if let Some(a) = arg {
                    self.dim(a);
                }
                Dim::Any
            }
        }
    }

    /// Comparing a rate with `100` (not `100%`) is almost always a missing `%`.
    fn missing_percent(&mut self, rate: &Dim, other: &CExpr) {
        self.rate_against_plain_number(
            rate,
            other,
            |n| format!("比率与 {n} 比较：是否少了 %？"),
            "比率以小数存储（100% 即 1）；比较时写 `100%` 而不是 `100`",
        );
    }

    /// A rate set against a plain constant beyond ±1 (`100`, where `100%` was meant): a
    /// warning worded by `message` for the place it stands in.
    fn rate_against_plain_number(
        &mut self,
        rate: &Dim,
        other: &CExpr,
        message: impl Fn(&Number) -> String,
        help: &str,
    ) {
        if let (true, CExprKind::Const(Value::Num(n))) = (rate.is_ratio(), &other.kind) {
            if n.clone().abs() > Number::ONE {
                self.warn(other.span, message(n), "这里", help);
            }
        }
    }

    fn criterion(&mut self, criterion: &CCriterion, name: &str) {
        match criterion {
            CCriterion::Deduct {
                subject,
                baseline,
                unit,
                ..
            } => {
                let judged = match subject {
                    Some(s) => self.dim(s),
                    None => self.subject.clone(),
                };
                let base = self.dim(baseline);
                // `基准 100` on a rate is a baseline of 10000%: a missing `%`, as with 达标
                // and 勾稽 comparisons.
                self.rate_against_plain_number(
                    &judged,
                    baseline,
                    |n| format!("比率的扣分基准是 {n}：是否少了 %？"),
                    "比率以小数存储（100% 即 1）；写作 `基准 100%`",
                );
                let judged = self.unify(&judged, &base, baseline.span, "比较：");
                match unit {
                    StepUnit::PercentagePoint if !judged.is_ratio() && judged != Dim::Any => self.error(
                        baseline.span,
                        format!("按百分点扣分只适用于比率，`{name}` 的单位是{}", judged.label()),
                        "不是比率",
                        Some("百分点是两个比率之差；金额或人数请按数量扣分，例如 `每超过 1 万元 扣 0.5`"),
                    ),
                    StepUnit::Plain(_) if judged.is_ratio() => self.error(
                        baseline.span,
                        format!("`{name}` 是比率，扣分步长应按百分点计"),
                        "比率",
                        Some("写成 `每超过 1 百分点 扣 …`"),
                    ),
                    _ => {}
                }
            }
            CCriterion::Ratio { subject, target } => {
                let judged = match subject {
                    Some(s) => self.dim(s),
                    None => self.subject.clone(),
                };
                let t = self.dim(target);
                self.unify(&judged, &t, target.span, "比较：");
            }
            CCriterion::Bands { subject, bands } => {
                let judged = match subject {
                    Some(s) => self.dim(s),
                    None => self.subject.clone(),
                };
                for (interval, _) in bands {
                    let big = [interval.lower, interval.upper]
                        .iter()
                        .flatten()
                        .any(|b| b.value.abs() > Decimal::ONE);
                    if judged.is_ratio() && !interval.percent && big {
                        self.warn(
                            interval.span,
                            "比率的分档界限不带 %：是否少了 %？".into(),
                            "这里",
                            "比率以小数存储（90% 即 0.9）；分档写作 `>= 90%`",
                        );
                    } else if !judged.is_ratio() && judged != Dim::Any && interval.percent {
                        self.error(
                            interval.span,
                            format!("`{name}` 的单位是{}，分档界限却是百分数", judged.label()),
                            "单位不符",
                            None,
                        );
                    }
                }
            }
            CCriterion::Pass { condition, .. } => {
                self.dim(condition);
            }
            CCriterion::Cases { arms, .. } => {
                for (c, _) in arms {
                    self.dim(c);
                }
            }
            CCriterion::Checklist { items } => {
                for (c, _) in items {
                    self.dim(c);
                }
            }
            CCriterion::Formula(e) => {
                self.dim(e);
            }
            CCriterion::Review | CCriterion::Invalid => {}
        }
    }
}
