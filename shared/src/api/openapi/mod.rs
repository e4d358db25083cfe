//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route.
//!
//! It is assembled here from three sources, so that it cannot describe a route that does not
//! exist or miss one that does:
//! - the paths and methods come from the route table ([`super::routes::table`]), the one list
//!   API Gateway's template, `cargo lambda watch` and the local servers also serve;
//! - each route's function has one [`Operation`] in [`operations::OPERATIONS`]: its handler,
//!   auth, parameters, body and responses (a test fails when a route has none, or one has no
//!   route);
//! - the response schemas (JSON Schema 2020-12, as OpenAPI 3.1 uses it) are derived from the
//!   Rust types that write each response ([`derived`]); the request payloads, which are read
//!   field by field to name each bad field, are written in `components.json`, and a test holds
//!   each one's fields to its parser's; a component is in one place only.
//!
//! What keeps the schemas true to the code: every response the integration tests receive is
//! validated against the operation's documented status and schema (tests/src/contract.rs), and
//! schemathesis runs every operation against `loanpath serve` in `scripts/test`. The checked-in
//! `docs/openapi.json` must equal [`document`] (a test compares them;
//! `LOANPATH_WRITE_OPENAPI=1 cargo test -p loanpath-shared openapi` rewrites it).

pub mod derived;
pub mod operations;

use std::sync::LazyLock;

use lambda_http::{http::header::CONTENT_TYPE, Body, Request, Response};
use serde_json::{json, Map, Value};

use super::routes::{table, Route};
use crate::context::AppContext;
pub use operations::{Auth, Operation, ReqBody, OPERATIONS};

/// The function that serves the document.
pub const FUNCTION: &str = "openapi-get";

/// The operation that a function's handler serves.
pub fn operation(function: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.function == function)
}

/// The operation whose handler is `handler` (a path such as `shared::api::borrowers::get`,
/// matched on its last segments, as `std::any::type_name` prints it).
pub fn operation_by_handler(handler: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|o| handler.ends_with(o.handler.trim_start_matches("shared")))
}

fn error_ref() -> Value {
    json!({"$ref": "#/components/schemas/Error"})
}

fn response(description: &str, schema: Option<Value>, media: &str) -> Value {
    let mut r = json!({
        "description": description,
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
    });
    if let Some(s) = schema {
        r["content"] = json!({ media: {"schema": s} });
    }
    r
}

fn error_response(status: u16, description: &str) -> Value {
    let mut r = response(description, Some(error_ref()), "application/json");
    if status == 405 {
        r["headers"]["Allow"] = json!({"$ref": "#/components/headers/Allow"});
    }
    r
}

/// The error statuses an operation can answer, with what each means there.
fn errors(op: &Operation, route: &Route) -> Vec<(u16, String)> {
    // The operation's own reasons first: they win over the generic ones below.
    let mut e: Vec<(u16, String)> = op
        .errors
        .iter()
        .map(|(s, why)| (*s, (*why).to_string()))
        .collect();
    let json_body = matches!(op.body, ReqBody::Json(..));
    if json_body {
        e.push((
            400,
            "The body is empty, not JSON, or not a JSON object.".into(),
        ));
    } else if op.function == "portfolio-get" {
        e.push((
            400,
            "The borrower is named by its integer id: the Portfolio API takes its uuid only."
                .into(),
        ));
    } else if route.path.contains('{') {
        e.push((400, "A path parameter is missing.".into()));
    }
    match op.auth {
        Auth::Secret => e.push((
            401,
            "No API key, an unknown or revoked key, or a Nexus (public) key.".into(),
        )),
        Auth::Nexus => e.push((401, "No key, or not a Nexus key of yours.".into())),
        Auth::Session => e.push((401, "No session token, or an expired one.".into())),
        Auth::None => {}
    }
    if route.path.contains('{') {
        e.push((
            404,
            "No such resource of yours (another client's id answers the same).".into(),
        ));
    }
    if route.method == "POST" {
        e.push((
            409,
            "Conflict: see the detail (the state forbids it, or a request with the same Idempotency-Key is still running).".into(),
        ));
    }
    if json_body {
        e.push((413, "The body is over 6,000,000 bytes.".into()));
        e.push((415, "The body is not sent as application/json.".into()));
    }
    e.push((
        422,
        "Invalid input: `error.fields` names each field (or query parameter) and its problem."
            .into(),
    ));
    e.push((
        500,
        "Our failure (never your input): the detail says nothing more; retry later.".into(),
    ));
    if op.auth != Auth::None || route.method != "GET" {
        e.push((503, "The service is busy; retry with backoff.".into()));
    }
    e.sort_by_key(|(s, _)| *s); // stable
    e.dedup_by_key(|(s, _)| *s);
    e
}

