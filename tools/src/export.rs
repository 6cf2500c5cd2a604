use std::io::Write;
use std::path::PathBuf;

use gcol_reader::ExportOptions;
use gcol_writer::AtomicFile;

use crate::exit::{CliResult, Failure, INPUT};
use crate::fetch::open_sequences;
use crate::progress::bytes_bar;

pub struct ExportArgs {
    pub file: PathBuf,
    pub output: PathBuf,
    pub format: Option<String>,
    pub dataset: Option<String>,
    pub width: Option<u32>,
    pub quiet: bool,
}

pub fn run(args: ExportArgs) -> CliResult {
    let format = match args.format.as_deref() {
        Some(f) => f.to_ascii_lowercase(),
        None => {
            let name = args.output.to_string_lossy().to_ascii_lowercase();
            let name = name.strip_suffix(".gz").unwrap_or(&name).to_string();
            if [".fa", ".fasta", ".fna", ".faa", ".fas"]
                .iter()
                .any(|e| name.ends_with(e))
            {
                "fasta".into()
            } else {
                return Err(Failure::new(
                    INPUT,
                    format!(
                        "cannot tell the format from {:?}; pass --format fasta",
                        args.output
                    ),
                ));
            }
        }
    };
    if format != "fasta" {
        return Err(Failure::new(
            INPUT,
            format!("unsupported export format {format:?} (supported: fasta)"),
        ));
    }
    let sets = open_sequences(&args.file, args.dataset.as_deref())?;
    let total: u64 = sets
        .iter()
        .map(|s| s.lengths().map(|l| l.iter().sum::<u64>()))
        .sum::<Result<u64, _>>()?;
    let bar = bytes_bar(total, args.quiet, "exporting");
    let mut out = AtomicFile::create(&args.output)?;
    let mut base = 0u64;
    for set in &sets {
        let options = ExportOptions { width: args.width };
        set.write_fasta(&mut out, &options, |done, _| bar.set_position(base + done))?;
        base += set.lengths()?.iter().sum::<u64>();
    }
    out.flush()?;
    out.commit()?;
    bar.finish_and_clear();
    Ok(())
}
