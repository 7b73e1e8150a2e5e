//! The computed values of a model as one flat program over numbered registers.
//!
//! [`super::evaluate_into`] walks each value's expression tree: a `match`, a recursive
//! call and a `Result` per node. For many units of one rule set, [`Evaluator`] first
//! compiles the model's computed values (`计算` and indicator formulas, already in
//! dependency order) into a single list of register operations: every slot, constant
//! and intermediate result is a numbered `Number` register, constants are loaded once,
//! `如果`/`且`/`或` are jumps, so a unit's values cost one pass over a flat array with no
//! lookups and no allocation. Scores, subtotals, grade and cross-checks then run as
//! before on the filled slots.
//!
//! The program uses the very same arithmetic (`value::add` … `round_half_away`,
//! `Number::max`/`min` in the same order) as the tree walker, so where it succeeds it
//! computes the same values. Where it does not — a division by zero, an overflow, a
//! `clamp` with crossed bounds — it gives up and the unit is evaluated again by the tree
//! walker, which produces the result or the error with its usual message and place.
//! A model the program cannot express (text or yes/no values, target lists, `值`) is
//! simply always evaluated by the tree walker.

use crate::number::Number;

use super::{evaluate_into, EvalError, Outcome};
use crate::ast::BinOp;
use crate::data::Record;
use crate::model::{CExpr, CExprKind, Func, Kind, Model, Value};
use crate::numfmt::round_half_away;

type Reg = u32;

#[derive(Debug, Clone, Copy)]
enum Op {
    Neg(Reg, Reg),
    Add(Reg, Reg, Reg),
    Sub(Reg, Reg, Reg),
    Mul(Reg, Reg, Reg),
    Div(Reg, Reg, Reg),
    Round(Reg, Reg, u32),
    Max(Reg, Reg, Reg),
    Min(Reg, Reg, Reg),
    Abs(Reg, Reg),
    /// `clamp(x, lo, hi)`: gives up when lo > hi (the tree walker reports it).
    Clamp(Reg, [Reg; 3]),
    Move(Reg, Reg),
    /// A yes/no register from a comparison of two number registers.
    Cmp(Reg, BinOp, Reg, Reg),
    /// `=`/`≠` of two number registers.
    Eq(Reg, bool, Reg, Reg),
    SetBool(Reg, bool),
    Not(Reg, Reg),
    MoveBool(Reg, Reg),
    JumpIfFalse(Reg, usize),
    JumpIfTrue(Reg, usize),
    Jump(usize),
}

/// The model's computed values as register operations (see the module documentation).
#[derive(Debug, Clone)]
pub struct Program {
    ops: Vec<Op>,
    /// Initial register contents: slots are filled per unit, constants are set here.
    regs: Vec<Number>,
    bools: usize,
    /// Inputs copied into registers per unit (the numeric ones the program reads).
    inputs: Vec<usize>,
    /// Slots of the computed values, in order, as the program leaves them.
    computed: Vec<usize>,
}

struct Compiler<'m> {
    model: &'m Model,
    ops: Vec<Op>,
    regs: Vec<Number>,
    bools: u32,
    /// Which slots hold numbers (inputs by kind; computed values once compiled).
    numeric: Vec<bool>,
}

