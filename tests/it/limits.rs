//! Hostile input: every limit gives a diagnostic that says what was exceeded, never a
//! panic, a stack overflow or a hang; full-width characters, BOMs and CRLF are accepted
//! where they are unambiguous and named where they are not; a killed batch run leaves
//! the previous output file as it was.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use jixiao::data::{self, Raw};
use jixiao::diagnostics::render_plain;

const RULES: &str = "rules/yueyang-2021.jx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

/// A small complete rule file whose one indicator has `formula` as its formula.
fn with_formula(formula: &str) -> String {
    format!(
        "标题 \"t\"\n年度 2021\n满分 10\n输入 a: 人 {{ 范围 [1, 2] }}\n\
         一级 甲 分值 10 {{\n  二级 乙 分值 10 {{\n    三级 丙 分值 10 {{\n      公式 {formula}\n      \
         评分 公式 clamp(值, 0, 10)\n    }}\n  }}\n}}\n等级 {{ 优秀 >= 9  合格 [6, 9)  不合格 < 6 }}\n"
    )
}

/// The rendered diagnostic of rule text that must not load.
fn rejected(text: &str) -> String {
    match jixiao::compile("hostile.jx", text) {
        Ok(_) => panic!("expected a diagnostic for:\n{}", &text[..text.len().min(300)]),
        Err(e) => render_plain(&e),
    }
}

fn seed_raw() -> Raw {
    data::parse_toml(&crate::read(&crate::root().join(SEED))).unwrap()
}

fn seed_model() -> jixiao::Compiled {
    crate::compile(RULES, &crate::read(&crate::root().join(RULES)))
}

/// Runs `f` on a thread with the main thread's usual 8 MiB stack (test threads have 2 MiB).
fn on_main_sized_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

// ── nesting and size ──────────────────────────────────────────────────────

#[test]
fn a_100k_deep_if_chain_is_a_diagnostic() {
    let text = with_formula(&format!("{}0", "如果 a > 1 则 1 否则 ".repeat(100_000)));
    let err = on_main_sized_stack(move || rejected(&text));
    assert!(err.contains("`如果` 与括号嵌套超过 64 层"), "{err}");
    assert!(err.contains("分情况"), "{err}");
    // Conditions nested without brackets count too.
    let text = with_formula(&format!(
        "{}a > 1{}",
        "如果 ".repeat(50_000),
        " 则 是 否则 否".repeat(50_000)
    ));
    let err = on_main_sized_stack(move || rejected(&text));
    assert!(err.contains("嵌套超过"), "{err}");
}

#[test]
fn a_100k_deep_parenthesised_expression_is_a_diagnostic() {
    let text = with_formula(&format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000)));
    let err = on_main_sized_stack(move || rejected(&text));
    assert!(err.contains("括号嵌套超过 64 层"), "{err}");
    // Full-width brackets count the same.
    let text = with_formula(&format!("{}a{}", "（".repeat(100_000), "）".repeat(100_000)));
    let err = on_main_sized_stack(move || rejected(&text));
    assert!(err.contains("括号嵌套超过 64 层"), "{err}");
}

#[test]
fn a_100k_long_prefix_chain_is_a_diagnostic() {
    for prefix in ["- ", "非 ", "−"] {
        let text = with_formula(&format!("{}a", prefix.repeat(100_000)));
        let err = on_main_sized_stack(move || rejected(&text));
        assert!(err.contains("512"), "{prefix}: {err}");
    }
}

#[test]
fn a_long_else_if_chain_within_the_limit_loads() {
    // 60 `如果` in one formula, and 200 formulas each with a few: the count is per formula.
    let chain = format!("{}a", "如果 a > 1 则 1 否则 ".repeat(60));
    jixiao::compile("ok.jx", &with_formula(&format!("min({chain}, 10)"))).unwrap();
    let mut text = with_formula("a");
    for i in 0..200 {
        text.push_str(&format!(
            "计算 c{i} = 如果 a > 1 则 如果 a > 2 则 1 否则 2 否则 3 显示 0\n"
        ));
    }
    jixiao::compile("ok.jx", &text).unwrap();
}

