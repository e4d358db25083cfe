//! Issue 12 §6: targeted tests for rules that had none: the assumption codes, the `original`
//! summary (SAVE to Standard, the remaining term, the 50-year cut-off), the 36-month
//! subsidised-interest rule, Extended's 1998-10-07 test and Teacher Loan Forgiveness's amounts.

use super::{d, date, household, input, loan, option};
use crate::rules::*;
use rust_decimal::Decimal;

fn single(agi: &str, loans: Vec<LoanInput>) -> AssessmentInput {
    input(household(agi, FilingStatus::Single, 1), loans)
}

fn unsub(principal: &str) -> LoanInput {
    loan(
        "a",
        LoanProgram::DirectUnsubsidized,
        principal,
        "6.0",
        "2019-09-01",
    )
}

fn codes(a: &Assessment) -> Vec<&str> {
    a.assumptions.iter().map(|x| x.code.as_str()).collect()
}

#[test]
fn a_loan_on_save_is_projected_on_standard_and_says_so() {
    let mut l = unsub("10000");
    l.repayment_plan = Some("save".into());
    let a = assess(&single("50000", vec![l])).unwrap();
    // pmt(10,000, 0.5%, 120) = 111.02, as the Standard option itself.
    assert_eq!(a.original.monthly_payment, d("111.02"));
    assert_eq!(a.original.number_of_payments, 120);
    assert_eq!(
        a.original.monthly_payment,
        option(&a, PlanType::Standard).starting_monthly_payment
    );
    assert!(codes(&a).contains(&"save_placement"), "{:?}", codes(&a));
    assert!(!codes(&a).contains(&"current_plan_unknown"));
}

#[test]
fn the_original_summary_uses_the_remaining_term() {
    // On Standard since 2021-11-22: 60 of 120 payments made, 60 left.
    let mut l = unsub("10000");
    l.repayment_plan = Some("standard".into());
    l.repayment_begin_date = Some(date("2021-11-22"));
    let a = assess(&single("50000", vec![l.clone()])).unwrap();
    // pmt(10,000, 0.5%, 60) = 193.33.
    assert_eq!(a.original.monthly_payment, d("193.33"));
    assert_eq!(a.original.number_of_payments, 60);
    // Past the end of the term, at least a year is left.
    l.repayment_begin_date = Some(date("2010-01-01"));
    let a = assess(&single("50000", vec![l])).unwrap();
    assert_eq!(a.original.number_of_payments, 12);
    // No plan and no payment: Standard for the full term, and the assumption says so.
    let a = assess(&single("50000", vec![unsub("10000")])).unwrap();
    assert_eq!(a.original.number_of_payments, 120);
    assert!(codes(&a).contains(&"current_plan_unknown"));
}

#[test]
fn current_payments_are_projected_for_at_most_50_years() {
    // $10,000 at 6% accrues $50.00 a month: $50.01 repays a cent of principal a month.
    let mut l = unsub("10000");
    l.monthly_payment = Some(d("50.01"));
    let a = assess(&single("50000", vec![l.clone()])).unwrap();
    assert_eq!(a.original.number_of_payments, 600, "the 50-year horizon");
    let stuck = a
        .assumptions
        .iter()
        .find(|x| x.code == "current_payment_does_not_amortize")
        .expect("the horizon assumption");
    assert!(
        stuck.description.contains("not repaid within 50 years"),
        "{}",
        stuck.description
    );
    // A payment that does not cover the interest is replaced by the plan's scheduled one.
    l.monthly_payment = Some(d("10"));
    let a = assess(&single("50000", vec![l])).unwrap();
    assert!(codes(&a).contains(&"current_payment_replaced"));
    assert_eq!(a.original.monthly_payment, d("111.02"));
}

