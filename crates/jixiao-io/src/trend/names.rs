//! Matching units across years by name: the key a name is compared by, and the name
//! table (单位更名对照表) for units that were renamed.
//!
//! The table is a CSV file a clerk writes in Excel: the first row names the years
//! (`2021,2022` or `2021年,2022年度`), every other row one unit's name in each of those
//! years (a cell left empty: no result that year). UTF-8 (with or without a BOM),
//! UTF-16 with a BOM, or GBK/GB18030 as Excel saves it.

use std::collections::HashMap;

/// The key a unit's name is matched by: the name without spaces (any kind) and with
/// full-width letters, digits and punctuation read as their half-width forms, so that
/// `市档案馆（虚构）` and `市档案馆(虚构)` are one unit.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c as u32 {
            // U+FF01..U+FF5E are U+0021..U+007E in full width.
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A name table: which names, year by year, are one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct NameTable {
    /// The file's name, for messages.
    pub file: String,
    /// The years of the columns, in the file's order.
    pub years: Vec<u32>,
    pub rows: Vec<NameRow>,
    /// Per column: each name's key and its row, so a unit's row is found at once.
    index: Vec<HashMap<String, usize>>,
}

/// One unit's names: one per column of [`NameTable::years`].
#[derive(Debug, Clone, PartialEq)]
pub struct NameRow {
    /// The row's line in the file (1-based), for messages.
    pub line: usize,
    pub names: Vec<Option<String>>,
}

impl NameTable {
    /// Reads a name table. Every problem is an error naming the file and the line: a
    /// header cell that is not a year, a year twice, a name twice in one year's column.
    pub fn read(file: &str, bytes: &[u8]) -> Result<NameTable, String> {
        let text = decode(bytes)
            .ok_or_else(|| format!("单位更名对照表 {file} 的编码无法识别：请存为 UTF-8 或 GBK 编码的 CSV 文件"))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("单位更名对照表 {file} 第 {} 行无法读取：{e}", i + 1))?;
            // The csv reader's own line count skips blank lines; the byte offset does not.
            let line = record.position().map_or(i + 1, |p| {
                let bytes = text.as_bytes();
                let mut start = usize::try_from(p.byte()).unwrap_or(0).min(bytes.len());
                // A record's position is where the reader began, before the blank lines it skipped.
                while matches!(bytes.get(start), Some(b'\n' | b'\r')) {
                    start += 1;
                }
                bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1
            });
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            records.push((line, cells));
        }
        let Some(((header_line, header), rows)) = records.split_first() else {
            return Err(format!(
                "单位更名对照表 {file} 是空的：第一行写各年度（如 2021,2022），以下每行写同一单位在各年度的名称"
            ));
        };
        let mut years = Vec::new();
        for (column, cell) in header.iter().enumerate() {
            let year = year_of(cell).ok_or_else(|| {
                format!(
                    "单位更名对照表 {file} 第 {header_line} 行第 {} 列「{cell}」不是年度：第一行的每一格写一个年度，如 2021 或 2021年",
                    column + 1
                )
            })?;
            if years.contains(&year) {
                return Err(format!(
                    "单位更名对照表 {file} 第 {header_line} 行：{year} 年度写了两次"
                ));
            }
            years.push(year);
        }
        if years.len() < 2 {
            return Err(format!(
                "单位更名对照表 {file} 第 {header_line} 行只有 {} 个年度：至少要两个年度（如 2021,2022）",
                years.len()
            ));
        }
        let mut table = NameTable {
            file: file.to_owned(),
            index: vec![HashMap::new(); years.len()],
            years,
            rows: Vec::new(),
        };
        for (line, cells) in rows {
            if cells.len() > table.years.len() && cells[table.years.len()..].iter().any(|c| !c.is_empty()) {
                return Err(format!(
                    "单位更名对照表 {file} 第 {line} 行的名称比第一行的年度多：每一列对应第一行的一个年度"
                ));
            }
            let names: Vec<Option<String>> = (0..table.years.len())
                .map(|i| cells.get(i).filter(|c| !c.is_empty()).cloned())
                .collect();
            for (column, name) in names.iter().enumerate() {
                let Some(name) = name else { continue };
                if let Some(first) = table.index[column].insert(normalise(name), table.rows.len()) {
                    return Err(format!(
                        "单位更名对照表 {file}：{} 年度的「{name}」写了两次（第 {} 行和第 {line} 行）",
                        table.years[column], table.rows[first].line
                    ));
                }
            }
            table.rows.push(NameRow { line: *line, names });
        }
        Ok(table)
    }

    /// The row (index) giving `name` in `year`, if any.
    pub fn row_of(&self, year: u32, name: &str) -> Option<usize> {
        let column = self.years.iter().position(|y| *y == year)?;
        self.index.get(column)?.get(&normalise(name)).copied()
    }
}

