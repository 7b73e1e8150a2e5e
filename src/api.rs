//! The embedding API: a rule file compiled once ([`Rules`]), units built value by value
//! or read from TOML/JSON ([`Unit`]), and evaluations ([`Evaluation`]) with typed errors
//! ([`Error`], [`ErrorKind`]) that carry stable codes.
//!
//! Everything a host needs is here and re-exported at the crate root; the modules behind
//! it are the workspace's own (`jixiao-io`, `jixiao-cli`) and may change at any time.

use std::fmt;
use std::path::Path;

use rust_decimal::Decimal;

use crate::data::{self, BindOptions, Raw};
use crate::diagnostics::{
    render_plain, CheckErrors, DataError, DataProblem, DiagnosticRecord, EvalError, EvalErrorKind, Level, LoadError,
    ProblemKind,
};
use crate::model::{DataKey, Kind};
use crate::number::Number;
use crate::report::Evaluation;
use crate::{Compiled, DataFormat};

/// A rule file, parsed, checked and compiled once, ready to evaluate any number of units.
///
/// ```
/// let rules = jixiao::Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// assert_eq!(rules.title(), "示例指标体系");
/// assert_eq!(rules.year(), 2021);
/// assert!(rules.warnings().is_empty());
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug)]
pub struct Rules {
    compiled: Compiled,
}

impl Rules {
    /// Compiles rule text. `name` names the file in diagnostics. A file that is `基于`
    /// another cannot be compiled this way (there is nothing to read it from): use
    /// [`Rules::load`] or [`Rules::compile_with_loader`].
    pub fn compile(name: &str, text: &str) -> Result<Rules, Error> {
        let compiled = crate::compile(name, text).map_err(Error::Rules)?;
        Ok(Rules { compiled })
    }

    /// Compiles rule text whose `基于` files are read through `load(from, base)`, which
    /// returns the base file's name and text (or a message saying why it cannot).
    ///
    /// ```
    /// let base = jixiao::doc_example::RULES;
    /// let edit = "基于 \"base.jx\"\n年度 2022\n";
    /// let rules = jixiao::Rules::compile_with_loader("2022.jx", edit, |_, name| {
    ///     Ok((name.to_owned(), base.to_owned()))
    /// })?;
    /// assert_eq!(rules.year(), 2022);
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn compile_with_loader(
        name: &str,
        text: &str,
        load: impl Fn(&str, &str) -> Result<(String, String), String>,
    ) -> Result<Rules, Error> {
        let compiled = crate::compile_with(name, text, &load).map_err(Error::Rules)?;
        Ok(Rules { compiled })
    }

    /// Reads and compiles a rule file; the files it is `基于` are read relative to it.
    ///
    /// ```no_run
    /// let rules = jixiao::Rules::load("rules/yueyang-2021.jx")?;
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Rules, Error> {
        let path = path.as_ref();
        let text = read_text(path)?;
        let name = path.display().to_string();
        Rules::compile_with_loader(&name, &text, |from, base| {
            let full = Path::new(from).parent().unwrap_or(Path::new("")).join(base);
            read_text(&full)
                .map(|text| (full.display().to_string(), text))
                .map_err(|e| e.to_string())
        })
    }

    /// The rule set's `标题`.
    pub fn title(&self) -> &str {
        &self.compiled.model.title
    }

    /// The `年度` it evaluates.
    pub fn year(&self) -> u32 {
        self.compiled.model.year
    }

    /// The `满分` (exact).
    pub fn full_marks(&self) -> &Number {
        &self.compiled.model.full_marks
    }

    /// The checker's warnings (a rule file with errors does not compile).
    pub fn warnings(&self) -> Vec<DiagnosticRecord> {
        let source = &self.compiled.model.source;
        self.compiled
            .warnings
            .iter()
            .map(|w| DiagnosticRecord::from_check(source, w))
            .collect()
    }

