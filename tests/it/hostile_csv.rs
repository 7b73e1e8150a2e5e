//! Hostile and careless CSV files (issue 17): a stray quote, short rows, line ends,
//! blank lines, percent written without `%`, other encodings and delimiters, formula
//! cells in the output, and a closed stdout. Every case runs on the direct CSV path and
//! on the general path, which must agree byte for byte.

use std::path::{Path, PathBuf};

use crate::{jixiao, root};

/// The direct-path workload: no target lists, no 评审 columns.
const WORKLOAD: &str = "benches/workload/workload.jx";
const YUEYANG: &str = "rules/yueyang-2021.jx";
const UNITS_CSV: &str = "examples/yueyang-2021/units.csv";

const HEADER: &str = "单位名称,编制人数,实有人数,年初预算,实际收入,上年结转,支出合计,基本支出,人员支出,公用支出,项目支出,项目支出预算,重点支出,三公预算,上年三公预算,三公实际,上年三公实际,政府采购预算,政府采购实际,固定资产期初,固定资产新增,固定资产调入,固定资产处置,固定资产期末,备注";
const FIGURES: &str = "174,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40";

/// A workload row: name, the figures, a 备注.
fn row(name: &str, note: &str) -> String {
    format!("{name},{FIGURES},{note}")
}

fn write(dir: &Path, file: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `eval --format csv` on both paths: the same stdout and stderr, and the same exit code.
fn eval_both(rules: &str, path: &Path, extra: &[&str]) -> (i32, String, String) {
    let path = path.to_str().unwrap();
    let mut fast = vec!["eval", rules, path, "--format", "csv"];
    fast.extend(extra);
    let mut general = fast.clone();
    general.push("--no-fast-path");
    let a = jixiao(&fast);
    let b = jixiao(&general);
    assert_eq!(a, b, "the direct and the general path differ");
    a
}

fn lines_of(rows: &[String], end: &str) -> String {
    rows.iter().map(|r| format!("{r}{end}")).collect()
}

#[test]
fn a_stray_quote_does_not_swallow_the_rows_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = vec![HEADER.to_owned()];
    for i in 1..=1000 {
        rows.push(row(&format!("单位{i:04}"), ""));
    }
    // Data row 500 (spreadsheet row 501): a note that begins with a quote, never closed.
    rows[500] = row("单位0500", "\"见附件");
    // Data row 700: the unit's own name begins with a quote.
    rows[700] = row("\"见附件单位0700", "");
    let path = write(dir.path(), "quote.csv", lines_of(&rows, "\n").as_bytes());
    let (code, out, err) = eval_both(WORKLOAD, &path, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1000 个单位：998 个已评价，2 个有错误 — 见第 501、701 行"),
        "{err}"
    );
    assert_eq!(out.lines().count(), 1001, "a header and every unit");
    let bad = out.lines().nth(500).unwrap();
    assert!(bad.contains("第 501 行") && bad.contains("引号"), "{bad}");
    assert!(out.lines().nth(501).unwrap().contains(",单位0501,"));
    // Every text line is accounted for.
    assert!(err.contains("共 1001 行"), "{err}");
    // --strict and validate see the same.
    let (strict, _, _) = jixiao(&["eval", WORKLOAD, path.to_str().unwrap(), "--format", "csv", "--strict"]);
    assert_eq!(strict, 3);
    let (code, out, err) = jixiao(&["validate", WORKLOAD, path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("2 个有错误"), "{err}");
    assert!(err.contains("共 1001 行文本：表头 1 行，数据 1000 行"), "{err}");
    assert!(out.contains("引号"), "{out}");
}

#[test]
fn a_quote_that_closes_far_away_does_not_join_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = vec![HEADER.to_owned()];
    for i in 1..=10 {
        rows.push(row(&format!("单位{i:02}"), ""));
    }
    // The quote opened in row 3 "closes" cleanly at the end of row 6: joining rows 3–6
    // would make one record of the wrong shape.
    rows[2] = row("单位02", "\"见附件");
    rows[5] = row("单位05", "完\"");
    let path = write(dir.path(), "far.csv", lines_of(&rows, "\n").as_bytes());
    let (code, _, err) = eval_both(WORKLOAD, &path, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("10 个单位：9 个已评价，1 个有错误 — 见第 3 行"), "{err}");
}

