//! Reading `sequences` datasets (spec 12): fetch by name and range, record
//! lengths and names without touching residue pages, batch fetch, export.
//!
//! All coordinates here are 0-based and half-open: `fetch("chr1", 0..10)`
//! returns the first ten bases.

mod analytics;
mod check;
mod export;
mod fetch;

use std::sync::OnceLock;

use gcol_format::coords::region::RegionSpec;
use gcol_format::coords::Interval;
use gcol_format::schema::reads;
use gcol_format::schema::sequences::{columns as col, meta, KIND};

use crate::{Error, Reader, Result};

pub use analytics::{kmer_text, KmerCounts, KmerTable, MotifHit};
pub use check::InvariantReport;
pub use export::ExportOptions;
use fetch::RunIndex;

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
    /// Residues in the stream (the sum of `length`), checked at load.
    stream: u64,
}

/// Column ids of a sequences dataset.
#[derive(Debug, Clone, Copy)]
struct Ids {
    /// Absent in a FASTA dataset whose names are its definitions' first
    /// tokens (spec 12.2, format 1.2).
    name: Option<u32>,
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
    /// (hash of the name, record) of every record, sorted: 12 bytes a
    /// record instead of a map holding a copy of every name.
    names: OnceLock<Vec<(u64, u32)>>,
    amb_index: OnceLock<RunIndex>,
    mask_index: OnceLock<RunIndex>,
    page_values: OnceLock<u64>,
    /// Protein residues stored in `clustered` order (spec 12.5).
    clustered: bool,
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

/// A region of one record: its index and a 0-based half-open interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Record index.
    pub record: usize,
    /// Residues within the record (0-based, half-open).
    pub interval: Interval,
}

/// Find a record by name across datasets: (dataset index, record index)
/// of the first dataset holding it, `None` when none does. A name page
/// that cannot be read is an error, not a missing name.
pub fn find_record(sets: &[Sequences], name: &str) -> Result<Option<(usize, usize)>> {
    for (d, set) in sets.iter().enumerate() {
        if let Some(record) = set.find(name)? {
            return Ok(Some((d, record)));
        }
    }
    Ok(None)
}

