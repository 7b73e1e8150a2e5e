//! The fill-in template: generated from the rule file, filled in, read back by its hidden
//! keys, and evaluated exactly as the equivalent TOML; broken workbooks list every problem
//! at its cell; workbooks of another rule file or year are rejected.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, SheetVisible};
use jixiao::model::Model;
use jixiao::report::Evaluation;
use jixiao_io::batch::{self, input, Item};
use jixiao_io::template::read::{self, Problem, Returned, Severity};
use jixiao_io::template::{self, Body, Field, FillValue, Filler, FormRow, Rule, Template};
use rust_decimal::Decimal;
use std::str::FromStr;

const RULES: &str = "rules/yueyang-2021.jx";
const RULES_2022: &str = "rules/yueyang-2022.jx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

fn compile(path: &str) -> jixiao::Compiled {
    crate::compile(path, &crate::read(&crate::root().join(path)))
}

fn seed_text() -> String {
    crate::read(&crate::root().join(SEED))
}

fn load(model: &Model, name: &str, text: &str) -> jixiao::data::Record {
    jixiao::load_data(model, name, text, jixiao::DataFormat::Toml)
        .unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&e)))
}

fn evaluate(model: &Model, record: &jixiao::data::Record, explain: bool) -> Evaluation {
    jixiao::evaluate(model, record, explain).unwrap_or_else(|e| panic!("{}", jixiao::diagnostics::render_plain(&*e)))
}

/// The template of `model` filled in with the seed unit's figures.
pub(crate) fn seed_template(model: &Model) -> Template {
    let record = load(model, SEED, &seed_text());
    let mut t = template::describe(model, template::Options::default());
    let unplaced = t.fill(model, &record);
    assert!(unplaced.is_empty(), "stated keys without a row: {unplaced:?}");
    t
}

pub(crate) fn field_mut<'t>(t: &'t mut Template, key: &str) -> &'t mut Field {
    t.sheets
        .iter_mut()
        .filter_map(|s| match &mut s.body {
            Body::Form { rows, .. } => Some(rows),
            _ => None,
        })
        .flatten()
        .find_map(|r| match r {
            FormRow::Field(f) if f.key == key => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no field {key}"))
}

fn write(dir: &Path, name: &str, t: &Template) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, template::xlsx::write(t).expect("template writes")).expect("write workbook");
    path
}

fn read_back(model: &Model, name: &str, t: &Template) -> Returned {
    let bytes = template::xlsx::write(t).expect("template writes");
    read::read(model, name, &bytes).expect("recognised as a template")
}

/// Reads a workbook through the batch reader (as `jixiao eval` does) and evaluates it.
fn eval_file(model: &Model, path: &Path, explain: bool) -> Result<Evaluation, String> {
    let mut opened = input::open_path(model, path, None).map_err(|e| e.0)?;
    let Some(Ok(Item::Row(row))) = opened.next_item() else {
        panic!("one unit per template");
    };
    assert!(opened.next_item().is_none(), "one unit per template");
    batch::process(model, row, 1, explain, false)
        .result
        .map(|d| d.evaluation)
}

