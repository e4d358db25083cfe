//! The Nexus use cases behind a session: the session view, linking a servicer (with its
//! challenges), saving the assess inputs, and the (what-if) assessment.
//!
//! A link writes the account's loans as PortfolioLoans with `source = nexus`, the link record
//! and the profile fields the servicer knows (only where the borrower's are empty), in one
//! transaction that moves the borrower's version (see `loans::service::add_loans`). Linking the
//! same servicer again updates the same loans (matched by the servicer's loan id) and never
//! duplicates them.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::connector::{self, ChallengeKind, Connector, FailureReason, LinkFailure, LoginOutcome};
use super::session::Workflow;
use super::views::{
    BorrowerUpdate, ChallengeView, LinkResult, NexusFinancial, NexusRepaymentOptions,
    PickerServicer, ProfileView, SandboxUsername, SessionBorrower, SessionView, WhatIf,
};
use super::{epoch, expired, in_seconds, NexusSession, Secret, ServicerAccount};
use crate::borrowers::{self, Mode};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::loans::service::{self, LinkedAccount, LoansBody};
use crate::model::payload::parse_borrower_payload;
use crate::rules::limits;

/// How long a challenge may wait for its answer.
pub const CHALLENGE_SECONDS: i64 = 10 * 60;
const MAX_CREDENTIAL: usize = 256;

/// `linked`, or `needs_attention`: the servicer refused the saved login at a scheduled sync,
/// and the borrower must log in again in Nexus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Linked,
    NeedsAttention,
}

/// A borrower's linked servicer account. Credentials are never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicerLink {
    pub borrower_uuid: Uuid,
    pub client_id: String,
    /// Canonical servicer name (reference table).
    pub servicer: String,
    pub status: LinkStatus,
    /// The connector's opaque reference to re-read the account.
    pub connection_ref: String,
    pub loan_count: usize,
    pub linked_at: String,
    /// The last time the servicer's data was read successfully (the link itself counts).
    pub last_synced_at: String,
    /// When the scheduled sync reads the account next (the sync index's due time).
    pub next_sync_at: String,
    /// The last scheduled sync's attempt and what came of it (none before the first sync).
    #[serde(default)]
    pub last_attempt_at: Option<String>,
    #[serde(default)]
    pub last_sync_outcome: Option<crate::sync::SyncOutcome>,
    /// Failed attempts in a row with the servicer unavailable (drives the backoff).
    #[serde(default)]
    pub sync_failures: u32,
    /// The planner's claim on this link: the one queue message that may sync it. Absent (not
    /// NULL) when unclaimed: the planner's `if_not_exists(sync_claim, ...)` relies on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_claim: Option<String>,
    pub version: u64,
}

/// A challenge waiting for its answer, bound to the session that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChallenge {
    pub session_id: String,
    pub servicer: String,
    pub kind: ChallengeKind,
    pub connection_ref: String,
    pub expires_at: String,
}

impl PendingChallenge {
    pub fn expires_epoch(&self) -> i64 {
        epoch(&self.expires_at)
    }
}

/// The session borrower's date: the sandbox servicers answer as of the borrower's sandbox
/// clock (`POST /sandbox/borrowers/{id}/advance`), like the sandbox enrollments.
async fn borrower_today(ctx: &AppContext, session: &NexusSession) -> Result<NaiveDate, ApiError> {
    Ok(ctx
        .store
        .borrower(&session.tenant(), &session.borrower_ref())
        .await?
        .today_in(session.mode))
}

fn required_text(body: &Map<String, Value>, field: &str, max: usize) -> Result<String, ApiError> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().count() > max {
                Err(ApiError::field(
                    field,
                    format!("must be at most {max} characters"),
                ))
            } else if s.chars().any(char::is_control) {
                Err(ApiError::field(field, "must not hold control characters"))
            } else {
                Ok(s.to_string())
            }
        }
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ApiError::field(field, "is required"))
        }
        Some(_) => Err(ApiError::field(field, "must be a string")),
    }
}

