//! template.yaml, the local router and the functions/ folder must agree with each other and
//! with `shared::table` (the one definition of the table).

use std::collections::BTreeSet;

use serde_yaml::Value;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

use loanpath_tests::template;

fn strs(v: &Value) -> Vec<String> {
    v.as_sequence()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn template_table_matches_the_code() {
    let t = template();
    let table = &t["Resources"]["Table"];
    assert_eq!(table["DeletionPolicy"].as_str(), Some("Retain"));
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    let attrs: Vec<(String, String)> = p["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().into(),
                a["AttributeType"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = shared::table::key_attributes()
        .iter()
        .map(|a| (a.to_string(), "S".to_string()))
        .collect();
    assert_eq!(attrs, want);
    let key = |ks: &Value| -> Vec<(String, String)> {
        ks.as_sequence()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["AttributeName"].as_str().unwrap().into(),
                    k["KeyType"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(
        key(&p["KeySchema"]),
        vec![("PK".into(), "HASH".into()), ("SK".into(), "RANGE".into())]
    );
    let gsis = p["GlobalSecondaryIndexes"].as_sequence().unwrap();
    assert_eq!(gsis.len(), shared::table::GSIS.len());
    for (g, want) in gsis.iter().zip(shared::table::GSIS) {
        assert_eq!(g["IndexName"].as_str(), Some(want.name));
        assert_eq!(
            key(&g["KeySchema"]),
            vec![
                (want.pk.into(), "HASH".into()),
                (want.sk.into(), "RANGE".into())
            ]
        );
        assert_eq!(
            g["Projection"]["ProjectionType"].as_str(),
            Some(if want.keys_only { "KEYS_ONLY" } else { "ALL" })
        );
    }
    let params: BTreeSet<String> = t["Parameters"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    assert!(params.contains("Stage") && params.contains("SsnKeySecretId"));
    assert!(t["Outputs"]["ApiUrl"].is_mapping() && t["Outputs"]["TableName"].is_mapping());
    assert_eq!(
        strs(&t["Globals"]["Function"]["Architectures"]),
        vec!["arm64"]
    );
}

/// Every functions/<name> crate has a template function with an HttpApi route, a route in the
/// local router (Cargo.toml) with the same method and path, and a sample event.
#[test]
fn every_function_is_deployed_routed_and_has_an_event() {
    let t = template();
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(root().join("functions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let resources = t["Resources"].as_mapping().unwrap();
    for name in &names {
        let f = resources
            .values()
            .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no template function builds {name}"));
        assert_eq!(f["Type"].as_str(), Some("AWS::Serverless::Function"));
        assert_eq!(
            f["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda")
        );
        let events = f["Properties"]["Events"].as_mapping().unwrap();
        assert!(!events.is_empty(), "{name} has no route");
        if let Some((_, kind)) = EVENT_SOURCES.iter().find(|(n, _)| n == name) {
            // Fed by a queue or a schedule, not routed.
            assert!(
                events.values().all(|e| e["Type"].as_str() == Some(kind)),
                "{name}"
            );
            assert!(
                !cargo.contains(&format!("function = \"{name}\"")),
                "{name} must not be routed"
            );
            assert!(
                root().join("events").join(format!("{name}.json")).exists(),
                "events/{name}.json missing"
            );
            continue;
        }
        for e in events.values() {
            assert_eq!(e["Type"].as_str(), Some("HttpApi"));
            let (path, method) = (
                e["Properties"]["Path"].as_str().unwrap(),
                e["Properties"]["Method"].as_str().unwrap(),
            );
            // API Gateway's catch-all: locally `loanpath front` answers it from the same table.
            if path == "$default" {
                assert_eq!((name.as_str(), method), ("not-found", "ANY"));
                continue;
            }
            let route = format!("\"{path}\"");
            let at = cargo
                .find(&route)
                .unwrap_or_else(|| panic!("{path} missing from the router"));
            let block = &cargo[at..cargo[at..].find(']').map(|i| at + i).unwrap()];
            assert!(
                block.contains(&format!("method = \"{method}\", function = \"{name}\"")),
                "router lacks {method} {path} -> {name}"
            );
        }
        assert!(
            root().join("events").join(format!("{name}.json")).exists(),
            "events/{name}.json missing"
        );
    }
}

/// Functions fed by another event source, and its SAM event type.
const EVENT_SOURCES: &[(&str, &str)] = &[
    ("webhooks-deliver", "SQS"),
    ("webhooks-relay", "ScheduleV2"),
    ("portfolio-sync-plan", "ScheduleV2"),
    ("portfolio-sync-worker", "SQS"),
];

/// GET routes that may write: a sandbox enrollment read applies the sandbox schedule (and its
/// webhooks) due by the borrower's clock.
const GET_THAT_WRITES: &[&str] = &["enrollments-list", "enrollments-get"];

/// The functions that seal or open secrets (SSNs, documents, webhook signing secrets).
const HOLD_SSN_KEY: &[&str] = &[
    "borrowers-create",
    "borrowers-update",
    "nexus-borrower-update",
    "income-certifications-create",
    "webhooks-create",
    "webhooks-rotate",
    "webhooks-deliver",
];

/// The functions that serve static parts and never read the table.
const NO_TABLE_ACCESS: &[&str] = &["nexus-js", "nexus-demo", "not-found", "openapi-get"];

/// Least privilege: every function names its DynamoDB actions explicitly; GET routes can only
/// read; only the functions that seal SSNs and documents receive SSN_KEY.
#[test]
fn functions_get_only_the_permissions_and_secrets_they_use() {
    let t = template();
    assert!(
        t["Globals"]["Function"]["Environment"]["Variables"]["SSN_KEY"].is_null(),
        "SSN_KEY must not be global"
    );
    let readers = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
    ];
    for (logical, f) in t["Resources"].as_mapping().unwrap() {
        if f["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let name = f["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
        // Functions that touch no table (the Nexus loader and demo page) get no policy at all.
        if NO_TABLE_ACCESS.contains(&name) {
            assert!(
                f["Properties"]["Policies"].is_null(),
                "{name} needs no policy"
            );
            continue;
        }
        let policies = f["Properties"]["Policies"].as_sequence().unwrap();
        assert_eq!(policies.len(), 1, "{name}");
        let statements = policies[0]["Statement"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name}: explicit Statement"));
        let actions: Vec<String> = statements.iter().flat_map(|s| strs(&s["Action"])).collect();
        assert!(
            !actions
                .iter()
                .any(|a| a == "dynamodb:Scan" || a.ends_with(":*")),
            "{name}: {actions:?}"
        );
        let methods: Vec<&str> = f["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
            .filter_map(|e| e["Properties"]["Method"].as_str())
            .collect();
        if !methods.is_empty()
            && methods.iter().all(|m| *m == "GET")
            && !GET_THAT_WRITES.contains(&name)
        {
            assert!(
                actions.iter().all(|a| readers.contains(&a.as_str())),
                "{name} reads only: {actions:?}"
            );
        }
        // The key itself is never in a function's configuration: only the secret's name, and
        // the permission to read that one secret, for the functions that need it.
        let vars = &f["Properties"]["Environment"]["Variables"];
        assert!(
            vars["SSN_KEY"].is_null(),
            "{name}: SSN_KEY in the environment"
        );
        let has_key = !vars["SSN_KEY_SECRET_ID"].is_null();
        assert_eq!(
            has_key,
            HOLD_SSN_KEY.contains(&name),
            "{logical:?} ({name}) SSN_KEY_SECRET_ID"
        );
        let reads_secret = actions.iter().any(|a| a == "secretsmanager:GetSecretValue");
        assert_eq!(
            reads_secret, has_key,
            "{name}: secretsmanager:GetSecretValue"
        );
    }
}

/// The sync's wiring: the planner on a schedule with retries, a dead-letter queue and an input
/// the handler reads; the worker on its queue with partial batch failures and capped
/// concurrency; the queue with a redrive policy and a visibility timeout Lambda accepts.
#[test]
fn the_sync_runs_on_a_schedule_and_a_queue_with_dead_letter_queues() {
    let t = template();
    let r = &t["Resources"];
    let plan = &r["PortfolioSyncPlanFunction"]["Properties"];
    let schedule = &plan["Events"]["Every5Minutes"];
    assert_eq!(schedule["Type"].as_str(), Some("ScheduleV2"));
    let p = &schedule["Properties"];
    assert_eq!(p["ScheduleExpression"].as_str(), Some("rate(5 minutes)"));
    assert!(p["RetryPolicy"]["MaximumRetryAttempts"].as_u64().unwrap() >= 1);
    assert!(!p["DeadLetterConfig"].is_null());
    assert_eq!(p["FlexibleTimeWindow"]["Mode"].as_str(), Some("FLEXIBLE"));
    let input: aws_lambda_events::event::eventbridge::EventBridgeEvent<
        shared::api::sync::PlanDetail,
    > = serde_json::from_str(
        // What EventBridge Scheduler puts in place of its context attributes.
        &p["Input"]
            .as_str()
            .unwrap()
            .replace("<aws.scheduler.scheduled-time>", "2026-12-01T12:00:00Z")
            .replace(
                "<aws.scheduler.execution-id>",
                "d7b3c2a1-0000-4000-8000-000000000001",
            )
            .replace(
                "<aws.scheduler.schedule-arn>",
                "arn:aws:scheduler:us-east-1:123456789012:schedule/default/x",
            ),
    )
    .expect("the handler reads the input");
    let max = input.detail.max_seconds.unwrap();
    assert!(
        max + 5 <= plan["Timeout"].as_u64().unwrap(),
        "the planner stops before its timeout"
    );
    assert!(!plan["Environment"]["Variables"]["SYNC_QUEUE_URL"].is_null());

    let worker = &r["PortfolioSyncWorkerFunction"]["Properties"];
    let q = &worker["Events"]["Queue"]["Properties"];
    assert_eq!(q["BatchSize"].as_u64(), Some(10));
    assert_eq!(
        q["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    assert!(q["ScalingConfig"]["MaximumConcurrency"].as_u64().unwrap() >= 2);
    let queue = &r["SyncQueue"]["Properties"];
    assert_eq!(queue["RedrivePolicy"]["maxReceiveCount"].as_u64(), Some(5));
    let timeout = worker["Timeout"].as_u64().unwrap();
    let window = q["MaximumBatchingWindowInSeconds"].as_u64().unwrap_or(0);
    assert!(queue["VisibilityTimeout"].as_u64().unwrap() >= 6 * timeout + window);
}

/// The cold-start warm-up opens a connection to the table and then stays out of the way: on a
/// reachable table it returns at once, and on an unreachable one within its limit, with no
/// error either way (the first request then pays for the connection, as before).
#[tokio::test]
async fn the_cold_start_warm_up_is_bounded_and_harmless() {
    let t = loanpath_tests::app().await;
    let started = std::time::Instant::now();
    t.ctx.store.warm(std::time::Duration::from_secs(2)).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = shared::store::Store::new(
        loanpath_tests::client(&format!("http://127.0.0.1:{port}")),
        "loanpath",
    );
    let started = std::time::Instant::now();
    dead.warm(std::time::Duration::from_millis(300)).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

/// Every request example in the OpenAPI document matches its own schema (the Nexus token
/// example was an object where the schema takes a string).
#[test]
fn every_request_example_matches_its_schema() {
    let (problems, checked) = loanpath_tests::contract::request_example_problems();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 15, "{checked}");
}

/// The IAM check every handler call goes through (tests/src/iam.rs) records what AWS
/// authorises, not the SDK's operation names, and refuses what a policy lacks.
#[tokio::test]
async fn handler_calls_are_checked_against_the_functions_policies() {
    use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
    use loanpath_tests::iam::{denied, record, Authorised};
    let t = loanpath_tests::app().await;
    let db = t.ctx.store.db_client().clone();
    let table = t.ctx.store.table_name().to_string();
    let key = |pk: &str| {
        std::collections::HashMap::from([
            ("PK".to_string(), AttributeValue::S(pk.into())),
            ("SK".to_string(), AttributeValue::S("X".into())),
        ])
    };
    let gsi = shared::table::GSIS[0];
    let ((), calls) = record(async {
        db.transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&table)
                            .set_item(Some(key("iam#1")))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&table)
                            .set_key(Some(key("iam#2")))
                            .condition_expression("attribute_not_exists(PK)")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        db.query()
            .table_name(&table)
            .index_name(gsi.name)
            .key_condition_expression("#k = :v")
            .expression_attribute_names("#k", gsi.pk)
            .expression_attribute_values(":v", AttributeValue::S("none".into()))
            .send()
            .await
            .unwrap();
    })
    .await;
    let on = |action: &str, on_index| Authorised {
        action: action.into(),
        on_index,
    };
    assert_eq!(
        calls,
        vec![
            on("dynamodb:PutItem", false),
            on("dynamodb:ConditionCheckItem", false),
            on("dynamodb:Query", true),
        ]
    );
    // Outside `record` (a test's own setup) nothing is recorded.
    let ((), none) = record(async {}).await;
    assert!(none.is_empty());
    assert!(denied("enrollments-cancel", &calls[..2]).is_empty());
    assert_eq!(
        denied("borrowers-get", &calls),
        vec![
            "dynamodb:ConditionCheckItem".to_string(),
            "dynamodb:PutItem".to_string(),
            "dynamodb:Query on an index (`${Table.Arn}/index/*`)".to_string(),
        ]
    );
    assert!(denied("borrowers-list", &[on("dynamodb:Query", true)]).is_empty());
    assert_eq!(
        denied("borrowers-get", &[on("sqs:SendMessage", false)]),
        vec!["sqs:SendMessage".to_string()]
    );
    assert!(denied("webhooks-test", &[on("sqs:SendMessage", false)]).is_empty());
    assert_eq!(
        denied("nope", &[]),
        vec!["nope is not a function of template.yaml".to_string()]
    );
}
