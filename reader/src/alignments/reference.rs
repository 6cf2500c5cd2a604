//! Bases coded against a reference (spec 15.10): the predictor of a base
//! is the reference's upper-case base at its position when that is A, C, G
//! or T. The reference is a `sequences` dataset of the same file (named by
//! the dataset's `reference` metadata, bound at open) or, when the writer
//! was given another file, a reference the caller supplies, matched by
//! content: each contig the dataset lists (`reference_contigs`) must have
//! the listed length and MD5, checked the first time it is used.

use std::fmt::Debug;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use md5::{Digest, Md5};

use crate::sequences::{find_record, Sequences};
use crate::{Error, Result};

/// Contigs whose MD5 matched, by reference (its description), name,
/// length and MD5.
static VERIFIED: Mutex<std::collections::BTreeSet<(String, String, u64, String)>> =
    Mutex::new(std::collections::BTreeSet::new());

fn usage(detail: String) -> Error {
    Error::Usage { detail }
}

/// Reference bases by contig name, for decoding alignments coded against
/// a reference. Implemented here for `sequences` datasets; a FASTA source
/// lives with the importer's reference loader (`gcol_import`).
pub trait ReferenceBases: Send + Sync + Debug {
    /// Upper-case bases of contig `name` over `range` (0-based, clipped
    /// at the contig's end); `None` when the reference lacks the contig.
    fn bases(&self, name: &str, range: Range<u64>) -> Result<Option<Vec<u8>>>;
    /// Length of contig `name`; `None` when the reference lacks it.
    fn length(&self, name: &str) -> Result<Option<u64>>;
    /// What the reference is, for messages (a path).
    fn describe(&self) -> String;
}

/// A reference held in the `sequences` datasets of a `.gcol` file (the
/// first dataset holding a name wins, as `fetch` finds it).
#[derive(Debug)]
pub struct SequencesReference {
    sets: Vec<Sequences>,
    label: String,
}

impl SequencesReference {
    /// A reference of these datasets, `label` naming it in messages.
    pub fn new(sets: Vec<Sequences>, label: impl Into<String>) -> SequencesReference {
        SequencesReference {
            sets,
            label: label.into(),
        }
    }
}

impl ReferenceBases for SequencesReference {
    fn bases(&self, name: &str, range: Range<u64>) -> Result<Option<Vec<u8>>> {
        let Some((d, record)) = find_record(&self.sets, name)? else {
            return Ok(None);
        };
        let set = &self.sets[d];
        let length = set.length(record)?;
        let range = range.start.min(length)..range.end.min(length);
        let mut out = Vec::with_capacity((range.end - range.start) as usize);
        set.fetch_record_upper_into(record, range, &mut out)?;
        Ok(Some(out))
    }

    fn length(&self, name: &str) -> Result<Option<u64>> {
        match find_record(&self.sets, name)? {
            Some((d, record)) => Ok(Some(self.sets[d].length(record)?)),
            None => Ok(None),
        }
    }

    fn describe(&self) -> String {
        self.label.clone()
    }
}

/// MD5 (lower-case hex) of contig `name`'s upper-case bases, read in
/// pieces; `None` when the reference lacks it.
pub fn contig_md5(reference: &dyn ReferenceBases, name: &str) -> Result<Option<String>> {
    const PIECE: u64 = 1 << 24;
    let Some(length) = reference.length(name)? else {
        return Ok(None);
    };
    let mut md5 = Md5::new();
    let mut at = 0;
    while at < length {
        let end = length.min(at + PIECE);
        let bases = reference
            .bases(name, at..end)?
            .ok_or_else(|| usage(format!("contig {name} vanished from the reference")))?;
        md5.update(&bases);
        at = end;
    }
    Ok(Some(
        md5.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    ))
}

