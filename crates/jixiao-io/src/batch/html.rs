//! A self-contained, printable HTML report: a summary page for the whole run (units,
//! grade distribution, ranking, units in error, per-indicator statistics), then one page
//! per unit laid out like the 自评表 — the unit's figures by 栏目 (基本概况, 收支, 三公 …),
//! its performance targets, the 评分表 with 得分, subtotals, 总分 and 等次, the
//! cross-checks and every indicator's explanation. No scripts, no external resources.

use std::fmt::Write as _;
use std::io::Write;

use super::output::{Layout, Summary, UnitStats, Writer};
use super::{BatchError, Processed};
use crate::chart;
use jixiao::model::{Kind, Value};
use jixiao::number::Number;
use jixiao::numfmt::{format_decimal, format_exact, format_figure, format_money, format_stated};
use jixiao::report::Evaluation;

/// Escapes text for HTML (and SVG, XML) content and attribute values. Control characters
/// other than tab and line breaks, which XML does not allow at all (a data file may hold
/// them), are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif;
       font-size: 10.5pt; color: #111; margin: 0; background: #eee; }
.page { background: #fff; max-width: 210mm; margin: 8mm auto; padding: 12mm; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 5mm 0 2mm; border-bottom: 2px solid #333; padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
.sub { text-align: center; color: #444; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #888; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #e8eef6; font-weight: bold; text-align: center; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; }
table.figures th { width: 8.5em; }
table.checks td:nth-child(1) { white-space: nowrap; }
table.checks td:nth-child(2) { width: 8em; }
table.explain td:nth-child(1) { width: 9em; }
table.explain td:nth-child(2) { white-space: nowrap; }
.verdict { border: 2px solid #333; padding: 2mm 4mm; margin: 3mm 0; font-size: 12pt; }
.verdict b { font-size: 15pt; margin: 0 4mm 0 1mm; }
.ok { color: #176b2c; } .bad { color: #b00020; font-weight: bold; } .warn { color: #9a5b00; font-weight: bold; }
.error { border: 2px solid #b00020; background: #fff3f3; padding: 3mm; }
.explain td { font-size: 9pt; }
.muted { color: #666; font-size: 9pt; }
a { color: inherit; }
figure.chart { margin: 3mm 0 5mm; page-break-inside: avoid; break-inside: avoid; }
svg.chart { display: block; max-width: 100%; height: auto; }
@media print {
  body { background: #fff; }
  .page { margin: 0; padding: 0; max-width: none; page-break-after: always; break-after: page; }
  .page:last-child { page-break-after: auto; break-after: auto; }
}
"#;

/// Collects one page per unit; writes the document, summary first, at the end.
pub struct HtmlWriter {
    pages: Vec<String>,
    units: Vec<UnitStats>,
}

impl HtmlWriter {
    pub fn new(_layout: &Layout) -> HtmlWriter {
        HtmlWriter {
            pages: Vec::new(),
            units: Vec::new(),
        }
    }
}

impl Writer for HtmlWriter {
    type Item = (String, UnitStats);

    fn begin(&mut self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }

    fn prepare(layout: &Layout, p: &Processed) -> (String, UnitStats) {
        (unit_page(layout, p), UnitStats::of(p))
    }

    fn write(&mut self, _: &Layout, item: (String, UnitStats), _: &mut dyn Write) -> Result<(), BatchError> {
        self.pages.push(item.0);
        self.units.push(item.1);
        Ok(())
    }

    fn finish(self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        let m = layout.model;
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} {} 年度评价报告</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            escape(&m.title),
            m.year
        )?;
        let city = chart::City::new(m, &self.units);
        let rates: Vec<(usize, Vec<Option<Number>>)> = self
            .units
            .iter()
            .map(|u| {
                (
                    u.number,
                    u.outcome.as_ref().map(|s| s.category_rates.clone()).unwrap_or_default(),
                )
            })
            .collect();
        out.write_all(summary_page(layout, Summary::new(layout, self.units), &city).as_bytes())?;
        let profiles = chart::profile::Profiles::new(&city);
        for (page, (number, rates)) in self.pages.iter().zip(rates) {
            match page.split_once(PROFILE_SLOT) {
                Some((before, after)) => {
                    out.write_all(before.as_bytes())?;
                    writeln!(
                        out,
                        "<figure class=\"chart\">{}</figure>",
                        profiles.chart(number, &rates)
                    )?;
                    out.write_all(after.as_bytes())?;
                }
                None => out.write_all(page.as_bytes())?,
            }
        }
        out.write_all(b"</body>\n</html>\n")?;
        Ok(())
    }
}

/// Where a unit page takes its profile chart, which needs every unit's results (the
/// median) and so is drawn at the end. User text is escaped, so no data can forge it.
const PROFILE_SLOT: &str = "<!--jixiao:profile-->";

/// The summary page: counts, charts, grades, ranking, units without a total, per-indicator scores.
fn summary_page(layout: &Layout, s: Summary, city: &chart::City) -> String {
    let m = layout.model;
    let mut h = String::new();
    let _ = write!(
        h,
        "<section class=\"page summary\">\n<h1>{}（{} 年度）</h1>\n<p class=\"sub\">{} · 部门整体支出绩效评价汇总</p>\n",
        escape(&m.title),
        m.year,
        escape(&m.issuer)
    );
    let _ = write!(
        h,
        "<table><tr><th>单位数</th><th>已评价</th><th>不完整（无总分）</th><th>有错误、未能评价</th></tr>\n<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></table>\n",
        s.units,
        s.evaluated(),
        s.incomplete.len(),
        s.errors.len()
    );
    charts_section(&mut h, city);
    grade_table(&mut h, &s);
    ranking_table(&mut h, &s);
    without_total_tables(&mut h, &s);
    indicator_table(&mut h, layout, &s);
    h
}

/// 图表: the summary charts, each a figure of its own so a page break falls between them.
fn charts_section(h: &mut String, city: &chart::City) {
    h.push_str("<h2>图表</h2>\n");
    for c in chart::summary(city) {
        let _ = writeln!(h, "<figure class=\"chart\">{}</figure>", c.svg);
    }
}

/// 等级分布: how many units got each grade, and their share of the evaluated units.
fn grade_table(h: &mut String, s: &Summary) {
    h.push_str("<h2>等级分布</h2>\n<table><tr><th>等级</th><th>单位数</th><th>占已评价单位</th></tr>\n");
    for (grade, n) in &s.grade_counts {
        let share = Number::from(*n)
            .checked_div(Number::from(s.evaluated()))
            .map(|r| format_decimal(r, true, 2))
            .unwrap_or_else(|_| "—".into());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{n}</td><td class=\"num\">{share}</td></tr>",
            escape(grade)
        );
    }
    h.push_str("</table>\n");
}

/// 总分排名: the units with a total, best first, each linked to its page.
fn ranking_table(h: &mut String, s: &Summary) {
    h.push_str("<h2>总分排名</h2>\n<table><tr><th>名次</th><th>序号</th><th>单位名称</th><th>总分</th><th>等级</th><th>未通过的勾稽关系</th></tr>\n");
    for (rank, u) in &s.ranking {
        let Ok(scored) = &u.outcome else { continue };
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{rank}</td><td class=\"num\">{}</td><td><a href=\"#unit-{}\">{}</a></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            u.number,
            u.number,
            escape(&u.unit),
            escape(&scored.total_display),
            escape(scored.grade.as_deref().unwrap_or("")),
            escape(&scored.failed_checks)
        );
    }
    h.push_str("</table>\n");
}

/// The incomplete units and the units in error, each a table when there are any.
fn without_total_tables(h: &mut String, s: &Summary) {
    for (title, column, units) in [
        (
            "不完整的单位（有指标无法评分，没有总分和等级）",
            "已得分数",
            &s.incomplete,
        ),
        ("有错误、未能评价的单位", "错误原因", &s.errors),
    ] {
        if units.is_empty() {
            continue;
        }
        let _ = writeln!(
            h,
            "<h2>{title}</h2>\n<table><tr><th>序号</th><th>来源</th><th>单位名称</th><th>{column}</th></tr>"
        );
        for u in units {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td>{}</td><td><a href=\"#unit-{}\">{}</a></td><td class=\"bad\">{}</td></tr>",
                u.number,
                escape(&u.source),
                u.number,
                escape(&u.unit),
                escape(u.without_total())
            );
        }
        h.push_str("</table>\n");
    }
}

/// 各指标得分: mean, lowest and highest score and value per indicator, then the total.
fn indicator_table(h: &mut String, layout: &Layout, s: &Summary) {
    let m = layout.model;
    h.push_str("<h2>各指标得分（有这一项得分的单位）</h2>\n<table><tr><th>三级指标</th><th>分值</th><th>平均得分</th><th>最低</th><th>最高</th><th>平均指标值</th><th>最低</th><th>最高</th></tr>\n");
    let score = |x: Option<Number>| {
        x.map(|x| format_decimal(x, false, m.score_precision))
            .unwrap_or_else(|| "—".into())
    };
    for (i, (name, _)) in layout.leaves.iter().enumerate() {
        let weight = m
            .nodes
            .iter()
            .filter(|n| n.leaf.is_some())
            .nth(i)
            .map(|n| format_exact(n.weight.clone()))
            .unwrap_or_default();
        let d = layout.leaf_displays.get(i).copied().flatten();
        let value = |x: Option<Number>, mean: bool| match (x, d) {
            (Some(x), Some(d)) => format_decimal(x, d.percent, d.decimals),
            (Some(x), None) if mean => format_decimal(x, false, 2),
            (Some(x), None) => format_exact(x),
            (None, _) => "—".into(),
        };
        let (sa, va) = (&s.scores[i], &s.values[i]);
        // Means are rounded once, on the exact mean, to the places shown.
        let value_mean = match d {
            Some(d) => va.mean(d.percent, d.decimals),
            None => va.mean(false, 2),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{weight}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(name),
            score(sa.mean(false, m.score_precision)),
            score(sa.min.clone()),
            score(sa.max.clone()),
            value(value_mean, true),
            value(va.min.clone(), false),
            value(va.max.clone(), false)
        );
    }
    let t = &s.totals;
    let _ = writeln!(
        h,
        "<tr><th>总分</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td></td><td></td><td></td></tr>",
        format_exact(m.full_marks.clone()),
        score(t.mean(false, m.score_precision)),
        score(t.min.clone()),
        score(t.max.clone())
    );
    h.push_str(
        "</table>\n<p class=\"muted\">得分与指标值按四舍五入显示；平均值由精确值计算后四舍五入。</p>\n</section>\n",
    );
}

/// One unit's page.
fn unit_page(layout: &Layout, p: &Processed) -> String {
    let m = layout.model;
    let mut h = String::new();
    let _ = write!(
        h,
        "<section class=\"page unit\" id=\"unit-{}\">\n<h1>{}（{} 年度）</h1>\n<p class=\"sub\">部门整体支出绩效评价 · 第 {} 个单位 · 来源：{}</p>\n<h2>被评价单位：{}</h2>\n",
        p.number,
        escape(&m.title),
        m.year,
        p.number,
        escape(&p.origin.label()),
        escape(&p.unit)
    );
    let done = match &p.result {
        Ok(done) => done,
        Err(reason) => {
            let _ = write!(
                h,
                "<div class=\"error\"><p class=\"bad\">未能评价（错误）</p><p>{}</p><p class=\"muted\">按提示改正数据后重新运行。</p></div>\n</section>\n",
                escape(reason)
            );
            return h;
        }
    };
    let ev = &done.evaluation;
    verdict(&mut h, ev);
    figures(&mut h, layout, &done.record);
    targets(&mut h, layout, &done.record);
    score_table(&mut h, ev);
    h.push_str(PROFILE_SLOT);
    computed(&mut h, ev);
    checks(&mut h, ev);
    audit(&mut h, ev);
    explanations(&mut h, ev);
    provenance(&mut h, ev);
    h.push_str("</section>\n");
    h
}

/// 复核意见: the audit's conclusion and every finding, most serious first.
fn audit(h: &mut String, ev: &Evaluation) {
    let a = &ev.audit;
    let _ = write!(
        h,
        "<h3>复核意见</h3>\n<p>{}（错误 {}，警告 {}，提示 {}）</p>\n",
        escape(&a.summary),
        a.errors,
        a.warnings,
        a.notes
    );
    if a.findings.is_empty() {
        h.push_str("<p class=\"muted\">没有发现不一致。</p>\n");
        confirmed(h, ev);
        return;
    }
    h.push_str("<table class=\"audit\"><tr><th>级别</th><th>类别</th><th>意见</th><th>报告/自评</th><th>复核</th><th>差额</th><th>依据</th><th>出处</th></tr>\n");
    for f in &a.findings {
        let class = match f.severity.as_str() {
            "错误" => "bad",
            "警告" => "warn",
            _ => "muted",
        };
        let mut place = Vec::new();
        if let Some(l) = f.rule_line {
            place.push(format!("规则文件第 {l} 行"));
        }
        if let Some(d) = &f.data_field {
            place.push(format!("数据 {d}"));
        }
        let _ = writeln!(
            h,
            "<tr><td class=\"{class}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&f.severity),
            escape(&f.category),
            escape(&f.message),
            escape(f.stated.as_deref().unwrap_or("")),
            escape(f.computed.as_deref().unwrap_or("")),
            escape(f.difference.as_deref().unwrap_or("")),
            escape(f.explanation.as_deref().unwrap_or("")),
            escape(&place.join("；"))
        );
    }
    h.push_str("</table>\n");
    confirmed(h, ev);
}

/// The stated figures the 复核 confirmed (✓), so a clerk sees what was checked.
fn confirmed(h: &mut String, ev: &Evaluation) {
    let c = &ev.audit.confirmed;
    if c.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<p>核对无误（{} 项，按报告所写的精度）</p>\n<table class=\"audit confirmed\"><tr><th></th><th>类别</th><th>对象</th><th>报告/自评</th><th>复核</th></tr>\n",
        c.len()
    );
    for x in c {
        let _ = writeln!(
            h,
            "<tr><td class=\"ok\">✓</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&x.category),
            escape(&x.subject),
            escape(&x.stated),
            escape(&x.computed)
        );
    }
    h.push_str("</table>\n");
}

/// Which rule file and data produced this page, so a printout can be traced.
fn provenance(h: &mut String, ev: &Evaluation) {
    let p = &ev.provenance;
    let _ = writeln!(
        h,
        "<p class=\"muted provenance\">来源：规则文件 {}（SHA-256 {}）；数据 {}（SHA-256 {}）</p>",
        escape(&p.rules_file),
        escape(&p.rules_sha256),
        escape(&p.data_file),
        escape(&p.data_sha256)
    );
}

fn verdict(h: &mut String, ev: &Evaluation) {
    let _ = write!(
        h,
        "<div class=\"verdict\">总分<b>{}</b>等次<b>{}</b>",
        escape(&ev.total_display),
        escape(ev.grade.as_deref().unwrap_or("无（总分不完整）"))
    );
    if let Some(note) = &ev.scoring {
        let _ = write!(h, "<p class=\"note\">{}</p>", escape(&note.text));
    }
    if ev.self_evaluation.total.is_some() || ev.self_evaluation.grade.is_some() {
        let _ = write!(
            h,
            "<span class=\"muted\">单位自评：{} 分 {}</span>",
            ev.self_evaluation
                .total
                .map(format_stated)
                .unwrap_or_else(|| "—".into()),
            escape(ev.self_evaluation.grade.as_deref().unwrap_or("—"))
        );
    }
    h.push_str("</div>\n");
}

/// The unit's figures by 栏目, as the 自评表 groups them.
fn figures(h: &mut String, layout: &Layout, record: &jixiao::data::Record) {
    let m = layout.model;
    let mut section: Option<Option<&str>> = None;
    let mut pending: Vec<(String, String, bool)> = Vec::new();
    let flush = |h: &mut String, title: Option<&str>, rows: &mut Vec<(String, String, bool)>| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<table class=\"figures\">",
            escape(title.unwrap_or("其他数据"))
        );
        let (long, short): (Vec<_>, Vec<_>) = rows.drain(..).partition(|r| r.2);
        for pair in short.chunks(2) {
            h.push_str("<tr>");
            for (name, value, _) in pair {
                let _ = write!(h, "<th>{}</th><td class=\"num\">{}</td>", escape(name), escape(value));
            }
            if pair.len() == 1 {
                h.push_str("<th></th><td></td>");
            }
            h.push_str("</tr>\n");
        }
        for (name, value, _) in long {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td class=\"text\" colspan=\"3\">{}</td></tr>",
                escape(&name),
                escape(&value)
            );
        }
        h.push_str("</table>\n");
    };
    for (i, input) in m.inputs.iter().enumerate() {
        let this = input.section.as_deref();
        if section != Some(this) {
            if let Some(prev) = section {
                flush(h, prev, &mut pending);
            }
            section = Some(this);
        }
        let Some(value) = record.values.get(i) else { continue };
        let (text, long) = match (value, input.kind) {
            (Value::Num(n), Kind::Percent) => (format_decimal(n.clone(), true, 2), false),
            (Value::Num(n), Kind::Quantity(unit @ ("万元" | "元"))) => {
                (format!("{} {unit}", format_money(n)), false)
            }
            (Value::Num(n), Kind::Quantity(unit)) => (format!("{n} {unit}"), false),
            (Value::Num(n), _) => (n.to_string(), false),
            (Value::Bool(b), _) => ((if *b { "是" } else { "否" }).to_owned(), false),
            (Value::Text(t), _) if t.trim().is_empty() => continue,
            (Value::Text(t), _) => (t.to_string(), t.chars().count() > 16),
            (Value::Undefined(_), _) => (jixiao::model::UNDEFINED_TEXT.to_owned(), false),
        };
        pending.push((input.name.clone(), text, long));
    }
    if let Some(prev) = section {
        flush(h, prev, &mut pending);
    }
}

