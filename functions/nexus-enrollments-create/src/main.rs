//! Lambda function for one route; all behaviour lives in `shared::api::nexus::enrollments_create`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::nexus::enrollments_create).await
}
