//! Exact arithmetic (issue 15): every exact value in the JSON report is the exact rational
//! result, and every rounding (显示, 得分精度, `round`, the grade's `round(总分, 2)`) is decided
//! on that exact value, ties included.
//!
//! Read from `serde_json::to_value(&Evaluation)`, the stable contract, so these tests do not
//! depend on jixiao's internal number type. An exact value there is a string: a terminating
//! value is a plain decimal without trailing zeros or exponent (`"2.015"`, `"4"`, `"-0.5"`); a
//! non-terminating one is a reduced fraction `"n/d"` with d > 1 (`"23/29"`, `"-7/3"`).
//!
//! Two parts: the issue's cases on `rules/yueyang-2021.jx` and small rule files, and a property
//! test that evaluates generated rule files and data with jixiao and with an independent
//! big-rational reference written here (its own evaluator, 四舍五入, criteria and grade).

use std::collections::HashMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use proptest::prelude::*;
use serde_json::Value as Json;

type Q = BigRational;

// ── exact numbers, rounding and display, independently of jixiao ─────────

fn int(n: i64) -> Q {
    Q::from_integer(BigInt::from(n))
}

fn pow10(n: u32) -> Q {
    Q::from_integer(BigInt::from(10).pow(n))
}

fn frac(n: i64, d: i64) -> Q {
    Q::new(BigInt::from(n), BigInt::from(d))
}

/// A plain decimal as written in rule and data files (`382.85`, `-0.5`, `95%`).
fn dec(s: &str) -> Q {
    let (body, percent) = match s.strip_suffix('%') {
        Some(t) => (t, true),
        None => (s, false),
    };
    let (negative, digits) = match body.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, body),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) && fraction.bytes().all(|b| b.is_ascii_digit()),
        "not a plain decimal: {s:?}"
    );
    let n: BigInt = format!("{whole}{fraction}").parse().unwrap();
    let mut x = Q::new(n, BigInt::from(10).pow(fraction.len() as u32));
    if percent {
        x /= int(100);
    }
    if negative {
        -x
    } else {
        x
    }
}

/// An exact number as the JSON report gives it: a plain decimal (with or without trailing
/// zeros, so that today's cut values parse and compare by value) or a fraction `n/d`, d > 1.
fn parse_exact(s: &str) -> Option<Q> {
    if let Some((n, d)) = s.split_once('/') {
        let n: BigInt = n.parse().ok()?;
        let d: BigInt = d.parse().ok()?;
        return (d > BigInt::one()).then(|| Q::new(n, d));
    }
    let body = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || (body.contains('.') && fraction.is_empty()) {
        return None;
    }
    Some(dec(s))
}

/// The documented exact form of a value: plain decimal if it terminates, else `n/d`.
fn exact_form(x: &Q) -> String {
    let mut rest = x.denom().clone();
    let (mut twos, mut fives) = (0u32, 0u32);
    while (&rest % 2u32).is_zero() {
        rest /= 2u32;
        twos += 1;
    }
    while (&rest % 5u32).is_zero() {
        rest /= 5u32;
        fives += 1;
    }
    if !rest.is_one() {
        return format!("{}/{}", x.numer(), x.denom());
    }
    let places = twos.max(fives);
    digits_at(&(x * pow10(places)).to_integer(), places)
}

/// An integer `m` read as `m / 10^places`, written with exactly `places` decimals.
fn digits_at(m: &BigInt, places: u32) -> String {
    let sign = if m.is_negative() { "-" } else { "" };
    let digits = format!("{:0>width$}", m.abs().to_string(), width = places as usize + 1);
    let (whole, fraction) = digits.split_at(digits.len() - places as usize);
    let point = if places > 0 { "." } else { "" };
    format!("{sign}{whole}{point}{fraction}")
}

/// 四舍五入: half away from zero, decided on the exact value.
fn round_half(x: &Q, places: u32) -> Q {
    let r = (x.abs() * pow10(places) + frac(1, 2)).floor();
    let r = if x.is_negative() { -r } else { r };
    r / pow10(places)
}

/// `x` rounded and written with exactly `places` decimals; zero is never `-0.00`.
fn fixed(x: &Q, places: u32) -> String {
    digits_at(&(round_half(x, places) * pow10(places)).to_integer(), places)
}

/// What `显示 [百分比] N` shows.
fn shown(x: &Q, percent: bool, places: u32) -> String {
    if percent {
        format!("{}%", fixed(&(x * int(100)), places))
    } else {
        fixed(x, places)
    }
}

/// `x` lies exactly halfway between two values with `places` decimals.
fn is_tie(x: &Q, places: u32) -> bool {
    let y = x * pow10(places) * int(2);
    y.is_integer() && !(y.to_integer() % 2u32).is_zero()
}

fn max_q(a: Q, b: Q) -> Q {
    if a > b {
        a
    } else {
        b
    }
}

fn min_q(a: Q, b: Q) -> Q {
    if a < b {
        a
    } else {
        b
    }
}

#[test]
fn the_reference_helpers_agree_with_the_documented_examples() {
    // docs/language.md §7.4: round(2.675, 2) = 2.68, round(0.125, 2) = 0.13,
    // round(-0.125, 2) = −0.13, round(2.5, 0) = 3.
    assert_eq!(fixed(&dec("2.675"), 2), "2.68");
    assert_eq!(fixed(&dec("0.125"), 2), "0.13");
    assert_eq!(fixed(&dec("-0.125"), 2), "-0.13");
    assert_eq!(fixed(&dec("2.5"), 0), "3");
    assert_eq!(fixed(&dec("-0.001"), 2), "0.00");
    assert_eq!(shown(&frac(138, 174), true, 2), "79.31%");
    assert_eq!(exact_form(&frac(403, 200)), "2.015");
    assert_eq!(exact_form(&int(4)), "4");
    assert_eq!(exact_form(&frac(-1, 2)), "-0.5");
    assert_eq!(exact_form(&frac(23, 29)), "23/29");
    assert_eq!(exact_form(&frac(-7, 3)), "-7/3");
    assert_eq!(
        exact_form(&dec("0.00000000000000000000000000001")),
        "0.00000000000000000000000000001"
    );
    assert_eq!(parse_exact("-7/3"), Some(frac(-7, 3)));
    assert_eq!(parse_exact("2.0150"), Some(frac(403, 200)));
    assert_eq!(parse_exact("4/1"), None);
    assert_eq!(parse_exact("1e3"), None);
    assert!(is_tie(&dec("59.995"), 2) && !is_tie(&dec("59.994"), 2) && is_tie(&dec("0.125"), 2));
}

// ── reading the JSON report ──────────────────────────────────────────────

fn report(compiled: &jixiao::Compiled, data: &str) -> Json {
    let record = jixiao::load_data(&compiled.model, "t.toml", data, jixiao::DataFormat::Toml)
        .unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&e)));
    let ev = jixiao::evaluate(&compiled.model, &record, false)
        .unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&*e)));
    serde_json::to_value(&ev).expect("the report serialises")
}

fn entry<'a>(report: &'a Json, list: &str, name: &str) -> &'a Json {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in the report"))
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {list} entry {name}"))
}

fn text(v: &Json) -> &str {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}"))
}

// ── the issue's cases on the 2021 rules ──────────────────────────────────

const RULES: &str = "rules/yueyang-2021.jx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

fn yueyang() -> jixiao::Compiled {
    crate::compile(RULES, &crate::read(&crate::root().join(RULES)))
}

