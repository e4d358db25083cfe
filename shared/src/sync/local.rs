//! The local stand-ins for what AWS runs on its own: the schedule that invokes the planner and
//! the SQS event source in front of the sync worker (`loanpath worker`, `scripts/admin
//! sync-now` and the tests run these, through the same handlers as the functions).

use std::time::Duration;

use crate::context::AppContext;
use crate::error::ApiError;

/// One planner run, as the schedule would invoke it (bounded to `seconds`).
pub async fn plan_once(ctx: &AppContext, seconds: u64) -> Result<super::PlanReport, ApiError> {
    let q = ctx
        .sync_queue()
        .ok_or_else(|| ApiError::Internal("SYNC_QUEUE_URL is not configured".into()))?;
    super::plan(&ctx.store, q, super::PlanOptions::for_seconds(seconds)).await
}

/// One receive, sync and delete round on the sync queue. Returns how many messages it took.
pub async fn poll_once(
    ctx: &AppContext,
    wait_seconds: i32,
    visibility_seconds: i32,
) -> Result<usize, ApiError> {
    let Some(q) = ctx.sync_queue() else {
        return Ok(0);
    };
    // As Lambda would: the invocation may run as long as the message stays invisible.
    let deadline = std::time::Instant::now() + Duration::from_secs(visibility_seconds as u64);
    crate::webhooks::local::poll_queue(q, wait_seconds, visibility_seconds, |event| async move {
        let opts = crate::sync::SyncOptions {
            deadline: Some(deadline),
            ..crate::sync::SyncOptions::default()
        };
        crate::api::sync::work_with(ctx, event, &opts).await.0
    })
    .await
}

/// Polls until the queue has stayed empty for one short wait. Returns the messages handled.
pub async fn drain(ctx: &AppContext, visibility_seconds: i32) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let n = poll_once(ctx, 1, visibility_seconds).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
        tokio::time::sleep(Duration::from_millis(0)).await;
    }
}
