//! FASTQ import into a `reads` dataset (spec 13), with noodles-fastq as the
//! parser: single files, or R1/R2 pairs interleaved as one dataset with a
//! `mate` column. Qualities are stored losslessly as Phred values unless a
//! binning is asked for, and the manifest records which.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use gcol_format::encoding::{quality_model, Encoding};
use gcol_format::manifest::{Coordinates, Provenance};
use gcol_format::schema::reads::{self, columns as reads_columns, meta as reads_meta, SCHEMA};
use gcol_format::schema::sequences::{columns as col, meta, FLAG_RNA};

use crate::input::{open_input, Input};
use crate::names::{NameCheck, Repeat};
use crate::nucleotide::NucleotideStream;
use crate::{NamePolicy, Progress};
use gcol_writer::{ColumnId, ColumnSpec, DatasetId, DatasetSpec, Error, Result, Writer};

/// Dataset kind of FASTQ reads.
pub const READS_KIND: &str = reads::KIND;

/// How qualities are stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum QualityBinning {
    /// Exactly as read (default).
    #[default]
    Lossless,
    /// Illumina's 8-level binning: 0-2→2, 3-9→6, 10-19→15, 20-24→22,
    /// 25-29→27, 30-34→33, 35-39→37, 40+→40.
    Illumina8,
    /// A user table: `table[q]` replaces Phred value `q` (0..=93).
    Table(Vec<u8>),
    /// Bins of `2e + 1` values stored as their middle value: no value
    /// moves by more than `e` (1..=46).
    MaxError(u8),
}

impl QualityBinning {
    /// The mapping as a full table over Phred 0..=93, or `None` when lossless.
    pub fn table(&self) -> Option<Vec<u8>> {
        match self {
            QualityBinning::Lossless => None,
            QualityBinning::Illumina8 => Some(
                (0u8..=93)
                    .map(|q| match q {
                        0..=2 => 2,
                        3..=9 => 6,
                        10..=19 => 15,
                        20..=24 => 22,
                        25..=29 => 27,
                        30..=34 => 33,
                        35..=39 => 37,
                        _ => 40,
                    })
                    .collect(),
            ),
            QualityBinning::Table(t) => Some(t.clone()),
            QualityBinning::MaxError(e) => {
                let width = 2 * u16::from(*e) + 1;
                Some(
                    (0..=93u16)
                        .map(|q| {
                            let start = q / width * width;
                            let end = (start + width - 1).min(93);
                            ((start + end) / 2) as u8
                        })
                        .collect(),
                )
            }
        }
    }

    /// [`QualityBinning::MaxError`] of bound `e`, checked (1 ..= 46).
    pub fn max_error(e: u8) -> std::result::Result<QualityBinning, String> {
        if !(1..=46).contains(&e) {
            return Err(format!("max-error:{e}: the bound runs from 1 to 46"));
        }
        Ok(QualityBinning::MaxError(e))
    }

    /// Parse `illumina8`, `lossless`, `max-error:E` (every value within E
    /// of what was read), or ranges `lo-hi:value,...` (every Phred value
    /// 0..=93 not covered keeps its value).
    pub fn parse(text: &str) -> std::result::Result<QualityBinning, String> {
        match text {
            "lossless" | "none" => return Ok(QualityBinning::Lossless),
            "illumina8" => return Ok(QualityBinning::Illumina8),
            _ => {}
        }
        if let Some(bound) = text.strip_prefix("max-error:") {
            let e: u8 = bound
                .trim()
                .parse()
                .map_err(|_| format!("{text:?}: expected max-error:N, N from 1 to 46"))?;
            return QualityBinning::max_error(e);
        }
        let mut table: Vec<u8> = (0..=93).collect();
        for part in text.split(',') {
            let (range, value) = part
                .split_once(':')
                .ok_or_else(|| format!("{part:?}: expected lo-hi:value"))?;
            let value: u8 = value
                .trim()
                .parse()
                .map_err(|_| format!("{part:?}: bad value"))?;
            let (lo, hi) = match range.split_once('-') {
                Some((lo, hi)) => (lo.trim(), hi.trim()),
                None => (range.trim(), range.trim()),
            };
            let lo: usize = lo.parse().map_err(|_| format!("{part:?}: bad range"))?;
            let hi: usize = hi.parse().map_err(|_| format!("{part:?}: bad range"))?;
            if lo > hi || hi > 93 || value > 93 {
                return Err(format!("{part:?}: Phred values run from 0 to 93"));
            }
            table[lo..=hi].fill(value);
        }
        Ok(QualityBinning::Table(table))
    }

