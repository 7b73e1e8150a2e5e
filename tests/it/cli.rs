//! The binary: exit codes and output for good and bad input.

use crate::jixiao;

const RULES: &str = "rules/yueyang-2021.jx";
const SEED: &str = "examples/yueyang-2021/chengguan-zhifa.toml";

#[test]
fn eval_prints_the_table() {
    let (code, out, err) = jixiao(&["eval", RULES, SEED]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("总分：94.30    等级：优秀"), "{out}");
}

#[test]
fn eval_json_is_a_stable_document() {
    let (code, out, err) = jixiao(&["eval", RULES, SEED, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["grade"], "优秀");
    assert_eq!(v["total_display"], "94.30");
    assert_eq!(v["rules"]["year"], 2021);
    assert_eq!(v["indicators"][0]["name"], "财政供养人员控制率");
    assert_eq!(v["indicators"][0]["display"], "79.31%");
    assert_eq!(v["indicators"][0]["path"], serde_json::json!(["投入", "预算配置"]));
    // Exact: 3641.42 / 3029.36 in lowest terms (120.20%).
    assert_eq!(v["values"]["预算完成率"], "182071/151468");
}

#[test]
fn check_accepts_the_bundled_rules() {
    let (code, out, _) = jixiao(&["check", RULES]);
    assert_eq!(code, 0);
    assert!(out.contains("23 个三级指标"), "{out}");
}

#[test]
fn bad_inputs_fail_with_a_message_not_a_panic() {
    let cases: &[&[&str]] = &[
        &["check", "tests/errors/missing_weight.jx"],
        &["check", "tests/errors/weights_sum.jx"],
        &["check", "no/such/file.jx"],
        &["eval", RULES, "no/such/unit.toml"],
        &["eval", RULES, "Cargo.toml"],
        &["eval", RULES, "README.md"],
        &["eval", "Cargo.toml", SEED],
        &["eval"],
        &["frobnicate"],
    ];
    for args in cases {
        let (code, _, err) = jixiao(args);
        assert_ne!(code, 0, "{args:?} should fail");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(!err.is_empty(), "{args:?} printed no diagnostic");
    }
}

#[test]
fn check_json_lists_every_diagnostic_with_its_place() {
    let (code, out, _) = jixiao(&["check", "--format", "json", "tests/errors/weights_sum.jx", RULES]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["ok"], false);
    let d = &v[0]["diagnostics"][0];
    assert_eq!(d["code"], "jixiao::check::weights_sum");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 9);
    assert!(d["labels"].as_array().unwrap().len() >= 3);
    assert_eq!(v[1]["ok"], true);
}

