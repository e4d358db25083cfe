//! Lambda function for one route; all behaviour lives in `shared::api::borrowers::upload_income_certification`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::borrowers::upload_income_certification).await
}
