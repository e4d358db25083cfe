//! Loan items live in their borrower's collection: `PK = BORROWER#<uuid>`, `SK = LOAN#<uuid>`.

use super::{keys, s, Item, Store};
use crate::error::ApiError;
use crate::loans::Loan;
use crate::model::{Borrower, Tenant};
use crate::store::borrowers as borrower_items;

pub const ENTITY: &str = "Loan";

pub fn to_item(l: &Loan) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(l)?;
    item.insert("PK".into(), s(keys::borrower(&l.borrower_uuid)));
    item.insert("SK".into(), s(keys::loan(&l.uuid)));
    item.insert("entity".into(), s(ENTITY));
    Ok(item)
}

pub fn from_item(item: Item) -> Result<Loan, ApiError> {
    Ok(serde_dynamo::from_item(item)?)
}

/// A borrower read with everything it owns, from one Query of its item collection.
pub struct BorrowerCollection {
    pub borrower: Borrower,
    /// Sorted by integer id.
    pub loans: Vec<Loan>,
    /// Linked servicer accounts (Nexus), by servicer name.
    pub links: Vec<crate::nexus::ServicerLink>,
}

fn entity(item: &Item) -> Option<&str> {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

impl Store {
    /// One Query reads the profile and all loans. Another tenant's borrower is not found.
    /// The collection an `{id}` (integer id or uuid) names, within the tenant: another
    /// client's borrower, or a missing one, is a 404. The checked uuid is
    /// `collection.borrower.uuid`.
    pub async fn borrower_collection_by_ref(
        &self,
        tenant: &Tenant,
        r: &crate::model::payload::BorrowerRef,
    ) -> Result<BorrowerCollection, ApiError> {
        let uuid = self.unverified_uuid(tenant, r).await?;
        self.borrower_collection(tenant, &uuid).await
    }

    pub async fn borrower_collection(
        &self,
        tenant: &Tenant,
        uuid: &uuid::Uuid,
    ) -> Result<BorrowerCollection, ApiError> {
        // From `LOAN#` on: the loans and the `PROFILE`, not the stored income documents.
        let items = self.collection_from(&keys::borrower(uuid), "LOAN#").await?;
        let mut borrower = None;
        let mut loans = Vec::new();
        let mut links = Vec::new();
        // Each item is decoded in place (moved, never copied: a loan item is some 40
        // attributes).
        for item in items {
            match entity(&item) {
                Some(borrower_items::ENTITY) => borrower = Some(borrower_items::from_item(item)?),
                Some(ENTITY) => loans.push(from_item(item)?),
                Some(super::nexus::LINK_ENTITY) => links.push(super::nexus::link_from_item(item)?),
                _ => {}
            }
        }
        let borrower = borrower
            .filter(|b| b.client_id == tenant.client_id && !b.deleting)
            .ok_or_else(|| ApiError::not_found("Borrower"))?;
        loans.sort_by_key(|l| l.id);
        links.sort_by(|a: &crate::nexus::ServicerLink, b| a.servicer.cmp(&b.servicer));
        Ok(BorrowerCollection {
            borrower,
            loans,
            links,
        })
    }
}