impl Compiler<'_> {
    fn temp(&mut self) -> Reg {
        self.regs.push(Number::ZERO);
        (self.regs.len() - 1) as Reg
    }

    fn constant(&mut self, n: Number) -> Reg {
        self.regs.push(n);
        (self.regs.len() - 1) as Reg
    }

    fn temp_bool(&mut self) -> Reg {
        self.bools += 1;
        self.bools - 1
    }

    /// A number-typed expression into a register; `None` if the program cannot express it.
    fn num(&mut self, e: &CExpr) -> Option<Reg> {
        Some(match &e.kind {
            CExprKind::Const(Value::Num(n)) | CExprKind::Percent(n) => self.constant(n.clone()),
            CExprKind::Slot(s) if *self.numeric.get(*s)? => *s as Reg,
            CExprKind::Neg(a) => {
                let a = self.num(a)?;
                let d = self.temp();
                self.ops.push(Op::Neg(d, a));
                d
            }
            CExprKind::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                let d = self.temp();
                self.ops.push(match op {
                    BinOp::Add => Op::Add(d, a, b),
                    BinOp::Sub => Op::Sub(d, a, b),
                    BinOp::Mul => Op::Mul(d, a, b),
                    _ => Op::Div(d, a, b),
                });
                d
            }
            CExprKind::If(c, t, f) => {
                let c = self.cond(c)?;
                let d = self.temp();
                let jump = self.ops.len();
                self.ops.push(Op::JumpIfFalse(c, 0));
                let t = self.num(t)?;
                self.ops.push(Op::Move(d, t));
                let skip = self.ops.len();
                self.ops.push(Op::Jump(0));
                self.ops[jump] = Op::JumpIfFalse(c, self.ops.len());
                let f = self.num(f)?;
                self.ops.push(Op::Move(d, f));
                self.ops[skip] = Op::Jump(self.ops.len());
                d
            }
            CExprKind::Call(func, args) => self.call(*func, args)?,
            _ => return None,
        })
    }

    fn call(&mut self, func: Func, args: &[CExpr]) -> Option<Reg> {
        let regs = args.iter().map(|a| self.num(a)).collect::<Option<Vec<Reg>>>()?;
        let d = self.temp();
        match (func, regs.as_slice()) {
            (Func::Round, [x, _]) => {
                // The places are a constant 0..20 (checked); as the tree walker reads them.
                let CExprKind::Const(Value::Num(n)) = &args[1].kind else {
                    return None;
                };
                let dp = n.to_u32().unwrap_or(0);
                self.ops.push(Op::Round(d, *x, dp));
            }
            (Func::Abs, [x]) => self.ops.push(Op::Abs(d, *x)),
            (Func::Clamp, [x, lo, hi]) => self.ops.push(Op::Clamp(d, [*x, *lo, *hi])),
            (Func::ToWanYuan, [x]) => {
                let k = self.constant(Number::from(10_000));
                self.ops.push(Op::Div(d, *x, k));
            }
            (Func::ToYuan, [x]) => {
                let k = self.constant(Number::from(10_000));
                self.ops.push(Op::Mul(d, *x, k));
            }
            // The same folds as the tree walker: max and min from the first argument, sums
            // from zero, argument by argument.
            (Func::Max | Func::Min | Func::Sum, all) => {
                let (start, rest) = match (func, all) {
                    (Func::Max | Func::Min, [first, rest @ ..]) => (*first, rest),
                    (Func::Max | Func::Min, []) => return None,
                    _ => (self.constant(Number::ZERO), all),
                };
                self.ops.push(Op::Move(d, start));
                for &a in rest {
                    self.ops.push(match func {
                        Func::Max => Op::Max(d, d, a),
                        Func::Min => Op::Min(d, d, a),
                        _ => Op::Add(d, d, a),
                    });
                }
            }
            _ => return None,
        }
        Some(d)
    }

    /// A yes/no expression into a bool register.
    fn cond(&mut self, e: &CExpr) -> Option<Reg> {
        Some(match &e.kind {
            CExprKind::Const(Value::Bool(v)) => {
                let d = self.temp_bool();
                self.ops.push(Op::SetBool(d, *v));
                d
            }
            CExprKind::Not(a) => {
                let a = self.cond(a)?;
                let d = self.temp_bool();
                self.ops.push(Op::Not(d, a));
                d
            }
            CExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let d = self.temp_bool();
                let a = self.cond(a)?;
                self.ops.push(Op::MoveBool(d, a));
                let jump = self.ops.len();
                self.ops.push(Op::Jump(0));
                let b = self.cond(b)?;
                self.ops.push(Op::MoveBool(d, b));
                let end = self.ops.len();
                self.ops[jump] = if *op == BinOp::And {
                    Op::JumpIfFalse(d, end)
                } else {
                    Op::JumpIfTrue(d, end)
                };
                d
            }
            CExprKind::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                let d = self.temp_bool();
                self.ops.push(Op::Cmp(d, *op, a, b));
                d
            }
            CExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                let d = self.temp_bool();
                self.ops.push(Op::Eq(d, *op == BinOp::Eq, a, b));
                d
            }
            CExprKind::If(c, t, f) => {
                let c = self.cond(c)?;
                let d = self.temp_bool();
                let jump = self.ops.len();
                self.ops.push(Op::JumpIfFalse(c, 0));
                let t = self.cond(t)?;
                self.ops.push(Op::MoveBool(d, t));
                let skip = self.ops.len();
                self.ops.push(Op::Jump(0));
                self.ops[jump] = Op::JumpIfFalse(c, self.ops.len());
                let f = self.cond(f)?;
                self.ops.push(Op::MoveBool(d, f));
                self.ops[skip] = Op::Jump(self.ops.len());
                d
            }
            _ => return None,
        })
    }
}

impl Program {
    /// Compiles the model's computed values; `None` if any of them is not a number the
    /// program can express (the tree walker then evaluates everything).
    pub fn new(model: &Model) -> Option<Program> {
        let mut numeric = vec![false; model.slot_count];
        let mut inputs = Vec::new();
        for (i, input) in model.inputs.iter().enumerate() {
            if matches!(input.kind, Kind::Quantity(_) | Kind::Percent) {
                numeric[i] = true;
                inputs.push(i);
            }
        }
        let mut c = Compiler {
            model,
            ops: Vec::new(),
            regs: vec![Number::ZERO; model.slot_count],
            bools: 0,
            numeric,
        };
        for computed in &c.model.computed {
            let r = c.num(&computed.expr)?;
            c.ops.push(Op::Move(computed.slot as Reg, r));
            c.numeric[computed.slot] = true;
        }
        Some(Program {
            ops: c.ops,
            regs: c.regs,
            bools: c.bools as usize,
            inputs,
            computed: model.computed.iter().map(|c| c.slot).collect(),
        })
    }

