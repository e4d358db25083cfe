//! The queue port: SQS in AWS, moto's SQS-compatible server locally. Webhook delivery sends
//! small JSON records naming an event (and, once fanned out, one endpoint and the attempt);
//! the portfolio sync sends `sync::SyncMessage`s on a queue of its own.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::store::internal;

/// SQS delays a message at most 15 minutes; longer waits hop (see `delivery`).
pub const MAX_DELAY_SECONDS: i64 = 900;

/// One queue message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub event_id: String,
    /// `None`: fan the event out to the client's endpoints.
    #[serde(default)]
    pub endpoint_id: Option<String>,
    /// The delivery attempt this message makes (1 is the first).
    #[serde(default)]
    pub attempt: u32,
    /// Not before this time (seconds since the epoch): a retry's backoff.
    #[serde(default)]
    pub not_before: i64,
}

#[derive(Clone, Debug)]
pub struct Queue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl Queue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Queue {
            client,
            url: url.into(),
        }
    }

    /// The queue whose URL the environment variable `name` holds (`WEBHOOK_QUEUE_URL`,
    /// `SYNC_QUEUE_URL`), on the cold start's SDK configuration; `None` when it is unset.
    pub fn from_env_var(config: &aws_types::SdkConfig, name: &str) -> Option<Self> {
        let url = std::env::var(name).ok().filter(|u| !u.is_empty())?;
        Some(Queue::new(crate::aws::sqs(config), url))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn client(&self) -> &aws_sdk_sqs::Client {
        &self.client
    }

    pub async fn send(&self, m: &Message, delay_seconds: i64) -> Result<(), ApiError> {
        let body = serde_json::to_string(m)
            .map_err(|e| ApiError::Internal(format!("queue message: {e}")))?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(delay_seconds.clamp(0, MAX_DELAY_SECONDS) as i32)
            .send()
            .await
            .map_err(|e| internal("SendMessage", e))?;
        Ok(())
    }

    /// Messages waiting (not in flight), as SQS approximates it.
    pub async fn depth(&self) -> Result<usize, ApiError> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|e| internal("GetQueueAttributes", e))?;
        Ok(out
            .attributes()
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    }

    /// Sends up to any number of messages, ten per call; fails if any was not accepted.
    pub async fn send_all<T: Serialize>(&self, messages: &[T]) -> Result<(), ApiError> {
        for chunk in messages.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, m) in chunk.iter().enumerate() {
                let body = serde_json::to_string(m)
                    .map_err(|e| ApiError::Internal(format!("queue message: {e}")))?;
                entries.push(
                    SendMessageBatchRequestEntry::builder()
                        .id(format!("m{i}"))
                        .message_body(body)
                        .build()
                        .map_err(|e| ApiError::Internal(format!("queue entry: {e}")))?,
                );
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| internal("SendMessageBatch", e))?;
            if !out.failed().is_empty() {
                return Err(ApiError::Unavailable(format!(
                    "{} queue messages were not accepted",
                    out.failed().len()
                )));
            }
        }
        Ok(())
    }
}
