//! Reading `alignments` datasets (spec 15): records rebuilt in BAM's
//! binary layout from their columns, SAM text as `samtools view` prints
//! it, BAM output, region queries over coordinate-sorted records, and
//! per-base depth as `samtools depth` counts it.

mod export;
mod reference;
mod text;

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use gcol_format::bam::{end_position, reg2bin};
use gcol_format::manifest::{Dataset, Layout};
use gcol_format::schema::alignments::{columns as col, meta, SCHEMA};
use gcol_format::PhysicalType;

use crate::{ColumnReader, Error, Reader, Result};

pub use export::{write_alignments, AlignmentExport, AlignmentOutput};
pub use reference::{contig_md5, ReferenceBases, SequencesReference};
pub use text::{bases_string, cigar_string, format_g, qualities_string, write_sam_record};

/// The reference of a dataset whose bases are coded against one (spec
/// 15.10): the listed contigs by reference id, and the `sequences`
/// dataset of this file bound when the metadata names one.
fn coded_reference(
    reader: &Reader,
    dataset: &Dataset,
    refs: &[(String, u64)],
) -> Result<reference::CodedReference> {
    let invalid = |detail: String| Error::Invariant {
        column: format!("{}/{}", dataset.name, col::SEQ),
        row: 0,
        rule: "15.10 bases against a reference",
        detail,
    };
    let link = crate::variants::ReferenceLink::from_metadata(&dataset.metadata)
        .ok_or_else(|| invalid("no reference_source for bases coded against a reference".into()))?;
    if let Some(c) = dataset
        .columns
        .iter()
        .find(|c| c.name.starts_with("consensus/"))
    {
        return Err(invalid(format!(
            "column {} in a dataset coded against a reference",
            c.name
        )));
    }
    let text = dataset
        .metadata
        .get(gcol_format::schema::variants::meta::REFERENCE_CONTIGS)
        .map_or("", String::as_str);
    let mut contigs = vec![None; refs.len()];
    for (name, length, md5) in
        crate::variants::ReferenceLink::parse_contigs(text).map_err(invalid)?
    {
        let Some(id) = refs.iter().position(|r| r.0 == name) else {
            return Err(invalid(format!(
                "reference_contigs lists {name}, which is not a reference of the dataset"
            )));
        };
        if refs[id].1 != length {
            return Err(invalid(format!(
                "reference_contigs gives {name} {length} bases, ref_length {}",
                refs[id].1
            )));
        }
        contigs[id] = Some((length, md5));
    }
    let bound: Option<Arc<dyn ReferenceBases>> = match &link.dataset {
        Some(d) => {
            let seqs = reader.sequences(d).map_err(|e| {
                invalid(format!(
                    "bases are coded against dataset {d:?}, which cannot be read: {e}"
                ))
            })?;
            if seqs.alphabet() != crate::sequences::Alphabet::Nucleotide {
                return Err(invalid(format!(
                    "bases are coded against dataset {d:?}, which holds proteins"
                )));
            }
            Some(Arc::new(SequencesReference::new(vec![seqs], d.clone())))
        }
        None => None,
    };
    Ok(reference::CodedReference {
        source: link.source,
        dataset: link.dataset,
        checked: std::sync::Mutex::new(vec![0; refs.len()]),
        contigs,
        bound,
    })
}

/// Records decoded together (one consensus chunk, spec 15.8).
const BATCH: u64 = gcol_format::bam::CONSENSUS_ROWS;

/// Row `i`'s items of a list column read for a range of rows: `bounds` are
/// the rows' end offsets (`bounds[0]` where `items` starts).
fn row_items<'a, T>(items: &'a [T], bounds: &[u64], i: usize) -> &'a [T] {
    &items[(bounds[i] - bounds[0]) as usize..(bounds[i + 1] - bounds[0]) as usize]
}

/// One tag column of the dataset.
#[derive(Debug, Clone)]
struct TagInfo {
    /// `XX:T` or `XX:Bt`.
    key: Vec<u8>,
    column: String,
    item: Option<String>,
    physical: PhysicalType,
}

/// An `alignments` dataset bound to its columns.
#[derive(Debug)]
pub struct Alignments {
    reader: Reader,
    name: String,
    header: Vec<u8>,
    refs: Vec<(String, u64)>,
    tags: Vec<TagInfo>,
    /// Per layout: indexes into `tags`.
    layouts: Vec<Vec<usize>>,
    num_records: u64,
    sorted: bool,
    /// `next_pos` and `tlen` coded against the record (spec 15.2).
    relative_mates: bool,
    /// Bases coded against a predictor: each chunk's consensus (spec
    /// 15.8) or, with `reference`, a reference (spec 15.10).
    consensus: bool,
    /// Differences stored as bases, without `seq_sub` (the form of format
    /// 1.5, spec 15.8).
    stored_differences: bool,
    /// The reference of bases coded against one (spec 15.10).
    reference: Option<reference::CodedReference>,
    /// Per reference: its rows and the longest reference span of its records.
    ref_rows: OnceLock<Vec<(Range<u64>, i64)>>,
    /// Whether each reference has records (read once, for `depth -a`).
    placed: OnceLock<Vec<bool>>,
}

/// A region of one reference: 0-based half-open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlignmentRegion {
    /// Reference id.
    pub ref_id: usize,
    /// First position (0-based).
    pub start: i64,
    /// End (exclusive).
    pub end: i64,
}

/// Record filters, as `samtools view -f -F -q`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Keep records with all these flag bits set.
    pub require: u16,
    /// Drop records with any of these bits set.
    pub exclude: u16,
    /// Keep records with MAPQ at least this.
    pub min_mapq: u8,
}

impl RecordFilter {
    fn keep(&self, flag: u16, mapq: u8) -> bool {
        flag & self.require == self.require && flag & self.exclude == 0 && mapq >= self.min_mapq
    }
}

/// The columns of a batch of records.
struct Batch {
    first: u64,
    flag: Vec<u16>,
    ref_id: Vec<i32>,
    pos: Vec<i32>,
    mapq: Vec<u8>,
    next_ref_id: Vec<i32>,
    next_pos: Vec<i32>,
    tlen: Vec<i32>,
    seq_length: Vec<u32>,
    layout: Vec<u32>,
    names: Vec<u8>,
    name_ends: Vec<usize>,
    cigar_bounds: Vec<u64>,
    cigar: Vec<u32>,
    seq: Vec<u8>,
    quality: Vec<u8>,
    /// Start of each record's bases in `seq`.
    seq_starts: Vec<usize>,
    tags: Vec<Option<TagValues>>,
}

/// A tag column's values for the rows of a batch.
enum TagValues {
    /// Fixed-width values, little-endian, one slot per row.
    Fixed {
        bytes: Vec<u8>,
        width: usize,
        present: Vec<bool>,
    },
    /// Binary values with their ends.
    Binary {
        data: Vec<u8>,
        ends: Vec<usize>,
        present: Vec<bool>,
    },
    /// Arrays: items (little-endian) and per-row item bounds.
    Array {
        items: Vec<u8>,
        width: usize,
        bounds: Vec<u64>,
        present: Vec<bool>,
    },
}

fn le_bytes<T: bytemuck::Pod>(v: &[T]) -> Vec<u8> {
    bytemuck::cast_slice(v).to_vec()
}

/// Read `rows` of a fixed-width column of type `physical` as bytes.
fn fixed_bytes(c: &ColumnReader<'_>, physical: PhysicalType, rows: Range<u64>) -> Result<Vec<u8>> {
    Ok(match physical {
        PhysicalType::U8 => c.read::<u8>(rows)?,
        PhysicalType::I8 => le_bytes(&c.read::<i8>(rows)?),
        PhysicalType::U16 => le_bytes(&c.read::<u16>(rows)?),
        PhysicalType::I16 => le_bytes(&c.read::<i16>(rows)?),
        PhysicalType::U32 => le_bytes(&c.read::<u32>(rows)?),
        PhysicalType::I32 => le_bytes(&c.read::<i32>(rows)?),
        PhysicalType::F32 => le_bytes(&c.read::<f32>(rows)?),
        other => {
            return Err(Error::Invariant {
                column: c.meta().name.clone(),
                row: rows.start,
                rule: "15.4 tag types",
                detail: format!("a tag column of {other} values"),
            })
        }
    })
}

/// Bases coded against a predictor in the current form of spec 15.8
/// ([`Alignments::recoded_bases`]).
#[derive(Debug, Clone, Default)]
pub struct Recoded {
    /// The stored bases (4-bit codes), records back to back.
    pub stored: Vec<u8>,
    /// The query offsets of the differences, records back to back.
    pub diffs: Vec<u32>,
    /// One substitution code per difference.
    pub subs: Vec<u8>,
}

