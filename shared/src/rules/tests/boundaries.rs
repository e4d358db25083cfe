//! Boundary tests: bands, tiers, thresholds, dates and program rules.

use super::{d, date, eligible, household, input, loan, option};
use crate::rules::formulas::{poverty_guideline, rap_monthly_payment, tiered_standard_term_years};
use crate::rules::*;
use rust_decimal::Decimal;

fn single(agi: &str, loans: Vec<LoanInput>) -> AssessmentInput {
    input(household(agi, FilingStatus::Single, 1), loans)
}

fn direct(id: &str, principal: &str) -> LoanInput {
    loan(
        id,
        LoanProgram::DirectUnsubsidized,
        principal,
        "6.0",
        "2019-09-01",
    )
}

fn start(a: &Assessment, plan: PlanType) -> Decimal {
    option(a, plan).starting_monthly_payment
}

#[test]
fn rap_bands_use_whole_agi_and_lower_band_on_exact_multiples() {
    let cases = [
        ("0", "10.00"),
        ("10000", "10.00"),      // $120 a year
        ("10000.01", "10.00"),   // 1% = 8.33, raised to the $10 minimum
        ("20000", "16.67"),      // 1%
        ("20000.01", "33.33"),   // 2% of the whole AGI
        ("45000", "150.00"),     // 4%
        ("60000", "250.00"),     // exact multiple stays in the 5% band
        ("60000.01", "300.00"),  // 6%
        ("100000", "750.00"),    // 9%
        ("100000.01", "833.33"), // 10%
        ("250000", "2083.33"),   // 10%
    ];
    for (agi, want) in cases {
        assert_eq!(rap_monthly_payment(d(agi), 0), d(want), "AGI {agi}");
    }
}

#[test]
fn rap_dependents_reduce_after_dividing_by_twelve_with_ten_dollar_floor() {
    assert_eq!(rap_monthly_payment(d("45000"), 1), d("100.00"));
    assert_eq!(rap_monthly_payment(d("45000"), 2), d("50.00"));
    assert_eq!(rap_monthly_payment(d("45000"), 3), d("10.00"));
    assert_eq!(rap_monthly_payment(d("45000"), 9), d("10.00"));
}

#[test]
fn tiered_standard_boundary_goes_to_higher_tier() {
    for (bal, years) in [
        ("24999.99", 10),
        ("25000", 15),
        ("49999.99", 15),
        ("50000", 20),
        ("99999.99", 20),
        ("100000", 25),
    ] {
        assert_eq!(tiered_standard_term_years(d(bal)), years, "{bal}");
    }
}

#[test]
fn new_loan_gets_only_rap_and_tiered_standard() {
    let mut l = direct("new", "25000");
    l.origination_date = Some(date("2026-08-15"));
    let a = assess(&single("60000", vec![l, direct("old", "10000")])).unwrap();
    for plan in PlanType::ALL {
        let ok = eligible(&a, plan);
        assert_eq!(
            ok,
            matches!(plan, PlanType::Rap | PlanType::TieredStandard),
            "{plan}"
        );
    }
    let reasons = &option(&a, PlanType::Standard).ineligible_reasons;
    assert!(reasons[0].contains("July 1, 2026"), "{reasons:?}");
    // $35,000 of Direct Loans: 15-year tier.
    assert_eq!(option(&a, PlanType::TieredStandard).number_of_payments, 180);
}

#[test]
fn loan_made_the_day_before_the_cutoff_keeps_legacy_plans() {
    let mut l = direct("a", "20000");
    l.origination_date = Some(date("2026-06-30"));
    let a = assess(&single("60000", vec![l.clone()])).unwrap();
    assert!(eligible(&a, PlanType::Standard));
    assert!(!eligible(&a, PlanType::TieredStandard));
    l.origination_date = Some(date("2026-07-01"));
    let a = assess(&single("60000", vec![l])).unwrap();
    assert!(!eligible(&a, PlanType::Standard));
    assert!(eligible(&a, PlanType::TieredStandard));
}

#[test]
fn rap_opens_on_july_first_2026() {
    let mut i = single("60000", vec![direct("a", "20000")]);
    i.as_of = date("2026-06-30");
    let a = assess(&i).unwrap();
    assert!(!eligible(&a, PlanType::Rap));
    assert!(option(&a, PlanType::Rap).ineligible_reasons[0].contains("opens on July 1, 2026"));
    i.as_of = date("2026-07-01");
    assert!(eligible(&assess(&i).unwrap(), PlanType::Rap));
}

