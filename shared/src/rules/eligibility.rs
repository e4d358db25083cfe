//! Which loans may use which plan, and why not (plain English).

use super::engine::{Ctx, Known, Loan};
use super::formulas::dollars;
use super::fx;
use super::params::date_param;
use super::types::{Assumption, LoanProgram as P, LoanStatusClass, PlanType};

/// Eligibility of the borrower's loans for one plan.
#[derive(Debug, Default)]
pub(crate) struct Eval {
    pub eligible: Vec<usize>,
    pub ineligible: Vec<usize>,
    pub reasons: Vec<String>,
    pub actions: Vec<String>,
}

pub(crate) fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

const AFTER_CUTOFF: &str =
    "a consolidation made on or after July 1, 2026 can be repaid only under RAP or Tiered Standard";

fn name(plan: PlanType) -> &'static str {
    plan.labels().0
}

fn is_legacy(plan: PlanType) -> bool {
    matches!(
        plan,
        PlanType::Standard
            | PlanType::Graduated
            | PlanType::Extended
            | PlanType::ExtendedGraduated
            | PlanType::Ibr
            | PlanType::NewIbr
            | PlanType::Paye
            | PlanType::Icr
    )
}

type Reason = (String, Option<String>);

fn must_consolidate(ctx: &Ctx, plan: PlanType, what: &str) -> Reason {
    let n = name(plan);
    let after = ctx.as_of >= ctx.cutoff;
    if after
        && matches!(
            plan,
            PlanType::Paye | PlanType::Icr | PlanType::Ibr | PlanType::NewIbr
        )
    {
        (format!("{what} loans must be consolidated into a Direct Consolidation Loan to use {n}, and {AFTER_CUTOFF}"), None)
    } else if after {
        (
            format!("{what} loans must be consolidated into a Direct Consolidation Loan to use {n}"),
            Some(format!(
                "Consolidate your {what} loans into a Direct Consolidation Loan to use {n} ({AFTER_CUTOFF}, and you would lose access to the Standard plan and IBR)"
            )),
        )
    } else {
        (
            format!(
                "{what} loans must be consolidated into a Direct Consolidation Loan to use {n}"
            ),
            Some(format!(
                "Consolidate your {what} loans into a Direct Consolidation Loan to use {n}"
            )),
        )
    }
}

/// Why one loan cannot use `plan` (ignoring borrower-level conditions).
pub(crate) fn loan_reason(ctx: &Ctx, plan: PlanType, l: &Loan) -> Option<Reason> {
    if l.status == LoanStatusClass::InDefault {
        return Some((
            "Loans in default are not eligible for any repayment plan until they are rehabilitated or consolidated".into(),
            Some("Get your defaulted loans out of default through loan rehabilitation or consolidation".into()),
        ));
    }
    let n = name(plan);
    let fixed = matches!(
        plan,
        PlanType::Standard | PlanType::Graduated | PlanType::Extended | PlanType::ExtendedGraduated
    );
    match l.program {
        P::Private => return Some(("Private loans are not eligible for federal repayment plans".into(), None)),
        P::Other => return Some(("Loans of an unrecognized type are not eligible for federal repayment plans".into(), None)),
        P::Perkins if fixed => {
            return Some(("Perkins loans are repaid on terms set by the school, not under Direct Loan repayment plans".into(), None))
        }
        P::Perkins => return Some(must_consolidate(ctx, plan, "Perkins")),
        _ => {}
    }
    let pp_reason = || Some((format!("Parent PLUS loans are not eligible for {n}"), None));
    match plan {
        PlanType::Standard | PlanType::Graduated | PlanType::Extended | PlanType::ExtendedGraduated => None,
        PlanType::TieredStandard => {
            if l.program.is_ffel() {
                Some(("Tiered Standard applies only to Direct Loans; FFEL loans keep their FFEL repayment plans".into(), None))
            } else {
                None
            }
        }
        PlanType::Ibr | PlanType::NewIbr => match l.program {
            P::DirectParentPlus | P::FfelParentPlus => pp_reason(),
            P::DirectConsolidationParentPlus
                if l.date.is_some_and(|d| d > date_param("parent_plus_consolidation.ibr_deadline")) =>
            {
                Some(("Consolidation loans that repaid a Parent PLUS loan are eligible for IBR only if disbursed by June 30, 2026".into(), None))
            }
            _ => None,
        },
        PlanType::Paye => match l.program {
            P::DirectParentPlus | P::FfelParentPlus | P::DirectConsolidationParentPlus => Some((
                "Parent PLUS loans, and consolidation loans that repaid them, are not eligible for PAYE".into(),
                None,
            )),
            p if p.is_ffel() => Some(must_consolidate(ctx, plan, "FFEL")),
            _ => None,
        },
        PlanType::Icr => match l.program {
            P::DirectParentPlus | P::FfelParentPlus => {
                if ctx.as_of < ctx.cutoff {
                    Some((
                        "Parent PLUS loans are eligible for ICR only after consolidation into a Direct Consolidation Loan".into(),
                        Some("Consolidate your Parent PLUS loans into a Direct Consolidation Loan disbursed by June 30, 2026 to use ICR".into()),
                    ))
                } else {
                    Some((
                        "Parent PLUS loans are eligible for ICR only through a Direct Consolidation Loan disbursed before July 1, 2026; a consolidation made now can be repaid only under Tiered Standard".into(),
                        None,
                    ))
                }
            }
            p if p.is_ffel() => Some(must_consolidate(ctx, plan, "FFEL")),
            _ => None,
        },
        PlanType::Rap => match l.program {
            P::DirectParentPlus | P::FfelParentPlus => pp_reason(),
            P::DirectConsolidationParentPlus => Some((
                "Consolidation loans that repaid a Parent PLUS loan are not eligible for RAP".into(),
                None,
            )),
            p if p.is_ffel() => Some(must_consolidate(ctx, plan, "FFEL")),
            _ => None,
        },
        PlanType::Save | PlanType::Repaye => None,
    }
}

