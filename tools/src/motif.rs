use std::io::{BufWriter, Write};
use std::path::PathBuf;

use gcol_reader::sequences::region::{RegionSpec, Resolved};

use crate::exit::{CliResult, Failure, INVALID};
use crate::fetch::{find, open_sequences};

pub struct MotifArgs {
    pub file: PathBuf,
    pub pattern: String,
    pub regions: Vec<String>,
    pub dataset: Option<String>,
    pub forward_only: bool,
    pub count: bool,
}

pub fn run(args: MotifArgs) -> CliResult {
    if args.pattern.is_empty() || !args.pattern.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Failure::new(
            INVALID,
            format!("pattern {:?} must be letters only", args.pattern),
        ));
    }
    let sets = open_sequences(&args.file, args.dataset.as_deref())?;
    let mut targets = Vec::new();
    if args.regions.is_empty() {
        for (d, set) in sets.iter().enumerate() {
            for (r, name) in set.names()?.into_iter().enumerate() {
                targets.push((name.clone(), name, d, r, 0, set.length(r)?));
            }
        }
    } else {
        for text in &args.regions {
            let spec = RegionSpec::parse(text, |n| find(&sets, n).is_some());
            let (d, r) = find(&sets, &spec.name)
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
            targets.push((text.clone(), spec.name.clone(), d, r, start, end));
        }
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.count {
        writeln!(out, "region\tforward\treverse\ttotal")?;
    }
    let k = args.pattern.len() as u64;
    for (label, name, d, r, start, end) in targets {
        let hits =
            sets[d].find_motif(r, start..end, args.pattern.as_bytes(), !args.forward_only)?;
        if args.count {
            let reverse = hits.iter().filter(|h| h.reverse).count();
            writeln!(
                out,
                "{label}\t{}\t{reverse}\t{}",
                hits.len() - reverse,
                hits.len()
            )?;
        } else {
            // BED: 0-based start, exclusive end, strand.
            for h in hits {
                let strand = if h.reverse { '-' } else { '+' };
                writeln!(out, "{name}\t{}\t{}\t{strand}", h.position, h.position + k)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
