//! Data from standard input (`jixiao eval rules.jx -`): its format told by `--data-format`
//! or guessed from its first bytes by a rule that names what it saw and never picks one of
//! two formats that both fit; then read in bounded memory: a CSV stream goes to an unnamed
//! temporary file (removed when closed) and is read from there exactly as a CSV file is, a
//! workbook is read into memory up to the size any workbook may unzip to, a TOML/JSON unit
//! up to [`MAX_DOCUMENT_BYTES`].

use std::io::{self, Read, Seek, SeekFrom, Write};

use jixiao::model::Model;

use super::csv_file::find_header;
use super::sniff::decode_head;
use super::{io_message, open_csv_with, open_document, open_workbook_bytes_with, FileError, InputFormat, Opened};
use crate::batch::workbook::Limits;

/// How standard input is named in messages, reports and the output's 来源.
pub const STDIN_NAME: &str = "标准输入";

/// How much of standard input the guess looks at.
const HEAD_BYTES: usize = 64 * 1024;

/// The most a TOML/JSON unit read from standard input may hold (a unit's data is a few
/// KiB; this only stops an endless stream).
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Standard input, read: its format and its content.
pub struct StdinData {
    pub format: InputFormat,
    /// The format was guessed from the content (not given by `--data-format`).
    pub guessed: bool,
    body: Body,
}

enum Body {
    Bytes(Vec<u8>),
    /// A CSV stream, written to an unnamed temporary file.
    Spooled(std::fs::File),
}

impl StdinData {
    /// A TOML/JSON unit's or a workbook's bytes (`None` for CSV, which is not in memory).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Bytes(b) => Some(b),
            Body::Spooled(_) => None,
        }
    }

    /// Opens the data as a file of its format is opened ([`super::open_path_with`]).
    pub fn open(self, model: &Model, sheet: Option<&str>, partial: bool) -> Result<Opened, FileError> {
        match (self.body, self.format) {
            (Body::Spooled(file), _) => open_csv_with(model, STDIN_NAME, io::BufReader::new(file), partial),
            (Body::Bytes(bytes), InputFormat::Workbook) => {
                open_workbook_bytes_with(model, STDIN_NAME, bytes, sheet, Limits::default(), partial)
            }
            (Body::Bytes(bytes), InputFormat::Csv) => open_csv_with(model, STDIN_NAME, io::Cursor::new(bytes), partial),
            (Body::Bytes(bytes), format) => Ok(open_document(STDIN_NAME, &bytes, format)),
        }
    }
}

/// Reads standard input (`reader`): the format given, or guessed from the first
/// [`HEAD_BYTES`] ([`guess`]); the content in bounded memory.
pub fn read_stdin(mut reader: impl Read, format: Option<InputFormat>) -> Result<StdinData, FileError> {
    let failed = |e: io::Error| FileError(format!("无法读取{STDIN_NAME}：{}", io_message(&e)));
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut reader)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(failed)?;
    let complete = head.len() < HEAD_BYTES;
    let (format, guessed) = match format {
        Some(f) => (f, false),
        None => (guess(&head, complete).map_err(FileError)?, true),
    };
    let body = match format {
        InputFormat::Csv => {
            let mut file = tempfile::tempfile()
                .map_err(|e| FileError(format!("无法为{STDIN_NAME}的 CSV 数据建立临时文件：{}", io_message(&e))))?;
            file.write_all(&head).map_err(failed)?;
            io::copy(&mut reader, &mut file).map_err(failed)?;
            file.seek(SeekFrom::Start(0)).map_err(failed)?;
            Body::Spooled(file)
        }
        InputFormat::Workbook => Body::Bytes(read_capped(
            head,
            reader,
            Limits::default().max_unzipped_bytes,
            "工作簿",
        )?),
        InputFormat::Toml | InputFormat::Json => Body::Bytes(read_capped(
            head,
            reader,
            MAX_DOCUMENT_BYTES,
            "一个单位的 TOML/JSON 数据",
        )?),
    };
    Ok(StdinData { format, guessed, body })
}

