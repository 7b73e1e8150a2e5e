//! Formula expressions: the one precedence table of the language.

use std::sync::LazyLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::grammar::Rule;
use super::lower::{lower_call, lower_primary, LowerResult, Lowerer};
use crate::ast::{BinOp, Expr, ExprKind, UnOp};
use crate::source::Span;

/// Lowest to highest:
/// 1. `或` / `or`
/// 2. `且` / `and`
/// 3. `非` / `not` (prefix)
/// 4. comparisons `= ≠ < ≤ > ≥` (left-associative; chaining is a type error later)
/// 5. `+ -`
/// 6. `× ÷` (`* /`)
/// 7. unary minus
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
        .op(Op::prefix(Rule::op_neg))
        // The grammar puts `( … )` arguments only right after a name.
        .op(Op::postfix(Rule::call))
});

fn binop(rule: Rule) -> Option<BinOp> {
    Some(match rule {
        Rule::op_add => BinOp::Add,
        Rule::op_sub => BinOp::Sub,
        Rule::op_mul => BinOp::Mul,
        Rule::op_div => BinOp::Div,
        Rule::op_eq => BinOp::Eq,
        Rule::op_ne => BinOp::Ne,
        Rule::op_lt => BinOp::Lt,
        Rule::op_le => BinOp::Le,
        Rule::op_gt => BinOp::Gt,
        Rule::op_ge => BinOp::Ge,
        Rule::op_and => BinOp::And,
        Rule::op_or => BinOp::Or,
        _ => return None,
    })
}

/// Lowers an `expr` pair (flat operator/operand sequence) into a tree.
pub(super) fn lower_expr(lw: &Lowerer, pair: Pair<'_, Rule>) -> LowerResult<Expr> {
    let span = pair.as_span();
    let pairs = pair.into_inner();
    // Operator chains become left-deep trees that later stages walk recursively.
    if pairs.len() > MAX_TERMS {
        return Err(lw.too_long(Span::new(span.start(), span.end()), MAX_TERMS));
    }
    // Most formulas' parts are a single name or number (`目标 95%`, `round(值, 2)`): those
    // are one leaf, with nothing for the precedence table to do.
    if pairs.len() == 1 {
        if let Some(only) = pairs.peek() {
            if matches!(
                only.as_rule(),
                Rule::number | Rule::percent | Rule::string | Rule::boolean | Rule::ident
            ) {
                return lower_primary(lw, only);
            }
        }
    }
    let expr = lower_flat(lw, pairs)?;
    if depth(&expr) > MAX_DEPTH {
        return Err(lw.too_deep(expr.span, MAX_DEPTH));
    }
    Ok(expr)
}

/// Operands, operators and prefixes one expression may chain without parentheses.
pub const MAX_TERMS: usize = 512;

/// Levels one formula's tree may have. The checker, evaluator and explanations walk
/// formulas recursively, so this bounds their stack use whatever the nesting; a chain of
/// [`MAX_TERMS`] is at most 256 levels deep.
pub const MAX_DEPTH: usize = 256;

/// The number of levels of a formula tree (without recursion: the tree may be deep).
fn depth(e: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(e, 1)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        match &e.kind {
            ExprKind::Unary(_, a) => stack.push((a, d + 1)),
            ExprKind::Binary(_, a, b) => stack.extend([(&**a, d + 1), (&**b, d + 1)]),
            ExprKind::If(c, t, f) => stack.extend([(&**c, d + 1), (&**t, d + 1), (&**f, d + 1)]),
            ExprKind::Call { args, filter, .. } => {
                stack.extend(args.iter().map(|a| (a, d + 1)));
                stack.extend(filter.iter().map(|f| (&**f, d + 1)));
            }
            ExprKind::Number { .. } | ExprKind::Text(_) | ExprKind::Bool(_) | ExprKind::Name(_) => {}
        }
    }
    deepest
}

fn lower_flat(lw: &Lowerer, pairs: Pairs<'_, Rule>) -> LowerResult<Expr> {
    PRATT
        .map_primary(|p| lower_primary(lw, p))
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let span = Span::new(op.as_span().start(), rhs.span.end);
            let unop = if op.as_rule() == Rule::op_not {
                UnOp::Not
            } else {
                UnOp::Neg
            };
            Ok(Expr {
                kind: ExprKind::Unary(unop, Box::new(rhs)),
                span,
            })
        })
        .map_postfix(|lhs, args| lower_call(lw, lhs?, args))
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let op = binop(op.as_rule()).ok_or_else(|| lw.internal(&op))?;
            let span = lhs.span.to(rhs.span);
            Ok(Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            })
        })
        .parse(pairs)
}
