//! `jixiao eval RULES DATA...`: one unit (TOML/JSON, printed as the 评分表 or JSON, as
//! it always was) or many (CSV and workbooks, several files concatenated), written as
//! table, JSON, JSON Lines, CSV, XLSX or HTML to stdout or `-o FILE`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Report};

use super::data::{self, Source};
use jixiao::model::Model;
use jixiao::DataFormat;
use jixiao_io::batch::input::InputFormat;
use jixiao_io::batch::{self, BatchError, Destination, OutputFormat};

#[derive(Args)]
pub struct EvalArgs {
    /// 规则文件 (.jx)
    #[arg(value_name = "规则文件")]
    pub rules: PathBuf,
    /// 单位数据文件，可以给多个（按顺序合并）：.toml / .json 每个文件一个单位；
    /// .csv（UTF-8 或 GBK）、.xlsx / .xls / .ods 每行一个单位；- 表示从标准输入读取
    #[arg(required = true, value_name = "数据文件")]
    pub data: Vec<PathBuf>,
    /// 数据的格式（标准输入的格式无法由内容判断时用；也可覆盖文件的扩展名）
    #[arg(long, value_enum, value_name = "格式")]
    pub data_format: Option<super::data::DataFormatArg>,
    /// 输出格式（不指定时按 -o 文件的扩展名推断，否则为 table）
    #[arg(long, value_enum, value_name = "格式")]
    pub format: Option<Format>,
    /// 输出文件（先写入同一目录下的临时文件，成功后才改名为此文件）；- 表示标准输出；
    /// HTML 报告也可以写成 目录/（汇总.html 和每个单位一个文件）或 .zip（同样的文件打包）
    #[arg(short = 'o', long = "output", value_name = "文件")]
    pub output: Option<PathBuf>,
    /// 读取工作簿中的哪个工作表（默认第一个未隐藏的工作表）
    #[arg(long, value_name = "工作表")]
    pub sheet: Option<String>,
    /// 并行评价的线程数（默认为 CPU 核数）；输出顺序总与输入相同
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// 有单位出错或总分不完整时以非零状态退出（默认这些单位在输出中标为“错误”或“不完整”，退出状态仍为 0）
    #[arg(long)]
    pub strict: bool,
    /// 部分评价：缺少或无法读取的数字不再使整个单位报错；需要它们的指标记为“无法计算（缺少 …）”，总分标为“不完整”（partial evaluation）
    #[arg(long)]
    pub partial: bool,
    /// 逐项说明公式、代入值、适用的评分标准和得分
    #[arg(long)]
    pub explain: bool,
    /// 复核：把单位自报的数值、自评得分和等级与复核计算逐项比对，列出复核意见
    #[arg(long)]
    pub audit: bool,
    /// CSV 输出的列，按给出的顺序，用逗号分隔：输入、计算值或有公式的指标的名称（按“显示”舍入），
    /// 勾稽关系的名称（通过/不通过），`指标名得分`，以及 序号、来源、单位名称、状态、错误原因、总分、等级 等
    #[arg(long, value_name = "列名,…", value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// CSV 输出中以 = + - @ 开头的文字原样写出，不加防公式的 ' 前缀（供程序读取；用 Excel 打开前请勿使用）
    #[arg(long)]
    pub csv_raw: bool,
    /// 不走 CSV 直通的快速路径（结果相同；用于测试和性能对比）
    #[arg(long, hide = true)]
    pub no_fast_path: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// 终端表格（一个单位时为完整评分表）
    Table,
    /// JSON（一个单位时为它的评价结果；多个单位时为 {"version", "rules", "units": [...]}）
    Json,
    /// JSON Lines：每个单位一行
    Jsonl,
    /// CSV：每个单位一行
    Csv,
    /// Excel 工作簿：评价结果、汇总、评分说明（需要 -o）
    Xlsx,
    /// 可打印的 HTML 报告：汇总和每个单位的评价表（A4）；超过 200 个单位时请用 -o 目录/ 或 -o 文件.zip
    Html,
}

