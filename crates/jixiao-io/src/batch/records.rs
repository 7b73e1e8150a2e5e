//! CSV records with the physical lines they came from.
//!
//! The rule (README and docs/clerk-guide.md say the same in Chinese):
//!
//! * A line ends at LF, CRLF or a lone CR. Lines are numbered from 1; every line belongs
//!   to exactly one record, so line numbers in messages are the lines an editor shows.
//! * A record is one line, split at the delimiter (`,`, or the tab/`;` found in the
//!   header). An empty line is a record with one empty cell (a blank row).
//! * A cell that *begins* with `"` is quoted: `""` inside is one quote, and the cell ends
//!   at a `"` followed (after spaces) by the delimiter or the end of the line.
//! * A quoted cell may hold line breaks, and then the record spans several lines, but
//!   only if it closes cleanly within [`MAX_CELL_LINES`] lines and [`MAX_RECORD_BYTES`]
//!   bytes, none of the lines it takes after its first looks like a row (holds half as
//!   many delimiters as the header, or more), and the record then has no more cells
//!   than the header. Otherwise (a
//!   stray `"见附件`, a quote that never closes, a `"` followed by more text) the quote
//!   is read as an ordinary character, the record is just its first line, and
//!   [`Record::broken`] names the cell, so the row is an error that says so. A stray
//!   quote can therefore never swallow the rows after it.
//! * A line longer than [`MAX_LINE_BYTES`] (1 MiB) is cut there (the rest of it is skipped) and
//!   marked [`Record::too_long`]: memory stays bounded on any file.

use std::io::{self, Read};

/// Lines one quoted cell may span.
pub const MAX_CELL_LINES: usize = 100;
/// Bytes one record spanning several lines may have.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// Bytes one line may have.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Bytes of records held in one chunk of rows (both batch paths): with the line limit,
/// memory stays bounded however long the lines are.
pub const CHUNK_BYTES: usize = 64 << 20;
/// A record buffer that grew past this is given back after use rather than kept.
pub const KEEP_BYTES: usize = 64 << 10;

/// What is known about one record besides its cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Record {
    /// The physical line the record starts on (1-based).
    pub line: usize,
    /// How many physical lines it spans (1 unless a quoted cell holds line breaks).
    pub lines: usize,
    /// The 0-based cell whose opening quote does not close cleanly (the first one).
    pub broken: Option<usize>,
    /// The line was longer than [`MAX_LINE_BYTES`]; its end was not read.
    pub too_long: bool,
}

/// Reads records from UTF-8 bytes (already decoded).
pub struct Reader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    delimiter: u8,
    /// The header's cell count: a record spanning lines must have exactly this many.
    expected: Option<usize>,
    /// Physical lines consumed so far.
    lines: usize,
    scratch: Vec<u8>,
    /// Look for `�` (bytes the decoder could not read): off for clean UTF-8 files.
    watch: bool,
    /// Records holding a `�`, and the line of the first.
    replaced: usize,
    first_replaced: usize,
}

enum Scan {
    /// The buffer ends before the record does.
    More,
    /// The record is complete: bytes consumed (with its line end), lines spanned, and
    /// whether it could be read with quotes spanning lines.
    Done {
        used: usize,
        lines: usize,
        broken: Option<usize>,
    },
}

