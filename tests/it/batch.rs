//! Many units in one run: CSV (UTF-8 and GBK) and XLSX in; CSV, JSON, JSONL, XLSX and
//! HTML out; bad rows kept and marked; order kept in parallel; nothing dropped.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use calamine::{Data, Reader};
use rust_decimal::Decimal;

const RULES: &str = "rules/yueyang-2021.jx";
const UNITS_CSV: &str = "examples/yueyang-2021/units.csv";
const UNITS_XLSX: &str = "examples/yueyang-2021/units.xlsx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

/// What a run gave: exit code, stdout as bytes, stderr.
pub(crate) struct Run {
    pub code: i32,
    pub out: Vec<u8>,
    pub err: String,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8(self.out.clone()).expect("stdout is UTF-8")
    }
}

fn jixiao(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(crate::root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run jixiao");
    Run {
        code: out.status.code().unwrap_or(-1),
        out: out.stdout,
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Parses CSV output into records (header first).
pub(crate) fn records(csv_text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// The example file's text with one cell replaced (`row` counts data rows from 1).
fn with_cell(text: &str, row: usize, header: &str, value: &str) -> String {
    let mut rows = records(text);
    let c = column(&rows[0], header);
    rows[row][c] = value.to_owned();
    write_csv(&rows)
}

fn write_csv(rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn csv_output_of_the_example_units() {
    let run = jixiao(&["eval", RULES, UNITS_CSV, "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.err.contains("7 个单位：7 个已评价，没有错误"), "{}", run.err);
    let out = run.stdout();
    let rows = records(&out);
    assert_eq!(rows.len(), 8, "a header and one row per unit");
    let h = &rows[0];
    // The seed unit: the figures asserted in seed.rs.
    assert_eq!(rows[1][column(h, "单位名称")], "岳阳市城市管理综合执法支队");
    assert_eq!(rows[1][column(h, "财政供养人员控制率")], "79.31%");
    assert_eq!(rows[1][column(h, "三公经费变动率得分")], "3.80");
    assert_eq!(rows[1][column(h, "总分")], "94.30");
    assert_eq!(rows[1][column(h, "等级")], "优秀");
    // Over-staffed: 93 on a quota of 86.
    assert_eq!(rows[3][column(h, "财政供养人员控制率")], "108.14%");
    assert_eq!(rows[3][column(h, "财政供养人员控制率得分")], "0.93");
    // Zero 上年三公经费预算: the rate cannot be computed; the rules' `无法计算时 得 0`
    // scores it, and every other figure of the unit is there.
    assert_eq!(rows[4][column(h, "状态")], "正常");
    assert_eq!(
        rows[4][column(h, "三公经费变动率")],
        "无法计算（除数 `上年三公经费预算` 为 0）"
    );
    assert_eq!(rows[4][column(h, "三公经费变动率得分")], "0.00");
    assert_eq!(rows[4][column(h, "总分")], "88.00");
    // Budget cut: 实际收入 15% under 年初预算.
    assert_eq!(rows[5][column(h, "预算调整率")], "-15.00%");
    assert_eq!(rows[5][column(h, "预算调整率得分")], "1.00");
    // A failed cross-check is reported, the unit still evaluated.
    assert_eq!(rows[6][column(h, "未通过的勾稽关系")], "支出合计平衡[错误]");
    assert_eq!(rows[6][column(h, "状态")], "正常");
    crate::in_snapshot_dir(|| insta::assert_snapshot!("batch_csv@units", out));
}

#[test]
fn json_output_of_the_example_units() {
    let run = jixiao(&["eval", RULES, UNITS_CSV, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let v: serde_json::Value = serde_json::from_slice(&run.out).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["rules"]["title"], "岳阳市部门整体支出绩效评价指标体系");
    let units = v["units"].as_array().expect("an array of units");
    assert_eq!(units.len(), 7);
    assert_eq!(units[0]["evaluation"]["total_display"], "94.30");
    // 上年三公经费预算 0: 三公经费变动率 无法计算, scored by the rules' `无法计算时 得 0`.
    assert_eq!(units[3]["status"], "正常");
    assert_eq!(units[3]["evaluation"]["total_display"], "88.00");
    // The output text itself (numbers and all), not a re-serialisation of it.
    crate::in_snapshot_dir(|| insta::assert_snapshot!("batch_json@units", run.stdout()));
}

#[test]
fn jsonl_has_one_line_per_unit_in_order() {
    let run = jixiao(&["eval", RULES, UNITS_CSV, "--format", "jsonl"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 7);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["number"], i + 1);
    }
}

/// The CSV's first row carries exactly the seed unit's data: same report as the TOML.
#[test]
fn the_seed_row_evaluates_exactly_like_the_toml_unit() {
    let root = crate::root();
    let compiled = crate::compile(RULES, &crate::read(&root.join(RULES)));
    let model = &compiled.model;
    let toml = crate::read(&root.join(SEED));
    let record = jixiao::load_data(model, SEED, &toml, jixiao::DataFormat::Toml).unwrap();
    let expected = jixiao::evaluate(model, &record, true).unwrap();

    let bytes = std::fs::read(root.join(UNITS_CSV)).unwrap();
    let mut opened = jixiao_io::batch::input::open_csv(model, UNITS_CSV, Cursor::new(bytes)).unwrap();
    let Some(Ok(jixiao_io::batch::Item::Row(row))) = opened.next_item() else {
        panic!("a first row")
    };
    let processed = jixiao_io::batch::process(model, row, 1, true, false);
    let mut done = processed.result.expect("the seed row evaluates");
    let provenance = &done.evaluation.provenance;
    assert_eq!(provenance.data_file, "examples/yueyang-2021/units.csv 第 2 行");
    assert_eq!(
        provenance.data_sha256,
        jixiao::sha256_hex(&std::fs::read(root.join(UNITS_CSV)).unwrap())
    );
    done.evaluation.provenance = expected.provenance.clone();
    // The blank 其他交通工具购置费 and 其他交通费用 cells are noted as not reported (提示);
    // the TOML file leaves those keys out, silently.
    let audit = &mut done.evaluation.audit;
    let notes: Vec<&str> = audit
        .findings
        .iter()
        .filter(|f| f.category == "数据")
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(notes, ["其他交通工具购置费", "其他交通费用"]);
    audit.findings.retain(|f| f.category != "数据");
    audit.notes -= 2;
    assert!(
        done.evaluation == expected,
        "the CSV row and the TOML file give different reports"
    );
    assert_eq!(
        done.record.lists, record.lists,
        "the 绩效目标 cell holds the same 26 targets"
    );
    assert_eq!(done.record.reviews, record.reviews);
}

#[test]
fn gbk_csv_reads_like_utf8() {
    let dir = temp_dir();
    let text = crate::read(&crate::root().join(UNITS_CSV));
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable, "the example data is representable in GBK");
    assert!(std::str::from_utf8(&gbk).is_err(), "the test file really is not UTF-8");
    let gbk_path = dir.path().join("units-gbk.csv");
    std::fs::write(&gbk_path, &gbk).unwrap();
    let utf8_path = dir.path().join("units-utf8.csv");
    std::fs::write(&utf8_path, &text).unwrap();

    let from_gbk = jixiao(&["eval", RULES, path_str(&gbk_path), "--format", "csv"]);
    let from_utf8 = jixiao(&["eval", RULES, path_str(&utf8_path), "--format", "csv"]);
    assert_eq!(from_gbk.code, 0, "{}", from_gbk.err);
    assert!(
        from_gbk.err.contains("不是 UTF-8 编码，已按 GBK/GB18030 读取"),
        "{}",
        from_gbk.err
    );
    assert!(
        from_gbk.err.contains("7 个单位：7 个已评价，没有错误"),
        "{}",
        from_gbk.err
    );
    // The same rows; only the source file's name and its bytes' hash (last column) differ.
    let without_hash = |text: String| -> Vec<String> {
        text.lines()
            .map(|l| l.rsplit_once(',').map_or(l, |(rest, _)| rest).to_owned())
            .collect()
    };
    let same_source = from_utf8.stdout().replace("units-utf8.csv", "units-gbk.csv");
    assert_eq!(without_hash(from_gbk.stdout()), without_hash(same_source));
    assert!(from_gbk.stdout().contains("岳阳市城市管理综合执法支队"));
}

#[test]
fn a_utf8_bom_is_not_part_of_the_first_header() {
    let dir = temp_dir();
    let path = dir.path().join("bom.csv");
    let text = format!("\u{FEFF}{}", crate::read(&crate::root().join(UNITS_CSV)));
    std::fs::write(&path, text).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&path), "--format", "jsonl"]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(!run.err.contains("不是规则文件声明的输入"), "{}", run.err);
    assert_eq!(run.stdout().lines().count(), 7);
}

#[test]
fn a_missing_required_column_stops_the_run_before_any_row() {
    let dir = temp_dir();
    let mut rows = records(&crate::read(&crate::root().join(UNITS_CSV)));
    let c = column(&rows[0], "编制人数");
    let r = column(&rows[0], "评审.环境效益");
    for row in &mut rows {
        row.remove(r.max(c));
        row.remove(r.min(c));
    }
    let path = dir.path().join("missing.csv");
    std::fs::write(&path, write_csv(&rows)).unwrap();
    let out = dir.path().join("out.csv");
    let run = jixiao(&["eval", RULES, path_str(&path), "-o", path_str(&out)]);
    assert_eq!(run.code, 1, "{}", run.err);
    assert!(run.err.contains("缺少 2 个必需的列"), "{}", run.err);
    assert!(run.err.contains("编制人数（或 人员编制）"), "{}", run.err);
    assert!(run.err.contains("评审.环境效益"), "{}", run.err);
    assert!(run.err.contains("没有评价任何单位"), "{}", run.err);
    assert!(!out.exists(), "no output file when nothing was evaluated");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().count() == 1,
        "no temporary file left behind"
    );
}

#[test]
fn bad_rows_in_the_middle_are_kept_marked_and_in_order() {
    let dir = temp_dir();
    let text = crate::read(&crate::root().join(UNITS_CSV));
    // Data row 3 (spreadsheet row 4): a number written in words; row 5: a required cell
    // left blank; row 6: a defaulted cell left blank is fine.
    let text = with_cell(&text, 3, "编制人数", "八十六");
    let text = with_cell(&text, 5, "实有人数", "");
    let text = with_cell(&text, 6, "联系人", "");
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, &text).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&path), "--format", "csv", "--jobs", "2"]);
    assert_eq!(run.code, 0, "errors alone do not fail the run: {}", run.err);
    let rows = records(&run.stdout());
    let h = &rows[0];
    assert_eq!(rows.len(), 8, "every row is in the output");
    let names: Vec<&str> = rows[1..].iter().map(|r| r[column(h, "单位名称")].as_str()).collect();
    let expected: Vec<String> = records(&text)[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(names, expected, "in input order");
    let status: Vec<&str> = rows[1..].iter().map(|r| r[column(h, "状态")].as_str()).collect();
    assert_eq!(status, ["正常", "正常", "错误", "正常", "错误", "正常", "正常"]);
    let reason = |i: usize| rows[i][column(h, "错误原因")].clone();
    assert_eq!(
        reason(3),
        "第 4 行（文本第 9 行）「编制人数」列（值 八十六）：应为一个整数（单位：人），例如 174"
    );
    assert_eq!(
        reason(5),
        "第 6 行（文本第 11 行）「实有人数」列：单元格为空，而这一项必填（规则文件没有为它声明“缺失时”的取值）"
    );
    assert_eq!(reason(4), "", "a zero divisor under a policy is not an error");
    assert_eq!(
        rows[6][column(h, "总分")],
        "96.00",
        "the unit after the bad rows is untouched"
    );
    assert!(
        run.err.contains("7 个单位：5 个已评价，2 个有错误 — 见第 4、6 行"),
        "{}",
        run.err
    );
    assert!(run.err.contains("错误：") && run.err.contains("八十六"), "{}", run.err);

    let strict = jixiao(&["eval", RULES, path_str(&path), "--format", "csv", "--strict"]);
    assert_eq!(strict.code, 3, "--strict fails a run with errors, with its own code");
    assert_eq!(strict.out, run.out, "and still writes every row");
}