#[test]
fn paye_and_icr_close_to_new_enrollment_and_end_in_2028() {
    let mut i = single("40000", vec![direct("a", "50000")]);
    i.as_of = date("2027-06-30");
    let a = assess(&i).unwrap();
    assert!(eligible(&a, PlanType::Paye) && eligible(&a, PlanType::Icr));
    i.as_of = date("2027-07-01");
    let a = assess(&i).unwrap();
    assert!(!eligible(&a, PlanType::Paye) && !eligible(&a, PlanType::Icr));
    // Borrowers already on PAYE may stay until it ends.
    i.loans[0].repayment_plan = Some("paye".into());
    assert!(eligible(&assess(&i).unwrap(), PlanType::Paye));
    i.as_of = date("2028-07-01");
    let a = assess(&i).unwrap();
    assert!(option(&a, PlanType::Paye).ineligible_reasons[0].contains("ended on June 30, 2028"));
}

#[test]
fn paye_and_icr_move_to_rap_on_july_first_2028() {
    let a = assess(&single("40000", vec![direct("a", "80000")])).unwrap();
    for plan in [PlanType::Paye, PlanType::Icr] {
        let snaps = &option(&a, plan).annual_snapshots;
        assert_eq!(snaps[0].plan, plan);
        assert_eq!(snaps.last().unwrap().plan, PlanType::Rap, "{plan}");
    }
}

#[test]
fn borrowers_left_on_paye_after_it_ends_are_projected_on_rap() {
    let mut i = single("40000", vec![direct("a", "80000")]);
    i.as_of = date("2028-08-01");
    i.loans[0].repayment_plan = Some("paye".into());
    let a = assess(&i).unwrap();
    assert_eq!(a.original.monthly_payment, start(&a, PlanType::Rap));
}

#[test]
fn extended_requires_more_than_30000() {
    let a = assess(&single("60000", vec![direct("a", "30000")])).unwrap();
    assert!(!eligible(&a, PlanType::Extended));
    assert!(!eligible(&a, PlanType::ExtendedGraduated));
    assert!(option(&a, PlanType::Extended).ineligible_reasons[0].contains("more than $30,000"));
    let a = assess(&single("60000", vec![direct("a", "30000.01")])).unwrap();
    assert!(eligible(&a, PlanType::Extended));
    assert!(eligible(&a, PlanType::ExtendedGraduated));
    assert_eq!(option(&a, PlanType::Extended).number_of_payments, 300);
}

#[test]
fn ibr_small_payment_rule() {
    // IBR (15%) payment = 0.15 x (AGI - 23,940) / 12 for a single borrower.
    for (agi, want) in [
        ("24339.20", "0.00"),
        ("24340", "10.00"),
        ("24739.20", "10.00"),
        ("24740.80", "10.01"),
    ] {
        let mut l = direct("a", "50000");
        l.origination_date = Some(date("2010-01-01"));
        let a = assess(&single(agi, vec![l])).unwrap();
        assert_eq!(start(&a, PlanType::Ibr), d(want), "AGI {agi}");
    }
}

#[test]
fn rap_payment_never_below_ten_dollars_but_final_may_be() {
    let a = assess(&single("0", vec![direct("a", "305")])).unwrap();
    let o = option(&a, PlanType::Rap);
    assert_eq!(o.starting_monthly_payment, d("10.00"));
    assert!(
        o.final_monthly_payment < d("10.00"),
        "{}",
        o.final_monthly_payment
    );
}

#[test]
fn alaska_and_hawaii_have_their_own_guidelines() {
    let day = date("2026-11-22");
    assert_eq!(poverty_guideline(day, 1, Some("OH")), d("15960"));
    assert_eq!(poverty_guideline(day, 1, Some("AK")), d("19950"));
    assert_eq!(poverty_guideline(day, 1, Some("HI")), d("18360"));
    assert_eq!(poverty_guideline(day, 4, Some("AK")), d("41250"));
    assert_eq!(poverty_guideline(day, 8, Some("HI")), d("64070"));
    assert_eq!(poverty_guideline(day, 6, None), d("44360"));
    assert_eq!(
        poverty_guideline(date("2025-06-01"), 1, Some("AK")),
        d("19550")
    );
    assert_eq!(poverty_guideline(date("2024-06-01"), 2, None), d("20440"));
    // IBR for a single Alaskan: 15% x (60,000 - 1.5 x 19,950) / 12.
    let mut i = single("60000", vec![direct("a", "80000")]);
    i.household.state_of_residence = Some("AK".into());
    i.loans[0].origination_date = Some(date("2010-01-01"));
    assert_eq!(start(&assess(&i).unwrap(), PlanType::Ibr), d("375.94"));
}