impl<R: Read> Reader<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        Reader {
            inner,
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            eof: false,
            delimiter,
            expected: None,
            lines: 0,
            scratch: Vec::new(),
            watch: false,
            replaced: 0,
            first_replaced: 0,
        }
    }

    /// Counts the records holding `�` (for a file whose decoding replaced bytes).
    pub fn watch_replacements(&mut self) {
        self.watch = true;
    }

    /// Records holding `�` so far, and the line of the first (0 when none).
    pub fn replaced(&self) -> (usize, usize) {
        (self.replaced, self.first_replaced)
    }

    fn note_replacement(&mut self, bytes_at: (usize, usize), line: usize) {
        if self.watch && memchr::memmem::find(&self.buf[bytes_at.0..bytes_at.1], "\u{FFFD}".as_bytes()).is_some() {
            self.replaced += 1;
            if self.first_replaced == 0 {
                self.first_replaced = line;
            }
        }
    }

    pub fn set_expected(&mut self, cells: usize) {
        self.expected = Some(cells);
    }

    /// Physical lines read so far.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// Reads more bytes after `end` (moving the pending ones to the front, growing the
    /// buffer when a record needs it). `false` at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).min(MAX_LINE_BYTES + 64 * 1024);
            if grown <= self.buf.len() {
                return Ok(false);
            }
            self.buf.resize(grown, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The next record into `out`; `None` at the end of the input.
    pub fn read(&mut self, out: &mut csv::ByteRecord) -> io::Result<Option<Record>> {
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(None);
            }
            let data = &self.buf[self.start..self.end];
            let eof = self.eof;
            // A later line of a quoted cell with this many delimiters is a row of its own.
            let row_like = self.expected.map_or(usize::MAX, |n| (n / 2).max(2));
            match scan(data, eof, self.delimiter, row_like, &mut self.scratch, out) {
                Scan::More => {
                    let pending = self.end - self.start;
                    let line_len = line_end(data).map_or(pending, |(n, _)| n);
                    if line_len > MAX_LINE_BYTES {
                        return Ok(Some(self.cut_long_line(out)?));
                    }
                    if pending > MAX_RECORD_BYTES && line_end(data).is_some() {
                        // A quoted cell runs past the limit: read the first line on its own.
                        return Ok(Some(self.single_line(out)));
                    }
                    if !self.fill()? && !self.eof {
                        return Ok(Some(self.cut_long_line(out)?));
                    }
                }
                Scan::Done { used, lines, broken } => {
                    let spans = lines > 1;
                    let shape_ok = !spans || self.expected.is_none_or(|n| out.len() <= n);
                    if broken.is_some() || !shape_ok {
                        return Ok(Some(self.single_line(out)));
                    }
                    let line = self.lines + 1;
                    self.note_replacement((self.start, self.start + used), line);
                    self.lines += lines;
                    self.start += used;
                    return Ok(Some(Record {
                        line,
                        lines,
                        broken: None,
                        too_long: false,
                    }));
                }
            }
        }
    }

    /// The first pending line as a record by itself, its quotes read leniently.
    fn single_line(&mut self, out: &mut csv::ByteRecord) -> Record {
        let data = &self.buf[self.start..self.end];
        let (len, used) = line_end(data).unwrap_or((data.len(), data.len()));
        let line = &data[..len];
        let broken = match scan(line, true, self.delimiter, 0, &mut self.scratch, out) {
            Scan::Done { broken, .. } => broken,
            Scan::More => None,
        };
        self.lines += 1;
        self.note_replacement((self.start, self.start + len), self.lines);
        self.start += used;
        Record {
            line: self.lines,
            lines: 1,
            broken,
            too_long: false,
        }
    }

    /// A line past [`MAX_LINE_BYTES`]: its beginning as a record, the rest skipped.
    fn cut_long_line(&mut self, out: &mut csv::ByteRecord) -> io::Result<Record> {
        let keep = MAX_LINE_BYTES.min(self.end - self.start);
        let head = &self.buf[self.start..self.start + keep];
        let broken = match scan(head, true, self.delimiter, 0, &mut self.scratch, out) {
            Scan::Done { broken, .. } => broken,
            Scan::More => None,
        };
        self.lines += 1;
        let line = self.lines;
        // Skip to the end of this line.
        self.start += keep;
        loop {
            let data = &self.buf[self.start..self.end];
            if let Some((_, used)) = line_end(data) {
                // A CR at the very end of the buffer may be the first half of a CRLF.
                if !(data.get(used - 1) == Some(&b'\r') && used == data.len() && !self.eof) {
                    self.start += used;
                    break;
                }
            } else {
                self.start = self.end;
            }
            if !self.fill()? {
                self.start = self.end;
                break;
            }
        }
        Ok(Record {
            line,
            lines: 1,
            broken,
            too_long: true,
        })
    }
}

/// The first line of `data`: (its length without the line end, with it). `None` when no
/// line end is in `data`.
fn line_end(data: &[u8]) -> Option<(usize, usize)> {
    let i = memchr::memchr2(b'\n', b'\r', data)?;
    let used = if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') {
        i + 2
    } else {
        i + 1
    };
    Some((i, used))
}