/// Parse a region in samtools syntax (`name`, `name:begin-end`, `{name}`)
/// against the record names of `sets` (a name holding a colon is taken
/// whole when a record has it). The name indexes load first, so a damaged
/// name page is an error here, never a missing name.
pub fn parse_region(sets: &[Sequences], text: &str) -> Result<RegionSpec> {
    for set in sets {
        set.find("")?;
    }
    Ok(RegionSpec::parse(text, |name| {
        matches!(find_record(sets, name), Ok(Some(_)))
    }))
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
            name: optional(col::NAME),
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
        // Every column's value count against its pages' ends (two directory
        // entries each), before anything is sized by one.
        for column in &dataset.columns {
            reader.column_by_id(column.id)?;
        }
        if ids.name.is_none() && ids.definition.is_none() {
            return Err(Error::NoSuchColumn {
                dataset: name.into(),
                column: col::NAME.into(),
                available: dataset.columns.iter().map(|c| c.name.clone()).collect(),
            });
        }
        let num_records = reader.column_by_id(ids.length)?.num_values();
        let clustered = match dataset
            .metadata
            .get(meta::RESIDUE_ORDER)
            .map(String::as_str)
        {
            None | Some("input") => false,
            Some(meta::CLUSTERED) if alphabet == Alphabet::Protein => true,
            Some(other) => {
                return Err(Error::Format(gcol_format::Error::ManifestInvalid {
                    rule: "12.5 residue_order is input, or clustered for proteins",
                    detail: format!("{}: {other:?}", label("metadata")),
                }))
            }
        };
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
            clustered,
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

    fn records(&self) -> Result<&Records> {
        crate::get_or_load(&self.records, || {
            let n = self.num_records;
            let mut records = Records {
                offset: self.reader.column_by_id(self.ids.offset)?.read(0..n)?,
                length: self.reader.column_by_id(self.ids.length)?.read(0..n)?,
                flags: self.reader.column_by_id(self.ids.flags)?.read(0..n)?,
                stream: 0,
            };
            for (id, len) in [
                (self.ids.offset, records.offset.len()),
                (self.ids.flags, records.flags.len()),
            ] {
                if len as u64 != n {
                    return Err(self.invariant(
                        &self.column_name(id),
                        len as u64,
                        "12.2",
                        format!("holds {len} values for {n} records"),
                    ));
                }
            }
            records.stream = self.check_records(&records)?;
            Ok(records)
        })
    }

    /// Record names in order (reads only the name column, or the
    /// definitions when names are their first tokens).
    pub fn names(&self) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(crate::column::reserve_len(&(0..self.num_records)));
        self.for_each_name(|_, v| out.push(String::from_utf8_lossy(v).into_owned()))?;
        Ok(out)
    }

    /// Call `f(row, name)` for every record: from the `name` column, or
    /// (spec 12.2, format 1.2) the first token of each definition.
    fn for_each_name(&self, f: impl FnMut(u64, &[u8])) -> Result<()> {
        self.for_each_name_in(0..self.num_records, f)
    }

    /// [`Sequences::for_each_name`] over the records `rows`.
    fn for_each_name_in(
        &self,
        rows: std::ops::Range<u64>,
        mut f: impl FnMut(u64, &[u8]),
    ) -> Result<()> {
        match (self.ids.name, self.ids.definition) {
            (Some(id), _) => self.reader.column_by_id(id)?.for_each_binary(rows, f),
            (None, Some(id)) => self
                .reader
                .column_by_id(id)?
                .for_each_binary(rows, |row, v| f(row, check::first_token(v))),
            (None, None) => unreachable!("checked when the dataset was opened"),
        }
    }

    /// Residues in the dataset: the sum of the record lengths (loads and
    /// checks the record table, spec 8.4).
    pub fn residue_count(&self) -> Result<u64> {
        self.stream_len()
    }

    /// Record lengths in residues (reads only the length column).
    pub fn lengths(&self) -> Result<Vec<u64>> {
        Ok(self.records()?.length.clone())
    }

    /// Index of the record named `name` (the first, if names repeat).
    pub fn record_index(&self, name: &str) -> Result<usize> {
        self.find(name)?.ok_or_else(|| Error::NoSuchRecord {
            dataset: self.dataset.clone(),
            name: name.into(),
        })
    }

    /// Index of the record named `name`, `None` when no record has that
    /// name. An error means the names could not be read (a damaged page):
    /// never taken for a missing name.
    pub fn find(&self, name: &str) -> Result<Option<usize>> {
        let hash = |v: &[u8]| {
            use std::hash::Hasher;
            let mut h = rustc_hash::FxHasher::default();
            h.write(v);
            h.finish()
        };
        let names = crate::get_or_load(&self.names, || {
            let mut index = Vec::with_capacity(crate::column::reserve_len(&(0..self.num_records)));
            self.for_each_name(|row, v| index.push((hash(v), row as u32)))?;
            index.sort_unstable();
            Ok(index)
        })?;
        let wanted = hash(name.as_bytes());
        let start = names.partition_point(|&(h, _)| h < wanted);
        // Rows of one hash come in order: the first whose name is equal
        // is the first record of that name.
        for &(h, row) in &names[start..] {
            if h != wanted {
                break;
            }
            let mut equal = false;
            self.for_each_name_in(u64::from(row)..u64::from(row) + 1, |_, v| {
                equal = v == name.as_bytes();
            })?;
            if equal {
                return Ok(Some(row as usize));
            }
        }
        Ok(None)
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
        let name = match (self.ids.name, self.ids.definition) {
            (Some(id), _) => text(id)?,
            (None, Some(id)) => {
                let definition = self.reader.column_by_id(id)?.binary(r)?;
                String::from_utf8_lossy(check::first_token(&definition)).into_owned()
            }
            (None, None) => unreachable!("checked when the dataset was opened"),
        };
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
            // 0 with residues: the record is on one line (spec 12.2).
            line_width: match small(self.ids.line_width)? {
                0 => u32::try_from(self.records()?.length[record]).unwrap_or(u32::MAX),
                width => width,
            },
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
}
