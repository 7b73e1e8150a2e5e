//! Every error and warning jixiao reports, as data: a code, a Chinese message, the
//! places it points at and a hint. Rendering happens in one place ([`render_plain`]
//! for tests and the CLI's miette handler for terminals).

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};

use crate::source::{SourceFile, Span};
use serde::Serialize;

/// A syntax error: the first place the text stops being a rule file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("语法错误：{message}")]
#[diagnostic(code(jixiao::syntax))]
pub struct SyntaxError {
    #[source_code]
    src: NamedSource<Arc<str>>,
    #[label("{label}")]
    at: SourceSpan,
    #[label("这个代码块没有闭合的 `}}`")]
    opened_at: Option<SourceSpan>,
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
            src: source.named_source(),
            at: span.into(),
            opened_at: None,
            message,
            label,
            help,
            line,
            column,
        }
    }

    pub(crate) fn with_opened_at(mut self, span: Span) -> Self {
        self.opened_at = Some(span.into());
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn label_text(&self) -> &str {
        &self.label
    }

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

    /// 1-based line and column of the error.
    pub fn line_col(&self) -> (usize, usize) {
        (self.line, self.column)
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
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

            pub fn code(self) -> &'static str {
                match self {
                    $(CheckCode::$variant => $code,)*
                }
            }
        }
    };
}

check_codes! {
    UnknownName => "jixiao::check::unknown_name",
    DuplicateName => "jixiao::check::duplicate_name",
    DuplicateHeader => "jixiao::check::duplicate_header",
    MissingHeader => "jixiao::check::missing_header",
    Cycle => "jixiao::check::cycle",
    TypeMismatch => "jixiao::check::type_mismatch",
    UnknownFunction => "jixiao::check::unknown_function",
    BadArguments => "jixiao::check::bad_arguments",
    UnknownKind => "jixiao::check::unknown_kind",
    BadDefault => "jixiao::check::bad_default",
    LevelNesting => "jixiao::check::level_nesting",
    MissingCriterion => "jixiao::check::missing_criterion",
    MissingFormula => "jixiao::check::missing_formula",
    MisplacedCriterion => "jixiao::check::misplaced_criterion",
    WeightSum => "jixiao::check::weights_sum",
    BadWeight => "jixiao::check::bad_weight",
    MissingGrades => "jixiao::check::missing_grades",
    BadCheck => "jixiao::check::cross_check",
    NotConstant => "jixiao::check::not_constant",
    ZeroDivisor => "jixiao::check::zero_divisor",
    MayBeUndefined => "jixiao::check::may_be_undefined",
    UnitMismatch => "jixiao::check::unit_mismatch",
    UnitSuspicious => "jixiao::check::missing_percent",
    BandGap => "jixiao::check::band_gap",
    BandOverlap => "jixiao::check::band_overlap",
    Unreachable => "jixiao::check::unreachable",
    ScoreBounds => "jixiao::check::score_bounds",
    Unused => "jixiao::check::unused",
    Inheritance => "jixiao::check::inheritance",
    EditWithoutBase => "jixiao::check::edit_without_base",
    /// More diagnostics than the checker lists (`check::MAX_DIAGNOSTICS`): the rest are counted.
    TooMany => "jixiao::check::too_many",
}

/// One problem found in a rule file by the checker.
#[derive(Debug)]
pub struct CheckError {
    pub code: CheckCode,
    pub level: Level,
    pub message: String,
    pub labels: Vec<(Span, String)>,
    pub help: Option<String>,
    src: NamedSource<Arc<str>>,
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
            src: source.named_source(),
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

    /// The rule text this diagnostic points into (the merged text after `基于`).
    pub fn source_file(&self) -> SourceFile {
        SourceFile::new(self.src.name(), self.src.inner())
    }

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
}

/// Everything the checker found, errors and warnings, in source order.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("规则文件检查未通过：{} 个错误，{} 个警告", self.error_count(), self.warning_count())]
#[diagnostic(code(jixiao::check))]
pub struct CheckErrors {
    #[related]
    pub errors: Vec<CheckError>,
}

impl CheckErrors {
    pub fn error_count(&self) -> usize {
        self.errors.iter().filter(|e| e.level == Level::Error).count()
    }

    pub fn warning_count(&self) -> usize {
        self.errors.iter().filter(|e| e.level == Level::Warning).count()
    }
}

/// A rule file that could not be loaded: either it does not parse or it does not check.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<SyntaxError>),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(CheckErrors),
}

/// Declares [`ProblemKind`] with its stable codes from one list.
macro_rules! problem_kinds {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// What is wrong with a unit's data; each kind has a stable code (`jixiao::data::…`)
        /// that programs can match on whatever the Chinese message says.
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
    pub field: String,
    pub value: Option<String>,
    pub message: String,
    /// Where in the data file (line, column), when known.
    pub location: Option<(usize, usize)>,
    /// The declaration in the rule file, when the field is declared there.
    pub declared_at: Option<(usize, usize)>,
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
            write!(f, " [规则文件第 {l} 行声明]")?;
        }
        Ok(())
    }
}

/// All data problems of one unit, reported together.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("单位 `{unit}` 的数据有 {} 处问题（{file}）：\n{}", problems.len(), list(problems))]
#[diagnostic(code(jixiao::data), help("按提示修改数据文件后重新运行"))]
pub struct DataError {
    pub file: String,
    pub unit: String,
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
    pub unit: String,
    pub indicator: String,
    pub message: String,
    #[source_code]
    pub src: NamedSource<Arc<str>>,
    #[label("{message}")]
    pub at: SourceSpan,
    #[help]
    pub help: Option<String>,
    pub line: usize,
}

/// What stopped a unit's evaluation. Most failures are not errors of the unit: a zero
/// divisor or a missing figure leaves only the values that need it 无法计算 (see
/// [`crate::report::IndicatorResult::status`]); these are what remains.
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

/// One diagnostic as data, for `jixiao check --format json` (editors and CI).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiagnosticRecord {
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    pub message: String,
    pub file: String,
    /// 1-based line and column (in characters) of the primary place.
    pub line: usize,
    pub column: usize,
    /// Byte offsets of the primary place.
    pub start: usize,
    pub end: usize,
    pub help: Option<String>,
    pub labels: Vec<LabelRecord>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelRecord {
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl DiagnosticRecord {
    pub fn from_check(source: &crate::source::SourceFile, e: &crate::diagnostics::CheckError) -> Self {
        let labels: Vec<LabelRecord> = e
            .labels
            .iter()
            .map(|(span, text)| {
                let (line, column) = source.line_col(span.start);
                LabelRecord {
                    line,
                    column,
                    start: span.start,
                    end: span.end,
                    text: text.clone(),
                }
            })
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
                line,
                column,
                start: span.start,
                end: span.end,
                text: e.label_text().to_owned(),
            }],
        }
    }
}
