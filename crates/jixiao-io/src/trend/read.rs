//! Saved results as one year's [`YearResults`]: what `jixiao eval --format json` writes
//! (the batch `{version, rules, units}`, or one unit's evaluation), its `--format jsonl`
//! lines, and the workbench's `/api/evaluate` answer (the batch with more fields).
//!
//! Only the fields a trend needs are read, as they stream past; exact values are read
//! from their text (`"4149/44"`), never through a float. The year, the rule file and the
//! grades' order come from the envelope, or from the evaluations where it has none.

use std::io::Read;

use jixiao::number::Number;
use serde::Deserialize;

use super::{Scores, YearResults, YearUnit};

/// Every field of any of the accepted shapes that a trend reads; the rest is skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Top {
    version: Option<serde_json::Value>,
    rules: Option<RulesJson>,
    // The batch.
    units: Option<Vec<UnitJson>>,
    // A JSON Lines unit.
    number: Option<usize>,
    source: Option<String>,
    status: Option<String>,
    error: Option<String>,
    evaluation: Option<EvaluationJson>,
    // One evaluation (`unit` is also a JSON Lines unit's name).
    unit: Option<String>,
    total_display: Option<String>,
    total: Option<String>,
    complete: Option<bool>,
    grade: Option<String>,
    scoring: Option<ScoringJson>,
    categories: Option<Vec<CategoryJson>>,
    provenance: Option<ProvenanceJson>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct RulesJson {
    file: Option<String>,
    title: Option<String>,
    year: Option<u32>,
    issuer: Option<String>,
    sha256: Option<String>,
}

#[derive(Deserialize)]
struct UnitJson {
    number: Option<usize>,
    source: Option<String>,
    unit: Option<String>,
    status: Option<String>,
    error: Option<String>,
    evaluation: Option<EvaluationJson>,
}

#[derive(Deserialize)]
struct EvaluationJson {
    rules: Option<RulesJson>,
    unit: String,
    complete: bool,
    total: Option<String>,
    total_display: String,
    grade: Option<String>,
    scoring: Option<ScoringJson>,
    categories: Vec<CategoryJson>,
    provenance: Option<ProvenanceJson>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ScoringJson {
    graded: Option<String>,
}

#[derive(Deserialize)]
struct CategoryJson {
    name: String,
    level: usize,
    score: Option<String>,
    score_display: String,
    weight: String,
    applicable_weight: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ProvenanceJson {
    rules_file: Option<String>,
    rules_sha256: Option<String>,
}

/// Reads one year's saved results from `reader`; `file` names it in messages and is the
/// year's `source`. Errors are Chinese and name the file (and the line for JSON errors).
pub fn read_results(file: &str, reader: impl Read) -> Result<YearResults, String> {
    let not_results =
        |why: String| format!("{file} 不是 jixiao 的评价结果（jixiao eval --format json 写出的文件）：{why}");
    let stream = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader)).into_iter::<Top>();
    let mut tops = Vec::new();
    for top in stream {
        tops.push(top.map_err(|e| not_results(json_problem(&e)))?);
    }
    let Some(first) = tops.first() else {
        return Err(not_results("文件是空的".into()));
    };
    check_version(first).map_err(&not_results)?;
    if first.units.is_some() {
        if tops.len() > 1 {
            return Err(not_results("一个文件中有多个结果：每个文件只写一个年度的结果".into()));
        }
        let top = tops.pop().unwrap_or_default();
        return batch(file, top).map_err(not_results);
    }
    if first.status.is_some() {
        let mut units = Vec::with_capacity(tops.len());
        for (i, top) in tops.into_iter().enumerate() {
            check_version(&top).map_err(&not_results)?;
            units.push(UnitJson {
                number: top.number.or(Some(i + 1)),
                source: top.source,
                unit: top.unit,
                status: top.status,
                error: top.error,
                evaluation: top.evaluation,
            });
        }
        return from_units(file, None, units).map_err(not_results);
    }
    if first.total_display.is_some() && tops.len() == 1 {
        let top = tops.pop().unwrap_or_default();
        let evaluation = EvaluationJson {
            rules: top.rules,
            unit: top.unit.unwrap_or_default(),
            complete: top.complete.unwrap_or(false),
            total: top.total,
            total_display: top.total_display.unwrap_or_default(),
            grade: top.grade,
            scoring: top.scoring,
            categories: top.categories.unwrap_or_default(),
            provenance: top.provenance,
        };
        let unit = UnitJson {
            number: Some(1),
            source: None,
            unit: Some(evaluation.unit.clone()),
            status: None,
            error: None,
            evaluation: Some(evaluation),
        };
        return from_units(file, None, vec![unit]).map_err(not_results);
    }
    Err(not_results(
        "没有 units（多个单位的结果）或 total_display（一个单位的结果）".into(),
    ))
}

