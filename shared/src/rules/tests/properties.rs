//! Property tests over deterministic pseudo-random portfolios (tiny LCG; no
//! external crates).

use crate::rules::*;
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;

pub(crate) struct Lcg(u64);

impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn cents(&mut self, max_dollars: u64) -> Decimal {
        Decimal::new(self.below(max_dollars * 100) as i64, 2)
    }
}

const PROGRAMS: &[LoanProgram] = &[
    LoanProgram::DirectUnsubsidized,
    LoanProgram::DirectUnsubsidized,
    LoanProgram::DirectSubsidized,
    LoanProgram::DirectGradPlus,
    LoanProgram::DirectConsolidation,
    LoanProgram::DirectParentPlus,
    LoanProgram::DirectConsolidationParentPlus,
    LoanProgram::FfelStafford,
    LoanProgram::FfelConsolidation,
    LoanProgram::Perkins,
    LoanProgram::Private,
];

fn random_loan(rng: &mut Lcg, id: String) -> LoanInput {
    let base = NaiveDate::from_ymd_opt(2005, 1, 1).unwrap();
    let orig = base + Months::new(rng.below(21 * 12 + 6) as u32);
    let status = match rng.below(20) {
        0 => LoanStatusClass::InDefault,
        1 => LoanStatusClass::Closed,
        _ => LoanStatusClass::Active,
    };
    let plan = rng.pick(&[
        None,
        Some("standard"),
        Some("ibr"),
        Some("paye"),
        Some("rap"),
        Some("save"),
        Some("icr"),
        Some("graduated"),
    ]);
    LoanInput {
        id,
        program: rng.pick(PROGRAMS),
        status,
        interest_rate: Decimal::new(200 + rng.below(700) as i64, 2),
        outstanding_principal: rng.cents(120_000),
        outstanding_interest: if rng.below(3) == 0 {
            rng.cents(3_000)
        } else {
            Decimal::ZERO
        },
        original_principal: None,
        origination_date: Some(orig),
        disbursement_dates: Vec::new(),
        repayment_plan: plan.map(String::from),
        monthly_payment: if rng.below(2) == 0 {
            Some(rng.cents(900))
        } else {
            None
        },
        repayment_begin_date: if rng.below(2) == 0 {
            Some(orig + Months::new(6))
        } else {
            None
        },
        pslf_qualifying_payments: if rng.below(4) == 0 {
            Some(rng.below(130) as u32)
        } else {
            None
        },
        idr_qualifying_payments: if rng.below(4) == 0 {
            Some(rng.below(320) as u32)
        } else {
            None
        },
    }
}

pub(crate) fn random_input(seed: u64, max_loans: u64) -> AssessmentInput {
    let mut rng = Lcg(seed.wrapping_mul(0x9E3779B97F4A7C15) ^ 0xDEADBEEF);
    let status = rng.pick(&[
        FilingStatus::Single,
        FilingStatus::MarriedFilingJointly,
        FilingStatus::MarriedFilingSeparately,
        FilingStatus::HeadOfHousehold,
    ]);
    let n = 1 + rng.below(max_loans);
    let loans = (0..n)
        .map(|i| random_loan(&mut rng, format!("l{i}")))
        .collect();
    let spouse_loans = (0..rng.below(4))
        .map(|i| random_loan(&mut rng, format!("s{i}")))
        .collect();
    AssessmentInput {
        as_of: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap() + chrono::Days::new(rng.below(700)),
        household: Household {
            agi: rng.cents(250_000),
            spouse_agi: Some(rng.cents(150_000)),
            filing_status: status,
            family_size: 1 + rng.below(6) as u32,
            dependents: rng.below(4) as u32,
            state_of_residence: Some(rng.pick(&["OH", "AK", "HI", "CA"]).to_string()),
            income_growth: Decimal::new(rng.below(80) as i64, 1),
            pslf: rng.below(2) == 0,
            new_borrower_date: None,
        },
        loans,
        spouse_loans,
    }
}

const CASES: u64 = 300;

