//! Reading one row's cells into a [`Raw::Table`] by the header plan.

use std::sync::Arc;

use jixiao::data::{self, Entry, Loc, Raw};
use jixiao::diagnostics::{DataProblem, ProblemKind};

use super::plan::{Plan, Target};
use super::{Cell, Origin, RawRow};
use crate::batch::cells::cell_text;

impl Plan {
    /// Builds a row's table from its cells (in column order). `None` for a row with no
    /// content at all.
    pub fn row(&self, row: usize, line: usize, cells: Vec<Cell>) -> Option<RawRow> {
        self.row_read(row, line, cells, Vec::new())
    }

    /// [`Plan::row`] with the problems found while reading the row's text (a quote that
    /// does not close, a line cut short), which come first.
    pub(super) fn row_read(&self, row: usize, line: usize, cells: Vec<Cell>, read: Vec<DataProblem>) -> Option<RawRow> {
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
                    declared_in: None,
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
                    declared_in: None,
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
                    declared_in: None,
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
                        declared_in: None,
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
            declared_in: None,
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
        Err(p) => Err(format!("目标清单{}；{example}", p.message)),
    }
}
