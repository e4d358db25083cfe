//! `/api/v1/webhooks[...]`, and the two event-source handlers behind delivery: the SQS worker
//! (`webhooks-deliver`) and the scheduled outbox relay (`webhooks-relay`).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::tenant;
use crate::context::AppContext;
use crate::http::{created, json_object, no_content, ok, path_param, query_only, respond};
use crate::webhooks::{delivery, endpoints, queue::Message};

/// `POST /webhooks {url, events?}` -> 201, with the signing secret (shown once).
pub async fn create(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(ctx, req, crate::idempotency::Stored::Sealed, create_once).await
}

async fn create_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            created(&endpoints::create(ctx, &t, &json_object(&req)?).await?)
        }
        .await,
    )
}

/// `GET /webhooks` -> `{"webhooks": [...]}` (never a secret).
pub async fn list(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            query_only(&req, &[])?;
            ok(&endpoints::list(ctx, &t).await?)
        }
        .await,
    )
}

/// `DELETE /webhooks/{webhook_id}` -> 204.
pub async fn delete(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            endpoints::delete(ctx, &t, &path_param(&req, "webhook_id")?).await?;
            no_content()
        }
        .await,
    )
}

/// `POST /webhooks/{webhook_id}/rotate_secret` -> the new secret (shown once).
pub async fn rotate(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(ctx, req, crate::idempotency::Stored::Sealed, rotate_once).await
}

async fn rotate_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            ok(&endpoints::rotate(ctx, &t, &path_param(&req, "webhook_id")?).await?)
        }
        .await,
    )
}

/// `POST /webhooks/test {url}` -> 202: the test event is queued.
pub async fn test(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(ctx, req, crate::idempotency::Stored::Plain, test_once).await
}

async fn test_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let v = endpoints::test(ctx, &t, &json_object(&req)?).await?;
            Ok(crate::http::json_response(
                lambda_http::http::StatusCode::ACCEPTED,
                &v,
            ))
        }
        .await,
    )
}

/// `GET /webhooks/{webhook_id}/deliveries`.
pub async fn deliveries(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            query_only(&req, &[])?;
            ok(&endpoints::deliveries(ctx, &t, &path_param(&req, "webhook_id")?).await?)
        }
        .await,
    )
}

/// The SQS worker: every record is handled on its own; a failure is reported for that record
/// only (`ReportBatchItemFailures`), so one bad message never fails the others.
pub async fn deliver(ctx: &AppContext, event: SqsEvent) -> SqsBatchResponse {
    let sender = match delivery::Sender::shared() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "no webhook sender");
            let mut out = SqsBatchResponse::default();
            out.batch_item_failures = event
                .records
                .iter()
                .filter_map(|r| r.message_id.clone())
                .map(|id| {
                    let mut f = BatchItemFailure::default();
                    f.item_identifier = id;
                    f
                })
                .collect();
            return out;
        }
    };
    let mut failures = Vec::new();
    let handled = event.records.iter().map(|r| async move {
        let id = r.message_id.clone().unwrap_or_default();
        let parsed: Result<Message, _> = serde_json::from_str(r.body.as_deref().unwrap_or(""));
        let result = match parsed {
            // A message we cannot read will never be readable: drop it (it is logged).
            Err(e) => {
                // The kind of error and where, never the value serde quotes.
                tracing::error!(message_id = %id, error = %crate::error::redacted(&e.to_string()), "unreadable webhook message dropped");
                Ok(())
            }
            Ok(m) => delivery::handle(ctx, sender, &m).await,
        };
        (id, result)
    });
    for (id, result) in crate::concurrency::join_all(handled).await {
        if let Err(e) = result {
            tracing::warn!(message_id = %id, error = %e, "webhook message will be retried");
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            failures.push(f);
        }
    }
    let mut out = SqsBatchResponse::default();
    out.batch_item_failures = failures;
    out
}

/// The scheduled relay: publishes outbox events older than a minute that are still pending.
pub async fn relay(ctx: &AppContext, _event: serde_json::Value) -> serde_json::Value {
    match delivery::relay(ctx, 60).await {
        Ok(n) => json!({"published": n}),
        Err(e) => {
            tracing::error!(error = %e, "relay failed");
            json!({"published": 0, "error": "see the logs"})
        }
    }
}
