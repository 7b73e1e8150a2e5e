//! The language service's model of one open rule file: its parse, the files it is
//! `基于`, the rules it means (merged for a `基于` file) and the checker's diagnostics,
//! placed in the document.
//!
//! A `基于` file is checked as `jixiao check` does: `inherit::resolve` merges it with its
//! base into one text (formatted), which is parsed and checked. That text keeps no map
//! back to the files it came from, so a diagnostic is placed by finding the innermost
//! indicator or item of the merged rules it falls in, finding where that indicator or
//! item was written (this file's `替换`/`新增`/own items, else the base file), and, when
//! the two texts are the same up to whitespace (merging and formatting change nothing
//! else), counting non-space characters to the exact place. Diagnostics that land in a
//! base file are reported on this file's `基于` line, naming the base file and line, with
//! the exact place as related information.

use std::path::{Path, PathBuf};

use jixiao::ast::{CriterionKind, Item, Node, RuleSet};
use jixiao::diagnostics::{CheckCode, CheckError, Level, LoadError, SyntaxError};
use jixiao::inherit::item_key;
use jixiao::source::{SourceFile, Span};

use crate::index::{self, Occurrence};

/// Reads a file the document is `基于` (an open document's text, else the disk's).
pub type Reader<'a> = dyn Fn(&Path) -> Result<String, String> + 'a;

/// One file: the document itself (`files[0]`) or a file of its `基于` chain.
#[derive(Debug)]
pub struct FileInfo {
    /// The name jixiao's `SourceFile` carries: the path, or the URI of an unsaved file.
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: String,
    pub ast: Option<RuleSet>,
    pub occurrences: Vec<Occurrence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in one of the analysis' files, with a text.
#[derive(Debug, Clone)]
pub struct Related {
    pub file: usize,
    pub span: Span,
    pub message: String,
}

/// An edit that fixes a diagnostic (a code action).
#[derive(Debug, Clone)]
pub struct Fix {
    pub title: String,
    /// Edits in the document (`files[0]`).
    pub edits: Vec<(Span, String)>,
    pub preferred: bool,
}

/// A diagnostic placed in the document.
#[derive(Debug, Clone)]
pub struct Diag {
    pub span: Span,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// The checker's advice for the fix (`帮助：…` when shown with the message).
    pub help: Option<String>,
    pub related: Vec<Related>,
    pub fixes: Vec<Fix>,
}

impl Diag {
    /// The message with its help on a second line, as an editor shows one text.
    pub fn full_message(&self) -> String {
        match &self.help {
            Some(h) => format!("{}\n帮助：{h}", self.message),
            None => self.message.clone(),
        }
    }
}

#[derive(Debug)]
pub struct Analysis {
    /// The document, then the files of its `基于` chain that could be read and parsed.
    pub files: Vec<FileInfo>,
    /// The rules the document means: the merged text for a `基于` file, else its own;
    /// `None` when it does not parse (or its base cannot be merged).
    pub effective: Option<(SourceFile, RuleSet)>,
    pub diagnostics: Vec<Diag>,
}

impl Analysis {
    pub fn doc(&self) -> &FileInfo {
        &self.files[0]
    }

    /// Where a symbol is declared, this file first, then its bases.
    pub fn declarations(&self, name: &str) -> Vec<(usize, &Occurrence)> {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.occurrences.iter().map(move |o| (i, o)))
            .filter(|(_, o)| o.decl.is_some() && o.name == name)
            .collect()
    }

    /// Every place a name is written, in every file of the chain.
    pub fn references(&self, name: &str) -> Vec<(usize, &Occurrence)> {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.occurrences.iter().map(move |o| (i, o)))
            .filter(|(_, o)| o.name == name)
            .collect()
    }
}

