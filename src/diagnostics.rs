//! Every error and warning jixiao reports, as data: a code, a Chinese message, the
//! places it points at and a hint. Rendering happens in one place ([`render_plain`]
//! for tests and the CLI's miette handler for terminals).

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

use crate::source::{SourceFile, Span};
use serde::Serialize;

/// The rule text a diagnostic points into, for miette to cut excerpts from.
///
/// miette joins the excerpts of two labels when `line + line_count` of the first reaches
/// the line of the second, but its own `line_count` counts the lines from the start of the
/// file: two labels on lines 138 and 177 printed the 40 lines between them, and a weights
/// error over the whole tree about 200 (issue 19). Here `line_count` is what miette's
/// documentation says it is — the lines of the excerpt — so only excerpts that touch are
/// joined and far-apart labels get an excerpt each.
#[derive(Debug, Clone)]
pub(crate) struct Excerpts(SourceFile);

impl Excerpts {
    pub(crate) fn new(source: &SourceFile) -> Self {
        Excerpts(source.clone())
    }

    fn name(&self) -> &str {
        &self.0.name
    }

    fn source(&self) -> &SourceFile {
        &self.0
    }
}

impl SourceCode for Excerpts {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = (*self.0.text).read_span(span, context_lines_before, context_lines_after)?;
        let data = inner.data();
        let lines = data.iter().filter(|b| **b == b'\n').count() + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name().to_owned(),
            data,
            *inner.span(),
            inner.line(),
            inner.column(),
            lines,
        )))
    }
}

/// A syntax error: the first place the text stops being a rule file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("语法错误：{message}")]
#[diagnostic(code(jixiao::syntax))]
pub struct SyntaxError {
    #[source_code]
    src: Excerpts,
    #[label("{label}")]
    at: SourceSpan,
    #[label("{opened_label}")]
    opened_at: Option<SourceSpan>,
    opened_label: String,
    message: String,
    label: String,
    #[help]
    help: Option<String>,
    line: usize,
    column: usize,
}

impl SyntaxError {
    pub(crate) fn new(source: &SourceFile, span: Span, message: String, label: String, help: Option<String>) -> Self {
        let (line, column) = source.line_col(span.start);
        SyntaxError {
            src: Excerpts::new(source),
            at: span.into(),
            opened_at: None,
            opened_label: String::new(),
            message,
            label,
            help,
            line,
            column,
        }
    }

    pub(crate) fn with_opened_at(mut self, span: Span) -> Self {
        self.opened_at = Some(span.into());
        self.opened_label = "这个代码块没有闭合的 `}`".into();
        self
    }

    /// A second place, labelled (an unclosed `(`).
    pub(crate) fn with_second_label(mut self, span: Span, label: String) -> Self {
        self.opened_at = Some(span.into());
        self.opened_label = label;
        self
    }

    /// The message without the `语法错误：` prefix (`此处应为 数字`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The text under the caret: what was found there (``这里是 `=` ``).
    pub fn label_text(&self) -> &str {
        &self.label
    }

    /// A hint for the usual fix, when there is one.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The name of the rule file it is in.
    pub fn file_name(&self) -> &str {
        self.src.name()
    }

    /// Byte offsets of the error in the rule file.
    pub fn span(&self) -> Span {
        Span::new(self.at.offset(), self.at.offset() + self.at.len())
    }

    /// 1-based line and column (in characters) of the error.
    pub fn line_col(&self) -> (usize, usize) {
        (self.line, self.column)
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Reported, but the rule file still compiles ([`crate::Rules::warnings`]).
    Warning,
    /// The rule file does not compile.
    Error,
}

/// Declares [`CheckCode`] with its stable codes, and [`CheckCode::ALL`], from one list.
macro_rules! check_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// What a check diagnostic is about; each has a stable code (`jixiao::check::…`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum CheckCode {
            $($(#[$doc])* $variant,)*
        }

        impl CheckCode {
            /// Every code, in the order declared.
            pub const ALL: &[CheckCode] = &[$(CheckCode::$variant),*];

            /// The stable code, e.g. `jixiao::check::unknown_name` (docs/diagnostics.md
            /// explains each).
            pub fn code(self) -> &'static str {
                match self {
                    $(CheckCode::$variant => $code,)*
                }
            }
        }
    };
}

