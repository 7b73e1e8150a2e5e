//! Hostile and careless workbooks: a cell at the sheet's far corner, references past
//! Excel's grid, an absurd shared-string count, a hidden first sheet. Each is read in
//! bounded memory (the binary runs under an address-space limit, `ulimit -v`, so an
//! allocation that follows an absurd dimension fails there instead of on the machine)
//! and refused, or read, with a message that names the file, the sheet and the cell.

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::Command;

const RULES: &str = "rules/yueyang-2021.jx";
const UNITS_XLSX: &str = "examples/yueyang-2021/units.xlsx";

/// The address space the binary may use in these tests (1 GiB): several times what
/// reading the example needs, far below what a dense sheet of the grid's size takes.
const ADDRESS_SPACE_KIB: u64 = 1024 * 1024;

/// A copy of a workbook with one part changed (`edit` gets the part's name and text).
pub fn rewrite(bytes: &[u8], edit: impl Fn(&str, String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().to_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let data = match String::from_utf8(data) {
            Ok(text) if name.ends_with(".xml") => edit(&name, text).into_bytes(),
            Ok(text) => text.into_bytes(),
            Err(e) => e.into_bytes(),
        };
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The example workbook with one more cell (an inline string) at `cell` in a row of
/// its own at the end of the sheet.
pub fn with_cell(cell: &str) -> Vec<u8> {
    let row: String = cell.chars().skip_while(|c| c.is_ascii_alphabetic()).collect();
    let bytes = std::fs::read(crate::root().join(UNITS_XLSX)).unwrap();
    rewrite(&bytes, |name, text| {
        if name == "xl/worksheets/sheet1.xml" {
            text.replace(
                "</sheetData>",
                &format!(r#"<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#),
            )
        } else {
            text
        }
    })
}

/// Runs the binary with its address space limited: (exit code, stdout, stderr).
pub fn bounded_jixiao(args: &[&str]) -> (i32, String, String) {
    let mut command = format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\"");
    for i in 1..=args.len() {
        command.push_str(&format!(" \"${i}\""));
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .arg(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(crate::root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run jixiao");
    let code = out.status.code().unwrap_or(-1);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        code == 0 || code == 1 || code == 2,
        "jixiao {args:?} ended with {code} (an abort or a signal):\n{stderr}"
    );
    assert!(!stderr.contains("memory allocation"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (code, stdout, stderr)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn a_cell_at_the_far_corner_of_the_grid_is_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "far.xlsx", &with_cell("XFD1048576"));
    let (code, stdout, stderr) = bounded_jixiao(&["eval", RULES, &file, "--format", "json"]);
    // The seven units are evaluated; the stray cell's row is in error, at its cell.
    assert_eq!(code, 0, "{stderr}");
    assert!(serde_json::from_str::<serde_json::Value>(&stdout).is_ok(), "{stdout}");
    assert!(stderr.contains("7 个已评价"), "{stderr}");
    assert!(
        stderr.contains("单位!XFD1048576") && stderr.contains("表头的列之外"),
        "{stderr}"
    );
    // `validate` reads it the same way.
    let (_, stdout, stderr) = bounded_jixiao(&["validate", RULES, &file]);
    assert!(!format!("{stdout}{stderr}").is_empty());
}

#[test]
fn a_cell_far_below_the_data_is_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "below.xlsx", &with_cell("CN1048576"));
    let (code, _, stderr) = bounded_jixiao(&["eval", RULES, &file, "--format", "json"]);
    // The last row has a cell but no unit name: that row is in error, the rest evaluate.
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(stderr.contains("1048576"), "{stderr}");
}

#[test]
fn references_beyond_the_grid_are_refused_with_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    for (cell, shown) in [("A99999999", "A99999999"), ("ZZZZ1", "ZZZZ1"), ("XFE2", "XFE2")] {
        let file = write(dir.path(), "beyond.xlsx", &with_cell(cell));
        let (code, _, stderr) = bounded_jixiao(&["eval", RULES, &file]);
        assert_eq!(code, 1, "{cell}: {stderr}");
        assert!(stderr.contains(shown) && stderr.contains("超出"), "{cell}: {stderr}");
        assert!(
            stderr.contains("beyond.xlsx") && stderr.contains("「单位」"),
            "{stderr}"
        );
    }
}

#[test]
fn an_absurd_shared_string_count_is_refused_before_it_is_allocated() {
    let bytes = std::fs::read(crate::root().join(UNITS_XLSX)).unwrap();
    let bytes = rewrite(&bytes, |name, text| {
        if name == "xl/sharedStrings.xml" {
            text.replace(r#"uniqueCount="145""#, r#"uniqueCount="4000000000""#)
        } else {
            text
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "strings.xlsx", &bytes);
    let (code, _, stderr) = bounded_jixiao(&["eval", RULES, &file]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("共享字符串") && stderr.contains("strings.xlsx"),
        "{stderr}"
    );
    let (_, stdout, stderr) = bounded_jixiao(&["validate", RULES, &file]);
    assert!(format!("{stdout}{stderr}").contains("共享字符串"), "{stdout}{stderr}");
}

#[test]
fn a_template_with_a_far_cell_is_read_back_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("t.xlsx");
    let (code, _, stderr) = crate::jixiao(&["template", RULES, "-o", &template.display().to_string()]);
    assert_eq!(code, 0, "{stderr}");
    let bytes = rewrite(&std::fs::read(&template).unwrap(), |name, text| {
        if name.starts_with("xl/worksheets/sheet") {
            text.replace(
                "</sheetData>",
                r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
            )
        } else {
            text
        }
    });
    let file = write(dir.path(), "returned.xlsx", &bytes);
    let (code, stdout, stderr) = bounded_jixiao(&["validate", RULES, &file]);
    assert_ne!(code, 0, "{stdout}{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("XFD1048576"), "{all}");
    // The unit is in error (eval's exit code is for the run, not for units in error).
    let (_, _, stderr) = bounded_jixiao(&["eval", RULES, &file]);
    assert!(stderr.contains("XFD1048576"), "{stderr}");
}

/// A workbook of two sheets: `first` (hidden when `hide_first`) and `second`, each
/// with the example's data when its flag says so, otherwise a line of notes.
fn two_sheets(hide_first: bool, data_in_first: bool) -> Vec<u8> {
    use rust_xlsxwriter::Workbook;
    let csv = std::fs::read_to_string(crate::root().join("examples/yueyang-2021/units.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let mut wb = Workbook::new();
    let names = if data_in_first {
        ["数据", "说明"]
    } else {
        ["说明", "数据"]
    };
    for (i, name) in names.into_iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        if name == "数据" {
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    match cell.parse::<f64>() {
                        Ok(n) if r > 0 => ws.write_number(r as u32, c as u16, n).unwrap(),
                        _ => ws.write_string(r as u32, c as u16, cell).unwrap(),
                    };
                }
            }
        } else {
            ws.write_string(0, 0, "填表说明：请在「数据」表中填写").unwrap();
        }
        if i == 0 && hide_first {
            ws.set_hidden(true);
        }
        if i == 1 {
            ws.set_active(true);
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_hidden_first_sheet_is_not_taken_for_the_data() {
    let dir = tempfile::tempdir().unwrap();
    // Hidden notes first, the data visible: the data sheet is read.
    let file = write(dir.path(), "hidden-notes.xlsx", &two_sheets(true, false));
    let (code, stdout, stderr) = crate::jixiao(&["eval", RULES, &file, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let units: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(units["units"].as_array().map(Vec::len), Some(7));

    // The data hidden, notes visible: the message names the hidden sheet.
    let file = write(dir.path(), "hidden-data.xlsx", &two_sheets(true, true));
    let (code, _, stderr) = crate::jixiao(&["eval", RULES, &file]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("隐藏") && stderr.contains("「数据」") && stderr.contains("--sheet"),
        "{stderr}"
    );

    // A hidden sheet named with --sheet is read, with a note that it is hidden.
    let (code, _, stderr) = crate::jixiao(&["eval", RULES, &file, "--sheet", "数据", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("隐藏"), "{stderr}");
}

#[test]
fn rows_out_of_order_are_refused_not_gathered() {
    // Streaming reads rows in order; a file that goes back (no spreadsheet program
    // writes one) is refused at the cell, instead of being gathered whole first.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "order.xlsx", &with_cell("B3"));
    let (code, _, stderr) = bounded_jixiao(&["eval", RULES, &file]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("行顺序") && stderr.contains("B3"), "{stderr}");
}

#[test]
fn a_workbook_file_larger_than_any_workbook_unzips_to_is_not_read() {
    // A sparse file: 1 GiB and a byte on disk costs nothing; reading it whole would.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.xlsx");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(1024 * 1024 * 1024 + 1)
        .unwrap();
    let file = path.display().to_string();
    for command in ["eval", "validate"] {
        let (code, stdout, stderr) = bounded_jixiao(&[command, RULES, &file]);
        assert_ne!(code, 0, "{command}");
        let all = format!("{stdout}{stderr}");
        assert!(
            all.contains("huge.xlsx") && all.contains("超过 1024"),
            "{command}: {all}"
        );
    }
}

#[test]
fn xls_sheets_are_sized_by_their_cells_and_bounded() {
    // calamine reads an .xls whole: it reserves what the Dimensions record declares and
    // builds a grid spanning the cells. Both are checked before it opens the file.
    for (file, shown) in [
        ("tests/hostile/xls-forged-dimensions.xls", "声明"),
        ("tests/hostile/xls-far-cell.xls", "IV65536"),
    ] {
        let (code, stdout, stderr) = bounded_jixiao(&["eval", RULES, file]);
        assert_eq!(code, 1, "{file}: {stderr}");
        assert!(
            stderr.contains(shown) && stderr.contains("「单位」"),
            "{file}: {stderr}"
        );
        let (code, stdout2, stderr2) = bounded_jixiao(&["validate", RULES, file]);
        assert_ne!(code, 0, "{stdout}{stdout2}{stderr2}");
    }
    // An ordinary .xls (the example's units) passes the check and is read.
    let (code, _, stderr) = bounded_jixiao(&["eval", RULES, "tests/hostile/xls-units.xls", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("7 个已评价"), "{stderr}");
}

#[test]
fn xls_compound_file_headers_are_checked_before_calamine_trusts_them() {
    // calamine reserves the FAT length and a DIFAT length read from the header, and
    // follows sector chains without noticing loops: each is refused as damaged.
    let units = std::fs::read(crate::root().join("tests/hostile/xls-units.xls")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut huge_fat = units.clone();
    huge_fat[0x2C..0x30].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let mut huge_difat = units.clone();
    huge_difat[0x40..0x44].copy_from_slice(&0xFFFFu32.to_le_bytes()); // read at 0x3E by calamine
    let mut looping_directory = units.clone();
    let dir_start = u32::from_le_bytes(units[0x30..0x34].try_into().unwrap());
    // The directory's first sector points to itself in the FAT.
    let fat0 = u32::from_le_bytes(units[0x4C..0x50].try_into().unwrap()) as usize;
    let at = (fat0 + 1) * 512 + 4 * dir_start as usize;
    looping_directory[at..at + 4].copy_from_slice(&dir_start.to_le_bytes());
    for (name, bytes) in [
        ("fat.xls", huge_fat),
        ("difat.xls", huge_difat),
        ("loop.xls", looping_directory),
    ] {
        let file = write(dir.path(), name, &bytes);
        let (code, _, stderr) = bounded_jixiao(&["eval", RULES, &file]);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stderr.contains(name) && stderr.contains("已损坏"), "{name}: {stderr}");
    }
}
