//! REF alleles coded against a `sequences` dataset of the same file (spec
//! 14.7): `ref/len` gives every length, `ref/differs` the text where REF is
//! not the reference's upper-case bases at POS. Bases are fetched in
//! windows that cover neighbouring records, so a block costs a few
//! sequence reads, not one per record.

use std::ops::Range;

use gcol_format::schema::variants::{columns as col, meta};

use super::Variants;
use crate::sequences::Sequences;
use crate::{Error, Result};

/// Records whose reference spans are closer than this share one fetch.
const WINDOW_GAP: u64 = 1 << 16;

/// One fetch: reference record, span, and the (index, start, length) of
/// each REF it serves.
struct Window {
    record: usize,
    start: u64,
    end: u64,
    wanted: Vec<(usize, u64, u64)>,
}

/// How the dataset stores REF.
#[derive(Debug)]
pub(super) enum RefStorage {
    /// `ref`: text.
    Text,
    /// `ref/len` + `ref/differs` against this dataset.
    Coded(Box<Sequences>),
}

/// A reference link as the manifest records it (spec 14.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceLink {
    /// The `sequences` dataset REF is coded against, when it is.
    pub dataset: Option<String>,
    /// The reference REF was checked against, as given at conversion.
    pub source: String,
    /// Contigs used: name, length, MD5 of the upper-case bases.
    pub contigs: Vec<(String, u64, String)>,
    /// Bytes REF would take as zstd text.
    pub text_bytes: Option<u64>,
}

impl ReferenceLink {
    /// The `reference_contigs` text (spec 14.7, 15.10): lines of name,
    /// TAB, length (decimal digits), TAB, MD5 (32 lower-case hex digits),
    /// each ending in LF, no name twice.
    pub fn parse_contigs(text: &str) -> std::result::Result<Vec<(String, u64, String)>, String> {
        if !text.is_empty() && !text.ends_with('\n') {
            return Err("reference_contigs does not end in LF".into());
        }
        let mut out: Vec<(String, u64, String)> = Vec::new();
        for line in text.split_terminator('\n') {
            let fields: Vec<&str> = line.split('\t').collect();
            let length = match fields.as_slice() {
                [_, l, md5]
                    if !l.is_empty()
                        && l.bytes().all(|b| b.is_ascii_digit())
                        && md5.len() == 32
                        && md5.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
                {
                    l.parse::<u64>().ok()
                }
                _ => None,
            }
            .ok_or_else(|| format!("reference_contigs line {line:?} is not name, length, MD5"))?;
            if out.iter().any(|c| c.0 == fields[0]) {
                return Err(format!("reference_contigs lists {} twice", fields[0]));
            }
            out.push((fields[0].to_string(), length, fields[2].to_string()));
        }
        Ok(out)
    }

    /// The link a dataset's metadata records (`reference_source`,
    /// `reference`, `reference_contigs`, `reference_text_bytes`; spec
    /// 14.7 and 15.10), if it has one.
    pub fn from_metadata(m: &std::collections::BTreeMap<String, String>) -> Option<ReferenceLink> {
        let source = m.get(meta::REFERENCE_SOURCE)?.clone();
        // Damaged text lists nothing here; readers that decode against
        // the list call `parse_contigs` for the reason.
        let contigs = m
            .get(meta::REFERENCE_CONTIGS)
            .and_then(|text| ReferenceLink::parse_contigs(text).ok())
            .unwrap_or_default();
        Some(ReferenceLink {
            dataset: m.get(meta::REFERENCE).cloned(),
            source,
            contigs,
            text_bytes: m
                .get(meta::REFERENCE_TEXT_BYTES)
                .and_then(|t| t.parse().ok()),
        })
    }
}