    /// The figures a unit reports, in the rule file's order: what a host needs to build
    /// its own form.
    ///
    /// ```
    /// let rules = jixiao::Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let inputs = rules.inputs();
    /// assert_eq!(inputs[0].name, "编制人数");
    /// assert_eq!(inputs[0].input_type, jixiao::InputType::Count { unit: "人" });
    /// assert!(inputs[0].required);
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn inputs(&self) -> Vec<InputInfo> {
        let model = &self.compiled.model;
        model
            .inputs
            .iter()
            .map(|def| InputInfo {
                name: def.name.clone(),
                aliases: def.aliases.clone(),
                input_type: InputType::of(def.kind),
                ranges: def
                    .ranges
                    .iter()
                    .map(|r| model.source.slice(r.span).to_owned())
                    .collect(),
                default: def.default.as_ref().map(|v| v.text()),
                required: def.default.is_none(),
                section: def.section.clone(),
                description: def.description.clone(),
            })
            .chain(model.lists.iter().map(|list| InputInfo {
                name: list.name.clone(),
                aliases: list.aliases.clone(),
                input_type: InputType::Targets {
                    categories: list.categories.clone(),
                },
                ranges: Vec::new(),
                default: None,
                required: true,
                section: None,
                description: None,
            }))
            .collect()
    }

    /// Starts a unit named `name`; set its figures with [`UnitBuilder::set`].
    pub fn unit(&self, name: impl Into<String>) -> UnitBuilder<'_> {
        UnitBuilder {
            rules: self,
            name: name.into(),
            entries: Vec::new(),
            reviews: Vec::new(),
            stated: Vec::new(),
            stated_scores: Vec::new(),
            stated_values: Vec::new(),
        }
    }

    /// Reads a unit from a data file's text in the format of `jixiao eval`'s `.toml` or
    /// `.json` files (`"单位名称"`, the inputs, `[评审]`, `[自评]`, target lists).
    /// The values are checked when the unit is evaluated.
    ///
    /// ```
    /// let rules = jixiao::Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let unit = rules.unit_from_text(r#"{"单位名称": "某单位", "编制人数": 100, "实有人数": 104}"#,
    ///                                 jixiao::DataFormat::Json)?;
    /// let evaluation = rules.evaluate(&unit, &jixiao::Options::default())?;
    /// assert_eq!(evaluation.total_display, "8.00");
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn unit_from_text(&self, text: &str, format: DataFormat) -> Result<Unit, Error> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let raw = match format {
            DataFormat::Toml => data::parse_toml(text),
            DataFormat::Json => data::parse_json(text),
        };
        let raw = raw.map_err(|problem| {
            Error::Data(DataError {
                file: "（数据）".into(),
                unit: "（未读取）".into(),
                problems: vec![problem],
            })
        })?;
        Ok(Unit {
            raw,
            file: "（数据）".into(),
            sha256: crate::sha256_hex(text.as_bytes()),
        })
    }

    /// A unit from a JSON value shaped like a `.json` data file (numbers keep their exact
    /// text: build them from strings or with serde_json's `arbitrary_precision`).
    ///
    /// ```
    /// let rules = jixiao::Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let unit = rules.unit_from_json(&serde_json::json!({
    ///     "单位名称": "某单位", "人员编制": 100, "实有人数": 104
    /// }));
    /// assert_eq!(rules.evaluate(&unit, &Default::default())?.grade.as_deref(), Some("合格"));
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn unit_from_json(&self, value: &serde_json::Value) -> Unit {
        Unit {
            raw: data::json_value(value),
            file: "（数据）".into(),
            sha256: String::new(),
        }
    }

    /// Evaluates one unit: scores, subtotals, total, grade, cross-checks, and (as
    /// `options` ask) explanations and the 复核 of the unit's own figures.
    ///
    /// A value that cannot be computed (a zero divisor, or a missing figure under
    /// [`Options::partial`]) is not an error: it is 无法计算 in the evaluation, and the
    /// total is 不完整 unless the rule file says how to score it. Errors are bad data
    /// ([`ErrorKind::Data`]) and the rare failures of the unit as a whole
    /// ([`ErrorKind::Eval`]).
    ///
    /// ```
    /// use jixiao::{Options, Rules};
    /// use rust_decimal::Decimal;
    ///
    /// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let mut unit = rules.unit("某单位");
    /// unit.set("编制人数", 174)?.set("实有人数", 138)?;
    /// let evaluation = rules.evaluate(&unit.build(), &Options::default().explain(true))?;
    /// assert_eq!(evaluation.indicators[0].display.as_deref(), Some("79.31%"));
    /// assert_eq!(evaluation.total, Some(Decimal::from(10).into()));
    /// assert_eq!(evaluation.grade.as_deref(), Some("优秀"));
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn evaluate(&self, unit: &Unit, options: &Options) -> Result<Evaluation, Error> {
        let model = &self.compiled.model;
        let bind = BindOptions {
            partial: options.partial,
        };
        let mut record = data::bind_with(model, &unit.raw, &unit.file, bind).map_err(Error::Data)?;
        record.source_sha256.clone_from(&unit.sha256);
        let outcome = crate::eval::evaluate(model, &record).map_err(|e| Error::Eval(Box::new(*e)))?;
        Ok(crate::report::build_with(
            model,
            &record,
            &outcome,
            options.explain,
            options.audit,
        ))
    }

    /// Evaluates many units with the one compiled rule set, in order; one unit's error
    /// never stops the others.
    ///
    /// ```
    /// use jixiao::{Options, Rules};
    ///
    /// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let mut a = rules.unit("甲");
    /// a.set("编制人数", 100)?.set("实有人数", 104)?;
    /// let b = rules.unit("乙"); // no figures: an error of 乙 only
    /// let results = rules.evaluate_many([&a.build(), &b.build()], &Options::default());
    /// assert_eq!(results[0].as_ref().unwrap().grade.as_deref(), Some("合格"));
    /// assert_eq!(results[1].as_ref().unwrap_err().kind(),
    ///            jixiao::ErrorKind::Data(jixiao::ProblemKind::MissingInput));
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn evaluate_many<'u>(
        &self,
        units: impl IntoIterator<Item = &'u Unit>,
        options: &Options,
    ) -> Vec<Result<Evaluation, Error>> {
        units.into_iter().map(|unit| self.evaluate(unit, options)).collect()
    }

    /// The compiled rule set, for the workspace's own crates.
    #[doc(hidden)]
    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read(path)
        .map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: io_message(&e),
        })
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| Error::Io {
                path: path.display().to_string(),
                message: "不是 UTF-8 编码的文本".into(),
            })
        })
}

