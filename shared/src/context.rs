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
    /// Only the functions that seal SSNs and income documents are given `SSN_KEY`
    /// (template.yaml); the others have none.
    ssn: Option<SsnCipher>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    BadSsnKey(#[from] crate::crypto::CryptoError),
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

    /// Reads `TABLE_NAME` and, where it is given, `SSN_KEY` (a malformed key fails the cold
    /// start). The AWS SDK reads its own environment (`AWS_ENDPOINT_URL_DYNAMODB` points it at
    /// the local emulator).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let ssn = match std::env::var("SSN_KEY") {
            Ok(key) if !key.trim().is_empty() => Some(SsnCipher::from_key_text(&key)?),
            _ => None,
        };
        Ok(AppContext {
            store: Store::new(dynamodb_from_env().await, table_name()),
            queue: crate::webhooks::queue::Queue::from_env().await,
            sync_queue: crate::webhooks::queue::Queue::from_env_var("SYNC_QUEUE_URL").await,
            documents: crate::documents::DocumentStore::from_env().await,
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
