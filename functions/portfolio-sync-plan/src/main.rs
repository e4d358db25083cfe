//! Lambda function for one event source (the sync schedule); all behaviour lives in
//! `shared::api::sync::plan`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve_events_until(shared::api::sync::plan).await
}
