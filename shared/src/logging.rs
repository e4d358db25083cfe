//! The log subscriber every function installs.
//!
//! The level comes from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (a level only: `trace`, `debug`,
//! `info`, ...; anything else is `info`), but the Lambda runtime, `lambda_http`, the AWS SDK
//! and the HTTP stack never log below INFO, whatever the environment says: at TRACE the runtime
//! logs the raw event (headers and body: keys, SSNs, typed Nexus credentials, documents).

use lambda_http::tracing::subscriber::filter::{LevelFilter, Targets};
use lambda_http::tracing::subscriber::layer::SubscriberExt;
use lambda_http::tracing::subscriber::util::SubscriberInitExt;

/// Crates that see raw requests, responses or credentials.
pub const CAPPED: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "aws_config",
    "aws_runtime",
    "aws_sigv4",
    "aws_types",
    "aws_credential_types",
    "aws_sdk_dynamodb",
    "aws_sdk_sqs",
    "aws_sdk_s3",
    "aws_sdk_secretsmanager",
    "aws_smithy_http",
    "aws_smithy_json",
    "aws_smithy_query",
    "aws_smithy_xml",
    "aws_smithy_async",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    // The embedded emulator of the local gateway logs request bodies at TRACE.
    "dynoxide",
];

/// The level asked for in the environment (a plain level; directives are ignored).
pub fn requested_level(raw: Option<&str>) -> LevelFilter {
    raw.and_then(|s| s.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO)
}

/// The filter: `level` for our code, at most INFO for every [`CAPPED`] crate. A plain target
/// filter, not `EnvFilter`: that one links a regular-expression engine into every function
/// for directives we never read (docs/benchmarks.md, "Cold start").
pub fn filter(level: LevelFilter) -> Targets {
    let capped = std::cmp::min(level, LevelFilter::INFO);
    Targets::new()
        .with_default(level)
        .with_targets(CAPPED.iter().map(|t| (*t, capped)))
}

/// Installs the subscriber (JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`, as in template.yaml).
pub fn init() {
    let raw = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let filter = filter(requested_level(raw.as_deref()));
    // The builder's own level would cap everything at INFO: the target filter decides.
    let builder = lambda_http::tracing::subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_target(false)
        .without_time();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let _ = if json {
        builder.json().finish().with(filter).try_init()
    } else {
        builder.finish().with(filter).try_init()
    };
}

#[cfg(test)]
mod tests {
    /// Every AWS SDK crate the domain crate depends on is capped (a new one, like the Secrets
    /// Manager client, would otherwise log requests at TRACE).
    #[test]
    fn every_aws_sdk_dependency_is_capped() {
        let manifest = include_str!("../Cargo.toml");
        let sdks: Vec<String> = manifest
            .lines()
            .filter_map(|l| l.trim().strip_prefix("aws-sdk-"))
            .map(|rest| format!("aws_sdk_{}", rest.split(['.', ' ', '=']).next().unwrap()))
            .collect();
        assert!(sdks.len() >= 4, "{sdks:?}");
        for sdk in sdks {
            assert!(
                super::CAPPED.contains(&sdk.as_str()),
                "{sdk} is not in CAPPED"
            );
        }
    }

    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn trace_never_reaches_the_crates_that_see_raw_events() {
        let cap = Capture::default();
        let _guard = lambda_http::tracing::subscriber::util::SubscriberInitExt::set_default(
            lambda_http::tracing::subscriber::fmt()
                .with_max_level(LevelFilter::TRACE)
                .with_writer({
                    let w = cap.clone();
                    move || w.clone()
                })
                .finish()
                .with(filter(requested_level(Some("trace")))),
        );
        lambda_http::tracing::trace!(target: "lambda_runtime", "raw JSON event received: S3cr3t-Pa55");
        lambda_http::tracing::debug!(target: "aws_smithy_runtime", "request body S3cr3t-Pa55");
        lambda_http::tracing::trace!(target: "shared::nexus", "our own trace line");
        lambda_http::tracing::info!(target: "lambda_runtime", "runtime info line");
        // A crate whose name starts like a capped one's is capped by prefix (as before).
        lambda_http::tracing::debug!(target: "hyper_util::client", "pooled S3cr3t-Pa55");
        lambda_http::tracing::debug!(target: "shared::api", "our own debug line");
        let out = String::from_utf8(cap.0.lock().unwrap().clone()).unwrap();
        assert!(!out.contains("S3cr3t-Pa55"), "{out}");
        assert!(out.contains("our own trace line"), "{out}");
        assert!(out.contains("runtime info line"), "{out}");
        assert!(out.contains("our own debug line"), "{out}");
    }

    #[test]
    fn the_environment_names_a_level_only() {
        assert_eq!(requested_level(Some("TRACE")), LevelFilter::TRACE);
        assert_eq!(
            requested_level(Some("lambda_runtime=trace")),
            LevelFilter::INFO
        );
        assert_eq!(requested_level(None), LevelFilter::INFO);
        assert_eq!(requested_level(Some("warn")), LevelFilter::WARN);
    }
}
