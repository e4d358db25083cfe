//! The route table (`[workspace.metadata.lambda.watch.router]` in the workspace Cargo.toml, the
//! one list that `cargo lambda watch`, `loanpath serve`, the local front and the fallback
//! function share), and the fallback itself: what an unknown path or a wrong method gets.
//!
//! In AWS the HTTP API's `$default` route sends every request that matches no route to the
//! `not-found` function, so API Gateway never answers with its own `{"message":"Not Found"}`.
//! Locally `loanpath front` (in front of `cargo lambda watch`) and `loanpath serve` answer the
//! same way from the same table.

use std::collections::HashMap;
use std::sync::LazyLock;

use lambda_http::http::{header::ALLOW, HeaderValue, Method};
use lambda_http::{Body, Request, Response};

use crate::context::AppContext;
use crate::error::ApiError;

/// One route of the router table: a path pattern (`/api/v1/borrowers/{id}`), a method and the
/// function that serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub path: String,
    pub method: String,
    pub function: String,
}

fn quoted(s: &str) -> Option<&str> {
    let start = s.find('"')? + 1;
    let end = start + s[start..].find('"')?;
    Some(&s[start..end])
}

/// The `[workspace.metadata.lambda.watch.router]` table of a Cargo.toml (its simple, one-line
/// or multi-line inline-array form, as written in this repository).
pub fn parse_router(cargo_toml: &str) -> Vec<Route> {
    let mut routes = Vec::new();
    let mut inside = false;
    let mut path: Option<String> = None;
    for line in cargo_toml.lines() {
        let t = line.trim();
        if t.starts_with('[') && !t.starts_with("[{") && !t.starts_with("[ {") {
            inside = t == "[workspace.metadata.lambda.watch.router]";
            continue;
        }
        if !inside || t.starts_with('#') || t.is_empty() {
            continue;
        }
        if t.starts_with('"') {
            path = quoted(t).map(str::to_string);
        }
        let mut rest = t;
        while let Some(at) = rest.find("method") {
            let chunk = &rest[at..];
            let (Some(m), Some(fpos)) = (quoted(chunk), chunk.find("function")) else {
                break;
            };
            let f = quoted(&chunk[fpos..]);
            if let (Some(p), Some(f)) = (&path, f) {
                routes.push(Route {
                    path: p.clone(),
                    method: m.to_string(),
                    function: f.to_string(),
                });
            }
            rest = &chunk[fpos + 8..];
        }
    }
    routes
}

/// The route table compiled into this crate.
pub fn table() -> &'static [Route] {
    static TABLE: LazyLock<Vec<Route>> =
        LazyLock::new(|| parse_router(include_str!("../../../Cargo.toml")));
    &TABLE
}

/// The path parameters if `path` matches `pattern`. As in API Gateway, a trailing slash or an
/// empty segment matches nothing.
pub fn match_path(pattern: &str, path: &str) -> Option<HashMap<String, String>> {
    let p: Vec<&str> = pattern.strip_prefix('/')?.split('/').collect();
    let a: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    if p.len() != a.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (want, got) in p.iter().zip(&a) {
        match want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            Some(name) if !got.is_empty() => {
                let value = percent_encoding::percent_decode_str(got)
                    .decode_utf8()
                    .ok()?
                    .into_owned();
                params.insert(name.to_string(), value);
            }
            Some(_) => return None,
            None if want == got => {}
            None => return None,
        }
    }
    Some(params)
}

/// What the table says about a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved<'r> {
    Route(&'r Route, HashMap<String, String>),
    /// No route has this path.
    NotFound,
    /// The path exists with other methods (the `Allow` header's value).
    MethodNotAllowed(String),
}

pub fn resolve<'r>(routes: &'r [Route], method: &str, path: &str) -> Resolved<'r> {
    let matching: Vec<(&Route, HashMap<String, String>)> = routes
        .iter()
        .filter_map(|r| match_path(&r.path, path).map(|p| (r, p)))
        .collect();
    if matching.is_empty() {
        return Resolved::NotFound;
    }
    if let Some((r, p)) = matching
        .iter()
        .find(|(r, _)| r.method.eq_ignore_ascii_case(method))
    {
        return Resolved::Route(r, p.clone());
    }
    // `Allow` names the methods of the most specific paths that match: /webhooks/test lists
    // POST, not also the DELETE of /webhooks/{webhook_id} (which answers 404 for "test").
    let params = |r: &Route| r.path.matches('{').count();
    let fewest = matching.iter().map(|(r, _)| params(r)).min().unwrap_or(0);
    let mut allow: Vec<&str> = matching
        .iter()
        .filter(|(r, _)| params(r) == fewest)
        .map(|(r, _)| r.method.as_str())
        .collect();
    allow.sort_unstable();
    allow.dedup();
    Resolved::MethodNotAllowed(allow.join(", "))
}

