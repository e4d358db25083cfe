//! Encryption at rest (AES-256-GCM) for SSNs, webhook signing secrets and income documents,
//! and API-key hashing.
//!
//! **The keyring.** `SSN_KEY` (locally) or the Secrets Manager secret named by
//! `SSN_KEY_SECRET_ID` (in AWS, read at cold start) holds either one 32-byte key (base64 or
//! hex; its id is `k0`) or a keyring, `{"active": "k2", "keys": {"k1": "<key>", "k2": "<key>"}}`.
//! New values are sealed with the active key; any key of the ring opens what it sealed, so a
//! new key is added first, `loanpath rotate-keys` re-seals in the background, and the old key
//! is removed last (docs/security.md).
//!
//! **Separate keys per purpose.** Each master key is never used as it is: HKDF-SHA256 derives
//! one key for record fields (SSNs, webhook secrets, stored idempotent responses) and another
//! for documents, so a document key can never open an SSN and the other way round.
//!
//! **Format.** `v2:<key id>:<base64(nonce || ciphertext)>`, with the record's id (the
//! borrower's uuid, the document's object key) as associated data, so a value copied onto
//! another record fails to open. Values written before key ids (`v1:...`) were sealed with the
//! `k0` master key itself and still open; `rotate-keys` re-seals them as v2.

use std::collections::BTreeMap;

use aes_gcm::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use sha2::{Digest, Sha256};

/// What a sealed value is for: each has its own derived key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Field,
    Document,
}

impl Purpose {
    fn info(self) -> &'static [u8] {
        match self {
            Purpose::Field => b"loanpath:v2:field",
            Purpose::Document => b"loanpath:v2:document",
        }
    }
}

#[derive(Clone)]
struct MasterKey {
    /// The key itself (only for v1 values, which were sealed with it directly).
    raw: Aes256Gcm,
    field: Aes256Gcm,
    document: Aes256Gcm,
}

impl MasterKey {
    fn new(bytes: &[u8; 32]) -> Self {
        let derive = |p: Purpose| {
            let hk = hkdf::Hkdf::<Sha256>::new(Some(b"loanpath-keyring"), bytes);
            let mut out = [0u8; 32];
            hk.expand(p.info(), &mut out)
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&out))
        };
        MasterKey {
            raw: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes)),
            field: derive(Purpose::Field),
            document: derive(Purpose::Document),
        }
    }

    fn for_purpose(&self, p: Purpose) -> &Aes256Gcm {
        match p {
            Purpose::Field => &self.field,
            Purpose::Document => &self.document,
        }
    }
}

/// The keyring every sealed value goes through (the name is historical: it began as the SSN
/// key).
#[derive(Clone)]
pub struct SsnCipher {
    keys: BTreeMap<String, MasterKey>,
    active: String,
}

impl std::fmt::Debug for SsnCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key ids only, never key material.
        f.debug_struct("SsnCipher")
            .field("active", &self.active)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CryptoError {
    #[error("SSN_KEY must be 32 bytes, given as 44 base64 or 64 hex characters, or a keyring {{\"active\": id, \"keys\": {{id: key, ...}}}} whose active key is in it")]
    BadKey,
    #[error("sealed value is malformed or was not sealed for this record")]
    Open,
    #[error("sealed with key {0}, which is not in the keyring")]
    UnknownKey(String),
}

fn key_bytes(text: &str) -> Result<[u8; 32], CryptoError> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| CryptoError::BadKey)?
    } else {
        B64.decode(text).map_err(|_| CryptoError::BadKey)?
    };
    bytes.try_into().map_err(|_| CryptoError::BadKey)
}

fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 16
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(serde::Deserialize)]
struct RingText {
    active: String,
    keys: BTreeMap<String, String>,
}

impl SsnCipher {
    /// Parses one 32-byte key (base64 or hex; id `k0`) or a keyring (JSON, see the module).
    pub fn from_key_text(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        if text.starts_with('{') {
            let ring: RingText = serde_json::from_str(text).map_err(|_| CryptoError::BadKey)?;
            let mut keys = BTreeMap::new();
            for (id, k) in &ring.keys {
                if !valid_key_id(id) {
                    return Err(CryptoError::BadKey);
                }
                keys.insert(id.clone(), MasterKey::new(&key_bytes(k)?));
            }
            if !keys.contains_key(&ring.active) {
                return Err(CryptoError::BadKey);
            }
            return Ok(SsnCipher {
                keys,
                active: ring.active,
            });
        }
        let key = MasterKey::new(&key_bytes(text)?);
        Ok(SsnCipher {
            keys: BTreeMap::from([("k0".to_string(), key)]),
            active: "k0".into(),
        })
    }

    /// A fresh random key, base64-encoded (used by `scripts/dev` for the local key file).
    pub fn generate_key_text() -> String {
        B64.encode(Aes256Gcm::generate_key(OsRng))
    }

    /// The keyring `text` with a fresh key added and made active (`loanpath add-key`). A single
    /// key becomes `k0` of the ring; the new key's id is the next `k<n>`.
    pub fn add_key_text(text: &str) -> Result<String, CryptoError> {
        let text = text.trim();
        let mut keys: BTreeMap<String, String> = if text.starts_with('{') {
            SsnCipher::from_key_text(text)?;
            serde_json::from_str::<RingText>(text)
                .map_err(|_| CryptoError::BadKey)?
                .keys
        } else {
            key_bytes(text)?;
            BTreeMap::from([("k0".to_string(), text.to_string())])
        };
        let next = (0..)
            .map(|n| format!("k{n}"))
            .find(|id| !keys.contains_key(id))
            .expect("an unused id");
        keys.insert(next.clone(), SsnCipher::generate_key_text());
        Ok(serde_json::json!({"active": next, "keys": keys}).to_string())
    }