/// `2021`, `2021年`, `2021 年度`, `2021年名称` → 2021.
fn year_of(cell: &str) -> Option<u32> {
    let cell = cell.trim_start_matches('\u{feff}').trim();
    let digits: String = cell.chars().take_while(char::is_ascii_digit).collect();
    let rest = cell[digits.len()..].trim();
    let rest_ok = rest.is_empty() || rest.starts_with('年');
    (digits.len() == 4 && rest_ok).then(|| digits.parse().ok()).flatten()
}

/// The file's text: by its BOM, else UTF-8, else GB18030 (what Excel writes on a
/// Chinese Windows); `None` when neither reads it without errors.
fn decode(bytes: &[u8]) -> Option<String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (!errors).then(|| text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_owned());
    }
    let (text, errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!errors).then(|| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_spaces_and_in_either_width() {
        assert_eq!(normalise("市档案馆（虚构）"), normalise("市档案馆(虚构)"));
        assert_eq!(normalise(" 市 档案馆\u{3000}"), "市档案馆");
        assert_eq!(normalise("ＡＢＣ１２３"), "ABC123");
        assert_ne!(normalise("市档案馆"), normalise("市档案局"));
    }

    #[test]
    fn a_table_gives_each_units_names_by_year() {
        let t = NameTable::read(
            "更名.csv",
            "\u{feff}2021年,2022年度\n市文化馆,市文化艺术中心\n\n市旧局,\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(t.years, [2021, 2022]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.rows[1].names, [Some("市旧局".to_owned()), None]);
        assert_eq!(t.row_of(2022, "市文化艺术中心"), Some(0));
        assert_eq!(t.row_of(2021, "市文化馆 "), Some(0));
        assert_eq!(t.row_of(2022, "市文化馆"), None);
        assert_eq!(t.row_of(2023, "市文化馆"), None);
    }

    #[test]
    fn a_table_saved_as_gbk_is_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("2021,2022\n市文化馆,市文化艺术中心\n");
        let t = NameTable::read("更名.csv", &bytes).unwrap();
        assert_eq!(t.rows[0].names[1].as_deref(), Some("市文化艺术中心"));
    }

    #[test]
    fn a_bad_table_is_refused_with_its_line() {
        let err = |text: &str| NameTable::read("更名.csv", text.as_bytes()).unwrap_err();
        assert!(err("").contains("是空的"));
        assert!(
            err("单位,2022\n").contains("第 1 行第 1 列「单位」不是年度"),
            "{}",
            err("单位,2022\n")
        );
        assert!(err("2021,2021\n").contains("2021 年度写了两次"));
        assert!(err("2021\n").contains("至少要两个年度"));
        let twice = err("2021,2022\n甲,乙\n甲,丙\n");
        assert!(
            twice.contains("2021 年度的「甲」写了两次（第 2 行和第 3 行）"),
            "{twice}"
        );
        assert!(err("2021,2022\n甲,乙,丙\n").contains("第 2 行的名称比第一行的年度多"));
    }
}
