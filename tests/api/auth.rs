use loanpath_tests::{app, call, send, SANDBOX_NEXUS_KEY};
use serde_json::json;
use shared::api::borrowers::{create, get, list};
use shared::api::health;

#[tokio::test]
async fn the_three_payitoff_401_bodies() {
    let t = app().await;
    let cases = [
        (None, "Please include an authorization header."),
        (
            Some("LIVELONGANDPROSPER"),
            "Please include a Bearer token in your header.",
        ),
        (
            Some("Basic dXNlcjpwYXNz"),
            "Please include a Bearer token in your header.",
        ),
        (
            Some("Bearer "),
            "Please include a Bearer token in your header.",
        ),
        (
            Some("Bearer WRONG"),
            "Invalid token. Please check and try again.",
        ),
        (
            Some("Bearer GIVINGHERALLSHESGOT"),
            "Invalid token. Please check and try again.",
        ),
    ];
    for (header, detail) in cases {
        let (s, body) = send(&t.ctx, list, call("GET", "/api/v1/borrowers").auth(header)).await;
        assert_eq!(s, 401, "{header:?}");
        assert_eq!(
            body,
            json!({"error": {"title": "Unauthorized", "detail": detail}}),
            "{header:?}"
        );
    }
    // The scheme is case-insensitive, as in RFC 7235.
    let (s, _) = send(
        &t.ctx,
        list,
        call("GET", "/").auth(Some("bearer LIVELONGANDPROSPER")),
    )
    .await;
    assert_eq!(s, 200);
    // Writes are refused before anything is read or written.
    let (s, _) = send(
        &t.ctx,
        create,
        call("POST", "/").auth(None).json(json!({"borrower": {}})),
    )
    .await;
    assert_eq!(s, 401);
    let (_, all) = send(&t.ctx, list, call("GET", "/")).await;
    assert_eq!(all["borrowers"], json!([]));
    let _ = SANDBOX_NEXUS_KEY;
}

#[tokio::test]
async fn admin_clients_keys_are_hashed_shown_once_and_revocable() {
    let t = app().await;
    let c = t
        .ctx
        .store
        .create_client("Acme Fintech", None, shared::model::ClientMode::Live)
        .await
        .unwrap();
    assert!(c.api_key.starts_with("lp_sk_") && c.nexus_key.starts_with("lp_nx_"));
    let (s, _) = send(
        &t.ctx,
        create,
        call("POST", "/")
            .key(&c.api_key)
            .json(json!({"borrower": {"first_name": "Acme"}})),
    )
    .await;
    assert_eq!(s, 201);

    let listed = t.ctx.store.list_clients().await.unwrap();
    let text = serde_json::to_string(
        &listed
            .iter()
            .map(|(c, k)| json!({"c": c, "k": k}))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        !text.contains(&c.api_key) && !text.contains(&c.nexus_key),
        "key material listed"
    );
    let acme = listed
        .iter()
        .find(|(cl, _)| cl.client_id == c.client_id)
        .unwrap();
    assert_eq!(acme.0.name, "Acme Fintech");
    assert_eq!(acme.1.len(), 2);
    // Nothing in the table holds the key itself.
    let raw = t
        .ctx
        .store
        .collection(&format!("CLIENT#{}", c.client_id))
        .await
        .unwrap();
    assert!(!format!("{raw:?}").contains(&c.api_key));

    let revoked = t.ctx.store.revoke_key(&c.api_key_id).await.unwrap();
    assert!(revoked.revoked);
    let (s, body) = send(&t.ctx, list, call("GET", "/").key(&c.api_key)).await;
    assert_eq!(s, 401);
    assert_eq!(
        body["error"]["detail"],
        "Invalid token. Please check and try again."
    );
    let listed = t.ctx.store.list_clients().await.unwrap();
    let acme = listed
        .iter()
        .find(|(cl, _)| cl.client_id == c.client_id)
        .unwrap();
    assert!(acme.1.iter().any(|k| k.key_id == c.api_key_id && k.revoked));
    // Revoking by the key itself works too; unknown keys are not found.
    let other = t
        .ctx
        .store
        .create_client("Beta", None, shared::model::ClientMode::Live)
        .await
        .unwrap();
    t.ctx.store.revoke_key(&other.api_key).await.unwrap();
    let (s, _) = send(&t.ctx, list, call("GET", "/").key(&other.api_key)).await;
    assert_eq!(s, 401);
    assert!(t
        .ctx
        .store
        .revoke_key("key_0000000000000000")
        .await
        .is_err());
}

