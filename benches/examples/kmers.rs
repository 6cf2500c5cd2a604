//! Profile helper: k-mer counting on the yeast genome.
fn main() {
    let path = gcol_benches::converted_fasta("fasta/scerevisiae_S288C_R64_16chr.fa.gz", "yeast")
        .expect("shared data");
    let reader = gcol_reader::Reader::open(&path).unwrap();
    let seqs = reader.sequences("yeast").unwrap();
    let t = std::time::Instant::now();
    let counts = seqs.kmer_counts(21, true).unwrap();
    println!("{} distinct in {:?}", counts.len(), t.elapsed());
}
