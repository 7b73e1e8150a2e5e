//! Snapshots of every bundled rule file × example unit (table, json, explain), and
//! what a rule edit does to them.

use std::path::Path;

fn evaluate(rules_text: &str, rules_name: &str, data_path: &Path, explain: bool) -> jixiao::report::Evaluation {
    let compiled = crate::compile(rules_name, rules_text);
    let data = crate::read(data_path);
    let name = data_path.file_name().unwrap().to_string_lossy().to_string();
    let format = jixiao::DataFormat::from_path(&name).unwrap();
    let record = jixiao::load_data(&compiled.model, &name, &data, format)
        .unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&e)));
    jixiao::evaluate(&compiled.model, &record, explain)
        .unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&*e)))
}

/// The rule file an example belongs to: `examples/<rules-stem>/<unit>.toml`.
fn rules_for(example: &Path) -> (String, String) {
    let stem = example
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let name = format!("rules/{stem}.jx");
    (crate::read(&crate::root().join(&name)), name)
}

#[test]
fn every_rule_file_on_its_examples() {
    crate::in_snapshot_dir(|| {
        insta::glob!("../../examples", "*/*.toml", |path| {
            let (text, name) = rules_for(path);
            let ev = evaluate(&text, &name, path, true);
            let mut table = jixiao_io::text::render_table(&ev);
            table.push_str(&jixiao_io::text::render_explain(&ev));
            table.push_str(&jixiao_io::text::render_audit(&ev));
            table.push_str(&jixiao_io::text::render_provenance(&ev));
            let unit = format!(
                "{}__{}",
                path.parent().unwrap().file_name().unwrap().to_string_lossy(),
                path.file_stem().unwrap().to_string_lossy()
            );
            insta::assert_snapshot!(format!("eval_table@{unit}"), table);
            let plain = evaluate(&text, &name, path, false);
            insta::assert_json_snapshot!(format!("eval_json@{unit}"), plain);
        });
    });
}

#[test]
fn editing_a_threshold_changes_the_result_without_rebuilding() {
    let root = crate::root();
    let original = crate::read(&root.join("rules/yueyang-2021.jx"));
    let data = root.join("examples/yueyang-2021/chengguan-zhifa.toml");
    // The bureau tightens 财政供养人员控制率 from 100% to 75%.
    let edited = original.replacen(
        "评分 扣分 { 基准 100% 每超过 1 百分点 扣 0.5 }",
        "评分 扣分 { 基准 75% 每超过 1 百分点 扣 0.5 }",
        1,
    );
    assert_ne!(original, edited, "the edit must apply");
    let before = evaluate(&original, "yueyang-2021.jx", &data, false);
    let after = evaluate(&edited, "yueyang-2021（改）.jx", &data, false);
    let score = |ev: &jixiao::report::Evaluation| {
        ev.indicators
            .iter()
            .find(|i| i.name == "财政供养人员控制率")
            .unwrap()
            .score_display
            .clone()
    };
    assert_eq!(score(&before), "5.00");
    // 79.31% exceeds 75% by 4.3103… points: 5 − 0.5 × 4.3103… = 2.8448…
    assert_eq!(score(&after), "2.84");
    assert_eq!(before.total_display, "94.30");
    assert_eq!(after.total_display, "92.14");
    crate::in_snapshot_dir(|| {
        let diff = similar_lines(
            &jixiao_io::text::render_table(&before),
            &jixiao_io::text::render_table(&after),
        );
        insta::assert_snapshot!("threshold_edit_diff", diff);
    });
}

/// Lines that differ between two reports, as `-`/`+` pairs.
fn similar_lines(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, y)| format!("- {x}\n+ {y}\n"))
        .collect()
}

// ── the number grammar in data files (docs/language.md §13) ──────────────

const NUMBERS_RULES: &str = r#"标题 "数"
年度 2021
满分 5
输入 金额: 万元 { 缺失时 0 }
输入 比率: 百分比 { 缺失时 0 }
一级 甲 分值 5 {
  二级 乙 分值 5 {
    三级 丙 分值 5 {
      公式 金额
      评分 评审
    }
  }
}
等级 { 好 >= 3  差 < 3 }
"#;

