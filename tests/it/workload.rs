//! The benchmark workload (`../shared/bench/WORKLOAD.md`, `benches/workload/workload.jx`):
//! jixiao reproduces the reference output value for value, and the direct CSV path
//! (`batch::fast`) writes exactly what the general path writes.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::{jixiao, root};

const RULES: &str = "benches/workload/workload.jx";

/// The workload's output columns (WORKLOAD.md §3), as `--columns` takes them.
fn columns() -> String {
    crate::read(&root().join("benches/workload/columns.txt"))
        .trim()
        .to_owned()
}

/// `shared/bench` beside the repository (or beside one of its parent folders).
fn bench_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("JIXIAO_BENCH_DIR") {
        return Some(PathBuf::from(dir));
    }
    root()
        .ancestors()
        .map(|a| a.join("shared/bench"))
        .find(|d| d.join("gen_units.py").is_file())
}

/// Generates the first `n` units with the reference generator, or says why it cannot.
fn generate(n: usize, dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let bench = bench_dir().ok_or("shared/bench/gen_units.py not found beside the repository")?;
    let out = dir.join(format!("units-{n}.csv"));
    let status = std::process::Command::new("python3")
        .arg(bench.join("gen_units.py"))
        .arg(n.to_string())
        .arg(&out)
        .status()
        .map_err(|e| format!("python3 not available: {e}"))?;
    if !status.success() {
        return Err(format!("gen_units.py failed: {status}"));
    }
    Ok((out, bench.join(format!("expected-{n}.csv"))))
}

/// Compares two CSV texts cell by cell: numbers by value (`-0.0000` = `0.0000`), text as is.
fn assert_same_values(actual: &str, expected: &str) {
    let actual: Vec<&str> = actual.trim_start_matches('\u{FEFF}').lines().collect();
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(actual.len(), expected.len(), "row count");
    assert_eq!(actual[0], expected[0], "header");
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        let (a, e): (Vec<&str>, Vec<&str>) = (a.split(',').collect(), e.split(',').collect());
        assert_eq!(a.len(), e.len(), "line {}: cell count", i + 1);
        for (c, (x, y)) in a.iter().zip(&e).enumerate() {
            let same = match (Decimal::from_str(x), Decimal::from_str(y)) {
                (Ok(p), Ok(q)) => p == q,
                _ => x == y,
            };
            assert!(
                same,
                "line {}, column {} ({}): {x} ≠ {y}",
                i + 1,
                c + 1,
                expected[0].split(',').nth(c).unwrap_or("")
            );
        }
    }
}

#[test]
fn the_workload_rule_file_checks() {
    let (code, out, err) = jixiao(&["check", RULES]);
    assert_eq!(code, 0, "{out}{err}");
    // The warnings the rule file explains in its header comment, and no others.
    assert!(out.contains("6 个警告"), "{out}");
}

