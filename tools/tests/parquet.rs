//! `gcol export --format parquet`: variants, sequences, reads, alignments,
//! tables and graphs to one Parquet file or a directory partitioned by contig and
//! chunk, read back with the parquet crate and compared with what `gcol
//! view`/`gcol fetch` print for the same file; usage errors exit 2.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

mod common;
use common::{conformance, fails, gcol, ok, s};

/// `gcol export FILE --dataset D --format parquet -o OUT`.
fn parquet_export(file: &Path, dataset: &str, out: &Path) -> std::process::Output {
    gcol(&[
        "export",
        s(file),
        "--dataset",
        dataset,
        "--format",
        "parquet",
        "-o",
        s(out),
    ])
}

fn read(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Every `.parquet` file under `dir`, sorted by path.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn strings(batch: &RecordBatch, column: &str) -> Vec<String> {
    let a = batch.column_by_name(column).unwrap().as_string::<i32>();
    (0..a.len()).map(|i| a.value(i).to_string()).collect()
}

#[test]
fn variants_to_a_partitioned_directory_and_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let calls = conformance("variants.gcol");
    let out = dir.path().join("calls");
    ok(parquet_export(&calls, "calls", &out), "dir");
    let parts = files(&out);
    let contigs: Vec<String> = parts
        .iter()
        .map(|p| {
            p.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(contigs, ["contig=20", "contig=X"], "{parts:?}");
    let one = dir.path().join("calls.parquet");
    ok(
        gcol(&["export", s(&calls), "--dataset", "calls", "-o", s(&one)]),
        "file",
    );
    let single = read(&one);
    let rows: usize = single.iter().map(RecordBatch::num_rows).sum();
    // Against `gcol view -H`: CHROM, POS, REF of every record.
    let view = ok(gcol(&["view", s(&calls), "-H"]), "view");
    let expected: Vec<(String, i64, String)> = view
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].parse().unwrap(), f[3].to_string())
        })
        .collect();
    assert_eq!(rows, expected.len());
    let mut got = Vec::new();
    for b in single.iter().chain(
        parts
            .iter()
            .flat_map(|p| read(p))
            .collect::<Vec<_>>()
            .iter(),
    ) {
        let pos = b.column_by_name("POS").unwrap().as_primitive::<Int64Type>();
        for (i, (c, r)) in strings(b, "CHROM")
            .into_iter()
            .zip(strings(b, "REF"))
            .enumerate()
        {
            got.push((c, pos.value(i), r));
        }
    }
    let doubled: Vec<_> = expected.iter().chain(&expected).cloned().collect();
    assert_eq!(got, doubled);
    assert!(single[0].column_by_name("GT").is_some());
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&one).unwrap()).unwrap();
    assert!(builder.schema().metadata().contains_key("gcol:samples"));
}

#[test]
fn sequences_reads_tables_and_graphs_to_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let dna = conformance("sequences_dna.gcol");
    let out = dir.path().join("dna");
    ok(
        gcol(&["export", s(&dna), "--format", "parquet", "-o", s(&out)]),
        "dna",
    );
    let batches: Vec<RecordBatch> = files(&out).iter().flat_map(|p| read(p)).collect();
    let mut records: Vec<(String, String)> = Vec::new();
    for b in &batches {
        for (n, q) in strings(b, "name").into_iter().zip(strings(b, "sequence")) {
            match records.last_mut() {
                Some((last, seq)) if *last == n => seq.push_str(&q),
                _ => records.push((n, q)),
            }
        }
    }
    for (name, seq) in &records {
        let fasta = ok(gcol(&["fetch", s(&dna), name, "-n", "0"]), "fetch");
        let body: String = fasta.lines().skip(1).collect();
        assert_eq!(&body, seq, "{name}");
    }
    let reads = conformance("reads.gcol");
    let out = dir.path().join("reads.parquet");
    ok(
        gcol(&["export", s(&reads), "-o", s(&out), "--dataset", "pair"]),
        "reads",
    );
    let b = read(&out);
    assert!(b[0].column_by_name("quality").is_some());
    let tables = conformance("tables.gcol");
    let out = dir.path().join("t");
    ok(
        gcol(&[
            "export",
            s(&tables),
            "--dataset",
            "features",
            "--format",
            "parquet",
            "-o",
            s(&out),
        ]),
        "table",
    );
    let rows: usize = files(&out)
        .iter()
        .flat_map(|p| read(p))
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(rows, 2000);
    let graph = conformance("graph.gcol");
    let out = dir.path().join("g");
    ok(
        gcol(&[
            "export",
            s(&graph),
            "--dataset",
            "signal",
            "--format",
            "parquet",
            "-o",
            s(&out),
        ]),
        "graph",
    );
    assert_eq!(files(&out).len(), 1);
}

