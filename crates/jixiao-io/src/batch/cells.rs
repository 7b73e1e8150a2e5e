//! A spreadsheet cell as the batch readers, the workbook streamer and the template
//! read-back all see it, and Excel's column letters.
//!
//! Workbook numbers arrive as `f64` and are written as their shortest round-trip text:
//! that text is the number Excel displays and stores (15–17 significant digits), so
//! turning it into a decimal is exact for every value a person typed.

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A cell's content before it is given to a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Blank,
    Text(String),
    /// A number's exact text.
    Number(String),
    Bool(bool),
    /// A date, an error value (`#DIV/0!`) …, as text for messages.
    Other(String),
}

/// A cell's text, for messages and text fields.
pub(crate) fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Blank => String::new(),
        Cell::Text(s) | Cell::Number(s) | Cell::Other(s) => s.clone(),
        Cell::Bool(b) => (if *b { "是" } else { "否" }).to_owned(),
    }
}

/// A text cell, trimmed; blank when only spaces.
pub(crate) fn text_cell(s: &str) -> Cell {
    let t = s.trim();
    if t.is_empty() {
        Cell::Blank
    } else {
        Cell::Text(t.to_owned())
    }
}

/// A workbook cell. Numbers: see this module's documentation for why this is exact.
pub(crate) fn data_cell(d: &calamine::Data) -> Cell {
    use calamine::Data;
    match d {
        Data::Empty => Cell::Blank,
        Data::String(s) => text_cell(s),
        Data::Int(i) => Cell::Number(i.to_string()),
        Data::Float(f) if f.is_finite() => Cell::Number(format!("{f}")),
        Data::Float(f) => Cell::Other(format!("{f}")),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => Cell::Other(dt.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Other(s.clone()),
        Data::Error(e) => Cell::Other(e.to_string()),
    }
}
