//! Many units in one run: spreadsheets and documents in, one output row per unit out.
//!
//! ```text
//! files ──input::open_*──▶ Opened (header planned) ──next_item──▶ RawRow (Raw::Table + coordinates)
//!        ──data::bind──▶ Record ──jixiao::evaluate──▶ Evaluation ──output::Writer──▶ csv/jsonl/json/table/xlsx/html
//! ```
//!
//! Rows are read in chunks of [`CHUNK`]; each chunk is bound, evaluated and formatted in
//! parallel (rayon, `jobs` threads) and written in input order before the next chunk is
//! read, so CSV → CSV/JSONL runs in flat memory. A row that cannot be bound or evaluated
//! is still one output row, marked 错误 with the reason at the file's own coordinates;
//! no row is dropped and one bad row never affects another.
//!
//! This module reads input files ([`input::open_path`]) and writes output files
//! ([`output::Destination`]); the rest of the library does no file I/O.

pub mod cells;
mod fast;
pub mod html;
pub mod input;
pub mod output;
pub mod records;
pub mod table;
pub mod workbook;
pub mod xlsx;

use std::io::Write;

use rayon::prelude::*;

pub use input::{FileError, FileKind, InputFormat, Item, Opened, Origin, RawRow};
use jixiao::data;
use jixiao::diagnostics::{DataProblem, EvalError};
use jixiao::model::Model;
use jixiao::report::Evaluation;
pub use output::{Destination, OutputFormat};

/// Rows evaluated together between two writes: bounds memory, keeps threads busy.
pub const CHUNK: usize = 4096;

/// Progress is shown for inputs with more rows than this (and only on a terminal).
pub const PROGRESS_THRESHOLD: usize = 5000;

/// A unit that was evaluated: its bound data and its report.
#[derive(Debug, Clone)]
pub struct Done {
    pub record: data::Record,
    pub evaluation: Evaluation,
    /// The exact values behind the report (for `--columns` values).
    pub outcome: jixiao::eval::Outcome,
}

/// One input row's result. Every row read yields exactly one.
#[derive(Debug, Clone)]
pub struct Processed {
    /// 1-based position among all units of the run (across input files).
    pub number: usize,
    pub origin: Origin,
    /// The unit's name, or a placeholder when the row has none.
    pub unit: String,
    /// The evaluation, or why there is none (in Chinese, at the file's coordinates).
    pub result: Result<Done, String>,
    /// Keys of a TOML/JSON unit that the rule file does not declare (warned once per file).
    pub unknown_keys: Vec<String>,
}

/// Binds and evaluates one row. Never fails: problems become the row's reason. `partial`:
/// missing or unreadable figures leave only what needs them 无法计算 ([`data::BindOptions`]).
pub fn process(model: &Model, row: RawRow, number: usize, explain: bool, partial: bool) -> Processed {
    let RawRow {
        origin,
        raw,
        mut problems,
        reported,
    } = row;
    let Some(raw) = raw else {
        let reason = describe_problems(&origin, &problems);
        return Processed {
            number,
            origin,
            unit: "（未读取）".into(),
            result: Err(reason),
            unknown_keys: Vec::new(),
        };
    };
    // Reports name the row as their data file (`units.csv 第 3 行`) and the file's hash.
    // Cells are told what to type in them; a TOML/JSON document keeps its own syntax.
    let bind = match origin.file.kind {
        FileKind::Document => data::bind_with,
        FileKind::Csv | FileKind::Sheet { .. } | FileKind::Template => data::bind_cells,
    };
    let bound = bind(model, &raw, &origin.label(), data::BindOptions { partial }).map(|mut record| {
        record.source_sha256 = origin.file.sha256.clone();
        record
    });
    let (record, unit) = match bound {
        Ok(record) if problems.is_empty() => {
            let unit = record.unit.clone();
            (Some(record), unit)
        }
        Ok(record) => (None, record.unit),
        Err(e) => {
            // Binding cannot know a cell for a field it found missing; the reader already
            // reported those at their cells.
            problems.extend(
                e.problems
                    .into_iter()
                    .filter(|p| !(p.location.is_none() && reported.contains(&p.field))),
            );
            (None, e.unit)
        }
    };
    let Some(record) = record else {
        problems.sort_by_key(|p| p.location.map_or(usize::MAX, |(_, c)| c));
        let reason = describe_problems(&origin, &problems);
        return Processed {
            number,
            origin,
            unit,
            result: Err(reason),
            unknown_keys: Vec::new(),
        };
    };
    let unknown_keys = data::dedup_keys(&record.unknown_keys);
    let result = match jixiao::eval::evaluate(model, &record) {
        Ok(outcome) => Ok(Done {
            evaluation: jixiao::report::build(model, &record, &outcome, explain),
            record,
            outcome,
        }),
        Err(e) => Err(describe_eval_error(&e)),
    };
    Processed {
        number,
        origin,
        unit,
        result,
        unknown_keys,
    }
}

