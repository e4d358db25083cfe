//! Lambda function for one route; all behaviour lives in `shared::api::nexus::sessions_create`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::nexus::sessions_create).await
}