impl RefStorage {
    /// Bind the REF columns of `v`'s dataset.
    pub(super) fn open(
        reader: &crate::Reader,
        dataset: &gcol_format::manifest::Dataset,
    ) -> Result<RefStorage> {
        let has = |name: &str| dataset.columns.iter().any(|c| c.name == name);
        let invalid = |detail: String| Error::Invariant {
            column: format!("{}/{}", dataset.name, col::REF_LEN),
            row: 0,
            rule: "14.7 coded REF",
            detail,
        };
        match (has(col::REF), has(col::REF_LEN), has(col::REF_DIFFERS)) {
            (true, false, false) => Ok(RefStorage::Text),
            (false, true, true) => {
                let Some(name) = dataset.metadata.get(meta::REFERENCE) else {
                    return Err(invalid(
                        "REF is coded (ref/len) but no `reference` dataset is named".into(),
                    ));
                };
                let seqs = reader.sequences(name).map_err(|e| {
                    invalid(format!(
                        "REF is coded against dataset {name:?}, which cannot be read: {e}"
                    ))
                })?;
                Ok(RefStorage::Coded(Box::new(seqs)))
            }
            (r, l, d) => Err(invalid(format!(
                "REF needs either `ref` or both `ref/len` and `ref/differs` (found ref: {r}, ref/len: {l}, ref/differs: {d})"
            ))),
        }
    }
}

impl Variants {
    /// The reference REF was checked against, if any.
    pub fn reference_link(&self) -> Option<ReferenceLink> {
        ReferenceLink::from_metadata(&self.dataset.metadata)
    }

    /// The sequences dataset REF is coded against (spec 14.7), if it is.
    pub fn reference_sequences(&self) -> Option<&Sequences> {
        match &self.ref_storage {
            RefStorage::Coded(s) => Some(s),
            RefStorage::Text => None,
        }
    }

    /// Rows whose REF differs from the reference (`ref/mismatch`); empty
    /// when no reference was used.
    pub fn ref_mismatches(&self) -> Result<Vec<u64>> {
        if self.binding.id(col::REF_MISMATCH).is_none()
            && !self
                .dataset
                .columns
                .iter()
                .any(|c| c.name == col::REF_MISMATCH)
        {
            return Ok(Vec::new());
        }
        let c = self.column(col::REF_MISMATCH)?;
        c.read(0..c.num_values())
    }

    /// Index of the contig holding `row`.
    pub(super) fn contig_of(&self, row: u64) -> usize {
        self.contig_ends.partition_point(|&end| end <= row)
    }

    /// Length of each REF of `rows`.
    pub fn ref_lengths(&self, rows: Range<u64>) -> Result<Vec<u64>> {
        let mut out = Vec::with_capacity((rows.end - rows.start) as usize);
        match &self.ref_storage {
            RefStorage::Text => self
                .column(col::REF)?
                .for_each_binary(rows, |_, r| out.push(r.len() as u64))?,
            RefStorage::Coded(_) => out.extend(
                self.column(col::REF_LEN)?
                    .read::<u32>(rows)?
                    .into_iter()
                    .map(u64::from),
            ),
        }
        Ok(out)
    }

