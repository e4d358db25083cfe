//! Every function's sample event in events/ goes through its handler.

use loanpath_tests::{app, split};
use shared::api::{borrowers, health};

fn event(name: &str) -> lambda_http::Request {
    let path = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn sample_events_run_through_their_handlers() {
    let t = app().await;
    let ctx = &t.ctx;
    let (s, b) = split(health::get(ctx, event("health")).await);
    assert_eq!(s, 200, "{b}");
    let (s, b) = split(borrowers::create(ctx, event("borrowers-create")).await);
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        (b["id"].as_i64(), b["last_name"].as_str()),
        (Some(1), Some("Kirk"))
    );
    let (s, b) = split(borrowers::get(ctx, event("borrowers-get")).await);
    assert_eq!((s, b["first_name"].as_str()), (200, Some("James")));
    let (s, b) = split(borrowers::update(ctx, event("borrowers-update")).await);
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["financial_details"]["state_of_residence"], "NY");
    let (s, b) = split(borrowers::update(ctx, event("borrowers-update-patch")).await);
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["address"]["city"].as_str(), b["first_name"].as_str()),
        (Some("Riverside"), Some("James"))
    );
    let (s, b) = split(borrowers::list(ctx, event("borrowers-list")).await);
    assert_eq!((s, b["borrowers"].as_array().map(Vec::len)), (200, Some(1)));
    let (s, _) = split(borrowers::delete(ctx, event("borrowers-delete")).await);
    assert_eq!(s, 204);
}
