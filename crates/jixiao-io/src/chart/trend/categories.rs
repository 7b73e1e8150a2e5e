//! 一级指标得分率中位数（逐年）: for each 一级 category every year has, the evaluated
//! units' median score rate in each year — a mark per year on a 0–100 % axis, joined —
//! with the medians written beside it. Categories only some years have are named in
//! the note, not drawn: their rates are not comparable.

use super::super::scale::{percent_axis, Linear};
use super::super::svg::{fit, text_width, Svg, BAR, INK, LEFT, MUTED, WIDTH};
use super::super::Chart;
use super::{arrow_join, mark, year_legend};
use crate::trend::render::not_comparable;
use crate::trend::TrendReport;

pub const ID: &str = "jx-trend-categories";
const TITLE: &str = "各年度一级指标得分率中位数";
const ROW: f64 = 24.0;
const FIGURE: f64 = 230.0;

pub fn chart(r: &TrendReport) -> Chart {
    let rows: Vec<_> = r.categories.iter().filter(|c| c.comparable).collect();
    let mut note = "得分率 = 小计 ÷ 分值；每个年度按该年度已评价单位的中位数".to_owned();
    let apart = not_comparable(r);
    if !apart.is_empty() {
        note.push_str(&format!("；不是每个年度都有、不能比较的一级指标：{}", apart.join("、")));
    }
    let mut svg = Svg::new(ID, TITLE);
    let below = svg.heading(TITLE, &note);
    let years = r.year_numbers();
    year_legend(&mut svg, 0.0, below + 18.0, &years);
    let label = rows
        .iter()
        .map(|c| text_width(&c.name, 12.0))
        .fold(48.0, f64::max)
        .min(150.0);
    let (left, right, top) = (label + 10.0, WIDTH - FIGURE, below + 38.0);
    let bottom = top + ROW * rows.len().max(1) as f64;
    let x = Linear::new((0.0, 1.0), (left, right));
    percent_axis(&mut svg, &x, (top, bottom));
    if rows.is_empty() {
        svg.text(left + 6.0, top + 16.0, "没有各年度都有的一级指标", LEFT.colour(MUTED));
    }
    for (row, c) in rows.iter().enumerate() {
        let middle = top + ROW * row as f64 + ROW / 2.0;
        let figures: Vec<Option<String>> = c
            .medians
            .iter()
            .map(|m| m.as_ref().map(|m| m.median_display.clone()))
            .collect();
        let tips: Vec<String> = years
            .iter()
            .zip(&figures)
            .map(|(y, f)| format!("{y} 年度 {}", f.as_deref().unwrap_or("无")))
            .collect();
        svg.group(&format!("{}：已评价单位得分率的中位数，{}", c.name, tips.join("，")));
        svg.text(0.0, middle + 4.0, &fit(&c.name, label, 12.0), LEFT.bold());
        let at: Vec<Option<f64>> = c
            .medians
            .iter()
            .map(|m| m.as_ref().map(|m| x.at(m.median.to_f64())))
            .collect();
        for pair in at.windows(2) {
            if let [Some(a), Some(b)] = pair {
                if (b - a).abs() < 0.5 {
                    continue;
                }
                svg.line((*a, middle), (*b, middle), BAR, 3.0, false);
            }
        }
        for (i, p) in at.iter().enumerate() {
            if let Some(p) = p {
                mark(&mut svg, i, (*p, middle));
            }
        }
        svg.text(right + 10.0, middle + 4.0, &arrow_join(&figures), LEFT.size(11.0));
        svg.end_group();
    }
    svg.line((left, top), (left, bottom), INK, 1.0, false);
    Chart::new(ID, TITLE, svg.finish(bottom + 24.0))
}
