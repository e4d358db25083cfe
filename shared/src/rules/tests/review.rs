//! Review tests (2026-11-22): spec departures found in review, each proven
//! by a test that failed before the fix, and realistic portfolios checked by
//! hand against the spec formulas (federal-repayment-rules.md).

use super::{d, date, eligible, household, input, loan, option};
use crate::rules::*;
use rust_decimal::Decimal;

fn start(a: &Assessment, plan: PlanType) -> Decimal {
    option(a, plan).starting_monthly_payment
}

fn d2(id: &str, principal: &str, originated: &str) -> LoanInput {
    loan(
        id,
        LoanProgram::DirectUnsubsidized,
        principal,
        "6.0",
        originated,
    )
}

// --- Discrepancies ---------------------------------------------------------

/// § 2.1/§ 4.1: legacy plans close only for borrowers who received a
/// *Direct Loan* on or after 2026-07-01. A private loan (e.g. a 2026
/// refinance) made after the cut-off must not strip the borrower's federal
/// loans of Standard, IBR, PAYE and ICR.
#[test]
fn review_private_loan_after_cutoff_keeps_legacy_plans() {
    let private = loan("p", LoanProgram::Private, "15000", "9", "2026-08-01");
    let a = assess(&input(
        household("60000", FilingStatus::Single, 1),
        vec![d2("a", "40000", "2016-08-15"), private],
    ))
    .unwrap();
    for plan in [
        PlanType::Standard,
        PlanType::Graduated,
        PlanType::Extended,
        PlanType::NewIbr,
        PlanType::Paye,
        PlanType::Icr,
        PlanType::Rap,
    ] {
        let o = option(&a, plan);
        assert_eq!(o.eligible_loans, vec!["a".to_string()], "{plan}");
        assert!(
            !o.ineligible_reasons
                .iter()
                .any(|r| r.contains("made on or after July 1, 2026")),
            "{plan}: {:?}",
            o.ineligible_reasons
        );
    }
    assert!(option(&a, PlanType::TieredStandard)
        .eligible_loans
        .is_empty());
    // A Direct Loan made after the cut-off still closes the legacy plans,
    // even when it is now in default.
    let mut new = d2("n", "5000", "2026-08-01");
    new.status = LoanStatusClass::InDefault;
    let a = assess(&input(
        household("60000", FilingStatus::Single, 1),
        vec![d2("a", "40000", "2016-08-15"), new],
    ))
    .unwrap();
    assert!(option(&a, PlanType::Standard).eligible_loans.is_empty());
    assert_eq!(
        option(&a, PlanType::TieredStandard).eligible_loans,
        vec!["a".to_string()]
    );
}

/// § 2.6/§ 2.7: the IBR and PAYE "new borrower" tests look only at Direct
/// and FFEL balances. A private loan from 2012 or a Perkins loan from 2005
/// must not turn a 2016 borrower into an "old" IBR borrower (15 %, 25 years)
/// or shut them out of PAYE.
#[test]
fn review_private_and_perkins_history_do_not_fail_new_borrower_tests() {
    let a = assess(&input(
        household("50000", FilingStatus::Single, 1),
        vec![
            d2("a", "60000", "2016-08-15"),
            loan("p", LoanProgram::Private, "8000", "7", "2012-08-15"),
        ],
    ))
    .unwrap();
    assert_eq!(option(&a, PlanType::NewIbr).eligible_loans, vec!["a"]);
    assert!(option(&a, PlanType::Ibr).eligible_loans.is_empty());
    // 10% x (50,000 - 23,940) / 12.
    assert_eq!(start(&a, PlanType::NewIbr), d("217.17"));
    let a = assess(&input(
        household("50000", FilingStatus::Single, 1),
        vec![
            d2("a", "60000", "2012-08-15"),
            loan("k", LoanProgram::Perkins, "3000", "5", "2005-08-15"),
        ],
    ))
    .unwrap();
    assert_eq!(option(&a, PlanType::Paye).eligible_loans, vec!["a"]);
    assert_eq!(start(&a, PlanType::Paye), d("217.17"));
    // An FFEL balance from before 2007 still fails the PAYE test.
    let a = assess(&input(
        household("50000", FilingStatus::Single, 1),
        vec![
            d2("a", "60000", "2012-08-15"),
            loan("f", LoanProgram::FfelStafford, "3000", "6.8", "2005-08-15"),
        ],
    ))
    .unwrap();
    assert!(option(&a, PlanType::Paye).eligible_loans.is_empty());
}