#[test]
fn a_quoted_cell_over_several_lines_is_one_row_and_the_rows_after_it_keep_their_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        HEADER.to_owned(),
        row("甲", "\"第一行\n第二行\""),
        row("乙", ""),
        row("丙", "").replace("3029.36", "abc"),
    ];
    let path = write(dir.path(), "multi.csv", lines_of(&rows, "\n").as_bytes());
    let (code, out, err) = eval_both(WORKLOAD, &path, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("3 个单位：2 个已评价，1 个有错误 — 见第 4 行"), "{err}");
    assert!(out.contains("第 4 行（文本第 5 行）「年初预算」列"), "{out}");
}

#[test]
fn row_numbers_are_right_for_every_line_end_and_after_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    for (name, end) in [("lf.csv", "\n"), ("crlf.csv", "\r\n"), ("cr.csv", "\r")] {
        let rows = [
            HEADER.to_owned(),
            row("甲", ""),
            String::new(),
            row("乙", "").replace("3029.36", "abc"),
            row("丙", ""),
        ];
        let path = write(dir.path(), name, lines_of(&rows, end).as_bytes());
        let (code, out, err) = eval_both(WORKLOAD, &path, &["--columns", "单位名称,来源,状态,错误原因"]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(
            err.contains("2 个已评价，1 个有错误 — 见第 4 行（另有 1 个空行不是单位，已跳过：第 3 行）"),
            "{name}: {err}"
        );
        assert!(
            out.contains(&format!("乙,{} 第 4 行,错误,第 4 行「年初预算」列", path.display())),
            "{name}: {out}"
        );
        assert!(
            out.contains(&format!("丙,{} 第 5 行,正常", path.display())),
            "{name}: {out}"
        );
        assert!(!out.contains("文本第"), "{name}: {out}");
    }
}

