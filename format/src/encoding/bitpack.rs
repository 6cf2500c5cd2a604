//! Fixed-width bit packing, least significant bit first (spec 7.3).
//!
//! Value `i` occupies bits `i*w .. (i+1)*w` of the little-endian bit stream
//! formed by the packed bytes; the stream is `ceil(n*w/8)` bytes long and its
//! unused high bits are zero.

/// Bytes needed for `n` values of `width` bits.
pub fn packed_len(n: usize, width: u32) -> usize {
    (n as u128 * u128::from(width)).div_ceil(8) as usize
}

/// Append `values`, each below `2^width`, packed at `width` bits (0..=64).
pub fn pack_into(values: impl Iterator<Item = u64>, width: u32, out: &mut Vec<u8>) {
    debug_assert!(width <= 64);
    if width == 0 {
        return;
    }
    let mut acc: u128 = 0;
    let mut bits = 0u32;
    for value in values {
        acc |= u128::from(value) << bits;
        bits += width;
        if bits >= 64 {
            out.extend_from_slice(&(acc as u64).to_le_bytes());
            acc >>= 64;
            bits -= 64;
        }
    }
    while bits > 0 {
        out.push(acc as u8);
        acc >>= 8;
        bits = bits.saturating_sub(8);
    }
}

/// Unpack `n` values of `width` bits from `packed`, which must be exactly
/// [`packed_len`] bytes with zero padding bits. Calls `sink` for each value;
/// returns `Err(position)` of the first bad byte.
pub fn unpack_into(
    packed: &[u8],
    n: usize,
    width: u32,
    mut sink: impl FnMut(u64) -> bool,
) -> Result<(), u64> {
    if width > 64 || packed.len() != packed_len(n, width) {
        return Err(0);
    }
    if width == 0 {
        for _ in 0..n {
            if !sink(0) {
                return Err(0);
            }
        }
        return Ok(());
    }
    let mask: u128 = if width == 64 {
        u128::from(u64::MAX)
    } else {
        (1u128 << width) - 1
    };
    let mut acc: u128 = 0;
    let mut bits = 0u32;
    let mut pos = 0usize;
    for _ in 0..n {
        while bits < width {
            acc |= u128::from(packed[pos]) << bits;
            pos += 1;
            bits += 8;
        }
        if !sink((acc & mask) as u64) {
            return Err(pos as u64);
        }
        acc >>= width;
        bits -= width;
    }
    if acc != 0 {
        return Err(packed.len().saturating_sub(1) as u64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_vector() {
        // 3-bit values 1, 2, 3, 4, 5: bit stream 001 010 011 100 101 (LSB first)
        // byte 0 = 0b11_010_001 = 0xD1, byte 1 = 0b0_101_100_0 = 0x58
        let mut out = Vec::new();
        pack_into([1u64, 2, 3, 4, 5].into_iter(), 3, &mut out);
        assert_eq!(out, vec![0xD1, 0x58]);
        let mut back = Vec::new();
        unpack_into(&out, 5, 3, |v| {
            back.push(v);
            true
        })
        .unwrap();
        assert_eq!(back, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn full_width() {
        let values = [u64::MAX, 0, 1 << 63];
        let mut out = Vec::new();
        pack_into(values.iter().copied(), 64, &mut out);
        assert_eq!(out.len(), 24);
        let mut back = Vec::new();
        unpack_into(&out, 3, 64, |v| {
            back.push(v);
            true
        })
        .unwrap();
        assert_eq!(back, values);
    }

    #[test]
    fn nonzero_padding_rejected() {
        assert!(unpack_into(&[0xFF], 1, 3, |_| true).is_err());
    }
}
