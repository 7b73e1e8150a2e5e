//! Every name in a parsed rule file, declared or referred to, with its span. A rule file
//! has one namespace (inputs, 目标清单, 计算, indicators, 勾稽/对照 and grades share it,
//! and the checker rejects duplicates), so a name identifies its symbol; the only names
//! that are not symbols are `值`/`总分` and a 目标清单 item's fields inside an aggregate.

use std::collections::HashSet;

use jixiao::ast::{self, CriterionKind, Expr, ExprKind, Item, Level, Node, RuleSet, UndefinedPolicy};
use jixiao::source::{Span, Spanned};

/// What a declaration declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Input,
    List,
    Let,
    Indicator(Level),
    Check,
    Compare,
    Grade,
}

impl DeclKind {
    pub fn label(self) -> &'static str {
        match self {
            DeclKind::Input => "输入",
            DeclKind::List => "目标清单",
            DeclKind::Let => "计算",
            DeclKind::Indicator(l) => l.label(),
            DeclKind::Check => "勾稽",
            DeclKind::Compare => "对照",
            DeclKind::Grade => "等级",
        }
    }
}

/// One name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub name: String,
    pub span: Span,
    /// `Some` where the name is declared; `None` for a use.
    pub decl: Option<DeclKind>,
}

/// `名称`, `类别` … inside `计数(清单 其中 …)`: a list item's fields, not symbols.
pub const ITEM_FIELDS: &[(&str, &str)] = &[
    ("名称", "目标的名称（文本）"),
    ("类别", "目标的类别（文本）"),
    ("达成", "目标是否达成（是否）"),
    ("目标", "目标值（数值）"),
    ("实际", "实际值（数值）"),
    ("可量化", "目标是否可量化（是否）"),
];
const ITEM_FIELD_ALIASES: &[&str] = &["name", "category", "met", "target", "actual", "quantified"];
/// `值` (an indicator's value, inside 评分) and `总分` (inside 等级 依据).
pub const CONTEXT_NAMES: &[&str] = &["值", "value", "总分", "total"];

pub fn occurrences(rules: &RuleSet) -> Vec<Occurrence> {
    let lists: HashSet<&str> = rules
        .items
        .iter()
        .filter_map(|i| match i {
            Item::TargetList(l) => Some(l.name.node.as_str()),
            _ => None,
        })
        .collect();
    let mut w = Walker { out: Vec::new(), lists };
    for item in &rules.items {
        w.item(item);
    }
    w.out.sort_by_key(|o| o.span.start);
    w.out
}

struct Walker<'a> {
    out: Vec<Occurrence>,
    lists: HashSet<&'a str>,
}