/// `GET /nexus/session`: what the widget shows.
pub async fn session_view(
    ctx: &AppContext,
    session: &NexusSession,
) -> Result<SessionView, ApiError> {
    let coll = ctx
        .store
        .borrower_collection(&session.tenant(), &session.borrower_uuid)
        .await?;
    let b = &coll.borrower;
    let servicers = connector::PICKER
        .iter()
        .filter_map(|n| connector::picker_servicer(n))
        .map(|row| PickerServicer {
            name: row.name,
            aliases: row.aliases,
        })
        .collect();
    // A session reads what its workflow needs: the assess inputs from assess on, the
    // identity, contact and income details and the enrollments in enroll only.
    let assess = session.workflow.allows(Workflow::Assess);
    let enroll = session.workflow.allows(Workflow::Enroll);
    let enrollments = if enroll {
        ctx.store
            .enrollments(&b.uuid)
            .await?
            .iter()
            .rev()
            .map(crate::enrollments::Enrollment::view)
            .collect()
    } else {
        Vec::new()
    };
    Ok(SessionView {
        session_id: session.session_id.clone(),
        mode: session.mode,
        workflow: session.workflow,
        expires_at: session.expires_at.clone(),
        borrower: SessionBorrower {
            uuid: b.uuid,
            first_name: b.first_name.clone(),
            last_name: b.last_name.clone(),
            loan_count: coll.loans.iter().filter(|l| l.is_open()).count(),
            financial: assess.then(|| NexusFinancial::of(b)),
        },
        links: coll.links.iter().map(ServicerLink::view).collect(),
        servicers,
        profile: enroll.then(|| ProfileView::of(b)),
        enrollments,
        sandbox_usernames: (session.mode == crate::model::ClientMode::Sandbox).then(|| {
            connector::SANDBOX_USERNAMES
                .iter()
                .map(|&(username, behaviour)| SandboxUsername {
                    username,
                    behaviour,
                })
                .collect()
        }),
    })
}

/// `POST /nexus/links` `{servicer, username, password}`.
pub async fn link(
    ctx: &AppContext,
    session: &NexusSession,
    body: &Map<String, Value>,
) -> Result<LinkResult, ApiError> {
    session.require(Workflow::Link, "link servicer accounts")?;
    let name = required_text(body, "servicer", 100)?;
    let servicer = connector::picker_servicer(name.trim()).ok_or_else(|| {
        ApiError::field(
            "servicer",
            format!("must be one of {}", connector::PICKER.join(", ")),
        )
    })?;
    let username = required_text(body, "username", MAX_CREDENTIAL)?;
    let password = Secret::new(required_text(body, "password", MAX_CREDENTIAL)?);
    let connector = Connector::for_mode(session.mode);
    let day = borrower_today(ctx, session).await?;
    let outcome = connector.login(servicer, &username, &password, day).await;
    drop(password);
    finish(ctx, session, servicer.name, outcome).await
}

/// `POST /nexus/links/challenge` `{challenge_id, answer}`. A challenge is used once.
pub async fn answer(
    ctx: &AppContext,
    session: &NexusSession,
    body: &Map<String, Value>,
) -> Result<LinkResult, ApiError> {
    let id = required_text(body, "challenge_id", 100)?;
    if !is_challenge_id(&id) {
        return Err(ApiError::field(
            "challenge_id",
            "is not a challenge id: use the `challenge.id` of the link answer, \
             `chl_` and 64 hex digits",
        ));
    }
    let answer = Secret::new(required_text(body, "answer", MAX_CREDENTIAL)?);
    let pending = ctx
        .store
        .take_challenge(&id, &session.session_id)
        .await?
        .filter(|c| c.session_id == session.session_id && !expired(&c.expires_at));
    let Some(pending) = pending else {
        return Ok(LinkResult::failed(&LinkFailure {
            reason: FailureReason::ChallengeExpired,
            message: "This challenge is not open: it has expired, was already answered, or \
                      belongs to another session. Log in again."
                .into(),
            retryable: true,
        }));
    };
    let servicer = connector::picker_servicer(&pending.servicer)
        .ok_or_else(|| ApiError::Internal("challenge for an unknown servicer".into()))?;
    let connector = Connector::for_mode(session.mode);
    let outcome = connector
        .answer(
            servicer,
            pending.kind,
            &pending.connection_ref,
            &answer,
            borrower_today(ctx, session).await?,
        )
        .await;
    finish(ctx, session, servicer.name, outcome).await
}

