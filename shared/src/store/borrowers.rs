//! Borrower items: the profile in the borrower's collection, plus lookup/guard items.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64URL, Engine};
use uuid::Uuid;

use super::{attr, internal, keys, s, Item, Store};
use crate::error::ApiError;
use crate::model::{payload::BorrowerRef, Borrower, Tenant};

pub const ENTITY: &str = "Borrower";

/// The profile item: the borrower's fields (money as decimal strings, see docs/data-model.md)
/// plus its keys.
pub fn to_item(b: &Borrower) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(b)?;
    item.insert("PK".into(), s(keys::borrower(&b.uuid)));
    item.insert("SK".into(), s(keys::PROFILE_SK));
    item.insert("entity".into(), s(ENTITY));
    item.insert("GSI1PK".into(), s(keys::client_borrowers(&b.client_id)));
    item.insert("GSI1SK".into(), s(keys::borrower_sort(b.id)));
    Ok(item)
}

pub fn from_item(item: Item) -> Result<Borrower, ApiError> {
    Ok(serde_dynamo::from_item(item)?)
}

/// The lookup item mapping the integer id to the uuid.
pub fn id_lookup_item(b: &Borrower) -> Item {
    Item::from([
        ("PK".into(), s(keys::borrower_id(b.id))),
        ("SK".into(), s(keys::LOOKUP_SK)),
        ("entity".into(), s("BorrowerIdLookup")),
        ("uuid".into(), s(b.uuid.to_string())),
        ("client_id".into(), s(&b.client_id)),
    ])
}

/// The guard item that keeps a client's external_id unique and finds its borrower.
pub fn external_id_item(b: &Borrower, external_id: &str) -> Item {
    Item::from([
        ("PK".into(), s(keys::external_id(&b.client_id, external_id))),
        ("SK".into(), s(keys::LOOKUP_SK)),
        ("entity".into(), s("BorrowerExternalId")),
        ("uuid".into(), s(b.uuid.to_string())),
        ("client_id".into(), s(&b.client_id)),
    ])
}

fn lookup_uuid(item: &Item) -> Option<Uuid> {
    item.get("uuid")
        .and_then(|v| v.as_s().ok())
        .and_then(|u| Uuid::parse_str(u).ok())
}

/// An opaque list cursor: the last borrower's id and uuid.
/// The cursor of where a Query stopped (its LastEvaluatedKey on GSI1).
fn cursor_of_key(k: &Item) -> Option<String> {
    let uuid = attr(k, "PK")?
        .strip_prefix("BORROWER#")?
        .parse::<Uuid>()
        .ok()?;
    let id = attr(k, "GSI1SK")?
        .strip_prefix("BORROWER#")?
        .parse::<i64>()
        .ok()?;
    Some(encode_cursor(id, &uuid))
}

fn encode_cursor(id: i64, uuid: &Uuid) -> String {
    B64URL.encode(format!("{id}:{uuid}"))
}

/// Where a page of borrowers starts: the last borrower's integer id and uuid, as the earlier
/// page's `next_cursor` encodes them.
pub type Cursor = (i64, Uuid);

/// A `next_cursor` this API returned, decoded; anything else is a 422 naming `cursor`.
pub fn parse_cursor(c: &str) -> Result<Cursor, ApiError> {
    decode_cursor(c).ok_or_else(|| ApiError::field("cursor", "is not a cursor this API returned"))
}

fn decode_cursor(c: &str) -> Option<Cursor> {
    let raw = String::from_utf8(B64URL.decode(c.trim()).ok()?).ok()?;
    let (id, uuid) = raw.split_once(':')?;
    Some((id.parse().ok()?, Uuid::parse_str(uuid).ok()?))
}

