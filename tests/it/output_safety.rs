//! `-o` never destroys what it must not (issue 17, item 4): an input under any name, the
//! rule file, anything but a regular file; a symlink is written through; an interrupted
//! run leaves no temporary file.

use std::path::{Path, PathBuf};

use crate::jixiao;

const RULES: &str = "rules/yueyang-2021.jx";

/// A scratch folder with a copy of the example CSV (`in.csv`) and the rule file.
fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("in.csv");
    std::fs::copy(crate::root().join("examples/yueyang-2021/units.csv"), &data).unwrap();
    let rules = dir.path().join("rules.jx");
    std::fs::copy(crate::root().join(RULES), &rules).unwrap();
    (dir, data, rules)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_output_may_not_be_an_input_under_any_name() {
    let (dir, data, rules) = scratch();
    let before = std::fs::read(&data).unwrap();
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&data, &hard).unwrap();
    let dotted = dir.path().join(".").join("in.csv");
    let up = dir.path().join("sub").join("..").join("in.csv");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for target in [&data, &dotted, &up, &hard] {
        let (code, _, err) = jixiao(&["eval", s(&rules), s(&data), "-o", s(target)]);
        assert_eq!(code, 1, "{target:?}: {err}");
        assert!(err.contains("就是输入文件"), "{target:?}: {err}");
        assert_eq!(std::fs::read(&data).unwrap(), before, "{target:?} replaced the input");
    }
    // The rule file, even when the format is given explicitly.
    let rules_before = std::fs::read(&rules).unwrap();
    let (code, _, err) = jixiao(&["eval", s(&rules), s(&data), "-o", s(&rules), "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("就是输入文件"), "{err}");
    assert_eq!(std::fs::read(&rules).unwrap(), rules_before);
    // Nor any other command's input: validate, diff, template.
    let (code, _, err) = jixiao(&["validate", s(&rules), s(&data), "-o", s(&data)]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = jixiao(&[
        "diff",
        s(&rules),
        s(&rules),
        s(&data),
        "-o",
        s(&data),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(std::fs::read(&data).unwrap(), before);
    // The data a template is filled from.
    let unit = dir.path().join("unit.toml");
    std::fs::copy(crate::root().join("examples/yueyang-2021/chengguan-zhifa.toml"), &unit).unwrap();
    let unit_before = std::fs::read(&unit).unwrap();
    let (code, _, err) = jixiao(&[
        "template",
        s(&rules),
        "--fill",
        s(&unit),
        "--format",
        "toml",
        "-o",
        s(&unit),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("就是输入文件"), "{err}");
    assert_eq!(std::fs::read(&unit).unwrap(), unit_before);
    std::fs::remove_file(&unit).unwrap();
    let listed = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(listed, 4, "no temporary file left behind");
}

#[test]
fn only_a_regular_file_is_replaced_and_a_symlink_is_written_through() {
    let (dir, data, rules) = scratch();
    // A directory and a device are refused, and left as they are.
    let (code, _, err) = jixiao(&["eval", s(&rules), s(&data), "-o", s(dir.path()), "--format", "csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("是一个目录"), "{err}");
    let (code, _, err) = jixiao(&["eval", s(&rules), s(&data), "-o", "/dev/null", "--format", "csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("不是普通文件"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
        let fifo = dir.path().join("pipe.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let (code, _, err) = jixiao(&["eval", s(&rules), s(&data), "-o", s(&fifo)]);
        assert_eq!(code, 1);
        assert!(err.contains("不是普通文件"), "{err}");
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        // A symlink: the file it names gets the results; the link stays a link.
        let real = dir.path().join("results.csv");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let (code, _, err) = jixiao(&["eval", s(&rules), s(&data), "-o", s(&link)]);
        assert_eq!(code, 0, "{err}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(std::fs::read_to_string(&real).unwrap().contains("单位名称"));
        // A link to an input is the input.
        let to_input = dir.path().join("to-input.csv");
        std::os::unix::fs::symlink(&data, &to_input).unwrap();
        let (code, _, err) = jixiao(&["eval", s(&rules), s(&data), "-o", s(&to_input)]);
        assert_eq!(code, 1);
        assert!(err.contains("就是输入文件"), "{err}");
    }
}

/// Ctrl-C while a large batch is being written: the temporary file goes too.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let (dir, _, rules) = scratch();
    let seed = std::fs::read_to_string(crate::root().join("examples/yueyang-2021/units.csv")).unwrap();
    let mut lines = seed.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    let mut big = String::with_capacity(row.len() * 400_000);
    big.push_str(header);
    big.push('\n');
    for _ in 0..400_000 {
        big.push_str(row);
        big.push('\n');
    }
    let data = dir.path().join("big.csv");
    std::fs::write(&data, big).unwrap();
    let out = dir.path().join("out.xlsx");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["eval", s(&rules), s(&data), "-o", s(&out), "-j", "1"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temp = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(".jixiao-"))
    };
    // Wait for the temporary file (the run takes far longer than this to finish); up to
    // three minutes, for a debug build on a loaded machine.
    let mut seen = false;
    for _ in 0..3600 {
        if temp() {
            seen = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(seen, "the run never started writing");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!temp(), "a temporary file was left behind");
    assert!(!out.exists());
}
