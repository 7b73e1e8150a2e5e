//! Self-contained, printable HTML reports (A4, running header and page numbers; see
//! [`style`]): the city summary (units, grade distribution, ranking, units in error,
//! per-indicator statistics) on pages of its own, then one report per unit laid out as
//! the filed 评价表 ([`unit`]). No scripts, no external resources.
//!
//! Up to [`MAX_UNITS_IN_ONE_FILE`] units make one document ([`HtmlWriter`]); a larger
//! run, or one that asks for it, writes a report set instead: `汇总.html` and one file
//! per unit, into a folder or a zip ([`ReportSetWriter`], [`files`]).

pub mod files;
pub(crate) mod style;
mod unit;

use std::fmt::Write as _;
use std::io::Write;

use super::output::{AuditBrief, Layout, Summary, UnitStats, Writer};
use super::{BatchError, Processed};
use crate::chart;
pub use files::{unit_file_name, FolderFiles, ReportFiles, ZipFiles, SUMMARY_FILE};
use jixiao::number::Number;
use jixiao::numfmt::{format_decimal, format_exact};

/// The most units one HTML document holds; past it a run writes a report set. A printed
/// unit is 3–4 pages, so this is already a document of some 800 pages.
pub const MAX_UNITS_IN_ONE_FILE: usize = 200;

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

/// A path's last part: reports name files, never folders of the machine that wrote them.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A rule file's name from the name its model carries: a rule set merged from a `基于`
/// chain is named `rules/2022.jx（合并 rules/2021.jx）`, and its file is the first.
pub fn rules_file_name(name: &str) -> &str {
    file_name(name.split_once("（合并 ").map_or(name, |(own, _)| own))
}

/// How the summary links to a unit's report.
#[derive(Clone, Copy)]
enum Links {
    /// Within one document: `#unit-7`.
    Anchors,
    /// In a report set: the unit's own file.
    Files,
}

impl Links {
    fn href(self, u: &UnitStats) -> String {
        match self {
            Links::Anchors => format!("#unit-{}", u.number),
            Links::Files => unit_file_name(u.number, &u.unit),
        }
    }
}

/// `<!DOCTYPE html>` to `<body>`: the title, the style and the pages' running header.
pub(crate) fn document_start(title: &str, page_rules: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{}{page_rules}</style>\n</head>\n<body>\n",
        escape(title),
        style::STYLE,
    )
}

pub(crate) const DOCUMENT_END: &str = "</body>\n</html>\n";

/// The report date, when the run has one.
fn date<'a>(layout: &'a Layout) -> Option<&'a str> {
    layout.options.date.as_deref()
}

/// Collects one report per unit; writes the document, summary first, at the end. More
/// than [`MAX_UNITS_IN_ONE_FILE`] units stop the run ([`BatchError::TooManyForOneReport`]).
pub struct HtmlWriter {
    /// Each unit's name and report.
    pages: Vec<(String, String)>,
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
    type Item = (String, String, UnitStats);

    fn begin(&mut self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }

    fn prepare(layout: &Layout, p: &Processed) -> Self::Item {
        let page = format!("u{}", p.number);
        (
            p.unit.clone(),
            unit::section(layout, p, Some(&page), true),
            UnitStats::of(p),
        )
    }

    fn write(&mut self, _: &Layout, item: Self::Item, _: &mut dyn Write) -> Result<(), BatchError> {
        if self.units.len() >= MAX_UNITS_IN_ONE_FILE {
            return Err(BatchError::TooManyForOneReport {
                limit: MAX_UNITS_IN_ONE_FILE,
            });
        }
        self.pages.push((item.0, item.1));
        self.units.push(item.2);
        Ok(())
    }

