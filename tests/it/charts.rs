//! The charts (jixiao_io::chart) on a small fixed city: five units of a four-indicator
//! rule file, one incomplete and one in error. Each chart's SVG is snapshotted, parsed as
//! XML, and its bars measured against the exact figures.

use std::collections::BTreeMap;

use jixiao::number::Number;
use jixiao_io::batch::output::UnitStats;
use jixiao_io::chart::{self, City};
use jixiao_io::diff::{DiffReport, DiffSide, UnitEffect};
use quick_xml::events::Event;
use rust_decimal::Decimal;

/// Two 一级 categories, each with one 二级 and two 三级 indicators scored by review.
const RULES: &str = include_str!("../charts/rules.jx");

/// (name, review scores of 执行率, 结余, 完成率, 满意度; `None` not given).
const UNITS: [(&str, [Option<&str>; 4]); 5] = [
    ("甲单位", [Some("20"), Some("10"), Some("40"), Some("30")]),
    ("乙单位", [Some("15"), Some("8"), Some("36"), Some("27")]),
    ("丙单位", [Some("10"), Some("5"), Some("30"), Some("21")]),
    ("丁单位", [Some("18"), Some("6"), Some("38"), Some("26")]),
    // 满意度 not given: evaluated in part, no total.
    ("戊单位<&>", [Some("10"), Some("5"), Some("30"), None]),
];

fn rules() -> jixiao::Rules {
    jixiao::Rules::compile("图表测试.jx", RULES).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The city: the five units above (evaluated through the API) and one in error.
fn city_units(rules: &jixiao::Rules) -> Vec<UnitStats> {
    let names = ["执行率", "结余", "完成率", "满意度"];
    let mut units: Vec<UnitStats> = UNITS
        .iter()
        .enumerate()
        .map(|(i, (name, scores))| {
            let mut b = rules.unit(*name);
            for (indicator, score) in names.iter().zip(scores) {
                if let Some(s) = score {
                    b.review(indicator, s.parse::<Decimal>().unwrap());
                }
            }
            let options = jixiao::Options::default().partial(true);
            let ev = rules.evaluate(&b.build(), &options).expect("evaluated");
            UnitStats::evaluated(i + 1, format!("第 {} 行", i + 2), name.to_string(), &ev)
        })
        .collect();
    units.push(UnitStats {
        number: 6,
        source: "第 7 行".into(),
        unit: "己单位".into(),
        outcome: Err("评审 完成率 的分数 45 超出 0 到 40".into()),
    });
    units
}

fn city() -> (jixiao::Rules, Vec<UnitStats>, City) {
    let rules = rules();
    let units = city_units(&rules);
    let city = City::new(&rules.compiled().model, &units);
    (rules, units, city)
}

/// One element of a drawing: its name, attributes and text.
#[derive(Debug)]
pub struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

/// Parses the SVG as XML (failing on anything malformed: unbalanced tags, bad entities,
/// bad attributes) into its elements in document order.
pub fn parse(svg: &str) -> Vec<Element> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut out: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        let event = reader.read_event().unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let mut attrs = BTreeMap::new();
                for a in e.attributes() {
                    let a = a.unwrap_or_else(|err| panic!("bad attribute: {err}"));
                    let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                    let value = a
                        .decode_and_unescape_value(reader.decoder())
                        .unwrap_or_else(|err| panic!("bad value: {err}"));
                    assert!(attrs.insert(key, value.into_owned()).is_none(), "attribute twice");
                }
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                out.push(Element {
                    name,
                    attrs,
                    text: String::new(),
                });
                if matches!(event, Event::Start(_)) {
                    open.push(out.len() - 1);
                }
            }
            Event::End(_) => {
                open.pop().expect("an end tag closes an open element");
            }
            Event::Text(t) => {
                let text = t.decode().unwrap();
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8(r.to_vec()).unwrap();
                let c = match name.as_str() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    "apos" => '\'',
                    n => n
                        .strip_prefix('#')
                        .and_then(|d| d.parse::<u32>().ok())
                        .and_then(char::from_u32)
                        .unwrap_or_else(|| panic!("unknown entity &{n};")),
                };
                if let Some(&i) = open.last() {
                    out[i].text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    assert_eq!(out.first().map(|e| e.name.as_str()), Some("svg"));
    // Every id is unique, and every url(#…) names one of them.
    let ids: Vec<&str> = out
        .iter()
        .filter_map(|e| e.attrs.get("id").map(String::as_str))
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicate ids");
    for e in &out {
        if let Some(fill) = e.attrs.get("fill").and_then(|f| f.strip_prefix("url(#")) {
            assert!(
                ids.contains(&fill.trim_end_matches(')')),
                "fill {fill} names no pattern"
            );
        }
        assert!(
            !e.attrs.contains_key("style"),
            "inline style (the workbench's CSP forbids it)"
        );
    }
    assert!(!out.iter().any(|e| e.name == "style" || e.name == "script"));
    out
}

