//! Lambda function for one event source; all behaviour lives in `shared::api::webhooks::deliver`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve_events(shared::api::webhooks::deliver).await
}
