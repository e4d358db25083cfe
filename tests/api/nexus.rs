//! Nexus: sessions, init tokens, origins, the sandbox connector through the real handlers,
//! every reserved username, idempotent re-linking, profile backfill, the assess routes and the
//! widget's pages, against the emulator.

use loanpath_tests::{
    app, call, send, split, TestApp, OTHER_KEY, OTHER_NEXUS_KEY, SANDBOX_KEY, SANDBOX_NEXUS_KEY,
};
use serde_json::{json, Value};
use shared::api::{borrowers, loans, nexus};

const ORIGIN: &str = "http://127.0.0.1:9000";

async fn start(t: &TestApp, body: Value) -> (u16, Value) {
    send(
        &t.ctx,
        nexus::sessions_create,
        call("POST", "/nexus/sessions").auth(None).json(body),
    )
    .await
}

/// A session for the sandbox client's borrower `borrower` (an external id or uuid).
async fn session_for(t: &TestApp, borrower: &str) -> (String, String) {
    let (s, b) = start(
        t,
        json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": borrower, "origin": ORIGIN}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    (
        b["session_token"].as_str().unwrap().to_string(),
        b["borrower"]["uuid"].as_str().unwrap().to_string(),
    )
}

async fn link(t: &TestApp, tok: &str, servicer: &str, user: &str) -> Value {
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

async fn answer(t: &TestApp, tok: &str, id: &str, answer: &str) -> Value {
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
async fn linking_writes_nexus_loans_the_link_and_fills_only_empty_profile_fields() {
    let t = app().await;
    let (_, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/borrowers")
            .json(json!({"borrower": {"first_name": "James", "external_id": "kirk-1"}})),
    )
    .await;
    let (tok, uuid) = session_for(&t, "kirk-1").await;
    assert_eq!(uuid, b["uuid"].as_str().unwrap());
    let linked = link(&t, &tok, "Nelnet", "kirk").await;
    assert_eq!(linked["status"], "linked", "{linked}");
    let n = linked["loans_linked"].as_u64().unwrap();
    assert!(n >= 3, "{linked}");
    assert_eq!(linked["created"].as_u64(), Some(n));
    assert_eq!(linked["link"]["servicer"], "Nelnet");
    assert_eq!(linked["link"]["status"], "linked");
    assert_eq!(linked["link"]["loan_count"].as_u64(), Some(n));
    let filled: Vec<&str> = linked["profile_fields_filled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!filled.contains(&"first_name"), "{filled:?}");
    assert!(
        filled.contains(&"last_name") && filled.contains(&"address"),
        "{filled:?}"
    );
    let (_, after) = send(&t.ctx, borrowers::get, call("GET", "/").id(&uuid)).await;
    assert_eq!(after["first_name"], "James");
    assert!(after["last_name"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(after["address"]["zipcode"]
        .as_str()
        .is_some_and(|z| z.len() == 5));
    assert!(after["date_of_birth"].is_string());
    // The loans are PortfolioLoans from Nelnet, with source nexus.
    let all = api_loans(&t, &uuid).await;
    assert_eq!(all.len() as u64, n);
    assert!(all
        .iter()
        .all(|l| l["source"] == "nexus" && l["servicer_name"] == "Nelnet"));
    let p = portfolio(&t, &uuid).await;
    assert_eq!(p["loans"].as_array().unwrap().len() as u64, n);
    assert_eq!(p["servicers"][0]["servicer"]["name"], "Nelnet");
    assert!(p["loans"][0]["payment_reference_number"].is_string());
    assert!(p["loans"][0]["payment_group_id"].is_string());
    // The session view shows the link, and when it syncs next.
    let (_, v) = send(&t.ctx, nexus::session_get, call("GET", "/").session(&tok)).await;
    assert_eq!(v["borrower"]["loan_count"].as_u64(), Some(n));
    assert_eq!(v["links"][0]["servicer"], "Nelnet");
    assert!(
        v["links"][0]["next_sync_at"].as_str().unwrap()
            > v["links"][0]["last_synced_at"].as_str().unwrap()
    );
    assert_eq!(v["servicers"].as_array().unwrap().len(), 6);
    assert_eq!(v["sandbox_usernames"].as_array().unwrap().len(), 10);

    // Linking the same servicer again updates in place: nothing new, nothing duplicated.
    let again = link(&t, &tok, "Nelnet", "kirk").await;
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(n)),
        "{again}"
    );
    assert_eq!(again["link"]["linked_at"], linked["link"]["linked_at"]);
    assert_eq!(api_loans(&t, &uuid).await.len() as u64, n);
    // A second servicer adds its own loans.
    let second = link(&t, &tok, "MOHELA", "kirk").await;
    let m = second["loans_linked"].as_u64().unwrap();
    assert_eq!(api_loans(&t, &uuid).await.len() as u64, n + m);
    let (_, v) = send(&t.ctx, nexus::session_get, call("GET", "/").session(&tok)).await;
    let names: Vec<&str> = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["servicer"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["MOHELA", "Nelnet"]);
    // Linked loans can't be deleted through the API (they come back at the next sync).
    let (s, _) = send(
        &t.ctx,
        loans::delete,
        call("DELETE", "/")
            .id(&uuid)
            .param("loan_id", all[0]["id"].clone()),
    )
    .await;
    assert_eq!(s, 409);
    // The repayment options accept the linked data once the borrower has an AGI.
    let (s, saved) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/nexus/borrower").session(&tok).json(json!({"agi": 55000, "filing_status": "single", "family_size": 1, "state_of_residence": "NY"})),
    )
    .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["financial"]["agi"], "55000.00");
    let (s, options) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    assert_eq!(s, 200, "{options}");
    assert_eq!(options["repayment_options"].as_array().unwrap().len(), 12);
    assert!(options.get("what_if").is_none());
}

#[tokio::test]
async fn every_reserved_sandbox_username_behaves_as_documented() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "reserved-1").await;
    // A security question: a wrong answer fails and uses the challenge up.
    let c = link(&t, &tok, "Aidvantage", "user_challenge").await;
    assert_eq!(
        (c["status"].as_str(), c["challenge"]["type"].as_str()),
        (Some("challenge"), Some("question")),
        "{c}"
    );
    assert!(c["challenge"]["prompt"]
        .as_str()
        .unwrap()
        .contains("colour"));
    let id = c["challenge"]["id"].as_str().unwrap();
    let wrong = answer(&t, &tok, id, "red").await;
    assert_eq!(
        (
            wrong["status"].as_str(),
            wrong["reason"].as_str(),
            wrong["retryable"].as_bool()
        ),
        (Some("failed"), Some("challenge_failed"), Some(true))
    );
    let reused = answer(&t, &tok, id, "blue").await;
    assert_eq!(reused["reason"], "challenge_expired");
    assert!(api_loans(&t, &uuid).await.is_empty());
    let c = link(&t, &tok, "Aidvantage", "user_challenge").await;
    let ok = answer(&t, &tok, c["challenge"]["id"].as_str().unwrap(), "blue").await;
    assert_eq!(ok["status"], "linked", "{ok}");
    let after_challenge = api_loans(&t, &uuid).await.len();
    assert!(after_challenge > 0);
    // A one-time code.
    let c = link(&t, &tok, "EdFinancial", "user_mfa").await;
    assert_eq!(c["challenge"]["type"], "otp");
    assert_eq!(
        answer(&t, &tok, c["challenge"]["id"].as_str().unwrap(), "000000").await["reason"],
        "challenge_failed"
    );
    let c = link(&t, &tok, "EdFinancial", "user_mfa").await;
    // Another session cannot answer this session's challenge.
    let (other_tok, _) = session_for(&t, "reserved-2").await;
    assert_eq!(
        answer(
            &t,
            &other_tok,
            c["challenge"]["id"].as_str().unwrap(),
            "123456"
        )
        .await["reason"],
        "challenge_expired"
    );
    let c = link(&t, &tok, "EdFinancial", "user_mfa").await;
    assert_eq!(
        answer(&t, &tok, c["challenge"]["id"].as_str().unwrap(), "123456").await["status"],
        "linked"
    );
    // Failures: nothing written.
    let before = api_loans(&t, &uuid).await.len();
    for (user, reason, retryable) in [
        ("user_locked", "locked", false),
        ("user_bad_password", "invalid_credentials", true),
        ("user_servicer_down", "servicer_unavailable", true),
    ] {
        let f = link(&t, &tok, "MOHELA", user).await;
        assert_eq!(
            (
                f["status"].as_str(),
                f["reason"].as_str(),
                f["retryable"].as_bool()
            ),
            (Some("failed"), Some(reason), Some(retryable)),
            "{user}: {f}"
        );
        assert!(f["message"].as_str().unwrap().contains("MOHELA"), "{f}");
    }
    assert_eq!(api_loans(&t, &uuid).await.len(), before);
    // Data profiles, each on a fresh borrower.
    let (tk, u) = session_for(&t, "p-none").await;
    let l = link(&t, &tk, "CRI", "user_no_loans").await;
    assert_eq!(
        (l["status"].as_str(), l["loans_linked"].as_u64()),
        (Some("linked"), Some(0))
    );
    assert!(api_loans(&t, &u).await.is_empty());
    let (tk, u) = session_for(&t, "p-delinquent").await;
    link(&t, &tk, "Nelnet", "user_delinquent").await;
    let overdue: Vec<Value> = api_loans(&t, &u)
        .await
        .into_iter()
        .filter(|l| l["is_overdue"] == true)
        .collect();
    assert_eq!(overdue.len(), 1);
    let (tk, u) = session_for(&t, "p-pslf").await;
    link(&t, &tk, "MOHELA", "user_pslf").await;
    let p = portfolio(&t, &u).await;
    assert!(
        p["loans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["pslf"]["qualifying_payments"].as_u64().unwrap_or(0) > 0),
        "{}",
        p["loans"][0]["pslf"]
    );
    let (tk, u) = session_for(&t, "p-ffel").await;
    link(&t, &tk, "ECSI", "user_ffel").await;
    let types: Vec<String> = api_loans(&t, &u)
        .await
        .iter()
        .map(|l| l["loan_type"].to_string())
        .collect();
    assert!(types.iter().any(|c| c.contains("FFEL")), "{types:?}");
    let (tk, u) = session_for(&t, "p-large").await;
    let l = link(&t, &tk, "Aidvantage", "user_large").await;
    assert_eq!(l["loans_linked"].as_u64(), Some(30));
    let p = portfolio(&t, &u).await;
    assert_eq!(p["loans"].as_array().unwrap().len(), 30);
    let groups = p["servicers"][0]["payment_groups"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(groups >= 3, "{groups}");
    // Bad input names the field; an unknown servicer lists the choices.
    let (s, e) = send(
        &t.ctx,
        nexus::links_create,
        call("POST", "/")
            .session(&tok)
            .json(json!({"servicer": "Navient", "username": "a", "password": "b"})),
    )
    .await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["servicer"]
        .as_str()
        .unwrap()
        .contains("Nelnet"));
    let (s, e) = send(
        &t.ctx,
        nexus::links_create,
        call("POST", "/")
            .session(&tok)
            .json(json!({"servicer": "Nelnet", "username": "a"})),
    )
    .await;
    assert_eq!(
        (s, e["error"]["fields"]["password"].as_str()),
        (422, Some("is required"))
    );
}

