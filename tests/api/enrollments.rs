//! Enrollment Requests: every precondition alone and together, plan checks, one open at a
//! time, idempotent retries, the lifecycle on the sandbox clock, and tenant isolation.

use loanpath_tests::{app, call, send, TestApp, OTHER_KEY};
use serde_json::{json, Value};
use shared::api::{borrowers, enrollments, loans};
use shared::enrollments::preconditions as pre;

const PDF: &str = "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg==";

fn ready_payload() -> Value {
    json!({"borrower": {
        "first_name": "James", "last_name": "Kirk", "phone": "515-555-0100",
        "ssn": "123-45-6789", "date_of_birth": "1985-03-22",
        "address": {"street1": "1 Starfleet Way", "city": "Riverside", "state": "IA", "zipcode": "52327"},
        "agi": 55000, "filing_status": "single", "family_size": 1, "state_of_residence": "IA",
        "income_certification": {"type": "pay_stub", "file": PDF},
    }})
}

fn loan(servicer: &str, principal: u32) -> Value {
    json!({"loan_type": "Direct Stafford Unsubsidized Loan", "interest_rate": 5.05,
           "outstanding_principal": principal, "outstanding_interest": 0, "original_principal": principal,
           "origination_date": "2019-09-22", "servicer_name": servicer, "loan_status": "in repayment",
           "external_id": format!("{servicer}-{principal}")})
}

/// A borrower every precondition passes for, with `loans`.
async fn borrower(t: &TestApp, payload: Value, loan_list: Vec<Value>) -> Value {
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/borrowers").json(payload),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    if !loan_list.is_empty() {
        let (s, l) = send(
            &t.ctx,
            loans::create,
            call("POST", "/loans")
                .id(b["uuid"].as_str().unwrap())
                .json(json!({"loans": loan_list})),
        )
        .await;
        assert_eq!(s, 201, "{l}");
    }
    b
}

async fn enroll(t: &TestApp, id: &Value, body: Value) -> (u16, Value) {
    send(
        &t.ctx,
        enrollments::create,
        call("POST", "/enrollments").id(id).json(body),
    )
    .await
}

