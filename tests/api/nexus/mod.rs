//! Nexus against the emulator, through the real handlers: `sessions` (keys, tokens, origins,
//! the pages), `links` (the sandbox connector, every reserved username, re-linking, backfill,
//! credentials), `assess` (the assess and enroll routes). This file holds their helpers.

use loanpath_tests::{call, send, TestApp, SANDBOX_NEXUS_KEY};
use serde_json::{json, Value};

mod assess;
mod links;
mod sessions;
use shared::api::{loans, nexus};

pub(super) const ORIGIN: &str = "http://127.0.0.1:9000";

pub(super) async fn start(t: &TestApp, body: Value) -> (u16, Value) {
    send(
        &t.ctx,
        nexus::sessions_create,
        call("POST", "/nexus/sessions").auth(None).json(body),
    )
    .await
}

/// An enroll session (it may link, assess and enroll) for the sandbox client's borrower
/// `borrower` (an external id or uuid).
pub(super) async fn session_for(t: &TestApp, borrower: &str) -> (String, String) {
    session_of(t, borrower, "enroll").await
}

/// A session of `workflow` for the sandbox client's borrower `borrower`.
pub(super) async fn session_of(t: &TestApp, borrower: &str, workflow: &str) -> (String, String) {
    let (s, b) = start(
        t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": borrower, "origin": ORIGIN, "workflow": workflow}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    (
        b["session_token"].as_str().unwrap().to_string(),
        b["borrower"]["uuid"].as_str().unwrap().to_string(),
    )
}

pub(super) async fn link(t: &TestApp, tok: &str, servicer: &str, user: &str) -> Value {
    let (s, b) = send(
        &t.ctx,
        nexus::links_create,
        call("POST", "/nexus/links")
            .session(tok)
            .json(json!({"servicer": servicer, "username": user, "password": "pw-123"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

pub(super) async fn answer(t: &TestApp, tok: &str, id: &str, answer: &str) -> Value {
    let (s, b) = send(
        &t.ctx,
        nexus::links_challenge,
        call("POST", "/nexus/links/challenge")
            .session(tok)
            .json(json!({"challenge_id": id, "answer": answer})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

pub(super) async fn portfolio(t: &TestApp, uuid: &str) -> Value {
    let (s, b) = send(&t.ctx, loans::portfolio, call("GET", "/portfolio").id(uuid)).await;
    assert_eq!(s, 200, "{b}");
    b
}

pub(super) async fn api_loans(t: &TestApp, uuid: &str) -> Vec<Value> {
    let (s, b) = send(&t.ctx, loans::list, call("GET", "/loans").id(uuid)).await;
    assert_eq!(s, 200, "{b}");
    b["loans"].as_array().unwrap().clone()
}
