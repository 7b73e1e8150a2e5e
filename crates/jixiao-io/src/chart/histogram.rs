//! 总分分布: the evaluated units' totals in bins of a round width (5 points for 满分
//! 100), with the grade bands' lower bounds drawn as dashed lines. Totals are binned as
//! shown (四舍五入 to the score precision), so a unit shown at 90.00 is in the 90 bin
//! and its grade agrees.

use jixiao::number::Number;
use jixiao::numfmt::format_exact;

use super::scale::{count_axis, count_ticks, Linear};
use super::stats::City;
use super::svg::{text_width, Fill, Svg, BAR, CENTRE, INK, MUTED, WIDTH};
use super::Chart;

pub const ID: &str = "jx-totals";
const TITLE: &str = "总分分布";

/// `[lower, upper)` (the last bin includes its upper end) and how many totals fall in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub lower: Number,
    pub upper: Number,
    pub count: usize,
}

/// The bin width: the smallest 1, 2 or 5 × 10ⁿ that cuts 0..满分 into at most 20 bins.
pub fn bin_width(full_marks: &Number) -> Number {
    for exp in 0..=30u32 {
        for m in [1, 2, 5] {
            // From 0.01 up: 10^(exp-2) × m.
            let step = Number::from_scaled(m * 10i128.pow(exp), 2);
            let bins = full_marks.clone().checked_div(step.clone()).map(Number::ceil);
            if bins.is_ok_and(|b| b <= Number::from(20)) {
                return step;
            }
        }
    }
    Number::ONE
}

/// The bins from 0 (or below, for a negative total) to 满分 (or above, for a total past
/// it), every total in one. At most [`MOST_BINS`] bins.
pub fn bins(totals: &[Number], full_marks: &Number, width: &Number) -> Vec<Bin> {
    let ratio = |x: &Number| x.clone().checked_div(width.clone()).ok();
    let floor = |x: &Number| ratio(x).map(Number::floor).and_then(|q| whole(&q));
    let full = ratio(full_marks)
        .map(Number::ceil)
        .and_then(|q| whole(&q))
        .unwrap_or(1)
        .max(1);
    let lowest = totals.first().and_then(floor).unwrap_or(0).min(0);
    let highest = match totals.last() {
        Some(t) if t > full_marks => floor(t).map_or(full, |i| (i + 1).max(full)),
        _ => full,
    }
    .min(lowest + MOST_BINS);
    let edge = |i: i128| Number::from_scaled(i, 0).checked_mul(width.clone()).unwrap_or_default();
    let mut bins: Vec<Bin> = (lowest..highest)
        .map(|i| Bin {
            lower: edge(i),
            upper: edge(i + 1),
            count: 0,
        })
        .collect();
    let last = bins.len() as i128 - 1;
    for t in totals {
        // The top edge itself (满分) belongs to the last bin.
        let slot = (floor(t).unwrap_or(lowest) - lowest).clamp(0, last.max(0)) as usize;
        if let Some(b) = bins.get_mut(slot) {
            b.count += 1;
        }
    }
    bins
}

/// The bins from one below the lowest that holds a total or starts a grade band (empty
/// bins at the bottom of the scale say nothing and squeeze the others); all of them
/// when there is no total.
fn trimmed<'a>(bins: &'a [Bin], city: &City) -> &'a [Bin] {
    let holds_data = bins.iter().position(|b| b.count > 0);
    let starts_band = bins.iter().position(|b| {
        city.grades
            .iter()
            .any(|g| g.lower.as_ref().is_some_and(|l| *l >= b.lower && *l < b.upper))
    });
    match holds_data {
        Some(first) => &bins[first.min(starts_band.unwrap_or(first)).saturating_sub(1)..],
        None => bins,
    }
}

/// More bins than a page can show is a rule file with a strange 满分; the rest are cut.
pub const MOST_BINS: i128 = 200;

/// A whole number as an integer.
fn whole(x: &Number) -> Option<i128> {
    let d = x.to_decimal()?.trunc();
    Some(d.mantissa() / 10i128.checked_pow(d.scale())?)
}