pub fn texts(elements: &[Element]) -> Vec<&str> {
    elements
        .iter()
        .filter(|e| e.name == "text")
        .map(|e| e.text.as_str())
        .collect()
}

fn attr(e: &Element, name: &str) -> f64 {
    e.attrs[name].parse().unwrap()
}

/// The tooltips of the drawing's groups.
fn tips(elements: &[Element]) -> Vec<&str> {
    elements
        .iter()
        .filter(|e| e.name == "title")
        .skip(1)
        .map(|e| e.text.as_str())
        .collect()
}

fn snapshot(name: &str, svg: &str) {
    crate::in_snapshot_dir(|| insta::assert_snapshot!(name, svg));
}

#[test]
fn the_city_figures_come_from_the_evaluated_units_only() {
    let (_, units, city) = city();
    assert_eq!(units.len(), 6);
    assert_eq!((city.units, city.evaluated, city.incomplete, city.errors), (6, 4, 1, 1));
    let totals: Vec<String> = city.totals.iter().map(|t| t.to_string()).collect();
    assert_eq!(totals, ["66", "86", "88", "100"]);
}

#[test]
fn grade_distribution() {
    let (_, _, city) = city();
    let c = chart::grades::chart(&city);
    let e = parse(&c.svg);
    snapshot("chart_grades", &c.svg);
    // Bars are as tall as their counts: 优秀 1, 良好 2, 中 1, 不完整 1, 错误 1 (差 0: no bar).
    let bars: Vec<&Element> = e
        .iter()
        .filter(|x| x.name == "rect" && x.attrs.contains_key("x"))
        .collect();
    let heights: Vec<f64> = bars.iter().map(|b| attr(b, "height")).collect();
    assert_eq!(heights.len(), 5);
    assert_eq!(heights[1], 2.0 * heights[0]);
    assert!(heights.iter().enumerate().all(|(i, h)| i == 1 || *h == heights[0]));
    assert_eq!(bars[3].attrs["fill"], "url(#jx-grades-hatch)");
    assert_eq!(bars[4].attrs["fill"], "url(#jx-grades-cross)");
    let t = texts(&e);
    for label in [
        "1（16.67%）",
        "2（33.33%）",
        "0（0.00%）",
        "优秀",
        ">= 90",
        "[80, 90)",
        "不完整",
        "错误",
    ] {
        assert!(t.contains(&label), "{label} missing from {t:?}");
    }
    assert!(tips(&e).contains(&"良好（[80, 90)）：2 个单位，占全部 6 个单位的 33.33%"));
}

#[test]
fn total_histogram_with_the_grade_thresholds() {
    let (_, _, city) = city();
    let c = chart::histogram::chart(&city);
    let e = parse(&c.svg);
    snapshot("chart_totals", &c.svg);
    let tips = tips(&e);
    assert!(tips.contains(&"总分 [65, 70)：1 个单位"));
    assert!(tips.contains(&"总分 [85, 90)：2 个单位"));
    assert!(tips.contains(&"总分 [95, 100]：1 个单位"));
    assert!(tips.contains(&"等级分数线：良好 80（[80, 90)）"));
    // Empty bins below 55 (one below the 中 band's 60) are left out, and said so.
    assert!(texts(&e).iter().any(|t| t.contains("低于 55 分的组没有单位")));
    // The dashed threshold lines stand at 60, 80 and 90 on the axis.
    let x_of = |label: &str| {
        let tick = e.iter().find(|x| x.name == "text" && x.text == label).unwrap();
        attr(tick, "x")
    };
    let dashed: Vec<f64> = e
        .iter()
        .filter(|x| x.name == "line" && x.attrs.contains_key("stroke-dasharray"))
        .map(|x| attr(x, "x1"))
        .collect();
    assert_eq!(dashed, [x_of("60"), x_of("80"), x_of("90")]);
}

