//! Checked arithmetic for evaluation over exact [`Number`]s: overflow and division by zero
//! come back as an [`ArithError`] the evaluator turns into a message or an undefined value.
//! The rounding and formatting helpers live in [`crate::numfmt`] (re-exported here).

use crate::number::Number;

pub use crate::number::ArithError;
pub use crate::numfmt::{
    format_decimal, format_exact, format_exact_approx, format_figure, format_money, format_stated, round_decimal,
    round_half_away, write_decimal,
};
pub use crate::numtext::parse_exact;

#[inline]
pub fn add(a: Number, b: Number) -> Result<Number, ArithError> {
    a.checked_add(b)
}

#[inline]
pub fn sub(a: Number, b: Number) -> Result<Number, ArithError> {
    a.checked_sub(b)
}

#[inline]
pub fn mul(a: Number, b: Number) -> Result<Number, ArithError> {
    a.checked_mul(b)
}

#[inline]
pub fn div(a: Number, b: Number) -> Result<Number, ArithError> {
    a.checked_div(b)
}
