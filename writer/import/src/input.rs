//! Opening inputs: plain, gzip or BGZF, detected from the first bytes rather
//! than the file name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::detect::{detect, SourceFormat};

use gcol_writer::{Error, Result};

/// How an input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (one or more members).
    Gzip,
    /// BGZF (blocked gzip, as written by bgzip and samtools).
    Bgzf,
}

/// Counts and hashes bytes read from the underlying file, for progress and provenance.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
    /// `None` for a read whose digest nobody needs (a first pass).
    hasher: Option<Arc<Mutex<Sha256>>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(hasher) = &self.hasher {
            hasher
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .update(&buf[..n]);
        }
        Ok(n)
    }
}

/// An opened input: a decompressed byte stream plus what it came from.
pub struct Input {
    /// Decompressed bytes.
    pub(crate) reader: Box<dyn BufRead + Send>,
    /// Path as given.
    pub(crate) path: PathBuf,
    /// Compression detected.
    pub(crate) compression: Compression,
    /// Size of the file in bytes.
    pub(crate) size: u64,
    /// File bytes consumed so far.
    pub(crate) consumed: Arc<AtomicU64>,
    hasher: Arc<Mutex<Sha256>>,
}

impl Input {
    /// The path as given (`-` for standard input).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The compression found (none, gzip or BGZF).
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Size of the file in bytes (0 for a stream).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The name recorded in provenance: the file name, or `stdin`.
    pub fn source_name(&self) -> String {
        if is_stdin(&self.path) {
            return "stdin".into();
        }
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    /// Bytes already in memory (text an importer derived from `path`), as
    /// an input named by `path`.
    pub(crate) fn from_bytes(path: PathBuf, bytes: Vec<u8>) -> Input {
        let size = bytes.len() as u64;
        Input {
            reader: Box::new(io::Cursor::new(bytes)),
            path,
            compression: Compression::None,
            size,
            consumed: Arc::new(AtomicU64::new(size)),
            hasher: Arc::new(Mutex::new(Sha256::new())),
        }
    }

    /// File bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }

    /// SHA-256 (lower-case hex) of every file byte read so far: of the whole
    /// file once the reader reached its end.
    pub fn sha256(&self) -> String {
        let digest = self
            .hasher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Reads its inner reader on a background thread, 1 MiB at a time, so that
/// decompression and hashing overlap with parsing.
struct ReadAhead {
    chunks: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    /// Buffers handed back to the reading thread, so chunks reuse memory.
    free: std::sync::mpsc::Sender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

const CHUNK: usize = 1 << 20;

impl ReadAhead {
    fn spawn(mut inner: Box<dyn BufRead + Send>) -> ReadAhead {
        let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(3);
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || loop {
            let mut chunk = free_rx.try_recv().unwrap_or_else(|_| vec![0u8; CHUNK]);
            chunk.resize(CHUNK, 0);
            let mut filled = 0;
            let result = loop {
                match inner.read(&mut chunk[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == chunk.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            chunk.truncate(filled);
            let end = filled == 0;
            // Deliver what was read before an error, then the error, so the
            // parser reports the line where the input broke off.
            if filled > 0 && tx.send(Ok(chunk)).is_err() {
                return;
            }
            match result {
                Ok(()) if end => {
                    let _ = tx.send(Ok(Vec::new()));
                    return;
                }
                Ok(()) => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        });
        ReadAhead {
            chunks: rx,
            free: free_tx,
            current: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.current.len() && !self.done {
            match self.chunks.recv() {
                Ok(Ok(chunk)) if chunk.is_empty() => self.done = true,
                Ok(Ok(chunk)) => {
                    let used = std::mem::replace(&mut self.current, chunk);
                    if used.capacity() >= CHUNK {
                        let _ = self.free.send(used);
                    }
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.current.len());
    }
}

/// Whether `path` names standard input (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Open `path` (`-` for standard input), detecting gzip and BGZF from the
/// magic bytes.
pub fn open_input(path: &Path) -> Result<Input> {
    open_input_with(path, true)
}

/// [`open_input`], hashing the bytes read (for provenance) or not.
pub(crate) fn open_input_with(path: &Path, hash: bool) -> Result<Input> {
    let source_err = |source| Error::Source {
        path: path.to_path_buf(),
        source,
    };
    let (raw, size): (Box<dyn Read + Send>, u64) = if is_stdin(path) {
        (Box::new(io::stdin()), 0)
    } else {
        let file = File::open(path).map_err(source_err)?;
        let size = file.metadata().map_err(source_err)?.len();
        (Box::new(file), size)
    };
    let consumed = Arc::new(AtomicU64::new(0));
    let hasher = Arc::new(Mutex::new(Sha256::new()));
    let mut buffered = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: raw,
            count: consumed.clone(),
            hasher: hash.then(|| hasher.clone()),
        },
    );
    let head = buffered.fill_buf().map_err(source_err)?;
    let compression = if head.len() >= 2 && head[0] == 0x1F && head[1] == 0x8B {
        // BGZF: gzip with FEXTRA and a "BC" subfield (SAM spec 4.1).
        if head.len() >= 16 && head[3] & 0x04 != 0 && head[12] == b'B' && head[13] == b'C' {
            Compression::Bgzf
        } else {
            Compression::Gzip
        }
    } else {
        Compression::None
    };
    let reader: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buffered),
        )),
        Compression::Bgzf => {
            // As many as the rayon pool has (the CLI's --threads sets it).
            let workers = rayon::current_num_threads().max(1);
            Box::new(noodles_bgzf::io::MultithreadedReader::with_worker_count(
                NonZero::new(workers).expect("at least one"),
                buffered,
            ))
        }
    };
    Ok(Input {
        reader: Box::new(ReadAhead::spawn(reader)),
        path: path.to_path_buf(),
        compression,
        size,
        consumed,
        hasher,
    })
}

impl Input {
    /// The format of the input from its first bytes after decompression
    /// ([`crate::detect`]), consuming nothing but leading blank space.
    pub fn format(&mut self) -> Result<SourceFormat> {
        loop {
            let buf = self.reader.fill_buf().map_err(|source| Error::Source {
                path: self.path.clone(),
                source,
            })?;
            if buf.is_empty() {
                return Ok(SourceFormat::Empty);
            }
            if buf.iter().any(|b| !b.is_ascii_whitespace()) {
                return Ok(detect(buf));
            }
            let n = buf.len();
            self.reader.consume(n);
        }
    }
}

/// An input whose format is known. A regular file is opened again to be
/// read; a stream (standard input, a pipe, a FIFO, `<(...)`) cannot be
/// read twice, so it stays open from the sniff to the import.
pub struct SniffedInput {
    /// Path as given.
    pub path: PathBuf,
    /// What the input holds.
    pub format: SourceFormat,
    kept: Option<Input>,
}

impl SniffedInput {
    /// The input, ready to be read from its first byte (leading blank
    /// space of a stream excepted).
    pub fn open(self) -> Result<Input> {
        match self.kept {
            Some(input) => Ok(input),
            None => open_input(&self.path),
        }
    }
}

/// Sniff the format of `path` (plain, gzip or BGZF; `-` for standard input).
pub fn sniff_input(path: &Path) -> Result<SniffedInput> {
    let mut input = open_input(path)?;
    let format = input.format()?;
    let regular = !is_stdin(path)
        && std::fs::metadata(path)
            .map(|m| m.is_file())
            .unwrap_or(false);
    Ok(SniffedInput {
        path: path.to_path_buf(),
        format,
        kept: (!regular).then_some(input),
    })
}

/// Dataset name for an input: the file name without compression and format
/// extensions; for the first file of a FASTQ pair also without its read
/// suffix (`sample_R1.fq.gz` -> `sample`).
pub fn dataset_name(path: &Path, pair: bool) -> String {
    if is_stdin(path) {
        return "stdin".into();
    }
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sequences".into());
    for ext in [".gz", ".bgz", ".bgzf"] {
        if let Some(stripped) = name.strip_suffix(ext) {
            name = stripped.to_string();
        }
    }
    for ext in [
        ".fasta",
        ".fa",
        ".fna",
        ".faa",
        ".ffn",
        ".frn",
        ".fas",
        ".fq",
        ".fastq",
        ".vcf",
        ".bcf",
        ".kgml.xml",
        ".sbml.xml",
        ".xml",
        ".sbml",
        ".kgml",
        ".cx2",
        ".cx",
        ".json",
        ".csv",
        ".tsv",
        ".txt",
        ".gbk",
        ".gbff",
        ".gb",
        ".genbank",
        ".parquet",
        ".pq",
    ] {
        if let Some(stripped) = name.strip_suffix(ext) {
            name = stripped.to_string();
            break;
        }
    }
    if pair {
        for suffix in ["_R1_001", "_R1", "_1", ".R1", ".1"] {
            if let Some(stripped) = name.strip_suffix(suffix) {
                if !stripped.is_empty() {
                    return stripped.to_string();
                }
            }
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names() {
        assert_eq!(dataset_name(Path::new("/d/TAIR10.fa.gz"), false), "TAIR10");
        assert_eq!(dataset_name(Path::new("s_R1.fastq.gz"), false), "s_R1");
        assert_eq!(dataset_name(Path::new("s_R1_001.fq.gz"), true), "s");
        assert_eq!(dataset_name(Path::new("_R1.fq"), true), "_R1");
        assert_eq!(
            dataset_name(Path::new("ko01100.kgml.xml"), false),
            "ko01100"
        );
        assert_eq!(dataset_name(Path::new("iJO1366.xml.gz"), false), "iJO1366");
        assert_eq!(dataset_name(Path::new("edges.tsv"), false), "edges");
    }
}
