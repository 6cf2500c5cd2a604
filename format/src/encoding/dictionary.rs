//! `dictionary` (spec 7.4), for binary columns: the number of distinct values
//! (u32 LE), the distinct values in the binary layout, an index bit width
//! (u8, 0..=32), then one bit-packed index per value.

use std::collections::HashMap;

use super::bitpack::{pack_into, unpack_into};
use crate::values::BinaryView;
use crate::{Error, Result};

const NAME: &str = "dictionary";

pub(crate) fn encode(decoded: &[u8], num_values: usize) -> Result<Vec<u8>> {
    let view = BinaryView::new(decoded, num_values)?;
    let mut lookup: HashMap<&[u8], u32> = HashMap::new();
    let mut distinct: Vec<&[u8]> = Vec::new();
    let mut indices = Vec::with_capacity(num_values);
    for value in view.iter() {
        let next = distinct.len() as u32;
        let index = *lookup.entry(value).or_insert_with(|| {
            distinct.push(value);
            next
        });
        indices.push(u64::from(index));
    }
    let bit_width = if distinct.len() <= 1 {
        0
    } else {
        32 - (distinct.len() as u32 - 1).leading_zeros()
    };
    let mut out = Vec::new();
    out.extend_from_slice(&(distinct.len() as u32).to_le_bytes());
    let mut end = 0u32;
    out.extend_from_slice(&0u32.to_le_bytes());
    for value in &distinct {
        end += value.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    for value in &distinct {
        out.extend_from_slice(value);
    }
    out.push(bit_width as u8);
    pack_into(indices.into_iter(), bit_width, &mut out);
    Ok(out)
}

pub(crate) fn decode(num_values: u32, decoded_len: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let malformed = |detail, position: usize| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: position as u64,
    };
    let count = stored
        .get(0..4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
        .ok_or(malformed("shorter than its 4-byte count", 0))?;
    let offsets_len = (count + 1) * 4;
    let rest = &stored[4..];
    let last_offset_at = offsets_len - 4;
    let data_len = rest
        .get(last_offset_at..offsets_len)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
        .ok_or(malformed(
            "dictionary offsets run past the end of the page",
            4,
        ))?;
    let dict_len = offsets_len
        .checked_add(data_len)
        .filter(|&n| n < rest.len())
        .ok_or(malformed(
            "dictionary runs past the end of the page",
            4 + last_offset_at,
        ))?;
    let dictionary = BinaryView::new(&rest[..dict_len], count)?;
    let bit_width = u32::from(rest[dict_len]);
    if bit_width > 32 {
        return Err(malformed("index bit width above 32", 4 + dict_len));
    }
    let packed = &rest[dict_len + 1..];
    let cap = decoded_len as usize;
    let n = num_values as usize;
    let mut offsets = Vec::with_capacity(4 * (n + 1));
    // Reserve by what the input can plausibly expand to; growth past that is
    // still bounded by `cap` below.
    let mut data = Vec::with_capacity(
        cap.saturating_sub(4 * (n + 1))
            .min(16 * stored.len() + 4096),
    );
    offsets.extend_from_slice(&0u32.to_le_bytes());
    let mut problem = None;
    unpack_into(packed, n, bit_width, |index| {
        let Some(value) = (index < count as u64).then(|| dictionary.get(index as usize)) else {
            problem = Some("index beyond the dictionary");
            return false;
        };
        // The directory's decoded length bounds the output: a small page cannot expand without limit.
        if offsets.len() + data.len() + value.len() + 4 > cap {
            problem = Some("values exceed the decoded length in the directory");
            return false;
        }
        data.extend_from_slice(value);
        offsets.extend_from_slice(&(data.len() as u32).to_le_bytes());
        true
    })
    .map_err(|position| {
        malformed(
            problem.unwrap_or("packed indices do not match value count and bit width"),
            5 + dict_len + position as usize,
        )
    })?;
    offsets.extend_from_slice(&data);
    Ok(offsets)
}
