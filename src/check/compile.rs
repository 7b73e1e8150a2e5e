//! Expressions: name resolution, type checking, dependency order, and compilation
//! to slot-addressed [`CExpr`]s.

use rust_decimal::Decimal;

use crate::number::Number;

use super::{Checker, Symbol};
use crate::ast::{self, BinOp, ExprKind, UnOp};
use crate::diagnostics::{CheckCode, CheckError};
use crate::model::*;
use crate::source::Span;

/// Which context names are visible where an expression is written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    /// `值`: the indicator's value (inside a criterion).
    pub subject: bool,
    /// `总分`: the total score (inside `等级 依据 …`).
    pub total: bool,
    /// The fields of a target-list item (inside an aggregate).
    pub item: bool,
}

impl Scope {
    pub const VALUES: Scope = Scope {
        subject: false,
        total: false,
        item: false,
    };
    pub const CRITERION: Scope = Scope {
        subject: true,
        total: false,
        item: false,
    };
    pub const GRADES: Scope = Scope {
        subject: false,
        total: true,
        item: false,
    };
}

const SUBJECT_NAMES: &[&str] = &["值", "value"];
const TOTAL_NAMES: &[&str] = &["总分", "total"];

fn item_field(name: &str) -> Option<(ItemField, Ty)> {
    Some(match name {
        "名称" | "name" => (ItemField::Name, Ty::Text),
        "类别" | "category" => (ItemField::Category, Ty::Text),
        "达成" | "met" => (ItemField::Met, Ty::Bool),
        "目标" | "target" => (ItemField::Target, Ty::Num),
        "实际" | "actual" => (ItemField::Actual, Ty::Num),
        "可量化" | "quantified" => (ItemField::Quantified, Ty::Bool),
        _ => return None,
    })
}

/// Reports a type mismatch unless `got` is `want` (or unknown after an earlier error).
pub(crate) fn expect_ty(ck: &mut Checker, span: Span, got: Option<Ty>, want: Ty, what: &str) {
    if let Some(got) = got {
        if got != want {
            ck.error(
                CheckCode::TypeMismatch,
                span,
                format!("{what}应为{}，这里是{}", want.label(), got.label()),
                format!("这是{}", got.label()),
            );
        }
    }
}

