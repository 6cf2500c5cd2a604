//! `varint` (spec 7.6): each value as an unsigned LEB128 varint (spec 6.3);
//! signed types are zigzag-mapped first. Suits small unsorted values such as
//! run lengths.

use super::integers::{load, store};
use crate::varint::{read_u64, unzigzag, write_u64, zigzag, VarintError};
use crate::{Error, PhysicalType, Result};

const NAME: &str = "varint";

pub(crate) fn encode(physical: PhysicalType, decoded: &[u8]) -> Vec<u8> {
    let width = physical.width().expect("integer type");
    let n = decoded.len() / width;
    let mut out = Vec::with_capacity(n + n / 4);
    for i in 0..n {
        let value = load(physical, decoded, i);
        let code = if physical.is_signed() {
            zigzag(value as i64)
        } else {
            value
        };
        write_u64(&mut out, code);
    }
    out
}

pub(crate) fn decode(physical: PhysicalType, num_values: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let signed = physical.is_signed();
    decode_varints(NAME, physical, num_values, stored, |code| {
        if signed {
            unzigzag(code) as u64
        } else {
            code
        }
    })
}

/// Read exactly `num_values` varints (spec 6.3) filling all of `stored`,
/// map each code to a widened value with `value`, and narrow it (spec 6.2).
/// Shared by `varint` and `delta-varint`.
pub(crate) fn decode_varints(
    encoding: &'static str,
    physical: PhysicalType,
    num_values: u32,
    stored: &[u8],
    mut value: impl FnMut(u64) -> u64,
) -> Result<Vec<u8>> {
    let width = physical.width().expect("integer type");
    // Each value takes at least one byte, so a page cannot claim more values than bytes.
    if num_values as usize > stored.len() {
        return Err(Error::MalformedPage {
            encoding,
            detail: "fewer bytes than values",
            position: stored.len() as u64,
        });
    }
    let mut out = Vec::with_capacity(num_values as usize * width);
    let mut pos = 0usize;
    for _ in 0..num_values {
        let start = pos;
        let code = read_u64(stored, &mut pos).map_err(|e| Error::MalformedPage {
            encoding,
            detail: match e {
                VarintError::Truncated => "page ends inside a varint",
                VarintError::Overflow => "varint longer than 64 bits",
            },
            position: start as u64,
        })?;
        store(physical, value(code), &mut out, encoding, start as u64)?;
    }
    if pos != stored.len() {
        return Err(Error::MalformedPage {
            encoding,
            detail: "bytes left after the last value",
            position: pos as u64,
        });
    }
    Ok(out)
}
