//! [`ast::RuleSet`] → [`Model`]: resolves names, checks types, weights and the tree,
//! orders computed values, and compiles every expression to slots. Collects every
//! problem it finds instead of stopping at the first.

mod bounds;
mod compile;
mod tree;
mod units;
mod witness;

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::number::Number;

use crate::ast::{self, Item, Literal};
use crate::diagnostics::{CheckCode, CheckError, CheckErrors, Level};
use crate::model::*;
use crate::source::{SourceFile, Span};

pub(crate) use compile::{suggest, Scope};

/// What a name in the rule file refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Symbol {
    Input(usize),
    List(usize),
    /// Index into the checker's computed-value declarations.
    Computed(usize),
    /// A 一级/二级 category (not a value).
    Category,
}

/// A computed value before ordering: a `计算` or an indicator formula.
pub(crate) struct PendingComputed<'a> {
    pub name: String,
    pub expr: &'a ast::Expr,
    pub display: Option<ast::Display>,
    pub description: Option<String>,
    pub indicator: Option<usize>,
    pub name_span: Span,
    pub audit_tolerance: Option<Decimal>,
}

pub(crate) struct Checker<'a> {
    pub source: &'a SourceFile,
    pub errors: Vec<CheckError>,
    pub symbols: HashMap<String, (Symbol, Span)>,
    pub inputs: Vec<InputDef>,
    pub lists: Vec<ListDef>,
    pub pending: Vec<PendingComputed<'a>>,
    /// Computed declaration index → slot, once ordered.
    pub computed_slot: Vec<usize>,
    /// Computed declaration index → type, once compiled.
    pub computed_ty: Vec<Option<Ty>>,
}

impl<'a> Checker<'a> {
    pub fn error(&mut self, code: CheckCode, span: Span, message: String, label: impl Into<String>) -> &mut CheckError {
        self.errors
            .push(CheckError::new(self.source, code, message, (span, label.into())));
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    pub fn push(&mut self, error: CheckError) {
        self.errors.push(error);
    }

    fn define(&mut self, name: &ast::Name, symbol: Symbol) {
        if let Some((_, first)) = self.symbols.get(&name.node) {
            let first = *first;
            let err = CheckError::new(
                self.source,
                CheckCode::DuplicateName,
                format!("名称 `{}` 重复定义", name.node),
                (name.span, "在这里再次定义".into()),
            )
            .label(first, "第一次定义在这里")
            .help("输入、计算值、指标和清单的名称必须互不相同；改名或删除其中一个");
            self.push(err);
        } else {
            self.symbols.insert(name.node.clone(), (symbol, name.span));
        }
    }
}

/// `替换`, `删除`, `新增`, `调整` belong to a file that is `基于` another; here they are errors.
fn refuse_edits_without_base(ck: &mut Checker, rules: &ast::RuleSet) {
    for item in &rules.items {
        let span = match item {
            Item::Replace(n) => n.level.span,
            Item::Delete { kind, .. } => kind.span,
            Item::Add { node, .. } => node.level.span,
            Item::Adjust { name, .. } => name.span,
            _ => continue,
        };
        ck.error(
            CheckCode::EditWithoutBase,
            span,
            "`替换`、`删除`、`新增`、`调整` 只能用在以 `基于 \"…\"` 开头的规则文件中".into(),
            "这里",
        )
        .help = Some("在文件第一行写 `基于 \"上一年度的规则文件.jx\"`".into());
    }
}

/// Inputs, target lists and `计算` values, defined before anything refers to them.
fn declare<'a>(ck: &mut Checker<'a>, rules: &'a ast::RuleSet) {
    for item in &rules.items {
        match item {
            Item::Input(decl) => {
                let index = ck.inputs.len();
                let def = check_input(ck, decl);
                ck.define(&decl.name, Symbol::Input(index));
                ck.inputs.push(def);
            }
            Item::TargetList(decl) => {
                let index = ck.lists.len();
                ck.define(&decl.name, Symbol::List(index));
                ck.lists.push(ListDef {
                    name: decl.name.node.clone(),
                    aliases: decl.aliases.iter().map(|a| a.node.clone()).collect(),
                    categories: decl.categories.iter().map(|c| c.node.clone()).collect(),
                    span: decl.name.span,
                });
            }
            Item::Let(decl) => {
                let index = ck.pending.len();
                ck.define(&decl.name, Symbol::Computed(index));
                ck.pending.push(PendingComputed {
                    name: decl.name.node.clone(),
                    expr: &decl.expr,
                    display: decl.display,
                    description: decl.description.as_ref().map(|d| d.node.clone()),
                    indicator: None,
                    name_span: decl.name.span,
                    audit_tolerance: decl.audit_tolerance.as_ref().map(|t| t.node),
                });
            }
            _ => {}
        }
    }
}

