//! Shared helpers for gcol's integration tests: golden files, the corrupt
//! corpus, and locating `../shared/data`.

use std::path::{Path, PathBuf};

use gcol_format::directory::DIR_ENTRY_LEN;
use gcol_format::encoding::Encoding;
use gcol_format::footer::FOOTER_HEADER_LEN;
use gcol_format::tail::TAIL_LEN;
use gcol_format::{crc, PhysicalType};
use gcol_writer::demo::{write_demo, DEMO_TIMESTAMP};
use gcol_writer::{ColumnSpec, DatasetSpec, WriteOptions, Writer};

pub mod conformance;
pub mod corpus;
pub mod fuzz;
pub mod http;
pub mod s3;

/// Root of this crate (`tests/`).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed conformance files (`spec/conformance/*.gcol`), sorted.
pub fn conformance_paths() -> Vec<PathBuf> {
    let dir = crate_dir().join("../spec/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "gcol"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{} conformance files", files.len());
    files
}

/// `tests/data`.
pub fn data_dir() -> PathBuf {
    crate_dir().join("data")
}

/// Say that a test could not run `what` (missing data or peer tool):
/// print `SKIPPED ...`, and append it to the file `$GCOL_SKIP_LOG` (which
/// `scripts/test.sh` prints at the end, since cargo hides a passing test's
/// output). With `GCOL_REQUIRE_DATA=1` (as `.ci/run` sets) this fails the
/// test instead: CI cannot pass by skipping.
pub fn skipped(what: &str) {
    if std::env::var("GCOL_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!("cannot run {what}, and GCOL_REQUIRE_DATA=1 requires it");
    }
    eprintln!("SKIPPED {what}");
    if let Some(log) = std::env::var_os("GCOL_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(file, "rust: {what}");
        }
    }
}

/// The shared real-data directory: `$GCOL_TEST_DATA`, else `../shared/data`
/// beside the repository. `None` (after [`skipped`] names `what`) when absent.
pub fn shared_data(what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("GCOL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped(&format!(
            "{what}: shared data not found at {} (set GCOL_TEST_DATA)",
            dir.display()
        ));
        None
    }
}

/// Whether a peer tool runs (`tool --version`, or `tool -V` as Graphviz
/// asks); when not, [`skipped`] names the test.
pub fn have_tool(tool: &str, test: &str) -> bool {
    let runs = |flag: &str| {
        std::process::Command::new(tool)
            .arg(flag)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let ok = runs("--version") || runs("-V");
    if !ok {
        skipped(&format!(
            "{test}: {tool} not installed (.ci/run installs it)"
        ));
    }
    ok
}

/// The one pseudo-random generator of the tests and benches (xorshift64):
/// deterministic, so a failure reproduces. `Rng(seed)` with a non-zero seed.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Options for golden files: fixed timestamp and producer, so the bytes
/// change only when the format does.
pub fn golden_options() -> WriteOptions {
    WriteOptions {
        timestamp: Some(DEMO_TIMESTAMP.into()),
        producer: gcol_format::manifest::Producer {
            name: "gcol".into(),
            version: "test-vector".into(),
        },
        // The 1.0 golden and conformance files keep the 1.0 layout; the
        // compact one has a conformance file of its own.
        compact: false,
        ..WriteOptions::default()
    }
}

/// Golden file `demo.gcol`: every encoding, every physical type, an empty column.
pub fn build_demo() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec sink");
    write_demo(&mut w).expect("demo");
    w.finish().expect("vec sink")
}

/// Golden file `tiny.gcol`: one dataset, one delta-varint u32 column of three values.
pub fn build_tiny() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec sink");
    let d = w
        .add_dataset(DatasetSpec::new("t", "table"))
        .expect("dataset");
    let c = w
        .add_column(
            d,
            ColumnSpec::new("x", PhysicalType::U32, "uint32").encoding(Encoding::delta_varint()),
        )
        .expect("column");
    w.push(c, &[5u32, 7, 6]).expect("push");
    w.set_num_rows(d, 3).expect("rows");
    w.finish().expect("vec sink")
}

/// Golden file `empty.gcol`: no datasets at all.
pub fn build_empty() -> Vec<u8> {
    Writer::new(Vec::new(), golden_options())
        .expect("vec sink")
        .finish()
        .expect("vec sink")
}

