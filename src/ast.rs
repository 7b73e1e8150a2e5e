//! The owned, spanned syntax tree of a rule file. No pest types here: operators and
//! keywords are enums, numbers are already exact [`Decimal`]s.

use std::fmt;

use rust_decimal::Decimal;

use crate::number::Number;

use crate::source::{Span, Spanned};

pub type Name = Spanned<String>;

/// A parsed rule file: its items in source order.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// `基于 "…"`: the file this one changes.
    pub base: Option<Spanned<String>>,
    pub items: Vec<Item>,
    /// The source span of each item (same order as `items`), for merging files.
    pub item_spans: Vec<Span>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Title(Spanned<String>),
    Year(Spanned<u32>),
    Issuer(Spanned<String>),
    FullMarks(Spanned<Decimal>),
    DefaultStepping(Spanned<Stepping>),
    ScorePrecision(Spanned<u32>),
    /// `无法计算时 得 …` at file level.
    UndefinedDefault(Spanned<UndefinedPolicy>),
    /// `不适用时 按适用分值折算`: how the total is formed when an indicator is 不适用.
    NotApplicableRule(Spanned<NotApplicableRule>),
    Input(Box<InputDecl>),
    TargetList(TargetListDecl),
    Let(Box<LetDecl>),
    Node(Box<Node>),
    Grades(Grades),
    Check(Check),
    Compare(Compare),
    /// `替换 三级 …`: a new definition in place of the base file's node of that name.
    Replace(Box<Node>),
    /// `删除 三级 名称`.
    Delete {
        kind: Spanned<String>,
        name: Name,
    },
    /// `新增 三级 … 于 二级 名称`.
    Add {
        node: Box<Node>,
        parent: Name,
    },
    /// `调整 二级 名称 分值 12`.
    Adjust {
        name: Name,
        weight: Spanned<Decimal>,
    },
    Test(TestCase),
}

/// `测试 "…" { 数据 "…" 设 … 期望 … }`.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: Spanned<String>,
    pub data: Option<Spanned<String>>,
    pub sets: Vec<TestSet>,
    pub expects: Vec<Expect>,
    pub span: Span,
}

/// `设 评审.经济效益 = 4`.
#[derive(Debug, Clone)]
pub struct TestSet {
    pub path: Spanned<Vec<String>>,
    pub value: Spanned<Literal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectSubject {
    Grade,
    /// An indicator's or computed value's value; `总分` for the total.
    Value(String),
    /// An indicator's or category's score.
    Score(String),
}

/// `期望 财政供养人员控制率 得分 = 5`. `text` is the value as written, so it can be
/// compared at the precision it was written with.
#[derive(Debug, Clone)]
pub struct Expect {
    pub subject: Spanned<ExpectSubject>,
    pub text: Spanned<String>,
    pub span: Span,
}

/// `输入 编制人数: 人 { … }`.
#[derive(Debug, Clone)]
pub struct InputDecl {
    pub name: Name,
    pub kind: Name,
    pub section: Option<String>,
    pub aliases: Vec<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub ranges: Vec<Interval>,
    pub default: Option<Spanned<Literal>>,
}

/// `目标清单 绩效目标 { … }`.
#[derive(Debug, Clone)]
pub struct TargetListDecl {
    pub name: Name,
    pub aliases: Vec<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub categories: Vec<Spanned<String>>,
}

/// `计算 名称 = 表达式 显示 百分比 2`.
#[derive(Debug, Clone)]
pub struct LetDecl {
    pub name: Name,
    pub expr: Expr,
    pub display: Option<Display>,
    pub description: Option<Spanned<String>>,
    pub audit_tolerance: Option<Spanned<Decimal>>,
}

/// `显示 百分比 2`: how a value is printed (rounded 四舍五入 for display only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Display {
    pub percent: bool,
    pub decimals: u32,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    One,
    Two,
    Three,
}

impl Level {
    pub fn depth(self) -> usize {
        match self {
            Level::One => 1,
            Level::Two => 2,
            Level::Three => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::One => "一级",
            Level::Two => "二级",
            Level::Three => "三级",
        }
    }
}

