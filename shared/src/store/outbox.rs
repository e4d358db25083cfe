//! Outbox items: webhook events written in the transaction of the change that causes them, and
//! idempotency records of POST requests.
//!
//! | item | PK | SK | GSI1 |
//! |---|---|---|---|
//! | webhook event | `WHEVENT#<event id>` | `EVENT` | `WHPENDING` / `<created_at>#<id>` while unpublished (sparse) |
//! | idempotency record | `IDEMP#<client_id>#<sha256(key)>` | `IDEMPOTENCY` | – |

use aws_sdk_dynamodb::types::AttributeValue;

use super::{internal, s, Item, Store};
use crate::crypto::hash_key;
use crate::error::ApiError;
use crate::webhooks::Event;

pub const EVENT_ENTITY: &str = "WebhookEvent";
pub const PENDING: &str = "WHPENDING";
/// Events are kept 30 days (the deliveries log shows them).
const EVENT_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// Idempotency records are kept 24 hours (Stripe's rule).
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3600;

pub fn event_pk(id: &str) -> String {
    format!("WHEVENT#{id}")
}

pub fn event_item(e: &Event) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(e)?;
    item.insert("PK".into(), s(event_pk(&e.id)));
    item.insert("SK".into(), s("EVENT"));
    item.insert("entity".into(), s(EVENT_ENTITY));
    item.insert("GSI1PK".into(), s(PENDING));
    item.insert("GSI1SK".into(), s(format!("{}#{}", e.created_at, e.id)));
    let ttl = chrono::Utc::now().timestamp() + EVENT_TTL_SECONDS;
    item.insert(
        super::nexus::TTL_ATTRIBUTE.into(),
        AttributeValue::N(ttl.to_string()),
    );
    Ok(item)
}

/// A stored response to replay for a retried POST.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdempotentResponse {
    /// SHA-256 of the method, path and body: the same key with another request is refused.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub created_at: String,
}

pub fn idempotency_pk(client_id: &str, key: &str) -> String {
    format!("IDEMP#{client_id}#{}", hash_key(key))
}

pub fn idempotency_item(
    client_id: &str,
    key: &str,
    r: &IdempotentResponse,
) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(r)?;
    item.insert("PK".into(), s(idempotency_pk(client_id, key)));
    item.insert("SK".into(), s("IDEMPOTENCY"));
    item.insert("entity".into(), s("IdempotencyRecord"));
    let ttl = chrono::Utc::now().timestamp() + IDEMPOTENCY_SECONDS;
    item.insert(
        super::nexus::TTL_ATTRIBUTE.into(),
        AttributeValue::N(ttl.to_string()),
    );
    Ok(item)
}

impl Store {
    /// The stored response for a client's idempotency key, if it is younger than 24 hours.
    pub async fn idempotent_response(
        &self,
        client_id: &str,
        key: &str,
    ) -> Result<Option<IdempotentResponse>, ApiError> {
        let Some(item) = self
            .get(&idempotency_pk(client_id, key), "IDEMPOTENCY")
            .await?
        else {
            return Ok(None);
        };
        let fresh = item
            .get(super::nexus::TTL_ATTRIBUTE)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|t| t > chrono::Utc::now().timestamp());
        Ok(if fresh {
            Some(serde_dynamo::from_item(item)?)
        } else {
            None
        })
    }

    pub async fn webhook_event(&self, id: &str) -> Result<Option<Event>, ApiError> {
        match self.get(&event_pk(id), "EVENT").await? {
            Some(item) => Ok(Some(serde_dynamo::from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Marks an event published (it leaves the sparse pending index).
    pub async fn mark_published(&self, id: &str) -> Result<(), ApiError> {
        self.db
            .update_item()
            .table_name(&self.table)
            .key("PK", s(event_pk(id)))
            .key("SK", s("EVENT"))
            .update_expression("REMOVE GSI1PK, GSI1SK SET published_at = :t")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":t", s(crate::model::now()))
            .send()
            .await
            .map_err(|e| internal("UpdateItem event", e))?;
        Ok(())
    }

    /// Events still waiting to be published, oldest first (the relay's Query; no Scan).
    pub async fn pending_events(&self, limit: i32) -> Result<Vec<Event>, ApiError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :p")
            .expression_attribute_values(":p", s(PENDING))
            .limit(limit)
            .send()
            .await
            .map_err(|e| internal("Query pending events", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| Ok(serde_dynamo::from_item(i)?))
            .collect()
    }
}