fn path_parameters(op: &Operation, path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let description = match name {
                // The Portfolio API (v1.0.1) names borrowers by uuid only; an integer id is a 400.
                "id" if op.function == "portfolio-get" => {
                    "The borrower's uuid (the Portfolio API takes no integer id: that is a 400)."
                }
                "id" => "The borrower's integer id or its uuid.",
                "loan_id" => "The loan's integer id or its uuid.",
                "enrollment_id" => "The enrollment's integer id or its uuid.",
                "webhook_id" => "The webhook endpoint's id (we_...).",
                _ => "An id.",
            };
            // The Portfolio API (v1.0.1) names borrowers by uuid only; an integer id is a 400.
            let schema = if name == "id" && op.function == "portfolio-get" {
                json!({"type": "string", "format": "uuid"})
            } else {
                json!({"type": "string", "minLength": 1, "maxLength": 100})
            };
            json!({"name": name, "in": "path", "required": true, "description": description,
                   "schema": schema})
        })
        .collect()
}

fn operation_object(op: &Operation, route: &Route, operation_id: &str) -> Value {
    let mut params = path_parameters(op, &route.path);
    for p in op.query {
        params.push(json!({
            "name": p.name, "in": "query", "required": p.required,
            "description": p.description,
            "schema": if p.schema == operations::STATE_CODE {
                state_param_schema()
            } else {
                serde_json::from_str::<Value>(p.schema).expect("query schema is JSON")
            },
        }));
    }
    // Every POST takes one but the Nexus session start (its answer is a live session token).
    if route.method == "POST" && op.function != "nexus-sessions-create" {
        params.push(json!({"$ref": "#/components/parameters/Idempotency-Key"}));
    }
    let mut o = json!({
        "operationId": operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "description": op.description,
    });
    if !params.is_empty() {
        o["parameters"] = Value::Array(params);
    }
    match op.auth {
        Auth::Secret => o["security"] = json!([{"secretKey": []}]),
        // The public Nexus key travels in the body (`nexus_key`) or the page's query, not in a
        // header: no security scheme describes it.
        Auth::Nexus => o["security"] = json!([]),
        Auth::Session => o["security"] = json!([{"nexusSession": []}]),
        Auth::None => o["security"] = json!([]),
    }
    match &op.body {
        ReqBody::None => {}
        ReqBody::Json(schema, example) => {
            let mut media = json!({"schema": {"$ref": format!("#/components/schemas/{schema}")}});
            if !example.is_empty() {
                media["example"] = serde_json::from_str(example).expect("example is JSON");
            }
            o["requestBody"] = json!({"required": true, "content": {"application/json": media}});
        }
        ReqBody::Binary(types) => {
            let content: Map<String, Value> = types
                .iter()
                .map(|t| {
                    (
                        (*t).to_string(),
                        json!({"schema": {"type": "string", "contentMediaType": t}}),
                    )
                })
                .collect();
            o["requestBody"] = json!({"required": true, "content": content});
        }
    }
    let mut responses = Map::new();
    for ok in op.ok {
        let schema = match ok.schema {
            "" => None,
            s if s.starts_with('{') || s.starts_with('[') => {
                Some(serde_json::from_str(s).expect("inline schema is JSON"))
            }
            s => Some(json!({"$ref": format!("#/components/schemas/{s}")})),
        };
        let mut r = response(ok.description, schema, ok.media);
        if route.method == "POST" {
            r["headers"]["Idempotent-Replayed"] =
                json!({"$ref": "#/components/headers/Idempotent-Replayed"});
        }
        responses.insert(ok.status.to_string(), r);
    }
    for (status, why) in errors(op, route) {
        responses.insert(status.to_string(), error_response(status, &why));
    }
    o["responses"] = Value::Object(responses);
    o
}

