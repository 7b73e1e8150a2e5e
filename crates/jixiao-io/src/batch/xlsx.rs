//! The XLSX workbook (rust_xlsxwriter): 评价结果 (one row per unit), 汇总 (grade
//! distribution, per-indicator mean/min/max, units ranked by total, units in error) and
//! 评分说明 (every indicator's explanation per unit).
//!
//! Numbers are written as numbers with number formats (`0.00%`, `0.00`), not as text.
//! The number written is the value as the report shows it — rounded 四舍五入 to the
//! declared decimals, exactly, then converted to the nearest `f64` through its decimal
//! text. A value of at most 15 significant digits survives that conversion unchanged
//! when Excel shows it (see [`super::input`] for why), so the workbook shows exactly
//! what the CSV and the terminal show. A figure the report holds as text because the unit
//! wrote it (`80%`, `3,696.83` in 复核意见) is a number too, shown as it was written.
//!
//! Every sheet prints on A4 landscape with its header row and the unit's name on every
//! page, and its columns are as wide as what they hold ([`crate::sheet_print`]).

use std::io::Write;
use std::str::FromStr;

use rust_decimal::Decimal;

use jixiao::number::Number;
use jixiao::report::Evaluation;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::output::{cell_text, Column, Layout, Summary, UnitStats, Writer};
use super::{BatchError, Processed};
use crate::sheet_print::{self, ColumnWidths, PrintSetup};
use jixiao::numfmt::round_half_away;

/// Excel's last row (1,048,576 rows, 0-based).
const MAX_ROW: u32 = 1_048_575;

/// A cell before it is written.
#[derive(Debug, Clone, PartialEq)]
pub enum XCell {
    Blank,
    Text(String),
    /// A number and how it is shown (`None`: Excel's General format).
    Number(f64, Option<NumberStyle>),
}

/// One unit's share of the workbook, prepared on a worker thread.
pub struct XlsxItem {
    cells: Vec<XCell>,
    findings: Vec<Vec<XCell>>,
    explanations: Vec<Vec<XCell>>,
    stats: UnitStats,
    ok: bool,
}

/// How a number column is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberStyle {
    percent: bool,
    decimals: u32,
    /// Thousands separators (`3,696.83`), where the unit wrote them.
    thousands: bool,
}

impl NumberStyle {
    fn excel(self) -> String {
        let mut f = String::from(if self.thousands { "#,##0" } else { "0" });
        if self.decimals > 0 {
            f.push('.');
            f.push_str(&"0".repeat(self.decimals as usize));
        }
        if self.percent {
            f.push('%');
        }
        f
    }

    /// About how many characters the number takes as shown.
    fn width(self, x: f64) -> usize {
        let whole = format!("{:.0}", x.abs() * if self.percent { 100.0 } else { 1.0 }).len();
        let point = if self.decimals > 0 {
            self.decimals as usize + 1
        } else {
            0
        };
        let groups = if self.thousands { whole.saturating_sub(1) / 3 } else { 0 };
        whole + point + groups + usize::from(self.percent) + usize::from(x < 0.0)
    }

    /// The shown value, rounded exactly, as the `f64` to store.
    fn number(self, x: Number) -> Option<f64> {
        let places = if self.percent { self.decimals + 2 } else { self.decimals };
        to_f64(round_half_away(x, places).ok()?)
    }
}

/// An exact value to the nearest `f64`: a decimal via its text (correctly rounded by
/// Rust), a fraction by division. Only for storing in a cell, never for arithmetic.
pub fn to_f64(x: Number) -> Option<f64> {
    Some(x.to_f64()).filter(|f| f.is_finite())
}

/// The number styles used in the workbook, and their formats.
struct Formats {
    styles: Vec<NumberStyle>,
    numbers: Vec<Format>,
    header: Format,
    title: Format,
    error: Format,
    wrap: Format,
    /// A number without a number format, top-aligned.
    top: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            styles: Vec::new(),
            numbers: Vec::new(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border(FormatBorder::Thin),
            title: Format::new().set_bold().set_font_size(14),
            error: Format::new()
                .set_font_color(Color::RGB(0xC00000))
                .set_bold()
                .set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            top: Format::new().set_align(FormatAlign::Top),
        }
    }

    /// The format for a style, created on first use.
    fn index(&mut self, style: NumberStyle) -> usize {
        if let Some(i) = self.styles.iter().position(|s| *s == style) {
            return i;
        }
        self.styles.push(style);
        // Top-aligned like the wrapped texts beside them in a tall row.
        self.numbers
            .push(Format::new().set_num_format(style.excel()).set_align(FormatAlign::Top));
        self.styles.len() - 1
    }
}

