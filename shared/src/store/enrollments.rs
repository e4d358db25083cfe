//! Enrollment items live in their borrower's collection: `PK = BORROWER#<uuid>`,
//! `SK = ENROLLMENT#<id, 15 digits>`. They sort before `LOAN#`, so loan reads never pull them,
//! and they go with the borrower on delete.

use super::{internal, keys, s, Item, Store};
use crate::enrollments::Enrollment;
use crate::error::ApiError;

pub const ENTITY: &str = "Enrollment";
pub const SK_PREFIX: &str = "ENROLLMENT#";

pub fn sk(id: i64) -> String {
    format!("{SK_PREFIX}{id:015}")
}

pub fn to_item(e: &Enrollment) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(e)?;
    item.insert("PK".into(), s(keys::borrower(&e.borrower_uuid)));
    item.insert("SK".into(), s(sk(e.id)));
    item.insert("entity".into(), s(ENTITY));
    Ok(item)
}

impl Store {
    /// A borrower's enrollments, oldest first (one Query; the caller has checked the tenant).
    /// Tenant-free: only for a borrower already read through a tenant-checked collection.
    pub(crate) async fn enrollments(
        &self,
        borrower: &uuid::Uuid,
    ) -> Result<Vec<Enrollment>, ApiError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :e)")
                .expression_attribute_values(":pk", s(keys::borrower(borrower)))
                .expression_attribute_values(":e", s(SK_PREFIX))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| internal("Query enrollments", e))?;
            for item in page.items.unwrap_or_default() {
                out.push(serde_dynamo::from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }
}
