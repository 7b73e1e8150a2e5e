//! Writers for a run's results: CSV, JSONL and JSON stream row by row; the terminal
//! table, XLSX ([`super::xlsx`]) and HTML ([`super::html`]) collect what they need and
//! write at the end. Numbers are the report's own: values and scores are rounded
//! (四舍五入) only here, for display, exactly as [`jixiao::report`] shows them.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use num_rational::BigRational;

use jixiao::number::{round_big, Number};
use serde::Serialize;

use super::{BatchError, Options, Processed};
use jixiao::model::Model;
use jixiao::numfmt::{format_stated, round_half_away};
use jixiao::report::Evaluation;

/// The output formats of `jixiao eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    Xlsx,
    Html,
}

impl OutputFormat {
    /// The format an output file's extension asks for.
    pub fn from_path(path: &Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_str()?.to_lowercase();
        Some(match ext.as_str() {
            "txt" => OutputFormat::Table,
            "json" => OutputFormat::Json,
            "jsonl" | "ndjson" => OutputFormat::Jsonl,
            "csv" => OutputFormat::Csv,
            "xlsx" => OutputFormat::Xlsx,
            "html" | "htm" => OutputFormat::Html,
            _ => return None,
        })
    }
}

/// Where the output goes. A file is written to a temporary file beside it and renamed
/// into place only when the run succeeded, so a failed run never leaves half a file
/// (nor destroys the previous one).
pub enum Destination {
    Stdout(io::BufWriter<io::Stdout>),
    File {
        path: PathBuf,
        temp: io::BufWriter<tempfile::NamedTempFile>,
    },
}

/// Temporary output files not yet renamed into place, so that an interrupted run
/// (Ctrl-C, SIGTERM, SIGHUP) can remove them ([`remove_unfinished_outputs`]).
static UNFINISHED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNFINISHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes the temporary files of outputs still being written: for the binary's signal
/// handler, right before it exits. (A `kill -9` cannot be caught; such a file is named
/// `.jixiao-*.tmp` and may be deleted.)
pub fn remove_unfinished_outputs() {
    for path in unfinished().drain(..) {
        // A folder is listed only when this run created it (a report set).
        if path.is_dir() {
            let _ = std::fs::remove_dir_all(path);
        } else {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Lists an output not yet finished, for [`remove_unfinished_outputs`].
pub(crate) fn track_unfinished(path: PathBuf) {
    unfinished().push(path);
}

/// The output is finished (or already removed).
pub(crate) fn untrack_unfinished(path: &Path) {
    unfinished().retain(|p| p != path);
}

/// Where `-o` really writes: a symlink is followed to the file it names (the link stays a
/// link), and only a regular file (or a new one) may be written.
fn output_target(path: &Path) -> Result<PathBuf, String> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(path.to_path_buf()); // a new file
    };
    let target = if meta.file_type().is_symlink() {
        std::fs::canonicalize(path).map_err(|_| {
            format!(
                "输出文件 {} 是一个符号链接，但它指向的文件不存在；请指定一个普通文件",
                path.display()
            )
        })?
    } else {
        path.to_path_buf()
    };
    match std::fs::metadata(&target) {
        Ok(m) if m.is_file() => Ok(target),
        Ok(m) if m.is_dir() => Err(format!("输出文件 {} 是一个目录：请在目录中指定文件名，例如 {}", path.display(), path.join("评价结果.csv").display())),
        Ok(_) => Err(format!(
            "输出文件 {} 不是普通文件（设备、管道或套接字），jixiao 不会替换它；要把结果写到那里，请不用 -o，改用重定向（> {}）",
            path.display(),
            path.display()
        )),
        Err(_) => Ok(target),
    }
}

/// Whether two paths are the same file (same device and inode on Unix).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(x), Ok(y)) => {
            use std::os::unix::fs::MetadataExt;
            x.dev() == y.dev() && x.ino() == y.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok(),
        _ => false,
    }
}

impl Destination {
    pub fn stdout() -> Destination {
        Destination::Stdout(io::BufWriter::new(io::stdout()))
    }