fn targets(h: &mut String, layout: &Layout, record: &jixiao::data::Record) {
    for (list, items) in layout.model.lists.iter().zip(&record.lists) {
        let _ = writeln!(
            h,
            "<h3>{}（{} 项）</h3>\n<table><tr><th>类别</th><th>名称</th><th>目标</th><th>实际</th><th>达成</th></tr>",
            escape(&list.name),
            items.len()
        );
        for item in items {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                escape(&item.category),
                escape(&item.name),
                escape(&item.target_text),
                escape(&item.actual_text),
                if item.met { "ok" } else { "bad" },
                if item.met { "✓ 达成" } else { "✗ 未达成" }
            );
        }
        h.push_str("</table>\n");
    }
}

/// The 评分表: 一级 and 二级 cells span their indicators.
fn score_table(h: &mut String, ev: &Evaluation) {
    h.push_str("<h3>评分表</h3>\n<table><tr><th>一级指标</th><th>二级指标</th><th>三级指标</th><th>分值</th><th>指标值</th><th>得分</th><th>自评</th></tr>\n");
    let span = |from: usize, level: usize| {
        let key = ev.indicators[from].path.get(..=level);
        ev.indicators[from..]
            .iter()
            .take_while(|i| i.path.get(..=level) == key)
            .count()
    };
    for (i, ind) in ev.indicators.iter().enumerate() {
        h.push_str("<tr>");
        for level in 0..2 {
            let starts = i == 0 || ev.indicators[i - 1].path.get(..=level) != ind.path.get(..=level);
            if starts {
                let name = ind.path.get(level).map(String::as_str).unwrap_or("");
                let _ = write!(h, "<td rowspan=\"{}\">{}</td>", span(i, level), escape(name));
            }
        }
        let _ = writeln!(
            h,
            "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&ind.name),
            format_exact(ind.weight.clone()),
            escape(ind.display.as_deref().unwrap_or("—")),
            escape(&ind.score_display),
            ind.self_score.map(format_stated).unwrap_or_default()
        );
    }
    h.push_str("</table>\n<h3>分类小计</h3>\n<table><tr><th>层级</th><th>指标</th><th>分值</th><th>得分</th><th>自评</th></tr>\n");
    for c in &ev.categories {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if c.level == 1 { "一级" } else { "二级" },
            if c.level > 1 { "　" } else { "" },
            escape(&c.name),
            format_exact(c.weight.clone()),
            escape(&c.score_display),
            c.self_score.map(format_stated).unwrap_or_default()
        );
    }
    let _ = writeln!(
        h,
        "<tr><th colspan=\"2\">总分</th><td class=\"num\">{}</td><td class=\"num\"><b>{}</b></td><td class=\"num\">{}</td></tr>\n<tr><th colspan=\"2\">等次</th><td colspan=\"3\"><b>{}</b></td></tr>\n</table>",
        ev.indicators
            .iter()
            .try_fold(Number::ZERO, |a, i| a.checked_add(i.weight.clone()))
            .map(format_exact)
            .unwrap_or_default(),
        escape(&ev.total_display),
        ev.self_evaluation.total.map(format_stated).unwrap_or_default(),
        escape(ev.grade.as_deref().unwrap_or("无（总分不完整）"))
    );
}

