//! What a CSV file's bytes are: a workbook in disguise, UTF-16, UTF-8 or GBK; and
//! decoding them to UTF-8 as they are read.

use std::io::{self, Read, Seek, SeekFrom};

use encoding_rs::{Decoder, Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};

pub(super) struct Sniffed {
    pub(super) encoding: &'static Encoding,
    pub(super) sha256: String,
    /// Line breaks in the file (an estimate of the row count).
    pub(super) lines: usize,
    /// What the file really is when it is not text (a workbook named `.csv`).
    pub(super) binary: Option<&'static str>,
    /// Invalid UTF-8 sequences, and the line of the first.
    pub(super) bad: usize,
    first_bad_line: usize,
}

impl Sniffed {
    /// What the reader should say about the encoding it chose.
    pub(super) fn warnings(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.encoding == UTF_16LE || self.encoding == UTF_16BE {
            out.push(format!(
                "{name} 是 UTF-16 编码（Excel 另存为“Unicode 文本”时的编码），已按 UTF-16 读取"
            ));
        } else if self.encoding == GB18030 {
            out.push(format!("{name} 不是 UTF-8 编码，已按 GBK/GB18030 读取"));
        } else if self.bad > 0 {
            out.push(format!(
                "{name} 是 UTF-8 编码，但有 {} 处无法识别的字节（第一处在文本第 {} 行）：这些字节显示为 �，\
                 所在的格如果要用，这一行会报错",
                self.bad, self.first_bad_line
            ));
        }
        out
    }
}

/// Reads the whole stream once, in chunks: what it is (a zip or OLE workbook, UTF-16 by
/// its BOM or by the zero bytes of its ASCII characters), how many lines, its SHA-256,
/// and whether it is UTF-8. Memory stays flat.
///
/// The encoding rule: valid UTF-8 is UTF-8. A file with invalid sequences is still
/// UTF-8 when its valid multi-byte characters outnumber them four to one (a UTF-8 file
/// with a stray byte: the byte's line is named); otherwise it is GBK/GB18030, what
/// Chinese Excel writes (GBK text is almost never valid UTF-8). Bytes that do not decode
/// become `�`, and a row using such a cell is an error, never a silent `�`.
pub(super) fn sniff<R: Read + Seek>(reader: &mut R) -> io::Result<Sniffed> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry = 0;
    let mut lines = 0;
    let mut prev = b'\n';
    let mut first = true;
    let mut utf16 = None;
    let mut binary = None;
    let mut good = 0usize;
    let mut bad = 0usize;
    let mut first_bad_line = 0;
    // LF, CRLF and a lone CR each end one line.
    let count_lines = |bytes: &[u8], prev: &mut u8, lines: &mut usize| {
        for &b in bytes {
            if b == b'\n' || *prev == b'\r' {
                *lines += 1;
            }
            *prev = b;
        }
    };
    loop {
        let n = match reader.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if carry > 0 {
                // A sequence cut off by the end of the file.
                bad += 1;
                if first_bad_line == 0 {
                    first_bad_line = lines + 1;
                }
            }
            break;
        }
        let end = carry + n;
        hasher.update(&buf[carry..end]);
        if first {
            first = false;
            let start = &buf[..end.min(4096)];
            binary = if start.starts_with(b"PK\x03\x04") {
                Some("它是 Excel 工作簿（.xlsx，zip 格式），只是扩展名写成了 .csv：请把扩展名改为 .xlsx 再读取，或在 Excel 中“另存为 CSV（逗号分隔）”")
            } else if start.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
                Some("它是旧版 Excel 工作簿（.xls），只是扩展名写成了 .csv：请把扩展名改为 .xls 再读取，或在 Excel 中“另存为 CSV（逗号分隔）”")
            } else {
                None
            };
            utf16 = utf16_of(start);
        }
        if utf16.is_some() || binary.is_some() {
            count_lines(&buf[carry..end], &mut prev, &mut lines);
            carry = 0;
            continue;
        }
        let mut i = 0;
        let mut counted = carry; // carried bytes are ≥ 0x80: no line ends among them
        let mut next_carry = 0;
        while i < end {
            match std::str::from_utf8(&buf[i..end]) {
                Ok(_) => {
                    good += buf[i..end].iter().filter(|&&b| b >= 0xC0).count();
                    i = end;
                }
                Err(e) => {
                    let valid = i + e.valid_up_to();
                    good += buf[i..valid].iter().filter(|&&b| b >= 0xC0).count();
                    match e.error_len() {
                        None => {
                            next_carry = end - valid;
                            i = end;
                        }
                        Some(len) => {
                            bad += 1;
                            if first_bad_line == 0 {
                                count_lines(&buf[counted..valid], &mut prev, &mut lines);
                                counted = valid;
                                first_bad_line = lines + 1;
                            }
                            i = valid + len;
                        }
                    }
                }
            }
        }
        count_lines(
            &buf[counted.min(end - next_carry)..end - next_carry],
            &mut prev,
            &mut lines,
        );
        buf.copy_within(end - next_carry..end, 0);
        carry = next_carry;
    }
    // A last line without a line end (or ended by a lone CR, not yet counted).
    if prev != b'\n' {
        lines += 1;
    }
    reader.seek(SeekFrom::Start(0))?;
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let encoding = match utf16 {
        Some(e) => e,
        None if bad == 0 || good >= 4 * bad => UTF_8,
        None => GB18030,
    };
    Ok(Sniffed {
        encoding,
        sha256,
        lines,
        binary,
        bad,
        first_bad_line,
    })
}

