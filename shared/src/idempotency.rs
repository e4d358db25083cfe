//! `Idempotency-Key` on every `POST /api/v1/...`, with Stripe's semantics (issue 11 §5).
//!
//! - The first successful (2xx) response, its status, body and headers, is stored for 24 hours
//!   under `IDEMP#<client_id>#<sha256(key)>`, so keys are isolated per tenant.
//! - A retry with the same key and the same request (method, path and body) gets the stored
//!   response back, with `Idempotent-Replayed: true`, and does nothing else.
//! - The same key with a different request is a 422 naming `Idempotency-Key`.
//! - A retry that arrives while the first is still running is a 409.
//! - A request that fails (any status but 2xx) stores nothing: it changed nothing, so a retry,
//!   corrected or not, runs afresh.
//!
//! The record is written before the handler runs (`state = pending`, `attribute_not_exists`,
//! with a 60-second lease), and completed after it (`state = done`, under the lease). A
//! function that dies in between leaves the lease to expire; a retry then takes it over and
//! runs again. `POST /borrowers/{id}/enrollments` writes its record in the same transaction as
//! the enrollment instead (`enrollments::service`), so it cannot run twice at all.
//! Responses that carry a secret (a new webhook signing secret) are stored sealed.

use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::{HeaderName, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

use crate::context::AppContext;
use crate::error::ApiError;
use crate::store::{attr, internal, nexus::TTL_ATTRIBUTE, outbox, s};

/// How long a running request holds its key before a retry may take it over.
pub const LEASE: Duration = Duration::from_secs(60);
/// Stored bodies above this are not kept (DynamoDB items stop at 400 KB); the request still
/// succeeds, and a retry would run again.
const MAX_STORED_BODY: usize = 300 * 1024;
const SK: &str = "IDEMPOTENCY";

/// The `Idempotency-Key` header, if sent (an unreadable value becomes one the check refuses).
pub fn key_of(req: &Request) -> Option<String> {
    req.headers()
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").trim().to_string())
}

/// What makes two requests "the same": method, path, query string and body. A JSON body is
/// compared by its value (keys in any order, any whitespace), as Stripe compares parameters;
/// any other body byte for byte.
pub fn fingerprint(req: &Request) -> String {
    fingerprint_without(req, &[])
}

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::field(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(())
}

pub fn different_request() -> ApiError {
    ApiError::field(
        "Idempotency-Key",
        "was already used with a different request; use a new key for a new request",
    )
}

/// Whether a guarded response's body must be stored sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Plain,
    /// The body holds a secret shown once (a webhook signing secret).
    Sealed,
}

#[derive(Debug, Serialize, Deserialize)]
struct Headers(Vec<(String, String)>);

/// Runs `handler` under the request's `Idempotency-Key`, if it has one.
pub async fn guarded<'a, H, Fut>(
    ctx: &'a AppContext,
    req: Request,
    stored: Stored,
    handler: H,
) -> Response<Body>
where
    H: FnOnce(&'a AppContext, Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let Some(key) = key_of(&req) else {
        return handler(ctx, req).await;
    };
    // The key belongs to the tenant, so authenticate first (the handler's own check is then
    // answered from the warm key cache).
    let tenant = match crate::api::tenant(ctx, &req).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let fp = fingerprint(&req);
    let client = tenant.client_id.clone();
    once(
        ctx,
        &client,
        &client,
        &key,
        &fp,
        stored,
        || handler(ctx, req),
        |_| true,
    )
    .await
}

/// Runs `run` once per `key` within `scope` (the client id for the API; a Nexus session, or
/// the Nexus key or init token that starts one), with the same rules as [`guarded`]: `fp`
/// says what makes two requests the same (the Nexus routes leave the typed credentials out
/// of it, so no hash of a password is ever stored). `client_id` is recorded with it. A 2xx
/// whose body `keep` refuses (a refused login, which changed nothing) frees the key like a
/// failure.
#[allow(clippy::too_many_arguments)]
pub async fn once<F, Fut>(
    ctx: &AppContext,
    client_id: &str,
    scope: &str,
    key: &str,
    fp: &str,
    stored: Stored,
    run: F,
    keep: impl Fn(&str) -> bool,
) -> Response<Body>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    if let Err(e) = check_key(key) {
        return e.into_response();
    }
    let pk = outbox::idempotency_pk(scope, key);
    let lease = match begin(ctx, &pk, fp).await {
        Ok(Begin::Run(lease)) => lease,
        Ok(Begin::Replay(resp)) => return resp,
        Err(e) => return e.into_response(),
    };
    let resp = run().await;
    let kept = match resp.body() {
        Body::Text(t) => keep(t),
        _ => true,
    };
    finish(ctx, client_id, &pk, fp, &lease, stored, resp, kept).await
}

