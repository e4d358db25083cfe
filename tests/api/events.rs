//! Every function's sample event in events/ goes through its handler.

use loanpath_tests::{app, send_request};
use shared::api::{assessments, borrowers, health, loans, reference};

/// The sample placeholder uuid in events/portfolio-get.json.
const SAMPLE_UUID: &str = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

fn event(name: &str) -> lambda_http::Request {
    event_with(name, SAMPLE_UUID, SAMPLE_UUID)
}

/// The sample with a placeholder swapped for a real value (a uuid only known at run time).
fn event_with(name: &str, from: &str, to: &str) -> lambda_http::Request {
    let path = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    lambda_http::request::from_str(&text.replace(from, to))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn sample_events_run_through_their_handlers() {
    let t = app().await;
    let ctx = &t.ctx;
    let (s, b) = send_request(ctx, health::get, event("health")).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = send_request(ctx, borrowers::create, event("borrowers-create")).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        (b["id"].as_i64(), b["last_name"].as_str()),
        (Some(1), Some("Kirk"))
    );
    let (s, b) = send_request(ctx, borrowers::get, event("borrowers-get")).await;
    assert_eq!((s, b["first_name"].as_str()), (200, Some("James")));
    let (s, b) = send_request(ctx, borrowers::update, event("borrowers-update")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["financial_details"]["state_of_residence"], "NY");
    let (s, b) = send_request(ctx, borrowers::update, event("borrowers-update-patch")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["address"]["city"].as_str(), b["first_name"].as_str()),
        (Some("Riverside"), Some("James"))
    );
    let (s, b) = send_request(ctx, borrowers::list, event("borrowers-list")).await;
    assert_eq!((s, b["borrowers"].as_array().map(Vec::len)), (200, Some(1)));
    let uuid = b["borrowers"][0]["uuid"].as_str().unwrap().to_string();
    let refs = [
        (
            "loan_types",
            send_request(ctx, reference::loan_types, event("reference-loan-types")).await,
        ),
        (
            "loan_statuses",
            send_request(
                ctx,
                reference::loan_statuses,
                event("reference-loan-statuses"),
            )
            .await,
        ),
        (
            "repayment_plans",
            send_request(
                ctx,
                reference::repayment_plans,
                event("reference-repayment-plans"),
            )
            .await,
        ),
        (
            "servicers",
            send_request(ctx, reference::servicers, event("reference-servicers")).await,
        ),
    ];
    for (key, (s, b)) in refs {
        assert_eq!(s, 200, "{key}");
        assert!(b[key].as_array().unwrap().len() > 5, "{key}");
    }
    let (s, b) = send_request(ctx, loans::create, event("loans-create")).await;
    assert_eq!((s, b.as_array().map(Vec::len)), (201, Some(1)), "{b}");
    let (s, b) = send_request(ctx, loans::list, event("loans-list")).await;
    assert_eq!((s, b["loans"].as_array().map(Vec::len)), (200, Some(1)));
    let (s, b) = send_request(
        ctx,
        loans::portfolio,
        event_with("portfolio-get", SAMPLE_UUID, &uuid),
    )
    .await;
    assert_eq!(
        (s, b["summary"]["current_principal"].as_str()),
        (200, Some("20000.00")),
        "{b}"
    );
    let (s, b) = send_request(ctx, borrowers::update, event("borrowers-update")).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = send_request(
        ctx,
        assessments::repayment_options,
        event("repayment-options-get"),
    )
    .await;
    assert_eq!(
        (s, b["repayment_options"].as_array().map(Vec::len)),
        (200, Some(12)),
        "{b}"
    );
    let (s, b) = send_request(
        ctx,
        assessments::forgiveness_options,
        event("forgiveness-options-get"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, _) = send_request(ctx, loans::delete, event("loans-delete")).await;
    assert_eq!(s, 204);
    let (s, _) = send_request(ctx, borrowers::delete, event("borrowers-delete")).await;
    assert_eq!(s, 204);
}

