//! pest pairs → [`crate::ast`]: one function per grammar rule.
//!
//! The grammar has already accepted the text, so a shape mismatch here is a bug in
//! this file, reported as an internal syntax error (never a panic).

use pest::iterators::{Pair, Pairs};
use rust_decimal::Decimal;

use super::expr::lower_expr;
use super::grammar::Rule;
use crate::ast::*;
use crate::diagnostics::SyntaxError;
use crate::numtext::NumberError;
use crate::source::{SourceFile, Span, Spanned};

pub(super) type LowerResult<T> = Result<T, Box<SyntaxError>>;

pub(crate) struct Lowerer<'s> {
    pub source: &'s SourceFile,
}

/// Punctuation pairs exist only so syntax errors can name them.
/// Keywords too: the tree's shape already says which clause a pair is. Keywords are
/// recognised by their rule name so a new `kw_*` rule needs no change here.
fn is_structural(pair: &Pair<'_, Rule>) -> bool {
    let rule = pair.as_rule();
    !(matches!(rule, Rule::colon | Rule::assign | Rule::rparen)
        || KEYWORD_RULES.get(rule as usize).copied().unwrap_or(false))
}

/// `KEYWORD_RULES[rule as usize]`: the rule is a keyword (`kw_*`, named so in the grammar).
/// Worked out once from the rule names rather than listed, so a new keyword needs no edit here.
static KEYWORD_RULES: std::sync::LazyLock<Vec<bool>> = std::sync::LazyLock::new(|| {
    // `all_rules` leaves out `EOI`: size the table by the largest discriminant.
    let len = Rule::all_rules()
        .iter()
        .map(|r| *r as usize + 1)
        .max()
        .unwrap_or(0)
        .max(Rule::EOI as usize + 1);
    let mut table = vec![false; len];
    for rule in Rule::all_rules() {
        table[*rule as usize] = format!("{rule:?}").starts_with("kw_");
    }
    table
});

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

type StructuralPairs<'i> = std::iter::Peekable<std::iter::Filter<Pairs<'i, Rule>, fn(&Pair<'i, Rule>) -> bool>>;

/// Walks the children of one pair, stating which rule each next child must be.
struct Children<'i, 'l, 's> {
    lw: &'l Lowerer<'s>,
    inner: StructuralPairs<'i>,
    parent: Span,
}

impl<'i> Children<'i, '_, '_> {
    fn next(&mut self, rule: Rule) -> LowerResult<Pair<'i, Rule>> {
        match self.inner.next() {
            Some(p) if p.as_rule() == rule => Ok(p),
            Some(p) => Err(self.lw.internal(&p)),
            None => Err(self.lw.internal_at(self.parent, &format!("missing {rule:?}"))),
        }
    }

    fn optional(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.inner.peek().is_some_and(|p| p.as_rule() == rule) {
            self.inner.next()
        } else {
            None
        }
    }

    fn rest(self) -> impl Iterator<Item = Pair<'i, Rule>> {
        self.inner
    }
}