/// Splits one record off the front of `data` into `out`.
///
/// `row_like` > 0: quoted cells may hold line breaks (but no line with `row_like`
/// delimiters after the first); a quote that does not close cleanly makes the record
/// `broken` (the caller then reads the line alone). 0: `data` is one line and such a
/// quote is an ordinary character (still reported as `broken`).
fn scan(
    data: &[u8],
    eof: bool,
    delimiter: u8,
    row_like: usize,
    scratch: &mut Vec<u8>,
    out: &mut csv::ByteRecord,
) -> Scan {
    out.clear();
    let spanning = row_like > 0;
    let mut pos = 0;
    let mut lines = 1;
    let mut broken = None;
    loop {
        let cell = out.len();
        if data.get(pos) == Some(&b'"') {
            match quoted(&data[pos + 1..], eof, delimiter, row_like, scratch) {
                Quoted::More => return Scan::More,
                Quoted::Closed { used, breaks } => {
                    out.push_field(scratch);
                    pos += 1 + used;
                    lines += breaks;
                }
                Quoted::Broken => {
                    if spanning {
                        return Scan::Done {
                            used: 0,
                            lines: 1,
                            broken: Some(cell),
                        };
                    }
                    broken.get_or_insert(cell);
                    // The quote is an ordinary character: the cell runs to the delimiter.
                    let rest = &data[pos..];
                    let n = memchr::memchr3(delimiter, b'\n', b'\r', rest).unwrap_or(rest.len());
                    out.push_field(&rest[..n]);
                    pos += n;
                }
            }
        } else {
            let rest = &data[pos..];
            match memchr::memchr3(delimiter, b'\n', b'\r', rest) {
                Some(n) => {
                    out.push_field(&rest[..n]);
                    pos += n;
                }
                None if eof => {
                    out.push_field(rest);
                    pos = data.len();
                }
                None => return Scan::More,
            }
        }
        // After a cell: the delimiter, a line end, or the end of the input.
        match data.get(pos) {
            Some(&b) if b == delimiter => pos += 1,
            Some(b'\r') if pos + 1 == data.len() && !eof => return Scan::More,
            Some(b'\r') if data.get(pos + 1) == Some(&b'\n') => {
                return Scan::Done {
                    used: pos + 2,
                    lines,
                    broken,
                }
            }
            Some(b'\r' | b'\n') => {
                return Scan::Done {
                    used: pos + 1,
                    lines,
                    broken,
                }
            }
            // Not reached (a cell ends only at one of those); read on as if it were one.
            Some(_) => pos += 1,
            None if eof => {
                return Scan::Done {
                    used: pos,
                    lines,
                    broken,
                }
            }
            None => return Scan::More,
        }
    }
}

enum Quoted {
    More,
    /// Bytes used after the opening quote (through the closing quote and any spaces),
    /// and line breaks inside.
    Closed {
        used: usize,
        breaks: usize,
    },
    Broken,
}

