//! Validity (null) sections of pages that hold missing values (spec 6.5).
//!
//! A page whose directory entry sets [`crate::directory::FLAG_VALIDITY`]
//! starts, before its values, with a validity section:
//!
//! | offset | size | type | field |
//! |---|---|---|---|
//! | 0 | 4 | u32 | null count, `1 ..= n` |
//! | 4 | `ceil(n / 8)`, absent in a page of nulls | bytes | bitmap, bit `i` set when value `i` is present (LSB first, as Arrow) |
//! | .. | to a multiple of 8 | zero | padding |
//!
//! When every value is null the section is 8 bytes and no values follow,
//! except in list columns (`keep_values`), whose null rows keep their end
//! offsets. Otherwise the page's `n` values follow in their layout, null
//! slots holding zero (or the empty byte string, or a list's previous end).

use crate::{Error, Result};

/// Bytes of a bitmap of `num_values` bits.
pub fn bitmap_len(num_values: usize) -> usize {
    num_values.div_ceil(8)
}

/// Whether a page of `num_values` values, `null_count` of them null,
/// stores a bitmap and its values: always, unless every value is null in a
/// column that omits them (`keep_values` false: every column but lists).
pub fn has_bitmap(num_values: usize, null_count: usize, keep_values: bool) -> bool {
    null_count < num_values || keep_values
}

/// Length in bytes of a validity section for `num_values` values, with or
/// without its bitmap (spec 6.5).
pub fn section_len(num_values: usize, with_bitmap: bool) -> usize {
    let bitmap = if with_bitmap {
        bitmap_len(num_values)
    } else {
        0
    };
    (4 + bitmap).div_ceil(8) * 8
}

/// Number of clear (null) bits among the first `num_values` bits of `bitmap`.
pub fn count_nulls(bitmap: &[u8], num_values: usize) -> usize {
    let full = num_values / 8;
    let mut present: usize = bitmap[..full].iter().map(|b| b.count_ones() as usize).sum();
    let rest = num_values % 8;
    if rest > 0 {
        present += (bitmap[full] & ((1u8 << rest) - 1)).count_ones() as usize;
    }
    num_values - present
}

/// Whether bit `i` of `bitmap` is set (value `i` present).
#[inline]
pub fn is_set(bitmap: &[u8], i: usize) -> bool {
    bitmap[i / 8] >> (i % 8) & 1 == 1
}

/// Set bit `i` of `bitmap`.
#[inline]
pub fn set(bitmap: &mut [u8], i: usize) {
    bitmap[i / 8] |= 1 << (i % 8);
}

/// Append the validity section for `num_values` values whose presence
/// bits are `bitmap` (at least `ceil(n/8)` bytes; bits past `n` ignored).
/// Returns the null count. Callers write no section when it is 0.
pub fn write_section(
    bitmap: &[u8],
    num_values: usize,
    keep_values: bool,
    out: &mut Vec<u8>,
) -> usize {
    let nulls = count_nulls(bitmap, num_values);
    let start = out.len();
    out.extend_from_slice(&(nulls as u32).to_le_bytes());
    let with_bitmap = has_bitmap(num_values, nulls, keep_values);
    if with_bitmap {
        let len = bitmap_len(num_values);
        out.extend_from_slice(&bitmap[..len]);
        let rest = num_values % 8;
        if rest > 0 {
            // spec 6.4/6.5: unused bits of the last byte are zero.
            *out.last_mut().expect("bitmap byte") &= (1u8 << rest) - 1;
        }
    }
    out.resize(start + section_len(num_values, with_bitmap), 0);
    nulls
}

/// A parsed validity section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity<'a> {
    /// Number of null values, `1 ..= n`.
    pub null_count: u32,
    /// Presence bitmap (`ceil(n/8)` bytes), absent in a page of nulls that
    /// stores no values.
    pub bitmap: Option<&'a [u8]>,
    /// Length of the section in bytes; the values start here.
    pub len: usize,
}

impl Validity<'_> {
    /// Whether value `i` is present.
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.bitmap.is_some_and(|b| is_set(b, i))
    }

    /// Whether the page stores no values (a page of nulls, spec 6.5).
    pub fn values_omitted(&self) -> bool {
        self.bitmap.is_none()
    }
}

