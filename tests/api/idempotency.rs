//! Issue 11 §5: `Idempotency-Key` on every POST, with Stripe's semantics, through the real
//! handlers and dynoxide.

use loanpath_tests::{app, call, send_request, split, OTHER_KEY};
use serde_json::{json, Value};
use shared::api::{borrowers, loans, webhooks};
use shared::AppContext;

async fn post_borrower(
    ctx: &AppContext,
    key: Option<&str>,
    auth: &str,
    body: Value,
) -> (u16, Value, bool) {
    let mut c = call("POST", "/api/v1/borrowers").key(auth).json(body);
    if let Some(k) = key {
        c = c.header("idempotency-key", k);
    }
    let resp = borrowers::create(ctx, c.request()).await;
    let replayed = resp.headers().get("idempotent-replayed").is_some();
    let (s, b) = split(resp);
    (s, b, replayed)
}

async fn count(ctx: &AppContext, auth: &str) -> usize {
    let (_, out) = send_request(ctx, borrowers::list, call("GET", "/").key(auth).request()).await;
    out["borrowers"].as_array().unwrap().len()
}

const KEY: &str = loanpath_tests::SANDBOX_KEY;

#[tokio::test]
async fn a_retry_gets_the_first_response_and_creates_nothing() {
    let t = app().await;
    let body = json!({"borrower": {"first_name": "James", "last_name": "Kirk"}});
    let (s1, first, r1) = post_borrower(&t.ctx, Some("create-kirk-1"), KEY, body.clone()).await;
    assert_eq!((s1, r1), (201, false));
    let (s2, second, r2) = post_borrower(&t.ctx, Some("create-kirk-1"), KEY, body.clone()).await;
    assert_eq!((s2, r2), (201, true), "{second}");
    assert_eq!(first, second, "the same body, the same uuid");
    assert_eq!(count(&t.ctx, KEY).await, 1);
    // The same key with another body is refused.
    let (s, e, _) = post_borrower(
        &t.ctx,
        Some("create-kirk-1"),
        KEY,
        json!({"borrower": {"first_name": "Spock"}}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        e["error"]["fields"]["Idempotency-Key"],
        "was already used with a different request; use a new key for a new request"
    );
    // Same value, other whitespace and key order: the same request.
    let resp = borrowers::create(
        &t.ctx,
        call("POST", "/api/v1/borrowers")
            .raw(r#"{ "borrower" : { "last_name":"Kirk",   "first_name":"James" } }"#)
            .header("idempotency-key", "create-kirk-1")
            .request(),
    )
    .await;
    assert!(resp.headers().get("idempotent-replayed").is_some());
    assert_eq!(split(resp).0, 201);
    // Another query string is another request.
    let resp = borrowers::create(
        &t.ctx,
        call("POST", "/api/v1/borrowers")
            .json(body.clone())
            .query("x", 1)
            .header("idempotency-key", "create-kirk-1")
            .request(),
    )
    .await;
    assert_eq!(split(resp).0, 422);
    // No key: every POST creates.
    post_borrower(&t.ctx, None, KEY, body.clone()).await;
    assert_eq!(count(&t.ctx, KEY).await, 2);
    // A key is 1 to 255 visible characters.
    let (s, e, _) = post_borrower(&t.ctx, Some(&"k".repeat(256)), KEY, body).await;
    assert_eq!(s, 422, "{e}");
}

#[tokio::test]
async fn concurrent_retries_run_once() {
    let t = app().await;
    let body = json!({"borrower": {"first_name": "Nyota"}});
    let runs = shared::concurrency::join_all(
        (0..6).map(|_| post_borrower(&t.ctx, Some("race-1"), KEY, body.clone())),
    )
    .await;
    let fresh: Vec<_> = runs.iter().filter(|(s, _, r)| *s == 201 && !r).collect();
    assert_eq!(fresh.len(), 1, "{runs:?}");
    for (s, b, replayed) in &runs {
        match s {
            201 => assert_eq!(b["uuid"], fresh[0].1["uuid"], "a replay of the one run"),
            409 => assert!(
                !replayed
                    && b["error"]["detail"].as_str().unwrap().starts_with(
                        "A request with this Idempotency-Key is still being processed"
                    )
            ),
            other => panic!("{other}: {b}"),
        }
    }
    assert_eq!(count(&t.ctx, KEY).await, 1);
    // After the first finished, every retry is a replay.
    let (s, b, replayed) = post_borrower(&t.ctx, Some("race-1"), KEY, body).await;
    assert_eq!((s, replayed), (201, true));
    assert_eq!(b["uuid"], fresh[0].1["uuid"]);
}

#[tokio::test]
async fn a_failed_request_stores_nothing_so_a_retry_runs() {
    let t = app().await;
    let (s, _, _) = post_borrower(
        &t.ctx,
        Some("fix-me"),
        KEY,
        json!({"borrower": {"agi": "1,5"}}),
    )
    .await;
    assert_eq!(s, 422);
    // The corrected request with the same key runs (the failure changed nothing).
    let (s, b, replayed) = post_borrower(
        &t.ctx,
        Some("fix-me"),
        KEY,
        json!({"borrower": {"agi": "1.5"}}),
    )
    .await;
    assert_eq!((s, replayed), (201, false), "{b}");
    assert_eq!(b["financial_details"]["agi"].to_string(), "1.50");
}

#[tokio::test]
async fn keys_belong_to_one_tenant() {
    let t = app().await;
    let body = json!({"borrower": {"first_name": "Leonard"}});
    let (_, mine, _) = post_borrower(&t.ctx, Some("shared-key"), KEY, body.clone()).await;
    let (s, theirs, replayed) = post_borrower(&t.ctx, Some("shared-key"), OTHER_KEY, body).await;
    assert_eq!(
        (s, replayed),
        (201, false),
        "another tenant's key is its own"
    );
    assert_ne!(mine["uuid"], theirs["uuid"]);
    assert_eq!(count(&t.ctx, OTHER_KEY).await, 1);
}

#[tokio::test]
async fn loans_and_webhooks_replay_their_headers_and_keep_secrets_sealed() {
    let t = loanpath_tests::app_with_queue().await;
    let rx = loanpath_tests::receiver(vec![]).await;
    let (_, b, _) = post_borrower(&t.ctx, None, KEY, json!({"borrower": {}})).await;
    let loan = json!({"loans": [{
        "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 1000,
        "original_principal": 1000, "outstanding_interest": 0, "loan_status": "RP",
        "servicer_name": "Nelnet", "origination_date": "2016-09-01"
    }]});
    let post_loans = || {
        loans::create(
            &t.ctx,
            call("POST", "/")
                .id(&b["id"])
                .header("idempotency-key", "loans-1")
                .json(loan.clone())
                .request(),
        )
    };
    let first = post_loans().await;
    let created = first.headers().get("loanpath-loans-created").cloned();
    let again = post_loans().await;
    assert_eq!(
        again.headers().get("loanpath-loans-created"),
        created.as_ref()
    );
    assert!(created.is_some());
    assert_eq!(split(first).1, split(again).1);
    let (_, list) =
        send_request(&t.ctx, loans::list, call("GET", "/").id(&b["id"]).request()).await;
    assert_eq!(list["loans"].as_array().unwrap().len(), 1);

    // A webhook's secret is shown by the replay (it is the same response), but never stored
    // in clear.
    let hook = || {
        webhooks::create(
            &t.ctx,
            call("POST", "/")
                .header("idempotency-key", "hook-1")
                .json(json!({"url": rx.url}))
                .request(),
        )
    };
    let (s1, h1) = split(hook().await);
    let (s2, h2) = split(hook().await);
    assert_eq!((s1, s2), (201, 201), "{h1}");
    assert_eq!(h1["secret"], h2["secret"]);
    let secret = h1["secret"].as_str().unwrap();
    let record = t
        .ctx
        .store
        .get(
            &shared::store::outbox::idempotency_pk("sandbox-client", "hook-1"),
            "IDEMPOTENCY",
        )
        .await
        .unwrap()
        .unwrap();
    assert!(record.contains_key("body_sealed"));
    assert!(
        !format!("{record:?}").contains(secret),
        "the secret is sealed"
    );
}