    fn describe(&self) -> String {
        match self {
            QualityBinning::Lossless => "lossless".into(),
            QualityBinning::Illumina8 => "illumina8".into(),
            QualityBinning::Table(_) => "table".into(),
            QualityBinning::MaxError(e) => format!("max-error:{e}"),
        }
    }
}

/// How hard reads are compressed (`--compression`): speed against size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadCompression {
    /// Qualities as zstd pages (the format 1.0 layout): fastest to write.
    Fast,
    /// Qualities through the `quality-model` encoding (spec 7.10), its
    /// parameters chosen on the first page, 512 Ki values per page.
    #[default]
    Default,
    /// As default, with the quality parameters chosen again for every page
    /// and 4 Mi values per page, and bases through the `base-model`
    /// encoding (spec 7.12): smaller, and slower to decode.
    Archive,
}

impl ReadCompression {
    /// Parse `fast`, `default` or `archive`.
    pub fn parse(text: &str) -> std::result::Result<ReadCompression, String> {
        match text {
            "fast" => Ok(ReadCompression::Fast),
            "default" => Ok(ReadCompression::Default),
            "archive" => Ok(ReadCompression::Archive),
            _ => Err(format!("{text:?}: expected fast, default or archive")),
        }
    }

    /// The name `parse` reads.
    pub fn name(self) -> &'static str {
        match self {
            ReadCompression::Fast => "fast",
            ReadCompression::Default => "default",
            ReadCompression::Archive => "archive",
        }
    }

    /// Quality values per `quality-model` page.
    fn quality_page_values(self) -> usize {
        match self {
            // One model for 4 Mi values: CHM1 qualities 1,206,247 bytes
            // against 1,236,910 in 1 Mi pages (the model learns once).
            ReadCompression::Archive => 1 << 22,
            _ => 1 << 19,
        }
    }
}

/// Options for [`import_fastq`].
#[derive(Debug, Clone)]
pub struct FastqOptions {
    /// Dataset name.
    pub dataset: String,
    /// zstd level for base pages (0 = plain).
    pub zstd_level: i32,
    /// zstd level for quality pages.
    pub quality_zstd_level: i32,
    /// Packed bytes per `bases` page; quality pages hold 4x as many bytes.
    pub page_bytes: usize,
    /// Quality storage.
    pub binning: QualityBinning,
    /// Speed against size; `quality-model` pages need `format_minor` 5.
    pub compression: ReadCompression,
    /// Quality values per `quality-model` page; 0: the compression level's
    /// (512 Ki, or 4 Mi for archive).
    pub quality_page_values: usize,
    /// Name checks.
    pub names: NamePolicy,
    /// Set by another thread to stop the import ([`gcol_writer::Error::Interrupted`]).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The highest format minor version the dataset may need (spec 9;
    /// default [`gcol_format::MINOR_VERSION`]): from 2, names and
    /// descriptions in the `lengths` encoding (7.7).
    pub format_minor: u16,
}

impl FastqOptions {
    /// The level in effect: below format 1.5 (`format_minor` < 5), `fast`,
    /// whatever was asked.
    pub fn effective_compression(&self) -> ReadCompression {
        if self.format_minor >= 5 {
            self.compression
        } else {
            ReadCompression::Fast
        }
    }

