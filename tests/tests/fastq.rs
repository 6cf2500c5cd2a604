//! FASTQ import and export: byte-exact round trips of the real files in
//! ../shared/data/fastq (checked against `gzip -dc`), R1/R2 pairs, lossy
//! binning recorded in the manifest, and malformed input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use gcol_import::{import_fastq, no_progress, FastqOptions, QualityBinning, ReadCompression};
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

/// FASTQ text of `reads` (name, bases, Phred values).
fn fastq_text(reads: &[(String, Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut text = Vec::new();
    for (name, bases, quals) in reads {
        text.extend_from_slice(format!("@{name}\n").as_bytes());
        text.extend_from_slice(bases);
        text.extend_from_slice(b"\n+\n");
        text.extend(quals.iter().map(|q| q + 33));
        text.push(b'\n');
    }
    text
}

/// Convert FASTQ text with `options` and export it again.
fn round_trip_text(text: &[u8], options: &FastqOptions) -> (Vec<u8>, Reader) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reads.fq");
    std::fs::write(&path, text).unwrap();
    let bytes = convert(&[&path], options).unwrap();
    let file = dir.path().join("reads.gcol");
    std::fs::write(&file, &bytes).unwrap();
    let reader = Reader::open(&file).unwrap();
    reader.verify(|_, _| {}).unwrap();
    let mut out = Vec::new();
    reader
        .sequences(&options.dataset)
        .unwrap()
        .write_fastq(&mut out, None, |_, _| {})
        .unwrap();
    (out, reader)
}

/// `quality-model` pages (spec 7.10) at every compression level and at
/// small page sizes: every Phred value 0..=93, empty reads, a one-base
/// read, a read of 1,000,000 bases (cut into segments across pages),
/// pairs with `/1` `/2` and identical names; the export equals the input
/// byte for byte.
#[test]
fn quality_model_edge_cases_round_trip() {
    let mut x = 7u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut reads = Vec::new();
    reads.push(("all".to_string(), vec![b'A'; 94], (0..=93u8).collect()));
    reads.push(("empty".to_string(), Vec::new(), Vec::new()));
    reads.push(("one".to_string(), b"C".to_vec(), vec![93]));
    for i in 0..50 {
        let len = (next() % 300) as usize;
        let bases: Vec<u8> = (0..len).map(|_| b"ACGT"[(next() % 4) as usize]).collect();
        let quals: Vec<u8> = (0..len).map(|_| (next() % 42) as u8).collect();
        reads.push((format!("pair{i}/1"), bases.clone(), quals.clone()));
        reads.push((
            format!("pair{i}/2"),
            bases,
            quals.iter().rev().copied().collect(),
        ));
        reads.push(("same".to_string(), b"GG".to_vec(), vec![2, 40]));
    }
    let long: Vec<u8> = (0..1_000_000)
        .map(|i| (i % 7 + (next() % 3) as usize) as u8 * 5)
        .collect();
    reads.push(("long".to_string(), vec![b'T'; long.len()], long));
    reads.push((
        "last".to_string(),
        b"ACGTN".to_vec(),
        vec![0, 10, 20, 30, 40],
    ));
    let text = fastq_text(&reads);
    for (compression, page_values) in [
        (ReadCompression::Default, 0),
        (ReadCompression::Archive, 0),
        (ReadCompression::Default, 100),
        (ReadCompression::Default, 1),
        (ReadCompression::Fast, 0),
    ] {
        let mut options = FastqOptions::new("reads");
        options.compression = compression;
        options.quality_page_values = page_values;
        let (out, reader) = round_trip_text(&text, &options);
        assert!(
            out == text,
            "{compression:?} pages of {page_values}: export differs"
        );
        let encodings = &reader.manifest().datasets[0]
            .columns
            .iter()
            .find(|c| c.name == "quality")
            .unwrap()
            .encodings;
        let model = encodings.contains(&gcol_format::encoding::ids::QUALITY_MODEL);
        assert_eq!(model, compression != ReadCompression::Fast, "{encodings:?}");
        // One read's qualities, from the middle of the file.
        let mut q = Vec::new();
        reader
            .sequences("reads")
            .unwrap()
            .qualities_into(reads.len() - 2, &mut q)
            .unwrap();
        assert_eq!(q, reads[reads.len() - 2].2);
    }
}

/// A FASTQ file of qualities at most 1.5 as large as zstd's under the
/// model: Illumina-like qualities (a walk), against the same input at
/// `fast`.
#[test]
fn quality_model_is_smaller_than_zstd_on_illumina_like_qualities() {
    let mut x = 11u64;
    let mut reads = Vec::new();
    for i in 0..2000 {
        let mut q: i32 = 38;
        let quals: Vec<u8> = (0..100)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                q = (q + ((x >> 33) % 5) as i32 - 2).clamp(2, 41);
                q as u8
            })
            .collect();
        reads.push((format!("r{i}"), vec![b'A'; 100], quals));
    }
    let text = fastq_text(&reads);
    let size = |compression| {
        let mut options = FastqOptions::new("reads");
        options.compression = compression;
        let (out, reader) = round_trip_text(&text, &options);
        assert!(out == text);
        let ds = &reader.manifest().datasets[0];
        ds.columns
            .iter()
            .find(|c| c.name == "quality")
            .unwrap()
            .stored_bytes
    };
    let zstd = size(ReadCompression::Fast);
    let model = size(ReadCompression::Default);
    assert!(model < zstd, "quality-model {model} bytes, zstd {zstd}");
}