#[test]
fn payments_never_negative_and_totals_consistent() {
    for seed in 0..CASES {
        let input = random_input(seed, 12);
        let a = assess(&input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let live: Vec<&str> = input
            .loans
            .iter()
            .filter(|l| l.status != LoanStatusClass::Closed)
            .map(|l| l.id.as_str())
            .collect();
        let o = &a.original;
        assert_eq!(
            o.total_cost,
            o.total_paid + o.estimated_tax_liability,
            "seed {seed}"
        );
        for x in [
            o.monthly_payment,
            o.final_monthly_payment,
            o.total_paid,
            o.amount_forgiven,
            o.estimated_tax_liability,
        ] {
            assert!(x >= Decimal::ZERO, "seed {seed}: original {x}");
        }
        for opt in &a.repayment_options {
            let tag = format!("seed {seed} {}", opt.repayment_plan.plan_type);
            for x in [
                opt.starting_monthly_payment,
                opt.final_monthly_payment,
                opt.total_paid,
                opt.amount_forgiven,
                opt.estimated_tax_liability,
            ] {
                assert!(x >= Decimal::ZERO, "{tag}: {x}");
            }
            assert_eq!(
                opt.total_cost,
                opt.total_paid + opt.estimated_tax_liability,
                "{tag}"
            );
            let mut ids: Vec<&str> = opt
                .eligible_loans
                .iter()
                .chain(opt.ineligible_loans.iter())
                .map(|s| s.as_str())
                .collect();
            ids.sort_unstable();
            let mut want = live.clone();
            want.sort_unstable();
            assert_eq!(ids, want, "{tag}: every non-closed loan is listed once");
            assert_eq!(
                opt.ineligible_loans.is_empty(),
                opt.ineligible_reasons.is_empty()
                    || opt.eligible_loans.is_empty() && opt.ineligible_loans.is_empty(),
                "{tag}: reasons iff ineligible loans"
            );
            let snap_paid: Decimal = opt.annual_snapshots.iter().map(|s| s.total_paid).sum();
            assert_eq!(snap_paid, opt.total_paid, "{tag}: snapshots add up");
            for s in &opt.annual_snapshots {
                assert!(
                    s.monthly_payment >= Decimal::ZERO && s.total_paid >= Decimal::ZERO,
                    "{tag}"
                );
                assert!(
                    s.principal_balance >= Decimal::ZERO && s.interest_balance >= Decimal::ZERO,
                    "{tag}"
                );
            }
            if opt.amount_forgiven == Decimal::ZERO {
                assert_eq!(opt.estimated_tax_liability, Decimal::ZERO, "{tag}");
            }
        }
        let f = forgiveness_options(&input).unwrap();
        for x in &f {
            assert_eq!(
                x.total_cost,
                x.total_paid + x.estimated_tax_liability,
                "seed {seed}"
            );
            assert!(
                x.amount_forgiven >= Decimal::ZERO && x.total_paid >= Decimal::ZERO,
                "seed {seed}"
            );
        }
    }
}

#[test]
fn fixed_plans_reach_zero_within_their_term() {
    for seed in 0..CASES {
        let a = assess(&random_input(seed, 12)).unwrap();
        for (plan, max) in [
            (PlanType::Standard, 360),
            (PlanType::Graduated, 360),
            (PlanType::Extended, 300),
            (PlanType::ExtendedGraduated, 300),
            (PlanType::TieredStandard, 300),
        ] {
            let o = a
                .repayment_options
                .iter()
                .find(|o| o.repayment_plan.plan_type == plan)
                .unwrap();
            if o.eligible_loans.is_empty() {
                continue;
            }
            assert!(
                o.number_of_payments <= max,
                "seed {seed} {plan}: {}",
                o.number_of_payments
            );
            if let Some(last) = o.annual_snapshots.last() {
                assert_eq!(
                    last.principal_balance + last.interest_balance,
                    Decimal::ZERO,
                    "seed {seed} {plan}"
                );
            }
            assert_eq!(o.amount_forgiven, Decimal::ZERO);
        }
    }
}

#[test]
fn standard_ten_year_plan_ends_in_120_payments() {
    for seed in 0..CASES {
        let mut input = random_input(seed, 8);
        for l in input.loans.iter_mut() {
            l.program = LoanProgram::DirectUnsubsidized;
            l.status = LoanStatusClass::Active;
            l.origination_date = Some(NaiveDate::from_ymd_opt(2015, 1, 1).unwrap());
            l.outstanding_principal += Decimal::from(5_000);
        }
        let a = assess(&input).unwrap();
        let o = a
            .repayment_options
            .iter()
            .find(|o| o.repayment_plan.plan_type == PlanType::Standard)
            .unwrap();
        assert_eq!(o.number_of_payments, 120, "seed {seed}");
        // The final payment absorbs cent rounding of each month's interest
        // and of each loan's level payment (at most a cent per loan-month).
        let slack = Decimal::new(input.loans.len() as i64 * 120, 2);
        assert!(
            o.final_monthly_payment <= o.starting_monthly_payment + slack,
            "seed {seed}: {} {}",
            o.final_monthly_payment,
            o.starting_monthly_payment
        );
        assert!(o.pslf_eligible);
    }
}

#[test]
fn rap_balance_never_grows_while_payments_are_made() {
    for seed in 0..CASES {
        let input = random_input(seed, 12);
        let a = assess(&input).unwrap();
        let o = a
            .repayment_options
            .iter()
            .find(|o| o.repayment_plan.plan_type == PlanType::Rap)
            .unwrap();
        if o.eligible_loans.is_empty() {
            continue;
        }
        let start: Decimal = input
            .loans
            .iter()
            .filter(|l| o.eligible_loans.contains(&l.id))
            .map(|l| l.outstanding_principal + l.outstanding_interest)
            .sum();
        let mut prev = start;
        for s in &o.annual_snapshots {
            let bal = s.principal_balance + s.interest_balance;
            assert!(
                bal <= prev,
                "seed {seed}: RAP balance grew from {prev} to {bal}"
            );
            prev = bal;
        }
        assert!(
            o.starting_monthly_payment >= Decimal::TEN || o.number_of_payments <= 1,
            "seed {seed}"
        );
        assert!(o.number_of_payments <= 360, "seed {seed}");
    }
}

#[test]
fn assessment_is_deterministic() {
    for seed in 0..20 {
        let input = random_input(seed, 12);
        assert_eq!(assess(&input).unwrap(), assess(&input).unwrap());
    }
}