/// Golden file `small.gcol`, the base of the corrupt corpus: a u64 column in
/// three delta-varint pages and a binary column in two zstd+dictionary pages.
pub fn build_small() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec sink");
    let d = w
        .add_dataset(DatasetSpec::new("reads", "table"))
        .expect("dataset");
    let pos = w
        .add_column(
            d,
            ColumnSpec::new("pos", PhysicalType::U64, "position")
                .encoding(Encoding::delta_varint())
                .page_bytes(80),
        )
        .expect("column");
    let chrom = w
        .add_column(
            d,
            ColumnSpec::new("chrom", PhysicalType::Binary, "utf8")
                .encoding(Encoding::dictionary().with_zstd(3))
                .page_bytes(90)
                .fixed_encoding(),
        )
        .expect("column");
    for i in 0..30u64 {
        w.push(pos, &[1000 + 37 * i]).expect("push");
        w.push_binary(chrom, if i < 20 { b"chr1" } else { b"chr2" })
            .expect("push");
    }
    w.set_num_rows(d, 30).expect("rows");
    w.finish().expect("vec sink")
}

/// Builds one golden file's bytes.
pub type Builder = fn() -> Vec<u8>;

/// Every golden file: (file name, builder).
pub fn golden_files() -> Vec<(&'static str, Builder)> {
    vec![
        ("demo.gcol", build_demo),
        ("tiny.gcol", build_tiny),
        ("empty.gcol", build_empty),
        ("small.gcol", build_small),
    ]
}

/// Offsets of a finished file's structures, read straight from its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// File length.
    pub len: usize,
    /// Footer offset.
    pub footer_offset: usize,
    /// Directory offset.
    pub directory_offset: usize,
    /// Number of pages.
    pub num_pages: usize,
}

impl Layout {
    /// Read the layout of a valid file.
    pub fn of(bytes: &[u8]) -> Layout {
        let tail = &bytes[bytes.len() - TAIL_LEN..];
        let footer_offset = u64::from_le_bytes(tail[0..8].try_into().unwrap()) as usize;
        let f = &bytes[footer_offset..];
        Layout {
            len: bytes.len(),
            footer_offset,
            directory_offset: u64::from_le_bytes(f[0..8].try_into().unwrap()) as usize,
            num_pages: u64::from_le_bytes(f[8..16].try_into().unwrap()) as usize,
        }
    }

    /// Offset of directory entry `page`.
    pub fn entry(&self, page: usize) -> usize {
        self.directory_offset + page * DIR_ENTRY_LEN
    }

    /// Offset of the stored bytes of page `page`.
    pub fn page_offset(&self, bytes: &[u8], page: usize) -> usize {
        let at = self.entry(page);
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize
    }
}

/// Recompute directory block checksums and the footer checksum after an
/// edit, so a test reaches the check behind them.
pub fn fix_checksums(bytes: &mut [u8]) {
    let layout = Layout::of(bytes);
    let footer = layout.footer_offset;
    let num_blocks =
        u32::from_le_bytes(bytes[footer + 20..footer + 24].try_into().unwrap()) as usize;
    let footer_header_end = footer + FOOTER_HEADER_LEN + 4 * num_blocks;
    let blocks = if footer_header_end <= bytes.len() {
        num_blocks
    } else {
        0
    };
    for block in 0..blocks {
        let first = block * 1024;
        let count = layout.num_pages.saturating_sub(first).min(1024);
        let start = layout.entry(first);
        if start + count * DIR_ENTRY_LEN > footer {
            // The edit made the directory absurd; only the footer checksum matters.
            break;
        }
        let crc = crc::crc32c(&bytes[start..start + count * DIR_ENTRY_LEN]);
        let at = footer + FOOTER_HEADER_LEN + 4 * block;
        bytes[at..at + 4].copy_from_slice(&crc.to_le_bytes());
    }
    let tail = bytes.len() - TAIL_LEN;
    let crc = crc::crc32c(&bytes[footer..tail]);
    bytes[tail + 16..tail + 20].copy_from_slice(&crc.to_le_bytes());
}

/// `data` compressed as BGZF (what a BAM file is made of).
pub fn bgzf(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = noodles_bgzf::io::Writer::new(Vec::new());
    writer.write_all(data).expect("compress");
    writer.finish().expect("compress")
}

/// A remote reader of a file reads as the local one (`what` names it in
/// failures): its length, manifest and the content hash of every dataset
/// are equal; every page reads, and it verifies deeply.
pub fn assert_reads_as_local(
    remote: &gcol_reader::Reader,
    local: &gcol_reader::Reader,
    what: &str,
) {
    assert!(remote.is_remote(), "{what}");
    assert_eq!(remote.len(), local.len(), "{what}");
    assert_eq!(remote.manifest(), local.manifest(), "{what}");
    for d in local.datasets() {
        assert_eq!(
            remote.content_hash(&d.name).unwrap(),
            local.content_hash(&d.name).unwrap(),
            "{what}: {}",
            d.name
        );
    }
    read_everything(remote).unwrap();
    remote.verify_with(true, |_, _| {}).unwrap();
}

