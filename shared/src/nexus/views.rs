//! What the Nexus routes answer, as typed views: each is written through its `Serialize` and
//! documented through its `JsonSchema` (the OpenAPI document derives them), so a field added to
//! or taken from an answer changes the contract with it.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::connector::{ChallengeKind, FailureReason, LinkFailure};
use super::link::{LinkStatus, ServicerLink};
use super::session::Workflow;
use crate::enrollments::EnrollmentView;
use crate::model::{Borrower, ClientMode};
use crate::sync::SyncOutcome;

type Stamp = chrono::DateTime<chrono::Utc>;

/// A linked servicer account (Loanpath addition): its state and when it last synced.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Link")]
pub struct LinkView {
    /// The servicer's name (as `servicer.name`).
    pub servicer: String,
    pub status: LinkStatus,
    /// The open loans the servicer account holds.
    pub loan_count: usize,
    #[schemars(with = "Stamp")]
    pub linked_at: String,
    #[schemars(with = "Stamp")]
    pub last_synced_at: String,
    /// The scheduled sync's last try; `null` until the first.
    #[schemars(with = "Option<Stamp>")]
    pub last_attempt_at: Option<String>,
    /// What the last scheduled sync came to; `null` until the first.
    pub last_sync_outcome: Option<SyncOutcome>,
    #[schemars(with = "Stamp")]
    pub next_sync_at: String,
}

impl ServicerLink {
    pub fn view(&self) -> LinkView {
        LinkView {
            servicer: self.servicer.clone(),
            status: self.status,
            loan_count: self.loan_count,
            linked_at: self.linked_at.clone(),
            last_synced_at: self.last_synced_at.clone(),
            last_attempt_at: self.last_attempt_at.clone(),
            last_sync_outcome: self.last_sync_outcome,
            next_sync_at: self.next_sync_at.clone(),
        }
    }
}

/// `POST /nexus/links` and `POST /nexus/links/challenge`: the login's outcome, by `status`.
/// A refused login or answer is a 200 with `status: failed` (the widget shows the message);
/// a challenge is answered at `POST /nexus/links/challenge` (it may ask another).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
#[schemars(rename = "NexusLinkResult", deny_unknown_fields)]
pub enum LinkResult {
    /// The servicer refused the login or the answer.
    Failed {
        reason: FailureReason,
        /// What to tell the borrower.
        message: String,
        /// Whether trying again can work (a typo, a servicer that was down).
        retryable: bool,
    },
    /// The servicer asks a question or sends a code first.
    Challenge { challenge: ChallengeView },
    /// The account is linked and its loans are in the borrower's portfolio.
    Linked {
        link: LinkView,
        /// The account's open loans now in the portfolio.
        loans_linked: usize,
        /// Loans new to the portfolio.
        created: usize,
        /// Loans already in the portfolio (from an earlier link) whose data changed.
        updated: usize,
        /// Loans already in the portfolio with the same data.
        unchanged: usize,
        /// Loans of an earlier link to this servicer that this account no longer holds.
        removed: usize,
        /// The borrower's empty profile fields that the servicer filled in.
        profile_fields_filled: Vec<&'static str>,
    },
}

impl LinkResult {
    pub fn failed(f: &LinkFailure) -> Self {
        LinkResult::Failed {
            reason: f.reason,
            message: f.message.clone(),
            retryable: f.retryable,
        }
    }
}

/// A challenge to answer within ten minutes, once.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusChallenge")]
pub struct ChallengeView {
    /// `chl_` and 64 hex digits: send it back as `challenge_id`.
    #[schemars(regex(pattern = r"^chl_[0-9a-f]{64}$"))]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ChallengeKind,
    /// What to show the borrower.
    pub prompt: String,
}

/// `GET /nexus/session`: what the widget shows, trimmed to what the session's workflow needs.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusSession")]
pub struct SessionView {
    pub session_id: String,
    pub mode: ClientMode,
    pub workflow: Workflow,
    #[schemars(with = "Stamp")]
    pub expires_at: String,
    pub borrower: SessionBorrower,
    /// The borrower's linked servicer accounts.
    pub links: Vec<LinkView>,
    /// The servicers the widget offers to link.
    pub servicers: Vec<PickerServicer>,
    /// The enroll step's prefill; `null` unless the session is for the enroll workflow.
    pub profile: Option<ProfileView>,
    /// The borrower's Enrollment Requests, newest first; empty unless the session is for the
    /// enroll workflow.
    pub enrollments: Vec<EnrollmentView>,
    /// Sandbox sessions only: the reserved usernames and what each does.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<SandboxUsername>")]
    pub sandbox_usernames: Option<Vec<SandboxUsername>>,
}

/// The session's borrower.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusSessionBorrower")]
pub struct SessionBorrower {
    pub uuid: Uuid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The borrower's open loans.
    pub loan_count: usize,
    /// The assess inputs; `null` in a link session.
    pub financial: Option<NexusFinancial>,
}