/// An I/O error in Chinese for the common cases (never "os error 2").
pub(crate) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有权限".into(),
        std::io::ErrorKind::IsADirectory => "这是一个目录，不是文件".into(),
        _ => e.to_string(),
    }
}

/// A figure a unit reports, as [`Rules::inputs`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct InputInfo {
    pub name: String,
    /// Other names accepted for it (`别名`).
    pub aliases: Vec<String>,
    #[serde(rename = "type")]
    pub input_type: InputType,
    /// The declared `范围`, as written (`[0, 10000]`).
    pub ranges: Vec<String>,
    /// The `缺失时` value, as text, if it has one.
    pub default: Option<String>,
    /// Whether a unit must report it (no `缺失时`).
    pub required: bool,
    /// The `分组` it is declared in, if any.
    pub section: Option<String>,
    /// Its `说明`.
    pub description: Option<String>,
}

/// The type of an input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputType {
    /// An amount in a unit of measure (`万元`, `元` …), exact decimals.
    Amount { unit: &'static str },
    /// A whole number of `人`, `个`, `项` ….
    Count { unit: &'static str },
    /// A rate: `95%`, or the decimal `0.95`.
    Percent,
    /// 是/否.
    Bool,
    /// Text.
    Text,
    /// A target list (`清单`): items with 类别, 名称, 目标, 实际 and optionally 达成.
    Targets { categories: Vec<String> },
}

impl InputType {
    fn of(kind: Kind) -> InputType {
        match kind {
            Kind::Quantity(unit) if kind.is_count() => InputType::Count { unit },
            Kind::Quantity(unit) => InputType::Amount { unit },
            Kind::Percent => InputType::Percent,
            Kind::Bool => InputType::Bool,
            Kind::Text => InputType::Text,
        }
    }
}

/// A typed value for [`UnitBuilder::set`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InputValue {
    /// An exact decimal (an amount, a count, or a rate as a decimal: `0.95`).
    Decimal(Decimal),
    Integer(i64),
    Bool(bool),
    /// Text; for numbers also `"95%"`, `"3,696.83"` as a data file may write them.
    Text(String),
    /// A target list.
    Targets(Vec<Target>),
}

