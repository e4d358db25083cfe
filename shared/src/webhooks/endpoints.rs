//! Webhook endpoints: register, list, remove, rotate the secret, send a test event; and the
//! URL rules that keep deliveries from reaching our own network (no SSRF).
//!
//! Live clients register `https` URLs whose host resolves only to public addresses. Sandbox
//! clients may also use `http` and the loopback interface (`http://127.0.0.1:...`), for a
//! receiver on the developer's machine. Private, link-local, carrier-grade NAT, multicast and
//! metadata addresses are refused for everyone, at registration and again at delivery (the
//! delivery client resolves through the same check, so a DNS answer that changes later does
//! not get through).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Event, EVENT_TYPES};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::{now, ClientMode, Tenant};
use crate::store::{outbox, Tx};

pub const MAX_ENDPOINTS: usize = 10;
const MAX_URL: usize = 2048;

/// `active`, or `disabled` (it answered a delivery with 410 Gone): a disabled endpoint gets no
/// events until its secret is rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "WebhookStatus")]
pub enum EndpointStatus {
    Active,
    Disabled,
}

/// A registered endpoint. The signing secret is sealed (AES-256-GCM, bound to the endpoint);
/// it is shown once, when created or rotated, and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub client_id: String,
    pub mode: ClientMode,
    pub url: String,
    /// Subscribed event types; empty means all.
    pub events: Vec<String>,
    pub secret_sealed: String,
    pub status: EndpointStatus,
    pub disabled_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Endpoint {
    pub fn view(&self) -> EndpointView {
        EndpointView {
            id: self.id.clone(),
            url: self.url.clone(),
            events: self.events.clone(),
            status: self.status,
            disabled_reason: self.disabled_reason.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }

    /// The view with the signing secret, as create and rotate show it (once).
    fn view_with(&self, secret: String) -> EndpointWithSecret {
        EndpointWithSecret {
            endpoint: self.view(),
            secret,
        }
    }

    pub fn wants(&self, event_type: &str) -> bool {
        self.status == EndpointStatus::Active
            && (self.events.is_empty()
                || self.events.iter().any(|e| e == event_type)
                || event_type == "webhook.test")
    }

    /// The record the secret is sealed to: a sealed secret copied to another endpoint won't open.
    pub fn secret_record(&self) -> String {
        format!("webhook:{}", self.id)
    }
}

/// A registered webhook endpoint.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Webhook")]
pub struct EndpointView {
    /// `we_` and 32 hex digits.
    pub id: String,
    pub url: String,
    /// The event types it gets; empty means all of them.
    #[schemars(schema_with = "event_types")]
    pub events: Vec<String>,
    pub status: EndpointStatus,
    /// Why it was disabled; `null` while it is active.
    pub disabled_reason: Option<String>,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub created_at: String,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub updated_at: String,
}

/// A webhook endpoint with its signing secret, shown once: when it is created and when its
/// secret is rotated.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "WebhookWithSecret")]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// The signing secret (`whsec_`...): keep it, it is never shown again.
    pub secret: String,
}

/// `GET /webhooks`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WebhookList {
    pub webhooks: Vec<EndpointView>,
}

/// `POST /webhooks/test`'s answer (202): the test event is queued.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WebhookTest {
    pub event: QueuedEvent,
    /// The endpoint's id.
    pub webhook: String,
    pub queued: bool,
}

/// The event a test queued.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct QueuedEvent {
    pub id: String,
    pub event_type: String,
}

/// `GET /webhooks/{id}/deliveries`: the endpoint's latest attempts, newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WebhookDeliveries {
    /// The endpoint's id.
    pub webhook: String,
    pub deliveries: Vec<Attempt>,
}

/// The event types an endpoint subscribes to (`WebhookEventType`).
fn event_types(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "array", "items": g.subschema_for::<EventTypeName>()})
}

/// An event type an endpoint can subscribe to: every delivered type (the test event goes to
/// the endpoint it names whatever it subscribes to). One named component, `WebhookEventType`,
/// for the endpoints and the request that registers one.
pub struct EventTypeName;

impl schemars::JsonSchema for EventTypeName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WebhookEventType".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let delivered: Vec<&str> = EVENT_TYPES
            .iter()
            .copied()
            .filter(|e| *e != "webhook.test")
            .collect();
        schemars::json_schema!({
            "type": "string",
            "enum": delivered,
            "description": "An event type an endpoint can subscribe to."
        })
    }
}