#[test]
fn the_workload_reproduces_the_reference_output() {
    let dir = tempfile::tempdir().unwrap();
    let (units, expected) = match generate(1000, dir.path()) {
        Ok(paths) => paths,
        Err(why) => {
            eprintln!("SKIPPED the_workload_reproduces_the_reference_output: {why}");
            return;
        }
    };
    let expected = crate::read(&expected);
    let units = units.to_str().unwrap();
    let cols = columns();
    for jobs in ["1", "2"] {
        let (code, out, err) = jixiao(&[
            "eval",
            RULES,
            units,
            "--format",
            "csv",
            "--columns",
            &cols,
            "--jobs",
            jobs,
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("1000 个单位：1000 个已评价，没有错误"), "{err}");
        assert_same_values(&out, &expected);
        // Not only the same values: the same text.
        assert_eq!(out, expected);
    }
    // The general path agrees (it is what the direct path falls back on).
    let (_, slow, _) = jixiao(&[
        "eval",
        RULES,
        units,
        "--format",
        "csv",
        "--columns",
        &cols,
        "--no-fast-path",
    ]);
    assert_eq!(slow, expected);
}

/// Rows the direct path must hand to the general path, among rows it evaluates itself.
const AWKWARD: &str = "\
单位名称,编制人数,实有人数,年初预算,实际收入,上年结转,支出合计,基本支出,人员支出,公用支出,项目支出,项目支出预算,重点支出,三公预算,上年三公预算,三公实际,上年三公实际,政府采购预算,政府采购实际,固定资产期初,固定资产新增,固定资产调入,固定资产处置,固定资产期末,备注
岳阳市城市管理综合执法支队,174,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,
编制为零,0,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,
不是数,174,138,abc,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,
,,,,,,,,,,,,,,,,,,,,,,,,
空白必填,174,,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,
多一列,174,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,备注,多余
少几列,174,138,3029.36,3641.42
\"甲, \"\"乙\"\" 单位\", 174 ,138.0,\"3,029.36\",3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,有备注
小数人数,174.5,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,
负数,174,138,-3029.36,3641.42,-0.00,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,
　全角空格　,174,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40,
";

#[test]
fn the_direct_csv_path_writes_what_the_general_path_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("awkward.csv");
    std::fs::write(&path, AWKWARD).unwrap();
    let path = path.to_str().unwrap();
    let cols = columns();
    let with_columns = format!("{cols},序号,来源,状态,错误原因,未通过的勾稽关系,基本支出,编制人数,勾稽.资产勾稽");
    for extra in [
        vec![],
        vec!["--columns", cols.as_str()],
        vec!["--columns", with_columns.as_str()],
    ] {
        let mut general = vec!["eval", RULES, path, "--format", "csv", "--no-fast-path"];
        general.extend(&extra);
        let (code, expected_out, expected_err) = jixiao(&general);
        assert_eq!(code, 0, "{expected_err}");
        assert!(expected_err.contains("有错误"), "{expected_err}");
        for jobs in ["1", "2"] {
            let mut direct = vec!["eval", RULES, path, "--format", "csv", "--jobs", jobs];
            direct.extend(&extra);
            let (code, out, err) = jixiao(&direct);
            assert_eq!(code, 0, "{err}");
            assert_eq!(out, expected_out, "{extra:?} --jobs {jobs}");
            assert_eq!(err, expected_err, "{extra:?} --jobs {jobs}");
        }
    }
}