    fn finish(self, layout: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        let m = layout.model;
        // The summary pages' header names the summary; each unit's pages name the unit.
        let mut rules = style::page_rules(m, date(layout), None, "评价汇总");
        for (u, (name, _)) in self.units.iter().zip(&self.pages) {
            rules.push_str(&style::page_rules(
                m,
                date(layout),
                Some(&format!("u{}", u.number)),
                name,
            ));
        }
        let title = format!("{} {} 年度评价报告", m.title, m.year);
        out.write_all(document_start(&title, &rules).as_bytes())?;
        // One unit needs no city summary (nor a median to compare with): its report is
        // the whole document.
        let city = chart::City::new(m, &self.units);
        let several = self.units.len() > 1;
        let rates: Vec<(usize, Vec<Option<Number>>)> = self
            .units
            .iter()
            .map(|u| {
                let rates = u.outcome.as_ref().map(|s| s.category_rates.clone());
                (u.number, rates.unwrap_or_default())
            })
            .collect();
        if several {
            let summary = summary_page(layout, Summary::new(layout, self.units), &city, Links::Anchors);
            out.write_all(summary.as_bytes())?;
        }
        let profiles = chart::profile::Profiles::new(&city);
        for ((_, page), (number, rates)) in self.pages.iter().zip(rates) {
            match page.split_once(unit::PROFILE_SLOT) {
                Some((before, after)) => {
                    out.write_all(before.as_bytes())?;
                    if several {
                        writeln!(
                            out,
                            "<figure class=\"chart\">{}</figure>",
                            profiles.chart(number, &rates)
                        )?;
                    }
                    out.write_all(after.as_bytes())?;
                }
                None => out.write_all(page.as_bytes())?,
            }
        }
        out.write_all(DOCUMENT_END.as_bytes())?;
        Ok(())
    }
}

/// Writes each unit's report as a file of its own as soon as it is evaluated, and the
/// summary (`汇总.html`, linking to them) at the end.
pub struct ReportSetWriter<'a> {
    files: &'a mut dyn ReportFiles,
    units: Vec<UnitStats>,
}

impl<'a> ReportSetWriter<'a> {
    pub fn new(files: &'a mut dyn ReportFiles) -> ReportSetWriter<'a> {
        ReportSetWriter {
            files,
            units: Vec::new(),
        }
    }
}

impl Writer for ReportSetWriter<'_> {
    /// The file's name and content.
    type Item = (String, String, UnitStats);

    fn begin(&mut self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }

    fn prepare(layout: &Layout, p: &Processed) -> Self::Item {
        let m = layout.model;
        let rules = style::page_rules(m, date(layout), None, &p.unit);
        let title = format!("{}（{} 年度）评价报告：{}", m.title, m.year, p.unit);
        let mut html = document_start(&title, &rules);
        // Written as it comes, before the medians are known: no profile.
        let section = unit::section(layout, p, None, false);
        match section.split_once(unit::PROFILE_SLOT) {
            Some((before, after)) => {
                html.push_str(before);
                html.push_str(after);
            }
            None => html.push_str(&section),
        }
        html.push_str(DOCUMENT_END);
        (unit_file_name(p.number, &p.unit), html, UnitStats::of(p))
    }

    fn write(&mut self, _: &Layout, item: Self::Item, _: &mut dyn Write) -> Result<(), BatchError> {
        self.files.add(&item.0, item.1.as_bytes())?;
        self.units.push(item.2);
        Ok(())
    }

    fn finish(self, layout: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        let m = layout.model;
        let rules = style::page_rules(m, date(layout), None, "评价汇总");
        let title = format!("{} {} 年度评价汇总", m.title, m.year);
        let mut html = document_start(&title, &rules);
        let city = chart::City::new(m, &self.units);
        html.push_str(&summary_page(
            layout,
            Summary::new(layout, self.units),
            &city,
            Links::Files,
        ));
        html.push_str(DOCUMENT_END);
        self.files.add(SUMMARY_FILE, html.as_bytes())?;
        Ok(())
    }
}