/// The seed unit's data with figures changed.
fn seed_with(edit: impl FnOnce(&mut toml_edit::DocumentMut)) -> String {
    let mut doc: toml_edit::DocumentMut = crate::read(&crate::root().join(SEED)).parse().unwrap();
    edit(&mut doc);
    doc.to_string()
}

/// Sets an input wherever the seed file keeps it (its group tables).
fn set(doc: &mut toml_edit::DocumentMut, key: &str, value: toml_edit::Item) {
    fn walk(table: &mut toml_edit::Table, key: &str, value: &toml_edit::Item) -> bool {
        for (k, item) in table.iter_mut() {
            if k.get() == key {
                *item = value.clone();
                return true;
            }
            if let Some(t) = item.as_table_mut() {
                if walk(t, key, value) {
                    return true;
                }
            }
        }
        false
    }
    assert!(walk(doc.as_table_mut(), key, &value), "the seed has no field {key}");
}

fn amount(s: &str) -> toml_edit::Item {
    toml_edit::value(s)
}

fn count(n: i64) -> toml_edit::Item {
    toml_edit::value(n)
}

fn targets(doc: &mut toml_edit::DocumentMut) -> &mut toml_edit::ArrayOfTables {
    doc["绩效目标"]
        .as_array_of_tables_mut()
        .expect("the seed lists its targets")
}

/// Replaces the unit's targets of one category by `total` qualitative ones, `met` of them met.
fn replace_targets(doc: &mut toml_edit::DocumentMut, category: &str, total: usize, met: usize) {
    let list = targets(doc);
    list.retain(|t| t.get("类别").and_then(|c| c.as_str()) != Some(category));
    for i in 0..total {
        let mut t = toml_edit::Table::new();
        t["类别"] = toml_edit::value(category);
        t["名称"] = toml_edit::value(format!("{category}目标{}", i + 1));
        t["目标"] = toml_edit::value("按要求完成。");
        t["实际"] = toml_edit::value(if i < met { "已完成。" } else { "未完成。" });
        t["达成"] = toml_edit::value(i < met);
        list.push(t);
    }
}

/// The seed with 三公经费变动率 at 0 (上年三公经费预算 = 三公经费预算): every score terminates,
/// total 95.5 (5 + 5 + 5, 0.5 + 3 + 3 + 6, 15, 10, 23, 20).
fn seed_terminating(doc: &mut toml_edit::DocumentMut) {
    set(doc, "上年三公经费预算", amount("45.06"));
}

#[test]
fn fixed_asset_use_382_85_of_600_scores_2_02() {
    // 固定资产合计 600.00 of which 382.85 in use (固定资产构成 still balances).
    let r = report(
        &yueyang(),
        &seed_with(|doc| {
            set(doc, "固定资产合计", amount("600.00"));
            set(doc, "在用固定资产", amount("382.85"));
            set(doc, "其他固定资产", amount("217.15"));
        }),
    );
    let ind = entry(&r, "indicators", "固定资产利用率");
    let sub = entry(&r, "categories", "资产管理");
    // (3 × 382.85/600) ÷ 95% = 2.015 exactly, a tie at two decimals: 2.02.
    assert_eq!(
        text(&ind["score_display"]),
        "2.02",
        "固定资产利用率 score_display: (3 × 382.85/600) ÷ 95% is exactly 2.015, which rounds half away to 2.02"
    );
    assert_eq!(
        text(&sub["score_display"]),
        "9.02",
        "资产管理 subtotal display: 3 + 4 + 2.015 = 9.015 → 9.02"
    );
    assert_eq!(text(&ind["display"]), "63.81%", "固定资产利用率 display");
    // The seed's total 4149/44 with this indicator's 3 replaced by 2.015.
    let total = dec("2.015") - int(3) + frac(4149, 44);
    assert_eq!(text(&r["total_display"]), "93.31", "total display");
    assert_eq!(text(&r["grade"]), "优秀");
    assert_eq!(text(&ind["score"]), "2.015", "固定资产利用率 score, exactly");
    assert_eq!(text(&sub["score"]), "9.015", "资产管理 subtotal, exactly");
    // 382.85 / 600 = 0.63808333…: the fraction 7657/12000.
    assert_eq!(
        text(&ind["value"]),
        "7657/12000",
        "固定资产利用率 value (382.85 / 600), exactly"
    );
    assert_eq!(text(&r["total"]), exact_form(&total), "total, exactly");
}

#[test]
fn quality_rate_1_of_48_scores_0_13_and_7_of_48_scores_0_88() {
    let compiled = yueyang();
    for (met, value, score, shown_score) in [(1, "1/48", "0.125", "0.13"), (7, "7/48", "0.875", "0.88")] {
        let r = report(
            &compiled,
            &seed_with(|doc| {
                seed_terminating(doc);
                replace_targets(doc, "质量指标", 48, met);
            }),
        );
        let ind = entry(&r, "indicators", "质量达标率");
        let sub = entry(&r, "categories", "职责履行");
        let subtotal = dec(score) + int(17);
        let total = dec("95.5") - int(6) + dec(score);
        assert_eq!(
            text(&ind["score_display"]),
            shown_score,
            "质量达标率 score_display, {met} of 48 under 分值 6: 6 × {met}/48 is exactly {score}, which rounds half away to {shown_score}"
        );
        assert_eq!(
            text(&sub["score_display"]),
            fixed(&subtotal, 2),
            "职责履行 subtotal display, {met} of 48 (exactly {subtotal})"
        );
        assert_eq!(
            text(&r["total_display"]),
            fixed(&total, 2),
            "total display, {met} of 48 (exactly {})",
            exact_form(&total)
        );
        assert_eq!(text(&ind["score"]), score, "质量达标率 score, {met} of 48, exactly");
        assert_eq!(
            text(&sub["score"]),
            exact_form(&subtotal),
            "职责履行 subtotal, {met} of 48, exactly"
        );
        assert_eq!(text(&r["total"]), exact_form(&total), "total, {met} of 48, exactly");
        assert_eq!(text(&ind["value"]), value, "质量达标率 value, {met} of 48, exactly");
    }
}

#[test]
fn two_of_three_quality_targets_score_exactly_4() {
    // 6 × 2/3: the exact value is 4, with no residue.
    let r = report(
        &yueyang(),
        &seed_with(|doc| {
            seed_terminating(doc);
            replace_targets(doc, "质量指标", 3, 2);
        }),
    );
    let ind = entry(&r, "indicators", "质量达标率");
    assert_eq!(text(&ind["score_display"]), "4.00");
    assert_eq!(text(&r["total_display"]), "93.50");
    assert_eq!(
        text(&ind["score"]),
        "4",
        "质量达标率 score, 2 of 3 under 分值 6: 6 × 2/3 is exactly 4, no residue"
    );
    assert_eq!(text(&r["total"]), "93.5", "total: 95.5 − 6 + 4, exactly");
    assert_eq!(text(&ind["value"]), "2/3", "质量达标率 value, 2 of 3, exactly");
}

