//! Lambda function for one event source (the sync queue); all behaviour lives in
//! `shared::api::sync::work`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve_events_until(shared::api::sync::work).await
}
