//! FASTA import into a `sequences` dataset (spec 12).
//!
//! The line reader is written here rather than taken from noodles-fasta
//! because noodles' reader joins sequence lines and drops line endings,
//! while byte-exact export needs each record's line width, line endings,
//! trailing blank lines and final newline. Decompression (gzip, BGZF with
//! noodles-bgzf's multithreaded reader) is detected from the content.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

use gcol_format::encoding::Encoding;
use gcol_format::manifest::{Coordinates, Provenance};
use gcol_format::schema::sequences::{
    columns as col, meta, FLAG_CRLF, FLAG_IRREGULAR, FLAG_NO_FINAL_NEWLINE, FLAG_RNA, KIND, SCHEMA,
};
use gcol_format::sequence::is_protein_symbol;

use super::Progress;
use crate::input::{open_input, Input};
use crate::nucleotide::NucleotideStream;
use gcol_writer::{ColumnId, ColumnSpec, DatasetId, DatasetSpec, Error, Result, Writer};

/// Which alphabet to store the records in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alphabet {
    /// Decide from the first non-empty record: nucleotide when at least 90%
    /// of its first megabyte is A, C, G, T, U or N.
    #[default]
    Auto,
    /// DNA or RNA: 2-bit bases plus ambiguity and mask runs.
    Nucleotide,
    /// Protein or any other letters: residue bytes as written, zstd-compressed.
    Protein,
}

impl Alphabet {
    /// `auto`, `nucleotide` or `protein`, as the CLI and Python take it.
    pub fn parse(text: &str) -> std::result::Result<Alphabet, String> {
        match text {
            "auto" => Ok(Alphabet::Auto),
            "nucleotide" => Ok(Alphabet::Nucleotide),
            "protein" => Ok(Alphabet::Protein),
            other => Err(format!(
                "alphabet must be auto, nucleotide or protein, not {other:?}"
            )),
        }
    }
}

/// What to do with records whose name is empty or repeats an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NamePolicy {
    /// Refuse them: fetch by name needs unique names.
    #[default]
    Strict,
    /// Keep them (fetch by name then finds the first record of a name).
    Lenient,
}

/// Default zstd level of protein residue pages. Measured with grouped
/// residues (`benches/README.md`), A. thaliana proteins: 3.55x at level 9
/// (48 MB/s), 3.89x at 15 (18 MB/s), 3.92x at 19 (10 MB/s).
pub const PROTEIN_ZSTD_LEVEL: i32 = 15;

/// Page size of the record columns (names, definitions, lengths, ...).
pub const RECORD_PAGE_BYTES: usize = 4 << 20;

/// Default zstd level of the definition (and name) column: definition
/// lines are a small share of a file, read whole, and compress well with
/// a slow level (UniProt, 4 MiB pages: 511 KB at level 9, 487 KB at 15).
pub const TEXT_ZSTD_LEVEL: i32 = 15;

/// Options for [`import_fasta`].
#[derive(Debug, Clone)]
pub struct FastaOptions {
    /// Dataset name.
    pub dataset: String,
    /// Alphabet choice.
    pub alphabet: Alphabet,
    /// zstd level for base pages (and record columns); 0 stores them plain
    /// (zero-copy reads).
    pub zstd_level: i32,
    /// zstd level for protein residue pages ([`PROTEIN_ZSTD_LEVEL`] unless
    /// set): proteins compress less and are read less per byte than bases,
    /// so they get a slower, stronger level.
    pub protein_zstd_level: i32,
    /// zstd level of the definition and name columns ([`TEXT_ZSTD_LEVEL`]
    /// unless set).
    pub text_zstd_level: i32,
    /// Packed bytes per `bases` page (4 bases per byte); residue pages use the same byte size.
    pub page_bytes: usize,
    /// Name checks.
    pub names: NamePolicy,
    /// Set by another thread to stop the import ([`gcol_writer::Error::Interrupted`]).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The highest format minor version the dataset may need (spec 9;
    /// default [`gcol_format::MINOR_VERSION`]). From 2: protein residues
    /// grouped by similarity (12.5, `residue_order` `clustered`), no
    /// `name` column (names are the definitions' first tokens, 12.2), and
    /// text columns in the `lengths` encoding (7.7). Below 2 the dataset
    /// reads with 1.0/1.1 readers.
    pub format_minor: u16,
    /// The source format recorded in the dataset's metadata (`fasta`, or
    /// `genbank` for the sequences of a GenBank file).
    pub source_format: &'static str,
    /// Whether to record the input in the file's provenance (an importer
    /// that feeds derived text records its own source instead).
    pub provenance: bool,
}