    /// Defaults: zstd 9 for bases and qualities, 64 KiB base pages, lossless;
    /// repeated read names kept (interleaved pairs and `samtools fastq`
    /// output repeat them), as every peer does.
    pub fn new(dataset: impl Into<String>) -> FastqOptions {
        FastqOptions {
            dataset: dataset.into(),
            zstd_level: 9,
            quality_zstd_level: 9,
            page_bytes: 64 << 10,
            binning: QualityBinning::Lossless,
            compression: ReadCompression::Default,
            quality_page_values: 0,
            names: NamePolicy::Lenient,
            cancel: None,
            format_minor: gcol_format::MINOR_VERSION,
        }
    }
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastqSummary {
    /// Dataset name.
    pub dataset: String,
    /// Reads (both mates counted).
    pub reads: u64,
    /// Bases.
    pub bases: u64,
    /// Two input files interleaved.
    pub paired: bool,
    /// Bytes read from the files or streams (compressed, when they are).
    pub source_bytes: u64,
    /// FASTQ bytes after decompression.
    pub input_bytes: u64,
}

struct Columns {
    name: ColumnId,
    description: ColumnId,
    length: ColumnId,
    offset: ColumnId,
    flags: ColumnId,
    quality: ColumnId,
    mate: Option<ColumnId>,
}

/// Whether quality pages at `compression` are primed (spec 7.14) when the
/// file may be format 1.8 (`allowed`): at `default` only (`archive` pages
/// choose their parameters each).
pub(crate) fn primes(compression: ReadCompression, allowed: bool) -> bool {
    allowed && compression == ReadCompression::Default
}

/// Quality values per primed page (spec 7.14): a cold read costs the
/// decode of 32 Ki values (about 1 ms), and CHM1's qualities take 2.339
/// bits a value against 2.352 in unprimed pages of 512 Ki.
const PRIMED_PAGE_VALUES: usize = 1 << 15;
/// The first page of a primed column holds this many pages' worth of
/// values (256 Ki), so the models it leaves have learnt.
const PRIMER_PAGES: usize = 8;

/// Decoded bytes per page of `name-tokens` names: names are coded against
/// earlier names of their page (mates are often far apart).
const NAME_PAGE_BYTES: usize = 1 << 20;

/// Quality values cut into `quality-model` pages at read boundaries
/// (spec 7.10), or pushed to a zstd column as they come (`fast`, or a file
/// for format readers before 1.5).
pub(crate) struct QualityPages {
    column: ColumnId,
    /// `None`: zstd pages through the writer's own buffering.
    model: Option<ModelPages>,
}

struct ModelPages {
    /// Values per page after the first.
    page_values: usize,
    /// Values of the first page: with primed pages (spec 7.14), the
    /// primer, larger so that the models it leaves have learnt.
    first_values: usize,
    /// Pages after the first start from its models (`quality-primed`).
    primed: bool,
    primer: Option<std::sync::Arc<quality_model::Primer>>,
    /// Values per page when pages are not primed after all.
    unprimed_values: usize,
    values: Vec<u8>,
    segments: Vec<u32>,
    /// Chosen on the first page (default), or `None` for every page (archive).
    params: Option<quality_model::Params>,
    search_every_page: bool,
    first: bool,
}

impl QualityPages {
    fn new(column: ColumnId, options: &FastqOptions) -> QualityPages {
        QualityPages::with(
            column,
            options.effective_compression(),
            options.quality_page_values,
            options.format_minor >= 8,
        )
    }

    /// Pages for `column` at `compression` (zstd pages at `fast`), of
    /// `page_values` values (0: the level's default); with `primed` (a
    /// format 1.8 file) and `default` compression, pages after the first
    /// start from the models the first page left (spec 7.14): small pages
    /// for random access, at the size of large ones.
    pub(crate) fn with(
        column: ColumnId,
        compression: ReadCompression,
        page_values: usize,
        primed: bool,
    ) -> QualityPages {
        let primed = primes(compression, primed);
        let unprimed_values = match page_values {
            0 => compression.quality_page_values(),
            n => n,
        };
        let page_values = match page_values {
            0 if primed => PRIMED_PAGE_VALUES,
            _ => unprimed_values,
        };
        let model = (compression != ReadCompression::Fast).then(|| ModelPages {
            page_values,
            first_values: if primed {
                page_values * PRIMER_PAGES
            } else {
                page_values
            },
            primed,
            primer: None,
            unprimed_values,
            values: Vec::new(),
            segments: Vec::new(),
            params: None,
            search_every_page: compression == ReadCompression::Archive,
            first: true,
        });
        QualityPages { column, model }
    }

