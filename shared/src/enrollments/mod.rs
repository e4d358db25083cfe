//! Enrollment Requests: a borrower asks to move their loans to a repayment plan, and we file
//! it with each servicer.
//!
//! * this file: the Enrollment and its status, with Payitoff's types and descriptions, the
//!   servicer submissions and the history;
//! * [`lifecycle`]: the legal transitions and the sandbox's deterministic schedule;
//! * [`preconditions`]: every documented reason an enrollment is refused (409);
//! * [`service`]: the use cases (create with an `Idempotency-Key`, list, get, cancel, the
//!   sandbox clock) behind `/api/v1/borrowers/{id}/enrollments` and
//!   `/api/v1/sandbox/borrowers/{id}/advance`.

pub mod lifecycle;
pub mod preconditions;
pub mod sandbox;
pub mod service;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where an Enrollment Request stands (Payitoff's EnrollmentStatus types): `pending`
/// (submission in progress), `partially_submitted` (submitted to some servicers; it becomes
/// `complete` once every servicer has it, the next day in the sandbox), `complete` (submitted; the servicers confirm the new payment by letter),
/// `approved`, `needs_attention`, `unprocessable` or `cancelled`. `approved`, `unprocessable`
/// and `cancelled` are final; the others are open, and an open request blocks another one for
/// the borrower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "EnrollmentStatusType")]
pub enum Status {
    Pending,
    PartiallySubmitted,
    Complete,
    Approved,
    NeedsAttention,
    Unprocessable,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::PartiallySubmitted,
        Status::Complete,
        Status::Approved,
        Status::NeedsAttention,
        Status::Unprocessable,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::PartiallySubmitted => "partially_submitted",
            Status::Complete => "complete",
            Status::Approved => "approved",
            Status::NeedsAttention => "needs_attention",
            Status::Unprocessable => "unprocessable",
            Status::Cancelled => "cancelled",
        }
    }

    /// The documented descriptions (payitoff-v1-surface 1.4, EnrollmentStatus).
    pub fn description(self) -> &'static str {
        match self {
            Status::Pending => "Submission in Progress",
            Status::PartiallySubmitted => "Submitted to some but not yet all servicers",
            Status::Complete => "Submission Complete. Look for a letter from your servicer confirming your updated monthly payment.",
            Status::Approved => "Submission Approved",
            Status::NeedsAttention => "Submission Needs Attention",
            Status::Unprocessable => "Submission Unprocessable",
            Status::Cancelled => "Submission Cancelled",
        }
    }

    /// Still moving: an open enrollment blocks another one for the borrower.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Pending
                | Status::PartiallySubmitted
                | Status::Complete
                | Status::NeedsAttention
        )
    }
}

/// Where one servicer's part of the request stands: `pending` (not sent yet), `submitted`,
/// `approved` or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "EnrollmentServicerStatus")]
pub enum SubmissionStatus {
    Pending,
    Submitted,
    Approved,
    Cancelled,
}

/// The loans of one servicer that the request covers, and where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub servicer: String,
    pub loans: Vec<Uuid>,
    pub status: SubmissionStatus,
    pub submitted_at: Option<String>,
    pub updated_at: String,
}

/// One status change, kept for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "EnrollmentChange")]
pub struct Change {
    /// The status before; `null` for the request's creation.
    pub from: Option<Status>,
    pub to: Status,
    /// When it changed (the borrower's sandbox clock in the sandbox).
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub at: String,
    /// Why, in words.
    pub reason: String,
}

/// A stored Enrollment Request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub id: i64,
    pub uuid: Uuid,
    pub borrower_uuid: Uuid,
    pub client_id: String,
    /// The plan's `repayment_plan.type` (`rap`, `ibr`, ...).
    pub plan: String,
    pub plan_description: String,
    pub signature: bool,
    pub cursive_signature: bool,
    pub status: Status,
    pub status_updated_at: String,
    pub created_at: String,
    /// The borrower's date (sandbox clock applied) when it was created: the schedule's day 0.
    pub created_on: NaiveDate,
    pub estimated_approval_date: NaiveDate,
    pub submissions: Vec<Submission>,
    pub history: Vec<Change>,
    pub version: u64,
    /// The plan's first monthly payment for the loans the request covers, as the assessment
    /// gave it when the request was made: an approval sets it on those loans, as a servicer
    /// would (none on requests made before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_payment: Option<rust_decimal::Decimal>,
}

