//! Exact numbers: every value jixiao computes is a rational number.
//!
//! A [`Number`] is a fraction. Addition, subtraction, multiplication and division are
//! exact; comparisons are exact; a value is rounded only by [`Number::round`] (四舍五入,
//! half away from zero, decided on the exact value), which the rule file asks for through
//! `显示`, `得分精度` and `round()`. `138 / 174` is `23/29`, not 0.7931034482758620689655172414,
//! so `382.85 / 600 / 95% × 3` is exactly 2.015 and shows as 2.02.
//!
//! Two representations, one value: a small fraction `n / d` of two `i128`s (`d > 0`), which
//! is what budget figures and almost every computed value are, and a big rational
//! (`num-rational` over `num-bigint`) for the rare value whose lowest terms do not fit
//! 128 bits (a sum of many scores with unrelated denominators can get there). A step on
//! small fractions whose 128-bit arithmetic overflows is done again with big integers;
//! a big result that fits is made small again. Nothing is ever rounded or wrapped.
//!
//! Small fractions are not reduced after every step: budget figures are decimals, and
//! sums of decimals of one scale, or products of a few of them, stay small. A fraction
//! whose numerator or denominator passes 2^64 is reduced by their gcd.
//!
//! Text forms: [`Number::exact_text`] (`Display`) writes a terminating value as a plain
//! decimal (`2.015`, `4`, `0.00000000000000000000000000001`) and any other as a reduced
//! fraction (`23/29`); [`Number::write_fixed`] writes the rounded value with a fixed number
//! of decimals, optionally as a percent (`79.31%`).

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;

/// Why an arithmetic step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithError {
    /// A division by 0.
    DivisionByZero,
    /// A value past 16,384 bits (only a rule file built to explode gets there), or a
    /// rounding to more than 1,000 places.
    Overflow,
}

impl ArithError {
    /// The Chinese message (`除数为 0`) a report shows for it.
    pub fn message(self) -> &'static str {
        match self {
            ArithError::DivisionByZero => "除数为 0",
            ArithError::Overflow => "数值超出可计算的范围（分子、分母合计超过约 4900 位数字）",
        }
    }
}

/// An exact rational number (see the module documentation).
///
/// ```
/// use jixiao::number::{ArithError, Number};
///
/// let rate = Number::from(138).checked_div(Number::from(174))?;
/// assert_eq!(rate.to_string(), "23/29"); // exact: a fraction, not 0.7931034…
/// assert_eq!(rate.fixed(true, 2), "79.31%"); // shown as `显示 百分比 2` says
/// assert_eq!(rate.clone().round(4)?.to_string(), "0.7931");
/// assert_eq!(Number::parse_exact_text("23/29"), Some(rate)); // the exact text reads back
///
/// // 382.85 / 600 / 95% × 3 is exactly 2.015; 四舍五入 to 2 places, decided on that
/// // exact value, is 2.02 (half away from zero).
/// let x = Number::parse_exact_text("382.85").unwrap()
///     .checked_div(Number::from(600))?
///     .checked_div(Number::parse_exact_text("0.95").unwrap())?
///     .checked_mul(Number::from(3))?;
/// assert_eq!(x.to_string(), "2.015");
/// assert_eq!(x.clone().round(2)?.to_string(), "2.02");
/// assert_eq!((-x).round(2)?.to_string(), "-2.02");
///
/// assert_eq!(Number::ONE.checked_div(Number::ZERO), Err(ArithError::DivisionByZero));
/// # Ok::<(), ArithError>(())
/// ```
///
/// 32 bytes: `n / d` (`d ≥ 1`, `n > i128::MIN`, not necessarily in lowest terms) while
/// `big` is `None`, else the big rational in `big` (only for values whose lowest terms do
/// not fit `i128 / i64`). Kept small on purpose: evaluation moves these around a lot.
#[derive(Clone)]
pub struct Number {
    n: i128,
    d: i64,
    big: Option<Arc<BigRational>>,
}

/// A [`Number`] as seen by the arithmetic.
enum Repr<'a> {
    Small(Small),
    Big(&'a Arc<BigRational>),
}

/// `n / d` with `d >= 1` and `n > i128::MIN` (so negation never overflows); not
/// necessarily in lowest terms. The working form of a small [`Number`].
#[derive(Clone, Copy)]
struct Small {
    n: i128,
    d: i128,
}