#[test]
fn the_direct_csv_path_agrees_across_chunks() {
    // 2,000 copies of the awkward rows: several chunks of 4,096, errors and blank rows in
    // each, units numbered across chunk boundaries, the first errors listed in order.
    let (header, body) = AWKWARD.split_once('\n').unwrap();
    let mut text = format!("{header}\n");
    for _ in 0..2000 {
        text.push_str(body);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    let (code, expected_out, expected_err) = jixiao(&["eval", RULES, path, "--format", "csv", "--no-fast-path"]);
    assert_eq!(code, 0, "{expected_err}");
    assert!(expected_err.contains("20000 个单位"), "{expected_err}");
    for jobs in ["1", "2", "3"] {
        let (code, out, err) = jixiao(&["eval", RULES, path, "--format", "csv", "--jobs", jobs]);
        assert_eq!(code, 0, "{err}");
        assert!(out == expected_out, "--jobs {jobs}: the outputs differ");
        assert_eq!(err, expected_err, "--jobs {jobs}");
    }
}

#[test]
fn columns_are_checked_before_any_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("units.csv");
    std::fs::write(&path, AWKWARD).unwrap();
    let path = path.to_str().unwrap();
    let (code, out, err) = jixiao(&[
        "eval",
        RULES,
        path,
        "--format",
        "csv",
        "--columns",
        "单位名称,财政供养人员控制律",
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("「财政供养人员控制律」不是输出表的列"), "{err}");
    assert!(err.contains("是不是「财政供养人员控制率」"), "{err}");
    let (code, _, err) = jixiao(&["eval", RULES, path, "--format", "json", "--columns", "单位名称"]);
    assert_eq!(code, 2);
    assert!(err.contains("--columns 只用于 CSV 输出"), "{err}");
}

#[test]
fn plain_numbers_parse_as_decimal_from_str_does() {
    for text in [
        "0",
        "7",
        "-7",
        "3029.36",
        "44.00",
        "0.0000",
        "007.50",
        "-55.41",
        "123456789012345678",
        "1234567890.12345678",
        "999999999999999999",
        "-0.00",
        "1.",
        ".5",
        "+5",
        "1234567890123456789",
        "3,029.36",
        "1e3",
        " 12 ",
    ] {
        let ours = jixiao::data::parse_decimal(text);
        let theirs = Decimal::from_str(text.trim()).ok();
        match (ours, theirs) {
            (Some(a), Some(b)) => assert_eq!(
                (a.mantissa(), a.scale(), a.is_sign_negative()),
                (b.mantissa(), b.scale(), b.is_sign_negative()),
                "{text}"
            ),
            // Where the number grammar (docs/language.md §13.1) is stricter than
            // `Decimal::from_str`: `1e3`, and a point without digits on both sides.
            (a, b) => assert!(
                text.contains(',') || text.contains('e') || matches!(text, "1." | ".5") || a == b,
                "{text}: {a:?} vs {b:?}"
            ),
        }
    }
}

#[test]
fn the_flat_program_computes_what_the_tree_walker_computes() {
    let rules = r#"
        标题 "程序与树"
        年度 2024
        满分 10
        计步 连续
        输入 甲: 万元
        输入 乙: 万元
        输入 丙: 元
        输入 比: 百分比
        计算 和 = sum(甲, 乙, 万元(丙))  显示 2
        计算 商 = 如果 乙 = 0 则 0 否则 甲 / 乙
        计算 选 = 如果 (甲 > 乙 且 非 (乙 <= 0)) 或 甲 = 乙 则 max(甲, 乙, 1) 否则 min(-甲, 乙)  显示 2
        计算 夹 = clamp(round(商 × 比, 3), 0, 5) + abs(-乙) / (abs(乙) + 1) + 元(乙) / (元(甲) + 10000)
        计算 异 = 如果 甲 != 乙 则 round(-(甲 - 乙) / 3, 0) 否则 0.5  显示 1
        一级 甲类 分值 10 {
          二级 乙类 分值 10 {
            三级 指标 分值 10 { 公式 夹  评分 公式 clamp(值, 0, 10) }
          }
        }
        等级 依据 round(总分, 2) { 好 >= 5  差 < 5 }
        勾稽 平 { 和 = 甲 + 乙 + 万元(丙)  容差 0.01 }
    "#;
    let compiled = crate::compile("程序.jx", rules);
    let model = &compiled.model;
    let mut evaluator = jixiao::eval::Evaluator::new(model);
    assert!(evaluator.compiled());
    let cases = [
        ("1", "2", "30000", "95%"),
        ("2", "1", "0", "50%"),
        ("3", "3", "12345.678", "100%"),
        ("-4.5", "0", "1", "0.333"),
        ("7", "-2", "-5", "-10%"),
        ("79228162514264337593543950335", "1", "0", "100%"),
        ("1", "0.0000000000000000000000000001", "0", "100%"),
    ];
    for (a, b, c, r) in cases {
        let data = format!(
            "\"单位名称\" = \"单位\"\n\"甲\" = \"{a}\"\n\"乙\" = \"{b}\"\n\"丙\" = \"{c}\"\n\"比\" = \"{r}\"\n"
        );
        let record = jixiao::load_data(model, "u.toml", &data, jixiao::DataFormat::Toml).expect("binds");
        let tree = jixiao::eval::evaluate(model, &record);
        let mut outcome = jixiao::eval::Outcome::default();
        let flat = evaluator.evaluate_into(&record, &mut outcome).map(|()| outcome);
        match (tree, flat) {
            (Ok(t), Ok(f)) => assert_eq!(t, f, "{data}"),
            (Err(t), Err(f)) => assert_eq!(format!("{t:?}"), format!("{f:?}"), "{data}"),
            (t, f) => panic!("{data}: tree {t:?}, flat {f:?}"),
        }
    }
}
