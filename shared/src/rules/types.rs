//! Input and output types of the rules engine (Payitoff v1 vocabulary).

use super::money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Federal income-tax filing status: the borrower model's own enum.
pub use crate::model::FilingStatus;

/// Federal (and non-federal) loan programs: the product family of the reference tables
/// (`crate::reference::LoanFamily`), which map NSLDS codes onto it. One enum serves both.
pub use crate::reference::LoanFamily as LoanProgram;

impl LoanProgram {
    pub fn is_direct(self) -> bool {
        matches!(
            self,
            LoanProgram::DirectSubsidized
                | LoanProgram::DirectUnsubsidized
                | LoanProgram::DirectGradPlus
                | LoanProgram::DirectParentPlus
                | LoanProgram::DirectConsolidation
                | LoanProgram::DirectConsolidationParentPlus
        )
    }
    pub fn is_ffel(self) -> bool {
        matches!(
            self,
            LoanProgram::FfelStafford
                | LoanProgram::FfelPlusGrad
                | LoanProgram::FfelParentPlus
                | LoanProgram::FfelConsolidation
        )
    }
    pub fn is_consolidation(self) -> bool {
        matches!(
            self,
            LoanProgram::DirectConsolidation
                | LoanProgram::DirectConsolidationParentPlus
                | LoanProgram::FfelConsolidation
        )
    }
    pub fn is_federal(self) -> bool {
        self.is_direct() || self.is_ffel() || self == LoanProgram::Perkins
    }
}

/// Coarse loan status. Closed (paid, discharged, consolidated) loans are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoanStatusClass {
    Active,
    InDefault,
    Closed,
}

fn default_income_growth() -> Decimal {
    Decimal::new(50, 1)
}

/// The borrower's household, as of the assessment date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// The borrower's own adjusted gross income (dollars).
    #[serde(with = "money::number")]
    pub agi: Decimal,
    /// The spouse's AGI. Required for married_filing_jointly, ignored otherwise.
    #[serde(default, with = "money::opt_number")]
    pub spouse_agi: Option<Decimal>,
    pub filing_status: FilingStatus,
    /// IDR family size (borrower included), at least 1.
    pub family_size: u32,
    /// RAP dependents: children + dependents claimed on the return.
    #[serde(default)]
    pub dependents: u32,
    /// Two-letter state code; AK and HI have their own poverty guidelines.
    #[serde(default)]
    pub state_of_residence: Option<String>,
    /// Percent per year by which AGI grows in projections (default 5.0).
    #[serde(default = "default_income_growth", with = "money::number")]
    pub income_growth: Decimal,
    /// The borrower works full time for a PSLF-qualifying employer.
    #[serde(default)]
    pub pslf: bool,
    /// Start of the borrower's current borrowing history: the date of the
    /// first loan taken when the borrower had no outstanding federal balance.
    /// Drives the IBR (2014-07-01), PAYE (2007-10-01) and Extended
    /// (1998-10-07) "new borrower" tests when known.
    #[serde(default)]
    pub new_borrower_date: Option<NaiveDate>,
}

/// One loan, borrower's or spouse's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoanInput {
    pub id: String,
    pub program: LoanProgram,
    pub status: LoanStatusClass,
    /// Annual rate in percent (6.8 means 6.8 %).
    #[serde(with = "money::number")]
    pub interest_rate: Decimal,
    #[serde(with = "money::number")]
    pub outstanding_principal: Decimal,
    #[serde(default, with = "money::number")]
    pub outstanding_interest: Decimal,
    #[serde(default, with = "money::opt_number")]
    pub original_principal: Option<Decimal>,
    #[serde(default)]
    pub origination_date: Option<NaiveDate>,
    #[serde(default)]
    pub disbursement_dates: Vec<NaiveDate>,
    /// Canonical plan type (`standard`, `ibr`, `paye`, `rap`, ...).
    #[serde(default)]
    pub repayment_plan: Option<String>,
    #[serde(default, with = "money::opt_number")]
    pub monthly_payment: Option<Decimal>,
    #[serde(default)]
    pub repayment_begin_date: Option<NaiveDate>,
    #[serde(default)]
    pub pslf_qualifying_payments: Option<u32>,
    #[serde(default)]
    pub idr_qualifying_payments: Option<u32>,
}