impl Store {
    /// The borrower with this uuid, whoever owns it (callers check the tenant). A borrower
    /// being deleted is gone.
    pub(crate) async fn borrower_by_uuid_unscoped(
        &self,
        uuid: &Uuid,
    ) -> Result<Option<Borrower>, ApiError> {
        Ok(self
            .borrower_any_state_unscoped(uuid)
            .await?
            .filter(|b| !b.deleting))
    }

    /// The profile even while it is being deleted (only DELETE, to finish the job, wants it).
    pub(crate) async fn borrower_any_state_unscoped(
        &self,
        uuid: &Uuid,
    ) -> Result<Option<Borrower>, ApiError> {
        match self.get(&keys::borrower(uuid), keys::PROFILE_SK).await? {
            Some(item) => from_item(item).map(Some),
            None => Ok(None),
        }
    }

    /// Like [`Store::borrower`], but also finds a borrower whose deletion was interrupted.
    pub async fn borrower_to_delete(
        &self,
        tenant: &Tenant,
        r: &BorrowerRef,
    ) -> Result<Borrower, ApiError> {
        let uuid = self.unverified_uuid(tenant, r).await?;
        self.borrower_any_state_unscoped(&uuid)
            .await?
            .filter(|b| b.client_id == tenant.client_id)
            .ok_or_else(|| ApiError::not_found("Borrower"))
    }

    /// Resolves an `{id}` path value (integer id or uuid) within a tenant. Another client's
    /// borrower answers exactly like a missing one.
    pub async fn borrower(&self, tenant: &Tenant, r: &BorrowerRef) -> Result<Borrower, ApiError> {
        let uuid = match r {
            BorrowerRef::Uuid(u) => Some(*u),
            BorrowerRef::Id(id) => self.id_lookup(*id).await?.map(|(_, u)| u),
        };
        let found = match uuid {
            Some(u) => self.borrower_by_uuid_unscoped(&u).await?,
            None => None,
        };
        found
            .filter(|b| b.client_id == tenant.client_id)
            .ok_or_else(|| ApiError::not_found("Borrower"))
    }

    /// The uuid an `{id}` names, without reading the profile: a uuid is returned as is, NOT
    /// checked against the tenant; an integer id goes through its lookup item, which carries
    /// the owner, so another client's id is not found. Only the store's own tenant-checked
    /// reads may use it (`borrower_collection_by_ref`), so a forgotten check cannot compile
    /// outside the store.
    pub(in crate::store) async fn unverified_uuid(
        &self,
        tenant: &Tenant,
        r: &BorrowerRef,
    ) -> Result<Uuid, ApiError> {
        match r {
            BorrowerRef::Uuid(u) => Ok(*u),
            BorrowerRef::Id(id) => self
                .id_lookup(*id)
                .await?
                .filter(|(owner, _)| *owner == tenant.client_id)
                .map(|(_, u)| u)
                .ok_or_else(|| ApiError::not_found("Borrower")),
        }
    }

    /// An integer id's lookup item: its owner and uuid. The pair never changes once written (ids
    /// are never reused), so the warm function keeps it ([`super::id_cache`]) and a request by
    /// id makes one round trip, not two. A deleted borrower's cached pair leads to no items,
    /// so it still answers 404.
    async fn id_lookup(&self, id: i64) -> Result<Option<(String, Uuid)>, ApiError> {
        if let Some(hit) = self.id_cache.get(id) {
            return Ok(Some(hit));
        }
        let found = self
            .get(&keys::borrower_id(id), keys::LOOKUP_SK)
            .await?
            .and_then(|item| {
                let owner = item.get("client_id").and_then(|v| v.as_s().ok())?.clone();
                Some((owner, lookup_uuid(&item)?))
            });
        if let Some((owner, uuid)) = &found {
            self.id_cache.put(id, owner.clone(), *uuid);
        }
        Ok(found)
    }

