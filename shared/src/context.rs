//! What a function builds once at cold start and every invocation borrows.

use aws_config::BehaviorVersion;

use crate::crypto::SsnCipher;
use crate::store::Store;
use crate::table::DEFAULT_TABLE_NAME;

#[derive(Clone, Debug)]
pub struct AppContext {
    pub store: Store,
    /// The webhook delivery queue, where the function has one (`WEBHOOK_QUEUE_URL`).
    pub queue: Option<crate::webhooks::queue::Queue>,
    /// The portfolio sync queue, where the function has one (`SYNC_QUEUE_URL`: the planner).
    pub sync_queue: Option<crate::webhooks::queue::Queue>,
    /// The income-document store, where the function has one (`DOCUMENTS_BUCKET`).
    pub documents: Option<crate::documents::DocumentStore>,
    /// The keyring (`crypto`). Only the functions that seal or open SSNs, webhook secrets and
    /// documents may read it (template.yaml); the others have none.
    ssn: Option<SsnCipher>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    BadSsnKey(#[from] crate::crypto::CryptoError),
    /// The keyring's secret could not be read (the SDK's error, which never holds the secret).
    #[error("reading the keyring secret: {0}")]
    KeySecret(String),
}

/// The keyring from a Secrets Manager secret (its `SecretString`), read once at cold start.
pub async fn cipher_from_secret(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<SsnCipher, ConfigError> {
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| {
            ConfigError::KeySecret(
                aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
            )
        })?;
    let text = out
        .secret_string()
        .ok_or_else(|| ConfigError::KeySecret("the secret has no SecretString".into()))?;
    Ok(SsnCipher::from_key_text(text)?)
}

impl AppContext {
    pub fn new(db: aws_sdk_dynamodb::Client, table: &str, ssn: SsnCipher) -> Self {
        AppContext {
            store: Store::new(db, table),
            queue: None,
            sync_queue: None,
            documents: None,
            ssn: Some(ssn),
        }
    }

    pub fn with_documents(mut self, documents: crate::documents::DocumentStore) -> Self {
        self.documents = Some(documents);
        self
    }

    /// The document store. A function deployed without `DOCUMENTS_BUCKET` has none: a
    /// configuration error, not the caller's.
    pub fn documents(&self) -> Result<&crate::documents::DocumentStore, crate::ApiError> {
        self.documents.as_ref().ok_or_else(|| {
            crate::ApiError::Internal("DOCUMENTS_BUCKET is not configured for this function".into())
        })
    }

    pub fn with_queue(mut self, queue: crate::webhooks::queue::Queue) -> Self {
        self.queue = Some(queue);
        self
    }

    pub fn with_sync_queue(mut self, queue: crate::webhooks::queue::Queue) -> Self {
        self.sync_queue = Some(queue);
        self
    }

    /// Reads `TABLE_NAME` and the keyring: in AWS from the Secrets Manager secret named by
    /// `SSN_KEY_SECRET_ID` (at cold start, so the key is never in the function's
    /// configuration); locally from `SSN_KEY`. A malformed or unreadable keyring fails the cold
    /// start. The AWS SDK reads its own environment (`AWS_ENDPOINT_URL_DYNAMODB` points it at
    /// the local emulator).
    pub async fn from_env() -> Result<Self, ConfigError> {
        // One SDK configuration (credentials, region, endpoints) for every client: a cold start
        // resolves the provider chain once, not once per client.
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        let ssn = match (std::env::var("SSN_KEY_SECRET_ID"), std::env::var("SSN_KEY")) {
            (Ok(id), _) if !id.trim().is_empty() => {
                let client = aws_sdk_secretsmanager::Client::new(&config);
                Some(cipher_from_secret(&client, id.trim()).await?)
            }
            (_, Ok(key)) if !key.trim().is_empty() => Some(SsnCipher::from_key_text(&key)?),
            _ => None,
        };
        use crate::webhooks::queue::Queue;
        Ok(AppContext {
            store: Store::new(aws_sdk_dynamodb::Client::new(&config), table_name()),
            queue: Queue::from_env_var(&config, "WEBHOOK_QUEUE_URL"),
            sync_queue: Queue::from_env_var(&config, "SYNC_QUEUE_URL"),
            documents: crate::documents::DocumentStore::from_env(&config),
            ssn,
        })
    }

    /// The SSN and document cipher. A function deployed without `SSN_KEY` has none, which is
    /// a configuration error, not the caller's.
    pub fn cipher(&self) -> Result<&SsnCipher, crate::ApiError> {
        self.ssn.as_ref().ok_or_else(|| {
            crate::ApiError::Internal("SSN_KEY is not configured for this function".into())
        })
    }
}

pub fn table_name() -> String {
    std::env::var("TABLE_NAME").unwrap_or_else(|_| DEFAULT_TABLE_NAME.to_string())
}

pub async fn dynamodb_from_env() -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    aws_sdk_dynamodb::Client::new(&config)
}