/// One delivery attempt, as `GET /webhooks/{id}/deliveries` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "WebhookDelivery")]
pub struct Attempt {
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt.
    #[schemars(range(min = 1))]
    pub attempt: u32,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub at: String,
    /// The endpoint's HTTP status; null when it could not be reached.
    pub status_code: Option<u16>,
    /// What went wrong, in words (never the response body); null when the endpoint answered
    /// (see `status_code`).
    pub error: Option<String>,
    pub duration_ms: u64,
    /// `delivered`, `retrying`, `failed` (no retries left) or `disabled` (the endpoint said 410).
    #[schemars(with = "OutcomeName")]
    pub outcome: String,
    /// When the next retry goes; null when none will.
    #[schemars(with = "Option<chrono::DateTime<chrono::Utc>>")]
    pub next_attempt_at: Option<String>,
}

crate::api::openapi::derived::named_string_enum!(
    /// A delivery's `outcome` as one named component.
    OutcomeName,
    "WebhookDeliveryOutcome",
    vec!["delivered", "retrying", "failed", "disabled"],
    "delivered, retrying, failed (no retries left) or disabled (the endpoint said 410)."
);

/// Whether this process is a local stack (its AWS services are emulators on this machine):
/// only there may a sandbox client's webhooks reach the loopback interface. In AWS, 127.0.0.1
/// is the worker itself.
pub fn local_stack() -> bool {
    std::env::var("LOANPATH_LOCAL_STACK").is_ok_and(|v| v == "1")
        || std::env::vars().any(|(k, v)| {
            k.starts_with("AWS_ENDPOINT_URL")
                && (v.starts_with("http://127.0.0.1") || v.starts_with("http://localhost"))
        })
}

/// The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any.
fn embedded_v4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let low =
        |a: u16, b: u16| std::net::Ipv4Addr::new((a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    match v6.segments() {
        // IPv4-compatible ::a.b.c.d (not :: or ::1).
        [0, 0, 0, 0, 0, 0, a, b] if (a, b) != (0, 0) && (a, b) != (0, 1) => Some(low(a, b)),
        // NAT64 64:ff9b::/96 and 64:ff9b:1::/48.
        [0x64, 0xff9b, 0, 0, 0, 0, a, b] => Some(low(a, b)),
        [0x64, 0xff9b, 1, _, _, _, a, b] => Some(low(a, b)),
        // 6to4 2002:AABB:CCDD::/48.
        [0x2002, a, b, _, _, _, _, _] => Some(low(a, b)),
        _ => None,
    }
}

/// Whether deliveries may go to `ip` (loopback only for sandbox clients on a local stack).
pub fn ip_allowed(ip: IpAddr, mode: ClientMode) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    if ip.is_loopback() {
        return mode == ClientMode::Sandbox && local_stack();
    }
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            !(v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] & 0xffc0) == 0xfec0
                || (seg[0] == 0x0100 && seg[1..4] == [0, 0, 0])
                || (seg[0] == 0x2001 && seg[1] < 0x0200)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8))
        }
    }
}

/// The URL's host and port, checked against the rules (the DNS check is separate).
pub fn check_url(raw: &str, mode: ClientMode) -> Result<url::Url, String> {
    if raw.len() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} characters"));
    }
    let u = url::Url::parse(raw.trim())
        .map_err(|_| "must be an absolute URL such as https://example.com/hooks".to_string())?;
    match (u.scheme(), mode) {
        ("https", _) | ("http", ClientMode::Sandbox) => {}
        ("http", ClientMode::Live) => return Err("must use https".into()),
        _ => return Err("must be an http(s) URL".into()),
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not carry a username or password".into());
    }
    if u.fragment().is_some() {
        return Err("must not have a #fragment".into());
    }
    match u.host() {
        None => Err("must have a host".into()),
        Some(url::Host::Ipv4(ip)) if !ip_allowed(IpAddr::V4(ip), mode) => Err(forbidden(mode)),
        Some(url::Host::Ipv6(ip)) if !ip_allowed(IpAddr::V6(ip), mode) => Err(forbidden(mode)),
        Some(url::Host::Domain(d))
            if mode == ClientMode::Live
                && (d.eq_ignore_ascii_case("localhost")
                    || d.ends_with(".localhost")
                    || d.ends_with(".internal")) =>
        {
            Err(forbidden(mode))
        }
        _ => Ok(u),
    }
}

fn forbidden(mode: ClientMode) -> String {
    match mode {
        ClientMode::Live => "must reach a public address: loopback, private, link-local and metadata addresses are refused".into(),
        ClientMode::Sandbox => "must reach a public address or the loopback interface (127.0.0.1): private, link-local and metadata addresses are refused".into(),
    }
}

