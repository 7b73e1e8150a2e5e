//! docs/diagnostics.md quotes jixiao's messages: `> × …` lines and code spans starting with
//! `× `, `⚠ `, `- 字段 ` (or following `help: `). Each is checked against what jixiao prints
//! for the example file the text names nearby: a `tests/errors/*.jx` file (`jixiao check`)
//! or a `tests/errors/data/*.toml` file (`jixiao eval rules/yueyang-2021.jx …`).
//!
//! The files are those named in the same paragraph, table row or quote (as `` `x.jx` `` or
//! in a `<!-- 测试 摘自 … -->` marker); a paragraph or quote naming none takes those of the
//! one before it in the same section. A message with no file to check it against fails.

use std::collections::HashMap;

use super::markdown::{code_spans, marker, Doc};

pub const DOC: &str = "docs/diagnostics.md";

#[derive(Default)]
pub struct Outcome {
    pub failures: Vec<String>,
    pub checked: usize,
}

pub fn check(doc: &Doc, outcome: &mut Outcome) {
    let lines = doc.lines();
    let mut printed: HashMap<String, String> = HashMap::new();
    let mut current: Vec<String> = Vec::new();
    let mut in_block = false;
    let mut unit_start = true;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        if t.starts_with('#') {
            current.clear();
            unit_start = true;
            continue;
        }
        if let Some(m) = marker(line, i + 1) {
            if m.kind() == "摘自" {
                current = vec![m.words[1].clone()];
            }
            continue;
        }
        if t.is_empty() {
            unit_start = true;
            continue;
        }
        // A table row is a unit of its own; a paragraph or quote starts at a blank line.
        let named = files_named(t);
        let row;
        let files = if t.starts_with('|') {
            row = named;
            &row
        } else {
            if unit_start && !named.is_empty() {
                current = named;
            } else {
                current.extend(named);
            }
            unit_start = false;
            &current
        };
        for message in messages(t) {
            outcome.checked += 1;
            let at = doc.at(i + 1);
            if files.is_empty() {
                outcome
                    .failures
                    .push(format!("{at}: `{message}` names no example file to check it against"));
                continue;
            }
            let found = files.iter().any(|file| {
                printed
                    .entry(file.clone())
                    .or_insert_with(|| output(file))
                    .contains(&message)
            });
            if !found {
                let shown: Vec<&str> = files.iter().map(|f| printed[f].as_str()).collect();
                outcome.failures.push(format!(
                    "{at}: `{message}` is not what jixiao prints for {files:?}:\n{}",
                    shown.join("\n")
                ));
            }
        }
    }
}

/// What jixiao prints for an example file.
fn output(file: &str) -> String {
    let (_, out, err) = if file.ends_with(".toml") {
        crate::jixiao(&["eval", "rules/yueyang-2021.jx", file])
    } else {
        crate::jixiao(&["check", file])
    };
    format!("{out}{err}")
}

/// The example files a line names: `x.jx` in tests/errors/, `x.toml` in tests/errors/data/.
fn files_named(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || "_./".contains(c))) {
        let name = word.rsplit('/').next().unwrap_or(word);
        let path = if name.ends_with(".jx") {
            format!("tests/errors/{name}")
        } else if name.ends_with(".toml") {
            format!("tests/errors/data/{name}")
        } else {
            continue;
        };
        if super::markdown::exists(&path) && !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// The messages a line quotes.
fn messages(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(q) = line.strip_prefix('>') {
        let q = q.trim().trim_end_matches('\\').trim_end();
        if is_message(q) {
            out.push(q.to_owned());
        }
        return out;
    }
    let mut rest = line;
    for span in code_spans(line) {
        let before = rest.split(span.as_str()).next().unwrap_or_default();
        if is_message(&span) || before.trim_end_matches('`').ends_with("help: ") {
            out.push(span.clone());
        }
        rest = rest
            .get(rest.find(span.as_str()).map_or(0, |p| p + span.len())..)
            .unwrap_or_default();
    }
    out
}

fn is_message(text: &str) -> bool {
    ["× ", "⚠ ", "help: ", "- 字段 "].iter().any(|p| text.starts_with(p))
}
