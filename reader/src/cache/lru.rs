//! Least-recently-used order as a queue of `(stamp, key)` in stamp order.
//!
//! Stamps grow monotonically, so appending keeps the queue sorted. A touch
//! re-stamps the entry and appends a new pair; the old pair stays behind as
//! a stale record (its stamp no longer matches the entry's) and is dropped
//! when it reaches the front or when the queue is compacted. A hit therefore
//! costs one append instead of a tree removal and insertion, and eviction
//! pops stale pairs until it finds the least recently used live one.

use std::collections::VecDeque;

use super::{Entry, Key, Map};

#[derive(Default)]
pub(crate) struct Lru {
    order: VecDeque<(u64, Key)>,
    next_tick: u64,
}

impl Lru {
    pub(crate) fn insert(&mut self, key: Key, entry: &mut Entry) {
        entry.tick = self.next_tick;
        self.order.push_back((self.next_tick, key));
        self.next_tick += 1;
    }

    /// Mark `key` most recently used (`live` is the number of cached pages).
    /// Entries already among the most recent quarter are left in place:
    /// re-stamping them would not change which entry is evicted next, and
    /// skipping it keeps hot-page hits cheap. Returns whether the queue has
    /// grown enough stale pairs to be worth [`Lru::compact`].
    pub(crate) fn touch(&mut self, key: Key, entry: &mut Entry, live: usize) -> bool {
        let recent = (live as u64 / 4).max(1);
        if entry.tick + recent >= self.next_tick && live > 4 {
            return false;
        }
        self.insert(key, entry);
        self.order.len() > 2 * live + 64
    }

    /// Drop stale pairs.
    pub(crate) fn compact(&mut self, map: &Map) {
        self.order
            .retain(|(tick, key)| map.get(key).is_some_and(|e| e.tick == *tick));
    }

    /// Remove and return the least recently used unpinned key. Pinned
    /// entries met on the way are re-stamped as recent (they cannot be
    /// evicted; once unpinned they age again from the back of the queue).
    pub(crate) fn victim(&mut self, map: &mut Map) -> Option<Key> {
        let mut pinned_seen = 0;
        while let Some((tick, key)) = self.order.pop_front() {
            let Some(entry) = map.get_mut(&key) else {
                continue;
            };
            if entry.tick != tick {
                continue;
            }
            if entry.pins == 0 {
                return Some(key);
            }
            self.insert(key, entry);
            pinned_seen += 1;
            if pinned_seen > map.len() {
                return None;
            }
        }
        None
    }

    pub(crate) fn retain(&mut self, map: &Map) {
        self.compact(map);
    }
}
