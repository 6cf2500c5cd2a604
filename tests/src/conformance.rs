//! Conformance vectors (spec/conformance): small files that together use
//! every structure and encoding id, built from fixed inputs so a rebuild is
//! byte-identical. `cargo test -p gcol-tests --test conformance` fails when a
//! rebuild differs from the committed files; regenerate (with a spec version
//! bump) by `GCOL_REGENERATE=1 cargo test -p gcol-tests --test conformance`.

use std::path::{Path, PathBuf};

use gcol_format::PhysicalType;
use gcol_writer::import::{
    import_fasta, import_fastq, no_progress, FastaOptions, FastqOptions, QualityBinning,
};
use gcol_writer::{ColumnSpec, DatasetSpec, Writer};

use crate::{build_demo, build_empty, golden_options};

/// `spec/conformance`.
pub fn conformance_dir() -> PathBuf {
    crate::crate_dir().join("../spec/conformance")
}

fn input(name: &str) -> PathBuf {
    conformance_dir().join("inputs").join(name)
}

fn many_pages() -> Vec<u8> {
    // 1,500 one-value pages: two directory blocks (1,024 entries each).
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let d = w
        .add_dataset(DatasetSpec::new("pages", "table"))
        .expect("dataset");
    let c = w
        .add_column(
            d,
            ColumnSpec::new("n", PhysicalType::U16, "uint16")
                .page_bytes(2)
                .fixed_encoding(),
        )
        .expect("column");
    for i in 0..1500u16 {
        w.push(c, &[i * 7]).expect("push");
    }
    w.set_num_rows(d, 1500).expect("rows");
    w.finish().expect("finish")
}

fn fasta(path: &Path, name: &str, level: i32, page_bytes: usize) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let mut options = FastaOptions::new(name);
    options.zstd_level = level;
    options.page_bytes = page_bytes;
    import_fasta(&mut w, path, &options, &no_progress).expect("import");
    w.finish().expect("finish")
}

fn reads() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let (r1, r2) = (input("reads_R1.fq"), input("reads_R2.fq"));
    import_fastq(
        &mut w,
        &[&r1, &r2],
        &FastqOptions::new("pair"),
        &no_progress,
    )
    .expect("pair");
    let mut binned = FastqOptions::new("binned");
    binned.binning = QualityBinning::Illumina8;
    import_fastq(&mut w, &[&r1], &binned, &no_progress).expect("binned");
    w.finish().expect("finish")
}

/// Every conformance file: (file name, what it covers, bytes).
pub fn conformance_files() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        (
            "tables.gcol",
            "every encoding id (0x0000-0x0004, 0x0100-0x0104), every physical type, MIN/MAX of every integer type, +-MAX floats, empty binary values, non-UTF-8 bytes, a column with no pages, multi-page columns, metadata, coordinates",
            build_demo(),
        ),
        ("empty.gcol", "no datasets, no pages, no directory blocks", build_empty()),
        ("many_pages.gcol", "1,500 pages: two directory blocks, the second partial", many_pages()),
        (
            "sequences_dna.gcol",
            "sequences (12): DNA with soft-masked runs, an N run, IUPAC codes, RNA records (U), three line widths; base pages stored plain where zstd would not shrink them (7.5)",
            fasta(&input("dna.fa"), "dna", 5, 64 << 10),
        ),
        (
            "sequences_plain.gcol",
            "the same input with plain base pages of 64 bytes (256 bases): many bases pages and run-index bins",
            fasta(&input("dna.fa"), "dna", 0, 64),
        ),
        (
            "sequences_protein.gcol",
            "sequences (12.5): protein residues, unwrapped long lines",
            fasta(&input("protein.fa"), "protein", 5, 64 << 10),
        ),
        (
            "reads.gcol",
            "reads (13): an R1/R2 pair interleaved with a mate column, and the R1 file again with illumina8 quality binning",
            reads(),
        ),
    ]
}
