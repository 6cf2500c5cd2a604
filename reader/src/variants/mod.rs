//! Reading `variants` datasets (spec 14): sites as columns, regions through
//! the contig table and the sorted positions, genotypes as dense arrays,
//! and VCF text equal to what `bcftools view` prints.

mod block;
mod export;
mod reference;
mod stats;
mod text;

use std::ops::Range;

use gcol_format::manifest::{Dataset, Layout};
use gcol_format::schema::variants::{columns as col, meta, KIND, SCHEMA};
use gcol_format::schema::Binding;
use gcol_format::PhysicalType;

use crate::{ColumnReader, Error, Reader, Result};

pub use block::{FormatValues, InfoValues, SiteBlock};
pub use export::{write_vcf, VcfExport, VcfOutput};
pub use reference::{RefMismatch, ReferenceLink, ReferenceReport};
pub use stats::{VariantSummary, VariantsChecked};
pub(crate) use text::put_int;
pub use text::{VcfWriteOptions, VcfWriter, AC_LINE, AN_LINE};

/// How one INFO field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoKind {
    /// `Flag`: u8 0/1.
    Flag,
    /// One Integer per record (nullable i32).
    Int,
    /// One Float per record (nullable f32).
    Float,
    /// Lists of Integers.
    IntList,
    /// Lists of Floats.
    FloatList,
    /// Text as written (String, Character).
    Text,
}

/// An INFO field of the dataset.
#[derive(Debug, Clone)]
pub struct InfoField {
    /// Its ID.
    pub id: String,
    /// Its column (empty when derived).
    pub column: String,
    /// How it is stored.
    pub kind: InfoKind,
    /// Computed from the genotypes (`AC`, `AN`; spec 14.3), with no column.
    pub derived: bool,
}

/// How one FORMAT field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatKind {
    /// Genotypes: allele indexes (i8 or i16) and phase bits.
    Gt,
    /// Integers (nullable i32).
    Int,
    /// Floats (nullable f32).
    Float,
    /// Text bytes, zero padded.
    Text,
}

/// A FORMAT field of the dataset.
#[derive(Debug, Clone)]
pub struct FormatField {
    /// Its ID.
    pub id: String,
    /// Its column.
    pub column: String,
    /// How it is stored.
    pub kind: FormatKind,
    /// Values per sample (ploidy for GT, bytes for text).
    pub width: usize,
    /// Per-cell value counts are stored (`<column>/count`).
    pub counts: bool,
}

/// A region of a contig: 1-based inclusive positions, as bcftools takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcfRegion {
    /// Contig name.
    pub contig: String,
    /// First position (1-based), or 1.
    pub start: u64,
    /// Last position (inclusive), or `u64::MAX` for the contig's end.
    pub end: u64,
}

impl VcfRegion {
    /// Parse `chr`, `chr:pos`, `chr:beg-end`, `chr:beg-` (commas in
    /// numbers allowed, as in samtools and bcftools).
    pub fn parse(text: &str) -> Result<VcfRegion> {
        let bad = |detail: &str| Error::Usage {
            detail: format!("region {text:?}: {detail}"),
        };
        let (contig, range) = match text.rsplit_once(':') {
            Some((c, r))
                if !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_digit() || b == b',' || b == b'-') =>
            {
                (c, Some(r))
            }
            _ => (text, None),
        };
        if contig.is_empty() {
            return Err(bad("no contig name"));
        }
        let number = |s: &str| -> Result<u64> {
            s.replace(',', "")
                .parse::<u64>()
                .map_err(|_| bad("positions must be whole numbers"))
        };
        let (start, end) = match range {
            None => (1, u64::MAX),
            Some(r) => match r.split_once('-') {
                None => {
                    let p = number(r)?;
                    (p, p)
                }
                Some((a, "")) => (number(a)?, u64::MAX),
                Some((a, b)) => (number(a)?, number(b)?),
            },
        };
        if start == 0 {
            return Err(bad("positions are 1-based"));
        }
        if end < start {
            return Err(bad("the end is before the start"));
        }
        Ok(VcfRegion {
            contig: contig.to_string(),
            start,
            end,
        })
    }
}

/// A `variants` dataset bound to its columns.
#[derive(Debug)]
pub struct Variants {
    reader: Reader,
    dataset: Dataset,
    pub(crate) binding: Binding,
    header: Vec<u8>,
    samples: Vec<String>,
    contigs: Vec<String>,
    contig_ends: Vec<u64>,
    infos: Vec<InfoField>,
    formats: Vec<FormatField>,
    num_sites: u64,
    ref_storage: reference::RefStorage,
}

