//! Every response a test receives through [`crate::send`] is checked against the OpenAPI
//! document (`shared::api::openapi`): the status must be one the operation documents, and the
//! body must match that status's schema. A test that gets a wrong shape fails here even when
//! its own asserts pass. Every request body a handler accepts (2xx) must match the operation's
//! request schema too, and every response's `Content-Type` must be one the operation
//! documents for its status.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::{json, Value};
use shared::api::openapi::{operation_by_handler, strict_document, Operation};
use shared::api::routes::{table, Route};

/// What a validator checks: the response of one status, or the request body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Part {
    Response(u16),
    Request,
}

type Cache = Mutex<HashMap<(String, String, Part), Option<Arc<jsonschema::Validator>>>>;

static VALIDATORS: LazyLock<Cache> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The operation a handler (its `std::any::type_name`) serves and its route for `method`.
/// Handlers the document does not know (test closures) have none; neither does a method the
/// route does not take (the router answers those with 405 first).
fn routed(handler: &str, method: &str) -> Option<(&'static Operation, &'static Route)> {
    let op = operation_by_handler(handler)?;
    let route = table()
        .iter()
        .find(|r| r.function == op.function && r.method.eq_ignore_ascii_case(method))?;
    Some((op, route))
}

/// The schema for one part of an operation, compiled with the document's components (so the
/// `#/components/...` references resolve), or `None` when that part has no JSON body.
fn validator(op: &Operation, route: &Route, part: Part) -> Option<Arc<jsonschema::Validator>> {
    let key = (op.function.to_string(), route.method.clone(), part.clone());
    if let Some(v) = VALIDATORS.lock().unwrap().get(&key) {
        return v.clone();
    }
    let doc = strict_document();
    let operation = &doc["paths"][&route.path][route.method.to_ascii_lowercase()];
    let media = match part {
        Part::Request => &operation["requestBody"]["content"]["application/json"],
        Part::Response(status) => {
            let responses = &operation["responses"];
            let Some(resp) = responses.get(status.to_string()) else {
                let documented: Vec<&String> = responses
                    .as_object()
                    .map(|m| m.keys().collect())
                    .unwrap_or_default();
                panic!(
                    "{} {} ({}) answered {status}, which the OpenAPI document does not list \
                     (it lists {documented:?}): document it in shared/src/api/openapi/operations.rs",
                    route.method, route.path, op.function
                );
            };
            &resp["content"]["application/json"]
        }
    };
    let compiled = media
        .get("schema")
        .map(|schema| compile(schema, &format!("{} {part:?}", op.function)));
    VALIDATORS.lock().unwrap().insert(key, compiled.clone());
    compiled
}

/// A schema of the document, compiled with its components (so the `#/components/...`
/// references resolve), with formats checked.
fn compile(schema: &Value, what: &str) -> Arc<jsonschema::Validator> {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": strict_document()["components"],
        "allOf": [schema],
    });
    Arc::new(
        jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema of {what} does not compile: {e}")),
    )
}

