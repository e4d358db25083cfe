//! Month-by-month projection in integer cents.
//!
//! One call simulates one option over a set of loans. Nothing is allocated
//! inside the month loop: per-year parameters are precomputed, loans are a
//! flat slice sorted by rate (highest first), and snapshots are pushed once
//! per plan year into a vector sized up front.

use super::formulas::{icr_annual, Rules};
use super::fx;
use super::types::PlanType;
use chrono::NaiveDate;

/// Parameters that change once per plan year, shared by every option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YearParams {
    pub start: NaiveDate,
    /// Household AGI used by IDR formulas (joint AGI for joint filers), cents.
    pub agi: i64,
    /// 100% poverty guideline for the family size and state, cents.
    pub pg: i64,
    /// ICR income percentage factor, hundredths of a percent.
    pub ipf: i64,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SimLoan {
    pub p: i64,
    pub int: i64,
    pub rate: i64,
    pub subsidized: bool,
    /// ICR constant multiplier x 10^7.
    pub cm7: i64,
    /// IDR qualifying payments so far.
    pub credits: u32,
    /// PSLF qualifying payments so far.
    pub pslf_credits: u32,
    // Fixed-schedule state (per-loan mode).
    pub inst: i64,
    pub step_idx: u32,
    pub steps_end: u32,
    pub step_at: u32,
    /// Month index in which the whole remaining balance is due (term end).
    pub last_month: u32,
    accr: i64,
    /// The principal `accr` was computed on: a month's interest is recomputed only when the
    /// principal moved (in an income-driven plan that pays less than the interest, it never
    /// does).
    accr_p: i64,
}

impl SimLoan {
    pub(crate) fn new(p: i64, int: i64, rate: i64) -> SimLoan {
        SimLoan {
            p,
            int,
            rate,
            last_month: u32::MAX,
            step_at: u32::MAX,
            accr_p: -1,
            ..SimLoan::default()
        }
    }
    #[inline]
    fn balance(&self) -> i64 {
        self.p + self.int
    }
}

/// How the monthly payment is set in an income-driven phase.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// IBR, new IBR, PAYE: pct of income above 150% PG, capped.
    Ibr {
        pct: i64,
        cap: i64,
    },
    /// ICR; `spouse_amort` is the spouse's sum(balance x CM) for joint filers.
    Icr {
        spouse_amort: i128,
    },
    Rap,
    /// A fixed amount (the borrower's current payment).
    Fixed {
        payment: i64,
    },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Phase {
    pub from_month: u32,
    pub plan: PlanType,
    pub rule: Rule,
    /// Qualifying payments at which the rest is forgiven (u32::MAX = never).
    pub target: u32,
    /// Borrower's share of the couple's eligible balance, `num / den`.
    pub share: (i128, i128),
    /// Subsidized-loan interest benefit for the first months of the phase.
    pub subsidy: bool,
}

pub(crate) enum Mode<'a> {
    /// Each loan pays its own schedule of `(from_month, amount)` steps.
    PerLoan {
        steps: &'a [(u32, i64)],
        plan: PlanType,
    },
    /// One household payment for all loans, recalculated every 12 months.
    Income {
        phases: &'a [Phase],
        first_year: Option<i64>,
    },
}

