//! Syntax errors in the author's words: the usual mistakes recognised from the text
//! around the place pest stopped (issue 19), before the generic "此处应为 …". Only the
//! error path runs this.

use super::grammar::Rule;
use super::{code_chars, skip_string_or_comment};
use crate::source::{SourceFile, Span};

/// A syntax error worked out from the text: where, what, and how to fix it.
pub(super) struct Advice {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// An unclosed `{` to label as well.
    pub opened_at: Option<Span>,
    /// Another place with its label (an unclosed `(`).
    pub second: Option<(Span, String)>,
}

/// Words the grammar reads as keywords but that may be names elsewhere (`年度`, `满分` …),
/// beside [`super::KEYWORDS`]: a keyword glued to a number (`扣1`) is recognised by them.
const MORE_KEYWORDS: &[&str] = &[
    "标题",
    "年度",
    "发布单位",
    "满分",
    "计步",
    "得分精度",
    "类别",
    "扣分",
    "比例",
    "目标",
    "分档",
    "达标",
    "条件",
    "分情况",
    "评审",
    "清单",
    "数据",
    "每超过",
    "每超",
    "每低于",
    "每偏离",
];

/// The mistake recognised at `at`, if any.
pub(super) fn advise(source: &SourceFile, at: usize, found: &str, positives: &[Rule]) -> Option<Advice> {
    let text = &*source.text;
    missing_brace(source, at, found, positives)
        .or_else(|| extra_brace(text, at, found))
        .or_else(|| doubled_percent(text, at, found))
        .or_else(|| percent_after_name(text, at, found))
        .or_else(|| glued_keyword(at, found))
        .or_else(|| unit_after_number(text, at, found))
        .or_else(|| unclosed_quote(source, at, found))
        .or_else(|| trailing_punctuation(at, found))
        .or_else(|| extra_paren(text, at, found))
        .or_else(|| unclosed_paren(source, at, positives))
        .or_else(|| lenticular_bracket(at, found))
        .or_else(|| scoring_without_kind(text, at, positives))
        .or_else(|| misplaced_keyword(text, at, found, positives))
}

fn at_found(at: usize, found: &str, message: String, help: String) -> Option<Advice> {
    Some(Advice {
        span: Span::new(at, at + found.len()),
        message,
        label: format!("这里是 `{found}`"),
        help: Some(help),
        opened_at: None,
        second: None,
    })
}

/// Width of a line's indentation (a tab counts as 4).
fn indent(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace() && !matches!(c, '\n' | '\r'))
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// The start of the line holding byte `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// An open `{` while scanning: where, its line's indentation, and whether its block is
/// laid out by indentation (its first inner line, on a later line, is indented further).
struct Open {
    at: usize,
    indent: usize,
    checkable: Option<bool>,
    /// Something follows the `{` on its line: a block meant to be written on one line,
    /// unless the next line goes deeper (laid out by hand).
    one_line: bool,
}

