//! The Chinese terminal report: the 评分表, subtotals, total and grade, cross-checks,
//! 复核意见, provenance and `--explain` text.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

use jixiao::number::Number;
use jixiao::report::Evaluation;

use jixiao::numfmt::{format_decimal, format_exact, format_figure, format_stated};

/// The Chinese terminal report: 评分表, subtotals, total, grade, cross-checks.
pub fn render_table(ev: &Evaluation) -> String {
    let mut out = String::new();
    // A rule file need not name its issuer (`发布单位`).
    match ev.rules.issuer.as_str() {
        "" => out.push_str(&format!("{}（{} 年度）\n", ev.rules.title, ev.rules.year)),
        issuer => out.push_str(&format!("{}（{} 年度，{issuer}）\n", ev.rules.title, ev.rules.year)),
    }
    out.push_str(&format!("被评价单位：{}\n\n", ev.unit));
    out.push_str(&score_table(ev));
    out.push_str("\n\n分类小计\n");
    out.push_str(&subtotal_table(ev));
    push_total(&mut out, ev);
    push_computed(&mut out, ev);
    push_checks(&mut out, ev);
    out
}

/// The 评分表: one row per indicator, the first two levels shown only where they change.
fn score_table(ev: &Evaluation) -> String {
    let mut table = new_table(&["一级指标", "二级指标", "三级指标", "指标值", "得分", "分值", "自评"]);
    let mut last_path: Vec<String> = Vec::new();
    for ind in &ev.indicators {
        let l1 = ind.path.first().cloned().unwrap_or_default();
        let l2 = ind.path.get(1).cloned().unwrap_or_default();
        let show1 = last_path.first() != Some(&l1);
        let show2 = show1 || last_path.get(1) != Some(&l2);
        table.add_row(vec![
            Cell::new(if show1 { l1.as_str() } else { "" }),
            Cell::new(if show2 { l2.as_str() } else { "" }),
            Cell::new(&ind.name),
            Cell::new(ind.display.as_deref().unwrap_or("—")).set_alignment(CellAlignment::Right),
            Cell::new(&ind.score_display).set_alignment(CellAlignment::Right),
            Cell::new(format_exact(ind.weight.clone())).set_alignment(CellAlignment::Right),
            Cell::new(ind.self_score.map(format_stated).unwrap_or_default()).set_alignment(CellAlignment::Right),
        ]);
        last_path = ind.path.clone();
    }
    table.to_string()
}

/// The 分类小计 table: score, weight, self-score and their difference per category.
fn subtotal_table(ev: &Evaluation) -> String {
    let mut sub = new_table(&["层级", "指标", "得分", "分值", "自评", "差额"]);
    for cat in &ev.categories {
        let indent = if cat.level > 1 { "  " } else { "" };
        let diff = cat
            .self_score
            .zip(cat.score.clone())
            .and_then(|(s, score)| score.checked_sub(Number::from(s)).ok())
            .map(|d| format_decimal(d, false, 2))
            .unwrap_or_default();
        sub.add_row(vec![
            Cell::new(match cat.level {
                1 => "一级",
                2 => "二级",
                _ => "三级",
            }),
            Cell::new(format!("{indent}{}", cat.name)),
            Cell::new(&cat.score_display).set_alignment(CellAlignment::Right),
            Cell::new(format_exact(cat.weight.clone())).set_alignment(CellAlignment::Right),
            Cell::new(cat.self_score.map(format_stated).unwrap_or_default()).set_alignment(CellAlignment::Right),
            Cell::new(diff).set_alignment(CellAlignment::Right),
        ]);
    }
    sub.to_string()
}

/// The total and grade, what was left unscored or not applicable, and the self-evaluation.
fn push_total(out: &mut String, ev: &Evaluation) {
    match &ev.grade {
        Some(grade) => out.push_str(&format!("\n\n总分：{}    等级：{grade}\n", ev.total_display)),
        None => out.push_str(&format!("\n\n总分：{}    等级：无（总分不完整）\n", ev.total_display)),
    }
    if let Some(note) = &ev.scoring {
        out.push_str(&format!("  {}\n", note.text));
        for r in &note.unscored {
            out.push_str(&format!(
                "  · {}：{}（{}）\n",
                r.indicator,
                jixiao::model::UNDEFINED_TEXT,
                r.reason
            ));
        }
        for r in &note.not_applicable {
            out.push_str(&format!("  · {}：不适用（{}）\n", r.indicator, r.reason));
        }
    }
    if ev.self_evaluation.total.is_some() || ev.self_evaluation.grade.is_some() {
        out.push_str(&format!(
            "自评：{} 分 {}\n",
            ev.self_evaluation
                .total
                .map(format_stated)
                .unwrap_or_else(|| "—".into()),
            ev.self_evaluation.grade.as_deref().unwrap_or("—")
        ));
    }
}

/// 计算值（不计分）: each computed value with its formula, description and note.
fn push_computed(out: &mut String, ev: &Evaluation) {
    if !ev.computed.is_empty() {
        out.push_str("\n计算值（不计分）\n");
        for c in &ev.computed {
            out.push_str(&format!("  {}：{}", c.name, c.display));
            if let (Some(f), Some(s)) = (&c.formula, &c.substituted) {
                out.push_str(&format!("（{f} = {s}）"));
            }
            if let Some(d) = &c.description {
                out.push_str(&format!("  {d}"));
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("  [{n}]"));
            }
            out.push('\n');
        }
    }
}

