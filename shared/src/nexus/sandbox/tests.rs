//! Tests of the sandbox generator: determinism, profile shapes, realistic loans, statutory
//! rates, and that every portfolio passes the assessment engine.

use chrono::Datelike;
use rust_decimal::dec;

use super::simulate::AUTOPAY_DISCOUNT;
use super::*;
use crate::loans::LoanSource;
use crate::model::Borrower;
use crate::reference::{loan_status_by_code, loan_type_by_code, repayment_plan_by_type};

/// The servicers the Nexus picker offers.
const SERVICERS: &[&str] = crate::nexus::connector::PICKER;
#[rustfmt::skip]
const PROFILES: [DataProfile; 6] = [
    DataProfile::Standard, DataProfile::NoLoans, DataProfile::Delinquent, DataProfile::Pslf,
    DataProfile::Ffel, DataProfile::Large,
];
const SEEDS: [u64; 4] = [0, 1, 0x5EED_0000_0042, u64::MAX];
const AS_OF: [NaiveDate; 2] = [date(2026, 12, 1), date(2027, 6, 15)];

fn each(mut f: impl FnMut(&str, u64, DataProfile, NaiveDate, &SandboxPortfolio)) {
    for servicer in SERVICERS {
        for seed in SEEDS {
            for profile in PROFILES {
                for as_of in AS_OF {
                    f(
                        servicer,
                        seed,
                        profile,
                        as_of,
                        &portfolio(servicer, seed, profile, as_of),
                    );
                }
            }
        }
    }
}

fn groups(p: &SandboxPortfolio) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = p
        .loans
        .iter()
        .filter_map(|l| l.data.payment_group_id)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn same_inputs_same_portfolio_and_different_inputs_differ() {
    let at = AS_OF[0];
    for profile in PROFILES {
        assert_eq!(
            portfolio("Nelnet", 7, profile, at),
            portfolio("Nelnet", 7, profile, at)
        );
    }
    let a = portfolio("Nelnet", 7, DataProfile::Standard, at);
    let b = portfolio("Nelnet", 8, DataProfile::Standard, at);
    let c = portfolio("MOHELA", 7, DataProfile::Standard, at);
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert_ne!(a.loans[0].award_id, c.loans[0].award_id);
    // Across many seeds the people, schools, years and amounts vary.
    let mut names = std::collections::BTreeSet::new();
    let mut schools = std::collections::BTreeSet::new();
    let mut years = std::collections::BTreeSet::new();
    let mut amounts = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let p = portfolio("Aidvantage", seed, DataProfile::Standard, at);
        names.insert(p.profile.first_name.clone());
        let l = &p.loans[0].data;
        schools.insert(l.metadata["school_name"].clone());
        years.insert(l.metadata["academic_year"].clone());
        amounts.insert(
            p.loans
                .iter()
                .filter_map(|l| l.data.original_principal)
                .sum::<Decimal>(),
        );
    }
    assert!(
        names.len() > 10 && schools.len() > 4 && years.len() > 6 && amounts.len() > 30,
        "{} {} {} {}",
        names.len(),
        schools.len(),
        years.len(),
        amounts.len()
    );
}

