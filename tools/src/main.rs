//! `gcol`: command-line access to `.gcol` files.
//!
//! Exit codes (stable, for scripts): 0 success; 1 the file is invalid or
//! corrupt, or a lookup failed (no such dataset/column/sequence, row out of
//! range); 2 usage error; 3 I/O error (cannot open, read or write); 4 a
//! malformed input file given to `convert`.

mod cat;
mod convert;
mod copy;
mod depth;
mod dump;
mod exit;
mod export;
mod fetch;
mod graph;
mod inspect;
mod motif;
mod progress;
mod sample;
mod schema;
mod search;
mod stats;
mod verify;
mod view;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: reading a variants dataset
/// makes many small allocations (a site's alleles, IDs and keys), and
/// glibc's malloc and its returns of memory to the kernel (page faults on
/// reuse) cost about a third of `gcol view -s` on the 2,000-sample cohort.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Columnar container for genomics: inspect, verify and read .gcol files.
#[derive(Parser)]
#[command(
    name = "gcol",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 success; 1 invalid or corrupt file, or failed lookup; 2 usage error; 3 I/O error; 4 malformed input to convert.\nFormat specification: spec/gcol-v1.md in the gcol repository."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert FASTA, FASTQ, VCF, BCF, SAM, BAM and CRAM files, graphs
    /// (SBML, COBRA JSON, CX/CX2, KGML, edge tables in CSV/TSV with a
    /// header), annotations (GFF3, GTF, GenBank, antiSMASH results JSON:
    /// a feature table, with the record sequences as NAME.sequences) and
    /// tables (CSV, TSV, Parquet), plain, gzip or BGZF, into one .gcol
    /// file; each input (or FASTQ pair) becomes a dataset named after the
    /// file. A VCF must be
    /// sorted (contigs together, POS rising); SAM/BAM/CRAM records keep
    /// their order.
    Convert {
        /// Input files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output .gcol file (written to a temporary file, then renamed).
        #[arg(short, long)]
        output: PathBuf,
        /// Dataset name for each input, in order (default: file name without extensions).
        #[arg(long = "name")]
        names: Vec<String>,
        /// Residue alphabet: auto, nucleotide (2-bit) or protein (bytes).
        #[arg(long, default_value = "auto", value_parser = ["auto", "nucleotide", "protein"])]
        alphabet: String,
        /// zstd level of residue pages (0 = uncompressed, zero-copy reads);
        /// default 9 for bases, 15 for protein residues (they compress less,
        /// and slower levels pay there).
        #[arg(long)]
        zstd_level: Option<i32>,
        /// Base page size in KiB of packed bases (4 bases per byte).
        #[arg(long, default_value_t = gcol_import::DEFAULT_PAGE_KIB)]
        page_kib: usize,
        /// Keep FASTA records with empty or repeated names (fetch finds the
        /// first). Repeated FASTQ read names are kept anyway.
        #[arg(long, conflicts_with = "strict_names")]
        lenient_names: bool,
        /// Refuse repeated FASTQ read names too (checked in bounded memory:
        /// sorted runs of name hashes, merged at the end).
        #[arg(long)]
        strict_names: bool,
        /// FASTQ inputs come in pairs (R1 R2 ...); each pair becomes one
        /// dataset with reads interleaved and a mate column.
        #[arg(long)]
        paired: bool,
        /// FASTQ qualities: lossless (default), illumina8, max-error:E (every
        /// value kept within E of what was read, in bins of 2E+1), or a
        /// table such as `0-9:6,10-29:20,30-93:37` (lossy; recorded in the
        /// manifest).
        #[arg(long, default_value = "lossless")]
        quality_binning: String,
        /// FASTQ: speed against size. `default` codes qualities with a
        /// context model and read names as tokens against earlier names
        /// (quality-model, name-tokens; format 1.5; 19% smaller than zstd
        /// pages on Illumina reads), qualities after the first 256 Ki
        /// values in small pages primed by the first (format 1.8: one read
        /// from a cold page in about 1 ms); `archive` also chooses the quality
        /// model for every page, uses larger pages and codes bases with an
        /// order-11 model (smallest; slower to read); `fast` keeps zstd
        /// pages (quickest to write and to read one read from).
        /// [default: default]
        #[arg(long, value_parser = ["fast", "default", "archive"])]
        compression: Option<String>,
        /// Reference (FASTA, plain/gzip/BGZF, or .gcol) of VCF/BCF and
        /// SAM/BAM/CRAM inputs. VCF/BCF: every REF is checked against it,
        /// mismatches are reported and listed by `gcol inspect`; when the
        /// reference is also an input (`gcol convert ref.fa calls.vcf.gz
        /// --reference ref.fa`), REF is stored only where it differs from
        /// that dataset, otherwise REF stays text, so the file never needs
        /// another one; with no --reference, a conversion with one FASTA
        /// input uses it. SAM/BAM/CRAM: bases are stored only where they
        /// differ from it (as CRAM does) and the @SQ of every reference
        /// records use is checked (LN, and M5 where given); when the reference is also an input
        /// the file holds it, otherwise reading bases needs it again
        /// (`gcol view -T`). CRAM inputs are decoded against it.
        #[arg(long, value_name = "FASTA|GCOL")]
        reference: Option<PathBuf>,
        /// Worker threads for encoding pages and decompressing BGZF input,
        /// like samtools' -@ (default: one per core); the parser and a
        /// reading thread come on top. The output does not depend on it.
        #[arg(short = '@', long)]
        threads: Option<usize>,
        /// Edge tables: the edges are undirected (default: directed).
        #[arg(long)]
        undirected: bool,
        /// Edge tables: the column of source nodes (default: a column named
        /// source, from, src, node1, ..., else the first).
        #[arg(long, value_name = "COLUMN")]
        source_column: Option<String>,
        /// Edge tables: the column of target nodes (default: target, to,
        /// dst, node2, ..., else the second).
        #[arg(long, value_name = "COLUMN")]
        target_column: Option<String>,
        /// Read the CSV/TSV inputs as tables of a built-in schema
        /// (`genomics`: see `gcol schema`): each is the table it is named
        /// after (samples.csv is `samples`), typed by the schema, and its
        /// keys (required values, primary keys, foreign keys, sequence
        /// datasets and records) are checked before anything is written.
        #[arg(long, value_name = "NAME")]
        schema: Option<String>,
        /// CSV/TSV tables: give columns their types instead of inferring
        /// them from the cells, `NAME=TYPE` (int64, float64, bool, string,
        /// timestamp, list<T> of those), comma-separated or repeated; a
        /// cell that is not of its type stops the conversion, naming it.
        #[arg(long, value_name = "NAME=TYPE", value_delimiter = ',')]
        types: Vec<String>,
        /// Write the 1.0 layout (every column in the page area, the manifest
        /// uncompressed, protein residues in record order) so that gcol 1.0
        /// readers can read the file; by default tiny columns go inline in a
        /// compressed footer (spec 2.5) and similar proteins are stored
        /// together (spec 12.5, format 1.2).
        #[arg(long)]
        no_compact: bool,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print regions as FASTA, like `samtools faidx` (or FASTQ from reads
    /// with `-f`, like `samtools fqidx`).
    ///
    /// Regions use samtools syntax, 1-based inclusive: `chr1`,
    /// `chr1:1000-2000`, `chr1:1,000`, `{name:with:colons}:5-9`. Output is
    /// byte-identical to samtools' for the same options, including the
    /// header it prints for a region that names no record.
    Fetch {
        /// The .gcol file.
        file: PathBuf,
        /// Regions.
        regions: Vec<String>,
        /// File of regions in the same syntax, one per line (fetched before
        /// those on the command line, as samtools does).
        #[arg(short = 'r', long)]
        region_file: Option<PathBuf>,
        /// Also fetch the regions of a BED file (0-based, half-open; after
        /// the others).
        #[arg(long)]
        bed: Option<PathBuf>,
        /// Reverse-complement each region (FASTQ qualities are reversed).
        #[arg(short = 'i', long)]
        reverse_complement: bool,
        /// Strand mark added to each header: `rc` (`/rc` on reverse-complemented
        /// regions), `no`, `sign` (`(+)`/`(-)`) or `custom,<pos>,<neg>`.
        #[arg(long, default_value = "rc", value_parser = fetch::MarkStrand::parse)]
        mark_strand: fetch::MarkStrand,
        /// Residues per output line (0 = one line).
        #[arg(short = 'n', long, alias = "length", default_value_t = 60)]
        width: usize,
        /// Print FASTQ (bases and qualities) from a reads dataset, like
        /// `samtools fqidx`.
        #[arg(short = 'f', long)]
        fastq: bool,
        /// Go on after a region that names no record (warning, exit 0), as
        /// `samtools faidx -c` does; without it such a region stops the run
        /// with exit code 1.
        #[arg(short = 'c', long = "continue")]
        continue_on_missing: bool,
        /// Write to this file (replaced only when the run succeeds) instead
        /// of standard output.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Only look in this dataset.
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Export sequences to FASTA (byte-exact for uniformly wrapped input),
    /// reads to FASTQ, variants to VCF, BGZF VCF or BCF (by the output's
    /// extension: .vcf, .vcf.gz, .bcf), optionally for regions and samples,
    /// alignments to SAM or BAM, or graphs to GraphML, Cytoscape.js JSON
    /// (.cyjs), DOT, SVG (drawn by Graphviz) or an edge table (.csv, .tsv),
    /// whole or a --subgraph.
    Export {
        /// The .gcol file.
        file: PathBuf,
        /// Variants only: regions (`chr`, `chr:beg-end`, 1-based inclusive).
        regions: Vec<String>,
        /// Variants only: comma-separated samples to keep (`^A,B` keeps all
        /// others); AC and AN are recomputed as `bcftools view -s` does.
        #[arg(short = 's', long)]
        samples: Option<String>,
        /// Variants only: file of samples to keep, one per line.
        #[arg(short = 'S', long)]
        samples_file: Option<PathBuf>,
        /// Output path (replaced only when the export succeeds); the format
        /// comes from its extension unless --format is given. Without it, or
        /// with `-`, the records go to standard output (FASTQ for reads,
        /// FASTA otherwise, unless --format says).
        #[arg(short, long, default_value = "-")]
        output: PathBuf,
        /// Output format: fasta, fastq, vcf, vcf.gz or bcf.
        #[arg(long)]
        format: Option<String>,
        /// Paired reads: write only mate 1 or 2.
        #[arg(long)]
        mate: Option<u8>,
        /// Only this dataset.
        #[arg(long)]
        dataset: Option<String>,
        /// Rewrap every record at this width (0 = one line per sequence).
        #[arg(long)]
        width: Option<u32>,
        /// No progress bar.
        #[arg(short, long)]
        quiet: bool,
        /// Alignments: the reference the bases were coded against when it
        /// is outside the file (FASTA or .gcol; matched by each contig's
        /// length and MD5).
        #[arg(short = 'T', long = "reference", value_name = "FASTA|GCOL")]
        reference: Option<PathBuf>,
        /// Graphs: export only a subgraph: `pathway:ID`, `khop:NODE:K`
        /// (the nodes within K hops, both directions) or node ids separated
        /// by commas, with the edges among them.
        #[arg(long, value_name = "SPEC")]
        subgraph: Option<String>,
    },
    /// Query a graph dataset: neighbours, k-hop neighbourhoods, shortest
    /// paths, components, pathways, nodes and edges filtered by attribute.
    ///
    /// Node ids are the source's (SBML and COBRA ids, CX node ids, KGML
    /// entry ids, edge-table names). Queries follow out-edges in a
    /// directed graph unless -d says otherwise.
    Graph {
        /// The .gcol file.
        file: PathBuf,
        /// The graph dataset (default: the file's only graph).
        #[arg(long, global = true)]
        dataset: Option<String>,
        #[command(subcommand)]
        query: graph::GraphQuery,
    },
    /// Rows of a table whose attributes match, through its attribute
    /// index: `NAME=VALUE` (exact), `NAME=PREFIX*` (prefix), or for a
    /// column `NAME=LOW..HIGH` (numbers); several terms must all match.
    /// A NAME that is a column (`type`, `seqid`, `start`, ...) compares
    /// that column; `attr:NAME=...` searches the attribute of that name
    /// instead. Feature tables print their records as in the source
    /// (GFF3/GTF lines, GenBank entries, antiSMASH JSON objects one per
    /// line).
    ///
    /// Example: `gcol search genes.gcol locus_tag=AT1G01010`,
    /// `gcol search genes.gcol product=kinase* type=gene`,
    /// `gcol search genes.gcol attr:source=RefSeq`.
    Search {
        /// The .gcol file.
        file: PathBuf,
        /// Terms: NAME=VALUE, NAME=PREFIX* or NAME=LOW..HIGH (attr:NAME
        /// for an attribute named like a column).
        #[arg(required = true)]
        terms: Vec<String>,
        /// The table (default: the file's only table).
        #[arg(long)]
        dataset: Option<String>,
        /// Print row numbers (0-based) instead of rows.
        #[arg(long, conflicts_with = "count")]
        rows: bool,
        /// Print only how many rows match.
        #[arg(short, long)]
        count: bool,
    },
    /// The built-in genomics schema: tables experiments, samples, genes,
    /// gene_variants, gene_expression, sequences, alignments and metadata
    /// with their columns, types and keys (`--json` for a machine-readable
    /// form). With FILE, its genomics tables and a check of their keys.
    ///
    /// Fill it with `gcol convert --schema genomics samples.csv genes.csv
    /// ... -o study.gcol`.
    Schema {
        /// A .gcol file whose tables to check.
        file: Option<PathBuf>,
        /// Print the schema as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Per-base depth of an alignments dataset, like `samtools depth`.
    ///
    /// Counts M, = and X bases of records without the -G flags (default
    /// UNMAP, SECONDARY, QCFAIL, DUP), deletions and skips not counted;
    /// prints reference, 1-based position and depth, positions of depth 0
    /// only with -a.
    Depth(depth::DepthArgs),
    /// Per-base counts of an alignments dataset: the A, C, G and T bases
    /// and the deletions at each position.
    ///
    /// Counts the bases of M, = and X operations (N and other codes not
    /// counted) and D operations (not N skips) of records without the -G
    /// flags (default UNMAP, SECONDARY, QCFAIL, DUP, as `samtools depth`),
    /// whatever their base quality; prints reference, 1-based position, A,
    /// C, G, T and deletions, tab-separated (pysam's `count_coverage` with
    /// deletions; Python `pileup`), positions with no count only with -a.
    /// Example: `gcol pileup reads.gcol -r chr1:10000-10100`.
    Pileup(depth::DepthArgs),
    /// Print VCF records of a variants dataset, like `bcftools view`, or
    /// SAM records of an alignments dataset, like `samtools view`.
    ///
    /// Alignments: regions are 1-based and inclusive (`chr1`,
    /// `chr1:1000-2000`); a record is printed when its span (POS over the
    /// CIGAR's reference length) overlaps a region, per region in file
    /// order; -f/-F/-q filter by FLAG and MAPQ; -h adds the header and -H
    /// prints only the header (samtools' meanings); -b or `-o x.bam` writes
    /// BAM.
    ///
    /// Variants:
    /// Regions are 1-based and inclusive (`20`, `20:1000000-1100000`); a
    /// record is printed when it overlaps a region (its span runs from POS
    /// over REF, or to INFO/END), once, in file order. With -s/-S the
    /// samples are printed in the order given and INFO/AC and INFO/AN are
    /// recomputed from their genotypes, unless -I.
    #[command(disable_help_flag = true)]
    View(view::ViewArgs),
    /// Find exact occurrences of a motif on both strands (case-insensitive).
    ///
    /// Prints BED lines (name, 0-based start, end, strand), or with --count
    /// a table of forward, reverse and total hits per region.
    Motif {
        /// The .gcol file.
        file: PathBuf,
        /// The motif (letters; matched exactly, ignoring case).
        pattern: String,
        /// Regions in samtools syntax (default: every record).
        regions: Vec<String>,
        /// Only this dataset.
        #[arg(long)]
        dataset: Option<String>,
        /// Only the forward strand.
        #[arg(long)]
        forward_only: bool,
        /// Print counts per region instead of positions.
        #[arg(long)]
        count: bool,
    },
    /// Base composition per record or region: length, A, C, G, T, N, other,
    /// GC; for a variants dataset, the summary numbers of `bcftools stats`.
    ///
    /// GC = (G + C) / (A + C + G + T), case-insensitive; "other" counts
    /// IUPAC codes other than N, and gaps. For variants, regions select
    /// records as `gcol view` does.
    Stats {
        /// The .gcol file.
        file: PathBuf,
        /// Regions in samtools syntax (default: every record).
        regions: Vec<String>,
        /// Only this dataset.
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Show version, datasets, columns, encodings, page counts, sizes and provenance.
    Inspect {
        /// The .gcol file.
        file: PathBuf,
        /// Print JSON (stable field names) instead of text.
        #[arg(long)]
        json: bool,
        /// Also print each dataset's content hash: SHA-256 of its decoded
        /// values, the same whatever the page sizes, encodings, compression
        /// or chunk shapes, so two labs can confirm they hold the same data.
        /// Decodes every page.
        #[arg(long)]
        hash: bool,
    },
    /// Check every checksum and structural rule, and each dataset's record
    /// table; exit 0 when sound, 1 with the offset (or dataset, column and
    /// row) and what was expected when not.
    Verify {
        /// The .gcol file.
        file: PathBuf,
        /// No progress bar and no success message.
        #[arg(short, long)]
        quiet: bool,
        /// Also check every invariant of each dataset's kind (spec 8.4):
        /// every ambiguity and mask run, run index, page size, padding bit,
        /// flag and mate. Reads the run tables whole.
        #[arg(long)]
        deep: bool,
        /// With --deep: the reference alignments were coded against when it
        /// is outside the file (FASTA or .gcol); without it their bases are
        /// not decoded, and a warning says so.
        #[arg(short = 'T', long = "reference", value_name = "FASTA|GCOL")]
        reference: Option<PathBuf>,
    },
    /// Copy a .gcol file as a verified backup: every checksum of the source
    /// is checked, the copy is written beside DST, read back and checked the
    /// same way, and only then renamed to DST. A damaged source leaves DST
    /// untouched (exit 1). Restore with the same command the other way.
    Copy {
        /// The .gcol file to copy.
        source: PathBuf,
        /// Destination file, or a directory to copy into.
        destination: PathBuf,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// A smaller file for sharing: some datasets of FILE, and of its
    /// variants datasets the records of some regions and some samples (as
    /// `bcftools view -r REGIONS -s SAMPLES`: records overlapping a region,
    /// AC and AN recomputed for the samples kept). Pages that lie wholly
    /// inside the selection are copied as stored (checksums checked), the
    /// others encoded again; the datasets a kept one needs (a feature
    /// table's sequences, a reference) come along whole. Provenance records
    /// FILE's SHA-256, the content hash of each dataset cut and the
    /// selection. The new file is verified before it takes the name OUT.
    ///
    /// Examples: `gcol subset study.gcol --dataset genes -o genes.gcol`;
    /// `gcol subset calls.gcol chr20:1-2000000 -s NA12878,NA12891 -o trio.gcol`.
    Subset {
        /// The .gcol file to take datasets from.
        file: PathBuf,
        /// Regions of variants datasets to keep (`chr`, `chr:pos`,
        /// `chr:beg-end`, 1-based inclusive).
        regions: Vec<String>,
        /// Output .gcol file.
        #[arg(short, long)]
        output: PathBuf,
        /// A dataset to keep (repeat for several; default: every dataset).
        #[arg(long = "dataset")]
        datasets: Vec<String>,
        /// Comma-separated regions (as bcftools -r).
        #[arg(short = 'r', long = "regions")]
        region_list: Option<String>,
        /// File of regions: `chr:beg-end` per line, or tab-separated CHROM, BEG, END.
        #[arg(short = 'R', long)]
        regions_file: Option<PathBuf>,
        /// Comma-separated samples to keep, in this order (`^A,B` keeps all others).
        #[arg(short = 's', long)]
        samples: Option<String>,
        /// File of samples to keep, one per line (`^FILE` excludes them).
        #[arg(short = 'S', long)]
        samples_file: Option<PathBuf>,
        /// Keep no sample: the sites alone, as `bcftools view -G` (AC and
        /// AN keep the values every sample gave).
        #[arg(short = 'G', long)]
        drop_genotypes: bool,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// One file of every dataset of several: pages copied as stored
    /// (nothing re-encoded). A dataset found again with the same content
    /// is taken once. Variants datasets of one name with other samples on
    /// the same sites are joined, as `bcftools merge` joins them: samples
    /// side by side, ID/QUAL/FILTER/INFO from the first file, AC and AN
    /// recomputed, DP and DP4 summed, FORMAT keys the union (a field a
    /// file lacks is `.` for its samples). Other datasets of one name, or
    /// variants on different sites, or a sample in two files, are refused
    /// (exit 2): subset or edit one file first. File metadata: the first
    /// file's value of each key.
    ///
    /// Examples: `gcol merge genome.gcol annotation.gcol -o both.gcol`;
    /// `gcol merge cohort_a.gcol cohort_b.gcol -o cohort.gcol`.
    Merge {
        /// The .gcol files, in the order their datasets are written.
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        /// Output .gcol file.
        #[arg(short, long)]
        output: PathBuf,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// A new file from FILE with datasets dropped or added (CSV, TSV or
    /// Parquet tables) or file metadata keys set or removed; unchanged
    /// pages are copied as stored. OUT may be
    /// FILE itself: the new file replaces it only once written and
    /// verified.
    ///
    /// Example: `gcol edit study.gcol --drop old_calls --set owner=lab1 -o study.gcol`.
    Edit {
        /// The .gcol file.
        file: PathBuf,
        /// Output .gcol file (FILE itself to replace it).
        #[arg(short, long)]
        output: PathBuf,
        /// A dataset to leave out (repeat for several).
        #[arg(long)]
        drop: Vec<String>,
        /// A file metadata key to set: KEY=VALUE (repeat for several).
        #[arg(long)]
        set: Vec<String>,
        /// A file metadata key to remove (repeat for several).
        #[arg(long)]
        unset: Vec<String>,
        /// A CSV, TSV or Parquet table to add, as a dataset named after the
        /// file (repeat for several; `--drop NAME --add NAME.csv` replaces).
        #[arg(long)]
        add: Vec<PathBuf>,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// A file of an older format version (1.0 to 1.6) rewritten in the
    /// newest forms this gcol writes: the compact layout (small columns
    /// inline, one manifest frame), sequence names derived from the
    /// definition lines instead of stored (1.2), alignments' differences
    /// as substitution codes (1.6); every other page is copied as stored.
    /// FILE is verified deeply first; the new file is verified deeply and
    /// each dataset checked to hold the same values (content hashes, or
    /// the same SAM records) before it takes OUT's name, which may be FILE
    /// itself. The header records the lowest version the result needs
    /// (older readers still read it when it needs nothing newer).
    ///
    /// Example: `gcol upgrade old.gcol -o old.gcol`.
    Upgrade {
        /// The .gcol file.
        file: PathBuf,
        /// Output .gcol file (FILE itself to replace it).
        #[arg(short, long)]
        output: PathBuf,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print the values of one or more columns, tab-separated, one row per line.
    ///
    /// Rows are 0-based and half-open: `--start 10 --end 20` prints rows 10..19.
    Cat {
        /// The .gcol file.
        file: PathBuf,
        /// Dataset name.
        dataset: String,
        /// Column name (several are printed side by side, tab-separated).
        #[arg(required = true)]
        columns: Vec<String>,
        /// First row (0-based).
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// End row (exclusive); default: the last row.
        #[arg(long)]
        end: Option<u64>,
    },
    /// Print every decoded value of every column as JSON (binary values as
    /// hex), for comparing readers.
    Dump {
        /// The .gcol file.
        file: PathBuf,
        /// Only this dataset.
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Write a small sample file that uses every encoding (for demos and tests).
    Sample {
        /// Output path.
        #[arg(short, long)]
        output: PathBuf,
        /// Use the fixed timestamp so the output is byte-identical on every run.
        #[arg(long)]
        reproducible: bool,
    },
}

/// On SIGINT, SIGTERM or SIGHUP (Ctrl-C, a job scheduler, a closed
/// terminal): delete the temporary files being written, then exit 128 +
/// the signal (130, 143, 129), so an interrupted `convert` or `export`
/// leaves nothing behind. Installed when the first temporary is created
/// (commands that write nothing keep the default handlers and start no
/// thread).
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                gcol_writer::remove_temporaries();
                std::process::exit(128 + signal);
            }
        });
    }
}

fn main() -> ExitCode {
    gcol_writer::on_first_temporary(clean_up_on_signals);
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert {
            inputs,
            output,
            names,
            alphabet,
            zstd_level,
            page_kib,
            lenient_names,
            strict_names,
            paired,
            quality_binning,
            compression,
            reference,
            threads,
            undirected,
            source_column,
            target_column,
            schema,
            types,
            no_compact,
            quiet,
        } => {
            let binning = gcol_import::QualityBinning::parse(&quality_binning)
                .map_err(|e| exit::Failure::new(2, format!("--quality-binning: {e}")));
            let alphabet = gcol_import::Alphabet::parse(&alphabet)
                .map_err(|e| exit::Failure::new(2, format!("--alphabet: {e}")));
            match (binning, alphabet) {
                (Err(e), _) | (_, Err(e)) => Err(e),
                (Ok(binning), Ok(alphabet)) => {
                    let mut options = gcol_import::ConvertOptions::new(inputs, output);
                    options.names = names;
                    options.paired = paired;
                    options.alphabet = alphabet;
                    options.set_zstd_level(zstd_level);
                    options.page_kib = page_kib;
                    options.directed = undirected.then_some(false);
                    options.source_column = source_column;
                    options.target_column = target_column;
                    options.schema = schema;
                    options.types = types
                        .iter()
                        .map(|t| match t.split_once('=') {
                            Some((name, kind)) => (name.to_string(), kind.to_string()),
                            None => (t.clone(), String::new()),
                        })
                        .collect();
                    if let Some((name, kind)) = options
                        .types
                        .iter()
                        .find(|(_, k)| gcol_import::table::value_type(k).is_none())
                    {
                        return exit::Failure::new(
                            2,
                            format!(
                                "--types {name}={kind}: give NAME=TYPE, TYPE one of {}",
                                gcol_import::table::VALUE_TYPES.join(", ")
                            ),
                        )
                        .report();
                    }
                    options.binning = binning;
                    options.compression = gcol_import::ReadCompression::parse(
                        compression.as_deref().unwrap_or("default"),
                    )
                    .expect("clap checked the value");
                    options.threads = threads;
                    options.write.compact = !no_compact;
                    if let (true, Some(level)) = (no_compact, compression.as_deref()) {
                        if level != "fast" && !quiet {
                            eprintln!(
                                "warning: --no-compact writes the 1.0 layout: FASTQ qualities, \
                                 names and bases stay zstd pages (--compression {level} needs \
                                 format 1.5)"
                            );
                        }
                    }
                    options.reference = reference;
                    if lenient_names {
                        options.fasta_names = gcol_import::NamePolicy::Lenient;
                        options.fastq_names = gcol_import::NamePolicy::Lenient;
                    }
                    if strict_names {
                        options.fasta_names = gcol_import::NamePolicy::Strict;
                        options.fastq_names = gcol_import::NamePolicy::Strict;
                    }
                    convert::run(&options, quiet)
                }
            }
        }
        Command::Fetch {
            file,
            regions,
            region_file,
            bed,
            reverse_complement,
            mark_strand,
            width,
            fastq,
            continue_on_missing,
            output,
            dataset,
        } => fetch::run(fetch::FetchArgs {
            file,
            regions,
            region_file,
            bed,
            reverse_complement,
            mark_strand,
            width,
            fastq,
            continue_on_missing,
            output,
            dataset,
        }),
        Command::Export {
            file,
            regions,
            samples,
            samples_file,
            output,
            format,
            dataset,
            width,
            mate,
            quiet,
            reference,
            subgraph,
        } => export::run(export::ExportArgs {
            subgraph,
            reference,
            file,
            regions,
            samples,
            samples_file,
            output,
            format,
            dataset,
            width,
            mate,
            quiet,
        }),
        Command::Graph {
            file,
            dataset,
            query,
        } => graph::run(&file, dataset.as_deref(), query),
        Command::Search {
            file,
            terms,
            dataset,
            rows,
            count,
        } => search::run(&file, dataset.as_deref(), &terms, rows, count),
        Command::Schema { file, json } => schema::run(file.as_deref(), json),
        Command::View(args) => view::run(args),
        Command::Depth(args) => depth::run(args),
        Command::Pileup(args) => depth::pileup(args),
        Command::Motif {
            file,
            pattern,
            regions,
            dataset,
            forward_only,
            count,
        } => motif::run(motif::MotifArgs {
            file,
            pattern,
            regions,
            dataset,
            forward_only,
            count,
        }),
        Command::Stats {
            file,
            regions,
            dataset,
        } => stats::run(stats::StatsArgs {
            file,
            regions,
            dataset,
        }),
        Command::Inspect { file, json, hash } => inspect::run(&file, json, hash),
        Command::Verify {
            file,
            quiet,
            deep,
            reference,
        } => verify::run(&file, quiet, deep, reference.as_deref()),
        Command::Copy {
            source,
            destination,
            quiet,
        } => copy::run(&source, &destination, quiet),
        Command::Subset {
            file,
            regions,
            output,
            datasets,
            region_list,
            regions_file,
            samples,
            samples_file,
            drop_genotypes,
            quiet,
        } => view::region_texts(&regions, region_list.as_deref(), regions_file.as_deref())
            .and_then(|regions| {
                let mut samples = view::sample_names(samples.as_deref(), samples_file.as_deref())?;
                if drop_genotypes {
                    if samples.is_some() {
                        return Err(exit::Failure::new(2, "give -G or -s/-S, not both"));
                    }
                    samples = Some((Vec::new(), false));
                }
                let selection = gcol_import::Selection {
                    regions,
                    exclude_samples: samples.as_ref().is_some_and(|s| s.1),
                    samples: samples.map(|s| s.0),
                };
                copy::subset(&file, &output, &datasets, &selection, quiet)
            }),
        Command::Merge {
            files,
            output,
            quiet,
        } => copy::merge(&files, &output, quiet),
        Command::Edit {
            file,
            output,
            drop,
            set,
            unset,
            add,
            quiet,
        } => copy::edit(&file, &output, drop, &set, unset, add, quiet),
        Command::Upgrade {
            file,
            output,
            quiet,
        } => copy::upgrade(&file, &output, quiet),
        Command::Cat {
            file,
            dataset,
            columns,
            start,
            end,
        } => cat::run(&file, &dataset, &columns, start, end),
        Command::Dump { file, dataset } => dump::run(&file, dataset.as_deref()),
        Command::Sample {
            output,
            reproducible,
        } => sample::run(&output, reproducible),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
