//! One unit's report, laid out as the filed 评价表: who was evaluated and the result, the
//! 评分表 with each indicator's 评分标准, 分类小计, the performance targets, the
//! cross-checks, the 复核意见, the unit's figures, and the 评价人／复核人 signature lines;
//! with `--explain`, an appendix with every indicator's explanation and the unit's
//! written statements. Files are named by their file name only, never by a path on the
//! machine that wrote the report.

use std::fmt::Write as _;

use super::{escape, file_name};
use crate::batch::output::Layout;
use crate::batch::Processed;
use jixiao::model::{Kind, Value};
use jixiao::number::Number;
use jixiao::numfmt::{format_decimal, format_exact, format_figure, format_money, format_stated};
use jixiao::report::Evaluation;

/// A text input longer than this is the unit's written statement (职能职责, 工作总结 …),
/// not a figure: it goes to the appendix.
const STATEMENT_CHARS: usize = 60;

/// Where a unit's section takes its profile chart (`chart::profile`), which needs every
/// unit's result (the medians) and so is drawn by the writer at the end; a report set,
/// written as units arrive, leaves it out. Text is escaped, so no data can forge it.
pub const PROFILE_SLOT: &str = "<!--jixiao:profile-->";

/// One unit's `<section>`: `page` names its printed pages (their running header shows the
/// unit), `anchor` gives it the `id` the summary links to.
pub fn section(layout: &Layout, p: &Processed, page: Option<&str>, anchor: bool) -> String {
    let m = layout.model;
    let mut h = String::new();
    let id = if anchor {
        format!(" id=\"unit-{}\"", p.number)
    } else {
        String::new()
    };
    let style = page.map(|n| format!(" style=\"page: {n}\"")).unwrap_or_default();
    let _ = write!(
        h,
        "<section class=\"page unit\"{id}{style}>\n<h1>部门整体支出绩效评价表</h1>\n<p class=\"sub\">{} 年度 · 依据《{}》（{}）</p>\n",
        m.year,
        escape(&m.title),
        escape(&m.issuer)
    );
    let done = match &p.result {
        Ok(done) => done,
        Err(reason) => {
            info_table(&mut h, p, None);
            let _ = write!(
                h,
                "<div class=\"error\"><p class=\"bad\">未能评价（错误）</p><p>{}</p><p class=\"muted\">按提示改正数据后重新运行。</p></div>\n</section>\n",
                escape(reason)
            );
            return h;
        }
    };
    let ev = &done.evaluation;
    info_table(&mut h, p, Some(ev));
    score_table(&mut h, layout, ev);
    subtotals(&mut h, ev);
    h.push_str(PROFILE_SLOT);
    targets(&mut h, layout, &done.record);
    checks(&mut h, ev);
    computed(&mut h, ev);
    audit(&mut h, ev);
    let statements = figures(&mut h, layout, &done.record);
    signatures(&mut h, ev);
    if layout.options.explain {
        h.push_str("<div class=\"appendix\">\n<h2>附录一　评分说明</h2>\n");
        explanations(&mut h, ev);
        computed_formulas(&mut h, ev);
        if !statements.is_empty() {
            h.push_str("<h2>附录二　单位填报的文字说明</h2>\n");
            for (name, text) in &statements {
                let _ = writeln!(
                    h,
                    "<h3>{}</h3>\n<table><tr><td class=\"text small\">{}</td></tr></table>",
                    escape(name),
                    escape(text)
                );
            }
        }
        h.push_str("</div>\n");
    } else if !statements.is_empty() {
        let names: Vec<&str> = statements.iter().map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(
            h,
            "<p class=\"muted\">单位填报的文字说明（{}）未列入本表；需要时加评分说明附录（命令行 --explain）。</p>",
            escape(&names.join("、"))
        );
    }
    h.push_str("</section>\n");
    h
}

