//! 各单位总分（逐年）: one row per unit, its total in each year as a mark on one score
//! axis; consecutive years joined by a bar — dark where the total rose, light where it
//! fell, hatched where the grade changed — and the totals, the change and any change of
//! grade written at the right. Units whose total changed most come first (largest gain
//! at the top); a unit without a total in some year has no mark there and says why.

use std::cmp::Reverse;

use jixiao::number::Number;

use super::super::scale::{value_axis, value_ticks, Linear};
use super::super::svg::{fit, Fill, Svg, BAR, BAR_LIGHT, INK, LEFT, MUTED, RIGHT, WIDTH};
use super::super::Chart;
use super::{arrow_join, mark, year_legend};
use crate::trend::{TrendReport, TrendUnit, STATUS_ABSENT};

pub const ID: &str = "jx-trend-units";
/// The workbench draws this many units: those whose total changed most.
pub const MOST_UNITS: usize = 40;
/// One chart holds at most this many rows (about a printed page).
const PER_CHART: usize = 40;
const ROW: f64 = 20.0;
const NAMES: f64 = 172.0;
const FIGURES: f64 = 240.0;

/// The units' charts: with `most`, one chart of the units whose last change is largest
/// either way; without, every unit with a total, [`PER_CHART`] to a chart.
pub fn charts(r: &TrendReport, most: Option<usize>) -> Vec<Chart> {
    let with_total: Vec<&TrendUnit> = r
        .units
        .iter()
        .filter(|u| u.years.iter().any(|y| y.total.is_some()))
        .collect();
    let mut drawn = with_total.clone();
    // The largest changes either way first (units without a last change last).
    let size = |u: &TrendUnit| last_delta(u).map(Number::abs);
    drawn.sort_by_key(|u| Reverse(size(u)));
    if let Some(most) = most {
        drawn.truncate(most);
    }
    // Then largest gain at the top; units without a change below, by their latest total.
    drawn.sort_by_key(|u| (Reverse(last_delta(u)), Reverse(latest_total(u))));
    let left_out = r.units.len() - with_total.len();
    let mut note = format!(
        "{} 个单位；按最近一年总分的变化从升到降排列，没有变化可比的单位在后",
        r.units.len()
    );
    if drawn.len() < with_total.len() {
        note.push_str(&format!("；只画出变化最大的 {} 个，全部单位见表格", drawn.len()));
    }
    if left_out > 0 {
        note.push_str(&format!(
            "；{left_out} 个单位在各年度都没有总分（错误或不完整），未画出"
        ));
    }
    let chunks: Vec<&[&TrendUnit]> = if drawn.is_empty() {
        vec![&[]]
    } else {
        drawn.chunks(PER_CHART).collect()
    };
    let (lo, hi, ticks) = axis(&drawn);
    let count = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, units)| {
            let (id, title) = if count == 1 {
                (ID.to_owned(), "各单位总分（逐年）".to_owned())
            } else {
                (
                    format!("{ID}-{}", i + 1),
                    format!("各单位总分（逐年，第 {}／{count} 张）", i + 1),
                )
            };
            chart(r, units, (&id, &title), &note, (lo, hi, &ticks))
        })
        .collect()
}

fn last_delta(u: &TrendUnit) -> Option<Number> {
    u.last_change().and_then(|c| c.delta.clone())
}

fn latest_total(u: &TrendUnit) -> Option<Number> {
    u.years.iter().rev().find_map(|y| y.total.clone())
}

