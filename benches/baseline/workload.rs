//! The benchmark workload (`../shared/bench/WORKLOAD.md`) written by hand in plain Rust on
//! rust_decimal: the yardstick jixiao is measured against. Nothing clever — what a
//! developer would write for this one rule set: `str::split(',')`, `Decimal::from_str`,
//! the rules as straight-line code, `write!` into a buffered writer.

use std::io::{self, Write};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// The output header (WORKLOAD.md §3).
pub const HEADER: &str = "单位名称,财政供养人员控制率,三公经费变动率,重点支出安排率,预算调整率,预算执行率,结转结余率,三公经费控制率,三公经费同比,基本支出占比,公用经费占比,财政供养人员控制率得分,三公经费变动率得分,重点支出安排率得分,预算调整率得分,预算执行率得分,结转结余率得分,三公经费控制率得分,三公经费同比得分,总分,等级,收支勾稽,资产勾稽";

/// The 23 numeric columns of an input row, in file order (WORKLOAD.md §1).
/// Every column is parsed (the workload reads and binds them all), though no rule uses
/// 项目支出 or the 政府采购 pair.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Row {
    pub staff_quota: Decimal,
    pub staff_actual: Decimal,
    pub budget_initial: Decimal,
    pub revenue: Decimal,
    pub carryover: Decimal,
    pub spend_total: Decimal,
    pub spend_basic: Decimal,
    pub spend_personnel: Decimal,
    pub spend_public: Decimal,
    /// Read and bound; no rule uses it (WORKLOAD.md §1).
    #[allow(dead_code)]
    pub spend_project: Decimal,
    pub project_budget: Decimal,
    pub key_spend: Decimal,
    pub sg_budget: Decimal,
    pub sg_budget_prev: Decimal,
    pub sg_actual: Decimal,
    pub sg_actual_prev: Decimal,
    /// Read and bound; no rule uses it (WORKLOAD.md §1).
    #[allow(dead_code)]
    pub gp_budget: Decimal,
    /// Read and bound; no rule uses it (WORKLOAD.md §1).
    #[allow(dead_code)]
    pub gp_actual: Decimal,
    pub fa_open: Decimal,
    pub fa_add: Decimal,
    pub fa_in: Decimal,
    pub fa_dispose: Decimal,
    pub fa_close: Decimal,
}

/// The typed result of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evaluated {
    /// R1..R10, rounded to 4 places.
    pub rates: [Decimal; 10],
    /// S1..S8.
    pub scores: [Decimal; 8],
    /// Rounded to 2 places.
    pub total: Decimal,
    pub grade: Grade,
    pub income_check: bool,
    pub asset_check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grade {
    #[default]
    Excellent,
    Good,
    Fair,
    Poor,
}

impl Grade {
    pub fn label(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Good => "良好",
            Grade::Fair => "中",
            Grade::Poor => "差",
        }
    }
}

/// Why a line could not be read.
#[derive(Debug)]
pub struct BadLine(pub String);

/// Splits a line into the unit's name and its 23 numbers.
pub fn parse_line(line: &str) -> Result<(&str, Row), BadLine> {
    let mut fields = line.split(',');
    let name = fields.next().unwrap_or("");
    let mut numbers = [Decimal::ZERO; 23];
    for slot in numbers.iter_mut() {
        let field = fields
            .next()
            .ok_or_else(|| BadLine(format!("too few fields: {line}")))?;
        *slot = Decimal::from_str(field).map_err(|e| BadLine(format!("{field}: {e}")))?;
    }
    let [staff_quota, staff_actual, budget_initial, revenue, carryover, spend_total, spend_basic, spend_personnel, spend_public, spend_project, project_budget, key_spend, sg_budget, sg_budget_prev, sg_actual, sg_actual_prev, gp_budget, gp_actual, fa_open, fa_add, fa_in, fa_dispose, fa_close] =
        numbers;
    Ok((
        name,
        Row {
            staff_quota,
            staff_actual,
            budget_initial,
            revenue,
            carryover,
            spend_total,
            spend_basic,
            spend_personnel,
            spend_public,
            spend_project,
            project_budget,
            key_spend,
            sg_budget,
            sg_budget_prev,
            sg_actual,
            sg_actual_prev,
            gp_budget,
            gp_actual,
            fa_open,
            fa_add,
            fa_in,
            fa_dispose,
            fa_close,
        },
    ))
}