    /// Creates the temporary file in the target's directory. `inputs` are the files the
    /// run reads (data, the rule file and its `基于` bases): the output may be none of them,
    /// under any name (same device and inode). The target must be a regular file or new;
    /// a symlink is written through (the file it names is replaced, the link kept).
    pub fn file(path: &Path, inputs: &[PathBuf]) -> Result<Destination, String> {
        if let Some(input) = inputs.iter().find(|i| same_file(path, i)) {
            return Err(format!(
                "输出文件 {} 就是输入文件 {}：写出结果会覆盖它。请换一个输出文件名",
                path.display(),
                input.display()
            ));
        }
        let path = &output_target(path)?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".jixiao-").suffix(".tmp");
        // The result gets the permissions a newly created file would (or the ones of the
        // file it replaces), not the temporary file's private 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        if !dir.exists() {
            return Err(format!(
                "输出目录 {} 不存在：请先建立这个目录，或换一个输出位置",
                dir.display()
            ));
        }
        let temp = builder.tempfile_in(&dir).map_err(|e| {
            format!(
                "无法在目录 {} 中创建输出文件：{}",
                dir.display(),
                super::input::io_message(&e)
            )
        })?;
        track_unfinished(temp.path().to_path_buf());
        Ok(Destination::File {
            path: path.to_path_buf(),
            temp: io::BufWriter::new(temp),
        })
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Destination::Stdout(w) => w,
            Destination::File { temp, .. } => temp,
        }
    }

    /// Flushes and, for a file, renames the temporary file to the target.
    pub fn commit(self) -> Result<(), String> {
        match self {
            Destination::Stdout(mut w) => match w.flush() {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    Err(format!("写出结果失败：{}", super::input::io_message(&e)))
                }
                _ => Ok(()),
            },
            Destination::File { path, temp } => {
                let temp_path = temp.get_ref().path().to_path_buf();
                let done = temp
                    .into_inner()
                    .map_err(|e| format!("写出 {} 失败：{}", path.display(), super::input::io_message(e.error())))
                    .and_then(|temp| {
                        temp.persist(&path)
                            .map(|_| ())
                            .map_err(|e| format!("无法写入 {}：{}", path.display(), super::input::io_message(&e.error)))
                    });
                untrack_unfinished(&temp_path);
                done
            }
        }
    }
}

/// What every writer needs to know about the rule file's shape; shared by the threads.
pub struct Layout<'m> {
    pub model: &'m Model,
    pub options: &'m Options,
    /// Each 三级 indicator (in report order): its name and whether it has a value.
    pub leaves: Vec<(String, bool)>,
    /// How each 三级 indicator's value is shown (`显示`), in the same order.
    pub leaf_displays: Vec<Option<jixiao::ast::Display>>,
    /// Each 一级/二级 category (in report order).
    pub categories: Vec<String>,
    /// The grade names, best first.
    pub grades: Vec<String>,
    /// The columns of the one-row-per-unit table (CSV and the XLSX 评价结果 sheet).
    pub columns: Vec<Column>,
}

impl<'m> Layout<'m> {
    pub fn new(model: &'m Model, options: &'m Options) -> Layout<'m> {
        let leaves = model
            .nodes
            .iter()
            .filter_map(|n| n.leaf.as_ref().map(|l| (n.name.clone(), l.value_slot.is_some())))
            .collect();
        let leaf_displays = model
            .nodes
            .iter()
            .filter_map(|n| n.leaf.as_ref().map(|l| l.display))
            .collect();
        let categories = model
            .nodes
            .iter()
            .filter(|n| n.leaf.is_none())
            .map(|n| n.name.clone())
            .collect();
        let mut layout = Layout {
            model,
            options,
            leaves,
            leaf_displays,
            categories,
            grades: model.grades.bands.iter().map(|(g, _)| g.clone()).collect(),
            columns: Vec::new(),
        };
        layout.columns = match &options.columns {
            Some(columns) => columns.clone(),
            None => layout.table_columns(),
        };
        layout
    }

    /// Whether evaluations must carry explanations for this format.
    pub fn explain_needed(&self) -> bool {
        self.options.explain || self.options.format == OutputFormat::Xlsx
    }

    fn table_columns(&self) -> Vec<Column> {
        let mut cols = vec![
            Column::Number,
            Column::Source,
            Column::Unit,
            Column::Status,
            Column::Reason,
        ];
        // The `计算` values the rule file shows, in its order (before the 评分表 there too).
        cols.extend(
            self.model
                .computed
                .iter()
                .filter(|c| c.indicator.is_none() && c.display.is_some())
                .map(|c| Column::Slot(c.slot, c.display)),
        );
        for (i, (_, has_value)) in self.leaves.iter().enumerate() {
            if *has_value {
                cols.push(Column::Value(i));
            }
            cols.push(Column::Score(i));
        }
        cols.extend((0..self.categories.len()).map(Column::Subtotal));
        cols.extend([
            Column::Total,
            Column::Grade,
            Column::FailedChecks,
            Column::SelfTotal,
            Column::SelfGrade,
        ]);
        if self.options.audit {
            cols.extend([Column::AuditSummary, Column::AuditFindings]);
        }
        if self.options.explain && self.options.format == OutputFormat::Csv {
            cols.push(Column::Explanation);
        }
        // Provenance on every row: rows of several files can be told apart.
        cols.extend([Column::RulesSha, Column::DataSha]);
        cols
    }

    pub fn header(&self, col: &Column) -> String {
        match col {
            Column::Number => "序号".into(),
            Column::Source => "来源".into(),
            Column::Unit => "单位名称".into(),
            Column::Status => "状态".into(),
            Column::Reason => "错误原因".into(),
            Column::Value(i) => self.leaves[*i].0.clone(),
            Column::Score(i) => format!("{}得分", self.leaves[*i].0),
            Column::Subtotal(i) => format!("{}小计", self.categories[*i]),
            Column::Total => "总分".into(),
            Column::Grade => "等级".into(),
            Column::FailedChecks => "未通过的勾稽关系".into(),
            Column::SelfTotal => "自评总分".into(),
            Column::SelfGrade => "自评等级".into(),
            Column::Explanation => "评分说明".into(),
            Column::AuditSummary => "复核结论".into(),
            Column::AuditFindings => "复核意见".into(),
            Column::RulesSha => "规则文件SHA256".into(),
            Column::DataSha => "数据文件SHA256".into(),
            Column::Slot(slot, _) => self.model.slot_names[*slot].clone(),
            Column::Check(i) => self.model.checks[*i].name.clone(),
        }
    }
}

