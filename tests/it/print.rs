//! Printed reports: the HTML unit report printed to PDF by headless Chromium (A4, at most
//! four pages for the seed unit, running header, page numbers, signature lines, file
//! names only), report sets for large runs (a folder or a zip), and the workbooks' print
//! setup. The PDF tests are skipped where Chromium is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

const RULES: &str = "rules/yueyang-2021.jx";
const UNITS_CSV: &str = "examples/yueyang-2021/units.csv";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

/// 2024-12-06 12:00 in Beijing: reports print this date under `SOURCE_DATE_EPOCH`.
const EPOCH: &str = "1733457600";

/// Runs the binary at the repository root with a fixed report date; (code, stdout, stderr).
fn jixiao(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(crate::root())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("TZ", "Asia/Shanghai")
        .output()
        .expect("run jixiao");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The installed Chromium, if any (Debian's `chromium` package).
pub fn chromium() -> Option<PathBuf> {
    which(&["chromium", "chromium-browser", "google-chrome"])
}

fn which(names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|name| {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()?;
        let path = String::from_utf8(found.stdout).ok()?.trim().to_owned();
        (found.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
    })
}

/// Prints `html` to `pdf` with headless Chromium (as "Save as PDF" does, without the
/// browser's own header and footer); `None` without Chromium.
pub fn print_to_pdf(html: &Path, pdf: &Path) -> Option<Vec<u8>> {
    let browser = chromium()?;
    let profile = tempfile::tempdir().expect("temp dir");
    // Bounded: a browser that hangs fails the test instead of stalling the suite.
    let out = Command::new("timeout")
        .arg("120")
        .arg(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--print-to-pdf={}", pdf.display()),
        ])
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(pdf).expect("chromium wrote a PDF");
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    Some(bytes)
}

/// A PDF's page count: `pdfinfo`'s where poppler is installed, else the page objects.
pub fn pdf_pages(pdf: &Path, bytes: &[u8]) -> usize {
    if which(&["pdfinfo"]).is_some() {
        let out = Command::new("pdfinfo").arg(pdf).output().expect("run pdfinfo");
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(n) = text
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
        {
            return n;
        }
    }
    let text = String::from_utf8_lossy(bytes);
    text.matches("/Type /Page\n").count() + text.matches("/Type /Page>>").count() + text.matches("/Type /Page ").count()
}

/// The PDF's text, where poppler's `pdftotext` is installed.
fn pdf_text(pdf: &Path) -> Option<String> {
    which(&["pdftotext"])?;
    let out = Command::new("pdftotext").arg(pdf).arg("-").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_seed_unit_prints_on_four_pages_like_a_filed_form() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("seed.html");
    // Absolute paths in, file names only out.
    let root = crate::root();
    let (rules, seed) = (root.join(RULES), root.join(SEED));
    let (code, _, err) = jixiao(&["eval", path_str(&rules), path_str(&seed), "-o", path_str(&html)]);
    assert_eq!(code, 0, "{err}");
    let text = crate::read(&html);
    for machine in [path_str(&root), path_str(dir.path()), "examples/", "rules/"] {
        assert!(
            !text.contains(machine),
            "the report names a path on the machine: {machine}"
        );
    }
    for part in [
        "chengguan-zhifa.toml",
        "yueyang-2021.jx",
        // The running header: the rule set and year; the footer: date and page numbers.
        "@top-left { content: \"岳阳市部门整体支出绩效评价指标体系（2021 年度）\"",
        "@top-right { content: \"岳阳市城市管理综合执法支队\"",
        "@bottom-left { content: \"生成日期 2024-12-06\"",
        "counter(page)",
        "counter(pages)",
        "size: A4",
        "评价人（签字）",
        "复核人（签字）",
        "一、评分表",
        "二、分类小计",
        "绩效目标（26 项）",
        "四、勾稽关系",
        "五、复核意见",
        "以100%为标准。≦100%，计5分；每超过一个百分点扣0.5分，扣完为止。",
    ] {
        assert!(text.contains(part), "the report has {part}");
    }
    // One unit is the whole document: no city summary; explanations only on request.
    assert!(!text.contains("class=\"page summary\""));
    assert!(!text.contains("附录一"));

    let pdf = dir.path().join("seed.pdf");
    let Some(bytes) = print_to_pdf(&html, &pdf) else {
        eprintln!("跳过：没有安装 Chromium（Debian：apt-get install chromium），未打印 HTML 报告");
        return;
    };
    let pages = pdf_pages(&pdf, &bytes);
    assert!(pages <= 4, "the seed unit prints on {pages} pages, more than 4");
    assert!(pages >= 3, "{pages} pages: the report lost its content");
    if let Some(printed) = pdf_text(&pdf) {
        let squashed: String = printed.split_whitespace().collect();
        for part in [
            "岳阳市部门整体支出绩效评价指标体系（2021年度）".to_owned(),
            "生成日期2024-12-06".to_owned(),
            format!("第1页／共{pages}页"),
            format!("第{pages}页／共{pages}页"),
            "评价人（签字）".to_owned(),
        ] {
            assert!(squashed.contains(&part), "the printout shows {part}");
        }
    }
}

#[test]
fn explanations_are_an_appendix_on_request() {
    let (code, out, err) = jixiao(&["eval", RULES, SEED, "--format", "html", "--explain"]);
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8(out).unwrap();
    let appendix = text.find("附录一　评分说明").expect("an appendix");
    assert!(
        text.find("复核人（签字）").unwrap() < appendix,
        "the appendix follows the form"
    );
    assert!(text[appendix..].contains("代入：138 / 174"));
    assert!(text.contains("附录二　单位填报的文字说明"));
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let (code, _, err) = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&html)]);
    assert_eq!(code, 0, "{err}");
    let pdf = dir.path().join("report.pdf");
    let Some(bytes) = print_to_pdf(&html, &pdf) else {
        eprintln!("跳过：没有安装 Chromium（Debian：apt-get install chromium），未检查 HTML 报告的渲染");
        return;
    };
    let pages = pdf_pages(&pdf, &bytes);
    // The summary on pages of its own, then 7 units of at most 4 pages each.
    assert!(
        (8..=30).contains(&pages),
        "a summary and a report per unit, got {pages} pages"
    );
}