/// The reference an alignments dataset's bases are coded against.
#[derive(Debug)]
pub(super) struct CodedReference {
    /// The reference as the writer was given it (`reference_source`).
    pub(super) source: String,
    /// The `sequences` dataset of this file, when it is one.
    pub(super) dataset: Option<String>,
    /// Per reference id: the listed length and MD5, `None` when the
    /// writer's reference lacked the contig (its bases are stored whole).
    pub(super) contigs: Vec<Option<(u64, String)>>,
    /// The bound bases: bound at open for a dataset of this file, given
    /// by the caller otherwise.
    pub(super) bound: Option<Arc<dyn ReferenceBases>>,
    /// Per reference id: 0 unchecked, 1 checked against the listed
    /// length, 2 against the listed length and MD5.
    pub(super) checked: Mutex<Vec<u8>>,
}

impl CodedReference {
    /// Check the bound reference's contig for `ref_id` (named `name`)
    /// against the listed length and, with `md5`, the listed MD5; once.
    pub(super) fn check(&self, dataset: &str, ref_id: i32, name: &str, md5: bool) -> Result<()> {
        let Some(Some((length, digest))) = self.contigs.get(ref_id as usize) else {
            return Ok(());
        };
        let Some(bound) = &self.bound else {
            return Ok(());
        };
        let level = 1 + u8::from(md5);
        if self.checked.lock().expect("poisoned")[ref_id as usize] >= level {
            return Ok(());
        }
        // A reference of this file that does not match is corruption; one
        // the user gave is the wrong reference.
        let wrong = |detail: String| match &self.dataset {
            Some(d) => Error::Invariant {
                column: format!("{dataset}/seq"),
                row: 0,
                rule: "15.10 bases against a reference",
                detail: format!("reference dataset {d:?}: {detail}"),
            },
            None => usage(format!(
                "the reference {} does not match dataset {dataset:?}: {detail}",
                bound.describe()
            )),
        };
        match bound.length(name)? {
            None => return Err(wrong(format!("it lacks contig {name}"))),
            Some(l) if l != *length => {
                return Err(wrong(format!(
                    "contig {name} has {l} bases, the dataset was coded against {length}"
                )))
            }
            Some(_) => {}
        }
        if md5 {
            // A contig of one reference verified once per process: every
            // Alignments bound to that reference shares the result.
            let key = (bound.describe(), name.to_string(), *length, digest.clone());
            let known = VERIFIED.lock().expect("poisoned").contains(&key);
            if !known {
                let got = contig_md5(bound.as_ref(), name)?.unwrap_or_default();
                if got != *digest {
                    return Err(wrong(format!(
                        "contig {name} has MD5 {got}, the dataset was coded against {digest}"
                    )));
                }
                VERIFIED.lock().expect("poisoned").insert(key);
            }
        }
        self.checked.lock().expect("poisoned")[ref_id as usize] = level;
        Ok(())
    }

    /// Bases of reference `ref_id` (named `name`) over `start..end`,
    /// clipped at its end; `None` when the writer coded it without one.
    pub(super) fn fetch(
        &self,
        dataset: &str,
        ref_id: i32,
        name: &str,
        start: i64,
        end: i64,
    ) -> Result<Option<Vec<u8>>> {
        if !matches!(self.contigs.get(ref_id as usize), Some(Some(_))) {
            return Ok(None);
        }
        let Some(bound) = &self.bound else {
            return Err(usage(format!(
                "the bases of dataset {dataset:?} are coded against the reference {} (outside this file); give it (a FASTA or .gcol file; `--reference` on the command line, `reference=` in Python)",
                self.source
            )));
        };
        self.check(dataset, ref_id, name, self.dataset.is_none())?;
        let (start, end) = (start.max(0) as u64, end.max(0) as u64);
        match bound.bases(name, start..end)? {
            Some(b) => Ok(Some(b)),
            None => Err(usage(format!(
                "the reference {} lacks contig {name}",
                bound.describe()
            ))),
        }
    }
}