#[test]
fn a_short_row_and_a_row_with_extra_cells_are_errors_not_guesses() {
    let dir = temp_dir();
    let text = crate::read(&crate::root().join(UNITS_CSV));
    let mut lines: Vec<String> = records(&text)
        .iter()
        .map(|r| write_csv(std::slice::from_ref(r)))
        .collect();
    // Row 3: cut after 单位名称; row 4: one cell too many; plus a blank line.
    lines[3] = format!("{}\n", records(&lines[3])[0][0]);
    lines[4] = format!("{},多余\n", lines[4].trim_end());
    lines.insert(5, ",,,\n".into());
    let path = dir.path().join("ragged.csv");
    std::fs::write(&path, lines.concat()).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&path), "--format", "jsonl"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let units: Vec<serde_json::Value> = run.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(units.len(), 7, "the blank line is not a unit");
    assert_eq!(units[2]["status"], "错误");
    let short = units[2]["error"].as_str().unwrap();
    assert!(
        short.contains("「联系人」列：这一行比表头少 91 个单元格（缺少「联系人、联络电话、编制人数"),
        "{short}"
    );
    assert_eq!(units[3]["status"], "错误");
    let long = units[3]["error"].as_str().unwrap();
    assert!(long.contains("这一行的单元格比表头多"), "{long}");
    assert!(
        run.err.contains("另有 1 个空行不是单位，已跳过：第 6 行"),
        "{}",
        run.err
    );
}

