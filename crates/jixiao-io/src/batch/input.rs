//! Reading units from files: CSV (one unit per row, UTF-8 or GBK/GB18030), workbooks
//! (XLSX/XLS/ODS via calamine, one unit per row of one sheet) and single-unit TOML/JSON
//! documents. Every data row becomes a [`Raw::Table`] of (column header, cell) with the
//! cell's coordinates, ready for [`jixiao::data::bind`]; nothing here interprets values.
//!
//! Readers take any `Read` (+ `Seek`); only [`open_path`] touches the file system.
//!
//! ## Numbers from workbooks
//!
//! calamine hands numeric cells over as `f64`. They are turned into decimals through the
//! shortest text that reads back as the same `f64` (`format!("{f}")`, which Rust
//! guarantees to be the shortest round-trip representation and never writes an
//! exponent), then parsed exactly. For any value a clerk typed with at most 15
//! significant digits this gives back exactly what was typed: an `f64` carries 15.95
//! decimal digits, so two different decimals of at most 15 significant digits never
//! round to the same `f64` (DBL_DIG = 15). The typed decimal `d` and the shortest
//! round-trip text `s` both read back as the cell's `f64`, and `s` has no more digits
//! than `d`; if they differed, they would be two such decimals sharing one `f64`. So
//! `s` = `d` (up to trailing zeros: `44.00` comes back as `44`, the same number).
//! A cell computed by an Excel formula holds whatever `f64` Excel stored, and that
//! value is read exactly as stored.

use super::cells::{cell_text, text_cell};
pub use super::cells::{column_letters, Cell};
use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use encoding_rs::{Decoder, Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};

use super::records::{self, Reader};

use super::workbook::{self, Limits, SharedBytes};
use jixiao::data::{self, Entry, Loc, Raw};
use jixiao::diagnostics::{DataProblem, ProblemKind};
use jixiao::model::{DataKey, Model};

/// What kind of file a row came from: decides how its coordinates are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A CSV file: rows are numbered as a spreadsheet shows them (one row per record).
    Csv,
    /// One sheet of a workbook: cells are written `Sheet1!C7`.
    Sheet { name: String },
    /// A TOML or JSON document holding one unit.
    Document,
}

/// One input file as rows refer to it.
#[derive(Debug)]
pub struct FileInfo {
    /// The file's name as given on the command line.
    pub name: String,
    pub kind: FileKind,
    /// Column headers as written (empty for documents).
    pub headers: Vec<String>,
    /// Absolute index of the first column (workbooks whose data starts right of `A`).
    pub first_col: usize,
    /// SHA-256 of the file's bytes (hex), for each report's provenance.
    pub sha256: String,
    /// A field as [`data::bind`] names it in problems → its column.
    fields: HashMap<String, usize>,
}

impl FileInfo {
    fn document(name: &str, sha256: String) -> FileInfo {
        FileInfo {
            name: name.to_owned(),
            kind: FileKind::Document,
            headers: Vec::new(),
            first_col: 0,
            sha256,
            fields: HashMap::new(),
        }
    }

    /// The column a problem's field belongs to (`绩效目标[3]（…）` belongs to `绩效目标`).
    pub fn column_of(&self, field: &str) -> Option<usize> {
        if let Some(&c) = self.fields.get(field) {
            return Some(c);
        }
        let stem = field.split('[').next().unwrap_or(field);
        self.fields
            .get(stem)
            .copied()
            .or_else(|| self.headers.iter().position(|h| h == field || h == stem))
    }
}

/// Where a row came from, in the file's own coordinates.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: Arc<FileInfo>,
    /// The row number a spreadsheet program shows: in a CSV each record is one row (blank
    /// lines and title rows above the header too); in a sheet the absolute 1-based row.
    /// 0 for a document.
    pub row: usize,
    /// CSV: the text line the record starts on (after a multi-line cell it differs from
    /// `row`). Otherwise equal to `row`.
    pub line: usize,
}

impl Origin {
    /// The row within its file: `第 3 行`, `工作表「Sheet1」第 3 行`, `第 9 行（文本第 15 行）`.
    pub fn row_label(&self) -> String {
        match &self.file.kind {
            FileKind::Csv if self.line != self.row => format!("第 {} 行（文本第 {} 行）", self.row, self.line),
            FileKind::Csv => format!("第 {} 行", self.row),
            FileKind::Sheet { name } => format!("工作表「{name}」第 {} 行", self.row),
            FileKind::Document => String::new(),
        }
    }

    /// The row with its file: `units.csv 第 3 行`.
    pub fn label(&self) -> String {
        let row = self.row_label();
        if row.is_empty() {
            self.file.name.clone()
        } else {
            format!("{} {row}", self.file.name)
        }
    }

    /// A cell of this row by column index: `第 3 行「编制人数」列` or `Sheet1!C3`.
    pub fn cell(&self, col: usize) -> String {
        let header = self.file.headers.get(col).map(String::as_str).unwrap_or("");
        match &self.file.kind {
            FileKind::Csv => {
                let line = if self.line != self.row {
                    format!("（文本第 {} 行）", self.line)
                } else {
                    String::new()
                };
                if header.is_empty() {
                    format!("第 {} 行{line}第 {} 列", self.row, col + 1)
                } else {
                    format!("第 {} 行{line}「{header}」列", self.row)
                }
            }
            FileKind::Sheet { name } => {
                let a1 = format!(
                    "{}!{}{}",
                    sheet_ref(name),
                    column_letters(self.file.first_col + col),
                    self.row
                );
                if header.is_empty() {
                    a1
                } else {
                    format!("{a1}「{header}」")
                }
            }
            FileKind::Document => format!("「{header}」"),
        }
    }
}

/// A sheet name as Excel writes it in a reference (quoted when it has spaces or punctuation).
fn sheet_ref(name: &str) -> String {
    if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// One data row, read but not yet bound.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub origin: Origin,
    /// The unit's data as a table, or `None` when the row could not be read at all
    /// (then `problems` says why).
    pub raw: Option<Raw>,
    /// Problems found while reading cells (a required cell left blank, a target list
    /// that is not JSON, cells beyond the last header …), at the cells' coordinates.
    pub problems: Vec<DataProblem>,
    /// Fields already explained by `problems`: binding's own "missing" report for them
    /// (which cannot know the cell) is dropped.
    pub reported: Vec<String>,
}

/// What reading a file yields, in order.
#[derive(Debug)]
pub enum Item {
    Row(RawRow),
    /// A row with no content at all: not a unit; counted and named in the run's summary.
    Blank(Origin),
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    Unit,
    Input(usize),
    List(usize),
    /// `评审.经济效益`, `自评.总分`, `自评.得分.预算配置`: a key path into nested tables.
    Nested(Vec<String>),
}

#[derive(Debug, Clone)]
struct Column {
    target: Option<Target>,
    /// The field as binding names it in problems.
    field: String,
    /// Whether a blank cell is an error (no declared default).
    required: bool,
    /// A number input with a declared default: a blank cell is "not reported", which the
    /// binder turns into the default with a note (never a silent default).
    blank_noted: bool,
}

impl Column {
    /// A column not read (no header, or not an input of the rule file).
    const IGNORED: Column = Column {
        target: None,
        field: String::new(),
        required: false,
        blank_noted: false,
    };
}

