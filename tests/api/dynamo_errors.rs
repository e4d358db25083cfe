//! Issue 12 §6: the DynamoDB error mapping, exercised. dynoxide cannot be made to throttle or
//! cancel a transaction on demand, so an SDK interceptor rewrites the emulator's real
//! response into the error DynamoDB would send; everything else (the real adapter, the real
//! handlers, the real SDK's deserialisation) is as in production.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use loanpath_tests::{app, call, send, test_cipher};
use serde_json::json;
use shared::api::borrowers;
use shared::AppContext;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Replaces the response of one operation (`x-amz-target` suffix) with `(status, body)`.
#[derive(Debug, Clone)]
struct Inject {
    op: &'static str,
    status: u16,
    body: String,
    seen: Arc<Mutex<Option<String>>>,
}

impl Intercept for Inject {
    fn name(&self) -> &'static str {
        "inject-dynamodb-error"
    }
    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        *self.seen.lock().unwrap() = loanpath_tests::dynamodb_operation(ctx);
        Ok(())
    }
    fn modify_before_deserialization(
        &self,
        ctx: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.seen.lock().unwrap().as_deref() != Some(self.op) {
            return Ok(());
        }
        let resp = ctx.response_mut();
        *resp.status_mut() = self.status.try_into()?;
        resp.headers_mut()
            .insert("content-type", "application/x-amz-json-1.0");
        *resp.body_mut() = aws_smithy_types::body::SdkBody::from(self.body.clone());
        Ok(())
    }
}

/// The test app's table, through a client that answers `op` with the given error.
fn ctx_with(endpoint: &str, op: &'static str, status: u16, body: serde_json::Value) -> AppContext {
    let conf = loanpath_tests::client_config(endpoint)
        // No SDK retries: the mapping of the first answer is what is tested.
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .interceptor(Inject {
            op,
            status,
            body: body.to_string(),
            seen: Arc::default(),
        })
        .build();
    AppContext::new(
        aws_sdk_dynamodb::Client::from_conf(conf),
        "loanpath-test",
        test_cipher(),
    )
}

fn cancelled(reasons: serde_json::Value) -> serde_json::Value {
    json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
        "CancellationReasons": reasons,
    })
}

#[tokio::test]
async fn transaction_and_throughput_errors_map_to_their_statuses() {
    let t = app().await;
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"first_name": "James"}})),
    )
    .await;
    assert_eq!(s, 201);
    let patch = || {
        call("PATCH", "/")
            .id(&b["id"])
            .json(json!({"borrower": {"last_name": "Kirk"}}))
    };
    let cases = [
        (
            400,
            cancelled(
                json!([{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]),
            ),
            409,
        ),
        (
            400,
            cancelled(
                json!([{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]),
            ),
            409,
        ),
        (
            400,
            cancelled(
                json!([{"Code": "ValidationError", "Message": "Item size has exceeded the maximum allowed size"}]),
            ),
            413,
        ),
        // Any other validation error is ours, not the caller's: a 500, never a 413.
        (
            400,
            cancelled(
                json!([{"Code": "ValidationError", "Message": "One or more parameter values were invalid"}]),
            ),
            500,
        ),
        (
            400,
            cancelled(
                json!([{"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}]),
            ),
            503,
        ),
        (
            400,
            json!({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "message": "Rate exceeded"}),
            503,
        ),
        (
            400,
            json!({"__type": "com.amazon.coral.validate#ValidationException", "message": "Item size has exceeded the maximum allowed size"}),
            413,
        ),
    ];
    for (status, body, want) in cases {
        let ctx = ctx_with(&t.endpoint, "TransactWriteItems", status, body.clone());
        let (s, out) = send(&ctx, borrowers::update, patch()).await;
        assert_eq!(s, want, "{body} -> {out}");
        assert!(out["error"]["detail"].is_string());
        if want == 500 {
            assert_eq!(
                out["error"]["detail"],
                "Something went wrong on our side. Please try again."
            );
        }
    }
    // (The emulator did run each write: only its answer was replaced. What is tested is
    // the mapping of DynamoDB's answer to the client's status.)
}

#[tokio::test]
async fn batch_items_left_unprocessed_are_a_503() {
    let t = app().await;
    // Every BatchWriteItem answers that its items were not processed.
    let ctx = ctx_with(
        &t.endpoint,
        "BatchWriteItem",
        200,
        json!({"UnprocessedItems": {"loanpath-test": [
            {"PutRequest": {"Item": {"PK": {"S": "EMPLOYER#NP#810000001"}, "SK": {"S": "EMPLOYER"}}}}
        ]}}),
    );
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/employers/eo_sample.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let e = shared::employers::load::load(
        &ctx.store,
        shared::employers::sources::SourceKind::Bmf,
        text.as_bytes(),
        "eo1.csv",
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "The database is busy; some items were not written. Please retry."
    );
    let api: shared::ApiError = match e {
        shared::employers::load::LoadError::Store(e) => e,
        other => panic!("{other}"),
    };
    assert_eq!(api.status(), 503);
}