fn couple(status: FilingStatus, spouse_loans: Vec<LoanInput>) -> AssessmentInput {
    let mut h = household("50000", status, 2);
    h.spouse_agi = Some(d("50000"));
    let mut l = direct("a", "40000");
    l.origination_date = Some(date("2010-01-01"));
    AssessmentInput {
        as_of: date("2026-11-22"),
        household: h,
        loans: vec![l],
        spouse_loans,
    }
}

#[test]
fn joint_filers_prorate_by_share_of_eligible_balance() {
    // Joint AGI 100,000; 150% of PG(2) = 32,460. IBR household payment
    // 15% x 67,540 / 12 = 844.25, capped at the borrower's Standard (444.08).
    let alone = assess(&couple(FilingStatus::MarriedFilingJointly, vec![])).unwrap();
    assert_eq!(start(&alone, PlanType::Ibr), d("444.08"));
    assert_eq!(start(&alone, PlanType::Rap), d("750.00"));
    let spouse = vec![loan(
        "s",
        LoanProgram::DirectUnsubsidized,
        "120000",
        "6.0",
        "2015-01-01",
    )];
    let a = assess(&couple(FilingStatus::MarriedFilingJointly, spouse)).unwrap();
    // Borrower holds 40k of 160k: 25%.
    assert_eq!(start(&a, PlanType::Ibr), d("211.06"));
    assert_eq!(start(&a, PlanType::Rap), d("187.50"));
    // A spouse's Parent PLUS loan does not count for RAP proration.
    let spouse = vec![loan(
        "s",
        LoanProgram::DirectParentPlus,
        "120000",
        "6.0",
        "2015-01-01",
    )];
    let a = assess(&couple(FilingStatus::MarriedFilingJointly, spouse)).unwrap();
    assert_eq!(start(&a, PlanType::Rap), d("750.00"));
}

#[test]
fn rap_ten_dollar_minimum_applies_per_spouse_after_proration() {
    let mut i = couple(
        FilingStatus::MarriedFilingJointly,
        vec![loan(
            "s",
            LoanProgram::DirectUnsubsidized,
            "360000",
            "6.0",
            "2015-01-01",
        )],
    );
    i.household.agi = d("5000");
    i.household.spouse_agi = Some(d("5000"));
    // Household $10, borrower share 10% = $1, raised to $10.
    assert_eq!(start(&assess(&i).unwrap(), PlanType::Rap), d("10.00"));
}

#[test]
fn separate_filers_use_own_income_and_own_loans() {
    let spouse = vec![loan(
        "s",
        LoanProgram::DirectUnsubsidized,
        "120000",
        "6.0",
        "2015-01-01",
    )];
    let a = assess(&couple(FilingStatus::MarriedFilingSeparately, spouse)).unwrap();
    // RAP 4% x 50,000 / 12 (exactly $50,000 stays in the 4% band);
    // IBR 15% x (50,000 - 32,460) / 12.
    assert_eq!(start(&a, PlanType::Rap), d("166.67"));
    assert_eq!(start(&a, PlanType::Ibr), d("219.25"));
    // A single filer's spouse_agi is ignored.
    let mut i = single("50000", vec![direct("a", "40000")]);
    i.household.spouse_agi = Some(d("900000"));
    assert_eq!(start(&assess(&i).unwrap(), PlanType::Rap), d("166.67"));
}