/// The first ten ways `instance` breaks `v`, one per line.
fn problems(v: &jsonschema::Validator, instance: &Value) -> String {
    v.iter_errors(instance)
        .take(10)
        .map(|e| format!("  at {}: {e}", e.instance_path))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The function (its binary, as in template.yaml) that serves the handler `handler` (its
/// `std::any::type_name`) and the route's path for `method`, or `None` for a handler the
/// document does not know.
pub fn served_by(handler: &str, method: &str) -> Option<(&'static str, &'static str)> {
    routed(handler, method).map(|(op, route)| (op.function, route.path.as_str()))
}

/// Checks one response of the handler `handler` (its `std::any::type_name`).
pub fn check(handler: &str, method: &str, status: u16, body: &Value) {
    let Some((op, route)) = routed(handler, method) else {
        return;
    };
    match validator(op, route, Part::Response(status)) {
        Some(v) => {
            let errors = problems(&v, body);
            assert!(
                errors.is_empty(),
                "{method} {} answered {status} with a body that breaks its OpenAPI schema:\n{errors}\nbody: {}",
                op.function,
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

/// The response's `Content-Type` (without parameters) must be one of the media types the
/// operation documents for the status; a status documented without a body must send none.
pub fn check_content_type(handler: &str, method: &str, status: u16, content_type: Option<&str>) {
    let Some((op, route)) = routed(handler, method) else {
        return;
    };
    let doc = strict_document();
    let resp = &doc["paths"][&route.path][route.method.to_ascii_lowercase()]["responses"]
        [status.to_string()];
    let documented: Vec<&String> = resp["content"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let sent = content_type.map(|c| c.split(';').next().unwrap_or(c).trim().to_ascii_lowercase());
    match sent {
        Some(ct) => assert!(
            documented.iter().any(|d| d.eq_ignore_ascii_case(&ct)),
            "{method} {} answered {status} as {ct:?}; the OpenAPI document lists {documented:?}",
            op.function
        ),
        None => assert!(
            documented.is_empty(),
            "{method} {} answered {status} with no Content-Type; the OpenAPI document lists \
             {documented:?}",
            op.function
        ),
    }
}

/// A request the handler accepted (2xx) must match its operation's request schema: a schema
/// stricter than the parser, or a parser more lenient than the document, fails here.
pub fn check_request(handler: &str, method: &str, status: u16, body: Option<&str>) {
    if !(200..300).contains(&status) {
        return;
    }
    let (Some((op, route)), Some(text)) = (routed(handler, method), body) else {
        return;
    };
    let (Some(v), Ok(value)) = (
        validator(op, route, Part::Request),
        serde_json::from_str::<Value>(text),
    ) else {
        return;
    };
    let errors = problems(&v, &value);
    assert!(
        errors.is_empty(),
        "{method} {} accepted ({status}) a body that breaks its OpenAPI request schema:\n{errors}\nbody: {}",
        op.function,
        text.chars().take(2000).collect::<String>()
    );
}

/// Every request example the document shows, checked against its own request schema (a
/// generated client's docs, and schemathesis's first case, start from them): the problems
/// found, and how many examples were checked.
pub fn request_example_problems() -> (Vec<String>, usize) {
    use shared::api::openapi::{ReqBody, OPERATIONS};
    let (mut out, mut checked) = (Vec::new(), 0);
    for op in OPERATIONS {
        let ReqBody::Json(_, example) = op.body else {
            continue;
        };
        let example: Value = match serde_json::from_str(example) {
            Ok(v) => v,
            Err(e) => {
                out.push(format!("{}: the example is not JSON: {e}", op.function));
                continue;
            }
        };
        for route in table().iter().filter(|r| r.function == op.function) {
            match validator(op, route, Part::Request) {
                Some(v) => {
                    let errors = problems(&v, &example);
                    if !errors.is_empty() {
                        out.push(format!("{} {}:\n{errors}", route.method, op.function));
                    }
                }
                None => out.push(format!("{} has an example but no schema", op.function)),
            }
            checked += 1;
        }
    }
    (out, checked)
}

/// Checks a delivered webhook body against the document's `webhooks` entry for its
/// `event_type` (OpenAPI 3.1): every receiver in the tests calls it, so an event whose shape
/// drifts from the contract fails the test that received it.
pub fn check_webhook(body: &Value) {
    static EVENTS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let event_type = body["event_type"].as_str().unwrap_or_default().to_string();
    let validator = {
        let mut cache = EVENTS.lock().unwrap();
        cache
            .entry(event_type.clone())
            .or_insert_with(|| {
                let doc = strict_document();
                let schema = &doc["webhooks"][&event_type]["post"]["requestBody"]["content"]
                    ["application/json"]["schema"];
                assert!(
                    schema.is_object(),
                    "the OpenAPI document has no webhook {event_type:?}"
                );
                compile(schema, &event_type)
            })
            .clone()
    };
    let errors = problems(&validator, body);
    assert!(
        errors.is_empty(),
        "a delivered {event_type} breaks its OpenAPI webhook schema:\n{errors}\nbody: {body}"
    );
    // The same body parses as the WebhookEvent union that code generators read.
    static UNION: LazyLock<Arc<jsonschema::Validator>> = LazyLock::new(|| {
        compile(
            &json!({"$ref": "#/components/schemas/WebhookEvent"}),
            "WebhookEvent",
        )
    });
    let errors = problems(&UNION, body);
    assert!(
        errors.is_empty(),
        "a delivered {event_type} breaks the WebhookEvent component:\n{errors}\nbody: {body}"
    );
}
