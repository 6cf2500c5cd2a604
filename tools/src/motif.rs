use std::io::{BufWriter, Write};
use std::path::PathBuf;

use crate::exit::{CliResult, Failure};
use crate::fetch::{open_sequences, targets};

pub struct MotifArgs {
    pub file: PathBuf,
    pub pattern: String,
    pub regions: Vec<String>,
    pub dataset: Option<String>,
    pub forward_only: bool,
    pub count: bool,
}

pub fn run(args: MotifArgs) -> CliResult {
    let sets = open_sequences(&args.file, args.dataset.as_deref())?;
    // The reader's check, so the CLI and Python refuse the same patterns
    // with the same message (a usage error here).
    for set in &sets {
        set.check_pattern(args.pattern.as_bytes())
            .map_err(|e| Failure::new(2, e.to_string()))?;
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.count {
        writeln!(out, "region\tforward\treverse\ttotal")?;
    }
    let k = args.pattern.len() as u64;
    for t in targets(&sets, &args.regions)? {
        let hits = sets[t.dataset].find_motif(
            t.record,
            t.start..t.end,
            args.pattern.as_bytes(),
            !args.forward_only,
        )?;
        if args.count {
            let reverse = hits.iter().filter(|h| h.reverse).count();
            writeln!(
                out,
                "{}\t{}\t{reverse}\t{}",
                t.label,
                hits.len() - reverse,
                hits.len()
            )?;
        } else {
            // BED: 0-based start, exclusive end, strand.
            for h in hits {
                let strand = if h.reverse { '-' } else { '+' };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{strand}",
                    t.name,
                    h.position,
                    h.position + k
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