#[test]
fn parent_plus_only_fixed_plans_and_icr_after_consolidation() {
    let pp = loan(
        "pp",
        LoanProgram::DirectParentPlus,
        "40000",
        "7.5",
        "2018-09-01",
    );
    let a = assess(&single("60000", vec![pp])).unwrap();
    assert!(eligible(&a, PlanType::Standard));
    for plan in [PlanType::Ibr, PlanType::Paye, PlanType::Icr, PlanType::Rap] {
        assert!(!eligible(&a, plan), "{plan}");
    }
    assert!(option(&a, PlanType::Icr).ineligible_reasons[0]
        .contains("only through a Direct Consolidation Loan"));
    let ppc = loan(
        "ppc",
        LoanProgram::DirectConsolidationParentPlus,
        "40000",
        "7.5",
        "2025-09-01",
    );
    let a = assess(&single("60000", vec![ppc])).unwrap();
    assert!(eligible(&a, PlanType::Icr));
    assert!(!eligible(&a, PlanType::Rap));
    assert!(!eligible(&a, PlanType::Paye));
    // After ICR ends the loan moves to IBR, not RAP.
    assert_eq!(
        option(&a, PlanType::Icr)
            .annual_snapshots
            .last()
            .unwrap()
            .plan,
        PlanType::Ibr
    );
}

#[test]
fn ffel_must_consolidate_for_paye_icr_rap() {
    let f = loan("f", LoanProgram::FfelStafford, "30000", "6.8", "2008-09-01");
    let a = assess(&single("50000", vec![f])).unwrap();
    assert!(eligible(&a, PlanType::Standard));
    assert!(eligible(&a, PlanType::Ibr));
    assert!(!eligible(&a, PlanType::NewIbr));
    for plan in [PlanType::Paye, PlanType::Icr, PlanType::Rap] {
        assert!(!eligible(&a, plan), "{plan}");
    }
    let rap = option(&a, PlanType::Rap);
    assert!(rap.action_items.iter().any(|x| x
        .starts_with("Consolidate your FFEL loans into a Direct Consolidation Loan to use RAP")));
}

#[test]
fn defaulted_loans_eligible_for_nothing_and_closed_loans_ignored() {
    let mut def = direct("def", "10000");
    def.status = LoanStatusClass::InDefault;
    let mut closed = direct("closed", "0");
    closed.status = LoanStatusClass::Closed;
    let a = assess(&single("50000", vec![def, closed, direct("ok", "10000")])).unwrap();
    for o in &a.repayment_options {
        assert!(
            o.ineligible_loans.contains(&"def".to_string()),
            "{}",
            o.name
        );
        assert!(!o.eligible_loans.contains(&"def".to_string()));
        assert!(
            !o.eligible_loans.contains(&"closed".to_string())
                && !o.ineligible_loans.contains(&"closed".to_string())
        );
    }
    let std = option(&a, PlanType::Standard);
    assert!(std.ineligible_reasons.iter().any(|r| r.contains("default")));
}

#[test]
fn save_and_repaye_are_closed_with_reason() {
    let a = assess(&single("50000", vec![direct("a", "10000")])).unwrap();
    for plan in [PlanType::Save, PlanType::Repaye] {
        let o = option(&a, plan);
        assert!(o.eligible_loans.is_empty());
        assert!(
            o.ineligible_reasons[0].contains("March 10, 2026")
                && o.ineligible_reasons[0].contains("P.L. 119-21")
        );
    }
}

#[test]
fn ibr_or_new_ibr_never_both() {
    let a = assess(&single(
        "50000",
        vec![loan(
            "a",
            LoanProgram::DirectUnsubsidized,
            "30000",
            "6",
            "2016-09-01",
        )],
    ))
    .unwrap();
    assert!(eligible(&a, PlanType::NewIbr) && !eligible(&a, PlanType::Ibr));
    assert!(option(&a, PlanType::Ibr).ineligible_reasons[0].contains("New IBR"));
    let a = assess(&single(
        "50000",
        vec![loan(
            "a",
            LoanProgram::DirectUnsubsidized,
            "30000",
            "6",
            "2012-09-01",
        )],
    ))
    .unwrap();
    assert!(!eligible(&a, PlanType::NewIbr) && eligible(&a, PlanType::Ibr));
    // New IBR is 10%: 10% x (50,000 - 23,940) / 12.
    let a = assess(&single(
        "50000",
        vec![loan(
            "a",
            LoanProgram::DirectUnsubsidized,
            "60000",
            "6",
            "2016-09-01",
        )],
    ))
    .unwrap();
    assert_eq!(start(&a, PlanType::NewIbr), d("217.17"));
}

#[test]
fn paye_requires_partial_financial_hardship_at_entry() {
    let a = assess(&single(
        "200000",
        vec![loan(
            "a",
            LoanProgram::DirectUnsubsidized,
            "20000",
            "6",
            "2016-09-01",
        )],
    ))
    .unwrap();
    assert!(!eligible(&a, PlanType::Paye));
    assert!(option(&a, PlanType::Paye).ineligible_reasons[0].contains("partial financial hardship"));
    // IBR has no entry test any more: capped at the Standard payment.
    assert!(eligible(&a, PlanType::NewIbr));
    assert_eq!(start(&a, PlanType::NewIbr), start(&a, PlanType::Standard));
}

