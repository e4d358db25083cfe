//! Lambda function for one route; all behaviour lives in `shared::api::webhooks::deliveries`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::webhooks::deliveries).await
}
