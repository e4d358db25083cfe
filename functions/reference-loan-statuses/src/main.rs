//! Lambda function for one route; all behaviour lives in `shared::api::reference::loan_statuses`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::reference::loan_statuses).await
}
