//! Workbooks (XLSX/XLS/XLSB/ODS) read as one unit per row of one sheet.

use std::io;
use std::sync::Arc;

use jixiao::diagnostics::{DataProblem, ProblemKind};
use jixiao::model::Model;

use super::plan::plan;
use super::{sheet_ref, Cell, FileError, FileInfo, FileKind, Opened, Rows};
use crate::batch::cells::{cell_text, column_letters};
use crate::batch::workbook::{self, Limits, SharedBytes};

/// A workbook (XLSX/XLS/XLSB/ODS, told by `name`'s extension): the named sheet or the
/// first visible one; its first row with content is the header. Read through
/// [`crate::batch::workbook`]: the archive is checked first and the sheet streamed row
/// by row, so memory stays bounded whatever the file declares.
pub(super) fn open_workbook(
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
pub(super) fn stray_cell(info: &FileInfo, row: usize, col: u32, cell: &Cell) -> DataProblem {
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
        declared_in: None,
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