/// A worksheet, the widths its columns need, and the rows its wrapped texts make taller.
struct Sheet {
    ws: Worksheet,
    widths: ColumnWidths,
    /// Each column's widest (a wider text wraps); columns past the end get the last.
    ceilings: Vec<f64>,
    /// The row last made taller and its lines, so a row is set once per taller cell.
    tall: (u32, u32),
}

/// Points a line of text takes (a CJK line is taller than the default 15).
const LINE_POINTS: f64 = 16.0;

/// The most lines a row is made tall for.
const MAX_LINES: f64 = 12.0;

impl Sheet {
    fn new(name: &str, headers: &[&str], ceilings: Vec<f64>) -> Result<Sheet, XlsxError> {
        let mut sheet = Sheet {
            ws: Worksheet::new(),
            widths: ColumnWidths::new(headers),
            ceilings,
            tall: (0, 1),
        };
        sheet.ws.set_name(name)?;
        Ok(sheet)
    }

    fn ceiling(&self, col: usize) -> f64 {
        self.ceilings
            .get(col)
            .or(self.ceilings.last())
            .copied()
            .unwrap_or(NAME_WIDTH)
    }

    /// Makes `row` tall enough for `text` wrapped in `col`: neither Excel nor LibreOffice
    /// does it when it opens the file.
    fn fit_row(&mut self, row: u32, col: u16, text: &str) -> Result<(), XlsxError> {
        let room = (self.ceiling(col as usize) - 2.0).max(1.0);
        let lines: f64 = text
            .lines()
            .map(|l| (sheet_print::text_width(l) / room).ceil().max(1.0))
            .sum();
        // A very long text (a whole finding list) shows its start; the cell holds it all.
        let lines = lines.min(MAX_LINES) as u32;
        let already = if self.tall.0 == row { self.tall.1 } else { 1 };
        if lines > already {
            self.ws.set_row_height(row, f64::from(lines) * LINE_POINTS)?;
            self.tall = (row, lines);
        }
        Ok(())
    }

    /// Writes a cell (a text with `text`'s format, if any) and notes its width.
    fn put(
        &mut self,
        formats: &mut Formats,
        row: u32,
        col: u16,
        cell: &XCell,
        text: Option<&Format>,
    ) -> Result<(), XlsxError> {
        match cell {
            XCell::Blank => {}
            XCell::Text(s) => {
                // Excel holds at most 32,767 characters in a cell.
                let s: String = s.chars().take(32_000).collect();
                self.widths.see(col as usize, &s);
                if text.is_some() {
                    self.fit_row(row, col, &s)?;
                }
                match text {
                    Some(f) => self.ws.write_string_with_format(row, col, s, f)?,
                    None => self.ws.write_string(row, col, s)?,
                };
            }
            XCell::Number(x, None) => {
                self.widths.see(col as usize, &x.to_string());
                self.ws.write_number_with_format(row, col, *x, &formats.top)?;
            }
            XCell::Number(x, Some(style)) => {
                self.widths.see(col as usize, &"0".repeat(style.width(*x)));
                let i = formats.index(*style);
                self.ws.write_number_with_format(row, col, *x, &formats.numbers[i])?;
            }
        }
        Ok(())
    }

    /// A text cell.
    fn text(&mut self, row: u32, col: u16, s: &str) -> Result<(), XlsxError> {
        self.widths.see(col as usize, s);
        self.ws
            .write_string(row, col, s.chars().take(32_000).collect::<String>())?;
        Ok(())
    }

    /// A header row: its cells wrap, over as many lines as the narrowest needs.
    fn header(&mut self, formats: &Formats, row: u32, headers: &[&str]) -> Result<(), XlsxError> {
        for (c, h) in headers.iter().enumerate() {
            let third: String = h.chars().take(h.chars().count().div_ceil(3)).collect();
            self.widths.see(c, &third);
            self.ws.write_string_with_format(row, col(c), *h, &formats.header)?;
        }
        let lines = headers
            .iter()
            .enumerate()
            .map(|(c, h)| (sheet_print::text_width(h) / self.ceiling(c).min(self.widths.current(c) + 2.0)).ceil())
            .fold(1.0, f64::max)
            .min(3.0);
        self.ws.set_row_height(row, lines * LINE_POINTS)?;
        Ok(())
    }

