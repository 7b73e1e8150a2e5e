//! What each fuzz target does with its input. Shared by the fuzz targets
//! (`fuzz/fuzz_targets/*.rs`) and by the regression test in `tests/it/fuzz_regressions.rs`,
//! which replays every saved input in `tests/fuzz_regressions/<target>/` through the same
//! function. Any panic here is a finding; so is a stack overflow, a hang or an abort.

#![allow(dead_code)]

use std::io::Cursor;
use std::sync::LazyLock;

use jixiao::data::{self, Raw};
use jixiao::diagnostics::render_plain;
use jixiao::report::Evaluation;
use jixiao::{Compiled, DataFormat};
use jixiao_io::batch::input::{self, InputFormat, Item};

/// The fixed rule set the data and evaluation targets use.
pub const RULES_2021: &str = include_str!("../rules/yueyang-2021.jx");
/// The seed unit: the evaluation target starts from its data and changes it.
pub const SEED_UNIT: &str = include_str!("../examples/yueyang-2021/chengguan-zhifa.toml");

/// The benchmark workload's rules: only inputs, so the direct CSV path takes its files.
pub const RULES_WORKLOAD: &str = include_str!("../benches/workload/workload.jx");

pub static WORKLOAD: LazyLock<Compiled> = LazyLock::new(|| {
    jixiao::compile("benches/workload/workload.jx", RULES_WORKLOAD).expect("the workload rules compile")
});

pub static COMPILED: LazyLock<Compiled> =
    LazyLock::new(|| jixiao::compile("rules/yueyang-2021.jx", RULES_2021).expect("the bundled rules compile"));

static SEED_RAW: LazyLock<Raw> = LazyLock::new(|| data::parse_toml(SEED_UNIT).expect("the seed unit parses"));

/// Every `基于 "…"` resolves to the 2021 rules, so the fuzzer reaches inheritance too.
fn base_loader(_from: &str, _base: &str) -> Result<(String, String), String> {
    Ok(("rules/yueyang-2021.jx".to_owned(), RULES_2021.to_owned()))
}

/// Exercises everything a report does with an evaluation: the table, the explanation,
/// the 复核 text and the JSON document.
fn render(ev: &Evaluation) {
    let _ = jixiao_io::text::render_table(ev);
    let _ = jixiao_io::text::render_explain(ev);
    let _ = jixiao_io::text::render_audit(ev);
    let _ = jixiao_io::text::render_provenance(ev);
    let _ = serde_json::to_string(ev).expect("an evaluation serialises");
}

// ── target `rules`: parse → check → compile (and fmt) ─────────────────────

/// Any bytes as a rule file (invalid UTF-8 is decoded lossily, as an editor would show it).
pub fn rules(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let compiled = jixiao::compile_with("fuzz.jx", &text, &base_loader);
    match &compiled {
        Ok(c) => {
            for w in &c.warnings {
                let _ = render_plain(w);
            }
        }
        Err(e) => {
            let _ = render_plain(e);
        }
    }
    // A file that loads is evaluated on a few made-up units within its inputs' ranges.
    if let Ok(c) = &compiled {
        for variant in 0..3 {
            evaluate_made_up_unit(&c.model, variant);
        }
    }
    // The formatter: a fixed point after one pass, and it never changes whether a file loads.
    if let Ok(once) = jixiao::format::format_source(&text) {
        let twice = jixiao::format::format_source(&once).expect("formatted text formats again");
        assert_eq!(once, twice, "formatting is not idempotent");
        let reloaded = jixiao::compile_with("fuzz.jx", &once, &base_loader);
        assert_eq!(
            compiled.is_ok(),
            reloaded.is_ok(),
            "formatting changed whether the file loads:\n{once}"
        );
    }
}

