//! `for-bitpack` (spec 7.3): a frame of reference (the minimum value, u64 LE
//! two's complement), a bit width (u8, 0..=64), then every value minus the
//! reference, bit-packed at that width.

pub use super::bitpack::packed_len;
use super::bitpack::{pack_into, unpack_into};
use super::integers::store;
use crate::{Error, PhysicalType, Result};

const NAME: &str = "for-bitpack";

pub(crate) fn encode(physical: PhysicalType, decoded: &[u8]) -> Vec<u8> {
    // The type is matched once per page, not per value (genotype pages
    // hold millions of values); each arm is its own monomorphic loop.
    let b = decoded;
    match physical {
        PhysicalType::U8 | PhysicalType::I8 => encode_bytes(physical, b),
        PhysicalType::U16 => encode_with(b.len() / 2, false, |i| {
            u64::from(u16::from_le_bytes([b[2 * i], b[2 * i + 1]]))
        }),
        PhysicalType::I16 => encode_with(b.len() / 2, true, |i| {
            i16::from_le_bytes([b[2 * i], b[2 * i + 1]]) as i64 as u64
        }),
        PhysicalType::U32 => encode_with(b.len() / 4, false, |i| {
            u64::from(u32::from_le_bytes(
                b[4 * i..4 * i + 4].try_into().expect("4 bytes"),
            ))
        }),
        PhysicalType::I32 => encode_with(b.len() / 4, true, |i| {
            i32::from_le_bytes(b[4 * i..4 * i + 4].try_into().expect("4 bytes")) as i64 as u64
        }),
        PhysicalType::U64 => encode_with(b.len() / 8, false, |i| {
            u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"))
        }),
        PhysicalType::I64 => encode_with(b.len() / 8, true, |i| {
            u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"))
        }),
        PhysicalType::F32 | PhysicalType::F64 | PhysicalType::Binary => {
            unreachable!("for-bitpack applies to integer types only")
        }
    }
}

/// One-byte values (genotype and phase pages): min and max over the slice,
/// then whole values packed into each byte at widths 1, 2, 4 and 8.
fn encode_bytes(physical: PhysicalType, b: &[u8]) -> Vec<u8> {
    let signed = physical == PhysicalType::I8;
    let (low, high) = if signed {
        let low = b.iter().map(|&x| x as i8).min().unwrap_or(0);
        let high = b.iter().map(|&x| x as i8).max().unwrap_or(0);
        (i64::from(low), i64::from(high))
    } else {
        let low = b.iter().copied().min().unwrap_or(0);
        let high = b.iter().copied().max().unwrap_or(0);
        (i64::from(low), i64::from(high))
    };
    let span = (high - low) as u64;
    let bit_width = 64 - span.leading_zeros();
    if !matches!(bit_width, 0 | 1 | 2 | 4 | 8) {
        return if signed {
            encode_with(b.len(), true, |i| b[i] as i8 as i64 as u64)
        } else {
            encode_with(b.len(), false, |i| u64::from(b[i]))
        };
    }
    let reference = low as u64;
    let mut out = Vec::with_capacity(9 + super::packed_len(b.len(), bit_width));
    out.extend_from_slice(&reference.to_le_bytes());
    out.push(bit_width as u8);
    if bit_width == 0 {
        return out;
    }
    let w = bit_width as usize;
    let offset = low as u8;
    for group in b.chunks(8 / w) {
        let mut byte = 0u8;
        for (k, &v) in group.iter().enumerate() {
            byte |= v.wrapping_sub(offset) << (k * w);
        }
        out.push(byte);
    }
    out
}

