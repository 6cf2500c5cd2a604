//! SAM, BAM and CRAM files into `alignments` datasets (spec 15).
//!
//! Every record is brought to BAM's binary layout (SAM spec 4.2) first:
//! BAM records are read as they are stored, SAM and CRAM records are
//! parsed by noodles and encoded by its BAM codec. One splitter then cuts
//! the binary record into the dataset's columns, so the three formats
//! share every rule and message.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use gcol_format::encoding::Encoding;
use gcol_format::manifest::Coordinates;
use gcol_format::schema::alignments::{columns as col, meta, tag_physical, KIND, SCHEMA};
use gcol_format::PhysicalType;
use gcol_writer::{ColumnId, ColumnSpec, DatasetId, DatasetSpec, Error, Result, Writer};
use noodles_sam::alignment::io::Write as _;

use gcol_format::bam::{split_aux, split_bam, AuxField};

use crate::fastq::{QualityPages, ReadCompression};
use crate::input::{open_input_with, Input};
use crate::Progress;

/// Options for [`import_alignments`].
#[derive(Debug, Clone)]
pub struct AlignmentOptions {
    /// Dataset name.
    pub dataset: String,
    /// Speed against size: qualities and names as for FASTQ.
    pub compression: ReadCompression,
    /// zstd level of the other columns.
    pub zstd_level: i32,
    /// The reference: CRAM inputs are decoded against it (a FASTA, with
    /// its `.fai` beside it or not), and every input's bases are coded
    /// against it (spec 15.10): against the `sequences` dataset it names
    /// in the output, or else against the file, which readers then need.
    pub reference: Option<crate::ReferenceSpec>,
    /// Set by another thread to stop the import.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl AlignmentOptions {
    /// Defaults: `default` compression, zstd 9.
    pub fn new(dataset: impl Into<String>) -> AlignmentOptions {
        AlignmentOptions {
            dataset: dataset.into(),
            compression: ReadCompression::Default,
            zstd_level: 9,
            reference: None,
            cancel: None,
        }
    }
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlignmentSummary {
    /// Dataset name.
    pub dataset: String,
    /// Records read (and written).
    pub records: u64,
    /// Bases in SEQ fields.
    pub bases: u64,
    /// Source format: `sam`, `bam` or `cram`.
    pub source_format: &'static str,
    /// Source file size in bytes.
    pub source_bytes: u64,
    /// SHA-256 of the source file (lower-case hex).
    pub sha256: String,
    /// Tag columns, `XX:T`.
    pub tags: Vec<String>,
    /// References of the header the reference lacked: their records'
    /// bases were stored whole (spec 15.10).
    pub absent_contigs: Vec<String>,
}

/// Which format an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignmentFormat {
    /// SAM text (plain or gzip/BGZF).
    Sam,
    /// BAM.
    Bam,
    /// CRAM (needs its reference unless every slice embeds it).
    Cram,
}

impl AlignmentFormat {
    fn name(self) -> &'static str {
        match self {
            AlignmentFormat::Sam => "sam",
            AlignmentFormat::Bam => "bam",
            AlignmentFormat::Cram => "cram",
        }
    }
}

fn input_error(path: &Path, record: u64, field: &'static str, detail: impl Into<String>) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        record,
        line: 0,
        field,
        detail: detail.into(),
    }
}

/// Values per page of the integer columns coded with context models: each
/// page pays its directory entry and alignment (about 80 bytes) and
/// relearns its models, so these pages are larger than the default; a
/// region query decodes one page per column (about 0.8 ms).
const INT_PAGE_ROWS: usize = 64 << 10;

/// Whether a column holds integers (the types `int-model` codes).
fn spec_is_integer(spec: &ColumnSpec) -> bool {
    spec.physical().is_integer()
}

/// The header of an alignment file: its text and reference list.
struct Header {
    text: Vec<u8>,
    refs: Vec<(Vec<u8>, u64)>,
}

/// Where binary records come from.
enum Source {
    Bam {
        input: Input,
    },
    Sam {
        input: Input,
        refs: rustc_hash::FxHashMap<Vec<u8>, i32>,
        line: Vec<u8>,
        /// Lines read so far (header included), for messages.
        lines: u64,
    },
    /// Decoded and encoded in BAM's layout on a thread of its own.
    Cram {
        batches: std::sync::mpsc::Receiver<CramBatch>,
        batch: std::vec::IntoIter<Vec<u8>>,
        size: u64,
        consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    },
}

fn read_u32(r: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

/// Largest header text, reference name or record this importer accepts
/// (BAM allows 2^31; a larger claim is a corrupt file).
const MAX_BLOCK: u32 = 1 << 30;

/// BGZF's end-of-file block (SAM spec 4.1.2).
const BGZF_EOF: [u8; 28] = [
    0x1f, 0x8b, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x06, 0x00, 0x42, 0x43, 0x02, 0x00,
    0x1b, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Reference names and lengths from the `@SQ` lines of a header text.
fn sq_lines(path: &Path, text: &[u8]) -> Result<Vec<(Vec<u8>, u64)>> {
    let mut refs = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let Some(rest) = line.strip_prefix(b"@SQ\t") else {
            continue;
        };
        let bad = |detail: &str| {
            input_error(
                path,
                0,
                "header",
                format!("header line {}: @SQ {detail}", i + 1),
            )
        };
        let mut name = None;
        let mut len = None;
        for field in rest.split(|&b| b == b'\t') {
            if let Some(v) = field.strip_prefix(b"SN:") {
                name = Some(v.to_vec());
            } else if let Some(v) = field.strip_prefix(b"LN:") {
                len = std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok());
            }
        }
        let name = name.ok_or_else(|| bad("without SN"))?;
        let len = len.ok_or_else(|| bad("without a numeric LN"))?;
        if len > u64::from(i32::MAX as u32) {
            return Err(bad("LN beyond BAM's 2^31 - 1"));
        }
        if refs.iter().any(|(n, _)| *n == name) {
            return Err(bad("repeats a reference name"));
        }
        refs.push((name, len));
    }
    Ok(refs)
}

fn parse_header_text(path: &Path, text: &[u8]) -> Result<noodles_sam::Header> {
    let s = std::str::from_utf8(text)
        .map_err(|_| input_error(path, 0, "header", "the header is not UTF-8 text"))?;
    s.parse::<noodles_sam::Header>()
        .map_err(|e| input_error(path, 0, "header", format!("malformed SAM header: {e}")))
}

