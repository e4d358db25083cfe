//! Lambda function for one route; all behaviour lives in `shared::api::nexus::repayment_options`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::nexus::repayment_options).await
}