impl FastaOptions {
    /// Defaults for a dataset named `dataset`: auto alphabet, zstd level 9,
    /// 64 KiB pages (262,144 bases), strict names.
    pub fn new(dataset: impl Into<String>) -> FastaOptions {
        FastaOptions {
            dataset: dataset.into(),
            alphabet: Alphabet::Auto,
            zstd_level: 9,
            protein_zstd_level: PROTEIN_ZSTD_LEVEL,
            text_zstd_level: TEXT_ZSTD_LEVEL,
            page_bytes: 64 << 10,
            names: NamePolicy::Strict,
            cancel: None,
            format_minor: gcol_format::MINOR_VERSION,
            source_format: "fasta",
            provenance: true,
        }
    }
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastaSummary {
    /// Dataset name.
    pub dataset: String,
    /// Records.
    pub records: u64,
    /// Residues (bases).
    pub residues: u64,
    /// `nucleotide` or `protein`.
    pub alphabet: &'static str,
    /// Whether export reproduces the input byte for byte.
    pub exact_export: bool,
    /// Decompressed input bytes.
    pub input_bytes: u64,
    /// Bytes read from the file or stream (compressed, when it is).
    pub source_bytes: u64,
}

struct RecordColumns {
    /// Absent unless `name_column` (names are the definitions' first tokens).
    name: Option<ColumnId>,
    definition: ColumnId,
    length: ColumnId,
    offset: ColumnId,
    line_width: ColumnId,
    blank_lines: ColumnId,
    flags: ColumnId,
}

/// Residues buffered before they are handed to the stream.
const PART: usize = 1 << 20;

enum Stream {
    Undecided,
    Nucleotide(Box<NucleotideStream>),
    Protein(ColumnId),
}

/// A record being read.
#[derive(Default)]
struct Pending {
    definition: Vec<u8>,
    header_line: u64,
    crlf: bool,
    seq: Vec<u8>,
    line_lengths: Vec<u32>,
    blank_lines: u32,
    irregular: bool,
    no_final_newline: bool,
    /// Residues already handed to the stream (`seq` holds the ones after).
    flushed: u64,
    /// RNA or DNA, decided by the first part holding a T or a U.
    rna: Option<bool>,
}

impl Pending {
    fn add_line(&mut self, line: &[u8], cr: bool) {
        if cr != self.crlf {
            self.irregular = true;
        }
        if line.is_empty() {
            self.blank_lines += 1;
            return;
        }
        if self.blank_lines > 0 {
            // A blank line inside the sequence: export cannot reproduce it.
            self.irregular = true;
            self.blank_lines = 0;
        }
        self.seq.extend_from_slice(line);
        self.line_lengths.push(line.len() as u32);
    }

    /// (line width, uniformly wrapped)
    fn layout(&self) -> (u32, bool) {
        let Some(&width) = self.line_lengths.first() else {
            return (0, !self.irregular);
        };
        let (last, body) = self.line_lengths.split_last().expect("non-empty");
        let uniform = body.iter().all(|&l| l == width) && *last <= width;
        (width, uniform && !self.irregular)
    }

    /// Residues of the record so far.
    fn len(&self) -> u64 {
        self.flushed + self.seq.len() as u64
    }

    /// 1-based line number of residue `i` of the sequence.
    fn line_of(&self, i: usize) -> u64 {
        let mut seen = 0usize;
        for (k, &len) in self.line_lengths.iter().enumerate() {
            seen += len as usize;
            if i < seen {
                return self.header_line + 1 + k as u64;
            }
        }
        self.header_line + self.line_lengths.len() as u64
    }
}

struct Importer<'w, W: Write> {
    writer: &'w mut Writer<W>,
    options: FastaOptions,
    path: std::path::PathBuf,
    dataset: DatasetId,
    records: RecordColumns,
    stream: Stream,
    record_count: u64,
    residues: u64,
    exact: bool,
    names: HashSet<Vec<u8>>,
    /// Lines read so far (for errors raised by the input stream itself).
    lines_seen: u64,
    /// Protein residues held for grouping (`cluster_protein`), and the end
    /// of each held record in them.
    held: Vec<u8>,
    held_ends: Vec<usize>,
    /// Stream position of the first held residue.
    held_base: u64,
}

