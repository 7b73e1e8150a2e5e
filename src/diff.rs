//! What changed between two rule sets (in the bureau's words), and what the change does
//! to each unit: score deltas per indicator and category, total, grade.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::eval::value::{format_decimal, format_exact};
use crate::model::{Model, NodeDef};
use crate::report::Evaluation;

/// One difference between the old and the new rule set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleChange {
    /// 新增, 删除, 分值, 公式, 评分标准, 评分, 位置, 显示, 等级, 输入, 计算, 勾稽, 文件头.
    pub kind: String,
    pub subject: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A score that moved for one unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreChange {
    pub name: String,
    pub level: usize,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub old: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub new: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str")]
    pub delta: Decimal,
}

/// What the new rules do to one unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitEffect {
    /// Position in the input (1-based), so rows can be found again.
    pub number: usize,
    pub unit: String,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub old_total: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub new_total: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str")]
    pub delta: Decimal,
    pub old_grade: Option<String>,
    pub new_grade: Option<String>,
    pub grade_changed: bool,
    pub changes: Vec<ScoreChange>,
    /// Why the unit could not be evaluated under one of the rule sets.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiffSide {
    pub file: String,
    pub title: String,
    pub year: u32,
    pub sha256: String,
}

/// The whole comparison; its JSON form is what `jixiao diff --format json` prints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiffReport {
    pub old: DiffSide,
    pub new: DiffSide,
    pub rule_changes: Vec<RuleChange>,
    /// Units ranked by the size of their total's change, largest first.
    pub units: Vec<UnitEffect>,
    pub units_changed: usize,
    pub grades_changed: usize,
}

