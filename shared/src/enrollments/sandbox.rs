//! The sandbox's test helpers for Enrollment Requests (sandbox clients only; a live client
//! gets a 404, as if the routes did not exist):
//! - `POST /api/v1/sandbox/borrowers/{id}/advance` moves the borrower's clock, and everything
//!   due by then happens (submissions, completion, approval);
//! - `POST /api/v1/sandbox/borrowers/{id}/enrollments/{enrollment_id}/status` does what only a
//!   servicer would: asks for attention, refuses the request, or takes it up again.
//!
//! Both write as every enrollment change does (`service::commit_moves`): one transaction with
//! the webhook events, so a client can test its handling of every status.

use serde_json::{Map, Value};

use super::lifecycle;
use super::service::{commit_moves, commit_one, find, progress_all, read, reason_field};
use super::{Enrollment, Status};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::payload::BorrowerRef;
use crate::model::{now, ClientMode, Tenant};
use crate::store::TxError;

/// These routes do not exist for a live client: a 404, as for any unknown route.
fn sandbox_only(tenant: &Tenant) -> Result<(), ApiError> {
    match tenant.mode {
        ClientMode::Sandbox => Ok(()),
        ClientMode::Live => Err(ApiError::NotFound("Not found.".into())),
    }
}

/// The most days one `advance` moves the clock.
const MAX_DAYS: i64 = 366;

/// `POST /api/v1/sandbox/borrowers/{id}/advance` `{"days": N}`: moves the borrower's sandbox
/// clock forward and applies everything due by then. Live clients get a 404: the route does
/// not exist for them.
pub async fn advance(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    body: &Map<String, Value>,
) -> Result<SandboxAdvance, ApiError> {
    sandbox_only(tenant)?;
    crate::http::body_only(body, &["days"])?;
    if body.get("days").is_none_or(Value::is_null) {
        return Err(ApiError::field(
            "days",
            format!("is required: how many days to move the sandbox clock ahead, 0 to {MAX_DAYS}"),
        ));
    }
    let days = body
        .get("days")
        .and_then(|v| v.as_number().and_then(crate::model::payload::whole_number))
        .filter(|d| (0..=MAX_DAYS).contains(d))
        .ok_or_else(|| {
            ApiError::field(
                "days",
                format!("must be a whole number of days from 0 to {MAX_DAYS}"),
            )
        })?;
    let coll = ctx.store.borrower_collection_by_ref(tenant, r).await?;
    let uuid = coll.borrower.uuid;
    let list = ctx.store.enrollments(&uuid).await?;
    let mut b = coll.borrower.clone();
    // Never past the last date the engine assesses, so an assessment on the borrower's today
    // still answers.
    let last = (crate::rules::limits::AS_OF_LATEST - chrono::Utc::now().date_naive()).num_days();
    // A jump that cannot move the clock at all is refused, not answered as if it had moved;
    // the clock never goes back (`max`), even as the real date nears the last one.
    if days > 0 && b.sandbox_clock_days >= last {
        return Err(ApiError::field(
            "days",
            format!(
                "cannot move the clock: the borrower's sandbox date is already {}, the last date the engine assesses",
                crate::rules::limits::AS_OF_LATEST
            ),
        ));
    }
    b.sandbox_clock_days = b
        .sandbox_clock_days
        .saturating_add(days)
        .min(last)
        .max(coll.borrower.sandbox_clock_days);
    b.version += 1;
    b.updated_at = now();
    let today = b.today_in(tenant.mode);
    let (out, moved) = progress_all(list, today);
    match commit_moves(ctx, &coll, &moved, Some(&b)).await {
        Ok(events) => crate::webhooks::publish(ctx, &events).await,
        Err(TxError::Conflict(_)) => {
            return Err(ApiError::Conflict(
                "The borrower changed while this request ran; nothing moved. Please retry.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    // The linked servicers answer as of the new date: the next scheduled sync reads them.
    let links_due = if coll.links.is_empty() || days == 0 {
        0
    } else {
        crate::sync::make_due(ctx, &uuid).await?
    };
    Ok(SandboxAdvance {
        borrower: crate::model::BorrowerIds {
            id: b.id,
            uuid: b.uuid,
        },
        sandbox_clock: SandboxClock {
            days_ahead: b.sandbox_clock_days,
            today,
        },
        links_due_for_sync: links_due,
        enrollments: out.iter().rev().map(Enrollment::view).collect(),
    })
}

/// `POST /sandbox/borrowers/{id}/advance`'s answer: the borrower's state after the jump.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SandboxAdvance {
    pub borrower: crate::model::BorrowerIds,
    pub sandbox_clock: SandboxClock,
    /// How many of the borrower's linked servicer accounts the next scheduled sync reads
    /// again, as of the new date.
    pub links_due_for_sync: usize,
    /// The borrower's Enrollment Requests after everything due by the new date, newest first.
    pub enrollments: Vec<super::EnrollmentView>,
}

/// The borrower's sandbox clock.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SandboxClock {
    /// Days ahead of the real date.
    pub days_ahead: i64,
    /// The borrower's date.
    pub today: chrono::NaiveDate,
}

/// What `POST .../enrollments/{enrollment_id}/status` may ask for: what a servicer would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Servicer {
    /// The servicer needs something from the borrower: the request waits (`needs_attention`).
    NeedsAttention,
    /// The servicer refused the request: it ends (`unprocessable`, final).
    Unprocessable,
    /// The servicer has what it needed: the request goes back to where it was and carries on.
    Resolved,
}

/// The `status` values the route takes, in the order the document lists them.
const SERVICER_ACTIONS: [(&str, Servicer); 3] = [
    ("needs_attention", Servicer::NeedsAttention),
    ("unprocessable", Servicer::Unprocessable),
    ("resolved", Servicer::Resolved),
];

/// The `status` values the route takes (the OpenAPI document lists them from here).
pub fn sandbox_statuses() -> Vec<&'static str> {
    SERVICER_ACTIONS.iter().map(|(name, _)| *name).collect()
}

