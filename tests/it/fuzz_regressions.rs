//! Every input the fuzz targets ever failed on (`tests/fuzz_regressions/<target>/`),
//! replayed through the same harness the fuzzer runs (`fuzz/harness.rs`). CI does not
//! fuzz; it runs these. To add one: copy the artifact libFuzzer saved
//! (`fuzz/artifacts/<target>/crash-…`) into the target's directory here.

#[path = "../../fuzz/harness.rs"]
mod harness;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = crate::root().join("tests/fuzz_regressions").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_none_or(|n| n != "README.md"))
        .collect();
    inputs.sort();
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        // libFuzzer runs targets on the main thread (8 MiB of stack); so do we.
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = std::thread::Builder::new()
            .name(name.clone())
            .stack_size(8 * 1024 * 1024)
            .spawn(move || run(&bytes))
            .unwrap()
            .join();
        assert!(outcome.is_ok(), "{target}/{name} fails again");
    }
}

#[test]
fn rules_target_regressions() {
    replay("rules", harness::rules);
}

#[test]
fn data_target_regressions() {
    replay("data", harness::data);
}

#[test]
fn xlsx_target_regressions() {
    replay("xlsx", harness::xlsx);
}

#[test]
fn eval_target_regressions() {
    replay("eval", harness::eval);
}

#[test]
fn csv_target_regressions() {
    replay("csv", harness::csv);
}

/// The seed corpus passes too (and keeps the harness itself honest).
#[test]
fn seed_inputs_pass_the_harness() {
    let root = crate::root();
    let mut rules: Vec<_> = ["rules", "tests/errors"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jx"))
        .collect();
    rules.sort();
    for path in rules {
        harness::rules(&std::fs::read(&path).unwrap());
    }
    let unit = std::fs::read(root.join("examples/yueyang-2021/chengguan-zhifa.toml")).unwrap();
    let csv = std::fs::read(root.join("examples/yueyang-2021/units.csv")).unwrap();
    for (selector, bytes) in [(0u8, &unit), (2, &unit), (3, &csv)] {
        harness::data(&[&[selector][..], bytes].concat());
    }
    harness::csv(&csv);
    harness::csv(b"");
    harness::eval(&[]);
    harness::eval(&[5; 64]);
    // The xlsx target: the example's sheet and strings in a minimal workbook, and the
    // example workbook itself.
    let xlsx = std::fs::read(root.join("examples/yueyang-2021/units.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&xlsx[..])).unwrap();
    let mut part = |name: &str| {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let (sheet, strings) = (part("xl/worksheets/sheet1.xml"), part("xl/sharedStrings.xml"));
    harness::xlsx(&[&[0u8][..], &sheet, &[0], &strings].concat());
    // …which really reaches the rows (the minimal workbook is a workbook).
    let model = &harness::COMPILED.model;
    let limits = jixiao_io::batch::workbook::Limits::default();
    let minimal = harness::xlsx_of(&sheet, &strings);
    let mut opened = jixiao_io::batch::input::open_workbook_bytes(model, "u.xlsx", minimal, None, limits).unwrap();
    let mut rows = 0;
    while let Some(item) = opened.next_item() {
        rows += matches!(item, Ok(jixiao_io::batch::input::Item::Row(_))) as usize;
    }
    assert_eq!(rows, 7);
    harness::xlsx(&[&[1u8][..], &xlsx].concat());
    for xls in ["xls-units.xls", "xls-far-cell.xls", "xls-forged-dimensions.xls"] {
        let bytes = std::fs::read(root.join("tests/hostile").join(xls)).unwrap();
        harness::xlsx(&[&[5u8][..], &bytes].concat());
    }
    // The rules target compares the two evaluators; on a numeric model both really run.
    let simple = "标题 \"t\"\n年度 2021\n满分 10\n输入 a: 人 { 范围 [1, 9] }\n\
                  一级 甲 分值 10 { 二级 乙 分值 10 { 三级 丙 分值 10 {\n\
                  公式 如果 a > 2 则 a / 3 否则 a × 2\n评分 公式 clamp(值, 0, 10) } } }\n\
                  等级 { 优秀 >= 9  合格 [6, 9)  不合格 < 6 }\n";
    let compiled = jixiao::compile("simple.jx", simple).unwrap();
    assert!(jixiao::eval::Evaluator::new(&compiled.model).compiled());
    harness::rules(simple.as_bytes());
}