/// A node of the indicator tree (一级/二级/三级).
#[derive(Debug, Clone)]
pub struct Node {
    /// The whole node, from its level keyword to its closing `}`.
    pub span: Span,
    pub level: Spanned<Level>,
    pub name: Name,
    pub weight: Spanned<Decimal>,
    pub children: Vec<Node>,
    pub formula: Option<Expr>,
    pub display: Option<Display>,
    pub standard: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub scoring: Option<Criterion>,
    /// `复核容差`: how far a stated value may be from the recomputed one.
    pub audit_tolerance: Option<Spanned<Decimal>>,
    /// `无法计算时 …`: the score when the value cannot be computed.
    pub undefined: Option<Spanned<UndefinedPolicy>>,
    /// The `{` that opened this node, for "unclosed" and "has no criterion" messages.
    pub open: Span,
}

/// What an indicator whose value cannot be computed scores (`无法计算时 …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndefinedOutcome {
    /// `得 满分`: the indicator's 分值.
    FullMarks,
    /// `得 2.5`.
    Score(Decimal),
    /// `不适用`: the indicator leaves the unit's scoring (see [`NotApplicableRule`]).
    NotApplicable,
}

/// `无法计算时 …`: one outcome, or `分情况` on the unit's other values.
#[derive(Debug, Clone)]
pub enum UndefinedPolicy {
    Always(UndefinedOutcome),
    Cases {
        arms: Vec<(Expr, Spanned<UndefinedOutcome>)>,
        other: Spanned<UndefinedOutcome>,
    },
}

/// How a unit's total is formed when some of its indicators are 不适用.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApplicableRule {
    /// 按适用分值折算: total = earned ÷ the applicable indicators' 分值 × 满分.
    RescaleTotal,
    /// 按同级分值折算: a 不适用 indicator's 分值 goes to its siblings in proportion, so each
    /// category keeps its 分值 (subtotal = earned ÷ applicable 分值 × the category's 分值).
    RescaleSiblings,
    /// 按得分率定级: the total is what was earned, out of the reduced maximum; the grade
    /// follows the rate (total ÷ reduced maximum × 满分).
    GradeByRate,
}

impl NotApplicableRule {
    pub fn label(self) -> &'static str {
        match self {
            NotApplicableRule::RescaleTotal => "按适用分值折算",
            NotApplicableRule::RescaleSiblings => "按同级分值折算",
            NotApplicableRule::GradeByRate => "按得分率定级",
        }
    }
}

/// How partial steps of a per-step deduction are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stepping {
    /// 连续: deduct in proportion to the exact excess.
    Continuous,
    /// 整步: only whole steps count.
    Whole,
    /// 进位: any started step counts as a whole one.
    Started,
}

impl Stepping {
    pub fn label(self) -> &'static str {
        match self {
            Stepping::Continuous => "连续",
            Stepping::Whole => "整步",
            Stepping::Started => "进位",
        }
    }
}

/// Which side of the baseline a per-step deduction counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepDirection {
    /// 每超过: value above the baseline.
    Above,
    /// 每低于: value below the baseline.
    Below,
    /// 每偏离: distance from the baseline either way.
    Deviation,
}

impl StepDirection {
    pub fn label(self) -> &'static str {
        match self {
            StepDirection::Above => "每超过",
            StepDirection::Below => "每低于",
            StepDirection::Deviation => "每偏离",
        }
    }
}

/// The unit a deduction step is counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepUnit {
    /// 百分点: 0.01 of a rate.
    PercentagePoint,
    /// A counting word (个, 例, 人 …) or none: the value's own unit.
    Plain(Option<String>),
}

#[derive(Debug, Clone)]
pub struct Criterion {
    pub kind: CriterionKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum CriterionKind {
    /// `扣分 { 基准 100% 每超过 1 百分点 扣 0.5 }`.
    Deduct {
        subject: Option<Expr>,
        baseline: Expr,
        direction: Spanned<StepDirection>,
        /// The step as written (`1` in `每超过 1 百分点`).
        step_size: Spanned<Decimal>,
        step_unit: Spanned<StepUnit>,
        /// Points deducted per step.
        per_step: Spanned<Decimal>,
        stepping: Option<Spanned<Stepping>>,
    },
    /// `比例 { 目标 95% }`.
    Ratio { subject: Option<Expr>, target: Expr },
    /// `分档 { >= 90% 得 5 … }`.
    Bands { subject: Option<Expr>, bands: Vec<Band> },
    /// `达标 { 条件 … 否则 得 0 }`.
    Pass {
        condition: Expr,
        otherwise: Option<Spanned<Decimal>>,
    },
    /// `分情况 { 当 … 得 3 … 其他 得 0 }`.
    Cases {
        arms: Vec<CaseArm>,
        other: Spanned<Decimal>,
    },
    /// `评审`.
    Review,
    /// `清单 { 项 … 扣 1 }`.
    Checklist { items: Vec<ChecklistItem> },
    /// `公式 …`.
    Formula(Expr),
}

#[derive(Debug, Clone)]
pub struct Band {
    pub interval: Interval,
    pub score: Spanned<Decimal>,
}

#[derive(Debug, Clone)]
pub struct CaseArm {
    pub condition: Expr,
    pub score: Spanned<Decimal>,
}

#[derive(Debug, Clone)]
pub struct ChecklistItem {
    pub condition: Expr,
    pub deduct: Spanned<Decimal>,
}

/// One end of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub value: Decimal,
    pub inclusive: bool,
}