/// A line comment ends at a lone CR in the grammar; the nesting scan must see the code
/// after it too (it used to skip to the next LF, and pest then overflowed its stack).
#[test]
fn brackets_after_a_comment_ended_by_a_lone_cr_are_counted() {
    let depth = 100_000;
    let text = format!(
        "标题 \"t\"\n年度 2021\n计算 a = 1 # 注释\r+ {}1{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let err = rejected(&text);
    assert!(err.contains("括号嵌套超过 64 层"), "{err}");
}

#[test]
fn ten_thousand_nested_blocks_are_a_diagnostic() {
    let text = format!(
        "标题 \"t\"\n{}{}",
        "一级 甲 分值 10 {\n".repeat(10_000),
        "}\n".repeat(10_000)
    );
    let err = on_main_sized_stack(move || rejected(&text));
    assert!(err.contains("括号嵌套超过 64 层"), "{err}");
}

#[test]
fn brackets_in_block_comments_do_not_nest() {
    let text = with_formula(&format!("a /* {} */", "(".repeat(200)));
    jixiao::compile("ok.jx", &text).unwrap();
}

#[test]
fn the_deepest_formula_allowed_evaluates_on_a_test_threads_stack() {
    // A 256-term chain is 256 levels deep: the most a formula may have. It checks,
    // evaluates and is explained on a test thread's 2 MiB stack, even unoptimised.
    let chain = format!("a{}{}", " + a".repeat(127), " - a".repeat(128));
    let compiled = jixiao::compile("deep.jx", &with_formula(&chain)).unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    let record = jixiao::load_data(
        &compiled.model,
        "u.toml",
        "\"单位名称\" = \"u\"\n\"a\" = 1\n",
        jixiao::DataFormat::Toml,
    )
    .unwrap();
    let ev = jixiao::evaluate(&compiled.model, &record, true).unwrap();
    assert!(ev.total.as_ref().unwrap().is_zero());
    let _ = jixiao_io::text::render_explain(&ev);
    // One level more, however it is nested, is a diagnostic.
    let err = rejected(&with_formula(&format!("({chain}) + a")));
    assert!(err.contains("公式嵌套过深（超过 256 层）"), "{err}");
    let mut e = "a".to_owned();
    for _ in 0..60 {
        e = format!("({e}){}", " + a".repeat(255));
    }
    let err = on_main_sized_stack(move || rejected(&with_formula(&e)));
    assert!(err.contains("公式嵌套过深"), "{}", &err[..err.len().min(300)]);
}

#[test]
fn a_rule_file_over_10_mb_is_a_diagnostic() {
    let text = format!("标题 \"t\"\n{}", "# 注释\n".repeat(1_500_000));
    let err = rejected(&text);
    assert!(err.contains("规则文件过大"), "{err}");
    assert!(err.contains("最大 10 MB"), "{err}");
}

#[test]
fn more_than_100k_items_is_a_diagnostic() {
    let text = "年度 1\n".repeat(100_001);
    let err = rejected(&text);
    assert!(err.contains("条目过多（超过 100000 个"), "{err}");
    assert!(err.contains("hostile.jx:100001:1"), "{err}");
}

#[test]
fn a_band_table_over_1000_rows_is_a_diagnostic() {
    let rows: String = (0..1001).map(|i| format!("[{i}, {}) 得 1\n", i + 1)).collect();
    let text = with_formula("a").replace("评分 公式 clamp(值, 0, 10)", &format!("评分 分档 {{\n{rows}}}"));
    let err = rejected(&text);
    assert!(err.contains("分档过多（1001 档，最多 1000 档）"), "{err}");
}

#[test]
fn many_diagnostics_are_capped_and_counted() {
    let mut text = with_formula("a");
    for i in 0..20_000 {
        text.push_str(&format!("输入 x{i}: 人\n"));
    }
    let compiled = jixiao::compile("many.jx", &text).unwrap();
    assert_eq!(compiled.warnings.len(), 101);
    let last = render_plain(compiled.warnings.last().unwrap());
    assert!(last.contains("另有 0 个错误和 19900 个警告未列出"), "{last}");
    assert!(last.contains("jixiao::check::too_many"), "{last}");
}

#[test]
fn many_computed_values_and_indicators_check_in_linear_time() {
    // Each used to copy every slot's range, or search the whole file, once per item.
    let mut text = with_formula("c19999");
    text.push_str("计算 c0 = a\n");
    for i in 1..20_000 {
        text.push_str(&format!("计算 c{i} = 如果 c{} > 1 则 c{} + 1 否则 0\n", i - 1, i - 1));
    }
    let start = Instant::now();
    jixiao::compile("chain.jx", &text).unwrap();
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
}

// ── names and numbers ─────────────────────────────────────────────────────

#[test]
fn very_long_names_are_a_diagnostic() {
    let ok = with_formula("a").replace("输入 a: 人", &format!("输入 {}: 人\n输入 a: 人", "甲".repeat(100)));
    let compiled = jixiao::compile("ok.jx", &ok).unwrap();
    assert!(compiled.model.inputs.iter().any(|i| i.name.chars().count() == 100));
    let long = with_formula("a").replace(
        "输入 a: 人",
        &format!("输入 {}: 人\n输入 a: 人", "甲".repeat(1_000_000)),
    );
    let err = rejected(&long);
    assert!(
        err.contains("名称过长（1000000 个字符，最多 100 个）"),
        "{}",
        &err[..err.len().min(500)]
    );
}

#[test]
fn numbers_that_do_not_fit_28_digits_are_a_diagnostic_not_rounded() {
    for literal in [
        "0.00000000000000000000000000001",
        "1.00000000000000000000000000001",
        "79228162514264337593543950336",
        "0.0000000000000000000000000001%",
    ] {
        let err = rejected(&with_formula(&format!("a + {literal}")));
        assert!(err.contains("无法精确表示"), "{literal}: {err}");
    }
    let err = rejected(&with_formula(&format!("a + {}", "9".repeat(100_000))));
    assert!(err.contains("…（共 100000 位）"), "{}", &err[..err.len().min(500)]);
    // 28 decimal places are exact, and kept.
    jixiao::compile("ok.jx", &with_formula("a + 0.0000000000000000000000000001")).unwrap();
}

#[test]
fn values_past_28_digits_stay_exact_in_evaluation() {
    let compiled = seed_model();
    let mut raw = seed_raw();
    data::set_path(
        &mut raw,
        &["实际收入".into()],
        Raw::Number("79228162514264337593543950335".into()),
    );
    data::set_path(
        &mut raw,
        &["年初预算".into()],
        Raw::Number("0.0000000000000000000000000001".into()),
    );
    let record = data::bind(&compiled.model, &raw, "u.toml").unwrap();
    // Past 28 digits the values are still exact (big rationals), not an overflow.
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    let rate = ev.values.0.iter().find(|(n, _)| n == "预算完成率").unwrap();
    assert_eq!(rate.1, format!("79228162514264337593543950335{}", "0".repeat(28)));
}

// ── encodings, BOM, CRLF, full-width characters ───────────────────────────

#[test]
fn a_bom_and_crlf_line_endings_change_nothing() {
    let plain = crate::read(&crate::root().join(RULES));
    let bom_crlf = format!("\u{FEFF}{}", plain.replace('\n', "\r\n"));
    let data = crate::read(&crate::root().join(SEED));
    let data_bom_crlf = format!("\u{FEFF}{}", data.replace('\n', "\r\n"));
    let total = |rules: &str, unit: &str| {
        let compiled = jixiao::compile(RULES, rules).unwrap();
        let record = jixiao::load_data(&compiled.model, "u.toml", unit, jixiao::DataFormat::Toml).unwrap();
        jixiao::evaluate(&compiled.model, &record, false).unwrap().total
    };
    assert_eq!(total(&plain, &data), total(&bom_crlf, &data_bom_crlf));
}

/// Word and WPS paste no-break spaces (U+00A0) and other Unicode spaces; they separate
/// words like an ordinary space, in the parser and in `jixiao fmt`.
#[test]
fn unicode_spaces_separate_words_like_a_space() {
    let plain = crate::read(&crate::root().join(RULES));
    let data = crate::read(&crate::root().join(SEED));
    let total = |rules: &str| {
        let compiled = jixiao::compile(RULES, rules).unwrap();
        let record = jixiao::load_data(&compiled.model, "u.toml", &data, jixiao::DataFormat::Toml).unwrap();
        jixiao::evaluate(&compiled.model, &record, false).unwrap().total
    };
    for space in ['\u{00A0}', '\u{2002}', '\u{3000}', '\u{202F}', '\u{000B}', '\u{FEFF}'] {
        let spaced = plain.replace(' ', &space.to_string());
        assert_eq!(total(&plain), total(&spaced), "U+{:04X}", space as u32);
        // `fmt` writes them as ordinary spaces (a file with no strings or comments that
        // hold a space, so that every space is between words).
        let small = with_formula("(a + 1) × 2");
        let formatted = jixiao::format::format_source(&small.replace(' ', &space.to_string())).unwrap();
        assert_eq!(
            formatted,
            jixiao::format::format_source(&small).unwrap(),
            "U+{:04X}",
            space as u32
        );
    }
    // Not every invisible character is a space: a zero-width space is still an error.
    let err = rejected(&with_formula("a\u{200B}+ 1"));
    assert!(err.contains("看不见的字符（U+200B）"), "{err}");
    // Nor is a zero-width joiner, which Unicode counts as part of a word: inside a name it
    // would make a name that looks like another and never matches it.
    let err = rejected(&with_formula("a\u{200D}b + 1"));
    assert!(
        err.contains("名称 `a\u{200D}b` 中有一个看不见的字符（U+200D）"),
        "{err}"
    );
}

#[test]
fn full_width_brackets_colon_percent_and_comma_are_accepted() {
    let mut text = with_formula("（a + 1） × max（1，2）").replace("输入 a: 人", "输入 a： 人");
    text.push_str("计算 比率 = 50％ 显示 百分比 2\n");
    let compiled = jixiao::compile("ok.jx", &text).unwrap();
    let record = jixiao::load_data(
        &compiled.model,
        "u.toml",
        "\"单位名称\" = \"u\"\n\"a\" = 1\n",
        jixiao::DataFormat::Toml,
    )
    .unwrap();
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    assert_eq!(ev.total.unwrap().to_string(), "4");
}

#[test]
fn other_full_width_characters_are_named() {
    for (formula, named) in [
        (
            "如果 a ＞＝ 1 则 1 否则 0",
            "`＞` 是全角字符（U+FF1E），这里应写半角的 `>`",
        ),
        ("a ＋ 1", "`＋` 是全角字符（U+FF0B），这里应写半角的 `+`"),
        ("a ＊ 2", "`＊` 是全角字符（U+FF0A），这里应写半角的 `*`"),
    ] {
        let err = rejected(&with_formula(formula));
        assert!(err.contains(named), "{formula}: {err}");
    }
    // Full-width digits and point are the same number, in a rule file as in data
    // (docs/language.md §7.1): not named as mistakes.
    let text = with_formula("a + １２３．５").replace("分值 10 {\n    三级", "分值 １０ {\n    三级");
    let compiled = jixiao::compile("ok.jx", &text).unwrap();
    assert_eq!(
        compiled
            .model
            .nodes
            .iter()
            .map(|n| n.weight.to_string())
            .collect::<Vec<_>>(),
        ["10", "10", "10"]
    );
}

#[test]
fn full_width_digits_in_data_are_the_same_number() {
    let compiled = seed_model();
    let mut raw = seed_raw();
    data::set_path(&mut raw, &["实有人数".into()], Raw::Text("１３８".into()));
    data::remove_everywhere(&mut raw, "政府采购执行率");
    data::set_path(
        &mut raw,
        &["政府采购执行率填报值".into()],
        Raw::Text("９５．５％".into()),
    );
    data::set_path(&mut raw, &["收入合计".into()], Raw::Text("３，６９６．８３".into()));
    let record = data::bind(&compiled.model, &raw, "u.toml").unwrap();
    let plain = jixiao::load_data(
        &compiled.model,
        "u.toml",
        &crate::read(&crate::root().join(SEED)),
        jixiao::DataFormat::Toml,
    )
    .unwrap();
    let slot = |r: &data::Record, name: &str| {
        let i = compiled.model.inputs.iter().position(|d| d.name == name).unwrap();
        r.values[i].clone()
    };
    assert_eq!(slot(&record, "实有人数"), slot(&plain, "实有人数"));
    assert_eq!(slot(&record, "收入合计"), slot(&plain, "收入合计"));
    assert_eq!(
        slot(&record, "政府采购执行率填报值"),
        jixiao::model::Value::Num("0.955".parse().unwrap())
    );
}

#[test]
fn full_width_targets_are_the_same_quantities() {
    for (full, half) in [
        ("≥９５％", "≥95%"),
        ("１００ 人", "100 人"),
        ("＞３．５ 万元", ">3.5 万元"),
    ] {
        assert_eq!(data::parse_quantity(full), data::parse_quantity(half), "{full}");
        assert!(data::parse_quantity(full).is_some(), "{full}");
    }
}

#[test]
fn data_numbers_beyond_28_digits_are_rejected_not_rounded() {
    assert_eq!(
        data::parse_decimal("0.1234567890123456789012345678"),
        Some("0.1234567890123456789012345678".parse().unwrap())
    );
    for text in [
        "0.12345678901234567890123456789",
        "1.00000000000000000000000000001",
        "1.23456789012345678901234567890123e1",
        "79228162514264337593543950336",
        "1e29",
    ] {
        assert_eq!(data::parse_decimal(text), None, "{text}");
    }
    assert_eq!(data::parse_percent_text("0.0000000000000000000000000001%"), None);
}

#[test]
fn duplicate_json_keys_are_an_error_not_last_one_wins() {
    let compiled = seed_model();
    for text in [
        r#"{"单位名称": "甲", "编制人数": 1, "编制人数": 2}"#,
        r#"{"单位名称": "甲", "评审": {"经济效益": 1, "经济效益": 4}}"#,
        r#"{"单位名称": "甲", "绩效目标": [{"名称": "a", "名称": "b"}]}"#,
    ] {
        let err = jixiao::load_data(&compiled.model, "u.json", text, jixiao::DataFormat::Json).unwrap_err();
        let err = render_plain(&err);
        assert!(err.contains("同一个对象中写了两次（JSON 的键不能重复）"), "{err}");
    }
}

fn jixiao_cli(args: &[&str], dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn invalid_utf8_is_reported_with_the_file_and_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let rules = crate::read(&crate::root().join(RULES));
    let mut bytes = rules.as_bytes()[..100].to_vec();
    bytes.extend_from_slice(b"\xff\xfe");
    bytes.extend_from_slice(&rules.as_bytes()[100..]);
    std::fs::write(dir.path().join("bad.jx"), &bytes).unwrap();
    let (code, err) = jixiao_cli(&["check", "bad.jx"], dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bad.jx 不是 UTF-8 编码（第 101 个字节处无效）"), "{err}");

    std::fs::write(dir.path().join("rules.jx"), &rules).unwrap();
    let data = crate::read(&crate::root().join(SEED));
    let mut bytes = data.as_bytes()[..50].to_vec();
    bytes.push(0xC0);
    bytes.extend_from_slice(&data.as_bytes()[50..]);
    std::fs::write(dir.path().join("bad.toml"), &bytes).unwrap();
    let (code, err) = jixiao_cli(&["eval", "rules.jx", "bad.toml"], dir.path());
    assert_ne!(code, 0, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("不是 UTF-8 编码（第 51 个字节处无效）"),
        "{err}"
    );
}

// ── batch output under faults ─────────────────────────────────────────────

#[test]
fn a_batch_killed_midway_leaves_the_previous_output_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let units = crate::read(&crate::root().join("examples/yueyang-2021/units.csv"));
    let mut lines = units.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut big = String::with_capacity(60_000 * 1100);
    big.push_str(header);
    big.push('\n');
    for i in 0..60_000 {
        big.push_str(rows[i % rows.len()]);
        big.push('\n');
    }
    std::fs::write(dir.path().join("big.csv"), big).unwrap();
    std::fs::copy(crate::root().join(RULES), dir.path().join("rules.jx")).unwrap();
    let previous = "上一次的结果\n";
    std::fs::write(dir.path().join("out.csv"), previous).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["eval", "rules.jx", "big.csv", "-o", "out.csv", "--jobs", "1"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the run has started writing its temporary file, then kill it.
    let temp_files = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !["big.csv", "rules.jx", "out.csv"].contains(&n.as_str()))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while temp_files().is_empty() && Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run finished before it could be killed; use a bigger input"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(std::fs::read_to_string(dir.path().join("out.csv")).unwrap(), previous);
    // What a killed run leaves behind is its own, clearly named temporary file.
    for name in temp_files() {
        assert!(
            name.starts_with(".jixiao-") && name.ends_with(".tmp"),
            "unexpected file {name}"
        );
    }
}
