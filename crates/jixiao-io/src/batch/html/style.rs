//! The report's CSS: A4 pages with a running header (the rule set and year, the unit),
//! a footer (the report date, 第 N 页／共 M 页) in CSS page-margin boxes, and tables with
//! fixed column widths, so that a unit prints as a filed 评价表. Chromium prints margin
//! boxes since version 131; an older browser prints the pages without them.

use jixiao::model::Model;

/// The document's style: everything but the running header's texts ([`page_rules`]).
pub const STYLE: &str = r#"
* { box-sizing: border-box; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif;
       font-size: 9.5pt; line-height: 1.3; color: #111; margin: 0; background: #eee; }
.page { background: #fff; max-width: 210mm; margin: 8mm auto; padding: 12mm; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 1mm; letter-spacing: 0.1em; }
h2 { font-size: 11pt; margin: 3.5mm 0 1.2mm; border-bottom: 1.5px solid #333; padding-bottom: 0.5mm; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
.sub { text-align: center; color: #333; margin: 0 0 3mm; }
table { border-collapse: collapse; width: 100%; margin: 0.5mm 0 2mm; }
/* A unit's tables have set column widths: no column squeezed to a character a line. */
.unit table { table-layout: fixed; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
th, td { border: 0.75pt solid #666; padding: 0.5mm 1.2mm; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef1f5; font-weight: bold; text-align: center; vertical-align: middle; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.mid { text-align: center; white-space: nowrap; }
td.text { white-space: pre-wrap; }
td.std, td.note, .small { font-size: 8pt; line-height: 1.3; }
td.std { color: #222; }
th.row { text-align: left; font-weight: normal; background: #f5f6f8; }
table.info th { width: 22mm; }
table.info td.big { font-size: 13pt; font-weight: bold; }
table.figures { font-size: 8pt; }
table.figures th { text-align: left; font-weight: normal; background: #f5f6f8; }
caption { text-align: left; padding: 1mm 0 0.5mm; }
.verdict-note { font-size: 9pt; margin: 0.5mm 0 2mm; }
.ok { color: #176b2c; } .bad { color: #b00020; font-weight: bold; } .warn { color: #9a5b00; font-weight: bold; }
.error { border: 2px solid #b00020; background: #fff3f3; padding: 3mm; }
.muted { color: #555; font-size: 8pt; }
.sign { margin-top: 4mm; break-inside: avoid; page-break-inside: avoid; }
.sign table, .sign td { border: none; }
.sign td { padding: 3mm 1mm 0; vertical-align: bottom; }
.sign td.line { border-bottom: 0.75pt solid #111; }
.appendix { break-before: page; page-break-before: always; }
a { color: inherit; }
figure.chart { margin: 2mm 0 3mm; break-inside: avoid; page-break-inside: avoid; }
svg.chart { display: block; max-width: 100%; height: auto; }
@page { size: A4; margin: 14mm 12mm 12mm;
  @top-left { font-family: "Noto Serif CJK SC", serif; font-size: 8pt; color: #444; vertical-align: bottom; }
  @top-right { font-family: "Noto Serif CJK SC", serif; font-size: 8pt; color: #444; vertical-align: bottom; }
  @bottom-left { font-family: "Noto Serif CJK SC", serif; font-size: 8pt; color: #444; vertical-align: top; }
  @bottom-center { font-family: "Noto Serif CJK SC", serif; font-size: 8pt; color: #444; vertical-align: top;
                   content: "第 " counter(page) " 页／共 " counter(pages) " 页"; }
}
@media print {
  body { background: #fff; }
  .page { margin: 0; padding: 0; max-width: none; break-after: page; page-break-after: always; }
  .page:last-child { break-after: auto; page-break-after: auto; }
}
"#;

/// The running header and footer of every page: the rule set and year on the left, the
/// report date below; `name` names the pages of one unit (`page: …`), whose header
/// shows the unit at the right. `None` is the document's default page.
pub fn page_rules(model: &Model, date: Option<&str>, name: Option<&str>, right: &str) -> String {
    let title = format!("{}（{} 年度）", model.title, model.year);
    let mut css = match name {
        Some(name) => format!("@page {name} {{"),
        None => "@page {".to_owned(),
    };
    css.push_str(&format!(" @top-left {{ content: {}; }}", css_string(&title)));
    css.push_str(&format!(" @top-right {{ content: {}; }}", css_string(right)));
    if let Some(date) = date {
        css.push_str(&format!(
            " @bottom-left {{ content: {}; }}",
            css_string(&format!("生成日期 {date}"))
        ));
    }
    css.push_str(" }\n");
    css
}

/// A CSS string literal that is safe inside a `<style>` element: quotes, backslashes,
/// line breaks and `<`, `>`, `&` become hexadecimal escapes.
pub fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' => out.push_str(&format!("\\{:x} ", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::css_string;

    #[test]
    fn css_strings_cannot_close_the_style_element_or_the_string() {
        assert_eq!(css_string("岳阳市"), "\"岳阳市\"");
        let hostile = css_string("a\"}</style><script>\n\\");
        assert!(!hostile.contains("</style"), "{hostile}");
        assert!(!hostile[1..hostile.len() - 1].contains('"'), "{hostile}");
        assert!(!hostile.contains('\n'));
        assert_eq!(css_string("a\"b"), "\"a\\22 b\"");
    }
}