/// Encode `n` widened values given by `get`.
#[inline(always)]
fn encode_with(n: usize, signed: bool, get: impl Fn(usize) -> u64) -> Vec<u8> {
    let reference = if signed {
        (0..n).map(|i| get(i) as i64).min().unwrap_or(0) as u64
    } else {
        (0..n).map(&get).min().unwrap_or(0)
    };
    let max_delta = (0..n)
        .map(|i| get(i).wrapping_sub(reference))
        .max()
        .unwrap_or(0);
    let bit_width = 64 - max_delta.leading_zeros();
    let mut out = Vec::with_capacity(9 + super::packed_len(n, bit_width));
    out.extend_from_slice(&reference.to_le_bytes());
    out.push(bit_width as u8);
    if matches!(bit_width, 1 | 2 | 4 | 8) {
        // Whole values in each byte (genotypes: 1 bit biallelic, 2 bits
        // with a third allele or a missing call).
        let w = bit_width as usize;
        let per_byte = 8 / w;
        let mut i = 0;
        while i < n {
            let mut byte = 0u8;
            for k in 0..per_byte.min(n - i) {
                byte |= (get(i + k).wrapping_sub(reference) as u8) << (k * w);
            }
            out.push(byte);
            i += per_byte;
        }
    } else {
        pack_into(
            (0..n).map(|i| get(i).wrapping_sub(reference)),
            bit_width,
            &mut out,
        );
    }
    out
}

pub(crate) fn decode(physical: PhysicalType, num_values: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let width = physical.width().expect("integer type");
    if stored.len() < 9 {
        return Err(Error::MalformedPage {
            encoding: NAME,
            detail: "shorter than its 9-byte frame header",
            position: 0,
        });
    }
    let reference = u64::from_le_bytes(stored[0..8].try_into().expect("8 bytes"));
    let bit_width = u32::from(stored[8]);
    if bit_width > 64 {
        return Err(Error::MalformedPage {
            encoding: NAME,
            detail: "bit width above 64",
            position: 8,
        });
    }
    let packed = &stored[9..];
    if packed.len() != super::packed_len(num_values as usize, bit_width) {
        return Err(Error::MalformedPage {
            encoding: NAME,
            detail: "packed length does not match value count and bit width",
            position: 9,
        });
    }
    if let Some(out) = decode_bytes(physical, num_values as usize, reference, bit_width, packed)? {
        return Ok(out);
    }
    let mut out = Vec::with_capacity(num_values as usize * width);
    let mut failure = None;
    unpack_into(packed, num_values as usize, bit_width, |delta| match store(
        physical,
        reference.wrapping_add(delta),
        &mut out,
        NAME,
        9,
    ) {
        Ok(()) => true,
        Err(e) => {
            failure = Some(e);
            false
        }
    })
    .map_err(|position| {
        failure.take().unwrap_or(Error::MalformedPage {
            encoding: NAME,
            detail: "padding bits after the last value are not zero",
            position: 9 + position,
        })
    })?;
    Ok(out)
}

/// The fast path of one-byte types at widths up to 8 whose every possible
/// value fits (genotype pages): a byte at a time, without a check per
/// value. `None` when it does not apply.
fn decode_bytes(
    physical: PhysicalType,
    n: usize,
    reference: u64,
    bit_width: u32,
    packed: &[u8],
) -> Result<Option<Vec<u8>>> {
    let (low, high) = match physical {
        PhysicalType::I8 => (-128i64, 127i64),
        PhysicalType::U8 => (0, 255),
        _ => return Ok(None),
    };
    let base = reference as i64;
    if bit_width > 8 || base < low || base + (1 << bit_width) - 1 > high {
        return Ok(None);
    }
    if bit_width == 0 {
        // Every value is the reference (a page of phased calls).
        return Ok(Some(vec![base as u8; n]));
    }
    if physical == PhysicalType::U8 && reference > 255 {
        return Ok(None);
    }
    let offset = base as u8;
    let mut out = vec![0u8; n];
    let w = bit_width as usize;
    let mask = ((1u16 << w) - 1) as u8;
    if 8 % w == 0 {
        // 1, 2, 4 or 8 bits: whole values in each byte.
        let per_byte = 8 / w;
        for (k, chunk) in out.chunks_mut(per_byte).enumerate() {
            let byte = packed[k];
            for (i, slot) in chunk.iter_mut().enumerate() {
                *slot = offset.wrapping_add((byte >> (i * w)) & mask);
            }
        }
    } else {
        let mut acc = 0u32;
        let mut bits = 0usize;
        let mut pos = 0usize;
        for slot in out.iter_mut() {
            if bits < w {
                acc |= u32::from(packed[pos]) << bits;
                pos += 1;
                bits += 8;
            }
            *slot = offset.wrapping_add(acc as u8 & mask);
            acc >>= w;
            bits -= w;
        }
    }
    // Padding bits after the last value must be zero (spec 6.4).
    let used = n * w;
    if !used.is_multiple_of(8) && packed[packed.len() - 1] >> (used % 8) != 0 {
        return Err(Error::MalformedPage {
            encoding: NAME,
            detail: "padding bits after the last value are not zero",
            position: 9 + packed.len() as u64 - 1,
        });
    }
    Ok(Some(out))
}

