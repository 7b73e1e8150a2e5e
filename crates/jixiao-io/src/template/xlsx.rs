//! Writes a [`Template`] as an `.xlsx` workbook (rust_xlsxwriter).
//!
//! Every form sheet has the same columns: A the hidden key, B 序号, C 项目, D 计量单位,
//! E the value to fill in, F 说明. Cell A1 holds the sheet's marker; the header row's key is
//! [`HEADER_KEY`]. Input cells are unlocked and coloured (yellow: the unit; blue: the
//! bureau), carry Excel data validation derived from their [`Rule`], and every sheet is
//! protected without a password (rows may be inserted; the reader ignores rows without a
//! key). Numbers are written through their decimal text, so what the reader gets back is
//! exactly what was filled in (see [`crate::batch::input`]).

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatAlign, FormatBorder, Formula,
    ProtectionOptions, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use super::read::Problem;
use super::*;

/// Form sheet columns (0-based).
pub const COL_KEY: u16 = 0;
const COL_NUMBER: u16 = 1;
const COL_LABEL: u16 = 2;
const COL_UNIT: u16 = 3;
pub const COL_VALUE: u16 = 4;
const COL_NOTE: u16 = 5;
/// Column widths (in Excel's character units) of form sheets, B to F.
const FORM_WIDTHS: [f64; 5] = [6.0, 30.0, 9.0, 24.0, 52.0];
/// Column widths of list sheets, B to G.
const LIST_WIDTHS: [f64; 6] = [6.0, 12.0, 28.0, 28.0, 34.0, 12.0];

const UNIT_FILL: u32 = 0xFFF2CC;
const BUREAU_FILL: u32 = 0xDDEBF7;
const HEADER_FILL: u32 = 0xD9D9D9;
const SECTION_FILL: u32 = 0xE2EFDA;

/// A4 paper.
const A4: u8 = 9;

fn xerr(e: XlsxError) -> String {
    format!("无法生成工作簿：{e}")
}

struct Styles {
    title: Format,
    note: Format,
    header: Format,
    section: Format,
    number: Format,
    label: Vec<Format>,
    unit: Format,
    remark: Format,
    text: Format,
    heading: Format,
    cell: Format,
    key: Format,
}

impl Styles {
    fn new() -> Styles {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        let base = Format::new().set_font_name("宋体").set_font_size(11);
        Styles {
            title: base
                .clone()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            note: base
                .clone()
                .set_font_size(10)
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter),
            header: border(
                base.clone()
                    .set_bold()
                    .set_background_color(Color::RGB(HEADER_FILL))
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_text_wrap(),
            ),
            section: border(base.clone().set_bold().set_background_color(Color::RGB(SECTION_FILL))),
            number: border(
                base.clone()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter),
            ),
            label: (0..4)
                .map(|i| {
                    border(
                        base.clone()
                            .set_text_wrap()
                            .set_align(FormatAlign::VerticalCenter)
                            .set_indent(i),
                    )
                })
                .collect(),
            unit: border(
                base.clone()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter),
            ),
            remark: border(
                base.clone()
                    .set_font_size(9)
                    .set_font_color(Color::RGB(0x404040))
                    .set_text_wrap()
                    .set_align(FormatAlign::VerticalCenter),
            ),
            text: base.clone().set_text_wrap().set_align(FormatAlign::Top),
            heading: base.clone().set_bold().set_font_size(12),
            cell: border(base.clone().set_text_wrap().set_align(FormatAlign::VerticalCenter)),
            key: base,
        }
    }

    /// An input cell: unlocked, coloured by who fills it, with the rule's number format.
    fn input(&self, rule: &Rule, filler: Filler) -> Format {
        let fill = match filler {
            Filler::Unit => UNIT_FILL,
            Filler::Bureau => BUREAU_FILL,
        };
        let f = self
            .key
            .clone()
            .set_unlocked()
            .set_border(FormatBorder::Thin)
            .set_background_color(Color::RGB(fill))
            .set_align(FormatAlign::VerticalCenter);
        let f = f.set_num_format(number_format(rule));
        match rule {
            Rule::Text { .. } => f.set_text_wrap().set_align(FormatAlign::Top),
            Rule::YesNo | Rule::Choice(_) | Rule::AsWritten { .. } => f.set_align(FormatAlign::Center),
            _ => f,
        }
    }
}