/// § 1/§ 2.7: PAYE and ICR run "through June 30, 2028". A borrower on PAYE
/// assessed in June 2028 makes the first projected payment on 2028-07-01,
/// after the plan has ended, so the projection must start on RAP (360
/// payments), not stay on PAYE (240 payments) for 20 years.
#[test]
fn review_paye_assessed_in_june_2028_starts_on_rap() {
    let mut l = d2("a", "80000", "2016-08-15");
    l.repayment_plan = Some("paye".into());
    let mut i = input(household("40000", FilingStatus::Single, 1), vec![l]);
    i.as_of = date("2028-06-15");
    let a = assess(&i).unwrap();
    let paye = option(&a, PlanType::Paye);
    assert_eq!(paye.annual_snapshots[0].plan, PlanType::Rap);
    // RAP: 3% x 40,000 / 12.
    assert_eq!(paye.starting_monthly_payment, d("100.00"));
    assert_eq!(paye.number_of_payments, 360);
    assert_eq!(a.original.monthly_payment, d("100.00"));
    // One day earlier in the month cycle (first payment June 2028): one
    // PAYE payment, then RAP.
    i.as_of = date("2028-05-15");
    let a = assess(&i).unwrap();
    let snaps = &option(&a, PlanType::Paye).annual_snapshots;
    assert_eq!(snaps[0].plan, PlanType::Paye);
    assert_eq!(snaps[1].plan, PlanType::Rap);
}

// --- Hand-checked portfolios -------------------------------------------------

/// Single, AGI $35,000, New York, one $20,000 Direct Unsubsidized loan at
/// 7.08% from 2019. Every starting payment computed by hand from § 2.
#[test]
fn review_single_35k_ny_one_d2_loan_by_hand() {
    let mut h = household("35000", FilingStatus::Single, 1);
    h.state_of_residence = Some("NY".into());
    let a = assess(&input(
        h,
        vec![loan(
            "a",
            LoanProgram::DirectUnsubsidized,
            "20000",
            "7.08",
            "2019-08-15",
        )],
    ))
    .unwrap();
    // Standard: pmt(20,000, 7.08%, 120) = 233.0424.
    assert_eq!(start(&a, PlanType::Standard), d("233.04"));
    assert_eq!(option(&a, PlanType::Standard).number_of_payments, 120);
    // Graduated: first >= monthly interest (118.00), last <= 3 x first.
    let g = option(&a, PlanType::Graduated);
    assert!(g.starting_monthly_payment >= d("118.00"));
    // § 685.208(b)(6)(iii): no payment more than three times any other
    // (before the review the last step was 375.89 > 3 x 125.29).
    let three = g.starting_monthly_payment * d("3");
    assert!(g
        .annual_snapshots
        .iter()
        .all(|s| s.monthly_payment <= three));
    assert!(g.final_monthly_payment <= three);
    assert_eq!(g.number_of_payments, 120);
    // Extended: $20,000 is not more than $30,000.
    assert!(option(&a, PlanType::Extended).eligible_loans.is_empty());
    // 2019 loan, no earlier balance: New IBR, not IBR.
    // 10% x (35,000 - 1.5 x 15,960) / 12 = 92.1667.
    assert!(!eligible(&a, PlanType::Ibr));
    assert_eq!(start(&a, PlanType::NewIbr), d("92.17"));
    assert_eq!(option(&a, PlanType::NewIbr).number_of_payments, 240);
    // PAYE: same formula; 92.17 < 233.04 so the hardship test passes.
    assert_eq!(start(&a, PlanType::Paye), d("92.17"));
    // ICR: CM(7.08%) = 12 x 0.0103265 = 0.1239180; 20,000 x CM = 2,478.36;
    // IPF(35,000 single) = 66.23 + 5,181/5,285 x 5.66 = 71.78%; factor arm
    // 1,778.97 a year; income arm 20% x (35,000 - 15,960) = 3,808;
    // 1,778.97 / 12 = 148.25.
    assert_eq!(start(&a, PlanType::Icr), d("148.25"));
    // RAP: 3% x 35,000 / 12 = 87.50 (no poverty exemption).
    assert_eq!(start(&a, PlanType::Rap), d("87.50"));
    assert_eq!(option(&a, PlanType::Rap).number_of_payments, 360);
    // Only for post-2026 borrowers.
    assert!(option(&a, PlanType::TieredStandard)
        .eligible_loans
        .is_empty());
    for o in &a.repayment_options {
        assert_eq!(o.total_cost, o.total_paid + o.estimated_tax_liability);
    }
}

