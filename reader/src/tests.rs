use gcol_format::encoding::Encoding;
use gcol_format::PhysicalType;
use gcol_writer::{ColumnSpec, DatasetSpec, WriteOptions, Writer};

use crate::*;

fn sample(n: u64) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
    let a = w
        .add_column(
            d,
            ColumnSpec::new("a", PhysicalType::U64, "uint64").page_bytes(800),
        )
        .unwrap();
    let b = w
        .add_column(
            d,
            ColumnSpec::new("b", PhysicalType::Binary, "utf8")
                .encoding(Encoding::dictionary().with_zstd(3))
                .page_bytes(300),
        )
        .unwrap();
    for i in 0..n {
        w.push(a, &[i * 3]).unwrap();
        w.push_binary(b, format!("v{}", i % 7).as_bytes()).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn reader_is_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Reader>();
    check::<PageCache>();
}

#[test]
fn read_values_and_binary() {
    let reader = Reader::from_bytes(sample(1000)).unwrap();
    let a = reader.column("t", "a").unwrap();
    assert_eq!(a.num_pages(), 10);
    assert_eq!(
        a.read::<u64>(95..105).unwrap(),
        (95..105).map(|i| i * 3).collect::<Vec<_>>()
    );
    let b = reader.column("t", "b").unwrap();
    assert_eq!(&b.binary(500).unwrap()[..], b"v3");
    assert!(matches!(
        a.read::<u32>(0..1),
        Err(Error::TypeMismatch { .. })
    ));
    assert!(matches!(
        a.read::<u64>(0..1001),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        reader.column("t", "zz"),
        Err(Error::NoSuchColumn { .. })
    ));
    let report = reader.verify(|_, _| {}).unwrap();
    assert_eq!(report.pages, reader.num_pages());
}

#[test]
fn plain_pages_are_zero_copy() {
    let bytes = bytes::Bytes::from(sample(100));
    let reader = Reader::from_bytes(bytes.clone()).unwrap();
    let page = reader.column("t", "a").unwrap().page(0).unwrap();
    let start = page.data().as_ptr() as usize;
    let base = bytes.as_ptr() as usize;
    assert!(start >= base && start < base + bytes.len());
}

#[test]
fn readahead_loads_following_pages() {
    let cache = PageCache::with_budget(1 << 20, EvictionPolicy::Lru);
    let reader = Reader::from_bytes_with(
        sample(1000),
        ReadOptions::default()
            .cache(cache.clone())
            .readahead_pages(4),
    )
    .unwrap();
    let a = reader.column("t", "a").unwrap();
    for i in 0..a.num_pages() {
        a.page(i).unwrap();
    }
    let m = cache.metrics();
    assert!(m.readahead_pages > 0, "{m:?}");
    assert!(m.readahead_hits > 0, "{m:?}");
    assert!(m.misses < a.num_pages(), "{m:?}");
    // Off: every page is a miss.
    let cache = PageCache::with_budget(1 << 20, EvictionPolicy::Lru);
    let reader = Reader::from_bytes_with(
        sample(1000),
        ReadOptions::default()
            .cache(cache.clone())
            .readahead_pages(0),
    )
    .unwrap();
    let a = reader.column("t", "a").unwrap();
    for i in 0..a.num_pages() {
        a.page(i).unwrap();
    }
    assert_eq!(cache.metrics().misses, a.num_pages());
    assert_eq!(cache.metrics().readahead_pages, 0);
}

#[test]
fn pinning_keeps_page() {
    let cache = PageCache::with_budget(2000, EvictionPolicy::Lru);
    let reader = Reader::from_bytes_with(
        sample(1000),
        ReadOptions::default()
            .cache(cache.clone())
            .readahead_pages(0),
    )
    .unwrap();
    let a = reader.column("t", "a").unwrap();
    let pinned = a.pin_page(0).unwrap();
    assert!(pinned.is_pinned());
    for i in 1..a.num_pages() {
        a.page(i).unwrap();
    }
    let before = cache.metrics().misses;
    a.page(0).unwrap();
    assert_eq!(cache.metrics().misses, before, "pinned page was evicted");
    drop(pinned);
    assert_eq!(cache.metrics().bytes_pinned, 0);
}