impl Source {
    fn open(
        path: &Path,
        format: AlignmentFormat,
        reference: Option<&Path>,
    ) -> Result<(Source, Header)> {
        match format {
            AlignmentFormat::Bam => {
                let mut input = open_input_with(path, true)?;
                let bad = |detail: String| input_error(path, 0, "header", detail);
                let r = &mut input.reader;
                let mut magic = [0u8; 4];
                r.read_exact(&mut magic)
                    .map_err(|e| bad(format!("cannot read the BAM magic ({e})")))?;
                if &magic != b"BAM\x01" {
                    return Err(bad("not a BAM file (no BAM\\1 magic)".into()));
                }
                let l_text = read_u32(r).map_err(|e| bad(format!("truncated header ({e})")))?;
                if l_text > MAX_BLOCK {
                    return Err(bad(format!("header text of {l_text} bytes")));
                }
                let mut text = read_claimed(r, l_text)
                    .map_err(|e| bad(format!("truncated header text ({e})")))?;
                // htslib pads the text with NULs; they are not part of it.
                while text.last() == Some(&0) {
                    text.pop();
                }
                let n_ref = read_u32(r).map_err(|e| bad(format!("truncated header ({e})")))?;
                let mut refs = Vec::new();
                for i in 0..n_ref {
                    let l_name =
                        read_u32(r).map_err(|e| bad(format!("truncated reference {i} ({e})")))?;
                    if l_name == 0 || l_name > MAX_BLOCK {
                        return Err(bad(format!("reference {i}: name length {l_name}")));
                    }
                    let mut name = read_claimed(r, l_name)
                        .map_err(|e| bad(format!("truncated reference {i} ({e})")))?;
                    if name.pop() != Some(0) {
                        return Err(bad(format!("reference {i}: name not NUL-terminated")));
                    }
                    let len =
                        read_u32(r).map_err(|e| bad(format!("truncated reference {i} ({e})")))?;
                    refs.push((name, u64::from(len)));
                }
                Ok((Source::Bam { input }, Header { text, refs }))
            }
            AlignmentFormat::Sam => {
                let mut input = open_input_with(path, true)?;
                let mut text = Vec::new();
                loop {
                    let buf = input.reader.fill_buf().map_err(|e| {
                        input_error(path, 0, "header", format!("cannot read ({e})"))
                    })?;
                    if buf.first() != Some(&b'@') {
                        break;
                    }
                    let mut line = Vec::new();
                    input.reader.read_until(b'\n', &mut line).map_err(|e| {
                        input_error(path, 0, "header", format!("cannot read ({e})"))
                    })?;
                    if line.ends_with(b"\r\n") {
                        line.truncate(line.len() - 2);
                        line.push(b'\n');
                    } else if !line.ends_with(b"\n") {
                        line.push(b'\n');
                    }
                    text.extend_from_slice(&line);
                }
                let refs = sq_lines(path, &text)?;
                let ids = refs
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _))| (name.clone(), i as i32))
                    .collect();
                Ok((
                    Source::Sam {
                        input,
                        refs: ids,
                        line: Vec::new(),
                        lines: text.iter().filter(|&&b| b == b'\n').count() as u64,
                    },
                    Header { text, refs },
                ))
            }
            AlignmentFormat::Cram => {
                let mut builder = noodles_cram::io::reader::Builder::default();
                if let Some(reference) = reference {
                    let repository = noodles_fasta::io::indexed_reader::Builder::default()
                        .build_from_path(reference)
                        .map(|r| {
                            noodles_fasta::Repository::new(
                                noodles_fasta::repository::adapters::IndexedReader::new(r),
                            )
                        })
                        .map_err(|e| {
                            input_error(
                                reference,
                                0,
                                "reference",
                                format!(
                                    "cannot open the reference FASTA with its .fai index ({e})"
                                ),
                            )
                        })?;
                    builder = builder.set_reference_sequence_repository(repository);
                }
                let mut reader = builder
                    .build_from_path(path)
                    .map_err(|e| input_error(path, 0, "header", format!("cannot open ({e})")))?;
                let bad = |e: std::io::Error| {
                    input_error(
                        path,
                        0,
                        "header",
                        format!("cannot read the CRAM header ({e})"),
                    )
                };
                let mut text = {
                    let mut h = reader.header_reader();
                    h.read_magic_number().map_err(bad)?;
                    h.read_format_version().map_err(bad)?;
                    h.read_file_id().map_err(bad)?;
                    let mut container = h.container_reader().map_err(bad)?;
                    let mut text = Vec::new();
                    {
                        let mut raw = container.raw_sam_header_reader().map_err(bad)?;
                        raw.read_to_end(&mut text).map_err(bad)?;
                        raw.discard_to_end().map_err(bad)?;
                    }
                    container.discard_to_end().map_err(bad)?;
                    text
                };
                while text.last() == Some(&0) {
                    text.pop();
                }
                let parsed = parse_header_text(path, &text)?;
                let refs = parsed
                    .reference_sequences()
                    .iter()
                    .map(|(name, map)| (name.to_vec(), usize::from(map.length()) as u64))
                    .collect();
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                let consumed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
                let (tx, batches) = std::sync::mpsc::sync_channel(4);
                let thread_header = parsed.clone();
                let thread_consumed = consumed.clone();
                std::thread::spawn(move || {
                    // noodles panics on some damaged or reference-less
                    // slices: that ends the stream with its message.
                    let failed = tx.clone();
                    if let Err(message) = gcol_format::panic::catch_quietly(move || {
                        cram_records(reader, &thread_header, &tx, &thread_consumed)
                    }) {
                        let _ = failed.send(CramBatch::Failed(
                            0,
                            format!("the CRAM decoder failed ({message}); give the file's reference with --reference"),
                        ));
                    }
                });
                Ok((
                    Source::Cram {
                        batches,
                        batch: Vec::new().into_iter(),
                        size,
                        consumed,
                    },
                    Header { text, refs },
                ))
            }
        }
    }

    /// Read the next record into `buf` (BAM layout, without its block
    /// size); false at the end.
    fn next(&mut self, path: &Path, number: u64, buf: &mut Vec<u8>) -> Result<bool> {
        let bad = |detail: String| input_error(path, number, "record", detail);
        match self {
            Source::Bam { input } => {
                let mut size = [0u8; 4];
                let r = &mut input.reader;
                let got =
                    read_fully(r, &mut size).map_err(|e| bad(format!("cannot read ({e})")))?;
                if got == 0 {
                    return Ok(false);
                }
                if got < 4 {
                    return Err(bad("the file ends inside a record's length".into()));
                }
                let size = u32::from_le_bytes(size);
                if !(32..=MAX_BLOCK).contains(&size) {
                    return Err(bad(format!(
                        "record length {size} (a BAM record is 32 bytes or more)"
                    )));
                }
                // Grown as the bytes arrive, not to the length claimed: a
                // damaged length costs what the file holds, not 1 GB.
                buf.clear();
                let got = r
                    .take(u64::from(size))
                    .read_to_end(buf)
                    .map_err(|e| bad(format!("cannot read ({e})")))?;
                if got < size as usize {
                    return Err(bad(format!(
                        "the file ends inside a record ({got} of its {size} bytes); it may be truncated"
                    )));
                }
                Ok(true)
            }
            Source::Sam {
                input,
                refs,
                line,
                lines,
            } => loop {
                line.clear();
                let n = input
                    .reader
                    .read_until(b'\n', line)
                    .map_err(|e| bad(format!("cannot read ({e})")))?;
                if n == 0 {
                    return Ok(false);
                }
                *lines += 1;
                let at = *lines;
                let here = |field: &'static str, detail: String| Error::Input {
                    path: path.to_path_buf(),
                    record: number,
                    line: at,
                    field,
                    detail,
                };
                while matches!(line.last(), Some(b'\n' | b'\r')) {
                    line.pop();
                }
                if line.is_empty() {
                    continue;
                }
                if line.starts_with(b"@") {
                    return Err(here(
                        "record",
                        "a header line after the first record".into(),
                    ));
                }
                buf.clear();
                return crate::sam_text::sam_to_bam(line, refs, buf)
                    .map(|()| true)
                    .map_err(|(field, detail)| here(field, detail));
            },
            Source::Cram { batches, batch, .. } => loop {
                if let Some(record) = batch.next() {
                    *buf = record;
                    return Ok(true);
                }
                match batches.recv() {
                    Ok(CramBatch::Records(next)) => *batch = next.into_iter(),
                    Ok(CramBatch::Failed(at, detail)) => {
                        return Err(input_error(path, at.max(number), "record", detail))
                    }
                    Ok(CramBatch::Done) => return Ok(false),
                    Err(_) => {
                        return Err(input_error(
                            path,
                            number,
                            "record",
                            "the CRAM decoder stopped before the end of the file",
                        ))
                    }
                }
            },
        }
    }

    fn consumed(&self) -> u64 {
        match self {
            Source::Bam { input } | Source::Sam { input, .. } => input.consumed(),
            Source::Cram { consumed, .. } => consumed.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    fn size(&self) -> u64 {
        match self {
            Source::Bam { input } | Source::Sam { input, .. } => input.size(),
            Source::Cram { size, .. } => *size,
        }
    }

    fn sha256(&self, path: &Path) -> Result<String> {
        match self {
            Source::Bam { input } | Source::Sam { input, .. } => Ok(input.sha256()),
            Source::Cram { .. } => crate::vcf::file_sha256(path),
        }
    }
}

/// What the CRAM decoding thread sends.
enum CramBatch {
    /// Records in BAM's layout.
    Records(Vec<Vec<u8>>),
    /// An error at a record number (0: unknown).
    Failed(u64, String),
    /// Every record was sent.
    Done,
}

/// Decode every record of a CRAM file, in batches of BAM-layout records
/// sent to `tx`; an error ends the stream (with the record number).
fn cram_records(
    mut reader: noodles_cram::io::Reader<std::fs::File>,
    header: &noodles_sam::Header,
    tx: &std::sync::mpsc::SyncSender<CramBatch>,
    consumed: &std::sync::atomic::AtomicU64,
) {
    use std::io::Seek;
    let mut encoder = noodles_bam::io::Writer::from(Vec::new());
    let mut batch = Vec::with_capacity(1024);
    let mut number = 0u64;
    let mut records = reader.records(header);
    loop {
        let next = records.next();
        let record = match next {
            None => break,
            Some(Ok(record)) => record,
            Some(Err(e)) => {
                let _ = tx.send(CramBatch::Failed(
                    number + 1,
                    format!(
                        "cannot decode CRAM records ({e}); is --reference the file's reference?"
                    ),
                ));
                return;
            }
        };
        number += 1;
        let mut buf = Vec::new();
        if let Err(e) = encode_bam(&mut encoder, header, &record, &mut buf) {
            let _ = tx.send(CramBatch::Failed(number, e.to_string()));
            return;
        }
        // CRAM stores no MAPQ for unmapped records; htslib reads 0 there,
        // noodles 255.
        if buf.len() >= 16 && u16::from_le_bytes([buf[14], buf[15]]) & 4 != 0 {
            buf[9] = 0;
        }
        batch.push(buf);
        if batch.len() == 1024
            && tx
                .send(CramBatch::Records(std::mem::take(&mut batch)))
                .is_err()
        {
            return;
        }
    }
    drop(records);
    if let Ok(at) = reader.get_mut().stream_position() {
        consumed.store(at, std::sync::atomic::Ordering::Relaxed);
    }
    if !batch.is_empty() && tx.send(CramBatch::Records(batch)).is_err() {
        return;
    }
    let _ = tx.send(CramBatch::Done);
}

/// Read until `buf` is full or the stream ends; the bytes read.
/// `n` bytes a field claims, read into a buffer grown as they arrive (not
/// allocated to the claim first: a damaged length in a short file costs
/// what the file holds); a short read is `UnexpectedEof`.
fn read_claimed(r: &mut impl Read, n: u32) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    r.take(u64::from(n)).read_to_end(&mut out)?;
    if out.len() < n as usize {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("{} of {n} bytes", out.len()),
        ));
    }
    Ok(out)
}

