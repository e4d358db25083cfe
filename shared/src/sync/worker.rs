//! One link's sync: read the account through the connector, apply the changes, move the link
//! on. Idempotent: only the message holding the link's current claim may commit, and the
//! commit clears the claim, so a redelivered message or a second worker on the same link
//! changes nothing.
//!
//! The writes for one link are one transaction when they fit (up to [`SyncOptions::chunk`]
//! loans). More are written in chunks, each checked against the claim; the last chunk holds
//! the link. A run that dies between chunks leaves the claim in place, and the retry (the same
//! message, redelivered) reads the loans again: the ones already written are unchanged, so it
//! writes only the rest. No loan is lost or duplicated.
//!
//! Races: a loan write is conditional on the loan's version, the link write on its version and
//! the claim, and the borrower must still exist (and not be being deleted). A conflict re-reads
//! and tries again, so a sync racing an API write never loses either one. The sync does not
//! move the borrower's version: a profile update never conflicts with a sync.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use uuid::Uuid;

use super::changes::{changes, Changes};
use super::{after, backoff_seconds, SyncMessage, SyncOutcome, ATTENTION_RETRY_SECONDS};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::Tenant;
use crate::nexus::connector::{self, Connector, FailureReason, LinkFailure};
use crate::nexus::link::{LinkStatus, ServicerLink};
use crate::store::loans::BorrowerCollection;
use crate::store::{keys, loans as loan_items, nexus as link_items, Tx, TxError};
use crate::webhooks::Event;

/// A hook the tests use to act between the read and the commit (a racing API write).
pub type Hook = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// How a sync writes. The defaults are what the functions use.
#[derive(Clone)]
pub struct SyncOptions {
    /// Loans per transaction (a transaction holds 100 items: the loans, the borrower check,
    /// the link and up to two events).
    pub chunk: usize,
    /// Fault injection (tests, the benchmark's fault run): fail after this many committed
    /// chunks, as a worker killed mid-way would.
    pub fail_after_chunks: Option<usize>,
    /// Runs once, after the first read and before the first commit.
    pub before_commit: Option<Hook>,
    /// Conflicts retried in-process before the message is handed back to the queue.
    pub attempts: usize,
    /// The invocation's deadline: a link not synced by then is handed back to the queue.
    pub deadline: Option<std::time::Instant>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            chunk: 96,
            fail_after_chunks: None,
            before_commit: None,
            attempts: 4,
            deadline: None,
        }
    }
}

/// What one message did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkReport {
    pub borrower_uuid: Uuid,
    pub servicer: String,
    /// `None` when the message was skipped.
    pub outcome: Option<SyncOutcome>,
    /// Why nothing was done: `duplicate` (the claim is no longer this message's), `gone`.
    pub skipped: Option<&'static str>,
    pub created: usize,
    pub updated: usize,
    pub closed: usize,
    pub unchanged: usize,
    pub events: Vec<String>,
    pub attempts: usize,
    /// Servicer loans without an id to match them by (never created: they would be again on
    /// every sync).
    pub skipped_unkeyed: usize,
    /// New servicer loans not created because the borrower holds the most loans allowed.
    pub skipped_over_cap: usize,
    /// Time the sync took, microseconds.
    pub elapsed_us: u64,
}

impl LinkReport {
    fn new(m: &SyncMessage) -> Self {
        LinkReport {
            borrower_uuid: m.borrower_uuid,
            servicer: m.servicer.clone(),
            outcome: None,
            skipped: None,
            created: 0,
            updated: 0,
            closed: 0,
            unchanged: 0,
            events: Vec::new(),
            attempts: 0,
            skipped_unkeyed: 0,
            skipped_over_cap: 0,
            elapsed_us: 0,
        }
    }

    fn skip(mut self, why: &'static str, attempt: usize) -> Self {
        self.skipped = Some(why);
        self.attempts = attempt;
        self
    }
}

enum Step {
    Done(LinkReport),
    /// A condition failed: read again and retry.
    Retry,
}

/// Syncs the link a message names.
pub async fn sync_link(
    ctx: &AppContext,
    m: &SyncMessage,
    opts: &SyncOptions,
) -> Result<LinkReport, ApiError> {
    let started = std::time::Instant::now();
    sync_link_inner(ctx, m, opts).await.map(|mut r| {
        r.elapsed_us = started.elapsed().as_micros() as u64;
        r
    })
}