/// Orders computed values so each comes after everything it uses; reports cycles.
pub(super) fn order_computed(ck: &mut Checker) -> Vec<usize> {
    let n = ck.pending.len();
    let deps: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let mut names = Vec::new();
            collect_names(ck.pending[i].expr, &mut names);
            let mut d: Vec<usize> = names
                .iter()
                .filter_map(|name| match ck.symbols.get(*name) {
                    Some((Symbol::Computed(j), _)) => Some(*j),
                    _ => None,
                })
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut order = Vec::with_capacity(n);
    // Iterative DFS so that a long chain of values cannot overflow the stack.
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = deps[node].get(*next) {
                *next += 1;
                match mark[dep] {
                    Mark::New => {
                        mark[dep] = Mark::Active;
                        stack.push((dep, 0));
                    }
                    Mark::Active => {
                        let start = stack.iter().position(|(s, _)| *s == dep).unwrap_or(0);
                        let cycle: Vec<usize> = stack[start..].iter().map(|(s, _)| *s).collect();
                        report_cycle(ck, &cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    order
}

fn report_cycle(ck: &mut Checker, cycle: &[usize]) {
    let names: Vec<&str> = cycle.iter().map(|&i| ck.pending[i].name.as_str()).collect();
    let first = cycle[0];
    let path = format!("{} → {}", names.join(" → "), names[0]);
    let mut err = CheckError::new(
        ck.source,
        CheckCode::Cycle,
        format!("计算值之间循环引用：{path}"),
        (ck.pending[first].name_span, "循环从这里开始".into()),
    );
    for &i in &cycle[1..] {
        err = err.label(ck.pending[i].name_span, "循环经过这里");
    }
    ck.push(err.help("一个值不能直接或间接地用到它自己；检查这些公式"));
}

/// Every name an expression mentions. List-item fields are included too: an extra
/// edge is harmless, a missing one would evaluate a value before its inputs.
fn collect_names<'e>(e: &'e ast::Expr, out: &mut Vec<&'e str>) {
    match &e.kind {
        ExprKind::Name(n) => out.push(n),
        ExprKind::Number { .. } | ExprKind::Text(_) | ExprKind::Bool(_) => {}
        ExprKind::Unary(_, a) => collect_names(a, out),
        ExprKind::Binary(_, a, b) => {
            collect_names(a, out);
            collect_names(b, out);
        }
        ExprKind::If(a, b, c) => {
            collect_names(a, out);
            collect_names(b, out);
            collect_names(c, out);
        }
        ExprKind::Call { args, filter, .. } => {
            for a in args {
                collect_names(a, out);
            }
            if let Some(f) = filter {
                collect_names(f, out);
            }
        }
    }
}

/// Slots a compiled expression reads, with the span of each reference.
pub(super) fn collect_refs(e: &CExpr, out: &mut Vec<(Span, usize)>) {
    match &e.kind {
        CExprKind::Slot(s) => out.push((e.span, *s)),
        CExprKind::Const(_) | CExprKind::Percent(_) | CExprKind::Subject | CExprKind::Total | CExprKind::Item(_) => {}
        CExprKind::Neg(a) | CExprKind::Not(a) => collect_refs(a, out),
        CExprKind::Binary(_, a, b) => {
            collect_refs(a, out);
            collect_refs(b, out);
        }
        CExprKind::If(a, b, c) => {
            collect_refs(a, out);
            collect_refs(b, out);
            collect_refs(c, out);
        }
        CExprKind::Call(_, args) => args.iter().for_each(|a| collect_refs(a, out)),
        CExprKind::Aggregate { .. } => {}
    }
}

fn placeholder(span: Span) -> CExpr {
    CExpr {
        kind: CExprKind::Const(Value::Num(Number::ZERO)),
        span,
    }
}

/// Compiles an expression; the type is `None` after an error already reported.
pub(crate) fn compile(ck: &mut Checker, e: &ast::Expr, scope: Scope) -> (CExpr, Option<Ty>) {
    let span = e.span;
    let mk = |kind| CExpr { kind, span };
    match &e.kind {
        ExprKind::Number { value, percent: true } => (mk(CExprKind::Percent((*value).into())), Some(Ty::Num)),
        ExprKind::Number { value, percent: false } => {
            (mk(CExprKind::Const(Value::Num((*value).into()))), Some(Ty::Num))
        }
        ExprKind::Text(t) => (mk(CExprKind::Const(Value::Text(t.as_str().into()))), Some(Ty::Text)),
        ExprKind::Bool(b) => (mk(CExprKind::Const(Value::Bool(*b))), Some(Ty::Bool)),
        ExprKind::Name(name) => compile_name(ck, name, span, scope),
        ExprKind::Unary(op, a) => {
            let (ca, ty) = compile(ck, a, scope);
            let (want, kind) = match op {
                UnOp::Neg => (Ty::Num, CExprKind::Neg(Box::new(ca))),
                UnOp::Not => (Ty::Bool, CExprKind::Not(Box::new(ca))),
            };
            expect_ty(ck, a.span, ty, want, "运算对象");
            (mk(kind), ty.map(|_| want))
        }
        ExprKind::Binary(op, a, b) => {
            let (ca, ta) = compile(ck, a, scope);
            let (cb, tb) = compile(ck, b, scope);
            let result = match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                    expect_ty(ck, a.span, ta, Ty::Num, "算术运算的对象");
                    expect_ty(ck, b.span, tb, Ty::Num, "算术运算的对象");
                    // `1 / 0`: no unit's data can make this defined; the rule file is wrong.
                    // (The literal as written: an unknown name also compiles to a zero placeholder.)
                    if *op == BinOp::Div && matches!(&b.kind, ExprKind::Number { value, .. } if value.is_zero()) {
                        ck.error(CheckCode::ZeroDivisor, b.span, "除数是常数 0".into(), "除数为 0")
                            .help = Some("检查公式：除以 0 对任何单位都无法计算".into());
                    }
                    Some(Ty::Num)
                }
                BinOp::And | BinOp::Or => {
                    expect_ty(ck, a.span, ta, Ty::Bool, "`且`/`或` 的对象");
                    expect_ty(ck, b.span, tb, Ty::Bool, "`且`/`或` 的对象");
                    Some(Ty::Bool)
                }
                BinOp::Eq | BinOp::Ne => {
                    if let (Some(x), Some(y)) = (ta, tb) {
                        if x != y {
                            ck.error(
                                CheckCode::TypeMismatch,
                                span,
                                format!("不能比较{}和{}", x.label(), y.label()),
                                "两边类型不同",
                            );
                        }
                    }
                    Some(Ty::Bool)
                }
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    expect_ty(ck, a.span, ta, Ty::Num, "大小比较的对象");
                    expect_ty(ck, b.span, tb, Ty::Num, "大小比较的对象");
                    Some(Ty::Bool)
                }
            };
            let ok = ta.is_some() && tb.is_some();
            (
                mk(CExprKind::Binary(*op, Box::new(ca), Box::new(cb))),
                if ok { result } else { None },
            )
        }
        ExprKind::If(c, t, f) => {
            let (cc, tc) = compile(ck, c, scope);
            expect_ty(ck, c.span, tc, Ty::Bool, "`如果` 的条件");
            let (ct, tt) = compile(ck, t, scope);
            let (cf, tf) = compile(ck, f, scope);
            let ty = match (tt, tf) {
                (Some(x), Some(y)) if x == y => Some(x),
                (Some(x), Some(y)) => {
                    ck.error(
                        CheckCode::TypeMismatch,
                        span,
                        format!("`则` 分支是{}，`否则` 分支是{}，两者必须相同", x.label(), y.label()),
                        "这里",
                    );
                    None
                }
                _ => None,
            };
            (mk(CExprKind::If(Box::new(cc), Box::new(ct), Box::new(cf))), ty)
        }
        ExprKind::Call { func, args, filter } => compile_call(ck, func, args, filter.as_deref(), span, scope),
    }
}

