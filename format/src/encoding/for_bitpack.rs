//! `for-bitpack` (spec 7.3): a frame of reference (the minimum value, u64 LE
//! two's complement), a bit width (u8, 0..=64), then every value minus the
//! reference, bit-packed at that width.

use super::bitpack::{pack_into, unpack_into};
use super::integers::{less, load, store};
use crate::{Error, PhysicalType, Result};

const NAME: &str = "for-bitpack";

pub(crate) fn encode(physical: PhysicalType, decoded: &[u8]) -> Vec<u8> {
    let width = physical.width().expect("integer type");
    let n = decoded.len() / width;
    let mut reference = 0u64;
    for i in 0..n {
        let value = load(physical, decoded, i);
        if i == 0 || less(physical, value, reference) {
            reference = value;
        }
    }
    let max_delta = (0..n)
        .map(|i| load(physical, decoded, i).wrapping_sub(reference))
        .max()
        .unwrap_or(0);
    let bit_width = 64 - max_delta.leading_zeros();
    let mut out = Vec::with_capacity(9 + super::packed_len(n, bit_width));
    out.extend_from_slice(&reference.to_le_bytes());
    out.push(bit_width as u8);
    pack_into(
        (0..n).map(|i| load(physical, decoded, i).wrapping_sub(reference)),
        bit_width,
        &mut out,
    );
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
