//! 等级分布: how many units got each grade, in the rule file's order, then the units
//! without a grade (不完整, hatched) and those that could not be evaluated (错误,
//! cross-hatched). Every bar is labelled with its count and share of all units.

use num_rational::BigRational;

use super::scale::{count_axis, count_ticks, Linear};
use super::stats::{shown, City};
use super::svg::{Fill, Svg, BAR, CENTRE, INK, MUTED, WIDTH};
use super::Chart;

/// The chart's id in a page.
pub const ID: &str = "jx-grades";
const TITLE: &str = "等级分布";

/// One bar: its name, the line under the name, count, fill.
struct Bar {
    name: String,
    under: String,
    count: usize,
    fill: Fill,
}

pub fn chart(city: &City) -> Chart {
    let mut bars: Vec<Bar> = city
        .grades
        .iter()
        .map(|g| Bar {
            name: g.name.clone(),
            under: g.band.clone(),
            count: g.count,
            fill: Fill::Solid(BAR),
        })
        .collect();
    bars.push(Bar {
        name: "不完整".into(),
        under: "无总分".into(),
        count: city.incomplete,
        fill: Fill::Hatch,
    });
    bars.push(Bar {
        name: "错误".into(),
        under: "未能评价".into(),
        count: city.errors,
        fill: Fill::Cross,
    });
    let mut svg = Svg::new(ID, TITLE);
    let below = svg.heading(
        TITLE,
        &format!(
            "共 {} 个单位：{} 个已评价，{} 个不完整，{} 个有错误；柱上为单位数（占全部单位的比例）",
            city.units, city.evaluated, city.incomplete, city.errors
        ),
    );
    let (left, right, top) = (44.0, WIDTH - 8.0, below + 26.0);
    let bottom = top + 160.0;
    let most = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let (axis_top, ticks) = count_ticks(most, 5);
    let y = Linear::new((0.0, axis_top as f64), (bottom, top));
    count_axis(&mut svg, &y, &ticks, (left, right));
    let slot = (right - left) / bars.len() as f64;
    let width = (slot * 0.55).min(64.0);
    for (i, bar) in bars.iter().enumerate() {
        let centre = left + slot * (i as f64 + 0.5);
        let share = share(bar.count, city.units);
        svg.group(&format!(
            "{}（{}）：{} 个单位，占全部 {} 个单位的 {share}",
            bar.name, bar.under, bar.count, city.units
        ));
        let bar_top = y.at(bar.count as f64);
        if bar.count > 0 {
            svg.rect(centre - width / 2.0, bar_top, width, bottom - bar_top, bar.fill);
        }
        svg.text(
            centre,
            bar_top - 5.0,
            &format!("{}（{share}）", bar.count),
            CENTRE.size(11.0),
        );
        svg.text(centre, bottom + 17.0, &bar.name, CENTRE.bold());
        svg.text(centre, bottom + 33.0, &bar.under, CENTRE.colour(MUTED).size(11.0));
        svg.end_group();
    }
    svg.line((left, bottom), (right, bottom), INK, 1.0, false);
    Chart::new(ID, TITLE, svg.finish(bottom + 44.0))
}

/// `n` of `all` as a percent with two decimals (四舍五入 on the exact share); `—` of none.
fn share(n: usize, all: usize) -> String {
    if all == 0 {
        return "—".into();
    }
    shown(&BigRational::new(n.into(), all.into()), true, 2)
}
