//! Employer records: shared reference data under `EMPLOYER#<type>#<source id>`, indexed by
//! name prefix in GSI3 (all states) and GSI1 (one state). Only the operator's loader writes
//! them; request paths only Query and GetItem.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use chrono::NaiveDate;

use super::{attr, internal, keys, s, Item, Store};
use crate::employers::{Employer, EmployerType};
use crate::error::ApiError;

/// The item of an employer record, with its content hash.
pub fn to_item(e: &Employer) -> Item {
    let mut item = Item::new();
    let code = e.kind.code();
    let sort = keys::employer_name_sort(&e.normalised, &e.source_id);
    let bucket = crate::employers::names::bucket(&e.normalised).unwrap_or('_');
    item.insert("PK".into(), s(keys::employer(code, &e.source_id)));
    item.insert("SK".into(), s(keys::EMPLOYER_SK));
    item.insert("entity".into(), s("Employer"));
    item.insert("GSI3PK".into(), s(keys::employer_names(code, bucket)));
    item.insert("GSI3SK".into(), s(sort.clone()));
    if let Some(st) = &e.state {
        item.insert(
            "GSI1PK".into(),
            s(keys::employer_names_in(code, st, bucket)),
        );
        item.insert("GSI1SK".into(), s(sort));
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
    /// Employers of one type whose normalised name starts with `prefix` (non-empty), in name
    /// order, at most `limit`: one Query on GSI3, or on GSI1 for one state.
    pub async fn employers_by_prefix(
        &self,
        kind: EmployerType,
        state: Option<&str>,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<Employer>, ApiError> {
        let Some(bucket) = crate::employers::names::bucket(prefix) else {
            return Ok(Vec::new());
        };
        let (index, pk_attr, sk_attr, pk) = match state {
            Some(st) => (
                "GSI1",
                "GSI1PK",
                "GSI1SK",
                keys::employer_names_in(kind.code(), st, bucket),
            ),
            None => (
                "GSI3",
                "GSI3PK",
                "GSI3SK",
                keys::employer_names(kind.code(), bucket),
            ),
        };
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_names("#sk", sk_attr)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(|e| internal("Query employers", e))?;
        Ok(out.items().iter().filter_map(from_item).collect())
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

    /// The stored content hash of each of up to 100 employer records that exist, by `PK`
    /// (one BatchGetItem, retried for unprocessed keys).
    pub async fn employer_hashes(
        &self,
        records: &[&Employer],
    ) -> Result<HashMap<String, String>, ApiError> {
        let mut keys_left: Vec<Item> = records
            .iter()
            .map(|e| {
                Item::from([
                    (
                        "PK".to_string(),
                        s(keys::employer(e.kind.code(), &e.source_id)),
                    ),
                    ("SK".to_string(), s(keys::EMPLOYER_SK)),
                ])
            })
            .collect();
        let mut found = HashMap::new();
        for attempt in 0..8u32 {
            if keys_left.is_empty() {
                return Ok(found);
            }
            super::retry_pause(attempt).await;
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys_left))
                .projection_expression("PK, content")
                // A record written by an earlier wave must be seen, or it would be counted
                // "inserted" twice.
                .consistent_read(true)
                .build()
                .map_err(|e| ApiError::Internal(format!("batch get: {e}")))?;
            let out = self
                .db
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| internal("BatchGetItem employers", e))?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                if let (Some(pk), Some(h)) = (attr(&item, "PK"), attr(&item, "content")) {
                    found.insert(pk.to_string(), h.to_string());
                }
            }
            keys_left = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
        }
        if keys_left.is_empty() {
            Ok(found)
        } else {
            Err(ApiError::Unavailable(
                "The database is busy; some employer records could not be read. Please retry."
                    .into(),
            ))
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
        assert_eq!(attr(&item, "GSI3PK"), Some("EMPNAME#NP#d"));
        assert_eq!(attr(&item, "GSI1PK"), Some("EMPNAME#NP#NV#d"));
        assert_eq!(attr(&item, "GSI1SK"), Some("dwarfed foundation #123456789"));
        assert_eq!(from_item(&item), Some(e.clone()));
        // No state: in the all-states index only.
        let mut abroad = e;
        abroad.state = None;
        let item = to_item(&abroad);
        assert!(!item.contains_key("GSI1PK"));
        assert_eq!(from_item(&item), Some(abroad));
    }
}
