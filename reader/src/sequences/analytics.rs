//! Analyses over residues: base counts and GC (popcount over 2-bit
//! pages), motif search on both strands, k-mer counts, and batches of
//! regions fetched in parallel.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use gcol_format::sequence as seq;
use rayon::prelude::*;

use super::{Alphabet, Region, Sequences};
use crate::{Error, Result};

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

/// Call `f` with the 2-bit code of every k-mer of `seq` (A/C/G/T, either
/// RNA or DNA; k-mers spanning another symbol are skipped), or with
/// `canonical` the smaller of it and its reverse complement.
fn for_each_kmer(seq: &[u8], k: usize, canonical: bool, mut f: impl FnMut(u64)) {
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
            f(if canonical { fwd.min(rev) } else { fwd });
        }
    }
}

/// Distinct k-mers and their counts, sorted by code: 12 bytes per
/// distinct k-mer ([`Sequences::kmer_table`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KmerTable {
    /// 2-bit codes, first base in the highest bits (A=0 C=1 G=2 T=3), ascending.
    pub codes: Vec<u64>,
    /// Occurrences of each code (saturating at `u32::MAX`).
    pub counts: Vec<u32>,
}

impl KmerTable {
    /// Sorted codes with repeats into distinct codes and counts.
    fn from_sorted(codes: &[u64]) -> KmerTable {
        let mut table = KmerTable::default();
        for &code in codes {
            match table.codes.last() {
                Some(&last) if last == code => {
                    let n = table.counts.last_mut().expect("paired");
                    *n = n.saturating_add(1);
                }
                _ => {
                    table.codes.push(code);
                    table.counts.push(1);
                }
            }
        }
        table
    }