/// 被评价单位, the data file, 总分, 等次, the unit's own result and the 复核 conclusion.
fn info_table(h: &mut String, p: &Processed, ev: Option<&Evaluation>) {
    let _ = write!(
        h,
        "<table class=\"info\"><colgroup><col style=\"width:22mm\"><col><col style=\"width:22mm\"><col style=\"width:52mm\"></colgroup>\n<tr><th class=\"row\">被评价单位</th><td><b>{}</b></td><th class=\"row\">数据来源</th><td class=\"small\">{}</td></tr>\n",
        escape(&p.unit),
        escape(file_name(&p.origin.label()))
    );
    let Some(ev) = ev else {
        h.push_str("</table>\n");
        return;
    };
    let _ = writeln!(
        h,
        "<tr><th class=\"row\">总　　分</th><td class=\"big\">{}</td><th class=\"row\">评价等次</th><td class=\"big\">{}</td></tr>",
        escape(&ev.total_display),
        escape(ev.grade.as_deref().unwrap_or("无（总分不完整）"))
    );
    let stated = &ev.self_evaluation;
    let own = if stated.total.is_some() || stated.grade.is_some() {
        format!(
            "{} 分 {}",
            stated.total.map(format_stated).unwrap_or_else(|| "—".into()),
            stated.grade.as_deref().unwrap_or("—")
        )
    } else {
        "—".into()
    };
    let _ = writeln!(
        h,
        "<tr><th class=\"row\">单位自评</th><td>{}</td><th class=\"row\">复核结论</th><td class=\"small\">{}</td></tr>\n</table>",
        escape(&own),
        escape(&ev.audit.summary)
    );
    if let Some(note) = &ev.scoring {
        let _ = writeln!(h, "<p class=\"verdict-note bad\">{}</p>", escape(&note.text));
    }
}

/// The 评分表: 一级 and 二级 cells span their indicators; each indicator with its 评分标准
/// as the rule file words it (the `评分` clause where it has no `标准`).
fn score_table(h: &mut String, layout: &Layout, ev: &Evaluation) {
    let m = layout.model;
    h.push_str(
        "<h2>一、评分表</h2>\n<table class=\"scores\"><colgroup><col style=\"width:11mm\"><col style=\"width:15mm\"><col style=\"width:28mm\"><col style=\"width:10mm\"><col><col style=\"width:17mm\"><col style=\"width:13mm\"><col style=\"width:10mm\"></colgroup>\n<thead><tr><th>一级<br>指标</th><th>二级指标</th><th>三级指标</th><th>分值</th><th>评分标准</th><th>指标值</th><th>得分</th><th>自评</th></tr></thead>\n",
    );
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
        let leaf = m.leaves.get(i).and_then(|&n| m.nodes[n].leaf.as_ref());
        let standard = leaf
            .map(|l| match &l.standard {
                Some(s) => squash(s),
                None => squash(m.source.slice(l.criterion_span)),
            })
            .unwrap_or_default();
        let score_class = if ind.score.is_some() { "num" } else { "num bad" };
        let _ = writeln!(
            h,
            "<td>{}</td><td class=\"num\">{}</td><td class=\"std\">{}</td><td class=\"num\">{}</td><td class=\"{score_class}\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&ind.name),
            format_exact(ind.weight.clone()),
            escape(&standard),
            escape(ind.display.as_deref().unwrap_or("—")),
            escape(&ind.score_display),
            ind.self_score.map(format_stated).unwrap_or_default()
        );
    }
    let _ = writeln!(
        h,
        "<tr><th colspan=\"3\">合　　计</th><td class=\"num\">{}</td><td></td><td></td><td class=\"num\"><b>{}</b></td><td class=\"num\">{}</td></tr>\n</table>",
        ev.indicators
            .iter()
            .try_fold(Number::ZERO, |a, i| a.checked_add(i.weight.clone()))
            .map(format_exact)
            .unwrap_or_default(),
        escape(&ev.total_display),
        ev.self_evaluation.total.map(format_stated).unwrap_or_default(),
    );
}