/// The rest of the stream after `head`, refused past `cap` bytes.
fn read_capped(mut bytes: Vec<u8>, reader: impl Read, cap: u64, what: &str) -> Result<Vec<u8>, FileError> {
    let room = (cap + 1).saturating_sub(bytes.len() as u64);
    reader
        .take(room)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError(format!("无法读取{STDIN_NAME}：{}", io_message(&e))))?;
    if bytes.len() as u64 > cap {
        return Err(FileError(format!(
            "{STDIN_NAME}的数据超过 {} MiB，不像是{what}：已拒绝",
            cap / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// The format of data by its beginning (`complete`: the whole data). Each format is
/// recognised by a sign of its own, and the data must show exactly one:
///
/// - a workbook: the bytes of a zip (`.xlsx`, `.ods`) or of a compound file (`.xls`);
/// - JSON: the first character that is not blank is `{` (a unit is an object);
/// - TOML: the first line that is neither blank nor a `#` comment is a table header
///   (`[自评]`, `[[绩效目标]]`) or `键 = 值` (the key without `,` `;` or a tab);
/// - CSV: one of the first 20 lines has a 单位名称 cell when split at `,`, a tab or `;`
///   (the line the CSV reader takes as its header).
///
/// None, or more than one (a CSV line that also reads as `键 = 值`): an error asking for
/// `--data-format`, saying what the data begins with. A guess is never a fallback.
pub fn guess(head: &[u8], complete: bool) -> Result<InputFormat, String> {
    let ask = "请用 --data-format toml、json、csv 或 xlsx 指明";
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(InputFormat::Workbook);
    }
    let (text, utf8) = decode_head(head);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(30).collect::<String>());
    let Some(first) = first else {
        return Err(if complete {
            format!("{STDIN_NAME}是空的：没有数据")
        } else {
            format!("{STDIN_NAME}的开头 {HEAD_BYTES} 个字节都是空白：{ask}")
        });
    };
    let mut fits = Vec::new();
    if utf8 && first.starts_with('{') {
        fits.push(InputFormat::Json);
    }
    if utf8 && looks_like_toml(&text) {
        fits.push(InputFormat::Toml);
    }
    if find_header(&text).is_some() {
        fits.push(InputFormat::Csv);
    }
    let name = |f: &InputFormat| match f {
        InputFormat::Toml => "TOML",
        InputFormat::Json => "JSON",
        InputFormat::Csv => "CSV（有单位名称列的表头）",
        InputFormat::Workbook => "工作簿",
    };
    match fits.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "无法判断{STDIN_NAME}的数据是什么格式（开头是「{first}」，不像 TOML、JSON、有单位名称列的 CSV 或工作簿）：{ask}"
        )),
        many => Err(format!(
            "无法判断{STDIN_NAME}的数据是什么格式：它既像 {}（开头是「{first}」）：{ask}",
            many.iter().map(name).collect::<Vec<_>>().join("，又像 ")
        )),
    }
}

/// The first line that is neither blank nor a comment is a TOML table header or `键 = 值`.
fn looks_like_toml(text: &str) -> bool {
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    if line.starts_with('[') {
        let header = line.split(" #").next().unwrap_or(line).trim_end();
        return header.ends_with(']') && !header.contains(',');
    }
    match line.split_once('=') {
        Some((key, _)) => {
            let key = key.trim();
            !key.is_empty() && !key.contains([',', ';', '\t'])
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guessed(text: &str) -> Result<InputFormat, String> {
        guess(text.as_bytes(), true)
    }

    #[test]
    fn each_format_by_its_own_sign() {
        assert_eq!(guessed("单位名称,编制人数\n甲,1\n"), Ok(InputFormat::Csv));
        assert_eq!(guessed("\u{FEFF}单位名称\t编制人数\n"), Ok(InputFormat::Csv));
        assert_eq!(guessed("2021 年度\n\n单位名称;编制人数\n"), Ok(InputFormat::Csv));
        assert_eq!(guessed("# 数据\n\"单位名称\" = \"甲\"\n"), Ok(InputFormat::Toml));
        assert_eq!(guessed("单位名称 = \"甲\"\n"), Ok(InputFormat::Toml));
        assert_eq!(guessed("[[绩效目标]]\n类别 = \"数量指标\"\n"), Ok(InputFormat::Toml));
        assert_eq!(guessed("  {\"单位名称\": \"甲\"}"), Ok(InputFormat::Json));
        assert_eq!(
            guessed("{\n  \"单位名称\": \"甲\",\n  \"编制人数\": 1\n}"),
            Ok(InputFormat::Json)
        );
        assert_eq!(guess(b"PK\x03\x04rest", false), Ok(InputFormat::Workbook));
        let (gbk, _, _) = encoding_rs::GBK.encode("单位名称,编制人数\n甲,1\n");
        assert_eq!(guess(&gbk, true), Ok(InputFormat::Csv));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("单位名称\t编制人数\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(guess(&utf16, true), Ok(InputFormat::Csv));
    }

    #[test]
    fn no_sign_or_two_is_a_question_not_a_guess() {
        let none = guessed("编制人数,实有人数\n1,2\n").unwrap_err();
        assert!(
            none.contains("--data-format") && none.contains("编制人数,实有人数"),
            "{none}"
        );
        let two = guessed("单位名称 = 1\n单位名称,编制人数\n").unwrap_err();
        assert!(two.contains("既像 TOML，又像 CSV"), "{two}");
        assert!(guessed("").unwrap_err().contains("空的"));
        assert!(guessed("[1, 2]").is_err());
        assert!(guessed("<html>").is_err());
    }
}
