//! What the summary charts show, computed from the units' exact scores: grade counts,
//! final totals, each indicator's mean score rate and each category's spread of rates.
//!
//! Only units with a final total and grade (已评价) enter the averages, the totals and the
//! spreads; 不完整 and 错误 units are counted separately. Sums, means and quantiles are
//! big rationals (the denominators of many units' formula scores multiply, past what a
//! `Number` holds); they are rounded 四舍五入 only when written, and turned into `f64`
//! only for drawing.

use num_rational::BigRational;

use jixiao::model::Model;
use jixiao::number::{round_big, Number};
use jixiao::report::CategoryResult;

use crate::batch::output::UnitStats;

/// A grade band of the rule file and how many units got it.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeCount {
    pub name: String,
    /// The band as the rule file writes it (`>= 90`, `[80, 90)`).
    pub band: String,
    /// The band's lower bound, where it has one (a threshold on the total).
    pub lower: Option<Number>,
    pub count: usize,
}

/// One 三级 indicator's mean score rate over the evaluated units that have its score.
#[derive(Debug, Clone, PartialEq)]
pub struct LeafRate {
    pub name: String,
    /// `一级 / 二级`.
    pub path: String,
    pub weight: Number,
    /// Evaluated units with a score for it (a 不适用 indicator has none).
    pub scored: usize,
    /// The exact mean score; `None` when no unit has one.
    pub mean_score: Option<BigRational>,
    /// `mean_score ÷ weight`; `None` when no unit has a score or the weight is 0.
    pub rate: Option<BigRational>,
}

/// Minimum, quartiles (linear interpolation between order statistics) and maximum.
#[derive(Debug, Clone, PartialEq)]
pub struct FiveNumbers {
    pub min: BigRational,
    pub q1: BigRational,
    pub median: BigRational,
    pub q3: BigRational,
    pub max: BigRational,
}

/// One 一级 or 二级 category's score rates over the evaluated units.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub name: String,
    /// 1 for 一级, 2 for 二级.
    pub level: usize,
    /// Evaluated units with a rate for it.
    pub count: usize,
    /// `None` when no unit has a rate.
    pub five: Option<FiveNumbers>,
}

/// Everything the summary charts draw, for one run.
#[derive(Debug, Clone, PartialEq)]
pub struct City {
    pub units: usize,
    /// Units with a final total and grade.
    pub evaluated: usize,
    pub incomplete: usize,
    pub errors: usize,
    /// In the rule file's grade order (best first).
    pub grades: Vec<GradeCount>,
    /// What the evaluated units' grades were decided on, exact, ascending: the total, or
    /// under `不适用时 按得分率定级` the score rate × 满分 for a unit with 不适用 indicators.
    pub totals: Vec<Number>,
    /// Evaluated units graded on the score rate rather than the total.
    pub rescaled: usize,
    /// In the rule file's order.
    pub leaves: Vec<LeafRate>,
    /// 一级 and 二级 categories in the rule file's order.
    pub categories: Vec<Spread>,
    pub full_marks: Number,
    pub score_precision: u32,
}

/// A category's score rate for one unit: its subtotal over its 分值 (over the 分值 of its
/// indicators that apply, when some are 不适用); `None` without a subtotal.
pub fn category_rate(c: &CategoryResult) -> Option<Number> {
    let weight = c.applicable_weight.clone().unwrap_or_else(|| c.weight.clone());
    c.score.clone()?.checked_div(weight).ok()
}

/// Gathers a run's units one at a time (in any order); [`CityBuilder::finish`] gives the
/// [`City`]. Keeps per unit only each category's rate (for the quartiles).
#[derive(Debug, Clone)]
pub struct CityBuilder {
    city: City,
    /// Per 三级 indicator: evaluated units with a score, and the sum of their scores.
    sums: Vec<(usize, BigRational)>,
    /// Per category: the evaluated units' rates.
    rates: Vec<Vec<Number>>,
}

