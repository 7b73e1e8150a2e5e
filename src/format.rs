//! `jixiao fmt`: the canonical layout of a rule file. Only whitespace outside strings
//! and comments changes — indentation by block depth (two spaces), single spaces between
//! tokens, aligned `得`/`扣` columns in band tables and checklists, at most one blank
//! line in a row — so formatting can never change what a file means. [`format_source`]
//! verifies that before returning.

use unicode_width::UnicodeWidthStr;

/// One line split into code (whitespace-collapsed) and a trailing comment.
#[derive(Debug, Clone)]
struct Line {
    depth: usize,
    code: String,
    comment: Option<String>,
    /// Inside a `/* … */` comment spanning lines: kept exactly as written.
    verbatim: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct FormatError(pub String);

/// Line ends as `\n`: CR LF, and any run of CRs before an LF (`\r\r\n`, an editor's
/// doubled CR), in one pass, so that formatting again changes nothing. A lone CR stays.
fn unix_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut crs = 0;
    for c in text.chars() {
        match c {
            '\r' => crs += 1,
            '\n' => {
                crs = 0;
                out.push('\n');
            }
            _ => {
                out.extend(std::iter::repeat_n('\r', crs));
                crs = 0;
                out.push(c);
            }
        }
    }
    out.extend(std::iter::repeat_n('\r', crs));
    out
}

/// Formats a rule file. Fails (rather than guess) if the result would not have the
/// same tokens as the input.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let text = unix_line_ends(text.strip_prefix('\u{FEFF}').unwrap_or(text));
    let lines = split_lines(&text);
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    let mut i = 0;
    while i < lines.len() {
        // A run of lines at one depth that share an alignment keyword.
        let keyword = align_keyword(&lines[i]);
        let mut end = i + 1;
        if let Some(k) = keyword {
            while end < lines.len() && lines[end].depth == lines[i].depth && align_keyword(&lines[end]) == Some(k) {
                end += 1;
            }
        }
        let width = keyword.map_or(0, |k| {
            lines[i..end]
                .iter()
                .filter_map(|l| split_at_keyword(&l.code, k))
                .map(|(head, _)| head.width())
                .max()
                .unwrap_or(0)
        });
        for line in &lines[i..end] {
            if let Some(v) = &line.verbatim {
                out.push_str(v);
                out.push('\n');
                blank_run = 0;
                continue;
            }
            if line.code.is_empty() && line.comment.is_none() {
                blank_run += 1;
                if blank_run == 1 && !out.is_empty() {
                    out.push('\n');
                }
                continue;
            }
            blank_run = 0;
            out.push_str(&"  ".repeat(line.depth));
            let code = match keyword.and_then(|k| split_at_keyword(&line.code, k).map(|(h, t)| (h, t, k))) {
                Some((head, tail, k)) => format!("{head}{} {k}{tail}", " ".repeat(width - head.width())),
                None => line.code.clone(),
            };
            out.push_str(&code);
            if let Some(c) = &line.comment {
                if !code.is_empty() {
                    out.push_str("  ");
                }
                out.push_str(c);
            }
            out.push('\n');
        }
        i = end;
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if significant(&text) != significant(&out) {
        return Err(FormatError(
            "格式化会改变文件内容（可能有未闭合的字符串或注释），未做修改".into(),
        ));
    }
    Ok(out)
}

/// The keyword a line's columns are aligned on: `得` in bands and cases, `扣` in checklists.
fn align_keyword(line: &Line) -> Option<&'static str> {
    if line.verbatim.is_some() || line.code.contains('{') || line.code.contains('}') {
        return None;
    }
    ["得", "扣"]
        .into_iter()
        .find(|k| split_at_keyword(&line.code, k).is_some())
}

/// `>= 90% 得 5` → (`>= 90%`, ` 5`).
fn split_at_keyword<'a>(code: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let pattern = format!(" {keyword} ");
    let at = code.find(&pattern)?;
    Some((&code[..at], &code[at + pattern.len() - 1..]))
}

fn split_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut depth = 0usize;
    let mut in_block_comment = false;
    for raw in text.split('\n') {
        if in_block_comment {
            if raw.contains("*/") {
                in_block_comment = false;
            }
            lines.push(Line {
                depth,
                code: String::new(),
                comment: None,
                verbatim: Some(raw.trim_end().to_owned()),
            });
            continue;
        }
        let (code, comment, opens_block_comment) = split_code(raw);
        in_block_comment = opens_block_comment;
        let opens = code.matches('{').count();
        let closes = code.matches('}').count();
        // A line that starts by closing a block sits at the outer depth.
        let line_depth = if code.starts_with('}') {
            depth.saturating_sub(1)
        } else {
            depth
        };
        lines.push(Line {
            depth: line_depth,
            code,
            comment,
            verbatim: None,
        });
        depth = (depth + opens).saturating_sub(closes);
    }
    lines
}

