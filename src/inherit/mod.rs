//! `基于 "…"`: a rule file written as changes to another one. The two are merged at
//! the level of whole items into one rule text, which is then parsed and checked like
//! any other file (and printed by `jixiao show`). The merged text carries [`Origins`], so
//! diagnostics about the merged rules point to the file and line where their author wrote
//! the text ([`SourceFile::locate`]); problems with the changes themselves point into the
//! file that makes them.

pub mod origins;

use std::collections::{HashMap, HashSet};

use crate::ast::{Item, Node, RuleSet};
use crate::diagnostics::{CheckCode, CheckError, CheckErrors, LoadError};
use crate::source::{SourceFile, Span};
use crate::syntax;
use origins::{Builder, Side};
pub use origins::{Located, Origins};

/// How deep `基于` chains may go (also stops a file that bases on itself).
pub const MAX_DEPTH: usize = 8;

/// Reads a base file named in `基于 "…"`, relative to the file that names it.
/// Returns the display name and the text.
pub type Loader<'a> = dyn Fn(&str, &str) -> Result<(String, String), String> + 'a;

/// The rule text after applying every `基于` chain; unchanged for a file without one.
pub fn resolve(source: &SourceFile, load: &Loader) -> Result<SourceFile, LoadError> {
    resolve_depth(source, load, 0)
}

fn resolve_depth(source: &SourceFile, load: &Loader, depth: usize) -> Result<SourceFile, LoadError> {
    let child = syntax::parse(source).map_err(LoadError::Syntax)?;
    let Some(base) = &child.base else {
        return Ok(source.clone());
    };
    let fail = |span: Span, message: String, help: &str| {
        LoadError::Check(CheckErrors {
            errors: vec![CheckError::new(source, CheckCode::Inheritance, message, (span, "这里".into())).help(help)],
        })
    };
    if depth >= MAX_DEPTH {
        return Err(fail(
            base.span,
            format!("`基于` 嵌套超过 {MAX_DEPTH} 层（是否有文件互相基于？）"),
            "检查 `基于` 指向的文件",
        ));
    }
    let (parent_name, parent_text) = load(&source.name, &base.node).map_err(|e| {
        fail(
            base.span,
            format!("无法读取基础规则文件 `{}`：{e}", base.node),
            "路径相对于本文件所在目录",
        )
    })?;
    let parent_source = resolve_depth(&SourceFile::new(&parent_name, &parent_text), load, depth + 1)?;
    let parent = syntax::parse(&parent_source).map_err(LoadError::Syntax)?;
    let (merged, origins) = merge(source, &child, base.span, &parent_source, &parent)?;
    // Laid out canonically for `jixiao show`; the origins count no whitespace, so they
    // stay right.
    let merged = crate::format::format_source(&merged).unwrap_or(merged);
    Ok(SourceFile::new(format!("{}（合并 {}）", source.name, parent_name), &merged).with_origins(origins))
}

/// What a top-level item is, for "the child's item of the same key replaces it" (and for
/// the language server, which finds where a merged item was written by it). Edits have no
/// key; a `测试` has one, though merging never lets one file's tests replace another's.
pub fn item_key(item: &Item) -> Option<String> {
    Some(match item {
        Item::Title(_) => "标题".into(),
        Item::Year(_) => "年度".into(),
        Item::Issuer(_) => "发布单位".into(),
        Item::FullMarks(_) => "满分".into(),
        Item::DefaultStepping(_) => "计步".into(),
        Item::ScorePrecision(_) => "得分精度".into(),
        Item::UndefinedDefault(_) => "无法计算时".into(),
        Item::NotApplicableRule(_) => "不适用时".into(),
        Item::Grades(_) => "等级".into(),
        Item::Input(i) => format!("输入 {}", i.name.node),
        Item::TargetList(t) => format!("目标清单 {}", t.name.node),
        Item::Let(l) => format!("计算 {}", l.name.node),
        Item::Check(c) => format!("勾稽 {}", c.name.node),
        Item::Compare(c) => format!("对照 {}", c.name.node),
        Item::Node(n) => format!("指标 {}", n.name.node),
        Item::Test(t) => format!("测试 {}", t.name.node),
        Item::Replace(_) | Item::Delete { .. } | Item::Add { .. } | Item::Adjust { .. } => return None,
    })
}