/// Programs of the spouse's loans that count in the couple's eligible balance.
pub(crate) fn program_ok_for_spouse(plan: PlanType, p: P) -> bool {
    match plan {
        PlanType::Ibr | PlanType::NewIbr => matches!(
            p,
            P::DirectSubsidized
                | P::DirectUnsubsidized
                | P::DirectGradPlus
                | P::DirectConsolidation
                | P::DirectConsolidationParentPlus
                | P::FfelStafford
                | P::FfelPlusGrad
                | P::FfelConsolidation
        ),
        PlanType::Paye | PlanType::Rap => {
            matches!(
                p,
                P::DirectSubsidized
                    | P::DirectUnsubsidized
                    | P::DirectGradPlus
                    | P::DirectConsolidation
            )
        }
        PlanType::Icr => matches!(
            p,
            P::DirectSubsidized
                | P::DirectUnsubsidized
                | P::DirectGradPlus
                | P::DirectConsolidation
                | P::DirectConsolidationParentPlus
        ),
        _ => false,
    }
}

fn history_note(ctx: &mut Ctx, test: &str, d: &str) {
    ctx.assumptions.push(Assumption {
        code: "new_borrower_unknown".into(),
        description: format!(
            "The loan dates do not show whether you had an outstanding federal loan balance on {d}; for the {test} test we assumed {}. Supply new_borrower_date to decide it.",
            if test == "New IBR" { "you did (so IBR, not New IBR)" } else { "you did not" }
        ),
        source: "34 CFR 685.208(b)(4)(i), 685.209(b)(13)".into(),
    });
}