#[test]
fn a_total_of_exactly_75_875_shows_75_88() {
    // The grade-flip unit below with 2 checklist items failed instead of 12 (+10) and reviewer
    // scores 0.88 / 5 / 0.37 (+5.88): 59.995 + 15.88 = 75.875, again through 59/24 + 8/3.
    let through_fractions = seed_with(|doc| {
        grade_flip_unit(doc);
        for item in [
            "管理制度合法合规完整",
            "管理制度有效执行",
            "按规定公开决算",
            "基础信息真实完整准确",
            "开展绩效监控",
            "开展绩效自评",
            "资产制度合法合规完整",
            "资产制度有效执行",
            "资产配置合理",
            "资产处置规范",
        ] {
            set(doc, item, toml_edit::value(true));
        }
        set(doc, "经济效益", amount("0.88"));
        set(doc, "社会效益", count(5));
    });
    // From the terminating seed (95.5): 固定资产利用率 382.85 / 600 (3 → 2.015), the reviewer
    // scores 0 / 0 / 0.36 (−13.64), 3 资金使用 violations (−3) and 4 专项 late (−2):
    // 95.5 − 0.985 − 13.64 − 3 − 2 = 75.875.
    let through_a_tie = seed_with(|doc| {
        seed_terminating(doc);
        set(doc, "固定资产合计", amount("600.00"));
        set(doc, "在用固定资产", amount("382.85"));
        set(doc, "其他固定资产", amount("217.15"));
        set(doc, "经济效益", count(0));
        set(doc, "社会效益", count(0));
        set(doc, "环境效益", amount("0.36"));
        set(doc, "资金使用违规例数", count(3));
        set(doc, "未按进度下达专项数", count(4));
    });
    let compiled = yueyang();
    for (unit, data) in [("59/24 + 8/3", through_fractions), ("2.015", through_a_tie)] {
        let r = report(&compiled, &data);
        assert_eq!(
            text(&r["total_display"]),
            "75.88",
            "total display ({unit}): the total is exactly 75.875, which rounds half away to 75.88"
        );
        assert_eq!(text(&r["grade"]), "中", "grade ({unit})");
        assert_eq!(text(&r["total"]), "75.875", "total ({unit}), exactly");
    }
}

/// The issue's grade-flip unit: 编制 300 / 实有 321, 三公 14.91 of 14.40, 2 of 6 数量 targets,
/// 12 checklist items failed, reviewer scores 0/0/0.37 — and 年初预算 = 实际收入 (预算调整率 0,
/// 3 points), which the issue does not list but its total needs.
///
/// 控制率 107% → 5 − 7 × 0.5 = 1.5; 三公经费变动率 < 0 → 5; 重点支出安排率 → 5;
/// 预算调整率 3; 支付进度 3; 资金结余 3; 三公经费控制率 103.541666…% → 6 − 3.541666… = 59/24;
/// 预算管理 and 资产管理: 3 + 3 + 3 (资金使用, 采购, 利用率) + 16 − 12 checklist points;
/// 实际完成率 2/6 → 8/3; 质量 6, 时效 5, 成本 4; 履职效益 0 + 0 + 0.37 + 6.
/// 59/24 + 8/3 = 5.125, so the total is exactly 59.995 → 60.00 → 中.
fn grade_flip_unit(doc: &mut toml_edit::DocumentMut) {
    set(doc, "编制人数", count(300));
    set(doc, "实有人数", count(321));
    set(doc, "三公经费合计", amount("14.91"));
    set(doc, "公务用车运维费", amount("14.70"));
    set(doc, "三公经费预算", amount("14.40"));
    set(doc, "公务用车运维费预算", amount("5.94"));
    set(doc, "年初预算", amount("3641.42"));
    // The seed lists five 数量 targets; the unit has six, two of them met.
    replace_targets(doc, "数量指标", 6, 2);
    // 12 of the 16 checklist items fail; 制定资产管理制度, 资产保存完整, 申报绩效目标 and
    // 按规定公开预算 hold.
    for item in [
        "已制定管理制度",
        "管理制度合法合规完整",
        "管理制度有效执行",
        "按规定公开决算",
        "基础信息真实完整准确",
        "开展绩效监控",
        "开展绩效自评",
        "资产制度合法合规完整",
        "资产制度有效执行",
        "资产配置合理",
        "资产处置规范",
        "资产账实相符",
    ] {
        set(doc, item, toml_edit::value(false));
    }
    set(doc, "经济效益", count(0));
    set(doc, "社会效益", count(0));
    set(doc, "环境效益", amount("0.37"));
}

#[test]
fn a_total_of_exactly_59_995_is_60_00_and_grade_zhong() {
    let r = report(&yueyang(), &seed_with(grade_flip_unit));
    assert_eq!(
        text(&r["total_display"]),
        "60.00",
        "total display: the total is exactly 59.995, which rounds half away to 60.00"
    );
    assert_eq!(
        text(&r["grade"]),
        "中",
        "grade: round(总分, 2) = 60.00 is in 中 [60, 80)"
    );
    let shown = |name: &str| text(&entry(&r, "indicators", name)["score_display"]).to_owned();
    assert_eq!(shown("财政供养人员控制率"), "1.50");
    assert_eq!(shown("三公经费控制率"), "2.46");
    assert_eq!(shown("实际完成率"), "2.67");
    assert_eq!(shown("预算调整率"), "3.00");
    assert_eq!(text(&r["total"]), "59.995", "total, exactly");
    let score = |name: &str| text(&entry(&r, "indicators", name)["score"]).to_owned();
    assert_eq!(score("财政供养人员控制率"), "1.5", "控制率 321/300: 5 − 7 × 0.5");
    assert_eq!(
        score("三公经费控制率"),
        "59/24",
        "三公经费控制率 14.91/14.40: 6 − 3.541666…, exactly"
    );
    assert_eq!(score("实际完成率"), "8/3", "实际完成率 2 of 6 under 分值 8, exactly");
}

// ── exact products and quotients in a small rule file ────────────────────

const SMALL: &str = r#"
标题 "精确计算"
年度 2021
满分 10
计步 连续
输入 甲: 分
计算 六乘三分之二 = 6 × (2 / 3)  显示 2
计算 小乘小 = 0.00000000000001 × 0.000000000000001  显示 2
计算 长数平方 = 1.2345678901234567 × 1.2345678901234567  显示 2
计算 二十三除二十九 = 23 / 29  显示 2
计算 负七除三 = -7 / 3  显示 2
一级 一 分值 10 {
  二级 二 分值 10 {
    三级 三 分值 10 { 公式 甲  显示 2  评分 公式 clamp(值, 0, 10) }
  }
}
等级 { 好 >= 5  差 < 5 }
"#;

#[test]
fn products_and_quotients_are_exact() {
    let r = report(
        &jixiao::compile("exact.jx", SMALL).unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&e))),
        "\"单位名称\" = \"甲单位\"\n\"甲\" = \"5\"\n",
    );
    let value = |name: &str| text(&r["values"][name]).to_owned();
    assert_eq!(value("六乘三分之二"), "4", "6 × (2 / 3) is exactly 4, no residue");
    assert_eq!(
        value("小乘小"),
        "0.00000000000000000000000000001",
        "0.00000000000001 × 0.000000000000001 is exactly 1e-29, not 0"
    );
    assert_eq!(
        value("长数平方"),
        "1.52415787532388345526596755677489",
        "1.2345678901234567² keeps all 33 significant digits"
    );
    assert_eq!(value("二十三除二十九"), "23/29", "23 / 29 is the fraction 23/29");
    assert_eq!(value("负七除三"), "-7/3", "-7 / 3 is the fraction -7/3");
}

// ── the seed unit still gives its published figures ──────────────────────