fn without_provenance(mut ev: Evaluation) -> Evaluation {
    ev.provenance.data_file.clear();
    ev.provenance.data_sha256.clear();
    ev
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn errors(r: &Returned) -> Vec<&Problem> {
    r.problems.iter().filter(|p| p.severity == Severity::Error).collect()
}

#[test]
fn the_form_outline_is_snapshotted() {
    let model = compile(RULES).model;
    let t = template::describe(&model, template::Options::default());
    crate::in_snapshot_dir(|| insta::assert_snapshot!("template_outline@yueyang-2021", t.outline()));
}

#[test]
fn the_workbook_holds_what_the_outline_says() {
    let model = compile(RULES).model;
    let t = template::describe(&model, template::Options::default());
    let bytes = template::xlsx::write(&t).expect("template writes");
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("opens");
    let names: Vec<String> = t.sheets.iter().map(|s| s.name.clone()).collect();
    assert_eq!(names, ["填报说明", "基础数据", "绩效目标", "自评", "评审"]);
    let mut all = names.clone();
    all.push(template::META_SHEET.to_owned());
    assert_eq!(wb.sheet_names(), all);
    let meta = wb
        .sheets_metadata()
        .iter()
        .find(|s| s.name == template::META_SHEET)
        .expect("meta sheet");
    assert_eq!(meta.visible, SheetVisible::VeryHidden);
    // Every form row carries its key in column A and its label in column C.
    for sheet in &t.sheets {
        let Body::Form { role, rows } = &sheet.body else {
            continue;
        };
        let range = wb.worksheet_range(&sheet.name).expect("sheet");
        let text = |r: u32, c: u32| match range.get_value((r, c)) {
            Some(Data::String(s)) => s.clone(),
            _ => String::new(),
        };
        assert_eq!(text(0, 0), role.marker());
        assert_eq!(text(2, 0), template::HEADER_KEY);
        assert_eq!(text(2, 4), role.value_header());
        for (r, row) in (3u32..).zip(rows) {
            if let FormRow::Field(f) = row {
                assert_eq!(text(r, 0), f.key);
                assert!(text(r, 2).starts_with(&f.label), "{} ≠ {}", text(r, 2), f.label);
                assert_eq!(text(r, 3), f.unit);
            }
        }
    }
    let fields: Vec<_> = t.fields().collect();
    assert_eq!(fields.iter().filter(|(_, f)| f.key == "编制人数").count(), 1);
    let money = fields.iter().find(|(_, f)| f.key == "收入合计").unwrap().1;
    assert!(matches!(
        money.rule,
        Rule::Money {
            lower: Some(_),
            upper: None
        }
    ));
    let percent = fields.iter().find(|(_, f)| f.key == "满意度").unwrap().1;
    assert!(matches!(
        percent.rule,
        Rule::Percent {
            lower: Some(_),
            upper: Some(_)
        }
    ));
    let review = fields.iter().find(|(_, f)| f.key == "评审.经济效益").unwrap().1;
    assert_eq!(review.filler, Filler::Bureau);
}

#[test]
fn a_filled_template_evaluates_exactly_as_the_toml() {
    let compiled = compile(RULES);
    let model = &compiled.model;
    let dir = temp_dir();
    let path = write(dir.path(), "城管执法支队.xlsx", &seed_template(model));

    // Against the seed file itself: identical, except that an amount the seed writes as
    // `0` comes back as the form shows it, `0.00` (the same number; `Decimal` compares by
    // value, the derived values list keeps the text).
    let from_toml = evaluate(model, &load(model, SEED, &seed_text()), false);
    let from_xlsx = eval_file(model, &path, false).expect("evaluates");
    // Exact values, whatever the cell's own number format (`0.00` in the workbook is 0).
    let expected = without_provenance(from_toml);
    assert_eq!(without_provenance(from_xlsx), expected);

    // Against the seed written the way the form shows amounts: identical, explanations too.
    let as_shown = seed_text().replace("\"累计结余\" = \"0\" ", "\"累计结余\" = \"0.00\" ");
    assert_ne!(as_shown, seed_text());
    let from_toml = evaluate(model, &load(model, SEED, &as_shown), true);
    let from_xlsx = eval_file(model, &path, true).expect("evaluates");
    assert_eq!(without_provenance(from_xlsx.clone()), without_provenance(from_toml));
    assert_eq!(from_xlsx.total_display, "94.30");
    assert_eq!(from_xlsx.grade.as_deref(), Some("优秀"));
    assert_eq!(from_xlsx.provenance.data_file, path.display().to_string());
}

#[test]
fn the_toml_skeleton_round_trips_and_lists_what_is_missing() {
    let compiled = compile(RULES);
    let model = &compiled.model;
    // Unfilled: valid TOML; every required value is listed at once.
    let blank = template::skeleton::write(&template::describe(model, template::Options::default()));
    let raw = jixiao::data::parse_toml(&blank).expect("the skeleton is valid TOML");
    let problems = jixiao::data::bind(model, &raw, "骨架.toml")
        .expect_err("nothing filled")
        .problems;
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    for input in model.inputs.iter().filter(|i| i.default.is_none()) {
        if input.kind != jixiao::model::Kind::Text {
            assert!(fields.contains(&input.name.as_str()), "{} not listed", input.name);
        }
    }
    for name in ["单位名称", "评审.经济效益", "评审.社会效益", "评审.环境效益"] {
        assert!(fields.contains(&name), "{name} not listed: {fields:?}");
    }
    assert!(blank.contains("\"编制人数\" = \"\""));
    assert!(blank.contains("# \"其他交通工具购置费\" = \"\""));
    // Filled with the seed's figures: the same evaluation, to the last digit.
    let filled = template::skeleton::write(&seed_template(model));
    let record = load(model, "骨架.toml", &filled);
    let expected = evaluate(model, &load(model, SEED, &seed_text()), true);
    let got = evaluate(model, &record, true);
    let plain = |mut e: Evaluation| {
        e.provenance = expected.provenance.clone();
        e
    };
    assert_eq!(plain(got), expected);
}

#[test]
fn bad_values_are_all_listed_at_their_cells() {
    let compiled = compile(RULES);
    let model = &compiled.model;
    let mut t = seed_template(model);
    field_mut(&mut t, "编制人数").value = Some(FillValue::Text("一百七十四".into()));
    field_mut(&mut t, "满意度").value = Some(FillValue::Number(Decimal::from_str("1.5").unwrap().into()));
    field_mut(&mut t, "实有人数").value = Some(FillValue::Number(Decimal::from_str("138.5").unwrap().into()));
    field_mut(&mut t, "评审.经济效益").value = Some(FillValue::Number(Decimal::from(9).into()));
    field_mut(&mut t, "自评.等级").value = Some(FillValue::Text("优".into()));
    for sheet in &mut t.sheets {
        if let Body::List(l) = &mut sheet.body {
            l.items[2].category = "其他指标".into();
            l.items[4].met = None;
        }
    }
    let r = read_back(model, "甲单位.xlsx", &t);
    assert!(r.raw.is_none());
    let listed: Vec<String> = errors(&r).iter().map(|p| p.to_string()).collect();
    crate::in_snapshot_dir(|| insta::assert_snapshot!("template_bad_values", listed.join("\n")));
    let at = |label: &str| {
        errors(&r)
            .into_iter()
            .find(|p| p.label == label)
            .unwrap_or_else(|| panic!("no problem for {label}: {listed:#?}"))
            .clone()
    };
    let p = at("编制人数");
    assert_eq!((p.sheet.as_str(), p.cell.as_str()), ("基础数据", "E8"));
    assert_eq!(p.value.as_deref(), Some("一百七十四"));
    assert_eq!(p.unit, "岳阳市城市管理综合执法支队");
    assert_eq!(at("实有人数").cell, "E9");
    assert!(at("满意度").expected.contains("超出规定的范围"));
    assert_eq!(at("经济效益").filler, Filler::Bureau);
    assert_eq!(at("经济效益").sheet, "评审");
    assert!(at("自评等级").expected.contains("优秀、良好、中、差"));
    assert!(listed
        .iter()
        .any(|l| l.contains("绩效目标!C6:G6") && l.contains("类别应为")));
    assert!(listed
        .iter()
        .any(|l| l.contains("绩效目标[5]（夜市经营秩序）") && l.contains("达成")));
    assert_eq!(errors(&r).len(), 7, "{listed:#?}");
}

#[test]
fn missing_values_are_listed_and_the_unit_is_not_evaluated() {
    let compiled = compile(RULES);
    let model = &compiled.model;
    let mut t = seed_template(model);
    field_mut(&mut t, "实有人数").value = None;
    field_mut(&mut t, "评审.社会效益").value = None;
    // Optional values may stay blank.
    field_mut(&mut t, "其他交通费用").value = None;
    field_mut(&mut t, "自评.总分").value = None;
    let r = read_back(model, "乙单位.xlsx", &t);
    let errs = errors(&r);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!((errs[0].sheet.as_str(), errs[0].cell.as_str()), ("基础数据", "E9"));
    assert!(errs[0].expected.starts_with("必填，未填写"));
    assert_eq!(errs[1].sheet, "评审");
    assert_eq!(errs[1].filler, Filler::Bureau);

    let dir = temp_dir();
    let path = write(dir.path(), "乙单位.xlsx", &t);
    let reason = eval_file(model, &path, false).expect_err("not evaluated");
    assert!(reason.contains("基础数据!E9「实有人数」"), "{reason}");
    assert!(reason.contains("评审!E5「社会效益」"), "{reason}");
    // Nothing else: the stub's "missing" reports are covered by these two.
    assert_eq!(reason.matches('；').count(), 1, "{reason}");
    // `--partial`: the unit is evaluated as far as it goes; both blanks are said as warnings.
    let mut opened = input::open_path_with(model, &path, None, true).expect("opens");
    assert!(
        opened
            .warnings
            .iter()
            .any(|w| w.contains("基础数据!E9") && w.contains("--partial")),
        "{:?}",
        opened.warnings
    );
    let Some(Ok(Item::Row(row))) = opened.next_item() else {
        panic!("one unit per template");
    };
    let ev = batch::process(model, row, 1, false, true)
        .result
        .expect("evaluated")
        .evaluation;
    assert!(!ev.complete);
    let unscored: Vec<&str> = ev
        .scoring
        .as_ref()
        .unwrap()
        .unscored
        .iter()
        .map(|u| u.indicator.as_str())
        .collect();
    assert_eq!(unscored, ["财政供养人员控制率", "社会效益"]);
}

#[test]
fn inserted_rows_and_renamed_sheets_still_read() {
    let compiled = compile(RULES);
    let model = &compiled.model;
    let mut t = seed_template(model);
    let expected = eval_file(model, &write(temp_dir().path(), "原样.xlsx", &t.clone()), true).expect("evaluates");
    for sheet in &mut t.sheets {
        sheet.name = format!("{}（已填）", sheet.name);
        if let Body::Form { rows, .. } = &mut sheet.body {
            rows.insert(0, FormRow::Note("单位插入的说明行".into()));
            rows.insert(4.min(rows.len()), FormRow::Note("又一行说明".into()));
            // A row the unit typed a value into: not read, but pointed out.
            rows.insert(
                6.min(rows.len()),
                FormRow::Field(Field {
                    key: String::new(),
                    number: 0,
                    label: "单位自加的一项".into(),
                    indent: 0,
                    unit: String::new(),
                    rule: Rule::Text { long: false },
                    required: false,
                    note: String::new(),
                    filler: Filler::Unit,
                    value: Some(FillValue::Text("备注".into())),
                }),
            );
        }
    }
    let dir = temp_dir();
    let path = write(dir.path(), "插入行.xlsx", &t);
    let got = eval_file(model, &path, true).expect("evaluates");
    assert_eq!(without_provenance(got), without_provenance(expected));
    let r = read::read(model, "插入行.xlsx", &std::fs::read(&path).unwrap()).unwrap();
    assert!(errors(&r).is_empty());
    assert!(r.problems.iter().any(|p| p.severity == Severity::Warning
        && p.sheet == "基础数据（已填）"
        && p.value.as_deref() == Some("备注")));
    // Problems point at the moved cells of the renamed sheet.
    field_mut(&mut t, "编制人数").value = None;
    let r = read_back(model, "插入行.xlsx", &t);
    let p = errors(&r)[0].clone();
    assert_eq!(
        (p.sheet.as_str(), p.cell.as_str(), p.label.as_str()),
        ("基础数据（已填）", "E11", "编制人数")
    );
    assert_eq!(p.place(), "'基础数据（已填）'!E11");
}

#[test]
fn a_template_of_another_year_is_rejected_saying_which() {
    let model_2021 = compile(RULES).model;
    let model_2022 = compile(RULES_2022).model;
    let t = seed_template(&model_2022);
    let r = read_back(&model_2021, "丙单位.xlsx", &t);
    assert!(r.raw.is_none());
    assert_eq!(r.unit.as_deref(), Some("岳阳市城市管理综合执法支队"));
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(errs[0].expected.contains("2022 年度规则文件生成"), "{}", errs[0]);
    assert!(errs[0].expected.contains("2021 年度的模板"), "{}", errs[0]);
    // And through the batch reader: one unit in error, named.
    let dir = temp_dir();
    let path = write(dir.path(), "丙单位.xlsx", &t);
    let reason = eval_file(&model_2021, &path, false).expect_err("rejected");
    assert!(reason.contains("2022 年度"), "{reason}");
}

#[test]
fn a_changed_rule_file_is_rejected_only_when_the_form_changed() {
    let text = crate::read(&crate::root().join(RULES));
    let model = crate::compile(RULES, &text).model;
    let t = seed_template(&model);
    // A reworded description: same form, read with a note.
    let reworded = text.replace("年末实有在编人数", "年末实有在编在岗人数");
    assert_ne!(reworded, text);
    let m = crate::compile(RULES, &reworded).model;
    let r = read_back(&m, "丁单位.xlsx", &t);
    assert!(errors(&r).is_empty(), "{:#?}", r.problems);
    assert!(r.raw.is_some());
    assert!(r.problems.iter().any(|p| p.expected.contains("填报项完全相同")));
    // A new input: the form is different, the workbook is rejected.
    let changed = text.replace(
        "  输入 其他收入: 万元 { 范围 >= 0 }",
        "  输入 其他收入: 万元 { 范围 >= 0 }\n  输入 捐赠收入: 万元 { 范围 >= 0 缺失时 0 }",
    );
    assert_ne!(changed, text);
    let m = crate::compile(RULES, &changed).model;
    let r = read_back(&m, "丁单位.xlsx", &t);
    assert!(r.raw.is_none());
    assert!(errors(&r)[0].expected.contains("填报项有改动"), "{:#?}", r.problems);
}

#[test]
fn ordinary_workbooks_and_garbage_are_not_templates() {
    let model = compile(RULES).model;
    let units = std::fs::read(crate::root().join("examples/yueyang-2021/units.xlsx")).unwrap();
    assert!(read::read(&model, "units.xlsx", &units).is_none());
    assert!(!read::is_template("units.xlsx", &units));
    assert!(read::read(&model, "x.xlsx", b"not a zip").is_none());
    assert!(read::read(&model, "x.xlsx", &[]).is_none());
    let t = template::describe(&model, template::Options::default());
    let bytes = template::xlsx::write(&t).unwrap();
    assert!(read::is_template("模板.xlsx", &bytes));
    // Truncated templates never panic.
    for cut in [10, 100, 1000, bytes.len() / 2, bytes.len() - 1] {
        let _ = read::read(&model, "x.xlsx", &bytes[..cut]);
    }
}

/// Hand-made workbooks with the meta sheet but broken sheets: every problem reported,
/// nothing panics.
#[test]
fn hostile_workbooks_are_reported_not_panicked_on() {
    use rust_xlsxwriter::Workbook;
    let model = compile(RULES).model;
    let t = template::describe(&model, template::Options::default());
    let meta = |wb: &mut Workbook, version: &str| {
        let ws = wb.add_worksheet();
        ws.set_name(template::META_SHEET).unwrap();
        for (i, (k, v)) in [
            ("格式版本", version.to_owned()),
            ("标题", model.title.clone()),
            ("年度", model.year.to_string()),
            ("规则文件SHA256", model.sha256.clone()),
            ("填报项指纹", t.fingerprint.clone()),
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(i as u32 + 1, 0, *k).unwrap();
            ws.write_string(i as u32 + 1, 1, v).unwrap();
        }
    };
    // Only the meta sheet.
    let mut wb = Workbook::new();
    meta(&mut wb, template::FORMAT_VERSION);
    let r = read::read(&model, "a.xlsx", &wb.save_to_buffer().unwrap()).unwrap();
    assert!(r.raw.is_none());
    assert!(errors(&r)
        .iter()
        .any(|p| p.expected.contains("找不到「基础数据」工作表")));
    assert!(errors(&r)
        .iter()
        .any(|p| p.expected.contains("找不到「绩效目标」工作表")));
    assert!(errors(&r).iter().any(|p| p.expected.contains("找不到「评审」工作表")));
    // A future format version.
    let mut wb = Workbook::new();
    meta(&mut wb, "99");
    let r = read::read(&model, "b.xlsx", &wb.save_to_buffer().unwrap()).unwrap();
    assert!(errors(&r)[0].expected.contains("版本 `99`"));
    // Marked sheets without header rows, with odd cells; duplicated sheets.
    let mut wb = Workbook::new();
    for name in ["x", "y"] {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        ws.write_string(0, 0, "jixiao:基础数据").unwrap();
        ws.write_string(3, 0, "编制人数").unwrap();
        ws.write_boolean(3, 4, true).unwrap();
    }
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "jixiao:清单:绩效目标").unwrap();
    ws.write_string(2, 0, template::HEADER_KEY).unwrap();
    ws.write_string(2, 2, "类别").unwrap();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "jixiao:评审").unwrap();
    ws.write_string(2, 0, template::HEADER_KEY).unwrap();
    ws.write_string(2, 4, "评审得分").unwrap();
    ws.write_string(3, 0, "评审.经济效益").unwrap();
    ws.write_formula(3, 4, "=1/0").unwrap();
    ws.write_string(4, 0, "评审.社会效益").unwrap();
    ws.write_datetime(4, 4, rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 12, 31).unwrap())
        .unwrap();
    ws.write_string(5, 0, "评审.环境效益").unwrap();
    ws.write_number(5, 4, f64::MAX).unwrap();
    meta(&mut wb, template::FORMAT_VERSION);
    let r = read::read(&model, "c.xlsx", &wb.save_to_buffer().unwrap()).unwrap();
    assert!(r.raw.is_none());
    let text: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    assert!(text.iter().any(|p| p.contains("是同一张表")), "{text:#?}");
    assert!(text.iter().any(|p| p.contains("「指标名称」「目标值」")), "{text:#?}");
    assert!(
        text.iter()
            .any(|p| p.contains("Sheet4!E5「社会效益」") && p.contains("0 到分值 6")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|p| p.contains("Sheet4!E6「环境效益」") && p.contains("超出 28 位有效数字")),
        "{text:#?}"
    );
}