/// `closed`: the response objects as the code writes them, each with
/// `additionalProperties: false`, so a test that receives a field the type does not declare
/// fails. The published document is open (`closed` false): a response may gain a field in a
/// later version, and a client generated from the document must not refuse it.
fn build(closed: bool) -> Value {
    let mut paths = Map::new();
    // Operation ids are unique (OpenAPI requires it): a function's first route has its name;
    // another method of it adds the method (`borrowers-update-patch`), another path of it
    // `-alias` (`pslf-employers-search-alias`).
    let mut first_method: std::collections::HashMap<&str, &str> = Default::default();
    for route in table() {
        let Some(op) = operation(&route.function) else {
            continue;
        };
        let id = match first_method.get(route.function.as_str()) {
            None => {
                first_method.insert(&route.function, &route.method);
                op.function.to_string()
            }
            Some(m) if *m != route.method => {
                format!("{}-{}", op.function, route.method.to_ascii_lowercase())
            }
            Some(_) => format!("{}-alias", op.function),
        };
        let item = paths.entry(route.path.clone()).or_insert_with(|| json!({}));
        item[route.method.to_ascii_lowercase()] = operation_object(op, route, &id);
    }
    let mut components: Value =
        serde_json::from_str(include_str!("components.json")).expect("components.json is JSON");
    enums_from_code(&mut components);
    let data = components
        .as_object_mut()
        .expect("components.json is an object");
    // What the API writes: the responses (derived from their types) and the webhook envelopes.
    let (webhooks, envelopes) = webhooks();
    for (name, mut schema) in derived::components().into_iter().chain(envelopes) {
        if !closed {
            open_objects(&mut schema);
        }
        // A component lives in one place: derived from its type, or written in the file.
        assert!(
            data.insert(name.clone(), schema).is_none(),
            "{name} is defined twice (derived from a Rust type, built here, or in components.json)"
        );
    }
    // borrower.delinquent's borrower: the Borrower without its financial details.
    let mut without = components["Borrower"].clone();
    if let Some(p) = without["properties"].as_object_mut() {
        p.remove("financial_details");
        p.remove("warnings");
    }
    if let Some(r) = without["required"].as_array_mut() {
        r.retain(|f| f != "financial_details");
    }
    without["description"] = json!("The Borrower, without its financial details.");
    components["BorrowerWithoutFinancials"] = without;
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Loanpath API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Federal student loans: borrowers, loans, assessments under the law in force on any date, Nexus account linking, enrollments and signed webhooks.",
            "description": "Wire-compatible with the Payitoff API v1: code written for Payitoff's v1 sandbox works with only the base URL changed. Every error answers `{\"error\": {\"title\", \"detail\"}}`, with `fields` on a 422. Every POST takes an `Idempotency-Key` (`POST /nexus/sessions` ignores one). Money is a JSON number or a plain decimal string, in whole cents; rates are percents. A response object may gain fields in a later version: ignore the ones you do not know.",
        },
        "servers": [{"url": "/", "description": "This deployment"}],
        "tags": [
            {"name": "Borrowers", "description": "Your borrowers: identity, contact and the financial details an assessment reads."},
            {"name": "Loans", "description": "A borrower's federal loans, as LoanPayloads or a MyStudentData.txt file, and the Portfolio."},
            {"name": "Assessments", "description": "Repayment and Forgiveness Options under the law in force on any date."},
            {"name": "Enrollments", "description": "Enrollment Requests into a repayment plan, their lifecycle and income documents."},
            {"name": "Webhooks", "description": "Signed event deliveries to your endpoints."},
            {"name": "Employers", "description": "The PSLF and Teacher Loan Forgiveness employer lists."},
            {"name": "Reference", "description": "Loan types, loan statuses, repayment plans and servicers."},
            {"name": "Nexus", "description": "The drop-in widget's routes: sessions, servicer links, assess and enroll. Started with your public Nexus key (in the body) or an init token."},
            {"name": "Sandbox", "description": "Sandbox clients only: move a borrower's clock."},
            {"name": "Meta", "description": "Health and this document."},
        ],
        "paths": paths,
        "webhooks": webhooks,
        "components": {
            "securitySchemes": {
                "secretKey": {"type": "http", "scheme": "bearer", "description": "Your secret API key. A Nexus key is never accepted here."},
                "nexusSession": {"type": "http", "scheme": "bearer", "description": "A Nexus session token (nxs_...), from POST /nexus/sessions."},
            },
            "headers": {
                "X-Request-Id": {"description": "Names this request in our logs.", "required": true, "schema": {"type": "string"}},
                "Allow": {"description": "The methods this path takes.", "required": true, "schema": {"type": "string"}},
                "Idempotent-Replayed": {"description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.", "schema": {"type": "string", "enum": ["true"]}},
            },
            "parameters": {
                "Idempotency-Key": {
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "description": "Makes a retry safe, with Stripe's rules: the first answer is kept for 24 hours and replayed for the same request; the same key with another request is a 422, and one still running a 409.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"},
                },
            },
            "schemas": components,
        },
    })
}