/// 分类小计: each 一级 category beside its 二级 categories (the 一级 cells span them), with
/// 分值, 得分 and the unit's own subtotal.
fn subtotals(h: &mut String, ev: &Evaluation) {
    h.push_str("<h2>二、分类小计</h2>\n<table class=\"subtotals\"><colgroup><col><col style=\"width:12mm\"><col style=\"width:28mm\"><col style=\"width:12mm\"><col><col style=\"width:12mm\"><col style=\"width:28mm\"><col style=\"width:12mm\"></colgroup>\n<thead><tr><th>一级指标</th><th>分值</th><th>得分</th><th>自评</th><th>二级指标</th><th>分值</th><th>得分</th><th>自评</th></tr></thead>\n");
    let cells = |c: &jixiao::report::CategoryResult| {
        format!(
            "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            escape(&c.name),
            format_exact(c.weight.clone()),
            escape(&c.score_display),
            c.self_score.map(format_stated).unwrap_or_default()
        )
    };
    let cats = &ev.categories;
    let mut i = 0;
    while i < cats.len() {
        let first = &cats[i];
        let children: Vec<_> = cats[i + 1..].iter().take_while(|c| c.level > first.level).collect();
        let rows = children.len().max(1);
        let spanned = cells(first).replace("<td", &format!("<td rowspan=\"{rows}\""));
        h.push_str("<tr>");
        h.push_str(&spanned);
        match children.first() {
            Some(c) => h.push_str(&cells(c)),
            None => h.push_str("<td></td><td></td><td></td><td></td>"),
        }
        h.push_str("</tr>\n");
        for c in children.iter().skip(1) {
            let _ = writeln!(h, "<tr>{}</tr>", cells(c));
        }
        i += 1 + children.len();
    }
    h.push_str("</table>\n");
}

