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
    crate::batch::records(&crate::read(&crate::root().join(UNITS_CSV)))
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

/// `validate --format json`: every finding with its unit, sheet, cell, row and column,
/// field, value, message, severity and who fixes it; the file's own apart from the units.
#[test]
fn findings_as_json_follow_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let model = model();
    let mut t = seed_template(&model);
    field_mut(&mut t, "编制人数").value = Some(FillValue::Text("174人".into()));
    field_mut(&mut t, "评审.社会效益").value = None;
    let filled = dir.path().join("甲单位.xlsx");
    std::fs::write(&filled, template::xlsx::write(&t).unwrap()).unwrap();
    let mut rows = unit_rows();
    rows[0].push("备注".into());
    for row in rows.iter_mut().skip(1) {
        row.push(String::new());
    }
    set(&mut rows, 3, "政府采购执行率", "91.3");
    let csv = dir.path().join("各单位.csv");
    plain_csv(&csv, &rows);
    let toml = dir.path().join("乙.toml");
    let seed = crate::read(&crate::root().join("examples/yueyang-2021/chengguan-zhifa.toml"));
    std::fs::write(&toml, seed.replacen("\"实有人数\" = 138", "\"实有人数\" = \"很多\"", 1)).unwrap();
    let broken = dir.path().join("坏.xlsx");
    std::fs::write(&broken, b"PK\x03\x04 not really a workbook").unwrap();

    let paths = [&filled, &csv, &toml, &broken];
    let mut args = vec!["validate", RULES, "--format", "json"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let (code, out, err) = jixiao(&args);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    crate::contract::assert_valid(&crate::contract::validate_validator(), "validate --format json", &v);
    assert_eq!(v["version"], jixiao::JSON_VERSION);
    assert_eq!(v["rules"]["file"], "yueyang-2021.jx");
    let units = unit_rows().len() - 1;
    // The template, the CSV's rows and the TOML file; neither the CSV's hint nor the
    // broken file is a unit.
    assert_eq!(v["summary"]["units"], 1 + units + 1, "{}", v["summary"]);
    assert_eq!(v["summary"]["files_unreadable"], 1);
    assert_eq!(v["units"].as_array().unwrap().len(), 1 + units + 1);
    assert_eq!(
        v["units"][2]["source"],
        format!("{} 第 3 行（文本第 8 行）", csv.display())
    );
    let findings = v["findings"].as_array().unwrap();
    let find = |field: &str| {
        findings
            .iter()
            .find(|f| f["field"] == field)
            .unwrap_or_else(|| panic!("{field}: {findings:#?}"))
    };
    let staff = find("编制人数");
    assert_eq!(
        (&staff["sheet"], &staff["cell"], &staff["row"], &staff["column"]),
        (&"基础数据".into(), &"E8".into(), &8.into(), &"E".into())
    );
    assert_eq!(
        (&staff["value"], &staff["severity"], &staff["filler"]),
        (&"174人".into(), &"错误".into(), &"单位".into())
    );
    assert_eq!(staff["unit"], "岳阳市城市管理综合执法支队");
    assert_eq!(find("社会效益")["filler"], "财政局评审人员");
    let rate = find("政府采购执行率");
    assert_eq!(
        (&rate["row"], &rate["column"], &rate["sheet"]),
        (&4.into(), &"BA".into(), &serde_json::Value::Null)
    );
    let count = find("实有人数");
    assert!(count["row"].as_u64().is_some() && count["sheet"].is_null(), "{count}");
    let hint = findings
        .iter()
        .find(|f| f["severity"] == "提示")
        .expect("the column's hint");
    assert_eq!((&hint["unit"], &hint["row"]), (&"".into(), &serde_json::Value::Null));
    assert!(hint["message"].as_str().unwrap().contains("「备注」"), "{hint}");
    assert!(
        findings.iter().any(|f| f["file"] == broken.to_str().unwrap()),
        "{findings:#?}"
    );
}