/// 四舍五入 (half away from zero).
fn r(x: Decimal, dp: u32) -> Decimal {
    x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// The rules of WORKLOAD.md §2, in order.
pub fn evaluate(row: &Row) -> Evaluated {
    let one = Decimal::ONE;
    let zero = Decimal::ZERO;
    let five = Decimal::from(5);
    let pct = |n: i64| Decimal::new(n, 2);

    let r1 = r(row.staff_actual / row.staff_quota, 4);
    let r2 = r((row.sg_budget - row.sg_budget_prev) / row.sg_budget_prev, 4);
    let r3 = r(row.key_spend / row.project_budget, 4);
    let r4 = r((row.revenue - row.budget_initial) / row.budget_initial, 4);
    let funds = row.revenue + row.carryover;
    let r5 = r(row.spend_total / funds, 4);
    let r6 = r((funds - row.spend_total) / funds, 4);
    let r7 = r(row.sg_actual / row.sg_budget, 4);
    let r8 = r((row.sg_actual - row.sg_actual_prev) / row.sg_actual_prev, 4);
    let r9 = r(row.spend_basic / row.spend_total, 4);
    let r10 = r(row.spend_public / row.spend_basic, 4);

    let s1 = if r1 <= one {
        five
    } else {
        r(zero.max(five - Decimal::from(50) * (r1 - one)), 4)
    };
    let s2 = if r2 <= zero {
        five
    } else {
        r(zero.max(five - Decimal::from(50) * r2), 4)
    };
    let s3 = if r3 >= pct(90) { five } else { r(five * r3 / pct(90), 4) };
    let s4 = if r4.abs() <= pct(10) {
        five
    } else {
        r(zero.max(five - Decimal::from(20) * (r4.abs() - pct(10))), 4)
    };
    let s5 = if r5 >= pct(95) { five } else { r(five * r5 / pct(95), 4) };
    let s6 = if r6 <= pct(5) {
        five
    } else {
        r(zero.max(five - Decimal::from(50) * (r6 - pct(5))), 4)
    };
    let s7 = if r7 <= one { five } else { zero };
    let s8 = if r8 <= zero {
        five
    } else {
        r(zero.max(five - Decimal::from(100) * r8), 4)
    };

    let total = r((s1 + s2 + s3 + s4 + s5 + s6 + s7 + s8) * Decimal::new(25, 1), 2);
    let grade = if total >= Decimal::from(90) {
        Grade::Excellent
    } else if total >= Decimal::from(80) {
        Grade::Good
    } else if total >= Decimal::from(60) {
        Grade::Fair
    } else {
        Grade::Poor
    };
    Evaluated {
        rates: [r1, r2, r3, r4, r5, r6, r7, r8, r9, r10],
        scores: [s1, s2, s3, s4, s5, s6, s7, s8],
        total,
        grade,
        income_check: row.spend_basic == row.spend_personnel + row.spend_public,
        asset_check: row.fa_close == row.fa_open + row.fa_add + row.fa_in - row.fa_dispose,
    }
}

/// `x` with exactly `dp` decimals (already rounded); zero without a sign.
fn fixed(x: Decimal, dp: u32) -> Decimal {
    let mut x = x;
    x.rescale(dp);
    if x.is_zero() {
        x.set_sign_positive(true);
    }
    x
}

/// Writes one output line (WORKLOAD.md §3).
pub fn write_line(out: &mut impl Write, name: &str, e: &Evaluated) -> io::Result<()> {
    out.write_all(name.as_bytes())?;
    for x in e.rates.iter().chain(&e.scores) {
        write!(out, ",{}", fixed(*x, 4))?;
    }
    let check = |ok: bool| if ok { "通过" } else { "不通过" };
    writeln!(
        out,
        ",{},{},{},{}",
        fixed(e.total, 2),
        e.grade.label(),
        check(e.income_check),
        check(e.asset_check)
    )
}
