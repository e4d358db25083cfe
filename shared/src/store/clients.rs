//! Clients (tenants) and API keys. Keys are stored only as SHA-256 hashes.

use aws_sdk_dynamodb::types::{AttributeValue, Update};
use uuid::Uuid;

use super::{attr, internal, keys, s, Item, Store, Tx};
use crate::crypto::{generate_secret, hash_key};
use crate::error::{ApiError, INVALID_TOKEN, NO_AUTH_HEADER, NO_BEARER};
use crate::model::{now, ApiKeyInfo, Client, ClientMode, KeyKind, Tenant};

/// A client as created: the only moment its keys exist in clear. `Debug` shows the key ids,
/// never the keys.
#[derive(Clone, serde::Serialize)]
pub struct NewClient {
    pub client_id: String,
    pub name: String,
    pub api_key: String,
    pub api_key_id: String,
    pub nexus_key: String,
    pub nexus_key_id: String,
    pub mode: ClientMode,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("api_key", &"<redacted>")
            .field("api_key_id", &self.api_key_id)
            .field("nexus_key", &"<redacted>")
            .field("nexus_key_id", &self.nexus_key_id)
            .field("mode", &self.mode)
            .finish()
    }
}

/// What a client's Nexus key (or a session started with it) needs to know about the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NexusClient {
    pub client_id: String,
    pub mode: ClientMode,
    /// Origins set with `scripts/admin set-origins` (sandbox clients also allow localhost).
    pub allowed_origins: Vec<String>,
    /// Whether the public Nexus key may start sessions (`Nexus({nexus_key, borrower})`, the
    /// seed's way; on unless turned off). Off, only single-use init tokens do.
    pub key_sessions: bool,
}

/// The form every client id has: 1 to 64 ASCII letters, digits or `-` (generated ids are uuids).
pub fn valid_client_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn key_mode(item: &Item) -> ClientMode {
    ClientMode::parse(attr(item, "mode"))
}

fn key_info(item: &Item) -> Option<ApiKeyInfo> {
    Some(ApiKeyInfo {
        key_id: attr(item, "key_id")?.to_string(),
        client_id: attr(item, "client_id")?.to_string(),
        // An unknown kind authenticates nothing (fail closed).
        kind: match attr(item, "kind")? {
            "nexus" => KeyKind::Nexus,
            "api" => KeyKind::Api,
            _ => return None,
        },
        revoked: item
            .get("revoked")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        created_at: attr(item, "created_at").unwrap_or_default().to_string(),
    })
}

