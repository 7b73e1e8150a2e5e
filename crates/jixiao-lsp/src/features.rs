//! Answers to the editor's questions about an analysed document, in byte spans; the
//! server turns them into LSP positions.

use jixiao::ast::{self, CriterionKind, Item, Node, RuleSet, StepUnit, UndefinedOutcome, UndefinedPolicy};
use jixiao::source::{SourceFile, Span};

use crate::analysis::Analysis;
use crate::index::{self, DeclKind, CONTEXT_NAMES, ITEM_FIELDS};

/// The functions of the language, each with its other names and a one-line summary.
pub const FUNCTIONS: &[(&str, &[&str], &str)] = &[
    ("round", &["四舍五入"], "round(x, 位数)：四舍五入到指定的小数位数"),
    ("min", &["最小", "最小值"], "min(a, b, …)：最小值"),
    ("max", &["最大", "最大值"], "max(a, b, …)：最大值"),
    ("abs", &["绝对值"], "abs(x)：绝对值"),
    ("clamp", &["限定"], "clamp(x, 下限, 上限)：把 x 限定在下限和上限之间"),
    (
        "sum",
        &["求和"],
        "sum(a, b, …)：求和；sum(清单 其中 …, 逐项表达式)：对清单求和",
    ),
    ("floor", &["向下取整"], "floor(x) 或 floor(x, 位数)：向下取整"),
    ("ceil", &["向上取整"], "ceil(x) 或 ceil(x, 位数)：向上取整"),
    ("round_to", &["就近取整"], "round_to(x, 步长)：取最接近的步长的倍数"),
    ("万元", &[], "万元(x)：把元换算为万元"),
    ("元", &[], "元(x)：把万元换算为元"),
    ("计数", &["count"], "计数(清单 其中 条件)：清单中满足条件的项数"),
    ("全部", &["all"], "全部(清单 其中 …, 条件)：每一项都满足"),
    ("任一", &["any"], "任一(清单 其中 …, 条件)：至少一项满足"),
];

/// Words that start items and clauses (the reserved words and the ones that are only
/// keywords where they are expected), Chinese forms.
pub const KEYWORDS: &[&str] = &[
    "标题",
    "年度",
    "发布单位",
    "满分",
    "计步",
    "得分精度",
    "基于",
    "替换",
    "删除",
    "新增",
    "调整",
    "于",
    "栏目",
    "输入",
    "别名",
    "说明",
    "范围",
    "缺失时",
    "目标清单",
    "类别",
    "计算",
    "显示",
    "百分比",
    "复核容差",
    "一级",
    "二级",
    "三级",
    "分值",
    "公式",
    "标准",
    "评分",
    "扣分",
    "依据",
    "基准",
    "每超过",
    "每低于",
    "每偏离",
    "百分点",
    "扣",
    "比例",
    "目标",
    "分档",
    "得",
    "达标",
    "条件",
    "否则",
    "分情况",
    "当",
    "其他",
    "评审",
    "清单",
    "项",
    "等级",
    "勾稽",
    "容差",
    "级别",
    "错误",
    "警告",
    "对照",
    "与",
    "差额",
    "如果",
    "则",
    "且",
    "或",
    "非",
    "其中",
    "是",
    "否",
    "无法计算时",
    "不适用时",
    "不适用",
    "按适用分值折算",
    "按同级分值折算",
    "按得分率定级",
    "连续",
    "整步",
    "进位",
    "测试",
    "数据",
    "设",
    "期望",
];

/// Input types besides the counting units (`model::KNOWN_QUANTITIES`).
pub const OTHER_KINDS: &[&str] = &["百分比", "是否", "文本"];

/// The rules to describe symbols from: merged for a `基于` file.
fn rules(analysis: &Analysis) -> Option<(&str, &RuleSet)> {
    match &analysis.effective {
        Some((source, ast)) => Some((&source.text, ast)),
        None => analysis.doc().ast.as_ref().map(|a| (analysis.doc().text.as_str(), a)),
    }
}

