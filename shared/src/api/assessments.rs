//! `/api/v1/borrowers/{id}/repayment_options` and `/forgiveness_options`.

use lambda_http::{Body, Request, Response};

use super::{borrower_ref, tenant};
use crate::assessment;
use crate::context::AppContext;
use crate::http::{ok, query_only, respond};

/// `GET /borrowers/{id}/repayment_options?as_of=YYYY-MM-DD` (default today).
pub async fn repayment_options(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let r = borrower_ref(&req)?;
            let q = query_only(&req, &["as_of"])?;
            let as_of = assessment::as_of(q.get("as_of").map(String::as_str))?;
            ok(&assessment::repayment_options(ctx, &t, &r, as_of).await?)
        }
        .await,
    )
}

/// `GET /borrowers/{id}/forgiveness_options?as_of=YYYY-MM-DD`.
pub async fn forgiveness_options(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let r = borrower_ref(&req)?;
            let q = query_only(&req, &["as_of"])?;
            let as_of = assessment::as_of(q.get("as_of").map(String::as_str))?;
            ok(&assessment::forgiveness_options(ctx, &t, &r, as_of).await?)
        }
        .await,
    )
}