    /// Merge two tables (linear in their sizes).
    fn merge(a: KmerTable, b: KmerTable) -> KmerTable {
        if a.codes.is_empty() {
            return b;
        }
        if b.codes.is_empty() {
            return a;
        }
        let mut out = KmerTable {
            codes: Vec::with_capacity(a.codes.len() + b.codes.len()),
            counts: Vec::with_capacity(a.codes.len() + b.codes.len()),
        };
        let (mut i, mut j) = (0, 0);
        while i < a.codes.len() && j < b.codes.len() {
            match a.codes[i].cmp(&b.codes[j]) {
                std::cmp::Ordering::Less => {
                    out.codes.push(a.codes[i]);
                    out.counts.push(a.counts[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.codes.push(b.codes[j]);
                    out.counts.push(b.counts[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.codes.push(a.codes[i]);
                    out.counts.push(a.counts[i].saturating_add(b.counts[j]));
                    i += 1;
                    j += 1;
                }
            }
        }
        out.codes.extend_from_slice(&a.codes[i..]);
        out.counts.extend_from_slice(&a.counts[i..]);
        out.codes.extend_from_slice(&b.codes[j..]);
        out.counts.extend_from_slice(&b.counts[j..]);
        out
    }
}

/// A k-mer key of [`Sequences::kmer_counts`] as text.
pub fn kmer_text(key: u64, k: usize) -> String {
    (0..k)
        .map(|i| b"ACGT"[((key >> (2 * (k - 1 - i))) & 3) as usize] as char)
        .collect()
}

impl Sequences {
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
        let forward = self.check_pattern(pattern)?;
        let mut reverse = forward.clone();
        gcol_format::kernels::reverse_complement(&mut reverse);
        let degenerate =
            self.alphabet == Alphabet::Nucleotide && forward.iter().any(|b| !b"ACGTU".contains(b));
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
            let find = |needle: &[u8]| -> Vec<usize> {
                if degenerate {
                    find_degenerate(&buf, needle)
                } else {
                    gcol_format::kernels::find_motif(&buf, needle)
                }
            };
            for p in find(&forward) {
                hits.push(MotifHit {
                    position: start + p as u64,
                    reverse: false,
                });
            }
            if search_reverse {
                for p in find(&reverse) {
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

    /// The pattern of a motif search, upper-cased, or why it cannot be one:
    /// empty; for nucleotides a symbol other than A C G T U and the IUPAC
    /// codes R Y K M S W B D H V N; for proteins anything but letters and `*`.
    pub fn check_pattern(&self, pattern: &[u8]) -> Result<Vec<u8>> {
        let bad = |detail: String| Error::BadPattern {
            pattern: String::from_utf8_lossy(pattern).into_owned(),
            detail,
        };
        if pattern.is_empty() {
            return Err(bad("it is empty".into()));
        }
        let upper = pattern.to_ascii_uppercase();
        let allowed: &dyn Fn(u8) -> bool = match self.alphabet {
            Alphabet::Nucleotide => &|b: u8| iupac_bases(b) != 0,
            Alphabet::Protein => &|b: u8| b.is_ascii_uppercase() || b == b'*',
        };
        if let Some(&b) = upper.iter().find(|&&b| !allowed(b)) {
            return Err(bad(match self.alphabet {
                Alphabet::Nucleotide => format!(
                    "{:?} is not a nucleotide or IUPAC code (A C G T U R Y K M S W B D H V N)",
                    b as char
                ),
                Alphabet::Protein => format!("{:?} is not a residue letter", b as char),
            }));
        }
        Ok(upper)
    }

    /// Every distinct k-mer (1 <= k <= 32) of `region` (or of every record)
    /// with its count, sorted by code, k-mers seen fewer than `min_count`
    /// times left out. Chunks of 1 Mb are sorted in parallel into runs of
    /// distinct codes and counts, which are merged pairwise: memory is 12
    /// bytes per distinct k-mer (twice that while the last merge runs), not
    /// a hash map entry per k-mer.
    pub fn kmer_table(
        &self,
        k: usize,
        canonical: bool,
        region: Option<&Region>,
        min_count: u32,
    ) -> Result<KmerTable> {
        self.kmer_table_cancellable(k, canonical, region, min_count, &AtomicBool::new(false))
    }

    /// [`Sequences::kmer_table`], stopping with [`Error::Interrupted`]
    /// once `cancel` is set (checked before each 1 Mb run).
    pub fn kmer_table_cancellable(
        &self,
        k: usize,
        canonical: bool,
        region: Option<&Region>,
        min_count: u32,
        cancel: &AtomicBool,
    ) -> Result<KmerTable> {
        if !(1..=32).contains(&k) {
            return Err(Error::BadPattern {
                pattern: format!("k = {k}"),
                detail: "k must be between 1 and 32".into(),
            });
        }
        let spans: Vec<(usize, Range<u64>)> = match region {
            Some(r) => {
                self.stream_range(r.record, &r.interval.as_range())?;
                vec![(r.record, r.interval.as_range())]
            }
            None => {
                let lengths = self.records()?.length.clone();
                lengths
                    .iter()
                    .enumerate()
                    .map(|(i, &n)| (i, 0..n))
                    .collect()
            }
        };
        const CHUNK: u64 = 1 << 20;
        let mut jobs = Vec::new();
        for (record, span) in spans {
            let mut start = span.start;
            while start + k as u64 <= span.end {
                let end = (start + CHUNK + k as u64 - 1).min(span.end);
                jobs.push((record, start..end));
                start += CHUNK;
            }
        }
        let table = jobs
            .par_iter()
            .map(|(record, range)| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                let mut buf = Vec::new();
                self.fetch_record_upper_into(*record, range.clone(), &mut buf)?;
                let mut codes = Vec::with_capacity(buf.len());
                for_each_kmer(&buf, k, canonical, |code| codes.push(code));
                codes.sort_unstable();
                Ok::<_, Error>(KmerTable::from_sorted(&codes))
            })
            .try_reduce(KmerTable::default, |a, b| Ok(KmerTable::merge(a, b)))?;
        if min_count <= 1 {
            return Ok(table);
        }
        let mut kept = KmerTable::default();
        for (code, n) in table.codes.into_iter().zip(table.counts) {
            if n >= min_count {
                kept.codes.push(code);
                kept.counts.push(n);
            }
        }
        Ok(kept)
    }

    /// Counts of every k-mer (1 <= k <= 32) of A/C/G/T over all records
    /// as a map: [`Sequences::kmer_table`] (which holds them in 12 bytes
    /// per distinct k-mer) keyed by 2-bit code.
    pub fn kmer_counts(&self, k: usize, canonical: bool) -> Result<KmerCounts> {
        let table = self.kmer_table(k, canonical, None, 1)?;
        Ok(table
            .codes
            .into_iter()
            .zip(table.counts)
            .map(|(code, n)| (code, u64::from(n)))
            .collect())
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
                self.for_each_ambiguity_run(&(start..end), |from, to, symbol| {
                    let n = (to - from) as u64;
                    counts[0] -= n;
                    match symbol {
                        b'N' => counts[4] += n,
                        // A minority T in RNA or U in DNA is still that base.
                        b'T' | b'U' => counts[3] += n,
                        _ => counts[5] += n,
                    }
                })?;
            }
        }
        Ok(counts)
    }
}

/// The bases an upper-case nucleotide symbol stands for, as bits A=1 C=2
/// G=4 T(U)=8; 0 for anything else (IUPAC).
fn iupac_bases(symbol: u8) -> u8 {
    match symbol {
        b'A' => 1,
        b'C' => 2,
        b'G' => 4,
        b'T' | b'U' => 8,
        b'R' => 1 | 4,
        b'Y' => 2 | 8,
        b'K' => 4 | 8,
        b'M' => 1 | 2,
        b'S' => 2 | 4,
        b'W' => 1 | 8,
        b'B' => 2 | 4 | 8,
        b'D' => 1 | 4 | 8,
        b'H' => 1 | 2 | 8,
        b'V' => 1 | 2 | 4,
        b'N' => 1 | 2 | 4 | 8,
        _ => 0,
    }
}

/// Start positions in `text` where every symbol stands for bases within
/// the pattern's code at that place (`N` in the pattern matches anything
/// but a gap; an `N` in the sequence only an `N` in the pattern).
fn find_degenerate(text: &[u8], pattern: &[u8]) -> Vec<usize> {
    let codes: Vec<u8> = pattern.iter().map(|&b| iupac_bases(b)).collect();
    if text.len() < codes.len() {
        return Vec::new();
    }
    (0..=text.len() - codes.len())
        .filter(|&i| {
            codes.iter().enumerate().all(|(j, &code)| {
                let bases = iupac_bases(text[i + j]);
                bases != 0 && bases & !code == 0
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_motifs() {
        assert_eq!(find_degenerate(b"GAATTCGATTC", b"GANTTC"), vec![0]);
        assert_eq!(find_degenerate(b"GAATTCGATTC", b"GRWTTC"), vec![0]);
        assert_eq!(find_degenerate(b"ACGTN", b"N"), vec![0, 1, 2, 3, 4]);
        assert_eq!(find_degenerate(b"ANA", b"AAA"), Vec::<usize>::new());
        assert_eq!(find_degenerate(b"A-A", b"ANA"), Vec::<usize>::new());
        assert_eq!(find_degenerate(b"ACGU", b"ACGT"), vec![0]);
    }
}
