//! `/api/v1/borrowers/{id}/loans`, `/loans/{loan_id}` and `/api/v1/borrowers/{uuid}/portfolio`.

use lambda_http::{Body, Request, Response};

use super::{borrower_ref, tenant};
use crate::context::AppContext;
use crate::http::{created, json_object, no_content, ok, path_param, respond};
use crate::portfolio;

/// `POST /borrowers/{id}/loans`: `{"loans": [LoanPayload]}` or `{"loans": "<base64 file>"}`.
/// 201 when a loan was created, 200 when the request only updated or re-imported loans.
pub async fn create(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let r = borrower_ref(&req)?;
            let body = portfolio::parse_loans_body(&json_object(&req)?)?;
            match portfolio::add_loans(ctx, &t, &r, body).await? {
                (true, v) => created(&v),
                (false, v) => ok(&v),
            }
        }
        .await,
    )
}

/// `GET /borrowers/{id}/loans` -> `{"loans": [Loan]}`.
pub async fn list(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            ok(&portfolio::list_loans(ctx, &t, &borrower_ref(&req)?).await?)
        }
        .await,
    )
}

/// `DELETE /borrowers/{id}/loans/{loan_id}` (id or uuid of the loan) -> 204.
pub async fn delete(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let r = borrower_ref(&req)?;
            portfolio::delete_loan(ctx, &t, &r, &path_param(&req, "loan_id")?).await?;
            no_content()
        }
        .await,
    )
}

/// `GET /borrowers/{uuid}/portfolio`.
pub async fn portfolio(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            ok(&portfolio::portfolio(ctx, &t, &path_param(&req, "id")?).await?)
        }
        .await,
    )
}
