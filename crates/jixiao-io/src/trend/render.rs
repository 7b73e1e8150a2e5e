//! The comparison as tables ([`Table`], shared by every output), terminal text, CSV and a
//! workbook. Figures are written 四舍五入 at the year's score precision from the exact
//! values; the workbook stores them as numbers shown the same way.

use jixiao::number::Number;

use super::{TrendReport, TrendUnit, UnitYear, STATUS_ABSENT, STATUS_OK};

/// One cell: a text, or a figure (its exact value and how it is written).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Figure {
        value: Number,
        percent: bool,
        decimals: u32,
        /// As written (`94.30`, `+1.00`, `91.97%`).
        text: String,
    },
}

impl Cell {
    pub fn text(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Figure { text: t, .. } => t,
        }
    }

    fn figure(value: &Number, percent: bool, decimals: u32) -> Cell {
        Cell::Figure {
            text: value.fixed(percent, decimals),
            value: value.clone(),
            percent,
            decimals,
        }
    }
}

/// Headers and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// `2021` for two years' columns' heads is enough; `2021→2022` names a change.
fn pair(from: u32, to: u32) -> String {
    format!("{from}→{to}")
}

/// Each year: where its results came from, its units and the city's figures.
pub fn years_table(r: &TrendReport) -> Table {
    let headers = [
        "年度",
        "结果",
        "规则文件",
        "单位数",
        "已评价",
        "不完整",
        "错误",
        "只有本年度",
        "总分中位数",
        "最低～最高",
        "等级分布",
    ];
    let rows = r
        .years
        .iter()
        .map(|y| {
            let count = |n: usize| Cell::Text(n.to_string());
            let (median, range) = match &y.totals {
                Some(t) => (
                    Cell::figure(&t.median, false, y.score_precision),
                    Cell::Text(format!(
                        "{}～{}",
                        t.min.fixed(false, y.score_precision),
                        t.max.fixed(false, y.score_precision)
                    )),
                ),
                None => (Cell::Text("—".into()), Cell::Text("—".into())),
            };
            vec![
                Cell::Text(y.year.to_string()),
                Cell::Text(y.source.clone()),
                Cell::Text(y.rules_file.clone()),
                count(y.units),
                count(y.evaluated),
                count(y.incomplete),
                count(y.errors),
                count(y.only_this_year),
                median,
                range,
                Cell::Text(grade_counts(y)),
            ]
        })
        .collect();
    Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// `优秀 4、良好 2、中 1`.
pub fn grade_counts(y: &super::YearSummary) -> String {
    y.grades
        .iter()
        .map(|g| format!("{} {}", g.name, g.count))
        .collect::<Vec<_>>()
        .join("、")
}

/// Per unit: its total and grade each year, each change, and what to know.
pub fn units_table(r: &TrendReport) -> Table {
    let mut headers = vec!["单位名称".to_owned()];
    for y in &r.years {
        headers.push(format!("{} 总分", y.year));
        headers.push(format!("{} 等级", y.year));
    }
    let several = r.years.len() > 2;
    for w in r.years.windows(2) {
        let suffix = if several {
            format!("（{}）", pair(w[0].year, w[1].year))
        } else {
            String::new()
        };
        headers.push(format!("变化{suffix}"));
        headers.push(format!("等级变化{suffix}"));
    }
    headers.push("说明".into());
    let rows = r
        .units
        .iter()
        .map(|u| {
            let mut row = vec![Cell::Text(u.unit.clone())];
            for (uy, y) in u.years.iter().zip(&r.years) {
                row.push(total_cell(uy, y.score_precision));
                row.push(Cell::Text(uy.grade.clone().unwrap_or_default()));
            }
            for c in &u.changes {
                row.push(match (&c.delta, &c.delta_display) {
                    (Some(value), Some(text)) => Cell::Figure {
                        value: value.clone(),
                        percent: false,
                        decimals: text.split_once('.').map_or(0, |(_, f)| f.len() as u32),
                        text: text.clone(),
                    },
                    _ => Cell::Text(String::new()),
                });
                row.push(Cell::Text(c.grade_change.unwrap_or_default().to_owned()));
            }
            row.push(Cell::Text(remarks(u)));
            row
        })
        .collect();
    Table { headers, rows }
}

/// A unit's total in a year: the figure, or why there is none.
fn total_cell(uy: &UnitYear, decimals: u32) -> Cell {
    match &uy.total {
        Some(t) if uy.status == STATUS_OK => Cell::figure(t, false, decimals),
        _ => Cell::Text(uy.status.to_owned()),
    }
}

/// What the unit row needs said: a note, its other names, why changes are missing.
pub fn remarks(u: &TrendUnit) -> String {
    let mut out: Vec<String> = Vec::new();
    if let Some(note) = &u.note {
        out.push(note.clone());
    }
    if u.renamed {
        let others = remarks_names(u);
        if !others.is_empty() {
            out.push(others);
        }
    }
    let present: Vec<u32> = u
        .years
        .iter()
        .filter(|y| y.status != STATUS_ABSENT)
        .map(|y| y.year)
        .collect();
    if u.note.is_none() && present.len() == 1 {
        out.push(format!("只有 {} 年度有结果", present[0]));
    } else {
        for c in &u.changes {
            if let Some(reason) = &c.reason {
                if !reason.contains("无结果") || present.len() > 1 {
                    out.push(reason.clone());
                }
            }
        }
    }
    out.dedup();
    out.join("；")
}

/// The columns of totals and changes (aligned right).
pub fn figure_columns(t: &Table) -> Vec<usize> {
    (0..t.headers.len())
        .filter(|&i| t.headers[i].ends_with("总分") || t.headers[i].starts_with("变化"))
        .collect()
}

/// Per unit: the score rate of every 一级 category that all years have, year by year.
pub fn rates_table(r: &TrendReport) -> Table {
    let columns: Vec<usize> = (0..r.categories.len())
        .filter(|&i| r.categories[i].comparable)
        .collect();
    let mut headers = vec!["单位名称".to_owned()];
    for &c in &columns {
        for y in &r.years {
            headers.push(format!("{} {}", r.categories[c].name, y.year));
        }
    }
    let rows = r
        .units
        .iter()
        .map(|u| {
            let mut row = vec![Cell::Text(u.unit.clone())];
            for &c in &columns {
                for (uy, y) in u.years.iter().zip(&r.years) {
                    row.push(match uy.rates.get(c).and_then(Option::as_ref) {
                        Some(rate) => match &rate.rate {
                            Some(v) => Cell::figure(v, true, y.score_precision),
                            None => Cell::Text(rate.display.clone()),
                        },
                        None => Cell::Text("—".into()),
                    });
                }
            }
            row
        })
        .collect();
    Table { headers, rows }
}

/// The 一级 categories that not every year has: `效益（只有 2025 年度有）`.
pub fn not_comparable(r: &TrendReport) -> Vec<String> {
    r.categories
        .iter()
        .filter(|c| !c.comparable)
        .map(|c| {
            let years: Vec<String> = c
                .weights
                .iter()
                .zip(&r.years)
                .filter(|(w, _)| w.is_some())
                .map(|(_, y)| y.year.to_string())
                .collect();
            format!("{}（只有 {} 年度有）", c.name, years.join("、"))
        })
        .collect()
}

/// How units were matched, and the units only some years have.
pub fn matching_lines(r: &TrendReport) -> Vec<String> {
    let mut lines = vec![format!(
        "{} 个单位中 {} 个在各年度都有结果（按单位名称对应，不计空格和全角、半角的差别{}）",
        r.units.len(),
        r.matched,
        r.names_file
            .as_ref()
            .map(|f| format!("；更名的单位按对照表 {f} 对应"))
            .unwrap_or_default()
    )];
    let renamed: Vec<String> = r
        .units
        .iter()
        .filter(|u| u.renamed)
        .map(|u| format!("{}（{}）", u.unit, remarks_names(u)))
        .collect();
    if !renamed.is_empty() {
        lines.push(format!(
            "名称写法不同或按对照表对应的单位（{} 个）：{}",
            renamed.len(),
            renamed.join("、")
        ));
    }
    for (i, y) in r.years.iter().enumerate() {
        let only: Vec<&str> = r
            .units
            .iter()
            .filter(|u| u.note.is_none())
            .filter(|u| {
                u.years
                    .iter()
                    .enumerate()
                    .all(|(j, uy)| (uy.status != STATUS_ABSENT) == (j == i))
            })
            .map(|u| u.unit.as_str())
            .collect();
        if !only.is_empty() {
            lines.push(format!(
                "只有 {} 年度有结果的单位（{} 个）：{}",
                y.year,
                only.len(),
                only.join("、")
            ));
        }
    }
    let partly = r.units.iter().any(|u| !u.matched && u.note.is_none());
    if partly && r.names_file.is_none() {
        lines.push(
            "其中若有更名的单位，可用单位更名对照表对应（jixiao trend --names 更名.csv：第一行写各年度，以下每行写同一单位在各年度的名称）"
                .into(),
        );
    }
    lines
}

/// `2021 年度名为「市文化馆」`.
fn remarks_names(u: &TrendUnit) -> String {
    u.years
        .iter()
        .filter_map(|y| Some((y.year, y.name.as_deref()?)))
        .filter(|(_, n)| *n != u.unit)
        .map(|(year, n)| format!("{year} 年度名为「{n}」"))
        .collect::<Vec<_>>()
        .join("，")
}

/// The comparison for the terminal.
pub fn render_text(r: &TrendReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "逐年对比：{}（{} 年度）\n", r.title(), r.span());
    let _ = writeln!(
        out,
        "各年度：\n{}",
        terminal_table(&years_table(r), &[3, 4, 5, 6, 7, 8])
    );
    let _ = writeln!(out, "单位的对应：");
    for line in matching_lines(r) {
        let _ = writeln!(out, "  {line}");
    }
    for w in &r.warnings {
        let _ = writeln!(out, "提示：{w}");
    }
    let units = units_table(r);
    let figures = figure_columns(&units);
    let _ = writeln!(
        out,
        "\n各单位总分和等级（按 {} 年度结果的顺序）：\n{}",
        r.years.last().map_or(0, |y| y.year),
        terminal_table(&units, &figures)
    );
    let rates = rates_table(r);
    if rates.headers.len() > 1 {
        let all: Vec<usize> = (1..rates.headers.len()).collect();
        let _ = writeln!(
            out,
            "\n一级指标得分率（小计 ÷ 分值）：\n{}",
            terminal_table(&rates, &all)
        );
    }
    let apart = not_comparable(r);
    if !apart.is_empty() {
        let _ = writeln!(
            out,
            "不可比较的一级指标（不是每个年度的规则都有）：{}",
            apart.join("、")
        );
    }
    let reasons = reasons(r);
    if !reasons.is_empty() {
        let _ = writeln!(out, "\n没有总分的原因：");
        for line in reasons {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// Every unit-year in error or incomplete, with its reason in full.
pub fn reasons(r: &TrendReport) -> Vec<String> {
    r.units
        .iter()
        .flat_map(|u| {
            u.years.iter().filter_map(move |y| {
                let reason = y.reason.as_ref()?;
                Some(format!("{} {} 年度（{}）：{reason}", u.unit, y.year, y.status))
            })
        })
        .collect()
}

/// A terminal table; `right` are the columns aligned right.
fn terminal_table(t: &Table, right: &[usize]) -> String {
    use comfy_table::{presets, Cell as TableCell, CellAlignment, ContentArrangement};
    let mut table = comfy_table::Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(t.headers.iter().map(TableCell::new));
    for row in &t.rows {
        table.add_row(row.iter().enumerate().map(|(i, c)| {
            let cell = TableCell::new(c.text());
            if right.contains(&i) {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    table.to_string()
}

/// One row per unit: the units table and the rates table side by side.
pub fn render_csv(r: &TrendReport) -> Result<String, String> {
    let (units, rates) = (units_table(r), rates_table(r));
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| e.to_string();
    let headers = units.headers.iter().chain(rates.headers.iter().skip(1));
    w.write_record(headers).map_err(io)?;
    for (a, b) in units.rows.iter().zip(&rates.rows) {
        // Unit names and reasons come from data files: no cell may run as a formula.
        let cells = a.iter().chain(b.iter().skip(1)).map(|c| match c {
            Cell::Text(t) if crate::batch::output::formula_like(t) => format!("'{t}"),
            c => c.text().to_owned(),
        });
        w.write_record(cells).map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The workbook: 各单位 (the units and rates tables side by side) and 各年度, figures as
/// numbers shown as written, set up to print.
pub fn render_xlsx(r: &TrendReport) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::Workbook;
    let err = |e: rust_xlsxwriter::XlsxError| format!("无法生成 XLSX 工作簿：{e}");
    let (units, rates) = (units_table(r), rates_table(r));
    let combined = Table {
        headers: units
            .headers
            .iter()
            .chain(rates.headers.iter().skip(1))
            .cloned()
            .collect(),
        rows: units
            .rows
            .iter()
            .zip(&rates.rows)
            .map(|(a, b)| a.iter().chain(b.iter().skip(1)).cloned().collect())
            .collect(),
    };
    let title = format!("{}（{} 年度）逐年对比", r.title(), r.span());
    let mut wb = Workbook::new();
    for (name, table) in [("各单位", &combined), ("各年度", &years_table(r))] {
        let ws = wb.add_worksheet();
        ws.set_name(name).map_err(err)?;
        write_sheet(ws, table, &title).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

fn write_sheet(ws: &mut rust_xlsxwriter::Worksheet, t: &Table, title: &str) -> Result<(), rust_xlsxwriter::XlsxError> {
    use crate::sheet_print::{apply_widths, setup, ColumnWidths, PrintSetup};
    use rust_xlsxwriter::{Format, FormatAlign};
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let mut widths = ColumnWidths::new(&t.headers);
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &header)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let at = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            widths.see(c, cell.text());
            match cell {
                Cell::Figure {
                    value,
                    percent,
                    decimals,
                    ..
                } => {
                    let places = decimals + if *percent { 2 } else { 0 };
                    let shown = jixiao::numfmt::round_half_away(value.clone(), places)
                        .ok()
                        .and_then(crate::batch::xlsx::to_f64);
                    let mut format = if *decimals == 0 {
                        "0".to_owned()
                    } else {
                        format!("0.{}", "0".repeat(*decimals as usize))
                    };
                    if *percent {
                        format.push('%');
                    }
                    // A change shows its sign, as the text does (`+5.57`).
                    if t.headers[c].starts_with("变化") {
                        format = format!("+{format};-{format};{format}");
                    }
                    match shown {
                        Some(f) => {
                            ws.write_number_with_format(at, c as u16, f, &Format::new().set_num_format(&format))?
                        }
                        None => ws.write_string(at, c as u16, cell.text())?,
                    };
                }
                Cell::Text(text) => {
                    ws.write_string_with_format(at, c as u16, text, &wrap)?;
                }
            }
        }
    }
    let last = t.headers.len().saturating_sub(1);
    let widths = widths.finish(6.0, |c| if c == last { 60.0 } else { 36.0 });
    apply_widths(ws, &widths)?;
    ws.set_freeze_panes(1, 1)?;
    setup(
        ws,
        &PrintSetup {
            title,
            header_rows: Some((0, 0)),
            name_columns: Some((0, 0)),
        },
        &widths,
    )
}