/// The performance targets the unit reported, and whether each was met.
fn targets(h: &mut String, layout: &Layout, record: &jixiao::data::Record) {
    for (list, items) in layout.model.lists.iter().zip(&record.lists) {
        let _ = writeln!(
            h,
            "<h2>三、{}（{} 项）</h2>\n<table class=\"targets small\"><colgroup><col style=\"width:15mm\"><col style=\"width:40mm\"><col><col><col style=\"width:15mm\"></colgroup>\n<thead><tr><th>类别</th><th>名称</th><th>目标</th><th>实际</th><th>达成</th></tr></thead>",
            escape(&list.name),
            items.len()
        );
        for item in items {
            let _ = writeln!(
                h,
                "<tr><td class=\"mid\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"mid {}\">{}</td></tr>",
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

/// 勾稽关系: every cross-check, its two sides and their difference.
fn checks(h: &mut String, ev: &Evaluation) {
    if ev.checks.is_empty() {
        return;
    }
    h.push_str("<h2>四、勾稽关系</h2>\n<table class=\"checks\"><colgroup><col style=\"width:13mm\"><col style=\"width:32mm\"><col><col style=\"width:19mm\"><col style=\"width:19mm\"><col style=\"width:16mm\"></colgroup>\n<thead><tr><th>结果</th><th>名称</th><th>关系</th><th>左边</th><th>右边</th><th>差额</th></tr></thead>\n");
    for c in &ev.checks {
        let n = |x: Option<Number>| x.map(format_figure).unwrap_or_default();
        let mut relation = escape(&c.expression);
        if let Some(why) = c.unchecked.as_deref() {
            let _ = write!(relation, "<br><span class=\"muted\">未核对：{}</span>", escape(why));
        } else if let (false, Some(d)) = (c.ok, c.description.as_deref()) {
            let _ = write!(relation, "<br><span class=\"muted\">{}</span>", escape(d));
        }
        let _ = writeln!(
            h,
            "<tr><td class=\"mid {}\">{}</td><td>{}</td><td class=\"small\">{relation}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if c.ok { "ok" } else { "bad" },
            if c.ok { "✓".to_owned() } else { format!("✗ {}", escape(&c.severity)) },
            escape(&c.name),
            n(c.left.clone()),
            n(c.right.clone()),
            n(c.difference.clone()),
        );
    }
    h.push_str("</table>\n");
}

/// The `计算 … 显示` values: the figures the report recomputes that no indicator scores,
/// three to a row, each with its note in small print (the formulas are in the appendix).
fn computed(h: &mut String, ev: &Evaluation) {
    if ev.computed.is_empty() {
        return;
    }
    h.push_str("<h3>计算值（不计分）</h3>\n<table class=\"computed\"><colgroup><col style=\"width:36mm\"><col style=\"width:26mm\"><col style=\"width:36mm\"><col style=\"width:26mm\"><col style=\"width:36mm\"><col style=\"width:26mm\"></colgroup>\n");
    for three in ev.computed.chunks(3) {
        h.push_str("<tr>");
        for c in three {
            let notes: Vec<&str> = [c.description.as_deref(), c.note.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("<br><span class=\"muted\">{}</span>", escape(&notes.join("；")))
            };
            let _ = write!(
                h,
                "<th class=\"row\">{}{notes}</th><td class=\"num\">{}</td>",
                escape(&c.name),
                escape(&c.display)
            );
        }
        for _ in three.len()..3 {
            h.push_str("<th class=\"row\"></th><td></td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// 复核意见: the audit's conclusion and every finding, most serious first, then the
/// figures it confirmed.
fn audit(h: &mut String, ev: &Evaluation) {
    let a = &ev.audit;
    let _ = write!(
        h,
        "<h2>五、复核意见</h2>\n<p>{}（错误 {}，警告 {}，提示 {}）</p>\n",
        escape(&a.summary),
        a.errors,
        a.warnings,
        a.notes
    );
    if a.findings.is_empty() {
        h.push_str("<p class=\"muted\">没有发现不一致。</p>\n");
    } else {
        h.push_str("<table class=\"audit\"><colgroup><col style=\"width:10mm\"><col style=\"width:17mm\"><col><col style=\"width:24mm\"><col style=\"width:24mm\"><col style=\"width:16mm\"></colgroup>\n<thead><tr><th>级别</th><th>类别</th><th>意见</th><th>报告/自评</th><th>复核</th><th>差额</th></tr></thead>\n");
        for f in &a.findings {
            let class = match f.severity.as_str() {
                "错误" => "bad",
                "警告" => "warn",
                _ => "muted",
            };
            let mut basis = Vec::new();
            if let Some(e) = &f.explanation {
                basis.push(format!("依据：{e}"));
            }
            if let Some(l) = f.rule_line {
                basis.push(jixiao::diagnostics::rule_place(l, f.rule_file.as_deref()));
            }
            if let Some(d) = &f.data_field {
                basis.push(format!("数据 {d}"));
            }
            let basis = if basis.is_empty() {
                String::new()
            } else {
                format!("<br><span class=\"muted\">{}</span>", escape(&basis.join("；")))
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"mid {class}\">{}</td><td class=\"mid\">{}</td><td class=\"small\">{}{basis}</td><td class=\"small\">{}</td><td class=\"small\">{}</td><td class=\"num small\">{}</td></tr>",
                escape(&f.severity),
                escape(&f.category),
                escape(&f.message),
                escape(f.stated.as_deref().unwrap_or("")),
                escape(f.computed.as_deref().unwrap_or("")),
                escape(f.difference.as_deref().unwrap_or("")),
            );
        }
        h.push_str("</table>\n");
    }
    confirmed(h, ev);
}

/// The stated figures the 复核 confirmed (✓), two to a row, so a clerk sees what was
/// checked without a page of them.
fn confirmed(h: &mut String, ev: &Evaluation) {
    let c = &ev.audit.confirmed;
    if c.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<table class=\"confirmed small\"><caption>核对无误（{} 项，按报告所写的精度）：</caption><colgroup><col style=\"width:5mm\"><col style=\"width:12mm\"><col><col style=\"width:16mm\"><col style=\"width:16mm\"><col style=\"width:5mm\"><col style=\"width:12mm\"><col><col style=\"width:16mm\"><col style=\"width:16mm\"></colgroup>\n<thead><tr><th></th><th>类别</th><th>对象</th><th>报告/自评</th><th>复核</th><th></th><th>类别</th><th>对象</th><th>报告/自评</th><th>复核</th></tr></thead>\n",
        c.len()
    );
    for pair in c.chunks(2) {
        h.push_str("<tr>");
        for x in pair {
            let _ = write!(
                h,
                "<td class=\"ok\">✓</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                escape(&x.category),
                escape(&x.subject),
                escape(&x.stated),
                escape(&x.computed)
            );
        }
        if pair.len() == 1 {
            h.push_str("<td></td><td></td><td></td><td></td><td></td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// How a figure is laid out in 单位填报数据.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A number or a short text: one of three to a row.
    Cell { number: bool },
    /// A 是/否 answer: all of a section's answers run on in one row.
    Answer,
    /// A text of a line: a row of its own.
    Line,
}

/// A text longer than this takes a row of its own in 单位填报数据.
const CELL_CHARS: usize = 12;

/// The unit's figures by 栏目; returns the written statements (long texts), which go to
/// the appendix.
fn figures(h: &mut String, layout: &Layout, record: &jixiao::data::Record) -> Vec<(String, String)> {
    let m = layout.model;
    let mut statements = Vec::new();
    // (section, [(name, value, shape)]) in the rule file's order.
    type Figures<'a> = Vec<(Option<&'a str>, Vec<(String, String, Shape)>)>;
    let mut sections: Figures = Vec::new();
    let number = Shape::Cell { number: true };
    for (i, input) in m.inputs.iter().enumerate() {
        let Some(value) = record.values.get(i) else { continue };
        let (text, shape) = match (value, input.kind) {
            (Value::Num(n), Kind::Percent) => (format_decimal(n.clone(), true, 2), number),
            (Value::Num(n), Kind::Quantity(unit @ ("万元" | "元"))) => {
                (format!("{} {unit}", format_money(n)), number)
            }
            (Value::Num(n), Kind::Quantity(unit)) => (format!("{n} {unit}"), number),
            (Value::Num(n), _) => (n.to_string(), number),
            (Value::Bool(b), _) => ((if *b { "是" } else { "否" }).to_owned(), Shape::Answer),
            (Value::Text(t), _) if t.trim().is_empty() => continue,
            (Value::Text(t), _) if t.chars().count() > STATEMENT_CHARS => {
                statements.push((input.name.clone(), t.to_string()));
                continue;
            }
            (Value::Text(t), _) if t.chars().count() > CELL_CHARS => (t.to_string(), Shape::Line),
            (Value::Text(t), _) => (t.to_string(), Shape::Cell { number: false }),
            (Value::Undefined(_), _) => (jixiao::model::UNDEFINED_TEXT.to_owned(), Shape::Line),
        };
        let section = input.section.as_deref();
        let figure = (input.name.clone(), text, shape);
        match sections.last_mut() {
            Some((s, rows)) if *s == section => rows.push(figure),
            _ => sections.push((section, vec![figure])),
        }
    }
    if sections.is_empty() {
        return statements;
    }
    h.push_str("<h2>六、单位填报数据</h2>\n<table class=\"figures\"><colgroup><col style=\"width:34mm\"><col style=\"width:28mm\"><col style=\"width:34mm\"><col style=\"width:28mm\"><col style=\"width:34mm\"><col style=\"width:28mm\"></colgroup>\n");
    for (title, figures) in sections {
        let _ = writeln!(
            h,
            "<tr><th colspan=\"6\">{}</th></tr>",
            escape(title.unwrap_or("其他数据"))
        );
        let cells: Vec<_> = figures.iter().filter(|f| matches!(f.2, Shape::Cell { .. })).collect();
        for three in cells.chunks(3) {
            h.push_str("<tr>");
            for (name, value, shape) in three {
                let class = if *shape == number { "num" } else { "text" };
                let _ = write!(
                    h,
                    "<th>{}</th><td class=\"{class}\">{}</td>",
                    escape(name),
                    escape(value)
                );
            }
            for _ in three.len()..3 {
                h.push_str("<th></th><td></td>");
            }
            h.push_str("</tr>\n");
        }
        for (name, value, _) in figures.iter().filter(|f| f.2 == Shape::Line) {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td class=\"text\" colspan=\"5\">{}</td></tr>",
                escape(name),
                escape(value)
            );
        }
        // 是/否 answers run on in one cell: a row each would be mostly empty.
        let answers: Vec<String> = figures
            .iter()
            .filter(|f| f.2 == Shape::Answer)
            .map(|(name, v, _)| format!("{}：<b>{v}</b>", escape(name)))
            .collect();
        if !answers.is_empty() {
            let _ = writeln!(h, "<tr><td colspan=\"6\">{}</td></tr>", answers.join("　"));
        }
    }
    h.push_str("</table>\n");
    statements
}

/// The 评价人／复核人 signature lines, and the rule file and data the page came from.
fn signatures(h: &mut String, ev: &Evaluation) {
    let p = &ev.provenance;
    let _ = writeln!(
        h,
        "<div class=\"sign\"><table><colgroup><col style=\"width:30mm\"><col><col style=\"width:14mm\"><col style=\"width:44mm\"></colgroup>\n<tr><td class=\"mid\">评价人（签字）：</td><td class=\"line\"></td><td class=\"mid\">日期：</td><td class=\"line\">　　　　年　　月　　日</td></tr>\n<tr><td class=\"mid\">复核人（签字）：</td><td class=\"line\"></td><td class=\"mid\">日期：</td><td class=\"line\">　　　　年　　月　　日</td></tr>\n</table>\n<p class=\"muted provenance\">规则文件 {}（SHA-256 {}）；数据 {}（SHA-256 {}）</p></div>",
        escape(file_name(&p.rules_file)),
        escape(&p.rules_sha256),
        escape(file_name(&p.data_file)),
        escape(&p.data_sha256)
    );
}

/// The appendix 评分说明: each indicator's formula, the unit's values in it, the standard,
/// the rule and the branch that decided its score.
fn explanations(h: &mut String, ev: &Evaluation) {
    h.push_str("<table class=\"explain\"><colgroup><col style=\"width:34mm\"><col style=\"width:18mm\"><col></colgroup>\n<thead><tr><th>指标</th><th>得分</th><th>计算与评分</th></tr></thead>\n");
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
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td class=\"num\">{} / {}</td><td class=\"text small\">{}</td></tr>",
            escape(&ind.name),
            escape(&ind.path.join(" / ")),
            escape(&ind.score_display),
            format_exact(ind.weight.clone()),
            escape(&lines.join("\n"))
        );
    }
    h.push_str("</table>\n");
}

/// The appendix's `计算` values with their formulas and the unit's values in them.
fn computed_formulas(h: &mut String, ev: &Evaluation) {
    let rows: Vec<_> = ev
        .computed
        .iter()
        .filter_map(|c| Some((c, c.formula.as_ref()?, c.substituted.as_ref()?)))
        .collect();
    if rows.is_empty() {
        return;
    }
    h.push_str("<h3>计算值的公式与代入</h3>\n<table class=\"explain\"><colgroup><col style=\"width:34mm\"><col style=\"width:18mm\"><col></colgroup>\n<thead><tr><th>名称</th><th>数值</th><th>公式与代入</th></tr></thead>\n");
    for (c, formula, substituted) in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"small\">{} = {}</td></tr>",
            escape(&c.name),
            escape(&c.display),
            escape(formula),
            escape(substituted)
        );
    }
    h.push_str("</table>\n");
}

/// Runs of white space (the rule file's line breaks inside a clause) as one space.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
