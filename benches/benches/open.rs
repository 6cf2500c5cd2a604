//! Open latency for a ~1 MB file and a ~11 GB (sparse) file with over a
//! million pages: open reads only the tail and footer, so both should cost
//! the same.

use criterion::{criterion_group, criterion_main, Criterion};
use gcol_benches::{file_len, sparse_file};
use gcol_reader::Reader;

fn open(c: &mut Criterion) {
    let small = sparse_file("open-1mb.gcol", 16, 64 << 10);
    let large = sparse_file("open-11gb.gcol", 1_100_000, 10 << 10);
    eprintln!(
        "fixtures: {} bytes / 16 pages and {} bytes / 1,100,000 pages",
        file_len(&small),
        file_len(&large)
    );
    let mut group = c.benchmark_group("open");
    group.bench_function("1MB_16_pages", |b| b.iter(|| Reader::open(&small).unwrap()));
    group.bench_function("11GB_1.1M_pages", |b| {
        b.iter(|| Reader::open(&large).unwrap())
    });
    // Open plus the first page of the last directory block (checks one block).
    group.bench_function("11GB_open_and_last_page", |b| {
        b.iter(|| {
            let r = Reader::open(&large).unwrap();
            r.page(r.num_pages() - 1).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, open);
criterion_main!(benches);
