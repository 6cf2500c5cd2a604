//! `lengths` (spec 7.7, format 1.2), for binary columns: each value's byte
//! length as a varint (spec 6.3), then the values' bytes back to back.
//! The binary layout's u32 end offsets (6.1) become one or two bytes per
//! value that zstd then shares across values (FASTA definition lines of
//! A. thaliana proteins, 1 MiB pages at zstd 9: 137 KiB plain, about 100
//! KiB as lengths).

use crate::values::BinaryView;
use crate::varint::{read_u64, write_u64, VarintError};
use crate::{Error, Result};

const NAME: &str = "lengths";

pub(crate) fn encode(decoded: &[u8], num_values: usize) -> Result<Vec<u8>> {
    let view = BinaryView::new(decoded, num_values)?;
    let mut out = Vec::with_capacity(decoded.len() - 3 * num_values);
    for value in view.iter() {
        write_u64(&mut out, value.len() as u64);
    }
    for value in view.iter() {
        out.extend_from_slice(value);
    }
    Ok(out)
}

/// Decode `num_values` lengths and the bytes after them into the binary
/// layout of `values_len` bytes (the entry's decoded length, which bounds
/// every allocation).
pub(crate) fn decode(num_values: u32, values_len: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let malformed = |detail, position: usize| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: position as u64,
    };
    let n = num_values as usize;
    // Each length takes at least one byte; the layout needs 4 (n + 1).
    if n > stored.len() {
        return Err(malformed("fewer bytes than values", stored.len()));
    }
    let offsets_len = 4 * (n + 1);
    if offsets_len > values_len as usize {
        return Err(Error::DecodedLengthMismatch {
            expected: offsets_len as u64,
            actual: u64::from(values_len),
        });
    }
    let mut out = Vec::with_capacity(values_len as usize);
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut pos = 0usize;
    let mut end = 0u64;
    let data_room = values_len as u64 - offsets_len as u64;
    for _ in 0..n {
        let start = pos;
        let length = read_u64(stored, &mut pos).map_err(|e| {
            malformed(
                match e {
                    VarintError::Truncated => "page ends inside a length",
                    VarintError::Overflow => "length longer than 64 bits",
                },
                start,
            )
        })?;
        end = end
            .checked_add(length)
            .filter(|&e| e <= data_room)
            .ok_or_else(|| malformed("lengths add up to more than the decoded length", start))?;
        out.extend_from_slice(&(end as u32).to_le_bytes());
    }
    let bytes = &stored[pos..];
    if bytes.len() as u64 != end {
        return Err(malformed(
            if (bytes.len() as u64) < end {
                "page ends before the values' bytes do"
            } else {
                "bytes left after the last value"
            },
            pos + (end.min(bytes.len() as u64)) as usize,
        ));
    }
    out.extend_from_slice(bytes);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(values: &[&[u8]]) -> Vec<u8> {
        let mut out = vec![0u8; 4];
        let mut end = 0u32;
        for v in values {
            end += v.len() as u32;
            out.extend_from_slice(&end.to_le_bytes());
        }
        for v in values {
            out.extend_from_slice(v);
        }
        out
    }

    #[test]
    fn spec_example_round_trips() {
        // spec 7.7: "chr1", "", "chrX_random".
        let decoded = layout(&[b"chr1", b"", b"chrX_random"]);
        let stored = encode(&decoded, 3).unwrap();
        assert_eq!(stored, b"\x04\x00\x0bchr1chrX_random");
        assert_eq!(decode(3, decoded.len() as u32, &stored).unwrap(), decoded);
    }

    #[test]
    fn malformed_pages_are_refused() {
        let decoded = layout(&[b"ab", b"c"]);
        let len = decoded.len() as u32;
        for bad in [
            &b"\x02\x01abcd"[..],
            b"\x02\x01ab",
            b"\x02",
            b"\x80",
            b"\x05\x01abc",
        ] {
            assert!(decode(2, len, bad).is_err(), "{bad:?}");
        }
        assert!(
            decode(2, 8, b"\x02\x01abc").is_err(),
            "decoded length too small"
        );
        assert_eq!(decode(2, len, b"\x02\x01abc").unwrap(), decoded);
    }
}