/// A `}` missing: found by indentation. The first block whose body is indented and that
/// meets a line indented no deeper than its `{` line (other than its `}`), or a `}`
/// indented less than its `{` line, is where a `}` probably went missing; a block begun
/// and left open on one line whose next line is no deeper misses its `}` at that line's
/// end. Only when the file has more `{` than `}`; at the file's end with no such line,
/// the innermost open `{`.
fn missing_brace(source: &SourceFile, at: usize, found: &str, positives: &[Rule]) -> Option<Advice> {
    let text = &*source.text;
    // Where a `}` could go, or elsewhere when the layout shows one missing before (a
    // grade band list left open swallows the next line's `输入` as a grade's name).
    let may_close = found.is_empty() || positives.contains(&Rule::block_close);
    let (opens, closes) = code_chars(text).fold((0usize, 0usize), |(o, c), (_, ch)| match ch {
        '{' => (o + 1, c),
        '}' => (o, c + 1),
        _ => (o, c),
    });
    if opens <= closes {
        return None;
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut last_line = usize::MAX;
    let mut mismatch: Option<(usize, usize)> = None; // (the `{`, the line's first code char)
    let code = code_chars(text).filter(|(_, c)| !c.is_whitespace());
    for (i, c) in code.take_while(|(i, _)| *i < at) {
        let line = line_start(text, i);
        if line != last_line {
            last_line = line;
            let width = indent(&text[line..]);
            if let Some(top) = stack.last_mut() {
                if line_start(text, top.at) != line {
                    let shallower = (c != '}' && width <= top.indent) || (c == '}' && width < top.indent);
                    match top.checkable {
                        None if top.one_line && shallower => {
                            return Some(one_line_unclosed(source, top.at));
                        }
                        None if top.one_line => top.checkable = Some(false),
                        None => top.checkable = Some(c == '}' || width > top.indent),
                        Some(true) if shallower => {
                            mismatch = Some((top.at, i));
                            break;
                        }
                        Some(_) => {}
                    }
                }
            }
        } else if let Some(top) = stack.last_mut() {
            if top.checkable.is_none() && line_start(text, top.at) == line {
                top.one_line = true;
            }
        }
        match c {
            '{' => stack.push(Open {
                at: i,
                indent: indent(&text[line..]),
                checkable: None,
                one_line: false,
            }),
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    let line_of = |i: usize| source.line_col(i).0;
    match mismatch {
        None if !may_close => None,
        Some((open, next)) => {
            let (open_line, next_line) = (line_of(open), line_of(next));
            let closes_outer = text[next..].starts_with('}');
            Some(Advice {
                span: Span::new(next, next),
                message: format!(
                    "这个代码块（第 {open_line} 行的 `{{`）没有闭合：多半应在第 {next_line} 行之前加 `}}`"
                ),
                label: "代码块多半在这里之前结束".into(),
                help: Some(if closes_outer {
                    format!(
                        "按缩进，第 {next_line} 行的 `}}` 闭合的是外层的代码块；在它之前加一行 `}}`，与第 {open_line} 行对齐"
                    )
                } else {
                    format!("在第 {next_line} 行之前加一行 `}}`，与第 {open_line} 行对齐")
                }),
                opened_at: Some(Span::new(open, open + 1)),
                second: None,
            })
        }
        None if found.is_empty() => {
            let top = stack.last()?;
            if top.one_line {
                return Some(one_line_unclosed(source, top.at));
            }
            let open = top.at;
            Some(Advice {
                span: Span::new(at, at),
                message: format!("这个代码块（第 {} 行的 `{{`）没有闭合：文件已经结束", line_of(open)),
                label: "文件在此结束".into(),
                help: Some("在文件末尾（或这个代码块该结束的地方）加上 `}`".into()),
                opened_at: Some(Span::new(open, open + 1)),
                second: None,
            })
        }
        None => None,
    }
}

/// A block begun on one line and left open there (`评分 扣分 { 基准 100% … 扣 0.5`): its
/// `}` belongs at the end of that line.
fn one_line_unclosed(source: &SourceFile, open: usize) -> Advice {
    let text = &*source.text;
    let start = line_start(text, open);
    let end = text[open..].find('\n').map_or(text.len(), |i| open + i);
    // The line's last code character (a trailing comment is not code).
    let last = code_chars(&text[start..end])
        .filter(|(_, c)| !c.is_whitespace())
        .last()
        .map_or(end, |(i, c)| start + i + c.len_utf8());
    let line = source.line_col(open).0;
    Advice {
        span: Span::new(last, last),
        message: format!("这个代码块（第 {line} 行的 `{{`）没有闭合：一行写完的代码块要在这一行的末尾加 `}}`"),
        label: "`}` 多半应在这里".into(),
        help: Some(format!("写作 `{} }}`", text[start..last].trim())),
        opened_at: Some(Span::new(open, open + 1)),
        second: None,
    }
}

/// A `}` with no `{` before it.
fn extra_brace(text: &str, at: usize, found: &str) -> Option<Advice> {
    if found != "}" {
        return None;
    }
    let depth = code_chars(text)
        .take_while(|(i, _)| *i < at)
        .fold(0isize, |d, (_, c)| match c {
            '{' => d + 1,
            '}' => d - 1,
            _ => d,
        });
    (depth <= 0).then(|| Advice {
        span: Span::new(at, at + 1),
        message: "多了一个 `}`：前面没有与它配对的 `{`".into(),
        label: "这个 `}` 没有对应的 `{`".into(),
        help: Some("删除它；或检查前面某个代码块的 `{` 是否漏写了".into()),
        opened_at: None,
        second: None,
    })
}

/// `100%%`, `100 %`.
fn doubled_percent(text: &str, at: usize, found: &str) -> Option<Advice> {
    if !(found.starts_with('%') || found.starts_with('％')) {
        return None;
    }
    let before = text[..at].chars().next_back()?;
    if matches!(before, '%' | '％') {
        return at_found(
            at,
            found,
            "多了一个 `%`".into(),
            "百分数只写一个 `%`，例如 `100%`".into(),
        );
    }
    let digit_before = text[..at]
        .trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    (before.is_whitespace() && digit_before).then(|| Advice {
        span: Span::new(at, at + found.len()),
        message: "数字和 `%` 之间多了空格".into(),
        label: format!("这里是 `{found}`"),
        help: Some("百分数的数字和 `%` 之间不能有空格，例如 `100%`".into()),
        opened_at: None,
        second: None,
    })
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// `扣1`, `得5`, `分值5`, `年度2021`: a keyword and a number written together.
fn glued_keyword(at: usize, found: &str) -> Option<Advice> {
    let keyword = super::KEYWORDS
        .iter()
        .chain(MORE_KEYWORDS)
        .filter(|k| found.strip_prefix(**k).is_some_and(|rest| rest.starts_with(is_digit)))
        .max_by_key(|k| k.len())?;
    let number: String = found[keyword.len()..]
        .chars()
        .take_while(|c| is_digit(*c) || matches!(c, '.' | '．'))
        .collect();
    at_found(
        at,
        found,
        format!("`{keyword}` 和 `{number}` 之间少了空格"),
        format!("关键字和数字之间要有空格：写作 `{keyword} {number}`"),
    )
}

/// `年度 2021年`, `得 5分`, `分值 5 分`, `满分 100分`: a unit written after a number.
fn unit_after_number(text: &str, at: usize, found: &str) -> Option<Advice> {
    if !text[..at].trim_end().ends_with(is_digit) {
        return None;
    }
    let line = &text[line_start(text, at)..at];
    let first_word = line.split_whitespace().next().unwrap_or("");
    if found.starts_with('年') && matches!(first_word, "年度" | "year") {
        let year: String = line.trim_start_matches(first_word).trim().to_owned();
        return at_found(
            at,
            found,
            "`年度` 只写数字，不写 `年`".into(),
            format!("年度只写数字，如 `年度 {year}`"),
        );
    }
    let unit = ["分", "万元", "元", "人", "个", "件", "次", "项", "百分点"]
        .into_iter()
        .find(|u| found == *u || (found.starts_with(u) && !found[u.len()..].starts_with(char::is_alphanumeric)))?;
    let clause = line.rsplit('{').next().unwrap_or(line);
    let written = clause.split_whitespace().collect::<Vec<_>>().join(" ");
    if unit == "分" {
        return at_found(at, found, "分数只写数字，不写 `分`".into(), format!("写作 `{written}`"));
    }
    // A unit after a step size is part of the grammar (`每超过 1 个`); elsewhere it is not.
    at_found(
        at,
        found,
        format!("数字后面不写单位 `{unit}`"),
        format!("写作 `{written}`：单位在 `输入` 的类型中声明（如 `输入 支出合计: 万元`），公式、分档和区间里只写数字"),
    )
}

/// `"岳阳市财政局` with no closing quote: the string runs on to the next `"`, and the
/// parse fails just after it (or at the quote, when no other follows).
fn unclosed_quote(source: &SourceFile, at: usize, found: &str) -> Option<Advice> {
    let text = &*source.text;
    // The last string that ends at or before `at`, with only spaces between.
    let mut chars = text.char_indices().peekable();
    let mut last: Option<(usize, usize)> = None;
    let mut open_at_error = None;
    while let Some((i, c)) = chars.next() {
        if i >= at {
            if i == at && matches!(c, '"' | '“') {
                open_at_error = Some(i);
            }
            break;
        }
        if skip_string_or_comment(c, &mut chars) && matches!(c, '"' | '“') {
            let end = chars.peek().map_or(text.len(), |(j, _)| *j);
            last = Some((i, end));
        }
    }
    let open = match (open_at_error, last) {
        (Some(i), _) if matches!(found, "\"" | "“") => i,
        (_, Some((start, end))) if text[end..at].trim().is_empty() && text[start..end].contains('\n') => start,
        _ => return None,
    };
    let line = source.line_col(open).0;
    let rest = &text[open..];
    let shown: String = rest.lines().next().unwrap_or("").chars().take(20).collect();
    Some(Advice {
        span: Span::new(open, open + rest.chars().next().map_or(1, char::len_utf8)),
        message: format!("第 {line} 行的引号没有配对：`{}` 后面少了结尾的引号", shown.trim_end()),
        label: "这个引号没有对应的结尾引号".into(),
        help: Some(format!(
            "在文字的末尾补上引号，写作 `{}{}`（引号要成对，文字不跨行）",
            shown.trim_end(),
            if shown.starts_with('“') { '”' } else { '"' }
        )),
        opened_at: None,
        second: None,
    })
}

/// `；`, `;`, `。` ending a line: a rule file has no statement terminators.
fn trailing_punctuation(at: usize, found: &str) -> Option<Advice> {
    matches!(found, ";" | "；" | "。").then_some(())?;
    at_found(
        at,
        found,
        format!("规则文件的行尾不写 `{found}`"),
        format!("删除 `{found}`：每一项写在自己的一行，不用标点结尾"),
    )
}

/// The block the error is in, for "三级指标中这里应是 …": the words before its `{`.
pub(super) fn context_list(text: &str, at: usize, has_operator: bool) -> Option<String> {
    let mut stack = Vec::new();
    for (i, c) in code_chars(text).take_while(|(i, _)| *i < at) {
        match c {
            '{' => stack.push(i),
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    let or_operator = if has_operator {
        "运算符（表达式还没写完），或"
    } else {
        ""
    };
    let Some(&open) = stack.last() else {
        return Some(format!(
            "这里应是{or_operator}新的一项，如 `输入`、`计算`、`一级`、`等级`、`勾稽`"
        ));
    };
    let head = &text[line_start(text, open)..open];
    let mut words = head
        .split_whitespace()
        .filter(|w| !w.starts_with('"') && !w.starts_with('“'));
    let mut first = words.next()?;
    if matches!(first, "评分" | "score" | "替换" | "replace" | "新增" | "add") {
        first = words.next()?;
    }
    let message = match first {
        "三级" | "level3" => {
            format!("三级指标中这里应是{or_operator} `公式`、`评分`、`显示`、`标准`、`说明` 等，或 `}}` 结束这个指标")
        }
        "二级" | "level2" => format!("二级指标中这里应是{or_operator}下级的 `三级` 指标，或 `}}` 结束这个指标"),
        "一级" | "level1" => format!("一级指标中这里应是{or_operator}下级的 `二级` 指标，或 `}}` 结束这个指标"),
        "栏目" | "section" => "栏目中这里应是 `输入`，或 `}` 结束这个栏目".into(),
        "输入" | "input" => "输入的 `{ }` 中这里应是 `别名`、`说明`、`范围` 或 `缺失时`，或 `}` 结束".into(),
        "目标清单" | "target_list" => "目标清单中这里应是 `别名`、`说明` 或 `类别`，或 `}` 结束".into(),
        "测试" | "test" => "测试中这里应是 `数据`、`设` 或 `期望`，或 `}` 结束这个测试".into(),
        "勾稽" | "check" => format!("勾稽中这里应是{or_operator} `容差`、`级别` 或 `说明`，或 `}}` 结束"),
        "对照" | "compare" => format!("对照中这里应是{or_operator} `差额`、`容差`、`级别` 或 `说明`，或 `}}` 结束"),
        _ => return None,
    };
    Some(message)
}

/// "检查上一行是否写完整": the line of the last code before `at`, skipping blank and
/// comment lines (the line above may be a comment).
pub(super) fn check_previous_line(source: &SourceFile, at: usize) -> String {
    let last = code_chars(&source.text)
        .take_while(|(i, _)| *i < at)
        .filter(|(_, c)| !c.is_whitespace())
        .last();
    let here = source.line_col(at).0;
    match last.map(|(i, _)| source.line_col(i).0) {
        Some(line) if line == here => "检查这里之前是否写完整，或是否少了 `}`".into(),
        Some(line) if line + 1 == here => "检查上一行是否写完整，或是否少了 `}`".into(),
        Some(line) => format!("检查第 {line} 行是否写完整，或是否少了 `}}`"),
        None => "检查是否少了 `}`".into(),
    }
}

/// A `)` with no `(` before it on its line.
fn extra_paren(text: &str, at: usize, found: &str) -> Option<Advice> {
    matches!(found, ")" | "）").then_some(())?;
    let line = line_start(text, at);
    let depth = code_chars(&text[line..at]).fold(0isize, |d, (_, c)| match c {
        '(' | '（' => d + 1,
        ')' | '）' => d - 1,
        _ => d,
    });
    (depth <= 0).then(|| Advice {
        span: Span::new(at, at + found.len()),
        message: format!("多了一个 `{found}`：这一行前面没有与它配对的 `(`"),
        label: "这个括号没有对应的 `(`".into(),
        help: Some("删除它，或在表达式中补上对应的 `(`".into()),
        opened_at: None,
        second: None,
    })
}

/// `【80%, 90%)`: the lenticular brackets of Chinese text are not brackets here.
fn lenticular_bracket(at: usize, found: &str) -> Option<Advice> {
    let ascii = match found {
        "【" | "〔" => "[",
        "】" | "〕" => "]",
        _ => return None,
    };
    at_found(
        at,
        found,
        format!("`{found}` 不是规则文件中的括号"),
        format!("区间写作 `[80%, 90%)`：这里应写半角的 `{ascii}`；代码块用 `{{` `}}`"),
    )
}

/// A `(` never closed, where the parser wanted a `)`: the innermost open `(` of the
/// item (brackets do not cross a `{` or `}`).
fn unclosed_paren(source: &SourceFile, at: usize, positives: &[Rule]) -> Option<Advice> {
    if !positives.contains(&Rule::rparen) {
        return None;
    }
    let mut stack = Vec::new();
    for (i, c) in code_chars(&source.text).take_while(|(i, _)| *i < at) {
        match c {
            '(' | '（' => stack.push((i, c.len_utf8())),
            ')' | '）' => {
                stack.pop();
            }
            '{' | '}' => stack.clear(),
            _ => {}
        }
    }
    let (open, len) = stack.pop()?;
    let line = source.line_col(open).0;
    Some(Advice {
        span: Span::new(at, at),
        message: format!("第 {line} 行的 `(` 没有闭合：少了 `)`"),
        label: "`)` 多半应在这里之前".into(),
        help: Some("在括号里的表达式写完处补上 `)`".into()),
        opened_at: None,
        second: Some((Span::new(open, open + len), "这个 `(` 没有对应的 `)`".into())),
    })
}

/// `实有人数%`, `(a + b)%`: a `%` after a name or a bracket. Only a number takes `%`; a
/// name's value is already a rate.
fn percent_after_name(text: &str, at: usize, found: &str) -> Option<Advice> {
    if !(found.starts_with('%') || found.starts_with('％')) {
        return None;
    }
    let before = text[..at].trim_end();
    let last = before.chars().next_back()?;
    let word: String = {
        let mut w: Vec<char> = before.chars().rev().take_while(|c| super::continues_word(*c)).collect();
        w.reverse();
        w.into_iter().collect()
    };
    let message = if matches!(last, ')' | '）') {
        "表达式后面不能写 `%`".to_owned()
    } else if !word.is_empty() && !word.starts_with(is_digit) && super::starts_word(word.chars().next()?) {
        format!("名称 `{word}` 后面不能写 `%`")
    } else {
        return None;
    };
    at_found(
        at,
        found,
        message,
        "`%` 只写在数字后面（如 `95%`）；名称和表达式的值已经是比率（0.95 即 95%），不用再写 `%`。要让指标值显示为百分数，在指标中写 `显示 百分比 2`".into(),
    )
}

/// `评分` with no way of scoring after it (written at the end of a line, so the next
/// line's first word is read as the way).
fn scoring_without_kind(text: &str, at: usize, positives: &[Rule]) -> Option<Advice> {
    if !positives.contains(&Rule::kw_deduct) {
        return None;
    }
    let before = text[..at].trim_end();
    let word = ["评分", "score"].into_iter().find(|w| before.ends_with(w))?;
    let start = before.len() - word.len();
    if text[..start].chars().next_back().is_some_and(super::continues_word) {
        return None;
    }
    Some(Advice {
        span: Span::new(start, before.len()),
        message: format!("`{word}` 后面少了评分方式"),
        label: "这里少了评分方式".into(),
        help: Some(
            "`评分` 后面接评分方式：`扣分`、`比例`、`分档`、`达标`、`分情况`、`评审`、`清单` 或 `公式`，写在同一行，如 `评分 比例 { 目标 100% }`"
                .into(),
        ),
        opened_at: None,
        second: None,
    })
}

/// Where a keyword belongs, for "`分值` 不能写在这里".
const HOMES: &[(&[&str], &str)] = &[
    (
        &["分值", "weight"],
        "写在指标名称的后面，如 `三级 人员控制率 分值 10 {`",
    ),
    (
        &["公式", "formula", "评分", "score", "标准", "standard"],
        "写在三级指标的 `{ }` 里",
    ),
    (
        &["显示", "display", "复核容差", "audit_tolerance"],
        "写在三级指标的 `{ }` 里，或 `计算` 那一行的末尾",
    ),
    (
        &["别名", "alias", "范围", "range", "缺失时", "default"],
        "写在 `输入` 后面的 `{ }` 里，如 `输入 编制人数: 人 { 范围 > 0 }`",
    ),
    (
        &["容差", "tolerance", "级别", "severity", "差额", "difference"],
        "写在 `勾稽` 或 `对照` 的 `{ }` 里",
    ),
    (&["数据", "设", "期望", "expect"], "写在 `测试` 的 `{ }` 里"),
    (&["依据"], "写在评分方式和 `{` 之间，如 `评分 分档 依据 abs(值) {`"),
    (&["则", "then", "否则"], "只用在 `如果 条件 则 值 否则 值` 中"),
    (&["基于", "based_on"], "只能写在文件的最前面，如 `基于 \"上一年度.jx\"`"),
    (
        &[
            "输入",
            "input",
            "计算",
            "let",
            "勾稽",
            "对照",
            "compare",
            "目标清单",
            "target_list",
            "等级",
            "grades",
            "栏目",
            "section",
            "测试",
            "替换",
            "replace",
            "删除",
            "delete",
            "新增",
            "调整",
            "adjust",
            "标题",
            "年度",
            "发布单位",
            "满分",
            "得分精度",
            "不适用时",
        ],
        "是单独的一项，写在指标和其他代码块的 `{ }` 之外",
    ),
];

/// A keyword where it does not belong (`分值` inside an indicator, `公式` outside one):
/// where it goes, and what may be written here instead.
fn misplaced_keyword(text: &str, at: usize, found: &str, positives: &[Rule]) -> Option<Advice> {
    if positives.contains(&Rule::ident) {
        return None; // a name was expected: "是关键字，不能用作名称" says it better
    }
    let home = HOMES
        .iter()
        .find(|(words, _)| words.contains(&found))
        .map(|(_, home)| *home)?;
    let has_operator = positives.contains(&Rule::op_add);
    Some(Advice {
        span: Span::new(at, at + found.len()),
        message: format!("`{found}` 不能写在这里：`{found}` {home}"),
        label: format!("这里是 `{found}`"),
        help: context_list(text, at, has_operator),
        opened_at: None,
        second: None,
    })
}
