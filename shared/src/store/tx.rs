//! TransactWriteItems with conditions, and cancellation reasons mapped back to the items.

use aws_sdk_dynamodb::{
    error::SdkError,
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update},
};

use super::{internal, s, Item, Store};
use crate::error::ApiError;

/// A transaction under construction. Each item carries a label so a failed condition can be
/// reported as a domain outcome ("external_id taken", "spouse changed") instead of a 500.
#[derive(Default)]
pub struct Tx {
    items: Vec<TransactWriteItem>,
    labels: Vec<&'static str>,
}

#[derive(Debug)]
pub enum TxError {
    /// The conditions of these labelled items failed.
    Conflict(Vec<&'static str>),
    Other(ApiError),
}

impl From<TxError> for ApiError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Conflict(labels) => ApiError::Conflict(format!(
                "The record changed while this request ran ({}). Please retry.",
                labels.join(", ")
            )),
            TxError::Other(e) => e,
        }
    }
}

/// A write DynamoDB refused as invalid: with our own keys and expressions that means the data
/// was too large for one record (400 KB an item, 4 MB a transaction). A 413, not a 500.
fn too_large(e: &dyn std::fmt::Display) -> ApiError {
    tracing::info!(error = %e, "write refused as invalid");
    ApiError::TooLarge(
        "The request's data is too large to store as one record; send fewer or shorter values."
            .into(),
    )
}