/// Head of household, family of 3 with 2 dependents, Alaska, AGI $90,000;
/// Grad PLUS $60,000 at 7.9% and Unsubsidized $20,000 at 6.8% from 2012,
/// FFEL Stafford $8,000 from 2008.
#[test]
fn review_hoh_alaska_mixed_portfolio_by_hand() {
    let mut h = household("90000", FilingStatus::HeadOfHousehold, 3);
    h.dependents = 2;
    h.state_of_residence = Some("AK".into());
    let a = assess(&input(
        h,
        vec![
            loan(
                "g",
                LoanProgram::DirectGradPlus,
                "60000",
                "7.9",
                "2012-08-15",
            ),
            loan(
                "u",
                LoanProgram::DirectUnsubsidized,
                "20000",
                "6.8",
                "2012-08-15",
            ),
            loan("f", LoanProgram::FfelStafford, "8000", "6.8", "2008-08-15"),
        ],
    ))
    .unwrap();
    // FFEL balance: old IBR on all three loans. PG(3, AK) = 34,150;
    // 15% x (90,000 - 51,225) / 12 = 484.69.
    assert!(eligible(&a, PlanType::Ibr) && !eligible(&a, PlanType::NewIbr));
    assert_eq!(start(&a, PlanType::Ibr), d("484.69"));
    // PAYE on the Direct loans only: 10% x 38,775 / 12 = 323.13.
    assert_eq!(option(&a, PlanType::Paye).eligible_loans, vec!["g", "u"]);
    assert_eq!(start(&a, PlanType::Paye), d("323.13"));
    // ICR (married/HoH column): IPF = 100 + 10,862/20,008 x 9.40 = 105.10%;
    // 60,000 x 0.1292376 + 20,000 x 0.1221300 = 10,196.86; x 105.10% =
    // 10,716.90 a year = 893.08 a month < 20% x (90,000 - 34,150) / 12.
    assert_eq!(start(&a, PlanType::Icr), d("893.08"));
    // RAP: exactly $90,000 stays in the 8% band: 600 - 2 x 50 = 500.
    assert_eq!(start(&a, PlanType::Rap), d("500.00"));
    // Extended: Direct $80,000 > $30,000; FFEL tested on its own $8,000.
    assert_eq!(
        option(&a, PlanType::Extended).eligible_loans,
        vec!["g", "u"]
    );
}