    /// The id of the key new values are sealed with.
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// Whether `sealed` was sealed with the active key in the current format (nothing for
    /// `rotate-keys` to do).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .strip_prefix("v2:")
            .and_then(|r| r.split_once(':'))
            .is_some_and(|(kid, _)| kid == self.active)
    }

    fn seal_with(&self, p: Purpose, plaintext: &[u8], record: &str) -> String {
        let key = self.keys[&self.active].for_purpose(p);
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = key
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: record.as_bytes(),
                },
            )
            .expect("AES-GCM encryption cannot fail for messages under 64 GB");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v2:{}:{}", self.active, B64.encode(out))
    }

    fn open_with(&self, p: Purpose, sealed: &str, record: &str) -> Result<Vec<u8>, CryptoError> {
        let (key, body) = if let Some(rest) = sealed.strip_prefix("v2:") {
            let (kid, body) = rest.split_once(':').ok_or(CryptoError::Open)?;
            let k = self
                .keys
                .get(kid)
                .ok_or_else(|| CryptoError::UnknownKey(kid.chars().take(16).collect()))?;
            (k.for_purpose(p), body)
        } else if let Some(body) = sealed.strip_prefix("v1:") {
            let k = self
                .keys
                .get("k0")
                .ok_or_else(|| CryptoError::UnknownKey("k0".into()))?;
            (&k.raw, body)
        } else {
            return Err(CryptoError::Open);
        };
        let raw = B64
            .decode(body)
            .ok()
            .filter(|raw| raw.len() > 12)
            .ok_or(CryptoError::Open)?;
        let (nonce, ct) = raw.split_at(12);
        key.decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: record.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Open)
    }

    /// Seals a record field (an SSN, a webhook secret) bound to `record`.
    pub fn seal(&self, plaintext: &str, record: &str) -> String {
        self.seal_with(Purpose::Field, plaintext.as_bytes(), record)
    }

    pub fn open(&self, sealed: &str, record: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.open_with(Purpose::Field, sealed, record)?)
            .map_err(|_| CryptoError::Open)
    }

    /// Seals a document (an uploaded income certification) bound to `record`, with the
    /// document key.
    pub fn seal_bytes(&self, plaintext: &[u8], record: &str) -> String {
        self.seal_with(Purpose::Document, plaintext, record)
    }

    /// Opens what [`SsnCipher::seal_bytes`] sealed for `record`.
    pub fn open_bytes(&self, sealed: &str, record: &str) -> Result<Vec<u8>, CryptoError> {
        self.open_with(Purpose::Document, sealed, record)
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
    fn a_keyring_seals_with_its_active_key_and_opens_with_any() {
        let one = SsnCipher::generate_key_text();
        let old = SsnCipher::from_key_text(&one).unwrap();
        let sealed_old = old.seal("123456789", "b1");
        assert!(sealed_old.starts_with("v2:k0:"));
        let ring_text = SsnCipher::add_key_text(&one).unwrap();
        let ring = SsnCipher::from_key_text(&ring_text).unwrap();
        assert_eq!(ring.active_key_id(), "k1");
        assert_eq!(ring.open(&sealed_old, "b1").unwrap(), "123456789");
        let sealed_new = ring.seal("123456789", "b1");
        assert!(sealed_new.starts_with("v2:k1:"));
        assert!(ring.is_current(&sealed_new) && !ring.is_current(&sealed_old));
        // The old single key cannot open what the new key sealed, and says why.
        assert_eq!(
            old.open(&sealed_new, "b1"),
            Err(CryptoError::UnknownKey("k1".into()))
        );
        // Debug shows key ids only.
        assert_eq!(
            format!("{ring:?}"),
            r#"SsnCipher { active: "k1", key_ids: ["k0", "k1"] }"#
        );
        for bad in [
            r#"{"active":"k9","keys":{"k1":"AAAA"}}"#,
            r#"{"active":"k1","keys":{"k1":"short"}}"#,
            r#"{"active":"bad id!","keys":{"bad id!":""}}"#,
        ] {
            assert_eq!(
                SsnCipher::from_key_text(bad).unwrap_err(),
                CryptoError::BadKey
            );
        }
    }

    #[test]
    fn documents_and_fields_have_separate_keys() {
        let c = SsnCipher::from_key_text(&SsnCipher::generate_key_text()).unwrap();
        let doc = c.seal_bytes(b"%PDF-1.7", "doc-1");
        assert_eq!(c.open_bytes(&doc, "doc-1").unwrap(), b"%PDF-1.7");
        assert_eq!(
            c.open(&doc, "doc-1"),
            Err(CryptoError::Open),
            "the field key can't"
        );
        let field = c.seal("123456789", "doc-1");
        assert_eq!(c.open_bytes(&field, "doc-1"), Err(CryptoError::Open));
    }

    #[test]
    fn values_sealed_before_key_ids_still_open() {
        // A v1 value: the master key itself, no derivation (what the code wrote before).
        let text = "22".repeat(32);
        let raw = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&[0x22u8; 32]));
        let nonce = [7u8; 12];
        let ct = raw
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: b"219099999",
                    aad: b"b9",
                },
            )
            .unwrap();
        let v1 = format!("v1:{}", B64.encode([nonce.to_vec(), ct].concat()));
        let c = SsnCipher::from_key_text(&text).unwrap();
        assert_eq!(c.open(&v1, "b9").unwrap(), "219099999");
        assert!(!c.is_current(&v1));
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