/// The fixed columns of the one-row-per-unit table, by their header.
const FIXED_COLUMNS: &[(&str, Column)] = &[
    ("序号", Column::Number),
    ("来源", Column::Source),
    ("单位名称", Column::Unit),
    ("单位", Column::Unit),
    ("状态", Column::Status),
    ("错误原因", Column::Reason),
    ("总分", Column::Total),
    ("等级", Column::Grade),
    ("未通过的勾稽关系", Column::FailedChecks),
    ("自评总分", Column::SelfTotal),
    ("自评等级", Column::SelfGrade),
    ("评分说明", Column::Explanation),
    ("复核结论", Column::AuditSummary),
    ("复核意见", Column::AuditFindings),
    ("规则文件SHA256", Column::RulesSha),
    ("数据文件SHA256", Column::DataSha),
];

/// `--columns`: the table's columns chosen by name, in the order given. A name is, in
/// this order: one of the default table's fixed headers (`序号`, `单位名称`, `总分`, `等级`,
/// `状态`, `错误原因` …); the name of an input, a `计算` value or an indicator with a
/// `公式` (its value, shown as its `显示` says); the name of a `勾稽`/`对照` (`通过` or
/// `不通过`; write `勾稽.名称` when an input has the same name); `名称得分` for an
/// indicator's or category's score; `名称小计` for a category's subtotal.
pub fn resolve_columns(model: &Model, names: &[String], options: &Options) -> Result<Vec<Column>, String> {
    let leaves = &model.leaves;
    let categories: Vec<usize> = model
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.leaf.is_none())
        .map(|(i, _)| i)
        .collect();
    let check = |name: &str| model.checks.iter().position(|c| c.name == name).map(Column::Check);
    let mut columns = Vec::with_capacity(names.len());
    for raw in names {
        let name = raw.trim();
        let found = FIXED_COLUMNS
            .iter()
            .find(|(h, _)| *h == name)
            .map(|(_, c)| *c)
            .or_else(|| {
                let slot = model.slot_names.iter().position(|n| n == name)?;
                Some(Column::Slot(slot, model.slot_display(slot)))
            })
            .or_else(|| check(name))
            .or_else(|| ["勾稽.", "对照."].iter().find_map(|p| check(name.strip_prefix(p)?)))
            .or_else(|| {
                let stem = name.strip_suffix("得分")?;
                let node = model.nodes.iter().position(|n| n.name == stem)?;
                match leaves.iter().position(|&l| l == node) {
                    Some(i) => Some(Column::Score(i)),
                    None => categories.iter().position(|&c| c == node).map(Column::Subtotal),
                }
            })
            .or_else(|| {
                let stem = name.strip_suffix("小计")?;
                let node = model.nodes.iter().position(|n| n.name == stem)?;
                categories.iter().position(|&c| c == node).map(Column::Subtotal)
            });
        let Some(column) = found else {
            let mut known: Vec<String> = FIXED_COLUMNS.iter().map(|(h, _)| (*h).to_owned()).collect();
            known.extend(model.slot_names.iter().cloned());
            known.extend(model.checks.iter().map(|c| c.name.clone()));
            known.extend(model.nodes.iter().map(|n| format!("{}得分", n.name)));
            let hint = known
                .iter()
                .map(|k| (strsim::normalized_levenshtein(k, name), k))
                .filter(|(score, _)| *score >= 0.5)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| format!("；是不是「{k}」？"))
                .unwrap_or_default();
            return Err(format!(
                "--columns 中的「{name}」不是输出表的列：应为输入、计算值或有公式的指标的名称、勾稽关系的名称、`指标名得分`，或 序号、来源、单位名称、状态、错误原因、总分、等级、未通过的勾稽关系 等{hint}"
            ));
        };
        let needs = match column {
            Column::Explanation if !options.explain => Some("--explain"),
            Column::AuditSummary | Column::AuditFindings if !options.audit => Some("--audit"),
            _ => None,
        };
        if let Some(flag) = needs {
            return Err(format!("--columns 中的「{name}」列需要同时给出 {flag}"));
        }
        columns.push(column);
    }
    if columns.is_empty() {
        return Err("--columns 没有给出任何列".into());
    }
    Ok(columns)
}

