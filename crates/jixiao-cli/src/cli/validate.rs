//! `jixiao validate RULES FILES...`: reads returned templates (and any other data files)
//! and lists every problem — file, sheet, cell, item, value, what is expected, who fixes
//! it — without evaluating anything. A table on the terminal, or `-o 问题.xlsx` / `.csv`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use jixiao::data;
use jixiao::model::Model;
use jixiao_io::batch::input::{self, column_letters, FileKind, InputFormat, Item, RawRow};
use jixiao_io::template::read::{self, Problem, Severity};
use jixiao_io::template::Filler;

#[derive(Args)]
pub struct ValidateArgs {
    /// 规则文件 (.jx)
    #[arg(value_name = "规则文件")]
    pub rules: PathBuf,
    /// 交回的填报模板（.xlsx），或存放它们的目录；也可以是 CSV、Excel 表、TOML/JSON 数据文件
    #[arg(required = true, value_name = "数据文件")]
    pub data: Vec<PathBuf>,
    /// 输出格式（不指定时按 -o 文件的扩展名推断，否则为 table）
    #[arg(long, value_enum, value_name = "格式")]
    pub format: Option<ValidateFormat>,
    /// 把问题清单写入文件（.xlsx、.csv 或 .txt）
    #[arg(short = 'o', long = "output", value_name = "文件")]
    pub output: Option<PathBuf>,
    /// 读取普通工作簿（不是填报模板）中的哪个工作表（默认第一个未隐藏的工作表）
    #[arg(long, value_name = "工作表")]
    pub sheet: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// 终端表格
    Table,
    /// CSV：每个问题一行
    Csv,
    /// Excel 工作簿：每个问题一行（需要 -o）
    Xlsx,
}

/// Expands directories into the data files below them (sorted; Excel's `~$` lock files and
/// hidden files skipped); files named on the command line are kept as given.
pub fn data_files(paths: &[PathBuf]) -> miette::Result<Vec<PathBuf>> {
    let out = expand(paths)?;
    for path in &out {
        super::note_input(path);
    }
    Ok(out)
}

fn expand(paths: &[PathBuf]) -> miette::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = out.len();
            collect(path, &mut out)?;
            if out.len() == before {
                return Err(miette::miette!(
                    "目录 {} 中没有数据文件（.xlsx、.xls、.ods、.csv、.toml 或 .json）",
                    path.display()
                ));
            }
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> miette::Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        miette::miette!(
            "无法读取目录 {}：{}",
            dir.display(),
            jixiao::diagnostics::io_message(&e)
        )
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let file_name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file_name.starts_with("~$") || file_name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect(&p, out)?;
        } else if !file_name.to_lowercase().ends_with(".txt") && InputFormat::from_path(&file_name).is_some() {
            out.push(p);
        }
    }
    Ok(())
}

/// One file's outcome, for the summary.
struct Checked {
    file: String,
    unit: String,
    errors: usize,
    warnings: usize,
}

pub fn run(args: ValidateArgs) -> miette::Result<ExitCode> {
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => {
            let lower = path.display().to_string().to_lowercase();
            if lower.ends_with(".xlsx") {
                ValidateFormat::Xlsx
            } else if lower.ends_with(".csv") {
                ValidateFormat::Csv
            } else {
                ValidateFormat::Table
            }
        }
        (None, None) => ValidateFormat::Table,
    };
    if format == ValidateFormat::Xlsx && args.output.is_none() {
        return Err(miette::miette!(
            "XLSX 是二进制文件，不能输出到终端：请用 -o 指定输出文件，例如 -o 填报问题.xlsx"
        ));
    }
    let files = data_files(&args.data)?;
    let compiled = crate::load_rules(&args.rules)?;
    let model = &compiled.model;

    let mut problems: Vec<Problem> = Vec::new();
    let mut checked: Vec<Checked> = Vec::new();
    for path in &files {
        let name = path.display().to_string();
        let found = check_file(model, path, &name, args.sheet.as_deref());
        for (unit, list) in found {
            checked.push(Checked {
                file: name.clone(),
                unit,
                errors: list.iter().filter(|p| p.severity == Severity::Error).count(),
                warnings: list.iter().filter(|p| p.severity == Severity::Warning).count(),
            });
            problems.extend(list);
        }
    }

    let bytes = match format {
        ValidateFormat::Table => render_table(&problems).into_bytes(),
        ValidateFormat::Csv => render_csv(&problems, args.output.is_some())?,
        ValidateFormat::Xlsx => {
            jixiao_io::template::xlsx::problems_workbook(&problems).map_err(|m| miette::miette!("{m}"))?
        }
    };
    match &args.output {
        None => crate::write_stdout(&String::from_utf8_lossy(&bytes))?,
        Some(path) => {
            super::write_output(path, &bytes)?;
        }
    }

    for c in &checked {
        let unit = if c.unit.is_empty() {
            String::new()
        } else {
            format!("（{}）", c.unit)
        };
        match (c.errors, c.warnings) {
            (0, 0) => eprintln!("✓ {}{unit}：无误", c.file),
            (0, w) => eprintln!("✓ {}{unit}：无误，{w} 处提示", c.file),
            (e, 0) => eprintln!("✗ {}{unit}：{e} 处错误", c.file),
            (e, w) => eprintln!("✗ {}{unit}：{e} 处错误，{w} 处提示", c.file),
        }
    }
    let bad = checked.iter().filter(|c| c.errors > 0).count();
    let errors: usize = checked.iter().map(|c| c.errors).sum();
    let warnings: usize = checked.iter().map(|c| c.warnings).sum();
    eprintln!(
        "{} 个单位：{} 个无误，{bad} 个有错误（错误 {errors} 处，提示 {warnings} 处）",
        checked.len(),
        checked.len() - bad
    );
    if let Some(path) = &args.output {
        eprintln!("问题清单已写入 {}", path.display());
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every unit of one file with its problems. A file that cannot be read is one entry
/// with one error.
fn check_file(model: &Model, path: &Path, name: &str, sheet: Option<&str>) -> Vec<(String, Vec<Problem>)> {
    let file_error = |expected: String| {
        vec![(
            String::new(),
            vec![Problem {
                severity: Severity::Error,
                file: name.to_owned(),
                unit: String::new(),
                sheet: String::new(),
                cell: String::new(),
                label: String::new(),
                value: None,
                expected,
                filler: Filler::Unit,
            }],
        )]
    };
    // A file past the workbook bounds is not read here; `open_path` says why.
    let bounded = std::fs::metadata(path)
        .is_ok_and(|m| m.len() <= jixiao_io::batch::workbook::Limits::default().max_unzipped_bytes);
    if InputFormat::from_path(name) == Some(InputFormat::Workbook) && bounded {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return file_error(format!("无法读取文件：{}", input::io_message(&e))),
        };
        if let Some(returned) = read::read(model, name, &bytes) {
            return vec![(returned.unit.clone().unwrap_or_default(), returned.problems)];
        }
    }
    let mut opened = match input::open_path(model, path, sheet) {
        Ok(o) => o,
        Err(e) => return file_error(e.0),
    };
    let mut out = Vec::new();
    let warnings: Vec<Problem> = opened
        .warnings
        .iter()
        .map(|w| Problem {
            severity: Severity::Warning,
            file: name.to_owned(),
            unit: String::new(),
            sheet: String::new(),
            cell: String::new(),
            label: String::new(),
            value: None,
            expected: w.clone(),
            filler: Filler::Unit,
        })
        .collect();
    if !warnings.is_empty() {
        out.push((String::new(), warnings));
    }
    while let Some(item) = opened.next_item() {
        match item {
            Ok(Item::Row(row)) => out.push(row_problems(model, name, row)),
            Ok(Item::Blank(_)) => {}
            Err(e) => {
                out.extend(file_error(e.0));
                break;
            }
        }
    }
    // Every text line of a CSV file accounted for, as `eval` says it.
    if let Some(lines) = opened.line_summary() {
        eprintln!("{lines}");
    }
    out
}

