//! Lambda function for one route; all behaviour lives in `shared::api::webhooks::create`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::webhooks::create).await
}