/// A column of the one-row-per-unit table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Number,
    Source,
    Unit,
    Status,
    Reason,
    /// An indicator's value, by position among the 三级 indicators.
    Value(usize),
    Score(usize),
    /// A category's subtotal, by position among the categories.
    Subtotal(usize),
    Total,
    Grade,
    FailedChecks,
    SelfTotal,
    SelfGrade,
    Explanation,
    /// `自评 97 分 优秀 → 复核 94.30 分 优秀（警告 6，提示 1）`.
    AuditSummary,
    /// Every finding, most serious first.
    AuditFindings,
    RulesSha,
    DataSha,
    /// `--columns`: the value of an input, a `计算` or an indicator's formula, by slot,
    /// shown as declared.
    Slot(usize, Option<jixiao::ast::Display>),
    /// `--columns`: whether a `勾稽`/`对照` passed (`通过`/`不通过`), by index.
    Check(usize),
}

/// `通过` / `不通过` / `无法核对`: a cross-check's result in the table.
pub fn check_text(ok: bool, unchecked: bool) -> &'static str {
    match (ok, unchecked) {
        (_, true) => "无法核对",
        (true, _) => "通过",
        _ => "不通过",
    }
}

/// A slot's value as the table shows it: rounded as declared (`显示`), else as stored.
pub fn slot_text(value: &jixiao::model::Value, display: Option<jixiao::ast::Display>) -> String {
    match (value, display) {
        (jixiao::model::Value::Num(n), Some(d)) => jixiao::numfmt::format_decimal(n.clone(), d.percent, d.decimals),
        _ => jixiao::model::Value::text(value),
    }
}

pub use jixiao::report::{UNIT_ERROR as STATUS_ERROR, UNIT_INCOMPLETE as STATUS_INCOMPLETE, UNIT_OK as STATUS_OK};

/// A row's status: 正常, 不完整 or 错误.
pub fn status_text(p: &Processed) -> &'static str {
    match &p.result {
        Ok(done) => done.evaluation.status(),
        Err(_) => STATUS_ERROR,
    }
}

/// A row's 错误原因: the error, or why an evaluated unit has no total.
pub fn reason_text(p: &Processed) -> String {
    match &p.result {
        Ok(done) if done.evaluation.complete => String::new(),
        Ok(done) => done
            .evaluation
            .scoring
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        Err(e) => e.clone(),
    }
}