fn compile_name(ck: &mut Checker, name: &str, span: Span, scope: Scope) -> (CExpr, Option<Ty>) {
    let mk = |kind| CExpr { kind, span };
    if scope.item {
        if let Some((field, ty)) = item_field(name) {
            return (mk(CExprKind::Item(field)), Some(ty));
        }
    }
    if scope.subject && SUBJECT_NAMES.contains(&name) {
        return (mk(CExprKind::Subject), Some(Ty::Num));
    }
    if scope.total && TOTAL_NAMES.contains(&name) {
        return (mk(CExprKind::Total), Some(Ty::Num));
    }
    match ck.symbols.get(name).copied() {
        Some((Symbol::Input(i), _)) => (mk(CExprKind::Slot(i)), Some(ck.inputs[i].kind.ty())),
        Some((Symbol::Computed(p), _)) => {
            let slot = ck.computed_slot.get(p).copied().unwrap_or(usize::MAX);
            let ty = ck.computed_ty.get(p).copied().flatten();
            (mk(CExprKind::Slot(slot)), ty)
        }
        Some((Symbol::List(_), _)) => {
            ck.error(
                CheckCode::TypeMismatch,
                span,
                format!("清单 `{name}` 不是单个数值"),
                "这里",
            )
            .help = Some(format!("清单只能用在汇总函数中，例如 `计数({name} 其中 达成)`"));
            (placeholder(span), None)
        }
        Some((Symbol::Category, _)) => {
            ck.error(
                CheckCode::TypeMismatch,
                span,
                format!("`{name}` 是没有公式的指标或分类，没有可引用的数值"),
                "这里",
            );
            (placeholder(span), None)
        }
        None if SUBJECT_NAMES.contains(&name) || TOTAL_NAMES.contains(&name) => {
            let help = if SUBJECT_NAMES.contains(&name) {
                "`值` 只能用在有公式的三级指标的 `评分` 中，指这个指标公式的结果"
            } else {
                "`总分` 只能用在 `等级 依据 …` 中"
            };
            ck.error(
                CheckCode::UnknownName,
                span,
                format!("这里不能用 `{name}`"),
                "不在适用范围内",
            )
            .help = Some(help.into());
            (placeholder(span), None)
        }
        None => {
            let mut context: Vec<&str> = Vec::new();
            if scope.subject {
                context.extend(SUBJECT_NAMES);
            }
            if scope.total {
                context.extend(TOTAL_NAMES);
            }
            let suggestions = suggest(name, ck.symbols.keys().map(String::as_str).chain(context));
            let err = ck.error(CheckCode::UnknownName, span, format!("未定义的名称 `{name}`"), "未定义");
            err.help = Some(if suggestions.is_empty() {
                if SUBJECT_NAMES.contains(&name) {
                    "`值` 只能用在有公式的三级指标的评分中".to_owned()
                } else {
                    "先用 `输入` 或 `计算` 定义它".to_owned()
                }
            } else {
                format!(
                    "是否指 {}？",
                    suggestions
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join("、")
                )
            });
            (placeholder(span), None)
        }
    }
}