#[test]
fn indicator_rates_lowest_first_with_bars_in_proportion() {
    let (_, _, city) = city();
    let c = chart::indicators::chart(&city);
    let e = parse(&c.svg);
    snapshot("chart_indicators", &c.svg);
    // Mean scores: 结余 7.25/10, 执行率 15.75/20, 满意度 26/30, 完成率 36/40.
    let t = texts(&e);
    let order: Vec<&str> = ["结余", "执行率", "满意度", "完成率"]
        .into_iter()
        .filter(|n| t.contains(n))
        .collect();
    let at = |s: &str| t.iter().position(|x| *x == s).unwrap();
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{t:?}");
    for figure in ["72.50%", "78.75%", "86.67%", "90.00%"] {
        assert!(t.contains(&figure), "{figure} missing from {t:?}");
    }
    // Bar widths over the 0–100% axis are the rates.
    let axis = |p: &str| attr(e.iter().find(|x| x.name == "text" && x.text == p).unwrap(), "x");
    let (zero, hundred) = (axis("0%"), axis("100%"));
    let widths: Vec<f64> = e
        .iter()
        .filter(|x| x.name == "rect" && x.attrs.get("fill").map(String::as_str) == Some("#4a6d8c"))
        .map(|x| attr(x, "width") / (hundred - zero))
        .collect();
    let expected = [0.725, 0.7875, 26.0 / 30.0, 0.9];
    assert_eq!(widths.len(), 4);
    for (w, x) in widths.iter().zip(expected) {
        assert!((w - x).abs() < 0.002, "{w} vs {x}");
    }
    assert!(tips(&e)
        .contains(&"投入 / 预算 / 结余：平均得分 7.25 分（分值 10），得分率 72.50%；按 4 个有得分的已评价单位计算"));
}

#[test]
fn category_spread() {
    let (_, _, city) = city();
    let c = chart::categories::chart(&city);
    let e = parse(&c.svg);
    snapshot("chart_categories", &c.svg);
    // 投入 rates 15/30, 23/30, 24/30, 30/30: median (23 + 24)/60 = 78.33%.
    let t = texts(&e);
    assert!(t.contains(&"中位 78.33%（50.00%～100.00%）"), "{t:?}");
    assert!(tips(&e).contains(
        &"投入：4 个单位的得分率，最低 50.00%，下四分位 70.00%，中位数 78.33%，上四分位 85.00%，最高 100.00%"
    ));
}

#[test]
fn one_unit_against_the_median() {
    let (_, units, city) = city();
    let profiles = chart::profile::Profiles::new(&city);
    let profile = |u: &UnitStats| match &u.outcome {
        Ok(s) => profiles.chart(u.number, &s.category_rates),
        Err(e) => panic!("{e}"),
    };
    let svg = profile(&units[1]);
    let e = parse(&svg);
    snapshot("chart_profile", &svg);
    // 乙单位: 投入 23/30 = 76.67% against the median 78.33%.
    assert!(texts(&e).contains(&"76.67%（中位 78.33%）"));
    assert_eq!(e[0].attrs["id"], "jx-profile-2");
    // The incomplete unit: no 产出 subtotal, so no bar there, and the chart says so.
    let svg = profile(&units[4]);
    assert!(texts(&parse(&svg)).contains(&"无小计（中位 90.71%）"));
}

#[test]
fn charts_of_no_units_and_of_units_all_in_error() {
    let rules = rules();
    let model = &rules.compiled().model;
    let errors: Vec<UnitStats> = (1..=2)
        .map(|i| UnitStats {
            number: i,
            source: String::new(),
            unit: format!("单位{i}"),
            outcome: Err("错误".into()),
        })
        .collect();
    for city in [City::new(model, []), City::new(model, &errors)] {
        for c in chart::summary(&city) {
            let e = parse(&c.svg);
            // No bar of data is drawn (only the legend's swatch of the spread chart and
            // the 错误 bar of the grade chart).
            let bars = e
                .iter()
                .filter(|x| x.name == "rect" && x.attrs.contains_key("x"))
                .count();
            let expected = match c.id.as_str() {
                "jx-grades" => usize::from(city.errors > 0),
                "jx-categories" => 1,
                _ => 0,
            };
            assert_eq!(bars, expected, "{}", c.id);
        }
        let profile = chart::profile::Profiles::new(&city).chart(1, &[]);
        assert!(texts(&parse(&profile)).contains(&"无小计（中位 —）"));
    }
}

