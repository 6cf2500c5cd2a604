//! `gcol`: command-line access to `.gcol` files.
//!
//! Exit codes (stable, for scripts): 0 success; 1 the file is invalid or
//! corrupt, or a lookup failed (no such dataset/column, row out of range);
//! 2 usage error; 3 I/O error (cannot open, read or write).

mod cat;
mod exit;
mod inspect;
mod progress;
mod sample;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Columnar container for genomics: inspect, verify and read .gcol files.
#[derive(Parser)]
#[command(
    name = "gcol",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 success; 1 invalid or corrupt file, or failed lookup; 2 usage error; 3 I/O error.\nFormat specification: spec/gcol-v1.md in the gcol repository."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show version, datasets, columns, encodings, page counts, sizes and provenance.
    Inspect {
        /// The .gcol file.
        file: PathBuf,
        /// Print JSON (stable field names) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check every checksum and structural rule; exit 0 when sound, 1 with
    /// the offset and what was expected when not.
    Verify {
        /// The .gcol file.
        file: PathBuf,
        /// No progress bar and no success message.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print the values of one column, one per line.
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect { file, json } => inspect::run(&file, json),
        Command::Verify { file, quiet } => verify::run(&file, quiet),
        Command::Cat {
            file,
            dataset,
            columns,
            start,
            end,
        } => cat::run(&file, &dataset, &columns, start, end),
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
