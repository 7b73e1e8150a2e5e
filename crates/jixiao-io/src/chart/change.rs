//! 各单位总分变化 (for `diff`): each unit's change of total under the new rules, as bars
//! left (down) or right (up) of zero, largest gain first. A unit whose grade changes is
//! hatched and its grades are written; figures are written for every bar.

use std::cmp::Reverse;

use jixiao::number::Number;
use jixiao::numfmt::format_decimal;

use super::scale::Linear;
use super::svg::{fit, Fill, Svg, BAR, BAR_LIGHT, CENTRE, GRID, INK, LEFT, MUTED, RIGHT, WIDTH};
use super::Chart;
use crate::diff::{DiffReport, UnitEffect};

pub const ID: &str = "jx-changes";
/// At most this many units are drawn: those whose total changes most.
pub const MOST_UNITS: usize = 40;
const ROW: f64 = 20.0;
const NAMES: f64 = 170.0;
const FIGURES: f64 = 250.0;

pub fn chart(d: &DiffReport, precision: u32) -> Chart {
    let title = format!("各单位总分变化（{} 年度规则 → {} 年度规则）", d.old.year, d.new.year);
    let comparable: Vec<&UnitEffect> = d.units.iter().filter(|u| u.delta.is_some()).collect();
    let mut drawn = comparable.clone();
    // The largest changes (either way), then largest gain first; ties in input order.
    drawn.sort_by_key(|u| (Reverse(delta(u).abs()), u.number));
    drawn.truncate(MOST_UNITS);
    drawn.sort_by_key(|u| (Reverse(delta(u)), u.number));
    let mut svg = Svg::new(ID, &title);
    let mut note = format!(
        "{} 个单位中 {} 个总分变化、{} 个等级变化；按变化从升到降排列",
        d.units.len(),
        d.units_changed,
        d.grades_changed
    );
    if comparable.len() > drawn.len() {
        note.push_str(&format!("；只画出变化最大的 {} 个", drawn.len()));
    }
    let left_out = d.units.len() - comparable.len();
    if left_out > 0 {
        note.push_str(&format!("；{left_out} 个单位无法比较（有错误或总分不完整），未画出"));
    }
    let below = svg.heading(&title, &note);
    let legend = below + 18.0;
    let mut at = svg.legend(0.0, legend, Fill::Solid(BAR), "总分上升");
    at = svg.legend(at, legend, Fill::Solid(BAR_LIGHT), "总分下降");
    svg.legend(at, legend, Fill::Hatch, "等级变化（写出原等级→新等级）");
    let (left, right, top) = (NAMES + 10.0, WIDTH - FIGURES, below + 38.0);
    let bottom = top + ROW * drawn.len().max(1) as f64;
    // Zero in the middle: ups and downs of the same size are the same length.
    let reach = drawn.iter().map(|u| delta(u).abs()).max().unwrap_or_default();
    let span = if reach.is_zero() { 1.0 } else { reach.to_f64() };
    let x = Linear::new((-span, span), (left, right));
    let zero = x.at(0.0);
    svg.line((zero, top - 4.0), (zero, bottom), INK, 1.0, false);
    for end in [left, right] {
        svg.line((end, top), (end, bottom), GRID, 0.6, false);
    }
    let score = |n: Option<Number>| n.map_or("—".to_owned(), |n| format_decimal(n, false, precision));
    svg.text(zero, bottom + 14.0, "0", CENTRE.colour(MUTED).size(11.0));
    if !reach.is_zero() {
        svg.text(
            left,
            bottom + 14.0,
            &signed(&-reach.clone(), precision),
            CENTRE.colour(MUTED).size(11.0),
        );
        svg.text(
            right,
            bottom + 14.0,
            &signed(&reach, precision),
            CENTRE.colour(MUTED).size(11.0),
        );
    }
    if drawn.is_empty() {
        svg.text(left, top + 14.0, "没有可比较的单位", LEFT.colour(MUTED));
    }
    for (row, u) in drawn.iter().enumerate() {
        let y = top + ROW * row as f64;
        let middle = y + ROW / 2.0 + 4.0;
        let change = delta(u);
        let signed = signed(&change, precision);
        let (old_grade, new_grade) = (
            u.old_grade.as_deref().unwrap_or("—"),
            u.new_grade.as_deref().unwrap_or("—"),
        );
        let (grades, grade_tip) = if u.grade_changed {
            (
                format!("，{old_grade}→{new_grade}"),
                format!("等级 {old_grade} → {new_grade}"),
            )
        } else {
            (String::new(), format!("等级 {new_grade}（不变）"))
        };
        svg.group(&format!(
            "{}：总分 {} → {}（{signed}），{grade_tip}",
            u.unit,
            score(u.old_total.clone()),
            score(u.new_total.clone()),
        ));
        svg.text(NAMES, middle, &fit(&u.unit, NAMES, 12.0), RIGHT);
        let end = x.at(change.to_f64());
        let fill = match (u.grade_changed, change > Number::ZERO) {
            (true, _) => Fill::Hatch,
            (false, true) => Fill::Solid(BAR),
            (false, false) => Fill::Solid(BAR_LIGHT),
        };
        if !change.is_zero() {
            svg.rect(zero.min(end), y + 4.0, (end - zero).abs(), ROW - 8.0, fill);
        }
        let text = format!(
            "{signed}（{}→{}）{grades}",
            score(u.old_total.clone()),
            score(u.new_total.clone())
        );
        let style = if u.grade_changed {
            LEFT.size(11.0).bold()
        } else {
            LEFT.size(11.0)
        };
        svg.text(right + 8.0, middle, &text, style);
        svg.end_group();
    }
    Chart::new(ID, &title, svg.finish(bottom + 24.0))
}

fn delta(u: &UnitEffect) -> Number {
    u.delta.clone().unwrap_or_default()
}

/// `+2.35`, `-1.20`, `0.00` at the score precision (四舍五入 on the exact change).
fn signed(x: &Number, precision: u32) -> String {
    let text = format_decimal(x.clone(), false, precision);
    if *x > Number::ZERO && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        format!("+{text}")
    } else {
        text
    }
}
