//! Lambda function for one route; all behaviour lives in `shared::api::reference::repayment_plans`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::reference::repayment_plans).await
}