/// [`fingerprint`], with the JSON body's fields in `secret` (a password, a challenge answer)
/// left out: they are never stored, not even hashed.
pub fn fingerprint_without(req: &Request, secret: &[&str]) -> String {
    use lambda_http::RequestExt;
    use sha2::{Digest, Sha256};
    let body: &[u8] = match req.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    let canonical = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => {
            for k in secret {
                m.remove(*k);
            }
            serde_json::to_vec(&m).ok()
        }
        Ok(other) => serde_json::to_vec(&other).ok(),
        Err(_) => None,
    };
    let mut query: Vec<(String, String)> = req
        .query_string_parameters()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    query.sort();
    let mut h = Sha256::new();
    h.update(format!("{} {}\n", req.method(), req.uri().path()).as_bytes());
    h.update(format!("{query:?}\n").as_bytes());
    h.update(canonical.as_deref().unwrap_or(body));
    crate::crypto::hex(&h.finalize())
}

enum Begin {
    Run(String),
    Replay(Response<Body>),
}

async fn begin(ctx: &AppContext, pk: &str, fp: &str) -> Result<Begin, ApiError> {
    let store = &ctx.store;
    for _ in 0..3 {
        let now = chrono::Utc::now().timestamp();
        if let Some(item) = store.get(pk, SK).await? {
            if attr(&item, "request_hash") != Some(fp) {
                return Err(different_request());
            }
            if attr(&item, "state") != Some("pending") {
                return replay(ctx, pk, &item).map(Begin::Replay);
            }
            let lease_until = item
                .get("lease_until")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap_or(i64::MAX);
            if lease_until > now {
                return Err(ApiError::Conflict(
                    "A request with this Idempotency-Key is still being processed; retry in a moment.".into(),
                ));
            }
            // The first request's function died: take its lease over.
            let lease = uuid::Uuid::new_v4().to_string();
            let took = store
                .db_client()
                .update_item()
                .table_name(store.table_name())
                .key("PK", s(pk))
                .key("SK", s(SK))
                .update_expression("SET lease_id = :l, lease_until = :u")
                .condition_expression("#st = :pending AND lease_until <= :now")
                .expression_attribute_names("#st", "state")
                .expression_attribute_values(":l", s(&lease))
                .expression_attribute_values(":u", n(now + LEASE.as_secs() as i64))
                .expression_attribute_values(":pending", s("pending"))
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            match took {
                Ok(_) => return Ok(Begin::Run(lease)),
                Err(e) if is_condition_failed(&e) => continue,
                Err(e) => return Err(internal("UpdateItem idempotency lease", e)),
            }
        }
        let lease = uuid::Uuid::new_v4().to_string();
        let put = store
            .db_client()
            .put_item()
            .table_name(store.table_name())
            .item("PK", s(pk))
            .item("SK", s(SK))
            .item("entity", s("IdempotencyRecord"))
            .item("state", s("pending"))
            .item("request_hash", s(fp))
            .item("lease_id", s(&lease))
            .item("lease_until", n(now + LEASE.as_secs() as i64))
            .item("created_at", s(chrono::Utc::now().to_rfc3339()))
            .item(TTL_ATTRIBUTE, n(now + outbox::IDEMPOTENCY_SECONDS))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match put {
            Ok(_) => return Ok(Begin::Run(lease)),
            // Another request took the key between our read and our write: read it again.
            Err(e) if is_condition_failed(&e) => continue,
            Err(e) => return Err(internal("PutItem idempotency", e)),
        }
    }
    Err(ApiError::Conflict(
        "A request with this Idempotency-Key is still being processed; retry in a moment.".into(),
    ))
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn is_condition_failed<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    e: &aws_sdk_dynamodb::error::SdkError<E>,
) -> bool {
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

fn replay(
    ctx: &AppContext,
    pk: &str,
    item: &crate::store::Item,
) -> Result<Response<Body>, ApiError> {
    let status = item
        .get("status")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<u16>().ok())
        .and_then(|n| StatusCode::from_u16(n).ok())
        .unwrap_or(StatusCode::OK);
    let body = match (attr(item, "body"), attr(item, "body_sealed")) {
        (Some(b), _) => b.to_string(),
        (None, Some(sealed)) => ctx
            .cipher()?
            .open(sealed, pk)
            .map_err(|_| ApiError::Internal("idempotency record does not open".into()))?,
        (None, None) => String::new(),
    };
    let headers: Vec<(String, String)> = attr(item, "headers")
        .and_then(|h| serde_json::from_str::<Headers>(h).ok())
        .map(|h| h.0)
        .unwrap_or_default();
    let mut resp = Response::builder()
        .status(status)
        .body(if body.is_empty() {
            Body::Empty
        } else {
            Body::Text(body)
        })
        .map_err(|e| ApiError::Internal(format!("replay: {e}")))?;
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(resp)
}

