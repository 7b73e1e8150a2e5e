//! Pipes (issue 21, item 3): `-` reads the data from standard input, its format given by
//! `--data-format` or told by its content (never a silent guess between two), `-o -`
//! writes any format to standard output (a workbook only into a pipe, not to a terminal),
//! and CSV from standard input is read in the memory a CSV file takes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::batch::{records, Run};
use crate::jixiao;

const RULES: &str = "rules/yueyang-2021.jx";
const UNITS_CSV: &str = "examples/yueyang-2021/units.csv";
const UNITS_XLSX: &str = "examples/yueyang-2021/units.xlsx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

/// Runs the binary with `input` on its standard input (written from a thread, so a child
/// that writes before it has read everything cannot block on a full pipe).
fn piped(args: &[&str], input: Vec<u8>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(crate::root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jixiao");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // The child may stop reading early (an error); a broken pipe is its answer.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("jixiao runs");
    writer.join().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        out: out.stdout,
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn file(path: &str) -> Vec<u8> {
    std::fs::read(crate::root().join(path)).unwrap()
}

/// A CSV run's rows with the 来源 column (the file's name, or 标准输入) left out.
fn without_source(text: &str) -> Vec<Vec<String>> {
    let rows = records(text);
    let source = rows[0].iter().position(|h| h == "来源").expect("来源 column");
    rows.into_iter()
        .map(|mut r| {
            r.remove(source);
            r
        })
        .collect()
}

#[test]
fn a_csv_from_standard_input_is_read_as_the_file_is() {
    let run = piped(&["eval", RULES, "-", "--format", "csv"], file(UNITS_CSV));
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.err.contains("标准输入的数据按 CSV 格式读取"), "{}", run.err);
    assert!(run.err.contains("标准输入 共 13 行文本"), "{}", run.err);
    let (code, from_file, err) = jixiao(&["eval", RULES, UNITS_CSV, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(without_source(&run.stdout()), without_source(&from_file));
    assert_eq!(records(&run.stdout())[1][1], "标准输入 第 2 行");
    // --quiet: the guess is not said.
    let quiet = piped(&["eval", RULES, "-", "--format", "csv", "--quiet"], file(UNITS_CSV));
    assert!(!quiet.err.contains("按 CSV 格式读取"), "{}", quiet.err);
}

#[test]
fn a_toml_unit_from_standard_input_prints_its_score_sheet() {
    let run = piped(&["eval", RULES, "-"], file(SEED));
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.err.contains("按 TOML 格式读取"), "{}", run.err);
    let (code, from_file, err) = jixiao(&["eval", RULES, SEED]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        run.stdout().replace("数据 标准输入", &format!("数据 {SEED}")),
        from_file
    );
    assert!(run.stdout().contains("总分"), "{}", run.stdout());

    // JSON: the same evaluation, the data file named 标准输入.
    let run = piped(&["eval", RULES, "-", "--format", "json"], file(SEED));
    let mut piped_ev: serde_json::Value = serde_json::from_slice(&run.out).expect("JSON");
    let (_, from_file, _) = jixiao(&["eval", RULES, SEED, "--format", "json"]);
    let mut file_ev: serde_json::Value = serde_json::from_str(&from_file).unwrap();
    assert_eq!(piped_ev["provenance"]["data_file"], "标准输入");
    piped_ev["provenance"]["data_file"] = serde_json::Value::Null;
    file_ev["provenance"]["data_file"] = serde_json::Value::Null;
    assert_eq!(piped_ev, file_ev);

    // A data error names 标准输入 and its line.
    let bad = String::from_utf8(file(SEED))
        .unwrap()
        .replacen("\"编制人数\" = 174", "\"编制人数\" = \"很多\"", 1);
    let run = piped(&["eval", RULES, "-"], bad.into_bytes());
    assert_eq!(run.code, 1, "{}", run.err);
    assert!(
        run.err.contains("标准输入") && run.err.contains("编制人数"),
        "{}",
        run.err
    );
}

#[test]
fn a_workbook_from_standard_input_is_read_in_memory_as_the_file_is() {
    let run = piped(&["eval", RULES, "-", "--format", "csv"], file(UNITS_XLSX));
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.err.contains("按 Excel 工作簿读取"), "{}", run.err);
    let (_, from_file, _) = jixiao(&["eval", RULES, UNITS_XLSX, "--format", "csv"]);
    assert_eq!(without_source(&run.stdout()), without_source(&from_file));
    // Not a workbook after all: said as the file's error would be.
    let mut broken = b"PK\x03\x04".to_vec();
    broken.extend_from_slice(&[0; 100]);
    let run = piped(&["eval", RULES, "-"], broken);
    assert_eq!(run.code, 1);
    assert!(run.err.contains("无法读取工作簿 标准输入"), "{}", run.err);
}

#[test]
fn data_format_is_asked_for_when_the_content_does_not_tell() {
    // No 单位名称 column, not TOML, not JSON: a question, not a guess.
    let run = piped(&["eval", RULES, "-"], "编制人数,实有人数\n174,138\n".into());
    assert_eq!(run.code, 1);
    assert!(
        run.err.contains("无法判断标准输入的数据是什么格式")
            && run.err.contains("--data-format toml、json、csv 或 xlsx")
            && run.err.contains("编制人数,实有人数"),
        "{}",
        run.err
    );
    // Two formats fit: asked, too.
    let run = piped(&["eval", RULES, "-"], "单位名称 = \"甲\"\n单位名称,编制人数\n".into());
    assert_eq!(run.code, 1);
    assert!(run.err.contains("既像 TOML，又像 CSV"), "{}", run.err);
    // Nothing at all.
    let run = piped(&["eval", RULES, "-"], Vec::new());
    assert_eq!(run.code, 1);
    assert!(run.err.contains("标准输入是空的"), "{}", run.err);
    // Given, the format is taken as it is: TOML read as JSON is a JSON error.
    let run = piped(&["eval", RULES, "-", "--data-format", "json"], file(SEED));
    assert_eq!(run.code, 1);
    assert!(run.err.contains("不是有效的 JSON"), "{}", run.err);
    assert!(!run.err.contains("由内容判断"), "{}", run.err);
    // Standard input is read once.
    let run = piped(&["eval", RULES, "-", "-"], file(SEED));
    assert_eq!(run.code, 2, "a usage error");
    assert!(run.err.contains("只能有一个 -"), "{}", run.err);
}

#[test]
fn data_format_overrides_a_files_extension() {
    let dir = tempfile::tempdir().unwrap();
    let dat = dir.path().join("各单位.dat");
    std::fs::write(&dat, file(UNITS_CSV)).unwrap();
    let (code, _, err) = jixiao(&["eval", RULES, dat.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("--data-format"), "{err}");
    let (code, out, err) = jixiao(&[
        "eval",
        RULES,
        dat.to_str().unwrap(),
        "--data-format",
        "csv",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(records(&out).len(), 8, "{out}");
    // A workbook without a workbook's extension: its format by its content.
    let book = dir.path().join("各单位");
    std::fs::write(&book, file(UNITS_XLSX)).unwrap();
    let (code, out, err) = jixiao(&[
        "eval",
        RULES,
        book.to_str().unwrap(),
        "--data-format",
        "xlsx",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(records(&out).len(), 8, "{out}");
    // A TOML unit named .txt (which would be read as CSV): one unit, its score sheet.
    let txt = dir.path().join("城管.txt");
    std::fs::write(&txt, file(SEED)).unwrap();
    let (code, out, err) = jixiao(&["eval", RULES, txt.to_str().unwrap(), "--data-format", "toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("总分") && out.contains("94.30"), "{out}");
}

#[test]
fn validate_reads_standard_input_too() {
    let bad = String::from_utf8(file(UNITS_CSV))
        .unwrap()
        .replacen(",174,", ",很多,", 1);
    let run = piped(&["validate", RULES, "-", "--format", "json"], bad.into_bytes());
    assert_eq!(run.code, 1, "{}", run.err);
    let v: serde_json::Value = serde_json::from_slice(&run.out).expect("JSON");
    assert_eq!(v["summary"]["units"], 7, "{}", v["summary"]);
    let f = &v["findings"][0];
    assert_eq!(
        (&f["file"], &f["field"], &f["value"]),
        (&"标准输入".into(), &"编制人数".into(), &"很多".into())
    );
    // A returned template on standard input.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("模板.xlsx");
    let (code, _, err) = jixiao(&["template", RULES, "--fill", SEED, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let run = piped(&["validate", RULES, "-"], std::fs::read(&out).unwrap());
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(
        run.err.contains("✓ 标准输入（岳阳市城市管理综合执法支队）：无误"),
        "{}",
        run.err
    );
}

#[test]
fn every_format_goes_to_standard_output_with_dash() {
    for format in ["table", "json", "jsonl", "csv", "html"] {
        let (code, out, err) = jixiao(&["eval", RULES, UNITS_CSV, "--format", format, "-o", "-"]);
        assert_eq!(code, 0, "{format}: {err}");
        assert!(!out.is_empty(), "{format}");
        assert!(!err.contains("结果已写入"), "{format}: {err}");
        assert!(
            !Path::new(&crate::root().join("-")).exists(),
            "{format}: a file named -"
        );
    }
    let (_, csv, _) = jixiao(&["eval", RULES, UNITS_CSV, "--format", "csv", "-o", "-"]);
    assert!(!csv.starts_with('\u{FEFF}'), "no BOM on standard output");
    // One unit to standard output, and without --format the table.
    let (code, out, err) = jixiao(&["eval", RULES, SEED, "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("94.30"), "{out}");
    // A workbook into a pipe: the bytes of an .xlsx calamine reads.
    let run = piped(&["eval", RULES, UNITS_CSV, "--format", "xlsx", "-o", "-"], Vec::new());
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.out.starts_with(b"PK\x03\x04"));
    let wb: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(run.out)).expect("an xlsx");
    assert!(!calamine::Reader::sheet_names(&wb).is_empty());
    // validate and its problem list, too.
    let run = piped(
        &["validate", RULES, UNITS_CSV, "--format", "xlsx", "-o", "-"],
        Vec::new(),
    );
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.out.starts_with(b"PK\x03\x04"));
}

/// On a terminal (a pseudo-terminal made by `script`), a workbook is refused, saying how
/// to write it.
#[test]
fn a_workbook_is_not_written_to_a_terminal() {
    let bin = env!("CARGO_BIN_EXE_jixiao");
    for command in [
        format!("{bin} eval {RULES} {UNITS_CSV} --format xlsx -o -"),
        format!("{bin} eval {RULES} {UNITS_CSV} --format xlsx"),
        format!("{bin} validate {RULES} {UNITS_CSV} --format xlsx"),
        format!("{bin} template {RULES}"),
        format!("{bin} diff {RULES} rules/yueyang-2022.jx --format xlsx -o -"),
    ] {
        let out = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(crate::root())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("script (util-linux) runs the command on a pseudo-terminal");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{command}: {text}");
        assert!(
            text.contains("XLSX 是二进制文件，不能输出到终端") && text.contains("-o"),
            "{command}: {text}"
        );
        assert!(!text.contains("PK\u{3}\u{4}"), "{command}: bytes on the terminal");
    }
}

/// The peak resident memory of a child, in KiB: its `VmHWM` (the high-water mark of the
/// program it runs, not of the test process it was forked from), read until it exits.
#[cfg(target_os = "linux")]
fn peak_kib(mut command: Command, input: Vec<u8>) -> (i32, u64) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    writer.join().unwrap();
    (status.code().unwrap_or(-1), peak)
}

/// 32 MB of CSV through standard input takes the memory the same file takes, not its size:
/// it is streamed (through an unnamed temporary file), not read whole.
#[cfg(target_os = "linux")]
#[test]
fn a_csv_on_standard_input_streams_in_the_memory_a_file_takes() {
    let text = String::from_utf8(file(UNITS_CSV)).unwrap();
    let rows = records(&text);
    let line = |row: &[String]| {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(row).unwrap();
        w.into_inner().unwrap()
    };
    let mut header = rows[0].clone();
    header.push("备注".into());
    let mut row = rows[1].clone();
    row.push("说明".repeat(80_000));
    let (header, row) = (line(&header), line(&row));
    let mut big = header;
    while big.len() < 32 << 20 {
        big.extend_from_slice(&row);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("大.csv");
    std::fs::write(&path, &big).unwrap();
    let run = |data: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jixiao"));
        command
            .args(["eval", RULES, data, "--format", "csv", "-j", "1", "-q"])
            .current_dir(crate::root());
        command
    };
    let (code, from_file) = peak_kib(run(path.to_str().unwrap()), Vec::new());
    assert_eq!(code, 0);
    let (code, from_stdin) = peak_kib(run("-"), big.clone());
    assert_eq!(code, 0);
    let size_kib = (big.len() / 1024) as u64;
    assert!(
        from_stdin < from_file + size_kib / 4,
        "standard input {from_stdin} KiB, the file {from_file} KiB, the data {size_kib} KiB"
    );
}
