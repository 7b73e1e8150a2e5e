//! 各类指标得分率分布: for each 一级 and 二级 category, the spread of the evaluated units'
//! score rates (subtotal ÷ 分值) as a box plot — a line from the lowest to the highest, a
//! box over the middle half (quartiles), a thick mark at the median — with the lowest,
//! median and highest written beside it.

use super::scale::{percent_axis, Linear};
use super::stats::{approx, shown, City};
use super::svg::{fit, text_width, Fill, Svg, BAR_LIGHT, INK, LEFT, MUTED, WIDTH};
use super::{indent, Chart};

pub const ID: &str = "jx-categories";
const TITLE: &str = "各类指标得分率分布";
const ROW: f64 = 24.0;
const FIGURE: f64 = 226.0;

pub fn chart(city: &City) -> Chart {
    let label = super::category_label_width(city);
    let mut svg = Svg::new(ID, TITLE);
    let below = svg.heading(
        TITLE,
        &format!(
            "得分率 = 小计 ÷ 分值；按 {} 个已评价单位计算{}",
            city.evaluated,
            city.left_out()
        ),
    );
    legend(&mut svg, below + 18.0);
    let (left, right, top) = (label + 10.0, WIDTH - FIGURE, below + 38.0);
    let bottom = top + ROW * city.categories.len().max(1) as f64;
    let x = Linear::new((0.0, 1.0), (left, right));
    percent_axis(&mut svg, &x, (top, bottom));
    if city.categories.is_empty() {
        svg.text(left, top + 14.0, "规则没有一级、二级指标", LEFT.colour(MUTED));
    }
    let precision = city.score_precision;
    for (row, c) in city.categories.iter().enumerate() {
        let y = top + ROW * row as f64;
        let middle = y + ROW / 2.0;
        let name_style = if c.level == 1 { LEFT.bold() } else { LEFT };
        let Some(f) = &c.five else {
            svg.group(&format!("{}：没有已评价单位有这一类的得分", c.name));
            svg.text(
                indent(c.level),
                middle + 4.0,
                &fit(&c.name, label - indent(c.level), 12.0),
                name_style,
            );
            svg.text(right + 10.0, middle + 4.0, "无得分", LEFT.colour(MUTED).size(11.0));
            svg.end_group();
            continue;
        };
        let [min, q1, median, q3, max] = [&f.min, &f.q1, &f.median, &f.q3, &f.max].map(|v| shown(v, true, precision));
        svg.group(&format!(
            "{}：{} 个单位的得分率，最低 {min}，下四分位 {q1}，中位数 {median}，上四分位 {q3}，最高 {max}",
            c.name, c.count
        ));
        svg.text(
            indent(c.level),
            middle + 4.0,
            &fit(&c.name, label - indent(c.level), 12.0),
            name_style,
        );
        let [x_min, x_q1, x_median, x_q3, x_max] = [&f.min, &f.q1, &f.median, &f.q3, &f.max].map(|v| x.at(approx(v)));
        svg.line((x_min, middle), (x_max, middle), INK, 1.2, false);
        for end in [x_min, x_max] {
            svg.line((end, middle - 5.0), (end, middle + 5.0), INK, 1.2, false);
        }
        svg.rect(x_q1, middle - 7.0, x_q3 - x_q1, 14.0, Fill::Solid(BAR_LIGHT));
        svg.line((x_median, middle - 9.0), (x_median, middle + 9.0), INK, 3.0, false);
        svg.text(
            right + 10.0,
            middle + 4.0,
            &format!("中位 {median}（{min}～{max}）"),
            LEFT.size(11.0),
        );
        svg.end_group();
    }
    svg.line((left, top), (left, bottom), INK, 1.0, false);
    Chart::new(ID, TITLE, svg.finish(bottom + 24.0))
}

/// What the marks mean.
fn legend(svg: &mut Svg, y: f64) {
    let mut at = svg.legend(0.0, y, Fill::Solid(BAR_LIGHT), "中间一半单位（上下四分位之间）");
    svg.line((at, y - 9.0), (at, y + 3.0), INK, 3.0, false);
    svg.text(at + 6.0, y, "中位数", LEFT.size(11.0));
    at += 6.0 + text_width("中位数", 11.0) + 16.0;
    svg.line((at, y - 4.0), (at + 16.0, y - 4.0), INK, 1.2, false);
    svg.text(at + 21.0, y, "最低～最高", LEFT.size(11.0));
}
