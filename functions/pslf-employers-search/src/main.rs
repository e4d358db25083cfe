//! Lambda function for one route; all behaviour lives in `shared::api::employers::search`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::employers::search).await
}