/// How a file's columns map to the rule file's inputs; built once from the header.
#[derive(Debug, Clone)]
pub struct Plan {
    columns: Vec<Column>,
    info: Arc<FileInfo>,
    /// `--partial`: a blank required cell is a figure not reported (binding makes it
    /// 无法计算), not a problem of the row.
    partial: bool,
}

/// Maps a header to the rule file's inputs. Unknown columns give a warning each; a
/// missing required column or two columns for one input is an error for the whole file
/// (under `partial`, a missing column is a warning: its figures are not reported).
pub fn plan(
    model: &Model,
    name: &str,
    kind: FileKind,
    first_col: usize,
    headers: Vec<String>,
    sha256: String,
    partial: bool,
) -> Result<(Plan, Vec<String>), String> {
    let HeaderMap {
        columns,
        fields,
        seen,
        mut warnings,
        mut errors,
    } = map_headers(model, name, &kind, first_col, &headers);
    let missing = missing_columns(model, &seen);
    // The unit's name is needed even for a partial evaluation.
    let no_name = missing.first().is_some_and(|m| m.starts_with("单位名称"));
    if !missing.is_empty() && partial && !no_name {
        warnings.push(format!(
            "{name} 缺少 {} 个必需的列：{}（--partial：这些数按未填报处理，需要它们的指标无法计算）",
            missing.len(),
            missing.join("、")
        ));
    } else if !missing.is_empty() {
        errors.insert(
            0,
            format!(
                "{name} 缺少 {} 个必需的列：{}（规则文件没有为这些输入声明“缺失时”的取值，每个单位都必须填写）",
                missing.len(),
                missing.join("、")
            ),
        );
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let info = Arc::new(FileInfo {
        name: name.to_owned(),
        kind,
        headers,
        first_col,
        sha256,
        fields,
    });
    Ok((Plan { columns, info, partial }, warnings))
}

/// The header's columns mapped one by one, before checking what is missing.
struct HeaderMap {
    columns: Vec<Column>,
    /// Binding's field name → column.
    fields: HashMap<String, usize>,
    /// Each target → the first column holding it.
    seen: HashMap<Target, usize>,
    warnings: Vec<String>,
    /// Two columns for one input.
    errors: Vec<String>,
}

/// Maps each header to its target; an empty or unknown header is ignored with a warning.
fn map_headers(model: &Model, name: &str, kind: &FileKind, first_col: usize, headers: &[String]) -> HeaderMap {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut columns = Vec::with_capacity(headers.len());
    let mut fields = HashMap::new();
    let mut seen: HashMap<Target, usize> = HashMap::new();
    let where_col = |i: usize| match kind {
        FileKind::Sheet { .. } => format!("{} 列", column_letters(first_col + i)),
        _ => format!("第 {} 列", i + 1),
    };
    for (i, header) in headers.iter().enumerate() {
        if header.is_empty() {
            warnings.push(format!("{name} 的{}没有表头，这一列已忽略", where_col(i)));
            columns.push(Column::IGNORED);
            continue;
        }
        let (target, field, required) = match target_of(model, header) {
            Some(t) => t,
            None => {
                warnings.push(format!(
                    "{name} 的列「{header}」（{}）不是规则文件声明的输入，已忽略",
                    where_col(i)
                ));
                columns.push(Column::IGNORED);
                continue;
            }
        };
        if let Some(&first) = seen.get(&target) {
            errors.push(format!(
                "列「{header}」（{}）和列「{}」（{}）填的是同一项 `{field}`，请只保留一列",
                where_col(i),
                headers[first],
                where_col(first)
            ));
        } else {
            seen.insert(target.clone(), i);
        }
        fields.insert(field.clone(), i);
        let blank_noted = match target {
            Target::Input(i) => {
                let input = &model.inputs[i];
                input.default.is_some()
                    && matches!(
                        input.kind,
                        jixiao::model::Kind::Quantity(_) | jixiao::model::Kind::Percent
                    )
            }
            _ => false,
        };
        columns.push(Column {
            target: Some(target),
            field,
            required,
            blank_noted,
        });
    }
    HeaderMap {
        columns,
        fields,
        seen,
        warnings,
        errors,
    }
}

/// The required columns the header lacks: the unit's name (first), inputs without a
/// `缺失时` value, target lists and reviewer scores.
fn missing_columns(model: &Model, seen: &HashMap<Target, usize>) -> Vec<String> {
    let mut missing = Vec::new();
    if !seen.contains_key(&Target::Unit) {
        missing.push("单位名称（或 单位）".to_owned());
    }
    for (i, input) in model.inputs.iter().enumerate() {
        if input.default.is_none() && !seen.contains_key(&Target::Input(i)) {
            missing.push(with_aliases(&input.name, &input.aliases));
        }
    }
    for (l, list) in model.lists.iter().enumerate() {
        if !seen.contains_key(&Target::List(l)) {
            missing.push(with_aliases(&list.name, &list.aliases));
        }
    }
    for &leaf in &model.review_leaves {
        let path = vec![data::REVIEW_KEYS[0].to_owned(), model.nodes[leaf].name.clone()];
        if !seen.contains_key(&Target::Nested(path.clone())) {
            missing.push(path.join("."));
        }
    }
    missing
}

fn with_aliases(name: &str, aliases: &[String]) -> String {
    if aliases.is_empty() {
        name.to_owned()
    } else {
        format!("{name}（或 {}）", aliases.join("、"))
    }
}

/// A header's target, the field name binding uses for it, and whether it is required.
fn target_of(model: &Model, header: &str) -> Option<(Target, String, bool)> {
    if data::UNIT_NAME_KEYS.contains(&header) {
        return Some((Target::Unit, data::UNIT_NAME_KEYS[0].to_owned(), true));
    }
    match model.data_keys.get(header) {
        Some(DataKey::Input(i)) => {
            let input = &model.inputs[*i];
            return Some((Target::Input(*i), input.name.clone(), input.default.is_none()));
        }
        Some(DataKey::List(l)) => return Some((Target::List(*l), model.lists[*l].name.clone(), true)),
        None => {}
    }
    let parts: Vec<String> = header.split('.').map(|p| p.trim().to_owned()).collect();
    if parts.len() < 2 || parts.iter().any(String::is_empty) {
        return None;
    }
    if data::REVIEW_KEYS.contains(&parts[0].as_str()) {
        let is_review = parts.len() == 2
            && model
                .review_leaves
                .iter()
                .any(|&leaf| model.nodes[leaf].name == parts[1]);
        if !is_review {
            return None;
        }
        let field = format!("{}.{}", data::REVIEW_KEYS[0], parts[1]);
        let path = vec![data::REVIEW_KEYS[0].to_owned(), parts[1].clone()];
        return Some((Target::Nested(path), field, true));
    }
    if data::STATED_KEYS.contains(&parts[0].as_str()) {
        // What `data::bind` accepts under 自评: 总分, 等级, 得分.X, 指标值.X.
        let known = matches!(
            (parts.len(), parts[1].as_str()),
            (2, "总分" | "等级") | (3, "得分" | "指标值")
        );
        if !known {
            return None;
        }
        let mut path = parts;
        path[0] = data::STATED_KEYS[0].to_owned();
        return Some((Target::Nested(path.clone()), path.join("."), false));
    }
    None
}

impl Plan {
    pub fn info(&self) -> &Arc<FileInfo> {
        &self.info
    }

    /// Builds a row's table from its cells (in column order). `None` for a row with no
    /// content at all.
    pub fn row(&self, row: usize, line: usize, cells: Vec<Cell>) -> Option<RawRow> {
        self.row_read(row, line, cells, Vec::new())
    }

    /// [`Plan::row`] with the problems found while reading the row's text (a quote that
    /// does not close, a line cut short), which come first.
    fn row_read(&self, row: usize, line: usize, cells: Vec<Cell>, read: Vec<DataProblem>) -> Option<RawRow> {
        if read.is_empty() && cells.iter().all(|c| *c == Cell::Blank) {
            return None;
        }
        let origin = Origin {
            file: Arc::clone(&self.info),
            row,
            line,
        };
        let mut built = BuiltRow {
            entries: Vec::with_capacity(self.columns.len()),
            problems: read,
            reported: Vec::new(),
        };
        let given = cells.len();
        for (col, cell) in cells.into_iter().enumerate() {
            self.read_cell(&mut built, row, col, cell);
        }
        if given < self.columns.len() {
            self.short_row(&mut built, row, given);
        }
        Some(RawRow {
            origin,
            raw: Some(Raw::Table(built.entries)),
            problems: built.problems,
            reported: built.reported,
        })
    }

    /// Puts one cell (0-based column `col`) into the row's table, or its problem.
    fn read_cell(&self, built: &mut BuiltRow, row: usize, col: usize, cell: Cell) {
        let headers = &self.info.headers;
        let BuiltRow {
            entries,
            problems,
            reported,
        } = built;
        let loc: Loc = Some((row, col + 1));
        let Some(column) = self.columns.get(col) else {
            if cell != Cell::Blank {
                problems.push(DataProblem {
                    kind: ProblemKind::Layout,
                    field: format!("第 {} 列", col + 1),
                    value: Some(cell_text(&cell)),
                    message: format!(
                        "这一行的单元格比表头多（表头只有 {} 列）：这一行的列可能错位了",
                        headers.len()
                    ),
                    location: loc,
                    declared_at: None,
                });
            }
            return;
        };
        let Some(target) = &column.target else { return };
        let header = &headers[col];
        let field = || column.field.clone();
        if let Cell::Text(text) = &cell {
            if text.contains('\u{FFFD}') {
                problems.push(DataProblem {
                    kind: ProblemKind::Unreadable,
                    field: header.clone(),
                    value: Some(text.clone()),
                    message: "含有无法识别的字节（显示为 �）：文件的编码可能有误，或这一格混入了别种编码的文字，请改正"
                        .into(),
                    location: loc,
                    declared_at: None,
                });
                reported.push(field());
                return;
            }
        }
        if cell == Cell::Blank {
            if column.required && !self.partial {
                problems.push(DataProblem {
                    kind: ProblemKind::MissingInput,
                    field: header.clone(),
                    value: None,
                    message: "单元格为空，而这一项必填（规则文件没有为它声明“缺失时”的取值）".into(),
                    location: loc,
                    declared_at: None,
                });
                reported.push(field());
            } else if column.blank_noted || column.required {
                // Not reported: noted (缺失时) or, under --partial, 无法计算 as 没有填写.
                entries.push((header.clone(), Raw::Text(String::new()), loc));
            }
            return;
        }
        let raw = match target {
            Target::Unit => Raw::Text(cell_text(&cell)),
            Target::List(_) => match list_cell(&cell) {
                Ok(raw) => raw,
                Err(message) => {
                    problems.push(DataProblem {
                        kind: ProblemKind::InvalidTarget,
                        field: header.clone(),
                        value: None,
                        message,
                        location: loc,
                        declared_at: None,
                    });
                    reported.push(field());
                    return;
                }
            },
            Target::Input(_) | Target::Nested(_) => match cell {
                Cell::Text(s) => Raw::Text(s),
                Cell::Number(s) => Raw::Number(s),
                Cell::Bool(b) => Raw::Bool(b),
                Cell::Other(s) => Raw::Other(s),
                Cell::Blank => return,
            },
        };
        match target {
            Target::Nested(path) => jixiao::data::insert_nested(entries, path, raw, loc, loc),
            _ => entries.push((header.clone(), raw, loc)),
        }
    }

    /// A short row (only `given` cells): its cells may have slid left, so nothing in it is
    /// trusted to a default. Only CSV rows can be short (sheets and documents give every column).
    fn short_row(&self, built: &mut BuiltRow, row: usize, given: usize) {
        let headers = &self.info.headers;
        const NAMED: usize = 10;
        let mut missing: Vec<&str> = headers[given..]
            .iter()
            .take(NAMED)
            .map(|h| if h.is_empty() { "（无表头）" } else { h.as_str() })
            .collect();
        if self.columns.len() - given > NAMED {
            missing.push("…");
        }
        built.problems.push(DataProblem {
            kind: ProblemKind::Layout,
            field: headers[given].clone(),
            value: None,
            message: format!(
                "这一行比表头少 {} 个单元格（缺少「{}」列）：这一行的列可能错位了，或者行尾被截断；请补齐这一行",
                self.columns.len() - given,
                missing.join("、")
            ),
            location: Some((row, given + 1)),
            declared_at: None,
        });
        built
            .reported
            .extend(self.columns[given..].iter().map(|c| c.field.clone()));
    }
}

/// A row's table as it is built, with the problems found and the fields they concern.
struct BuiltRow {
    entries: Vec<Entry>,
    problems: Vec<DataProblem>,
    /// Fields already explained by `problems` (see [`RawRow::reported`]).
    reported: Vec<String>,
}

/// A target list written in one cell as a JSON array of objects.
fn list_cell(cell: &Cell) -> Result<Raw, String> {
    let example = r#"例如 `[{"类别":"数量指标","名称":"培训人数","目标":"≥100 人","实际":"148 人"}]`"#;
    let Cell::Text(text) = cell else {
        return Err(format!(
            "目标清单应写成 JSON 数组，{example}；这里是 `{}`",
            cell_text(cell)
        ));
    };
    match data::parse_json(text) {
        Ok(raw @ Raw::Array(_)) => Ok(raw),
        Ok(_) => Err(format!("目标清单应写成 JSON 数组（以 `[` 开头），{example}")),
        Err(p) => Err(format!("目标清单不是有效的 JSON：{}；{example}", p.message)),
    }
}

/// Rows of one opened file, read on demand.
pub struct Opened {
    pub info: Arc<FileInfo>,
    /// Warnings about the file itself (unknown columns, a replaced undecodable byte …).
    pub warnings: Vec<String>,
    /// About how many data rows the file has (for the progress bar).
    pub estimated_rows: usize,
    rows: Rows,
}

enum Rows {
    Csv {
        reader: Reader<Box<dyn Read + Send>>,
        record: csv::ByteRecord,
        plan: Plan,
        /// The spreadsheet row number of the last record read.
        row: usize,
        /// How the file's lines were used (for the summary).
        count: LineCount,
    },
    Sheet {
        rows: workbook::SheetStream,
        plan: Plan,
        /// Absolute 0-based column of the first header.
        left: u32,
        /// The columns the sheet declares it uses (cells outside the header within them
        /// are ignored; outside them they are a problem of their row).
        used: (u32, u32),
        /// Absolute 0-based row of the next item (rows between are blank).
        next: u32,
        /// A row read ahead while the blank rows before it are given out.
        pending: Option<workbook::SheetRow>,
    },
    Document(Option<RawRow>),
}

/// A file that cannot be read at all (the run stops before evaluating anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError(pub String);

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FileError {}

impl Opened {
    /// The next row, or a read error that stops the file (an I/O error mid-file).
    pub fn next_item(&mut self) -> Option<Result<Item, FileError>> {
        match &mut self.rows {
            Rows::Csv {
                reader,
                record,
                plan,
                row,
                count,
            } => {
                if record.as_slice().len() > records::KEEP_BYTES {
                    *record = csv::ByteRecord::new();
                }
                match reader.read(record) {
                    Ok(None) => None,
                    Ok(Some(meta)) => {
                        *row += 1;
                        count.record(&meta);
                        Some(Ok(plan.item(*row, meta, record)))
                    }
                    Err(e) => Some(Err(FileError(format!(
                        "读取 {} 的第 {} 行之后出错：{}",
                        self.info.name,
                        reader.lines(),
                        io_message(&e)
                    )))),
                }
            }
            Rows::Sheet {
                rows,
                plan,
                left,
                used,
                next,
                pending,
            } => {
                let found = match pending.take() {
                    Some(p) => p,
                    None => match rows.next_row()? {
                        Ok(r) => r,
                        Err(message) => return Some(Err(FileError(message))),
                    },
                };
                if found.row > *next {
                    let row = *next as usize + 1;
                    *next += 1;
                    *pending = Some(found);
                    return Some(Ok(Item::Blank(Origin {
                        file: Arc::clone(&self.info),
                        row,
                        line: row,
                    })));
                }
                *next = found.row + 1;
                // Cells outside the header's columns were named when the file was opened.
                let width = plan.columns.len();
                let row = found.row as usize + 1;
                let mut cells = Vec::new();
                let mut strays = Vec::new();
                for (c, cell) in found.cells {
                    let Some(i) = c.checked_sub(*left).map(|i| i as usize).filter(|&i| i < width) else {
                        if c < used.0 || c > used.1 {
                            strays.push(stray_cell(&self.info, row, c, &cell));
                        }
                        continue;
                    };
                    if cells.len() <= i {
                        cells.resize(i + 1, Cell::Blank);
                    }
                    cells[i] = cell;
                }
                // A worksheet row has every column: trailing cells not stored are blank, not
                // missing (the short-row check is for CSV lines cut short).
                if cells.iter().any(|c| *c != Cell::Blank) {
                    cells.resize(width, Cell::Blank);
                }
                let origin = Origin {
                    file: Arc::clone(&self.info),
                    row,
                    line: row,
                };
                Some(Ok(match plan.row(row, row, cells) {
                    Some(mut r) => {
                        r.problems.extend(strays);
                        Item::Row(r)
                    }
                    None if !strays.is_empty() => Item::Row(RawRow {
                        origin,
                        raw: None,
                        problems: strays,
                        reported: Vec::new(),
                    }),
                    None => Item::Blank(origin),
                }))
            }
            Rows::Document(row) => row.take().map(|r| Ok(Item::Row(r))),
        }
    }
}

/// The kinds of input file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Toml,
    Json,
    Csv,
    Workbook,
}

