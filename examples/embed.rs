//! A host program embedding jixiao: what a budget-management platform does to score units
//! without running the command line. CI runs it (`cargo run --example embed`).
//!
//! 1. load the bureau's rule file (its `基于` chain resolved);
//! 2. list the figures a unit reports, to build the platform's own form;
//! 3. build a unit value by value, with a bad value refused where it is set;
//! 4. evaluate it, and a unit read from a data file, and print scores, total and grade;
//! 5. evaluate a batch, one bad unit among good ones;
//! 6. serialise a result to the JSON contract.

use std::process::ExitCode;

use jixiao::{DataFormat, ErrorKind, InputType, Options, ProblemKind, Rules};
use rust_decimal::Decimal;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), jixiao::Error> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = Rules::load(root.join("rules/yueyang-2021.jx"))?;
    println!(
        "规则：{}（{} 年度），满分 {}",
        rules.title(),
        rules.year(),
        rules.full_marks()
    );

    // The form: every input with its type and whether it must be reported.
    let inputs = rules.inputs();
    let required = inputs.iter().filter(|i| i.required).count();
    let amounts = inputs
        .iter()
        .filter(|i| matches!(i.input_type, InputType::Amount { .. }))
        .count();
    println!("输入 {} 项（必填 {required} 项，金额 {amounts} 项）", inputs.len());

    // A unit from the platform's own records: the seed unit's data file.
    let text = std::fs::read_to_string(root.join("examples/yueyang-2021/chengguan-zhifa.toml")).map_err(|e| {
        jixiao::Error::Io {
            path: "chengguan-zhifa.toml".into(),
            message: e.to_string(),
        }
    })?;
    let seed = rules.unit_from_text(&text, DataFormat::Toml)?;
    let evaluation = rules.evaluate(&seed, &Options::default())?;
    println!(
        "{}：{} 分，{}",
        evaluation.unit,
        evaluation.total_display,
        evaluation.grade.as_deref().unwrap_or("无等级")
    );
    for indicator in evaluation.indicators.iter().take(3) {
        println!(
            "  {}：{} → {} / {}",
            indicator.name,
            indicator.display.as_deref().unwrap_or("—"),
            indicator.score_display,
            indicator.weight
        );
    }
    println!("  复核：{}", evaluation.audit.summary);
    assert_eq!(evaluation.indicators[0].display.as_deref(), Some("79.31%"));
    assert_eq!(evaluation.total_display, "94.30");
    assert_eq!(evaluation.grade.as_deref(), Some("优秀"));

    // A unit built value by value: a bad value is refused where it is set.
    let mut unit = rules.unit("某单位");
    match unit.set("编制人数", "一百七十四") {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Data(ProblemKind::InvalidValue));
            println!("拒绝：{e}（{}）", e.code());
        }
        Ok(_) => unreachable!("text is not a headcount"),
    }
    unit.set("编制人数", 174)?.set("实有人数", 138)?;
    unit.set("年初预算", Decimal::new(369_683, 2))?; // 3696.83 万元, exact
    let partial = rules.evaluate(&unit.build(), &Options::default().partial(true))?;
    println!("部分评价：{}", partial.total_display);
    assert!(!partial.complete);

    // A batch with the one compiled rule set: one bad unit never stops the others.
    let units = [seed.clone(), unit.build(), seed];
    let results = rules.evaluate_many(&units, &Options::default().audit(false));
    for (unit, result) in units.iter().zip(&results) {
        match result {
            Ok(ev) => println!("  {unit}：{}", ev.total_display),
            Err(e) => println!("  {unit}：错误 {}（{} 处问题）", e.code(), e.problems().len()),
        }
    }
    assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());

    // The JSON contract, as the command line and the server give it.
    let json = serde_json::to_value(&evaluation).expect("an evaluation serialises");
    assert_eq!(json["version"], jixiao::JSON_VERSION);
    println!("JSON：version {}，total {}", json["version"], json["total"]);
    Ok(())
}