check_codes! {
    /// A name that is not defined, or `值`/`总分` used where they mean nothing.
    UnknownName => "jixiao::check::unknown_name",
    /// A `类别 = "…"` naming no declared category of the list.
    UnknownCategory => "jixiao::check::unknown_category",
    /// Two inputs, values, indicators, aliases, grades or checks with the same name.
    DuplicateName => "jixiao::check::duplicate_name",
    /// A header item (`标题`, `年度`, `满分` …) or `等级` written twice.
    DuplicateHeader => "jixiao::check::duplicate_header",
    /// `标题`, `年度` or `满分` missing, or no `计步` where a `扣分` needs one.
    MissingHeader => "jixiao::check::missing_header",
    /// Computed values that refer to each other in a cycle.
    Cycle => "jixiao::check::cycle",
    /// Numbers, 是/否 values and text mixed up.
    TypeMismatch => "jixiao::check::type_mismatch",
    /// A function that does not exist.
    UnknownFunction => "jixiao::check::unknown_function",
    /// A function called with the wrong number or kind of arguments.
    BadArguments => "jixiao::check::bad_arguments",
    /// An input type that does not exist (not 万元, 人, 百分比, 是否, 文本 …).
    UnknownKind => "jixiao::check::unknown_kind",
    /// A `缺失时` or `范围` that does not fit the input's type or range.
    BadDefault => "jixiao::check::bad_default",
    /// Indicators not nested 一级 → 二级 → 三级, or a 一级/二级 without children.
    LevelNesting => "jixiao::check::level_nesting",
    /// A 三级 indicator without `评分`.
    MissingCriterion => "jixiao::check::missing_criterion",
    /// A way of scoring that needs a value, on an indicator without `公式`.
    MissingFormula => "jixiao::check::missing_formula",
    /// `公式` or `评分` on a 一级 or 二级 indicator.
    MisplacedCriterion => "jixiao::check::misplaced_criterion",
    /// Children's 分值 that do not add up to their parent's (or the top level's to `满分`).
    WeightSum => "jixiao::check::weights_sum",
    /// A 分值 or deduction that is not positive, a written score outside 0 to the 分值, or a
    /// malformed `无法计算时`/`不适用时`.
    BadWeight => "jixiao::check::bad_weight",
    /// No `等级` section.
    MissingGrades => "jixiao::check::missing_grades",
    /// A malformed `勾稽` or `对照`.
    BadCheck => "jixiao::check::cross_check",
    /// `round`'s number of places is not a constant.
    NotConstant => "jixiao::check::not_constant",
    /// A divisor written as the constant 0: no unit could be computed.
    ZeroDivisor => "jixiao::check::zero_divisor",
    /// (Warning.) A scored value whose divisor may be 0 within the inputs' ranges, on an
    /// indicator without `无法计算时`.
    MayBeUndefined => "jixiao::check::may_be_undefined",
    /// Units of measure that do not agree (`人` compared with `万元` …).
    UnitMismatch => "jixiao::check::unit_mismatch",
    /// (Warning.) A rate compared with 100: probably a missing `%`.
    UnitSuspicious => "jixiao::check::missing_percent",
    /// Scoring bands or grade bands with a gap.
    BandGap => "jixiao::check::band_gap",
    /// Scoring bands or grade bands that overlap.
    BandOverlap => "jixiao::check::band_overlap",
    /// (Warning.) A band that can never apply.
    Unreachable => "jixiao::check::unreachable",
    /// A score that may (warning) or must (error) fall outside 0 to the 分值.
    ScoreBounds => "jixiao::check::score_bounds",
    /// A 清单 whose item deductions do not add up to its 分值.
    ChecklistSum => "jixiao::check::checklist_sum",
    /// (Warning.) An input nothing uses, or a computed value neither used nor shown.
    Unused => "jixiao::check::unused",
    /// A `基于` file that cannot be read, or an edit (`替换`, `删除`, `新增`, `调整`) whose
    /// target is not in the base file.
    Inheritance => "jixiao::check::inheritance",
    /// An edit (`替换`, `删除`, `新增`, `调整`) in a file that is not `基于` another.
    EditWithoutBase => "jixiao::check::edit_without_base",
    /// More diagnostics than the checker lists (`check::MAX_DIAGNOSTICS`): the rest are counted.
    TooMany => "jixiao::check::too_many",
}