    /// Sizes the columns and sets up printing; returns the worksheet.
    fn finish(mut self, setup: &PrintSetup) -> Result<Worksheet, XlsxError> {
        let ceilings = std::mem::take(&mut self.ceilings);
        let widths = self.widths.finish(5.0, |c| {
            ceilings.get(c).or(ceilings.last()).copied().unwrap_or(NAME_WIDTH)
        });
        sheet_print::apply_widths(&mut self.ws, &widths)?;
        sheet_print::setup(&mut self.ws, setup, &widths)?;
        Ok(self.ws)
    }
}

/// Collects the workbook; written at the end (a workbook cannot be streamed).
pub struct XlsxWriter {
    formats: Formats,
    results: Sheet,
    explanations: Sheet,
    /// 复核意见: one row per finding of every unit.
    findings: Sheet,
    finding_row: u32,
    row: u32,
    explanation_row: u32,
    explanations_cut: bool,
    units: Vec<UnitStats>,
    failure: Option<String>,
}

const FINDING_HEADERS: [&str; 13] = [
    "序号",
    "单位名称",
    "复核结论",
    "级别",
    "类别",
    "对象",
    "意见",
    "报告/自评",
    "复核",
    "差额",
    "依据",
    "规则文件行",
    "数据字段",
];

/// 复核意见's columns' widest (wider texts wrap).
const FINDING_CEILINGS: [f64; 13] = [
    8.0, 30.0, 36.0, 8.0, 10.0, 24.0, 50.0, 16.0, 16.0, 12.0, 40.0, 10.0, 30.0,
];

const EXPLANATION_HEADERS: [&str; 14] = [
    "序号",
    "单位名称",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "得分",
    "分值",
    "公式",
    "代入",
    "结果",
    "评分标准",
    "评分规则",
    "适用",
];

/// 评分说明's columns' widest (wider texts wrap).
const EXPLANATION_CEILINGS: [f64; 14] = [
    8.0, 30.0, 12.0, 14.0, 24.0, 14.0, 10.0, 8.0, 36.0, 36.0, 30.0, 40.0, 36.0, 36.0,
];

/// A column of names is at most this wide; longer ones wrap.
const NAME_WIDTH: f64 = 30.0;

/// A column of sentences (reasons, failed checks) is at most this wide.
const SENTENCE_WIDTH: f64 = 50.0;

/// A column of figures is at most this wide: a text in it (`无法计算（…）`) wraps.
const FIGURE_WIDTH: f64 = 14.0;

impl XlsxWriter {
    pub fn new(_layout: &Layout) -> XlsxWriter {
        let empty = || Sheet {
            ws: Worksheet::new(),
            widths: ColumnWidths::new::<&str>(&[]),
            ceilings: Vec::new(),
            tall: (0, 1),
        };
        XlsxWriter {
            formats: Formats::new(),
            results: empty(),
            explanations: empty(),
            findings: empty(),
            finding_row: 0,
            row: 0,
            explanation_row: 0,
            explanations_cut: false,
            units: Vec::new(),
            failure: None,
        }
    }
}

/// The rule set and year, for every page's header.
fn print_title(layout: &Layout) -> String {
    format!("{}（{} 年度）", layout.model.title, layout.model.year)
}

/// A number as shown with `style` (rounded exactly, then stored), or the report's text
/// when there is no number.
fn number_cell(style: Option<NumberStyle>, x: Option<Number>, shown: &str) -> XCell {
    let number = match (style, x) {
        (Some(s), Some(x)) => s.number(x),
        (None, Some(x)) => to_f64(x),
        _ => None,
    };
    match number {
        Some(f) => XCell::Number(f, style),
        None if shown.is_empty() => XCell::Blank,
        None => XCell::Text(shown.to_owned()),
    }
}