/// About how many lines `text` takes in a column `width` characters wide.
fn lines(text: &str, width: f64) -> usize {
    let per_line = (width.max(4.0) - 1.0) as usize;
    text.split('\n')
        .map(|l| UnicodeWidthStr::width(l).div_ceil(per_line).max(1))
        .sum()
}

fn height(lines: usize) -> f64 {
    (lines.clamp(1, 30) as f64) * 14.5 + 4.0
}

/// Cuts text to Excel's limits for validation messages.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// An exact value to the nearest `f64` (see [`Number::to_f64`]).
fn to_f64(x: Number) -> Option<f64> {
    Some(x.to_f64()).filter(|f| f.is_finite())
}

fn f64_bound(b: Option<jixiao::ast::Bound>) -> Option<(f64, bool)> {
    b.and_then(|b| to_f64(b.value.into()).map(|v| (v, b.inclusive)))
}

fn decimal_rule(lower: Option<(f64, bool)>, upper: Option<(f64, bool)>) -> Option<DataValidationRule<f64>> {
    Some(match (lower, upper) {
        (None, None) => return None,
        (Some((l, true)), None) => DataValidationRule::GreaterThanOrEqualTo(l),
        (Some((l, false)), None) => DataValidationRule::GreaterThan(l),
        (None, Some((u, true))) => DataValidationRule::LessThanOrEqualTo(u),
        (None, Some((u, false))) => DataValidationRule::LessThan(u),
        // Strict ends of a two-sided range are approximated; reading back checks exactly.
        (Some((l, _)), Some((u, _))) => DataValidationRule::Between(l, u),
    })
}

/// The Excel data validation of a rule, before it is placed at a cell.
#[derive(Clone)]
pub enum Check {
    None,
    /// `AND(…)` of conditions; `{c}` stands for the cell.
    Formula(Vec<String>),
    Decimal(DataValidationRule<f64>),
    Whole(DataValidationRule<i32>),
    List(Vec<String>),
}

/// The number format an input cell of this rule gets.
pub fn number_format(rule: &Rule) -> &'static str {
    match rule {
        Rule::Money { .. } => "#,##0.00",
        Rule::Whole { .. } => "0",
        Rule::Percent { .. } => "0.00%",
        Rule::Decimal { .. } | Rule::Score { .. } => "General",
        Rule::Text { .. } | Rule::YesNo | Rule::Choice(_) | Rule::AsWritten { .. } => "@",
    }
}

/// The data validation an input cell of this rule gets.
pub fn check(rule: &Rule) -> Check {
    match rule {
        Rule::Money { lower, upper } => {
            let mut parts = vec!["ISNUMBER({c})".to_owned(), "ROUND({c},2)={c}".to_owned()];
            if let Some((l, inclusive)) = f64_bound(*lower) {
                parts.push(format!("{{c}}{}{l}", if inclusive { ">=" } else { ">" }));
            }
            if let Some((u, inclusive)) = f64_bound(*upper) {
                parts.push(format!("{{c}}{}{u}", if inclusive { "<=" } else { "<" }));
            }
            Check::Formula(parts)
        }
        Rule::Decimal { lower, upper } | Rule::Percent { lower, upper } => {
            match decimal_rule(f64_bound(*lower), f64_bound(*upper)) {
                Some(r) => Check::Decimal(r),
                None => Check::Formula(vec!["ISNUMBER({c})".to_owned()]),
            }
        }
        Rule::Whole { lower, upper } => {
            let int = |b: Option<jixiao::ast::Bound>, up: bool| {
                b.and_then(|b| {
                    let v = if b.inclusive {
                        b.value
                    } else if up {
                        b.value - Decimal::ONE
                    } else {
                        b.value + Decimal::ONE
                    };
                    let v = if up { v.floor() } else { v.ceil() };
                    v.to_string().parse::<i32>().ok()
                })
            };
            Check::Whole(match (int(*lower, false), int(*upper, true)) {
                (Some(l), Some(u)) => DataValidationRule::Between(l, u),
                (Some(l), None) => DataValidationRule::GreaterThanOrEqualTo(l),
                (None, Some(u)) => DataValidationRule::LessThanOrEqualTo(u),
                (None, None) => DataValidationRule::Between(i32::MIN, i32::MAX),
            })
        }
        Rule::Score { max } => Check::Decimal(DataValidationRule::Between(0.0, to_f64(max.clone()).unwrap_or(0.0))),
        Rule::YesNo => Check::List(vec!["是".into(), "否".into()]),
        // Excel limits a literal list to 255 characters; longer lists are checked on reading.
        Rule::Choice(items)
            if items.iter().map(|i| i.chars().count() + 1).sum::<usize>() <= 250
                && !items.iter().any(|i| i.contains(',')) =>
        {
            Check::List(items.clone())
        }
        Rule::Choice(_) | Rule::Text { .. } | Rule::AsWritten { .. } => Check::None,
    }
}