#[test]
fn check_exits_zero_with_warnings_only() {
    let (code, _, err) = jixiao(&["check", "tests/errors/unused.jx"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("jixiao::check::unused"), "{err}");
}

#[test]
fn fmt_check_passes_on_the_bundled_rules() {
    let (code, _, err) = jixiao(&["fmt", "--check", "rules/"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn shell_completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, err) = jixiao(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for sub in [
            "eval", "audit", "check", "fmt", "test", "show", "diff", "template", "validate", "lsp",
        ] {
            assert!(out.contains(sub), "{shell} completions lack `{sub}`");
        }
    }
    let (code, _, err) = jixiao(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error");
    assert!(err.contains("tcsh"), "{err}");
}

#[test]
fn a_rule_files_warnings_are_counted_once_and_quiet_silences_them() {
    // The workload's rule file has six intended warnings (see its header); the seed's data
    // does not fit it, which does not matter here: the rule file is loaded first.
    let (_, _, err) = jixiao(&["eval", "benches/workload/workload.jx", SEED]);
    assert!(
        err.contains("提示：规则文件 benches/workload/workload.jx 有 6 个警告，不影响评价；用 `jixiao check benches/workload/workload.jx` 查看"),
        "{err}"
    );
    assert!(!err.contains("无法证明"), "warnings are not printed in full: {err}");
    let (_, _, err) = jixiao(&["--quiet", "eval", "benches/workload/workload.jx", SEED]);
    assert!(!err.contains("个警告"), "{err}");
}

#[test]
fn help_and_usage_errors_are_in_chinese() {
    let (code, out, err) = jixiao(&["--help"]);
    assert_eq!(code, 0, "{err}");
    for word in [
        "用法：jixiao [选项] <命令>",
        "命令：",
        "选项：",
        "显示帮助",
        "显示版本",
        "eval",
        "completions",
    ] {
        assert!(out.contains(word), "`{word}` missing from --help:\n{out}");
    }
    for english in ["Usage:", "Commands:", "Options:", "Print help", "Print version"] {
        assert!(!out.contains(english), "`{english}` in --help:\n{out}");
    }
    let (code, out, _) = jixiao(&["eval", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("用法：jixiao eval [选项] <规则文件> <数据文件>...")
            && out.contains("参数：")
            && out.contains("选项："),
        "{out}"
    );
    assert!(
        out.find("  <规则文件>\n") < out.find("  <数据文件>...\n"),
        "positional arguments keep their order:\n{out}"
    );
    // Possible values with their meaning (long help) and defaults, in Chinese.
    assert!(
        out.contains("可以取：\n") && out.contains("  xlsx   Excel 工作簿"),
        "{out}"
    );
    let (_, out, _) = jixiao(&["check", "-h"]);
    assert!(out.contains("（可以取：text、json；默认：text）"), "{out}");
    // Usage errors: Chinese, with clap's suggestion, exit 2.
    for (args, expect) in [
        (vec!["evl"], "没有 `evl` 这个命令；是否指 `eval`？"),
        (
            vec!["eval", "--formt", "json"],
            "不认识的选项或参数 `--formt`；是否指 `--format`？",
        ),
        (
            vec!["check", "--format", "xml", RULES],
            "`xml` 不是 --format <格式> 可以取的值；可以取：text、json",
        ),
        (vec!["eval"], "缺少参数：<规则文件>、<数据文件>..."),
        (vec![], "缺少命令"),
    ] {
        let (code, _, err) = jixiao(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("错误："), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("error:") && !err.contains("tip:"), "{args:?}: {err}");
    }
}

/// Every command's help, short (`-h`) and long (`--help`): none of clap's English words or
/// English placeholders (`[OPTIONS]`, `<RULES>`, `Possible values:`, `[default: …]`).
#[test]
fn every_help_is_chinese() {
    let (_, top, _) = jixiao(&["--help"]);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| *l != "命令：")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(commands.len() >= 12, "{top}");
    for command in &commands {
        for flag in ["-h", "--help"] {
            let (code, out, err) = jixiao(&[command, flag]);
            assert_eq!(code, 0, "{command} {flag}: {err}");
            assert!(
                out.contains("用法：jixiao ") && out.contains("选项："),
                "{command} {flag}:\n{out}"
            );
            for english in [
                "Usage",
                "Options",
                "Arguments",
                "[OPTIONS]",
                "Possible values",
                "possible values",
                "[default:",
                "[env:",
            ] {
                assert!(!out.contains(english), "{command} {flag}: `{english}` in\n{out}");
            }
            // Placeholders are Chinese, or N for a number and MiB for a size.
            for word in out.split(['<', '[']).skip(1) {
                let name = word.split(['>', ']']).next().unwrap_or_default();
                let english = !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
                assert!(!english || name == "N", "{command} {flag}: <{name}> in\n{out}");
            }
        }
    }
}

#[test]
fn diagnostics_are_not_wrapped_into_a_pipe() {
    // A long Chinese message stays one line when stderr is not a terminal (issue 21: in a
    // pipe, lines were wrapped at 80 columns, breaking words: 例/│ 如).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("长.jx");
    std::fs::write(
        &file,
        "标题 \"示例\"\n年度 2021\n满分 10\n计步 连续\n输入 编制人数: 人\n输入 实有人数: 人\n\
         一级 投入 分值 10 {\n  二级 预算配置 分值 10 {\n    三级 财政供养人员控制率 分值 10 {\n\
         公式 实有人数 / 编制人数\n      显示 百分比 2\n      评分 扣分 { 基准 100%  每超过 1 百分点 扣 0.5 }\n\
         }\n  }\n}\n等级 { 优秀 >= 9  合格 [6, 9)  不合格 < 6 }\n",
    )
    .unwrap();
    let (code, _, err) = jixiao(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("的数值可能无法计算"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains("除数 `编制人数` 为 0"),
        "the message is cut over lines:\n{err}"
    );
    assert!(line.chars().count() > 80, "{line}");
}

/// Every command that meets a file it cannot read or write says so in Chinese with the path,
/// never the system's English (`No such file or directory (os error 2)`).
#[test]
fn file_errors_are_chinese_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    std::fs::write(tmp("child.jx"), "基于 \"没有的.jx\"\n年度 2022\n").unwrap();
    let missing_dir = tmp("没有的目录/结果.csv");
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (vec!["check".into(), "没有的.jx".into()], "没有的.jx", "不存在"),
        (vec!["fmt".into(), "没有的.jx".into()], "没有的.jx", "不存在"),
        (vec!["test".into(), "没有的.jx".into()], "没有的.jx", "不存在"),
        (vec!["show".into(), "rules".into()], "rules", "是一个目录"),
        (
            vec!["eval".into(), RULES.into(), "没有的.toml".into()],
            "没有的.toml",
            "不存在",
        ),
        (
            vec![
                "eval".into(),
                RULES.into(),
                SEED.into(),
                "-o".into(),
                missing_dir.clone(),
            ],
            "没有的目录",
            "不存在",
        ),
        (
            vec!["diff".into(), "没有的.jx".into(), RULES.into()],
            "没有的.jx",
            "不存在",
        ),
        (
            vec![
                "template".into(),
                RULES.into(),
                "--fill".into(),
                "没有的.toml".into(),
                "-o".into(),
                tmp("t.xlsx"),
            ],
            "没有的.toml",
            "不存在",
        ),
        (
            vec!["validate".into(), RULES.into(), "没有的目录/".into()],
            "没有的目录",
            "不存在",
        ),
        (vec!["check".into(), tmp("child.jx")], "没有的.jx", "不存在"),
        (
            vec![
                "serve".into(),
                "--rules".into(),
                "没有的目录".into(),
                "--addr".into(),
                "127.0.0.1:0".into(),
            ],
            "没有的目录",
            "不存在",
        ),
    ];
    for (args, path, reason) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = jixiao(&args);
        let printed = format!("{out}{err}");
        assert_ne!(code, 0, "{args:?}: {printed}");
        assert!(
            printed.contains(path) && printed.contains(reason),
            "{args:?}: {printed}"
        );
        for english in ["os error", "No such file", "Is a directory", "Permission denied"] {
            assert!(!printed.contains(english), "{args:?}: {printed}");
        }
    }
    // A file the user may not read (as root every file is readable: nothing to test then).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = tmp("锁住的.toml");
        std::fs::write(&locked, "\"单位名称\" = \"某单位\"\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&locked).is_err() {
            let (code, _, err) = jixiao(&["eval", RULES, &locked]);
            assert_eq!(code, 1, "{err}");
            assert!(err.contains("锁住的.toml") && err.contains("没有权限"), "{err}");
            assert!(!err.contains("os error"), "{err}");
        }
    }
}
