//! Webhooks: registration and its URL rules, signed deliveries through the SQS emulator to a
//! local receiver (verified with the Standard Webhooks library), retries, 410, the deliveries
//! log, tenant isolation, and a worker killed mid-batch.

use std::time::Duration;

use loanpath_tests::{
    app, app_with_queue, call, drain, receiver, send, split, Received, TestApp, OTHER_KEY,
};
use serde_json::{json, Value};
use shared::api::{borrowers, enrollments, loans, webhooks};

async fn register(t: &TestApp, url: &str) -> Value {
    let (s, w) = send(
        &t.ctx,
        webhooks::create,
        call("POST", "/webhooks").json(json!({"url": url})),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    w
}

fn verify(r: &Received, secret: &str) -> Value {
    let wh = standardwebhooks::Webhook::new(secret).unwrap();
    wh.verify(r.body.as_bytes(), &r.headers)
        .expect("a valid Standard Webhooks signature");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        r.headers["webhook-id"].to_str().unwrap(),
        body["id"].as_str().unwrap()
    );
    loanpath_tests::contract::check_webhook(&body);
    body
}

#[tokio::test]
async fn registration_shows_the_secret_once_and_refuses_unsafe_urls() {
    let t = app_with_queue().await;
    let rx = receiver(vec![]).await;
    let w = register(&t, &rx.url).await;
    let secret = w["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && w["id"].as_str().unwrap().starts_with("we_"));
    assert_eq!(w["status"], "active");
    let (s, list) = send(&t.ctx, webhooks::list, call("GET", "/webhooks")).await;
    assert_eq!(s, 200);
    assert_eq!(list["webhooks"][0]["url"], rx.url.as_str());
    assert!(!list.to_string().contains(secret) && list["webhooks"][0].get("secret").is_none());
    let (s, _) = send(
        &t.ctx,
        webhooks::create,
        call("POST", "/webhooks").json(json!({"url": rx.url})),
    )
    .await;
    assert_eq!(s, 409, "the same URL twice");
    for (url, why) in [
        ("http://10.0.0.7/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fe80::1]/hook", "link-local"),
        ("ftp://example.com/hook", "scheme"),
        ("not a url", "garbage"),
    ] {
        let (s, e) = send(
            &t.ctx,
            webhooks::create,
            call("POST", "/webhooks").json(json!({"url": url})),
        )
        .await;
        assert_eq!(s, 422, "{why}: {e}");
        assert!(e["error"]["fields"]["url"].is_string(), "{why}");
    }
    // A live client: https only, and never loopback (by address or by name).
    for url in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
    ] {
        let (s, e) = send(
            &t.ctx,
            webhooks::create,
            call("POST", "/webhooks")
                .key(OTHER_KEY)
                .json(json!({"url": url})),
        )
        .await;
        assert_eq!(s, 422, "{url}: {e}");
    }
    let (s, e) = send(
        &t.ctx,
        webhooks::create,
        call("POST", "/webhooks").json(json!({"url": rx.url, "events": ["enrollment.nope"]})),
    )
    .await;
    assert_eq!((s, e["error"]["fields"]["events"].is_string()), (422, true));
    // Another tenant sees none of it.
    let id = w["id"].as_str().unwrap();
    let (_, theirs) = send(&t.ctx, webhooks::list, call("GET", "/").key(OTHER_KEY)).await;
    assert_eq!(theirs["webhooks"], json!([]));
    let c = || call("POST", "/").key(OTHER_KEY).param("webhook_id", id);
    assert_eq!(send(&t.ctx, webhooks::delete, c()).await.0, 404);
    assert_eq!(send(&t.ctx, webhooks::rotate, c()).await.0, 404);
    assert_eq!(send(&t.ctx, webhooks::deliveries, c()).await.0, 404);
    // Rotation: a new secret, shown once.
    let (s, r) = send(
        &t.ctx,
        webhooks::rotate,
        call("POST", "/").param("webhook_id", id),
    )
    .await;
    assert_eq!(s, 200);
    assert_ne!(r["secret"], w["secret"]);
    let (s, _) = send(
        &t.ctx,
        webhooks::delete,
        call("DELETE", "/").param("webhook_id", id),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(
        &t.ctx,
        webhooks::delete,
        call("DELETE", "/").param("webhook_id", id),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn the_test_event_is_delivered_signed_with_data_null() {
    let t = app_with_queue().await;
    let rx = receiver(vec![]).await;
    let w = register(&t, &rx.url).await;
    let (s, q) = send(
        &t.ctx,
        webhooks::test,
        call("POST", "/webhooks/test").json(json!({"url": rx.url})),
    )
    .await;
    assert_eq!(s, 202, "{q}");
    assert!(drain(&t.ctx).await >= 2, "fan-out, then the delivery");
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let body = verify(&got[0], w["secret"].as_str().unwrap());
    assert_eq!(body["event_type"], "webhook.test");
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["id"], q["event"]["id"]);
    let (_, log) = send(
        &t.ctx,
        webhooks::deliveries,
        call("GET", "/").param("webhook_id", w["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(log["deliveries"][0]["outcome"], "delivered");
    assert_eq!(log["deliveries"][0]["status_code"], 200);
    // An unregistered URL is named as such.
    let (s, e) = send(
        &t.ctx,
        webhooks::test,
        call("POST", "/").json(json!({"url": "http://127.0.0.1:1/x"})),
    )
    .await;
    assert_eq!((s, e["error"]["fields"]["url"].is_string()), (422, true));
}

async fn ready_borrower(t: &TestApp) -> Value {
    let (_, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/borrowers").json(json!({"borrower": {
            "first_name": "James", "last_name": "Kirk", "phone": "515-555-0100", "ssn": "123456789",
            "address": {"street1": "1 Starfleet Way", "city": "Riverside", "state": "IA", "zipcode": "52327"},
            "agi": 0, "state_of_residence": "IA"}})),
    )
    .await;
    let (s, _) = send(
        &t.ctx,
        loans::create,
        call("POST", "/loans").id(b["uuid"].as_str().unwrap()).json(
            json!({"loans": [{"loan_type": "D2", "interest_rate": 5.05,
            "outstanding_principal": 20000, "outstanding_interest": 0, "original_principal": 20000,
            "origination_date": "2019-09-22", "servicer_name": "Nelnet", "loan_status": "RP"}]}),
        ),
    )
    .await;
    assert_eq!(s, 201);
    b
}

/// A `rap` Enrollment Request for `b` (201).
async fn enroll_rap(t: &TestApp, b: &Value) -> Value {
    let (s, e) = send(
        &t.ctx,
        enrollments::create,
        call("POST", "/")
            .id(&b["id"])
            .json(json!({"repayment_plan": "rap", "signature": true})),
    )
    .await;
    assert_eq!(s, 201, "{e}");
    e
}

/// `POST /api/v1/sandbox/borrowers/{b}/enrollments/{e}/status` with `body`: the servicer.
async fn as_servicer(t: &TestApp, b: &Value, e: &Value, body: Value) -> (u16, Value) {
    send(
        &t.ctx,
        enrollments::sandbox_status,
        call("POST", "/")
            .id(&b["id"])
            .param("enrollment_id", e["uuid"].as_str().unwrap())
            .json(body),
    )
    .await
}

/// The enrollment events received, verified, in the order of their changes (deliveries may
/// come in any order; each event's history ends with its own change).
fn in_change_order(got: &[Received], secret: &str) -> Vec<Value> {
    let mut events: Vec<Value> = got.iter().map(|r| verify(r, secret)).collect();
    events.sort_by_key(|ev| {
        ev["data"]["enrollment"]["history"]
            .as_array()
            .expect("an enrollment event holds its history")
            .len()
    });
    events
}

#[tokio::test]
async fn every_enrollment_status_change_is_a_signed_webhook() {
    let t = app_with_queue().await;
    let rx = receiver(vec![]).await;
    let w = register(&t, &rx.url).await;
    let b = ready_borrower(&t).await;
    let e = enroll_rap(&t, &b).await;
    let (s, _) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/").id(&b["id"]).json(json!({"days": 40})),
    )
    .await;
    assert_eq!(s, 200);
    drain(&t.ctx).await;
    let got = rx.got.lock().unwrap().clone();
    let secret = w["secret"].as_str().unwrap();
    let mut seen: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            let body = verify(r, secret);
            assert_eq!(body["event_type"], "enrollment.status_changed");
            assert_eq!(body["data"]["enrollment"]["uuid"], e["uuid"]);
            let status = body["data"]["enrollment"]["status"]["type"]
                .as_str()
                .unwrap()
                .to_string();
            // The servicer's part as it stood right after this change, though the 40-day
            // jump applied the later ones in the same request.
            let part = &body["data"]["enrollment"]["servicers"][0];
            let want = match status.as_str() {
                "pending" => "pending",
                "complete" => "submitted",
                _ => "approved",
            };
            assert_eq!(part["status"], want, "{status}: {part}");
            assert_eq!(
                part["submitted_at"].is_null(),
                status == "pending",
                "{status}: {part}"
            );
            (status, body["created_at"].as_str().unwrap().to_string())
        })
        .collect();
    seen.sort_by(|a, b| a.1.cmp(&b.1));
    let mut statuses: Vec<String> = seen.into_iter().map(|s| s.0).collect();
    statuses.sort();
    // One event per change: created (pending), complete, approved (one servicer: no partial step).
    assert_eq!(statuses, vec!["approved", "complete", "pending"]);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_webhook_id_and_410_disables() {
    let t = app_with_queue().await;
    let rx = receiver(vec![500]).await;
    let w = register(&t, &rx.url).await;
    send(
        &t.ctx,
        webhooks::test,
        call("POST", "/").json(json!({"url": rx.url})),
    )
    .await;
    drain(&t.ctx).await;
    assert_eq!(
        rx.got.lock().unwrap().len(),
        1,
        "first attempt answered 500"
    );
    let (_, log) = send(
        &t.ctx,
        webhooks::deliveries,
        call("GET", "/").param("webhook_id", w["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(log["deliveries"][0]["outcome"], "retrying");
    assert_eq!(log["deliveries"][0]["status_code"], 500);
    assert!(log["deliveries"][0]["next_attempt_at"].is_string());
    // The retry waits 5 seconds (the first step of the backoff).
    tokio::time::sleep(Duration::from_millis(5600)).await;
    drain(&t.ctx).await;
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    verify(&got[1], w["secret"].as_str().unwrap());
    let (_, log) = send(
        &t.ctx,
        webhooks::deliveries,
        call("GET", "/").param("webhook_id", w["id"].as_str().unwrap()),
    )
    .await;
    let outcomes: Vec<&str> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, vec!["delivered", "retrying"]);
    assert_eq!(log["deliveries"][0]["attempt"], 2);

    // 410 Gone turns the endpoint off.
    let gone = receiver(vec![410]).await;
    let w2 = register(&t, &gone.url).await;
    send(
        &t.ctx,
        webhooks::test,
        call("POST", "/").json(json!({"url": gone.url})),
    )
    .await;
    drain(&t.ctx).await;
    let (_, list) = send(&t.ctx, webhooks::list, call("GET", "/")).await;
    let row = list["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == w2["id"])
        .unwrap()
        .clone();
    assert_eq!(row["status"], "disabled");
    assert!(row["disabled_reason"].as_str().unwrap().contains("410"));
}

#[tokio::test]
async fn a_worker_killed_mid_batch_loses_nothing_and_never_changes_a_webhook_id() {
    let t = app_with_queue().await;
    // The receiver is slow: the worker is killed while deliveries are in flight.
    let rx = receiver(vec![]).await;
    let w = register(&t, &rx.url).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (s, q) = send(
            &t.ctx,
            webhooks::test,
            call("POST", "/").json(json!({"url": rx.url})),
        )
        .await;
        assert_eq!(s, 202);
        ids.push(q["event"]["id"].as_str().unwrap().to_string());
    }
    // Fan out, then start delivering and kill the worker almost at once (its messages stay
    // on the queue and come back after their 2-second visibility timeout).
    let fanned = shared::webhooks::local::poll_once(&t.ctx, 0, 2)
        .await
        .unwrap();
    assert_eq!(fanned, 4);
    // The receiver holds every request for 5 s, so the batch cannot finish: the worker is
    // killed as soon as the first delivery has reached the receiver (however slow the
    // machine), with the others in flight or not yet sent.
    rx.delay_ms
        .store(5000, std::sync::atomic::Ordering::Relaxed);
    let worker = shared::webhooks::local::poll_once(&t.ctx, 0, 2);
    let first_arrived = async {
        while rx.got.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let killed = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::select! {
            _ = worker => false,
            _ = first_arrived => true,
        }
    })
    .await;
    assert_eq!(killed, Ok(true), "the worker was killed mid-batch");
    let in_flight = rx.got.lock().unwrap().len();
    assert!(in_flight >= 1, "deliveries were in flight when it died");
    rx.delay_ms.store(0, std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    drain(&t.ctx).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    drain(&t.ctx).await;
    let got = rx.got.lock().unwrap().clone();
    let secret = w["secret"].as_str().unwrap();
    let mut by_event: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &got {
        let body = verify(r, secret);
        by_event
            .entry(body["id"].as_str().unwrap().to_string())
            .or_default()
            .push(r.headers["webhook-id"].to_str().unwrap().to_string());
    }
    // Nothing lost: every event arrived.
    let mut want = ids.clone();
    want.sort();
    assert_eq!(by_event.keys().cloned().collect::<Vec<_>>(), want);
    // A duplicate is only ever the same event under the same webhook-id.
    for (event, hooks) in &by_event {
        assert!(hooks.iter().all(|h| h == event), "{event}: {hooks:?}");
    }
    // Every event is marked delivered: a later redelivery would be skipped.
    for id in &ids {
        assert!(t
            .ctx
            .store
            .delivered(id, w["id"].as_str().unwrap())
            .await
            .unwrap());
    }
    let _ = split;
}

#[tokio::test]
async fn a_refused_widget_login_sends_no_connectivity_event_and_a_relink_restores() {
    use shared::api::nexus;
    let t = app_with_queue().await;
    let rx = receiver(vec![]).await;
    let w = register(&t, &rx.url).await;
    let (s, started) = send(
        &t.ctx,
        nexus::sessions_create,
        call("POST", "/").auth(None).json(json!({"nexus_key": loanpath_tests::SANDBOX_NEXUS_KEY, "borrower": "conn-1", "origin": "http://127.0.0.1:9000"})),
    )
    .await;
    assert_eq!(s, 201);
    let tok = started["session_token"].as_str().unwrap();
    let link = |user: &'static str, servicer: &'static str| {
        call("POST", "/nexus/links")
            .session(tok)
            .json(json!({"servicer": servicer, "username": user, "password": "pw"}))
    };
    assert_eq!(
        send(&t.ctx, nexus::links_create, link("kirk", "Nelnet"))
            .await
            .1["status"],
        "linked"
    );
    // A login the servicer refuses in the widget (here a locked account; a typo alike) says
    // nothing of the saved connection: the saved link stays linked, and no
    // connectivity.interrupted goes out (anyone with the public key could send one otherwise).
    // Only the scheduled sync's re-read of the saved login marks it (tests/api/sync.rs).
    for user in ["user_locked", "user_bad_password"] {
        let (_, failed) = send(&t.ctx, nexus::links_create, link(user, "Nelnet")).await;
        assert_eq!(failed["status"], "failed", "{failed}");
    }
    let (_, v) = send(&t.ctx, nexus::session_get, call("GET", "/").session(tok)).await;
    assert_eq!(v["links"][0]["status"], "linked");
    assert_eq!(v["links"].as_array().unwrap().len(), 1);
    // A link the scheduled sync marked needs_attention (written here as the sync writes it)
    // is restored by a successful login in the widget: connectivity.restored.
    let tenant = shared::model::Tenant {
        client_id: "sandbox-client".into(),
        mode: shared::model::ClientMode::Sandbox,
    };
    let borrower_uuid: uuid::Uuid = started["borrower"]["uuid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let coll = t
        .ctx
        .store
        .borrower_collection(&tenant, &borrower_uuid)
        .await
        .unwrap();
    let mut marked = coll.links[0].clone();
    marked.status = shared::nexus::link::LinkStatus::NeedsAttention;
    marked.version += 1;
    t.ctx
        .store
        .db_client()
        .put_item()
        .table_name(t.ctx.store.table_name())
        .set_item(Some(shared::store::nexus::link_to_item(&marked).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        send(&t.ctx, nexus::links_create, link("kirk", "Nelnet"))
            .await
            .1["status"],
        "linked"
    );
    assert_eq!(
        send(
            &t.ctx,
            nexus::links_create,
            link("user_delinquent", "MOHELA")
        )
        .await
        .1["status"],
        "linked"
    );
    drain(&t.ctx).await;
    let secret = w["secret"].as_str().unwrap();
    let got = rx.got.lock().unwrap().clone();
    let mut types: Vec<String> = got
        .iter()
        .map(|r| {
            verify(r, secret)["event_type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    types.sort();
    assert_eq!(types, vec!["borrower.delinquent", "connectivity.restored"]);
    let restored = got
        .iter()
        .map(|r| verify(r, secret))
        .find(|b| b["event_type"] == "connectivity.restored")
        .unwrap();
    assert_eq!(restored["data"]["borrower_id"], started["borrower"]["uuid"]);
    let delinquent = got
        .iter()
        .map(|r| verify(r, secret))
        .find(|b| b["event_type"] == "borrower.delinquent")
        .unwrap();
    assert_eq!(delinquent["data"]["servicer"]["name"], "MOHELA");
    assert!(delinquent["data"]["borrower"]["uuid"].is_string());
    assert!(
        !delinquent.to_string().contains("ssn\":\""),
        "no SSN in events"
    );
}

#[tokio::test]
async fn a_test_event_for_a_disabled_endpoint_is_refused() {
    let t = app_with_queue().await;
    let gone = receiver(vec![410]).await;
    let w = register(&t, &gone.url).await;
    send(
        &t.ctx,
        webhooks::test,
        call("POST", "/").json(json!({"url": gone.url})),
    )
    .await;
    drain(&t.ctx).await;
    let (s, e) = send(
        &t.ctx,
        webhooks::test,
        call("POST", "/").json(json!({"url": gone.url})),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert!(e["error"]["detail"].as_str().unwrap().contains("rotate"));
    let (s, _) = send(
        &t.ctx,
        webhooks::rotate,
        call("POST", "/").param("webhook_id", w["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = send(
        &t.ctx,
        webhooks::test,
        call("POST", "/").json(json!({"url": gone.url})),
    )
    .await;
    assert_eq!(s, 202, "active again after a rotation");
}

/// The sandbox's servicer: needs_attention, resolved and unprocessable, each with its signed
/// `enrollment.status_changed`, in the lifecycle's order; what the lifecycle refuses is a 409.
#[tokio::test]
async fn the_sandbox_servicer_drives_every_status_a_client_must_handle() {
    let t = app_with_queue().await;
    let rx = receiver(vec![]).await;
    let w = register(&t, &rx.url).await;
    let b = ready_borrower(&t).await;
    let e = enroll_rap(&t, &b).await;
    let act = |body: Value| as_servicer(&t, &b, &e, body);
    let (s, v) = act(json!({"status": "needs_attention", "reason": "The servicer needs the borrower's 2025 tax return."})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"]["type"], "needs_attention");
    assert_eq!(
        v["history"][1]["reason"],
        "The servicer needs the borrower's 2025 tax return."
    );
    // Paused: the schedule waits while it needs attention.
    let (_, moved) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/").id(&b["id"]).json(json!({"days": 5})),
    )
    .await;
    assert_eq!(moved["enrollments"][0]["status"]["type"], "needs_attention");
    assert_eq!(moved["enrollments"][0]["servicers"][0]["status"], "pending");
    // Twice in a row is not a change; resolved goes back to where it was, and the step that
    // fell due while it waited happens now, after the resolution in the history.
    let (s, again) = act(json!({"status": "needs_attention"})).await;
    assert_eq!(s, 409, "{again}");
    let (s, v) = act(json!({"status": "resolved"})).await;
    assert_eq!(s, 200, "{v}");
    let (_, now) = send(
        &t.ctx,
        enrollments::get,
        call("GET", "/")
            .id(&b["id"])
            .param("enrollment_id", e["id"].as_i64().unwrap()),
    )
    .await;
    let steps: Vec<&str> = now["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(now["status"]["type"], "complete", "{now}");
    assert_eq!(steps, ["pending", "needs_attention", "pending", "complete"]);
    // The completion it let through happens at once, a microsecond after the resolution, and
    // the answer to the resolution already shows it.
    let h = now["history"].as_array().unwrap();
    let at = |i: usize| chrono::DateTime::parse_from_rfc3339(h[i]["at"].as_str().unwrap()).unwrap();
    assert_eq!((at(3) - at(2)).num_microseconds(), Some(1), "{now}");
    assert_eq!(v["status"]["type"], "complete", "{v}");
    assert_eq!(v["history"], now["history"]);
    let times: Vec<&str> = now["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "{times:?} {steps:?}"
    );
    // A servicer may still refuse a complete request: unprocessable is final.
    let (s, v) = act(json!({"status": "unprocessable"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"]["type"], "unprocessable");
    assert_eq!(
        v["history"].as_array().unwrap().last().unwrap()["reason"],
        "The servicer could not process the request (sandbox)."
    );
    for body in [
        json!({"status": "resolved"}),
        json!({"status": "needs_attention"}),
    ] {
        let (s, out) = act(body.clone()).await;
        assert_eq!(s, 409, "{body}: {out}");
    }
    let (s, out) = act(json!({"status": "resolved"})).await;
    assert_eq!(
        (s, out["error"]["detail"].as_str().unwrap()),
        (
            409,
            format!(
                "Enrollment {} is unprocessable: only one that needs attention can be resolved.",
                e["id"]
            )
            .as_str()
        )
    );
    // Bad requests name the field (and change nothing: the re-read below).
    for (body, field) in [
        (json!({}), "status"),
        (json!({"status": "approved"}), "status"),
        (json!({"status": 1}), "status"),
        (json!({"status": "resolved", "reason": ""}), "reason"),
        (
            json!({"status": "resolved", "reason": "\u{200b}"}),
            "reason",
        ),
        (
            json!({"status": "resolved", "reason": "a\u{202e}b"}),
            "reason",
        ),
        (
            json!({"status": "resolved", "reason": "tab\there"}),
            "reason",
        ),
        (
            json!({"status": "resolved", "reason": "x".repeat(501)}),
            "reason",
        ),
        (json!({"status": "resolved", "why": "x"}), "why"),
    ] {
        let (s, out) = act(body.clone()).await;
        assert_eq!(s, 422, "{body}: {out}");
        assert!(out["error"]["fields"][field].is_string(), "{body}: {out}");
    }
    let (_, after) = send(
        &t.ctx,
        enrollments::get,
        call("GET", "/")
            .id(&b["id"])
            .param("enrollment_id", e["id"].as_i64().unwrap()),
    )
    .await;
    assert_eq!(
        after["history"], v["history"],
        "the refused requests changed nothing"
    );
    // The webhooks: one per change, each saying what it came from.
    drain(&t.ctx).await;
    let secret = w["secret"].as_str().unwrap();
    let events = in_change_order(&rx.got.lock().unwrap(), secret);
    let seen: Vec<(&str, &Value)> = events
        .iter()
        .map(|ev| {
            (
                ev["data"]["enrollment"]["status"]["type"].as_str().unwrap(),
                &ev["data"]["previous_status"],
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("pending", &Value::Null),
            ("needs_attention", &json!("pending")),
            ("pending", &json!("needs_attention")),
            ("complete", &json!("pending")),
            ("unprocessable", &json!("complete")),
        ],
        "{events:?}"
    );
}

#[tokio::test]
async fn the_sandbox_servicer_is_not_a_live_route_and_sees_no_strangers() {
    let t = app().await;
    let b = ready_borrower(&t).await;
    let e = enroll_rap(&t, &b).await;
    let (_, theirs) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/")
            .key(OTHER_KEY)
            .json(json!({"borrower": {}})),
    )
    .await;
    // A live client (OTHER_KEY) has no such route, even for its own borrower.
    let (s, out) = send(
        &t.ctx,
        enrollments::sandbox_status,
        call("POST", "/")
            .id(&theirs["id"])
            .key(OTHER_KEY)
            .param("enrollment_id", "1")
            .json(json!({"status": "needs_attention"})),
    )
    .await;
    assert_eq!(
        (s, out["error"]["detail"].as_str()),
        (404, Some("Not found."))
    );
    // Another borrower's id, or an enrollment that is not this borrower's: 404.
    let (_, other) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"first_name": "Other"}})),
    )
    .await;
    for (id, eid) in [
        (other["id"].clone(), e["uuid"].as_str().unwrap().to_string()),
        (b["id"].clone(), "999".to_string()),
    ] {
        let (s, out) = send(
            &t.ctx,
            enrollments::sandbox_status,
            call("POST", "/")
                .id(&id)
                .param("enrollment_id", eid.as_str())
                .json(json!({"status": "needs_attention"})),
        )
        .await;
        assert_eq!(s, 404, "{out}");
    }
    // ...and nothing moved.
    let (_, now) = send(
        &t.ctx,
        enrollments::get,
        call("GET", "/")
            .id(&b["id"])
            .param("enrollment_id", e["id"].as_i64().unwrap()),
    )
    .await;
    assert_eq!(now["status"]["type"], "pending");
}

/// A request resolved after its whole schedule fell due: every step happens in the resolving
/// request, and each step's webhook shows the servicers' parts as they stood after it.
#[tokio::test]
async fn resolving_after_a_long_wait_runs_the_schedule_and_each_webhook_shows_its_step() {
    let t = app_with_queue().await;
    let rx = receiver(vec![]).await;
    let w = register(&t, &rx.url).await;
    let b = ready_borrower(&t).await;
    let (s, _) = send(
        &t.ctx,
        loans::create,
        call("POST", "/loans").id(b["uuid"].as_str().unwrap()).json(
            json!({"loans": [{"loan_type": "D2", "interest_rate": 4.5,
            "outstanding_principal": 8000, "outstanding_interest": 0, "original_principal": 8000,
            "origination_date": "2020-09-22", "servicer_name": "MOHELA", "loan_status": "RP"}]}),
        ),
    )
    .await;
    assert_eq!(s, 201);
    let e = enroll_rap(&t, &b).await;
    let status = |body: Value| as_servicer(&t, &b, &e, body);
    assert_eq!(status(json!({"status": "needs_attention"})).await.0, 200);
    let (s, _) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/").id(&b["id"]).json(json!({"days": 40})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = status(json!({"status": "resolved"})).await;
    assert_eq!(
        (s, v["status"]["type"].as_str()),
        (200, Some("approved")),
        "{v}"
    );
    drain(&t.ctx).await;
    let secret = w["secret"].as_str().unwrap();
    let events = in_change_order(&rx.got.lock().unwrap(), secret);
    let seen: Vec<(String, Vec<String>)> = events
        .iter()
        .map(|ev| {
            let en = &ev["data"]["enrollment"];
            (
                en["status"]["type"].as_str().unwrap().to_string(),
                en["servicers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        format!(
                            "{}:{}",
                            p["name"].as_str().unwrap(),
                            p["status"].as_str().unwrap()
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let s = |st: &str, parts: [&str; 2]| (st.to_string(), parts.map(String::from).to_vec());
    assert_eq!(
        seen,
        vec![
            s("pending", ["MOHELA:pending", "Nelnet:pending"]),
            s("needs_attention", ["MOHELA:pending", "Nelnet:pending"]),
            s("pending", ["MOHELA:pending", "Nelnet:pending"]),
            s(
                "partially_submitted",
                ["MOHELA:submitted", "Nelnet:pending"]
            ),
            s("complete", ["MOHELA:submitted", "Nelnet:submitted"]),
            s("approved", ["MOHELA:approved", "Nelnet:approved"]),
        ]
    );
    // The approval in the resolving request moved the loans onto the plan.
    let (_, loans_now) = send(
        &t.ctx,
        loans::list,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    let plans: Vec<&str> = loans_now["loans"]
        .as_array()
        .unwrap_or_else(|| panic!("{loans_now}"))
        .iter()
        .map(|l| l["repayment_plan_type"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(plans, ["rap", "rap"], "{loans_now}");
    // Each change of the one request has a later status time than the one before.
    let times: Vec<&str> = events
        .iter()
        .map(|ev| {
            ev["data"]["enrollment"]["status"]["updated_at"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
}