#[tokio::test]
async fn live_clients_never_get_sandbox_data() {
    let t = app().await;
    t.ctx
        .store
        .set_allowed_origins("other-client", &["https://app.example.com".to_string()])
        .await
        .unwrap();
    let (s, b) = start(
        &t,
        json!({"nexus_key": OTHER_NEXUS_KEY, "borrower": "live-1", "origin": "https://app.example.com"}),
    )
    .await;
    assert_eq!(s, 201);
    let tok = b["session_token"].as_str().unwrap();
    let f = link(&t, tok, "Nelnet", "kirk").await;
    assert_eq!(
        (f["status"].as_str(), f["reason"].as_str()),
        (Some("failed"), Some("no_connector")),
        "{f}"
    );
    let (_, v) = send(&t.ctx, nexus::session_get, call("GET", "/").session(tok)).await;
    assert!(v.get("sandbox_usernames").is_none());
    assert_eq!(v["borrower"]["loan_count"], 0);
    let (s, l) = send(
        &t.ctx,
        loans::list,
        call("GET", "/")
            .key(OTHER_KEY)
            .id(b["borrower"]["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!((s, l["loans"].as_array().map(Vec::len)), (200, Some(0)));
}

#[tokio::test]
async fn typed_credentials_are_never_stored() {
    let t = app().await;
    let (tok, _) = session_for(&t, "creds-1").await;
    let password = "S3cr3t-Pa55-7f3a";
    let username = "unique-user-81c2";
    let (s, b) = send(
        &t.ctx,
        nexus::links_create,
        call("POST", "/")
            .session(&tok)
            .json(json!({"servicer": "Nelnet", "username": username, "password": password})),
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (200, Some("linked")));
    let c = link(&t, &tok, "MOHELA", "user_challenge").await;
    answer(&t, &tok, c["challenge"]["id"].as_str().unwrap(), "blue").await;
    // Scan the whole table (a test may; no request path does).
    let mut start = None;
    let mut dump = String::new();
    loop {
        let out = t
            .ctx
            .store
            .db_client()
            .scan()
            .table_name("loanpath-test")
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in out.items() {
            dump.push_str(&format!("{item:?}"));
        }
        match out.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
    assert!(dump.contains("ServicerLink"));
    for secret in [password, username, "blue", &tok] {
        assert!(!dump.contains(secret), "{secret} is stored");
    }
}

#[tokio::test]
async fn assess_inputs_are_saved_and_the_what_if_is_not() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "assess-1").await;
    link(&t, &tok, "Nelnet", "spock").await;
    // Without an AGI there is nothing to assess yet.
    let (s, e) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["agi"].is_string());
    let (s, e) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/")
            .session(&tok)
            .json(json!({"agi": 70000, "external_id": "someone-else"})),
    )
    .await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["external_id"]
        .as_str()
        .unwrap()
        .contains("cannot be changed"));
    let (s, e) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/")
            .session(&tok)
            .json(json!({"family_size": 0})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, saved) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/").session(&tok).json(json!({"agi": "70000", "filing_status": "single", "family_size": 2, "state_of_residence": "ny"})),
    )
    .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(
        saved["financial"],
        json!({"agi": "70000.00", "spouse_agi": null, "filing_status": "single", "family_size": 2, "state_of_residence": "NY"})
    );
    let (s, saved_view) = send(&t.ctx, nexus::session_get, call("GET", "/").session(&tok)).await;
    assert_eq!(s, 200);
    assert_eq!(saved_view["borrower"]["financial"]["agi"], "70000.00");
    let (_, base) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    let (s, what_if) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/")
            .session(&tok)
            .query("agi", "20000")
            .query("family_size", "4"),
    )
    .await;
    assert_eq!(s, 200, "{what_if}");
    assert_eq!(
        what_if["what_if"],
        json!({"agi": "20000.00", "family_size": 4, "saved": false})
    );
    let ibr = |v: &Value| {
        v["repayment_options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["repayment_plan"]["type"] == "rap")
            .map(|o| o["starting_monthly_payment"].as_f64().unwrap())
            .unwrap()
    };
    assert!(
        ibr(&what_if) < ibr(&base),
        "{} vs {}",
        ibr(&what_if),
        ibr(&base)
    );
    // Nothing was saved.
    let (_, b) = send(&t.ctx, borrowers::get, call("GET", "/").id(&uuid)).await;
    assert_eq!(b["financial_details"]["agi"], 70000.0);
    assert_eq!(b["financial_details"]["family_size"], 2);
    for (k, v) in [
        ("agi", "1e5"),
        ("agi", "$100"),
        ("agi", "-5"),
        ("family_size", "0"),
        ("family_size", "x"),
        ("bogus", "1"),
    ] {
        let (s, e) = send(
            &t.ctx,
            nexus::repayment_options,
            call("GET", "/").session(&tok).query(k, v),
        )
        .await;
        assert_eq!(s, 422, "{k}={v}: {e}");
        assert!(e["error"]["fields"].get(k).is_some(), "{e}");
    }
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
    let (s, b) = split(nexus::sessions_create(&t.ctx, event("nexus-sessions-create", &[])).await);
    assert_eq!(s, 201, "{b}");
    let tok = b["session_token"].as_str().unwrap().to_string();
    let sw = [("nxs_sample", tok.as_str())];
    let (s, b) = split(nexus::links_create(&t.ctx, event("nexus-links-create", &sw)).await);
    assert_eq!((s, b["status"].as_str()), (200, Some("linked")), "{b}");
    let (s, b) = split(nexus::links_challenge(&t.ctx, event("nexus-links-challenge", &sw)).await);
    assert_eq!(
        (s, b["reason"].as_str()),
        (200, Some("challenge_expired")),
        "{b}"
    );
    let (s, b) = split(nexus::borrower_update(&t.ctx, event("nexus-borrower-update", &sw)).await);
    assert_eq!(s, 200, "{b}");
    let (s, b) = split(nexus::session_get(&t.ctx, event("nexus-session-get", &sw)).await);
    assert_eq!(
        (s, b["links"][0]["servicer"].as_str()),
        (200, Some("Nelnet")),
        "{b}"
    );
    let (s, b) =
        split(nexus::repayment_options(&t.ctx, event("nexus-repayment-options", &sw)).await);
    assert_eq!(
        (s, b["what_if"]["agi"].as_str()),
        (200, Some("55000.00")),
        "{b}"
    );
    let (s, b) =
        split(nexus::enrollments_create(&t.ctx, event("nexus-enrollments-create", &sw)).await);
    assert_eq!(s, 409, "{b}");
    assert!(b["error"]["reasons"].is_array());
    let (s, b) = split(nexus::tokens_create(&t.ctx, event("nexus-tokens-create", &[])).await);
    assert_eq!(s, 201, "{b}");
    let resp = nexus::ui(&t.ctx, event("nexus-ui", &[])).await;
    assert_eq!(resp.status(), 200);
    let resp = nexus::loader(&t.ctx, event("nexus-js", &[])).await;
    assert_eq!(resp.status(), 200);
    let _ = nexus::demo(&t.ctx, event("nexus-demo", &[])).await;
}

