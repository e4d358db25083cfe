//! The scheduled portfolio sync: every linked servicer account is read again on a schedule,
//! and the borrower's PortfolioLoans follow what the servicer says (docs/sync.md).
//!
//! * **Schedule.** Each servicer link carries a due time in a sparse, sharded, keys-only index
//!   (`GSI2PK = SYNCDUE#<shard>`, `GSI2SK = <due>#<borrower>#<servicer>`), written by
//!   `store::nexus::link_to_item` on link items only. No Scan anywhere.
//! * **Planner** ([`plan`], the `portfolio-sync-plan` function, on an EventBridge Scheduler
//!   schedule): queries each shard for links due, claims each one with a conditional write (the
//!   claim moves its due time forward by a lease, so the next run does not send it again) and
//!   sends one queue message per claim, ten per `SendMessageBatch`. It stops before its deadline
//!   and leaves the rest for the next run.
//! * **Worker** ([`worker::sync_link`], the `portfolio-sync-worker` function, on the SQS queue):
//!   reads the account through the connector port, works out the changes ([`changes`]), and
//!   commits them with the link's new state and any webhook events in one transaction (or
//!   resumable chunks that a retry finishes). Only the message holding the link's current claim
//!   may commit, so a redelivered message or a second worker changes nothing.
//!
//! Files: this one has the shared vocabulary (messages, outcomes, shards, intervals);
//! `changes.rs` the pure diff; `plan.rs` the planner; `worker.rs` one link's sync;
//! `local.rs` the local stand-ins for the schedule and the SQS event source.

pub mod changes;
pub mod local;
pub mod plan;
pub mod worker;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::ClientMode;

pub use plan::{plan, PlanOptions, PlanReport};
pub use worker::{sync_link, LinkReport, SyncOptions};

/// Shards of the due index. A shard is one partition key; 16 spread a million links' writes
/// and the planner's queries well past one partition's limits (docs/sync.md).
pub const SHARDS: u32 = 16;
/// A link is synced daily unless its client says otherwise (`scripts/admin set-sync-interval`).
pub const DEFAULT_INTERVAL_SECONDS: i64 = 24 * 60 * 60;
/// Shortest and longest interval a client may choose.
pub const MIN_INTERVAL_SECONDS: i64 = 60 * 60;
pub const MAX_INTERVAL_SECONDS: i64 = 7 * 24 * 60 * 60;
/// How long a planner's claim holds a link before another run may send it again.
pub const LEASE_SECONDS: i64 = 60 * 60;
/// A link that needs attention (the servicer refused the saved login) is tried again weekly:
/// locks often lift on their own, and then the link recovers (`connectivity.restored`).
pub const ATTENTION_RETRY_SECONDS: i64 = 7 * 24 * 60 * 60;
/// Backoff while the servicer is unavailable: 15 minutes, 1 hour, 4 hours, then 12 hours
/// (never later than the client's interval).
const BACKOFF_SECONDS: [i64; 4] = [15 * 60, 60 * 60, 4 * 60 * 60, 12 * 60 * 60];

/// What the last sync of a link came to: `updated` (the servicer's data changed some loans),
/// `unchanged` (it matched what was stored), `servicer_unavailable` (the servicer did not
/// answer; the link stays linked and is retried with backoff), `needs_attention` (the servicer
/// refused the saved login, and the borrower must log in again), or `no_connector` (no live
/// connector on this deployment, for live clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    Updated,
    Unchanged,
    ServicerUnavailable,
    NeedsAttention,
    NoConnector,
}

/// One queue message: sync this link, if `claim` is still its claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMessage {
    pub client_id: String,
    pub borrower_uuid: Uuid,
    pub servicer: String,
    pub claim: String,
}

/// The shard a borrower's links live in (a uuid's last byte is random).
pub fn shard(borrower: &Uuid) -> u32 {
    u32::from(borrower.as_bytes()[15]) % SHARDS
}

pub fn due_pk(shard: u32) -> String {
    format!("SYNCDUE#{shard:02}")
}

/// The due index's sort key: the due time first, so `GSI2SK <= <now>#~` is everything due.
pub fn due_sk(due: &str, borrower: &Uuid, servicer: &str) -> String {
    format!("{due}#{borrower}#{servicer}")
}

/// Splits a due sort key back into (due, borrower, servicer).
pub fn parse_due_sk(sk: &str) -> Option<(&str, Uuid, &str)> {
    let mut parts = sk.splitn(3, '#');
    let due = parts.next()?;
    let borrower = Uuid::parse_str(parts.next()?).ok()?;
    Some((due, borrower, parts.next()?))
}

