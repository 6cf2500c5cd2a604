//! A block of consecutive sites, decoded column by column.

use std::ops::Range;

use gcol_format::schema::variants::columns as col;
use gcol_format::PhysicalType;

use super::{FormatKind, InfoKind, Variants};
use crate::{ColumnReader, Result};

/// Values of one INFO field over a block.
#[derive(Debug, Clone)]
pub enum InfoValues {
    /// Flags.
    Flag(Vec<u8>),
    /// One integer per site.
    Int(Vec<Option<i64>>),
    /// One float per site.
    Float(Vec<Option<f32>>),
    /// Lists of integers (null items as `None`).
    IntList(Vec<Option<Vec<Option<i64>>>>),
    /// Lists of floats.
    FloatList(Vec<Option<Vec<Option<f32>>>>),
    /// Text.
    Text(Vec<Option<Vec<u8>>>),
}

/// Values of one FORMAT field over a block, for the chosen samples:
/// `[site][sample][width]`.
#[derive(Debug, Clone)]
pub enum FormatValues {
    /// Allele indexes and phase bytes (`[site][sample]`).
    Gt(Vec<i16>, Vec<u8>),
    /// Integers with presence.
    Int(Vec<i32>, Vec<bool>),
    /// Floats with presence.
    Float(Vec<f32>, Vec<bool>),
    /// Text bytes.
    Text(Vec<u8>),
}

/// Sites `rows` of a dataset, with FORMAT values of some samples.
#[derive(Debug, Clone)]
pub struct SiteBlock {
    /// The rows.
    pub rows: Range<u64>,
    /// Contig index of each site.
    pub contig: Vec<usize>,
    /// POS.
    pub pos: Vec<u64>,
    /// ID (`None` for `.`).
    pub id: Vec<Option<Vec<u8>>>,
    /// REF.
    pub reference: Vec<Vec<u8>>,
    /// ALT alleles.
    pub alt: Vec<Vec<Vec<u8>>>,
    /// QUAL.
    pub qual: Vec<Option<f32>>,
    /// FILTER (`None` for `.`).
    pub filter: Vec<Option<Vec<Vec<u8>>>>,
    /// INFO keys in order, joined by `;`.
    pub info_keys: Vec<Vec<u8>>,
    /// FORMAT text (`None` without a FORMAT column).
    pub format_keys: Vec<Option<Vec<u8>>>,
    /// One entry per [`Variants::infos`].
    pub info: Vec<InfoValues>,
    /// One entry per [`Variants::formats`] (empty when no samples were asked).
    pub format: Vec<FormatValues>,
    /// Per-cell counts of FORMAT fields that store them (`[site][sample]`).
    pub counts: Vec<Option<Vec<u16>>>,
    /// The samples the FORMAT values are for.
    pub samples: Vec<usize>,
}

fn binary_options(column: &ColumnReader<'_>, rows: Range<u64>) -> Result<Vec<Option<Vec<u8>>>> {
    let mut out = Vec::with_capacity((rows.end - rows.start) as usize);
    column.for_each_binary_option(rows, |_, v| out.push(v.map(<[u8]>::to_vec)))?;
    Ok(out)
}

fn binaries(column: &ColumnReader<'_>, rows: Range<u64>) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity((rows.end - rows.start) as usize);
    column.for_each_binary(rows, |_, v| out.push(v.to_vec()))?;
    Ok(out)
}

/// Lists of a list column with nullable fixed-width items.
fn option_lists<T: gcol_format::Value>(
    column: &ColumnReader<'_>,
    rows: Range<u64>,
) -> Result<Vec<Option<Vec<Option<T>>>>> {
    let offsets = column.list_offsets(rows.clone())?;
    let present = column.read_validity(rows)?;
    let child = column.list_child()?;
    let base = offsets[0];
    let items = child.read_option::<T>(base..offsets[offsets.len() - 1])?;
    Ok(offsets
        .windows(2)
        .zip(present)
        .map(|(w, p)| p.then(|| items[(w[0] - base) as usize..(w[1] - base) as usize].to_vec()))
        .collect())
}

