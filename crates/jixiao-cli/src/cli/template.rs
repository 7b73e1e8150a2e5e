//! `jixiao template RULES -o 填报模板.xlsx`: the fill-in workbook units return
//! (or `--format toml`: a commented TOML skeleton for one unit).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use miette::Report;

use jixiao::DataFormat;
use jixiao_io::template::{self, Body, FormRole};

#[derive(Args)]
pub struct TemplateArgs {
    /// 规则文件 (.jx)
    #[arg(value_name = "规则文件")]
    pub rules: PathBuf,
    /// 输出文件：.xlsx（填报工作簿）或 .toml（单个单位的数据文件骨架）；- 表示标准输出
    #[arg(short = 'o', long = "output", value_name = "文件")]
    pub output: Option<PathBuf>,
    /// 格式（不指定时按 -o 文件的扩展名推断，默认 xlsx）
    #[arg(long, value_enum, value_name = "格式")]
    pub format: Option<TemplateFormat>,
    /// 每张目标清单表预留的行数
    #[arg(long, value_name = "N", default_value_t = template::DEFAULT_LIST_ROWS as u16,
          value_parser = clap::value_parser!(u16).range(1..=2000))]
    pub rows: u16,
    /// 用一个单位已有的数据（.toml 或 .json）预填模板，例如上年的数据或财政局已掌握的数
    #[arg(long, value_name = "数据文件")]
    pub fill: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    /// Excel 填报工作簿
    Xlsx,
    /// 带注释的 TOML 骨架（一个单位）
    Toml,
}

pub fn run(mut args: TemplateArgs) -> miette::Result<ExitCode> {
    args.output = super::data::output_file(args.output.take());
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => {
            let lower = path.display().to_string().to_lowercase();
            if lower.ends_with(".toml") {
                TemplateFormat::Toml
            } else if lower.ends_with(".xlsx") {
                TemplateFormat::Xlsx
            } else {
                return Err(miette::miette!(
                    "无法由输出文件 {} 的扩展名推断格式：请用 .xlsx 或 .toml 作扩展名，或用 --format 指定",
                    path.display()
                ));
            }
        }
        (None, None) => TemplateFormat::Xlsx,
    };
    if format == TemplateFormat::Xlsx && args.output.is_none() {
        super::data::refuse_binary_on_terminal("填报模板.xlsx")
            .map_err(|e| miette::miette!("{e}（或用 --format toml 输出 TOML 骨架）"))?;
    }
    let compiled = crate::load_rules(&args.rules)?;
    let model = &compiled.model;
    let mut form = template::describe(
        model,
        template::Options {
            list_rows: usize::from(args.rows),
        },
    );
    if let Some(path) = &args.fill {
        let name = path.display().to_string();
        let fmt = DataFormat::from_path(&name)
            .ok_or_else(|| miette::miette!("预填用的数据文件 {name} 应为 .toml 或 .json"))?;
        let text = crate::read(path)?;
        let record = jixiao::load_data(model, &name, &text, fmt).map_err(Report::new)?;
        for key in form.fill(model, &record) {
            eprintln!("警告：{name} 中的 `{key}` 在模板中没有对应的行，未预填");
        }
    }
    let bytes = match format {
        TemplateFormat::Xlsx => template::xlsx::write(&form).map_err(|m| miette::miette!("{m}"))?,
        TemplateFormat::Toml => template::skeleton::write(&form).into_bytes(),
    };
    match &args.output {
        None => crate::write_stdout_bytes(&bytes)?,
        Some(path) => {
            super::write_output(path, &bytes)?;
            match format {
                TemplateFormat::Xlsx => eprintln!("已生成 {}：{}", path.display(), summary(&form)),
                TemplateFormat::Toml => eprintln!("已生成 {}（单个单位的 TOML 数据文件骨架）", path.display()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `基础数据 92 项（必填 81 项）；绩效目标 40 行；自评 41 项；评审 3 项`.
fn summary(form: &template::Template) -> String {
    let mut parts = Vec::new();
    for sheet in &form.sheets {
        match &sheet.body {
            Body::Form { role, .. } => {
                let fields: Vec<_> = form.fields().filter(|(r, _)| r == role).map(|(_, f)| f).collect();
                let required = fields.iter().filter(|f| f.required).count();
                parts.push(match role {
                    FormRole::Stated => format!("{} {} 项（选填）", sheet.name, fields.len()),
                    _ => format!("{} {} 项（必填 {required} 项）", sheet.name, fields.len()),
                });
            }
            Body::List(l) => parts.push(format!("{} {} 行", sheet.name, l.rows)),
            Body::Guide(_) => {}
        }
    }
    parts.join("；")
}