/// A `for-bitpack` page of a one-byte type (`i8`, `u8`) kept packed (spec
/// 7.3): frame of reference, width, and the packed values, checked so that
/// every value a width can hold fits the type. Runs of it unpack without
/// decoding the page ([`PackedBytes::unpack`]); a 1-bit page counts set
/// values by popcount ([`PackedBytes::count_ones`]).
#[derive(Debug, Clone, Copy)]
pub struct PackedBytes<'a> {
    /// The frame of reference as the type's value (`i8` as its byte).
    pub offset: u8,
    /// Bit width, 0..=8.
    pub width: u32,
    /// Number of values.
    pub len: usize,
    /// The packed values (`ceil(len × width / 8)` bytes).
    pub packed: &'a [u8],
}

/// Bytewise `a + b` modulo 256 in each byte (no carry between bytes).
fn add_bytes(a: u64, b: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    ((a & !HIGH) + (b & !HIGH)) ^ ((a ^ b) & HIGH)
}

/// Byte `b` spread to eight bytes, byte `i` holding bit `i` of `b` (a
/// little-endian u64): eight 1-bit values at once.
pub fn spread1(b: u8) -> u64 {
    SPREAD1[b as usize]
}

/// Bit planes of a byte of four 2-bit values, each spread to four bytes of
/// a little-endian u32 (byte `i` for value `i`): the low bits, the high
/// bits, and whether the value is 3. Counting them over many bytes gives
/// how often each of the four values occurs.
pub fn planes2(b: u8) -> [u32; 3] {
    PLANES2[b as usize]
}

static PLANES2: [[u32; 3]; 256] = {
    let mut t = [[0u32; 3]; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 4 {
            let v = (b >> (2 * i)) & 3;
            t[b][0] |= ((v & 1) as u32) << (8 * i);
            t[b][1] |= ((v >> 1) as u32) << (8 * i);
            t[b][2] |= ((v == 3) as u32) << (8 * i);
            i += 1;
        }
        b += 1;
    }
    t
};

/// Spread table of width 1: byte `b` to eight bytes, byte `i` = bit `i`.
static SPREAD1: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut v = 0u64;
        let mut i = 0;
        while i < 8 {
            v |= (((b >> i) & 1) as u64) << (8 * i);
            i += 1;
        }
        t[b] = v;
        b += 1;
    }
    t
};

/// Spread table of width 2: byte `b` to four bytes, byte `i` = bits `2i..2i+2`.
static SPREAD2: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let mut v = 0u32;
        let mut i = 0;
        while i < 4 {
            v |= (((b >> (2 * i)) & 3) as u32) << (8 * i);
            i += 1;
        }
        t[b] = v;
        b += 1;
    }
    t
};

