//! Every response a test receives through [`crate::send`] is checked against the OpenAPI
//! document (`shared::api::openapi`): the status must be one the operation documents, and the
//! body must match that status's schema. A test that gets a wrong shape fails here even when
//! its own asserts pass.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::{json, Value};
use shared::api::openapi::{document, operation_by_handler};
use shared::api::routes::table;

type Cache = Mutex<HashMap<(String, String, u16), Option<Arc<jsonschema::Validator>>>>;

static VALIDATORS: LazyLock<Cache> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The schema for one documented response, compiled with the document's components (so the
/// `#/components/...` references resolve), or `None` when it has no JSON body.
fn validator(function: &str, method: &str, status: u16) -> Option<Arc<jsonschema::Validator>> {
    let key = (function.to_string(), method.to_string(), status);
    if let Some(v) = VALIDATORS.lock().unwrap().get(&key) {
        return v.clone();
    }
    let doc = document();
    let route = table()
        .iter()
        .find(|r| r.function == function && r.method.eq_ignore_ascii_case(method))
        .unwrap_or_else(|| panic!("{function} has no {method} route"));
    let responses = &doc["paths"][&route.path][method.to_ascii_lowercase()]["responses"];
    let Some(resp) = responses.get(status.to_string()) else {
        let documented: Vec<&String> = responses
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        panic!(
            "{method} {} ({function}) answered {status}, which the OpenAPI document does not list \
             (it lists {documented:?}): document it in shared/src/api/openapi/operations.rs",
            route.path
        );
    };
    let compiled = resp["content"]["application/json"]
        .get("schema")
        .map(|schema| {
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"],
                "allOf": [schema],
            });
            Arc::new(
                jsonschema::options()
                    .should_validate_formats(true)
                    .build(&root)
                    .unwrap_or_else(|e| {
                        panic!("the schema of {function} {status} does not compile: {e}")
                    }),
            )
        });
    VALIDATORS.lock().unwrap().insert(key, compiled.clone());
    compiled
}

/// Checks one response of the handler `handler` (its `std::any::type_name`). Handlers the
/// document does not know (test closures) are not checked; neither are 405s a handler gives
/// for a method its route does not take (the router answers those first).
pub fn check(handler: &str, method: &str, status: u16, body: &Value) {
    let Some(op) = operation_by_handler(handler) else {
        return;
    };
    let routed = table()
        .iter()
        .any(|r| r.function == op.function && r.method.eq_ignore_ascii_case(method));
    if !routed {
        return;
    }
    match validator(op.function, method, status) {
        Some(v) => {
            let errors: Vec<String> = v
                .iter_errors(body)
                .take(10)
                .map(|e| format!("  at {}: {e}", e.instance_path))
                .collect();
            assert!(
                errors.is_empty(),
                "{method} {} answered {status} with a body that breaks its OpenAPI schema:\n{}\nbody: {}",
                op.function,
                errors.join("\n"),
                body.to_string().chars().take(2000).collect::<String>()
            );
        }
        None => assert!(
            body.is_null() || status == 200 && !body.is_object(),
            "{} {status} documents no JSON body but answered {body}",
            op.function
        ),
    }
}

/// A request the handler accepted (2xx) must match its operation's request schema: a schema
/// stricter than the parser, or a parser more lenient than the document, fails here.
pub fn check_request(handler: &str, method: &str, status: u16, body: Option<&str>) {
    let (Some(op), Some(text)) = (operation_by_handler(handler), body) else {
        return;
    };
    if !(200..300).contains(&status) {
        return;
    }
    let Some(route) = table()
        .iter()
        .find(|r| r.function == op.function && r.method.eq_ignore_ascii_case(method))
    else {
        return;
    };
    let doc = document();
    let Some(schema) = doc["paths"][&route.path][method.to_ascii_lowercase()]["requestBody"]
        ["content"]["application/json"]
        .get("schema")
    else {
        return;
    };
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| {
            panic!(
                "the request schema of {} does not compile: {e}",
                op.function
            )
        });
    let errors: Vec<String> = v
        .iter_errors(&value)
        .take(10)
        .map(|e| format!("  at {}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {} accepted ({status}) a body that breaks its OpenAPI request schema:\n{}\nbody: {}",
        op.function,
        errors.join("\n"),
        text.chars().take(2000).collect::<String>()
    );
}
