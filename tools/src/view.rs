//! `gcol view`: VCF records of a variants dataset, with bcftools' options,
//! or SAM/BAM records of an alignments dataset, with samtools' options.

use std::io::Write;
use std::path::{Path, PathBuf};

use gcol_reader::alignments::{write_alignments, AlignmentExport, AlignmentOutput};
use gcol_reader::variants::{write_vcf, VcfExport, VcfOutput, VcfWriteOptions};
use gcol_reader::{AlignmentRegion, Alignments, Reader, RecordFilter, Variants, VcfRegion};
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
    /// Alignments: keep records with all these FLAG bits (decimal or 0x hex).
    #[arg(short = 'f', long = "require-flags", value_parser = parse_flags)]
    pub require_flags: Option<u16>,
    /// Alignments: drop records with any of these FLAG bits.
    #[arg(short = 'F', long = "excl-flags", value_parser = parse_flags)]
    pub exclude_flags: Option<u16>,
    /// Alignments: keep records with MAPQ at least this.
    #[arg(short = 'q', long = "min-MQ")]
    pub min_mapq: Option<u8>,
    /// Alignments: write BAM (as `samtools view -b`).
    #[arg(short = 'b', long = "bam")]
    pub bam: bool,
    /// Alignments: the reference the bases were coded against when it is
    /// outside the file (FASTA or .gcol; matched by each contig's length
    /// and MD5), as `samtools view -T` for CRAM.
    #[arg(short = 'T', long = "reference", value_name = "FASTA|GCOL")]
    pub reference: Option<PathBuf>,
    /// The dataset (needed when the file has several variants or
    /// alignments datasets).
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