fn display_style(d: Option<jixiao::ast::Display>) -> Option<NumberStyle> {
    d.map(|d| NumberStyle {
        percent: d.percent,
        decimals: d.decimals,
        thousands: false,
    })
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn xlsx_error(e: XlsxError) -> BatchError {
    BatchError::Format(format!("无法生成 XLSX 工作簿：{e}"))
}

impl Writer for XlsxWriter {
    type Item = XlsxItem;

    fn begin(&mut self, layout: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        let headers: Vec<String> = layout.columns.iter().map(|c| layout.header(c)).collect();
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let ceilings = layout
            .columns
            .iter()
            .map(|c| match c {
                Column::Reason
                | Column::FailedChecks
                | Column::Explanation
                | Column::AuditSummary
                | Column::AuditFindings => SENTENCE_WIDTH,
                Column::Source | Column::Unit | Column::RulesSha | Column::DataSha => NAME_WIDTH,
                _ => FIGURE_WIDTH,
            })
            .collect();
        self.results = Sheet::new("评价结果", &headers, ceilings).map_err(xlsx_error)?;
        self.results.header(&self.formats, 0, &headers).map_err(xlsx_error)?;
        self.results.ws.set_freeze_panes(1, 3).map_err(xlsx_error)?;
        self.explanations =
            Sheet::new("评分说明", &EXPLANATION_HEADERS, EXPLANATION_CEILINGS.to_vec()).map_err(xlsx_error)?;
        self.explanations
            .header(&self.formats, 0, &EXPLANATION_HEADERS)
            .map_err(xlsx_error)?;
        self.explanations.ws.set_freeze_panes(1, 2).map_err(xlsx_error)?;
        self.findings = Sheet::new("复核意见", &FINDING_HEADERS, FINDING_CEILINGS.to_vec()).map_err(xlsx_error)?;
        self.findings
            .header(&self.formats, 0, &FINDING_HEADERS)
            .map_err(xlsx_error)?;
        self.findings.ws.set_freeze_panes(1, 2).map_err(xlsx_error)?;
        Ok(())
    }

    fn prepare(layout: &Layout, p: &Processed) -> XlsxItem {
        let ev = p.result.as_ref().ok().map(|d| &d.evaluation);
        XlsxItem {
            cells: result_cells(layout, p),
            findings: ev.map(|ev| finding_rows(p, ev)).unwrap_or_default(),
            explanations: ev.map(|ev| explanation_rows(layout, p, ev)).unwrap_or_default(),
            stats: UnitStats::of(p),
            ok: p.result.is_ok(),
        }
    }

    fn write(&mut self, layout: &Layout, item: XlsxItem, _: &mut dyn Write) -> Result<(), BatchError> {
        if self.failure.is_some() {
            return Ok(());
        }
        if self.row >= MAX_ROW {
            self.failure = Some(format!(
                "单位数超出 Excel 工作表的行数上限（{MAX_ROW} 行），无法写成 XLSX；请改用 CSV 或 JSONL 输出"
            ));
            return Ok(());
        }
        self.row += 1;
        let row = self.row;
        let error = self.formats.error.clone();
        let wrap = self.formats.wrap.clone();
        for (c, cell) in item.cells.iter().enumerate() {
            // Texts wrap within their column's width (a 来源, a reason, `无法计算（…）`).
            let text_format = match layout.columns.get(c) {
                Some(Column::Status) if !item.ok => Some(&error),
                _ => Some(&wrap),
            };
            self.results
                .put(&mut self.formats, row, col(c), cell, text_format)
                .map_err(xlsx_error)?;
        }
        for explanation in &item.explanations {
            if self.explanation_row >= MAX_ROW - 1 {
                if !self.explanations_cut {
                    self.explanations_cut = true;
                    self.explanations
                        .ws
                        .write_string(
                            MAX_ROW,
                            0,
                            "评分说明的行数已达 Excel 上限，其余单位的说明请用 --format html 或 --format jsonl --explain 查看",
                        )
                        .map_err(xlsx_error)?;
                }
                break;
            }
            self.explanation_row += 1;
            for (c, cell) in explanation.iter().enumerate() {
                let text_format = Some(&wrap);
                self.explanations
                    .put(&mut self.formats, self.explanation_row, col(c), cell, text_format)
                    .map_err(xlsx_error)?;
            }
        }
        for finding in &item.findings {
            if self.finding_row >= MAX_ROW {
                break;
            }
            self.finding_row += 1;
            let wrap = self.formats.wrap.clone();
            for (c, cell) in finding.iter().enumerate() {
                let text_format = Some(&wrap);
                self.findings
                    .put(&mut self.formats, self.finding_row, col(c), cell, text_format)
                    .map_err(xlsx_error)?;
            }
        }
        self.units.push(item.stats);
        Ok(())
    }

    fn finish(mut self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        if let Some(message) = self.failure {
            return Err(BatchError::Format(message));
        }
        if self.row > 0 {
            let last = col(layout.columns.len().saturating_sub(1));
            self.results.ws.autofilter(0, 0, self.row, last).map_err(xlsx_error)?;
        }
        let title = print_title(layout);
        let summary_sheet = summary(layout, &mut self.formats, std::mem::take(&mut self.units)).map_err(xlsx_error)?;
        // The unit's name on every page: the columns up to 单位名称, when they lead.
        let name_columns = layout
            .columns
            .iter()
            .position(|c| matches!(c, Column::Unit))
            .filter(|&i| i < 4)
            .map(|i| (0, col(i)));
        let results = self
            .results
            .finish(&PrintSetup {
                title: &title,
                header_rows: Some((0, 0)),
                name_columns,
            })
            .map_err(xlsx_error)?;
        let by_unit = PrintSetup {
            title: &title,
            header_rows: Some((0, 0)),
            name_columns: Some((0, 1)),
        };
        let explanations = self.explanations.finish(&by_unit).map_err(xlsx_error)?;
        let findings = self.findings.finish(&by_unit).map_err(xlsx_error)?;
        let mut workbook = Workbook::new();
        workbook.push_worksheet(results);
        workbook.push_worksheet(summary_sheet);
        workbook.push_worksheet(explanations);
        workbook.push_worksheet(findings);
        let bytes = workbook.save_to_buffer().map_err(xlsx_error)?;
        out.write_all(&bytes)?;
        Ok(())
    }
}

/// How a leaf's value is shown: its `显示`, if any.
fn leaf_value_style(layout: &Layout, i: usize) -> Option<NumberStyle> {
    display_style(layout.leaf_displays.get(i).copied().flatten())
}

/// A figure the report holds as text, as the unit or the report wrote it (`80%`, `-19.60`,
/// `3,696.83`): stored as the number it is and shown as it was written; any other text
/// (`优秀`, `138 / 174`, a sentence) stays text.
fn written_number_cell(text: Option<&String>) -> XCell {
    let Some(t) = text.map(|t| t.trim()).filter(|t| !t.is_empty()) else {
        return XCell::Blank;
    };
    match written_number(t) {
        Some((x, style)) => XCell::Number(x, Some(style)),
        None => XCell::Text(t.to_owned()),
    }
}

/// `-1,234.50%` → (−12.345, shown with two decimals, a percent and thousands groups).
fn written_number(t: &str) -> Option<(f64, NumberStyle)> {
    let (body, percent) = match t.strip_suffix('%') {
        Some(b) => (b, true),
        None => (t, false),
    };
    let digits = body.strip_prefix(['-', '+']).unwrap_or(body);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (digits, ""),
    };
    let grouped = whole.contains(',');
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let well_formed = !first.is_empty()
        && (!grouped || first.len() <= 3)
        && groups.all(|g| g.len() == 3)
        && whole.chars().all(|c| c.is_ascii_digit() || c == ',')
        && fraction.chars().all(|c| c.is_ascii_digit());
    if !well_formed {
        return None;
    }
    let exact = Number::from(Decimal::from_str(&body.replace(',', "")).ok()?);
    let value = if percent {
        exact.checked_div(Number::from(100)).ok()?
    } else {
        exact
    };
    let style = NumberStyle {
        percent,
        decimals: u32::try_from(fraction.len()).ok()?,
        thousands: grouped,
    };
    Some((style.number(value)?, style))
}

