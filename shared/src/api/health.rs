//! `GET /api/v1/health`: no auth; 200 once the table answers, 503 before.

use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::AppContext;
use crate::error::ApiError;
use crate::http::{ok, respond};

pub async fn get(ctx: &AppContext, _req: Request) -> Response<Body> {
    respond(match ctx.store.ping().await {
        Ok(()) => ok(&json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})),
        Err(_) => Err(ApiError::Unavailable(
            "The database is not reachable yet.".into(),
        )),
    })
}
