//! CSV files: finding the header line and delimiter, then reading records as a stream.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use encoding_rs::UTF_8;
use jixiao::data;
use jixiao::diagnostics::{DataProblem, ProblemKind};
use jixiao::model::Model;

use super::plan::{plan, Plan, Target};
use super::sniff::{sniff, Decode};
use super::{io_message, Cell, FileError, FileKind, Item, Opened, Origin, Rows};
use crate::batch::cells::text_cell;
use crate::batch::records::{self, Reader};

/// A CSV file: its encoding, delimiter and header line found as described in
/// [`records`] and [`sniff`], then read as a stream (memory stays flat).
pub fn open_csv<R: Read + Seek + Send + 'static>(model: &Model, name: &str, reader: R) -> Result<Opened, FileError> {
    open_csv_with(model, name, reader, false)
}

/// [`open_csv`] with `partial` (see [`open_path_with`](super::open_path_with)).
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
pub(super) fn find_header(head: &str) -> Option<(usize, u8)> {
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

/// How the direct CSV path ([`crate::batch::fast`]) reads a column.
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
                declared_in: None,
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
                declared_in: None,
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
pub(super) struct LineCount {
    title_lines: usize,
    header_lines: usize,
    data_lines: usize,
    /// Records spanning several lines, and the lines they take.
    spanning: usize,
    spanning_lines: usize,
}

impl LineCount {
    pub(super) fn record(&mut self, meta: &records::Record) {
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
