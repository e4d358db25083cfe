//! Lambda function for one route; all behaviour lives in `shared::api::nexus::loader`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::nexus::loader).await
}