/// The computed values in dependency order (their slots follow the inputs'), compiled.
fn compile_computed(ck: &mut Checker) -> (Vec<usize>, Vec<ComputedDef>) {
    // Order computed values by their dependencies, then compile them in that order.
    let order = compile::order_computed(ck);
    let input_count = ck.inputs.len();
    ck.computed_slot = vec![usize::MAX; ck.pending.len()];
    ck.computed_ty = vec![None; ck.pending.len()];
    for (position, &index) in order.iter().enumerate() {
        ck.computed_slot[index] = input_count + position;
    }
    let mut computed = Vec::with_capacity(order.len());
    for &index in &order {
        let expr = ck.pending[index].expr;
        let (cexpr, ty) = compile::compile(ck, expr, Scope::VALUES);
        ck.computed_ty[index] = ty;
        let mut refs = Vec::new();
        compile::collect_refs(&cexpr, &mut refs);
        let p = &ck.pending[index];
        computed.push(ComputedDef {
            may_be_undefined: false,
            name: p.name.clone(),
            slot: ck.computed_slot[index],
            expr: cexpr,
            display: p.display,
            description: p.description.clone(),
            indicator: p.indicator,
            refs,
            audit_tolerance: p.audit_tolerance.map(Number::from),
            span: p.name_span,
        });
    }
    (order, computed)
}

/// Checks a parsed rule file. Returns the model when there are no errors, and every
/// warning or error found.
pub fn check(source: &SourceFile, rules: &ast::RuleSet) -> (Option<Model>, Vec<CheckError>) {
    let mut ck = Checker {
        source,
        errors: Vec::new(),
        symbols: HashMap::new(),
        inputs: Vec::new(),
        lists: Vec::new(),
        pending: Vec::new(),
        computed_slot: Vec::new(),
        computed_ty: Vec::new(),
    };
    let header = check_header(&mut ck, rules);
    refuse_edits_without_base(&mut ck, rules);

    // Declarations first, so that every later reference can be resolved.
    let mut data_keys = HashMap::new();
    declare(&mut ck, rules);
    let top: Vec<&ast::Node> = rules
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Node(n) => Some(&**n),
            _ => None,
        })
        .collect();
    let mut nodes = tree::flatten(&mut ck, &top);
    bind_data_keys(&mut ck, rules, &mut data_keys);

    let (order, computed) = compile_computed(&mut ck);
    let mut slot_names: Vec<String> = ck.inputs.iter().map(|i| i.name.clone()).collect();
    slot_names.extend(order.iter().map(|&i| ck.pending[i].name.clone()));

    let review_leaves = tree::compile_criteria(&mut ck, &top, &mut nodes, header.stepping, header.undefined);
    tree::check_not_applicable(&mut ck, &top, &nodes, header.not_applicable.clone());
    let leaves: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].leaf.is_some()).collect();
    tree::check_weights(&mut ck, &top, header.full_marks);

    let grades = check_grades(&mut ck, rules);
    let checks = check_cross_checks(&mut ck, rules);

    let has_errors = ck.errors.iter().any(|e| e.level == Level::Error);
    let mut errors = std::mem::take(&mut ck.errors);
    if has_errors {
        return (None, relocated(errors));
    }
    let slot_count = slot_names.len();
    let mut model = Model {
        source: source.clone(),
        sha256: String::new(),
        title: header.title,
        year: header.year,
        issuer: header.issuer,
        full_marks: header.full_marks.map(|(d, _)| Number::from(d)).unwrap_or_default(),
        score_precision: header.score_precision,
        not_applicable: header.not_applicable.map(|r| r.node),
        inputs: ck.inputs,
        lists: ck.lists,
        computed,
        slot_count,
        slot_names,
        nodes,
        leaves,
        review_leaves,
        grades: grades.unwrap_or(GradeDef {
            subject: None,
            bands: Vec::new(),
        }),
        checks,
        data_keys,
    };
    // Whole-model analyses need every name resolved, so they run last.
    units::analyze(&model, &mut errors);
    let undefined = bounds::analyze(&model, &mut errors);
    for c in &mut model.computed {
        c.may_be_undefined = undefined.get(c.slot).copied().unwrap_or(false);
    }
    errors.sort_by_key(|e| e.labels.first().map_or(0, |l| l.0.start));
    let errors = relocated(at_most(source, errors, MAX_DIAGNOSTICS));
    if errors.iter().any(|e| e.level == Level::Error) {
        return (None, errors);
    }
    (Some(model), errors)
}