/// The events a registered endpoint receives (`webhooks`, OpenAPI 3.1): each a POST of the
/// signed envelope `{id, event_type, created_at, data}`, with its own `data`. Each envelope is
/// also a named component (`WebhookEventEnrollmentStatusChanged`, ...), and `WebhookEvent` is
/// their union with a discriminator on `event_type`: code generators read components, not the
/// `webhooks` section, so a client gets a type to parse a delivery into.
fn webhooks() -> (Value, Vec<(String, Value)>) {
    let events: [(&str, &str, Value); 5] = [
        (
            "enrollment.status_changed",
            "An Enrollment Request changed status: one event per change. Deliveries can arrive out of order (each is sent and retried on its own): `data.enrollment.status.updated_at` is strictly later for each later change of one request, and `data.enrollment.history` ends with this change.",
            json!({"$ref": "#/components/schemas/EnrollmentEvent"}),
        ),
        (
            "connectivity.interrupted",
            "A linked servicer refused the saved login at a scheduled sync; the link needs the borrower (Nexus link again).",
            json!({"$ref": "#/components/schemas/ConnectivityEvent"}),
        ),
        (
            "connectivity.restored",
            "A link that needed attention works again (a sync, or the borrower linked again).",
            json!({"$ref": "#/components/schemas/ConnectivityEvent"}),
        ),
        (
            "borrower.delinquent",
            "A loan at a linked servicer turned past due.",
            json!({"$ref": "#/components/schemas/DelinquentEvent"}),
        ),
        (
            "webhook.test",
            "Sent by POST /api/v1/webhooks/test; its data is null.",
            json!({"type": "null"}),
        ),
    ];
    assert_eq!(events.len(), crate::webhooks::EVENT_TYPES.len());
    let header = |name: &str, description: &str| {
        json!({"name": name, "in": "header", "required": true, "description": description,
               "schema": {"type": "string"}})
    };
    let mut out = Map::new();
    let mut envelopes = Vec::new();
    let mut mapping = Map::new();
    for (event_type, description, data) in events {
        assert!(
            crate::webhooks::EVENT_TYPES.contains(&event_type),
            "{event_type} is not an event type"
        );
        let name = format!(
            "WebhookEvent{}",
            event_type
                .split(['.', '_'])
                .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
                .collect::<String>()
        );
        let reference = format!("#/components/schemas/{name}");
        mapping.insert(event_type.to_string(), json!(reference));
        envelopes.push((
            name,
            json!({
                "description": format!("The `{event_type}` delivery's body. {description}"),
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "event_type", "created_at", "data"],
                "properties": {
                    "id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$", "description": "The event's id: the `webhook-id` header, the same on every retry."},
                    "event_type": {"type": "string", "const": event_type},
                    "created_at": {"type": "string", "format": "date-time"},
                    "data": data,
                },
            }),
        ));
        out.insert(
            event_type.to_string(),
            json!({"post": {
                "operationId": format!("event-{}", event_type.replace('.', "-")),
                "tags": ["Webhooks"],
                "summary": event_type,
                "description": format!("{description} Signed with Standard Webhooks: verify `webhook-signature` over `webhook-id.webhook-timestamp.body` with your endpoint's secret. A delivery may come twice: `webhook-id` (the event's `id`) tells."),
                "parameters": [
                    header("webhook-id", "The event's id (evt_...), the same on every retry."),
                    header("webhook-timestamp", "Unix seconds when this attempt was signed."),
                    header("webhook-signature", "`v1,<base64 HMAC-SHA256>` with the endpoint's secret (one signature: a rotated secret replaces the old one at once)."),
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "$ref": reference,
                }}}},
                "responses": {
                    "200": {"description": "Any 2xx acknowledges the event."},
                    "410": {"description": "Gone: the endpoint is disabled and gets no more events until its secret is rotated."},
                    "default": {"description": "Anything else (or no answer in time) is retried with backoff."},
                },
            }}),
        );
    }
    envelopes.push((
        "WebhookEvent".to_string(),
        json!({
            "description": "Any delivery's body: the signed envelope, its `data` by `event_type`.",
            "oneOf": mapping.values().map(|r| json!({"$ref": r})).collect::<Vec<_>>(),
            "discriminator": {"propertyName": "event_type", "mapping": mapping},
        }),
    ));
    (Value::Object(out), envelopes)
}