impl<'a> PackedBytes<'a> {
    /// View the stored bytes of a `for-bitpack` page (after zstd) of
    /// `num_values` values of `physical`; `None` when it is not a one-byte
    /// type at a width up to 8 whose values all fit (then decode the page).
    pub fn parse(physical: PhysicalType, num_values: u32, stored: &'a [u8]) -> Option<Self> {
        let (low, high) = match physical {
            PhysicalType::I8 => (-128i64, 127i64),
            PhysicalType::U8 => (0, 255),
            _ => return None,
        };
        if stored.len() < 9 {
            return None;
        }
        let reference = u64::from_le_bytes(stored[0..8].try_into().expect("8 bytes"));
        let width = u32::from(stored[8]);
        let base = match physical {
            PhysicalType::U8 if reference > 255 => return None,
            PhysicalType::U8 => reference as i64,
            _ => reference as i64,
        };
        if width > 8 || base < low || base + (1i64 << width) - 1 > high {
            return None;
        }
        let packed = &stored[9..];
        if packed.len() != super::packed_len(num_values as usize, width) {
            return None;
        }
        // Padding bits after the last value must be zero (as the full
        // decoder requires): otherwise the full decoder reports the page.
        let used = (num_values as usize * width as usize) % 8;
        if used != 0 && packed.last().is_some_and(|&b| b >> used != 0) {
            return None;
        }
        Some(PackedBytes {
            offset: base as u8,
            width,
            len: num_values as usize,
            packed,
        })
    }

    /// Write values `start .. start + out.len()` to `out`.
    pub fn unpack(&self, start: usize, out: &mut [u8]) {
        let len = out.len();
        assert!(start + len <= self.len, "run past the page");
        let w = self.width as usize;
        let offset = self.offset;
        match w {
            0 => out.fill(offset),
            8 => {
                for (o, &b) in out.iter_mut().zip(&self.packed[start..start + len]) {
                    *o = b.wrapping_add(offset);
                }
            }
            1 | 2 | 4 => {
                let per = 8 / w;
                let mask = ((1u16 << w) - 1) as u8;
                // Head up to a byte boundary, whole bytes, then the tail.
                let head = ((per - start % per) % per).min(len);
                let value = |i: usize| -> u8 {
                    let bit = i * w;
                    ((self.packed[bit >> 3] >> (bit & 7)) & mask).wrapping_add(offset)
                };
                for (k, o) in out[..head].iter_mut().enumerate() {
                    *o = value(start + k);
                }
                let body = (len - head) / per;
                let first = (start + head) / per;
                let add = u64::from_ne_bytes([offset; 8]);
                let dest = &mut out[head..head + body * per];
                let bytes = &self.packed[first..first + body];
                match w {
                    1 => {
                        for (chunk, &b) in dest.chunks_exact_mut(8).zip(bytes) {
                            let v = add_bytes(SPREAD1[b as usize], add);
                            chunk.copy_from_slice(&v.to_le_bytes());
                        }
                    }
                    2 => {
                        for (chunk, &b) in dest.chunks_exact_mut(4).zip(bytes) {
                            let v = add_bytes(u64::from(SPREAD2[b as usize]), add) as u32;
                            chunk.copy_from_slice(&v.to_le_bytes());
                        }
                    }
                    _ => {
                        for (chunk, &b) in dest.chunks_exact_mut(2).zip(bytes) {
                            chunk[0] = (b & 15).wrapping_add(offset);
                            chunk[1] = (b >> 4).wrapping_add(offset);
                        }
                    }
                }
                for (k, o) in out.iter_mut().enumerate().skip(head + body * per) {
                    *o = value(start + k);
                }
            }
            _ => {
                let mask = (1u32 << w) - 1;
                for (k, o) in out.iter_mut().enumerate() {
                    let bit = (start + k) * w;
                    let byte = bit >> 3;
                    let lo = u32::from(self.packed[byte]);
                    let hi = u32::from(*self.packed.get(byte + 1).unwrap_or(&0));
                    let v = ((lo | hi << 8) >> (bit & 7)) & mask;
                    *o = (v as u8).wrapping_add(offset);
                }
            }
        }
    }