impl Variants {
    /// Bind dataset `name` of `reader` (the reader is cloned: clones share
    /// the mapping and the page cache).
    pub fn open(reader: &Reader, name: &str) -> Result<Variants> {
        let dataset = reader.dataset(name)?;
        let binding = SCHEMA.bind(dataset)?;
        let column = |n: &str| reader.column(name, n);
        let header = column(col::HEADER)?.binary(0)?.to_vec();
        let text = |c: ColumnReader<'_>| -> Result<Vec<String>> {
            let mut out = Vec::new();
            c.for_each_binary(0..c.num_values(), |_, v| {
                out.push(String::from_utf8_lossy(v).into_owned())
            })?;
            Ok(out)
        };
        let samples = text(column(col::SAMPLE)?)?;
        let contigs = text(column(col::CONTIG)?)?;
        let ends_column = column(col::CONTIG_END)?;
        let contig_ends: Vec<u64> = ends_column.read(0..ends_column.num_values())?;
        let num_sites = column(col::POS)?.num_values();
        if contig_ends.len() != contigs.len()
            || contig_ends.windows(2).any(|w| w[0] > w[1])
            || contig_ends.last().copied().unwrap_or(0) != num_sites
        {
            return Err(Error::Invariant {
                column: format!("{name}/{}", col::CONTIG_END),
                row: 0,
                rule: "14.2 contig ends",
                detail: format!(
                    "{} contigs, {} ends, {num_sites} sites: the ends must rise to the number of sites",
                    contigs.len(),
                    contig_ends.len()
                ),
            });
        }
        let mut infos = Vec::new();
        let mut formats = Vec::new();
        for c in &dataset.columns {
            if let Some(id) = c.name.strip_prefix(col::INFO_PREFIX) {
                if id.contains('/') {
                    continue;
                }
                let list = matches!(c.layout, Some(Layout::List { .. }));
                let child_type = |child: &str| {
                    dataset
                        .columns
                        .iter()
                        .find(|x| x.name == child)
                        .map(|x| x.physical_type)
                };
                let kind = match (c.physical_type, list) {
                    (PhysicalType::U8, false) => InfoKind::Flag,
                    (PhysicalType::I32 | PhysicalType::I64, false) => InfoKind::Int,
                    (PhysicalType::F32, false) => InfoKind::Float,
                    (PhysicalType::Binary, false) => InfoKind::Text,
                    (PhysicalType::U64, true) => {
                        match child_type(&format!("{}{}", c.name, col::ITEM_SUFFIX)) {
                            Some(PhysicalType::I32 | PhysicalType::I64) => InfoKind::IntList,
                            Some(PhysicalType::F32) => InfoKind::FloatList,
                            other => {
                                return Err(schema_error(
                                    dataset,
                                    format!("INFO column {:?} has items of type {other:?}", c.name),
                                ))
                            }
                        }
                    }
                    (other, _) => {
                        return Err(schema_error(
                            dataset,
                            format!("INFO column {:?} holds {other} values", c.name),
                        ))
                    }
                };
                infos.push(InfoField {
                    id: id.to_string(),
                    column: c.name.clone(),
                    kind,
                    derived: false,
                });
            } else if let Some(id) = c.name.strip_prefix(col::FORMAT_PREFIX) {
                if id.contains('/') {
                    continue;
                }
                let Some(Layout::Chunked { shape, .. }) = &c.layout else {
                    return Err(schema_error(
                        dataset,
                        format!("FORMAT column {:?} is not a chunked array", c.name),
                    ));
                };
                // GT is records × haplotypes (samples × ploidy), one value each.
                let gt = id == "GT";
                let per_sample = if gt && !samples.is_empty() {
                    shape[1] / samples.len() as u64
                } else {
                    1
                };
                if shape[0] != num_sites
                    || shape[1] != samples.len() as u64 * per_sample
                    || (gt && (shape[2] != 1 || per_sample == 0))
                {
                    return Err(schema_error(
                        dataset,
                        format!(
                            "FORMAT column {:?} has shape {shape:?}, expected {num_sites} sites x {} samples",
                            c.name,
                            samples.len()
                        ),
                    ));
                }
                let kind = match (id, c.physical_type) {
                    ("GT", PhysicalType::I8 | PhysicalType::I16) => FormatKind::Gt,
                    (_, PhysicalType::I32) => FormatKind::Int,
                    (_, PhysicalType::F32) => FormatKind::Float,
                    (_, PhysicalType::U8) => FormatKind::Text,
                    (_, other) => {
                        return Err(schema_error(
                            dataset,
                            format!("FORMAT column {:?} holds {other} values", c.name),
                        ))
                    }
                };
                let counts_name = format!("{}{}", c.name, col::COUNT_SUFFIX);
                formats.push(FormatField {
                    id: id.to_string(),
                    column: c.name.clone(),
                    kind,
                    width: if gt { per_sample } else { shape[2] } as usize,
                    counts: dataset.columns.iter().any(|x| x.name == counts_name),
                });
            }
        }
        if let Some(list) = dataset.metadata.get(meta::DERIVED_INFO) {
            for id in list.split(',').filter(|s| !s.is_empty()) {
                // AC is one value per ALT allele; in a file where no record
                // has two ALT alleles it reads as one value per record, as
                // a stored AC would (spec 14.3).
                let number_one = dataset
                    .metadata
                    .get(meta::MAX_ALT_ALLELES)
                    .and_then(|m| m.parse::<u64>().ok())
                    .is_some_and(|m| m <= 1);
                let kind = match id {
                    "AC" if number_one => InfoKind::Int,
                    "AC" => InfoKind::IntList,
                    "AN" => InfoKind::Int,
                    other => {
                        return Err(schema_error(
                            dataset,
                            format!("derived INFO field {other:?} (only AC and AN are derived)"),
                        ))
                    }
                };
                if !formats.iter().any(|f| f.kind == FormatKind::Gt) {
                    return Err(schema_error(
                        dataset,
                        format!("INFO/{id} is derived from genotypes, but there are none"),
                    ));
                }
                infos.push(InfoField {
                    id: id.to_string(),
                    column: String::new(),
                    kind,
                    derived: true,
                });
            }
        }
        Ok(Variants {
            reader: reader.clone(),
            dataset: dataset.clone(),
            binding,
            header,
            samples,
            contigs,
            contig_ends,
            infos,
            formats,
            num_sites,
            ref_storage: reference::RefStorage::open(reader, dataset)?,
        })
    }

    /// Whether `dataset` is a variants dataset.
    pub fn is_variants(dataset: &Dataset) -> bool {
        dataset.kind == KIND
    }

    /// The reader.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// The dataset's manifest entry.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// Column `name` of the dataset.
    pub fn column(&self, name: &str) -> Result<ColumnReader<'_>> {
        match self.binding.id(name) {
            Some(id) => self.reader.column_by_id(id),
            None => self.reader.column(&self.dataset.name, name),
        }
    }

    /// The VCF header text, as imported (undeclared fields declared).
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// Sample names.
    pub fn samples(&self) -> &[String] {
        &self.samples
    }

    /// Contigs with records, in record order.
    pub fn contigs(&self) -> &[String] {
        &self.contigs
    }

    /// Number of sites (records).
    pub fn num_sites(&self) -> u64 {
        self.num_sites
    }

    /// INFO fields with a column.
    pub fn infos(&self) -> &[InfoField] {
        &self.infos
    }

    /// FORMAT fields with a column.
    pub fn formats(&self) -> &[FormatField] {
        &self.formats
    }

    /// The source format (`vcf` or `bcf`).
    pub fn source_format(&self) -> &str {
        self.dataset
            .metadata
            .get(meta::SOURCE_FORMAT)
            .map_or("vcf", String::as_str)
    }

    /// Rows of contig `i`.
    pub fn contig_rows(&self, i: usize) -> Range<u64> {
        let start = if i == 0 { 0 } else { self.contig_ends[i - 1] };
        start..self.contig_ends[i]
    }

    /// `samples`, or every sample in order when `None`.
    fn samples_or_all<'a>(&self, samples: Option<&'a [usize]>) -> std::borrow::Cow<'a, [usize]> {
        match samples {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned((0..self.samples.len()).collect()),
        }
    }

    /// Index of sample `name`.
    pub fn sample_index(&self, name: &str) -> Option<usize> {
        self.samples.iter().position(|s| s == name)
    }

    /// Indexes of `names`, in the order given; an unknown name, or one
    /// named twice, is an error (as `bcftools view -s` without
    /// `--force-samples`).
    pub fn sample_indexes(&self, names: &[String]) -> Result<Vec<usize>> {
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(Error::Usage {
                detail: format!("sample {twice:?} is named twice"),
            });
        }
        names
            .iter()
            .map(|n| {
                self.sample_index(n).ok_or_else(|| Error::Usage {
                    detail: format!(
                        "no sample {n:?} in dataset {:?} ({} samples)",
                        self.dataset.name,
                        self.samples.len()
                    ),
                })
            })
            .collect()
    }

    /// The first row in `rows` whose POS is at least `pos` (rows are sorted
    /// by POS within a contig). Reads only the pages the search visits.
    fn lower_bound(&self, rows: Range<u64>, pos: u64) -> Result<u64> {
        let column = self.column(col::POS)?;
        let (mut lo, mut hi) = (rows.start, rows.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let v: Vec<u64> = column.read(mid..mid + 1)?;
            if v[0] < pos {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Rows overlapping `region`, in file order: a record covers POS to
    /// POS + rlen − 1, where rlen is INFO/END − POS + 1 when END is set and
    /// the length of REF otherwise (as htslib computes it). An unknown
    /// contig has no rows.
    pub fn region_rows(&self, region: &VcfRegion) -> Result<Vec<u64>> {
        let Some(i) = self.contigs.iter().position(|c| *c == region.contig) else {
            return Ok(Vec::new());
        };
        let rows = self.contig_rows(i);
        let first = self.lower_bound(rows.clone(), region.start)?;
        let last = if region.end == u64::MAX {
            rows.end
        } else {
            self.lower_bound(first..rows.end, region.end.saturating_add(1))?
        };
        // Records starting before the region may reach into it.
        let mut out = Vec::new();
        if first > rows.start {
            let pos: Vec<u64> = self.column(col::POS)?.read(rows.start..first)?;
            let ends = self.record_ends(rows.start..first, &pos)?;
            out.extend(
                (rows.start..first)
                    .zip(ends)
                    .filter(|&(_, end)| end >= region.start)
                    .map(|(row, _)| row),
            );
        }
        out.extend(first..last);
        Ok(out)
    }

    /// Last position covered by each record of `rows` (`pos` their POS).
    fn record_ends(&self, rows: Range<u64>, pos: &[u64]) -> Result<Vec<u64>> {
        let mut ends: Vec<u64> = self
            .ref_lengths(rows.clone())?
            .into_iter()
            .zip(pos)
            .map(|(n, p)| p + n.max(1) - 1)
            .collect();
        if let Some(end) = self
            .infos
            .iter()
            .find(|f| f.id == "END" && f.kind == InfoKind::Int)
        {
            let values = block::int_options(&self.column(&end.column)?, rows)?;
            for ((e, v), p) in ends.iter_mut().zip(values).zip(pos) {
                if let Some(v) = v {
                    // rlen = END - POS + 1, so the last base is END.
                    *e = (v.max(0) as u64).max(*p);
                }
            }
        }
        Ok(ends)
    }

    /// Rows of several regions, each row once, in file order.
    pub fn regions_rows(&self, regions: &[VcfRegion]) -> Result<Vec<u64>> {
        let mut rows = Vec::new();
        for r in regions {
            rows.extend(self.region_rows(r)?);
        }
        rows.sort_unstable();
        rows.dedup();
        Ok(rows)
    }

    /// Rows of several regions, each row once, in the order `bcftools
    /// view -r` prints them: contigs in the order the regions first name
    /// them, each contig's rows ascending (`regions_rows` gives file
    /// order).
    pub fn regions_rows_in_order(&self, regions: &[VcfRegion]) -> Result<Vec<u64>> {
        let mut order: Vec<&str> = Vec::new();
        for r in regions {
            if !order.contains(&r.contig.as_str()) {
                order.push(&r.contig);
            }
        }
        let mut rows = Vec::new();
        for contig in order {
            let mut these: Vec<u64> = Vec::new();
            for r in regions.iter().filter(|r| r.contig == contig) {
                these.extend(self.region_rows(r)?);
            }
            these.sort_unstable();
            these.dedup();
            rows.extend(these);
        }
        Ok(rows)
    }

    /// Site columns and, for `samples`, FORMAT values of `rows`.
    pub fn block(&self, rows: Range<u64>, samples: Option<&[usize]>) -> Result<SiteBlock> {
        SiteBlock::read(self, rows, samples)
    }

    /// Genotypes of `rows` × `samples` (all when `None`) as a dense array
    /// `[site][sample][ploidy]` of allele indexes (−1 missing, −2 past the
    /// call's ploidy), with the phase of each call (true when every
    /// separator is `|`), and the ploidy.
    pub fn genotypes(
        &self,
        rows: Range<u64>,
        samples: Option<&[usize]>,
    ) -> Result<(Vec<i16>, Vec<bool>, usize)> {
        let (alleles, phased, ploidy) = self.genotypes_any(rows, samples, true)?;
        Ok((alleles.into_i16(), phased, ploidy))
    }

    /// [`Variants::genotypes`] in the stored width (i8, or i16 when an
    /// allele index passes 127): each chunk is decoded once and its
    /// haplotype runs copied out. The phase is computed only `with_phase`
    /// (else empty).
    pub fn genotypes_any(
        &self,
        rows: Range<u64>,
        samples: Option<&[usize]>,
        with_phase: bool,
    ) -> Result<(GenotypeValues, Vec<bool>, usize)> {
        let Some(field) = self.formats.iter().find(|f| f.kind == FormatKind::Gt) else {
            return Ok((GenotypeValues::I8(Vec::new()), Vec::new(), 0));
        };
        let samples = self.samples_or_all(samples);
        let samples: &[usize] = &samples;
        let ploidy = field.width;
        let gt = self.column(&field.column)?;
        let alleles = match gt.meta().physical_type {
            PhysicalType::I8 => {
                GenotypeValues::I8(gather_haplotypes::<i8>(&gt, rows.clone(), samples, ploidy)?)
            }
            _ => GenotypeValues::I16(gather_haplotypes::<i16>(
                &gt,
                rows.clone(),
                samples,
                ploidy,
            )?),
        };
        if !with_phase {
            return Ok((alleles, Vec::new(), ploidy));
        }
        let bits = gather_haplotypes::<u8>(&self.column(col::GT_PHASE)?, rows, samples, 1)?;
        let calls = |cell: usize| -> usize {
            let call = cell * ploidy..(cell + 1) * ploidy;
            match &alleles {
                GenotypeValues::I8(v) => v[call].iter().take_while(|&&a| a != -2).count(),
                GenotypeValues::I16(v) => v[call].iter().take_while(|&&a| a != -2).count(),
            }
        };
        let phased = bits
            .iter()
            .enumerate()
            .map(|(cell, &b)| {
                let p = calls(cell);
                if p > 1 {
                    let mask = (1u8 << (p - 1)) - 1;
                    b & mask == mask
                } else {
                    b & 0x80 != 0
                }
            })
            .collect();
        Ok((alleles, phased, ploidy))
    }
}

/// Genotype allele indexes in their stored width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenotypeValues {
    /// i8 (allele indexes up to 127).
    I8(Vec<i8>),
    /// i16.
    I16(Vec<i16>),
}

impl GenotypeValues {
    /// The values widened to i16.
    pub fn into_i16(self) -> Vec<i16> {
        match self {
            GenotypeValues::I8(v) => v.into_iter().map(i16::from).collect(),
            GenotypeValues::I16(v) => v,
        }
    }
}

/// `[site][sample][k]` values of a chunked array whose array column
/// `s × ploidy + k` holds value `k` of sample `s` (GT, spec 14.4; phase with
/// ploidy 1), for `rows` and `samples`: every chunk the selection meets is
/// decoded once, and each column's run of rows in it copied out.
pub(crate) fn gather_haplotypes<T: gcol_format::Value + Copy>(
    column: &ColumnReader<'_>,
    rows: Range<u64>,
    samples: &[usize],
    ploidy: usize,
) -> Result<Vec<T>> {
    let sites = (rows.end - rows.start) as usize;
    let mut out = large_zeroed::<T>(sites * samples.len() * ploidy);
    gather_haplotypes_into(column, rows, samples, ploidy, &mut out)?;
    Ok(out)
}

/// [`gather_haplotypes`] into `out` (`rows × samples × ploidy` values).
pub(crate) fn gather_haplotypes_into<T: gcol_format::Value + Copy>(
    column: &ColumnReader<'_>,
    rows: Range<u64>,
    samples: &[usize],
    ploidy: usize,
    out: &mut [T],
) -> Result<()> {
    let n = samples.len();
    let sites = (rows.end - rows.start) as usize;
    if out.len() != sites * n * ploidy {
        return Err(Error::Usage {
            detail: format!(
                "the output holds {} values, {sites} sites x {n} samples x {ploidy} need {}",
                out.len(),
                sites * n * ploidy
            ),
        });
    }
    if sites == 0 || n == 0 {
        return Ok(());
    }
    let grid = column.chunk_grid()?;
    check_rows(column, &grid, &rows)?;
    let cc = grid.chunk_shape[1];
    if grid.order != gcol_format::manifest::ChunkOrder::ColumnMajor || grid.shape[2] != 1 {
        // Not the layout this writer makes: the generic path.
        for (o, &s) in samples.iter().enumerate() {
            let cols = (s * ploidy) as u64..((s + 1) * ploidy) as u64;
            let (v, _) = column.read_block::<T>(rows.clone(), cols)?;
            for r in 0..sites {
                let to = (r * n + o) * ploidy;
                out[to..to + ploidy].copy_from_slice(&v[r * ploidy..(r + 1) * ploidy]);
            }
        }
        return Ok(());
    }
    // Output slots of each array column, grouped by chunk column.
    let mut by_chunk: std::collections::BTreeMap<u64, Vec<(u64, usize)>> = Default::default();
    for (o, &s) in samples.iter().enumerate() {
        for k in 0..ploidy {
            let c = (s * ploidy + k) as u64;
            if c >= grid.shape[1] {
                return Err(Error::Usage {
                    detail: format!("sample {s} is beyond the genotype array"),
                });
            }
            by_chunk
                .entry(c / cc)
                .or_default()
                .push((c, o * ploidy + k));
        }
    }
    let stride = n * ploidy;
    let fill = |(i, height, skip, take, out): (u64, usize, usize, usize, &mut [T])| -> Result<()> {
        for (&j, columns) in &by_chunk {
            gather_chunk(
                column,
                &grid,
                (i, j),
                columns,
                height,
                skip,
                take,
                stride,
                out,
            )?;
        }
        Ok(())
    };
    by_row_chunks(&grid, &rows, stride, out, samples.len() * ploidy, fill)
}

/// Split `out` (`stride` slots a row of `rows`) at the chunk rows of
/// `grid` and run `f(i, height, skip, take, part)` on each row chunk `i`
/// (`height` rows, of which `skip ..` `skip + take` are wanted): in
/// parallel when there is enough work (`per_row` values a row), but not in
/// a forked child, where rayon's global pool did not come along.
fn by_row_chunks<T: Send>(
    grid: &crate::ChunkGrid,
    rows: &Range<u64>,
    stride: usize,
    out: &mut [T],
    per_row: usize,
    f: impl Fn((u64, usize, usize, usize, &mut [T])) -> Result<()> + Sync + Send,
) -> Result<()> {
    let cr = grid.chunk_shape[0];
    let mut parts = Vec::new();
    let mut rest = out;
    for i in rows.start / cr..rows.end.div_ceil(cr) {
        let chunk_rows = grid.rows_in(i);
        let (from, to) = (
            chunk_rows.start.max(rows.start),
            chunk_rows.end.min(rows.end),
        );
        let (part, tail) = rest.split_at_mut((to - from) as usize * stride);
        let height = (chunk_rows.end - chunk_rows.start) as usize;
        parts.push((
            i,
            height,
            (from - chunk_rows.start) as usize,
            (to - from) as usize,
            part,
        ));
        rest = tail;
    }
    let work = per_row * (rows.end - rows.start) as usize;
    if parts.len() > 1 && work >= 1 << 20 && crate::fork::global_pool_usable() {
        use rayon::prelude::*;
        parts.into_par_iter().try_for_each(&f)
    } else {
        parts.into_iter().try_for_each(f)
    }
}

/// Rows past the array are an error, not a panic.
fn check_rows(column: &ColumnReader<'_>, grid: &crate::ChunkGrid, rows: &Range<u64>) -> Result<()> {
    if rows.start > rows.end || rows.end > grid.shape[0] {
        return Err(Error::OutOfRange {
            column: column.meta().name.clone(),
            index: rows.end,
            len: grid.shape[0],
        });
    }
    Ok(())
}

/// Transpose an 8 x 8 byte matrix held as eight little-endian rows.
fn transpose8(m: &mut [u64; 8]) {
    const LO32: u64 = 0x0000_0000_FFFF_FFFF;
    const LO16: u64 = 0x0000_FFFF_0000_FFFF;
    const LO8: u64 = 0x00FF_00FF_00FF_00FF;
    for i in 0..4 {
        let (a, b) = (m[i], m[i + 4]);
        m[i] = (a & LO32) | (b << 32);
        m[i + 4] = (a >> 32) | (b & !LO32);
    }
    for i in [0, 1, 4, 5] {
        let (a, b) = (m[i], m[i + 2]);
        m[i] = (a & LO16) | ((b & LO16) << 16);
        m[i + 2] = ((a >> 16) & LO16) | (b & !LO16);
    }
    for i in [0, 2, 4, 6] {
        let (a, b) = (m[i], m[i + 1]);
        m[i] = (a & LO8) | ((b & LO8) << 8);
        m[i + 1] = ((a >> 8) & LO8) | (b & !LO8);
    }
}

/// Write `scratch` (`haplotypes` runs of `h` values) transposed into
/// `out` rows `r0 ..` at slots `slot0 ..` (`stride` bytes a row), in 8 x 8
/// blocks; returns the rows and haplotypes written (multiples of 8), the
/// rest left to the caller.
fn transpose_tile(
    scratch: &[u8],
    h: usize,
    haplotypes: usize,
    out: &mut [u8],
    stride: usize,
    r0: usize,
    slot0: usize,
) -> (usize, usize) {
    let (rows, cols) = (h / 8 * 8, haplotypes / 8 * 8);
    let mut m = [0u64; 8];
    for t in (0..cols).step_by(8) {
        for r in (0..rows).step_by(8) {
            for (a, row) in m.iter_mut().enumerate() {
                let at = (t + a) * h + r;
                *row = u64::from_le_bytes(scratch[at..at + 8].try_into().expect("8 bytes"));
            }
            transpose8(&mut m);
            for (b, row) in m.iter().enumerate() {
                let at = (r0 + r + b) * stride + slot0 + t;
                out[at..at + 8].copy_from_slice(&row.to_le_bytes());
            }
        }
    }
    (rows, cols)
}

/// A zeroed vector; a large one (8 MiB or more) asks Linux for huge pages
/// (`MADV_HUGEPAGE`), so that filling it faults 512 times less often (a
/// whole cohort's genotypes are hundreds of MB; on a VM each 4 KiB fault
/// costs microseconds).
fn large_zeroed<T: gcol_format::Value>(len: usize) -> Vec<T> {
    let out = vec![T::zeroed(); len];
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = len * std::mem::size_of::<T>();
        if bytes >= 4 * HUGE {
            let start = out.as_ptr() as usize;
            let first = start.next_multiple_of(HUGE);
            let end = (start + bytes) / HUGE * HUGE;
            if end > first {
                // SAFETY: the range lies inside the vector's allocation,
                // which lives until the call returns; MADV_HUGEPAGE is
                // advice and changes no contents (calloc's zero pages
                // are not yet touched, or are zero).
                unsafe {
                    libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
                }
            }
        }
    }
    out
}