/// Only version 1 of the contract is read (a missing version is taken as 1).
fn check_version(top: &Top) -> Result<(), String> {
    match &top.version {
        None => Ok(()),
        Some(v) if v.as_u64() == Some(u64::from(jixiao::JSON_VERSION)) => Ok(()),
        Some(v) => Err(format!(
            "结果的版本为 {v}，这个版本的 jixiao 只读版本 {} 的结果",
            jixiao::JSON_VERSION
        )),
    }
}

/// A serde error in the user's words, with its line and column.
fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("第 {} 行第 {} 列", e.line(), e.column());
    match e.classify() {
        Category::Io => format!("无法读取：{}", jixiao::diagnostics::json_message(e)),
        Category::Eof | Category::Syntax => format!("不是有效的 JSON：{}", jixiao::diagnostics::json_message(e)),
        Category::Data => {
            let text = e.to_string();
            match text.strip_prefix("missing field `").and_then(|t| t.split('`').next()) {
                Some(field) => format!("{at}处缺少「{field}」"),
                None => format!("{at}处的值不是结果中应有的类型"),
            }
        }
    }
}

fn batch(file: &str, top: Top) -> Result<YearResults, String> {
    let units = top.units.unwrap_or_default();
    from_units(file, top.rules, units)
}

/// The year's results from its units; `rules` is the batch's envelope, if any.
fn from_units(file: &str, rules: Option<RulesJson>, units: Vec<UnitJson>) -> Result<YearResults, String> {
    if units.is_empty() {
        return Err("没有任何单位".into());
    }
    // What the envelope does not say, the first evaluation does.
    let first = units.iter().find_map(|u| u.evaluation.as_ref());
    let rules = rules.unwrap_or_default();
    let from_evaluation = first.and_then(|e| e.rules.clone()).unwrap_or_default();
    let provenance = first.and_then(|e| e.provenance.clone()).unwrap_or_default();
    let year = rules
        .year
        .or(from_evaluation.year)
        .ok_or_else(|| "无法确定年度：没有规则信息，也没有一个评价成功的单位".to_owned())?;
    let mut read = Vec::with_capacity(units.len());
    let mut categories: Option<Vec<(String, Number)>> = None;
    let mut precision: Option<u32> = None;
    for (i, u) in units.into_iter().enumerate() {
        let number = u.number.unwrap_or(i + 1);
        let name = u
            .unit
            .clone()
            .or_else(|| u.evaluation.as_ref().map(|e| e.unit.clone()))
            .unwrap_or_default();
        let source = u.source.clone().unwrap_or_else(|| file.to_owned());
        let outcome = match u.evaluation {
            None => Err(u
                .error
                .clone()
                .unwrap_or_else(|| format!("{}（没有评价结果）", u.status.as_deref().unwrap_or("错误")))),
            Some(e) => {
                let (scores, weights) = scores(&e).map_err(|why| format!("第 {number} 个单位「{name}」：{why}"))?;
                categories.get_or_insert(weights);
                if precision.is_none() && e.complete {
                    precision = decimals(&e.total_display);
                }
                if precision.is_none() {
                    precision = e.categories.iter().find_map(|c| decimals(&c.score_display));
                }
                Ok(scores)
            }
        };
        read.push(YearUnit {
            number,
            source,
            name,
            outcome,
        });
    }
    let grades = grades_by_totals(&read);
    Ok(YearResults {
        year,
        title: rules.title.or(from_evaluation.title).unwrap_or_default(),
        issuer: rules.issuer.or(from_evaluation.issuer).unwrap_or_default(),
        rules_file: rules
            .file
            .or(provenance.rules_file)
            .map(|f| crate::batch::html::rules_file_name(&f).to_owned())
            .unwrap_or_default(),
        rules_sha256: rules.sha256.or(provenance.rules_sha256).unwrap_or_default(),
        source: crate::batch::html::file_name(file).to_owned(),
        score_precision: precision.unwrap_or(2),
        grades,
        grades_from_rules: false,
        categories,
        units: read,
    })
}

