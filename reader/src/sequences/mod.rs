//! Reading `sequences` datasets (spec 12): fetch by name and range, record
//! lengths and names without touching residue pages, batch fetch, export.
//!
//! All coordinates here are 0-based and half-open: `fetch("chr1", 0..10)`
//! returns the first ten bases.

mod export;

use std::ops::Range;
use std::sync::OnceLock;

use gcol_format::coords::Interval;
use gcol_format::directory::PageInfo;
use gcol_format::schema::reads;
use gcol_format::schema::sequences::{columns as col, meta, FLAG_RNA, KIND};
use gcol_format::sequence::{self as seq, decode_2bit};
use rayon::prelude::*;

use crate::{Error, Reader, Result};

pub use export::ExportOptions;

/// Dataset kind of FASTQ reads (spec 13).
pub const READS_KIND: &str = reads::KIND;

/// Residue alphabet of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// 2-bit bases with ambiguity and mask runs.
    Nucleotide,
    /// Residue bytes as written.
    Protein,
}

/// One record's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInfo {
    /// Name (first token of the definition line).
    pub name: String,
    /// Definition line after `>`.
    pub definition: String,
    /// Residues.
    pub length: u64,
    /// Residues per full line in the source (0 for an empty record).
    pub line_width: u32,
    /// Flags (`gcol_format::schema::sequences::FLAG_*`).
    pub flags: u8,
    /// Empty lines after the sequence in the source.
    pub blank_lines: u32,
}

struct Records {
    offset: Vec<u64>,
    length: Vec<u64>,
    flags: Vec<u8>,
}

/// Column ids of a sequences dataset.
#[derive(Debug, Clone, Copy)]
struct Ids {
    name: u32,
    /// `sequences`: the definition line.
    definition: Option<u32>,
    /// `reads`: text after the name.
    description: Option<u32>,
    length: u32,
    offset: u32,
    line_width: Option<u32>,
    blank_lines: Option<u32>,
    flags: u32,
    quality: Option<u32>,
    mate: Option<u32>,
    residues: u32,
    amb: Option<(u32, u32, u32, u32)>,
    mask: Option<(u32, u32, u32)>,
}

/// A `sequences` dataset opened for reading. Cheap to share across threads;
/// record tables and the name index load on first use.
pub struct Sequences {
    reader: Reader,
    dataset: String,
    alphabet: Alphabet,
    bin_bases: u64,
    ids: Ids,
    num_records: u64,
    records: OnceLock<Records>,
    names: OnceLock<rustc_hash::FxHashMap<Vec<u8>, u32>>,
    amb_index: OnceLock<RunIndex>,
    mask_index: OnceLock<RunIndex>,
    page_values: OnceLock<u64>,
}

impl std::fmt::Debug for Sequences {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequences")
            .field("dataset", &self.dataset)
            .field("alphabet", &self.alphabet)
            .field("records", &self.num_records)
            .finish()
    }
}

/// Run tables of at most this many runs are loaded whole on first use.
const SMALL_RUN_TABLE: u64 = 8192;

/// A run table's per-bin index, and the whole table when it is small.
struct RunIndex {
    index: Vec<u64>,
    small: Option<(Vec<u64>, Vec<u32>, Vec<u8>)>,
}

/// One motif occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MotifHit {
    /// 0-based start within the record (on the forward strand).
    pub position: u64,
    /// The reverse complement of the pattern matched here.
    pub reverse: bool,
}

/// k-mer counts keyed by 2-bit code (see [`Sequences::kmer_counts`]).
pub type KmerCounts = rustc_hash::FxHashMap<u64, u64>;

/// Add the k-mers of `seq` to `counts`.
pub fn count_kmers_into(seq: &[u8], k: usize, canonical: bool, counts: &mut KmerCounts) {
    let mask = if k == 32 {
        u64::MAX
    } else {
        (1u64 << (2 * k)) - 1
    };
    let shift = 2 * (k as u64 - 1);
    let (mut fwd, mut rev, mut valid) = (0u64, 0u64, 0usize);
    for &b in seq {
        let code = match b {
            b'A' => 0u64,
            b'C' => 1,
            b'G' => 2,
            b'T' | b'U' => 3,
            _ => {
                valid = 0;
                continue;
            }
        };
        fwd = ((fwd << 2) | code) & mask;
        rev = (rev >> 2) | ((3 - code) << shift);
        valid += 1;
        if valid >= k {
            let key = if canonical { fwd.min(rev) } else { fwd };
            *counts.entry(key).or_insert(0) += 1;
        }
    }
}

