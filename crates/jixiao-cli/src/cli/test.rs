//! `jixiao test [PATHS] [--coverage]`: run the `测试` cases of rule files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct TestArgs {
    /// 规则文件或目录（默认 rules/）
    #[arg(value_name = "路径")]
    pub paths: Vec<PathBuf>,
    /// 列出各评分分支、分档和等级是否有测试用例覆盖，并指出没有覆盖的
    #[arg(long)]
    pub coverage: bool,
}

pub fn run(args: TestArgs) -> miette::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        args.paths
    };
    let mut out = String::new();
    let (mut passed, mut failed, mut files) = (0usize, 0usize, 0usize);
    for path in super::rule_files(&paths)? {
        let text = super::read_text(&path)?;
        if !text.contains("测试") && !text.contains("test") {
            continue;
        }
        let name = path.display().to_string();
        let compiled = jixiao::compile_with(&name, &text, &super::file_loader).map_err(|e| match e {
            jixiao::diagnostics::LoadError::Syntax(s) => miette::Report::new(*s),
            jixiao::diagnostics::LoadError::Check(c) => miette::Report::new(c),
        })?;
        if compiled.tests.is_empty() {
            continue;
        }
        files += 1;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let load = |rel: &str| -> Result<(String, String), String> {
            let p = dir.join(rel);
            let text = super::read_text(&p).map_err(|e| e.to_string())?;
            Ok((p.display().to_string(), text))
        };
        let (results, coverage) = jixiao::testing::run(&compiled, &load);
        out.push_str(&format!("{name}：{} 个测试\n", results.len()));
        for r in &results {
            if r.passed {
                passed += 1;
                out.push_str(&format!("  ✓ {}\n", r.name));
            } else {
                failed += 1;
                out.push_str(&format!("  ✗ {}（{name} 第 {} 行）\n", r.name, r.line));
                for f in &r.failures {
                    out.push_str(&format!("      {f}\n"));
                }
            }
        }
        if args.coverage {
            out.push_str(&format!(
                "  覆盖：{}/{} 个评分分支、分档和等级\n",
                coverage.reached(),
                coverage.total()
            ));
            for u in coverage.unreached() {
                out.push_str(&format!("    未覆盖 {u}\n"));
            }
        }
    }
    out.push_str(&summary(files, passed, failed));
    crate::write_stdout(&out)?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The closing lines: the count in Chinese, then cargo's own closing line, which CI systems
/// and editors already read (`test result: ok. 129 passed; 0 failed`).
fn summary(files: usize, passed: usize, failed: usize) -> String {
    let total = passed + failed;
    let (chinese, verdict) = if total == 0 {
        ("没有找到测试用例".to_owned(), "ok")
    } else if failed == 0 {
        (format!("{files} 个文件，{total} 个测试：全部通过"), "ok")
    } else {
        (
            format!("{files} 个文件，{total} 个测试：{passed} 个通过，{failed} 个失败"),
            "FAILED",
        )
    };
    format!("\n{chinese}\ntest result: {verdict}. {passed} passed; {failed} failed\n")
}
