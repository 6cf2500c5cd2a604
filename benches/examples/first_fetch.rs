//! Where the time of a first fetch after open goes (a diagnostic, not a benchmark).
use std::time::Instant;

fn main() {
    let path = gcol_benches::converted_fasta("fasta/human_hs37_chrX_first70Mb.fa.gz", "hs37_chrX")
        .expect("shared data");
    let rounds = 2000u64;
    let (mut open, mut lookup, mut fetch) = (0u128, 0u128, 0u128);
    for i in 0..rounds {
        let t = Instant::now();
        let r = gcol_reader::Reader::open(&path).unwrap();
        let t_open = t.elapsed();
        let s = r.sequences("hs37_chrX").unwrap();
        let rec = s.record_index("X").unwrap();
        let _ = s.length(rec).unwrap();
        let t_lookup = t.elapsed();
        let mut out = Vec::new();
        let start = (i * 7_919_993) % 69_000_000;
        s.fetch_record_into(rec, start..start + 1000, &mut out)
            .unwrap();
        let t_fetch = t.elapsed();
        open += t_open.as_nanos();
        lookup += (t_lookup - t_open).as_nanos();
        fetch += (t_fetch - t_lookup).as_nanos();
    }
    let n = u128::from(rounds) * 1000;
    println!(
        "mean: open {} us, sequences+name+length {} us, first fetch {} us",
        open / n,
        lookup / n,
        fetch / n
    );
}
