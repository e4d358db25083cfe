//! The Nexus routes: the loader script, the widget and demo pages, and the session-scoped JSON
//! routes the widget calls (`/nexus/...`), plus `POST /api/v1/nexus/tokens` (secret key).
//!
//! Every `/nexus/...` JSON route but `POST /nexus/sessions` authenticates a session token
//! (`Authorization: Bearer nxs_...`); API keys and Nexus keys are not session tokens.

use lambda_http::http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, AUTHORIZATION, CACHE_CONTROL,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, ORIGIN, REFERRER_POLICY, VARY,
    X_CONTENT_TYPE_OPTIONS,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use super::tenant;
use crate::context::AppContext;
use crate::error::ApiError;
use crate::http::{created, json_object, ok, query_params, respond};
use crate::nexus::{assets, link, origins, session, NexusSession};

fn header(req: &Request, name: impl lambda_http::http::header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn page(status: StatusCode, content_type: &str, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, content_type)
        .header(X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Body::Text(body))
        .expect("static response parts are valid")
}

/// Personal data: never cached; CORS only for an origin the session's client allows.
fn scoped(mut resp: Response<Body>, req: &Request, s: Option<&NexusSession>) -> Response<Body> {
    let h = resp.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(VARY, HeaderValue::from_static("Origin"));
    if let (Some(s), Some(origin)) = (s, header(req, ORIGIN).and_then(origins::parse_origin)) {
        if origins::allowed_in(s.mode, &s.allowed_origins, &origin) {
            if let Ok(v) = HeaderValue::from_str(&origin) {
                h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, v);
            }
        }
    }
    resp
}

