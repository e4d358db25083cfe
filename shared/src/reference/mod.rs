//! Federal student-loan reference data ("rules as data").
//!
//! Every table is a `static` slice of rows and every row carries a `source`
//! citation. The tables are served read-only (GET /api/v1/loan_types,
//! /loan_statuses, /repayment_plans, /servicers) and back the coercion
//! functions that turn the free-text values borrowers, servicers and Plaid
//! send us into canonical rows:
//!
//! * [`loan_type`] — NSLDS loan type code or description → [`LoanTypeRow`]
//! * [`loan_status`] — NSLDS loan status code or description → [`LoanStatusRow`]
//! * [`repayment_plan`] — Payitoff `repayment_plan_type` or a common spelling → [`RepaymentPlanRow`]
//! * [`servicer`] — servicer name or alias → [`ServicerRow`] (`None` if unknown; never an error)
//!
//! Matching is case-insensitive and tolerant of whitespace, punctuation and
//! word order. The first three never guess: an unknown or ambiguous input is a
//! [`CoercionError`] that lists the accepted values.

pub mod loan_statuses;
pub mod loan_types;
pub mod repayment_plans;
pub mod servicers;

pub use loan_statuses::{
    loan_status, loan_status_by_code, LoanStatusRow, StatusGroup, LOAN_STATUSES,
};
pub use loan_types::{loan_type, loan_type_by_code, LoanFamily, LoanTypeRow, LOAN_TYPES};
pub use repayment_plans::{
    repayment_plan, repayment_plan_by_type, RepaymentPlanRow, REPAYMENT_PLANS,
};
pub use servicers::{servicer, ServicerAddress, ServicerRow, SERVICERS};

use serde::Serialize;
use std::fmt;

/// `GET /loan_types`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LoanTypes {
    pub loan_types: &'static [LoanTypeRow],
}

/// `GET /loan_statuses`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LoanStatuses {
    pub loan_statuses: &'static [LoanStatusRow],
}

/// `GET /repayment_plans`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RepaymentPlans {
    pub repayment_plans: &'static [RepaymentPlanRow],
}

/// `GET /servicers`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Servicers {
    pub servicers: &'static [ServicerRow],
}

/// Why a coercion failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CoercionFailure {
    /// Nothing matched.
    Unknown,
    /// Several rows match and we refuse to pick one; `candidates` are their
    /// canonical values (codes / plan types).
    Ambiguous { candidates: Vec<&'static str> },
}

/// A value that could not be coerced to a reference row.
///
/// `accepted` always lists every accepted canonical value (e.g.
/// `"D2 (Direct Stafford Unsubsidized Loan)"`, `"paye (Pay As You Earn Repayment Plan)"`),
/// so it can be shown to the API caller as-is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoercionError {
    /// The field being coerced: `loan_type`, `loan_status` or `repayment_plan_type`.
    pub field: &'static str,
    /// The input as received.
    pub input: String,
    pub failure: CoercionFailure,
    /// Every accepted canonical value with its description.
    pub accepted: Vec<String>,
}

impl fmt::Display for CoercionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            CoercionFailure::Unknown => {
                write!(f, "unrecognized {} {:?}", self.field, self.input)?;
            }
            CoercionFailure::Ambiguous { candidates } => {
                write!(
                    f,
                    "ambiguous {} {:?} (could be any of: {}); send a code instead",
                    self.field,
                    self.input,
                    candidates.join(", ")
                )?;
            }
        }
        write!(f, "; accepted values: {}", self.accepted.join(", "))
    }
}

impl std::error::Error for CoercionError {}

/// Splits `s` into lower-case alphanumeric tokens (`&` becomes `and`, every
/// other non-alphanumeric character is a separator) and applies `synonym` to
/// each token; tokens mapped to `""` are dropped. The result is sorted so that
/// word order does not matter, then joined by single spaces.
pub(crate) fn match_key(s: &str, synonym: fn(&str) -> &str) -> String {
    let lowered = s.to_lowercase().replace('&', " and ");
    let mut tokens: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(synonym)
        .filter(|t| !t.is_empty())
        .collect();
    tokens.sort_unstable();
    tokens.join(" ")
}

/// Lower-case, punctuation-free, order-preserving form of `s`.
pub(crate) fn plain_tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .replace('&', " and ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// If `s` (trimmed, punctuation removed) is a 2-character alphanumeric code,
/// returns it upper-cased.
pub(crate) fn as_code(s: &str) -> Option<String> {
    let compact: String = s.trim().chars().filter(|c| c.is_alphanumeric()).collect();
    let only_code_chars = s
        .trim()
        .chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || matches!(c, '.' | '-' | '_'));
    (compact.chars().count() == 2 && only_code_chars).then(|| compact.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_key_is_order_and_punctuation_insensitive() {
        fn id(t: &str) -> &str {
            if t == "loan" {
                ""
            } else {
                t
            }
        }
        assert_eq!(
            match_key("Direct Stafford Unsubsidized Loan", id),
            match_key("  UNSUBSIDIZED,  direct-stafford ", id)
        );
        assert_eq!(match_key("A & B", id), "a and b");
    }

    #[test]
    fn as_code_only_accepts_two_character_codes() {
        assert_eq!(as_code(" d2 "), Some("D2".to_owned()));
        assert_eq!(as_code("D-2"), Some("D2".to_owned()));
        assert_eq!(as_code("D22"), None);
        assert_eq!(as_code("D/"), None);
    }

    #[test]
    fn coercion_error_display_lists_accepted_values() {
        let e = CoercionError {
            field: "loan_type",
            input: "zz".into(),
            failure: CoercionFailure::Unknown,
            accepted: vec!["D1 (x)".into(), "D2 (y)".into()],
        };
        let s = e.to_string();
        assert!(s.contains("unrecognized loan_type \"zz\""), "{s}");
        assert!(s.contains("accepted values: D1 (x), D2 (y)"), "{s}");
    }
}

/// One check over the four reference tables (it replaces four copies): every row cites its
/// source, and every key is unique (two-letter NSLDS codes for types and statuses).
#[cfg(test)]
mod every_table {
    use super::*;

    fn check(table: &str, rows: Vec<(&str, &str)>, code_len: Option<usize>) {
        let mut seen = std::collections::HashSet::new();
        for (key, source) in rows {
            assert!(!source.trim().is_empty(), "{table}: {key} has no source");
            assert!(seen.insert(key), "{table}: duplicate {key}");
            if let Some(n) = code_len {
                assert_eq!(key.len(), n, "{table}: {key}");
            }
        }
    }

    #[test]
    fn every_row_has_a_source_and_a_unique_key() {
        check(
            "loan types",
            loan_types::LOAN_TYPES
                .iter()
                .map(|r| (r.code, r.source))
                .collect(),
            Some(2),
        );
        check(
            "loan statuses",
            loan_statuses::LOAN_STATUSES
                .iter()
                .map(|r| (r.code, r.source))
                .collect(),
            Some(2),
        );
        check(
            "repayment plans",
            repayment_plans::REPAYMENT_PLANS
                .iter()
                .map(|r| (r.plan_type, r.source))
                .collect(),
            None,
        );
        check(
            "servicers",
            servicers::SERVICERS
                .iter()
                .map(|r| (r.name, r.source))
                .collect(),
            None,
        );
        assert!(loan_types::LOAN_TYPES
            .iter()
            .all(|r| !r.description.is_empty()));
    }
}
