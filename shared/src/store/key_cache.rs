//! Verified API keys, cached in the warm function so that most requests make no
//! authentication read (issue 11 §6).
//!
//! - Entries are keyed by the key's SHA-256 (never the key), and hold the tenant it opens.
//! - An entry lives [`TTL`] (30 s; `LOANPATH_KEY_CACHE_SECONDS` sets it, 0 turns the cache
//!   off). So a revoked key can still open a warm function for up to 30 s. A revocation or a
//!   mode change made through this same `Store` drops its entries at once.
//! - At most [`MAX_ENTRIES`] keys are held; a full cache first drops what has expired, then
//!   starts afresh.
//! - Only keys that were accepted are cached: an unknown or revoked key is read every time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::model::Tenant;

/// How long a verified key is trusted without reading it again.
pub const TTL: Duration = Duration::from_secs(30);
pub const MAX_ENTRIES: usize = 1024;

#[derive(Debug, Clone)]
pub struct KeyCache {
    ttl: Duration,
    entries: Arc<Mutex<HashMap<String, (Tenant, Instant)>>>,
}

impl Default for KeyCache {
    fn default() -> Self {
        let ttl = std::env::var("LOANPATH_KEY_CACHE_SECONDS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map_or(TTL, |s| Duration::from_secs(s.min(TTL.as_secs())));
        KeyCache::with_ttl(ttl)
    }
}

impl KeyCache {
    pub fn with_ttl(ttl: Duration) -> Self {
        KeyCache {
            ttl,
            entries: Arc::default(),
        }
    }

    pub fn get(&self, key_hash: &str) -> Option<Tenant> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key_hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(t, _)| t.clone())
    }

    pub fn put(&self, key_hash: &str, tenant: &Tenant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            map.retain(|_, (_, at)| at.elapsed() < ttl);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key_hash.to_string(), (tenant.clone(), Instant::now()));
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientMode;

    fn tenant(id: &str) -> Tenant {
        Tenant {
            client_id: id.into(),
            mode: ClientMode::Sandbox,
        }
    }

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let c = KeyCache::with_ttl(Duration::from_millis(50));
        c.put("h1", &tenant("a"));
        assert_eq!(c.get("h1"), Some(tenant("a")));
        assert_eq!(c.get("h2"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.get("h1"), None, "expired");
        let c = KeyCache::with_ttl(Duration::from_secs(30));
        for i in 0..MAX_ENTRIES + 10 {
            c.put(&format!("h{i}"), &tenant("a"));
            assert!(c.len() <= MAX_ENTRIES);
        }
        let off = KeyCache::with_ttl(Duration::ZERO);
        off.put("h", &tenant("a"));
        assert_eq!(off.get("h"), None);
        assert!(off.is_empty());
    }
}