/// Sample names from `-s A,B` / `-S FILE`, and whether they are to be
/// left out (`^`, as in bcftools); `None` when neither is given.
pub fn sample_names(
    list: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<(Vec<String>, bool)>, Failure> {
    Ok(Some(match (list, file) {
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
    }))
}

/// Sample indexes from `-s A,B` / `-S FILE` (`^` excludes, as in bcftools).
pub fn choose_samples(
    variants: &Variants,
    list: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<Vec<usize>>, Failure> {
    let Some((names, exclude)) = sample_names(list, file)? else {
        return Ok(None);
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

/// The regions given on the command line, `-r` and `-R`, as text.
pub fn region_texts(
    regions: &[String],
    list: Option<&str>,
    file: Option<&Path>,
) -> Result<Vec<String>, Failure> {
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
    Ok(texts)
}

/// Rows of the regions given on the command line, `-r` and `-R` (`None`:
/// every record).
pub fn choose_rows(
    variants: &Variants,
    regions: &[String],
    list: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<Vec<u64>>, Failure> {
    let texts = region_texts(regions, list, file)?;
    if texts.is_empty() {
        return Ok(None);
    }
    let regions = texts
        .iter()
        .map(|t| VcfRegion::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::new(USAGE, e.to_string()))?;
    Ok(Some(variants.regions_rows_in_order(&regions)?))
}

/// FLAG bits as samtools takes them: decimal, `0x` hex or `0` octal.
fn parse_flags(text: &str) -> Result<u16, String> {
    let parsed = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u16::from_str_radix(hex, 16)
    } else if text.len() > 1 && text.starts_with('0') {
        u16::from_str_radix(&text[1..], 8)
    } else {
        text.parse::<u16>()
    };
    parsed.map_err(|_| format!("{text:?} is not a FLAG value (0..65535, decimal or 0x hex)"))
}

/// The alignments dataset to view: `--dataset`, or the only alignments
/// dataset when the file has no variants dataset chosen.
fn alignments_dataset(reader: &Reader, dataset: Option<&str>) -> Option<String> {
    let datasets = reader.datasets();
    match dataset {
        Some(name) => datasets
            .iter()
            .find(|d| d.name == name && Alignments::is_alignments(d))
            .map(|d| d.name.clone()),
        None => {
            let found: Vec<&str> = datasets
                .iter()
                .filter(|d| Alignments::is_alignments(d))
                .map(|d| d.name.as_str())
                .collect();
            let variants = datasets.iter().any(Variants::is_variants);
            match found.as_slice() {
                [one] if !variants => Some(one.to_string()),
                _ => None,
            }
        }
    }
}

/// Regions of an alignments dataset from the command line and `-r`.
pub fn alignment_regions(
    alignments: &Alignments,
    regions: &[String],
    list: Option<&str>,
) -> Result<Vec<AlignmentRegion>, Failure> {
    let mut texts: Vec<String> = regions.to_vec();
    if let Some(list) = list {
        texts.extend(list.split(',').filter(|s| !s.is_empty()).map(String::from));
    }
    texts
        .iter()
        .map(|t| alignments.region(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::new(USAGE, e.to_string()))
}

/// Read options for a command: a region query reads a few pages of each
/// column, and readahead would decode the following pages too
/// (context-coded pages cost ~13 ms each) for nothing; reading whole
/// datasets in order keeps it.
pub fn read_options(regions: bool) -> gcol_reader::ReadOptions {
    gcol_reader::ReadOptions::default().readahead_pages(if regions { 0 } else { 4 })
}

/// Open alignments dataset `name`, binding `reference` (a FASTA or
/// `.gcol` file) for bases coded against a reference outside the file
/// (spec 15.10).
pub fn open_alignments(
    reader: &Reader,
    name: &str,
    reference: Option<&std::path::Path>,
) -> Result<Alignments, Failure> {
    let alignments = Alignments::open(reader, name)?;
    Ok(match reference {
        Some(path) => {
            alignments.with_reference(gcol_import::reference::open_reference_bases(path)?)
        }
        None => alignments,
    })
}

/// `samtools view`: SAM (or BAM with `-b`/`-o x.bam`) of the records
/// overlapping the regions, filtered by FLAG and MAPQ; `-h` adds the
/// header, `-H` prints only the header (samtools' meanings).
fn run_alignments(args: &ViewArgs, reader: &Reader, name: &str) -> CliResult {
    let alignments = open_alignments(reader, name, args.reference.as_deref())?;
    if args.samples.is_some() || args.samples_file.is_some() || args.regions_file.is_some() {
        return Err(Failure::new(
            USAGE,
            "-s, -S and -R select variants; an alignments dataset takes regions and -f/-F/-q",
        ));
    }
    let regions = alignment_regions(&alignments, &args.regions, args.region_list.as_deref())?;
    let kind = match (&args.output_type, &args.output) {
        (Some(t), _) => match t.to_ascii_lowercase().as_str() {
            "sam" | "v" => AlignmentOutput::Sam,
            "bam" | "b" => AlignmentOutput::Bam,
            other => {
                return Err(Failure::new(
                    USAGE,
                    format!("-O {other}: expected sam or bam for alignments"),
                ))
            }
        },
        _ if args.bam => AlignmentOutput::Bam,
        (None, Some(path)) if path.as_os_str() != "-" => AlignmentOutput::from_path(path),
        _ => AlignmentOutput::Sam,
    };
    let export = AlignmentExport {
        regions,
        filter: RecordFilter {
            require: args.require_flags.unwrap_or(0),
            exclude: args.exclude_flags.unwrap_or(0),
            min_mapq: args.min_mapq.unwrap_or(0),
        },
        // samtools: -h with the header, -H the header only.
        header: args.header_only,
        header_only: args.no_header,
    };
    match &args.output {
        Some(path) if path.as_os_str() != "-" => {
            write_alignments(&alignments, &export, kind, AtomicFile::create(path)?)?.commit()?;
        }
        _ => {
            let mut out = write_alignments(&alignments, &export, kind, std::io::stdout())?;
            out.flush()?;
        }
    }
    Ok(())
}

pub fn run(args: ViewArgs) -> CliResult {
    let regions =
        !args.regions.is_empty() || args.region_list.is_some() || args.regions_file.is_some();
    let reader = Reader::open_with(&args.file, read_options(regions))?;
    if let Some(name) = alignments_dataset(&reader, args.dataset.as_deref()) {
        return run_alignments(&args, &reader, &name);
    }
    if args.require_flags.is_some()
        || args.exclude_flags.is_some()
        || args.min_mapq.is_some()
        || args.bam
    {
        return Err(Failure::new(
            USAGE,
            "-f, -F, -q and -b filter alignments; this is a variants dataset",
        ));
    }
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