pub fn analyze(name: &str, path: Option<&Path>, text: &str, read: &Reader) -> Analysis {
    let source = SourceFile::new(name, text);
    let mut doc = FileInfo {
        name: name.to_owned(),
        path: path.map(Path::to_path_buf),
        text: source.text.to_string(),
        ast: None,
        occurrences: Vec::new(),
    };
    let ast = match jixiao::syntax::parse(&source) {
        Ok(ast) => ast,
        Err(e) => {
            let diag = syntax_diag(&e, &doc.text);
            return Analysis {
                files: vec![doc],
                effective: None,
                diagnostics: vec![diag],
            };
        }
    };
    doc.occurrences = index::occurrences(&ast);
    let Some(base) = ast.base.clone() else {
        let (_, errors) = jixiao::check::check(&source, &ast);
        let diagnostics = errors.iter().map(|e| direct_diag(e, &doc.text, Some(&ast))).collect();
        doc.ast = Some(ast.clone());
        return Analysis {
            files: vec![doc],
            effective: Some((source, ast)),
            diagnostics,
        };
    };
    doc.ast = Some(ast);
    let mut files = vec![doc];
    load_chain(&mut files, read);
    let loader = |from: &str, base: &str| -> Result<(String, String), String> {
        let dir = Path::new(from).parent().ok_or("未保存的文件不能读取基础规则文件")?;
        if !Path::new(from).is_absolute() {
            return Err("未保存的文件不能读取基础规则文件".into());
        }
        let path = dir.join(base);
        let text = read(&path)?;
        Ok((path.display().to_string(), text))
    };
    let mut analysis = Analysis {
        files,
        effective: None,
        diagnostics: Vec::new(),
    };
    let doc_text = analysis.files[0].text.clone();
    // A span in a file of the chain, by the file's name.
    let at_base = |analysis: &Analysis, file_name: &str, span: Span| -> Option<(usize, Span)> {
        let i = analysis.files.iter().position(|f| f.name == file_name)?;
        Some((i, span))
    };
    match jixiao::inherit::resolve(&source, &loader) {
        Err(LoadError::Syntax(e)) => {
            let place = at_base(&analysis, e.file_name(), e.span());
            let (line, column) = e.line_col();
            let message = format!(
                "基础规则文件 `{}` 第 {line} 行第 {column} 列：语法错误：{}",
                short(e.file_name()),
                e.message()
            );
            let related = place
                .map(|(file, span)| Related {
                    file,
                    span,
                    message: e.label_text().to_owned(),
                })
                .into_iter()
                .collect();
            analysis.diagnostics.push(Diag {
                span: base.span,
                severity: Severity::Error,
                code: "jixiao::syntax",
                message,
                help: e.help_text().map(str::to_owned),
                related,
                fixes: Vec::new(),
            });
        }
        Err(LoadError::Check(errors)) => {
            for e in &errors.errors {
                let file = e.source_file();
                if file.name == name {
                    let diag = direct_diag(e, &doc_text, analysis.files[0].ast.as_ref());
                    analysis.diagnostics.push(diag);
                } else {
                    let (line, _) = e.line_col();
                    let related = e
                        .labels
                        .first()
                        .and_then(|(span, text)| {
                            at_base(&analysis, &file.name, *span).map(|(file, span)| Related {
                                file,
                                span,
                                message: text.clone(),
                            })
                        })
                        .into_iter()
                        .collect();
                    analysis.diagnostics.push(Diag {
                        span: base.span,
                        message: format!("{}（基础规则文件 `{}` 第 {line} 行）", e.message, short(&file.name)),
                        help: e.help.clone(),
                        severity: severity(e.level),
                        code: e.code.code(),
                        related,
                        fixes: Vec::new(),
                    });
                }
            }
        }
        Ok(merged) => match jixiao::syntax::parse(&merged) {
            Err(e) => {
                let (line, _) = e.line_col();
                analysis.diagnostics.push(Diag {
                    span: base.span,
                    severity: Severity::Error,
                    code: "jixiao::syntax",
                    message: format!(
                        "合并后的规则第 {line} 行：语法错误：{}（用 `jixiao show` 查看合并结果）",
                        e.message()
                    ),
                    help: None,
                    related: Vec::new(),
                    fixes: Vec::new(),
                });
            }
            Ok(merged_ast) => {
                let (_, errors) = jixiao::check::check(&merged, &merged_ast);
                let mapper = Mapper::new(&merged, &merged_ast, &analysis.files);
                for e in &errors {
                    let diag = mapped_diag(e, &mapper, &analysis, base.span);
                    analysis.diagnostics.push(diag);
                }
                analysis.effective = Some((merged, merged_ast));
            }
        },
    }
    analysis
}

