//! Repayment plan types: Payitoff's `repayment_plan_type` enum plus the
//! late-2026 federal plans (`rap`, `tiered_standard`) and `save`.
//!
//! Coercion choices: a bare "IBR"/"Income-Based Repayment" is `ibr` (whether
//! the borrower is a "new borrower" is a loan-date question for the engine, so
//! only spellings that say "new borrower" give `new_ibr`); "Extended",
//! "Extended Fixed" and Plaid's "extended standard" are `extended`;
//! "Income-Driven"/"IDR" are ambiguous; "interest only" and "other" are errors.

use super::{match_key, CoercionError, CoercionFailure};
use serde::Serialize;

/// One repayment plan. Serializes to Payitoff's `PortfolioRepaymentPlan`
/// (`type, description, income_driven_repayment`) plus `name` (as on the v1
/// `RepaymentPlan` object) and `source`.
#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "RepaymentPlanReference",
    description = "One repayment plan: Payitoff's PortfolioRepaymentPlan (type, description, \
    income_driven_repayment), plus the name the Loan and the options use and the source."
)]
pub struct RepaymentPlanRow {
    #[serde(rename = "type")]
    pub plan_type: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub income_driven_repayment: bool,
    /// Extra spellings accepted by [`repayment_plan`].
    #[serde(skip)]
    pub aliases: &'static [&'static str],
    pub source: &'static str,
}

const PAYITOFF_ENUM: &str = "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5; https://docs.payitoff.io/docs/portfolio-repayment-plan-schema)";