impl CityBuilder {
    pub fn new(model: &Model) -> CityBuilder {
        let categories = model.nodes.iter().filter(|n| n.leaf.is_none()).count();
        let grades = model
            .grades
            .bands
            .iter()
            .map(|(name, interval)| GradeCount {
                name: name.clone(),
                band: model
                    .source
                    .slice(interval.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                lower: interval.lower.map(|b| Number::from_decimal(b.value)),
                count: 0,
            })
            .collect();
        let leaves = model
            .leaves
            .iter()
            .map(|&i| LeafRate {
                name: model.nodes[i].name.clone(),
                path: model.node_path(i).join(" / "),
                weight: model.nodes[i].weight.clone(),
                scored: 0,
                mean_score: None,
                rate: None,
            })
            .collect();
        let spreads = model
            .nodes
            .iter()
            .filter(|n| n.leaf.is_none())
            .map(|n| Spread {
                name: n.name.clone(),
                level: n.depth,
                count: 0,
                five: None,
            })
            .collect();
        CityBuilder {
            city: City {
                units: 0,
                evaluated: 0,
                incomplete: 0,
                errors: 0,
                grades,
                totals: Vec::new(),
                rescaled: 0,
                leaves,
                categories: spreads,
                full_marks: model.full_marks.clone(),
                score_precision: model.score_precision,
            },
            sums: vec![(0, BigRational::default()); model.leaves.len()],
            rates: vec![Vec::new(); categories],
        }
    }

    /// Counts one unit; only a unit with a final total enters the figures.
    pub fn add(&mut self, u: &UnitStats) {
        let city = &mut self.city;
        city.units += 1;
        let scored = match &u.outcome {
            Err(_) => {
                city.errors += 1;
                return;
            }
            Ok(s) => s,
        };
        let Some(total) = &scored.total else {
            city.incomplete += 1;
            return;
        };
        city.evaluated += 1;
        // The histogram marks the grade bands: it shows what they were compared with.
        match &scored.rank_by {
            Some(graded) if graded != total => {
                city.rescaled += 1;
                city.totals.push(graded.clone());
            }
            _ => city.totals.push(total.clone()),
        }
        if let Some(g) = city.grades.iter_mut().find(|g| Some(&g.name) == scored.grade.as_ref()) {
            g.count += 1;
        }
        for ((n, sum), score) in self.sums.iter_mut().zip(&scored.scores) {
            if let Some(score) = score {
                *n += 1;
                *sum += score.to_big();
            }
        }
        for (list, rate) in self.rates.iter_mut().zip(&scored.category_rates) {
            if let Some(rate) = rate {
                list.push(rate.clone());
            }
        }
    }

    pub fn finish(self) -> City {
        let mut city = self.city;
        city.totals.sort();
        for (leaf, (scored, sum)) in city.leaves.iter_mut().zip(self.sums) {
            leaf.scored = scored;
            leaf.mean_score = mean(&sum, scored);
            leaf.rate = match &leaf.mean_score {
                Some(m) if !leaf.weight.is_zero() => Some(m / leaf.weight.to_big()),
                _ => None,
            };
        }
        for (spread, mut list) in city.categories.iter_mut().zip(self.rates) {
            list.sort();
            spread.count = list.len();
            spread.five = five_numbers(&list);
        }
        city
    }
}

impl City {
    /// Aggregates the units of a run (in any order).
    pub fn new<'a>(model: &Model, units: impl IntoIterator<Item = &'a UnitStats>) -> City {
        let mut builder = CityBuilder::new(model);
        for u in units {
            builder.add(u);
        }
        builder.finish()
    }

    /// `（不含 1 个不完整、2 个有错误的单位）` when some units are left out of the figures.
    pub fn left_out(&self) -> String {
        if self.incomplete + self.errors == 0 {
            return String::new();
        }
        format!("（不含 {} 个不完整、{} 个有错误的单位）", self.incomplete, self.errors)
    }
}