/// A unit's scores and the 一级 categories' 分值, read exactly.
fn scores(e: &EvaluationJson) -> Result<(Scores, Vec<(String, Number)>), String> {
    let exact = |field: &str, text: &str| {
        Number::parse_exact_text(text).ok_or_else(|| format!("{field}「{text}」不是一个精确数值"))
    };
    let total = match (&e.total, e.complete) {
        (Some(t), true) => Some(exact("总分", t)?),
        _ => None,
    };
    let graded = match e.scoring.as_ref().and_then(|s| s.graded.as_ref()) {
        Some(g) => Some(exact("定级依据", g)?),
        None => total.clone(),
    };
    let mut rates = Vec::new();
    let mut weights = Vec::new();
    for c in e.categories.iter().filter(|c| c.level == 1) {
        let weight = exact(&format!("「{}」的分值", c.name), &c.weight)?;
        let applicable = match &c.applicable_weight {
            Some(w) => exact(&format!("「{}」的适用分值", c.name), w)?,
            None => weight.clone(),
        };
        let rate = match &c.score {
            Some(s) => exact(&format!("「{}」的小计", c.name), s)?.checked_div(applicable).ok(),
            None => None,
        };
        rates.push((c.name.clone(), rate));
        weights.push((c.name.clone(), weight));
    }
    Ok((
        Scores {
            total,
            total_display: e.total_display.clone(),
            grade: e.grade.clone().filter(|_| e.complete),
            graded,
            rates,
        },
        weights,
    ))
}

/// The decimals of a written figure (`94.30` → 2, `97` → 0); `None` for anything else.
fn decimals(text: &str) -> Option<u32> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain =
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit());
    plain.then_some(frac.len() as u32)
}