/// `units.csv`'s rows repeated to `n` units (cells may span lines: read as CSV).
fn many_units(dir: &Path, n: usize) -> PathBuf {
    let text = crate::read(&crate::root().join(UNITS_CSV));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let path = dir.join(format!("{n}.csv"));
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&records[0]).unwrap();
    for i in 0..n {
        writer.write_record(&records[1 + i % (records.len() - 1)]).unwrap();
    }
    writer.flush().unwrap();
    path
}

#[test]
fn a_large_run_writes_a_report_per_unit_not_one_giant_page() {
    let dir = tempfile::tempdir().unwrap();
    let units = many_units(dir.path(), 201);
    let one = dir.path().join("全市.html");
    let (code, _, err) = jixiao(&["eval", RULES, path_str(&units), "-o", path_str(&one)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("单位超过 200 个，不写成一个 HTML 文件"), "{err}");
    assert!(err.contains("-o 目录/") && err.contains(".zip"), "{err}");
    assert!(!one.exists(), "no file for a refused run");
    let (code, out, err) = jixiao(&["eval", RULES, path_str(&units), "--format", "html"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty() || !String::from_utf8_lossy(&out).contains("unit-201"));

    // A folder: the summary and one file per unit, each a whole document.
    let folder = dir.path().join("报告");
    let target = format!("{}/", folder.display());
    let (code, _, err) = jixiao(&["eval", RULES, path_str(&units), "-o", &target]);
    assert_eq!(code, 0, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 202, "汇总.html and 201 reports");
    assert!(names.contains(&"汇总.html".to_owned()));
    assert!(
        names.contains(&"0001-岳阳市城市管理综合执法支队.html".to_owned()),
        "{names:?}"
    );
    let summary = crate::read(&folder.join("汇总.html"));
    assert!(
        summary.contains("href=\"0201-"),
        "the summary links to each unit's file"
    );
    let unit = crate::read(&folder.join("0001-岳阳市城市管理综合执法支队.html"));
    assert!(unit.starts_with("<!DOCTYPE html>") && unit.ends_with("</html>\n"));
    assert!(unit.contains("评价人（签字）"));
    // The folder is not overwritten by a second run.
    let (code, _, err) = jixiao(&["eval", RULES, path_str(&units), "-o", &target]);
    assert_eq!(code, 1);
    assert!(err.contains("已有文件"), "{err}");

    // A zip: the same files in one archive.
    let zip_path = dir.path().join("全市.zip");
    let (code, _, err) = jixiao(&["eval", RULES, path_str(&units), "-o", path_str(&zip_path)]);
    assert_eq!(code, 0, "{err}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    assert_eq!(archive.len(), 202);
    let mut zipped = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("0001-岳阳市城市管理综合执法支队.html").unwrap(),
        &mut zipped,
    )
    .unwrap();
    assert_eq!(zipped, unit, "the zip holds the folder's files");

    // Only HTML comes as a set.
    let (code, _, err) = jixiao(&["eval", RULES, UNITS_CSV, "--format", "csv", "-o", path_str(&zip_path)]);
    assert_eq!(code, 1);
    assert!(err.contains("只用于 HTML 报告"), "{err}");
}

#[test]
fn a_report_set_unit_prints_on_its_own_pages() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("r");
    let (code, _, err) = jixiao(&["eval", RULES, UNITS_CSV, "-o", &format!("{}/", folder.display())]);
    assert_eq!(code, 0, "{err}");
    let unit = folder.join("0001-岳阳市城市管理综合执法支队.html");
    let pdf = dir.path().join("1.pdf");
    let Some(bytes) = print_to_pdf(&unit, &pdf) else {
        eprintln!("跳过：没有安装 Chromium，未打印单位报告");
        return;
    };
    let pages = pdf_pages(&pdf, &bytes);
    assert!((3..=4).contains(&pages), "{pages} pages");
}

/// A workbook part's text (`xl/worksheets/sheet1.xml`, `xl/workbook.xml`).
fn part(xlsx: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
    text
}

/// A text that a spreadsheet user reads as a number: `80%`, `-19.60`, `3,696.83`.
fn looks_numeric(text: &str) -> bool {
    let t = text.trim().trim_end_matches('%');
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    !t.is_empty()
        && t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && t.matches('.').count() <= 1
}

#[test]
fn the_result_workbook_stores_every_figure_as_a_number() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("复核.xlsx");
    let (code, _, err) = jixiao(&["eval", RULES, UNITS_CSV, "--audit", "-o", path_str(&xlsx)]);
    assert_eq!(code, 0, "{err}");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let mut numbers = 0;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Data::String(s) => assert!(
                        !looks_numeric(s),
                        "{name}!{}{}: the figure {s} is text, not a number",
                        (b'A' + c as u8) as char,
                        r + 1
                    ),
                    Data::Float(_) | Data::Int(_) => numbers += 1,
                    _ => {}
                }
            }
        }
    }
    assert!(numbers > 1000, "{numbers}");
    // 复核意见: the seed unit stated 80% for a rate recomputed as 79.31%.
    let findings = wb.worksheet_range("复核意见").unwrap();
    let header: Vec<String> = findings.rows().next().unwrap().iter().map(|d| d.to_string()).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap();
    let first = findings.rows().nth(1).unwrap();
    assert_eq!(first[col("报告/自评")], Data::Float(0.8));
    assert_eq!(first[col("复核")], Data::Float(0.7931));
    assert_eq!(first[col("差额")], Data::Float(0.0069));
    // Shown as written: 80% with no decimals, 79.31% with two.
    let styles = part(&xlsx, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0%\"") && styles.contains("formatCode=\"0.00%\""));
}

