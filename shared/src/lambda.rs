//! The init-once runner every function's `main` calls.

use std::future::Future;

use lambda_http::{service_fn, Body, Error, Request, Response};

use crate::context::AppContext;

/// Builds the context once (cold start), then serves `handler` for every invocation.
pub async fn serve<F, Fut>(handler: F) -> Result<(), Error>
where
    F: Fn(&'static AppContext, Request) -> Fut,
    Fut: Future<Output = Response<Body>> + Send,
{
    crate::logging::init();
    let ctx: &'static AppContext = Box::leak(Box::new(AppContext::from_env().await?));
    lambda_http::run(service_fn(move |req: Request| {
        // The path only: query strings may carry a Nexus key or an init token.
        tracing::trace!(method = %req.method(), path = %req.uri().path(), "request received");
        let fut = handler(ctx, req);
        async move { Ok::<_, std::convert::Infallible>(fut.await) }
    }))
    .await
}
