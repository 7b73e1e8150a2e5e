//! Charts as inline SVG, for the HTML report and the workbench: no scripts, no fonts, no
//! external resources.
//!
//! The figures come from the exact values ([`stats`]: big-rational sums, means and
//! quartiles) and every figure written in a chart is rounded 四舍五入 at the rule file's
//! score precision from the exact value; only coordinates are `f64`. Charts read in
//! black and white: each bar carries its figure, and bars of another kind (不完整, 错误,
//! a changed grade) are hatched, not just coloured. Each bar's `<title>` is its tooltip.
//!
//! One file per chart: [`grades`] (等级分布), [`histogram`] (总分分布), [`indicators`]
//! (各指标平均得分率), [`categories`] (各类指标得分率分布), [`profile`] (one unit against
//! the median) and [`change`] (each unit's change of total under new rules); `svg` and
//! `scale` are what they share. plotters was considered: without font files it measures
//! text by its UTF-8 bytes (a Chinese label three times too wide), and it has no
//! `<title>` tooltips or fill patterns.

pub mod categories;
pub mod change;
pub mod grades;
pub mod histogram;
pub mod indicators;
pub mod profile;
mod scale;
pub mod stats;
mod svg;

use serde::Serialize;

pub use stats::City;

/// One chart: its id in the page, its title and its SVG.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub svg: String,
}

impl Chart {
    fn new(id: &str, title: &str, svg: String) -> Chart {
        Chart {
            id: id.to_owned(),
            title: title.to_owned(),
            svg,
        }
    }
}

/// The city summary's charts: 等级分布, 总分分布, 各指标平均得分率, 各类指标得分率分布.
pub fn summary(city: &City) -> Vec<Chart> {
    vec![
        grades::chart(city),
        histogram::chart(city),
        indicators::chart(city),
        categories::chart(city),
    ]
}

/// The width of the category name column: names (二级 set in) at 12 px, within bounds.
fn category_label_width(city: &City) -> f64 {
    city.categories
        .iter()
        .map(|c| svg::text_width(&c.name, 12.0) + indent(c.level))
        .fold(48.0, f64::max)
        .min(170.0)
}

/// 二级 names are set in by one character.
fn indent(level: usize) -> f64 {
    if level > 1 {
        12.0
    } else {
        0.0
    }
}
