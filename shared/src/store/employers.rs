//! Employer records: shared reference data under `EMPLOYER#<type>#<source id>`, indexed by
//! name prefix in GSI3 (all states) and GSI1 (one state), every type in one sorted range; and
//! the precomputed result pages of the prefixes that match more than
//! [`pages::DENSE_ABOVE`](crate::employers::pages::DENSE_ABOVE) records
//! (`EMPPAGE#<scope>#<first character>` / `PREFIX#<prefix>`). Only the operator's loader
//! writes them; request paths only Query, GetItem and BatchGetItem.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use chrono::NaiveDate;

use super::{attr, internal, keys, s, Item, Store};
use crate::employers::pages::{Page, Partition};
use crate::employers::{Employer, EmployerType};
use crate::error::ApiError;

/// The item of an employer record, with its content hash.
pub fn to_item(e: &Employer) -> Item {
    let mut item = Item::new();
    let code = e.kind.code();
    let sort = keys::employer_name_sort(&e.normalised, code, &e.source_id);
    item.insert("PK".into(), s(keys::employer(code, &e.source_id)));
    item.insert("SK".into(), s(keys::EMPLOYER_SK));
    item.insert("entity".into(), s("Employer"));
    for part in Partition::of_record(e) {
        let (pk, sk) = match part.state {
            None => ("GSI3PK", "GSI3SK"),
            Some(_) => ("GSI1PK", "GSI1SK"),
        };
        item.insert(pk.into(), s(part.index_pk()));
        item.insert(sk.into(), s(sort.clone()));
    }
    item.insert("type".into(), s(code));
    item.insert("source_id".into(), s(&e.source_id));
    item.insert("name".into(), s(&e.name));
    item.insert("normalised".into(), s(&e.normalised));
    item.insert("eligible".into(), AttributeValue::Bool(e.pslf_eligible));
    item.insert("reason".into(), s(&e.reason));
    item.insert("source".into(), s(&e.source));
    item.insert("loaded_on".into(), s(e.loaded_on.to_string()));
    item.insert("content".into(), s(e.content_hash()));
    for (k, v) in [
        ("ein", &e.ein),
        ("city", &e.city),
        ("state", &e.state),
        ("subsection", &e.subsection),
        ("level", &e.level),
        ("school_years", &e.school_years),
    ] {
        if let Some(v) = v {
            item.insert(k.into(), s(v));
        }
    }
    item
}

/// An employer record from its item (`None` for an item that is not one).
pub fn from_item(item: &Item) -> Option<Employer> {
    let text = |k: &str| attr(item, k).map(str::to_string);
    Some(Employer {
        kind: EmployerType::from_code(attr(item, "type")?)?,
        source_id: text("source_id")?,
        name: text("name")?,
        normalised: text("normalised")?,
        ein: text("ein"),
        city: text("city"),
        state: text("state"),
        pslf_eligible: item.get("eligible").and_then(|v| v.as_bool().ok()) == Some(&true),
        reason: text("reason").unwrap_or_default(),
        subsection: text("subsection"),
        level: text("level"),
        school_years: text("school_years"),
        source: text("source").unwrap_or_default(),
        loaded_on: attr(item, "loaded_on")?.parse::<NaiveDate>().ok()?,
    })
}

