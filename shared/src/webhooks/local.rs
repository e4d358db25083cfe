//! What Lambda's SQS event source does, for the local stack and the tests: receive a batch,
//! hand it to the worker's handler (`api::webhooks::deliver`) as the real `SqsEvent`, and delete
//! every record it did not report as failed. Failed ones come back after their visibility
//! timeout, exactly as in AWS.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};

use crate::context::AppContext;
use crate::error::ApiError;
use crate::store::internal;

/// Receives up to 10 messages (waiting up to `wait_seconds`), runs the worker on them, and
/// deletes the ones it handled. Returns how many it received.
pub async fn poll_once(
    ctx: &AppContext,
    wait_seconds: i32,
    visibility_seconds: i32,
) -> Result<usize, ApiError> {
    let Some(q) = &ctx.queue else {
        return Ok(0);
    };
    let out = q
        .client()
        .receive_message()
        .queue_url(q.url())
        .max_number_of_messages(10)
        .wait_time_seconds(wait_seconds)
        .visibility_timeout(visibility_seconds)
        .send()
        .await
        .map_err(|e| internal("ReceiveMessage", e))?;
    let received = out.messages.unwrap_or_default();
    if received.is_empty() {
        return Ok(0);
    }
    let mut event = SqsEvent::default();
    let mut handles = Vec::new();
    for m in &received {
        let mut record = SqsMessage::default();
        record.message_id = m.message_id.clone();
        record.receipt_handle = m.receipt_handle.clone();
        record.body = m.body.clone();
        record.event_source = Some("aws:sqs".into());
        event.records.push(record);
        handles.push((m.message_id.clone(), m.receipt_handle.clone()));
    }
    let response = crate::api::webhooks::deliver(ctx, event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    for (id, receipt) in handles {
        if id.as_deref().is_some_and(|i| failed.contains(&i)) {
            continue;
        }
        if let Some(r) = receipt {
            q.client()
                .delete_message()
                .queue_url(q.url())
                .receipt_handle(r)
                .send()
                .await
                .map_err(|e| internal("DeleteMessage", e))?;
        }
    }
    Ok(received.len())
}