/// Enough rows for several chunks, so that threads really interleave.
fn many_rows(dir: &Path, copies: usize) -> PathBuf {
    let text = crate::read(&crate::root().join(UNITS_CSV));
    let rows = records(&text);
    let mut out = vec![rows[0].clone()];
    for i in 0..copies {
        for r in &rows[1..] {
            let mut r = r.clone();
            r[0] = format!("{}-{i:05}", r[0]);
            out.push(r);
        }
    }
    let path = dir.join("many.csv");
    std::fs::write(&path, write_csv(&out)).unwrap();
    path
}

#[test]
fn jobs_2_gives_exactly_the_output_of_jobs_1() {
    let dir = temp_dir();
    let path = many_rows(dir.path(), 1300); // 9,100 units: three chunks
    let one = jixiao(&["eval", RULES, path_str(&path), "--format", "jsonl", "--jobs", "1"]);
    let two = jixiao(&["eval", RULES, path_str(&path), "--format", "jsonl", "--jobs", "2"]);
    assert_eq!(one.code, 0, "{}", one.err);
    assert_eq!(two.code, 0, "{}", two.err);
    assert!(one.out == two.out, "parallel output differs from sequential output");
    let lines: Vec<serde_json::Value> = two.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 9100);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["number"], i + 1);
    }
    assert_eq!(lines[9099]["unit"], "市农业技术推广站（虚构）-01299");
    assert!(two.err.contains("9100 个单位：9100 个已评价，没有错误"), "{}", two.err);
}