/// A unit for any model: every input at the low end, the high end or the middle of its
/// declared range (or 0, 1, 7), booleans alternating, no targets or one, reviewers' scores
/// 0 or full. A unit the model refuses is skipped: only evaluation is under test here.
fn evaluate_made_up_unit(model: &jixiao::model::Model, variant: usize) {
    use jixiao::model::Kind;
    use rust_decimal::Decimal;
    let mut entries = vec![("单位名称".to_owned(), Raw::Text("单位".into()), None)];
    for (i, def) in model.inputs.iter().enumerate() {
        let value = match def.kind {
            Kind::Text => Raw::Text("x".into()),
            Kind::Bool => Raw::Bool((i + variant) % 2 == 0),
            Kind::Quantity(_) | Kind::Percent => {
                let range = def.ranges.first();
                let lo = range.and_then(|r| r.lower.filter(|b| b.inclusive)).map(|b| b.value);
                let hi = range.and_then(|r| r.upper.filter(|b| b.inclusive)).map(|b| b.value);
                let v = match variant {
                    0 => lo.or(hi).unwrap_or(Decimal::ZERO),
                    1 => hi.or(lo).unwrap_or(Decimal::ONE),
                    _ => match (lo, hi) {
                        (Some(l), Some(h)) => l
                            .checked_add(h)
                            .and_then(|s| s.checked_div(Decimal::TWO))
                            .unwrap_or(l)
                            .round(),
                        (Some(x), None) | (None, Some(x)) => x,
                        (None, None) => Decimal::from(7),
                    },
                };
                Raw::Number(v.to_string())
            }
        };
        entries.push((def.name.clone(), value, None));
    }
    for list in &model.lists {
        let items = match (variant, list.categories.first()) {
            (1, Some(category)) => vec![(
                Raw::Table(vec![
                    ("名称".to_owned(), Raw::Text("目标".into()), None),
                    ("类别".to_owned(), Raw::Text(category.clone()), None),
                    ("目标".to_owned(), Raw::Text("≥1 人".into()), None),
                    ("实际".to_owned(), Raw::Text("2 人".into()), None),
                ]),
                None,
            )],
            _ => Vec::new(),
        };
        entries.push((list.name.clone(), Raw::Array(items), None));
    }
    let reviews = model
        .review_leaves
        .iter()
        .map(|&leaf| {
            let node = &model.nodes[leaf];
            let score = if variant == 1 {
                node.weight.clone()
            } else {
                jixiao::number::Number::ZERO
            };
            (node.name.clone(), Raw::Number(score.to_string()), None)
        })
        .collect();
    entries.push((data::REVIEW_KEYS[0].to_owned(), Raw::Table(reviews), None));
    let Ok(record) = data::bind(model, &Raw::Table(entries), "made-up") else {
        return;
    };
    same_by_both_evaluators(model, &record);
    match jixiao::evaluate(model, &record, true) {
        Ok(ev) => render(&ev),
        Err(e) => {
            let _ = render_plain(e.as_ref());
        }
    }
}

/// The flat register program (`eval::Evaluator`, used by the direct CSV path) computes
/// exactly what the tree walker does, and fails where it fails.
fn same_by_both_evaluators(model: &jixiao::model::Model, record: &data::Record) {
    let tree = jixiao::eval::evaluate(model, record);
    let mut evaluator = jixiao::eval::Evaluator::new(model);
    let mut out = jixiao::eval::Outcome::default();
    let program = evaluator.evaluate_into(record, &mut out).map(|()| out);
    match (tree, program) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the program and the tree walker disagree"),
        (Err(a), Err(b)) => assert_eq!(a.message, b.message, "different errors"),
        (a, b) => panic!("one evaluator failed: tree {:?}, program {:?}", a.err(), b.err()),
    }
}

// ── target `data`: TOML / JSON / CSV data files against the 2021 rules ────

