//! 等级分布: how many units got each grade, in the rule file's order, then the units
//! without a grade (不完整, hatched) and those that could not be evaluated (错误,
//! cross-hatched). Every bar is labelled with its count and share of all units.

use num_rational::BigRational;

use super::scale::{count_axis, count_ticks, Linear};
use super::stats::{shown, City};
use super::svg::{fit, text_width, Fill, Svg, BAR, CENTRE, INK, MUTED, SIZE, WIDTH};
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
    let (left, right, top) = (44.0, WIDTH - 8.0, below + 36.0);
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
        let figure = format!("{}（{share}）", bar.count);
        if text_width(&figure, 11.0) <= slot - 4.0 {
            svg.text(centre, bar_top - 5.0, &figure, CENTRE.size(11.0));
        } else {
            // Many grades: the share goes on a line of its own above the count.
            svg.text(centre, bar_top - 18.0, &format!("（{share}）"), CENTRE.size(11.0));
            svg.text(centre, bar_top - 5.0, &bar.count.to_string(), CENTRE.size(11.0));
        }
        svg.text(centre, bottom + 17.0, &fit(&bar.name, slot - 4.0, SIZE), CENTRE.bold());
        let under = fit(&bar.under, slot - 4.0, 11.0);
        svg.text(centre, bottom + 33.0, &under, CENTRE.colour(MUTED).size(11.0));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::stats::GradeCount;
    use jixiao::number::Number;

    #[test]
    fn many_grades_put_the_share_on_its_own_line() {
        let grade = |i: usize| GradeCount {
            name: format!("第{i}等级别名称"),
            band: format!("[{}, {})", 10 * i, 10 * i + 10),
            lower: Some(Number::from(10 * i as i32)),
            count: 1234,
        };
        let city = City {
            units: 9872,
            evaluated: 9872,
            incomplete: 0,
            errors: 0,
            grades: (0..8).map(grade).collect(),
            totals: Vec::new(),
            rescaled: 0,
            leaves: Vec::new(),
            categories: Vec::new(),
            full_marks: Number::from(100),
            score_precision: 2,
        };
        let svg = chart(&city).svg;
        // Ten bars in 628 px: "1234（12.50%）" is wider than a bar's slot.
        assert!(svg.contains(">（12.50%）</text>"), "{svg}");
        assert!(svg.contains(">1234</text>"));
        assert!(!svg.contains(">1234（12.50%）</text>"));
        // Names are cut to the slot, whole in the tooltip.
        assert!(svg.contains(">第0等级…</text>"), "{svg}");
        assert!(svg.contains("<title>第0等级别名称（[0, 10)）：1234 个单位"));
    }
}
