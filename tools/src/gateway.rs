//! `loanpath serve`: the whole API in one process, for browser tests and quick local use.
//!
//! It stands in for API Gateway only: requests are matched against the same route table that
//! `cargo lambda watch` uses (`[workspace.metadata.lambda.watch.router]` in Cargo.toml, read at
//! start), turned into the same `lambda_http::Request` a function receives, and handed to the
//! same `shared::api` handler the function's `main` calls. DynamoDB is the embedded dynoxide
//! emulator over real HTTP, through the real AWS SDK. Unknown paths answer 404 and wrong
//! methods 405 with `Allow`, in the API's error envelope.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use axum::body::Body as AxumBody;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::AppContext;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;
pub type Handler = fn(&'static AppContext, Request) -> HandlerFuture;

/// Largest request body accepted (API Gateway's own limit is 10 MB).
const MAX_BODY: usize = 10 * 1024 * 1024;

macro_rules! handlers {
    ($($name:literal => $path:path),* $(,)?) => {
        /// Every function's handler, by function name, with the path its `main` must call.
        pub fn handlers() -> Vec<(&'static str, &'static str, Handler)> {
            vec![$(($name, stringify!($path), |ctx, req| Box::pin($path(ctx, req)) as HandlerFuture)),*]
        }
    };
}

handlers! {
    "health" => shared::api::health::get,
    "openapi-get" => shared::api::openapi::get,
    "borrowers-create" => shared::api::borrowers::create,
    "borrowers-get" => shared::api::borrowers::get,
    "borrowers-update" => shared::api::borrowers::update,
    "borrowers-delete" => shared::api::borrowers::delete,
    "borrowers-list" => shared::api::borrowers::list,
    "income-certifications-create" => shared::api::borrowers::upload_income_certification,
    "loans-create" => shared::api::loans::create,
    "loans-list" => shared::api::loans::list,
    "loans-delete" => shared::api::loans::delete,
    "portfolio-get" => shared::api::loans::portfolio,
    "repayment-options-get" => shared::api::assessments::repayment_options,
    "forgiveness-options-get" => shared::api::assessments::forgiveness_options,
    "pslf-employers-search" => shared::api::employers::search,
    "not-found" => shared::api::routes::fallback,
    "reference-loan-types" => shared::api::reference::loan_types,
    "reference-loan-statuses" => shared::api::reference::loan_statuses,
    "reference-repayment-plans" => shared::api::reference::repayment_plans,
    "reference-servicers" => shared::api::reference::servicers,
    "nexus-js" => shared::api::nexus::loader,
    "nexus-ui" => shared::api::nexus::ui,
    "nexus-demo" => shared::api::nexus::demo,
    "nexus-sessions-create" => shared::api::nexus::sessions_create,
    "nexus-session-get" => shared::api::nexus::session_get,
    "nexus-links-create" => shared::api::nexus::links_create,
    "nexus-links-challenge" => shared::api::nexus::links_challenge,
    "nexus-borrower-update" => shared::api::nexus::borrower_update,
    "nexus-repayment-options" => shared::api::nexus::repayment_options,
    "nexus-tokens-create" => shared::api::nexus::tokens_create,
    "nexus-enrollments-create" => shared::api::nexus::enrollments_create,
    "enrollments-create" => shared::api::enrollments::create,
    "enrollments-list" => shared::api::enrollments::list,
    "enrollments-get" => shared::api::enrollments::get,
    "enrollments-cancel" => shared::api::enrollments::cancel,
    "sandbox-advance" => shared::api::enrollments::advance,
    "sandbox-enrollments-status" => shared::api::enrollments::sandbox_status,
    "webhooks-create" => shared::api::webhooks::create,
    "webhooks-list" => shared::api::webhooks::list,
    "webhooks-delete" => shared::api::webhooks::delete,
    "webhooks-rotate" => shared::api::webhooks::rotate,
    "webhooks-test" => shared::api::webhooks::test,
    "webhooks-deliveries" => shared::api::webhooks::deliveries,
}

#[cfg(test)]
/// Functions fed by other event sources, run by the local worker (`loanpath serve` and
/// `loanpath worker`), with the handler their `main` calls.
#[cfg(test)]
pub const EVENT_FUNCTIONS: &[(&str, &str)] = &[
    ("webhooks-deliver", "shared::api::webhooks::deliver"),
    ("webhooks-relay", "shared::api::webhooks::relay"),
    ("portfolio-sync-plan", "shared::api::sync::plan"),
    ("portfolio-sync-worker", "shared::api::sync::work"),
];

pub use shared::api::routes::{parse_router, Route};
use shared::api::routes::{resolve, unrouted, Resolved};

/// Query parameters as API Gateway hands them over: a repeated key's values joined by commas.
pub fn query_map(query: Option<&str>) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        out.entry(k.into_owned())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    out
}

fn error(status: u16, detail: &str, allow: Option<String>) -> axum::response::Response {
    let title = lambda_http::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = serde_json::json!({"error": {"title": title, "detail": detail}}).to_string();
    let mut b = axum::response::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(a) = allow {
        b = b.header("allow", a);
    }
    b.body(AxumBody::from(body))
        .expect("static response parts are valid")
}