/// One problem found in a rule file by the checker.
#[derive(Debug)]
pub struct CheckError {
    /// What it is about, with a stable code.
    pub code: CheckCode,
    /// Error (the file does not compile) or warning.
    pub level: Level,
    /// The Chinese message.
    pub message: String,
    /// The places it points at (byte spans in the rule text) with their texts; the first
    /// is the primary place.
    pub labels: Vec<(Span, String)>,
    /// A hint for the fix, if any.
    pub help: Option<String>,
    /// Places in other files than the primary one (a `基于` file and its base), each
    /// shown as a note with its own excerpt.
    pub elsewhere: Vec<Elsewhere>,
    src: Excerpts,
    line: usize,
    column: usize,
}

impl CheckError {
    pub(crate) fn new(source: &SourceFile, code: CheckCode, message: String, primary: (Span, String)) -> Self {
        let (line, column) = source.line_col(primary.0.start);
        CheckError {
            code,
            level: Level::Error,
            message,
            labels: vec![primary],
            help: None,
            elsewhere: Vec::new(),
            src: Excerpts::new(source),
            line,
            column,
        }
    }

    pub(crate) fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push((span, text.into()));
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn warning(mut self) -> Self {
        self.level = Level::Warning;
        self
    }

    /// The rule file this diagnostic points into: for rules merged from a `基于` chain,
    /// the file where the primary place was written.
    pub fn source_file(&self) -> SourceFile {
        self.src.source().clone()
    }

    /// The diagnostic with its places moved from a merged rule text to the files their
    /// authors wrote ([`SourceFile::locate`]): labels in the primary place's file stay
    /// labels, the others become [`Elsewhere`] notes. Unchanged for a file's own text.
    pub(crate) fn relocated(self) -> Self {
        let source = self.src.source().clone();
        if source.origins().is_none() || self.labels.is_empty() {
            return self;
        }
        let mut places = self.labels.into_iter().map(|(span, text)| (source.locate(span), text));
        let (primary, text) = places.next().expect("not empty");
        let mut out = CheckError::new(&primary.source, self.code, self.message, (primary.span, text));
        out.level = self.level;
        out.help = self.help;
        for (place, text) in places {
            if place.source.name == primary.source.name {
                out.labels.push((place.span, text));
            } else {
                out.elsewhere.push(Elsewhere::new(&place.source, place.span, text));
            }
        }
        out
    }

    /// 1-based line and column (in characters) of the primary place.
    pub fn line_col(&self) -> (usize, usize) {
        (self.line, self.column)
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CheckError {}

impl Diagnostic for CheckError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.code()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().map(|(span, text)| {
            LabeledSpan::new_with_span(Some(text.clone()), SourceSpan::from(*span))
        })))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(self.elsewhere.iter().map(|e| e as &dyn Diagnostic)))
    }
}

/// A place a diagnostic points at in another file than its primary place: the base of a
/// `基于` file when the primary place is in the file itself, or the other way round.
/// Rendered after the diagnostic as a note (`另见 2021.jx 第 12 行`) with its excerpt.
#[derive(Debug)]
pub struct Elsewhere {
    /// The place, in [`Elsewhere::source_file`].
    pub span: Span,
    /// What the label says there.
    pub text: String,
    src: Excerpts,
    line: usize,
    column: usize,
}