async fn sync_link_inner(
    ctx: &AppContext,
    m: &SyncMessage,
    opts: &SyncOptions,
) -> Result<LinkReport, ApiError> {
    let client = match super::client_settings(ctx, &m.client_id).await {
        Ok(c) => c,
        // The client is gone: its links leave the schedule.
        Err(ApiError::NotFound(_)) => return gone(ctx, m, 0).await,
        Err(e) => return Err(e),
    };
    let tenant = Tenant {
        client_id: m.client_id.clone(),
        mode: client.mode,
    };
    let mut hook = opts.before_commit.clone();
    for attempt in 1..=opts.attempts.max(1) {
        let coll = match ctx
            .store
            .borrower_collection(&tenant, &m.borrower_uuid)
            .await
        {
            Ok(c) => c,
            // Deleted (or being deleted): whatever is left of its links leaves the schedule.
            Err(ApiError::NotFound(_)) => return gone(ctx, m, attempt).await,
            Err(e) => return Err(e),
        };
        let Some(link) = coll.links.iter().find(|l| l.servicer == m.servicer) else {
            return Ok(LinkReport::new(m).skip("gone", attempt));
        };
        if link.sync_claim.as_deref() != Some(m.claim.as_str()) {
            return Ok(LinkReport::new(m).skip("duplicate", attempt));
        }
        let today = coll.borrower.today_in(client.mode);
        let fetched = match connector::picker_servicer(&link.servicer) {
            Some(servicer) => {
                Connector::for_mode(client.mode)
                    .fetch(servicer, &link.connection_ref, today)
                    .await
            }
            // A servicer no longer offered: nothing can read it (recorded, retried daily).
            None => Err(LinkFailure {
                reason: FailureReason::NoConnector,
                message: format!("{} is no longer a supported servicer", link.servicer),
                retryable: false,
            }),
        };
        if let Some(h) = hook.take() {
            h().await;
        }
        let mut report = LinkReport::new(m);
        report.attempts = attempt;
        let step = match fetched {
            Ok(account) => {
                let stamp = crate::model::now();
                let mut c = changes(&coll.loans, &link.servicer, account.loans, today, &stamp);
                // A borrower holds at most MAX_LOANS_PER_BORROWER loans: new ones beyond it wait.
                let room =
                    crate::loans::service::MAX_LOANS_PER_BORROWER.saturating_sub(coll.loans.len());
                if c.create.len() > room {
                    tracing::warn!(borrower = %coll.borrower.uuid, over = c.create.len() - room, "loan cap reached; new loans not created");
                    report.skipped_over_cap = c.create.len() - room;
                    c.create.truncate(room);
                }
                let mut next = link.clone();
                next.loan_count = c.create.len() + c.update.len() + c.unchanged;
                next.connection_ref = account.connection_ref;
                apply(
                    ctx,
                    &coll,
                    link,
                    next,
                    c,
                    client.interval_seconds,
                    opts,
                    report,
                )
                .await?
            }
            Err(f) => failed(ctx, &coll, link, &f, client.interval_seconds, report).await?,
        };
        match step {
            Step::Done(r) => return Ok(r),
            Step::Retry => continue,
        }
    }
    Err(ApiError::Conflict(format!(
        "the link to {} kept changing while it synced; the queue will retry",
        m.servicer
    )))
}

/// The borrower or client is gone: take the link (if any is left) off the schedule, so no
/// later run sends it again.
async fn gone(ctx: &AppContext, m: &SyncMessage, attempt: usize) -> Result<LinkReport, ApiError> {
    ctx.store
        .unschedule_link(&m.borrower_uuid, &m.servicer, &m.claim)
        .await?;
    Ok(LinkReport::new(m).skip("gone", attempt))
}

fn borrower_check(ctx: &AppContext, tx: &mut Tx, uuid: &Uuid) {
    tx.check(
        &ctx.store,
        "borrower",
        (&keys::borrower(uuid), keys::PROFILE_SK),
        "attribute_exists(PK) AND (attribute_not_exists(deleting) OR deleting = :f)",
        &[(":f", AttributeValue::Bool(false))],
    );
}

