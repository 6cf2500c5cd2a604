use std::io::{BufWriter, Write};
use std::path::PathBuf;

use gcol_reader::sequences::region::{RegionSpec, Resolved};

use crate::exit::{CliResult, Failure, INVALID};
use crate::fetch::{find, open_sequences};

pub struct StatsArgs {
    pub file: PathBuf,
    pub regions: Vec<String>,
    pub dataset: Option<String>,
}

pub fn run(args: StatsArgs) -> CliResult {
    let sets = open_sequences(&args.file, args.dataset.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    writeln!(out, "region\tlength\tA\tC\tG\tT\tN\tother\tgc")?;
    let mut targets = Vec::new();
    if args.regions.is_empty() {
        for (d, set) in sets.iter().enumerate() {
            for (r, name) in set.names()?.into_iter().enumerate() {
                let length = set.length(r)?;
                targets.push((name, d, r, 0, length));
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
            targets.push((text.clone(), d, r, start, end));
        }
    }
    for (label, d, r, start, end) in targets {
        let c = sets[d].base_counts(r, start..end)?;
        let acgt = c[0] + c[1] + c[2] + c[3];
        let gc = if acgt == 0 {
            "NA".to_string()
        } else {
            format!("{:.6}", (c[1] + c[2]) as f64 / acgt as f64)
        };
        writeln!(
            out,
            "{label}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{gc}",
            end - start,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5]
        )?;
    }
    out.flush()?;
    Ok(())
}