#[test]
fn standard_payment_checks_and_fifty_dollar_minimum() {
    let a = assess(&single("50000", vec![direct("a", "30000")])).unwrap();
    assert_eq!(start(&a, PlanType::Standard), d("333.06"));
    assert_eq!(option(&a, PlanType::Standard).number_of_payments, 120);
    let a = assess(&single("50000", vec![direct("a", "10000")])).unwrap();
    assert_eq!(start(&a, PlanType::Standard), d("111.02"));
    let a = assess(&single("50000", vec![direct("a", "3000")])).unwrap();
    let o = option(&a, PlanType::Standard);
    assert_eq!(o.starting_monthly_payment, d("50.00"));
    assert!(o.number_of_payments < 120);
    assert!(o.final_monthly_payment <= d("50.00"));
}

/// Issue 11 §4: the IBR, new IBR and PAYE cap is the Standard payment with its $50 minimum,
/// and the small-payment rule applies after the cap.
#[test]
fn idr_cap_keeps_the_standard_fifty_dollar_minimum() {
    let old = |principal: &str| {
        let mut l = direct("a", principal);
        l.origination_date = Some(date("2010-01-01"));
        l
    };
    let new = |principal: &str| {
        let mut l = direct("a", principal);
        l.origination_date = Some(date("2015-01-01"));
        l
    };
    // $300 at 6%: the level payment is $3.33, under the $5 small-payment line. A good income
    // pays $50 a month until it is paid off, with nothing forgiven.
    let a = assess(&single("100000", vec![old("300")])).unwrap();
    let o = option(&a, PlanType::Ibr);
    assert_eq!(o.starting_monthly_payment, d("50.00"), "{o:?}");
    assert_eq!(o.number_of_payments, 7);
    assert_eq!(o.amount_forgiven, Decimal::ZERO);
    assert!(o.final_monthly_payment < d("50.00"));
    assert!(
        o.total_paid > d("300") && o.total_paid < d("306"),
        "{}",
        o.total_paid
    );
    let a = assess(&single("100000", vec![new("300")])).unwrap();
    let o = option(&a, PlanType::NewIbr);
    assert_eq!(o.starting_monthly_payment, d("50.00"));
    assert_eq!(o.amount_forgiven, Decimal::ZERO);
    // A balance smaller than one payment is paid off in one payment of what is owed.
    let a = assess(&single("100000", vec![old("30")])).unwrap();
    let o = option(&a, PlanType::Ibr);
    assert_eq!(o.number_of_payments, 1, "{o:?}");
    assert_eq!(o.total_paid, d("30.15"));
    assert_eq!(o.amount_forgiven, Decimal::ZERO);
    // A low income still pays by income: $7 of IBR is raised to $10, $4.99 is $0, and $12 stays
    // $12 (all under the $50 cap).
    for (agi, want) in [("24500", "10.00"), ("24339.20", "0.00"), ("24900", "12.00")] {
        let a = assess(&single(agi, vec![old("300")])).unwrap();
        assert_eq!(start(&a, PlanType::Ibr), d(want), "AGI {agi}");
    }
    // PAYE: a new borrower with a small balance and a modest income has a partial financial
    // hardship only against the $50 Standard payment, and then pays by income.
    let mut l = new("400");
    l.origination_date = Some(date("2016-01-01"));
    let mut h = single("26000", vec![l]);
    h.household.new_borrower_date = Some(date("2016-01-01"));
    let a = assess(&h).unwrap();
    let o = option(&a, PlanType::Paye);
    assert!(!o.eligible_loans.is_empty(), "{:?}", o.ineligible_reasons);
    // 10% of (26,000 - 23,940) / 12 = $17.17, under the $50 cap.
    assert_eq!(o.starting_monthly_payment, d("17.17"));
}

