//! The one number grammar (docs/language.md §7.1 and §13.1): how a number is written in
//! a rule file and in every data file (TOML, JSON, CSV and workbook cells).
//!
//! ```text
//! 数      = 符号? 整数部分 ("." 数字+)? "%"?
//! 整数部分 = 数字+ | 数字{1,3} ("," 数字{3})+     （千分位逗号只在数据中）
//! 数字    = 0–9 | ０–９；"." 也可写 "．"，"%" 也可写 "％"，"," 也可写 "，"
//! 符号    = "-" | "−" | "－" | "+" | "＋"          （规则文件中负号是运算符）
//! ```
//!
//! Scientific notation (`1e3`), underscores (`1_000`) and thousands separators not in
//! groups of three (`1,74`) are rejected everywhere, each with a hint that writes the
//! number out ([`NumberError`]). TOML's own number syntax allows `1e3` and `1_000`, so
//! the data reader passes TOML numbers' source text through here too.

use rust_decimal::Decimal;

/// Why some text is not a number, with the way to write it (`plain`) where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// `1e3`: `plain` is `1000`, or `None` when it would be too long to show.
    Scientific { plain: Option<String> },
    /// `36_96.83`: `plain` is `3696.83`.
    Underscore { plain: String },
    /// `1,74`: `plain` is `174`; `decimal` is `1.74` when the one comma may be a decimal comma.
    Grouping { plain: String, decimal: Option<String> },
    /// `.5` or `5.`: `plain` is `0.5` or `5`.
    BarePoint { plain: String },
    /// More significant digits than can be held exactly.
    Inexact,
    /// Not a number at all (`八十六`, `0x1F`).
    NotANumber,
}

impl NumberError {
    /// The hint shown to people, in the project's words; `None` for [`NumberError::NotANumber`],
    /// where the caller says what was expected instead.
    pub fn hint(&self) -> Option<String> {
        match self {
            NumberError::Scientific { plain: Some(p) } => Some(format!("不支持科学计数法：请写成 {p}")),
            NumberError::Scientific { plain: None } => Some("不支持科学计数法：请把数字全部写出来".into()),
            NumberError::Underscore { plain } => Some(format!("数字中不能有下划线：请写成 {plain}")),
            NumberError::Grouping { plain, decimal } => Some(match decimal {
                Some(d) => {
                    format!("千分位逗号只能三位一组，例如 1,234,567.89：请写成 {plain}（若逗号是小数点，写成 {d}）")
                }
                None => format!("千分位逗号只能三位一组，例如 1,234,567.89：请写成 {plain}"),
            }),
            NumberError::BarePoint { plain } => Some(format!("小数点前后都要有数字：请写成 {plain}")),
            NumberError::Inexact => Some("超出 28 位有效数字，无法精确表示".into()),
            NumberError::NotANumber => None,
        }
    }

    /// A short label for the span under the offending text (rule files).
    pub fn label(&self) -> &'static str {
        match self {
            NumberError::Scientific { .. } => "科学计数法",
            NumberError::Underscore { .. } => "数字中有下划线",
            NumberError::Grouping { .. } => "千分位逗号",
            NumberError::BarePoint { .. } => "小数点",
            NumberError::Inexact => "超出 28 位有效数字的范围",
            NumberError::NotANumber => "不是数字",
        }
    }
}

/// `１` → `1`, `．` → `.`, `％` → `%`, `，` → `,`, `−` → `-`: a full-width form (or the
/// minus sign U+2212) to its ASCII character.
pub fn to_halfwidth(c: char) -> char {
    match u32::from(c) {
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
        0x2212 => '-',
        _ => c,
    }
}

/// A number as a data file writes it (`-3,696.83`, `３６９６．８３`, `+3`), surrounding
/// spaces ignored; no percent sign. Exact or an error.
pub fn parse_number(text: &str) -> Result<Decimal, NumberError> {
    let t = text.trim();
    let halfwidth: String;
    let t = if t.is_ascii() {
        t
    } else {
        halfwidth = t.chars().map(to_halfwidth).collect();
        halfwidth.as_str()
    };
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => ("-", &t[1..]),
        Some(b'+') => ("", &t[1..]),
        _ => ("", t),
    };
    parse_unsigned(sign, body)
}

/// `95%` → 0.95, a bare number as itself (`0.95`): a percent input's value in data. The
/// percent sign may follow a space.
pub fn parse_fraction(text: &str) -> Result<Decimal, NumberError> {
    let t = text.trim();
    match t.strip_suffix(['%', '％']) {
        Some(n) => parse_number(n)
            .map_err(with_percent)
            .and_then(|d| percent_of(d).ok_or(NumberError::Inexact)),
        None => parse_number(t),
    }
}

/// The digits of a rule file's `number` or `percent` token, without the `%`: unsigned,
/// no thousands separators (the grammar reads a comma as a separator).
pub fn parse_literal(text: &str) -> Result<Decimal, NumberError> {
    let halfwidth: String = text.chars().map(to_halfwidth).collect();
    parse_unsigned("", &halfwidth)
}