fn rule_words<T: rust_xlsxwriter::IntoDataValidationValue + std::fmt::Display>(r: &DataValidationRule<T>) -> String {
    match r {
        DataValidationRule::EqualTo(v) => format!("= {v}"),
        DataValidationRule::NotEqualTo(v) => format!("≠ {v}"),
        DataValidationRule::GreaterThan(v) => format!("> {v}"),
        DataValidationRule::GreaterThanOrEqualTo(v) => format!("≥ {v}"),
        DataValidationRule::LessThan(v) => format!("< {v}"),
        DataValidationRule::LessThanOrEqualTo(v) => format!("≤ {v}"),
        DataValidationRule::Between(a, b) => format!("{a} 到 {b}"),
        DataValidationRule::NotBetween(a, b) => format!("不在 {a} 到 {b}"),
    }
}

impl Check {
    /// In words, for the outline: `整数 ≥ 0`, `公式 AND(ISNUMBER(E),…)`, `下拉 是、否`.
    pub fn describe(&self) -> String {
        match self {
            Check::None => "无".into(),
            Check::Formula(parts) => format!("公式 AND({})", parts.join(",").replace("{c}", "■")),
            Check::Decimal(r) => format!("小数 {}", rule_words(r)),
            Check::Whole(r) => format!("整数 {}", rule_words(r)),
            Check::List(items) => format!("下拉 {}", items.join("、")),
        }
    }
}

/// The data validation of a cell (`cell`: its A1 reference, for formulas).
fn validation(field_label: &str, rule: &Rule, note: &str, cell: &str) -> Result<Option<DataValidation>, XlsxError> {
    let v = DataValidation::new();
    let v = match check(rule) {
        Check::None => return Ok(None),
        Check::Formula(parts) => {
            v.allow_custom(Formula::new(format!("=AND({})", parts.join(",").replace("{c}", cell))))
        }
        Check::Decimal(r) => v.allow_decimal_number(r),
        Check::Whole(r) => v.allow_whole_number(r),
        Check::List(items) => {
            let refs: Vec<&str> = items.iter().map(String::as_str).collect();
            v.allow_list_strings(&refs)?
        }
    };
    let message = if note.is_empty() {
        rule.describe()
    } else {
        format!("{}。{note}", rule.describe())
    };
    let v = v
        .set_input_title(cut(field_label, 30))?
        .set_input_message(cut(&message, 250))?
        .set_error_title("填写有误")?
        .set_error_message(cut(&format!("「{field_label}」应填：{}", rule.describe()), 250))?
        .set_error_style(DataValidationErrorStyle::Stop);
    Ok(Some(v))
}

fn protection() -> ProtectionOptions {
    ProtectionOptions {
        format_columns: true,
        format_rows: true,
        insert_rows: true,
        ..ProtectionOptions::new()
    }
}

fn page_setup(ws: &mut Worksheet, landscape: bool) {
    ws.set_paper_size(A4);
    if landscape {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_footer("&C第 &P 页，共 &N 页");
}

/// Writes the template as an `.xlsx` workbook.
pub fn write(t: &Template) -> Result<Vec<u8>, String> {
    write_workbook(t).map_err(xerr)
}

fn write_workbook(t: &Template) -> Result<Vec<u8>, XlsxError> {
    let styles = Styles::new();
    let mut wb = Workbook::new();
    for (i, sheet) in t.sheets.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        if i == 0 {
            ws.set_active(true);
        }
        match &sheet.body {
            Body::Guide(rows) => guide_sheet(ws, &styles, t, sheet, rows)?,
            Body::Form { role, rows } => form_sheet(ws, &styles, sheet, *role, rows)?,
            Body::List(list) => list_sheet(ws, &styles, sheet, list)?,
        }
        // Every printed page names the rule set and the sheet, like the result workbook.
        crate::sheet_print::running_header(ws, &format!("{}（{} 年度）", t.title, t.year));
    }
    meta_sheet(wb.add_worksheet(), &styles, t)?;
    wb.save_to_buffer()
}