/// AN and AC of every record of `rows` from the genotypes of all samples
/// (spec 14.3): called alleles, and the calls of each ALT allele.
fn allele_counts(
    v: &Variants,
    rows: Range<u64>,
    alt: &[Vec<Vec<u8>>],
) -> Result<(Vec<i64>, Vec<Vec<i64>>)> {
    let rows: Vec<u64> = rows.collect();
    let (counts, width, _) = v.allele_counts(&rows, None)?;
    let mut an = Vec::with_capacity(alt.len());
    let mut ac = Vec::with_capacity(alt.len());
    for (site, alleles) in alt.iter().enumerate() {
        let row = &counts[site * width..(site + 1) * width];
        an.push(row.iter().map(|&c| i64::from(c)).sum());
        ac.push(
            (1..=alleles.len())
                .map(|k| row.get(k).map_or(0, |&c| i64::from(c)))
                .collect(),
        );
    }
    Ok((an, ac))
}

/// IDs: the `id` text, or `rs` and the number of `id/rs` (spec 14.2).
fn ids(v: &Variants, rows: Range<u64>) -> Result<Vec<Option<Vec<u8>>>> {
    let mut ids = binary_options(&v.column(col::ID)?, rows.clone())?;
    if v.binding.id(col::ID_RS).is_some() {
        let numbers = v.column(col::ID_RS)?.read_option::<u64>(rows)?;
        for (id, n) in ids.iter_mut().zip(numbers) {
            if let Some(n) = n {
                *id = Some(format!("rs{n}").into_bytes());
            }
        }
    }
    Ok(ids)
}

/// Integers of an i32 or i64 column, widened.
pub(crate) fn int_options(column: &ColumnReader<'_>, rows: Range<u64>) -> Result<Vec<Option<i64>>> {
    Ok(match column.meta().physical_type {
        PhysicalType::I64 => column.read_option::<i64>(rows)?,
        _ => column
            .read_option::<i32>(rows)?
            .into_iter()
            .map(|v| v.map(i64::from))
            .collect(),
    })
}

fn int_lists(column: &ColumnReader<'_>, rows: Range<u64>) -> Result<Vec<Option<Vec<Option<i64>>>>> {
    if column.list_child()?.meta().physical_type == PhysicalType::I64 {
        return option_lists::<i64>(column, rows);
    }
    Ok(option_lists::<i32>(column, rows)?
        .into_iter()
        .map(|l| l.map(|l| l.into_iter().map(|v| v.map(i64::from)).collect()))
        .collect())
}

/// Lists of a list column with binary items.
fn binary_lists(column: &ColumnReader<'_>, rows: Range<u64>) -> Result<Vec<Option<Vec<Vec<u8>>>>> {
    column.read_binary_lists(rows)
}

/// `[site][sample][width]` values of the chosen samples from a chunked
/// column, reading each sample's cells once.
fn gather<T: gcol_format::Value>(
    column: &ColumnReader<'_>,
    rows: Range<u64>,
    samples: &[usize],
    width: usize,
) -> Result<(Vec<T>, Vec<bool>)> {
    let sites = (rows.end - rows.start) as usize;
    let n = samples.len();
    let mut values = vec![T::zeroed(); sites * n * width];
    let mut present = vec![false; sites * n * width];
    if sites == 0 || n == 0 {
        return Ok((values, present));
    }
    // Consecutive samples are read as one block.
    let mut o = 0;
    while o < n {
        let mut run = 1;
        while o + run < n && samples[o + run] == samples[o] + run {
            run += 1;
        }
        let first = samples[o] as u64;
        let (v, p) = column.read_block::<T>(rows.clone(), first..first + run as u64)?;
        for r in 0..sites {
            let from = r * run * width;
            let to = (r * n + o) * width;
            values[to..to + run * width].copy_from_slice(&v[from..from + run * width]);
            present[to..to + run * width].copy_from_slice(&p[from..from + run * width]);
        }
        o += run;
    }
    Ok((values, present))
}

impl SiteBlock {
    /// Read `rows` of `variants`, with FORMAT values for `samples` (none
    /// when `None`).
    pub fn read(
        variants: &Variants,
        rows: Range<u64>,
        samples: Option<&[usize]>,
    ) -> Result<SiteBlock> {
        Self::read_with(variants, rows, samples, true)
    }