pub struct Gateway {
    pub ctx: &'static AppContext,
    pub routes: Vec<Route>,
    pub handlers: HashMap<&'static str, Handler>,
}

impl Gateway {
    /// One request, with the headers every response carries (`shared::http::finish`): the
    /// same for a handler's answer and for the gateway's own 404, 405 and 413.
    pub async fn handle(&self, req: axum::extract::Request) -> axum::response::Response {
        let id = uuid::Uuid::new_v4().to_string();
        shared::http::finish(self.route(req, &id).await, &id)
    }

    async fn route(&self, req: axum::extract::Request, id: &str) -> axum::response::Response {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_string();
        let (route, params) = match resolve(&self.routes, parts.method.as_str(), &path) {
            Resolved::Route(r, p) => (r, p),
            other => return to_axum(unrouted(parts.method.as_str(), &path, &other)),
        };
        let Some(handler) = self.handlers.get(route.function.as_str()) else {
            return error(500, "This route's function has no handler.", None);
        };
        let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(b) => b,
            Err(_) => return error(413, "The request body is larger than 10 MB.", None),
        };
        let query = query_map(parts.uri.query());
        let body = if bytes.is_empty() {
            Body::Empty
        } else {
            match String::from_utf8(bytes.to_vec()) {
                Ok(t) => Body::Text(t),
                Err(e) => Body::Binary(e.into_bytes()),
            }
        };
        let mut builder = lambda_http::http::Request::builder()
            .method(parts.method.clone())
            .uri(parts.uri.clone());
        for (k, v) in &parts.headers {
            builder = builder.header(k, v);
        }
        let Ok(lreq) = builder.body(body) else {
            return error(400, "The request could not be read.", None);
        };
        let lreq = lreq
            .with_path_parameters(params.clone())
            .with_query_string_parameters(query);
        let resp = handler(self.ctx, lreq).await;
        eprintln!(
            "{} {path} -> {} ({}, request {id})",
            parts.method,
            resp.status().as_u16(),
            route.function
        );
        to_axum(resp)
    }
}

/// A handler's `lambda_http` response as the local server's.
pub fn to_axum(resp: Response<Body>) -> axum::response::Response {
    let (rparts, rbody) = resp.into_parts();
    let body = match rbody {
        Body::Text(t) => AxumBody::from(t),
        Body::Binary(b) => AxumBody::from(b),
        _ => AxumBody::empty(),
    };
    axum::response::Response::from_parts(rparts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn routes_come_from_the_cargo_router() {
        let text = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        let routes = parse_router(&text);
        assert!(routes.contains(&Route {
            path: "/api/v1/borrowers/{id}".into(),
            method: "PATCH".into(),
            function: "borrowers-update".into()
        }));
        assert!(routes
            .iter()
            .any(|r| r.path == "/nexus/js/v1" && r.function == "nexus-js"));
        let names: Vec<&str> = handlers().iter().map(|h| h.0).collect();
        for r in &routes {
            assert!(
                names.contains(&r.function.as_str()),
                "{} has no handler",
                r.function
            );
        }
    }

    /// The gateway calls exactly the handler each function's `main` calls.
    #[test]
    fn every_function_main_calls_the_gateway_handler() {
        let mut seen = 0;
        for entry in std::fs::read_dir(root().join("functions")).unwrap() {
            let dir = entry.unwrap().path();
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
            if let Some((_, path)) = EVENT_FUNCTIONS.iter().find(|(n, _)| *n == name) {
                assert!(
                    main.contains(&format!("serve_events({path})"))
                        || main.contains(&format!("serve_events_until({path})")),
                    "{name}: main does not call {path}"
                );
                continue;
            }
            let (_, path, _) = handlers()
                .into_iter()
                .find(|h| h.0 == name)
                .unwrap_or_else(|| panic!("{name} has no gateway handler"));
            let path = path.replace(' ', "");
            assert!(
                main.contains(&format!("serve({path})")),
                "{name}: main does not call {path}"
            );
            seen += 1;
        }
        assert_eq!(seen, handlers().len());
    }

    /// The OpenAPI document names each operation's handler; the tests find an operation by
    /// its handler, so it must be the one the function's `main` (and this gateway) calls.
    #[test]
    fn every_documented_operation_names_its_functions_handler() {
        for op in shared::api::openapi::OPERATIONS {
            let (_, path, _) = handlers()
                .into_iter()
                .find(|h| h.0 == op.function)
                .unwrap_or_else(|| panic!("{} has no gateway handler", op.function));
            assert_eq!(path.replace(' ', ""), op.handler, "{}", op.function);
        }
    }

    #[test]
    fn query_strings_join_repeated_keys() {
        let q = query_map(Some("a=1&b=x%20y&a=2"));
        assert_eq!((q["a"].as_str(), q["b"].as_str()), ("1,2", "x y"));
    }
}
