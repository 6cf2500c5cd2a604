//! Conversion of source files into one `.gcol` file: input detection,
//! dataset planning and naming, import, atomic write. `gcol convert` and
//! Python's `gcol.convert` call [`convert`] and nothing else, so they
//! behave alike and fail with the same messages.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gcol_writer::{WriteOptions, Writer};

use crate::detect::SourceFormat;
use crate::input::{dataset_name, is_stdin, sniff_input, SniffedInput};
use crate::{
    import_fasta_from, import_fastq_from, import_vcf, Alphabet, FastaOptions, FastqOptions,
    NamePolicy, Progress, QualityBinning, ReadCompression, VcfOptions,
};

/// Default page size of the residue stream, in KiB of packed bases (four
/// per byte): 128 KiB pages hold 524,288 bases. Measured on 2-bit pages at
/// zstd level 9 (`benches/README.md`): human chrX 4.525x at 64 KiB, 4.566x
/// at 128 KiB (level 15 at 64 KiB: 4.565x at half the speed); a small read
/// of an uncached page decodes its 22 KiB blocks up to the read.
pub const DEFAULT_PAGE_KIB: usize = 128;

/// What to convert, and how.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Input paths (`-` for standard input, at most once).
    pub inputs: Vec<PathBuf>,
    /// Output `.gcol` path (written under a temporary name, then renamed).
    pub output: PathBuf,
    /// Dataset names, one per dataset (per input, or per pair when
    /// `paired`); empty: named after the files.
    pub names: Vec<String>,
    /// FASTQ inputs come in pairs (R1 R2 ...), each pair one dataset.
    pub paired: bool,
    /// Residue alphabet of FASTA inputs.
    pub alphabet: Alphabet,
    /// zstd level of base pages (0: plain, zero-copy reads).
    pub zstd_level: i32,
    /// zstd level of protein residue pages; `None`: the importer's default
    /// ([`crate::fasta::PROTEIN_ZSTD_LEVEL`]).
    pub protein_zstd_level: Option<i32>,
    /// Base page size in KiB of packed bases.
    pub page_kib: usize,
    /// FASTQ quality binning.
    pub binning: QualityBinning,
    /// FASTQ: speed against size (`--compression fast|default|archive`).
    pub compression: ReadCompression,
    /// FASTA: empty or repeated record names are refused (default) or kept.
    pub fasta_names: NamePolicy,
    /// FASTQ: repeated read names are kept (default, as in interleaved
    /// pairs and `samtools fastq` output) or refused.
    pub fastq_names: NamePolicy,
    /// Worker threads (a pool of that size for this conversion), or the
    /// caller's rayon pool.
    pub threads: Option<usize>,
    /// File-level writer options.
    pub write: WriteOptions,
    /// The reference of VCF/BCF inputs (`--reference`, spec 14.7): a FASTA
    /// or `.gcol` file. When it is also an input of this conversion (or,
    /// with none given, when the conversion has exactly one FASTA input),
    /// REF is coded against that dataset; otherwise REF is checked against
    /// it and kept as text, so the output never needs another file.
    pub reference: Option<PathBuf>,
    /// Edge tables: directed (default) or undirected edges.
    pub directed: Option<bool>,
    /// Edge tables: the source node column (default: found by name).
    pub source_column: Option<String>,
    /// Edge tables: the target node column (default: found by name).
    pub target_column: Option<String>,
    /// CSV/TSV tables: (column, value type) typed as given instead of by
    /// their cells (`--types NAME=TYPE`); every such table must have the
    /// columns named.
    pub types: Vec<(String, String)>,
    /// `genomics`: CSV/TSV inputs are tables of the genomics schema (spec
    /// 17.8), named after the tables, typed by it, their keys checked
    /// before anything is written.
    pub schema: Option<String>,
    /// Set by another thread to stop: the conversion ends with
    /// [`gcol_writer::Error::Interrupted`] and leaves nothing behind.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl ConvertOptions {
    /// The options of table dataset `name` of this conversion.
    fn table_options(&self, name: &str) -> crate::TableOptions {
        let mut o = crate::TableOptions::new(name);
        o.zstd_level = self.zstd_level.max(1);
        o.cancel = self.cancel.clone();
        o.types = self.types.clone();
        o
    }

    /// The highest format minor version the output may need: the newest
    /// (grouped proteins, derived names, `lengths` text), or 0 with
    /// `write.compact` off (the 1.0 layout, for old readers).
    pub fn format_minor(&self) -> u16 {
        if self.write.compact {
            gcol_format::MINOR_VERSION
        } else {
            0
        }
    }

    /// The zstd level asked for (`--zstd-level`, `zstd_level=`): bases,
    /// protein residues and definition lines all use it; `None` keeps the
    /// defaults (9 for bases, [`crate::fasta::PROTEIN_ZSTD_LEVEL`] for
    /// protein residues, [`crate::fasta::TEXT_ZSTD_LEVEL`] for definitions).
    pub fn set_zstd_level(&mut self, level: Option<i32>) {
        if let Some(level) = level {
            self.zstd_level = level;
            self.protein_zstd_level = Some(level);
        }
    }

    /// Defaults of `gcol convert`: auto alphabet, zstd level 9 (15 for
    /// protein residues), 128 KiB pages, lossless qualities, strict names,
    /// the newest format features.
    pub fn new(inputs: Vec<PathBuf>, output: impl Into<PathBuf>) -> ConvertOptions {
        ConvertOptions {
            inputs,
            output: output.into(),
            names: Vec::new(),
            paired: false,
            alphabet: Alphabet::Auto,
            zstd_level: 9,
            protein_zstd_level: None,
            page_kib: DEFAULT_PAGE_KIB,
            binning: QualityBinning::Lossless,
            compression: ReadCompression::Default,
            fasta_names: NamePolicy::Strict,
            fastq_names: NamePolicy::Lenient,
            threads: None,
            write: WriteOptions::default(),
            reference: None,
            directed: None,
            source_column: None,
            target_column: None,
            types: Vec::new(),
            schema: None,
            cancel: None,
        }
    }
}