impl Store {
    /// Employers of every type in one name-index partition whose sort key starts with `prefix`
    /// (a start of the normalised name, or `<name> #<type>#` for one type's exact name), in
    /// sort-key order: one Query of at most `limit` items from `start`, and where the next
    /// one would start (`None` at the end of the range).
    pub async fn employer_range(
        &self,
        part: &Partition,
        prefix: &str,
        limit: usize,
        start: Option<Item>,
    ) -> Result<(Vec<Employer>, Option<Item>), ApiError> {
        let (index, pk_attr, sk_attr) = match part.state {
            Some(_) => ("GSI1", "GSI1PK", "GSI1SK"),
            None => ("GSI3", "GSI3PK", "GSI3SK"),
        };
        let mut query = self
            .db
            .query()
            .table_name(&self.table)
            .index_name(index)
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(part.index_pk()))
            .set_exclusive_start_key(start)
            .limit(limit.clamp(1, 1000) as i32);
        query = if prefix.is_empty() {
            query.key_condition_expression("#pk = :pk")
        } else {
            query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", sk_attr)
                .expression_attribute_values(":prefix", s(prefix))
        };
        let out = query
            .send()
            .await
            .map_err(|e| internal("Query employers", e))?;
        let rows = out.items().iter().filter_map(from_item).collect();
        Ok((rows, out.last_evaluated_key))
    }

    /// The stored result pages of `prefixes` (all in `part`) that exist, by prefix: one
    /// BatchGetItem (retried for unprocessed keys).
    pub async fn employer_pages(
        &self,
        part: &Partition,
        prefixes: &[String],
    ) -> Result<HashMap<String, Page>, ApiError> {
        let pk = part.page_pk();
        let items = self
            .batch_get(
                prefixes
                    .iter()
                    .map(|p| (pk.clone(), keys::employer_page(p))),
                ("SK, #rows", &[("#rows", "rows")]),
                false,
                "the employer search could not be read",
            )
            .await?;
        let mut found = HashMap::new();
        for item in items {
            let prefix = attr(&item, "SK").and_then(|k| k.strip_prefix("PREFIX#"));
            if let (Some(prefix), Some(rows)) = (prefix, attr(&item, "rows")) {
                let page = Page::decode(rows)
                    .map_err(|e| ApiError::Internal(format!("employer page {prefix}: {e}")))?;
                found.insert(prefix.to_string(), page);
            }
        }
        Ok(found)
    }

    /// The content hash of every stored result page of a partition, by prefix (the loader's
    /// diff: only new and changed pages are written).
    pub async fn employer_page_hashes(
        &self,
        part: &Partition,
    ) -> Result<HashMap<String, String>, ApiError> {
        let items = self
            .collection_projected(&part.page_pk(), "SK, content")
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let prefix = attr(item, "SK")?.strip_prefix("PREFIX#")?;
                Some((prefix.to_string(), attr(item, "content")?.to_string()))
            })
            .collect())
    }

    /// Marks partitions whose result pages must be rebuilt (`EMPDIRTY` / `<scope>#<c>`),
    /// with BatchWriteItem.
    pub async fn mark_employer_pages_dirty(&self, parts: &[Partition]) -> Result<(), ApiError> {
        let requests = parts
            .iter()
            .map(|p| {
                let item = Item::from([
                    ("PK".to_string(), s(keys::EMPLOYER_DIRTY_PK)),
                    (
                        "SK".to_string(),
                        s(keys::employer_pages_dirty(p.scope(), p.bucket)),
                    ),
                    ("entity".to_string(), s("EmployerPagesDirty")),
                ]);
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(|e| ApiError::Internal(format!("put request: {e}")))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        self.batch_write(requests, "written").await
    }

    /// Every partition marked dirty (one collection Query).
    pub async fn dirty_employer_partitions(&self) -> Result<Vec<Partition>, ApiError> {
        let items = self.collection(keys::EMPLOYER_DIRTY_PK).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let (scope, b) = attr(item, "SK")?.split_once('#')?;
                let mut chars = b.chars();
                let bucket = chars.next().filter(|_| chars.next().is_none())?;
                let state = (scope != "ALL").then(|| scope.to_string());
                Some(Partition { state, bucket })
            })
            .collect())
    }

    /// Clears a partition's dirty mark (after its pages were rebuilt).
    pub async fn clear_employer_pages_dirty(&self, part: &Partition) -> Result<(), ApiError> {
        self.db
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(keys::EMPLOYER_DIRTY_PK))
            .key(
                "SK",
                s(keys::employer_pages_dirty(part.scope(), part.bucket)),
            )
            .send()
            .await
            .map_err(|e| internal("DeleteItem dirty employer pages", e))?;
        Ok(())
    }

    /// Writes result pages (prefix, encoded rows, content hash) and deletes the pages of the
    /// prefixes in `delete`, with BatchWriteItem, 25 at a time.
    pub async fn write_employer_pages(
        &self,
        part: &Partition,
        put: &[(String, String, String)],
        delete: &[String],
    ) -> Result<(), ApiError> {
        let mut requests = Vec::with_capacity(put.len() + delete.len());
        for (prefix, rows, hash) in put {
            let item = Item::from([
                ("PK".to_string(), s(part.page_pk())),
                ("SK".to_string(), s(keys::employer_page(prefix))),
                ("entity".to_string(), s("EmployerPage")),
                ("rows".to_string(), s(rows)),
                ("content".to_string(), s(hash)),
            ]);
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| ApiError::Internal(format!("put request: {e}")))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        for prefix in delete {
            let del = DeleteRequest::builder()
                .key("PK", s(part.page_pk()))
                .key("SK", s(keys::employer_page(prefix)))
                .build()
                .map_err(|e| ApiError::Internal(format!("delete request: {e}")))?;
            requests.push(WriteRequest::builder().delete_request(del).build());
        }
        self.batch_write(requests, "written").await
    }

    /// One employer record by type and source id (an EIN lookup).
    pub async fn employer(
        &self,
        kind: EmployerType,
        source_id: &str,
    ) -> Result<Option<Employer>, ApiError> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::employer(kind.code(), source_id)))
            .key("SK", s(keys::EMPLOYER_SK))
            .send()
            .await
            .map_err(|e| internal("GetItem employer", e))?;
        Ok(out.item.as_ref().and_then(from_item))
    }

    /// The stored content hash and name-index partitions of each of up to 100 employer
    /// records that exist, by `PK` (one BatchGetItem, retried for unprocessed keys). The
    /// partitions are where the stored version is indexed, so that a renamed record's old
    /// result pages are rebuilt too.
    pub async fn employer_hashes(
        &self,
        records: &[&Employer],
    ) -> Result<HashMap<String, (String, Vec<Partition>)>, ApiError> {
        // A record written by an earlier wave must be seen, or it would be counted "inserted"
        // twice: consistent reads.
        let items = self
            .batch_get(
                records.iter().map(|e| {
                    (
                        keys::employer(e.kind.code(), &e.source_id),
                        keys::EMPLOYER_SK.to_string(),
                    )
                }),
                ("PK, content, normalised, #state", &[("#state", "state")]),
                true,
                "some employer records could not be read",
            )
            .await?;
        let mut found = HashMap::new();
        for item in items {
            if let (Some(pk), Some(h)) = (attr(&item, "PK"), attr(&item, "content")) {
                let parts = Partition::of_name(
                    attr(&item, "normalised").unwrap_or_default(),
                    attr(&item, "state"),
                );
                found.insert(pk.to_string(), (h.to_string(), parts));
            }
        }
        Ok(found)
    }

    /// One BatchGetItem of up to 100 `(PK, SK)` keys with a projection (and its attribute
    /// names), retried with backoff for unprocessed keys; a 503 naming `what` when some are
    /// still left.
    async fn batch_get(
        &self,
        keys: impl Iterator<Item = (String, String)>,
        (projection, names): (&str, &[(&str, &str)]),
        consistent: bool,
        what: &str,
    ) -> Result<Vec<Item>, ApiError> {
        let mut keys_left: Vec<Item> = keys
            .map(|(pk, sk)| Item::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))]))
            .collect();
        let mut found = Vec::new();
        for attempt in 0..8u32 {
            if keys_left.is_empty() {
                return Ok(found);
            }
            super::retry_pause(attempt).await;
            let mut request = KeysAndAttributes::builder()
                .set_keys(Some(keys_left))
                .projection_expression(projection)
                .consistent_read(consistent);
            for (k, v) in names {
                request = request.expression_attribute_names(*k, *v);
            }
            let request = request
                .build()
                .map_err(|e| ApiError::Internal(format!("batch get: {e}")))?;
            let out = self
                .db
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| internal("BatchGetItem", e))?;
            found.extend(
                out.responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default(),
            );
            keys_left = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
        }
        if keys_left.is_empty() {
            Ok(found)
        } else {
            Err(ApiError::Unavailable(format!(
                "The database is busy; {what}. Please retry."
            )))
        }
    }

    /// Writes employer records with BatchWriteItem, 25 at a time.
    pub async fn put_employers(&self, records: &[&Employer]) -> Result<(), ApiError> {
        let requests = records
            .iter()
            .map(|e| {
                let put = PutRequest::builder()
                    .set_item(Some(to_item(e)))
                    .build()
                    .map_err(|e| ApiError::Internal(format!("put request: {e}")))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        self.batch_write(requests, "written").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_employer_round_trips_through_its_item() {
        let e = Employer {
            kind: EmployerType::NonProfit,
            source_id: "123456789".into(),
            name: "The Dwarfed Foundation".into(),
            normalised: "dwarfed foundation".into(),
            ein: Some("123456789".into()),
            city: Some("Reno".into()),
            state: Some("NV".into()),
            pslf_eligible: true,
            reason: "501(c)(3) organization".into(),
            subsection: Some("03".into()),
            level: None,
            school_years: None,
            source: "eo4.csv".into(),
            loaded_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        };
        let item = to_item(&e);
        assert_eq!(attr(&item, "PK"), Some("EMPLOYER#NP#123456789"));
        assert_eq!(attr(&item, "GSI3PK"), Some("EMPNAME#d"));
        assert_eq!(attr(&item, "GSI1PK"), Some("EMPNAME#NV#d"));
        assert_eq!(
            attr(&item, "GSI1SK"),
            Some("dwarfed foundation #NP#123456789")
        );
        assert_eq!(attr(&item, "GSI3SK"), attr(&item, "GSI1SK"));
        assert_eq!(from_item(&item), Some(e.clone()));
        // No state: in the all-states index only.
        let mut abroad = e;
        abroad.state = None;
        let item = to_item(&abroad);
        assert!(!item.contains_key("GSI1PK"));
        assert_eq!(from_item(&item), Some(abroad));
    }
}
