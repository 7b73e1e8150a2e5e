//! `jixiao diff OLD NEW [DATA...]`: what changed between two rule sets, and what the
//! change does to each unit.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use jixiao::model::Model;
use jixiao_io::batch::input::open_path_with;
use jixiao_io::diff::{self, UnitResult};

#[derive(Args)]
pub struct DiffArgs {
    /// 原规则文件（如上一年度）
    #[arg(value_name = "旧规则")]
    pub old: PathBuf,
    /// 新规则文件
    #[arg(value_name = "新规则")]
    pub new: PathBuf,
    /// 单位数据（可选，可以多个）：给出时比较每个单位在两套规则下的得分
    #[arg(value_name = "数据文件")]
    pub data: Vec<PathBuf>,
    /// 输出格式（不指定时按 -o 文件的扩展名推断，否则为 table）
    #[arg(long, value_enum, value_name = "格式")]
    pub format: Option<DiffFormat>,
    /// 输出文件（xlsx 输出到终端时必须指定）；- 表示标准输出
    #[arg(short = 'o', long = "output", value_name = "文件")]
    pub output: Option<PathBuf>,
    /// 读取工作簿中的哪个工作表（默认第一个未隐藏的工作表）
    #[arg(long, value_name = "工作表")]
    pub sheet: Option<String>,
    /// 部分评价：缺少数字的单位也比较能计算的部分（见 eval --partial）
    #[arg(long)]
    pub partial: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Csv,
    Xlsx,
}

fn evaluate_all(
    model: &Model,
    paths: &[PathBuf],
    sheet: Option<&str>,
    partial: bool,
) -> miette::Result<Vec<UnitResult>> {
    let mut out = Vec::new();
    for path in paths {
        let mut opened = open_path_with(model, path, sheet, partial).map_err(|e| miette::miette!("{}", e.0))?;
        diff::evaluate_rows(model, &mut opened, partial, &mut out).map_err(|e| miette::miette!("{}", e.0))?;
    }
    Ok(out)
}

pub fn run(mut args: DiffArgs) -> miette::Result<ExitCode> {
    args.output = super::data::output_file(args.output.take());
    for path in &args.data {
        super::note_input(path);
    }
    let old = crate::load_rules(&args.old)?;
    let new = crate::load_rules(&args.new)?;
    let sheet = args.sheet.as_deref();
    let before = evaluate_all(&old.model, &args.data, sheet, args.partial)?;
    let after = evaluate_all(&new.model, &args.data, sheet, args.partial)?;
    let pairs = diff::pair_units(before, after).map_err(|e| miette::miette!("{e}"))?;
    let report = diff::report(&old.model, &new.model, pairs);
    let precision = new.model.score_precision;
    let format = args
        .format
        .unwrap_or(match super::output_extension(args.output.as_deref()).as_deref() {
            Some("json") => DiffFormat::Json,
            Some("csv") => DiffFormat::Csv,
            Some("xlsx") => DiffFormat::Xlsx,
            _ => DiffFormat::Table,
        });
    let bytes = match format {
        DiffFormat::Table => diff::render_text(&report, precision).into_bytes(),
        DiffFormat::Json => {
            (serde_json::to_string_pretty(&report).map_err(|e| miette::miette!("{e}"))? + "\n").into_bytes()
        }
        DiffFormat::Csv => diff::render_csv(&report, precision)
            .map_err(|e| miette::miette!("{e}"))?
            .into_bytes(),
        DiffFormat::Xlsx => diff::render_xlsx(&report, precision).map_err(|e| miette::miette!("{e}"))?,
    };
    super::deliver(
        args.output.as_deref(),
        &bytes,
        "规则对比.xlsx",
        matches!(format, DiffFormat::Xlsx),
    )?;
    Ok(ExitCode::SUCCESS)
}
