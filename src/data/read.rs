//! TOML and JSON into [`Raw`] trees, numbers kept as their exact source text.

use super::*;
use crate::diagnostics::{DataProblem, ProblemKind};

pub(crate) fn loc_of(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Parses TOML into a [`Raw`] tree.
// A problem is the rare path and is reported whole; boxing it gains nothing.
#[allow(clippy::result_large_err)]
pub fn parse_toml(text: &str) -> Result<Raw, DataProblem> {
    let doc = toml_edit::Document::parse(text).map_err(|e| DataProblem {
        kind: ProblemKind::Unreadable,
        field: "（文件）".into(),
        value: None,
        message: if e.message().contains("unquoted key") {
            format!(
                "不是有效的 TOML：{}（TOML 中的中文键名要加引号，例如 `\"编制人数\" = 174`）",
                e.message()
            )
        } else {
            format!("不是有效的 TOML：{}", e.message())
        },
        location: e.span().map(|s| loc_of(text, s.start)),
        declared_at: None,
        declared_in: None,
    })?;
    Ok(toml_item(text, doc.as_item()))
}

pub(crate) fn toml_item(text: &str, item: &toml_edit::Item) -> Raw {
    match item {
        toml_edit::Item::None => Raw::Other(String::new()),
        toml_edit::Item::Value(v) => toml_value(text, v),
        toml_edit::Item::Table(t) => Raw::Table(
            t.iter()
                .map(|(k, v)| {
                    (
                        k.to_owned(),
                        toml_item(text, v),
                        v.span().map(|s| loc_of(text, s.start)),
                    )
                })
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(a) => Raw::Array(
            a.iter()
                .map(|t| {
                    let loc = t.span().map(|s| loc_of(text, s.start));
                    (
                        Raw::Table(
                            t.iter()
                                .map(|(k, v)| {
                                    (
                                        k.to_owned(),
                                        toml_item(text, v),
                                        v.span().map(|s| loc_of(text, s.start)),
                                    )
                                })
                                .collect(),
                        ),
                        loc,
                    )
                })
                .collect(),
        ),
    }
}

pub(crate) fn toml_value(text: &str, v: &toml_edit::Value) -> Raw {
    use toml_edit::Value as V;
    let raw_text =
        |span: Option<std::ops::Range<usize>>| span.and_then(|s| text.get(s)).unwrap_or("").trim().to_owned();
    match v {
        V::String(s) => Raw::Text(s.value().clone()),
        // The source text as written: TOML allows `1_000` and `1e3`, jixiao's number
        // grammar does not (binding rejects them with a hint, `crate::numtext`).
        V::Integer(i) => Raw::Number(raw_text(i.span())),
        V::Float(f) => Raw::Number(raw_text(f.span())),
        V::Boolean(b) => Raw::Bool(*b.value()),
        V::Datetime(d) => Raw::Other(d.value().to_string()),
        V::Array(a) => Raw::Array(
            a.iter()
                .map(|x| (toml_value(text, x), x.span().map(|s| loc_of(text, s.start))))
                .collect(),
        ),
        V::InlineTable(t) => Raw::Table(
            t.iter()
                .map(|(k, x)| {
                    (
                        k.to_owned(),
                        toml_value(text, x),
                        x.span().map(|s| loc_of(text, s.start)),
                    )
                })
                .collect(),
        ),
    }
}

/// Parses JSON into a [`Raw`] tree (numbers keep their exact text).
// A problem is the rare path and is reported whole; boxing it gains nothing.
#[allow(clippy::result_large_err)]
pub fn parse_json(text: &str) -> Result<Raw, DataProblem> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| DataProblem {
        kind: ProblemKind::Unreadable,
        field: "（文件）".into(),
        value: None,
        message: format!("不是有效的 JSON：{}", crate::diagnostics::json_message(&e)),
        location: Some((e.line(), e.column())),
        declared_at: None,
        declared_in: None,
    })?;
    // serde_json keeps the last of two equal keys without a word; TOML refuses them, and
    // so does jixiao for JSON.
    if let Ok(FirstDuplicate(Some(key))) = serde_json::from_str::<FirstDuplicate>(text) {
        return Err(DataProblem {
            kind: ProblemKind::Duplicate,
            field: key,
            value: None,
            message: "同一个对象中写了两次（JSON 的键不能重复）".into(),
            location: None,
            declared_at: None,
            declared_in: None,
        });
    }
    Ok(json_value(&value))
}

/// The first key written twice in one JSON object, anywhere in a document.
pub(crate) struct FirstDuplicate(Option<String>);

impl<'de> serde::Deserialize<'de> for FirstDuplicate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FirstDuplicateVisitor)
    }
}

pub(crate) struct FirstDuplicateVisitor;

impl<'de> serde::de::Visitor<'de> for FirstDuplicateVisitor {
    type Value = FirstDuplicate;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FirstDuplicate, A::Error> {
        let mut seen = std::collections::HashSet::new();
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            let inner: FirstDuplicate = map.next_value()?;
            if found.is_none() {
                found = if seen.insert(key.clone()) { inner.0 } else { Some(key) };
            }
        }
        Ok(FirstDuplicate(found))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<FirstDuplicate, A::Error> {
        let mut found = None;
        while let Some(inner) = seq.next_element::<FirstDuplicate>()? {
            found = found.or(inner.0);
        }
        Ok(FirstDuplicate(found))
    }

    fn visit_bool<E>(self, _: bool) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_unit<E>(self) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }
}

pub(crate) fn json_value(v: &serde_json::Value) -> Raw {
    use serde_json::Value as V;
    match v {
        V::Null => Raw::Other("null".into()),
        V::Bool(b) => Raw::Bool(*b),
        V::Number(n) => Raw::Number(n.to_string()),
        V::String(s) => Raw::Text(s.clone()),
        V::Array(a) => Raw::Array(a.iter().map(|x| (json_value(x), None)).collect()),
        V::Object(o) => Raw::Table(o.iter().map(|(k, x)| (k.clone(), json_value(x), None)).collect()),
    }
}