impl Elsewhere {
    fn new(source: &SourceFile, span: Span, text: String) -> Self {
        let (line, column) = source.line_col(span.start);
        Elsewhere {
            span,
            text,
            src: Excerpts::new(source),
            line,
            column,
        }
    }

    /// The file the place is in.
    pub fn source_file(&self) -> &SourceFile {
        self.src.source()
    }

    /// 1-based line and column (in characters) of the place.
    pub fn line_col(&self) -> (usize, usize) {
        (self.line, self.column)
    }
}

impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "另见 {} 第 {} 行", short_name(self.src.name()), self.line)
    }
}

impl std::error::Error for Elsewhere {}

impl Diagnostic for Elsewhere {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.text.clone()),
            SourceSpan::from(self.span),
        ))))
    }
}

/// A file's name without its directories (the excerpt beside it shows the whole path).
pub fn short_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Where a rule-file place is, in words: `规则文件第 12 行`, or `基础规则文件 2021.jx 第 12
/// 行` for a place in a file the rule file is `基于` ([`crate::inherit::Located`]).
pub fn rule_place(line: usize, base_file: Option<&str>) -> String {
    match base_file {
        Some(file) => format!("基础规则文件 {file} 第 {line} 行"),
        None => format!("规则文件第 {line} 行"),
    }
}

/// Everything the checker found, errors and warnings, in source order.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("规则文件检查未通过：{} 个错误，{} 个警告", self.error_count(), self.warning_count())]
#[diagnostic(code(jixiao::check))]
pub struct CheckErrors {
    /// The errors and warnings, in source order.
    #[related]
    pub errors: Vec<CheckError>,
}

impl CheckErrors {
    /// How many of them are errors.
    pub fn error_count(&self) -> usize {
        self.errors.iter().filter(|e| e.level == Level::Error).count()
    }

    /// How many of them are warnings.
    pub fn warning_count(&self) -> usize {
        self.errors.iter().filter(|e| e.level == Level::Warning).count()
    }
}

/// A rule file that could not be loaded: either it does not parse or it does not check.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    /// It does not parse ([`crate::ErrorKind::Syntax`]).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<SyntaxError>),
    /// It parses but does not check ([`crate::ErrorKind::Check`]).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(CheckErrors),
}

/// Declares [`ProblemKind`] with its stable codes from one list.
macro_rules! problem_kinds {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// What is wrong with a unit's data; each kind has a stable code (`jixiao::data::…`)
        /// that programs can match on whatever the Chinese message says.
        ///
        /// ```
        /// use jixiao::{DataFormat, Options, ProblemKind, Rules};
        ///
        /// assert_eq!(ProblemKind::OutOfRange.code(), "jixiao::data::out_of_range");
        /// assert!(ProblemKind::ALL.iter().all(|k| k.code().starts_with("jixiao::data::")));
        ///
        /// // Every problem of a unit is reported at once, each with its kind:
        /// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
        /// let unit = rules.unit_from_text(
        ///     r#"{"单位名称": "某单位", "编制人数": 0, "实有人数": "很多"}"#,
        ///     DataFormat::Json,
        /// )?;
        /// let err = rules.evaluate(&unit, &Options::default()).unwrap_err();
        /// let kinds: Vec<ProblemKind> = err.problems().iter().map(|p| p.kind).collect();
        /// assert_eq!(kinds, [ProblemKind::OutOfRange, ProblemKind::InvalidValue]);
        /// # Ok::<(), jixiao::Error>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ProblemKind {
            $($(#[$doc])* $variant,)*
        }

        impl ProblemKind {
            /// Every kind, in the order declared.
            pub const ALL: &[ProblemKind] = &[$(ProblemKind::$variant),*];

            /// The stable code, e.g. `jixiao::data::out_of_range`.
            pub fn code(self) -> &'static str {
                match self {
                    $(ProblemKind::$variant => $code,)*
                }
            }
        }
    };
}