impl Walker<'_> {
    fn decl(&mut self, name: &ast::Name, kind: DeclKind) {
        self.out.push(Occurrence {
            name: name.node.clone(),
            span: name.span,
            decl: Some(kind),
        });
    }

    fn reference(&mut self, name: &str, span: Span) {
        self.out.push(Occurrence {
            name: name.to_owned(),
            span,
            decl: None,
        });
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Input(d) => self.decl(&d.name, DeclKind::Input),
            Item::TargetList(d) => self.decl(&d.name, DeclKind::List),
            Item::Let(d) => {
                self.decl(&d.name, DeclKind::Let);
                self.expr(&d.expr, false);
            }
            Item::Node(n) | Item::Replace(n) => self.node(n),
            Item::Add { node, parent } => {
                self.node(node);
                self.reference(&parent.node, parent.span);
            }
            Item::Delete { name, .. } | Item::Adjust { name, .. } => self.reference(&name.node, name.span),
            Item::Grades(g) => {
                if let Some(e) = &g.subject {
                    self.expr(e, false);
                }
                for band in &g.bands {
                    self.decl(&band.name, DeclKind::Grade);
                }
            }
            Item::Check(c) => {
                self.decl(&c.name, DeclKind::Check);
                self.expr(&c.condition, false);
            }
            Item::Compare(c) => {
                self.decl(&c.name, DeclKind::Compare);
                self.expr(&c.left, false);
                self.expr(&c.right, false);
                if let Some(d) = &c.difference {
                    self.expr(d, false);
                }
            }
            Item::UndefinedDefault(u) => self.undefined(&u.node),
            Item::Test(t) => {
                for set in &t.sets {
                    self.test_set(&set.path);
                }
                for expect in &t.expects {
                    if let ast::ExpectSubject::Value(n) | ast::ExpectSubject::Score(n) = &expect.subject.node {
                        let start = expect.subject.span.start;
                        self.reference(n, Span::new(start, start + n.len()));
                    }
                }
            }
            Item::Title(_)
            | Item::Year(_)
            | Item::Issuer(_)
            | Item::FullMarks(_)
            | Item::DefaultStepping(_)
            | Item::ScorePrecision(_)
            | Item::NotApplicableRule(_) => {}
        }
    }

    /// `设 实有人数 = …` names an input (or its alias); `设 评审.经济效益 = …` a reviewed
    /// indicator, the path's last segment (the path may have spaces around its `.`);
    /// `单位名称` and `自评.…` are data fields, not names of the rule file.
    fn test_set(&mut self, path: &Spanned<Vec<String>>) {
        let span = path.span;
        match path.node.as_slice() {
            [key] if key != "单位名称" => self.reference(key, Span::new(span.start, span.start + key.len())),
            [table, name] if table == "评审" => self.reference(name, Span::new(span.end - name.len(), span.end)),
            _ => {}
        }
    }

    fn undefined(&mut self, policy: &UndefinedPolicy) {
        if let UndefinedPolicy::Cases { arms, .. } = policy {
            for (e, _) in arms {
                self.expr(e, false);
            }
        }
    }

    fn node(&mut self, n: &Node) {
        self.decl(&n.name, DeclKind::Indicator(n.level.node));
        if let Some(f) = &n.formula {
            self.expr(f, false);
        }
        if let Some(c) = &n.scoring {
            match &c.kind {
                CriterionKind::Deduct { subject, baseline, .. } => {
                    if let Some(s) = subject {
                        self.expr(s, false);
                    }
                    self.expr(baseline, false);
                }
                CriterionKind::Ratio { subject, target } => {
                    if let Some(s) = subject {
                        self.expr(s, false);
                    }
                    self.expr(target, false);
                }
                CriterionKind::Bands { subject, .. } => {
                    if let Some(s) = subject {
                        self.expr(s, false);
                    }
                }
                CriterionKind::Pass { condition, .. } => self.expr(condition, false),
                CriterionKind::Cases { arms, .. } => {
                    for arm in arms {
                        self.expr(&arm.condition, false);
                    }
                }
                CriterionKind::Review => {}
                CriterionKind::Checklist { items } => {
                    for i in items {
                        self.expr(&i.condition, false);
                    }
                }
                CriterionKind::Formula(e) => self.expr(e, false),
            }
        }
        if let Some(u) = &n.undefined {
            self.undefined(&u.node);
        }
        for child in &n.children {
            self.node(child);
        }
    }

    fn expr(&mut self, e: &Expr, item_scope: bool) {
        match &e.kind {
            ExprKind::Name(n) => {
                let field =
                    item_scope && (ITEM_FIELDS.iter().any(|(f, _)| f == n) || ITEM_FIELD_ALIASES.contains(&n.as_str()));
                if !field && !CONTEXT_NAMES.contains(&n.as_str()) {
                    self.reference(n, e.span);
                }
            }
            ExprKind::Number { .. } | ExprKind::Text(_) | ExprKind::Bool(_) => {}
            ExprKind::Unary(_, a) => self.expr(a, item_scope),
            ExprKind::Binary(_, a, b) => {
                self.expr(a, item_scope);
                self.expr(b, item_scope);
            }
            ExprKind::If(a, b, c) => {
                self.expr(a, item_scope);
                self.expr(b, item_scope);
                self.expr(c, item_scope);
            }
            ExprKind::Call { func, args, filter } => {
                let first_is_list =
                    matches!(args.first().map(|a| &a.kind), Some(ExprKind::Name(n)) if self.lists.contains(n.as_str()));
                let aggregate = matches!(func.node.as_str(), "计数" | "count" | "全部" | "all" | "任一" | "any")
                    || (matches!(func.node.as_str(), "求和" | "sum") && first_is_list);
                for (i, a) in args.iter().enumerate() {
                    self.expr(a, item_scope || (aggregate && i > 0));
                }
                if let Some(f) = filter {
                    self.expr(f, item_scope || aggregate);
                }
            }
        }
    }
}

/// The occurrence whose name covers `offset` (a cursor just after a name counts).
pub fn at(occurrences: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    occurrences
        .iter()
        .find(|o| o.span.start <= offset && offset < o.span.end)
        .or_else(|| occurrences.iter().find(|o| o.span.end == offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao::source::SourceFile;

    fn names(text: &str) -> Vec<(String, &str, bool)> {
        let rules = jixiao::syntax::parse(&SourceFile::new("t.jx", text)).expect("parses");
        occurrences(&rules)
            .into_iter()
            .map(|o| {
                let written = &text[o.span.start..o.span.end];
                (o.name, written, o.decl.is_some())
            })
            .collect()
    }

    #[test]
    fn a_test_cases_set_names_an_input_or_a_reviewed_indicator() {
        let text = "测试 \"甲\" {\n  设 单位名称 = \"乙\"\n  设 实有人数 = 3\n  设 评审 . 经济效益 = 4\n  设 自评.经济效益 = 5\n  期望 经济效益 得分 = 4\n}\n";
        let found = names(text);
        assert_eq!(
            found,
            vec![
                ("实有人数".to_owned(), "实有人数", false),
                ("经济效益".to_owned(), "经济效益", false),
                ("经济效益".to_owned(), "经济效益", false),
            ]
        );
    }
}
