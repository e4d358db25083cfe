//! Date arithmetic for the simulation, and its fixed dates: the COVID-19 payment pause, the end
//! of capitalisation at repayment, the plan horizon and the PSLF reference date.

use chrono::{Datelike, Days, Months, NaiveDate};

pub(super) const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => NaiveDate::MIN,
    }
}

pub(super) const PAUSE_START: NaiveDate = date(2020, 3, 13);
pub(super) const INTEREST_RESUME: NaiveDate = date(2023, 9, 1);
pub(super) const PAYMENTS_RESUME: NaiveDate = date(2023, 10, 1);
pub(super) const NO_CAPITALISATION_FROM: NaiveDate = date(2023, 7, 1);
/// Plans are chosen so that no loan is paid off before this date.
pub(super) const PLAN_HORIZON: NaiveDate = date(2028, 7, 1);
/// PSLF histories are laid out so that the seeded qualifying count holds on this date.
pub(super) const PSLF_REFERENCE: NaiveDate = date(2026, 12, 1);

pub(super) fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

pub(super) fn sub_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(n)).unwrap_or(d)
}

pub(super) fn add_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

pub(super) fn sub_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

/// Whole months from `from` to `to` (negative if `to` is earlier).
pub(super) fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let m =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    if to.day() < from.day() {
        m - 1
    } else {
        m
    }
}

pub(super) fn first_of_month(d: NaiveDate) -> NaiveDate {
    date(d.year(), d.month(), 1)
}

pub(super) fn due_in_month(d: NaiveDate, due_day: u32) -> NaiveDate {
    date(d.year(), d.month(), due_day)
}

/// The first due day strictly after `d`.
pub(super) fn next_due(d: NaiveDate, due_day: u32) -> NaiveDate {
    let c = due_in_month(d, due_day);
    if c > d {
        c
    } else {
        add_months(c, 1)
    }
}

pub(super) fn in_window(d: NaiveDate, windows: &[(NaiveDate, NaiveDate)]) -> bool {
    windows.iter().any(|&(s, e)| d >= s && d < e)
}

/// Due dates skipped by the payment pause for a loan entering repayment on `begin`.
pub(super) fn paused_months(begin: NaiveDate) -> u32 {
    if begin >= PAYMENTS_RESUME {
        0
    } else {
        months_between(begin.max(PAUSE_START), PAYMENTS_RESUME).max(0) as u32
    }
}