/// Diagnostics about rules merged from a `基于` chain, moved to the files and lines their
/// authors wrote (kept in the merged rules' order).
fn relocated(errors: Vec<CheckError>) -> Vec<CheckError> {
    errors.into_iter().map(CheckError::relocated).collect()
}

/// Diagnostics listed for one rule file; the rest are counted in one last diagnostic.
/// Nobody reads more, and each one rendered shows its place in the file.
pub const MAX_DIAGNOSTICS: usize = 100;

/// Keeps the first `max` diagnostics, errors before warnings, in file order, and says
/// how many more there were.
fn at_most(source: &SourceFile, errors: Vec<CheckError>, max: usize) -> Vec<CheckError> {
    if errors.len() <= max {
        return errors;
    }
    let error_count = errors.iter().filter(|e| e.level == Level::Error).count();
    let mut room = (error_count.min(max), max - error_count.min(max));
    let (mut kept, rest): (Vec<_>, Vec<_>) = errors.into_iter().partition(|e| {
        let left = if e.level == Level::Error {
            &mut room.0
        } else {
            &mut room.1
        };
        let keep = *left > 0;
        *left = left.saturating_sub(1);
        keep
    });
    let more_errors = rest.iter().filter(|e| e.level == Level::Error).count();
    let more_warnings = rest.len() - more_errors;
    let first = rest
        .first()
        .and_then(|e| e.labels.first())
        .map_or(Span::default(), |l| l.0);
    let mut note = CheckError::new(
        source,
        CheckCode::TooMany,
        format!("另有 {more_errors} 个错误和 {more_warnings} 个警告未列出（最多列出 {max} 个）"),
        (first, "未列出的第一个问题在这里".into()),
    )
    .help("先修正上面列出的问题，再重新检查");
    if more_errors == 0 {
        note = note.warning();
    }
    kept.push(note);
    kept
}

/// Checks and returns a model, or all diagnostics as one error.
pub fn check_all(source: &SourceFile, rules: &ast::RuleSet) -> Result<(Model, Vec<CheckError>), CheckErrors> {
    match check(source, rules) {
        (Some(model), warnings) => Ok((model, warnings)),
        (None, errors) => Err(CheckErrors { errors }),
    }
}

struct Header {
    title: String,
    year: u32,
    issuer: String,
    full_marks: Option<(Decimal, Span)>,
    stepping: Option<ast::Stepping>,
    score_precision: u32,
    /// `无法计算时 得 …` at file level.
    undefined: Option<crate::source::Spanned<ast::UndefinedPolicy>>,
    /// `不适用时 …`.
    not_applicable: Option<crate::source::Spanned<ast::NotApplicableRule>>,
}

