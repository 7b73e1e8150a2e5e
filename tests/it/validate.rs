//! `jixiao validate` (issue 21, item 8): one finding per cell, file-level hints that are not
//! units, and messages about spreadsheet cells in spreadsheet terms (type 95%, not `"95%"`);
//! TOML input keeps TOML's syntax.

use std::path::{Path, PathBuf};

use jixiao_io::template::{self, FillValue};
use rust_decimal::Decimal;
use std::str::FromStr;

use crate::jixiao;
use crate::template::{field_mut, seed_template};

const RULES: &str = "rules/yueyang-2021.jx";
const UNITS_CSV: &str = "examples/yueyang-2021/units.csv";

fn model() -> jixiao::model::Model {
    crate::compile(RULES, &crate::read(&crate::root().join(RULES))).model
}

fn number(text: &str) -> FillValue {
    FillValue::Number(Decimal::from_str(text).unwrap().into())
}

/// The example units' rows (header first), as the CSV has them.
fn unit_rows() -> Vec<Vec<String>> {
    let text = crate::read(&crate::root().join(UNITS_CSV));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn set(rows: &mut [Vec<String>], row: usize, header: &str, value: &str) {
    let col = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}"));
    rows[row][col] = value.to_owned();
}

/// An ordinary workbook (not a template) with `rows`: numbers as number cells, as Excel
/// keeps what a clerk types.
fn plain_workbook(path: &Path, rows: &[Vec<String>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match v.parse::<f64>() {
                Ok(n) if r > 0 => ws.write_number(r, c, n).map(|_| ()),
                _ => ws.write_string(r, c, v).map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save(path).unwrap();
}

fn plain_csv(path: &Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    for row in rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
}

/// `validate … --format csv`: the findings as rows (header first), and stderr.
fn findings(files: &[&Path]) -> (Vec<Vec<String>>, String) {
    let mut args = vec!["validate", RULES, "--format", "csv"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    let (_, out, err) = jixiao(&args);
    let rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (rows, err)
}

#[test]
fn a_file_level_hint_is_not_counted_as_a_unit() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = unit_rows();
    rows[0].push("备注".into());
    for row in rows.iter_mut().skip(1) {
        row.push(String::new());
    }
    let units = rows.len() - 1;
    let xlsx = dir.path().join("各单位.xlsx");
    plain_workbook(&xlsx, &rows);
    let (found, err) = findings(&[&xlsx]);
    // The hint about the column is listed …
    assert!(
        found.iter().any(|f| f[0] == "提示" && f[7].contains("「备注」")),
        "{found:#?}"
    );
    // … but the units are the rows.
    assert!(err.contains(&format!("{units} 个单位：{units} 个无误")), "{err}");
    assert!(err.contains("1 处提示"), "{err}");
    assert_eq!(err.matches('✓').count(), units, "{err}");
}

/// A rate typed 91.3 (meant 91.3%): in a template's percent cell it shows as 9130%, in an
/// ordinary cell as 91.3. Either way one finding, at the cell, saying what to type there.
#[test]
fn a_wrong_cell_is_reported_once_in_spreadsheet_terms() {
    let dir = tempfile::tempdir().unwrap();
    let model = model();
    let mut t = seed_template(&model);
    field_mut(&mut t, "政府采购执行率填报值").value = Some(number("91.3"));
    let filled = dir.path().join("甲单位.xlsx");
    std::fs::write(&filled, template::xlsx::write(&t).unwrap()).unwrap();
    let (found, _) = findings(&[&filled]);
    assert_eq!(found.len(), 2, "{found:#?}");
    let f = &found[1];
    assert_eq!(
        (f[0].as_str(), f[3].as_str(), f[4].as_str()),
        ("错误", "基础数据", "E65")
    );
    // What the cell shows (a percent cell holding 91.3 shows 9130%), and what to type.
    assert_eq!(f[6], "9130%");
    assert!(f[7].contains("91.3%"), "{}", f[7]);
    assert!(!f[7].contains('`') && !f[7].contains('"'), "{}", f[7]);

    let mut rows = unit_rows();
    set(&mut rows, 1, "政府采购执行率", "91.3");
    let xlsx = dir.path().join("各单位.xlsx");
    plain_workbook(&xlsx, &rows);
    let csv = dir.path().join("各单位.csv");
    plain_csv(&csv, &rows);
    for path in [&xlsx, &csv] {
        let (found, _) = findings(&[path]);
        assert_eq!(found.len(), 2, "{found:#?}");
        let f = &found[1];
        assert_eq!(f[6], "91.3", "{f:?}");
        assert!(f[7].contains("9130%") && f[7].contains("91.3%"), "{}", f[7]);
        assert!(!f[7].contains('`') && !f[7].contains('"'), "{}", f[7]);
    }
}

/// Many wrong cells of a template, an ordinary workbook and a CSV: each cell once, and no
/// message in TOML's syntax (backticks, quoted "95%", `达成 = true`).
#[test]
fn every_cell_once_and_no_toml_syntax_for_cells() {
    let dir = tempfile::tempdir().unwrap();
    let model = model();
    let mut t = seed_template(&model);
    field_mut(&mut t, "编制人数").value = Some(number("174.5"));
    field_mut(&mut t, "收入合计").value = Some(FillValue::Text("一百".into()));
    field_mut(&mut t, "政府采购执行率填报值").value = Some(FillValue::Text("百分之九十".into()));
    field_mut(&mut t, "满意度").value = Some(number("1.5"));
    field_mut(&mut t, "已制定管理制度").value = Some(FillValue::Text("也许".into()));
    field_mut(&mut t, "自评.等级").value = Some(FillValue::Text("优".into()));
    for sheet in &mut t.sheets {
        if let template::Body::List(l) = &mut sheet.body {
            l.items[2].category = "其他指标".into();
            l.items[4].met = None;
        }
    }
    let filled = dir.path().join("乙单位.xlsx");
    std::fs::write(&filled, template::xlsx::write(&t).unwrap()).unwrap();

    let mut rows = unit_rows();
    set(&mut rows, 1, "编制人数", "174.5");
    set(&mut rows, 1, "收入合计", "一百");
    set(&mut rows, 1, "政府采购执行率", "百分之九十");
    set(&mut rows, 1, "已制定管理制度", "也许");
    set(&mut rows, 2, "实有人数", "—");
    let xlsx = dir.path().join("各单位.xlsx");
    plain_workbook(&xlsx, &rows);
    let csv = dir.path().join("各单位.csv");
    plain_csv(&csv, &rows);

    for (path, expected) in [(&filled, 8), (&xlsx, 5), (&csv, 5)] {
        let (found, err) = findings(&[path]);
        let found = &found[1..];
        assert_eq!(found.len(), expected, "{}: {found:#?}\n{err}", path.display());
        let mut places: Vec<(&str, &str)> = found.iter().map(|f| (f[3].as_str(), f[4].as_str())).collect();
        places.sort();
        places.dedup();
        assert_eq!(places.len(), found.len(), "one finding per cell: {found:#?}");
        for f in found {
            let message = &f[7];
            assert!(
                !message.contains('`') && !message.contains('"') && !message.contains("true"),
                "{}: {message}",
                path.display()
            );
            assert!(!f[6].starts_with('"'), "the value as the cell holds it: {f:?}");
        }
        let said = |label: &str| {
            found
                .iter()
                .find(|f| f[5].contains(label))
                .unwrap_or_else(|| panic!("{label}: {found:#?}"))[7]
                .clone()
        };
        assert!(said("政府采购执行率").contains("例如 95%"), "{found:#?}");
        assert!(said("已制定管理制度").contains("是 或 否"), "{found:#?}");
        assert!(said("编制人数").contains("整数"), "{found:#?}");
    }
    // The template's percent cell holding 1.5 shows 150%.
    let (found, _) = findings(&[&filled]);
    let f = found.iter().find(|f| f[5] == "满意度").expect("满意度");
    assert_eq!(f[6], "150%", "{f:?}");
    // The 达成 of a target nobody can judge: what to choose in the sheet.
    let f = found.iter().find(|f| f[5].contains("夜市经营秩序")).expect("target");
    assert!(f[7].contains("「达成」") && f[7].contains("是 或 否"), "{f:?}");
    // The row with 实有人数 written — : not quoted.
    let (found, _) = findings(&[&csv]);
    let f = found.iter().find(|f| f[5] == "实有人数").expect("实有人数");
    assert_eq!(f[6], "—", "{f:?}");
}

/// TOML input keeps TOML's syntax: there a percent is written `"95%"`.
#[test]
fn toml_input_keeps_toml_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let seed = crate::read(&crate::root().join("examples/yueyang-2021/chengguan-zhifa.toml"));
    let bad = seed.replacen("\"满意度\" = \"95%\"", "\"满意度\" = \"百分之九十\"", 1);
    assert_ne!(bad, seed, "the seed's 满意度 line changed");
    let path: PathBuf = dir.path().join("甲.toml");
    std::fs::write(&path, bad).unwrap();
    let (found, _) = findings(&[&path]);
    let f = found.iter().find(|f| f[5] == "满意度").expect("满意度");
    assert!(f[7].contains("\"95%\""), "{f:?}");
}
