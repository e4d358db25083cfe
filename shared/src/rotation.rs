//! `loanpath rotate-keys`: re-seals every sealed value with the keyring's active key, so an old
//! key can then be removed (docs/security.md).
//!
//! It reads the table once (Scan: an operator's background job, never a request path), and
//! for each value not sealed with the active key in the current format:
//! - a borrower's `ssn_sealed`, a webhook endpoint's `secret_sealed` and a stored idempotent
//!   response's `body_sealed` are opened and re-sealed in place, each with an UpdateItem whose
//!   condition is the old value (a value changed meanwhile is left to the next run);
//! - an income document (its item's `object_key`) is read from the bucket, re-sealed and
//!   written back.
//!
//! Running it twice does nothing the second time. Values that do not open with any key of the
//! ring are reported, never overwritten.

use serde::Serialize;

use crate::context::AppContext;
use crate::error::ApiError;
use crate::store::{attr, internal, s, Item};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RotationReport {
    pub active_key: String,
    pub items_read: u64,
    pub ssns: u64,
    pub webhook_secrets: u64,
    pub stored_responses: u64,
    pub documents: u64,
    pub already_current: u64,
    /// Values changed by a request while this ran (left for the next run).
    pub changed_meanwhile: u64,
    /// Keys (PK, SK) whose value opens with no key of the ring.
    pub failed: Vec<String>,
}

/// The record each sealed attribute is bound to.
fn record_of(attribute: &str, pk: &str) -> Option<String> {
    match attribute {
        "ssn_sealed" => pk.strip_prefix("BORROWER#").map(str::to_string),
        "secret_sealed" => Some(format!("webhook:{}", attr_id_from_sk(pk)?)),
        "body_sealed" => Some(pk.to_string()),
        _ => None,
    }
}

/// Webhook endpoints are bound to their id (`webhook:<we_...>`); the id is the SK's tail.
fn attr_id_from_sk(sk: &str) -> Option<&str> {
    sk.strip_prefix("WEBHOOK#")
}

pub async fn rotate(ctx: &AppContext) -> Result<RotationReport, ApiError> {
    let cipher = ctx.cipher()?;
    let store = &ctx.store;
    let db = store.db_client();
    let mut report = RotationReport {
        active_key: cipher.active_key_id().to_string(),
        ..RotationReport::default()
    };
    let mut start: Option<Item> = None;
    loop {
        let out = db
            .scan()
            .table_name(store.table_name())
            .projection_expression("PK, SK, ssn_sealed, secret_sealed, body_sealed, object_key")
            .filter_expression(
                "attribute_exists(ssn_sealed) OR attribute_exists(secret_sealed) \
                 OR attribute_exists(body_sealed) OR attribute_exists(object_key)",
            )
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| internal("Scan (rotate-keys)", e))?;
        report.items_read += u64::from(out.scanned_count.max(0) as u32);
        for item in out.items() {
            let (Some(pk), Some(sk)) = (attr(item, "PK"), attr(item, "SK")) else {
                continue;
            };
            for attribute in ["ssn_sealed", "secret_sealed", "body_sealed"] {
                let Some(old) = attr(item, attribute) else {
                    continue;
                };
                if cipher.is_current(old) {
                    report.already_current += 1;
                    continue;
                }
                let bound = if attribute == "secret_sealed" {
                    record_of(attribute, sk)
                } else {
                    record_of(attribute, pk)
                };
                let Some(record) = bound else { continue };
                let Ok(plain) = cipher.open(old, &record) else {
                    report.failed.push(format!("{pk} {sk} {attribute}"));
                    continue;
                };
                let new = cipher.seal(&plain, &record);
                let done = db
                    .update_item()
                    .table_name(store.table_name())
                    .key("PK", s(pk))
                    .key("SK", s(sk))
                    .update_expression("SET #a = :new")
                    .condition_expression("#a = :old")
                    .expression_attribute_names("#a", attribute)
                    .expression_attribute_values(":new", s(new))
                    .expression_attribute_values(":old", s(old))
                    .send()
                    .await;
                match done {
                    Ok(_) => match attribute {
                        "ssn_sealed" => report.ssns += 1,
                        "secret_sealed" => report.webhook_secrets += 1,
                        _ => report.stored_responses += 1,
                    },
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
                    {
                        report.changed_meanwhile += 1
                    }
                    Err(e) => return Err(internal("UpdateItem (rotate-keys)", e)),
                }
            }
            if let Some(key) = attr(item, "object_key") {
                let docs = ctx.documents()?;
                let Some(sealed) = docs.get(key).await? else {
                    continue;
                };
                if cipher.is_current(&sealed) {
                    report.already_current += 1;
                    continue;
                }
                match cipher.open_bytes(&sealed, key) {
                    Ok(bytes) => {
                        // A document deleted meanwhile is not brought back: its item must still
                        // point at it (S3 has no compare-and-swap here; this narrows the window
                        // to the put itself).
                        let still = store
                            .get(pk, sk)
                            .await?
                            .is_some_and(|i| attr(&i, "object_key") == Some(key));
                        if !still {
                            report.changed_meanwhile += 1;
                            continue;
                        }
                        docs.put(key, cipher.seal_bytes(&bytes, key)).await?;
                        report.documents += 1;
                    }
                    Err(_) => report.failed.push(format!("{pk} {sk} {key}")),
                }
            }
        }
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(report),
        }
    }
}