/// The beginning of a text (cut anywhere) decoded as the CSV reader would read it: UTF-16
/// by its BOM or zero bytes, UTF-8 when valid (a sequence cut at the end allowed), else
/// GB18030; and whether it is UTF-8 (only UTF-8 can be TOML or JSON). No BOM in the text.
pub(super) fn decode_head(head: &[u8]) -> (String, bool) {
    if let Some(encoding) = utf16_of(&head[..head.len().min(4096)]) {
        let (text, _) = encoding.decode_with_bom_removal(head);
        return (text.into_owned(), false);
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => head.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => 0,
    };
    if valid > 0 || head.is_empty() {
        let text = std::str::from_utf8(&head[..valid]).unwrap_or_default();
        return (text.trim_start_matches('\u{FEFF}').to_owned(), true);
    }
    let (text, _) = GB18030.decode_with_bom_removal(head);
    (text.into_owned(), false)
}

/// UTF-16 by its BOM, or by the zero high bytes of its ASCII characters (`,`, digits,
/// line ends: GBK and UTF-8 text has no zero bytes at all).
fn utf16_of(start: &[u8]) -> Option<&'static Encoding> {
    if start.starts_with(&[0xFF, 0xFE]) {
        return Some(UTF_16LE);
    }
    if start.starts_with(&[0xFE, 0xFF]) {
        return Some(UTF_16BE);
    }
    let pairs = start.len() / 2;
    let zero_even = start.iter().step_by(2).take(pairs).filter(|&&b| b == 0).count();
    let zero_odd = start.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let enough = (pairs / 16).max(2);
    if zero_odd >= enough && zero_even == 0 {
        Some(UTF_16LE)
    } else if zero_even >= enough && zero_odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Decodes a byte stream to UTF-8 as it is read (encoding_rs), removing a BOM.
pub(super) struct Decode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    done: bool,
    output: Vec<u8>,
    out_start: usize,
}

impl<R: Read> Decode<R> {
    pub(super) fn new(inner: R, encoding: &'static Encoding) -> Self {
        Decode {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; 32 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            done: false,
            output: Vec::new(),
            out_start: 0,
        }
    }
}

impl<R: Read> Read for Decode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.output.len() {
                let n = buf.len().min(self.output.len() - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                match self.inner.read(&mut self.input) {
                    Ok(0) => self.eof = true,
                    Ok(n) => {
                        self.in_start = 0;
                        self.in_end = n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            let pending = &self.input[self.in_start..self.in_end];
            let room = self
                .decoder
                .max_utf8_buffer_length(pending.len())
                .unwrap_or(pending.len() * 4 + 16)
                .max(16);
            self.output.clear();
            self.output.resize(room, 0);
            let (result, read, written, _) = self.decoder.decode_to_utf8(pending, &mut self.output, self.eof);
            self.in_start += read;
            self.output.truncate(written);
            self.out_start = 0;
            if self.eof && self.in_start == self.in_end && result == encoding_rs::CoderResult::InputEmpty {
                self.done = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_gb18030_streams_across_buffer_boundaries() {
        let text = "单位名称,编制人数\n".repeat(5000);
        let (bytes, _, _) = GB18030.encode(&text);
        let mut out = String::new();
        Decode::new(io::Cursor::new(bytes.into_owned()), GB18030)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn sniffing_tells_utf8_from_gbk() {
        let text = "单位名称,编制人数\n甲,1\n";
        let mut utf8 = io::Cursor::new(text.as_bytes().to_vec());
        let s = sniff(&mut utf8).unwrap();
        assert_eq!(s.encoding, UTF_8);
        assert_eq!(s.lines, 2);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut gbk = io::Cursor::new(gbk.into_owned());
        assert_eq!(sniff(&mut gbk).unwrap().encoding, GB18030);
        let mut cr = io::Cursor::new(b"a\rb\r\nc\n\nd".to_vec());
        assert_eq!(sniff(&mut cr).unwrap().lines, 5);
    }
}
