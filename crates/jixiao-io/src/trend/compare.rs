//! The years' results put side by side: units matched by name (or the name table),
//! each unit's figures and changes year by year, and the city's figures per year.

use std::collections::HashMap;

use jixiao::number::Number;

use super::names::{normalise, NameTable};
use super::{
    Change, GradeCount, Rate, Scores, Spread, TrendCategory, TrendReport, TrendUnit, UnitYear, YearResults,
    YearSummary, YearUnit, STATUS_ABSENT, STATUS_ERROR, STATUS_INCOMPLETE, STATUS_OK,
};
use crate::chart::stats::{five_numbers, signed};

/// What units are matched by: a row of the name table, or the normalised name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Row(usize),
    Name(String),
}

/// Compares two or more years' results. Errors (in Chinese): fewer than two years, a year
/// given twice, a name table with a year no result has.
pub fn compare(mut years: Vec<YearResults>, names: Option<&NameTable>) -> Result<TrendReport, String> {
    if years.len() < 2 {
        return Err(format!(
            "逐年对比至少需要两个年度的结果，现在只有 {} 个：每个年度给一个结果文件，或一套规则和数据",
            years.len()
        ));
    }
    years.sort_by_key(|y| y.year);
    for pair in years.windows(2) {
        if pair[0].year == pair[1].year {
            return Err(format!(
                "{} 和 {} 都是 {} 年度的结果：每个年度只给一份结果（同一年度的单位请在评价时合在一份结果中）",
                pair[0].source, pair[1].source, pair[0].year
            ));
        }
    }
    let mut warnings = Vec::new();
    if let Some(table) = names {
        for year in &table.years {
            if !years.iter().any(|y| y.year == *year) {
                return Err(format!(
                    "单位更名对照表 {} 有 {year} 年度一列，但没有给出 {year} 年度的结果",
                    table.file
                ));
            }
        }
        warnings.extend(unknown_names(table, &years));
    }
    let titles: Vec<String> = years
        .iter()
        .map(|y| format!("{} 年度「{}」", y.year, y.title))
        .collect();
    if years.windows(2).any(|p| p[0].title != p[1].title) {
        warnings.push(format!(
            "各年度规则的标题不同（{}）：请确认是同一地区、同一类评价的结果",
            titles.join("，")
        ));
    }
    let categories = categories(&years);
    let groups = group(&years, names, &mut warnings);
    let units: Vec<TrendUnit> = groups.iter().map(|g| unit(&years, &categories, g)).collect();
    let summaries = years.iter().enumerate().map(|(i, y)| summary(y, i, &units)).collect();
    let trend_categories = categories.iter().map(|name| category(name, &years)).collect();
    Ok(TrendReport {
        version: jixiao::JSON_VERSION,
        years: summaries,
        categories: trend_categories,
        matched: units.iter().filter(|u| u.matched).count(),
        renamed: units.iter().filter(|u| u.renamed).count(),
        names_file: names.map(|t| t.file.clone()),
        warnings,
        units,
    })
}

/// The names the table gives that the year's results do not have.
fn unknown_names(table: &NameTable, years: &[YearResults]) -> Vec<String> {
    let names: Vec<std::collections::HashSet<String>> = years
        .iter()
        .map(|y| y.units.iter().map(|u| normalise(&u.name)).collect())
        .collect();
    let mut out = Vec::new();
    for row in &table.rows {
        for (column, name) in row.names.iter().enumerate() {
            let (Some(name), Some(year)) = (name, table.years.get(column)) else {
                continue;
            };
            let Some(known) = years.iter().position(|y| y.year == *year).map(|i| &names[i]) else {
                continue;
            };
            if !known.contains(&normalise(name)) {
                out.push(format!(
                    "单位更名对照表 {} 第 {} 行：{year} 年度的结果中没有名为「{name}」的单位",
                    table.file, row.line
                ));
            }
        }
    }
    out
}