/// § 2.6/§ 2.8: the $5/$10 small-payment rule applies to PAYE and ICR;
/// RAP has its own $10 minimum and never pays $0.
#[test]
fn review_small_payment_rules_idr_but_not_rap() {
    // PAYE 10% x (24,780 - 23,940) / 12 = 7.00 -> 10.00.
    let a = assess(&input(
        household("24780", FilingStatus::Single, 1),
        vec![d2("a", "30000", "2016-08-15")],
    ))
    .unwrap();
    assert_eq!(start(&a, PlanType::Paye), d("10.00"));
    // ICR 20% x (16,140 - 15,960) / 12 = 3.00 -> 0.00; RAP 1% -> 13.45.
    let a = assess(&input(
        household("16140", FilingStatus::Single, 1),
        vec![d2("a", "30000", "2016-08-15")],
    ))
    .unwrap();
    assert_eq!(start(&a, PlanType::Icr), d("0.00"));
    assert_eq!(start(&a, PlanType::Paye), d("0.00"));
    assert_eq!(start(&a, PlanType::Rap), d("13.45"));
    let a = assess(&input(
        household("0", FilingStatus::Single, 1),
        vec![d2("a", "30000", "2016-08-15")],
    ))
    .unwrap();
    assert_eq!(start(&a, PlanType::Rap), d("10.00"));
}

/// § 5: IDR/RAP forgiveness in 2026 is taxable (incremental 2026 tax);
/// PSLF forgiveness is not. Credit on file completes forgiveness at the
/// first payment date (2026-12-01).
#[test]
fn review_tax_on_2026_forgiveness_by_hand() {
    let mut l = d2("a", "20000", "2012-08-15");
    l.idr_qualifying_payments = Some(360);
    let mut i = input(household("40000", FilingStatus::Single, 1), vec![l]);
    let a = assess(&i).unwrap();
    let rap = option(&a, PlanType::Rap);
    assert_eq!(rap.amount_forgiven, d("20000.00"));
    // Taxable income 40,000 - 16,100 = 23,900: tax 1,240 + 11,500 x 12%
    // = 2,620. With 20,000 forgiven: 43,900 -> 1,240 + 31,500 x 12% = 5,020.
    assert_eq!(rap.estimated_tax_liability, d("2400.00"));
    assert_eq!(rap.total_cost, d("2400.00"));
    i.loans[0].idr_qualifying_payments = None;
    i.loans[0].pslf_qualifying_payments = Some(120);
    i.household.pslf = true;
    let f = forgiveness_options(&i).unwrap();
    assert_eq!(f[0].amount_forgiven, d("20000.00"));
    assert_eq!(f[0].estimated_tax_liability, Decimal::ZERO);
    assert_eq!(f[0].total_cost, f[0].total_paid);
}

/// § 2.2: across many balances, rates and both graduated plans, no payment
/// (final payment included) exceeds three times the first, and the first
/// covers the monthly interest.
#[test]
fn review_graduated_three_times_rule_holds_after_rounding() {
    let mut x: u64 = 7;
    let mut below = |n: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    for case in 0..150 {
        let principal = Decimal::new(3_000_000 + below(12_000_000) as i64, 2);
        let rate = Decimal::new(100 + below(900) as i64, 2);
        let mut l = d2("a", "0", "2016-08-15");
        l.outstanding_principal = principal;
        l.interest_rate = rate;
        let a = assess(&input(household("50000", FilingStatus::Single, 1), vec![l])).unwrap();
        for plan in [PlanType::Graduated, PlanType::ExtendedGraduated] {
            let o = option(&a, plan);
            let first = o.starting_monthly_payment;
            let three = first * d("3");
            let tag = format!("case {case} {plan} {principal} at {rate}%");
            for s in &o.annual_snapshots {
                assert!(
                    s.monthly_payment <= three,
                    "{tag}: {} > 3 x {first}",
                    s.monthly_payment
                );
            }
            assert!(
                o.final_monthly_payment <= three,
                "{tag}: final {}",
                o.final_monthly_payment
            );
            let interest = (principal * rate / d("1200")).round_dp(2);
            assert!(
                first >= interest,
                "{tag}: first {first} < interest {interest}"
            );
        }
    }
}
