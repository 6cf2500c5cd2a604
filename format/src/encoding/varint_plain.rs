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
    let width = physical.width().expect("integer type");
    if num_values as usize > stored.len() {
        return Err(Error::MalformedPage {
            encoding: NAME,
            detail: "fewer bytes than values",
            position: stored.len() as u64,
        });
    }
    let mut out = Vec::with_capacity(num_values as usize * width);
    let mut pos = 0usize;
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
        let value = if physical.is_signed() {
            unzigzag(code) as u64
        } else {
            code
        };
        store(physical, value, &mut out, NAME, start as u64)?;
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
