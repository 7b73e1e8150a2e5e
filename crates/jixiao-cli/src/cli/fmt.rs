//! `jixiao fmt [--check] PATHS...`: rewrite rule files in the canonical layout.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct FmtArgs {
    /// 规则文件 (.jx) 或目录
    #[arg(required = true, value_name = "规则文件")]
    pub paths: Vec<PathBuf>,
    /// 只检查，不修改；有文件需要格式化时返回非零
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: FmtArgs) -> miette::Result<ExitCode> {
    let mut unformatted = Vec::new();
    let mut failed = false;
    for path in super::rule_files(&args.paths)? {
        let text = super::read_text(&path)?;
        let formatted = match jixiao::format::format_source(&text) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{}：{}", path.display(), e.0);
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if args.check {
            unformatted.push(path.display().to_string());
        } else {
            write_atomically(&path, &formatted)?;
            eprintln!("已格式化 {}", path.display());
        }
    }
    if !unformatted.is_empty() {
        eprintln!("以下文件未按标准格式排版（运行 `jixiao fmt` 修正）：");
        for f in &unformatted {
            eprintln!("  {f}");
        }
        return Ok(ExitCode::from(1));
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Writes beside the file and renames, so an interrupted run never leaves half a file.
fn write_atomically(path: &std::path::Path, text: &str) -> miette::Result<()> {
    let tmp = path.with_extension("jx.fmt-tmp");
    let failed = |what: &str, path: &std::path::Path, e: std::io::Error| {
        miette::miette!("{what} {}：{}", path.display(), jixiao::diagnostics::io_message(&e))
    };
    std::fs::write(&tmp, text).map_err(|e| failed("无法写入", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| failed("无法替换", path, e))
}