// ── hover ─────────────────────────────────────────────────────────────────

/// Markdown for the name at `offset`, and the name's span.
pub fn hover(analysis: &Analysis, offset: usize) -> Option<(String, Span)> {
    let doc = analysis.doc();
    if let Some(occ) = index::at(&doc.occurrences, offset) {
        let mut text = describe(analysis, &occ.name)?;
        if let Some(origin) = origin(analysis, &occ.name) {
            text.push_str(&format!("\n\n{origin}"));
        }
        return Some((text, occ.span));
    }
    // A function name.
    let (word, span) = word_at(&doc.text, offset)?;
    FUNCTIONS
        .iter()
        .find(|(name, aliases, _)| *name == word || aliases.contains(&word.as_str()))
        .map(|(name, aliases, summary)| {
            let names = std::iter::once(*name)
                .chain(aliases.iter().copied())
                .collect::<Vec<_>>()
                .join("、");
            (format!("**函数** {names}\n\n{summary}"), span)
        })
}

/// Which file a symbol comes from, in a `基于` file.
fn origin(analysis: &Analysis, name: &str) -> Option<String> {
    if analysis.files.len() < 2 {
        return None;
    }
    let decls = analysis.declarations(name);
    let (file, occ) = decls.first()?;
    let f = &analysis.files[*file];
    let line = SourceFile::new(&f.name, &f.text).line_col(occ.span.start).0;
    Some(if *file == 0 {
        match decls.iter().find(|(i, _)| *i > 0) {
            Some((i, _)) => format!(
                "本文件第 {line} 行的定义替换了 `{}` 中的定义（以上为合并后的定义）",
                jixiao::diagnostics::short_name(&analysis.files[*i].name)
            ),
            None => format!("定义在本文件第 {line} 行"),
        }
    } else {
        format!(
            "来自基础规则文件 `{}` 第 {line} 行（以上为合并后的定义）",
            jixiao::diagnostics::short_name(&f.name)
        )
    })
}

fn describe(analysis: &Analysis, name: &str) -> Option<String> {
    let (text, rules) = rules(analysis)?;
    let slice = |s: Span| text.get(s.start..s.end).unwrap_or("").trim().to_owned();
    for item in &rules.items {
        match item {
            Item::Input(d) if d.name.node == name => {
                let mut out = format!("**输入** `{}`\n\n- 类型：{}", name, d.kind.node);
                if !d.ranges.is_empty() {
                    let ranges: Vec<String> = d.ranges.iter().map(|r| format!("`{}`", slice(r.span))).collect();
                    out.push_str(&format!("\n- 范围：{}", ranges.join("、")));
                }
                match &d.default {
                    Some(v) => out.push_str(&format!("\n- 缺失时：`{}`", slice(v.span))),
                    None => out.push_str("\n- 缺失时：必须填报"),
                }
                if let Some(s) = &d.section {
                    out.push_str(&format!("\n- 栏目：{s}"));
                }
                if !d.aliases.is_empty() {
                    let aliases: Vec<&str> = d.aliases.iter().map(|a| a.node.as_str()).collect();
                    out.push_str(&format!("\n- 别名：{}", aliases.join("、")));
                }
                if let Some(desc) = &d.description {
                    out.push_str(&format!("\n- 说明：{}", desc.node));
                }
                return Some(out);
            }
            Item::TargetList(d) if d.name.node == name => {
                let mut out = format!("**目标清单** `{name}`");
                if !d.categories.is_empty() {
                    let c: Vec<&str> = d.categories.iter().map(|c| c.node.as_str()).collect();
                    out.push_str(&format!("\n\n- 类别：{}", c.join("、")));
                }
                if let Some(desc) = &d.description {
                    out.push_str(&format!("\n- 说明：{}", desc.node));
                }
                return Some(out);
            }
            Item::Let(d) if d.name.node == name => {
                let mut out = format!("**计算** `{name}`\n\n```jixiao\n{name} = {}\n```", slice(d.expr.span));
                if let Some(disp) = &d.display {
                    out.push_str(&format!("\n- 显示：{}", slice(disp.span)));
                }
                if let Some(desc) = &d.description {
                    out.push_str(&format!("\n- 说明：{}", desc.node));
                }
                return Some(out);
            }
            Item::Check(c) if c.name.node == name => {
                let mut out = format!("**勾稽** `{name}`\n\n```jixiao\n{}\n```", slice(c.condition.span));
                if let Some(t) = &c.tolerance {
                    out.push_str(&format!("\n- 容差：{}", t.node));
                }
                let level = c.severity.as_ref().map_or("错误", |s| s.node.label());
                out.push_str(&format!("\n- 级别：{level}"));
                return Some(out);
            }
            Item::Compare(c) if c.name.node == name => {
                let mut out = format!(
                    "**对照** `{name}`\n\n`{}` 与 `{}`",
                    slice(c.left.span),
                    slice(c.right.span)
                );
                if let Some(d) = &c.difference {
                    out.push_str(&format!("，差额 `{}`", slice(d.span)));
                }
                return Some(out);
            }
            Item::Grades(g) => {
                if let Some(b) = g.bands.iter().find(|b| b.name.node == name) {
                    return Some(format!("**等级** `{name}`：总分 `{}`", slice(b.interval.span)));
                }
            }
            _ => {}
        }
    }
    let (node, path) = find_with_path(rules, name)?;
    Some(describe_node(node, &path, &slice))
}

