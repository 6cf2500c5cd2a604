//! `gcol depth`: per-base depth of an alignments dataset, printed as
//! `samtools depth` prints it (reference, 1-based position, depth).

use std::io::Write;
use std::path::PathBuf;

use gcol_reader::{AlignmentRegion, Alignments, Reader, RecordFilter};

use crate::exit::{CliResult, Failure, INVALID};

/// Exit code of a usage error.
const USAGE: u8 = 2;

/// Positions counted at a time.
const WINDOW: i64 = 1 << 20;

/// The arguments of `gcol depth` (see its help in `main.rs`).
#[derive(clap::Args)]
pub struct DepthArgs {
    /// The .gcol file.
    pub file: PathBuf,
    /// Print every position, depth 0 included (in the region, or over each
    /// reference that has records).
    #[arg(short = 'a')]
    pub all: bool,
    /// Only this region (`chr`, `chr:beg-end`, 1-based inclusive).
    #[arg(short = 'r', long = "region")]
    pub region: Option<String>,
    /// Only records with MAPQ at least this.
    #[arg(short = 'Q', long = "min-MQ", default_value_t = 0)]
    pub min_mapq: u8,
    /// Skip records with any of these FLAG bits (default UNMAP, SECONDARY,
    /// QCFAIL, DUP: 0x704, as samtools).
    #[arg(short = 'G', long = "excl-flags", default_value_t = 0x704)]
    pub exclude: u16,
    /// The alignments dataset (needed when the file has several).
    #[arg(long)]
    pub dataset: Option<String>,
}

pub fn run(args: DepthArgs) -> CliResult {
    let reader = Reader::open(&args.file)?;
    let names: Vec<String> = reader
        .datasets()
        .iter()
        .filter(|d| Alignments::is_alignments(d))
        .map(|d| d.name.clone())
        .collect();
    let name = match (&args.dataset, names.as_slice()) {
        (Some(n), _) => n.clone(),
        (None, [one]) => one.clone(),
        (None, []) => {
            return Err(Failure::new(
                INVALID,
                "the file has no alignments dataset (convert a SAM, BAM or CRAM file)",
            ))
        }
        (None, _) => {
            return Err(Failure::new(
                USAGE,
                format!(
                    "the file has {} alignments datasets; choose one with --dataset",
                    names.len()
                ),
            ))
        }
    };
    let alignments = Alignments::open(&reader, &name)?;
    let filter = RecordFilter {
        require: 0,
        exclude: args.exclude,
        min_mapq: args.min_mapq,
    };
    let refs = alignments.references().to_vec();
    let regions: Vec<AlignmentRegion> = match &args.region {
        Some(text) => {
            let mut r = alignments
                .region(text)
                .map_err(|e| Failure::new(USAGE, e.to_string()))?;
            r.end = r.end.min(refs[r.ref_id].1 as i64);
            vec![r]
        }
        None => (0..refs.len())
            .map(|ref_id| AlignmentRegion {
                ref_id,
                start: 0,
                end: refs[ref_id].1 as i64,
            })
            .collect(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut line = Vec::with_capacity(64);
    for region in regions {
        // Without a region, -a covers the references that have records.
        if args.all && args.region.is_none() && !alignments.has_records_on(region.ref_id)? {
            continue;
        }
        let name = refs[region.ref_id].0.as_bytes();
        let mut start = region.start;
        while start < region.end {
            let end = region.end.min(start + WINDOW);
            let window = AlignmentRegion {
                ref_id: region.ref_id,
                start,
                end,
            };
            let (counts, covered) = alignments.depth(&window, &filter)?;
            for (i, &d) in counts.iter().enumerate() {
                if !covered[i] && !args.all {
                    continue;
                }
                line.clear();
                line.extend_from_slice(name);
                line.push(b'\t');
                line.extend_from_slice((start + i as i64 + 1).to_string().as_bytes());
                line.push(b'\t');
                line.extend_from_slice(d.to_string().as_bytes());
                line.push(b'\n');
                out.write_all(&line)?;
            }
            start = end;
        }
    }
    out.flush()?;
    Ok(())
}