fn read_fully(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Encode `record` in BAM's layout into `buf` (without the block size).
fn encode_bam(
    encoder: &mut noodles_bam::io::Writer<Vec<u8>>,
    header: &noodles_sam::Header,
    record: &noodles_sam::alignment::RecordBuf,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    encoder.get_mut().clear();
    encoder.write_alignment_record(header, record)?;
    buf.clear();
    buf.extend_from_slice(&encoder.get_ref()[4..]);
    Ok(())
}

/// Values of one tag column buffered for a batch of records.
struct TagColumn {
    key: String,
    /// The value column (the list column for arrays).
    column: ColumnId,
    /// The item column of arrays.
    item: Option<ColumnId>,
    physical: PhysicalType,
    /// Fixed-width values, little-endian, one slot per record of the batch
    /// (zeros for nulls); binary values back to back with their ends.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    present: Vec<bool>,
}

/// Write the region index columns (spec 15.5) of `n_refs` references.
fn write_index<W: Write>(
    index: gcol_format::bam::RegionIndex,
    writer: &mut Writer<W>,
    dataset: DatasetId,
    n_refs: usize,
    level: i32,
) -> Result<()> {
    let column = |name: &str| {
        ColumnSpec::of(SCHEMA.column(name)).encoding(Encoding::delta_varint().with_zstd(level))
    };
    let first = writer.add_column(dataset, column(col::INDEX_FIRST_ROW))?;
    let end = writer.add_column(dataset, column(col::INDEX_END_ROW))?;
    let windows = writer.add_column(
        dataset,
        column(col::INDEX_WINDOWS).list(col::INDEX_WINDOWS_ITEM),
    )?;
    let items = writer.add_column(dataset, column(col::INDEX_WINDOWS_ITEM))?;
    for (f, e, w) in index.finish(n_refs) {
        writer.push(first, &[f])?;
        writer.push(end, &[e])?;
        writer.push(items, &w)?;
        writer.end_list(windows)?;
    }
    Ok(())
}

/// The columns of consensus coding (spec 15.8) or of coding against a
/// reference (spec 15.10).
struct ConsensusColumns {
    seq_offset: ColumnId,
    diff: ColumnId,
    diff_item: ColumnId,
    /// The consensus segments' columns (15.8); `None` against a reference.
    segment_columns: Option<SegmentColumns>,
    /// The reference (15.10); `None` for a consensus.
    reference: Option<RefPredictor>,
    /// Substitution codes of the differences.
    sub: ColumnId,
    /// Bases stored so far.
    stored: u64,
}

/// Columns of the consensus segments (spec 15.8).
struct SegmentColumns {
    chunk_end: ColumnId,
    ref_id: ColumnId,
    pos: ColumnId,
    length: ColumnId,
    bases: ColumnId,
    /// Segments written so far.
    segments: u64,
}

/// Reference bases for coding (spec 15.10), checked against the header:
/// each contig's length against `@SQ LN`, and its MD5 against `@SQ M5`
/// where the header has one.
struct RefPredictor {
    reference: crate::reference::Reference,
    /// The alignment file, for messages.
    input: PathBuf,
    /// Per reference id: name, `@SQ LN`, `@SQ M5`.
    refs: Vec<(Vec<u8>, u64, Option<String>)>,
    /// Per reference id: its contig was loaded and checked (or is absent).
    checked: Vec<bool>,
    /// Per reference id: records on it were coded without the reference
    /// (it lacks the contig).
    absent: Vec<bool>,
}

impl RefPredictor {
    /// Upper-case bases of reference `ref_id` over `start..end`, clipped
    /// at its end; `None` when the reference lacks it.
    fn fetch(&mut self, ref_id: i32, start: i64, end: i64) -> Result<Option<Vec<u8>>> {
        let id = ref_id as usize;
        let (name, ln, m5) = &self.refs[id];
        let Some(bases) = self.reference.contig(name)? else {
            self.absent[id] = true;
            return Ok(None);
        };
        let len = bases.len() as i64;
        let slice = bases[start.clamp(0, len) as usize..end.clamp(0, len) as usize].to_vec();
        if !self.checked[id] {
            let name_text = String::from_utf8_lossy(name);
            let wrong = |detail: String| input_error(&self.input, 0, "@SQ", detail);
            let given = self.reference.path().display().to_string();
            if len as u64 != *ln {
                return Err(wrong(format!(
                    "reference {name_text} has {len} bases in {given} but LN:{ln} in the header: is that the reads' reference?"
                )));
            }
            if let Some(m5) = m5 {
                let digest = self
                    .reference
                    .used
                    .iter()
                    .find(|u| u.name == name_text)
                    .map(|u| u.md5.clone())
                    .unwrap_or_default();
                if !m5.eq_ignore_ascii_case(&digest) {
                    return Err(wrong(format!(
                        "reference {name_text} in {given} has MD5 {digest} but M5:{m5} in the header: is that the reads' reference?"
                    )));
                }
            }
            self.checked[id] = true;
        }
        Ok(Some(slice))
    }
}

/// Each `@SQ` line's `SN` and `M5` values.
fn header_m5(text: &[u8]) -> Vec<(Vec<u8>, String)> {
    text.split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"@SQ\t"))
        .filter_map(|l| {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            let field = |key: &[u8]| {
                l.split(|&b| b == b'\t')
                    .find_map(|f| f.strip_prefix(key))
                    .map(<[u8]>::to_vec)
            };
            Some((
                field(b"SN:")?,
                String::from_utf8_lossy(&field(b"M5:")?).into_owned(),
            ))
        })
        .collect()
}