impl Store {
    /// Creates a client with fresh random keys, or with the given ones (the sandbox seed).
    /// With given keys it is idempotent: a key that already exists is left alone, and the mode
    /// is set again (so a seed over an older table marks its client).
    pub async fn create_client(
        &self,
        name: &str,
        given: Option<(&str, &str, &str)>,
        mode: ClientMode,
    ) -> Result<NewClient, ApiError> {
        let (client_id, api_key, nexus_key) = match given {
            // A client id is a key part (`CLIENT#<id>`, `EXTID#<id>#...`): a fixed form, so no
            // chosen id can run into another tenant's keys.
            Some((id, ..)) if !valid_client_id(id) => {
                return Err(ApiError::field(
                    "client_id",
                    "must be 1 to 64 letters, digits or '-'",
                ))
            }
            Some((id, api, nexus)) => (id.to_string(), api.to_string(), nexus.to_string()),
            None => (
                Uuid::new_v4().to_string(),
                generate_secret("lp_sk_"),
                generate_secret("lp_nx_"),
            ),
        };
        let created = now();
        let client = NewClient {
            api_key_id: format!("key_{}", &hash_key(&api_key)[..16]),
            nexus_key_id: format!("key_{}", &hash_key(&nexus_key)[..16]),
            client_id,
            name: name.to_string(),
            api_key,
            nexus_key,
            mode,
        };
        let mut tx = Tx::new();
        tx.put_new(
            self,
            "client",
            Item::from([
                ("PK".into(), s(keys::client(&client.client_id))),
                ("SK".into(), s(keys::CLIENT_SK)),
                ("entity".into(), s("Client")),
                ("client_id".into(), s(&client.client_id)),
                ("name".into(), s(name)),
                ("mode".into(), s(mode.as_str())),
                ("created_at".into(), s(&created)),
                ("GSI1PK".into(), s(keys::ALL_CLIENTS)),
                (
                    "GSI1SK".into(),
                    s(format!("CLIENT#{created}#{}", client.client_id)),
                ),
            ]),
        );
        for (key, key_id, kind) in [
            (&client.api_key, &client.api_key_id, "api"),
            (&client.nexus_key, &client.nexus_key_id, "nexus"),
        ] {
            let hash = hash_key(key);
            let common = [
                ("key_id".to_string(), s(key_id)),
                ("client_id".to_string(), s(&client.client_id)),
                ("kind".to_string(), s(kind)),
                ("mode".to_string(), s(mode.as_str())),
                ("revoked".to_string(), AttributeValue::Bool(false)),
                ("created_at".to_string(), s(&created)),
            ];
            let mut lookup = Item::from(common.clone());
            lookup.insert("PK".into(), s(keys::api_key(&hash)));
            lookup.insert("SK".into(), s(keys::APIKEY_SK));
            lookup.insert("entity".into(), s("ApiKey"));
            tx.put_new(self, "api key", lookup);
            let mut record = Item::from(common);
            record.insert("PK".into(), s(keys::client(&client.client_id)));
            record.insert("SK".into(), s(keys::client_key(key_id)));
            record.insert("entity".into(), s("ClientKey"));
            record.insert("key_hash".into(), s(hash));
            record.insert("GSI1PK".into(), s(keys::key_id_index(key_id)));
            record.insert("GSI1SK".into(), s("KEY"));
            tx.put_new(self, "client key", record);
        }
        match tx.commit(self).await {
            Ok(()) => Ok(client),
            Err(super::TxError::Conflict(_)) if given.is_some() => {
                // The seed again: fine only if the stored keys are these keys of this client.
                // A key that already belongs to another client (or another kind) is a conflict,
                // never a silent success.
                for (key, kind) in [(&client.api_key, "api"), (&client.nexus_key, "nexus")] {
                    let stored = self
                        .get(&keys::api_key(&hash_key(key)), keys::APIKEY_SK)
                        .await?;
                    let same = stored.as_ref().is_some_and(|i| {
                        attr(i, "client_id") == Some(client.client_id.as_str())
                            && attr(i, "kind") == Some(kind)
                    });
                    if !same {
                        return Err(ApiError::Conflict(format!(
                            "The {kind} key given for client {} is not that client's.",
                            client.client_id
                        )));
                    }
                    // A revoked key stays revoked: seeding it again must not look like success.
                    if stored
                        .as_ref()
                        .and_then(key_info)
                        .is_some_and(|k| k.revoked)
                    {
                        return Err(ApiError::Conflict(format!(
                            "The {kind} key given for client {} was revoked.",
                            client.client_id
                        )));
                    }
                }
                if self
                    .get(&keys::client(&client.client_id), keys::CLIENT_SK)
                    .await?
                    .is_none()
                {
                    return Err(ApiError::Conflict(format!(
                        "Client {} has no client record; its keys belong to nothing.",
                        client.client_id
                    )));
                }
                self.set_client_mode(&client.client_id, mode).await?;
                Ok(client)
            }
            Err(super::TxError::Conflict(_)) => Err(ApiError::Conflict(
                "A client or key with these identifiers already exists.".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Every client with its keys (ids and state only; key material is never stored).
    pub async fn list_clients(&self) -> Result<Vec<(Client, Vec<ApiKeyInfo>)>, ApiError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .db
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk")
                .expression_attribute_values(":pk", s(keys::ALL_CLIENTS))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| internal("Query clients", e))?;
            for item in page.items.unwrap_or_default() {
                let client = Client {
                    client_id: attr(&item, "client_id").unwrap_or_default().to_string(),
                    name: attr(&item, "name").unwrap_or_default().to_string(),
                    created_at: attr(&item, "created_at").unwrap_or_default().to_string(),
                };
                let keys_of = self
                    .collection(&keys::client(&client.client_id))
                    .await?
                    .iter()
                    .filter(|i| attr(i, "entity") == Some("ClientKey"))
                    .filter_map(key_info)
                    .collect();
                out.push((client, keys_of));
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }

    /// Revokes a key given by its key id (`key_...`) or by the key itself.
    pub async fn revoke_key(&self, key_or_id: &str) -> Result<ApiKeyInfo, ApiError> {
        let key_id = if key_or_id.starts_with("key_") {
            key_or_id.to_string()
        } else {
            let item = self
                .get(&keys::api_key(&hash_key(key_or_id)), keys::APIKEY_SK)
                .await?
                .ok_or_else(|| ApiError::not_found("Key"))?;
            attr(&item, "key_id").unwrap_or_default().to_string()
        };
        let found = self
            .db
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(keys::key_id_index(&key_id)))
            .send()
            .await
            .map_err(|e| internal("Query key id", e))?;
        let record = found
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::not_found("Key"))?;
        let hash = attr(&record, "key_hash").unwrap_or_default().to_string();
        let client_pk = keys::client(attr(&record, "client_id").unwrap_or_default());
        let mut tx = Tx::new();
        for (pk, sk) in [
            (keys::api_key(&hash), keys::APIKEY_SK.to_string()),
            (client_pk, keys::client_key(&key_id)),
        ] {
            let update = Update::builder()
                .table_name(&self.table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .update_expression("SET revoked = :t, revoked_at = :now")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":t", AttributeValue::Bool(true))
                .expression_attribute_values(":now", s(now()))
                .build()
                .map_err(|e| ApiError::Internal(format!("update: {e}")))?;
            tx.update("key", update);
        }
        tx.commit(self).await?;
        // This process stops trusting it at once; other warm functions within key_cache::TTL.
        self.key_cache.clear();
        let mut info = key_info(&record).ok_or_else(|| ApiError::not_found("Key"))?;
        info.revoked = true;
        Ok(info)
    }

    /// Maps an `Authorization` header to its tenant, with Payitoff's exact 401 details.
    /// Only live API keys authenticate; a Nexus key is public and never does.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Tenant, ApiError> {
        let header = authorization.ok_or(ApiError::Unauthorized(NO_AUTH_HEADER))?;
        let token = header
            .trim()
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized(NO_BEARER))?;
        let hash = hash_key(token);
        if let Some(t) = self.key_cache.get(&hash) {
            return Ok(t);
        }
        let item = self.get(&keys::api_key(&hash), keys::APIKEY_SK).await?;
        match item.as_ref().and_then(key_info) {
            Some(k) if !k.revoked && k.kind == KeyKind::Api => {
                let t = Tenant {
                    mode: item.as_ref().map(key_mode).unwrap_or_default(),
                    client_id: k.client_id,
                };
                self.key_cache.put(&hash, &t);
                Ok(t)
            }
            _ => Err(ApiError::Unauthorized(INVALID_TOKEN)),
        }
    }

    /// Drops every cached key of this process (after a revocation or a mode change).
    pub fn forget_cached_keys(&self) {
        self.key_cache.clear();
    }

    /// Sets a client's mode on the client item and on every key lookup item (authentication
    /// reads the mode from the key, so it costs no extra read).
    pub async fn set_client_mode(&self, client_id: &str, mode: ClientMode) -> Result<(), ApiError> {
        let records = self.collection(&keys::client(client_id)).await?;
        if !records.iter().any(|i| attr(i, "entity") == Some("Client")) {
            return Err(ApiError::not_found("Client"));
        }
        let mut targets = vec![(keys::client(client_id), keys::CLIENT_SK.to_string())];
        for r in records
            .iter()
            .filter(|i| attr(i, "entity") == Some("ClientKey"))
        {
            if let (Some(sk), Some(hash)) = (attr(r, "SK"), attr(r, "key_hash")) {
                targets.push((keys::client(client_id), sk.to_string()));
                targets.push((keys::api_key(hash), keys::APIKEY_SK.to_string()));
            }
        }
        for (pk, sk) in targets {
            self.db
                .update_item()
                .table_name(&self.table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .update_expression("SET #m = :m")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_names("#m", "mode")
                .expression_attribute_values(":m", s(mode.as_str()))
                .send()
                .await
                .map_err(|e| internal("UpdateItem mode", e))?;
        }
        self.key_cache.clear();
        Ok(())
    }

    /// Replaces a client's allowed Nexus origins (validated by the caller).
    pub async fn set_allowed_origins(
        &self,
        client_id: &str,
        origins: &[String],
    ) -> Result<(), ApiError> {
        let list = AttributeValue::L(origins.iter().map(s).collect());
        self.db
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::client(client_id)))
            .key("SK", s(keys::CLIENT_SK))
            .update_expression("SET allowed_origins = :o")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":o", list)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(se) if se.is_conditional_check_failed_exception() => {
                    ApiError::not_found("Client")
                }
                _ => internal("UpdateItem origins", e),
            })?;
        Ok(())
    }

    /// The client's mode and allowed origins (one GetItem on the client item).
    pub async fn nexus_client(&self, client_id: &str) -> Result<Option<NexusClient>, ApiError> {
        Ok(self
            .get(&keys::client(client_id), keys::CLIENT_SK)
            .await?
            .map(|item| NexusClient {
                client_id: client_id.to_string(),
                mode: ClientMode::parse(attr(&item, "mode")),
                allowed_origins: item
                    .get("allowed_origins")
                    .and_then(|v| v.as_l().ok())
                    .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
                    .unwrap_or_default(),
                key_sessions: item
                    .get("nexus_key_sessions")
                    .and_then(|v| v.as_bool().ok())
                    .copied()
                    .unwrap_or(true),
            }))
    }

    /// Turns the Nexus key path on or off for a client (off: init tokens only).
    pub async fn set_nexus_key_sessions(&self, client_id: &str, on: bool) -> Result<(), ApiError> {
        self.db
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::client(client_id)))
            .key("SK", s(keys::CLIENT_SK))
            .update_expression("SET nexus_key_sessions = :o")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":o", AttributeValue::Bool(on))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(se) if se.is_conditional_check_failed_exception() => {
                    ApiError::not_found("Client")
                }
                _ => internal("UpdateItem nexus_key_sessions", e),
            })?;
        Ok(())
    }

    /// The client behind a public Nexus key. An API key, a revoked key or an unknown kind is
    /// `None`: only a live Nexus key starts a Nexus session.
    pub async fn nexus_key_client(&self, nexus_key: &str) -> Result<Option<NexusClient>, ApiError> {
        let item = self
            .get(&keys::api_key(&hash_key(nexus_key.trim())), keys::APIKEY_SK)
            .await?;
        match item.as_ref().and_then(key_info) {
            Some(k) if !k.revoked && k.kind == KeyKind::Nexus => {
                self.nexus_client(&k.client_id).await
            }
            _ => Ok(None),
        }
    }
}