impl Format {
    fn output(self) -> OutputFormat {
        match self {
            Format::Table => OutputFormat::Table,
            Format::Json => OutputFormat::Json,
            Format::Jsonl => OutputFormat::Jsonl,
            Format::Csv => OutputFormat::Csv,
            Format::Xlsx => OutputFormat::Xlsx,
            Format::Html => OutputFormat::Html,
        }
    }
}

pub fn run(mut args: EvalArgs) -> miette::Result<ExitCode> {
    // A folder stands for the data files in it (e.g. the returned templates).
    args.data = super::validate::data_files(&args.data)?;
    args.output = data::output_file(args.output.take());
    let report_set = report_set_target(&args)?;
    let format = match report_set {
        Some(_) => OutputFormat::Html,
        None => output_format(&args)?,
    };
    if format == OutputFormat::Xlsx && args.output.is_none() {
        data::refuse_binary_on_terminal("评价结果.xlsx")?;
    }
    if let Err(code) = data::at_most_one_dash(&args.data) {
        return Ok(code);
    }
    let given = args.data_format.map(InputFormat::from);
    let mut sources = data::sources(&args.data, given)?;
    if let [source] = sources.as_slice() {
        if let Some(document) = source.document(given) {
            if matches!(format, OutputFormat::Table | OutputFormat::Json) {
                return single_unit(&args, format, source, document);
            }
        }
    }
    let compiled = crate::load_rules(&args.rules)?;
    let model = &compiled.model;

    let inputs = match open_inputs(model, &args, std::mem::take(&mut sources)) {
        Ok(inputs) => inputs,
        Err(code) => return Ok(code),
    };
    let options = match batch_options(model, &args, format) {
        Ok(options) => options,
        Err(code) => return Ok(code),
    };
    if let Some(target) = report_set {
        let tally = match write_report_set(model, inputs, &options, &target) {
            Ok(tally) => tally,
            Err(message) => {
                eprintln!("错误：{message}");
                eprintln!("未写出结果。");
                return Ok(ExitCode::from(1));
            }
        };
        return Ok(report_tally(&args, &tally));
    }
    let mut destination = match &args.output {
        Some(path) => Destination::file(path, &super::inputs()).map_err(|m| miette::miette!("{m}"))?,
        None => {
            crate::check_stdout()?;
            Destination::stdout()
        }
    };
    let tally = match batch::run(model, inputs, &options, destination.writer()) {
        Ok(tally) => tally,
        // A reader that went away (`| head`) is not an error.
        Err(BatchError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("错误：{e}");
            eprintln!("未写出结果。");
            return Ok(ExitCode::from(1));
        }
    };
    destination.commit().map_err(|m| miette::miette!("{m}"))?;
    Ok(report_tally(&args, &tally))
}

/// Where a report set goes: `-o 目录/` (or an existing folder) or `-o 文件.zip`.
enum ReportSet {
    Folder(PathBuf),
    Zip(PathBuf),
}

/// A report set asked for by `-o`: a path ending in `/` or naming a folder, or a `.zip`;
/// only HTML reports come as a set.
fn report_set_target(args: &EvalArgs) -> miette::Result<Option<ReportSet>> {
    let Some(path) = &args.output else { return Ok(None) };
    let text = path.as_os_str().to_string_lossy();
    let folder = text.ends_with(std::path::is_separator) || path.is_dir();
    let zip = !folder
        && path
            .extension()
            .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("zip"));
    if !folder && !zip {
        return Ok(None);
    }
    if args.format.is_some_and(|f| f != Format::Html) {
        if folder {
            // Another format into a folder: the output file's own message (是一个目录).
            return Ok(None);
        }
        return Err(miette::miette!(
            ".zip 输出只用于 HTML 报告（汇总.html 和每个单位一个文件）：请去掉 --format 或用 --format html；其他格式请用 -o 指定一个文件，例如 -o 评价结果.xlsx"
        ));
    }
    Ok(Some(if folder {
        ReportSet::Folder(path.clone())
    } else {
        ReportSet::Zip(path.clone())
    }))
}

