//! Single-unit documents: TOML/JSON files and returned fill-in templates.

use std::sync::Arc;

use jixiao::data;
use jixiao::diagnostics::{DataProblem, ProblemKind};
use jixiao::model::Model;

use super::{FileInfo, FileKind, InputFormat, Opened, Origin, RawRow, Rows};

/// A TOML or JSON document: one unit. A document that does not parse is one row in error.
pub fn open_document(name: &str, bytes: &[u8], format: InputFormat) -> Opened {
    let info = Arc::new(FileInfo::document(name, FileKind::Document, jixiao::sha256_hex(bytes)));
    let origin = Origin {
        file: Arc::clone(&info),
        row: 0,
        line: 0,
    };
    let parsed = match std::str::from_utf8(bytes) {
        Err(e) => Err(DataProblem {
            kind: ProblemKind::Unreadable,
            field: "（文件）".into(),
            value: None,
            message: format!("不是 UTF-8 编码（第 {} 个字节处无效）", e.valid_up_to() + 1),
            location: None,
            declared_at: None,
            declared_in: None,
        }),
        Ok(text) => {
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
            if format == InputFormat::Json {
                data::parse_json(text)
            } else {
                data::parse_toml(text)
            }
        }
    };
    let row = match parsed {
        Ok(raw) => RawRow {
            origin,
            raw: Some(raw),
            problems: Vec::new(),
            reported: Vec::new(),
        },
        Err(problem) => RawRow {
            origin,
            raw: None,
            problems: vec![problem],
            reported: Vec::new(),
        },
    };
    Opened {
        info,
        warnings: Vec::new(),
        estimated_rows: 1,
        rows: Rows::Document(Some(row)),
    }
}

/// A returned template: one unit, its problems already placed at the template's cells.
pub(super) fn open_template(
    model: &Model,
    name: &str,
    bytes: &[u8],
    returned: crate::template::read::Returned,
    partial: bool,
) -> Opened {
    let info = Arc::new(FileInfo::document(name, FileKind::Template, jixiao::sha256_hex(bytes)));
    let parts = returned.into_batch(model, partial);
    let row = RawRow {
        origin: Origin {
            file: Arc::clone(&info),
            row: 0,
            line: 0,
        },
        raw: Some(parts.raw),
        problems: parts.problems,
        reported: parts.reported,
    };
    Opened {
        info,
        warnings: parts.warnings,
        estimated_rows: 1,
        rows: Rows::Document(Some(row)),
    }
}