/// Values of chunk `(i, j)` of `rows skip .. skip + take` (of a chunk of
/// `height` rows) for the array columns `columns` (column, output slot),
/// written to `out` (`take` rows of `stride` slots).
#[allow(clippy::too_many_arguments)]
fn gather_chunk<T: gcol_format::Value + Copy>(
    column: &ColumnReader<'_>,
    grid: &crate::ChunkGrid,
    (i, j): (u64, u64),
    columns: &[(u64, usize)],
    height: usize,
    skip: usize,
    take: usize,
    stride: usize,
    out: &mut [T],
) -> Result<()> {
    let chunk_columns = grid.columns_in(j);
    let first_column = chunk_columns.start;
    let base_of = |c: u64| (c - first_column) as usize * height + skip;
    // A few haplotypes of a page not in the cache (one sample's): streamed,
    // keeping only their runs.
    if std::mem::size_of::<T>() == 1
        && columns.len() as u64 * 8 <= chunk_columns.end - chunk_columns.start
    {
        let runs: Vec<(usize, usize)> = columns.iter().map(|&(c, _)| (base_of(c), take)).collect();
        if let Some(values) = column.chunk_runs(i, j, &runs)? {
            for (run, &(_, slot)) in values.iter().zip(columns) {
                let run: &[T] = bytemuck::cast_slice(run);
                for (r, &v) in run.iter().enumerate() {
                    out[r * stride + slot] = v;
                }
            }
            return Ok(());
        }
    }
    // One-byte values kept packed: tiles of 64 haplotypes x 256 records
    // unpacked into a scratch that stays in L1, then written row by row.
    let packed = if std::mem::size_of::<T>() == 1 {
        column.packed_chunk(i, j)?
    } else {
        None
    };
    if let Some(packed) = packed {
        const ROWS: usize = 256;
        let view = packed.view();
        let mut scratch = vec![0u8; 64 * ROWS];
        for tile in columns.chunks(64) {
            for r0 in (0..take).step_by(ROWS) {
                let h = ROWS.min(take - r0);
                for (t, &(c, _)) in tile.iter().enumerate() {
                    view.unpack(base_of(c) + r0, &mut scratch[t * h..(t + 1) * h]);
                }
                let consecutive = tile.windows(2).all(|w| w[1].1 == w[0].1 + 1);
                let done = if consecutive {
                    // All samples in order (a whole array): 8 x 8 byte
                    // blocks transposed in registers.
                    let out_bytes: &mut [u8] = bytemuck::cast_slice_mut(out);
                    transpose_tile(&scratch, h, tile.len(), out_bytes, stride, r0, tile[0].1)
                } else {
                    (0, 0)
                };
                let values: &[T] = bytemuck::cast_slice(&scratch[..tile.len() * h]);
                for r in 0..h {
                    let row = &mut out[(r0 + r) * stride..(r0 + r + 1) * stride];
                    // Rows the blocks wrote need only their last columns.
                    let from = if r < done.0 { done.1 } else { 0 };
                    for (t, &(_, slot)) in tile.iter().enumerate().skip(from) {
                        row[slot] = values[t * h + r];
                    }
                }
            }
        }
        return Ok(());
    }
    let page = column.chunk(i, j)?;
    let values = page.values::<T>()?;
    // Tiles of 64 haplotypes: each record's values of a tile are written
    // side by side, read from 64 runs.
    for tile in columns.chunks(64) {
        let runs: Vec<(&[T], usize)> = tile
            .iter()
            .map(|&(c, slot)| (&values[base_of(c)..base_of(c) + take], slot))
            .collect();
        for r in 0..take {
            let row = &mut out[r * stride..(r + 1) * stride];
            for &(run, slot) in &runs {
                row[slot] = run[r];
            }
        }
    }
    Ok(())
}