fn check_header(ck: &mut Checker, rules: &ast::RuleSet) -> Header {
    let mut seen: HashMap<&'static str, Span> = HashMap::new();
    let mut header = Header {
        title: String::new(),
        year: 0,
        issuer: String::new(),
        full_marks: None,
        stepping: None,
        score_precision: 2,
        undefined: None,
        not_applicable: None,
    };
    let mut grades_seen = false;
    for item in &rules.items {
        let (key, span) = match item {
            Item::Title(t) => {
                header.title = t.node.clone();
                ("标题", t.span)
            }
            Item::Year(y) => {
                header.year = y.node;
                ("年度", y.span)
            }
            Item::Issuer(i) => {
                header.issuer = i.node.clone();
                ("发布单位", i.span)
            }
            Item::FullMarks(m) => {
                header.full_marks = Some((m.node, m.span));
                ("满分", m.span)
            }
            Item::DefaultStepping(s) => {
                header.stepping = Some(s.node);
                ("计步", s.span)
            }
            Item::ScorePrecision(p) => {
                header.score_precision = p.node;
                ("得分精度", p.span)
            }
            Item::UndefinedDefault(u) => {
                if matches!(u.node, ast::UndefinedPolicy::Cases { .. }) {
                    ck.error(
                        CheckCode::BadWeight,
                        u.span,
                        "文件开头的 `无法计算时` 只能是 `得 …` 或 `不适用`".into(),
                        "这里",
                    )
                    .help = Some("`分情况` 要看具体的数值，请写在各个三级指标中".into());
                } else {
                    header.undefined = Some(u.clone());
                }
                ("无法计算时", u.span)
            }
            Item::NotApplicableRule(r) => {
                header.not_applicable = Some(r.clone());
                ("不适用时", r.span)
            }
            Item::Grades(g) => {
                grades_seen = true;
                ("等级", g.span)
            }
            _ => continue,
        };
        if let Some(first) = seen.insert(key, span) {
            let err = CheckError::new(
                ck.source,
                CheckCode::DuplicateHeader,
                format!("`{key}` 只能声明一次"),
                (span, "再次声明".into()),
            )
            .label(first, "第一次声明");
            ck.push(err);
        }
    }
    let end = Span::new(0, 0);
    for (key, example) in [
        ("标题", "标题 \"某市部门整体支出绩效评价指标体系\""),
        ("年度", "年度 2021"),
        ("满分", "满分 100"),
    ] {
        if !seen.contains_key(key) {
            ck.error(
                CheckCode::MissingHeader,
                end,
                format!("规则文件缺少 `{key}`"),
                "文件开头",
            )
            .help = Some(format!("在文件开头加上一行，例如 `{example}`"));
        }
    }
    if !grades_seen {
        ck.error(
            CheckCode::MissingGrades,
            end,
            "规则文件没有 `等级` 段".into(),
            "文件开头",
        )
        .help = Some("例如 `等级 { 优秀 >= 90  良好 [80, 90)  中 [60, 80)  差 < 60 }`".into());
    }
    header
}