#[test]
fn a_short_row_is_an_error_naming_the_missing_cells() {
    let dir = tempfile::tempdir().unwrap();
    // Workload: the row lacks its last two cells (固定资产期末 and 备注).
    let full = row("甲", "");
    let short = full.rsplitn(3, ',').nth(2).unwrap().to_owned();
    let rows = [HEADER.to_owned(), full.clone(), short, full];
    let path = write(dir.path(), "short.csv", lines_of(&rows, "\n").as_bytes());
    let (code, out, err) = eval_both(WORKLOAD, &path, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("3 个单位：2 个已评价，1 个有错误 — 见第 3 行"), "{err}");
    assert!(
        out.contains("少 2 个单元格") && out.contains("固定资产期末、备注"),
        "{out}"
    );
    // Yueyang: a row without its last cells silently took the `缺失时` defaults.
    let text = crate::read(&root().join(UNITS_CSV));
    let mut records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let keep = records[1].len() - 1;
    records[1].truncate(keep);
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for r in &records {
        w.write_record(r).unwrap();
    }
    let path = write(dir.path(), "short-yueyang.csv", &w.into_inner().unwrap());
    let (code, out, err) = jixiao(&["eval", YUEYANG, path.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["status"], "错误", "{first}");
    let reason = first["error"].as_str().unwrap();
    assert!(
        reason.contains("少 1 个单元格") && reason.contains("自评.指标值.政府采购执行率"),
        "{reason}"
    );
}

#[test]
fn a_percent_without_a_percent_sign_that_cannot_be_meant_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = crate::read(&root().join(UNITS_CSV));
    // `100%` written as `100`: read as a fraction it would be 10,000%.
    let changed = text.replacen(",100%,", ",100,", 1);
    assert_ne!(changed, text);
    let path = write(dir.path(), "percent.csv", changed.as_bytes());
    let (code, out, err) = jixiao(&["eval", YUEYANG, path.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["status"], "错误", "{first}");
    let reason = first["error"].as_str().unwrap();
    assert!(reason.contains("政府采购执行率") && reason.contains("100%"), "{reason}");
    let (code, _, err) = jixiao(&["validate", YUEYANG, path.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    // `0.95` and `95%` stay what they were.
    let ok = text.replacen(",100%,", ",1,", 1);
    let path = write(dir.path(), "fraction.csv", ok.as_bytes());
    let (code, _, err) = jixiao(&["eval", YUEYANG, path.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("7 个单位：7 个已评价，没有错误"), "{err}");
}

#[test]
fn formula_cells_are_neutralised_in_csv_output_unless_asked_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        HEADER.to_owned(),
        row("=HYPERLINK(\"http://x\";\"点击\")", ""),
        row("@SUM(A1)", ""),
        row("+1+1", ""),
        row("-2+3", ""),
        row("普通单位", ""),
        row("=坏行", "").replace("3029.36", "abc"),
    ];
    let path = write(dir.path(), "formula.csv", lines_of(&rows, "\n").as_bytes());
    let columns = ["--columns", "单位名称,预算调整率,状态"];
    let (code, out, err) = eval_both(WORKLOAD, &path, &columns);
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = csv::ReaderBuilder::new()
        .from_reader(out.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "'=HYPERLINK(\"http://x\";\"点击\")",
            "'@SUM(A1)",
            "'+1+1",
            "'-2+3",
            "普通单位",
            "'=坏行"
        ]
    );
    let (code, raw, err) = eval_both(WORKLOAD, &path, &["--columns", "单位名称,状态", "--csv-raw"]);
    assert_eq!(code, 0, "{err}");
    assert!(raw.contains("\n\"=HYPERLINK(") && raw.contains("\n+1+1,"), "{raw}");
}

#[test]
fn negative_numbers_in_csv_output_stay_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [HEADER.to_owned(), row("甲", "").replace("3641.42", "2500")];
    let path = write(dir.path(), "neg.csv", lines_of(&rows, "\n").as_bytes());
    let (code, out, err) = eval_both(WORKLOAD, &path, &["--columns", "单位名称,预算调整率"]);
    assert_eq!(code, 0, "{err}");
    let line = out.lines().nth(1).unwrap();
    assert!(line.starts_with("甲,-"), "{line}");
}

#[test]
fn other_encodings_delimiters_and_a_title_row_are_named_or_read() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [HEADER.to_owned(), row("甲", ""), row("乙", "")];
    let text = lines_of(&rows, "\r\n");
    let expect_two = |file: &str, bytes: Vec<u8>, says: &str| {
        let path = write(dir.path(), file, &bytes);
        let (code, _, err) = eval_both(WORKLOAD, &path, &[]);
        assert_eq!(code, 0, "{file}: {err}");
        assert!(err.contains("2 个单位：2 个已评价，没有错误"), "{file}: {err}");
        assert!(err.contains(says), "{file}: {err}");
    };
    // UTF-16 (Excel's 「Unicode 文本」 is UTF-16LE with a BOM, tab-separated).
    let tabbed = text.replace(',', "\t");
    let mut le = vec![0xFF, 0xFE];
    le.extend(tabbed.encode_utf16().flat_map(u16::to_le_bytes));
    expect_two("utf16.csv", le, "UTF-16");
    let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    expect_two("utf16-nobom.csv", no_bom, "UTF-16");
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    expect_two("utf16be.csv", be, "UTF-16");
    expect_two("tab.csv", tabbed.into_bytes(), "制表符");
    expect_two("semicolon.csv", text.replace(',', ";").into_bytes(), "分号");
    let titled = format!("2024 年部门整体支出绩效评价数据,,,\r\n\r\n{text}");
    expect_two("title.csv", titled.into_bytes(), "第 3 行");
    // A workbook named .csv.
    let xlsx = std::fs::read(root().join("examples/yueyang-2021/units.xlsx")).unwrap();
    let path = write(dir.path(), "book.csv", &xlsx);
    let (code, _, err) = jixiao(&["eval", WORKLOAD, path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains(".xlsx") && !err.contains("缺少"), "{err}");
}