/// The enrollment, sandbox clock and webhook samples, and the two event-source samples (an SQS
/// batch for the worker, a scheduled event for the relay).
#[tokio::test]
async fn enrollment_and_webhook_sample_events_run_through_their_handlers() {
    use shared::api::{enrollments, webhooks};
    let t = loanpath_tests::app_with_queue().await;
    let ctx = &t.ctx;
    let (s, _) = send_request(ctx, borrowers::create, loanpath_tests::call("POST", "/").json(serde_json::json!({"borrower": {
                "first_name": "James", "last_name": "Kirk", "phone": "515-555-0100", "ssn": "123456789",
                "address": {"street1": "1 Main", "city": "Riverside", "state": "IA", "zipcode": "52327"},
                "agi": 0, "state_of_residence": "IA"}})).request()).await;
    assert_eq!(s, 201);
    let (s, _) = send_request(ctx, loans::create, event("loans-create")).await;
    assert_eq!(s, 201);
    let (s, b) = send_request(ctx, enrollments::create, event("enrollments-create")).await;
    assert_eq!(
        (s, b["status"]["type"].as_str()),
        (201, Some("pending")),
        "{b}"
    );
    let (s, again) = send_request(ctx, enrollments::create, event("enrollments-create")).await;
    assert_eq!(
        (s, &again["uuid"]),
        (201, &b["uuid"]),
        "the sample's Idempotency-Key replays"
    );
    let (s, _) = send_request(ctx, enrollments::list, event("enrollments-list")).await;
    assert_eq!(s, 200);
    let (s, _) = send_request(ctx, enrollments::get, event("enrollments-get")).await;
    assert_eq!(s, 200);
    let (s, v) = send_request(
        ctx,
        enrollments::sandbox_status,
        event("sandbox-enrollments-status"),
    )
    .await;
    assert_eq!(
        (s, v["status"]["type"].as_str()),
        (200, Some("needs_attention")),
        "{v}"
    );
    let (s, v) = send_request(
        ctx,
        enrollments::sandbox_status,
        loanpath_tests::call("POST", "/")
            .id(1)
            .param("enrollment_id", "1")
            .json(serde_json::json!({"status": "resolved"}))
            .request(),
    )
    .await;
    assert_eq!(
        (s, v["status"]["type"].as_str()),
        (200, Some("pending")),
        "{v}"
    );
    let (s, v) = send_request(ctx, enrollments::advance, event("sandbox-advance")).await;
    assert_eq!(
        (s, v["enrollments"][0]["status"]["type"].as_str()),
        (200, Some("approved")),
        "{v}"
    );
    let (s, _) = send_request(ctx, enrollments::cancel, event("enrollments-cancel")).await;
    assert_eq!(s, 409, "an approved enrollment can't be cancelled");
    let (s, w) = send_request(ctx, webhooks::create, event("webhooks-create")).await;
    assert_eq!(s, 201, "{w}");
    let (s, _) = send_request(ctx, webhooks::list, event("webhooks-list")).await;
    assert_eq!(s, 200);
    let (s, _) = send_request(ctx, webhooks::test, event("webhooks-test")).await;
    assert_eq!(s, 202);
    let real = w["id"].as_str().unwrap();
    for (name, handler_status) in [
        ("webhooks-deliveries", 200),
        ("webhooks-rotate", 200),
        ("webhooks-delete", 204),
    ] {
        let req = event_with(name, "we_sample", real);
        let resp = match name {
            "webhooks-deliveries" => webhooks::deliveries(ctx, req).await,
            "webhooks-rotate" => webhooks::rotate(ctx, req).await,
            _ => webhooks::delete(ctx, req).await,
        };
        assert_eq!(resp.status().as_u16(), handler_status, "{name}");
    }
    let path = format!(
        "{}/../events/webhooks-deliver.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let sqs: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let out =
        loanpath_tests::iam::as_function("webhooks-deliver", webhooks::deliver(ctx, sqs)).await;
    assert!(
        out.batch_item_failures.is_empty(),
        "an unknown event is dropped, not retried"
    );
    let path = format!(
        "{}/../events/webhooks-relay.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let sched: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let out = loanpath_tests::iam::as_function("webhooks-relay", webhooks::relay(ctx, sched)).await;
    assert!(out["published"].is_number(), "{out}");
}