async fn advance(t: &TestApp, id: &Value, days: i64) -> Value {
    let (s, v) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/advance").id(id).json(json!({"days": days})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// An enrollment's history times are in order (RFC 3339 in one format sorts as text).
fn assert_history_in_order(e: &Value) {
    let times: Vec<&str> = e["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "history out of order: {e}");
}

fn rap() -> Value {
    json!({"repayment_plan": "rap", "signature": true, "cursive_signature": true})
}

#[tokio::test]
async fn an_enrollment_is_created_with_its_loans_by_servicer() {
    let t = app().await;
    let b = borrower(
        &t,
        ready_payload(),
        vec![loan("Nelnet", 20000), loan("MOHELA", 8000)],
    )
    .await;
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["repayment_plan"]["type"], "rap");
    assert_eq!(
        e["repayment_plan"]["description"],
        "Repayment Assistance Plan"
    );
    assert_eq!(e["status"]["type"], "pending");
    assert_eq!(e["status"]["description"], "Submission in Progress");
    assert!(e["id"].as_i64().unwrap() > 0 && e["uuid"].as_str().unwrap().len() == 36);
    let names: Vec<&str> = e["servicers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["MOHELA", "Nelnet"]);
    assert!(e["servicers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "pending" && s["loans"].as_array().unwrap().len() == 1));
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        e["estimated_approval_date"],
        json!((today + chrono::Duration::days(30)).to_string())
    );
    assert_eq!(e["history"][0]["to"], "pending");
    // Read back by id and by uuid, and in the list.
    for key in [e["id"].to_string(), e["uuid"].as_str().unwrap().to_string()] {
        let (s, got) = send(
            &t.ctx,
            enrollments::get,
            call("GET", "/")
                .id(b["uuid"].as_str().unwrap())
                .param("enrollment_id", &key),
        )
        .await;
        assert_eq!((s, &got["uuid"]), (200, &e["uuid"]), "{key}");
    }
    let (_, list) = send(&t.ctx, enrollments::list, call("GET", "/").id(&b["id"])).await;
    assert_eq!(list["enrollments"].as_array().unwrap().len(), 1);
    // Another tenant: 404, exactly like a missing borrower.
    let (s1, theirs) = send(
        &t.ctx,
        enrollments::list,
        call("GET", "/")
            .id(b["uuid"].as_str().unwrap())
            .key(OTHER_KEY),
    )
    .await;
    let (s2, missing) = send(
        &t.ctx,
        enrollments::list,
        call("GET", "/").id("9f9f9f9f-0000-4000-8000-000000000000"),
    )
    .await;
    assert_eq!((s1, &theirs), (s2, &missing));
    assert_eq!(s1, 404);
    let (s, _) = send(
        &t.ctx,
        enrollments::get,
        call("GET", "/")
            .id(b["uuid"].as_str().unwrap())
            .param("enrollment_id", e["id"].as_i64().unwrap())
            .key(OTHER_KEY),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 409, "one open enrollment at a time");
    let (s, _) = send(
        &t.ctx,
        enrollments::create,
        call("POST", "/")
            .id(b["uuid"].as_str().unwrap())
            .key(OTHER_KEY)
            .json(rap()),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn each_precondition_alone_and_all_together() {
    let t = app().await;
    let cases: Vec<(&str, Value, Vec<Value>, &str)> = vec![
        ("no loans", ready_payload(), vec![], pre::NO_LOANS),
        (
            "no phone",
            {
                let mut p = ready_payload();
                p["borrower"].as_object_mut().unwrap().remove("phone");
                p
            },
            vec![loan("Nelnet", 20000)],
            pre::PROFILE,
        ),
        (
            "no ssn",
            {
                let mut p = ready_payload();
                p["borrower"].as_object_mut().unwrap().remove("ssn");
                p
            },
            vec![loan("Nelnet", 20000)],
            pre::PROFILE,
        ),
        (
            "partial address",
            {
                let mut p = ready_payload();
                p["borrower"]["address"] = json!({"state": "IA"});
                p
            },
            vec![loan("Nelnet", 20000)],
            pre::PROFILE,
        ),
        (
            "active student",
            {
                let mut p = ready_payload();
                p["borrower"]["school_enrollment_status"] = json!("full_time");
                p
            },
            vec![loan("Nelnet", 20000)],
            pre::ACTIVE_STUDENT,
        ),
        (
            "unknown servicer",
            ready_payload(),
            vec![loan("Acme Loan Servicing", 20000)],
            pre::UNRECOGNIZED_SERVICERS,
        ),
        (
            "income, no certification",
            {
                let mut p = ready_payload();
                p["borrower"]
                    .as_object_mut()
                    .unwrap()
                    .remove("income_certification");
                p
            },
            vec![loan("Nelnet", 20000)],
            pre::INCOME_CERTIFICATION,
        ),
    ];
    for (name, payload, loan_list, sentence) in cases {
        let b = borrower(&t, payload, loan_list).await;
        let (s, e) = enroll(&t, &b["id"], rap()).await;
        assert_eq!(s, 409, "{name}: {e}");
        assert_eq!(e["error"]["title"], "Conflict");
        assert_eq!(e["error"]["detail"], sentence, "{name}");
        assert_eq!(e["error"]["reasons"], json!([sentence]), "{name}");
    }
    // Everything missing at once: every reason, the first in detail.
    let b = borrower(&t, json!({"borrower": {"school_enrollment_status": "three_quarter_time", "collecting_unemployment": true}}), vec![]).await;
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 409);
    assert_eq!(e["error"]["detail"], pre::NO_LOANS);
    assert_eq!(
        e["error"]["reasons"],
        json!([
            pre::NO_LOANS,
            pre::PROFILE,
            pre::ACTIVE_STUDENT,
            pre::INCOME_CERTIFICATION,
            pre::AGI
        ])
    );
    // No taxable income and not collecting unemployment: no certification needed.
    let mut p = ready_payload();
    p["borrower"]["agi"] = json!(0);
    p["borrower"]
        .as_object_mut()
        .unwrap()
        .remove("income_certification");
    let b = borrower(&t, p, vec![loan("Nelnet", 20000)]).await;
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201, "{e}");
}

#[tokio::test]
async fn a_spouse_with_federal_loans_needs_name_ssn_and_birth_date_on_a_joint_plan() {
    let t = app().await;
    let spouse = borrower(
        &t,
        json!({"borrower": {"first_name": "Carol", "agi": 40000}}),
        vec![loan("MOHELA", 15000)],
    )
    .await;
    let mut p = ready_payload();
    p["borrower"]["filing_status"] = json!("married_filing_jointly");
    p["borrower"]["family_size"] = json!(2);
    p["borrower"]["spouse_id"] = spouse["id"].clone();
    p["borrower"]["spouse_agi"] = json!(40000);
    let b = borrower(&t, p, vec![loan("Nelnet", 20000)]).await;
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(
        (s, e["error"]["detail"].as_str()),
        (409, Some(pre::SPOUSE)),
        "{e}"
    );
    // Completed through the spouse, it passes.
    let (s, _) = send(
        &t.ctx,
        borrowers::update,
        call("PATCH", "/").id(&spouse["id"]).json(json!({"borrower": {"last_name": "Marcus", "ssn": "223456789", "date_of_birth": "1986-01-01"}})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201, "{e}");
}

#[tokio::test]
async fn plans_are_checked_against_the_law_today() {
    let t = app().await;
    let b = borrower(&t, ready_payload(), vec![loan("Nelnet", 20000)]).await;
    for ended in ["save", "repaye", "SAVE"] {
        let (s, e) = enroll(
            &t,
            &b["id"],
            json!({"repayment_plan": ended, "signature": true}),
        )
        .await;
        assert_eq!(s, 409, "{ended}");
        assert!(
            e["error"]["detail"].as_str().unwrap().contains("ended"),
            "{e}"
        );
        // Not a precondition (nothing to fix): detail only, as documented.
        assert!(e["error"].get("reasons").is_none(), "{e}");
    }
    let (s, e) = enroll(
        &t,
        &b["id"],
        json!({"repayment_plan": "paye_plus", "signature": true}),
    )
    .await;
    assert_eq!(s, 422);
    let why = e["error"]["fields"]["repayment_plan"].as_str().unwrap();
    assert!(
        why.contains("rap") && why.contains("ibr") && !why.contains("save"),
        "{why}"
    );
    for bad in [
        json!({"repayment_plan": "rap"}),
        json!({"repayment_plan": "rap", "signature": false}),
        json!({"repayment_plan": "rap", "signature": "yes"}),
    ] {
        let (s, e) = enroll(&t, &b["id"], bad.clone()).await;
        assert_eq!(s, 422, "{bad}");
        assert!(e["error"]["fields"]["signature"].is_string(), "{e}");
    }
    let (s, e) = enroll(
        &t,
        &b["id"],
        json!({"repayment_plan": "rap", "signature": true, "plan": "x"}),
    )
    .await;
    assert_eq!((s, e["error"]["fields"]["plan"].is_string()), (422, true));
    // Extended needs more than $30,000 of Direct debt.
    let (s, e) = enroll(
        &t,
        &b["id"],
        json!({"repayment_plan": "extended", "signature": true}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("not eligible"),
        "{e}"
    );
    // Wrapped as {"enrollment": {...}} works too.
    let (s, e) = enroll(
        &t,
        &b["id"],
        json!({"enrollment": {"repayment_plan": "standard", "signature": true}}),
    )
    .await;
    assert_eq!(
        (s, e["repayment_plan"]["type"].as_str()),
        (201, Some("standard")),
        "{e}"
    );
}

#[tokio::test]
async fn the_lifecycle_runs_on_the_sandbox_clock_and_approval_moves_the_loans() {
    let t = app().await;
    let b = borrower(
        &t,
        ready_payload(),
        vec![loan("Nelnet", 20000), loan("MOHELA", 8000)],
    )
    .await;
    let (_, e) = enroll(&t, &b["id"], rap()).await;
    let v = advance(&t, &b["id"], 1).await;
    let now = &v["enrollments"][0];
    assert_eq!(now["status"]["type"], "partially_submitted", "{now}");
    assert_eq!(
        now["status"]["description"],
        "Submitted to some but not yet all servicers"
    );
    assert_eq!(now["servicers"][0]["status"], "submitted");
    assert_eq!(now["servicers"][1]["status"], "pending");
    let v = advance(&t, &b["id"], 2).await;
    assert_eq!(v["enrollments"][0]["status"]["type"], "complete");
    assert_eq!(v["sandbox_clock"]["days_ahead"], 3);
    // Not yet approved: loans keep their plan.
    let (_, l) = send(&t.ctx, loans::list, call("GET", "/").id(&b["id"])).await;
    assert!(l["loans"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["repayment_plan_type"] != "rap"));
    let v = advance(&t, &b["id"], 30).await;
    let done = &v["enrollments"][0];
    assert_eq!(done["status"]["type"], "approved");
    assert_eq!(
        done["status"]["updated_at"],
        json!(format!(
            "{}T00:00:00.000000Z",
            e["estimated_approval_date"].as_str().unwrap()
        ))
    );
    // Every time in the history is on the borrower's clock, in order.
    assert_history_in_order(done);
    let steps: Vec<&str> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        vec!["pending", "partially_submitted", "complete", "approved"]
    );
    let (_, l) = send(&t.ctx, loans::list, call("GET", "/").id(&b["id"])).await;
    assert!(
        l["loans"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["repayment_plan_type"] == "rap"),
        "{l}"
    );
    let (_, p) = send(
        &t.ctx,
        loans::portfolio,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    assert!(p["loans"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["repayment_plan"]["type"] == "rap"));
    // The approval sets the plan's payment on the loans, as a servicer would (they kept the
    // old plan's): the Portfolio's total and the assessment's current payment agree, and the
    // loans' parts add up to it.
    let (s, o) = send(
        &t.ctx,
        shared::api::assessments::repayment_options,
        call("GET", "/").id(&b["id"]),
    )
    .await;
    assert_eq!(s, 200, "{o}");
    let current = o["original"]["monthly_payment"].to_string();
    assert_eq!(p["summary"]["monthly_payment"], json!(current), "{p}");
    let parts: rust_decimal::Decimal = p["loans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["monthly_payment"]["scheduled_amount"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(parts.to_string(), current);
    // Approved is final: cancel is refused; a new request can start.
    let (s, c) = send(
        &t.ctx,
        enrollments::cancel,
        call("POST", "/")
            .id(&b["id"])
            .param("enrollment_id", e["id"].as_i64().unwrap()),
    )
    .await;
    assert_eq!(s, 409, "{c}");
    let (s, _) = enroll(
        &t,
        &b["id"],
        json!({"repayment_plan": "standard", "signature": true}),
    )
    .await;
    assert_eq!(s, 201);
    // Bad clock moves are 422s; a live client has no such route.
    for bad in [
        json!({"days": -1}),
        json!({"days": 1000}),
        json!({"days": "2"}),
        json!({}),
    ] {
        let (s, _) = send(
            &t.ctx,
            enrollments::advance,
            call("POST", "/").id(&b["id"]).json(bad.clone()),
        )
        .await;
        assert_eq!(s, 422, "{bad}");
    }
    // A missing `days` says it is required, not that it is out of range.
    let (_, e) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/").id(&b["id"]).json(json!({})),
    )
    .await;
    assert!(e["error"]["fields"]["days"]
        .as_str()
        .unwrap()
        .starts_with("is required"));
    let (_, theirs) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/")
            .key(OTHER_KEY)
            .json(json!({"borrower": {}})),
    )
    .await;
    let (s, e) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/")
            .id(&theirs["id"])
            .key(OTHER_KEY)
            .json(json!({"days": 1})),
    )
    .await;
    assert_eq!(
        (s, e["error"]["detail"].as_str()),
        (404, Some("Not found."))
    );
}

/// A pay stub counts for 90 days from its upload, on the borrower's clock: in the sandbox, a
/// clock moved past them ages it, and a fresh upload (stamped on that clock) passes again.
#[tokio::test]
async fn a_pay_stub_older_than_90_days_must_be_replaced_before_enrolling() {
    let t = app().await;
    let b = borrower(&t, ready_payload(), vec![loan("Nelnet", 20000)]).await;
    advance(&t, &b["id"], 90).await;
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201, "90 days old is still good: {e}");
    let (s, _) = send(
        &t.ctx,
        enrollments::cancel,
        call("POST", "/")
            .id(&b["id"])
            .param("enrollment_id", e["id"].as_i64().unwrap()),
    )
    .await;
    assert_eq!(s, 200);
    advance(&t, &b["id"], 1).await;
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(
        e["error"]["reasons"],
        json!([pre::STALE_INCOME_CERTIFICATION]),
        "{e}"
    );
    // A new upload is stamped on the borrower's clock (91 days ahead), and is current.
    let (s, up) = send(
        &t.ctx,
        borrowers::upload_income_certification,
        call("POST", "/")
            .id(&b["id"])
            .query("type", "pay_stub")
            .header("content-type", "application/pdf")
            .raw("%PDF-1.7 a new pay stub"),
    )
    .await;
    assert_eq!(s, 201, "{up}");
    let clock = (chrono::Utc::now() + chrono::Duration::days(91)).date_naive();
    assert_eq!(up["inserted_at"].as_str().unwrap()[..10], clock.to_string());
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201, "{e}");
}

#[tokio::test]
async fn cancel_closes_an_open_enrollment_once() {
    let t = app().await;
    let b = borrower(&t, ready_payload(), vec![loan("Nelnet", 20000)]).await;
    let (_, e) = enroll(&t, &b["id"], rap()).await;
    let (s, c) = send(
        &t.ctx,
        enrollments::cancel,
        call("POST", "/")
            .id(&b["id"])
            .param("enrollment_id", e["uuid"].as_str().unwrap())
            .json(json!({"reason": "Changed my mind"})),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["status"]["type"], "cancelled");
    assert_eq!(c["history"][1]["reason"], "Changed my mind");
    assert!(c["servicers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "cancelled"));
    let (s, _) = send(
        &t.ctx,
        enrollments::cancel,
        call("POST", "/")
            .id(&b["id"])
            .param("enrollment_id", e["id"].as_i64().unwrap()),
    )
    .await;
    assert_eq!(s, 409);
    // A cancelled request never moves again.
    let v = advance(&t, &b["id"], 60).await;
    assert_eq!(v["enrollments"][0]["status"]["type"], "cancelled");
    let (s, _) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201, "a new one may start");
    let (s, _) = send(
        &t.ctx,
        enrollments::cancel,
        call("POST", "/").id(&b["id"]).param("enrollment_id", "999"),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_retried_post_with_the_same_idempotency_key_creates_nothing() {
    let t = app().await;
    let b = borrower(&t, ready_payload(), vec![loan("Nelnet", 20000)]).await;
    let post = |key: &str, body: Value, api: &str| {
        call(
            "POST",
            &format!(
                "/api/v1/borrowers/{}/enrollments",
                b["uuid"].as_str().unwrap()
            ),
        )
        .id(b["uuid"].as_str().unwrap())
        .key(api)
        .header("idempotency-key", key)
        .json(body)
    };
    let first = enrollments::create(
        &t.ctx,
        post("k-1", rap(), loanpath_tests::SANDBOX_KEY).request(),
    )
    .await;
    assert_eq!(first.status(), 201);
    let first_body = loanpath_tests::split(first).1;
    let again = enrollments::create(
        &t.ctx,
        post("k-1", rap(), loanpath_tests::SANDBOX_KEY).request(),
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(loanpath_tests::split(again).1, first_body);
    let (_, list) = send(
        &t.ctx,
        enrollments::list,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(list["enrollments"].as_array().unwrap().len(), 1);
    // The same key with another body is refused.
    let other = json!({"repayment_plan": "standard", "signature": true});
    let (s, e) = loanpath_tests::send_request(
        &t.ctx,
        enrollments::create,
        post("k-1", other, loanpath_tests::SANDBOX_KEY).request(),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["Idempotency-Key"].is_string());
    // Keys belong to a tenant: another client's same key is its own (and its borrower 404s).
    let (s, _) = loanpath_tests::send_request(
        &t.ctx,
        enrollments::create,
        post("k-1", rap(), OTHER_KEY).request(),
    )
    .await;
    assert_eq!(s, 404);
    // Concurrent retries: one enrollment, every answer the same.
    let b2 = borrower(&t, ready_payload(), vec![loan("Nelnet", 20000)]).await;
    let path = format!(
        "/api/v1/borrowers/{}/enrollments",
        b2["uuid"].as_str().unwrap()
    );
    let mk = || {
        call("POST", &path)
            .id(b2["uuid"].as_str().unwrap())
            .header("idempotency-key", "race")
            .json(rap())
            .request()
    };
    let ctx = &t.ctx;
    let (a, c, d) = tokio::join!(
        enrollments::create(ctx, mk()),
        enrollments::create(ctx, mk()),
        enrollments::create(ctx, mk())
    );
    let bodies: Vec<(u16, Value)> = [a, c, d].into_iter().map(loanpath_tests::split).collect();
    let ok: Vec<&Value> = bodies
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, b)| b)
        .collect();
    assert!(!ok.is_empty(), "{bodies:?}");
    assert!(ok.iter().all(|b| b["uuid"] == ok[0]["uuid"]), "{bodies:?}");
    assert!(
        bodies.iter().all(|(s, _)| *s == 201 || *s == 409),
        "{bodies:?}"
    );
    let (_, list) = send(
        &t.ctx,
        enrollments::list,
        call("GET", "/").id(b2["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(list["enrollments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_request_right_after_a_sandbox_approval_is_not_a_spurious_conflict() {
    let t = app().await;
    let b = borrower(&t, ready_payload(), vec![loan("Nelnet", 20000)]).await;
    let (s, _) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201);
    // Move the clock past approval without reading: the next create applies it first.
    let (s, _) = send(
        &t.ctx,
        enrollments::advance,
        call("POST", "/").id(&b["id"]).json(json!({"days": 0})),
    )
    .await;
    assert_eq!(s, 200);
    let uuid: uuid::Uuid = b["uuid"].as_str().unwrap().parse().unwrap();
    let mut stored = t
        .ctx
        .store
        .borrower(
            &shared::model::Tenant {
                client_id: "sandbox-client".into(),
                mode: shared::model::ClientMode::Sandbox,
            },
            &shared::model::payload::BorrowerRef::Uuid(uuid),
        )
        .await
        .unwrap();
    stored.sandbox_clock_days = 45;
    stored.version += 1;
    t.ctx
        .store
        .db_client()
        .put_item()
        .table_name("loanpath-test")
        .set_item(Some(shared::store::borrowers::to_item(&stored).unwrap()))
        .send()
        .await
        .unwrap();
    let (s, e) = enroll(
        &t,
        &b["id"],
        json!({"repayment_plan": "standard", "signature": true}),
    )
    .await;
    assert_eq!(s, 201, "{e}");
    let (_, list) = send(&t.ctx, enrollments::list, call("GET", "/").id(&b["id"])).await;
    let statuses: Vec<&str> = list["enrollments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["pending", "approved"]);
}

/// Issue 12 §1: a borrower's enrollment history is bounded, so reading it stays bounded.
#[tokio::test]
async fn a_borrower_keeps_at_most_100_enrollment_requests() {
    let t = app().await;
    let b = borrower(&t, ready_payload(), vec![loan("Nelnet", 20000)]).await;
    let uuid = b["uuid"].as_str().unwrap().to_string();
    let post = || call("POST", "/").id(&uuid).json(rap());
    let first = enrollments::create(&t.ctx, post().request()).await;
    assert_eq!(first.status(), 201);
    // 99 more in the history (written straight to the table: the route allows one open at a
    // time, and the cap is about the history).
    let pk = format!("BORROWER#{uuid}");
    let item = t
        .ctx
        .store
        .get(&pk, &shared::store::enrollments::sk(1))
        .await
        .unwrap()
        .unwrap();
    for id in 2..=100 {
        let mut copy = item.clone();
        copy.insert(
            "SK".into(),
            shared::store::s(shared::store::enrollments::sk(id)),
        );
        copy.insert(
            "id".into(),
            aws_sdk_dynamodb::types::AttributeValue::N(id.to_string()),
        );
        t.ctx
            .store
            .db_client()
            .put_item()
            .table_name(t.ctx.store.table_name())
            .set_item(Some(copy))
            .send()
            .await
            .unwrap();
    }
    let (s, out) =
        loanpath_tests::send_request(&t.ctx, enrollments::create, post().request()).await;
    assert_eq!(s, 409, "{out}");
    assert_eq!(
        out["error"]["detail"],
        "A borrower keeps at most 100 Enrollment Requests; this one has reached it."
    );
}

/// The sandbox clock moves every time and date of a borrower's enrollments, and the default
/// `as_of` of the assessments (found by testing as a new user: after an advance, created_at
/// was the wall clock's while the estimated date was the borrower's, a cancel was stamped
/// before the submission it cancelled, and Repayment Options offered plans the borrower's
/// date had closed).
#[tokio::test]
async fn the_sandbox_clock_moves_every_time_and_the_default_as_of() {
    let t = app().await;
    let b = borrower(
        &t,
        ready_payload(),
        vec![loan("Nelnet", 20000), loan("MOHELA", 8000)],
    )
    .await;
    let v = advance(&t, &b["id"], 40).await;
    assert_eq!(v["sandbox_clock"]["days_ahead"], 40);
    let borrower_today = (chrono::Utc::now().date_naive() + chrono::Duration::days(40)).to_string();
    let (s, e) = enroll(&t, &b["id"], rap()).await;
    assert_eq!(s, 201, "{e}");
    assert!(
        e["created_at"]
            .as_str()
            .unwrap()
            .starts_with(&borrower_today),
        "{} is not on the borrower's date {borrower_today}",
        e["created_at"]
    );
    advance(&t, &b["id"], 1).await;
    let (s, out) = send(
        &t.ctx,
        enrollments::cancel,
        call("POST", "/cancel")
            .id(&b["id"])
            .param("enrollment_id", e["id"].clone())
            .json(json!({"reason": "changed mind"})),
    )
    .await;
    assert_eq!(s, 200, "{out}");
    assert_history_in_order(&out);
    // Repayment Options without as_of assess the borrower's today.
    let (s, o) = send(
        &t.ctx,
        shared::api::assessments::repayment_options,
        call("GET", "/").id(&b["id"]),
    )
    .await;
    assert_eq!(s, 200, "{o}");
    let moved = (chrono::Utc::now().date_naive() + chrono::Duration::days(41)).to_string();
    assert_eq!(o["as_of"], moved);
    let (s, f) = send(
        &t.ctx,
        shared::api::assessments::forgiveness_options,
        call("GET", "/").id(&b["id"]),
    )
    .await;
    assert_eq!((s, &f["as_of"]), (200, &json!(moved)), "{f}");
    // The Portfolio's payoff quote is as of the borrower's date too (MM/DD/YYYY).
    let (s, p) = send(
        &t.ctx,
        loans::portfolio,
        call("GET", "/").id(b["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    let quote = (chrono::Utc::now().date_naive() + chrono::Duration::days(41))
        .format("%m/%d/%Y")
        .to_string();
    assert_eq!(p["loans"][0]["payoff"]["quote_date"], quote);
    // A clock is never moved past the engine's last date: an assessment still answers. The
    // jump that reaches it is cut short; one more is a 422 that says why, not a 200 that
    // moved nothing.
    let mut refused = None;
    for _ in 0..80 {
        let (s, v) = send(
            &t.ctx,
            enrollments::advance,
            call("POST", "/advance")
                .id(&b["id"])
                .json(json!({"days": 366})),
        )
        .await;
        if s != 200 {
            refused = Some((s, v));
            break;
        }
    }
    let (s, v) = refused.expect("the clock stops at the engine's last date");
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["error"]["fields"]["days"],
        "cannot move the clock: the borrower's sandbox date is already 2100-12-31, the last date the engine assesses"
    );
    assert_eq!(
        advance(&t, &b["id"], 0).await["sandbox_clock"]["today"],
        "2100-12-31"
    );
    let (s, o) = send(
        &t.ctx,
        shared::api::assessments::repayment_options,
        call("GET", "/").id(&b["id"]),
    )
    .await;
    assert_eq!((s, &o["as_of"]), (200, &json!("2100-12-31")), "{o}");
}

/// A cancel that races a sandbox advance: the cancel decided on the borrower's clock as it read
/// it, so if the advance moved the clock (and the schedule) in between, the cancel must not
/// commit with the stale time (it did: a part's `updated_at` came out before its
/// `submitted_at`). It conflicts instead (`commit_moves` checks the borrower's version), and a
/// retry decides again. In-process the bad interleaving is rare, so this is a guard on the
/// invariant, not a reproduction: over HTTP it showed in 3 of 48 tries before the check and
/// in none of 72 after.
#[tokio::test]
async fn a_cancel_racing_an_advance_never_writes_a_stale_time() {
    let t = app().await;
    for i in 0..8 {
        let mut payload = ready_payload();
        payload["borrower"]["external_id"] = json!(format!("race-{i}"));
        let b = borrower(
            &t,
            payload,
            vec![loan("Nelnet", 20000), loan("MOHELA", 8000)],
        )
        .await;
        let (s, e) = enroll(&t, &b["id"], rap()).await;
        assert_eq!(s, 201, "{e}");
        let cancel = send(
            &t.ctx,
            enrollments::cancel,
            call("POST", "/")
                .id(&b["id"])
                .param("enrollment_id", e["id"].as_i64().unwrap()),
        );
        let jump = send(
            &t.ctx,
            enrollments::advance,
            call("POST", "/advance")
                .id(&b["id"])
                .json(json!({"days": 3})),
        );
        let ((cs, c), (js, j)) = tokio::join!(cancel, jump);
        assert!(matches!(cs, 200 | 409), "{c}");
        assert!(matches!(js, 200 | 409), "{j}");
        let (_, now) = send(
            &t.ctx,
            enrollments::get,
            call("GET", "/")
                .id(&b["id"])
                .param("enrollment_id", e["id"].as_i64().unwrap()),
        )
        .await;
        assert_history_in_order(&now);
        for part in now["servicers"].as_array().unwrap() {
            if let Some(sent) = part["submitted_at"].as_str() {
                assert!(
                    part["updated_at"].as_str().unwrap() >= sent,
                    "run {i}: a part changed before it was sent: {now}"
                );
            }
        }
    }
}
