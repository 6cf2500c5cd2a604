//! Portable scalar kernels: the twins the SIMD kernels are tested against,
//! and the baselines of the benchmarks.

use crate::sequence::COMPLEMENT;

/// Four ASCII bases for every byte value, first base from the high bits.
static QUAD_DNA: [[u8; 4]; 256] = quads(*b"ACGT");
static QUAD_RNA: [[u8; 4]; 256] = quads(*b"ACGU");

const fn quads(symbols: [u8; 4]) -> [[u8; 4]; 256] {
    let mut t = [[0u8; 4]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [
            symbols[(i >> 6) & 3],
            symbols[(i >> 4) & 3],
            symbols[(i >> 2) & 3],
            symbols[i & 3],
        ];
        i += 1;
    }
    t
}

/// Decode `n` bases from base `first` of `packed` with a 256-entry table.
pub fn decode_2bit(packed: &[u8], first: usize, n: usize, rna: bool, out: &mut Vec<u8>) {
    let table = if rna { &QUAD_RNA } else { &QUAD_DNA };
    let symbols = if rna { b"ACGU" } else { b"ACGT" };
    out.reserve(n);
    let mut i = first;
    let end = first + n;
    while i < end && !i.is_multiple_of(4) {
        out.push(symbols[((packed[i / 4] >> (6 - 2 * (i % 4))) & 3) as usize]);
        i += 1;
    }
    let whole_end = end - end % 4;
    if i < whole_end {
        for &byte in &packed[i / 4..whole_end / 4] {
            out.extend_from_slice(&table[byte as usize]);
        }
        i = whole_end;
    }
    while i < end {
        out.push(symbols[((packed[i / 4] >> (6 - 2 * (i % 4))) & 3) as usize]);
        i += 1;
    }
}

/// Pack whole groups of four symbols of `alphabet` (the symbols of codes
/// 0..4) into 2-bit bytes, first base in the high bits, until a group holds
/// another byte; returns the number of bases packed.
pub fn pack_2bit(seq: &[u8], alphabet: &[u8; 4], out: &mut Vec<u8>) -> usize {
    let mut done = 0;
    for group in seq.chunks_exact(4) {
        let mut byte = 0u8;
        for &b in group {
            let Some(code) = alphabet.iter().position(|&s| s == b) else {
                return done;
            };
            byte = byte << 2 | code as u8;
        }
        out.push(byte);
        done += 4;
    }
    done
}

/// One bit per byte (set for `a..=0x7F`), 64 bytes per word.
pub fn lower_case_bitmap(seq: &[u8], out: &mut Vec<u64>) {
    for chunk in seq.chunks(64) {
        let mut bits = 0u64;
        for (k, &b) in chunk.iter().enumerate() {
            bits |= u64::from((b'a'..0x80).contains(&b)) << k;
        }
        out.push(bits);
    }
}

/// Count A, C, G, T codes one base at a time.
pub fn count_2bit(packed: &[u8], first: usize, n: usize) -> [u64; 4] {
    let mut counts = [0u64; 4];
    for i in first..first + n {
        counts[((packed[i / 4] >> (6 - 2 * (i % 4))) & 3) as usize] += 1;
    }
    counts
}

/// Count A, C, G, T codes of whole bytes with 64-bit popcounts (portable).
pub fn count_words(bytes: &[u8]) -> [u64; 4] {
    let mut counts = [0u64; 4];
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        add_word(
            &mut counts,
            u64::from_le_bytes(chunk.try_into().expect("8 bytes")),
            32,
        );
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        add_word(&mut counts, u64::from_le_bytes(word), rest.len() as u64 * 4);
    }
    counts
}

/// Add the code counts of one word holding `bases` bases (the rest zero bytes).
#[inline(always)]
pub(crate) fn add_word(counts: &mut [u64; 4], word: u64, bases: u64) {
    const LOW: u64 = 0x5555_5555_5555_5555;
    let lo = word & LOW;
    let hi = (word >> 1) & LOW;
    let c = u64::from((!hi & lo & LOW).count_ones());
    let g = u64::from((hi & !lo & LOW).count_ones());
    let t = u64::from((hi & lo).count_ones());
    counts[1] += c;
    counts[2] += g;
    counts[3] += t;
    counts[0] += bases - c - g - t;
}

/// Reverse-complement with a byte-at-a-time 256-entry table.
pub fn reverse_complement(seq: &mut [u8]) {
    seq.reverse();
    for b in seq.iter_mut() {
        *b = COMPLEMENT[*b as usize];
    }
}

/// Every exact occurrence of `pattern`, by comparing at every offset.
pub fn find_motif(haystack: &[u8], pattern: &[u8]) -> Vec<usize> {
    if pattern.is_empty() || pattern.len() > haystack.len() {
        return Vec::new();
    }
    (0..=haystack.len() - pattern.len())
        .filter(|&i| &haystack[i..i + pattern.len()] == pattern)
        .collect()
}