pub fn chart(city: &City) -> Chart {
    let precision = city.score_precision;
    let shown: Vec<Number> = city
        .totals
        .iter()
        .map(|t| t.clone().round(precision).unwrap_or_else(|_| t.clone()))
        .collect();
    let width = bin_width(&city.full_marks);
    let all = bins(&shown, &city.full_marks, &width);
    let bins = trimmed(&all, city);
    let mut svg = Svg::new(ID, TITLE);
    let below = svg.heading(
        TITLE,
        &format!(
            "{} 个已评价单位的总分{}：按显示的总分每 {} 分一组，虚线为等级分数线{}{}",
            city.evaluated,
            city.left_out(),
            format_exact(width.clone()),
            match city.rescaled {
                0 => String::new(),
                n => format!("；其中 {n} 个单位有指标不适用，按得分率折合成满分制（与定级相同）"),
            },
            match (all.first(), bins.first()) {
                (Some(a), Some(b)) if a.lower != b.lower =>
                    format!("；低于 {} 分的组没有单位，未画出", format_exact(b.lower.clone())),
                _ => String::new(),
            },
        ),
    );
    // Room above the plot for two rows of threshold names.
    let (left, right, top) = (44.0, WIDTH - 12.0, below + 58.0);
    let bottom = top + 160.0;
    let (lo, hi) = match (bins.first(), bins.last()) {
        (Some(a), Some(b)) => (a.lower.to_f64(), b.upper.to_f64()),
        _ => (0.0, city.full_marks.to_f64()),
    };
    let x = Linear::new((lo, hi), (left, right));
    let most = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let (axis_top, ticks) = count_ticks(most, 5);
    let y = Linear::new((0.0, axis_top as f64), (bottom, top));
    count_axis(&mut svg, &y, &ticks, (left, right));
    let last = bins.len().saturating_sub(1);
    for (i, bin) in bins.iter().enumerate() {
        let (x0, x1) = (x.at(bin.lower.to_f64()), x.at(bin.upper.to_f64()));
        let (a, b) = (format_exact(bin.lower.clone()), format_exact(bin.upper.clone()));
        let range = if i == last {
            format!("[{a}, {b}]")
        } else {
            format!("[{a}, {b})")
        };
        if bin.count == 0 {
            continue;
        }
        svg.group(&format!("总分 {range}：{} 个单位", bin.count));
        let bar_top = y.at(bin.count as f64);
        svg.rect(x0 + 1.0, bar_top, x1 - x0 - 2.0, bottom - bar_top, Fill::Solid(BAR));
        svg.text(
            (x0 + x1) / 2.0,
            bar_top - 4.0,
            &bin.count.to_string(),
            CENTRE.size(11.0),
        );
        svg.end_group();
    }
    // Edge labels, as many as fit.
    let edges: Vec<Number> = bins
        .iter()
        .map(|b| b.lower.clone())
        .chain(bins.last().map(|b| b.upper.clone()))
        .collect();
    let gap = (right - left) / bins.len().max(1) as f64;
    let every = (30.0 / gap).ceil().max(1.0) as usize;
    for (i, e) in edges.iter().enumerate() {
        if i % every == 0 || i == edges.len() - 1 {
            let at = x.at(e.to_f64());
            svg.line((at, bottom), (at, bottom + 4.0), INK, 1.0, false);
            svg.text(
                at,
                bottom + 16.0,
                &format_exact(e.clone()),
                CENTRE.colour(MUTED).size(11.0),
            );
        }
    }
    svg.text(
        (left + right) / 2.0,
        bottom + 34.0,
        "总分",
        CENTRE.colour(MUTED).size(11.0),
    );
    svg.line((left, bottom), (right, bottom), INK, 1.0, false);
    thresholds(&mut svg, city, &x, (top, bottom), (lo, hi));
    Chart::new(ID, TITLE, svg.finish(bottom + 40.0))
}

/// A dashed line at each grade band's lower bound inside the axis, named above the plot;
/// a name that would run into the previous one goes a row higher.
fn thresholds(svg: &mut Svg, city: &City, x: &Linear, (top, bottom): (f64, f64), (lo, hi): (f64, f64)) {
    let mut marks: Vec<(f64, String, String)> = city
        .grades
        .iter()
        .filter_map(|g| {
            let lower = g.lower.clone()?;
            let v = lower.to_f64();
            (v > lo && v < hi).then(|| (x.at(v), format!("{} {}", g.name, format_exact(lower)), g.band.clone()))
        })
        .collect();
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ends = [f64::NEG_INFINITY; 2];
    for (at, label, band) in marks {
        let w = text_width(&label, 11.0);
        let row = if at - w / 2.0 > ends[0] + 4.0 { 0 } else { 1 };
        ends[row] = at + w / 2.0;
        let label_y = top - 22.0 - 14.0 * row as f64;
        svg.group(&format!("等级分数线：{label}（{band}）"));
        svg.line((at, label_y + 3.0), (at, bottom), INK, 1.2, true);
        svg.text(at, label_y, &label, CENTRE.size(11.0).bold());
        svg.end_group();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        text.parse().unwrap()
    }

    fn counts(bins: &[Bin]) -> Vec<(String, usize)> {
        bins.iter()
            .filter(|b| b.count > 0)
            .map(|b| (format!("{}-{}", b.lower, b.upper), b.count))
            .collect()
    }

    #[test]
    fn bins_are_a_round_width() {
        assert_eq!(bin_width(&n("100")), n("5"));
        assert_eq!(bin_width(&n("150")), n("10"));
        assert_eq!(bin_width(&n("1000")), n("50"));
        assert_eq!(bin_width(&n("10")), n("0.5"));
        assert_eq!(bin_width(&n("1")), n("0.05"));
    }

    #[test]
    fn every_total_falls_in_one_bin_and_full_marks_in_the_last() {
        let totals: Vec<Number> = ["0", "4.99", "5", "89.99", "90", "100"].iter().map(|s| n(s)).collect();
        let bins = bins(&totals, &n("100"), &n("5"));
        assert_eq!(bins.len(), 20);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 6);
        assert_eq!(
            counts(&bins),
            [
                ("0-5".to_owned(), 2),
                ("5-10".to_owned(), 1),
                ("85-90".to_owned(), 1),
                ("90-95".to_owned(), 1),
                ("95-100".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn totals_past_the_scale_open_bins_of_their_own() {
        let totals = [n("-3"), n("102")];
        let bins = bins(&totals, &n("100"), &n("5"));
        assert_eq!(bins.first().map(|b| b.lower.clone()), Some(n("-5")));
        assert_eq!(bins.last().map(|b| b.upper.clone()), Some(n("105")));
        assert_eq!(counts(&bins), [("-5-0".to_owned(), 1), ("100-105".to_owned(), 1)]);
    }

    #[test]
    fn no_totals_still_give_the_scale() {
        let bins = bins(&[], &n("100"), &n("5"));
        assert_eq!(bins.len(), 20);
        assert!(bins.iter().all(|b| b.count == 0));
    }
}
