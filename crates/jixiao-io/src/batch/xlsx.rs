//! The XLSX workbook (rust_xlsxwriter): 评价结果 (one row per unit), 汇总 (grade
//! distribution, per-indicator mean/min/max, units ranked by total, units in error) and
//! 评分说明 (every indicator's explanation per unit).
//!
//! Numbers are written as numbers with number formats (`0.00%`, `0.00`), not as text.
//! The number written is the value as the report shows it — rounded 四舍五入 to the
//! declared decimals, exactly, then converted to the nearest `f64` through its decimal
//! text. A value of at most 15 significant digits survives that conversion unchanged
//! when Excel shows it (see [`super::input`] for why), so the workbook shows exactly
//! what the CSV and the terminal show.

use std::io::Write;

use jixiao::number::Number;
use jixiao::report::Evaluation;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::output::{cell_text, Column, Layout, Summary, UnitStats, Writer};
use super::{BatchError, Processed};
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
}

impl NumberStyle {
    fn excel(self) -> String {
        let mut f = String::from("0");
        if self.decimals > 0 {
            f.push('.');
            f.push_str(&"0".repeat(self.decimals as usize));
        }
        if self.percent {
            f.push('%');
        }
        f
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
            error: Format::new().set_font_color(Color::RGB(0xC00000)).set_bold(),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }

    /// The format for a style, created on first use.
    fn index(&mut self, style: NumberStyle) -> usize {
        if let Some(i) = self.styles.iter().position(|s| *s == style) {
            return i;
        }
        self.styles.push(style);
        self.numbers.push(Format::new().set_num_format(style.excel()));
        self.styles.len() - 1
    }
}

/// Collects the workbook; written at the end (a workbook cannot be streamed).
pub struct XlsxWriter {
    formats: Formats,
    results: Worksheet,
    explanations: Worksheet,
    /// 复核意见: one row per finding of every unit.
    findings: Worksheet,
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

impl XlsxWriter {
    pub fn new(_layout: &Layout) -> XlsxWriter {
        XlsxWriter {
            formats: Formats::new(),
            results: Worksheet::new(),
            explanations: Worksheet::new(),
            findings: Worksheet::new(),
            finding_row: 0,
            row: 0,
            explanation_row: 0,
            explanations_cut: false,
            units: Vec::new(),
            failure: None,
        }
    }

    fn put(
        ws: &mut Worksheet,
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
                match text {
                    Some(f) => ws.write_string_with_format(row, col, s, f)?,
                    None => ws.write_string(row, col, s)?,
                };
            }
            XCell::Number(x, None) => {
                ws.write_number(row, col, *x)?;
            }
            XCell::Number(x, Some(style)) => {
                let i = formats.index(*style);
                ws.write_number_with_format(row, col, *x, &formats.numbers[i])?;
            }
        }
        Ok(())
    }

    fn write_header(ws: &mut Worksheet, formats: &Formats, row: u32, headers: &[&str]) -> Result<(), XlsxError> {
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(row, col(c), *h, &formats.header)?;
        }
        Ok(())
    }
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
        self.results.set_name("评价结果").map_err(xlsx_error)?;
        Self::write_header(&mut self.results, &self.formats, 0, &headers).map_err(xlsx_error)?;
        for (c, column) in layout.columns.iter().enumerate() {
            let width = match column {
                Column::Number | Column::Status => 6.0,
                Column::Source => 22.0,
                Column::Unit => 30.0,
                Column::Reason | Column::FailedChecks => 40.0,
                _ => 12.0,
            };
            self.results.set_column_width(col(c), width).map_err(xlsx_error)?;
        }
        self.results.set_row_height(0, 45).map_err(xlsx_error)?;
        self.results.set_freeze_panes(1, 3).map_err(xlsx_error)?;
        self.explanations.set_name("评分说明").map_err(xlsx_error)?;
        Self::write_header(&mut self.explanations, &self.formats, 0, &EXPLANATION_HEADERS).map_err(xlsx_error)?;
        for (c, width) in [
            6.0, 30.0, 8.0, 10.0, 22.0, 10.0, 8.0, 6.0, 36.0, 36.0, 24.0, 40.0, 40.0, 40.0,
        ]
        .iter()
        .enumerate()
        {
            self.explanations.set_column_width(col(c), *width).map_err(xlsx_error)?;
        }
        self.explanations.set_freeze_panes(1, 2).map_err(xlsx_error)?;
        self.findings.set_name("复核意见").map_err(xlsx_error)?;
        Self::write_header(&mut self.findings, &self.formats, 0, &FINDING_HEADERS).map_err(xlsx_error)?;
        for (c, width) in [
            6.0, 30.0, 36.0, 6.0, 10.0, 20.0, 50.0, 18.0, 18.0, 10.0, 40.0, 10.0, 30.0,
        ]
        .iter()
        .enumerate()
        {
            self.findings.set_column_width(col(c), *width).map_err(xlsx_error)?;
        }
        self.findings.set_freeze_panes(1, 2).map_err(xlsx_error)?;
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
            let text_format = match layout.columns.get(c) {
                Some(Column::Status) if !item.ok => Some(&error),
                Some(Column::Reason) => Some(&wrap),
                _ => None,
            };
            Self::put(&mut self.results, &mut self.formats, row, col(c), cell, text_format).map_err(xlsx_error)?;
        }
        for explanation in &item.explanations {
            if self.explanation_row >= MAX_ROW - 1 {
                if !self.explanations_cut {
                    self.explanations_cut = true;
                    self.explanations
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
                let text_format = (c >= 8).then_some(&wrap);
                Self::put(
                    &mut self.explanations,
                    &mut self.formats,
                    self.explanation_row,
                    col(c),
                    cell,
                    text_format,
                )
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
                let text_format = matches!(c, 2 | 6 | 10).then_some(&wrap);
                Self::put(
                    &mut self.findings,
                    &mut self.formats,
                    self.finding_row,
                    col(c),
                    cell,
                    text_format,
                )
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
            self.results.autofilter(0, 0, self.row, last).map_err(xlsx_error)?;
        }
        let summary_sheet = summary(layout, &mut self.formats, std::mem::take(&mut self.units)).map_err(xlsx_error)?;
        let mut workbook = Workbook::new();
        workbook.push_worksheet(self.results);
        workbook.push_worksheet(summary_sheet);
        workbook.push_worksheet(self.explanations);
        workbook.push_worksheet(self.findings);
        let bytes = workbook.save_to_buffer().map_err(xlsx_error)?;
        out.write_all(&bytes)?;
        Ok(())
    }
}

