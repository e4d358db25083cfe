//! How the functions reach AWS: one SDK configuration read from the Lambda environment, one
//! HTTP/1.1 client ([`http`]) for every SDK client, and each service's endpoint override.
//!
//! In Lambda the credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`) and the region (`AWS_REGION`) are always in the environment, so a
//! function reads them there rather than through `aws-config`'s default chain, whose profile,
//! SSO, web-identity, STS and IMDS providers would only add code to every cold start
//! (docs/benchmarks.md, "Cold start"). The admin tool, run from a developer's shell, uses the
//! full chain ([`default_chain`]).
//!
//! Endpoints follow the SDK's own variables: `AWS_ENDPOINT_URL_<SERVICE>`, then
//! `AWS_ENDPOINT_URL`; an empty value is unset. Locally they point at the emulators.

pub mod http;

use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use aws_types::sdk_config::SdkConfig;

/// The connect timeout of every client (the SDK's default).
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// The AWS services the functions call, with their endpoint variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    DynamoDb,
    Sqs,
    S3,
    SecretsManager,
}

impl Service {
    pub fn endpoint_var(self) -> &'static str {
        match self {
            Service::DynamoDb => "AWS_ENDPOINT_URL_DYNAMODB",
            Service::Sqs => "AWS_ENDPOINT_URL_SQS",
            Service::S3 => "AWS_ENDPOINT_URL_S3",
            Service::SecretsManager => "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        }
    }
}

/// A missing or unusable setting in the environment (the cold start fails with it).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EnvError(pub String);

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The endpoint override of `service`, if any.
pub fn endpoint_url(service: Service) -> Option<String> {
    var(service.endpoint_var()).or_else(|| var("AWS_ENDPOINT_URL"))
}

/// The settings every SDK configuration shares: our HTTP client, the latest behaviour, the
/// standard retry policy (3 attempts) and the connect timeout.
fn base() -> aws_types::sdk_config::Builder {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http::client())
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        )
}

/// The configuration of a function: credentials and region from the Lambda environment.
pub fn from_env() -> Result<SdkConfig, EnvError> {
    let key = var("AWS_ACCESS_KEY_ID");
    let secret = var("AWS_SECRET_ACCESS_KEY");
    let (Some(key), Some(secret)) = (key, secret) else {
        return Err(EnvError(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)".into(),
        ));
    };
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or_else(|| EnvError("AWS_REGION must be set (Lambda sets it)".into()))?;
    let credentials = Credentials::new(
        key,
        secret,
        var("AWS_SESSION_TOKEN"),
        None,
        "lambda-environment",
    );
    Ok(base()
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

/// The configuration of the admin tool: `aws-config`'s default chain (environment, profiles,
/// assume-role, web identity, container and instance credentials), on our HTTP client.
pub async fn default_chain() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http::client())
        .retry_config(RetryConfig::standard())
        .load()
        .await
}

pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    let mut b = aws_sdk_dynamodb::config::Builder::from(config);
    if let Some(url) = endpoint_url(Service::DynamoDb) {
        b = b.endpoint_url(url);
    }
    aws_sdk_dynamodb::Client::from_conf(b.build())
}

pub fn sqs(config: &SdkConfig) -> aws_sdk_sqs::Client {
    let mut b = aws_sdk_sqs::config::Builder::from(config);
    if let Some(url) = endpoint_url(Service::Sqs) {
        b = b.endpoint_url(url);
    }
    aws_sdk_sqs::Client::from_conf(b.build())
}

/// S3, with path-style addressing when an endpoint is set (the local emulator).
pub fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    let mut b = aws_sdk_s3::config::Builder::from(config);
    if let Some(url) = endpoint_url(Service::S3) {
        b = b.endpoint_url(url).force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

pub fn secrets_manager(config: &SdkConfig) -> aws_sdk_secretsmanager::Client {
    let mut b = aws_sdk_secretsmanager::config::Builder::from(config);
    if let Some(url) = endpoint_url(Service::SecretsManager) {
        b = b.endpoint_url(url);
    }
    aws_sdk_secretsmanager::Client::from_conf(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_variables_are_the_sdks() {
        assert_eq!(
            Service::DynamoDb.endpoint_var(),
            "AWS_ENDPOINT_URL_DYNAMODB"
        );
        assert_eq!(
            Service::SecretsManager.endpoint_var(),
            "AWS_ENDPOINT_URL_SECRETS_MANAGER"
        );
    }

    #[test]
    fn every_client_shares_the_http_client_and_the_connect_timeout() {
        let c = base().region(Region::new("us-east-1")).build();
        assert!(c.http_client().is_some());
        assert_eq!(
            c.timeout_config().and_then(|t| t.connect_timeout()),
            Some(CONNECT_TIMEOUT)
        );
        assert_eq!(c.retry_config().map(|r| r.max_attempts()), Some(3));
    }
}