/// `GET /nexus/js/v1`: the loader, cacheable, with an ETag (304 when it matches).
pub async fn loader(_ctx: &AppContext, req: Request) -> Response<Body> {
    let tag = assets::loader_etag();
    let fresh = header(&req, IF_NONE_MATCH).is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut resp = if fresh {
        Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::Empty)
            .expect("static response parts are valid")
    } else {
        page(
            StatusCode::OK,
            "application/javascript; charset=utf-8",
            assets::LOADER_JS.to_string(),
        )
    };
    let h = resp.headers_mut();
    h.insert(ETAG, HeaderValue::from_static(tag));
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300, must-revalidate"),
    );
    h.insert(
        lambda_http::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// `GET /nexus/ui?workflow=&origin=&key=|token=`: the widget page, framed only by an origin
/// the client allows.
pub async fn ui(ctx: &AppContext, req: Request) -> Response<Body> {
    let q = query_params(&req);
    let ancestors = match assets::frame_ancestors(
        ctx,
        q.get("origin").map(String::as_str),
        q.get("key").map(String::as_str),
        q.get("token").map(String::as_str),
    )
    .await
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let nonce = assets::nonce();
    let mut resp = page(
        StatusCode::OK,
        "text/html; charset=utf-8",
        assets::render(assets::widget_html(), &nonce),
    );
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&assets::widget_csp(&nonce, &ancestors)) {
        h.insert(CONTENT_SECURITY_POLICY, v);
    }
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /nexus/demo`: the demo host page (sandbox deployments only, `NEXUS_DEMO=on`).
pub async fn demo(_ctx: &AppContext, _req: Request) -> Response<Body> {
    if !assets::demo_enabled() {
        return ApiError::NotFound("Not found.".into()).into_response();
    }
    let nonce = assets::nonce();
    let mut resp = page(
        StatusCode::OK,
        "text/html; charset=utf-8",
        assets::render(assets::DEMO_HTML, &nonce),
    );
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&assets::demo_csp(&nonce)) {
        h.insert(CONTENT_SECURITY_POLICY, v);
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /nexus/sessions` `{nexus_key, borrower, origin, workflow}` or `{token, origin, workflow}`.
/// An `Idempotency-Key` is not used here (a key sent is ignored): a stored answer would hand out
/// a live session token again without the checks a start makes (the origin, the key, a
/// single-use token). A retry starts a new session; a token is used once, so mint another.
pub async fn sessions_create(ctx: &AppContext, req: Request) -> Response<Body> {
    let result = async {
        let body = json_object(&req)?;
        session::start(
            ctx,
            &body,
            header(&req, ORIGIN),
            header(&req, lambda_http::http::header::HOST),
        )
        .await
    }
    .await;
    match result {
        Ok(started) => {
            let resp = respond(created(&started.view()));
            scoped(resp, &req, Some(&started.session))
        }
        Err(e) => scoped(e.into_response(), &req, None),
    }
}

/// Runs a session-scoped route: authenticate the session, then `f`.
async fn with_session<'a, F, Fut>(ctx: &'a AppContext, req: &'a Request, f: F) -> Response<Body>
where
    F: FnOnce(NexusSession) -> Fut,
    Fut: std::future::Future<Output = Result<Response<Body>, ApiError>>,
{
    match session::authenticate(ctx, header(req, AUTHORIZATION)).await {
        Ok(s) => {
            let copy = s.clone();
            let resp = respond(f(s).await);
            scoped(resp, req, Some(&copy))
        }
        Err(e) => scoped(e.into_response(), req, None),
    }
}

/// `GET /nexus/session`.
pub async fn session_get(ctx: &AppContext, req: Request) -> Response<Body> {
    with_session(ctx, &req, |s| async move {
        ok(&link::session_view(ctx, &s).await?)
    })
    .await
}

/// Runs a session route's POST under its `Idempotency-Key`, if it has one: scoped to the
/// session, compared without the fields in `secret` (they are never stored, not even hashed).
async fn once_in_session<F, Fut>(
    ctx: &AppContext,
    req: &Request,
    s: &NexusSession,
    secret: &[&str],
    keep_failed: bool,
    run: F,
) -> Response<Body>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Response<Body>>,
{
    match crate::idempotency::key_of(req) {
        None => run().await,
        Some(key) => {
            let scope = format!("{}#nexus-session#{}", s.client_id, s.session_id);
            let fp = crate::idempotency::fingerprint_without(req, secret);
            // A refused login changed nothing, and its credentials are not part of the
            // comparison: it is not kept, so a corrected retry with the key runs afresh. A
            // refused challenge answer used the challenge up: it is kept, so a retry gets the
            // same outcome.
            crate::idempotency::once(
                ctx,
                &s.client_id,
                &scope,
                &key,
                &fp,
                crate::idempotency::Stored::Plain,
                run,
                |text| {
                    keep_failed
                        || serde_json::from_str::<serde_json::Value>(text)
                            .map_or(true, |v| v["status"] != "failed")
                },
            )
            .await
        }
    }
}

/// `POST /nexus/links` `{servicer, username, password}`. A retry with the same
/// `Idempotency-Key` gets the first outcome back and does not log in again.
pub async fn links_create(ctx: &AppContext, req: Request) -> Response<Body> {
    let r = &req;
    with_session(ctx, r, |s| async move {
        let run = || async {
            respond(
                async {
                    let body = json_object(r)?;
                    ok(&link::link(ctx, &s, &body).await?)
                }
                .await,
            )
        };
        Ok(once_in_session(ctx, r, &s, &["password"], false, run).await)
    })
    .await
}

/// `POST /nexus/links/challenge` `{challenge_id, answer}`.
pub async fn links_challenge(ctx: &AppContext, req: Request) -> Response<Body> {
    let r = &req;
    with_session(ctx, r, |s| async move {
        let run = || async {
            respond(
                async {
                    let body = json_object(r)?;
                    ok(&link::answer(ctx, &s, &body).await?)
                }
                .await,
            )
        };
        Ok(once_in_session(ctx, r, &s, &["answer"], true, run).await)
    })
    .await
}

/// `PATCH /nexus/borrower` `{agi, filing_status, family_size, state_of_residence}`.
pub async fn borrower_update(ctx: &AppContext, req: Request) -> Response<Body> {
    let r = &req;
    with_session(ctx, r, |s| async move {
        let body = json_object(r)?;
        ok(&link::update_financials(ctx, &s, &body).await?)
    })
    .await
}

/// `GET /nexus/repayment_options[?agi=&family_size=]` (a what-if is never saved).
pub async fn repayment_options(ctx: &AppContext, req: Request) -> Response<Body> {
    let r = &req;
    with_session(ctx, r, |s| async move {
        let q = crate::http::query_only(r, &["agi", "family_size"])?;
        let v = link::repayment_options(
            ctx,
            &s,
            q.get("agi").map(String::as_str),
            q.get("family_size").map(String::as_str),
        )
        .await?;
        ok(&v)
    })
    .await
}

/// `POST /api/v1/nexus/tokens` `{borrower}` with the secret API key -> 201 a single-use init
/// token for `Nexus({token})`.
pub async fn tokens_create(ctx: &AppContext, req: Request) -> Response<Body> {
    // A replayed answer holds the init token: it is stored sealed.
    crate::idempotency::guarded(
        ctx,
        req,
        crate::idempotency::Stored::Sealed,
        tokens_create_once,
    )
    .await
}

async fn tokens_create_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let body = json_object(&req)?;
            created(&session::mint_init_token(ctx, &t, &body).await?)
        }
        .await,
    )
}

/// `POST /nexus/enrollments` `{repayment_plan, signature, cursive_signature}` (with an optional
/// `Idempotency-Key`) -> 201 the Enrollment, or 409 with every failing precondition.
pub async fn enrollments_create(ctx: &AppContext, req: Request) -> Response<Body> {
    let r = &req;
    with_session(ctx, r, |s| async move {
        let body = json_object(r)?;
        let key = super::enrollments::idempotency_key(r);
        let idem = key.as_deref().map(|k| {
            (
                k,
                crate::crypto::hash_key(&format!(
                    "{}:{}",
                    super::enrollments::fingerprint(r),
                    s.borrower_uuid
                )),
            )
        });
        let c = link::enroll(ctx, &s, &body, idem).await?;
        Ok(super::enrollments::created_response(c))
    })
    .await
}
