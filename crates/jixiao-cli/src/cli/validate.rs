//! `jixiao validate RULES FILES...`: reads returned templates (and any other data files)
//! and lists every problem — file, sheet, cell, item, value, what is expected, who fixes
//! it — without evaluating anything. A table on the terminal, or `-o 问题.xlsx` / `.csv`.

use std::path::{Path, PathBuf};

use super::data::Source;
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
    /// 交回的填报模板（.xlsx），或存放它们的目录；也可以是 CSV、Excel 表、TOML/JSON 数据文件；
    /// - 表示从标准输入读取
    #[arg(required = true, value_name = "数据文件")]
    pub data: Vec<PathBuf>,
    /// 数据的格式（标准输入的格式无法由内容判断时用；也可覆盖文件的扩展名）
    #[arg(long, value_enum, value_name = "格式")]
    pub data_format: Option<super::data::DataFormatArg>,
    /// 输出格式（不指定时按 -o 文件的扩展名推断，否则为 table）
    #[arg(long, value_enum, value_name = "格式")]
    pub format: Option<ValidateFormat>,
    /// 把问题清单写入文件（.xlsx、.csv、.json 或 .txt）；- 表示标准输出
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
    /// JSON：{"version", "rules", "summary", "units", "findings"}（docs/schema/validate.schema.json）
    Json,
    /// CSV：每个问题一行
    Csv,
    /// Excel 工作簿：每个问题一行（需要 -o）
    Xlsx,
}