/// The grades some unit got, best first: grade bands are disjoint ranges of what they
/// compare, so a grade whose lowest such figure is higher is the better one.
pub fn grades_by_totals(units: &[YearUnit]) -> Vec<String> {
    let mut lowest: Vec<(String, Number)> = Vec::new();
    for s in units.iter().filter_map(|u| u.outcome.as_ref().ok()) {
        let (Some(grade), Some(graded)) = (&s.grade, &s.graded) else {
            continue;
        };
        match lowest.iter_mut().find(|(g, _)| g == grade) {
            Some((_, low)) if graded < low => *low = graded.clone(),
            Some(_) => {}
            None => lowest.push((grade.clone(), graded.clone())),
        }
    }
    lowest.sort_by(|a, b| b.1.cmp(&a.1));
    lowest.into_iter().map(|(g, _)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(unit: &str, total: Option<&str>, display: &str, grade: Option<&str>) -> String {
        let complete = total.is_some();
        serde_json::json!({
            "version": 1,
            "rules": {"title": "测试", "year": 2023, "issuer": "局"},
            "unit": unit,
            "complete": complete,
            "total": total,
            "total_display": display,
            "grade": grade,
            "scoring": null,
            "categories": [
                {"path": [], "name": "投入", "level": 1, "score": total.map(|_| "27/2"), "score_display": "13.50", "weight": "15", "self_score": null},
                {"path": ["投入"], "name": "预算", "level": 2, "score": "5", "score_display": "5.00", "weight": "5", "self_score": null}
            ],
            "provenance": {"rules_file": "/home/someone/rules/t.jx", "rules_sha256": "ab", "data_file": "x.toml", "data_sha256": "cd"}
        })
        .to_string()
    }

    #[test]
    fn one_units_evaluation_is_a_year_of_one_unit() {
        let text = evaluation("甲", Some("4149/44"), "94.30", Some("优秀"));
        let y = read_results("甲.json", text.as_bytes()).unwrap();
        assert_eq!((y.year, y.score_precision, y.rules_file.as_str()), (2023, 2, "t.jx"));
        assert_eq!(y.categories, Some(vec![("投入".to_owned(), Number::from(15))]));
        let s = y.units[0].outcome.as_ref().unwrap();
        assert_eq!(s.total, Some(Number::ratio(4149, 44).unwrap()));
        assert_eq!(s.rates, [("投入".to_owned(), Some(Number::ratio(9, 10).unwrap()))]);
        assert_eq!(y.grades, ["优秀"]);
    }

    #[test]
    fn json_lines_are_one_unit_a_line() {
        let line = |n: usize, unit: &str, ev: Option<String>| {
            format!(
                "{{\"number\":{n},\"source\":\"u.csv 第 {} 行\",\"unit\":\"{unit}\",\"status\":\"{}\",\"error\":{},\"evaluation\":{}}}\n",
                n + 1,
                if ev.is_some() { "正常" } else { "错误" },
                if ev.is_some() { "null" } else { "\"缺少 编制人数\"" },
                ev.unwrap_or_else(|| "null".into())
            )
        };
        let text = line(1, "甲", Some(evaluation("甲", Some("80"), "80.00", Some("良好"))))
            + &line(2, "乙", None)
            + &line(3, "丙", Some(evaluation("丙", Some("91"), "91.00", Some("优秀"))));
        let y = read_results("r.jsonl", text.as_bytes()).unwrap();
        assert_eq!(y.units.len(), 3);
        assert_eq!(y.units[1].outcome, Err("缺少 编制人数".to_owned()));
        assert_eq!(y.units[2].source, "u.csv 第 4 行");
        assert_eq!(y.grades, ["优秀", "良好"]);
    }

    #[test]
    fn what_is_not_a_result_is_refused_in_chinese() {
        let err = |text: &str| read_results("x.json", text.as_bytes()).unwrap_err();
        assert!(err("").contains("文件是空的"), "{}", err(""));
        assert!(err("{\"单位名称\": \"甲\"}").contains("没有 units"));
        assert!(
            err("{\"units\": [").contains("内容提前结束"),
            "{}",
            err("{\"units\": [")
        );
        assert!(
            err("{\"units\": }").contains("不是有效的 JSON：第 1 行第 11 列：这里应为一个值"),
            "{}",
            err("{\"units\": }")
        );
        assert!(err("{\"version\": 2, \"units\": []}").contains("版本为 2"));
        assert!(err("{\"version\": 1, \"units\": []}").contains("没有任何单位"));
        let bad_total = evaluation("甲", Some("九十"), "90.00", Some("优秀"));
        assert!(
            err(&bad_total).contains("总分「九十」不是一个精确数值"),
            "{}",
            err(&bad_total)
        );
        let no_unit =
            "{\"version\":1,\"rules\":{\"year\":2023},\"units\":[{\"number\":1,\"evaluation\":{\"complete\":true}}]}";
        assert!(err(no_unit).contains("缺少「unit」"), "{}", err(no_unit));
        let all_errors = "{\"units\":[{\"unit\":\"甲\",\"status\":\"错误\",\"error\":\"坏\",\"evaluation\":null}]}";
        assert!(err(all_errors).contains("无法确定年度"));
    }

    #[test]
    fn written_decimals() {
        assert_eq!(decimals("94.30"), Some(2));
        assert_eq!(decimals("97"), Some(0));
        assert_eq!(decimals("-1.5"), Some(1));
        assert_eq!(decimals("不完整（已得 93.80 分）"), None);
        assert_eq!(decimals(""), None);
    }
}