#[test]
fn the_seed_still_gives_94_30_excellent() {
    let r = report(&yueyang(), &crate::read(&crate::root().join(SEED)));
    assert_eq!(text(&entry(&r, "categories", "预算配置")["score_display"]), "13.80");
    assert_eq!(text(&entry(&r, "categories", "预算执行")["score_display"]), "12.50");
    assert_eq!(text(&r["total_display"]), "94.30");
    assert_eq!(text(&r["grade"]), "优秀");
    assert_eq!(
        parse_exact(text(&entry(&r, "categories", "预算执行")["score"])),
        Some(dec("12.5"))
    );
}

#[test]
fn the_seed_exact_values_are_in_the_exact_form() {
    let r = report(&yueyang(), &crate::read(&crate::root().join(SEED)));
    // 5 − 0.5 × (1.06/44 ÷ 1%) = 167/44; the total is 90.5 + 167/44 = 4149/44.
    assert_eq!(
        text(&entry(&r, "indicators", "三公经费变动率")["score"]),
        "167/44",
        "三公经费变动率 score: 5 − 0.5 × (1.06/44 ÷ 1%), exactly"
    );
    assert_eq!(
        text(&entry(&r, "indicators", "财政供养人员控制率")["value"]),
        "23/29",
        "138 / 174"
    );
    assert_eq!(
        text(&entry(&r, "categories", "预算配置")["score"]),
        "607/44",
        "10 + 167/44"
    );
    assert_eq!(text(&entry(&r, "categories", "预算执行")["score"]), "12.5");
    assert_eq!(text(&r["total"]), "4149/44", "total: 90.5 + 167/44");
}

// ── the property: generated rule files and data, jixiao against an exact reference ──

/// splitmix64: the generator's choices all follow from one seed that proptest supplies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.range(0, xs.len() as i64 - 1) as usize].clone()
    }

    fn chance(&mut self, percent: i64) -> bool {
        self.range(1, 100) <= percent
    }

    /// A 万元 amount with 2 to 4 decimals, greater than 0.
    fn amount(&mut self) -> String {
        let places = self.range(2, 4) as u32;
        let top = self.pick(&[9, 99, 999, 99_999]);
        let whole = self.range(0, top);
        let mut fraction = self.range(0, 10i64.pow(places) - 1);
        if whole == 0 && fraction == 0 {
            fraction = 1;
        }
        format!("{whole}.{fraction:0width$}", width = places as usize)
    }
}

/// A formula: names, literals, − (negation), + − × ÷ and `round(x, n)`.
#[derive(Clone, Debug)]
enum E {
    Name(String),
    Lit(String),
    Neg(Box<E>),
    Bin(char, &'static str, Box<E>, Box<E>),
    Round(Box<E>, u32),
}

impl E {
    fn render(&self) -> String {
        match self {
            E::Name(n) | E::Lit(n) => n.clone(),
            E::Neg(a) => format!("(-{})", a.render()),
            E::Bin(_, sym, a, b) => format!("({} {sym} {})", a.render(), b.render()),
            E::Round(a, n) => format!("round({}, {n})", a.render()),
        }
    }

    /// The exact value; also raises `largest` to the largest magnitude met on the way.
    fn eval(&self, env: &HashMap<String, Q>, largest: &mut Q) -> Option<Q> {
        let v = match self {
            E::Name(n) => env[n].clone(),
            E::Lit(l) => dec(l),
            E::Neg(a) => -a.eval(env, largest)?,
            E::Bin(op, _, a, b) => {
                let (x, y) = (a.eval(env, largest)?, b.eval(env, largest)?);
                match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    _ if y.is_zero() => return None,
                    _ => x / y,
                }
            }
            E::Round(a, n) => round_half(&a.eval(env, largest)?, *n),
        };
        if v.abs() > *largest {
            *largest = v.abs();
        }
        // jixiao holds exact values whose lowest-terms numerator and denominator fit 128
        // bits, and reports anything beyond as an overflow; keep generated formulas inside.
        if v.numer().to_i128().is_none() || v.denom().to_i128().is_none() {
            *largest = pow10(40);
        }
        Some(v)
    }
}

/// A unit as the checker sees it: exponents of (万元, 人); `None` is a bare number, which
/// fits anything; `Some((0, 0))` a rate.
type Dim = Option<(i8, i8)>;

fn combine(a: Dim, b: Dim, sign: i8) -> Dim {
    match (a, b) {
        (None, None) => None,
        (None, Some((w, p))) => Some((w * sign, p * sign)),
        (Some(d), None) => Some(d),
        (Some((w1, p1)), Some((w2, p2))) => Some((w1 + sign * w2, p1 + sign * p2)),
    }
}

/// Names a formula may use: (name, unit, always > 0).
struct Scope(Vec<(String, Dim, bool)>);

const DIVISORS: &[&str] = &["3", "7", "29", "600", "174", "48", "0.95", "1.5", "12.5"];
const SMALL_LITERALS: &[&str] = &[
    "2",
    "3",
    "7",
    "0.5",
    "0.95",
    "100",
    "1.5",
    "12.5",
    "0.01",
    "29",
    "600",
    "174",
    "0.125",
    "1.2345678901234567",
];

fn mul_sym(rng: &mut Rng) -> &'static str {
    rng.pick(&["×", "*"])
}

fn div_sym(rng: &mut Rng) -> &'static str {
    rng.pick(&["÷", "/"])
}

/// A formula whose value is always > 0 (a divisor): positive names and literals, + × ÷.
fn positive(rng: &mut Rng, scope: &Scope, depth: u32) -> (E, Dim) {
    if depth == 0 || rng.chance(50) {
        let names: Vec<_> = scope.0.iter().filter(|n| n.2).collect();
        if rng.chance(50) {
            let (n, d, _) = rng.pick(&names).clone();
            return (E::Name(n), d);
        }
        return (E::Lit(rng.pick(DIVISORS).to_owned()), None);
    }
    let (a, da) = positive(rng, scope, depth - 1);
    let (b, db) = positive(rng, scope, depth - 1);
    match rng.range(0, 2) {
        0 if da.is_none() || db.is_none() || da == db => (E::Bin('+', "+", Box::new(a), Box::new(b)), da.or(db)),
        0 | 1 => (E::Bin('*', mul_sym(rng), Box::new(a), Box::new(b)), combine(da, db, 1)),
        _ => (E::Bin('/', div_sym(rng), Box::new(a), Box::new(b)), combine(da, db, -1)),
    }
}