/// An indicator and the names of its ancestors.
fn find_with_path<'a>(rules: &'a RuleSet, name: &str) -> Option<(&'a Node, Vec<String>)> {
    fn walk<'a>(n: &'a Node, name: &str, path: &mut Vec<String>) -> Option<&'a Node> {
        if n.name.node == name {
            return Some(n);
        }
        path.push(n.name.node.clone());
        for c in &n.children {
            if let Some(found) = walk(c, name, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    rules.items.iter().find_map(|i| match i {
        Item::Node(n) | Item::Replace(n) | Item::Add { node: n, .. } => {
            let mut path = Vec::new();
            walk(n, name, &mut path).map(|found| (found, path))
        }
        _ => None,
    })
}

fn describe_node(n: &Node, path: &[String], slice: &dyn Fn(Span) -> String) -> String {
    let mut out = format!(
        "**{}指标** `{}`\n\n- 分值：{}",
        n.level.node.label(),
        n.name.node,
        n.weight.node
    );
    if !path.is_empty() {
        out.push_str(&format!("\n- 上级：{}", path.join(" → ")));
    }
    if !n.children.is_empty() {
        let children: Vec<String> = n
            .children
            .iter()
            .map(|c| format!("{}（{} 分）", c.name.node, c.weight.node))
            .collect();
        out.push_str(&format!("\n- 下级：{}", children.join("、")));
    }
    if let Some(f) = &n.formula {
        out.push_str(&format!("\n- 公式：`{}`", slice(f.span)));
    }
    if let Some(c) = &n.scoring {
        out.push_str(&format!("\n- 评分：{}", criterion_words(&c.kind, slice)));
    }
    if let Some(u) = &n.undefined {
        out.push_str(&format!("\n- 无法计算时：{}", undefined_words(&u.node, slice)));
    }
    if let Some(s) = &n.standard {
        out.push_str(&format!("\n\n**标准**：{}", s.node));
    }
    if let Some(d) = &n.description {
        out.push_str(&format!("\n\n说明：{}", d.node));
    }
    out
}

fn outcome_words(o: &UndefinedOutcome) -> String {
    match o {
        UndefinedOutcome::FullMarks => "得满分".into(),
        UndefinedOutcome::Score(d) => format!("得 {d} 分"),
        UndefinedOutcome::NotApplicable => "不适用".into(),
    }
}

fn undefined_words(p: &UndefinedPolicy, slice: &dyn Fn(Span) -> String) -> String {
    match p {
        UndefinedPolicy::Always(o) => outcome_words(o),
        UndefinedPolicy::Cases { arms, other } => {
            let mut parts: Vec<String> = arms
                .iter()
                .map(|(c, o)| format!("当 `{}` 时{}", slice(c.span), outcome_words(&o.node)))
                .collect();
            parts.push(format!("其他情况{}", outcome_words(&other.node)));
            parts.join("；")
        }
    }
}

/// The scoring rule in words.
fn criterion_words(kind: &CriterionKind, slice: &dyn Fn(Span) -> String) -> String {
    let on = |s: &Option<ast::Expr>| {
        s.as_ref()
            .map_or("指标值".to_owned(), |e| format!("`{}`", slice(e.span)))
    };
    match kind {
        CriterionKind::Deduct {
            subject,
            baseline,
            direction,
            step_size,
            step_unit,
            per_step,
            stepping,
        } => {
            let unit = match &step_unit.node {
                StepUnit::PercentagePoint => "个百分点".to_owned(),
                StepUnit::Plain(u) => u.clone().unwrap_or_default(),
            };
            let stepping = stepping
                .as_ref()
                .map_or(String::new(), |s| format!("（不足一步：{}）", s.node.label()));
            format!(
                "扣分：{}以 `{}` 为基准，{} {}{} 扣 {} 分，扣完为止{stepping}",
                on(subject),
                slice(baseline.span),
                direction.node.label(),
                step_size.node,
                unit,
                per_step.node
            )
        }
        CriterionKind::Ratio { subject, target } => {
            format!("按比例：{} ÷ `{}` × 分值，不超过分值", on(subject), slice(target.span))
        }
        CriterionKind::Bands { subject, bands } => {
            let rows: Vec<String> = bands
                .iter()
                .map(|b| format!("`{}` 得 {}", slice(b.interval.span), b.score.node))
                .collect();
            format!("分档（依据{}）：{}", on(subject), rows.join("；"))
        }
        CriterionKind::Pass { condition, otherwise } => format!(
            "达标：`{}` 时得满分，否则得 {} 分",
            slice(condition.span),
            otherwise.as_ref().map_or("0".to_owned(), |o| o.node.to_string())
        ),
        CriterionKind::Cases { arms, other } => {
            let mut rows: Vec<String> = arms
                .iter()
                .map(|a| format!("当 `{}` 得 {}", slice(a.condition.span), a.score.node))
                .collect();
            rows.push(format!("其他 得 {}", other.node));
            format!("分情况（取第一个成立的）：{}", rows.join("；"))
        }
        CriterionKind::Review => "评审：由评审人员在 0 到分值之间给分（数据中填写）".into(),
        CriterionKind::Checklist { items } => {
            let rows: Vec<String> = items
                .iter()
                .map(|i| format!("`{}` 不成立扣 {}", slice(i.condition.span), i.deduct.node))
                .collect();
            format!("清单（从分值中扣，扣完为止）：{}", rows.join("；"))
        }
        CriterionKind::Formula(e) => format!("得分 = `{}`", slice(e.span)),
    }
}

// ── completion ────────────────────────────────────────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Name(DeclKind),
    Keyword,
    Unit,
    Category,
    Function,
    Field,
}

