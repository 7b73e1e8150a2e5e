//! Scales and axes: data values (already `f64`, converted from the exact values only
//! for drawing) to drawing coordinates, and the tick marks people read them by.

use super::svg::{Svg, CENTRE, GRID, MUTED, RIGHT};

/// A linear map from `domain` to `range` (either may run backwards, as a y axis does).
#[derive(Debug, Clone, Copy)]
pub struct Linear {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Linear {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Linear {
        Linear { domain, range }
    }

    /// Where `v` is drawn; values outside the domain are clamped to it.
    pub fn at(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            return r0;
        }
        let t = ((v - d0) / (d1 - d0)).clamp(0.0, 1.0);
        r0 + t * (r1 - r0)
    }
}

/// A tick step of 1, 2 or 5 × 10ⁿ (n ≥ 0) giving at most `most` intervals up to `max`.
pub fn count_step(max: usize, most: usize) -> usize {
    let mut base = 1;
    loop {
        for m in [1, 2, 5] {
            let step = base * m;
            if max.div_ceil(step) <= most.max(1) {
                return step;
            }
        }
        base *= 10;
    }
}

/// A count axis for vertical bars: the top of the axis (a multiple of the step, at
/// least 1) and its ticks from 0.
pub fn count_ticks(max: usize, most: usize) -> (usize, Vec<usize>) {
    let step = count_step(max, most);
    let top = max.div_ceil(step).max(1) * step;
    (top, (0..=top).step_by(step).collect())
}

/// Horizontal grid lines with count labels at the left of the plot.
pub fn count_axis(svg: &mut Svg, y: &Linear, ticks: &[usize], (left, right): (f64, f64)) {
    for &t in ticks {
        let at = y.at(t as f64);
        svg.line((left, at), (right, at), GRID, 0.6, false);
        svg.text(left - 6.0, at + 4.0, &t.to_string(), RIGHT.colour(MUTED).size(11.0));
    }
}

/// Vertical grid lines at 0 %, 20 % … 100 % with labels under the plot.
pub fn percent_axis(svg: &mut Svg, x: &Linear, (top, bottom): (f64, f64)) {
    for p in (0..=100).step_by(20) {
        let at = x.at(p as f64 / 100.0);
        svg.line((at, top), (at, bottom), GRID, 0.6, false);
        svg.text(at, bottom + 14.0, &format!("{p}%"), CENTRE.colour(MUTED).size(11.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_maps_and_clamps() {
        let s = Linear::new((0.0, 100.0), (50.0, 550.0));
        assert_eq!(s.at(0.0), 50.0);
        assert_eq!(s.at(50.0), 300.0);
        assert_eq!(s.at(100.0), 550.0);
        assert_eq!(s.at(120.0), 550.0);
        let y = Linear::new((0.0, 10.0), (200.0, 0.0));
        assert_eq!(y.at(5.0), 100.0);
        assert_eq!(Linear::new((3.0, 3.0), (0.0, 9.0)).at(3.0), 0.0);
    }

    #[test]
    fn count_ticks_are_round_numbers() {
        assert_eq!(count_ticks(0, 5), (1, vec![0, 1]));
        assert_eq!(count_ticks(3, 5), (3, vec![0, 1, 2, 3]));
        assert_eq!(count_ticks(7, 5), (8, vec![0, 2, 4, 6, 8]));
        assert_eq!(count_ticks(19_000, 5), (20_000, vec![0, 5_000, 10_000, 15_000, 20_000]));
    }
}
