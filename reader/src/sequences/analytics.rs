//! Analyses over residues: base counts and GC (popcount over 2-bit
//! pages), motif search on both strands, k-mer counts, and batches of
//! regions fetched in parallel.

use std::ops::Range;

use gcol_format::sequence as seq;
use rayon::prelude::*;

use super::{Alphabet, Region, Sequences};
use crate::Result;

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
