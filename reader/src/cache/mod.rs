//! A page cache shared by any number of readers, files and threads.
//!
//! Decoded pages are stored as [`Bytes`] and handed out by reference count,
//! never copied per reader. The cache holds at most `budget_bytes` of pages
//! (decoded heap pages and zero-copy mapped pages are both charged their
//! length plus [`ENTRY_OVERHEAD`], the cache's own bookkeeping per page, so
//! that a file of many tiny pages cannot grow it past the budget); pinned pages are never evicted, and a page that does not fit
//! because the rest is pinned is returned to the caller without being cached.
//!
//! Pages still referenced by a caller after eviction stay alive until the
//! caller drops them; the budget counts what the cache itself holds.

mod lru;
mod s3fifo;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};
use rustc_hash::FxHashMap;

/// What the cache spends per page beyond its bytes (the map entry, the
/// policy's queue entry and the buffer's header), charged against the
/// budget with the page.
pub const ENTRY_OVERHEAD: u64 = 96;

/// A page's charge against the budget.
fn charge_of(data: &Bytes) -> u64 {
    data.len() as u64 + ENTRY_OVERHEAD
}

/// Cache key: a reader's file key and a page index.
pub(crate) type Key = (u64, u64);

/// Which page to evict when the budget is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EvictionPolicy {
    /// Least recently used. Best for workloads with strong recency; a long
    /// scan flushes the working set.
    #[default]
    Lru,
    /// S3-FIFO (Yang et al., SOSP 2023): a small probationary FIFO, a main
    /// FIFO with reinsertion and a ghost queue. Scan-resistant: pages read
    /// once leave through the small queue without displacing hot pages.
    S3Fifo,
}

/// Options for [`PageCache::new`].
#[derive(Debug, Clone, Copy)]
pub struct CacheOptions {
    /// Upper bound on the bytes of pages the cache holds.
    pub budget_bytes: u64,
    /// Eviction policy.
    pub policy: EvictionPolicy,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            budget_bytes: 256 << 20,
            policy: EvictionPolicy::Lru,
        }
    }
}

/// A snapshot of cache counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheMetrics {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that had to load the page.
    pub misses: u64,
    /// Pages evicted to stay within the budget.
    pub evictions: u64,
    /// Bytes produced by loading pages (decoded length), over the cache's life.
    pub bytes_decoded: u64,
    /// Bytes the cache holds now: its pages' lengths plus
    /// [`ENTRY_OVERHEAD`] each (what the budget bounds).
    pub bytes_resident: u64,
    /// Bytes of pinned pages now (counted as `bytes_resident`).
    pub bytes_pinned: u64,
    /// Pages held now.
    pub entries: u64,
    /// Pages loaded ahead of a sequential scan.
    pub readahead_pages: u64,
    /// Hits on pages that readahead loaded (first hit of each).
    pub readahead_hits: u64,
    /// Pages not cached because they exceeded the budget or the rest was pinned.
    pub rejected: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    bytes_decoded: AtomicU64,
    readahead_pages: AtomicU64,
    readahead_hits: AtomicU64,
    rejected: AtomicU64,
}

pub(crate) struct Entry {
    pub(crate) data: Bytes,
    pub(crate) pins: u32,
    pub(crate) prefetched: bool,
    /// S3-FIFO access counter (0..=3).
    pub(crate) freq: u8,
    /// LRU recency stamp.
    pub(crate) tick: u64,
}

pub(crate) type Map = FxHashMap<Key, Entry>;

enum Policy {
    Lru(lru::Lru),
    S3Fifo(s3fifo::S3Fifo),
}

struct State {
    map: Map,
    resident: u64,
    pinned: u64,
    policy: Policy,
}

/// A byte-budgeted page cache; share it with `Arc` between readers.
pub struct PageCache {
    state: Mutex<State>,
    budget: u64,
    policy: EvictionPolicy,
    counters: Counters,
    /// Pages being loaded after a miss (on the reader's thread, or in the
    /// background after a prefix was served).
    loads: Mutex<FxHashMap<Key, Arc<InFlight>>>,
}