/// `sum ÷ n`, or `None` for no values.
pub fn mean(sum: &BigRational, n: usize) -> Option<BigRational> {
    (n > 0).then(|| sum / BigRational::from_integer(n.into()))
}

/// The `k`/4 quantile of ascending values: linear interpolation between the order
/// statistics around position (n − 1)·k/4 (so the median of an even count is the mean of
/// the middle two). `None` for no values.
pub fn quartile(sorted: &[Number], k: usize) -> Option<BigRational> {
    let last = sorted.len().checked_sub(1)?;
    let (i, rem) = ((last * k) / 4, (last * k) % 4);
    let low = sorted.get(i)?.to_big();
    if rem == 0 {
        return Some(low);
    }
    let high = sorted.get(i + 1)?.to_big();
    let frac = BigRational::new(rem.into(), 4usize.into());
    Some(&low + (high - &low) * frac)
}

/// Minimum, quartiles and maximum of ascending values.
pub fn five_numbers(sorted: &[Number]) -> Option<FiveNumbers> {
    Some(FiveNumbers {
        min: quartile(sorted, 0)?,
        q1: quartile(sorted, 1)?,
        median: quartile(sorted, 2)?,
        q3: quartile(sorted, 3)?,
        max: quartile(sorted, 4)?,
    })
}

/// An exact value written for people: 四舍五入 to `decimals` places (of the percent when
/// `percent`), decided on the exact value.
pub fn shown(x: &BigRational, percent: bool, decimals: u32) -> String {
    match round_big(x, decimals + if percent { 2 } else { 0 }) {
        Ok(n) => n.fixed(percent, decimals),
        Err(_) => "—".to_owned(),
    }
}

/// A change written for people: `+2.35`, `-1.20`, `0.00` at `decimals` places (四舍五入
/// on the exact value; `+` only when the written figure is not zero).
pub fn signed(x: &Number, decimals: u32) -> String {
    let text = x.fixed(false, decimals);
    if *x > Number::ZERO && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        format!("+{text}")
    } else {
        text
    }
}

