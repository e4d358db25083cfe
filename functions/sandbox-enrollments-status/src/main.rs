//! Lambda function for one route; all behaviour lives in
//! `shared::api::enrollments::sandbox_status`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::enrollments::sandbox_status).await
}
