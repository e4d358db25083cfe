//! `/api/v1/borrowers` and `/api/v1/borrowers/{id}`.

use lambda_http::{Body, Request, Response};

use super::{borrower_ref, tenant};
use crate::borrowers::{self, Mode};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::http::{created, envelope, no_content, ok, query_params, respond};
use crate::model::payload::parse_borrower_payload;

/// `POST /api/v1/borrowers` with `{"borrower": BorrowerPayload}` -> 201 Borrower.
pub async fn create(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let patch = parse_borrower_payload(&envelope(&req, "borrower")?)?;
            created(&borrowers::create(ctx, &t, patch).await?.view())
        }
        .await,
    )
}

/// `GET /api/v1/borrowers/{id}`.
pub async fn get(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            ok(&ctx.store.borrower(&t, &borrower_ref(&req)?).await?.view())
        }
        .await,
    )
}

/// `PUT` (replace) and `PATCH` (merge) `/api/v1/borrowers/{id}`.
pub async fn update(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let mode = match req.method().as_str() {
                "PUT" => Mode::Replace,
                "PATCH" => Mode::Merge,
                m => {
                    return Err(ApiError::MethodNotAllowed(format!(
                        "{m} is not allowed here; use PUT or PATCH."
                    )))
                }
            };
            let t = tenant(ctx, &req).await?;
            let r = borrower_ref(&req)?;
            let patch = parse_borrower_payload(&envelope(&req, "borrower")?)?;
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
            let q = query_params(&req);
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