    /// REF of each row of `rows`: stored text, or the reference's bases.
    pub fn ref_alleles(&self, rows: Range<u64>) -> Result<Vec<Vec<u8>>> {
        let seqs = match &self.ref_storage {
            RefStorage::Text => {
                let mut out = Vec::with_capacity((rows.end - rows.start) as usize);
                self.column(col::REF)?
                    .for_each_binary(rows, |_, v| out.push(v.to_vec()))?;
                return Ok(out);
            }
            RefStorage::Coded(s) => s,
        };
        let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity((rows.end - rows.start) as usize);
        self.column(col::REF_DIFFERS)?
            .for_each_binary_option(rows.clone(), |_, v| out.push(v.map(<[u8]>::to_vec)))?;
        if out.iter().all(Option::is_some) {
            return Ok(out.into_iter().map(Option::unwrap_or_default).collect());
        }
        let lengths: Vec<u32> = self.column(col::REF_LEN)?.read(rows.clone())?;
        let pos: Vec<u64> = self.column(col::POS)?.read(rows.clone())?;
        let mut record_of: Vec<Option<Option<usize>>> = vec![None; self.contigs.len()];
        let mut window: Option<Window> = None;
        let mut bases = Vec::new();
        let mut flush = |w: Window, out: &mut Vec<Option<Vec<u8>>>| -> Result<()> {
            bases.clear();
            seqs.fetch_record_upper_into(w.record, w.start..w.end, &mut bases)?;
            for (i, s, n) in w.wanted {
                let from = (s - w.start) as usize;
                let got = bases
                    .get(from..from + n as usize)
                    .ok_or_else(|| Error::Invariant {
                        column: col::REF_DIFFERS.to_string(),
                        row: i as u64,
                        rule: "14.7 coded REF",
                        detail: format!("the reference has no bases at {s}+{n}"),
                    })?;
                out[i] = Some(got.to_vec());
            }
            Ok(())
        };
        for (i, row) in rows.clone().enumerate() {
            if out[i].is_some() {
                continue;
            }
            let contig = self.contig_of(row);
            let record = match record_of[contig] {
                Some(r) => r,
                None => {
                    let r = seqs.find(&self.contigs[contig])?;
                    record_of[contig] = Some(r);
                    r
                }
            };
            let bad = |detail: String| Error::Invariant {
                column: format!("{}/{}", self.dataset.name, col::REF_DIFFERS),
                row,
                rule: "14.7 coded REF",
                detail,
            };
            let Some(record) = record else {
                return Err(bad(format!(
                    "REF is null but the reference {:?} has no contig {:?}",
                    seqs.name(),
                    self.contigs[contig]
                )));
            };
            let start = pos[i]
                .checked_sub(1)
                .ok_or_else(|| bad("POS 0 with a null REF".into()))?;
            let end = start.checked_add(u64::from(lengths[i])).ok_or_else(|| {
                bad(format!(
                    "POS {} and a REF of {} bases overflow",
                    pos[i], lengths[i]
                ))
            })?;
            if end > seqs.length(record)? {
                return Err(bad(format!(
                    "REF is null but {}:{}+{} passes the reference contig's end",
                    self.contigs[contig], pos[i], lengths[i]
                )));
            }
            let want = (i, start, u64::from(lengths[i]));
            match &mut window {
                Some(w)
                    if w.record == record
                        && start >= w.start
                        && start <= w.end.saturating_add(WINDOW_GAP) =>
                {
                    w.end = w.end.max(end);
                    w.wanted.push(want);
                }
                _ => {
                    if let Some(w) = window.take() {
                        flush(w, &mut out)?;
                    }
                    window = Some(Window {
                        record,
                        start,
                        end,
                        wanted: vec![want],
                    });
                }
            }
        }
        if let Some(w) = window.take() {
            flush(w, &mut out)?;
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }
}

/// One REF that differs from the reference (spec 14.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefMismatch {
    /// Contig.
    pub contig: String,
    /// POS.
    pub pos: u64,
    /// REF as written.
    pub allele: Vec<u8>,
    /// The reference's bases there (upper case), when the reference is in
    /// the file and covers them.
    pub expected: Option<Vec<u8>>,
}

/// What coding REF against a reference found and saved (`gcol inspect`).
#[derive(Debug, Clone)]
pub struct ReferenceReport {
    /// The link.
    pub link: ReferenceLink,
    /// Stored bytes of the REF columns (`ref`, or `ref/len` + `ref/differs`).
    pub stored_bytes: u64,
    /// Every REF that differs from the reference.
    pub mismatches: Vec<RefMismatch>,
}

impl ReferenceReport {
    /// Bytes saved against REF as zstd text (0 when REF is text).
    pub fn saved_bytes(&self) -> i64 {
        match (self.link.dataset.as_ref(), self.link.text_bytes) {
            (Some(_), Some(t)) => t as i64 - self.stored_bytes as i64,
            _ => 0,
        }
    }
}

