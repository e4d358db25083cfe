//! Loans: the stored domain struct, the v1 `LoanPayload` parser, the v1
//! `Loan` / `PortfolioLoan` / Portfolio views, payoff quotes and the
//! MyStudentData.txt import mapping.
//!
//! * [`Loan`] is what we store. Its data fields live in [`LoanData`], shared
//!   with [`NewLoan`] (a loan not yet stored) so that [`same_data`] is a plain
//!   comparison and re-imports are idempotent.
//! * [`parse_loans_payload`] validates a `[LoanPayload, ...]` batch
//!   atomically: every error, keyed `loans[i].field`.
//! * [`loan_view`], [`portfolio_view`] build the wire
//!   objects (see `views.rs` for the format decisions).
//! * [`loans_from_file`] and [`profile_fill`] map a parsed MyStudentData.txt.
//!
//! Money is `Decimal` everywhere (never `f64`); rates are percents
//! (`7.08` means 7.08 %); dates are `NaiveDate`.

mod import;
pub(crate) mod payload;
mod payoff;
pub mod service;
mod views;

#[cfg(test)]
mod tests;

pub use import::{loans_from_file, profile_fill, ProfileFill};
pub use payload::{parse_loan_payload, parse_loans_payload, parse_loans_payload_with_warnings};
pub use payoff::{payoff_quote, Payoff, DAYS_PER_YEAR};
pub use views::{
    add_loan_schema, add_portfolio_schema, loan_view, portfolio_view, write_portfolio,
    PAYOFF_QUOTE_DATE_FORMAT,
};

use crate::reference::{
    loan_status_by_code, loan_type_by_code, repayment_plan_by_type, servicer, LoanFamily,
    LoanStatusRow, LoanTypeRow, RepaymentPlanRow, ServicerRow, StatusGroup,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Where a loan's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoanSource {
    /// POSTed as a `LoanPayload`.
    Api,
    /// Imported from a MyStudentData.txt upload.
    #[serde(rename = "mystudentdata")]
    MyStudentData,
    /// Aggregated from a linked servicer.
    Nexus,
}

pub use crate::model::Address;

/// PSLF `IneligiblePayment`: `{denial_reason, description, period}` (`period` is `MM/YYYY`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct IneligiblePayment {
    pub denial_reason: Option<String>,
    pub description: Option<String>,
    pub period: Option<String>,
}

/// PSLF `NonQualifyingPayment`: `{description, period, status}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NonQualifyingPayment {
    pub description: Option<String>,
    pub period: Option<String>,
    pub status: Option<String>,
}

/// PSLF counts beyond the qualifying count (which is
/// [`LoanData::pslf_cumulative_periods`]). Filled by aggregation (Nexus);
/// neither LoanPayload nor MyStudentData.txt carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PslfCounts {
    pub eligible_payments: Option<u32>,
    pub ineligible_payments: Option<u32>,
    pub non_qualifying_payments: Option<u32>,
    /// Stored value; if `None` the views derive `120 - qualifying` for Direct loans.
    pub remaining_payments: Option<u32>,
    pub expected_forgiveness_date: Option<NaiveDate>,
    pub ineligible_payment_details: Vec<IneligiblePayment>,
    pub non_qualifying_payment_details: Vec<NonQualifyingPayment>,
}

/// Every data field of a loan (everything except identity and bookkeeping).
///
/// Fields that `LoanPayload` requires are still `Option` here because a
/// MyStudentData.txt loan may lack them and we never invent values; the
/// payload parser guarantees they are `Some` for API loans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanData {
    /// Canonical NSLDS loan type code (`"D2"`). A code unknown to
    /// `crate::reference` is only possible for imported files.
    pub loan_type: String,
    /// MyStudentData Parent PLUS consolidation indicator (D5/D6/D9 → Parent PLUS family).
    pub parent_plus_consolidation: Option<bool>,
    /// Canonical NSLDS status code (`"RP"`).
    pub loan_status: Option<String>,
    /// Date → status (as given; MyStudentData: description, else code).
    pub loan_status_history: BTreeMap<NaiveDate, String>,
    /// Canonical Payitoff plan type (`"paye"`).
    pub repayment_plan_type: Option<String>,
    /// Canonical servicer name when the name is a known alias, else as given.
    pub servicer_name: Option<String>,
    /// Servicer address as given by the source (e.g. MyStudentData contact
    /// block); views fall back to the reference table's address.
    pub servicer_address: Option<Address>,
    pub account_number: Option<String>,
    pub guarantor: Option<String>,
    /// Percent (`7.08`), as provided by the servicer (`interest_rate.effective`).
    pub interest_rate: Option<Decimal>,
    /// Percent: statutory rate (`interest_rate.original`); `None` → same as `interest_rate`.
    pub original_interest_rate: Option<Decimal>,
    pub original_principal: Option<Decimal>,
    pub origination_date: Option<NaiveDate>,
    pub outstanding_principal: Option<Decimal>,
    pub outstanding_interest: Option<Decimal>,
    /// Date the outstanding balances were reported as of (MyStudentData
    /// "as of Date"); `None` for API loans (then `updated_at` is used).
    pub balance_as_of: Option<NaiveDate>,
    pub capitalized_amount: Option<Decimal>,
    pub disbursement_dates: Vec<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub idr_renewal_date: Option<NaiveDate>,
    pub is_overdue: Option<bool>,
    pub last_payment: Option<Decimal>,
    pub last_payment_date: Option<NaiveDate>,
    pub last_statement_balance: Option<Decimal>,
    pub last_statement_date: Option<NaiveDate>,
    pub maturity_date: Option<NaiveDate>,
    pub min_payment: Option<Decimal>,
    /// Scheduled monthly payment (`monthly_payment.scheduled_amount`).
    pub monthly_payment: Option<Decimal>,
    /// PSLF qualifying payments counted so far (`pslf.qualifying_payments`;
    /// MyStudentData "Loan PSLF Cumulative Matched Months").
    pub pslf_cumulative_periods: Option<u32>,
    pub pslf: PslfCounts,
    pub repayment_begin_date: Option<NaiveDate>,
    pub repayment_plan_begin_date: Option<NaiveDate>,
    pub payment_group_id: Option<Uuid>,
    pub payment_reference_number: Option<String>,
    /// Free-form extras shown as the v1 `Loan.metadata` (school name, ...).
    pub metadata: BTreeMap<String, String>,
    /// A linked loan the servicer stopped reporting (paid off, consolidated or transferred):
    /// the scheduled sync keeps it, closed, from this day on, and never deletes it. A later
    /// sync that finds it again clears this.
    #[serde(default)]
    pub no_longer_reported_since: Option<NaiveDate>,
}

