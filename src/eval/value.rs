//! Decimal arithmetic for evaluation: the one rounding function, and checked
//! operations that turn overflow and division by zero into messages.

use rust_decimal::{Decimal, RoundingStrategy};

/// 四舍五入: round half away from zero to `dp` decimals.
///
/// `rust_decimal`'s `round_dp` rounds half to even (banker's rounding), which a
/// finance bureau would read as an arithmetic mistake; this is the only rounding
/// jixiao performs.
///
/// Bit for bit what `round_dp_with_strategy(dp, MidpointAwayFromZero)` returns (same
/// mantissa, scale and sign), computed with one 128-bit division instead of rust_decimal's
/// digit-by-digit loops: evaluation and display round several times per unit.
pub fn round_half_away(x: Decimal, dp: u32) -> Decimal {
    let scale = x.scale();
    if scale <= dp {
        return x;
    }
    if x.is_zero() {
        // Keeps rust_decimal's treatment of a signed zero.
        return x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    }
    let mantissa = x.mantissa().unsigned_abs();
    let divisor = POW10[(scale - dp) as usize];
    let (mut q, r) = if mantissa <= u128::from(u64::MAX) && divisor <= u128::from(u64::MAX) {
        let (m, d) = (mantissa as u64, divisor as u64);
        (u128::from(m / d), u128::from(m % d))
    } else {
        let q = mantissa / divisor;
        (q, mantissa - q * divisor)
    };
    // `divisor` is a power of ten ≥ 10: its half is exact.
    if r >= divisor / 2 {
        q += 1;
    }
    let signed = if x.is_sign_negative() { -(q as i128) } else { q as i128 };
    Decimal::from_i128_with_scale(signed, dp)
}

/// 10^0 … 10^28.
const POW10: [u128; 29] = {
    let mut table = [1u128; 29];
    let mut i = 1;
    while i < 29 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// Appends `x` exactly as its `Display` (`to_string()`) writes it, without allocating.
pub fn write_plain(out: &mut Vec<u8>, x: Decimal) {
    // Digits of the mantissa, least significant first (a 96-bit mantissa has ≤ 29), then
    // zeros up to the decimal point (the buffer is pre-filled with '0').
    let mut digits = [b'0'; 40];
    let mut len = 0;
    let mut m = x.mantissa().unsigned_abs();
    while m > u128::from(u64::MAX) {
        let (q, r) = (m / 10_000_000_000_000_000_000, m % 10_000_000_000_000_000_000);
        let mut low = r as u64;
        for _ in 0..19 {
            digits[len] = b'0' + (low % 10) as u8;
            low /= 10;
            len += 1;
        }
        m = q;
    }
    let mut low = m as u64;
    while low != 0 {
        digits[len] = b'0' + (low % 10) as u8;
        low /= 10;
        len += 1;
    }
    let scale = x.scale() as usize;
    len = len.max(scale);
    // Sign, `0.` or the integer digits, the point, the fraction.
    let mut text = [0u8; 48];
    let mut n = 0;
    if x.is_sign_negative() {
        text[n] = b'-';
        n += 1;
    }
    let whole = len - scale;
    if whole == 0 {
        text[n] = b'0';
        n += 1;
    }
    for i in 0..len {
        if i == whole {
            text[n] = b'.';
            n += 1;
        }
        text[n] = digits[len - 1 - i];
        n += 1;
    }
    out.extend_from_slice(&text[..n]);
}

/// Appends what [`format_decimal`] returns, without allocating (on the common path).
pub fn write_decimal(out: &mut Vec<u8>, x: Decimal, percent: bool, decimals: u32) {
    let scaled = if percent {
        match x.checked_mul(Decimal::ONE_HUNDRED) {
            Some(p) => p,
            None => {
                out.extend_from_slice(format!("{x}（比率）").as_bytes());
                return;
            }
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
    write_plain(out, rounded);
    // `rescale` cannot give a value near 28 digits all its decimals (`…504.0` for 2):
    // the missing places are zeros, written out.
    let missing = decimals.saturating_sub(rounded.scale());
    if missing > 0 {
        if rounded.scale() == 0 {
            out.push(b'.');
        }
        out.extend(std::iter::repeat_n(b'0', missing as usize));
    }
    if percent {
        out.push(b'%');
    }
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

#[inline]
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_add(b).ok_or(ArithError::Overflow)
}

#[inline]
pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_sub(b).ok_or(ArithError::Overflow)
}

#[inline]
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_mul(b).ok_or(ArithError::Overflow)
}

#[inline]
pub fn div(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    if b.is_zero() {
        return Err(ArithError::DivisionByZero);
    }
    a.checked_div(b).ok_or(ArithError::Overflow)
}

/// Formats a value for people: rounded 四舍五入 to `decimals`, as a percent if asked.
/// A value too large to show as a percent shows as the fraction itself, marked `（比率）`.
pub fn format_decimal(x: Decimal, percent: bool, decimals: u32) -> String {
    let mut out = Vec::with_capacity(24);
    write_decimal(&mut out, x, percent, decimals);
    String::from_utf8(out).unwrap_or_default()
}

/// An exact value printed without trailing zeros (`5`, `3.7954545…`).
pub fn format_exact(x: Decimal) -> String {
    x.normalize().to_string()
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

    /// A small deterministic generator (SplitMix64) for the property tests below.
    fn numbers() -> impl Iterator<Item = Decimal> {
        let mut s: u64 = 0x5EED;
        let mut next = move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        (0..20_000).map(move |i| {
            let (a, b) = (next(), next());
            let scale = (a % 29) as u32;
            let mantissa = match i % 4 {
                // Full 96-bit mantissas (28-digit quotients), small ones, and exact ties.
                0 => ((u128::from(a) << 32) | u128::from(b)) & ((1u128 << 96) - 1),
                1 => u128::from(b % 1_000_000),
                2 => u128::from(b % 1_000) * 10u128.pow(scale.min(20)) / 2,
                _ => u128::from(b),
            };
            let negative = a & 1 == 1;
            let signed = if negative {
                -(mantissa as i128)
            } else {
                mantissa as i128
            };
            Decimal::from_i128_with_scale(signed, scale)
        })
    }

    #[test]
    fn fast_rounding_is_rust_decimals_rounding() {
        let mut checked = 0;
        for x in numbers().chain([d("1.03125"), d("-0.00005"), d("0.00004999"), d("-0"), d("0.000")]) {
            for dp in [0, 1, 2, 4, 10, 27, 28] {
                let ours = round_half_away(x, dp);
                let theirs = x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
                assert_eq!(
                    (ours.mantissa(), ours.scale(), ours.is_sign_negative()),
                    (theirs.mantissa(), theirs.scale(), theirs.is_sign_negative()),
                    "{x} to {dp}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100_000);
        assert_eq!(round_half_away(d("1.03125"), 4), d("1.0313"));
    }

    #[test]
    fn plain_writing_is_display() {
        for x in numbers().chain([d("0"), d("-0.00"), d("0.0001"), d("-12.5"), Decimal::MAX, Decimal::MIN]) {
            let mut out = Vec::new();
            write_plain(&mut out, x);
            assert_eq!(String::from_utf8(out).unwrap(), x.to_string());
        }
    }

    #[test]
    fn division_by_zero_is_an_error() {
        assert_eq!(div(d("1"), Decimal::ZERO), Err(ArithError::DivisionByZero));
        assert_eq!(div(d("1"), d("4")), Ok(d("0.25")));
    }
}