fn workbook(path: &Path) -> calamine::Xlsx<std::io::BufReader<std::fs::File>> {
    calamine::open_workbook(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// A shown value (`79.31%`, `5.00`) as the number a spreadsheet should hold.
fn shown_number(s: &str) -> Decimal {
    match s.strip_suffix('%') {
        Some(p) => Decimal::from_str(p).unwrap() / Decimal::ONE_HUNDRED,
        None => Decimal::from_str(s).unwrap(),
    }
}

/// An `f64` cell back to the decimal it was written from (see batch::input docs).
fn cell_decimal(d: &Data) -> Option<Decimal> {
    match d {
        Data::Float(f) => Some(Decimal::from_str(&format!("{f}")).unwrap()),
        Data::Int(i) => Some(Decimal::from(*i)),
        _ => None,
    }
}

#[test]
fn xlsx_output_round_trips_through_calamine() {
    let dir = temp_dir();
    let out = dir.path().join("结果.xlsx");
    let run = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&out)]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.err.contains("结果已写入"), "{}", run.err);
    let csv = records(&jixiao(&["eval", RULES, UNITS_CSV, "--format", "csv"]).stdout());

    let mut wb = workbook(&out);
    assert_eq!(wb.sheet_names(), ["评价结果", "汇总", "评分说明", "复核意见"]);
    let results = wb.worksheet_range("评价结果").unwrap();
    assert_eq!(results.height(), csv.len());
    let header: Vec<String> = (0..results.width())
        .map(|c| results.get((0, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(header, csv[0], "the same columns as the CSV");
    let mut numbers = 0;
    for (r, csv_row) in csv.iter().enumerate().skip(1) {
        for (c, shown) in csv_row.iter().enumerate() {
            let cell = results.get((r, c)).cloned().unwrap_or(Data::Empty);
            let name = &header[c];
            let numeric = shown.parse::<Decimal>().is_ok()
                || (shown.ends_with('%') && shown.trim_end_matches('%').parse::<Decimal>().is_ok());
            if numeric && name != "来源" {
                let got = cell_decimal(&cell).unwrap_or_else(|| panic!("row {r} {name}: {cell:?} is not a number"));
                assert_eq!(got, shown_number(shown), "row {r} {name}");
                numbers += 1;
            } else if shown.is_empty() {
                assert_eq!(cell, Data::Empty, "row {r} {name}");
            } else {
                assert_eq!(cell.to_string(), *shown, "row {r} {name}");
            }
        }
    }
    assert!(numbers > 300, "numbers are written as numbers ({numbers})");

    let summary = wb.worksheet_range("汇总").unwrap();
    let text: Vec<Vec<String>> = summary
        .rows()
        .map(|r| r.iter().map(|d| d.to_string()).collect())
        .collect();
    let find = |label: &str| {
        text.iter()
            .find(|r| r.first().map(String::as_str) == Some(label))
            .unwrap_or_else(|| panic!("no row {label}"))
            .clone()
    };
    assert_eq!(find("单位数")[1], "7");
    assert_eq!(find("已评价")[1], "7");
    assert_eq!(find("有错误")[1], "0");
    assert_eq!(find("优秀")[1], "4");
    assert_eq!(find("良好")[1], "2");
    assert_eq!(find("中")[1], "1");
    let ranking = text
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("名次"))
        .unwrap();
    assert_eq!(text[ranking + 1][2], "市档案馆（虚构）");
    assert_eq!(text[ranking + 1][3], "97");
    assert!(text
        .iter()
        .any(|r| r.get(2).map(String::as_str) == Some("市水利水电勘测设计院（虚构）")
            && r.get(3).is_some_and(|s| s == "88")));

    let explanations = wb.worksheet_range("评分说明").unwrap();
    assert_eq!(
        explanations.height(),
        1 + 7 * 23,
        "every indicator of every evaluated unit"
    );
}

#[test]
fn the_example_workbook_evaluates_like_the_example_csv() {
    let from_csv = jixiao(&["eval", RULES, UNITS_CSV, "--format", "jsonl"]);
    let from_xlsx = jixiao(&["eval", RULES, UNITS_XLSX, "--format", "jsonl"]);
    assert_eq!(from_xlsx.code, 0, "{}", from_xlsx.err);
    assert!(
        from_xlsx.err.contains("7 个单位：7 个已评价，没有错误"),
        "{}",
        from_xlsx.err
    );
    let parse =
        |r: &Run| -> Vec<serde_json::Value> { r.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect() };
    let (a, b) = (parse(&from_csv), parse(&from_xlsx));
    assert_eq!(a.len(), b.len());
    let dec = |v: &serde_json::Value| jixiao::number::Number::from_str(v.as_str().unwrap()).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["unit"], y["unit"]);
        assert_eq!(x["status"], y["status"]);
        let (ex, ey) = (&x["evaluation"], &y["evaluation"]);
        if ex.is_null() {
            assert!(ey.is_null());
            continue;
        }
        assert_eq!(dec(&ex["total"]), dec(&ey["total"]), "{}", x["unit"]);
        assert_eq!(ex["grade"], ey["grade"]);
        for (i, j) in ex["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .zip(ey["indicators"].as_array().unwrap())
        {
            assert_eq!(dec(&i["score"]), dec(&j["score"]), "{} {}", x["unit"], i["name"]);
            assert_eq!(i["display"], j["display"], "{} {}", x["unit"], i["name"]);
        }
        for (i, j) in ex["checks"]
            .as_array()
            .unwrap()
            .iter()
            .zip(ey["checks"].as_array().unwrap())
        {
            assert_eq!(i["ok"], j["ok"], "{} {}", x["unit"], i["name"]);
        }
    }
}

