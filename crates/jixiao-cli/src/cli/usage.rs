//! The command line's own words in Chinese: help headings, placeholders, possible values and
//! defaults, the help and version flags, and clap's usage errors (an unknown command or
//! option, a missing or invalid argument), which clap writes in English.
//!
//! There is no English help: every message jixiao prints is Chinese, and half-English help
//! (clap's headings around Chinese descriptions) would help no one; each command's one-line
//! description ends with a short English gloss for a developer finding their way.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// The command tree with Chinese headings, placeholders and flags, every subcommand
/// included: clap writes `Usage:`, `[OPTIONS]`, `Possible values:`, `[default: …]` and
/// `[possible values: …]` in English, so those are hidden and said here in Chinese.
pub fn localize(command: Command) -> Command {
    let command = command
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
    let mut command = command
        .mut_args(chinese_arg())
        .mut_subcommands(|sub| sub.mut_args(chinese_arg()).disable_help_flag(true));
    // The usage line is known only once the tree is built (a subcommand's names its parent).
    command.build();
    with_usage_and_template(command)
}

/// Positional arguments keep the order they are declared in; an argument's possible values
/// and default are said in Chinese after its help.
fn chinese_arg() -> impl FnMut(Arg) -> Arg {
    let mut position = 0;
    move |a: Arg| {
        let a = if a.is_positional() {
            position += 1;
            a.display_order(position)
        } else {
            a
        };
        values_in_chinese(a)
    }
}

/// `（可以取：a、b；默认：a）` after the short help; with per-value help, the long help lists
/// each value on a line of its own.
fn values_in_chinese(a: Arg) -> Arg {
    if !a.get_action().takes_values() {
        return a;
    }
    let values: Vec<_> = a
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    let default: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if values.is_empty() && default.is_empty() {
        return a;
    }
    let help = a.get_help().map(ToString::to_string).unwrap_or_default();
    let mut notes = Vec::new();
    if !values.is_empty() && !a.is_hide_possible_values_set() {
        let names: Vec<&str> = values.iter().map(|v| v.get_name()).collect();
        notes.push(format!("可以取：{}", names.join("、")));
    }
    if !default.is_empty() && !a.is_hide_default_value_set() {
        notes.push(format!("默认：{}", default.join("、")));
    }
    let short = if notes.is_empty() {
        help.clone()
    } else {
        format!("{help}（{}）", notes.join("；"))
    };
    let a = a
        .hide_possible_values(true)
        .hide_default_value(true)
        .help(short.clone());
    if values.iter().all(|v| v.get_help().is_none()) {
        return a;
    }
    let width = values.iter().map(|v| v.get_name().len()).max().unwrap_or(0);
    let mut long = format!("{help}\n\n可以取：");
    for v in &values {
        let text = v.get_help().map(ToString::to_string).unwrap_or_default();
        long.push_str(&format!("\n  {:width$}  {text}", v.get_name()));
    }
    if !default.is_empty() {
        long.push_str(&format!("\n默认：{}", default.join("、")));
    }
    a.long_help(long)
}

/// Every command's help in Chinese: `用法：` with `[选项]` for clap's `[OPTIONS]`, and the
/// headings 命令、参数、选项 with the full-width colon of the rest of the text.
fn with_usage_and_template(mut command: Command) -> Command {
    let usage = command.render_usage().to_string();
    let usage = usage
        .split_once(": ")
        .map_or(usage.as_str(), |(_, u)| u)
        .replace("[OPTIONS]", "[选项]");
    let mut template = String::from("{before-help}{about-with-newline}\n用法：{usage}\n");
    if command.has_subcommands() {
        template.push_str("\n命令：\n{subcommands}\n");
    }
    if command.get_positionals().next().is_some() {
        template.push_str("\n参数：\n{positionals}\n");
    }
    template.push_str("\n选项：\n{options}{after-help}");
    let subcommands: Vec<Command> = command
        .get_subcommands_mut()
        .map(|sub| with_usage_and_template(std::mem::take(sub)))
        .collect();
    for (slot, sub) in command.get_subcommands_mut().zip(subcommands) {
        *slot = sub;
    }
    command.override_usage(usage).help_template(template)
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
