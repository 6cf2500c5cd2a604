//! `delta-varint` (spec 7.2): for each value, the zigzag LEB128 varint of its
//! wrapping 64-bit difference from the previous value (the first from 0).

use super::integers::load;
use crate::varint::{unzigzag, write_u64, zigzag};
use crate::{PhysicalType, Result};

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
    let mut previous = 0u64;
    super::varint_plain::decode_varints(NAME, physical, num_values, stored, |code| {
        previous = previous.wrapping_add(unzigzag(code) as u64);
        previous
    })
}
