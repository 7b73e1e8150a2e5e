//! Text → [`crate::ast::RuleSet`]. The only module that knows pest.

mod advice;
mod expected;
mod expr;
mod grammar;
mod lower;

use pest::error::{ErrorVariant, InputLocation};
use pest::Parser;

use crate::ast::{CriterionKind, Item, Node, RuleSet};
use crate::diagnostics::SyntaxError;
use crate::source::{SourceFile, Span};
use grammar::{Rule, RulesParser};

/// Parses a whole rule file. Returns the first syntax error (pest stops there).
pub fn parse(source: &SourceFile) -> Result<RuleSet, Box<SyntaxError>> {
    check_limits(source)?;
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
    let rules = lower::Lowerer { source }.lower_file(file)?;
    check_item_count(source, &rules)?;
    Ok(rules)
}

/// The file named in a rule text's `基于 "…"` line, read from that line alone: the rest of
/// the text is not parsed, so a file being edited still names its base. `None` when the
/// text does not start (after comments) with a `基于` line.
pub fn parse_base(text: &str) -> Option<crate::source::Spanned<String>> {
    let source = SourceFile::new("", text);
    let mut pairs = RulesParser::parse(Rule::base_only, &source.text).ok()?;
    let base = pairs.next()?.into_inner().find(|p| p.as_rule() == Rule::base)?;
    lower::Lowerer { source: &source }.lower_base(base).ok()
}

/// Declares the keyword list once, as both [`KEYWORDS`] and [`is_keyword`].
macro_rules! keywords {
    ($($word:literal),* $(,)?) => {
        /// Words that cannot be names: the grammar's `reserved` rule, as a list (a test keeps
        /// them equal).
        pub const KEYWORDS: &[&str] = &[$($word),*];

        /// Is `word` a keyword (and so not a name)? Asked for every name in a rule file; a
        /// `match` on the words compiles to a comparison by length and bytes, with no
        /// hashing.
        pub fn is_keyword(word: &str) -> bool {
            matches!(word, $($word)|*)
        }
    };
}

/// Units of measure that are also keywords: `项` counts items (`输入 整改问题数: 项`,
/// `每超过 1 项`) and introduces a 清单 item (`项 已制定管理制度 扣 1`). Where a unit is
/// expected the word is the unit.
pub const UNIT_KEYWORDS: &[&str] = &["项"];

keywords!(
    "输入",
    "input",
    "计算",
    "let",
    "一级",
    "二级",
    "三级",
    "level1",
    "level2",
    "level3",
    "分值",
    "weight",
    "公式",
    "formula",
    "评分",
    "score",
    "等级",
    "grades",
    "勾稽",
    "check",
    "如果",
    "if",
    "则",
    "then",
    "否则",
    "else",
    "且",
    "and",
    "或",
    "or",
    "非",
    "not",
    "其中",
    "where",
    "得",
    "扣",
    "当",
    "其他",
    "项",
    "显示",
    "display",
    "容差",
    "级别",
    "说明",
    "别名",
    "范围",
    "缺失时",
    "依据",
    "基准",
    "栏目",
    "目标清单",
    "标准",
    "与",
    "vs",
    "差额",
    "对照",
    "复核容差",
    "基于",
    "替换",
    "删除",
    "新增",
    "调整",
    "于",
    "测试",
    "期望",
    "设",
    "无法计算时",
    "on_undefined",
    "不适用时",
    "on_not_applicable",
    "不适用",
    "not_applicable",
    "是",
    "否",
    "true",
    "false"
);