/// The largest exact value jixiao computes: numerator and denominator together 16,384 bits
/// (about 4,900 decimal digits). No real figure comes near; past it is an error.
const MAX_BITS: u64 = 16_384;

/// Past this, a fraction is reduced (so later products rarely need big integers).
const REDUCE_ABOVE: u128 = 1 << 64;

/// 10^0 … 10^38.
const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// 10^k as an `i128`, if it fits.
fn pow10(k: u32) -> Option<i128> {
    POW10.get(k as usize).copied()
}

fn big_pow10(k: u32) -> BigInt {
    BigInt::from(10).pow(k)
}

impl Small {
    fn reduced(self) -> Small {
        let g = gcd(self.n, self.d);
        if g <= 1 {
            self
        } else {
            Small {
                n: self.n / g,
                d: self.d / g,
            }
        }
    }

    /// Reduces a fraction that has grown large.
    #[inline(always)]
    fn tidy(n: i128, d: i128) -> Number {
        Number::from_small(Small { n, d })
    }

    fn to_big(self) -> BigRational {
        BigRational::new_raw(BigInt::from(self.n), BigInt::from(self.d))
    }

    /// Both parts fit 64 bits: products of two such fit 128 bits without a check.
    #[inline(always)]
    fn narrow(self) -> bool {
        fits_i64(self.n) && fits_i64(self.d)
    }

    #[inline(always)]
    fn add(self, o: Small) -> Option<Number> {
        if self.d == o.d {
            let n = self.n.checked_add(o.n).filter(|&n| n != i128::MIN)?;
            return Some(Small::tidy(n, self.d));
        }
        if self.narrow() && o.narrow() {
            // |n·d| < 2^126 each: the sum fits too.
            return Some(Small::tidy(self.n * o.d + o.n * self.d, self.d * o.d));
        }
        let n = self
            .n
            .checked_mul(o.d)?
            .checked_add(o.n.checked_mul(self.d)?)
            .filter(|&n| n != i128::MIN)?;
        Some(Small::tidy(n, self.d.checked_mul(o.d)?))
    }

    #[inline(always)]
    fn mul(self, o: Small) -> Option<Number> {
        if self.narrow() && o.narrow() {
            return Some(Small::tidy(self.n * o.n, self.d * o.d));
        }
        let n = self.n.checked_mul(o.n).filter(|&n| n != i128::MIN)?;
        Some(Small::tidy(n, self.d.checked_mul(o.d)?))
    }

    /// `o` is not zero.
    #[inline(always)]
    fn div(self, o: Small) -> Option<Number> {
        // (a/b) / (c/d) = (a·d) / (b·c), with the sign moved to the numerator.
        let (c, d) = if o.n < 0 { (-o.n, -o.d) } else { (o.n, o.d) };
        if self.narrow() && fits_i64(c) && fits_i64(d) {
            return Some(Small::tidy(self.n * d, self.d * c));
        }
        let n = self.n.checked_mul(d).filter(|&n| n != i128::MIN)?;
        Some(Small::tidy(n, self.d.checked_mul(c)?))
    }

    #[inline(always)]
    fn cmp(self, o: Small) -> Option<Ordering> {
        if self.d == o.d {
            return Some(self.n.cmp(&o.n));
        }
        if self.narrow() && o.narrow() {
            return Some((self.n * o.d).cmp(&(o.n * self.d)));
        }
        Some(self.n.checked_mul(o.d)?.cmp(&o.n.checked_mul(self.d)?))
    }

    /// The value × 10^dp rounded half away from zero, if it fits an `i128`.
    fn rounded_mantissa(self, dp: u32) -> Option<i128> {
        let unit = pow10(dp)?;
        let scaled = self.n.unsigned_abs().checked_mul(unit as u128)?;
        let d = self.d as u128;
        // A 64-bit division where it suffices: a 128-bit one costs several times more.
        let (mut q, r) = match (u64::try_from(scaled), u64::try_from(d)) {
            (Ok(s), Ok(d)) => (u128::from(s / d), u128::from(s % d)),
            _ => (scaled / d, scaled % d),
        };
        // r ≥ d/2 without overflow: r ≥ d − r.
        if r >= d - r {
            q += 1;
        }
        let q = i128::try_from(q).ok()?;
        Some(if self.n < 0 { -q } else { q })
    }