#[tokio::test]
async fn health_needs_no_key_and_reports_readiness() {
    let t = app().await;
    let (s, body) = send(
        &t.ctx,
        health::get,
        call("GET", "/api/v1/health").auth(None),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(body["status"], "ok");
    // Against a table that does not exist, health says 503, not 200 and not a panic.
    let broken = shared::AppContext::new(
        loanpath_tests::client(&t.endpoint),
        "missing-table",
        loanpath_tests::test_cipher(),
    );
    let (s, body) = send(&broken, health::get, call("GET", "/api/v1/health")).await;
    assert_eq!(s, 503, "{body}");
    let (s, _) = send(&broken, get, call("GET", "/").id(1)).await;
    assert_eq!(s, 500, "a store failure is a 500 with a generic body");
}

#[tokio::test]
async fn reference_data_is_served_with_sources() {
    use shared::api::reference;
    let t = app().await;
    let (s, body) = send(
        &t.ctx,
        reference::loan_types,
        call("GET", "/api/v1/loan_types"),
    )
    .await;
    assert_eq!(s, 200);
    let d2 = body["loan_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "D2")
        .unwrap();
    assert_eq!(d2["federal"], true);
    assert!(d2["source"].as_str().unwrap().len() > 5);
    let (_, plans) = send(&t.ctx, reference::repayment_plans, call("GET", "/")).await;
    let types: Vec<&str> = plans["repayment_plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    for want in [
        "standard",
        "ibr",
        "new_ibr",
        "paye",
        "icr",
        "repaye",
        "save",
        "rap",
        "tiered_standard",
    ] {
        assert!(types.contains(&want), "{want}");
    }
    let (_, statuses) = send(&t.ctx, reference::loan_statuses, call("GET", "/")).await;
    assert!(statuses["loan_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["code"] == "RP"));
    let (_, servicers) = send(&t.ctx, reference::servicers, call("GET", "/")).await;
    assert!(servicers["servicers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "MOHELA"));
    let (s, _) = send(&t.ctx, reference::servicers, call("GET", "/").auth(None)).await;
    assert_eq!(s, 401);
}

/// Issue 12: seeding a client with given keys used to treat any conflict as success, so a key
/// that belonged to another client was reported as this one's.
#[tokio::test]
async fn a_given_key_that_belongs_to_another_client_is_a_conflict() {
    let t = loanpath_tests::app().await;
    // The seed again, as it was: fine.
    t.ctx
        .store
        .create_client(
            "Sandbox",
            Some((
                "sandbox-client",
                loanpath_tests::SANDBOX_KEY,
                loanpath_tests::SANDBOX_NEXUS_KEY,
            )),
            shared::model::ClientMode::Sandbox,
        )
        .await
        .unwrap();
    // Another client claiming the sandbox's API key: refused.
    let e = t
        .ctx
        .store
        .create_client(
            "Thief",
            Some(("thief-client", loanpath_tests::SANDBOX_KEY, "THIEF-NEXUS")),
            shared::model::ClientMode::Sandbox,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, shared::ApiError::Conflict(_)), "{e:?}");
    // The key still opens the sandbox client only.
    let tenant = t
        .ctx
        .store
        .authenticate(Some(&format!("Bearer {}", loanpath_tests::SANDBOX_KEY)))
        .await
        .unwrap();
    assert_eq!(tenant.client_id, "sandbox-client");
    // A seeded key that was revoked is not seeded back into use.
    let keys = t.ctx.store.list_clients().await.unwrap();
    let api_key_id = keys
        .iter()
        .find(|(c, _)| c.client_id == "sandbox-client")
        .unwrap()
        .1
        .iter()
        .find(|k| k.kind == shared::model::KeyKind::Api)
        .unwrap()
        .key_id
        .clone();
    t.ctx.store.revoke_key(&api_key_id).await.unwrap();
    let e = t
        .ctx
        .store
        .create_client(
            "Sandbox",
            Some((
                "sandbox-client",
                loanpath_tests::SANDBOX_KEY,
                loanpath_tests::SANDBOX_NEXUS_KEY,
            )),
            shared::model::ClientMode::Sandbox,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        shared::ApiError::Conflict(
            "The api key given for client sandbox-client was revoked.".into()
        )
    ); // Keys whose client record is gone belong to nothing: not a successful seed either.
    let seed = || {
        t.ctx.store.create_client(
            "Gone",
            Some(("gone-client", "GONE-API-KEY", "GONE-NEXUS-KEY")),
            shared::model::ClientMode::Sandbox,
        )
    };
    seed().await.unwrap();
    t.ctx
        .store
        .db_client()
        .delete_item()
        .table_name(t.ctx.store.table_name())
        .key("PK", shared::store::s("CLIENT#gone-client"))
        .key("SK", shared::store::s("CLIENT"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        seed().await.unwrap_err(),
        shared::ApiError::Conflict(
            "Client gone-client has no client record; its keys belong to nothing.".into()
        )
    );
}

/// Issue 11 §6: a verified key is trusted for up to 30 s in the warm function, so most
/// requests read nothing to authenticate; a revocation through the same store applies at once,
/// and another process's revocation within the cache's 30 s.
#[tokio::test]
async fn verified_keys_are_cached_briefly_and_a_revocation_clears_them() {
    let t = app().await;
    let c = t
        .ctx
        .store
        .create_client("Cached", None, shared::model::ClientMode::Sandbox)
        .await
        .unwrap();
    let (s, _) = send(&t.ctx, list, call("GET", "/").key(&c.api_key)).await;
    assert_eq!(s, 200);
    // The key's lookup item disappears behind the cache's back (another process revoking it):
    // the warm function keeps answering until the entry expires.
    let hash = shared::crypto::hash_key(&c.api_key);
    t.ctx
        .store
        .db_client()
        .delete_item()
        .table_name(t.ctx.store.table_name())
        .key("PK", shared::store::s(format!("APIKEY#{hash}")))
        .key("SK", shared::store::s("APIKEY"))
        .send()
        .await
        .unwrap();
    let (s, _) = send(&t.ctx, list, call("GET", "/").key(&c.api_key)).await;
    assert_eq!(s, 200, "served from the cache");
    // A cold function (a fresh store on the same table) reads the table: the key is gone.
    let cold = shared::store::Store::new(t.ctx.store.db_client().clone(), t.ctx.store.table_name());
    assert!(cold
        .authenticate(Some(&format!("Bearer {}", c.api_key)))
        .await
        .is_err());
    // Forgetting the cache (what a revocation here does) makes the warm function read again.
    t.ctx.store.forget_cached_keys();
    let (s, _) = send(&t.ctx, list, call("GET", "/").key(&c.api_key)).await;
    assert_eq!(s, 401);
}

/// Issue 12 §4: a key item of a kind the code does not know authenticates nothing (it used to
/// count as an API key).
#[tokio::test]
async fn a_key_of_an_unknown_kind_opens_nothing() {
    let t = app().await;
    let c = t
        .ctx
        .store
        .create_client("Kinds", None, shared::model::ClientMode::Sandbox)
        .await
        .unwrap();
    let pk = format!("APIKEY#{}", shared::crypto::hash_key(&c.api_key));
    t.ctx
        .store
        .db_client()
        .update_item()
        .table_name(t.ctx.store.table_name())
        .key("PK", shared::store::s(&pk))
        .key("SK", shared::store::s("APIKEY"))
        .update_expression("SET kind = :k")
        .expression_attribute_values(":k", shared::store::s("admin"))
        .send()
        .await
        .unwrap();
    let (s, body) = send(&t.ctx, list, call("GET", "/").key(&c.api_key)).await;
    assert_eq!(s, 401, "{body}");
    assert_eq!(
        body["error"]["detail"],
        "Invalid token. Please check and try again."
    );
}