#[derive(Debug, Clone)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: String,
    pub insert: String,
    /// Sort key: labels that start with what was typed come first.
    pub sort: String,
}

/// Completions at `offset`, and the span of what was typed (the edit's range).
pub fn completion(analysis: &Analysis, fallback: Option<&Analysis>, offset: usize) -> (Vec<Completion>, Span) {
    let text = &analysis.doc().text;
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let prefix_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map_or(offset, |(i, _)| line_start + i);
    let prefix = &text[prefix_start..offset];
    let span = Span::new(prefix_start, offset);
    // Names come from this analysis when the text parses, else from the last one that did.
    let named = if analysis.doc().ast.is_some() {
        analysis
    } else {
        fallback.unwrap_or(analysis)
    };
    let mut out = Vec::new();
    let in_string = before.matches('"').count() % 2 == 1 || before.matches('“').count() > before.matches('”').count();
    let categories = categories(named);
    if in_string {
        for c in categories {
            out.push(item(c.clone(), CompletionKind::Category, "目标清单的类别", c));
        }
        return (filter(out, prefix), span);
    }
    let after_colon = {
        let trimmed = before[..before.len() - prefix.len()].trim_end();
        trimmed.ends_with(':') || trimmed.ends_with('：')
    };
    let units = jixiao::model::KNOWN_QUANTITIES.iter().chain(OTHER_KINDS);
    if after_colon {
        for u in units {
            out.push(item(u.to_string(), CompletionKind::Unit, "输入类型", u.to_string()));
        }
        return (filter(out, prefix), span);
    }
    let mut seen = std::collections::HashSet::new();
    for f in &named.files {
        for o in &f.occurrences {
            if let Some(kind) = o.decl {
                if seen.insert(o.name.clone()) {
                    out.push(item(
                        o.name.clone(),
                        CompletionKind::Name(kind),
                        kind.label(),
                        o.name.clone(),
                    ));
                }
            }
        }
    }
    for k in KEYWORDS {
        out.push(item(k.to_string(), CompletionKind::Keyword, "关键字", k.to_string()));
    }
    for u in units {
        out.push(item(u.to_string(), CompletionKind::Unit, "单位", u.to_string()));
    }
    for (name, aliases, summary) in FUNCTIONS {
        for n in std::iter::once(name).chain(aliases.iter()) {
            out.push(item(n.to_string(), CompletionKind::Function, summary, format!("{n}(")));
        }
    }
    for (field, doc) in ITEM_FIELDS {
        out.push(item(field.to_string(), CompletionKind::Field, doc, field.to_string()));
    }
    for name in CONTEXT_NAMES.iter().filter(|n| !n.is_ascii()) {
        let doc = if *name == "值" {
            "本指标公式的值（在评分中）"
        } else {
            "总分（在 等级 依据 中）"
        };
        out.push(item(name.to_string(), CompletionKind::Field, doc, name.to_string()));
    }
    for c in categories {
        out.push(item(
            c.clone(),
            CompletionKind::Category,
            "目标清单的类别",
            format!("\"{c}\""),
        ));
    }
    (filter(out, prefix), span)
}

