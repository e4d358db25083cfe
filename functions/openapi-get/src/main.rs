//! Lambda function for one route; all behaviour lives in `shared::api::openapi::get`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::openapi::get).await
}
