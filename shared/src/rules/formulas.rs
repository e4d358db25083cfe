//! Plan formulas. Internal versions work in integer cents; the public
//! functions take and return `Decimal` dollars and are what the official
//! worked examples are checked against.

use super::fx::{self, ONE};
use super::params::{self, at, date_param, scalar, whole_years};
use super::types::FilingStatus;
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Poverty-guideline region (34 CFR 685.209(b)(14)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    Contiguous,
    Alaska,
    Hawaii,
}

impl Region {
    pub(crate) fn of(state: Option<&str>) -> Region {
        match state.map(|s| s.trim().to_ascii_uppercase()) {
            Some(s) if s == "AK" => Region::Alaska,
            Some(s) if s == "HI" => Region::Hawaii,
            _ => Region::Contiguous,
        }
    }
}

/// Decimal dollars to integer cents (half away from zero).
pub(crate) fn cents(d: Decimal) -> i64 {
    (d * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// Integer cents to Decimal dollars.
pub(crate) fn dollars(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// Rate in percent to thousandths of a percent (6.8 -> 6800).
pub(crate) fn rate_milli(rate: Decimal) -> i64 {
    (rate * Decimal::from(1000))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(0)
}

/// A percent (e.g. 5.0) as a fixed-point growth factor `1 + p/100`.
pub(crate) fn growth_factor(percent: Decimal) -> i128 {
    ONE + rate_milli(percent) as i128 * ONE / 100_000
}

/// Rules resolved for one assessment date.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub standard_months: u32,
    pub standard_min: i64,
    pub grad_ratio: i64,
    pub grad_step: u32,
    pub extended_min_exclusive: i64,
    pub extended_months: u32,
    pub ibr_pct: i64,
    pub new_ibr_pct: i64,
    pub paye_pct: i64,
    pub idr_pg_multiple: i64,
    pub ibr_forgive: u32,
    pub new_ibr_forgive: u32,
    pub paye_forgive: u32,
    pub subsidy_months: u32,
    pub icr_pct: i64,
    pub icr_pg_multiple: i64,
    pub icr_months: u32,
    pub icr_forgive: u32,
    pub small_zero_below: i64,
    pub small_floor_below: i64,
    pub rap_flat_max: i64,
    pub rap_flat_annual: i64,
    pub rap_band: i64,
    pub rap_top_pct: i64,
    pub rap_dependent: i64,
    pub rap_min: i64,
    pub rap_match: i64,
    pub rap_forgive: u32,
    pub pslf_payments: u32,
    pub inflation: i128,
}

impl Rules {
    pub(crate) fn at(d: NaiveDate) -> Rules {
        let s = |n: &str| scalar(n, d);
        let m = |n: &str| scalar(n, d) as u32;
        Rules {
            standard_months: m("standard.term_months"),
            standard_min: s("standard.minimum_payment"),
            grad_ratio: s("graduated.max_payment_ratio"),
            grad_step: m("graduated.step_months"),
            extended_min_exclusive: s("extended.minimum_balance_exclusive"),
            extended_months: m("extended.term_months"),
            ibr_pct: s("ibr.percent"),
            new_ibr_pct: s("new_ibr.percent"),
            paye_pct: s("paye.percent"),
            idr_pg_multiple: s("idr.poverty_multiple_percent"),
            ibr_forgive: m("ibr.forgiveness_payments"),
            new_ibr_forgive: m("new_ibr.forgiveness_payments"),
            paye_forgive: m("paye.forgiveness_payments"),
            subsidy_months: m("idr.subsidized_interest_months"),
            icr_pct: s("icr.percent_of_discretionary"),
            icr_pg_multiple: s("icr.poverty_multiple_percent"),
            icr_months: m("icr.amortization_months"),
            icr_forgive: m("icr.forgiveness_payments"),
            small_zero_below: s("idr.small_payment_zero_below"),
            small_floor_below: s("idr.small_payment_floor_below"),
            rap_flat_max: s("rap.flat_payment_max_agi"),
            rap_flat_annual: s("rap.flat_annual_payment"),
            rap_band: s("rap.band_width"),
            rap_top_pct: s("rap.top_rate_percent"),
            rap_dependent: s("rap.dependent_reduction"),
            rap_min: s("rap.minimum_payment"),
            rap_match: s("rap.principal_match_max"),
            rap_forgive: m("rap.forgiveness_payments"),
            pslf_payments: m("pslf.qualifying_payments"),
            inflation: ONE + s("assumption.inflation_milli_percent") as i128 * ONE / 100_000,
        }
    }

    /// Small-payment rule for every IDR plan but RAP.
    #[inline]
    pub(crate) fn small_payment(&self, p: i64) -> i64 {
        if p < self.small_zero_below {
            0
        } else if p < self.small_floor_below {
            self.small_floor_below
        } else {
            p
        }
    }

    /// RAP household monthly payment before proration, as a numerator over
    /// 1200 (so that one rounding happens at the very end). May be <= 0.
    #[inline]
    pub(crate) fn rap_monthly_num(&self, agi: i64, dependents: u32) -> i128 {
        let agi = agi.max(0) as i128;
        let annual_x100 = if agi <= self.rap_flat_max as i128 {
            self.rap_flat_annual as i128 * 100
        } else {
            // Bands (10k*k, 10k*(k+1)] -> k percent of the whole AGI.
            let k = ((agi + self.rap_band as i128 - 1) / self.rap_band as i128 - 1)
                .min(self.rap_top_pct as i128);
            agi * k
        };
        annual_x100 - 1200 * self.rap_dependent as i128 * dependents as i128
    }

    /// Finish a RAP payment: prorate by `share = num/den`, round, $10 minimum.
    #[inline]
    pub(crate) fn rap_finish(&self, monthly_num: i128, share_num: i128, share_den: i128) -> i64 {
        let p = if monthly_num <= 0 {
            0
        } else {
            fx::round_cents(monthly_num * share_num, 1200 * share_den)
        };
        p.max(self.rap_min)
    }
}

/// HHS poverty guideline (100%) in cents, for the guideline in force on
/// `d`, before inflation, and the whole years since the latest published
/// table (0 unless `d` is past the latest table's first year).
pub(crate) fn poverty_guideline_base(d: NaiveDate, family_size: u32, region: Region) -> (i64, u32) {
    let row = at(params::POVERTY_GUIDELINES, d);
    let (base, step) = match region {
        Region::Contiguous => row.value.contiguous,
        Region::Alaska => row.value.alaska,
        Region::Hawaii => row.value.hawaii,
    };
    let dollars = base + step * (family_size.max(1) as i64 - 1);
    let last = params::POVERTY_GUIDELINES.last().expect("table");
    let years = if std::ptr::eq(row, last) {
        whole_years(params::date(row.effective), d)
    } else {
        0
    };
    (dollars * 100, years)
}

/// Poverty guideline in cents; beyond the latest published year it grows by
/// `inflation` per whole year (ED's IDR-estimate convention).
pub(crate) fn poverty_guideline_cents(
    d: NaiveDate,
    family_size: u32,
    region: Region,
    inflation: i128,
) -> i64 {
    let (c, years) = poverty_guideline_base(d, family_size, region);
    fx::round_cents(c as i128 * fx::pow(inflation, years), ONE)
}

/// Whole years since the ICR factor table in force on `d` took effect (0
/// unless it is the latest table).
pub(crate) fn ipf_years(d: NaiveDate) -> u32 {
    let row = at(params::ICR_IPF, d);
    let last = params::ICR_IPF.last().expect("table");
    if std::ptr::eq(row, last) {
        whole_years(params::date(row.effective), d)
    } else {
        0
    }
}

/// ICR income percentage factor in hundredths of a percent (86.83% -> 8683),
/// interpolated linearly and rounded to the nearest hundredth of a percent.
/// `factor` (fixed point) is the inflation of the table's income thresholds
/// since publication; scaling every threshold by it is the same as dividing
/// the AGI by it, which is what is done here.
pub(crate) fn ipf_bp_with(d: NaiveDate, status: FilingStatus, agi_cents: i64, factor: i128) -> i64 {
    let row = at(params::ICR_IPF, d);
    let rows = match status {
        FilingStatus::Single => row.value.single,
        _ => row.value.married,
    };
    // AGI deflated to table money, in thousandths of a cent.
    let agi = if factor == ONE {
        agi_cents as i128 * 1_000
    } else {
        fx::div_round(agi_cents as i128 * 1_000 * ONE, factor)
    };
    let thr = |dollars: i64| -> i128 { dollars as i128 * 100_000 };
    if agi <= thr(rows[0].0) {
        return rows[0].1;
    }
    for w in rows.windows(2) {
        let (lo, hi) = (thr(w[0].0), thr(w[1].0));
        if agi <= hi {
            let span = (w[1].1 - w[0].1) as i128;
            return w[0].1 + fx::div_round((agi - lo) * span, hi - lo) as i64;
        }
    }
    rows[rows.len() - 1].1
}

/// [`ipf_bp_with`] with the inflation factor computed for `d`.
pub(crate) fn ipf_bp(d: NaiveDate, status: FilingStatus, agi_cents: i64, inflation: i128) -> i64 {
    ipf_bp_with(d, status, agi_cents, fx::pow(inflation, ipf_years(d)))
}

/// ED's "constant multiplier" (annualised 12-year amortisation factor),
/// returned x 10^7. ED rounds the *monthly* factor to 7 decimals and
/// multiplies by 12: 12 x 0.0109621 = 0.1315452 at 8.25% (34 CFR 685
/// Appendix A), 12 x 0.0097585 = 0.1171020 at 6% (2026 ICR notice). The
/// unrounded annual factor (0.1315449) misses Appendix A's 1998 example by
/// a cent.
pub(crate) fn constant_multiplier_e7(rate_milli: i64, months: u32) -> i64 {
    let f = fx::level_factor(rate_milli, months);
    12 * fx::div_round(f * 10_000_000, ONE) as i64
}

/// ICR annual payment (cents) from the amortised arm numerator, income arm.
/// `amort_num` is sum(balance_cents x CM_e7); the result is
/// min(round(round(amort) x IPF), round(20% x (AGI - PG))).
#[inline]
pub(crate) fn icr_annual(
    amort_num: i128,
    ipf_bp: i64,
    agi: i64,
    pg: i64,
    pct: i64,
    pg_multiple: i64,
) -> i64 {
    let amort = fx::round_cents(amort_num, 10_000_000);
    let factor_arm = fx::round_cents(amort as i128 * ipf_bp as i128, 10_000);
    let discretionary = (agi as i128 * 100 - pg as i128 * pg_multiple as i128).max(0);
    let income_arm = fx::round_cents(discretionary * pct as i128, 10_000);
    factor_arm.min(income_arm)
}

/// Term (months) from a tiered table: the last row whose minimum <= value.
pub(crate) fn term_from_table(rows: &[(i64, u32)], value: i64) -> u32 {
    let mut t = rows[0].1;
    for (min, months) in rows {
        if value >= *min {
            t = *months;
        }
    }
    t
}

pub(crate) fn consolidation_term_months(d: NaiveDate, counted_cents: i64) -> u32 {
    term_from_table(at(params::CONSOLIDATION_TERMS, d).value, counted_cents)
}

pub(crate) fn tiered_term_months(d: NaiveDate, total_cents: i64) -> u32 {
    term_from_table(at(params::TIERED_STANDARD_TERMS, d).value, total_cents)
}

// ---------------------------------------------------------------------------
// Public Decimal-level formulas (used by the official-example tests).

/// Monthly and annual ICR payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcrPayment {
    pub annual: Decimal,
    pub monthly: Decimal,
}

/// ICR payment with explicit parameters (34 CFR 685 Appendix A method):
/// annual = lesser of (balance x constant multiplier, rounded) x factor and
/// 20% x (AGI - poverty guideline); monthly = annual / 12. Each step is
/// rounded to the cent. The small-payment rule is not applied here.
pub fn icr_payment_with_parameters(
    balance: Decimal,
    interest_rate: Decimal,
    agi: Decimal,
    poverty_guideline: Decimal,
    income_percentage_factor: Decimal,
) -> IcrPayment {
    let r = Rules::at(date_param("new_loan_cutoff"));
    let cm = constant_multiplier_e7(rate_milli(interest_rate), r.icr_months);
    let ipf = cents(income_percentage_factor);
    let annual = icr_annual(
        cents(balance) as i128 * cm as i128,
        ipf,
        cents(agi),
        cents(poverty_guideline),
        r.icr_pct,
        r.icr_pg_multiple,
    );
    IcrPayment {
        annual: dollars(annual),
        monthly: dollars(fx::round_cents(annual as i128, 12)),
    }
}

/// ICR income percentage factor (percent, two decimals) in force on `d`.
pub fn icr_income_percentage_factor(
    d: NaiveDate,
    filing_status: FilingStatus,
    agi: Decimal,
) -> Decimal {
    let r = Rules::at(d);
    Decimal::new(ipf_bp(d, filing_status, cents(agi), r.inflation), 2)
}

/// ED's constant multiplier for a 12-year term, 7 decimals (0.1315452 at 8.25%).
pub fn icr_constant_multiplier(interest_rate: Decimal) -> Decimal {
    Decimal::new(constant_multiplier_e7(rate_milli(interest_rate), 144), 7)
}

/// HHS poverty guideline (100%) in force on `d` for a family size and state.
pub fn poverty_guideline(
    d: NaiveDate,
    family_size: u32,
    state_of_residence: Option<&str>,
) -> Decimal {
    let r = Rules::at(d);
    dollars(poverty_guideline_cents(
        d,
        family_size,
        Region::of(state_of_residence),
        r.inflation,
    ))
}

/// Level monthly payment over `months`, rounded to the cent.
pub fn amortized_payment(balance: Decimal, interest_rate: Decimal, months: u32) -> Decimal {
    dollars(fx::level_payment(
        cents(balance),
        rate_milli(interest_rate),
        months,
    ))
}

/// Consolidation (pre-2026-07-01) maximum term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsolidationTerm {
    pub counted_indebtedness: Decimal,
    pub max_term_years: u32,
}

/// Other education loans count only up to the consolidation amount.
pub fn consolidation_term(
    consolidation_amount: Decimal,
    other_education_debt: Decimal,
) -> ConsolidationTerm {
    let c = cents(consolidation_amount).max(0);
    let counted = c + cents(other_education_debt).max(0).min(c);
    let months = consolidation_term_months(date_param("new_loan_cutoff"), counted);
    ConsolidationTerm {
        counted_indebtedness: dollars(counted),
        max_term_years: months / 12,
    }
}

/// Tiered Standard term in years for a total Direct Loan balance.
pub fn tiered_standard_term_years(total_direct_balance: Decimal) -> u32 {
    tiered_term_months(date_param("new_loan_cutoff"), cents(total_direct_balance)) / 12
}

/// RAP monthly payment for a household AGI and dependents (no proration).
pub fn rap_monthly_payment(agi: Decimal, dependents: u32) -> Decimal {
    let r = Rules::at(date_param("rap.opens"));
    dollars(r.rap_finish(r.rap_monthly_num(cents(agi), dependents), 1, 1))
}
