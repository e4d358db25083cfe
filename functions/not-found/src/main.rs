//! Lambda function for API Gateway's `$default` route (every request that matches no route);
//! all behaviour lives in `shared::api::routes::fallback`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::routes::fallback).await
}
