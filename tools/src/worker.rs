//! The local stand-ins for what AWS runs on its own: the SQS event source in front of the
//! webhook delivery worker, and the schedule that runs the outbox relay.

use std::time::{Duration, Instant};

use shared::AppContext;

/// The queue's name locally (AWS names its own).
pub const QUEUE_NAME: &str = "loanpath-webhooks";

/// Creates (or finds) the local delivery queue and returns its URL.
pub async fn ensure_queue(client: &aws_sdk_sqs::Client) -> Result<String, String> {
    let out = client
        .create_queue()
        .queue_name(QUEUE_NAME)
        .send()
        .await
        .map_err(|e| {
            format!(
                "CreateQueue: {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            )
        })?;
    out.queue_url
        .ok_or_else(|| "CreateQueue returned no URL".to_string())
}

pub fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_sqs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "local", "local", None, None, "local",
        ))
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

/// Polls the queue for ever (long polls of 2 s), delivering webhooks, and runs the relay every
/// 30 seconds.
pub async fn run(ctx: &'static AppContext) {
    let mut last_relay = Instant::now();
    loop {
        match shared::webhooks::local::poll_once(ctx, 2, 30).await {
            Ok(_) => {}
            Err(e) => {
                eprintln!("webhook worker: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        if last_relay.elapsed() > Duration::from_secs(30) {
            last_relay = Instant::now();
            if let Err(e) = shared::webhooks::delivery::relay(ctx, 30).await {
                eprintln!("webhook relay: {e}");
            }
        }
    }
}

pub fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .force_path_style(true)
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "local", "local", None, None, "local",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The local documents bucket's name.
pub const BUCKET_NAME: &str = "loanpath-documents";

/// Creates the local documents bucket if it is missing.
pub async fn ensure_bucket(client: &aws_sdk_s3::Client) -> Result<String, String> {
    match client.create_bucket().bucket(BUCKET_NAME).send().await {
        Ok(_) => Ok(BUCKET_NAME.to_string()),
        Err(e) => {
            let text = format!("{}", aws_sdk_s3::error::DisplayErrorContext(&e));
            if text.contains("BucketAlreadyOwnedByYou") || text.contains("BucketAlreadyExists") {
                Ok(BUCKET_NAME.to_string())
            } else {
                Err(format!("CreateBucket: {text}"))
            }
        }
    }
}