/// Protein residues held for grouping before they are written: past this,
/// the records held so far are grouped among themselves and written (the
/// grouping index takes about a quarter of this again).
const HOLD_BYTES: usize = 256 << 20;

/// Read the FASTA file at `path` into a new `sequences` dataset of `writer`.
///
/// Memory: 1 MiB of residues (records are streamed in parts), 4 bytes per
/// line of the current record, and a batch of 16 base pages; a record of
/// any length is accepted.
pub fn import_fasta<W: Write>(
    writer: &mut Writer<W>,
    path: &Path,
    options: &FastaOptions,
    progress: Progress<'_>,
) -> Result<FastaSummary> {
    import_fasta_from(writer, open_input(path)?, options, progress)
}

/// [`import_fasta`] from an input already opened (a stream that was sniffed,
/// for example: see [`super::sniff_input`]).
pub fn import_fasta_from<W: Write>(
    writer: &mut Writer<W>,
    mut input: Input,
    options: &FastaOptions,
    progress: Progress<'_>,
) -> Result<FastaSummary> {
    let path = input.path.clone();
    let path = path.as_path();
    let dataset = writer.add_dataset(
        DatasetSpec::new(options.dataset.clone(), KIND)
            .coordinates(Coordinates::ZeroBasedHalfOpen)
            .metadata(meta::SOURCE_FORMAT, options.source_format),
    )?;
    // Record columns are read whole (the name index, the record table,
    // export), so they go in large pages: a definition line shares most of
    // its text with lines far from it, which 64 KiB pages never see (UniProt
    // definitions: 854 KB in 64 KiB pages at level 3; as `lengths`, 580 KB
    // in 1 MiB pages at level 9, 487 KB in 4 MiB pages at level 15; xz -9
    // 427 KB).
    let column = |name: &str, encoding: Encoding| {
        ColumnSpec::of(SCHEMA.column(name))
            .encoding(encoding)
            .page_bytes(RECORD_PAGE_BYTES)
    };
    let text_level = options.text_zstd_level.clamp(1, 22);
    let text_base = if options.format_minor >= 2 {
        Encoding::lengths()
    } else {
        Encoding::PLAIN
    };
    let text = |name: &str| column(name, text_base.with_zstd(text_level));
    let small = Encoding::for_bitpack().with_zstd(3);
    let records = RecordColumns {
        name: if options.format_minor < 2 {
            Some(writer.add_column(dataset, text(col::NAME))?)
        } else {
            None
        },
        definition: writer.add_column(dataset, text(col::DEFINITION))?,
        length: writer.add_column(dataset, column(col::LENGTH, small))?,
        offset: writer.add_column(
            dataset,
            column(col::OFFSET, Encoding::delta_varint().with_zstd(3)),
        )?,
        line_width: writer.add_column(dataset, column(col::LINE_WIDTH, small))?,
        blank_lines: writer.add_column(dataset, column(col::BLANK_LINES, small))?,
        flags: writer.add_column(dataset, column(col::FLAGS, small))?,
    };
    let mut importer = Importer {
        writer,
        options: options.clone(),
        path: path.to_path_buf(),
        dataset,
        records,
        stream: Stream::Undecided,
        record_count: 0,
        residues: 0,
        exact: true,
        names: HashSet::new(),
        lines_seen: 0,
        held: Vec::new(),
        held_ends: Vec::new(),
        held_base: 0,
    };
    match options.alphabet {
        Alphabet::Nucleotide => importer.decide(true)?,
        Alphabet::Protein => importer.decide(false)?,
        Alphabet::Auto => {}
    }

    let mut line_no = 0u64;
    let mut pending: Option<Pending> = None;
    // The residue buffer moves from record to record and is handed to the
    // stream whenever it holds a part, so it stays small and cache-resident.
    let mut spare_seq: Vec<u8> = Vec::with_capacity(PART + (64 << 10));
    let mut input_bytes = 0u64;
    let mut next_report = 0u64;
    // One line: `raw` without its LF; `lf` whether it had one.
    let mut handle_line = |raw: &[u8], lf: bool, importer: &mut Importer<'_, W>| -> Result<()> {
        line_no += 1;
        let (line, cr) = match raw.split_last() {
            Some((b'\r', rest)) => (rest, true),
            _ => (raw, false),
        };
        if line.first() == Some(&b'>') {
            if let Some(mut done) = pending.take() {
                importer.finish_record(&mut done)?;
                spare_seq = done.seq;
            }
            spare_seq.clear();
            pending = Some(Pending {
                seq: std::mem::take(&mut spare_seq),
                definition: line[1..].to_vec(),
                header_line: line_no,
                crlf: cr,
                no_final_newline: !lf,
                ..Pending::default()
            });
        } else if let Some(record) = pending.as_mut() {
            record.add_line(line, cr);
            record.no_final_newline = !lf;
            if record.seq.len() >= PART {
                importer.flush_part(record, false)?;
            }
        } else if line.is_empty() {
            // Blank lines before the first record cannot be reproduced.
            importer.exact = false;
        } else {
            return Err(Error::Input {
                path: path.to_path_buf(),
                record: 0,
                line: line_no,
                field: "definition line",
                detail: "expected '>' to start a record".into(),
            });
        }
        Ok(())
    };
    // Lines are taken straight from the reader's buffer; only a line that
    // straddles two buffers is copied.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = match input.reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) => {
                return Err(Error::Input {
                    path: path.to_path_buf(),
                    record: importer.record_count + 1,
                    line: 0,
                    field: "data",
                    detail: format!(
                        "cannot read input ({e}); the file may be truncated or corrupt"
                    ),
                }
                .with_line_after(importer.lines_seen))
            }
        };
        if buf.is_empty() {
            if !carry.is_empty() {
                handle_line(&carry, false, &mut importer)?;
                importer.lines_seen += 1;
            }
            break;
        }
        let used = match memchr::memchr(b'\n', buf) {
            Some(i) => {
                if carry.is_empty() {
                    handle_line(&buf[..i], true, &mut importer)?;
                } else {
                    carry.extend_from_slice(&buf[..i]);
                    handle_line(&carry, true, &mut importer)?;
                    carry.clear();
                }
                importer.lines_seen += 1;
                i + 1
            }
            None => {
                carry.extend_from_slice(buf);
                buf.len()
            }
        };
        input.reader.consume(used);
        input_bytes += used as u64;
        if input_bytes >= next_report {
            crate::check_cancel(importer.options.cancel.as_ref())?;
            progress(input.consumed(), input.size);
            next_report = input_bytes + (4 << 20);
        }
    }
    if let Some(mut done) = pending.take() {
        importer.finish_record(&mut done)?;
    }
    let mut summary = importer.finish(input_bytes)?;
    summary.source_bytes = input.consumed();
    progress(summary.source_bytes, input.size.max(summary.source_bytes));
    let mut options_map = BTreeMap::new();
    options_map.insert("alphabet".to_string(), summary.alphabet.to_string());
    let level = if summary.alphabet == "protein" {
        options.protein_zstd_level
    } else {
        options.zstd_level
    };
    options_map.insert("zstd_level".to_string(), level.to_string());
    options_map.insert("page_bytes".to_string(), options.page_bytes.to_string());
    if !options.provenance {
        return Ok(summary);
    }
    writer.add_provenance(Provenance {
        source: input.source_name(),
        // Bytes read: the file's size, or what a stream delivered.
        size_bytes: input.consumed(),
        sha256: input.sha256(),
        datasets: vec![summary.dataset.clone()],
        converter: writer.converter(),
        options: options_map,
        converted_utc: writer.timestamp(),
    });
    Ok(summary)
}