pub(crate) struct SimSpec<'a> {
    pub mode: Mode<'a>,
    pub years: &'a [YearParams],
    pub rules: &'a Rules,
    pub dependents: u32,
    pub max_months: u32,
    /// PSLF: forgive tax-free once a loan has this many PSLF payments.
    pub pslf_target: Option<u32>,
    /// Calendar month index (year*12 + month0) of the first payment.
    pub start_ym: i32,
    pub snapshots: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Snap {
    pub year: u32,
    pub start: NaiveDate,
    pub plan: PlanType,
    pub agi: i64,
    pub monthly: i64,
    pub paid: i64,
    pub principal: i64,
    pub interest: i64,
    pub waived: i64,
    pub matched: i64,
    pub forgiven: i64,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SimResult {
    pub first: i64,
    pub last: i64,
    pub payments: u32,
    pub total_paid: i64,
    pub forgiven: i64,
    /// Taxable forgiveness by calendar year.
    pub taxable: Vec<(i32, i64)>,
    pub tax_free: i64,
    /// Balance left when the horizon was reached without payoff.
    pub unpaid: i64,
    pub waived: i64,
    pub matched: i64,
    pub snapshots: Vec<Snap>,
}

impl SimResult {
    fn add_taxable(&mut self, year: i32, amount: i64) {
        if amount == 0 {
            return;
        }
        match self.taxable.iter_mut().find(|(y, _)| *y == year) {
            Some(e) => e.1 += amount,
            None => self.taxable.push((year, amount)),
        }
    }
}

fn calc_payment(spec: &SimSpec, ph: &Phase, yp: &YearParams, loans: &[SimLoan]) -> i64 {
    let r = spec.rules;
    let (sn, sd) = ph.share;
    match ph.rule {
        Rule::Ibr { pct, cap } => {
            let di = (yp.agi as i128 * 100 - yp.pg as i128 * r.idr_pg_multiple as i128).max(0);
            let p = fx::round_cents(di * pct as i128 * sn, 100 * 100 * 12 * sd);
            r.small_payment(p.min(cap))
        }
        Rule::Icr { spouse_amort } => {
            let mut amort: i128 = spouse_amort;
            for l in loans {
                amort += l.balance() as i128 * l.cm7 as i128;
            }
            let annual = icr_annual(amort, yp.ipf, yp.agi, yp.pg, r.icr_pct, r.icr_pg_multiple);
            r.small_payment(fx::round_cents(annual as i128 * sn, 12 * sd))
        }
        Rule::Rap => r.rap_finish(r.rap_monthly_num(yp.agi, spec.dependents), sn, sd),
        Rule::Fixed { payment } => payment,
    }
}

/// Run one projection. `loans` must be sorted by rate, highest first (the
/// order in which principal is paid down).
pub(crate) fn simulate(spec: &SimSpec, loans: &mut [SimLoan]) -> SimResult {
    let mut res = SimResult::default();
    if spec.snapshots {
        res.snapshots
            .reserve((spec.max_months as usize).div_ceil(12));
    }
    let (phases, first_year, steps, fixed_plan) = match spec.mode {
        Mode::Income { phases, first_year } => (phases, first_year, &[][..], None),
        Mode::PerLoan { steps, plan } => (&[][..], None, steps, Some(plan)),
    };
    let income = fixed_plan.is_none();
    let cal_year = |m: u32| (spec.start_ym + m as i32).div_euclid(12);

    // Credit already on file can complete forgiveness before any payment.
    if income {
        let target = phases[0].target;
        for l in loans.iter_mut() {
            let pslf_done = spec.pslf_target.is_some_and(|t| l.pslf_credits >= t);
            if l.balance() > 0 && (pslf_done || l.credits >= target) {
                let b = l.balance();
                res.forgiven += b;
                if pslf_done {
                    res.tax_free += b;
                } else {
                    res.add_taxable(cal_year(0), b);
                }
                l.p = 0;
                l.int = 0;
            }
        }
    }
    // The balance of every loan, kept exact as payments, waivers and forgiveness take from it,
    // so that the month loop knows when everything is repaid without a pass over the loans.
    let mut remaining: i64 = loans.iter().map(SimLoan::balance).sum();
    if remaining == 0 {
        return res;
    }
    // Qualifying payments are counted once for all loans: a live loan has its own credits
    // on file plus the months counted since the start (a loan never comes back to life, so
    // every live loan has been live all along). `lead` is the most credit on file among live
    // loans, so no loan can reach a target before `lead + counted` does; only then are the
    // loans looked at. A loan repaid since leaves `lead` high, which costs one extra look.
    let mut counted: u32 = 0;
    let mut pslf_counted: u32 = 0;
    let lead_of = |loans: &[SimLoan]| {
        loans
            .iter()
            .filter(|l| l.balance() > 0)
            .fold((0u32, 0u32), |(c, p), l| {
                (c.max(l.credits), p.max(l.pslf_credits))
            })
    };
    let (mut lead, mut pslf_lead) = lead_of(loans);

    let r = spec.rules;
    let mut pay: i64 = 0;
    let mut phase_idx = 0usize;
    let mut next_phase_at = phases.get(1).map_or(u32::MAX, |p| p.from_month);
    let mut snap = Snap {
        year: 0,
        start: spec.years[0].start,
        plan: fixed_plan.unwrap_or_else(|| phases[0].plan),
        agi: 0,
        monthly: 0,
        paid: 0,
        principal: 0,
        interest: 0,
        waived: 0,
        matched: 0,
        forgiven: 0,
    };

    for m in 0..spec.max_months {
        let yi = ((m / 12) as usize).min(spec.years.len() - 1);
        let new_year = m % 12 == 0;
        let mut recalc = new_year;
        if m == next_phase_at {
            phase_idx += 1;
            next_phase_at = phases.get(phase_idx + 1).map_or(u32::MAX, |p| p.from_month);
            recalc = true;
        }
        if income && recalc {
            let ph = &phases[phase_idx];
            pay = match first_year {
                Some(p) if m < 12 && phase_idx == 0 => p,
                _ => calc_payment(spec, ph, &spec.years[yi], loans),
            };
        }
        if new_year {
            let yp = &spec.years[yi];
            snap = Snap {
                year: m / 12 + 1,
                start: yp.start,
                plan: fixed_plan.unwrap_or_else(|| phases[phase_idx].plan),
                agi: yp.agi,
                monthly: 0,
                paid: 0,
                principal: 0,
                interest: 0,
                waived: 0,
                matched: 0,
                forgiven: 0,
            };
        }

        // Interest accrues for the month, rounded to the cent per loan.
        let mut total_accr = 0i64;
        for l in loans.iter_mut() {
            if l.p != l.accr_p {
                l.accr = (l.p * l.rate + 600_000) / 1_200_000;
                l.accr_p = l.p;
            }
            l.int += l.accr;
            total_accr += l.accr;
        }
        let total_bal = remaining + total_accr;

        let due;
        if fixed_plan.is_some() {
            let mut sched = 0i64;
            let mut paid = 0i64;
            for l in loans.iter_mut() {
                if m >= l.step_at {
                    let (_, amt) = steps[l.step_idx as usize];
                    l.inst = amt;
                    l.step_idx += 1;
                    l.step_at = if l.step_idx < l.steps_end {
                        steps[l.step_idx as usize].0
                    } else {
                        u32::MAX
                    };
                }
                let bal = l.p + l.int;
                if bal == 0 {
                    continue;
                }
                sched += l.inst;
                let d = if m >= l.last_month {
                    bal
                } else {
                    l.inst.min(bal)
                };
                let xi = d.min(l.int);
                l.int -= xi;
                l.p -= d - xi;
                paid += d;
            }
            if new_year {
                snap.monthly = sched;
            }
            due = paid;
            remaining = total_bal - paid;
        } else {
            let ph = &phases[phase_idx];
            if new_year {
                snap.monthly = pay;
            }
            due = pay.min(total_bal);
            if matches!(ph.rule, Rule::Rap) {
                let mut rem;
                let principal_paid;
                if due >= total_accr {
                    rem = due - total_accr;
                    for l in loans.iter_mut() {
                        l.int -= l.accr;
                    }
                    for l in loans.iter_mut() {
                        if rem == 0 {
                            break;
                        }
                        let x = rem.min(l.int);
                        l.int -= x;
                        rem -= x;
                    }
                    principal_paid = rem;
                    for l in loans.iter_mut() {
                        if rem == 0 {
                            break;
                        }
                        let x = rem.min(l.p);
                        l.p -= x;
                        rem -= x;
                    }
                } else {
                    rem = due;
                    let mut waived = 0;
                    for l in loans.iter_mut() {
                        let x = rem.min(l.accr);
                        rem -= x;
                        waived += l.accr - x;
                        l.int -= l.accr;
                    }
                    snap.waived += waived;
                    res.waived += waived;
                    principal_paid = 0;
                }
                // ED tops the principal reduction up to min($50, payment).
                let mut matched = (due.min(r.rap_match) - principal_paid).max(0);
                let mut applied = 0;
                for l in loans.iter_mut() {
                    if matched == 0 {
                        break;
                    }
                    let x = matched.min(l.p);
                    l.p -= x;
                    matched -= x;
                    applied += x;
                }
                snap.matched += applied;
                res.matched += applied;
                // What was due came off the balance; below the accrued interest, all of the
                // accrued interest did (paid or waived). Then the match.
                remaining = total_bal - due.max(total_accr) - applied;
            } else {
                let mut rem = due;
                for l in loans.iter_mut() {
                    if rem == 0 {
                        break;
                    }
                    let x = rem.min(l.int);
                    l.int -= x;
                    rem -= x;
                }
                for l in loans.iter_mut() {
                    if rem == 0 {
                        break;
                    }
                    let x = rem.min(l.p);
                    l.p -= x;
                    rem -= x;
                }
                remaining = total_bal - due;
                if ph.subsidy && m - ph.from_month < r.subsidy_months {
                    let mut waived = 0;
                    for l in loans.iter_mut() {
                        if l.subsidized {
                            let w = l.int.min(l.accr);
                            l.int -= w;
                            waived += w;
                        }
                    }
                    snap.waived += waived;
                    res.waived += waived;
                    remaining -= waived;
                }
            }
        }

        if m == 0 {
            res.first = due;
        }
        res.total_paid += due;
        snap.paid += due;

        // Count qualifying payments; forgive what has reached its target.
        let counts = income && !matches!(phases[phase_idx].rule, Rule::Fixed { .. });
        let target = if income {
            phases[phase_idx].target
        } else {
            u32::MAX
        };
        if remaining > 0 {
            counted += u32::from(counts);
            pslf_counted += u32::from(spec.pslf_target.is_some());
        }
        let pslf_reached = spec
            .pslf_target
            .is_some_and(|t| pslf_lead + pslf_counted >= t);
        if remaining > 0 && (pslf_reached || (counts && lead + counted >= target)) {
            for l in loans.iter_mut() {
                let b = l.p + l.int;
                if b == 0 {
                    continue;
                }
                let pslf_done = spec
                    .pslf_target
                    .is_some_and(|t| l.pslf_credits + pslf_counted >= t);
                if pslf_done || (counts && l.credits + counted >= target) {
                    res.forgiven += b;
                    snap.forgiven += b;
                    remaining -= b;
                    if pslf_done {
                        res.tax_free += b;
                    } else {
                        res.add_taxable(cal_year(m), b);
                    }
                    l.p = 0;
                    l.int = 0;
                }
            }
            (lead, pslf_lead) = lead_of(loans);
        }
        debug_assert_eq!(
            remaining,
            loans.iter().map(SimLoan::balance).sum::<i64>(),
            "month {m}"
        );

        let done = remaining == 0;
        if spec.snapshots && (m % 12 == 11 || done || m + 1 == spec.max_months) {
            for l in loans.iter() {
                snap.principal += l.p;
                snap.interest += l.int;
            }
            res.snapshots.push(snap);
        }
        if done {
            res.payments = m + 1;
            res.last = due;
            return res;
        }
        res.last = due;
    }
    res.payments = spec.max_months;
    res.unpaid = loans.iter().map(|l| l.balance()).sum();
    res
}

/// Build a loan's installment steps for a level plan over `months`.
pub(crate) fn level_steps(balance: i64, rate: i64, months: u32) -> Vec<(u32, i64)> {
    vec![(0, fx::level_payment(balance, rate, months))]
}

/// Graduated steps (convention documented in docs/rules.md): payments rise
/// every `step` months by a constant amount; the first payment is at least
/// the monthly interest and the last is at most `ratio` times the first.
pub(crate) fn graduated_steps(
    balance: i64,
    rate: i64,
    months: u32,
    step: u32,
    ratio: i64,
) -> Vec<(u32, i64)> {
    let months = months.max(1);
    let levels = months.div_ceil(step);
    if levels <= 1 || balance == 0 {
        return level_steps(balance, rate, months);
    }
    let i = fx::monthly_rate(rate);
    let one = fx::ONE;
    // v = 1/(1+i); annuity a(m) = (1 - v^m)/i, or m at 0%.
    let v = fx::div(one, one + i);
    let annuity = |m: u32| -> i128 {
        if i == 0 {
            m as i128 * one
        } else {
            fx::div(one - fx::pow(v, m), i)
        }
    };
    let v_step = fx::pow(v, step);
    let a_full = annuity(step);
    let mut a0: i128 = 0;
    let mut a1: i128 = 0;
    let mut disc = one;
    for k in 0..levels {
        let m_k = if k + 1 == levels {
            months - step * (levels - 1)
        } else {
            step
        };
        let a_k = if m_k == step { a_full } else { annuity(m_k) };
        let term = fx::mul(a_k, disc);
        a0 += term;
        a1 += term * k as i128;
        disc = fx::mul(disc, v_step);
    }
    let p = balance as i128 * one; // balance in cents, fixed point
    let l1 = (levels - 1) as i128;
    // p0 * denom_r = balance when last/first is exactly `ratio`.
    let denom_r = a0 + fx::div_round((ratio - 1) as i128 * a1, l1);
    // First payment with last/first exactly `ratio`, and the monthly
    // interest: both in cents, fixed point.
    let p0_ratio = balance as i128 * fx::div(one, denom_r);
    let interest_only = balance as i128 * i;
    // The first payment covers the interest and is rounded up to the cent.
    let p0_min = fx::div_ceil(p0_ratio.max(interest_only), one);
    // Largest step (cents) that keeps the last payment within `ratio` times
    // the first (34 CFR 685.208(b)(6)(iii)).
    let d_max = (ratio - 1) as i128 * p0_min / l1;
    // Step that repays the balance from `p0_min`, rounded up.
    let d_pv = fx::div_ceil((p - p0_min * a0).max(0), a1);
    // One cent is added to the first payment so that the schedule repays
    // a little more than the balance: the final payment, which absorbs the
    // cent rounding of each month's interest, then stays below the last
    // step, and no payment exceeds `ratio` times the first.
    let (p0, d) = if d_pv <= d_max {
        (p0_min + 1, d_pv)
    } else {
        // The 3x limit binds: keep the step within it and solve the first
        // payment for it.
        (fx::div_ceil((p - d_max * a1).max(0), a0) + 1, d_max)
    };
    (0..levels)
        .map(|k| {
            let amt = p0 + d * k as i128;
            (k * step, amt.max(0) as i64)
        })
        .collect()
}
