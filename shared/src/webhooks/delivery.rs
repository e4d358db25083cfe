//! Delivering events: the fan-out, the signed POST, retries with backoff, the delivery log.
//!
//! A queue message names an event. Without an endpoint it is fanned out: one message per
//! subscribed, active endpoint of the event's client. With one, the worker POSTs the event's
//! envelope to the endpoint, signed the Standard Webhooks way with the endpoint's secret:
//! `webhook-id` (the event id, the same on every retry), `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`.
//!
//! * 2xx: delivered; a redelivered message for the same event and endpoint is skipped.
//! * 410 Gone: the endpoint is disabled (rotating its secret turns it on again).
//! * anything else, or no answer within 10 s: retried after 5 s, 5 min, 30 min, 2 h, 5 h,
//!   10 h and 24 h, then given up. SQS delays a message 15 minutes at most, so a longer wait
//!   is made of hops that carry `not_before`.
//!
//! Every attempt is logged (`GET /webhooks/{id}/deliveries`).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::endpoints::{check_url, ip_allowed, Attempt, Endpoint, EndpointStatus};
use super::queue::{Message, Queue, MAX_DELAY_SECONDS};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::{now, ClientMode};

/// Waits after attempt 1, 2, ... before the next one.
pub const BACKOFF_SECONDS: &[i64] = &[5, 300, 1800, 7200, 18000, 36000, 86400];
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A resolver that refuses hosts with any address deliveries may not reach.
#[derive(Clone, Copy, Debug)]
struct SafeResolver {
    mode: ClientMode,
}

type Resolving =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, std::io::Error>> + Send>>;

impl tower_service::Service<Name> for SafeResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let mode = self.mode;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if addrs.is_empty() || addrs.iter().any(|a| !ip_allowed(a.ip(), mode)) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the host resolves to an address webhooks may not reach",
                ));
            }
            Ok(addrs.into_iter())
        })
    }
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector<SafeResolver>>, Full<Bytes>>;

/// The webhook sender (the port's real adapter): HTTPS with the system's roots, HTTP/1.1,
/// addresses checked at connection time.
pub struct Sender {
    live: HttpsClient,
    sandbox: HttpsClient,
}

fn client(mode: ClientMode) -> Result<HttpsClient, ApiError> {
    let mut http = HttpConnector::new_with_resolver(SafeResolver { mode });
    http.enforce_http(false);
    http.set_connect_timeout(Some(Duration::from_secs(5)));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| ApiError::Internal(format!("TLS roots: {e}")))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// What one POST got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Status(u16),
    Failed(String),
}

impl Sender {
    pub fn new() -> Result<Self, ApiError> {
        Ok(Sender {
            live: client(ClientMode::Live)?,
            sandbox: client(ClientMode::Sandbox)?,
        })
    }

    /// The process's sender (built once, on first use).
    pub fn shared() -> Result<&'static Sender, ApiError> {
        static SENDER: OnceLock<Sender> = OnceLock::new();
        if let Some(s) = SENDER.get() {
            return Ok(s);
        }
        let s = Sender::new()?;
        Ok(SENDER.get_or_init(|| s))
    }

    pub async fn post(
        &self,
        mode: ClientMode,
        url: &str,
        headers: &[(&str, String)],
        body: String,
    ) -> Outcome {
        let u = match check_url(url, mode) {
            Ok(u) => u,
            Err(why) => return Outcome::Failed(format!("refused: the URL {why}")),
        };
        let mut req = hyper::Request::post(u.as_str());
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let req = match req.body(Full::new(Bytes::from(body))) {
            Ok(r) => r,
            Err(e) => return Outcome::Failed(format!("request: {e}")),
        };
        let client = match mode {
            ClientMode::Live => &self.live,
            ClientMode::Sandbox => &self.sandbox,
        };
        let call = async {
            let resp = client.request(req).await?;
            let status = resp.status().as_u16();
            // Read (and drop) at most a little of the body, so the connection can be reused.
            let _ = tokio::time::timeout(Duration::from_secs(1), resp.into_body().collect()).await;
            Ok::<u16, hyper_util::client::legacy::Error>(status)
        };
        match tokio::time::timeout(TIMEOUT, call).await {
            Ok(Ok(status)) => Outcome::Status(status),
            Ok(Err(e)) => Outcome::Failed(describe(&e)),
            Err(_) => Outcome::Failed("no answer within 10 seconds".into()),
        }
    }
}

fn describe(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.chars().take(300).collect()
}

fn queue(ctx: &AppContext) -> Result<&Queue, ApiError> {
    ctx.queue()
        .ok_or_else(|| ApiError::Internal("WEBHOOK_QUEUE_URL is not configured".into()))
}

