//! Page cache: hit and miss latency, and a scan over a file four times
//! larger than the cache budget, reporting the largest resident size seen.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gcol_benches::positions_file;
use gcol_format::encoding::Encoding;
use gcol_reader::{EvictionPolicy, PageCache, ReadOptions, Reader};

fn cache(c: &mut Criterion) {
    // 8M positions = 64 MiB decoded, in 64 KiB zstd+delta-varint pages.
    let path = positions_file(
        "scan-64mib.gcol",
        8 << 20,
        Encoding::delta_varint().with_zstd(3),
        64 << 10,
    );
    let mut group = c.benchmark_group("cache");
    {
        let cache = PageCache::with_budget(256 << 20, EvictionPolicy::Lru);
        let reader = Reader::open_with(&path, ReadOptions::default().cache(cache)).unwrap();
        let column = reader.column("t", "pos").unwrap();
        column.page(7).unwrap();
        group.bench_function("hit_lru", |b| b.iter(|| column.page(7).unwrap()));
    }
    {
        let cache = PageCache::with_budget(256 << 20, EvictionPolicy::S3Fifo);
        let reader = Reader::open_with(&path, ReadOptions::default().cache(cache)).unwrap();
        let column = reader.column("t", "pos").unwrap();
        column.page(7).unwrap();
        group.bench_function("hit_s3fifo", |b| b.iter(|| column.page(7).unwrap()));
    }
    {
        // A zero budget caches nothing: every read is a miss (checksum + zstd + delta decode of 64 KiB).
        let cache = PageCache::with_budget(0, EvictionPolicy::Lru);
        let reader = Reader::open_with(
            &path,
            ReadOptions::default().cache(cache).readahead_pages(0),
        )
        .unwrap();
        let column = reader.column("t", "pos").unwrap();
        group.bench_function("miss_zstd_delta_64KiB", |b| {
            b.iter(|| column.page(7).unwrap())
        });
    }
    group.finish();

    let mut scan = c.benchmark_group("scan_4x_budget");
    scan.sample_size(10);
    scan.throughput(Throughput::Bytes(64 << 20));
    for (label, policy) in [
        ("lru", EvictionPolicy::Lru),
        ("s3fifo", EvictionPolicy::S3Fifo),
    ] {
        for readahead in [0u32, 4] {
            let budget = 16u64 << 20;
            let cache = PageCache::with_budget(budget, policy);
            let reader = Reader::open_with(
                &path,
                ReadOptions::default()
                    .cache(cache.clone())
                    .readahead_pages(readahead),
            )
            .unwrap();
            let column = reader.column("t", "pos").unwrap();
            let mut max_resident = 0;
            scan.bench_function(format!("{label}_readahead{readahead}"), |b| {
                b.iter(|| {
                    let mut sum = 0u64;
                    for p in 0..column.num_pages() {
                        let page = column.page(p).unwrap();
                        sum = sum.wrapping_add(page.values::<u64>().unwrap()[0]);
                        max_resident = max_resident.max(cache.metrics().bytes_resident);
                    }
                    sum
                })
            });
            let m = cache.metrics();
            eprintln!(
                "scan {label} readahead {readahead}: budget {budget}, max resident {max_resident}, evictions {}, readahead hits {}",
                m.evictions, m.readahead_hits
            );
            assert!(max_resident <= budget);
        }
    }
    scan.finish();
}

criterion_group!(benches, cache);
criterion_main!(benches);