/// The first byte picks the format; the rest is the file.
pub fn data(bytes: &[u8]) {
    let Some((&selector, rest)) = bytes.split_first() else {
        return;
    };
    let model = &COMPILED.model;
    match selector % 4 {
        0 | 1 => {
            let format = if selector % 4 == 0 {
                DataFormat::Toml
            } else {
                DataFormat::Json
            };
            let text = String::from_utf8_lossy(rest);
            match jixiao::load_data(model, "fuzz", &text, format) {
                Ok(record) => match jixiao::evaluate(model, &record, true) {
                    Ok(ev) => render(&ev),
                    Err(e) => {
                        let _ = render_plain(e.as_ref());
                    }
                },
                Err(e) => {
                    let _ = render_plain(&e);
                }
            }
        }
        2 => {
            // The batch path for one document: raw bytes (UTF-8 checked there).
            let format = if rest.first().is_some_and(|b| b % 2 == 0) {
                InputFormat::Toml
            } else {
                InputFormat::Json
            };
            let mut opened = input::open_document("fuzz", rest, format);
            drain(model, &mut opened);
        }
        _ => match input::open_csv(model, "fuzz.csv", Cursor::new(rest.to_vec())) {
            Ok(mut opened) => drain(model, &mut opened),
            Err(e) => {
                let _ = e.to_string();
            }
        },
    }
}

fn drain(model: &jixiao::model::Model, opened: &mut input::Opened) {
    let mut number = 0;
    while let Some(item) = opened.next_item() {
        match item {
            Ok(Item::Row(row)) => {
                number += 1;
                let processed = jixiao_io::batch::process(model, row, number, true, false);
                if let Ok(done) = &processed.result {
                    render(&done.evaluation);
                }
            }
            Ok(Item::Blank(origin)) => {
                let _ = origin.label();
            }
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        }
    }
}

// ── target `xlsx`: workbooks through every spreadsheet reader ─────────────

/// The parts of a minimal workbook of one sheet named 单位 (the fuzzed parts aside).
const XLSX_PARTS: [(&str, &str); 4] = [
    (
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
    ),
    (
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    ),
    (
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="单位" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    ),
    (
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    ),
];

/// A workbook whose sheet and shared strings are the given XML (zip entries stored, so
/// the fuzzer's changes reach the XML readers instead of failing a checksum).
pub fn xlsx_of(sheet: &[u8], strings: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts = XLSX_PARTS
        .iter()
        .map(|(name, text)| (*name, text.as_bytes()))
        .chain([("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings)]);
    for (name, bytes) in parts {
        zip.start_file(name, stored).expect("a zip entry");
        zip.write_all(bytes).expect("written to memory");
    }
    zip.finish().expect("a zip archive").into_inner()
}

/// The first byte picks what the rest is: even, the sheet XML and then (after a NUL
/// byte) the shared-strings XML of a minimal workbook; odd, a whole file (any archive,
/// a template returned by a unit; named `.xls` when bit 2 is set). Either is read by the batch reader (`eval`, the
/// workbench) and the template reader (`validate`) within small limits, and drained.
pub fn xlsx(bytes: &[u8]) {
    use jixiao_io::batch::workbook::Limits;
    let Some((&selector, rest)) = bytes.split_first() else {
        return;
    };
    let file = if selector % 2 == 0 {
        let (sheet, strings) = match rest.iter().position(|&b| b == 0) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &b""[..]),
        };
        xlsx_of(sheet, strings)
    } else {
        rest.to_vec()
    };
    let model = &COMPILED.model;
    let limits = Limits {
        max_unzipped_bytes: 16 * 1024 * 1024,
        max_rows: 10_000,
    };
    let sheet = (selector & 2 != 0).then_some("单位");
    // A whole file may be an .xls (a compound file, walked by `workbook::check_xls`).
    let name = if selector % 2 == 1 && selector & 4 != 0 {
        "fuzz.xls"
    } else {
        "fuzz.xlsx"
    };
    match input::open_workbook_bytes(model, name, file.clone(), sheet, limits) {
        Ok(mut opened) => drain(model, &mut opened),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Some(returned) = jixiao_io::template::read::read(model, name, &file) {
        for p in &returned.problems {
            let _ = p.to_string();
        }
    }
}

// ── target `eval`: the 2021 rules on arbitrary records ────────────────────

/// Reads bytes as choices; once they run out, every choice is "keep the seed's value".
struct Choices<'a> {
    bytes: &'a [u8],
}

impl Choices<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.bytes.len());
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        head
    }

    /// A number's text built from the next bytes: digits, sign, point, exponent, grouping.
    fn number_text(&mut self) -> String {
        const ALPHABET: &[u8] = b"0123456789012345678901234567890123456789.-+e,_% ";
        let len = usize::from(self.byte().unwrap_or(0) % 48);
        self.take(len)
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect()
    }

    fn special(&mut self) -> String {
        const SPECIAL: &[&str] = &[
            "0",
            "-0",
            "0.0",
            "1",
            "-1",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7922816251426433759354395033.5",
            "0.0000000000000000000000000001",
            "-0.0000000000000000000000000001",
            "0.00000000000000000000000000001",
            "1e28",
            "1e-28",
            "9.9999999999999999999999999999e27",
            "1e29",
            "100%",
            "0.5%",
            "１２３",
            "１２％",
            "12％",
            "NaN",
            "inf",
            "",
            " ",
            "1,234.5",
            "9,5",
            "+5",
            "99999999999999999999999999999999999999999",
            "0.1234567890123456789012345678901234567890",
        ];
        let i = usize::from(self.byte().unwrap_or(0)) % SPECIAL.len();
        SPECIAL[i].to_owned()
    }

    fn text(&mut self) -> String {
        let len = usize::from(self.byte().unwrap_or(0) % 32);
        String::from_utf8_lossy(self.take(len)).into_owned()
    }

    /// A replacement value, or `None` to leave the field out of the record.
    fn value(&mut self, seed: Option<&Raw>) -> Option<Option<Raw>> {
        let tag = self.byte()?;
        Some(match tag % 10 {
            0 => seed.cloned(),
            1 => None,
            2 | 3 => Some(Raw::Number(self.number_text())),
            4 => Some(Raw::Text(self.number_text())),
            5 => Some(Raw::Number(self.special())),
            6 => Some(Raw::Text(self.special())),
            7 => Some(Raw::Bool(tag & 0x80 != 0)),
            8 => Some(Raw::Text(self.text())),
            _ => Some(match seed {
                // The seed's number scaled by a power of ten, perhaps negated.
                Some(Raw::Number(s) | Raw::Text(s)) => {
                    let zeros = "0".repeat(usize::from(self.byte().unwrap_or(0) % 32));
                    let sign = if tag & 0x80 != 0 { "-" } else { "" };
                    Raw::Number(format!("{sign}{s}{zeros}"))
                }
                _ => Raw::Other(self.text()),
            }),
        })
    }
}

