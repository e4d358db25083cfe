//! The single-table DynamoDB adapter. Every key shape lives in `keys`; docs/data-model.md lists
//! each access pattern. No request path uses Scan.

pub mod borrowers;
pub mod clients;
pub mod employers;
pub mod enrollments;
pub mod id_cache;
pub mod key_cache;
pub mod keys;
pub mod loans;
pub mod nexus;
pub mod outbox;
pub mod schema;
pub mod sync;
mod tx;
pub mod webhooks;

use std::collections::HashMap;

use aws_sdk_dynamodb::{
    error::DisplayErrorContext,
    types::{AttributeValue, ReturnValue},
    Client,
};

pub use tx::{Tx, TxError};

use crate::error::ApiError;

pub type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Client,
    pub(crate) table: String,
    /// Verified API keys of this warm function (`key_cache`).
    pub(crate) key_cache: key_cache::KeyCache,
    /// Integer borrower ids and what they name (`id_cache`).
    pub(crate) id_cache: id_cache::IdCache,
}

/// An AWS SDK error (DynamoDB, SQS or S3: they share the error types) as an internal error,
/// with its whole chain of causes for the log.
pub fn internal<E: std::error::Error + 'static>(op: &str, e: E) -> ApiError {
    ApiError::Internal(format!("{op}: {}", DisplayErrorContext(e)))
}

/// A string attribute.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// An item's string attribute, if it has one.
pub fn attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// The pause before retry `attempt` of a throttled batch (none before the first): exponential
/// backoff with jitter, 25 ms up to about 3 s, so retries don't hammer a busy table.
pub(crate) async fn retry_pause(attempt: u32) {
    if attempt == 0 {
        return;
    }
    let base = 25u64 << attempt.min(7);
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * base / 255;
    tokio::time::sleep(std::time::Duration::from_millis(base / 2 + jitter / 2)).await;
}

impl Store {
    /// Opens the connection to DynamoDB (TCP and TLS) during a cold start, so the first request
    /// does not pay for the handshake: one GetItem of a key that never exists, within `limit`.
    /// Its answer (even AccessDenied, for a function without table access) is ignored; what
    /// matters is the pooled connection the SDK keeps for the next call.
    pub async fn warm(&self, limit: std::time::Duration) {
        let call = self
            .db
            .get_item()
            .table_name(&self.table)
            .key(crate::table::PK, s("WARMUP"))
            .key(crate::table::SK, s("WARMUP"))
            .customize()
            // One attempt: a table that does not answer must not hold the cold start for the
            // SDK's retries and backoff.
            .config_override(
                aws_sdk_dynamodb::config::Builder::default()
                    .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled()),
            )
            .send();
        let _ = tokio::time::timeout(limit, call).await;
    }

    /// BatchWriteItem in chunks of 25, retrying unprocessed items (throttling) a bounded number
    /// of times with [`retry_pause`]; items still left are a 503 that says what was not
    /// `done` ("deleted", "written").
    pub(crate) async fn batch_write(
        &self,
        requests: Vec<aws_sdk_dynamodb::types::WriteRequest>,
        done: &str,
    ) -> Result<(), ApiError> {
        let mut requests = requests.into_iter().peekable();
        while requests.peek().is_some() {
            let mut chunk: Vec<_> = requests.by_ref().take(25).collect();
            for attempt in 0..8u32 {
                retry_pause(attempt).await;
                let out = self
                    .db
                    .batch_write_item()
                    .request_items(&self.table, chunk)
                    .send()
                    .await
                    .map_err(|e| internal("BatchWriteItem", e))?;
                chunk = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if chunk.is_empty() {
                    break;
                }
            }
            if !chunk.is_empty() {
                return Err(ApiError::Unavailable(format!(
                    "The database is busy; some items were not {done}. Please retry."
                )));
            }
        }
        Ok(())
    }

    pub fn new(db: Client, table: impl Into<String>) -> Self {
        Store {
            db,
            table: table.into(),
            key_cache: key_cache::KeyCache::default(),
            id_cache: id_cache::IdCache::default(),
        }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The DynamoDB client, for operator tools and tests (request paths use the methods here).
    pub fn db_client(&self) -> &Client {
        &self.db
    }

    /// A strongly consistent GetItem by key.
    pub async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, ApiError> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| internal("GetItem", e))?;
        Ok(out.item)
    }

    /// Every item of one item collection (all pages of one Query).
    pub async fn collection(&self, pk: &str) -> Result<Vec<Item>, ApiError> {
        self.query_collection(pk, None, None).await
    }

    /// Every item of one item collection, only the attributes of `projection` (all pages).
    pub(crate) async fn collection_projected(
        &self,
        pk: &str,
        projection: &str,
    ) -> Result<Vec<Item>, ApiError> {
        self.query_collection(pk, None, Some(projection)).await
    }

    /// Only the keys of a collection's items (deletes need no more, and must not pull stored
    /// documents).
    pub async fn collection_keys(&self, pk: &str) -> Result<Vec<Item>, ApiError> {
        self.query_collection(pk, None, Some("PK, SK")).await
    }

    /// The items of a collection whose sort key is `sk_from` or later (e.g. `LOAN#` reads the
    /// loans and the `PROFILE`, skipping income-certification documents).
    pub async fn collection_from(&self, pk: &str, sk_from: &str) -> Result<Vec<Item>, ApiError> {
        self.query_collection(pk, Some(sk_from), None).await
    }

    async fn query_collection(
        &self,
        pk: &str,
        sk_from: Option<&str>,
        projection: Option<&str>,
    ) -> Result<Vec<Item>, ApiError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression(if sk_from.is_some() {
                    "PK = :pk AND SK >= :from"
                } else {
                    "PK = :pk"
                })
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(true)
                .set_exclusive_start_key(start);
            if let Some(from) = sk_from {
                q = q.expression_attribute_values(":from", s(from));
            }
            if let Some(p) = projection {
                q = q.projection_expression(p);
            }
            let out = q.send().await.map_err(|e| internal("Query", e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    /// The next value of a named, table-wide atomic counter (1, 2, 3, ...).
    pub async fn next_id(&self, counter: &str) -> Result<i64, ApiError> {
        self.next_ids(counter, 1).await.map(|r| r.start)
    }

    /// `n` consecutive values of a counter in one atomic UpdateItem.
    pub async fn next_ids(
        &self,
        counter: &str,
        n: usize,
    ) -> Result<std::ops::Range<i64>, ApiError> {
        if n == 0 {
            return Ok(0..0);
        }
        let out = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::counter(counter)))
            .key("SK", s(keys::COUNTER_SK))
            .update_expression("ADD #v :one SET #e = :e")
            .expression_attribute_names("#v", "value")
            .expression_attribute_names("#e", "entity")
            .expression_attribute_values(":one", AttributeValue::N(n.to_string()))
            .expression_attribute_values(":e", s("Counter"))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| internal("UpdateItem counter", e))?;
        out.attributes
            .as_ref()
            .and_then(|a| a.get("value"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .map(|last| last - n as i64 + 1..last + 1)
            .ok_or_else(|| ApiError::Internal("counter returned no value".into()))
    }

    /// Cheap readiness probe used by `GET /api/v1/health`.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.get(keys::HEALTH_PK, keys::HEALTH_PK).await.map(|_| ())
    }
}
