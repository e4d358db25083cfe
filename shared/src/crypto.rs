//! SSN encryption at rest (AES-256-GCM) and API-key hashing.
//!
//! An SSN is sealed as `v1:<base64(nonce || ciphertext)>` with the borrower's UUID as associated
//! data, so a ciphertext copied onto another borrower's item fails to open. The key comes from
//! configuration (`SSN_KEY`, 32 bytes as base64 or hex); it is never logged.

use aes_gcm::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct SsnCipher {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SsnCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SsnCipher(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CryptoError {
    #[error("SSN_KEY must be 32 bytes, given as 44 base64 or 64 hex characters")]
    BadKey,
    #[error("sealed value is malformed or was not sealed for this record")]
    Open,
}

impl SsnCipher {
    /// Parses a 32-byte key given as base64 or hex.
    pub fn from_key_text(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| CryptoError::BadKey)?
        } else {
            B64.decode(text).map_err(|_| CryptoError::BadKey)?
        };
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        Ok(SsnCipher {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
        })
    }

    /// A fresh random key, base64-encoded (used by `scripts/dev` for the local key file).
    pub fn generate_key_text() -> String {
        B64.encode(Aes256Gcm::generate_key(OsRng))
    }

    pub fn seal(&self, plaintext: &str, record: &str) -> String {
        self.seal_bytes(plaintext.as_bytes(), record)
    }

    /// Seals any bytes (an uploaded document) bound to `record`.
    pub fn seal_bytes(&self, plaintext: &[u8], record: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: record.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of a short message cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v1:{}", B64.encode(out))
    }

    /// Opens what [`SsnCipher::seal_bytes`] sealed for `record`.
    pub fn open_bytes(&self, sealed: &str, record: &str) -> Result<Vec<u8>, CryptoError> {
        let raw = sealed
            .strip_prefix("v1:")
            .and_then(|b| B64.decode(b).ok())
            .filter(|raw| raw.len() > 12)
            .ok_or(CryptoError::Open)?;
        let (nonce, ct) = raw.split_at(12);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: record.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)
    }

    pub fn open(&self, sealed: &str, record: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.open_bytes(sealed, record)?).map_err(|_| CryptoError::Open)
    }
}

/// SHA-256 of an API key, hex-encoded. Keys are high-entropy random strings (or the published
/// sandbox keys), so a fast hash is the right tool; only the hash is ever stored.
pub fn hash_key(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret with a readable prefix, e.g. `lp_live_3f9c...` (32 random bytes).
pub fn generate_secret(prefix: &str) -> String {
    format!("{prefix}{}", hex(&Aes256Gcm::generate_key(OsRng)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_roundtrip_and_record_binding() {
        let c = SsnCipher::from_key_text(&SsnCipher::generate_key_text()).unwrap();
        let sealed = c.seal("123456789", "borrower-a");
        assert!(!sealed.contains("123456789"));
        assert_eq!(c.open(&sealed, "borrower-a").unwrap(), "123456789");
        assert_eq!(c.open(&sealed, "borrower-b"), Err(CryptoError::Open));
        // A fresh nonce each time: the same SSN seals differently.
        assert_ne!(c.seal("123456789", "borrower-a"), sealed);
    }

    #[test]
    fn key_text_forms() {
        let hex_key = "00".repeat(32);
        assert!(SsnCipher::from_key_text(&hex_key).is_ok());
        assert_eq!(
            SsnCipher::from_key_text("short").unwrap_err(),
            CryptoError::BadKey
        );
        let other = SsnCipher::from_key_text(&"11".repeat(32)).unwrap();
        let sealed = SsnCipher::from_key_text(&hex_key).unwrap().seal("1", "r");
        assert_eq!(other.open(&sealed, "r"), Err(CryptoError::Open));
    }

    #[test]
    fn key_hash_is_stable_sha256() {
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(generate_secret("lp_").starts_with("lp_"));
        assert_eq!(generate_secret("").len(), 64);
    }
}
