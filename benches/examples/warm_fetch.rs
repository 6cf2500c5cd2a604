//! Profile helper: warm 1 kb random fetches in a loop.
fn main() {
    let path = gcol_benches::converted_fasta("fasta/human_hs37_chrX_first70Mb.fa.gz", "hs37_chrX")
        .expect("shared data");
    let cache = gcol_reader::PageCache::with_budget(1 << 30, gcol_reader::EvictionPolicy::Lru);
    let reader =
        gcol_reader::Reader::open_with(&path, gcol_reader::ReadOptions::default().cache(cache))
            .unwrap();
    let seqs = reader.sequences("hs37_chrX").unwrap();
    let len = seqs.length(0).unwrap();
    let mut buf = Vec::new();
    seqs.fetch_record_into(0, 0..len, &mut buf).unwrap();
    let mut state = 42u64;
    let t = std::time::Instant::now();
    let n = 3_000_000;
    for _ in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let start = state % (len - 1000);
        buf.clear();
        seqs.fetch_record_into(0, start..start + 1000, &mut buf)
            .unwrap();
    }
    println!(
        "{:.0} ns per fetch",
        t.elapsed().as_nanos() as f64 / n as f64
    );
}