/// Everything the engine needs; no I/O happens inside the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentInput {
    pub as_of: NaiveDate,
    pub household: Household,
    pub loans: Vec<LoanInput>,
    #[serde(default)]
    pub spouse_loans: Vec<LoanInput>,
}

/// `repayment_plan.type` values.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PlanType {
    Standard,
    Graduated,
    Extended,
    ExtendedGraduated,
    Ibr,
    NewIbr,
    Paye,
    Icr,
    Rap,
    TieredStandard,
    Save,
    Repaye,
}

impl PlanType {
    /// Every plan, in output order.
    pub const ALL: [PlanType; 12] = [
        PlanType::Standard,
        PlanType::Graduated,
        PlanType::Extended,
        PlanType::ExtendedGraduated,
        PlanType::Ibr,
        PlanType::NewIbr,
        PlanType::Paye,
        PlanType::Icr,
        PlanType::Rap,
        PlanType::TieredStandard,
        PlanType::Save,
        PlanType::Repaye,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanType::Standard => "standard",
            PlanType::Graduated => "graduated",
            PlanType::Extended => "extended",
            PlanType::ExtendedGraduated => "extended_graduated",
            PlanType::Ibr => "ibr",
            PlanType::NewIbr => "new_ibr",
            PlanType::Paye => "paye",
            PlanType::Icr => "icr",
            PlanType::Rap => "rap",
            PlanType::TieredStandard => "tiered_standard",
            PlanType::Save => "save",
            PlanType::Repaye => "repaye",
        }
    }

    /// Parse a canonical plan type (case-insensitive; `-`/space tolerated).
    pub fn parse(s: &str) -> Option<PlanType> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        PlanType::ALL.into_iter().find(|p| p.as_str() == norm)
    }

    pub fn is_idr(self) -> bool {
        matches!(
            self,
            PlanType::Ibr
                | PlanType::NewIbr
                | PlanType::Paye
                | PlanType::Icr
                | PlanType::Rap
                | PlanType::Save
                | PlanType::Repaye
        )
    }

    /// (option name, plan name, plan description)
    pub fn labels(self) -> (&'static str, &'static str, &'static str) {
        match self {
            PlanType::Standard => ("Standard", "Standard", "Standard Repayment Plan"),
            PlanType::Graduated => ("Graduated", "Graduated", "Graduated Repayment Plan"),
            PlanType::Extended => (
                "Extended Fixed",
                "Extended",
                "Extended Fixed Repayment Plan",
            ),
            PlanType::ExtendedGraduated => (
                "Extended Graduated",
                "Extended Graduated",
                "Extended Graduated Repayment Plan",
            ),
            PlanType::Ibr => ("IBR", "IBR", "Income-Based Repayment Plan"),
            PlanType::NewIbr => (
                "New IBR",
                "New IBR",
                "Income-Based Repayment Plan for New Borrowers",
            ),
            PlanType::Paye => ("PAYE", "PAYE", "Pay As You Earn Repayment Plan"),
            PlanType::Icr => ("ICR", "ICR", "Income-Contingent Repayment Plan"),
            PlanType::Rap => ("RAP", "RAP", "Repayment Assistance Plan"),
            PlanType::TieredStandard => (
                "Tiered Standard",
                "Tiered Standard",
                "Tiered Standard Repayment Plan",
            ),
            PlanType::Save => ("SAVE", "SAVE", "Saving on a Valuable Education Plan"),
            PlanType::Repaye => ("REPAYE", "REPAYE", "Revised Pay As You Earn Repayment Plan"),
        }
    }
}

impl fmt::Display for PlanType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `repayment_plan` object of a RepaymentOption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RepaymentPlanInfo {
    pub description: String,
    pub idr: bool,
    pub name: String,
    #[serde(rename = "type")]
    pub plan_type: PlanType,
}

impl RepaymentPlanInfo {
    pub fn of(plan: PlanType) -> Self {
        let (_, name, description) = plan.labels();
        RepaymentPlanInfo {
            description: description.to_string(),
            idr: plan.is_idr(),
            name: name.to_string(),
            plan_type: plan,
        }
    }
}

