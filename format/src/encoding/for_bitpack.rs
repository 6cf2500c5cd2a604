//! `for-bitpack` (spec 7.3): a frame of reference (the minimum value, u64 LE
//! two's complement), a bit width (u8, 0..=64), then every value minus the
//! reference, bit-packed at that width.

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