#[test]
fn a_later_sync_keeps_the_loans_and_moves_the_balances() {
    let a = portfolio("Nelnet", 3, DataProfile::Large, AS_OF[0]);
    let b = portfolio("Nelnet", 3, DataProfile::Large, AS_OF[1]);
    let ids = |p: &SandboxPortfolio| {
        p.loans
            .iter()
            .map(|l| l.award_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(
        a.loans[0].data.disbursement_dates,
        b.loans[0].data.disbursement_dates
    );
    let (x, y) = (&a.loans[0].data, &b.loans[0].data);
    assert!(x.last_payment_date < y.last_payment_date && x.due_date < y.due_date);
    assert_ne!(x.outstanding_principal, y.outstanding_principal);
}

#[test]
fn profiles_have_their_shape() {
    each(|_, _, profile, as_of, p| {
        let n = p.loans.len();
        let types: Vec<&str> = p.loans.iter().map(|l| l.data.loan_type.as_str()).collect();
        let overdue: Vec<_> = p
            .loans
            .iter()
            .filter(|l| l.data.is_overdue == Some(true))
            .collect();
        match profile {
            DataProfile::NoLoans => assert_eq!(n, 0),
            DataProfile::Standard => {
                assert!((3..=8).contains(&n), "{n}");
                assert_eq!(groups(p).len(), 1);
                assert!(types.iter().all(|t| ["D1", "D2", "D3"].contains(t)));
            }
            DataProfile::Delinquent => {
                assert!((3..=8).contains(&n));
                assert_eq!(overdue.len(), 1);
                let l = &overdue[0].data;
                assert_eq!(l.due_date, Some(as_of - chrono::Duration::days(60)));
                assert_eq!(l.loan_status.as_deref(), Some("RP"));
                assert_eq!(l.metadata["days_delinquent"], "60");
                assert!(l
                    .last_payment_date
                    .is_some_and(|d| d < as_of - chrono::Duration::days(60)));
            }
            DataProfile::Pslf => {
                assert!(n >= 3);
                for l in &p.loans {
                    let d = &l.data;
                    let q = d.pslf_cumulative_periods.unwrap_or(0);
                    assert!((30..=100).contains(&q), "{q}");
                    assert_eq!(d.pslf.remaining_payments, Some(120 - q));
                    assert_eq!(
                        d.pslf.eligible_payments,
                        Some(q + d.pslf.non_qualifying_payments.unwrap_or(0))
                    );
                    assert!(!d.pslf.ineligible_payment_details.is_empty());
                    assert!(!d.pslf.non_qualifying_payment_details.is_empty());
                    assert_eq!(
                        d.pslf.ineligible_payments,
                        Some(d.pslf.ineligible_payment_details.len() as u32)
                    );
                    let period = d.pslf.non_qualifying_payment_details[0]
                        .period
                        .as_deref()
                        .unwrap_or("");
                    assert!(
                        NaiveDate::parse_from_str(&format!("01/{period}"), "%d/%m/%Y").is_ok(),
                        "{period}"
                    );
                    assert_eq!(d.repayment_plan_type.as_deref(), Some("ibr"));
                    assert!(
                        d.metadata["employer"].contains("District")
                            || d.metadata["employer"].contains("Department")
                    );
                }
            }
            DataProfile::Ffel => {
                assert!(types.contains(&"SF") && types.contains(&"SU") && types.contains(&"D4"));
                assert!(groups(p).len() >= 2);
                for l in p
                    .loans
                    .iter()
                    .filter(|l| ["SF", "SU"].contains(&l.data.loan_type.as_str()))
                {
                    assert!(l.data.guarantor.is_some() && l.data.pslf_cumulative_periods.is_none());
                    let d = l.data.origination_date.unwrap();
                    assert!(d >= date(2006, 7, 1) && d < date(2010, 7, 1));
                }
            }
            DataProfile::Large => {
                assert_eq!(n, 30);
                assert!(groups(p).len() >= 3);
            }
        }
        if profile != DataProfile::Delinquent {
            assert!(overdue.is_empty());
        }
    });
}

#[test]
fn loans_are_realistic_and_use_reference_codes() {
    each(|servicer, _, _, as_of, p| {
        for (i, l) in p.loans.iter().enumerate() {
            let d = &l.data;
            assert_eq!(l.source, LoanSource::Nexus);
            assert!(l.external_id.is_none());
            assert!(l
                .award_id
                .as_deref()
                .is_some_and(|a| a.starts_with(&format!("nexus:{servicer}:"))));
            assert!(loan_type_by_code(&d.loan_type).is_some(), "{}", d.loan_type);
            let status = d.loan_status.as_deref().unwrap();
            assert!(loan_status_by_code(status).is_some());
            assert!(["RP", "FB", "DA"].contains(&status), "{status}");
            assert!(repayment_plan_by_type(d.repayment_plan_type.as_deref().unwrap()).is_some());
            assert_eq!(d.servicer_name.as_deref(), Some(servicer));
            assert!(d.account_number.as_deref().unwrap().starts_with("****"));
            assert!(d.payment_reference_number.is_some() && d.payment_group_id.is_some());
            assert_eq!(d.origination_date, d.disbursement_dates.first().copied());
            assert!(!d.loan_status_history.is_empty());
            assert_eq!(d.balance_as_of, Some(as_of));
            let money = [
                d.original_principal,
                d.outstanding_principal,
                d.outstanding_interest,
                d.capitalized_amount,
                d.monthly_payment,
                d.min_payment,
                d.last_payment,
                d.last_statement_balance,
            ];
            for m in money.into_iter().flatten() {
                assert!(
                    m >= Decimal::ZERO && m < Decimal::from(1_000_000) && m.scale() <= 2,
                    "{m}"
                );
            }
            assert!(d.outstanding_principal.unwrap() > Decimal::ZERO);
            assert!(d.monthly_payment.unwrap() > Decimal::ZERO);
            assert!(d
                .due_date
                .is_some_and(|x| d.is_overdue == Some(true) || x > as_of));
            assert!(d.last_payment_date.is_some_and(|x| x <= as_of));
            assert!(d.maturity_date.is_some_and(|x| x > as_of));
            let rate = d.interest_rate.unwrap();
            assert!(rate > Decimal::ZERO && rate < crate::rules::limits::MAX_RATE);
            // Unique award ids.
            assert!(p.loans[..i].iter().all(|o| o.award_id != l.award_id));
        }
        let f = &p.profile;
        assert!(f.email.as_deref().unwrap().ends_with("@example.com"));
        assert!(f.phone.as_deref().unwrap().contains("-555-01"));
        let a = f.address.as_ref().unwrap();
        assert_eq!(a.state.as_deref().map(str::len), Some(2));
        assert!(a
            .zipcode
            .as_deref()
            .is_some_and(|z| z.len() == 5 && z.chars().all(|c| c.is_ascii_digit())));
        let y = p.date_of_birth.unwrap().year();
        assert!((1975..=2000).contains(&y));
    });
}

#[test]
fn rates_are_the_statutory_rate_of_the_first_disbursement_year() {
    use RateKind::*;
    #[rustfmt::skip]
    let known = [
        (UndergradSubsidized, 2006, "6.8"), (UndergradSubsidized, 2008, "6.0"),
        (UndergradSubsidized, 2009, "5.6"), (UndergradSubsidized, 2010, "4.5"),
        (UndergradSubsidized, 2012, "3.4"), (UndergradUnsubsidized, 2012, "6.8"),
        (DirectPlus, 2011, "7.9"), (UndergradUnsubsidized, 2013, "3.86"),
        (UndergradSubsidized, 2014, "4.66"), (UndergradSubsidized, 2015, "4.29"),
        (UndergradSubsidized, 2016, "3.76"), (UndergradSubsidized, 2017, "4.45"),
        (UndergradSubsidized, 2018, "5.05"), (UndergradSubsidized, 2019, "4.53"),
        (UndergradSubsidized, 2020, "2.75"), (UndergradSubsidized, 2021, "3.73"),
        (UndergradSubsidized, 2022, "4.99"), (UndergradSubsidized, 2023, "5.50"),
        (UndergradUnsubsidized, 2024, "6.53"), (UndergradUnsubsidized, 2025, "6.39"),
        (GradUnsubsidized, 2013, "5.41"), (GradUnsubsidized, 2025, "7.94"),
        (DirectPlus, 2013, "6.41"), (DirectPlus, 2025, "8.94"),
        (FfelSubsidized, 2008, "6.0"), (FfelSubsidized, 2009, "5.6"),
        (FfelUnsubsidized, 2009, "6.8"), (FfelPlus, 2007, "8.5"),
    ];
    for (kind, year, rate) in known {
        let fall = date(year, 8, 20);
        let spring = date(year + 1, 1, 10);
        let want = rate.parse::<Decimal>().ok();
        assert_eq!(statutory_rate(kind, fall), want, "{kind:?} {year}");
        assert_eq!(statutory_rate(kind, spring), want, "{kind:?} {year} spring");
    }
    assert_eq!(
        statutory_rate(RateKind::FfelUnsubsidized, date(2010, 7, 1)),
        None
    );
    for r in RATES.iter().filter(|r| r.year >= 2013) {
        assert_eq!(r.grad_unsubsidized, r.undergrad_unsubsidized + 155);
        assert_eq!(r.direct_plus, r.undergrad_unsubsidized + 255);
    }
    assert!(RATES
        .iter()
        .all(|r| r.source.contains("20 U.S.C. 1087e(b)")));
    assert!((2006..=2026).all(|y| RATES.iter().any(|r| r.year == y)));

    each(|_, _, _, _, p| {
        for l in &p.loans {
            let d = &l.data;
            let grad = d.metadata["program"] == "graduate";
            let kind = match d.loan_type.as_str() {
                "D1" => RateKind::UndergradSubsidized,
                "D2" if grad => RateKind::GradUnsubsidized,
                "D2" => RateKind::UndergradUnsubsidized,
                "SF" => RateKind::FfelSubsidized,
                "SU" => RateKind::FfelUnsubsidized,
                _ => RateKind::DirectPlus,
            };
            let first = d.origination_date.unwrap();
            assert_eq!(d.original_interest_rate, statutory_rate(kind, first));
            let year = academic_year(first);
            assert_eq!(
                d.metadata["academic_year"],
                format!("{}-{:02}", year, (year + 1) % 100)
            );
            let discount = d
                .metadata
                .get("autopay_discount")
                .map_or(Decimal::ZERO, |_| AUTOPAY_DISCOUNT);
            assert_eq!(
                d.interest_rate,
                d.original_interest_rate.map(|r| r - discount)
            );
        }
    });
}

#[test]
fn every_portfolio_passes_the_assessment_engine() {
    let mut assessed = 0;
    each(|servicer, seed, profile, as_of, p| {
        let owner = Uuid::from_u128(9);
        let loans: Vec<_> = p
            .loans
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, l)| {
                l.into_loan(
                    i as i64 + 1,
                    Uuid::from_u128(i as u128 + 1),
                    owner,
                    "2026-12-01T00:00:00Z",
                )
            })
            .collect();
        let mut b = Borrower::new(1, owner, "c", "now");
        b.financial.agi = Some(dec!(55000));
        b.financial.family_size = Some(2);
        b.financial.state_of_residence = Some("NY".into());
        let (input, _) = crate::assessment::build_input(&b, &loans, None, as_of)
            .unwrap_or_else(|e| panic!("{servicer} {seed} {profile:?} {as_of}: {e:?}"));
        if !loans.is_empty() {
            crate::rules::assess(&input)
                .unwrap_or_else(|e| panic!("{servicer} {seed} {profile:?} {as_of}: {e}"));
            assessed += 1;
        }
    });
    assert_eq!(assessed, SERVICERS.len() * SEEDS.len() * 5 * AS_OF.len());
}
