//! VCF and BCF into a `variants` dataset (spec 14).
//!
//! Two passes over the input. The first checks the records (column counts,
//! contigs contiguous, positions sorted) and sizes the arrays: the largest
//! ploidy and allele index, how many values each FORMAT field holds per
//! sample at most, which INFO fields ever hold more than one value, and
//! which fields the header does not declare (declared then, as bcftools
//! does, with a warning). Nothing is written when it fails. The second
//! pass parses every field and writes the columns; records in are counted
//! against records out.
//!
//! Genotypes are parsed here from the sample bytes (noodles' generic
//! per-sample API is an order of magnitude slower on wide files).

mod bcf;
mod header;
mod refcode;
mod source;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use gcol_format::encoding::Encoding;
use gcol_format::manifest::{ChunkOrder, Coordinates, Provenance};
use gcol_format::schema::variants::{self, columns as col, meta, GT_END, GT_MISSING};
use gcol_format::PhysicalType;
use gcol_writer::{ColumnId, ColumnSpec, DatasetSpec, Error, Result, Writer};

pub use header::{FieldDef, VcfHeader, VcfType};
use source::Source;

use crate::Progress;

/// Default variants per chunk of a FORMAT array.
pub const CHUNK_VARIANTS: u64 = 4_096;
/// Default samples per chunk of a FORMAT array.
pub const CHUNK_SAMPLES: u64 = 1_000;
/// Decoded bytes a chunk may reach before its variant count is lowered
/// (fields with many values per sample).
const CHUNK_BYTES: u64 = 16 << 20;
/// Largest ploidy (the phase bits of one call fit one byte).
pub const MAX_PLOIDY: usize = 7;

/// How to import.
#[derive(Debug, Clone)]
pub struct VcfOptions {
    /// Dataset name.
    pub dataset: String,
    /// zstd level of every column.
    pub zstd_level: i32,
    /// Variants per chunk of FORMAT arrays.
    pub chunk_variants: u64,
    /// Samples per chunk of FORMAT arrays.
    pub chunk_samples: u64,
    /// Set to stop.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Name recorded in provenance instead of the file's (a stream that
    /// was copied to a temporary file).
    pub source_name: Option<String>,
    /// The reference REF is checked against (spec 14.7).
    pub reference: Option<ReferenceSpec>,
}

/// A reference for REF alleles (spec 14.7).
#[derive(Debug, Clone)]
pub struct ReferenceSpec {
    /// A FASTA or `.gcol` file.
    pub path: PathBuf,
    /// The `sequences` dataset of the output that holds this reference:
    /// REF is then stored only where it differs. `None`: REF is checked
    /// and kept as text (the file stays readable without the reference).
    pub dataset: Option<String>,
}

impl VcfOptions {
    /// Defaults: zstd 9, chunks of 4,096 variants × 1,000 samples.
    pub fn new(dataset: impl Into<String>) -> VcfOptions {
        VcfOptions {
            dataset: dataset.into(),
            zstd_level: 9,
            chunk_variants: CHUNK_VARIANTS,
            chunk_samples: CHUNK_SAMPLES,
            cancel: None,
            source_name: None,
            reference: None,
        }
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Default)]
pub struct VcfSummary {
    /// Dataset name.
    pub dataset: String,
    /// Records (sites).
    pub records: u64,
    /// Samples.
    pub samples: u64,
    /// Contigs with records.
    pub contigs: u64,
    /// Input bytes (compressed, when it is).
    pub source_bytes: u64,
    /// Bytes of VCF text (for BCF: of the records as VCF text).
    pub text_bytes: u64,
    /// Fields the header did not declare (declared as bcftools does).
    pub undeclared: Vec<String>,
}

/// Per-field facts from the first pass.
#[derive(Debug, Clone, Default)]
struct FieldStat {
    seen: bool,
    /// Some record holds more than one value (INFO numbers).
    multi: bool,
    /// Most values in one sample's cell (FORMAT numbers), or bytes (text).
    max_count: usize,
    /// A cell ends in a missing value after others (`1,.`): counts are stored.
    needs_count: bool,
    /// An Integer INFO value needs 64 bits (END of a long contig).
    wide: bool,
}

/// The first pass's findings.
#[derive(Debug, Default)]
struct Scan {
    records: u64,
    info: Vec<FieldStat>,
    format: Vec<FieldStat>,
    max_ploidy: usize,
    max_allele: i64,
    /// Some ID is `rs` and a number (stored as the number, spec 14.2).
    rs_ids: bool,
    /// The most ALT alleles of a record.
    max_alts: usize,
    /// INFO/AC (Number=A) equals the ALT allele counts of the genotypes on
    /// every record that has it: stored as derived (spec 14.3).
    derive_ac: bool,
    /// INFO/AN (Number=1) equals the number of called alleles likewise.
    derive_an: bool,
}

/// Field lookup by ID.
struct Fields {
    info: HashMap<Vec<u8>, usize>,
    format: HashMap<Vec<u8>, usize>,
}

impl Fields {
    fn of(header: &VcfHeader) -> Fields {
        Fields {
            info: header
                .infos
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.as_bytes().to_vec(), i))
                .collect(),
            format: header
                .formats
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.as_bytes().to_vec(), i))
                .collect(),
        }
    }
}

/// A record line cut into its columns.
struct Line<'a> {
    fixed: [&'a [u8]; 8],
    format: Option<&'a [u8]>,
    /// The sample columns, tab-separated (counted against the header).
    rest: &'a [u8],
    /// Whether a tab follows FORMAT (then `rest` holds at least one sample
    /// column, maybe empty).
    with_samples: bool,
}

impl<'a> Line<'a> {
    /// The sample columns.
    fn samples(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let rest = self.rest;
        let mut start = 0usize;
        let mut ends = memchr::memchr_iter(b'\t', rest).chain(std::iter::once(rest.len()));
        std::iter::from_fn(move || {
            let end = ends.next()?;
            let field = &rest[start..end];
            start = end + 1;
            Some(field)
        })
        .take(if self.with_samples { usize::MAX } else { 0 })
    }

    /// Whether the samples are all written `a|b` or `a/b` with one-digit
    /// alleles under FORMAT `GT` (phased panels, simulated cohorts): then
    /// `diploid_gt` reads them by position, without splitting.
    fn fixed_gt(&self, samples: usize) -> bool {
        self.format == Some(b"GT") && samples > 0 && self.rest.len() == samples * 4 - 1
    }
}

/// Allele indexes and phase of `n` samples laid out `a|b\t` (see
/// [`Line::fixed_gt`]); `false` (nothing to rely on written) when a sample
/// is not two one-digit alleles with `|` or `/`.
fn diploid_gt(rest: &[u8], n: usize, mut put: impl FnMut(usize, u8, u8, bool)) -> bool {
    for s in 0..n {
        let at = 4 * s;
        let (a, sep, b) = (rest[at], rest[at + 1], rest[at + 2]);
        let tab_ok = s + 1 == n || rest[at + 3] == b'\t';
        if !(a.is_ascii_digit() && b.is_ascii_digit() && (sep == b'|' || sep == b'/') && tab_ok) {
            return false;
        }
        put(s, a - b'0', b - b'0', sep == b'|');
    }
    true
}

/// Names the input, record and line of an error.
#[derive(Clone)]
struct Here<'a> {
    path: &'a Path,
    record: u64,
    line: u64,
}

