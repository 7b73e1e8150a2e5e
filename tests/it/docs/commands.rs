//! The documented commands: ```` ```console ```` blocks are run and what they print is
//! compared; the `jixiao` lines of ```` ```sh ```` blocks are run and must succeed.

use super::markdown::{Block, Doc};
use super::sandbox::{runs, Sandbox};

/// One `$ …` line of a console block and the output shown under it.
struct Step {
    line: usize,
    words: Vec<String>,
    exit: i32,
    expected: Vec<String>,
}

/// What one document's command blocks came to: failures (each with its place), and how
/// many commands ran.
#[derive(Default)]
pub struct Outcome {
    pub failures: Vec<String>,
    pub ran: usize,
    pub not_run: Vec<String>,
}

pub fn check(doc: &Doc, blocks: &[Block], outcome: &mut Outcome) {
    // Blocks marked `文件 名称` become that file in the sandboxes of the blocks after them.
    let mut files: Vec<(String, String)> = Vec::new();
    for block in blocks {
        let at = doc.at(block.line);
        for m in block.marked("文件") {
            files.push((m.words[1].clone(), block.text()));
        }
        if !matches!(block.lang.as_str(), "console" | "sh") {
            continue;
        }
        if let Some(m) = block.marked("不运行").next() {
            assert!(m.words.len() > 1, "{at}: `不运行` needs a reason");
            outcome.not_run.push(format!("{at}: {}", m.words[1..].join(" ")));
            continue;
        }
        let sandbox = Sandbox::new();
        for (name, text) in &files {
            std::fs::write(sandbox.path().join(name), text).unwrap();
        }
        sandbox.prepare(&block.markers, &at);
        if block.marked("接口").next().is_some() {
            super::api::check(doc, block, &sandbox, outcome);
        } else if block.lang == "console" {
            for step in steps(doc, block) {
                run_step(doc, &sandbox, &step, outcome);
            }
        } else {
            for (line, words, exit) in command_lines(block) {
                if !runs(&words) || words[0] == "cp" {
                    continue;
                }
                let ran = sandbox.run(&words);
                outcome.ran += 1;
                if ran.code != exit {
                    outcome.failures.push(format!(
                        "{}: `{}` exited with {} (the document says {exit}):\n{}",
                        doc.at(line),
                        words.join(" "),
                        ran.code,
                        ran.output
                    ));
                }
            }
        }
    }
}

fn run_step(doc: &Doc, sandbox: &Sandbox, step: &Step, outcome: &mut Outcome) {
    let at = doc.at(step.line);
    let ran = sandbox.run(&step.words);
    outcome.ran += 1;
    let actual = tidy(ran.output.lines().map(str::to_owned));
    let mut lines: Vec<String> = step.expected.iter().map(|l| elision(l)).collect();
    // Two elisions in a row are one (snapbox's `...` wants a line after it).
    lines.dedup_by(|a, b| a == "..." && b == "...");
    let expected = tidy(lines.into_iter());
    let command = step.words.join(" ");
    if let Err(e) = snapbox::Assert::new()
        .palette(snapbox::report::Palette::plain())
        .try_eq(Some(&at), actual.clone().into(), expected.into())
    {
        outcome.failures.push(format!(
            "{at}: `{command}` printed something else than the document shows:\n{e}\nit printed:\n{actual}"
        ));
    } else if ran.code != step.exit {
        outcome.failures.push(format!(
            "{at}: `{command}` exited with {} (the document says {}; mark another code with `# 退出码 N`)",
            ran.code, step.exit
        ));
    }
}

/// The exit code a command line's comment states (`# … 退出码 1`, `退出码为 1`), else 0.
fn exit_code(comment: Option<&str>) -> i32 {
    let Some(rest) = comment.and_then(|c| c.split_once("退出码")).map(|(_, r)| r) else {
        return 0;
    };
    let digits: String = rest
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("退出码 N")
}

/// A line that is only `…` (or `…（说明）`) stands for any number of lines.
fn elision(line: &str) -> String {
    let t = line.trim();
    if t == "…" || t.starts_with("…（") {
        "...".to_owned()
    } else {
        line.to_owned()
    }
}

/// Lines without trailing spaces (Markdown editors remove them), no blank lines at the end.
fn tidy(lines: impl Iterator<Item = String>) -> String {
    let mut out: Vec<String> = lines.map(|l| l.trim_end().to_owned()).collect();
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.iter().map(|l| format!("{l}\n")).collect()
}

fn steps(doc: &Doc, block: &Block) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for (i, line) in block.body.iter().enumerate() {
        let number = block.line + 1 + i;
        if let Some(command) = line.strip_prefix("$ ") {
            let (words, comment) = shell_words(command);
            let exit = exit_code(comment.as_deref());
            assert!(
                runs(&words),
                "{}: not a command the tests can run: {command}",
                doc.at(number)
            );
            out.push(Step {
                line: number,
                words,
                exit,
                expected: Vec::new(),
            });
        } else {
            let step = out
                .last_mut()
                .unwrap_or_else(|| panic!("{}: a console block starts with `$ ` and a command", doc.at(number)));
            step.expected.push(line.clone());
        }
    }
    out
}

/// The command lines of a shell block (continuation lines joined): (line, words, exit code).
pub fn command_lines(block: &Block) -> Vec<(usize, Vec<String>, i32)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in block.body.iter().enumerate() {
        let (start, mut text) = pending.take().unwrap_or((block.line + 1 + i, String::new()));
        text.push_str(line.trim_end());
        if let Some(head) = text.strip_suffix('\\') {
            pending = Some((start, head.to_owned()));
            continue;
        }
        let (words, comment) = shell_words(&text);
        if !words.is_empty() {
            out.push((start, words, exit_code(comment.as_deref())));
        }
    }
    out
}

/// Splits a command line as a POSIX shell would (quotes, backslashes); a `#` at the start
/// of a word begins a comment, which is returned apart.
pub fn shell_words(line: &str) -> (Vec<String>, Option<String>) {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' if word.is_none() => return (words, Some(line[i + 1..].to_owned())),
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for (_, c) in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => w.extend(chars.next().map(|(_, c)| c)),
                        c => w.push(c),
                    }
                }
            }
            '\\' => word
                .get_or_insert_with(String::new)
                .extend(chars.next().map(|(_, c)| c)),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    (words, None)
}