/// Why a conversion did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Options that do not fit together (the number of names, standard
    /// input twice, zero threads, two datasets of one name).
    #[error("{detail}")]
    Usage {
        /// What does not fit.
        detail: String,
    },
    /// An input that cannot be converted: unrecognised, a format this
    /// version does not convert yet, or the wrong format for `paired`.
    #[error("{}: {detail}", path.display())]
    Input {
        /// The input.
        path: PathBuf,
        /// What it holds and why that does not do.
        detail: String,
    },
    /// The output path cannot be written (checked before any input is read).
    #[error("cannot write {}: {detail}", path.display())]
    Output {
        /// The output path.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// Reading, parsing or writing failed (a malformed record names its
    /// file, record, line and field).
    #[error(transparent)]
    Write(#[from] gcol_writer::Error),
}

/// Result alias of [`convert`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What one dataset became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetReport {
    /// Dataset name.
    pub name: String,
    /// Its source files (two for a pair).
    pub sources: Vec<PathBuf>,
    /// Their format.
    pub format: SourceFormat,
    /// Records (FASTA, VCF, alignments), reads (FASTQ, both mates) or
    /// edges (graphs).
    pub records: u64,
    /// Nodes (graphs); 0 for other kinds.
    pub nodes: u64,
    /// Pathways (graphs); 0 for other kinds.
    pub pathways: u64,
    /// Samples (VCF); 0 for sequences.
    pub samples: u64,
    /// Residues or bases.
    pub residues: u64,
    /// `nucleotide` or `protein`.
    pub alphabet: &'static str,
    /// A FASTQ pair, interleaved.
    pub paired: bool,
    /// FASTA whose export reproduces the input byte for byte.
    pub exact_export: bool,
    /// Bytes read from the sources (compressed, when they are).
    pub source_bytes: u64,
    /// The sources' bytes after decompression.
    pub uncompressed_bytes: u64,
}

impl DatasetReport {
    /// The report of a table dataset (rows as records, columns as
    /// samples).
    fn table(
        sources: Vec<PathBuf>,
        format: SourceFormat,
        s: crate::table::TableSummary,
    ) -> DatasetReport {
        DatasetReport {
            name: s.dataset,
            sources,
            format,
            records: s.rows,
            nodes: 0,
            pathways: 0,
            samples: s.columns,
            residues: 0,
            alphabet: "table",
            paired: false,
            exact_export: true,
            source_bytes: s.source_bytes,
            uncompressed_bytes: s.input_bytes,
        }
    }

