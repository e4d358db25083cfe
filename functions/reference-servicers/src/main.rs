//! Lambda function for one route; all behaviour lives in `shared::api::reference::servicers`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::reference::servicers).await
}