/// Issue 11 §4: an option the borrower cannot take never says it earns PSLF credit.
#[test]
fn an_ineligible_option_is_never_pslf_eligible() {
    let mut def = direct("def", "10000");
    def.status = LoanStatusClass::InDefault;
    let a = assess(&single("50000", vec![def])).unwrap();
    for o in &a.repayment_options {
        assert!(o.eligible_loans.is_empty(), "{}", o.name);
        assert!(!o.pslf_eligible, "{} says pslf_eligible", o.name);
    }
    // The same plans qualify once there is a loan to put on them.
    let a = assess(&single("50000", vec![direct("ok", "10000")])).unwrap();
    assert!(option(&a, PlanType::Standard).pslf_eligible);
    assert!(option(&a, PlanType::Rap).pslf_eligible);
}

#[test]
fn graduated_starts_at_least_at_interest_and_never_exceeds_three_times() {
    let a = assess(&single(
        "50000",
        vec![
            direct("a", "40000"),
            loan(
                "b",
                LoanProgram::DirectGradPlus,
                "25000",
                "8.05",
                "2019-09-01",
            ),
        ],
    ))
    .unwrap();
    for plan in [PlanType::Graduated, PlanType::ExtendedGraduated] {
        let o = option(&a, plan);
        let payments: Vec<Decimal> = o
            .annual_snapshots
            .iter()
            .map(|s| s.monthly_payment)
            .collect();
        let first = payments[0];
        let interest = d("40000") * d("0.005") + d("25000") * d("0.0805") / d("12");
        assert!(
            first >= interest.round_dp(2) - d("0.01"),
            "{plan}: first {first} < interest {interest}"
        );
        let max = payments.iter().max().unwrap();
        assert!(*max <= first * d("3"), "{plan}: {max} > 3 x {first}");
        assert!(
            payments.windows(2).all(|w| w[1] >= w[0]),
            "{plan}: {payments:?}"
        );
    }
}

#[test]
fn consolidation_term_follows_total_education_debt() {
    let mut c = loan(
        "c",
        LoanProgram::DirectConsolidation,
        "26000",
        "5",
        "2015-03-01",
    );
    c.original_principal = Some(d("26000"));
    let a = assess(&single("50000", vec![c, direct("o", "13000")])).unwrap();
    let o = option(&a, PlanType::Standard);
    assert_eq!(o.number_of_payments, 240);
    assert!(
        !o.pslf_eligible,
        "a 20-year consolidation schedule does not qualify for PSLF"
    );
}

#[test]
fn errors_name_the_field() {
    let mut i = single("50000", vec![direct("a", "10000")]);
    i.household.filing_status = FilingStatus::MarriedFilingJointly;
    let e = assess(&i).unwrap_err();
    assert_eq!(e.field(), "household.spouse_agi");
    assert!(e.to_string().contains("household.spouse_agi"));
    let mut i = single("50000", vec![direct("a", "10000")]);
    i.household.family_size = 0;
    assert_eq!(assess(&i).unwrap_err().field(), "household.family_size");
    let mut i = single("50000", vec![direct("a", "10000")]);
    i.loans[0].interest_rate = d("-1");
    assert_eq!(assess(&i).unwrap_err().field(), "loans[0].interest_rate");
    let i = single("50000", vec![direct("a", "10000"), direct("a", "5")]);
    assert_eq!(assess(&i).unwrap_err().field(), "loans[1].id");
    let json = r#"{"as_of":"2026-11-22","household":{"filing_status":"single","family_size":1},"loans":[]}"#;
    let err = serde_json::from_str::<AssessmentInput>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`agi`"), "{err}");
}

#[test]
fn money_serializes_as_two_decimal_numbers_and_inputs_accept_numbers_or_strings() {
    let a = assess(&single("50000", vec![direct("a", "10000")])).unwrap();
    let text = serde_json::to_string(option(&a, PlanType::Standard)).unwrap();
    assert!(
        text.contains("\"starting_monthly_payment\":111.02"),
        "{text}"
    );
    assert!(text.contains("\"amount_forgiven\":0.00"), "{text}");
    let json = r#"{"as_of":"2026-11-22","household":{"agi":"50000.10","filing_status":"single","family_size":1},
        "loans":[{"id":"x","program":"direct_unsubsidized","status":"active","interest_rate":6.53,"outstanding_principal":"1000.05"}]}"#;
    let i: AssessmentInput = serde_json::from_str(json).unwrap();
    assert_eq!(i.household.agi, d("50000.10"));
    assert_eq!(i.household.income_growth, d("5.0"));
    assert_eq!(i.loans[0].interest_rate, d("6.53"));
    let back: AssessmentInput = serde_json::from_str(&serde_json::to_string(&i).unwrap()).unwrap();
    assert_eq!(back, i);
    let round: Assessment = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(round.repayment_options.len(), 12);
}