impl InputFormat {
    pub fn from_path(path: &str) -> Option<InputFormat> {
        let lower = path.to_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "toml" => InputFormat::Toml,
            "json" => InputFormat::Json,
            "csv" | "txt" => InputFormat::Csv,
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => InputFormat::Workbook,
            _ => return None,
        })
    }
}

/// Opens a file by path and reads its header. The only file-system access of the readers.
pub fn open_path(model: &Model, path: &Path, sheet: Option<&str>) -> Result<Opened, FileError> {
    open_path_with(model, path, sheet, false)
}

/// [`open_path`]; `partial` (`--partial`): missing required columns and blank required cells
/// are figures not reported, not errors ([`plan`]).
pub fn open_path_with(model: &Model, path: &Path, sheet: Option<&str>, partial: bool) -> Result<Opened, FileError> {
    let name = path.display().to_string();
    let format = InputFormat::from_path(&name).ok_or_else(|| {
        FileError(format!(
            "无法识别数据文件 {name} 的格式：应为 .toml、.json、.csv、.xlsx、.xls 或 .ods"
        ))
    })?;
    let file = std::fs::File::open(path).map_err(|e| FileError(format!("无法读取文件 {name}：{}", io_message(&e))))?;
    match format {
        InputFormat::Csv => open_csv_with(model, &name, io::BufReader::new(file), partial),
        InputFormat::Workbook => {
            // calamine reads a workbook from memory anyway (a zip needs seeking); a file
            // larger than what any workbook may unzip to is not read at all.
            let limits = Limits::default();
            if file.metadata().is_ok_and(|m| m.len() > limits.max_unzipped_bytes) {
                return Err(FileError(format!(
                    "工作簿 {name} 超过 {} MiB，不像是单位数据：已拒绝；数据很多时请用 CSV",
                    limits.max_unzipped_bytes / (1024 * 1024)
                )));
            }
            let mut bytes = Vec::new();
            io::BufReader::new(file)
                .read_to_end(&mut bytes)
                .map_err(|e| FileError(format!("无法读取文件 {name}：{}", io_message(&e))))?;
            open_workbook_bytes_with(model, &name, bytes, sheet, limits, partial)
        }
        InputFormat::Toml | InputFormat::Json => {
            let mut bytes = Vec::new();
            io::BufReader::new(file)
                .read_to_end(&mut bytes)
                .map_err(|e| FileError(format!("无法读取文件 {name}：{}", io_message(&e))))?;
            Ok(open_document(&name, &bytes, format))
        }
    }
}

