//! Engine tests: official worked examples, boundaries and properties.

mod boundaries;
mod golden;
mod properties;
mod review;
mod targeted;
mod vectors;

use crate::rules::*;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

pub(crate) fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub(crate) fn date(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

pub(crate) fn loan(
    id: &str,
    program: LoanProgram,
    principal: &str,
    rate: &str,
    originated: &str,
) -> LoanInput {
    LoanInput {
        id: id.to_string(),
        program,
        status: LoanStatusClass::Active,
        interest_rate: d(rate),
        outstanding_principal: d(principal),
        outstanding_interest: Decimal::ZERO,
        original_principal: None,
        origination_date: Some(date(originated)),
        disbursement_dates: Vec::new(),
        repayment_plan: None,
        monthly_payment: None,
        repayment_begin_date: None,
        pslf_qualifying_payments: None,
        idr_qualifying_payments: None,
    }
}

pub(crate) fn household(agi: &str, status: FilingStatus, family_size: u32) -> Household {
    Household {
        agi: d(agi),
        spouse_agi: None,
        filing_status: status,
        family_size,
        dependents: 0,
        state_of_residence: Some("OH".into()),
        income_growth: Decimal::ZERO,
        pslf: false,
        new_borrower_date: None,
    }
}

pub(crate) fn input(h: Household, loans: Vec<LoanInput>) -> AssessmentInput {
    AssessmentInput {
        as_of: date("2026-11-22"),
        household: h,
        loans,
        spouse_loans: Vec::new(),
    }
}

pub(crate) fn option(a: &Assessment, plan: PlanType) -> &RepaymentOption {
    a.repayment_options
        .iter()
        .find(|o| o.repayment_plan.plan_type == plan)
        .unwrap()
}

pub(crate) fn eligible(a: &Assessment, plan: PlanType) -> bool {
    let o = option(a, plan);
    !o.eligible_loans.is_empty() && o.ineligible_loans.is_empty() && o.ineligible_reasons.is_empty()
}