#[test]
fn a_bad_workbook_cell_is_named_by_its_a1_reference() {
    let dir = temp_dir();
    let path = dir.path().join("bad.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("各单位").unwrap();
    let csv = records(&crate::read(&crate::root().join(UNITS_CSV)));
    for (r, row) in csv.iter().take(3).enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let staff = column(&csv[0], "实有人数");
    ws.write_number(2, staff as u16, 38.5).unwrap();
    wb.save(&path).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&path), "--format", "jsonl", "--sheet", "各单位"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let units: Vec<serde_json::Value> = run.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(units[0]["status"], "正常");
    assert_eq!(
        units[1]["error"],
        "各单位!E3「实有人数」（值 38.5）：应为整数（单位：人），例如 174"
    );
    let missing = jixiao(&["eval", RULES, path_str(&path), "--sheet", "Sheet9"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.err.contains("没有名为「Sheet9」的工作表；现有的工作表：各单位"),
        "{}",
        missing.err
    );
}

#[test]
fn several_files_are_concatenated_in_order() {
    let run = jixiao(&["eval", RULES, UNITS_CSV, SEED, "Cargo.toml", "--format", "jsonl"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let units: Vec<serde_json::Value> = run.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(units.len(), 9);
    assert_eq!(units[7]["source"], SEED);
    // The CSV's blank 其他交通工具购置费 and 其他交通费用 cells are noted as not reported
    // (提示); the TOML file leaves those keys out. Everything else is the same.
    let without_provenance = |v: &serde_json::Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("provenance");
        let audit = v["audit"].as_object_mut().unwrap();
        audit.remove("notes");
        audit["findings"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["category"] != "数据");
        v
    };
    let notes: Vec<&str> = units[0]["evaluation"]["audit"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "数据")
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["其他交通工具购置费", "其他交通费用"]);
    assert_eq!(
        without_provenance(&units[7]["evaluation"]),
        without_provenance(&units[0]["evaluation"]),
        "the TOML seed and the CSV seed agree"
    );
    assert_eq!(units[8]["source"], "Cargo.toml");
    assert_eq!(units[8]["status"], "错误");
    assert!(
        units[8]["error"].as_str().unwrap().contains("缺少"),
        "{}",
        units[8]["error"]
    );
    assert!(
        run.err.contains("9 个单位：8 个已评价，1 个有错误 — 见 Cargo.toml"),
        "{}",
        run.err
    );
}

#[test]
fn unknown_columns_are_warned_once_per_file() {
    let dir = temp_dir();
    let mut rows = records(&crate::read(&crate::root().join(UNITS_CSV)));
    for (i, row) in rows.iter_mut().enumerate() {
        row.push(if i == 0 { "备注".into() } else { format!("备注{i}") });
    }
    let path = dir.path().join("extra.csv");
    std::fs::write(&path, write_csv(&rows)).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&path), "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert_eq!(run.err.matches("备注").count(), 1, "{}", run.err);
    let place = format!("的列「备注」（第 {} 列）不是规则文件声明的输入，已忽略", rows[0].len());
    assert!(run.err.contains(&place), "{}", run.err);
}