/// Reads and parses the `基于` chain as far as it goes (for navigation and hover).
fn load_chain(files: &mut Vec<FileInfo>, read: &Reader) {
    while files.len() <= jixiao::inherit::MAX_DEPTH {
        let last = files.last().expect("the document");
        let (Some(base), Some(dir)) = (
            last.ast.as_ref().and_then(|a| a.base.as_ref()),
            last.path.as_ref().and_then(|p| p.parent()),
        ) else {
            return;
        };
        let path = dir.join(&base.node);
        if files.iter().any(|f| f.path.as_deref() == Some(&path)) {
            return;
        }
        let Ok(text) = read(&path) else { return };
        let name = path.display().to_string();
        let source = SourceFile::new(&name, &text);
        let ast = jixiao::syntax::parse(&source).ok();
        let occurrences = ast.as_ref().map(index::occurrences).unwrap_or_default();
        files.push(FileInfo {
            name,
            path: Some(path),
            text: source.text.to_string(),
            ast,
            occurrences,
        });
    }
}

/// The file name without its directory, for messages.
pub fn short(name: &str) -> &str {
    Path::new(name).file_name().and_then(|n| n.to_str()).unwrap_or(name)
}

fn severity(level: Level) -> Severity {
    match level {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
    }
}

fn syntax_diag(e: &SyntaxError, text: &str) -> Diag {
    let mut span = e.span();
    if span.start == span.end {
        // An empty span is hard to see: cover the character there, if any.
        if let Some(c) = text[span.start.min(text.len())..].chars().next().filter(|c| *c != '\n') {
            span.end = span.start + c.len_utf8();
        }
    }
    let mut message = format!("语法错误：{}", e.message());
    if !e.label_text().is_empty() {
        message.push_str(&format!("（{}）", e.label_text()));
    }
    let related = miette::Diagnostic::labels(e)
        .into_iter()
        .flatten()
        .filter(|l| l.offset() != e.span().start)
        .map(|l| Related {
            file: 0,
            span: Span::new(l.offset(), l.offset() + l.len()),
            message: l.label().unwrap_or("").to_owned(),
        })
        .collect();
    let fixes = add_other_fix(e, text).into_iter().collect();
    Diag {
        span,
        severity: Severity::Error,
        code: "jixiao::syntax",
        message,
        help: e.help_text().map(str::to_owned),
        related,
        fixes,
    }
}

/// A diagnostic whose spans are in the document.
fn direct_diag(e: &CheckError, text: &str, ast: Option<&RuleSet>) -> Diag {
    let span = e.labels.first().map_or(Span::default(), |l| l.0);
    let related = e
        .labels
        .iter()
        .skip(1)
        .map(|(span, message)| Related {
            file: 0,
            span: *span,
            message: message.clone(),
        })
        .collect();
    Diag {
        span,
        severity: severity(e.level),
        code: e.code.code(),
        message: e.message.clone(),
        help: e.help.clone(),
        related,
        fixes: fixes(e, span, text, ast),
    }
}