/// Add to `counts` (`[site][allele]`, `width` alleles a site) the allele
/// indexes of haplotype columns `haplotypes` over `rows`, walking each
/// chunk's haplotype runs once (no genotype array is built).
fn count_haplotypes<T: gcol_format::Value + Copy + Into<i32>>(
    column: &ColumnReader<'_>,
    rows: Range<u64>,
    haplotypes: &[u64],
    width: usize,
    counts: &mut [u32],
) -> Result<()> {
    let grid = column.chunk_grid()?;
    check_rows(column, &grid, &rows)?;
    if let Some(&h) = haplotypes.iter().find(|&&h| h >= grid.shape[1]) {
        return Err(Error::OutOfRange {
            column: column.meta().name.clone(),
            index: h,
            len: grid.shape[1],
        });
    }
    let cc = grid.chunk_shape[1];
    if grid.order != gcol_format::manifest::ChunkOrder::ColumnMajor || grid.shape[2] != 1 {
        for &h in haplotypes {
            let (v, _) = column.read_block::<T>(rows.clone(), h..h + 1)?;
            for (site, &a) in v.iter().enumerate() {
                let a: i32 = a.into();
                if a >= 0 && (a as usize) < width {
                    counts[site * width + a as usize] += 1;
                }
            }
        }
        return Ok(());
    }
    let mut by_chunk: std::collections::BTreeMap<u64, Vec<u64>> = Default::default();
    for &h in haplotypes {
        by_chunk.entry(h / cc).or_default().push(h);
    }
    let count =
        |(i, height, skip, take, out): (u64, usize, usize, usize, &mut [u32])| -> Result<()> {
            for (&j, hs) in &by_chunk {
                let first = grid.columns_in(j).start;
                let packed = if std::mem::size_of::<T>() == 1 {
                    column.packed_chunk(i, j)?
                } else {
                    None
                };
                if let Some(packed) = packed {
                    let bases: Vec<usize> = hs
                        .iter()
                        .map(|&h| (h - first) as usize * height + skip)
                        .collect();
                    count_packed(&packed.view(), &bases, take, width, out);
                    continue;
                }
                let page = column.chunk(i, j)?;
                let values = page.values::<T>()?;
                for &h in hs {
                    let base = (h - first) as usize * height + skip;
                    for (site, &a) in values[base..base + take].iter().enumerate() {
                        let a: i32 = a.into();
                        if a >= 0 && (a as usize) < width {
                            out[site * width + a as usize] += 1;
                        }
                    }
                }
            }
            Ok(())
        };
    by_row_chunks(&grid, &rows, width, counts, haplotypes.len(), count)
}

