//! Lambda function for one route; all behaviour lives in `shared::api::webhooks::rotate`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::webhooks::rotate).await
}
