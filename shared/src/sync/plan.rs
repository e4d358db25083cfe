//! The planner: finds the links due in every shard, claims them, and queues one message per
//! claim. It is bounded: it stops before its deadline (and after `max_links`), and what it
//! leaves stays due for the next run, so a backlog never makes it fail.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{after, stamp, SyncMessage, LEASE_SECONDS, SHARDS};
use crate::error::ApiError;
use crate::store::Store;
use crate::webhooks::queue::Queue;

/// How a planner run is bounded.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Links due at or before this time are sent.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Stop starting new pages once this is less than `margin` away.
    pub deadline: Instant,
    pub margin: Duration,
    /// At most this many links per run (spread over the shards).
    pub max_links: usize,
    /// Index items read per Query page.
    pub page: i32,
}

impl PlanOptions {
    /// A run that may take `seconds`, from now.
    pub fn for_seconds(seconds: u64) -> Self {
        PlanOptions {
            now: chrono::Utc::now(),
            deadline: Instant::now() + Duration::from_secs(seconds),
            margin: Duration::from_secs(2),
            max_links: 200_000,
            page: 200,
        }
    }
}

/// What a run did (the function's answer, and `scripts/admin sync-now`'s report).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PlanReport {
    /// Index entries read that were due.
    pub due: usize,
    /// Claimed and sent to the queue.
    pub sent: usize,
    /// Claimed first by another run (or changed meanwhile), so not sent again.
    pub skipped: usize,
    /// Shards whose due links were all sent.
    pub shards_done: u32,
    /// False when the run stopped at its deadline or cap: the rest waits for the next run.
    pub complete: bool,
    pub elapsed_ms: u128,
}

/// One planner run over every shard (the shards run concurrently).
pub async fn plan(store: &Store, queue: &Queue, opts: PlanOptions) -> Result<PlanReport, ApiError> {
    let started = Instant::now();
    let now = stamp(opts.now);
    let lease = after(opts.now, LEASE_SECONDS);
    let per_shard = opts.max_links.div_ceil(SHARDS as usize).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for shard in 0..SHARDS {
        let (store, queue, opts) = (store.clone(), queue.clone(), opts.clone());
        let (now, lease) = (now.clone(), lease.clone());
        tasks.spawn(async move {
            plan_shard(&store, &queue, shard, &now, &lease, &opts, per_shard).await
        });
    }
    let mut report = PlanReport {
        complete: true,
        ..PlanReport::default()
    };
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(r)) => {
                report.due += r.due;
                report.sent += r.sent;
                report.skipped += r.skipped;
                if r.complete {
                    report.shards_done += 1;
                } else {
                    report.complete = false;
                }
            }
            Ok(Err(e)) => {
                report.complete = false;
                first_error.get_or_insert(e);
            }
            Err(e) => {
                report.complete = false;
                first_error.get_or_insert(ApiError::Internal(format!("planner shard: {e}")));
            }
        }
    }
    report.elapsed_ms = started.elapsed().as_millis();
    match first_error {
        // What was sent stays sent; a failed shard is simply due again next run.
        Some(e) if report.sent == 0 => Err(e),
        Some(e) => {
            tracing::warn!(error = %e, sent = report.sent, "planner shard failed; the rest waits for the next run");
            Ok(report)
        }
        None => Ok(report),
    }
}

async fn plan_shard(
    store: &Store,
    queue: &Queue,
    shard: u32,
    now: &str,
    lease: &str,
    opts: &PlanOptions,
    cap: usize,
) -> Result<PlanReport, ApiError> {
    let mut r = PlanReport::default();
    let mut start = None;
    loop {
        if Instant::now() + opts.margin >= opts.deadline || r.sent >= cap {
            return Ok(r);
        }
        let limit = opts.page.min((cap - r.sent) as i32).max(1);
        let page = store.due_links(shard, now, limit, start).await?;
        r.due += page.items.len();
        // Claims run 25 at a time; each is one conditional UpdateItem.
        for group in page.items.chunks(25) {
            let claims = group.iter().map(|item| async move {
                let claim = format!("clm_{}", uuid::Uuid::new_v4().simple());
                let client = store.claim_link(item, lease, &claim).await?;
                Ok::<_, ApiError>(client.map(|client_id| {
                    let sk = item
                        .get("GSI2SK")
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default();
                    super::parse_due_sk(&sk).map(|(_, borrower_uuid, servicer)| SyncMessage {
                        client_id,
                        borrower_uuid,
                        servicer: servicer.to_string(),
                        claim,
                    })
                }))
            });
            let mut messages = Vec::new();
            for c in crate::concurrency::join_all(claims).await {
                match c? {
                    Some(Some(m)) => messages.push(m),
                    _ => r.skipped += 1,
                }
            }
            // Claimed first, then sent: a send that fails leaves the claim to lapse with its
            // lease, and the link is sent again by a later run.
            queue.send_all(&messages).await?;
            r.sent += messages.len();
        }
        match page.next {
            Some(k) => start = Some(k),
            None => {
                r.complete = true;
                return Ok(r);
            }
        }
    }
}