/// Any formula: divisions only by [`positive`] ones, so never by zero.
fn general(rng: &mut Rng, scope: &Scope, depth: u32) -> (E, Dim) {
    if depth == 0 || rng.chance(30) {
        let lit = |s: &str| Box::new(E::Lit(s.to_owned()));
        return match rng.range(0, 9) {
            0..=3 => {
                let (n, d, _) = rng.pick(&scope.0);
                (E::Name(n), d)
            }
            4 | 5 => (E::Lit(rng.pick(SMALL_LITERALS).to_owned()), None),
            6 => (E::Lit(rng.amount()), None),
            7 => (
                E::Bin('*', mul_sym(rng), lit("0.00000000000001"), lit("0.000000000000001")),
                None,
            ),
            8 => (
                E::Bin('*', mul_sym(rng), lit("1.2345678901234567"), lit("1.2345678901234567")),
                None,
            ),
            _ => {
                let big = rng.pick(&["123456789012345", "100000000000000", "987654321098765"]);
                (E::Bin('*', mul_sym(rng), lit("0.00000000000001"), lit(big)), None)
            }
        };
    }
    match rng.range(0, 9) {
        0 => {
            let (a, d) = general(rng, scope, depth - 1);
            (E::Neg(Box::new(a)), d)
        }
        1 => {
            let (a, d) = general(rng, scope, depth - 1);
            (E::Round(Box::new(a), rng.range(0, 4) as u32), d)
        }
        2 | 3 => {
            let (a, da) = general(rng, scope, depth - 1);
            let (b, db) = positive(rng, scope, 2);
            (E::Bin('/', div_sym(rng), Box::new(a), Box::new(b)), combine(da, db, -1))
        }
        4 | 5 => {
            let (a, da) = general(rng, scope, depth - 1);
            let (b, db) = general(rng, scope, depth - 1);
            (E::Bin('*', mul_sym(rng), Box::new(a), Box::new(b)), combine(da, db, 1))
        }
        k => {
            let (a, da) = general(rng, scope, depth - 1);
            let (b, db) = general(rng, scope, depth - 1);
            let (op, sym) = if k % 2 == 0 { ('+', "+") } else { ('-', "-") };
            match (da, db) {
                (None, d) | (d, None) => (E::Bin(op, sym, Box::new(a), Box::new(b)), d),
                (x, y) if x == y => (E::Bin(op, sym, Box::new(a), Box::new(b)), x),
                // Different units cannot be added: multiply instead.
                _ => (E::Bin('*', mul_sym(rng), Box::new(a), Box::new(b)), combine(da, db, 1)),
            }
        }
    }
}

/// Literal text for an exact rational: `n`, or `(n ÷ d)`, if both fit rust_decimal's literal
/// range today; `None` otherwise.
fn rational_literal(x: &Q) -> Option<String> {
    let (n, d) = (x.numer().abs().to_string(), x.denom().to_string());
    if n.len() > 24 || d.len() > 24 {
        return None;
    }
    Some(if x.is_integer() { n } else { format!("({n} ÷ {d})") })
}