/// Writes the summary and each unit's report into the folder or zip; a failed run leaves
/// neither.
fn write_report_set(
    model: &Model,
    inputs: Vec<batch::input::Opened>,
    options: &batch::Options,
    target: &ReportSet,
) -> Result<batch::Tally, String> {
    match target {
        ReportSet::Folder(path) => {
            let mut files = batch::html::FolderFiles::create(path)?;
            let tally = batch::run_reports(model, inputs, options, &mut files).map_err(|e| e.to_string())?;
            files.commit();
            Ok(tally)
        }
        ReportSet::Zip(path) => {
            let mut destination = Destination::file(path, &super::inputs())?;
            let mut files = batch::html::ZipFiles::new(destination.writer());
            let tally = batch::run_reports(model, inputs, options, &mut files).map_err(|e| e.to_string())?;
            files
                .finish()
                .map_err(|e| format!("写出 {} 失败：{e}", path.display()))?;
            destination.commit()?;
            Ok(tally)
        }
    }
}

/// The output format: `--format`, else inferred from the `-o` file's extension, else table.
fn output_format(args: &EvalArgs) -> miette::Result<OutputFormat> {
    Ok(match (args.format, &args.output) {
        (Some(f), _) => f.output(),
        (None, Some(path)) => OutputFormat::from_path(path).ok_or_else(|| {
            miette::miette!(
                "无法由输出文件 {} 的扩展名推断输出格式：请用 --format 指定（table、json、jsonl、csv、xlsx、html），或用 .txt、.json、.jsonl、.csv、.xlsx、.html 作扩展名",
                path.display()
            )
        })?,
        (None, None) => OutputFormat::Table,
    })
}

/// Opens every input and checks its header before any unit is evaluated; on any failure,
/// prints them all and gives the exit code.
fn open_inputs(model: &Model, args: &EvalArgs, sources: Vec<Source>) -> Result<Vec<batch::input::Opened>, ExitCode> {
    let mut inputs = Vec::with_capacity(sources.len());
    let mut failures = Vec::new();
    let given = args.data_format.map(InputFormat::from);
    for source in sources {
        match source.open(model, args.sheet.as_deref(), args.partial, given) {
            Ok(opened) => {
                for w in &opened.warnings {
                    eprintln!("警告：{w}");
                }
                inputs.push(opened);
            }
            Err(e) => failures.push(e.0),
        }
    }
    if !failures.is_empty() {
        // Plain lines, not a wrapped diagnostic: a clerk may copy a column name from here.
        for f in &failures {
            eprintln!("错误：{f}");
        }
        eprintln!("没有评价任何单位。");
        return Err(ExitCode::from(1));
    }
    Ok(inputs)
}