impl Servicer {
    fn parse(v: Option<&Value>) -> Result<Self, ApiError> {
        let list = sandbox_statuses().join(", ");
        match v {
            None | Some(Value::Null) => Err(ApiError::field(
                "status",
                format!("is required: one of {list}"),
            )),
            Some(Value::String(s)) => SERVICER_ACTIONS
                .iter()
                .find(|(name, _)| name == s)
                .map(|(_, action)| *action)
                .ok_or_else(|| ApiError::field("status", format!("must be one of {list}"))),
            Some(_) => Err(ApiError::field("status", format!("must be one of {list}"))),
        }
    }

    fn default_reason(self) -> &'static str {
        match self {
            Servicer::NeedsAttention => {
                "The servicer needs more information from the borrower (sandbox)."
            }
            Servicer::Unprocessable => "The servicer could not process the request (sandbox).",
            Servicer::Resolved => {
                "The servicer has what it needed; the request carries on (sandbox)."
            }
        }
    }
}

/// The status a `needs_attention` request goes back to when it is resolved: the one it left.
fn before_attention(e: &Enrollment) -> Option<Status> {
    e.history
        .iter()
        .rev()
        .find(|c| c.to == Status::NeedsAttention)
        .and_then(|c| c.from)
}

/// `POST /api/v1/sandbox/borrowers/{id}/enrollments/{enrollment_id}/status`
/// `{"status": "needs_attention" | "unprocessable" | "resolved", "reason"?}` -> the Enrollment
/// after the change, with its `enrollment.status_changed` event sent. A change the lifecycle
/// does not allow (from a final status, or `resolved` of a request that needs no attention) is
/// a 409 that says why, and changes nothing.
pub async fn set_status(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    wanted: &str,
    body: &Map<String, Value>,
) -> Result<super::EnrollmentView, ApiError> {
    sandbox_only(tenant)?;
    crate::http::body_only(body, &["status", "reason"])?;
    let what = Servicer::parse(body.get("status"))?;
    let reason = reason_field(body, what.default_reason())?;
    let (coll, list) = read(ctx, tenant, r).await?;
    let current = find(&list, wanted)?;
    let to = match what {
        Servicer::NeedsAttention => Status::NeedsAttention,
        Servicer::Unprocessable => Status::Unprocessable,
        Servicer::Resolved => match (current.status, before_attention(current)) {
            (Status::NeedsAttention, Some(back)) => back,
            _ => {
                return Err(ApiError::Conflict(format!(
                    "Enrollment {} is {}: only one that needs attention can be resolved.",
                    current.id,
                    current.status.as_str()
                )))
            }
        },
    };
    let mut next = current.clone();
    // One reading of the borrower's clock, for the change's time and for what falls due.
    let clock = coll.borrower.clock_in(tenant.mode);
    let change = lifecycle::transition(&mut next, to, reason, &crate::model::stamp_of(clock))
        .map_err(|_| {
            ApiError::Conflict(format!(
                "Enrollment {} is {}: it cannot become {}{}.",
                current.id,
                current.status.as_str(),
                to.as_str(),
                if current.status.is_open() {
                    ""
                } else {
                    " (its status is final)"
                }
            ))
        })?;
    let mut changes = vec![change];
    // Carried on: what fell due while it waited happens now, in this same write, so the answer
    // and the webhooks show it at once.
    if what == Servicer::Resolved {
        changes.extend(lifecycle::progress(&mut next, clock.date_naive()));
    }
    commit_one(ctx, &coll, current.version, next, changes).await
}
