//! `delta-varint` (spec 7.2): for each value, the zigzag LEB128 varint of its
//! wrapping 64-bit difference from the previous value (the first from 0).

use super::integers::{load, store};
use crate::varint::{read_u64, unzigzag, write_u64, zigzag, VarintError};
use crate::{Error, PhysicalType, Result};

const NAME: &str = "delta-varint";

pub(crate) fn encode(physical: PhysicalType, decoded: &[u8]) -> Vec<u8> {
    let width = physical.width().expect("integer type");
    let n = decoded.len() / width;
    let mut out = Vec::with_capacity(n + n / 4);
    let mut previous = 0u64;
    for i in 0..n {
        let value = load(physical, decoded, i);
        write_u64(&mut out, zigzag(value.wrapping_sub(previous) as i64));
        previous = value;
    }
    out
}

pub(crate) fn decode(physical: PhysicalType, num_values: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let width = physical.width().expect("integer type");
    // Each value takes at least one byte, so a page cannot claim more values than bytes.
    if num_values as usize > stored.len() {
        return Err(Error::MalformedPage {
            encoding: NAME,
            detail: "fewer bytes than values",
            position: stored.len() as u64,
        });
    }
    let mut out = Vec::with_capacity(num_values as usize * width);
    let mut pos = 0usize;
    let mut previous = 0u64;
    for _ in 0..num_values {
        let start = pos;
        let code = read_u64(stored, &mut pos).map_err(|e| Error::MalformedPage {
            encoding: NAME,
            detail: match e {
                VarintError::Truncated => "page ends inside a varint",
                VarintError::Overflow => "varint longer than 64 bits",
            },
            position: start as u64,
        })?;
        let value = previous.wrapping_add(unzigzag(code) as u64);
        store(physical, value, &mut out, NAME, start as u64)?;
        previous = value;
    }
    if pos != stored.len() {
        return Err(Error::MalformedPage {
            encoding: NAME,
            detail: "bytes left after the last value",
            position: pos as u64,
        });
    }
    Ok(out)
}
