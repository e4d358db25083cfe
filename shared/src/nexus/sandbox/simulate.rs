//! The month-by-month simulation of one loan up to `as_of`: interest accrual and
//! capitalisation, the payment pause, payments (interest first), statuses, PSLF counts, and the
//! loan as the servicer reports it.

use chrono::NaiveDate;
use rust_decimal::{dec, Decimal};
use std::collections::BTreeMap;

use crate::loans::{
    IneligiblePayment, LoanData, LoanSource, NewLoan, NonQualifyingPayment, PslfCounts,
};
use crate::money::cents;
use crate::reference::loan_status_by_code;

use super::calendar::{
    add_days, add_months, due_in_month, first_of_month, in_window, months_between, next_due,
    paused_months, sub_days, sub_months, INTEREST_RESUME, NO_CAPITALISATION_FROM, PAUSE_START,
    PAYMENTS_RESUME,
};
use super::data::statutory_rate;
use super::history::{Group, Level, PslfPlan, Spec};
use super::rng::mix;
use super::Account;

pub(super) const AUTOPAY_DISCOUNT: Decimal = dec!(0.25);
const GRADUATED: [Decimal; 5] = [dec!(0.6), dec!(0.8), dec!(1.0), dec!(1.2), dec!(1.4)];

/// Simple daily interest (actual/365) on `principal` from `from` to `to`, except in `free`.
fn accrue(
    principal: Decimal,
    rate: Decimal,
    from: NaiveDate,
    to: NaiveDate,
    free: &[(NaiveDate, NaiveDate)],
) -> Decimal {
    if to <= from {
        return Decimal::ZERO;
    }
    let mut days = (to - from).num_days();
    for &(s, e) in free {
        let (lo, hi) = (s.max(from), e.min(to));
        if hi > lo {
            days -= (hi - lo).num_days();
        }
    }
    (principal * rate * Decimal::from(days) / Decimal::from(36_500)).round_dp(6)
}

/// The level monthly payment that repays `balance` in `months` at `rate` percent.
fn level_payment(balance: Decimal, rate: Decimal, months: u32) -> Decimal {
    let i = rate / Decimal::from(1200);
    if months == 0 || i <= Decimal::ZERO {
        return cents(balance / Decimal::from(months.max(1)));
    }
    let mut f = Decimal::ONE;
    for _ in 0..months {
        f = (f * (Decimal::ONE + i)).round_dp(16);
    }
    cents(balance * i * f / (f - Decimal::ONE))
}

#[derive(Clone, Copy)]
pub(super) enum Special {
    None,
    /// A forbearance (`FB`) or deferment (`DA`) from `start` to `end`.
    Hold {
        code: &'static str,
        start: NaiveDate,
        end: NaiveDate,
    },
    /// The payment due on this date and every later one are unpaid.
    Overdue(NaiveDate),
}

fn status_description(code: &str) -> String {
    loan_status_by_code(code)
        .map_or(code, |r| r.description)
        .to_string()
}

fn pslf_counts(p: &PslfPlan, as_of: NaiveDate) -> (u32, PslfCounts) {
    let mut qualifying = 0u32;
    let mut ineligible = Vec::new();
    let mut non_qualifying = Vec::new();
    let mut m = p.start;
    for i in 0..480u32 {
        if m >= as_of {
            break;
        }
        let period = Some(m.format("%m/%Y").to_string());
        if i < p.uncertified {
            non_qualifying.push(NonQualifyingPayment {
                description: Some("Payment made before full-time employment certified".into()),
                period,
                status: Some("Employment Not Certified".into()),
            });
        } else if m >= p.fb_start && m < p.fb_end {
            ineligible.push(IneligiblePayment {
                denial_reason: Some("You Do Not Have A Bill Due For This Payment Period".into()),
                description: Some("Loan in forbearance".into()),
                period,
            });
        } else {
            qualifying += 1;
        }
        m = add_months(m, 1);
    }
    let qualifying = qualifying.min(119);
    let remaining = 120 - qualifying;
    let counts = PslfCounts {
        eligible_payments: Some(qualifying + non_qualifying.len() as u32),
        ineligible_payments: Some(ineligible.len() as u32),
        non_qualifying_payments: Some(non_qualifying.len() as u32),
        remaining_payments: Some(remaining),
        expected_forgiveness_date: Some(add_months(first_of_month(as_of), remaining)),
        ineligible_payment_details: ineligible,
        non_qualifying_payment_details: non_qualifying,
    };
    (qualifying, counts)
}