#[test]
fn every_sheet_of_the_result_workbook_is_set_up_to_print() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("结果.xlsx");
    let (code, _, err) = jixiao(&["eval", RULES, UNITS_CSV, "-o", path_str(&xlsx)]);
    assert_eq!(code, 0, "{err}");
    let workbook = part(&xlsx, "xl/workbook.xml");
    // Sheets in order: 评价结果, 汇总, 评分说明, 复核意见.
    for (i, name) in ["评价结果", "汇总", "评分说明", "复核意见"].iter().enumerate() {
        let sheet = part(&xlsx, &format!("xl/worksheets/sheet{}.xml", i + 1));
        let setup = sheet
            .split("<pageSetup ")
            .nth(1)
            .and_then(|s| s.split("/>").next())
            .unwrap_or_else(|| panic!("{name}: no pageSetup"));
        assert!(setup.contains("orientation=\"landscape\""), "{name}: {setup}");
        assert!(setup.contains("paperSize=\"9\""), "{name}: A4: {setup}");
        assert!(setup.contains("fitToHeight=\"0\""), "{name}: {setup}");
        assert!(
            sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"),
            "{name}: fitted to the page width"
        );
        assert!(
            sheet.contains("<oddHeader>&amp;L岳阳市部门整体支出绩效评价指标体系（2021 年度）&amp;R&amp;A</oddHeader>"),
            "{name}: the running header"
        );
        assert!(
            sheet.contains("<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter>"),
            "{name}"
        );
        if *name != "汇总" {
            assert!(sheet.contains("state=\"frozen\""), "{name}: panes frozen");
            let titles = format!("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\">{name}!$A:$");
            assert!(workbook.contains(&titles), "{name}: the unit's name on every page");
            assert!(
                workbook.contains(&format!(
                    ":${},{name}!$1:$1</definedName>",
                    if i == 0 { "C" } else { "B" }
                )),
                "{name}: the header row on every page"
            );
        }
    }
    // 评价结果 is too wide for one page: a few pages across at a legible scale.
    let results = part(&xlsx, "xl/worksheets/sheet1.xml");
    let across: u32 = results
        .split("fitToWidth=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("fitToWidth");
    assert!((2..=8).contains(&across), "{across}");
    // 来源 (column B) is wide for its file and row (a longer one wraps, never cut off).
    let width_b = column_width(&results, 2).expect("column B's width");
    assert!(width_b >= 25.0, "{width_b}");
}