#[test]
fn a_stray_byte_in_a_utf8_file_is_named_not_read_as_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n");
    for i in 1..=100 {
        text.push_str(&row(&format!("单位{i:03}"), ""));
        text.push('\n');
    }
    let mut bytes = text.into_bytes();
    // An invalid byte inside the name on data row 50 (text line 51).
    let at = bytes.windows(9).position(|w| w == "单位050".as_bytes()).unwrap();
    bytes.insert(at + 6, 0xFF);
    let path = write(dir.path(), "stray.csv", &bytes);
    let (code, out, err) = eval_both(WORKLOAD, &path, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("GBK"), "{err}");
    assert!(err.contains("第 51 行"), "{err}");
    assert!(
        err.contains("100 个单位：99 个已评价，1 个有错误 — 见第 51 行"),
        "{err}"
    );
    assert!(out.contains("单位001,"), "the other names are read as UTF-8: {out}");
    // An invalid GBK byte in a GBK file: the row says so instead of a silent `�`.
    let gbk_text = format!("{HEADER}\n{}\n{}\n", row("甲", ""), row("乙", ""));
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    let mut gbk = gbk.into_owned();
    let at = gbk.windows(2).position(|w| w == [0xD2, 0xD2]).unwrap(); // 乙
    gbk[at + 1] = 0x20;
    let path = write(dir.path(), "gbk.csv", &gbk);
    let (code, _, err) = eval_both(WORKLOAD, &path, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 个单位：1 个已评价，1 个有错误 — 见第 3 行"), "{err}");
    assert!(
        err.contains("1 行含无法识别的字节（显示为 �），第一处在文本第 3 行"),
        "{err}"
    );
    // In a column that is not read, the byte is still named, by its line.
    let at = gbk.windows(2).position(|w| w == [0xD2, 0x20]).unwrap();
    gbk[at + 1] = 0xD2;
    let end = gbk.len() - 1;
    gbk.splice(end..end, [0x81, 0x20]);
    let path = write(dir.path(), "gbk-note.csv", &gbk);
    let (code, _, err) = eval_both(WORKLOAD, &path, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 个单位：2 个已评价，没有错误"), "{err}");
    assert!(err.contains("第一处在文本第 3 行"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_an_error() {
    let csv = root().join(UNITS_CSV);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "\"{}\" eval {} {} --format csv >&-",
            env!("CARGO_BIN_EXE_jixiao"),
            root().join(YUEYANG).display(),
            csv.display()
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("标准输出"), "{err}");
    // `| head` stays quiet and successful.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "\"{}\" eval {} {} --format csv | head -c 10 >/dev/null",
            env!("CARGO_BIN_EXE_jixiao"),
            root().join(YUEYANG).display(),
            csv.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn diff_csv_output_neutralises_formula_names_too() {
    let dir = tempfile::tempdir().unwrap();
    let text = crate::read(&root().join(UNITS_CSV));
    let seed = "岳阳市城市管理综合执法支队";
    let changed = text.replacen(seed, "=HYPERLINK(\"http://x\")", 1);
    let path = write(dir.path(), "formula.csv", changed.as_bytes());
    let (code, out, err) = jixiao(&[
        "diff",
        YUEYANG,
        "rules/yueyang-2022.jx",
        path.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{out}");
    assert!(out.contains(",-1.00"), "numbers stay numbers: {out}");
}
