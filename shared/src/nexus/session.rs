//! Nexus sessions and init tokens.
//!
//! A page starts a session with its public Nexus key (or a single-use init token its server
//! minted with the secret API key) and a `borrower`. The session token is random, stored only as
//! its SHA-256, lasts [`SESSION_SECONDS`], and is scoped to one client and one borrower: every
//! other Nexus route derives its tenant and borrower from it, never from the request.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{epoch, expired, in_seconds, origins};
use crate::borrowers;
use crate::context::AppContext;
use crate::crypto::generate_secret;
use crate::error::ApiError;
use crate::model::payload::{parse_borrower_payload, BorrowerRef};
use crate::model::{now, ClientMode, Tenant};
use crate::store::clients::NexusClient;

pub const SESSION_SECONDS: i64 = 30 * 60;
pub const INIT_TOKEN_SECONDS: i64 = 30 * 60;
const MAX_BORROWER_REF: usize = 200;

pub const BAD_SESSION: &str =
    "The Nexus session is missing, expired or not valid. Open Nexus again to start a new one.";
pub const BAD_NEXUS_KEY: &str = "Invalid Nexus key. Please check and try again.";
pub const BAD_INIT_TOKEN: &str =
    "This Nexus token is not valid: it is unknown, expired or already used. Mint a new one.";

/// The workflows the widget runs: `link` (servicer accounts), `assess` (link, then the
/// repayment options) and `enroll` (assess, then an Enrollment Request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "NexusWorkflow")]
pub enum Workflow {
    Link,
    Assess,
    Enroll,
}

impl Workflow {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "link" => Some(Workflow::Link),
            "assess" => Some(Workflow::Assess),
            "enroll" => Some(Workflow::Enroll),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Workflow::Link => "link",
            Workflow::Assess => "assess",
            Workflow::Enroll => "enroll",
        }
    }

    /// Whether a session opened for this workflow may take `step`: linking runs in every
    /// workflow (assess and enroll link first when there is no portfolio), assessing in assess
    /// and enroll, enrolling (and the identity, SSN and income an Enrollment Request needs)
    /// only in enroll, as Payitoff's workflows nest.
    pub fn allows(self, step: Workflow) -> bool {
        match step {
            Workflow::Link => true,
            Workflow::Assess => self != Workflow::Link,
            Workflow::Enroll => self == Workflow::Enroll,
        }
    }
}

impl NexusSession {
    /// A 403 unless this session's workflow takes `step` (`what` says what was asked).
    pub fn require(&self, step: Workflow, what: &str) -> Result<(), ApiError> {
        if self.workflow.allows(step) {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "This Nexus session was opened for the {} workflow, which cannot {what}: open the {} workflow for it.",
            self.workflow.as_str(),
            step.as_str()
        )))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NexusSession {
    pub session_id: String,
    pub client_id: String,
    pub mode: ClientMode,
    pub borrower_uuid: Uuid,
    /// The embedding page's origin, checked when the session started.
    pub origin: String,
    /// The client's origin patterns when the session started (CORS answers these).
    pub allowed_origins: Vec<String>,
    pub workflow: Workflow,
    pub created_at: String,
    pub expires_at: String,
}

impl NexusSession {
    pub fn tenant(&self) -> Tenant {
        Tenant {
            client_id: self.client_id.clone(),
            mode: self.mode,
        }
    }

    pub fn borrower_ref(&self) -> BorrowerRef {
        BorrowerRef::Uuid(self.borrower_uuid)
    }

    pub fn is_expired(&self) -> bool {
        expired(&self.expires_at)
    }

    pub fn expires_epoch(&self) -> i64 {
        epoch(&self.expires_at)
    }
}

/// A single-use token that starts one session for one borrower, minted server-side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitToken {
    pub client_id: String,
    pub borrower_uuid: Uuid,
    pub created_at: String,
    pub expires_at: String,
    /// The one workflow the token opens, when the server minted it for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
}

impl InitToken {
    pub fn is_expired(&self) -> bool {
        expired(&self.expires_at)
    }

    pub fn expires_epoch(&self) -> i64 {
        epoch(&self.expires_at)
    }
}

/// A started session: the token is shown once, to the widget.
pub struct Started {
    pub token: String,
    pub session: NexusSession,
    pub borrower_created: bool,
}