problem_kinds! {
    /// The file (or text) is not valid TOML, JSON, UTF-8 or CSV, or not a table of fields.
    Unreadable => "jixiao::data::unreadable",
    /// A required input (one without `缺失时`), the unit's name or a review score is missing.
    MissingInput => "jixiao::data::missing_input",
    /// A field the rule file does not declare.
    UnknownInput => "jixiao::data::unknown_input",
    /// A value of the wrong type: text where a number belongs, a percent without `%` …
    InvalidValue => "jixiao::data::invalid_value",
    /// A count (人, 个 …) that is not a whole number.
    NotInteger => "jixiao::data::not_integer",
    /// A value outside the `范围` the rule file declares (or a review score outside 0..分值).
    OutOfRange => "jixiao::data::out_of_range",
    /// The same field given twice.
    Duplicate => "jixiao::data::duplicate",
    /// A malformed target list (`绩效目标`): an item that is not a table, no `类别` …
    InvalidTarget => "jixiao::data::invalid_target",
    /// A malformed `自评` (the unit's own scores) or `评审` (reviewers' scores) section.
    InvalidStated => "jixiao::data::invalid_stated",
    /// A spreadsheet's layout: a short row, a cell beyond the header, a stray quote.
    Layout => "jixiao::data::layout",
}

/// A problem with one unit's data: which unit, which field, which value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataProblem {
    /// What kind of problem, with a stable code.
    pub kind: ProblemKind,
    /// The field as the data names it (`编制人数`, `评审.经济效益`, `绩效目标[1]（…）`).
    pub field: String,
    /// The value as written, when there is one to show.
    pub value: Option<String>,
    /// What is wrong, in Chinese (`超出规定的范围 > 0`).
    pub message: String,
    /// Where in the data file (line, column), when known.
    pub location: Option<(usize, usize)>,
    /// The declaration in the rule file, when the field is declared there.
    pub declared_at: Option<(usize, usize)>,
    /// For a rule file `基于` another: the base file `declared_at` is in, when the field
    /// is declared there (`None` for the rule file itself).
    pub declared_in: Option<String>,
}

impl fmt::Display for DataProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "字段 `{}`", self.field)?;
        if let Some(v) = &self.value {
            write!(f, "（值 `{v}`）")?;
        }
        write!(f, "：{}", self.message)?;
        if let Some((l, c)) = self.location {
            write!(f, " [数据第 {l} 行第 {c} 列]")?;
        }
        if let Some((l, _)) = self.declared_at {
            write!(f, " [{}声明]", rule_place(l, self.declared_in.as_deref()))?;
        }
        Ok(())
    }
}

/// All data problems of one unit, reported together.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("单位 `{unit}` 的数据有 {} 处问题（{file}）：\n{}", problems.len(), list(problems))]
#[diagnostic(code(jixiao::data), help("按提示修改数据文件后重新运行"))]
pub struct DataError {
    /// The data file (or the row of a spreadsheet); `程序传入的数据` for a unit built through
    /// the API.
    pub file: String,
    /// The unit's name, or `（未读取）` when the data could not be read that far.
    pub unit: String,
    /// Every problem found, in the order found.
    pub problems: Vec<DataProblem>,
}