impl Enrollment {
    /// Payitoff's Enrollment, plus the loans by servicer, the history and the borrower.
    pub fn view(&self) -> EnrollmentView {
        EnrollmentView {
            id: self.id,
            uuid: self.uuid,
            created_at: self.created_at.clone(),
            estimated_approval_date: self.estimated_approval_date,
            repayment_plan: PlanRef {
                description: self.plan_description.clone(),
                plan_type: self.plan.clone(),
            },
            status: StatusView::of(self.status, &self.status_updated_at),
            signature: self.signature,
            cursive_signature: self.cursive_signature,
            borrower_uuid: self.borrower_uuid,
            servicers: self
                .submissions
                .iter()
                .map(|s| SubmissionView {
                    name: s.servicer.clone(),
                    status: s.status,
                    submitted_at: s.submitted_at.clone(),
                    updated_at: s.updated_at.clone(),
                    loans: s.loans.clone(),
                })
                .collect(),
            history: self.history.clone(),
        }
    }

    /// Every loan the request covers.
    pub fn loan_uuids(&self) -> impl Iterator<Item = &Uuid> {
        self.submissions.iter().flat_map(|s| s.loans.iter())
    }
}

/// An Enrollment Request as the API writes it: Payitoff's Enrollment, plus the loans by
/// servicer, the history and the borrower.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Enrollment")]
pub struct EnrollmentView {
    pub id: i64,
    pub uuid: Uuid,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub created_at: String,
    /// When the servicers are expected to have approved it (the sandbox's schedule).
    pub estimated_approval_date: NaiveDate,
    pub repayment_plan: PlanRef,
    pub status: StatusView,
    pub signature: bool,
    pub cursive_signature: bool,
    pub borrower_uuid: Uuid,
    /// The loans the request covers, by servicer, and where each servicer's part stands.
    pub servicers: Vec<SubmissionView>,
    /// Every status change, oldest first.
    pub history: Vec<Change>,
}

/// The repayment plan an Enrollment Request moves the loans to.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "EnrollmentPlan")]
pub struct PlanRef {
    pub description: String,
    /// The plan's `repayment_plan.type` in the Repayment Options.
    #[serde(rename = "type")]
    #[schemars(with = "crate::rules::PlanType")]
    pub plan_type: String,
}

/// Payitoff's EnrollmentStatus: the type, its description in words, and when it was set.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "EnrollmentStatus")]
pub struct StatusView {
    #[serde(rename = "type")]
    pub status: Status,
    pub description: &'static str,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub updated_at: String,
}

impl StatusView {
    pub fn of(status: Status, updated_at: &str) -> Self {
        StatusView {
            status,
            description: status.description(),
            updated_at: updated_at.to_string(),
        }
    }
}

/// One servicer's part of an Enrollment Request.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "EnrollmentServicer")]
pub struct SubmissionView {
    /// The servicer's name (as `servicer.name`).
    pub name: String,
    pub status: SubmissionStatus,
    /// When it was sent; `null` while it is not.
    #[schemars(with = "Option<chrono::DateTime<chrono::Utc>>")]
    pub submitted_at: Option<String>,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub updated_at: String,
    /// The loans' uuids.
    pub loans: Vec<Uuid>,
}

impl SubmissionView {
    /// The part as it stood at `at` (a change applied with later ones in one go): a step
    /// after `at` is undone, back to `submitted` (when it was sent by then) or `pending` (as
    /// created at `created_at`). A part moves pending -> submitted -> approved or cancelled,
    /// and its `updated_at` is its last step.
    pub fn as_of(mut self, at: &str, created_at: &str) -> Self {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
        let Some(at_t) = t(at) else { return self };
        if t(&self.updated_at).is_none_or(|u| u <= at_t) {
            return self;
        }
        match self.submitted_at.clone() {
            Some(sent) if t(&sent).is_some_and(|s| s <= at_t) => {
                self.status = SubmissionStatus::Submitted;
                self.updated_at = sent;
            }
            _ => {
                self.status = SubmissionStatus::Pending;
                self.submitted_at = None;
                self.updated_at = created_at.to_string();
            }
        }
        self
    }
}

/// `GET /borrowers/{id}/enrollments`: newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EnrollmentList {
    pub enrollments: Vec<EnrollmentView>,
}