    /// `mantissa × 10^-scale` with the least scale, if the value terminates and fits.
    fn terminating(self) -> Option<(i128, u32)> {
        let r = self.reduced();
        let scale = decimal_scale(r.d)?;
        let factor = pow10(scale)? / r.d;
        Some((r.n.checked_mul(factor)?, scale))
    }
}

#[inline(always)]
fn fits_i64(x: i128) -> bool {
    x as i64 as i128 == x
}

/// A step redone with big rationals (an operand is big, or 128 bits overflowed).
#[cold]
#[inline(never)]
fn slow(x: &Number, y: &Number, op: fn(BigRational, BigRational) -> BigRational) -> Result<Number, ArithError> {
    let r = op(x.to_big(), y.to_big());
    // A bound on what a rule file can make jixiao compute (a formula that multiplies a
    // number by itself a thousand times): about 2,400 digits above and below the line.
    if r.numer().bits() + r.denom().bits() > MAX_BITS {
        return Err(ArithError::Overflow);
    }
    Ok(from_big(r))
}

/// A big rational as a [`Number`]: small again if its lowest terms fit.
fn from_big(x: BigRational) -> Number {
    // `Ratio`'s operators and `new` keep it in lowest terms.
    match (x.numer().to_i128(), x.denom().to_i128()) {
        // In lowest terms already: small only if the denominator fits 64 bits.
        (Some(n), Some(d)) if n != i128::MIN && fits_i64(d) => Number {
            n,
            d: d as i64,
            big: None,
        },
        _ => Number {
            n: 0,
            d: 1,
            big: Some(Arc::new(x)),
        },
    }
}

/// The value × 10^dp rounded half away from zero, with big integers.
fn rounded_big(x: &BigRational, dp: u32) -> BigInt {
    let scaled = x.numer().abs() * big_pow10(dp);
    let (mut q, r) = scaled.div_rem(x.denom());
    if &r + &r >= *x.denom() {
        q += 1;
    }
    if x.is_negative() {
        -q
    } else {
        q
    }
}

impl Number {
    /// 0.
    pub const ZERO: Number = Number::int(0);
    /// 1.
    pub const ONE: Number = Number::int(1);
    /// 100 (a percent's scale).
    pub const ONE_HUNDRED: Number = Number::int(100);

    const fn int(n: i128) -> Number {
        Number { n, d: 1, big: None }
    }

    /// A small fraction, reduced once it has grown large; big if it does not fit.
    #[inline(always)]
    fn from_small(x: Small) -> Number {
        if x.n.unsigned_abs() < REDUCE_ABOVE && (x.d as u128) < REDUCE_ABOVE {
            // d < 2^64 is not yet i64: fall through to the general case for the top bit.
            if let Ok(d) = i64::try_from(x.d) {
                return Number { n: x.n, d, big: None };
            }
        }
        Number::from_large(x)
    }

    /// [`Number::from_small`] for a fraction past 2^64: reduced, and big if still too large.
    #[cold]
    #[inline(never)]
    fn from_large(x: Small) -> Number {
        let x = x.reduced();
        match i64::try_from(x.d) {
            Ok(d) => Number { n: x.n, d, big: None },
            Err(_) => from_big(BigRational::new(BigInt::from(x.n), BigInt::from(x.d))),
        }
    }

