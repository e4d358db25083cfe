//! Lambda function for one route; all behaviour lives in `shared::api::webhooks::test`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::webhooks::test).await
}