fn effect(number: usize, unit: &str, old: &str, new: &str, grades: (&str, &str)) -> UnitEffect {
    let (o, n): (Number, Number) = (old.parse().unwrap(), new.parse().unwrap());
    UnitEffect {
        number,
        unit: unit.into(),
        delta: Some(n.clone().checked_sub(o.clone()).unwrap()),
        old_total: Some(o),
        new_total: Some(n),
        old_grade: Some(grades.0.into()),
        new_grade: Some(grades.1.into()),
        grade_changed: grades.0 != grades.1,
        changes: Vec::new(),
        error: None,
        incomplete: None,
    }
}

#[test]
fn each_units_change_under_new_rules() {
    let side = |year| DiffSide {
        file: format!("rules-{year}.jx"),
        title: "图表测试".into(),
        year,
        sha256: String::new(),
    };
    let mut failed = effect(4, "丁单位", "0", "0", ("中", "中"));
    failed.delta = None;
    failed.error = Some("旧规则：缺少 编制人数".into());
    let report = DiffReport {
        version: jixiao::JSON_VERSION,
        old: side(2023),
        new: side(2024),
        rule_changes: Vec::new(),
        units: vec![
            effect(1, "甲单位", "86", "91.5", ("良好", "优秀")),
            effect(2, "乙单位", "70.125", "67.875", ("中", "中")),
            effect(3, "丙单位 <A&B>", "88", "88", ("良好", "良好")),
            failed,
        ],
        units_changed: 2,
        grades_changed: 1,
    };
    let c = chart::change::chart(&report, 2);
    let e = parse(&c.svg);
    snapshot("chart_changes", &c.svg);
    let t = texts(&e);
    // Largest gain first; totals 四舍五入 at two places (70.125 → 70.13).
    let a = t.iter().position(|x| *x == "+5.50（86.00→91.50），良好→优秀").unwrap();
    let b = t.iter().position(|x| *x == "0.00（88.00→88.00）").unwrap();
    let c_ = t.iter().position(|x| *x == "-2.25（70.13→67.88）").unwrap();
    assert!(a < b && b < c_, "{t:?}");
    assert!(t.iter().any(|x| x.contains("1 个单位无法比较")));
    // A unit's name is text, never markup.
    assert!(t.contains(&"丙单位 <A&B>"));
    assert!(c.svg.contains("丙单位 &lt;A&amp;B&gt;"));
    // The gain is hatched (its grade changed) and 5.5 / 2.25 times as long as the loss.
    let bars: Vec<&Element> = e
        .iter()
        .filter(|x| x.name == "rect" && x.attrs.contains_key("y") && attr(x, "y") > 70.0)
        .collect();
    assert_eq!(bars.len(), 2);
    assert_eq!(bars[0].attrs["fill"], "url(#jx-changes-hatch)");
    let ratio = attr(bars[0], "width") / attr(bars[1], "width");
    assert!((ratio - 5.5 / 2.25).abs() < 0.02, "{ratio}");
}

/// The HTML outputs: a one-document report of several units has the summary charts and a
/// profile per unit; a report set (each unit a file, written as it comes) has the charts
/// in `汇总.html` and no profile; one unit's report has neither (nothing to compare with).
#[test]
fn html_reports_carry_the_charts_where_the_medians_are_known() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let (code, _, err) = crate::jixiao(args);
        assert_eq!(code, 0, "{err}");
    };
    let rules = "rules/yueyang-2021.jx";
    let units = "examples/yueyang-2021/units.csv";
    let folder = dir.path().join("报告");
    run(&["eval", rules, units, "-o", &format!("{}/", folder.display())]);
    let summary = crate::read(&folder.join("汇总.html"));
    for id in ["jx-grades", "jx-totals", "jx-indicators", "jx-categories"] {
        assert!(summary.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let mut unit_files = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() == "汇总.html" {
            continue;
        }
        let html = crate::read(&path);
        assert!(
            !html.contains("<svg") && !html.contains("jixiao:profile"),
            "{}",
            path.display()
        );
        unit_files += 1;
    }
    assert_eq!(unit_files, 7);

    let one = dir.path().join("一个单位.html");
    run(&[
        "eval",
        rules,
        "examples/yueyang-2021/chengguan-zhifa.toml",
        "-o",
        one.to_str().unwrap(),
    ]);
    let html = crate::read(&one);
    assert!(!html.contains("<svg") && !html.contains("jixiao:profile"));
}