/// `max-error:E` binning keeps every value within E of the input (checked
/// against the FASTQ text itself), records the bound, and shrinks the
/// qualities.
#[test]
fn max_error_binning_keeps_its_bound() {
    for path in fastq_files() {
        let text = gunzip(&path);
        let mut sizes = Vec::new();
        for binning in ["lossless", "max-error:1", "max-error:3"] {
            let mut options = FastqOptions::new("reads");
            options.binning = QualityBinning::parse(binning).unwrap();
            let bytes = convert(&[&path], &options).unwrap();
            let reader = Reader::from_bytes(bytes).unwrap();
            let ds = &reader.manifest().datasets[0];
            assert_eq!(
                ds.metadata.get("quality_binning").map(String::as_str),
                Some(binning)
            );
            let mut out = Vec::new();
            reader
                .sequences("reads")
                .unwrap()
                .write_fastq(&mut out, None, |_, _| {})
                .unwrap();
            let bound: i32 = binning
                .strip_prefix("max-error:")
                .map_or(0, |e| e.parse().unwrap());
            let lines_in: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
            let lines_out: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
            assert_eq!(lines_in.len(), lines_out.len());
            for (i, (a, b)) in lines_in.iter().zip(&lines_out).enumerate() {
                if i % 4 == 3 {
                    assert_eq!(a.len(), b.len());
                    for (x, y) in a.iter().zip(b.iter()) {
                        assert!((i32::from(*x) - i32::from(*y)).abs() <= bound, "line {i}");
                    }
                } else {
                    assert_eq!(a, b, "line {i}");
                }
            }
            let quality = ds.columns.iter().find(|c| c.name == "quality").unwrap();
            sizes.push(quality.stored_bytes);
        }
        assert!(sizes[2] < sizes[1] && sizes[1] < sizes[0], "{sizes:?}");
    }
}