/// A page being loaded by another thread; readers that need it
/// meanwhile wait here instead of decoding it a second time.
pub(crate) struct InFlight {
    page: Mutex<Option<Option<Bytes>>>,
    ready: Condvar,
}

impl InFlight {
    /// The page once decoded (`None` if that failed: the caller then loads
    /// it itself and reports the error).
    pub(crate) fn wait(&self) -> Option<Bytes> {
        let mut page = self.page.lock();
        while page.is_none() {
            self.ready.wait(&mut page);
        }
        page.clone().flatten()
    }
}

/// The load of one page that missed the cache, registered so that other
/// readers wait for it ([`PageCache::start_load`]). Dropping it
/// without finishing (an error or a panic) wakes them with nothing, and
/// they load the page themselves.
pub(crate) struct Flight {
    cache: Arc<PageCache>,
    key: Key,
    ended: bool,
}

impl Flight {
    /// The page, when another load cached it between the caller's lookup
    /// and registering this one: the load ends with it.
    pub(crate) fn cached(&mut self) -> Option<Bytes> {
        let hit = self.cache.peek(self.key)?;
        if !self.ended {
            self.ended = true;
            self.cache.end_load(self.key, Some(hit.clone()));
        }
        Some(hit)
    }

    /// End the load: cache the page (when it was decoded; `prefetched`
    /// marks readahead) and hand the cached copy to the readers waiting
    /// (on an error they load the page themselves and report it).
    pub(crate) fn finish<E>(
        mut self,
        page: Result<Bytes, E>,
        prefetched: bool,
    ) -> Result<Bytes, E> {
        let page = page.map(|data| self.cache.insert(self.key, data, prefetched));
        if !self.ended {
            self.ended = true;
            self.cache.end_load(self.key, page.as_ref().ok().cloned());
        }
        page
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if !self.ended {
            self.cache.end_load(self.key, None);
        }
    }
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("budget", &self.budget)
            .field("policy", &self.policy)
            .field("metrics", &self.metrics())
            .finish()
    }
}

impl PageCache {
    /// A new cache.
    pub fn new(options: CacheOptions) -> Arc<PageCache> {
        let policy = match options.policy {
            EvictionPolicy::Lru => Policy::Lru(lru::Lru::default()),
            EvictionPolicy::S3Fifo => Policy::S3Fifo(s3fifo::S3Fifo::new(options.budget_bytes)),
        };
        Arc::new(PageCache {
            state: Mutex::new(State {
                map: Map::default(),
                resident: 0,
                pinned: 0,
                policy,
            }),
            budget: options.budget_bytes,
            policy: options.policy,
            counters: Counters::default(),
            loads: Mutex::new(FxHashMap::default()),
        })
    }

    /// Register a load of `key` (a page that missed the cache), so that
    /// concurrent readers of the page decode it once: `Ok` with the guard
    /// of the load when the caller is now responsible for it, `Err` with
    /// the load already in flight, to wait for.
    pub(crate) fn start_load(self: &Arc<Self>, key: Key) -> Result<Flight, Arc<InFlight>> {
        let mut map = self.loads.lock();
        if let Some(existing) = map.get(&key) {
            return Err(existing.clone());
        }
        map.insert(
            key,
            Arc::new(InFlight {
                page: Mutex::new(None),
                ready: Condvar::new(),
            }),
        );
        Ok(Flight {
            cache: self.clone(),
            key,
            ended: false,
        })
    }

    /// A load of `key` that other readers cannot see or wait for (in a
    /// forked child, where loads in flight at the fork never end).
    pub(crate) fn unregistered(self: &Arc<Self>, key: Key) -> Flight {
        Flight {
            cache: self.clone(),
            key,
            ended: true,
        }
    }