/// Conditions on the borrower that rule out the whole plan.
fn borrower_block(ctx: &mut Ctx, plan: PlanType) -> Option<String> {
    let n = name(plan);
    if matches!(plan, PlanType::Save | PlanType::Repaye) {
        return Some(if ctx.as_of >= date_param("save.vacated") {
            format!("{n} has ended: a court judgment of March 10, 2026 vacated the SAVE rule (88 FR 43820), and P.L. 119-21 ends the plan by July 1, 2028")
        } else {
            format!("{n} is not accepting enrollments: courts have blocked the SAVE rule since July 2024, and P.L. 119-21 ends the plan by July 1, 2028")
        });
    }
    if is_legacy(plan) && ctx.has_new_loan {
        return Some("You have a loan made on or after July 1, 2026, so your loans can be repaid only under RAP or Tiered Standard".into());
    }
    let on_plan = ctx.loans.iter().any(|l| l.plan == Some(plan));
    match plan {
        PlanType::Rap | PlanType::TieredStandard => {
            let opens = date_param(if plan == PlanType::Rap {
                "rap.opens"
            } else {
                "tiered_standard.opens"
            });
            if ctx.as_of < opens {
                return Some(format!("{n} opens on July 1, 2026"));
            }
            if plan == PlanType::TieredStandard && !ctx.has_new_loan {
                return Some("Tiered Standard is only for borrowers with a loan made on or after July 1, 2026; your loans can use the Standard plan".into());
            }
        }
        PlanType::Paye | PlanType::Icr => {
            let key = if plan == PlanType::Paye {
                "paye"
            } else {
                "icr"
            };
            if ctx.as_of > date_param(&format!("{key}.ends")) {
                return Some(format!("{n} ended on June 30, 2028"));
            }
            if ctx.as_of > date_param(&format!("{key}.enroll_until")) && !on_plan {
                return Some(format!("{n} closed to new enrollment after June 30, 2027"));
            }
            if plan == PlanType::Paye {
                match ctx.new_borrower_since(date_param("paye.new_borrower_date")) {
                    Known::No => {
                        return Some("PAYE requires that you had no outstanding federal loan balance on October 1, 2007".into())
                    }
                    Known::Unknown => history_note(ctx, "PAYE", "October 1, 2007"),
                    Known::Yes => {}
                }
                let after = date_param("paye.disbursement_on_or_after");
                let dated: Vec<_> = ctx
                    .input
                    .loans
                    .iter()
                    .filter(|l| l.program.is_direct())
                    .filter_map(|l| {
                        l.origination_date
                            .or_else(|| l.disbursement_dates.iter().max().copied())
                    })
                    .collect();
                if !dated.is_empty() && dated.iter().all(|d| *d < after) {
                    return Some(
                        "PAYE requires a Direct Loan disbursed on or after October 1, 2011".into(),
                    );
                }
            }
        }
        PlanType::Ibr | PlanType::NewIbr => {
            let nb = ctx.new_borrower_since(date_param("ibr.new_borrower_date"));
            if plan == PlanType::Ibr && nb == Known::Yes {
                return Some("You had no outstanding federal loan balance on July 1, 2014, so you qualify for New IBR instead".into());
            }
            if plan == PlanType::NewIbr && nb != Known::Yes {
                if nb == Known::Unknown {
                    history_note(ctx, "New IBR", "July 1, 2014");
                }
                return Some("New IBR is only for borrowers with no outstanding federal loan balance on July 1, 2014; you qualify for IBR instead".into());
            }
        }
        PlanType::Extended | PlanType::ExtendedGraduated => {
            match ctx.new_borrower_since(date_param("extended.new_borrower_date")) {
                Known::No => {
                    return Some(format!("{n} requires that you had no outstanding federal loan balance on October 7, 1998"))
                }
                Known::Unknown => history_note(ctx, "Extended", "October 7, 1998"),
                Known::Yes => {}
            }
        }
        _ => {}
    }
    None
}