/// Primed quality pages (spec 7.14): the real FASTQ files at `default`
/// have a `quality-model` first page and `quality-primed` pages after it;
/// reads taken one at a time, in scattered order, from a reader that
/// decoded nothing yet equal the FASTQ text; a file of one quality page
/// uses no primed page and stays format 1.5, the lowest minor version
/// its features need (spec 2.2).
#[test]
fn primed_quality_pages_read_alone_and_versions_stay_lowest() {
    use gcol_format::encoding::ids;
    for path in fastq_files() {
        let bytes = convert(&[&path], &FastqOptions::new("reads")).unwrap();
        let reader = Reader::from_bytes(bytes).unwrap();
        let quality = reader.column("reads", "quality").unwrap();
        let encodings = &reader.manifest().datasets[0]
            .columns
            .iter()
            .find(|c| c.name == "quality")
            .unwrap()
            .encodings;
        if quality.num_pages() > 1 {
            assert_eq!(quality.page(0).unwrap().info().encoding, ids::QUALITY_MODEL);
            assert!(
                encodings.contains(&ids::QUALITY_PRIMED),
                "{}",
                path.display()
            );
            assert_eq!(reader.version(), (1, 8));
        }
        let text = gunzip(&path);
        let records: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        let n = records.len() / 4;
        let reads = reader.sequences("reads").unwrap();
        let mut q = Vec::new();
        for k in 0..200usize {
            let i = (k * 7919 + 13) % n;
            q.clear();
            reads.qualities_into(i, &mut q).unwrap();
            let expected: Vec<u8> = records[4 * i + 3].iter().map(|&c| c - 33).collect();
            assert_eq!(q, expected, "{}: read {i}", path.display());
        }
    }
    let reads: Vec<(String, Vec<u8>, Vec<u8>)> = (0..50)
        .map(|i| {
            (
                format!("r{i}"),
                vec![b'A'; 100],
                vec![30 + (i % 7) as u8; 100],
            )
        })
        .collect();
    let (out, reader) = round_trip_text(&fastq_text(&reads), &FastqOptions::new("reads"));
    assert!(out == fastq_text(&reads));
    assert_eq!(reader.version(), (1, 5));
}

/// A second reads dataset written after the header (the first dataset's
/// pages already out) whose first quality page is tiny: the primer keeps
/// its encoding (it is not rewritten plain as a small inline page), so
/// its primed pages read back (found by a review, session 19).
#[test]
fn a_tiny_primer_after_the_header_keeps_its_encoding() {
    let dir = tempfile::tempdir().unwrap();
    // Random bases: two 64 KiB pages, written with the header when the
    // first dataset's pages are.
    let mut x = 5u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let first: Vec<(String, Vec<u8>, Vec<u8>)> = (0..2000)
        .map(|i| {
            let bases = (0..160).map(|_| b"ACGT"[(next() % 4) as usize]).collect();
            let quals = (0..160).map(|_| 2 + (next() % 39) as u8).collect();
            (format!("a{i}"), bases, quals)
        })
        .collect();
    let long: Vec<u8> = (0..300_000u32)
        .map(|i| [2u8, 20, 37, 30][(i % 7 % 4) as usize])
        .collect();
    let second = vec![
        (
            "b0".to_string(),
            vec![b'A'; 10],
            vec![2, 20, 37, 30, 2, 20, 37, 30, 2, 20],
        ),
        ("b1".to_string(), vec![b'T'; long.len()], long),
    ];
    let (a, b) = (dir.path().join("a.fq"), dir.path().join("b.fq"));
    std::fs::write(&a, fastq_text(&first)).unwrap();
    std::fs::write(&b, fastq_text(&second)).unwrap();
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    import_fastq(&mut w, &[&a], &FastqOptions::new("a"), &no_progress).unwrap();
    // The first dataset's pages (and the header) are written.
    w.write_pending().unwrap();
    import_fastq(&mut w, &[&b], &FastqOptions::new("b"), &no_progress).unwrap();
    let reader = Reader::from_bytes(w.finish().unwrap()).unwrap();
    reader.verify(|_, _| {}).unwrap();
    let quality = reader.column("b", "quality").unwrap();
    assert!(quality.num_pages() > 1);
    assert_eq!(
        quality.page(0).unwrap().info().encoding,
        gcol_format::encoding::ids::QUALITY_MODEL
    );
    let mut out = Vec::new();
    reader
        .sequences("b")
        .unwrap()
        .write_fastq(&mut out, None, |_, _| {})
        .unwrap();
    assert!(out == fastq_text(&second));
}
