//! Integer borrower ids, cached in the warm function (issue 11 §6: one round trip per item
//! collection read). An id's lookup item names its owner and uuid and never changes: ids are
//! never reused, and a deleted borrower's lookup is deleted with it, so a stale entry can only
//! point at items that are gone (a 404, as without the cache). Bounded: a full cache starts
//! afresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

pub const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Clone, Default)]
pub struct IdCache {
    entries: Arc<Mutex<HashMap<i64, (String, Uuid)>>>,
}

impl IdCache {
    pub fn get(&self, id: i64) -> Option<(String, Uuid)> {
        self.entries.lock().ok()?.get(&id).cloned()
    }

    pub fn put(&self, id: i64, owner: String, uuid: Uuid) {
        if let Ok(mut m) = self.entries.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(id, (owner, uuid));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_was_put_and_stays_bounded() {
        let c = IdCache::default();
        let u = Uuid::new_v4();
        assert_eq!(c.get(7), None);
        c.put(7, "client".into(), u);
        assert_eq!(c.get(7), Some(("client".to_string(), u)));
        for i in 0..(MAX_ENTRIES as i64 + 10) {
            c.put(1000 + i, "c".into(), u);
        }
        assert!(c.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