#[test]
fn html_report_is_self_contained_with_a_page_per_unit() {
    let dir = temp_dir();
    let out = dir.path().join("报告.html");
    let run = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&out)]);
    assert_eq!(run.code, 0, "{}", run.err);
    let html = crate::read(&out);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<section class=\"page unit\"").count(), 7);
    assert_eq!(html.matches("<section class=\"page summary\"").count(), 1);
    // SVG namespaces are names, not resources; a fill may name a pattern in the page.
    let checked = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace("url(#", "");
    for external in ["<script", "<link", "src=", "http://", "https://", "url("] {
        assert!(!checked.contains(external), "external resource: {external}");
    }
    // The summary's charts and one profile per unit page, each a well-formed SVG.
    let summary = &html[..html.find("id=\"unit-1\"").unwrap()];
    for id in ["jx-grades", "jx-totals", "jx-indicators", "jx-categories"] {
        assert_eq!(
            summary
                .matches(&format!(
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\""
                ))
                .count(),
            1,
            "{id}"
        );
    }
    for n in 1..=7 {
        assert_eq!(
            html.matches(&format!("id=\"jx-profile-{n}\"")).count(),
            1,
            "unit {n}'s profile"
        );
    }
    let mut svgs = 0;
    for (start, _) in html.match_indices("<svg ") {
        let end = start + html[start..].find("</svg>").unwrap() + "</svg>".len();
        crate::charts::parse(&html[start..end]);
        svgs += 1;
    }
    assert_eq!(svgs, 4 + 7);
    let seed = &html[html.find("id=\"unit-1\"").unwrap()..html.find("id=\"unit-2\"").unwrap()];
    // The seed unit's 投入 subtotal (shown 13.80, exact ≈13.7955) of 15 against the median
    // of the seven: the rate is taken from the exact subtotal, 91.97%, not 13.80 / 15.
    assert!(
        seed.contains(">91.97%（中位 86.67%）</text>"),
        "the seed unit's profile"
    );
    for part in [
        "基本概况",
        "年度收入",
        "三公经费",
        "一、评分表",
        "二、分类小计",
        "四、勾稽关系",
        "五、复核意见",
        "<th class=\"row\">总　　分</th><td class=\"big\">94.30</td><th class=\"row\">评价等次</th><td class=\"big\">优秀</td>",
    ] {
        assert!(seed.contains(part), "the seed page has {part}");
    }
    assert!(!seed.contains("附录一"), "explanations only with --explain");
    assert!(seed.contains(
        "<td>财政供养人员控制率</td><td class=\"num\">5</td><td class=\"std\">以100%为标准。≦100%，计5分；每超过一个百分点扣0.5分，扣完为止。</td><td class=\"num\">79.31%</td><td class=\"num\">5.00</td>"
    ));
    // Amounts as money is written, exact: 3321.80 万元, not 3321.8.
    assert!(seed.contains("<td class=\"num\">3321.80 万元</td>"), "money figures");
    // 上年三公经费预算 0: the page shows the value as 无法计算 and the score by the policy.
    let zero_base = &html[html.find("id=\"unit-4\"").unwrap()..html.find("id=\"unit-5\"").unwrap()];
    assert!(
        zero_base.contains("无法计算（除数 `上年三公经费预算` 为 0）"),
        "{zero_base}"
    );
    assert!(zero_base.contains("<td class=\"big\">88.00</td>"), "{zero_base}");
}

#[test]
fn output_format_follows_the_file_extension_and_xlsx_needs_a_file_or_a_pipe() {
    let dir = temp_dir();
    let out = dir.path().join("units.jsonl");
    let run = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&out)]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert_eq!(crate::read(&out).lines().count(), 7);
    let csv_out = dir.path().join("units.csv");
    let run = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&csv_out)]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(
        crate::read(&csv_out).starts_with("\u{FEFF}序号,"),
        "a BOM so that Excel reads UTF-8"
    );
    // Without -o a workbook goes to standard output only when that is not a terminal (here
    // a pipe; the terminal's refusal is pipes::a_workbook_is_not_written_to_a_terminal).
    let run = jixiao(&["eval", RULES, UNITS_CSV, "--format", "xlsx"]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.out.starts_with(b"PK\x03\x04"), "a workbook into the pipe");
    let run = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&dir.path().join("x.pdf"))]);
    assert_eq!(run.code, 1);
    assert!(run.err.contains("无法由输出文件"), "{}", run.err);
    // The single-unit table still goes to a file when asked.
    let txt = dir.path().join("seed.txt");
    let run = jixiao(&["eval", RULES, SEED, "-o", path_str(&txt)]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(crate::read(&txt).contains("总分：94.30    等级：优秀"));
}

