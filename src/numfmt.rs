//! How numbers are rounded and written for people: the one rounding function (四舍五入,
//! half away from zero, on the exact value), a unit's stated decimals rounded as written,
//! and the texts of values (rounded as `显示` says, exact, money, a stated figure).

use rust_decimal::{Decimal, RoundingStrategy};

use crate::number::{ArithError, Number};

/// 四舍五入 on the exact value: half away from zero to `dp` decimals.
///
/// The only rounding jixiao performs on computed values (`rust_decimal`'s `round_dp` is
/// banker's rounding, which a finance bureau would read as an arithmetic mistake).
#[inline]
pub fn round_half_away(x: Number, dp: u32) -> Result<Number, ArithError> {
    x.round(dp)
}

/// 四舍五入 of a decimal as written (a unit's stated figure), to `dp` decimals.
pub fn round_decimal(x: Decimal, dp: u32) -> Decimal {
    x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Appends what [`format_decimal`] returns, without allocating (on the common path).
#[inline]
pub fn write_decimal(out: &mut Vec<u8>, x: Number, percent: bool, decimals: u32) {
    x.write_fixed(out, percent, decimals);
}

/// Formats a value for people: rounded 四舍五入 to `decimals`, as a percent if asked.
/// A value too large to show as a percent shows as the fraction itself, marked `（比率）`.
pub fn format_decimal(x: Number, percent: bool, decimals: u32) -> String {
    x.fixed(percent, decimals)
}

/// An exact value: a plain decimal where it terminates (`5`, `2.015`), else the reduced
/// fraction (`23/29`).
pub fn format_exact(x: Number) -> String {
    x.exact_text()
}

/// An amount in a finding or a cross-check (`727.80`, `-19.60`, `3696.83`): the exact
/// value, with at least two decimals when it is not whole (money is written that way);
/// a fraction with its approximation (`23/29 ≈ 0.7931034483`).
pub fn format_figure(x: Number) -> String {
    if !x.terminates() {
        return format_exact_approx(x);
    }
    let exact = x.exact_text();
    match exact.split_once('.') {
        Some((_, frac)) if frac.len() == 1 => format!("{exact}0"),
        _ => exact,
    }
}

/// An amount of money (万元, 元): the exact value with at least two decimals (`44.00`,
/// `3696.83`, `12.345`).
pub fn format_money(x: &Number) -> String {
    let exact = format_figure(x.clone());
    if x.terminates() && !exact.contains('.') {
        format!("{exact}.00")
    } else {
        exact
    }
}

/// A figure a unit wrote (a self-score), without trailing zeros (`94.3`).
pub fn format_stated(x: Decimal) -> String {
    x.normalize().to_string()
}

/// An exact value for people: [`format_exact`], with an approximation after a fraction
/// (`23/29 ≈ 0.7931034483`).
pub fn format_exact_approx(x: Number) -> String {
    if x.terminates() {
        x.exact_text()
    } else {
        format!("{} ≈ {}", x.exact_text(), x.fixed(false, 10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numtext::parse_exact;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn stated_decimals_round_half_away_from_zero() {
        assert_eq!(round_decimal(d("0.125"), 2), d("0.13"));
        assert_eq!(round_decimal(d("-0.125"), 2), d("-0.13"));
        assert_eq!(round_decimal(d("2.665"), 2), d("2.67"));
        // rust_decimal's default would give 0.12 here: banker's rounding.
        assert_eq!(d("0.125").round_dp(2), d("0.12"));
    }

    #[test]
    fn exact_values_show_a_fraction_with_an_approximation() {
        let x = Number::from(138).checked_div(Number::from(174)).unwrap();
        assert_eq!(format_exact(x.clone()), "23/29");
        assert_eq!(format_exact_approx(x.clone()), "23/29 ≈ 0.7931034483");
        assert_eq!(format_exact_approx(Number::from_decimal(d("2.0150"))), "2.015");
        assert_eq!(format_decimal(x, true, 2), "79.31%");
    }

    #[test]
    fn parses_exactly_or_not_at_all() {
        assert_eq!(parse_exact("-12.50"), Some(d("-12.50")));
        assert_eq!(parse_exact("0.00000000000000000000000000001"), None);
    }
}
