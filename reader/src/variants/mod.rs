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
pub use text::{VcfWriteOptions, VcfWriter};

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

    /// Index of sample `name`.
    pub fn sample_index(&self, name: &str) -> Option<usize> {
        self.samples.iter().position(|s| s == name)
    }

    /// Indexes of `names`, in the order given; an unknown name is an error
    /// (as `bcftools view -s` without `--force-samples`).
    pub fn sample_indexes(&self, names: &[String]) -> Result<Vec<usize>> {
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
        let all: Vec<usize>;
        let samples = match samples {
            Some(s) => s,
            None => {
                all = (0..self.samples.len()).collect();
                &all
            }
        };
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
    let n = samples.len();
    let sites = (rows.end - rows.start) as usize;
    let mut out = vec![T::zeroed(); sites * n * ploidy];
    if sites == 0 || n == 0 {
        return Ok(out);
    }
    let grid = column.chunk_grid()?;
    let (cr, cc) = (grid.chunk_shape[0], grid.chunk_shape[1]);
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
        return Ok(out);
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
    for i in rows.start / cr..rows.end.div_ceil(cr) {
        let chunk_rows = grid.rows_in(i);
        let (from, to) = (
            chunk_rows.start.max(rows.start),
            chunk_rows.end.min(rows.end),
        );
        let height = (chunk_rows.end - chunk_rows.start) as usize;
        for (&j, columns) in &by_chunk {
            let first_column = grid.columns_in(j).start;
            let (skip, take) = ((from - chunk_rows.start) as usize, (to - from) as usize);
            let out_base = (from - rows.start) as usize * stride;
            // A few haplotypes of a page not in the cache (one sample's):
            // streamed, keeping only their runs.
            let chunk_columns = grid.columns_in(j);
            if std::mem::size_of::<T>() == 1
                && columns.len() as u64 * 8 <= chunk_columns.end - chunk_columns.start
            {
                let runs: Vec<(usize, usize)> = columns
                    .iter()
                    .map(|&(c, _)| ((c - first_column) as usize * height + skip, take))
                    .collect();
                if let Some(values) = column.chunk_runs(i, j, &runs)? {
                    for (run, &(_, slot)) in values.iter().zip(columns) {
                        let run: &[T] = bytemuck::cast_slice(run);
                        for (r, &v) in run.iter().enumerate() {
                            out[out_base + r * stride + slot] = v;
                        }
                    }
                    continue;
                }
            }
            // One-byte values kept packed: only the runs asked for are
            // unpacked (a region's), 64 haplotypes at a time.
            let packed = if std::mem::size_of::<T>() == 1 {
                column.packed_chunk(i, j)?
            } else {
                None
            };
            if let Some(packed) = packed {
                let view = packed.view();
                let mut scratch = vec![0u8; 64 * take];
                for tile in columns.chunks(64) {
                    for (t, &(c, _)) in tile.iter().enumerate() {
                        let base = (c - first_column) as usize * height + skip;
                        view.unpack(base, &mut scratch[t * take..(t + 1) * take]);
                    }
                    let values: &[T] = bytemuck::cast_slice(&scratch);
                    for r in 0..take {
                        let row = &mut out[out_base + r * stride..out_base + (r + 1) * stride];
                        for (t, &(_, slot)) in tile.iter().enumerate() {
                            row[slot] = values[t * take + r];
                        }
                    }
                }
                continue;
            }
            let page = column.chunk(i, j)?;
            let values = page.values::<T>()?;
            // Tiles of 64 haplotypes: each record's values of a tile are
            // written side by side, read from 64 runs.
            for tile in columns.chunks(64) {
                let runs: Vec<(&[T], usize)> = tile
                    .iter()
                    .map(|&(c, slot)| {
                        let base = (c - first_column) as usize * height + skip;
                        (&values[base..base + take], slot)
                    })
                    .collect();
                for r in 0..take {
                    let row = &mut out[out_base + r * stride..out_base + (r + 1) * stride];
                    for &(run, slot) in &runs {
                        row[slot] = run[r];
                    }
                }
            }
        }
    }
    Ok(out)
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
    let (cr, cc) = (grid.chunk_shape[0], grid.chunk_shape[1]);
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
    for i in rows.start / cr..rows.end.div_ceil(cr) {
        let chunk_rows = grid.rows_in(i);
        let (from, to) = (
            chunk_rows.start.max(rows.start),
            chunk_rows.end.min(rows.end),
        );
        let height = (chunk_rows.end - chunk_rows.start) as usize;
        let skip = (from - chunk_rows.start) as usize;
        let take = (to - from) as usize;
        let out =
            &mut counts[(from - rows.start) as usize * width..(to - rows.start) as usize * width];
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
    }
    Ok(())
}

/// Add to `out` (`[site][allele]`, `width` alleles a site) the allele
/// indexes of the packed runs starting at `bases`, `take` values each (one
/// haplotype's sites). Biallelic 1-bit pages (values 0 and 1) count their
/// 1s eight sites at a time in byte lanes (no per-value branch); a page of
/// one value adds the run length; others unpack and count.
fn count_packed(
    view: &gcol_format::encoding::for_bitpack::PackedBytes<'_>,
    bases: &[usize],
    take: usize,
    width: usize,
    out: &mut [u32],
) {
    use gcol_format::encoding::for_bitpack::spread1;
    let offset = i32::from(view.offset as i8);
    if view.width == 0 {
        if offset >= 0 && (offset as usize) < width {
            for site in 0..take {
                out[site * width + offset as usize] += bases.len() as u32;
            }
        }
        return;
    }
    if view.width == 1 && offset == 0 && width >= 2 {
        let packed = view.packed;
        let bit = |i: usize| u64::from((packed[i >> 3] >> (i & 7)) & 1);
        let groups = take / 8;
        let mut ones = vec![0u32; take];
        let mut lanes = vec![0u64; groups + 1];
        // Byte lanes count to 255 at most: flush every 255 haplotypes.
        for group in bases.chunks(255) {
            lanes.fill(0);
            for &base in group {
                let s = base & 7;
                let a = base >> 3;
                if s == 0 {
                    for (lane, &b) in lanes.iter_mut().zip(&packed[a..a + groups]) {
                        *lane += spread1(b);
                    }
                } else {
                    for (q, lane) in lanes[..groups].iter_mut().enumerate() {
                        let pair = u16::from(packed[a + q]) | u16::from(packed[a + q + 1]) << 8;
                        *lane += spread1((pair >> s) as u8);
                    }
                }
                for k in groups * 8..take {
                    lanes[k / 8] += bit(base + k) << (8 * (k % 8));
                }
            }
            for (k, one) in ones.iter_mut().enumerate() {
                *one += ((lanes[k / 8] >> (8 * (k % 8))) & 0xFF) as u32;
            }
        }
        let n = bases.len() as u32;
        for (site, &one) in ones.iter().enumerate() {
            out[site * width] += n - one;
            out[site * width + 1] += one;
        }
        return;
    }
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
        let all: Vec<usize>;
        let samples = match samples {
            Some(s) => s,
            None => {
                all = (0..self.samples.len()).collect();
                &all
            }
        };
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
