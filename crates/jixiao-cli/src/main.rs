//! The `jixiao` command line: the only place that reads files and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use miette::Report;

mod cli;

use jixiao::diagnostics::{io_message, LoadError};

#[derive(Parser)]
#[command(name = "jixiao", version, about = "绩效：部门整体支出绩效评价规则引擎")]
struct Cli {
    /// 不显示规则文件的警告摘要等提示（错误照常显示）(quiet: no warning summary or notes)
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// `--quiet`: the notes on stderr (a rule file's warning count) are not printed.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Subcommand)]
enum Command {
    /// 按规则文件评价单位的数据：一个 TOML/JSON 文件，或 CSV/Excel 表中的每一行 (evaluate units)
    Eval(cli::eval::EvalArgs),
    /// 复核：重新计算单位的自评，列出报告中每一处不一致（即 eval --audit）(audit self-evaluations)
    Audit(cli::eval::EvalArgs),
    /// 检查规则文件：语法、名称、单位、分值、分档覆盖、得分范围 (check rule files)
    Check(cli::check::CheckArgs),
    /// 按标准格式排版规则文件 (format rule files)
    Fmt(cli::fmt::FmtArgs),
    /// 运行规则文件中的测试用例 (run the test cases in rule files)
    Test(cli::test::TestArgs),
    /// 显示合并“基于”之后的完整规则 (show the fully resolved rule set)
    Show(cli::show::ShowArgs),
    /// 比较两套规则：规则的变化，以及对每个单位得分和等级的影响 (diff two rule sets)
    Diff(cli::diff::DiffArgs),
    /// 逐年对比：同一批单位在两个或更多年度（各按当年的规则和数据）的总分、等级和一级指标得分率 (year over year)
    Trend(cli::trend::TrendArgs),
    /// 生成单位填报模板（Excel 工作簿或 TOML 骨架）(generate the fill-in template)
    Template(cli::template::TemplateArgs),
    /// 检查交回的填报模板和数据文件，一次列出全部问题 (validate returned data)
    Validate(cli::validate::ValidateArgs),
    /// 在本机启动评价工作台（网页和 JSON API）：规则、评价、对比、模板 (web workbench)
    #[cfg(feature = "serve")]
    Serve(cli::serve::ServeArgs),
    /// 启动语言服务器（LSP，供编辑器使用，经标准输入输出通信）(language server)
    Lsp(cli::lsp::LspArgs),
    /// 输出命令行补全脚本：bash、zsh、fish 或 powershell (shell completions)
    Completions(CompletionsArgs),
}

#[derive(clap::Args)]
struct CompletionsArgs {
    /// 哪种命令行
    #[arg(value_name = "命令行")]
    shell: clap_complete::Shell,
}

/// Rule files nest formulas; a generous stack keeps the recursive stages safe within
/// the parser's nesting and length limits.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    // Diagnostics wrap at the terminal's width on a terminal; into a pipe or a file they are
    // not wrapped at all, so no line (and no Chinese word) is broken for a program or a log.
    // They are drawn in Unicode (× ╭─) everywhere, as the documentation shows them: the
    // messages are Chinese, so whatever shows them shows Unicode (miette would fall back to
    // ASCII art off a terminal).
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .wrap_lines(on_terminal)
                .unicode(true)
                .build(),
        )
    }));
    let command = cli::usage::localize(<Cli as clap::CommandFactory>::command());
    let cli = match command.try_get_matches().and_then(|m| {
        let mut cli = <Cli as clap::FromArgMatches>::from_arg_matches(&m)?;
        if let (Command::Trend(args), Some(sub)) = (&mut cli.command, m.subcommand_matches("trend")) {
            args.eval = cli::trend::eval_groups(sub);
        }
        Ok(cli)
    }) {
        Ok(cli) => cli,
        // Help and version are printed as asked; anything else is a usage error (2).
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("错误：{}", cli::usage::message(&e));
            return ExitCode::from(2);
        }
    };
    // Ctrl-C, SIGTERM or SIGHUP in the middle of writing `-o`: remove the temporary file
    // rather than leave it beside the user's files. (The server handles its own signals.)
    // The language server ends when its editor says so (or closes its input).
    #[cfg(feature = "serve")]
    let serving = matches!(cli.command, Command::Serve(_) | Command::Lsp(_));
    #[cfg(not(feature = "serve"))]
    let serving = matches!(cli.command, Command::Lsp(_));
    if !serving {
        let _ = ctrlc::set_handler(|| {
            jixiao_io::batch::output::remove_unfinished_outputs();
            eprintln!("已中断，未写出结果。");
            std::process::exit(130);
        });
    }
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
    write_stdout_bytes(text.as_bytes())
}