/// A workbook already in memory: a returned fill-in template (`jixiao template`, one
/// unit read by its keys) or any other workbook (one unit per row). Used by `eval` and by
/// the web workbench's uploads, so both read the same files the same way.
pub fn open_workbook_bytes<B: AsRef<[u8]> + Send + Sync + 'static>(
    model: &Model,
    name: &str,
    bytes: B,
    sheet: Option<&str>,
    limits: Limits,
) -> Result<Opened, FileError> {
    open_workbook_bytes_with(model, name, bytes, sheet, limits, false)
}

/// [`open_workbook_bytes`] with `partial` (see [`open_path_with`]).
pub fn open_workbook_bytes_with<B: AsRef<[u8]> + Send + Sync + 'static>(
    model: &Model,
    name: &str,
    bytes: B,
    sheet: Option<&str>,
    limits: Limits,
    partial: bool,
) -> Result<Opened, FileError> {
    let bytes = SharedBytes(Arc::new(bytes));
    workbook::check_archive(name, bytes.as_ref(), limits.max_unzipped_bytes)
        .map_err(|e| FileError(e.message().to_owned()))?;
    if let Some(returned) = crate::template::read::read_checked(model, name, bytes.as_ref()) {
        return Ok(open_template(model, name, bytes.as_ref(), returned, partial));
    }
    open_workbook(model, name, bytes, sheet, limits, partial)
}

