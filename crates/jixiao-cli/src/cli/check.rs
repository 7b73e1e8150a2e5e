//! `jixiao check RULES...`: every problem of every rule file, as text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use miette::Report;
use serde::Serialize;

use jixiao::diagnostics::LoadError;
use jixiao::report::DiagnosticRecord;

#[derive(Args)]
pub struct CheckArgs {
    /// 规则文件 (.jx) 或包含规则文件的目录
    #[arg(required = true, value_name = "规则文件")]
    pub rules: Vec<PathBuf>,
    /// 输出格式：text（终端）或 json（编辑器和 CI）
    #[arg(long, value_enum, default_value_t = CheckFormat::Text, value_name = "格式")]
    pub format: CheckFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Serialize)]
struct FileResult {
    file: String,
    ok: bool,
    diagnostics: Vec<DiagnosticRecord>,
}

/// Exit 0 when every file has no errors (warnings allowed), 1 otherwise.
pub fn run(args: CheckArgs) -> miette::Result<ExitCode> {
    let mut results = Vec::new();
    let mut failed = false;
    for path in super::rule_files(&args.rules)? {
        let name = path.display().to_string();
        let text = match super::read_text(&path) {
            Ok(t) => t,
            Err(e) => {
                failed = true;
                match args.format {
                    CheckFormat::Text => eprintln!("{e:?}"),
                    CheckFormat::Json => results.push(FileResult {
                        file: name,
                        ok: false,
                        diagnostics: vec![io_record(&path.display().to_string(), &e.to_string())],
                    }),
                }
                continue;
            }
        };
        let (ok, records, summary) = match jixiao::compile_with(&name, &text, &super::file_loader) {
            Ok(compiled) => {
                let m = &compiled.model;
                let summary = format!(
                    "✓ {name}：{}（{} 年度），{} 个输入，{} 个三级指标，满分 {}，{} 条勾稽关系，{} 个警告",
                    m.title,
                    m.year,
                    m.inputs.len(),
                    m.leaves.len(),
                    m.full_marks,
                    m.checks.len(),
                    compiled.warnings.len()
                );
                let records = compiled.warnings.iter().map(DiagnosticRecord::from_check).collect();
                if let CheckFormat::Text = args.format {
                    for w in compiled.warnings {
                        eprintln!("{:?}", Report::new(w));
                    }
                }
                (true, records, Some(summary))
            }
            Err(LoadError::Syntax(e)) => {
                let record = DiagnosticRecord::from_syntax(&name, &e);
                if let CheckFormat::Text = args.format {
                    eprintln!("{:?}", Report::new(*e));
                }
                (false, vec![record], None)
            }
            Err(LoadError::Check(errors)) => {
                let records = errors.errors.iter().map(DiagnosticRecord::from_check).collect();
                if let CheckFormat::Text = args.format {
                    eprintln!("{:?}", Report::new(errors));
                }
                (false, records, None)
            }
        };
        failed |= !ok;
        if let (CheckFormat::Text, Some(s)) = (args.format, summary) {
            crate::write_stdout(&format!("{s}\n"))?;
        }
        results.push(FileResult {
            file: name,
            ok,
            diagnostics: records,
        });
    }
    if let CheckFormat::Json = args.format {
        let json = serde_json::to_string_pretty(&results).map_err(|e| miette::miette!("{e}"))?;
        crate::write_stdout(&format!("{json}\n"))?;
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn io_record(file: &str, message: &str) -> DiagnosticRecord {
    DiagnosticRecord {
        code: "jixiao::io".into(),
        severity: "error".into(),
        message: message.to_owned(),
        file: file.to_owned(),
        line: 0,
        column: 0,
        start: 0,
        end: 0,
        help: None,
        labels: Vec::new(),
    }
}
