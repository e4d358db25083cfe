//! Payoff quotes.
//!
//! **Convention: federal simple daily interest.** Interest accrues on
//! outstanding *principal* only (never on unpaid interest):
//!
//! ```text
//! daily interest  = principal × (rate ÷ 100) ÷ 365.25
//! accrued         = daily interest × days          (rounded once, to cents, half away from zero)
//! payoff quote    = principal + outstanding interest + accrued
//! ```
//!
//! 365.25 is the Direct Loan / FFEL "interest rate factor" divisor (the
//! Simplified Daily Interest Formula published by federal servicers: "the
//! interest rate factor … is determined by dividing your loan's interest
//! rate by 365.25"). The repo's rules spec
//! (`federal-repayment-rules.md`) does not state a day-count convention (its
//! §2.11 only says to round money to cents), so the servicer convention is
//! used; a few servicers divide by 365, which differs by < 0.07 %.
//!
//! * **Balance as-of date**: `LoanData::balance_as_of` when the source dated
//!   the balances (MyStudentData "Outstanding Principal Balance as of Date"),
//!   else the date part of `Loan::updated_at` (the balances were reported when
//!   the loan was last written). `days = quote_date − as_of`, floored at 0.
//! * **No accrual** for closed loans (status group Closed: the quote is the
//!   stored balances, normally 0) and for subsidized loans in school, grace or
//!   deferment (ID, IG, IM, IP, DA), when ED pays the interest. Not modelled:
//!   the 2012–2014 grace-period subsidy loss and SULA subsidy loss.
//! * A missing rate accrues nothing (the quote is then the stored balance).

use super::Loan;
use crate::money::cents;
use crate::reference::StatusGroup;
use chrono::NaiveDate;
use rust_decimal::{dec, Decimal};
use serde::Serialize;

/// Days per year in the simple daily interest formula.
pub const DAYS_PER_YEAR: Decimal = dec!(365.25);

/// Statuses in which a subsidized loan's interest is paid by ED.
const SUBSIDY_STATUSES: &[&str] = &["ID", "IG", "IM", "IP", "DA"];

/// A payoff quote and how it was computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payoff {
    pub quote_date: NaiveDate,
    /// Date the stored balances are as of (see module docs).
    pub as_of: Option<NaiveDate>,
    /// Days of interest accrued (`quote_date − as_of`, ≥ 0).
    pub days: i64,
    /// Unrounded daily interest (0 when the loan does not accrue).
    pub daily_interest: Decimal,
    /// Interest accrued since `as_of`, in cents.
    pub accrued_interest: Decimal,
    /// principal + outstanding interest + accrued, in cents.
    pub quote: Decimal,
}

/// Payoff quote for `loan` on `quote_date` (see module docs). Checked arithmetic: amounts too
/// large to compute are an [`Overflow`](crate::money::Overflow), never a panic.
pub fn payoff_quote(loan: &Loan, quote_date: NaiveDate) -> Result<Payoff, crate::money::Overflow> {
    use crate::money::{add, div, mul};
    let d = &loan.data;
    let principal = d.outstanding_principal.unwrap_or_default();
    let interest = d.outstanding_interest.unwrap_or_default();
    let as_of = d.balance_as_of.or_else(|| loan.updated_date());
    let days = as_of
        .map(|a| (quote_date - a).num_days().max(0))
        .unwrap_or(0);
    let subsidized_now = d.type_row().is_some_and(|t| t.subsidized)
        && d.loan_status
            .as_deref()
            .is_some_and(|s| SUBSIDY_STATUSES.contains(&s));
    let accrues = loan.status_group() != StatusGroup::Closed && !subsidized_now;
    let rate = d.interest_rate.filter(|_| accrues).unwrap_or_default();
    let year = mul(dec!(100), DAYS_PER_YEAR)?;
    let daily_interest = div(mul(principal, rate)?, year)?;
    // One rounding, on the exact product: principal × rate × days / (100 × 365.25).
    let accrued_interest = cents(div(mul(mul(principal, rate)?, Decimal::from(days))?, year)?);
    Ok(Payoff {
        quote_date,
        as_of,
        days,
        daily_interest,
        accrued_interest,
        quote: cents(add(add(principal, interest)?, accrued_interest)?),
    })
}
