//! `/api/v1/borrowers/{id}/loans`, `/loans/{loan_id}` and `/api/v1/borrowers/{uuid}/portfolio`.

use lambda_http::{Body, Request, Response};

use super::{borrower_ref, tenant};
use crate::context::AppContext;
use crate::http::{created, json_object, no_content, ok, path_param, query_only, respond};
use crate::loans::service;

/// `POST /borrowers/{id}/loans`: `{"loans": [LoanPayload]}` or `{"loans": "<base64 file>"}`.
///
/// The body is Payitoff's: an array of Loan. 201 when a loan was created, 200 when the request
/// only updated or re-imported loans. What happened is also in `Loanpath-Loans-Created`,
/// `-Updated` and `-Unchanged` headers; `?summary=true` returns an object with those counts,
/// the profile fields a file filled, and the file's warnings.
pub async fn create(ctx: &AppContext, req: Request) -> Response<Body> {
    crate::idempotency::guarded(ctx, req, crate::idempotency::Stored::Plain, create_once).await
}

async fn create_once(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            let q = crate::http::query_only(&req, &["summary"])?;
            let summary = match q.get("summary").map(String::as_str) {
                None | Some("false") => false,
                Some("true") => true,
                Some(_) => {
                    return Err(crate::error::ApiError::field(
                        "summary",
                        "must be true or false",
                    ))
                }
            };
            let r = borrower_ref(&req)?;
            let body = service::parse_loans_body(&json_object(&req)?)?;
            let done = service::add_loans(ctx, &t, &r, body).await?;
            let mut resp = match (done.created > 0, summary) {
                (true, true) => created(&done.summary()),
                (true, false) => created(&done.loans),
                (false, true) => ok(&done.summary()),
                (false, false) => ok(&done.loans),
            }?;
            for (name, n) in [
                ("loanpath-loans-created", done.created),
                ("loanpath-loans-updated", done.updated),
                ("loanpath-loans-unchanged", done.unchanged),
            ] {
                resp.headers_mut().insert(name, n.into());
            }
            Ok(resp)
        }
        .await,
    )
}

/// `GET /borrowers/{id}/loans` -> `{"loans": [Loan]}`.
pub async fn list(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            query_only(&req, &[])?;
            ok(&service::list_loans(ctx, &t, &borrower_ref(&req)?).await?)
        }
        .await,
    )
}

/// `DELETE /borrowers/{id}/loans/{loan_id}` (id or uuid of the loan) -> 204.
pub async fn delete(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            let t = tenant(ctx, &req).await?;
            crate::http::query_only(&req, &[])?;
            let r = borrower_ref(&req)?;
            service::delete_loan(ctx, &t, &r, &path_param(&req, "loan_id")?).await?;
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
            query_only(&req, &[])?;
            crate::http::ok_json_text(service::portfolio(ctx, &t, &path_param(&req, "id")?).await?)
        }
        .await,
    )
}
