//! `/api/v1/borrowers` and `/api/v1/borrowers/{id}`.

use lambda_http::{Body, Request, Response};

use super::{borrower_ref, tenant};
use crate::borrowers::{self, Mode};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::http::{created, envelope, no_content, ok, query_only, respond};
use crate::model::payload::parse_borrower_payload;

/// `POST /api/v1/borrowers` with `{"borrower": BorrowerPayload}` -> 201 Borrower.
pub async fn create(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(ctx, req, crate::idempotency::Stored::Plain, create_once).await
}

async fn create_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let patch = borrower_patch(&req)?;
            created(&borrowers::create(ctx, &t, patch).await?.view())
        }
        .await,
    )
}

/// The `{"borrower": BorrowerPayload}` body, with a warning for each key beside `borrower`.
fn borrower_patch(req: &Request) -> Result<crate::model::payload::BorrowerPatch, ApiError> {
    let (payload, beside) = envelope(req, "borrower")?;
    let mut patch = parse_borrower_payload(&payload)?;
    patch.warnings.extend(beside);
    Ok(patch)
}

/// `GET /api/v1/borrowers/{id}`.
pub async fn get(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            ok(&ctx.store.borrower(&t, &borrower_ref(&req)?).await?.view())
        }
        .await,
    )
}

/// `PUT` (replace) and `PATCH` (merge) `/api/v1/borrowers/{id}`.
pub async fn update(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            // PUT merges like PATCH (Payitoff v1 clients send PUT with only the fields they
            // change, and expect the rest, such as what Nexus filled in, to survive); `null`
            // clears a field.
            let mode = match req.method().as_str() {
                "PUT" | "PATCH" => Mode::Merge,
                m => {
                    return Err(ApiError::MethodNotAllowed(format!(
                        "{m} is not allowed here; use PUT or PATCH."
                    )))
                }
            };
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let r = borrower_ref(&req)?;
            let patch = borrower_patch(&req)?;
            ok(&borrowers::update(ctx, &t, &r, patch, mode).await?.view())
        }
        .await,
    )
}

/// `DELETE /api/v1/borrowers/{id}` -> 204; removes everything the borrower owns.
pub async fn delete(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            borrowers::delete(ctx, &t, &borrower_ref(&req)?).await?;
            no_content()
        }
        .await,
    )
}

/// `GET /api/v1/borrowers?limit=&cursor=&external_id=`.
pub async fn list(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let q = query_only(&req, &["limit", "cursor", "external_id"])?;
            let body = borrowers::list(
                ctx,
                &t,
                q.get("limit").map(String::as_str),
                q.get("cursor").map(String::as_str),
                q.get("external_id").map(String::as_str),
            )
            .await?;
            ok(&body)
        }
        .await,
    )
}

/// `POST /api/v1/borrowers/{id}/income_certifications?type=pay_stub` with the document itself
/// as the body (`Content-Type: application/pdf`, `image/png` or `image/jpeg`) -> 201 its
/// metadata. The content decides: a body that is not what its Content-Type says is refused.
pub async fn upload_income_certification(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(
        ctx,
        req,
        crate::idempotency::Stored::Plain,
        upload_income_certification_once,
    )
    .await
}

async fn upload_income_certification_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let r = borrower_ref(&req)?;
            let q = query_only(&req, &["type"])?;
            let types = crate::model::payload::INCOME_CERT_TYPES;
            let kind = match q.get("type").map(String::as_str) {
                Some(k) if types.contains(&k) => k,
                Some(_) => {
                    return Err(ApiError::field(
                        "type",
                        format!("must be one of {}", types.join(", ")),
                    ))
                }
                None => {
                    return Err(ApiError::field(
                        "type",
                        format!("is required: one of {}", types.join(", ")),
                    ))
                }
            };
            let declared = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
                .unwrap_or_default();
            if !["application/pdf", "image/png", "image/jpeg"].contains(&declared.as_str()) {
                return Err(ApiError::UnsupportedMediaType(
                    "Send the document itself with Content-Type application/pdf, image/png or image/jpeg (or use income_certification in the BorrowerPayload for base64)."
                        .into(),
                ));
            }
            let bytes: &[u8] = match req.body() {
                Body::Binary(b) => b,
                Body::Text(t) => t.as_bytes(),
                _ => &[],
            };
            let actual = crate::documents::check(bytes).map_err(|why| ApiError::field("file", why))?;
            if actual != declared {
                return Err(ApiError::field(
                    "file",
                    format!("is {actual} by its content, not {declared}"),
                ));
            }
            created(&borrowers::upload_income_certification(ctx, &t, &r, kind, bytes).await?)
        }
        .await,
    )
}