/// The assess inputs as the widget shows them.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NexusFinancial {
    #[schemars(with = "Option<crate::money::MoneyText>")]
    pub agi: Option<String>,
    #[schemars(with = "Option<crate::money::MoneyText>")]
    pub spouse_agi: Option<String>,
    #[schemars(with = "crate::model::FilingStatusName")]
    pub filing_status: &'static str,
    #[schemars(range(min = 1))]
    pub family_size: u32,
    /// The state of residence, else the mailing address's state.
    pub state_of_residence: Option<String>,
}

impl NexusFinancial {
    pub fn of(b: &Borrower) -> Self {
        let f = &b.financial;
        NexusFinancial {
            agi: f.agi.map(crate::money::string),
            spouse_agi: f.spouse_agi.map(crate::money::string),
            filing_status: f.filing_status().as_str(),
            family_size: f.family_size(),
            state_of_residence: f
                .state_of_residence
                .clone()
                .or_else(|| b.address.as_ref().and_then(|a| a.state.clone())),
        }
    }
}

/// A servicer the widget offers, with the other names borrowers know it by.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusServicer")]
pub struct PickerServicer {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
}

/// A reserved sandbox username.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusSandboxUsername")]
pub struct SandboxUsername {
    pub username: &'static str,
    /// What logging in with it does.
    pub behaviour: &'static str,
}

/// `POST /nexus/sessions` (201): the session token is shown here once.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusSessionCreated")]
pub struct SessionCreated<'a> {
    /// The bearer token for the other `/nexus` routes (30 minutes).
    pub session_token: &'a str,
    pub session_id: &'a str,
    #[schemars(with = "Stamp")]
    pub expires_at: &'a str,
    pub mode: ClientMode,
    pub workflow: Workflow,
    pub borrower: ResolvedBorrower,
}

/// The borrower a page or a token named: fetched, or created for a new external id.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusBorrowerRef")]
pub struct ResolvedBorrower {
    pub uuid: Uuid,
    /// Whether this call created the borrower (a new external id).
    pub created: bool,
}

/// `POST /api/v1/nexus/tokens` (201): a single-use init token, shown once.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusToken")]
pub struct TokenView {
    /// `nxt_`...: hand it to the page, which starts a session with it.
    pub token: String,
    #[schemars(with = "Stamp")]
    pub expires_at: String,
    /// The one workflow the token opens, or `null` for any.
    pub workflow: Option<Workflow>,
    pub borrower: ResolvedBorrower,
}

/// `PATCH /nexus/borrower`: the borrower's details after the change.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusBorrowerUpdate")]
pub struct BorrowerUpdate {
    /// The enroll step's prefill after the change; `null` unless the session is for the
    /// enroll workflow (an assess session never reads the identity and contact details).
    pub profile: Option<ProfileView>,
    pub financial: NexusFinancial,
    /// Inputs that were accepted but change nothing, in words.
    pub warnings: Vec<String>,
}

/// The enroll step's prefill: what the borrower may confirm or correct. The SSN itself never
/// leaves: only whether one is on file.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusProfile")]
pub struct ProfileView {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    /// The mailing address (every part `null` when none is on file).
    pub address: crate::model::Address,
    pub date_of_birth: Option<NaiveDate>,
    /// Whether an SSN is on file.
    pub has_ssn: bool,
    pub collecting_unemployment: bool,
    /// The income documents on file, newest first.
    pub income_certifications: Vec<ProfileCertification>,
}

impl ProfileView {
    pub fn of(b: &Borrower) -> Self {
        ProfileView {
            first_name: b.first_name.clone(),
            last_name: b.last_name.clone(),
            phone: b.phone.clone(),
            address: b.address.clone().unwrap_or_default(),
            date_of_birth: b.date_of_birth,
            has_ssn: b.ssn_sealed.is_some(),
            collecting_unemployment: b.collecting_unemployment.unwrap_or(false),
            income_certifications: b
                .income_certifications
                .iter()
                .rev()
                .map(|c| ProfileCertification {
                    id: c.id,
                    kind: c.kind.clone(),
                    inserted_at: c.inserted_at.clone(),
                })
                .collect(),
        }
    }
}

/// One income document on file (its content is never returned).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusProfileIncomeCertification")]
pub struct ProfileCertification {
    pub id: i64,
    #[serde(rename = "type")]
    #[schemars(with = "crate::model::IncomeDocumentTypeName")]
    pub kind: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`, as Payitoff writes it.
    pub inserted_at: String,
}

/// `GET /nexus/repayment_options`: the assessment, and the what-if it answers when the widget
/// sent one.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NexusRepaymentOptions {
    #[serde(flatten)]
    pub assessment: crate::rules::Assessment,
    /// Present only when `agi` or `family_size` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "WhatIf")]
    pub what_if: Option<WhatIf>,
}

/// The overrides a what-if answer used; they are never saved.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "NexusWhatIf")]
pub struct WhatIf {
    /// The AGI assumed, as a decimal string with 2 decimals; `null` when not overridden.
    pub agi: Option<String>,
    /// The family size assumed; `null` when not overridden.
    #[schemars(range(min = 1))]
    pub family_size: Option<u32>,
    /// Always `false`: a what-if changes this answer only.
    pub saved: bool,
}
