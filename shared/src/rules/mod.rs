//! Federal student-loan repayment rules engine (late-2026 law: RISE final
//! rule and P.L. 119-21).
//!
//! Pure library: no I/O. Money is `rust_decimal::Decimal` at the boundary and
//! integer cents inside the month-by-month projection; nothing uses floating
//! point. Every legal parameter is a dated, cited row in [`params`].
//! The rules and their sources are documented in `docs/rules.md`.
//!
//! Entry points: [`assess`], [`forgiveness_options`], [`parameter_sources`].

pub mod cases;
mod eligibility;
mod engine;
pub mod formulas;
mod fx;
pub mod money;
pub mod params;
mod sim;
mod tax;
mod types;

pub use engine::{assess, forgiveness_options};

/// The input bounds the engine accepts. The API validates every write against these same
/// numbers, so a stored borrower and its loans can always be assessed.
pub mod limits {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    /// The `as_of` dates the engine assesses: the rules tables start in 2024.
    pub const AS_OF_EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
    pub const AS_OF_LATEST: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a date");

    /// Largest AGI, balance or payment, in dollars (1,000,000,000).
    pub const MAX_MONEY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
    /// Interest rates are percents in `[0, MAX_RATE)`.
    pub const MAX_RATE: Decimal = Decimal::ONE_HUNDRED;
    /// `income_growth` is a yearly percent in `[MIN_INCOME_GROWTH, MAX_INCOME_GROWTH]`.
    /// 25 % a year for 45 years multiplies income by about 23,000: projections stay within
    /// exact integer arithmetic for every AGI up to `MAX_MONEY`.
    pub const MIN_INCOME_GROWTH: Decimal = Decimal::from_parts(50, 0, 0, true, 0);
    pub const MAX_INCOME_GROWTH: Decimal = Decimal::from_parts(25, 0, 0, false, 0);
    /// Largest family size; children plus dependents stay within it too.
    pub const MAX_FAMILY: u32 = 50;
}
pub use params::parameter_sources;
pub use types::*;

use std::fmt;

/// Version of the rules and tables this engine implements.
pub const RULES_VERSION: &str = "2026.12.01+rise-91fr23768";

/// Why an assessment could not be made. The message names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesError {
    /// A required field is absent (e.g. `household.spouse_agi` for joint filers).
    Missing { field: String, reason: String },
    /// A field has an unusable value.
    Invalid { field: String, reason: String },
}

impl RulesError {
    /// The offending field, as a dotted path (`loans[2].interest_rate`).
    pub fn field(&self) -> &str {
        match self {
            RulesError::Missing { field, .. } | RulesError::Invalid { field, .. } => field,
        }
    }
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RulesError::Missing { field, reason } => write!(f, "missing field `{field}`: {reason}"),
            RulesError::Invalid { field, reason } => write!(f, "invalid field `{field}`: {reason}"),
        }
    }
}

impl std::error::Error for RulesError {}

#[cfg(test)]
mod tests;