fn list(problems: &[DataProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An evaluation that could not finish for this unit (division by zero, overflow, a
/// score outside its range). Points into the rule file at the formula involved.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("单位 `{unit}` 的指标 `{indicator}` 无法计算：{message}")]
#[diagnostic(code(jixiao::eval))]
pub struct EvalError {
    /// What went wrong, with a stable code.
    pub kind: EvalErrorKind,
    /// The unit's name.
    pub unit: String,
    /// What was being computed: an indicator or category, or `总分`, `等级`.
    pub indicator: String,
    /// What went wrong, in Chinese.
    pub message: String,
    /// The rule text, for rendering the excerpt.
    #[source_code]
    pub src: NamedSource<Arc<str>>,
    /// The formula or declaration involved, in the rule text.
    #[label("{message}")]
    pub at: SourceSpan,
    /// A hint for the fix, if any.
    #[help]
    pub help: Option<String>,
    /// 1-based line of `at` in the rule file.
    pub line: usize,
    /// For a file `基于` another: the base file `at` and `line` are in, when the formula
    /// was written there (`None` for the rule file itself).
    pub rule_file: Option<String>,
}

/// What stopped a unit's evaluation. Most failures are not errors of the unit: a zero
/// divisor or a missing figure leaves only the values that need it 无法计算 (see
/// [`crate::report::IndicatorResult::status`]); these are what remains.
///
/// ```
/// use jixiao::{ErrorKind, EvalErrorKind, Options, Rules};
///
/// assert_eq!(EvalErrorKind::Ungradable.code(), "jixiao::eval::ungradable");
///
/// // A zero divisor is not an error: the indicator is 无法计算 and the total incomplete.
/// let text = jixiao::doc_example::RULES.replace("范围 > 0", "范围 >= 0");
/// let rules = Rules::compile("示例.jx", &text)?;
/// assert_eq!(rules.warnings()[0].code, "jixiao::check::may_be_undefined");
/// let mut unit = rules.unit("某单位");
/// unit.set("编制人数", 0)?.set("实有人数", 3)?;
/// match rules.evaluate(&unit.build(), &Options::default()) {
///     Ok(evaluation) => {
///         assert!(!evaluation.complete);
///         assert_eq!(evaluation.indicators[0].reason.as_deref(), Some("除数 `编制人数` 为 0"));
///     }
///     Err(err) => match err.kind() {
///         ErrorKind::Eval(EvalErrorKind::Ungradable) => panic!("the grade bands have a gap: {err}"),
///         ErrorKind::Eval(kind) => panic!("{}: {err}", kind.code()),
///         _ => panic!("{err}"),
///     },
/// }
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EvalErrorKind {
    /// A sum of scores or the grade's basis divided by 0.
    DivisionByZero,
    /// A value past the exact arithmetic's bound (about 4,900 digits).
    Overflow,
    /// The total (or the `等级 依据` value) falls in no grade band.
    Ungradable,
    /// Any other failure (the message says which).
    Other,
}

impl EvalErrorKind {
    /// The stable code, e.g. `jixiao::eval::overflow`.
    pub fn code(self) -> &'static str {
        match self {
            EvalErrorKind::DivisionByZero => "jixiao::eval::division_by_zero",
            EvalErrorKind::Overflow => "jixiao::eval::overflow",
            EvalErrorKind::Ungradable => "jixiao::eval::ungradable",
            EvalErrorKind::Other => "jixiao::eval::other",
        }
    }
}

/// Why a JSON text does not parse, in Chinese, with its place: `第 1 行第 52 列：少了 `}``.
/// serde_json's own wording ("EOF while parsing an object at line 1 column 52") is English;
/// this is what every crate shows a user instead (data files, a 绩效目标 cell, saved results).
pub fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("第 {} 行第 {} 列", e.line(), e.column());
    let text = e.to_string();
    let reason = match e.classify() {
        Category::Io => {
            let kind = e.io_error_kind().unwrap_or(std::io::ErrorKind::Other);
            return io_message(&std::io::Error::from(kind));
        }
        Category::Data => "值的类型不对",
        Category::Eof if text.starts_with("EOF while parsing a string") => "内容提前结束（可能不完整）：引号没有闭合",
        Category::Eof if text.starts_with("EOF while parsing a list") => "内容提前结束（可能不完整）：少了 `]`",
        Category::Eof if text.starts_with("EOF while parsing an object") => "内容提前结束（可能不完整）：少了 `}`",
        Category::Eof => "内容提前结束（可能不完整）",
        Category::Syntax => syntax_reason(&text),
    };
    format!("{at}：{reason}")
}

/// serde_json's syntax errors, by the start of its message.
fn syntax_reason(text: &str) -> &'static str {
    const REASONS: [(&str, &str); 11] = [
        ("expected `,` or `}`", "少了逗号或 `}`"),
        ("expected `,` or `]`", "少了逗号或 `]`"),
        ("expected `:`", "少了冒号 `:`"),
        (
            "expected value",
            "这里应为一个值（数、带双引号的文字、true、false、数组或对象）",
        ),
        ("expected ident", "这里应为 true、false 或 null"),
        ("trailing comma", "最后一项后面多了逗号"),
        ("key must be a string", "键要用双引号括起来"),
        ("invalid number", "数的写法有误"),
        ("number out of range", "数太大"),
        ("control character", "文字中有换行等控制字符（要写成 \\n）"),
        ("trailing characters", "JSON 结束后还有多余的内容"),
    ];
    REASONS
        .iter()
        .find(|(english, _)| text.starts_with(english))
        .map_or("格式有误（检查逗号、冒号、引号和括号）", |(_, chinese)| chinese)
}