/// Longer values are cut in messages (a cell may hold a whole report).
fn short(value: &str) -> String {
    const MAX: usize = 40;
    let one_line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX {
        format!("{}…", one_line.chars().take(MAX).collect::<String>())
    } else {
        one_line
    }
}

/// Data problems of one row, each at its cell: `第 5 行「编制人数」列（值 `abc`）：应为…`.
pub fn describe_problems(origin: &Origin, problems: &[DataProblem]) -> String {
    if problems.is_empty() {
        return "数据有误".into();
    }
    problems
        .iter()
        .map(|p| describe_problem(origin, p))
        .collect::<Vec<_>>()
        .join("；")
}

fn describe_problem(origin: &Origin, p: &DataProblem) -> String {
    // A TOML/JSON value in the file's syntax; a cell's content as the spreadsheet shows it.
    let value = match (&p.value, &origin.file.kind) {
        (None, _) => String::new(),
        (Some(v), FileKind::Document) => format!("（值 `{}`）", short(v)),
        (Some(v), _) => format!("（值 {}）", short(v)),
    };
    match origin.file.kind {
        // The template reader placed it: `基础数据!E8「编制人数」` is its field.
        FileKind::Template => return format!("{}{value}：{}", p.field, p.message),
        FileKind::Document => {
            let at = p
                .location
                .map(|(l, c)| format!("第 {l} 行第 {c} 列 "))
                .unwrap_or_default();
            return format!("{at}`{}`{value}：{}", p.field, p.message);
        }
        FileKind::Csv | FileKind::Sheet { .. } => {}
    }
    let column = match p.location {
        Some((_, col)) => Some(col.saturating_sub(1)),
        None => origin.file.column_of(&p.field),
    };
    let (place, header) = match column {
        Some(c) => (
            origin.cell(c),
            origin.file.headers.get(c).map(String::as_str).unwrap_or(""),
        ),
        None => (origin.row_label(), ""),
    };
    let field = if p.field == header || p.field.starts_with("第 ") {
        String::new()
    } else {
        format!("「{}」", p.field)
    };
    format!("{place}{field}{value}：{}", p.message)
}

/// An evaluation failure: the indicator, the reason and the rule-file line.
pub fn describe_eval_error(e: &EvalError) -> String {
    let help = e.help.as_deref().map(|h| format!("。{h}")).unwrap_or_default();
    format!(
        "指标 `{}` 无法计算：{}（{}）{help}",
        e.indicator,
        e.message,
        jixiao::diagnostics::rule_place(e.line, e.rule_file.as_deref())
    )
}