#[test]
fn a_header_only_file_is_an_error_but_not_a_panic() {
    let dir = temp_dir();
    let path = dir.path().join("empty.csv");
    let header = crate::read(&crate::root().join(UNITS_CSV))
        .lines()
        .next()
        .unwrap()
        .to_owned();
    std::fs::write(&path, format!("{header}\n")).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&path), "--format", "csv"]);
    assert_eq!(run.code, 1);
    assert!(run.err.contains("0 个单位"), "{}", run.err);
    assert_eq!(records(&run.stdout()).len(), 1, "the header is still written");
    let empty = dir.path().join("nothing.csv");
    std::fs::write(&empty, "").unwrap();
    let run = jixiao(&["eval", RULES, path_str(&empty)]);
    assert_eq!(run.code, 1);
    assert!(run.err.contains("是空文件"), "{}", run.err);
}

/// Regenerates `examples/yueyang-2021/units.xlsx` from `units.csv`, with numbers,
/// percents and 是/否 as typed cells: `cargo test -- --ignored regenerate_units_xlsx`.
#[test]
#[ignore = "writes examples/yueyang-2021/units.xlsx"]
fn regenerate_units_xlsx() {
    use jixiao::model::{DataKey, Kind};
    use rust_xlsxwriter::{Format, Workbook};
    let root = crate::root();
    let compiled = crate::compile(RULES, &crate::read(&root.join(RULES)));
    let model = &compiled.model;
    let rows = records(&crate::read(&root.join(UNITS_CSV)));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("单位").unwrap();
    let bold = Format::new().set_bold().set_text_wrap();
    let money = Format::new().set_num_format("#,##0.00");
    let count = Format::new().set_num_format("0");
    let percent = Format::new().set_num_format("0.0%");
    for (c, h) in rows[0].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).unwrap();
        ws.set_column_width(c as u16, if c == 0 { 30 } else { 12 }).unwrap();
    }
    for (r, row) in rows.iter().enumerate().skip(1) {
        for (c, cell) in row.iter().enumerate() {
            let (r, col) = (r as u32, c as u16);
            if cell.is_empty() {
                continue;
            }
            let header = rows[0][c].as_str();
            let kind = match model.data_keys.get(header) {
                Some(DataKey::Input(i)) => Some(model.inputs[*i].kind),
                _ => None,
            };
            let number = |s: &str| s.parse::<f64>().unwrap();
            match kind {
                Some(Kind::Quantity(_)) if kind.unwrap().is_count() => {
                    ws.write_number_with_format(r, col, number(cell), &count).unwrap();
                }
                Some(Kind::Quantity(_)) => {
                    ws.write_number_with_format(r, col, number(cell), &money).unwrap();
                }
                Some(Kind::Percent) => {
                    let fraction = jixiao::data::parse_percent_text(cell).unwrap();
                    ws.write_number_with_format(r, col, number(&fraction.to_string()), &percent)
                        .unwrap();
                }
                Some(Kind::Bool) => {
                    ws.write_boolean(r, col, cell == "是").unwrap();
                }
                _ if header.starts_with("评审.") || header == "自评.总分" || header.starts_with("自评.得分.") =>
                {
                    ws.write_number(r, col, number(cell)).unwrap();
                }
                _ => {
                    ws.write_string(r, col, cell).unwrap();
                }
            }
        }
    }
    ws.set_freeze_panes(1, 1).unwrap();
    wb.save(root.join(UNITS_XLSX)).unwrap();
}

/// The output file is an ordinary file: a new one gets the mode any newly created file
/// gets (not the temporary file's private 0600), a replaced one keeps its own.
#[cfg(unix)]
#[test]
fn output_files_get_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let ordinary = dir.path().join("ordinary.txt");
    std::fs::write(&ordinary, "x").unwrap();

    let fresh = dir.path().join("new.csv");
    let run = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&fresh)]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert_eq!(mode(&fresh), mode(&ordinary));

    let shared = dir.path().join("shared.csv");
    std::fs::write(&shared, "上一次的结果\n").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    let run = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&shared)]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert_eq!(mode(&shared), 0o640);
    assert!(std::fs::read_to_string(&shared)
        .unwrap()
        .contains("岳阳市城市管理综合执法支队"));
}