    #[inline(always)]
    fn repr(&self) -> Repr<'_> {
        match &self.big {
            None => Repr::Small(Small {
                n: self.n,
                d: self.d as i128,
            }),
            Some(b) => Repr::Big(b),
        }
    }

    /// `n / d` exactly; `None` when `d` is 0.
    pub fn ratio(n: i128, d: i128) -> Option<Number> {
        if d == 0 {
            return None;
        }
        Some(from_big(BigRational::new(BigInt::from(n), BigInt::from(d))))
    }

    /// `mantissa × 10^-scale`.
    pub fn from_scaled(mantissa: i128, scale: u32) -> Number {
        match pow10(scale) {
            Some(d) if mantissa != i128::MIN => Number::from_small(Small { n: mantissa, d }),
            _ => from_big(BigRational::new(BigInt::from(mantissa), big_pow10(scale))),
        }
    }

    /// The exact value of a decimal (every [`Decimal`] is one of these).
    pub fn from_decimal(x: Decimal) -> Number {
        // A Decimal's mantissa has 96 bits and its scale is at most 28: always small.
        Number::from_small(Small {
            n: x.mantissa(),
            d: POW10[x.scale() as usize],
        })
    }

    /// The value as a big rational (for sums over many units).
    pub fn to_big(&self) -> BigRational {
        match self.repr() {
            Repr::Small(s) => s.to_big(),
            Repr::Big(b) => (**b).clone(),
        }
    }

    /// Numerator and denominator in lowest terms (denominator ≥ 1), as text-free integers.
    pub fn parts(&self) -> (BigInt, BigInt) {
        match self.repr() {
            Repr::Small(s) => {
                let r = s.reduced();
                (r.n.into(), r.d.into())
            }
            Repr::Big(b) => (b.numer().clone(), b.denom().clone()),
        }
    }

    /// Whether the value is 0.
    pub fn is_zero(&self) -> bool {
        match self.repr() {
            Repr::Small(s) => s.n == 0,
            Repr::Big(b) => b.is_zero(),
        }
    }

    /// Whether the value is below 0.
    pub fn is_negative(&self) -> bool {
        match self.repr() {
            Repr::Small(s) => s.n < 0,
            Repr::Big(b) => b.is_negative(),
        }
    }

    /// Whether the value is a whole number (`4`, `8/2`; not `2.5`).
    pub fn is_integer(&self) -> bool {
        match self.repr() {
            Repr::Small(s) if s.d == 1 => true,
            Repr::Small(s) if fits_i64(s.n) => (s.n as i64) % (s.d as i64) == 0,
            Repr::Small(s) => s.n % s.d == 0,
            Repr::Big(b) => b.is_integer(),
        }
    }

    /// The absolute value.
    pub fn abs(self) -> Number {
        match self.repr() {
            Repr::Small(s) => Number::from_small(Small { n: s.n.abs(), d: s.d }),
            Repr::Big(b) => from_big(b.abs()),
        }
    }

    /// Overwrites `self` with `v`, field by field where both are small (the register
    /// program's assignment: a whole-struct move through the stack costs a store-forwarding
    /// stall per operation).
    #[inline(always)]
    pub fn set(&mut self, v: Number) {
        if self.big.is_none() && v.big.is_none() {
            self.n = v.n;
            self.d = v.d;
        } else {
            *self = v;
        }
    }

    /// `self + other`, exactly; an error only past 16,384 bits.
    #[inline(always)]
    pub fn add(&self, other: &Number) -> Result<Number, ArithError> {
        if let (Repr::Small(a), Repr::Small(b)) = (self.repr(), other.repr()) {
            if let Some(x) = a.add(b) {
                return Ok(x);
            }
        }
        slow(self, other, |x, y| x + y)
    }

    /// `self − other`, exactly; an error only past 16,384 bits.
    #[inline(always)]
    pub fn sub(&self, other: &Number) -> Result<Number, ArithError> {
        if let (Repr::Small(a), Repr::Small(b)) = (self.repr(), other.repr()) {
            if let Some(x) = a.add(Small { n: -b.n, d: b.d }) {
                return Ok(x);
            }
        }
        slow(self, other, |x, y| x - y)
    }

    /// `self × other`, exactly; an error only past 16,384 bits.
    #[inline(always)]
    pub fn mul(&self, other: &Number) -> Result<Number, ArithError> {
        if let (Repr::Small(a), Repr::Small(b)) = (self.repr(), other.repr()) {
            if let Some(x) = a.mul(b) {
                return Ok(x);
            }
        }
        slow(self, other, |x, y| x * y)
    }

    /// `self ÷ other`, exactly; an error when `other` is 0, or past 16,384 bits.
    #[inline(always)]
    pub fn div(&self, other: &Number) -> Result<Number, ArithError> {
        if other.is_zero() {
            return Err(ArithError::DivisionByZero);
        }
        if let (Repr::Small(a), Repr::Small(b)) = (self.repr(), other.repr()) {
            if let Some(x) = a.div(b) {
                return Ok(x);
            }
        }
        slow(self, other, |x, y| x / y)
    }

    /// [`Number::add`] taking its operands by value.
    #[inline]
    pub fn checked_add(self, other: Number) -> Result<Number, ArithError> {
        self.add(&other)
    }

    /// [`Number::sub`] taking its operands by value.
    #[inline]
    pub fn checked_sub(self, other: Number) -> Result<Number, ArithError> {
        self.sub(&other)
    }

    /// [`Number::mul`] taking its operands by value.
    #[inline]
    pub fn checked_mul(self, other: Number) -> Result<Number, ArithError> {
        self.mul(&other)
    }

    /// [`Number::div`] taking its operands by value.
    #[inline]
    pub fn checked_div(self, other: Number) -> Result<Number, ArithError> {
        self.div(&other)
    }

    /// The largest integer ≤ the value.
    pub fn floor(self) -> Number {
        match self.repr() {
            Repr::Small(s) => Number::from_small(Small {
                n: s.n.div_euclid(s.d),
                d: 1,
            }),
            Repr::Big(b) => from_big(b.floor()),
        }
    }

    /// The smallest integer ≥ the value.
    pub fn ceil(self) -> Number {
        match self.repr() {
            // −floor(−x); `n > i128::MIN`, so the negations cannot overflow.
            Repr::Small(s) => Number::from_small(Small {
                n: -(-s.n).div_euclid(s.d),
                d: 1,
            }),
            Repr::Big(b) => from_big(b.ceil()),
        }
    }

    /// The value as a `u32`, if it is a non-negative integer that fits.
    pub fn to_u32(&self) -> Option<u32> {
        match self.repr() {
            Repr::Small(s) if s.n % s.d == 0 => u32::try_from(s.n / s.d).ok(),
            _ => None,
        }
    }

    /// 四舍五入: rounded half away from zero to `dp` decimals, decided on the exact value.
    /// An error only for more than 1,000 places.
    ///
    /// ```
    /// use jixiao::Number;
    ///
    /// let round = |text: &str, dp| Number::parse_exact_text(text).unwrap().round(dp).unwrap().to_string();
    /// assert_eq!(round("0.125", 2), "0.13");
    /// assert_eq!(round("-0.125", 2), "-0.13");
    /// assert_eq!(round("2/3", 2), "0.67");
    /// assert_eq!(round("1/8", 0), "0");
    /// assert_eq!(round("2.5", 0), "3"); // not to even
    /// ```
    #[inline]
    pub fn round(self, dp: u32) -> Result<Number, ArithError> {
        if dp > 1000 {
            return Err(ArithError::Overflow);
        }
        match self.repr() {
            Repr::Small(s) => {
                // Already at most `dp` decimals: nothing to round (a value too large to
                // scale by 10^dp in 128 bits is rounded with big integers below).
                let divides = match (u64::try_from(s.d), pow10(dp)) {
                    // A 64-bit remainder where it suffices (rounding is on every display).
                    (Ok(d), Some(unit)) if dp <= 18 => (unit as u64) % d == 0,
                    (_, Some(unit)) => unit % s.d == 0,
                    (_, None) => false,
                };
                if divides {
                    return Ok(self);
                }
                match s.rounded_mantissa(dp) {
                    Some(q) => Ok(Number::from_scaled(q, dp)),
                    None => Ok(from_big(BigRational::new(rounded_big(&s.to_big(), dp), big_pow10(dp)))),
                }
            }
            Repr::Big(b) => Ok(from_big(BigRational::new(rounded_big(b, dp), big_pow10(dp)))),
        }
    }

    /// The value as a [`Decimal`] if it is one exactly (a terminating value of ≤ 28
    /// decimals and 96 bits), for writing into office formats.
    pub fn to_decimal(&self) -> Option<Decimal> {
        let Repr::Small(s) = self.repr() else { return None };
        let (mantissa, scale) = s.terminating()?;
        if scale > 28 {
            return None;
        }
        Decimal::try_from_i128_with_scale(mantissa, scale).ok()
    }

    /// The nearest `f64` (for spreadsheets and charts only; never used in arithmetic):
    /// a decimal through its text (correctly rounded by Rust), a fraction by division.
    pub fn to_f64(&self) -> f64 {
        if let Some(x) = self.to_decimal().and_then(|d| d.to_string().parse::<f64>().ok()) {
            return x;
        }
        match self.repr() {
            Repr::Small(s) => {
                let r = s.reduced();
                if r.n.unsigned_abs() < (1 << 53) && (r.d as u128) < (1 << 53) {
                    // Both exact in an f64: one correctly rounded division.
                    return r.n as f64 / r.d as f64;
                }
                r.to_big().to_f64().unwrap_or(f64::NAN)
            }
            Repr::Big(b) => b.to_f64().unwrap_or(f64::NAN),
        }
    }

    /// Whether the value has a finite decimal expansion.
    pub fn terminates(&self) -> bool {
        match self.repr() {
            Repr::Small(s) => decimal_scale(s.reduced().d).is_some(),
            Repr::Big(b) => big_decimal_scale(b.denom()).is_some(),
        }
    }

    /// The exact value as text: a plain decimal if it terminates (`2.015`, `-4`),
    /// else the reduced fraction (`23/29`).
    pub fn exact_text(&self) -> String {
        self.to_string()
    }

    /// Appends the value rounded 四舍五入 to `decimals` places, all of them written
    /// (`5.00`); as a percent (`79.31%`, value × 100) if asked. A value that rounds to
    /// zero is written without a sign.
    pub fn write_fixed(&self, out: &mut Vec<u8>, percent: bool, decimals: u32) {
        let places = decimals + if percent { 2 } else { 0 };
        // Rounding x to `decimals` places of x × 100 is rounding x to `decimals + 2`.
        let small = match self.repr() {
            Repr::Small(s) => s.rounded_mantissa(places),
            Repr::Big(_) => None,
        };
        match small {
            Some(q) => write_scaled(out, q, decimals),
            None => {
                let q = rounded_big(&self.to_big(), places);
                write_big_scaled(out, &q, decimals);
            }
        }
        if percent {
            out.push(b'%');
        }
    }

    /// [`Number::write_fixed`] as a `String`.
    pub fn fixed(&self, percent: bool, decimals: u32) -> String {
        let mut out = Vec::with_capacity(24);
        self.write_fixed(&mut out, percent, decimals);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Parses the exact text form ([`Number::exact_text`]) and plain decimals.
    pub fn parse_exact_text(text: &str) -> Option<Number> {
        match text.split_once('/') {
            Some((n, d)) => {
                let n: BigInt = n.trim().parse().ok()?;
                let d: BigInt = d.trim().parse().ok()?;
                (!d.is_zero()).then(|| from_big(BigRational::new(n, d)))
            }
            None => crate::numtext::parse_exact(text.trim()).map(Number::from_decimal),
        }
    }
}