/// How a run is done.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: OutputFormat,
    /// Explanations: always in XLSX (评分说明 sheet); in HTML an appendix to each unit's
    /// report, in CSV a column, in JSON/JSONL a field; in the table each unit's 评分表 with
    /// them, for at most [`table::EXPLAINED`] units.
    pub explain: bool,
    /// Worker threads (1 = evaluate on the calling thread).
    pub jobs: usize,
    /// Show a progress bar on stderr (the caller checks that stderr is a terminal).
    pub progress: bool,
    /// Start CSV output with a UTF-8 BOM, so that Excel opens it as UTF-8.
    pub bom: bool,
    /// 复核: add the audit's conclusion and findings to every row (CSV, XLSX, table).
    pub audit: bool,
    /// `--columns`: the CSV table's columns ([`output::resolve_columns`]); `None` for the
    /// default table.
    pub columns: Option<Vec<output::Column>>,
    /// `--partial`: a unit missing some figures is evaluated as far as they allow.
    pub partial: bool,
    /// CSV in, CSV out: bind, evaluate and write rows straight from the CSV bytes when the
    /// run allows it ([`fast`]); the output is the same either way. Off only for tests
    /// and measurements (`--no-fast-path`).
    pub fast_path: bool,
    /// CSV output: write text cells as they are, even one a spreadsheet would run as a
    /// formula (`--csv-raw`, for programs); by default such a cell gets a `'` in front
    /// ([`output::formula_like`]).
    pub csv_raw: bool,
    /// The date printed on HTML reports (生成日期, `2025-12-06`); the caller reads the
    /// clock, so the library's output depends on its arguments alone.
    pub date: Option<String>,
}

/// What a run did, for the summary on stderr and the exit code.
#[derive(Debug, Default)]
pub struct Tally {
    pub units: usize,
    /// Units with a final total and grade.
    pub evaluated: usize,
    pub error_count: usize,
    /// Units evaluated without a total: some indicator has no score.
    pub incomplete_count: usize,
    /// The first [`Tally::LISTED`] incomplete units: (where, unit, why).
    pub incomplete: Vec<(Origin, String, String)>,
    /// The first [`Tally::LISTED`] rows in error: (where, unit, reason).
    pub errors: Vec<(Origin, String, String)>,
    pub blank_rows: usize,
    /// The first [`Tally::LISTED`] blank rows skipped.
    pub blanks: Vec<Origin>,
    /// Warnings found while evaluating (unknown keys of TOML/JSON units, once per file).
    pub warnings: Vec<String>,
    /// How many input files the rows came from.
    pub files: usize,
    /// 复核: units with at least one error or warning finding.
    pub units_with_findings: usize,
    /// 复核: how often each kind of finding (`类别：对象`) occurred.
    pub finding_kinds: std::collections::BTreeMap<String, usize>,
    /// 复核: units whose grade changes: (where, unit, conclusion).
    pub grade_changes: Vec<(Origin, String, String)>,
    /// Each CSV input's text lines and what they were read as ([`Opened::line_summary`]).
    pub text_lines: Vec<String>,
}

impl Tally {
    pub const LISTED: usize = 20;

    fn add(&mut self, status: &Status) {
        self.units += 1;
        match (&status.error, &status.incomplete) {
            (None, None) => self.evaluated += 1,
            (None, Some(why)) => {
                self.incomplete_count += 1;
                if self.incomplete.len() < Self::LISTED {
                    self.incomplete
                        .push((status.origin.clone(), status.unit.clone(), why.clone()));
                }
            }
            (Some(reason), _) => {
                self.error_count += 1;
                if self.errors.len() < Self::LISTED {
                    self.errors
                        .push((status.origin.clone(), status.unit.clone(), reason.clone()));
                }
            }
        }
        if !status.findings.is_empty() {
            self.units_with_findings += 1;
        }
        for kind in &status.findings {
            *self.finding_kinds.entry(kind.clone()).or_default() += 1;
        }
        if let Some(change) = &status.grade_change {
            self.grade_changes
                .push((status.origin.clone(), status.unit.clone(), change.clone()));
        }
        if !status.unknown_keys.is_empty() {
            let keys: Vec<String> = status.unknown_keys.iter().map(|k| format!("`{k}`")).collect();
            self.warnings.push(format!(
                "{} 中的字段 {} 不是规则文件声明的输入，已忽略",
                status.origin.file.name,
                keys.join("、")
            ));
        }
    }