/// Binds one row of an ordinary data file and places its problems.
fn row_problems(model: &Model, name: &str, row: RawRow) -> (String, Vec<Problem>) {
    let RawRow {
        origin,
        raw,
        mut problems,
        reported,
    } = row;
    let mut unit = String::new();
    if let Some(raw) = raw {
        match data::bind(model, &raw, &origin.label()) {
            Ok(record) => unit = record.unit,
            Err(e) => {
                if e.unit != "（未命名单位）" {
                    unit = e.unit;
                }
                problems.extend(
                    e.problems
                        .into_iter()
                        .filter(|p| !(p.location.is_none() && reported.contains(&p.field))),
                );
            }
        }
    }
    let sheet = match &origin.file.kind {
        FileKind::Sheet { name } => name.clone(),
        _ => String::new(),
    };
    let list = problems
        .into_iter()
        .map(|p| {
            let column = match p.location {
                Some((_, col)) => Some(col.saturating_sub(1)),
                None => origin.file.column_of(&p.field),
            };
            let cell = match (&origin.file.kind, column, p.location) {
                (FileKind::Sheet { .. }, Some(c), _) => {
                    format!("{}{}", column_letters(origin.file.first_col + c), origin.row)
                }
                (FileKind::Csv, Some(c), _) => origin.cell(c),
                (FileKind::Document, _, Some((l, c))) => format!("第 {l} 行第 {c} 列"),
                _ => origin.row_label(),
            };
            Problem {
                severity: Severity::Error,
                file: name.to_owned(),
                unit: unit.clone(),
                sheet: sheet.clone(),
                cell,
                label: p.field.clone(),
                value: p.value,
                expected: p.message,
                filler: if p.field.starts_with(data::REVIEW_KEYS[0]) {
                    Filler::Bureau
                } else {
                    Filler::Unit
                },
            }
        })
        .collect();
    (unit, list)
}

fn render_table(problems: &[Problem]) -> String {
    use comfy_table::{presets, ContentArrangement, Table};
    if problems.is_empty() {
        return "没有发现问题。\n".into();
    }
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(160)
        .set_header(["级别", "文件", "位置", "项目", "填写的值", "问题（应填写）", "由谁修改"]);
    for p in problems {
        let value: String = p.value.clone().unwrap_or_default().chars().take(40).collect();
        t.add_row([
            p.severity.label().to_owned(),
            p.file.clone(),
            p.place(),
            p.label.clone(),
            value,
            p.expected.clone(),
            p.filler.label().to_owned(),
        ]);
    }
    format!("{t}\n")
}

fn render_csv(problems: &[Problem], bom: bool) -> miette::Result<Vec<u8>> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{FEFF}".as_bytes());
    }
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| miette::miette!("写出 CSV 失败：{e}");
        w.write_record(Problem::COLUMNS).map_err(fail)?;
        for p in problems {
            // Values are what clerks typed: no cell may run as a formula in Excel.
            let fields = p.columns().map(|f| {
                if jixiao_io::batch::output::formula_like(&f) {
                    format!("'{f}")
                } else {
                    f
                }
            });
            w.write_record(fields).map_err(fail)?;
        }
        w.flush().map_err(|e| miette::miette!("写出 CSV 失败：{e}"))?;
    }
    Ok(out)
}