/// A text cell, blank when there is no text.
fn text_cell(s: Option<&String>) -> XCell {
    s.filter(|s| !s.is_empty())
        .map_or(XCell::Blank, |s| XCell::Text(s.clone()))
}

/// The unit's row of 评价结果: numbers as numbers (rounded as shown), the rest as text.
fn result_cells(layout: &Layout, p: &Processed) -> Vec<XCell> {
    let ev = p.result.as_ref().ok().map(|d| &d.evaluation);
    let score = score_style(layout.model);
    layout
        .columns
        .iter()
        .map(|column| {
            let shown = cell_text(column, p);
            match (column, ev) {
                (Column::Number, _) => count(p.number),
                (Column::Value(i), Some(ev)) => number_cell(
                    leaf_value_style(layout, *i),
                    ev.indicators.get(*i).and_then(|x| x.value.clone()),
                    &shown,
                ),
                (Column::Score(i), Some(ev)) => {
                    number_cell(score, ev.indicators.get(*i).and_then(|x| x.score.clone()), &shown)
                }
                (Column::Subtotal(i), Some(ev)) => {
                    number_cell(score, ev.categories.get(*i).and_then(|x| x.score.clone()), &shown)
                }
                (Column::Total, Some(ev)) => number_cell(score, ev.total.clone(), &shown),
                (Column::SelfTotal, Some(ev)) => number_cell(None, ev.self_evaluation.total.map(Number::from), &shown),
                // A `计算` value or input (default columns and `--columns`): a number,
                // rounded as shown, where it is one.
                (Column::Slot(slot, display), Some(_)) => {
                    let value = p.result.as_ref().ok().and_then(|d| match d.outcome.slots.get(*slot) {
                        Some(jixiao::model::Value::Num(n)) => Some(n.clone()),
                        _ => None,
                    });
                    number_cell(display_style(*display), value, &shown)
                }
                _ if shown.is_empty() => XCell::Blank,
                _ => XCell::Text(shown),
            }
        })
        .collect()
}