fn mapped_diag(e: &CheckError, mapper: &Mapper, analysis: &Analysis, base_span: Span) -> Diag {
    let primary = e.labels.first().map_or(Span::default(), |l| l.0);
    let related: Vec<Related> = e
        .labels
        .iter()
        .skip(1)
        .filter_map(|(span, message)| {
            mapper.map(*span).map(|m| Related {
                file: m.file,
                span: m.span,
                message: message.clone(),
            })
        })
        .collect();
    let doc = analysis.doc();
    match mapper.map(primary) {
        Some(m) if m.file == 0 => Diag {
            span: m.span,
            severity: severity(e.level),
            code: e.code.code(),
            message: e.message.clone(),
            help: e.help.clone(),
            related,
            fixes: if m.exact {
                fixes(e, m.span, &doc.text, doc.ast.as_ref())
            } else {
                Vec::new()
            },
        },
        Some(m) => {
            let file = &analysis.files[m.file];
            let line = SourceFile::new(&file.name, &file.text).line_col(m.span.start).0;
            let mut related = related;
            related.insert(
                0,
                Related {
                    file: m.file,
                    span: m.span,
                    message: e.labels.first().map_or(String::new(), |l| l.1.clone()),
                },
            );
            Diag {
                span: base_span,
                severity: severity(e.level),
                code: e.code.code(),
                message: format!("{}（基础规则文件 `{}` 第 {line} 行）", e.message, short(&file.name)),
                help: e.help.clone(),
                related,
                fixes: Vec::new(),
            }
        }
        None => {
            let (line, _) = e.line_col();
            Diag {
                span: base_span,
                severity: severity(e.level),
                code: e.code.code(),
                message: format!("{}（合并后的规则第 {line} 行，用 `jixiao show` 查看）", e.message),
                help: e.help.clone(),
                related,
                fixes: Vec::new(),
            }
        }
    }
}

// ── placing merged diagnostics ────────────────────────────────────────────

#[derive(Debug, Clone, Copy)]
pub struct Mapped {
    pub file: usize,
    pub span: Span,
    /// The exact place (else the name of the indicator or the item it is in).
    pub exact: bool,
}

enum UnitKey<'a> {
    Node(&'a Node),
    Item(String),
}

struct Mapper<'a> {
    merged: &'a SourceFile,
    /// Innermost first when sorted by length: (span in the merged text, what it is).
    units: Vec<(Span, UnitKey<'a>)>,
    files: &'a [FileInfo],
}