/// Records per batch pushed to the writer (one consensus chunk).
const BATCH: usize = gcol_format::bam::CONSENSUS_ROWS as usize;

/// The columns of an alignments dataset being written.
struct Columns {
    dataset: DatasetId,
    qname: ColumnId,
    flag: ColumnId,
    ref_id: ColumnId,
    pos: ColumnId,
    mapq: ColumnId,
    cigar: ColumnId,
    cigar_item: ColumnId,
    next_ref_id: ColumnId,
    next_pos: ColumnId,
    tlen: ColumnId,
    seq_length: ColumnId,
    offset: ColumnId,
    seq: ColumnId,
    tag_layout: ColumnId,
    tags: Vec<TagColumn>,
    layouts: rustc_hash::FxHashMap<Vec<u8>, u32>,
    layout_list: Vec<Vec<u8>>,
    level: i32,
    /// Context-model encodings allowed (format 1.5, not `fast`).
    models: bool,
    // The batch.
    rows: usize,
    flags: Vec<u16>,
    ref_ids: Vec<i32>,
    poss: Vec<i32>,
    mapqs: Vec<u8>,
    cigar_ops: Vec<u32>,
    next_ref_ids: Vec<i32>,
    next_poss: Vec<i32>,
    tlens: Vec<i32>,
    seq_lengths: Vec<u32>,
    offsets: Vec<u64>,
    seq_codes: Vec<u8>,
    tag_layouts: Vec<u32>,
    /// CIGAR operations of the batch's records and where each starts.
    batch_cigar: Vec<u32>,
    batch_cigar_starts: Vec<usize>,
    /// Consensus coding (spec 15.8), when on.
    consensus: Option<ConsensusColumns>,
    /// Rows written before this batch.
    written: u64,
}

