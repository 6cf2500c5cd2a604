//! Decoded page layouts (spec 6.1): fixed-width little-endian values, and
//! for `binary` columns `n + 1` u32 offsets followed by the value bytes.

use crate::{Error, Result};

/// A borrowed view of a decoded `binary` page.
#[derive(Debug, Clone, Copy)]
pub struct BinaryView<'a> {
    offsets: &'a [u8],
    data: &'a [u8],
    len: usize,
}

impl<'a> BinaryView<'a> {
    /// View `bytes` as a binary page of `num_values` values, checking the
    /// offsets (first 0, non-decreasing, last = data length).
    pub fn new(bytes: &'a [u8], num_values: usize) -> Result<BinaryView<'a>> {
        let malformed = |detail, position| Error::MalformedPage {
            encoding: "binary layout",
            detail,
            position,
        };
        let offsets_len = num_values
            .checked_add(1)
            .and_then(|n| n.checked_mul(4))
            .filter(|&n| n <= bytes.len())
            .ok_or(malformed("offsets run past the end of the page", 0))?;
        let (offsets, data) = bytes.split_at(offsets_len);
        let view = BinaryView {
            offsets,
            data,
            len: num_values,
        };
        let mut previous = 0u32;
        for i in 0..=num_values {
            let offset = view.raw_offset(i);
            if (i == 0 && offset != 0) || offset < previous {
                return Err(malformed(
                    "offsets must start at 0 and never decrease",
                    4 * i as u64,
                ));
            }
            previous = offset;
        }
        if previous as usize != data.len() {
            return Err(malformed(
                "last offset must equal the number of value bytes",
                4 * num_values as u64,
            ));
        }
        Ok(view)
    }

    #[inline]
    fn raw_offset(&self, i: usize) -> u32 {
        u32::from_le_bytes(self.offsets[4 * i..4 * i + 4].try_into().expect("4 bytes"))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the page holds no values.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Value `i`; panics when `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        assert!(
            i < self.len,
            "index {i} out of range for {} values",
            self.len
        );
        &self.data[self.raw_offset(i) as usize..self.raw_offset(i + 1) as usize]
    }

    /// Iterate the values in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len).map(move |i| self.get(i))
    }

    /// The value bytes, all values concatenated.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

/// Builds a decoded `binary` page layout.
#[derive(Debug, Clone, Default)]
pub struct BinaryBuilder {
    offsets: Vec<u32>,
    data: Vec<u8>,
}

impl BinaryBuilder {
    /// Empty builder.
    pub fn new() -> BinaryBuilder {
        BinaryBuilder {
            offsets: vec![0],
            data: Vec::new(),
        }
    }

    /// Append one value. Panics if the page would exceed 4 GiB of value bytes
    /// (callers keep pages far below [`crate::MAX_PAGE_BYTES`]).
    pub fn push(&mut self, value: &[u8]) {
        self.data.extend_from_slice(value);
        let end = u32::try_from(self.data.len()).expect("binary page over 4 GiB");
        self.offsets.push(end);
    }

    /// Values so far.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when no value was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Length of the decoded layout in bytes.
    pub fn layout_len(&self) -> usize {
        4 * self.offsets.len() + self.data.len()
    }

    /// Write the decoded layout into `out` (cleared first) and reset the builder.
    pub fn finish_into(&mut self, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(self.layout_len());
        for offset in &self.offsets {
            out.extend_from_slice(&offset.to_le_bytes());
        }
        out.extend_from_slice(&self.data);
        self.offsets.clear();
        self.offsets.push(0);
        self.data.clear();
    }
}