impl From<Decimal> for InputValue {
    fn from(d: Decimal) -> Self {
        InputValue::Decimal(d)
    }
}
impl From<i64> for InputValue {
    fn from(n: i64) -> Self {
        InputValue::Integer(n)
    }
}
impl From<i32> for InputValue {
    fn from(n: i32) -> Self {
        InputValue::Integer(n.into())
    }
}
impl From<u32> for InputValue {
    fn from(n: u32) -> Self {
        InputValue::Integer(n.into())
    }
}
impl From<bool> for InputValue {
    fn from(b: bool) -> Self {
        InputValue::Bool(b)
    }
}
impl From<&str> for InputValue {
    fn from(s: &str) -> Self {
        InputValue::Text(s.to_owned())
    }
}
impl From<String> for InputValue {
    fn from(s: String) -> Self {
        InputValue::Text(s)
    }
}
impl From<Vec<Target>> for InputValue {
    fn from(items: Vec<Target>) -> Self {
        InputValue::Targets(items)
    }
}

impl InputValue {
    fn raw(&self) -> Raw {
        match self {
            InputValue::Decimal(d) => Raw::Number(d.to_string()),
            InputValue::Integer(n) => Raw::Number(n.to_string()),
            InputValue::Bool(b) => Raw::Bool(*b),
            InputValue::Text(s) => Raw::Text(s.clone()),
            InputValue::Targets(items) => Raw::Array(items.iter().map(|t| (t.raw(), None)).collect()),
        }
    }
}

/// One item of a target list (`绩效目标`): `目标` and `实际` as the unit wrote them
/// (`≥95%`, `148 人`); `达成` when it cannot be judged from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub category: String,
    pub name: String,
    pub target: String,
    pub actual: String,
    pub achieved: Option<bool>,
}

impl Target {
    pub fn new(category: &str, name: &str, target: &str, actual: &str) -> Target {
        Target {
            category: category.into(),
            name: name.into(),
            target: target.into(),
            actual: actual.into(),
            achieved: None,
        }
    }

    /// States whether it was achieved (for qualitative targets).
    pub fn achieved(mut self, achieved: bool) -> Target {
        self.achieved = Some(achieved);
        self
    }

    fn raw(&self) -> Raw {
        let mut fields = vec![
            ("类别".to_owned(), Raw::Text(self.category.clone()), None),
            ("名称".to_owned(), Raw::Text(self.name.clone()), None),
            ("目标".to_owned(), Raw::Text(self.target.clone()), None),
            ("实际".to_owned(), Raw::Text(self.actual.clone()), None),
        ];
        if let Some(a) = self.achieved {
            fields.push(("达成".to_owned(), Raw::Bool(a), None));
        }
        Raw::Table(fields)
    }
}

/// Builds a unit value by value; each value is checked as it is set.
///
/// ```
/// use jixiao::{ErrorKind, ProblemKind, Rules};
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let mut unit = rules.unit("某单位");
/// unit.set("编制人数", 174)?;
/// let err = unit.set("实有人数", "一百三十八").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::InvalidValue));
/// assert_eq!(err.code(), "jixiao::data::invalid_value");
/// let err = unit.set("实有人", 138).unwrap_err();
/// assert!(err.to_string().contains("是否指 `实有人数`"));
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct UnitBuilder<'r> {
    rules: &'r Rules,
    name: String,
    entries: Vec<data::Entry>,
    reviews: Vec<data::Entry>,
    stated: Vec<data::Entry>,
    stated_scores: Vec<data::Entry>,
    stated_values: Vec<data::Entry>,
}