impl Columns {
    fn push_fixed_batch<W: Write>(&mut self, writer: &mut Writer<W>) -> Result<()> {
        writer.push(self.flag, &self.flags)?;
        writer.push(self.ref_id, &self.ref_ids)?;
        writer.push(self.pos, &self.poss)?;
        writer.push(self.mapq, &self.mapqs)?;
        writer.push(self.next_ref_id, &self.next_ref_ids)?;
        writer.push(self.next_pos, &self.next_poss)?;
        writer.push(self.tlen, &self.tlens)?;
        writer.push(self.seq_length, &self.seq_lengths)?;
        writer.push(self.offset, &self.offsets)?;
        match self.consensus.as_mut() {
            None => writer.push(self.seq, &self.seq_codes)?,
            // No chunk without records (an empty file).
            Some(_) if self.rows == 0 => {}
            Some(c) => {
                // The batch is one chunk: its consensus, then each record's
                // bases against it.
                self.batch_cigar_starts.push(self.batch_cigar.len());
                let mut starts = Vec::with_capacity(self.rows + 1);
                let mut at = 0usize;
                for &l in &self.seq_lengths {
                    starts.push(at);
                    at += l as usize;
                }
                let records: Vec<gcol_format::bam::ConsensusRecord<'_>> = (0..self.rows)
                    .map(|i| {
                        (
                            self.ref_ids[i],
                            self.poss[i],
                            self.flags[i],
                            &self.batch_cigar
                                [self.batch_cigar_starts[i]..self.batch_cigar_starts[i + 1]],
                            &self.seq_codes[starts[i]..starts[i] + self.seq_lengths[i] as usize],
                        )
                    })
                    .collect();
                let cons = match c.reference.as_mut() {
                    None => gcol_format::bam::Consensus::build(records.iter().copied()),
                    Some(p) => gcol_format::bam::Consensus::from_reference(
                        records.iter().map(|r| (r.0, r.1, r.2, r.3, r.4.len())),
                        |id, start, end| p.fetch(id, start, end),
                    )?,
                };
                let mut stored = Vec::with_capacity(self.seq_codes.len() / 4);
                let mut diffs = Vec::new();
                let mut subs = Vec::new();
                let mut offsets = Vec::with_capacity(self.rows);
                for r in &records {
                    offsets.push(c.stored + stored.len() as u64);
                    diffs.clear();
                    cons.code(*r, &mut stored, &mut diffs, &mut subs);
                    writer.push(c.diff_item, &diffs)?;
                    writer.end_list(c.diff)?;
                }
                c.stored += stored.len() as u64;
                writer.push(c.sub, &subs)?;
                writer.push(c.seq_offset, &offsets)?;
                writer.push(self.seq, &stored)?;
                if let Some(sc) = c.segment_columns.as_mut() {
                    let ids: Vec<i32> = cons.segments.iter().map(|s| s.0).collect();
                    let poss: Vec<i32> = cons.segments.iter().map(|s| s.1).collect();
                    let lens: Vec<u32> = cons.segments.iter().map(|s| s.2).collect();
                    writer.push(sc.ref_id, &ids)?;
                    writer.push(sc.pos, &poss)?;
                    writer.push(sc.length, &lens)?;
                    writer.push(sc.bases, &cons.bases)?;
                    sc.segments += ids.len() as u64;
                    writer.push(sc.chunk_end, &[sc.segments])?;
                }
            }
        }
        self.batch_cigar.clear();
        self.batch_cigar_starts.clear();
        writer.push(self.tag_layout, &self.tag_layouts)?;
        for v in [
            &mut self.ref_ids,
            &mut self.poss,
            &mut self.next_ref_ids,
            &mut self.next_poss,
            &mut self.tlens,
        ] {
            v.clear();
        }
        self.flags.clear();
        self.mapqs.clear();
        self.seq_lengths.clear();
        self.offsets.clear();
        self.seq_codes.clear();
        self.tag_layouts.clear();
        for tag in &mut self.tags {
            push_tag_batch(writer, tag, self.rows)?;
        }
        self.written += self.rows as u64;
        self.rows = 0;
        Ok(())
    }

    /// `spec`, also trying `int-model` pages when it holds integers and
    /// context models are on.
    fn int_model(&self, spec: ColumnSpec) -> ColumnSpec {
        if self.models && spec_is_integer(&spec) {
            spec.or_encoding(Encoding::int_model())
        } else {
            spec
        }
    }

    /// The tag column for `key`, added (with nulls for the rows before)
    /// when new.
    fn tag<W: Write>(&mut self, writer: &mut Writer<W>, key: &[u8]) -> Result<usize> {
        if let Some(i) = self.tags.iter().position(|t| t.key.as_bytes() == key) {
            return Ok(i);
        }
        let key_text = String::from_utf8_lossy(key).into_owned();
        let t = key[3];
        let name = format!("{}{key_text}", col::TAG_PREFIX);
        let (column, item, physical) = if t == b'B' {
            let physical = tag_physical(key[4]).expect("checked subtype");
            let item_name = format!("{name}{}", col::ITEM_SUFFIX);
            let column = writer.add_column(
                self.dataset,
                self.int_model(
                    ColumnSpec::new(&name, PhysicalType::U64, "list")
                        .list(item_name.clone())
                        .nullable()
                        .encoding(Encoding::delta_varint().with_zstd(self.level)),
                ),
            )?;
            let item = writer.add_column(
                self.dataset,
                self.int_model(
                    ColumnSpec::new(&item_name, physical, "sam-tag-value")
                        .encoding(zstd_of(physical, self.level)),
                ),
            )?;
            (column, Some(item), physical)
        } else {
            let physical = tag_physical(t).expect("checked type");
            let mut spec = ColumnSpec::new(&name, physical, "sam-tag-value")
                .nullable()
                .encoding(zstd_of(physical, self.level));
            if physical == PhysicalType::U8 && self.models {
                // Scores (AS, XS, NM, MQ) follow each other: an order-2
                // context model beats zstd on them where it is smaller.
                spec = spec.or_encoding(Encoding::quality_model());
            } else {
                spec = self.int_model(spec);
            }
            let column = writer.add_column(self.dataset, spec)?;
            (column, None, physical)
        };
        // Rows written in earlier batches are null.
        if self.written > 0 {
            if item.is_some() {
                for _ in 0..self.written {
                    writer.end_list_null(column)?;
                }
            } else {
                writer.push_nulls(column, self.written)?;
            }
        }
        let width = physical.width().unwrap_or(0);
        let mut tag = TagColumn {
            key: key_text,
            column,
            item,
            physical,
            bytes: Vec::new(),
            ends: Vec::new(),
            present: Vec::new(),
        };
        // Rows of this batch so far are null.
        for _ in 0..self.rows {
            null_slot(&mut tag, width);
        }
        self.tags.push(tag);
        Ok(self.tags.len() - 1)
    }
}

fn null_slot(tag: &mut TagColumn, width: usize) {
    if tag.physical == PhysicalType::Binary || tag.item.is_some() {
        tag.ends.push(tag.bytes.len());
    } else {
        tag.bytes.extend(std::iter::repeat_n(0u8, width));
    }
    tag.present.push(false);
}

/// The encoding of a tag's values: integers as varints or bit-packed,
/// floats and text under zstd.
fn zstd_of(physical: PhysicalType, level: i32) -> Encoding {
    match physical {
        PhysicalType::Binary => Encoding::lengths().with_zstd(level),
        PhysicalType::F32 | PhysicalType::U8 | PhysicalType::I8 => Encoding::PLAIN.with_zstd(level),
        _ => Encoding::varint().with_zstd(level),
    }
}

fn push_tag_batch<W: Write>(
    writer: &mut Writer<W>,
    tag: &mut TagColumn,
    rows: usize,
) -> Result<()> {
    debug_assert_eq!(tag.present.len(), rows);
    macro_rules! fixed {
        ($t:ty, $column:expr, $bytes:expr, $present:expr) => {{
            let values: Vec<$t> = $bytes
                .chunks_exact(std::mem::size_of::<$t>())
                .map(|c| <$t>::from_le_bytes(c.try_into().expect("width")))
                .collect();
            match $present {
                Some(p) => writer.push_nullable($column, &values, p)?,
                None => writer.push($column, &values)?,
            }
        }};
    }
    macro_rules! typed {
        ($column:expr, $bytes:expr, $present:expr) => {
            match tag.physical {
                PhysicalType::U8 => fixed!(u8, $column, $bytes, $present),
                PhysicalType::I8 => fixed!(i8, $column, $bytes, $present),
                PhysicalType::U16 => fixed!(u16, $column, $bytes, $present),
                PhysicalType::I16 => fixed!(i16, $column, $bytes, $present),
                PhysicalType::U32 => fixed!(u32, $column, $bytes, $present),
                PhysicalType::I32 => fixed!(i32, $column, $bytes, $present),
                PhysicalType::F32 => fixed!(f32, $column, $bytes, $present),
                other => unreachable!("tag values are never {other}"),
            }
        };
    }
    if let Some(item) = tag.item {
        let mut start = 0;
        for (row, &end) in tag.ends.iter().enumerate() {
            if tag.present[row] {
                let bytes = &tag.bytes[start..end];
                typed!(item, bytes, None::<&[bool]>);
                writer.end_list(tag.column)?;
            } else {
                writer.end_list_null(tag.column)?;
            }
            start = end;
        }
    } else if tag.physical == PhysicalType::Binary {
        let mut start = 0;
        for (row, &end) in tag.ends.iter().enumerate() {
            let value = tag.present[row].then(|| &tag.bytes[start..end]);
            writer.push_binary_option(tag.column, value)?;
            start = end;
        }
    } else {
        let present = std::mem::take(&mut tag.present);
        let bytes = std::mem::take(&mut tag.bytes);
        typed!(tag.column, &bytes[..], Some(&present[..]));
    }
    tag.bytes.clear();
    tag.ends.clear();
    tag.present.clear();
    Ok(())
}

