//! The seed unit (岳阳市城市管理综合执法支队, 2021) under `rules/yueyang-2021.jx`:
//! every figure of `shared/domain/seed-figures.md` §2–§4, asserted explicitly.

use jixiao::number::Number;
use jixiao::report::Evaluation;
use rust_decimal::Decimal;
use std::str::FromStr;

fn seed() -> Evaluation {
    let root = crate::root();
    let compiled = crate::compile(
        "rules/yueyang-2021.jx",
        &crate::read(&root.join("rules/yueyang-2021.jx")),
    );
    let data = crate::read(&root.join("examples/yueyang-2021/chengguan-zhifa.toml"));
    let record = jixiao::load_data(&compiled.model, "chengguan-zhifa.toml", &data, jixiao::DataFormat::Toml)
        .unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&e)));
    jixiao::evaluate(&compiled.model, &record, true)
        .unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&*e)))
}

fn d(s: &str) -> Number {
    Number::from_str(s).unwrap()
}

fn shown(ev: &Evaluation, name: &str) -> String {
    if let Some(ind) = ev.indicators.iter().find(|i| i.name == name) {
        return ind.display.clone().unwrap_or_default();
    }
    panic!("no indicator {name}")
}

fn value(ev: &Evaluation, name: &str) -> Number {
    let text = &ev
        .values
        .0
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no value {name}"))
        .1;
    d(text)
}

fn pct(x: Number) -> String {
    jixiao::eval::value::format_decimal(x, true, 2)
}

#[test]
fn seed_rates_recompute_as_in_seed_figures() {
    let ev = seed();
    assert_eq!(shown(&ev, "财政供养人员控制率"), "79.31%"); // the report says 80%
    assert_eq!(shown(&ev, "三公经费变动率"), "2.41%");
    assert_eq!(shown(&ev, "重点支出安排率"), "94.20%");
    assert_eq!(shown(&ev, "预算调整率"), "20.20%");
    assert_eq!(shown(&ev, "三公经费控制率"), "29.23%");
    assert_eq!(pct(value(&ev, "预算完成率")), "120.20%"); // the report says 100%
    assert_eq!(pct(value(&ev, "三公经费同比变动")), "-9.17%");
    assert_eq!(pct(value(&ev, "基本支出占比")), "62.88%");
    assert_eq!(pct(value(&ev, "项目支出占比")), "37.12%");
    // Exact, not rounded: 138 / 174.
    assert_eq!(value(&ev, "财政供养人员控制率"), d("23/29"));
    assert_eq!(value(&ev, "财政供养人员控制率").to_string(), "23/29");
}

#[test]
fn seed_cross_checks() {
    let ev = seed();
    let check = |name: &str| {
        ev.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no check {name}"))
    };
    for name in [
        "收入合计平衡",
        "实际收入构成",
        "支出合计平衡",
        "基本支出构成",
        "当年结余",
        "累计结余",
        "三公经费合计",
        "三公经费预算构成",
        "上年三公经费构成",
        "固定资产构成",
        "固定资产增减",
        "基本支出经济分类",
        // 公用支出 (table) = 公用经费 (text) + 资本性支出: the comparison holds.
        "公用经费口径",
    ] {
        assert!(check(name).ok, "{name} should hold");
    }
    assert_eq!(check("收入合计平衡").left, Some(d("3696.83")));
    assert_eq!(check("当年结余").right, Some(d("-55.41")));
    assert_eq!(check("固定资产增减").right, Some(d("747.40")));
    // 727.80 in the table vs 747.40 in the text: different scope, shown, not hidden.
    let scope = check("固定资产口径");
    assert!(!scope.ok);
    assert_eq!(scope.severity, "警告");
    assert_eq!(scope.difference, Some(d("-19.60")));
}

#[test]
fn seed_scores_total_and_grade() {
    let ev = seed();
    let score = |name: &str| {
        (ev.indicators.iter().find(|i| i.name == name).unwrap().score)
            .clone()
            .unwrap()
    };
    assert_eq!(score("财政供养人员控制率"), d("5"));
    // 5 − 0.5 × 2.40909… = 3.7954545…
    assert_eq!(
        jixiao::eval::value::round_half_away(score("三公经费变动率"), 4).unwrap(),
        d("3.7955")
    );
    assert_eq!(score("重点支出安排率"), d("5"));
    assert_eq!(score("预算调整率"), d("0.5"));
    assert_eq!(score("支付进度"), d("3"));
    assert_eq!(score("资金结余"), d("3"));
    assert_eq!(score("三公经费控制率"), d("6"));
    let category = |name: &str| ev.categories.iter().find(|c| c.name == name).unwrap();
    assert_eq!(category("预算配置").score_display, "13.80");
    assert_eq!(
        jixiao::eval::value::round_half_away(category("预算配置").score.clone().unwrap(), 4).unwrap(),
        d("13.7955")
    );
    assert_eq!(category("预算执行").score, Some(d("12.5")));
    assert_eq!(category("预算管理").score, Some(d("15")));
    assert_eq!(category("资产管理").score, Some(d("10")));
    assert_eq!(category("职责履行").score, Some(d("23")));
    assert_eq!(category("履职效益").score, Some(d("20")));
    assert_eq!(ev.total_display, "94.30");
    assert_eq!(
        jixiao::eval::value::round_half_away(ev.total.unwrap(), 4).unwrap(),
        d("94.2955")
    );
    assert_eq!(ev.grade.as_deref(), Some("优秀"));
    let weights = ev
        .categories
        .iter()
        .filter(|c| c.level == 1)
        .try_fold(Number::ZERO, |a, c| a.checked_add(c.weight.clone()))
        .unwrap();
    assert_eq!(weights, d("100"));
}

#[test]
fn seed_self_evaluation_is_carried() {
    let ev = seed();
    assert_eq!(ev.self_evaluation.total, Some(Decimal::from(97)));
    assert_eq!(ev.self_evaluation.grade.as_deref(), Some("优秀"));
    let self_scores: Decimal = ev.categories.iter().filter_map(|c| c.self_score).sum();
    assert_eq!(self_scores, Decimal::from(97));
}
