use std::io::{BufWriter, Write};
use std::path::PathBuf;

use crate::exit::CliResult;
use crate::fetch::{open_sequences, targets};

pub struct StatsArgs {
    pub file: PathBuf,
    pub regions: Vec<String>,
    pub dataset: Option<String>,
}

/// `bcftools stats`' summary section for a variants dataset (the one named,
/// or the file's only dataset kind).
fn run_variants(args: &StatsArgs) -> CliResult {
    let reader = gcol_reader::Reader::open(&args.file)?;
    let variants = crate::view::open_variants(&reader, args.dataset.as_deref())?;
    let rows = crate::view::choose_rows(&variants, &args.regions, None, None)?;
    let summary = variants.summary(rows.as_deref())?;
    crate::exit::outln!("# SN, Summary numbers (as bcftools stats):");
    print!("{}", summary.sn_lines());
    Ok(())
}

pub fn run(args: StatsArgs) -> CliResult {
    let reader = gcol_reader::Reader::open(&args.file)?;
    let variants = match &args.dataset {
        Some(name) => reader
            .datasets()
            .iter()
            .any(|d| d.name == *name && gcol_reader::Variants::is_variants(d)),
        None => {
            !reader.datasets().is_empty()
                && reader
                    .datasets()
                    .iter()
                    .all(gcol_reader::Variants::is_variants)
        }
    };
    drop(reader);
    if variants {
        return run_variants(&args);
    }
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