fn check_input(ck: &mut Checker, decl: &ast::InputDecl) -> InputDef {
    let kind = match decl.kind.node.as_str() {
        "百分比" | "percent" | "比率" => Kind::Percent,
        "是否" | "bool" => Kind::Bool,
        "文本" | "text" => Kind::Text,
        other => match KNOWN_QUANTITIES.iter().find(|k| **k == other) {
            Some(k) => Kind::Quantity(k),
            None => {
                let known = KNOWN_QUANTITIES.join("、");
                ck.error(
                    CheckCode::UnknownKind,
                    decl.kind.span,
                    format!("未知的输入类型 `{other}`"),
                    "这里",
                )
                .help = Some(format!("可用的类型：{known}、百分比、是否、文本"));
                Kind::Quantity("万元")
            }
        },
    };
    let default = decl.default.as_ref().and_then(|lit| {
        let value = match (&lit.node, kind) {
            (Literal::Number { value, .. }, Kind::Quantity(_) | Kind::Percent) => Some(Value::Num((*value).into())),
            (Literal::Bool(b), Kind::Bool) => Some(Value::Bool(*b)),
            (Literal::Text(t), Kind::Text) => Some(Value::Text(t.as_str().into())),
            _ => None,
        };
        if value.is_none() {
            ck.error(
                CheckCode::BadDefault,
                lit.span,
                format!("`缺失时` 的值与输入类型 `{}` 不符", kind.label()),
                "类型不符",
            );
        }
        value
    });
    if let (Some(Value::Num(d)), Some(lit)) = (&default, &decl.default) {
        if let Some(bad) = decl.ranges.iter().find(|r| !r.contains(d)) {
            let err = CheckError::new(
                ck.source,
                CheckCode::BadDefault,
                format!("`缺失时` 的值 {d} 不在声明的范围内"),
                (lit.span, "超出范围".into()),
            )
            .label(bad.span, "范围");
            ck.push(err);
        }
    }
    if kind.ty() != Ty::Num && !decl.ranges.is_empty() {
        ck.error(
            CheckCode::BadDefault,
            decl.ranges[0].span,
            format!("`{}` 类型的输入不能规定数值范围", kind.label()),
            "这里",
        );
    }
    InputDef {
        name: decl.name.node.clone(),
        kind,
        section: decl.section.clone(),
        aliases: decl.aliases.iter().map(|a| a.node.clone()).collect(),
        description: decl.description.as_ref().map(|d| d.node.clone()),
        ranges: decl.ranges.clone(),
        default,
        span: decl.name.span,
    }
}

/// Input and list names and aliases, as data files may spell them.
fn bind_data_keys(ck: &mut Checker, rules: &ast::RuleSet, keys: &mut HashMap<String, DataKey>) {
    // key → (where first seen, whether that was an alias)
    let mut spans: HashMap<String, (Span, bool)> = HashMap::new();
    let mut add = |ck: &mut Checker, key: &str, span: Span, target: DataKey, alias: bool| {
        if let Some(&(first, first_alias)) = spans.get(key) {
            // Two primary names colliding is already a duplicate-name error.
            if keys.get(key) != Some(&target) && (alias || first_alias) {
                let err = CheckError::new(
                    ck.source,
                    CheckCode::DuplicateName,
                    format!("别名 `{key}` 指向两个不同的输入"),
                    (span, "这里".into()),
                )
                .label(first, "也在这里");
                ck.push(err);
            }
            return;
        }
        spans.insert(key.to_owned(), (span, alias));
        keys.insert(key.to_owned(), target);
    };
    let (mut input_index, mut list_index) = (0, 0);
    for item in &rules.items {
        match item {
            Item::Input(decl) => {
                let target = DataKey::Input(input_index);
                input_index += 1;
                add(ck, &decl.name.node, decl.name.span, target, false);
                for alias in &decl.aliases {
                    add(ck, &alias.node, alias.span, target, true);
                }
            }
            Item::TargetList(decl) => {
                let target = DataKey::List(list_index);
                list_index += 1;
                add(ck, &decl.name.node, decl.name.span, target, false);
                for alias in &decl.aliases {
                    add(ck, &alias.node, alias.span, target, true);
                }
            }
            _ => {}
        }
    }
}

fn check_grades(ck: &mut Checker, rules: &ast::RuleSet) -> Option<GradeDef> {
    let grades = rules.items.iter().find_map(|i| match i {
        Item::Grades(g) => Some(g),
        _ => None,
    })?;
    let subject = grades.subject.as_ref().map(|e| {
        let (c, ty) = compile::compile(ck, e, Scope::GRADES);
        compile::expect_ty(ck, e.span, ty, Ty::Num, "等级的依据");
        c
    });
    let mut names: HashMap<&str, Span> = HashMap::new();
    for band in &grades.bands {
        if let Some(first) = names.insert(&band.name.node, band.name.span) {
            let err = CheckError::new(
                ck.source,
                CheckCode::DuplicateName,
                format!("等级 `{}` 重复", band.name.node),
                (band.name.span, "再次出现".into()),
            )
            .label(first, "第一次出现");
            ck.push(err);
        }
    }
    Some(GradeDef {
        subject,
        bands: grades.bands.iter().map(|b| (b.name.node.clone(), b.interval)).collect(),
    })
}