/// All repayment plan types.
pub static REPAYMENT_PLANS: &[RepaymentPlanRow] = &[
    RepaymentPlanRow {
        plan_type: "standard",
        name: "Standard",
        description: "Standard Repayment Plan",
        income_driven_repayment: false,
        aliases: &[
            "Standard Repayment",
            "10-year standard",
            "Standard 10-year",
            "Ten Year Standard",
            "Standard Fixed",
        ],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); description from RepaymentPlan example https://docs.payitoff.io/docs/repayment-plan-schema; 34 CFR 685.208(b) (rules spec 2.1)",
    },
    RepaymentPlanRow {
        plan_type: "graduated",
        name: "Graduated",
        description: "Graduated Repayment Plan",
        income_driven_repayment: false,
        aliases: &["Graduated Repayment", "10-year graduated"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); rules spec 2.2 (34 CFR 685.208)",
    },
    RepaymentPlanRow {
        plan_type: "extended",
        name: "Extended",
        description: "Extended Fixed Repayment Plan",
        income_driven_repayment: false,
        aliases: &[
            "Extended Fixed",
            "Extended Standard",
            "Extended Repayment Fixed",
            "Extended Fixed Repayment",
            "25-year extended",
        ],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); rules spec 2.3; Plaid repayment_plan.type 'extended standard' (payitoff-v1-surface 2.1)",
    },
    RepaymentPlanRow {
        plan_type: "extended_graduated",
        name: "Extended Graduated",
        description: "Extended Graduated Repayment Plan",
        income_driven_repayment: false,
        aliases: &["Extended Graduated Repayment", "Graduated Extended"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); rules spec 2.3; Plaid repayment_plan.type 'extended graduated'",
    },
    RepaymentPlanRow {
        plan_type: "ibr",
        name: "IBR",
        description: "Income-Based Repayment Plan",
        income_driven_repayment: true,
        aliases: &["IBR", "Income-Based Repayment", "Income Based", "Income-Based"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); RepaymentPlanSummary types (docs/repayment-plan-summary-schema); rules spec 2.6; Plaid 'income-based repayment'",
    },
    RepaymentPlanRow {
        plan_type: "new_ibr",
        name: "New IBR",
        description: "Income-Based Repayment Plan for New Borrowers",
        income_driven_repayment: true,
        aliases: &[
            "New IBR",
            "IBR New Borrower",
            "IBR for New Borrowers",
            "New Borrower IBR",
            "Income-Based Repayment New Borrower",
            "Income-Based Repayment for New Borrowers",
            "IBR 2014",
        ],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); RepaymentPlanSummary types; rules spec 2.6 (new-borrower IBR, 10%/20 yr)",
    },
    RepaymentPlanRow {
        plan_type: "icr",
        name: "ICR",
        description: "Income-Contingent Repayment Plan",
        income_driven_repayment: true,
        aliases: &["ICR", "Income Contingent", "Income-Contingent Repayment"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); rules spec 2.8 (sunset 2028-06-30); Plaid 'income-contingent repayment'",
    },
    RepaymentPlanRow {
        plan_type: "isr",
        name: "ISR",
        description: "Income-Sensitive Repayment Plan",
        income_driven_repayment: false,
        aliases: &["ISR", "Income Sensitive", "Income-Sensitive Repayment"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); FFEL-only plan, not one of ED's income-driven plans (income_driven_repayment=false is our reading)",
    },
    RepaymentPlanRow {
        plan_type: "paye",
        name: "PAYE",
        description: "Pay As You Earn Repayment Plan",
        income_driven_repayment: true,
        aliases: &["PAYE", "Pay As You Earn"],
        source: "Payitoff PortfolioRepaymentPlan example {\"description\":\"Pay As You Earn Repayment Plan\",\"income_driven_repayment\":true,\"type\":\"paye\"} (docs/portfolio-repayment-plan-schema); rules spec 2.7 (sunset 2028-06-30)",
    },
    RepaymentPlanRow {
        plan_type: "repaye",
        name: "REPAYE",
        description: "Revised Pay As You Earn Repayment Plan",
        income_driven_repayment: true,
        aliases: &["REPAYE", "Revised Pay As You Earn", "Revised PAYE"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); rules spec 2.9 (replaced by SAVE, closed); Plaid 'revised pay as you earn'",
    },
    RepaymentPlanRow {
        plan_type: "save",
        name: "SAVE",
        description: "Saving on a Valuable Education Plan",
        income_driven_repayment: true,
        aliases: &[
            "SAVE",
            "Saving on a Valuable Education",
            "Saving on a Valuable Education Repayment",
            "SAVE Plan",
        ],
        source: "Payitoff latest docs add 'SAVE' (payitoff-v1-surface 1.5, lower-cased); EnrollmentPayload accepts 'save'; rules spec 2.9: vacated 2026-03-10, treat as closed",
    },
    RepaymentPlanRow {
        plan_type: "rap",
        name: "RAP",
        description: "Repayment Assistance Plan",
        income_driven_repayment: true,
        aliases: &["RAP", "Repayment Assistance"],
        source: "Not in Payitoff docs; 20 USC 1087e(q) and 34 CFR 685.209 as amended by 91 FR 23768 (RISE rule, effective 2026-07-01), rules spec 0 and 2.10 [S1, S3, S4]",
    },
    RepaymentPlanRow {
        plan_type: "tiered_standard",
        name: "Tiered Standard",
        description: "Tiered Standard Repayment Plan",
        income_driven_repayment: false,
        aliases: &["Tiered Standard", "Tiered", "Tiered Standard Repayment"],
        source: "Not in Payitoff docs; 34 CFR 685.208(c) as amended by 91 FR 23768 (loans made on or after 2026-07-01), rules spec 0 and 2.5 [S1, S5]",
    },
    RepaymentPlanRow {
        plan_type: "no_repayment",
        name: "No Repayment",
        description: "No Repayment Plan",
        income_driven_repayment: false,
        aliases: &["No Repayment", "None", "No Plan", "Not in Repayment"],
        source: PAYITOFF_ENUM,
    },
    RepaymentPlanRow {
        plan_type: "alternative",
        name: "Alternative",
        description: "Alternative Repayment Plan",
        income_driven_repayment: false,
        aliases: &["Alternative", "Alternative Repayment"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); 34 CFR 685.208(l) alternative plan (description is our wording)",
    },
    RepaymentPlanRow {
        plan_type: "alt_graduated",
        name: "Alternative Graduated",
        description: "Alternative Graduated Repayment Plan",
        income_driven_repayment: false,
        aliases: &["Alternative Graduated", "Alt Graduated"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); description is our wording (not documented by Payitoff)",
    },
    RepaymentPlanRow {
        plan_type: "alt_neg_am",
        name: "Alternative Negative Amortization",
        description: "Alternative Negative Amortization Repayment Plan",
        income_driven_repayment: false,
        aliases: &["Alternative Negative Amortization", "Alt Neg Am", "Negative Amortization"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); description is our wording (not documented by Payitoff)",
    },
    RepaymentPlanRow {
        plan_type: "alt_repaye",
        name: "Alternative REPAYE",
        description: "REPAYE Alternative Repayment Plan",
        income_driven_repayment: false,
        aliases: &["Alternative REPAYE", "Alt REPAYE", "REPAYE Alternative"],
        source: "Payitoff repayment_plan_type enum (payitoff-v1-surface 1.5); the fixed alternative plan for borrowers leaving REPAYE without income documentation (34 CFR 685.209, pre-2023); description is our wording",
    },
];