fn jixiao(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(crate::root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run jixiao");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The "done means": a folder with the seed's filled template and two broken ones
/// yields one evaluation and two complete error lists, nothing lost.
#[test]
fn a_folder_of_returned_templates_evaluates_and_validates() {
    let compiled = compile(RULES);
    let model = &compiled.model;
    let dir = temp_dir();
    let folder = dir.path().join("交回");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "1-城管执法支队.xlsx", &seed_template(model));
    let mut bad = seed_template(model);
    field_mut(&mut bad, "单位名称").value = Some(FillValue::Text("甲单位".into()));
    field_mut(&mut bad, "编制人数").value = Some(FillValue::Text("174人".into()));
    field_mut(&mut bad, "收入合计").value = None;
    write(&folder, "2-甲单位.xlsx", &bad);
    let other_year = seed_template(&compile(RULES_2022).model);
    write(&folder, "3-乙单位.xlsx", &other_year);
    // Excel's lock file is not a unit.
    std::fs::write(folder.join("~$1-城管执法支队.xlsx"), b"lock").unwrap();
    let folder_arg = folder.to_str().unwrap();

    let (code, out, err) = jixiao(&["eval", RULES, folder_arg, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let results: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let results = results["units"].as_array().expect("array");
    assert_eq!(results.len(), 3, "{out}");
    assert_eq!(results[0]["status"], "正常");
    assert_eq!(results[0]["evaluation"]["total_display"], "94.30");
    assert_eq!(results[1]["status"], "错误");
    assert_eq!(results[1]["unit"], "甲单位");
    let e1 = results[1]["error"].as_str().unwrap();
    assert!(
        e1.contains("基础数据!E8") && e1.contains("174人") && e1.contains("基础数据!E14"),
        "{e1}"
    );
    let e2 = results[2]["error"].as_str().unwrap();
    assert!(e2.contains("2022 年度"), "{e2}");
    assert!(err.contains("3 个单位：1 个已评价，2 个有错误"), "{err}");

    let report = dir.path().join("问题.xlsx");
    let (code, _, err) = jixiao(&["validate", RULES, folder_arg, "-o", report.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("✓") && err.contains("1-城管执法支队.xlsx（岳阳市城市管理综合执法支队）：无误"),
        "{err}"
    );
    assert!(err.contains("2-甲单位.xlsx（甲单位）：2 处错误"), "{err}");
    assert!(err.contains("3 个单位：1 个无误，2 个有错误"), "{err}");
    let mut wb = calamine::open_workbook_auto(&report).expect("problem list opens");
    let range = wb.worksheet_range("填报问题").expect("sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][..6], ["级别", "文件", "单位", "工作表", "单元格", "项目"]);
    assert_eq!(rows.len(), 1 + 3, "{rows:#?}");
    assert!(rows
        .iter()
        .any(|r| r[4] == "E8" && r[5] == "编制人数" && r[6] == "174人"));
}

#[test]
fn the_template_command_writes_xlsx_and_toml() {
    let dir = temp_dir();
    let out = dir.path().join("填报模板.xlsx");
    let (code, _, err) = jixiao(&["template", RULES, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("基础数据 71 项"), "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(read::is_template("填报模板.xlsx", &bytes));
    let (code, toml, err) = jixiao(&["template", RULES, "--format", "toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(toml.contains("\"编制人数\" = \"\""));
    // Into a pipe (not a terminal: see pipes::a_workbook_is_not_written_to_a_terminal) the
    // workbook is written to standard output.
    let (code, out, err) = jixiao(&["template", RULES]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("PK\u{3}\u{4}"), "a workbook");
    // A pre-filled template from a unit's data file validates clean.
    let filled = dir.path().join("预填.xlsx");
    let (code, _, err) = jixiao(&["template", RULES, "--fill", SEED, "-o", filled.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = jixiao(&["validate", RULES, filled.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("没有发现问题"), "{out}");
}

#[test]
fn a_percent_typed_as_a_whole_number_is_pointed_out() {
    let compiled = compile(RULES);
    let model = &compiled.model;
    let mut t = seed_template(model);
    field_mut(&mut t, "政府采购执行率填报值").value = Some(FillValue::Number(Decimal::from(95).into()));
    let r = read_back(model, "戊单位.xlsx", &t);
    // Read as a fraction it would be 9500%: an error at the cell (issue 17), not a hint
    // that leaves the unit 无误.
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    let e = &r.problems[0];
    assert_eq!((e.severity, e.cell.as_str()), (Severity::Error, "E65"));
    assert!(
        e.expected.contains("9500%") && e.expected.contains("95%"),
        "{}",
        e.expected
    );
}
