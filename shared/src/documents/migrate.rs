//! `loanpath migrate-documents`: moves income documents that older versions sealed inside
//! their DynamoDB item (`file_sealed`) to the object store, resealed under their object key.
//! Idempotent: an item is moved once (the move is conditional on `file_sealed` still being
//! there), and a rerun skips what is done. It is an operator's one-off, so it may Scan.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use super::{object_key, sha256_hex, sniff};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::store::{internal, s};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub moved: usize,
    /// Items another run moved first.
    pub already_moved: usize,
    pub failed: Vec<String>,
}

fn attr<'a>(item: &'a crate::store::Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// Moves every document still inside DynamoDB.
pub async fn run(ctx: &AppContext) -> Result<Report, ApiError> {
    let docs = ctx.documents()?;
    let cipher = ctx.cipher()?;
    let db = ctx.store.db_client();
    let table = ctx.store.table_name();
    let mut report = Report::default();
    let mut start = None;
    loop {
        let page = db
            .scan()
            .table_name(table)
            .filter_expression("entity = :e AND attribute_exists(file_sealed)")
            .expression_attribute_values(":e", s("IncomeCertification"))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| internal("Scan documents", e))?;
        for item in page.items.unwrap_or_default() {
            let (Some(pk), Some(sk), Some(sealed)) = (
                attr(&item, "PK"),
                attr(&item, "SK"),
                attr(&item, "file_sealed"),
            ) else {
                continue;
            };
            let id: i64 = item
                .get("id")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or_default();
            let Some(borrower) = pk
                .strip_prefix("BORROWER#")
                .and_then(|u| uuid::Uuid::parse_str(u).ok())
            else {
                continue;
            };
            let client_id = match ctx.store.get(pk, crate::store::keys::PROFILE_SK).await? {
                Some(p) => attr(&p, "client_id").unwrap_or_default().to_string(),
                None => {
                    report
                        .failed
                        .push(format!("{pk} {sk}: no borrower profile"));
                    continue;
                }
            };
            let bytes = match cipher
                .open_bytes(sealed, &crate::borrowers::income_cert_record(&borrower, id))
            {
                Ok(b) => b,
                Err(_) => {
                    report
                        .failed
                        .push(format!("{pk} {sk}: does not open with this key"));
                    continue;
                }
            };
            let key = object_key(&client_id, &borrower, id);
            docs.put(&key, cipher.seal_bytes(&bytes, &key)).await?;
            let moved = db
                .update_item()
                .table_name(table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .update_expression(
                    "SET object_key = :k, sha256 = :h, size_bytes = :n, content_type = :c REMOVE file_sealed",
                )
                .condition_expression("attribute_exists(file_sealed)")
                .expression_attribute_values(":k", s(&key))
                .expression_attribute_values(":h", s(sha256_hex(&bytes)))
                .expression_attribute_values(":n", AttributeValue::N(bytes.len().to_string()))
                .expression_attribute_values(
                    ":c",
                    s(sniff(&bytes).unwrap_or("application/octet-stream")),
                )
                .send()
                .await;
            match moved {
                Ok(_) => report.moved += 1,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
                {
                    report.already_moved += 1
                }
                Err(e) => return Err(internal("UpdateItem document", e)),
            }
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(report),
        }
    }
}
