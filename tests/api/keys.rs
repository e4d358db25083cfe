//! Issue 12 §2: the keyring. Values carry their key id, a new key is added while old data
//! still opens, `rotate-keys` re-seals everything with it, and then the old key can go. The
//! keyring is read from Secrets Manager (moto) at cold start.

use loanpath_tests::{app_with_queue, call, receiver, send};
use serde_json::json;
use shared::api::{borrowers, webhooks};
use shared::crypto::SsnCipher;
use shared::store::attr;
use shared::AppContext;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake but well-headed";

#[tokio::test]
async fn a_new_key_is_added_everything_is_resealed_and_the_old_key_goes() {
    let t = app_with_queue().await;
    let rx = receiver(vec![]).await;
    // Data sealed under the single test key (k0).
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"ssn": "219-09-9999",
            "income_certification": {"type": "pay_stub",
                "file": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, PNG)}}})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (s, w) = send(
        &t.ctx,
        webhooks::create,
        call("POST", "/").json(json!({"url": rx.url})),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    let uuid = b["uuid"].as_str().unwrap().to_string();
    let profile = || async {
        t.ctx
            .store
            .get(&format!("BORROWER#{uuid}"), "PROFILE")
            .await
            .unwrap()
            .unwrap()
    };
    let before = profile().await;
    assert!(attr(&before, "ssn_sealed").unwrap().starts_with("v2:k0:"));

    // The operator adds a key: the ring holds both, the new one active.
    let old_text = "42".repeat(32);
    let ring_text = SsnCipher::add_key_text(&old_text).unwrap();
    let ring = SsnCipher::from_key_text(&ring_text).unwrap();
    assert_eq!(ring.active_key_id(), "k1");
    let with_ring = AppContext::new(
        t.ctx.store.db_client().clone(),
        t.ctx.store.table_name(),
        ring.clone(),
    )
    .with_documents(t.ctx.documents().unwrap().clone());
    let r = shared::rotation::rotate(&with_ring).await.unwrap();
    assert_eq!(
        (r.ssns, r.webhook_secrets, r.documents, r.failed.len()),
        (1, 1, 1, 0),
        "{r:?}"
    );
    assert_eq!(r.active_key, "k1");
    // A second run has nothing to do.
    let again = shared::rotation::rotate(&with_ring).await.unwrap();
    assert_eq!(
        (again.ssns, again.webhook_secrets, again.documents),
        (0, 0, 0)
    );
    assert!(again.already_current >= 3);

    // The old key is removed: everything opens with the new key alone.
    let ring_json: serde_json::Value = serde_json::from_str(&ring_text).unwrap();
    let only_new = SsnCipher::from_key_text(
        &json!({"active": "k1", "keys": {"k1": ring_json["keys"]["k1"]}}).to_string(),
    )
    .unwrap();
    let after = profile().await;
    let sealed = attr(&after, "ssn_sealed").unwrap();
    assert!(sealed.starts_with("v2:k1:"));
    assert_eq!(only_new.open(sealed, &uuid).unwrap(), "219099999");
    let hooks = t
        .ctx
        .store
        .collection(&format!("CLIENT#{}", "sandbox-client"))
        .await
        .unwrap();
    let hook = hooks
        .iter()
        .find(|i| attr(i, "SK").is_some_and(|sk| sk.starts_with("WEBHOOK#")))
        .unwrap();
    let id = attr(hook, "SK").unwrap().strip_prefix("WEBHOOK#").unwrap();
    assert_eq!(
        only_new
            .open(
                attr(hook, "secret_sealed").unwrap(),
                &format!("webhook:{id}")
            )
            .unwrap(),
        w["secret"].as_str().unwrap()
    );
    let certs = t
        .ctx
        .store
        .collection(&format!("BORROWER#{uuid}"))
        .await
        .unwrap();
    let key = certs.iter().find_map(|i| attr(i, "object_key")).unwrap();
    let doc = t.ctx.documents().unwrap().get(key).await.unwrap().unwrap();
    assert_eq!(only_new.open_bytes(&doc, key).unwrap(), PNG);
    // And the old key alone can no longer open any of it.
    let old = SsnCipher::from_key_text(&old_text).unwrap();
    assert!(old.open(sealed, &uuid).is_err());
}

#[tokio::test]
async fn the_keyring_is_read_from_secrets_manager() {
    let conf = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
        .endpoint_url(loanpath_tests::sqs_endpoint())
        .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build();
    let sm = aws_sdk_secretsmanager::Client::from_conf(conf);
    let name = format!("loanpath-keyring-{}", uuid::Uuid::new_v4().simple());
    let ring = SsnCipher::add_key_text(&SsnCipher::generate_key_text()).unwrap();
    sm.create_secret()
        .name(&name)
        .secret_string(&ring)
        .send()
        .await
        .unwrap();
    let c = shared::context::cipher_from_secret(&sm, &name)
        .await
        .unwrap();
    assert_eq!(c.active_key_id(), "k1");
    let sealed = c.seal("219099999", "b");
    assert_eq!(
        SsnCipher::from_key_text(&ring)
            .unwrap()
            .open(&sealed, "b")
            .unwrap(),
        "219099999"
    );
    // A missing secret fails the cold start with the SDK's reason, never a key.
    let e = shared::context::cipher_from_secret(&sm, "no-such-secret")
        .await
        .unwrap_err();
    assert!(
        e.to_string().starts_with("reading the keyring secret"),
        "{e}"
    );
}