/// Add to `out` (`[site][allele]`, `width` alleles a site) the allele
/// indexes of the packed runs starting at `bases`, `take` values each (one
/// haplotype's sites). Pages of 1 and 2 bits (biallelic or triallelic
/// calls, with or without missing alleles) count each site's values in
/// byte lanes, eight or four sites per add, from bit-plane tables (no
/// per-value branch); a page of one value adds the run length; others
/// unpack and count.
fn count_packed(
    view: &gcol_format::encoding::for_bitpack::PackedBytes<'_>,
    bases: &[usize],
    take: usize,
    width: usize,
    out: &mut [u32],
) {
    let offset = i32::from(view.offset as i8);
    let n = bases.len() as u32;
    let mut add = |raw: usize, per_site: &dyn Fn(usize) -> u32| {
        let a = offset + raw as i32;
        if a >= 0 && (a as usize) < width {
            for site in 0..take {
                out[site * width + a as usize] += per_site(site);
            }
        }
    };
    match view.width {
        0 => add(0, &|_| n),
        1 => {
            let [ones, _, _] = count_planes(view.packed, 1, bases, take);
            add(0, &|s| n - ones[s]);
            add(1, &|s| ones[s]);
        }
        2 => {
            let [low, high, both] = count_planes(view.packed, 2, bases, take);
            let one = |s: usize| low[s] - both[s];
            let two = |s: usize| high[s] - both[s];
            add(0, &|s| n - one(s) - two(s) - both[s]);
            add(1, &one);
            add(2, &two);
            add(3, &|s| both[s]);
        }
        _ => {
            let mut run = vec![0u8; take];
            for &base in bases {
                view.unpack(base, &mut run);
                for (site, &a) in run.iter().enumerate() {
                    let a = i32::from(a as i8);
                    if a >= 0 && (a as usize) < width {
                        out[site * width + a as usize] += 1;
                    }
                }
            }
        }
    }
}