impl Variants {
    /// The reference link, the REF columns' size and every mismatch;
    /// `None` when no reference was used.
    pub fn reference_report(&self) -> Result<Option<ReferenceReport>> {
        let Some(link) = self.reference_link() else {
            return Ok(None);
        };
        let stored_bytes = self
            .dataset
            .columns
            .iter()
            .filter(|c| [col::REF, col::REF_LEN, col::REF_DIFFERS].contains(&c.name.as_str()))
            .map(|c| c.stored_bytes)
            .sum();
        let rows = self.ref_mismatches()?;
        if let Some(&row) = rows.iter().find(|&&r| r >= self.num_sites) {
            return Err(Error::Invariant {
                column: format!("{}/{}", self.dataset.name, col::REF_MISMATCH),
                row,
                rule: "14.7 mismatch rows",
                detail: format!("row {row} is past the {} sites", self.num_sites),
            });
        }
        // POS and REF read once per run of consecutive rows.
        let (mut positions, mut alleles) = (Vec::new(), Vec::new());
        for run in super::row_runs(&rows) {
            positions.extend(self.column(col::POS)?.read::<u64>(run.clone())?);
            alleles.extend(self.ref_alleles(run)?);
        }
        let mut mismatches = Vec::new();
        for ((&row, pos), allele) in rows.iter().zip(positions).zip(alleles) {
            let contig = self.contigs[self.contig_of(row)].clone();
            let expected = match self.reference_sequences() {
                Some(seqs) => match seqs.find(&contig)? {
                    Some(record) => {
                        let start = pos.saturating_sub(1);
                        let end = start
                            .saturating_add(allele.len() as u64)
                            .min(seqs.length(record)?);
                        let mut out = Vec::new();
                        if start < end {
                            seqs.fetch_record_upper_into(record, start..end, &mut out)?;
                        }
                        Some(out)
                    }
                    None => None,
                },
                None => None,
            };
            mismatches.push(RefMismatch {
                contig,
                pos,
                allele,
                expected,
            });
        }
        Ok(Some(ReferenceReport {
            link,
            stored_bytes,
            mismatches,
        }))
    }
}

impl Variants {
    /// Spec 14.7 invariants: mismatch rows rise and lie within the sites,
    /// the coded columns have a value per site; `deep`: every REF decodes
    /// and every linked contig of the in-file reference has the recorded
    /// length and MD5.
    pub(super) fn check_reference(&self, deep: bool) -> Result<()> {
        let name = &self.dataset.name;
        let bad = |column: &str, row: u64, detail: String| Error::Invariant {
            column: format!("{name}/{column}"),
            row,
            rule: "14.7",
            detail,
        };
        let rows = self.ref_mismatches()?;
        for (i, &row) in rows.iter().enumerate() {
            if row >= self.num_sites || (i > 0 && row <= rows[i - 1]) {
                return Err(bad(
                    col::REF_MISMATCH,
                    i as u64,
                    format!(
                        "row {row}: mismatch rows must rise and be below the {} sites",
                        self.num_sites
                    ),
                ));
            }
        }
        let RefStorage::Coded(seqs) = &self.ref_storage else {
            return Ok(());
        };
        for c in [col::REF_LEN, col::REF_DIFFERS] {
            let n = self.column(c)?.num_values();
            if n != self.num_sites {
                return Err(bad(
                    c,
                    0,
                    format!("{n} values for {} sites", self.num_sites),
                ));
            }
        }
        if !deep {
            return Ok(());
        }
        for start in (0..self.num_sites).step_by(1 << 16) {
            let rows = start..(start + (1 << 16)).min(self.num_sites);
            let lengths: Vec<u32> = self.column(col::REF_LEN)?.read(rows.clone())?;
            let mut wrong = None;
            self.column(col::REF_DIFFERS)?
                .for_each_binary_option(rows.clone(), |row, v| {
                    if let Some(v) = v {
                        let n = lengths[(row - rows.start) as usize];
                        if v.len() != n as usize && wrong.is_none() {
                            wrong = Some((row, v.len(), n));
                        }
                    }
                })?;
            if let Some((row, found, n)) = wrong {
                return Err(bad(
                    col::REF_DIFFERS,
                    row,
                    format!("REF of {found} bytes where ref/len says {n}"),
                ));
            }
            self.ref_alleles(rows)?;
        }
        let link = self.reference_link();
        for (contig, length, md5) in link.map(|l| l.contigs).unwrap_or_default() {
            let Some(record) = seqs.find(&contig)? else {
                return Err(bad(
                    "",
                    0,
                    format!(
                        "linked contig {contig:?} is not in dataset {:?}",
                        seqs.name()
                    ),
                ));
            };
            let mut bases = Vec::new();
            let actual = seqs.length(record)?;
            seqs.fetch_record_upper_into(record, 0..actual, &mut bases)?;
            use md5::Digest;
            let digest: String = md5::Md5::digest(&bases)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if actual != length || digest != md5 {
                return Err(bad(
                    "",
                    0,
                    format!(
                        "contig {contig:?} of dataset {:?}: {actual} bases, MD5 {digest}; the link records {length} bases, MD5 {md5}",
                        seqs.name()
                    ),
                ));
            }
        }
        Ok(())
    }
}