fn item(label: String, kind: CompletionKind, detail: &str, insert: String) -> Completion {
    Completion {
        label,
        kind,
        detail: detail.to_owned(),
        insert,
        sort: String::new(),
    }
}

/// Keeps the items whose label contains what was typed; those that start with it first.
fn filter(items: Vec<Completion>, prefix: &str) -> Vec<Completion> {
    let mut out: Vec<Completion> = items
        .into_iter()
        .filter(|c| c.label.contains(prefix))
        .map(|mut c| {
            let rank = if c.label.starts_with(prefix) { 0 } else { 1 };
            let kind = match c.kind {
                CompletionKind::Name(_) => 0,
                CompletionKind::Function | CompletionKind::Field => 1,
                CompletionKind::Category | CompletionKind::Unit => 2,
                CompletionKind::Keyword => 3,
            };
            c.sort = format!("{rank}{kind}{}", c.label);
            c
        })
        .collect();
    out.sort_by(|a, b| a.sort.cmp(&b.sort));
    out.dedup_by(|a, b| a.label == b.label && a.kind == b.kind);
    out
}

fn categories(analysis: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    for f in &analysis.files {
        for item in f.ast.iter().flat_map(|a| &a.items) {
            if let Item::TargetList(l) = item {
                for c in &l.categories {
                    if !out.contains(&c.node) {
                        out.push(c.node.clone());
                    }
                }
            }
        }
    }
    out
}

pub fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The identifier-like word around `offset`.
fn word_at(text: &str, offset: usize) -> Option<(String, Span)> {
    let offset = offset.min(text.len());
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_ident_char(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (text[start..end].to_owned(), Span::new(start, end)))
}

