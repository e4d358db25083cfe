//! Estimated federal income tax on forgiven balances (incremental method).

use super::fx::{self, ONE};
use super::params::{self, at};
use super::types::FilingStatus;

/// Tax in cents on `taxable` cents under bracket tops (cents) and rates (%).
fn bracket_tax(taxable: i64, tops: &[(Option<i64>, i64)], factor: i128) -> i64 {
    let mut tax: i128 = 0;
    let mut lower: i64 = 0;
    for (top, rate) in tops {
        let upper = top.map(|t| fx::round_cents(t as i128 * 100 * factor, ONE));
        let hi = upper.map_or(taxable, |u| taxable.min(u));
        if hi > lower {
            tax += (hi - lower) as i128 * *rate as i128;
        }
        match upper {
            Some(u) if taxable > u => lower = u,
            _ => break,
        }
    }
    fx::round_cents(tax, 100)
}

/// Incremental federal tax for a year: T(income + forgiven) - T(income),
/// with `income` the household AGI and the standard deduction for the
/// filing status. Brackets and deduction grow by `inflation` per year after
/// the latest published table. Forgiveness before 2026 is excluded
/// (26 USC 108(f)(5)).
pub(crate) fn incremental_tax(
    status: FilingStatus,
    income: i64,
    forgiven: i64,
    tax_year: i32,
    inflation: i128,
) -> i64 {
    let exclusion_end = params::date_param("tax.idr_exclusion_ends");
    if forgiven <= 0 || tax_year <= chrono::Datelike::year(&exclusion_end) {
        return 0;
    }
    let first_day = chrono::NaiveDate::from_ymd_opt(tax_year, 1, 1).expect("valid year");
    let row = at(params::TAX, first_day);
    let years = (tax_year - row.effective.0).max(0) as u32;
    let factor = fx::pow(inflation, years);
    let sched = row.value.schedule(status);
    let deduction = fx::round_cents(sched.standard_deduction as i128 * 100 * factor, ONE);
    let base = (income.max(0) - deduction).max(0);
    let with = (income.max(0) + forgiven - deduction).max(0);
    bracket_tax(with, sched.brackets, factor) - bracket_tax(base, sched.brackets, factor)
}