    /// One line for users: `reads_R1.fq + reads_R2.fq: 40 reads (paired), 6040 bases`.
    pub fn message(&self) -> String {
        let sources = self
            .sources
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        match self.format {
            SourceFormat::Vcf | SourceFormat::Bcf => format!(
                "{sources}: {} variants, {} samples",
                self.records, self.samples
            ),
            SourceFormat::Sam | SourceFormat::Bam | SourceFormat::Cram => format!(
                "{sources}: {} alignment records, {} bases",
                self.records, self.residues
            ),
            _ if self.alphabet == "table" => format!(
                "{sources}: {} table, {} rows, {} columns",
                self.format, self.records, self.samples
            ),
            f if f.is_graph() => format!(
                "{sources}: {f} graph, {} nodes, {} edges{}",
                self.nodes,
                self.records,
                if self.pathways > 0 {
                    format!(", {} pathways", self.pathways)
                } else {
                    String::new()
                }
            ),
            SourceFormat::Fastq => format!(
                "{sources}: {} reads{}, {} bases",
                self.records,
                if self.paired { " (paired)" } else { "" },
                self.residues
            ),
            _ => format!(
                "{sources}: {} {} records, {} residues{}",
                self.records,
                self.alphabet,
                self.residues,
                if self.exact_export {
                    ""
                } else {
                    " (irregular line layout: export will rewrap)"
                }
            ),
        }
    }
}

/// What [`convert`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertSummary {
    /// The datasets, in file order.
    pub datasets: Vec<DatasetReport>,
    /// Bytes read from all inputs (compressed, when they are).
    pub input_bytes: u64,
    /// The inputs' bytes after decompression.
    pub uncompressed_bytes: u64,
    /// Bytes of the `.gcol` file.
    pub output_bytes: u64,
}

impl ConvertSummary {
    /// One line for users: the output's size against the bytes read and
    /// the uncompressed input (a gzip or BGZF input is smaller than what it
    /// holds, so the ratio is taken against the uncompressed bytes).
    pub fn message(&self, output: &Path) -> String {
        let ratio = self.uncompressed_bytes as f64 / self.output_bytes.max(1) as f64;
        format!(
            "wrote {} ({} bytes; read {} bytes, {} uncompressed: {ratio:.2}x smaller)",
            output.display(),
            self.output_bytes,
            self.input_bytes,
            self.uncompressed_bytes
        )
    }
}

/// Something to tell the user while converting.
#[derive(Debug)]
pub enum Event<'a> {
    /// A doubtful choice made for the user (a dataset named after `/dev/fd/63`).
    Warning(String),
    /// A dataset was written.
    Dataset(&'a DatasetReport),
}

/// Total size of the inputs in bytes, when every one is a regular file
/// (streams have no size ahead of time).
pub fn input_size(inputs: &[PathBuf]) -> Option<u64> {
    inputs
        .iter()
        .map(|p| match p.metadata() {
            Ok(m) if m.is_file() && !is_stdin(p) => Some(m.len()),
            _ => None,
        })
        .sum()
}

/// One dataset to write.
struct Job {
    name: String,
    format: SourceFormat,
    inputs: Vec<SniffedInput>,
}

fn usage(detail: impl Into<String>) -> Error {
    Error::Usage {
        detail: detail.into(),
    }
}

/// With `--schema genomics`: the CSV/TSV jobs read, typed and checked as
/// schema tables (spec 17.8) before anything is written, and the other
/// jobs to convert as usual.
fn schema_tables(
    options: &ConvertOptions,
    jobs: Vec<Job>,
) -> Result<(Vec<Job>, Vec<crate::table::genomics::CheckedTable>)> {
    let Some(schema) = &options.schema else {
        return Ok((jobs, Vec::new()));
    };
    if schema != gcol_format::schema::genomics::SCHEMA {
        return Err(usage(format!(
            "unknown schema {schema:?}; the built-in one is {:?} (see `gcol schema`)",
            gcol_format::schema::genomics::SCHEMA
        )));
    }
    if let Some(job) = jobs.iter().find(|j| j.format == SourceFormat::Parquet) {
        return Err(usage(format!(
            "{}: with --schema, tables are read from CSV or TSV (export the Parquet file to CSV first)",
            job.inputs[0].path.display()
        )));
    }
    let (tables, rest): (Vec<Job>, Vec<Job>) = jobs
        .into_iter()
        .partition(|j| matches!(j.format, SourceFormat::Csv | SourceFormat::Tsv));
    let planned: Vec<(String, SourceFormat, Vec<PathBuf>)> = rest
        .iter()
        .map(|j| {
            (
                j.name.clone(),
                j.format,
                j.inputs.iter().map(|i| i.path.clone()).collect(),
            )
        })
        .collect();
    let mut inputs = Vec::new();
    for job in tables {
        let delimiter = if job.format == SourceFormat::Csv {
            b','
        } else {
            b'\t'
        };
        let input = job.inputs.into_iter().next().expect("one input").open()?;
        inputs.push(crate::table::genomics::SchemaInput {
            name: job.name,
            input,
            delimiter,
        });
    }
    let mut names = |dataset: &str| match planned.iter().find(|p| p.0 == dataset) {
        Some((_, format @ (SourceFormat::Fasta | SourceFormat::Fastq), paths)) => {
            crate::table::genomics::record_names(paths, *format == SourceFormat::Fastq).map(Some)
        }
        _ => Ok(None),
    };
    let checked =
        crate::table::genomics::check_tables(inputs, &mut names, options.cancel.as_ref())?;
    Ok((rest, checked))
}