/// The unit's rows of 评分说明: one per indicator, with its formula, values and criterion.
fn explanation_rows(layout: &Layout, p: &Processed, ev: &Evaluation) -> Vec<Vec<XCell>> {
    let score = score_style(layout.model);
    let mut explanations = Vec::new();
    for (i, ind) in ev.indicators.iter().enumerate() {
        let ex = ind.explanation.as_ref();
        explanations.push(vec![
            count(p.number),
            XCell::Text(p.unit.clone()),
            text_cell(ind.path.first()),
            text_cell(ind.path.get(1)),
            XCell::Text(ind.name.clone()),
            number_cell(
                leaf_value_style(layout, i),
                ind.value.clone(),
                ind.display.as_deref().unwrap_or(""),
            ),
            number_cell(score, ind.score.clone(), &ind.score_display),
            number_cell(None, Some(ind.weight.clone()), ""),
            text_cell(ex.and_then(|e| e.formula.as_ref())),
            written_number_cell(ex.and_then(|e| e.substituted.as_ref())),
            written_number_cell(ex.and_then(|e| e.result.as_ref())),
            text_cell(ex.and_then(|e| e.standard.as_ref())),
            text_cell(ex.map(|e| &e.criterion)),
            text_cell(ex.map(|e| &e.branch)),
        ]);
    }
    explanations
}

/// The unit's rows of 复核意见: every finding, then every figure confirmed.
fn finding_rows(p: &Processed, ev: &Evaluation) -> Vec<Vec<XCell>> {
    let mut findings = Vec::new();
    let a = &ev.audit;
    let conclusion = format!(
        "{}（错误 {}，警告 {}，提示 {}）",
        a.summary, a.errors, a.warnings, a.notes
    );
    for f in &a.findings {
        findings.push(vec![
            count(p.number),
            XCell::Text(p.unit.clone()),
            XCell::Text(conclusion.clone()),
            XCell::Text(f.severity.clone()),
            XCell::Text(f.category.clone()),
            XCell::Text(f.subject.clone()),
            XCell::Text(f.message.clone()),
            written_number_cell(f.stated.as_ref()),
            written_number_cell(f.computed.as_ref()),
            written_number_cell(f.difference.as_ref()),
            text_cell(f.explanation.as_ref()),
            // A line in a `基于` file's base names the file (the column is the rule file's lines).
            match (f.rule_line, &f.rule_file) {
                (Some(l), Some(_)) => XCell::Text(jixiao::diagnostics::rule_place(l, f.rule_file.as_deref())),
                (l, _) => l.map_or(XCell::Blank, count),
            },
            text_cell(f.data_field.as_ref()),
        ]);
    }
    // The figures confirmed (✓), after the findings, so the sheet lists what was checked.
    for c in &a.confirmed {
        findings.push(vec![
            count(p.number),
            XCell::Text(p.unit.clone()),
            XCell::Text(conclusion.clone()),
            XCell::Text("✓ 核对无误".into()),
            XCell::Text(c.category.clone()),
            XCell::Text(c.subject.clone()),
            XCell::Text(format!("报告所写 {} 与复核一致", c.stated)),
            written_number_cell(Some(&c.stated)),
            written_number_cell(Some(&c.computed)),
            XCell::Blank,
            XCell::Blank,
            XCell::Blank,
            XCell::Text(c.data_field.clone()),
        ]);
    }
    findings
}