/// The summary page: counts, charts, grades, ranking, units without a total,
/// per-indicator scores.
fn summary_page(layout: &Layout, s: Summary, city: &chart::City, links: Links) -> String {
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
    let audited = layout.options.audit;
    ranking_table(&mut h, &s, links, audited);
    without_total_tables(&mut h, &s, links);
    if audited {
        audit_summary(&mut h, &s, links);
    }
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

/// 总分排名: the units with a total, best first, each linked to its page; in a 复核 run
/// with each unit's 复核结论 (as the CSV and Excel results have it).
fn ranking_table(h: &mut String, s: &Summary, links: Links, audited: bool) {
    h.push_str("<h2>总分排名</h2>\n<table><tr><th>名次</th><th>序号</th><th>单位名称</th><th>总分</th><th>等级</th>");
    if audited {
        h.push_str("<th>复核结论</th>");
    }
    h.push_str("<th>未通过的勾稽关系</th></tr>\n");
    for (rank, u) in &s.ranking {
        let Ok(scored) = &u.outcome else { continue };
        let _ = write!(
            h,
            "<tr><td class=\"num\">{rank}</td><td class=\"num\">{}</td><td><a href=\"{}\">{}</a></td><td class=\"num\">{}</td><td>{}</td>",
            u.number,
            escape(&links.href(u)),
            escape(&u.unit),
            escape(&scored.total_display),
            escape(scored.grade.as_deref().unwrap_or("")),
        );
        if audited {
            let _ = write!(h, "<td class=\"small\">{}</td>", escape(&scored.audit.summary));
        }
        let _ = writeln!(h, "<td>{}</td></tr>", escape(&scored.failed_checks));
    }
    h.push_str("</table>\n");
}

/// 复核汇总 (a 复核 run): how many units have findings to deal with, and the units whose
/// stated grade the 复核 changes. Each unit's own 复核意见 is on its page either way.
fn audit_summary(h: &mut String, s: &Summary, links: Links) {
    let evaluated: Vec<(&UnitStats, &AuditBrief)> = s
        .ranking
        .iter()
        .map(|(_, u)| u)
        .chain(&s.incomplete)
        .filter_map(|u| Some((u, &u.outcome.as_ref().ok()?.audit)))
        .collect();
    let serious = evaluated.iter().filter(|(_, a)| a.serious > 0).count();
    let mut changed: Vec<&(&UnitStats, &AuditBrief)> = evaluated.iter().filter(|(_, a)| a.grade_changed).collect();
    changed.sort_by_key(|(u, _)| u.number);
    let _ = writeln!(
        h,
        "<h2>复核汇总</h2>\n<p>{} 个已评价的单位中，{serious} 个有需要处理的复核意见（错误或警告），{} 个的评价等次与自评不同。各单位的复核意见见其评价表的“五、复核意见”。</p>",
        evaluated.len(),
        changed.len()
    );
    if changed.is_empty() {
        return;
    }
    h.push_str("<table><tr><th>序号</th><th>单位名称</th><th>复核结论</th></tr>\n");
    for (u, a) in changed {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td><a href=\"{}\">{}</a></td><td>{}</td></tr>",
            u.number,
            escape(&links.href(u)),
            escape(&u.unit),
            escape(&a.summary)
        );
    }
    h.push_str("</table>\n");
}

/// The incomplete units and the units in error, each a table when there are any.
fn without_total_tables(h: &mut String, s: &Summary, links: Links) {
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
                "<tr><td class=\"num\">{}</td><td>{}</td><td><a href=\"{}\">{}</a></td><td class=\"bad\">{}</td></tr>",
                u.number,
                escape(file_name(&u.source)),
                escape(&links.href(u)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_rule_set_is_named_by_its_own_file() {
        assert_eq!(rules_file_name("rules/yueyang-2021.jx"), "yueyang-2021.jx");
        assert_eq!(
            rules_file_name("rules/yueyang-2022.jx（合并 rules/yueyang-2021.jx）"),
            "yueyang-2022.jx"
        );
        assert_eq!(
            rules_file_name("C:\\规则\\2022.jx（合并 C:\\规则\\2021.jx）"),
            "2022.jx"
        );
        assert_eq!(file_name("units.csv 第 2 行"), "units.csv 第 2 行");
    }
}