/// The rest of a quoted cell (after its opening quote), unescaped into `scratch`.
fn quoted(data: &[u8], eof: bool, delimiter: u8, row_like: usize, scratch: &mut Vec<u8>) -> Quoted {
    scratch.clear();
    let spanning = row_like > 0;
    let mut pos = 0;
    let mut breaks = 0;
    // Delimiters on the current line of the cell (counted after its first line).
    let mut on_line = 0;
    loop {
        let rest = &data[pos..];
        let Some(n) = memchr::memchr3(b'"', b'\n', b'\r', rest) else {
            return if eof || !spanning { Quoted::Broken } else { Quoted::More };
        };
        scratch.extend_from_slice(&rest[..n]);
        if breaks > 0 {
            on_line += rest[..n].iter().filter(|&&b| b == delimiter).count();
            if on_line >= row_like {
                return Quoted::Broken;
            }
        }
        pos += n;
        match data[pos] {
            b'"' => match data.get(pos + 1) {
                Some(b'"') => {
                    scratch.push(b'"');
                    pos += 2;
                }
                None if !eof && spanning => return Quoted::More,
                _ => {
                    // A closing quote: spaces may follow, then the delimiter or a line end.
                    let mut end = pos + 1;
                    while matches!(data.get(end), Some(b' ' | b'\t')) && delimiter != data[end] {
                        end += 1;
                    }
                    return match data.get(end) {
                        Some(&b) if b == delimiter || b == b'\n' || b == b'\r' => Quoted::Closed { used: end, breaks },
                        None if eof || !spanning => Quoted::Closed { used: end, breaks },
                        None => Quoted::More,
                        Some(_) => Quoted::Broken,
                    };
                }
            },
            _ if !spanning => return Quoted::Broken,
            b => {
                breaks += 1;
                if breaks >= MAX_CELL_LINES {
                    return Quoted::Broken;
                }
                if b == b'\r' && data.get(pos + 1) == Some(&b'\n') {
                    pos += 1;
                } else if b == b'\r' && pos + 1 == data.len() && !eof {
                    return Quoted::More;
                }
                scratch.push(b'\n');
                pos += 1;
                on_line = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str, delimiter: u8, expected: Option<usize>) -> Vec<(Record, Vec<String>)> {
        let mut r = Reader::new(text.as_bytes(), delimiter);
        if let Some(n) = expected {
            r.set_expected(n);
        }
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while let Some(meta) = r.read(&mut rec).unwrap() {
            out.push((
                meta,
                rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
            ));
        }
        out
    }

    fn lines(text: &str) -> Vec<usize> {
        all(text, b',', Some(2)).iter().map(|(m, _)| m.line).collect()
    }

    #[test]
    fn every_line_end_counts_once() {
        assert_eq!(lines("a,b\n1,2\n\n3,4\n"), [1, 2, 3, 4]);
        assert_eq!(lines("a,b\r\n1,2\r\n\r\n3,4\r\n"), [1, 2, 3, 4]);
        assert_eq!(lines("a,b\r1,2\r\r3,4"), [1, 2, 3, 4]);
        assert_eq!(lines("a,b\n\"x\ny\",2\n3,4"), [1, 2, 4]);
    }

    #[test]
    fn quotes() {
        let r = all("\"a,\"\"b\"\"\" ,c\n", b',', None);
        assert_eq!(r[0].1, ["a,\"b\"", "c"]);
        assert_eq!(r[0].0.broken, None);
        // A stray quote: the line alone, the quote kept, the cell named.
        let r = all("h1,h2\n\"见附件,1\n乙,2\n", b',', Some(2));
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].1, ["\"见附件", "1"]);
        assert_eq!(r[1].0.broken, Some(0));
        assert_eq!(r[2].1, ["乙", "2"]);
        // Text after a closing quote.
        let r = all("\"ab\"c,d\n", b',', None);
        assert_eq!(r[0].1, ["\"ab\"c", "d"]);
        assert_eq!(r[0].0.broken, Some(0));
        // Closing cleanly far away, but the record would have the wrong shape.
        let r = all("h1,h2,h3,h4\n1,2,3,\"x\n5,6,7,8\n9,10,11,z\"\n4,w,w,w\n", b',', Some(4));
        assert_eq!(r.iter().map(|(m, _)| m.line).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(r[1].0.broken, Some(3));
    }

    #[test]
    fn records_are_read_across_buffer_refills() {
        let row = "单位名称,\"多行\n单元格\",3029.36\r\n";
        let text = format!("h1,h2,h3\r\n{}", row.repeat(20_000));
        let r = all(&text, b',', Some(3));
        assert_eq!(r.len(), 20_001);
        assert_eq!(r[20_000].0.line, 40_000);
        assert!(r.iter().all(|(m, c)| m.broken.is_none() && c.len() == 3));
    }

    #[test]
    fn a_long_line_is_cut() {
        let text = format!("a,b\n{}\n1,2\n", "x".repeat(MAX_LINE_BYTES + 100_000));
        let r = all(&text, b',', None);
        assert_eq!(r.len(), 3);
        assert!(r[1].0.too_long);
        assert_eq!(r[2].0.line, 3);
        assert_eq!(r[2].1, ["1", "2"]);
    }
}