/// A cell of the one-row-per-unit table as text (CSV; XLSX writes numbers itself).
pub fn cell_text(col: &Column, p: &Processed) -> String {
    let ev = p.result.as_ref().ok().map(|d| &d.evaluation);
    match (col, ev) {
        (Column::Number, _) => p.number.to_string(),
        (Column::Source, _) => p.origin.label(),
        (Column::Unit, _) => p.unit.clone(),
        (Column::Status, _) => status_text(p).into(),
        (Column::Reason, _) => reason_text(p),
        (_, None) => String::new(),
        (Column::Value(i), Some(ev)) => ev
            .indicators
            .get(*i)
            .and_then(|ind| ind.display.clone())
            .unwrap_or_default(),
        (Column::Score(i), Some(ev)) => ev
            .indicators
            .get(*i)
            .map(|ind| ind.score_display.clone())
            .unwrap_or_default(),
        (Column::Subtotal(i), Some(ev)) => ev
            .categories
            .get(*i)
            .map(|c| c.score_display.clone())
            .unwrap_or_default(),
        (Column::Total, Some(ev)) => ev.total_display.clone(),
        (Column::Grade, Some(ev)) => ev.grade.clone().unwrap_or_default(),
        (Column::FailedChecks, Some(ev)) => failed_checks(ev),
        (Column::SelfTotal, Some(ev)) => ev.self_evaluation.total.map(format_stated).unwrap_or_default(),
        (Column::SelfGrade, Some(ev)) => ev.self_evaluation.grade.clone().unwrap_or_default(),
        (Column::Explanation, Some(ev)) => crate::text::render_explain(ev).trim().to_owned(),
        (Column::AuditSummary, Some(ev)) => format!(
            "{}（错误 {}，警告 {}，提示 {}）",
            ev.audit.summary, ev.audit.errors, ev.audit.warnings, ev.audit.notes
        ),
        (Column::AuditFindings, Some(ev)) => ev
            .audit
            .findings
            .iter()
            .map(|f| format!("[{}] {}", f.severity, f.message))
            .collect::<Vec<_>>()
            .join("；"),
        (Column::RulesSha, Some(ev)) => ev.provenance.rules_sha256.clone(),
        (Column::DataSha, Some(ev)) => ev.provenance.data_sha256.clone(),
        (Column::Slot(slot, display), Some(_)) => p
            .result
            .as_ref()
            .ok()
            .and_then(|d| d.outcome.slots.get(*slot))
            .map(|v| slot_text(v, *display))
            .unwrap_or_default(),
        (Column::Check(i), Some(ev)) => ev
            .checks
            .get(*i)
            .map(|c| check_text(c.ok, c.unchecked.is_some()).to_owned())
            .unwrap_or_default(),
    }
}

/// `支出合计平衡[错误]；固定资产口径[警告]`.
pub fn failed_checks(ev: &Evaluation) -> String {
    ev.checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| match c.unchecked {
            Some(_) => format!("{}[无法核对]", c.name),
            None => format!("{}[{}]", c.name, c.severity),
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// One output format. `prepare` runs on the worker threads (in any order); `write`
/// receives the prepared rows in input order.
pub trait Writer {
    type Item: Send;
    fn begin(&mut self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError>;
    fn prepare(layout: &Layout, p: &Processed) -> Self::Item;
    fn write(&mut self, layout: &Layout, item: Self::Item, out: &mut dyn Write) -> Result<(), BatchError>;
    fn finish(self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError>;
}

/// One CSV line (RFC 4180): a field is quoted when it holds a comma, a quote or a line
/// break, with quotes doubled.
pub fn csv_line(fields: &[String], raw: bool) -> Vec<u8> {
    let mut line = Vec::with_capacity(fields.iter().map(|f| f.len() + 2).sum::<usize>() + 2);
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        put_field(&mut line, field, raw);
    }
    line.push(b'\n');
    line
}

/// One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled);
/// unless `raw`, a text a spreadsheet would run as a formula gets a `'` first
/// ([`formula_like`]). The direct CSV path writes its fields with this too.
pub(crate) fn put_field(out: &mut Vec<u8>, field: &str, raw: bool) {
    let guard = !raw && formula_like(field);
    if field.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        if guard {
            out.push(b'\'');
        }
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        if guard {
            out.push(b'\'');
        }
        out.extend_from_slice(field.as_bytes());
    }
}

/// CSV injection (OWASP): a cell beginning with `=`, `+`, `-`, `@`, a tab or a CR is run as
/// a formula when the CSV is opened in Excel or WPS (`=HYPERLINK(…)`, `-2+3`). Such a cell
/// is written with a `'` in front, which the spreadsheet shows as text. A number stays a
/// number: `-2.5`, `-15.00%`, `+3`, `-23/29` are not formulas.
pub fn formula_like(field: &str) -> bool {
    let bytes = field.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if !matches!(first, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') {
        return false;
    }
    !number_like(bytes)
}

/// `-2.5`, `+3`, `-15.00%`, `-1,234.5`, `-23/29`: a sign, digits (with `,` groups), an
/// optional fraction and an optional `%`, or a sign and a fraction of two integers.
fn number_like(bytes: &[u8]) -> bool {
    let body = match bytes.split_first() {
        Some((b'+' | b'-', rest)) => rest,
        _ => bytes,
    };
    let body = body.strip_suffix(b"%").unwrap_or(body);
    if let Some(slash) = body.iter().position(|&b| b == b'/') {
        let (n, d) = (&body[..slash], &body[slash + 1..]);
        return !n.is_empty() && !d.is_empty() && n.iter().chain(d).all(u8::is_ascii_digit);
    }
    let (int, frac) = match body.iter().position(|&b| b == b'.') {
        Some(dot) => (&body[..dot], Some(&body[dot + 1..])),
        None => (body, None),
    };
    let int_ok = int.first().is_some_and(u8::is_ascii_digit) && int.iter().all(|b| b.is_ascii_digit() || *b == b',');
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit));
    int_ok && frac_ok
}