impl UnitBuilder<'_> {
    /// Sets an input (by name or `别名`) or a target list. A value of the wrong type, not
    /// whole where a count must be, or outside the declared `范围` is refused here; setting
    /// the same input again replaces its value.
    pub fn set(&mut self, name: &str, value: impl Into<InputValue>) -> Result<&mut Self, Error> {
        let model = &self.rules.compiled.model;
        let value = value.into();
        let raw = value.raw();
        let problem = match model.data_keys.get(name) {
            Some(DataKey::Input(i)) => data::check_value(model, *i, name, &raw).err(),
            Some(DataKey::List(_)) if !matches!(value, InputValue::Targets(_)) => Some(DataProblem {
                kind: ProblemKind::InvalidTarget,
                field: name.to_owned(),
                value: None,
                message: "目标清单应为 `Target` 的列表".into(),
                location: None,
                declared_at: None,
            }),
            Some(DataKey::List(_)) => None,
            None => Some(unknown_input(model, name)),
        };
        if let Some(problem) = problem {
            return Err(Error::Data(DataError {
                file: "（数据）".into(),
                unit: self.name.clone(),
                problems: vec![problem],
            }));
        }
        self.entries.retain(|(k, _, _)| k != name);
        self.entries.push((name.to_owned(), raw, None));
        Ok(self)
    }

    /// A reviewer's score for an indicator the rule file scores by `评审`.
    pub fn review(&mut self, indicator: &str, score: Decimal) -> &mut Self {
        self.reviews.retain(|(k, _, _)| k != indicator);
        self.reviews
            .push((indicator.to_owned(), Raw::Number(score.to_string()), None));
        self
    }

    /// The unit's own total (自评总分), for the 复核.
    pub fn stated_total(&mut self, total: Decimal) -> &mut Self {
        self.stated.retain(|(k, _, _)| k != "总分");
        self.stated.push(("总分".into(), Raw::Number(total.to_string()), None));
        self
    }

    /// The unit's own grade (自评等级), for the 复核.
    pub fn stated_grade(&mut self, grade: &str) -> &mut Self {
        self.stated.retain(|(k, _, _)| k != "等级");
        self.stated.push(("等级".into(), Raw::Text(grade.to_owned()), None));
        self
    }

    /// The unit's own score for an indicator or category, for the 复核.
    pub fn stated_score(&mut self, name: &str, score: Decimal) -> &mut Self {
        self.stated_scores.retain(|(k, _, _)| k != name);
        self.stated_scores
            .push((name.to_owned(), Raw::Number(score.to_string()), None));
        self
    }

    /// A figure as the unit's report states it (`"80%"`), for the 复核.
    pub fn stated_value(&mut self, name: &str, value: &str) -> &mut Self {
        self.stated_values.retain(|(k, _, _)| k != name);
        self.stated_values
            .push((name.to_owned(), Raw::Text(value.to_owned()), None));
        self
    }

    /// The unit, ready to evaluate. Whether every required figure is there is checked by
    /// [`Rules::evaluate`] (under [`Options::partial`] a missing one is 无法计算).
    pub fn build(&self) -> Unit {
        let mut fields: Vec<data::Entry> = vec![("单位名称".into(), Raw::Text(self.name.clone()), None)];
        fields.extend(self.entries.iter().cloned());
        if !self.reviews.is_empty() {
            fields.push(("评审".into(), Raw::Table(self.reviews.clone()), None));
        }
        let mut stated = self.stated.clone();
        if !self.stated_scores.is_empty() {
            stated.push(("得分".into(), Raw::Table(self.stated_scores.clone()), None));
        }
        if !self.stated_values.is_empty() {
            stated.push(("指标值".into(), Raw::Table(self.stated_values.clone()), None));
        }
        if !stated.is_empty() {
            fields.push(("自评".into(), Raw::Table(stated), None));
        }
        Unit {
            raw: Raw::Table(fields),
            file: "（数据）".into(),
            sha256: String::new(),
        }
    }
}

fn unknown_input(model: &crate::model::Model, name: &str) -> DataProblem {
    let closest = model
        .data_keys
        .keys()
        .map(|k| (strsim::normalized_levenshtein(k, name), k))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)));
    DataProblem {
        kind: ProblemKind::UnknownInput,
        field: name.to_owned(),
        value: None,
        message: match closest {
            Some((_, k)) => format!("规则文件没有这个输入；是否指 `{k}`？"),
            None => "规则文件没有这个输入".into(),
        },
        location: None,
        declared_at: None,
    }
}

/// One unit's data, built by [`UnitBuilder`] or read by [`Rules::unit_from_text`].
#[derive(Debug, Clone)]
pub struct Unit {
    raw: Raw,
    file: String,
    sha256: String,
}

/// What [`Rules::evaluate`] computes besides the scores.
///
/// ```
/// let options = jixiao::Options::default().explain(true).partial(true);
/// assert!(options.audit); // the 复核 is on unless turned off
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Explanations for every indicator (formula, substituted values, the rule applied).
    pub explain: bool,
    /// The 复核 of the unit's own figures (on by default: it is what finds a report's
    /// mistakes). Off, [`Evaluation::audit`] says 未复核.
    pub audit: bool,
    /// Partial evaluation: a missing or unreadable figure leaves what needs it 无法计算
    /// instead of making the unit an error.
    pub partial: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            explain: false,
            audit: true,
            partial: false,
        }
    }
}