/// Why a file or directory could not be read or written, in Chinese: the one wording of an
/// I/O error for every crate (the command line, the server, the language server, the
/// bindings), never the system's English ("No such file or directory (os error 2)"). The
/// caller says what it tried and names the path: `无法读取文件 {path}：{io_message(e)}`.
pub fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let text = match e.kind() {
        K::NotFound => "文件不存在",
        K::PermissionDenied => "没有权限",
        K::IsADirectory => "这是一个目录，不是文件",
        K::NotADirectory => "路径中的一段不是目录",
        K::AlreadyExists => "已经存在",
        K::DirectoryNotEmpty => "目录不是空的",
        K::ReadOnlyFilesystem => "所在的磁盘是只读的",
        K::StorageFull => "磁盘已满",
        K::QuotaExceeded => "超出了磁盘配额",
        K::FileTooLarge => "文件太大",
        K::InvalidFilename => "文件名不合法（太长或含有不允许的字符）",
        K::ResourceBusy | K::ExecutableFileBusy => "文件正被其他程序使用",
        K::CrossesDevices => "不能跨磁盘移动",
        K::TooManyLinks => "链接太多",
        K::StaleNetworkFileHandle => "网络文件已失效，请重新打开",
        K::InvalidData => "内容无法读取（不是有效的文字）",
        K::UnexpectedEof => "文件意外结束（可能不完整）",
        K::WriteZero => "无法再写入",
        K::Interrupted => "被中断",
        K::TimedOut => "超时",
        K::BrokenPipe => "接收输出的程序已经退出",
        K::OutOfMemory => "内存不足",
        K::AddrInUse => "地址已被占用",
        K::AddrNotAvailable => "本机没有这个地址",
        K::ConnectionRefused => "连接被拒绝",
        K::ConnectionReset | K::ConnectionAborted => "连接被断开",
        K::Unsupported => "系统不支持这种操作",
        _ => return system_message(e),
    };
    text.to_owned()
}

/// A rare error: the system's own words, without Rust's "(os error N)" suffix, and its code.
fn system_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(code) => {
            let words = text.strip_suffix(&format!(" (os error {code})")).unwrap_or(&text);
            format!("系统错误 {code}：{words}")
        }
        None => format!("系统错误：{text}"),
    }
}

/// Renders any diagnostic as plain text at a fixed width (tests, files, non-terminals).
pub fn render_plain(diagnostic: &dyn Diagnostic) -> String {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = diagnostic.to_string();
    }
    out
}