/// Whether a DynamoDB validation message is about size (an item over 400 KB, a transaction
/// over 4 MB), the only validation error a caller's data can cause.
fn is_size_message(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    m.contains("size") || m.contains("larger than")
}

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    // Builders only fail when a required field is missing, which these helpers always set.
    r.unwrap_or_else(|e| panic!("transaction item missing a required field: {e}"))
}

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn push(&mut self, label: &'static str, item: TransactWriteItem) {
        self.items.push(item);
        self.labels.push(label);
    }

    /// Put an item whatever is stored (callers guard it with a version check elsewhere in the
    /// same transaction).
    pub fn put(&mut self, store: &Store, label: &'static str, item: Item) {
        let put = Put::builder().table_name(&store.table).set_item(Some(item));
        self.push(
            label,
            TransactWriteItem::builder().put(built(put.build())).build(),
        );
    }

    /// Put an item that must not exist yet.
    pub fn put_new(&mut self, store: &Store, label: &'static str, item: Item) {
        let put = Put::builder()
            .table_name(&store.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)");
        self.push(
            label,
            TransactWriteItem::builder().put(built(put.build())).build(),
        );
    }

    /// Replace an item whose stored `version` must still be `expected` (optimistic locking).
    pub fn put_versioned(&mut self, store: &Store, label: &'static str, item: Item, expected: u64) {
        let put = Put::builder()
            .table_name(&store.table)
            .set_item(Some(item))
            .condition_expression("#ver = :expected")
            .expression_attribute_names("#ver", "version")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()));
        self.push(
            label,
            TransactWriteItem::builder().put(built(put.build())).build(),
        );
    }

    /// Delete an item; with `expected`, only if its `version` still matches.
    pub fn delete(
        &mut self,
        store: &Store,
        label: &'static str,
        pk: &str,
        sk: &str,
        expected: Option<u64>,
    ) {
        let mut del = Delete::builder()
            .table_name(&store.table)
            .key("PK", s(pk))
            .key("SK", s(sk));
        if let Some(v) = expected {
            del = del
                .condition_expression("#ver = :expected")
                .expression_attribute_names("#ver", "version")
                .expression_attribute_values(":expected", AttributeValue::N(v.to_string()));
        }
        self.push(
            label,
            TransactWriteItem::builder()
                .delete(built(del.build()))
                .build(),
        );
    }

    /// Put an item if `condition` holds on the stored one (`values` bind its `:names`).
    pub fn put_when(
        &mut self,
        store: &Store,
        label: &'static str,
        item: Item,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) {
        let mut put = Put::builder()
            .table_name(&store.table)
            .set_item(Some(item))
            .condition_expression(condition);
        for (k, v) in values {
            put = put.expression_attribute_values(*k, v.clone());
        }
        self.push(
            label,
            TransactWriteItem::builder().put(built(put.build())).build(),
        );
    }

    /// A condition on an item this transaction does not write (it fails the whole
    /// transaction if it does not hold).
    pub fn check(
        &mut self,
        store: &Store,
        label: &'static str,
        (pk, sk): (&str, &str),
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) {
        let mut check = ConditionCheck::builder()
            .table_name(&store.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .condition_expression(condition);
        for (k, v) in values {
            check = check.expression_attribute_values(*k, v.clone());
        }
        self.push(
            label,
            TransactWriteItem::builder()
                .condition_check(built(check.build()))
                .build(),
        );
    }

    /// A condition that an item this transaction does not write still has `version`
    /// `expected`: what was decided on a read of it still holds at the commit.
    pub fn check_version(
        &mut self,
        store: &Store,
        label: &'static str,
        (pk, sk): (&str, &str),
        expected: u64,
    ) {
        let check = ConditionCheck::builder()
            .table_name(&store.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .condition_expression("#ver = :expected")
            .expression_attribute_names("#ver", "version")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()));
        self.push(
            label,
            TransactWriteItem::builder()
                .condition_check(built(check.build()))
                .build(),
        );
    }

    /// How many items the transaction holds (DynamoDB takes at most 100).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// An update with its own expression and condition.
    pub fn update(&mut self, label: &'static str, update: Update) {
        self.push(label, TransactWriteItem::builder().update(update).build());
    }

    /// Move an item's `version` from `expected` to `expected + 1`, and fail if it moved first.
    /// Unlike a condition check, this is itself a write, so two requests that each read
    /// version `expected` cannot both commit, even one after the other.
    pub fn bump_version(
        &mut self,
        store: &Store,
        label: &'static str,
        pk: &str,
        sk: &str,
        expected: u64,
    ) {
        self.bump_version_when(store, label, (pk, sk), expected, None);
    }

    /// [`Tx::bump_version`] with a further condition (`values` bind its `:names`).
    pub fn bump_version_when(
        &mut self,
        store: &Store,
        label: &'static str,
        (pk, sk): (&str, &str),
        expected: u64,
        also: Option<(&str, &[(&str, AttributeValue)])>,
    ) {
        let condition = match also {
            Some((c, _)) => format!("#ver = :expected AND {c}"),
            None => "#ver = :expected".to_string(),
        };
        let mut update = Update::builder()
            .table_name(&store.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .update_expression("SET #ver = :next")
            .condition_expression(condition)
            .expression_attribute_names("#ver", "version")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
            .expression_attribute_values(":next", AttributeValue::N((expected + 1).to_string()));
        for (k, v) in also.map(|(_, v)| v).unwrap_or_default() {
            update = update.expression_attribute_values(*k, v.clone());
        }
        self.update(label, built(update.build()));
    }

    pub async fn commit(self, store: &Store) -> Result<(), TxError> {
        if self.items.is_empty() {
            return Ok(());
        }
        let labels = self.labels;
        match store
            .db
            .transact_write_items()
            .set_transact_items(Some(self.items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(se)) => match se.into_err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let reasons = c.cancellation_reasons();
                    let with = |code: &str| -> Vec<&'static str> {
                        reasons
                            .iter()
                            .zip(labels.iter())
                            .filter(|(r, _)| r.code() == Some(code))
                            .map(|(_, l)| *l)
                            .collect()
                    };
                    // A failed condition, or another transaction on the same items at the same
                    // moment (DynamoDB cancels one of two overlapping transactions): both mean
                    // "the record changed while this request ran", a 409 the client may retry.
                    let mut failed = with("ConditionalCheckFailed");
                    if failed.is_empty() {
                        failed = with("TransactionConflict");
                    }
                    if !failed.is_empty() {
                        return Err(TxError::Conflict(failed));
                    }
                    let busy = ["ThrottlingError", "ProvisionedThroughputExceeded"];
                    if reasons
                        .iter()
                        .any(|r| r.code().is_some_and(|c| busy.contains(&c)))
                    {
                        return Err(TxError::Other(ApiError::Unavailable(
                            "The database is busy. Nothing was written; please retry.".into(),
                        )));
                    }
                    // Only a size problem is the caller's 413; any other validation error is ours.
                    if reasons.iter().any(|r| {
                        r.code() == Some("ValidationError")
                            && r.message().is_some_and(is_size_message)
                    }) {
                        return Err(TxError::Other(too_large(&c)));
                    }
                    Err(TxError::Other(internal("TransactWriteItems", c)))
                }
                TransactWriteItemsError::ProvisionedThroughputExceededException(_)
                | TransactWriteItemsError::RequestLimitExceeded(_)
                | TransactWriteItemsError::TransactionInProgressException(_) => {
                    Err(TxError::Other(ApiError::Unavailable(
                        "The database is busy. Nothing was written; please retry.".into(),
                    )))
                }
                // An item or request over DynamoDB's size limits comes back as a plain
                // ValidationException.
                other
                    if other.meta().code() == Some("ValidationException")
                        && other.meta().message().is_some_and(is_size_message) =>
                {
                    Err(TxError::Other(too_large(&other)))
                }
                other => Err(TxError::Other(internal("TransactWriteItems", other))),
            },
            Err(e) => Err(TxError::Other(internal("TransactWriteItems", e))),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_size_messages_are_size_errors() {
        assert!(super::is_size_message(
            "Item size has exceeded the maximum allowed size"
        ));
        assert!(super::is_size_message(
            "Item size to update has exceeded the maximum allowed size"
        ));
        assert!(!super::is_size_message(
            "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid"
        ));
        assert!(!super::is_size_message(
            "The provided key element does not match the schema"
        ));
    }
}