impl<W: Write> Importer<'_, W> {
    fn input_error(&self, record: u64, line: u64, field: &'static str, detail: String) -> Error {
        Error::Input {
            path: self.path.clone(),
            record,
            line,
            field,
            detail,
        }
    }

    fn decide(&mut self, nucleotide: bool) -> Result<()> {
        let dataset = self.dataset;
        let level = if nucleotide {
            self.options.zstd_level
        } else {
            self.options.protein_zstd_level
        };
        let encoding = if level > 0 {
            Encoding::PLAIN.with_zstd(level)
        } else {
            Encoding::PLAIN
        };
        let page_bytes = self.options.page_bytes.max(64);
        self.stream = if nucleotide {
            Stream::Nucleotide(Box::new(NucleotideStream::new(
                self.writer,
                dataset,
                encoding,
                page_bytes,
            )?))
        } else {
            if self.options.format_minor >= 2 {
                // Before any page: the header must say 1.2 (spec 9).
                self.writer
                    .set_dataset_metadata(dataset, meta::RESIDUE_ORDER, meta::CLUSTERED)?;
            }
            Stream::Protein(
                self.writer.add_column(
                    dataset,
                    ColumnSpec::of(SCHEMA.column(col::RESIDUES))
                        .encoding(encoding)
                        .page_bytes(page_bytes),
                )?,
            )
        };
        Ok(())
    }

    /// Whether residues are held for grouping.
    fn clustering(&self) -> bool {
        self.options.format_minor >= 2 && matches!(self.stream, Stream::Protein(_))
    }

    /// Group the held records, write their residues in group order and
    /// their offsets in record order.
    fn release_held(&mut self) -> Result<()> {
        let Stream::Protein(column) = self.stream else {
            return Ok(());
        };
        if self.held_ends.is_empty() {
            return Ok(());
        }
        let order = crate::cluster::cluster_order(&self.held, &self.held_ends);
        let start = |i: usize| if i == 0 { 0 } else { self.held_ends[i - 1] };
        let mut offsets = vec![0u64; self.held_ends.len()];
        let mut position = self.held_base;
        for &record in &order {
            let record = record as usize;
            let (from, to) = (start(record), self.held_ends[record]);
            offsets[record] = position;
            position += (to - from) as u64;
            self.writer.push(column, &self.held[from..to])?;
        }
        self.writer.push(self.records.offset, &offsets)?;
        self.held_base = position;
        self.held.clear();
        self.held_ends.clear();
        Ok(())
    }

    fn finish_record(&mut self, record: &mut Pending) -> Result<()> {
        let number = self.record_count + 1;
        // htslib's rule: the name is the first whitespace-delimited token.
        let definition = std::mem::take(&mut record.definition);
        let definition = &definition;
        let start = definition
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(definition.len());
        let end = definition[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .map_or(definition.len(), |p| start + p);
        let name = &definition[start..end];
        if self.options.names == NamePolicy::Strict {
            if name.is_empty() {
                return Err(self.input_error(
                    number,
                    record.header_line,
                    "name",
                    "the record has no name (--lenient-names, or lenient_names=True in Python, keeps it)".into(),
                ));
            }
            if !self.names.insert(name.to_vec()) {
                return Err(self.input_error(
                    number,
                    record.header_line,
                    "name",
                    format!(
                        "duplicate record name {:?} (--lenient-names, or lenient_names=True in Python, keeps it; fetch then finds the first)",
                        String::from_utf8_lossy(name)
                    ),
                ));
            }
        }
        self.flush_part(record, true)?;
        let (width, regular) = record.layout();
        if !regular {
            self.exact = false;
        }
        let mut flags = 0u8;
        if record.crlf {
            flags |= FLAG_CRLF;
        }
        if !regular {
            flags |= FLAG_IRREGULAR;
        }
        if record.no_final_newline {
            flags |= FLAG_NO_FINAL_NEWLINE;
        }
        if record.rna == Some(true) {
            flags |= FLAG_RNA;
        }
        let offset = self.residues;
        self.residues += record.len();
        let r = &self.records;
        let (name_c, def_c, len_c, off_c, width_c, blank_c, flags_c) = (
            r.name,
            r.definition,
            r.length,
            r.offset,
            r.line_width,
            r.blank_lines,
            r.flags,
        );
        if let Some(name_c) = name_c {
            self.writer.push_binary(name_c, name)?;
        }
        self.writer.push_binary(def_c, definition)?;
        self.writer.push(len_c, &[record.len()])?;
        if self.clustering() {
            // The offset is known when the held records are written.
            self.held_ends.push(self.held.len());
            if self.held.len() >= HOLD_BYTES {
                self.release_held()?;
            }
        } else {
            self.writer.push(off_c, &[offset])?;
        }
        // A record on one line stores width 0 (spec 12.2, 12.6: export then
        // takes its length): unwrapped files (UniProt) then store a column of
        // zeros instead of a copy of `length`.
        let width = if regular && u64::from(width) == record.len() {
            0
        } else {
            width
        };
        self.writer.push(width_c, &[width])?;
        self.writer.push(blank_c, &[record.blank_lines])?;
        self.writer.push(flags_c, &[flags])?;
        self.record_count += 1;
        Ok(())
    }

    /// Error for byte `i` of the record's buffered part.
    fn bad_symbol(&self, number: u64, record: &Pending, i: usize, alphabet: &str) -> Error {
        let b = record.seq[i];
        self.input_error(
            number,
            record.line_of(record.flushed as usize + i),
            "sequence",
            format!(
                "{:?} (byte {:#04x}) is not a {alphabet} symbol{}",
                b as char,
                b,
                if alphabet == "nucleotide" {
                    " (use --alphabet protein for other letters)"
                } else {
                    ""
                }
            ),
        )
    }

    /// Hand the record's buffered residues to the stream (the alphabet is
    /// decided by the first part of the first non-empty record); with
    /// `last`, the record ends here.
    fn flush_part(&mut self, record: &mut Pending, last: bool) -> Result<()> {
        let number = self.record_count + 1;
        if matches!(self.stream, Stream::Undecided) && !record.seq.is_empty() {
            let sample = &record.seq[..record.seq.len().min(1 << 20)];
            let nucleotide = sample
                .iter()
                .filter(|&&b| {
                    matches!(
                        b.to_ascii_uppercase(),
                        b'A' | b'C' | b'G' | b'T' | b'U' | b'N'
                    )
                })
                .count();
            self.decide(nucleotide * 10 >= sample.len() * 9)?;
        }
        let base = self.residues + record.flushed;
        match &mut self.stream {
            Stream::Undecided => {}
            Stream::Protein(column) => {
                if let Some(i) = record.seq.iter().position(|&b| !is_protein_symbol(b)) {
                    return Err(self.bad_symbol(number, record, i, "protein"));
                }
                let column = *column;
                if self.options.format_minor >= 2 {
                    self.held.extend_from_slice(&record.seq);
                } else {
                    self.writer.push(column, &record.seq)?;
                }
            }
            Stream::Nucleotide(stream) => {
                let seq = &record.seq;
                // RNA when U outnumbers T in the first part that has either
                // (the whole record, unless it is over 1 MiB); the minority
                // letter is kept as an ambiguity symbol. Parts before that
                // have neither letter, so they pack alike either way.
                if record.rna.is_none() {
                    // U is rare in DNA, so count it first; T only needs
                    // counting when there is a U to compare with.
                    let u = memchr::memchr2_iter(b'U', b'u', seq).count();
                    if u > 0 {
                        record.rna = Some(u > memchr::memchr2_iter(b'T', b't', seq).count());
                    } else if memchr::memchr2(b'T', b't', seq).is_some() {
                        record.rna = Some(false);
                    }
                }
                let rna = record.rna.unwrap_or(false);
                if let Some(i) = stream.pack(self.writer, seq, base, rna)? {
                    return Err(self.bad_symbol(number, record, i, "nucleotide"));
                }
                if last {
                    stream.end_record(self.writer, base + seq.len() as u64)?;
                }
            }
        }
        record.flushed += record.seq.len() as u64;
        record.seq.clear();
        Ok(())
    }

    fn finish(mut self, input_bytes: u64) -> Result<FastaSummary> {
        if matches!(self.stream, Stream::Undecided) {
            // No residues at all: store as nucleotide (empty streams).
            self.decide(true)?;
        }
        let alphabet = match &mut self.stream {
            Stream::Nucleotide(stream) => {
                stream.finish(self.writer, self.dataset, self.residues)?;
                "nucleotide"
            }
            Stream::Protein(_) => {
                self.release_held()?;
                "protein"
            }
            Stream::Undecided => unreachable!("decided above"),
        };
        let bin_bases = match &self.stream {
            Stream::Nucleotide(s) => s.bin_bases(),
            _ => 0,
        };
        self.writer.set_num_rows(self.dataset, self.record_count)?;
        self.writer
            .set_dataset_metadata(self.dataset, meta::ALPHABET, alphabet)?;
        self.writer.set_dataset_metadata(
            self.dataset,
            meta::EXACT_EXPORT,
            if self.exact { "true" } else { "false" },
        )?;
        if bin_bases > 0 {
            self.writer.set_dataset_metadata(
                self.dataset,
                meta::BIN_BASES,
                bin_bases.to_string(),
            )?;
        }
        Ok(FastaSummary {
            dataset: self.options.dataset.clone(),
            records: self.record_count,
            residues: self.residues,
            alphabet,
            exact_export: self.exact,
            input_bytes,
            source_bytes: 0,
        })
    }
}
