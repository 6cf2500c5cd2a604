//! Unsigned LEB128 varints and zigzag mapping (spec 6.3).
//!
//! Written here rather than taken from a crate because the decoder must
//! enforce the spec's rules exactly (at most 10 bytes, no overlong final
//! byte, no bits beyond 64) and report the byte position of a violation.

/// Append `value` as unsigned LEB128 (1 to 10 bytes).
#[inline]
pub fn write_u64(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Why a varint failed to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarintError {
    /// Input ended inside a varint.
    Truncated,
    /// More than 10 bytes, or the 10th byte carries bits above bit 63.
    Overflow,
}

/// Read one unsigned LEB128 varint from `bytes[*pos..]`, advancing `pos`.
#[inline]
pub fn read_u64(bytes: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    let mut value = 0u64;
    let mut shift = 0u32;
    loop {
        let Some(&byte) = bytes.get(*pos) else {
            return Err(VarintError::Truncated);
        };
        *pos += 1;
        if shift == 63 && byte > 1 {
            return Err(VarintError::Overflow);
        }
        value |= u64::from(byte & 0x7F) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
        shift += 7;
        if shift > 63 {
            return Err(VarintError::Overflow);
        }
    }
}

/// Zigzag-map a signed 64-bit value so small magnitudes become small codes.
#[inline]
pub fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Inverse of [`zigzag`].
#[inline]
pub fn unzigzag(code: u64) -> i64 {
    ((code >> 1) as i64) ^ -((code & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        let cases: &[(u64, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (300, &[0xAC, 0x02]),
            (
                u64::MAX,
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            ),
        ];
        for &(value, bytes) in cases {
            let mut out = Vec::new();
            write_u64(&mut out, value);
            assert_eq!(out, bytes);
            let mut pos = 0;
            assert_eq!(read_u64(bytes, &mut pos), Ok(value));
            assert_eq!(pos, bytes.len());
        }
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(i64::MIN), u64::MAX);
        assert_eq!(unzigzag(u64::MAX), i64::MIN);
    }

    #[test]
    fn rejects_bad() {
        let mut pos = 0;
        assert_eq!(read_u64(&[0x80], &mut pos), Err(VarintError::Truncated));
        let mut pos = 0;
        let eleven = [0xFF; 11];
        assert_eq!(read_u64(&eleven, &mut pos), Err(VarintError::Overflow));
        let mut pos = 0;
        let high = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02];
        assert_eq!(read_u64(&high, &mut pos), Err(VarintError::Overflow));
    }
}
