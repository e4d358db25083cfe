//! The init-once runner every function's `main` calls.

use std::future::Future;

use lambda_http::{service_fn, Body, Error, Request, Response};

use crate::context::AppContext;

/// Builds the context once (cold start) and opens its DynamoDB connection (unless the
/// function has no table access: `WARM_TABLE=off`).
async fn cold_start() -> Result<&'static AppContext, Error> {
    crate::logging::init();
    let ctx: &'static AppContext = Box::leak(Box::new(AppContext::from_env().await?));
    if std::env::var("WARM_TABLE").map_or(true, |v| v != "off") {
        ctx.store.warm(std::time::Duration::from_secs(1)).await;
    }
    Ok(ctx)
}

/// Builds the context once (cold start), then serves `handler` for every invocation.
pub async fn serve<F, Fut>(handler: F) -> Result<(), Error>
where
    F: Fn(&'static AppContext, Request) -> Fut,
    Fut: Future<Output = Response<Body>> + Send,
{
    let ctx = cold_start().await?;
    lambda_http::run(service_fn(move |req: Request| {
        use lambda_http::RequestExt;
        use tracing::Instrument;
        // The Lambda request id: the runtime's own log lines carry it too.
        let id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let span = tracing::info_span!("request", request_id = %id);
        // The path only: query strings may carry a Nexus key or an init token.
        span.in_scope(|| {
            tracing::trace!(method = %req.method(), path = %req.uri().path(), "request received")
        });
        let fut = handler(ctx, req).instrument(span);
        async move { Ok::<_, std::convert::Infallible>(crate::http::finish(fut.await, &id)) }
    }))
    .await
}

/// The runner for a function fed by another event source (SQS, a schedule): builds the context
/// once, then hands each event's payload to `handler`.
pub async fn serve_events<E, R, F, Fut>(handler: F) -> Result<(), Error>
where
    E: serde::de::DeserializeOwned + Send + 'static,
    R: serde::Serialize + Send + 'static,
    F: Fn(&'static AppContext, E) -> Fut,
    Fut: Future<Output = R> + Send,
{
    let ctx = cold_start().await?;
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: lambda_http::LambdaEvent<E>| {
            let fut = handler(ctx, event.payload);
            async move { Ok::<R, std::convert::Infallible>(fut.await) }
        },
    ))
    .await
}

/// The runner for an event-source function that must finish before the invocation's deadline
/// (the sync planner and worker): the handler is given the deadline from the Lambda context, and
/// an `Err` fails the invocation (so the schedule's retries and Lambda's error metrics see it).
pub async fn serve_events_until<E, R, F, Fut>(handler: F) -> Result<(), Error>
where
    E: serde::de::DeserializeOwned + Send + 'static,
    R: serde::Serialize + Send + 'static,
    F: Fn(&'static AppContext, E, std::time::Instant) -> Fut,
    Fut: Future<Output = Result<R, crate::ApiError>> + Send,
{
    let ctx = cold_start().await?;
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: lambda_http::LambdaEvent<E>| {
            let deadline = deadline_from_epoch_ms(event.context.deadline);
            let fut = handler(ctx, event.payload, deadline);
            async move { fut.await.map_err(|e| Error::from(e.to_string())) }
        },
    ))
    .await
}

/// How long the invocation may still run, from the Lambda context's deadline (ms since the
/// epoch).
///
/// `cargo lambda watch` sends the timeout itself (600000: ten minutes) rather than a time;
/// a value before 2001 is read that way. A deadline less than a second away when the
/// invocation starts cannot be Lambda's (a function's timeout is at least a second): the
/// handler then gets [`LOCAL_SECONDS`].
pub fn deadline_from_epoch_ms(deadline_ms: u64) -> std::time::Instant {
    if deadline_ms < 1_000_000_000_000 {
        return std::time::Instant::now() + std::time::Duration::from_millis(deadline_ms.max(1000));
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let left = deadline_ms.saturating_sub(now_ms);
    if left < 1000 {
        tracing::warn!(
            deadline_ms,
            now_ms,
            "no usable invocation deadline; using {LOCAL_SECONDS} s"
        );
        return std::time::Instant::now() + std::time::Duration::from_secs(LOCAL_SECONDS);
    }
    std::time::Instant::now() + std::time::Duration::from_millis(left)
}

/// The run time given to an invocation without a usable deadline (local emulators).
pub const LOCAL_SECONDS: u64 = 60;