/// Read every column's every page and verify; the first error, if any.
pub fn read_everything(reader: &gcol_reader::Reader) -> Result<(), gcol_reader::Error> {
    for id in 0..reader.manifest().num_columns() as u32 {
        let column = reader.column_by_id(id)?;
        for page in 0..column.num_pages() {
            let page = column.page(page)?;
            if page.physical_type() == PhysicalType::Binary {
                page.binary()?;
            }
        }
    }
    reader.verify(|_, _| {}).map(|_| ())
}

/// Write `bytes` to `path`, creating parent directories.
pub fn write_file(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    // Write beside and rename, so tests reading the file never see it half-written.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Run `work` inside a rayon pool of `threads` workers on a thread of its
/// own, and return its result; panic naming `what` if it takes more than
/// 60 s (a deadlock: pool work waiting for pool work).
pub fn on_pool_within_a_minute<T: Send + 'static>(
    threads: usize,
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool");
        let _ = done.send(pool.install(work));
    });
    match finished.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} on a {threads}-thread pool did not finish in 60 s (deadlock)")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what} on a {threads}-thread pool panicked (see above)")
        }
    }
}

/// A reader of `bytes` with a page cache of its own (64 MiB, LRU): tests
/// that read cache metrics must not share the process-wide default cache
/// with the tests running beside them.
pub fn reader_with_own_cache(bytes: Vec<u8>) -> gcol_reader::Reader {
    let cache = gcol_reader::PageCache::new(gcol_reader::CacheOptions {
        budget_bytes: 64 << 20,
        ..gcol_reader::CacheOptions::default()
    });
    gcol_reader::Reader::from_bytes_with(bytes, gcol_reader::ReadOptions::default().cache(cache))
        .expect("a valid file")
}

/// `base` with `edits` applied in order, as the importers' mutation
/// proptests use them: `(kind, at, byte)` replaces the byte at `at` (kind
/// 0), deletes it (1), repeats the 40 bytes from it (2) or cuts the input
/// there (3); `at` is taken modulo the current length.
pub fn mutate(base: &[u8], edits: &[(usize, usize, u8)]) -> Vec<u8> {
    let mut text = base.to_vec();
    for &(kind, at, byte) in edits {
        if text.is_empty() {
            break;
        }
        let at = at % text.len();
        match kind {
            0 => text[at] = byte,
            1 => {
                text.remove(at);
            }
            2 => {
                let piece = text[at..(at + 40).min(text.len())].to_vec();
                text.splice(at..at, piece);
            }
            _ => text.truncate(at),
        }
    }
    text
}