/// CSV: one line per unit, streamed (UTF-8, `\n` line ends, quoted where needed).
pub struct CsvWriter;

impl Writer for CsvWriter {
    type Item = Vec<u8>;

    fn begin(&mut self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        if layout.options.bom {
            out.write_all("\u{FEFF}".as_bytes())?;
        }
        let header: Vec<String> = layout.columns.iter().map(|c| layout.header(c)).collect();
        out.write_all(&csv_line(&header, layout.options.csv_raw))?;
        Ok(())
    }

    fn prepare(layout: &Layout, p: &Processed) -> Vec<u8> {
        let fields: Vec<String> = layout.columns.iter().map(|c| cell_text(c, p)).collect();
        csv_line(&fields, layout.options.csv_raw)
    }

    fn write(&mut self, _: &Layout, item: Vec<u8>, out: &mut dyn Write) -> Result<(), BatchError> {
        out.write_all(&item)?;
        Ok(())
    }

    fn finish(self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }
}

/// One unit in JSON/JSONL output: where it came from, its status, and the report
/// ([`Evaluation`], the same contract as single-unit `--format json`).
#[derive(Serialize)]
pub struct UnitResult<'a> {
    pub number: usize,
    pub source: String,
    pub unit: &'a str,
    pub status: &'static str,
    pub error: Option<&'a str>,
    pub evaluation: Option<&'a Evaluation>,
}

impl<'a> UnitResult<'a> {
    pub fn of(p: &'a Processed) -> UnitResult<'a> {
        UnitResult {
            number: p.number,
            source: p.origin.label(),
            unit: &p.unit,
            status: status_text(p),
            error: p.result.as_ref().err().map(String::as_str),
            evaluation: p.result.as_ref().ok().map(|d| &d.evaluation),
        }
    }
}

/// JSON Lines: one compact object per unit, streamed.
pub struct JsonlWriter;

impl Writer for JsonlWriter {
    type Item = String;

    fn begin(&mut self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }

    fn prepare(_: &Layout, p: &Processed) -> String {
        let mut line = serde_json::to_string(&UnitResult::of(p)).unwrap_or_else(|e| {
            format!(
                "{{\"number\":{},\"status\":\"错误\",\"error\":{}}}",
                p.number,
                serde_json::Value::String(format!("无法生成 JSON：{e}"))
            )
        });
        line.push('\n');
        line
    }

    fn write(&mut self, _: &Layout, item: String, out: &mut dyn Write) -> Result<(), BatchError> {
        out.write_all(item.as_bytes())?;
        Ok(())
    }

    fn finish(self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }
}

/// The head of batch JSON: the contract's version and the rule set used.
#[derive(Serialize)]
struct BatchHead<'a> {
    version: u32,
    rules: RulesRef<'a>,
}

/// The rule set a batch was evaluated with (the file's name, never the machine's path);
/// also the `rules` of `jixiao validate --format json`.
#[derive(Serialize)]
pub struct RulesRef<'a> {
    file: String,
    title: &'a str,
    year: u32,
    issuer: &'a str,
    sha256: &'a str,
}

impl<'a> RulesRef<'a> {
    pub fn of(model: &'a Model) -> RulesRef<'a> {
        RulesRef {
            // A 基于 rule set's own file, not the merged name's last part.
            file: super::html::rules_file_name(&model.source.name).to_owned(),
            title: &model.title,
            year: model.year,
            issuer: &model.issuer,
            sha256: &model.sha256,
        }
    }
}

/// JSON: `{"version": 1, "rules": {…}, "units": [ … ]}`, the units pretty-printed and
/// streamed one by one (docs/schema/batch.schema.json).
#[derive(Default)]
pub struct JsonWriter {
    written: usize,
}

impl Writer for JsonWriter {
    type Item = String;

    fn begin(&mut self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        let model = layout.model;
        let head = BatchHead {
            version: jixiao::JSON_VERSION,
            rules: RulesRef::of(model),
        };
        let head = serde_json::to_string_pretty(&head).map_err(|e| BatchError::Format(e.to_string()))?;
        // The head's closing brace gives way to the streamed `units`.
        out.write_all(head.trim_end().trim_end_matches('}').trim_end().as_bytes())?;
        out.write_all(b",\n  \"units\": [")?;
        Ok(())
    }