    pub(crate) fn push<W: Write>(&mut self, writer: &mut Writer<W>, quality: &[u8]) -> Result<()> {
        if self.model.is_none() {
            return writer.push(self.column, quality);
        }
        let mut rest = quality;
        loop {
            // A page ends before a read that would not fit, and a read
            // longer than a page is cut into page-sized segments.
            let (buffered, limit) = self.model.as_ref().map_or((0, 0), |m| {
                (
                    m.values.len(),
                    if m.first {
                        m.first_values
                    } else {
                        m.page_values
                    },
                )
            });
            if buffered > 0 && buffered + rest.len() > limit {
                self.flush(writer, true)?;
            }
            let model = self.model.as_mut().expect("model pages");
            let limit = if model.first {
                model.first_values
            } else {
                model.page_values
            };
            let now = rest.len().min(limit);
            model.values.extend_from_slice(&rest[..now]);
            model.segments.push(now as u32);
            rest = &rest[now..];
            if rest.is_empty() {
                return Ok(());
            }
        }
    }

    /// Submit the buffered page; `more`: another page will follow.
    fn flush<W: Write>(&mut self, writer: &mut Writer<W>, more: bool) -> Result<()> {
        let Some(model) = self.model.as_mut() else {
            return writer.flush_column(self.column);
        };
        if model.values.is_empty() {
            return Ok(());
        }
        let values = std::mem::take(&mut model.values);
        let segments = std::mem::take(&mut model.segments);
        if model.first && !model.search_every_page {
            // Choose the parameters once, on the first page, trying the
            // candidates on the pool (later pages need the choice).
            use rayon::prelude::*;
            let candidates = quality_model::candidates_for(&values, &segments);
            let best = candidates
                .par_iter()
                .filter_map(|&p| {
                    quality_model::encode(&values, &segments, Some(p))
                        .ok()
                        .map(|out| (out, p))
                })
                .min_by_key(|(out, _)| out.len());
            if let Some((coded, p)) = best {
                // The winner's page is this page: it is not coded again.
                model.params = Some(p);
                model.first = false;
                let len = values.len();
                if model.primed
                    && !(more && writer.declare_encoding(self.column, Encoding::quality_primed()))
                {
                    // One page in all, or a header already written for an
                    // older minor version: pages stand alone, at the
                    // level's usual size.
                    model.primed = false;
                    model.page_values = model.unprimed_values;
                }
                if model.primed {
                    // The state this page leaves, as a reader rebuilds it.
                    let (primer, _) = quality_model::Primer::from_page(len as u32, &coded)
                        .map_err(|source| Error::Encode {
                            column: reads_columns::QUALITY.into(),
                            source,
                        })?;
                    model.primer = Some(std::sync::Arc::new(primer));
                }
                return writer.submit_encoded(self.column, len, move || {
                    gcol_format::encoding::quality_page(len, coded)
                });
            }
        }
        model.first = false;
        if let Some(primer) = model.primer.clone() {
            let len = values.len();
            return writer.submit_encoded(self.column, len, move || {
                gcol_format::encoding::encode_primed_quality_page(&values, &segments, &primer)
            });
        }
        let params = if model.search_every_page {
            None
        } else {
            model.params
        };
        let len = values.len();
        writer.submit_encoded(self.column, len, move || {
            gcol_format::encoding::encode_quality_page(&values, &segments, params)
        })
    }