// ── outline ───────────────────────────────────────────────────────────────

#[derive(Debug, Clone)]
pub struct Symbol {
    pub name: String,
    pub detail: String,
    pub kind: SymbolKind,
    pub span: Span,
    pub selection: Span,
    pub children: Vec<Symbol>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Indicator(usize),
    Input,
    List,
    Let,
    Check,
    Grades,
    Test,
    Edit,
}

pub fn outline(analysis: &Analysis) -> Vec<Symbol> {
    let doc = analysis.doc();
    let Some(ast) = &doc.ast else { return Vec::new() };
    let mut out = Vec::new();
    let mut inputs: Vec<Symbol> = Vec::new();
    for (i, item) in ast.items.iter().enumerate() {
        let span = ast.item_spans[i];
        let leaf = |name: &ast::Name, detail: String, kind| Symbol {
            name: name.node.clone(),
            detail,
            kind,
            span,
            selection: name.span,
            children: Vec::new(),
        };
        match item {
            Item::Input(d) => inputs.push(leaf(&d.name, d.kind.node.clone(), SymbolKind::Input)),
            Item::TargetList(d) => out.push(leaf(&d.name, "目标清单".into(), SymbolKind::List)),
            Item::Let(d) => out.push(leaf(&d.name, "计算".into(), SymbolKind::Let)),
            Item::Node(n) => out.push(node_symbol(n, "")),
            Item::Replace(n) => out.push(node_symbol(n, "替换 ")),
            Item::Add { node, parent } => out.push(node_symbol(node, &format!("新增于 {} ", parent.node))),
            Item::Delete { kind, name } => out.push(leaf(name, format!("删除 {}", kind.node), SymbolKind::Edit)),
            Item::Adjust { name, weight } => {
                out.push(leaf(name, format!("调整 分值 {}", weight.node), SymbolKind::Edit))
            }
            Item::Check(c) => out.push(leaf(&c.name, "勾稽".into(), SymbolKind::Check)),
            Item::Compare(c) => out.push(leaf(&c.name, "对照".into(), SymbolKind::Check)),
            Item::Grades(g) => out.push(Symbol {
                name: "等级".into(),
                detail: String::new(),
                kind: SymbolKind::Grades,
                span: g.span,
                selection: Span::new(g.span.start, g.span.start + "等级".len().min(g.span.end - g.span.start)),
                children: g
                    .bands
                    .iter()
                    .map(|b| Symbol {
                        name: b.name.node.clone(),
                        detail: doc
                            .text
                            .get(b.interval.span.start..b.interval.span.end)
                            .unwrap_or("")
                            .to_owned(),
                        kind: SymbolKind::Grades,
                        span: b.name.span.to(b.interval.span),
                        selection: b.name.span,
                        children: Vec::new(),
                    })
                    .collect(),
            }),
            Item::Test(t) => out.push(Symbol {
                name: t.name.node.clone(),
                detail: "测试".into(),
                kind: SymbolKind::Test,
                span: t.span,
                selection: t.name.span,
                children: Vec::new(),
            }),
            _ => {}
        }
    }
    if !inputs.is_empty() {
        let span = inputs
            .first()
            .expect("inputs")
            .span
            .to(inputs.last().expect("inputs").span);
        let selection = inputs[0].selection;
        out.insert(
            0,
            Symbol {
                name: "输入".into(),
                detail: format!("{} 项", inputs.len()),
                kind: SymbolKind::Input,
                span,
                selection,
                children: inputs,
            },
        );
    }
    out
}

fn node_symbol(n: &Node, prefix: &str) -> Symbol {
    Symbol {
        name: n.name.node.clone(),
        detail: format!("{prefix}{} 分值 {}", n.level.node.label(), n.weight.node),
        kind: SymbolKind::Indicator(n.level.node.depth()),
        span: n.span,
        selection: n.name.span,
        children: n.children.iter().map(|c| node_symbol(c, "")).collect(),
    }
}