    fn prepare(_: &Layout, p: &Processed) -> String {
        serde_json::to_string_pretty(&UnitResult::of(p)).unwrap_or_else(|e| {
            format!(
                "{{\"number\": {}, \"status\": \"错误\", \"error\": {}}}",
                p.number,
                serde_json::Value::String(format!("无法生成 JSON：{e}"))
            )
        })
    }

    fn write(&mut self, _: &Layout, item: String, out: &mut dyn Write) -> Result<(), BatchError> {
        out.write_all(if self.written == 0 { b"\n    " } else { b",\n    " })?;
        // Indent the element inside the array (strings never hold a raw line break).
        out.write_all(item.replace('\n', "\n    ").as_bytes())?;
        self.written += 1;
        Ok(())
    }

    fn finish(self, _: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        out.write_all(if self.written == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
        Ok(())
    }
}

/// Running minimum, maximum and sum of exact values (for the summary sheet and page).
/// The sum is a big rational: the denominators of many units' rates multiply.
#[derive(Debug, Clone, Default)]
pub struct Aggregate {
    pub count: usize,
    pub sum: BigRational,
    pub min: Option<Number>,
    pub max: Option<Number>,
}

impl Aggregate {
    pub fn add(&mut self, x: Number) {
        self.sum += x.to_big();
        self.count += 1;
        self.min = Some(match self.min.take() {
            Some(m) => m.min(x.clone()),
            None => x.clone(),
        });
        self.max = Some(match self.max.take() {
            Some(m) => m.max(x),
            None => x,
        });
    }

    /// The mean rounded 四舍五入 to `decimals` places as shown (of the percent for a
    /// rate), decided on the exact mean.
    pub fn mean(&self, percent: bool, decimals: u32) -> Option<Number> {
        if self.count == 0 {
            return None;
        }
        let mean = &self.sum / BigRational::from_integer(self.count.into());
        round_big(&mean, decimals + if percent { 2 } else { 0 }).ok()
    }
}

/// What the summaries (XLSX 汇总 sheet, HTML summary page) need of one unit.
#[derive(Debug, Clone)]
pub struct UnitStats {
    pub number: usize,
    pub source: String,
    pub unit: String,
    pub outcome: Result<Scored, String>,
}

#[derive(Debug, Clone)]
pub struct Scored {
    /// `None` when incomplete.
    pub total: Option<Number>,
    /// What ranks the unit: the total, or what the grade compared when that differs
    /// (按得分率定级), so that ranks never contradict grades.
    pub rank_by: Option<Number>,
    pub total_display: String,
    pub grade: Option<String>,
    pub scores: Vec<Option<Number>>,
    pub values: Vec<Option<Number>>,
    /// Each 一级/二级 category's score rate ([`crate::chart::stats::category_rate`]).
    pub category_rates: Vec<Option<Number>>,
    pub failed_checks: String,
    /// The 复核's conclusion (`自评 97 分 优秀 → 复核 94.30 分 优秀`), listed when the run
    /// is a 复核 (`--audit`).
    pub audit: AuditBrief,
}

/// What the city summary lists of a unit's 复核.
#[derive(Debug, Clone, Default)]
pub struct AuditBrief {
    pub summary: String,
    /// Findings that need attention (错误 and 警告).
    pub serious: usize,
    pub grade_changed: bool,
}

impl UnitStats {
    /// What the city summary lists for a unit without a final total: what it earned (不完整)
    /// or why it could not be evaluated (错误).
    pub fn without_total(&self) -> &str {
        match &self.outcome {
            Ok(scored) => &scored.total_display,
            Err(reason) => reason,
        }
    }

    pub fn of(p: &Processed) -> UnitStats {
        match &p.result {
            Ok(done) => UnitStats::evaluated(p.number, p.origin.label(), p.unit.clone(), &done.evaluation),
            Err(reason) => UnitStats {
                number: p.number,
                source: p.origin.label(),
                unit: p.unit.clone(),
                outcome: Err(reason.clone()),
            },
        }
    }