/// The width of column `col` (1-based) in a sheet's XML: `<col min max width>` ranges.
fn column_width(sheet: &str, col: u32) -> Option<f64> {
    let attr = |s: &str, name: &str| -> Option<String> {
        Some(s.split(&format!("{name}=\"")).nth(1)?.split('"').next()?.to_owned())
    };
    sheet.split("<col ").skip(1).find_map(|c| {
        let (min, max): (u32, u32) = (attr(c, "min")?.parse().ok()?, attr(c, "max")?.parse().ok()?);
        (min..=max)
            .contains(&col)
            .then(|| attr(c, "width")?.parse().ok())
            .flatten()
    })
}

#[test]
fn the_template_prints_with_a_running_header() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("模板.xlsx");
    let (code, _, err) = jixiao(&["template", RULES, "-o", path_str(&xlsx)]);
    assert_eq!(code, 0, "{err}");
    let sheet = part(&xlsx, "xl/worksheets/sheet2.xml");
    assert!(sheet.contains("paperSize=\"9\""));
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"));
    assert!(sheet.contains("&amp;L岳阳市部门整体支出绩效评价指标体系（2021 年度）&amp;R&amp;A"));
    assert!(part(&xlsx, "xl/workbook.xml").contains("_xlnm.Print_Titles"));
}