/// Every closed set of values the code defines is written into the schemas from the code
/// itself (never copied by hand), so a new plan, status or event type is documented as it is
/// added.
fn enums_from_code(c: &mut Value) {
    use crate::reference::{loan_statuses, loan_types, repayment_plans};
    let plans: Vec<&str> = repayment_plans::REPAYMENT_PLANS
        .iter()
        .map(|r| r.plan_type)
        .collect();
    // Each closed list is one named component, so code generators make one type of it.
    let named = |c: &mut Value, name: &str, values: &[&str], description: &str| {
        assert!(c.get(name).is_none(), "components.json already has {name}");
        c[name] = json!({"type": "string", "enum": values, "description": description});
    };
    // The codes; the parser also takes descriptions and aliases (the other branches).
    named(
        c,
        "LoanTypeCode",
        &loan_types::LOAN_TYPES
            .iter()
            .map(|r| r.code)
            .collect::<Vec<_>>(),
        "A loan type code (GET /api/v1/loan_types).",
    );
    named(
        c,
        "LoanStatusCode",
        &loan_statuses::LOAN_STATUSES
            .iter()
            .map(|r| r.code)
            .collect::<Vec<_>>(),
        "A loan status code (GET /api/v1/loan_statuses).",
    );
    named(
        c,
        "RepaymentPlanCode",
        &plans,
        "A repayment plan type (GET /api/v1/repayment_plans), as a loan's plan on file.",
    );
    named(
        c,
        "SandboxEnrollmentStatus",
        &crate::enrollments::sandbox::sandbox_statuses(),
        "What a servicer does to an Enrollment Request, in the sandbox.",
    );
    named(
        c,
        "EnrollablePlan",
        &crate::enrollments::service::enrollable(),
        "A plan an Enrollment Request can ask for (save and repaye have ended).",
    );
    // The batch limit is the code's (one DynamoDB transaction per request).
    let batch = c
        .pointer_mut("/LoansRequest/properties/loans/oneOf/0")
        .expect("components.json has LoansRequest's loan list");
    batch["maxItems"] = json!(crate::loans::service::MAX_BATCH);
    batch["description"] = json!(format!(
        "At most {} loans per request (written in one transaction); a borrower holds at most {}.",
        crate::loans::service::MAX_BATCH,
        crate::loans::service::MAX_LOANS_PER_BORROWER
    ));
    // A state code in any case, as the parser takes it: a pattern, not an enum that lists each
    // code twice ("AL" and "al"), which code generators refuse as duplicate names.
    for at in [
        "/BorrowerPayload/properties/state_of_residence",
        "/BorrowerPayload/properties/employer_state",
        "/BorrowerPayload/properties/teaching_state",
        "/AddressPayload/properties/state",
    ] {
        let node = c
            .pointer_mut(at)
            .unwrap_or_else(|| panic!("components.json has no {at}"));
        node["pattern"] = json!(state_pattern());
    }
    // What the widget may change on its borrower: the BorrowerPayload's fields that the Nexus
    // parser takes, with the same schemas; any other field is a 422, and so is an empty body.
    let payload = c["BorrowerPayload"]["properties"].clone();
    let editable: Map<String, Value> = crate::nexus::link::EDITABLE
        .iter()
        .map(|f| {
            let schema = payload
                .get(*f)
                .unwrap_or_else(|| panic!("BorrowerPayload has no {f}"));
            (f.to_string(), schema.clone())
        })
        .collect();
    c["NexusBorrowerRequest"] = json!({
        "description": "The borrower details the widget may change: the assess inputs, and in an \
            enroll session the identity, contact and income details an Enrollment Request needs \
            (validated as in a BorrowerPayload).",
        "type": "object",
        "properties": editable,
        "additionalProperties": false,
        "minProperties": 1,
    });
}