    /// An evaluated unit's figures.
    pub fn evaluated(number: usize, source: String, unit: String, ev: &Evaluation) -> UnitStats {
        UnitStats {
            number,
            source,
            unit,
            outcome: Ok(Scored {
                total: ev.total.clone(),
                rank_by: rank_by(ev),
                total_display: ev.total_display.clone(),
                grade: ev.grade.clone(),
                scores: ev.indicators.iter().map(|i| i.score.clone()).collect(),
                values: ev.indicators.iter().map(|i| i.value.clone()).collect(),
                category_rates: ev.categories.iter().map(crate::chart::stats::category_rate).collect(),
                failed_checks: failed_checks(ev),
                audit: AuditBrief {
                    summary: ev.audit.summary.clone(),
                    serious: ev.audit.errors + ev.audit.warnings,
                    grade_changed: ev.audit.grade_changed,
                },
            }),
        }
    }
}

/// What ranks a unit: its total, or what its grade compared when that differs (按得分率定级),
/// so that ranks never contradict grades.
pub fn rank_by(ev: &Evaluation) -> Option<Number> {
    ev.scoring
        .as_ref()
        .and_then(|s| s.graded.clone())
        .or_else(|| ev.total.clone())
}

/// The 总分排名 key: what ranks a unit as shown (四舍五入 to the score precision), so that
/// equal shown totals share a rank.
pub fn rank_key(rank_by: Option<Number>, precision: u32) -> Option<Number> {
    rank_by.and_then(|t| round_half_away(t, precision).ok())
}

/// 名次 from rank keys: highest first, equal keys sharing a rank (1, 2, 2, 4); no key, no
/// rank.
pub fn ranks(keys: &[Option<Number>]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].is_some()).collect();
    order.sort_by(|&a, &b| keys[b].cmp(&keys[a]).then(a.cmp(&b)));
    let mut out = vec![None; keys.len()];
    let mut rank = 0;
    for (place, &i) in order.iter().enumerate() {
        if place == 0 || keys[order[place - 1]] != keys[i] {
            rank = place + 1;
        }
        out[i] = Some(rank);
    }
    out
}

/// The city-wide summary: grade distribution, per-indicator statistics, ranking.
#[derive(Debug, Default)]
pub struct Summary {
    pub units: usize,
    pub grade_counts: Vec<(String, usize)>,
    pub totals: Aggregate,
    pub scores: Vec<Aggregate>,
    pub values: Vec<Aggregate>,
    /// Evaluated units ranked by total (exact), ties in input order: (rank, stats).
    pub ranking: Vec<(usize, UnitStats)>,
    /// Units with no total: some indicator has no score.
    pub incomplete: Vec<UnitStats>,
    pub errors: Vec<UnitStats>,
}

impl Summary {
    pub fn new(layout: &Layout, units: Vec<UnitStats>) -> Summary {
        let mut s = Summary {
            units: units.len(),
            grade_counts: layout.grades.iter().map(|g| (g.clone(), 0)).collect(),
            scores: vec![Aggregate::default(); layout.leaves.len()],
            values: vec![Aggregate::default(); layout.leaves.len()],
            ..Summary::default()
        };
        let mut ranked = Vec::new();
        for u in units {
            match &u.outcome {
                Ok(scored) => {
                    for (agg, x) in s.scores.iter_mut().zip(&scored.scores) {
                        if let Some(x) = x {
                            agg.add(x.clone());
                        }
                    }
                    let Some(total) = &scored.total else {
                        for (agg, x) in s.values.iter_mut().zip(&scored.values) {
                            if let Some(x) = x {
                                agg.add(x.clone());
                            }
                        }
                        s.incomplete.push(u);
                        continue;
                    };
                    s.totals.add(total.clone());
                    if let Some(g) = s
                        .grade_counts
                        .iter_mut()
                        .find(|(g, _)| Some(g) == scored.grade.as_ref())
                    {
                        g.1 += 1;
                    }
                    for (agg, x) in s.values.iter_mut().zip(&scored.values) {
                        if let Some(x) = x {
                            agg.add(x.clone());
                        }
                    }
                    ranked.push(u);
                }
                Err(_) => s.errors.push(u),
            }
        }
        let precision = layout.model.score_precision;
        let keys: Vec<Option<Number>> = ranked
            .iter()
            .map(|u| rank_key(u.outcome.as_ref().ok().and_then(|s| s.rank_by.clone()), precision))
            .collect();
        let mut placed: Vec<(Option<usize>, UnitStats)> = ranks(&keys).into_iter().zip(ranked).collect();
        placed.sort_by_key(|(rank, u)| (*rank, u.number));
        s.ranking = placed.into_iter().filter_map(|(rank, u)| Some((rank?, u))).collect();
        s
    }

    /// Units with a final total and grade.
    pub fn evaluated(&self) -> usize {
        self.units - self.errors.len() - self.incomplete.len()
    }
}