/// `>= 90%`, `[80%, 90%)`, `= 0` …; `None` ends are unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub lower: Option<Bound>,
    pub upper: Option<Bound>,
    /// Whether the bounds were written as percents (for printing).
    pub percent: bool,
    pub span: Span,
}

impl Interval {
    /// Whether the exact value `x` lies inside (bounds are compared exactly).
    pub fn contains(&self, x: &Number) -> bool {
        let lower_ok = self.lower.is_none_or(|b| {
            let v = Number::from_decimal(b.value);
            if b.inclusive {
                *x >= v
            } else {
                *x > v
            }
        });
        let upper_ok = self.upper.is_none_or(|b| {
            let v = Number::from_decimal(b.value);
            if b.inclusive {
                *x <= v
            } else {
                *x < v
            }
        });
        lower_ok && upper_ok
    }
}

/// `等级 依据 round(总分, 2) { 优秀 >= 90 … }`.
#[derive(Debug, Clone)]
pub struct Grades {
    pub subject: Option<Expr>,
    pub bands: Vec<GradeBand>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct GradeBand {
    pub name: Name,
    pub interval: Interval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// `勾稽 名称 { 左 = 右 容差 0.005 级别 错误 }`.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: Name,
    pub condition: Expr,
    pub tolerance: Option<Spanned<Decimal>>,
    pub severity: Option<Spanned<Severity>>,
    pub description: Option<Spanned<String>>,
}

/// `对照 名称 { 甲 与 乙 差额 丙 }`: one figure stated in two places.
#[derive(Debug, Clone)]
pub struct Compare {
    pub name: Name,
    pub left: Expr,
    pub right: Expr,
    pub difference: Option<Expr>,
    pub tolerance: Option<Spanned<Decimal>>,
    pub severity: Option<Spanned<Severity>>,
    pub description: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Number { value: Decimal, percent: bool },
    Text(String),
    Bool(bool),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Number {
        value: Decimal,
        percent: bool,
    },
    Text(String),
    Bool(bool),
    Name(String),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Call {
        func: Name,
        args: Vec<Expr>,
        filter: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "×",
            BinOp::Div => "÷",
            BinOp::Eq => "=",
            BinOp::Ne => "≠",
            BinOp::Lt => "<",
            BinOp::Le => "≤",
            BinOp::Gt => ">",
            BinOp::Ge => "≥",
            BinOp::And => "且",
            BinOp::Or => "或",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

/// Fully parenthesised form, used by precedence tests.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Number { value, percent } => {
                if *percent {
                    write!(f, "{}%", (*value * Decimal::ONE_HUNDRED).normalize())
                } else {
                    write!(f, "{value}")
                }
            }
            ExprKind::Text(s) => write!(f, "{s:?}"),
            ExprKind::Bool(b) => write!(f, "{}", if *b { "是" } else { "否" }),
            ExprKind::Name(n) => write!(f, "{n}"),
            ExprKind::Unary(UnOp::Neg, e) => write!(f, "(-{e})"),
            ExprKind::Unary(UnOp::Not, e) => write!(f, "(非 {e})"),
            ExprKind::Binary(op, l, r) => write!(f, "({l} {} {r})", op.symbol()),
            ExprKind::If(c, t, e) => write!(f, "(如果 {c} 则 {t} 否则 {e})"),
            ExprKind::Call { func, args, filter } => {
                write!(f, "{}(", func.node)?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                    if i == 0 {
                        if let Some(flt) = filter {
                            write!(f, " 其中 {flt}")?;
                        }
                    }
                }
                write!(f, ")")
            }
        }
    }
}