/// `^(?:[Aa][Ll]|[Aa][Kk]|...)$`: every state and territory code, in any case.
pub fn state_pattern() -> String {
    let codes: Vec<String> = crate::model::states::STATE_CODES
        .iter()
        .map(|code| {
            code.chars()
                .map(|ch| format!("[{}{}]", ch, ch.to_ascii_lowercase()))
                .collect()
        })
        .collect();
    format!("^(?:{})$", codes.join("|"))
}

/// The schema of a query parameter that is a state code ([`operations::STATE_CODE`]).
fn state_param_schema() -> Value {
    json!({"type": "string", "pattern": state_pattern()})
}

/// The document (built once per process).
pub fn document() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(|| build(false));
    &DOC
}

/// The document with every response object closed (`additionalProperties: false`, as the
/// Rust types are): what the integration tests validate each response and webhook against, so
/// an undeclared field fails them. Otherwise the same as [`document`].
pub fn strict_document() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(|| build(true));
    &DOC
}

/// Drops `additionalProperties: false` everywhere in a response schema (see [`build`]).
fn open_objects(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            if m.get("additionalProperties") == Some(&Value::Bool(false)) {
                m.remove("additionalProperties");
            }
            m.values_mut().for_each(open_objects);
        }
        Value::Array(a) => a.iter_mut().for_each(open_objects),
        _ => {}
    }
}

/// The document as the served bytes: pretty-printed, with a final newline (as checked in).
pub fn document_text() -> &'static str {
    static TEXT: LazyLock<String> = LazyLock::new(|| {
        let mut s = serde_json::to_string_pretty(document()).expect("the document serialises");
        s.push('\n');
        s
    });
    &TEXT
}

