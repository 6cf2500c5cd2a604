//! FASTA import, fetch and export against real data and independent truth:
//! byte-exact round trips of every file in ../shared/data/fasta, fetches of
//! random regions compared with `samtools faidx`, base counts compared with
//! a plain count over the source text, and malformed inputs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use gcol_import::{import_fasta, no_progress, FastaOptions, NamePolicy};
use gcol_reader::{ExportOptions, Reader};
use gcol_tests::shared_data;
use gcol_writer::{WriteOptions, Writer};
use proptest::prelude::*;

fn fasta_files() -> Vec<PathBuf> {
    let Some(data) = shared_data("FASTA round trips against ../shared/data/fasta") else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for dir in [data.join("fasta"), data.join("fasta/htslib_test")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_file()
                && (name.ends_with(".fa")
                    || name.ends_with(".fa.gz")
                    || name.ends_with(".fasta.gz")
                    || name.ends_with(".faa.gz"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The decompressed bytes of a file, via an independent decoder (`gzip -dc`).
fn plain_bytes(path: &Path) -> Vec<u8> {
    if path.extension().is_some_and(|e| e == "gz") {
        let out = Command::new("gzip")
            .arg("-dc")
            .arg(path)
            .output()
            .expect("gzip");
        assert!(out.status.success());
        out.stdout
    } else {
        std::fs::read(path).unwrap()
    }
}

fn convert(path: &Path, names: NamePolicy) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    let mut options = FastaOptions::new("seqs");
    options.names = names;
    import_fasta(&mut w, path, &options, &no_progress)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    w.finish().unwrap()
}

fn lenient(path: &Path) -> NamePolicy {
    // faidx.fa deliberately has an empty name.
    if path.file_name().is_some_and(|n| n == "faidx.fa") {
        NamePolicy::Lenient
    } else {
        NamePolicy::Strict
    }
}

#[test]
fn every_fasta_round_trips_byte_for_byte() {
    let files = fasta_files();
    for path in &files {
        let bytes = convert(path, lenient(path));
        let reader = Reader::from_bytes(bytes).unwrap();
        reader.verify(|_, _| {}).unwrap();
        let seqs = reader.sequences("seqs").unwrap();
        let mut out = Vec::new();
        seqs.write_fasta(&mut out, &ExportOptions::default(), |_, _| {})
            .unwrap();
        let original = plain_bytes(path);
        assert!(
            out == original,
            "{}: export differs from the input",
            path.display()
        );
        assert_eq!(
            reader.dataset("seqs").unwrap().metadata["exact_export"],
            "true",
            "{}",
            path.display()
        );
    }
    eprintln!("round-tripped {} FASTA files", files.len());
}

/// Independent FASTA reading for the tests: name -> sequence text.
fn parse_plain(text: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(header) = line.strip_prefix(b">") {
            let header = String::from_utf8_lossy(header);
            let name = header.split_whitespace().next().unwrap_or("").to_string();
            out.push((name, Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.extend_from_slice(line);
        }
    }
    out
}

use gcol_tests::Rng;

#[test]
fn random_fetches_equal_samtools_faidx() {
    if !gcol_tests::have_tool("samtools", "random_fetches_equal_samtools_faidx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for path in fasta_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "faidx.fa" {
            continue; // duplicate-empty-name file: samtools and we disagree by design on "" lookups
        }
        // samtools needs plain or BGZF input with its own index; give it a plain copy.
        let plain = dir.path().join(name.trim_end_matches(".gz"));
        std::fs::write(&plain, plain_bytes(&path)).unwrap();
        let reader = Reader::from_bytes(convert(&path, NamePolicy::Strict)).unwrap();
        let seqs = reader.sequences("seqs").unwrap();
        let names = seqs.names().unwrap();
        let lengths = seqs.lengths().unwrap();
        let mut rng = Rng(0x5EED ^ lengths.iter().sum::<u64>());
        let mut regions = Vec::new();
        let mut expected = Vec::new();
        let count = if lengths.len() > 1000 { 500 } else { 2000 };
        for _ in 0..count {
            let r = (rng.next() % names.len() as u64) as usize;
            if lengths[r] == 0 {
                continue;
            }
            let len = (rng.next() % 3000).min(lengths[r] - 1) + 1;
            let start = rng.next() % (lengths[r] - len + 1);
            let region = format!("{}:{}-{}", names[r], start + 1, start + len);
            let seq = seqs.fetch(&names[r], start..start + len).unwrap();
            expected.extend_from_slice(format!(">{region}\n").as_bytes());
            for line in seq.chunks(60) {
                expected.extend_from_slice(line);
                expected.push(b'\n');
            }
            regions.push(region);
        }
        let region_file = dir.path().join("regions.txt");
        std::fs::write(&region_file, regions.join("\n") + "\n").unwrap();
        let out = Command::new("samtools")
            .args([
                "faidx",
                plain.to_str().unwrap(),
                "-r",
                region_file.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == expected,
            "{name}: fetches differ from samtools faidx"
        );
        eprintln!("{name}: {} regions equal samtools faidx", regions.len());
    }
}

#[test]
fn base_counts_equal_a_plain_count() {
    for path in fasta_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("protein") || name.contains("uniprot") {
            continue;
        }
        let text = plain_bytes(&path);
        let reader = Reader::from_bytes(convert(&path, lenient(&path))).unwrap();
        let seqs = reader.sequences("seqs").unwrap();
        for (r, (_, seq)) in parse_plain(&text).iter().enumerate() {
            let mut plain = [0u64; 6];
            for &b in seq {
                plain[match b.to_ascii_uppercase() {
                    b'A' => 0,
                    b'C' => 1,
                    b'G' => 2,
                    b'T' | b'U' => 3,
                    b'N' => 4,
                    _ => 5,
                }] += 1;
            }
            let counts = seqs.base_counts(r, 0..seq.len() as u64).unwrap();
            assert_eq!(counts, plain, "{name} record {r}");
        }
    }
}

fn convert_text(text: &[u8], names: NamePolicy) -> Result<Vec<u8>, gcol_writer::Error> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text).unwrap();
    let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
    let mut options = FastaOptions::new("seqs");
    options.names = names;
    import_fasta(&mut w, file.path(), &options, &no_progress)?;
    w.finish()
}

fn input_error(text: &[u8]) -> (u64, u64, &'static str, String) {
    match convert_text(text, NamePolicy::Strict) {
        Err(gcol_writer::Error::Input {
            record,
            line,
            field,
            detail,
            ..
        }) => (record, line, field, detail),
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!(
            "accepted malformed input {:?}",
            String::from_utf8_lossy(text)
        ),
    }
}

#[test]
fn malformed_inputs_name_record_line_and_field() {
    let (record, line, field, detail) = input_error(b">a\nACGT\n>a\nACGT\n");
    assert_eq!((record, line, field), (2, 3, "name"));
    assert!(detail.contains("duplicate"), "{detail}");
    let (record, line, field, _) = input_error(b">a\nACGT\n>\nACGT\n");
    assert_eq!((record, line, field), (2, 3, "name"));
    let (record, line, field, detail) = input_error(b">a\nACGT\nAC1T\n");
    assert_eq!((record, line, field), (1, 3, "sequence"));
    assert!(detail.contains("'1'"), "{detail}");
    let (record, line, field, _) = input_error(b">a\nACGTACGTACGT\n>b\nAC*T\n");
    assert_eq!((record, line, field), (2, 4, "sequence"));
    let (record, line, field, _) = input_error(b"ACGT\n>a\nACGT\n");
    assert_eq!((record, line, field), (0, 1, "definition line"));
}

/// A record of ~3.3 Mbases (the importer hands records to the stream in
/// 1 MiB parts): soft-masked and N runs straddle the part boundaries, a
/// second record is RNA whose first U comes after 2 MiB of N, and a bad
/// symbol late in a record is reported on its own line.
#[test]
fn long_records_stream_in_parts() {
    let mut rng = Rng(99);
    let mut next = move || rng.next();
    let mut seq: Vec<u8> = (0..3_300_000)
        .map(|_| b"ACGT"[(next() % 4) as usize])
        .collect();
    // Parts end at the first line end at or after each 1 MiB of residues:
    // a lower-case run, an N run and an n run straddle the three ends.
    let (b1, b2, b3) = (1usize << 20, 2 << 20, 3 << 20);
    for b in &mut seq[b1 - 5_000..b1 + 7_000] {
        b.make_ascii_lowercase();
    }
    seq[b2 - 300..b2 + 300].fill(b'N');
    seq[b3 - 300..b3 + 300].fill(b'n');
    let mut rna = vec![b'N'; 2_200_000];
    rna.extend((0..50_000).map(|_| b"ACGU"[(next() % 4) as usize]));
    rna[2_200_100] = b'T';
    let wrap = |s: &[u8], width: usize| {
        let mut out = Vec::new();
        for line in s.chunks(width) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out
    };
    let mut text = b">big masked\n".to_vec();
    text.extend(wrap(&seq, 61));
    text.extend_from_slice(b">rna\n");
    text.extend(wrap(&rna, 70));
    let bytes = convert_text(&text, NamePolicy::Strict).unwrap();
    let reader = Reader::from_bytes(bytes).unwrap();
    let seqs = reader.sequences("seqs").unwrap();
    let mut out = Vec::new();
    seqs.write_fasta(&mut out, &ExportOptions::default(), |_, _| {})
        .unwrap();
    assert!(out == text, "export differs from the input");
    let mut got = Vec::new();
    seqs.fetch_record_into(0, 0..seq.len() as u64, &mut got)
        .unwrap();
    assert!(got == seq);
    assert_ne!(
        seqs.record(1).unwrap().flags & gcol_format::schema::sequences::FLAG_RNA,
        0
    );
    // One run each, not split where parts end: masks (acgt..., n...) and
    // ambiguity runs (N..., n..., the RNA record's 2.2 Mb of N, its T).
    let runs = |c: &str| reader.column("seqs", c).unwrap().num_values();
    assert_eq!((runs("mask_start"), runs("amb_start")), (2, 4));
    // A bad byte past 2 MiB: its line is counted from the record start.
    let mut bad = seq.clone();
    bad[2_500_000] = b'*';
    let mut text = b">big\n".to_vec();
    text.extend(wrap(&bad, 61));
    let (record, line, field, _) = input_error(&text);
    assert_eq!((record, line, field), (1, 2 + 2_500_000 / 61, "sequence"));
}

#[test]
fn truncated_gzip_is_an_input_error() {
    let Some(data) = shared_data("truncated gzip input") else {
        return;
    };
    let full = std::fs::read(data.join("fasta/mirbase_hairpin_rna.fa.gz")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.fa.gz");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    match import_fasta(&mut w, &cut, &FastaOptions::new("x"), &no_progress) {
        Err(gcol_writer::Error::Input {
            field,
            detail,
            line,
            ..
        }) => {
            assert_eq!(field, "data");
            assert!(line > 1000, "line {line}");
            assert!(detail.contains("truncated"), "{detail}");
        }
        other => panic!("expected an input error, got {:?}", other.map(|_| ())),
    }
}

fn random_fasta(seed: u64, records: usize) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut text = Vec::new();
    for r in 0..records {
        text.extend_from_slice(format!(">r{r} description {seed}\n").as_bytes());
        let len = (rng.next() % 5000) as usize;
        let width = 1 + (rng.next() % 120) as usize;
        let mut seq = Vec::with_capacity(len);
        let mut lower = false;
        let mut i = 0;
        while i < len {
            if rng.next().is_multiple_of(50) {
                lower = !lower;
            }
            let roll = rng.next() % 100;
            let run = if roll < 3 {
                1 + (rng.next() % 40) as usize
            } else {
                1
            };
            let symbol = match roll {
                0 => b'N',
                1 => b"RYKMSWBDHV"[(rng.next() % 10) as usize],
                2 => b'-',
                _ => b"ACGT"[(rng.next() % 4) as usize],
            };
            for _ in 0..run.min(len - i) {
                seq.push(if lower {
                    symbol.to_ascii_lowercase()
                } else {
                    symbol
                });
                i += 1;
            }
        }
        for line in seq.chunks(width) {
            text.extend_from_slice(line);
            text.push(b'\n');
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_round_trip_and_fetch(seed in any::<u64>(), records in 1usize..6, probes in prop::collection::vec((any::<u64>(), any::<u64>()), 20)) {
        let text = random_fasta(seed, records);
        let bytes = convert_text(&text, NamePolicy::Strict).unwrap();
        let reader = Reader::from_bytes(bytes).unwrap();
        let seqs = reader.sequences("seqs").unwrap();
        let mut out = Vec::new();
        seqs.write_fasta(&mut out, &ExportOptions::default(), |_, _| {}).unwrap();
        prop_assert!(out == text);
        let plain = parse_plain(&text);
        for (a, b) in probes {
            let r = (a % plain.len() as u64) as usize;
            let len = plain[r].1.len() as u64;
            let start = if len == 0 { 0 } else { b % len };
            let end = start + ((a >> 32) % (len - start + 1));
            let got = seqs.fetch(&plain[r].0, start..end).unwrap();
            prop_assert_eq!(&got[..], &plain[r].1[start as usize..end as usize]);
        }
    }
}

fn naive_revcomp(s: &[u8]) -> Vec<u8> {
    s.iter()
        .rev()
        .map(|&b| match b {
            b'A' => b'T',
            b'T' => b'A',
            b'C' => b'G',
            b'G' => b'C',
            other => other,
        })
        .collect()
}

fn naive_count(hay: &[u8], pattern: &[u8]) -> usize {
    hay.windows(pattern.len()).filter(|w| *w == pattern).count()
}

#[test]
fn motif_counts_equal_a_naive_scan() {
    let Some(data) = shared_data("motif search on the yeast genome") else {
        return;
    };
    let path = data.join("fasta/scerevisiae_S288C_R64_16chr.fa.gz");
    let text = plain_bytes(&path);
    let reader = Reader::from_bytes(convert(&path, NamePolicy::Strict)).unwrap();
    let seqs = reader.sequences("seqs").unwrap();
    for (r, (_, seq)) in parse_plain(&text).iter().enumerate() {
        let upper = seq.to_ascii_uppercase();
        for pattern in [&b"GAATTC"[..], b"TATAAA", b"ACGCGTA", b"gcgc"] {
            let p = pattern.to_ascii_uppercase();
            let rc = naive_revcomp(&p);
            let want_fwd = naive_count(&upper, &p);
            let want_rev = if rc == p { 0 } else { naive_count(&upper, &rc) };
            let hits = seqs
                .find_motif(r, 0..seq.len() as u64, pattern, true)
                .unwrap();
            let rev = hits.iter().filter(|h| h.reverse).count();
            assert_eq!(
                (hits.len() - rev, rev),
                (want_fwd, want_rev),
                "record {r} {pattern:?}"
            );
            for h in hits.iter().take(50) {
                let at = &upper[h.position as usize..h.position as usize + p.len()];
                assert_eq!(at, if h.reverse { &rc[..] } else { &p[..] });
            }
        }
    }
}

#[test]
fn kmer_counts_equal_a_naive_count() {
    let Some(data) = shared_data("k-mer counting on lambda") else {
        return;
    };
    let path = data.join("fasta/lambda_virus.fa");
    let text = plain_bytes(&path);
    let reader = Reader::from_bytes(convert(&path, NamePolicy::Strict)).unwrap();
    let seqs = reader.sequences("seqs").unwrap();
    let seq = parse_plain(&text).remove(0).1.to_ascii_uppercase();
    for k in [1usize, 5, 11, 31] {
        let mut want = std::collections::HashMap::<String, u64>::new();
        for w in seq.windows(k) {
            *want
                .entry(String::from_utf8(w.to_vec()).unwrap())
                .or_insert(0) += 1;
        }
        let got: std::collections::HashMap<String, u64> = seqs
            .kmer_counts(k, false)
            .unwrap()
            .into_iter()
            .map(|(key, n)| (gcol_reader::sequences::kmer_text(key, k), n))
            .collect();
        assert_eq!(got, want, "k = {k}");
        // Canonical counts fold each k-mer with its reverse complement.
        let canonical = seqs.kmer_counts(k, true).unwrap();
        let total: u64 = canonical.values().sum();
        assert_eq!(total, (seq.len() - k + 1) as u64);
    }
}

/// A small fetch from a page that is not cached decodes only the zstd
/// blocks it needs and leaves the rest of the page to a background task;
/// threads that want the page meanwhile wait for that task, so each page is
/// decoded once, and every fetch returns the right bases.
#[test]
fn cold_small_fetches_decode_each_page_once() {
    let (text, seq) = compressible_record();
    let bytes = convert_text(&text, NamePolicy::Strict).unwrap();
    batch_on_a_small_pool_does_not_deadlock(&bytes, &seq);
    for round in 0..3u64 {
        let reader = gcol_tests::reader_with_own_cache(bytes.clone());
        let seqs = reader.sequences("seqs").unwrap();
        let bases = reader.column("seqs", "bases").unwrap();
        let page = bases.meta().first_page + 1;
        assert_eq!(
            reader.page_info(page).unwrap().encoding,
            0x0100,
            "a zstd+plain page"
        );
        // Eight threads read 1 kb pieces of page 1 (bases 262,144..524,288),
        // each starting in a different spot of it.
        std::thread::scope(|scope| {
            for t in 0..8u64 {
                let (seqs, seq) = (&seqs, &seq);
                scope.spawn(move || {
                    for k in 0..20u64 {
                        let start = 262_144 + ((t * 31_337 + k * 7_919 + round * 101) % 261_000);
                        let mut out = Vec::new();
                        seqs.fetch_record_into(0, start..start + 1_000, &mut out)
                            .unwrap();
                        assert!(out == seq[start as usize..start as usize + 1_000]);
                    }
                });
            }
        });
        // The background completion caches the page; wait for it.
        let cache = reader.cache();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while cache.metrics().bytes_decoded < 65_536 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let m = cache.metrics();
        // One 64 KiB bases page decoded, plus the small record and run pages.
        assert!(
            (65_536..65_536 + 8_192).contains(&m.bytes_decoded),
            "round {round}: {m:?}"
        );
        // The cached page is the whole page, equal to the input.
        let mut out = Vec::new();
        seqs.fetch_record_into(0, 262_144..524_288, &mut out)
            .unwrap();
        assert!(out == seq[262_144..524_288]);
    }
}

/// Threads that miss the cache on the same page at once decode it once,
/// whether they read all of it (a whole-page load) or a small piece (a
/// prefix, finished in the background): the first registers the load and
/// the others wait for it.
#[test]
fn concurrent_misses_decode_each_page_once() {
    let (text, seq) = compressible_record();
    let bytes = convert_text(&text, NamePolicy::Strict).unwrap();
    for round in 0..4u64 {
        let reader = gcol_tests::reader_with_own_cache(bytes.clone());
        let seqs = reader.sequences("seqs").unwrap();
        // The small columns first (with all of bases page 0, decoded whole
        // before returning), so that only bases page 2 is missed below.
        seqs.fetch_record_into(0, 0..262_144, &mut Vec::new())
            .unwrap();
        let before = reader.cache().metrics().bytes_decoded;
        let barrier = std::sync::Barrier::new(6);
        std::thread::scope(|scope| {
            for t in 0..6u64 {
                let (seqs, seq, barrier) = (&seqs, &seq, &barrier);
                scope.spawn(move || {
                    // Page 2 holds bases 524,288..786,432; even threads read
                    // all of it, odd ones 1 kb near its start.
                    let range = if (t + round) % 2 == 0 {
                        524_288..786_432
                    } else {
                        524_288 + t * 1_000..524_288 + t * 1_000 + 1_000
                    };
                    barrier.wait();
                    let mut out = Vec::new();
                    seqs.fetch_record_into(0, range.clone(), &mut out).unwrap();
                    assert!(out == seq[range.start as usize..range.end as usize]);
                });
            }
        });
        let cache = reader.cache();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while cache.metrics().bytes_decoded < before + 65_536
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // Let a second decode, if there were one, finish and be counted.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let m = cache.metrics();
        assert_eq!(m.bytes_decoded - before, 65_536, "round {round}: {m:?}");
    }
}

/// FASTA import inside a rayon pool whose only worker is the importer's
/// thread (base pages and other columns are encoded on the pool): it
/// finishes, and the bases come back.
#[test]
fn import_inside_a_one_thread_pool_finishes() {
    let (mut text, seq) = compressible_record();
    // Five records, so base batches and record pages both go to the pool.
    for i in 0..4 {
        text.extend_from_slice(format!(">extra{i}\n").as_bytes());
        text.extend_from_slice(&seq[..300_000]);
        text.push(b'\n');
    }
    let bytes = gcol_tests::on_pool_within_a_minute(1, "FASTA import", move || {
        convert_text(&text, NamePolicy::Strict)
    })
    .unwrap();
    let reader = Reader::from_bytes(bytes).unwrap();
    let seqs = reader.sequences("seqs").unwrap();
    assert_eq!(seqs.len(), 5);
    assert!(seqs.fetch("r", 0..seq.len() as u64).unwrap() == seq);
    assert!(seqs.fetch("extra3", 0..300_000).unwrap() == seq[..300_000]);
}

/// One 1 Mb record of repeats with point changes (zstd shrinks its pages,
/// so they are stored as zstd frames of three blocks): (FASTA text, bases).
fn compressible_record() -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng(7);
    let mut next = move || rng.next();
    let unit: Vec<u8> = (0..5_000).map(|_| b"ACGT"[(next() % 4) as usize]).collect();
    let seq: Vec<u8> = (0..1_000_000)
        .map(|i| {
            if i % 97 == 0 {
                b"ACGT"[(next() % 4) as usize]
            } else {
                unit[i % 5_000]
            }
        })
        .collect();
    let mut text = b">r\n".to_vec();
    for line in seq.chunks(60) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    (text, seq)
}

/// Reading a record in consecutive 1 kb windows is a scan: pages are read
/// whole and readahead loads the next ones.
#[test]
fn small_window_scans_keep_readahead() {
    let (text, seq) = compressible_record();
    let bytes = convert_text(&text, NamePolicy::Strict).unwrap();
    let reader = gcol_tests::reader_with_own_cache(bytes);
    let seqs = reader.sequences("seqs").unwrap();
    let mut out = Vec::new();
    for start in (0..600_000u64).step_by(1_000) {
        out.clear();
        seqs.fetch_record_into(0, start..start + 1_000, &mut out)
            .unwrap();
        assert!(out == seq[start as usize..start as usize + 1_000]);
    }
    let m = reader.cache().metrics();
    assert!(m.readahead_pages > 0, "{m:?}");
}

/// Many regions in the same cold pages, fetched in parallel on a 2-thread
/// rayon pool (as the Python bindings run `fetch_batch`): workers that wait
/// for a page being finished in the background must not wait for work that
/// needs a worker.
fn batch_on_a_small_pool_does_not_deadlock(bytes: &[u8], seq: &[u8]) {
    let reader = Reader::from_bytes(bytes.to_vec()).unwrap();
    let regions: Vec<gcol_reader::Region> = (0..400u64)
        .map(|k| {
            let start = (k * 9_973) % 990_000;
            gcol_reader::Region {
                record: 0,
                interval: gcol_format::coords::Interval::new(start, start + 1_000).unwrap(),
            }
        })
        .collect();
    let (regions, out) = gcol_tests::on_pool_within_a_minute(2, "fetch_batch", move || {
        let out = reader
            .sequences("seqs")
            .unwrap()
            .fetch_batch(&regions)
            .unwrap();
        (regions, out)
    });
    for (r, got) in regions.iter().zip(out) {
        assert!(got == seq[r.interval.start() as usize..r.interval.end() as usize]);
    }
}

/// Spec 12.5, `residue_order` `clustered`: the A. thaliana proteins (whose
/// isoforms are far apart in accession order) are stored grouped, so the
/// offsets are not running sums; every record still reads back exactly as
/// the FASTA text has it, and the residues take much less room than in
/// record order.
#[test]
fn protein_residues_are_grouped_and_read_back_exactly() {
    let Some(data) = shared_data("protein_residues_are_grouped_and_read_back_exactly") else {
        return;
    };
    let path = data.join("fasta/athaliana_TAIR10_chr1_protein.faa.gz");
    let text = plain_bytes(&path);
    let expected = parse_plain(&text);
    let stored = |cluster: bool| {
        let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
        let mut options = FastaOptions::new("seqs");
        options.format_minor = if cluster { 2 } else { 1 };
        import_fasta(&mut w, &path, &options, &no_progress).unwrap();
        w.finish().unwrap()
    };
    let grouped = Reader::from_bytes(stored(true)).unwrap();
    assert_eq!(grouped.version(), (1, 2));
    let seqs = grouped.sequences("seqs").unwrap();
    let meta = &grouped.dataset("seqs").unwrap().metadata;
    assert_eq!(
        meta.get("residue_order").map(String::as_str),
        Some("clustered")
    );
    let offsets: Vec<u64> = grouped
        .column("seqs", "offset")
        .unwrap()
        .read(0..seqs.len() as u64)
        .unwrap();
    assert!(
        offsets.windows(2).any(|w| w[1] < w[0]),
        "offsets in record order"
    );
    assert_eq!(seqs.len(), expected.len());
    let names = seqs.names().unwrap();
    for (r, (name, seq)) in expected.iter().enumerate() {
        assert_eq!(&names[r], name);
        let mut out = Vec::new();
        seqs.fetch_record_into(r, 0..seq.len() as u64, &mut out)
            .unwrap();
        assert!(out == *seq, "record {r} ({name})");
    }
    let mut exported = Vec::new();
    seqs.write_fasta(&mut exported, &ExportOptions::default(), |_, _| {})
        .unwrap();
    assert!(exported == text, "export differs from the input");
    grouped.verify_with(true, |_, _| {}).unwrap();
    let residues = |r: &Reader| r.column("seqs", "residues").unwrap().meta().stored_bytes;
    let in_order = Reader::from_bytes(stored(false)).unwrap();
    assert_eq!(in_order.version(), (1, 1));
    assert!(
        residues(&grouped) * 4 < residues(&in_order) * 3,
        "grouped {} vs record order {}",
        residues(&grouped),
        residues(&in_order)
    );
}
