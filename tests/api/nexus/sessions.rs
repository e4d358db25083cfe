//! Sessions, init tokens, origins and keys; the loader and pages; the sample events.

use super::*;
#[allow(unused_imports)]
use loanpath_tests::{
    app, call, send, send_request, split, OTHER_KEY, OTHER_NEXUS_KEY, SANDBOX_KEY,
    SANDBOX_NEXUS_KEY,
};
#[allow(unused_imports)]
use serde_json::{json, Value};
#[allow(unused_imports)]
use shared::api::{borrowers, loans, nexus};

#[tokio::test]
async fn a_borrower_value_is_a_uuid_or_the_clients_own_external_id() {
    let t = app().await;
    let (s, first) = start(
        &t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "acct-42", "origin": ORIGIN}),
    )
    .await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["borrower"]["created"], true);
    assert_eq!(first["mode"], "sandbox");
    assert_eq!(first["workflow"], "link");
    assert!(first["session_token"].as_str().unwrap().starts_with("nxs_"));
    let uuid = first["borrower"]["uuid"].as_str().unwrap();
    // The same external id again: fetched, not created.
    let (_, again) = start(
        &t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "acct-42", "origin": ORIGIN, "workflow": "assess"}),
    )
    .await;
    assert_eq!(again["borrower"], json!({"uuid": uuid, "created": false}));
    assert_eq!(again["workflow"], "assess");
    // The API sees it under that external id.
    let (_, list) = send(
        &t.ctx,
        borrowers::list,
        call("GET", "/borrowers").query("external_id", "acct-42"),
    )
    .await;
    assert_eq!(list["borrowers"][0]["uuid"], uuid);
    // By uuid: that borrower.
    let (_, by_uuid) = start(
        &t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": uuid, "origin": ORIGIN}),
    )
    .await;
    assert_eq!(by_uuid["borrower"], json!({"uuid": uuid, "created": false}));
    // Another tenant's uuid is not theirs: it becomes an external id of a new borrower.
    let (_, other) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/borrowers")
            .key(OTHER_KEY)
            .json(json!({"borrower": {"first_name": "Other"}})),
    )
    .await;
    let foreign = other["uuid"].as_str().unwrap();
    let (_, b) = start(
        &t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": foreign, "origin": ORIGIN}),
    )
    .await;
    assert_eq!(b["borrower"]["created"], true);
    assert_ne!(b["borrower"]["uuid"], foreign);
    // Bad input names the field.
    for (body, field) in [
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "origin": ORIGIN}),
            "borrower",
        ),
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x"}),
            "origin",
        ),
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": "javascript:alert(1)"}),
            "origin",
        ),
        // Only the ASCII whitespace the documented pattern allows is trimmed; a trailing slash
        // is a path.
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": format!("\u{a0}{ORIGIN}")}),
            "origin",
        ),
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": format!("{ORIGIN}\u{c}")}),
            "origin",
        ),
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": format!("{ORIGIN}/")}),
            "origin",
        ),
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": ORIGIN, "workflow": "refi"}),
            "workflow",
        ),
        (json!({"borrower": "x", "origin": ORIGIN}), "nexus_key"),
        (
            json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x".repeat(300), "origin": ORIGIN}),
            "borrower",
        ),
    ] {
        let (s, e) = start(&t, body).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["error"]["fields"].get(field).is_some(), "{field}: {e}");
    }
}

