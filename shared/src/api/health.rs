//! `GET /api/v1/health`: no auth; 200 once the table answers, 503 before.

use lambda_http::{Body, Request, Response};

use crate::context::AppContext;
use crate::error::ApiError;
use crate::http::{ok, respond};

/// The service is up and its database answers.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Health {
    #[schemars(schema_with = "ok_only")]
    pub status: &'static str,
    /// The deployed version.
    pub version: &'static str,
}

fn ok_only(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "const": "ok"})
}

pub async fn get(ctx: &AppContext, _req: Request) -> Response<Body> {
    respond(match ctx.store.ping().await {
        Ok(()) => ok(&Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
        }),
        Err(_) => Err(ApiError::Unavailable(
            "The database is not reachable yet.".into(),
        )),
    })
}
