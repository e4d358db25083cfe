//! Income-certification documents: checked by their content, sealed with our own key, and kept
//! in an object store (S3 in AWS, with server-side encryption; moto's S3-compatible server
//! locally). DynamoDB keeps only the metadata: type, size, SHA-256, content type, object key,
//! upload time.
//!
//! * [`sniff`]: PDF, PNG or JPEG by their magic bytes, never by a name or a header;
//! * [`DocumentStore`]: the object-store port's adapter (the AWS SDK for S3);
//! * [`migrate`]: moves documents that older versions kept inside DynamoDB items.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use crate::store::internal;

/// Largest accepted document (decoded). In AWS, Lambda's 6 MB request limit makes the practical
/// ceiling through API Gateway about 4.4 MB for a raw upload (API Gateway base64-encodes binary
/// bodies) and about 4.4 MB of document inside a base64 JSON payload.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// A document type we accept, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Checks a document: not empty, within the limit, a PDF, PNG or JPEG. The problem names what
/// is wrong, for a 422 on `field`.
pub fn check(bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("must not be empty".into());
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "must be at most {} MB; this one is {:.1} MB",
            MAX_DOCUMENT_BYTES / (1024 * 1024),
            bytes.len() as f64 / (1024.0 * 1024.0)
        ));
    }
    sniff(bytes)
        .ok_or_else(|| "must be a PDF, PNG or JPEG document (checked by its content)".into())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::crypto::hex(&Sha256::digest(bytes))
}

/// The object key of a borrower's income certification.
pub fn object_key(client_id: &str, borrower: &Uuid, id: i64) -> String {
    format!("income-certifications/{client_id}/{borrower}/{id:015}")
}

#[derive(Clone, Debug)]
pub struct DocumentStore {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl DocumentStore {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        DocumentStore {
            client,
            bucket: bucket.into(),
        }
    }

    /// `DOCUMENTS_BUCKET`, on the cold start's SDK configuration (path-style addressing when an
    /// endpoint is set: `AWS_ENDPOINT_URL_S3`, the local emulator).
    pub fn from_env(config: &aws_types::SdkConfig) -> Option<Self> {
        let bucket = std::env::var("DOCUMENTS_BUCKET")
            .ok()
            .filter(|b| !b.is_empty())?;
        Some(DocumentStore::new(crate::aws::s3(config), bucket))
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Stores an already sealed document under `key`, encrypted at rest by S3 too.
    pub async fn put(&self, key: &str, sealed: String) -> Result<(), ApiError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/octet-stream")
            .server_side_encryption(ServerSideEncryption::Aes256)
            .body(ByteStream::from(sealed.into_bytes()))
            .send()
            .await
            .map_err(|e| internal("PutObject", e))?;
        Ok(())
    }

    /// The sealed document under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<String>, ApiError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(internal("GetObject", e)),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| ApiError::Internal(format!("GetObject body: {e}")))?
            .into_bytes();
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| internal("DeleteObject", e))?;
        Ok(())
    }
}

pub mod migrate;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        for other in [&b"GIF89a"[..], b"PK\x03\x04", b"<html>", b"%PD"] {
            assert_eq!(sniff(other), None);
        }
        assert!(check(b"").unwrap_err().contains("empty"));
        assert!(check(&vec![b'%'; MAX_DOCUMENT_BYTES + 1])
            .unwrap_err()
            .contains("10 MB"));
        assert!(check(b"hello").unwrap_err().contains("PDF, PNG or JPEG"));
        assert_eq!(
            object_key("c", &Uuid::nil(), 7),
            "income-certifications/c/00000000-0000-0000-0000-000000000000/000000000000007"
        );
    }
}