    /// `1000 个单位：998 个已评价，2 个有错误 — 见第 17、233 行`.
    pub fn summary(&self) -> String {
        let mut out = format!("{} 个单位：{} 个已评价", self.units, self.evaluated);
        if self.incomplete_count > 0 {
            let places = self.places(self.incomplete.iter().map(|(o, _, _)| o));
            let more = if self.incomplete_count > self.incomplete.len() {
                format!("等（只列出前 {} 个）", self.incomplete.len())
            } else {
                String::new()
            };
            out.push_str(&format!(
                "，{} 个不完整（有指标无法评分，没有总分和等级）— 见{places}{more}",
                self.incomplete_count
            ));
        }
        if self.error_count > 0 {
            let places = self.places(self.errors.iter().map(|(o, _, _)| o));
            let more = if self.error_count > self.errors.len() {
                format!("等（只列出前 {} 个）", self.errors.len())
            } else {
                String::new()
            };
            out.push_str(&format!("，{} 个有错误 — 见{places}{more}", self.error_count));
        } else {
            out.push_str("，没有错误");
        }
        if self.blank_rows > 0 {
            let more = if self.blank_rows > self.blanks.len() { "等" } else { "" };
            out.push_str(&format!(
                "（另有 {} 个空行不是单位，已跳过：{}{more}）",
                self.blank_rows,
                self.places(self.blanks.iter())
            ));
        }
        out
    }

    /// The batch 复核 summary: units with findings, the most common kinds, grade changes.
    pub fn audit_summary(&self) -> String {
        let mut out = format!(
            "复核：{} 个已评价单位中 {} 个有需要处理的复核意见（错误或警告），{} 个评价等次改变",
            self.evaluated,
            self.units_with_findings,
            self.grade_changes.len()
        );
        let mut kinds: Vec<(&String, &usize)> = self.finding_kinds.iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        if !kinds.is_empty() {
            out.push_str("\n  最常见的复核意见：");
            let top: Vec<String> = kinds
                .iter()
                .take(5)
                .map(|(k, n)| format!("{k}（{n} 个单位）"))
                .collect();
            out.push_str(&top.join("；"));
        }
        for (origin, unit, change) in &self.grade_changes {
            out.push_str(&format!("\n  等次改变：{}（{}）：{change}", unit, origin.label()));
        }
        out
    }

    /// `第 17、233 行` within one file; with file names when rows come from several.
    fn places<'a>(&self, origins: impl Iterator<Item = &'a Origin>) -> String {
        let origins: Vec<&Origin> = origins.collect();
        let rows = || origins.iter().map(|o| o.row.to_string()).collect::<Vec<_>>().join("、");
        if self.files <= 1 {
            match origins.first().map(|o| &o.file.kind) {
                Some(FileKind::Csv) => return format!("第 {} 行", rows()),
                Some(FileKind::Sheet { name }) => return format!("工作表「{name}」第 {} 行", rows()),
                _ => {}
            }
        }
        let labels: Vec<String> = origins.iter().map(|o| o.label()).collect();
        format!(" {}", labels.join("、"))
    }
}

/// What the driver keeps of each row once it is written.
struct Status {
    origin: Origin,
    unit: String,
    error: Option<String>,
    /// Why an evaluated unit has no total.
    incomplete: Option<String>,
    unknown_keys: Vec<String>,
    /// `类别：对象` of each 复核 finding that is an error or a warning.
    findings: Vec<String>,
    /// The audit's conclusion when the grade changes.
    grade_change: Option<String>,
}

impl Status {
    fn of(processed: Processed) -> Status {
        let audit = processed.result.as_ref().ok().map(|d| &d.evaluation.audit);
        Status {
            error: processed.result.as_ref().err().cloned(),
            incomplete: processed
                .result
                .as_ref()
                .ok()
                .filter(|d| !d.evaluation.complete)
                .map(|d| {
                    d.evaluation
                        .scoring
                        .as_ref()
                        .map(|s| s.text.clone())
                        .unwrap_or_default()
                }),
            findings: audit.map_or_else(Vec::new, |a| {
                a.findings
                    .iter()
                    .filter(|f| f.severity != "提示")
                    .map(|f| format!("{}：{}", f.category, f.subject))
                    .collect()
            }),
            grade_change: audit.filter(|a| a.grade_changed).map(|a| a.summary.clone()),
            origin: processed.origin,
            unit: processed.unit,
            unknown_keys: processed.unknown_keys,
        }
    }
}

