//! `gcol view`: VCF records of a variants dataset, with bcftools' options.

use std::io::Write;
use std::path::{Path, PathBuf};

use gcol_reader::variants::{write_vcf, VcfExport, VcfOutput, VcfWriteOptions};
use gcol_reader::{Reader, Variants, VcfRegion};
use gcol_writer::AtomicFile;

use crate::exit::{CliResult, Failure, INVALID};

/// Exit code of a usage error.
const USAGE: u8 = 2;

/// The arguments of `gcol view` (see its help in `main.rs`).
#[derive(clap::Args)]
pub struct ViewArgs {
    /// The .gcol file.
    pub file: PathBuf,
    /// Regions (`chr`, `chr:pos`, `chr:beg-end`).
    pub regions: Vec<String>,
    /// Comma-separated regions.
    #[arg(short = 'r', long = "regions")]
    pub region_list: Option<String>,
    /// File of regions: `chr:beg-end` per line, or tab-separated CHROM, BEG, END.
    #[arg(short = 'R', long)]
    pub regions_file: Option<PathBuf>,
    /// Comma-separated samples to keep (`^A,B` keeps all others).
    #[arg(short = 's', long)]
    pub samples: Option<String>,
    /// File of samples to keep, one per line (`^FILE` excludes them).
    #[arg(short = 'S', long)]
    pub samples_file: Option<PathBuf>,
    /// Do not print the header.
    #[arg(short = 'H', long)]
    pub no_header: bool,
    /// Print only the header.
    #[arg(short = 'h', long)]
    pub header_only: bool,
    /// Drop genotypes: no FORMAT column and no samples.
    #[arg(short = 'G', long)]
    pub drop_genotypes: bool,
    /// Keep INFO/AC and INFO/AN as stored when samples are chosen.
    #[arg(short = 'I', long)]
    pub no_update: bool,
    /// Output file (replaced only when the run succeeds); default: standard output.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Output type: v (VCF), z (BGZF-compressed VCF) or b (BCF); default
    /// from the output name, else v.
    #[arg(short = 'O', long)]
    pub output_type: Option<String>,
    /// The variants dataset (needed when the file has several).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

/// The variants dataset of `file` (`dataset`, or the only one).
pub fn open_variants(reader: &Reader, dataset: Option<&str>) -> Result<Variants, Failure> {
    let names: Vec<&str> = reader
        .datasets()
        .iter()
        .filter(|d| Variants::is_variants(d))
        .map(|d| d.name.as_str())
        .collect();
    let name = match dataset {
        Some(name) => name,
        None => match names.as_slice() {
            [one] => one,
            [] => {
                return Err(Failure::new(
                    INVALID,
                    "the file has no variants dataset (convert a VCF or BCF file)",
                ))
            }
            _ => {
                return Err(Failure::new(
                    USAGE,
                    format!(
                        "the file has {} variants datasets ({}); choose one with --dataset",
                        names.len(),
                        names.join(", ")
                    ),
                ))
            }
        },
    };
    Ok(Variants::open(reader, name)?)
}

fn read_list(path: &Path) -> Result<Vec<String>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::new(crate::exit::IO, format!("{}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().next().unwrap_or(l).to_string())
        .collect())
}

/// Sample indexes from `-s A,B` / `-S FILE` (`^` excludes, as in bcftools).
pub fn choose_samples(
    variants: &Variants,
    list: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<Vec<usize>>, Failure> {
    let (names, exclude) = match (list, file) {
        (Some(_), Some(_)) => {
            return Err(Failure::new(USAGE, "give -s or -S, not both"));
        }
        (Some(list), None) => {
            let (list, exclude) = match list.strip_prefix('^') {
                Some(rest) => (rest, true),
                None => (list, false),
            };
            (
                list.split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                exclude,
            )
        }
        (None, Some(path)) => {
            let text = path.to_string_lossy();
            match text.strip_prefix('^') {
                Some(rest) => (read_list(Path::new(rest))?, true),
                None => (read_list(path)?, false),
            }
        }
        (None, None) => return Ok(None),
    };
    let chosen = variants.sample_indexes(&names)?;
    if exclude {
        return Ok(Some(
            (0..variants.samples().len())
                .filter(|i| !chosen.contains(i))
                .collect(),
        ));
    }
    Ok(Some(chosen))
}

/// Rows of the regions given on the command line, `-r` and `-R` (`None`:
/// every record).
pub fn choose_rows(
    variants: &Variants,
    regions: &[String],
    list: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<Vec<u64>>, Failure> {
    let mut texts: Vec<String> = regions.to_vec();
    if let Some(list) = list {
        texts.extend(list.split(',').filter(|s| !s.is_empty()).map(String::from));
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::new(crate::exit::IO, format!("{}: {e}", path.display())))?;
        for line in text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let f: Vec<&str> = line.split('\t').collect();
            // A tab-separated regions file: CHROM, BEG, END (1-based, inclusive).
            texts.push(match f.as_slice() {
                [c, b, e, ..] => format!("{c}:{b}-{e}"),
                [c, b] => format!("{c}:{b}"),
                _ => line.trim().to_string(),
            });
        }
    }
    if texts.is_empty() {
        return Ok(None);
    }
    let regions = texts
        .iter()
        .map(|t| VcfRegion::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::new(USAGE, e.to_string()))?;
    Ok(Some(variants.regions_rows(&regions)?))
}

pub fn run(args: ViewArgs) -> CliResult {
    let reader = Reader::open(&args.file)?;
    let variants = open_variants(&reader, args.dataset.as_deref())?;
    let mut samples = choose_samples(
        &variants,
        args.samples.as_deref(),
        args.samples_file.as_deref(),
    )?;
    if args.drop_genotypes {
        samples = Some(Vec::new());
    }
    let rows = choose_rows(
        &variants,
        &args.regions,
        args.region_list.as_deref(),
        args.regions_file.as_deref(),
    )?;
    let kind = match (&args.output_type, &args.output) {
        (Some(t), _) => VcfOutput::from_letter(&t[..1.min(t.len())]).ok_or_else(|| {
            Failure::new(
                USAGE,
                format!("-O {t}: expected v (VCF), z (BGZF VCF) or b (BCF)"),
            )
        })?,
        (None, Some(path)) => VcfOutput::from_path(path),
        (None, None) => VcfOutput::Vcf,
    };
    let export = VcfExport {
        rows,
        write: VcfWriteOptions {
            samples,
            update_ac_an: !args.no_update,
        },
        header: !args.no_header,
        header_only: args.header_only,
    };
    match &args.output {
        Some(path) if path.as_os_str() != "-" => {
            let file = write_vcf(&variants, &export, kind, AtomicFile::create(path)?)?;
            file.commit()?;
        }
        _ => {
            let stdout = std::io::stdout();
            let mut out = write_vcf(&variants, &export, kind, stdout.lock())?;
            out.flush()?;
        }
    }
    Ok(())
}