impl<'a> Mapper<'a> {
    fn new(merged: &'a SourceFile, ast: &'a RuleSet, files: &'a [FileInfo]) -> Mapper<'a> {
        let mut units = Vec::new();
        for (i, item) in ast.items.iter().enumerate() {
            if let Item::Node(n) = item {
                push_nodes(n, &mut units);
            } else if let Some(key) = item_key(item) {
                units.push((ast.item_spans[i], UnitKey::Item(key)));
            }
        }
        Mapper { merged, units, files }
    }

    fn map(&self, span: Span) -> Option<Mapped> {
        let (unit_span, unit) = self
            .units
            .iter()
            .filter(|(s, _)| s.start <= span.start && span.end <= s.end)
            .min_by_key(|(s, _)| s.end - s.start)?;
        let merged_text = self.merged.slice(*unit_span);
        let rel = Span::new(span.start - unit_span.start, span.end - unit_span.start);
        let exact = |file: usize, origin_start: usize, s: Span| Mapped {
            file,
            span: Span::new(origin_start + s.start, origin_start + s.end),
            exact: true,
        };
        // The document first: its `替换`, `新增` and own items win over the base's.
        for (file, f) in self.files.iter().enumerate().take(2) {
            let Some(ast) = &f.ast else { continue };
            let (origin_span, name_span, header) = match unit {
                UnitKey::Node(n) => match find_node(ast, &n.name.node) {
                    Some(o) => (
                        o.span,
                        o.name.span,
                        Some((n.open.end - n.span.start, o.open.end - o.span.start)),
                    ),
                    None => continue,
                },
                UnitKey::Item(key) => {
                    let found = ast
                        .items
                        .iter()
                        .enumerate()
                        .find(|(_, item)| item_key(item).as_deref() == Some(key.as_str()));
                    match found {
                        Some((i, item)) => (
                            ast.item_spans[i],
                            item_name_span(item, ast.item_spans[i], &f.text),
                            None,
                        ),
                        None => continue,
                    }
                }
            };
            let origin_text = f.text.get(origin_span.start..origin_span.end).unwrap_or("");
            if let Some(s) = map_within(merged_text, origin_text, rel) {
                return Some(exact(file, origin_span.start, s));
            }
            if let Some((merged_header, origin_header)) = header {
                if rel.end <= merged_header {
                    let (m, o) = (
                        &merged_text[..merged_header],
                        origin_text.get(..origin_header).unwrap_or(""),
                    );
                    if let Some(s) = map_within(m, o, rel) {
                        return Some(exact(file, origin_span.start, s));
                    }
                    // A header rewritten by the document's `调整 … 分值 …`.
                    if let Some(adjust) = self.files[0].ast.as_ref().and_then(|a| find_adjust(a, unit)) {
                        return Some(Mapped {
                            file: 0,
                            span: adjust,
                            exact: false,
                        });
                    }
                }
            }
            return Some(Mapped {
                file,
                span: name_span,
                exact: false,
            });
        }
        None
    }
}

/// Where to point at an item as a whole: its name, else its first line.
fn item_name_span(item: &Item, span: Span, text: &str) -> Span {
    match item {
        Item::Input(d) => d.name.span,
        Item::TargetList(d) => d.name.span,
        Item::Let(d) => d.name.span,
        Item::Check(c) => c.name.span,
        Item::Compare(c) => c.name.span,
        _ => {
            let rest = text.get(span.start..span.end).unwrap_or("");
            Span::new(span.start, span.start + rest.find('\n').unwrap_or(rest.len()))
        }
    }
}

fn find_adjust(ast: &RuleSet, unit: &UnitKey) -> Option<Span> {
    let UnitKey::Node(n) = unit else { return None };
    ast.items.iter().find_map(|i| match i {
        Item::Adjust { name, weight } if name.node == n.name.node => Some(name.span.to(weight.span)),
        _ => None,
    })
}

fn push_nodes<'a>(n: &'a Node, out: &mut Vec<(Span, UnitKey<'a>)>) {
    out.push((n.span, UnitKey::Node(n)));
    for c in &n.children {
        push_nodes(c, out);
    }
}

/// An indicator of this name anywhere in a file (its tree, `替换`, `新增`).
pub fn find_node<'a>(ast: &'a RuleSet, name: &str) -> Option<&'a Node> {
    fn walk<'a>(n: &'a Node, name: &str) -> Option<&'a Node> {
        if n.name.node == name {
            return Some(n);
        }
        n.children.iter().find_map(|c| walk(c, name))
    }
    ast.items.iter().find_map(|i| match i {
        Item::Node(n) | Item::Replace(n) | Item::Add { node: n, .. } => walk(n, name),
        _ => None,
    })
}

/// `rel` in `merged` placed in `origin`, when the two are the same text up to whitespace.
fn map_within(merged: &str, origin: &str, rel: Span) -> Option<Span> {
    let solid = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if solid(merged) != solid(origin.trim_end()) {
        return None;
    }
    let count = |upto: usize| {
        merged[..upto.min(merged.len())]
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    };
    let (k_start, k_end) = (count(rel.start), count(rel.end));
    // The byte offset of the k-th non-space character of `origin` (its start), and just
    // after the k-th one (for the end).
    let mut starts = origin.char_indices().filter(|(_, c)| !c.is_whitespace());
    let start = starts.clone().nth(k_start).map_or(origin.len(), |(i, _)| i);
    let end = if k_end == 0 {
        start
    } else {
        starts
            .nth(k_end - 1)
            .map_or(origin.len(), |(i, c)| i + c.len_utf8())
            .max(start)
    };
    Some(Span::new(start, end))
}

// ── fixes ─────────────────────────────────────────────────────────────────

