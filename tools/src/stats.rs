use std::io::{BufWriter, Write};
use std::path::PathBuf;

use crate::exit::CliResult;
use crate::fetch::{open_sequences, targets};

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
    for t in targets(&sets, &args.regions)? {
        let c = sets[t.dataset].base_counts(t.record, t.start..t.end)?;
        let acgt = c[0] + c[1] + c[2] + c[3];
        let gc = if acgt == 0 {
            "NA".to_string()
        } else {
            format!("{:.6}", (c[1] + c[2]) as f64 / acgt as f64)
        };
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{gc}",
            t.label,
            t.end - t.start,
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