static AMBIGUOUS: &[(&str, &[&str])] = &[
    (
        "Income-Driven",
        &["ibr", "new_ibr", "icr", "paye", "repaye", "save", "rap"],
    ),
    (
        "Income-Driven Repayment",
        &["ibr", "new_ibr", "icr", "paye", "repaye", "save", "rap"],
    ),
    (
        "IDR",
        &["ibr", "new_ibr", "icr", "paye", "repaye", "save", "rap"],
    ),
    (
        "Income",
        &["ibr", "new_ibr", "icr", "paye", "repaye", "save", "rap"],
    ),
];

fn synonym(t: &str) -> &str {
    match t {
        "plan" | "plans" | "the" | "program" | "option" | "loan" => "",
        "yr" | "yrs" | "years" => "year",
        "ten" => "10",
        "twenty" => "20",
        "twentyfive" => "25",
        "borrowers" => "borrower",
        "alt" => "alternative",
        "neg" => "negative",
        "am" | "amort" => "amortization",
        _ => t,
    }
}

fn key(s: &str) -> String {
    match_key(s, synonym)
}

/// The same key without the word "repayment" (so "Standard Repayment" ≈ "Standard").
fn loose_key(s: &str) -> String {
    match_key(s, |t| match synonym(t) {
        "repayment" => "",
        other => other,
    })
}

/// The row for a Payitoff `repayment_plan_type` value (case-insensitive).
pub fn repayment_plan_by_type(plan_type: &str) -> Option<&'static RepaymentPlanRow> {
    let t = plan_type.trim();
    REPAYMENT_PLANS
        .iter()
        .find(|r| r.plan_type.eq_ignore_ascii_case(t))
}

fn accepted() -> Vec<String> {
    REPAYMENT_PLANS
        .iter()
        .map(|r| format!("{} ({})", r.plan_type, r.description))
        .collect()
}

