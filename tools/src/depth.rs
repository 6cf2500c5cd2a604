//! `gcol depth`: per-base depth of an alignments dataset, printed as
//! `samtools depth` prints it (reference, 1-based position, depth).

use std::io::Write;
use std::path::PathBuf;

use gcol_reader::{AlignmentRegion, Alignments, Reader, RecordFilter};

use crate::exit::{CliResult, Failure, INVALID};

/// Exit code of a usage error.
const USAGE: u8 = 2;

/// Positions counted at a time (the counts stay in cache).
const WINDOW: i64 = 1 << 16;

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
    let mut out = stdout.lock();
    let mut line = Vec::with_capacity((64 << 10) + 256);
    let (mut counts, mut covered) = (Vec::new(), Vec::new());
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
            alignments.depth_into(&window, &filter, &mut counts, &mut covered)?;
            let mut position = Counter::new((start + 1) as u64);
            for (i, &d) in counts.iter().enumerate() {
                if covered[i] || args.all {
                    push_small(&mut line, name);
                    line.push(b'\t');
                    push_small(&mut line, position.digits());
                    line.push(b'\t');
                    decimal(&mut line, u64::from(d));
                    line.push(b'\n');
                    if line.len() >= 64 << 10 {
                        out.write_all(&line)?;
                        line.clear();
                    }
                }
                position.increment();
            }
            start = end;
        }
    }
    out.write_all(&line)?;
    out.flush()?;
    Ok(())
}

/// A decimal number kept as ASCII digits, incremented in place: the
/// positions of a depth listing follow each other.
struct Counter {
    digits: [u8; 20],
    start: usize,
}

impl Counter {
    fn new(v: u64) -> Counter {
        let mut digits = [b'0'; 20];
        let mut out = Vec::new();
        decimal(&mut out, v);
        let start = digits.len() - out.len();
        digits[start..].copy_from_slice(&out);
        Counter { digits, start }
    }

    fn digits(&self) -> &[u8] {
        &self.digits[self.start..]
    }

    fn increment(&mut self) {
        let mut i = self.digits.len();
        loop {
            i -= 1;
            if self.digits[i] == b'9' {
                self.digits[i] = b'0';
                if i == self.start {
                    self.start -= 1;
                    self.digits[self.start] = b'1';
                    return;
                }
            } else {
                self.digits[i] += 1;
                return;
            }
        }
    }
}

/// Append a short slice byte by byte (cheaper than a `memcpy` call for
/// the few bytes of a name or a number).
#[inline]
fn push_small(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.push(b);
    }
}

/// Append the decimal digits of `v` (a million lines per second of output
/// want no formatting machinery).
fn decimal(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    push_small(out, &digits[at..]);
}