/// How a leaf's value is shown: its `显示`, if any.
fn leaf_value_style(layout: &Layout, i: usize) -> Option<NumberStyle> {
    display_style(layout.leaf_displays.get(i).copied().flatten())
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
            text_cell(ex.and_then(|e| e.substituted.as_ref())),
            text_cell(ex.and_then(|e| e.result.as_ref())),
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
            text_cell(f.stated.as_ref()),
            text_cell(f.computed.as_ref()),
            text_cell(f.difference.as_ref()),
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
            XCell::Text(c.stated.clone()),
            XCell::Text(c.computed.clone()),
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
    let mut ws = Worksheet::new();
    ws.set_name("汇总")?;
    for (c, w) in [8.0, 12.0, 26.0, 10.0, 12.0, 12.0, 12.0, 14.0, 14.0, 14.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(col(c), *w)?;
    }
    let title = formats.title.clone();
    let header = formats.header.clone();
    let mut r: u32 = 0;
    ws.write_string_with_format(r, 0, format!("{}（{} 年度）评价汇总", model.title, model.year), &title)?;
    r += 2;
    for (label, n) in [
        ("单位数", s.units),
        ("已评价", s.evaluated()),
        ("不完整（无总分）", s.incomplete.len()),
        ("有错误", s.errors.len()),
    ] {
        ws.write_string_with_format(r, 0, label, &header)?;
        XlsxWriter::put(&mut ws, formats, r, 1, &count(n), None)?;
        r += 1;
    }
    r = summary_grades(&mut ws, formats, r, &s)?;
    r = summary_indicators(&mut ws, formats, r, layout, &s)?;
    r = summary_ranking(&mut ws, formats, r, &s, score_style(model))?;
    summary_without_total(&mut ws, formats, r, &s)?;
    Ok(ws)
}

/// A count, as a whole number.
fn count(n: usize) -> XCell {
    XCell::Number(
        n as f64,
        Some(NumberStyle {
            percent: false,
            decimals: 0,
        }),
    )
}

/// How scores are shown: to the rule file's score precision.
fn score_style(model: &jixiao::model::Model) -> Option<NumberStyle> {
    Some(NumberStyle {
        percent: false,
        decimals: model.score_precision,
    })
}

