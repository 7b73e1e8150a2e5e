//! The figures docs/language.md states (§1, §14: 无法计算, `无法计算时`, 不适用, 不完整,
//! `--partial`) are computed and compared: a change that makes them wrong fails `cargo test`.
//!
//! - `<!-- 测试 规则 名称 -->` before a ```` ```jx ```` block: the block is a complete rule
//!   file; later markers call it `名称`.
//! - `<!-- 测试 数据 名称 -->` before a ```` ```toml ```` block: a unit's data file.
//! - `<!-- 测试 期望 规则=名称 数据=名称 [不适用时=…] [去掉无法计算时] [设=输入:值] [部分] 总分=… 等级=… 指标=… -->`:
//!   evaluate that data under those rules (`规则=@path` / `数据=@path` name a file in the
//!   repository; `不适用时=…` replaces the file's `不适用时` mode; `去掉无法计算时` removes every
//!   `无法计算时` clause and the `不适用时` line; `设=` changes one input; `部分` evaluates as
//!   `--partial` does) and assert the shown total (`总分`), the grade
//!   (`等级`, `无` for none) and every other key as an indicator's or category's shown score.
//!   Each stated figure must also appear in the documentation where it is stated: in the
//!   table row for that `不适用时` mode if there is one, else before the next heading.
//! - `<!-- 测试 错误 规则=名称 去掉="一行" -->` before a ```` ```text ```` block: the rule file
//!   without that line must fail to check, with every `×` message of the block.

use std::collections::HashMap;

const DOC: &str = "docs/language.md";

/// One marker and the text after it (up to the next heading).
struct Marker {
    line: usize,
    words: Vec<String>,
    after: String,
}

/// The fenced block right after line `from`: (language, body).
fn block_after(lines: &[&str], from: usize) -> (String, String) {
    let start = (from + 1..lines.len())
        .find(|&i| lines[i].starts_with("```"))
        .unwrap_or_else(|| panic!("{DOC}:{}: a marker with no code block after it", from + 1));
    assert!(
        lines[from + 1..start]
            .iter()
            .all(|l| l.trim().is_empty() || l.starts_with("<!--")),
        "{DOC}:{}: the marked code block must follow the marker",
        from + 1
    );
    let lang = lines[start].trim_start_matches('`').trim().to_owned();
    let end = (start + 1..lines.len())
        .find(|&i| lines[i].starts_with("```"))
        .unwrap_or_else(|| panic!("{DOC}:{}: unclosed code block", start + 1));
    (lang, lines[start + 1..end].join("\n") + "\n")
}

fn words(text: &str) -> Vec<String> {
    super::markdown::split_words(text)
}

fn markers(text: &str) -> Vec<Marker> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(body) = line
            .trim()
            .strip_prefix("<!-- 测试 ")
            .and_then(|b| b.strip_suffix("-->"))
        else {
            continue;
        };
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].starts_with('#'))
            .unwrap_or(lines.len());
        out.push(Marker {
            line: i,
            words: words(body),
            after: lines[i + 1..end].join("\n"),
        });
    }
    out
}

fn options(words: &[String]) -> HashMap<&str, &str> {
    words.iter().filter_map(|w| w.split_once('=')).collect()
}

/// `名称` from the marked blocks, or `@path` from the repository.
fn lookup(named: &HashMap<String, String>, key: &str) -> String {
    match key.strip_prefix('@') {
        Some(path) => crate::read(&crate::root().join(path)),
        None => named
            .get(key)
            .unwrap_or_else(|| panic!("{DOC}: no block marked `{key}`"))
            .clone(),
    }
}

/// The rule text without its `无法计算时` clauses (one line, or a `{ … }` block) and without
/// `不适用时`.
fn without_policies(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let t = line.trim();
        if in_block {
            in_block = t != "}";
            continue;
        }
        if t.starts_with("无法计算时") {
            in_block = t.contains('{') && !t.contains('}');
            continue;
        }
        if !t.starts_with("不适用时 ") {
            out.push(line);
        }
    }
    out.join("\n") + "\n"
}

