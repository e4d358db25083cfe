//! Assessment: eligibility, option building and the current-plan summary.

use super::eligibility::{self, Eval};
use super::formulas::{
    self, cents, dollars, growth_factor, ipf_bp_with, ipf_years, poverty_guideline_base,
    rate_milli, Region, Rules,
};
use super::fx::{self, ONE};
use super::params::{date_param, scalar};
use super::sim::{self, Mode, Phase, Rule, SimLoan, SimResult, SimSpec, YearParams};
use super::tax;
use super::types::*;
use super::{RulesError, RULES_VERSION};
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Longest projection, in months (50 years; current payments that barely
/// amortise stop here and the remainder is reported as an assumption).
pub(crate) const HORIZON: u32 = 600;

/// A borrower or spouse loan, normalised to cents.
#[derive(Debug, Clone)]
pub(crate) struct Loan<'a> {
    pub input: &'a LoanInput,
    pub program: LoanProgram,
    pub status: LoanStatusClass,
    pub p: i64,
    pub int: i64,
    pub rate: i64,
    /// Origination date, else the earliest disbursement.
    pub date: Option<NaiveDate>,
    /// Made on or after 2026-07-01.
    pub is_new: bool,
    pub plan: Option<PlanType>,
    pub payment: Option<i64>,
    /// ICR constant multiplier x 10^7 for this loan's rate.
    pub cm7: i64,
    /// 10-year Standard payment on today's balance (IBR/PAYE cap).
    pub std10: i64,
}

impl Loan<'_> {
    pub(crate) fn balance(&self) -> i64 {
        self.p + self.int
    }
    pub(crate) fn id(&self) -> &str {
        &self.input.id
    }
}

/// Three-valued "new borrower" answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Yes,
    No,
    Unknown,
}

pub(crate) struct Ctx<'a> {
    pub input: &'a AssessmentInput,
    pub as_of: NaiveDate,
    pub rules: Rules,
    pub status: FilingStatus,
    pub joint: bool,
    /// Borrower loans that are active or in default (closed loans dropped).
    pub loans: Vec<Loan<'a>>,
    /// Spouse loans that count for joint proration (active only).
    pub spouse: Vec<Loan<'a>>,
    pub years: Vec<YearParams>,
    pub start_ym: i32,
    pub has_new_loan: bool,
    pub cutoff: NaiveDate,
    pub assumptions: Vec<Assumption>,
    pub growth: i128,
    /// Household AGI at as_of (cents), for tax.
    pub household_agi: i64,
}

fn loan_date(l: &LoanInput) -> Option<NaiveDate> {
    l.origination_date
        .or_else(|| l.disbursement_dates.iter().min().copied())
}

fn assumption(code: &str, description: String, source: &str) -> Assumption {
    Assumption {
        code: code.to_string(),
        description,
        source: source.to_string(),
    }
}

