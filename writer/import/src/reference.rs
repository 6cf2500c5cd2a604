//! Reference sequences for variant import (spec 14.7): the bases REF
//! alleles are checked against and, when the reference is a dataset of the
//! same file, coded against.
//!
//! A reference is a FASTA file (plain, gzip or BGZF) or a `.gcol` file with
//! a `sequences` dataset. Contigs are loaded one at a time, upper case, in
//! the order the variants ask for them: a FASTA is read forward (variants
//! and reference usually list contigs in one order), and read again from
//! the start only when a contig lies behind the current position. Memory
//! is one contig (250 MB for human chr1).

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

use crate::input::{open_input_with, Input};
use gcol_writer::{Error, Result};

/// A contig the variants used: name, length and MD5 of its upper-case
/// bases (as SAM's `@SQ M5` and VCF's `##contig=<...,md5=...>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContigDigest {
    /// Contig name.
    pub name: String,
    /// Length in bases.
    pub length: u64,
    /// MD5 (lower-case hex) of the upper-case bases.
    pub md5: String,
}

enum Source {
    Fasta {
        input: Option<Input>,
        /// A header line read but not yet used (the next record's).
        pending: Option<Vec<u8>>,
        /// Every record name, once a full pass has seen them all.
        names: Option<HashSet<Vec<u8>>>,
        /// Names seen in the current pass.
        seen: HashSet<Vec<u8>>,
    },
    Gcol(Vec<gcol_reader::sequences::Sequences>),
}

/// Bytes of contigs a [`Reference`] may keep loaded for unsorted input
/// ([`Reference::keep_bytes`]): a whole human genome (3.1 Gb), so that the
/// FASTA is read once, not once per switch between contigs.
pub const CACHE_BYTES: usize = 4 << 30;

/// Reference bases, contig by contig.
pub struct Reference {
    path: PathBuf,
    source: Source,
    /// Contigs loaded (name, bases or `None` when absent), least recently
    /// used first, within [`CACHE_BYTES`] (the newest is always kept).
    cache: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Bytes of older contigs kept besides the newest (0: one contig).
    keep: usize,
    /// Contigs loaded, in order of first use.
    pub used: Vec<ContigDigest>,
}

impl std::fmt::Debug for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reference")
            .field("path", &self.path)
            .finish()
    }
}

fn source_error(path: &Path, detail: String) -> Error {
    Error::Source {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, detail),
    }
}

impl Reference {
    /// Open a FASTA or `.gcol` reference (told apart by content).
    pub fn open(path: &Path) -> Result<Reference> {
        let mut head = [0u8; 8];
        let read = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .map_err(|source| Error::Source {
                path: path.to_path_buf(),
                source,
            })?;
        let source = if read == 8 && head == gcol_format::MAGIC {
            let reader = gcol_reader::Reader::open(path)
                .map_err(|e| source_error(path, format!("cannot open as a reference: {e}")))?;
            let sets = reader
                .sequence_datasets()
                .iter()
                .map(|name| reader.sequences(name))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| source_error(path, e.to_string()))?;
            if sets.is_empty() {
                return Err(source_error(
                    path,
                    "holds no sequences dataset to use as the reference".into(),
                ));
            }
            Source::Gcol(sets)
        } else {
            Source::Fasta {
                input: None,
                pending: None,
                names: None,
                seen: HashSet::new(),
            }
        };
        Ok(Reference {
            path: path.to_path_buf(),
            source,
            cache: Vec::new(),
            keep: 0,
            used: Vec::new(),
        })
    }

    /// Keep up to `bytes` of contigs loaded (the newest always): for
    /// input that switches between contigs. Sorted input needs one.
    pub fn keep_bytes(&mut self, bytes: usize) {
        self.keep = bytes;
    }

    /// The path given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Upper-case bases of contig `name`, `None` when the reference lacks it.
    pub fn contig(&mut self, name: &[u8]) -> Result<Option<&[u8]>> {
        if let Some(i) = self.cache.iter().position(|c| c.0 == name) {
            let hit = self.cache.remove(i);
            self.cache.push(hit);
        } else {
            let bases = match &mut self.source {
                Source::Gcol(sets) => load_gcol(&self.path, sets, name)?,
                Source::Fasta {
                    input,
                    pending,
                    names,
                    seen,
                } => load_fasta(&self.path, input, pending, names, seen, name)?,
            };
            if let Some(b) = &bases {
                let name_text = String::from_utf8_lossy(name).into_owned();
                if !self.used.iter().any(|u| u.name == name_text) {
                    let md5: String = Md5::digest(b).iter().map(|x| format!("{x:02x}")).collect();
                    self.used.push(ContigDigest {
                        name: name_text,
                        length: b.len() as u64,
                        md5,
                    });
                }
            }
            self.cache.push((name.to_vec(), bases));
            // Keep contigs while they fit: unsorted records (or a region
            // query per record) would otherwise read the FASTA again for
            // every switch between contigs.
            let mut total: usize = self
                .cache
                .iter()
                .filter_map(|c| c.1.as_ref())
                .map(Vec::len)
                .sum();
            while total > self.keep && self.cache.len() > 1 {
                let old = self.cache.remove(0);
                total -= old.1.map_or(0, |b| b.len());
            }
        }
        Ok(self.cache.last().and_then(|c| c.1.as_deref()))
    }
}