/// The `计算 … 显示` values: the figures the report recomputes that no indicator scores.
fn computed(h: &mut String, ev: &Evaluation) {
    if ev.computed.is_empty() {
        return;
    }
    h.push_str("<h3>计算值（不计分）</h3>\n<table class=\"computed\"><tr><th>名称</th><th>数值</th><th>公式与代入</th><th>说明</th></tr>\n");
    for c in &ev.computed {
        let formula = match (&c.formula, &c.substituted) {
            (Some(f), Some(s)) => format!("{f} = {s}"),
            _ => String::new(),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.name),
            escape(&c.display),
            escape(&formula),
            escape(
                &[c.description.as_deref(), c.note.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("；")
            )
        );
    }
    h.push_str("</table>\n");
}

fn checks(h: &mut String, ev: &Evaluation) {
    h.push_str("<h3>勾稽关系</h3>\n<table class=\"checks\"><tr><th></th><th>名称</th><th>关系</th><th>左边</th><th>右边</th><th>差额</th><th>说明</th></tr>\n");
    for c in &ev.checks {
        let n = |x: Option<Number>| x.map(format_figure).unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            if c.ok { "ok" } else { "bad" },
            if c.ok { "✓".to_owned() } else { format!("✗ {}", escape(&c.severity)) },
            escape(&c.name),
            escape(&c.expression),
            n(c.left.clone()),
            n(c.right.clone()),
            n(c.difference.clone()),
            if c.ok { String::new() } else { escape(c.description.as_deref().unwrap_or("")) }
        );
    }
    h.push_str("</table>\n");
}

fn explanations(h: &mut String, ev: &Evaluation) {
    h.push_str("<h3>评分说明</h3>\n<table class=\"explain\"><tr><th>指标</th><th>得分</th><th>计算与评分</th></tr>\n");
    for ind in &ev.indicators {
        let Some(ex) = &ind.explanation else { continue };
        let mut lines = Vec::new();
        if let (Some(f), Some(s), Some(r)) = (&ex.formula, &ex.substituted, &ex.result) {
            lines.push(format!("公式：{} = {f}", ind.name));
            lines.push(format!("代入：{s}"));
            lines.push(format!("结果：{r}"));
        }
        if let Some(std) = &ex.standard {
            lines.push(format!("评分标准：{std}"));
        }
        lines.push(format!("规则：{}", ex.criterion));
        lines.push(format!("适用：{}", ex.branch));
        let _ = writeln!(
            h,
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td class=\"num\">{} / {}</td><td class=\"text\">{}</td></tr>",
            escape(&ind.name),
            escape(&ind.path.join(" / ")),
            escape(&ind.score_display),
            format_exact(ind.weight.clone()),
            escape(&lines.join("\n"))
        );
    }
    h.push_str("</table>\n");
}