/// The error response for a request no route serves: 404, or 405 with `Allow`, in the API's
/// envelope.
pub fn unrouted(method: &str, path: &str, resolved: &Resolved) -> Response<Body> {
    let shown: String = path.chars().take(200).collect();
    match resolved {
        Resolved::MethodNotAllowed(allow) => {
            let mut r = ApiError::MethodNotAllowed(format!(
                "{method} is not allowed on {shown}; use {allow}."
            ))
            .into_response();
            if let Ok(v) = HeaderValue::from_str(allow) {
                r.headers_mut().insert(ALLOW, v);
            }
            r
        }
        _ => ApiError::NotFound(format!("No route for {shown}.")).into_response(),
    }
}

/// The `not-found` function (API Gateway's `$default` route): every request that matched no
/// route. A request that does match one here (it should not reach this function) is a 404 too.
pub async fn fallback(_ctx: &AppContext, req: Request) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    match resolve(table(), method.as_str(), &path) {
        Resolved::Route(..) => unrouted(method.as_str(), &path, &Resolved::NotFound),
        other => unrouted(method.as_str(), &path, &other),
    }
}

/// Whether a method is one the API uses (for tests and the local front).
pub fn is_http_method(m: &Method) -> bool {
    [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ]
    .contains(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_table_resolves_paths_and_methods() {
        let t = table();
        assert!(t.len() > 40);
        match resolve(t, "PATCH", "/api/v1/borrowers/42") {
            Resolved::Route(r, p) => {
                assert_eq!(r.function, "borrowers-update");
                assert_eq!(p["id"], "42");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            resolve(t, "POST", "/api/v1/borrowers/42"),
            Resolved::MethodNotAllowed("DELETE, GET, PATCH, PUT".into())
        );
        assert_eq!(
            resolve(t, "HEAD", "/api/v1/health"),
            Resolved::MethodNotAllowed("GET".into())
        );
        assert_eq!(
            resolve(t, "GET", "/lambda-url/loanpath"),
            Resolved::NotFound
        );
        assert_eq!(resolve(t, "GET", "/api/v1/nope"), Resolved::NotFound);
        // A literal path names its own methods in Allow; DELETE still routes to the
        // parameterised route, as API Gateway routes it.
        assert_eq!(
            resolve(t, "OPTIONS", "/api/v1/webhooks/test"),
            Resolved::MethodNotAllowed("POST".into())
        );
        assert!(matches!(
            resolve(t, "DELETE", "/api/v1/webhooks/test"),
            Resolved::Route(r, _) if r.function == "webhooks-delete"
        ));
    }

    #[test]
    fn paths_match_with_parameters() {
        let p = match_path("/api/v1/borrowers/{id}/loans", "/api/v1/borrowers/42/loans").unwrap();
        assert_eq!(p["id"], "42");
        assert!(match_path("/api/v1/borrowers/{id}", "/api/v1/borrowers").is_none());
        assert!(match_path("/api/v1/borrowers/{id}", "/api/v1/borrowers/1/loans").is_none());
        assert_eq!(match_path("/x/{id}", "/x/a%20b").unwrap()["id"], "a b");
        assert_eq!(match_path("/x/{id}", "/x/42&x").unwrap()["id"], "42&x");
        assert!(match_path("/x/{id}", "/x/42/").is_none());
        assert!(match_path("/api/v1/health", "/api/v1/health/").is_none());
    }

    #[test]
    fn the_fallback_answers_in_the_envelope() {
        let r = unrouted(
            "DELETE",
            "/api/v1/health",
            &resolve(table(), "DELETE", "/api/v1/health"),
        );
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()["allow"], "GET");
        assert_eq!(r.headers()["content-type"], "application/json");
        let Body::Text(t) = r.body() else { panic!() };
        assert_eq!(
            t,
            // Title first, as Payitoff writes its envelope.
            r#"{"error":{"title":"Method Not Allowed","detail":"DELETE is not allowed on /api/v1/health; use GET."}}"#
        );
        let r = unrouted("GET", "/lambda-url/loanpath", &Resolved::NotFound);
        assert_eq!(r.status(), 404);
    }
}