/// Splits a line into collapsed code and its trailing comment. The third value says a
/// `/*` comment is still open at the end of the line.
fn split_code(raw: &str) -> (String, Option<String>, bool) {
    let mut code = String::new();
    let mut chars = raw.char_indices().peekable();
    let mut pending_space = false;
    let push = |code: &mut String, s: &str, pending: &mut bool| {
        if *pending && !code.is_empty() {
            code.push(' ');
        }
        *pending = false;
        code.push_str(s);
    };
    while let Some((i, c)) = chars.next() {
        match c {
            // What the grammar's `WHITESPACE` accepts: any Unicode space, and the BOM.
            c if c.is_whitespace() || c == '\u{FEFF}' => pending_space = true,
            '"' | '“' => {
                let close = if c == '"' { '"' } else { '”' };
                let mut s = String::from(c);
                while let Some((_, d)) = chars.next() {
                    s.push(d);
                    if d == '\\' && close == '"' {
                        if let Some((_, e)) = chars.next() {
                            s.push(e);
                        }
                    } else if d == close {
                        break;
                    }
                }
                push(&mut code, &s, &mut pending_space);
            }
            '#' => return (code, Some(raw[i..].trim_end().to_owned()), false),
            '/' if chars.peek().is_some_and(|(_, d)| *d == '/') => {
                return (code, Some(raw[i..].trim_end().to_owned()), false);
            }
            '/' if chars.peek().is_some_and(|(_, d)| *d == '*') => {
                let rest = &raw[i..];
                match rest[2..].find("*/") {
                    Some(end) => {
                        let comment = &rest[..end + 4];
                        push(&mut code, comment, &mut pending_space);
                        for _ in 0..comment.chars().count() - 1 {
                            chars.next();
                        }
                    }
                    None => return (code, Some(rest.trim_end().to_owned()), true),
                }
            }
            _ => {
                let mut buf = [0u8; 4];
                push(&mut code, c.encode_utf8(&mut buf), &mut pending_space);
            }
        }
    }
    (code, None, false)
}

/// After an opening quote `open` (`"` or `“`): copies the rest of the string literal,
/// closing quote included, as written (`\"` escapes only in `"…"`).
pub fn copy_string_rest(open: char, chars: &mut impl Iterator<Item = char>, out: &mut String) {
    let close = if open == '"' { '"' } else { '”' };
    while let Some(d) = chars.next() {
        out.push(d);
        if d == '\\' && close == '"' {
            if let Some(e) = chars.next() {
                out.push(e);
            }
        } else if d == close {
            break;
        }
    }
}

/// The text with whitespace outside strings removed: formatting must keep it equal.
fn significant(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '“' => {
                out.push(c);
                copy_string_rest(c, &mut chars, &mut out);
            }
            c if c.is_whitespace() || c == '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_collapses_and_aligns() {
        let input = "一级 投入 分值 5 {\n二级   预算配置 分值 5 {\n    三级 甲 分值 5 {  // 注释\n公式 a\n评分 分档 {\n>= 90%   得 5\n[80%, 90%) 得 4\n< 80% 得 0\n}\n}\n}\n}\n\n\n\n计算 x = \"a   b\"\n";
        let expected = "一级 投入 分值 5 {\n  二级 预算配置 分值 5 {\n    三级 甲 分值 5 {  // 注释\n      公式 a\n      评分 分档 {\n        >= 90%     得 5\n        [80%, 90%) 得 4\n        < 80%      得 0\n      }\n    }\n  }\n}\n\n计算 x = \"a   b\"\n";
        let once = format_source(input).unwrap();
        assert_eq!(once, expected);
        assert_eq!(format_source(&once).unwrap(), once);
    }

    #[test]
    fn keeps_comments_verbatim() {
        let input = "/* 多行\n   注释 {  */\n# 井号注释   保持\n计算 a = 1 /* 行内 */ + 2\n";
        let out = format_source(input).unwrap();
        assert!(out.contains("/* 多行\n   注释 {  */"));
        assert!(out.contains("# 井号注释   保持"));
        assert!(out.contains("计算 a = 1 /* 行内 */ + 2"));
    }
}
