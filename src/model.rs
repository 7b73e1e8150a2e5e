//! The checked, compiled rule set: names resolved to numbered slots, constants as
//! [`Number`], an evaluation order. Built only by [`crate::check`]; read by eval and
//! report. Spans are kept where an evaluation error or an explanation must point.

use std::collections::HashMap;
use std::sync::Arc;

use crate::number::Number;

use crate::ast::{BinOp, Display, Interval, Severity, StepDirection, StepUnit, Stepping};
use crate::source::{SourceFile, Span};

/// A runtime value. Lists live beside the slots (see [`crate::data::Record`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(Number),
    Bool(bool),
    Text(Arc<str>),
    /// 无法计算: a computed value that has none for this unit (a zero divisor), and why.
    Undefined(Arc<Undefined>),
}

/// Why a value cannot be computed for a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Undefined {
    /// `除数 上年三公经费预算 为 0`, `缺少 编制人数`.
    pub reason: String,
    /// The divisor, the input's declaration or the failing expression in the rule file.
    pub span: Span,
    pub cause: UndefinedCause,
}

/// What made a value 无法计算. Only a zero divisor is the rule file's to answer
/// (`无法计算时`); the others leave the indicator without a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndefinedCause {
    /// A divisor is 0 for this unit.
    ZeroDivisor,
    /// An input the unit did not report (`--partial`).
    Missing,
    /// Any other failure of the value: past the size bound, no band covers it, a score
    /// outside 0..分值.
    Error,
}

/// How a value that cannot be computed is written in every output.
pub const UNDEFINED_TEXT: &str = "无法计算";

impl Undefined {
    /// `无法计算（除数 `X` 为 0）`: the value as every output writes it.
    pub fn text(&self) -> String {
        format!("{UNDEFINED_TEXT}（{}）", self.reason)
    }
}

impl Value {
    /// A value as stored: numbers exact (`2.015`, `23/29`), 是/否, text, or 无法计算 with why.
    pub fn text(&self) -> String {
        match self {
            Value::Num(n) => n.to_string(),
            Value::Bool(b) => (if *b { "是" } else { "否" }).to_owned(),
            Value::Text(t) => t.to_string(),
            Value::Undefined(u) => u.text(),
        }
    }
}

/// Static type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Num,
    Bool,
    Text,
}

impl Ty {
    pub fn label(self) -> &'static str {
        match self {
            Ty::Num => "数值",
            Ty::Bool => "是/否值",
            Ty::Text => "文本",
        }
    }
}

/// The declared kind of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An amount or count in a unit of measure (万元, 元, 人, 个, 件, 次, 分 …).
    Quantity(&'static str),
    /// A rate, written `95%` or `0.95` in data.
    Percent,
    Bool,
    Text,
}

impl Kind {
    pub fn ty(self) -> Ty {
        match self {
            Kind::Quantity(_) | Kind::Percent => Ty::Num,
            Kind::Bool => Ty::Bool,
            Kind::Text => Ty::Text,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Quantity(unit) => unit,
            Kind::Percent => "百分比",
            Kind::Bool => "是否",
            Kind::Text => "文本",
        }
    }

    /// Whether values are integers (head counts and other counts).
    pub fn is_count(self) -> bool {
        matches!(self, Kind::Quantity("人" | "个" | "件" | "次" | "例" | "项" | "家"))
    }
}

pub const KNOWN_QUANTITIES: &[&str] = &[
    "万元",
    "元",
    "人",
    "个",
    "件",
    "次",
    "例",
    "项",
    "家",
    "分",
    "天",
    "小时",
    "平方米",
    "公里",
];

