//! The scheduled portfolio sync against the emulators (dynoxide, moto's SQS), through the real
//! planner and worker handlers: the sandbox clock moving a linked portfolio, due links across
//! shards, redelivery and two workers, a partial batch failure, racing API writes, the
//! closed-loan rule, every sync webhook, the planner's bounds with a backlog, and a worker
//! killed between chunks.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use loanpath_tests::iam::as_function;
use loanpath_tests::{app_with_queue, call, drain, receiver, send, sqs_client, TestApp};
use serde_json::{json, Value};
use shared::api::{borrowers, enrollments, loans, nexus};
use shared::sync::{LinkReport, PlanOptions, PlanReport, SyncMessage, SyncOptions};
use shared::webhooks::queue::Queue;
use shared::AppContext;

const CLIENT: &str = "sandbox-client";

// The planner and the worker, each run as its function, so that its AWS calls are checked
// against that function's policy in template.yaml (tests/src/iam.rs).
async fn work_with(
    ctx: &AppContext,
    event: SqsEvent,
    opts: &SyncOptions,
) -> (
    aws_lambda_events::event::sqs::SqsBatchResponse,
    Vec<LinkReport>,
) {
    as_function(
        "portfolio-sync-worker",
        shared::api::sync::work_with(ctx, event, opts),
    )
    .await
}

async fn run_plan(
    store: &shared::store::Store,
    queue: &Queue,
    opts: PlanOptions,
) -> Result<PlanReport, shared::ApiError> {
    as_function(
        "portfolio-sync-plan",
        shared::sync::plan(store, queue, opts),
    )
    .await
}

/// [`app_with_queue`] with a sync queue of its own too.
async fn sync_app() -> TestApp {
    let mut t = app_with_queue().await;
    let client = sqs_client();
    let url = client
        .create_queue()
        .queue_name(format!("lp-sync-{}", uuid::Uuid::new_v4().simple()))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    t.ctx = t.ctx.clone().with_sync_queue(Queue::new(client, url));
    t
}

/// Links `user` at `servicer` for the borrower with external id `ext`; returns its uuid.
async fn linked(t: &TestApp, ext: &str, servicer: &str, user: &str) -> String {
    link_with(&t.ctx, ext, servicer, user).await
}

