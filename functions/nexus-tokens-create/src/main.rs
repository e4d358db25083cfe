//! Lambda function for one route; all behaviour lives in `shared::api::nexus::tokens_create`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::nexus::tokens_create).await
}
