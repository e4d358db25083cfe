//! Reference households shared by the engine benchmark (`shared/benches/engine.rs`) and the
//! golden test (`rules/tests/golden.rs`), so the case timed is the case pinned.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{AssessmentInput, FilingStatus, Household, LoanInput, LoanProgram, LoanStatusClass};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn direct(
    id: String,
    program: LoanProgram,
    balance: Decimal,
    rate: Decimal,
    year: i32,
) -> LoanInput {
    LoanInput {
        id,
        program,
        status: LoanStatusClass::Active,
        interest_rate: rate,
        outstanding_principal: balance,
        outstanding_interest: Decimal::ZERO,
        original_principal: Some(balance),
        origination_date: Some(date(year, 9, 1)),
        disbursement_dates: vec![date(year, 9, 1)],
        repayment_plan: None,
        monthly_payment: None,
        repayment_begin_date: None,
        pslf_qualifying_payments: None,
        idr_qualifying_payments: None,
    }
}

/// The independent comparison case (issue 11 §6): married filing jointly, borrower AGI
/// $65,000, spouse AGI $40,000, 2 dependents, family size 4, one of the 48 states (Ohio),
/// income growth 3%, as of 2026-11-22; 12 loans for i = 0..11 of $5,000 + i × $2,500 at
/// 3.50% + i × 0.30%, first disbursed 1 September of 2012 + (i mod 8), Direct Subsidized when
/// i mod 3 = 0, else Direct Unsubsidized; and the spouse's one Direct Unsubsidized loan of
/// $30,000 (at 5.00%, first disbursed 2015-09-01: the case gives no rate or date for it).
pub fn comparison() -> AssessmentInput {
    let loans = (0..12i64)
        .map(|i| {
            direct(
                format!("l{i}"),
                if i % 3 == 0 {
                    LoanProgram::DirectSubsidized
                } else {
                    LoanProgram::DirectUnsubsidized
                },
                Decimal::from(5_000 + i * 2_500),
                Decimal::new(350 + i * 30, 2),
                2012 + (i % 8) as i32,
            )
        })
        .collect();
    AssessmentInput {
        as_of: date(2026, 11, 22),
        household: Household {
            agi: Decimal::from(65_000),
            spouse_agi: Some(Decimal::from(40_000)),
            filing_status: FilingStatus::MarriedFilingJointly,
            family_size: 4,
            dependents: 2,
            state_of_residence: Some("OH".into()),
            income_growth: Decimal::from(3),
            pslf: false,
            new_borrower_date: None,
        },
        loans,
        spouse_loans: vec![direct(
            "s0".into(),
            LoanProgram::DirectUnsubsidized,
            Decimal::from(30_000),
            Decimal::from(5),
            2015,
        )],
    }
}