#[tokio::test]
async fn relinking_a_servicer_with_another_account_replaces_its_loans() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "relink-1").await;
    let first = link(&t, &tok, "Nelnet", "spock").await;
    let n = first["loans_linked"].as_u64().unwrap();
    let other = link(&t, &tok, "MOHELA", "spock").await;
    let m = other["loans_linked"].as_u64().unwrap();
    let second = link(&t, &tok, "Nelnet", "uhura").await;
    assert_eq!(second["removed"].as_u64(), Some(n), "{second}");
    let k = second["loans_linked"].as_u64().unwrap();
    let all = api_loans(&t, &uuid).await;
    assert_eq!(
        all.len() as u64,
        k + m,
        "MOHELA's loans stay, Nelnet's are the new account's"
    );
    let nelnet = all
        .iter()
        .filter(|l| l["servicer_name"] == "Nelnet")
        .count() as u64;
    assert_eq!(nelnet, k);
    let (_, v) = send(&t.ctx, nexus::session_get, call("GET", "/").session(&tok)).await;
    let link_view = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["servicer"] == "Nelnet")
        .unwrap()
        .clone();
    assert_eq!(link_view["loan_count"].as_u64(), Some(k));
}

#[tokio::test]
async fn a_what_if_with_the_saved_family_size_changes_nothing_and_joint_filers_give_spouse_agi() {
    let t = app().await;
    let (tok, _) = session_for(&t, "whatif-1").await;
    link(&t, &tok, "Nelnet", "spock").await;
    let (s, e) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/").session(&tok).json(json!({"agi": 60000, "filing_status": "married_filing_jointly", "family_size": 3, "state_of_residence": "NY"})),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    // Joint filers need the spouse's AGI: the widget sends it through the same route.
    let (s, e) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["spouse_agi"].is_string());
    let (s, saved) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/")
            .session(&tok)
            .json(json!({"spouse_agi": "30000.00"})),
    )
    .await;
    assert_eq!(
        (s, saved["financial"]["spouse_agi"].as_str()),
        (200, Some("30000.00")),
        "{saved}"
    );
    let (s, base) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok),
    )
    .await;
    assert_eq!(s, 200, "{base}");
    let (_, same) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok).query("family_size", "3"),
    )
    .await;
    assert_eq!(same["repayment_options"], base["repayment_options"]);
    let (_, bigger) = send(
        &t.ctx,
        nexus::repayment_options,
        call("GET", "/").session(&tok).query("family_size", "5"),
    )
    .await;
    assert_ne!(bigger["repayment_options"], base["repayment_options"]);
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
async fn the_enroll_workflow_saves_the_profile_and_files_the_request() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "enroll-1").await;
    link(&t, &tok, "Nelnet", "kirk").await;
    // Not ready yet: every reason comes back for the widget to show.
    let (s, e) = send(
        &t.ctx,
        nexus::enrollments_create,
        call("POST", "/nexus/enrollments")
            .session(&tok)
            .json(json!({"repayment_plan": "rap", "signature": true})),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    let reasons = e["error"]["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r == shared::enrollments::preconditions::PROFILE),
        "{e}"
    );
    // The widget saves what the borrower confirmed; the SSN is sealed and never shown.
    let (s, saved) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/nexus/borrower").session(&tok).json(json!({
            "ssn": "123-45-6789", "phone": "515-555-0199", "date_of_birth": "1988-07-04",
            "agi": 52000, "filing_status": "single", "family_size": 1, "state_of_residence": "IA",
            "income_certification": {"type": "pay_stub", "file": "JVBERi0xLjQK"},
        })),
    )
    .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["profile"]["has_ssn"], true);
    assert!(!saved.to_string().contains("6789"));
    assert_eq!(
        saved["profile"]["income_certifications"][0]["type"],
        "pay_stub"
    );
    let (s, e) = send(
        &t.ctx,
        nexus::enrollments_create,
        call("POST", "/nexus/enrollments")
            .session(&tok)
            .json(json!({"repayment_plan": "rap", "signature": true})),
    )
    .await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["history"][0]["reason"], "Requested through Nexus.");
    let (_, v) = send(&t.ctx, nexus::session_get, call("GET", "/").session(&tok)).await;
    assert_eq!(v["enrollments"][0]["uuid"], e["uuid"]);
    assert_eq!(v["profile"]["has_ssn"], true);
    assert!(!v.to_string().contains("123-45") && !v.to_string().contains("123456789"));
    // The API sees the same enrollment.
    let (_, list) = send(
        &t.ctx,
        shared::api::enrollments::list,
        call("GET", "/").id(&uuid),
    )
    .await;
    assert_eq!(list["enrollments"][0]["uuid"], e["uuid"]);
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
