//! FASTQ import and export: byte-exact round trips of the real files in
//! ../shared/data/fastq (checked against `gzip -dc`), R1/R2 pairs, lossy
//! binning recorded in the manifest, and malformed input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use gcol_import::{import_fastq, no_progress, FastqOptions, QualityBinning};
use gcol_reader::Reader;
use gcol_tests::shared_data;
use gcol_writer::{WriteOptions, Writer};

fn fastq_files() -> Vec<PathBuf> {
    let Some(data) = shared_data("FASTQ round trips against ../shared/data/fastq") else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("fastq"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".fastq.gz"))
        .collect();
    files.sort();
    files
}

fn gunzip(path: &Path) -> Vec<u8> {
    let out = Command::new("gzip").arg("-dc").arg(path).output().unwrap();
    assert!(out.status.success());
    out.stdout
}

fn convert(paths: &[&Path], options: &FastqOptions) -> Result<Vec<u8>, gcol_writer::Error> {
    let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
    import_fastq(&mut w, paths, options, &no_progress)?;
    w.finish()
}

#[test]
fn every_fastq_round_trips_byte_for_byte() {
    for path in fastq_files() {
        let bytes = convert(&[&path], &FastqOptions::new("reads")).unwrap();
        let reader = Reader::from_bytes(bytes).unwrap();
        reader.verify(|_, _| {}).unwrap();
        let reads = reader.sequences("reads").unwrap();
        let mut out = Vec::new();
        reads.write_fastq(&mut out, None, |_, _| {}).unwrap();
        assert!(out == gunzip(&path), "{}: export differs", path.display());
        // Qualities come back as Phred values.
        let text = gunzip(&path);
        let first_qual = text.split(|&b| b == b'\n').nth(3).unwrap();
        let mut q = Vec::new();
        reads.qualities_into(0, &mut q).unwrap();
        assert_eq!(q, first_qual.iter().map(|&c| c - 33).collect::<Vec<_>>());
    }
}

/// Pages are encoded in the background (names, qualities and bases at
/// once) but written in the order they were ended: converting the same
/// input twice with a fixed timestamp gives the same bytes.
#[test]
fn conversion_is_reproducible() {
    for path in fastq_files() {
        let once = || {
            let options = WriteOptions {
                timestamp: Some("2026-01-01T00:00:00Z".into()),
                ..WriteOptions::default()
            };
            let mut w = Writer::new(Vec::new(), options).unwrap();
            import_fastq(&mut w, &[&path], &FastqOptions::new("reads"), &no_progress).unwrap();
            w.finish().unwrap()
        };
        let first = once();
        for _ in 0..3 {
            assert!(
                once() == first,
                "{}: output differs between runs",
                path.display()
            );
        }
    }
}

fn records(text: &[u8]) -> Vec<&[u8]> {
    // Four lines per record, each record kept with its newlines.
    let mut out = Vec::new();
    let mut start = 0;
    let mut lines = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            lines += 1;
            if lines % 4 == 0 {
                out.push(&text[start..=i]);
                start = i + 1;
            }
        }
    }
    out
}

