//! One read (bases and qualities) from a cold page of a reads dataset, in
//! a process that opened the file: `cargo run --release -p gcol-benches
//! --example cold_read -- FILE.gcol [ROUNDS]`. Each round opens the file
//! with a cache of its own (no page decoded yet; the OS cache is warm) and
//! times: the first read after open (row lookups, the quality column's
//! first page for primed pages, spec 7.14, and the read's pages); then a
//! read in another quality page (a cold page, the first page kept); and a
//! name lookup (`record_index`, which reads every name).
use std::time::Instant;

use gcol_reader::{EvictionPolicy, PageCache, ReadOptions, Reader};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE.gcol");
    let rounds: usize = args.next().map_or(50, |a| a.parse().expect("ROUNDS"));
    let probe = Reader::open(&path).expect("open");
    let name = probe.datasets()[0].name.clone();
    let n = probe.sequences(&name).expect("reads").len();
    let (mut first, mut cold, mut lookup) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let cache = PageCache::with_budget(256 << 20, EvictionPolicy::Lru);
        let reader = Reader::open_with(&path, ReadOptions::default().cache(cache)).expect("open");
        let reads = reader.sequences(&name).expect("reads");
        let a = (round * 7919 + n / 2) % n;
        let b = (a + n / 3) % n;
        let mut bases = Vec::new();
        let mut quals = Vec::new();
        let mut one = |row: usize| {
            let t = Instant::now();
            let len = reads.length(row).expect("length");
            bases.clear();
            quals.clear();
            reads
                .fetch_record_into(row, 0..len, &mut bases)
                .expect("bases");
            reads.qualities_into(row, &mut quals).expect("qualities");
            assert_eq!(bases.len(), quals.len());
            t.elapsed().as_secs_f64() * 1e3
        };
        if std::env::var_os("COLD_READ_PARTS").is_some() {
            let t = Instant::now();
            let len = reads.length(a).expect("length");
            let t1 = t.elapsed();
            let mut q = Vec::new();
            reads.qualities_into(a, &mut q).expect("q");
            let t2 = t.elapsed();
            let mut b = Vec::new();
            reads.fetch_record_into(a, 0..len, &mut b).expect("b");
            eprintln!(
                "records {:?} qualities {:?} bases {:?}",
                t1,
                t2 - t1,
                t.elapsed() - t2
            );
        }
        first.push(one(a));
        cold.push(one(b));
        let t = Instant::now();
        let info = reads.record(b).expect("record");
        let _ = reads.record_index(&info.name).expect("name");
        lookup.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{path}: {n} reads, medians of {rounds}: first read after open {:.2} ms, read from a cold page {:.2} ms, name lookup {:.2} ms",
        median(&mut first),
        median(&mut cold),
        median(&mut lookup)
    );
}