/// RFC 3339 to the second, UTC (`2026-12-01T12:00:00Z`): fixed width, so due times sort.
pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn after(t: chrono::DateTime<chrono::Utc>, seconds: i64) -> String {
    stamp(t + chrono::Duration::seconds(seconds))
}

/// The wait after `failures` unavailable answers in a row.
pub fn backoff_seconds(failures: u32, interval: i64) -> i64 {
    let i = (failures.max(1) as usize - 1).min(BACKOFF_SECONDS.len() - 1);
    BACKOFF_SECONDS[i].min(interval)
}

/// What the sync needs to know about a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncClient {
    pub mode: ClientMode,
    pub interval_seconds: i64,
}

type ClientCache = Mutex<HashMap<(String, String), (SyncClient, Instant)>>;

fn cache() -> &'static ClientCache {
    static CACHE: OnceLock<ClientCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Client settings, cached for a minute per process (by table and client): a worker syncing a
/// client's borrowers reads its client item once, not once per link. A changed interval
/// applies within a minute ([`set_interval`] applies at once in its own process).
pub async fn client_settings(ctx: &AppContext, client_id: &str) -> Result<SyncClient, ApiError> {
    let key = (ctx.store.table_name().to_string(), client_id.to_string());
    if let Some((c, at)) = cache().lock().ok().and_then(|m| m.get(&key).copied()) {
        if at.elapsed() < Duration::from_secs(60) {
            return Ok(c);
        }
    }
    let c = ctx
        .store
        .sync_client(client_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Client"))?;
    if let Ok(mut m) = cache().lock() {
        if m.len() > 10_000 {
            m.clear();
        }
        m.insert(key, (c, Instant::now()));
    }
    Ok(c)
}

/// Sets how often a client's links sync (`scripts/admin set-sync-interval`): between
/// [`MIN_INTERVAL_SECONDS`] and [`MAX_INTERVAL_SECONDS`]. Links already scheduled keep their
/// next due time; each sync after that uses the new interval.
pub async fn set_interval(ctx: &AppContext, client_id: &str, seconds: i64) -> Result<(), ApiError> {
    if !(MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(&seconds) {
        return Err(ApiError::field(
            "sync_interval",
            format!(
                "must be from {} to {} hours",
                MIN_INTERVAL_SECONDS / 3600,
                MAX_INTERVAL_SECONDS / 3600
            ),
        ));
    }
    ctx.store.set_sync_interval(client_id, seconds).await?;
    if let Ok(mut m) = cache().lock() {
        m.remove(&(ctx.store.table_name().to_string(), client_id.to_string()));
    }
    Ok(())
}

/// The client's sync interval in seconds.
pub async fn interval_for(ctx: &AppContext, client_id: &str) -> Result<i64, ApiError> {
    Ok(client_settings(ctx, client_id).await?.interval_seconds)
}

/// Makes a borrower's links due now (the sandbox clock moved, or `scripts/admin sync-now
/// --borrower`): the next planner run sends them. Returns how many links.
pub async fn make_due(ctx: &AppContext, borrower: &Uuid) -> Result<usize, ApiError> {
    ctx.store
        .make_links_due(borrower, &stamp(chrono::Utc::now()))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_keys_sort_by_time_and_split_back() {
        let b = Uuid::parse_str("6f1c1f35-8a3c-4b83-9a77-7d1f2b3c4d5e").unwrap();
        let sk = due_sk("2026-12-01T12:00:00Z", &b, "MOHELA");
        assert_eq!(
            parse_due_sk(&sk),
            Some(("2026-12-01T12:00:00Z", b, "MOHELA"))
        );
        // Everything due at or before `now` sorts at or below `<now>#~`.
        assert!(sk.as_str() <= "2026-12-01T12:00:00Z#~");
        assert!(due_sk("2026-12-01T12:00:01Z", &b, "MOHELA").as_str() > "2026-12-01T12:00:00Z#~");
        assert_eq!(shard(&b), 0x5e % SHARDS);
        assert_eq!(due_pk(3), "SYNCDUE#03");
    }

    #[test]
    fn backoff_grows_and_never_passes_the_interval() {
        let day = DEFAULT_INTERVAL_SECONDS;
        assert_eq!(backoff_seconds(1, day), 900);
        assert_eq!(backoff_seconds(2, day), 3600);
        assert_eq!(backoff_seconds(3, day), 4 * 3600);
        assert_eq!(backoff_seconds(9, day), 12 * 3600);
        assert_eq!(backoff_seconds(9, 3600), 3600);
    }
}
