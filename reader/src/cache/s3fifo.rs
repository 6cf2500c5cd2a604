//! S3-FIFO eviction (Juncheng Yang et al., "FIFO queues are all you need for
//! cache eviction", SOSP 2023), by bytes.
//!
//! New pages enter a small FIFO holding ~10% of the budget. Evicting from it,
//! a page that was hit moves to the main FIFO; one that was not leaves, and
//! its key is remembered in a ghost FIFO. A page whose key is in the ghost
//! queue enters main directly. Evicting from main, a page that was hit has
//! its counter decremented and goes back to the tail.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::{Key, Map};

pub(crate) struct S3Fifo {
    small: VecDeque<(Key, u64)>,
    main: VecDeque<(Key, u64)>,
    small_bytes: u64,
    small_target: u64,
    /// Ghost keys with the sequence number of their entry in `ghost_order`.
    ghost: FxHashMap<Key, u64>,
    ghost_order: VecDeque<(Key, u64)>,
    ghost_seq: u64,
}

impl S3Fifo {
    pub(crate) fn new(budget: u64) -> S3Fifo {
        S3Fifo {
            small: VecDeque::new(),
            main: VecDeque::new(),
            small_bytes: 0,
            small_target: (budget / 10).max(1),
            ghost: FxHashMap::default(),
            ghost_order: VecDeque::new(),
            ghost_seq: 0,
        }
    }

    pub(crate) fn insert(&mut self, key: Key, charge: u64) {
        if self.ghost.remove(&key).is_some() {
            self.main.push_back((key, charge));
        } else {
            self.small.push_back((key, charge));
            self.small_bytes += charge;
        }
    }

    fn remember(&mut self, key: Key) {
        self.ghost_seq += 1;
        self.ghost.insert(key, self.ghost_seq);
        self.ghost_order.push_back((key, self.ghost_seq));
        // The ghost queue remembers about as many keys as the cache holds.
        let limit = (self.small.len() + self.main.len()).max(64);
        while self.ghost.len() > limit {
            let Some((old, seq)) = self.ghost_order.pop_front() else {
                break;
            };
            if self.ghost.get(&old) == Some(&seq) {
                self.ghost.remove(&old);
            }
        }
        if self.ghost_order.len() > 4 * limit {
            let ghost = &self.ghost;
            self.ghost_order.retain(|(k, s)| ghost.get(k) == Some(s));
        }
    }

    /// Pick and unlink a victim; `None` when every page is pinned.
    pub(crate) fn victim(&mut self, map: &mut Map) -> Option<Key> {
        let mut budget = 2 * (self.small.len() + self.main.len()) + 2;
        while budget > 0 {
            budget -= 1;
            if !self.small.is_empty()
                && (self.small_bytes > self.small_target || self.main.is_empty())
            {
                let (key, charge) = self.small.pop_front().expect("non-empty");
                self.small_bytes -= charge;
                let entry = map.get_mut(&key).expect("queued keys are cached");
                if entry.pins > 0 || entry.freq > 0 {
                    // Hit (or pinned, which means hot): promote to main.
                    entry.freq = 0;
                    self.main.push_back((key, charge));
                } else {
                    self.remember(key);
                    return Some(key);
                }
            } else if let Some((key, charge)) = self.main.pop_front() {
                let entry = map.get_mut(&key).expect("queued keys are cached");
                if entry.pins > 0 {
                    self.main.push_back((key, charge));
                } else if entry.freq > 0 {
                    entry.freq -= 1;
                    self.main.push_back((key, charge));
                } else {
                    return Some(key);
                }
            } else {
                return None;
            }
        }
        None
    }

    pub(crate) fn retain(&mut self, map: &Map) {
        self.small.retain(|(k, _)| map.contains_key(k));
        self.main.retain(|(k, _)| map.contains_key(k));
        self.small_bytes = self.small.iter().map(|(_, c)| c).sum();
    }
}
