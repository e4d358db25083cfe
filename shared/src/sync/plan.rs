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
    /// Back-pressure: no more is sent while the queue holds this many messages (workers slower
    /// than the schedule, or a servicer outage), so claims never lapse in a long queue.
    pub max_queue_depth: usize,
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
            max_queue_depth: 50_000,
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
    /// Messages waiting on the queue when the run started.
    pub queue_depth: usize,
    /// False when the run stopped at its deadline or cap: the rest waits for the next run.
    pub complete: bool,
    pub elapsed_ms: u128,
}

/// One planner run over every shard. The shards are read and claimed concurrently; their
/// claims flow to one sender that fills every `SendMessageBatch` with ten.
pub async fn plan(store: &Store, queue: &Queue, opts: PlanOptions) -> Result<PlanReport, ApiError> {
    let started = Instant::now();
    let now = stamp(opts.now);
    let lease = after(opts.now, LEASE_SECONDS);
    let depth = queue.depth().await?;
    let budget = opts
        .max_links
        .min(opts.max_queue_depth.saturating_sub(depth));
    if budget == 0 {
        return Ok(PlanReport {
            queue_depth: depth,
            elapsed_ms: started.elapsed().as_millis(),
            ..PlanReport::default()
        });
    }
    let per_shard = budget.div_ceil(SHARDS as usize).max(1);
    let (claimed, mut inbox) = tokio::sync::mpsc::channel::<SyncMessage>(1000);
    let mut tasks = tokio::task::JoinSet::new();
    for shard in 0..SHARDS {
        let (store, opts, claimed) = (store.clone(), opts.clone(), claimed.clone());
        let (now, lease) = (now.clone(), lease.clone());
        tasks.spawn(async move {
            plan_shard(&store, &claimed, shard, &now, &lease, &opts, per_shard).await
        });
    }
    drop(claimed);
    let mut report = PlanReport {
        complete: true,
        queue_depth: depth,
        ..PlanReport::default()
    };
    let mut first_error = None;

    // The sender: batches of ten, up to four in flight. Claimed first, then sent: a send that
    // fails leaves its claims to lapse with their lease, and a later run sends them again.
    let mut batch = Vec::with_capacity(10);
    let mut sends = tokio::task::JoinSet::new();
    let note = |r: Result<Result<usize, ApiError>, tokio::task::JoinError>,
                report: &mut PlanReport,
                first_error: &mut Option<ApiError>| match r {
        Ok(Ok(n)) => report.sent += n,
        Ok(Err(e)) => {
            report.complete = false;
            first_error.get_or_insert(e);
        }
        Err(e) => {
            report.complete = false;
            first_error.get_or_insert(ApiError::Internal(format!("planner send: {e}")));
        }
    };
    loop {
        let next = inbox.recv().await;
        let done = next.is_none();
        batch.extend(next);
        if batch.len() == 10 || (done && !batch.is_empty()) {
            let (queue, out) = (queue.clone(), std::mem::take(&mut batch));
            sends.spawn(async move {
                queue.send_all(&out).await?;
                Ok(out.len())
            });
            while sends.len() >= 4 {
                if let Some(r) = sends.join_next().await {
                    note(r, &mut report, &mut first_error);
                }
            }
        }
        if done {
            break;
        }
    }
    while let Some(r) = sends.join_next().await {
        note(r, &mut report, &mut first_error);
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(r)) => {
                report.due += r.due;
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

/// One shard: pages of due links, claimed 25 at a time, handed to the sender. `sent` in its
/// report counts the claims it handed on.
async fn plan_shard(
    store: &Store,
    claimed: &tokio::sync::mpsc::Sender<SyncMessage>,
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
        for group in page.items.chunks(25) {
            let claims = group.iter().map(|item| async move {
                let text = |k: &str| crate::store::attr(item, k);
                let (Some(pk), Some(sk), Some(seen)) = (text("PK"), text("SK"), text("GSI2SK"))
                else {
                    return Ok(None);
                };
                // Read the key before claiming: a link is never claimed without a message.
                let Some((_, borrower_uuid, servicer)) = super::parse_due_sk(seen) else {
                    return Ok(None);
                };
                let new_sk = super::due_sk(lease, &borrower_uuid, servicer);
                let claim = format!("clm_{}", uuid::Uuid::new_v4().simple());
                let got = store
                    .claim_link((pk, sk), seen, &new_sk, lease, &claim)
                    .await?;
                Ok::<_, ApiError>(got.map(|(client_id, claim)| SyncMessage {
                    client_id,
                    borrower_uuid,
                    servicer: servicer.to_string(),
                    claim,
                }))
            });
            for c in crate::concurrency::join_all(claims).await {
                match c {
                    Ok(Some(m)) => {
                        if claimed.send(m).await.is_err() {
                            return Err(ApiError::Internal("the planner's sender stopped".into()));
                        }
                        r.sent += 1;
                    }
                    Ok(None) => r.skipped += 1,
                    // One failed claim never drops the others' messages; the link stays due.
                    Err(e) => {
                        tracing::warn!(error = %e, shard, "claim failed; the link stays due");
                        r.skipped += 1;
                    }
                }
            }
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
