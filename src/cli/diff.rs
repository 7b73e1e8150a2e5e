//! `jixiao diff OLD NEW [DATA...]`: what changed between two rule sets, and what the
//! change does to each unit.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use jixiao::batch::input::{open_path, Item};
use jixiao::diff::{self, UnitPair};
use jixiao::model::Model;
use jixiao::report::Evaluation;

#[derive(Args)]
pub struct DiffArgs {
    /// 原规则文件（如上一年度）
    pub old: PathBuf,
    /// 新规则文件
    pub new: PathBuf,
    /// 单位数据（可选，可以多个）：给出时比较每个单位在两套规则下的得分
    pub data: Vec<PathBuf>,
    /// 输出格式
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// 读取工作簿中的哪个工作表（默认第一个）
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Csv,
}

type Results = Vec<(usize, String, Result<Evaluation, String>)>;

fn evaluate_all(model: &Model, paths: &[PathBuf], sheet: Option<&str>) -> miette::Result<Results> {
    let mut out = Vec::new();
    for path in paths {
        let mut opened = open_path(model, path, sheet).map_err(|e| miette::miette!("{}", e.0))?;
        while let Some(item) = opened.next_item() {
            match item.map_err(|e| miette::miette!("{}", e.0))? {
                Item::Row(row) => {
                    let number = out.len() + 1;
                    let p = jixiao::batch::process(model, row, number, false);
                    out.push((number, p.unit, p.result.map(|d| d.evaluation)));
                }
                Item::Blank(_) => {}
            }
        }
    }
    Ok(out)
}

pub fn run(args: DiffArgs) -> miette::Result<ExitCode> {
    let old = crate::load_rules(&args.old)?;
    let new = crate::load_rules(&args.new)?;
    let sheet = args.sheet.as_deref();
    let before = evaluate_all(&old.model, &args.data, sheet)?;
    let after = evaluate_all(&new.model, &args.data, sheet)?;
    if before.len() != after.len() {
        return Err(miette::miette!(
            "两套规则读出的单位个数不同（{} 对 {}），无法逐个比较",
            before.len(),
            after.len()
        ));
    }
    let pairs = before
        .into_iter()
        .zip(after)
        .map(|((number, label, old), (_, _, new))| UnitPair {
            number,
            label,
            old,
            new,
        })
        .collect();
    let report = diff::report(&old.model, &new.model, pairs);
    let precision = new.model.score_precision;
    let text = match args.format {
        DiffFormat::Table => diff::render_text(&report, precision),
        DiffFormat::Json => serde_json::to_string_pretty(&report).map_err(|e| miette::miette!("{e}"))? + "\n",
        DiffFormat::Csv => diff::render_csv(&report, precision).map_err(|e| miette::miette!("{e}"))?,
    };
    crate::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