/// A `类别 = "…"` (or `!=`) comparison in a list's `其中` or per-item expression must name
/// one of the list's declared `类别`: a misspelt category matches no target and counts 0
/// without a word.
fn check_categories(ck: &mut Checker, list: usize, e: &ast::Expr) {
    let mut written = Vec::new();
    category_texts(e, &mut written);
    let declared = &ck.lists[list];
    if declared.categories.is_empty() {
        return;
    }
    let unknown: Vec<(String, Span)> = written
        .into_iter()
        .filter(|(s, _)| !declared.categories.contains(s))
        .collect();
    for (s, span) in unknown {
        let declared = &ck.lists[list];
        let close = suggest(&s, declared.categories.iter().map(String::as_str));
        let listed = declared.categories.join("、");
        let err = CheckError::new(
            ck.source,
            CheckCode::UnknownCategory,
            format!(
                "目标清单 `{}` 没有类别 \"{s}\"：这个条件不会选中任何目标",
                declared.name
            ),
            (span, "这个类别".into()),
        )
        .label(declared.span, "类别在这里声明")
        .help(match close.first() {
            Some(c) => format!("是否指 \"{c}\"？声明的类别有：{listed}"),
            None => format!("声明的类别有：{listed}"),
        });
        ck.push(err);
    }
}

/// The texts compared with `类别` (`类别 = "…"`, `"…" != 类别`) anywhere in `e`.
fn category_texts(e: &ast::Expr, out: &mut Vec<(String, Span)>) {
    let is_category = |x: &ast::Expr| matches!(&x.kind, ExprKind::Name(n) if item_field(n).is_some_and(|(f, _)| f == ItemField::Category));
    match &e.kind {
        ExprKind::Binary(BinOp::Eq | BinOp::Ne, a, b) => match (&a.kind, &b.kind) {
            (_, ExprKind::Text(s)) if is_category(a) => out.push((s.clone(), b.span)),
            (ExprKind::Text(s), _) if is_category(b) => out.push((s.clone(), a.span)),
            _ => {}
        },
        ExprKind::Binary(_, a, b) => {
            category_texts(a, out);
            category_texts(b, out);
        }
        ExprKind::Unary(_, a) => category_texts(a, out),
        ExprKind::If(c, a, b) => {
            for x in [c, a, b] {
                category_texts(x, out);
            }
        }
        _ => {}
    }
}

/// Up to three defined names close to `name` (edit distance over characters).
pub(crate) fn suggest<'n>(name: &str, candidates: impl Iterator<Item = &'n str>) -> Vec<String> {
    let len = name.chars().count();
    let limit = (len / 3).max(1);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|c| {
            let d = strsim::levenshtein(name, c);
            (d <= limit || (len >= 2 && (c.contains(name) || name.contains(c)) && c.chars().count() >= 2))
                .then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c.to_owned()).collect()
}

/// The functions by their names: the English one first, then the Chinese ones (every
/// name is accepted), for the help of an unknown function.
const FUNCTIONS: &[&[&str]] = &[
    &["round", "四舍五入"],
    &["min", "最小", "最小值"],
    &["max", "最大", "最大值"],
    &["abs", "绝对值"],
    &["clamp", "限定"],
    &["sum", "求和"],
    &["floor", "向下取整"],
    &["ceil", "向上取整"],
    &["round_to", "就近取整"],
    &["count", "计数"],
    &["all", "全部"],
    &["any", "任一"],
    &["万元"],
    &["元"],
];