/// A k-mer key of [`Sequences::kmer_counts`] as text.
pub fn kmer_text(key: u64, k: usize) -> String {
    (0..k)
        .map(|i| b"ACGT"[((key >> (2 * (k - 1 - i))) & 3) as usize] as char)
        .collect()
}

/// A region of one record: its index and a 0-based half-open interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Record index.
    pub record: usize,
    /// Residues within the record (0-based, half-open).
    pub interval: Interval,
}

impl Reader {
    /// Open the `sequences` dataset `name` for fetching.
    pub fn sequences(&self, name: &str) -> Result<Sequences> {
        Sequences::new(self.clone(), name)
    }

    /// Names of the datasets of kind `sequences`.
    pub fn sequence_datasets(&self) -> Vec<String> {
        self.datasets()
            .iter()
            .filter(|d| d.kind == KIND || d.kind == READS_KIND)
            .map(|d| d.name.clone())
            .collect()
    }
}

impl Sequences {
    fn new(reader: Reader, name: &str) -> Result<Sequences> {
        let dataset = reader.dataset(name)?;
        let label = |c: &str| format!("{name}/{c}");
        let schema = match dataset.kind.as_str() {
            KIND => &gcol_format::schema::sequences::SCHEMA,
            READS_KIND => &reads::SCHEMA,
            _ => {
                return Err(Error::WrongKind {
                    dataset: name.into(),
                    expected: KIND,
                    found: dataset.kind.clone(),
                })
            }
        };
        // spec 12, 13: the kind's columns with their types, or a clear error.
        let binding = schema.bind(dataset)?;
        let alphabet = match dataset.metadata.get(meta::ALPHABET).map(String::as_str) {
            Some("protein") => Alphabet::Protein,
            _ => Alphabet::Nucleotide,
        };
        let optional = |column: &str| binding.id(column);
        let id = |column: &str| -> Result<u32> {
            binding.id(column).ok_or_else(|| Error::NoSuchColumn {
                dataset: name.into(),
                column: column.into(),
                available: dataset.columns.iter().map(|c| c.name.clone()).collect(),
            })
        };
        let ids = Ids {
            name: id(col::NAME)?,
            definition: optional(col::DEFINITION),
            description: optional(reads::columns::DESCRIPTION),
            length: id(col::LENGTH)?,
            offset: id(col::OFFSET)?,
            line_width: optional(col::LINE_WIDTH),
            blank_lines: optional(col::BLANK_LINES),
            quality: optional(reads::columns::QUALITY),
            mate: optional(reads::columns::MATE),
            flags: id(col::FLAGS)?,
            residues: match alphabet {
                Alphabet::Nucleotide => id(col::BASES)?,
                Alphabet::Protein => id(col::RESIDUES)?,
            },
            amb: match alphabet {
                Alphabet::Nucleotide => Some((
                    id(col::AMB_START)?,
                    id(col::AMB_LENGTH)?,
                    id(col::AMB_SYMBOL)?,
                    id(col::AMB_INDEX)?,
                )),
                Alphabet::Protein => None,
            },
            mask: match alphabet {
                Alphabet::Nucleotide => Some((
                    id(col::MASK_START)?,
                    id(col::MASK_LENGTH)?,
                    id(col::MASK_INDEX)?,
                )),
                Alphabet::Protein => None,
            },
        };
        let bin_bases = match alphabet {
            Alphabet::Nucleotide => dataset
                .metadata
                .get(meta::BIN_BASES)
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|&b| b > 0 && b % 4 == 0)
                .ok_or_else(|| {
                    Error::Format(gcol_format::Error::ManifestInvalid {
                        rule: "12.1 bin_bases is a positive multiple of 4",
                        detail: format!(
                            "{}: {:?}",
                            label("metadata"),
                            dataset.metadata.get(meta::BIN_BASES)
                        ),
                    })
                })?,
            Alphabet::Protein => 0,
        };
        let num_records = reader.column_by_id(ids.length)?.num_values();
        Ok(Sequences {
            reader,
            dataset: name.into(),
            alphabet,
            bin_bases,
            ids,
            num_records,
            records: OnceLock::new(),
            names: OnceLock::new(),
            amb_index: OnceLock::new(),
            mask_index: OnceLock::new(),
            page_values: OnceLock::new(),
        })
    }

    /// Dataset name.
    pub fn name(&self) -> &str {
        &self.dataset
    }

    /// The residue column: `bases` (2-bit, spec 12.3) for nucleotides,
    /// `residues` (bytes, spec 12.5) for proteins.
    pub fn residue_column(&self) -> Result<crate::ColumnReader<'_>> {
        self.reader.column_by_id(self.ids.residues)
    }

    /// The alphabet.
    pub fn alphabet(&self) -> Alphabet {
        self.alphabet
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.num_records as usize
    }

    /// True when the dataset has no records.
    pub fn is_empty(&self) -> bool {
        self.num_records == 0
    }

    /// The reader this dataset belongs to.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    fn get_or_load<T>(cell: &OnceLock<T>, load: impl FnOnce() -> Result<T>) -> Result<&T> {
        if let Some(v) = cell.get() {
            return Ok(v);
        }
        let value = load()?;
        Ok(cell.get_or_init(|| value))
    }

    fn records(&self) -> Result<&Records> {
        Self::get_or_load(&self.records, || {
            let n = self.num_records;
            Ok(Records {
                offset: self.reader.column_by_id(self.ids.offset)?.read(0..n)?,
                length: self.reader.column_by_id(self.ids.length)?.read(0..n)?,
                flags: self.reader.column_by_id(self.ids.flags)?.read(0..n)?,
            })
        })
    }

    /// Record names in order (reads only the name column).
    pub fn names(&self) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(self.len());
        self.reader
            .column_by_id(self.ids.name)?
            .for_each_binary(0..self.num_records, |_, v| {
                out.push(String::from_utf8_lossy(v).into_owned())
            })?;
        Ok(out)
    }

    /// Record lengths in residues (reads only the length column).
    pub fn lengths(&self) -> Result<Vec<u64>> {
        Ok(self.records()?.length.clone())
    }

    /// Index of the record named `name` (the first, if names repeat).
    pub fn record_index(&self, name: &str) -> Result<usize> {
        let names = Self::get_or_load(&self.names, || {
            let mut map =
                rustc_hash::FxHashMap::with_capacity_and_hasher(self.len(), Default::default());
            self.reader.column_by_id(self.ids.name)?.for_each_binary(
                0..self.num_records,
                |row, v| {
                    map.entry(v.to_vec()).or_insert(row as u32);
                },
            )?;
            Ok(map)
        })?;
        names
            .get(name.as_bytes())
            .map(|&i| i as usize)
            .ok_or_else(|| Error::NoSuchRecord {
                dataset: self.dataset.clone(),
                name: name.into(),
            })
    }

    /// Length in residues of record `record`.
    pub fn length(&self, record: usize) -> Result<u64> {
        self.records()?
            .length
            .get(record)
            .copied()
            .ok_or_else(|| self.no_record(record))
    }

    fn no_record(&self, record: usize) -> Error {
        Error::OutOfRange {
            column: format!("{}/records", self.dataset),
            index: record as u64,
            len: self.num_records,
        }
    }

    /// Everything stored about record `record` except its residues.
    pub fn record(&self, record: usize) -> Result<RecordInfo> {
        if record as u64 >= self.num_records {
            return Err(self.no_record(record));
        }
        let r = record as u64;
        let text = |id: u32| -> Result<String> {
            Ok(String::from_utf8_lossy(&self.reader.column_by_id(id)?.binary(r)?).into_owned())
        };
        let name = text(self.ids.name)?;
        let definition = match (self.ids.definition, self.ids.description) {
            (Some(id), _) => text(id)?,
            (None, Some(id)) => {
                let description = text(id)?;
                if description.is_empty() {
                    name.clone()
                } else {
                    format!("{name} {description}")
                }
            }
            (None, None) => name.clone(),
        };
        let small = |id: Option<u32>| -> Result<u32> {
            match id {
                Some(id) => Ok(self.reader.column_by_id(id)?.read::<u32>(r..r + 1)?[0]),
                None => Ok(0),
            }
        };
        Ok(RecordInfo {
            name,
            definition,
            length: self.records()?.length[record],
            line_width: small(self.ids.line_width)?,
            flags: self.records()?.flags[record],
            blank_lines: small(self.ids.blank_lines)?,
        })
    }

    /// Dataset kind: `sequences` (FASTA) or `reads` (FASTQ).
    pub fn kind(&self) -> &'static str {
        if self.ids.quality.is_some() {
            READS_KIND
        } else {
            KIND
        }
    }

    /// Phred qualities of read `record` (reads datasets), appended to `out`.
    pub fn qualities_into(&self, record: usize, out: &mut Vec<u8>) -> Result<()> {
        let Some(quality) = self.ids.quality else {
            return Err(Error::WrongKind {
                dataset: self.dataset.clone(),
                expected: READS_KIND,
                found: KIND.into(),
            });
        };
        let records = self.records()?;
        let Some(&length) = records.length.get(record) else {
            return Err(self.no_record(record));
        };
        let offset = records.offset[record];
        self.reader
            .column_by_id(quality)?
            .read_into(offset..offset + length, out)
    }

    /// Mate (1 or 2) of every read of a paired reads dataset; `None` when unpaired.
    pub fn mates(&self) -> Result<Option<Vec<u8>>> {
        match self.ids.mate {
            Some(id) => Ok(Some(
                self.reader.column_by_id(id)?.read(0..self.num_records)?,
            )),
            None => Ok(None),
        }
    }

    /// Whether this is a reads dataset with qualities.
    pub fn has_qualities(&self) -> bool {
        self.ids.quality.is_some()
    }

    /// Residues `range` (0-based, half-open) of the record named `name`.
    pub fn fetch(&self, name: &str, range: Range<u64>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.fetch_into(name, range, &mut out)?;
        Ok(out)
    }

    /// As [`Sequences::fetch`], appending to `out` to reuse its allocation.
    pub fn fetch_into(&self, name: &str, range: Range<u64>, out: &mut Vec<u8>) -> Result<()> {
        let record = self.record_index(name)?;
        self.fetch_record_into(record, range, out)
    }

    /// Residues `range` of record `record` (by index), appended to `out`.
    ///
    /// Upper case except soft-masked (lower-case) runs, as in the source.
    /// Only the pages covering the range are loaded.
    pub fn fetch_record_into(
        &self,
        record: usize,
        range: Range<u64>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let (start, end, rna) = self.stream_range(record, &range)?;
        match self.alphabet {
            Alphabet::Protein => self
                .reader
                .column_by_id(self.ids.residues)?
                .read_into(start..end, out),
            Alphabet::Nucleotide => self.fetch_bases(start..end, rna, out),
        }
    }

    /// A hint before [`Sequences::fetch_record_into`]: when the bases of
    /// `range` sit in one page that is already cached, start loading their
    /// cache lines now, so the memory latency overlaps with whatever the
    /// caller does next (the Python bindings release the GIL). Never loads
    /// a page, never fails; a bad record or range is reported by the fetch.
    pub fn prefetch_record(&self, record: usize, range: Range<u64>) {
        if self.alphabet != Alphabet::Nucleotide || range.is_empty() {
            return;
        }
        let (Ok((start, end, _)), Ok(page_values)) =
            (self.stream_range(record, &range), self.page_values())
        else {
            return;
        };
        let page_bases = page_values * 4;
        let index = start / page_bases;
        if (end - 1) / page_bases != index {
            return;
        }
        let Ok(column) = self.reader.column_by_id(self.ids.residues) else {
            return;
        };
        if index >= column.num_pages() {
            return;
        }
        let Ok(page) = column.check_page(index) else {
            return;
        };
        if let Some(data) = self.reader.peek_page(page) {
            let from = ((start - index * page_bases) / 4) as usize;
            let to = ((end - index * page_bases).div_ceil(4) as usize).min(data.len());
            if from < to {
                gcol_format::kernels::prefetch(&data[from..to]);
            }
        }
    }

    /// Packed bytes per full `bases` page.
    fn page_values(&self) -> Result<u64> {
        Self::get_or_load(&self.page_values, || {
            let column = self.reader.column_by_id(self.ids.residues)?;
            Ok(if column.num_pages() == 0 {
                1
            } else {
                u64::from(column.page_info(0)?.num_values).max(1)
            })
        })
        .copied()
    }

    /// Decode stream positions `range` (0-based, half-open) with exceptions applied.
    fn fetch_bases(&self, range: Range<u64>, rna: bool, out: &mut Vec<u8>) -> Result<()> {
        self.fetch_bases_cased(range, rna, true, out)
    }

    /// As `fetch_bases`; `mask` false leaves soft-masked bases upper case.
    fn fetch_bases_cased(
        &self,
        range: Range<u64>,
        rna: bool,
        mask: bool,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        if range.is_empty() {
            return Ok(());
        }
        let first = out.len();
        self.decode_packed(range.clone(), rna, out)?;
        let dest = &mut out[first..];
        let (amb_start, amb_length, amb_symbol, amb_index) = self.ids.amb.expect("nucleotide");
        self.for_each_run(
            &self.amb_index,
            amb_index,
            amb_start,
            amb_length,
            Some(amb_symbol),
            &range,
            |from, to, symbol| {
                dest[from..to].fill(symbol);
            },
        )?;
        if mask {
            let (mask_start, mask_length, mask_index) = self.ids.mask.expect("nucleotide");
            self.for_each_run(
                &self.mask_index,
                mask_index,
                mask_start,
                mask_length,
                None,
                &range,
                |from, to, _| {
                    for b in &mut dest[from..to] {
                        b.make_ascii_lowercase();
                    }
                },
            )?;
        }
        Ok(())
    }

    /// As [`Sequences::fetch_record_into`] but upper case throughout
    /// (soft-masking ignored), for searching and counting.
    pub fn fetch_record_upper_into(
        &self,
        record: usize,
        range: Range<u64>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        match self.alphabet {
            Alphabet::Protein => {
                let first = out.len();
                self.fetch_record_into(record, range, out)?;
                out[first..].make_ascii_uppercase();
                Ok(())
            }
            Alphabet::Nucleotide => {
                let (start, end, rna) = self.stream_range(record, &range)?;
                self.fetch_bases_cased(start..end, rna, false, out)
            }
        }
    }

    /// Stream range of a record range, checked: (start, end, rna).
    fn stream_range(&self, record: usize, range: &Range<u64>) -> Result<(u64, u64, bool)> {
        let records = self.records()?;
        let Some(&length) = records.length.get(record) else {
            return Err(self.no_record(record));
        };
        if range.start > range.end || range.end > length {
            return Err(Error::RegionOutOfRange {
                record: record as u64,
                start: range.start,
                end: range.end,
                length,
            });
        }
        let offset = records.offset[record];
        Ok((
            offset + range.start,
            offset + range.end,
            records.flags[record] & FLAG_RNA != 0,
        ))
    }

    /// Exact, case-insensitive occurrences of `pattern` in `range` of a
    /// record, on the forward strand and (for nucleotides, when
    /// `both_strands`) as its reverse complement. Positions are 0-based
    /// starts within the record; overlapping hits count; a palindromic
    /// pattern is reported once, on the forward strand.
    pub fn find_motif(
        &self,
        record: usize,
        range: Range<u64>,
        pattern: &[u8],
        both_strands: bool,
    ) -> Result<Vec<MotifHit>> {
        let forward = pattern.to_ascii_uppercase();
        let mut reverse = forward.clone();
        gcol_format::kernels::reverse_complement(&mut reverse);
        let search_reverse =
            both_strands && self.alphabet == Alphabet::Nucleotide && reverse != forward;
        self.stream_range(record, &range)?;
        let k = forward.len() as u64;
        let mut hits = Vec::new();
        if k == 0 || range.end - range.start < k {
            return Ok(hits);
        }
        // Search in chunks overlapping by k - 1 so no match is split.
        const CHUNK: u64 = 4 << 20;
        let mut buf = Vec::new();
        let mut start = range.start;
        while start + k <= range.end {
            let end = (start + CHUNK + k - 1).min(range.end);
            buf.clear();
            self.fetch_record_upper_into(record, start..end, &mut buf)?;
            for p in gcol_format::kernels::find_motif(&buf, &forward) {
                hits.push(MotifHit {
                    position: start + p as u64,
                    reverse: false,
                });
            }
            if search_reverse {
                for p in gcol_format::kernels::find_motif(&buf, &reverse) {
                    hits.push(MotifHit {
                        position: start + p as u64,
                        reverse: true,
                    });
                }
            }
            start += CHUNK;
        }
        hits.sort_by_key(|h| (h.position, h.reverse));
        Ok(hits)
    }

    /// Counts of every k-mer (1 <= k <= 32) of A/C/G/T over all records,
    /// computed in parallel over 1 Mb chunks; k-mers spanning any other
    /// symbol are skipped. Keys are 2-bit codes, first base in the highest
    /// bits (A=0, C=1, G=2, T=3); with `canonical`, the smaller of a k-mer
    /// and its reverse complement.
    pub fn kmer_counts(&self, k: usize, canonical: bool) -> Result<KmerCounts> {
        assert!((1..=32).contains(&k), "k must be 1..=32");
        let lengths = self.records()?.length.clone();
        const CHUNK: u64 = 1 << 20;
        let mut jobs = Vec::new();
        for (record, &len) in lengths.iter().enumerate() {
            let mut start = 0;
            while start + k as u64 <= len {
                let end = (start + CHUNK + k as u64 - 1).min(len);
                jobs.push((record, start..end));
                start += CHUNK;
            }
        }
        // One group of chunks per worker thread, counted serially into one
        // map each, then the maps merged: merging is the expensive part, so
        // there are as few maps as threads.
        let groups = rayon::current_num_threads().max(1);
        let per_group = jobs.len().div_ceil(groups).max(1);
        jobs.par_chunks(per_group)
            .map(|group| {
                let total: u64 = group.iter().map(|(_, r)| r.end - r.start).sum();
                let mut counts =
                    KmerCounts::with_capacity_and_hasher((total / 2) as usize, Default::default());
                let mut buf = Vec::new();
                for (record, range) in group {
                    buf.clear();
                    self.fetch_record_upper_into(*record, range.clone(), &mut buf)?;
                    count_kmers_into(&buf, k, canonical, &mut counts);
                }
                Ok(counts)
            })
            .try_reduce(KmerCounts::default, |a, b| {
                let (small, mut large) = if a.len() < b.len() { (a, b) } else { (b, a) };
                large.reserve(small.len());
                for (key, n) in small {
                    *large.entry(key).or_insert(0) += n;
                }
                Ok(large)
            })
    }

    /// 2-bit decode of stream positions `range`, page by page.
    fn decode_packed(&self, range: Range<u64>, rna: bool, out: &mut Vec<u8>) -> Result<()> {
        let page_values = self.page_values()?;
        let page_bases = page_values * 4;
        let column = self.reader.column_by_id(self.ids.residues)?;
        let first_page = column.meta().first_page;
        let mut pos = range.start;
        while pos < range.end {
            let index = pos / page_bases;
            let page_start = index * page_bases;
            // A small read of an uncached page decodes only the zstd blocks
            // that reach it (the column reader decides; scans get whole pages).
            let needed = (range.end.min(page_start + page_bases) - page_start).div_ceil(4);
            let (info, data) = column.page_prefix(index, needed as usize)?;
            let page_end = page_start + u64::from(info.num_values) * 4;
            if info.first_row != index * page_values || page_end <= pos {
                return Err(self.bad_page_row(first_page + index, index, page_values, &info));
            }
            let take = range.end.min(page_end) - pos;
            let from = (pos - page_start) as usize / 4;
            let to = ((pos - page_start + take) as usize).div_ceil(4);
            if to > data.len() {
                return Err(self.bad_page_row(first_page + index, index, page_values, &info));
            }
            gcol_format::kernels::prefetch(&data[from..to]);
            decode_2bit(&data, (pos - page_start) as usize, take as usize, rna, out);
            pos += take;
        }
        Ok(())
    }

    /// A bases page that is not where (or as long as) fixed-size pages put it.
    fn bad_page_row(&self, page: u64, index: u64, page_values: u64, info: &PageInfo) -> Error {
        Error::InvalidEntry {
            page,
            offset: 0,
            field: "first row",
            expected: format!("{} (pages of {page_values} bytes)", index * page_values),
            found: format!("{} ({} values)", info.first_row, info.num_values),
        }
    }

    /// Call `f(from, to, symbol)` (offsets relative to `range.start`) for
    /// every run of a run table overlapping `range`.
    #[allow(clippy::too_many_arguments)]
    fn for_each_run(
        &self,
        index_cell: &OnceLock<RunIndex>,
        index_id: u32,
        start_id: u32,
        length_id: u32,
        symbol_id: Option<u32>,
        range: &Range<u64>,
        mut f: impl FnMut(usize, usize, u8),
    ) -> Result<()> {
        // No runs at all (common: no soft-masking, no N): nothing to read.
        if self.reader.column_by_id(start_id)?.num_values() == 0 {
            return Ok(());
        }
        let table = Self::get_or_load(index_cell, || {
            let column = self.reader.column_by_id(index_id)?;
            let index = column.read::<u64>(0..column.num_values())?;
            let total = self.reader.column_by_id(start_id)?.num_values();
            // Small tables (up to one page of starts) are kept whole in memory,
            // so fetches search them without page lookups.
            let small = if total <= SMALL_RUN_TABLE {
                let starts = self.reader.column_by_id(start_id)?.read::<u64>(0..total)?;
                let lengths = self.reader.column_by_id(length_id)?.read::<u32>(0..total)?;
                let symbols = match symbol_id {
                    Some(id) => self.reader.column_by_id(id)?.read::<u8>(0..total)?,
                    None => Vec::new(),
                };
                Some((starts, lengths, symbols))
            } else {
                None
            };
            Ok(RunIndex { index, small })
        })?;
        let index = &table.index;
        let bin = (range.start / self.bin_bases) as usize;
        let Some(&first) = index.get(bin) else {
            return Ok(());
        };
        if let Some((starts, lengths, symbols)) = &table.small {
            for i in first as usize..starts.len() {
                let s = starts[i];
                if s >= range.end {
                    break;
                }
                let e = s + u64::from(lengths[i]);
                if e > range.start {
                    let from = (s.max(range.start) - range.start) as usize;
                    let to = (e.min(range.end) - range.start) as usize;
                    f(from, to, symbols.get(i).copied().unwrap_or(0));
                }
            }
            return Ok(());
        }
        let starts_col = self.reader.column_by_id(start_id)?;
        let total = starts_col.num_values();
        if first >= total {
            // Every run ends before this bin: nothing to read.
            return Ok(());
        }
        let lengths_col = self.reader.column_by_id(length_id)?;
        let symbols_col = symbol_id
            .map(|id| self.reader.column_by_id(id))
            .transpose()?;
        let mut row = first;
        let mut starts: Vec<u64> = Vec::new();
        let mut lengths = Vec::new();
        let mut symbols = Vec::new();
        const CHUNK: u64 = 64;
        while row < total {
            let to = (row + CHUNK).min(total);
            starts.clear();
            lengths.clear();
            symbols.clear();
            starts_col.read_into(row..to, &mut starts)?;
            lengths_col.read_into::<u32>(row..to, &mut lengths)?;
            if let Some(c) = &symbols_col {
                c.read_into::<u8>(row..to, &mut symbols)?;
            }
            for i in 0..starts.len() {
                let s = starts[i];
                if s >= range.end {
                    return Ok(());
                }
                let e = s + u64::from(lengths[i]);
                if e > range.start {
                    let from = (s.max(range.start) - range.start) as usize;
                    let to = (e.min(range.end) - range.start) as usize;
                    f(from, to, symbols.get(i).copied().unwrap_or(0));
                }
            }
            row = to;
        }
        Ok(())
    }

    /// Fetch many regions in parallel; results in input order.
    pub fn fetch_batch(&self, regions: &[Region]) -> Result<Vec<Vec<u8>>> {
        regions
            .par_iter()
            .map(|r| {
                let mut out = Vec::with_capacity(r.interval.len() as usize);
                self.fetch_record_into(r.record, r.interval.as_range(), &mut out)?;
                Ok(out)
            })
            .collect()
    }

    /// [`Sequences::find_motif`] over many regions, in parallel; results in input order.
    pub fn find_motif_batch(
        &self,
        regions: &[Region],
        pattern: &[u8],
        both_strands: bool,
    ) -> Result<Vec<Vec<MotifHit>>> {
        regions
            .par_iter()
            .map(|r| self.find_motif(r.record, r.interval.as_range(), pattern, both_strands))
            .collect()
    }

    /// GC fraction `(G + C) / (A + C + G + T)` of `range` of a record; `None`
    /// when the range has no A, C, G or T.
    pub fn gc_fraction(&self, record: usize, range: Range<u64>) -> Result<Option<f64>> {
        let c = self.base_counts(record, range)?;
        let acgt = c[0] + c[1] + c[2] + c[3];
        Ok((acgt > 0).then(|| (c[1] + c[2]) as f64 / acgt as f64))
    }

    /// Base counts of `range` of record `record`: `[A, C, G, T/U, N, other]`,
    /// case-insensitive; "other" is every ambiguity code but N, and gaps.
    pub fn base_counts(&self, record: usize, range: Range<u64>) -> Result<[u64; 6]> {
        let (start, end, _) = self.stream_range(record, &range)?;
        let mut counts = [0u64; 6];
        match self.alphabet {
            Alphabet::Protein => {
                let mut buf: Vec<u8> = Vec::new();
                self.reader
                    .column_by_id(self.ids.residues)?
                    .read_into(start..end, &mut buf)?;
                for b in buf {
                    counts[match b.to_ascii_uppercase() {
                        b'A' => 0,
                        b'C' => 1,
                        b'G' => 2,
                        b'T' | b'U' => 3,
                        b'N' => 4,
                        _ => 5,
                    }] += 1;
                }
            }
            Alphabet::Nucleotide => {
                let page_values = self.page_values()?;
                let page_bases = page_values * 4;
                let column = self.reader.column_by_id(self.ids.residues)?;
                let mut pos = start;
                while pos < end {
                    let index = pos / page_bases;
                    let page = column.page(index)?;
                    let page_start = index * page_bases;
                    let take = end.min(page_start + page.num_values() as u64 * 4) - pos;
                    let c =
                        seq::count_2bit(page.data(), (pos - page_start) as usize, take as usize);
                    for k in 0..4 {
                        counts[k] += c[k];
                    }
                    pos += take;
                }
                // Ambiguity positions hold code 0 (A): move them to N / other.
                let (amb_start, amb_length, amb_symbol, amb_index) =
                    self.ids.amb.expect("nucleotide");
                self.for_each_run(
                    &self.amb_index,
                    amb_index,
                    amb_start,
                    amb_length,
                    Some(amb_symbol),
                    &(start..end),
                    |from, to, symbol| {
                        let n = (to - from) as u64;
                        counts[0] -= n;
                        match symbol {
                            b'N' => counts[4] += n,
                            // A minority T in RNA or U in DNA is still that base.
                            b'T' | b'U' => counts[3] += n,
                            _ => counts[5] += n,
                        }
                    },
                )?;
            }
        }
        Ok(counts)
    }
}