    /// End the load of `key` with `page` (already cached, or `None`) and
    /// wake the readers waiting for it.
    fn end_load(&self, key: Key, page: Option<Bytes>) {
        if let Some(load) = self.loads.lock().remove(&key) {
            *load.page.lock() = Some(page);
            load.ready.notify_all();
        }
    }

    /// A cache of `budget_bytes` with `policy`.
    pub fn with_budget(budget_bytes: u64, policy: EvictionPolicy) -> Arc<PageCache> {
        PageCache::new(CacheOptions {
            budget_bytes,
            policy,
        })
    }

    /// The byte budget.
    pub fn budget_bytes(&self) -> u64 {
        self.budget
    }

    /// The eviction policy.
    pub fn policy(&self) -> EvictionPolicy {
        self.policy
    }

    /// Current counters.
    pub fn metrics(&self) -> CacheMetrics {
        let (resident, pinned, entries) = {
            let state = self.state.lock();
            (state.resident, state.pinned, state.map.len() as u64)
        };
        let c = &self.counters;
        CacheMetrics {
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            evictions: c.evictions.load(Ordering::Relaxed),
            bytes_decoded: c.bytes_decoded.load(Ordering::Relaxed),
            bytes_resident: resident,
            bytes_pinned: pinned,
            entries,
            readahead_pages: c.readahead_pages.load(Ordering::Relaxed),
            readahead_hits: c.readahead_hits.load(Ordering::Relaxed),
            rejected: c.rejected.load(Ordering::Relaxed),
        }
    }

    /// Drop every unpinned page.
    pub fn clear(&self) {
        self.drop_unpinned(|_| true);
    }

    /// Drop every unpinned page of file key `file`: its last reader
    /// closed and no later reader can ask for them (a file held in memory
    /// has a key of its own per open), so they would only hold memory (and
    /// the file's buffer, which their zero-copy slices keep alive) until
    /// evicted.
    pub(crate) fn forget_file(&self, file: u64) {
        self.drop_unpinned(|(f, _)| f == file);
    }

    /// Drop the unpinned pages whose key `which` selects.
    fn drop_unpinned(&self, which: impl Fn(Key) -> bool) {
        let mut state = self.state.lock();
        let State {
            map,
            resident,
            policy,
            ..
        } = &mut *state;
        let before = map.len();
        map.retain(|&key, entry| {
            if entry.pins == 0 && which(key) {
                *resident -= charge_of(&entry.data);
                false
            } else {
                true
            }
        });
        if map.len() != before {
            match policy {
                Policy::Lru(p) => p.retain(map),
                Policy::S3Fifo(p) => p.retain(map),
            }
        }
    }