    /// Runs the program on registers whose input slots are filled; `None` where it gives up.
    fn run(&self, r: &mut [Number], b: &mut [bool]) -> Option<()> {
        let mut pc = 0;
        while let Some(op) = self.ops.get(pc) {
            pc += 1;
            let at = |x: Reg| x as usize;
            match *op {
                Op::Neg(d, a) => {
                    let v = -r[at(a)].clone();
                    r[at(d)].set(v);
                }
                Op::Add(d, x, y) => {
                    let v = r[at(x)].add(&r[at(y)]).ok()?;
                    r[at(d)].set(v);
                }
                Op::Sub(d, x, y) => {
                    let v = r[at(x)].sub(&r[at(y)]).ok()?;
                    r[at(d)].set(v);
                }
                Op::Mul(d, x, y) => {
                    let v = r[at(x)].mul(&r[at(y)]).ok()?;
                    r[at(d)].set(v);
                }
                Op::Div(d, x, y) => {
                    let v = r[at(x)].div(&r[at(y)]).ok()?;
                    r[at(d)].set(v);
                }
                Op::Round(d, x, dp) => {
                    let v = round_half_away(r[at(x)].clone(), dp).ok()?;
                    r[at(d)].set(v);
                }
                // As `Ord::max`/`min`: the second argument when equal.
                Op::Max(d, x, y) => {
                    let v = if r[at(x)] > r[at(y)] { &r[at(x)] } else { &r[at(y)] }.clone();
                    r[at(d)].set(v);
                }
                Op::Min(d, x, y) => {
                    let v = if r[at(x)] <= r[at(y)] { &r[at(x)] } else { &r[at(y)] }.clone();
                    r[at(d)].set(v);
                }
                Op::Abs(d, x) => {
                    let v = r[at(x)].clone().abs();
                    r[at(d)].set(v);
                }
                Op::Clamp(d, [x, lo, hi]) => {
                    if r[at(lo)] > r[at(hi)] {
                        return None;
                    }
                    let v = r[at(x)].clone().max(r[at(lo)].clone()).min(r[at(hi)].clone());
                    r[at(d)].set(v);
                }
                Op::Move(d, x) => {
                    let v = r[at(x)].clone();
                    r[at(d)].set(v);
                }
                Op::Cmp(d, op, x, y) => {
                    let (x, y) = (&r[at(x)], &r[at(y)]);
                    b[at(d)] = match op {
                        BinOp::Lt => x < y,
                        BinOp::Le => x <= y,
                        BinOp::Gt => x > y,
                        _ => x >= y,
                    };
                }
                Op::Eq(d, eq, x, y) => b[at(d)] = (r[at(x)] == r[at(y)]) == eq,
                Op::SetBool(d, v) => b[at(d)] = v,
                Op::Not(d, x) => b[at(d)] = !b[at(x)],
                Op::MoveBool(d, x) => b[at(d)] = b[at(x)],
                Op::JumpIfFalse(c, to) => {
                    if !b[at(c)] {
                        pc = to;
                    }
                }
                Op::JumpIfTrue(c, to) => {
                    if b[at(c)] {
                        pc = to;
                    }
                }
                Op::Jump(to) => pc = to,
            }
        }
        Some(())
    }
}

/// Evaluates many units of one model: the flat [`Program`] for the computed values when
/// the model allows it, the tree walker otherwise; reused registers. Same results and
/// errors as [`super::evaluate_into`].
pub struct Evaluator<'m> {
    model: &'m Model,
    program: Option<Program>,
    regs: Vec<Number>,
    bools: Vec<bool>,
}

impl<'m> Evaluator<'m> {
    pub fn new(model: &'m Model) -> Evaluator<'m> {
        let program = Program::new(model);
        let (regs, bools) = match &program {
            Some(p) => (p.regs.clone(), vec![false; p.bools]),
            None => (Vec::new(), Vec::new()),
        };
        Evaluator {
            model,
            program,
            regs,
            bools,
        }
    }

    /// Whether the computed values run as a flat program (else by the tree walker).
    pub fn compiled(&self) -> bool {
        self.program.is_some()
    }

    /// Evaluates one unit into `out` (reusing its buffers).
    pub fn evaluate_into(&mut self, record: &Record, out: &mut Outcome) -> Result<(), Box<EvalError>> {
        let model = self.model;
        let Some(program) = &self.program else {
            return evaluate_into(model, record, out);
        };
        for &i in &program.inputs {
            match record.values.get(i) {
                Some(Value::Num(n)) => self.regs[i] = n.clone(),
                _ => return evaluate_into(model, record, out),
            }
        }
        if program.run(&mut self.regs, &mut self.bools).is_none() {
            return evaluate_into(model, record, out);
        }
        let mut slots = std::mem::take(&mut out.slots);
        slots.clear();
        slots.reserve(model.slot_count);
        for v in &record.values {
            slots.push(super::copy(v));
        }
        for &s in &program.computed {
            slots.push(Value::Num(self.regs[s].clone()));
        }
        super::finish(model, record, slots, out)
    }
}