/// Per-site sums over the runs at `bases` (`take` values of `w` bits each,
/// w = 1 or 2) of each bit plane: for w = 1 the values; for w = 2 the low
/// bits, the high bits and the values equal to 3. Sums run in byte lanes
/// (a u64 holds eight sites' counts at w = 1, a u32 four at w = 2),
/// flushed every 255 runs before a lane could overflow.
fn count_planes(packed: &[u8], w: usize, bases: &[usize], take: usize) -> [Vec<u32>; 3] {
    use gcol_format::encoding::for_bitpack::{planes2, spread1};
    let per = 8 / w;
    let groups = take / per;
    let planes = if w == 1 { 1 } else { 3 };
    let mut sums: [Vec<u32>; 3] = [vec![0; take], vec![0; take], vec![0; take]];
    let mut lanes = vec![vec![0u64; groups + 1]; planes];
    let value =
        |i: usize| -> usize { ((packed[(i * w) >> 3] >> ((i * w) & 7)) as usize) & ((1 << w) - 1) };
    for group in bases.chunks(255) {
        for l in &mut lanes {
            l.fill(0);
        }
        for &base in group {
            let shift = (base * w) & 7;
            let first = (base * w) >> 3;
            let byte = |q: usize| -> u8 {
                if shift == 0 {
                    packed[first + q]
                } else {
                    let pair = u16::from(packed[first + q]) | u16::from(packed[first + q + 1]) << 8;
                    (pair >> shift) as u8
                }
            };
            if shift == 0 {
                // Aligned runs (every run of a whole chunk): straight
                // over the bytes.
                let bytes = &packed[first..first + groups];
                if w == 1 {
                    for (lane, &b) in lanes[0][..groups].iter_mut().zip(bytes) {
                        *lane += spread1(b);
                    }
                } else {
                    let (head, rest) = lanes.split_at_mut(1);
                    let (mid, tail) = rest.split_at_mut(1);
                    for (q, &b) in bytes.iter().enumerate() {
                        let [x, y, z] = planes2(b);
                        head[0][q] += u64::from(x);
                        mid[0][q] += u64::from(y);
                        tail[0][q] += u64::from(z);
                    }
                }
            } else if w == 1 {
                for (q, lane) in lanes[0][..groups].iter_mut().enumerate() {
                    *lane += spread1(byte(q));
                }
            } else {
                let (head, rest) = lanes.split_at_mut(1);
                let (mid, tail) = rest.split_at_mut(1);
                for q in 0..groups {
                    let [a, b, c] = planes2(byte(q));
                    head[0][q] += u64::from(a);
                    mid[0][q] += u64::from(b);
                    tail[0][q] += u64::from(c);
                }
            }
            for k in groups * per..take {
                let v = value(base + k);
                let lane_shift = 8 * (k % per);
                if w == 1 {
                    lanes[0][k / per] += (v as u64) << lane_shift;
                } else {
                    lanes[0][k / per] += ((v & 1) as u64) << lane_shift;
                    lanes[1][k / per] += ((v >> 1) as u64) << lane_shift;
                    lanes[2][k / per] += u64::from(v == 3) << lane_shift;
                }
            }
        }
        for (p, l) in lanes.iter().enumerate() {
            for (k, sum) in sums[p].iter_mut().enumerate() {
                *sum += ((l[k / per] >> (8 * (k % per))) & 0xFF) as u32;
            }
        }
    }
    sums
}

