//! Nexus items: sessions, single-use init tokens, pending servicer challenges (each keyed by the
//! SHA-256 of its secret, with a TTL), and servicer links (in the borrower's collection).
//!
//! | item | PK | SK |
//! |---|---|---|
//! | session | `NXSESSION#<sha256(token)>` | `SESSION` |
//! | init token | `NXTOKEN#<sha256(token)>` | `TOKEN` |
//! | challenge | `NXCHALLENGE#<sha256(id)>` | `CHALLENGE` |
//! | servicer link | `BORROWER#<uuid>` | `SVCLINK#<servicer>` (GSI2: the sync schedule) |

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{internal, s, Item, Store};
use crate::crypto::hash_key;
use crate::error::ApiError;
use crate::nexus::{InitToken, NexusSession, PendingChallenge, ServicerLink};

pub const LINK_ENTITY: &str = "ServicerLink";
/// TTL attribute of the table (template.yaml `TimeToLiveSpecification`). DynamoDB deletes
/// lazily, so every read also checks `expires_at`.
pub const TTL_ATTRIBUTE: &str = "expires_ttl";

pub fn session_pk(token: &str) -> String {
    format!("NXSESSION#{}", hash_key(token))
}

pub fn token_pk(token: &str) -> String {
    format!("NXTOKEN#{}", hash_key(token))
}

pub fn challenge_pk(id: &str) -> String {
    format!("NXCHALLENGE#{}", hash_key(id))
}

pub fn link_sk(servicer: &str) -> String {
    format!("SVCLINK#{servicer}")
}

fn with_keys<T: serde::Serialize>(
    value: &T,
    pk: String,
    sk: &str,
    entity: &str,
    ttl: i64,
) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(value)?;
    item.insert("PK".into(), s(pk));
    item.insert("SK".into(), s(sk));
    item.insert("entity".into(), s(entity));
    item.insert(TTL_ATTRIBUTE.into(), AttributeValue::N(ttl.to_string()));
    Ok(item)
}

/// A link item, with its place in the sync schedule (the sparse `GSI2`: only link items carry
/// `GSI2PK`/`GSI2SK`, the due time first; see `crate::sync`).
pub fn link_to_item(link: &ServicerLink) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(link)?;
    item.insert("PK".into(), s(super::keys::borrower(&link.borrower_uuid)));
    item.insert("SK".into(), s(link_sk(&link.servicer)));
    item.insert("entity".into(), s(LINK_ENTITY));
    item.insert(
        "GSI2PK".into(),
        s(crate::sync::due_pk(crate::sync::shard(&link.borrower_uuid))),
    );
    item.insert(
        "GSI2SK".into(),
        s(crate::sync::due_sk(
            &link.next_sync_at,
            &link.borrower_uuid,
            &link.servicer,
        )),
    );
    Ok(item)
}

pub fn link_from_item(item: Item) -> Result<ServicerLink, ApiError> {
    Ok(serde_dynamo::from_item(item)?)
}

impl Store {
    pub async fn put_nexus_session(
        &self,
        token: &str,
        session: &NexusSession,
    ) -> Result<(), ApiError> {
        let item = with_keys(
            session,
            session_pk(token),
            "SESSION",
            "NexusSession",
            session.expires_epoch(),
        )?;
        self.put_fresh(item, "PutItem session").await
    }

    /// The session behind a token, if it exists and has not expired.
    pub async fn nexus_session(&self, token: &str) -> Result<Option<NexusSession>, ApiError> {
        match self.get(&session_pk(token), "SESSION").await? {
            Some(item) => {
                let session: NexusSession = serde_dynamo::from_item(item)?;
                Ok(Some(session).filter(|s| !s.is_expired()))
            }
            None => Ok(None),
        }
    }

    pub async fn put_init_token(&self, token: &str, t: &InitToken) -> Result<(), ApiError> {
        let item = with_keys(
            t,
            token_pk(token),
            "TOKEN",
            "NexusInitToken",
            t.expires_epoch(),
        )?;
        self.put_fresh(item, "PutItem init token").await
    }

    /// Reads an init token without using it (the widget page needs its client's origins).
    pub async fn peek_init_token(&self, token: &str) -> Result<Option<InitToken>, ApiError> {
        match self.get(&token_pk(token), "TOKEN").await? {
            Some(item) => {
                let t: InitToken = serde_dynamo::from_item(item)?;
                Ok(Some(t).filter(|t| !t.is_expired()))
            }
            None => Ok(None),
        }
    }

    /// Uses an init token: it is deleted in the same call, so two sessions can never start
    /// from one token.
    pub async fn take_init_token(&self, token: &str) -> Result<Option<InitToken>, ApiError> {
        let old = self
            .take(&token_pk(token), "TOKEN", "DeleteItem token", None)
            .await?;
        match old {
            Some(item) => {
                let t: InitToken = serde_dynamo::from_item(item)?;
                Ok(Some(t).filter(|t| !t.is_expired()))
            }
            None => Ok(None),
        }
    }

    pub async fn put_challenge(&self, id: &str, c: &PendingChallenge) -> Result<(), ApiError> {
        let item = with_keys(
            c,
            challenge_pk(id),
            "CHALLENGE",
            "NexusChallenge",
            c.expires_epoch(),
        )?;
        self.put_fresh(item, "PutItem challenge").await
    }

    /// Takes a pending challenge (single use): it is deleted whatever the answer.
    /// Takes (deletes and returns) the challenge `id` if it belongs to `session_id`: another
    /// session's answer finds nothing and leaves it for its own session.
    pub async fn take_challenge(
        &self,
        id: &str,
        session_id: &str,
    ) -> Result<Option<PendingChallenge>, ApiError> {
        match self
            .take(
                &challenge_pk(id),
                "CHALLENGE",
                "DeleteItem challenge",
                Some(("session_id", session_id)),
            )
            .await?
        {
            Some(item) => Ok(Some(serde_dynamo::from_item(item)?)),
            None => Ok(None),
        }
    }

    async fn put_fresh(&self, item: Item, op: &str) -> Result<(), ApiError> {
        self.db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| internal(op, e))?;
        Ok(())
    }

    /// Deletes an item and returns what it held, or `None` if there was none (or, with
    /// `owner = (attribute, value)`, none whose attribute holds that value).
    async fn take(
        &self,
        pk: &str,
        sk: &str,
        op: &str,
        owner: Option<(&str, &str)>,
    ) -> Result<Option<Item>, ApiError> {
        let mut req = self
            .db
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .return_values(ReturnValue::AllOld);
        req = match owner {
            Some((attr, value)) => req
                .condition_expression("attribute_exists(PK) AND #owner = :owner")
                .expression_attribute_names("#owner", attr)
                .expression_attribute_values(":owner", s(value)),
            None => req.condition_expression("attribute_exists(PK)"),
        };
        let out = req.send().await;
        match out {
            Ok(o) => Ok(o.attributes.filter(|a| !a.is_empty())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(internal(op, e)),
        }
    }
}
