//! Where the time of a first fetch after open goes (a diagnostic, not a benchmark).
use std::time::Instant;

fn main() {
    let path = gcol_benches::converted_fasta("fasta/human_hs37_chrX_first70Mb.fa.gz", "hs37_chrX")
        .expect("shared data");
    for _ in 0..3 {
        let t = Instant::now();
        let r = gcol_reader::Reader::open(&path).unwrap();
        let t_open = t.elapsed();
        let s = r.sequences("hs37_chrX").unwrap();
        let t_seq = t.elapsed();
        let i = s.record_index("X").unwrap();
        let t_name = t.elapsed();
        let len = s.length(i).unwrap();
        let t_len = t.elapsed();
        let mut out = Vec::new();
        s.fetch_record_into(i, 30_000_000..30_001_000, &mut out)
            .unwrap();
        let t_fetch = t.elapsed();
        out.clear();
        s.fetch_record_into(i, 40_000_000..40_001_000, &mut out)
            .unwrap();
        let t_second = t.elapsed();
        println!("open {t_open:?} sequences {t_seq:?} name {t_name:?} length {t_len:?} ({len}) fetch {t_fetch:?} second-page fetch {t_second:?}");
    }
}
