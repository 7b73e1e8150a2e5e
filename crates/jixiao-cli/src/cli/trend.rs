//! `jixiao trend 2021结果.json 2022结果.json [--eval 规则.jx 数据…]… [--names 更名.csv]`:
//! the same units year by year, each year under its own rules and data.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgAction, Args, ValueEnum};

use jixiao_io::batch::input::open_path_with;
use jixiao_io::trend::{self, NameTable, YearResults};

#[derive(Args)]
pub struct TrendArgs {
    /// 各年度保存的评价结果（jixiao eval --format json 或 jsonl 写出的文件），每个文件一个年度
    #[arg(value_name = "结果文件")]
    pub results: Vec<PathBuf>,
    /// 现场评价一个年度：这一年度的规则文件和数据文件（可以多个、可以是目录），每个年度写一次，如 --eval rules/2022.jx 2022/单位.csv（写在结果文件之后）
    #[arg(long = "eval", num_args = 2.., value_names = ["规则文件", "数据"], action = ArgAction::Append)]
    pub eval_values: Vec<PathBuf>,
    /// `--eval`'s values, one list per time it is written ([`eval_groups`]): clap's derive
    /// flattens them.
    #[arg(skip)]
    pub eval: Vec<Vec<PathBuf>>,
    /// 单位更名对照表（CSV）：第一行写各年度（如 2021,2022），以下每行写同一单位在各年度的名称
    #[arg(long, value_name = "对照表")]
    pub names: Option<PathBuf>,
    /// 输出格式（不指定时按 -o 文件的扩展名推断，否则为 table）
    #[arg(long, value_enum, value_name = "格式")]
    pub format: Option<TrendFormat>,
    /// 输出文件（xlsx 输出到终端时必须指定）；- 表示标准输出
    #[arg(short = 'o', long = "output", value_name = "文件")]
    pub output: Option<PathBuf>,
    /// --eval 的数据：读取工作簿中的哪个工作表（默认第一个未隐藏的工作表）
    #[arg(long, value_name = "工作表")]
    pub sheet: Option<String>,
    /// --eval 的数据：部分评价，缺少数字的单位也评价能计算的部分（见 eval --partial）
    #[arg(long)]
    pub partial: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TrendFormat {
    Table,
    Json,
    Csv,
    Xlsx,
    Html,
}

/// Each `--eval`'s rule file and data, as written (from the subcommand's matches).
pub fn eval_groups(matches: &clap::ArgMatches) -> Vec<Vec<PathBuf>> {
    matches
        .get_occurrences::<PathBuf>("eval_values")
        .map(|all| all.map(|one| one.cloned().collect()).collect())
        .unwrap_or_default()
}

/// A path's file name, as reports name files.
fn name_of(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn saved(path: &Path) -> miette::Result<YearResults> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jx")) {
        return Err(miette::miette!(
            "{} 是规则文件：要按规则和数据现场评价一个年度，写 --eval {} 数据文件…",
            path.display(),
            path.display()
        ));
    }
    super::note_input(path);
    let file = std::fs::File::open(path).map_err(|e| {
        miette::miette!(
            "无法读取文件 {}：{}",
            path.display(),
            jixiao::diagnostics::io_message(&e)
        )
    })?;
    trend::read::read_results(&name_of(path), file).map_err(|e| miette::miette!("{e}"))
}

fn evaluated(group: &[PathBuf], sheet: Option<&str>, partial: bool) -> miette::Result<YearResults> {
    let (rules, data) = group
        .split_first()
        .ok_or_else(|| miette::miette!("--eval 后面要写规则文件和数据文件"))?;
    let compiled = crate::load_rules(rules)?;
    let model = &compiled.model;
    let paths = super::validate::data_files(data)?;
    let mut inputs = Vec::new();
    for path in &paths {
        inputs.push(open_path_with(model, path, sheet, partial).map_err(|e| miette::miette!("{}", e.0))?);
    }
    let names: Vec<String> = paths.iter().map(|p| name_of(p)).collect();
    let source = format!("{}：{}", name_of(rules), names.join("、"));
    trend::evaluated::evaluate_year(model, inputs, &source, partial).map_err(|e| miette::miette!("{}", e.0))
}

pub fn run(args: TrendArgs) -> miette::Result<ExitCode> {
    let mut years = Vec::new();
    for path in &args.results {
        years.push(saved(path)?);
    }
    for group in &args.eval {
        years.push(evaluated(group, args.sheet.as_deref(), args.partial)?);
    }
    let names = match &args.names {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                miette::miette!(
                    "无法读取文件 {}：{}",
                    path.display(),
                    jixiao::diagnostics::io_message(&e)
                )
            })?;
            super::note_input(path);
            Some(NameTable::read(&name_of(path), &bytes).map_err(|e| miette::miette!("{e}"))?)
        }
        None => None,
    };
    let report = trend::compare(years, names.as_ref()).map_err(|e| miette::miette!("{e}"))?;
    let format = args
        .format
        .unwrap_or(match super::output_extension(args.output.as_deref()).as_deref() {
            Some("json") => TrendFormat::Json,
            Some("csv") => TrendFormat::Csv,
            Some("xlsx") => TrendFormat::Xlsx,
            Some("html" | "htm") => TrendFormat::Html,
            _ => TrendFormat::Table,
        });
    let failed = |e: String| miette::miette!("{e}");
    let bytes = match format {
        TrendFormat::Table => trend::render::render_text(&report).into_bytes(),
        TrendFormat::Json => {
            (serde_json::to_string_pretty(&report).map_err(|e| failed(e.to_string()))? + "\n").into_bytes()
        }
        TrendFormat::Csv => {
            let text = trend::render::render_csv(&report).map_err(failed)?;
            // A file gets the BOM Excel needs to read UTF-8, as `eval -o x.csv` does.
            let bom = if args.output.is_some() { "\u{feff}" } else { "" };
            format!("{bom}{text}").into_bytes()
        }
        TrendFormat::Xlsx => trend::render::render_xlsx(&report).map_err(failed)?,
        TrendFormat::Html => trend::html::report(&report, &jixiao_cli::report_date()).into_bytes(),
    };
    super::deliver(
        args.output.as_deref(),
        &bytes,
        "逐年对比.xlsx",
        matches!(format, TrendFormat::Xlsx),
    )?;
    Ok(ExitCode::SUCCESS)
}