/// Writes `mantissa × 10^-decimals` with exactly `decimals` decimals; no `-` on zero.
/// (For a percent the caller passes the value × 100's mantissa.)
fn write_scaled(out: &mut Vec<u8>, mantissa: i128, decimals: u32) {
    let mut digits = [0u8; 48];
    let mut len = 0;
    let mut m = mantissa.unsigned_abs();
    // Digits of the part above 64 bits with 128-bit division, the rest with 64-bit
    // division (several times cheaper; every written number comes through here).
    while m > u128::from(u64::MAX) {
        digits[len] = b'0' + (m % 10) as u8;
        m /= 10;
        len += 1;
    }
    let mut low = m as u64;
    while low != 0 || len <= decimals as usize {
        digits[len] = b'0' + (low % 10) as u8;
        low /= 10;
        len += 1;
    }
    if mantissa < 0 {
        out.push(b'-');
    }
    for i in (0..len).rev() {
        out.push(digits[i]);
        if i == decimals as usize && i != 0 {
            out.push(b'.');
        }
    }
}

/// [`write_scaled`] for a mantissa past 128 bits.
fn write_big_scaled(out: &mut Vec<u8>, mantissa: &BigInt, decimals: u32) {
    let digits = format!("{:0>width$}", mantissa.abs(), width = decimals as usize + 1);
    let (whole, frac) = digits.split_at(digits.len() - decimals as usize);
    if mantissa.is_negative() {
        out.push(b'-');
    }
    out.extend_from_slice(whole.as_bytes());
    if decimals > 0 {
        out.push(b'.');
        out.extend_from_slice(frac.as_bytes());
    }
}