/// `金额` (and `比率` when `percent`) as a data file of `format` writes it: the value,
/// or the problem's message.
fn data_number(format: jixiao::DataFormat, field: &str, written: &str) -> Result<String, String> {
    let compiled = crate::compile("numbers.jx", NUMBERS_RULES);
    let (name, text) = match format {
        jixiao::DataFormat::Json => (
            "d.json",
            format!("{{\"单位名称\": \"u\", \"{field}\": {written}, \"评审\": {{\"丙\": 1}}}}"),
        ),
        _ => (
            "d.toml",
            format!("\"单位名称\" = \"u\"\n\"{field}\" = {written}\n[\"评审\"]\n\"丙\" = 1\n"),
        ),
    };
    let i = compiled.model.inputs.iter().position(|d| d.name == field).unwrap();
    match jixiao::load_data(&compiled.model, name, &text, format) {
        Ok(record) => match &record.values[i] {
            jixiao::model::Value::Num(n) => Ok(n.to_string()),
            other => panic!("{other:?}"),
        },
        Err(e) => Err(e
            .problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

#[test]
fn one_number_grammar_in_toml_and_json() {
    use jixiao::DataFormat::{Json, Toml};
    let sci = |plain: &str| Err(format!("不支持科学计数法：请写成 {plain}"));
    let under = |plain: &str| Err(format!("数字中不能有下划线：请写成 {plain}"));
    let cases: &[(jixiao::DataFormat, &str, Result<String, String>)] = &[
        // TOML numbers: the TOML syntax allows `1e3` and `1_000`; jixiao does not.
        (Toml, "1e3", sci("1000")),
        (Toml, "1E3", sci("1000")),
        (Toml, "1e30", sci("1000000000000000000000000000000")),
        (Toml, "1_7_4", under("174")),
        (Toml, "3_696.83", under("3696.83")),
        (Toml, "-0.5", Ok("-0.5".into())),
        (Toml, "+3", Ok("3".into())),
        // TOML strings: the same grammar, plus thousands separators and full-width forms.
        (Toml, "\"1e3\"", sci("1000")),
        (Toml, "\"1e30\"", sci("1000000000000000000000000000000")),
        (Toml, "\"1E3\"", sci("1000")),
        (Toml, "\"36_96.83\"", under("3696.83")),
        (Toml, "\"_3696.83\"", under("3696.83")),
        (Toml, "\"1_7_4\"", under("174")),
        (
            Toml,
            "\"1,74\"",
            Err("千分位逗号只能三位一组，例如 1,234,567.89：请写成 174（若逗号是小数点，写成 1.74）".into()),
        ),
        (Toml, "\"1,234.5\"", Ok("1234.5".into())),
        (Toml, "\"1,234,567.89\"", Ok("1234567.89".into())),
        (Toml, "\"１２３．５\"", Ok("123.5".into())),
        (Toml, "\"－１，２３４\"", Ok("-1234".into())),
        (Toml, "\"−3\"", Ok("-3".into())),
        (Toml, "\"-0.5\"", Ok("-0.5".into())),
        (Toml, "\"+3\"", Ok("3".into())),
        (Toml, "\".5\"", Err("小数点前后都要有数字：请写成 0.5".into())),
        (Toml, "\"5.\"", Err("小数点前后都要有数字：请写成 5".into())),
        // JSON numbers keep their text (serde_json `arbitrary_precision`).
        (Json, "1e3", sci("1000")),
        (Json, "1E3", sci("1000")),
        (Json, "1e30", sci("1000000000000000000000000000000")),
        (Json, "2.5E-3", sci("0.0025")),
        (Json, "-0.5", Ok("-0.5".into())),
        (
            Json,
            "\"1,74\"",
            Err("千分位逗号只能三位一组，例如 1,234,567.89：请写成 174（若逗号是小数点，写成 1.74）".into()),
        ),
        (Json, "\"1,234.5\"", Ok("1234.5".into())),
        (Json, "\"1_7_4\"", under("174")),
    ];
    for (format, written, want) in cases {
        let got = data_number(*format, "金额", written);
        match (&got, want) {
            (Ok(v), Ok(w)) => assert_eq!(v, w, "{format:?} {written}"),
            (Err(m), Err(w)) => assert!(m.contains(w.as_str()), "{format:?} {written}: {m}"),
            _ => panic!("{format:?} {written}: got {got:?}, want {want:?}"),
        }
    }
    // A percent input: `95%` and the fraction 0.95 are the same; `9.5e1%` is not a number.
    for (format, written, want) in [
        (Toml, "\"95%\"", Ok("0.95".to_owned())),
        (Toml, "\"９５％\"", Ok("0.95".to_owned())),
        (Toml, "0.95", Ok("0.95".to_owned())),
        (Json, "\"95%\"", Ok("0.95".to_owned())),
        (Toml, "\"9.5e1%\"", Err("不支持科学计数法：请写成 95%".to_owned())),
        (Toml, "\"9_5%\"", Err("数字中不能有下划线：请写成 95%".to_owned())),
    ] {
        let got = data_number(format, "比率", written);
        match (&got, &want) {
            (Ok(v), Ok(w)) => assert_eq!(v, w, "{format:?} {written}"),
            (Err(m), Err(w)) => assert!(m.contains(w.as_str()), "{format:?} {written}: {m}"),
            _ => panic!("{format:?} {written}: got {got:?}, want {want:?}"),
        }
    }
}

/// A review score and the 自评 totals are read by the same grammar.
#[test]
fn review_scores_and_stated_totals_reject_scientific_notation_too() {
    let compiled = crate::compile("numbers.jx", NUMBERS_RULES);
    let text = "\"单位名称\" = \"u\"\n[\"评审\"]\n\"丙\" = 1e0\n[\"自评\"]\n\"总分\" = \"4_5\"\n";
    let err = jixiao::load_data(&compiled.model, "d.toml", text, jixiao::DataFormat::Toml).unwrap_err();
    let messages: Vec<&str> = err.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("不支持科学计数法：请写成 1")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("数字中不能有下划线：请写成 45")),
        "{messages:?}"
    );
}
