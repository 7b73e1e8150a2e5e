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

/// How messages name data a host passes in (there is no file).
const DATA_NAME: &str = "程序传入的数据";

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
                .map_err(|e| match e {
                    // The diagnostic names the base file; this says why it could not be read.
                    Error::Io { message, .. } => message,
                    other => other.to_string(),
                })
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
        self.compiled
            .warnings
            .iter()
            .map(DiagnosticRecord::from_check)
            .collect()
    }

    /// Each warning as plain text with its rule-file excerpt and caret (what `jixiao check`
    /// prints, without colour), in the order of [`Rules::warnings`].
    pub fn render_warnings(&self) -> Vec<String> {
        self.compiled.warnings.iter().map(|w| render_plain(w)).collect()
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
                file: DATA_NAME.into(),
                unit: "（未读取）".into(),
                problems: vec![problem],
            })
        })?;
        Ok(Unit {
            raw,
            file: DATA_NAME.into(),
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
            file: DATA_NAME.into(),
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

    /// Evaluates many units with the one compiled rule set; the results are in the units'
    /// order, and one unit's error never stops the others. Large batches are spread over
    /// the machine's cores (not on wasm32, which has no threads).
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
        let units: Vec<&Unit> = units.into_iter().collect();
        let threads = threads_for(units.len());
        if threads <= 1 {
            return units.iter().map(|unit| self.evaluate(unit, options)).collect();
        }
        let chunk = units.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = units
                .chunks(chunk)
                .map(|part| {
                    std::thread::Builder::new()
                        .stack_size(WORKER_STACK_BYTES)
                        .spawn_scoped(scope, move || {
                            part.iter().map(|unit| self.evaluate(unit, options)).collect::<Vec<_>>()
                        })
                })
                .collect();
            let mut results: Vec<Result<Evaluation, Error>> = Vec::with_capacity(units.len());
            for (part, spawned) in units.chunks(chunk).zip(parts) {
                match spawned {
                    Ok(handle) => match handle.join() {
                        Ok(done) => results.extend(done),
                        Err(panic) => std::panic::resume_unwind(panic),
                    },
                    // No thread to be had: this part on the calling thread.
                    Err(_) => results.extend(part.iter().map(|unit| self.evaluate(unit, options))),
                }
            }
            results
        })
    }

    /// [`Rules::evaluate_many`] for a stream of units of any length in bounded memory:
    /// units are taken a chunk at a time (a few hundred per core), evaluated in parallel,
    /// and their results handed out in input order before the next chunk is read.
    ///
    /// ```
    /// use jixiao::{Options, Rules};
    ///
    /// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let units = (0..1000).map(|i| {
    ///     let mut unit = rules.unit(format!("单位{i}"));
    ///     unit.set("编制人数", 100).unwrap().set("实有人数", 90 + i % 20).unwrap();
    ///     unit.build()
    /// });
    /// let mut graded = 0;
    /// for result in rules.evaluate_iter(units, Options::default()) {
    ///     graded += usize::from(result?.grade.is_some());
    /// }
    /// assert_eq!(graded, 1000);
    /// # Ok::<(), jixiao::Error>(())
    /// ```
    pub fn evaluate_iter<I>(&self, units: I, options: Options) -> EvaluateIter<'_, I::IntoIter>
    where
        I: IntoIterator<Item = Unit>,
    {
        EvaluateIter {
            rules: self,
            units: units.into_iter(),
            options,
            ready: std::collections::VecDeque::new(),
            chunk: threads_for(usize::MAX).max(1) * UNITS_PER_CHUNK,
        }
    }

    /// The compiled rule set, for the workspace's own crates.
    #[doc(hidden)]
    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }
}

/// Below this many units a batch is evaluated on the calling thread: starting threads
/// would cost more than it saves.
const UNITS_PER_THREAD: usize = 32;

/// Evaluation recurses over formulas (bounded by the parser's nesting limit); a worker's
/// stack is generous for the deepest a rule file may be.
const WORKER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Units [`Rules::evaluate_iter`] reads ahead per core.
const UNITS_PER_CHUNK: usize = 256;

/// The results of [`Rules::evaluate_iter`], in input order.
#[derive(Debug)]
pub struct EvaluateIter<'r, I> {
    rules: &'r Rules,
    units: I,
    options: Options,
    ready: std::collections::VecDeque<Result<Evaluation, Error>>,
    chunk: usize,
}

impl<I: Iterator<Item = Unit>> Iterator for EvaluateIter<'_, I> {
    type Item = Result<Evaluation, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() {
            let chunk: Vec<Unit> = self.units.by_ref().take(self.chunk).collect();
            self.ready.extend(self.rules.evaluate_many(&chunk, &self.options));
        }
        self.ready.pop_front()
    }
}

