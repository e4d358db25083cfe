//! Lambda function for one route; all behaviour lives in `shared::api::loans::portfolio`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::loans::portfolio).await
}
