//! HTTP handlers: parse the request, call the domain, map the result. One per route; each
//! function binary in `functions/` serves exactly one of them.

pub mod assessments;
pub mod borrowers;
pub mod employers;
pub mod enrollments;
pub mod health;
pub mod loans;
pub mod nexus;
pub mod openapi;
pub mod reference;
pub mod routes;
pub mod sync;
pub mod webhooks;

use lambda_http::{http::header::AUTHORIZATION, Request};

use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::{payload::BorrowerRef, Tenant};

/// Authenticates the request's bearer key to its tenant.
pub async fn tenant(ctx: &AppContext, req: &Request) -> Result<Tenant, ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    ctx.store.authenticate(header).await
}

/// The `{id}` path parameter as a borrower id or uuid. Anything else can name no borrower.
pub fn borrower_ref(req: &Request) -> Result<BorrowerRef, ApiError> {
    let raw = crate::http::path_param(req, "id")?;
    BorrowerRef::parse(&raw).ok_or_else(|| ApiError::not_found("Borrower"))
}