/// One projected plan year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AnnualSnapshot {
    /// 1-based plan year.
    #[schemars(range(min = 1))]
    pub year: u32,
    /// Date of the first payment in this plan year.
    pub start_date: NaiveDate,
    /// Plan in force at the start of the year (PAYE/ICR move on 2028-07-01).
    pub plan: PlanType,
    /// AGI used for this year's payment (joint AGI for joint filers).
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub agi: Decimal,
    /// Scheduled payment in the first month of the year.
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub monthly_payment: Decimal,
    /// Paid by the borrower during the year.
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub total_paid: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub principal_balance: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub interest_balance: Decimal,
    /// Interest not charged (RAP waiver; IBR/PAYE subsidized-loan benefit).
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub interest_waived: Decimal,
    /// Principal reduced by ED's RAP match.
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub principal_matched: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub amount_forgiven: Decimal,
}

/// One plan, eligible or not (Payitoff RepaymentOption).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RepaymentOption {
    pub name: String,
    pub repayment_plan: RepaymentPlanInfo,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub starting_monthly_payment: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub scheduled_monthly_payment: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub final_monthly_payment: Decimal,
    pub number_of_payments: u32,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub total_paid: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub amount_forgiven: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub estimated_tax_liability: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub total_cost: Decimal,
    pub pslf_eligible: bool,
    /// The uuids of the loans this option covers.
    #[schemars(with = "Vec<uuid::Uuid>")]
    pub eligible_loans: Vec<String>,
    /// The uuids of the loans it cannot cover (`ineligible_reasons` says why).
    #[schemars(with = "Vec<uuid::Uuid>")]
    pub ineligible_loans: Vec<String>,
    pub ineligible_reasons: Vec<String>,
    pub action_items: Vec<String>,
    pub annual_snapshots: Vec<AnnualSnapshot>,
}

/// The borrower continuing on the current plan and payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OriginalLoanSummary {
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub monthly_payment: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub final_monthly_payment: Decimal,
    pub number_of_payments: u32,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub outstanding_principal: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub outstanding_interest: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub total_paid: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub amount_forgiven: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub estimated_tax_liability: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub total_cost: Decimal,
}

/// An assumption the projection rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Assumption {
    /// Stable machine-readable key, e.g. `income_growth`.
    pub code: String,
    pub description: String,
    pub source: String,
}

/// The Repayment Options: every plan under the law in force on `as_of`, eligible or not, against
/// the borrower continuing as today (`original`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "RepaymentOptions")]
pub struct Assessment {
    pub as_of: NaiveDate,
    pub rules_version: String,
    pub original: OriginalLoanSummary,
    pub repayment_options: Vec<RepaymentOption>,
    pub assumptions: Vec<Assumption>,
}

/// `pslf` or `tcli` (Teacher Loan Forgiveness).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForgivenessType {
    Pslf,
    Tcli,
}

/// One forgiveness program (Payitoff ForgivenessOption). The API adds `matching_institutions`
/// and `employer_match`, which need the employer lists outside this pure engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ForgivenessOption {
    pub name: String,
    #[serde(rename = "type")]
    pub forgiveness_type: ForgivenessType,
    /// Plan assumed while earning credit (PSLF), if any.
    pub repayment_plan: Option<RepaymentPlanInfo>,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub monthly_payment: Decimal,
    pub number_of_payments: u32,
    /// Qualifying payments still needed (PSLF: 120 minus credit on file).
    pub remaining_qualifying_payments: u32,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub amount_forgiven: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub total_paid: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub estimated_tax_liability: Decimal,
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub total_cost: Decimal,
    /// `original.total_cost` minus this option's `total_cost`.
    #[serde(with = "money::money2")]
    #[schemars(with = "money::Money2")]
    pub savings: Decimal,
    /// The uuids of the loans this option covers.
    #[schemars(with = "Vec<uuid::Uuid>")]
    pub eligible_loans: Vec<String>,
    /// The uuids of the loans it cannot cover (`ineligible_reasons` says why).
    #[schemars(with = "Vec<uuid::Uuid>")]
    pub ineligible_loans: Vec<String>,
    pub ineligible_reasons: Vec<String>,
    pub action_items: Vec<String>,
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// One parameter-table row and its citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterSource {
    pub name: String,
    pub effective: NaiveDate,
    pub value: String,
    pub source: String,
}