/// CSV and workbook text cells read numbers by the data files' grammar
/// (docs/language.md §13): the same values, the same hints.
#[test]
fn csv_and_workbook_cells_follow_the_one_number_grammar() {
    let dir = temp_dir();
    let rows = records(&crate::read(&crate::root().join(UNITS_CSV)));
    let income = column(&rows[0], "收入合计");
    assert_eq!(rows[1][income], "3696.83");
    let spellings = [
        "3696.83",
        "3,696.83",
        "+3696.83",
        "３６９６．８３",
        "３，６９６．８３",
        "3.69683e3",
        "3.69683E3",
        "36_96.83",
        "_3696.83",
        "36,96.83",
        "3696,83",
    ];
    let mut table = vec![rows[0].clone()];
    for s in spellings {
        let mut row = rows[1].clone();
        row[income] = s.to_owned();
        table.push(row);
    }
    let path = dir.path().join("numbers.csv");
    std::fs::write(&path, write_csv(&table)).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&path), "--format", "jsonl"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let units: Vec<serde_json::Value> = run.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(units.len(), spellings.len());
    let plain = units[0].clone();
    assert_eq!(plain["status"], "正常", "{plain}");
    let reason = |i: usize| units[i]["error"].as_str().unwrap_or("").to_owned();
    for i in 1..5 {
        assert_eq!(
            units[i]["evaluation"]["total"],
            plain["evaluation"]["total"],
            "{}: {}",
            spellings[i],
            reason(i)
        );
        assert_eq!(units[i]["status"], "正常", "{}: {}", spellings[i], reason(i));
    }
    let hints = [
        "（值 3.69683e3）：不支持科学计数法：请写成 3696.83",
        "（值 3.69683E3）：不支持科学计数法：请写成 3696.83",
        "（值 36_96.83）：数字中不能有下划线：请写成 3696.83",
        "（值 _3696.83）：数字中不能有下划线：请写成 3696.83",
        "（值 36,96.83）：千分位逗号只能三位一组，例如 1,234,567.89：请写成 3696.83",
        "（值 3696,83）：千分位逗号只能三位一组，例如 1,234,567.89：请写成 369683（若逗号是小数点，写成 3696.83）",
    ];
    for (i, hint) in (5..).zip(hints) {
        assert_eq!(units[i]["status"], "错误", "{}", spellings[i]);
        assert!(reason(i).contains("「收入合计」列"), "{}", reason(i));
        assert!(reason(i).contains(hint), "{}", reason(i));
    }

    // A workbook: text cells as in the CSV; a number cell is an `f64`, whose text never
    // has an exponent (1e-7 typed in Excel is read as 0.0000001).
    let book = dir.path().join("numbers.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, cell) in rows[0].iter().enumerate() {
        ws.write_string(0, c as u16, cell).unwrap();
    }
    for (r, value) in ["1e3", "1_000", "3696.83"].iter().enumerate() {
        for (c, cell) in rows[1].iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, if c == income { value } else { cell.as_str() })
                .unwrap();
        }
    }
    for (c, cell) in rows[1].iter().enumerate() {
        ws.write_string(4, c as u16, cell).unwrap();
    }
    ws.write_number(4, income as u16, 1e-7).unwrap();
    wb.save(&book).unwrap();
    let run = jixiao(&["eval", RULES, path_str(&book), "--format", "jsonl"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let units: Vec<serde_json::Value> = run.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let error = |i: usize| units[i]["error"].as_str().unwrap_or("").to_owned();
    assert!(
        error(0).contains("（值 1e3）：不支持科学计数法：请写成 1000"),
        "{}",
        error(0)
    );
    assert!(
        error(1).contains("（值 1_000）：数字中不能有下划线：请写成 1000"),
        "{}",
        error(1)
    );
    assert_eq!(
        units[2]["evaluation"]["total"],
        plain["evaluation"]["total"],
        "{}",
        error(2)
    );
    assert!(!error(3).contains("收入合计"), "{}", error(3));
}

/// A 绩效目标 cell that is not JSON is explained in Chinese, once, with where it breaks
/// (serde_json's "EOF while parsing an object at line 1 column 52" is English).
#[test]
fn a_broken_target_list_cell_is_explained_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let text = crate::read(&crate::root().join("examples/yueyang-2021/units.csv"));
    let cell = r#""[{""类别"":""数量指标"",""名称"":""培训人数"""#;
    // The cell's JSON stops after the first item's name: no `}` and no `]`.
    let broken = cell.to_owned() + "\"";
    // Cut the first row's target list after its first item's name.
    let start = text.find("\"[{").expect("a target-list cell");
    let end = start + text[start..].find("}]\"").expect("its end") + 3;
    let path = dir.path().join("units.csv");
    std::fs::write(&path, format!("{}{}{}", &text[..start], broken, &text[end..])).unwrap();
    let run = jixiao(&["eval", RULES, path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.err);
    let v: serde_json::Value = serde_json::from_slice(&run.out).unwrap();
    let error = v["units"][0]["error"].as_str().expect("the unit is in error");
    assert!(error.contains("目标清单不是有效的 JSON：第 1 行第 "), "{error}");
    assert!(
        error.contains("少了 `}`") || error.contains("少了逗号或 `}`"),
        "{error}"
    );
    assert!(!error.contains("EOF") && !error.contains("line"), "{error}");
    assert_eq!(error.matches("不是有效的 JSON").count(), 1, "{error}");
}