/// The hint of an error for the digits before a `%` names the whole percent (`95%`).
pub fn with_percent(e: NumberError) -> NumberError {
    let add = |s: String| format!("{s}%");
    match e {
        NumberError::Scientific { plain } => NumberError::Scientific { plain: plain.map(add) },
        NumberError::Underscore { plain } => NumberError::Underscore { plain: add(plain) },
        NumberError::Grouping { plain, decimal } => NumberError::Grouping {
            plain: add(plain),
            decimal: decimal.map(add),
        },
        NumberError::BarePoint { plain } => NumberError::BarePoint { plain: add(plain) },
        other => other,
    }
}

/// `n%` as a fraction, if exact (`0.0000000000000000000000000001%` is not).
pub fn percent_of(n: Decimal) -> Option<Decimal> {
    n.checked_div(Decimal::ONE_HUNDRED)
        .filter(|f| f.checked_mul(Decimal::ONE_HUNDRED) == Some(n))
}

/// `digits ("." digits)?`, with thousands separators in the documented form; `sign` is
/// `-` or empty and is put back in hints. ASCII only (full-width forms already mapped).
fn parse_unsigned(sign: &str, body: &str) -> Result<Decimal, NumberError> {
    let b = body.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() && !matches!(b[0], b'.' | b'_') {
        return Err(NumberError::NotANumber);
    }
    let all = |f: fn(&u8) -> bool| b.iter().all(f);
    // Scientific notation: a mantissa of digits, `_`, `,` and `.`, then `e`, a sign and digits.
    if let Some(at) = body.find(['e', 'E']) {
        let (mantissa, exponent) = (&body[..at], &body[at + 1..]);
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        let mantissa_ok = mantissa.bytes().any(|c| c.is_ascii_digit())
            && mantissa
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'_' | b','))
            && mantissa.bytes().filter(|&c| c == b'.').count() <= 1;
        if mantissa_ok && !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
            let mantissa: String = mantissa.chars().filter(|c| !matches!(c, '_' | ',')).collect();
            let plain = expand(&mantissa, exponent).map(|p| format!("{sign}{p}"));
            return Err(NumberError::Scientific { plain });
        }
        return Err(NumberError::NotANumber);
    }
    if !all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'_' | b',')) || body.matches('.').count() > 1 {
        return Err(NumberError::NotANumber);
    }
    if body.contains('_') {
        let plain: String = body.chars().filter(|&c| c != '_').collect();
        return match parse_unsigned(sign, &plain) {
            Ok(_) => Err(NumberError::Underscore {
                plain: format!("{sign}{plain}"),
            }),
            Err(NumberError::NotANumber) => Err(NumberError::NotANumber),
            // `1_000,5`: the underscore is the first thing to fix.
            Err(_) => Err(NumberError::Underscore {
                plain: format!("{sign}{plain}"),
            }),
        };
    }
    let (integer, fraction) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if fraction.is_some_and(|f| f.contains(',')) || integer.contains(',') && !grouped(integer) {
        let plain: String = body.chars().filter(|&c| c != ',').collect();
        if plain.is_empty() || plain.starts_with('.') || plain.ends_with('.') {
            return Err(NumberError::NotANumber);
        }
        let decimal = (body.matches(',').count() == 1 && fraction.is_none()).then(|| body.replace(',', "."));
        return Err(NumberError::Grouping {
            plain: format!("{sign}{plain}"),
            decimal: decimal.map(|d| format!("{sign}{d}")),
        });
    }
    let integer: String = integer.chars().filter(|&c| c != ',').collect();
    match fraction {
        _ if integer.is_empty() && fraction.is_none_or(str::is_empty) => Err(NumberError::NotANumber),
        Some(f) if integer.is_empty() || f.is_empty() => {
            let plain = match (integer.is_empty(), f.is_empty()) {
                (true, _) => format!("0.{f}"),
                _ => integer.clone(),
            };
            Err(NumberError::BarePoint {
                plain: format!("{sign}{plain}"),
            })
        }
        Some(f) => parse_exact(&format!("{sign}{integer}.{f}")).ok_or(NumberError::Inexact),
        None => parse_exact(&format!("{sign}{integer}")).ok_or(NumberError::Inexact),
    }
}

/// `1,234,567`: a first group of 1–3 digits, then groups of exactly 3.
fn grouped(integer: &str) -> bool {
    let mut groups = integer.split(',');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
}