/// Import the SAM, BAM or CRAM file at `path` as one `alignments` dataset.
pub fn import_alignments<W: Write>(
    writer: &mut Writer<W>,
    path: &Path,
    format: AlignmentFormat,
    options: &AlignmentOptions,
    progress: Progress<'_>,
) -> Result<AlignmentSummary> {
    let (mut source, header) = Source::open(
        path,
        format,
        options.reference.as_ref().map(|r| r.path.as_path()),
    )?;
    // Reference names name one reference each (samtools refuses a BAM
    // whose list repeats one): records and the reference are matched by
    // name.
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &header.refs {
        if !seen.insert(name.as_slice()) {
            return Err(input_error(
                path,
                0,
                "header",
                format!(
                    "the reference list repeats {:?}",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
    }
    let sort_order = sort_order(&header.text);
    let level = options.zstd_level;
    let dataset = writer.add_dataset(
        DatasetSpec::new(options.dataset.clone(), KIND)
            .coordinates(Coordinates::ZeroBasedHalfOpen)
            .metadata(meta::SOURCE_FORMAT, format.name())
            .metadata(meta::SORT_ORDER, sort_order.clone())
            .metadata(meta::MATES, "relative")
            .metadata(
                meta::SEQ_CODING,
                if options.reference.is_some() {
                    "reference"
                } else if options.compression == ReadCompression::Fast {
                    "plain"
                } else {
                    "consensus"
                },
            ),
    )?;
    let models = options.compression != ReadCompression::Fast;
    // Integers also try `int-model` (7.13) on every page, keeping the
    // smaller: gaps, flags and offsets are small numbers zstd finds few
    // repeats in.
    let column = |name: &str| {
        let spec = ColumnSpec::of(SCHEMA.column(name));
        if models && spec_is_integer(&spec) {
            let rows = INT_PAGE_ROWS * spec.physical().width().unwrap_or(1);
            spec.or_encoding(Encoding::int_model())
                .page_bytes(rows.max(gcol_writer::DEFAULT_PAGE_BYTES))
        } else {
            spec
        }
    };
    // Base streams (up to a million values a page) stay zstd:
    // `int-model` decodes at about 40 M values/s, which a region query
    // would pay for a whole page, for under 1% of size.
    let bulk = |name: &str| ColumnSpec::of(SCHEMA.column(name));
    let int = |name: &str| column(name).encoding(Encoding::varint().with_zstd(level));
    let header_column = writer.add_column(
        dataset,
        column(col::HEADER).encoding(Encoding::PLAIN.with_zstd(level)),
    )?;
    writer.push_binary(header_column, &header.text)?;
    let ref_name = writer.add_column(
        dataset,
        column(col::REF_NAME).encoding(Encoding::lengths().with_zstd(level)),
    )?;
    let ref_length = writer.add_column(dataset, int(col::REF_LENGTH))?;
    for (name, len) in &header.refs {
        writer.push_binary(ref_name, name)?;
        writer.push(ref_length, &[*len])?;
    }
    let name_spec = if options.compression != ReadCompression::Fast {
        column(col::QNAME)
            .encoding(Encoding::name_tokens())
            .or_encoding(Encoding::lengths().with_zstd(5))
            .page_bytes(1 << 20)
    } else {
        column(col::QNAME).encoding(Encoding::lengths().with_zstd(5))
    };
    let qname = writer.add_column(dataset, name_spec)?;
    let mut columns = Columns {
        dataset,
        qname,
        flag: writer.add_column(dataset, int(col::FLAG))?,
        ref_id: writer.add_column(dataset, int(col::REF_ID))?,
        pos: writer.add_column(
            dataset,
            column(col::POS).encoding(Encoding::delta_varint().with_zstd(level)),
        )?,
        mapq: writer.add_column(dataset, {
            let spec =
                ColumnSpec::of(SCHEMA.column(col::MAPQ)).encoding(Encoding::PLAIN.with_zstd(level));
            if options.compression == ReadCompression::Fast {
                spec
            } else {
                spec.or_encoding(Encoding::quality_model())
            }
        })?,
        cigar: writer.add_column(
            dataset,
            column(col::CIGAR)
                .list(col::CIGAR_ITEM)
                .encoding(Encoding::delta_varint().with_zstd(level)),
        )?,
        cigar_item: writer.add_column(
            dataset,
            column(col::CIGAR_ITEM).encoding(Encoding::varint().with_zstd(level)),
        )?,
        next_ref_id: writer.add_column(dataset, int(col::NEXT_REF_ID))?,
        next_pos: writer.add_column(dataset, int(col::NEXT_POS))?,
        tlen: writer.add_column(dataset, int(col::TLEN))?,
        seq_length: writer.add_column(dataset, int(col::SEQ_LENGTH))?,
        offset: writer.add_column(
            dataset,
            column(col::OFFSET).encoding(Encoding::delta_varint().with_zstd(level)),
        )?,
        seq: writer.add_column(
            dataset,
            bulk(col::SEQ)
                .encoding(Encoding::PLAIN.with_zstd(level))
                .page_bytes(1 << 20),
        )?,
        tag_layout: writer.add_column(dataset, int(col::TAG_LAYOUT))?,
        tags: Vec::new(),
        layouts: Default::default(),
        layout_list: Vec::new(),
        level,
        models,
        rows: 0,
        flags: Vec::new(),
        ref_ids: Vec::new(),
        poss: Vec::new(),
        mapqs: Vec::new(),
        cigar_ops: Vec::new(),
        next_ref_ids: Vec::new(),
        next_poss: Vec::new(),
        tlens: Vec::new(),
        seq_lengths: Vec::new(),
        offsets: Vec::new(),
        seq_codes: Vec::new(),
        tag_layouts: Vec::new(),
        batch_cigar: Vec::new(),
        batch_cigar_starts: Vec::new(),
        consensus: None,
        written: 0,
    };
    if options.compression != ReadCompression::Fast || options.reference.is_some() {
        let zstd = |name: &str, e: Encoding| column(name).encoding(e.with_zstd(level));
        let reference = match &options.reference {
            None => None,
            Some(spec) => {
                let m5 = header_m5(&header.text);
                Some(RefPredictor {
                    reference: crate::reference::Reference::open(&spec.path)?,
                    input: path.to_path_buf(),
                    refs: header
                        .refs
                        .iter()
                        .map(|(name, len)| {
                            let sum = m5.iter().find(|m| &m.0 == name).map(|m| m.1.clone());
                            (name.clone(), *len, sum)
                        })
                        .collect(),
                    checked: vec![false; header.refs.len()],
                    absent: vec![false; header.refs.len()],
                })
            }
        };
        let segment_columns = if reference.is_some() {
            None
        } else {
            Some(SegmentColumns {
                chunk_end: writer.add_column(
                    dataset,
                    zstd(col::CONSENSUS_CHUNK_END, Encoding::delta_varint()),
                )?,
                ref_id: writer
                    .add_column(dataset, zstd(col::CONSENSUS_REF_ID, Encoding::varint()))?,
                pos: writer
                    .add_column(dataset, zstd(col::CONSENSUS_POS, Encoding::delta_varint()))?,
                length: writer
                    .add_column(dataset, zstd(col::CONSENSUS_LENGTH, Encoding::varint()))?,
                bases: writer.add_column(
                    dataset,
                    bulk(col::CONSENSUS_BASES)
                        .encoding(Encoding::PLAIN.with_zstd(level))
                        .page_bytes(1 << 20),
                )?,
                segments: 0,
            })
        };
        columns.consensus = Some(ConsensusColumns {
            seq_offset: writer
                .add_column(dataset, zstd(col::SEQ_OFFSET, Encoding::delta_varint()))?,
            diff: writer.add_column(
                dataset,
                zstd(col::SEQ_DIFF, Encoding::delta_varint()).list(col::SEQ_DIFF_ITEM),
            )?,
            diff_item: writer.add_column(dataset, zstd(col::SEQ_DIFF_ITEM, Encoding::varint()))?,
            sub: writer.add_column(dataset, zstd(col::SEQ_SUB, Encoding::PLAIN))?,
            segment_columns,
            reference,
            stored: 0,
        });
    }
    let quality_column = writer.add_column(
        dataset,
        ColumnSpec::of(SCHEMA.column(col::QUALITY)).encoding(
            if options.compression == ReadCompression::Fast {
                Encoding::PLAIN.with_zstd(level)
            } else {
                Encoding::quality_model()
            },
        ),
    )?;
    let mut quality = QualityPages::with(quality_column, options.compression, 0, true);

    let n_refs = header.refs.len() as i64;
    let mut buf = Vec::new();
    let mut layout = Vec::new();
    let mut records = 0u64;
    let mut bases = 0u64;
    let mut sorted = true;
    let mut index = gcol_format::bam::RegionIndex::default();
    let mut last_key = (i64::MIN, i64::MIN);
    let total = source.size();
    loop {
        let number = records + 1;
        if !source.next(path, number, &mut buf)? {
            break;
        }
        let bad = |field: &'static str, detail: String| input_error(path, number, field, detail);
        let r = split_bam(&buf).map_err(|e| bad("record", e))?;
        for (id, field) in [(r.ref_id, "RNAME"), (r.next_ref_id, "RNEXT")] {
            if id < -1 || i64::from(id) >= n_refs {
                return Err(bad(
                    field,
                    format!("reference id {id} is not in the header's {n_refs} references"),
                ));
            }
        }
        columns.cigar_ops.clear();
        // A CIGAR too long for BAM's field comes back from its CG tag
        // (SAM spec 4.2.2), which is then not kept as a tag.
        // SAM text keeps a CG tag as written; only a CIGAR too long for
        // BAM's field comes through one (the SAM parser's, as the last tag).
        let long = gcol_format::bam::long_cigar(&r, format == AlignmentFormat::Sam);
        let without_cg: Vec<u8>;
        let aux = match long {
            Some((ops, range)) => {
                columns.cigar_ops.extend(ops);
                without_cg = [&r.aux[..range.start], &r.aux[range.end..]].concat();
                without_cg.as_slice()
            }
            None => {
                columns.cigar_ops.extend(
                    r.cigar
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))),
                );
                r.aux
            }
        };
        gcol_format::bam::check_cigar(&columns.cigar_ops, r.l_seq).map_err(|e| bad("CIGAR", e))?;
        // Sorted by coordinate: by reference id, then position, with
        // unplaced records (id −1) last.
        let key = (
            if r.ref_id < 0 {
                i64::MAX
            } else {
                i64::from(r.ref_id)
            },
            i64::from(r.pos),
        );
        if key < last_key {
            if sorted {
                // Unsorted: batches switch between contigs, so keep the
                // reference's contigs loaded rather than reread them.
                if let Some(p) = columns
                    .consensus
                    .as_mut()
                    .and_then(|c| c.reference.as_mut())
                {
                    p.reference.keep_bytes(crate::reference::CACHE_BYTES);
                }
            }
            sorted = false;
            index = gcol_format::bam::RegionIndex::default();
        }
        last_key = key;
        if sorted {
            let end =
                gcol_format::bam::end_position(r.pos, r.flag, columns.cigar_ops.iter().copied());
            index.add(r.ref_id, records, r.pos, end);
        }

        writer.push_binary(columns.qname, r.name)?;
        columns.flags.push(r.flag);
        columns.ref_ids.push(r.ref_id);
        columns.poss.push(r.pos);
        columns.mapqs.push(r.mapq);
        writer.push(columns.cigar_item, &columns.cigar_ops)?;
        columns.batch_cigar_starts.push(columns.batch_cigar.len());
        columns.batch_cigar.extend_from_slice(&columns.cigar_ops);
        writer.end_list(columns.cigar)?;
        // Mates on the record's reference: the position as a distance
        // and TLEN against its prediction (spec 15.2), small numbers.
        columns.next_ref_ids.push(r.next_ref_id);
        columns.next_poss.push(
            if gcol_format::bam::mate_on_same_reference(r.ref_id, r.next_ref_id) {
                r.next_pos.wrapping_sub(r.pos)
            } else {
                r.next_pos
            },
        );
        let predicted = gcol_format::bam::predicted_tlen(
            r.ref_id,
            r.pos,
            r.flag,
            columns.cigar_ops.iter().copied(),
            r.next_ref_id,
            r.next_pos,
        );
        columns.tlens.push(r.tlen.wrapping_sub(predicted));
        columns.seq_lengths.push(r.l_seq as u32);
        columns.offsets.push(bases);
        for (i, &b) in r.seq.iter().enumerate() {
            columns.seq_codes.push(b >> 4);
            if 2 * i + 1 < r.l_seq {
                columns.seq_codes.push(b & 15);
            }
        }
        quality.push(writer, r.qual)?;
        bases += r.l_seq as u64;

        // Tags: each value to its column, the keys to the layout.
        layout.clear();
        let rows = columns.rows;
        let mut seen: Vec<usize> = Vec::new();
        let mut fields: Vec<AuxField<'_>> = Vec::new();
        split_aux(aux, |f| {
            if !layout.is_empty() {
                layout.push(b',');
            }
            layout.extend_from_slice(&f.key[..f.key_len]);
            fields.push(f);
            Ok(())
        })
        .map_err(|e| bad("tags", e))?;
        for f in &fields {
            let key = &f.key[..f.key_len];
            // Tag columns and layouts are named after the tag: two
            // printable ASCII characters other than `,` (SAM spec 1.5
            // wants [A-Za-z][A-Za-z0-9]; htslib reads `A!` too).
            if !key[..2].iter().all(|&c| c.is_ascii_graphic() && c != b',') {
                return Err(bad(
                    "tags",
                    format!(
                        "tag {:?} is not two printable ASCII characters",
                        String::from_utf8_lossy(&key[..2])
                    ),
                ));
            }
            let i = columns.tag(writer, key)?;
            if seen.contains(&i) {
                return Err(bad(
                    "tags",
                    format!("tag {} appears twice", String::from_utf8_lossy(&key[..2])),
                ));
            }
            seen.push(i);
            let tag = &mut columns.tags[i];
            tag.bytes.extend_from_slice(f.value);
            if tag.physical == PhysicalType::Binary || tag.item.is_some() {
                tag.ends.push(tag.bytes.len());
            }
            tag.present.push(true);
        }
        for (i, tag) in columns.tags.iter_mut().enumerate() {
            if !seen.contains(&i) {
                let width = tag.physical.width().unwrap_or(0);
                null_slot(tag, width);
            }
            debug_assert_eq!(tag.present.len(), rows + 1);
        }
        let next_layout = columns.layout_list.len() as u32;
        let id = *columns
            .layouts
            .entry(layout.clone())
            .or_insert_with(|| next_layout);
        if id == next_layout {
            columns.layout_list.push(layout.clone());
        }
        columns.tag_layouts.push(id);
        columns.rows += 1;
        records += 1;
        if columns.rows == BATCH {
            columns.push_fixed_batch(writer)?;
            crate::check_cancel(options.cancel.as_ref())?;
            progress(source.consumed(), total);
        }
    }
    if format == AlignmentFormat::Bam && !crate::input::is_stdin(path) {
        check_bgzf_eof(path)?;
    }
    columns.push_fixed_batch(writer)?;
    quality.finish(writer)?;
    let layouts = writer.add_column(
        dataset,
        column(col::TAG_LAYOUTS).encoding(Encoding::lengths().with_zstd(level)),
    )?;
    for l in &columns.layout_list {
        writer.push_binary(layouts, l)?;
    }
    if sorted {
        write_index(index, writer, dataset, header.refs.len(), level)?;
    }
    writer.set_num_rows(dataset, records)?;
    writer.set_dataset_metadata(
        dataset,
        meta::COORDINATE_SORTED,
        if sorted { "true" } else { "false" },
    )?;
    progress(total, total);
    let sha256 = source.sha256(path)?;
    let mut options_map = std::collections::BTreeMap::new();
    options_map.insert(
        "compression".to_string(),
        options.compression.name().to_string(),
    );
    options_map.insert("zstd_level".to_string(), options.zstd_level.to_string());
    if let Some(r) = &options.reference {
        // The file name, as `reference_source` has it: a path would tie
        // the file's bytes to the machine that wrote it.
        let name = r.path.file_name().map_or_else(
            || r.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        options_map.insert("reference".to_string(), name);
    }
    let mut absent = Vec::new();
    if let (Some(spec), Some(p)) = (
        &options.reference,
        columns
            .consensus
            .as_ref()
            .and_then(|c| c.reference.as_ref()),
    ) {
        reference_metadata(writer, dataset, spec, &p.reference)?;
        absent = header
            .refs
            .iter()
            .zip(&p.absent)
            .filter(|(_, &a)| a)
            .map(|(r, _)| String::from_utf8_lossy(&r.0).into_owned())
            .collect();
    }
    writer.add_provenance(gcol_format::manifest::Provenance {
        source: if crate::input::is_stdin(path) {
            "stdin".into()
        } else {
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        },
        size_bytes: if format == AlignmentFormat::Cram {
            total
        } else {
            source.consumed()
        },
        sha256: sha256.clone(),
        datasets: vec![options.dataset.clone()],
        converter: writer.converter(),
        options: options_map,
        converted_utc: writer.timestamp(),
    });
    Ok(AlignmentSummary {
        dataset: options.dataset.clone(),
        records,
        bases,
        source_format: format.name(),
        source_bytes: total,
        sha256,
        tags: columns.tags.iter().map(|t| t.key.clone()).collect(),
        absent_contigs: absent,
    })
}

/// Record what the bases were coded against (spec 15.10): the dataset of
/// this file, or the file as given, and every contig used with its length
/// and MD5.
fn reference_metadata<W: Write>(
    writer: &mut Writer<W>,
    dataset: DatasetId,
    spec: &crate::ReferenceSpec,
    reference: &crate::reference::Reference,
) -> Result<()> {
    use gcol_format::schema::variants::meta as vmeta;
    let source = match &spec.dataset {
        Some(d) => {
            writer.set_dataset_metadata(dataset, vmeta::REFERENCE, d)?;
            d.clone()
        }
        None => spec
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| spec.path.display().to_string()),
    };
    writer.set_dataset_metadata(dataset, vmeta::REFERENCE_SOURCE, &source)?;
    let contigs: String = reference
        .used
        .iter()
        .map(|c| format!("{}\t{}\t{}\n", c.name, c.length, c.md5))
        .collect();
    writer.set_dataset_metadata(dataset, vmeta::REFERENCE_CONTIGS, &contigs)
}

/// The `@HD SO` value of a header text, or `unknown`.
fn sort_order(text: &[u8]) -> String {
    let Some(hd) = text
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"@HD\t"))
    else {
        return "unknown".into();
    };
    hd.split(|&b| b == b'\t')
        .find_map(|f| f.strip_prefix(b"SO:"))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_else(|| "unknown".into())
}

/// A BAM file must end with BGZF's end-of-file block; without it the file
/// was cut short (samtools warns; we refuse, since records may be missing).
fn check_bgzf_eof(path: &Path) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let bad = |detail: String| input_error(path, 0, "data", detail);
    let mut f = std::fs::File::open(path).map_err(|e| bad(format!("cannot reopen ({e})")))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut tail = [0u8; 28];
    if len < 28
        || f.seek(SeekFrom::End(-28)).is_err()
        || f.read_exact(&mut tail).is_err()
        || tail != BGZF_EOF
    {
        return Err(bad(
            "the BAM file has no BGZF end-of-file block: it is truncated".into(),
        ));
    }
    Ok(())
}