/// A returned template: one unit, its problems already placed at the template's cells.
fn open_template(
    model: &Model,
    name: &str,
    bytes: &[u8],
    returned: crate::template::read::Returned,
    partial: bool,
) -> Opened {
    let info = Arc::new(FileInfo::document(name, jixiao::sha256_hex(bytes)));
    let parts = returned.into_batch(model, partial);
    let row = RawRow {
        origin: Origin {
            file: Arc::clone(&info),
            row: 0,
            line: 0,
        },
        raw: Some(parts.raw),
        problems: parts.problems,
        reported: parts.reported,
    };
    Opened {
        info,
        warnings: parts.warnings,
        estimated_rows: 1,
        rows: Rows::Document(Some(row)),
    }
}

/// An I/O error in Chinese for the common cases.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "文件不存在".into(),
        io::ErrorKind::PermissionDenied => "没有权限".into(),
        io::ErrorKind::IsADirectory => "这是一个目录，不是文件".into(),
        _ => e.to_string(),
    }
}

/// A TOML or JSON document: one unit. A document that does not parse is one row in error.
pub fn open_document(name: &str, bytes: &[u8], format: InputFormat) -> Opened {
    let info = Arc::new(FileInfo::document(name, jixiao::sha256_hex(bytes)));
    let origin = Origin {
        file: Arc::clone(&info),
        row: 0,
        line: 0,
    };
    let parsed = match std::str::from_utf8(bytes) {
        Err(e) => Err(DataProblem {
            kind: ProblemKind::Unreadable,
            field: "（文件）".into(),
            value: None,
            message: format!("不是 UTF-8 编码（第 {} 个字节处无效）", e.valid_up_to() + 1),
            location: None,
            declared_at: None,
        }),
        Ok(text) => {
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
            if format == InputFormat::Json {
                data::parse_json(text)
            } else {
                data::parse_toml(text)
            }
        }
    };
    let row = match parsed {
        Ok(raw) => RawRow {
            origin,
            raw: Some(raw),
            problems: Vec::new(),
            reported: Vec::new(),
        },
        Err(problem) => RawRow {
            origin,
            raw: None,
            problems: vec![problem],
            reported: Vec::new(),
        },
    };
    Opened {
        info,
        warnings: Vec::new(),
        estimated_rows: 1,
        rows: Rows::Document(Some(row)),
    }
}

/// A CSV file: its encoding, delimiter and header line found as described in
/// [`records`] and [`sniff`], then read as a stream (memory stays flat).
pub fn open_csv<R: Read + Seek + Send + 'static>(model: &Model, name: &str, reader: R) -> Result<Opened, FileError> {
    open_csv_with(model, name, reader, false)
}

/// [`open_csv`] with `partial` (see [`open_path_with`]).
pub fn open_csv_with<R: Read + Seek + Send + 'static>(
    model: &Model,
    name: &str,
    mut reader: R,
    partial: bool,
) -> Result<Opened, FileError> {
    let read_error = |e: io::Error| FileError(format!("无法读取文件 {name}：{}", io_message(&e)));
    let sniffed = sniff(&mut reader).map_err(read_error)?;
    if let Some(kind) = sniffed.binary {
        return Err(FileError(format!("{name} 不是 CSV 文本文件：{kind}")));
    }
    let mut warnings = sniffed.warnings(name);
    // The first lines, decoded, to find the delimiter and the header line.
    let mut head = Vec::new();
    Decode::new(&mut reader, sniffed.encoding)
        .take(HEAD_BYTES)
        .read_to_end(&mut head)
        .map_err(read_error)?;
    reader.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let found = find_header(&String::from_utf8_lossy(&head));
    let delimiter = found.map_or(b',', |(_, d)| d);
    let header_line = found.map_or(1, |(l, _)| l);
    match delimiter {
        b'\t' => warnings.push(format!("{name} 的各列用制表符（Tab）分隔，已按制表符读取")),
        b';' => warnings.push(format!("{name} 的各列用分号（;）分隔，已按分号读取")),
        _ => {}
    }
    let decoded: Box<dyn Read + Send> = Box::new(Decode::new(reader, sniffed.encoding));
    let mut reader = Reader::new(decoded, delimiter);
    if sniffed.encoding != UTF_8 || sniffed.bad > 0 {
        reader.watch_replacements();
    }
    let mut record = csv::ByteRecord::new();
    let mut count = LineCount::default();
    let mut row = 0;
    let meta = loop {
        match reader.read(&mut record) {
            Ok(Some(meta)) if meta.line < header_line => {
                row += 1;
                count.title_lines += meta.lines;
            }
            Ok(Some(meta)) => break meta,
            Ok(None) => return Err(FileError(format!("{name} 是空文件：没有表头行"))),
            Err(e) => return Err(FileError(format!("无法读取 {name} 的表头：{}", io_message(&e)))),
        }
    };
    row += 1;
    count.header_lines = meta.lines;
    if count.title_lines > 0 {
        warnings.push(format!(
            "{name} 的表头在文本第 {} 行；之前的 {} 行（标题等）不是数据，已跳过",
            meta.line, count.title_lines
        ));
    }
    let headers: Vec<String> = record
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{FEFF}')
                .trim()
                .to_owned()
        })
        .collect();
    let first = headers.iter().take(4).cloned().collect::<Vec<_>>().join("、");
    let (plan, plan_warnings) = plan(model, name, FileKind::Csv, 0, headers, sniffed.sha256, partial).map_err(|e| {
        if found.is_some() {
            FileError(e)
        } else {
            // No 单位名称 column anywhere near the top: say what was taken as the header.
            FileError(format!(
                "{e}\n（把文本第 {} 行当作表头，它的前几列是「{first}」；前 {HEAD_LINES} 行中没有「单位名称」列。\
                 文件是否用逗号分隔、是否是 CSV 文本？）",
                meta.line
            ))
        }
    })?;
    warnings.extend(plan_warnings);
    reader.set_expected(plan.columns.len());
    Ok(Opened {
        info: Arc::clone(plan.info()),
        warnings,
        estimated_rows: sniffed.lines.saturating_sub(meta.line),
        rows: Rows::Csv {
            reader,
            record,
            plan,
            row,
            count,
        },
    })
}

/// How much of a CSV file's beginning is searched for the header.
const HEAD_BYTES: u64 = 64 * 1024;
const HEAD_LINES: usize = 20;

/// The header among the first lines: the first line with a `单位名称` (or `单位`) cell
/// when split at `,`, a tab or `;` — (its 1-based line, the delimiter). Quotes are only
/// trimmed off cells; this is a guess that the real reading then confirms.
fn find_header(head: &str) -> Option<(usize, u8)> {
    let mut lines = Vec::new();
    let mut rest = head;
    while lines.len() < HEAD_LINES && !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        lines.push(&rest[..end]);
        rest = &rest[end..];
        rest = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix(['\r', '\n']))
            .unwrap_or(rest);
    }
    for (i, line) in lines.iter().enumerate() {
        for delimiter in [b',', b'\t', b';'] {
            let hit = line.split(char::from(delimiter)).any(|cell| {
                let cell = cell.trim().trim_start_matches('\u{FEFF}').trim_matches('"').trim();
                data::UNIT_NAME_KEYS.contains(&cell)
            });
            if hit {
                return Some((i + 1, delimiter));
            }
        }
    }
    None
}