/// Resolves the URL's host and checks every address.
pub async fn check_resolves(u: &url::Url, mode: ClientMode) -> Result<(), String> {
    let Some(url::Host::Domain(host)) = u.host() else {
        return Ok(());
    };
    let port = u.port_or_known_default().unwrap_or(443);
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("has a host ({host}) that does not resolve"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("has a host ({host}) that does not resolve"));
    }
    if addrs.iter().any(|a| !ip_allowed(a.ip(), mode)) {
        return Err(forbidden(mode));
    }
    Ok(())
}

fn new_secret() -> String {
    use base64::Engine;
    let raw = crate::crypto::generate_secret("");
    let bytes: Vec<u8> = (0..24)
        .map(|i| u8::from_str_radix(&raw[i * 2..i * 2 + 2], 16).unwrap_or(0))
        .collect();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn parse_events(v: Option<&Value>) -> Result<Vec<String>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => {
            let mut out = Vec::new();
            for item in list {
                match item.as_str() {
                    Some(t) if EVENT_TYPES.contains(&t) && t != "webhook.test" => {
                        if !out.iter().any(|o| o == t) {
                            out.push(t.to_string());
                        }
                    }
                    _ => {
                        return Err(ApiError::field(
                            "events",
                            format!(
                                "must list event types among {}",
                                EVENT_TYPES[..EVENT_TYPES.len() - 1].join(", ")
                            ),
                        ))
                    }
                }
            }
            Ok(out)
        }
        Some(_) => Err(ApiError::field("events", "must be an array of event types")),
    }
}

async fn valid_url(body: &Map<String, Value>, mode: ClientMode) -> Result<String, ApiError> {
    let raw = match body.get("url") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim(),
        _ => {
            return Err(ApiError::field(
                "url",
                "is required: the https URL to deliver events to",
            ))
        }
    };
    let u = check_url(raw, mode).map_err(|p| ApiError::field("url", p))?;
    check_resolves(&u, mode)
        .await
        .map_err(|p| ApiError::field("url", p))?;
    Ok(u.to_string())
}

/// `POST /webhooks {url, events?}` -> 201 the endpoint and its secret (shown once).
pub async fn create(
    ctx: &AppContext,
    tenant: &Tenant,
    body: &Map<String, Value>,
) -> Result<EndpointWithSecret, ApiError> {
    crate::http::body_only(body, &["url", "events"])?;
    let url = valid_url(body, tenant.mode).await?;
    let events = parse_events(body.get("events"))?;
    let existing = ctx.store.webhook_endpoints(&tenant.client_id).await?;
    if existing.len() >= MAX_ENDPOINTS {
        return Err(ApiError::Conflict(format!(
            "A client has at most {MAX_ENDPOINTS} webhook endpoints; remove one first."
        )));
    }
    if let Some(same) = existing.iter().find(|e| e.url == url) {
        return Err(ApiError::Conflict(format!(
            "{url} is already registered as {}.",
            same.id
        )));
    }
    let secret = new_secret();
    let stamp = now();
    let mut e = Endpoint {
        id: format!("we_{}", uuid::Uuid::new_v4().simple()),
        client_id: tenant.client_id.clone(),
        mode: tenant.mode,
        url,
        events,
        secret_sealed: String::new(),
        status: EndpointStatus::Active,
        disabled_reason: None,
        created_at: stamp.clone(),
        updated_at: stamp,
        version: 1,
    };
    e.secret_sealed = ctx.cipher()?.seal(&secret, &e.secret_record());
    ctx.store.put_webhook_endpoint(&e, None).await?;
    Ok(e.view_with(secret))
}

pub async fn list(ctx: &AppContext, tenant: &Tenant) -> Result<WebhookList, ApiError> {
    let all = ctx.store.webhook_endpoints(&tenant.client_id).await?;
    Ok(WebhookList {
        webhooks: all.iter().map(Endpoint::view).collect(),
    })
}

async fn owned(ctx: &AppContext, tenant: &Tenant, id: &str) -> Result<Endpoint, ApiError> {
    let id = id.trim();
    if !id.starts_with("we_") || id.len() > 64 {
        return Err(ApiError::not_found("Webhook"));
    }
    ctx.store
        .webhook_endpoint(&tenant.client_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Webhook"))
}

pub async fn delete(ctx: &AppContext, tenant: &Tenant, id: &str) -> Result<(), ApiError> {
    let e = owned(ctx, tenant, id).await?;
    if ctx
        .store
        .delete_webhook_endpoint(&tenant.client_id, &e.id)
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::not_found("Webhook"))
    }
}

