//! Read-only federal reference data: `/loan_types`, `/loan_statuses`, `/repayment_plans`,
//! `/servicers`. Each row carries the source it comes from.

use lambda_http::{Body, Request, Response};
use serde::Serialize;

use super::tenant;
use crate::context::AppContext;
use crate::http::{ok, respond};
use crate::reference::{
    LoanStatuses, LoanTypes, RepaymentPlans, Servicers, LOAN_STATUSES, LOAN_TYPES, REPAYMENT_PLANS,
    SERVICERS,
};

/// Any authenticated client may read a table; it comes back as `{"<key>": [rows]}`.
async fn table<T: Serialize>(ctx: &AppContext, req: &Request, body: T) -> Response<Body> {
    respond(
        tenant(ctx, req)
            .await
            .and_then(|_| crate::http::query_only(req, &[]))
            .and_then(|_| ok(&body)),
    )
}

pub async fn loan_types(ctx: &AppContext, req: Request) -> Response<Body> {
    let body = LoanTypes {
        loan_types: LOAN_TYPES,
    };
    table(ctx, &req, body).await
}

pub async fn loan_statuses(ctx: &AppContext, req: Request) -> Response<Body> {
    let body = LoanStatuses {
        loan_statuses: LOAN_STATUSES,
    };
    table(ctx, &req, body).await
}

pub async fn repayment_plans(ctx: &AppContext, req: Request) -> Response<Body> {
    let body = RepaymentPlans {
        repayment_plans: REPAYMENT_PLANS,
    };
    table(ctx, &req, body).await
}

pub async fn servicers(ctx: &AppContext, req: Request) -> Response<Body> {
    let body = Servicers {
        servicers: SERVICERS,
    };
    table(ctx, &req, body).await
}