/// The nearest `f64`, for screen coordinates only.
pub fn approx(x: &BigRational) -> f64 {
    round_big(x, 9).map(|n| n.to_f64()).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::output::Scored;

    /// The charts' test rule file: two 一级 categories, each with one 二级 and two 三级
    /// indicators scored by review.
    const RULES: &str = include_str!("../../../../tests/charts/rules.jx");

    fn model() -> Model {
        jixiao::compile("图表测试.jx", RULES)
            .map(|c| c.model)
            .unwrap_or_else(|e| {
                panic!("{}", jixiao::diagnostics::render_plain(&e));
            })
    }

    fn n(text: &str) -> Number {
        text.parse().unwrap()
    }

    fn big(num: i64, den: i64) -> BigRational {
        BigRational::new(num.into(), den.into())
    }

    /// A unit with these four scores (`None`: no score, so no total), graded as the bands say.
    fn unit(number: usize, scores: [Option<&str>; 4]) -> UnitStats {
        let scores: Vec<Option<Number>> = scores.iter().map(|s| s.map(n)).collect();
        let sum = |a: usize, b: usize| Some(scores[a].clone()?.checked_add(scores[b].clone()?).unwrap());
        let total = (|| sum(0, 1)?.checked_add(sum(2, 3)?).ok())();
        let grade = total.as_ref().map(|t| {
            match t {
                t if *t >= n("90") => "优秀",
                t if *t >= n("80") => "良好",
                t if *t >= n("60") => "中",
                _ => "差",
            }
            .to_owned()
        });
        let rate = |s: Option<Number>, w: &str| s.and_then(|s| s.checked_div(n(w)).ok());
        UnitStats {
            number,
            source: format!("第 {number} 行"),
            unit: format!("单位{number}"),
            outcome: Ok(Scored {
                total: total.clone(),
                rank_by: total.clone(),
                total_display: total.map(|t| t.fixed(false, 2)).unwrap_or_else(|| "不完整".into()),
                grade,
                scores: scores.clone(),
                values: vec![None; 4],
                category_rates: vec![
                    rate(sum(0, 1), "30"),
                    rate(sum(0, 1), "30"),
                    rate(sum(2, 3), "70"),
                    rate(sum(2, 3), "70"),
                ],
                failed_checks: String::new(),
                audit: Default::default(),
            }),
        }
    }

    fn error(number: usize) -> UnitStats {
        UnitStats {
            number,
            source: format!("第 {number} 行"),
            unit: format!("单位{number}"),
            outcome: Err("缺少 编制人数".into()),
        }
    }

    #[test]
    fn the_test_rule_file_has_the_expected_shape() {
        let city = City::new(&model(), []);
        let names: Vec<_> = city.categories.iter().map(|c| (c.level, c.name.as_str())).collect();
        assert_eq!(names, [(1, "投入"), (2, "预算"), (1, "产出"), (2, "履职")]);
        assert_eq!(
            city.leaves.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
            ["执行率", "结余", "完成率", "满意度"]
        );
        assert_eq!(city.leaves[1].path, "投入 / 预算");
        let bands: Vec<_> = city.grades.iter().map(|g| (g.name.as_str(), g.band.as_str())).collect();
        assert_eq!(
            bands,
            [
                ("优秀", ">= 90"),
                ("良好", "[80, 90)"),
                ("中", "[60, 80)"),
                ("差", "< 60")
            ]
        );
        assert_eq!(city.grades[1].lower, Some(n("80")));
        assert_eq!(city.grades[3].lower, None);
    }

    #[test]
    fn no_units_give_empty_figures() {
        let city = City::new(&model(), []);
        assert_eq!((city.units, city.evaluated, city.incomplete, city.errors), (0, 0, 0, 0));
        assert!(city.totals.is_empty());
        assert!(city.grades.iter().all(|g| g.count == 0));
        assert!(city
            .leaves
            .iter()
            .all(|l| l.scored == 0 && l.rate.is_none() && l.mean_score.is_none()));
        assert!(city.categories.iter().all(|c| c.count == 0 && c.five.is_none()));
    }

    #[test]
    fn one_unit_is_its_own_median() {
        let city = City::new(&model(), [&unit(1, [Some("15"), Some("6"), Some("36"), Some("27")])]);
        assert_eq!((city.units, city.evaluated), (1, 1));
        assert_eq!(city.totals, [n("84")]);
        assert_eq!(city.grades[1].count, 1);
        assert_eq!(city.leaves[0].rate, Some(big(3, 4)));
        let five = city.categories[0].five.clone().unwrap();
        // 21 / 30 = 70%: min, quartiles, median and max all the one rate.
        for q in [&five.min, &five.q1, &five.median, &five.q3, &five.max] {
            assert_eq!(*q, big(7, 10));
        }
    }

    #[test]
    fn incomplete_and_error_units_are_counted_apart_and_left_out_of_the_figures() {
        let units = [
            unit(1, [Some("20"), Some("10"), Some("40"), Some("30")]),
            unit(2, [Some("10"), Some("5"), Some("20"), Some("15")]),
            // No score for 满意度: no total, so none of its scores count.
            unit(3, [Some("0"), Some("0"), Some("0"), None]),
            error(4),
        ];
        let city = City::new(&model(), &units);
        assert_eq!((city.units, city.evaluated, city.incomplete, city.errors), (4, 2, 1, 1));
        assert_eq!(city.totals, [n("50"), n("100")]);
        let counts: Vec<usize> = city.grades.iter().map(|g| g.count).collect();
        assert_eq!(counts, [1, 0, 0, 1]);
        // 执行率: (20 + 10) / 2 = 15 of 20.
        assert_eq!(city.leaves[0].scored, 2);
        assert_eq!(city.leaves[0].mean_score, Some(big(15, 1)));
        assert_eq!(city.leaves[0].rate, Some(big(3, 4)));
        assert_eq!(city.categories[2].count, 2);
    }

    #[test]
    fn a_unit_graded_on_its_rate_is_counted_where_its_grade_was_decided() {
        // 按得分率定级: a total of 84 over applicable weights giving 93.33 on 满分's scale.
        let mut u = unit(1, [Some("15"), Some("6"), Some("36"), Some("27")]);
        if let Ok(s) = &mut u.outcome {
            s.rank_by = Some(n("93.33"));
        }
        let plain = unit(2, [Some("15"), Some("6"), Some("36"), Some("27")]);
        let city = City::new(&model(), [&u, &plain]);
        assert_eq!(city.totals, [n("84"), n("93.33")]);
        assert_eq!(city.rescaled, 1);
    }

    #[test]
    fn all_units_in_error_leave_nothing_to_average() {
        let city = City::new(&model(), &[error(1), error(2)]);
        assert_eq!((city.units, city.evaluated, city.errors), (2, 0, 2));
        assert!(city.leaves.iter().all(|l| l.rate.is_none()));
        assert!(city.categories.iter().all(|c| c.five.is_none()));
    }

    #[test]
    fn the_same_score_everywhere_has_no_spread() {
        let units: Vec<_> = (1..=5)
            .map(|i| unit(i, [Some("18"), Some("9"), Some("36"), Some("27")]))
            .collect();
        let city = City::new(&model(), &units);
        assert_eq!(city.totals, vec![n("90"); 5]);
        assert_eq!(city.grades[0].count, 5);
        let five = city.categories[2].five.clone().unwrap();
        assert_eq!((five.min.clone(), five.max.clone()), (big(9, 10), big(9, 10)));
        assert_eq!(five.median, big(9, 10));
    }

    #[test]
    fn medians_and_quartiles_interpolate_exactly() {
        let values: Vec<Number> = ["1", "2", "3", "4"].iter().map(|s| n(s)).collect();
        // Positions (n − 1)·k/4 = 0, 0.75, 1.5, 2.25, 3.
        assert_eq!(quartile(&values, 0), Some(big(1, 1)));
        assert_eq!(quartile(&values, 1), Some(big(7, 4)));
        assert_eq!(quartile(&values, 2), Some(big(5, 2)));
        assert_eq!(quartile(&values, 3), Some(big(13, 4)));
        assert_eq!(quartile(&values, 4), Some(big(4, 1)));
        assert_eq!(quartile(&values[..3], 2), Some(big(2, 1)));
        assert_eq!(quartile(&[], 2), None);
        // A fraction stays a fraction: the median of 1/3 and 1/2 is 5/12.
        let thirds = [Number::ratio(1, 3).unwrap(), Number::ratio(1, 2).unwrap()];
        assert_eq!(quartile(&thirds, 2), Some(big(5, 12)));
    }

    #[test]
    fn a_mean_is_rounded_only_when_written() {
        // Rates 1/3 and 1/3 + 1/600 average to 0.3341666…: 33.42% at two places.
        let sum = big(1, 3) + big(1, 3) + big(1, 600);
        let m = mean(&sum, 2).unwrap();
        assert_eq!(shown(&m, true, 2), "33.42%");
        assert_eq!(shown(&big(5, 1000), false, 2), "0.01");
        assert_eq!(shown(&big(-5, 1000), false, 2), "-0.01");
        assert_eq!(mean(&sum, 0), None);
        assert!((approx(&m) - 0.334166666).abs() < 1e-8);
    }

    #[test]
    fn a_category_rate_uses_the_weight_that_applies() {
        let mut c = CategoryResult {
            path: vec![],
            name: "投入".into(),
            level: 1,
            score: Some(n("12")),
            score_display: "12.00".into(),
            weight: n("30"),
            applicable_weight: None,
            self_score: None,
        };
        assert_eq!(category_rate(&c), Some(n("0.4")));
        c.applicable_weight = Some(n("20"));
        assert_eq!(category_rate(&c), Some(n("0.6")));
        c.score = None;
        assert_eq!(category_rate(&c), None);
    }
}
