//! The two event-source handlers of the scheduled portfolio sync (docs/sync.md): the planner
//! (`portfolio-sync-plan`, invoked by an EventBridge Scheduler schedule) and the worker
//! (`portfolio-sync-worker`, fed by the sync queue with `ReportBatchItemFailures`).

use std::time::{Duration, Instant};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::context::AppContext;
use crate::error::ApiError;
use crate::sync::{self, LinkReport, PlanOptions, SyncMessage, SyncOptions};

/// The schedule's `detail` (template.yaml sets it; every field is optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PlanDetail {
    /// Upper bound on the run, below the function's timeout (the Lambda deadline also bounds it).
    #[serde(default)]
    pub max_seconds: Option<u64>,
    /// Upper bound on the links one run sends.
    #[serde(default)]
    pub max_links: Option<usize>,
}

/// The planner. `deadline` is the invocation's (the Lambda context's); the run stops two
/// seconds before it, or after `detail.max_seconds`, whichever comes first. A run that could
/// send nothing because of an error fails the invocation; what it did not send stays due.
pub async fn plan(
    ctx: &AppContext,
    event: EventBridgeEvent<PlanDetail>,
    deadline: Instant,
) -> Result<Value, ApiError> {
    let q = ctx
        .sync_queue()
        .ok_or_else(|| ApiError::Internal("SYNC_QUEUE_URL is not configured".into()))?;
    let mut opts = PlanOptions::for_seconds(event.detail.max_seconds.unwrap_or(50).min(600));
    opts.deadline = opts.deadline.min(deadline);
    if let Some(n) = event.detail.max_links {
        opts.max_links = n.max(1);
    }
    match sync::plan(&ctx.store, q, opts).await {
        Ok(r) => {
            tracing::info!(
                due = r.due,
                sent = r.sent,
                skipped = r.skipped,
                queue_depth = r.queue_depth,
                complete = r.complete,
                elapsed_ms = r.elapsed_ms as u64,
                "sync planned"
            );
            Ok(json!(r))
        }
        Err(e) => {
            tracing::error!(error = %e, "sync planner failed");
            Err(e)
        }
    }
}

/// The worker: each record is one link, synced on its own; a failure is reported for that
/// record only, so one bad link never fails the others. A record not finished three seconds
/// before the deadline is reported failed too (SQS delivers it again), so a slow servicer never
/// times the whole batch out.
pub async fn work(
    ctx: &AppContext,
    event: SqsEvent,
    deadline: Instant,
) -> Result<SqsBatchResponse, ApiError> {
    let opts = SyncOptions {
        deadline: Some(deadline),
        ..SyncOptions::default()
    };
    Ok(work_with(ctx, event, &opts).await.0)
}

/// [`work`] with explicit options (the tests' fault injection and racing writes), also
/// returning what each link's sync did (`scripts/admin sync-now` prints it; the benchmark
/// times it).
pub async fn work_with(
    ctx: &AppContext,
    event: SqsEvent,
    opts: &SyncOptions,
) -> (SqsBatchResponse, Vec<LinkReport>) {
    let handled = event.records.iter().map(|r| async move {
        let id = r.message_id.clone().unwrap_or_default();
        let result = match serde_json::from_str::<SyncMessage>(r.body.as_deref().unwrap_or("")) {
            // A message we cannot read never will be: drop it (it is logged, without its body).
            Err(e) => {
                tracing::error!(message_id = %id, line = e.line(), column = e.column(), "unreadable sync message dropped");
                Ok(None)
            }
            Ok(m) => match opts.deadline {
                Some(d) => {
                    let until = d.checked_sub(Duration::from_secs(3)).unwrap_or(d);
                    match tokio::time::timeout_at(until.into(), sync::sync_link(ctx, &m, opts))
                        .await
                    {
                        Ok(r) => r.map(Some),
                        Err(_) => Err(ApiError::Unavailable(
                            "the invocation's deadline came first; SQS delivers it again".into(),
                        )),
                    }
                }
                None => sync::sync_link(ctx, &m, opts).await.map(Some),
            },
        };
        (id, result)
    });
    let mut out = SqsBatchResponse::default();
    let mut reports = Vec::new();
    for (id, result) in crate::concurrency::join_all(handled).await {
        match result {
            Ok(Some(r)) => {
                tracing::info!(
                message_id = %id,
                borrower = %r.borrower_uuid,
                servicer = %r.servicer,
                outcome = ?r.outcome,
                skipped = ?r.skipped,
                created = r.created,
                updated = r.updated,
                closed = r.closed,
                "link synced"
                );
                reports.push(r);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(message_id = %id, error = %e, "sync message will be retried");
                let mut f = BatchItemFailure::default();
                f.item_identifier = id;
                out.batch_item_failures.push(f);
            }
        }
    }
    (out, reports)
}

#[cfg(test)]
mod tests {
    use crate::lambda::deadline_from_epoch_ms;
    use std::time::Instant;

    #[test]
    fn deadlines_from_lambda_and_from_local_emulators() {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let left = |d: Instant| d.saturating_duration_since(Instant::now()).as_secs();
        // Lambda: an absolute time in ms.
        assert!((28..=30).contains(&left(deadline_from_epoch_ms(now_ms + 30_000))));
        // cargo lambda watch: the timeout itself.
        assert!((598..=600).contains(&left(deadline_from_epoch_ms(600_000))));
        // Already past: the local fallback.
        assert!((58..=60).contains(&left(deadline_from_epoch_ms(now_ms - 5))));
    }
}