impl Alignments {
    /// Bind dataset `name` of `reader` (cloned: clones share the cache).
    pub fn open(reader: &Reader, name: &str) -> Result<Alignments> {
        let dataset = reader.dataset(name)?;
        SCHEMA.bind(dataset)?;
        let column = |n: &str| reader.column(name, n);
        let header = column(col::HEADER)?.binary(0)?.to_vec();
        let mut refs = Vec::new();
        let names = column(col::REF_NAME)?;
        let lengths: Vec<u64> = {
            let c = column(col::REF_LENGTH)?;
            c.read(0..c.num_values())?
        };
        names.for_each_binary(0..names.num_values(), |i, v| {
            refs.push((
                String::from_utf8_lossy(v).into_owned(),
                lengths.get(i as usize).copied().unwrap_or(0),
            ))
        })?;
        if refs.len() != lengths.len() {
            return Err(invariant(
                name,
                col::REF_LENGTH,
                0,
                "one length per reference name",
            ));
        }
        let tags = tag_columns(dataset)?;
        let mut layouts = Vec::new();
        let layout_column = column(col::TAG_LAYOUTS)?;
        let mut bad_layout = None;
        layout_column.for_each_binary(0..layout_column.num_values(), |i, v| {
            let mut ids = Vec::new();
            if !v.is_empty() {
                for key in v.split(|&b| b == b',') {
                    match tags.iter().position(|t| t.key == key) {
                        Some(t) => ids.push(t),
                        None => bad_layout = Some((i, String::from_utf8_lossy(key).into_owned())),
                    }
                }
            }
            layouts.push(ids);
        })?;
        if let Some((row, key)) = bad_layout {
            return Err(Error::Invariant {
                column: format!("{name}/{}", col::TAG_LAYOUTS),
                row,
                rule: "15.4 tag layouts",
                detail: format!("layout names tag {key:?}, which has no column"),
            });
        }
        let num_records = column(col::FLAG)?.num_values();
        let sorted = dataset
            .metadata
            .get(meta::COORDINATE_SORTED)
            .is_some_and(|v| v == "true");
        let relative_mates = match dataset.metadata.get(meta::MATES).map(String::as_str) {
            None => false,
            Some("relative") => true,
            Some(other) => {
                return Err(Error::Invariant {
                    column: format!("{name}/{}", col::NEXT_POS),
                    row: 0,
                    rule: "15.1 metadata",
                    detail: format!("unknown mate coding {other:?}"),
                })
            }
        };
        let coding = dataset.metadata.get(meta::SEQ_CODING).map(String::as_str);
        let consensus = match coding {
            None | Some("plain") => false,
            Some("consensus") | Some("reference") => true,
            Some(other) => {
                return Err(Error::Invariant {
                    column: format!("{name}/{}", col::SEQ),
                    row: 0,
                    rule: "15.1 metadata",
                    detail: format!("unknown base coding {other:?}"),
                })
            }
        };
        // The 1.5 form of predicted bases (spec 15.8): no `seq_sub`, each
        // difference a stored base; only a file of minor version 5 holds it.
        let stored_differences =
            consensus && !dataset.columns.iter().any(|c| c.name == col::SEQ_SUB);
        if stored_differences && reader.version().1 != 5 {
            return Err(Error::Invariant {
                column: format!("{name}/{}", col::SEQ_SUB),
                row: 0,
                rule: "15.8 consensus coding",
                detail: format!(
                    "no column seq_sub (only a file of format 1.5 stores differences as bases; this one is 1.{})",
                    reader.version().1
                ),
            });
        }
        let reference = if coding == Some("reference") {
            Some(coded_reference(reader, dataset, &refs)?)
        } else {
            None
        };
        Ok(Alignments {
            reader: reader.clone(),
            name: name.to_string(),
            header,
            refs,
            tags,
            layouts,
            num_records,
            sorted,
            relative_mates,
            consensus,
            stored_differences,
            reference,
            ref_rows: OnceLock::new(),
            placed: OnceLock::new(),
        })
    }

    /// Bind the reference the bases are coded against (spec 15.10) when
    /// it is outside this file: a FASTA or `.gcol` reference the caller
    /// opened. Each contig is checked against the listed length and MD5
    /// the first time it is used. A dataset not coded against a reference
    /// ignores it.
    pub fn with_reference(mut self, bases: Arc<dyn ReferenceBases>) -> Alignments {
        if let Some(r) = self.reference.as_mut() {
            if r.dataset.is_none() {
                r.bound = Some(bases);
            }
        }
        self
    }

    /// The reference the bases are coded against (spec 15.10), if they are.
    pub fn reference_link(&self) -> Option<crate::variants::ReferenceLink> {
        self.reference.as_ref()?;
        crate::variants::ReferenceLink::from_metadata(
            &self.reader.dataset(&self.name).ok()?.metadata,
        )
    }

    /// Whether reading bases needs a reference from outside the file
    /// (given with [`Alignments::with_reference`]) that is not bound yet.
    pub fn needs_reference(&self) -> bool {
        self.reference
            .as_ref()
            .is_some_and(|r| r.bound.is_none() && r.contigs.iter().any(Option::is_some))
    }

    /// Whether `dataset` is an alignments dataset.
    pub fn is_alignments(dataset: &Dataset) -> bool {
        dataset.kind == gcol_format::schema::alignments::KIND
    }

    /// Number of records.
    pub fn len(&self) -> u64 {
        self.num_records
    }

    /// True without records.
    pub fn is_empty(&self) -> bool {
        self.num_records == 0
    }

    /// The SAM header text.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The header as `samtools view -h` prints it: the stored text, with
    /// `@SQ` lines made from the reference list when the text has none (as
    /// htslib does for a BAM file whose text lacks them).
    pub fn sam_header(&self) -> Vec<u8> {
        let mut out = self.header.clone();
        let has_sq = out.split(|&b| b == b'\n').any(|l| l.starts_with(b"@SQ\t"));
        if !has_sq {
            if !out.is_empty() && !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            for (name, len) in &self.refs {
                out.extend_from_slice(format!("@SQ\tSN:{name}\tLN:{len}\n").as_bytes());
            }
        }
        out
    }

    /// Reference names and lengths, by reference id.
    pub fn references(&self) -> &[(String, u64)] {
        &self.refs
    }

    /// Rows of each reference's records, by reference id (empty for one
    /// without records), in a coordinate-sorted dataset; `None` when the
    /// dataset is not sorted by coordinate.
    pub fn reference_rows(&self) -> Result<Option<Vec<Range<u64>>>> {
        if !self.sorted {
            return Ok(None);
        }
        Ok(Some(
            self.ref_rows()?.iter().map(|(r, _)| r.clone()).collect(),
        ))
    }

    /// Whether records are sorted by coordinate (region queries seek).
    pub fn is_coordinate_sorted(&self) -> bool {
        self.sorted
    }

    /// Tag keys (`XX:T`) with a column.
    pub fn tag_keys(&self) -> Vec<String> {
        self.tags
            .iter()
            .map(|t| String::from_utf8_lossy(&t.key).into_owned())
            .collect()
    }