struct Sniffed {
    encoding: &'static Encoding,
    sha256: String,
    /// Line breaks in the file (an estimate of the row count).
    lines: usize,
    /// What the file really is when it is not text (a workbook named `.csv`).
    binary: Option<&'static str>,
    /// Invalid UTF-8 sequences, and the line of the first.
    bad: usize,
    first_bad_line: usize,
}

impl Sniffed {
    /// What the reader should say about the encoding it chose.
    fn warnings(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.encoding == UTF_16LE || self.encoding == UTF_16BE {
            out.push(format!(
                "{name} 是 UTF-16 编码（Excel 另存为“Unicode 文本”时的编码），已按 UTF-16 读取"
            ));
        } else if self.encoding == GB18030 {
            out.push(format!("{name} 不是 UTF-8 编码，已按 GBK/GB18030 读取"));
        } else if self.bad > 0 {
            out.push(format!(
                "{name} 是 UTF-8 编码，但有 {} 处无法识别的字节（第一处在文本第 {} 行）：这些字节显示为 �，\
                 所在的格如果要用，这一行会报错",
                self.bad, self.first_bad_line
            ));
        }
        out
    }
}

/// Reads the whole stream once, in chunks: what it is (a zip or OLE workbook, UTF-16 by
/// its BOM or by the zero bytes of its ASCII characters), how many lines, its SHA-256,
/// and whether it is UTF-8. Memory stays flat.
///
/// The encoding rule: valid UTF-8 is UTF-8. A file with invalid sequences is still
/// UTF-8 when its valid multi-byte characters outnumber them four to one (a UTF-8 file
/// with a stray byte: the byte's line is named); otherwise it is GBK/GB18030, what
/// Chinese Excel writes (GBK text is almost never valid UTF-8). Bytes that do not decode
/// become `�`, and a row using such a cell is an error, never a silent `�`.
fn sniff<R: Read + Seek>(reader: &mut R) -> io::Result<Sniffed> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry = 0;
    let mut lines = 0;
    let mut prev = b'\n';
    let mut first = true;
    let mut utf16 = None;
    let mut binary = None;
    let mut good = 0usize;
    let mut bad = 0usize;
    let mut first_bad_line = 0;
    // LF, CRLF and a lone CR each end one line.
    let count_lines = |bytes: &[u8], prev: &mut u8, lines: &mut usize| {
        for &b in bytes {
            if b == b'\n' || *prev == b'\r' {
                *lines += 1;
            }
            *prev = b;
        }
    };
    loop {
        let n = match reader.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if carry > 0 {
                // A sequence cut off by the end of the file.
                bad += 1;
                if first_bad_line == 0 {
                    first_bad_line = lines + 1;
                }
            }
            break;
        }
        let end = carry + n;
        hasher.update(&buf[carry..end]);
        if first {
            first = false;
            let start = &buf[..end.min(4096)];
            binary = if start.starts_with(b"PK\x03\x04") {
                Some("它是 Excel 工作簿（.xlsx，zip 格式），只是扩展名写成了 .csv：请把扩展名改为 .xlsx 再读取，或在 Excel 中“另存为 CSV（逗号分隔）”")
            } else if start.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
                Some("它是旧版 Excel 工作簿（.xls），只是扩展名写成了 .csv：请把扩展名改为 .xls 再读取，或在 Excel 中“另存为 CSV（逗号分隔）”")
            } else {
                None
            };
            utf16 = utf16_of(start);
        }
        if utf16.is_some() || binary.is_some() {
            count_lines(&buf[carry..end], &mut prev, &mut lines);
            carry = 0;
            continue;
        }
        let mut i = 0;
        let mut counted = carry; // carried bytes are ≥ 0x80: no line ends among them
        let mut next_carry = 0;
        while i < end {
            match std::str::from_utf8(&buf[i..end]) {
                Ok(_) => {
                    good += buf[i..end].iter().filter(|&&b| b >= 0xC0).count();
                    i = end;
                }
                Err(e) => {
                    let valid = i + e.valid_up_to();
                    good += buf[i..valid].iter().filter(|&&b| b >= 0xC0).count();
                    match e.error_len() {
                        None => {
                            next_carry = end - valid;
                            i = end;
                        }
                        Some(len) => {
                            bad += 1;
                            if first_bad_line == 0 {
                                count_lines(&buf[counted..valid], &mut prev, &mut lines);
                                counted = valid;
                                first_bad_line = lines + 1;
                            }
                            i = valid + len;
                        }
                    }
                }
            }
        }
        count_lines(
            &buf[counted.min(end - next_carry)..end - next_carry],
            &mut prev,
            &mut lines,
        );
        buf.copy_within(end - next_carry..end, 0);
        carry = next_carry;
    }
    // A last line without a line end (or ended by a lone CR, not yet counted).
    if prev != b'\n' {
        lines += 1;
    }
    reader.seek(SeekFrom::Start(0))?;
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let encoding = match utf16 {
        Some(e) => e,
        None if bad == 0 || good >= 4 * bad => UTF_8,
        None => GB18030,
    };
    Ok(Sniffed {
        encoding,
        sha256,
        lines,
        binary,
        bad,
        first_bad_line,
    })
}

/// UTF-16 by its BOM, or by the zero high bytes of its ASCII characters (`,`, digits,
/// line ends: GBK and UTF-8 text has no zero bytes at all).
fn utf16_of(start: &[u8]) -> Option<&'static Encoding> {
    if start.starts_with(&[0xFF, 0xFE]) {
        return Some(UTF_16LE);
    }
    if start.starts_with(&[0xFE, 0xFF]) {
        return Some(UTF_16BE);
    }
    let pairs = start.len() / 2;
    let zero_even = start.iter().step_by(2).take(pairs).filter(|&&b| b == 0).count();
    let zero_odd = start.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let enough = (pairs / 16).max(2);
    if zero_odd >= enough && zero_even == 0 {
        Some(UTF_16LE)
    } else if zero_even >= enough && zero_odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Decodes a byte stream to UTF-8 as it is read (encoding_rs), removing a BOM.
struct Decode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    done: bool,
    output: Vec<u8>,
    out_start: usize,
}

impl<R: Read> Decode<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Decode {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; 32 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            done: false,
            output: Vec::new(),
            out_start: 0,
        }
    }
}