impl Here<'_> {
    fn err(&self, field: &'static str, detail: impl Into<String>) -> Error {
        Error::Input {
            path: self.path.to_path_buf(),
            record: self.record,
            line: self.line,
            field,
            detail: detail.into(),
        }
    }
}

const FIXED_NAMES: [&str; 8] = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"];

fn split_line<'a>(line: &'a [u8], header: &VcfHeader, here: &Here<'_>) -> Result<Line<'a>> {
    // The eight fixed columns and FORMAT by their tabs; the sample columns
    // stay one slice.
    let mut fixed: [&[u8]; 8] = [&[]; 8];
    let mut start = 0usize;
    let mut tabs = memchr::memchr_iter(b'\t', line);
    for (i, slot) in fixed.iter_mut().enumerate() {
        let end = match tabs.next() {
            Some(t) => t,
            None if i == 7 => line.len(),
            None => {
                return Err(here.err(
                    "columns",
                    format!(
                        "{} tab-separated columns, a record needs at least 8 (missing {})",
                        i + 1,
                        FIXED_NAMES[i + 1]
                    ),
                ))
            }
        };
        *slot = &line[start..end];
        start = end + 1;
    }
    let (format, rest, with_samples) = if start > line.len() {
        (None, &[][..], false)
    } else {
        match tabs.next() {
            Some(t) => (Some(&line[start..t]), &line[t + 1..], true),
            None => (Some(&line[start..]), &[][..], false),
        }
    };
    let expected = header.samples.len();
    let found = if with_samples {
        memchr::memchr_iter(b'\t', rest).count() + 1
    } else {
        0
    };
    if found != expected {
        return Err(here.err(
            "columns",
            format!("{found} sample columns, the header names {expected} samples"),
        ));
    }
    if format.is_some() && !header.has_format && expected == 0 {
        return Err(here.err(
            "columns",
            "a FORMAT column, but the header's #CHROM line has none",
        ));
    }
    if expected > 0 && format.is_none() {
        return Err(here.err("FORMAT", "missing, the header names samples"));
    }
    Ok(Line {
        fixed,
        format,
        rest,
        with_samples,
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn parse_pos(bytes: &[u8], here: &Here<'_>) -> Result<u64> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&p| p < 1 << 62)
        .ok_or_else(|| here.err("POS", format!("{:?} is not a position", text(bytes))))
}

fn alt_count(alt: &[u8]) -> usize {
    if alt == b"." {
        0
    } else {
        memchr::memchr_iter(b',', alt).count() + 1
    }
}

/// Items of INFO `key=value` pairs (`key` alone for a flag).
fn info_pairs(info: &[u8]) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
    let none = info == b"." || info.is_empty();
    info.split(|&b| b == b';')
        .filter(move |s| !none && !s.is_empty())
        .map(|pair| match memchr::memchr(b'=', pair) {
            Some(i) => (&pair[..i], Some(&pair[i + 1..])),
            None => (pair, None),
        })
}

/// Parse a GT value into `alleles` (padded with [`GT_END`]) and its phase
/// byte. Returns the ploidy. The common diploid call of one-digit alleles
/// (`0|1`) takes a fast path.
fn parse_gt(value: &[u8], alleles: &mut [i32], here: &Here<'_>) -> Result<(usize, u8)> {
    if let [a, sep, b] = *value {
        if a.is_ascii_digit()
            && b.is_ascii_digit()
            && (sep == b'|' || sep == b'/')
            && alleles.len() >= 2
        {
            alleles[0] = i32::from(a - b'0');
            alleles[1] = i32::from(b - b'0');
            for slot in &mut alleles[2..] {
                *slot = i32::from(GT_END);
            }
            return Ok((2, u8::from(sep == b'|')));
        }
    }
    let bad = |detail: String| here.err("GT", detail);
    let not_gt = || bad(format!("{:?} is not a genotype", text(value)));
    let mut phase = 0u8;
    let mut v = value;
    match v.first() {
        Some(b'|') => {
            phase |= variants::PHASE_LEADING;
            v = &v[1..];
        }
        Some(b'/') => {
            phase |= 0x40;
            v = &v[1..];
        }
        _ => {}
    }
    let mut ploidy = 0usize;
    let mut i = 0usize;
    loop {
        if ploidy >= alleles.len() {
            return Err(bad(format!(
                "{:?} has more than {} alleles",
                text(value),
                alleles.len()
            )));
        }
        if v.get(i) == Some(&b'.') {
            alleles[ploidy] = i32::from(GT_MISSING);
            i += 1;
        } else {
            let start = i;
            let mut allele = 0i32;
            while let Some(&d) = v.get(i).filter(|d| d.is_ascii_digit()) {
                allele = allele * 10 + i32::from(d - b'0');
                if allele > i32::from(i16::MAX) {
                    return Err(not_gt());
                }
                i += 1;
            }
            if i == start {
                return Err(not_gt());
            }
            alleles[ploidy] = allele;
        }
        ploidy += 1;
        match v.get(i) {
            None => break,
            Some(b'|') => {
                if ploidy > 6 {
                    return Err(bad(format!(
                        "{:?}: ploidy above {MAX_PLOIDY} is not supported",
                        text(value)
                    )));
                }
                phase |= 1 << (ploidy - 1);
            }
            Some(b'/') => {}
            Some(_) => return Err(not_gt()),
        }
        i += 1;
    }
    for slot in &mut alleles[ploidy..] {
        *slot = i32::from(GT_END);
    }
    Ok((ploidy, phase))
}

/// The number of an ID written `rs` + decimal digits without leading zeros
/// (a dbSNP reference SNP), which is stored as that number.
fn rs_number(id: &[u8]) -> Option<u64> {
    let digits = id.strip_prefix(b"rs")?;
    if digits.is_empty()
        || digits.len() > 19
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits[0] == b'0' && digits.len() > 1)
    {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Count of comma-separated values and whether the last of several is `.`.
fn count_values(value: &[u8]) -> (usize, bool) {
    let count = memchr::memchr_iter(b',', value).count() + 1;
    let trailing_missing = count > 1 && value.ends_with(b",.");
    (count, trailing_missing)
}

/// What the sequential part of the first pass found on one line, for the
/// parallel part.
struct LineKeys {
    /// FORMAT field indexes of the line, in order (`None`: no FORMAT column).
    keys: Option<Vec<usize>>,
    n_alt: usize,
    ac_text: Option<Vec<u8>>,
    an_text: Option<Vec<u8>>,
}

/// What the sample columns of one line showed.
#[derive(Default)]
struct SampleStats {
    max_ploidy: usize,
    max_allele: i64,
    /// `(field, most values or bytes in a cell, a cell ends in `.`)`.
    fields: Vec<(usize, usize, bool)>,
    /// Calls of each allele (REF first).
    counts: Vec<i64>,
}

/// The sample columns of one line: ploidy, allele indexes and counts,
/// values per cell of each FORMAT field.
fn scan_samples(
    l: &Line<'_>,
    keys: &[usize],
    n_alt: usize,
    header: &VcfHeader,
    here: &Here<'_>,
) -> Result<SampleStats> {
    let mut out = SampleStats {
        fields: keys.iter().map(|&k| (k, 0, false)).collect(),
        counts: vec![0; n_alt + 1],
        ..SampleStats::default()
    };
    let n = header.samples.len();
    if keys.len() == 1 && header.formats[keys[0]].id == "GT" && l.fixed_gt(n) {
        let (mut max_allele, counts) = (0u8, &mut out.counts);
        let fast = diploid_gt(l.rest, n, |_, a, b, _| {
            max_allele = max_allele.max(a).max(b);
            for x in [a, b] {
                if let Some(c) = counts.get_mut(usize::from(x)) {
                    *c += 1;
                }
            }
        });
        if fast {
            out.max_ploidy = 2;
            out.max_allele = i64::from(max_allele);
            return Ok(out);
        }
        out.counts.iter_mut().for_each(|c| *c = 0);
    }
    let mut alleles = [0i32; MAX_PLOIDY];
    for sample in l.samples() {
        for ((value, &k), field) in sample.split(|&b| b == b':').zip(keys).zip(&mut out.fields) {
            let def = &header.formats[k];
            if def.id == "GT" {
                let (ploidy, _) = parse_gt(value, &mut alleles, here)?;
                out.max_ploidy = out.max_ploidy.max(ploidy);
                // An index past the ALT alleles is kept (htslib keeps it).
                for &a in &alleles[..ploidy] {
                    out.max_allele = out.max_allele.max(i64::from(a));
                    if a >= 0 && (a as usize) < out.counts.len() {
                        out.counts[a as usize] += 1;
                    }
                }
            } else if def.ty.is_text() || def.ty == VcfType::Flag {
                field.1 = field.1.max(value.len());
            } else {
                let (count, trailing) = count_values(value);
                field.1 = field.1.max(count);
                field.2 |= trailing;
            }
        }
    }
    Ok(out)
}

/// The first pass: check order, declare undeclared fields, size arrays.
/// Lines are read in batches; the fixed columns, INFO and FORMAT keys are
/// checked in order (they may declare fields), the sample columns in
/// parallel, and the findings merged in order, so the first error in the
/// file is the one reported.
fn scan(
    path: &Path,
    source: &mut Source,
    header: &mut VcfHeader,
    options: &VcfOptions,
    progress: &dyn Fn(u64, u64),
    warn: &mut dyn FnMut(String),
) -> Result<Scan> {
    let mut out = Scan::default();
    let mut fields = Fields::of(header);
    let mut lines = header.lines;
    let mut line = Vec::new();
    let mut contigs: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut current: Option<Vec<u8>> = None;
    let mut last_pos = 0u64;
    // Whatever the declared Number, the check below compares the text.
    let declared = |id: &str| {
        header
            .infos
            .iter()
            .any(|d| d.id == id && d.ty == VcfType::Integer)
    };
    out.derive_ac = declared("AC");
    out.derive_an = declared("AN");
    let mut batch: Vec<(Vec<u8>, u64)> = Vec::new();
    loop {
        batch.clear();
        let mut batch_bytes = 0usize;
        while batch.len() < BATCH_LINES && batch_bytes < BATCH_BYTES {
            if !source.next_line(&mut line, &mut lines)? {
                break;
            }
            batch_bytes += line.len();
            batch.push((line.clone(), lines));
        }
        if batch.is_empty() {
            break;
        }
        crate::check_cancel(options.cancel.as_ref())?;
        let (done, total) = source.position();
        progress(done / 2, total);
        let first_record = out.records;
        // In order: everything but the samples; stops at the first error.
        let mut prepared: Vec<LineKeys> = Vec::with_capacity(batch.len());
        let mut failure = None;
        for (i, (text_line, line_no)) in batch.iter().enumerate() {
            let here = Here {
                path,
                record: first_record + i as u64 + 1,
                line: *line_no,
            };
            match scan_fixed(
                text_line,
                &here,
                header,
                &mut fields,
                &mut out,
                &mut contigs,
                &mut current,
                &mut last_pos,
                path,
                warn,
            ) {
                Ok(k) => prepared.push(k),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        // In parallel: the sample columns of the lines before any error.
        let stats: Vec<Result<Option<SampleStats>>> = {
            use rayon::prelude::*;
            let header = &*header;
            batch[..prepared.len()]
                .par_iter()
                .zip(&prepared)
                .enumerate()
                .map(|(i, ((text_line, line_no), k))| {
                    let Some(keys) = &k.keys else { return Ok(None) };
                    let here = Here {
                        path,
                        record: first_record + i as u64 + 1,
                        line: *line_no,
                    };
                    let l = split_line(text_line, header, &here)?;
                    scan_samples(&l, keys, k.n_alt, header, &here).map(Some)
                })
                .collect()
        };
        if out.format.len() < header.formats.len() {
            out.format
                .resize(header.formats.len(), FieldStat::default());
        }
        for (k, stats) in prepared.iter().zip(stats) {
            out.records += 1;
            let Some(stats) = stats? else {
                out.derive_ac &= k.ac_text.is_none();
                out.derive_an &= k.an_text.is_none();
                continue;
            };
            out.max_ploidy = out.max_ploidy.max(stats.max_ploidy);
            out.max_allele = out.max_allele.max(stats.max_allele);
            let keys = k.keys.as_deref().unwrap_or_default();
            for &f in keys {
                out.format[f].seen = true;
            }
            for &(f, count, trailing) in &stats.fields {
                let stat = &mut out.format[f];
                stat.max_count = stat.max_count.max(count);
                stat.needs_count |= trailing;
            }
            // AC and AN equal to what the genotypes give can be derived.
            let has_gt = keys.iter().any(|&f| header.formats[f].id == "GT");
            if let Some(text) = &k.an_text {
                let an: i64 = stats.counts.iter().sum();
                out.derive_an &= has_gt && *text == an.to_string().as_bytes();
            }
            if let Some(text) = &k.ac_text {
                let derived: Vec<String> = stats.counts[1..].iter().map(i64::to_string).collect();
                out.derive_ac &= has_gt && k.n_alt > 0 && *text == derived.join(",").as_bytes();
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
    }
    out.info.resize(header.infos.len(), FieldStat::default());
    out.format
        .resize(header.formats.len(), FieldStat::default());
    Ok(out)
}

/// The first pass over one line's fixed columns, INFO and FORMAT keys.
#[allow(clippy::too_many_arguments)]
fn scan_fixed(
    text_line: &[u8],
    here: &Here<'_>,
    header: &mut VcfHeader,
    fields: &mut Fields,
    out: &mut Scan,
    contigs: &mut HashMap<Vec<u8>, u64>,
    current: &mut Option<Vec<u8>>,
    last_pos: &mut u64,
    path: &Path,
    warn: &mut dyn FnMut(String),
) -> Result<LineKeys> {
    let l = split_line(text_line, header, here)?;
    let chrom = l.fixed[0];
    let pos = parse_pos(l.fixed[1], here)?;
    if current.as_deref() != Some(chrom) {
        if let Some(first) = contigs.get(chrom) {
            return Err(here.err(
                "CHROM",
                format!(
                    "records of {:?} are not together (its first record is record {first}): the input is not sorted; sort it with `bcftools sort -Oz -o sorted.vcf.gz {}`",
                    text(chrom),
                    path.display()
                ),
            ));
        }
        contigs.insert(chrom.to_vec(), here.record);
        *current = Some(chrom.to_vec());
    } else if pos < *last_pos {
        return Err(here.err(
            "POS",
            format!(
                "{pos} after {last_pos} on {:?}: the input is not sorted; sort it with `bcftools sort -Oz -o sorted.vcf.gz {}`",
                text(chrom),
                path.display()
            ),
        ));
    }
    *last_pos = pos;
    let n_alt = alt_count(l.fixed[4]);
    out.max_allele = out.max_allele.max(n_alt as i64);
    out.rs_ids |= rs_number(l.fixed[2]).is_some();
    out.max_alts = out.max_alts.max(n_alt);
    // INFO.
    let mut keys: Vec<usize> = Vec::new();
    let (mut ac_text, mut an_text) = (None, None);
    for (key, value) in info_pairs(l.fixed[7]) {
        match key {
            b"AC" => ac_text = Some(value.unwrap_or(b"").to_vec()),
            b"AN" => an_text = Some(value.unwrap_or(b"").to_vec()),
            _ => {}
        }
        let index = match fields.info.get(key) {
            Some(&i) => i,
            None => {
                let id = text(key);
                warn(format!(
                    "{}: INFO/{id} is not declared in the header; declared as {} (as bcftools does)",
                    path.display(),
                    if value.is_none() { "a Flag" } else { "Type=String, Number=1" }
                ));
                header.declare(true, &id, value.is_none());
                fields.info.insert(key.to_vec(), header.infos.len() - 1);
                header.infos.len() - 1
            }
        };
        if keys.contains(&index) {
            return Err(here.err("INFO", format!("{} appears twice", text(key))));
        }
        keys.push(index);
        if out.info.len() < header.infos.len() {
            out.info.resize(header.infos.len(), FieldStat::default());
        }
        let stat = &mut out.info[index];
        stat.seen = true;
        let def = &header.infos[index];
        if matches!(def.ty, VcfType::Integer | VcfType::Float) {
            if let Some(value) = value {
                stat.multi |= memchr::memchr(b',', value).is_some();
                if def.ty == VcfType::Integer {
                    for item in value.split(|&b| b == b',') {
                        if let Some(v) = parse_i64(item, here, "INFO", &def.id)? {
                            stat.wide |= !fits_i32(v);
                        }
                    }
                }
            }
        }
    }
    // FORMAT keys.
    let Some(format) = l.format else {
        return Ok(LineKeys {
            keys: None,
            n_alt,
            ac_text,
            an_text,
        });
    };
    keys.clear();
    if format != b"." {
        for key in format.split(|&b| b == b':') {
            let index = match fields.format.get(key) {
                Some(&i) => i,
                None => {
                    let id = text(key);
                    warn(format!(
                        "{}: FORMAT/{id} is not declared in the header; declared as Type=String, Number=1 (as bcftools does)",
                        path.display()
                    ));
                    header.declare(false, &id, false);
                    fields.format.insert(key.to_vec(), header.formats.len() - 1);
                    header.formats.len() - 1
                }
            };
            if keys.contains(&index) {
                return Err(here.err("FORMAT", format!("{} appears twice", text(key))));
            }
            keys.push(index);
        }
    }
    Ok(LineKeys {
        keys: Some(keys),
        n_alt,
        ac_text,
        an_text,
    })
}

/// How an INFO field is stored.
enum InfoColumn {
    Flag(ColumnId),
    Int(ColumnId, bool),
    Float(ColumnId),
    IntList(ColumnId, ColumnId, bool),
    FloatList(ColumnId, ColumnId),
    Text(ColumnId),
}

/// Records read and parsed at a time in the second pass.
const BATCH_LINES: usize = 2048;
/// Bytes of VCF text read and parsed at a time in the second pass.
const BATCH_BYTES: usize = 16 << 20;

/// One record's values of one FORMAT field, for all samples.
enum CellRow {
    /// Allele indexes of at most 127, and phase bytes.
    Gt8(Vec<i8>, Vec<u8>),
    Gt16(Vec<i16>, Vec<u8>),
    Int(Vec<i32>, Vec<bool>, Vec<u16>),
    Float(Vec<f32>, Vec<bool>, Vec<u16>),
    Text(Vec<u8>),
}

/// Parse the sample columns of one record into a row per FORMAT column
/// (absent values as spec 14.4 says).
fn parse_cells(
    columns: &[FormatColumn],
    fields: &Fields,
    format_of: &[Option<usize>],
    header: &VcfHeader,
    l: &Line<'_>,
    samples: usize,
    here: &Here<'_>,
) -> Result<Vec<CellRow>> {
    let mut rows: Vec<CellRow> = columns
        .iter()
        .map(|fc| {
            let w = fc.width;
            let counts = if fc.count.is_some() { samples } else { 0 };
            match fc.kind {
                FormatKind::Gt { wide: false, .. } => {
                    CellRow::Gt8(vec![GT_END as i8; samples * w], vec![0; samples])
                }
                FormatKind::Gt { wide: true, .. } => {
                    CellRow::Gt16(vec![GT_END; samples * w], vec![0; samples])
                }
                FormatKind::Int => CellRow::Int(
                    vec![0; samples * w],
                    vec![false; samples * w],
                    vec![0; counts],
                ),
                FormatKind::Float => CellRow::Float(
                    vec![0.0; samples * w],
                    vec![false; samples * w],
                    vec![0; counts],
                ),
                FormatKind::Text => CellRow::Text(vec![0; samples * w]),
            }
        })
        .collect();
    if samples == 0 {
        return Ok(rows);
    }
    let format = l.format.unwrap_or(b".");
    if format == b"." {
        return Ok(rows);
    }
    let mut keys: Vec<usize> = Vec::with_capacity(8);
    for key in format.split(|&b| b == b':') {
        let i = *fields
            .format
            .get(key)
            .ok_or_else(|| here.err("FORMAT", format!("{} changed between passes", text(key))))?;
        keys.push(format_of[i].expect("a FORMAT field in use has a column"));
    }
    if let ([k], true) = (keys.as_slice(), l.fixed_gt(samples)) {
        let width = columns[*k].width;
        if let CellRow::Gt8(alleles, phases) = &mut rows[*k] {
            if width >= 2
                && diploid_gt(l.rest, samples, |s, a, b, phased| {
                    alleles[s * width] = a as i8;
                    alleles[s * width + 1] = b as i8;
                    phases[s] = u8::from(phased);
                })
            {
                return Ok(rows);
            }
            // A sample the layout did not fit: every value again, below.
        }
    }
    let mut gt_buf = [0i32; MAX_PLOIDY];
    for (s, sample) in l.samples().enumerate() {
        for (value, &k) in sample.split(|&b| b == b':').zip(&keys) {
            let fc = &columns[k];
            let width = fc.width;
            let id = &header.formats[fc.def].id;
            match &mut rows[k] {
                CellRow::Gt8(alleles, phases) => {
                    let (ploidy, phase) = parse_gt(value, &mut gt_buf, here)?;
                    for (slot, &a) in alleles[s * width..s * width + ploidy]
                        .iter_mut()
                        .zip(&gt_buf)
                    {
                        *slot = a as i8;
                    }
                    phases[s] = phase;
                }
                CellRow::Gt16(alleles, phases) => {
                    let (ploidy, phase) = parse_gt(value, &mut gt_buf, here)?;
                    for (slot, &a) in alleles[s * width..s * width + ploidy]
                        .iter_mut()
                        .zip(&gt_buf)
                    {
                        *slot = a as i16;
                    }
                    phases[s] = phase;
                }
                CellRow::Text(v) => {
                    v[s * width..s * width + value.len()].copy_from_slice(value);
                }
                CellRow::Int(v, present, counts) => {
                    let mut n = 0;
                    for (j, item) in value.split(|&b| b == b',').enumerate() {
                        if let Some(x) = parse_int(item, here, "FORMAT", id)? {
                            v[s * width + j] = x;
                            present[s * width + j] = true;
                        }
                        n = j + 1;
                    }
                    if !counts.is_empty() {
                        counts[s] = n as u16;
                    }
                }
                CellRow::Float(v, present, counts) => {
                    let mut n = 0;
                    for (j, item) in value.split(|&b| b == b',').enumerate() {
                        if let Some(x) = parse_float(item, here, "FORMAT", id)? {
                            v[s * width + j] = x;
                            present[s * width + j] = true;
                        }
                        n = j + 1;
                    }
                    if !counts.is_empty() {
                        counts[s] = n as u16;
                    }
                }
            }
        }
    }
    Ok(rows)
}

/// How a FORMAT field is stored.
struct FormatColumn {
    def: usize,
    column: ColumnId,
    count: Option<ColumnId>,
    width: usize,
    kind: FormatKind,
}

enum FormatKind {
    Gt { phase: ColumnId, wide: bool },
    Int,
    Float,
    Text,
}

fn int_type(wide: bool) -> PhysicalType {
    if wide {
        PhysicalType::I64
    } else {
        PhysicalType::I32
    }
}

fn zstd(encoding: Encoding, level: i32) -> Encoding {
    if level > 0 {
        encoding.with_zstd(level)
    } else {
        encoding
    }
}

/// An Integer value (`.` or nothing: missing). Values below −2^31 + 8 or
/// above 2^31 − 1 need 64 bits (BCF reserves the lowest eight 32-bit values).
fn parse_i64(item: &[u8], here: &Here<'_>, field: &'static str, id: &str) -> Result<Option<i64>> {
    if item == b"." || item.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(item)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| here.err(field, format!("{id}: {:?} is not an Integer", text(item))))
}

fn fits_i32(v: i64) -> bool {
    v > i64::from(i32::MIN) + 7 && v <= i64::from(i32::MAX)
}

fn parse_int(item: &[u8], here: &Here<'_>, field: &'static str, id: &str) -> Result<Option<i32>> {
    match parse_i64(item, here, field, id)? {
        None => Ok(None),
        Some(v) if fits_i32(v) => Ok(Some(v as i32)),
        Some(_) => Err(here.err(
            field,
            format!("{id}: {:?} is outside the 32-bit Integer range", text(item)),
        )),
    }
}

fn parse_float(item: &[u8], here: &Here<'_>, field: &'static str, id: &str) -> Result<Option<f32>> {
    if item == b"." || item.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(item)
        .ok()
        .and_then(|s| s.parse::<f32>().ok())
        .map(Some)
        .ok_or_else(|| here.err(field, format!("{id}: {:?} is not a Float", text(item))))
}

/// Import the VCF or BCF at `path` as one `variants` dataset.
pub fn import_vcf<W: Write>(
    writer: &mut Writer<W>,
    path: &Path,
    bcf: bool,
    options: &VcfOptions,
    progress: Progress<'_>,
    warn: &mut dyn FnMut(String),
) -> Result<VcfSummary> {
    // Pass 1.
    let (mut source, mut header) = Source::open(path, bcf, false)?;
    let scan = scan(path, &mut source, &mut header, options, progress, warn)?;
    let undeclared: Vec<String> = header
        .infos
        .iter()
        .map(|d| (d, "INFO"))
        .chain(header.formats.iter().map(|d| (d, "FORMAT")))
        .filter(|(d, _)| d.synthesized)
        .map(|(d, kind)| format!("{kind}/{}", d.id))
        .collect();
    if scan.max_ploidy > MAX_PLOIDY {
        return Err(Error::Input {
            path: path.to_path_buf(),
            record: 0,
            line: 0,
            field: "GT",
            detail: format!(
                "ploidy {} is above the {MAX_PLOIDY} supported",
                scan.max_ploidy
            ),
        });
    }
    let level = options.zstd_level;
    let samples = header.samples.len() as u64;

    // Columns.
    let dataset = writer.add_dataset(
        DatasetSpec::new(options.dataset.clone(), variants::KIND)
            .coordinates(Coordinates::OneBasedInclusive)
            .metadata(meta::SOURCE_FORMAT, if bcf { "bcf" } else { "vcf" })
            .metadata(meta::MAX_ALT_ALLELES, scan.max_alts.to_string()),
    )?;
    let schema = &variants::SCHEMA;
    let spec = |name: &str| ColumnSpec::of(schema.column(name));
    let c_header = writer.add_column(
        dataset,
        spec(col::HEADER).encoding(zstd(Encoding::PLAIN, 19)),
    )?;
    let c_sample = writer.add_column(
        dataset,
        spec(col::SAMPLE).encoding(zstd(Encoding::lengths(), level)),
    )?;
    let c_contig = writer.add_column(
        dataset,
        spec(col::CONTIG).encoding(zstd(Encoding::lengths(), level)),
    )?;
    let c_contig_end = writer.add_column(
        dataset,
        spec(col::CONTIG_END).encoding(zstd(Encoding::delta_varint(), level)),
    )?;
    let c_pos = writer.add_column(
        dataset,
        spec(col::POS).encoding(zstd(Encoding::delta_varint(), level)),
    )?;
    let c_id = writer.add_column(
        dataset,
        spec(col::ID)
            .nullable()
            .encoding(zstd(Encoding::lengths(), level)),
    )?;
    let c_rs = if scan.rs_ids {
        Some(
            writer.add_column(
                dataset,
                spec(col::ID_RS)
                    .nullable()
                    .encoding(zstd(Encoding::varint(), level)),
            )?,
        )
    } else {
        None
    };
    let mut c_ref = refcode::RefCoder::add(writer, dataset, options.reference.as_ref(), level)?;
    let c_alt = writer.add_column(
        dataset,
        spec(col::ALT)
            .list(col::ALT_ITEM)
            .encoding(zstd(Encoding::delta_varint(), level)),
    )?;
    let c_alt_item = writer.add_column(
        dataset,
        spec(col::ALT_ITEM).encoding(zstd(Encoding::lengths(), level)),
    )?;
    let c_qual = writer.add_column(
        dataset,
        spec(col::QUAL)
            .nullable()
            .encoding(zstd(Encoding::decimal(), level)),
    )?;
    let c_filter = writer.add_column(
        dataset,
        spec(col::FILTER)
            .nullable()
            .list(col::FILTER_ITEM)
            .encoding(zstd(Encoding::delta_varint(), level)),
    )?;
    let c_filter_item = writer.add_column(
        dataset,
        spec(col::FILTER_ITEM).encoding(zstd(Encoding::dictionary(), level)),
    )?;
    let c_info_keys = writer.add_column(
        dataset,
        spec(col::INFO_KEYS).encoding(zstd(Encoding::dictionary(), level)),
    )?;
    let c_format_keys = writer.add_column(
        dataset,
        spec(col::FORMAT_KEYS)
            .nullable()
            .encoding(zstd(Encoding::dictionary(), level)),
    )?;
    let described = |spec: ColumnSpec, def: &FieldDef| {
        spec.metadata(meta::VCF_NUMBER, def.number.clone())
            .metadata(meta::VCF_TYPE, def.ty.name())
    };
    let mut info_columns: Vec<Option<InfoColumn>> = Vec::new();
    let mut derived = Vec::new();
    for (i, def) in header.infos.iter().enumerate() {
        let derive = match def.id.as_str() {
            "AC" => scan.derive_ac,
            "AN" => scan.derive_an,
            _ => false,
        };
        if derive && scan.info[i].seen && samples > 0 {
            derived.push(def.id.clone());
            info_columns.push(None);
            continue;
        }
        if !scan.info[i].seen {
            info_columns.push(None);
            continue;
        }
        let name = format!("{}{}", col::INFO_PREFIX, def.id);
        let item = format!("{name}{}", col::ITEM_SUFFIX);
        let column = match (def.ty, scan.info[i].multi) {
            (VcfType::Flag, _) => InfoColumn::Flag(
                writer.add_column(
                    dataset,
                    described(
                        ColumnSpec::new(&name, PhysicalType::U8, "flag")
                            .encoding(zstd(Encoding::PLAIN, level)),
                        def,
                    ),
                )?,
            ),
            (VcfType::Integer, false) => InfoColumn::Int(
                writer.add_column(
                    dataset,
                    described(
                        ColumnSpec::new(&name, int_type(scan.info[i].wide), "vcf-integer")
                            .nullable()
                            .encoding(zstd(Encoding::varint(), level)),
                        def,
                    ),
                )?,
                scan.info[i].wide,
            ),
            (VcfType::Float, false) => InfoColumn::Float(
                writer.add_column(
                    dataset,
                    described(
                        ColumnSpec::new(&name, PhysicalType::F32, "vcf-float")
                            .nullable()
                            .encoding(zstd(Encoding::decimal(), level)),
                        def,
                    ),
                )?,
            ),
            (VcfType::Integer | VcfType::Float, true) => {
                let list = writer.add_column(
                    dataset,
                    described(
                        ColumnSpec::new(&name, PhysicalType::U64, "list")
                            .nullable()
                            .list(&item)
                            .encoding(zstd(Encoding::delta_varint(), level)),
                        def,
                    ),
                )?;
                if def.ty == VcfType::Integer {
                    let wide = scan.info[i].wide;
                    let child = writer.add_column(
                        dataset,
                        ColumnSpec::new(&item, int_type(wide), "vcf-integer")
                            .nullable()
                            .encoding(zstd(Encoding::varint(), level)),
                    )?;
                    InfoColumn::IntList(list, child, wide)
                } else {
                    let child = writer.add_column(
                        dataset,
                        ColumnSpec::new(&item, PhysicalType::F32, "vcf-float")
                            .nullable()
                            .encoding(zstd(Encoding::decimal(), level)),
                    )?;
                    InfoColumn::FloatList(list, child)
                }
            }
            (VcfType::Character | VcfType::String, _) => InfoColumn::Text(
                writer.add_column(
                    dataset,
                    described(
                        ColumnSpec::new(&name, PhysicalType::Binary, "text")
                            .nullable()
                            .encoding(zstd(Encoding::lengths(), level)),
                        def,
                    ),
                )?,
            ),
        };
        info_columns.push(Some(column));
    }
    let chunk_samples = options.chunk_samples.max(1).min(samples.max(1));
    let chunk_rows = |inner: u64, width: u64| -> u64 {
        (CHUNK_BYTES / (chunk_samples * inner * width).max(1))
            .clamp(1, options.chunk_variants.max(1))
    };
    let mut format_columns: Vec<FormatColumn> = Vec::new();
    let mut format_of: Vec<Option<usize>> = vec![None; header.formats.len()];
    if samples > 0 {
        for (i, def) in header.formats.iter().enumerate() {
            let stat = &scan.format[i];
            if !stat.seen {
                continue;
            }
            let name = format!("{}{}", col::FORMAT_PREFIX, def.id);
            let chunked = |spec: ColumnSpec, inner: u64, width: u64| {
                spec.chunked(
                    samples,
                    inner,
                    chunk_rows(inner, width),
                    chunk_samples,
                    ChunkOrder::ColumnMajor,
                )
            };
            let (column, count, width, kind) = if def.id == "GT" {
                let ploidy = scan.max_ploidy.max(1);
                let wide = scan.max_allele > i64::from(i8::MAX);
                let physical = if wide {
                    PhysicalType::I16
                } else {
                    PhysicalType::I8
                };
                // Haplotype-major: the array is records × (samples ×
                // ploidy) with one value per cell, so each haplotype's
                // alleles are consecutive in a chunk (spec 14.4); on 1000
                // Genomes calls that halves the zstd size of the bits.
                let width = if wide { 2 } else { 1 };
                let column = writer.add_column(
                    dataset,
                    described(
                        ColumnSpec::new(&name, physical, "allele-index")
                            .chunked(
                                samples * ploidy as u64,
                                1,
                                chunk_rows(ploidy as u64, width),
                                chunk_samples * ploidy as u64,
                                ChunkOrder::ColumnMajor,
                            )
                            .metadata(meta::PLOIDY, ploidy.to_string())
                            .encoding(zstd(Encoding::for_bitpack(), level)),
                        def,
                    ),
                )?;
                let phase = writer.add_column(
                    dataset,
                    chunked(ColumnSpec::of(schema.column(col::GT_PHASE)), 1, 1)
                        .encoding(zstd(Encoding::for_bitpack(), level)),
                )?;
                (column, None, ploidy, FormatKind::Gt { phase, wide })
            } else if def.ty.is_text() || def.ty == VcfType::Flag {
                let width = stat.max_count.max(1);
                let column = writer.add_column(
                    dataset,
                    described(
                        chunked(
                            ColumnSpec::new(&name, PhysicalType::U8, "text-bytes"),
                            width as u64,
                            1,
                        )
                        .encoding(zstd(Encoding::PLAIN, level)),
                        def,
                    ),
                )?;
                (column, None, width, FormatKind::Text)
            } else {
                let width = stat.max_count.max(1);
                let int = def.ty == VcfType::Integer;
                let column = writer.add_column(
                    dataset,
                    described(
                        chunked(
                            if int {
                                ColumnSpec::new(&name, PhysicalType::I32, "vcf-integer")
                                    .encoding(zstd(Encoding::varint(), level))
                            } else {
                                ColumnSpec::new(&name, PhysicalType::F32, "vcf-float")
                                    .encoding(zstd(Encoding::decimal(), level))
                            },
                            width as u64,
                            4,
                        )
                        .nullable(),
                        def,
                    ),
                )?;
                let count = if stat.needs_count {
                    Some(
                        writer.add_column(
                            dataset,
                            chunked(
                                ColumnSpec::new(
                                    format!("{name}{}", col::COUNT_SUFFIX),
                                    PhysicalType::U16,
                                    "count",
                                ),
                                1,
                                2,
                            )
                            .encoding(zstd(Encoding::PLAIN, level)),
                        )?,
                    )
                } else {
                    None
                };
                let kind = if int {
                    FormatKind::Int
                } else {
                    FormatKind::Float
                };
                (column, count, width, kind)
            };
            format_of[i] = Some(format_columns.len());
            format_columns.push(FormatColumn {
                def: i,
                column,
                count,
                width,
                kind,
            });
        }
    }

    // Pass 2.
    let (mut source, _) = Source::open(path, bcf, true)?;
    let fields = Fields::of(&header);
    let mut lines = header.lines;
    let mut line = Vec::new();
    let mut records = 0u64;
    let mut text_bytes = 0u64;
    let mut contig_names: Vec<Vec<u8>> = Vec::new();
    let mut contig_ends: Vec<u64> = Vec::new();
    let mut info_order: Vec<u8> = Vec::new();
    let mut ints: Vec<Option<i64>> = Vec::new();
    let mut floats: Vec<Option<f32>> = Vec::new();
    let mut next_report = 0u64;
    let mut batch: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut spare: Vec<Vec<u8>> = Vec::new();
    loop {
        // A batch of lines; their sample columns are parsed in parallel
        // (most of the work on wide files), the rest in order.
        spare.extend(batch.drain(..).map(|(mut l, _)| {
            l.clear();
            l
        }));
        let mut batch_bytes = 0usize;
        while batch.len() < BATCH_LINES && batch_bytes < BATCH_BYTES {
            if !source.next_line(&mut line, &mut lines)? {
                break;
            }
            batch_bytes += line.len();
            let mut owned = spare.pop().unwrap_or_default();
            owned.extend_from_slice(&line);
            batch.push((owned, lines));
        }
        if batch.is_empty() {
            break;
        }
        let first_record = records;
        let parsed: Vec<Result<Vec<CellRow>>> = {
            use rayon::prelude::*;
            let layouts = &format_columns;
            batch
                .par_iter()
                .enumerate()
                .map(|(i, (line, line_no))| {
                    let here = Here {
                        path,
                        record: first_record + i as u64 + 1,
                        line: *line_no,
                    };
                    let l = split_line(line, &header, &here)?;
                    parse_cells(
                        layouts,
                        &fields,
                        &format_of,
                        &header,
                        &l,
                        samples as usize,
                        &here,
                    )
                })
                .collect()
        };
        for ((line, line_no), cells) in batch.iter().zip(parsed.into_iter().map(Some)) {
            let cells: Option<Result<Vec<CellRow>>> = cells;
            records += 1;
            text_bytes += line.len() as u64 + 1;
            let here = Here {
                path,
                record: records,
                line: *line_no,
            };
            if records >= next_report {
                crate::check_cancel(options.cancel.as_ref())?;
                let (done, total) = source.position();
                progress(total / 2 + done / 2, total);
                next_report = records + 4096;
            }
            let l = split_line(line, &header, &here)?;
            if contig_names.last().map(Vec::as_slice) != Some(l.fixed[0]) {
                if !contig_names.is_empty() {
                    contig_ends.push(records - 1);
                }
                contig_names.push(l.fixed[0].to_vec());
            }
            let pos = parse_pos(l.fixed[1], &here)?;
            writer.push(c_pos, &[pos])?;
            let id = l.fixed[2];
            match (c_rs, rs_number(id)) {
                (Some(c_rs), Some(n)) => {
                    writer.push_option(c_rs, &[Some(n)])?;
                    writer.push_binary_option(c_id, None)?;
                }
                (c_rs, _) => {
                    if let Some(c_rs) = c_rs {
                        writer.push_option::<u64>(c_rs, &[None])?;
                    }
                    writer.push_binary_option(c_id, (id != b".").then_some(id))?;
                }
            }
            c_ref.push(writer, l.fixed[0], pos, l.fixed[3], &here)?;
            if l.fixed[4] != b"." {
                for allele in l.fixed[4].split(|&b| b == b',') {
                    writer.push_binary(c_alt_item, allele)?;
                }
            }
            writer.end_list(c_alt)?;
            let qual = l.fixed[5];
            let qual = if qual == b"." {
                None
            } else {
                Some(parse_float(qual, &here, "QUAL", "QUAL")?.unwrap_or(0.0))
            };
            writer.push_option(c_qual, &[qual])?;
            if l.fixed[6] == b"." {
                writer.end_list_null(c_filter)?;
            } else {
                for f in l.fixed[6].split(|&b| b == b';') {
                    writer.push_binary(c_filter_item, f)?;
                }
                writer.end_list(c_filter)?;
            }
            // INFO.
            let mut info_values: Vec<Option<&[u8]>> = vec![None; header.infos.len()];
            info_order.clear();
            let mut flags_seen = Vec::new();
            for (key, value) in info_pairs(l.fixed[7]) {
                let index = *fields.info.get(key).ok_or_else(|| {
                    here.err("INFO", format!("{} changed between passes", text(key)))
                })?;
                if !info_order.is_empty() {
                    info_order.push(b';');
                }
                info_order.extend_from_slice(key);
                match value {
                    Some(v) => info_values[index] = Some(v),
                    None => flags_seen.push(index),
                }
            }
            writer.push_binary(c_info_keys, &info_order)?;
            for (i, column) in info_columns.iter().enumerate() {
                let Some(column) = column else { continue };
                let id = &header.infos[i].id;
                let value = info_values[i];
                match column {
                    InfoColumn::Flag(c) => {
                        let set = flags_seen.contains(&i) || value.is_some();
                        writer.push(*c, &[u8::from(set)])?;
                    }
                    InfoColumn::Int(c, wide) => {
                        let v = match value {
                            Some(v) => parse_i64(v, &here, "INFO", id)?,
                            None => None,
                        };
                        if *wide {
                            writer.push_option(*c, &[v])?;
                        } else {
                            writer.push_option(*c, &[v.map(|v| v as i32)])?;
                        }
                    }
                    InfoColumn::Float(c) => {
                        let v = match value {
                            Some(v) => parse_float(v, &here, "INFO", id)?,
                            None => None,
                        };
                        writer.push_option(*c, &[v])?;
                    }
                    InfoColumn::IntList(list, child, wide) => match value {
                        Some(v) => {
                            ints.clear();
                            for item in v.split(|&b| b == b',') {
                                ints.push(parse_i64(item, &here, "INFO", id)?);
                            }
                            if *wide {
                                writer.push_option(*child, &ints)?;
                            } else {
                                let narrow: Vec<Option<i32>> =
                                    ints.iter().map(|v| v.map(|v| v as i32)).collect();
                                writer.push_option(*child, &narrow)?;
                            }
                            writer.end_list(*list)?;
                        }
                        None => writer.end_list_null(*list)?,
                    },
                    InfoColumn::FloatList(list, child) => match value {
                        Some(v) => {
                            floats.clear();
                            for item in v.split(|&b| b == b',') {
                                floats.push(parse_float(item, &here, "INFO", id)?);
                            }
                            writer.push_option(*child, &floats)?;
                            writer.end_list(*list)?;
                        }
                        None => writer.end_list_null(*list)?,
                    },
                    InfoColumn::Text(c) => writer.push_binary_option(*c, value)?,
                }
            }
            // FORMAT.
            writer.push_binary_option(c_format_keys, l.format)?;
            if samples == 0 {
                continue;
            }
            let cells = cells.expect("parsed with its line")?;
            for (fc, cells) in format_columns.iter().zip(cells) {
                match (&fc.kind, cells) {
                    (FormatKind::Gt { phase, .. }, CellRow::Gt8(alleles, phases)) => {
                        writer.push_rows(fc.column, &alleles, None)?;
                        writer.push_rows(*phase, &phases, None)?;
                    }
                    (FormatKind::Gt { phase, .. }, CellRow::Gt16(alleles, phases)) => {
                        writer.push_rows(fc.column, &alleles, None)?;
                        writer.push_rows(*phase, &phases, None)?;
                    }
                    (FormatKind::Int, CellRow::Int(v, present, counts)) => {
                        writer.push_rows(fc.column, &v, Some(&present))?;
                        if let Some(c) = fc.count {
                            writer.push_rows(c, &counts, None)?;
                        }
                    }
                    (FormatKind::Float, CellRow::Float(v, present, counts)) => {
                        writer.push_rows(fc.column, &v, Some(&present))?;
                        if let Some(c) = fc.count {
                            writer.push_rows(c, &counts, None)?;
                        }
                    }
                    (FormatKind::Text, CellRow::Text(v)) => {
                        writer.push_rows(fc.column, &v, None)?
                    }
                    _ => unreachable!("cells are parsed per column kind"),
                }
            }
        }
    }

    if records != scan.records {
        return Err(Error::Input {
            path: path.to_path_buf(),
            record: records,
            line: lines,
            field: "records",
            detail: format!(
                "{} records on the first pass, {records} on the second: the input changed while it was read",
                scan.records
            ),
        });
    }
    if !contig_names.is_empty() {
        contig_ends.push(records);
    }
    if !derived.is_empty() {
        writer.set_dataset_metadata(dataset, meta::DERIVED_INFO, derived.join(","))?;
    }
    c_ref.finish(writer, dataset, warn)?;
    writer.push_binary(c_header, &header.text)?;
    for sample in &header.samples {
        writer.push_binary(c_sample, sample)?;
    }
    for name in &contig_names {
        writer.push_binary(c_contig, name)?;
    }
    writer.push(c_contig_end, &contig_ends)?;
    writer.set_num_rows(dataset, records)?;
    let (source_bytes, size) = source.position();
    progress(size.max(source_bytes), size.max(source_bytes));
    let sha256 = match source.sha256() {
        Some(h) => h,
        None => file_sha256(path)?,
    };
    let mut options_map = BTreeMap::new();
    options_map.insert("zstd_level".to_string(), level.to_string());
    options_map.insert(
        "chunk_variants".to_string(),
        options.chunk_variants.to_string(),
    );
    options_map.insert(
        "chunk_samples".to_string(),
        options.chunk_samples.to_string(),
    );
    writer.add_provenance(Provenance {
        source: options
            .source_name
            .clone()
            .unwrap_or_else(|| source_name(path)),
        size_bytes: std::fs::metadata(path)
            .map(|m| m.len())
            .unwrap_or(source_bytes),
        sha256,
        datasets: vec![options.dataset.clone()],
        converter: writer.converter(),
        options: options_map,
        converted_utc: writer.timestamp(),
    });
    Ok(VcfSummary {
        dataset: options.dataset.clone(),
        records,
        samples,
        contigs: contig_names.len() as u64,
        source_bytes: std::fs::metadata(path)
            .map(|m| m.len())
            .unwrap_or(source_bytes),
        text_bytes: text_bytes + header.text.len() as u64,
        undeclared,
    })
}

fn source_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

pub(crate) fn file_sha256(path: &Path) -> Result<String> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path).map_err(|source| Error::Source {
        path: PathBuf::from(path),
        source,
    })?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|source| Error::Source {
        path: PathBuf::from(path),
        source,
    })?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here() -> Here<'static> {
        Here {
            path: Path::new("t.vcf"),
            record: 1,
            line: 5,
        }
    }

    #[test]
    fn genotypes_parse_with_phase_and_ploidy() {
        let mut a = [0i32; MAX_PLOIDY];
        assert_eq!(parse_gt(b"0|1", &mut a, &here()).unwrap(), (2, 1));
        assert_eq!(&a[..3], [0, 1, -2]);
        assert_eq!(parse_gt(b"./.", &mut a, &here()).unwrap(), (2, 0));
        assert_eq!(&a[..2], [-1, -1]);
        assert_eq!(parse_gt(b".", &mut a, &here()).unwrap(), (1, 0));
        assert_eq!(&a[..2], [-1, -2]);
        assert_eq!(parse_gt(b"1/2|12", &mut a, &here()).unwrap(), (3, 2));
        assert_eq!(&a[..3], [1, 2, 12]);
        assert_eq!(parse_gt(b"|1", &mut a, &here()).unwrap(), (1, 0x80));
        let e = parse_gt(b"0/x", &mut a, &here()).unwrap_err().to_string();
        assert!(e.contains("line 5, GT: \"0/x\" is not a genotype"), "{e}");
        assert!(parse_gt(b"0/1/0/1/0/1/0/1", &mut a, &here()).is_err());
    }

    #[test]
    fn fixed_layout_genotypes_read_by_position_or_not_at_all() {
        let mut got = Vec::new();
        assert!(diploid_gt(b"0|1\t1/0\t2|2", 3, |s, a, b, p| got.push((s, a, b, p))));
        assert_eq!(got, [(0, 0, 1, true), (1, 1, 0, false), (2, 2, 2, true)]);
        for bad in [&b"0|1\t.|0\t1|1"[..], b"0|1\t0-1\t1|1", b"0|1 1|0\t1|1"] {
            assert!(!diploid_gt(bad, 3, |_, _, _, _| {}), "{bad:?}");
        }
        let header = VcfHeader::parse(
            Path::new("t.vcf"),
            b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
                .to_vec(),
        )
        .unwrap();
        let l = split_line(b"1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1\t1|1", &header, &here()).unwrap();
        assert!(l.fixed_gt(2));
        assert_eq!(l.samples().collect::<Vec<_>>(), [&b"0|1"[..], b"1|1"]);
        let l = split_line(
            b"1\t5\t.\tA\tC\t.\t.\t.\tGT:DP\t0|1:3\t1|1:4",
            &header,
            &here(),
        )
        .unwrap();
        assert!(!l.fixed_gt(2));
        // An empty last sample column is a column (and not a genotype).
        let l = split_line(b"1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1\t", &header, &here()).unwrap();
        assert_eq!(l.samples().collect::<Vec<_>>(), [&b"0|1"[..], b""]);
        for (line, words) in [
            (
                &b"1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1"[..],
                "1 sample columns, the header names 2",
            ),
            (
                b"1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1\t1|1\t0|0",
                "3 sample columns",
            ),
            (
                b"1\t5\t.\tA",
                "4 tab-separated columns, a record needs at least 8 (missing ALT)",
            ),
            (b"1\t5\t.\tA\tC\t.\t.\t.", "0 sample columns"),
        ] {
            let e = split_line(line, &header, &here())
                .err()
                .expect("refused")
                .to_string();
            assert!(e.contains(words), "{e}");
        }
    }

    #[test]
    fn rs_ids_are_numbers_written_one_way() {
        assert_eq!(rs_number(b"rs6054257"), Some(6054257));
        assert_eq!(rs_number(b"rs0"), Some(0));
        for id in [
            &b"rs"[..],
            b"rs01",
            b"rs1;rs2",
            b"RS1",
            b"rs1a",
            b"rs99999999999999999999",
            b".",
        ] {
            assert_eq!(rs_number(id), None, "{:?}", String::from_utf8_lossy(id));
        }
    }

    #[test]
    fn value_counts_note_trailing_missing() {
        assert_eq!(count_values(b"1,2"), (2, false));
        assert_eq!(count_values(b"1,."), (2, true));
        assert_eq!(count_values(b"."), (1, false));
    }
}