impl Started {
    pub fn view(&self) -> super::views::SessionCreated<'_> {
        super::views::SessionCreated {
            session_token: &self.token,
            session_id: &self.session.session_id,
            expires_at: &self.session.expires_at,
            mode: self.session.mode,
            workflow: self.session.workflow,
            borrower: super::views::ResolvedBorrower {
                uuid: self.session.borrower_uuid,
                created: self.borrower_created,
            },
        }
    }
}

fn text<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim())),
        Some(_) => Err(ApiError::field(field, "must be a string")),
    }
}

/// `POST /nexus/sessions` with `{nexus_key, borrower, origin, workflow}` or `{token, origin,
/// workflow}`.
pub async fn start(
    ctx: &AppContext,
    body: &Map<String, Value>,
    origin_header: Option<&str>,
    host_header: Option<&str>,
) -> Result<Started, ApiError> {
    // Read as sent: `parse_origin` trims only the ASCII whitespace the documented pattern
    // allows (`text` would trim any Unicode space first).
    let origin_raw = match body.get("origin") {
        None | Some(Value::Null) => Err(ApiError::field(
            "origin",
            "is required: the embedding page's location.origin",
        )),
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(_) => Err(ApiError::field("origin", "must be a string")),
    }?;
    let origin = origins::parse_origin(origin_raw).ok_or_else(|| {
        ApiError::field(
            "origin",
            "must be an origin such as https://app.example.com",
        )
    })?;
    // A browser's own Origin header can't be forged by a page. The widget calls from
    // Loanpath's own origin (the header's host is this API's); any other caller's header must
    // be the origin the session names.
    if let Some(h) = origin_header.and_then(origins::parse_origin) {
        let ours = host_header.is_some_and(|host| {
            h.split_once("://")
                .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host.trim()))
        });
        if !ours && h != origin {
            return Err(ApiError::Forbidden(format!(
                "The request comes from {h}, not from the origin it names ({origin})."
            )));
        }
    }
    let workflow = match text(body, "workflow")? {
        None => Workflow::Link,
        Some(w) => Workflow::parse(w)
            .ok_or_else(|| ApiError::field("workflow", "must be one of link, assess, enroll"))?,
    };
    let token = text(body, "token")?;
    let key = text(body, "nexus_key")?;
    let (client, borrower_uuid, created) = match (token, key) {
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "token",
                "give either token or nexus_key, not both",
            ))
        }
        (Some(token), None) => {
            let peek = ctx
                .store
                .peek_init_token(token)
                .await?
                .ok_or(ApiError::Unauthorized(BAD_INIT_TOKEN))?;
            let client = ctx
                .store
                .nexus_client(&peek.client_id)
                .await?
                .ok_or(ApiError::Unauthorized(BAD_INIT_TOKEN))?;
            check_origin(&client, &origin)?;
            // Checked before the token is used up, like the origin.
            if let Some(only) = peek.workflow.filter(|w| *w != workflow) {
                return Err(ApiError::Forbidden(format!(
                    "This token opens the {} workflow only: mint one for {}.",
                    only.as_str(),
                    workflow.as_str()
                )));
            }
            let used = ctx
                .store
                .take_init_token(token)
                .await?
                .ok_or(ApiError::Unauthorized(BAD_INIT_TOKEN))?;
            (client, used.borrower_uuid, false)
        }
        (None, Some(key)) => {
            let client = ctx
                .store
                .nexus_key_client(key)
                .await?
                .ok_or(ApiError::Unauthorized(BAD_NEXUS_KEY))?;
            if !client.key_sessions {
                return Err(ApiError::Forbidden(
                    "This client starts Nexus sessions from init tokens only: mint one with POST /api/v1/nexus/tokens and call Nexus({token}).".into(),
                ));
            }
            check_origin(&client, &origin)?;
            let borrower = text(body, "borrower")?.ok_or_else(|| {
                ApiError::field(
                    "borrower",
                    "is required: a borrower uuid or your own id for the borrower",
                )
            })?;
            let tenant = Tenant {
                client_id: client.client_id.clone(),
                mode: client.mode,
            };
            let (uuid, created) = resolve_borrower(ctx, &tenant, borrower).await?;
            (client, uuid, created)
        }
        (None, None) => {
            return Err(ApiError::field(
                "nexus_key",
                "is required (or token): initialise Nexus with your Nexus key",
            ))
        }
    };
    let token = generate_secret("nxs_");
    let session = NexusSession {
        session_id: format!("ses_{}", Uuid::new_v4().simple()),
        client_id: client.client_id.clone(),
        mode: client.mode,
        borrower_uuid,
        origin,
        allowed_origins: client.allowed_origins.clone(),
        workflow,
        created_at: now(),
        expires_at: in_seconds(SESSION_SECONDS),
    };
    ctx.store.put_nexus_session(&token, &session).await?;
    Ok(Started {
        token,
        session,
        borrower_created: created,
    })
}