/// [`write_stdout`] for any bytes (a workbook into a pipe).
fn write_stdout_bytes(bytes: &[u8]) -> miette::Result<()> {
    use std::io::Write;
    check_stdout()?;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("写出结果失败：{}", io_message(&e)))
        }
        _ => Ok(()),
    }
}

/// Whether the process started with standard output closed (`jixiao eval … >&-`).
/// Rust's runtime then opens `/dev/null` as fd 1 before `main`, so every write would
/// "succeed" into nothing; this is recorded from an ELF constructor, which runs first.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static RECORD_STDOUT: extern "C" fn() = record_stdout;

#[cfg(target_os = "linux")]
extern "C" fn record_stdout() {
    extern "C" {
        fn fcntl(fd: std::ffi::c_int, cmd: std::ffi::c_int, ...) -> std::ffi::c_int;
    }
    const F_GETFD: std::ffi::c_int = 1;
    // SAFETY: F_GETFD only asks whether fd 1 is open; it takes no pointers.
    let closed = unsafe { fcntl(1, F_GETFD) } == -1;
    STDOUT_CLOSED.store(closed, std::sync::atomic::Ordering::Relaxed);
}

/// An error when standard output was closed: the results would go nowhere.
fn check_stdout() -> miette::Result<()> {
    if STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(miette::miette!(
            "标准输出已关闭，结果无法写出（standard output is closed）：请用 -o 指定输出文件，或不要关闭标准输出"
        ));
    }
    Ok(())
}

/// Reads a UTF-8 file the run uses as input (so no `-o` may replace it).
fn read(path: &PathBuf) -> miette::Result<String> {
    cli::note_input(path);
    let bytes =
        std::fs::read(path).map_err(|e| miette::miette!("无法读取文件 {}：{}", path.display(), io_message(&e)))?;
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
    match jixiao::compile_with(&name, &text, &cli::file_loader) {
        // The warnings are `check`'s to show in full; a run that evaluates says how many
        // there are, once, and where to read them.
        Ok(compiled) => {
            let count = compiled.warnings.len();
            if count > 0 && !quiet() {
                eprintln!("提示：规则文件 {name} 有 {count} 个警告，不影响评价；用 `jixiao check {name}` 查看");
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
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Check(args) => cli::check::run(args),
        Command::Fmt(args) => cli::fmt::run(args),
        Command::Test(args) => cli::test::run(args),
        Command::Show(args) => cli::show::run(args),
        Command::Diff(args) => cli::diff::run(args),
        Command::Trend(args) => cli::trend::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => cli::serve::run(args),
        Command::Lsp(args) => cli::lsp::run(args),
        Command::Eval(args) => cli::eval::run(args),
        Command::Template(args) => cli::template::run(args),
        Command::Validate(args) => cli::validate::run(args),
        Command::Completions(args) => {
            // The script for `jixiao`, generated from the same definitions clap parses with,
            // into memory first: clap_complete panics on a failed write (a closed pipe).
            let mut command = cli::usage::localize(<Cli as clap::CommandFactory>::command());
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "jixiao", &mut script);
            write_stdout(&String::from_utf8_lossy(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(mut args) => {
            args.audit = true;
            cli::eval::run(args)
        }
    }
}