/// Coerces a repayment plan type (`"paye"`, `"SAVE"`) or a common spelling
/// (`"Income-Based Repayment"`, `"pay as you earn"`, `"10-year standard"`,
/// `"Extended Fixed"`, `"Repayment Assistance Plan"`, Plaid's
/// `repayment_plan.type` values, NSLDS `Loan Repayment Plan Type Code
/// Description` values ...).
pub fn repayment_plan(s: &str) -> Result<&'static RepaymentPlanRow, CoercionError> {
    let err = |failure| CoercionError {
        field: "repayment_plan_type",
        input: s.to_owned(),
        failure,
        accepted: accepted(),
    };
    if let Some(row) = repayment_plan_by_type(s) {
        return Ok(row);
    }
    let k = key(s);
    if k.is_empty() {
        return Err(err(CoercionFailure::Unknown));
    }
    let names = |row: &'static RepaymentPlanRow| {
        [row.plan_type, row.name, row.description]
            .into_iter()
            .chain(row.aliases.iter().copied())
    };
    if let Some(row) = REPAYMENT_PLANS
        .iter()
        .find(|r| names(r).any(|n| key(n) == k))
    {
        return Ok(row);
    }
    let lk = loose_key(s);
    if !lk.is_empty() {
        if let Some(row) = REPAYMENT_PLANS
            .iter()
            .find(|r| names(r).any(|n| loose_key(n) == lk))
        {
            return Ok(row);
        }
    }
    if let Some((_, candidates)) = AMBIGUOUS
        .iter()
        .find(|(a, _)| key(a) == k || loose_key(a) == lk)
    {
        return Err(err(CoercionFailure::Ambiguous {
            candidates: candidates.to_vec(),
        }));
    }
    Err(err(CoercionFailure::Unknown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// One plan has one RepaymentPlan object: a Repayment Option's `repayment_plan` (the
    /// engine's) names and describes it as a Loan's `repayment_plan` and `GET /repayment_plans`
    /// (this list) do. They differed ("Pay As You Earn" against "PAYE").
    #[test]
    fn the_engines_plan_objects_are_this_lists() {
        for p in crate::rules::PlanType::ALL {
            let info = crate::rules::RepaymentPlanInfo::of(p);
            let row = REPAYMENT_PLANS
                .iter()
                .find(|r| r.plan_type == p.as_str())
                .unwrap_or_else(|| panic!("{p} is not in the list"));
            assert_eq!(
                (info.name.as_str(), info.description.as_str(), info.idr),
                (row.name, row.description, row.income_driven_repayment),
                "{p}"
            );
        }
    }

    #[test]
    fn payitoff_enum_plus_new_plans_is_complete() {
        let expected = [
            "alternative",
            "alt_graduated",
            "alt_neg_am",
            "alt_repaye",
            "extended",
            "extended_graduated",
            "graduated",
            "ibr",
            "icr",
            "isr",
            "new_ibr",
            "no_repayment",
            "paye",
            "repaye",
            "standard",
            "rap",
            "tiered_standard",
            "save",
        ];
        assert_eq!(REPAYMENT_PLANS.len(), expected.len());
        for t in expected {
            assert!(repayment_plan_by_type(t).is_some(), "{t}");
        }
    }

    #[test]
    fn loose_keys_never_collide_across_rows() {
        let mut owner: HashMap<String, &str> = HashMap::new();
        for row in REPAYMENT_PLANS {
            let names = [row.plan_type, row.name, row.description]
                .into_iter()
                .chain(row.aliases.iter().copied());
            for n in names {
                for k in [key(n), loose_key(n)] {
                    if let Some(prev) = owner.insert(k.clone(), row.plan_type) {
                        assert_eq!(prev, row.plan_type, "{n:?} ({k})");
                    }
                }
            }
        }
        for (phrase, _) in AMBIGUOUS {
            assert!(!owner.contains_key(&key(phrase)), "{phrase}");
        }
    }

    #[test]
    fn coerces_common_spellings() {
        let cases = [
            ("paye", "paye"),
            ("PAYE", "paye"),
            ("SAVE", "save"),
            ("Saving on a Valuable Education", "save"),
            ("SAVING ON A VALUABLE EDUCATION PLAN", "save"),
            ("Income-Based Repayment", "ibr"),
            ("INCOME BASED REPAYMENT", "ibr"),
            ("income-based repayment", "ibr"),
            ("IBR", "ibr"),
            ("IBR - New Borrower", "new_ibr"),
            ("new_ibr", "new_ibr"),
            ("pay as you earn", "paye"),
            ("Pay As You Earn Repayment Plan", "paye"),
            ("REPAYE", "repaye"),
            ("revised pay as you earn", "repaye"),
            ("RAP", "rap"),
            ("Repayment Assistance Plan", "rap"),
            ("Tiered Standard", "tiered_standard"),
            ("Standard Repayment", "standard"),
            ("Standard", "standard"),
            ("STANDARD", "standard"),
            ("10-year standard", "standard"),
            ("10 Yr Standard", "standard"),
            ("Graduated", "graduated"),
            ("Graduated Repayment Plan", "graduated"),
            ("Extended Fixed", "extended"),
            ("EXTENDED FIXED", "extended"),
            ("extended standard", "extended"),
            ("Extended", "extended"),
            ("extended graduated", "extended_graduated"),
            ("ICR", "icr"),
            ("Income Contingent", "icr"),
            ("income-contingent repayment", "icr"),
            ("Income Sensitive Repayment", "isr"),
            ("alt_repaye", "alt_repaye"),
            ("No Repayment", "no_repayment"),
        ];
        for (input, t) in cases {
            match repayment_plan(input) {
                Ok(row) => assert_eq!(row.plan_type, t, "{input:?}"),
                Err(e) => panic!("{input:?}: {e}"),
            }
        }
    }

    #[test]
    fn failures_list_accepted_values() {
        let e = repayment_plan("interest-only").unwrap_err();
        assert_eq!(e.failure, CoercionFailure::Unknown);
        assert_eq!(e.field, "repayment_plan_type");
        assert_eq!(e.accepted.len(), REPAYMENT_PLANS.len());
        assert!(e
            .accepted
            .contains(&"paye (Pay As You Earn Repayment Plan)".to_owned()));
        assert!(e.to_string().contains("rap (Repayment Assistance Plan)"));
        let e = repayment_plan("Income-Driven Repayment").unwrap_err();
        assert!(matches!(e.failure, CoercionFailure::Ambiguous { .. }));
        assert!(repayment_plan("").is_err());
    }

    #[test]
    fn serializes_like_portfolio_repayment_plan() {
        let v = serde_json::to_value(repayment_plan_by_type("paye").unwrap()).unwrap();
        assert_eq!(v["type"], "paye");
        assert_eq!(v["description"], "Pay As You Earn Repayment Plan");
        assert_eq!(v["income_driven_repayment"], true);
        assert_eq!(v["name"], "PAYE");
    }
}
