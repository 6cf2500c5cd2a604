use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use gcol_format::coords::region::{RegionSpec, Resolved};
use gcol_format::sequence::reverse_complement;
use gcol_reader::{ReadOptions, Reader, Sequences};

use gcol_writer::AtomicFile;

use crate::exit::{CliResult, Failure, INPUT, INVALID};

/// Open the sequences datasets of a file (one, when `dataset` names it).
pub fn open_sequences(file: &Path, dataset: Option<&str>) -> Result<Vec<Sequences>, Failure> {
    open_sequences_with(file, dataset, ReadOptions::default())
}

/// [`open_sequences`] with reader options.
pub fn open_sequences_with(
    file: &Path,
    dataset: Option<&str>,
    options: ReadOptions,
) -> Result<Vec<Sequences>, Failure> {
    let reader = Reader::open_with(file, options)?;
    let names = match dataset {
        Some(name) => vec![name.to_string()],
        None => reader.sequence_datasets(),
    };
    if names.is_empty() {
        return Err(Failure::new(
            INVALID,
            format!("{} has no sequences dataset", file.display()),
        ));
    }
    names
        .iter()
        .map(|n| reader.sequences(n).map_err(Failure::from))
        .collect()
}

/// Find a record by name across datasets: (dataset index, record index).
/// A name page that cannot be read is an error, never a missing name.
pub fn find(sets: &[Sequences], name: &str) -> Result<Option<(usize, usize)>, Failure> {
    Ok(gcol_reader::find_record(sets, name)?)
}

/// Parse a region in samtools syntax, asking the datasets whether a name
/// with a colon is itself a record (an error reading the names is returned).
pub fn parse_region(sets: &[Sequences], text: &str) -> Result<RegionSpec, Failure> {
    Ok(gcol_reader::parse_region(sets, text)?)
}

/// A record range to work on: label for output, record name, dataset and
/// record index, 0-based half-open bounds.
pub struct Target {
    pub label: String,
    pub name: String,
    pub dataset: usize,
    pub record: usize,
    pub start: u64,
    pub end: u64,
}

/// Every record (no regions), or each region in samtools syntax.
pub fn targets(sets: &[Sequences], regions: &[String]) -> Result<Vec<Target>, Failure> {
    let mut out = Vec::new();
    if regions.is_empty() {
        for (d, set) in sets.iter().enumerate() {
            for (r, name) in set.names()?.into_iter().enumerate() {
                out.push(Target {
                    label: name.clone(),
                    name,
                    dataset: d,
                    record: r,
                    start: 0,
                    end: set.length(r)?,
                });
            }
        }
        return Ok(out);
    }
    for text in regions {
        let spec = parse_region(sets, text)?;
        let (d, r) = find(sets, &spec.name)?
            .ok_or_else(|| Failure::new(INVALID, format!("no sequence {:?}", spec.name)))?;
        let (start, end) = match spec.resolve(sets[d].length(r)?) {
            Resolved::Within { interval, .. } => (interval.start(), interval.end()),
            Resolved::Empty => (0, 0),
            Resolved::Invalid => {
                return Err(Failure::new(
                    INVALID,
                    format!("region {text:?} ends before it begins"),
                ))
            }
        };
        out.push(Target {
            label: text.clone(),
            name: spec.name,
            dataset: d,
            record: r,
            start,
            end,
        });
    }
    Ok(out)
}

pub struct FetchArgs {
    pub file: PathBuf,
    pub regions: Vec<String>,
    pub region_file: Option<PathBuf>,
    pub bed: Option<PathBuf>,
    pub reverse_complement: bool,
    pub mark_strand: MarkStrand,
    pub width: usize,
    pub fastq: bool,
    pub continue_on_missing: bool,
    pub output: Option<PathBuf>,
    pub dataset: Option<String>,
}

/// What `--mark-strand` appends to each header (samtools faidx's types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkStrand {
    /// `/rc` on reverse-complemented regions only (default).
    Rc,
    /// Nothing.
    No,
    /// `(+)` or `(-)`.
    Sign,
    /// The first text on the forward strand, the second on the reverse.
    Custom(String, String),
}