/// Open and recognise every input once, group pairs, and name datasets.
fn plan(options: &ConvertOptions, events: &mut (dyn FnMut(Event<'_>) + Send)) -> Result<Vec<Job>> {
    if options.inputs.is_empty() {
        return Err(usage("no inputs"));
    }
    if options.inputs.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(usage("standard input (-) can be given only once"));
    }
    let group_size = if options.paired { 2 } else { 1 };
    if !options.inputs.len().is_multiple_of(group_size) {
        return Err(usage(
            "paired FASTQ files come two at a time: R1 R2 [R1 R2 ...]",
        ));
    }
    let groups = options.inputs.len() / group_size;
    if !options.names.is_empty() && options.names.len() != groups {
        return Err(usage(format!(
            "{} dataset names for {} datasets (one per input{})",
            options.names.len(),
            groups,
            if options.paired { " pair" } else { "" }
        )));
    }
    let mut sniffed = Vec::new();
    for path in &options.inputs {
        let input = sniff_input(path)?;
        match input.format {
            SourceFormat::Unknown => {
                return Err(Error::Input {
                    path: path.clone(),
                    detail: "unrecognised input; expected FASTA ('>'), FASTQ ('@'), VCF ('##fileformat=VCF'), BCF, SAM, BAM, CRAM, SBML, KGML, CX, COBRA JSON, GFF3, GTF, GenBank ('LOCUS'), antiSMASH JSON, Parquet or a table (CSV/TSV with a header), plain, gzip or BGZF".into(),
                })
            }
            SourceFormat::Foreign(name) => {
                return Err(Error::Input {
                    path: path.clone(),
                    detail: format!(
                        "{name} input, not a file gcol reads; it converts FASTA, FASTQ, VCF, BCF, SAM, BAM, CRAM, SBML, KGML, CX, COBRA JSON, GFF3, GTF, GenBank, antiSMASH JSON, Parquet and tables, plain, gzip or BGZF"
                    ),
                })
            }
            format if !format.convertible() => {
                return Err(Error::Input {
                    path: path.clone(),
                    detail: format!(
                        "{format} input is recognised, but this version of gcol converts only FASTA, FASTQ, VCF, BCF, SAM, BAM, CRAM, SBML, KGML, CX, COBRA JSON, GFF3, GTF, GenBank, antiSMASH JSON and tables (CSV/TSV, Parquet)"
                    ),
                })
            }
            SourceFormat::Fastq => {}
            format if options.paired => {
                return Err(Error::Input {
                    path: path.clone(),
                    detail: format!("paired inputs must be FASTQ, this is {format}"),
                })
            }
            _ => {}
        }
        sniffed.push(input);
    }
    let mut jobs = Vec::new();
    let mut sniffed = sniffed.into_iter();
    let mut seen = HashSet::new();
    for (i, paths) in options.inputs.chunks(group_size).enumerate() {
        let inputs: Vec<SniffedInput> = sniffed.by_ref().take(group_size).collect();
        let format = match inputs[0].format {
            SourceFormat::Fastq => SourceFormat::Fastq,
            f @ (SourceFormat::Vcf
            | SourceFormat::Bcf
            | SourceFormat::Sam
            | SourceFormat::Bam
            | SourceFormat::Cram) => f,
            f if f.is_graph() => f,
            f @ (SourceFormat::Gff3
            | SourceFormat::Gtf
            | SourceFormat::GenBank
            | SourceFormat::AntismashJson
            | SourceFormat::Parquet) => f,
            // An empty input becomes an empty sequences dataset.
            _ => SourceFormat::Fasta,
        };
        let name = match options.names.get(i) {
            Some(name) => name.clone(),
            None => {
                let name = dataset_name(&paths[0], options.paired);
                // `<(zcat x.fa.gz)` is /dev/fd/63: the dataset would be called "63".
                if !is_stdin(&paths[0]) && paths[0].starts_with("/dev/fd") {
                    events(Event::Warning(format!(
                        "dataset named {name:?} after {}; give a dataset name to choose one",
                        paths[0].display()
                    )));
                }
                name
            }
        };
        if !seen.insert(name.clone()) {
            return Err(usage(format!(
                "two inputs would both become dataset {name:?}; give dataset names"
            )));
        }
        jobs.push(Job {
            name,
            format,
            inputs,
        });
    }
    Ok(jobs)
}

/// The reference of the variants and alignments jobs (spec 14.7, 15.10):
/// `--reference` (coded against when it is a FASTA input of this
/// conversion), or for variants the one FASTA input when the conversion
/// has exactly one.
fn reference_of(options: &ConvertOptions, jobs: &[Job]) -> Result<Option<crate::ReferenceSpec>> {
    let variants = jobs
        .iter()
        .any(|j| matches!(j.format, SourceFormat::Vcf | SourceFormat::Bcf));
    let alignments = jobs.iter().any(|j| {
        matches!(
            j.format,
            SourceFormat::Sam | SourceFormat::Bam | SourceFormat::Cram
        )
    });
    if !variants && !alignments {
        if let Some(r) = &options.reference {
            return Err(Error::Input {
                path: r.clone(),
                detail: "--reference is for VCF, BCF, SAM, BAM and CRAM inputs, and there are none"
                    .into(),
            });
        }
        return Ok(None);
    }
    let fasta: Vec<&Job> = jobs
        .iter()
        .filter(|j| j.format == SourceFormat::Fasta && j.inputs.len() == 1)
        .collect();
    let same_file = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    match &options.reference {
        Some(r) => {
            if is_stdin(r) {
                return Err(usage("--reference must be a file, not standard input"));
            }
            if !r.is_file() {
                return Err(Error::Input {
                    path: r.clone(),
                    detail: "the reference is not a file".into(),
                });
            }
            let input = fasta.iter().find(|j| same_file(&j.inputs[0].path, r));
            Ok(Some(crate::ReferenceSpec {
                path: r.clone(),
                dataset: input.map(|j| j.name.clone()),
            }))
        }
        None if !variants => Ok(None),
        None => match fasta.as_slice() {
            [one] if !is_stdin(&one.inputs[0].path) && one.inputs[0].path.is_file() => {
                Ok(Some(crate::ReferenceSpec {
                    path: one.inputs[0].path.clone(),
                    dataset: Some(one.name.clone()),
                }))
            }
            _ => Ok(None),
        },
    }
}

/// Convert `options.inputs` into `options.output`: each input (or FASTQ
/// pair) becomes one dataset. `progress(done, total)` counts input bytes
/// read (`total` 0 when an input is a stream); `events` hears warnings and
/// each dataset written. On any error nothing is left at the output path
/// (an existing file there is untouched).
pub fn convert(
    options: &ConvertOptions,
    progress: Progress<'_>,
    events: &mut (dyn FnMut(Event<'_>) + Send),
) -> Result<ConvertSummary> {
    match options.threads {
        Some(0) => Err(usage("threads must be at least 1")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| usage(format!("threads: {e}")))?;
            pool.install(|| convert_here(options, progress, events))
        }
        None => convert_here(options, progress, events),
    }
}

fn convert_here(
    options: &ConvertOptions,
    progress: Progress<'_>,
    events: &mut (dyn FnMut(Event<'_>) + Send),
) -> Result<ConvertSummary> {
    if options.output.is_dir() {
        return Err(Error::Output {
            path: options.output.clone(),
            detail: "it is a directory; give a file name such as OUT.gcol".into(),
        });
    }
    let jobs = plan(options, events)?;
    let (jobs, schema_tables) = schema_tables(options, jobs)?;
    let reference = reference_of(options, &jobs)?;
    let total = input_size(&options.inputs).unwrap_or(0);
    let mut writer = Writer::create(&options.output, options.write.clone())?;
    let page_bytes = options.page_kib.max(1) << 10;
    let mut base = 0u64;
    let mut uncompressed = 0u64;
    let mut datasets = Vec::new();
    for mut job in jobs {
        let sources: Vec<PathBuf> = job.inputs.iter().map(|i| i.path.clone()).collect();
        let report = |done: u64, _: u64| progress(base + done, total);
        let alignment_format = match job.format {
            SourceFormat::Sam => Some(crate::AlignmentFormat::Sam),
            SourceFormat::Bam => Some(crate::AlignmentFormat::Bam),
            SourceFormat::Cram => Some(crate::AlignmentFormat::Cram),
            _ => None,
        };
        // A CSV/TSV input is an edge table (a graph) when its header names
        // source and target columns or graph options are given, else a table.
        let mut peeked = None;
        let mut as_table = matches!(job.format, SourceFormat::Gff3 | SourceFormat::Gtf);
        if matches!(job.format, SourceFormat::Csv | SourceFormat::Tsv) {
            let mut input = job.inputs.into_iter().next().expect("one input").open()?;
            let delimiter = if job.format == SourceFormat::Csv {
                b','
            } else {
                b'\t'
            };
            let head = std::io::BufRead::fill_buf(&mut input.reader).map_err(|source| {
                gcol_writer::Error::Source {
                    path: sources[0].clone(),
                    source,
                }
            })?;
            let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
            let graph_options = options.directed.is_some()
                || options.source_column.is_some()
                || options.target_column.is_some();
            as_table = !graph_options && !crate::graph::table::is_edge_table(first_line, delimiter);
            peeked = Some(input);
            job.inputs = Vec::new();
        }
        let dataset = if matches!(
            job.format,
            SourceFormat::GenBank | SourceFormat::AntismashJson
        ) {
            let o = options.table_options(&job.name);
            let input = job.inputs.into_iter().next().expect("one input").open()?;
            let s = if job.format == SourceFormat::GenBank {
                crate::import_genbank(&mut writer, input, &o, &report)?
            } else {
                crate::import_antismash(&mut writer, input, &o, &report)?
            };
            if let Some(q) = &s.sequences {
                let report = DatasetReport {
                    name: q.dataset.clone(),
                    sources: sources.clone(),
                    format: job.format,
                    records: q.records,
                    samples: 0,
                    nodes: 0,
                    pathways: 0,
                    residues: q.residues,
                    alphabet: q.alphabet,
                    paired: false,
                    exact_export: true,
                    source_bytes: 0,
                    uncompressed_bytes: 0,
                };
                events(Event::Dataset(&report));
                datasets.push(report);
            }
            DatasetReport::table(sources, job.format, s.table)
        } else if job.format == SourceFormat::Parquet {
            let o = options.table_options(&job.name);
            let s = crate::import_parquet(&mut writer, &sources[0], &o, &report)?;
            DatasetReport::table(sources, job.format, s)
        } else if as_table {
            let o = options.table_options(&job.name);
            let input = match peeked.take() {
                Some(input) => input,
                None => job.inputs.into_iter().next().expect("one input").open()?,
            };
            let s = match job.format {
                SourceFormat::Csv => crate::import_table(&mut writer, input, b',', &o, &report)?,
                SourceFormat::Tsv => crate::import_table(&mut writer, input, b'\t', &o, &report)?,
                format => crate::import_features(
                    &mut writer,
                    input,
                    format == SourceFormat::Gtf,
                    &o,
                    &report,
                )?,
            };
            for w in &s.warnings {
                events(Event::Warning(format!("{}: {w}", sources[0].display())));
            }
            DatasetReport::table(sources, job.format, s)
        } else if job.format.is_graph() {
            let mut o = crate::GraphOptions::new(job.name.clone());
            o.zstd_level = options.zstd_level.max(1);
            o.directed = options.directed;
            o.source_column = options.source_column.clone();
            o.target_column = options.target_column.clone();
            o.plain_topology = options.compression == ReadCompression::Fast;
            o.cancel = options.cancel.clone();
            let input = match peeked.take() {
                Some(input) => input,
                None => job.inputs.into_iter().next().expect("one input").open()?,
            };
            let s = crate::import_graph(&mut writer, input, job.format, &o, &report)?;
            for w in &s.warnings {
                events(Event::Warning(format!("{}: {w}", sources[0].display())));
            }
            DatasetReport {
                name: job.name,
                sources,
                format: job.format,
                records: s.edges,
                nodes: s.nodes,
                pathways: s.pathways,
                samples: 0,
                residues: 0,
                alphabet: "",
                paired: false,
                exact_export: true,
                source_bytes: s.source_bytes,
                uncompressed_bytes: s.input_bytes,
            }
        } else if let Some(format) = alignment_format {
            let mut o = crate::AlignmentOptions::new(job.name.clone());
            o.compression = if options.format_minor() >= 5 {
                options.compression
            } else {
                ReadCompression::Fast
            };
            o.zstd_level = options.zstd_level.max(1);
            // Alignments use a reference only when --reference names one
            // (the one-FASTA default is for variants).
            o.reference = reference.clone().filter(|_| options.reference.is_some());
            o.cancel = options.cancel.clone();
            let s = crate::import_alignments(&mut writer, &sources[0], format, &o, &report)?;
            if let Some(r) = &o.reference {
                if !s.absent_contigs.is_empty() {
                    events(Event::Warning(format!(
                        "{}: the reference {} lacks {}; bases of records there are stored whole",
                        job.name,
                        r.path.display(),
                        s.absent_contigs.join(", ")
                    )));
                }
                if r.dataset.is_none() {
                    events(Event::Warning(format!(
                        "{}: bases are coded against {}, outside this file: reading them needs it again (`gcol view -T`, `gcol.open(..., reference=...)`); give it as an input too to keep it in the file",
                        job.name,
                        r.path.display()
                    )));
                }
            }
            DatasetReport {
                name: job.name,
                sources,
                format: job.format,
                records: s.records,
                samples: 0,
                nodes: 0,
                pathways: 0,
                residues: s.bases,
                alphabet: "",
                paired: false,
                exact_export: true,
                source_bytes: s.source_bytes,
                uncompressed_bytes: s.source_bytes,
            }
        } else if matches!(job.format, SourceFormat::Vcf | SourceFormat::Bcf) {
            variants_job(
                job,
                sources,
                options,
                reference.clone(),
                &mut writer,
                &report,
                events,
            )?
        } else {
            let inputs = job
                .inputs
                .into_iter()
                .map(SniffedInput::open)
                .collect::<gcol_writer::Result<Vec<_>>>()?;
            match job.format {
                SourceFormat::Fastq => {
                    let mut o = FastqOptions::new(job.name.clone());
                    o.zstd_level = options.zstd_level;
                    o.page_bytes = page_bytes;
                    o.binning = options.binning.clone();
                    o.compression = options.compression;
                    o.names = options.fastq_names;
                    o.cancel = options.cancel.clone();
                    o.format_minor = options.format_minor();
                    let s = import_fastq_from(&mut writer, inputs, &o, &report)?;
                    DatasetReport {
                        name: job.name,
                        sources,
                        format: job.format,
                        records: s.reads,
                        samples: 0,
                        nodes: 0,
                        pathways: 0,
                        residues: s.bases,
                        alphabet: "nucleotide",
                        paired: s.paired,
                        exact_export: true,
                        source_bytes: s.source_bytes,
                        uncompressed_bytes: s.input_bytes,
                    }
                }
                _ => {
                    let mut o = FastaOptions::new(job.name.clone());
                    o.alphabet = options.alphabet;
                    // The reference of coded bases or alleles must read as
                    // nucleotides: an auto-detected protein (a FASTA masked
                    // with X) is refused with the reason, not stored as one.
                    let is_reference = reference.as_ref().and_then(|r| r.dataset.as_deref())
                        == Some(job.name.as_str());
                    if is_reference && o.alphabet == Alphabet::Auto {
                        o.alphabet = Alphabet::Nucleotide;
                    }
                    o.zstd_level = options.zstd_level;
                    if let Some(level) = options.protein_zstd_level {
                        o.protein_zstd_level = level;
                        o.text_zstd_level = level.max(1);
                    }
                    o.page_bytes = page_bytes;
                    o.names = options.fasta_names;
                    o.cancel = options.cancel.clone();
                    o.format_minor = options.format_minor();
                    let input = inputs.into_iter().next().expect("one input");
                    let s = import_fasta_from(&mut writer, input, &o, &report)?;
                    DatasetReport {
                        name: job.name,
                        sources,
                        format: job.format,
                        records: s.records,
                        samples: 0,
                        nodes: 0,
                        pathways: 0,
                        residues: s.residues,
                        alphabet: s.alphabet,
                        paired: false,
                        exact_export: s.exact_export,
                        source_bytes: s.source_bytes,
                        uncompressed_bytes: s.input_bytes,
                    }
                }
            }
        };
        base += dataset.source_bytes;
        uncompressed += dataset.uncompressed_bytes;
        if dataset.records == 0 {
            let what = match dataset.format {
                SourceFormat::Vcf | SourceFormat::Bcf => "has no variants",
                SourceFormat::Sam | SourceFormat::Bam | SourceFormat::Cram => "has no alignments",
                _ if dataset.alphabet == "table" => "has no rows",
                f if f.is_graph() => "has no edges",
                _ => "is empty",
            };
            events(Event::Warning(format!(
                "{} holds no records: dataset {:?} {what}",
                dataset.sources[0].display(),
                dataset.name
            )));
        }
        events(Event::Dataset(&dataset));
        datasets.push(dataset);
    }
    for table in schema_tables {
        let sources = vec![table.path().to_path_buf()];
        let format = if table.source_format() == "tsv" {
            SourceFormat::Tsv
        } else {
            SourceFormat::Csv
        };
        let s = crate::table::genomics::write_table(&mut writer, table, options.zstd_level)?;
        base += s.source_bytes;
        uncompressed += s.input_bytes;
        let dataset = DatasetReport::table(sources, format, s);
        events(Event::Dataset(&dataset));
        datasets.push(dataset);
    }
    let output_bytes = writer.finish()?;
    progress(base, total.max(base));
    Ok(ConvertSummary {
        datasets,
        input_bytes: base,
        uncompressed_bytes: uncompressed,
        output_bytes,
    })
}

/// Import one VCF or BCF job (spec 14). VCF is read twice (the first pass
/// checks order and sizes the arrays): a stream is first copied,
/// decompressed, to a temporary file beside the output (removed afterwards).
fn variants_job(
    job: Job,
    sources: Vec<PathBuf>,
    options: &ConvertOptions,
    reference: Option<crate::ReferenceSpec>,
    writer: &mut gcol_writer::FileWriter,
    report: Progress<'_>,
    events: &mut (dyn FnMut(Event<'_>) + Send),
) -> Result<DatasetReport> {
    let given = sources[0].clone();
    let mut spool = None;
    if is_stdin(&given) || !given.is_file() {
        if job.format == SourceFormat::Bcf {
            return Err(Error::Input {
                    path: given,
                    detail: "BCF is read twice; give a file, not a stream (or stream VCF: `bcftools view in.bcf | gcol convert - -o out.gcol`)".into(),
                });
        }
        let dir = match options.output.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut file = tempfile::Builder::new()
            .prefix(".gcol-stream-")
            .suffix(".vcf.tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::Output {
                path: options.output.clone(),
                detail: format!("cannot copy the stream to {}: {e}", dir.display()),
            })?;
        let mut input = job.inputs.into_iter().next().expect("one input").open()?;
        std::io::copy(&mut input.reader, &mut file).map_err(|source| {
            gcol_writer::Error::Source {
                path: given.clone(),
                source,
            }
        })?;
        spool = Some(file);
    }
    let path = spool
        .as_ref()
        .map_or_else(|| given.clone(), |f| f.path().to_path_buf());
    let path = &path;
    let mut o = VcfOptions::new(job.name.clone());
    if spool.is_some() {
        o.source_name = Some(if is_stdin(&given) {
            "stdin".into()
        } else {
            given.display().to_string()
        });
    }
    o.zstd_level = options.zstd_level;
    o.cancel = options.cancel.clone();
    o.reference = reference;
    let mut warnings = Vec::new();
    let s = import_vcf(
        writer,
        path,
        job.format == SourceFormat::Bcf,
        &o,
        report,
        &mut |w| warnings.push(w),
    )?;
    for w in warnings {
        events(Event::Warning(w));
    }
    Ok(DatasetReport {
        name: job.name,
        sources,
        format: job.format,
        records: s.records,
        samples: s.samples,
        nodes: 0,
        pathways: 0,
        residues: 0,
        alphabet: "",
        paired: false,
        exact_export: true,
        source_bytes: s.source_bytes,
        uncompressed_bytes: s.text_bytes,
    })
}