struct Edits<'c> {
    replace: HashMap<&'c str, (Span, bool)>,
    /// key → (where, as written, found)
    delete: HashMap<String, (Span, String, bool)>,
    add: HashMap<&'c str, Vec<(Span, bool)>>,
    /// name → (the new weight, the name, found), where written
    adjust: HashMap<&'c str, (Span, Span, bool)>,
}

/// This file's edits (`替换`, `删除`, `新增`, `调整`) by what they change, the items it
/// redefines (by key, with their index), and where each `替换` names its indicator.
fn collect_edits<'c>(child: &'c RuleSet) -> (Edits<'c>, HashMap<String, usize>, Vec<(Span, String)>) {
    let mut overrides: HashMap<String, usize> = HashMap::new();
    let mut edits = Edits {
        replace: HashMap::new(),
        delete: HashMap::new(),
        add: HashMap::new(),
        adjust: HashMap::new(),
    };
    let mut edit_spans: Vec<(Span, String)> = Vec::new();
    for (i, item) in child.items.iter().enumerate() {
        let span = child.item_spans[i];
        match item {
            Item::Replace(node) => {
                edits.replace.insert(&node.name.node, (node.span, false));
                edit_spans.push((node.name.span, node.name.node.clone()));
            }
            Item::Delete { kind, name } => {
                let k = match kind.node.as_str() {
                    "一级" | "二级" | "三级" | "level1" | "level2" | "level3" => format!("指标 {}", name.node),
                    "input" => format!("输入 {}", name.node),
                    "let" => format!("计算 {}", name.node),
                    "check" => format!("勾稽 {}", name.node),
                    "compare" => format!("对照 {}", name.node),
                    "target_list" => format!("目标清单 {}", name.node),
                    other => format!("{other} {}", name.node),
                };
                edits
                    .delete
                    .insert(k, (name.span, format!("{} {}", kind.node, name.node), false));
            }
            Item::Add { node, parent } => edits.add.entry(&parent.node).or_default().push((node.span, false)),
            Item::Adjust { name, weight } => {
                edits.adjust.insert(&name.node, (weight.span, name.span, false));
            }
            Item::Test(_) => {}
            other => {
                if let Some(k) = item_key(other) {
                    overrides.insert(k, i);
                }
                let _ = span;
            }
        }
    }
    (edits, overrides, edit_spans)
}

/// Every change must have found what it changes: an error for each that did not, in the
/// order written.
fn unmatched_edits(child_src: &SourceFile, edits: &Edits, edit_spans: &[(Span, String)]) -> Vec<CheckError> {
    // Every change must have found what it changes.
    let mut errors = Vec::new();
    let mut unmatched = |span: Span, what: String| {
        errors.push(
            CheckError::new(child_src, CheckCode::Inheritance, what, (span, "找不到".into()))
                .help("名称要与基础规则文件中的写法完全一致；用 `jixiao show` 查看合并结果"),
        );
    };
    for (name, (_, seen)) in &edits.replace {
        if !seen {
            let span = edit_spans
                .iter()
                .find(|(_, n)| n == name)
                .map_or(Span::default(), |s| s.0);
            unmatched(span, format!("`替换` 的指标 `{name}`：基础规则文件中没有它"));
        }
    }
    for (span, written, seen) in edits.delete.values() {
        if !seen {
            unmatched(*span, format!("`删除 {written}`：基础规则文件中没有它"));
        }
    }
    for (parent_name, adds) in &edits.add {
        for (span, seen) in adds {
            if !seen {
                unmatched(
                    *span,
                    format!("`新增` 指定的上级指标 `{parent_name}`：基础规则文件中没有它"),
                );
            }
        }
    }
    for (name, (_, span, seen)) in &edits.adjust {
        if !seen {
            let also_replaced = edits.replace.contains_key(name);
            let message = if also_replaced {
                format!("`调整` 的指标 `{name}` 已被 `替换`：请直接在 `替换` 中写新的分值")
            } else {
                format!("`调整` 的指标 `{name}`：基础规则文件中没有它")
            };
            unmatched(*span, message);
        }
    }
    errors.sort_by_key(|e| e.labels.first().map_or(0, |l| l.0.start));
    errors
}

