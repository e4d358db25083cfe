//! The sync schedule's reads and writes: due links by shard (GSI2, keys only), the planner's
//! claim, making a borrower's links due, and the client's sync settings.
//!
//! | access pattern | how |
//! |---|---|
//! | links due in a shard | Query GSI2 `GSI2PK = SYNCDUE#<shard> AND GSI2SK <= <now>#~` |
//! | claim a due link | UpdateItem on the link, condition `GSI2SK = <the one read>` |
//! | a borrower's links | Query `PK = BORROWER#<uuid> AND begins_with(SK, SVCLINK#)` |

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use uuid::Uuid;

use super::{attr, internal, keys, s, Item, Store};
use crate::error::ApiError;
use crate::model::ClientMode;
use crate::sync::{due_pk, due_sk, SyncClient, DEFAULT_INTERVAL_SECONDS};

/// One page of due links: their index keys, and where the next page starts.
pub struct DuePage {
    pub items: Vec<Item>,
    pub next: Option<Item>,
}

impl Store {
    /// Links due at `now` (RFC 3339, seconds) in one shard, oldest first.
    pub async fn due_links(
        &self,
        shard: u32,
        now: &str,
        limit: i32,
        start: Option<Item>,
    ) -> Result<DuePage, ApiError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .index_name("GSI2")
            .key_condition_expression("GSI2PK = :pk AND GSI2SK <= :cut")
            .expression_attribute_values(":pk", s(due_pk(shard)))
            .expression_attribute_values(":cut", s(format!("{now}#~")))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| internal("Query GSI2", e))?;
        Ok(DuePage {
            items: out.items.unwrap_or_default(),
            next: out.last_evaluated_key.filter(|k| !k.is_empty()),
        })
    }

    /// Claims a due link for one queue message: its due time moves to `lease_until` (so later
    /// runs skip it), only if its index key is still `seen_sk`. A link already claimed (its
    /// lease lapsed with the message still queued) keeps its claim, so the old message and the
    /// new one carry the same claim and only one of them can commit. Returns the owner's
    /// client id and the claim, or `None` if another run claimed it first or it changed.
    pub async fn claim_link(
        &self,
        (pk, sk): (&str, &str),
        seen_sk: &str,
        new_sk: &str,
        lease_until: &str,
        claim: &str,
    ) -> Result<Option<(String, String)>, ApiError> {
        let out = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .update_expression(
                "SET sync_claim = if_not_exists(sync_claim, :c), next_sync_at = :at, GSI2SK = :sk",
            )
            .condition_expression("GSI2SK = :seen")
            .expression_attribute_values(":c", s(claim))
            .expression_attribute_values(":at", s(lease_until))
            .expression_attribute_values(":sk", s(new_sk))
            .expression_attribute_values(":seen", s(seen_sk))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match out {
            Ok(o) => Ok(o.attributes.as_ref().and_then(|a| {
                Some((
                    attr(a, "client_id")?.to_string(),
                    attr(a, "sync_claim")?.to_string(),
                ))
            })),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(internal("UpdateItem claim", e)),
        }
    }

    /// Sets every link of a borrower due at `now`. Returns how many.
    pub async fn make_links_due(&self, borrower: &Uuid, now: &str) -> Result<usize, ApiError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :l)")
            .expression_attribute_values(":pk", s(keys::borrower(borrower)))
            .expression_attribute_values(":l", s("SVCLINK#"))
            .projection_expression("PK, SK, servicer")
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| internal("Query links", e))?;
        let mut n = 0;
        for item in out.items.unwrap_or_default() {
            let (Some(pk), Some(sk), Some(servicer)) = (
                attr(&item, "PK"),
                attr(&item, "SK"),
                attr(&item, "servicer"),
            ) else {
                continue;
            };
            let r = self
                .db
                .update_item()
                .table_name(&self.table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .update_expression(
                    "SET next_sync_at = :at, GSI2PK = :pk, GSI2SK = :sk REMOVE sync_claim",
                )
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":at", s(now))
                .expression_attribute_values(":pk", s(due_pk(crate::sync::shard(borrower))))
                .expression_attribute_values(":sk", s(due_sk(now, borrower, servicer)))
                .send()
                .await;
            match r {
                Ok(_) => n += 1,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(internal("UpdateItem due", e)),
            }
        }
        Ok(n)
    }

    /// Takes a link off the schedule (its borrower or client is gone), if `claim` still holds it.
    pub async fn unschedule_link(
        &self,
        borrower: &Uuid,
        servicer: &str,
        claim: &str,
    ) -> Result<(), ApiError> {
        let r = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::borrower(borrower)))
            .key("SK", s(super::nexus::link_sk(servicer)))
            .update_expression("REMOVE GSI2PK, GSI2SK, sync_claim")
            .condition_expression("sync_claim = :c")
            .expression_attribute_values(":c", s(claim))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(internal("UpdateItem unschedule", e)),
        }
    }

    /// A client's mode and sync interval (one GetItem), or `None` if there is no such client.
    pub async fn sync_client(&self, client_id: &str) -> Result<Option<SyncClient>, ApiError> {
        Ok(self
            .get(&keys::client(client_id), keys::CLIENT_SK)
            .await?
            .map(|item| SyncClient {
                mode: ClientMode::parse(attr(&item, "mode")),
                interval_seconds: item
                    .get("sync_interval_seconds")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(DEFAULT_INTERVAL_SECONDS),
            }))
    }

    /// Sets how often a client's links are synced (validated by the caller).
    pub async fn set_sync_interval(&self, client_id: &str, seconds: i64) -> Result<(), ApiError> {
        self.db
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::client(client_id)))
            .key("SK", s(keys::CLIENT_SK))
            .update_expression("SET sync_interval_seconds = :s")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":s", AttributeValue::N(seconds.to_string()))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(se) if se.is_conditional_check_failed_exception() => {
                    ApiError::not_found("Client")
                }
                _ => internal("UpdateItem sync interval", e),
            })?;
        Ok(())
    }
}