/// One diagnostic as data, for `jixiao check --format json` (editors and CI); from
/// [`crate::Rules::warnings`] or [`crate::Error::diagnostics`].
///
/// ```
/// let text = format!("{}计算 未用 = 实有人数 * 2\n", jixiao::doc_example::RULES);
/// let rules = jixiao::Rules::compile("示例.jx", &text)?;
/// let warnings = rules.warnings();
/// assert_eq!(warnings.len(), 1);
/// let warning = &warnings[0];
/// assert_eq!(warning.code, "jixiao::check::unused");
/// assert_eq!(warning.severity, "warning");
/// assert_eq!(warning.message, "计算值 `未用` 没有被用到，也没有 `显示`");
/// assert_eq!((warning.line, warning.column), (18, 1));
/// assert_eq!(&text[warning.start..warning.end], "计算 未用");
/// assert_eq!(warning.labels[0].text, "未使用");
/// let json = serde_json::to_value(warning).unwrap();
/// assert_eq!(json["file"], "示例.jx");
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiagnosticRecord {
    /// The stable code (`jixiao::syntax`, `jixiao::check::unused` …).
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// The Chinese message.
    pub message: String,
    /// The rule file's name, as given to [`crate::Rules::compile`]; for a file `基于`
    /// another, the name of the file the primary place was written in (as the loader
    /// named it).
    pub file: String,
    /// 1-based line (of the primary place).
    pub line: usize,
    /// 1-based column, in characters, of the primary place.
    pub column: usize,
    /// Byte offset where the primary place starts in the rule text.
    pub start: usize,
    /// Byte offset where it ends (equal to `start` for a point).
    pub end: usize,
    /// A hint for the fix, if any.
    pub help: Option<String>,
    /// Every place the diagnostic points at, the primary one first.
    pub labels: Vec<LabelRecord>,
}

/// One place a [`DiagnosticRecord`] points at, with its text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelRecord {
    /// The rule file it is in: the diagnostic's own, or, for a file `基于` another, the
    /// other one of the two.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset of the start in the rule text.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
    /// What the label says (`未定义`, ``这里是 `=` ``).
    pub text: String,
}

impl DiagnosticRecord {
    /// The record of a checker diagnostic. Its places are in the files where they were
    /// written: for a `基于` file, the file itself or its base ([`CheckError::elsewhere`]
    /// become labels naming their file).
    pub fn from_check(e: &crate::diagnostics::CheckError) -> Self {
        let source = e.source_file();
        let label = |source: &SourceFile, span: Span, text: &str| {
            let (line, column) = source.line_col(span.start);
            LabelRecord {
                file: source.name.clone(),
                line,
                column,
                start: span.start,
                end: span.end,
                text: text.to_owned(),
            }
        };
        let labels = e
            .labels
            .iter()
            .map(|(span, text)| label(&source, *span, text))
            .chain(e.elsewhere.iter().map(|x| label(x.source_file(), x.span, &x.text)))
            .collect();
        let (line, column) = e.line_col();
        let primary = e.labels.first().map(|l| l.0).unwrap_or_default();
        DiagnosticRecord {
            code: e.code.code().to_owned(),
            severity: match e.level {
                crate::diagnostics::Level::Error => "error",
                crate::diagnostics::Level::Warning => "warning",
            }
            .to_owned(),
            message: e.message.clone(),
            file: source.name.clone(),
            line,
            column,
            start: primary.start,
            end: primary.end,
            help: e.help.clone(),
            labels,
        }
    }

    /// The record of a syntax error in the file named `file`.
    pub fn from_syntax(file: &str, e: &crate::diagnostics::SyntaxError) -> Self {
        let (line, column) = e.line_col();
        let span = e.span();
        DiagnosticRecord {
            code: "jixiao::syntax".into(),
            severity: "error".into(),
            message: e.message().to_owned(),
            file: file.to_owned(),
            line,
            column,
            start: span.start,
            end: span.end,
            help: e.help_text().map(str::to_owned),
            labels: vec![LabelRecord {
                file: file.to_owned(),
                line,
                column,
                start: span.start,
                end: span.end,
                text: e.label_text().to_owned(),
            }],
        }
    }
}