/// Read every dataset of `reader` through its kind's reader, as the
/// commands do (sequences fetched whole with their qualities, variants
/// printed as VCF, alignments as SAM, graphs as GraphML, tables as CSV and
/// each column's values), then verify deeply: the first error, if any.
/// On a damaged file every step must end in an error or succeed, never
/// panic, hang or allocate without bound (issue 16's fuzzing and hostile
/// files).
pub fn read_every_dataset(reader: &gcol_reader::Reader) -> Result<(), gcol_reader::Error> {
    use gcol_reader::alignments::{write_alignments, AlignmentExport, AlignmentOutput};
    use gcol_reader::variants::{write_vcf, VcfExport, VcfOutput};
    let mut first: Option<gcol_reader::Error> = None;
    let mut keep = |r: Result<(), gcol_reader::Error>| {
        if let Err(e) = r {
            first.get_or_insert(e);
        }
    };
    let names: Vec<(String, String)> = reader
        .datasets()
        .iter()
        .map(|d| (d.name.clone(), d.kind.clone()))
        .collect();
    for (name, kind) in &names {
        match kind.as_str() {
            "sequences" | "reads" => keep((|| {
                let s = reader.sequences(name)?;
                let mut out = Vec::new();
                for record in 0..s.len() {
                    out.clear();
                    let length = s.length(record)?;
                    s.fetch_record_into(record, 0..length, &mut out)?;
                    if s.has_qualities() {
                        out.clear();
                        s.qualities_into(record, &mut out)?;
                    }
                }
                Ok(())
            })()),
            "variants" => keep((|| {
                let v = gcol_reader::Variants::open(reader, name)?;
                let export = VcfExport {
                    header: true,
                    ..Default::default()
                };
                write_vcf(&v, &export, VcfOutput::Vcf, std::io::sink()).map(|_| ())
            })()),
            "alignments" => keep((|| {
                let a = gcol_reader::Alignments::open(reader, name)?;
                let export = AlignmentExport {
                    header: true,
                    ..Default::default()
                };
                write_alignments(&a, &export, AlignmentOutput::Sam, std::io::sink()).map(|_| ())
            })()),
            "graph" => keep((|| {
                let g = gcol_reader::graph::Graph::open(reader, name)?;
                gcol_reader::graph::export::write_graph(
                    &g,
                    gcol_reader::graph::export::GraphFormat::GraphMl,
                    None,
                    &mut std::io::sink(),
                )
            })()),
            // Tables of 1.7 (17); a 1.0 table is columns read as columns.
            "table" => keep((|| {
                let meta = &reader.dataset(name)?.metadata;
                use gcol_format::schema::table::meta::{ROW_GROUP_ROWS, SCHEMA};
                if !meta.contains_key(ROW_GROUP_ROWS) && !meta.contains_key(SCHEMA) {
                    return read_everything(reader);
                }
                let t = gcol_reader::table::Table::open(reader, name)?;
                let columns: Vec<String> = reader
                    .dataset(name)?
                    .columns
                    .iter()
                    .map(|c| c.name.clone())
                    .collect();
                for c in &columns {
                    // Child columns of lists are read through their parent.
                    let _ = t.values(c);
                }
                t.write(
                    gcol_reader::table::TableFormat::Csv,
                    None,
                    &mut std::io::sink(),
                )
            })()),
            _ => {}
        }
        keep(reader.content_hash(name).map(|_| ()));
    }
    keep(reader.verify_with(true, |_, _| {}).map(|_| ()));
    match first {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `base` (a valid file) with `edits` applied (`(offset, xor)`, offsets
/// taken modulo the bytes before the footer, so pages, directory and
/// header are hit) and then every checksum recomputed: each page's CRC in
/// its directory entry, the directory blocks' and the footer's. Only the
/// checks behind the checksums (bounds, counts, limits, invariants) can
/// catch what such a file holds: the structure-aware mutation of issue 16.
pub fn mutate_sealed(base: &[u8], edits: &[(u32, u8)]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    let layout = Layout::of(&bytes);
    let span = layout.footer_offset.max(1);
    for &(at, xor) in edits {
        bytes[at as usize % span] ^= xor;
    }
    for page in 0..layout.num_pages {
        let entry = layout.entry(page);
        if entry + DIR_ENTRY_LEN > layout.footer_offset {
            break;
        }
        let offset = u64::from_le_bytes(bytes[entry..entry + 8].try_into().unwrap()) as usize;
        let len = u32::from_le_bytes(bytes[entry + 16..entry + 20].try_into().unwrap()) as usize;
        if let Some(stored) = offset
            .checked_add(len)
            .filter(|&end| end <= layout.directory_offset)
            .map(|end| &bytes[offset..end])
        {
            let crc = crc::crc32c(stored);
            bytes[entry + 28..entry + 32].copy_from_slice(&crc.to_le_bytes());
        }
    }
    fix_checksums(&mut bytes);
    bytes
}

/// `bytes` (a file whose manifest region is plain JSON: footer flag bit 0
/// clear, no inline pages, as the conformance files are) with its manifest
/// changed by `edit` and the footer, its length and every checksum made
/// valid again: files that claim what their structure does not hold
/// (issue 16's hostile files).
pub fn with_manifest(bytes: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let layout = Layout::of(bytes);
    let footer = &bytes[layout.footer_offset..bytes.len() - TAIL_LEN];
    let blocks = u32::from_le_bytes(footer[20..24].try_into().unwrap()) as usize;
    assert_eq!(
        u32::from_le_bytes(footer[32..36].try_into().unwrap()),
        0,
        "a plain manifest region"
    );
    let start = FOOTER_HEADER_LEN + 4 * blocks;
    let mut manifest: serde_json::Value = serde_json::from_slice(&footer[start..]).unwrap();
    edit(&mut manifest);
    let text = serde_json::to_vec(&manifest).unwrap();
    let mut out = bytes[..layout.footer_offset].to_vec();
    out.extend_from_slice(&footer[..start]);
    out[layout.footer_offset + 24..layout.footer_offset + 32]
        .copy_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    let footer_len = (out.len() - layout.footer_offset) as u64;
    let mut tail = bytes[bytes.len() - TAIL_LEN..].to_vec();
    tail[8..16].copy_from_slice(&footer_len.to_le_bytes());
    out.extend_from_slice(&tail);
    fix_checksums(&mut out);
    out
}
