//! What Lambda's SQS event source does, for the local stack and the tests: receive a batch,
//! hand it to the worker's handler as the real `SqsEvent`, and delete every record it did not
//! report as failed. Failed ones come back after their visibility timeout, exactly as in AWS.
//! The webhook worker (`api::webhooks::deliver`) and the sync worker (`api::sync::work`) are
//! both fed this way.

use std::future::Future;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;

use super::queue::Queue;
use crate::context::AppContext;
use crate::error::ApiError;
use crate::store::internal;

/// Receives up to 10 messages from the webhook queue (waiting up to `wait_seconds`), runs the
/// delivery worker on them, and deletes the ones it handled. Returns how many it received.
pub async fn poll_once(
    ctx: &AppContext,
    wait_seconds: i32,
    visibility_seconds: i32,
) -> Result<usize, ApiError> {
    let Some(q) = ctx.queue() else {
        return Ok(0);
    };
    poll_queue(q, wait_seconds, visibility_seconds, |event| {
        crate::api::webhooks::deliver(ctx, event)
    })
    .await
}

/// One receive, handle and delete round on `q`, with `handler` as the Lambda function.
pub async fn poll_queue<F, Fut>(
    q: &Queue,
    wait_seconds: i32,
    visibility_seconds: i32,
    handler: F,
) -> Result<usize, ApiError>
where
    F: FnOnce(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
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
    for m in &received {
        let mut record = SqsMessage::default();
        record.message_id = m.message_id.clone();
        record.receipt_handle = m.receipt_handle.clone();
        record.body = m.body.clone();
        record.event_source = Some("aws:sqs".into());
        record.attributes = m
            .attributes
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str().to_string(), v.clone()))
            .collect();
        event.records.push(record);
    }
    let response = handler(event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    let mut entries = Vec::new();
    for (i, m) in received.iter().enumerate() {
        if m.message_id
            .as_deref()
            .is_some_and(|id| failed.contains(&id))
        {
            continue;
        }
        if let Some(r) = &m.receipt_handle {
            entries.push(
                DeleteMessageBatchRequestEntry::builder()
                    .id(format!("d{i}"))
                    .receipt_handle(r)
                    .build()
                    .map_err(|e| ApiError::Internal(format!("delete entry: {e}")))?,
            );
        }
    }
    if !entries.is_empty() {
        q.client()
            .delete_message_batch()
            .queue_url(q.url())
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| internal("DeleteMessageBatch", e))?;
    }
    Ok(received.len())
}