/// A random tie at `places` decimals in (0, limit): (2j + 1) / (2 · 10^places).
fn tie_below(rng: &mut Rng, places: u32, limit: i64) -> Q {
    let steps = limit * 10i64.pow(places);
    (int(rng.range(0, steps - 1)) + frac(1, 2)) / pow10(places)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Direction {
    Above,
    Below,
    Deviation,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stepping {
    Continuous,
    Whole,
    Started,
}

struct Deduct {
    baseline: Q,
    direction: Direction,
    step: Q,
    per_step: Q,
    stepping: Stepping,
}

impl Deduct {
    /// docs/language.md §10.1: the excess counted in steps (all, whole steps only, or every
    /// started step), times the deduction per step, off the weight, never below 0.
    fn score(&self, weight: &Q, judged: &Q) -> Q {
        let excess = match self.direction {
            Direction::Above => judged - &self.baseline,
            Direction::Below => &self.baseline - judged,
            Direction::Deviation => (judged - &self.baseline).abs(),
        };
        if excess <= Q::zero() {
            return weight.clone();
        }
        let steps = &excess / &self.step;
        let steps = match self.stepping {
            Stepping::Continuous => steps,
            Stepping::Whole => steps.floor(),
            Stepping::Started => steps.ceil(),
        };
        max_q(Q::zero(), weight - steps * &self.per_step)
    }

    /// The excess is a whole number of steps: where 整步 and 进位 change.
    fn on_step(&self, judged: &Q) -> bool {
        let excess = match self.direction {
            Direction::Above => judged - &self.baseline,
            Direction::Below => &self.baseline - judged,
            Direction::Deviation => (judged - &self.baseline).abs(),
        };
        excess > Q::zero() && (excess / &self.step).is_integer()
    }

    fn words(&self, step_text: &str) -> String {
        format!(
            "基准 {{BASE}}  {} {step_text} 扣 {}  计步 {}",
            match self.direction {
                Direction::Above => "每超过",
                Direction::Below => "每低于",
                Direction::Deviation => "每偏离",
            },
            exact_form(&self.per_step),
            match self.stepping {
                Stepping::Continuous => "连续",
                Stepping::Whole => "整步",
                Stepping::Started => "进位",
            }
        )
    }
}

fn random_deduct(rng: &mut Rng, baseline: Q, step: Q) -> Deduct {
    Deduct {
        baseline,
        direction: rng.pick(&[Direction::Above, Direction::Below, Direction::Deviation]),
        step,
        per_step: dec(rng.pick(&["0.5", "0.25", "1", "0.2", "0.3", "0.125"])),
        stepping: rng.pick(&[Stepping::Continuous, Stepping::Whole, Stepping::Started]),
    }
}

/// What the reference expects of one 三级 indicator.
struct Expected {
    name: &'static str,
    value: Option<(Q, bool, u32)>,
    score: Q,
}

/// One generated unit: the rule file, the data, and every figure the reference expects.
struct Case {
    rules: String,
    data: String,
    /// Computed values by name.
    values: Vec<(String, Q)>,
    indicators: Vec<Expected>,
    /// (name, exact subtotal) of every category.
    categories: Vec<(&'static str, Q)>,
    total: Q,
    precision: u32,
    grade: &'static str,
}

/// The score formulas `评分 公式 …` of the three `结果` indicators, clamped to the weight.
/// A score as a function of the indicator's value.
type ScoreOf = Box<dyn Fn(&Q) -> Q>;

fn formula_score(kind: i64, w: i64) -> (String, ScoreOf) {
    let wq = int(w);
    let clamp = move |x: Q| min_q(max_q(x, Q::zero()), wq.clone());
    match kind {
        0 => (format!("clamp(值, 0, {w})"), Box::new(move |v| clamp(v.clone()))),
        1 => (
            format!("clamp(round(值, 2), 0, {w})"),
            Box::new(move |v| clamp(round_half(v, 2))),
        ),
        2 => (
            format!("clamp(值 × 3 ÷ 7, 0, {w})"),
            Box::new(move |v| clamp(v * int(3) / int(7))),
        ),
        3 => (
            format!("min(max(值 / 3, 0), {w})"),
            Box::new(move |v| clamp(v / int(3))),
        ),
        _ => (
            format!("clamp(round(值 * 0.5, 1), 0, {w})"),
            Box::new(move |v| clamp(round_half(&(v * frac(1, 2)), 1))),
        ),
    }
}

fn generate(seed: u64, precision: u32) -> Case {
    let mut rng = Rng(seed);
    let p = precision;
    let mut data = String::from("\"单位名称\" = \"性质测试单位\"\n");
    let mut env: HashMap<String, Q> = HashMap::new();
    let mut inputs = String::new();
    let mut input = |name: &str, kind: &str, value: String, env: &mut HashMap<String, Q>| {
        inputs.push_str(&format!("输入 {name}: {kind}\n"));
        if kind == "人" {
            data.push_str(&format!("\"{name}\" = {value}\n"));
        } else {
            data.push_str(&format!("\"{name}\" = \"{value}\"\n"));
        }
        env.insert(name.to_owned(), dec(&value));
    };

    // Inputs the formulas draw on.
    let mut scope = Scope(Vec::new());
    for name in ["金额甲", "金额乙", "金额丙"] {
        let v = rng.amount();
        input(name, "万元", v, &mut env);
        scope.0.push((name.to_owned(), Some((1, 0)), true));
    }
    for name in ["人数甲", "人数乙"] {
        let v = rng.range(1, 500).to_string();
        input(name, "人", v, &mut env);
        scope.0.push((name.to_owned(), Some((0, 1)), true));
    }
    let rate = format!("{}.{:02}%", rng.range(0, 199), rng.range(1, 99));
    input("比率甲", "百分比", rate, &mut env);
    scope.0.push(("比率甲".to_owned(), Some((0, 0)), true));

    // 计算: three random formulas; in tie mode shifted so the exact value is a tie at the
    // places shown: (E) − (its exact value) + t.
    let mut lets = String::new();
    let mut values = Vec::new();
    let mut shown_as = Vec::new();
    for name in ["结果甲", "结果乙", "结果丙"] {
        let (mut e, mut d, mut v);
        loop {
            (e, d) = general(&mut rng, &scope, 3);
            let mut largest = Q::zero();
            v = e.eval(&env, &mut largest).expect("divisors are positive");
            if largest <= pow10(15) {
                break;
            }
        }
        let percent = d == Some((0, 0)) && rng.chance(50);
        let mut places = rng.range(0, 4) as u32;
        let mut formula = e.render();
        if rng.chance(50) {
            if let Some(lit) = rational_literal(&v) {
                places = if percent { p.saturating_sub(2) } else { p };
                let t = tie_below(&mut rng, if percent { places + 2 } else { places }, 3);
                let minus = if v.is_negative() { "+" } else { "-" };
                formula = format!("{formula} {minus} {lit} + {}", exact_form(&t));
                v = t;
            }
        }
        let display = if percent {
            format!("百分比 {places}")
        } else {
            places.to_string()
        };
        lets.push_str(&format!("计算 {name} = {formula}  显示 {display}\n"));
        env.insert(name.to_owned(), v.clone());
        values.push((name.to_owned(), v));
        shown_as.push((percent, places, display));
        scope.0.push((name.to_owned(), d, false));
    }

    let mut indicators = Vec::new();
    let mut leaves1 = String::new();
    let mut leaves2 = String::new();

    // 比例: 在用 ÷ 合计 against a target; in tie mode the score is exactly a tie at 得分精度
    // (the issue's 382.85 / 600 ÷ 95% × 3 = 2.015).
    let w1 = rng.range(3, 6);
    let target = rng.pick(&["95%", "90%", "80%", "100%", "60%"]);
    let (used, whole) = if rng.chance(60) {
        let s = tie_below(&mut rng, p, w1);
        let m = rng.range(1, 2000);
        let mut e = p.saturating_sub(1);
        loop {
            let total = int(w1 * m) * pow10(e);
            let used = &s * dec(target) * &total / int(w1);
            if exact_form(&used).split_once('.').is_none_or(|(_, f)| f.len() <= 4) {
                break (exact_form(&used), exact_form(&total));
            }
            e += 1;
        }
    } else {
        (rng.amount(), rng.amount())
    };
    input("在用", "万元", used, &mut env);
    input("合计", "万元", whole, &mut env);
    let v = &env["在用"] / &env["合计"];
    let score = if v >= dec(target) {
        int(w1)
    } else {
        max_q(Q::zero(), int(w1) * &v / dec(target))
    };
    leaves1.push_str(&format!(
        "    三级 利用率 分值 {w1} {{ 公式 在用 ÷ 合计  显示 百分比 2  评分 比例 {{ 目标 {target} }} }}\n"
    ));
    indicators.push(Expected {
        name: "利用率",
        value: Some((v, true, 2)),
        score,
    });

    // 扣分 by 百分点: 实有 ÷ 编制; in tie mode a head count whose score is a tie at 得分精度,
    // whose rate is a tie at two decimals of a percent, or whose excess is a whole number of
    // steps (where 整步 and 进位 turn).
    let w2 = rng.range(3, 6);
    let baseline = dec(rng.pick(&["100%", "95%", "90%"]));
    let step = frac(rng.range(1, 2), 100);
    let rule = random_deduct(&mut rng, baseline, step);
    let mut staff = rng.range(1, 500);
    let mut actual = rng.range(staff * 7 / 10, staff * 13 / 10);
    if rng.chance(70) {
        for _ in 0..3000 {
            let m = rng.range(1, 500);
            let n = rng.range(m * 7 / 10, m * 13 / 10);
            let v = frac(n, m);
            let s = rule.score(&int(w2), &v);
            if (is_tie(&s, p) && s > Q::zero())
                || is_tie(&(&v * int(100)), 2)
                || (rule.stepping != Stepping::Continuous && rule.on_step(&v))
            {
                (staff, actual) = (m, n);
                break;
            }
        }
    }
    input("编制", "人", staff.to_string(), &mut env);
    input("实有", "人", actual.to_string(), &mut env);
    let v = frac(actual, staff);
    let step_points = (&rule.step * int(100)).to_integer();
    leaves1.push_str(&format!(
        "    三级 控制率 分值 {w2} {{ 公式 实有 / 编制  显示 百分比 2  评分 扣分 {{ {} }} }}\n",
        rule.words(&format!("{step_points} 百分点"))
            .replace("{BASE}", &format!("{}%", exact_form(&(&rule.baseline * int(100)))))
    ));
    indicators.push(Expected {
        name: "控制率",
        score: rule.score(&int(w2), &v),
        value: Some((v, true, 2)),
    });

    // 分档 on (档甲 ÷ K) × K ÷ 档乙: in tie mode the rate is exactly on a band's edge.
    let w3 = rng.range(4, 5);
    let k = rng.pick(&["3", "7", "29", "174", "600"]);
    let edges = rng.pick(&[("90%", "80%"), ("95%", "60%"), ("80%", "70%"), ("100%", "90%")]);
    let middle = rng.pick(&[frac(w3 - 1, 1), frac(w3, 2)]);
    let denominator = format!("{}.{:02}", rng.range(1, 9999), rng.range(0, 99));
    let numerator = if rng.chance(60) {
        exact_form(&(dec(rng.pick(&[edges.0, edges.1])) * dec(&denominator)))
    } else {
        rng.amount()
    };
    input("档甲", "万元", numerator, &mut env);
    input("档乙", "万元", denominator, &mut env);
    let v = &env["档甲"] / &env["档乙"];
    let score = if v >= dec(edges.0) {
        int(w3)
    } else if v >= dec(edges.1) {
        middle.clone()
    } else {
        Q::zero()
    };
    leaves1.push_str(&format!(
        "    三级 安排率 分值 {w3} {{\n      公式 (档甲 ÷ {k}) × {k} ÷ 档乙\n      显示 百分比 2\n      评分 分档 {{ >= {0} 得 {w3}  [{1}, {0}) 得 {2}  < {1} 得 0 }}\n    }}\n",
        edges.0,
        edges.1,
        exact_form(&middle)
    ));
    indicators.push(Expected {
        name: "安排率",
        value: Some((v, true, 2)),
        score,
    });

    // 扣分 by 万元 on (超支 ÷ K) × K: in tie mode exactly on a step.
    let w4 = rng.range(3, 4);
    let k = rng.pick(&["3", "7", "29", "600"]);
    let baseline = dec(rng.pick(&["0", "10", "100.5"]));
    let step = dec(rng.pick(&["1", "0.5", "2.5", "10"]));
    let rule = random_deduct(&mut rng, baseline, step);
    let over = if rng.chance(60) {
        let j = int(rng.range(1, 8));
        let signed = if rule.direction == Direction::Below { -j } else { j };
        let x = &rule.baseline + signed * &rule.step;
        if x.is_negative() {
            rng.amount()
        } else {
            exact_form(&x)
        }
    } else {
        rng.amount()
    };
    input("超支", "万元", over, &mut env);
    let v = env["超支"].clone();
    leaves2.push_str(&format!(
        "    三级 金额控制 分值 {w4} {{ 公式 (超支 ÷ {k}) × {k}  显示 2  评分 扣分 {{ {} }} }}\n",
        rule.words(&format!("{} 万元", exact_form(&rule.step)))
            .replace("{BASE}", &exact_form(&rule.baseline))
    ));
    indicators.push(Expected {
        name: "金额控制",
        score: rule.score(&int(w4), &v),
        value: Some((v, false, 2)),
    });

    // 公式 (clamped) on each 计算 value, shown as the value is.
    let mut w_results = 0;
    for (i, name) in ["结果甲得分", "结果乙得分", "结果丙得分"].into_iter().enumerate() {
        let w = rng.range(2, 4);
        w_results += w;
        let (formula, f) = formula_score(rng.range(0, 4), w);
        let (percent, places, display) = &shown_as[i];
        leaves2.push_str(&format!(
            "    三级 {name} 分值 {w} {{ 公式 {}  显示 {display}  评分 公式 {formula} }}\n",
            values[i].0
        ));
        indicators.push(Expected {
            name,
            score: f(&values[i].1),
            value: Some((values[i].1.clone(), *percent, *places)),
        });
    }

    // 调节: a constant score; in tie mode it brings the exact total to a tie at 得分精度, and
    // the grade's edge is that tie rounded (the issue's 59.995 → 60.00 → 中).
    let w6 = rng.range(2, 3);
    let others: Q = indicators.iter().map(|i| i.score.clone()).sum();
    let mut adjust = (format!("{w6} ÷ 3"), frac(w6, 3));
    let mut edge = None;
    if rng.chance(60) {
        if let Some(lit) = rational_literal(&others) {
            let start = &others + frac(1, 100);
            let k = (&start * pow10(p) - frac(1, 2)).ceil() + int(rng.range(0, 10i64.pow(p) / 2));
            let tie = (k + frac(1, 2)) / pow10(p);
            let lit_tie = exact_form(&tie);
            adjust = (format!("{lit_tie} - {lit}"), &tie - &others);
            edge = Some(round_half(&tie, p));
        }
    }
    leaves2.push_str(&format!("    三级 调节 分值 {w6} {{ 评分 公式 {} }}\n", adjust.0));
    indicators.push(Expected {
        name: "调节",
        value: None,
        score: adjust.1,
    });

    let total: Q = indicators.iter().map(|i| i.score.clone()).sum();
    let edge = edge.unwrap_or_else(|| {
        if rng.chance(50) {
            round_half(&total, p)
        } else {
            int(rng.range(1, 30))
        }
    });
    let lower = &edge - int(10);
    let rounded = round_half(&total, p);
    let grade = if rounded >= edge {
        "优秀"
    } else if rounded >= lower {
        "中"
    } else {
        "差"
    };

    let first = w1 + w2 + w3;
    let second = w4 + w_results + w6;
    let sum = |names: &[&str]| -> Q {
        indicators
            .iter()
            .filter(|i| names.contains(&i.name))
            .map(|i| i.score.clone())
            .sum()
    };
    let s1 = sum(&["利用率", "控制率", "安排率"]);
    let s2 = &total - &s1;
    let categories = vec![("投入", s1.clone()), ("配置", s1), ("产出", s2.clone()), ("履职", s2)];

    let rules = format!(
        "标题 \"精确计算性质测试\"\n年度 2021\n满分 {full}\n计步 连续\n得分精度 {p}\n\n{inputs}\n{lets}\n\
         一级 投入 分值 {first} {{\n  二级 配置 分值 {first} {{\n{leaves1}  }}\n}}\n\
         一级 产出 分值 {second} {{\n  二级 履职 分值 {second} {{\n{leaves2}  }}\n}}\n\n\
         等级 依据 round(总分, {p}) {{ 优秀 >= {top}  中 [{low}, {top})  差 < {low} }}\n",
        full = first + second,
        top = fixed(&edge, p),
        low = fixed(&lower, p),
    );
    Case {
        rules,
        data,
        values,
        indicators,
        categories,
        total,
        precision: p,
        grade,
    }
}

/// Every difference between jixiao's report and the exact reference.
fn differences(case: &Case) -> Vec<String> {
    let compiled = jixiao::compile("t.jx", &case.rules).unwrap_or_else(|e| {
        panic!(
            "the generated rule file must check:\n{}\n{}",
            jixiao::diagnostics::render_plain(&e),
            case.rules
        )
    });
    let record =
        jixiao::load_data(&compiled.model, "t.toml", &case.data, jixiao::DataFormat::Toml).unwrap_or_else(|e| {
            panic!(
                "the generated data must bind:\n{}\n{}",
                jixiao::diagnostics::render_plain(&e),
                case.data
            )
        });
    let ev = match jixiao::evaluate(&compiled.model, &record, false) {
        Ok(ev) => ev,
        Err(e) => {
            return vec![format!(
                "jixiao did not evaluate: {}",
                jixiao::diagnostics::render_plain(&*e)
            )]
        }
    };
    let r = serde_json::to_value(&ev).unwrap();
    let mut out = Vec::new();
    let p = case.precision;
    let mut exact = |what: String, got: &Json, want: &Q| match got.as_str().and_then(parse_exact) {
        Some(x) if &x == want => {}
        Some(x) => out.push(format!(
            "{what}: jixiao {got}, exact {} (off by {:e})",
            exact_form(want),
            (x - want).to_f64().unwrap_or(f64::NAN)
        )),
        None => out.push(format!("{what}: jixiao {got}, exact {}", exact_form(want))),
    };
    for (name, want) in &case.values {
        exact(format!("计算 {name}"), &r["values"][name.as_str()], want);
    }
    for ind in &case.indicators {
        let got = entry(&r, "indicators", ind.name);
        if let Some((v, _, _)) = &ind.value {
            exact(format!("{} value", ind.name), &got["value"], v);
        }
        exact(format!("{} score", ind.name), &got["score"], &ind.score);
    }
    for (name, want) in &case.categories {
        exact(
            format!("{name} subtotal"),
            &entry(&r, "categories", name)["score"],
            want,
        );
    }
    exact("total".into(), &r["total"], &case.total);
    let mut text = |what: String, got: &Json, want: String| {
        if got.as_str() != Some(want.as_str()) {
            out.push(format!("{what}: jixiao {got}, exact {want:?}"));
        }
    };
    for ind in &case.indicators {
        let got = entry(&r, "indicators", ind.name);
        if let Some((v, percent, places)) = &ind.value {
            text(
                format!("{} display", ind.name),
                &got["display"],
                shown(v, *percent, *places),
            );
        }
        text(
            format!("{} score_display", ind.name),
            &got["score_display"],
            fixed(&ind.score, p),
        );
    }
    for (name, want) in &case.categories {
        text(
            format!("{name} score_display"),
            &entry(&r, "categories", name)["score_display"],
            fixed(want, p),
        );
    }
    text("total_display".into(), &r["total_display"], fixed(&case.total, p));
    text("grade".into(), &r["grade"], case.grade.to_owned());
    out
}

proptest! {
    // No regression file: the property fails on purpose until exact arithmetic lands.
    #![proptest_config(ProptestConfig {
        cases: 128,
        max_shrink_iters: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// jixiao and the exact reference agree on every value, display, score, subtotal, total
    /// and grade of generated rule files whose data sit on rounding ties.
    #[test]
    fn evaluation_matches_an_exact_reference(seed in any::<u64>(), precision in prop::sample::select(vec![1u32, 2, 2, 3])) {
        let case = generate(seed, precision);
        let found = differences(&case);
        prop_assert_eq!(
            found,
            Vec::<String>::new(),
            "jixiao differs from the exact reference\n--- rules ---\n{}\n--- data ---\n{}",
            case.rules,
            case.data
        );
    }
}

/// Past about 4,900 digits (a formula built to explode: 1.7 squared twelve times) the value
/// is a clear error of that value, not a hang, a crash or a silently rounded number; below
/// it, big values are exact.
#[test]
fn a_value_past_the_bound_is_a_clear_error() {
    let mut rules = String::from("标题 \"爆炸\"\n年度 2021\n满分 10\n计步 连续\n输入 甲: 分\n计算 方0 = 1.7 × 甲\n");
    for k in 1..=12 {
        rules.push_str(&format!("计算 方{k} = 方{} × 方{}  显示 2\n", k - 1, k - 1));
    }
    rules.push_str("一级 一 分值 10 {\n  二级 二 分值 10 {\n    三级 三 分值 10 { 公式 甲  显示 2  评分 公式 clamp(值, 0, 10) }\n  }\n}\n等级 { 好 >= 5  差 < 5 }\n");
    let compiled =
        jixiao::compile("boom.jx", &rules).unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&e)));
    let record = jixiao::load_data(
        &compiled.model,
        "u.toml",
        "\"单位名称\" = \"甲单位\"\n\"甲\" = 1\n",
        jixiao::DataFormat::Toml,
    )
    .unwrap();
    // An error of that value, not of the unit: the indicator does not use it.
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    assert!(ev.complete);
    let value = |name: &str| ev.values.0.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert!(
        value("方12").starts_with("无法计算（数值超出可计算的范围"),
        "{}",
        value("方12")
    );
    // 1.7^(2^11) has 2,048 × 3.3… ≈ 6,800 bits above and below the line: still exact.
    assert!(!value("方11").starts_with("无法计算"));
}