/// The values of [`CLAIM_HELD`]: the link's claim, and the version it must still have.
fn claim_values(link: &ServicerLink, version: u64) -> [(&'static str, AttributeValue); 2] {
    [
        (
            ":claim",
            AttributeValue::S(link.sync_claim.clone().unwrap_or_default()),
        ),
        (":ver", AttributeValue::N(version.to_string())),
    ]
}

const CLAIM_HELD: &str = "sync_claim = :claim AND version = :ver";

/// The link as a successful or failed sync leaves it: claim released, next due time set. (The
/// caller sets its version.)
fn moved_on(mut next: ServicerLink, outcome: SyncOutcome, due_in: i64) -> ServicerLink {
    next.last_attempt_at = Some(crate::model::now());
    next.last_sync_outcome = Some(outcome);
    next.next_sync_at = after(chrono::Utc::now(), due_in);
    next.sync_claim = None;
    next
}

/// `connectivity.interrupted` / `connectivity.restored` for a link.
pub(crate) fn connectivity_event(
    client_id: &str,
    kind: &str,
    borrower: &Uuid,
    servicer: &str,
    reason: Option<FailureReason>,
) -> Event {
    let data = crate::webhooks::ConnectivityEvent {
        borrower_id: *borrower,
        servicer_id: servicer.to_string(),
        servicer: crate::webhooks::EventServicer {
            name: servicer.to_string(),
        },
        reason,
    };
    Event::new(client_id, kind, &serde_json::json!(data))
}

/// `borrower.delinquent`: the borrower (without financial details) and the servicer.
pub(crate) fn delinquent_event(
    client_id: &str,
    borrower: &crate::model::Borrower,
    servicer: &str,
) -> Event {
    let mut view = borrower.view_value();
    if let Some(o) = view.as_object_mut() {
        o.remove("financial_details");
    }
    let data = crate::webhooks::DelinquentEvent {
        borrower: view,
        servicer: crate::webhooks::EventServicer {
            name: servicer.to_string(),
        },
    };
    Event::new(client_id, "borrower.delinquent", &serde_json::json!(data))
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    ctx: &AppContext,
    coll: &BorrowerCollection,
    link: &ServicerLink,
    next: ServicerLink,
    c: Changes,
    interval: i64,
    opts: &SyncOptions,
    mut report: LinkReport,
) -> Result<Step, ApiError> {
    let uuid = coll.borrower.uuid;
    let client_id = &link.client_id;
    let mut events = Vec::new();
    if link.status == LinkStatus::NeedsAttention {
        events.push(connectivity_event(
            client_id,
            "connectivity.restored",
            &uuid,
            &link.servicer,
            None,
        ));
    }
    if c.newly_overdue {
        events.push(delinquent_event(client_id, &coll.borrower, &link.servicer));
    }
    let outcome = if c.writes() == 0 {
        SyncOutcome::Unchanged
    } else {
        SyncOutcome::Updated
    };
    let mut next = moved_on(next, outcome, interval);
    next.status = LinkStatus::Linked;
    report.skipped_unkeyed = c.unkeyed;
    next.sync_failures = 0;
    next.last_synced_at = next.last_attempt_at.clone().unwrap_or_default();
    report.outcome = Some(outcome);
    report.unchanged = c.unchanged;
    report.created = c.create.len();
    report.updated = c.update.len();
    report.closed = c.close.len();

    // Every loan write: new loans (with ids), updates, closures; the ones that turn a loan
    // overdue go last, so they share the final chunk with the link and `borrower.delinquent`
    // (a resumed sync still sees them as not overdue, and still sends the event).
    let mut ids = ctx.store.next_ids("loan", c.create.len()).await?;
    let stamp = crate::model::now();
    let mut writes: Vec<(crate::store::Item, Option<u64>, bool)> = Vec::with_capacity(c.writes());
    for n in c.create {
        let id = ids
            .next()
            .ok_or_else(|| ApiError::Internal("loan ids ran out".into()))?;
        let late = n.data.is_overdue == Some(true);
        let key = n.stable_uuid(&uuid).unwrap_or_else(Uuid::new_v4);
        let loan = n.into_loan(id, key, uuid, &stamp);
        writes.push((loan_items::to_item(&loan)?, None, late));
    }
    for (loan, was) in c.update.into_iter().chain(c.close) {
        let late = loan
            .award_id
            .as_deref()
            .is_some_and(|a| c.turning_overdue.contains(a));
        writes.push((loan_items::to_item(&loan)?, Some(was), late));
    }
    writes.sort_by_key(|w| w.2);
    let chunk = opts.chunk.clamp(1, 96);
    let mut chunks: Vec<&[(crate::store::Item, Option<u64>, bool)]> =
        writes.rchunks(chunk).rev().collect();
    if chunks.is_empty() {
        // No loan changed: one transaction with the link alone.
        chunks.push(&[]);
    }
    let last = chunks.len() - 1;
    let link_key = (keys::borrower(&uuid), link_items::link_sk(&link.servicer));
    // Each chunk moves the link's version under the claim, so a second worker on the same
    // message, or a re-link, that read the same state cannot also commit a chunk.
    let mut version = link.version;
    for (i, part) in chunks.iter().enumerate() {
        let mut tx = Tx::new();
        for (item, was, _) in part.iter() {
            match was {
                None => tx.put_new(&ctx.store, "loan", item.clone()),
                Some(v) => tx.put_versioned(&ctx.store, "loan", item.clone(), *v),
            }
        }
        borrower_check(ctx, &mut tx, &uuid);
        let held = claim_values(link, version);
        if i == last {
            next.version = version + 1;
            tx.put_when(
                &ctx.store,
                "servicer link",
                link_items::link_to_item(&next)?,
                CLAIM_HELD,
                &held,
            );
            for ev in &events {
                tx.put_new(&ctx.store, "event", crate::store::outbox::event_item(ev)?);
            }
        } else {
            tx.bump_version_when(
                &ctx.store,
                "servicer link",
                (&link_key.0, &link_key.1),
                version,
                Some(("sync_claim = :claim", &held[..1])),
            );
        }
        match tx.commit(&ctx.store).await {
            Ok(()) => version += 1,
            Err(TxError::Conflict(_)) => return Ok(Step::Retry),
            Err(TxError::Other(e)) => return Err(e),
        }
        if opts.fail_after_chunks.is_some_and(|n| i + 1 >= n) && i != last {
            return Err(ApiError::Internal(
                "fault injected after a committed chunk".into(),
            ));
        }
    }
    crate::webhooks::publish(ctx, &events).await;
    report.events = events.into_iter().map(|e| e.event_type).collect();
    Ok(Step::Done(report))
}

/// The servicer did not give the data: move the link on without touching its loans.
async fn failed(
    ctx: &AppContext,
    coll: &BorrowerCollection,
    link: &ServicerLink,
    f: &LinkFailure,
    interval: i64,
    mut report: LinkReport,
) -> Result<Step, ApiError> {
    use FailureReason::*;
    let uuid = coll.borrower.uuid;
    let mut events = Vec::new();
    let next = match f.reason {
        InvalidCredentials | Locked | ChallengeFailed | ChallengeExpired => {
            let mut next = moved_on(
                link.clone(),
                SyncOutcome::NeedsAttention,
                ATTENTION_RETRY_SECONDS.max(interval),
            );
            next.status = LinkStatus::NeedsAttention;
            next.sync_failures = 0;
            if link.status == LinkStatus::Linked {
                events.push(connectivity_event(
                    &link.client_id,
                    "connectivity.interrupted",
                    &uuid,
                    &link.servicer,
                    Some(f.reason),
                ));
            }
            next
        }
        ServicerUnavailable => {
            let failures = link.sync_failures.saturating_add(1);
            let mut next = moved_on(
                link.clone(),
                SyncOutcome::ServicerUnavailable,
                backoff_seconds(failures, interval),
            );
            next.sync_failures = failures;
            next
        }
        NoConnector => moved_on(link.clone(), SyncOutcome::NoConnector, interval),
    };
    report.outcome = next.last_sync_outcome;
    let mut next = next;
    next.version = link.version + 1;
    let mut tx = Tx::new();
    borrower_check(ctx, &mut tx, &uuid);
    tx.put_when(
        &ctx.store,
        "servicer link",
        link_items::link_to_item(&next)?,
        CLAIM_HELD,
        &claim_values(link, link.version),
    );
    for ev in &events {
        tx.put_new(&ctx.store, "event", crate::store::outbox::event_item(ev)?);
    }
    match tx.commit(&ctx.store).await {
        Ok(()) => {}
        Err(TxError::Conflict(_)) => return Ok(Step::Retry),
        Err(TxError::Other(e)) => return Err(e),
    }
    crate::webhooks::publish(ctx, &events).await;
    report.events = events.into_iter().map(|e| e.event_type).collect();
    Ok(Step::Done(report))
}
