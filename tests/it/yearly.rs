//! Yearly rule changes: a file written as changes on last year's (`基于`), what changed
//! (`jixiao diff`), and the bureau's own test cases (`jixiao test`).

use crate::jixiao;

#[test]
fn the_2022_rules_are_the_2021_rules_with_three_changes() {
    let root = crate::root();
    let path = root.join("rules/yueyang-2022.jx");
    let compiled = crate::compile(&path.display().to_string(), &crate::read(&path));
    let m = &compiled.model;
    assert_eq!(m.year, 2022);
    assert_eq!(m.leaves.len(), 23);
    let weight = |name: &str| m.nodes.iter().find(|n| n.name == name).unwrap().weight.to_string();
    assert_eq!(weight("支付进度"), "2");
    assert_eq!(weight("预算执行"), "14");
    assert_eq!(weight("过程"), "39");
    assert_eq!(weight("社会公众或服务对象满意度"), "7");
    assert_eq!(weight("效果"), "23");
    // Everything else comes from 2021 unchanged.
    assert_eq!(weight("三公经费控制率"), "6");
    assert_eq!(m.checks.len(), 14);
}

#[test]
fn show_prints_the_merged_rules_and_they_check() {
    let (code, out, err) = jixiao(&["show", "rules/yueyang-2022.jx"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("年度 2022"));
    assert!(out.contains("(0, 5%]    得 2"), "{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("基于")),
        "the merged rules stand alone"
    );
    let merged = crate::compile("merged.jx", &out);
    assert_eq!(merged.model.year, 2022);
}

#[test]
fn diff_lists_rule_changes_and_units_whose_total_or_grade_changes() {
    let (code, out, err) = jixiao(&[
        "diff",
        "rules/yueyang-2021.jx",
        "rules/yueyang-2022.jx",
        "examples/yueyang-2021/units.csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[分值] 过程 / 预算执行 / 支付进度：3 → 2"), "{out}");
    crate::in_snapshot_dir(|| insta::assert_snapshot!("diff_2021_2022_units", out));
    let (code, json, _) = jixiao(&[
        "diff",
        "rules/yueyang-2021.jx",
        "rules/yueyang-2022.jx",
        "examples/yueyang-2021/units.csv",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let units = v["units"].as_array().unwrap();
    // Ranked by the size of the change: the first unit changes most.
    let deltas: Vec<f64> = units
        .iter()
        .map(|u| u["delta"].as_str().unwrap().parse::<f64>().unwrap().abs())
        .collect();
    assert!(deltas.windows(2).all(|w| w[0] >= w[1]), "{deltas:?}");
}

#[test]
fn bundled_rule_tests_pass() {
    let (code, out, err) = jixiao(&["test", "rules/"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn a_changed_criterion_fails_the_bundled_tests_loudly() {
    let root = crate::root();
    let dir = std::env::temp_dir().join(format!("jixiao-yearly-{}", std::process::id()));
    let rules = dir.join("rules");
    let examples = dir.join("examples/yueyang-2021");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::create_dir_all(&examples).unwrap();
    // The bureau "accidentally" loosens a threshold in a copy of the file.
    let original = crate::read(&root.join("rules/yueyang-2021.jx"));
    let edited =
        original
            .replacen(">= 90%     得 5", ">= 85%     得 5", 1)
            .replacen("[80%, 90%) 得 4", "[80%, 85%) 得 4", 1);
    assert_ne!(original, edited);
    std::fs::write(rules.join("yueyang-2021.jx"), edited).unwrap();
    std::fs::copy(
        root.join("rules/yueyang-2021.test.jx"),
        rules.join("yueyang-2021.test.jx"),
    )
    .unwrap();
    std::fs::copy(
        root.join("examples/yueyang-2021/chengguan-zhifa.toml"),
        examples.join("chengguan-zhifa.toml"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["test", rules.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗"), "{stdout}");
    assert!(stdout.contains("重点支出安排率"), "{stdout}");
}

#[test]
fn a_test_that_sets_an_unknown_field_fails_instead_of_testing_nothing() {
    let root = crate::root();
    let dir = std::env::temp_dir().join(format!("jixiao-set-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = root.join("rules/yueyang-2021.jx");
    let data = root.join("examples/yueyang-2021/chengguan-zhifa.toml");
    let text = format!(
        "基于 \"{}\"\n测试 \"拼错的字段\" {{\n  数据 \"{}\"\n  设 实有人 = 200\n  期望 等级 = 优秀\n}}\n\
         测试 \"用输入的正式名称设别名填写的值\" {{\n  数据 \"{}\"\n  设 政府采购执行率填报值 = 95%\n  期望 政府采购执行率 得分 = 2.5\n}}\n",
        base.display(),
        data.display(),
        data.display()
    );
    let file = dir.join("set.test.jx");
    std::fs::write(&file, text).unwrap();
    let (code, out, _) = jixiao(&["test", file.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✗ 拼错的字段"), "{out}");
    assert!(out.contains("`实有人` 不是规则文件声明的输入"), "{out}");
    assert!(out.contains("✓ 用输入的正式名称设别名填写的值"), "{out}");
}

#[test]
fn diff_writes_csv_and_xlsx() {
    use calamine::Reader;
    let dir = std::env::temp_dir().join(format!("jixiao-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xlsx = dir.join("变化.xlsx");
    let args = [
        "diff",
        "rules/yueyang-2021.jx",
        "rules/yueyang-2022.jx",
        "examples/yueyang-2021/units.csv",
    ];
    let (code, _, err) = jixiao(&[&args[..], &["-o", xlsx.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["规则变化", "单位影响"]);
    let units = wb.worksheet_range("单位影响").unwrap();
    assert_eq!(units.height(), 1 + 7, "a header and one row per unit");
    let (code, csv, _) = jixiao(&[&args[..], &["--format", "csv"]].concat());
    assert_eq!(code, 0);
    assert_eq!(csv.lines().count(), 1 + 7);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains("市园林绿化服务中心（虚构）,84.85,83.85,-1.00"),
        "{csv}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