impl<R: Read> Read for Decode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.output.len() {
                let n = buf.len().min(self.output.len() - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                match self.inner.read(&mut self.input) {
                    Ok(0) => self.eof = true,
                    Ok(n) => {
                        self.in_start = 0;
                        self.in_end = n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            let pending = &self.input[self.in_start..self.in_end];
            let room = self
                .decoder
                .max_utf8_buffer_length(pending.len())
                .unwrap_or(pending.len() * 4 + 16)
                .max(16);
            self.output.clear();
            self.output.resize(room, 0);
            let (result, read, written, _) = self.decoder.decode_to_utf8(pending, &mut self.output, self.eof);
            self.in_start += read;
            self.output.truncate(written);
            self.out_start = 0;
            if self.eof && self.in_start == self.in_end && result == encoding_rs::CoderResult::InputEmpty {
                self.done = true;
            }
        }
    }
}

/// A workbook (XLSX/XLS/XLSB/ODS, told by `name`'s extension): the named sheet or the
/// first visible one; its first row with content is the header. Read through
/// [`super::workbook`]: the archive is checked first and the sheet streamed row by row,
/// so memory stays bounded whatever the file declares.
fn open_workbook(
    model: &Model,
    name: &str,
    bytes: SharedBytes,
    sheet: Option<&str>,
    limits: Limits,
    partial: bool,
) -> Result<Opened, FileError> {
    let sha256 = jixiao::sha256_hex(bytes.as_ref());
    let wb =
        workbook::open_checked(name, io::Cursor::new(bytes.clone())).map_err(|e| FileError(e.message().to_owned()))?;
    let names = calamine::Reader::sheet_names(&wb);
    let mut warnings = Vec::new();
    let chosen = match sheet {
        Some(s) => {
            if !names.iter().any(|n| n == s) {
                return Err(FileError(format!(
                    "工作簿 {name} 中没有名为「{s}」的工作表；现有的工作表：{}",
                    names.join("、")
                )));
            }
            if workbook::hidden(&wb, s) {
                warnings.push(format!("工作簿 {name} 的工作表「{s}」是隐藏的工作表；已按指定读取它"));
            }
            s.to_owned()
        }
        None => match names.iter().find(|n| !workbook::hidden(&wb, n)) {
            Some(first_visible) => first_visible.clone(),
            None => {
                let first = names
                    .first()
                    .cloned()
                    .ok_or_else(|| FileError(format!("工作簿 {name} 中没有工作表")))?;
                warnings.push(format!(
                    "工作簿 {name} 的工作表都是隐藏的；已读取第一个工作表「{first}」"
                ));
                first
            }
        },
    };
    let mut rows = workbook::stream(wb, name, &chosen, limits);
    let header = match rows.next_row() {
        Some(Ok(row)) => row,
        Some(Err(message)) => return Err(FileError(message)),
        None => {
            let mut message = format!("工作簿 {name} 的工作表「{chosen}」是空的：没有表头行");
            if sheet.is_none() {
                message.push_str(&other_sheet_hint(model, name, &bytes, &chosen));
            }
            return Err(FileError(message));
        }
    };
    let left = header.cells.first().map_or(0, |(c, _)| *c);
    let last = header.cells.last().map_or(0, |(c, _)| *c);
    let mut headers = vec![String::new(); (last - left) as usize + 1];
    for (c, cell) in &header.cells {
        headers[(c - left) as usize] = cell_text(cell);
    }
    // Columns of the sheet's declared used range outside the header are ignored (as
    // columns without a header are); a cell beyond even that range is named in its row.
    let (first_used, last_used) = rows.declared_cols.unwrap_or((left, last));
    let used = (first_used.min(left), last_used.max(last));
    if used.0 < left {
        warnings.push(format!(
            "{name} 的工作表「{chosen}」在表头左边的 {}–{} 列没有表头，这些列已忽略",
            column_letters(used.0 as usize),
            column_letters(left as usize - 1)
        ));
    }
    if used.1 > last {
        warnings.push(format!(
            "{name} 的工作表「{chosen}」在表头右边的 {}–{} 列没有表头，这些列已忽略",
            column_letters(last as usize + 1),
            column_letters(used.1 as usize)
        ));
    }
    let kind = FileKind::Sheet { name: chosen.clone() };
    let (plan, plan_warnings) = match plan(model, name, kind, left as usize, headers, sha256, partial) {
        Ok(p) => p,
        Err(mut message) => {
            if sheet.is_none() {
                message.push_str(&other_sheet_hint(model, name, &bytes, &chosen));
            }
            return Err(FileError(message));
        }
    };
    warnings.extend(plan_warnings);
    // Under a unit limit (the workbench) the rows are counted first: what the sheet
    // declares is not trusted, and a request past the limit evaluates nothing.
    let estimated_rows = if limits.max_rows < workbook::MAX_ROWS as usize {
        let wb = workbook::open_checked(name, io::Cursor::new(bytes.clone()))
            .map_err(|e| FileError(e.message().to_owned()))?;
        workbook::count_rows(wb, name, &chosen, limits.max_rows).map_err(FileError)?
    } else {
        rows.declared_rows
    };
    Ok(Opened {
        info: Arc::clone(plan.info()),
        warnings,
        estimated_rows,
        rows: Rows::Sheet {
            rows,
            plan,
            left,
            used,
            next: header.row + 1,
            pending: None,
        },
    })
}

/// A cell outside both the header's columns and the columns the sheet declares it uses
/// (a stray cell far from the table, or a sheet whose declared range is wrong).
fn stray_cell(info: &FileInfo, row: usize, col: u32, cell: &Cell) -> DataProblem {
    let sheet = match &info.kind {
        FileKind::Sheet { name } => sheet_ref(name),
        _ => String::new(),
    };
    DataProblem {
        kind: ProblemKind::Layout,
        field: format!("{} 列", column_letters(col as usize)),
        value: Some(cell_text(cell)),
        message: format!(
            "单元格 {sheet}!{}{row} 在表头的列之外（表头在 {}–{} 列），这一格没有读取：请删去它，或把它移到有表头的列中",
            column_letters(col as usize),
            column_letters(info.first_col),
            column_letters((info.first_col + info.headers.len()).saturating_sub(1)),
        ),
        location: None,
        declared_at: None,
    }
}

/// How many other sheets are looked at for the header.
const MAX_SHEETS_LOOKED_AT: usize = 16;

/// When the sheet read lacks the header: another sheet (often a hidden one) that has it.
fn other_sheet_hint(model: &Model, name: &str, bytes: &SharedBytes, tried: &str) -> String {
    let names = match workbook::open_checked(name, io::Cursor::new(bytes.clone())) {
        Ok(wb) => calamine::Reader::sheet_names(&wb),
        Err(_) => return String::new(),
    };
    // A few sheets only: each look opens the workbook again (this is the error path).
    for other in names.iter().filter(|n| n.as_str() != tried).take(MAX_SHEETS_LOOKED_AT) {
        let Ok(wb) = workbook::open_checked(name, io::Cursor::new(bytes.clone())) else {
            return String::new();
        };
        let hidden = workbook::hidden(&wb, other);
        let Ok(Some(row)) = workbook::first_row(wb, name, other) else {
            continue;
        };
        let left = row.cells.first().map_or(0, |(c, _)| *c);
        let last = row.cells.last().map_or(0, |(c, _)| *c);
        let mut headers = vec![String::new(); (last - left) as usize + 1];
        for (c, cell) in &row.cells {
            headers[(c - left) as usize] = cell_text(cell);
        }
        let kind = FileKind::Sheet {
            name: other.to_string(),
        };
        if plan(model, name, kind, left as usize, headers, String::new(), false).is_ok() {
            let what = if hidden { "隐藏的工作表" } else { "工作表" };
            return format!(
                "\n{what}「{other}」有完整的表头，数据可能在那张表里：请指定工作表「{other}」（命令行 --sheet {other}，工作台的“工作表”一栏）{}",
                if hidden { "，或在 Excel 中取消隐藏后把它放在第一个" } else { "" }
            );
        }
    }
    String::new()
}

/// How the direct CSV path ([`super::fast`]) reads a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DirectColumn {
    /// Not a rule-file field (warned about when the file was opened), or a header-less column.
    Ignored,
    Unit,
    Input(usize),
}