/// The batch options from the arguments, `--columns` resolved against the rule file; on a
/// misuse or an unknown column, prints why and gives the exit code.
fn batch_options(model: &Model, args: &EvalArgs, format: OutputFormat) -> Result<batch::Options, ExitCode> {
    let jobs = match args.jobs {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let options = batch::Options {
        format,
        explain: args.explain,
        jobs,
        progress: std::io::stderr().is_terminal(),
        bom: format == OutputFormat::Csv && args.output.is_some(),
        audit: args.audit,
        partial: args.partial,
        columns: None,
        fast_path: !args.no_fast_path,
        csv_raw: args.csv_raw,
        date: (format == OutputFormat::Html).then(jixiao_cli::report_date),
    };
    match &args.columns {
        None => Ok(options),
        Some(_) if format != OutputFormat::Csv => {
            eprintln!("错误：--columns 只用于 CSV 输出（--format csv 或 -o 文件.csv）");
            Err(ExitCode::from(2))
        }
        Some(names) => {
            // `，` (a full-width comma) separates names too.
            let names: Vec<String> = names
                .iter()
                .flat_map(|n| n.split('，'))
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
            // A plain line, not a wrapped diagnostic: the column names can be copied from it.
            let columns = match batch::output::resolve_columns(model, &names, &options) {
                Ok(columns) => columns,
                Err(m) => {
                    eprintln!("错误：{m}");
                    eprintln!("没有评价任何单位。");
                    return Err(ExitCode::from(1));
                }
            };
            if args.explain && !columns.contains(&batch::output::Column::Explanation) {
                // The explanations live in that column: without it --explain would be lost.
                eprintln!(
                    "错误：--explain 的说明写在 CSV 的「评分说明」列中，而 --columns 没有列出它：请在 --columns 中加上 评分说明，或去掉 --explain"
                );
                return Err(ExitCode::from(2));
            }
            Ok(batch::Options {
                columns: Some(columns),
                ..options
            })
        }
    }
}

/// After the output is written: the warnings, errors, incomplete units and summary on
/// stderr, and the exit code they call for.
fn report_tally(args: &EvalArgs, tally: &batch::Tally) -> ExitCode {
    for w in &tally.warnings {
        eprintln!("警告：{w}");
    }
    for (origin, unit, reason) in &tally.errors {
        eprintln!("错误：{}（{unit}）：{reason}", origin.label());
    }
    for (origin, unit, why) in &tally.incomplete {
        eprintln!("不完整：{}（{unit}）：{why}", origin.label());
    }
    if tally.error_count > tally.errors.len() {
        eprintln!(
            "……其余 {} 个错误见输出中状态为“错误”的行",
            tally.error_count - tally.errors.len()
        );
    }
    eprintln!("{}", tally.summary());
    for lines in &tally.text_lines {
        eprintln!("{lines}");
    }
    if args.audit {
        eprintln!("{}", tally.audit_summary());
    }
    if let Some(path) = &args.output {
        eprintln!("结果已写入 {}", path.display());
    }
    if tally.units == 0 {
        eprintln!("错误：输入中没有任何单位（只有表头或空行）");
        return ExitCode::from(1);
    }
    if args.strict && (tally.error_count > 0 || tally.incomplete_count > 0) {
        return ExitCode::from(super::EXIT_STRICT);
    }
    ExitCode::SUCCESS
}

/// One TOML/JSON unit as the 评分表 or a JSON object: a data or evaluation error stops
/// the command with the full diagnostic.
fn single_unit(args: &EvalArgs, format: OutputFormat, source: &Source, fmt: DataFormat) -> miette::Result<ExitCode> {
    let compiled = crate::load_rules(&args.rules)?;
    let name = source.name();
    let text = source.text()?;
    let options = jixiao::data::BindOptions { partial: args.partial };
    let record = jixiao::load_data_with(&compiled.model, &name, &text, fmt, options).map_err(Report::new)?;
    for key in jixiao::data::dedup_keys(&record.unknown_keys) {
        eprintln!("警告：{name} 中的字段 `{key}` 不是规则文件声明的输入，已忽略");
    }
    let ev = jixiao::evaluate(&compiled.model, &record, args.explain).map_err(|e| Report::new(*e))?;
    let mut text = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&ev).into_diagnostic()?,
        _ => {
            let mut t = jixiao_io::text::render_table(&ev);
            if args.explain {
                t.push_str(&jixiao_io::text::render_explain(&ev));
            }
            if args.audit {
                t.push_str(&jixiao_io::text::render_audit(&ev));
            }
            t.push_str(&jixiao_io::text::render_provenance(&ev));
            t
        }
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match &args.output {
        None => crate::write_stdout(&text)?,
        Some(path) => super::write_output(path, text.as_bytes())?,
    }
    if let Some(note) = ev.scoring.as_ref().filter(|_| !ev.complete) {
        eprintln!("注意：{}", note.text);
        if args.strict {
            return Ok(ExitCode::from(super::EXIT_STRICT));
        }
    }
    Ok(ExitCode::SUCCESS)
}
