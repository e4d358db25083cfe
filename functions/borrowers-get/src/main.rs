//! Lambda function for one route; all behaviour lives in `shared::api::borrowers::get`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::api::borrowers::get).await
}