impl Opened {
    /// For a CSV file whose columns are only the unit's name and inputs (no target lists,
    /// 评审 or 自评 columns): how each column is read; `None` otherwise.
    pub(crate) fn direct_columns(&self) -> Option<Vec<DirectColumn>> {
        let Rows::Csv { plan, .. } = &self.rows else {
            return None;
        };
        plan.columns
            .iter()
            .map(|c| match &c.target {
                None => Some(DirectColumn::Ignored),
                Some(Target::Unit) => Some(DirectColumn::Unit),
                Some(Target::Input(i)) => Some(DirectColumn::Input(*i)),
                Some(Target::List(_) | Target::Nested(_)) => None,
            })
            .collect()
    }

    /// The next CSV record as bytes (decoded to UTF-8), with its row and how it was read;
    /// like [`Opened::next_item`] without building the row's table. Only for CSV files.
    pub(crate) fn next_csv_record(
        &mut self,
        record: &mut csv::ByteRecord,
    ) -> Option<Result<(usize, records::Record), FileError>> {
        let Rows::Csv { reader, row, count, .. } = &mut self.rows else {
            return None;
        };
        match reader.read(record) {
            Ok(None) => None,
            Ok(Some(meta)) => {
                *row += 1;
                count.record(&meta);
                Some(Ok((*row, meta)))
            }
            Err(e) => Some(Err(FileError(format!(
                "读取 {} 的第 {} 行之后出错：{}",
                self.info.name,
                reader.lines(),
                io_message(&e)
            )))),
        }
    }

    /// For a CSV file read to its end: how its text lines were used, in Chinese
    /// (`units.csv 共 1001 行文本：表头 1 行，数据 1000 行`). Every line is in one part.
    pub fn line_summary(&self) -> Option<String> {
        let Rows::Csv { reader, count, .. } = &self.rows else {
            return None;
        };
        let mut out = format!("{} 共 {} 行文本：", self.info.name, reader.lines());
        if count.title_lines > 0 {
            out.push_str(&format!("表头之前 {} 行（已跳过），", count.title_lines));
        }
        out.push_str(&format!("表头 {} 行，数据 {} 行", count.header_lines, count.data_lines));
        if count.spanning > 0 {
            out.push_str(&format!(
                "（其中 {} 行表格含跨行的单元格，共占 {} 行文本）",
                count.spanning, count.spanning_lines
            ));
        }
        let (replaced, first) = reader.replaced();
        if replaced > 0 {
            out.push_str(&format!(
                "；{replaced} 行含无法识别的字节（显示为 �），第一处在文本第 {first} 行"
            ));
        }
        Some(out)
    }

    /// Bytes of the CSV record read last (0 for other files): bounds a chunk's memory.
    pub fn last_record_bytes(&self) -> usize {
        match &self.rows {
            Rows::Csv { record, .. } => record.as_slice().len(),
            _ => 0,
        }
    }

    /// A CSV file's header plan (shared with the threads of the direct path).
    pub(crate) fn csv_plan(&self) -> Option<&Plan> {
        match &self.rows {
            Rows::Csv { plan, .. } => Some(plan),
            _ => None,
        }
    }
}

impl Plan {
    /// A record read by [`Opened::next_csv_record`] as [`Opened::next_item`] gives it.
    pub(crate) fn item(&self, row: usize, meta: records::Record, record: &csv::ByteRecord) -> Item {
        let cells: Vec<Cell> = record.iter().map(|f| text_cell(&String::from_utf8_lossy(f))).collect();
        let mut read = Vec::new();
        if let Some(col) = meta.broken {
            read.push(DataProblem {
                kind: ProblemKind::Layout,
                field: self
                    .info
                    .headers
                    .get(col)
                    .cloned()
                    .unwrap_or_else(|| format!("第 {} 列", col + 1)),
                value: record.get(col).map(|f| String::from_utf8_lossy(f).into_owned()),
                message: format!(
                    "单元格以引号 \" 开头，但引号没有按 CSV 的规则闭合（引号在文本第 {} 行）：这一行已原样单独读取，\
                     后面的行不受影响。请删去这个引号，或把整格写成 \"…\" 并把格中的引号写成两个 \"\"",
                    meta.line
                ),
                location: Some((row, col + 1)),
                declared_at: None,
            });
        }
        if meta.too_long {
            read.push(DataProblem {
                kind: ProblemKind::Layout,
                field: "（整行）".into(),
                value: None,
                message: format!(
                    "文本第 {} 行超过 {} MiB，只读取了开头：这不像是一行填报数据",
                    meta.line,
                    records::MAX_LINE_BYTES >> 20
                ),
                location: None,
                declared_at: None,
            });
        }
        match self.row_read(row, meta.line, cells, read) {
            Some(r) => Item::Row(r),
            None => Item::Blank(Origin {
                file: Arc::clone(&self.info),
                row,
                line: meta.line,
            }),
        }
    }
}

/// How a CSV file's text lines were used.
#[derive(Debug, Default, Clone)]
struct LineCount {
    title_lines: usize,
    header_lines: usize,
    data_lines: usize,
    /// Records spanning several lines, and the lines they take.
    spanning: usize,
    spanning_lines: usize,
}

impl LineCount {
    fn record(&mut self, meta: &records::Record) {
        self.data_lines += meta.lines;
        if meta.lines > 1 {
            self.spanning += 1;
            self.spanning_lines += meta.lines;
        }
    }
}

/// Whether a CSV record has no content at all (every cell blank once trimmed): then it
/// is not a unit ([`Plan::row`] gives `None`).
pub(crate) fn blank_record(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| String::from_utf8_lossy(f).trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::cells::data_cell;

    #[test]
    fn column_letters_are_excel_style() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn float_text_is_the_typed_decimal() {
        for typed in [
            "3696.83",
            "0.1",
            "44",
            "1517",
            "0.95",
            "-55.41",
            "123456789012.345",
            "0.0000001",
        ] {
            let f: f64 = typed.parse().unwrap();
            assert_eq!(data_cell(&calamine::Data::Float(f)), Cell::Number(typed.to_owned()));
        }
        // Trailing zeros are not kept by an f64: `44.00` comes back as the same number 44.
        let f: f64 = "44.00".parse().unwrap();
        assert_eq!(data_cell(&calamine::Data::Float(f)), Cell::Number("44".into()));
    }

    #[test]
    fn decoding_gb18030_streams_across_buffer_boundaries() {
        let text = "单位名称,编制人数\n".repeat(5000);
        let (bytes, _, _) = GB18030.encode(&text);
        let mut out = String::new();
        Decode::new(io::Cursor::new(bytes.into_owned()), GB18030)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn sniffing_tells_utf8_from_gbk() {
        let text = "单位名称,编制人数\n甲,1\n";
        let mut utf8 = io::Cursor::new(text.as_bytes().to_vec());
        let s = sniff(&mut utf8).unwrap();
        assert_eq!(s.encoding, UTF_8);
        assert_eq!(s.lines, 2);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut gbk = io::Cursor::new(gbk.into_owned());
        assert_eq!(sniff(&mut gbk).unwrap().encoding, GB18030);
        let mut cr = io::Cursor::new(b"a\rb\r\nc\n\nd".to_vec());
        assert_eq!(sniff(&mut cr).unwrap().lines, 5);
    }
}