impl<'s> Lowerer<'s> {
    fn children<'i, 'l>(&'l self, pair: Pair<'i, Rule>) -> Children<'i, 'l, 's> {
        let parent = span_of(&pair);
        Children {
            lw: self,
            inner: pair
                .into_inner()
                .filter(is_structural as fn(&Pair<'i, Rule>) -> bool)
                .peekable(),
            parent,
        }
    }

    pub(crate) fn internal(&self, pair: &Pair<'_, Rule>) -> Box<SyntaxError> {
        self.internal_at(span_of(pair), &format!("unexpected {:?}", pair.as_rule()))
    }

    pub(crate) fn internal_at(&self, span: Span, what: &str) -> Box<SyntaxError> {
        Box::new(SyntaxError::new(
            self.source,
            span,
            format!("内部错误：语法树转换失败（{what}），请向 jixiao 开发者报告"),
            "此处".into(),
            None,
        ))
    }

    fn error(&self, span: Span, message: String, label: &str, help: Option<String>) -> Box<SyntaxError> {
        Box::new(SyntaxError::new(self.source, span, message, label.into(), help))
    }

    pub fn lower_file(&self, pair: Pair<'_, Rule>) -> LowerResult<RuleSet> {
        let mut items = Vec::new();
        let mut item_spans = Vec::new();
        let mut base = None;
        for p in pair.into_inner() {
            let span = span_of(&p);
            match p.as_rule() {
                Rule::EOI => {}
                Rule::base => base = Some(self.lower_base(p)?),
                Rule::section => {
                    let before = items.len();
                    self.lower_section(p, &mut items, &mut item_spans)?;
                    debug_assert!(items.len() >= before);
                }
                _ => {
                    items.push(self.lower_item(p)?);
                    item_spans.push(span);
                }
            }
        }
        Ok(RuleSet {
            base,
            items,
            item_spans,
        })
    }

    fn lower_item(&self, p: Pair<'_, Rule>) -> LowerResult<Item> {
        let span = span_of(&p);
        Ok(match p.as_rule() {
            Rule::title => Item::Title(self.lower_string(self.children(p).next(Rule::string)?)?),
            Rule::issuer => Item::Issuer(self.lower_string(self.children(p).next(Rule::string)?)?),
            Rule::year => Item::Year(self.lower_u32(self.children(p).next(Rule::integer)?)?),
            Rule::score_precision => {
                let n = self.lower_u32(self.children(p).next(Rule::integer)?)?;
                if n.node > 10 {
                    return Err(self.error(n.span, format!("得分精度 {} 过大", n.node), "最多 10 位小数", None));
                }
                Item::ScorePrecision(n)
            }
            Rule::full_marks => Item::FullMarks(self.lower_number(self.children(p).next(Rule::number)?)?),
            Rule::undefined_default => {
                Item::UndefinedDefault(self.lower_undefined(self.children(p).next(Rule::undefined_clause)?)?)
            }
            Rule::na_rule => {
                let mode = self.children(p).next(Rule::na_mode)?;
                let rule = match mode.as_str() {
                    "按适用分值折算" | "rescale_total" => NotApplicableRule::RescaleTotal,
                    "按同级分值折算" | "rescale_siblings" => NotApplicableRule::RescaleSiblings,
                    _ => NotApplicableRule::GradeByRate,
                };
                Item::NotApplicableRule(Spanned::new(rule, span))
            }
            Rule::default_stepping => {
                Item::DefaultStepping(self.lower_stepping(self.children(p).next(Rule::stepping)?))
            }
            Rule::input_decl => Item::Input(Box::new(self.lower_input_decl(p, None)?)),
            Rule::target_list => Item::TargetList(self.lower_target_list(p)?),
            Rule::let_decl => Item::Let(Box::new(self.lower_let_decl(p)?)),
            Rule::node => Item::Node(Box::new(self.lower_node(p)?)),
            Rule::grades => Item::Grades(self.lower_grades(p)?),
            Rule::check => Item::Check(self.lower_check(p)?),
            Rule::compare => Item::Compare(self.lower_compare(p)?),
            Rule::replace_node => Item::Replace(Box::new(self.lower_node(self.children(p).next(Rule::node)?)?)),
            Rule::delete_item => {
                let mut c = self.children(p);
                let kind = c.next(Rule::delete_kind)?;
                let kind = Spanned::new(kind.as_str().to_owned(), span_of(&kind));
                Item::Delete {
                    kind,
                    name: self.lower_ident(c.next(Rule::ident)?)?,
                }
            }
            Rule::add_node => {
                let mut c = self.children(p);
                let node = self.lower_node(c.next(Rule::node)?)?;
                c.next(Rule::level)?;
                Item::Add {
                    node: Box::new(node),
                    parent: self.lower_ident(c.next(Rule::ident)?)?,
                }
            }
            Rule::adjust_weight => {
                let mut c = self.children(p);
                c.next(Rule::level)?;
                let name = self.lower_ident(c.next(Rule::ident)?)?;
                let weight = self.lower_number(self.children(c.next(Rule::weight)?).next(Rule::number)?)?;
                Item::Adjust { name, weight }
            }
            Rule::test_case => Item::Test(self.lower_test(p)?),
            _ => return Err(self.internal_at(span, "unexpected item")),
        })
    }

    fn lower_section(&self, p: Pair<'_, Rule>, items: &mut Vec<Item>, spans: &mut Vec<Span>) -> LowerResult<()> {
        let mut c = self.children(p);
        let title = self.lower_string(c.next(Rule::string)?)?;
        for q in c.rest() {
            if q.as_rule() == Rule::input_decl {
                // Each input keeps its own span and section, so merged files re-emit them singly.
                spans.push(span_of(&q));
                items.push(Item::Input(Box::new(
                    self.lower_input_decl(q, Some(title.node.clone()))?,
                )));
            }
        }
        Ok(())
    }

    fn lower_input_decl(&self, p: Pair<'_, Rule>, section: Option<String>) -> LowerResult<InputDecl> {
        let mut c = self.children(p);
        let name = self.lower_ident(c.next(Rule::ident)?)?;
        let kind = self.lower_unit(self.children(c.next(Rule::kind)?).next(Rule::ident)?)?;
        let mut decl = InputDecl {
            name,
            kind,
            section,
            aliases: Vec::new(),
            description: None,
            ranges: Vec::new(),
            default: None,
        };
        if let Some(body) = c.optional(Rule::input_body) {
            for clause in body.into_inner() {
                match clause.as_rule() {
                    Rule::block_open | Rule::block_close => {}
                    Rule::alias_clause => decl.aliases.extend(self.lower_strings(clause)?),
                    Rule::desc_clause => decl.description = Some(self.lower_desc(clause)?),
                    Rule::range_clause => decl
                        .ranges
                        .push(self.lower_interval(self.children(clause).next(Rule::interval)?)?),
                    Rule::default_clause => {
                        let lit = self.children(clause).next(Rule::literal)?;
                        decl.default = Some(self.lower_literal(lit)?);
                    }
                    _ => return Err(self.internal(&clause)),
                }
            }
        }
        Ok(decl)
    }

    fn lower_target_list(&self, p: Pair<'_, Rule>) -> LowerResult<TargetListDecl> {
        let mut c = self.children(p);
        let mut decl = TargetListDecl {
            name: self.lower_ident(c.next(Rule::ident)?)?,
            aliases: Vec::new(),
            description: None,
            categories: Vec::new(),
        };
        if let Some(body) = c.optional(Rule::target_list_body) {
            for clause in body.into_inner() {
                match clause.as_rule() {
                    Rule::block_open | Rule::block_close => {}
                    Rule::alias_clause => decl.aliases.extend(self.lower_strings(clause)?),
                    Rule::desc_clause => decl.description = Some(self.lower_desc(clause)?),
                    Rule::categories_clause => decl.categories.extend(self.lower_strings(clause)?),
                    _ => return Err(self.internal(&clause)),
                }
            }
        }
        Ok(decl)
    }

    fn lower_let_decl(&self, p: Pair<'_, Rule>) -> LowerResult<LetDecl> {
        let mut c = self.children(p);
        let name = self.lower_ident(c.next(Rule::ident)?)?;
        let expr = lower_expr(self, c.next(Rule::expr)?)?;
        let mut decl = LetDecl {
            name,
            expr,
            display: None,
            description: None,
            audit_tolerance: None,
        };
        for clause in c.rest() {
            match clause.as_rule() {
                Rule::audit_tolerance => decl.audit_tolerance = Some(self.lower_audit_tolerance(clause)?),
                Rule::display_clause => decl.display = Some(self.lower_display(clause)?),
                Rule::desc_clause => decl.description = Some(self.lower_desc(clause)?),
                _ => return Err(self.internal(&clause)),
            }
        }
        Ok(decl)
    }

    fn lower_display(&self, p: Pair<'_, Rule>) -> LowerResult<Display> {
        let span = span_of(&p);
        let mut c = self.children(p);
        let percent = c.optional(Rule::percent_format).is_some();
        let decimals = self.lower_u32(c.next(Rule::integer)?)?;
        if decimals.node > 10 {
            return Err(self.error(decimals.span, "显示的小数位数过多".into(), "最多 10 位", None));
        }
        Ok(Display {
            percent,
            decimals: decimals.node,
            span,
        })
    }

    fn lower_node(&self, p: Pair<'_, Rule>) -> LowerResult<Node> {
        let node_span = span_of(&p);
        let mut c = self.children(p);
        let level_pair = c.next(Rule::level)?;
        let level = match level_pair.as_str() {
            "一级" | "level1" => Level::One,
            "二级" | "level2" => Level::Two,
            _ => Level::Three,
        };
        let level = Spanned::new(level, span_of(&level_pair));
        let name = self.lower_ident(c.next(Rule::ident)?)?;
        let weight = self.lower_number(self.children(c.next(Rule::weight)?).next(Rule::number)?)?;
        let open = span_of(&c.next(Rule::block_open)?);
        let mut node = Node {
            span: node_span,
            level,
            name,
            weight,
            children: Vec::new(),
            formula: None,
            display: None,
            standard: None,
            description: None,
            scoring: None,
            audit_tolerance: None,
            undefined: None,
            open,
        };
        for q in c.rest() {
            let span = span_of(&q);
            match q.as_rule() {
                Rule::block_close => {}
                Rule::node => node.children.push(self.lower_node(q)?),
                Rule::formula => {
                    let e = lower_expr(self, self.children(q).next(Rule::expr)?)?;
                    if node.formula.replace(e).is_some() {
                        return Err(self.duplicate_clause(span, "公式"));
                    }
                }
                Rule::display_clause => {
                    if node.display.replace(self.lower_display(q)?).is_some() {
                        return Err(self.duplicate_clause(span, "显示"));
                    }
                }
                Rule::standard_text => {
                    let s = self.lower_string(self.children(q).next(Rule::string)?)?;
                    if node.standard.replace(s).is_some() {
                        return Err(self.duplicate_clause(span, "标准"));
                    }
                }
                Rule::desc_clause => node.description = Some(self.lower_desc(q)?),
                Rule::audit_tolerance => node.audit_tolerance = Some(self.lower_audit_tolerance(q)?),
                Rule::undefined_clause => {
                    if node.undefined.replace(self.lower_undefined(q)?).is_some() {
                        return Err(self.duplicate_clause(span, "无法计算时"));
                    }
                }
                Rule::scoring => {
                    let crit = self.lower_scoring(q)?;
                    if node.scoring.replace(crit).is_some() {
                        return Err(self.duplicate_clause(span, "评分"));
                    }
                }
                _ => return Err(self.internal(&q)),
            }
        }
        Ok(node)
    }

    /// `无法计算时 得 满分` / `得 2.5` / `不适用` / `分情况 { … }`.
    fn lower_undefined(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<UndefinedPolicy>> {
        let span = span_of(&p);
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::undefined_outcome => {
                    return Ok(Spanned::new(
                        UndefinedPolicy::Always(self.lower_undefined_outcome(q)?.node),
                        span,
                    ))
                }
                Rule::undefined_cases => {
                    let mut arms = Vec::new();
                    let mut other = None;
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::undefined_arm => {
                                let mut c = self.children(r);
                                let condition = lower_expr(self, c.next(Rule::expr)?)?;
                                arms.push((
                                    condition,
                                    self.lower_undefined_outcome(c.next(Rule::undefined_outcome)?)?,
                                ));
                            }
                            Rule::undefined_other => {
                                let outcome = self.children(r).next(Rule::undefined_outcome)?;
                                other = Some(self.lower_undefined_outcome(outcome)?);
                            }
                            _ => {}
                        }
                    }
                    let other = other.ok_or_else(|| self.error(span, "`分情况` 缺少 `其他`".into(), "这里", None))?;
                    return Ok(Spanned::new(UndefinedPolicy::Cases { arms, other }, span));
                }
                _ => {}
            }
        }
        Err(self.error(
            span,
            "`无法计算时` 后应写 `得 …`、`不适用` 或 `分情况`".into(),
            "这里",
            None,
        ))
    }

    fn lower_undefined_outcome(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<UndefinedOutcome>> {
        let span = span_of(&p);
        let mut outcome = UndefinedOutcome::FullMarks;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::number => outcome = UndefinedOutcome::Score(self.lower_number(q)?.node),
                Rule::kw_not_applicable => outcome = UndefinedOutcome::NotApplicable,
                _ => {}
            }
        }
        Ok(Spanned::new(outcome, span))
    }

    pub(crate) fn too_long(&self, span: Span, limit: usize) -> Box<SyntaxError> {
        self.error(
            Span::new(span.start, span.start),
            format!("表达式过长（超过 {limit} 个运算项）"),
            "从这里开始的表达式",
            Some("把公式拆成几个 `计算` 值".into()),
        )
    }

    pub(crate) fn too_deep(&self, span: Span, limit: usize) -> Box<SyntaxError> {
        self.error(
            Span::new(span.start, span.start),
            format!("公式嵌套过深（超过 {limit} 层）"),
            "从这里开始的公式",
            Some("把公式拆成几个 `计算` 值".into()),
        )
    }

    fn duplicate_clause(&self, span: Span, what: &str) -> Box<SyntaxError> {
        self.error(
            span,
            format!("同一指标中 `{what}` 只能写一次"),
            "重复的子句",
            Some(format!("删除多余的 `{what}`，或把它移到正确的指标中")),
        )
    }

    fn lower_scoring(&self, p: Pair<'_, Rule>) -> LowerResult<Criterion> {
        let span = span_of(&p);
        let mut c = self.children(p);
        let crit = c.inner.next().ok_or_else(|| self.internal_at(span, "empty scoring"))?;
        let kind = match crit.as_rule() {
            Rule::crit_deduct => self.lower_crit_deduct(crit)?,
            Rule::crit_ratio => {
                let mut c = self.children(crit);
                let subject = self.lower_subject(&mut c)?;
                c.next(Rule::block_open)?;
                let target = lower_expr(self, self.children(c.next(Rule::ratio_target)?).next(Rule::expr)?)?;
                CriterionKind::Ratio { subject, target }
            }
            Rule::crit_bands => {
                let mut c = self.children(crit);
                let subject = self.lower_subject(&mut c)?;
                c.next(Rule::block_open)?;
                let mut bands = Vec::new();
                for b in c.rest() {
                    if b.as_rule() == Rule::band {
                        let mut bc = self.children(b);
                        let interval = self.lower_interval(bc.next(Rule::interval)?)?;
                        let score = self.lower_number(bc.next(Rule::number)?)?;
                        bands.push(Band { interval, score });
                    }
                }
                CriterionKind::Bands { subject, bands }
            }
            Rule::crit_pass => {
                let mut c = self.children(crit);
                c.next(Rule::block_open)?;
                let condition = lower_expr(self, self.children(c.next(Rule::pass_condition)?).next(Rule::expr)?)?;
                let otherwise = match c.optional(Rule::otherwise) {
                    Some(o) => {
                        let mut oc = self.children(o);
                        Some(self.lower_number(oc.next(Rule::number)?)?)
                    }
                    None => None,
                };
                CriterionKind::Pass { condition, otherwise }
            }
            Rule::crit_cases => {
                let mut arms = Vec::new();
                let mut other = None;
                for q in self.children(crit).rest() {
                    match q.as_rule() {
                        Rule::case_arm => {
                            let mut ac = self.children(q);
                            let condition = lower_expr(self, ac.next(Rule::expr)?)?;
                            let score = self.lower_number(ac.next(Rule::number)?)?;
                            arms.push(CaseArm { condition, score });
                        }
                        Rule::case_other => {
                            let mut oc = self.children(q);
                            other = Some(self.lower_number(oc.next(Rule::number)?)?);
                        }
                        Rule::block_open | Rule::block_close => {}
                        _ => return Err(self.internal(&q)),
                    }
                }
                let other = other.ok_or_else(|| self.internal_at(span, "cases without other"))?;
                CriterionKind::Cases { arms, other }
            }
            Rule::crit_review => CriterionKind::Review,
            Rule::crit_checklist => {
                let mut items = Vec::new();
                for q in self.children(crit).rest() {
                    if q.as_rule() == Rule::checklist_item {
                        let mut ic = self.children(q);
                        let condition = lower_expr(self, ic.next(Rule::expr)?)?;
                        let deduct = self.lower_number(ic.next(Rule::number)?)?;
                        items.push(ChecklistItem { condition, deduct });
                    }
                }
                CriterionKind::Checklist { items }
            }
            Rule::crit_formula => CriterionKind::Formula(lower_expr(self, self.children(crit).next(Rule::expr)?)?),
            _ => return Err(self.internal(&crit)),
        };
        Ok(Criterion { kind, span })
    }

    fn lower_subject(&self, c: &mut Children<'_, '_, '_>) -> LowerResult<Option<Expr>> {
        match c.optional(Rule::subject) {
            Some(s) => Ok(Some(lower_expr(self, self.children(s).next(Rule::expr)?)?)),
            None => Ok(None),
        }
    }

    fn lower_crit_deduct(&self, p: Pair<'_, Rule>) -> LowerResult<CriterionKind> {
        let mut c = self.children(p);
        let subject = self.lower_subject(&mut c)?;
        c.next(Rule::block_open)?;
        let baseline = lower_expr(self, self.children(c.next(Rule::baseline)?).next(Rule::expr)?)?;
        let mut sc = self.children(c.next(Rule::per_step)?);
        let dir = sc.next(Rule::step_direction)?;
        let direction = match dir.as_str() {
            "每超过" | "每超" | "per_above" => StepDirection::Above,
            "每低于" | "per_below" => StepDirection::Below,
            _ => StepDirection::Deviation,
        };
        let direction = Spanned::new(direction, span_of(&dir));
        let size_pair = sc.next(Rule::step_size)?;
        let size_span = span_of(&size_pair);
        let size_inner = size_pair
            .into_inner()
            .next()
            .ok_or_else(|| self.internal_at(size_span, "step size"))?;
        let (size_value, size_percent) = match size_inner.as_rule() {
            Rule::percent => (self.lower_percent(&size_inner)?, true),
            _ => (self.lower_number(size_inner)?.node, false),
        };
        let unit_pair = sc.optional(Rule::step_unit);
        let step_unit = match &unit_pair {
            Some(u) => {
                let word = self.unit_text(u)?;
                let unit = if word == "百分点" || word == "个百分点" || word == "percentage_point" {
                    StepUnit::PercentagePoint
                } else {
                    StepUnit::Plain(Some(word.to_owned()))
                };
                Spanned::new(unit, span_of(u))
            }
            None if size_percent => Spanned::new(StepUnit::PercentagePoint, size_span),
            None => Spanned::new(StepUnit::Plain(None), size_span),
        };
        // `每超过 1%` and `每超过 1 百分点` both mean a step of 0.01 of a rate.
        let step_size = if size_percent {
            size_value * Decimal::ONE_HUNDRED
        } else {
            size_value
        };
        if step_size <= Decimal::ZERO {
            return Err(self.error(
                size_span,
                "扣分的步长必须大于 0".into(),
                "步长为 0",
                Some("例如 `每超过 1 百分点 扣 0.5`".into()),
            ));
        }
        let per_step = self.lower_number(sc.next(Rule::number)?)?;
        let stepping = match c.optional(Rule::step_clause) {
            Some(s) => {
                let mut scc = self.children(s);
                Some(self.lower_stepping(scc.next(Rule::stepping)?))
            }
            None => None,
        };
        Ok(CriterionKind::Deduct {
            subject,
            baseline,
            direction,
            step_size: Spanned::new(step_size, size_span),
            step_unit,
            per_step,
            stepping,
        })
    }

    fn lower_grades(&self, p: Pair<'_, Rule>) -> LowerResult<Grades> {
        let span = span_of(&p);
        let mut c = self.children(p);
        let subject = self.lower_subject(&mut c)?;
        let mut bands = Vec::new();
        for q in c.rest() {
            if q.as_rule() == Rule::grade_band {
                let mut gc = self.children(q);
                let name = self.lower_ident(gc.next(Rule::ident)?)?;
                let interval = self.lower_interval(gc.next(Rule::interval)?)?;
                bands.push(GradeBand { name, interval });
            }
        }
        Ok(Grades { subject, bands, span })
    }

    fn lower_check(&self, p: Pair<'_, Rule>) -> LowerResult<Check> {
        let mut c = self.children(p);
        let name = self.lower_ident(c.next(Rule::ident)?)?;
        c.next(Rule::block_open)?;
        let condition = lower_expr(self, c.next(Rule::expr)?)?;
        let mut check = Check {
            name,
            condition,
            tolerance: None,
            severity: None,
            description: None,
        };
        for q in c.rest() {
            match q.as_rule() {
                Rule::tolerance => {
                    let mut tc = self.children(q);
                    check.tolerance = Some(self.lower_number(tc.next(Rule::number)?)?);
                }
                Rule::severity => check.severity = Some(self.lower_severity(q)?),
                Rule::desc_clause => check.description = Some(self.lower_desc(q)?),
                Rule::block_close => {}
                _ => return Err(self.internal(&q)),
            }
        }
        Ok(check)
    }

    fn lower_test(&self, p: Pair<'_, Rule>) -> LowerResult<TestCase> {
        let span = span_of(&p);
        let mut c = self.children(p);
        let name = self.lower_string(c.next(Rule::string)?)?;
        let mut case = TestCase {
            name,
            data: None,
            sets: Vec::new(),
            expects: Vec::new(),
            span,
        };
        for q in c.rest() {
            match q.as_rule() {
                Rule::block_open | Rule::block_close => {}
                Rule::test_data => case.data = Some(self.lower_string(self.children(q).next(Rule::string)?)?),
                Rule::test_set => {
                    let mut sc = self.children(q);
                    let path = sc.next(Rule::data_path)?;
                    let path_span = span_of(&path);
                    let segments = path
                        .into_inner()
                        .map(|i| self.name_text(&i).map(str::to_owned))
                        .collect::<LowerResult<_>>()?;
                    let value = self.lower_literal(sc.next(Rule::literal)?)?;
                    case.sets.push(TestSet {
                        path: Spanned::new(segments, path_span),
                        value,
                    });
                }
                Rule::test_expect => {
                    let expect_span = span_of(&q);
                    let mut ec = self.children(q);
                    let subject = ec.next(Rule::expect_subject)?;
                    let subject_span = span_of(&subject);
                    let mut parts = self.children(subject).rest().collect::<Vec<_>>().into_iter();
                    let first = parts
                        .next()
                        .ok_or_else(|| self.internal_at(subject_span, "expect subject"))?;
                    let subject = match first.as_rule() {
                        Rule::grade_word => ExpectSubject::Grade,
                        _ if parts.next().is_some() => ExpectSubject::Score(self.name_text(&first)?.to_owned()),
                        _ => ExpectSubject::Value(self.name_text(&first)?.to_owned()),
                    };
                    let value = ec.next(Rule::expect_value)?;
                    let value_span = span_of(&value);
                    if let Some(name) = value.clone().into_inner().find(|v| v.as_rule() == Rule::ident) {
                        self.name_text(&name)?;
                    }
                    let mut text = value.as_str().trim().to_owned();
                    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                        text = inner.to_owned();
                    }
                    case.expects.push(Expect {
                        subject: Spanned::new(subject, subject_span),
                        text: Spanned::new(text, value_span),
                        span: expect_span,
                    });
                }
                _ => return Err(self.internal(&q)),
            }
        }
        Ok(case)
    }

    fn lower_severity(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<Severity>> {
        let w = self.children(p).next(Rule::severity_word)?;
        let sev = match w.as_str() {
            "错误" | "error" => Severity::Error,
            _ => Severity::Warning,
        };
        Ok(Spanned::new(sev, span_of(&w)))
    }

    fn lower_audit_tolerance(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<Decimal>> {
        let span = span_of(&p);
        let inner = self
            .children(p)
            .inner
            .next()
            .ok_or_else(|| self.internal_at(span, "tolerance"))?;
        let value = match inner.as_rule() {
            Rule::percent => self.lower_percent(&inner)?,
            _ => self.lower_number(inner)?.node,
        };
        Ok(Spanned::new(value, span))
    }

    fn lower_compare(&self, p: Pair<'_, Rule>) -> LowerResult<Compare> {
        let mut c = self.children(p);
        let name = self.lower_ident(c.next(Rule::ident)?)?;
        c.next(Rule::block_open)?;
        let left = lower_expr(self, c.next(Rule::expr)?)?;
        let right = lower_expr(self, c.next(Rule::expr)?)?;
        let mut compare = Compare {
            name,
            left,
            right,
            difference: None,
            tolerance: None,
            severity: None,
            description: None,
        };
        for q in c.rest() {
            match q.as_rule() {
                Rule::difference => compare.difference = Some(lower_expr(self, self.children(q).next(Rule::expr)?)?),
                Rule::tolerance => compare.tolerance = Some(self.lower_number(self.children(q).next(Rule::number)?)?),
                Rule::severity => compare.severity = Some(self.lower_severity(q)?),
                Rule::desc_clause => compare.description = Some(self.lower_desc(q)?),
                Rule::block_close => {}
                _ => return Err(self.internal(&q)),
            }
        }
        Ok(compare)
    }

    fn lower_interval(&self, p: Pair<'_, Rule>) -> LowerResult<Interval> {
        let span = span_of(&p);
        let inner = self
            .children(p)
            .inner
            .next()
            .ok_or_else(|| self.internal_at(span, "interval"))?;
        match inner.as_rule() {
            Rule::interval_cmp => {
                let mut c = self.children(inner);
                let op = c.next(Rule::cmp_op)?;
                let (value, percent) = self.lower_signed(c.next(Rule::signed_number)?)?;
                let at = |inclusive| Some(Bound { value, inclusive });
                let (lower, upper) = match op.as_str() {
                    "<=" | "≤" | "≦" => (None, at(true)),
                    "<" => (None, at(false)),
                    ">=" | "≥" | "≧" => (at(true), None),
                    ">" => (at(false), None),
                    "=" | "==" => (at(true), at(true)),
                    _ => {
                        return Err(self.error(
                            span_of(&op),
                            "区间不能用 `≠` 表示".into(),
                            "此处",
                            Some("把它拆成 `< a` 和 `> a` 两档".into()),
                        ))
                    }
                };
                Ok(Interval {
                    lower,
                    upper,
                    percent,
                    span,
                })
            }
            Rule::interval_pair => {
                let mut c = self.children(inner);
                let open = c.next(Rule::open_bracket)?;
                let (lo, p1) = self.lower_signed(c.next(Rule::signed_number)?)?;
                let (hi, p2) = self.lower_signed(c.next(Rule::signed_number)?)?;
                let close = c.next(Rule::close_bracket)?;
                if lo > hi {
                    return Err(self.error(
                        span,
                        "区间的下限大于上限".into(),
                        "下限应不大于上限",
                        Some("区间写作 `[下限, 上限)`".into()),
                    ));
                }
                Ok(Interval {
                    lower: Some(Bound {
                        value: lo,
                        inclusive: open.as_str() == "[",
                    }),
                    upper: Some(Bound {
                        value: hi,
                        inclusive: close.as_str() == "]",
                    }),
                    percent: p1 || p2,
                    span,
                })
            }
            _ => Err(self.internal(&inner)),
        }
    }

    fn lower_signed(&self, p: Pair<'_, Rule>) -> LowerResult<(Decimal, bool)> {
        let span = span_of(&p);
        let mut negative = false;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::minus_sign => negative = true,
                Rule::percent => {
                    let v = self.lower_percent(&q)?;
                    return Ok((if negative { -v } else { v }, true));
                }
                Rule::number => {
                    let v = self.lower_number(q)?.node;
                    return Ok((if negative { -v } else { v }, false));
                }
                _ => return Err(self.internal(&q)),
            }
        }
        Err(self.internal_at(span, "signed number"))
    }

    fn lower_literal(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<Literal>> {
        let span = span_of(&p);
        let inner = p.into_inner().next().ok_or_else(|| self.internal_at(span, "literal"))?;
        let lit = match inner.as_rule() {
            Rule::signed_number => {
                let (value, percent) = self.lower_signed(inner)?;
                Literal::Number { value, percent }
            }
            Rule::string => Literal::Text(self.lower_string(inner)?.node),
            Rule::boolean => Literal::Bool(matches!(inner.as_str(), "是" | "true")),
            _ => return Err(self.internal(&inner)),
        };
        Ok(Spanned::new(lit, span))
    }

    fn lower_stepping(&self, p: Pair<'_, Rule>) -> Spanned<Stepping> {
        let s = match p.as_str() {
            "整步" | "whole" => Stepping::Whole,
            "进位" | "started" => Stepping::Started,
            _ => Stepping::Continuous,
        };
        Spanned::new(s, span_of(&p))
    }

    fn lower_desc(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<String>> {
        let mut c = self.children(p);
        self.lower_string(c.next(Rule::string)?)
    }

    /// `基于 "…"`: the file named.
    pub(super) fn lower_base(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<String>> {
        self.lower_string(self.children(p).next(Rule::string)?)
    }

    fn lower_strings(&self, p: Pair<'_, Rule>) -> LowerResult<Vec<Spanned<String>>> {
        p.into_inner()
            .filter(|q| q.as_rule() == Rule::string)
            .map(|q| self.lower_string(q))
            .collect()
    }

    pub(super) fn lower_ident(&self, p: Pair<'_, Rule>) -> LowerResult<Name> {
        Ok(Spanned::new(self.name_text(&p)?.to_owned(), span_of(&p)))
    }

    /// A unit of measure (`输入 x: 项`, `每超过 1 项`): a name, except that the units
    /// which are also keywords ([`super::UNIT_KEYWORDS`]) are words here, not keywords.
    fn lower_unit(&self, p: Pair<'_, Rule>) -> LowerResult<Name> {
        Ok(Spanned::new(self.unit_text(&p)?.to_owned(), span_of(&p)))
    }

    fn unit_text<'i>(&self, p: &Pair<'i, Rule>) -> LowerResult<&'i str> {
        match p.as_str() {
            word if super::UNIT_KEYWORDS.contains(&word) => Ok(word),
            _ => self.name_text(p),
        }
    }

    /// The text of a name. Every name is read through here, because this is where a
    /// keyword used as a name is rejected: the grammar's `ident` accepts any word, as
    /// checking the 70 keywords at every place a name may start was most of the parse.
    pub(super) fn name_text<'i>(&self, p: &Pair<'i, Rule>) -> LowerResult<&'i str> {
        let word = p.as_str();
        if super::is_keyword(word) {
            let start = p.as_span().start();
            return Err(self.error(
                Span::new(start, start),
                format!("`{word}` 是关键字，不能用作名称"),
                &format!("这里是 `{word}`"),
                None,
            ));
        }
        // A zero-width joiner is a letter to Unicode, so `a\u{200D}b` would be a name
        // that looks exactly like `ab` and never matches it.
        if let Some((at, c)) = word.char_indices().find(|(_, c)| super::is_invisible(*c)) {
            let start = p.as_span().start() + at;
            return Err(self.error(
                Span::new(start, start + c.len_utf8()),
                format!("名称 `{word}` 中有一个看不见的字符（U+{:04X}）", u32::from(c)),
                "这里",
                Some("多半是从网页或文档复制来的，请删除它".into()),
            ));
        }
        Ok(word)
    }

    fn lower_string(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<String>> {
        let span = span_of(&p);
        let inner = p.into_inner().next().ok_or_else(|| self.internal_at(span, "string"))?;
        let text = if inner.as_rule() == Rule::string_text {
            unescape(inner.as_str())
        } else {
            inner.as_str().to_owned()
        };
        Ok(Spanned::new(text, span))
    }

    fn lower_u32(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<u32>> {
        let span = span_of(&p);
        // Full-width digits (`２０２１`) are the same number.
        p.as_str()
            .chars()
            .map(crate::numtext::to_halfwidth)
            .collect::<String>()
            .parse::<u32>()
            .map(|n| Spanned::new(n, span))
            .map_err(|_| self.error(span, format!("整数 `{}` 超出范围", p.as_str()), "数值过大", None))
    }

    /// A `number` token by the number grammar (`crate::numtext`): `1e3` and `36_96.83`
    /// are errors with a hint that writes the number out.
    pub(super) fn lower_number(&self, p: Pair<'_, Rule>) -> LowerResult<Spanned<Decimal>> {
        let span = span_of(&p);
        crate::numtext::parse_literal(p.as_str())
            .map(|d| Spanned::new(d, span))
            .map_err(|e| self.number_error(span, p.as_str(), &e))
    }

    /// `12.5%` → 0.125, exactly.
    pub(super) fn lower_percent(&self, p: &Pair<'_, Rule>) -> LowerResult<Decimal> {
        let span = span_of(p);
        let digits = p.as_str().trim_end_matches(['%', '％']);
        crate::numtext::parse_literal(digits)
            .map_err(crate::numtext::with_percent)
            .and_then(|d| crate::numtext::percent_of(d).ok_or(NumberError::Inexact))
            .map_err(|e| self.number_error(span, p.as_str(), &e))
    }

    fn number_error(&self, span: Span, text: &str, e: &NumberError) -> Box<SyntaxError> {
        if *e != NumberError::Inexact {
            return self.error(span, format!("数字 `{text}` 的写法不对"), e.label(), e.hint());
        }
        let shown = if text.chars().count() > 40 {
            format!(
                "{}…（共 {} 位）",
                text.chars().take(40).collect::<String>(),
                text.chars().count()
            )
        } else {
            text.to_owned()
        };
        self.error(
            span,
            format!("数字 `{shown}` 无法精确表示"),
            "超出 28 位有效数字的范围",
            Some("十进制数最多 28 位有效数字".into()),
        )
    }
}

/// Primary expressions: literals, names, calls, `如果 … 则 … 否则 …`.
pub(super) fn lower_primary(lw: &Lowerer, p: Pair<'_, Rule>) -> LowerResult<Expr> {
    let span = span_of(&p);
    let kind = match p.as_rule() {
        Rule::number => ExprKind::Number {
            value: lw.lower_number(p)?.node,
            percent: false,
        },
        Rule::percent => ExprKind::Number {
            value: lw.lower_percent(&p)?,
            percent: true,
        },
        Rule::string => ExprKind::Text(lw.lower_string(p)?.node),
        Rule::boolean => ExprKind::Bool(matches!(p.as_str(), "是" | "true")),
        Rule::ident => ExprKind::Name(lw.name_text(&p)?.to_owned()),
        Rule::paren => {
            let mut c = lw.children(p);
            let inner = lower_expr(lw, c.next(Rule::expr)?)?;
            // Keep the parentheses in the span so explanations quote them.
            return Ok(Expr { kind: inner.kind, span });
        }
        Rule::if_expr => {
            let mut c = lw.children(p);
            let cond = lower_expr(lw, c.next(Rule::expr)?)?;
            let then = lower_expr(lw, c.next(Rule::expr)?)?;
            let otherwise = lower_expr(lw, c.next(Rule::expr)?)?;
            ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise))
        }
        Rule::rparen => return Err(lw.internal(&p)),
        _ => return Err(lw.internal(&p)),
    };
    Ok(Expr { kind, span })
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// `name( … )`: the name (already lowered) and its argument list.
pub(super) fn lower_call(lw: &Lowerer, callee: Expr, args_pair: Pair<'_, Rule>) -> LowerResult<Expr> {
    let ExprKind::Name(name) = callee.kind else {
        return Err(lw.internal(&args_pair));
    };
    let span = Span::new(callee.span.start, args_pair.as_span().end());
    let func = Spanned::new(name, callee.span);
    let mut args = Vec::new();
    let mut filter = None;
    for q in lw.children(args_pair).rest() {
        match q.as_rule() {
            Rule::expr => args.push(lower_expr(lw, q)?),
            Rule::filter => {
                let mut fc = lw.children(q);
                filter = Some(Box::new(lower_expr(lw, fc.next(Rule::expr)?)?));
            }
            Rule::rparen => {}
            _ => return Err(lw.internal(&q)),
        }
    }
    Ok(Expr {
        kind: ExprKind::Call { func, args, filter },
        span,
    })
}