#[test]
fn pairs_interleave_and_export_per_mate() {
    let Some(path) = fastq_files().into_iter().next() else {
        return;
    };
    let text = gunzip(&path);
    let recs = records(&text);
    let dir = tempfile::tempdir().unwrap();
    let r1: Vec<u8> = recs[..1000].concat();
    let r2: Vec<u8> = recs[1000..2000].concat();
    let (p1, p2) = (dir.path().join("s_R1.fq"), dir.path().join("s_R2.fq"));
    std::fs::write(&p1, &r1).unwrap();
    std::fs::write(&p2, &r2).unwrap();
    let reader =
        Reader::from_bytes(convert(&[&p1, &p2], &FastqOptions::new("pair")).unwrap()).unwrap();
    let reads = reader.sequences("pair").unwrap();
    assert_eq!(reads.len(), 2000);
    let mates = reads.mates().unwrap().unwrap();
    assert!(mates
        .iter()
        .enumerate()
        .all(|(i, &m)| m == 1 + (i % 2) as u8));
    for (mate, want) in [(1u8, &r1), (2, &r2)] {
        let mut out = Vec::new();
        reads.write_fastq(&mut out, Some(mate), |_, _| {}).unwrap();
        assert!(&out == want, "mate {mate}");
    }
    // Unequal pairs are refused, naming the longer file.
    std::fs::write(&p2, recs[1000..1999].concat()).unwrap();
    match convert(&[&p1, &p2], &FastqOptions::new("pair")) {
        Err(gcol_writer::Error::Input { path, record, .. }) => {
            assert_eq!(path, p2);
            assert_eq!(record, 1000);
        }
        other => panic!("expected an input error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn illumina_binning_is_recorded() {
    let Some(path) = fastq_files().into_iter().next() else {
        return;
    };
    let mut options = FastqOptions::new("binned");
    options.binning = QualityBinning::Illumina8;
    let reader = Reader::from_bytes(convert(&[&path], &options).unwrap()).unwrap();
    let meta = &reader.dataset("binned").unwrap().metadata;
    assert_eq!(meta["quality_binning"], "illumina8");
    assert!(meta["quality_binning_table"].starts_with("2,2,2,6,"));
    let reads = reader.sequences("binned").unwrap();
    let text = gunzip(&path);
    let original = text.split(|&b| b == b'\n').nth(3).unwrap();
    let mut q = Vec::new();
    reads.qualities_into(0, &mut q).unwrap();
    let table = QualityBinning::Illumina8.table().unwrap();
    assert_eq!(
        q,
        original
            .iter()
            .map(|&c| table[(c - 33) as usize])
            .collect::<Vec<_>>()
    );
    assert!(q.iter().all(|v| [2, 6, 15, 22, 27, 33, 37, 40].contains(v)));
}

fn error_of(text: &[u8]) -> (u64, u64, &'static str, String) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text).unwrap();
    // Strict names, so that a repeated name is an error too.
    let mut options = FastqOptions::new("x");
    options.names = gcol_import::NamePolicy::Strict;
    match convert(&[file.path()], &options) {
        Err(gcol_writer::Error::Input {
            record,
            line,
            field,
            detail,
            ..
        }) => (record, line, field, detail),
        other => panic!("expected an input error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn malformed_reads_name_record_line_and_field() {
    let good = b"@r1\nACGT\n+\nIIII\n";
    let (record, line, field, detail) = error_of(&[&good[..], b"@r2\nACGT\n+\nIII\n"].concat());
    assert_eq!((record, line, field), (2, 8, "quality"));
    assert!(detail.contains("3 quality values for 4 bases"), "{detail}");
    let (record, line, field, _) = error_of(&[&good[..], b"@r2\nAC9T\n+\nIIII\n"].concat());
    assert_eq!((record, line, field), (2, 6, "sequence"));
    let (record, line, field, detail) = error_of(&[&good[..], b"@r1\nACGT\n+\nIIII\n"].concat());
    assert_eq!((record, line, field), (2, 5, "name"));
    assert!(detail.contains("repeats the name of read 1"), "{detail}");
    let (record, _, field, _) = error_of(&[&good[..], b"r2\nACGT\n+\nIIII\n"].concat());
    assert_eq!((record, field), (2, "record"));
    let (record, line, field, _) = error_of(&[&good[..], b"@r2\nACGT\n+\nII\x07I\n"].concat());
    assert_eq!((record, line, field), (2, 8, "quality"));
}

#[test]
fn truncated_gzip_fastq_is_an_input_error() {
    let Some(path) = fastq_files().into_iter().next() else {
        return;
    };
    let full = std::fs::read(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.fastq.gz");
    std::fs::write(&cut, &full[..full.len() / 3]).unwrap();
    match convert(&[&cut], &FastqOptions::new("x")) {
        Err(gcol_writer::Error::Input {
            field,
            detail,
            record,
            ..
        }) => {
            assert!(
                field == "data" || field == "record" || field == "quality",
                "{field}"
            );
            assert!(record > 100, "record {record}");
            assert!(
                detail.contains("truncated") || detail.contains("quality values"),
                "{detail}"
            );
        }
        other => panic!("expected an input error, got {:?}", other.map(|_| ())),
    }
}