impl MarkStrand {
    /// Parse `rc`, `no`, `sign` or `custom,<pos>,<neg>`.
    pub fn parse(text: &str) -> Result<MarkStrand, String> {
        match text {
            "rc" => Ok(MarkStrand::Rc),
            "no" => Ok(MarkStrand::No),
            "sign" => Ok(MarkStrand::Sign),
            _ => match text.strip_prefix("custom,").and_then(|r| r.split_once(',')) {
                Some((pos, neg)) => Ok(MarkStrand::Custom(pos.into(), neg.into())),
                None => Err(format!(
                    "unknown strand mark {text:?} (expected rc, no, sign or custom,<pos>,<neg>)"
                )),
            },
        }
    }

    fn suffix(&self, reverse: bool) -> &str {
        match (self, reverse) {
            (MarkStrand::Rc, true) => "/rc",
            (MarkStrand::Rc | MarkStrand::No, _) => "",
            (MarkStrand::Sign, false) => "(+)",
            (MarkStrand::Sign, true) => "(-)",
            (MarkStrand::Custom(pos, _), false) => pos,
            (MarkStrand::Custom(_, neg), true) => neg,
        }
    }
}

/// A request: header text, record name, 1-based inclusive bounds.
struct Request {
    header: String,
    spec: RegionSpec,
}

/// Regions of a BED file (0-based half-open), parsed by noodles-bed;
/// blank, `track` and `browser` lines are skipped first, as samtools does.
fn bed_requests(path: &Path) -> Result<Vec<Request>, Failure> {
    let text = std::fs::read(path).map_err(|e| {
        Failure::new(
            crate::exit::IO,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    // The records noodles reads, and the line number of each in the file.
    let mut kept = Vec::new();
    let mut line_numbers = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if blank
            || line.starts_with(b"#")
            || line.starts_with(b"track")
            || line.starts_with(b"browser")
        {
            continue;
        }
        kept.extend_from_slice(line);
        kept.push(b'\n');
        line_numbers.push(i + 1);
    }
    let mut reader = noodles_bed::io::Reader::<3, _>::new(&kept[..]);
    let mut record = noodles_bed::Record::default();
    let mut out = Vec::new();
    for &line in &line_numbers {
        let bad =
            |what: String| Failure::new(INPUT, format!("{}: line {line}: {what}", path.display()));
        reader.read_record(&mut record).map_err(|e| {
            bad(format!(
                "not a BED line (chrom, start, end separated by tabs): {e}"
            ))
        })?;
        let name = record.reference_sequence_name().to_string();
        // noodles gives 1-based positions: BED start + 1, and BED end.
        let begin = record
            .feature_start()
            .map_err(|e| bad(format!("start: {e}")))?
            .get() as u64;
        let end = match record.feature_end() {
            Some(end) => end.map_err(|e| bad(format!("end: {e}")))?.get() as u64,
            None => begin - 1,
        };
        let Some(interval) = gcol_format::coords::Interval::from_one_based(begin, end) else {
            return Err(bad("end is before start".into()));
        };
        // The header uses samtools' 1-based form.
        let (begin, end) = interval.to_one_based();
        out.push(Request {
            header: format!("{name}:{begin}-{end}"),
            spec: RegionSpec {
                name,
                begin: Some(begin),
                end: Some(end),
            },
        });
    }
    Ok(out)
}

/// Regions of a samtools region file: one per line (blank lines skipped).
fn region_file_requests(path: &Path, sets: &[Sequences]) -> Result<Vec<Request>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            crate::exit::IO,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty())
        .map(|l| request(l, sets))
        .collect()
}

fn request(text: &str, sets: &[Sequences]) -> Result<Request, Failure> {
    Ok(Request {
        header: text.to_string(),
        spec: parse_region(sets, text)?,
    })
}