pub fn the_marked_examples_of_the_language_reference_hold() {
    let text = crate::read(&crate::root().join(DOC));
    let lines: Vec<&str> = text.lines().collect();
    let all = markers(&text);
    let (mut rules, mut data) = (HashMap::new(), HashMap::new());
    let mut counts = [0usize; 4];
    for m in &all {
        match m.words.first().map(String::as_str) {
            Some("规则") => {
                let (lang, body) = block_after(&lines, m.line);
                assert_eq!(lang, "jx", "{DOC}:{}", m.line + 1);
                let compiled = crate::compile(&format!("{DOC}:{}", m.line + 1), &body);
                assert!(
                    compiled.warnings.is_empty(),
                    "{DOC}:{}: the example has warnings",
                    m.line + 1
                );
                rules.insert(m.words[1].clone(), body);
                counts[0] += 1;
            }
            Some("数据") => {
                let (lang, body) = block_after(&lines, m.line);
                assert_eq!(lang, "toml", "{DOC}:{}", m.line + 1);
                data.insert(m.words[1].clone(), body);
                counts[1] += 1;
            }
            _ => {}
        }
    }
    for m in &all {
        let at = m.line + 1;
        let opts = options(&m.words);
        match m.words[0].as_str() {
            "期望" => {
                let mut rule_text = lookup(&rules, opts["规则"]);
                if let Some(mode) = opts.get("不适用时") {
                    let line = rule_text
                        .lines()
                        .find(|l| l.starts_with("不适用时 "))
                        .unwrap_or_else(|| panic!("{DOC}:{at}: the rules have no `不适用时`"))
                        .to_owned();
                    rule_text = rule_text.replace(&line, &format!("不适用时 {mode}"));
                }
                if m.words.iter().any(|w| w == "去掉无法计算时") {
                    rule_text = without_policies(&rule_text);
                }
                let mut data_text = lookup(&data, opts["数据"]);
                if let Some((name, value)) = opts.get("设").and_then(|s| s.split_once(':')) {
                    let line = data_text
                        .lines()
                        .find(|l| l.starts_with(&format!("\"{name}\" =")))
                        .unwrap_or_else(|| panic!("{DOC}:{at}: the data has no `{name}`"))
                        .to_owned();
                    data_text = data_text.replace(&line, &format!("\"{name}\" = {value}"));
                }
                let compiled = crate::compile("doc.jx", &rule_text);
                let model = &compiled.model;
                let partial = m.words.iter().any(|w| w == "部分");
                let options = jixiao::data::BindOptions { partial };
                let record = jixiao::load_data_with(model, "doc.toml", &data_text, jixiao::DataFormat::Toml, options)
                    .unwrap_or_else(|e| panic!("{DOC}:{at}: {}", jixiao::diagnostics::render_plain(&e)));
                let ev = jixiao::evaluate(model, &record, false).unwrap();
                // Where the figures must be stated: the table row of this mode, if any.
                let stated = opts
                    .get("不适用时")
                    .and_then(|mode| m.after.lines().find(|l| l.starts_with(&format!("| {mode} "))))
                    .unwrap_or(&m.after);
                for (key, want) in &opts {
                    let got = match *key {
                        "规则" | "数据" | "不适用时" | "设" => continue,
                        "总分" => ev.total_display.clone(),
                        "等级" => ev.grade.clone().unwrap_or_else(|| "无".into()),
                        name => ev
                            .indicators
                            .iter()
                            .map(|i| (&i.name, &i.score_display))
                            .chain(ev.categories.iter().map(|c| (&c.name, &c.score_display)))
                            .find(|(n, _)| n.as_str() == name)
                            .unwrap_or_else(|| panic!("{DOC}:{at}: no indicator `{name}`"))
                            .1
                            .clone(),
                    };
                    assert_eq!(&got, want, "{DOC}:{at}: {key}");
                    assert!(
                        stated.contains(want),
                        "{DOC}:{at}: {key} = {want} is not stated in the text after the marker"
                    );
                }
                counts[2] += 1;
            }
            "错误" => {
                let (_, shown) = block_after(&lines, m.line);
                let rule_text = lookup(&rules, opts["规则"]);
                let drop = opts["去掉"];
                assert!(rule_text.contains(drop), "{DOC}:{at}: `{drop}` is not in the rules");
                let message = crate::load_error("doc.jx", &rule_text.replace(drop, ""));
                for line in shown.lines().filter_map(|l| l.trim().strip_prefix("× ")) {
                    assert!(message.contains(line), "{DOC}:{at}: `{line}` not in\n{message}");
                }
                counts[3] += 1;
            }
            _ => {}
        }
    }
    // Guards against a marker convention that silently matches nothing.
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
}