#[test]
fn defaulted_loans_are_in_balances_but_not_projected() {
    let mut def = unsub("10000");
    def.status = LoanStatusClass::InDefault;
    let a = assess(&single(
        "50000",
        vec![def, {
            let mut b = unsub("5000");
            b.id = "b".into();
            b
        }],
    ))
    .unwrap();
    assert!(codes(&a).contains(&"defaulted_loans_not_projected"));
    assert_eq!(a.original.outstanding_principal, d("15000.00"));
    // Only the $5,000 loan is projected: pmt(5,000, 0.5%, 120) = 55.51.
    assert_eq!(a.original.monthly_payment, d("55.51"));
}

#[test]
fn extended_needs_no_balance_on_1998_10_07() {
    let big = || unsub("40000");
    let mut h = household("50000", FilingStatus::Single, 1);
    h.new_borrower_date = Some(date("1995-01-01"));
    let a = assess(&input(h.clone(), vec![big()])).unwrap();
    let e = option(&a, PlanType::Extended);
    assert!(e.eligible_loans.is_empty());
    assert!(
        e.ineligible_reasons
            .iter()
            .any(|r| r.contains("no outstanding federal loan balance on October 7, 1998")),
        "{:?}",
        e.ineligible_reasons
    );
    h.new_borrower_date = Some(date("1998-10-08"));
    let a = assess(&input(h, vec![big()])).unwrap();
    assert_eq!(option(&a, PlanType::Extended).eligible_loans, ["a"]);
    assert!(!codes(&a).contains(&"new_borrower_unknown"));
    // Loans from 2019 and no earlier history: the borrower is new.
    let a = assess(&single("50000", vec![big()])).unwrap();
    assert_eq!(option(&a, PlanType::Extended).eligible_loans, ["a"]);
    assert!(!codes(&a).contains(&"new_borrower_unknown"));
    // A loan with no dates: not known either way, assumed new, and the assumption says which
    // date was tested.
    let mut undated = big();
    undated.origination_date = None;
    let a = assess(&single("50000", vec![undated])).unwrap();
    let n = a
        .assumptions
        .iter()
        .find(|x| x.code == "new_borrower_unknown")
        .expect("the unknown-history assumption");
    assert!(
        n.description.contains("October 7, 1998"),
        "{}",
        n.description
    );
    assert!(
        n.description.contains("new_borrower_date"),
        "{}",
        n.description
    );
    assert_eq!(option(&a, PlanType::Extended).eligible_loans, ["a"]);
}

#[test]
fn subsidised_interest_is_waived_for_the_first_36_months_only() {
    // AGI under 150% of the poverty guideline: a $0 IBR payment, so all interest is unpaid.
    let sub = loan(
        "s",
        LoanProgram::DirectSubsidized,
        "10000",
        "6.0",
        "2012-09-01",
    );
    let a = assess(&single("15000", vec![sub])).unwrap();
    let o = option(&a, PlanType::Ibr);
    assert_eq!(o.starting_monthly_payment, Decimal::ZERO);
    let s = &o.annual_snapshots;
    for y in &s[0..3] {
        assert_eq!(y.interest_waived, d("600.00"), "year {}", y.year);
        assert_eq!(y.interest_balance, Decimal::ZERO);
    }
    assert_eq!(s[3].interest_waived, Decimal::ZERO, "year 4 is not waived");
    assert!(s[3].interest_balance > Decimal::ZERO);
    // An unsubsidised loan gets no waiver at all.
    let a = assess(&single("15000", vec![unsub("10000")])).unwrap();
    let o = option(&a, PlanType::Ibr);
    assert!(o
        .annual_snapshots
        .iter()
        .all(|y| y.interest_waived.is_zero()));
}

