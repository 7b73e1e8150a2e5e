//! 总分分布（逐年）: each year's evaluated totals as a box plot on one score axis — a line
//! from the lowest to the highest, a box over the middle half, a thick mark at the median
//! — the medians of consecutive years joined by a dashed line, and each year's median
//! and range written beside it.

use super::super::scale::{value_axis, value_ticks, Linear};
use super::super::svg::{Fill, Svg, BAR_LIGHT, INK, LEFT, MUTED, WIDTH};
use super::super::Chart;
use super::mark;
use crate::trend::TrendReport;

pub const ID: &str = "jx-trend-totals";
const TITLE: &str = "各年度总分分布与中位数";
const LABEL: f64 = 64.0;
const ROW: f64 = 34.0;
const FIGURE: f64 = 250.0;

pub fn chart(r: &TrendReport) -> Chart {
    let mut svg = Svg::new(ID, TITLE);
    let below = svg.heading(
        TITLE,
        "按各年度全部已评价单位（有总分和等级的单位）计算，不完整和有错误的单位不计入；方框是中间一半单位（上、下四分位之间），粗竖线是中位数，虚线连接各年度的中位数",
    );
    super::super::categories::legend(&mut svg, below + 18.0);
    let (left, right, top) = (LABEL, WIDTH - FIGURE, below + 40.0);
    let bottom = top + ROW * r.years.len() as f64;
    let spreads: Vec<_> = r.years.iter().filter_map(|y| y.totals.as_ref()).collect();
    let lowest = spreads.iter().map(|s| s.min.to_f64()).fold(f64::INFINITY, f64::min);
    let highest = spreads.iter().map(|s| s.max.to_f64()).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi, ticks) = if spreads.is_empty() {
        (0.0, 100.0, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0])
    } else {
        value_ticks(lowest, highest, 8)
    };
    let x = Linear::new((lo, hi), (left, right));
    value_axis(&mut svg, &x, &ticks, (top, bottom));
    let mut previous: Option<(f64, f64)> = None;
    for (row, y) in r.years.iter().enumerate() {
        let middle = top + ROW * row as f64 + ROW / 2.0;
        svg.text(0.0, middle + 4.0, &format!("{} 年度", y.year), LEFT.bold());
        let Some(t) = &y.totals else {
            svg.group(&format!("{} 年度：没有已评价的单位", y.year));
            svg.text(
                right + 10.0,
                middle + 4.0,
                "没有已评价的单位",
                LEFT.size(11.0).colour(MUTED),
            );
            svg.end_group();
            previous = None;
            continue;
        };
        let p = y.score_precision;
        let [min, q1, median, q3, max] = [&t.min, &t.q1, &t.median, &t.q3, &t.max].map(|v| v.fixed(false, p));
        svg.group(&format!(
            "{} 年度：{} 个已评价单位的总分，最低 {min}，下四分位 {q1}，中位数 {median}，上四分位 {q3}，最高 {max}",
            y.year, y.evaluated
        ));
        let [x_min, x_q1, x_median, x_q3, x_max] = [&t.min, &t.q1, &t.median, &t.q3, &t.max].map(|v| x.at(v.to_f64()));
        if let Some(from) = previous {
            svg.line(from, (x_median, middle), INK, 1.0, true);
        }
        svg.line((x_min, middle), (x_max, middle), INK, 1.2, false);
        for end in [x_min, x_max] {
            svg.line((end, middle - 5.0), (end, middle + 5.0), INK, 1.2, false);
        }
        svg.rect(x_q1, middle - 8.0, x_q3 - x_q1, 16.0, Fill::Solid(BAR_LIGHT));
        svg.line((x_median, middle - 10.0), (x_median, middle + 10.0), INK, 3.0, false);
        mark(&mut svg, row, (x_median, middle - 15.0));
        svg.text(
            right + 10.0,
            middle + 4.0,
            &format!("中位 {median}（{min}～{max}），{} 个单位", y.evaluated),
            LEFT.size(11.0),
        );
        svg.end_group();
        previous = Some((x_median, middle));
    }
    svg.line((left, top), (left, bottom), INK, 1.0, false);
    Chart::new(ID, TITLE, svg.finish(bottom + 24.0))
}
