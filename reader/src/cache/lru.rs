//! Least-recently-used order as a map from a monotonically increasing stamp
//! to the key: touching re-stamps, eviction takes the smallest unpinned stamp.

use std::collections::BTreeMap;

use super::{Entry, Key, Map};

#[derive(Default)]
pub(crate) struct Lru {
    order: BTreeMap<u64, Key>,
    next_tick: u64,
}

impl Lru {
    pub(crate) fn insert(&mut self, key: Key, entry: &mut Entry) {
        entry.tick = self.next_tick;
        self.order.insert(self.next_tick, key);
        self.next_tick += 1;
    }

    /// Mark `key` most recently used. Entries already among the most recent
    /// quarter are left in place: re-stamping them would not change which
    /// entry is evicted next, and skipping it keeps hot-page hits cheap.
    pub(crate) fn touch(&mut self, key: Key, entry: &mut Entry) {
        let recent = (self.order.len() as u64 / 4).max(1);
        if entry.tick + recent >= self.next_tick && self.order.len() > 4 {
            return;
        }
        self.order.remove(&entry.tick);
        self.insert(key, entry);
    }

    /// Remove and return the least recently used unpinned key.
    pub(crate) fn victim(&mut self, map: &Map) -> Option<Key> {
        let tick = self
            .order
            .iter()
            .find(|(_, key)| map.get(key).is_some_and(|e| e.pins == 0))
            .map(|(tick, _)| *tick)?;
        self.order.remove(&tick)
    }

    pub(crate) fn retain(&mut self, map: &Map) {
        self.order.retain(|_, key| map.contains_key(key));
    }
}