    /// [`SiteBlock::read`]; `derived`: compute derived INFO fields (AC, AN
    /// from every sample's genotypes), else leave them null (a caller that
    /// recomputes them for a sample subset).
    pub fn read_with(
        variants: &Variants,
        rows: Range<u64>,
        samples: Option<&[usize]>,
        derived_fields: bool,
    ) -> Result<SiteBlock> {
        let v = variants;
        let pos: Vec<u64> = v.column(col::POS)?.read(rows.clone())?;
        let contig = rows
            .clone()
            .map(|row| v.contig_ends.partition_point(|&end| end <= row))
            .collect();
        let alt: Vec<Vec<Vec<u8>>> = binary_lists(&v.column(col::ALT)?, rows.clone())?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        let mut info = Vec::with_capacity(v.infos.len());
        let mut derived: Option<(Vec<i64>, Vec<Vec<i64>>)> = None;
        for field in &v.infos {
            if field.derived && !derived_fields {
                let n = (rows.end - rows.start) as usize;
                info.push(if field.kind == InfoKind::Int {
                    InfoValues::Int(vec![None; n])
                } else {
                    InfoValues::IntList(vec![None; n])
                });
                continue;
            }
            if field.derived {
                if derived.is_none() {
                    derived = Some(allele_counts(v, rows.clone(), &alt)?);
                }
                let (an, ac) = derived.as_ref().expect("computed");
                info.push(if field.id == "AN" {
                    InfoValues::Int(an.iter().map(|&n| Some(n)).collect())
                } else if field.kind == InfoKind::Int {
                    InfoValues::Int(ac.iter().map(|c| c.first().copied()).collect())
                } else {
                    InfoValues::IntList(
                        ac.iter()
                            .map(|c| Some(c.iter().map(|&x| Some(x)).collect()))
                            .collect(),
                    )
                });
                continue;
            }
            let c = v.column(&field.column)?;
            info.push(match field.kind {
                InfoKind::Flag => InfoValues::Flag(c.read(rows.clone())?),
                InfoKind::Int => InfoValues::Int(int_options(&c, rows.clone())?),
                InfoKind::Float => InfoValues::Float(c.read_option(rows.clone())?),
                InfoKind::IntList => InfoValues::IntList(int_lists(&c, rows.clone())?),
                InfoKind::FloatList => InfoValues::FloatList(option_lists(&c, rows.clone())?),
                InfoKind::Text => InfoValues::Text(binary_options(&c, rows.clone())?),
            });
        }
        let samples: Vec<usize> = samples.map(<[usize]>::to_vec).unwrap_or_default();
        let mut format = Vec::new();
        let mut counts = Vec::new();
        if !samples.is_empty() {
            for field in &v.formats {
                let c = v.column(&field.column)?;
                let w = field.width;
                format.push(match field.kind {
                    FormatKind::Gt => {
                        // One value per haplotype (spec 14.4), chunk by chunk.
                        let alleles: Vec<i16> = match c.meta().physical_type {
                            PhysicalType::I8 => {
                                super::gather_haplotypes::<i8>(&c, rows.clone(), &samples, w)?
                                    .into_iter()
                                    .map(i16::from)
                                    .collect()
                            }
                            _ => super::gather_haplotypes::<i16>(&c, rows.clone(), &samples, w)?,
                        };
                        let phase = v.column(col::GT_PHASE)?;
                        let bits =
                            super::gather_haplotypes::<u8>(&phase, rows.clone(), &samples, 1)?;
                        FormatValues::Gt(alleles, bits)
                    }
                    FormatKind::Int => {
                        let (x, p) = gather::<i32>(&c, rows.clone(), &samples, w)?;
                        FormatValues::Int(x, p)
                    }
                    FormatKind::Float => {
                        let (x, p) = gather::<f32>(&c, rows.clone(), &samples, w)?;
                        FormatValues::Float(x, p)
                    }
                    FormatKind::Text => {
                        FormatValues::Text(gather::<u8>(&c, rows.clone(), &samples, w)?.0)
                    }
                });
                counts.push(if field.counts {
                    let cc = v.column(&format!("{}{}", field.column, col::COUNT_SUFFIX))?;
                    Some(gather::<u16>(&cc, rows.clone(), &samples, 1)?.0)
                } else {
                    None
                });
            }
        }
        Ok(SiteBlock {
            contig,
            pos,
            id: ids(v, rows.clone())?,
            reference: v.ref_alleles(rows.clone())?,
            alt,
            qual: v.column(col::QUAL)?.read_option(rows.clone())?,
            filter: binary_lists(&v.column(col::FILTER)?, rows.clone())?,
            info_keys: binaries(&v.column(col::INFO_KEYS)?, rows.clone())?,
            format_keys: binary_options(&v.column(col::FORMAT_KEYS)?, rows.clone())?,
            info,
            format,
            counts,
            samples,
            rows,
        })
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.pos.len()
    }

    /// Whether the block has no sites.
    pub fn is_empty(&self) -> bool {
        self.pos.is_empty()
    }
}