/// A big rational (a mean over many units) rounded 四舍五入 to `dp` decimals, exactly.
pub fn round_big(x: &BigRational, dp: u32) -> Result<Number, ArithError> {
    Ok(from_big(BigRational::new(rounded_big(x, dp), big_pow10(dp))))
}

/// For a denominator made only of 2s and 5s, the number of decimals it needs.
fn decimal_scale(d: i128) -> Option<u32> {
    let mut d = d;
    let (mut twos, mut fives) = (0u32, 0u32);
    while d % 2 == 0 {
        d /= 2;
        twos += 1;
    }
    while d % 5 == 0 {
        d /= 5;
        fives += 1;
    }
    (d == 1).then_some(twos.max(fives))
}

fn big_decimal_scale(d: &BigInt) -> Option<u32> {
    let (two, five) = (BigInt::from(2), BigInt::from(5));
    let mut d = d.clone();
    let (mut twos, mut fives) = (0u32, 0u32);
    while (&d % &two).is_zero() {
        d /= &two;
        twos += 1;
    }
    while (&d % &five).is_zero() {
        d /= &five;
        fives += 1;
    }
    (d == BigInt::from(1)).then_some(twos.max(fives))
}

fn gcd(a: i128, b: i128) -> i128 {
    // Both fit u64 in the common case: a much cheaper loop.
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    let g = match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) => u128::from(a.gcd(&b)),
        _ => a.gcd(&b),
    };
    // The gcd of values ≤ i128::MAX (d) fits.
    g as i128
}