/// `GET /api/v1/openapi.json`: no auth (the contract is public).
pub async fn get(_ctx: &AppContext, req: Request) -> Response<Body> {
    crate::http::respond(crate::http::query_only(&req, &[]).map(|_| {
        Response::builder()
            .status(200)
            .header(CONTENT_TYPE, "application/json")
            .header("cache-control", "public, max-age=300")
            .body(Body::Text(document_text().to_string()))
            .expect("static response parts are valid")
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_an_operation_and_every_operation_a_route() {
        for r in table() {
            if r.function == "not-found" {
                continue;
            }
            assert!(
                operation(&r.function).is_some(),
                "{} {} ({}) has no Operation in api/openapi/operations.rs",
                r.method,
                r.path,
                r.function
            );
        }
        for op in OPERATIONS {
            assert!(
                table().iter().any(|r| r.function == op.function),
                "{} has an Operation but no route",
                op.function
            );
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        fn walk(v: &Value, doc: &Value, at: &str) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        let ptr = r.trim_start_matches('#');
                        assert!(doc.pointer(ptr).is_some(), "{at}: {r} does not resolve");
                    }
                    for (k, x) in m {
                        walk(x, doc, &format!("{at}/{k}"));
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, doc, at)),
                _ => {}
            }
        }
        walk(doc, doc, "");
    }

    #[test]
    fn the_checked_in_copy_is_the_generated_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        if std::env::var_os("LOANPATH_WRITE_OPENAPI").is_some() {
            std::fs::write(path, document_text()).expect("write docs/openapi.json");
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == document_text(),
            "docs/openapi.json differs from the generated document: run \
             `LOANPATH_WRITE_OPENAPI=1 cargo test -p loanpath-shared openapi` and commit it"
        );
    }

    /// The request payloads are read field by field (to name each bad field in a 422), so their
    /// schemas are written in components.json; this keeps each one's fields the parser's own.
    /// The strict requests (`additionalProperties: false`) are held to their parsers by
    /// schemathesis too: a documented field refused, or an undocumented one taken, fails it.
    #[test]
    fn the_request_schemas_hold_exactly_the_fields_the_parsers_read() {
        let doc = document();
        let fields = |name: &str| -> Vec<String> {
            let mut v: Vec<String> = doc["components"]["schemas"][name]["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{name} has properties"))
                .keys()
                .cloned()
                .collect();
            v.sort();
            v
        };
        let sorted = |list: &[&str]| -> Vec<String> {
            let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(
            fields("BorrowerPayload"),
            sorted(crate::model::payload::PAYLOAD_FIELDS)
        );
        assert_eq!(
            fields("AddressPayload"),
            sorted(crate::model::payload::ADDRESS_FIELDS)
        );
        assert_eq!(
            fields("LoanPayload"),
            sorted(&crate::loans::payload::loan_payload_fields())
        );
        assert_eq!(
            fields("NexusBorrowerRequest"),
            sorted(crate::nexus::link::EDITABLE)
        );
        // With the BorrowerPayload's schemas, as finished (state patterns and enums included).
        let schemas = &doc["components"]["schemas"];
        for f in fields("NexusBorrowerRequest") {
            assert_eq!(
                schemas["NexusBorrowerRequest"]["properties"][&f],
                schemas["BorrowerPayload"]["properties"][&f],
                "{f}"
            );
        }
        // And each documented field is read: none of them draws an "unknown field" warning.
        for f in fields("BorrowerPayload") {
            let body = json!({ f.clone(): null });
            if let Ok(p) = crate::model::payload::parse_borrower_payload(body.as_object().unwrap())
            {
                assert!(
                    !p.warnings.iter().any(|w| w.contains("Unknown field")),
                    "{f}: {:?}",
                    p.warnings
                );
            }
        }
        let loan = doc["components"]["schemas"]["LoanPayload"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| (k.clone(), Value::Null))
            .collect::<Map<String, Value>>();
        let mut errors = std::collections::BTreeMap::new();
        let mut warnings = Vec::new();
        crate::loans::payload::parse_loan_payload_noting(
            &Value::Object(loan),
            "loans[0]",
            &mut errors,
            &mut warnings,
        );
        assert_eq!(warnings, Vec::<String>::new());
    }

    /// Every response body the document names, success and error alike, is a schema derived
    /// from the Rust type that writes it: none comes from components.json.
    #[test]
    fn every_response_schema_is_derived_from_a_rust_type() {
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r.trim_start_matches("#/components/schemas/").to_string());
                    }
                    m.values().for_each(|x| refs(x, out));
                }
                Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        let doc = document();
        let mut named = Vec::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for resp in op["responses"]
                    .as_object()
                    .into_iter()
                    .flat_map(|r| r.values())
                {
                    refs(&resp["content"], &mut named);
                }
            }
        }
        for resp in doc["components"]["responses"]
            .as_object()
            .into_iter()
            .flat_map(|r| r.values())
        {
            refs(&resp["content"], &mut named);
        }
        assert!(named.len() > 30, "{named:?}");
        let derived = derived::components();
        for name in named {
            assert!(
                derived.contains_key(&name),
                "{name} is not derived from a Rust type"
            );
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = document();
        let mut seen = std::collections::BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, o) in item.as_object().unwrap() {
                let id = o["operationId"].as_str().unwrap().to_string();
                assert!(seen.insert(id.clone()), "{method} {path}: {id} twice");
            }
        }
        assert!(seen.contains("borrowers-update-patch"));
        assert!(seen.contains("pslf-employers-search-alias"));
    }
}