/// The 汇总 sheet.
fn summary(layout: &Layout, formats: &mut Formats, units: Vec<UnitStats>) -> Result<Worksheet, XlsxError> {
    let model = layout.model;
    let s = Summary::new(layout, units);
    // Column D holds the reasons of the units in error.
    let ceilings = vec![NAME_WIDTH, NAME_WIDTH, NAME_WIDTH, SENTENCE_WIDTH, FIGURE_WIDTH];
    let mut ws = Sheet::new("汇总", &[] as &[&str], ceilings)?;
    let title = formats.title.clone();
    let header = formats.header.clone();
    let mut r: u32 = 0;
    ws.ws
        .write_string_with_format(r, 0, format!("{}（{} 年度）评价汇总", model.title, model.year), &title)?;
    r += 2;
    for (label, n) in [
        ("单位数", s.units),
        ("已评价", s.evaluated()),
        ("不完整（无总分）", s.incomplete.len()),
        ("有错误", s.errors.len()),
    ] {
        ws.ws.write_string_with_format(r, 0, label, &header)?;
        ws.put(formats, r, 1, &count(n), None)?;
        r += 1;
    }
    r = summary_grades(&mut ws, formats, r, &s)?;
    r = summary_indicators(&mut ws, formats, r, layout, &s)?;
    r = summary_ranking(&mut ws, formats, r, &s, score_style(model))?;
    summary_without_total(&mut ws, formats, r, &s)?;
    // Several tables one under another: no header row to repeat, and the wrapped error
    // reasons in column D.
    let title = print_title(layout);
    let setup = PrintSetup {
        title: &title,
        header_rows: None,
        name_columns: None,
    };
    ws.finish(&setup)
}

/// A count, as a whole number.
fn count(n: usize) -> XCell {
    XCell::Number(
        n as f64,
        Some(NumberStyle {
            percent: false,
            decimals: 0,
            thousands: false,
        }),
    )
}

/// How scores are shown: to the rule file's score precision.
fn score_style(model: &jixiao::model::Model) -> Option<NumberStyle> {
    Some(NumberStyle {
        percent: false,
        decimals: model.score_precision,
        thousands: false,
    })
}

/// 汇总's 等级分布 from the row after `r`: units per grade and their share; returns the
/// last row written.
fn summary_grades(ws: &mut Sheet, formats: &mut Formats, mut r: u32, s: &Summary) -> Result<u32, XlsxError> {
    let share = Some(NumberStyle {
        percent: true,
        decimals: 2,
        thousands: false,
    });
    let title = formats.title.clone();
    r += 1;
    ws.ws.write_string_with_format(r, 0, "等级分布", &title)?;
    r += 1;
    ws.header(formats, r, &["等级", "单位数", "占已评价单位"])?;
    for (grade, n) in &s.grade_counts {
        r += 1;
        ws.text(r, 0, grade)?;
        ws.put(formats, r, 1, &count(*n), None)?;
        let ratio = Number::from(*n).checked_div(Number::from(s.evaluated())).ok();
        ws.put(formats, r, 2, &number_cell(share, ratio, ""), None)?;
    }
    Ok(r)
}

/// 汇总's per-indicator table from two rows after `r`: mean, lowest and highest score and
/// value per indicator, then the total; returns the last row written.
fn summary_indicators(
    ws: &mut Sheet,
    formats: &mut Formats,
    mut r: u32,
    layout: &Layout,
    s: &Summary,
) -> Result<u32, XlsxError> {
    let model = layout.model;
    let score = score_style(model);
    let title = formats.title.clone();
    let header = formats.header.clone();
    r += 2;
    ws.ws
        .write_string_with_format(r, 0, "各指标得分与指标值（有这一项得分的单位）", &title)?;
    r += 1;
    ws.header(
        formats,
        r,
        &[
            "一级指标",
            "二级指标",
            "三级指标",
            "分值",
            "平均得分",
            "最低得分",
            "最高得分",
            "平均指标值",
            "最低指标值",
            "最高指标值",
        ],
    )?;
    let leaves = &model.leaves;
    for (i, &node) in leaves.iter().enumerate() {
        r += 1;
        let path = model.node_path(node);
        ws.text(r, 0, path.first().map(String::as_str).unwrap_or(""))?;
        ws.text(r, 1, path.get(1).map(String::as_str).unwrap_or(""))?;
        ws.text(r, 2, &model.nodes[node].name)?;
        ws.put(
            formats,
            r,
            3,
            &number_cell(None, Some(model.nodes[node].weight.clone()), ""),
            None,
        )?;
        let agg = &s.scores[i];
        for (c, x) in [
            (4, agg.mean(false, model.score_precision)),
            (5, agg.min.clone()),
            (6, agg.max.clone()),
        ] {
            ws.put(formats, r, c, &number_cell(score, x, ""), None)?;
        }
        let style = leaf_value_style(layout, i);
        // A mean of values shown without `显示` (counts) is shown to 2 decimals.
        let mean_style = style.or(Some(NumberStyle {
            percent: false,
            decimals: 2,
            thousands: false,
        }));
        let agg = &s.values[i];
        let mean = mean_style.and_then(|m| agg.mean(m.percent, m.decimals));
        for (c, x, st) in [
            (7, mean, mean_style),
            (8, agg.min.clone(), style),
            (9, agg.max.clone(), style),
        ] {
            ws.put(formats, r, c, &number_cell(st, x, ""), None)?;
        }
    }
    r += 1;
    ws.ws.write_string_with_format(r, 2, "总分", &header)?;
    ws.put(
        formats,
        r,
        3,
        &number_cell(None, Some(model.full_marks.clone()), ""),
        None,
    )?;
    for (c, x) in [
        (4, s.totals.mean(false, model.score_precision)),
        (5, s.totals.min.clone()),
        (6, s.totals.max.clone()),
    ] {
        ws.put(formats, r, c, &number_cell(score, x, ""), None)?;
    }
    Ok(r)
}