impl std::ops::Neg for Number {
    type Output = Number;
    fn neg(self) -> Number {
        match self.repr() {
            Repr::Small(s) => Number::from_small(Small { n: -s.n, d: s.d }),
            Repr::Big(b) => from_big(-(**b).clone()),
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    #[inline]
    fn cmp(&self, other: &Number) -> Ordering {
        if let (Repr::Small(a), Repr::Small(b)) = (self.repr(), other.repr()) {
            if let Some(o) = a.cmp(b) {
                return o;
            }
        }
        cmp_big(self, other)
    }
}

#[cold]
#[inline(never)]
fn cmp_big(x: &Number, y: &Number) -> Ordering {
    x.to_big().cmp(&y.to_big())
}

impl std::hash::Hash for Number {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl Default for Number {
    fn default() -> Number {
        Number::ZERO
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                Number::from_small(Small { n: n as i128, d: 1 })
            }
        }
    )*};
}
from_int!(i32, u32, i64, usize);

/// A big rational worked out elsewhere (a median over many units), exactly.
impl From<BigRational> for Number {
    fn from(x: BigRational) -> Number {
        from_big(x)
    }
}

impl From<Decimal> for Number {
    fn from(x: Decimal) -> Number {
        Number::from_decimal(x)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Repr::Small(s) = self.repr() {
            let r = s.reduced();
            match decimal_scale(r.d) {
                // Not a terminating decimal: the fraction, without big integers.
                None => return write!(f, "{}/{}", r.n, r.d),
                Some(scale) => {
                    if let Some(mantissa) = pow10(scale).and_then(|p| r.n.checked_mul(p / r.d)) {
                        let mut out = Vec::with_capacity(48);
                        write_scaled(&mut out, mantissa, scale);
                        return f.write_str(std::str::from_utf8(&out).unwrap_or_default());
                    }
                }
            }
        }
        // A big value, or a terminating one whose digits pass 128 bits.
        let (n, d) = self.parts();
        if let Some(scale) = big_decimal_scale(&d) {
            let mantissa = n * (big_pow10(scale) / d);
            let mut out = Vec::new();
            write_big_scaled(&mut out, &mantissa, scale);
            return f.write_str(std::str::from_utf8(&out).unwrap_or_default());
        }
        write!(f, "{n}/{d}")
    }
}