/// Consecutive runs of ascending `rows`.
pub fn row_runs(rows: &[u64]) -> Vec<Range<u64>> {
    let mut out: Vec<Range<u64>> = Vec::new();
    for &r in rows {
        match out.last_mut() {
            Some(last) if last.end == r => last.end = r + 1,
            _ => out.push(r..r + 1),
        }
    }
    out
}

impl Variants {
    /// [`Variants::genotypes`] of any ascending rows (a region's).
    pub fn genotypes_of(
        &self,
        rows: &[u64],
        samples: Option<&[usize]>,
    ) -> Result<(Vec<i16>, Vec<bool>, usize)> {
        let (alleles, phased, ploidy) = self.genotypes_of_any(rows, samples, true)?;
        Ok((alleles.into_i16(), phased, ploidy))
    }

    /// [`Variants::genotypes_any`] of any ascending rows.
    pub fn genotypes_of_any(
        &self,
        rows: &[u64],
        samples: Option<&[usize]>,
        with_phase: bool,
    ) -> Result<(GenotypeValues, Vec<bool>, usize)> {
        let runs = row_runs(rows);
        if runs.len() == 1 {
            return self.genotypes_any(runs[0].clone(), samples, with_phase);
        }
        let mut phased = Vec::new();
        let mut ploidy = 0;
        let mut out: Option<GenotypeValues> = None;
        for run in runs {
            let (a, p, k) = self.genotypes_any(run, samples, with_phase)?;
            phased.extend(p);
            ploidy = k;
            out = Some(match (out, a) {
                (None, a) => a,
                (Some(GenotypeValues::I8(mut x)), GenotypeValues::I8(y)) => {
                    x.extend(y);
                    GenotypeValues::I8(x)
                }
                (Some(GenotypeValues::I16(mut x)), GenotypeValues::I16(y)) => {
                    x.extend(y);
                    GenotypeValues::I16(x)
                }
                _ => unreachable!("one column, one width"),
            });
        }
        Ok((
            out.unwrap_or(GenotypeValues::I8(Vec::new())),
            phased,
            ploidy,
        ))
    }