/// Why a run stopped.
#[derive(Debug)]
pub enum BatchError {
    /// An input file failed in the middle (an I/O error).
    Input(FileError),
    /// Writing the output failed.
    Output(std::io::Error),
    /// The output could not be produced (e.g. more rows than a worksheet holds).
    Format(String),
    /// More units than one HTML document holds ([`html::MAX_UNITS_IN_ONE_FILE`]): the run
    /// should write a report set ([`run_reports`]).
    TooManyForOneReport { limit: usize },
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::Input(e) => write!(f, "{e}"),
            BatchError::Output(e) => write!(f, "写出结果失败：{}", jixiao::diagnostics::io_message(e)),
            BatchError::Format(m) => f.write_str(m),
            BatchError::TooManyForOneReport { limit } => write!(
                f,
                "单位超过 {limit} 个，不写成一个 HTML 文件（打印和打开都太大）：请用 -o 目录/ 写出汇总.html 和每个单位一个报告，或用 -o 评价报告.zip 打包成一个压缩文件"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

impl From<std::io::Error> for BatchError {
    fn from(e: std::io::Error) -> Self {
        BatchError::Output(e)
    }
}

/// Evaluates every row of `inputs`, in order, writing `options.format` to `out`.
pub fn run(model: &Model, inputs: Vec<Opened>, options: &Options, out: &mut dyn Write) -> Result<Tally, BatchError> {
    let layout = output::Layout::new(model, options);
    if let Some(files) = fast::direct_plan(&layout, &inputs) {
        return fast::drive(&layout, inputs, files, out);
    }
    by_format(&layout, inputs, out, None)
}

/// [`run`], also gathering the figures of the summary charts from every unit (for the
/// workbench, which shows them beside the JSON). Always the general path.
pub fn run_with_city(
    model: &Model,
    inputs: Vec<Opened>,
    options: &Options,
    out: &mut dyn Write,
) -> Result<(Tally, crate::chart::City), BatchError> {
    let layout = output::Layout::new(model, options);
    let mut city = crate::chart::stats::CityBuilder::new(model);
    let tally = by_format(&layout, inputs, out, Some(&mut city))?;
    Ok((tally, city.finish()))
}

/// [`run_with_city`] with a writer of the caller's own (the workbench's compact list of a
/// city's units, `output::Writer`).
pub fn run_with_writer<W: output::Writer>(
    model: &Model,
    inputs: Vec<Opened>,
    options: &Options,
    writer: W,
    out: &mut dyn Write,
) -> Result<(Tally, crate::chart::City), BatchError> {
    let layout = output::Layout::new(model, options);
    let mut city = crate::chart::stats::CityBuilder::new(model);
    let tally = drive(&layout, inputs, writer, out, Some(&mut city))?;
    Ok((tally, city.finish()))
}

fn by_format(
    layout: &output::Layout,
    inputs: Vec<Opened>,
    out: &mut dyn Write,
    city: Option<&mut crate::chart::stats::CityBuilder>,
) -> Result<Tally, BatchError> {
    match layout.options.format {
        OutputFormat::Csv => drive(layout, inputs, output::CsvWriter, out, city),
        OutputFormat::Jsonl => drive(layout, inputs, output::JsonlWriter, out, city),
        OutputFormat::Json => drive(layout, inputs, output::JsonWriter::default(), out, city),
        OutputFormat::Table => drive(layout, inputs, table::TableWriter::default(), out, city),
        OutputFormat::Xlsx => drive(layout, inputs, xlsx::XlsxWriter::new(layout), out, city),
        OutputFormat::Html => drive(layout, inputs, html::HtmlWriter::new(layout), out, city),
    }
}

/// Evaluates every row of `inputs`, in order, writing each unit's HTML report into
/// `files` as it is done, and the summary (`汇总.html`) at the end: the report set of a
/// city too large for one document ([`html::MAX_UNITS_IN_ONE_FILE`]).
pub fn run_reports(
    model: &Model,
    inputs: Vec<Opened>,
    options: &Options,
    files: &mut dyn html::ReportFiles,
) -> Result<Tally, BatchError> {
    let layout = output::Layout::new(model, options);
    drive(
        &layout,
        inputs,
        html::ReportSetWriter::new(files),
        &mut std::io::sink(),
        None,
    )
}

fn drive<W: output::Writer>(
    layout: &output::Layout,
    mut inputs: Vec<Opened>,
    mut writer: W,
    out: &mut dyn Write,
    mut city: Option<&mut crate::chart::stats::CityBuilder>,
) -> Result<Tally, BatchError> {
    let options = layout.options;
    let mut tally = Tally {
        files: inputs.len(),
        ..Tally::default()
    };
    let estimated: usize = inputs.iter().map(|i| i.estimated_rows).sum();
    let bar = (options.progress && estimated > PROGRESS_THRESHOLD).then(|| progress_bar(estimated));
    let pool = if options.jobs > 1 {
        rayon::ThreadPoolBuilder::new().num_threads(options.jobs).build().ok()
    } else {
        None
    };
    writer.begin(layout, out)?;
    let mut chunk: Vec<(usize, RawRow)> = Vec::with_capacity(CHUNK);
    let mut bytes = 0;
    let mut number = 0;
    for opened in &mut inputs {
        while let Some(item) = opened.next_item() {
            let item = item.map_err(BatchError::Input)?;
            bytes += opened.last_record_bytes();
            match item {
                Item::Blank(origin) => {
                    tally.blank_rows += 1;
                    if tally.blanks.len() < Tally::LISTED {
                        tally.blanks.push(origin);
                    }
                }
                Item::Row(row) => {
                    number += 1;
                    chunk.push((number, row));
                    if chunk.len() == CHUNK || bytes >= records::CHUNK_BYTES {
                        bytes = 0;
                        flush(
                            layout,
                            &mut chunk,
                            pool.as_ref(),
                            (&mut writer, city.as_deref_mut()),
                            &mut tally,
                            out,
                        )?;
                        if let Some(bar) = &bar {
                            bar.set_position(tally.units as u64);
                        }
                    }
                }
            }
        }
    }
    flush(layout, &mut chunk, pool.as_ref(), (&mut writer, city), &mut tally, out)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    tally.warnings.dedup();
    tally.text_lines = inputs.iter().filter_map(Opened::line_summary).collect();
    writer.finish(layout, out)?;
    out.flush()?;
    Ok(tally)
}

fn flush<W: output::Writer>(
    layout: &output::Layout,
    chunk: &mut Vec<(usize, RawRow)>,
    pool: Option<&rayon::ThreadPool>,
    (writer, mut city): (&mut W, Option<&mut crate::chart::stats::CityBuilder>),
    tally: &mut Tally,
    out: &mut dyn Write,
) -> Result<(), BatchError> {
    let charted = city.is_some();
    let one = |(number, row): (usize, RawRow)| {
        let processed = process(
            layout.model,
            row,
            number,
            layout.explain_needed(),
            layout.options.partial,
        );
        let item = W::prepare(layout, &processed);
        let stats = charted.then(|| output::UnitStats::of(&processed));
        (Status::of(processed), item, stats)
    };
    let results: Vec<(Status, W::Item, Option<output::UnitStats>)> = match pool {
        Some(pool) => pool.install(|| chunk.par_drain(..).map(one).collect()),
        None => chunk.drain(..).map(one).collect(),
    };
    for (status, item, stats) in results {
        tally.add(&status);
        if let (Some(city), Some(stats)) = (city.as_deref_mut(), &stats) {
            city.add(stats);
        }
        writer.write(layout, item, out)?;
    }
    Ok(())
}

fn progress_bar(total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(total as u64), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} 评价中 [{bar:30}] {pos}/约 {len} 个单位，剩余 {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