/// 勾稽关系与对照: each check, passed, failed or unchecked, with its figures.
fn push_checks(out: &mut String, ev: &Evaluation) {
    if !ev.checks.is_empty() {
        out.push_str("\n勾稽关系与对照\n");
    }
    for c in &ev.checks {
        if let Some(why) = &c.unchecked {
            out.push_str(&format!(
                "  ? [{}] {}：{}（无法核对：{why}）\n",
                c.kind, c.name, c.expression
            ));
            continue;
        }
        let mark = if c.ok { "✓" } else { "✗" };
        let detail = match (
            c.left.clone(),
            c.right.clone(),
            c.difference.clone(),
            c.expected_difference.clone(),
        ) {
            (Some(l), Some(r), Some(d), Some(e)) => format!(
                "（{} 对 {}，差额 {}，应为 {}）",
                format_figure(l),
                format_figure(r),
                format_figure(d),
                format_figure(e)
            ),
            (Some(l), Some(r), Some(d), None) => format!(
                "（{} 对 {}，差额 {}）",
                format_figure(l),
                format_figure(r),
                format_figure(d)
            ),
            _ => String::new(),
        };
        let sev = if c.ok {
            String::new()
        } else {
            format!(" [{}]", c.severity)
        };
        out.push_str(&format!(
            "  {mark} [{}] {}{sev}：{}{detail}\n",
            c.kind, c.name, c.expression
        ));
        if !c.ok {
            if let Some(desc) = &c.description {
                out.push_str(&format!("      说明：{desc}\n"));
            }
        }
    }
}

/// The 复核意见 section: the summary line, then every finding, most serious first.
pub fn render_audit(ev: &Evaluation) -> String {
    let mut out = render_findings(ev);
    let confirmed = &ev.audit.confirmed;
    if !confirmed.is_empty() {
        out.push_str(&format!("\n  核对无误（{} 项，按报告所写的精度）：\n", confirmed.len()));
        for c in confirmed {
            out.push_str(&format!(
                "  ✓ [{}] {}：报告/自评 {}，复核 {}\n",
                c.category, c.subject, c.stated, c.computed
            ));
        }
    }
    out
}

fn render_findings(ev: &Evaluation) -> String {
    let a = &ev.audit;
    let mut out = format!(
        "\n复核意见\n  {}\n  共 {} 条：错误 {}，警告 {}，提示 {}\n",
        a.summary,
        a.findings.len(),
        a.errors,
        a.warnings,
        a.notes
    );
    for (i, f) in a.findings.iter().enumerate() {
        out.push_str(&format!(
            "\n  {}. [{}] [{}] {}\n",
            i + 1,
            f.severity,
            f.category,
            f.message
        ));
        if let (Some(s), Some(c)) = (&f.stated, &f.computed) {
            let diff = f
                .difference
                .as_deref()
                .map(|d| format!("，差额 {d}"))
                .unwrap_or_default();
            out.push_str(&format!("     报告/自评：{s}；复核：{c}{diff}\n"));
        }
        if let Some(e) = &f.explanation {
            out.push_str(&format!("     依据：{e}\n"));
        }
        let mut place = Vec::new();
        if let Some(l) = f.rule_line {
            place.push(jixiao::diagnostics::rule_place(l, f.rule_file.as_deref()));
        }
        if let Some(d) = &f.data_field {
            place.push(format!("数据字段 {d}"));
        }
        if !place.is_empty() {
            out.push_str(&format!("     出处：{}\n", place.join("；")));
        }
    }
    out
}

/// Which rule file and data produced a report, by SHA-256.
pub fn render_provenance(ev: &Evaluation) -> String {
    let p = &ev.provenance;
    format!(
        "\n来源：规则文件 {}（{} 年度，SHA-256 {}）；数据 {}（SHA-256 {}）\n",
        p.rules_file, ev.rules.year, p.rules_sha256, p.data_file, p.data_sha256
    )
}

/// `--explain`: every indicator's formula, values, criterion and score.
pub fn render_explain(ev: &Evaluation) -> String {
    let mut out = String::from("\n评分说明\n");
    for ind in &ev.indicators {
        let Some(ex) = &ind.explanation else { continue };
        out.push_str(&format!(
            "\n【{} / {}】得分 {} / {}\n",
            ind.path.join(" / "),
            ind.name,
            ind.score_display,
            format_exact(ind.weight.clone())
        ));
        if let (Some(f), Some(s), Some(r)) = (&ex.formula, &ex.substituted, &ex.result) {
            out.push_str(&format!("  公式：{} = {f}\n", ind.name));
            out.push_str(&format!("  代入：{s}\n"));
            out.push_str(&format!("  结果：{r}\n"));
        }
        if let Some(std) = &ex.standard {
            out.push_str(&format!("  评分标准：{std}\n"));
        }
        out.push_str(&format!("  规则：{}\n", ex.criterion));
        out.push_str(&format!("  适用：{}\n", ex.branch));
    }
    out
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| Cell::new(*h)));
    t
}
