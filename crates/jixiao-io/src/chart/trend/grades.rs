//! 等级分布（逐年）: one bar a year across the width, split by grade (best first, then
//! 不完整 hatched and 错误 cross-hatched) in proportion to the units; each part carries
//! its count where it fits, and the line under the bar writes every count and share.

use super::super::grades::share;
use super::super::svg::{text_width, wrap, Fill, Svg, CENTRE, LEFT, MUTED, WIDTH};
use super::super::Chart;
use crate::trend::TrendReport;

pub const ID: &str = "jx-trend-grades";
const TITLE: &str = "各年度等级分布";
/// The fills of the grades in order (best first): dark to light, then white.
const SHADES: [&str; 5] = ["#4a6d8c", "#7f9bb5", "#b7c8d8", "#e1e9f0", "#ffffff"];
const LABEL: f64 = 64.0;
const BAR: f64 = 22.0;

/// One part of a year's bar.
struct Part {
    name: String,
    count: usize,
    fill: Fill,
    /// Whether a figure on it is written white (on the darkest shade).
    light_text: bool,
}

pub fn chart(r: &TrendReport) -> Chart {
    // Every grade of any year, the latest year's order first: a grade keeps its shade.
    let mut names: Vec<&str> = Vec::new();
    for y in r.years.iter().rev() {
        for g in &y.grades {
            if !names.contains(&g.name.as_str()) {
                names.push(&g.name);
            }
        }
    }
    let shade = |name: &str| {
        let i = names.iter().position(|n| *n == name).unwrap_or(0);
        (SHADES[i % SHADES.len()], i % SHADES.len() == 0)
    };
    let mut svg = Svg::new(ID, TITLE);
    let below = svg.heading(
        TITLE,
        "每个年度一条，按该年度全部单位的个数分段（含不完整和有错误的单位）；段上为单位数，条下写出各等级的单位数和比例",
    );
    let legend = below + 18.0;
    let mut at = 0.0;
    for name in &names {
        let (colour, _) = shade(name);
        at = svg.legend(at, legend, Fill::Solid(colour), name);
    }
    at = svg.legend(at, legend, Fill::Hatch, "不完整");
    svg.legend(at, legend, Fill::Cross, "错误");
    let (left, right, top) = (LABEL, WIDTH - 8.0, below + 40.0);
    let mut y0 = top;
    for y in &r.years {
        let mut parts: Vec<Part> = y
            .grades
            .iter()
            .map(|g| {
                let (colour, dark) = shade(&g.name);
                Part {
                    name: g.name.clone(),
                    count: g.count,
                    fill: Fill::Solid(colour),
                    light_text: dark,
                }
            })
            .collect();
        parts.push(Part {
            name: "不完整".into(),
            count: y.incomplete,
            fill: Fill::Hatch,
            light_text: false,
        });
        parts.push(Part {
            name: "错误".into(),
            count: y.errors,
            fill: Fill::Cross,
            light_text: false,
        });
        svg.text(0.0, y0 + BAR / 2.0 + 5.0, &format!("{} 年度", y.year), LEFT.bold());
        let mut x = left;
        let width = right - left;
        let mut words = Vec::new();
        for p in &parts {
            let share = share(p.count, y.units);
            words.push(format!("{} {}（{share}）", p.name, p.count));
            if p.count == 0 {
                continue;
            }
            let w = width * p.count as f64 / y.units.max(1) as f64;
            svg.group(&format!(
                "{} 年度 {}：{} 个单位，占全部 {} 个单位的 {share}",
                y.year, p.name, p.count, y.units
            ));
            svg.rect(x, y0, w, BAR, p.fill);
            let figure = p.count.to_string();
            if text_width(&figure, 11.0) + 6.0 <= w && matches!(p.fill, Fill::Solid(_)) {
                let style = CENTRE.size(11.0).bold();
                let style = if p.light_text { style.colour("#ffffff") } else { style };
                svg.text(x + w / 2.0, y0 + BAR / 2.0 + 4.0, &figure, style);
            }
            svg.end_group();
            x += w;
        }
        if y.units == 0 {
            svg.text(left, y0 + BAR / 2.0 + 4.0, "没有单位", LEFT.colour(MUTED));
        }
        // Every count is written, on as many lines as it takes.
        let mut line_y = y0 + BAR + 2.0;
        for line in wrap(&words.join("；"), right, 11.0) {
            line_y += 15.0;
            svg.text(0.0, line_y, &line, LEFT.size(11.0).colour(MUTED));
        }
        y0 = line_y + 16.0;
    }
    Chart::new(ID, TITLE, svg.finish(y0))
}