/// Evaluate one plan for the borrower.
pub(crate) fn evaluate(ctx: &mut Ctx, plan: PlanType) -> Eval {
    let mut ev = Eval::default();
    let block = borrower_block(ctx, plan);
    for (i, l) in ctx.loans.iter().enumerate() {
        if block.is_some() {
            ev.ineligible.push(i);
            continue;
        }
        match loan_reason(ctx, plan, l) {
            None => ev.eligible.push(i),
            Some((reason, action)) => {
                ev.ineligible.push(i);
                push_unique(&mut ev.reasons, reason);
                if let Some(a) = action {
                    push_unique(&mut ev.actions, a);
                }
            }
        }
    }
    if let Some(b) = block {
        ev.reasons.insert(0, b);
        return ev;
    }
    match plan {
        PlanType::Extended | PlanType::ExtendedGraduated => {
            // More than $30,000 of Direct Loans (FFEL loans: of FFEL loans).
            let min = ctx.rules.extended_min_exclusive;
            for (is_group, label) in [(true, "Direct"), (false, "FFEL")] {
                let group: Vec<usize> = ev
                    .eligible
                    .iter()
                    .copied()
                    .filter(|&i| {
                        if is_group {
                            ctx.loans[i].program.is_direct()
                        } else {
                            ctx.loans[i].program.is_ffel()
                        }
                    })
                    .collect();
                if group.is_empty() {
                    continue;
                }
                let total: i64 = group.iter().map(|&i| ctx.loans[i].balance()).sum();
                if total <= min {
                    ev.eligible.retain(|i| !group.contains(i));
                    ev.ineligible.extend(group);
                    push_unique(
                        &mut ev.reasons,
                        format!(
                            "{} requires more than ${} in outstanding {label} Loans; you owe ${}",
                            name(plan),
                            fmt_dollars(min),
                            fmt_dollars(total)
                        ),
                    );
                }
            }
            ev.ineligible.sort_unstable();
        }
        PlanType::Paye if !ev.eligible.is_empty() => {
            // Partial financial hardship at entry (open question 6).
            let already = ev
                .eligible
                .iter()
                .all(|&i| ctx.loans[i].plan == Some(PlanType::Paye));
            if !already {
                let phases = super::engine::idr_phases(ctx, plan, &ev.eligible);
                let ph = &phases[0];
                let y0 = &ctx.years[0];
                let di = (y0.agi as i128 * 100 - y0.pg as i128 * ctx.rules.idr_pg_multiple as i128)
                    .max(0);
                let raw = fx::round_cents(
                    di * ctx.rules.paye_pct as i128 * ph.share.0,
                    100 * 100 * 12 * ph.share.1,
                );
                let standard = super::engine::standard_payment(ctx, &ev.eligible);
                if raw >= standard {
                    ev.ineligible.append(&mut ev.eligible);
                    ev.ineligible.sort_unstable();
                    ev.reasons.insert(
                        0,
                        format!(
                            "PAYE requires a partial financial hardship when you enroll: your PAYE payment (${}) would not be less than your 10-year Standard payment (${})",
                            dollars(raw),
                            dollars(standard)
                        ),
                    );
                }
            }
        }
        _ => {}
    }
    ev
}

fn fmt_dollars(c: i64) -> String {
    let d = c / 100;
    let s = d.to_string();
    let mut out = String::new();
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if c % 100 != 0 {
        out.push_str(&format!(".{:02}", c % 100));
    }
    out
}

/// PSLF eligibility of one loan.
pub(crate) fn pslf_reason(_ctx: &Ctx, l: &Loan) -> Option<Reason> {
    if l.status == LoanStatusClass::InDefault {
        return Some((
            "Loans in default do not qualify for PSLF".into(),
            Some("Get your defaulted loans out of default through loan rehabilitation or consolidation".into()),
        ));
    }
    match l.program {
        P::DirectSubsidized | P::DirectUnsubsidized | P::DirectGradPlus | P::DirectConsolidation | P::DirectConsolidationParentPlus => None,
        P::DirectParentPlus => Some((
            "Parent PLUS loans qualify for PSLF only after consolidation into a Direct Consolidation Loan repaid under ICR or IBR".into(),
            None,
        )),
        P::FfelStafford | P::FfelPlusGrad | P::FfelParentPlus | P::FfelConsolidation | P::Perkins => Some((
            "FFEL and Perkins loans qualify for PSLF only after consolidation into a Direct Consolidation Loan".into(),
            Some("Consolidate your FFEL and Perkins loans into a Direct Consolidation Loan to earn PSLF credit".into()),
        )),
        P::Private | P::Other => Some(("Private loans do not qualify for PSLF".into(), None)),
    }
}

/// Teacher Loan Forgiveness eligibility of one loan (34 CFR 685.217, 682.216).
pub(crate) fn tlf_reason(l: &Loan) -> Option<String> {
    if l.status == LoanStatusClass::InDefault {
        return Some("Loans in default do not qualify for Teacher Loan Forgiveness".into());
    }
    match l.program {
        P::DirectSubsidized
        | P::DirectUnsubsidized
        | P::FfelStafford
        | P::DirectConsolidation
        | P::FfelConsolidation => None,
        _ => Some(
            "PLUS, Perkins and private loans are not eligible for Teacher Loan Forgiveness".into(),
        ),
    }
}