/// `向下取整`, `向上取整` (floor, ceil) and `就近取整` (round_to), to whole units or to
/// multiples: one formula for each way of counting partial steps (issue 16, item 8).
#[test]
fn integer_functions_round_down_up_and_to_a_multiple() {
    let rules = r#"
标题 "取整"
年度 2021
满分 10
计步 连续
输入 超出: 百分比
计算 下 = 向下取整(超出 × 100)  显示 2
计算 上 = 向上取整(超出 × 100)  显示 2
计算 下负 = floor(-2.5)  显示 2
计算 上负 = ceil(-2.5)  显示 2
计算 半步下 = 向下取整(超出, 0.5%)  显示 百分比 2
计算 半步上 = 向上取整(超出, 0.5%)  显示 百分比 2
计算 就近 = 就近取整(超出, 0.5%)  显示 百分比 2
计算 就近半 = round_to(0.75, 0.5)  显示 2
计算 就近负半 = round_to(-0.75, 0.5)  显示 2
计算 不足一点按一点扣 = 5 - 0.5 × 向上取整(超出 × 100)  显示 2
一级 一 分值 10 {
  二级 二 分值 10 {
    三级 三 分值 10 { 公式 超出  评分 公式 clamp(10 - 100 × 值, 0, 10) }
  }
}
等级 { 好 >= 5  差 < 5 }
"#;
    let compiled =
        jixiao::compile("int.jx", rules).unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&e)));
    let r = report(&compiled, "\"单位名称\" = \"甲\"\n\"超出\" = \"2.41%\"\n");
    let value = |name: &str| text(&r["values"][name]).to_owned();
    assert_eq!(value("下"), "2");
    assert_eq!(value("上"), "3");
    assert_eq!(value("下负"), "-3");
    assert_eq!(value("上负"), "-2");
    assert_eq!(value("半步下"), "0.02");
    assert_eq!(value("半步上"), "0.025");
    assert_eq!(value("就近"), "0.025");
    assert_eq!(
        value("就近半"),
        "1",
        "0.75 is 1.5 halves: half away from zero, 2 halves"
    );
    assert_eq!(value("就近负半"), "-1");
    assert_eq!(value("不足一点按一点扣"), "3.5");
    // A step of 0 has no multiples: the value cannot be computed, it is not an error.
    let zero_step = rules.replace("向下取整(超出, 0.5%)", "向下取整(超出, 超出 - 超出)");
    let compiled = jixiao::compile("int.jx", &zero_step).unwrap();
    let r = report(&compiled, "\"单位名称\" = \"甲\"\n\"超出\" = \"2.41%\"\n");
    assert_eq!(text(&r["values"]["半步下"]), "无法计算（除数 `超出 - 超出` 为 0）");
}

