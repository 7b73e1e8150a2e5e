//! 各指标平均得分率: where units lose points. One horizontal bar per 三级 indicator, its
//! mean score over the evaluated units divided by its 分值, lowest first.

use super::scale::{percent_axis, Linear};
use super::stats::{approx, shown, City};
use super::svg::{fit, text_width, Fill, Svg, BAR, INK, LEFT, MUTED, RIGHT, WIDTH};
use super::Chart;

pub const ID: &str = "jx-indicators";
const TITLE: &str = "各指标平均得分率（从低到高：哪些指标失分最多）";
const ROW: f64 = 20.0;
/// Room for the figure after the longest bar.
const FIGURE: f64 = 132.0;

pub fn chart(city: &City) -> Chart {
    let mut order: Vec<usize> = (0..city.leaves.len()).collect();
    // Lowest rate first; indicators nobody has a score for last; ties in rule order.
    order.sort_by(|&a, &b| match (&city.leaves[a].rate, &city.leaves[b].rate) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let names = city.leaves.iter().map(|l| text_width(&l.name, 12.0));
    let label = names.fold(48.0, f64::max).min(210.0);
    let mut svg = Svg::new(ID, TITLE);
    let below = svg.heading(
        TITLE,
        &format!(
            "得分率 = 平均得分 ÷ 分值；按 {} 个已评价单位计算{}",
            city.evaluated,
            city.left_out()
        ),
    );
    let (left, right, top) = (label + 10.0, WIDTH - FIGURE, below + 18.0);
    let bottom = top + ROW * order.len().max(1) as f64;
    let x = Linear::new((0.0, 1.0), (left, right));
    percent_axis(&mut svg, &x, (top, bottom));
    if order.is_empty() {
        svg.text(left, top + 14.0, "规则没有三级指标", LEFT.colour(MUTED));
    }
    let precision = city.score_precision;
    for (row, &i) in order.iter().enumerate() {
        let leaf = &city.leaves[i];
        let y = top + ROW * row as f64;
        let middle = y + ROW / 2.0 + 4.0;
        let (figure, tip) = match (&leaf.rate, &leaf.mean_score) {
            (Some(rate), Some(mean)) => {
                let rate_text = shown(rate, true, precision);
                let among = if leaf.scored < city.evaluated {
                    format!("（{} 个单位）", leaf.scored)
                } else {
                    String::new()
                };
                let tip = format!(
                    "{} / {}：平均得分 {} 分（分值 {}），得分率 {rate_text}；按 {} 个有得分的已评价单位计算",
                    leaf.path,
                    leaf.name,
                    shown(mean, false, precision),
                    jixiao::numfmt::format_exact(leaf.weight.clone()),
                    leaf.scored
                );
                (format!("{rate_text}{among}"), tip)
            }
            _ => (
                "无得分".to_owned(),
                format!(
                    "{} / {}：没有已评价单位有这一项的得分（不适用或无已评价单位）",
                    leaf.path, leaf.name
                ),
            ),
        };
        svg.group(&tip);
        svg.text(left - 8.0, middle, &fit(&leaf.name, label, 12.0), RIGHT);
        let end = match &leaf.rate {
            Some(rate) => {
                let end = x.at(approx(rate));
                svg.rect(left, y + 4.0, end - left, ROW - 8.0, Fill::Solid(BAR));
                end
            }
            None => left,
        };
        svg.text(end + 5.0, middle, &figure, LEFT.size(11.0));
        svg.end_group();
    }
    svg.line((left, top), (left, bottom), INK, 1.0, false);
    Chart::new(ID, TITLE, svg.finish(bottom + 24.0))
}
