//! 本单位得分率与中位数: one unit's score rate in each 一级 and 二级 category (a bar)
//! against the median of all evaluated units (a black mark), both figures written.

use jixiao::number::Number;

use super::indent;
use super::scale::{percent_axis, Linear};
use super::stats::{approx, shown, City};
use super::svg::{fit, Fill, Svg, BAR, INK, LEFT, MUTED, WIDTH};

const TITLE: &str = "本单位各类指标得分率与全部已评价单位中位数";
const ROW: f64 = 22.0;
const FIGURE: f64 = 190.0;

/// The profiles of a run's units: the medians worked out and written once, for all of
/// them (a report draws one per unit).
pub struct Profiles<'c> {
    city: &'c City,
    /// Per category: where the median is drawn and how it is written.
    medians: Vec<Option<(f64, String)>>,
    /// The width of the category names.
    label: f64,
}

impl<'c> Profiles<'c> {
    pub fn new(city: &'c City) -> Profiles<'c> {
        let medians = city
            .categories
            .iter()
            .map(|c| {
                let m = &c.five.as_ref()?.median;
                Some((approx(m), shown(m, true, city.score_precision)))
            })
            .collect();
        Profiles {
            city,
            medians,
            label: super::category_label_width(city),
        }
    }

    /// The profile of unit `number` (its id in the page), whose category rates are
    /// `rates` (in the rule file's order, as [`super::stats::category_rate`] gives them).
    pub fn chart(&self, number: usize, rates: &[Option<Number>]) -> String {
        let (city, label) = (self.city, self.label);
        let mut svg = Svg::new(&format!("jx-profile-{number}"), TITLE);
        let below = svg.heading(
            TITLE,
            &format!(
                "得分率 = 小计 ÷ 分值；中位数按 {} 个已评价单位计算（不含不完整和有错误的单位）",
                city.evaluated
            ),
        );
        let legend = below + 18.0;
        let mut at = svg.legend(0.0, legend, Fill::Solid(BAR), "本单位");
        marker(&mut svg, at + 4.0, legend - 4.0);
        at += 14.0;
        svg.text(at, legend, "全部已评价单位的中位数", LEFT.size(11.0));
        let (left, right, top) = (label + 10.0, WIDTH - FIGURE, below + 38.0);
        let bottom = top + ROW * city.categories.len().max(1) as f64;
        let x = Linear::new((0.0, 1.0), (left, right));
        percent_axis(&mut svg, &x, (top, bottom));
        for (row, c) in city.categories.iter().enumerate() {
            let middle = top + ROW * row as f64 + ROW / 2.0;
            let rate = rates.get(row).and_then(Option::as_ref);
            let median = self.medians.get(row).and_then(Option::as_ref);
            // Rounded 四舍五入 from the exact rate, as `stats::shown` does.
            let rate_text = rate.map(|r| r.fixed(true, city.score_precision));
            svg.group(&format!(
                "{}：本单位得分率 {}，全部已评价单位的中位数 {}",
                c.name,
                rate_text.as_deref().unwrap_or("无（没有小计）"),
                median.map_or("无", |m| m.1.as_str())
            ));
            let style = if c.level == 1 { LEFT.bold() } else { LEFT };
            let name = fit(&c.name, label - indent(c.level), 12.0);
            svg.text(indent(c.level), middle + 4.0, &name, style);
            if let Some(r) = rate {
                let end = x.at(r.to_f64());
                svg.rect(left, middle - 6.0, end - left, 12.0, Fill::Solid(BAR));
            }
            if let Some((m, _)) = median {
                let at = x.at(*m);
                // A white edge keeps the mark apart from a dark bar, in grey print too.
                svg.line((at, middle - 9.0), (at, middle + 9.0), "#ffffff", 5.0, false);
                svg.line((at, middle - 9.0), (at, middle + 9.0), INK, 2.0, false);
                marker(&mut svg, at, middle - 9.0);
            }
            let figure = format!(
                "{}（中位 {}）",
                rate_text.as_deref().unwrap_or("无小计"),
                median.map_or("—", |m| m.1.as_str())
            );
            let colour = if rate.is_some() { INK } else { MUTED };
            svg.text(right + 10.0, middle + 4.0, &figure, LEFT.size(11.0).colour(colour));
            svg.end_group();
        }
        svg.line((left, top), (left, bottom), INK, 1.0, false);
        svg.finish(bottom + 24.0)
    }
}

/// The median's mark: a small downward triangle with its point at (x, y).
fn marker(svg: &mut Svg, x: f64, y: f64) {
    svg.polygon(&[(x - 4.0, y - 5.0), (x + 4.0, y - 5.0), (x, y + 1.0)], INK);
}
