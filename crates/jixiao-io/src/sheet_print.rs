//! How the workbooks print (the result workbook and the fill-in template): A4 landscape,
//! the header row repeated on every page and the columns that name the unit repeated at
//! the left, fitted to the width of the page (or of a few pages, for a table too wide to
//! be read on one), a running header with the rule set and the sheet, page numbers in the
//! footer; and columns as wide as what they hold, counting a Chinese character as two.

use rust_xlsxwriter::{ColNum, RowNum, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

/// Excel's paper size code for A4.
const A4: u8 = 9;

/// The width a landscape A4 page prints, in Excel's column-width units at 100 %: 297 mm
/// less the margins (1.5 cm each side) is 266 mm, about 7.5 pixels a unit at 96 dpi.
const PAGE_UNITS: f64 = 134.0;

/// A table too wide for one page is spread over pages across so that it prints at
/// no less than this scale.
const MIN_SCALE: f64 = 0.7;

/// What to repeat on every printed page of a sheet, and what to name in its header.
pub struct PrintSetup<'a> {
    /// `标题（年度）`, at the left of every page's header.
    pub title: &'a str,
    /// The header rows repeated at the top of every page (first, last).
    pub header_rows: Option<(RowNum, RowNum)>,
    /// The columns that name the unit, repeated at the left of every page (first, last).
    pub name_columns: Option<(ColNum, ColNum)>,
}

/// Sets up `ws` to print: A4 landscape, the repeated rows and columns, fitted to
/// [`pages_across`] pages wide for `widths` (the columns' widths), any number of pages
/// down, a header with the title and the sheet's name and a footer with the page number.
pub fn setup(ws: &mut Worksheet, setup: &PrintSetup, widths: &[f64]) -> Result<(), XlsxError> {
    ws.set_paper_size(A4);
    ws.set_landscape();
    ws.set_margins(0.6, 0.6, 0.75, 0.6, 0.3, 0.3);
    if let Some((first, last)) = setup.header_rows {
        ws.set_repeat_rows(first, last)?;
    }
    let repeated = match setup.name_columns {
        Some((first, last)) => {
            ws.set_repeat_columns(first, last)?;
            widths
                .iter()
                .skip(first as usize)
                .take((last - first + 1) as usize)
                .sum()
        }
        None => 0.0,
    };
    let across = pages_across(widths.iter().sum::<f64>() - repeated, repeated);
    ws.set_print_fit_to_pages(across, 0);
    // Over, then down: every column of the first units before the next units.
    ws.set_page_order(false);
    running_header(ws, setup.title);
    ws.set_footer("&C第 &[Page] 页，共 &[Pages] 页");
    Ok(())
}

/// The header of every printed page: `title` at the left, the sheet's name at the right.
pub fn running_header(ws: &mut Worksheet, title: &str) {
    ws.set_header(format!("&L{}&R&[Tab]", header_text(title)));
}

/// How many pages wide a table of `body` units (besides `repeated` units of name columns
/// printed on every page) must be to print at [`MIN_SCALE`] or larger.
pub fn pages_across(body: f64, repeated: f64) -> u16 {
    let room = PAGE_UNITS / MIN_SCALE - repeated;
    if room <= 0.0 || body <= 0.0 {
        return 1;
    }
    ((body / room).ceil() as u16).max(1)
}

/// A header text: `&` is Excel's code character, and a header holds 255 characters.
fn header_text(text: &str) -> String {
    text.chars().take(100).collect::<String>().replace('&', "&&")
}

/// Each column's width, from what it holds: the widest line of any cell (a Chinese
/// character counts two), between a floor and a ceiling (past it the cell wraps).
#[derive(Debug, Clone)]
pub struct ColumnWidths {
    widths: Vec<f64>,
}

impl ColumnWidths {
    /// Starts from the headers, which wrap over up to three lines.
    pub fn new<S: AsRef<str>>(headers: &[S]) -> ColumnWidths {
        ColumnWidths {
            widths: headers
                .iter()
                .map(|h| {
                    let w = text_width(h.as_ref());
                    (w / 3.0).ceil().max(longest_word(h.as_ref()))
                })
                .collect(),
        }
    }

    /// A cell's text in column `col`.
    pub fn see(&mut self, col: usize, text: &str) {
        if col >= self.widths.len() {
            self.widths.resize(col + 1, 0.0);
        }
        let w = text_width(text);
        if w > self.widths[col] {
            self.widths[col] = w;
        }
    }

    /// The width seen so far in `col`.
    pub fn current(&self, col: usize) -> f64 {
        self.widths.get(col).copied().unwrap_or(0.0)
    }

    /// The widths to set, with padding, each within `floor..=ceiling` (`ceiling(col)`
    /// may differ by column: a column of long texts wraps).
    pub fn finish(&self, floor: f64, ceiling: impl Fn(usize) -> f64) -> Vec<f64> {
        self.widths
            .iter()
            .enumerate()
            .map(|(c, w)| (w + 2.0).clamp(floor, ceiling(c).max(floor)))
            .collect()
    }
}

/// Sets the columns' widths.
pub fn apply_widths(ws: &mut Worksheet, widths: &[f64]) -> Result<(), XlsxError> {
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(ColNum::try_from(c).unwrap_or(ColNum::MAX), *w)?;
    }
    Ok(())
}

/// The widest line of `text` in columns (a CJK character is two).
pub fn text_width(text: &str) -> f64 {
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0) as f64
}

/// A header wraps at spaces and between Chinese characters, never inside a word of
/// Latin letters or digits.
fn longest_word(text: &str) -> f64 {
    text.split(|c: char| c.is_whitespace() || !c.is_ascii())
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_count_twice() {
        assert_eq!(text_width("units.csv 第 3 行"), 17.0);
        assert_eq!(text_width("一行\n两行很长"), 8.0);
        let mut w = ColumnWidths::new(&["序号", "错误原因"]);
        w.see(1, "第 3 行「编制人数」列：应为数字");
        w.see(0, "7");
        let widths = w.finish(6.0, |c| if c == 1 { 30.0 } else { 60.0 });
        assert_eq!(widths[0], 6.0);
        assert_eq!(widths[1], 30.0, "capped: the cell wraps");
    }

    #[test]
    fn a_wide_table_spreads_over_pages_across() {
        assert_eq!(pages_across(100.0, 20.0), 1);
        assert_eq!(pages_across(700.0, 60.0), 6);
        assert_eq!(pages_across(0.0, 0.0), 1);
    }
}
