//! Lambda function for one route; all behaviour lives in `shared::api::webhooks::delete`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::webhooks::delete).await
}