/// The 一级 categories of every year: the latest year's in its order, then those only
/// earlier years have.
fn categories(years: &[YearResults]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for y in years.iter().rev() {
        for (name, _) in y.categories.iter().flatten() {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    out
}

fn category(name: &str, years: &[YearResults]) -> TrendCategory {
    let weights: Vec<Option<Number>> = years
        .iter()
        .map(|y| {
            y.categories
                .iter()
                .flatten()
                .find(|(n, _)| n == name)
                .map(|(_, w)| w.clone())
        })
        .collect();
    let medians = years
        .iter()
        .map(|y| {
            let rates: Vec<Number> = y
                .units
                .iter()
                .filter_map(|u| u.outcome.as_ref().ok())
                .filter(|s| s.total.is_some())
                .filter_map(|s| rate_in(s, name).flatten())
                .collect();
            spread(rates, true, y.score_precision)
        })
        .collect();
    TrendCategory {
        name: name.to_owned(),
        comparable: weights.iter().all(Option::is_some),
        weights,
        medians,
    }
}

/// A unit's rate in a category: `None` when its year has no such category, `Some(None)`
/// without a subtotal.
fn rate_in(s: &Scores, name: &str) -> Option<Option<Number>> {
    s.rates.iter().find(|(n, _)| n == name).map(|(_, r)| r.clone())
}

/// The figures' spread, written at `decimals` (as a percent for rates); `None` for none.
fn spread(mut figures: Vec<Number>, percent: bool, decimals: u32) -> Option<Spread> {
    figures.sort();
    let five = five_numbers(&figures)?;
    let median = Number::from(five.median);
    Some(Spread {
        median_display: median.fixed(percent, decimals),
        min: Number::from(five.min),
        q1: Number::from(five.q1),
        median,
        q3: Number::from(five.q3),
        max: Number::from(five.max),
    })
}

/// The units of one trend row: per year, the index of its unit in that year (if any).
struct Group {
    members: Vec<Option<usize>>,
    by_table: bool,
    note: Option<String>,
}

/// Groups every unit of every year by its key, in the order the report lists them: the
/// latest year's order, then units found only in earlier years (latest first).
fn group(years: &[YearResults], names: Option<&NameTable>, warnings: &mut Vec<String>) -> Vec<Group> {
    let keys: Vec<Vec<Key>> = years
        .iter()
        .map(|y| {
            y.units
                .iter()
                .map(|u| match names.and_then(|t| t.row_of(y.year, &u.name)) {
                    Some(row) => Key::Row(row),
                    None => Key::Name(normalise(&u.name)),
                })
                .collect()
        })
        .collect();
    // Per key, per year: the units with that key.
    let mut found: HashMap<&Key, Vec<Vec<usize>>> = HashMap::new();
    for (yi, year_keys) in keys.iter().enumerate() {
        for (ui, key) in year_keys.iter().enumerate() {
            found.entry(key).or_insert_with(|| vec![Vec::new(); years.len()])[yi].push(ui);
        }
    }
    let mut groups = Vec::new();
    let mut done: std::collections::HashSet<&Key> = std::collections::HashSet::new();
    for yi in (0..years.len()).rev() {
        for key in &keys[yi] {
            if !done.insert(key) {
                continue;
            }
            let per_year = &found[key];
            let by_table = matches!(key, Key::Row(_));
            let repeated: Vec<(usize, &Vec<usize>)> =
                per_year.iter().enumerate().filter(|(_, list)| list.len() > 1).collect();
            if repeated.is_empty() {
                groups.push(Group {
                    members: per_year.iter().map(|list| list.first().copied()).collect(),
                    by_table,
                    note: None,
                });
                continue;
            }
            // A name written twice in one year: which of them is last year's unit is not
            // known, so none is matched; each is listed on its own.
            let shown = &years[yi].units[per_year[yi][0]].name;
            let where_twice: Vec<String> = repeated
                .iter()
                .map(|(y, list)| {
                    let numbers: Vec<String> = list.iter().map(|&u| years[*y].units[u].number.to_string()).collect();
                    format!(
                        "{} 年度有 {} 个（第 {} 个）",
                        years[*y].year,
                        list.len(),
                        numbers.join("、")
                    )
                })
                .collect();
            warnings.push(format!(
                "名为「{shown}」的单位 {}：无法确定各年度间谁对应谁，这些单位各列一行，不作比较；请在数据中改正名称",
                where_twice.join("，")
            ));
            let note = format!("同名单位：{}，未与其他年度对应", where_twice.join("，"));
            for (y, list) in per_year.iter().enumerate().rev() {
                for &u in list {
                    let mut members = vec![None; years.len()];
                    members[y] = Some(u);
                    groups.push(Group {
                        members,
                        by_table,
                        note: Some(note.clone()),
                    });
                }
            }
        }
    }
    groups
}

/// One trend row.
fn unit(years: &[YearResults], categories: &[String], g: &Group) -> TrendUnit {
    let entries: Vec<Option<&YearUnit>> = g
        .members
        .iter()
        .zip(years)
        .map(|(m, y)| m.map(|i| &y.units[i]))
        .collect();
    let name = entries
        .iter()
        .rev()
        .flatten()
        .next()
        .map_or_else(String::new, |u| u.name.clone());
    let written: Vec<&str> = entries.iter().flatten().map(|u| u.name.as_str()).collect();
    let renamed = g.by_table || written.windows(2).any(|w| w[0] != w[1]);
    let unit_years: Vec<UnitYear> = entries
        .iter()
        .zip(years)
        .map(|(u, y)| unit_year(y, categories, *u))
        .collect();
    let changes = (1..years.len())
        .map(|i| change(&years[i - 1..=i], &unit_years[i - 1..=i]))
        .collect();
    TrendUnit {
        unit: name,
        matched: g.note.is_none() && entries.iter().all(Option::is_some),
        renamed: renamed && entries.iter().flatten().count() > 1,
        years: unit_years,
        changes,
        note: g.note.clone(),
    }
}

fn unit_year(y: &YearResults, categories: &[String], u: Option<&YearUnit>) -> UnitYear {
    let mut out = UnitYear {
        year: y.year,
        status: STATUS_ABSENT,
        name: u.map(|u| u.name.clone()),
        number: u.map(|u| u.number),
        source: u.map(|u| u.source.clone()),
        total: None,
        total_display: None,
        grade: None,
        reason: None,
        rates: vec![None; categories.len()],
    };
    let Some(u) = u else { return out };
    match &u.outcome {
        Err(e) => {
            out.status = STATUS_ERROR;
            out.reason = Some(e.clone());
        }
        Ok(s) => {
            out.status = if s.total.is_some() {
                STATUS_OK
            } else {
                STATUS_INCOMPLETE
            };
            out.total = s.total.clone();
            out.total_display = Some(s.total_display.clone());
            out.grade = s.grade.clone();
            if s.total.is_none() {
                out.reason = Some(s.total_display.clone());
            }
            for (slot, name) in out.rates.iter_mut().zip(categories) {
                *slot = rate_in(s, name).map(|rate| Rate {
                    display: rate
                        .as_ref()
                        .map_or_else(|| "无小计".to_owned(), |r| r.fixed(true, y.score_precision)),
                    rate,
                });
            }
        }
    }
    out
}

/// From one year to the next.
fn change(years: &[YearResults], pair: &[UnitYear]) -> Change {
    let (a, b) = (&pair[0], &pair[1]);
    let delta = match (&a.total, &b.total) {
        (Some(x), Some(y)) => y.clone().checked_sub(x.clone()).ok(),
        _ => None,
    };
    let missing: Vec<String> = pair
        .iter()
        .filter(|u| u.status != STATUS_OK)
        .map(|u| match u.status {
            STATUS_ERROR => format!("{} 年度有错误", u.year),
            STATUS_INCOMPLETE => format!("{} 年度总分不完整", u.year),
            _ => format!("{} 年度无结果", u.year),
        })
        .collect();
    let grade_change = match (&a.grade, &b.grade) {
        (Some(x), Some(y)) => Some(direction(x, y, &years[0].grades, &years[1].grades)),
        _ => None,
    };
    Change {
        from: a.year,
        to: b.year,
        delta_display: delta.as_ref().map(|d| signed(d, years[1].score_precision)),
        delta,
        grade_from: a.grade.clone(),
        grade_to: b.grade.clone(),
        grade_change,
        reason: (!missing.is_empty()).then(|| missing.join("，")),
    }
}

/// `升`, `降` or `不变` by an order (best first) that has both grades — the later year's,
/// else the earlier's; `变化` when neither has both.
fn direction(from: &str, to: &str, earlier: &[String], later: &[String]) -> &'static str {
    if from == to {
        return "不变";
    }
    for order in [later, earlier] {
        let at = |g: &str| order.iter().position(|x| x == g);
        if let (Some(f), Some(t)) = (at(from), at(to)) {
            return if t < f { "升" } else { "降" };
        }
    }
    "变化"
}

fn summary(y: &YearResults, index: usize, units: &[TrendUnit]) -> YearSummary {
    let scored: Vec<&Scores> = y.units.iter().filter_map(|u| u.outcome.as_ref().ok()).collect();
    let totals: Vec<Number> = scored.iter().filter_map(|s| s.total.clone()).collect();
    let mut grades: Vec<GradeCount> = y
        .grades
        .iter()
        .map(|g| GradeCount {
            name: g.clone(),
            count: 0,
        })
        .collect();
    for grade in scored
        .iter()
        .filter(|s| s.total.is_some())
        .filter_map(|s| s.grade.as_ref())
    {
        match grades.iter_mut().find(|g| &g.name == grade) {
            Some(g) => g.count += 1,
            None => grades.push(GradeCount {
                name: grade.clone(),
                count: 1,
            }),
        }
    }
    YearSummary {
        year: y.year,
        title: y.title.clone(),
        issuer: y.issuer.clone(),
        rules_file: y.rules_file.clone(),
        rules_sha256: y.rules_sha256.clone(),
        source: y.source.clone(),
        score_precision: y.score_precision,
        units: y.units.len(),
        evaluated: totals.len(),
        incomplete: scored.len() - totals.len(),
        errors: y.units.len() - scored.len(),
        only_this_year: units
            .iter()
            .filter(|u| {
                u.years
                    .iter()
                    .enumerate()
                    .all(|(i, uy)| (uy.status != STATUS_ABSENT) == (i == index))
            })
            .count(),
        grades,
        grades_from_rules: y.grades_from_rules,
        totals: spread(totals, false, y.score_precision),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        text.parse().unwrap()
    }

    /// A unit with a total (and grade by the usual bands), or incomplete, or in error.
    fn unit(number: usize, name: &str, total: Result<Option<&str>, &str>) -> YearUnit {
        let outcome = total.map(|t| {
            let total = t.map(n);
            let grade = total.as_ref().map(|t| {
                if *t >= n("90") {
                    "优秀"
                } else if *t >= n("80") {
                    "良好"
                } else {
                    "中"
                }
                .to_owned()
            });
            Scores {
                total_display: total
                    .as_ref()
                    .map_or("不完整（已得 50.00 分）".into(), |t| t.fixed(false, 2)),
                graded: total.clone(),
                grade,
                rates: vec![(
                    "投入".into(),
                    total.as_ref().map(|t| t.clone().checked_div(n("100")).unwrap()),
                )],
                total,
            }
        });
        YearUnit {
            number,
            source: format!("第 {} 行", number + 1),
            name: name.into(),
            outcome: outcome.map_err(str::to_owned),
        }
    }

    fn year(year: u32, units: Vec<YearUnit>) -> YearResults {
        YearResults {
            year,
            title: "测试".into(),
            issuer: "局".into(),
            rules_file: format!("{year}.jx"),
            rules_sha256: String::new(),
            source: format!("{year}.json"),
            score_precision: 2,
            grades: vec!["优秀".into(), "良好".into(), "中".into()],
            grades_from_rules: true,
            categories: Some(vec![("投入".into(), n("100"))]),
            units,
        }
    }

    #[test]
    fn units_are_matched_by_name_and_none_is_dropped() {
        let a = year(
            2021,
            vec![
                unit(1, "甲", Ok(Some("85"))),
                unit(2, "乙（虚构）", Ok(Some("91.005"))),
                unit(3, "丙", Ok(Some("70"))),
            ],
        );
        let b = year(
            2022,
            vec![
                unit(1, "乙(虚构)", Ok(Some("89.5"))),
                unit(2, "甲", Ok(Some("90"))),
                unit(3, "丁", Ok(Some("60"))),
            ],
        );
        let r = compare(vec![b, a], None).unwrap();
        assert_eq!(r.year_numbers(), [2021, 2022]);
        let names: Vec<&str> = r.units.iter().map(|u| u.unit.as_str()).collect();
        // The latest year's order, then the unit found only in 2021.
        assert_eq!(names, ["乙(虚构)", "甲", "丁", "丙"]);
        assert_eq!(r.matched, 2);
        assert_eq!(r.renamed, 1);
        let yi = &r.units[0];
        assert!(yi.renamed && yi.matched);
        assert_eq!(yi.changes[0].delta, Some(n("-1.505")));
        assert_eq!(yi.changes[0].delta_display.as_deref(), Some("-1.51"));
        assert_eq!(yi.changes[0].grade_change, Some("降"));
        let jia = &r.units[1].changes[0];
        assert_eq!(
            (jia.delta_display.as_deref(), jia.grade_change),
            (Some("+5.00"), Some("升"))
        );
        let ding = &r.units[2];
        assert!(!ding.matched);
        assert_eq!(ding.years[0].status, STATUS_ABSENT);
        assert_eq!(ding.changes[0].reason.as_deref(), Some("2021 年度无结果"));
        assert_eq!((r.years[0].only_this_year, r.years[1].only_this_year), (1, 1));
    }

    #[test]
    fn errors_and_incomplete_totals_have_no_change_and_say_why() {
        let a = year(2021, vec![unit(1, "甲", Err("缺少 编制人数")), unit(2, "乙", Ok(None))]);
        let b = year(2022, vec![unit(1, "甲", Ok(Some("80"))), unit(2, "乙", Ok(Some("80")))]);
        let r = compare(vec![a, b], None).unwrap();
        let [jia, yi] = [&r.units[0], &r.units[1]];
        assert_eq!(jia.years[0].status, STATUS_ERROR);
        assert_eq!(jia.years[0].reason.as_deref(), Some("缺少 编制人数"));
        assert_eq!(jia.changes[0].reason.as_deref(), Some("2021 年度有错误"));
        assert_eq!(jia.changes[0].delta, None);
        assert_eq!(yi.years[0].status, STATUS_INCOMPLETE);
        assert_eq!(yi.changes[0].reason.as_deref(), Some("2021 年度总分不完整"));
        // Both are matched: they have results in both years.
        assert_eq!(r.matched, 2);
        let y = &r.years[0];
        assert_eq!((y.units, y.evaluated, y.incomplete, y.errors), (2, 0, 1, 1));
        assert!(y.totals.is_none());
    }

    #[test]
    fn a_name_twice_in_one_year_is_not_matched() {
        let a = year(2021, vec![unit(1, "甲", Ok(Some("85")))]);
        let b = year(
            2022,
            vec![unit(1, "甲", Ok(Some("90"))), unit(2, "甲 ", Ok(Some("70")))],
        );
        let r = compare(vec![a, b], None).unwrap();
        assert_eq!(r.units.len(), 3);
        assert!(r.units.iter().all(|u| !u.matched && u.note.is_some()));
        assert!(
            r.warnings[0].contains("名为「甲」的单位 2022 年度有 2 个（第 1、2 个）"),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn the_median_and_quartiles_are_exact() {
        let a = year(
            2021,
            ["60", "70", "80", "95"]
                .iter()
                .enumerate()
                .map(|(i, t)| unit(i + 1, &format!("单位{i}"), Ok(Some(t))))
                .collect(),
        );
        let b = year(2022, vec![unit(1, "单位0", Ok(Some("88.885")))]);
        let r = compare(vec![a, b], None).unwrap();
        let t = r.years[0].totals.clone().unwrap();
        assert_eq!(
            (t.min, t.q1, t.median, t.q3, t.max),
            (n("60"), n("67.5"), n("75"), n("83.75"), n("95"))
        );
        assert_eq!(r.years[1].totals.clone().unwrap().median_display, "88.89");
        let grades: Vec<(&str, usize)> = r.years[0].grades.iter().map(|g| (g.name.as_str(), g.count)).collect();
        assert_eq!(grades, [("优秀", 1), ("良好", 1), ("中", 2)]);
        assert_eq!(r.categories[0].medians[0].clone().unwrap().median_display, "75.00%");
    }

    #[test]
    fn grade_directions() {
        let order = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, b) = (order(&["优秀", "良好", "中"]), order(&["优秀", "合格"]));
        assert_eq!(direction("良好", "优秀", &a, &b), "升");
        assert_eq!(direction("优秀", "中", &a, &b), "降");
        assert_eq!(direction("中", "合格", &a, &b), "变化");
        assert_eq!(direction("中", "中", &a, &b), "不变");
    }

    #[test]
    fn rule_sets_of_another_title_are_compared_with_a_warning() {
        let a = year(2021, vec![unit(1, "甲", Ok(Some("85")))]);
        let mut b = year(2022, vec![unit(1, "甲", Ok(Some("90")))]);
        b.title = "另一市".into();
        let r = compare(vec![a, b], None).unwrap();
        assert_eq!(
            r.warnings,
            ["各年度规则的标题不同（2021 年度「测试」，2022 年度「另一市」）：请确认是同一地区、同一类评价的结果"]
        );
        assert_eq!(r.title(), "另一市");
    }

    #[test]
    fn refusals() {
        let one = compare(vec![year(2021, vec![unit(1, "甲", Ok(Some("1")))])], None).unwrap_err();
        assert!(one.contains("至少需要两个年度"), "{one}");
        let twice = compare(
            vec![year(2021, vec![unit(1, "甲", Ok(Some("1")))]), year(2021, vec![])],
            None,
        )
        .unwrap_err();
        assert!(twice.contains("都是 2021 年度的结果"), "{twice}");
    }
}
