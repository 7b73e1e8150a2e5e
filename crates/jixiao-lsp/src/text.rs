//! Positions: byte offsets (what jixiao's spans are) ↔ LSP line/character positions in
//! the negotiated encoding (UTF-16 code units by default, UTF-8 bytes when the client
//! offers it). Chinese characters are 3 bytes in UTF-8 and 1 unit in UTF-16, so the two
//! differ on almost every line of a rule file.

use jixiao::source::Span;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// How `Position::character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    pub fn lsp_kind(self) -> lsp_types::PositionEncodingKind {
        match self {
            Encoding::Utf8 => lsp_types::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp_types::PositionEncodingKind::UTF16,
        }
    }

    /// UTF-8 if the client lists it, else UTF-16 (which every client supports).
    pub fn negotiate(offered: Option<&[lsp_types::PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&lsp_types::PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }
}

/// Line starts of one text, for converting in both directions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    encoding: Encoding,
}

impl LineIndex {
    pub fn new(text: &str, encoding: Encoding) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts, encoding }
    }

    /// The position of a byte offset (clamped to the text, moved back to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let before = &text[self.starts[line]..offset];
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of a position; past the end of a line means the line's end.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).map_or(text.len(), |&next| next - 1);
        let line_text = &text[start..end];
        let mut units = 0usize;
        for (i, c) in line_text.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        end
    }

    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(self.position(text, span.start), self.position(text, span.end))
    }

    pub fn span(&self, text: &str, range: Range) -> Span {
        Span::new(self.offset(text, range.start), self.offset(text, range.end))
    }
}

/// Byte offsets ↔ UTF-16 offsets into the whole text (what a browser's string indexes
/// are), for the workbench's editor page.
#[derive(Debug, Clone)]
pub struct Utf16Index {
    lines: LineIndex,
    /// The UTF-16 offset of each line's start.
    starts: Vec<usize>,
}

impl Utf16Index {
    pub fn new(text: &str) -> Utf16Index {
        let lines = LineIndex::new(text, Encoding::Utf16);
        let mut starts = Vec::with_capacity(lines.starts.len());
        let mut units = 0;
        let mut prev = 0;
        for &s in &lines.starts {
            units += text[prev..s].encode_utf16().count();
            starts.push(units);
            prev = s;
        }
        Utf16Index { lines, starts }
    }

    /// The UTF-16 offset of a byte offset (clamped, moved back to a char boundary).
    pub fn to_utf16(&self, text: &str, offset: usize) -> usize {
        let p = self.lines.position(text, offset);
        self.starts[p.line as usize] + p.character as usize
    }

    /// The byte offset of a UTF-16 offset (clamped to the text; inside a surrogate pair,
    /// the character's start).
    pub fn to_byte(&self, text: &str, units: usize) -> usize {
        let line = self.starts.partition_point(|&s| s <= units).max(1) - 1;
        let position = Position::new(line as u32, (units - self.starts[line]) as u32);
        let byte = self.lines.offset(text, position);
        // `offset` moves past a character it lands inside; a browser's offset inside a
        // surrogate pair means that character.
        let back = text[..byte].chars().next_back().filter(|c| {
            let start = byte - c.len_utf8();
            self.to_utf16(text, start) < units && units < self.to_utf16(text, byte)
        });
        back.map_or(byte, |c| byte - c.len_utf8())
    }
}

/// A rule file's text as jixiao sees it: CR LF as LF (what `SourceFile::new` does), so
/// spans from the checker index this text. Only the CRs before LFs go, so every line
/// keeps its number and every character before a line end keeps its column.
pub fn normalize(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    }
}

/// Applies one `didChange` event (a whole new text, or a range replaced).
pub fn apply_change(text: &mut String, change: &TextDocumentContentChangeEvent, encoding: Encoding) {
    match change.range {
        None => *text = normalize(&change.text),
        Some(range) => {
            let index = LineIndex::new(text, encoding);
            let span = index.span(text, range);
            let (start, end) = (span.start.min(span.end), span.end.max(span.start));
            text.replace_range(start..end, &change.text);
            *text = normalize(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_before_the_offset() {
        let text = "标题 \"岳阳\"\n输入 编制人数: 人\n";
        let offset = text.find("人数").unwrap();
        let utf16 = LineIndex::new(text, Encoding::Utf16);
        assert_eq!(utf16.position(text, offset), Position::new(1, 5));
        assert_eq!(utf16.offset(text, Position::new(1, 5)), offset);
        let utf8 = LineIndex::new(text, Encoding::Utf8);
        assert_eq!(utf8.position(text, offset), Position::new(1, 13));
        assert_eq!(utf8.offset(text, Position::new(1, 13)), offset);
        // Past the end of a line: the line's end, not the next line.
        assert_eq!(utf16.offset(text, Position::new(0, 99)), text.find('\n').unwrap());
        // Past the last line: the end of the text.
        assert_eq!(utf16.offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn astral_characters_are_two_utf16_units() {
        let text = "𠀀名";
        let index = LineIndex::new(text, Encoding::Utf16);
        assert_eq!(index.position(text, 4), Position::new(0, 2));
        assert_eq!(index.offset(text, Position::new(0, 2)), 4);
    }

    #[test]
    fn utf16_offsets_of_the_whole_text() {
        let text = "标题 \"𠀀\"\n输入 甲: 人\n";
        let index = Utf16Index::new(text);
        let jia = text.find('甲').unwrap();
        // 标题 "𠀀"\n = 2 + 1 + 1 + 2 + 1 + 1 = 8 units, then 输入 + space = 3.
        assert_eq!(index.to_utf16(text, jia), 11);
        assert_eq!(index.to_byte(text, 11), jia);
        assert_eq!(index.to_utf16(text, text.len()), text.encode_utf16().count());
        assert_eq!(index.to_byte(text, 999), text.len());
        // Inside the surrogate pair of 𠀀: the character's start.
        let astral = text.find('𠀀').unwrap();
        assert_eq!(index.to_byte(text, 5), astral);
        for (i, _) in text.char_indices() {
            assert_eq!(index.to_byte(text, index.to_utf16(text, i)), i);
        }
    }

    #[test]
    fn range_changes_apply() {
        let mut text = "输入 甲: 人\n".to_owned();
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(0, 3), Position::new(0, 4))),
            range_length: None,
            text: "乙丙".into(),
        };
        apply_change(&mut text, &change, Encoding::Utf16);
        assert_eq!(text, "输入 乙丙: 人\n");
    }
}
