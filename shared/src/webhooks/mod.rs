//! Webhooks: signed event deliveries to a client's endpoints.
//!
//! An event is written in the same DynamoDB transaction as the change that causes it (the
//! outbox), marked pending. After the commit it is published to the delivery queue (SQS); a
//! relay republishes anything still pending, so a crash between the commit and the publish
//! loses nothing. The delivery worker signs each delivery the Standard Webhooks way and retries
//! with backoff. Never on the request path.

pub mod delivery;
pub mod endpoints;
pub mod local;
pub mod queue;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Every event type a client may subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "enrollment.status_changed",
    "connectivity.interrupted",
    "connectivity.restored",
    "borrower.delinquent",
    "webhook.test",
];

/// One event, as stored in the outbox and as delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `evt_...`: also the `webhook-id` of every delivery of it, retries included.
    pub id: String,
    pub client_id: String,
    pub event_type: String,
    /// The event's `data`, as JSON text.
    pub data: String,
    pub created_at: String,
    /// Only this endpoint gets it (the test event); `None`: every subscribed endpoint.
    #[serde(default)]
    pub endpoint_id: Option<String>,
}

impl Event {
    pub fn new(client_id: &str, event_type: &str, data: &Value) -> Self {
        Event {
            id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
            client_id: client_id.to_string(),
            event_type: event_type.to_string(),
            data: data.to_string(),
            created_at: crate::model::now(),
            endpoint_id: None,
        }
    }

    /// The delivered body: Payitoff's envelope plus `id` and `created_at`.
    pub fn envelope(&self) -> Value {
        let data: Value = serde_json::from_str(&self.data).unwrap_or(Value::Null);
        json!({
            "id": self.id,
            "event_type": self.event_type,
            "created_at": self.created_at,
            "data": data,
        })
    }
}

/// `enrollment.status_changed`'s `data`: the Enrollment as it stood right after the change.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EnrollmentEvent {
    /// The Enrollment (its status and history up to this change).
    pub enrollment: crate::enrollments::EnrollmentView,
    /// The status before this change; `null` for a new request.
    pub previous_status: Option<crate::enrollments::Status>,
    pub borrower: EventBorrower,
}

/// The borrower an event is about.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EventBorrower {
    pub uuid: uuid::Uuid,
}

/// `connectivity.interrupted` and `connectivity.restored`'s `data`: a linked servicer account
/// that stopped (or started again) answering with its saved login.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ConnectivityEvent {
    /// The borrower's uuid.
    pub borrower_id: uuid::Uuid,
    /// The servicer's name (as `servicer.name`).
    pub servicer_id: String,
    pub servicer: EventServicer,
    /// Why the servicer refused the saved login (interrupted only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "crate::nexus::connector::FailureReason")]
    pub reason: Option<crate::nexus::connector::FailureReason>,
}

/// The servicer an event is about.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EventServicer {
    pub name: String,
}

/// `borrower.delinquent`'s `data`: a loan turned past due at a linked servicer.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DelinquentEvent {
    /// The Borrower, without its `financial_details`.
    #[schemars(schema_with = "borrower_without_financials")]
    pub borrower: Value,
    pub servicer: EventServicer,
}

fn borrower_without_financials(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"$ref": "#/components/schemas/BorrowerWithoutFinancials"})
}

/// Publishes committed events to the delivery queue. Best effort: an event that could not be
/// published stays pending in the outbox, and the relay publishes it later.
pub async fn publish(ctx: &crate::context::AppContext, events: &[Event]) {
    if let Err(e) = publish_or_fail(ctx, events).await {
        tracing::warn!(error = %e, events = events.len(), "events left in the outbox for the relay");
    }
}

/// Sends one fan-out message per event, then marks each published.
pub async fn publish_or_fail(
    ctx: &crate::context::AppContext,
    events: &[Event],
) -> Result<(), crate::ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    let Some(q) = ctx.queue() else {
        return Err(crate::ApiError::Internal(
            "no webhook queue is configured".into(),
        ));
    };
    let messages: Vec<queue::Message> = events
        .iter()
        .map(|e| queue::Message {
            event_id: e.id.clone(),
            endpoint_id: None,
            attempt: 0,
            not_before: 0,
        })
        .collect();
    q.send_all(&messages).await?;
    for e in events {
        ctx.store.mark_published(&e.id).await?;
    }
    Ok(())
}