fn validate(input: &AssessmentInput) -> Result<(), RulesError> {
    let h = &input.household;
    let limit = super::limits::MAX_MONEY;
    let (earliest, latest) = (super::limits::AS_OF_EARLIEST, super::limits::AS_OF_LATEST);
    if input.as_of < earliest || input.as_of > latest {
        return Err(RulesError::Invalid {
            field: "as_of".into(),
            reason: format!(
                "must be between {earliest} and {latest} (the rules tables start in 2024)"
            ),
        });
    }
    if h.agi.abs() > limit {
        return Err(RulesError::Invalid {
            field: "household.agi".into(),
            reason: "is out of range".into(),
        });
    }
    if h.filing_status == FilingStatus::MarriedFilingJointly && h.spouse_agi.is_none() {
        return Err(RulesError::Missing {
            field: "household.spouse_agi".into(),
            reason: "is required when filing_status is married_filing_jointly".into(),
        });
    }
    if let Some(s) = h.spouse_agi {
        if s.abs() > limit {
            return Err(RulesError::Invalid {
                field: "household.spouse_agi".into(),
                reason: "is out of range".into(),
            });
        }
    }
    if h.family_size == 0 || h.family_size > super::limits::MAX_FAMILY {
        return Err(RulesError::Invalid {
            field: "household.family_size".into(),
            reason: "must be between 1 and 50 (the borrower counts)".into(),
        });
    }
    if h.dependents > super::limits::MAX_FAMILY {
        return Err(RulesError::Invalid {
            field: "household.dependents".into(),
            reason: "must be at most 50".into(),
        });
    }
    if let Some(st) = &h.state_of_residence {
        let t = st.trim();
        if t.len() != 2 || !t.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(RulesError::Invalid {
                field: "household.state_of_residence".into(),
                reason: format!("must be a two-letter state code, got `{st}`"),
            });
        }
    }
    if h.income_growth < super::limits::MIN_INCOME_GROWTH
        || h.income_growth > super::limits::MAX_INCOME_GROWTH
    {
        return Err(RulesError::Invalid {
            field: "household.income_growth".into(),
            reason: format!(
                "must be a percent between {} and {}",
                super::limits::MIN_INCOME_GROWTH,
                super::limits::MAX_INCOME_GROWTH
            ),
        });
    }
    for (list, name) in [
        (&input.loans, "loans"),
        (&input.spouse_loans, "spouse_loans"),
    ] {
        let mut seen = std::collections::HashSet::new();
        for (i, l) in list.iter().enumerate() {
            let f = |x: &str| format!("{name}[{i}].{x}");
            if l.id.trim().is_empty() {
                return Err(RulesError::Invalid {
                    field: f("id"),
                    reason: "must not be empty".into(),
                });
            }
            if !seen.insert(l.id.as_str()) {
                return Err(RulesError::Invalid {
                    field: f("id"),
                    reason: format!("duplicate loan id `{}`", l.id),
                });
            }
            if l.interest_rate < Decimal::ZERO || l.interest_rate >= super::limits::MAX_RATE {
                return Err(RulesError::Invalid {
                    field: f("interest_rate"),
                    reason: "must be a percent from 0 to under 100".into(),
                });
            }
            for (v, n) in [
                (l.outstanding_principal, "outstanding_principal"),
                (l.outstanding_interest, "outstanding_interest"),
            ] {
                if v < Decimal::ZERO || v > limit {
                    return Err(RulesError::Invalid {
                        field: f(n),
                        reason: "must be between 0 and 1,000,000,000".into(),
                    });
                }
            }
            for (v, n) in [
                (l.monthly_payment, "monthly_payment"),
                (l.original_principal, "original_principal"),
            ] {
                if let Some(v) = v {
                    if v < Decimal::ZERO || v > limit {
                        return Err(RulesError::Invalid {
                            field: f(n),
                            reason: "must be between 0 and 1,000,000,000".into(),
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut m = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to.day() < from.day() {
        m -= 1;
    }
    m
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(input: &'a AssessmentInput) -> Result<Ctx<'a>, RulesError> {
        validate(input)?;
        let as_of = input.as_of;
        let rules = Rules::at(as_of);
        let h = &input.household;
        let status = h.filing_status;
        let joint = status == FilingStatus::MarriedFilingJointly;
        let cutoff = date_param("new_loan_cutoff");
        let mut assumptions = Vec::new();

        let norm = |l: &'a LoanInput| -> Loan<'a> {
            let date = loan_date(l);
            let (p, int, rate) = (
                cents(l.outstanding_principal),
                cents(l.outstanding_interest),
                rate_milli(l.interest_rate),
            );
            Loan {
                input: l,
                program: l.program,
                status: l.status,
                p,
                int,
                rate,
                date,
                is_new: date.is_some_and(|d| d >= cutoff),
                plan: l.repayment_plan.as_deref().and_then(PlanType::parse),
                payment: l.monthly_payment.map(cents),
                cm7: formulas::constant_multiplier_e7(rate, rules.icr_months),
                std10: fx::level_payment(p + int, rate, rules.standard_months),
            }
        };
        let loans: Vec<Loan> = input
            .loans
            .iter()
            .filter(|l| l.status != LoanStatusClass::Closed)
            .map(norm)
            .collect();
        let spouse: Vec<Loan> = if joint {
            input
                .spouse_loans
                .iter()
                .filter(|l| l.status == LoanStatusClass::Active)
                .map(norm)
                .collect()
        } else {
            Vec::new()
        };
        if !joint && !input.spouse_loans.is_empty() {
            assumptions.push(assumption(
                "spouse_loans_ignored",
                "Spouse loans are ignored: only joint filers prorate payments by the couple's eligible balance.".into(),
                "34 CFR 685.209(g)(1)(i), (e)(2)(i); 20 USC 1098e(d)",
            ));
        }
        for l in input
            .loans
            .iter()
            .filter(|l| l.status == LoanStatusClass::Active)
        {
            if l.origination_date.is_none() && l.disbursement_dates.is_empty() {
                assumptions.push(assumption(
                    "loan_date_unknown",
                    format!("Loan {} has no origination or disbursement date; it is treated as made before July 1, 2026.", l.id),
                    "34 CFR 685.208(b), 685.209(c)(6)",
                ));
            }
        }
        // "Received a Direct Loan on or after 2026-07-01" (§ 685.208(b)):
        // only Direct Loans count (a private refinance does not), in
        // repayment or in default; closed loans are ignored.
        let has_new_loan = loans.iter().any(|l| l.is_new && l.program.is_direct());

        // Per-year parameters (law in force on each recertification date).
        let growth = growth_factor(h.income_growth);
        let region = Region::of(h.state_of_residence.as_deref());
        let agi_b = cents(h.agi);
        let agi_s = if joint {
            cents(h.spouse_agi.unwrap_or_default())
        } else {
            0
        };
        if agi_b < 0 || agi_s < 0 {
            assumptions.push(assumption(
                "negative_agi",
                "A negative AGI is treated as zero for payment formulas.".into(),
                "Convention: IDR formulas use max(0, income - exemption)",
            ));
        }
        let household_agi = agi_b.max(0) + agi_s.max(0);
        let start = as_of
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .expect("valid date");
        let start_ym = start.year() * 12 + start.month0() as i32;
        let n_years = (HORIZON / 12 + 1) as usize;
        let mut years = Vec::with_capacity(n_years);
        let mut g = ONE;
        // Inflation factors by whole years elapsed, computed incrementally.
        let mut infl_pow: Vec<i128> = vec![ONE];
        let mut inflate = |n: u32| -> i128 {
            while infl_pow.len() <= n as usize {
                let next = fx::mul(*infl_pow.last().expect("non-empty"), rules.inflation);
                infl_pow.push(next);
            }
            infl_pow[n as usize]
        };
        for y in 0..n_years {
            let law_date = as_of
                .checked_add_months(Months::new(12 * y as u32))
                .expect("date");
            let pay_date = start
                .checked_add_months(Months::new(12 * y as u32))
                .expect("date");
            let agi = fx::round_cents(agi_b.max(0) as i128 * g, ONE)
                + fx::round_cents(agi_s.max(0) as i128 * g, ONE);
            let (pg_base, pg_years) = poverty_guideline_base(law_date, h.family_size, region);
            let pg = fx::round_cents(pg_base as i128 * inflate(pg_years), ONE);
            let ipf = ipf_bp_with(law_date, status, agi, inflate(ipf_years(law_date)));
            years.push(YearParams {
                start: pay_date,
                agi,
                pg,
                ipf,
            });
            g = fx::mul(g, growth);
        }

        let infl = scalar("assumption.inflation_milli_percent", as_of);
        assumptions.push(assumption(
            "income_growth",
            format!(
                "AGI grows {}% a year; family size and filing status stay the same.",
                h.income_growth.normalize()
            ),
            "federal-repayment-rules.md § 7 (historical ED Repayment Estimator default 5%)",
        ));
        assumptions.push(assumption(
            "inflation",
            format!(
                "Poverty guidelines, ICR income thresholds, tax brackets and the standard deduction grow {}.{}% a year after the latest published table.",
                infl / 1000,
                format!("{:03}", infl % 1000).trim_end_matches('0')
            ),
            "studentaid.gov 'How IDR estimates are calculated' (CBO CPI-U); federal-repayment-rules.md § 7",
        ));
        assumptions.push(assumption(
            "on_time_payments",
            "Every scheduled payment is made on time, counts as a qualifying payment, and no deferment or forbearance occurs.".into(),
            "Convention of ED's Loan Simulator",
        ));
        assumptions.push(assumption(
            "interest",
            "Interest accrues monthly on principal (rate/12, rounded to the cent per loan) and is not capitalised; payments go to interest first, then to principal of the highest-rate loan.".into(),
            "34 CFR 685.211(a) (payment application); convention for allocation across loans",
        ));
        assumptions.push(assumption(
            "plan_start",
            format!("A new plan starts with the payment due {start}, and its term runs from then."),
            "Convention",
        ));
        assumptions.push(assumption(
            "tax",
            "Tax on forgiveness is the incremental federal income tax in the year of forgiveness (household AGI grown as above, standard deduction, 2026 brackets indexed); state tax is not included. PSLF forgiveness is tax-free; IBR, PAYE, ICR and RAP forgiveness is taxable from 2026.".into(),
            "26 USC 108(f)(1), 108(f)(5); Rev. Proc. 2025-32",
        ));
        if joint && !spouse.is_empty() {
            assumptions.push(assumption(
                "spouse_balance",
                "For joint filers the spouse's eligible balance is held at its current amount, so the borrower's share of the couple's balance is fixed at today's value.".into(),
                "34 CFR 685.209(g)(1)(i), (e)(2)(i); simplification",
            ));
        }

        Ok(Ctx {
            input,
            as_of,
            rules,
            status,
            joint,
            loans,
            spouse,
            years,
            start_ym,
            has_new_loan,
            cutoff,
            assumptions,
            growth,
            household_agi,
        })
    }

    /// Is the borrower a "new borrower" as of `threshold` (no outstanding
    /// balance on that date)?
    pub(crate) fn new_borrower_since(&self, threshold: NaiveDate) -> Known {
        if let Some(d) = self.input.household.new_borrower_date {
            return if d >= threshold {
                Known::Yes
            } else {
                Known::No
            };
        }
        let mut unknown = false;
        for l in &self.input.loans {
            // The tests ask about Direct and FFEL balances only (34 CFR
            // 685.208(b)(4)(i), 685.209(b)(13)); private and Perkins loans
            // are no evidence either way. An unrecognised program may be an
            // old FFEL-family loan (SLS, FISL), so it only leaves the answer
            // unknown.
            match l.program {
                LoanProgram::Private | LoanProgram::Perkins => continue,
                LoanProgram::Other => {
                    if loan_date(l).is_none_or(|d| d < threshold) {
                        unknown = true;
                    }
                    continue;
                }
                _ => {}
            }
            let d = loan_date(l);
            match (l.status, d) {
                (LoanStatusClass::Closed, Some(d)) if d < threshold => unknown = true,
                (_, Some(d)) if d < threshold => return Known::No,
                (_, None) => unknown = true,
                _ => {}
            }
            if l.program.is_consolidation() {
                unknown = true;
            }
            if l.program.is_ffel()
                && threshold >= NaiveDate::from_ymd_opt(2010, 7, 1).expect("date")
            {
                // FFEL lending ended 2010-06-30: an FFEL balance today was outstanding then.
                return Known::No;
            }
        }
        if unknown {
            Known::Unknown
        } else {
            Known::Yes
        }
    }

    /// Due date of the first projected payment.
    pub(crate) fn start_date(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(
            self.start_ym.div_euclid(12),
            self.start_ym.rem_euclid(12) as u32 + 1,
            1,
        )
        .expect("valid date")
    }

    /// Month index (from the first payment) at which `date` falls, if later.
    pub(crate) fn month_of(&self, d: NaiveDate) -> Option<u32> {
        let m = d.year() * 12 + d.month0() as i32 - self.start_ym;
        if m > 0 {
            Some(m as u32)
        } else {
            None
        }
    }

    pub(crate) fn cal_year_income(&self, year: i32) -> i64 {
        let n = (year - self.as_of.year()).max(0) as u32;
        fx::round_cents(self.household_agi as i128 * fx::pow(self.growth, n), ONE)
    }

    pub(crate) fn tax_on(&self, taxable: &[(i32, i64)]) -> i64 {
        taxable
            .iter()
            .map(|&(y, amt)| {
                tax::incremental_tax(
                    self.status,
                    self.cal_year_income(y),
                    amt,
                    y,
                    self.rules.inflation,
                )
            })
            .sum()
    }
}

/// Spouse balance (and ICR amortisation numerator) eligible for a plan.
pub(crate) fn spouse_balance(ctx: &Ctx, plan: PlanType) -> (i64, i128) {
    let mut bal = 0i64;
    let mut amort = 0i128;
    for l in &ctx.spouse {
        if eligibility::program_ok_for_spouse(plan, l.program) {
            bal += l.balance();
            amort += l.balance() as i128 * l.cm7 as i128;
        }
    }
    (bal, amort)
}

fn share(ctx: &Ctx, plan: PlanType, own: i64) -> (i128, i128) {
    if !ctx.joint {
        return (1, 1);
    }
    let (s, _) = spouse_balance(ctx, plan);
    if s <= 0 || own <= 0 {
        (1, 1)
    } else {
        (own as i128, (own + s) as i128)
    }
}

fn sim_loans(ctx: &Ctx, idx: &[usize], plan_rates_sorted: bool) -> Vec<SimLoan> {
    let mut v: Vec<(i64, SimLoan)> = idx
        .iter()
        .map(|&i| {
            let l = &ctx.loans[i];
            let mut s = SimLoan::new(l.p, l.int, l.rate);
            s.subsidized = l.program == LoanProgram::DirectSubsidized;
            s.cm7 = l.cm7;
            s.credits = l.input.idr_qualifying_payments.unwrap_or(0);
            s.pslf_credits = l.input.pslf_qualifying_payments.unwrap_or(0);
            (l.rate, s)
        })
        .collect();
    if plan_rates_sorted {
        v.sort_by_key(|x| std::cmp::Reverse(x.0));
    }
    v.into_iter().map(|(_, s)| s).collect()
}

/// The 10-year Standard payment on these loans, as the Standard plan bills it: the level
/// payment, but at least the $50 minimum (a last payment is only what is still owed, so a
/// smaller payoff is paid as it is). IBR, new IBR and PAYE payments are capped at this
/// (34 CFR 685.209(b)(3)(iv), 685.221(b)(3)), and PAYE's partial financial hardship is
/// measured against it. Without the minimum, a tiny balance's level payment falls under the
/// small-payment rule's $5 and a good income would pay $0 forever.
pub(crate) fn standard_payment(ctx: &Ctx, idx: &[usize]) -> i64 {
    let level: i64 = idx.iter().map(|&i| ctx.loans[i].std10).sum();
    level.max(ctx.rules.standard_min)
}

/// Phases for an IDR plan, including the 2028-07-01 move out of PAYE/ICR.
pub(crate) fn idr_phases(ctx: &Ctx, plan: PlanType, idx: &[usize]) -> Vec<Phase> {
    let r = &ctx.rules;
    let own: i64 = idx.iter().map(|&i| ctx.loans[i].balance()).sum();
    let cap = standard_payment(ctx, idx);
    let rap_phase = |from| Phase {
        from_month: from,
        plan: PlanType::Rap,
        rule: Rule::Rap,
        target: r.rap_forgive,
        share: share(ctx, PlanType::Rap, own),
        subsidy: false,
    };
    let ibr_phase = |from, p: PlanType| {
        let (pct, target) = if p == PlanType::NewIbr {
            (r.new_ibr_pct, r.new_ibr_forgive)
        } else {
            (r.ibr_pct, r.ibr_forgive)
        };
        Phase {
            from_month: from,
            plan: p,
            rule: Rule::Ibr { pct, cap },
            target,
            share: share(ctx, p, own),
            subsidy: true,
        }
    };
    match plan {
        PlanType::Ibr | PlanType::NewIbr => vec![ibr_phase(0, plan)],
        PlanType::Rap => vec![rap_phase(0)],
        PlanType::Paye | PlanType::Icr => {
            let first = if plan == PlanType::Paye {
                Phase {
                    from_month: 0,
                    plan,
                    rule: Rule::Ibr {
                        pct: r.paye_pct,
                        cap,
                    },
                    target: r.paye_forgive,
                    share: share(ctx, plan, own),
                    subsidy: true,
                }
            } else {
                let (_, spouse_amort) = if ctx.joint {
                    spouse_balance(ctx, plan)
                } else {
                    (0, 0)
                };
                Phase {
                    from_month: 0,
                    plan,
                    rule: Rule::Icr { spouse_amort },
                    target: r.icr_forgive,
                    share: share(ctx, plan, own),
                    subsidy: false,
                }
            };
            let end = date_param(if plan == PlanType::Paye {
                "paye.ends"
            } else {
                "icr.ends"
            });
            let all_rap = idx
                .iter()
                .all(|&i| eligibility::loan_reason(ctx, PlanType::Rap, &ctx.loans[i]).is_none());
            let successor = |m| {
                if all_rap {
                    rap_phase(m)
                } else {
                    ibr_phase(m, PlanType::Ibr)
                }
            };
            let ended = end.succ_opt().expect("date");
            match ctx.month_of(ended) {
                Some(m) => vec![first, successor(m)],
                // The first projected payment is due after the plan ended
                // (assessed in June 2028, or a borrower still recorded on it).
                None if ctx.start_date() >= ended => vec![successor(0)],
                None => vec![first],
            }
        }
        _ => vec![Phase {
            from_month: 0,
            plan,
            rule: Rule::Fixed { payment: 0 },
            target: u32::MAX,
            share: (1, 1),
            subsidy: false,
        }],
    }
}

fn run_idr(
    ctx: &Ctx,
    plan: PlanType,
    idx: &[usize],
    first_year: Option<i64>,
    pslf: bool,
    snapshots: bool,
) -> SimResult {
    let phases = idr_phases(ctx, plan, idx);
    let mut loans = sim_loans(ctx, idx, true);
    let spec = SimSpec {
        mode: Mode::Income {
            phases: &phases,
            first_year,
        },
        years: &ctx.years,
        rules: &ctx.rules,
        dependents: ctx.input.household.dependents,
        max_months: HORIZON,
        pslf_target: if pslf {
            Some(ctx.rules.pslf_payments)
        } else {
            None
        },
        start_ym: ctx.start_ym,
        snapshots,
    };
    sim::simulate(&spec, &mut loans)
}

/// Term for Standard/Graduated: the consolidation table for consolidation
/// loans (other loans count up to the consolidation amount), else 120.
pub(crate) fn standard_term(ctx: &Ctx, i: usize) -> u32 {
    let l = &ctx.loans[i];
    if !l.program.is_consolidation() {
        return ctx.rules.standard_months;
    }
    let amount = l
        .input
        .original_principal
        .map(cents)
        .unwrap_or_else(|| l.balance());
    let other: i64 = ctx
        .loans
        .iter()
        .enumerate()
        .filter(|(j, o)| *j != i && o.program.is_federal() && o.status == LoanStatusClass::Active)
        .map(|(_, o)| o.balance())
        .sum();
    let d = l
        .date
        .unwrap_or(ctx.as_of)
        .min(ctx.cutoff.pred_opt().expect("date"));
    formulas::consolidation_term_months(d, amount + other.min(amount))
}

/// Fixed-plan projection over eligible loans with per-loan terms.
fn run_fixed(
    ctx: &Ctx,
    plan: PlanType,
    idx: &[usize],
    terms: &[u32],
    graduated: bool,
    snapshots: bool,
) -> SimResult {
    let r = &ctx.rules;
    let mut order: Vec<usize> = (0..idx.len()).collect();
    order.sort_by(|a, b| ctx.loans[idx[*b]].rate.cmp(&ctx.loans[idx[*a]].rate));
    let mut steps: Vec<(u32, i64)> = Vec::with_capacity(idx.len() * 8);
    let mut loans: Vec<SimLoan> = Vec::with_capacity(idx.len());
    for &k in &order {
        let l = &ctx.loans[idx[k]];
        let term = terms[k];
        let s = if graduated {
            sim::graduated_steps(l.balance(), l.rate, term, r.grad_step, r.grad_ratio)
        } else if term == r.standard_months {
            vec![(0, l.std10)]
        } else {
            sim::level_steps(l.balance(), l.rate, term)
        };
        let mut sl = SimLoan::new(l.p, l.int, l.rate);
        sl.step_idx = steps.len() as u32;
        sl.step_at = 0;
        steps.extend(s);
        sl.steps_end = steps.len() as u32;
        sl.last_month = term - 1;
        sl.pslf_credits = l.input.pslf_qualifying_payments.unwrap_or(0);
        loans.push(sl);
    }
    if plan == PlanType::Standard {
        // $50 minimum (except the final payment): scale up small schedules.
        let total: i64 = loans.iter().map(|l| steps[l.step_idx as usize].1).sum();
        if total > 0 && total < r.standard_min {
            for l in loans.iter_mut() {
                let s = &mut steps[l.step_idx as usize].1;
                *s = fx::div_ceil(*s as i128 * r.standard_min as i128, total as i128) as i64;
                l.last_month = u32::MAX;
            }
        }
    }
    let spec = SimSpec {
        mode: Mode::PerLoan {
            steps: &steps,
            plan,
        },
        years: &ctx.years,
        rules: r,
        dependents: ctx.input.household.dependents,
        max_months: HORIZON,
        pslf_target: None,
        start_ym: ctx.start_ym,
        snapshots,
    };
    sim::simulate(&spec, &mut loans)
}

fn snapshots_out(res: &SimResult) -> Vec<AnnualSnapshot> {
    res.snapshots
        .iter()
        .map(|s| AnnualSnapshot {
            year: s.year,
            start_date: s.start,
            plan: s.plan,
            agi: dollars(s.agi),
            monthly_payment: dollars(s.monthly),
            total_paid: dollars(s.paid),
            principal_balance: dollars(s.principal),
            interest_balance: dollars(s.interest),
            interest_waived: dollars(s.waived),
            principal_matched: dollars(s.matched),
            amount_forgiven: dollars(s.forgiven),
        })
        .collect()
}

/// Simulate an option for the given eligible loans.
pub(crate) fn simulate_option(
    ctx: &Ctx,
    plan: PlanType,
    idx: &[usize],
    pslf: bool,
    snapshots: bool,
) -> (SimResult, bool) {
    let r = &ctx.rules;
    match plan {
        PlanType::Standard | PlanType::Graduated => {
            let terms: Vec<u32> = idx.iter().map(|&i| standard_term(ctx, i)).collect();
            let pslf_ok =
                plan == PlanType::Standard && terms.iter().all(|&t| t == r.standard_months);
            (
                run_fixed(
                    ctx,
                    plan,
                    idx,
                    &terms,
                    plan == PlanType::Graduated,
                    snapshots,
                ),
                pslf_ok,
            )
        }
        PlanType::Extended | PlanType::ExtendedGraduated => {
            let terms = vec![r.extended_months; idx.len()];
            (
                run_fixed(
                    ctx,
                    plan,
                    idx,
                    &terms,
                    plan == PlanType::ExtendedGraduated,
                    snapshots,
                ),
                false,
            )
        }
        PlanType::TieredStandard => {
            let total: i64 = idx.iter().map(|&i| ctx.loans[i].balance()).sum();
            let term = formulas::tiered_term_months(ctx.as_of.max(ctx.cutoff), total);
            let terms = vec![term; idx.len()];
            (
                run_fixed(ctx, plan, idx, &terms, false, snapshots),
                term == r.standard_months,
            )
        }
        PlanType::Ibr | PlanType::NewIbr | PlanType::Paye | PlanType::Icr | PlanType::Rap => {
            (run_idr(ctx, plan, idx, None, pslf, snapshots), true)
        }
        PlanType::Save | PlanType::Repaye => (SimResult::default(), false),
    }
}

fn build_option(ctx: &Ctx, plan: PlanType, ev: Eval) -> RepaymentOption {
    let (name, _, _) = plan.labels();
    let (res, pslf_plan) = if ev.eligible.is_empty() {
        // An option the borrower cannot take earns no PSLF credit (issue 11 §4), whether or
        // not the plan would qualify for someone else.
        (SimResult::default(), false)
    } else {
        simulate_option(ctx, plan, &ev.eligible, false, true)
    };
    let tax = ctx.tax_on(&res.taxable);
    RepaymentOption {
        name: name.to_string(),
        repayment_plan: RepaymentPlanInfo::of(plan),
        starting_monthly_payment: dollars(res.first),
        scheduled_monthly_payment: dollars(res.first),
        final_monthly_payment: dollars(res.last),
        number_of_payments: res.payments,
        total_paid: dollars(res.total_paid),
        amount_forgiven: dollars(res.forgiven),
        estimated_tax_liability: dollars(tax),
        total_cost: dollars(res.total_paid + tax),
        pslf_eligible: pslf_plan,
        eligible_loans: ev
            .eligible
            .iter()
            .map(|&i| ctx.loans[i].id().to_string())
            .collect(),
        ineligible_loans: ev
            .ineligible
            .iter()
            .map(|&i| ctx.loans[i].id().to_string())
            .collect(),
        ineligible_reasons: ev.reasons,
        action_items: ev.actions,
        annual_snapshots: snapshots_out(&res),
    }
}

/// Remaining months of a fixed term, measured from `repayment_begin_date`.
fn remaining_term(ctx: &Ctx, l: &Loan, term: u32) -> u32 {
    match l.input.repayment_begin_date {
        Some(b) if b < ctx.as_of => (term as i32 - months_between(b, ctx.as_of)).max(12) as u32,
        _ => term,
    }
}

/// Project the borrower's current plans and payments.
fn original(ctx: &mut Ctx) -> OriginalLoanSummary {
    let mut groups: BTreeMap<PlanType, Vec<usize>> = BTreeMap::new();
    let mut fixed: Vec<usize> = Vec::new();
    let mut moved_from_save = false;
    let mut unknown_plan = false;
    for (i, l) in ctx.loans.iter().enumerate() {
        if l.status != LoanStatusClass::Active || l.balance() == 0 {
            continue;
        }
        match l.plan {
            Some(
                p @ (PlanType::Ibr
                | PlanType::NewIbr
                | PlanType::Paye
                | PlanType::Icr
                | PlanType::Rap),
            ) => groups.entry(p).or_default().push(i),
            Some(PlanType::Save | PlanType::Repaye) => {
                moved_from_save = true;
                fixed.push(i)
            }
            Some(_) => fixed.push(i),
            None => {
                unknown_plan |= l.payment.is_none();
                fixed.push(i)
            }
        }
    }
    let mut results: Vec<SimResult> = Vec::new();
    for (plan, idx) in &groups {
        let first_year = if idx.iter().all(|&i| ctx.loans[i].payment.is_some()) {
            Some(idx.iter().map(|&i| ctx.loans[i].payment.unwrap_or(0)).sum())
        } else {
            None
        };
        results.push(run_idr(ctx, *plan, idx, first_year, false, false));
    }
    if !fixed.is_empty() {
        let r = &ctx.rules;
        let mut order = fixed.clone();
        order.sort_by(|a, b| ctx.loans[*b].rate.cmp(&ctx.loans[*a].rate));
        let mut steps: Vec<(u32, i64)> = Vec::new();
        let mut loans: Vec<SimLoan> = Vec::new();
        let mut weak = false;
        for &i in &order {
            let l = &ctx.loans[i];
            let mut sl = SimLoan::new(l.p, l.int, l.rate);
            sl.step_idx = steps.len() as u32;
            sl.step_at = 0;
            let first_interest = (l.p * l.rate + 600_000) / 1_200_000;
            match l.payment {
                Some(p) if p > first_interest => {
                    steps.push((0, p));
                }
                _ => {
                    if l.payment.is_some() {
                        weak = true;
                    }
                    let plan = match l.plan {
                        Some(PlanType::Save | PlanType::Repaye) | None => {
                            if ctx.has_new_loan {
                                PlanType::TieredStandard
                            } else {
                                PlanType::Standard
                            }
                        }
                        Some(p) => p,
                    };
                    let term = match plan {
                        PlanType::Extended | PlanType::ExtendedGraduated => r.extended_months,
                        PlanType::TieredStandard => {
                            let total: i64 = ctx
                                .loans
                                .iter()
                                .filter(|o| {
                                    o.program.is_direct() && o.status == LoanStatusClass::Active
                                })
                                .map(|o| o.balance())
                                .sum();
                            formulas::tiered_term_months(ctx.as_of.max(ctx.cutoff), total)
                        }
                        _ => standard_term(ctx, i),
                    };
                    let months = remaining_term(ctx, l, term);
                    let s = if matches!(plan, PlanType::Graduated | PlanType::ExtendedGraduated) {
                        sim::graduated_steps(l.balance(), l.rate, months, r.grad_step, r.grad_ratio)
                    } else {
                        sim::level_steps(l.balance(), l.rate, months)
                    };
                    steps.extend(s);
                    sl.last_month = months - 1;
                }
            }
            sl.steps_end = steps.len() as u32;
            loans.push(sl);
        }
        let spec = SimSpec {
            mode: Mode::PerLoan {
                steps: &steps,
                plan: PlanType::Standard,
            },
            years: &ctx.years,
            rules: r,
            dependents: ctx.input.household.dependents,
            max_months: HORIZON,
            pslf_target: None,
            start_ym: ctx.start_ym,
            snapshots: false,
        };
        let res = sim::simulate(&spec, &mut loans);
        if res.unpaid > 0 {
            ctx.assumptions.push(assumption(
                "current_payment_does_not_amortize",
                format!(
                    "At the current payments the loans are not repaid within {} years; ${} would remain.",
                    HORIZON / 12,
                    dollars(res.unpaid)
                ),
                "Projection horizon",
            ));
        }
        if weak {
            ctx.assumptions.push(assumption(
                "current_payment_replaced",
                "A current payment that does not cover the monthly interest (for example $0 during forbearance) was replaced by the plan's scheduled payment.".into(),
                "Convention",
            ));
        }
        results.push(res);
    }
    if moved_from_save {
        ctx.assumptions.push(assumption(
            "save_placement",
            "Loans on SAVE/REPAYE are projected on the Standard plan (Tiered Standard for borrowers with a loan made on or after July 1, 2026), the reported default placement after the 90-day notice (open question 4).".into(),
            "speedwayscene.com SAVE exit deadline 2026; federal-repayment-rules.md § 2.9",
        ));
    }
    if unknown_plan {
        ctx.assumptions.push(assumption(
            "current_plan_unknown",
            "Loans without a current plan or payment are projected on the Standard plan for the rest of its term.".into(),
            "34 CFR 685.208(b) (Standard is the default plan)",
        ));
    }
    if ctx
        .loans
        .iter()
        .any(|l| l.status == LoanStatusClass::InDefault)
    {
        ctx.assumptions.push(assumption(
            "defaulted_loans_not_projected",
            "Loans in default are included in the outstanding balances but not in any projection."
                .into(),
            "34 CFR 685.208; federal-repayment-rules.md § 4.1",
        ));
    }
    let payments = results.iter().map(|r| r.payments).max().unwrap_or(0);
    let mut taxable: Vec<(i32, i64)> = Vec::new();
    for r in &results {
        for &(y, a) in &r.taxable {
            match taxable.iter_mut().find(|(yy, _)| *yy == y) {
                Some(e) => e.1 += a,
                None => taxable.push((y, a)),
            }
        }
    }
    let total_paid: i64 = results.iter().map(|r| r.total_paid).sum();
    let tax = ctx.tax_on(&taxable);
    OriginalLoanSummary {
        monthly_payment: dollars(results.iter().map(|r| r.first).sum()),
        final_monthly_payment: dollars(
            results
                .iter()
                .filter(|r| r.payments == payments)
                .map(|r| r.last)
                .sum(),
        ),
        number_of_payments: payments,
        outstanding_principal: dollars(ctx.loans.iter().map(|l| l.p).sum()),
        outstanding_interest: dollars(ctx.loans.iter().map(|l| l.int).sum()),
        total_paid: dollars(total_paid),
        amount_forgiven: dollars(results.iter().map(|r| r.forgiven).sum()),
        estimated_tax_liability: dollars(tax),
        total_cost: dollars(total_paid + tax),
    }
}

/// Assess every repayment plan for the borrower.
pub fn assess(input: &AssessmentInput) -> Result<Assessment, RulesError> {
    let mut ctx = Ctx::new(input)?;
    let original = original(&mut ctx);
    let mut options = Vec::with_capacity(PlanType::ALL.len());
    for plan in PlanType::ALL {
        let ev = eligibility::evaluate(&mut ctx, plan);
        options.push(build_option(&ctx, plan, ev));
    }
    dedupe_assumptions(&mut ctx.assumptions);
    Ok(Assessment {
        as_of: input.as_of,
        rules_version: RULES_VERSION.to_string(),
        original,
        repayment_options: options,
        assumptions: ctx.assumptions,
    })
}

fn dedupe_assumptions(a: &mut Vec<Assumption>) {
    let mut seen = std::collections::HashSet::new();
    a.retain(|x| seen.insert((x.code.clone(), x.description.clone())));
}

/// PSLF and Teacher Loan Forgiveness.
pub fn forgiveness_options(input: &AssessmentInput) -> Result<Vec<ForgivenessOption>, RulesError> {
    let assessment = assess(input)?;
    let ctx = Ctx::new(input)?;
    let r = ctx.rules.clone();
    let mut out = Vec::with_capacity(2);

    // --- PSLF -------------------------------------------------------------
    let mut eligible = Vec::new();
    let mut ineligible = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    let mut actions: Vec<String> = Vec::new();
    for (i, l) in ctx.loans.iter().enumerate() {
        match eligibility::pslf_reason(&ctx, l) {
            None => eligible.push(i),
            Some((reason, action)) => {
                ineligible.push(i);
                eligibility::push_unique(&mut reasons, reason);
                if let Some(a) = action {
                    eligibility::push_unique(&mut actions, a);
                }
            }
        }
    }
    if !input.household.pslf {
        reasons.insert(0, "Does not work for qualifying employer".to_string());
    }
    // Best PSLF-qualifying plan: most loans covered, then lowest total cost.
    let mut best: Option<(PlanType, SimResult, Vec<usize>)> = None;
    for opt in &assessment.repayment_options {
        let plan = opt.repayment_plan.plan_type;
        if !opt.pslf_eligible || opt.eligible_loans.is_empty() {
            continue;
        }
        let idx: Vec<usize> = eligible
            .iter()
            .copied()
            .filter(|&i| opt.eligible_loans.iter().any(|id| id == ctx.loans[i].id()))
            .collect();
        if idx.is_empty() {
            continue;
        }
        let (res, _) = simulate_option(&ctx, plan, &idx, true, false);
        let better = match &best {
            None => true,
            Some((_, b, bidx)) => {
                let cost = res.total_paid + ctx.tax_on(&res.taxable);
                let best_cost = b.total_paid + ctx.tax_on(&b.taxable);
                idx.len() > bidx.len() || (idx.len() == bidx.len() && cost < best_cost)
            }
        };
        if better {
            best = Some((plan, res, idx));
        }
    }
    let original_cost = cents(assessment.original.total_cost);
    let mut meta = BTreeMap::new();
    meta.insert(
        "tax_treatment".to_string(),
        "PSLF forgiveness is tax-free (26 USC 108(f)(1))".to_string(),
    );
    let remaining = eligible
        .iter()
        .map(|&i| {
            r.pslf_payments
                .saturating_sub(ctx.loans[i].input.pslf_qualifying_payments.unwrap_or(0))
        })
        .max()
        .unwrap_or(r.pslf_payments);
    let pslf = match best {
        Some((plan, res, idx)) => {
            let tax = ctx.tax_on(&res.taxable);
            meta.insert("plan".to_string(), plan.as_str().to_string());
            ForgivenessOption {
                name: "Public Service Loan Forgiveness".into(),
                forgiveness_type: ForgivenessType::Pslf,
                repayment_plan: Some(RepaymentPlanInfo::of(plan)),
                monthly_payment: dollars(res.first),
                number_of_payments: res.payments,
                remaining_qualifying_payments: remaining,
                amount_forgiven: dollars(res.forgiven),
                total_paid: dollars(res.total_paid),
                estimated_tax_liability: dollars(tax),
                total_cost: dollars(res.total_paid + tax),
                savings: dollars(original_cost - res.total_paid - tax),
                eligible_loans: idx.iter().map(|&i| ctx.loans[i].id().to_string()).collect(),
                ineligible_loans: ctx
                    .loans
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !idx.contains(i))
                    .map(|(_, l)| l.id().to_string())
                    .collect(),
                ineligible_reasons: reasons,
                action_items: actions,
                metadata: meta,
            }
        }
        None => {
            if !eligible.is_empty() {
                eligibility::push_unique(
                    &mut reasons,
                    "None of your PSLF-eligible loans can use a PSLF-qualifying repayment plan"
                        .to_string(),
                );
            }
            ForgivenessOption {
                name: "Public Service Loan Forgiveness".into(),
                forgiveness_type: ForgivenessType::Pslf,
                repayment_plan: None,
                monthly_payment: Decimal::ZERO,
                number_of_payments: 0,
                remaining_qualifying_payments: remaining,
                amount_forgiven: Decimal::ZERO,
                total_paid: Decimal::ZERO,
                estimated_tax_liability: Decimal::ZERO,
                total_cost: Decimal::ZERO,
                savings: Decimal::ZERO,
                eligible_loans: Vec::new(),
                ineligible_loans: ctx.loans.iter().map(|l| l.id().to_string()).collect(),
                ineligible_reasons: reasons,
                action_items: actions,
                metadata: meta,
            }
        }
    };
    out.push(pslf);

    // --- Teacher Loan Forgiveness ------------------------------------------
    let tlf_new = ctx.new_borrower_since(date_param("tlf.new_borrower_date"));
    let mut t_eligible = Vec::new();
    let mut t_ineligible = Vec::new();
    let mut t_reasons = vec![
        "Requires five complete and consecutive academic years of full-time teaching at a low-income school or educational service agency, which this assessment does not record".to_string(),
    ];
    if tlf_new == Known::No {
        t_reasons.push("Teacher Loan Forgiveness requires that you had no outstanding federal loan balance on October 1, 1998".into());
    }
    for (i, l) in ctx.loans.iter().enumerate() {
        match eligibility::tlf_reason(l) {
            None if tlf_new != Known::No => t_eligible.push(i),
            None => t_ineligible.push(i),
            Some(reason) => {
                t_ineligible.push(i);
                eligibility::push_unique(&mut t_reasons, reason);
            }
        }
    }
    let bal: i64 = t_eligible.iter().map(|&i| ctx.loans[i].balance()).sum();
    let std_max = scalar("tlf.maximum_standard", ctx.as_of);
    let hq_max = scalar("tlf.maximum_highly_qualified", ctx.as_of);
    let forgiven = bal.min(std_max);
    let mut tmeta = BTreeMap::new();
    tmeta.insert("maximum_standard".into(), dollars(std_max).to_string());
    tmeta.insert(
        "maximum_highly_qualified_math_science_special_education".into(),
        dollars(hq_max).to_string(),
    );
    tmeta.insert(
        "potential_highly_qualified".into(),
        dollars(bal.min(hq_max)).to_string(),
    );
    tmeta.insert("note".into(), "Teaching service counted for Teacher Loan Forgiveness cannot also count toward PSLF (34 CFR 685.217)".into());
    out.push(ForgivenessOption {
        name: "Teacher Loan Forgiveness".into(),
        forgiveness_type: ForgivenessType::Tcli,
        repayment_plan: None,
        monthly_payment: Decimal::ZERO,
        number_of_payments: 0,
        remaining_qualifying_payments: 0,
        amount_forgiven: dollars(forgiven),
        total_paid: Decimal::ZERO,
        estimated_tax_liability: Decimal::ZERO,
        total_cost: Decimal::ZERO,
        savings: dollars(forgiven),
        eligible_loans: t_eligible
            .iter()
            .map(|&i| ctx.loans[i].id().to_string())
            .collect(),
        ineligible_loans: t_ineligible
            .iter()
            .map(|&i| ctx.loans[i].id().to_string())
            .collect(),
        ineligible_reasons: t_reasons,
        action_items: Vec::new(),
        metadata: tmeta,
    });
    Ok(out)
}
