//! `GET /api/v1/pslf/employers` (also `/api/v1/employers/search`): PSLF employer search.

use lambda_http::{Body, Request, Response};

use super::tenant;
use crate::context::AppContext;
use crate::employers::search;
use crate::http::{ok, respond, single_query_params};

/// `GET /api/v1/pslf/employers?q=&state=&limit=&type=` (secret API key): the employers whose
/// name starts with `q`, grouped by type, `limit` per type. See docs/employers.md.
pub async fn search(ctx: &AppContext, req: Request) -> Response<Body> {
    respond(
        async {
            // The data is shared, but the route is for clients: a key is required.
            tenant(ctx, &req).await?;
            let q = search::parse_query(&single_query_params(&req)?)?;
            ok(&search::search(&ctx.store, &q).await?.view())
        }
        .await,
    )
}