/// Alignments: one partition per reference and the unplaced records
/// (`contig=%2A`), each row the fields `samtools view` prints for that
/// record (the SAM text of `gcol view`, which equals samtools'), in file
/// order.
#[test]
fn alignments_to_parquet_equal_their_sam_lines() {
    use arrow_array::types::{Int32Type, UInt16Type, UInt8Type};
    let dir = tempfile::tempdir().unwrap();
    let file = conformance("alignments.gcol");
    let out = dir.path().join("aln");
    ok(parquet_export(&file, "aln", &out), "export");
    let mut parts: Vec<(usize, PathBuf)> = files(&out)
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name[5..10].parse().unwrap(), p)
        })
        .collect();
    parts.sort();
    let dirs: Vec<String> = parts
        .iter()
        .map(|(_, p)| {
            let d = p.parent().unwrap().file_name().unwrap();
            d.to_string_lossy().into_owned()
        })
        .collect();
    assert_eq!(dirs, ["contig=chr1", "contig=chr2", "contig=%2A"]);
    let sam = ok(gcol(&["view", s(&file)]), "view");
    let mut lines = sam.lines();
    let text = |a: &dyn Array, i: usize| -> String {
        let a = a.as_string::<i32>();
        if a.is_null(i) {
            "*".into()
        } else {
            a.value(i).to_string()
        }
    };
    for (_, path) in &parts {
        for b in read(path) {
            let col = |n: &str| b.column_by_name(n).unwrap().clone();
            for i in 0..b.num_rows() {
                let line = lines.next().expect("as many records as SAM lines");
                let f: Vec<&str> = line.splitn(12, '\t').collect();
                let rname = text(col("reference_name").as_ref(), i);
                let rnext = text(col("next_reference_name").as_ref(), i);
                let pos = col("reference_start").as_primitive::<Int32Type>().value(i) + 1;
                let pnext = col("next_reference_start")
                    .as_primitive::<Int32Type>()
                    .value(i)
                    + 1;
                let ours = [
                    text(col("query_name").as_ref(), i),
                    col("flag")
                        .as_primitive::<UInt16Type>()
                        .value(i)
                        .to_string(),
                    rname.clone(),
                    pos.to_string(),
                    col("mapping_quality")
                        .as_primitive::<UInt8Type>()
                        .value(i)
                        .to_string(),
                    text(col("cigarstring").as_ref(), i),
                    if rnext != "*" && rnext == rname {
                        "=".into()
                    } else {
                        rnext
                    },
                    pnext.to_string(),
                    col("template_length")
                        .as_primitive::<Int32Type>()
                        .value(i)
                        .to_string(),
                    text(col("query_sequence").as_ref(), i),
                    text(col("query_qualities").as_ref(), i),
                ];
                assert_eq!(ours.as_slice(), &f[..11], "{line}");
                assert_eq!(
                    text(col("tags").as_ref(), i),
                    f.get(11).copied().unwrap_or("")
                );
            }
        }
    }
    assert!(lines.next().is_none(), "more SAM lines than rows");
}

#[test]
fn parquet_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let calls = conformance("variants.gcol");
    let out = dir.path().join("calls");
    std::fs::create_dir(&out).unwrap();
    let e = fails(parquet_export(&calls, "calls", &out), 2, "exists");
    assert!(e.contains("exists"), "{e}");
    let e = fails(parquet_export(&calls, "calls", Path::new("-")), 2, "stdout");
    assert!(e.contains("directory"), "{e}");
    let e = fails(
        gcol(&[
            "export",
            s(&calls),
            "--dataset",
            "calls",
            "-o",
            s(&dir.path().join("x.parquet")),
            "20:1-100",
        ]),
        2,
        "region",
    );
    assert!(e.contains("regions"), "{e}");
    let many = conformance("features.gcol");
    let e = fails(
        gcol(&[
            "export",
            s(&many),
            "--format",
            "parquet",
            "-o",
            s(&dir.path().join("f")),
        ]),
        2,
        "many",
    );
    assert!(e.contains("--dataset"), "{e}");
    // Nothing left behind by the failures.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

/// A projection reads only what it keeps: without AC or AN (derived from
/// the genotypes, spec 14.3) no genotype is decoded; with them, they are
/// computed. Either way each column kept equals the whole batch's.
#[test]
fn projected_variants_batches_equal_the_whole_batch() {
    use gcol_reader::partitions::{batch, partitions, BatchOptions};
    let reader = gcol_reader::Reader::open(conformance("variants.gcol")).unwrap();
    let name = reader.datasets()[0].name.clone();
    let v = gcol_reader::Variants::open(&reader, &name).unwrap();
    assert!(
        v.infos().iter().any(|f| f.derived),
        "a file with derived AC/AN"
    );
    for p in partitions(&reader, &name).unwrap() {
        let whole = batch(&reader, &p, &BatchOptions::default()).unwrap();
        for columns in [
            vec!["CHROM", "POS", "REF"],
            vec!["POS", "INFO/AC", "INFO/AN"],
            vec!["INFO/AN"],
        ] {
            let options = BatchOptions {
                columns: Some(columns.iter().map(|c| c.to_string()).collect()),
                genotypes: false,
            };
            let got = batch(&reader, &p, &options).unwrap();
            for c in &columns {
                assert_eq!(
                    got.column_by_name(c).unwrap().as_ref(),
                    whole.column_by_name(c).unwrap().as_ref(),
                    "{c} of {columns:?}"
                );
            }
        }
    }
}
