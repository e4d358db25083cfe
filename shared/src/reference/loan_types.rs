//! NSLDS loan type codes (the `Loan Type Code` of MyStudentData.txt, used
//! verbatim by Payitoff's `loan_type` / `PortfolioLoan.type`).
//!
//! Ambiguity decisions (documented here because coercion never guesses):
//! * A description without a program marker ("Direct" / "FFEL") that exists in
//!   both programs is *ambiguous* ("Subsidized", "Unsubsidized", "PLUS",
//!   "Parent PLUS", "Grad PLUS", "Consolidation", ...): [`loan_type`] returns
//!   [`CoercionFailure::Ambiguous`] with the candidate codes.
//! * Exception: "Stafford Subsidized" / "Stafford Unsubsidized" (any word
//!   order, with or without "Federal"/"Loan") map to the **FFEL** codes SF/SU.
//!   NSLDS labels every Direct Loan "Direct ..." and labels FFEL Stafford loans
//!   "Stafford ..."/"Federal Stafford ..." (e.g. "Unsubsidized Federal Stafford
//!   Loan" vs "Direct Unsubsidized Loan" in public NSLDS label maps; the
//!   nothinginfinity parser also treats "FEDERAL STAFFORD" as FFEL).
//! * "Grad PLUS"/"Graduate PLUS" without a program is ambiguous (D3 vs GB).
//! * "Perkins" alone is Federal Perkins (PU); Perkins Expanded Lending (EU)
//!   needs its full name.
//! * "NDSL" is National Direct Student Loan (NU) as in Payitoff's table;
//!   National Defense (DU) needs its name.
//! * "Defaulted"/"Non-subsidized" are not synonyms: SN ("FFEL Stafford
//!   Non-Subsidized") keeps its own aliases so it never collides with SU.

use super::{as_code, match_key, CoercionError, CoercionFailure};
use serde::{Deserialize, Serialize};

/// Product family of a loan. The rules engine uses this same enum as
/// `rules::LoanProgram`; its eligibility helpers (`is_direct`, `is_ffel`, ...) live there.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[schemars(
    description = "The loan's product family, as the federal repayment rules group them. \
    `direct_consolidation` repaid no Parent PLUS loan; `direct_consolidation_parent_plus` did."
)]
pub enum LoanFamily {
    DirectSubsidized,
    DirectUnsubsidized,
    DirectGradPlus,
    DirectParentPlus,
    // A Direct Consolidation Loan that did not repay a Parent PLUS loan.
    DirectConsolidation,
    // A Direct Consolidation Loan that repaid a Parent PLUS loan.
    DirectConsolidationParentPlus,
    FfelStafford,
    FfelPlusGrad,
    FfelParentPlus,
    FfelConsolidation,
    Perkins,
    Private,
    Other,
}

/// One NSLDS loan type. Serializes to Payitoff's `LoanType` object
/// (`code, description, federal, guarantor, lender, subsidized, sula_eligible`)
/// plus `family` and `source`.
#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "LoanType",
    description = "One NSLDS loan type: Payitoff's LoanType, plus its family and the source."
)]
pub struct LoanTypeRow {
    pub code: &'static str,
    pub description: &'static str,
    pub federal: bool,
    pub subsidized: bool,
    pub sula_eligible: bool,
    pub lender: &'static str,
    pub guarantor: &'static str,
    pub family: LoanFamily,
    /// Extra spellings accepted by [`loan_type`] (besides code and description).
    #[serde(skip)]
    pub aliases: &'static [&'static str],
    pub source: &'static str,
}

impl LoanTypeRow {
    /// The family, taking a MyStudentData Parent PLUS consolidation indicator
    /// into account: a Direct consolidation (D5, D6, D9) that repaid a Parent
    /// PLUS loan is [`LoanFamily::DirectConsolidationParentPlus`]. D7 is always
    /// Parent PLUS consolidation. FFEL consolidations (CL) stay
    /// [`LoanFamily::FfelConsolidation`]; callers keep the indicator separately.
    pub fn family_with_parent_plus(&self, parent_plus_consolidation: Option<bool>) -> LoanFamily {
        match (self.family, parent_plus_consolidation) {
            (LoanFamily::DirectConsolidation, Some(true)) => {
                LoanFamily::DirectConsolidationParentPlus
            }
            (family, _) => family,
        }
    }