/// Reads the exact text form: a decimal (`2.015`) or a fraction (`23/29`).
impl std::str::FromStr for Number {
    type Err = String;
    fn from_str(text: &str) -> Result<Number, String> {
        Number::parse_exact_text(text).ok_or_else(|| format!("`{text}` 不是一个精确数值"))
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `serde(with = …)` for `Option<Number>`: the exact text or null.
pub mod serde_option {
    use super::Number;

    /// Writes `Some` as the exact text (`"2.015"`, `"23/29"`) and `None` as null.
    pub fn serialize<S: serde::Serializer>(x: &Option<Number>, serializer: S) -> Result<S::Ok, S::Error> {
        match x {
            Some(n) => serializer.collect_str(n),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse_exact_text(text).unwrap()
    }

    #[test]
    fn a_big_rational_becomes_the_same_number() {
        let third = BigRational::new(1.into(), 3.into());
        assert_eq!(Number::from(third), n("1/3"));
        let half_sum = BigRational::new(18877.into(), 200.into());
        assert_eq!(Number::from(half_sum).to_string(), "94.385");
        let huge = BigRational::new(BigInt::from(10).pow(40) + 1, 3.into());
        assert_eq!(Number::from(huge.clone()).to_big(), huge);
    }

    #[test]
    fn quotients_are_exact() {
        let rate = n("138").checked_div(n("174")).unwrap();
        assert_eq!(rate.to_string(), "23/29");
        assert_eq!(rate.fixed(true, 2), "79.31%");
        // 382.85 / 600 ÷ 95% × 3 = 2.015 exactly, so 2.02.
        let score = n("382.85")
            .checked_div(n("600"))
            .and_then(|x| x.checked_div(n("0.95")))
            .and_then(|x| x.checked_mul(n("3")))
            .unwrap();
        assert_eq!(score.to_string(), "2.015");
        assert_eq!(score.fixed(false, 2), "2.02");
        let four = n("6").checked_mul(n("2").checked_div(n("3")).unwrap()).unwrap();
        assert_eq!(four.to_string(), "4");
        assert_eq!(four, Number::from(4));
    }

    #[test]
    fn products_keep_every_digit() {
        let tiny = n("0.00000000000001").checked_mul(n("0.000000000000001")).unwrap();
        assert_eq!(tiny.to_string(), "0.00000000000000000000000000001");
        let x = n("1.2345678901234567");
        assert_eq!(
            x.clone().checked_mul(x).unwrap().to_string(),
            "1.52415787532388345526596755677489"
        );
    }

    #[test]
    fn rounding_is_half_away_on_the_exact_value() {
        assert_eq!(n("0.125").fixed(false, 2), "0.13");
        assert_eq!(n("-0.125").fixed(false, 2), "-0.13");
        assert_eq!(n("59.995").round(2).unwrap(), n("60"));
        assert_eq!(n("-0.001").fixed(false, 2), "0.00");
        assert_eq!(n("5").fixed(false, 2), "5.00");
        assert_eq!(n("1/3").fixed(false, 0), "0");
        assert_eq!(n("2/3").fixed(false, 0), "1");
        assert_eq!(n("-0.0917").fixed(true, 2), "-9.17%");
        assert_eq!(n("1.202").fixed(true, 2), "120.20%");
        assert_eq!(n("7/48").checked_mul(n("6")).unwrap().fixed(false, 2), "0.88");
    }

    #[test]
    fn values_past_128_bits_stay_exact() {
        let big = Number::from_scaled(i128::MAX, 0);
        let bigger = big.clone().checked_add(Number::ONE).unwrap();
        assert_eq!(bigger.to_string(), "170141183460469231731687303715884105728");
        assert_eq!(bigger.clone().checked_sub(Number::ONE).unwrap(), big);
        let third = Number::ONE.checked_div(n("3")).unwrap();
        let x = big.clone().checked_mul(third).unwrap();
        assert_eq!(x.clone().checked_mul(n("3")).unwrap(), big);
        assert_eq!(x.fixed(false, 1), "56713727820156410577229101238628035242.3");
        // A sum of many unrelated denominators: exact, and back to small when it fits.
        let mut sum = Number::ZERO;
        for d in [
            101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
        ] {
            sum = sum.checked_add(Number::ratio(1, d).unwrap()).unwrap();
        }
        let back = sum.clone().checked_sub(sum).unwrap();
        assert!(back.is_zero());
        assert_eq!(Number::ONE.checked_div(Number::ZERO), Err(ArithError::DivisionByZero));
    }

    #[test]
    fn a_number_is_32_bytes() {
        // Evaluation moves numbers around constantly; keep them small.
        assert_eq!(std::mem::size_of::<Number>(), 32);
    }

    #[test]
    fn comparisons_and_parts() {
        assert!(n("1/3") < n("0.3334"));
        assert!(n("1/3") > n("0.3333"));
        assert_eq!(n("2/4"), n("0.5"));
        assert_eq!(n("0.50").parts(), (1.into(), 2.into()));
        assert_eq!(n("-7/3").floor(), n("-3"));
        assert_eq!(n("-7/3").ceil(), n("-2"));
        assert_eq!(n("-7/3").to_string(), "-7/3");
    }
}
