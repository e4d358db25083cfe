//! What a function builds once at cold start and every invocation borrows.

use std::sync::OnceLock;

use aws_types::sdk_config::SdkConfig;

use crate::crypto::SsnCipher;
use crate::store::Store;
use crate::table::DEFAULT_TABLE_NAME;

#[derive(Clone, Debug)]
pub struct AppContext {
    pub store: Store,
    /// The cold start's SDK configuration, from which the queue and document clients are built
    /// on first use. A client is then linked only into the functions whose code can reach it
    /// (docs/benchmarks.md, "Cold start"). `None` in contexts built by hand (tests).
    sdk: Option<SdkConfig>,
    /// The webhook delivery queue, where the function has one (`WEBHOOK_QUEUE_URL`).
    queue: OnceLock<Option<crate::webhooks::queue::Queue>>,
    /// The portfolio sync queue, where the function has one (`SYNC_QUEUE_URL`: the planner).
    sync_queue: OnceLock<Option<crate::webhooks::queue::Queue>>,
    /// The income-document store, where the function has one (`DOCUMENTS_BUCKET`).
    documents: OnceLock<Option<crate::documents::DocumentStore>>,
    /// The keyring (`crypto`). Only the functions that seal or open SSNs, webhook secrets and
    /// documents may read it (template.yaml); the others have none.
    ssn: Option<SsnCipher>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    BadSsnKey(#[from] crate::crypto::CryptoError),
    #[error(transparent)]
    Environment(#[from] crate::aws::EnvError),
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
            sdk: None,
            queue: OnceLock::new(),
            sync_queue: OnceLock::new(),
            documents: OnceLock::new(),
            ssn: Some(ssn),
        }
    }

    pub fn with_documents(mut self, documents: crate::documents::DocumentStore) -> Self {
        self.documents = OnceLock::from(Some(documents));
        self
    }

    /// The document store (`DOCUMENTS_BUCKET`, its client built on first use). A function
    /// deployed without the bucket has none: a configuration error, not the caller's.
    pub fn documents(&self) -> Result<&crate::documents::DocumentStore, crate::ApiError> {
        self.documents
            .get_or_init(|| {
                self.sdk
                    .as_ref()
                    .and_then(crate::documents::DocumentStore::from_env)
            })
            .as_ref()
            .ok_or_else(|| {
                crate::ApiError::Internal(
                    "DOCUMENTS_BUCKET is not configured for this function".into(),
                )
            })
    }

    pub fn with_queue(mut self, queue: crate::webhooks::queue::Queue) -> Self {
        self.queue = OnceLock::from(Some(queue));
        self
    }

    pub fn with_sync_queue(mut self, queue: crate::webhooks::queue::Queue) -> Self {
        self.sync_queue = OnceLock::from(Some(queue));
        self
    }

    /// The webhook delivery queue (`WEBHOOK_QUEUE_URL`, its client built on first use).
    pub fn queue(&self) -> Option<&crate::webhooks::queue::Queue> {
        self.lazy_queue(&self.queue, "WEBHOOK_QUEUE_URL")
    }

    /// The portfolio sync queue (`SYNC_QUEUE_URL`, its client built on first use).
    pub fn sync_queue(&self) -> Option<&crate::webhooks::queue::Queue> {
        self.lazy_queue(&self.sync_queue, "SYNC_QUEUE_URL")
    }

    /// The queue in `cell`: the one set by hand, else the one the environment variable `var`
    /// names, its client built from the cold start's configuration the first time.
    fn lazy_queue<'a>(
        &'a self,
        cell: &'a OnceLock<Option<crate::webhooks::queue::Queue>>,
        var: &str,
    ) -> Option<&'a crate::webhooks::queue::Queue> {
        cell.get_or_init(|| {
            self.sdk
                .as_ref()
                .and_then(|c| crate::webhooks::queue::Queue::from_env_var(c, var))
        })
        .as_ref()
    }

    /// A function's context: the SDK configuration from the Lambda environment
    /// ([`crate::aws::from_env`]), then [`AppContext::from_config`].
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::from_config(crate::aws::from_env()?).await
    }

    /// The admin tool's context: the SDK's full credential chain
    /// ([`crate::aws::default_chain`]), then [`AppContext::from_config`].
    pub async fn from_default_chain() -> Result<Self, ConfigError> {
        Self::from_config(crate::aws::default_chain().await).await
    }

    /// Reads `TABLE_NAME` and the keyring: in AWS from the Secrets Manager secret named by
    /// `SSN_KEY_SECRET_ID` (at cold start, so the key is never in the function's
    /// configuration); locally from `SSN_KEY`. A malformed or unreadable keyring fails the cold
    /// start. Endpoint variables (`AWS_ENDPOINT_URL_DYNAMODB`, ...) point the clients at the
    /// local emulators.
    pub async fn from_config(config: SdkConfig) -> Result<Self, ConfigError> {
        let ssn = match (std::env::var("SSN_KEY_SECRET_ID"), std::env::var("SSN_KEY")) {
            (Ok(id), _) if !id.trim().is_empty() => {
                let client = crate::aws::secrets_manager(&config);
                Some(cipher_from_secret(&client, id.trim()).await?)
            }
            (_, Ok(key)) if !key.trim().is_empty() => Some(SsnCipher::from_key_text(&key)?),
            _ => None,
        };
        Ok(AppContext {
            store: Store::new(crate::aws::dynamodb(&config), table_name()),
            sdk: Some(config),
            queue: OnceLock::new(),
            sync_queue: OnceLock::new(),
            documents: OnceLock::new(),
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

/// A DynamoDB client on the admin tool's configuration ([`crate::aws::default_chain`]).
pub async fn dynamodb_from_default_chain() -> aws_sdk_dynamodb::Client {
    crate::aws::dynamodb(&crate::aws::default_chain().await)
}