    /// Number of packed values equal to `offset + 1` among `start .. start
    /// + len`, for a 1-bit page: a popcount of the run's bits.
    pub fn count_ones(&self, start: usize, len: usize) -> Option<u64> {
        if self.width != 1 {
            return None;
        }
        assert!(start + len <= self.len, "run past the page");
        let (mut i, end) = (start, start + len);
        let mut n = 0u64;
        while i < end && i % 64 != 0 {
            n += u64::from((self.packed[i >> 3] >> (i & 7)) & 1);
            i += 1;
        }
        while i + 64 <= end {
            let at = i >> 3;
            let word = u64::from_le_bytes(self.packed[at..at + 8].try_into().expect("8 bytes"));
            n += u64::from(word.count_ones());
            i += 64;
        }
        while i < end {
            n += u64::from((self.packed[i >> 3] >> (i & 7)) & 1);
            i += 1;
        }
        Some(n)
    }
}

#[cfg(test)]
mod packed_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any run unpacks to the values the full decoder gives, and a
        /// 1-bit run's popcount counts its values above the reference.
        #[test]
        fn runs_unpack_as_the_page_decodes(
            values in prop::collection::vec(-3i8..=5, 0..700),
            shift in -120i8..=120,
            signed in any::<bool>(),
            cut in any::<(usize, usize)>(),
        ) {
            let values: Vec<i8> = values.iter().map(|v| v.saturating_add(shift)).collect();
            let (physical, bytes): (PhysicalType, Vec<u8>) = if signed {
                (PhysicalType::I8, values.iter().map(|&v| v as u8).collect())
            } else {
                (PhysicalType::U8, values.iter().map(|&v| v.unsigned_abs()).collect())
            };
            let stored = encode(physical, &bytes);
            let decoded = decode(physical, bytes.len() as u32, &stored).unwrap();
            prop_assert_eq!(&decoded, &bytes);
            // A width whose range passes the type's (119..=127 at 4 bits)
            // is left to the full decoder.
            let Some(packed) = PackedBytes::parse(physical, bytes.len() as u32, &stored) else {
                let high = if signed { 127 } else { 255 };
                prop_assert!(
                    i64::from(stored[8]) > 0
                        && stored[0] as i8 as i64 + (1i64 << stored[8]) - 1 > high
                        || !signed && stored[0] as i64 + (1i64 << stored[8]) - 1 > high
                );
                return Ok(());
            };
            let start = if bytes.is_empty() { 0 } else { cut.0 % bytes.len() };
            let len = (bytes.len() - start).min(cut.1 % 300);
            let mut out = vec![0u8; len];
            packed.unpack(start, &mut out);
            prop_assert_eq!(&out[..], &bytes[start..start + len]);
            if let Some(n) = packed.count_ones(start, len) {
                let above = bytes[start..start + len].iter().filter(|&&b| b != packed.offset).count();
                prop_assert_eq!(n, above as u64);
            }
        }
    }

    #[test]
    fn every_width_unpacks_long_runs() {
        for width in 0..=8u32 {
            let n = 1000usize;
            let max = if width == 0 { 0 } else { (1u32 << width) - 1 };
            let bytes: Vec<u8> = (0..n)
                .map(|i| ((i as u32 * 7 + 3) % (max + 1)) as u8)
                .collect();
            let stored = encode(PhysicalType::U8, &bytes);
            let packed = PackedBytes::parse(PhysicalType::U8, n as u32, &stored).unwrap();
            for start in [0, 1, 3, 7, 8, 13, 64, 65] {
                let mut out = vec![0u8; n - start];
                packed.unpack(start, &mut out);
                assert_eq!(out, bytes[start..], "width {width} start {start}");
            }
        }
    }
}
