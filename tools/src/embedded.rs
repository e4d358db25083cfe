//! The embedded table the benchmarks use: an in-process dynoxide over HTTP (in memory, or a
//! SQLite file), and an SDK configuration for it that the caller finishes (its interceptors).

/// Starts dynoxide on a spare port and returns its endpoint (`http://127.0.0.1:P`).
pub(crate) async fn spawn_dynoxide(data: Option<&str>) -> Result<String, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let db = match data {
        Some(path) => dynoxide::Database::new(path),
        None => dynoxide::Database::memory(),
    }
    .map_err(|e| format!("emulator: {e}"))?;
    tokio::spawn(async move {
        let _ = dynoxide::server::serve_with_shutdown(listener, db, std::future::pending()).await;
    });
    Ok(format!("http://{addr}"))
}

/// The embedded emulator on an OS thread of its own, with its own single-threaded runtime: its
/// work (parsing, SQLite, writing the answer, the connection's upkeep after it) never runs on
/// the caller's runtime, as DynamoDB's never runs in a Lambda function
/// (`bench-requests --emulator thread`).
pub(crate) fn spawn_dynoxide_thread() -> Result<String, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("dynoxide".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return drop(tx.send(Err(e.to_string()))),
            };
            rt.block_on(async move {
                let _ = tx.send(spawn_dynoxide(None).await);
                std::future::pending::<()>().await
            });
        })
        .map_err(|e| e.to_string())?;
    rx.recv().map_err(|e| e.to_string())?
}

/// The DynamoDB configuration for the embedded table, with local credentials.
pub(crate) fn dynamo_config(endpoint: &str) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
        .endpoint_url(endpoint)
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "local",
        ))
}

/// A fresh SSN and document key for a benchmark's throwaway table.
pub(crate) fn fresh_cipher() -> Result<shared::crypto::SsnCipher, String> {
    shared::crypto::SsnCipher::from_key_text(&shared::crypto::SsnCipher::generate_key_text())
        .map_err(|e| e.to_string())
}

/// A context on the embedded table (created), with a new sandbox client: its secret key.
pub(crate) async fn sandbox_app(
    conf: aws_sdk_dynamodb::Config,
) -> Result<(&'static shared::AppContext, String), String> {
    let ctx: &'static shared::AppContext = Box::leak(Box::new(shared::AppContext::new(
        aws_sdk_dynamodb::Client::from_conf(conf),
        "loanpath",
        fresh_cipher()?,
    )));
    ctx.store.ensure_table().await.map_err(|e| e.to_string())?;
    let client = ctx
        .store
        .create_client("Bench", None, shared::model::ClientMode::Sandbox)
        .await
        .map_err(|e| e.to_string())?;
    Ok((ctx, client.api_key))
}