/// Handles one queue message. An `Err` leaves the message on the queue (it comes back after its
/// visibility timeout, and goes to the dead-letter queue after repeated failures).
pub async fn handle(ctx: &AppContext, sender: &Sender, m: &Message) -> Result<(), ApiError> {
    let Some(event) = ctx.store.webhook_event(&m.event_id).await? else {
        // Expired from the outbox (30 days): nothing left to deliver.
        return Ok(());
    };
    let Some(endpoint_id) = &m.endpoint_id else {
        // Fan out to every subscribed endpoint.
        let endpoints = ctx.store.webhook_endpoints(&event.client_id).await?;
        let messages: Vec<Message> = endpoints
            .iter()
            .filter(|e| e.wants(&event.event_type))
            .filter(|e| event.endpoint_id.as_ref().is_none_or(|only| *only == e.id))
            .map(|e| Message {
                event_id: event.id.clone(),
                endpoint_id: Some(e.id.clone()),
                attempt: 1,
                not_before: 0,
            })
            .collect();
        return queue(ctx)?.send_all(&messages).await;
    };
    let wait = m.not_before - chrono::Utc::now().timestamp();
    if wait > 0 {
        // A backoff longer than SQS's 15-minute delay: hop again.
        return queue(ctx)?.send(m, wait.min(MAX_DELAY_SECONDS)).await;
    }
    let Some(endpoint) = ctx
        .store
        .webhook_endpoint(&event.client_id, endpoint_id)
        .await?
    else {
        return Ok(()); // removed meanwhile
    };
    if endpoint.status != EndpointStatus::Active
        || ctx.store.delivered(&event.id, &endpoint.id).await?
    {
        return Ok(());
    }
    let secret = ctx
        .cipher()?
        .open(&endpoint.secret_sealed, &endpoint.secret_record())
        .map_err(|_| ApiError::Internal("an endpoint secret does not open".into()))?;
    let body = event.envelope().to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let signature = standardwebhooks::Webhook::new(&secret)
        .and_then(|w| w.sign(&event.id, timestamp, body.as_bytes()))
        .map_err(|e| ApiError::Internal(format!("signing: {e}")))?;
    let headers = [
        ("content-type", "application/json".to_string()),
        ("user-agent", "Loanpath-Webhooks/1".to_string()),
        ("webhook-id", event.id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ];
    let started = Instant::now();
    let outcome = sender
        .post(endpoint.mode, &endpoint.url, &headers, body)
        .await;
    let attempt = m.attempt.max(1);
    let mut record = Attempt {
        endpoint_id: endpoint.id.clone(),
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        attempt,
        at: now(),
        status_code: None,
        error: None,
        duration_ms: started.elapsed().as_millis() as u64,
        outcome: String::new(),
        next_attempt_at: None,
    };
    match outcome {
        Outcome::Status(code) if (200..300).contains(&code) => {
            record.status_code = Some(code);
            record.outcome = "delivered".into();
            ctx.store.mark_delivered(&event.id, &endpoint.id).await?;
        }
        Outcome::Status(410) => {
            record.status_code = Some(410);
            record.outcome = "disabled".into();
            disable(ctx, &endpoint, "The endpoint answered 410 Gone.").await?;
        }
        other => {
            match other {
                Outcome::Status(code) => {
                    record.status_code = Some(code);
                    record.error = Some(format!("answered {code}"));
                }
                Outcome::Failed(why) => record.error = Some(why),
            }
            match BACKOFF_SECONDS.get(attempt as usize - 1) {
                Some(delay) => {
                    let at = chrono::Utc::now().timestamp() + delay;
                    record.outcome = "retrying".into();
                    record.next_attempt_at = chrono::DateTime::from_timestamp(at, 0)
                        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                    let next = Message {
                        attempt: attempt + 1,
                        not_before: at,
                        ..m.clone()
                    };
                    queue(ctx)?
                        .send(&next, (*delay).min(MAX_DELAY_SECONDS))
                        .await?;
                }
                None => record.outcome = "failed".into(),
            }
        }
    }
    // The log is for people: once the delivery (or its retry) is settled, failing to write it
    // must not make SQS redeliver the message and start a second retry chain.
    if let Err(e) = ctx.store.record_attempt(&record).await {
        tracing::warn!(error = %e, event = %record.event_id, "delivery attempt not logged");
    }
    Ok(())
}

async fn disable(ctx: &AppContext, e: &Endpoint, why: &str) -> Result<(), ApiError> {
    let mut next = e.clone();
    next.status = EndpointStatus::Disabled;
    next.disabled_reason = Some(why.to_string());
    next.updated_at = now();
    next.version += 1;
    match ctx.store.put_webhook_endpoint(&next, Some(e.version)).await {
        Ok(()) | Err(ApiError::Conflict(_)) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Publishes events still pending in the outbox (the scheduled relay). Returns how many.
pub async fn relay(ctx: &AppContext, older_than_seconds: i64) -> Result<usize, ApiError> {
    let cutoff = chrono::Utc::now() - chrono::Duration::seconds(older_than_seconds);
    let pending: Vec<_> = ctx
        .store
        .pending_events(100)
        .await?
        .into_iter()
        .filter(|e| {
            chrono::DateTime::parse_from_rfc3339(&e.created_at)
                .map(|t| t <= cutoff)
                .unwrap_or(true)
        })
        .collect();
    super::publish_or_fail(ctx, &pending).await?;
    Ok(pending.len())
}