/// 汇总's 等级分布 from the row after `r`: units per grade and their share; returns the
/// last row written.
fn summary_grades(ws: &mut Worksheet, formats: &mut Formats, mut r: u32, s: &Summary) -> Result<u32, XlsxError> {
    let share = Some(NumberStyle {
        percent: true,
        decimals: 2,
    });
    let title = formats.title.clone();
    r += 1;
    ws.write_string_with_format(r, 0, "等级分布", &title)?;
    r += 1;
    XlsxWriter::write_header(ws, formats, r, &["等级", "单位数", "占已评价单位"])?;
    for (grade, n) in &s.grade_counts {
        r += 1;
        ws.write_string(r, 0, grade)?;
        XlsxWriter::put(ws, formats, r, 1, &count(*n), None)?;
        let ratio = Number::from(*n).checked_div(Number::from(s.evaluated())).ok();
        XlsxWriter::put(ws, formats, r, 2, &number_cell(share, ratio, ""), None)?;
    }
    Ok(r)
}

/// 汇总's per-indicator table from two rows after `r`: mean, lowest and highest score and
/// value per indicator, then the total; returns the last row written.
fn summary_indicators(
    ws: &mut Worksheet,
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
    ws.write_string_with_format(r, 0, "各指标得分与指标值（有这一项得分的单位）", &title)?;
    r += 1;
    XlsxWriter::write_header(
        ws,
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
        ws.write_string(r, 0, path.first().map(String::as_str).unwrap_or(""))?;
        ws.write_string(r, 1, path.get(1).map(String::as_str).unwrap_or(""))?;
        ws.write_string(r, 2, &model.nodes[node].name)?;
        XlsxWriter::put(
            ws,
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
            XlsxWriter::put(ws, formats, r, c, &number_cell(score, x, ""), None)?;
        }
        let style = leaf_value_style(layout, i);
        // A mean of values shown without `显示` (counts) is shown to 2 decimals.
        let mean_style = style.or(Some(NumberStyle {
            percent: false,
            decimals: 2,
        }));
        let agg = &s.values[i];
        let mean = mean_style.and_then(|m| agg.mean(m.percent, m.decimals));
        for (c, x, st) in [
            (7, mean, mean_style),
            (8, agg.min.clone(), style),
            (9, agg.max.clone(), style),
        ] {
            XlsxWriter::put(ws, formats, r, c, &number_cell(st, x, ""), None)?;
        }
    }
    r += 1;
    ws.write_string_with_format(r, 2, "总分", &header)?;
    XlsxWriter::put(
        ws,
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
        XlsxWriter::put(ws, formats, r, c, &number_cell(score, x, ""), None)?;
    }
    Ok(r)
}

/// 汇总's 总分排名 from two rows after `r`, while rows are left; returns the last row written.
fn summary_ranking(
    ws: &mut Worksheet,
    formats: &mut Formats,
    mut r: u32,
    s: &Summary,
    score: Option<NumberStyle>,
) -> Result<u32, XlsxError> {
    let title = formats.title.clone();
    r += 2;
    ws.write_string_with_format(r, 0, "总分排名", &title)?;
    r += 1;
    XlsxWriter::write_header(
        ws,
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
        XlsxWriter::put(ws, formats, r, 0, &count(*rank), None)?;
        XlsxWriter::put(ws, formats, r, 1, &count(u.number), None)?;
        ws.write_string(r, 2, &u.unit)?;
        XlsxWriter::put(ws, formats, r, 3, &number_cell(score, scored.total.clone(), ""), None)?;
        ws.write_string(r, 4, scored.grade.as_deref().unwrap_or(""))?;
        if !scored.failed_checks.is_empty() {
            ws.write_string(r, 5, &scored.failed_checks)?;
        }
    }
    Ok(r)
}

/// 汇总's tables of incomplete units and units in error, after row `r`, while rows are left.
fn summary_without_total(ws: &mut Worksheet, formats: &mut Formats, mut r: u32, s: &Summary) -> Result<(), XlsxError> {
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
        ws.write_string_with_format(r, 0, heading, &title)?;
        r += 1;
        XlsxWriter::write_header(ws, formats, r, &["序号", "来源", "单位名称", column])?;
        for u in units {
            if r >= MAX_ROW {
                break;
            }
            r += 1;
            XlsxWriter::put(ws, formats, r, 0, &count(u.number), None)?;
            ws.write_string(r, 1, &u.source)?;
            ws.write_string(r, 2, &u.unit)?;
            ws.write_string(r, 3, u.without_total().chars().take(32_000).collect::<String>())?;
        }
    }
    Ok(())
}