pub fn run(args: FetchArgs) -> CliResult {
    // A few regions from a one-shot process: decode their pages here and
    // start no background thread (it would finish pages nobody reads).
    let few = args.regions.len() <= 4 && args.region_file.is_none() && args.bed.is_none();
    let options = ReadOptions::default().background_completion(!few);
    let mut sets = open_sequences_with(&args.file, args.dataset.as_deref(), options)?;
    if args.fastq && args.dataset.is_none() && sets.iter().any(|s| s.has_qualities()) {
        // FASTQ needs qualities: look names up in the reads datasets only.
        sets.retain(|s| s.has_qualities());
    }
    // samtools order: the region file first, then the command line.
    let mut requests = match &args.region_file {
        Some(path) => region_file_requests(path, &sets)?,
        None => Vec::new(),
    };
    for r in &args.regions {
        requests.push(request(r, &sets)?);
    }
    if let Some(bed) = &args.bed {
        requests.extend(bed_requests(bed)?);
    }
    if args.fastq {
        if let Some(set) = sets.iter().find(|s| !s.has_qualities()) {
            return Err(Failure::new(
                INVALID,
                format!(
                    "dataset {:?} has no qualities; fetch FASTA (without --fastq)",
                    set.name()
                ),
            ));
        }
    }
    match args.output.as_ref().filter(|p| p.as_os_str() != "-") {
        // Written beside the target and renamed into place when every
        // region was fetched (or skipped with --continue); `-` is stdout.
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            write_regions(&args, &sets, &requests, &mut file)?;
            file.commit()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            let written = write_regions(&args, &sets, &requests, &mut out);
            out.flush()?;
            written?;
        }
    }
    Ok(())
}

/// Write each request as FASTA (or FASTQ) to `out`. A region that names no
/// record, or ends before it begins, gets its header (as samtools prints it)
/// and stops the run with exit code 1, or only a warning with `--continue`.
fn write_regions(
    args: &FetchArgs,
    sets: &[Sequences],
    requests: &[Request],
    out: &mut impl Write,
) -> CliResult {
    let (marker, separator) = if args.fastq { ('@', "+\n") } else { ('>', "") };
    let suffix = args.mark_strand.suffix(args.reverse_complement);
    let mut buf = Vec::new();
    let mut quality = Vec::new();
    let mut record_quality = Vec::new();
    for request in requests {
        writeln!(out, "{marker}{}{suffix}", request.header)?;
        let failed = |message: String| -> CliResult {
            if args.continue_on_missing {
                eprintln!("gcol: warning: {message}; continuing");
                Ok(())
            } else {
                Err(Failure::new(INVALID, message))
            }
        };
        let Some((d, record)) = find(sets, &request.spec.name)? else {
            failed(format!(
                "no sequence {:?} (region {:?})",
                request.spec.name, request.header
            ))?;
            continue;
        };
        buf.clear();
        quality.clear();
        match request.spec.resolve(sets[d].length(record)?) {
            Resolved::Invalid => {
                failed(format!("region {:?} ends before it begins", request.header))?;
                continue;
            }
            Resolved::Empty => eprintln!("gcol: warning: zero-length sequence: {}", request.header),
            Resolved::Within {
                interval,
                truncated,
            } => {
                let (start, end) = (interval.start(), interval.end());
                if truncated {
                    eprintln!("gcol: warning: truncated sequence: {}", request.header);
                }
                sets[d].fetch_record_into(record, start..end, &mut buf)?;
                if args.fastq {
                    record_quality.clear();
                    sets[d].qualities_into(record, &mut record_quality)?;
                    quality.extend(
                        record_quality[start as usize..end as usize]
                            .iter()
                            .map(|q| q + 33),
                    );
                }
            }
        }
        if args.reverse_complement {
            reverse_complement(&mut buf);
            quality.reverse();
        }
        let width = if args.width == 0 {
            buf.len().max(1)
        } else {
            args.width
        };
        write_lines(out, &buf, width)?;
        if args.fastq {
            out.write_all(separator.as_bytes())?;
            write_lines(out, &quality, width)?;
        }
    }
    Ok(())
}

fn write_lines(out: &mut impl Write, text: &[u8], width: usize) -> std::io::Result<()> {
    for line in text.chunks(width) {
        out.write_all(line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
