//! The local stand-ins for what AWS runs on its own: the SQS event sources in front of the
//! webhook delivery worker and the portfolio sync worker, and the schedules that run the outbox
//! relay and the sync planner.

use std::time::{Duration, Instant};

use shared::AppContext;

/// The queues' names locally (AWS names its own).
pub const QUEUE_NAME: &str = "loanpath-webhooks";
pub const SYNC_QUEUE_NAME: &str = "loanpath-portfolio-sync";

/// Creates (or finds) a local queue and returns its URL.
pub async fn ensure_queue(client: &aws_sdk_sqs::Client, name: &str) -> Result<String, String> {
    let out = client
        .create_queue()
        .queue_name(name)
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

/// Creates (or finds) the local sync queue with its dead-letter queue (a message received five
/// times moves there, as in template.yaml) and returns its URL.
pub async fn ensure_sync_queue(client: &aws_sdk_sqs::Client) -> Result<String, String> {
    let dlq = ensure_queue(client, &format!("{SYNC_QUEUE_NAME}-dlq")).await?;
    let arn = client
        .get_queue_attributes()
        .queue_url(&dlq)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| {
            format!(
                "GetQueueAttributes: {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            )
        })?
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .ok_or("the dead-letter queue has no ARN")?;
    let url = ensure_queue(client, SYNC_QUEUE_NAME).await?;
    client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": 5}).to_string(),
        )
        .send()
        .await
        .map_err(|e| {
            format!(
                "SetQueueAttributes: {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            )
        })?;
    Ok(url)
}

pub fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
        .endpoint_url(endpoint)
        .region(aws_sdk_sqs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "local", "local", None, None, "local",
        ))
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

/// Runs for ever: the webhook worker and relay, and (when the context has a sync queue) the
/// sync planner every `SYNC_SCHEDULE_SECONDS` (60 by default) and the sync worker.
pub async fn run(ctx: &'static AppContext) {
    if ctx.sync_queue().is_some() {
        tokio::spawn(run_sync(ctx, schedule_seconds()));
    }
    run_webhooks(ctx).await
}

/// The sync schedule's interval locally.
pub fn schedule_seconds() -> u64 {
    std::env::var("SYNC_SCHEDULE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(60)
}

/// Polls the webhook queue for ever (long polls of 2 s), delivering webhooks, and runs the
/// relay every 30 seconds.
async fn run_webhooks(ctx: &'static AppContext) {
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

/// The sync planner on a schedule, and the sync worker on its queue (long polls of 2 s).
async fn run_sync(ctx: &'static AppContext, every: u64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        loop {
            tick.tick().await;
            match shared::sync::local::plan_once(ctx, every.clamp(5, 50)).await {
                Ok(r) if r.sent > 0 => eprintln!(
                    "sync planner: {} due, {} sent{}",
                    r.due,
                    r.sent,
                    if r.complete { "" } else { " (more next run)" }
                ),
                Ok(_) => {}
                Err(e) => eprintln!("sync planner: {e}"),
            }
        }
    });
    loop {
        if let Err(e) = shared::sync::local::poll_once(ctx, 2, 60).await {
            eprintln!("sync worker: {e}");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

pub fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
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