fn lookup<'r>(raw: &'r Raw, key: &str) -> Option<&'r Raw> {
    let Raw::Table(entries) = raw else { return None };
    for (k, v, _) in entries {
        if k == key {
            return Some(v);
        }
        if let Raw::Table(_) = v {
            if !data::REVIEW_KEYS.contains(&k.as_str()) && !data::STATED_KEYS.contains(&k.as_str()) {
                if let Some(found) = lookup(v, key) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// Starts from the seed unit and replaces, removes or keeps each input, review score,
/// stated figure and performance target as the bytes say.
pub fn eval(bytes: &[u8]) {
    let model = &COMPILED.model;
    let mut raw = SEED_RAW.clone();
    let mut choices = Choices { bytes };
    for def in &model.inputs {
        let seed = lookup(&SEED_RAW, &def.name).cloned();
        match choices.value(seed.as_ref()) {
            None => {}
            Some(None) => data::remove_everywhere(&mut raw, &def.name),
            Some(Some(v)) => {
                data::remove_everywhere(&mut raw, &def.name);
                data::set_path(&mut raw, std::slice::from_ref(&def.name), v);
            }
        }
    }
    for &leaf in &model.review_leaves {
        let path = [data::REVIEW_KEYS[0].to_owned(), model.nodes[leaf].name.clone()];
        let seed = lookup(&SEED_RAW, data::REVIEW_KEYS[0]).and_then(|r| lookup(r, &path[1]).cloned());
        match choices.value(seed.as_ref()) {
            None | Some(None) => {}
            Some(Some(v)) => data::set_path(&mut raw, &path, v),
        }
    }
    for key in ["总分", "等级"] {
        let path = [data::STATED_KEYS[0].to_owned(), key.to_owned()];
        if let Some(Some(v)) = choices.value(None) {
            data::set_path(&mut raw, &path, v);
        }
    }
    for list in &model.lists {
        let Some(tag) = choices.byte() else { break };
        if tag % 2 == 0 {
            continue;
        }
        let count = usize::from(tag / 2 % 8);
        let mut items = Vec::new();
        for n in 0..count {
            let category = list
                .categories
                .get(usize::from(choices.byte().unwrap_or(0)) % list.categories.len().max(1))
                .cloned()
                .unwrap_or_default();
            let mut fields = vec![
                ("名称".to_owned(), Raw::Text(format!("目标{n}")), None),
                ("类别".to_owned(), Raw::Text(category), None),
            ];
            for field in ["目标", "实际"] {
                let prefix = ["", "≥", "≤", ">", "<", "＞", "="][usize::from(choices.byte().unwrap_or(0)) % 7];
                let unit = ["", "%", "％", " 人", "万元", "以上", "内"][usize::from(choices.byte().unwrap_or(0)) % 7];
                let number = choices.number_text();
                fields.push((field.to_owned(), Raw::Text(format!("{prefix}{number}{unit}")), None));
            }
            if let Some(b) = choices.byte() {
                if b % 3 == 0 {
                    fields.push(("达成".to_owned(), Raw::Bool(b % 2 == 0), None));
                }
            }
            items.push((Raw::Table(fields), None));
        }
        data::set_path(&mut raw, std::slice::from_ref(&list.name), Raw::Array(items));
    }
    match data::bind(model, &raw, "fuzz") {
        Ok(record) => {
            same_by_both_evaluators(model, &record);
            match jixiao::evaluate(model, &record, true) {
                Ok(ev) => render(&ev),
                Err(e) => {
                    let _ = render_plain(e.as_ref());
                }
            }
        }
        Err(e) => {
            let _ = render_plain(&e);
        }
    }
}

// ── target `csv`: any bytes as a CSV file, both batch paths ───────────────

/// Any bytes as a CSV file on the workload rules, evaluated to CSV on the direct path
/// and on the general path: no panic, the same bytes and the same summary from both,
/// and (for UTF-8 text) every line of the file counted in the line summary.
pub fn csv(bytes: &[u8]) {
    let model = &WORKLOAD.model;
    let run = |fast_path: bool| {
        let opened = match input::open_csv(model, "fuzz.csv", Cursor::new(bytes.to_vec())) {
            Ok(o) => o,
            Err(e) => return Err(e.to_string()),
        };
        let warnings = opened.warnings.clone();
        let options = jixiao_io::batch::Options {
            format: jixiao_io::batch::OutputFormat::Csv,
            explain: false,
            jobs: 1,
            progress: false,
            bom: false,
            audit: false,
            columns: None,
            fast_path,
            csv_raw: false,
            partial: false,
            date: None,
        };
        let mut out = Vec::new();
        let tally = jixiao_io::batch::run(model, vec![opened], &options, &mut out).map_err(|e| e.to_string())?;
        Ok((
            out,
            warnings,
            tally.summary(),
            tally.text_lines,
            tally.units,
            tally.blank_rows,
        ))
    };
    let fast = run(true);
    let general = run(false);
    assert_eq!(fast, general, "the direct and the general CSV path differ");
    let Ok((out, warnings, _, text_lines, units, blanks)) = fast else {
        return;
    };
    // One output line per unit (a header first; cells may hold quoted line breaks).
    let records = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
    assert!(
        records > units || units == 0,
        "{records} output lines for {units} units"
    );
    let _ = blanks;
    // Plain UTF-8 text: the reader's line count is the file's.
    let plain =
        std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) && warnings.iter().all(|w| !w.contains("UTF-16"));
    if plain {
        let mut lines = 0;
        let mut prev = b'\n';
        for &b in bytes {
            if b == b'\n' || prev == b'\r' {
                lines += 1;
            }
            prev = b;
        }
        if prev != b'\n' {
            lines += 1;
        }
        let summary = text_lines.first().expect("a CSV file has a line summary");
        let counted: usize = summary
            .split("共 ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .expect("the summary gives the line count");
        assert_eq!(counted, lines, "{summary}");
    }
}
