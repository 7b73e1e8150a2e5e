//! Decimal arithmetic for evaluation: the one rounding function, and checked
//! operations that turn overflow and division by zero into messages.

use rust_decimal::{Decimal, RoundingStrategy};

/// 四舍五入: round half away from zero to `dp` decimals.
///
/// `rust_decimal`'s `round_dp` rounds half to even (banker's rounding), which a
/// finance bureau would read as an arithmetic mistake; this is the only rounding
/// jixiao performs.
pub fn round_half_away(x: Decimal, dp: u32) -> Decimal {
    x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Why an arithmetic step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithError {
    DivisionByZero,
    Overflow,
}

impl ArithError {
    pub fn message(self) -> &'static str {
        match self {
            ArithError::DivisionByZero => "除数为 0",
            ArithError::Overflow => "数值超出可精确表示的范围（28 位有效数字）",
        }
    }
}

pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_add(b).ok_or(ArithError::Overflow)
}

pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_sub(b).ok_or(ArithError::Overflow)
}

pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_mul(b).ok_or(ArithError::Overflow)
}

pub fn div(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    if b.is_zero() {
        return Err(ArithError::DivisionByZero);
    }
    a.checked_div(b).ok_or(ArithError::Overflow)
}

/// Formats a value for people: rounded 四舍五入 to `decimals`, as a percent if asked.
pub fn format_decimal(x: Decimal, percent: bool, decimals: u32) -> String {
    let scaled = if percent {
        match x.checked_mul(Decimal::ONE_HUNDRED) {
            Some(p) => p,
            // Too large to show as a percent: show the fraction itself, marked.
            None => return format!("{x}（比率）"),
        }
    } else {
        x
    };
    let mut rounded = round_half_away(scaled, decimals);
    rounded.rescale(decimals);
    if rounded.is_zero() {
        // `-0.00` reads as a mistake; a value that rounds to zero prints as zero.
        rounded.set_sign_positive(true);
    }
    if percent {
        format!("{rounded}%")
    } else {
        rounded.to_string()
    }
}

/// An exact value printed without trailing zeros (`5`, `3.7954545…`).
pub fn format_exact(x: Decimal) -> String {
    x.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_half_away(d("0.125"), 2), d("0.13"));
        assert_eq!(round_half_away(d("-0.125"), 2), d("-0.13"));
        assert_eq!(round_half_away(d("2.675"), 2), d("2.68"));
        assert_eq!(round_half_away(d("2.665"), 2), d("2.67"));
        assert_eq!(round_half_away(d("0.12499"), 2), d("0.12"));
        // rust_decimal's default would give 0.12 here: banker's rounding.
        assert_eq!(d("0.125").round_dp(2), d("0.12"));
    }

    #[test]
    fn formats_percent_and_fixed_decimals() {
        assert_eq!(format_decimal(d("0.7931034482758620689655172414"), true, 2), "79.31%");
        assert_eq!(format_decimal(d("1.2020"), true, 2), "120.20%");
        assert_eq!(format_decimal(d("94.29545"), false, 2), "94.30");
        assert_eq!(format_decimal(d("5"), false, 2), "5.00");
        assert_eq!(format_decimal(d("-0.001"), false, 2), "0.00");
        assert_eq!(format_decimal(d("-0.0917"), true, 2), "-9.17%");
    }

    #[test]
    fn division_by_zero_is_an_error() {
        assert_eq!(div(d("1"), Decimal::ZERO), Err(ArithError::DivisionByZero));
        assert_eq!(div(d("1"), d("4")), Ok(d("0.25")));
    }
}