fn guide_sheet(
    ws: &mut Worksheet,
    s: &Styles,
    t: &Template,
    sheet: &Sheet,
    rows: &[GuideRow],
) -> Result<(), XlsxError> {
    let widths = [2.0, 16.0, 62.0, 22.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let text_width: f64 = widths[1..].iter().sum();
    ws.merge_range(0, 1, 0, 3, &sheet.title, &s.title)?;
    ws.set_row_height(0, 30)?;
    ws.merge_range(
        1,
        1,
        1,
        3,
        &format!(
            "{}　{} 年度　模板标识 {}",
            sheet.note,
            t.year,
            &t.fingerprint[..12.min(t.fingerprint.len())]
        ),
        &s.note.clone().set_align(FormatAlign::Center),
    )?;
    let mut r: u32 = 3;
    for row in rows {
        match row {
            GuideRow::Heading(h) => {
                ws.write_string_with_format(r, 1, h, &s.heading)?;
                ws.set_row_height(r, 20)?;
                r += 1;
            }
            GuideRow::Text(text) => {
                ws.merge_range(r, 1, r, 3, text, &s.text)?;
                ws.set_row_height(r, height(lines(text, text_width)))?;
                r += 1;
            }
            GuideRow::Blank => r += 1,
            GuideRow::Table(header, body) => {
                let last = header.len().clamp(1, 3) as u16;
                for (c, h) in header.iter().enumerate().take(3) {
                    ws.write_string_with_format(r, 1 + c as u16, h, &s.header)?;
                }
                r += 1;
                for cells in body {
                    let mut max_lines = 1;
                    for (c, text) in cells.iter().enumerate().take(3) {
                        let col = 1 + c as u16;
                        // The last cell of a two-column table spans the rest of the width.
                        if col == last && last < 3 {
                            ws.merge_range(r, col, r, 3, text, &s.cell)?;
                            max_lines = max_lines.max(lines(text, widths[col as usize..].iter().sum()));
                        } else {
                            ws.write_string_with_format(r, col, text, &s.cell)?;
                            max_lines = max_lines.max(lines(text, widths[col as usize]));
                        }
                    }
                    ws.set_row_height(r, height(max_lines))?;
                    r += 1;
                }
            }
        }
    }
    ws.protect_with_options(&protection());
    page_setup(ws, false);
    Ok(())
}

fn form_sheet(
    ws: &mut Worksheet,
    s: &Styles,
    sheet: &Sheet,
    role: FormRole,
    rows: &[FormRow],
) -> Result<(), XlsxError> {
    ws.set_column_width(COL_KEY, 12)?;
    ws.set_column_hidden(COL_KEY)?;
    for (i, w) in FORM_WIDTHS.iter().enumerate() {
        ws.set_column_width(COL_NUMBER + i as u16, *w)?;
    }
    ws.write_string_with_format(0, COL_KEY, role.marker(), &s.key)?;
    ws.merge_range(0, COL_NUMBER, 0, COL_NOTE, &sheet.title, &s.title)?;
    ws.set_row_height(0, 30)?;
    ws.merge_range(1, COL_NUMBER, 1, COL_NOTE, &sheet.note, &s.note)?;
    ws.set_row_height(1, height(lines(&sheet.note, FORM_WIDTHS.iter().sum())))?;
    ws.write_string_with_format(2, COL_KEY, HEADER_KEY, &s.key)?;
    for (c, h) in ["序号", "项目", "计量单位", role.value_header(), "说明"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(2, COL_NUMBER + c as u16, *h, &s.header)?;
    }
    ws.set_row_height(2, 20)?;
    for (r, row) in (3u32..).zip(rows) {
        match row {
            FormRow::Section(title) => {
                ws.write_string_with_format(r, COL_KEY, SECTION_KEY, &s.key)?;
                ws.merge_range(r, COL_NUMBER, r, COL_NOTE, title, &s.section)?;
                ws.set_row_height(r, 20)?;
            }
            FormRow::Note(text) => {
                ws.merge_range(r, COL_NUMBER, r, COL_NOTE, text, &s.note)?;
            }
            FormRow::Field(f) => field_row(ws, s, r, f)?,
        }
    }
    ws.set_freeze_panes(3, 0)?;
    ws.set_repeat_rows(2, 2)?;
    ws.protect_with_options(&protection());
    page_setup(ws, false);
    Ok(())
}

fn field_row(ws: &mut Worksheet, s: &Styles, r: u32, f: &Field) -> Result<(), XlsxError> {
    ws.write_string_with_format(r, COL_KEY, &f.key, &s.key)?;
    if f.number > 0 {
        ws.write_number_with_format(r, COL_NUMBER, f.number as f64, &s.number)?;
    } else {
        ws.write_string_with_format(r, COL_NUMBER, "", &s.number)?;
    }
    let label = if f.required && f.filler == Filler::Unit {
        format!("{}＊", f.label)
    } else {
        f.label.clone()
    };
    let indent = (f.indent as usize).min(s.label.len() - 1);
    ws.write_string_with_format(r, COL_LABEL, &label, &s.label[indent])?;
    ws.write_string_with_format(r, COL_UNIT, &f.unit, &s.unit)?;
    let note = if f.filler == Filler::Bureau {
        format!("【财政局填写】{}", f.note)
    } else {
        f.note.clone()
    };
    ws.write_string_with_format(r, COL_NOTE, &note, &s.remark)?;
    let input = s.input(&f.rule, f.filler);
    match &f.value {
        None => {
            ws.write_blank(r, COL_VALUE, &input)?;
        }
        Some(FillValue::Text(t)) => {
            ws.write_string_with_format(r, COL_VALUE, t, &input)?;
        }
        Some(FillValue::Number(n)) => match to_f64(n.clone()) {
            Some(x) => {
                ws.write_number_with_format(r, COL_VALUE, x, &input)?;
            }
            None => {
                ws.write_string_with_format(r, COL_VALUE, n.to_string(), &input)?;
            }
        },
    }
    let cell = format!("{}{}", crate::batch::cells::column_letters(COL_VALUE as usize), r + 1);
    if let Some(v) = validation(&f.label, &f.rule, &f.note, &cell)? {
        ws.add_data_validation(r, COL_VALUE, r, COL_VALUE, &v)?;
    }
    let value_lines = match (&f.rule, &f.value) {
        (_, Some(FillValue::Text(t))) => lines(t, FORM_WIDTHS[3]),
        (Rule::Text { long: true }, None) => 4,
        _ => 1,
    };
    let note_lines = lines(&note, FORM_WIDTHS[4] * 1.15).max(lines(&label, FORM_WIDTHS[1]));
    ws.set_row_height(r, height(value_lines.max(note_lines)))?;
    Ok(())
}

fn list_sheet(ws: &mut Worksheet, s: &Styles, sheet: &Sheet, list: &ListSheet) -> Result<(), XlsxError> {
    ws.set_column_width(0, 12)?;
    ws.set_column_hidden(0)?;
    for (i, w) in LIST_WIDTHS.iter().enumerate() {
        ws.set_column_width(1 + i as u16, *w)?;
    }
    let last = LIST_COLUMNS.len() as u16;
    ws.write_string_with_format(0, 0, list_marker(&list.name), &s.key)?;
    ws.merge_range(0, 1, 0, last, &sheet.title, &s.title)?;
    ws.set_row_height(0, 30)?;
    ws.merge_range(1, 1, 1, last, &sheet.note, &s.note)?;
    ws.set_row_height(1, height(lines(&sheet.note, LIST_WIDTHS.iter().sum())))?;
    ws.write_string_with_format(2, 0, HEADER_KEY, &s.key)?;
    for (c, (h, _)) in LIST_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(2, 1 + c as u16, *h, &s.header)?;
    }
    ws.set_row_height(2, 30)?;
    let text = s.input(&Rule::Text { long: true }, Filler::Unit);
    let choice = s.input(&Rule::YesNo, Filler::Unit);
    let first: u32 = 3;
    let rows = list.rows.max(list.items.len()).max(1);
    for i in 0..rows {
        let r = first + i as u32;
        ws.write_number_with_format(r, 1, (i + 1) as f64, &s.number)?;
        let item = list.items.get(i);
        let cells = [
            item.map(|t| t.category.as_str()),
            item.map(|t| t.name.as_str()),
            item.map(|t| t.target.as_str()),
            item.map(|t| t.actual.as_str()),
            item.and_then(|t| t.met).map(|m| if m { "是" } else { "否" }),
        ];
        let mut max_lines = 1;
        for (c, value) in cells.iter().enumerate() {
            let col = 2 + c as u16;
            let format = if c == 0 || c == 4 { &choice } else { &text };
            match value {
                Some(v) if !v.is_empty() => {
                    ws.write_string_with_format(r, col, *v, format)?;
                    max_lines = max_lines.max(lines(v, LIST_WIDTHS[col as usize - 1]));
                }
                _ => {
                    ws.write_blank(r, col, format)?;
                }
            }
        }
        ws.set_row_height(r, height(max_lines) + 8.0)?;
    }
    let last_row = first + rows as u32 - 1;
    if !list.categories.is_empty() {
        if let Some(v) = validation(
            "类别",
            &Rule::Choice(list.categories.clone()),
            "",
            &format!("C{}", first + 1),
        )? {
            ws.add_data_validation(first, 2, last_row, 2, &v)?;
        }
    }
    if let Some(v) = validation(
        "达成",
        &Rule::YesNo,
        "目标或实际不是数值（定性目标）时填写；数值目标由程序按目标值和实际值判断",
        &format!("G{}", first + 1),
    )? {
        ws.add_data_validation(first, 6, last_row, 6, &v)?;
    }
    ws.set_freeze_panes(3, 0)?;
    ws.set_repeat_rows(2, 2)?;
    ws.protect_with_options(&protection());
    page_setup(ws, true);
    Ok(())
}