/// 汇总's 总分排名 from two rows after `r`, while rows are left; returns the last row written.
fn summary_ranking(
    ws: &mut Sheet,
    formats: &mut Formats,
    mut r: u32,
    s: &Summary,
    score: Option<NumberStyle>,
) -> Result<u32, XlsxError> {
    let title = formats.title.clone();
    r += 2;
    ws.ws.write_string_with_format(r, 0, "总分排名", &title)?;
    r += 1;
    ws.header(
        formats,
        r,
        &["名次", "序号", "单位名称", "总分", "等级", "未通过的勾稽关系"],
    )?;
    for (rank, u) in &s.ranking {
        if r >= MAX_ROW - 4 {
            break;
        }
        let Ok(scored) = &u.outcome else { continue };
        r += 1;
        ws.put(formats, r, 0, &count(*rank), None)?;
        ws.put(formats, r, 1, &count(u.number), None)?;
        ws.text(r, 2, &u.unit)?;
        ws.put(formats, r, 3, &number_cell(score, scored.total.clone(), ""), None)?;
        ws.text(r, 4, scored.grade.as_deref().unwrap_or(""))?;
        if !scored.failed_checks.is_empty() {
            ws.text(r, 5, &scored.failed_checks)?;
        }
    }
    Ok(r)
}

/// 汇总's tables of incomplete units and units in error, after row `r`, while rows are left.
fn summary_without_total(ws: &mut Sheet, formats: &mut Formats, mut r: u32, s: &Summary) -> Result<(), XlsxError> {
    let title = formats.title.clone();
    for (heading, column, units) in [
        (
            "不完整的单位（有指标无法评分，没有总分和等级）",
            "已得分数",
            &s.incomplete,
        ),
        ("有错误、未能评价的单位", "错误原因", &s.errors),
    ] {
        if units.is_empty() || r + 4 >= MAX_ROW {
            continue;
        }
        r += 2;
        ws.ws.write_string_with_format(r, 0, heading, &title)?;
        r += 1;
        ws.header(formats, r, &["序号", "来源", "单位名称", column])?;
        for u in units {
            if r >= MAX_ROW {
                break;
            }
            r += 1;
            ws.put(formats, r, 0, &count(u.number), None)?;
            let wrap = formats.wrap.clone();
            for (c, text) in [(1, &u.source), (2, &u.unit)] {
                ws.put(formats, r, c, &XCell::Text(text.clone()), Some(&wrap))?;
            }
            ws.put(formats, r, 3, &XCell::Text(u.without_total().to_owned()), Some(&wrap))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_figures_are_numbers_shown_as_written() {
        let n = |t: &str| written_number(t).map(|(x, s)| (x, s.excel()));
        assert_eq!(n("80%"), Some((0.8, "0%".into())));
        assert_eq!(n("79.31%"), Some((0.7931, "0.00%".into())));
        assert_eq!(n("-19.60"), Some((-19.6, "0.00".into())));
        assert_eq!(n("+0.69%"), Some((0.0069, "0.00%".into())));
        assert_eq!(n("3,696.83"), Some((3696.83, "#,##0.00".into())));
        assert_eq!(n("15"), Some((15.0, "0".into())));
        for text in [
            "优秀",
            "138 / 174",
            "36,96.83",
            "1.",
            ".5",
            "",
            "-",
            "1,2345",
            "12e3",
            "无法计算",
        ] {
            assert_eq!(n(text), None, "{text}");
        }
        assert_eq!(
            written_number_cell(Some(&"优秀".to_owned())),
            XCell::Text("优秀".into())
        );
        assert_eq!(written_number_cell(None), XCell::Blank);
    }
}
