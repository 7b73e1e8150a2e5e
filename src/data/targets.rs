//! Performance targets (`目标清单`): `≥95%`, `≥100 人` read as quantities, and whether the
//! actual figure meets the target.

use super::*;

/// Parses a target or actual such as `≥95%`, `≥100 人`, `≤3.75 万元/人·年`,
/// `95%以上`, `24 小时内`. Anything else (prose) is `None`.
pub fn parse_quantity(text: &str) -> Option<Quantity> {
    // `≥９５％`, `１００ 人`: full-width forms are the same characters.
    let halfwidth: String = text.chars().map(crate::numtext::to_halfwidth).collect();
    let mut s = halfwidth.trim();
    let mut comparator = None;
    for (prefix, cmp) in [
        (">=", Comparator::Ge),
        ("≥", Comparator::Ge),
        ("≧", Comparator::Ge),
        ("<=", Comparator::Le),
        ("≤", Comparator::Le),
        ("≦", Comparator::Le),
        (">", Comparator::Gt),
        ("＞", Comparator::Gt),
        ("<", Comparator::Lt),
        ("＜", Comparator::Lt),
        ("=", Comparator::Eq),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            comparator = Some(cmp);
            s = rest.trim_start();
            break;
        }
    }
    let number_end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map_or(s.len(), |(i, _)| i);
    if number_end == 0 {
        return None;
    }
    let mut value = parse_decimal(&s[..number_end])?;
    let mut rest = s[number_end..].trim();
    for (suffix, cmp) in [
        ("以上", Comparator::Ge),
        ("以下", Comparator::Le),
        ("以内", Comparator::Le),
        ("内", Comparator::Le),
    ] {
        if let Some(r) = rest.strip_suffix(suffix) {
            if comparator.is_some() {
                return None;
            }
            comparator = Some(cmp);
            rest = r.trim();
            break;
        }
    }
    let unit = if let Some(r) = rest.strip_prefix(['%', '％']) {
        if !r.trim().is_empty() {
            return None;
        }
        value = crate::numtext::percent_of(value)?;
        "%".to_owned()
    } else {
        rest.to_owned()
    };
    if unit
        .chars()
        .any(|c| c.is_ascii_digit() || c.is_whitespace() || "，。；、,;".contains(c))
        || unit.chars().count() > 12
    {
        return None;
    }
    Some(Quantity {
        comparator,
        value,
        unit,
    })
}

pub(crate) fn normalize_unit(u: &str) -> String {
    u.chars()
        .map(|c| if c == '.' || c == '•' || c == '・' { '·' } else { c })
        .filter(|c| !c.is_whitespace())
        .collect()
}

pub(crate) fn same_unit(a: &str, b: &str) -> bool {
    normalize_unit(a) == normalize_unit(b)
}

/// A target with no comparator means "reach at least" (达到).
pub(crate) fn is_met(target: &Quantity, actual: &Quantity) -> bool {
    let (a, t) = (actual.value, target.value);
    match target.comparator.unwrap_or(Comparator::Ge) {
        Comparator::Ge => a >= t,
        Comparator::Gt => a > t,
        Comparator::Le => a <= t,
        Comparator::Lt => a < t,
        Comparator::Eq => a == t,
    }
}
