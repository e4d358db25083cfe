//! Lambda function for one route; all behaviour lives in `shared::api::enrollments::list`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::enrollments::list).await
}