fn convert_error(source: &SourceFile, err: pest::error::Error<Rule>) -> Box<SyntaxError> {
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let found = found_token(&source.text, start);
    let (message, help) = match &err.variant {
        ErrorVariant::ParsingError { positives, negatives } => {
            if let Some(a) = advice::advise(source, start, &found, positives) {
                let mut error = SyntaxError::new(source, a.span, a.message, a.label, a.help);
                if let Some(open) = a.opened_at {
                    error = error.with_opened_at(open);
                }
                if let Some((span, label)) = a.second {
                    error = error.with_second_label(span, label);
                }
                return Box::new(error);
            }
            let mut words: Vec<&str> = positives.iter().filter_map(|r| expected::describe(*r)).collect();
            words.sort_unstable();
            words.dedup();
            let is_keyword = is_keyword(&found);
            let thousands = thousands_hint(&source.text, start);
            let message = if thousands.is_some() {
                "数字中不写千分位逗号".to_owned()
            } else if is_keyword && positives.contains(&Rule::ident) {
                format!("`{found}` 是关键字，不能用作名称")
            } else if words.is_empty() {
                if negatives.contains(&Rule::reserved) {
                    format!("`{found}` 是关键字，不能用作名称")
                } else {
                    "此处无法理解".to_owned()
                }
            } else if words.len() > 4 {
                // A long list of what the parser could take says little; the block the
                // error is in says what belongs there.
                let has_operator = words.contains(&"运算符");
                advice::context_list(&source.text, start, has_operator)
                    .unwrap_or_else(|| format!("此处应为 {}", join_words(&words)))
            } else {
                format!("此处应为 {}", join_words(&words))
            };
            let help = thousands.or_else(|| help_for(positives, &found)).map(|h| {
                if h == CHECK_PREVIOUS_LINE {
                    advice::check_previous_line(source, start)
                } else {
                    h
                }
            });
            (message, help)
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

/// The help at a `}` or `评分` expected; [`advice::check_previous_line`] names the line.
const CHECK_PREVIOUS_LINE: &str = "检查上一行是否写完整，或是否少了 `}`";

/// A short hint for the most common mistakes at this position.
fn help_for(positives: &[Rule], found: &str) -> Option<String> {
    if found.starts_with('%') || found.starts_with('％') {
        return Some("百分数的数字和 `%` 之间不能有空格，例如 `100%`".into());
    }
    if let Some(c) = found.chars().next().filter(|c| is_invisible(*c)) {
        return Some(format!(
            "这里有一个看不见的字符（U+{:04X}），多半是从网页或文档复制来的，请删除",
            u32::from(c)
        ));
    }
    if let Some((c, ascii)) = found.chars().find_map(|c| halfwidth(c).map(|a| (c, a))) {
        return Some(format!(
            "`{c}` 是全角字符（U+{:04X}），这里应写半角的 `{ascii}`",
            u32::from(c)
        ));
    }
    if positives.contains(&Rule::colon) {
        return Some("输入写作 `输入 名称: 类型`，例如 `输入 编制人数: 人`".into());
    }
    if positives.contains(&Rule::weight) {
        return Some("指标写作 `三级 名称 分值 5 { … }`".into());
    }
    if positives.contains(&Rule::band) {
        return Some("分档写作 `>= 90% 得 5` 或 `[80%, 90%) 得 4`".into());
    }
    // An interval alone: a grade band (`差 < 60`) or a 范围, not a scoring band.
    if positives.contains(&Rule::interval) {
        return Some("区间写作 `>= 90`、`[80, 90)` 或 `< 60`；等级写作 `优秀 >= 90`".into());
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
        return Some(CHECK_PREVIOUS_LINE.into());
    }
    None
}

/// Zero-width and direction marks: not spaces, not letters, and not visible in an editor.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{202A}'..='\u{202E}')
}

/// `1,234.5` where a comma stopped the parse: a thousands separator, which a rule file
/// does not take (the comma separates arguments and interval ends). The hint writes the
/// number out.
fn thousands_hint(text: &str, at: usize) -> Option<String> {
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let rest = text.get(at..)?;
    let comma = rest.chars().next().filter(|c| matches!(c, ',' | '，'))?;
    let before = text[..at].chars().next_back().filter(|c| is_digit(*c));
    let after = rest[comma.len_utf8()..].chars().next().filter(|c| is_digit(*c));
    before.and(after)?;
    let part = |c: &char| is_digit(*c) || matches!(c, ',' | '，' | '.' | '．');
    let head: String = text[..at]
        .chars()
        .rev()
        .take_while(part)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let tail: String = rest.chars().take_while(part).collect();
    let plain: String = format!("{head}{tail}")
        .chars()
        .filter(|c| !matches!(c, ',' | '，'))
        .map(crate::numtext::to_halfwidth)
        .collect();
    Some(format!("规则文件中的数字不写千分位逗号：请写成 {plain}"))
}

/// The ASCII character a full-width one stands for (`＞` → `>`), for the full-width forms
/// the grammar does not accept (it accepts `（）：％，`, and digits `０`–`９` and `．` in numbers).
fn halfwidth(c: char) -> Option<char> {
    if matches!(c, '（' | '）' | '：' | '％' | '，' | '．' | '０'..='９') {
        return None;
    }
    match u32::from(c) {
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0),
        _ => None,
    }
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
        if !skip_string_or_comment(c, &mut chars) {
            return Some((i, c));
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

/// Deepest nesting a rule file may have: brackets `( [ {` plus `如果 … 则 … 否则 …`
/// written inside one another. The parser and checker recurse per level, so a limit
/// keeps hostile input from overflowing the stack.
pub const MAX_NESTING: usize = 64;

/// Largest rule file accepted, in bytes (the bundled 2021 rules are about 19 KB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Longest name (input, value, indicator …), in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Most items one rule file may have, counting every indicator of the tree.
pub const MAX_ITEMS: usize = 100_000;

/// Keywords that occur inside an expression. Every other keyword ends one: after it the
/// `如果` nesting of the current bracket level starts again from zero.
const INSIDE_EXPRESSION: &[&str] = &[
    "如果", "if", "则", "then", "否则", "else", "且", "and", "或", "or", "非", "not", "是", "否", "true", "false",
];

fn limit_error(source: &SourceFile, span: Span, message: String, label: &str, help: &str) -> Box<SyntaxError> {
    Box::new(SyntaxError::new(source, span, message, label.into(), Some(help.into())))
}

/// A letter or `_`: a word (a name or keyword) starts here. ASCII and the common CJK block
/// are answered without the Unicode tables, which this scan would otherwise consult for
/// nearly every character of a Chinese rule file.
fn starts_word(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || matches!(c, '\u{4E00}'..='\u{9FFF}') || (!c.is_ascii() && c.is_alphabetic())
}

/// A letter, digit or `_`: the word goes on.
fn continues_word(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '_'
        || matches!(c, '\u{4E00}'..='\u{9FFF}')
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Limits that must hold before pest sees the text: size, nesting, name length.
fn check_limits(source: &SourceFile) -> Result<(), Box<SyntaxError>> {
    let text = &*source.text;
    if text.len() > MAX_FILE_BYTES {
        return Err(limit_error(
            source,
            Span::new(0, 0),
            format!(
                "规则文件过大（{:.1} MB，最大 {} MB）",
                text.len() as f64 / (1024.0 * 1024.0),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            "文件开头",
            "检查是否选错了文件；一个年度的指标体系通常只有几十 KB",
        ));
    }
    // `如果` counts per open bracket level; a closed bracket drops its level.
    let mut ifs: Vec<usize> = vec![0];
    let mut brackets = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // Brackets and words inside strings and comments do not nest anything.
        if skip_string_or_comment(c, &mut chars) {
            continue;
        }
        match c {
            '(' | '（' | '[' | '{' => {
                brackets += 1;
                ifs.push(0);
                if brackets + ifs.iter().sum::<usize>() > MAX_NESTING {
                    return Err(limit_error(
                        source,
                        Span::new(i, i + c.len_utf8()),
                        format!("括号嵌套超过 {MAX_NESTING} 层"),
                        "嵌套过深",
                        "把公式拆成几个 `计算` 值",
                    ));
                }
            }
            ')' | '）' | ']' | '}' => {
                brackets = brackets.saturating_sub(1);
                if ifs.len() > 1 {
                    ifs.pop();
                }
            }
            ',' | '，' | '、' => *ifs.last_mut().unwrap_or(&mut 0) = 0,
            '0'..='9' => while chars.next_if(|(_, d)| d.is_ascii_digit()).is_some() {},
            c if starts_word(c) => {
                let mut end = i + c.len_utf8();
                let mut count = 1;
                while let Some((j, d)) = chars.next_if(|(_, d)| continues_word(*d)) {
                    end = j + d.len_utf8();
                    count += 1;
                }
                let word = &text[i..end];
                if count > MAX_NAME_CHARS {
                    return Err(limit_error(
                        source,
                        Span::new(i, i),
                        format!("名称过长（{count} 个字符，最多 {MAX_NAME_CHARS} 个）"),
                        "从这里开始的名称",
                        "用简短的名称，完整的说明写在 `说明 \"…\"` 中",
                    ));
                }
                if word == "如果" || word == "if" {
                    *ifs.last_mut().unwrap_or(&mut 0) += 1;
                    if brackets + ifs.iter().sum::<usize>() > MAX_NESTING {
                        return Err(limit_error(
                            source,
                            Span::new(i, end),
                            format!("`如果` 与括号嵌套超过 {MAX_NESTING} 层"),
                            "嵌套过深",
                            "多个条件改用 `分情况 { 当 … 得 … }`，或把公式拆成几个 `计算` 值",
                        ));
                    }
                } else if is_keyword(word) && !INSIDE_EXPRESSION.contains(&word) {
                    *ifs.last_mut().unwrap_or(&mut 0) = 0;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Most rows one band table (`分档`, `等级`) may have: the checker compares every row
/// with every other.
pub const MAX_BANDS: usize = 1_000;

/// Items, indicators and criterion rows in a lowered file, checked against [`MAX_ITEMS`]
/// (and each band table against [`MAX_BANDS`]).
fn check_item_count(source: &SourceFile, rules: &RuleSet) -> Result<(), Box<SyntaxError>> {
    let bands = |count: usize, span: Span| {
        if count > MAX_BANDS {
            return Err(limit_error(
                source,
                span,
                format!("分档过多（{count} 档，最多 {MAX_BANDS} 档）"),
                "这个分档表",
                "分档这么多时改用 `公式` 或 `扣分` 计分",
            ));
        }
        Ok(count)
    };
    let node_rows = |n: &Node| -> Result<usize, Box<SyntaxError>> {
        let mut count = 0;
        let mut stack = vec![n];
        while let Some(n) = stack.pop() {
            count += n.children.len();
            stack.extend(n.children.iter());
            if let Some(c) = &n.scoring {
                count += match &c.kind {
                    CriterionKind::Bands { bands: b, .. } => bands(b.len(), c.span)?,
                    CriterionKind::Cases { arms, .. } => arms.len(),
                    CriterionKind::Checklist { items } => items.len(),
                    _ => 0,
                };
            }
        }
        Ok(count)
    };
    let mut count = 0usize;
    for (i, item) in rules.items.iter().enumerate() {
        count += 1 + match item {
            Item::Node(n) | Item::Replace(n) | Item::Add { node: n, .. } => node_rows(n)?,
            Item::Grades(g) => bands(g.bands.len(), g.span)?,
            _ => 0,
        };
        if count > MAX_ITEMS {
            let span = rules.item_spans.get(i).copied().unwrap_or_default();
            return Err(limit_error(
                source,
                Span::new(span.start, span.start),
                format!("规则文件的条目过多（超过 {MAX_ITEMS} 个输入、计算值、指标和分档）"),
                "从这里起超出",
                "检查文件是否由程序误生成；一个年度的指标体系通常只有几百个条目",
            ));
        }
    }
    Ok(())
}

/// At `c`, just taken from `chars`: if it opens a string (`"…"`, `“…”`) or a comment
/// (`//`, `#`, `/* … */`), consumes it to its end and says so. One definition of what is
/// not code, for every scan that must skip it.
fn skip_string_or_comment(c: char, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> bool {
    let to_line_end = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        // As in the grammar's `COMMENT`: a line comment ends at LF or at a lone CR (old Mac
        // line ends), so what follows a CR is code here too.
        for (_, d) in chars.by_ref() {
            if d == '\n' || d == '\r' {
                break;
            }
        }
    };
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
        '#' => to_line_end(chars),
        '/' if chars.peek().is_some_and(|(_, d)| *d == '/') => to_line_end(chars),
        '/' if chars.peek().is_some_and(|(_, d)| *d == '*') => {
            chars.next();
            let mut star = false;
            for (_, d) in chars.by_ref() {
                if star && d == '/' {
                    break;
                }
                star = d == '*';
            }
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quoted words of the grammar's `reserved` rule.
    fn grammar_keywords() -> Vec<String> {
        let grammar = include_str!("../../grammar/jixiao.pest");
        let start = grammar.find("\nreserved =").expect("a `reserved` rule");
        let body = &grammar[start..];
        let body = &body[..body.find("~ !ident_char").expect("end of `reserved`")];
        body.split('"').skip(1).step_by(2).map(str::to_owned).collect()
    }

    #[test]
    fn the_base_line_alone() {
        let base = parse_base("// 2022 年\n\u{feff}基于 “岳阳 2021.jx”\n一级 { 未写完").unwrap();
        assert_eq!(base.node, "岳阳 2021.jx");
        assert_eq!(parse_base("based_on \"a\\\"b.jx\"").unwrap().node, "a\"b.jx");
        assert!(parse_base("标题 \"x\"\n基于 \"a.jx\"").is_none());
        assert!(parse_base("基于 \"a.jx").is_none());
        assert!(parse_base("").is_none());
    }

    #[test]
    fn the_keyword_list_is_the_grammars() {
        let mut from_grammar = grammar_keywords();
        let mut listed: Vec<String> = KEYWORDS.iter().map(|k| (*k).to_owned()).collect();
        assert!(from_grammar.len() > 50, "{from_grammar:?}");
        from_grammar.sort();
        listed.sort();
        assert_eq!(listed, from_grammar);
        for k in KEYWORDS {
            let parsed = RulesParser::parse(Rule::reserved, k).expect("a keyword parses as `reserved`");
            assert_eq!(parsed.as_str(), *k);
        }
    }

    #[test]
    fn strings_and_every_kind_of_comment_are_not_code() {
        let text = "a { \"}\" “}” // }\n# }\n/* } */ b";
        let code: String = code_chars(text).map(|(_, c)| c).collect();
        // A line comment takes its line end with it.
        assert_eq!(code, "a {    b");
        assert_eq!(unclosed_brace(text), Some(Span::new(2, 3)));
    }

    #[test]
    fn word_scan_fast_paths_agree_with_the_unicode_tables() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(starts_word(c), c.is_alphabetic() || c == '_', "U+{:04X}", c as u32);
            assert_eq!(continues_word(c), c.is_alphanumeric() || c == '_', "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn keywords_are_not_names_anywhere() {
        for text in [
            "输入 如果: 万元",
            "计算 则 = 1",
            "输入 a: 人\n计算 b = a + 否则",
            "输入 a: 人\n计算 b = max(a, 容差)",
            "一级 得 分值 5 { }",
            "输入 a: 人\n计算 b = 显示(a)",
            "输入 a: 如果",
            "目标清单 其中",
            "勾稽 级别 { 1 = 1 }",
            "对照 与 { 1 与 1 }",
            "删除 三级 分值",
            "调整 二级 当 分值 3",
            "新增 三级 x 分值 1 { 评分 评审 } 于 二级 则",
            "等级 { 如果 >= 90  合格 < 90 }",
            "一级 x 分值 5 { 公式 1  评分 扣分 { 基准 1 每超过 1 得 扣 0.5 } }",
            "测试 \"t\" { 设 如果 = 1 }",
            "测试 \"t\" { 设 a.其中 = 1 }",
            "测试 \"t\" { 期望 如果 = 1 }",
            "测试 \"t\" { 期望 a 得分 = 则 }",
        ] {
            let source = SourceFile::new("k.jx", &format!("标题 \"t\"\n年度 2021\n{text}\n"));
            let err = parse(&source).expect_err(text);
            assert!(err.to_string().contains("是关键字，不能用作名称"), "{text}: {err}");
        }
        // Keywords inside longer names are names.
        let source = SourceFile::new("k.jx", "标题 \"t\"\n年度 2021\n输入 如果值: 万元\n计算 则数 = 如果值\n");
        assert!(parse(&source).is_ok());
    }
}
