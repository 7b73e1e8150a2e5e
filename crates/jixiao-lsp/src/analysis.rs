//! The language service's model of one open rule file: its parse, the files it is
//! `基于`, the rules it means (merged for a `基于` file) and the checker's diagnostics,
//! placed in the document.
//!
//! A `基于` file is checked as `jixiao check` does: `inherit::resolve` merges it with its
//! base into one text, which is parsed and checked; the checker's diagnostics come back
//! placed where their authors wrote the text (`SourceFile::locate`, the core's map from
//! merged text to files). Diagnostics in the document are shown where they are;
//! diagnostics that land in a base file are reported on this file's `基于` line, naming
//! the base file and line, with the exact place as related information.

use std::path::{Path, PathBuf};

use jixiao::ast::{CriterionKind, Item, Node, RuleSet};
use jixiao::diagnostics::{short_name, CheckCode, CheckError, Level, LoadError, SyntaxError};
use jixiao::source::{SourceFile, Span};

use crate::index::{self, Occurrence};
use crate::workspace;

/// Reads a file the document is `基于` (an open document's text, else the disk's).
pub type Reader<'a> = dyn Fn(&Path) -> Result<String, String> + 'a;

/// One file: the document itself (`files[0]`) or a file of its `基于` chain.
#[derive(Debug, Clone)]
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

impl FileInfo {
    /// A file of the workspace: read, parsed (`ast` is `None` when it does not parse)
    /// and indexed.
    pub fn load(path: &Path, read: &Reader) -> Result<FileInfo, String> {
        let text = read(path)?;
        let name = path.display().to_string();
        let source = SourceFile::new(&name, &text);
        let ast = jixiao::syntax::parse(&source).ok();
        let occurrences = ast.as_ref().map(index::occurrences).unwrap_or_default();
        Ok(FileInfo {
            name,
            path: Some(path.to_path_buf()),
            text: source.text.to_string(),
            ast,
            occurrences,
        })
    }

    /// The file this one's `基于` names.
    pub fn base_path(&self) -> Option<PathBuf> {
        let base = self.ast.as_ref()?.base.as_ref()?;
        Some(workspace::base_path(self.path.as_ref()?, &base.node))
    }
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

    /// The index of the file of the chain with this name (jixiao's `SourceFile` name).
    pub fn file_named(&self, name: &str) -> Option<usize> {
        self.files.iter().position(|f| f.name == name)
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

    /// The files the document is `基于`, directly or through others, as far as the chain
    /// goes, and the file it could not read (when it names one): a change to any of
    /// them changes the document's analysis.
    pub fn base_paths(&self) -> Vec<PathBuf> {
        self.files.iter().filter_map(FileInfo::base_path).collect()
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
        doc.ast = Some(ast.clone());
        let mut analysis = Analysis {
            files: vec![doc],
            effective: Some((source, ast)),
            diagnostics: Vec::new(),
        };
        analysis.diagnostics = errors.iter().map(|e| direct_diag(e, &analysis)).collect();
        return analysis;
    };
    doc.ast = Some(ast);
    let mut files = vec![doc];
    load_chain(&mut files, read);
    let loader = |from: &str, base: &str| -> Result<(String, String), String> {
        if !Path::new(from).is_absolute() {
            return Err("未保存的文件不能读取基础规则文件".into());
        }
        let path = workspace::base_path(Path::new(from), base);
        let text = read(&path)?;
        Ok((path.display().to_string(), text))
    };
    let mut analysis = Analysis {
        files,
        effective: None,
        diagnostics: Vec::new(),
    };
    match jixiao::inherit::resolve(&source, &loader) {
        Err(LoadError::Syntax(e)) => {
            let place = analysis.file_named(e.file_name()).map(|file| (file, e.span()));
            let (line, column) = e.line_col();
            let message = format!(
                "基础规则文件 `{}` 第 {line} 行第 {column} 列：语法错误：{}",
                short_name(e.file_name()),
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
                let diag = placed_diag(e, &analysis, base.span);
                analysis.diagnostics.push(diag);
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
                for e in &errors {
                    let diag = placed_diag(e, &analysis, base.span);
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
        let Some(path) = files.last().and_then(FileInfo::base_path) else {
            return;
        };
        if files.iter().any(|f| f.path.as_deref() == Some(&path)) {
            return;
        }
        let Ok(file) = FileInfo::load(&path, read) else { return };
        files.push(file);
    }
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

/// A diagnostic whose spans are in the document. Places in a base file (a label the
/// checker put there) become related information.
fn direct_diag(e: &CheckError, analysis: &Analysis) -> Diag {
    let doc = analysis.doc();
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
        .chain(elsewhere(e, analysis))
        .collect();
    Diag {
        span,
        severity: severity(e.level),
        code: e.code.code(),
        message: e.message.clone(),
        help: e.help.clone(),
        related,
        fixes: fixes(e, span, &doc.text, doc.ast.as_ref()),
    }
}

/// The diagnostic's places in other files than its own, as related information.
fn elsewhere<'a>(e: &'a CheckError, analysis: &'a Analysis) -> impl Iterator<Item = Related> + 'a {
    e.elsewhere.iter().filter_map(|x| {
        let file = analysis.file_named(&x.source_file().name)?;
        Some(Related {
            file,
            span: x.span,
            message: x.text.clone(),
        })
    })
}

/// A diagnostic of a `基于` file, where the checker placed it: in the document, or in a
/// base file, in which case it is shown on the document's `基于` line naming the base
/// file's line, with the exact place as related information.
fn placed_diag(e: &CheckError, analysis: &Analysis, base_span: Span) -> Diag {
    let file = e.source_file();
    if file.name == analysis.doc().name {
        return direct_diag(e, analysis);
    }
    let (line, _) = e.line_col();
    let in_file = analysis.file_named(&file.name);
    let related = e
        .labels
        .iter()
        .filter_map(|(span, message)| {
            in_file.map(|file| Related {
                file,
                span: *span,
                message: message.clone(),
            })
        })
        .chain(elsewhere(e, analysis))
        .collect();
    Diag {
        span: base_span,
        severity: severity(e.level),
        code: e.code.code(),
        message: format!(
            "{}（基础规则文件 `{}` 第 {line} 行）",
            e.message,
            short_name(&file.name)
        ),
        help: e.help.clone(),
        related,
        fixes: Vec::new(),
    }
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
}