fn fixes(e: &CheckError, span: Span, text: &str, ast: Option<&RuleSet>) -> Vec<Fix> {
    let written = text.get(span.start..span.end).unwrap_or("");
    match e.code {
        CheckCode::UnknownName => did_you_mean(e.help.as_deref().unwrap_or(""))
            .into_iter()
            .enumerate()
            .map(|(i, name)| Fix {
                title: format!("改为 `{name}`"),
                edits: vec![(span, name)],
                preferred: i == 0,
            })
            .collect(),
        CheckCode::UnitSuspicious => {
            let fixed = add_percent(written);
            if fixed == written {
                return Vec::new();
            }
            vec![Fix {
                title: format!("加上 %：`{fixed}`"),
                edits: vec![(span, fixed)],
                preferred: true,
            }]
        }
        CheckCode::ScoreBounds => {
            let Some(node) = ast.and_then(|a| formula_node(a, span)) else {
                return Vec::new();
            };
            let weight = text.get(node.weight.span.start..node.weight.span.end).unwrap_or("");
            vec![Fix {
                title: format!("限定得分在 0 到分值 {weight} 之间：clamp(…, 0, {weight})"),
                edits: vec![(span, format!("clamp({written}, 0, {weight})"))],
                preferred: true,
            }]
        }
        _ => Vec::new(),
    }
}

/// The names in the checker's `是否指 `甲`、`乙`？`.
pub fn did_you_mean(help: &str) -> Vec<String> {
    let Some(rest) = help.strip_prefix("是否指 ") else {
        return Vec::new();
    };
    rest.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// `100` → `100%`, `[0, 90]` → `[0%, 90%]`: a `%` after every number without one.
fn add_percent(written: &str) -> String {
    let mut out = String::with_capacity(written.len() + 4);
    let mut chars = written.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
        if digit(c) {
            match chars.peek() {
                Some(&n) if digit(n) || n == '.' || n == '．' || n == '%' || n == '％' => {}
                _ => out.push('%'),
            }
        }
    }
    out
}

/// The indicator whose `评分 公式 …` is exactly `span`.
fn formula_node(ast: &RuleSet, span: Span) -> Option<&Node> {
    fn walk(n: &Node, span: Span) -> Option<&Node> {
        if let Some(c) = &n.scoring {
            if let CriterionKind::Formula(e) = &c.kind {
                if e.span == span {
                    return Some(n);
                }
            }
        }
        n.children.iter().find_map(|c| walk(c, span))
    }
    ast.items.iter().find_map(|i| match i {
        Item::Node(n) | Item::Replace(n) | Item::Add { node: n, .. } => walk(n, span),
        _ => None,
    })
}

/// A `分情况` closed without `其他`: the parser stops at its `}` asking for `其他`.
fn add_other_fix(e: &SyntaxError, text: &str) -> Option<Fix> {
    if !e.message().contains("其他") {
        return None;
    }
    let at = e.span().start;
    if !text[at..].starts_with('}') {
        return None;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let edit = if before.trim().is_empty() {
        // `}` on its own line: the new line goes above it, one level deeper.
        (Span::new(at, at), format!("  其他 得 0\n{before}"))
    } else {
        (Span::new(at, at), "其他 得 0 ".to_owned())
    };
    Some(Fix {
        title: "加上 `其他 得 0`".into(),
        edits: vec![edit],
        preferred: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_reads_the_checkers_help() {
        assert_eq!(
            did_you_mean("是否指 `编制人数`、`实有人数`？"),
            vec!["编制人数", "实有人数"]
        );
        assert!(did_you_mean("先用 `输入` 或 `计算` 定义它").is_empty());
    }

    #[test]
    fn percent_after_each_number() {
        assert_eq!(add_percent("100"), "100%");
        assert_eq!(add_percent("[80, 90.5)"), "[80%, 90.5%)");
        assert_eq!(add_percent(">= 90%"), ">= 90%");
    }

    #[test]
    fn within_maps_across_whitespace() {
        let merged = "三级 甲 分值 5 {\n  公式 乙 / 丙\n}";
        let origin = "三级 甲  分值 5 {   公式 乙/丙 }";
        let rel = Span::new(merged.find('丙').unwrap(), merged.find('丙').unwrap() + '丙'.len_utf8());
        let s = map_within(merged, origin, rel).unwrap();
        assert_eq!(&origin[s.start..s.end], "丙");
        assert!(map_within(merged, "三级 甲 分值 6 {}", rel).is_none());
    }
}