fn threads_for(units: usize) -> usize {
    if cfg!(target_arch = "wasm32") {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(units / UNITS_PER_THREAD).max(1)
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read(path)
        .map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: crate::diagnostics::io_message(&e),
        })
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| Error::Io {
                path: path.display().to_string(),
                message: "不是 UTF-8 编码的文本".into(),
            })
        })
}

/// A figure a unit reports, as [`Rules::inputs`] lists it: an `输入` of the rule file, or
/// a `目标清单` (then [`InputType::Targets`]). Serialises to JSON with `input_type` as
/// `"type"`.
///
/// ```
/// use jixiao::{InputType, Rules};
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let inputs = rules.inputs();
/// let staff = &inputs[0];
/// assert_eq!(staff.name, "编制人数");
/// assert_eq!(staff.aliases, ["人员编制"]);
/// assert_eq!(staff.ranges, ["> 0"]);
/// assert_eq!(staff.description.as_deref(), Some("核定编制人数"));
/// // A host building its own form picks a widget by type:
/// for input in &inputs {
///     let widget = match &input.input_type {
///         InputType::Amount { .. } | InputType::Count { .. } | InputType::Percent => "number",
///         InputType::Bool => "checkbox",
///         InputType::Targets { .. } => "table",
///         _ => "text",
///     };
///     assert_eq!(widget, "number");
/// }
/// let json = serde_json::to_value(staff).unwrap();
/// assert_eq!(json["type"], serde_json::json!({"kind": "count", "unit": "人"}));
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct InputInfo {
    /// The name declared in the rule file; [`UnitBuilder::set`] and data files use it (or
    /// an alias).
    pub name: String,
    /// Other names accepted for it (`别名`).
    pub aliases: Vec<String>,
    /// What kind of value it takes (`"type"` in JSON).
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

/// The type of an input, from its declaration (`输入 编制人数: 人`). In JSON it is an
/// object tagged by `"kind"`: `{"kind": "count", "unit": "人"}`, `{"kind": "percent"}`,
/// `{"kind": "targets", "categories": [...]}`.
///
/// ```
/// use jixiao::{InputType, Rules};
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let types: Vec<InputType> = rules.inputs().into_iter().map(|i| i.input_type).collect();
/// assert_eq!(types, [InputType::Count { unit: "人" }, InputType::Count { unit: "人" }]);
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputType {
    /// An amount in a unit of measure (`万元`, `元` …), exact decimals.
    Amount {
        /// The unit of measure as declared (`万元`).
        unit: &'static str,
    },
    /// A whole number of `人`, `个`, `项` ….
    Count {
        /// The unit counted, as declared (`人`).
        unit: &'static str,
    },
    /// A rate: `95%`, or the decimal `0.95`.
    Percent,
    /// 是/否.
    Bool,
    /// Text.
    Text,
    /// A target list (`清单`): items with 类别, 名称, 目标, 实际 and optionally 达成.
    Targets {
        /// The `类别` the list allows, in the declared order; empty when the rule file
        /// does not restrict them.
        categories: Vec<String>,
    },
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

/// A typed value for [`UnitBuilder::set`]; usually made by `into()` from an integer,
/// a [`Decimal`], a `bool`, a string or a `Vec<`[`Target`]`>`.
///
/// ```
/// use jixiao::{ErrorKind, InputValue, ProblemKind, Rules};
/// use rust_decimal::Decimal;
///
/// assert_eq!(InputValue::from(104), InputValue::Integer(104));
/// assert_eq!(InputValue::from("95%"), InputValue::Text("95%".into()));
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let mut unit = rules.unit("某单位");
/// unit.set("编制人数", "1,000")?; // text as a data file writes it
/// unit.set("实有人数", Decimal::new(1000, 1))?; // 100.0: a whole number of 人
/// let err = unit.set("实有人数", Decimal::new(1005, 1)).unwrap_err(); // 100.5 人
/// assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::NotInteger));
/// let err = unit.set("编制人数", true).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::InvalidValue));
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InputValue {
    /// An exact decimal (an amount, a count, or a rate as a decimal: `0.95`).
    Decimal(Decimal),
    /// A whole number (a count, or an amount that happens to be whole).
    Integer(i64),
    /// 是/否, for a `是否` input.
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
///
/// When both `目标` and `实际` read as a comparison and a number in the same unit
/// (`≥100 人` and `148 人`), jixiao judges `达成` itself and a stated one does not count;
/// otherwise (text, or different units) [`Target::achieved`] must say it, or evaluating
/// the unit is a [`ProblemKind::InvalidTarget`] error.
///
/// ```
/// use jixiao::{Options, Rules, Target};
///
/// let rules = Rules::compile("目标.jx", r#"
///     标题 "目标示例"
///     年度 2021
///     满分 10
///     目标清单 绩效目标 { 类别 "数量指标", "质量指标" }
///     一级 产出 分值 10 {
///       二级 职责履行 分值 10 {
///         三级 目标达成率 分值 10 {
///           公式 计数(绩效目标 其中 达成) / 计数(绩效目标)
///           显示 百分比 2
///           评分 比例 { 目标 100% }
///         }
///       }
///     }
///     等级 { 优秀 >= 9  合格 [6, 9)  不合格 < 6 }
/// "#)?;
/// let mut unit = rules.unit("某单位");
/// unit.set("绩效目标", vec![
///     Target::new("数量指标", "培训人数", "≥100 人", "148 人"), // judged: 达成
///     Target::new("质量指标", "夜市经营秩序", "秩序良好", "仍有扰民投诉").achieved(false),
/// ])?;
/// let evaluation = rules.evaluate(&unit.build(), &Options::default())?;
/// assert_eq!(evaluation.indicators[0].display.as_deref(), Some("50.00%"));
/// assert_eq!(evaluation.total_display, "5.00");
///
/// // A qualitative target without `达成` cannot be judged:
/// let mut unit = rules.unit("某单位");
/// unit.set("绩效目标", vec![Target::new("质量指标", "夜市经营秩序", "秩序良好", "良好")])?;
/// let err = rules.evaluate(&unit.build(), &Options::default()).unwrap_err();
/// assert_eq!(err.code(), "jixiao::data::invalid_target");
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `类别` (`数量指标`, `质量指标` …): one of the list's declared categories, if it
    /// declares any.
    pub category: String,
    /// `名称`: what the target is (`行政执法岗位培训人数`).
    pub name: String,
    /// `目标` as the unit wrote it (`≥100 人`, `95%以上`, or text).
    pub target: String,
    /// `实际` as the unit wrote it (`148 人`, or text).
    pub actual: String,
    /// `达成` as stated: needed when it cannot be judged from `目标` and `实际`, ignored
    /// when it can.
    pub achieved: Option<bool>,
}

impl Target {
    /// A target with `类别`, `名称`, `目标` and `实际`, and no stated `达成`.
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
                declared_in: None,
            }),
            Some(DataKey::List(_)) => None,
            None => Some(unknown_input(model, name)),
        };
        if let Some(problem) = problem {
            return Err(Error::Data(DataError {
                file: DATA_NAME.into(),
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
            file: DATA_NAME.into(),
            sha256: String::new(),
        }
    }
}

fn unknown_input(model: &crate::model::Model, name: &str) -> DataProblem {
    let close = crate::check::suggest(name, model.data_keys.keys().map(String::as_str));
    DataProblem {
        kind: ProblemKind::UnknownInput,
        field: name.to_owned(),
        value: None,
        message: match close.first() {
            Some(k) => format!("规则文件没有这个输入；是否指 `{k}`？"),
            None => "规则文件没有这个输入".into(),
        },
        location: None,
        declared_at: None,
        declared_in: None,
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
///
/// With `partial`, a unit missing a figure still has an evaluation, without a total:
///
/// ```
/// use jixiao::{Options, Rules};
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let mut unit = rules.unit("某单位");
/// unit.set("编制人数", 100)?; // 实有人数 missing
/// let options = Options::default().partial(true).audit(false);
/// let evaluation = rules.evaluate(&unit.build(), &options)?;
/// assert!(!evaluation.complete);
/// assert_eq!(evaluation.total, None);
/// assert_eq!(evaluation.indicators[0].status, "无法计算");
/// assert_eq!(evaluation.audit.summary, "未复核");
/// // Without it, the same unit is an error:
/// let err = rules.evaluate(&unit.build(), &Options::default()).unwrap_err();
/// assert_eq!(err.code(), "jixiao::data::missing_input");
/// # Ok::<(), jixiao::Error>(())
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
    /// Sets [`Options::explain`]: each [`IndicatorResult`](crate::report::IndicatorResult)
    /// gets its `explanation`.
    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }
    /// Sets [`Options::audit`] (the 复核; on by default).
    pub fn audit(mut self, on: bool) -> Self {
        self.audit = on;
        self
    }
    /// Sets [`Options::partial`]: missing or unreadable figures make what needs them
    /// 无法计算 instead of an error.
    pub fn partial(mut self, on: bool) -> Self {
        self.partial = on;
        self
    }
}

/// Why a rule file, a unit or an evaluation failed. [`Error::kind`] is matchable and
/// [`Error::code`] stable; the `Display` text is the Chinese message, and the error is a
/// [`miette::Diagnostic`] with the file, line and caret where there is one.
///
/// ```
/// use jixiao::{ErrorKind, Rules};
///
/// // `满分 = 10`: the header takes no `=`.
/// let text = jixiao::doc_example::RULES.replace("满分 10", "满分 = 10");
/// let err = Rules::compile("示例.jx", &text).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Syntax);
/// assert_eq!(err.code(), "jixiao::syntax");
/// assert_eq!(err.to_string(), "语法错误：此处应为 数字");
/// // The rendered diagnostic quotes the line, with a caret under the `=`:
/// let text = err.render();
/// assert!(text.contains("满分 = 10"));
/// assert!(text.contains("这里是 `=`"));
/// // The same as data, for an editor:
/// let diagnostic = &err.diagnostics()[0];
/// assert_eq!((diagnostic.line, diagnostic.column), (4, 4));
/// ```
///
/// A rule file that parses but does not check is [`ErrorKind::Check`], with the code of
/// its first error:
///
/// ```
/// let text = jixiao::doc_example::RULES.replace("实有人数 / 编制人数", "实有人数 / 编制人");
/// let err = jixiao::Rules::compile("示例.jx", &text).unwrap_err();
/// assert_eq!(err.kind(), jixiao::ErrorKind::Check);
/// assert_eq!(err.code(), "jixiao::check::unknown_name");
/// assert!(err.render().contains("是否指 `编制人数`？"));
/// ```
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("无法读取 `{path}`：{message}")]
    #[diagnostic(code(jixiao::io))]
    Io {
        /// The file, as given to [`Rules::load`].
        path: String,
        /// Why, in Chinese (`文件不存在`, `没有权限`, `不是 UTF-8 编码的文本` …).
        message: String,
    },
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
///
/// ```
/// use jixiao::{ErrorKind, ProblemKind, Rules};
///
/// let rules = Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
/// let mut unit = rules.unit("某单位");
/// let err = unit.set("编制人数", 0).unwrap_err(); // declared `范围 > 0`
/// let advice = match err.kind() {
///     ErrorKind::Io => "check the path",
///     ErrorKind::Syntax | ErrorKind::Check => "fix the rule file",
///     ErrorKind::Data(ProblemKind::OutOfRange) => "ask the unit to correct the figure",
///     ErrorKind::Data(_) => "fix the data",
///     ErrorKind::Eval(_) => "report it",
///     _ => "unknown",
/// };
/// assert_eq!(advice, "ask the unit to correct the figure");
/// assert_eq!(err.problems()[0].field, "编制人数");
///
/// let err = Rules::load("没有这个文件.jx").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Io);
/// assert_eq!(err.code(), "jixiao::io");
/// # Ok::<(), jixiao::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read ([`Rules::load`]).
    Io,
    /// The rule file does not parse.
    Syntax,
    /// The rule file does not check ([`Error::code`] names the first error's check).
    Check,
    /// The unit's data, by its first problem.
    Data(ProblemKind),
    /// A unit's evaluation could not finish, by what stopped it.
    Eval(EvalErrorKind),
}

impl Error {
    /// What kind of error it is (for a data error, the kind of its first problem).
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
            Error::Rules(LoadError::Check(errors)) => errors.errors.iter().map(DiagnosticRecord::from_check).collect(),
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
    /// Names where the unit's data came from (a file name, `rows[2]`, `第 3 行`): error
    /// messages and the evaluation's `provenance.data_file` say it. Without it they say
    /// 程序传入的数据.
    ///
    /// ```
    /// let rules = jixiao::Rules::compile("示例.jx", jixiao::doc_example::RULES)?;
    /// let unit = rules.unit_from_json(&serde_json::json!({"单位名称": "某单位"})).with_source("rows[2]");
    /// let err = rules.evaluate(&unit, &Default::default()).unwrap_err();
    /// assert!(err.to_string().contains("（rows[2]）"));
    /// let unit = rules
    ///     .unit_from_text(r#"{"单位名称": "某单位", "编制人数": 100, "实有人数": 104}"#, jixiao::DataFormat::Json)?
    ///     .with_source("某单位.json");
    /// let evaluation = rules.evaluate(&unit, &jixiao::Options::default())?;
    /// assert_eq!(evaluation.provenance.data_file, "某单位.json");
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