/// Expands directories into the data files below them (sorted; Excel's `~$` lock files and
/// hidden files skipped); files named on the command line are kept as given.
pub fn data_files(paths: &[PathBuf]) -> miette::Result<Vec<PathBuf>> {
    let out = expand(paths)?;
    for path in out.iter().filter(|p| !super::data::is_dash(p)) {
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

/// One unit's outcome, for the summary.
struct Checked {
    file: String,
    /// Where the unit was read: the file, or its row (`各单位.csv 第 3 行`).
    source: String,
    unit: String,
    errors: usize,
    warnings: usize,
}

/// What one file gave: its units with their problems, and the problems of the file itself
/// (a column the rule file does not know, a file that cannot be read), which are no unit's.
#[derive(Default)]
struct FileFindings {
    /// (unit, where it was read, its problems).
    units: Vec<(String, String, Vec<Problem>)>,
    file_level: Vec<Problem>,
    /// The file could not be read (wholly or from some row on).
    unreadable: bool,
}

pub fn run(mut args: ValidateArgs) -> miette::Result<ExitCode> {
    args.output = super::data::output_file(args.output.take());
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => {
            let lower = path.display().to_string().to_lowercase();
            if lower.ends_with(".xlsx") {
                ValidateFormat::Xlsx
            } else if lower.ends_with(".csv") {
                ValidateFormat::Csv
            } else if lower.ends_with(".json") {
                ValidateFormat::Json
            } else {
                ValidateFormat::Table
            }
        }
        (None, None) => ValidateFormat::Table,
    };
    if format == ValidateFormat::Xlsx && args.output.is_none() {
        super::data::refuse_binary_on_terminal("填报问题.xlsx")?;
    }
    let given = args.data_format.map(InputFormat::from);
    let files = data_files(&args.data)?;
    if let Err(code) = super::data::at_most_one_dash(&files) {
        return Ok(code);
    }
    let files = super::data::sources(&files, given)?;
    let compiled = crate::load_rules(&args.rules)?;
    let model = &compiled.model;

    let mut problems: Vec<Problem> = Vec::new();
    let mut checked: Vec<Checked> = Vec::new();
    let mut file_notes: Vec<(String, usize, usize, bool)> = Vec::new();
    // The lines on stderr, file by file: the file's own findings, then its units.
    let mut lines: Vec<String> = Vec::new();
    for source in files {
        let name = source.name();
        let found = check_file(model, source, &name, args.sheet.as_deref(), given);
        let count = |list: &[Problem], severity| list.iter().filter(|p| p.severity == severity).count();
        if !found.file_level.is_empty() {
            let note = (
                name.clone(),
                count(&found.file_level, Severity::Error),
                count(&found.file_level, Severity::Warning),
                found.unreadable,
            );
            lines.push(file_line(&note));
            file_notes.push(note);
        }
        problems.extend(found.file_level);
        for (unit, source, list) in found.units {
            let c = Checked {
                file: name.clone(),
                source,
                unit,
                errors: count(&list, Severity::Error),
                warnings: count(&list, Severity::Warning),
            };
            lines.push(unit_line(&c));
            checked.push(c);
            problems.extend(list);
        }
    }
    let summary = Summary::of(&checked, &problems, &file_notes);

    let bytes = match format {
        ValidateFormat::Table => render_table(&problems).into_bytes(),
        ValidateFormat::Csv => render_csv(&problems, args.output.is_some())?,
        ValidateFormat::Xlsx => {
            jixiao_io::template::xlsx::problems_workbook(&problems).map_err(|m| miette::miette!("{m}"))?
        }
        ValidateFormat::Json => render_json(model, &summary, &checked, &problems)?,
    };
    match &args.output {
        None => crate::write_stdout_bytes(&bytes)?,
        Some(path) => {
            super::write_output(path, &bytes)?;
        }
    }

    for line in &lines {
        eprintln!("{line}");
    }
    eprintln!("{}", summary.text());
    if let Some(path) = &args.output {
        eprintln!("问题清单已写入 {}", path.display());
    }
    Ok(if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `· 各单位.xlsx：文件本身 1 处提示（不属于某个单位）`.
fn file_line((file, errors, warnings, unreadable): &(String, usize, usize, bool)) -> String {
    let what = match (errors, warnings) {
        (0, w) => format!("{w} 处提示"),
        (e, 0) => format!("{e} 处错误"),
        (e, w) => format!("{e} 处错误，{w} 处提示"),
    };
    let mark = if *unreadable { "✗" } else { "·" };
    format!("{mark} {file}：文件本身 {what}（不属于某个单位）")
}

/// `✓ 甲.xlsx（甲单位）：无误`, `✗ 乙.xlsx（乙单位）：2 处错误`.
fn unit_line(c: &Checked) -> String {
    let unit = if c.unit.is_empty() {
        String::new()
    } else {
        format!("（{}）", c.unit)
    };
    match (c.errors, c.warnings) {
        (0, 0) => format!("✓ {}{unit}：无误", c.file),
        (0, w) => format!("✓ {}{unit}：无误，{w} 处提示", c.file),
        (e, 0) => format!("✗ {}{unit}：{e} 处错误", c.file),
        (e, w) => format!("✗ {}{unit}：{e} 处错误，{w} 处提示", c.file),
    }
}

/// The run's counts: units (rows, documents, returned templates — never a file's own
/// hint), and findings of every kind.
#[derive(serde::Serialize)]
struct Summary {
    units: usize,
    units_ok: usize,
    units_with_errors: usize,
    errors: usize,
    warnings: usize,
    files_unreadable: usize,
}

impl Summary {
    fn of(checked: &[Checked], problems: &[Problem], file_notes: &[(String, usize, usize, bool)]) -> Summary {
        let bad = checked.iter().filter(|c| c.errors > 0).count();
        Summary {
            units: checked.len(),
            units_ok: checked.len() - bad,
            units_with_errors: bad,
            errors: problems.iter().filter(|p| p.severity == Severity::Error).count(),
            warnings: problems.iter().filter(|p| p.severity == Severity::Warning).count(),
            files_unreadable: file_notes.iter().filter(|f| f.3).count(),
        }
    }

    /// `7 个单位：6 个无误，1 个有错误（错误 1 处，提示 1 处）`.
    fn text(&self) -> String {
        let mut out = format!(
            "{} 个单位：{} 个无误，{} 个有错误（错误 {} 处，提示 {} 处）",
            self.units, self.units_ok, self.units_with_errors, self.errors, self.warnings
        );
        if self.files_unreadable > 0 {
            out.push_str(&format!("；{} 个文件无法读取", self.files_unreadable));
        }
        out
    }
}

/// A problem at its cell, the way a program reads it.
fn problem_at(file: &str, expected: String, severity: Severity) -> Problem {
    Problem {
        severity,
        file: file.to_owned(),
        unit: String::new(),
        sheet: String::new(),
        cell: String::new(),
        row: None,
        column: None,
        label: String::new(),
        value: None,
        expected,
        filler: Filler::Unit,
    }
}

/// Every unit of one file with its problems, and the file's own.
fn check_file(
    model: &Model,
    source: Source,
    name: &str,
    sheet: Option<&str>,
    given: Option<InputFormat>,
) -> FileFindings {
    let unreadable = |expected: String| FileFindings {
        units: Vec::new(),
        file_level: vec![problem_at(name, expected, Severity::Error)],
        unreadable: true,
    };
    // A returned template is read by the template reader, whose problems are at its cells.
    let returned = match &source {
        Source::Stdin(data) => data.bytes().and_then(|bytes| {
            (data.format == InputFormat::Workbook)
                .then(|| read::read(model, name, bytes))
                .flatten()
        }),
        // A file past the workbook bounds is not read here; `open_path` says why.
        Source::File(path) => {
            let bounded = std::fs::metadata(path)
                .is_ok_and(|m| m.len() <= jixiao_io::batch::workbook::Limits::default().max_unzipped_bytes);
            if source.format(given) == Some(InputFormat::Workbook) && bounded {
                match std::fs::read(path) {
                    Ok(bytes) => read::read(model, name, &bytes),
                    Err(e) => return unreadable(format!("无法读取文件：{}", input::io_message(&e))),
                }
            } else {
                None
            }
        }
    };
    if let Some(returned) = returned {
        return FileFindings {
            units: vec![(
                returned.unit.clone().unwrap_or_default(),
                name.to_owned(),
                returned.problems,
            )],
            ..FileFindings::default()
        };
    }
    let mut opened = match source.open(model, sheet, false, given) {
        Ok(o) => o,
        Err(e) => return unreadable(e.0),
    };
    let mut found = FileFindings {
        file_level: opened
            .warnings
            .iter()
            .map(|w| problem_at(name, w.clone(), Severity::Warning))
            .collect(),
        ..FileFindings::default()
    };
    while let Some(item) = opened.next_item() {
        match item {
            Ok(Item::Row(row)) => found.units.push(row_problems(model, name, row)),
            Ok(Item::Blank(_)) => {}
            Err(e) => {
                found.file_level.push(problem_at(name, e.0, Severity::Error));
                found.unreadable = true;
                break;
            }
        }
    }
    // Every text line of a CSV file accounted for, as `eval` says it.
    if let Some(lines) = opened.line_summary() {
        eprintln!("{lines}");
    }
    found
}

/// Binds one row of an ordinary data file and places its problems.
fn row_problems(model: &Model, name: &str, row: RawRow) -> (String, String, Vec<Problem>) {
    let RawRow {
        origin,
        raw,
        mut problems,
        reported,
    } = row;
    let mut unit = String::new();
    if let Some(raw) = raw {
        let bind = match origin.file.kind {
            FileKind::Document => data::bind_with,
            FileKind::Csv | FileKind::Sheet { .. } | FileKind::Template => data::bind_cells,
        };
        match bind(model, &raw, &origin.label(), data::BindOptions::default()) {
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
            let letters = |c: usize| column_letters(origin.file.first_col + c);
            let (cell, row, column) = match (&origin.file.kind, column, p.location) {
                (FileKind::Sheet { .. }, Some(c), _) => (
                    format!("{}{}", letters(c), origin.row),
                    Some(origin.row),
                    Some(letters(c)),
                ),
                (FileKind::Csv, Some(c), _) => (origin.cell(c), Some(origin.row), Some(letters(c))),
                (FileKind::Document, _, Some((l, c))) => (format!("第 {l} 行第 {c} 列"), Some(l), Some(c.to_string())),
                (FileKind::Document, _, None) => (String::new(), None, None),
                _ => (origin.row_label(), Some(origin.row), None),
            };
            Problem {
                severity: Severity::Error,
                file: name.to_owned(),
                unit: unit.clone(),
                sheet: sheet.clone(),
                cell,
                row,
                column,
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
    (unit, origin.label(), list)
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

/// One finding as JSON (docs/schema/validate.schema.json).
#[derive(serde::Serialize)]
struct Finding<'a> {
    severity: &'static str,
    file: &'a str,
    unit: &'a str,
    sheet: Option<&'a str>,
    cell: Option<&'a str>,
    row: Option<usize>,
    column: Option<&'a str>,
    place: String,
    field: Option<&'a str>,
    value: Option<&'a str>,
    message: &'a str,
    filler: &'static str,
}

#[derive(serde::Serialize)]
struct UnitChecked<'a> {
    file: &'a str,
    source: &'a str,
    unit: &'a str,
    errors: usize,
    warnings: usize,
}

#[derive(serde::Serialize)]
struct ValidateJson<'a> {
    version: u32,
    rules: jixiao_io::batch::output::RulesRef<'a>,
    summary: &'a Summary,
    units: Vec<UnitChecked<'a>>,
    findings: Vec<Finding<'a>>,
}

/// An empty text as `null`.
fn text(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn render_json(model: &Model, summary: &Summary, checked: &[Checked], problems: &[Problem]) -> miette::Result<Vec<u8>> {
    let findings = problems
        .iter()
        .map(|p| Finding {
            severity: p.severity.label(),
            file: &p.file,
            unit: &p.unit,
            sheet: text(&p.sheet),
            cell: text(&p.cell),
            row: p.row,
            column: p.column.as_deref(),
            place: p.place(),
            field: text(&p.label),
            value: p.value.as_deref(),
            message: &p.expected,
            filler: p.filler.label(),
        })
        .collect();
    let report = ValidateJson {
        version: jixiao::JSON_VERSION,
        rules: jixiao_io::batch::output::RulesRef::of(model),
        summary,
        units: checked
            .iter()
            .map(|c| UnitChecked {
                file: &c.file,
                source: &c.source,
                unit: &c.unit,
                errors: c.errors,
                warnings: c.warnings,
            })
            .collect(),
        findings,
    };
    let mut out = serde_json::to_vec_pretty(&report).map_err(|e| miette::miette!("无法生成 JSON：{e}"))?;
    out.push(b'\n');
    Ok(out)
}