fn meta_sheet(ws: &mut Worksheet, s: &Styles, t: &Template) -> Result<(), XlsxError> {
    ws.set_name(META_SHEET)?;
    ws.write_string_with_format(0, 0, META_MARKER, &s.key)?;
    let rows = [
        (META_VERSION, FORMAT_VERSION.to_owned()),
        (META_TITLE, t.title.clone()),
        (META_YEAR, t.year.to_string()),
        (META_ISSUER, t.issuer.clone()),
        (META_SHA, t.rules_sha256.clone()),
        (META_FINGERPRINT, t.fingerprint.clone()),
        ("生成程序", format!("jixiao {}", env!("CARGO_PKG_VERSION"))),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        ws.write_string_with_format(1 + i as u32, 0, *k, &s.key)?;
        ws.write_string_with_format(1 + i as u32, 1, v, &s.key)?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 70)?;
    ws.protect();
    ws.set_very_hidden(true);
    Ok(())
}

/// A workbook listing problems found in returned files (`jixiao validate -o 问题.xlsx`).
pub fn problems_workbook(problems: &[Problem]) -> Result<Vec<u8>, String> {
    (|| -> Result<Vec<u8>, XlsxError> {
        let s = Styles::new();
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("填报问题")?;
        let headers = Problem::COLUMNS;
        let widths = [6.0, 28.0, 24.0, 12.0, 8.0, 24.0, 20.0, 60.0, 14.0];
        for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
            ws.set_column_width(c as u16, w)?;
            ws.write_string_with_format(0, c as u16, *h, &s.header)?;
        }
        for (i, p) in problems.iter().enumerate() {
            let r = 1 + i as u32;
            let cells = p.columns();
            let mut max_lines = 1;
            for (c, text) in cells.iter().enumerate() {
                ws.write_string_with_format(r, c as u16, text, &s.cell)?;
                max_lines = max_lines.max(lines(text, widths[c]));
            }
            ws.set_row_height(r, height(max_lines))?;
        }
        ws.set_freeze_panes(1, 0)?;
        if !problems.is_empty() {
            ws.autofilter(0, 0, problems.len() as u32, headers.len() as u16 - 1)?;
        }
        page_setup(ws, true);
        wb.save_to_buffer()
    })()
    .map_err(xerr)
}