impl Options {
    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }
    pub fn audit(mut self, on: bool) -> Self {
        self.audit = on;
        self
    }
    pub fn partial(mut self, on: bool) -> Self {
        self.partial = on;
        self
    }
}

/// Why a rule file, a unit or an evaluation failed. [`Error::kind`] is matchable and
/// [`Error::code`] stable; the `Display` text is the Chinese message, and the error is a
/// [`miette::Diagnostic`] with the file, line and caret where there is one.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("无法读取 `{path}`：{message}")]
    #[diagnostic(code(jixiao::io))]
    Io { path: String, message: String },
    /// The rule file does not parse or does not check.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(LoadError),
    /// A unit's data is wrong (every problem of the unit is listed).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Data(DataError),
    /// A unit's evaluation could not finish.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Eval(Box<EvalError>),
}

/// What kind of [`Error`]: match on it rather than on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    Io,
    /// The rule file does not parse.
    Syntax,
    /// The rule file does not check ([`Error::code`] names the first error's check).
    Check,
    /// The unit's data, by its first problem.
    Data(ProblemKind),
    Eval(EvalErrorKind),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::Rules(LoadError::Syntax(_)) => ErrorKind::Syntax,
            Error::Rules(LoadError::Check(_)) => ErrorKind::Check,
            Error::Data(e) => ErrorKind::Data(e.problems.first().map_or(ProblemKind::Unreadable, |p| p.kind)),
            Error::Eval(e) => ErrorKind::Eval(e.kind),
        }
    }

    /// The stable code: `jixiao::io`, `jixiao::syntax`, `jixiao::check::…`,
    /// `jixiao::data::…`, `jixiao::eval::…`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "jixiao::io",
            Error::Rules(LoadError::Syntax(_)) => "jixiao::syntax",
            Error::Rules(LoadError::Check(errors)) => first_error(errors).map_or("jixiao::check", |e| e.code.code()),
            Error::Data(e) => e.problems.first().map_or(ProblemKind::Unreadable, |p| p.kind).code(),
            Error::Eval(e) => e.kind.code(),
        }
    }

    /// A data error's problems, each with its own kind, field, value and place.
    pub fn problems(&self) -> &[DataProblem] {
        match self {
            Error::Data(e) => &e.problems,
            _ => &[],
        }
    }

    /// A rule file's diagnostics as data (code, severity, line, column, labels).
    pub fn diagnostics(&self) -> Vec<DiagnosticRecord> {
        match self {
            Error::Rules(LoadError::Syntax(e)) => vec![DiagnosticRecord::from_syntax(e.file_name(), e)],
            Error::Rules(LoadError::Check(errors)) => errors
                .errors
                .iter()
                .map(|e| DiagnosticRecord::from_check(&e.source_file(), e))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The full diagnostic as plain text: the message, the rule-file excerpt with its caret,
    /// and the help (what `jixiao` prints, without colour).
    pub fn render(&self) -> String {
        render_plain(self)
    }
}

fn first_error(errors: &CheckErrors) -> Option<&crate::diagnostics::CheckError> {
    errors.errors.iter().find(|e| e.level == Level::Error)
}

impl Unit {
    /// Names where the unit's data came from (`rows[2]`, `第 3 行`): error messages and the
    /// evaluation's `provenance.data_file` say it. Units read from text are `（数据）`.
    ///
    /// ```
    /// let rules = jixiao::Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let unit = rules.unit_from_json(&serde_json::json!({"单位名称": "某单位"})).with_source("rows[2]");
    /// let err = rules.evaluate(&unit, &Default::default()).unwrap_err();
    /// assert!(err.to_string().contains("（rows[2]）"));
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn with_source(mut self, source: impl Into<String>) -> Unit {
        self.file = source.into();
        self
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.raw {
            Raw::Table(fields) => match fields
                .iter()
                .find(|(k, _, _)| data::UNIT_NAME_KEYS.contains(&k.as_str()))
            {
                Some((_, Raw::Text(name), _)) => f.write_str(name),
                _ => f.write_str("（未命名单位）"),
            },
            _ => f.write_str("（未命名单位）"),
        }
    }
}