/// `Number`'s arithmetic against big rationals on operands near every boundary of its
/// representation (64-bit and 128-bit parts, reduced and not, big fallbacks).
#[test]
fn number_arithmetic_agrees_with_big_rationals_at_the_boundaries() {
    use jixiao::number::Number;
    let parts: Vec<i128> = vec![
        1,
        2,
        3,
        7,
        10,
        29,
        100,
        (1 << 31) - 1,
        (1 << 53) + 1,
        i64::MAX as i128,
        i64::MAX as i128 + 1,
        (1i128 << 64) - 1,
        1i128 << 64,
        10i128.pow(19),
        10i128.pow(28),
        (1i128 << 100) + 3,
        i128::MAX,
    ];
    let mut rng = Rng(0x5EED_0001);
    let pick = |rng: &mut Rng| -> (Number, Q) {
        let n = parts[rng.range(0, parts.len() as i64 - 1) as usize];
        let d = parts[rng.range(0, parts.len() as i64 - 1) as usize];
        let n = if rng.chance(50) { -n } else { n };
        let text = format!("{n}/{d}");
        let q = Q::new(BigInt::from(n), BigInt::from(d));
        (Number::parse_exact_text(&text).unwrap(), q)
    };
    for _ in 0..4000 {
        let (a, qa) = pick(&mut rng);
        let (b, qb) = pick(&mut rng);
        let exact = |x: Number| parse_exact(&x.to_string()).unwrap();
        assert_eq!(exact(a.clone().checked_add(b.clone()).unwrap()), &qa + &qb, "{a} + {b}");
        assert_eq!(exact(a.clone().checked_sub(b.clone()).unwrap()), &qa - &qb, "{a} - {b}");
        let big = |q: &Q| q.numer().bits() + q.denom().bits() > 16_000;
        if !big(&(&qa * &qb)) {
            assert_eq!(exact(a.clone().checked_mul(b.clone()).unwrap()), &qa * &qb, "{a} × {b}");
            assert_eq!(exact(a.clone().checked_div(b.clone()).unwrap()), &qa / &qb, "{a} ÷ {b}");
        }
        assert_eq!(a.cmp(&b), qa.cmp(&qb), "{a} vs {b}");
        for places in [0u32, 2, 4] {
            assert_eq!(a.fixed(false, places), fixed(&qa, places), "{a} to {places}");
            assert_eq!(
                exact(a.clone().round(places).unwrap()),
                round_half(&qa, places),
                "{a} round {places}"
            );
        }
    }
}
