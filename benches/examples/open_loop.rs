//! Profile helper: open a file repeatedly.
fn main() {
    let path = gcol_benches::converted_fasta("fasta/human_hs37_chrX_first70Mb.fa.gz", "hs37_chrX")
        .expect("shared data");
    let n = 20_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let r = gcol_reader::Reader::open(&path).unwrap();
        std::hint::black_box(r.num_pages());
    }
    println!(
        "{:.1} us per open",
        t.elapsed().as_nanos() as f64 / n as f64 / 1000.0
    );
}