fn malformed(detail: &'static str, position: usize) -> Error {
    Error::MalformedPage {
        encoding: "validity section",
        detail,
        position: position as u64,
    }
}

/// Parse and check the validity section at the start of `bytes` for a page
/// of `num_values` values (spec 6.5): null count in `1..=n`, bitmap bits
/// agreeing with it, unused bits and padding zero. `keep_values` (list
/// columns) requires the bitmap even when every value is null.
pub fn parse_section(bytes: &[u8], num_values: usize, keep_values: bool) -> Result<Validity<'_>> {
    let count = bytes
        .get(..4)
        .ok_or(malformed("page too short for its null count", 0))?;
    let null_count = u32::from_le_bytes(count.try_into().expect("4 bytes"));
    if null_count == 0 || null_count as usize > num_values {
        return Err(malformed(
            "null count must be between 1 and the number of values",
            0,
        ));
    }
    let with_bitmap = has_bitmap(num_values, null_count as usize, keep_values);
    let len = section_len(num_values, with_bitmap);
    let section = bytes
        .get(..len)
        .ok_or(malformed("page too short for its validity section", 4))?;
    let (bitmap, padding_from) = if with_bitmap {
        let end = 4 + bitmap_len(num_values);
        let bitmap = &section[4..end];
        let rest = num_values % 8;
        if rest > 0 && bitmap[bitmap.len() - 1] >> rest != 0 {
            return Err(malformed("unused bitmap bits are not zero", end - 1));
        }
        if count_nulls(bitmap, num_values) != null_count as usize {
            return Err(malformed("bitmap disagrees with the null count", 4));
        }
        (Some(bitmap), end)
    } else {
        (None, 4)
    };
    if let Some(p) = section[padding_from..].iter().position(|&b| b != 0) {
        return Err(malformed(
            "validity section padding is not zero",
            padding_from + p,
        ));
    }
    Ok(Validity {
        null_count,
        bitmap,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_by_hand() {
        // 10 values, values 1 and 8 null: bits 1111_1101, 0000_0010.
        let mut out = Vec::new();
        let nulls = write_section(&[0b1111_1101, 0b0000_0010], 10, false, &mut out);
        assert_eq!(nulls, 2);
        assert_eq!(out, [2, 0, 0, 0, 0xFD, 0x02, 0, 0]);
        let v = parse_section(&out, 10, false).unwrap();
        assert_eq!((v.null_count, v.len), (2, 8));
        assert!(v.is_valid(0) && !v.is_valid(1) && !v.is_valid(8) && v.is_valid(9));
        // All null: 8 bytes, no bitmap.
        let mut out = Vec::new();
        assert_eq!(write_section(&[0; 2], 10, false, &mut out), 10);
        assert_eq!(out, [10, 0, 0, 0, 0, 0, 0, 0]);
        assert!(parse_section(&out, 10, false).unwrap().values_omitted());
        // A list column keeps the (all-zero) bitmap.
        let mut out = Vec::new();
        assert_eq!(write_section(&[0; 2], 10, true, &mut out), 10);
        assert_eq!(out, [10, 0, 0, 0, 0, 0, 0, 0]);
        assert!(!parse_section(&out, 10, true).unwrap().values_omitted());
        // 40 values: 4 + 5 bytes round up to 16.
        assert_eq!(section_len(40, true), 16);
    }

    #[test]
    fn bad_sections() {
        assert!(parse_section(&[0, 0, 0, 0, 0xFF, 0x03, 0, 0], 10, false).is_err()); // no nulls
        assert!(parse_section(&[2, 0, 0, 0, 0xFD, 0x06, 0, 0], 10, false).is_err()); // unused bit
        assert!(parse_section(&[1, 0, 0, 0, 0xFD, 0x02, 0, 0], 10, false).is_err()); // count
        assert!(parse_section(&[2, 0, 0, 0, 0xFD, 0x02, 0, 1], 10, false).is_err()); // padding
        assert!(parse_section(&[11, 0, 0, 0, 0, 0, 0, 0], 10, false).is_err()); // too many
        assert!(parse_section(&[2, 0, 0], 10, false).is_err()); // short
    }
}