#[derive(Debug, Clone)]
pub struct InputDef {
    pub name: String,
    pub kind: Kind,
    pub section: Option<String>,
    pub aliases: Vec<String>,
    pub description: Option<String>,
    pub ranges: Vec<Interval>,
    pub default: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ListDef {
    pub name: String,
    pub aliases: Vec<String>,
    pub categories: Vec<String>,
    pub span: Span,
}

/// A computed value: a `计算` or a 三级 indicator's `公式`.
#[derive(Debug, Clone)]
pub struct ComputedDef {
    /// Whether, within the inputs' declared ranges, a divisor in it (or in a value it uses)
    /// may be 0, so that it may be 无法计算 for some unit (set by the interval analysis).
    pub may_be_undefined: bool,
    pub name: String,
    pub slot: usize,
    pub expr: CExpr,
    pub display: Option<Display>,
    pub description: Option<String>,
    /// Whether this is an indicator's formula (else a `计算`).
    pub indicator: Option<usize>,
    /// Names referenced by the formula with their spans, for "values substituted".
    pub refs: Vec<(Span, usize)>,
    /// `复核容差`: how far a unit's stated value may be from this one.
    pub audit_tolerance: Option<Number>,
    /// Where it is declared (for audit findings).
    pub span: Span,
}

/// One node of the indicator tree, in pre-order. Leaves carry a criterion.
#[derive(Debug, Clone)]
pub struct NodeDef {
    pub name: String,
    pub depth: usize,
    pub weight: Number,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub leaf: Option<Leaf>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Leaf {
    /// Slot of the formula value, when the indicator has a formula.
    pub value_slot: Option<usize>,
    pub display: Option<Display>,
    pub formula_span: Option<Span>,
    pub standard: Option<String>,
    pub criterion: CCriterion,
    /// Where the `评分 …` clause is, for diffs and explanations.
    pub criterion_span: Span,
    /// Index among reviewer-scored indicators, for [`crate::data::Record::reviews`].
    pub review_index: Option<usize>,
    /// `无法计算时 …`: the score when the indicator's value cannot be computed (a zero
    /// divisor); the indicator's own, else the file's.
    pub undefined: Option<UndefinedPolicy>,
}

/// `无法计算时 …`, compiled.
#[derive(Debug, Clone)]
pub enum UndefinedPolicy {
    Always(UndefinedOutcome),
    /// `分情况`: the first arm whose condition holds, else `其他`.
    Cases {
        arms: Vec<(CExpr, UndefinedOutcome)>,
        other: UndefinedOutcome,
    },
}

/// A score (`满分` resolved to the 分值) or 不适用.
#[derive(Debug, Clone, PartialEq)]
pub enum UndefinedOutcome {
    Score(Number),
    NotApplicable,
}

#[derive(Debug, Clone)]
pub enum CCriterion {
    Deduct {
        subject: Option<CExpr>,
        baseline: CExpr,
        direction: StepDirection,
        /// The step in the value's own unit (0.01 for `1 百分点`).
        step: Number,
        step_label: String,
        unit: StepUnit,
        per_step: Number,
        stepping: Stepping,
    },
    Ratio {
        subject: Option<CExpr>,
        target: CExpr,
    },
    Bands {
        subject: Option<CExpr>,
        bands: Vec<(Interval, Number)>,
    },
    Pass {
        condition: CExpr,
        otherwise: Number,
    },
    Cases {
        arms: Vec<(CExpr, Number)>,
        other: Number,
    },
    Review,
    Checklist {
        items: Vec<(CExpr, Number)>,
    },
    Formula(CExpr),
    /// Placeholder kept only while checking reported errors; never in a finished model.
    Invalid,
}

#[derive(Debug, Clone)]
pub struct GradeDef {
    pub subject: Option<CExpr>,
    pub bands: Vec<(String, Interval)>,
}

#[derive(Debug, Clone)]
pub struct CheckDef {
    pub name: String,
    pub condition: CExpr,
    /// For `左 = 右` checks and `对照`: both sides, so reports show them and their difference.
    pub sides: Option<(CExpr, CExpr)>,
    /// `对照 … 差额 …`: the known component the two sides may differ by.
    pub difference: Option<CExpr>,
    /// A `对照` (one figure stated in two places) rather than a `勾稽`.
    pub comparison: bool,
    pub tolerance: Number,
    pub severity: Severity,
    pub description: Option<String>,
    pub span: Span,
}

/// A compiled expression: names are slots, operators are enums.
#[derive(Debug, Clone)]
pub struct CExpr {
    pub kind: CExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum CExprKind {
    Const(Value),
    /// A literal written as a percent (`100%`), kept apart so unit checks know it is a rate.
    Percent(Number),
    Slot(usize),
    /// The value a criterion judges (`值`).
    Subject,
    /// The total score (`总分`), inside the grade rule only.
    Total,
    /// A field of the current list item, inside an aggregate.
    Item(ItemField),
    Neg(Box<CExpr>),
    Not(Box<CExpr>),
    Binary(BinOp, Box<CExpr>, Box<CExpr>),
    If(Box<CExpr>, Box<CExpr>, Box<CExpr>),
    Call(Func, Vec<CExpr>),
    Aggregate {
        func: AggFunc,
        list: usize,
        filter: Option<Box<CExpr>>,
        arg: Option<Box<CExpr>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemField {
    Name,
    Category,
    Met,
    /// The numeric target (absent for qualitative targets).
    Target,
    /// The numeric actual (absent for qualitative targets).
    Actual,
    /// Whether both target and actual are numbers (`可量化`).
    Quantified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `万元(x)`: an amount in 元 converted to 万元.
    ToWanYuan,
    /// `元(x)`: an amount in 万元 converted to 元.
    ToYuan,
    Round,
    Min,
    Max,
    Abs,
    Clamp,
    Sum,
    /// `向下取整(x)`, `向下取整(x, 步长)`: the largest integer (multiple of 步长) ≤ x.
    Floor,
    /// `向上取整(x)`, `向上取整(x, 步长)`: the smallest integer (multiple of 步长) ≥ x.
    Ceil,
    /// `就近取整(x, 步长)`: the nearest multiple of 步长, halves away from zero (四舍五入).
    RoundTo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    Count,
    All,
    Any,
    Sum,
}

/// What a data key names, for binding data files (not used per evaluation step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKey {
    Input(usize),
    List(usize),
}

/// The checked, compiled rule set.
#[derive(Debug, Clone)]
pub struct Model {
    pub source: SourceFile,
    /// SHA-256 of the rule file's text as read (provenance on every report).
    pub sha256: String,
    pub title: String,
    pub year: u32,
    pub issuer: String,
    pub full_marks: Number,
    pub score_precision: u32,
    /// `不适用时 …`: how the total is formed when an indicator is 不适用 (required by the
    /// checker when any `无法计算时` can answer 不适用).
    pub not_applicable: Option<crate::ast::NotApplicableRule>,
    pub inputs: Vec<InputDef>,
    pub lists: Vec<ListDef>,
    /// Computed values in evaluation (dependency) order.
    pub computed: Vec<ComputedDef>,
    /// Slot count: inputs first, then computed values.
    pub slot_count: usize,
    /// Slot → display name, for explanations.
    pub slot_names: Vec<String>,
    pub nodes: Vec<NodeDef>,
    /// Indices of the leaves (三级 indicators) in tree order.
    pub leaves: Vec<usize>,
    /// Leaves scored by the reviewer, in order (see [`Leaf::review_index`]).
    pub review_leaves: Vec<usize>,
    pub grades: GradeDef,
    pub checks: Vec<CheckDef>,
    /// Input and list names and aliases → what they bind to.
    pub data_keys: HashMap<String, DataKey>,
}

impl Model {
    /// A `无法计算时` as the bureau reads it: `得 2.5`, `不适用`, `分情况：当 … 得 5；其他 得 0`.
    pub fn policy_text(&self, policy: &UndefinedPolicy) -> String {
        let outcome = |o: &UndefinedOutcome| match o {
            UndefinedOutcome::Score(s) => format!("得 {}", crate::numfmt::format_exact(s.clone())),
            UndefinedOutcome::NotApplicable => "不适用".to_owned(),
        };
        match policy {
            UndefinedPolicy::Always(o) => outcome(o),
            UndefinedPolicy::Cases { arms, other } => {
                let mut parts: Vec<String> = arms
                    .iter()
                    .map(|(c, o)| {
                        let condition = self
                            .source
                            .slice(c.span)
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ");
                        format!("当 {condition} {}", outcome(o))
                    })
                    .collect();
                parts.push(format!("其他 {}", outcome(other)));
                format!("分情况：{}", parts.join("；"))
            }
        }
    }

    pub fn node_path(&self, node: usize) -> Vec<String> {
        let mut path = Vec::new();
        let mut cur = self.nodes.get(node).and_then(|n| n.parent);
        while let Some(p) = cur {
            path.push(self.nodes[p].name.clone());
            cur = self.nodes[p].parent;
        }
        path.reverse();
        path
    }

    /// Display format of a slot's value, if declared (inputs of kind 百分比 show as percent).
    pub fn slot_display(&self, slot: usize) -> Option<Display> {
        if let Some(input) = self.inputs.get(slot) {
            return (input.kind == Kind::Percent).then_some(Display {
                percent: true,
                decimals: 2,
                span: input.span,
            });
        }
        self.computed.iter().find(|c| c.slot == slot).and_then(|c| c.display)
    }
}