    /// Look a page up, counting a hit or a miss.
    pub(crate) fn get(&self, key: Key) -> Option<Bytes> {
        let mut state = self.state.lock();
        let State { map, policy, .. } = &mut *state;
        let live = map.len();
        let Some(entry) = map.get_mut(&key) else {
            drop(state);
            self.counters.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        if entry.prefetched {
            entry.prefetched = false;
            self.counters.readahead_hits.fetch_add(1, Ordering::Relaxed);
        }
        let data = entry.data.clone();
        match policy {
            Policy::Lru(p) => {
                if p.touch(key, entry, live) {
                    p.compact(map);
                }
            }
            Policy::S3Fifo(_) => entry.freq = (entry.freq + 1).min(3),
        }
        drop(state);
        self.counters.hits.fetch_add(1, Ordering::Relaxed);
        Some(data)
    }

    /// A cached page, without touching counters or recency (for hints).
    pub(crate) fn peek(&self, key: Key) -> Option<Bytes> {
        self.state.lock().map.get(&key).map(|e| e.data.clone())
    }

    /// Whether a page is cached, without touching counters or recency.
    pub(crate) fn contains(&self, key: Key) -> bool {
        self.state.lock().map.contains_key(&key)
    }

    /// Cache a freshly loaded page, evicting as needed; returns the cached
    /// copy if another thread inserted the same page first.
    pub(crate) fn insert(&self, key: Key, data: Bytes, prefetched: bool) -> Bytes {
        self.counters
            .bytes_decoded
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        let charge = charge_of(&data);
        if prefetched {
            self.counters
                .readahead_pages
                .fetch_add(1, Ordering::Relaxed);
        }
        let mut state = self.state.lock();
        if let Some(existing) = state.map.get(&key) {
            return existing.data.clone();
        }
        if charge > self.budget {
            self.counters.rejected.fetch_add(1, Ordering::Relaxed);
            return data;
        }
        let State {
            map,
            resident,
            policy,
            ..
        } = &mut *state;
        while *resident + charge > self.budget {
            let victim = match policy {
                Policy::Lru(p) => p.victim(map),
                Policy::S3Fifo(p) => p.victim(map),
            };
            let Some(victim) = victim else {
                self.counters.rejected.fetch_add(1, Ordering::Relaxed);
                return data;
            };
            let entry = map.remove(&victim).expect("victim is cached");
            *resident -= charge_of(&entry.data);
            self.counters.evictions.fetch_add(1, Ordering::Relaxed);
        }
        let mut entry = Entry {
            data: data.clone(),
            pins: 0,
            prefetched,
            freq: 0,
            tick: 0,
        };
        match policy {
            Policy::Lru(p) => p.insert(key, &mut entry),
            Policy::S3Fifo(p) => p.insert(key, charge),
        }
        map.insert(key, entry);
        *resident += charge;
        data
    }

    /// Pin a cached page so it is never evicted; false when it is not cached.
    pub(crate) fn pin(&self, key: Key) -> bool {
        let mut state = self.state.lock();
        let State { map, pinned, .. } = &mut *state;
        match map.get_mut(&key) {
            Some(entry) => {
                if entry.pins == 0 {
                    *pinned += charge_of(&entry.data);
                }
                entry.pins += 1;
                true
            }
            None => false,
        }
    }

    /// Undo one [`PageCache::pin`].
    pub(crate) fn unpin(&self, key: Key) {
        let mut state = self.state.lock();
        let State { map, pinned, .. } = &mut *state;
        if let Some(entry) = map.get_mut(&key) {
            if entry.pins > 0 {
                entry.pins -= 1;
                if entry.pins == 0 {
                    *pinned -= charge_of(&entry.data);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `n` pages of 100 bytes are charged.
    const fn hundreds(n: u64) -> u64 {
        n * (100 + ENTRY_OVERHEAD)
    }

    fn page(n: usize) -> Bytes {
        Bytes::from(vec![0u8; n])
    }

    fn fill(cache: &PageCache, file: u64, pages: std::ops::Range<u64>, size: usize) {
        for p in pages {
            if cache.get((file, p)).is_none() {
                cache.insert((file, p), page(size), false);
            }
        }
    }

    #[test]
    fn budget_is_respected_by_both_policies() {
        for policy in [EvictionPolicy::Lru, EvictionPolicy::S3Fifo] {
            let cache = PageCache::with_budget(10_000, policy);
            fill(&cache, 1, 0..1000, 300);
            let m = cache.metrics();
            assert!(m.bytes_resident <= 10_000, "{policy:?}: {m:?}");
            assert_eq!(m.misses, 1000);
            assert!(m.evictions >= 1000 - 10_000 / (300 + ENTRY_OVERHEAD));
        }
    }

    #[test]
    fn lru_evicts_least_recent() {
        let cache = PageCache::with_budget(hundreds(3), EvictionPolicy::Lru);
        fill(&cache, 1, 0..3, 100);
        assert!(cache.get((1, 0)).is_some()); // 0 is now most recent
        cache.insert((1, 3), page(100), false); // evicts 1
        assert!(cache.contains((1, 0)));
        assert!(!cache.contains((1, 1)));
        assert!(cache.contains((1, 2)));
    }

    #[test]
    fn s3fifo_resists_scans() {
        // A hot set re-read between bursts of one-pass scan pages: S3-FIFO keeps
        // it, LRU lets each burst flush part of it.
        let mut hot_hits = Vec::new();
        for policy in [EvictionPolicy::Lru, EvictionPolicy::S3Fifo] {
            let cache = PageCache::with_budget(hundreds(100), policy);
            for _ in 0..3 {
                fill(&cache, 1, 0..50, 100);
            }
            let mut hits = 0;
            for burst in 0..20u64 {
                fill(&cache, 2, burst * 80..(burst + 1) * 80, 100);
                hits += (0..50).filter(|&p| cache.contains((1, p))).count();
                fill(&cache, 1, 0..50, 100);
            }
            hot_hits.push(hits);
        }
        assert!(
            hot_hits[1] >= 900,
            "S3-FIFO kept {} of 1000 hot lookups",
            hot_hits[1]
        );
        assert!(hot_hits[1] > hot_hits[0], "{hot_hits:?}");
    }

    #[test]
    fn pinned_pages_stay_and_overflow_is_rejected() {
        for policy in [EvictionPolicy::Lru, EvictionPolicy::S3Fifo] {
            let cache = PageCache::with_budget(hundreds(2), policy);
            fill(&cache, 1, 0..2, 100);
            assert!(cache.pin((1, 0)));
            assert!(cache.pin((1, 1)));
            cache.insert((1, 2), page(100), false);
            assert!(!cache.contains((1, 2)));
            assert_eq!(cache.metrics().rejected, 1);
            assert_eq!(cache.metrics().bytes_pinned, hundreds(2));
            cache.unpin((1, 0));
            cache.insert((1, 2), page(100), false);
            assert!(cache.contains((1, 2)));
            assert!(cache.contains((1, 1)), "{policy:?}");
            assert!(!cache.contains((1, 0)));
        }
    }

    proptest::proptest! {
        /// With at most four pages cached every hit re-stamps, so the cache
        /// must evict exactly what a textbook LRU list evicts, through any
        /// number of stale queue pairs and compactions.
        #[test]
        fn lru_matches_a_list_model(ops in proptest::collection::vec(0u64..7, 1..400)) {
            let cache = PageCache::with_budget(hundreds(4), EvictionPolicy::Lru);
            let mut model: Vec<u64> = Vec::new(); // least recent first
            for p in ops {
                if cache.get((1, p)).is_some() {
                    let at = model.iter().position(|&m| m == p).expect("model has it");
                    model.remove(at);
                } else {
                    proptest::prop_assert!(!model.contains(&p));
                    cache.insert((1, p), page(100), false);
                    if model.len() == 4 {
                        model.remove(0);
                    }
                }
                model.push(p);
                for q in 0..7 {
                    proptest::prop_assert_eq!(cache.contains((1, q)), model.contains(&q));
                }
            }
        }
    }

    #[test]
    fn forgetting_a_file_drops_its_unpinned_pages_only() {
        for policy in [EvictionPolicy::Lru, EvictionPolicy::S3Fifo] {
            let cache = PageCache::with_budget(hundreds(10), policy);
            fill(&cache, 1, 0..3, 100);
            fill(&cache, 2, 0..3, 100);
            assert!(cache.pin((1, 0)));
            cache.forget_file(1);
            let m = cache.metrics();
            assert_eq!(m.entries, 4, "{policy:?}");
            assert_eq!(m.bytes_resident, hundreds(4));
            assert!(cache.contains((1, 0)) && !cache.contains((1, 1)));
            assert!((0..3).all(|p| cache.contains((2, p))));
            // The policy forgot them too: filling evicts only what is there.
            fill(&cache, 3, 0..6, 100);
            assert_eq!(cache.metrics().entries, 10, "{policy:?}");
        }
    }

    #[test]
    fn oversize_page_is_returned_uncached() {
        let cache = PageCache::with_budget(ENTRY_OVERHEAD + 10, EvictionPolicy::Lru);
        let data = cache.insert((1, 0), page(11), false);
        assert_eq!(data.len(), 11);
        assert_eq!(cache.metrics().entries, 0);
    }
}