/// One loan as the servicer reports it on `acct.as_of`; `None` if not yet disbursed.
pub(super) fn build_loan(
    acct: &Account,
    g: &Group,
    group: usize,
    s: &Spec,
    seq: usize,
    share: Decimal,
    special: Special,
) -> Option<NewLoan> {
    let as_of = acct.as_of;
    let disb: Vec<(NaiveDate, Decimal)> = s.disb.iter().copied().filter(|d| d.0 <= as_of).collect();
    let first = disb.first()?.0;
    let statutory = statutory_rate(s.rate_kind(), first)?;
    let rate = if g.autopay {
        statutory - AUTOPAY_DISCOUNT
    } else {
        statutory
    };
    let subsidized = matches!(s.code, "D1" | "SF");
    let parent = s.level == Level::Parent;
    let first_due = due_in_month(add_months(g.begin, 1), acct.due_day);

    let mut no_pay = vec![(PAUSE_START, PAYMENTS_RESUME)];
    let mut free = vec![(PAUSE_START, INTEREST_RESUME)];
    let mut events = vec![(first, if parent { "DA" } else { "ID" })];
    if !parent {
        events.push((g.leave, "IG"));
    }
    events.push((g.begin, "RP"));
    if g.begin < PAUSE_START {
        events.extend([(PAUSE_START, "FB"), (INTEREST_RESUME, "RP")]);
    }
    if let Some(p) = &g.pslf {
        no_pay.push((p.fb_start, p.fb_end));
        events.extend([(p.fb_start, "FB"), (p.fb_end, "RP")]);
    }
    let mut overdue = None;
    match special {
        Special::Hold { code, start, end } if start > first_due => {
            no_pay.push((start, end));
            if code == "DA" && subsidized {
                free.push((start, end));
            }
            events.push((start, code));
        }
        Special::Overdue(d) if add_months(first_due, 1) < d => overdue = Some(d),
        _ => {}
    }

    // School and grace (or deferment): unsubsidized interest accrues.
    let mut principal: Decimal = disb.iter().map(|d| d.1).sum();
    let original = principal;
    let mut accrued = Decimal::ZERO;
    if !subsidized {
        for &(d, a) in &disb {
            accrued += accrue(a, rate, d, g.begin.min(as_of), &free);
        }
    }
    let repaying = g.begin <= as_of;
    let mut capitalized = Decimal::ZERO;
    if repaying && (parent || g.begin < NO_CAPITALISATION_FROM) {
        capitalized = cents(accrued);
        principal += capitalized;
        accrued = Decimal::ZERO;
    }
    let start_balance = principal + cents(accrued);
    let level10 = level_payment(start_balance, rate, 120);
    let level25 = level_payment(start_balance, rate, 300);
    let idr = cents(g.idr_total * share)
        .min(cents(level10 * dec!(0.6)))
        .max(Decimal::ONE);
    let scheduled = |d: NaiveDate| -> Decimal {
        if d < g.plan_begin {
            return level10;
        }
        match g.plan {
            "graduated" => {
                let tier = (months_between(first_due, d).max(0) / 24).min(4) as usize;
                cents(level10 * GRADUATED[tier])
            }
            "extended" => level25,
            "ibr" => idr,
            _ => level10,
        }
    };

    // Repayment: a payment on every due date outside the pause and holds, interest first.
    let mut last = g.begin;
    let mut last_payment: Option<(NaiveDate, Decimal)> = None;
    let mut paid_off = None;
    let mut due = first_due;
    while repaying && due <= as_of {
        if overdue.is_some_and(|d| due > sub_days(d, 14)) {
            break;
        }
        accrued += accrue(principal, rate, last, due, &free);
        last = due;
        if !in_window(due, &no_pay) {
            accrued = cents(accrued);
            let pay = scheduled(due).min(principal + accrued);
            let to_interest = pay.min(accrued);
            accrued -= to_interest;
            principal -= pay - to_interest;
            last_payment = Some((due, pay));
            if principal.is_zero() && accrued.is_zero() {
                paid_off = Some(due);
                break;
            }
        }
        due = add_months(due, 1);
    }
    if repaying && paid_off.is_none() {
        accrued += accrue(principal, rate, last, as_of, &free);
    }
    let interest = cents(accrued);
    let principal = cents(principal);

    let mut next = if repaying {
        next_due(as_of, acct.due_day)
    } else {
        first_due
    };
    for _ in 0..120 {
        if !in_window(next, &no_pay) {
            break;
        }
        next = add_months(next, 1);
    }
    let (plan, plan_begin) = if as_of >= g.plan_begin {
        (g.plan, g.plan_begin)
    } else {
        ("standard", g.begin)
    };
    let monthly = match paid_off {
        Some(_) => Decimal::ZERO,
        None if repaying => scheduled(next).min(principal + interest),
        None => level10,
    };
    let on_hold = in_window(as_of, &no_pay[1..]);
    let min_payment = match overdue {
        _ if paid_off.is_some() || on_hold => Decimal::ZERO,
        Some(d) => {
            let missed = (0..4u32).filter(|&k| add_months(d, k) <= as_of).count();
            monthly * Decimal::from(missed.max(1))
        }
        None => monthly,
    };
    let statement_date = (repaying && paid_off.is_none())
        .then(|| {
            sub_days(
                sub_months(next_due(add_days(as_of, 21), acct.due_day), 1),
                21,
            )
        })
        .filter(|&d| d >= sub_days(first_due, 21));
    let statement_balance = statement_date.map(|d| match last_payment {
        Some((p, amount)) if p > d => principal + interest + amount,
        _ => principal + interest,
    });
    let term = if matches!(plan, "extended" | "ibr") {
        299
    } else {
        119
    };
    let maturity = paid_off.unwrap_or(add_months(first_due, term + paused_months(g.begin)));
    let idr_renewal = (plan == "ibr" && repaying).then(|| {
        let mut r = add_months(plan_begin, 12);
        for _ in 0..100 {
            if r > as_of {
                break;
            }
            r = add_months(r, 12);
        }
        r
    });

    let end = paid_off.unwrap_or(as_of);
    if let Some(d) = paid_off {
        events.push((d, "PF"));
    }
    events.sort_by_key(|e| e.0);
    let events: Vec<_> = events.into_iter().filter(|e| e.0 <= end).collect();
    let status = events.last().map_or("RP", |e| e.1);
    let history: BTreeMap<NaiveDate, String> = events
        .iter()
        .map(|&(d, c)| (d, status_description(c)))
        .collect();

    let direct = s.code.starts_with('D');
    let (qualifying, pslf) = match (&g.pslf, direct) {
        (Some(p), true) => {
            let (q, counts) = pslf_counts(p, as_of);
            (Some(q), counts)
        }
        (None, true) => (Some(0), PslfCounts::default()),
        (_, false) => (None, PslfCounts::default()),
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("school_name".to_string(), s.school.to_string());
    let academic = format!("{}-{:02}", s.year, (s.year + 1).rem_euclid(100));
    metadata.insert("academic_year".to_string(), academic);
    let program = match s.level {
        Level::Undergrad => "undergraduate",
        Level::Grad => "graduate",
        Level::Parent => "parent",
    };
    metadata.insert("program".to_string(), program.to_string());
    if g.autopay {
        metadata.insert("autopay_discount".to_string(), AUTOPAY_DISCOUNT.to_string());
    }
    if let Some(p) = &g.pslf {
        metadata.insert("employer".to_string(), p.employer.to_string());
    }
    if overdue.is_some() {
        metadata.insert("days_delinquent".to_string(), "60".to_string());
    }

    let servicer = acct.servicer;
    Some(NewLoan {
        source: LoanSource::Nexus,
        external_id: None,
        award_id: Some(format!(
            "nexus:{servicer}:{:016x}",
            mix(acct.key, seq as u64)
        )),
        data: LoanData {
            loan_type: s.code.to_string(),
            parent_plus_consolidation: None,
            loan_status: Some(status.to_string()),
            loan_status_history: history,
            repayment_plan_type: Some(plan.to_string()),
            servicer_name: Some(servicer.to_string()),
            servicer_address: None,
            account_number: Some(format!("****{:04}", acct.number % 10_000)),
            guarantor: g.guarantor.map(String::from),
            interest_rate: Some(rate),
            original_interest_rate: Some(statutory),
            original_principal: Some(cents(original)),
            origination_date: Some(first),
            outstanding_principal: Some(principal),
            outstanding_interest: Some(interest),
            balance_as_of: Some(as_of),
            capitalized_amount: Some(cents(capitalized)),
            disbursement_dates: disb.iter().map(|d| d.0).collect(),
            due_date: paid_off.is_none().then(|| overdue.unwrap_or(next)),
            idr_renewal_date: idr_renewal,
            is_overdue: Some(overdue.is_some()),
            last_payment: last_payment.map(|p| cents(p.1)),
            last_payment_date: last_payment.map(|p| p.0),
            last_statement_balance: statement_balance.map(cents),
            last_statement_date: statement_date,
            maturity_date: Some(maturity),
            min_payment: Some(cents(min_payment)),
            monthly_payment: Some(cents(monthly)),
            pslf_cumulative_periods: qualifying,
            pslf,
            repayment_begin_date: Some(g.begin),
            repayment_plan_begin_date: Some(plan_begin),
            payment_group_id: Some(acct.group_uuid(group)),
            payment_reference_number: Some(format!(
                "{}-{}-{}",
                acct.prefix,
                acct.number,
                group + 1
            )),
            metadata,
            no_longer_reported_since: None,
        },
    })
}
