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

mod csv_file;
mod document;
mod plan;
mod row;
mod sniff;
mod stdin;
mod workbook_file;

pub use super::cells::{column_letters, Cell};
pub(crate) use csv_file::{blank_record, DirectColumn};
pub use csv_file::{open_csv, open_csv_with};
pub use document::open_document;
pub use plan::{plan, Plan};
pub use stdin::{guess, read_stdin, StdinData, MAX_DOCUMENT_BYTES, STDIN_NAME};

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use super::records::{self, Reader};
use super::workbook::{self, Limits, SharedBytes};
use csv_file::LineCount;
use document::open_template;
use jixiao::data::Raw;
use jixiao::diagnostics::DataProblem;
use jixiao::model::Model;
use workbook_file::{open_workbook, stray_cell};

/// What kind of file a row came from: decides how its coordinates are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A CSV file: rows are numbered as a spreadsheet shows them (one row per record).
    Csv,
    /// One sheet of a workbook: cells are written `Sheet1!C7`.
    Sheet { name: String },
    /// A TOML or JSON document holding one unit.
    Document,
    /// A returned fill-in template (`jixiao template`): one unit, its problems placed at the
    /// cells of its sheets by the template reader.
    Template,
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
    fn document(name: &str, kind: FileKind, sha256: String) -> FileInfo {
        FileInfo {
            name: name.to_owned(),
            kind,
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
            FileKind::Document | FileKind::Template => String::new(),
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
            FileKind::Document | FileKind::Template => format!("「{header}」"),
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
    /// In words, for messages: `CSV`, `Excel 工作簿`.
    pub fn label(self) -> &'static str {
        match self {
            InputFormat::Toml => "TOML",
            InputFormat::Json => "JSON",
            InputFormat::Csv => "CSV",
            InputFormat::Workbook => "Excel 工作簿",
        }
    }

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
/// are figures not reported, not errors ([`plan()`]).
pub fn open_path_with(model: &Model, path: &Path, sheet: Option<&str>, partial: bool) -> Result<Opened, FileError> {
    open_path_as(model, path, sheet, partial, None)
}

/// [`open_path_with`] in the format given (`--data-format`), whatever the file's extension.
pub fn open_path_as(
    model: &Model,
    path: &Path,
    sheet: Option<&str>,
    partial: bool,
    format: Option<InputFormat>,
) -> Result<Opened, FileError> {
    let name = path.display().to_string();
    // A missing file is missing, whatever its name says about its format.
    let file = std::fs::File::open(path).map_err(|e| FileError(format!("无法读取文件 {name}：{}", io_message(&e))))?;
    let format = format.or_else(|| InputFormat::from_path(&name)).ok_or_else(|| {
        FileError(format!(
            "无法识别数据文件 {name} 的格式：应为 .toml、.json、.csv、.xlsx、.xls 或 .ods，或用 --data-format 指明"
        ))
    })?;
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

/// An I/O error in Chinese (the core's, so every command words it alike).
pub use jixiao::diagnostics::io_message;

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
}
