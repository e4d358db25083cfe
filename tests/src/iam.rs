//! The IAM policies of template.yaml must grant what each function's code does. dynoxide and
//! moto check no IAM, so a write that a function's policy lacks passes every test here and
//! fails in AWS (it happened: a borrower-version check in a transaction needed
//! `dynamodb:ConditionCheckItem`, and an upload that retires the oldest document needed
//! `dynamodb:DeleteItem`).
//!
//! Every AWS call a handler makes while [`crate::send_request`] runs it is recorded by an SDK
//! interceptor on the test clients (DynamoDB, S3, SQS), as the IAM action AWS authorises it
//! under, and checked against the policy of the function that serves the route. The IAM
//! actions follow AWS's rules, not the SDK's operation names:
//! - `TransactWriteItems` and `TransactGetItems` are not IAM actions: each item is authorised
//!   as its own `PutItem`, `UpdateItem`, `DeleteItem`, `ConditionCheckItem` or `GetItem`;
//! - a `Query` or `Scan` on an index needs a resource of the table's indexes;
//! - S3's `HeadObject` is `s3:GetObject`, `ListObjectsV2` is `s3:ListBucket`; SQS's
//!   `SendMessageBatch` is `sqs:SendMessage`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex};

use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::scan::ScanInput;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// One authorisation AWS makes for a call: the IAM action, and whether its resource is one of
/// the table's indexes (`<table>/index/<name>`) rather than the table itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorised {
    pub action: String,
    pub on_index: bool,
}

type Calls = Arc<Mutex<Vec<Authorised>>>;

tokio::task_local! {
    /// The calls of the handler that [`record`] is running (none outside one).
    static CALLS: Calls;
}

/// Records the IAM actions of every call through the client it is added to (see the module
/// documentation). `service` is the IAM prefix: `dynamodb`, `s3` or `sqs`.
#[derive(Debug, Clone, Copy)]
pub struct Recorder {
    pub service: &'static str,
}

fn dynamodb(
    operation: &str,
    input: &aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Vec<Authorised> {
    let on = |action: &str, on_index: bool| Authorised {
        action: format!("dynamodb:{action}"),
        on_index,
    };
    if let Some(t) = input.downcast_ref::<TransactWriteItemsInput>() {
        return t
            .transact_items()
            .iter()
            .map(|item| {
                let action = if item.put().is_some() {
                    "PutItem"
                } else if item.update().is_some() {
                    "UpdateItem"
                } else if item.delete().is_some() {
                    "DeleteItem"
                } else {
                    "ConditionCheckItem"
                };
                on(action, false)
            })
            .collect();
    }
    if input.downcast_ref::<TransactGetItemsInput>().is_some() {
        return vec![on("GetItem", false)];
    }
    let on_index = input
        .downcast_ref::<QueryInput>()
        .map(|q| q.index_name().is_some())
        .or_else(|| {
            input
                .downcast_ref::<ScanInput>()
                .map(|s| s.index_name().is_some())
        })
        .unwrap_or(false);
    vec![on(operation, on_index)]
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "record-iam-actions"
    }

    // Not `read_before_execution`: a client's interceptors run that before the operation's
    // configuration (its `Metadata`) is in the bag.
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(operation) = cfg.load::<Metadata>().map(|m| m.name().to_string()) else {
            return Ok(());
        };
        let actions = match self.service {
            "dynamodb" => dynamodb(&operation, context.input()),
            service => {
                let action = match (service, operation.as_str()) {
                    ("s3", "HeadObject") => "GetObject",
                    ("s3", "ListObjectsV2") => "ListBucket",
                    ("sqs", "SendMessageBatch") => "SendMessage",
                    (_, op) => op,
                };
                vec![Authorised {
                    action: format!("{service}:{action}"),
                    on_index: false,
                }]
            }
        };
        // Outside a handler (a test's own setup and reads) nothing is recorded.
        let _ = CALLS.try_with(|calls| calls.lock().unwrap().extend(actions));
        Ok(())
    }
}

/// Runs `fut` (a handler) and returns its output with the authorisations of the AWS calls it
/// made in its own task. (Work it hands to another task is not seen; no handler does.)
pub async fn record<F: Future>(fut: F) -> (F::Output, Vec<Authorised>) {
    let calls = Calls::default();
    // On the heap: some handlers' futures are large, and a test thread's stack is 2 MB.
    let out = CALLS.scope(calls.clone(), Box::pin(fut)).await;
    let seen = std::mem::take(&mut *calls.lock().unwrap());
    (out, seen)
}

/// One statement of a function's policy: its actions and resources, as written
/// (`!GetAtt Table.Arn`, `!Sub "${Table.Arn}/index/*"`, ...).
#[derive(Debug)]
struct Statement {
    actions: Vec<String>,
    resources: Vec<String>,
}

fn text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Tagged(t) => format!("{} {}", t.tag, text(&t.value)),
        other => serde_yaml::to_string(other).unwrap_or_default(),
    }
}

fn list(v: &serde_yaml::Value) -> Vec<String> {
    match v.as_sequence() {
        Some(items) => items.iter().map(text).collect(),
        None if v.is_null() => Vec::new(),
        None => vec![text(v)],
    }
}

/// Each function's (its binary's) policy statements, from template.yaml.
static POLICIES: LazyLock<HashMap<String, Vec<Statement>>> = LazyLock::new(|| {
    let mut policies = HashMap::new();
    for f in crate::template()["Resources"]
        .as_mapping()
        .expect("Resources")
        .values()
    {
        if f["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(binary) = f["Metadata"]["BuildProperties"]["Binary"].as_str() else {
            continue;
        };
        let statements = f["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
            .filter(|s| s["Effect"].as_str() == Some("Allow"))
            .map(|s| Statement {
                actions: list(&s["Action"]),
                resources: list(&s["Resource"]),
            })
            .collect();
        policies.insert(binary.to_string(), statements);
    }
    policies
});

/// What of `calls` the policy of `function` does not allow, one line each (empty when all of
/// it is allowed).
pub fn denied(function: &str, calls: &[Authorised]) -> Vec<String> {
    let Some(statements) = POLICIES.get(function) else {
        return vec![format!("{function} is not a function of template.yaml")];
    };
    let mut missing: Vec<String> = calls
        .iter()
        .filter(|call| {
            !statements.iter().any(|s| {
                s.actions.contains(&call.action)
                    && (!call.action.starts_with("dynamodb:")
                        || s.resources
                            .iter()
                            .any(|r| r.contains("/index/") == call.on_index))
            })
        })
        .map(|call| {
            if call.on_index {
                format!("{} on an index (`${{Table.Arn}}/index/*`)", call.action)
            } else {
                call.action.clone()
            }
        })
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// Fails the test when `function`'s policy lacks an action its handler just used.
pub fn check(function: &str, route: &str, calls: &[Authorised]) {
    let missing = denied(function, calls);
    assert!(
        missing.is_empty(),
        "{route} ({function}) made AWS calls its policy in template.yaml does not allow: \
         {missing:?}. AWS would refuse them (AccessDenied); dynoxide and moto check no IAM. \
         Add them to the function's Policies."
    );
}

/// Runs `fut` as the function `function` (an event handler, which no route serves) and fails
/// the test when its policy lacks an action it used.
pub async fn as_function<F: Future>(function: &str, fut: F) -> F::Output {
    let (out, calls) = record(fut).await;
    check(function, "the event handler", &calls);
    out
}