/// `POST /webhooks/{id}/rotate_secret` -> the endpoint with its new secret (shown once). The
/// old one stops signing at once; a disabled endpoint is active again.
pub async fn rotate(
    ctx: &AppContext,
    tenant: &Tenant,
    id: &str,
) -> Result<EndpointWithSecret, ApiError> {
    let mut e = owned(ctx, tenant, id).await?;
    let expected = e.version;
    let secret = new_secret();
    e.secret_sealed = ctx.cipher()?.seal(&secret, &e.secret_record());
    e.status = EndpointStatus::Active;
    e.disabled_reason = None;
    e.updated_at = now();
    e.version += 1;
    ctx.store.put_webhook_endpoint(&e, Some(expected)).await?;
    Ok(e.view_with(secret))
}

/// `POST /webhooks/test {url}`: queues the documented test event (`data: null`) for the
/// registered endpoint with that URL. 202: it is delivered like every other event.
pub async fn test(
    ctx: &AppContext,
    tenant: &Tenant,
    body: &Map<String, Value>,
) -> Result<WebhookTest, ApiError> {
    crate::http::body_only(body, &["url"])?;
    let url = match body.get("url") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            return Err(ApiError::field(
                "url",
                "is required: the URL of a registered endpoint",
            ))
        }
    };
    let normal = url::Url::parse(&url)
        .map(|u| u.to_string())
        .unwrap_or(url.clone());
    let all = ctx.store.webhook_endpoints(&tenant.client_id).await?;
    let e = all
        .iter()
        .find(|e| e.url == normal || e.url == url)
        .ok_or_else(|| {
            ApiError::field(
                "url",
                "is not a registered endpoint: register it with POST /api/v1/webhooks first",
            )
        })?;
    if e.status != EndpointStatus::Active {
        return Err(ApiError::Conflict(format!(
            "Webhook {} is disabled ({}); rotate its secret to turn it on again.",
            e.id,
            e.disabled_reason.as_deref().unwrap_or("disabled")
        )));
    }
    let mut event = Event::new(&tenant.client_id, "webhook.test", &Value::Null);
    event.endpoint_id = Some(e.id.clone());
    let mut tx = Tx::new();
    tx.put_new(&ctx.store, "event", outbox::event_item(&event)?);
    tx.commit(&ctx.store).await?;
    super::publish(ctx, std::slice::from_ref(&event)).await;
    Ok(WebhookTest {
        event: QueuedEvent {
            id: event.id,
            event_type: event.event_type,
        },
        webhook: e.id.clone(),
        queued: true,
    })
}

/// `GET /webhooks/{id}/deliveries`: the endpoint's latest attempts, newest first.
pub async fn deliveries(
    ctx: &AppContext,
    tenant: &Tenant,
    id: &str,
) -> Result<WebhookDeliveries, ApiError> {
    let e = owned(ctx, tenant, id).await?;
    let attempts = ctx.store.attempts(&e.id, 100).await?;
    Ok(WebhookDeliveries {
        webhook: e.id,
        deliveries: attempts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_would_reach_our_own_network_are_refused() {
        use ClientMode::*;
        assert!(check_url("https://hooks.example.com/loanpath", Live).is_ok());
        for bad in [
            "http://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://localhost/x",
            "https://10.0.0.5/x",
            "https://172.16.1.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[fd00:ec2::254]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://0.0.0.0/x",
            "https://user:pw@hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "not a url",
        ] {
            assert!(check_url(bad, Live).is_err(), "{bad}");
        }
        for bad in [
            "https://[64:ff9b::a00:5]/x",
            "https://[::a9fe:a9fe]/x",
            "https://[2002:a00:1::]/x",
            "https://[fec0::1]/x",
            "https://2130706433/x",
            "https://0x7f.1/x",
        ] {
            assert!(check_url(bad, Live).is_err(), "{bad}");
        }
        // Loopback only for sandbox clients, and only on a local stack.
        std::env::set_var("LOANPATH_LOCAL_STACK", "1");
        assert!(check_url("http://127.0.0.1:8080/hook", Sandbox).is_ok());
        assert!(check_url("http://localhost:8080/hook", Sandbox).is_ok());
        assert!(check_url("http://169.254.169.254/", Sandbox).is_err());
        assert!(check_url("http://10.1.2.3/", Sandbox).is_err());
    }

    #[test]
    fn secrets_are_standard_webhooks_secrets() {
        let s = new_secret();
        assert!(s.starts_with("whsec_"));
        assert!(standardwebhooks::Webhook::new(&s).is_ok());
        assert_ne!(s, new_secret());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_for_live_clients() {
        let u = check_url("https://localhost.localdomain.test/x", ClientMode::Live).unwrap();
        assert!(check_resolves(&u, ClientMode::Live).await.is_err());
        std::env::set_var("LOANPATH_LOCAL_STACK", "1");
        let u = check_url("http://localhost:1/x", ClientMode::Sandbox).unwrap();
        assert!(check_resolves(&u, ClientMode::Sandbox).await.is_ok());
    }
}