    pub async fn borrower_by_external_id(
        &self,
        tenant: &Tenant,
        external_id: &str,
    ) -> Result<Option<Borrower>, ApiError> {
        let guard = self
            .get(
                &keys::external_id(&tenant.client_id, external_id),
                keys::LOOKUP_SK,
            )
            .await?;
        match guard.as_ref().and_then(lookup_uuid) {
            Some(u) => Ok(self
                .borrower_by_uuid_unscoped(&u)
                .await?
                .filter(|b| b.client_id == tenant.client_id)),
            None => Ok(None),
        }
    }

    /// One page of a client's borrowers in id order (GSI1 Query, never Scan).
    pub async fn list_borrowers(
        &self,
        tenant: &Tenant,
        limit: i32,
        cursor: Option<Cursor>,
    ) -> Result<(Vec<Borrower>, Option<String>), ApiError> {
        let gsi1pk = keys::client_borrowers(&tenant.client_id);
        let start = cursor.map(|(id, uuid)| {
            Item::from([
                ("PK".to_string(), s(keys::borrower(&uuid))),
                ("SK".to_string(), s(keys::PROFILE_SK)),
                ("GSI1PK".to_string(), s(gsi1pk.clone())),
                ("GSI1SK".to_string(), s(keys::borrower_sort(id))),
            ])
        });
        // A borrower whose large delete is under way is gone for every read. The filter runs
        // after DynamoDB's Limit, so a page short of deleted borrowers is topped up from where
        // the last Query stopped (at most 20 Queries), and the cursor is where reading stopped:
        // a page is never cut short while more borrowers follow.
        let mut borrowers: Vec<Borrower> = Vec::new();
        let mut start = start;
        let mut next = None;
        for _ in 0..20 {
            let want = (limit as usize).saturating_sub(borrowers.len()).max(1);
            let out = self
                .db
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk")
                .filter_expression("attribute_not_exists(deleting) OR deleting = :f")
                .expression_attribute_values(
                    ":f",
                    aws_sdk_dynamodb::types::AttributeValue::Bool(false),
                )
                .expression_attribute_values(":pk", s(gsi1pk.clone()))
                .limit(want as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| internal("Query GSI1", e))?;
            for item in out.items.unwrap_or_default() {
                borrowers.push(from_item(item)?);
            }
            let stopped = out.last_evaluated_key.filter(|k| !k.is_empty());
            next = stopped.as_ref().and_then(cursor_of_key);
            match stopped {
                Some(k) if borrowers.len() < limit as usize => start = Some(k),
                _ => break,
            }
        }
        Ok((borrowers, next))
    }

    /// Deletes items outside any transaction, 25 at a time (used for large collections after
    /// the borrower itself is gone, so no reader sees a half-deleted borrower).
    pub async fn delete_items(&self, items: &[Item]) -> Result<(), ApiError> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        for chunk in items.chunks(25) {
            let requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    let key = ["PK", "SK"]
                        .iter()
                        .filter_map(|k| item.get(*k).map(|v| (k.to_string(), v.clone())))
                        .collect();
                    let delete = DeleteRequest::builder()
                        .set_key(Some(key))
                        .build()
                        .map_err(|e| ApiError::Internal(format!("delete request: {e}")))?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<_, ApiError>>()?;
            self.batch_write(requests, "deleted").await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_roundtrip_and_garbage() {
        let u = Uuid::new_v4();
        assert_eq!(decode_cursor(&encode_cursor(42, &u)), Some((42, u)));
        assert_eq!(decode_cursor("not a cursor"), None);
    }

    #[test]
    fn money_is_stored_as_exact_strings() {
        let mut b = Borrower::new(1, Uuid::new_v4(), "c", "now");
        b.financial.agi = Some("12345678901234567.89".parse().unwrap());
        let item = to_item(&b).unwrap();
        let fin = item["financial"].as_m().unwrap();
        assert_eq!(fin["agi"].as_s().unwrap(), "12345678901234567.89");
        assert_eq!(from_item(item).unwrap(), b);
    }
}