#[test]
fn teacher_loan_forgiveness_forgives_up_to_5000() {
    let tlf = |principal: &str| {
        let a = assess(&single(
            "50000",
            vec![loan(
                "t",
                LoanProgram::DirectSubsidized,
                principal,
                "5.0",
                "2015-09-01",
            )],
        ))
        .unwrap();
        forgiveness_options(&single(
            "50000",
            vec![loan(
                "t",
                LoanProgram::DirectSubsidized,
                principal,
                "5.0",
                "2015-09-01",
            )],
        ))
        .unwrap()
        .into_iter()
        .find(|o| o.forgiveness_type == ForgivenessType::Tcli)
        .map(|o| (o, a))
        .unwrap()
    };
    let (o, _) = tlf("20000");
    assert_eq!(o.amount_forgiven, d("5000.00"));
    assert_eq!(o.eligible_loans, ["t"]);
    assert_eq!(o.metadata["maximum_standard"], "5000.00");
    assert_eq!(
        o.metadata["maximum_highly_qualified_math_science_special_education"],
        "17500.00"
    );
    let (o, _) = tlf("3000");
    assert_eq!(o.amount_forgiven, d("3000.00"), "never more than is owed");
}

#[test]
fn the_input_assumptions_name_what_was_assumed() {
    // Spouse loans of a single filer are not counted.
    let mut i = single("50000", vec![unsub("10000")]);
    i.spouse_loans = vec![loan(
        "s",
        LoanProgram::DirectUnsubsidized,
        "20000",
        "5.0",
        "2015-09-01",
    )];
    let a = assess(&i).unwrap();
    assert!(codes(&a).contains(&"spouse_loans_ignored"));
    assert!(!codes(&a).contains(&"spouse_balance"));
    // A joint filer's spouse balance is counted, and said so.
    let mut h = household("50000", FilingStatus::MarriedFilingJointly, 2);
    h.spouse_agi = Some(d("30000"));
    let mut j = input(h, vec![unsub("10000")]);
    j.spouse_loans = i.spouse_loans.clone();
    let a = assess(&j).unwrap();
    assert!(codes(&a).contains(&"spouse_balance"), "{:?}", codes(&a));
    assert!(!codes(&a).contains(&"spouse_loans_ignored"));
    // A loan with no date at all.
    let mut undated = unsub("10000");
    undated.origination_date = None;
    let a = assess(&single("50000", vec![undated])).unwrap();
    assert!(codes(&a).contains(&"loan_date_unknown"));
    // A negative AGI (a business loss) counts as none.
    let a = assess(&single("-5000", vec![unsub("10000")])).unwrap();
    assert!(codes(&a).contains(&"negative_agi"));
    let zero = assess(&single("0", vec![unsub("10000")])).unwrap();
    assert_eq!(
        option(&a, PlanType::Ibr).starting_monthly_payment,
        option(&zero, PlanType::Ibr).starting_monthly_payment
    );
}

/// Issue 12 §1: the engine stays bounded at the store's cap: 200 loans of the borrower and 200
/// of the spouse assess, every plan with a result (how fast is the benchmark's business).
#[test]
fn the_loan_cap_assesses() {
    let loans: Vec<LoanInput> = (0..200)
        .map(|i| {
            let mut l = loan(
                &format!("l{i}"),
                LoanProgram::DirectUnsubsidized,
                "5000",
                "5.5",
                "2015-09-01",
            );
            l.outstanding_principal = d("5000") + Decimal::from(i);
            l
        })
        .collect();
    let spouse: Vec<LoanInput> = (0..200)
        .map(|i| {
            loan(
                &format!("s{i}"),
                LoanProgram::DirectSubsidized,
                "3000",
                "4.5",
                "2016-09-01",
            )
        })
        .collect();
    let mut h = household("90000", FilingStatus::MarriedFilingJointly, 3);
    h.spouse_agi = Some(d("60000"));
    let mut i = input(h, loans);
    i.spouse_loans = spouse;
    let a = assess(&i).unwrap();
    assert_eq!(a.repayment_options.len(), 12);
    assert_eq!(option(&a, PlanType::Standard).eligible_loans.len(), 200);
    assert!(option(&a, PlanType::Rap).number_of_payments > 0);
    assert!(option(&a, PlanType::NewIbr).number_of_payments > 0);
}
