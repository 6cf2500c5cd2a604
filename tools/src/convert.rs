use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use gcol_writer::import::{
    dataset_name, import_fasta_from, import_fastq_from, is_stdin, sniff_input, Alphabet,
    FastaOptions, FastqOptions, Input, InputFormat, NamePolicy, QualityBinning, SniffedInput,
};
use gcol_writer::{WriteOptions, Writer};

use crate::exit::{CliResult, Failure, INPUT};
use crate::progress::bytes_bar;

/// Options of `gcol convert`, as parsed by clap.
pub struct ConvertArgs {
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    pub names: Vec<String>,
    pub alphabet: Alphabet,
    pub zstd_level: i32,
    pub page_kib: usize,
    pub lenient_names: bool,
    pub paired: bool,
    pub quality_binning: QualityBinning,
    pub threads: Option<usize>,
    pub quiet: bool,
}

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fasta,
    Fastq,
}

/// One dataset to write: its inputs (two for a FASTQ pair) and name.
struct Job {
    inputs: Vec<SniffedInput>,
    name: String,
    kind: Kind,
}

pub fn run(args: ConvertArgs) -> CliResult {
    if let Some(threads) = args.threads {
        // The pool every page encoder (and the BGZF reader's worker count)
        // uses; set before any of them starts.
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .map_err(|e| Failure::new(2, format!("--threads: {e}")))?;
    }
    if !args.names.is_empty() && args.names.len() != args.inputs.len() {
        return Err(Failure::new(
            INPUT,
            format!(
                "--name was given {} times for {} inputs",
                args.names.len(),
                args.inputs.len()
            ),
        ));
    }
    if args.inputs.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(Failure::new(
            INPUT,
            "standard input (-) can be given only once",
        ));
    }
    // Each input is opened once to learn its format; streams (standard
    // input, pipes) stay open for the import, files are opened again.
    let mut kinds = Vec::new();
    let mut sniffed = Vec::new();
    for input in &args.inputs {
        let found = sniff_input(input)?;
        kinds.push(match found.format {
            InputFormat::Fasta | InputFormat::Empty => Kind::Fasta,
            InputFormat::Fastq => Kind::Fastq,
            InputFormat::Unknown(other) => {
                return Err(Failure::new(
                    INPUT,
                    format!(
                    "{}: unrecognised input (first byte {:?}); expected FASTA ('>') or FASTQ ('@')",
                    input.display(),
                    other as char
                ),
                ))
            }
        });
        sniffed.push(found);
    }
    let mut sniffed = sniffed.into_iter();
    let mut jobs = Vec::new();
    if args.paired {
        if !args.inputs.len().is_multiple_of(2) || kinds.iter().any(|&k| k != Kind::Fastq) {
            return Err(Failure::new(
                INPUT,
                "--paired takes FASTQ files two at a time: R1 R2 [R1 R2 ...]",
            ));
        }
        for (i, pair) in args.inputs.chunks(2).enumerate() {
            let name = args
                .names
                .get(i)
                .cloned()
                .unwrap_or_else(|| dataset_name(&pair[0], true));
            jobs.push(Job {
                inputs: sniffed.by_ref().take(2).collect(),
                name,
                kind: Kind::Fastq,
            });
        }
        if !args.names.is_empty() && args.names.len() != jobs.len() {
            return Err(Failure::new(
                INPUT,
                format!(
                    "--name was given {} times for {} pairs",
                    args.names.len(),
                    jobs.len()
                ),
            ));
        }
    } else {
        if !args.names.is_empty() && args.names.len() != args.inputs.len() {
            return Err(Failure::new(
                INPUT,
                format!(
                    "--name was given {} times for {} inputs",
                    args.names.len(),
                    args.inputs.len()
                ),
            ));
        }
        for (i, input) in args.inputs.iter().enumerate() {
            jobs.push(Job {
                inputs: sniffed.next().into_iter().collect(),
                name: args
                    .names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| dataset_name(input, false)),
                kind: kinds[i],
            });
        }
    }
    let mut seen = HashSet::new();
    for job in &jobs {
        if !seen.insert(job.name.clone()) {
            return Err(Failure::new(
                INPUT,
                format!(
                    "two inputs would both become dataset {:?}; name them with --name",
                    job.name
                ),
            ));
        }
        // `<(zcat x.fa.gz)` is /dev/fd/63: the dataset would be called "63".
        let path = &job.inputs[0].path;
        if args.names.is_empty() && !is_stdin(path) && path.starts_with("/dev/fd") && !args.quiet {
            eprintln!(
                "gcol: warning: dataset named {:?} after {}; use --name to choose a name",
                job.name,
                path.display()
            );
        }
    }
    // Streams have no size ahead of time: then the bar counts bytes only.
    let total = args
        .inputs
        .iter()
        .map(|p| match p.metadata() {
            Ok(m) if m.is_file() && !is_stdin(p) => Some(m.len()),
            _ => None,
        })
        .sum::<Option<u64>>();
    let bar = bytes_bar(total, args.quiet, "converting");
    let base = AtomicU64::new(0);
    let mut writer = Writer::create(&args.output, WriteOptions::default())?;
    let names = if args.lenient_names {
        NamePolicy::Lenient
    } else {
        NamePolicy::Strict
    };
    for job in jobs {
        let offset = base.load(Ordering::Relaxed);
        let paths: Vec<PathBuf> = job.inputs.iter().map(|i| i.path.clone()).collect();
        let inputs = job
            .inputs
            .into_iter()
            .map(SniffedInput::open)
            .collect::<Result<Vec<Input>, _>>()?;
        let report = |done: u64, _: u64| bar.set_position(offset + done);
        let (message, read) = match job.kind {
            Kind::Fasta => {
                let mut options = FastaOptions::new(job.name.clone());
                options.alphabet = args.alphabet;
                options.zstd_level = args.zstd_level;
                options.page_bytes = args.page_kib.max(1) << 10;
                options.names = names;
                let input = inputs.into_iter().next().expect("one input");
                let summary = import_fasta_from(&mut writer, input, &options, &report)?;
                let message = format!(
                    "{}: {} {} records, {} residues{}",
                    paths[0].display(),
                    summary.records,
                    summary.alphabet,
                    summary.residues,
                    if summary.exact_export {
                        ""
                    } else {
                        " (irregular line layout: export will rewrap)"
                    }
                );
                (message, summary.source_bytes)
            }
            Kind::Fastq => {
                let mut options = FastqOptions::new(job.name.clone());
                options.zstd_level = args.zstd_level;
                options.page_bytes = args.page_kib.max(1) << 10;
                options.binning = args.quality_binning.clone();
                options.names = names;
                let summary = import_fastq_from(&mut writer, inputs, &options, &report)?;
                let message = format!(
                    "{}: {} reads{}, {} bases",
                    paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" + "),
                    summary.reads,
                    if summary.paired { " (paired)" } else { "" },
                    summary.bases
                );
                (message, summary.source_bytes)
            }
        };
        base.fetch_add(read, Ordering::Relaxed);
        if !args.quiet {
            bar.suspend(|| eprintln!("{message}"));
        }
    }
    let len = writer.finish()?;
    bar.finish_and_clear();
    if !args.quiet {
        let total = base.load(Ordering::Relaxed);
        let ratio = total as f64 / len.max(1) as f64;
        eprintln!(
            "wrote {} ({len} bytes; inputs {total} bytes, {ratio:.2}x)",
            args.output.display()
        );
    }
    Ok(())
}