/// One score axis for all the units' charts, so they compare.
fn axis(units: &[&TrendUnit]) -> (f64, f64, Vec<f64>) {
    let totals: Vec<f64> = units
        .iter()
        .flat_map(|u| u.years.iter().filter_map(|y| y.total.as_ref().map(Number::to_f64)))
        .collect();
    if totals.is_empty() {
        return (0.0, 100.0, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
    }
    let lowest = totals.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = totals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    value_ticks(lowest, highest, 6)
}

fn chart(
    r: &TrendReport,
    units: &[&TrendUnit],
    (id, title): (&str, &str),
    note: &str,
    (lo, hi, ticks): (f64, f64, &[f64]),
) -> Chart {
    let mut svg = Svg::new(id, title);
    let below = svg.heading(title, note);
    let legend = below + 18.0;
    let years = r.year_numbers();
    let mut at = year_legend(&mut svg, 0.0, legend, &years);
    at = svg.legend(at, legend, Fill::Solid(BAR), "上升");
    at = svg.legend(at, legend, Fill::Solid(BAR_LIGHT), "下降");
    svg.legend(at, legend, Fill::Hatch, "等级变化");
    let (left, right, top) = (NAMES + 10.0, WIDTH - FIGURES, below + 38.0);
    let bottom = top + ROW * units.len().max(1) as f64;
    let x = Linear::new((lo, hi), (left, right));
    value_axis(&mut svg, &x, ticks, (top, bottom));
    if units.is_empty() {
        svg.text(left + 6.0, top + 14.0, "没有有总分的单位", LEFT.colour(MUTED));
    }
    for (row, u) in units.iter().enumerate() {
        let middle = top + ROW * row as f64 + ROW / 2.0;
        let figures: Vec<Option<String>> = u
            .years
            .iter()
            .map(|y| match (&y.total, y.status) {
                (Some(_), _) => y.total_display.clone(),
                (None, STATUS_ABSENT) => None,
                (None, status) => Some(status.to_owned()),
            })
            .collect();
        let last = u.last_change();
        let change = last.and_then(|c| c.delta_display.clone());
        let grades = last.filter(|c| c.grade_change.is_some_and(|g| g != "不变")).map(|c| {
            format!(
                "{}→{}",
                c.grade_from.as_deref().unwrap_or("—"),
                c.grade_to.as_deref().unwrap_or("—")
            )
        });
        let tips: Vec<String> = u
            .years
            .iter()
            .map(|y| {
                let what = match (&y.total_display, &y.grade) {
                    (Some(t), Some(g)) => format!("{t} {g}"),
                    (Some(t), None) => t.clone(),
                    _ => y.status.to_owned(),
                };
                format!("{} 年度 {what}", y.year)
            })
            .collect();
        svg.group(&format!(
            "{}：{}{}",
            u.unit,
            tips.join("，"),
            change.as_ref().map(|c| format!("；变化 {c}")).unwrap_or_default()
        ));
        svg.text(NAMES, middle + 4.0, &fit(&u.unit, NAMES, 12.0), RIGHT);
        let points: Vec<Option<f64>> = u
            .years
            .iter()
            .map(|y| y.total.as_ref().map(|t| x.at(t.to_f64())))
            .collect();
        for (i, pair) in points.windows(2).enumerate() {
            let (Some(a), Some(b)) = (pair[0], pair[1]) else {
                continue;
            };
            let c = &u.changes[i];
            let fill = match (c.grade_change, c.delta.as_ref().is_some_and(|d| *d > Number::ZERO)) {
                (Some("升" | "降" | "变化"), _) => Fill::Hatch,
                (_, true) => Fill::Solid(BAR),
                (_, false) => Fill::Solid(BAR_LIGHT),
            };
            if (b - a).abs() >= 0.5 {
                svg.rect(a.min(b), middle - 3.5, (b - a).abs(), 7.0, fill);
            }
        }
        for (i, p) in points.iter().enumerate() {
            if let Some(p) = p {
                mark(&mut svg, i, (*p, middle));
            }
        }
        let mut text = arrow_join(&figures);
        if let Some(c) = &change {
            text.push_str(&format!("（{c}）"));
        }
        if let Some(g) = &grades {
            text.push_str(&format!(" {g}"));
        }
        let style = if grades.is_some() {
            LEFT.size(11.0).bold()
        } else {
            LEFT.size(11.0)
        };
        svg.text(right + 8.0, middle + 4.0, &fit(&text, FIGURES - 10.0, 11.0), style);
        svg.end_group();
    }
    svg.line((left, top), (left, bottom), INK, 1.0, false);
    Chart::new(id, title, svg.finish(bottom + 24.0))
}