/// The plain decimal `mantissa × 10^exponent` (`2.5`, `-3` → `0.0025`), as text; `None`
/// when it would be longer than 60 characters.
fn expand(mantissa: &str, exponent: &str) -> Option<String> {
    let exp: i64 = exponent.parse().ok().filter(|e: &i64| e.abs() <= 60)?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    // The decimal point sits after `point` digits of `digits`.
    let point = int.len() as i64 + exp;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    };
    // Leading zeros of the integer part and trailing zeros of the fraction say nothing.
    let text = match text.split_once('.') {
        Some((i, f)) => {
            let f = f.trim_end_matches('0');
            let i = i.trim_start_matches('0');
            let i = if i.is_empty() { "0" } else { i };
            if f.is_empty() {
                i.to_owned()
            } else {
                format!("{i}.{f}")
            }
        }
        None => {
            let i = text.trim_start_matches('0');
            if i.is_empty() {
                "0".to_owned()
            } else {
                i.to_owned()
            }
        }
    };
    (text.len() <= 60).then_some(text)
}

/// Parses decimal text (`-12.50`, `+3`, `1.5e3`) only if it fits exactly:
/// `rust_decimal` silently rounds digits beyond the 28th decimal place (`0.000…0001` with
/// 30 places becomes 0, `1.0000000000000000000000000000001` becomes 1), which must be an
/// error instead. Compares the significant digits written with those kept.
pub fn parse_exact(text: &str) -> Option<Decimal> {
    let (mantissa, scientific) = match text.split_once(['e', 'E']) {
        Some((m, _)) => (m, true),
        None => (text, false),
    };
    let d = if scientific {
        Decimal::from_scientific(text).ok()?
    } else {
        text.parse().ok()?
    };
    // 28 digits or fewer always fit the 96-bit mantissa: nothing was rounded away.
    if !scientific && mantissa.bytes().filter(u8::is_ascii_digit).count() <= 28 {
        return Some(d);
    }
    let significant = |s: &str| -> String {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        digits.trim_start_matches('0').trim_end_matches('0').to_owned()
    };
    (significant(mantissa) == significant(&d.mantissa().unsigned_abs().to_string())).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        parse_number(text)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .to_string()
    }

    fn hint(text: &str) -> String {
        parse_number(text).unwrap_err().hint().unwrap_or_default()
    }

    #[test]
    fn accepted_forms() {
        for (text, value) in [
            ("3696.83", "3696.83"),
            ("-0.5", "-0.5"),
            ("+3", "3"),
            ("007.50", "7.50"),
            ("1,234.5", "1234.5"),
            ("1,234,567.89", "1234567.89"),
            ("１２３．５", "123.5"),
            ("－１，２３４", "-1234"),
            ("＋３", "3"),
            ("−3", "-3"),
            (" 12 ", "12"),
        ] {
            assert_eq!(ok(text), value, "{text}");
        }
        assert_eq!(parse_fraction("95%").unwrap().to_string(), "0.95");
        assert_eq!(parse_fraction("９５％").unwrap().to_string(), "0.95");
        assert_eq!(parse_fraction("95 %").unwrap().to_string(), "0.95");
        assert_eq!(parse_literal("１２３．５").unwrap().to_string(), "123.5");
    }

    #[test]
    fn rejected_forms_say_how_to_write_them() {
        for (text, want) in [
            ("1e3", "不支持科学计数法：请写成 1000"),
            ("1E3", "不支持科学计数法：请写成 1000"),
            ("1e30", "不支持科学计数法：请写成 1000000000000000000000000000000"),
            ("-2.5e-3", "不支持科学计数法：请写成 -0.0025"),
            ("1.5E+2", "不支持科学计数法：请写成 150"),
            ("0.0e5", "不支持科学计数法：请写成 0"),
            ("1e999", "不支持科学计数法：请把数字全部写出来"),
            ("１ｅ３", "不支持科学计数法：请写成 1000"),
            ("36_96.83", "数字中不能有下划线：请写成 3696.83"),
            ("_3696.83", "数字中不能有下划线：请写成 3696.83"),
            ("1_7_4", "数字中不能有下划线：请写成 174"),
            ("-1_000", "数字中不能有下划线：请写成 -1000"),
            (
                "1,74",
                "千分位逗号只能三位一组，例如 1,234,567.89：请写成 174（若逗号是小数点，写成 1.74）",
            ),
            ("1,234.5,6", "千分位逗号只能三位一组，例如 1,234,567.89：请写成 1234.56"),
            ("12,34,567", "千分位逗号只能三位一组，例如 1,234,567.89：请写成 1234567"),
            (".5", "小数点前后都要有数字：请写成 0.5"),
            ("5.", "小数点前后都要有数字：请写成 5"),
            ("0.12345678901234567890123456789", "超出 28 位有效数字"),
        ] {
            assert!(hint(text).contains(want), "{text}: {}", hint(text));
        }
        for text in [
            "",
            "-",
            "八十六",
            "0x1F",
            "inf",
            "nan",
            "1e",
            "e3",
            "1.2.3",
            "1-2",
            "95%",
            ",",
            ".",
        ] {
            assert_eq!(parse_number(text), Err(NumberError::NotANumber), "{text}");
        }
        assert_eq!(
            parse_fraction("9.5e1%").unwrap_err().hint().unwrap(),
            "不支持科学计数法：请写成 95%"
        );
    }
}
