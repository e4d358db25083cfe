//! Linking: the sandbox connector through the handlers, reserved usernames, re-linking, backfill, credentials.

use super::*;
#[allow(unused_imports)]
use loanpath_tests::{
    app, call, send, split, OTHER_KEY, OTHER_NEXUS_KEY, SANDBOX_KEY, SANDBOX_NEXUS_KEY,
};
#[allow(unused_imports)]
use serde_json::{json, Value};
#[allow(unused_imports)]
use shared::api::{borrowers, loans, nexus};

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
    assert_eq!(v["sandbox_usernames"].as_array().unwrap().len(), 12);

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
    // An empty body names no field: the 422 says so, and pins it on none of them.
    let (s, out) = send(
        &t.ctx,
        nexus::borrower_update,
        call("PATCH", "/nexus/borrower")
            .session(&tok)
            .json(json!({})),
    )
    .await;
    assert_eq!(s, 422, "{out}");
    assert_eq!(out["error"]["fields"], json!({}), "{out}");
    assert_eq!(
        out["error"]["detail"],
        format!(
            "The body names no field to change: send at least one of {}.",
            shared::nexus::link::EDITABLE.join(", ")
        ),
        "an enroll session may send every field"
    );
    // An assess session is told only what it may send; a link session may send nothing.
    for (workflow, status, detail) in [
        ("assess", 422, Some("The body names no field to change: send at least one of agi, spouse_agi, filing_status, family_size, state_of_residence.")),
        ("link", 403, None),
    ] {
        let (tok, _) = super::session_of(&t, &format!("empty-{workflow}"), workflow).await;
        let (s, out) = send(
            &t.ctx,
            nexus::borrower_update,
            call("PATCH", "/nexus/borrower").session(&tok).json(json!({})),
        )
        .await;
        assert_eq!(s, status, "{workflow}: {out}");
        if let Some(d) = detail {
            assert_eq!(out["error"]["detail"], d, "{workflow}");
        }
    }
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
    assert!(
        reused["message"]
            .as_str()
            .unwrap()
            .contains("already answered"),
        "{reused}"
    );
    // A well-formed id that was never given reads as not open, like a used one; anything that
    // is not a challenge id at all is a 422 that names the field.
    let never = format!("chl_{}", "ab".repeat(32));
    assert_eq!(
        answer(&t, &tok, &never, "blue").await["reason"],
        "challenge_expired"
    );
    for bad in [
        "nope".to_string(),
        "chl_12".to_string(),
        format!("chl_{}", "zz".repeat(32)),
        format!("chl_{}", "AB".repeat(32)),
        format!(" {never}"),
    ] {
        let (s, out) = send(
            &t.ctx,
            nexus::links_challenge,
            call("POST", "/nexus/links/challenge")
                .session(&tok)
                .json(json!({"challenge_id": bad, "answer": "blue"})),
        )
        .await;
        assert_eq!(s, 422, "{bad}: {out}");
        assert!(
            out["error"]["fields"]["challenge_id"]
                .as_str()
                .unwrap()
                .starts_with("is not a challenge id"),
            "{out}"
        );
    }
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
    // ...nor use it up: its own session still answers it.
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

