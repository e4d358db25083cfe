//! Loanpath's domain crate: model, validation, single-table store, auth, errors, HTTP helpers
//! and handlers. Every function in `functions/` is a thin `main` over this crate.
//!
//! `model` (and later `rules`) hold no AWS types; `store` is the DynamoDB adapter.

/// Every binary that links this crate (the functions, the tool, the tests) allocates with
/// mimalloc: the request path allocates a great deal (items, JSON), and the system allocator was
/// about a quarter of its CPU profile (docs/benchmarks.md, "Request-path benchmark").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod api;
pub mod assessment;
pub mod aws;
pub mod borrowers;
pub mod concurrency;
pub mod context;
pub mod crypto;
pub mod documents;
pub mod employers;
pub mod enrollments;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod lambda;
pub mod loans;
pub mod logging;
pub mod model;
pub mod money;
pub mod mystudentdata;
pub mod nexus;
pub mod reference;
pub mod rotation;
pub mod rules;
pub mod store;
pub mod sync;
pub mod table;
pub mod webhooks;

pub use context::AppContext;
pub use error::ApiError;

/// Issue 12: every type that holds an SSN, a document, a key or a credential in clear writes
/// its `Debug` by hand, so a `{:?}` in a log line can never print one.
#[cfg(test)]
mod secrets_in_debug {
    #[test]
    fn no_secret_type_prints_its_secret() {
        let ssn_text = "219099999";
        let ssn = crate::model::payload::parse_borrower_payload(
            serde_json::json!({"ssn": "219-09-9999"})
                .as_object()
                .unwrap(),
        )
        .unwrap()
        .ssn;
        let key_text = crate::crypto::SsnCipher::generate_key_text();
        let cipher = crate::crypto::SsnCipher::from_key_text(&key_text).unwrap();
        let client = crate::store::clients::NewClient {
            client_id: "c".into(),
            name: "n".into(),
            api_key: "lp_sk_SECRETAPIKEY".into(),
            api_key_id: "key_1".into(),
            nexus_key: "lp_nx_SECRETNEXUSKEY".into(),
            nexus_key_id: "key_2".into(),
            mode: crate::model::ClientMode::Sandbox,
        };
        let password = crate::nexus::Secret::new("hunter2-password");
        let printed = [
            format!("{ssn:?}"),
            format!("{cipher:?}"),
            format!("{client:?}"),
            format!("{password:?}"),
        ]
        .join("\n");
        for secret in [
            ssn_text,
            key_text.as_str(),
            "SECRETAPIKEY",
            "SECRETNEXUSKEY",
            "hunter2",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("key_1"), "ids stay visible: {printed}");
    }
}