    pub(crate) fn finish<W: Write>(&mut self, writer: &mut Writer<W>) -> Result<()> {
        self.flush(writer, false)
    }
}

struct Source {
    input: Input,
    reader: noodles_fastq::io::Reader<Box<dyn std::io::BufRead + Send>>,
    path: PathBuf,
    reads: u64,
    /// Strict names: the bounded repeated-name check.
    names: Option<NameCheck>,
}

/// Read one FASTQ file, or an R1/R2 pair (`inputs.len() == 2`, reads
/// interleaved R1, R2, R1, ...), into a new `reads` dataset of `writer`.
pub fn import_fastq<W: Write>(
    writer: &mut Writer<W>,
    inputs: &[&Path],
    options: &FastqOptions,
    progress: Progress<'_>,
) -> Result<FastqSummary> {
    let inputs = inputs
        .iter()
        .map(|path| open_input(path))
        .collect::<Result<Vec<_>>>()?;
    import_fastq_from(writer, inputs, options, progress)
}

/// [`import_fastq`] from inputs already opened (streams that were sniffed,
/// for example: see [`super::sniff_input`]).
pub fn import_fastq_from<W: Write>(
    writer: &mut Writer<W>,
    inputs: Vec<Input>,
    options: &FastqOptions,
    progress: Progress<'_>,
) -> Result<FastqSummary> {
    assert!(matches!(inputs.len(), 1 | 2), "one file, or two for a pair");
    let paired = inputs.len() == 2;
    let mut sources: Vec<Source> = inputs
        .into_iter()
        .map(|mut input| {
            // The parser takes the stream; `input` keeps the counters and hash.
            let stream = std::mem::replace(&mut input.reader, Box::new(EmptyRead));
            Source {
                reader: noodles_fastq::io::Reader::new(stream),
                path: input.path.clone(),
                input,
                reads: 0,
                names: (options.names == NamePolicy::Strict).then(NameCheck::default),
            }
        })
        .collect();
    let total_size: u64 = sources.iter().map(|s| s.input.size).sum();

    let binning_table = options.binning.table();
    let (dataset, columns) = add_dataset(writer, options, paired, binning_table.as_ref())?;
    let encoding = if options.effective_compression() == ReadCompression::Archive {
        // An order-11 context model over the bases (spec 7.12): smaller than
        // zstd on reads, slower to decode.
        Encoding::base_model()
    } else if options.zstd_level > 0 {
        Encoding::PLAIN.with_zstd(options.zstd_level)
    } else {
        Encoding::PLAIN
    };
    let mut stream = NucleotideStream::new(writer, dataset, encoding, options.page_bytes)?;
    let mut record = noodles_fastq::Record::default();
    let mut quality = Vec::new();
    let mut quality_pages = QualityPages::new(columns.quality, options);
    let mut total_bases = 0u64;
    let mut total_reads = 0u64;
    let mut total_input = 0u64;
    let mut next_report = 0u64;
    'reads: loop {
        for (mate, source) in sources.iter_mut().enumerate() {
            let number = source.reads + 1;
            let first_line = 4 * source.reads + 1;
            let input_err = |line: u64, field: &'static str, detail: String| Error::Input {
                path: source.path.clone(),
                record: number,
                line,
                field,
                detail,
            };
            let n = source.reader.read_record(&mut record).map_err(|e| {
                let field = if e.kind() == std::io::ErrorKind::InvalidData {
                    "record"
                } else {
                    "data"
                };
                input_err(
                    first_line,
                    field,
                    format!(
                        "cannot read a FASTQ record ({e}); the file may be truncated or malformed"
                    ),
                )
            })?;
            if n == 0 {
                if mate == 0 {
                    if paired {
                        check_mate_ended(&mut sources)?;
                    }
                    break 'reads;
                }
                return Err(input_err(
                    first_line,
                    "record",
                    format!(
                        "the file ends after {} reads, but its mate file has more",
                        source.reads
                    ),
                ));
            }
            total_input += n as u64;
            let name = record.name();
            if let Some(names) = source.names.as_mut() {
                if name.is_empty() {
                    return Err(input_err(first_line, "name", "the read has no name".into()));
                }
                let repeat = names.insert(name, number).map_err(|e| {
                    input_err(first_line, "name", format!("cannot check names: {e}"))
                })?;
                if let Some(repeat) = repeat {
                    return Err(repeated(&source.path, repeat));
                }
            }
            let seq = record.sequence();
            let qual = record.quality_scores();
            if qual.len() != seq.len() {
                return Err(input_err(
                    first_line + 3,
                    "quality",
                    format!("{} quality values for {} bases", qual.len(), seq.len()),
                ));
            }
            phred_values(qual, binning_table.as_ref(), &mut quality)
                .map_err(|detail| input_err(first_line + 3, "quality", detail))?;
            let u = memchr::memchr2_iter(b'U', b'u', seq).count();
            let rna = u > 0 && u > memchr::memchr2_iter(b'T', b't', seq).count();
            if let Some(i) = stream.pack_record(writer, seq, total_bases, rna)? {
                return Err(input_err(
                    first_line + 1,
                    "sequence",
                    format!(
                        "{:?} (byte {:#04x}) at base {} is not a nucleotide symbol",
                        seq[i] as char,
                        seq[i],
                        i + 1
                    ),
                ));
            }
            writer.push_binary(columns.name, name)?;
            writer.push_binary(columns.description, record.description())?;
            writer.push(columns.length, &[seq.len() as u64])?;
            writer.push(columns.offset, &[total_bases])?;
            writer.push(columns.flags, &[if rna { FLAG_RNA } else { 0 }])?;
            quality_pages.push(writer, &quality)?;
            if let Some(mate_column) = columns.mate {
                writer.push(mate_column, &[mate as u8 + 1])?;
            }
            total_bases += seq.len() as u64;
            total_reads += 1;
            source.reads += 1;
        }
        if total_bases >= next_report {
            crate::check_cancel(options.cancel.as_ref())?;
            progress(sources.iter().map(|s| s.input.consumed()).sum(), total_size);
            next_report = total_bases + (8 << 20);
        }
    }
    for source in &mut sources {
        if let Some(names) = source.names.take() {
            let repeat = names.finish().map_err(|e| Error::Source {
                path: source.path.clone(),
                source: e,
            })?;
            if let Some(repeat) = repeat {
                return Err(repeated(&source.path, repeat));
            }
        }
    }
    quality_pages.finish(writer)?;
    stream.finish(writer, dataset, total_bases)?;
    writer.set_num_rows(dataset, total_reads)?;
    writer.set_dataset_metadata(dataset, meta::BIN_BASES, stream.bin_bases().to_string())?;
    progress(total_size, total_size);
    record_provenance(writer, &sources, options);
    Ok(FastqSummary {
        dataset: options.dataset.clone(),
        reads: total_reads,
        bases: total_bases,
        paired,
        source_bytes: sources.iter().map(|s| s.input.consumed()).sum(),
        input_bytes: total_input,
    })
}

