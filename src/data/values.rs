//! One value as a data file or cell writes it: numbers, percents, yes/no, 未填报.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::*;
use crate::model::{Kind, Value};
use crate::number::Number;

/// A value of `kind` written as text (a data file's string, a spreadsheet cell).
pub(crate) fn text_value(kind: Kind, s: &str) -> Option<Value> {
    match kind {
        Kind::Text => Some(Value::Text(Arc::from(s))),
        Kind::Bool => match s.trim() {
            // `TRUE`/`FALSE`: how Excel writes booleans into a CSV export.
            "是" | "true" | "TRUE" | "True" | "对" | "有" | "Y" | "y" => Some(Value::Bool(true)),
            "否" | "false" | "FALSE" | "False" | "无" | "N" | "n" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::Percent => parse_percent_text(s).map(num),
        Kind::Quantity(_) => parse_decimal(s).map(num),
    }
}

/// An input's value from a cell's text exactly as `bind` reads it from a `Raw::Text`,
/// or `None` where binding would report a problem (not a value of the input's kind, not
/// an integer for a count, outside a `范围`). For the direct CSV path.
pub fn convert_text(def: &crate::model::InputDef, text: &str) -> Option<Value> {
    if def.kind == Kind::Percent && implausible_bare_percent(text).is_some() {
        return None;
    }
    let value = text_value(def.kind, text)?;
    match &value {
        Value::Num(n) if !admissible(def, n) => None,
        _ => Some(value),
    }
}

/// [`convert_text`] for a cell already trimmed and made of ASCII digits, `-` and `.`
/// (`3029.36`): the same value without going through `str`; `None` when the general
/// conversion must decide.
pub fn convert_plain_number(def: &crate::model::InputDef, cell: &[u8]) -> Option<Option<Value>> {
    if !matches!(def.kind, Kind::Quantity(_)) {
        return None;
    }
    let n = plain_decimal(cell)?;
    let n = Number::from_decimal(n);
    Some(admissible(def, &n).then_some(Value::Num(n)))
}

/// Whether binding accepts a number for an input: an integer for a count, inside every `范围`.
/// What a clerk writes for a figure not reported: the dashes, slashes and words of real
/// reports, and an empty string.
pub(crate) const NOT_REPORTED: &[&str] = &["", "—", "——", "－", "-", "/", "／", "无"];

/// The text of a numeric input written as not reported, if it is one.
pub(crate) fn not_reported(kind: Kind, raw: &Raw) -> Option<String> {
    match (kind, raw) {
        (Kind::Quantity(_) | Kind::Percent, Raw::Text(s)) if NOT_REPORTED.contains(&s.trim()) => {
            Some(s.trim().to_owned())
        }
        _ => None,
    }
}

pub(crate) fn admissible(def: &crate::model::InputDef, n: &Number) -> bool {
    (!def.kind.is_count() || n.is_integer()) && def.ranges.iter().all(|r| r.contains(n))
}

/// A decimal read from data, as the exact number it is.
pub(crate) fn num(x: Decimal) -> Value {
    Value::Num(Number::from_decimal(x))
}

/// A number by the number grammar (`crate::numtext`, docs/language.md §13.1):
/// `3,696.83` → 3696.83, `３６９６．８３` → 3696.83; `1e3`, `1_000`, `1,74` are `None`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    plain_decimal(t.as_bytes()).or_else(|| crate::numtext::parse_number(t).ok())
}

/// The number grammar's hint for a value that is not a number (`1e3`: 不支持科学计数法：
/// 请写成 1000), when it has one; `percent` allows a `%`.
pub(crate) fn number_hint(raw: &Raw, percent: bool) -> Option<String> {
    let (Raw::Text(s) | Raw::Number(s)) = raw else {
        return None;
    };
    let error = if percent {
        crate::numtext::parse_fraction(s).err()?
    } else {
        crate::numtext::parse_number(s).err()?
    };
    error.hint()
}

/// `3029.36`, `-55.41`, `174`: at most 18 digits, an optional `-` and an optional
/// fraction, read straight from the bytes into the same mantissa and scale that
/// `Decimal::from_str` gives. Anything else (and `-0`) is left to the general parser.
pub(crate) fn plain_decimal(t: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut count = 0;
    let mut scale = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' if count < 18 => {
                mantissa = mantissa * 10 + i64::from(b - b'0');
                count += 1;
            }
            b'.' if scale.is_none() && i > 0 && i + 1 < digits.len() => scale = Some(digits.len() - i - 1),
            _ => return None,
        }
    }
    if negative && mantissa == 0 {
        return None;
    }
    let scale = scale.unwrap_or(0) as u32;
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
}

/// A percent written without `%` (`100`, text or number alike) whose value as a fraction
/// is beyond ±1000%: almost surely `100%` with the sign left out, so an error rather than
/// 10000%. Gives the value as a percent (`10000%`) for the message.
pub(crate) fn implausible_bare_percent(text: &str) -> Option<String> {
    let t = text.trim();
    if t.contains(['%', '％']) {
        return None;
    }
    let value = parse_percent_text(t)?;
    if value.abs() <= Decimal::TEN {
        return None;
    }
    let percent = value.checked_mul(Decimal::ONE_HUNDRED)?.normalize();
    Some(format!("{percent}%"))
}

/// `95%` → 0.95; a bare number is taken as a fraction (`0.95`).
pub fn parse_percent_text(text: &str) -> Option<Decimal> {
    crate::numtext::parse_fraction(text).ok()
}
