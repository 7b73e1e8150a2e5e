//! 逐年对比 as a printable HTML document (A4, the batch report's style and running
//! header): the years and how units were matched, the charts, then every unit's totals
//! and grades and its 一级 score rates year by year. No scripts, no external resources.

use std::fmt::Write as _;

use super::render::{self, Cell, Table};
use super::TrendReport;
use crate::batch::html::{document_start, escape, style, DOCUMENT_END, MAX_UNITS_IN_ONE_FILE};
use crate::chart;

/// The whole document; `date` is printed at the foot of every page.
pub fn report(r: &TrendReport, date: &str) -> String {
    let title = format!("{} 逐年对比（{} 年度）", r.title(), r.span());
    let rules = style::running(&title, Some(date), None, "逐年对比");
    let mut h = document_start(&title, &format!("{TREND_STYLE}{rules}"));
    summary(&mut h, r);
    units(&mut h, r);
    h.push_str(DOCUMENT_END);
    h
}

/// What only this document needs: the tables of many narrow columns.
const TREND_STYLE: &str = "table.trend { table-layout: fixed; font-size: 8.5pt; }
table.trend td.remark { font-size: 7.5pt; }
table.years td, table.years th { overflow-wrap: normal; }
table.years td:first-child, table.years td.mid, table.years td.num { white-space: nowrap; }
ul.notes { margin: 1mm 0 2mm; padding-left: 5mm; }
";

fn summary(h: &mut String, r: &TrendReport) {
    let issuer = r.years.last().map_or("", |y| y.issuer.as_str());
    let _ = write!(
        h,
        "<section class=\"page summary\">\n<h1>逐年对比（{} 年度）</h1>\n<p class=\"sub\">{} · {} · 各年度按当年的规则和数据评价</p>\n<h2>各年度结果</h2>\n",
        r.span(),
        escape(r.title()),
        escape(issuer)
    );
    table(h, &render::years_table(r), "years", &[3, 4, 5, 6, 7, 8]);
    h.push_str("<h2>单位的对应</h2>\n<ul class=\"notes\">\n");
    for line in render::matching_lines(r) {
        let _ = writeln!(h, "<li>{}</li>", escape(&line));
    }
    for w in &r.warnings {
        let _ = writeln!(h, "<li class=\"warn\">{}</li>", escape(w));
    }
    h.push_str("</ul>\n<h2>图表</h2>\n");
    let units = if r.units.len() <= MAX_UNITS_IN_ONE_FILE {
        None
    } else {
        Some(chart::trend::units::MOST_UNITS)
    };
    for c in chart::trend::city(r)
        .into_iter()
        .chain(chart::trend::units::charts(r, units))
    {
        let _ = writeln!(h, "<figure class=\"chart\">{}</figure>", c.svg);
    }
    h.push_str("</section>\n");
}

fn units(h: &mut String, r: &TrendReport) {
    h.push_str("<section class=\"page\">\n<h2>各单位逐年总分和等级</h2>\n");
    let last = r.years.last().map_or(0, |y| y.year);
    let _ = writeln!(
        h,
        "<p class=\"muted\">按 {last} 年度结果中的顺序，其后是只有以前年度有结果的单位。总分按各年度规则的得分精度四舍五入；变化由精确的总分相减后四舍五入。</p>"
    );
    let table_units = render::units_table(r);
    let figures = render::figure_columns(&table_units);
    table(h, &table_units, "trend units", &figures);
    let rates = render::rates_table(r);
    h.push_str("<h2>各单位一级指标得分率</h2>\n");
    if rates.headers.len() > 1 {
        h.push_str("<p class=\"muted\">得分率 = 小计 ÷ 分值（有指标不适用时为适用分值）。“无小计”：这一年度该类指标有不能评分的指标。</p>\n");
        let all: Vec<usize> = (1..rates.headers.len()).collect();
        table(h, &rates, "trend rates", &all);
    }
    let apart = render::not_comparable(r);
    if !apart.is_empty() {
        let _ = writeln!(
            h,
            "<p>不可比较的一级指标（不是每个年度的规则都有，得分率未列出）：{}</p>",
            escape(&apart.join("、"))
        );
    }
    let reasons = render::reasons(r);
    if !reasons.is_empty() {
        h.push_str("<h2>没有总分的原因</h2>\n<ul class=\"notes small\">\n");
        for line in reasons {
            let _ = writeln!(h, "<li>{}</li>", escape(&line));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// A column's width in a units table, by its head; `None`: what is left.
fn column_width(head: &str) -> Option<u32> {
    match head {
        "单位名称" => Some(38),
        "说明" => None,
        h if h.ends_with("总分") => Some(15),
        h if h.starts_with("等级变化") => Some(13),
        h if h.ends_with("等级") => Some(12),
        h if h.starts_with("变化") => Some(14),
        _ => None,
    }
}

/// A table; `figures` are the columns of figures (right-aligned).
fn table(h: &mut String, t: &Table, class: &str, figures: &[usize]) {
    let _ = write!(h, "<table class=\"{class}\">");
    if class.contains("trend") {
        // Fixed widths for the narrow columns; the remarks (or the rates) take the rest.
        h.push_str("<colgroup>");
        for head in &t.headers {
            let width = column_width(head)
                .map(|w| format!(" style=\"width: {w}mm\""))
                .unwrap_or_default();
            let _ = write!(h, "<col{width}>");
        }
        h.push_str("</colgroup>");
    }
    h.push_str("<thead><tr>");
    for head in &t.headers {
        let _ = write!(h, "<th>{}</th>", escape(head));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let last = t.headers.len().saturating_sub(1);
    for row in &t.rows {
        h.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = match cell {
                Cell::Figure { .. } => " class=\"num\"",
                Cell::Text(_) if figures.contains(&i) => " class=\"mid\"",
                Cell::Text(_) if i == last && class.contains("units") => " class=\"remark\"",
                Cell::Text(_) => "",
            };
            let _ = write!(h, "<td{class}>{}</td>", escape(cell.text()));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
}
