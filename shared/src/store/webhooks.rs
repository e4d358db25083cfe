//! Webhook endpoints (in the client's collection) and their delivery log.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | endpoint | `CLIENT#<client_id>` | `WEBHOOK#<endpoint id>` |
//! | delivery attempt | `WEBHOOK#<endpoint id>` | `ATTEMPT#<at>#<event id>#<n>` |
//! | delivered marker | `WHDONE#<event id>#<endpoint id>` | `DONE` |

use aws_sdk_dynamodb::types::AttributeValue;

use super::{internal, keys, s, Item, Store};
use crate::error::ApiError;
use crate::webhooks::endpoints::{Attempt, Endpoint};

pub const ENDPOINT_ENTITY: &str = "WebhookEndpoint";
const ATTEMPT_TTL_SECONDS: i64 = 30 * 24 * 3600;

pub fn endpoint_sk(id: &str) -> String {
    format!("WEBHOOK#{id}")
}

pub fn endpoint_item(e: &Endpoint) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(e)?;
    item.insert("PK".into(), s(keys::client(&e.client_id)));
    item.insert("SK".into(), s(endpoint_sk(&e.id)));
    item.insert("entity".into(), s(ENDPOINT_ENTITY));
    Ok(item)
}

impl Store {
    /// A client's endpoints (one Query of the client's collection).
    pub async fn webhook_endpoints(&self, client_id: &str) -> Result<Vec<Endpoint>, ApiError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :w)")
            .expression_attribute_values(":pk", s(keys::client(client_id)))
            .expression_attribute_values(":w", s("WEBHOOK#"))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| internal("Query endpoints", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| Ok(serde_dynamo::from_item(i)?))
            .collect()
    }

    pub async fn webhook_endpoint(
        &self,
        client_id: &str,
        id: &str,
    ) -> Result<Option<Endpoint>, ApiError> {
        match self.get(&keys::client(client_id), &endpoint_sk(id)).await? {
            Some(item) => Ok(Some(serde_dynamo::from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Writes an endpoint; `expected` is the stored version it replaces (`None`: a new one).
    pub async fn put_webhook_endpoint(
        &self,
        e: &Endpoint,
        expected: Option<u64>,
    ) -> Result<(), ApiError> {
        let mut put = self
            .db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(endpoint_item(e)?));
        put = match expected {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(v) => put
                .condition_expression("#v = :v")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
        };
        put.send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(se) if se.is_conditional_check_failed_exception() => ApiError::Conflict(
                    "The webhook endpoint changed while this request ran; please retry.".into(),
                ),
                _ => internal("PutItem endpoint", err),
            })?;
        Ok(())
    }

    pub async fn delete_webhook_endpoint(
        &self,
        client_id: &str,
        id: &str,
    ) -> Result<bool, ApiError> {
        let out = self
            .db
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(keys::client(client_id)))
            .key("SK", s(endpoint_sk(id)))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| internal("DeleteItem endpoint", e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    pub async fn record_attempt(&self, a: &Attempt) -> Result<(), ApiError> {
        let mut item: Item = serde_dynamo::to_item(a)?;
        item.insert("PK".into(), s(format!("WEBHOOK#{}", a.endpoint_id)));
        item.insert(
            "SK".into(),
            s(format!("ATTEMPT#{}#{}#{:02}", a.at, a.event_id, a.attempt)),
        );
        item.insert("entity".into(), s("WebhookAttempt"));
        let ttl = chrono::Utc::now().timestamp() + ATTEMPT_TTL_SECONDS;
        item.insert(
            super::nexus::TTL_ATTRIBUTE.into(),
            AttributeValue::N(ttl.to_string()),
        );
        self.db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| internal("PutItem attempt", e))?;
        Ok(())
    }

    /// An endpoint's attempts, newest first, at most `limit`.
    pub async fn attempts(&self, endpoint_id: &str, limit: i32) -> Result<Vec<Attempt>, ApiError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :a)")
            .expression_attribute_values(":pk", s(format!("WEBHOOK#{endpoint_id}")))
            .expression_attribute_values(":a", s("ATTEMPT#"))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| internal("Query attempts", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| Ok(serde_dynamo::from_item(i)?))
            .collect()
    }

    /// Whether this event already reached this endpoint (a redelivered message is skipped).
    pub async fn delivered(&self, event_id: &str, endpoint_id: &str) -> Result<bool, ApiError> {
        Ok(self
            .get(&format!("WHDONE#{event_id}#{endpoint_id}"), "DONE")
            .await?
            .is_some())
    }

    pub async fn mark_delivered(&self, event_id: &str, endpoint_id: &str) -> Result<(), ApiError> {
        let ttl = chrono::Utc::now().timestamp() + ATTEMPT_TTL_SECONDS;
        self.db
            .put_item()
            .table_name(&self.table)
            .item("PK", s(format!("WHDONE#{event_id}#{endpoint_id}")))
            .item("SK", s("DONE"))
            .item("entity", s("WebhookDelivered"))
            .item(
                super::nexus::TTL_ATTRIBUTE,
                AttributeValue::N(ttl.to_string()),
            )
            .send()
            .await
            .map_err(|e| internal("PutItem delivered", e))?;
        Ok(())
    }
}
