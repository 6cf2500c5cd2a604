use std::io::Write;
use std::path::PathBuf;

use gcol_reader::ExportOptions;
use gcol_writer::AtomicFile;

use crate::exit::{CliResult, Failure, INPUT};
use crate::fetch::open_sequences;
use crate::progress::bytes_bar;

pub struct ExportArgs {
    pub file: PathBuf,
    pub regions: Vec<String>,
    pub samples: Option<String>,
    pub samples_file: Option<PathBuf>,
    pub output: PathBuf,
    pub format: Option<String>,
    pub dataset: Option<String>,
    pub width: Option<u32>,
    pub mate: Option<u8>,
    pub quiet: bool,
    pub reference: Option<PathBuf>,
    pub subgraph: Option<String>,
}

/// Whether the export is of a variants dataset (the one named, or the
/// file's only dataset kind).
fn is_variants(args: &ExportArgs) -> Result<bool, Failure> {
    let reader = gcol_reader::Reader::open(&args.file)?;
    let datasets = reader.datasets();
    Ok(match &args.dataset {
        Some(name) => datasets
            .iter()
            .any(|d| d.name == *name && gcol_reader::Variants::is_variants(d)),
        None => !datasets.is_empty() && datasets.iter().all(gcol_reader::Variants::is_variants),
    })
}

/// Variants to VCF, BGZF VCF or BCF, through the library's one writer.
fn run_variants(args: &ExportArgs) -> CliResult {
    use gcol_reader::variants::{write_vcf, VcfExport, VcfOutput, VcfWriteOptions};
    let reader = gcol_reader::Reader::open(&args.file)?;
    let variants = crate::view::open_variants(&reader, args.dataset.as_deref())?;
    let samples = crate::view::choose_samples(
        &variants,
        args.samples.as_deref(),
        args.samples_file.as_deref(),
    )?;
    let rows = crate::view::choose_rows(&variants, &args.regions, None, None)?;
    let to_stdout = args.output.as_os_str() == "-";
    let kind = match args
        .format
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("vcf") => VcfOutput::Vcf,
        Some("vcf.gz" | "vcf.bgz" | "z") => VcfOutput::VcfGz,
        Some("bcf") => VcfOutput::Bcf,
        Some(other) => {
            return Err(Failure::new(
                INPUT,
                format!(
                "unsupported export format {other:?} for variants (supported: vcf, vcf.gz, bcf)"
            ),
            ))
        }
        None if to_stdout => VcfOutput::Vcf,
        None => VcfOutput::from_path(&args.output),
    };
    let export = VcfExport {
        rows,
        write: VcfWriteOptions {
            samples,
            update_ac_an: true,
        },
        header: true,
        header_only: false,
    };
    if to_stdout {
        let stdout = std::io::stdout();
        write_vcf(&variants, &export, kind, stdout.lock())?.flush()?;
    } else {
        write_vcf(&variants, &export, kind, AtomicFile::create(&args.output)?)?.commit()?;
    }
    Ok(())
}

/// Alignments to SAM or BAM, through the library's one writer.
fn run_alignments(args: &ExportArgs, name: &str) -> CliResult {
    use gcol_reader::alignments::{write_alignments, AlignmentExport, AlignmentOutput};
    let reader = gcol_reader::Reader::open_with(
        &args.file,
        crate::view::read_options(!args.regions.is_empty()),
    )?;
    let alignments = crate::view::open_alignments(&reader, name, args.reference.as_deref())?;
    let regions = crate::view::alignment_regions(&alignments, &args.regions, None)?;
    let to_stdout = args.output.as_os_str() == "-";
    let kind = match args
        .format
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("sam") => AlignmentOutput::Sam,
        Some("bam") => AlignmentOutput::Bam,
        Some(other) => {
            return Err(Failure::new(
                INPUT,
                format!("unsupported export format {other:?} for alignments (supported: sam, bam)"),
            ))
        }
        None if to_stdout => AlignmentOutput::Sam,
        None => AlignmentOutput::from_path(&args.output),
    };
    let export = AlignmentExport {
        regions,
        header: true,
        ..Default::default()
    };
    if to_stdout {
        write_alignments(&alignments, &export, kind, std::io::stdout())?.flush()?;
    } else {
        write_alignments(
            &alignments,
            &export,
            kind,
            AtomicFile::create(&args.output)?,
        )?
        .commit()?;
    }
    Ok(())
}

/// The alignments dataset an export is of (the one named, or the file's
/// only dataset when it is one).
fn alignments_of(args: &ExportArgs) -> Result<Option<String>, Failure> {
    let reader = gcol_reader::Reader::open(&args.file)?;
    let datasets = reader.datasets();
    Ok(match &args.dataset {
        Some(name) => datasets
            .iter()
            .find(|d| d.name == *name && gcol_reader::Alignments::is_alignments(d))
            .map(|d| d.name.clone()),
        None => match datasets {
            [one] if gcol_reader::Alignments::is_alignments(one) => Some(one.name.clone()),
            _ => None,
        },
    })
}

