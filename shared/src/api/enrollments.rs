//! `/api/v1/borrowers/{id}/enrollments[/{enrollment_id}[/cancel]]`, and the sandbox's test
//! helpers `/api/v1/sandbox/borrowers/{id}/advance` (the clock) and
//! `/api/v1/sandbox/borrowers/{id}/enrollments/{enrollment_id}/status` (what a servicer does).

use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};

use super::{borrower_ref, tenant};
use crate::context::AppContext;
use crate::enrollments::{sandbox, service};
use crate::http::{json_object, ok, path_param, query_only, respond};

pub use crate::idempotency::{fingerprint, key_of as idempotency_key};

/// A stored or fresh create result as the response (`Idempotent-Replayed: true` on a replay).
pub fn created_response(c: service::Created) -> Response<Body> {
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(c.status).unwrap_or(StatusCode::CREATED))
        .header("content-type", "application/json")
        .body(Body::Text(c.body))
        .expect("static response parts are valid");
    if c.replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp
}

/// `POST /borrowers/{id}/enrollments` with an EnrollmentPayload (bare or wrapped), and an
/// optional `Idempotency-Key` header.
pub async fn create(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let r = borrower_ref(&req)?;
            let body = json_object(&req)?;
            let key = idempotency_key(&req);
            let idem = key.as_deref().map(|k| (k, fingerprint(&req)));
            let c = service::create(ctx, &t, &r, &body, idem, "the API").await?;
            Ok(created_response(c))
        }
        .await,
    )
}

/// `GET /borrowers/{id}/enrollments`.
pub async fn list(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            query_only(&req, &[])?;
            ok(&service::list(ctx, &t, &borrower_ref(&req)?).await?)
        }
        .await,
    )
}

/// `GET /borrowers/{id}/enrollments/{enrollment_id}` (integer id or uuid).
pub async fn get(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let r = borrower_ref(&req)?;
            let e = path_param(&req, "enrollment_id")?;
            ok(&service::get(ctx, &t, &r, &e).await?)
        }
        .await,
    )
}

/// `POST /borrowers/{id}/enrollments/{enrollment_id}/cancel` `{"reason"?}` (the body may be
/// empty).
pub async fn cancel(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(ctx, req, crate::idempotency::Stored::Plain, cancel_once).await
}

async fn cancel_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let r = borrower_ref(&req)?;
            let e = path_param(&req, "enrollment_id")?;
            let body = optional_object(&req)?;
            ok(&service::cancel(ctx, &t, &r, &e, &body).await?)
        }
        .await,
    )
}

/// `POST /api/v1/sandbox/borrowers/{id}/advance` `{"days": N}` (sandbox clients only).
pub async fn advance(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(ctx, req, crate::idempotency::Stored::Plain, advance_once).await
}

async fn advance_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let r = borrower_ref(&req)?;
            let body = json_object(&req)?;
            ok(&sandbox::advance(ctx, &t, &r, &body).await?)
        }
        .await,
    )
}

/// `POST /api/v1/sandbox/borrowers/{id}/enrollments/{enrollment_id}/status`
/// `{"status": "needs_attention" | "unprocessable" | "resolved", "reason"?}` (sandbox clients
/// only).
pub async fn sandbox_status(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(
        ctx,
        req,
        crate::idempotency::Stored::Plain,
        sandbox_status_once,
    )
    .await
}

async fn sandbox_status_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let r = borrower_ref(&req)?;
            let e = path_param(&req, "enrollment_id")?;
            let body = json_object(&req)?;
            ok(&sandbox::set_status(ctx, &t, &r, &e, &body).await?)
        }
        .await,
    )
}

fn optional_object(
    req: &Request,
) -> Result<serde_json::Map<String, serde_json::Value>, crate::ApiError> {
    let empty = match req.body() {
        Body::Empty => true,
        Body::Text(t) => t.trim().is_empty(),
        Body::Binary(b) => b.iter().all(u8::is_ascii_whitespace),
        _ => true,
    };
    if empty {
        Ok(serde_json::Map::new())
    } else {
        json_object(req)
    }
}