fn check_cross_checks(ck: &mut Checker, rules: &ast::RuleSet) -> Vec<CheckDef> {
    let mut out = Vec::new();
    let mut names: HashMap<String, Span> = HashMap::new();
    for item in &rules.items {
        let Item::Check(check) = item else { continue };
        if let Some(first) = names.insert(check.name.node.clone(), check.name.span) {
            let err = CheckError::new(
                ck.source,
                CheckCode::DuplicateName,
                format!("勾稽关系 `{}` 重复", check.name.node),
                (check.name.span, "再次出现".into()),
            )
            .label(first, "第一次出现");
            ck.push(err);
        }
        let (condition, ty) = compile::compile(ck, &check.condition, Scope::VALUES);
        compile::expect_ty(ck, check.condition.span, ty, Ty::Bool, "勾稽关系");
        let sides = match (&check.condition.kind, &condition.kind) {
            (ast::ExprKind::Binary(ast::BinOp::Eq, l, _), CExprKind::Binary(_, cl, cr)) => {
                // Only numeric equations get sides and a tolerance.
                let mark = ck.errors.len();
                let (_, lt) = compile::compile(ck, l, Scope::VALUES);
                ck.errors.truncate(mark);
                (lt == Some(Ty::Num)).then(|| ((**cl).clone(), (**cr).clone()))
            }
            _ => None,
        };
        if sides.is_none() {
            if let Some(t) = &check.tolerance {
                ck.error(
                    CheckCode::BadCheck,
                    t.span,
                    "只有 `左 = 右` 形式的数值等式才能规定容差".into(),
                    "这里",
                );
            }
        }
        out.push(CheckDef {
            name: check.name.node.clone(),
            condition,
            sides,
            difference: None,
            comparison: false,
            tolerance: check.tolerance.as_ref().map_or(Number::ZERO, |t| t.node.into()),
            severity: check.severity.as_ref().map_or(ast::Severity::Error, |s| s.node),
            description: check.description.as_ref().map(|d| d.node.clone()),
            span: check.name.span,
        });
    }
    for item in &rules.items {
        let Item::Compare(cmp) = item else { continue };
        if let Some(first) = names.insert(cmp.name.node.clone(), cmp.name.span) {
            let err = CheckError::new(
                ck.source,
                CheckCode::DuplicateName,
                format!("对照 `{}` 与已有的勾稽关系或对照重名", cmp.name.node),
                (cmp.name.span, "再次出现".into()),
            )
            .label(first, "第一次出现");
            ck.push(err);
        }
        let side = |ck: &mut Checker, e: &ast::Expr, what: &str| {
            let (c, ty) = compile::compile(ck, e, Scope::VALUES);
            compile::expect_ty(ck, e.span, ty, Ty::Num, what);
            c
        };
        let left = side(ck, &cmp.left, "对照的数字");
        let right = side(ck, &cmp.right, "对照的数字");
        let difference = cmp.difference.as_ref().map(|d| side(ck, d, "差额"));
        out.push(CheckDef {
            name: cmp.name.node.clone(),
            condition: CExpr {
                kind: CExprKind::Const(Value::Bool(true)),
                span: cmp.left.span.to(cmp.right.span),
            },
            sides: Some((left, right)),
            difference,
            comparison: true,
            tolerance: cmp.tolerance.as_ref().map_or(Number::ZERO, |t| t.node.into()),
            severity: cmp.severity.as_ref().map_or(ast::Severity::Warning, |s| s.node),
            description: cmp.description.as_ref().map(|d| d.node.clone()),
            span: cmp.name.span,
        });
    }
    out
}
