//! The files one name is shared by: where find-references looks and what a rename
//! changes.
//!
//! `基于` merges files by name (a same-named item replaces the base's, `替换`, `删除`,
//! `调整` and `新增 … 于` find their indicator by name), so a name means one symbol in a
//! file, in every file it is based on and in every file based on it. The family of a name
//! is the file that declares it first — the highest file of the document's `基于` chain
//! that declares it, its *origin* — with the files below it in the chain and every
//! workspace file based on the origin, directly or through others (next year's rules,
//! the `X.test.jx` files). A file based on the origin that declares the name again (`替换`,
//! a same-named `输入`) is in the family too: its definition replaces the origin's in its
//! merged rules, and it still finds the origin's item by that name. A rename therefore
//! changes the name in every file of the family, so each file's merged rules are the same
//! as before up to the name; a new name is refused when any file of the family, or a file
//! above the origin, already writes it.

use std::path::{Path, PathBuf};

use jixiao::ast::Item;
use jixiao::diagnostics::short_name;

use crate::analysis::{Analysis, FileInfo, Reader};
use crate::features::is_ident_char;
use crate::index::{DeclKind, Occurrence, CONTEXT_NAMES, ITEM_FIELDS};

#[derive(Debug)]
pub struct Family {
    /// The document first (its `path` is `None` when it is not saved), then the rest
    /// of its chain down to the origin, then the files based on the origin, by path.
    pub members: Vec<FileInfo>,
    /// The files above the origin in the document's chain: every member sees their names.
    pub above: Vec<FileInfo>,
    /// Files based on the origin that could not be read or parsed, with why.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl Family {
    /// The family of `name` as the document sees it. `dependents` gives the files based
    /// on a file (the workspace's map); `read` a file's text. A name no file of the
    /// chain declares has no origin: its family is the chain.
    pub fn of(analysis: &Analysis, name: &str, dependents: &dyn Fn(&Path) -> Vec<PathBuf>, read: &Reader) -> Family {
        let origin = analysis
            .files
            .iter()
            .rposition(|f| f.occurrences.iter().any(|o| o.decl.is_some() && o.name == name));
        let Some(origin) = origin else {
            return Family {
                members: analysis.files.clone(),
                above: Vec::new(),
                unreadable: Vec::new(),
            };
        };
        let mut members: Vec<FileInfo> = analysis.files[..=origin].to_vec();
        let above = analysis.files[origin + 1..].to_vec();
        let mut unreadable = Vec::new();
        if let Some(origin_path) = analysis.files[origin].path.clone() {
            for path in dependents(&origin_path) {
                if members.iter().any(|m| m.path.as_deref() == Some(path.as_path())) {
                    continue;
                }
                match FileInfo::load(&path, read) {
                    Ok(file) if file.ast.is_some() => members.push(file),
                    Ok(_) => unreadable.push((path, "有语法错误".into())),
                    // Deleted since the workspace was walked: no longer based on it.
                    Err(_) if !path.exists() => {}
                    Err(e) => unreadable.push((path, format!("读不出：{e}"))),
                }
            }
        }
        Family {
            members,
            above,
            unreadable,
        }
    }

    /// Every place the name is written in the family, as (member, occurrence).
    pub fn references<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (usize, &'a Occurrence)> + 'a {
        self.members
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.occurrences.iter().map(move |o| (i, o)))
            .filter(move |(_, o)| o.name == name)
    }

    /// When `name` is an input: the files of the family whose `测试` read a data file.
    /// Data files spell inputs by name, so after a rename they need the old name as an
    /// alias (or editing) — a rename cannot see into them.
    pub fn tests_reading_data(&self, name: &str) -> Vec<String> {
        let input = self.members.iter().any(|f| {
            f.occurrences
                .iter()
                .any(|o| o.name == name && o.decl == Some(DeclKind::Input))
        });
        if !input {
            return Vec::new();
        }
        self.members
            .iter()
            .filter(|f| {
                f.ast
                    .as_ref()
                    .is_some_and(|a| a.items.iter().any(|i| matches!(i, Item::Test(t) if t.data.is_some())))
            })
            .map(|f| short_name(&f.name).to_owned())
            .collect()
    }

    /// Why `old` cannot be renamed to `new` in this family, if it cannot.
    pub fn check_rename(&self, old: &str, new: &str) -> Result<(), String> {
        let mut chars = new.chars();
        let valid = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(is_ident_char);
        if !valid {
            return Err(format!(
                "`{new}` 不是合法的名称：名称由汉字、字母、数字和 _ 组成，不能以数字开头"
            ));
        }
        if jixiao::syntax::is_keyword(new) || CONTEXT_NAMES.contains(&new) {
            return Err(format!("`{new}` 是关键字，不能作名称"));
        }
        if ITEM_FIELDS.iter().any(|(f, _)| *f == new) {
            return Err(format!("`{new}` 在清单汇总函数中指目标清单各项的字段，不能作名称"));
        }
        if let Some((path, why)) = self.unreadable.first() {
            return Err(format!(
                "`{}` 基于定义 `{old}` 的文件，但它{why}，找不到其中的 `{old}`；请先改正它再重命名",
                short_name(&path.display().to_string())
            ));
        }
        if new == old {
            return Ok(());
        }
        for f in self.members.iter().chain(&self.above) {
            if let Some(o) = f.occurrences.iter().find(|o| o.name == new) {
                let line = f.text[..o.span.start].matches('\n').count() + 1;
                let what = if o.decl.is_some() { "定义" } else { "使用" };
                return Err(format!(
                    "名称 `{new}` 已在 `{}` 第 {line} 行{what}，重命名后会与它混淆",
                    short_name(&f.name)
                ));
            }
            if let Some(input) = alias_owner(f, new) {
                return Err(format!(
                    "`{new}` 已是 `{}` 中 `{input}` 的别名，数据中的 `{new}` 会对不上",
                    short_name(&f.name)
                ));
            }
        }
        Ok(())
    }
}

/// The input or target list that has `alias` among its `别名`.
fn alias_owner<'a>(file: &'a FileInfo, alias: &str) -> Option<&'a str> {
    file.ast.as_ref()?.items.iter().find_map(|item| {
        let (name, aliases) = match item {
            Item::Input(d) => (&d.name, &d.aliases),
            Item::TargetList(d) => (&d.name, &d.aliases),
            _ => return None,
        };
        aliases.iter().any(|a| a.node == alias).then_some(name.node.as_str())
    })
}