    fn column(&self, name: &str) -> Result<ColumnReader<'_>> {
        self.reader.column(&self.name, name)
    }

    /// Parse `chr`, `chr:beg-end`, `chr:beg-` and `chr:beg` (1-based
    /// inclusive; `chr:beg` runs to the reference's end, as in samtools)
    /// into a region.
    pub fn region(&self, text: &str) -> Result<AlignmentRegion> {
        let r = crate::VcfRegion::parse(text)?;
        let ref_id = self
            .refs
            .iter()
            .position(|(n, _)| *n == r.contig)
            .or_else(|| self.refs.iter().position(|(n, _)| *n == text))
            .ok_or_else(|| Error::Usage {
                detail: format!("region {text:?}: no reference {:?} in the header", r.contig),
            })?;
        if self.refs.iter().any(|(n, _)| *n == text) && r.contig != text {
            // A reference named like a region (`chr1:100`) is that reference.
            let id = self
                .refs
                .iter()
                .position(|(n, _)| *n == text)
                .expect("found");
            return Ok(AlignmentRegion {
                ref_id: id,
                start: 0,
                end: i64::MAX,
            });
        }
        // samtools: `chr:pos` runs from pos to the reference's end.
        let open_ended = !text[r.contig.len()..].contains('-');
        Ok(AlignmentRegion {
            ref_id,
            start: r.start as i64 - 1,
            end: if r.end == u64::MAX || open_ended {
                i64::MAX
            } else {
                r.end as i64
            },
        })
    }

    /// Rows of each reference and the longest span of its records (sorted
    /// datasets), from the `ref_id`, `pos` and CIGAR columns.
    fn ref_rows(&self) -> Result<&Vec<(Range<u64>, i64)>> {
        crate::get_or_load(&self.ref_rows, || {
            let n = self.num_records;
            let ids: Vec<i32> = self.column(col::REF_ID)?.read(0..n)?;
            let cigar = self.column(col::CIGAR)?;
            let bounds = cigar.list_offsets(0..n)?;
            let items: Vec<u32> = cigar.list_child()?.read(bounds[0]..bounds[n as usize])?;
            let base = bounds[0];
            let mut out: Vec<(Range<u64>, i64)> = vec![(0..0, 0); self.refs.len()];
            let mut row = 0usize;
            while row < ids.len() {
                let id = ids[row];
                let start = row;
                let mut span = 1i64;
                while row < ids.len() && ids[row] == id {
                    let ops =
                        &items[(bounds[row] - base) as usize..(bounds[row + 1] - base) as usize];
                    span = span.max(gcol_format::bam::reference_length(ops.iter().copied()));
                    row += 1;
                }
                if id >= 0 {
                    if let Some(slot) = out.get_mut(id as usize) {
                        *slot = (start as u64..row as u64, span);
                    }
                }
            }
            Ok(out)
        })
    }

    /// Whether some record is placed on reference `ref_id`.
    pub fn has_records_on(&self, ref_id: usize) -> Result<bool> {
        let placed = crate::get_or_load(&self.placed, || {
            let mut placed = vec![false; self.refs.len()];
            let ids: Vec<i32> = self.column(col::REF_ID)?.read(0..self.num_records)?;
            for id in ids {
                if let Some(p) = usize::try_from(id).ok().and_then(|i| placed.get_mut(i)) {
                    *p = true;
                }
            }
            Ok(placed)
        })?;
        Ok(placed.get(ref_id).copied().unwrap_or(false))
    }

    /// Rows that may overlap `region`, in order (a superset: the caller
    /// checks each record's span). Unsorted datasets scan every row.
    fn candidate_rows(&self, region: &AlignmentRegion) -> Result<Range<u64>> {
        if !self.sorted {
            return Ok(0..self.num_records);
        }
        if let Some(rows) = self.indexed_rows(region)? {
            return Ok(rows);
        }
        let (rows, span) = self
            .ref_rows()?
            .get(region.ref_id)
            .cloned()
            .unwrap_or((0..0, 0));
        if rows.is_empty() {
            return Ok(0..0);
        }
        let pos = self.column(col::POS)?;
        // Positions are sorted within a reference: binary search on pages
        // would do; the column of one reference is read once here.
        let values: Vec<i32> = pos.read(rows.clone())?;
        let lo_pos = region.start.saturating_sub(span);
        let lo = values.partition_point(|&p| i64::from(p) < lo_pos) as u64;
        let hi = values.partition_point(|&p| i64::from(p) < region.end) as u64;
        Ok(rows.start + lo..rows.start + hi)
    }

    /// The consensus of chunk `k` (spec 15.8).
    fn chunk_consensus(&self, k: u64) -> Result<gcol_format::bam::Consensus> {
        let ends = self.column(col::CONSENSUS_CHUNK_END)?;
        let bad = |detail: String| Error::Invariant {
            column: format!("{}/{}", self.name, col::CONSENSUS_CHUNK_END),
            row: k,
            rule: "15.8 consensus coding",
            detail,
        };
        if k >= ends.num_values() {
            return Err(bad(format!("chunk {k} of {}", ends.num_values())));
        }
        let lo = if k == 0 {
            0
        } else {
            ends.read::<u64>(k - 1..k)?[0]
        };
        let hi = ends.read::<u64>(k..k + 1)?[0];
        let segments = self.column(col::CONSENSUS_LENGTH)?.num_values();
        if lo > hi || hi > segments {
            return Err(bad(format!("segments {lo}..{hi} of {segments}")));
        }
        let ref_ids: Vec<i32> = self.column(col::CONSENSUS_REF_ID)?.read(lo..hi)?;
        let starts: Vec<i32> = self.column(col::CONSENSUS_POS)?.read(lo..hi)?;
        let lengths: Vec<u32> = self.column(col::CONSENSUS_LENGTH)?.read(lo..hi)?;
        // Bases before this chunk's: the lengths of every earlier segment.
        let before: u64 = self
            .column(col::CONSENSUS_LENGTH)?
            .read::<u32>(0..lo)?
            .iter()
            .map(|&l| u64::from(l))
            .sum();
        let total: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
        let bases: Vec<u8> = self
            .column(col::CONSENSUS_BASES)?
            .read(before..before + total)?;
        gcol_format::bam::Consensus::from_parts(&ref_ids, &starts, &lengths, bases).map_err(bad)
    }

    /// Bases (4-bit codes) of `rows` decoded against their chunks'
    /// consensus (spec 15.8), records back to back.
    fn consensus_bases(
        &self,
        rows: Range<u64>,
        (flag, ref_id, pos): (&[u16], &[i32], &[i32]),
        seq_length: &[u32],
        (cigar_bounds, cigar_items): (&[u64], &[u32]),
        mut recode: Option<&mut Recoded>,
    ) -> Result<Vec<u8>> {
        let n = (rows.end - rows.start) as usize;
        let seq_col = self.column(col::SEQ)?;
        let offsets = self.column(col::SEQ_OFFSET)?;
        let diff = self.column(col::SEQ_DIFF)?;
        let diff_bounds = diff.list_offsets(rows.clone())?;
        let mut starts: Vec<u64> = offsets.read(rows.clone())?;
        starts.push(if rows.end < self.num_records {
            offsets.read::<u64>(rows.end..rows.end + 1)?[0]
        } else {
            seq_col.num_values()
        });
        let bad = |row: u64, detail: String| Error::Invariant {
            column: format!("{}/{}", self.name, col::SEQ),
            row,
            rule: if self.reference.is_some() {
                "15.10 bases against a reference"
            } else {
                "15.8 consensus coding"
            },
            detail,
        };
        let diffs: Vec<u32> = diff.list_child()?.read(diff_bounds[0]..diff_bounds[n])?;
        if self.stored_differences {
            // 1.5: `seq_offset` leaves out the differences before a record,
            // which are stored bases too: add its `seq_diff` list offset.
            for (s, &b) in starts.iter_mut().zip(&diff_bounds) {
                *s = s
                    .checked_add(b)
                    .ok_or_else(|| bad(rows.start, "seq_offset past the stream".into()))?;
            }
            if rows.end == self.num_records {
                starts[n] = seq_col.num_values();
            }
        }
        if starts.windows(2).any(|w| w[0] > w[1]) || starts[n] > seq_col.num_values() {
            return Err(bad(
                rows.start,
                "seq_offset does not rise within the stream".into(),
            ));
        }
        let stored: Vec<u8> = seq_col.read(starts[0]..starts[n])?;
        let subs: Vec<u8> = if self.stored_differences {
            Vec::new()
        } else {
            let subs_column = self.column(col::SEQ_SUB)?;
            if subs_column.num_values() != diff.list_child()?.num_values() {
                return Err(bad(
                    rows.start,
                    format!(
                        "{} substitution codes for {} differences",
                        subs_column.num_values(),
                        diff.list_child()?.num_values()
                    ),
                ));
            }
            subs_column.read(diff_bounds[0]..diff_bounds[n])?
        };
        let mut out = Vec::with_capacity(seq_length.iter().map(|&l| l as usize).sum());
        let mut chunk: Option<(u64, gcol_format::bam::Consensus)> = None;
        if let Some(r) = &self.reference {
            // Against a reference: one predictor for every row (15.10).
            let spans = (0..n).map(|i| {
                (
                    ref_id[i],
                    pos[i],
                    flag[i],
                    row_items(cigar_items, cigar_bounds, i),
                    seq_length[i] as usize,
                )
            });
            let cons = gcol_format::bam::Consensus::from_reference(spans, |id, start, end| {
                let name = &self.refs.get(id as usize).map_or("", |r| r.0.as_str());
                r.fetch(&self.name, id, name, start, end)
            })?;
            chunk = Some((u64::MAX, cons));
        }
        for i in 0..n {
            let row = rows.start + i as u64;
            let k = row / gcol_format::bam::CONSENSUS_ROWS;
            if self.reference.is_none() && chunk.as_ref().is_none_or(|c| c.0 != k) {
                chunk = Some((k, self.chunk_consensus(k)?));
            }
            let cons = &chunk.as_ref().expect("loaded").1;
            let ops = row_items(cigar_items, cigar_bounds, i);
            let s0 = (starts[i] - starts[0]) as usize;
            let s1 = (starts[i + 1] - starts[0]) as usize;
            let d = row_items(&diffs, &diff_bounds, i);
            let v = (!self.stored_differences).then(|| row_items(&subs, &diff_bounds, i));
            let used = cons
                .decode(
                    (ref_id[i], pos[i], flag[i], ops),
                    seq_length[i] as usize,
                    &stored[s0..s1],
                    (d, v),
                    &mut out,
                )
                .map_err(|e| bad(row, e))?;
            if let Some(r) = recode.as_deref_mut() {
                let bases = &out[out.len() - seq_length[i] as usize..];
                let listed = r.diffs.len();
                cons.code(
                    (ref_id[i], pos[i], flag[i], ops, bases),
                    &mut r.stored,
                    &mut r.diffs,
                    &mut r.subs,
                );
                if r.diffs[listed..] != *d {
                    return Err(bad(
                        row,
                        format!(
                            "differences {d:?}, but the bases differ from the prediction at {:?}",
                            &r.diffs[listed..]
                        ),
                    ));
                }
            }
            if used != s1 - s0 {
                return Err(bad(
                    row,
                    format!("{} stored bases, the record uses {used}", s1 - s0),
                ));
            }
        }
        Ok(out)
    }

    /// Candidate rows from the stored region index (spec 15.5): from the
    /// first row of the region's start window to the first row placed at
    /// or after its end. `None` without an index.
    fn indexed_rows(&self, region: &AlignmentRegion) -> Result<Option<Range<u64>>> {
        let (Ok(first), Ok(end), Ok(windows)) = (
            self.column(col::INDEX_FIRST_ROW),
            self.column(col::INDEX_END_ROW),
            self.column(col::INDEX_WINDOWS),
        ) else {
            return Ok(None);
        };
        let r = region.ref_id as u64;
        if r >= first.num_values() {
            return Ok(Some(0..0));
        }
        let ref_first = first.read::<u64>(r..r + 1)?[0];
        let ref_end = end.read::<u64>(r..r + 1)?[0];
        let bounds = windows.list_offsets(r..r + 1)?;
        let w = (region.start.max(0) as u64) / gcol_format::schema::alignments::INDEX_WINDOW_BASES;
        let start = if bounds[0] + w < bounds[1] {
            windows
                .list_child()?
                .read::<u64>(bounds[0] + w..bounds[0] + w + 1)?[0]
        } else {
            ref_end
        };
        let bad = |detail: String| Error::Invariant {
            column: format!("{}/{}", self.name, col::INDEX_WINDOWS),
            row: r,
            rule: "15.5 region index",
            detail,
        };
        if !(ref_first <= start && start <= ref_end && ref_end <= self.num_records) {
            return Err(bad(format!(
                "window row {start} outside the reference's rows {ref_first}..{ref_end}"
            )));
        }
        // The end: the first row at or after the region's end, found by
        // reading positions a batch at a time.
        let pos = self.column(col::POS)?;
        let mut hi = start;
        while hi < ref_end {
            let stop = ref_end.min(hi + BATCH);
            let values: Vec<i32> = pos.read(hi..stop)?;
            let k = values.partition_point(|&p| i64::from(p) < region.end);
            hi += k as u64;
            if k < values.len() {
                break;
            }
        }
        Ok(Some(start..hi))
    }

    /// Whether the dataset stores its differences as bases, without
    /// `seq_sub` (the 1.5 form of spec 15.8, which `gcol upgrade` rewrites).
    pub fn stores_differences_as_bases(&self) -> bool {
        self.stored_differences
    }

    /// The bases of `rows` coded again as the current form of spec 15.8
    /// codes them: the stored bases (differences left out) and one
    /// substitution code per difference. The differences listed stay as
    /// they are (checked); so do `seq_offset` values, which in the 1.5 form
    /// already leave the differences out.
    pub fn recoded_bases(&self, rows: Range<u64>) -> Result<Recoded> {
        let n = (rows.end - rows.start) as usize;
        let flag: Vec<u16> = self.column(col::FLAG)?.read(rows.clone())?;
        let ref_id: Vec<i32> = self.column(col::REF_ID)?.read(rows.clone())?;
        let pos: Vec<i32> = self.column(col::POS)?.read(rows.clone())?;
        let cigar = self.column(col::CIGAR)?;
        let cigar_bounds = cigar.list_offsets(rows.clone())?;
        let cigar_items: Vec<u32> = cigar.list_child()?.read(cigar_bounds[0]..cigar_bounds[n])?;
        let seq_length: Vec<u32> = self.column(col::SEQ_LENGTH)?.read(rows.clone())?;
        let mut recoded = Recoded::default();
        if self.consensus && n > 0 {
            self.consensus_bases(
                rows,
                (&flag, &ref_id, &pos),
                &seq_length,
                (&cigar_bounds, &cigar_items),
                Some(&mut recoded),
            )?;
        }
        Ok(recoded)
    }

    fn batch(&self, rows: Range<u64>) -> Result<Batch> {
        self.batch_with(rows, true)
    }

    /// A batch; without `bases`, `seq` holds N (15) for every base instead
    /// of the decoded bases (deep checks of a dataset whose reference is
    /// outside the file and not given).
    fn batch_with(&self, rows: Range<u64>, bases: bool) -> Result<Batch> {
        let n = (rows.end - rows.start) as usize;
        let flag: Vec<u16> = self.column(col::FLAG)?.read(rows.clone())?;
        let ref_id: Vec<i32> = self.column(col::REF_ID)?.read(rows.clone())?;
        let pos: Vec<i32> = self.column(col::POS)?.read(rows.clone())?;
        let mut names = Vec::new();
        let mut name_ends = Vec::with_capacity(n);
        self.column(col::QNAME)?
            .for_each_binary(rows.clone(), |_, v| {
                names.extend_from_slice(v);
                name_ends.push(names.len());
            })?;
        let cigar = self.column(col::CIGAR)?;
        let cigar_bounds = cigar.list_offsets(rows.clone())?;
        let cigar_items: Vec<u32> = cigar.list_child()?.read(cigar_bounds[0]..cigar_bounds[n])?;
        let seq_length: Vec<u32> = self.column(col::SEQ_LENGTH)?.read(rows.clone())?;
        let offsets: Vec<u64> = self.column(col::OFFSET)?.read(rows.clone())?;
        let (seq, quality, seq_starts) = if n == 0 {
            (Vec::new(), Vec::new(), Vec::new())
        } else {
            let start = offsets[0];
            let mut starts = Vec::with_capacity(n);
            let mut expect = start;
            let bad = |row: u64, detail: String| Error::Invariant {
                column: format!("{}/{}", self.name, col::OFFSET),
                row,
                rule: "15.3 offsets",
                detail,
            };
            for (i, (&o, &l)) in offsets.iter().zip(&seq_length).enumerate() {
                let row = rows.start + i as u64;
                if o != expect {
                    return Err(bad(
                        row,
                        format!("offset {o}, expected {expect} (the running sum of seq_length)"),
                    ));
                }
                starts.push((o - start) as usize);
                expect = o
                    .checked_add(u64::from(l))
                    .ok_or_else(|| bad(row, format!("offset {o} + seq_length {l} overflows")))?;
            }
            let end = expect;
            // The streams hold every base: a claim past them is refused
            // before anything is sized by it.
            let stream = self.column(col::QUALITY)?.num_values();
            if end > stream {
                return Err(bad(
                    rows.end - 1,
                    format!("bases up to {end}, the quality stream holds {stream}"),
                ));
            }
            let seq = if !bases {
                vec![15; (end - start) as usize]
            } else if self.consensus {
                self.consensus_bases(
                    rows.clone(),
                    (&flag, &ref_id, &pos),
                    &seq_length,
                    (&cigar_bounds, &cigar_items),
                    None,
                )?
            } else {
                self.column(col::SEQ)?.read(start..end)?
            };
            (seq, self.column(col::QUALITY)?.read(start..end)?, starts)
        };
        let layout: Vec<u32> = self.column(col::TAG_LAYOUT)?.read(rows.clone())?;
        // Only the tag columns some record of the batch uses.
        let mut used = vec![false; self.tags.len()];
        for &l in &layout {
            let ids = self
                .layouts
                .get(l as usize)
                .ok_or_else(|| Error::Invariant {
                    column: format!("{}/{}", self.name, col::TAG_LAYOUT),
                    row: rows.start,
                    rule: "15.4 tag layouts",
                    detail: format!("layout {l} of {}", self.layouts.len()),
                })?;
            for &t in ids {
                used[t] = true;
            }
        }
        let mut tags = Vec::with_capacity(self.tags.len());
        for (t, info) in self.tags.iter().enumerate() {
            if !used[t] {
                tags.push(None);
                continue;
            }
            let c = self.column(&info.column)?;
            let present = if c.is_nullable() {
                c.read_validity(rows.clone())?
            } else {
                vec![true; n]
            };
            let values = match &info.item {
                Some(_) => {
                    let bounds = c.list_offsets(rows.clone())?;
                    let items = fixed_bytes(&c.list_child()?, info.physical, bounds[0]..bounds[n])?;
                    TagValues::Array {
                        items,
                        width: info.physical.width().unwrap_or(1),
                        bounds,
                        present,
                    }
                }
                None if info.physical == PhysicalType::Binary => {
                    let mut data = Vec::new();
                    let mut ends = Vec::with_capacity(n);
                    c.for_each_binary(rows.clone(), |_, v| {
                        data.extend_from_slice(v);
                        ends.push(data.len());
                    })?;
                    TagValues::Binary {
                        data,
                        ends,
                        present,
                    }
                }
                None => TagValues::Fixed {
                    bytes: fixed_bytes(&c, info.physical, rows.clone())?,
                    width: info.physical.width().unwrap_or(1),
                    present,
                },
            };
            tags.push(Some(values));
        }
        let next_ref_id: Vec<i32> = self.column(col::NEXT_REF_ID)?.read(rows.clone())?;
        let mut next_pos: Vec<i32> = self.column(col::NEXT_POS)?.read(rows.clone())?;
        let mut tlen: Vec<i32> = self.column(col::TLEN)?.read(rows.clone())?;
        for i in (0..n).filter(|_| self.relative_mates) {
            let ops = row_items(&cigar_items, &cigar_bounds, i);
            restore_mate(
                ref_id[i],
                pos[i],
                flag[i],
                ops,
                next_ref_id[i],
                &mut next_pos[i],
                &mut tlen[i],
            );
        }
        Ok(Batch {
            first: rows.start,
            flag,
            ref_id,
            pos,
            mapq: self.column(col::MAPQ)?.read(rows.clone())?,
            next_ref_id,
            next_pos,
            tlen,
            seq_length,
            layout,
            names,
            name_ends,
            cigar_bounds,
            cigar: cigar_items,
            seq,
            quality,
            seq_starts,
            tags,
        })
    }

    /// Append record `i` of `batch` in BAM's layout (without block size).
    fn bam_record(&self, b: &Batch, i: usize, out: &mut Vec<u8>) -> Result<()> {
        let name_start = if i == 0 { 0 } else { b.name_ends[i - 1] };
        let name = &b.names[name_start..b.name_ends[i]];
        let ops = row_items(&b.cigar, &b.cigar_bounds, i);
        let row = b.first + i as u64;
        let too_big = |what: &str| Error::Invariant {
            column: format!("{}/{what}", self.name),
            row,
            rule: "15.2 record fields",
            detail: format!("{what} too long for a BAM record"),
        };
        if name.len() > 254 {
            return Err(too_big(col::QNAME));
        }
        let end = end_position(b.pos[i], b.flag[i], ops.iter().copied());
        let l_seq = b.seq_length[i] as usize;
        // More operations than BAM's u16 field: `<l_seq>S<ref length>N`
        // here and the CIGAR in a CG:B:I tag after the others (SAM spec
        // 4.2.2, as htslib writes BAM).
        let long = ops.len() > gcol_format::bam::MAX_BAM_CIGAR_OPS;
        let placeholder;
        let record_ops: &[u32] = if long {
            let ref_len = gcol_format::bam::reference_length(ops.iter().copied());
            if ref_len >= 1 << 28 || l_seq >= 1 << 28 {
                return Err(too_big(col::CIGAR));
            }
            placeholder = [(l_seq as u32) << 4 | 4, (ref_len as u32) << 4 | 3];
            &placeholder
        } else {
            ops
        };
        out.extend_from_slice(&b.ref_id[i].to_le_bytes());
        out.extend_from_slice(&b.pos[i].to_le_bytes());
        out.push(name.len() as u8 + 1);
        out.push(b.mapq[i]);
        out.extend_from_slice(&reg2bin(i64::from(b.pos[i]), end).to_le_bytes());
        out.extend_from_slice(&(record_ops.len() as u16).to_le_bytes());
        out.extend_from_slice(&b.flag[i].to_le_bytes());
        out.extend_from_slice(&(l_seq as u32).to_le_bytes());
        out.extend_from_slice(&b.next_ref_id[i].to_le_bytes());
        out.extend_from_slice(&b.next_pos[i].to_le_bytes());
        out.extend_from_slice(&b.tlen[i].to_le_bytes());
        out.extend_from_slice(name);
        out.push(0);
        for op in record_ops {
            out.extend_from_slice(&op.to_le_bytes());
        }
        let s = b.seq_starts[i];
        let codes = &b.seq[s..s + l_seq];
        for pair in codes.chunks(2) {
            let hi = pair[0] & 15;
            let lo = pair.get(1).map_or(0, |c| c & 15);
            out.push(hi << 4 | lo);
        }
        out.extend_from_slice(&b.quality[s..s + l_seq]);
        let layout = &self.layouts[b.layout[i] as usize];
        for &t in layout {
            let info = &self.tags[t];
            let missing = || Error::Invariant {
                column: format!("{}/{}", self.name, info.column),
                row,
                rule: "15.4 tag layouts",
                detail: "the record's layout names this tag but its value is null".into(),
            };
            out.extend_from_slice(&info.key[..2]);
            match b.tags[t].as_ref().expect("loaded for its layouts") {
                TagValues::Fixed {
                    bytes,
                    width,
                    present,
                } => {
                    if !present[i] {
                        return Err(missing());
                    }
                    out.push(info.key[3]);
                    out.extend_from_slice(&bytes[i * width..(i + 1) * width]);
                }
                TagValues::Binary {
                    data,
                    ends,
                    present,
                } => {
                    if !present[i] {
                        return Err(missing());
                    }
                    out.push(info.key[3]);
                    let start = if i == 0 { 0 } else { ends[i - 1] };
                    out.extend_from_slice(&data[start..ends[i]]);
                    out.push(0);
                }
                TagValues::Array {
                    items,
                    width,
                    bounds,
                    present,
                } => {
                    if !present[i] {
                        return Err(missing());
                    }
                    out.push(b'B');
                    out.push(info.key[4]);
                    let a = (bounds[i] - bounds[0]) as usize;
                    let z = (bounds[i + 1] - bounds[0]) as usize;
                    out.extend_from_slice(&((z - a) as u32).to_le_bytes());
                    out.extend_from_slice(&items[a * width..z * width]);
                }
            }
        }
        if long {
            out.extend_from_slice(b"CGBI");
            out.extend_from_slice(&(ops.len() as u32).to_le_bytes());
            for op in ops {
                out.extend_from_slice(&op.to_le_bytes());
            }
        }
        Ok(())
    }

    /// Call `f(row, record)` with each record of `rows` that passes
    /// `filter` and overlaps `region` (when given), in BAM's layout.
    pub fn for_each_record(
        &self,
        rows: Range<u64>,
        region: Option<&AlignmentRegion>,
        filter: &RecordFilter,
        mut f: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let mut buf = Vec::new();
        let mut start = rows.start;
        while start < rows.end {
            let end = rows.end.min(start + BATCH);
            let b = self.batch(start..end)?;
            for i in 0..(end - start) as usize {
                if !filter.keep(b.flag[i], b.mapq[i]) {
                    continue;
                }
                if let Some(r) = region {
                    if b.ref_id[i] != r.ref_id as i32 {
                        continue;
                    }
                    let ops = row_items(&b.cigar, &b.cigar_bounds, i);
                    let e = end_position(b.pos[i], b.flag[i], ops.iter().copied());
                    if i64::from(b.pos[i]) >= r.end || e <= r.start {
                        continue;
                    }
                }
                buf.clear();
                self.bam_record(&b, i, &mut buf)?;
                f(b.first + i as u64, &buf)?;
            }
            start = end;
        }
        Ok(())
    }

    /// Every record overlapping `regions` (all records when empty), in
    /// file order per region, as `samtools view` selects them.
    pub fn query(
        &self,
        regions: &[AlignmentRegion],
        filter: &RecordFilter,
        mut f: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        if regions.is_empty() {
            return self.for_each_record(0..self.num_records, None, filter, f);
        }
        for r in regions {
            let rows = self.candidate_rows(r)?;
            self.for_each_record(rows, Some(r), filter, &mut f)?;
        }
        Ok(())
    }

    /// Rows of the records that overlap `regions` (every record when
    /// empty) and pass `filter`, in query order, reading only FLAG, the
    /// positions, MAPQ and the CIGARs (no bases, qualities or tags).
    pub fn select_rows(
        &self,
        regions: &[AlignmentRegion],
        filter: &RecordFilter,
    ) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        let whole = [None];
        let spans: Vec<Option<&AlignmentRegion>> = if regions.is_empty() {
            whole.to_vec()
        } else {
            regions.iter().map(Some).collect()
        };
        for region in spans {
            let rows = match region {
                Some(r) => self.candidate_rows(r)?,
                None => 0..self.num_records,
            };
            let mut start = rows.start;
            while start < rows.end {
                let stop = rows.end.min(start + BATCH);
                let b = self.batch_positions(start..stop)?;
                for i in 0..(stop - start) as usize {
                    if !filter.keep(b.flag[i], b.mapq[i]) {
                        continue;
                    }
                    if let Some(r) = region {
                        let ops = row_items(&b.cigar, &b.cigar_bounds, i);
                        let e = end_position(b.pos[i], b.flag[i], ops.iter().copied());
                        if b.ref_id[i] != r.ref_id as i32
                            || i64::from(b.pos[i]) >= r.end
                            || e <= r.start
                        {
                            continue;
                        }
                    }
                    out.push(start + i as u64);
                }
                start = stop;
            }
        }
        Ok(out)
    }

    /// Records `rows` (ascending or not) in BAM's layout, one `Vec` each.
    pub fn records_at(&self, rows: &[u64]) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity(rows.len());
        self.batches_at(rows, |b, i| {
            let mut buf = Vec::new();
            self.bam_record(b, i, &mut buf)?;
            out.push(buf);
            Ok(())
        })?;
        Ok(out)
    }

    /// Call `f(batch, index in batch)` for each of `rows`, in order; a run
    /// of rising rows within one batch's span is decoded together.
    fn batches_at(
        &self,
        rows: &[u64],
        mut f: impl FnMut(&Batch, usize) -> Result<()>,
    ) -> Result<()> {
        let mut i = 0;
        while i < rows.len() {
            let first = rows[i];
            let mut j = i;
            while j + 1 < rows.len() && rows[j + 1] > rows[j] && rows[j + 1] < first + BATCH {
                j += 1;
            }
            let b = self.batch(first..rows[j] + 1)?;
            for &r in &rows[i..=j] {
                f(&b, (r - first) as usize)?;
            }
            i = j + 1;
        }
        Ok(())
    }

    /// Mates' positions and TLEN of `rows` (ascending), decoded (spec 15.2).
    pub fn mates_at(&self, rows: &[u64]) -> Result<(Vec<i32>, Vec<i32>)> {
        let ref_id: Vec<i32> = self.values_at(col::REF_ID, rows)?;
        let pos: Vec<i32> = self.values_at(col::POS, rows)?;
        let flag: Vec<u16> = self.values_at(col::FLAG, rows)?;
        let next_ref_id: Vec<i32> = self.values_at(col::NEXT_REF_ID, rows)?;
        let mut next_pos: Vec<i32> = self.values_at(col::NEXT_POS, rows)?;
        let mut tlen: Vec<i32> = self.values_at(col::TLEN, rows)?;
        if !self.relative_mates {
            return Ok((next_pos, tlen));
        }
        let cigars = self.cigars_at(rows)?;
        for i in 0..rows.len() {
            restore_mate(
                ref_id[i],
                pos[i],
                flag[i],
                &cigars[i],
                next_ref_id[i],
                &mut next_pos[i],
                &mut tlen[i],
            );
        }
        Ok((next_pos, tlen))
    }

    /// Values of fixed-width column `name` for `rows` (ascending), as
    /// stored (`next_pos` and `tlen`: see [`Alignments::mates_at`]).
    pub fn values_at<T: gcol_format::Value + Copy>(
        &self,
        name: &str,
        rows: &[u64],
    ) -> Result<Vec<T>> {
        let (Some(&lo), Some(&hi)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        let all: Vec<T> = self.column(name)?.read(lo..hi + 1)?;
        Ok(rows.iter().map(|&r| all[(r - lo) as usize]).collect())
    }

    /// Values of binary column `name` (`qname`) for `rows` (ascending).
    pub fn binary_at(&self, name: &str, rows: &[u64]) -> Result<Vec<Vec<u8>>> {
        let (Some(&lo), Some(&hi)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        let mut all = Vec::new();
        self.column(name)?
            .for_each_binary(lo..hi + 1, |_, v| all.push(v.to_vec()))?;
        Ok(rows
            .iter()
            .map(|&r| std::mem::take(&mut all[(r - lo) as usize]))
            .collect())
    }

    /// CIGARs (BAM-coded operations) of `rows` (ascending).
    pub fn cigars_at(&self, rows: &[u64]) -> Result<Vec<Vec<u32>>> {
        let (Some(&lo), Some(&hi)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        let c = self.column(col::CIGAR)?;
        let bounds = c.list_offsets(lo..hi + 1)?;
        let items: Vec<u32> = c
            .list_child()?
            .read(bounds[0]..*bounds.last().expect("bounds"))?;
        Ok(rows
            .iter()
            .map(|&r| {
                let k = (r - lo) as usize;
                row_items(&items, &bounds, k).to_vec()
            })
            .collect())
    }

    /// Bases (4-bit codes) or qualities (`quality`: true) of `rows`
    /// (ascending), one `Vec` per row.
    pub fn stream_at(&self, quality: bool, rows: &[u64]) -> Result<Vec<Vec<u8>>> {
        if !quality && self.consensus {
            // Bases coded against the consensus: decoded batch by batch.
            let mut out = Vec::with_capacity(rows.len());
            self.batches_at(rows, |b, i| {
                let s = b.seq_starts[i];
                out.push(b.seq[s..s + b.seq_length[i] as usize].to_vec());
                Ok(())
            })?;
            return Ok(out);
        }
        let offsets: Vec<u64> = self.values_at(col::OFFSET, rows)?;
        let lengths: Vec<u32> = self.values_at(col::SEQ_LENGTH, rows)?;
        let (Some(&lo), Some(&hi)) = (offsets.first(), offsets.last()) else {
            return Ok(Vec::new());
        };
        let hi = hi + u64::from(*lengths.last().expect("one per row"));
        let stream = self
            .column(if quality { col::QUALITY } else { col::SEQ })?
            .read::<u8>(lo..hi)?;
        Ok(offsets
            .iter()
            .zip(&lengths)
            .map(|(&o, &l)| stream[(o - lo) as usize..(o - lo) as usize + l as usize].to_vec())
            .collect())
    }

    /// Check the dataset's invariants (spec 15.6), returning the records
    /// checked. Always: every per-record column has one value per record
    /// and the streams hold the sum of `seq_length`. With `deep`: every
    /// record rebuilt (offsets the running sums, layouts and tag nulls in
    /// agreement, reference ids in range, CIGARs covering SEQ), and the
    /// region index equal to one rebuilt from the records.
    pub fn check_invariants(&self, deep: bool) -> Result<u64> {
        let n = self.num_records;
        for name in [
            col::QNAME,
            col::FLAG,
            col::REF_ID,
            col::POS,
            col::MAPQ,
            col::CIGAR,
            col::NEXT_REF_ID,
            col::NEXT_POS,
            col::TLEN,
            col::SEQ_LENGTH,
            col::OFFSET,
            col::TAG_LAYOUT,
        ] {
            let got = self.column(name)?.num_values();
            if got != n {
                return Err(self.broken(name, 0, format!("{got} values for {n} records")));
            }
        }
        let lengths: Vec<u32> = self.column(col::SEQ_LENGTH)?.read(0..n)?;
        let total: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
        let streams: &[&str] = if self.consensus {
            &[col::QUALITY]
        } else {
            &[col::SEQ, col::QUALITY]
        };
        for &name in streams {
            let got = self.column(name)?.num_values();
            if got != total {
                return Err(self.broken(
                    name,
                    0,
                    format!("{got} values, the records' seq_length sum to {total}"),
                ));
            }
        }
        if self.consensus && self.reference.is_none() {
            let chunks = n.div_ceil(gcol_format::bam::CONSENSUS_ROWS);
            let ends = self.column(col::CONSENSUS_CHUNK_END)?;
            let segments = self.column(col::CONSENSUS_LENGTH)?.num_values();
            let last = if chunks == 0 {
                0
            } else {
                ends.read::<u64>(chunks - 1..chunks)?[0]
            };
            if ends.num_values() != chunks || last != segments {
                return Err(self.broken(
                    col::CONSENSUS_CHUNK_END,
                    0,
                    format!(
                        "{} chunk ends ending at {last}, for {chunks} chunks of {segments} segments",
                        ends.num_values()
                    ),
                ));
            }
        }
        if self.consensus && n > 0 && self.column(col::SEQ_OFFSET)?.read::<u64>(0..1)?[0] != 0 {
            return Err(self.broken(
                col::SEQ_OFFSET,
                0,
                "the first record's bases do not start at 0".into(),
            ));
        }
        if !deep {
            return Ok(n);
        }
        // The link to a reference dataset of this file: every listed
        // contig at its listed length and MD5 (spec 15.10).
        if let Some(r) = &self.reference {
            for (id, (name, _)) in self.refs.iter().enumerate() {
                r.check(&self.name, id as i32, name, true)?;
            }
        }
        let bases = !self.needs_reference();
        let refs = self.refs.len() as i64;
        let mut index = gcol_format::bam::RegionIndex::default();
        let mut buf = Vec::new();
        let mut start = 0;
        while start < n {
            let end = n.min(start + BATCH);
            let b = self.batch_with(start..end, bases)?;
            for i in 0..(end - start) as usize {
                let row = start + i as u64;
                for (id, name) in [
                    (b.ref_id[i], col::REF_ID),
                    (b.next_ref_id[i], col::NEXT_REF_ID),
                ] {
                    if id < -1 || i64::from(id) >= refs {
                        return Err(self.broken(name, row, format!("reference id {id} of {refs}")));
                    }
                }
                let ops = row_items(&b.cigar, &b.cigar_bounds, i);
                gcol_format::bam::check_cigar(ops, b.seq_length[i] as usize)
                    .map_err(|e| self.broken(col::CIGAR, row, e))?;
                // Each tag present exactly where the layout names it.
                let layout = &self.layouts[b.layout[i] as usize];
                for (t, values) in b.tags.iter().enumerate() {
                    let Some(values) = values else { continue };
                    let present = match values {
                        TagValues::Fixed { present, .. }
                        | TagValues::Binary { present, .. }
                        | TagValues::Array { present, .. } => present[i],
                    };
                    if present != layout.contains(&t) {
                        return Err(self.broken(
                            &self.tags[t].column,
                            row,
                            format!(
                                "a value {} where the record's layout {} the tag",
                                if present { "present" } else { "null" },
                                if present { "does not name" } else { "names" }
                            ),
                        ));
                    }
                }
                buf.clear();
                self.bam_record(&b, i, &mut buf)?;
                if self.sorted {
                    let e = end_position(b.pos[i], b.flag[i], ops.iter().copied());
                    index.add(b.ref_id[i], row, b.pos[i], e);
                }
            }
            // Tags no layout of the batch names were not loaded: their
            // columns must hold only nulls here.
            for (t, values) in b.tags.iter().enumerate() {
                if values.is_none() {
                    let c = self.column(&self.tags[t].column)?;
                    let nulls = if c.is_nullable() {
                        c.null_count(start..end)?
                    } else {
                        0
                    };
                    if nulls != end - start {
                        return Err(self.broken(
                            &self.tags[t].column,
                            start,
                            format!(
                                "{} values in rows {start}..{end}, whose layouts do not name the tag",
                                end - start - nulls
                            ),
                        ));
                    }
                }
            }
            start = end;
        }
        for info in &self.tags {
            let c = self.column(&info.column)?;
            if c.num_values() != n {
                return Err(self.broken(
                    &info.column,
                    0,
                    format!("{} values for {n} records", c.num_values()),
                ));
            }
        }
        if self.sorted {
            self.check_index(&index.finish(self.refs.len()))?;
        }
        Ok(n)
    }

    /// The stored region index equals `expected` (rebuilt from the records).
    fn check_index(&self, expected: &[gcol_format::bam::IndexEntry]) -> Result<()> {
        let (Ok(first), Ok(end), Ok(windows)) = (
            self.column(col::INDEX_FIRST_ROW),
            self.column(col::INDEX_END_ROW),
            self.column(col::INDEX_WINDOWS),
        ) else {
            return Ok(());
        };
        let k = self.refs.len() as u64;
        let first: Vec<u64> = first.read(0..first.num_values())?;
        let end: Vec<u64> = end.read(0..end.num_values())?;
        if first.len() as u64 != k || end.len() as u64 != k || windows.num_values() != k {
            return Err(self.broken(
                col::INDEX_FIRST_ROW,
                0,
                format!("the index does not hold {k} references"),
            ));
        }
        let bounds = windows.list_offsets(0..k)?;
        let items: Vec<u64> = windows.list_child()?.read(bounds[0]..bounds[k as usize])?;
        for (r, &(f, e, ref w)) in expected.iter().enumerate() {
            let stored = row_items(&items, &bounds, r);
            if (first[r], end[r]) != (f, e) || stored != w.as_slice() {
                return Err(self.broken(
                    col::INDEX_WINDOWS,
                    r as u64,
                    format!("reference {r}'s index differs from its records' (rows {f}..{e})"),
                ));
            }
        }
        Ok(())
    }

    fn broken(&self, column: &str, row: u64, detail: String) -> Error {
        Error::Invariant {
            column: format!("{}/{column}", self.name),
            row,
            rule: "15.6 invariants",
            detail,
        }
    }

    /// SAM text of `record` (BAM layout) with this dataset's references.
    pub fn sam_line(&self, record: &[u8], out: &mut Vec<u8>) -> Result<()> {
        write_sam_record(out, record, &self.refs).map_err(|detail| Error::Invariant {
            column: format!("{}/records", self.name),
            row: 0,
            rule: "15.2 record fields",
            detail,
        })
    }

    /// The BAM header block: magic, text, references (SAM spec 4.2).
    pub fn bam_header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"BAM\x01");
        out.extend_from_slice(&(self.header.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.header);
        out.extend_from_slice(&(self.refs.len() as u32).to_le_bytes());
        for (name, len) in &self.refs {
            out.extend_from_slice(&(name.len() as u32 + 1).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.extend_from_slice(&(*len as u32).to_le_bytes());
        }
        out
    }

    /// Per-base depth over `region` as `samtools depth` counts it: records
    /// without the filter's flags (samtools: UNMAP, SECONDARY, QCFAIL and
    /// DUP, 0x704), every M, = and X base. Returns one count per position
    /// of `region` (clipped to the reference length), and whether a record
    /// covers the position at all (deletions and skips included: `samtools
    /// depth` prints those positions, with their count, even without `-a`).
    pub fn depth(
        &self,
        region: &AlignmentRegion,
        filter: &RecordFilter,
    ) -> Result<(Vec<u32>, Vec<bool>)> {
        let mut counts = Vec::new();
        let mut covered = Vec::new();
        self.depth_into(region, filter, &mut counts, &mut covered)?;
        Ok((counts, covered))
    }

    /// [`Alignments::depth`] into reused buffers.
    pub fn depth_into(
        &self,
        region: &AlignmentRegion,
        filter: &RecordFilter,
        counts: &mut Vec<u32>,
        covered: &mut Vec<bool>,
    ) -> Result<()> {
        let region = self.clip(region);
        let rows = self.candidate_rows(&region)?;
        self.count_depth(rows, &region, filter, counts, covered)
    }

    /// Depth past the end of reference `ref_id` (its length `LN`) that
    /// records running over the end cover, as `samtools depth` prints it:
    /// the first position (`LN`, 0-based) and, per position from there up
    /// to the last a record covers, the count and whether it is covered;
    /// empty when no record runs past the end.
    pub fn depth_past_end(
        &self,
        ref_id: usize,
        filter: &RecordFilter,
        counts: &mut Vec<u32>,
        covered: &mut Vec<bool>,
    ) -> Result<i64> {
        let ln = self.refs.get(ref_id).map_or(0, |r| r.1 as i64);
        counts.clear();
        covered.clear();
        // Records running past the end overlap its last position.
        let probe = AlignmentRegion {
            ref_id,
            start: (ln - 1).max(0),
            end: ln.max(1),
        };
        let rows = self.candidate_rows(&probe)?;
        let mut last = ln;
        let mut start = rows.start;
        while start < rows.end {
            let stop = rows.end.min(start + BATCH);
            let b = self.batch_positions(start..stop)?;
            for i in 0..(stop - start) as usize {
                if filter.keep(b.flag[i], b.mapq[i]) && b.ref_id[i] == ref_id as i32 {
                    let ops = row_items(&b.cigar, &b.cigar_bounds, i);
                    last = last.max(end_position(b.pos[i], b.flag[i], ops.iter().copied()));
                }
            }
            start = stop;
        }
        if last > ln {
            let region = AlignmentRegion {
                ref_id,
                start: ln,
                end: last,
            };
            self.count_depth(rows, &region, filter, counts, covered)?;
        }
        Ok(ln)
    }

    /// Count the depth over `region` (not clipped) from `rows`.
    fn count_depth(
        &self,
        rows: Range<u64>,
        region: &AlignmentRegion,
        filter: &RecordFilter,
        counts: &mut Vec<u32>,
        covered: &mut Vec<bool>,
    ) -> Result<()> {
        let end = region.end;
        let width = (end - region.start).max(0) as usize;
        counts.clear();
        counts.resize(width, 0);
        covered.clear();
        covered.resize(width, false);
        let mut start = rows.start;
        while start < rows.end {
            let stop = rows.end.min(start + BATCH);
            let b = self.batch_positions(start..stop)?;
            for i in 0..(stop - start) as usize {
                if !filter.keep(b.flag[i], b.mapq[i]) || b.ref_id[i] != region.ref_id as i32 {
                    continue;
                }
                let mut p = i64::from(b.pos[i]);
                let ops = row_items(&b.cigar, &b.cigar_bounds, i);
                for &op in ops {
                    let len = i64::from(op >> 4);
                    let kind = op & 15;
                    if matches!(kind, 0 | 2 | 3 | 7 | 8) {
                        let a = p.max(region.start);
                        let z = (p + len).min(end);
                        if matches!(kind, 0 | 7 | 8) {
                            for x in a..z {
                                counts[(x - region.start) as usize] += 1;
                                covered[(x - region.start) as usize] = true;
                            }
                        } else {
                            for x in a..z {
                                covered[(x - region.start) as usize] = true;
                            }
                        }
                        p += len;
                    }
                    if p >= end {
                        break;
                    }
                }
            }
            start = stop;
        }
        Ok(())
    }

    /// `region` with its end clipped to the reference's length (and not
    /// before its start).
    fn clip(&self, region: &AlignmentRegion) -> AlignmentRegion {
        let ref_len = self.refs.get(region.ref_id).map_or(0, |r| r.1 as i64);
        AlignmentRegion {
            end: region.end.min(ref_len).max(region.start),
            ..region.clone()
        }
    }

    /// Pileup counts over `region` (clipped to the reference): per
    /// position, the A, C, G and T bases of `M`, `=` and `X` operations
    /// and the deletions (`D`) of records passing `filter` (other bases,
    /// such as N, are not counted), as `[A, C, G, T, deletions]`.
    pub fn pileup(&self, region: &AlignmentRegion, filter: &RecordFilter) -> Result<Vec<[u32; 5]>> {
        let region = self.clip(region);
        let end = region.end;
        let mut counts = vec![[0u32; 5]; (end - region.start) as usize];
        let rows = self.candidate_rows(&region)?;
        let mut start = rows.start;
        while start < rows.end {
            let stop = rows.end.min(start + BATCH);
            let b = self.batch(start..stop)?;
            for i in 0..(stop - start) as usize {
                if !filter.keep(b.flag[i], b.mapq[i]) || b.ref_id[i] != region.ref_id as i32 {
                    continue;
                }
                let bases = &b.seq[b.seq_starts[i]..b.seq_starts[i] + b.seq_length[i] as usize];
                let (mut q, mut p) = (0usize, i64::from(b.pos[i]));
                let ops = row_items(&b.cigar, &b.cigar_bounds, i);
                for &op in ops {
                    let len = (op >> 4) as usize;
                    match op & 15 {
                        0 | 7 | 8 => {
                            for k in 0..len {
                                let x = p + k as i64;
                                if x >= region.start && x < end {
                                    let slot = match bases.get(q + k) {
                                        Some(1) => Some(0),
                                        Some(2) => Some(1),
                                        Some(4) => Some(2),
                                        Some(8) => Some(3),
                                        _ => None,
                                    };
                                    if let Some(s) = slot {
                                        counts[(x - region.start) as usize][s] += 1;
                                    }
                                }
                            }
                            q += len;
                            p += len as i64;
                        }
                        1 | 4 => q += len,
                        2 => {
                            for k in 0..len as i64 {
                                let x = p + k;
                                if x >= region.start && x < end {
                                    counts[(x - region.start) as usize][4] += 1;
                                }
                            }
                            p += len as i64;
                        }
                        3 => p += len as i64,
                        _ => {}
                    }
                }
            }
            start = stop;
        }
        Ok(counts)
    }

    /// Only what depth needs: flags, positions, MAPQ and CIGARs.
    fn batch_positions(&self, rows: Range<u64>) -> Result<PositionBatch> {
        let n = (rows.end - rows.start) as usize;
        let cigar = self.column(col::CIGAR)?;
        let cigar_bounds = cigar.list_offsets(rows.clone())?;
        let items = cigar.list_child()?.read(cigar_bounds[0]..cigar_bounds[n])?;
        Ok(PositionBatch {
            flag: self.column(col::FLAG)?.read(rows.clone())?,
            ref_id: self.column(col::REF_ID)?.read(rows.clone())?,
            pos: self.column(col::POS)?.read(rows.clone())?,
            mapq: self.column(col::MAPQ)?.read(rows)?,
            cigar_bounds,
            cigar: items,
        })
    }
}

/// Undo spec 15.2's mate coding: `next_pos` stored as a distance from
/// `pos` and `tlen` against its prediction, for mates on one reference.
fn restore_mate(
    ref_id: i32,
    pos: i32,
    flag: u16,
    ops: &[u32],
    next_ref_id: i32,
    next_pos: &mut i32,
    tlen: &mut i32,
) {
    if gcol_format::bam::mate_on_same_reference(ref_id, next_ref_id) {
        *next_pos = next_pos.wrapping_add(pos);
    }
    let predicted = gcol_format::bam::predicted_tlen(
        ref_id,
        pos,
        flag,
        ops.iter().copied(),
        next_ref_id,
        *next_pos,
    );
    *tlen = tlen.wrapping_add(predicted);
}

struct PositionBatch {
    flag: Vec<u16>,
    ref_id: Vec<i32>,
    pos: Vec<i32>,
    mapq: Vec<u8>,
    cigar_bounds: Vec<u64>,
    cigar: Vec<u32>,
}

fn invariant(dataset: &str, column: &str, row: u64, detail: &str) -> Error {
    Error::Invariant {
        column: format!("{dataset}/{column}"),
        row,
        rule: "15.1 references",
        detail: detail.into(),
    }
}

/// The tag columns of `dataset`, with their keys.
fn tag_columns(dataset: &Dataset) -> Result<Vec<TagInfo>> {
    let mut tags = Vec::new();
    for c in &dataset.columns {
        let Some(key) = c.name.strip_prefix(col::TAG_PREFIX) else {
            continue;
        };
        if key.ends_with(col::ITEM_SUFFIX) {
            continue;
        }
        let bytes = key.as_bytes();
        let bad = |detail: String| Error::Invariant {
            column: format!("{}/{}", dataset.name, c.name),
            row: 0,
            rule: "15.4 tag columns",
            detail,
        };
        let array = bytes.len() == 5 && bytes[3] == b'B';
        if !(bytes.len() == 4 || array) || bytes[2] != b':' {
            return Err(bad(format!("tag column name {key:?} is not XX:T")));
        }
        let t = if array { bytes[4] } else { bytes[3] };
        let physical = gcol_format::schema::alignments::tag_physical(t)
            .filter(|_| !(array && matches!(t, b'A' | b'Z' | b'H')))
            .ok_or_else(|| bad(format!("unknown tag type {:?}", t as char)))?;
        let (item, physical_found) = if array {
            let item = format!("{}{}", c.name, col::ITEM_SUFFIX);
            let child = dataset
                .columns
                .iter()
                .find(|x| x.name == item)
                .ok_or_else(|| bad("array tag without its item column".into()))?;
            if !matches!(c.layout, Some(Layout::List { .. })) {
                return Err(bad("array tag column is not a list".into()));
            }
            (Some(item), child.physical_type)
        } else {
            (None, c.physical_type)
        };
        if physical_found != physical {
            return Err(bad(format!(
                "holds {physical_found} values, type {:?} needs {physical}",
                t as char
            )));
        }
        tags.push(TagInfo {
            key: bytes.to_vec(),
            column: c.name.clone(),
            item,
            physical,
        });
    }
    Ok(tags)
}