impl LoanData {
    pub fn type_row(&self) -> Option<&'static LoanTypeRow> {
        loan_type_by_code(&self.loan_type)
    }

    pub fn status_row(&self) -> Option<&'static LoanStatusRow> {
        self.loan_status.as_deref().and_then(loan_status_by_code)
    }

    pub fn plan_row(&self) -> Option<&'static RepaymentPlanRow> {
        self.repayment_plan_type
            .as_deref()
            .and_then(repayment_plan_by_type)
    }

    pub fn servicer_row(&self) -> Option<&'static ServicerRow> {
        self.servicer_name.as_deref().and_then(servicer)
    }

    /// Product family (Parent PLUS consolidation indicator applied);
    /// [`LoanFamily::Other`] for an unknown code.
    pub fn family(&self) -> LoanFamily {
        self.type_row()
            .map(|r| r.family_with_parent_plus(self.parent_plus_consolidation))
            .unwrap_or(LoanFamily::Other)
    }

    /// Status group; a missing or unknown status counts as
    /// [`StatusGroup::Active`] (still owed), like `ParsedLoan::is_open`. A loan the servicer
    /// no longer reports is [`StatusGroup::Closed`], whatever its last status was.
    pub fn status_group(&self) -> StatusGroup {
        if self.no_longer_reported_since.is_some() {
            return StatusGroup::Closed;
        }
        self.status_row()
            .map(|r| r.group)
            .unwrap_or(StatusGroup::Active)
    }

    /// Not [`StatusGroup::Closed`].
    pub fn is_open(&self) -> bool {
        self.status_group() != StatusGroup::Closed
    }
}

/// A loan to be stored (from a payload, a file or aggregation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLoan {
    pub source: LoanSource,
    /// Caller's identifier (e.g. Plaid `account_id`); unique per borrower.
    pub external_id: Option<String>,
    /// Import key for MyStudentData loans (`ParsedLoan::import_key`:
    /// `award:<id>` or `loan:<type>:<date>:<amount>`).
    pub award_id: Option<String>,
    pub data: LoanData,
}

/// A stored loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    /// Integer id (v1 `Loan.id`), allocated by the store.
    pub id: i64,
    /// UUID (v1 `Loan.uuid`, `PortfolioLoan.id`).
    pub uuid: Uuid,
    pub borrower_uuid: Uuid,
    pub source: LoanSource,
    pub external_id: Option<String>,
    pub award_id: Option<String>,
    /// Starts at 1; bumped by [`merge_into`] when the data changes.
    pub version: u64,
    /// RFC 3339, microseconds, `Z` (e.g. `2021-03-03T17:01:24.108424Z`).
    pub created_at: String,
    pub updated_at: String,
    pub data: LoanData,
}

impl NewLoan {
    /// A linked loan's uuid, derived from its borrower and the servicer's loan id: the same
    /// loan always gets the same key, so two writers creating it at once cannot both succeed
    /// (the second `attribute_not_exists` fails). `None` for other loans (random uuids).
    pub fn stable_uuid(&self, borrower: &Uuid) -> Option<Uuid> {
        use sha2::{Digest, Sha256};
        let award = self
            .award_id
            .as_deref()
            .filter(|_| self.source == LoanSource::Nexus)?;
        let digest = Sha256::digest(format!("loan\n{borrower}\n{award}"));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Some(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    pub fn into_loan(self, id: i64, uuid: Uuid, borrower_uuid: Uuid, now: &str) -> Loan {
        Loan {
            id,
            uuid,
            borrower_uuid,
            source: self.source,
            external_id: self.external_id,
            award_id: self.award_id,
            version: 1,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            data: self.data,
        }
    }
}

impl Loan {
    pub fn family(&self) -> LoanFamily {
        self.data.family()
    }

    pub fn status_group(&self) -> StatusGroup {
        self.data.status_group()
    }

    pub fn is_open(&self) -> bool {
        self.data.is_open()
    }

    pub fn type_row(&self) -> Option<&'static LoanTypeRow> {
        self.data.type_row()
    }

    pub fn status_row(&self) -> Option<&'static LoanStatusRow> {
        self.data.status_row()
    }

