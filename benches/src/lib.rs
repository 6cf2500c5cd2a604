//! Fixtures shared by the benchmarks: files built once under the target
//! directory and reused between runs.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use gcol_format::encoding::{encode_page, Encoding};
use gcol_format::PhysicalType;
use gcol_writer::{ColumnSpec, DatasetSpec, WriteOptions, Writer};

/// Directory for benchmark fixtures (`target/bench-data`).
pub fn fixture_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).expect("create fixture dir");
    dir
}

/// A sink that turns runs of zero bytes into holes, so a 10 GB file of
/// zero pages costs only its directory and footer on disk.
pub struct SparseSink {
    file: File,
    pos: u64,
}

impl Write for SparseSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.iter().all(|&b| b == 0) {
            self.pos += buf.len() as u64;
            self.file.seek(SeekFrom::Start(self.pos))?;
        } else {
            self.file.write_all(buf)?;
            self.pos += buf.len() as u64;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.set_len(self.pos)?;
        self.file.flush()
    }
}

/// A file of `num_pages` plain `u8` pages of `page_bytes` zero bytes each
/// (sparse on disk), built once.
pub fn sparse_file(name: &str, num_pages: u64, page_bytes: usize) -> PathBuf {
    let path = fixture_dir().join(name);
    let expected_min = num_pages * page_bytes as u64;
    if path
        .metadata()
        .map(|m| m.len() > expected_min)
        .unwrap_or(false)
    {
        return path;
    }
    let tmp = path.with_extension("tmp");
    let sink = SparseSink {
        file: File::create(&tmp).expect("create fixture"),
        pos: 0,
    };
    let mut w = Writer::new(sink, WriteOptions::default()).expect("writer");
    let d = w
        .add_dataset(DatasetSpec::new("zeros", "table"))
        .expect("dataset");
    let c = w
        .add_column(
            d,
            ColumnSpec::new("z", PhysicalType::U8, "uint8").page_bytes(page_bytes),
        )
        .expect("column");
    let zeros = vec![0u8; page_bytes];
    let page =
        encode_page(Encoding::PLAIN, PhysicalType::U8, page_bytes as u32, &zeros).expect("page");
    for _ in 0..num_pages {
        w.write_encoded_page(c, &page).expect("write");
    }
    w.finish().expect("finish");
    std::fs::rename(&tmp, &path).expect("rename");
    path
}

/// A file of sorted `u64` positions (`rows` values) in `encoding`, built once.
pub fn positions_file(name: &str, rows: u64, encoding: Encoding, page_bytes: usize) -> PathBuf {
    let path = fixture_dir().join(name);
    if path.exists() {
        return path;
    }
    let mut w = Writer::create(&path, WriteOptions::default()).expect("writer");
    let d = w
        .add_dataset(DatasetSpec::new("t", "table"))
        .expect("dataset");
    let c = w
        .add_column(
            d,
            ColumnSpec::new("pos", PhysicalType::U64, "position")
                .encoding(encoding)
                .page_bytes(page_bytes),
        )
        .expect("column");
    let values = positions(rows);
    w.push(c, &values).expect("push");
    w.finish().expect("finish");
    path
}

/// `n` sorted positions with irregular gaps.
pub fn positions(n: u64) -> Vec<u64> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut pos = 0u64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            pos += state % 300;
            pos
        })
        .collect()
}

/// Size of a file in bytes.
pub fn file_len(path: &Path) -> u64 {
    path.metadata().map(|m| m.len()).unwrap_or(0)
}

/// The shared real-data directory (`$GCOL_TEST_DATA` or `../shared/data`), if present.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("GCOL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    dir.is_dir().then_some(dir)
}

/// A FASTA file from the shared data converted with default options, built once.
pub fn converted_fasta(relative: &str, name: &str) -> Option<PathBuf> {
    let source = shared_data()?.join(relative);
    let path = fixture_dir().join(format!("{name}.gcol"));
    if !path.exists() {
        let mut w = Writer::create(&path, WriteOptions::default()).expect("writer");
        gcol_import::import_fasta(
            &mut w,
            &source,
            &gcol_import::FastaOptions::new(name),
            &gcol_import::no_progress,
        )
        .expect("import");
        w.finish().expect("finish");
    }
    Some(path)
}
