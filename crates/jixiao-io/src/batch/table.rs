//! The terminal's table (`--format table`, the default): one unit is its whole 评分表, as
//! a TOML file prints it; several are one line each (序号, 来源, 单位, 总分, 等级, 勾稽,
//! 状态), and with `--explain` each unit's 评分表 and explanations after the table, for at
//! most [`EXPLAINED`] units (beyond, the run stops and says what to use instead).

use std::io::Write;

use super::output::{cell_text, Column, Layout, Writer};
use super::{BatchError, Processed};
use crate::text::{render_audit, render_explain, render_provenance, render_table};

/// The most units `--explain` explains in the table. More are read in a report or a file
/// made for them (HTML, JSON, XLSX), not scrolled through on a terminal.
pub const EXPLAINED: usize = 20;

#[derive(Default)]
pub struct TableWriter {
    rows: Vec<Vec<String>>,
    /// Per unit, with `--audit`: its 复核意见 as text.
    audits: Vec<(String, String)>,
    /// The data files read, their SHA-256 and a unit's 来源 line, in first-seen order.
    sources: Vec<Source>,
    /// The first unit's 评分表 (printed alone when it is the only unit) and, with
    /// `--explain`, every unit's: (`1 单位（来源）`, the sheet).
    sheets: Vec<(String, Option<String>)>,
}

/// A table row, the unit's 复核意见 (with `--audit`), where its data came from, and its
/// 评分表 when it may be printed.
pub struct TableItem {
    number: usize,
    row: Vec<String>,
    audit: Option<(String, String)>,
    source: Option<Source>,
    sheet: Option<(String, Option<String>)>,
}

/// A data file as a unit's provenance names it.
struct Source {
    file: String,
    sha256: String,
    /// The unit's `来源：…` line (printed under a sheet printed alone).
    line: String,
}

/// What to use instead of the table for explanations of many units.
fn too_many() -> String {
    format!(
        "--explain 在表格中逐个说明的单位不超过 {EXPLAINED} 个，这次超过 {EXPLAINED} 个单位：\
         请写成报告 -o 评价报告.html（每个单位一页，含评分说明），或 -o 评价结果.xlsx（“评分说明”工作表），\
         或 --format json / jsonl（每个指标的 explanation）；只看某个单位，请单独评价它的数据"
    )
}

impl Writer for TableWriter {
    type Item = TableItem;

    fn begin(&mut self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }

    fn prepare(layout: &Layout, p: &Processed) -> TableItem {
        let options = layout.options;
        let mut columns = vec![
            Column::Number,
            Column::Source,
            Column::Unit,
            Column::Total,
            Column::Grade,
        ];
        if options.audit {
            columns.push(Column::AuditSummary);
        }
        columns.extend([Column::FailedChecks, Column::Status, Column::Reason]);
        let ev = p.result.as_ref().ok().map(|d| &d.evaluation);
        // The first unit's sheet in case it is the only one; every unit's to explain.
        let sheet = (p.number == 1 || (options.explain && p.number <= EXPLAINED)).then(|| {
            let text = ev.map(|ev| {
                let mut t = render_table(ev);
                if options.explain {
                    t.push_str(&render_explain(ev));
                }
                if options.audit {
                    t.push_str(&render_audit(ev));
                }
                t
            });
            (format!("{} {}（{}）", p.number, p.unit, p.origin.label()), text)
        });
        TableItem {
            number: p.number,
            row: columns.iter().map(|c| cell_text(c, p)).collect(),
            audit: ev
                .filter(|ev| options.audit && !ev.audit.findings.is_empty())
                .map(|ev| (format!("{} {}", p.number, p.unit), render_audit(ev))),
            source: ev.map(|ev| Source {
                file: p.origin.file.name.clone(),
                sha256: ev.provenance.data_sha256.clone(),
                line: render_provenance(ev),
            }),
            sheet,
        }
    }

    fn write(&mut self, layout: &Layout, item: TableItem, _: &mut dyn Write) -> Result<(), BatchError> {
        if layout.options.explain && item.number > EXPLAINED {
            return Err(BatchError::Format(too_many()));
        }
        self.rows.push(item.row);
        self.audits.extend(item.audit);
        self.sheets.extend(item.sheet);
        if let Some(source) = item.source {
            if !self
                .sources
                .iter()
                .any(|s| s.file == source.file && s.sha256 == source.sha256)
            {
                self.sources.push(source);
            }
        }
        Ok(())
    }

    fn finish(self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        // One unit evaluated: its 评分表, exactly as a TOML file of it prints.
        if let ([_], [(_, Some(sheet))], [source]) =
            (self.rows.as_slice(), self.sheets.as_slice(), self.sources.as_slice())
        {
            write!(out, "{sheet}{}", source.line)?;
            return Ok(());
        }
        self.summary(layout, out)
    }
}

impl TableWriter {
    /// Several units (or one in error): the table, then the explained units' sheets or the
    /// 复核意见, and where the data came from.
    fn summary(self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
        let m = layout.model;
        writeln!(out, "{}（{} 年度，{}）\n", m.title, m.year, m.issuer)?;
        let mut header = vec!["序号", "来源", "单位名称", "总分", "等级"];
        if layout.options.audit {
            header.push("复核结论");
        }
        header.extend(["未通过的勾稽关系", "状态", "错误原因"]);
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header.iter().map(|h| Cell::new(*h)));
        for row in self.rows {
            t.add_row(row.into_iter().enumerate().map(|(i, s)| {
                let cell = Cell::new(s);
                if i == 0 || i == 3 {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            }));
        }
        writeln!(out, "{t}")?;
        if layout.options.explain {
            // Each unit's sheet carries its 复核意见 too.
            for (unit, sheet) in &self.sheets {
                if let Some(sheet) = sheet {
                    // Not 【…】: the explanations name their indicators that way.
                    write!(out, "\n════ {unit} ════\n{sheet}")?;
                }
            }
        } else {
            for (unit, audit) in &self.audits {
                write!(out, "\n【{unit}】{audit}")?;
            }
        }
        writeln!(out, "\n来源：规则文件 {}（SHA-256 {}）", m.source.name, m.sha256)?;
        for s in &self.sources {
            writeln!(out, "      数据 {}（SHA-256 {}）", s.file, s.sha256)?;
        }
        Ok(())
    }
}