/// A file held in memory has cache keys of its own per open: when its last
/// reader closes, its pages leave the cache (they would hold the whole
/// buffer through their zero-copy slices until evicted: a fuzzer opening
/// 100,000 such files grew past 2 GB). A file on disk keeps its pages for
/// the next reader of the same file.
#[test]
fn pages_of_a_closed_in_memory_file_leave_the_cache() {
    let cache = PageCache::new(CacheOptions::default());
    let options = || ReadOptions::default().cache(cache.clone());
    let bytes = sample(1000);
    let reader = Reader::from_bytes_with(bytes.clone(), options()).unwrap();
    let clone = reader.clone();
    reader
        .column("t", "a")
        .unwrap()
        .read::<u64>(0..1000)
        .unwrap();
    let cached = cache.metrics().entries;
    assert!(cached >= 10, "{cached}");
    drop(reader);
    assert_eq!(cache.metrics().entries, cached, "a clone still reads");
    drop(clone);
    assert_eq!(cache.metrics().entries, 0);
    assert_eq!(cache.metrics().bytes_resident, 0);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.gcol");
    std::fs::write(&path, &bytes).unwrap();
    let reader = Reader::open_with(&path, options()).unwrap();
    reader
        .column("t", "a")
        .unwrap()
        .read::<u64>(0..1000)
        .unwrap();
    drop(reader);
    assert!(cache.metrics().entries >= 10);
    let again = Reader::open_with(&path, options()).unwrap();
    let hits = cache.metrics().hits;
    again
        .column("t", "a")
        .unwrap()
        .read::<u64>(0..1000)
        .unwrap();
    assert!(cache.metrics().hits >= hits + 10);
}

/// Tiny pages are charged their bookkeeping too: 1,000 pages of 8 bytes
/// fit a budget of 1,000 x (8 + ENTRY_OVERHEAD), not of 8,000 bytes.
#[test]
fn tiny_pages_are_charged_their_overhead() {
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
    let a = w
        .add_column(
            d,
            ColumnSpec::new("a", PhysicalType::U64, "uint64").page_bytes(8),
        )
        .unwrap();
    for i in 0..1000u64 {
        w.push(a, &[i]).unwrap();
    }
    let bytes = w.finish().unwrap();
    let budget = 100 * (8 + ENTRY_OVERHEAD);
    let cache = PageCache::with_budget(budget, EvictionPolicy::Lru);
    let reader =
        Reader::from_bytes_with(bytes, ReadOptions::default().cache(cache.clone())).unwrap();
    let column = reader.column("t", "a").unwrap();
    assert_eq!(column.num_pages(), 1000);
    assert_eq!(column.read::<u64>(0..1000).unwrap()[999], 999);
    let m = cache.metrics();
    assert!(m.bytes_resident <= budget, "{m:?}");
    assert!(m.entries <= 100, "{m:?}");
}

/// A page within `ENTRY_OVERHEAD` of the budget cannot be cached: pinning
/// it returns it unpinned instead of retrying forever.
#[test]
fn pinning_a_page_the_budget_cannot_hold_returns() {
    let bytes = sample(1000);
    let reader = Reader::from_bytes(bytes.clone()).unwrap();
    let page = reader.column("t", "a").unwrap().page(0).unwrap();
    let len = page.data().len() as u64;
    let cache = PageCache::with_budget(len + ENTRY_OVERHEAD / 2, EvictionPolicy::Lru);
    let reader =
        Reader::from_bytes_with(bytes, ReadOptions::default().cache(cache.clone())).unwrap();
    let first = reader.column("t", "a").unwrap().meta().first_page;
    let pinned = reader.pin_page(first).unwrap();
    assert_eq!(pinned.data().len() as u64, len);
    assert!(!pinned.is_pinned());
    assert_eq!(cache.metrics().bytes_pinned, 0);
}
