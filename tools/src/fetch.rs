use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use gcol_format::sequence::reverse_complement;
use gcol_reader::sequences::region::{RegionSpec, Resolved};
use gcol_reader::{Reader, Sequences};

use crate::exit::{CliResult, Failure, INPUT, INVALID};

/// Open the sequences datasets of a file (one, when `dataset` names it).
pub fn open_sequences(file: &Path, dataset: Option<&str>) -> Result<Vec<Sequences>, Failure> {
    let reader = Reader::open(file)?;
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
pub fn find(sets: &[Sequences], name: &str) -> Option<(usize, usize)> {
    sets.iter()
        .enumerate()
        .find_map(|(d, s)| s.record_index(name).ok().map(|r| (d, r)))
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
        let spec = RegionSpec::parse(text, |n| find(sets, n).is_some());
        let (d, r) = find(sets, &spec.name)
            .ok_or_else(|| Failure::new(INVALID, format!("no sequence {:?}", spec.name)))?;
        let (start, end) = match spec.resolve(sets[d].length(r)?) {
            Resolved::Range { start, end, .. } => (start, end),
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
    pub bed: Option<PathBuf>,
    pub reverse_complement: bool,
    pub width: usize,
    pub dataset: Option<String>,
}

/// A request: header text, record name, 1-based inclusive bounds.
struct Request {
    header: String,
    spec: RegionSpec,
}

fn bed_requests(path: &Path) -> Result<Vec<Request>, Failure> {
    let file = std::fs::File::open(path).map_err(|e| {
        Failure::new(
            crate::exit::IO,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| {
            Failure::new(
                crate::exit::IO,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        if line.trim().is_empty()
            || line.starts_with('#')
            || line.starts_with("track")
            || line.starts_with("browser")
        {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let bad =
            |what: &str| Failure::new(INPUT, format!("{}: line {}: {what}", path.display(), i + 1));
        if fields.len() < 3 {
            return Err(bad(
                "a BED line needs chrom, start and end separated by tabs",
            ));
        }
        let start: u64 = fields[1]
            .trim()
            .parse()
            .map_err(|_| bad("start is not a number"))?;
        let end: u64 = fields[2]
            .trim()
            .parse()
            .map_err(|_| bad("end is not a number"))?;
        if end < start {
            return Err(bad("end is before start"));
        }
        // BED is 0-based half-open; the header uses samtools' 1-based form.
        out.push(Request {
            header: format!("{}:{}-{}", fields[0], start + 1, end),
            spec: RegionSpec {
                name: fields[0].to_string(),
                begin: Some(start + 1),
                end: Some(end),
            },
        });
    }
    Ok(out)
}

pub fn run(args: FetchArgs) -> CliResult {
    let sets = open_sequences(&args.file, args.dataset.as_deref())?;
    let mut requests: Vec<Request> = args
        .regions
        .iter()
        .map(|r| Request {
            header: r.clone(),
            spec: RegionSpec::parse(r, |name| find(&sets, name).is_some()),
        })
        .collect();
    if let Some(bed) = &args.bed {
        requests.extend(bed_requests(bed)?);
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut buf = Vec::new();
    let mut failed = None;
    for request in &requests {
        let Some((d, record)) = find(&sets, &request.spec.name) else {
            eprintln!(
                "gcol: error: no sequence {:?} (region {:?})",
                request.spec.name, request.header
            );
            failed = Some(Failure::new(
                INVALID,
                format!("failed to fetch {}", request.header),
            ));
            continue;
        };
        let length = sets[d].length(record)?;
        buf.clear();
        match request.spec.resolve(length) {
            Resolved::Invalid => {
                eprintln!(
                    "gcol: error: region {:?} ends before it begins",
                    request.header
                );
                failed = Some(Failure::new(
                    INVALID,
                    format!("failed to fetch {}", request.header),
                ));
                continue;
            }
            Resolved::Empty => eprintln!("gcol: warning: zero-length sequence: {}", request.header),
            Resolved::Range {
                start,
                end,
                truncated,
            } => {
                if truncated {
                    eprintln!("gcol: warning: truncated sequence: {}", request.header);
                }
                sets[d].fetch_record_into(record, start..end, &mut buf)?;
            }
        }
        if args.reverse_complement {
            reverse_complement(&mut buf);
            writeln!(out, ">{}/rc", request.header)?;
        } else {
            writeln!(out, ">{}", request.header)?;
        }
        let width = if args.width == 0 {
            buf.len().max(1)
        } else {
            args.width
        };
        for line in buf.chunks(width) {
            out.write_all(line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    match failed {
        Some(f) => Err(f),
        None => Ok(()),
    }
}
