//! The command line's own words in Chinese: help headings, the help and version flags, and
//! clap's usage errors (an unknown command or option, a missing or invalid argument),
//! which clap writes in English.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

const TEMPLATE: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The command tree with Chinese headings and flags, every subcommand included.
pub fn localize(command: Command) -> Command {
    let command = command
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .global(true)
                .help("显示帮助"),
        );
    let command = if command.get_version().is_some() {
        command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本"),
        )
    } else {
        command
    };
    command
        .mut_args(headings())
        .mut_subcommands(|sub| sub.help_template(TEMPLATE).mut_args(headings()).disable_help_flag(true))
}

/// 参数 for positional arguments (kept in the order they are declared: with a heading of
/// their own, clap would sort them by name), 选项 for the rest.
fn headings() -> impl FnMut(Arg) -> Arg {
    let mut position = 0;
    move |a: Arg| {
        if a.is_positional() {
            position += 1;
            a.help_heading("参数").display_order(position)
        } else {
            a.help_heading("选项")
        }
    }
}

/// A usage error in Chinese, with what clap knows (the word, the suggestion, the values).
pub fn message(e: &clap::Error) -> String {
    let text = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join("、")),
        _ => None,
    };
    let invalid = text(ContextKind::InvalidArg)
        .or_else(|| text(ContextKind::InvalidSubcommand))
        .unwrap_or_default();
    let value = text(ContextKind::InvalidValue).unwrap_or_default();
    let suggestion = text(ContextKind::SuggestedSubcommand)
        .or_else(|| text(ContextKind::SuggestedArg))
        .or_else(|| text(ContextKind::SuggestedValue));
    let mut out = match e.kind() {
        ErrorKind::InvalidSubcommand => format!("没有 `{invalid}` 这个命令"),
        ErrorKind::UnknownArgument => format!("不认识的选项或参数 `{invalid}`"),
        ErrorKind::MissingRequiredArgument => format!("缺少参数：{invalid}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令：jixiao 后面要写一个命令，如 `jixiao eval 规则文件 数据文件`".to_owned()
        }
        ErrorKind::InvalidValue => {
            let valid = text(ContextKind::ValidValue)
                .map(|v| format!("；可以取：{v}"))
                .unwrap_or_default();
            format!("`{value}` 不是 {invalid} 可以取的值{valid}")
        }
        ErrorKind::ValueValidation => format!("{invalid} 的值 `{value}` 不对：{}", value_problem(e)),
        ErrorKind::ArgumentConflict => format!("{invalid} 不能与另一个选项同时使用"),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("{invalid} 的值的个数不对")
        }
        ErrorKind::NoEquals => format!("{invalid} 要写成 `{invalid}=值`"),
        ErrorKind::InvalidUtf8 => "参数不是 UTF-8 编码的文字".to_owned(),
        _ => format!("命令行有误：{}", source_text(e)),
    };
    if let Some(s) = suggestion {
        out.push_str(&format!("；是否指 `{s}`？"));
    }
    out.push_str("\n用 `jixiao --help` 查看用法，`jixiao 命令 --help` 查看这个命令的用法");
    out
}

/// Why a value was refused: the parser's own message (ours are Chinese), with the
/// standard library's and clap's range messages put into Chinese.
fn value_problem(e: &clap::Error) -> String {
    let Some(source) = std::error::Error::source(e).map(ToString::to_string) else {
        return source_text(e);
    };
    // clap's ranged integers: `0 is not in 1..=86400`.
    if let Some((_, range)) = source.split_once(" is not in ") {
        return match range.split_once("..=") {
            Some((low, high)) => format!("应为 {low} 到 {high} 之间的整数"),
            None => format!("应为不小于 {} 的整数", range.trim_end_matches('.')),
        };
    }
    match source.as_str() {
        "invalid digit found in string" | "cannot parse integer from empty string" => "应为整数".to_owned(),
        "number too large to fit in target type" | "number too small to fit in target type" => {
            "数太大或太小".to_owned()
        }
        _ => source,
    }
}

/// clap's own words for the rare kinds above, without its `error: ` prefix.
fn source_text(e: &clap::Error) -> String {
    let rendered = e.to_string();
    let first = rendered.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}