    pub fn plan_row(&self) -> Option<&'static RepaymentPlanRow> {
        self.data.plan_row()
    }

    /// Date part of `updated_at` (`None` if it is not RFC 3339-like).
    pub fn updated_date(&self) -> Option<NaiveDate> {
        self.updated_at
            .get(..10)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }

    /// Why this stored loan is outside what the views can compute with, if it is: money over
    /// `MAX_MONEY` or negative, a rate of 100% or more. Every write path refuses such values
    /// now; a loan stored by an older version could still hold one. Within these bounds (and at
    /// most `MAX_LOANS_PER_BORROWER` loans) no total, view or payoff sum can overflow.
    pub fn out_of_bounds(&self) -> Option<String> {
        use crate::rules::limits::{MAX_MONEY, MAX_RATE};
        let d = &self.data;
        let money = [
            ("outstanding_principal", d.outstanding_principal),
            ("outstanding_interest", d.outstanding_interest),
            ("original_principal", d.original_principal),
            ("capitalized_amount", d.capitalized_amount),
            ("monthly_payment", d.monthly_payment),
            ("min_payment", d.min_payment),
            ("last_payment", d.last_payment),
            ("last_statement_balance", d.last_statement_balance),
        ];
        for (field, v) in money {
            if let Some(v) = v.filter(|v| *v > MAX_MONEY || v.is_sign_negative()) {
                return Some(format!(
                    "loan {} holds {field} {v}, outside 0 to {MAX_MONEY}",
                    self.id
                ));
            }
        }
        for (field, v) in [
            ("interest_rate", d.interest_rate),
            ("original_interest_rate", d.original_interest_rate),
        ] {
            if let Some(v) = v.filter(|v| *v >= MAX_RATE || v.is_sign_negative()) {
                return Some(format!(
                    "loan {} holds {field} {v}, outside 0 to under {MAX_RATE}",
                    self.id
                ));
            }
        }
        None
    }

    /// Payoff quote at `quote_date`; see [`payoff_quote`].
    pub fn payoff(&self, quote_date: NaiveDate) -> Result<Payoff, crate::money::Overflow> {
        payoff_quote(self, quote_date)
    }
}

/// True if `new` would not change `existing`: same data, and any identifier
/// `new` carries (`external_id`, `award_id`) is already on `existing`.
/// (`source` is not compared: re-posting the same data is "unchanged".)
pub fn same_data(existing: &Loan, new: &NewLoan) -> bool {
    existing.data == new.data
        && new
            .external_id
            .as_ref()
            .is_none_or(|e| existing.external_id.as_ref() == Some(e))
        && new
            .award_id
            .as_ref()
            .is_none_or(|a| existing.award_id.as_ref() == Some(a))
}

/// The loan `new` updates: same `external_id`, else same `award_id`.
/// Pass only the borrower's loans.
pub fn find_match<'a>(existing: &'a [Loan], new: &NewLoan) -> Option<&'a Loan> {
    let by_external = new
        .external_id
        .as_ref()
        .and_then(|e| existing.iter().find(|l| l.external_id.as_ref() == Some(e)));
    by_external.or_else(|| {
        new.award_id
            .as_ref()
            .and_then(|a| existing.iter().find(|l| l.award_id.as_ref() == Some(a)))
    })
}

/// Upsert: `existing` with `new`'s data. Identity (`id`, `uuid`,
/// `borrower_uuid`, `created_at`) is kept; `external_id`/`award_id` are
/// taken from `new` when it has them; `source` becomes `new.source`.
/// If [`same_data`] holds the result equals `existing` exactly (re-import
/// changes nothing); otherwise `version` is bumped. `updated_at` is left
/// unchanged: use [`merge_into_at`] to stamp it.
pub fn merge_into(existing: &Loan, new: &NewLoan) -> Loan {
    if same_data(existing, new) {
        return existing.clone();
    }
    Loan {
        source: new.source,
        external_id: new
            .external_id
            .clone()
            .or_else(|| existing.external_id.clone()),
        award_id: new.award_id.clone().or_else(|| existing.award_id.clone()),
        version: existing.version + 1,
        data: new.data.clone(),
        ..existing.clone()
    }
}

/// [`merge_into`] that also sets `updated_at = now` when something changed.
pub fn merge_into_at(existing: &Loan, new: &NewLoan, now: &str) -> Loan {
    let mut merged = merge_into(existing, new);
    if merged.version != existing.version {
        merged.updated_at = now.to_owned();
    }
    merged
}
