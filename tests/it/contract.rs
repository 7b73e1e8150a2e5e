//! The JSON contract (issue 18, item 3): every evaluation jixiao prints — one unit, each unit
//! of a batch, complete, incomplete, with 不适用, with explanations and 复核 — validates
//! against docs/schema/evaluation.schema.json; batches (CLI and server) against
//! batch.schema.json, comparisons against diff.schema.json and year-over-year comparisons
//! against trend.schema.json, so the schemas and the output cannot drift.

use crate::jixiao;

fn schema(name: &str) -> serde_json::Value {
    let text = crate::read(&crate::root().join("docs/schema").join(name));
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The schemas refer to each other by their `$id`s; they are read from docs/schema/, never
/// fetched.
struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        match name {
            "evaluation.schema.json" | "batch.schema.json" | "diff.schema.json" | "trend.schema.json" => {
                Ok(schema(name))
            }
            _ => Err(format!("not a jixiao schema: {uri}").into()),
        }
    }
}

fn compile(name: &str) -> jsonschema::Validator {
    jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&schema(name))
        .unwrap_or_else(|e| panic!("{name} compiles: {e}"))
}

fn validator() -> jsonschema::Validator {
    compile("evaluation.schema.json")
}

/// Several units: `eval … --format json` with a batch, `/api/evaluate`.
pub fn batch_validator() -> jsonschema::Validator {
    compile("batch.schema.json")
}

/// A comparison: `diff --format json`, `/api/diff`, the editor's preview.
pub fn diff_validator() -> jsonschema::Validator {
    compile("diff.schema.json")
}

/// Several years of the same units: `trend --format json`, `/api/trend`.
pub fn trend_validator() -> jsonschema::Validator {
    compile("trend.schema.json")
}

/// `jixiao validate --format json`.
pub fn validate_validator() -> jsonschema::Validator {
    compile("validate.schema.json")
}

/// `jixiao test --format json`.
pub fn test_validator() -> jsonschema::Validator {
    compile("test.schema.json")
}