    /// [`Variants::genotypes_of`] into `out` (`rows × samples × ploidy`
    /// allele indexes, i8: the stored width must be i8), so that repeated
    /// reads reuse one array; returns the ploidy.
    pub fn genotypes_into(
        &self,
        rows: &[u64],
        samples: Option<&[usize]>,
        out: &mut [i8],
    ) -> Result<usize> {
        let Some(field) = self.formats.iter().find(|f| f.kind == FormatKind::Gt) else {
            return Ok(0);
        };
        let samples = self.samples_or_all(samples);
        let samples: &[usize] = &samples;
        let gt = self.column(&field.column)?;
        if gt.meta().physical_type != PhysicalType::I8 {
            return Err(Error::Usage {
                detail: "genotypes are stored as i16 (an allele index above 127): read them into an int16 array".into(),
            });
        }
        let ploidy = field.width;
        let per_site = samples.len() * ploidy;
        if out.len() != rows.len() * per_site {
            return Err(Error::Usage {
                detail: format!(
                    "the output holds {} values, {} sites x {} samples x {ploidy} need {}",
                    out.len(),
                    rows.len(),
                    samples.len(),
                    rows.len() * per_site
                ),
            });
        }
        let mut at = 0;
        for run in row_runs(rows) {
            let n = (run.end - run.start) as usize * per_site;
            gather_haplotypes_into::<i8>(&gt, run, samples, ploidy, &mut out[at..at + n])?;
            at += n;
        }
        Ok(ploidy)
    }

    /// Allele counts of the called alleles of `samples` (all when `None`)
    /// at each of `rows`: a `[site][allele]` array with `width` = the most
    /// alleles any of the sites has (REF first; zero past a site's alleles),
    /// and the number of alleles of each site.
    pub fn allele_counts(
        &self,
        rows: &[u64],
        samples: Option<&[usize]>,
    ) -> Result<(Vec<u32>, usize, Vec<u32>)> {
        let mut n_alleles = Vec::with_capacity(rows.len());
        for run in row_runs(rows) {
            let lists = self.column(col::ALT)?.list_offsets(run)?;
            n_alleles.extend(lists.windows(2).map(|w| (w[1] - w[0]) as u32 + 1));
        }
        let width = n_alleles.iter().copied().max().unwrap_or(1) as usize;
        let mut counts = vec![0u32; rows.len() * width];
        let Some(field) = self.formats.iter().find(|f| f.kind == FormatKind::Gt) else {
            return Ok((counts, width, n_alleles));
        };
        let ploidy = field.width as u64;
        let samples = self.samples_or_all(samples);
        let samples: &[usize] = &samples;
        let haplotypes: Vec<u64> = samples
            .iter()
            .flat_map(|&s| s as u64 * ploidy..(s as u64 + 1) * ploidy)
            .collect();
        let gt = self.column(&field.column)?;
        let mut site = 0usize;
        for run in row_runs(rows) {
            let n = (run.end - run.start) as usize;
            let out = &mut counts[site * width..(site + n) * width];
            match gt.meta().physical_type {
                PhysicalType::I8 => count_haplotypes::<i8>(&gt, run, &haplotypes, width, out)?,
                _ => count_haplotypes::<i16>(&gt, run, &haplotypes, width, out)?,
            }
            site += n;
        }
        Ok((counts, width, n_alleles))
    }
}

fn schema_error(dataset: &Dataset, detail: String) -> Error {
    Error::Format(gcol_format::Error::Schema {
        dataset: dataset.name.clone(),
        kind: KIND,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_as_bcftools_takes_them() {
        let r = VcfRegion::parse("20:1,000,000-1,100,000").unwrap();
        assert_eq!(
            (r.contig.as_str(), r.start, r.end),
            ("20", 1_000_000, 1_100_000)
        );
        let r = VcfRegion::parse("chrX").unwrap();
        assert_eq!((r.start, r.end), (1, u64::MAX));
        let r = VcfRegion::parse("HLA-A*01:01:01:01").unwrap();
        assert_eq!(r.contig, "HLA-A*01:01:01");
        assert_eq!((r.start, r.end), (1, 1));
        let r = VcfRegion::parse("1:5-").unwrap();
        assert_eq!((r.start, r.end), (5, u64::MAX));
        assert!(VcfRegion::parse("1:0-5").is_err());
        assert!(VcfRegion::parse("1:9-5").is_err());
    }
}
