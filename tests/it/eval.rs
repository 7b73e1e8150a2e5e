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
            let mut table = jixiao::report::render_table(&ev);
            table.push_str(&jixiao::report::render_explain(&ev));
            table.push_str(&jixiao::report::render_audit(&ev));
            table.push_str(&jixiao::report::render_provenance(&ev));
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
            &jixiao::report::render_table(&before),
            &jixiao::report::render_table(&after),
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