#[tokio::test]
async fn public_and_secret_keys_and_session_tokens_are_never_interchangeable() {
    let t = app().await;
    // The API key is not a Nexus key.
    let (s, e) = start(
        &t,
        json!({"nexus_key": SANDBOX_KEY, "borrower": "x", "origin": ORIGIN}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["detail"].as_str()),
        (401, Some("Invalid Nexus key. Please check and try again."))
    );
    let (tok, uuid) = session_for(&t, "keys-1").await;
    // A session token and the Nexus key do not open API routes.
    for bearer in [tok.as_str(), SANDBOX_NEXUS_KEY] {
        let (s, _) = send(
            &t.ctx,
            borrowers::get,
            call("GET", "/").id(&uuid).key(bearer),
        )
        .await;
        assert_eq!(s, 401, "{bearer}");
        let (s, _) = send(
            &t.ctx,
            nexus::tokens_create,
            call("POST", "/api/v1/nexus/tokens")
                .key(bearer)
                .json(json!({"borrower": "x"})),
        )
        .await;
        assert_eq!(s, 401, "{bearer}");
    }
    // The API key, the Nexus key and a forged token do not open session routes.
    for bearer in [SANDBOX_KEY, SANDBOX_NEXUS_KEY, "nxs_0000", "nxs_"] {
        let (s, e) = send(
            &t.ctx,
            nexus::session_get,
            call("GET", "/nexus/session").session(bearer),
        )
        .await;
        assert_eq!(s, 401, "{bearer}");
        assert!(e["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("Nexus session"));
    }
    let (s, _) = send(
        &t.ctx,
        nexus::session_get,
        call("GET", "/nexus/session").auth(None),
    )
    .await;
    assert_eq!(s, 401);
    let (s, v) = send(
        &t.ctx,
        nexus::session_get,
        call("GET", "/nexus/session").session(&tok),
    )
    .await;
    assert_eq!(
        (s, v["borrower"]["uuid"].as_str()),
        (200, Some(uuid.as_str()))
    );
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "expiry-1").await;
    let mut s = t.ctx.store.nexus_session(&tok).await.unwrap().unwrap();
    s.expires_at = "2020-01-01T00:00:00Z".into();
    let fresh = "nxs_expired_test_token";
    t.ctx.store.put_nexus_session(fresh, &s).await.unwrap();
    let (code, _) = send(&t.ctx, nexus::session_get, call("GET", "/").session(fresh)).await;
    assert_eq!(code, 401);
    assert_eq!(s.borrower_uuid.to_string(), uuid);
}

#[tokio::test]
async fn origins_are_checked_and_cors_answers_only_allowed_ones() {
    let t = app().await;
    // A live client allows nothing until its origins are set; localhost is sandbox-only.
    let (s, e) = start(
        &t,
        json!({"nexus_key": OTHER_NEXUS_KEY, "borrower": "x", "origin": ORIGIN}),
    )
    .await;
    assert_eq!(s, 403, "{e}");
    assert!(e["error"]["detail"]
        .as_str()
        .unwrap()
        .contains("set-origins"));
    t.ctx
        .store
        .set_allowed_origins("other-client", &["https://app.example.com".to_string()])
        .await
        .unwrap();
    let (s, live) = start(
        &t,
        json!({"nexus_key": OTHER_NEXUS_KEY, "borrower": "x", "origin": "https://app.example.com"}),
    )
    .await;
    assert_eq!((s, live["mode"].as_str()), (201, Some("live")), "{live}");
    let (s, _) = start(
        &t,
        json!({"nexus_key": OTHER_NEXUS_KEY, "borrower": "x", "origin": "https://evil.example.com"}),
    )
    .await;
    assert_eq!(s, 403);
    // CORS: the allowed origin is echoed, any other gets nothing.
    let tok = live["session_token"].as_str().unwrap();
    let resp = nexus::session_get(
        &t.ctx,
        call("GET", "/nexus/session")
            .session(tok)
            .header("origin", "https://app.example.com")
            .request(),
    )
    .await;
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let resp = nexus::session_get(
        &t.ctx,
        call("GET", "/nexus/session")
            .session(tok)
            .header("origin", "https://evil.example.com")
            .request(),
    )
    .await;
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    // The widget page: framed only by an allowed origin.
    let csp = |key: &str, origin: &str| {
        let call = call("GET", "/nexus/ui")
            .auth(None)
            .query("workflow", "link")
            .query("origin", origin)
            .query("key", key);
        let ctx = &t.ctx;
        async move {
            let resp = nexus::ui(ctx, call.request()).await;
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
            assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
            resp.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_string()
        }
    };
    assert!(csp(SANDBOX_NEXUS_KEY, ORIGIN)
        .await
        .ends_with("frame-ancestors http://127.0.0.1:9000"));
    assert!(csp(OTHER_NEXUS_KEY, ORIGIN)
        .await
        .ends_with("frame-ancestors 'none'"));
    assert!(csp(OTHER_NEXUS_KEY, "https://app.example.com")
        .await
        .ends_with("frame-ancestors https://app.example.com"));
    // An unknown key may show its error page; a bad origin may not be framed at all.
    assert!(csp("NOT-A-KEY", ORIGIN)
        .await
        .ends_with("frame-ancestors http://127.0.0.1:9000"));
    assert!(csp(SANDBOX_NEXUS_KEY, "null")
        .await
        .ends_with("frame-ancestors 'none'"));
}

#[tokio::test]
async fn init_tokens_are_minted_with_the_secret_key_and_used_once() {
    let t = app().await;
    let (_, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/borrowers").json(json!({"borrower": {"first_name": "James"}})),
    )
    .await;
    let (s, minted) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/api/v1/nexus/tokens").json(json!({"borrower": b["uuid"]})),
    )
    .await;
    assert_eq!(s, 201, "{minted}");
    assert_eq!(
        minted["borrower"],
        json!({"uuid": b["uuid"], "created": false})
    );
    let token = minted["token"].as_str().unwrap();
    assert!(token.starts_with("nxt_"));
    // Its page may be framed by the client's origins.
    let resp = nexus::ui(
        &t.ctx,
        call("GET", "/nexus/ui")
            .auth(None)
            .query("origin", ORIGIN)
            .query("token", token)
            .request(),
    )
    .await;
    assert!(resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .ends_with("frame-ancestors http://127.0.0.1:9000"));
    let (s, started) = start(&t, json!({"token": token, "origin": ORIGIN})).await;
    assert_eq!(s, 201, "{started}");
    assert_eq!(started["borrower"]["uuid"], b["uuid"]);
    // Single use.
    let (s, e) = start(&t, json!({"token": token, "origin": ORIGIN})).await;
    assert_eq!(s, 401, "{e}");
    // Both at once is ambiguous.
    let (s, _) = start(
        &t,
        json!({"token": token, "nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": ORIGIN}),
    )
    .await;
    assert_eq!(s, 422);
    // Another tenant's API key cannot mint for this borrower: its value is just its own
    // external id, so it gets its own new borrower.
    let (s, theirs) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/api/v1/nexus/tokens")
            .key(OTHER_KEY)
            .json(json!({"borrower": b["uuid"]})),
    )
    .await;
    assert_eq!(s, 201);
    assert_ne!(theirs["borrower"]["uuid"], b["uuid"]);
    let (s, _) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/api/v1/nexus/tokens").json(json!({})),
    )
    .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn the_loader_and_the_pages_are_served_with_their_headers() {
    let t = app().await;
    let resp = nexus::loader(&t.ctx, call("GET", "/nexus/js/v1").auth(None).request()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    assert!(resp.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age=300"));
    let (_, body) = split(resp);
    assert!(body.as_str().unwrap().contains("Nexus"));
    let resp = nexus::loader(
        &t.ctx,
        call("GET", "/nexus/js/v1")
            .auth(None)
            .header("if-none-match", &etag)
            .request(),
    )
    .await;
    assert_eq!(resp.status(), 304);
    shared::nexus::assets::enable_demo();
    let resp = nexus::demo(&t.ctx, call("GET", "/nexus/demo").auth(None).request()).await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let (_, page) = split(resp);
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(page
        .as_str()
        .unwrap()
        .contains(&format!("nonce=\"{nonce}\"")));
    assert!(page.as_str().unwrap().contains("<script src=\"js/v1\""));
}

#[tokio::test]
async fn nexus_sample_events_run_through_their_handlers() {
    let t = app().await;
    let event = |name: &str, swap: &[(&str, &str)]| {
        let path = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (from, to) in swap {
            text = text.replace(from, to);
        }
        lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let (s, b) = send_request(
        &t.ctx,
        nexus::sessions_create,
        event("nexus-sessions-create", &[]),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let tok = b["session_token"].as_str().unwrap().to_string();
    let sw = [("nxs_sample", tok.as_str())];
    let (s, b) = send_request(
        &t.ctx,
        nexus::links_create,
        event("nexus-links-create", &sw),
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (200, Some("linked")), "{b}");
    let (s, b) = send_request(
        &t.ctx,
        nexus::links_challenge,
        event("nexus-links-challenge", &sw),
    )
    .await;
    assert_eq!(
        (s, b["reason"].as_str()),
        (200, Some("challenge_expired")),
        "{b}"
    );
    let (s, b) = send_request(
        &t.ctx,
        nexus::borrower_update,
        event("nexus-borrower-update", &sw),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = send_request(&t.ctx, nexus::session_get, event("nexus-session-get", &sw)).await;
    assert_eq!(
        (s, b["links"][0]["servicer"].as_str()),
        (200, Some("Nelnet")),
        "{b}"
    );
    let (s, b) = send_request(
        &t.ctx,
        nexus::repayment_options,
        event("nexus-repayment-options", &sw),
    )
    .await;
    assert_eq!(
        (s, b["what_if"]["agi"].as_str()),
        (200, Some("55000.00")),
        "{b}"
    );
    let (s, b) = send_request(
        &t.ctx,
        nexus::enrollments_create,
        event("nexus-enrollments-create", &sw),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert!(b["error"]["reasons"].is_array());
    let (s, b) = send_request(
        &t.ctx,
        nexus::tokens_create,
        event("nexus-tokens-create", &[]),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let resp = nexus::ui(&t.ctx, event("nexus-ui", &[])).await;
    assert_eq!(resp.status(), 200);
    let resp = nexus::loader(&t.ctx, event("nexus-js", &[])).await;
    assert_eq!(resp.status(), 200);
    let _ = nexus::demo(&t.ctx, event("nexus-demo", &[])).await;
}

#[tokio::test]
async fn a_client_can_require_init_tokens() {
    let t = app().await;
    t.ctx
        .store
        .set_nexus_key_sessions("sandbox-client", false)
        .await
        .unwrap();
    let (s, e) = start(
        &t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": ORIGIN}),
    )
    .await;
    assert_eq!(s, 403, "{e}");
    assert!(e["error"]["detail"]
        .as_str()
        .unwrap()
        .contains("init tokens only"));
    let (_, minted) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/api/v1/nexus/tokens").json(json!({"borrower": "x"})),
    )
    .await;
    let (s, _) = start(&t, json!({"token": minted["token"], "origin": ORIGIN})).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn a_borrower_value_names_the_same_borrower_for_keys_and_tokens() {
    let t = app().await;
    // Borrower id 1 exists, and another borrower has the external id "1".
    let (_, first) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"first_name": "First"}})),
    )
    .await;
    let (_, ext) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"external_id": "1"}})),
    )
    .await;
    assert_eq!(first["id"], 1);
    let (_, by_key) = start(
        &t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "1", "origin": ORIGIN}),
    )
    .await;
    let (_, minted) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/").json(json!({"borrower": "1"})),
    )
    .await;
    assert_eq!(by_key["borrower"]["uuid"], ext["uuid"]);
    assert_eq!(minted["borrower"]["uuid"], ext["uuid"]);
    let (s, e) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/").json(json!({"borrower": 1})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, _) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/").json(json!({"borrower": "1", "ttl": 5})),
    )
    .await;
    assert_eq!(s, 422, "unknown fields are named");
    // A browser's Origin header must agree with the origin the body names.
    let (s, e) = send(
        &t.ctx,
        nexus::sessions_create,
        call("POST", "/")
            .auth(None)
            .header("origin", "https://evil.example")
            .json(json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": ORIGIN})),
    )
    .await;
    assert_eq!(s, 403, "{e}");
    // The widget's own calls come from Loanpath's origin (the API's host): allowed.
    let (s, e) = send(
        &t.ctx,
        nexus::sessions_create,
        call("POST", "/")
            .auth(None)
            .header("origin", "https://api.loanpath.test")
            .header("host", "api.loanpath.test")
            .json(json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "x", "origin": ORIGIN})),
    )
    .await;
    assert_eq!(s, 201, "{e}");
    // Codes typed with spaces pass.
    let (tok, _) = session_for(&t, "otp-1").await;
    let c = link(&t, &tok, "Nelnet", "user_mfa").await;
    assert_eq!(
        answer(
            &t,
            &tok,
            c["challenge"]["id"].as_str().unwrap(),
            " 123 456 "
        )
        .await["status"],
        "linked"
    );
}

