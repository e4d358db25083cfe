//! `loanpath front --port P --upstream HOST:PORT`: what API Gateway does in front of the
//! functions, locally in front of `cargo lambda watch` (scripts/dev).
//!
//! - A request that matches a route of the table (`shared::api::routes`) is passed on to
//!   `cargo lambda watch`, as it is.
//! - An unknown path is a 404 and a wrong method (HEAD included) a 405 with `Allow`, in the
//!   API's envelope: the same answer the `not-found` function gives in AWS (`$default` route).
//!   Locally, `cargo lambda watch` would answer with its own message and list its binaries.
//! - `/lambda-url/<binary>` is never passed on, so no binary (the admin tool least of all) is
//!   reachable by its name. The Lambda invoke API (`/2015-03-31/functions/...`, what
//!   `cargo lambda invoke` calls) is passed on.

use axum::body::Body as AxumBody;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use shared::api::routes::{resolve, unrouted, Resolved, Route};

struct Front {
    routes: Vec<Route>,
    upstream: String,
    client: Client<HttpConnector, AxumBody>,
}

impl Front {
    async fn handle(&self, req: axum::extract::Request) -> axum::response::Response {
        let id = uuid::Uuid::new_v4().to_string();
        let path = req.uri().path().to_string();
        let method = req.method().clone();
        let invoke_api = path.starts_with("/2015-03-31/functions/");
        if !invoke_api {
            match resolve(&self.routes, method.as_str(), &path) {
                Resolved::Route(..) => {}
                other => {
                    let r = crate::gateway::to_axum(shared::http::finish(
                        unrouted(method.as_str(), &path, &other),
                        &id,
                    ));
                    eprintln!("{method} {path} -> {} (front, request {id})", r.status());
                    return r;
                }
            }
        }
        let (mut parts, body) = req.into_parts();
        let pq = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| path.clone());
        parts.uri = match format!("http://{}{pq}", self.upstream).parse() {
            Ok(u) => u,
            Err(_) => return bad_gateway("the request URI could not be passed on"),
        };
        parts.headers.remove(axum::http::header::HOST);
        match self
            .client
            .request(axum::http::Request::from_parts(parts, body))
            .await
        {
            Ok(resp) => {
                let (p, b) = resp.into_parts();
                axum::response::Response::from_parts(p, AxumBody::new(b))
            }
            Err(_) => bad_gateway("the local functions (cargo lambda watch) did not answer"),
        }
    }
}

fn bad_gateway(detail: &str) -> axum::response::Response {
    let body = serde_json::json!({"error": {"title": "Bad Gateway", "detail": detail}});
    axum::response::Response::builder()
        .status(502)
        .header("content-type", "application/json")
        .body(AxumBody::from(body.to_string()))
        .expect("static response parts are valid")
}

pub async fn run(args: &[String]) -> Result<(), String> {
    let port = crate::flag(args, "--port", "9000");
    let upstream = crate::flag_value(args, "--upstream").ok_or("--upstream HOST:PORT")?;
    let router = crate::flag(
        args,
        "--router",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"),
    );
    let routes = shared::api::routes::parse_router(
        &std::fs::read_to_string(&router).map_err(|e| format!("{router}: {e}"))?,
    );
    let front: &'static Front = Box::leak(Box::new(Front {
        routes,
        upstream,
        client: Client::builder(TokioExecutor::new()).build_http(),
    }));
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| front.handle(req));
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .map_err(|e| format!("binding 127.0.0.1:{port}: {e}"))?;
    axum::serve(listener, app)
        .with_graceful_shutdown(crate::shutdown())
        .await
        .map_err(|e| e.to_string())
}