fn merge(
    child_src: &SourceFile,
    child: &RuleSet,
    base_span: Span,
    parent_src: &SourceFile,
    parent: &RuleSet,
) -> Result<(String, Origins), LoadError> {
    let (mut edits, overrides, edit_spans) = collect_edits(child);
    let mut out = Builder::new(child_src, parent_src, base_span);
    out.made(&format!(
        "// 由 {} 基于 {} 合并而成（jixiao show）\n",
        child_src.name, parent_src.name
    ));
    let mut used: HashSet<usize> = HashSet::new();
    let mut section: Option<String> = None;
    let close_section = |out: &mut Builder, section: &mut Option<String>| {
        if section.take().is_some() {
            out.made("}\n");
        }
    };
    for (i, item) in parent.items.iter().enumerate() {
        if matches!(item, Item::Test(_)) {
            continue; // a base file's tests describe the base year, not this one
        }
        let k = item_key(item);
        if let Some(k) = &k {
            if let Some((_, _, seen)) = edits.delete.get_mut(k) {
                *seen = true;
                continue;
            }
        }
        // Inputs stay inside their 栏目 so the form's grouping survives the merge.
        let wanted_section = match item {
            Item::Input(decl) => decl.section.clone(),
            _ => None,
        };
        if wanted_section != section {
            close_section(&mut out, &mut section);
            if let Some(s) = &wanted_section {
                out.made(&format!("栏目 \"{s}\" {{\n"));
            }
            section = wanted_section;
        }
        match k.as_ref().and_then(|k| overrides.get(k)) {
            Some(&ci) => {
                used.insert(ci);
                out.copy(Side::Child, child.item_spans[ci]);
            }
            None => match item {
                Item::Node(node) => rebuild(node, &mut out, &mut edits),
                _ => out.copy(Side::Parent, parent.item_spans[i]),
            },
        }
        out.made("\n");
    }
    close_section(&mut out, &mut section);
    for (i, item) in child.items.iter().enumerate() {
        let fresh = item_key(item).is_some() && !used.contains(&i);
        if fresh || matches!(item, Item::Test(_)) {
            // A new input keeps the 栏目 it was written in.
            let section = match item {
                Item::Input(decl) => decl.section.as_deref(),
                _ => None,
            };
            if let Some(s) = section {
                out.made(&format!("栏目 \"{s}\" {{\n"));
            }
            out.copy(Side::Child, child.item_spans[i]);
            out.made(if section.is_some() { "\n}\n" } else { "\n" });
        }
    }
    let errors = unmatched_edits(child_src, &edits, &edit_spans);
    if !errors.is_empty() {
        return Err(LoadError::Check(CheckErrors { errors }));
    }
    Ok(out.finish())
}

/// A node of the base file with this file's replacements, deletions, additions and
/// weight adjustments applied to it and below it.
fn rebuild(node: &Node, out: &mut Builder, edits: &mut Edits) {
    if let Some((span, seen)) = edits.replace.get_mut(node.name.node.as_str()) {
        *seen = true;
        out.copy(Side::Child, *span);
        return;
    }
    match edits.adjust.get_mut(node.name.node.as_str()) {
        Some((weight, name, seen)) => {
            *seen = true;
            // `调整 三级 X 分值 5` rewrites the header: the new weight is the child's text,
            // the rest stands in for the base's header and the child's `调整`.
            out.stand_in(node.level.node.label(), Side::Parent, node.level.span);
            out.made(" ");
            out.stand_in(&node.name.node, Side::Child, *name);
            out.made(" ");
            out.stand_in("分值", Side::Child, name.to(*weight));
            out.made(" ");
            out.copy(Side::Child, *weight);
            out.made(" ");
            out.stand_in("{", Side::Parent, node.open);
        }
        None => out.copy(Side::Parent, Span::new(node.span.start, node.open.end)),
    }
    let additions = edits.add.get_mut(node.name.node.as_str()).map(|adds| {
        adds.iter_mut()
            .map(|(span, seen)| {
                *seen = true;
                *span
            })
            .collect::<Vec<_>>()
    });
    if node.children.is_empty() && additions.is_none() {
        out.copy(Side::Parent, Span::new(node.open.end, node.span.end));
        return;
    }
    out.made("\n");
    for child in &node.children {
        let key = format!("指标 {}", child.name.node);
        if let Some((_, _, seen)) = edits.delete.get_mut(&key) {
            *seen = true;
            continue;
        }
        rebuild(child, out, edits);
        out.made("\n");
    }
    for add in additions.unwrap_or_default() {
        out.copy(Side::Child, add);
        out.made("\n");
    }
    out.stand_in(
        "}",
        Side::Parent,
        Span::new(node.span.end.saturating_sub(1), node.span.end),
    );
}
