//! Read-only federal reference data: `/loan_types`, `/loan_statuses`, `/repayment_plans`,
//! `/servicers`. Each row carries the source it comes from.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use super::tenant;
use crate::context::AppContext;
use crate::http::{ok, respond};
use crate::reference::{LOAN_STATUSES, LOAN_TYPES, REPAYMENT_PLANS, SERVICERS};

/// Any authenticated client may read a table; it comes back as `{"<key>": [rows]}`.
async fn table<T: Serialize>(
    ctx: &AppContext,
    req: &Request,
    key: &str,
    rows: &[T],
) -> Response<Body> {
    respond(
        tenant(ctx, req)
            .await
            .and_then(|_| crate::http::query_only(req, &[]))
            .and_then(|_| ok(&json!({ key: rows }))),
    )
}

pub async fn loan_types(ctx: &AppContext, req: Request) -> Response<Body> {
    table(ctx, &req, "loan_types", LOAN_TYPES).await
}

pub async fn loan_statuses(ctx: &AppContext, req: Request) -> Response<Body> {
    table(ctx, &req, "loan_statuses", LOAN_STATUSES).await
}

pub async fn repayment_plans(ctx: &AppContext, req: Request) -> Response<Body> {
    table(ctx, &req, "repayment_plans", REPAYMENT_PLANS).await
}

pub async fn servicers(ctx: &AppContext, req: Request) -> Response<Body> {
    table(ctx, &req, "servicers", SERVICERS).await
}