/// ``是否指 `round`（四舍五入）？`` for a near name (`rnd`, `四舍五人`, `Round`), then every
/// function with its Chinese names.
fn unknown_function_help(name: &str) -> String {
    let lower = name.to_lowercase();
    let count = lower.chars().count();
    // Edit distance, or the name's letters in order within a function's (`rnd` in `round`).
    let score = |candidate: &str| -> Option<(usize, usize)> {
        let d = strsim::levenshtein(&lower, candidate);
        let len = count.max(candidate.chars().count());
        let mut rest = candidate.chars();
        let subsequence = count >= 2 && lower.chars().all(|c| rest.any(|d| d == c));
        (d <= (len / 3).max(1) || subsequence).then_some((d, count.abs_diff(candidate.chars().count())))
    };
    let best = FUNCTIONS
        .iter()
        .flat_map(|names| names.iter().map(move |n| (*n, names)))
        .filter_map(|(n, names)| score(n).map(|d| (d, n, names)))
        .min_by_key(|(d, _, _)| *d);
    let list: Vec<String> = FUNCTIONS
        .iter()
        .map(|names| match names.split_first() {
            Some((first, rest)) if !rest.is_empty() => format!("{first}（{}）", rest.join("、")),
            _ => names.join(""),
        })
        .collect();
    let list = format!("可用的函数（括号中是同一函数的中文名）：{}", list.join("、"));
    match best {
        Some((_, n, names)) if n.is_ascii() && names.len() > 1 => format!("是否指 `{n}`（{}）？\n{list}", names[1]),
        Some((_, n, _)) => format!("是否指 `{n}`？\n{list}"),
        None => list,
    }
}

fn compile_call(
    ck: &mut Checker,
    func: &ast::Name,
    args: &[ast::Expr],
    filter: Option<&ast::Expr>,
    span: Span,
    scope: Scope,
) -> (CExpr, Option<Ty>) {
    let mk = |kind| CExpr { kind, span };
    let aggregate = match func.node.as_str() {
        "计数" | "count" => Some(AggFunc::Count),
        "全部" | "all" => Some(AggFunc::All),
        "任一" | "any" => Some(AggFunc::Any),
        "求和" | "sum" => {
            let first_is_list = matches!(
                args.first().map(|a| &a.kind),
                Some(ExprKind::Name(n)) if matches!(ck.symbols.get(n.as_str()), Some((Symbol::List(_), _)))
            );
            first_is_list.then_some(AggFunc::Sum)
        }
        _ => None,
    };
    if let Some(agg) = aggregate {
        return compile_aggregate(ck, agg, func, args, filter, span, scope);
    }
    if let Some(f) = filter {
        ck.error(
            CheckCode::BadArguments,
            f.span,
            format!("`其中` 只能用在清单汇总函数中，不能用于 `{}`", func.node),
            "这里",
        );
    }
    let (f, min, max) = match func.node.as_str() {
        "round" | "四舍五入" => (Func::Round, 2, Some(2)),
        "万元" => (Func::ToWanYuan, 1, Some(1)),
        "元" => (Func::ToYuan, 1, Some(1)),
        "min" | "最小" | "最小值" => (Func::Min, 2, None),
        "max" | "最大" | "最大值" => (Func::Max, 2, None),
        "abs" | "绝对值" => (Func::Abs, 1, Some(1)),
        "clamp" | "限定" => (Func::Clamp, 3, Some(3)),
        "sum" | "求和" => (Func::Sum, 1, None),
        "floor" | "向下取整" => (Func::Floor, 1, Some(2)),
        "ceil" | "向上取整" => (Func::Ceil, 1, Some(2)),
        "round_to" | "就近取整" => (Func::RoundTo, 2, Some(2)),
        other => {
            let help = unknown_function_help(other);
            ck.error(
                CheckCode::UnknownFunction,
                func.span,
                format!("未知的函数 `{other}`"),
                "未知函数",
            )
            .help = Some(help);
            return (placeholder(span), None);
        }
    };
    if args.len() < min || max.is_some_and(|m| args.len() > m) {
        let expected = match max {
            Some(m) if m == min => format!("{min} 个"),
            Some(m) => format!("{min} 到 {m} 个"),
            None => format!("至少 {min} 个"),
        };
        ck.error(
            CheckCode::BadArguments,
            span,
            format!("`{}` 需要 {expected}参数，这里有 {} 个", func.node, args.len()),
            "参数个数不对",
        );
        return (placeholder(span), None);
    }
    let mut compiled = Vec::with_capacity(args.len());
    let mut ok = true;
    for a in args {
        let (c, ty) = compile(ck, a, scope);
        ok &= ty.is_some();
        expect_ty(ck, a.span, ty, Ty::Num, &format!("`{}` 的参数", func.node));
        compiled.push(c);
    }
    if f == Func::Round {
        let digits = matches!(
            &args[1].kind,
            ExprKind::Number { value, percent: false }
                if value.fract().is_zero() && *value >= Decimal::ZERO && *value <= Decimal::from(20)
        );
        if !digits {
            ck.error(
                CheckCode::NotConstant,
                args[1].span,
                "`round` 的小数位数必须是 0 到 20 之间的整数常量".into(),
                "这里",
            );
            ok = false;
        }
    }
    (mk(CExprKind::Call(f, compiled)), ok.then_some(Ty::Num))
}

