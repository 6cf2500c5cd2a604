//! The 2-bit nucleotide code of `sequences` and `reads` datasets (spec
//! 12.3), and the scalar sequence kernels that SIMD kernels are tested
//! against. Names and flags are in [`crate::schema::sequences`].
//!
//! Bases are packed four to a byte, first base in the two most significant
//! bits, with A=0, C=1, G=2, T(U)=3, so the complement of a code `c` is
//! `3 - c`. Positions that are not A, C, G or T hold code 0 and are
//! described by ambiguity runs; lower-case positions by mask runs.

// Kind, column names, metadata keys and record flags live in
// `crate::schema::sequences`; this module keeps the 2-bit code itself.

/// Invalid-code marker in [`CODE`].
pub const NOT_ACGT: u8 = 0xFF;

/// 2-bit code of an ASCII byte: A/a=0, C/c=1, G/g=2, T/t/U/u=3, else [`NOT_ACGT`].
pub static CODE: [u8; 256] = {
    let mut t = [NOT_ACGT; 256];
    t[b'A' as usize] = 0;
    t[b'a' as usize] = 0;
    t[b'C' as usize] = 1;
    t[b'c' as usize] = 1;
    t[b'G' as usize] = 2;
    t[b'g' as usize] = 2;
    t[b'T' as usize] = 3;
    t[b't' as usize] = 3;
    t[b'U' as usize] = 3;
    t[b'u' as usize] = 3;
    t
};

/// Upper-case symbols allowed in nucleotide records besides A C G T U:
/// IUPAC ambiguity codes and `-` (gap).
pub const AMBIGUITY_SYMBOLS: &[u8] = b"NRYKMSWBDHV-";

/// Whether an ASCII byte is a valid nucleotide symbol (either case).
pub fn is_nucleotide_symbol(b: u8) -> bool {
    CODE[b as usize] != NOT_ACGT || AMBIGUITY_SYMBOLS.contains(&b.to_ascii_uppercase())
}

/// Whether an ASCII byte is a valid protein (or other alphabet) residue:
/// letters, `*` (stop), `-` and `.` (gaps).
pub fn is_protein_symbol(b: u8) -> bool {
    b.is_ascii_alphabetic() || matches!(b, b'*' | b'-' | b'.')
}

/// Complement of an ASCII nucleotide symbol, IUPAC-aware, case-preserving.
pub static COMPLEMENT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as u8;
        i += 1;
    }
    let pairs: [(u8, u8); 10] = [
        (b'A', b'T'),
        (b'C', b'G'),
        (b'R', b'Y'),
        (b'K', b'M'),
        (b'B', b'V'),
        (b'D', b'H'),
        (b'S', b'S'),
        (b'W', b'W'),
        (b'N', b'N'),
        (b'U', b'A'),
    ];
    let mut p = 0;
    while p < pairs.len() {
        let (a, b) = pairs[p];
        t[a as usize] = b;
        t[(a + 32) as usize] = b + 32;
        if a != b'U' {
            t[b as usize] = a;
            t[(b + 32) as usize] = a + 32;
        }
        p += 1;
    }
    t
};

pub use crate::kernels::{count_2bit, decode_2bit, reverse_complement};

/// Bit packer for the base stream: appends 2-bit codes, first base in the
/// high bits of each byte.
#[derive(Debug, Default, Clone)]
pub struct Packer {
    /// Completed bytes.
    pub bytes: Vec<u8>,
    current: u8,
    filled: u8,
    /// Bases pushed so far.
    pub bases: u64,
}

impl Packer {
    /// Append one code (0..4).
    #[inline]
    pub fn push(&mut self, code: u8) {
        self.current = (self.current << 2) | code;
        self.filled += 1;
        self.bases += 1;
        if self.filled == 4 {
            self.bytes.push(self.current);
            self.current = 0;
            self.filled = 0;
        }
    }

    /// True when the next base starts a new byte.
    #[inline]
    pub fn is_aligned(&self) -> bool {
        self.filled == 0
    }

    /// Append `n` codes 0 (the placeholder under ambiguity runs).
    pub fn push_zeros(&mut self, n: usize) {
        let mut n = n;
        while n > 0 && !self.is_aligned() {
            self.push(0);
            n -= 1;
        }
        self.bytes.resize(self.bytes.len() + n / 4, 0);
        self.bases += (n / 4 * 4) as u64;
        for _ in 0..n % 4 {
            self.push(0);
        }
    }

    /// Flush a partial last byte (low bits zero).
    pub fn finish(&mut self) {
        if self.filled > 0 {
            self.bytes.push(self.current << (2 * (4 - self.filled)));
            self.current = 0;
            self.filled = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_zeros_equals_pushing_zeros() {
        for head in 0..6 {
            for n in 0..13 {
                let (mut a, mut b) = (Packer::default(), Packer::default());
                for p in [&mut a, &mut b] {
                    for _ in 0..head {
                        p.push(3);
                    }
                }
                a.push_zeros(n);
                for _ in 0..n {
                    b.push(0);
                }
                a.push(1);
                b.push(1);
                a.finish();
                b.finish();
                assert_eq!((a.bytes, a.bases), (b.bytes, b.bases), "head {head} n {n}");
            }
        }
    }

    #[test]
    fn pack_and_decode() {
        let seq = b"ACGTTGCAAC";
        let mut p = Packer::default();
        for &b in seq {
            p.push(CODE[b as usize]);
        }
        p.finish();
        // ACGT = 00 01 10 11 = 0x1B, TGCA = 11 10 01 00 = 0xE4, AC = 00 01 -> 0x10
        assert_eq!(p.bytes, vec![0x1B, 0xE4, 0x10]);
        for first in 0..seq.len() {
            for n in 0..=seq.len() - first {
                let mut out = Vec::new();
                decode_2bit(&p.bytes, first, n, false, &mut out);
                assert_eq!(&out, &seq[first..first + n]);
            }
        }
        let mut out = Vec::new();
        decode_2bit(&p.bytes, 0, 4, true, &mut out);
        assert_eq!(&out, b"ACGU");
        assert_eq!(count_2bit(&p.bytes, 0, 10), [3, 3, 2, 2]);
    }

    #[test]
    fn complement_table() {
        let mut s = b"ACGTNRYKMBDHVSWacgtn-".to_vec();
        reverse_complement(&mut s);
        assert_eq!(&s, b"-nacgtWSBDHVKMRYNACGT");
        let mut u = b"ACGU".to_vec();
        reverse_complement(&mut u);
        assert_eq!(&u, b"ACGT");
    }
}