fn load_gcol(
    path: &Path,
    sets: &[gcol_reader::sequences::Sequences],
    name: &[u8],
) -> Result<Option<Vec<u8>>> {
    let name = String::from_utf8_lossy(name);
    let found = gcol_reader::sequences::find_record(sets, &name)
        .map_err(|e| source_error(path, e.to_string()))?;
    let Some((d, record)) = found else {
        return Ok(None);
    };
    let set = &sets[d];
    let length = set
        .length(record)
        .map_err(|e| source_error(path, e.to_string()))?;
    let mut out = Vec::with_capacity(length as usize);
    set.fetch_record_upper_into(record, 0..length, &mut out)
        .map_err(|e| source_error(path, e.to_string()))?;
    Ok(Some(out))
}

/// The record name of a FASTA header line: up to the first blank.
fn header_name(line: &[u8]) -> &[u8] {
    let text = line[1..].strip_suffix(b"\n").unwrap_or(&line[1..]);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    // Blanks after `>` are skipped, as the FASTA importer does (12.2).
    let skip = text
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let text = &text[skip..];
    let end = text
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(text.len());
    &text[..end]
}

fn load_fasta(
    path: &Path,
    input: &mut Option<Input>,
    pending: &mut Option<Vec<u8>>,
    names: &mut Option<HashSet<Vec<u8>>>,
    seen: &mut HashSet<Vec<u8>>,
    name: &[u8],
) -> Result<Option<Vec<u8>>> {
    if names.as_ref().is_some_and(|n| !n.contains(name)) {
        return Ok(None);
    }
    let io = |source| Error::Source {
        path: path.to_path_buf(),
        source,
    };
    // At most two passes: from where the last contig ended to the end,
    // then from the start.
    for pass in 0..2 {
        if input.is_none() {
            *input = Some(open_input_with(path, false)?);
            *pending = None;
            seen.clear();
        }
        let reader = &mut input.as_mut().expect("opened").reader;
        let mut line = Vec::new();
        loop {
            let header = match pending.take() {
                Some(h) => h,
                None => {
                    line.clear();
                    if reader.read_until(b'\n', &mut line).map_err(io)? == 0 {
                        break;
                    }
                    if line.first() != Some(&b'>') {
                        if line.iter().all(u8::is_ascii_whitespace) {
                            continue;
                        }
                        if seen.is_empty() {
                            return Err(source_error(
                                path,
                                "is not FASTA (no `>` header line first); give a FASTA or .gcol reference".into(),
                            ));
                        }
                        continue;
                    }
                    std::mem::take(&mut line)
                }
            };
            let this = header_name(&header).to_vec();
            // The first record of a name is the one readers find (a
            // repeated name, kept with lenient names, is skipped).
            let wanted = this == name && !seen.contains(&this);
            seen.insert(this);
            let mut bases = Vec::new();
            loop {
                line.clear();
                if reader.read_until(b'\n', &mut line).map_err(io)? == 0 {
                    break;
                }
                if line.first() == Some(&b'>') {
                    *pending = Some(std::mem::take(&mut line));
                    break;
                }
                if wanted {
                    bases.extend(
                        line.iter()
                            .filter(|b| !b.is_ascii_whitespace())
                            .map(u8::to_ascii_uppercase),
                    );
                }
            }
            if wanted {
                return Ok(Some(bases));
            }
        }
        // End of the file: the input was read from its start, so every
        // name has been seen.
        *names = Some(std::mem::take(seen));
        *input = None;
        if names.as_ref().is_some_and(|n| !n.contains(name)) || pass == 1 {
            return Ok(None);
        }
    }
    Ok(None)
}

/// A FASTA reference for reading alignments coded against one (spec
/// 15.10), through the same contig loader conversion uses (one contig in
/// memory at a time).
#[derive(Debug)]
struct FastaBases {
    reference: std::sync::Mutex<Reference>,
}

fn read_error(e: Error) -> gcol_reader::Error {
    gcol_reader::Error::Usage {
        detail: e.to_string(),
    }
}

impl gcol_reader::alignments::ReferenceBases for FastaBases {
    fn bases(
        &self,
        name: &str,
        range: std::ops::Range<u64>,
    ) -> gcol_reader::Result<Option<Vec<u8>>> {
        let mut r = self.reference.lock().expect("poisoned");
        Ok(r.contig(name.as_bytes()).map_err(read_error)?.map(|b| {
            let len = b.len() as u64;
            b[range.start.min(len) as usize..range.end.min(len) as usize].to_vec()
        }))
    }

    fn length(&self, name: &str) -> gcol_reader::Result<Option<u64>> {
        let mut r = self.reference.lock().expect("poisoned");
        Ok(r.contig(name.as_bytes())
            .map_err(read_error)?
            .map(|b| b.len() as u64))
    }

    fn describe(&self) -> String {
        self.reference
            .lock()
            .expect("poisoned")
            .path()
            .display()
            .to_string()
    }
}

/// Open a reference for reading alignments coded against one (spec
/// 15.10): a `.gcol` file's `sequences` datasets (random access), or a
/// FASTA file (plain, gzip or BGZF; read a contig at a time).
pub fn open_reference_bases(
    path: &Path,
) -> Result<std::sync::Arc<dyn gcol_reader::alignments::ReferenceBases>> {
    let reference = Reference::open(path)?;
    if let Source::Gcol(sets) = reference.source {
        return Ok(std::sync::Arc::new(
            gcol_reader::alignments::SequencesReference::new(sets, path.display().to_string()),
        ));
    }
    let mut reference = reference;
    // Region queries may switch contigs: keep some loaded.
    reference.keep_bytes(1 << 30);
    Ok(std::sync::Arc::new(FastaBases {
        reference: std::sync::Mutex::new(reference),
    }))
}