/// A session can do what its workflow does, as Payitoff's workflows nest: link in every one,
/// assess in assess and enroll, enroll (and the identity, SSN and income it needs) in enroll
/// only. Before, a link session could file a signed Enrollment Request and change the SSN.
/// A token minted for one workflow opens that one only, and a wrong one does not use it up.
#[tokio::test]
async fn a_session_does_only_what_its_workflow_does_and_a_token_opens_one_workflow() {
    let t = app().await;
    let assess_fields = json!({"agi": 55000, "filing_status": "single", "family_size": 1, "state_of_residence": "NY"});
    let enroll_fields = json!({"ssn": "123-45-6789", "first_name": "Kirk"});
    let enroll_body =
        json!({"repayment_plan": "ibr", "signature": true, "cursive_signature": true});
    let forbidden = |out: &Value, workflow: &str| {
        assert!(
            out["error"]["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&format!(
                    "This Nexus session was opened for the {workflow} workflow"
                )),
            "{out}"
        );
    };
    for (workflow, assess_ok, enroll_ok) in [
        ("link", false, false),
        ("assess", true, false),
        ("enroll", true, true),
    ] {
        let (tok, _) = session_of(&t, &format!("wf-{workflow}"), workflow).await;
        let l = link(&t, &tok, "Nelnet", "kirk").await;
        assert_eq!(l["status"], "linked", "{workflow}: {l}");
        // It reads what its workflow needs: the assess inputs from assess on, the profile
        // (identity, contact, income) and the enrollments in enroll only.
        let (s, v) = send(
            &t.ctx,
            nexus::session_get,
            call("GET", "/nexus/session").session(&tok),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            v["borrower"]["financial"].is_object(),
            assess_ok,
            "{workflow}: {v}"
        );
        assert_eq!(v["profile"].is_object(), enroll_ok, "{workflow}: {v}");
        if !enroll_ok {
            assert_eq!(v["enrollments"], json!([]), "{workflow}");
        }
        let (s, out) = send(
            &t.ctx,
            nexus::borrower_update,
            call("PATCH", "/nexus/borrower")
                .session(&tok)
                .json(assess_fields.clone()),
        )
        .await;
        assert_eq!(s, if assess_ok { 200 } else { 403 }, "{workflow}: {out}");
        if !assess_ok {
            forbidden(&out, workflow);
        }
        let (s, out) = send(
            &t.ctx,
            nexus::repayment_options,
            call("GET", "/nexus/repayment_options").session(&tok),
        )
        .await;
        assert_eq!(s, if assess_ok { 200 } else { 403 }, "{workflow}: {out}");
        let (s, out) = send(
            &t.ctx,
            nexus::borrower_update,
            call("PATCH", "/nexus/borrower")
                .session(&tok)
                .json(enroll_fields.clone()),
        )
        .await;
        assert_eq!(s, if enroll_ok { 200 } else { 403 }, "{workflow}: {out}");
        let (s, out) = send(
            &t.ctx,
            nexus::enrollments_create,
            call("POST", "/nexus/enrollments")
                .session(&tok)
                .json(enroll_body.clone()),
        )
        .await;
        if enroll_ok {
            // Allowed: it goes on to the request's own preconditions (or files it).
            assert_ne!(s, 403, "{workflow}: {out}");
        } else {
            assert_eq!(s, 403, "{workflow}: {out}");
            forbidden(&out, workflow);
        }
    }
    // A token for the link workflow opens link only; asking for enroll is a 403 that leaves
    // the token usable.
    let (s, minted) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/api/v1/nexus/tokens")
            .json(json!({"borrower": "wf-token", "workflow": "link"})),
    )
    .await;
    assert_eq!(
        (s, minted["workflow"].as_str()),
        (201, Some("link")),
        "{minted}"
    );
    let token = minted["token"].as_str().unwrap();
    let (s, out) = start(
        &t,
        json!({"token": token, "origin": ORIGIN, "workflow": "enroll"}),
    )
    .await;
    assert_eq!(s, 403, "{out}");
    assert_eq!(
        out["error"]["detail"],
        "This token opens the link workflow only: mint one for enroll."
    );
    let (s, out) = start(
        &t,
        json!({"token": token, "origin": ORIGIN, "workflow": "link"}),
    )
    .await;
    assert_eq!((s, out["workflow"].as_str()), (201, Some("link")), "{out}");
    // A token minted without one opens any workflow (as before).
    let (s, minted) = send(
        &t.ctx,
        nexus::tokens_create,
        call("POST", "/api/v1/nexus/tokens").json(json!({"borrower": "wf-token"})),
    )
    .await;
    assert_eq!((s, &minted["workflow"]), (201, &Value::Null), "{minted}");
    let (s, out) = start(
        &t,
        json!({"token": minted["token"], "origin": ORIGIN, "workflow": "enroll"}),
    )
    .await;
    assert_eq!(s, 201, "{out}");
}

/// The documented `origin` pattern is the parser's: each origin the one takes, the other does.
#[test]
fn the_documented_origin_pattern_is_the_parsers() {
    let doc = shared::api::openapi::document();
    for variant in ["NexusSessionWithKey", "NexusSessionWithToken"] {
        let schema = &doc["components"]["schemas"][variant]["properties"]["origin"];
        assert!(schema.get("format").is_none(), "{variant}: {schema}");
        let v = jsonschema::validator_for(schema).unwrap();
        for s in [
            "HTTP://LocalHost:9000",
            "https://app.example.com",
            " \thttps://app.example.com\r\n",
            "https://app.example.com/",
            "https://app.example.com/path",
            "http://x:",
            "http://x:99999999",
            "http://a b",
            "file://x",
            "\u{a0}https://app.example.com",
        ] {
            assert_eq!(
                v.is_valid(&json!(s)),
                shared::nexus::origins::parse_origin(s).is_some(),
                "{variant}: {s:?}"
            );
        }
    }
}