pub fn assert_valid(validator: &jsonschema::Validator, what: &str, v: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

#[test]
fn every_evaluation_printed_follows_the_schema() {
    let validator = validator();
    let mut seen = 0;
    for entry in std::fs::read_dir(crate::root().join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(files) = std::fs::read_dir(&dir) else { continue };
        for file in files {
            let path = file.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let rules = if dir.ends_with("yueyang-2022") {
                "rules/yueyang-2022.jx"
            } else {
                "rules/yueyang-2021.jx"
            };
            let data = path.to_str().unwrap();
            let (code, out, err) = jixiao(&["eval", rules, data, "--format", "json", "--explain", "--audit"]);
            assert_eq!(code, 0, "{data}: {err}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{data}: {e}\n{err}"));
            assert_valid(&validator, data, &v);
            seen += 1;
        }
    }
    assert!(seen >= 1, "no example unit");
    // Each unit of a batch, as JSON Lines.
    let (code, out, err) = jixiao(&[
        "eval",
        "rules/yueyang-2021.jx",
        "examples/yueyang-2021/units.csv",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    for line in out.lines() {
        let unit: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_valid(&validator, "units.csv", &unit["evaluation"]);
    }
}

#[test]
fn incomplete_and_not_applicable_evaluations_follow_the_schema() {
    let validator = validator();
    let dir = tempfile::tempdir().unwrap();
    // Only the headcount (--partial): incomplete, every check unchecked.
    let partial = dir.path().join("p.toml");
    std::fs::write(
        &partial,
        "\"单位名称\" = \"某局\"\n\"编制人数\" = 174\n\"实有人数\" = 138\n",
    )
    .unwrap();
    let (code, out, err) = jixiao(&[
        "eval",
        "rules/yueyang-2021.jx",
        partial.to_str().unwrap(),
        "--partial",
        "--format",
        "json",
        "--explain",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["complete"], false);
    assert_valid(&validator, "partial", &v);
    // 不适用 under each total rule, through the library.
    let rules = crate::read(&crate::root().join("tests/it/not_applicable.rs"));
    let start = rules.find("标题 \"不适用\"").unwrap();
    let text = &rules[start..rules[start..].find("\"#;").unwrap() + start];
    for mode in ["按适用分值折算", "按同级分值折算", "按得分率定级"] {
        let compiled = crate::compile("na.jx", &text.replace("按适用分值折算", mode));
        let record = jixiao::load_data(
            &compiled.model,
            "d.toml",
            "\"单位名称\" = \"甲\"\n\"上年\" = 0\n\"本年\" = 50\n\"人数\" = 20\n\"计划\" = 100\n",
            jixiao::DataFormat::Toml,
        )
        .unwrap();
        let ev = jixiao::evaluate(&compiled.model, &record, true).unwrap();
        assert_valid(&validator, mode, &serde_json::to_value(&ev).unwrap());
    }
}

#[test]
fn batches_and_comparisons_follow_their_schemas() {
    let batch = batch_validator();
    let dir = tempfile::tempdir().unwrap();
    // A CSV whose first unit has a headcount in words, and several data files at once.
    let csv = crate::read(&crate::root().join("examples/yueyang-2021/units.csv"));
    let broken = csv.replacen(",174,138,", ",一百七十四,138,", 1);
    assert_ne!(broken, csv, "the seed unit's headcounts are 174 and 138");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, broken).unwrap();
    for args in [
        vec![
            "eval",
            "rules/yueyang-2021.jx",
            "examples/yueyang-2021/units.csv",
            "--format",
            "json",
        ],
        vec![
            "eval",
            "rules/yueyang-2021.jx",
            bad.to_str().unwrap(),
            "--format",
            "json",
            "--explain",
        ],
        vec![
            "audit",
            "rules/yueyang-2021.jx",
            "examples/yueyang-2021/chengguan-zhifa.toml",
            "examples/yueyang-2021/units.xlsx",
            "--format",
            "json",
        ],
    ] {
        let (_, out, err) = jixiao(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{err}"));
        assert_valid(&batch, &args.join(" "), &v);
        assert_eq!(v["version"], 1);
        assert_eq!(v["rules"]["file"], "yueyang-2021.jx", "a file name, not a path");
    }
    let (code, out, _) = jixiao(&[
        "eval",
        "rules/yueyang-2021.jx",
        bad.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "a bad row does not fail the run without --strict");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 7);
    assert_eq!(statuses.iter().filter(|s| **s == "错误").count(), 1, "{statuses:?}");

    // A schema that let anything through would pass all of that: it does not.
    let mut wrong = v.clone();
    wrong["units"][0]["status"] = "好".into();
    assert!(!batch.is_valid(&wrong));
    wrong = v.clone();
    wrong["version"] = 2.into();
    assert!(!batch.is_valid(&wrong));

    let diff = diff_validator();
    let (code, out, err) = jixiao(&[
        "diff",
        "rules/yueyang-2021.jx",
        "rules/yueyang-2022.jx",
        "examples/yueyang-2021/units.csv",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_valid(&diff, "diff", &v);
    assert!(!v["units"].as_array().unwrap().is_empty());
}

#[test]
fn year_over_year_comparisons_follow_their_schema() {
    let trend = trend_validator();
    let saved = crate::trend::Saved::new();
    let names = "tests/fixtures/trend/更名.csv";
    let (a, b) = (saved.arg(2021), saved.arg(2022));
    for args in [
        vec!["trend", &a, &b, "--format", "json"],
        vec!["trend", &a, &b, "--names", names, "--format", "json"],
        vec![
            "trend",
            &a,
            "--eval",
            "rules/yueyang-2022.jx",
            "tests/fixtures/trend/units-2022.csv",
            "--partial",
            "--format",
            "json",
        ],
    ] {
        let (code, out, err) = jixiao(&args);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_valid(&trend, &args.join(" "), &v);
    }
    // The schema holds: a total on a unit-year in error, an unknown status, one year.
    let (_, out, _) = jixiao(&["trend", &a, &b, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut wrong = v.clone();
    wrong["units"][3]["years"][1]["total"] = "88".into();
    assert_eq!(wrong["units"][3]["years"][1]["status"], "错误");
    assert!(!trend.is_valid(&wrong));
    wrong = v.clone();
    wrong["units"][0]["years"][0]["status"] = "好".into();
    assert!(!trend.is_valid(&wrong));
    wrong = v.clone();
    wrong["years"].as_array_mut().unwrap().pop();
    assert!(!trend.is_valid(&wrong));
}

/// `jixiao test --format json`: the repository's cases with coverage, and a file whose
/// cases fail or cannot run, each case at its file and line with every expectation.
#[test]
fn test_results_follow_their_schema() {
    let validator = test_validator();
    let (code, out, err) = jixiao(&["test", "rules/", "--coverage", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_valid(&validator, "test --coverage", &v);
    assert_eq!(v["version"], jixiao::JSON_VERSION);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(v["summary"]["cases"], cases.len());
    assert_eq!(v["summary"]["failed"], 0);
    let first = &cases[0];
    assert_eq!(first["file"], "rules/yueyang-2021.test.jx");
    assert_eq!(first["line"], 8);
    let rate = &first["expectations"][0];
    assert_eq!(
        (&rate["subject"], &rate["expected"], &rate["actual"], &rate["exact"]),
        (
            &"财政供养人员控制率".into(),
            &"79.31%".into(),
            &"79.31%".into(),
            &"23/29".into()
        )
    );
    let coverage = v["coverage"].as_array().expect("coverage asked for");
    assert!(coverage[0]["total"].as_u64().unwrap() > 0);

    let dir = tempfile::tempdir().unwrap();
    let root = crate::root();
    let rules = root.join("rules/yueyang-2021.jx");
    let seed = root.join("examples/yueyang-2021/chengguan-zhifa.toml");
    let text = format!(
        "基于 \"{}\"\n\n测试 \"总分写错了\" {{\n  数据 \"{}\"\n  期望 总分 = 90\n  期望 等级 = 优秀\n  期望 财政供养人员控制率 = 80.00%\n}}\n\n测试 \"数据文件不在\" {{\n  数据 \"没有这个文件.toml\"\n  期望 总分 = 1\n}}\n",
        rules.display(),
        seed.display()
    );
    let file = dir.path().join("错的.test.jx");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) = jixiao(&["test", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_valid(&validator, "failing test", &v);
    assert_eq!(v["coverage"], serde_json::Value::Null);
    assert_eq!(v["summary"]["failed"], 2);
    let wrong = &v["cases"][0];
    assert_eq!(wrong["file"], file.to_str().unwrap());
    assert_eq!(wrong["line"], 3);
    assert_eq!(wrong["passed"], false);
    let e = wrong["expectations"].as_array().unwrap();
    assert_eq!(
        (&e[0]["expected"], &e[0]["actual"], &e[0]["passed"]),
        (&"90".into(), &"94.30".into(), &false.into())
    );
    assert_eq!(e[0]["exact"], "4149/44");
    assert_eq!(e[1]["passed"], true);
    assert_eq!((&e[2]["actual"], &e[2]["exact"]), (&"79.31%".into(), &"23/29".into()));
    assert_eq!(wrong["failures"].as_array().unwrap().len(), 2);
    let missing = &v["cases"][1];
    assert_eq!(missing["line"], 10);
    assert!(
        missing["error"].as_str().unwrap().contains("没有这个文件.toml"),
        "{missing}"
    );
    assert_eq!(missing["expectations"], serde_json::json!([]));
}