/// The shape of the ids [`finish`] gives challenges (`crypto::generate_secret("chl_")`).
fn is_challenge_id(id: &str) -> bool {
    id.strip_prefix("chl_").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

async fn finish(
    ctx: &AppContext,
    session: &NexusSession,
    servicer: &str,
    outcome: LoginOutcome,
) -> Result<LinkResult, ApiError> {
    match outcome {
        // A login refused in the widget says nothing of the saved connection (a typo, or
        // another account): the saved link keeps its state. Only the scheduled sync's re-read of
        // the saved connection marks it `needs_attention` (`crate::sync::worker`).
        LoginOutcome::Failed(f) => Ok(LinkResult::failed(&f)),
        LoginOutcome::Challenge {
            kind,
            prompt,
            connection_ref,
        } => {
            let id = crate::crypto::generate_secret("chl_");
            let pending = PendingChallenge {
                session_id: session.session_id.clone(),
                servicer: servicer.to_string(),
                kind,
                connection_ref,
                expires_at: in_seconds(CHALLENGE_SECONDS),
            };
            ctx.store.put_challenge(&id, &pending).await?;
            Ok(LinkResult::Challenge {
                challenge: ChallengeView { id, kind, prompt },
            })
        }
        LoginOutcome::Linked(account) => save_link(ctx, session, servicer, *account).await,
    }
}

async fn save_link(
    ctx: &AppContext,
    session: &NexusSession,
    servicer: &str,
    account: ServicerAccount,
) -> Result<LinkResult, ApiError> {
    let stamp = crate::model::now();
    let interval = crate::sync::interval_for(ctx, &session.client_id).await?;
    let link = ServicerLink {
        borrower_uuid: session.borrower_uuid,
        client_id: session.client_id.clone(),
        servicer: servicer.to_string(),
        status: LinkStatus::Linked,
        connection_ref: account.connection_ref,
        loan_count: account.loans.len(),
        linked_at: stamp.clone(),
        last_synced_at: stamp,
        next_sync_at: in_seconds(interval),
        last_attempt_at: None,
        last_sync_outcome: None,
        sync_failures: 0,
        sync_claim: None,
        version: 1,
    };
    let body = || {
        LoansBody::Linked(Box::new(LinkedAccount {
            loans: account.loans.clone(),
            profile: account.profile.clone(),
            date_of_birth: account.date_of_birth,
            link: link.clone(),
        }))
    };
    // A scheduled sync that committed between our read and our write moves the link's
    // version: read again once and write on top of it, rather than make the borrower retry.
    let tenant = session.tenant();
    let written = match service::add_loans(ctx, &tenant, &session.borrower_ref(), body()).await {
        Err(ApiError::Conflict(_)) => {
            service::add_loans(ctx, &tenant, &session.borrower_ref(), body()).await?
        }
        other => other?,
    };
    let link = written.link.as_ref().unwrap_or(&link);
    Ok(LinkResult::Linked {
        link: link.view(),
        loans_linked: written.loans.len(),
        created: written.created,
        updated: written.updated,
        unchanged: written.unchanged,
        removed: written.removed,
        profile_fields_filled: written.profile_fields_filled.clone(),
    })
}

/// What the widget may change on its borrower: the assess inputs, and (for enroll) the
/// identity, contact and income details a request needs.
pub const EDITABLE: &[&str] = &[
    "agi",
    "spouse_agi",
    "filing_status",
    "family_size",
    "state_of_residence",
    "first_name",
    "last_name",
    "phone",
    "address",
    "date_of_birth",
    "ssn",
    "collecting_unemployment",
    "income_certification",
];

/// What an assess session may change (the rest of [`EDITABLE`] needs an enroll session).
const ASSESS_INPUTS: &[&str] = &[
    "agi",
    "spouse_agi",
    "filing_status",
    "family_size",
    "state_of_residence",
];

/// `PATCH /nexus/borrower`: saves the borrower's corrections, validated like the Borrowers API
/// (the SSN is sealed, an income document stored like `income_certification` on the API).
pub async fn update_financials(
    ctx: &AppContext,
    session: &NexusSession,
    body: &Map<String, Value>,
) -> Result<BorrowerUpdate, ApiError> {
    let mut fields = std::collections::BTreeMap::new();
    for k in body.keys().filter(|k| !EDITABLE.contains(&k.as_str())) {
        fields.insert(
            k.clone(),
            format!(
                "cannot be changed in Nexus; the editable fields are {}",
                EDITABLE.join(", ")
            ),
        );
    }
    ApiError::fields(fields)?;
    // The assess inputs in assess and enroll; the identity, SSN and income document an
    // Enrollment Request needs in enroll only.
    let step = if body.keys().all(|k| ASSESS_INPUTS.contains(&k.as_str())) {
        Workflow::Assess
    } else {
        Workflow::Enroll
    };
    session.require(step, "change these borrower details")?;
    if body.is_empty() {
        // The fields this session may send: the assess inputs, and in enroll all of them.
        let may: &[&str] = if session.workflow.allows(Workflow::Enroll) {
            EDITABLE
        } else {
            ASSESS_INPUTS
        };
        return Err(ApiError::Validation {
            detail: format!(
                "The body names no field to change: send at least one of {}.",
                may.join(", ")
            ),
            fields: Default::default(),
        });
    }
    let patch = parse_borrower_payload(body)?;
    let out = borrowers::update(
        ctx,
        &session.tenant(),
        &session.borrower_ref(),
        patch,
        Mode::Merge,
    )
    .await?;
    Ok(BorrowerUpdate {
        profile: session
            .workflow
            .allows(Workflow::Enroll)
            .then(|| ProfileView::of(&out.borrower)),
        financial: NexusFinancial::of(&out.borrower),
        warnings: out.warnings,
    })
}

/// A plain decimal (`-?\d+(\.\d+)?`) from a query string; nothing else is money.
fn plain_decimal(raw: &str) -> Option<Decimal> {
    crate::money::parse_plain(&Value::String(raw.to_string())).ok()
}

/// `GET /nexus/repayment_options[?agi=&family_size=]`: the assessment today. The overrides are
/// a what-if: they change this answer only and are never saved.
pub async fn repayment_options(
    ctx: &AppContext,
    session: &NexusSession,
    agi: Option<&str>,
    family_size: Option<&str>,
) -> Result<NexusRepaymentOptions, ApiError> {
    session.require(Workflow::Assess, "assess repayment options")?;
    let agi = agi
        .map(|raw| {
            plain_decimal(raw)
                .filter(|d| !d.is_sign_negative() && *d <= limits::MAX_MONEY && d.scale() <= 2)
                .ok_or_else(|| {
                    ApiError::field(
                        "agi",
                        format!(
                            "must be a plain amount from 0 to {} with at most 2 decimals",
                            limits::MAX_MONEY
                        ),
                    )
                })
        })
        .transpose()?;
    let family_size = family_size
        .map(|raw| {
            raw.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=limits::MAX_FAMILY).contains(n))
                .ok_or_else(|| {
                    ApiError::field(
                        "family_size",
                        format!("must be a whole number from 1 to {}", limits::MAX_FAMILY),
                    )
                })
        })
        .transpose()?;
    let (mut input, notes) = match crate::assessment::input_for(
        ctx,
        &session.tenant(),
        &session.borrower_ref(),
        // The borrower's today (the sandbox clock moves it).
        None,
    )
    .await
    {
        // A what-if needs a saved AGI to start from.
        Err(ApiError::Validation { fields, .. }) if agi.is_some() && fields.contains_key("agi") => {
            return Err(ApiError::field(
                "agi",
                "is required for an assessment: save the borrower's AGI first",
            ))
        }
        other => other?,
    };
    if let Some(a) = agi {
        input.household.agi = a;
    }
    if let Some(n) = family_size {
        // RAP counts dependents, the other plans the family size: a what-if family moves
        // both by the same number of people, so an unchanged size changes nothing.
        let saved = input.household.family_size;
        input.household.dependents = if n >= saved {
            input.household.dependents + (n - saved)
        } else {
            input.household.dependents.saturating_sub(saved - n)
        };
        input.household.family_size = n;
    }
    let mut assessment =
        crate::rules::assess(&input).map_err(|e| crate::assessment::rules_error(&input, e))?;
    assessment.assumptions.extend(notes);
    let what_if = (agi.is_some() || family_size.is_some()).then(|| WhatIf {
        agi: agi.map(crate::money::string),
        family_size,
        saved: false,
    });
    Ok(NexusRepaymentOptions {
        assessment,
        what_if,
    })
}

/// `POST /nexus/enrollments` `{repayment_plan, signature, cursive_signature}`: the enroll
/// workflow's request, for the session's borrower, through the same use case as the API.
pub async fn enroll(
    ctx: &AppContext,
    session: &NexusSession,
    body: &Map<String, Value>,
    idempotency: Option<(&str, String)>,
) -> Result<crate::enrollments::service::Created, ApiError> {
    session.require(Workflow::Enroll, "file an Enrollment Request")?;
    crate::enrollments::service::create(
        ctx,
        &session.tenant(),
        &session.borrower_ref(),
        body,
        idempotency,
        "Nexus",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::plain_decimal;

    #[test]
    fn what_if_money_is_plain_decimals_only() {
        assert_eq!(plain_decimal("55000").unwrap().to_string(), "55000");
        assert_eq!(plain_decimal("55000.5").unwrap().to_string(), "55000.5");
        for bad in [
            "", "1e5", "$1000", "1,000", "1_000", "1.", ".5", "abc", "1.000,50",
        ] {
            assert_eq!(plain_decimal(bad), None, "{bad}");
        }
    }
}