fn compile_aggregate(
    ck: &mut Checker,
    agg: AggFunc,
    func: &ast::Name,
    args: &[ast::Expr],
    filter: Option<&ast::Expr>,
    span: Span,
    scope: Scope,
) -> (CExpr, Option<Ty>) {
    let list = match args.first().map(|a| (&a.kind, a.span)) {
        Some((ExprKind::Name(n), s)) => match ck.symbols.get(n.as_str()) {
            Some((Symbol::List(l), _)) => Some(*l),
            _ => {
                ck.error(
                    CheckCode::BadArguments,
                    s,
                    format!("`{}` 的第一个参数应为目标清单，`{n}` 不是清单", func.node),
                    "这里",
                );
                None
            }
        },
        Some((_, s)) => {
            ck.error(
                CheckCode::BadArguments,
                s,
                format!("`{}` 的第一个参数应为目标清单的名称", func.node),
                "这里",
            );
            None
        }
        None => {
            ck.error(
                CheckCode::BadArguments,
                span,
                format!("`{}` 需要一个目标清单作参数", func.node),
                "这里",
            );
            None
        }
    };
    if let Some(l) = list {
        for e in filter.into_iter().chain(args.get(1)) {
            check_categories(ck, l, e);
        }
    }
    let item_scope = Scope { item: true, ..scope };
    let filter_c = filter.map(|f| {
        let (c, ty) = compile(ck, f, item_scope);
        expect_ty(ck, f.span, ty, Ty::Bool, "`其中` 的条件");
        Box::new(c)
    });
    let (want_arg, result) = match agg {
        AggFunc::Count => (None, Ty::Num),
        AggFunc::All | AggFunc::Any => (Some(Ty::Bool), Ty::Bool),
        AggFunc::Sum => (Some(Ty::Num), Ty::Num),
    };
    let arg = match (want_arg, args.get(1)) {
        (None, None) => None,
        (Some(want), Some(a)) if args.len() == 2 => {
            let (c, ty) = compile(ck, a, item_scope);
            expect_ty(ck, a.span, ty, want, &format!("`{}` 的第二个参数", func.node));
            Some(Box::new(c))
        }
        _ => {
            let expected = if want_arg.is_some() {
                "清单和一个逐项表达式，例如 `全部(绩效目标 其中 类别 = \"质量指标\", 达成)`"
            } else {
                "只需要清单，例如 `计数(绩效目标 其中 达成)`"
            };
            ck.error(
                CheckCode::BadArguments,
                span,
                format!("`{}` 的参数不对", func.node),
                "这里",
            )
            .help = Some(format!("`{}` 需要{expected}", func.node));
            return (placeholder(span), None);
        }
    };
    match list {
        Some(list) => (
            CExpr {
                kind: CExprKind::Aggregate {
                    func: agg,
                    list,
                    filter: filter_c,
                    arg,
                },
                span,
            },
            Some(result),
        ),
        None => (placeholder(span), None),
    }
}
