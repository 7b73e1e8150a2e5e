//! Text → [`crate::ast::RuleSet`]. The only module that knows pest.

mod expected;
mod expr;
mod grammar;
mod lower;

use pest::error::{ErrorVariant, InputLocation};
use pest::Parser;

use crate::ast::RuleSet;
use crate::diagnostics::SyntaxError;
use crate::source::{SourceFile, Span};
use grammar::{Rule, RulesParser};

/// Parses a whole rule file. Returns the first syntax error (pest stops there).
pub fn parse(source: &SourceFile) -> Result<RuleSet, Box<SyntaxError>> {
    check_nesting(source)?;
    let mut pairs = RulesParser::parse(Rule::file, &source.text).map_err(|e| convert_error(source, e))?;
    let file = pairs.next().ok_or_else(|| {
        Box::new(SyntaxError::new(
            source,
            Span::default(),
            "空的规则文件".into(),
            "".into(),
            None,
        ))
    })?;
    lower::Lowerer { source }.lower_file(file)
}

fn convert_error(source: &SourceFile, err: pest::error::Error<Rule>) -> Box<SyntaxError> {
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let found = found_token(&source.text, start);
    let (message, help) = match &err.variant {
        ErrorVariant::ParsingError { positives, negatives } => {
            let mut words: Vec<&str> = positives.iter().filter_map(|r| expected::describe(*r)).collect();
            words.sort_unstable();
            words.dedup();
            let is_keyword =
                !found.is_empty() && RulesParser::parse(Rule::reserved, &found).is_ok_and(|p| p.as_str() == found);
            let message = if is_keyword && positives.contains(&Rule::ident) {
                format!("`{found}` 是关键字，不能用作名称")
            } else if words.is_empty() {
                if negatives.contains(&Rule::reserved) {
                    format!("`{found}` 是关键字，不能用作名称")
                } else {
                    "此处无法理解".to_owned()
                }
            } else {
                format!("此处应为 {}", join_words(&words))
            };
            (message, help_for(positives, &found))
        }
        ErrorVariant::CustomError { message } => (message.clone(), None),
    };
    let label = if found.is_empty() {
        "文件在此结束".to_owned()
    } else {
        format!("这里是 `{found}`")
    };
    let mut error = SyntaxError::new(source, Span::new(start, end.max(start)), message, label, help);
    if found.is_empty() {
        if let Some(open) = unclosed_brace(&source.text) {
            error = error.with_opened_at(open);
        }
    }
    Box::new(error)
}

fn join_words(words: &[&str]) -> String {
    const MAX: usize = 6;
    if words.len() > MAX {
        return format!("{} 等", words[..MAX].join("、"));
    }
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} 或 {}", rest.join("、"), last),
        _ => words.join(""),
    }
}

/// A short hint for the most common mistakes at this position.
fn help_for(positives: &[Rule], found: &str) -> Option<String> {
    if found.starts_with('%') || found.starts_with('％') {
        return Some("百分数的数字和 `%` 之间不能有空格，例如 `100%`".into());
    }
    if positives.contains(&Rule::colon) {
        return Some("输入写作 `输入 名称: 类型`，例如 `输入 编制人数: 人`".into());
    }
    if positives.contains(&Rule::weight) {
        return Some("指标写作 `三级 名称 分值 5 { … }`".into());
    }
    if positives.contains(&Rule::band) || positives.contains(&Rule::interval) {
        return Some("分档写作 `>= 90% 得 5` 或 `[80%, 90%) 得 4`".into());
    }
    if positives.contains(&Rule::kw_gets) {
        return Some("分数前要写 `得`，例如 `>= 90% 得 5`".into());
    }
    if positives.contains(&Rule::ident) && !found.is_empty() {
        let first = found.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() {
            return Some("名称不能以数字开头".into());
        }
    }
    if positives.contains(&Rule::scoring) || positives.contains(&Rule::block_close) {
        return Some("检查上一行是否写完整，或是否少了 `}`".into());
    }
    None
}

/// The token at `offset`, for "这里是 `…`".
fn found_token(text: &str, offset: usize) -> String {
    let rest = text.get(offset..).unwrap_or("");
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    if is_word(first) {
        rest.chars().take_while(|c| is_word(*c)).take(20).collect()
    } else {
        first.to_string()
    }
}

/// The characters of a rule file that are code: strings and comments skipped, so a
/// bracket inside `"…"` or after `//` does not count. Yields (byte offset, char).
fn code_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || loop {
        let (i, c) = chars.next()?;
        match c {
            '"' => {
                while let Some((_, d)) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == '"' {
                        break;
                    }
                }
            }
            '“' => {
                for (_, d) in chars.by_ref() {
                    if d == '”' {
                        break;
                    }
                }
            }
            '/' if chars.peek().is_some_and(|(_, d)| *d == '/') => {
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '#' => {
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            _ => return Some((i, c)),
        }
    })
}

/// The byte span of the innermost `{` never closed, ignoring strings and comments.
fn unclosed_brace(text: &str) -> Option<Span> {
    let mut stack = Vec::new();
    for (i, c) in code_chars(text) {
        match c {
            '{' => stack.push(i),
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop().map(|i| Span::new(i, i + 1))
}

/// Deepest bracket nesting a rule file may have. The parser and checker recurse per
/// level, so a limit keeps hostile input from overflowing the stack.
pub const MAX_NESTING: usize = 64;

fn check_nesting(source: &SourceFile) -> Result<(), Box<SyntaxError>> {
    let mut depth = 0usize;
    for (i, c) in code_chars(&source.text) {
        match c {
            '(' | '（' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Box::new(SyntaxError::new(
                        source,
                        Span::new(i, i + c.len_utf8()),
                        format!("括号嵌套超过 {MAX_NESTING} 层"),
                        "嵌套过深".into(),
                        Some("把公式拆成几个 `计算` 值".into()),
                    )));
                }
            }
            ')' | '）' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}