/// `Idempotency-Key` on the Nexus POSTs (it was ignored there): a retried link gets the first
/// outcome back and does not send the credentials to the servicer again; the same key with
/// another request is a 422; the password and a challenge answer are left out of the
/// comparison, so no hash of them is stored; a refused login is not kept (a refused challenge
/// answer is: the challenge is used up). A session start ignores a key.
#[tokio::test]
async fn idempotency_keys_work_on_the_nexus_posts_and_store_no_credential() {
    let t = app().await;
    let (tok, uuid) = session_for(&t, "idem-nexus").await;
    let post = |path: &str, key: &str, body: Value| {
        call("POST", path)
            .session(&tok)
            .header("idempotency-key", key)
            .json(body)
    };
    let linked =
        |user: &str, pw: &str| json!({"servicer": "Nelnet", "username": user, "password": pw});
    let run = |c: loanpath_tests::Call| {
        let ctx = &t.ctx;
        async move {
            let resp = nexus::links_create(ctx, c.request()).await;
            let replayed = resp.headers().get("idempotent-replayed").is_some();
            let (s, b) = loanpath_tests::split(resp);
            (s, b, replayed)
        }
    };
    let (s1, first, r1) = run(post("/nexus/links", "link-1", linked("kirk", "pw"))).await;
    assert_eq!(
        (s1, first["status"].as_str(), r1),
        (200, Some("linked"), false),
        "{first}"
    );
    let loans_after = api_loans(&t, &uuid).await.len();
    let (s2, second, r2) = run(post("/nexus/links", "link-1", linked("kirk", "pw"))).await;
    assert_eq!((s2, r2), (200, true), "{second}");
    assert_eq!(first, second);
    // Another password with the same key is the same submit (the password is not compared).
    let (_, third, r3) = run(post("/nexus/links", "link-1", linked("kirk", "typo"))).await;
    assert!(r3, "{third}");
    assert_eq!(api_loans(&t, &uuid).await.len(), loans_after);
    // Another account is another request.
    let (s, out, _) = run(post("/nexus/links", "link-1", linked("user_mfa", "pw"))).await;
    assert_eq!(s, 422, "{out}");
    assert!(
        out["error"]["fields"]["Idempotency-Key"].is_string(),
        "{out}"
    );
    let (s, out, _) = run(post("/nexus/links", "bad key", linked("kirk", "pw"))).await;
    assert_eq!(s, 422, "{out}");
    // A challenge answer, retried.
    let c = link(&t, &tok, "EdFinancial", "user_mfa").await;
    let id = c["challenge"]["id"].as_str().unwrap().to_string();
    let answer = |key: &str| {
        call("POST", "/nexus/links/challenge")
            .session(&tok)
            .header("idempotency-key", key)
            .json(json!({"challenge_id": id, "answer": "123456"}))
    };
    let (s, a1) = send(&t.ctx, nexus::links_challenge, answer("answer-1")).await;
    assert_eq!((s, a1["status"].as_str()), (200, Some("linked")), "{a1}");
    let (s, a2) = send(&t.ctx, nexus::links_challenge, answer("answer-1")).await;
    assert_eq!(
        (s, &a2),
        (200, &a1),
        "a retry gets the outcome, not challenge_expired"
    );
    // No stored record holds a typed credential.
    let items = t
        .ctx
        .store
        .db_client()
        .scan()
        .table_name(t.ctx.store.table_name())
        .send()
        .await
        .unwrap();
    let text = format!("{:?}", items.items());
    assert!(text.contains("IDEMP#"), "records were written");
    for secret in ["\"pw\"", "typo", "123456"] {
        assert!(!text.contains(secret), "{secret} stored");
    }
    // A refused login is not kept: the corrected retry with the same key runs afresh.
    let (s, refused, _) = run(post(
        "/nexus/links",
        "link-2",
        linked("user_bad_password", "pw"),
    ))
    .await;
    assert_eq!(
        (s, refused["status"].as_str()),
        (200, Some("failed")),
        "{refused}"
    );
    let (s, retried, replayed) = run(post(
        "/nexus/links",
        "link-2",
        linked("user_bad_password", "pw"),
    ))
    .await;
    assert_eq!((s, replayed), (200, false), "{retried}");
    // A wrong answer to a challenge is kept (the challenge is used up either way): a retry
    // with the same key gets the same outcome, not "already answered".
    let c = link(&t, &tok, "EdFinancial", "user_mfa").await;
    let id = c["challenge"]["id"].as_str().unwrap().to_string();
    let wrong = || {
        call("POST", "/nexus/links/challenge")
            .session(&tok)
            .header("idempotency-key", "answer-2")
            .json(json!({"challenge_id": id, "answer": "000000"}))
    };
    let (_, w1) = send(&t.ctx, nexus::links_challenge, wrong()).await;
    assert_eq!(w1["reason"], "challenge_failed", "{w1}");
    let (_, w2) = send(&t.ctx, nexus::links_challenge, wrong()).await;
    assert_eq!(w2, w1);
    // A session start does not use a key (a stored answer would hand out a live session token
    // again without the start's checks): it is ignored, and each start is a new session.
    let begin = || {
        call("POST", "/nexus/sessions")
            .auth(None)
            .header("idempotency-key", "start-1")
            .json(
                json!({"nexus_key": SANDBOX_NEXUS_KEY, "borrower": "idem-start", "origin": ORIGIN}),
            )
    };
    let (s1, one) = send(&t.ctx, nexus::sessions_create, begin()).await;
    let (s2, two) = send(&t.ctx, nexus::sessions_create, begin()).await;
    assert_eq!((s1, s2), (201, 201), "{one} {two}");
    assert_ne!(one["session_token"], two["session_token"]);
}
