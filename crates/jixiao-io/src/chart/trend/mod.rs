//! 逐年对比's charts ([`crate::trend`]): the city year by year — [`grades`] (等级分布,
//! one 100 % bar a year), [`totals`] (总分分布, one box a year, the medians joined) and
//! [`categories`] (each 一级 category's median score rate, year by year) — and
//! [`units`], each unit's total year by year (a dot per year on one line, joined by a
//! bar that is dark when the total rose, light when it fell, hatched when the grade
//! changed).
//!
//! Years are told apart by the shape of their mark (hollow circle, filled circle,
//! filled square …), not by colour, so the charts read the same printed in black and
//! white; every mark's figure is written beside its row.

pub mod categories;
pub mod grades;
pub mod totals;
pub mod units;

use super::svg::{text_width, Svg, INK, LEFT};
use super::Chart;
use crate::trend::TrendReport;

/// The workbench's charts: the city's three and the units whose total changed most.
pub fn charts(r: &TrendReport) -> Vec<Chart> {
    let mut out = city(r);
    out.extend(units::charts(r, Some(units::MOST_UNITS)));
    out
}

/// The city's charts: grades, totals and categories year by year.
pub fn city(r: &TrendReport) -> Vec<Chart> {
    vec![grades::chart(r), totals::chart(r), categories::chart(r)]
}

/// Draws year `index`'s mark centred on (x, y): its shape says the year. The first
/// year's is a larger ring without a fill, so a later year's mark at the same figure
/// shows inside it rather than hiding it.
pub fn mark(svg: &mut Svg, index: usize, (x, y): (f64, f64)) {
    const R: f64 = 4.5;
    match index % 6 {
        0 => svg.circle((x, y), R + 1.5, "none"),
        1 => svg.circle((x, y), R, INK),
        2 => svg.polygon(&square(x, y, R), INK),
        3 => svg.polygon(&square(x, y, R), "#ffffff"),
        4 => svg.polygon(
            &[(x, y - R - 1.0), (x + R + 1.0, y), (x, y + R + 1.0), (x - R - 1.0, y)],
            INK,
        ),
        _ => svg.polygon(
            &[(x, y - R - 1.0), (x + R + 1.0, y + R), (x - R - 1.0, y + R)],
            "#ffffff",
        ),
    }
}

fn square(x: f64, y: f64, r: f64) -> [(f64, f64); 4] {
    [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
}

/// Each year's mark and `2021 年度`, from `x` along the line at `y`; the x after it.
pub fn year_legend(svg: &mut Svg, x: f64, y: f64, years: &[u32]) -> f64 {
    let mut at = x;
    for (i, year) in years.iter().enumerate() {
        mark(svg, i, (at + 5.0, y - 4.0));
        let words = format!("{year} 年度");
        svg.text(at + 14.0, y, &words, LEFT.size(11.0));
        at += 14.0 + text_width(&words, 11.0) + 14.0;
    }
    at
}

/// `a → b → c`, the figures of a row year by year (`—` where a year has none).
fn arrow_join(figures: &[Option<String>]) -> String {
    figures
        .iter()
        .map(|f| f.as_deref().unwrap_or("—"))
        .collect::<Vec<_>>()
        .join(" → ")
}