fn side(model: &Model) -> DiffSide {
    DiffSide {
        file: model.source.name.clone(),
        title: model.title.clone(),
        year: model.year,
        sha256: model.sha256.clone(),
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn path_of(model: &Model, i: usize) -> String {
    let mut p = model.node_path(i);
    p.push(model.nodes[i].name.clone());
    p.join(" / ")
}

fn change(kind: &str, subject: &str, old: Option<String>, new: Option<String>) -> RuleChange {
    RuleChange {
        kind: kind.into(),
        subject: subject.into(),
        old,
        new,
    }
}

/// The structural difference between two rule sets, in tree order of the new one.
pub fn rule_changes(old: &Model, new: &Model) -> Vec<RuleChange> {
    let mut out = Vec::new();
    for (label, a, b) in [
        ("标题", old.title.clone(), new.title.clone()),
        ("年度", old.year.to_string(), new.year.to_string()),
        ("发布单位", old.issuer.clone(), new.issuer.clone()),
        ("满分", format_exact(old.full_marks), format_exact(new.full_marks)),
    ] {
        if a != b {
            out.push(change("文件头", label, Some(a), Some(b)));
        }
    }
    let find = |m: &Model, name: &str| m.nodes.iter().position(|n| n.name == name);
    for (i, node) in new.nodes.iter().enumerate() {
        let subject = path_of(new, i);
        let Some(j) = find(old, &node.name) else {
            out.push(change(
                "新增",
                &subject,
                None,
                Some(format!("分值 {}", format_exact(node.weight))),
            ));
            continue;
        };
        let before = &old.nodes[j];
        if old.node_path(j) != new.node_path(i) {
            out.push(change("位置", &node.name, Some(path_of(old, j)), Some(subject.clone())));
        }
        if before.weight != node.weight {
            out.push(change(
                "分值",
                &subject,
                Some(format_exact(before.weight)),
                Some(format_exact(node.weight)),
            ));
        }
        leaf_changes(old, before, new, node, &subject, &mut out);
    }
    for (j, node) in old.nodes.iter().enumerate() {
        if find(new, &node.name).is_none() {
            out.push(change(
                "删除",
                &path_of(old, j),
                Some(format!("分值 {}", format_exact(node.weight))),
                None,
            ));
        }
    }
    let grade_text = |m: &Model| {
        m.grades
            .bands
            .iter()
            .map(|(g, i)| format!("{g} {}", squash(m.source.slice(i.span))))
            .collect::<Vec<_>>()
            .join("；")
    };
    if grade_text(old) != grade_text(new) {
        out.push(change("等级", "评价等次", Some(grade_text(old)), Some(grade_text(new))));
    }
    named(
        "输入",
        old.inputs.iter().map(|i| (i.name.clone(), i.kind.label().to_owned())),
        new.inputs.iter().map(|i| (i.name.clone(), i.kind.label().to_owned())),
        &mut out,
    );
    let computed = |m: &Model| {
        m.computed
            .iter()
            .filter(|c| c.indicator.is_none())
            .map(|c| (c.name.clone(), squash(m.source.slice(c.expr.span))))
            .collect::<Vec<_>>()
    };
    named("计算", computed(old).into_iter(), computed(new).into_iter(), &mut out);
    let checks = |m: &Model| {
        m.checks
            .iter()
            .map(|c| {
                let text = match &c.sides {
                    Some((l, r)) if c.comparison => {
                        format!(
                            "{} 与 {}",
                            squash(m.source.slice(l.span)),
                            squash(m.source.slice(r.span))
                        )
                    }
                    _ => squash(m.source.slice(c.condition.span)),
                };
                (c.name.clone(), text)
            })
            .collect::<Vec<_>>()
    };
    named("勾稽", checks(old).into_iter(), checks(new).into_iter(), &mut out);
    out
}

fn leaf_changes(old: &Model, a: &NodeDef, new: &Model, b: &NodeDef, subject: &str, out: &mut Vec<RuleChange>) {
    let (Some(la), Some(lb)) = (&a.leaf, &b.leaf) else {
        return;
    };
    let formula = |m: &Model, span: Option<crate::source::Span>| span.map(|s| squash(m.source.slice(s)));
    let (fa, fb) = (formula(old, la.formula_span), formula(new, lb.formula_span));
    if fa != fb {
        out.push(change("公式", subject, fa, fb));
    }
    let (ca, cb) = (
        squash(old.source.slice(la.criterion_span)),
        squash(new.source.slice(lb.criterion_span)),
    );
    if ca != cb {
        out.push(change("评分", subject, Some(ca), Some(cb)));
    }
    if la.standard != lb.standard {
        out.push(change("评分标准", subject, la.standard.clone(), lb.standard.clone()));
    }
}

fn named(
    kind: &str,
    old: impl Iterator<Item = (String, String)>,
    new: impl Iterator<Item = (String, String)>,
    out: &mut Vec<RuleChange>,
) {
    let old: Vec<(String, String)> = old.collect();
    let new: Vec<(String, String)> = new.collect();
    for (name, text) in &new {
        match old.iter().find(|(n, _)| n == name) {
            None => out.push(change(&format!("新增{kind}"), name, None, Some(text.clone()))),
            Some((_, before)) if before != text => out.push(change(
                &format!("修改{kind}"),
                name,
                Some(before.clone()),
                Some(text.clone()),
            )),
            _ => {}
        }
    }
    for (name, text) in &old {
        if !new.iter().any(|(n, _)| n == name) {
            out.push(change(&format!("删除{kind}"), name, Some(text.clone()), None));
        }
    }
}

/// One unit's results under both rule sets (or why it could not be evaluated).
pub struct UnitPair {
    pub number: usize,
    pub label: String,
    pub old: Result<Evaluation, String>,
    pub new: Result<Evaluation, String>,
}

/// Compares every unit's evaluation under the two rule sets.
pub fn unit_effect(pair: UnitPair) -> UnitEffect {
    let (old, new) = match (pair.old, pair.new) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            let error = [
                o.err().map(|e| format!("旧规则：{e}")),
                n.err().map(|e| format!("新规则：{e}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("；");
            return UnitEffect {
                number: pair.number,
                unit: pair.label,
                old_total: None,
                new_total: None,
                delta: Decimal::ZERO,
                old_grade: None,
                new_grade: None,
                grade_changed: false,
                changes: Vec::new(),
                error: Some(error),
            };
        }
    };
    let mut changes = Vec::new();
    let scores = |ev: &Evaluation| {
        let mut v: Vec<(String, usize, Decimal)> = ev
            .categories
            .iter()
            .map(|c| (c.name.clone(), c.level, c.score))
            .collect();
        v.extend(ev.indicators.iter().map(|i| (i.name.clone(), 3, i.score)));
        v
    };
    let (so, sn) = (scores(&old), scores(&new));
    for (name, level, score) in &sn {
        let before = so.iter().find(|(n, _, _)| n == name).map(|s| s.2);
        let delta = score - before.unwrap_or(Decimal::ZERO);
        if before != Some(*score) {
            changes.push(ScoreChange {
                name: name.clone(),
                level: *level,
                old: before,
                new: Some(*score),
                delta,
            });
        }
    }
    for (name, level, score) in &so {
        if !sn.iter().any(|(n, _, _)| n == name) {
            changes.push(ScoreChange {
                name: name.clone(),
                level: *level,
                old: Some(*score),
                new: None,
                delta: -*score,
            });
        }
    }
    UnitEffect {
        number: pair.number,
        unit: new.unit.clone(),
        old_total: Some(old.total),
        new_total: Some(new.total),
        delta: new.total - old.total,
        grade_changed: old.grade != new.grade,
        old_grade: Some(old.grade),
        new_grade: Some(new.grade),
        changes,
        error: None,
    }
}

/// Builds the report: rule changes, and units ranked by the size of their change.
pub fn report(old: &Model, new: &Model, units: Vec<UnitPair>) -> DiffReport {
    let mut effects: Vec<UnitEffect> = units.into_iter().map(unit_effect).collect();
    // Largest change first; ties keep input order (the sort is stable).
    effects.sort_by(|a, b| {
        b.delta
            .abs()
            .cmp(&a.delta.abs())
            .then(b.grade_changed.cmp(&a.grade_changed))
    });
    DiffReport {
        old: side(old),
        new: side(new),
        rule_changes: rule_changes(old, new),
        units_changed: effects.iter().filter(|u| !u.delta.is_zero()).count(),
        grades_changed: effects.iter().filter(|u| u.grade_changed).count(),
        units: effects,
    }
}

/// The diff as the bureau reads it.
pub fn render_text(d: &DiffReport, precision: u32) -> String {
    let mut out = format!(
        "规则变化：{}（{} 年度）→ {}（{} 年度）\n",
        d.old.file, d.old.year, d.new.file, d.new.year
    );
    if d.rule_changes.is_empty() {
        out.push_str("  （规则没有变化）\n");
    }
    for c in &d.rule_changes {
        let text = match (&c.old, &c.new) {
            (Some(a), Some(b)) => format!("{a} → {b}"),
            (None, Some(b)) => b.clone(),
            (Some(a), None) => a.clone(),
            (None, None) => String::new(),
        };
        out.push_str(&format!("  [{}] {}：{text}\n", c.kind, c.subject));
    }
    if d.units.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "\n对单位的影响：{} 个单位中 {} 个总分变化，{} 个等级变化（按变化大小排序）\n",
        d.units.len(),
        d.units_changed,
        d.grades_changed
    ));
    let score = |x: Option<Decimal>| x.map_or("—".to_owned(), |v| format_decimal(v, false, precision));
    for u in &d.units {
        if let Some(e) = &u.error {
            out.push_str(&format!("  第 {} 个 {}：无法比较（{e}）\n", u.number, u.unit));
            continue;
        }
        let grade = if u.grade_changed {
            format!(
                "，等级 {} → {}",
                u.old_grade.as_deref().unwrap_or("—"),
                u.new_grade.as_deref().unwrap_or("—")
            )
        } else {
            format!("，等级 {}", u.new_grade.as_deref().unwrap_or("—"))
        };
        out.push_str(&format!(
            "  {}：总分 {} → {}（{}{}）{grade}\n",
            u.unit,
            score(u.old_total),
            score(u.new_total),
            if u.delta > Decimal::ZERO { "+" } else { "" },
            format_decimal(u.delta, false, precision)
        ));
        for c in &u.changes {
            out.push_str(&format!(
                "      {}：{} → {}（{}{}）\n",
                c.name,
                score(c.old),
                score(c.new),
                if c.delta > Decimal::ZERO { "+" } else { "" },
                format_decimal(c.delta, false, precision)
            ));
        }
    }
    out
}

/// One row per unit: number, unit, old/new total, delta, old/new grade, changed scores.
pub fn render_csv(d: &DiffReport, precision: u32) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let score = |x: Option<Decimal>| x.map_or(String::new(), |v| format_decimal(v, false, precision));
    let io = |e: csv::Error| e.to_string();
    w.write_record([
        "序号",
        "单位名称",
        "旧总分",
        "新总分",
        "变化",
        "旧等级",
        "新等级",
        "等级变化",
        "变化的得分",
        "错误",
    ])
    .map_err(io)?;
    for u in &d.units {
        let changes = u
            .changes
            .iter()
            .map(|c| format!("{} {}", c.name, format_decimal(c.delta, false, precision)))
            .collect::<Vec<_>>()
            .join("；");
        w.write_record([
            u.number.to_string(),
            u.unit.clone(),
            score(u.old_total),
            score(u.new_total),
            format_decimal(u.delta, false, precision),
            u.old_grade.clone().unwrap_or_default(),
            u.new_grade.clone().unwrap_or_default(),
            (if u.grade_changed { "是" } else { "否" }).to_owned(),
            changes,
            u.error.clone().unwrap_or_default(),
        ])
        .map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The diff as a workbook: 规则变化 and 单位影响 sheets, scores as numbers.
pub fn render_xlsx(d: &DiffReport, precision: u32) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| format!("无法生成 XLSX 工作簿：{e}");
    let mut wb = Workbook::new();
    let header = Format::new().set_bold();
    let score_format = Format::new().set_num_format(if precision == 0 {
        "0".to_owned()
    } else {
        format!("0.{}", "0".repeat(precision as usize))
    });
    let number = |x: Decimal| -> Option<f64> {
        crate::eval::value::round_half_away(x, precision)
            .to_string()
            .parse::<f64>()
            .ok()
    };
    let rules = wb.add_worksheet();
    rules.set_name("规则变化").map_err(err)?;
    for (c, h) in ["变化", "对象", "原规则", "新规则"].iter().enumerate() {
        rules.write_string_with_format(0, c as u16, *h, &header).map_err(err)?;
    }
    for (c, w) in [10.0, 40.0, 60.0, 60.0].iter().enumerate() {
        rules.set_column_width(c as u16, *w).map_err(err)?;
    }
    for (r, c) in d.rule_changes.iter().enumerate() {
        let row = r as u32 + 1;
        rules.write_string(row, 0, &c.kind).map_err(err)?;
        rules.write_string(row, 1, &c.subject).map_err(err)?;
        rules
            .write_string(row, 2, c.old.as_deref().unwrap_or(""))
            .map_err(err)?;
        rules
            .write_string(row, 3, c.new.as_deref().unwrap_or(""))
            .map_err(err)?;
    }
    let units = wb.add_worksheet();
    units.set_name("单位影响").map_err(err)?;
    let headers = [
        "序号",
        "单位名称",
        "旧总分",
        "新总分",
        "变化",
        "旧等级",
        "新等级",
        "等级变化",
        "变化的得分",
        "错误",
    ];
    for (c, h) in headers.iter().enumerate() {
        units.write_string_with_format(0, c as u16, *h, &header).map_err(err)?;
    }
    for (c, w) in [6.0, 30.0, 10.0, 10.0, 10.0, 8.0, 8.0, 8.0, 60.0, 40.0]
        .iter()
        .enumerate()
    {
        units.set_column_width(c as u16, *w).map_err(err)?;
    }
    for (r, u) in d.units.iter().enumerate() {
        let row = r as u32 + 1;
        units.write_number(row, 0, u.number as f64).map_err(err)?;
        units.write_string(row, 1, &u.unit).map_err(err)?;
        for (c, x) in [(2, u.old_total), (3, u.new_total), (4, Some(u.delta))] {
            if let Some(f) = x.and_then(number) {
                units.write_number_with_format(row, c, f, &score_format).map_err(err)?;
            }
        }
        units
            .write_string(row, 5, u.old_grade.as_deref().unwrap_or(""))
            .map_err(err)?;
        units
            .write_string(row, 6, u.new_grade.as_deref().unwrap_or(""))
            .map_err(err)?;
        units
            .write_string(row, 7, if u.grade_changed { "是" } else { "否" })
            .map_err(err)?;
        let changes = u
            .changes
            .iter()
            .map(|c| format!("{} {}", c.name, format_decimal(c.delta, false, precision)))
            .collect::<Vec<_>>()
            .join("；");
        units.write_string(row, 8, &changes).map_err(err)?;
        units
            .write_string(row, 9, u.error.as_deref().unwrap_or(""))
            .map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}
