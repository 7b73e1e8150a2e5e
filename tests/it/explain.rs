//! One unit prints its score sheet whatever file it came in, and `--explain` is never
//! silently ignored (issue 21, item 7): a returned template, a one-row CSV or workbook give
//! the 评分表 a TOML file gives; with several units the table explains each one up to
//! [`EXPLAINED`] units, and refuses beyond, saying what to use; every other
//! format carries the explanations or refuses.

use std::path::{Path, PathBuf};

use jixiao_io::template;

use crate::jixiao;

const RULES: &str = "rules/yueyang-2021.jx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";
const UNITS_CSV: &str = "examples/yueyang-2021/units.csv";

/// The most units `--explain` explains in a table on a terminal.
const EXPLAINED: usize = 20;

/// The score sheet without its 来源 line (which names the data file).
fn sheet(out: &str) -> String {
    out.lines()
        .filter(|l| !l.starts_with("来源："))
        .collect::<Vec<_>>()
        .join("\n")
}

fn seed_workbook(dir: &Path) -> PathBuf {
    let model = crate::compile(RULES, &crate::read(&crate::root().join(RULES))).model;
    let path = dir.join("城管执法支队.xlsx");
    std::fs::write(
        &path,
        template::xlsx::write(&crate::template::seed_template(&model)).unwrap(),
    )
    .unwrap();
    path
}

/// The example CSV's header and its first `n` units' records (the seed unit first).
fn first_units(dir: &Path, n: usize) -> PathBuf {
    let text = crate::read(&crate::root().join(UNITS_CSV));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let path = dir.join(format!("前{n}个单位.csv"));
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&rows[0]).unwrap();
    for i in 0..n {
        let mut row = rows[1 + i % (rows.len() - 1)].clone();
        if i >= rows.len() - 1 {
            // Repeated rows get names of their own.
            let name = format!("{}（{}）", &row[0], i + 1);
            row = std::iter::once(name.as_str()).chain(row.iter().skip(1)).collect();
        }
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    path
}

#[test]
fn one_returned_workbook_prints_the_score_sheet_a_toml_file_gives() {
    let dir = tempfile::tempdir().unwrap();
    let book = seed_workbook(dir.path());
    for extra in [&[][..], &["--explain"], &["--audit", "--explain"]] {
        let (code, from_toml, err) = jixiao(&[&["eval", RULES, SEED][..], extra].concat());
        assert_eq!(code, 0, "{err}");
        let (code, from_book, err) = jixiao(&[&["eval", RULES, book.to_str().unwrap()][..], extra].concat());
        assert_eq!(code, 0, "{err}");
        assert_eq!(sheet(&from_book), sheet(&from_toml), "{extra:?}");
        assert!(from_book.contains("总分：94.30    等级：优秀"), "{from_book}");
        assert!(from_book.contains(&format!("数据 {}", book.display())), "{from_book}");
    }
}

#[test]
fn a_one_row_csv_or_workbook_prints_the_score_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let csv = first_units(dir.path(), 1);
    let (_, from_toml, _) = jixiao(&["eval", RULES, SEED, "--explain"]);
    let (code, from_csv, err) = jixiao(&["eval", RULES, csv.to_str().unwrap(), "--explain"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sheet(&from_csv), sheet(&from_toml));
    // The same row in a workbook (through standard input, named 标准输入).
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let text = crate::read(&csv);
    for (r, record) in csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .enumerate()
    {
        for (c, cell) in record.unwrap().iter().enumerate() {
            ws.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let xlsx = dir.path().join("一个单位.xlsx");
    wb.save(&xlsx).unwrap();
    let (code, from_xlsx, err) = jixiao(&["eval", RULES, xlsx.to_str().unwrap(), "--explain"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sheet(&from_xlsx), sheet(&from_toml));
}

#[test]
fn several_units_are_each_explained_in_the_table() {
    let (code, out, err) = jixiao(&["eval", RULES, UNITS_CSV, "--explain"]);
    assert_eq!(code, 0, "{err}");
    // The summary table, then each unit's score sheet with its explanations.
    assert!(out.contains("│ 序号"), "{out}");
    assert_eq!(out.matches("\n评分说明\n").count(), 7, "{out}");
    assert!(
        out.contains("\n════ 1 岳阳市城市管理综合执法支队（examples/yueyang-2021/units.csv 第 2 行） ════\n"),
        "{out}"
    );
    let (_, seed, _) = jixiao(&["eval", RULES, SEED, "--explain"]);
    let seed = sheet(&seed);
    let explained = seed[seed.find("\n评分说明\n").unwrap()..].trim_end();
    assert!(
        out.contains(explained),
        "the seed unit's explanation as a TOML file gives it"
    );
    // Without --explain: the summary table only.
    let (_, out, _) = jixiao(&["eval", RULES, UNITS_CSV]);
    assert!(!out.contains("评分说明"), "{out}");
}

/// More than [`EXPLAINED`] units are not explained in the table (the terminal's format):
/// refused before anything is written, saying what to use; up to it, each one is.
#[test]
fn more_units_than_the_table_explains_are_refused_with_what_to_use() {
    let dir = tempfile::tempdir().unwrap();
    let many = first_units(dir.path(), EXPLAINED + 1);
    let (code, out, err) = jixiao(&["eval", RULES, many.to_str().unwrap(), "--explain"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "nothing written: {out}");
    assert!(
        err.contains(&format!("超过 {EXPLAINED} 个单位"))
            && err.contains("-o 评价报告.html")
            && err.contains("--format json"),
        "{err}"
    );
    let few = first_units(dir.path(), EXPLAINED);
    let (code, out, err) = jixiao(&["eval", RULES, few.to_str().unwrap(), "--explain"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("\n评分说明\n").count(), EXPLAINED);
    // Without --explain any number of units is a line each.
    let (code, _, err) = jixiao(&["eval", RULES, many.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

/// Every other output format carries the explanations (`--explain`, or always for the
/// workbook and the report), or says why not.
#[test]
fn every_format_carries_the_explanations_or_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let (code, out, err) = jixiao(&[&["eval", RULES, UNITS_CSV, "--explain"][..], args].concat());
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    let csv = run(&["--format", "csv"]);
    assert!(csv.lines().next().unwrap().contains("评分说明"), "a column");
    assert!(csv.contains("【投入 / 预算配置 / 财政供养人员控制率】"), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    assert!(json["units"][0]["evaluation"]["indicators"][0]["explanation"].is_object());
    let jsonl = run(&["--format", "jsonl"]);
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert!(first["evaluation"]["indicators"][0]["explanation"].is_object());
    let html = run(&["--format", "html"]);
    // The printed report puts them in an appendix after each unit's 评价表.
    assert_eq!(html.matches("<h2>附录一　评分说明</h2>").count(), 7);
    let xlsx = dir.path().join("结果.xlsx");
    run(&["-o", xlsx.to_str().unwrap()]);
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert!(calamine::Reader::sheet_names(&wb).iter().any(|s| s == "评分说明"));
    assert!(calamine::Reader::worksheet_range(&mut wb, "评分说明").unwrap().height() > 7);
    // CSV columns chosen without the explanation: --explain would be lost, so refused.
    let columns = |list: &str| {
        jixiao(&[
            "eval",
            RULES,
            UNITS_CSV,
            "--explain",
            "--format",
            "csv",
            "--columns",
            list,
        ])
    };
    let (code, _, err) = columns("单位名称,总分");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--explain") && err.contains("评分说明"), "{err}");
    let (code, out, err) = columns("单位名称,总分,评分说明");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("【投入 / 预算配置 / 财政供养人员控制率】"), "{out}");
}