/// The reads dataset (spec 13) with its metadata and record columns.
fn add_dataset<W: Write>(
    writer: &mut Writer<W>,
    options: &FastqOptions,
    paired: bool,
    binning_table: Option<&Vec<u8>>,
) -> Result<(DatasetId, Columns)> {
    let mut spec = DatasetSpec::new(options.dataset.clone(), READS_KIND)
        .coordinates(Coordinates::ZeroBasedHalfOpen)
        .metadata(meta::SOURCE_FORMAT, "fastq")
        .metadata(meta::ALPHABET, "nucleotide")
        .metadata(reads_meta::QUALITY_ENCODING, "phred")
        .metadata(reads_meta::QUALITY_BINNING, options.binning.describe())
        .metadata(reads_meta::PAIRED, if paired { "true" } else { "false" });
    if let Some(table) = binning_table {
        spec = spec.metadata(
            reads_meta::QUALITY_BINNING_TABLE,
            table
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    let dataset = writer.add_dataset(spec)?;
    let column = |name: &str| ColumnSpec::of(SCHEMA.column(name));
    let text_base = if options.format_minor >= 2 {
        Encoding::lengths()
    } else {
        Encoding::PLAIN
    };
    let text = |name: &str| column(name).encoding(text_base.with_zstd(5));
    let columns = Columns {
        name: writer.add_column(
            dataset,
            if options.effective_compression() != ReadCompression::Fast {
                // Tokens against earlier names (spec 7.11); zstd text when
                // that is smaller (UUID names of ONT reads).
                column(col::NAME)
                    .encoding(Encoding::name_tokens())
                    .or_encoding(text_base.with_zstd(5))
                    .page_bytes(NAME_PAGE_BYTES)
            } else {
                text(col::NAME)
            },
        )?,
        description: writer.add_column(dataset, text(reads_columns::DESCRIPTION))?,
        length: writer.add_column(
            dataset,
            column(col::LENGTH).encoding(Encoding::varint().with_zstd(3)),
        )?,
        offset: writer.add_column(
            dataset,
            column(col::OFFSET).encoding(Encoding::delta_varint().with_zstd(3)),
        )?,
        flags: writer.add_column(
            dataset,
            column(col::FLAGS).encoding(Encoding::for_bitpack().with_zstd(3)),
        )?,
        quality: writer.add_column(
            dataset,
            column(reads_columns::QUALITY)
                .encoding(
                    if options.effective_compression() != ReadCompression::Fast {
                        Encoding::quality_model()
                    } else {
                        Encoding::PLAIN.with_zstd(options.quality_zstd_level.max(1))
                    },
                )
                .page_bytes(options.page_bytes.max(64) * 4),
        )?,
        mate: if paired {
            Some(writer.add_column(
                dataset,
                column(reads_columns::MATE).encoding(Encoding::for_bitpack().with_zstd(3)),
            )?)
        } else {
            None
        },
    };
    Ok((dataset, columns))
}

/// R1 ended: R2 must end too (spec 13: the files of a pair hold as many reads).
fn check_mate_ended(sources: &mut [Source]) -> Result<()> {
    let mut extra = noodles_fastq::Record::default();
    let (first, rest) = sources.split_at_mut(1);
    let other = &mut rest[0];
    if other
        .reader
        .read_record(&mut extra)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        return Err(Error::Input {
            path: other.path.clone(),
            record: other.reads + 1,
            line: 4 * other.reads + 1,
            field: "record",
            detail: format!(
                "the mate file has more reads than {} ({})",
                first[0].path.display(),
                first[0].reads
            ),
        });
    }
    Ok(())
}

/// Phred values of a quality line (bytes `!`..`~` minus 33), binned by
/// `table` when given, into `out` (cleared first).
fn phred_values(
    qual: &[u8],
    table: Option<&Vec<u8>>,
    out: &mut Vec<u8>,
) -> std::result::Result<(), String> {
    out.clear();
    for &q in qual {
        if !(b'!'..=b'~').contains(&q) {
            return Err(format!(
                "{:?} (byte {q:#04x}) is not a Phred+33 quality",
                q as char
            ));
        }
        out.push(match table {
            Some(table) => table[(q - 33) as usize],
            None => q - 33,
        });
    }
    Ok(())
}

/// One provenance entry per source file (spec 5.5).
fn record_provenance<W: Write>(writer: &mut Writer<W>, sources: &[Source], options: &FastqOptions) {
    let mut options_map = BTreeMap::new();
    options_map.insert("quality_binning".to_string(), options.binning.describe());
    options_map.insert(
        "compression".to_string(),
        options.effective_compression().name().to_string(),
    );
    options_map.insert("zstd_level".to_string(), options.zstd_level.to_string());
    options_map.insert("page_bytes".to_string(), options.page_bytes.to_string());
    for source in sources {
        writer.add_provenance(Provenance {
            source: source.input.source_name(),
            // Bytes read: the file's size, or what a stream delivered.
            size_bytes: source.input.consumed(),
            sha256: source.input.sha256(),
            datasets: vec![options.dataset.clone()],
            converter: writer.converter(),
            options: options_map.clone(),
            converted_utc: writer.timestamp(),
        });
    }
}

/// The error for a read whose name repeats an earlier one (strict names).
fn repeated(path: &std::path::Path, repeat: Repeat) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        record: repeat.again,
        line: 4 * (repeat.again - 1) + 1,
        field: "name",
        detail: format!(
            "the read repeats the name of read {} (strict names; repeated read names are kept without --strict-names)",
            repeat.first
        ),
    }
}

/// A reader with nothing in it, to move the real one out of `Input`.
struct EmptyRead;

impl std::io::Read for EmptyRead {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }
}

impl std::io::BufRead for EmptyRead {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(&[])
    }

    fn consume(&mut self, _: usize) {}
}