/// Stores a 2xx response under the lease, or frees the key after a failure.
#[allow(clippy::too_many_arguments)]
async fn finish(
    ctx: &AppContext,
    client_id: &str,
    pk: &str,
    fp: &str,
    lease: &str,
    stored: Stored,
    resp: Response<Body>,
    kept: bool,
) -> Response<Body> {
    let store = &ctx.store;
    let ok = resp.status().is_success() && kept;
    let text = match resp.body() {
        Body::Text(t) => Some(t.clone()),
        Body::Empty => Some(String::new()),
        _ => None,
    };
    let result = match (ok, text) {
        (true, Some(text)) if text.len() <= MAX_STORED_BODY => {
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .filter(|(k, _)| k.as_str() != "x-request-id")
                .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
                .collect();
            let headers = serde_json::to_string(&Headers(headers)).unwrap_or_default();
            let mut u = store
                .db_client()
                .update_item()
                .table_name(store.table_name())
                .key("PK", s(pk))
                .key("SK", s(SK))
                .condition_expression("lease_id = :l AND request_hash = :h")
                .expression_attribute_names("#st", "state")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":l", s(lease))
                .expression_attribute_values(":h", s(fp))
                .expression_attribute_values(":done", s("done"))
                .expression_attribute_values(":code", n(i64::from(resp.status().as_u16())))
                .expression_attribute_values(":headers", s(headers))
                .expression_attribute_values(":client", s(client_id));
            let body_attr = match stored {
                Stored::Plain => ("body", Ok(text)),
                Stored::Sealed => ("body_sealed", ctx.cipher().map(|c| c.seal(&text, pk))),
            };
            match body_attr {
                (name, Ok(value)) => {
                    u = u
                        .update_expression(format!(
                            "SET #st = :done, #status = :code, headers = :headers, \
                             client_id = :client, {name} = :body REMOVE lease_until"
                        ))
                        .expression_attribute_values(":body", s(value));
                    u.send().await.map(|_| ()).map_err(|e| {
                        if is_condition_failed(&e) {
                            "lease lost".to_string()
                        } else {
                            internal("UpdateItem idempotency", e).to_string()
                        }
                    })
                }
                (_, Err(e)) => Err(e.to_string()),
            }
        }
        // A failure changed nothing: free the key so a retry runs again. (A body too large
        // to keep frees it too.)
        _ => store
            .db_client()
            .delete_item()
            .table_name(store.table_name())
            .key("PK", s(pk))
            .key("SK", s(SK))
            .condition_expression("lease_id = :l")
            .expression_attribute_values(":l", s(lease))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| internal("DeleteItem idempotency", e).to_string()),
    };
    if let Err(e) = result {
        // The change itself is done; only its replay record is missing.
        tracing::warn!(error = %e, "idempotency record not completed");
    }
    resp
}