/// Whether the export is of a graph dataset (the one named, or the file's
/// only dataset).
fn is_graph(args: &ExportArgs) -> Result<bool, Failure> {
    let reader = gcol_reader::Reader::open(&args.file)?;
    let kind = gcol_reader::format::schema::graph::KIND;
    let datasets = reader.datasets();
    Ok(match &args.dataset {
        Some(name) => datasets.iter().any(|d| d.name == *name && d.kind == kind),
        None => matches!(datasets, [one] if one.kind == kind),
    })
}

/// Does the export ask for Parquet (`--format parquet`, or `-o` ending in
/// `.parquet`)?
fn wants_parquet(args: &ExportArgs) -> bool {
    match args
        .format
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("parquet" | "pq") => true,
        Some(_) => false,
        None => {
            let lower = args.output.to_string_lossy().to_ascii_lowercase();
            lower.ends_with(".parquet") || lower.ends_with(".pq")
        }
    }
}

/// The dataset of a Parquet export through partitions: a variants,
/// sequences or reads dataset, or a table or graph written to a
/// directory (a table or graph to `x.parquet` keeps its own path).
fn parquet_partitions(args: &ExportArgs) -> Result<Option<String>, Failure> {
    if !wants_parquet(args) {
        return Ok(None);
    }
    let reader = gcol_reader::Reader::open(&args.file)?;
    let name = match &args.dataset {
        Some(name) => reader.dataset(name)?.name.clone(),
        None => match reader.datasets() {
            [one] => one.name.clone(),
            many => {
                return Err(Failure::new(
                    2,
                    format!(
                        "the file has {} datasets: name the one to export with --dataset ({})",
                        many.len(),
                        many.iter()
                            .map(|d| d.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
        },
    };
    let d = reader.dataset(&name)?;
    let table_like = gcol_reader::table::Table::is_table(d)
        || d.kind == gcol_reader::format::schema::graph::KIND;
    let lower = args.output.to_string_lossy().to_ascii_lowercase();
    if table_like && (lower.ends_with(".parquet") || lower.ends_with(".pq")) {
        return Ok(None);
    }
    Ok(Some(name))
}

/// A dataset to Parquet by partitions (`gcol_reader::partitions`): one
/// file, or a directory of one file per partition.
fn run_parquet(args: &ExportArgs, dataset: &str) -> CliResult {
    if !args.regions.is_empty()
        || args.samples.is_some()
        || args.samples_file.is_some()
        || args.subgraph.is_some()
    {
        return Err(Failure::new(
            2,
            "a Parquet export writes whole datasets: regions, samples and --subgraph are not applied",
        ));
    }
    if args.output.as_os_str() == "-" {
        return Err(Failure::new(
            2,
            "Parquet goes to a file (-o x.parquet) or a directory of partitions (-o DIR)",
        ));
    }
    let reader = gcol_reader::Reader::open(&args.file)?;
    let options = gcol_reader::partitions::BatchOptions {
        columns: None,
        genotypes: true,
    };
    let bar = crate::progress::bytes_bar(None, args.quiet, "exporting partitions");
    gcol_reader::partitions::write_parquet(
        &reader,
        dataset,
        &args.output,
        &options,
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
    bar.finish_and_clear();
    Ok(())
}

/// The table an export is of: the one named, else the file's only
/// dataset when it is a table, else, for a GenBank or antiSMASH file (a
/// feature table and its record sequences), the table unless the output
/// asks for FASTA or FASTQ.
fn table_of(args: &ExportArgs) -> Result<Option<String>, Failure> {
    use gcol_reader::table::Table;
    let reader = gcol_reader::Reader::open(&args.file)?;
    let datasets = reader.datasets();
    if let Some(name) = &args.dataset {
        let found = datasets
            .iter()
            .any(|d| d.name == *name && Table::is_table(d));
        return Ok(found.then(|| name.clone()));
    }
    let tables: Vec<_> = datasets.iter().filter(|d| Table::is_table(d)).collect();
    let [table] = tables[..] else {
        return Ok(None);
    };
    let sequences = table
        .metadata
        .get(gcol_format::schema::table::meta::SEQUENCES);
    let rest_are_its_sequences = datasets
        .iter()
        .all(|d| d.name == table.name || Some(&d.name) == sequences);
    let wants_sequences = || {
        let name = match &args.format {
            Some(f) => format!("x.{f}"),
            None => args.output.to_string_lossy().into_owned(),
        };
        let lower = name.to_ascii_lowercase();
        let stem = lower.trim_end_matches(".gz").trim_end_matches(".bgz");
        [".fa", ".fasta", ".fna", ".faa", ".fas", ".fq", ".fastq"]
            .iter()
            .any(|e| stem.ends_with(e))
    };
    Ok(
        (datasets.len() == 1 || (rest_are_its_sequences && !wants_sequences()))
            .then(|| table.name.clone()),
    )
}

pub fn run(args: ExportArgs) -> CliResult {
    if let Some(dataset) = parquet_partitions(&args)? {
        return run_parquet(&args, &dataset);
    }
    if let Some(table) = table_of(&args)? {
        return crate::search::export(
            &args.file,
            Some(&table),
            &args.output,
            args.format.as_deref(),
        );
    }
    if is_graph(&args)? {
        return crate::graph::export(
            &args.file,
            args.dataset.as_deref(),
            &args.output,
            args.format.as_deref(),
            args.subgraph.as_deref(),
        );
    }
    if args.subgraph.is_some() {
        return Err(Failure::new(
            2,
            "--subgraph selects part of a graph dataset",
        ));
    }
    if is_variants(&args)? {
        return run_variants(&args);
    }
    if let Some(name) = alignments_of(&args)? {
        return run_alignments(&args, &name);
    }
    if !args.regions.is_empty() || args.samples.is_some() || args.samples_file.is_some() {
        return Err(Failure::new(
            2,
            "regions and samples select variants; for sequences use `gcol fetch`",
        ));
    }
    let to_stdout = args.output.as_os_str() == "-";
    let lower = args.output.to_string_lossy().to_ascii_lowercase();
    let compressed = !to_stdout && (lower.ends_with(".gz") || lower.ends_with(".bgz"));
    let stem = lower
        .trim_end_matches(".gz")
        .trim_end_matches(".bgz")
        .to_string();
    let sets = open_sequences(&args.file, args.dataset.as_deref())?;
    let format = match args.format.as_deref() {
        Some(f) => f.to_ascii_lowercase(),
        // Standard output: FASTQ when every dataset has qualities.
        None if to_stdout => {
            if sets.iter().all(|s| s.has_qualities()) {
                "fastq".into()
            } else {
                "fasta".into()
            }
        }
        None if [".fa", ".fasta", ".fna", ".faa", ".fas"]
            .iter()
            .any(|e| stem.ends_with(e)) =>
        {
            "fasta".into()
        }
        None if [".fq", ".fastq"].iter().any(|e| stem.ends_with(e)) => "fastq".into(),
        None => {
            return Err(Failure::new(
                INPUT,
                format!(
                    "cannot tell the format from {:?}; pass --format fasta or fastq",
                    args.output
                ),
            ))
        }
    };
    if format != "fasta" && format != "fastq" {
        return Err(Failure::new(
            INPUT,
            format!("unsupported export format {format:?} (supported: fasta, fastq)"),
        ));
    }
    let total: u64 = sets
        .iter()
        .map(|s| s.lengths().map(|l| l.iter().sum::<u64>()))
        .sum::<Result<u64, _>>()?;
    let bar = bytes_bar(Some(total), args.quiet, "exporting");
    // `.gz` output is BGZF, readable by gzip, samtools and gcol alike.
    let mut out = if to_stdout {
        Output::Stdout(std::io::BufWriter::with_capacity(
            1 << 20,
            std::io::stdout(),
        ))
    } else if compressed {
        Output::Bgzf(noodles_bgzf::io::Writer::new(AtomicFile::create(
            &args.output,
        )?))
    } else {
        Output::Plain(AtomicFile::create(&args.output)?)
    };
    let mut base = 0u64;
    for set in &sets {
        if format == "fastq" {
            if !set.has_qualities() {
                return Err(Failure::new(
                    INPUT,
                    format!(
                        "dataset {:?} has no qualities; export it as FASTA",
                        set.name()
                    ),
                ));
            }
            set.write_fastq(&mut out, args.mate, |done, _| bar.set_position(base + done))?;
        } else {
            let options = ExportOptions { width: args.width };
            set.write_fasta(&mut out, &options, |done, _| bar.set_position(base + done))?;
        }
        base += set.lengths()?.iter().sum::<u64>();
    }
    out.flush()?;
    finish(out)?;
    bar.finish_and_clear();
    Ok(())
}

/// The export destination: a temporary file, BGZF-compressed or not, or
/// standard output.
enum Output {
    Plain(AtomicFile),
    Bgzf(noodles_bgzf::io::Writer<AtomicFile>),
    Stdout(std::io::BufWriter<std::io::Stdout>),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Plain(f) => f.write(buf),
            Output::Bgzf(w) => w.write(buf),
            Output::Stdout(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Plain(f) => f.flush(),
            Output::Bgzf(w) => w.flush(),
            Output::Stdout(w) => w.flush(),
        }
    }
}

/// Write the BGZF end-of-file block (when compressed) and move the file into place.
fn finish(out: Output) -> CliResult {
    let file = match out {
        Output::Plain(f) => f,
        Output::Bgzf(w) => w.finish()?,
        Output::Stdout(mut w) => return Ok(w.flush()?),
    };
    file.commit()?;
    Ok(())
}
