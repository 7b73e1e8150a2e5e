//! The documented rule text: every ```` ```jx ```` block is a complete rule file that checks
//! clean, is laid out as `jixiao fmt` lays it out and passes its `测试` cases; or a fragment
//! that parses and is laid out in a minimal wrapper; or an excerpt of a named file (`摘自`);
//! or is marked `不检查` with the reason.

use jixiao::source::SourceFile;

use super::markdown::{Block, Doc, Marker};

#[derive(Default)]
pub struct Outcome {
    pub failures: Vec<String>,
    /// (complete files, fragments, excerpts)
    pub counts: [usize; 3],
    pub unchecked: Vec<String>,
}

/// The file name documented rule text is compiled under: in `rules/`, so that
/// `基于 "yueyang-2021.jx"` finds the bundled file as the documents assume.
const NAME: &str = "rules/文档示例.jx";

pub fn check(doc: &Doc, blocks: &[Block], outcome: &mut Outcome) {
    for block in blocks.iter().filter(|b| b.lang == "jx") {
        let at = doc.at(block.line);
        if let Some(m) = block.marked("不检查").next() {
            assert!(m.words.len() > 1, "{at}: `不检查` needs a reason");
            outcome.unchecked.push(format!("{at}: {}", m.words[1..].join(" ")));
            continue;
        }
        let excerpt_of = block.marked("摘自").next();
        let mut result = excerpt_of.map_or(Ok(()), |m| excerpt(block, m));
        if excerpt_of.is_some() {
            outcome.counts[2] += 1;
        }
        // `基于` completes a block of test cases. An excerpt of an error example is checked as
        // part of its file (tests/it/check.rs); a complete excerpt of any other file as well.
        let error_example = excerpt_of.is_some_and(|m| m.words[1].starts_with("tests/errors/"));
        if let Some(base) = block.marked("基于").next() {
            outcome.counts[0] += 1;
            let text = format!("基于 \"{}\"\n\n{}", base.words[1], block.text());
            result = result.and_then(|()| complete(&text, block));
        } else if is_complete(&block.text()) && !error_example {
            outcome.counts[0] += 1;
            result = result.and_then(|()| complete(&block.text(), block));
        } else if excerpt_of.is_some() {
        } else {
            outcome.counts[1] += 1;
            result = fragment(&block.text());
        }
        if let Err(e) = result {
            outcome.failures.push(format!("{at}: {e}"));
        }
    }
}

/// A whole rule file starts (after comments) with `基于`, or with its header and has grades (a
/// block of header lines alone is a fragment).
fn is_complete(text: &str) -> bool {
    let mut code = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'));
    let first = code.next().unwrap_or_default();
    let starts = |keys: &[&str]| keys.iter().any(|k| first.starts_with(k));
    starts(&["基于 ", "based_on "]) || (starts(&["标题 ", "title "]) && code.any(|l| l.starts_with("等级")))
}

/// Checks with no error and no warning (`<!-- 测试 警告 N -->` allows N), is formatted, and
/// its test cases pass.
fn complete(text: &str, block: &Block) -> Result<(), String> {
    let compiled =
        jixiao::compile_with(NAME, text, &crate::loader).map_err(|e| jixiao::diagnostics::render_plain(&e))?;
    let allowed: usize = block.marked("警告").next().map_or(0, |m| m.words[1].parse().unwrap());
    if compiled.warnings.len() != allowed {
        let shown: Vec<String> = compiled
            .warnings
            .iter()
            .map(|w| jixiao::diagnostics::render_plain(w))
            .collect();
        return Err(format!(
            "{} warnings (the document allows {allowed}):\n{}",
            compiled.warnings.len(),
            shown.join("\n")
        ));
    }
    formatted(text)?;
    let dir = crate::root().join("rules");
    let load = |rel: &str| -> Result<(String, String), String> {
        let path = dir.join(rel);
        std::fs::read_to_string(&path)
            .map(|t| (path.display().to_string(), t))
            .map_err(|e| e.to_string())
    };
    let (results, _) = jixiao::testing::run(&compiled, &load);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| format!("测试 {:?} fails: {}", r.name, r.failures.join("; ")))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

/// Where a fragment goes, by its first keyword: (text before, nesting depth, text after).
fn wrapper(first: &str) -> (&'static str, usize, &'static str) {
    const LEAF: &str = "一级 甲 分值 1 {\n二级 乙 分值 1 {\n三级 丙 分值 1 {\n";
    match first {
        "三级" => ("一级 甲 分值 1 {\n二级 乙 分值 1 {\n", 2, "}\n}\n"),
        "二级" => ("一级 甲 分值 1 {\n", 1, "}\n"),
        "公式" | "显示" | "标准" | "说明" | "评分" | "无法计算时" => (LEAF, 3, "}\n}\n}\n"),
        _ => ("", 0, ""),
    }
}

/// Parses inside its wrapper, and the wrapper's layout leaves it as written.
fn fragment(text: &str) -> Result<(), String> {
    let first = text.split_whitespace().next().unwrap_or_default();
    let (before, depth, after) = wrapper(first);
    let whole = format!("{before}{text}{after}");
    jixiao::syntax::parse(&SourceFile::new("片段.jx", &whole)).map_err(|e| jixiao::diagnostics::render_plain(&*e))?;
    let formatted = jixiao::format::format_source(&whole).map_err(|e| e.0)?;
    let lines: Vec<&str> = formatted.lines().collect();
    let (skip, keep) = (before.lines().count(), text.lines().count());
    let indent = "  ".repeat(depth);
    let inner: String = lines[skip..skip + keep]
        .iter()
        .map(|l| format!("{}\n", l.strip_prefix(&indent).unwrap_or(l)))
        .collect();
    formatted_as(text, &inner)
}

fn formatted(text: &str) -> Result<(), String> {
    let laid_out = jixiao::format::format_source(text).map_err(|e| e.0)?;
    formatted_as(text, &laid_out)
}

fn formatted_as(text: &str, laid_out: &str) -> Result<(), String> {
    if laid_out == text {
        return Ok(());
    }
    let differ: Vec<String> = text
        .lines()
        .zip(laid_out.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("  written: {a}\n  jixiao fmt: {b}"))
        .take(5)
        .collect();
    Err(format!("not as `jixiao fmt` lays it out:\n{}", differ.join("\n")))
}

/// The block's lines are, in order, lines of the named file (blank lines aside; `…` alone on
/// a line marks lines left out). With `全文` the block is the whole file but for the comments
/// at its top.
fn excerpt(block: &Block, marker: &Marker) -> Result<(), String> {
    let path = &marker.words[1];
    let source = std::fs::read_to_string(crate::root().join(path)).map_err(|e| format!("摘自 {path}: {e}"))?;
    if marker.words.iter().any(|w| w == "全文") {
        let body: Vec<&str> = source
            .lines()
            .skip_while(|l| l.starts_with("//") || l.trim().is_empty())
            .collect();
        let whole = body.iter().map(|l| format!("{l}\n")).collect::<String>();
        return formatted_as(&block.text(), &whole).map_err(|_| format!("the block is not the whole of {path}"));
    }
    let mut lines = source.lines().map(str::trim_end);
    for line in block
        .body
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty() && l.trim() != "…")
    {
        if !lines.any(|l| l == line) {
            return Err(format!("`{line}` is not (in this order) in {path}"));
        }
    }
    Ok(())
}