async fn link_with(ctx: &AppContext, ext: &str, servicer: &str, user: &str) -> String {
    let (s, b) = send(
        ctx,
        nexus::sessions_create,
        call("POST", "/nexus/sessions").auth(None).json(json!({
            "nexus_key": loanpath_tests::SANDBOX_NEXUS_KEY,
            "borrower": ext,
            "origin": "http://127.0.0.1:9000"
        })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let tok = b["session_token"].as_str().unwrap().to_string();
    let uuid = b["borrower"]["uuid"].as_str().unwrap().to_string();
    let (s, l) = send(
        ctx,
        nexus::links_create,
        call("POST", "/nexus/links")
            .session(&tok)
            .json(json!({"servicer": servicer, "username": user, "password": "pw"})),
    )
    .await;
    assert_eq!((s, l["status"].as_str()), (200, Some("linked")), "{l}");
    uuid
}

async fn advance(t: &TestApp, uuid: &str, days: i64) -> Value {
    let (s, b) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/advance")
            .id(uuid)
            .json(json!({"days": days})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

async fn portfolio(t: &TestApp, uuid: &str) -> Value {
    let (s, b) = send(&t.ctx, loans::portfolio, call("GET", "/portfolio").id(uuid)).await;
    assert_eq!(s, 200, "{b}");
    b
}

async fn api_loans(t: &TestApp, uuid: &str) -> Vec<Value> {
    let (s, b) = send(&t.ctx, loans::list, call("GET", "/loans").id(uuid)).await;
    assert_eq!(s, 200, "{b}");
    b["loans"].as_array().unwrap().clone()
}

fn queue(t: &TestApp) -> &Queue {
    t.ctx.sync_queue().unwrap()
}

async fn plan(t: &TestApp) -> PlanReport {
    run_plan(&t.ctx.store, queue(t), PlanOptions::for_seconds(20))
        .await
        .expect("plan")
}

/// Takes every message on the sync queue off it, as one SQS event per receive.
async fn receive_all(t: &TestApp) -> Vec<SqsEvent> {
    let q = queue(t);
    let mut events = Vec::new();
    loop {
        let out = q
            .client()
            .receive_message()
            .queue_url(q.url())
            .max_number_of_messages(10)
            .visibility_timeout(600)
            .send()
            .await
            .unwrap();
        let msgs = out.messages.unwrap_or_default();
        if msgs.is_empty() {
            return events;
        }
        let mut ev = SqsEvent::default();
        for m in msgs {
            let mut r = SqsMessage::default();
            r.message_id = m.message_id;
            r.receipt_handle = m.receipt_handle;
            r.body = m.body;
            ev.records.push(r);
        }
        events.push(ev);
    }
}

fn messages(events: &[SqsEvent]) -> Vec<SyncMessage> {
    events
        .iter()
        .flat_map(|e| &e.records)
        .map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap())
        .collect()
}

/// The worker through the SQS emulator (the local event source) until the queue is empty.
async fn work(t: &TestApp, opts: &SyncOptions) -> Vec<LinkReport> {
    let mut all = Vec::new();
    loop {
        let got = std::sync::Mutex::new(Vec::new());
        let n = shared::webhooks::local::poll_queue(queue(t), 0, 30, |event| async {
            let (resp, reports) = work_with(&t.ctx, event, opts).await;
            got.lock().unwrap().extend(reports);
            resp
        })
        .await
        .unwrap();
        all.extend(got.into_inner().unwrap());
        if n == 0 {
            return all;
        }
    }
}

async fn sync_once(t: &TestApp) -> Vec<LinkReport> {
    plan(t).await;
    work(t, &SyncOptions::default()).await
}

fn balance(p: &Value) -> String {
    p["summary"]["outstanding_balance"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_linked_portfolio_changes_day_by_day_with_the_sandbox_clock() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-kirk", "Nelnet", "kirk").await;
    let before = portfolio(&t, &uuid).await;
    let link = &before["links"][0];
    assert_eq!(link["servicer"], "Nelnet");
    assert_eq!(link["status"], "linked");
    assert!(link["last_sync_outcome"].is_null());
    // Nothing is due yet: a link syncs a day after it was made.
    assert_eq!(plan(&t).await.due, 0);

    // A month later on the borrower's clock, the scheduled run reads the servicer again.
    assert_eq!(advance(&t, &uuid, 31).await["links_due_for_sync"], 1);
    let r = plan(&t).await;
    assert_eq!((r.due, r.sent, r.complete), (1, 1, true));
    let reports = work(&t, &SyncOptions::default()).await;
    assert_eq!(reports.len(), 1);
    let rep = &reports[0];
    assert_eq!(rep.outcome, Some(shared::sync::SyncOutcome::Updated));
    assert!(
        rep.updated > 0 && rep.created == 0 && rep.closed == 0,
        "{rep:?}"
    );
    let after = portfolio(&t, &uuid).await;
    assert_ne!(
        balance(&before),
        balance(&after),
        "payments moved the balance"
    );
    assert_eq!(
        before["loans"].as_array().unwrap().len(),
        after["loans"].as_array().unwrap().len()
    );
    let link = &after["links"][0];
    assert_eq!(link["status"], "linked");
    assert_eq!(link["last_sync_outcome"], "updated");
    assert_eq!(link["last_synced_at"], link["last_attempt_at"]);
    // Daily by default.
    let next =
        chrono::DateTime::parse_from_rfc3339(link["next_sync_at"].as_str().unwrap()).unwrap();
    let hours = (next.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.1).contains(&hours), "{hours}");
    // Each loan shows when it changed.
    let stamps: BTreeSet<&str> = after["loans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["updated_at"].as_str().unwrap())
        .collect();
    assert!(stamps
        .iter()
        .all(|s| *s > before["loans"][0]["updated_at"].as_str().unwrap()));
    // Nothing is due again at once: the link moved a day on.
    assert_eq!(plan(&t).await.due, 0);

    // The same day again: the data matches, so no loan is rewritten.
    let versions: Vec<Value> = api_loans(&t, &uuid)
        .await
        .iter()
        .map(|l| l["updated_at"].clone())
        .collect();
    shared::sync::make_due(&t.ctx, &uuid.parse().unwrap())
        .await
        .unwrap();
    let again = sync_once(&t).await;
    assert_eq!(again[0].outcome, Some(shared::sync::SyncOutcome::Unchanged));
    assert_eq!(again[0].updated, 0);
    let now: Vec<Value> = api_loans(&t, &uuid)
        .await
        .iter()
        .map(|l| l["updated_at"].clone())
        .collect();
    assert_eq!(versions, now);

    // A day later the balances move again (deterministically for the date).
    advance(&t, &uuid, 1).await;
    let day2 = sync_once(&t).await;
    assert_eq!(day2[0].outcome, Some(shared::sync::SyncOutcome::Updated));
    assert_ne!(balance(&after), balance(&portfolio(&t, &uuid).await));
}

#[tokio::test]
async fn the_sample_events_run_through_the_handlers() {
    let t = sync_app().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let plan_event: aws_lambda_events::event::eventbridge::EventBridgeEvent<
        shared::api::sync::PlanDetail,
    > = serde_json::from_str(
        &std::fs::read_to_string(root.join("events/portfolio-sync-plan.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(plan_event.detail.max_seconds, Some(20));
    let uuid = linked(&t, "sync-sample", "MOHELA", "spock").await;
    shared::sync::make_due(&t.ctx, &uuid.parse().unwrap())
        .await
        .unwrap();
    let out = as_function(
        "portfolio-sync-plan",
        shared::api::sync::plan(
            &t.ctx,
            plan_event,
            std::time::Instant::now() + Duration::from_secs(30),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["complete"].as_bool()),
        (Some(1), Some(true)),
        "{out}"
    );
    // The sample worker event names a claim no link holds: handled, changed nothing, acked.
    let worker_event: SqsEvent = serde_json::from_str(
        &std::fs::read_to_string(root.join("events/portfolio-sync-worker.json")).unwrap(),
    )
    .unwrap();
    let resp = as_function(
        "portfolio-sync-worker",
        shared::api::sync::work(
            &t.ctx,
            worker_event,
            std::time::Instant::now() + Duration::from_secs(30),
        ),
    )
    .await
    .unwrap();
    assert!(resp.batch_item_failures.is_empty());
    let got = work(&t, &SyncOptions::default()).await;
    assert_eq!(got[0].outcome, Some(shared::sync::SyncOutcome::Unchanged));
}

#[tokio::test]
async fn due_links_are_found_across_shards_and_nothing_else_and_claims_hold() {
    let t = sync_app().await;
    let mut due = HashSet::new();
    let mut shards = HashSet::new();
    for i in 0..24 {
        let uuid = linked(&t, &format!("shard-{i}"), "Aidvantage", &format!("user{i}")).await;
        if i % 2 == 0 {
            let u: uuid::Uuid = uuid.parse().unwrap();
            shared::sync::make_due(&t.ctx, &u).await.unwrap();
            shards.insert(shared::sync::shard(&u));
            due.insert(uuid);
        }
    }
    assert!(
        shards.len() >= 4,
        "the due links spread over shards: {shards:?}"
    );
    let r = plan(&t).await;
    assert_eq!(
        (r.due, r.sent, r.skipped, r.shards_done),
        (12, 12, 0, shared::sync::SHARDS)
    );
    let events = receive_all(&t).await;
    let sent: HashSet<String> = messages(&events)
        .iter()
        .map(|m| m.borrower_uuid.to_string())
        .collect();
    assert_eq!(sent, due, "exactly the due links");
    assert!(messages(&events)
        .iter()
        .all(|m| m.client_id == CLIENT && m.servicer == "Aidvantage"));
    // Claimed: the next run finds nothing until the lease lapses.
    assert_eq!(plan(&t).await.due, 0);
    let later = PlanOptions {
        now: chrono::Utc::now() + chrono::Duration::seconds(shared::sync::LEASE_SECONDS + 60),
        ..PlanOptions::for_seconds(20)
    };
    let lapsed = run_plan(&t.ctx.store, queue(&t), later).await.unwrap();
    assert_eq!(
        lapsed.sent, 12,
        "an unprocessed claim is sent again after its lease"
    );
}

#[tokio::test]
async fn a_redelivered_message_and_a_second_worker_change_nothing() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-twice", "Nelnet", "sulu").await;
    advance(&t, &uuid, 40).await;
    plan(&t).await;
    let events = receive_all(&t).await;
    assert_eq!(events.len(), 1);
    let opts = SyncOptions::default();
    let (first, r1) = work_with(&t.ctx, events[0].clone(), &opts).await;
    assert!(first.batch_item_failures.is_empty());
    assert_eq!(r1[0].outcome, Some(shared::sync::SyncOutcome::Updated));
    let snapshot = api_loans(&t, &uuid).await;
    let link_before = portfolio(&t, &uuid).await["links"].clone();
    // The same message again (SQS delivers at least once).
    let (again, r2) = work_with(&t.ctx, events[0].clone(), &opts).await;
    assert!(again.batch_item_failures.is_empty());
    assert_eq!(r2[0].skipped, Some("duplicate"));
    assert_eq!(api_loans(&t, &uuid).await, snapshot);
    assert_eq!(portfolio(&t, &uuid).await["links"], link_before);

    // Two workers on one message at the same moment: one syncs, the other changes nothing.
    advance(&t, &uuid, 1).await;
    plan(&t).await;
    let events = receive_all(&t).await;
    let (a, b) = tokio::join!(
        work_with(&t.ctx, events[0].clone(), &opts),
        work_with(&t.ctx, events[0].clone(), &opts),
    );
    assert!(a.0.batch_item_failures.is_empty() && b.0.batch_item_failures.is_empty());
    let mut outcomes = vec![
        (a.1[0].outcome, a.1[0].skipped),
        (b.1[0].outcome, b.1[0].skipped),
    ];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        vec![
            (None, Some("duplicate")),
            (Some(shared::sync::SyncOutcome::Updated), None)
        ]
    );
    let loans = api_loans(&t, &uuid).await;
    assert_eq!(loans.len(), snapshot.len(), "no duplicated loans");
    let ids: HashSet<&str> = loans.iter().map(|l| l["uuid"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), loans.len());
}

#[tokio::test]
async fn one_bad_link_fails_alone_in_its_batch() {
    let t = sync_app().await;
    let good = linked(&t, "sync-good", "EdFinancial", "chekov").await;
    let bad = linked(&t, "sync-bad", "CRI", "scotty").await;
    let retired = linked(&t, "sync-retired", "MOHELA", "chapel").await;
    for u in [&good, &bad, &retired] {
        advance(&t, u, 5).await;
    }
    let db = t.ctx.store.db_client();
    let table = t.ctx.store.table_name();
    let s = aws_sdk_dynamodb::types::AttributeValue::S;
    // The bad borrower has a loan item that no longer reads (a bad write by some other tool):
    // its sync is an error, reported for its record alone.
    let bad_pk = shared::store::keys::borrower(&bad.parse().unwrap());
    let first_loan = api_loans(&t, &bad).await[0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    db.update_item()
        .table_name(table)
        .key("PK", s(bad_pk))
        .key(
            "SK",
            s(shared::store::keys::loan(&first_loan.parse().unwrap())),
        )
        .update_expression("SET version = :x")
        .expression_attribute_values(":x", s("not a number".into()))
        .send()
        .await
        .unwrap();
    // The retired link points at a servicer no longer offered: recorded, not an error.
    let pk = shared::store::keys::borrower(&retired.parse().unwrap());
    let sk = shared::store::nexus::link_sk("MOHELA");
    let item = t.ctx.store.get(&pk, &sk).await.unwrap().unwrap();
    db.delete_item()
        .table_name(table)
        .key("PK", s(pk))
        .key("SK", s(sk))
        .send()
        .await
        .unwrap();
    let mut link = shared::store::nexus::link_from_item(item).unwrap();
    link.servicer = "Navient".into();
    db.put_item()
        .table_name(table)
        .set_item(Some(shared::store::nexus::link_to_item(&link).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(plan(&t).await.sent, 3);
    let events = receive_all(&t).await;
    let mut one = SqsEvent::default();
    one.records = events.into_iter().flat_map(|e| e.records).collect();
    assert_eq!(one.records.len(), 3, "one batch with all three");
    let bad_id = one
        .records
        .iter()
        .find(|r| r.body.as_deref().unwrap().contains(&bad))
        .and_then(|r| r.message_id.clone())
        .unwrap();
    let (resp, reports) = work_with(&t.ctx, one, &SyncOptions::default()).await;
    let failed: Vec<&str> = resp
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, vec![bad_id.as_str()]);
    let outcome = |u: &str| {
        reports
            .iter()
            .find(|r| r.borrower_uuid.to_string() == u)
            .and_then(|r| r.outcome)
    };
    assert_eq!(reports.len(), 2);
    assert_eq!(outcome(&good), Some(shared::sync::SyncOutcome::Updated));
    assert_eq!(
        outcome(&retired),
        Some(shared::sync::SyncOutcome::NoConnector)
    );
    let l = &portfolio(&t, &retired).await["links"][0];
    assert_eq!(
        (l["servicer"].as_str(), l["last_sync_outcome"].as_str()),
        (Some("Navient"), Some("no_connector"))
    );
}

#[tokio::test]
async fn a_sync_racing_api_writes_loses_neither() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-race", "Nelnet", "uhura").await;
    advance(&t, &uuid, 20).await;
    let linked_count = api_loans(&t, &uuid).await.len();
    plan(&t).await;
    // Between the sync's read and its commit, the client updates the borrower and adds a loan.
    let ctx = t.ctx.clone();
    let id = uuid.clone();
    let hook: shared::sync::worker::Hook = Arc::new(move || {
        let (ctx, id) = (ctx.clone(), id.clone());
        Box::pin(async move {
            let (s, b) = send(
                &ctx,
                borrowers::update,
                call("PATCH", "/")
                    .id(&id)
                    .json(json!({"borrower": {"agi": 61000}})),
            )
            .await;
            assert_eq!(s, 200, "{b}");
            let (s, b) = send(
                &ctx,
                loans::create,
                call("POST", "/").id(&id).json(json!({"loans": [{"external_id": "race-1", "loan_type": "D2",
                    "interest_rate": 5, "original_principal": 1000, "origination_date": "2018-01-01",
                    "outstanding_interest": 0, "outstanding_principal": 1000, "servicer_name": "MOHELA"}]})),
            )
            .await;
            assert_eq!(s, 201, "{b}");
        })
    });
    let opts = SyncOptions {
        before_commit: Some(hook),
        ..SyncOptions::default()
    };
    let reports = work(&t, &opts).await;
    assert_eq!(reports[0].outcome, Some(shared::sync::SyncOutcome::Updated));
    let (_, b) = send(&t.ctx, borrowers::get, call("GET", "/").id(&uuid)).await;
    assert_eq!(b["financial_details"]["agi"].to_string(), "61000.00", "{b}");
    let loans = api_loans(&t, &uuid).await;
    assert_eq!(loans.len(), linked_count + 1);
    assert!(loans.iter().any(|l| l["external_id"] == "race-1"));

    // A re-link through Nexus racing the sync: the sync's commit fails on the link's version,
    // it reads again, finds its claim gone (the re-link rescheduled the link), and stops.
    advance(&t, &uuid, 1).await;
    plan(&t).await;
    let ctx = t.ctx.clone();
    let hook: shared::sync::worker::Hook = Arc::new(move || {
        let ctx = ctx.clone();
        Box::pin(async move {
            link_with(&ctx, "sync-race", "Nelnet", "uhura").await;
        })
    });
    let opts = SyncOptions {
        before_commit: Some(hook),
        ..SyncOptions::default()
    };
    let reports = work(&t, &opts).await;
    assert_eq!(reports[0].skipped, Some("duplicate"), "{:?}", reports[0]);
    assert_eq!(
        reports[0].attempts, 2,
        "the first commit failed, the second read saw why"
    );
    let after = api_loans(&t, &uuid).await;
    assert_eq!(after.len(), linked_count + 1, "no duplicated loans");
}

#[tokio::test]
async fn a_loan_the_servicer_stops_reporting_is_closed_and_never_deleted() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-closed", "Nelnet", "rand").await;
    let u: uuid::Uuid = uuid.parse().unwrap();
    // A loan this link reported earlier, which the servicer no longer has.
    let coll = t
        .ctx
        .store
        .borrower_collection(
            &shared::model::Tenant {
                client_id: CLIENT.into(),
                mode: shared::model::ClientMode::Sandbox,
            },
            &u,
        )
        .await
        .unwrap();
    let mut gone = coll.loans[0].clone();
    gone.uuid = uuid::Uuid::new_v4();
    gone.id = 999_001;
    gone.award_id = Some("NELNET-PAID-OFF".into());
    t.ctx
        .store
        .db_client()
        .put_item()
        .table_name(t.ctx.store.table_name())
        .set_item(Some(shared::store::loans::to_item(&gone).unwrap()))
        .send()
        .await
        .unwrap();
    shared::sync::make_due(&t.ctx, &u).await.unwrap();
    let r = sync_once(&t).await;
    assert_eq!((r[0].closed, r[0].created), (1, 0), "{:?}", r[0]);
    let loans = api_loans(&t, &uuid).await;
    let closed = loans
        .iter()
        .find(|l| l["id"] == 999_001)
        .expect("kept, not deleted");
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(closed["no_longer_reported_since"], today);
    assert!(loans
        .iter()
        .filter(|l| l["id"] != 999_001)
        .all(|l| l.get("no_longer_reported_since").is_none()));
    // Closed loans leave the open total.
    let p = portfolio(&t, &uuid).await;
    let open_principal: rust_decimal::Decimal = loans
        .iter()
        .filter(|l| l.get("no_longer_reported_since").is_none())
        .map(|l| {
            l["outstanding_principal"]
                .to_string()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        p["summary"]["current_principal"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap(),
        open_principal
    );
    let open: Vec<&Value> = p["loans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l.get("no_longer_reported_since").is_none())
        .collect();
    assert_eq!(open.len(), loans.len() - 1);
    // The next sync leaves it as it is.
    shared::sync::make_due(&t.ctx, &u).await.unwrap();
    let again = sync_once(&t).await;
    assert_eq!((again[0].closed, again[0].updated), (0, 0));
}

#[tokio::test]
async fn sync_sends_connectivity_and_delinquency_webhooks() {
    let t = sync_app().await;
    let rx = receiver(vec![]).await;
    let (s, w) = send(
        &t.ctx,
        shared::api::webhooks::create,
        call("POST", "/webhooks").json(json!({"url": rx.url})),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    let link_of = |p: &Value| p["links"][0].clone();

    // Locked from the 3rd day after linking to the 10th.
    let locks = linked(&t, "sync-locks", "MOHELA", "user_locks_later").await;
    advance(&t, &locks, 3).await;
    let r = sync_once(&t).await;
    assert_eq!(
        r[0].outcome,
        Some(shared::sync::SyncOutcome::NeedsAttention)
    );
    assert_eq!(r[0].events, vec!["connectivity.interrupted"]);
    let l = link_of(&portfolio(&t, &locks).await);
    assert_eq!(
        (l["status"].as_str(), l["last_sync_outcome"].as_str()),
        (Some("needs_attention"), Some("needs_attention"))
    );
    // Still locked on day 5: no second interrupted event.
    advance(&t, &locks, 2).await;
    assert!(sync_once(&t).await[0].events.is_empty());
    // Unlocked on day 10: linked again, and restored.
    advance(&t, &locks, 5).await;
    let r = sync_once(&t).await;
    assert_eq!(r[0].events, vec!["connectivity.restored"]);
    assert_eq!(link_of(&portfolio(&t, &locks).await)["status"], "linked");

    // The servicer down on days 1 and 2: the link stays linked and retries with backoff.
    let flaky = linked(&t, "sync-flaky", "Nelnet", "user_flaky").await;
    advance(&t, &flaky, 1).await;
    let r = sync_once(&t).await;
    assert_eq!(
        r[0].outcome,
        Some(shared::sync::SyncOutcome::ServicerUnavailable)
    );
    assert!(r[0].events.is_empty());
    let l = link_of(&portfolio(&t, &flaky).await);
    assert_eq!(l["status"], "linked");
    let next = chrono::DateTime::parse_from_rfc3339(l["next_sync_at"].as_str().unwrap()).unwrap();
    let minutes = (next.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!(
        (14..=15).contains(&minutes),
        "first backoff 15 minutes: {minutes}"
    );
    advance(&t, &flaky, 2).await;
    assert_eq!(
        sync_once(&t).await[0].outcome,
        Some(shared::sync::SyncOutcome::Updated)
    );

    // A loan that turns delinquent: stored as current, the servicer now says 60 days late.
    let late = linked(&t, "sync-late", "Aidvantage", "user_delinquent").await;
    let u: uuid::Uuid = late.parse().unwrap();
    mark_current(&t, &u).await;
    shared::sync::make_due(&t.ctx, &u).await.unwrap();
    assert_eq!(sync_once(&t).await[0].events, vec!["borrower.delinquent"]);

    drain(&t.ctx).await;
    let secret = w["secret"].as_str().unwrap();
    let wh = standardwebhooks::Webhook::new(secret).unwrap();
    let got = rx.got.lock().unwrap().clone();
    let bodies: Vec<Value> = got
        .iter()
        .map(|r| {
            wh.verify(r.body.as_bytes(), &r.headers).expect("signed");
            let body: Value = serde_json::from_str(&r.body).unwrap();
            loanpath_tests::contract::check_webhook(&body);
            body
        })
        .collect();
    let mut types: Vec<&str> = bodies
        .iter()
        .map(|b| b["event_type"].as_str().unwrap())
        .collect();
    types.sort();
    // The first delinquency event is the link's own (the loan was late when linked).
    assert_eq!(
        types,
        vec![
            "borrower.delinquent",
            "borrower.delinquent",
            "connectivity.interrupted",
            "connectivity.restored"
        ]
    );
    let interrupted = bodies
        .iter()
        .find(|b| b["event_type"] == "connectivity.interrupted")
        .unwrap();
    assert_eq!(interrupted["data"]["borrower_id"], locks.as_str());
    assert_eq!(interrupted["data"]["servicer"]["name"], "MOHELA");
    assert_eq!(interrupted["data"]["reason"], "locked");
}

/// Link items due a minute ago, written straight to the table (the planner reads only the
/// index, so a backlog needs no borrowers).
async fn backlog(t: &TestApp, n: usize) {
    let due = shared::sync::after(chrono::Utc::now(), -60);
    let mut items = Vec::new();
    for i in 0..n {
        let link = shared::nexus::ServicerLink {
            borrower_uuid: uuid::Uuid::new_v4(),
            client_id: CLIENT.into(),
            servicer: "Nelnet".into(),
            status: shared::nexus::link::LinkStatus::Linked,
            connection_ref: format!("sbx1:standard:{i:016x}"),
            loan_count: 0,
            linked_at: due.clone(),
            last_synced_at: due.clone(),
            next_sync_at: due.clone(),
            last_attempt_at: None,
            last_sync_outcome: None,
            sync_failures: 0,
            sync_claim: None,
            version: 1,
        };
        items.push(shared::store::nexus::link_to_item(&link).unwrap());
    }
    for group in items.chunks(25) {
        let writes: Vec<aws_sdk_dynamodb::types::WriteRequest> = group
            .iter()
            .map(|item| {
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .put_request(
                        aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .unwrap(),
                    )
                    .build()
            })
            .collect();
        let out = t
            .ctx
            .store
            .db_client()
            .batch_write_item()
            .request_items(t.ctx.store.table_name(), writes)
            .send()
            .await
            .unwrap();
        assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()));
    }
}

#[tokio::test]
async fn the_planner_is_bounded_and_a_backlog_drains_over_runs_without_duplicates() {
    let t = sync_app().await;
    backlog(&t, 200).await;
    // A run capped at 50 links sends about 50 (16 shards, 4 each) and says it is not complete.
    let mut seen = HashSet::new();
    let mut runs = 0;
    loop {
        let r = run_plan(
            &t.ctx.store,
            queue(&t),
            PlanOptions {
                max_links: 50,
                ..PlanOptions::for_seconds(20)
            },
        )
        .await
        .unwrap();
        runs += 1;
        assert!(r.sent <= 64, "{r:?}");
        for m in messages(&receive_all(&t).await) {
            assert!(seen.insert(m.borrower_uuid), "sent twice: {m:?}");
        }
        if r.complete {
            break;
        }
        assert!(runs < 10);
    }
    assert_eq!(seen.len(), 200);
    assert!(runs >= 4, "{runs} runs");

    // A run whose deadline is already at hand stops at once, without failing.
    backlog(&t, 50).await;
    let r = run_plan(
        &t.ctx.store,
        queue(&t),
        PlanOptions {
            deadline: std::time::Instant::now() + Duration::from_millis(500),
            margin: Duration::from_secs(1),
            ..PlanOptions::for_seconds(20)
        },
    )
    .await
    .unwrap();
    assert_eq!((r.sent, r.complete), (0, false));
    assert_eq!(plan(&t).await.sent, 50, "the next run takes them");
    receive_all(&t).await;

    // A backlog larger than one run can take: the run stops at its deadline part-way, without
    // failing, and the next runs send the rest, each link once. (Counted on a queue of its own,
    // by its depth: moto's receive slows with a deep queue.)
    backlog(&t, 1000).await;
    let client = sqs_client();
    let url = client
        .create_queue()
        .queue_name(format!("lp-backlog-{}", uuid::Uuid::new_v4().simple()))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let q = Queue::new(client, url);
    let r = run_plan(
        &t.ctx.store,
        &q,
        PlanOptions {
            deadline: std::time::Instant::now() + Duration::from_millis(300),
            margin: Duration::ZERO,
            page: 10,
            ..PlanOptions::for_seconds(20)
        },
    )
    .await
    .unwrap();
    assert!(!r.complete && r.sent > 0 && r.sent < 1000, "{r:?}");
    assert_eq!(q.depth().await.unwrap(), r.sent);
    let mut runs = 1;
    loop {
        let r = run_plan(&t.ctx.store, &q, PlanOptions::for_seconds(20))
            .await
            .unwrap();
        runs += 1;
        if r.complete {
            break;
        }
    }
    // Every due link was claimed (the last run found none left), and 1000 messages in all:
    // each link sent exactly once.
    assert_eq!(
        q.depth().await.unwrap(),
        1000,
        "every link sent once, in {runs} runs"
    );
}

#[tokio::test]
async fn a_worker_killed_between_chunks_is_finished_by_the_retry() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-fault", "Aidvantage", "user_large").await;
    let before = api_loans(&t, &uuid).await;
    assert_eq!(before.len(), 30);
    advance(&t, &uuid, 35).await;
    plan(&t).await;
    // Ten loans per transaction, and the worker dies after the first one committed.
    let faulty = SyncOptions {
        chunk: 10,
        fail_after_chunks: Some(1),
        ..SyncOptions::default()
    };
    let n = shared::webhooks::local::poll_queue(queue(&t), 0, 1, |event| async {
        let (resp, _) = work_with(&t.ctx, event, &faulty).await;
        assert_eq!(
            resp.batch_item_failures.len(),
            1,
            "reported failed, so SQS keeps it"
        );
        resp
    })
    .await
    .unwrap();
    assert_eq!(n, 1);
    let half = api_loans(&t, &uuid).await;
    let changed = half
        .iter()
        .zip(&before)
        .filter(|(a, b)| a["updated_at"] != b["updated_at"])
        .count();
    assert_eq!(changed, 10, "the first chunk is in");
    // The message comes back after its visibility timeout; the retry finishes the job.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let reports = work(&t, &SyncOptions::default()).await;
    assert_eq!(reports.len(), 1);
    assert_eq!(
        (reports[0].updated, reports[0].unchanged),
        (20, 10),
        "{:?}",
        reports[0]
    );
    let after = api_loans(&t, &uuid).await;
    assert_eq!(after.len(), 30, "no lost or duplicated loans");
    let awards: HashSet<&str> = after.iter().map(|l| l["uuid"].as_str().unwrap()).collect();
    assert_eq!(awards.len(), 30);
    assert!(after
        .iter()
        .zip(&before)
        .all(|(a, b)| a["updated_at"] != b["updated_at"]));
    let link = &portfolio(&t, &uuid).await["links"][0];
    assert_eq!(link["last_sync_outcome"], "updated");
    // Nothing left on the queue, and nothing due.
    assert!(work(&t, &SyncOptions::default()).await.is_empty());
    assert_eq!(plan(&t).await.due, 0);
}

/// Stores a borrower's overdue loans as current, straight in the table (so the next sync sees
/// them turn overdue).
async fn mark_current(t: &TestApp, u: &uuid::Uuid) {
    let tenant = shared::model::Tenant {
        client_id: CLIENT.into(),
        mode: shared::model::ClientMode::Sandbox,
    };
    let coll = t.ctx.store.borrower_collection(&tenant, u).await.unwrap();
    for l in coll
        .loans
        .iter()
        .filter(|l| l.data.is_overdue == Some(true))
    {
        let mut current = l.clone();
        current.data.is_overdue = Some(false);
        t.ctx
            .store
            .db_client()
            .put_item()
            .table_name(t.ctx.store.table_name())
            .set_item(Some(shared::store::loans::to_item(&current).unwrap()))
            .send()
            .await
            .unwrap();
    }
}

/// Deletes some of a borrower's loans straight from the table (so the next sync must create
/// them again).
async fn forget_loans(t: &TestApp, uuid: &str, n: usize) {
    let pk = shared::store::keys::borrower(&uuid.parse().unwrap());
    for l in api_loans(t, uuid).await.iter().take(n) {
        let sk = shared::store::keys::loan(&l["uuid"].as_str().unwrap().parse().unwrap());
        t.ctx
            .store
            .db_client()
            .delete_item()
            .table_name(t.ctx.store.table_name())
            .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(pk.clone()))
            .key("SK", aws_sdk_dynamodb::types::AttributeValue::S(sk))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn two_workers_on_a_chunked_sync_that_creates_loans_never_duplicate_them() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-two-chunked", "Nelnet", "user_large").await;
    forget_loans(&t, &uuid, 12).await;
    assert_eq!(api_loans(&t, &uuid).await.len(), 18);
    advance(&t, &uuid, 35).await;
    plan(&t).await;
    let events = receive_all(&t).await;
    assert_eq!(events.len(), 1);
    // Five loans a transaction: six chunks, twelve of them new loans, raced by two workers.
    let opts = SyncOptions {
        chunk: 5,
        ..SyncOptions::default()
    };
    let (a, b) = tokio::join!(
        work_with(&t.ctx, events[0].clone(), &opts),
        work_with(&t.ctx, events[0].clone(), &opts),
    );
    let failures = a.0.batch_item_failures.len() + b.0.batch_item_failures.len();
    let finished: Vec<&LinkReport> =
        a.1.iter()
            .chain(&b.1)
            .filter(|r| r.outcome.is_some())
            .collect();
    assert!(failures + finished.len() >= 1, "{a:?} {b:?}");
    // Whatever the interleaving, the retry (SQS redelivers a failed record) finishes the job.
    if finished.is_empty() {
        let (c, _) = work_with(&t.ctx, events[0].clone(), &opts).await;
        assert!(c.batch_item_failures.is_empty());
    }
    let loans = api_loans(&t, &uuid).await;
    assert_eq!(loans.len(), 30, "no lost or duplicated loans");
    let uuids: HashSet<&str> = loans.iter().map(|l| l["uuid"].as_str().unwrap()).collect();
    assert_eq!(uuids.len(), 30);
    let link = &portfolio(&t, &uuid).await["links"][0];
    assert_eq!(link["last_sync_outcome"], "updated");
    assert_eq!(link["loan_count"], 30);
}

#[tokio::test]
async fn a_resumed_sync_still_sends_borrower_delinquent() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-late-resume", "Aidvantage", "user_delinquent").await;
    let u: uuid::Uuid = uuid.parse().unwrap();
    // Stored as current: the servicer's late loan turns overdue at the next sync.
    mark_current(&t, &u).await;
    // A month on: every loan changes, so the sync takes several chunks.
    advance(&t, &uuid, 31).await;
    plan(&t).await;
    let faulty = SyncOptions {
        chunk: 1,
        fail_after_chunks: Some(1),
        ..SyncOptions::default()
    };
    let events = receive_all(&t).await;
    let (resp, _) = work_with(&t.ctx, events[0].clone(), &faulty).await;
    assert_eq!(
        resp.batch_item_failures.len(),
        1,
        "died after its first chunk"
    );
    let (resp, reports) = work_with(&t.ctx, events[0].clone(), &SyncOptions::default()).await;
    assert!(resp.batch_item_failures.is_empty());
    assert_eq!(
        reports[0].events,
        vec!["borrower.delinquent"],
        "{:?}",
        reports[0]
    );
}

#[tokio::test]
async fn a_clients_interval_sets_the_next_due_time() {
    let t = sync_app().await;
    t.ctx
        .store
        .set_sync_interval(CLIENT, 6 * 3600)
        .await
        .unwrap();
    let uuid = linked(&t, "sync-6h", "Nelnet", "mccoy").await;
    let l = &portfolio(&t, &uuid).await["links"][0];
    let next = chrono::DateTime::parse_from_rfc3339(l["next_sync_at"].as_str().unwrap()).unwrap();
    let minutes = (next.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((359..=360).contains(&minutes), "{minutes}");
}

#[tokio::test]
async fn a_table_made_before_the_sync_index_gets_it() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType,
    };
    let t = sync_app().await;
    let db = t.ctx.store.db_client().clone();
    let key = |n: &str, k: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(k)
            .build()
            .unwrap()
    };
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    db.create_table()
        .table_name("older")
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .attribute_definitions(attr("PK"))
        .attribute_definitions(attr("SK"))
        .attribute_definitions(attr("GSI1PK"))
        .attribute_definitions(attr("GSI1SK"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("GSI1")
                .key_schema(key("GSI1PK", KeyType::Hash))
                .key_schema(key("GSI1SK", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let older = shared::store::Store::new(db.clone(), "older");
    assert!(!older.ensure_table().await.unwrap(), "it existed");
    let d = db
        .describe_table()
        .table_name("older")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = d
        .table()
        .unwrap()
        .global_secondary_indexes()
        .iter()
        .filter_map(|g| g.index_name())
        .collect();
    assert_eq!(names, vec!["GSI1", "GSI2", "GSI3"]);
    let page = older
        .due_links(0, "2026-12-01T00:00:00Z", 10, None)
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

/// Issue 12 §1: a sync never takes a borrower past the loan cap: new servicer loans beyond it
/// wait (and are counted), the rest of the sync goes through.
#[tokio::test]
async fn a_sync_stops_creating_loans_at_the_cap() {
    let t = sync_app().await;
    let uuid = linked(&t, "sync-cap", "Nelnet", "user_large").await;
    forget_loans(&t, &uuid, 12).await;
    assert_eq!(api_loans(&t, &uuid).await.len(), 18);
    // Fill up to 195 of the 200 with loans of the borrower's own.
    let filler = |from: usize, n: usize| {
        let list: Vec<Value> = (from..from + n)
            .map(|i| {
                json!({"external_id": format!("own-{i}"), "loan_type": "D2", "interest_rate": 5,
                    "original_principal": 1000, "origination_date": "2018-01-01",
                    "outstanding_interest": 0, "outstanding_principal": 1000,
                    "servicer_name": "Nelnet"})
            })
            .collect();
        json!({ "loans": list })
    };
    for (from, n) in [(0, 99), (99, 78)] {
        let (s, out) = send(
            &t.ctx,
            loans::create,
            call("POST", "/").id(&uuid).json(filler(from, n)),
        )
        .await;
        assert_eq!(s, 201, "{out}");
    }
    assert_eq!(api_loans(&t, &uuid).await.len(), 195);
    advance(&t, &uuid, 35).await;
    let reports = sync_once(&t).await;
    let r = reports
        .iter()
        .find(|r| r.outcome.is_some())
        .expect("the link synced");
    assert_eq!(r.skipped_over_cap, 7, "{r:?}");
    assert_eq!(api_loans(&t, &uuid).await.len(), 200, "exactly the cap");
}
