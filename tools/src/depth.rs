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

/// The alignments dataset `dataset` of `reader`, or its only one.
fn open_alignments(reader: &Reader, dataset: &Option<String>) -> Result<Alignments, Failure> {
    let names: Vec<String> = reader
        .datasets()
        .iter()
        .filter(|d| Alignments::is_alignments(d))
        .map(|d| d.name.clone())
        .collect();
    let name = match (dataset, names.as_slice()) {
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
    Ok(Alignments::open(reader, &name)?)
}

/// The regions of `-r` (one, not clipped: samtools prints positions past
/// a reference's end that records cover), or every reference whole.
fn regions(
    alignments: &Alignments,
    region: &Option<String>,
) -> Result<Vec<AlignmentRegion>, Failure> {
    Ok(match region {
        Some(text) => vec![alignments
            .region(text)
            .map_err(|e| Failure::new(USAGE, e.to_string()))?],
        None => (0..alignments.references().len())
            .map(|ref_id| AlignmentRegion {
                ref_id,
                start: 0,
                end: i64::MAX,
            })
            .collect(),
    })
}

/// The filter of `-Q` and `-G`.
fn filter(args: &DepthArgs) -> RecordFilter {
    RecordFilter {
        require: 0,
        exclude: args.exclude,
        min_mapq: args.min_mapq,
    }
}

pub fn run(args: DepthArgs) -> CliResult {
    let reader = Reader::open(&args.file)?;
    let alignments = open_alignments(&reader, &args.dataset)?;
    let filter = filter(&args);
    let refs = alignments.references().to_vec();
    let regions = regions(&alignments, &args.region)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut lines = Lines::new();
    let (mut counts, mut covered) = (Vec::new(), Vec::new());
    for region in regions {
        // Without a region, -a covers the references that have records.
        if args.all && args.region.is_none() && !alignments.has_records_on(region.ref_id)? {
            continue;
        }
        let mut prefix = refs[region.ref_id].0.as_bytes().to_vec();
        prefix.push(b'\t');
        let ln = refs[region.ref_id].1 as i64;
        let within = region.end.min(ln);
        let mut start = region.start;
        while start < within {
            let end = within.min(start + WINDOW);
            let window = AlignmentRegion {
                ref_id: region.ref_id,
                start,
                end,
            };
            alignments.depth_into(&window, &filter, &mut counts, &mut covered)?;
            let mut position = Counter::new((start + 1) as u64);
            for (i, &d) in counts.iter().enumerate() {
                if covered[i] || args.all {
                    lines.push(&prefix, &position, d);
                    if lines.full() {
                        lines.flush(&mut out)?;
                    }
                }
                position.increment();
            }
            start = end;
        }
        // Past the end: only positions a record covers (even with -a).
        if region.end > ln {
            let first =
                alignments.depth_past_end(region.ref_id, &filter, &mut counts, &mut covered)?;
            let skip = (region.start - first).max(0);
            let mut position = Counter::new((first + skip + 1) as u64);
            let stop = (region.end - first).min(counts.len() as i64).max(0) as usize;
            for i in skip.min(stop as i64) as usize..stop {
                if covered[i] {
                    lines.push(&prefix, &position, counts[i]);
                    if lines.full() {
                        lines.flush(&mut out)?;
                    }
                }
                position.increment();
            }
        }
    }
    lines.flush(&mut out)?;
    out.flush()?;
    Ok(())
}

/// `gcol pileup`: per position of a region, the A, C, G and T bases and
/// the deletions of the records passing the filter, as
/// [`Alignments::pileup`] counts them (the library call Python's
/// `pileup` makes): `reference TAB position TAB A TAB C TAB G TAB T TAB
/// deletions`, 1-based, positions without a count only with `-a`.
pub fn pileup(args: DepthArgs) -> CliResult {
    let reader = Reader::open(&args.file)?;
    let alignments = open_alignments(&reader, &args.dataset)?;
    let filter = filter(&args);
    let refs = alignments.references().to_vec();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(FLUSH_AT, stdout.lock());
    for region in regions(&alignments, &args.region)? {
        if args.region.is_none() && !alignments.has_records_on(region.ref_id)? {
            continue;
        }
        let name = &refs[region.ref_id].0;
        // Clipped to the reference (the counts' positions are on it).
        let end = region.end.min(refs[region.ref_id].1 as i64);
        let mut start = region.start;
        while start < end {
            let stop = end.min(start + WINDOW);
            let window = AlignmentRegion {
                ref_id: region.ref_id,
                start,
                end: stop,
            };
            for (i, c) in alignments.pileup(&window, &filter)?.iter().enumerate() {
                if args.all || c.iter().any(|&n| n > 0) {
                    writeln!(
                        out,
                        "{name}\t{}\t{}\t{}\t{}\t{}\t{}",
                        start + i as i64 + 1,
                        c[0],
                        c[1],
                        c[2],
                        c[3],
                        c[4]
                    )?;
                }
            }
            start = stop;
        }
    }
    out.flush()?;
    Ok(())
}

/// Bytes of output gathered before a write.
const FLUSH_AT: usize = 64 << 10;
/// Room past [`FLUSH_AT`] for one more line written in fixed-size chunks.
const SLACK: usize = 4096;

/// Output lines `name TAB position TAB depth LF`, written into a buffer
/// with room to spare so that each field is copied as one fixed-size
/// chunk (the bytes past its end are overwritten by the next field):
/// a million lines a second want no per-byte capacity checks.
struct Lines {
    buf: Vec<u8>,
    len: usize,
}

impl Lines {
    fn new() -> Lines {
        Lines {
            buf: vec![0; FLUSH_AT + SLACK],
            len: 0,
        }
    }

    /// Copy `bytes` at the end: 32 bytes at once when it is that short.
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let at = self.len;
        if bytes.len() <= 32 {
            let mut chunk = [0u8; 32];
            chunk[..bytes.len()].copy_from_slice(bytes);
            self.buf[at..at + 32].copy_from_slice(&chunk);
        } else {
            self.buf[at..at + bytes.len()].copy_from_slice(bytes);
        }
        self.len += bytes.len();
    }

    #[inline]
    fn push(&mut self, prefix: &[u8], position: &Counter, depth: u32) {
        if prefix.len() + 64 > SLACK {
            // A reference name too long for the slack: grow the buffer.
            self.buf.resize(FLUSH_AT + prefix.len() + SLACK, 0);
        }
        self.put(prefix);
        let at = self.len;
        // Position: its 24-byte field at once, then TAB after its digits.
        self.buf[at..at + 24].copy_from_slice(&position.field);
        self.buf[at + position.len] = b'\t';
        self.len += position.len + 1;
        let at = self.len;
        if depth < 10 {
            self.buf[at] = b'0' + depth as u8;
            self.buf[at + 1] = b'\n';
            self.len += 2;
        } else {
            // Digits right to left into a small array, then one copy.
            let mut digits = [0u8; 12];
            let mut i = digits.len() - 1;
            digits[i] = b'\n';
            let mut v = depth;
            while v > 0 {
                i -= 1;
                digits[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            self.put(&digits[i..]);
        }
    }

    fn full(&self) -> bool {
        self.len >= FLUSH_AT
    }

    fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.buf[..self.len])?;
        self.len = 0;
        Ok(())
    }
}

/// A decimal number kept as ASCII digits, incremented in place: the
/// positions of a depth listing follow each other.
struct Counter {
    /// Digits left-aligned in 24 bytes.
    field: [u8; 24],
    len: usize,
}

impl Counter {
    fn new(v: u64) -> Counter {
        let mut field = [b'0'; 24];
        let mut out = Vec::new();
        decimal(&mut out, v);
        field[..out.len()].copy_from_slice(&out);
        Counter {
            field,
            len: out.len(),
        }
    }

    fn increment(&mut self) {
        let mut i = self.len;
        loop {
            if i == 0 {
                // 99..9 + 1: a 1 and as many zeros (they are in place).
                self.field[0] = b'1';
                self.field[self.len] = b'0';
                self.len += 1;
                return;
            }
            i -= 1;
            if self.field[i] == b'9' {
                self.field[i] = b'0';
            } else {
                self.field[i] += 1;
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