    /// True for the William D. Ford Direct Loan program codes (D0–D9).
    pub fn is_direct(&self) -> bool {
        self.code.starts_with('D') && self.code.as_bytes()[1].is_ascii_digit()
    }
}

const ED: &str = "Department of Education";
const FFEL_LENDER: &str = "FFEL lender";
const GUARANTY_AGENCY: &str = "Guaranty agency";
const SCHOOL: &str = "Participating school";
const NONE: &str = "None";

/// All NSLDS loan type codes known to us.
pub static LOAN_TYPES: &[LoanTypeRow] = &[
    LoanTypeRow {
        code: "D0",
        description: "Direct Stafford Subsidized Loan (SULA Eligible)",
        federal: true,
        subsidized: true,
        sula_eligible: true,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectSubsidized,
        aliases: &[
            "Direct Stafford Subsidized (SULA Eligible)",
            "Direct Subsidized (SULA Eligible)",
            "Direct Subsidized SULA",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per rules spec 3.1 code map (nothinginfinity borrower-student-aid.ts)",
    },
    LoanTypeRow {
        code: "D1",
        description: "Direct Stafford Subsidized Loan",
        federal: true,
        subsidized: true,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectSubsidized,
        aliases: &[
            "Direct Stafford Subsidized",
            "Direct Subsidized",
            "Direct Sub",
            "Direct Subsidized Stafford",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "D2",
        description: "Direct Stafford Unsubsidized Loan",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectUnsubsidized,
        aliases: &[
            "Direct Stafford Unsubsidized",
            "Direct Unsubsidized",
            "Direct Unsub",
            "Direct Unsubsidized Stafford",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types and LoanType example https://docs.payitoff.io/docs/loan-type-schema (D2, sula_eligible false); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "D3",
        description: "Direct PLUS Loan for Graduate/Professional Students",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectGradPlus,
        aliases: &[
            "Direct PLUS for Graduate/Professional",
            "Direct PLUS Graduate",
            "Direct PLUS Grad",
            "Direct Grad PLUS",
            "Direct PLUS Graduate/Professional",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "D4",
        description: "Direct PLUS Loan for Parents",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectParentPlus,
        aliases: &["Direct PLUS Parent", "Direct Parent PLUS", "Direct PLUS Parents"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "D5",
        description: "Direct Consolidation Unsubsidized Loan",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectConsolidation,
        aliases: &[
            "Direct Consolidation Unsubsidized",
            "Direct Unsubsidized Consolidation",
            "Direct Consolidated Unsubsidized",
            "Direct Unsub Consolidation",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); Parent PLUS taint via MSD indicators (rules spec 4.2 [S19])",
    },
    LoanTypeRow {
        code: "D6",
        description: "Direct Consolidation Subsidized Loan",
        federal: true,
        subsidized: true,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectConsolidation,
        aliases: &[
            "Direct Consolidation Subsidized",
            "Direct Subsidized Consolidation",
            "Direct Consolidated Subsidized",
            "Direct Sub Consolidation",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); Parent PLUS taint via MSD indicators (rules spec 4.2 [S19])",
    },
    LoanTypeRow {
        code: "D7",
        description: "Direct Consolidation PLUS Loan",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectConsolidationParentPlus,
        aliases: &[
            "Direct Consolidation PLUS",
            "Direct PLUS Consolidation",
            "Direct Consolidated PLUS",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types; treated as Parent PLUS consolidation per rules spec 4.1 eligibility matrix (\"D7 or D5/D6 flagged\")",
    },
    LoanTypeRow {
        code: "D8",
        description: "Direct Unsubsidized Loan (TEACH)",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectUnsubsidized,
        aliases: &[
            "Direct Unsubsidized (TEACH)",
            "Direct Unsubsidized TEACH",
            "TEACH",
            "TEACH Grant converted to Direct Unsubsidized Loan",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map (D2, D8 unsubsidized)",
    },
    LoanTypeRow {
        code: "D9",
        description: "Direct Consolidation Subsidized Loan (SULA Eligible)",
        federal: true,
        subsidized: true,
        sula_eligible: true,
        lender: ED,
        guarantor: ED,
        family: LoanFamily::DirectConsolidation,
        aliases: &[
            "Direct Consolidation Subsidized (SULA Eligible)",
            "Direct Subsidized Consolidation (SULA Eligible)",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "CL",
        description: "FFEL Consolidation Loan",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::FfelConsolidation,
        aliases: &["FFEL Consolidation", "FFEL Consolidated", "FFELP Consolidation"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); lender/guarantor generic FFEL values (assumption)",
    },
    LoanTypeRow {
        code: "SF",
        description: "FFEL Stafford Subsidized Loan",
        federal: true,
        subsidized: true,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::FfelStafford,
        aliases: &[
            "FFEL Stafford Subsidized",
            "FFEL Subsidized",
            "FFEL Subsidized Stafford",
            "Stafford Subsidized",
            "Subsidized Federal Stafford Loan",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); 'Stafford Subsidized' without 'Direct' = FFEL per NSLDS label convention (see module docs)",
    },
    LoanTypeRow {
        code: "SU",
        description: "FFEL Stafford Unsubsidized Loan",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::FfelStafford,
        aliases: &[
            "FFEL Stafford Unsubsidized",
            "FFEL Unsubsidized",
            "FFEL Unsubsidized Stafford",
            "Stafford Unsubsidized",
            "Unsubsidized Federal Stafford Loan",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); 'Stafford Unsubsidized' without 'Direct' = FFEL per NSLDS label convention (see module docs)",
    },
    LoanTypeRow {
        code: "SN",
        description: "FFEL Stafford Non-Subsidized Loan",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::FfelStafford,
        aliases: &[
            "FFEL Stafford Non-Subsidized",
            "Stafford Non-Subsidized",
            "Stafford Nonsubsidized",
        ],
        source: "Not in Payitoff's list; mapped to FFEL unsubsidized Stafford by nothinginfinity/student-loan-idr-mcp borrower-student-aid.ts (payitoff-v1-surface 1.5 and 3.1); description is our wording (unverified)",
    },
    LoanTypeRow {
        code: "GB",
        description: "FFEL PLUS Loan for Graduate/Professional Students",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::FfelPlusGrad,
        aliases: &[
            "FFEL PLUS for Graduate/Professional",
            "FFEL PLUS Graduate",
            "FFEL Grad PLUS",
            "FFEL PLUS Graduate/Professional",
        ],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "PL",
        description: "FFEL PLUS Loan for Parents",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::FfelParentPlus,
        aliases: &["FFEL PLUS Parent", "FFEL Parent PLUS", "FFEL PLUS Parents"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "SL",
        description: "Supplemental Loan for Students (SLS)",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::Other,
        aliases: &["Supplemental", "SLS", "Supplemental Loans for Students", "FFEL SLS"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family Other: no SLS family in the engine",
    },
    LoanTypeRow {
        code: "RF",
        description: "FFEL Refinanced Loan",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: GUARANTY_AGENCY,
        family: LoanFamily::Other,
        aliases: &["FFEL Refinanced"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family Other (refinanced PLUS/SLS, no engine family)",
    },
    LoanTypeRow {
        code: "FI",
        description: "Federally Insured Student Loan (FISL)",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: FFEL_LENDER,
        guarantor: ED,
        family: LoanFamily::Other,
        aliases: &["Federally Insured Student", "FISL"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); subsidized flag and family Other are assumptions (pre-FFEL program)",
    },
    LoanTypeRow {
        code: "PU",
        description: "Federal Perkins Loan",
        federal: true,
        subsidized: true,
        sula_eligible: false,
        lender: SCHOOL,
        guarantor: NONE,
        family: LoanFamily::Perkins,
        aliases: &["Federal Perkins", "Perkins", "Perkins Loan"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map (PU, DU, NU = Perkins)",
    },
    LoanTypeRow {
        code: "EU",
        description: "Perkins Expanded Lending Loan",
        federal: true,
        subsidized: true,
        sula_eligible: false,
        lender: SCHOOL,
        guarantor: NONE,
        family: LoanFamily::Perkins,
        aliases: &["Perkins Expanded Lending"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family Perkins per rules spec 4.1 (Perkins: PU, EU, NU, DU)",
    },
    LoanTypeRow {
        code: "NU",
        description: "National Direct Student Loan (NDSL)",
        federal: true,
        subsidized: true,
        sula_eligible: false,
        lender: SCHOOL,
        guarantor: NONE,
        family: LoanFamily::Perkins,
        aliases: &["National Direct Student", "NDSL", "National Direct"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "DU",
        description: "National Defense Student Loan",
        federal: true,
        subsidized: true,
        sula_eligible: false,
        lender: SCHOOL,
        guarantor: NONE,
        family: LoanFamily::Perkins,
        aliases: &["National Defense", "National Defense Student"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); family per payitoff-v1-surface 3.1 code map",
    },
    LoanTypeRow {
        code: "IC",
        description: "Income-Contingent Loan (ICL)",
        federal: true,
        subsidized: false,
        sula_eligible: false,
        lender: SCHOOL,
        guarantor: ED,
        family: LoanFamily::Other,
        aliases: &["Income-Contingent", "Income Contingent Loan", "ICL"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); lender/guarantor and family Other are assumptions (1987-91 ICL demonstration program)",
    },
    LoanTypeRow {
        code: "XP",
        description: "Private Loan",
        federal: false,
        subsidized: false,
        sula_eligible: false,
        lender: "Private lender",
        guarantor: NONE,
        family: LoanFamily::Private,
        aliases: &["Private", "Private Student Loan", "Private Education Loan"],
        source: "Payitoff Loan Types https://docs.payitoff.io/v2.0.0/docs/loan-types (rules spec 4.2 [S66]); never present in MyStudentData (federal loans only, Payitoff docs/api-loans)",
    },
];

/// Descriptions that match several rows (normalized like the aliases) and the
/// codes they could mean.
static AMBIGUOUS: &[(&str, &[&str])] = &[
    ("Subsidized", &["D1", "SF"]),
    ("Unsubsidized", &["D2", "SU"]),
    ("Stafford", &["D1", "D2", "SF", "SU"]),
    ("Direct Stafford", &["D1", "D2"]),
    ("Direct", &["D1", "D2", "D3", "D4", "D5", "D6"]),
    ("FFEL Stafford", &["SF", "SU"]),
    ("FFEL", &["SF", "SU", "GB", "PL", "CL"]),
    ("PLUS", &["D3", "D4", "GB", "PL"]),
    ("Direct PLUS", &["D3", "D4"]),
    ("FFEL PLUS", &["GB", "PL"]),
    ("Parent PLUS", &["D4", "PL"]),
    ("Parent", &["D4", "PL"]),
    ("Grad PLUS", &["D3", "GB"]),
    ("Graduate PLUS", &["D3", "GB"]),
    ("Graduate/Professional PLUS", &["D3", "GB"]),
    ("Consolidation", &["D5", "D6", "D7", "D9", "CL"]),
    ("Consolidation Loans", &["D5", "D6", "D7", "D9", "CL"]),
    ("Direct Consolidation", &["D5", "D6", "D7", "D9"]),
    ("Subsidized Consolidation", &["D6", "CL"]),
    ("Unsubsidized Consolidation", &["D5", "CL"]),
];

/// Token synonyms for loan type descriptions; `""` drops the token.
fn synonym(t: &str) -> &str {
    match t {
        "loan" | "loans" | "the" | "for" | "of" | "federal" | "program" | "a" | "william" | "d"
        | "ford" => "",
        "consolidated" | "consol" | "cons" => "consolidation",
        "subsidised" | "sub" => "subsidized",
        "unsubsidised" | "unsub" => "unsubsidized",
        "nonsubsidized" => "non subsidized",
        "grad" => "graduate",
        "parents" => "parent",
        "students" => "student",
        "ffelp" => "ffel",
        _ => t,
    }
}

fn key(s: &str) -> String {
    // "non subsidized" (from "Non-Subsidized"/"Nonsubsidized") must stay one word.
    match_key(s, synonym).replace("non subsidized", "nonsubsidized")
}

/// The row for an NSLDS code (case-insensitive), if known.
pub fn loan_type_by_code(code: &str) -> Option<&'static LoanTypeRow> {
    let code = code.trim();
    LOAN_TYPES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

fn accepted() -> Vec<String> {
    LOAN_TYPES
        .iter()
        .map(|r| format!("{} ({})", r.code, r.description))
        .collect()
}

/// Coerces an NSLDS loan type code (`"D2"`) or description (`"Direct Stafford
/// Unsubsidized Loan"`, `"DIRECT STAFFORD UNSUBSIDIZED"`, `"Direct Unsubsidized
/// Loan"`, `"STAFFORD UNSUBSIDIZED"` → SU, ...) to its row. See the module docs
/// for the ambiguity rules.
pub fn loan_type(s: &str) -> Result<&'static LoanTypeRow, CoercionError> {
    let err = |failure| CoercionError {
        field: "loan_type",
        input: s.to_owned(),
        failure,
        accepted: accepted(),
    };
    if let Some(code) = as_code(s) {
        if let Some(row) = loan_type_by_code(&code) {
            return Ok(row);
        }
    }
    let k = key(s);
    if k.is_empty() {
        return Err(err(CoercionFailure::Unknown));
    }
    // "D2 - Direct Stafford Unsubsidized": a leading code followed by its description.
    if let Some((first, rest)) = s.trim().split_once(|c: char| !c.is_alphanumeric()) {
        if let Some(row) = loan_type_by_code(first) {
            if first.len() == 2 && (key(rest) == key(row.description) || key(rest).is_empty()) {
                return Ok(row);
            }
        }
    }
    for row in LOAN_TYPES {
        if key(row.description) == k || row.aliases.iter().any(|a| key(a) == k) {
            return Ok(row);
        }
    }
    if let Some((_, candidates)) = AMBIGUOUS.iter().find(|(a, _)| key(a) == k) {
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

    #[test]
    fn aliases_never_collide_across_rows_or_with_ambiguous_phrases() {
        let mut owner: HashMap<String, &str> = HashMap::new();
        for row in LOAN_TYPES {
            for s in std::iter::once(&row.description).chain(row.aliases.iter()) {
                let k = key(s);
                if let Some(prev) = owner.insert(k.clone(), row.code) {
                    assert_eq!(
                        prev, row.code,
                        "{s:?} ({k}) claimed by {prev} and {}",
                        row.code
                    );
                }
            }
        }
        for (phrase, candidates) in AMBIGUOUS {
            assert!(
                !owner.contains_key(&key(phrase)),
                "{phrase} is both alias and ambiguous"
            );
            for c in *candidates {
                assert!(loan_type_by_code(c).is_some(), "{c}");
            }
        }
    }

    #[test]
    fn payitoff_codes_are_all_present() {
        for code in [
            "CL", "D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "D9", "DU", "EU", "FI",
            "GB", "IC", "NU", "PL", "PU", "RF", "SF", "SL", "SU", "XP", "SN",
        ] {
            assert!(loan_type_by_code(code).is_some(), "{code}");
        }
    }

    #[test]
    fn coerces_codes_and_descriptions() {
        let cases = [
            ("D2", "D2"),
            (" d2 ", "D2"),
            ("Direct Stafford Unsubsidized Loan", "D2"),
            ("DIRECT STAFFORD UNSUBSIDIZED", "D2"),
            ("Direct Stafford Unsubsidized", "D2"),
            ("Direct Unsubsidized Loan", "D2"),
            ("direct unsubsidized stafford", "D2"),
            ("Direct Unsub", "D2"),
            ("D2 - Direct Stafford Unsubsidized", "D2"),
            ("STAFFORD UNSUBSIDIZED", "SU"),
            ("Unsubsidized Federal Stafford Loan", "SU"),
            ("FFEL Stafford Unsubsidized", "SU"),
            ("Stafford Subsidized", "SF"),
            ("Direct Subsidized Loan", "D1"),
            ("DIRECT STAFFORD SUBSIDIZED", "D1"),
            ("Direct Stafford Subsidized (SULA Eligible)", "D0"),
            ("Direct PLUS for Graduate/Professional", "D3"),
            ("DIRECT PLUS GRADUATE", "D3"),
            ("Direct Grad PLUS Loan", "D3"),
            ("Direct PLUS Loan for Graduate/Professional Students", "D3"),
            ("Direct PLUS Parent", "D4"),
            ("Direct Parent PLUS Loan", "D4"),
            ("Direct PLUS Loan for Parents", "D4"),
            ("DIRECT CONSOLIDATED UNSUBSIDIZED", "D5"),
            ("Direct Consolidation Unsubsidized", "D5"),
            ("Direct Unsubsidized Consolidation Loan", "D5"),
            ("Direct Subsidized Consolidation Loan", "D6"),
            ("DIRECT CONSOLIDATED SUBSIDIZED", "D6"),
            ("Direct Consolidation PLUS", "D7"),
            ("Direct Unsubsidized (TEACH)", "D8"),
            ("Direct Consolidation Subsidized (SULA Eligible)", "D9"),
            ("FFEL Consolidation", "CL"),
            ("FFEL CONSOLIDATED", "CL"),
            ("FFEL PLUS Loan for Parents", "PL"),
            ("FFEL PLUS for Graduate/Professional", "GB"),
            ("Federal Perkins", "PU"),
            ("PERKINS", "PU"),
            ("Perkins Expanded Lending", "EU"),
            ("National Defense", "DU"),
            ("NDSL", "NU"),
            ("National Direct Student Loan", "NU"),
            ("Federally Insured Student (FISL)", "FI"),
            ("Income-Contingent (ICL)", "IC"),
            ("Supplemental Loans for Students", "SL"),
            ("SLS", "SL"),
            ("FFEL Refinanced", "RF"),
            ("Stafford Non-Subsidized", "SN"),
            ("Private", "XP"),
        ];
        for (input, code) in cases {
            match loan_type(input) {
                Ok(row) => assert_eq!(row.code, code, "{input:?}"),
                Err(e) => panic!("{input:?}: {e}"),
            }
        }
    }

    #[test]
    fn ambiguous_descriptions_are_errors_with_candidates() {
        for (input, expected) in [
            ("Unsubsidized", vec!["D2", "SU"]),
            ("Consolidation Loans", vec!["D5", "D6", "D7", "D9", "CL"]),
            ("Parent PLUS", vec!["D4", "PL"]),
            ("grad plus", vec!["D3", "GB"]),
        ] {
            let e = loan_type(input).unwrap_err();
            assert_eq!(
                e.failure,
                CoercionFailure::Ambiguous {
                    candidates: expected
                },
                "{input}"
            );
            assert_eq!(e.accepted.len(), LOAN_TYPES.len());
        }
    }

    #[test]
    fn unknown_is_an_error_listing_accepted_values() {
        let e = loan_type("Zero Interest Moon Loan").unwrap_err();
        assert_eq!(e.failure, CoercionFailure::Unknown);
        assert_eq!(e.field, "loan_type");
        assert!(e
            .accepted
            .contains(&"D2 (Direct Stafford Unsubsidized Loan)".to_owned()));
        assert!(e.to_string().contains("D4 (Direct PLUS Loan for Parents)"));
        assert!(loan_type("ZZ").is_err());
        assert!(loan_type("").is_err());
        assert!(loan_type("  --  ").is_err());
    }

    #[test]
    fn parent_plus_indicator_drives_consolidation_family() {
        let d5 = loan_type_by_code("D5").unwrap();
        assert_eq!(
            d5.family_with_parent_plus(None),
            LoanFamily::DirectConsolidation
        );
        assert_eq!(
            d5.family_with_parent_plus(Some(false)),
            LoanFamily::DirectConsolidation
        );
        assert_eq!(
            d5.family_with_parent_plus(Some(true)),
            LoanFamily::DirectConsolidationParentPlus
        );
        let d2 = loan_type_by_code("D2").unwrap();
        assert_eq!(
            d2.family_with_parent_plus(Some(true)),
            LoanFamily::DirectUnsubsidized
        );
        assert!(d2.is_direct());
        assert!(!loan_type_by_code("DU").unwrap().is_direct());
    }

    #[test]
    fn serializes_like_payitoff_loan_type() {
        let v = serde_json::to_value(loan_type_by_code("D2").unwrap()).unwrap();
        assert_eq!(v["code"], "D2");
        assert_eq!(v["description"], "Direct Stafford Unsubsidized Loan");
        assert_eq!(v["federal"], true);
        assert_eq!(v["guarantor"], "Department of Education");
        assert_eq!(v["lender"], "Department of Education");
        assert_eq!(v["subsidized"], false);
        assert_eq!(v["sula_eligible"], false);
        assert_eq!(v["family"], "direct_unsubsidized");
        assert!(v.get("aliases").is_none());
    }
}
