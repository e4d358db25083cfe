//! What a function builds once at cold start and every invocation borrows.

use aws_config::BehaviorVersion;

use crate::crypto::SsnCipher;
use crate::store::Store;
use crate::table::DEFAULT_TABLE_NAME;

#[derive(Clone, Debug)]
pub struct AppContext {
    pub store: Store,
    pub ssn: SsnCipher,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("SSN_KEY is not set: give the 32-byte SSN encryption key as base64 or hex")]
    MissingSsnKey,
    #[error(transparent)]
    BadSsnKey(#[from] crate::crypto::CryptoError),
}

impl AppContext {
    pub fn new(db: aws_sdk_dynamodb::Client, table: &str, ssn: SsnCipher) -> Self {
        AppContext {
            store: Store::new(db, table),
            ssn,
        }
    }

    /// Reads `TABLE_NAME` and `SSN_KEY`; the AWS SDK reads its own environment
    /// (`AWS_ENDPOINT_URL_DYNAMODB` points it at the local emulator).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let key = std::env::var("SSN_KEY").map_err(|_| ConfigError::MissingSsnKey)?;
        let ssn = SsnCipher::from_key_text(&key)?;
        Ok(Self::new(dynamodb_from_env().await, &table_name(), ssn))
    }
}

pub fn table_name() -> String {
    std::env::var("TABLE_NAME").unwrap_or_else(|_| DEFAULT_TABLE_NAME.to_string())
}

pub async fn dynamodb_from_env() -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    aws_sdk_dynamodb::Client::new(&config)
}
