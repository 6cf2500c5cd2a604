use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use gcol_writer::import::{import_fasta, open_input, Alphabet, FastaOptions, NamePolicy};
use gcol_writer::{WriteOptions, Writer};

use crate::exit::{CliResult, Failure, INPUT, IO};
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
    pub quiet: bool,
}

/// Dataset name from a file name: the stem without compression and format extensions.
pub fn dataset_name(path: &Path) -> String {
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
        ".fasta", ".fa", ".fna", ".faa", ".ffn", ".frn", ".fas", ".fq", ".fastq",
    ] {
        if let Some(stripped) = name.strip_suffix(ext) {
            name = stripped.to_string();
            break;
        }
    }
    name
}

/// What an input holds, from its first non-blank byte.
fn sniff(path: &Path) -> Result<u8, Failure> {
    let mut input = open_input(path).map_err(Failure::from)?;
    let mut buf = [0u8; 4096];
    loop {
        let n = input
            .reader
            .read(&mut buf)
            .map_err(|e| Failure::new(IO, format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            return Ok(0);
        }
        if let Some(&b) = buf[..n].iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(b);
        }
    }
}

pub fn run(args: ConvertArgs) -> CliResult {
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
    let mut seen = HashSet::new();
    let mut plan = Vec::new();
    for (i, input) in args.inputs.iter().enumerate() {
        let name = args
            .names
            .get(i)
            .cloned()
            .unwrap_or_else(|| dataset_name(input));
        if !seen.insert(name.clone()) {
            return Err(Failure::new(
                INPUT,
                format!("two inputs would both become dataset {name:?}; name them with --name"),
            ));
        }
        match sniff(input)? {
            b'>' | 0 => plan.push((input.clone(), name)),
            b'@' => {
                return Err(Failure::new(
                    INPUT,
                    format!(
                        "{}: FASTQ input is not supported by this version of gcol yet",
                        input.display()
                    ),
                ))
            }
            other => {
                return Err(Failure::new(
                    INPUT,
                    format!(
                        "{}: unrecognised input (first byte {:?}); expected FASTA ('>')",
                        input.display(),
                        other as char
                    ),
                ))
            }
        }
    }
    let total: u64 = args
        .inputs
        .iter()
        .map(|p| p.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = bytes_bar(total, args.quiet, "converting");
    let base = AtomicU64::new(0);
    let mut writer = Writer::create(&args.output, WriteOptions::default())?;
    for (input, name) in &plan {
        let mut options = FastaOptions::new(name.clone());
        options.alphabet = args.alphabet;
        options.zstd_level = args.zstd_level;
        options.page_bytes = args.page_kib.max(1) << 10;
        options.names = if args.lenient_names {
            NamePolicy::Lenient
        } else {
            NamePolicy::Strict
        };
        let offset = base.load(Ordering::Relaxed);
        let summary = import_fasta(&mut writer, input, &options, &|done, _| {
            bar.set_position(offset + done);
        })?;
        base.fetch_add(
            input.metadata().map(|m| m.len()).unwrap_or(0),
            Ordering::Relaxed,
        );
        if !args.quiet {
            bar.suspend(|| {
                eprintln!(
                    "{}: {} {} records, {} residues{}",
                    input.display(),
                    summary.records,
                    summary.alphabet,
                    summary.residues,
                    if summary.exact_export {
                        ""
                    } else {
                        " (irregular line layout: export will rewrap)"
                    }
                )
            });
        }
    }
    let len = writer.finish()?;
    bar.finish_and_clear();
    if !args.quiet {
        let ratio = total as f64 / len.max(1) as f64;
        eprintln!(
            "wrote {} ({len} bytes; inputs {total} bytes, {ratio:.2}x)",
            args.output.display()
        );
    }
    Ok(())
}