fn check_origin(client: &NexusClient, origin: &str) -> Result<(), ApiError> {
    if origins::allowed(client, origin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "The origin {origin} is not allowed to use Nexus for this client: add it to the client's allowed origins (locally, `scripts/admin set-origins`)."
        )))
    }
}

/// A page's `borrower`: one of the client's uuids, else the client's own external id, fetched
/// or created (as the seed documents say).
pub async fn resolve_borrower(
    ctx: &AppContext,
    tenant: &Tenant,
    value: &str,
) -> Result<(Uuid, bool), ApiError> {
    if value.chars().count() > MAX_BORROWER_REF {
        return Err(ApiError::field(
            "borrower",
            format!("must be at most {MAX_BORROWER_REF} characters"),
        ));
    }
    if let Ok(u) = Uuid::parse_str(value) {
        match ctx.store.borrower(tenant, &BorrowerRef::Uuid(u)).await {
            Ok(b) => return Ok((b.uuid, false)),
            Err(ApiError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(b) = ctx.store.borrower_by_external_id(tenant, value).await? {
        return Ok((b.uuid, false));
    }
    let payload = json!({"external_id": value});
    let patch = parse_borrower_payload(payload.as_object().expect("object literal")).map_err(
        |e| match e {
            ApiError::Validation { fields, .. } => ApiError::field(
                "borrower",
                fields
                    .into_values()
                    .next()
                    .unwrap_or_else(|| "is not a usable id".into()),
            ),
            other => other,
        },
    )?;
    match borrowers::create(ctx, tenant, patch).await {
        Ok(out) => Ok((out.borrower.uuid, true)),
        // Another request created it first: use that one.
        Err(ApiError::Conflict(_)) => ctx
            .store
            .borrower_by_external_id(tenant, value)
            .await?
            .map(|b| (b.uuid, false))
            .ok_or_else(|| ApiError::Conflict("The borrower changed meanwhile; retry.".into())),
        Err(e) => Err(e),
    }
}

/// The session an `Authorization: Bearer nxs_...` header names. API keys and Nexus keys are
/// not session tokens, so they never pass here.
pub async fn authenticate(
    ctx: &AppContext,
    authorization: Option<&str>,
) -> Result<NexusSession, ApiError> {
    let token = authorization
        .and_then(|h| h.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| t.starts_with("nxs_"))
        .ok_or(ApiError::Unauthorized(BAD_SESSION))?;
    ctx.store
        .nexus_session(token)
        .await?
        .ok_or(ApiError::Unauthorized(BAD_SESSION))
}

/// `POST /api/v1/nexus/tokens` `{borrower}` with the secret API key: a single-use init token.
pub async fn mint_init_token(
    ctx: &AppContext,
    tenant: &Tenant,
    body: &Map<String, Value>,
) -> Result<super::views::TokenView, ApiError> {
    crate::http::body_only(body, &["borrower", "workflow"])?;
    let workflow = text(body, "workflow")?
        .map(|w| {
            Workflow::parse(w)
                .ok_or_else(|| ApiError::field("workflow", "must be one of link, assess, enroll"))
        })
        .transpose()?;
    if let Some(Value::Number(_)) = body.get("borrower") {
        return Err(ApiError::field(
            "borrower",
            "must be a string: a borrower uuid, or your own external id (as at Nexus initialisation)",
        ));
    }
    let borrower = text(body, "borrower")?.ok_or_else(|| {
        ApiError::field(
            "borrower",
            "is required: a borrower uuid, or your own external id",
        )
    })?;
    // The same rule as Nexus initialisation, so a value names the same borrower both ways:
    // one of the client's uuids, else the client's own external id (fetched or created).
    let (uuid, created) = resolve_borrower(ctx, tenant, borrower).await?;
    let token = generate_secret("nxt_");
    let t = InitToken {
        client_id: tenant.client_id.clone(),
        borrower_uuid: uuid,
        created_at: now(),
        expires_at: in_seconds(INIT_TOKEN_SECONDS),
        workflow,
    };
    ctx.store.put_init_token(&token, &t).await?;
    Ok(super::views::TokenView {
        token,
        expires_at: t.expires_at,
        workflow,
        borrower: super::views::ResolvedBorrower { uuid, created },
    })
}
