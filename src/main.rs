//! The `jixiao` command line: the only place that reads files and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use miette::{IntoDiagnostic, Report};

use jixiao::diagnostics::LoadError;
use jixiao::{report, DataFormat};

#[derive(Parser)]
#[command(name = "jixiao", version, about = "绩效：部门整体支出绩效评价规则引擎")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 按规则文件评价一个单位的数据 (evaluate a unit's data)
    Eval {
        /// 规则文件 (.jx)
        rules: PathBuf,
        /// 单位数据文件 (.toml / .json)
        data: PathBuf,
        /// 输出格式
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// 逐项说明公式、代入值、适用的评分标准和得分
        #[arg(long)]
        explain: bool,
    },
    /// 检查规则文件 (check a rule file)
    Check {
        /// 规则文件 (.jx)
        rules: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

/// Rule files nest formulas; a generous stack keeps the recursive stages safe within
/// the parser's nesting and length limits.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(move || match run(cli) {
            Ok(code) => code,
            Err(report) => {
                eprintln!("{report:?}");
                ExitCode::from(1)
            }
        });
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("jixiao 内部错误：请向开发者报告");
            ExitCode::from(101)
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn write_stdout(text: &str) -> miette::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).into_diagnostic(),
        _ => Ok(()),
    }
}

fn read(path: &PathBuf) -> miette::Result<String> {
    let bytes = std::fs::read(path)
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("无法读取文件 {}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        miette::miette!(
            "文件 {} 不是 UTF-8 编码（第 {} 个字节处无效）",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })
}

fn load_rules(path: &PathBuf) -> miette::Result<jixiao::Compiled> {
    let text = read(path)?;
    let name = path.display().to_string();
    match jixiao::compile(&name, &text) {
        Ok(compiled) => {
            for w in &compiled.warnings {
                eprintln!("{:?}", Report::msg(w.to_string()).wrap_err(w.code.code()));
            }
            Ok(compiled)
        }
        Err(e) => Err(load_error(e)),
    }
}

fn load_error(e: LoadError) -> Report {
    match e {
        LoadError::Syntax(s) => Report::new(*s),
        LoadError::Check(c) => Report::new(c),
    }
}

fn run(cli: Cli) -> miette::Result<ExitCode> {
    match cli.command {
        Command::Check { rules } => {
            let compiled = load_rules(&rules)?;
            let m = &compiled.model;
            write_stdout(&format!(
                "✓ {}：{}（{} 年度），{} 个输入，{} 个三级指标，满分 {}，{} 条勾稽关系，{} 个警告\n",
                rules.display(),
                m.title,
                m.year,
                m.inputs.len(),
                m.leaves.len(),
                m.full_marks,
                m.checks.len(),
                compiled.warnings.len()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            rules,
            data,
            format,
            explain,
        } => {
            let compiled = load_rules(&rules)?;
            let name = data.display().to_string();
            let fmt = DataFormat::from_path(&name)
                .ok_or_else(|| miette::miette!("无法识别数据文件 {name} 的格式：应为 .toml 或 .json"))?;
            let text = read(&data)?;
            let record = jixiao::load_data(&compiled.model, &name, &text, fmt).map_err(Report::new)?;
            for key in jixiao::data::dedup_keys(&record.unknown_keys) {
                eprintln!("警告：{name} 中的字段 `{key}` 不是规则文件声明的输入，已忽略");
            }
            let ev = jixiao::evaluate(&compiled.model, &record, explain).map_err(|e| Report::new(*e))?;
            let mut text = match format {
                Format::Table => {
                    let mut t = report::render_table(&ev);
                    if explain {
                        t.push_str(&report::render_explain(&ev));
                    }
                    t
                }
                Format::Json => serde_json::to_string_pretty(&ev).into_diagnostic()?,
            };
            if !text.ends_with('\n') {
                text.push('\n');
            }
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
