//! Clients (tenants) and their API keys.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Client {
    pub client_id: String,
    pub name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// Secret key sent as `Authorization: Bearer <key>`.
    Api,
    /// Public key the Nexus widget is initialised with.
    Nexus,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiKeyInfo {
    pub key_id: String,
    pub client_id: String,
    pub kind: KeyKind,
    pub revoked: bool,
    pub created_at: String,
}

/// Whether a client works against the sandbox (simulated servicers, sandbox-only routes) or
/// live. Stored on the client and on its key lookup items; a missing value is `Live`, so an
/// unmarked client never gets sandbox data or sandbox routes (fail closed).
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[schemars(
    rename = "Mode",
    description = "`sandbox` (simulated servicers and the sandbox routes) or `live`."
)]
pub enum ClientMode {
    Sandbox,
    #[default]
    Live,
}

impl ClientMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientMode::Sandbox => "sandbox",
            ClientMode::Live => "live",
        }
    }

    /// `sandbox` or `live`; anything else (or nothing) is `Live`.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("sandbox") => ClientMode::Sandbox,
            _ => ClientMode::Live,
        }
    }
}

/// What authentication yields: the tenant every query is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub client_id: String,
    pub mode: ClientMode,
}