#[test]
fn cents_text_always_has_two_decimals() {
    use crate::rules::money::cents_text;
    for (v, want) in [
        ("0", "0.00"),
        ("-0.004", "0.00"),
        ("12.5", "12.50"),
        ("-3.005", "-3.01"),
        ("1234567.891", "1234567.89"),
        ("0.05", "0.05"),
    ] {
        assert_eq!(cents_text(d(v)), want, "{v}");
    }
}

#[test]
fn idr_forgiveness_is_taxed_and_pslf_is_not() {
    // Large balance, modest income: RAP runs to forgiveness after 360 payments.
    let mut i = single(
        "40000",
        vec![loan(
            "a",
            LoanProgram::DirectGradPlus,
            "250000",
            "8",
            "2019-09-01",
        )],
    );
    i.household.income_growth = d("2");
    i.household.pslf = true;
    let a = assess(&i).unwrap();
    let rap = option(&a, PlanType::Rap);
    assert!(rap.amount_forgiven > Decimal::ZERO);
    assert!(rap.estimated_tax_liability > Decimal::ZERO);
    assert_eq!(rap.total_cost, rap.total_paid + rap.estimated_tax_liability);
    assert_eq!(rap.number_of_payments, 360);
    let f = forgiveness_options(&i).unwrap();
    let pslf = f
        .iter()
        .find(|o| o.forgiveness_type == ForgivenessType::Pslf)
        .unwrap();
    assert!(pslf.amount_forgiven > Decimal::ZERO);
    assert_eq!(pslf.estimated_tax_liability, Decimal::ZERO);
    assert_eq!(pslf.number_of_payments, 120);
    assert!(pslf.ineligible_reasons.is_empty());
}

#[test]
fn payments_already_made_count_toward_forgiveness() {
    let mut i = single(
        "40000",
        vec![loan(
            "a",
            LoanProgram::DirectGradPlus,
            "250000",
            "8",
            "2019-09-01",
        )],
    );
    i.loans[0].idr_qualifying_payments = Some(200);
    i.loans[0].pslf_qualifying_payments = Some(100);
    i.household.pslf = true;
    let a = assess(&i).unwrap();
    assert_eq!(option(&a, PlanType::Rap).number_of_payments, 160);
    let f = forgiveness_options(&i).unwrap();
    assert_eq!(f[0].number_of_payments, 20);
    assert_eq!(f[0].remaining_qualifying_payments, 20);
    let i = single("40000", vec![direct("a", "10000")]);
    let f = forgiveness_options(&i).unwrap();
    assert_eq!(
        f[0].ineligible_reasons[0],
        "Does not work for qualifying employer"
    );
}

#[test]
fn rap_waives_interest_and_matches_principal() {
    let a = assess(&single("30000", vec![direct("a", "60000")])).unwrap();
    let o = option(&a, PlanType::Rap);
    let y1 = &o.annual_snapshots[0];
    // 2% x 30,000 / 12 = $50 a month against ~$300 of interest.
    assert_eq!(o.starting_monthly_payment, d("50.00"));
    assert!(y1.interest_waived > d("2900"), "{}", y1.interest_waived);
    assert_eq!(y1.principal_matched, d("600.00"));
    assert_eq!(y1.principal_balance, d("59400.00"));
    assert_eq!(y1.interest_balance, Decimal::ZERO);
}

#[test]
fn every_parameter_row_has_a_source() {
    let rows = parameter_sources();
    assert!(rows.len() > 80);
    for r in &rows {
        assert!(!r.source.trim().is_empty(), "{} has no source", r.name);
        assert!(!r.value.trim().is_empty(), "{} has no value", r.name);
    }
}

#[test]
fn rules_version_and_all_plans_listed() {
    let a = assess(&single("50000", vec![direct("a", "10000")])).unwrap();
    assert_eq!(a.rules_version, RULES_VERSION);
    let types: Vec<PlanType> = a
        .repayment_options
        .iter()
        .map(|o| o.repayment_plan.plan_type)
        .collect();
    assert_eq!(types, PlanType::ALL.to_vec());
    assert_eq!(option(&a, PlanType::Extended).name, "Extended Fixed");
    assert!(!a.assumptions.is_empty());
}
