//! The data arguments of `eval`, `audit` and `validate`: files, or `-` for standard input,
//! in the format their extension, `--data-format` or (for standard input) their content
//! says; and `-o -` for standard output.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use jixiao::model::Model;
use jixiao_io::batch::input::{self, FileError, InputFormat, Opened, StdinData, STDIN_NAME};

/// `--data-format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormatArg {
    /// TOML：一个单位
    Toml,
    /// JSON：一个单位
    Json,
    /// CSV：每行一个单位（UTF-8、GBK 或 UTF-16）
    Csv,
    /// Excel 工作簿（.xlsx、.xls、.ods）或交回的填报模板
    Xlsx,
}

impl From<DataFormatArg> for InputFormat {
    fn from(f: DataFormatArg) -> InputFormat {
        match f {
            DataFormatArg::Toml => InputFormat::Toml,
            DataFormatArg::Json => InputFormat::Json,
            DataFormatArg::Csv => InputFormat::Csv,
            DataFormatArg::Xlsx => InputFormat::Workbook,
        }
    }
}

/// Where one data argument's units come from.
pub enum Source {
    File(PathBuf),
    Stdin(StdinData),
}

/// Whether a path argument means standard input or output.
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Standard input is read once: two `-` are a usage error (exit 2), said here.
pub fn at_most_one_dash(paths: &[PathBuf]) -> Result<(), std::process::ExitCode> {
    if paths.iter().filter(|p| is_dash(p)).count() > 1 {
        eprintln!("错误：标准输入只能读一次：数据参数中只能有一个 -");
        return Err(std::process::ExitCode::from(2));
    }
    Ok(())
}

/// The data arguments as sources (at most one `-`, [`at_most_one_dash`]); `-` is read here (once: at most one `-`), its format
/// given or guessed, and a guess said on stderr (unless `--quiet`).
pub fn sources(paths: &[PathBuf], format: Option<InputFormat>) -> miette::Result<Vec<Source>> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        if !is_dash(path) {
            out.push(Source::File(path.clone()));
            continue;
        }
        let stdin = std::io::stdin();
        if stdin.is_terminal() && !crate::quiet() {
            eprintln!("正在从标准输入读取数据（输入完毕后按 Ctrl-D；Windows 上按 Ctrl-Z 再回车）……");
        }
        let data = input::read_stdin(stdin.lock(), format).map_err(|e| miette::miette!("{}", e.0))?;
        if data.guessed && !crate::quiet() {
            let what = match data.format {
                InputFormat::Workbook => "Excel 工作簿".to_owned(),
                f => format!("{} 格式", f.label()),
            };
            eprintln!("提示：{STDIN_NAME}的数据按 {what}读取（由内容判断；可用 --data-format 指明）");
        }
        out.push(Source::Stdin(data));
    }
    Ok(out)
}

impl Source {
    /// The name used in messages and reports (`标准输入` for `-`).
    pub fn name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Stdin(_) => STDIN_NAME.to_owned(),
        }
    }

    /// The format this source is read in: `--data-format`, else the extension (a file),
    /// else the one read or guessed (standard input); `None` for an unknown extension.
    pub fn format(&self, given: Option<InputFormat>) -> Option<InputFormat> {
        match self {
            Source::File(path) => given.or_else(|| InputFormat::from_path(&path.display().to_string())),
            Source::Stdin(data) => Some(data.format),
        }
    }

    /// A single TOML/JSON unit: its text format.
    pub fn document(&self, given: Option<InputFormat>) -> Option<jixiao::DataFormat> {
        match self.format(given)? {
            InputFormat::Toml => Some(jixiao::DataFormat::Toml),
            InputFormat::Json => Some(jixiao::DataFormat::Json),
            InputFormat::Csv | InputFormat::Workbook => None,
        }
    }

    /// A TOML/JSON unit's text (UTF-8, a BOM removed).
    pub fn text(&self) -> miette::Result<String> {
        match self {
            Source::File(path) => crate::read(path),
            Source::Stdin(data) => {
                let bytes = data.bytes().unwrap_or_default();
                let text = std::str::from_utf8(bytes).map_err(|e| {
                    miette::miette!(
                        "{STDIN_NAME}的数据不是 UTF-8 编码（第 {} 个字节处无效）",
                        e.valid_up_to() + 1
                    )
                })?;
                Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text).to_owned())
            }
        }
    }

    /// Opens the source for a batch, as `eval` reads files.
    pub fn open(
        self,
        model: &Model,
        sheet: Option<&str>,
        partial: bool,
        given: Option<InputFormat>,
    ) -> Result<Opened, FileError> {
        match self {
            Source::File(path) => input::open_path_as(model, &path, sheet, partial, given),
            Source::Stdin(data) => data.open(model, sheet, partial),
        }
    }
}

/// `-o -` is standard output: no file. Other paths as given.
pub fn output_file(output: Option<PathBuf>) -> Option<PathBuf> {
    output.filter(|p| !is_dash(p))
}

/// A workbook is not written to a terminal (into a pipe or a redirected file it is).
pub fn refuse_binary_on_terminal(example: &str) -> miette::Result<()> {
    if std::io::stdout().is_terminal() {
        return Err(miette::miette!(
            "XLSX 是二进制文件，不能输出到终端：请用 -o 指定输出文件，例如 -o {example}；\
             或把标准输出重定向到文件或管道（… > {example}）"
        ));
    }
    Ok(())
}
