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

/// What authentication yields: the tenant every query is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub client_id: String,
}
