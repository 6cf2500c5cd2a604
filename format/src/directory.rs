//! Page directory entries: 48 fixed-width little-endian bytes each (spec 2.4).
//!
//! | offset | size | type | field |
//! |---|---|---|---|
//! | 0 | 8 | u64 | page offset (absolute, multiple of 64) |
//! | 8 | 8 | u64 | first row: index of the page's first value in its column |
//! | 16 | 4 | u32 | stored length in bytes |
//! | 20 | 4 | u32 | decoded length in bytes |
//! | 24 | 4 | u32 | number of values |
//! | 28 | 4 | u32 | CRC32C of the stored bytes |
//! | 32 | 4 | u32 | column id |
//! | 36 | 2 | u16 | encoding id |
//! | 38 | 2 | u16 | flags: bit 0 = validity section (1.1), others zero |
//! | 40 | 8 | u64 | reserved, zero |
//!
//! Fields are byte arrays so that a slice of the file can be viewed as
//! `&[DirEntry]` with `bytemuck` at any alignment and on any host.

use bytemuck::{Pod, Zeroable};

use crate::{crc, Error, FilePart, Result};

/// Size of one directory entry in bytes.
pub const DIR_ENTRY_LEN: usize = 48;

/// Entries per checksummed directory block (spec 2.4).
pub const ENTRIES_PER_BLOCK: u32 = 1024;

/// Entry flag bit 0 (format 1.1): the page's layout starts with a validity
/// section (spec 6.5). Only pages of nullable columns may set it.
pub const FLAG_VALIDITY: u16 = 0x0001;

/// Every entry flag bit this version knows (spec 2.4, 9).
pub const KNOWN_FLAGS: u16 = FLAG_VALIDITY;

/// One page directory entry, viewable in place.
#[derive(Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct DirEntry {
    offset: [u8; 8],
    first_row: [u8; 8],
    stored_len: [u8; 4],
    decoded_len: [u8; 4],
    num_values: [u8; 4],
    crc32c: [u8; 4],
    column_id: [u8; 4],
    encoding: [u8; 2],
    flags: [u8; 2],
    reserved: [u8; 8],
}

const _: () = assert!(std::mem::size_of::<DirEntry>() == DIR_ENTRY_LEN);

/// The fields of a [`DirEntry`], as native integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageInfo {
    /// Absolute file offset of the stored bytes.
    pub offset: u64,
    /// Index of the page's first value within its column.
    pub first_row: u64,
    /// Stored bytes in the file.
    pub stored_len: u32,
    /// Bytes after decoding.
    pub decoded_len: u32,
    /// Number of values in the page.
    pub num_values: u32,
    /// CRC32C of the stored bytes.
    pub crc32c: u32,
    /// Column the page belongs to.
    pub column_id: u32,
    /// Encoding id (spec 7).
    pub encoding: u16,
    /// Flags (spec 2.4): [`FLAG_VALIDITY`] or 0.
    pub flags: u16,
}

impl DirEntry {
    /// Build an entry from native fields.
    pub fn new(info: &PageInfo) -> DirEntry {
        DirEntry {
            offset: info.offset.to_le_bytes(),
            first_row: info.first_row.to_le_bytes(),
            stored_len: info.stored_len.to_le_bytes(),
            decoded_len: info.decoded_len.to_le_bytes(),
            num_values: info.num_values.to_le_bytes(),
            crc32c: info.crc32c.to_le_bytes(),
            column_id: info.column_id.to_le_bytes(),
            encoding: info.encoding.to_le_bytes(),
            flags: info.flags.to_le_bytes(),
            reserved: [0; 8],
        }
    }

    /// Read the fields.
    #[inline]
    pub fn info(&self) -> PageInfo {
        PageInfo {
            offset: u64::from_le_bytes(self.offset),
            first_row: u64::from_le_bytes(self.first_row),
            stored_len: u32::from_le_bytes(self.stored_len),
            decoded_len: u32::from_le_bytes(self.decoded_len),
            num_values: u32::from_le_bytes(self.num_values),
            crc32c: u32::from_le_bytes(self.crc32c),
            column_id: u32::from_le_bytes(self.column_id),
            encoding: u16::from_le_bytes(self.encoding),
            flags: u16::from_le_bytes(self.flags),
        }
    }

    /// Flags field (spec 2.4: bit 0 validity, others zero).
    pub fn flags(&self) -> u16 {
        u16::from_le_bytes(self.flags)
    }

    /// Reserved field (must be 0 in v1).
    pub fn reserved(&self) -> u64 {
        u64::from_le_bytes(self.reserved)
    }
}

impl std::fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.info().fmt(f)
    }
}

/// What is wrong with a directory entry (spec 2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryProblem {
    /// A field breaks a rule: its name as in the spec, what the rule
    /// needs, what was found.
    Invalid {
        /// Field name.
        field: &'static str,
        /// What the spec requires.
        expected: String,
        /// What was found.
        found: String,
    },
    /// Flag bits a newer minor version defines (spec 9): unsupported, not
    /// corrupt.
    Unsupported {
        /// The flags found.
        flags: u16,
    },
}

/// Check entry `page` against spec 2.4's rules that need no other entry:
/// flags (known, and the validity bit only in a nullable column), reserved
/// zero, lengths within the page limit, the page inside `64 ..
/// directory_offset` on a multiple of 64, and the column id naming the
/// column whose page range holds `page`. `minor` is the file's minor
/// version; `column` looks a column up by id.
pub fn check_entry<'m>(
    entry: &DirEntry,
    page: u64,
    directory_offset: u64,
    minor: u16,
    column: impl Fn(u32) -> Option<&'m crate::manifest::Column>,
) -> std::result::Result<PageInfo, EntryProblem> {
    use crate::{MAX_PAGE_BYTES, PAGE_ALIGNMENT};
    let info = entry.info();
    let bad = |field: &'static str, expected: String, found: String| {
        Err(EntryProblem::Invalid {
            field,
            expected,
            found,
        })
    };
    let flags = entry.flags();
    if flags & !KNOWN_FLAGS != 0 {
        if minor > crate::MINOR_VERSION {
            return Err(EntryProblem::Unsupported { flags });
        }
        return bad(
            "flags",
            format!("a combination of {KNOWN_FLAGS:#06x}"),
            format!("{flags:#06x}"),
        );
    }
    if entry.reserved() != 0 {
        return bad("reserved", "0".into(), entry.reserved().to_string());
    }
    if info.stored_len > MAX_PAGE_BYTES {
        return bad(
            "stored length",
            format!("at most {MAX_PAGE_BYTES}"),
            info.stored_len.to_string(),
        );
    }
    if info.decoded_len > MAX_PAGE_BYTES {
        return bad(
            "decoded length",
            format!("at most {MAX_PAGE_BYTES}"),
            info.decoded_len.to_string(),
        );
    }
    let header = crate::header::HEADER_LEN as u64;
    let end = info.offset.checked_add(u64::from(info.stored_len));
    if info.offset < header || end.is_none_or(|e| e > directory_offset) {
        return bad(
            "page offset",
            format!("a page inside {header}..{directory_offset}"),
            format!("{}+{}", info.offset, info.stored_len),
        );
    }
    if !info.offset.is_multiple_of(PAGE_ALIGNMENT) {
        return bad(
            "page offset",
            format!("a multiple of {PAGE_ALIGNMENT}"),
            info.offset.to_string(),
        );
    }
    let Some(owner) = column(info.column_id) else {
        return bad(
            "column id",
            "the id of a column".into(),
            info.column_id.to_string(),
        );
    };
    if page < owner.first_page || page >= owner.first_page + owner.num_pages {
        return bad(
            "column id",
            "the column whose page range holds this entry".into(),
            info.column_id.to_string(),
        );
    }
    if flags & FLAG_VALIDITY != 0 && !owner.nullable {
        return bad(
            "flags",
            "no validity bit: the column is not nullable".into(),
            format!("{flags:#06x}"),
        );
    }
    Ok(info)
}

/// View a byte slice of whole entries as entries, without copying.
pub fn view(bytes: &[u8]) -> &[DirEntry] {
    // Entries have alignment 1, so the cast only fails on a partial entry.
    bytemuck::cast_slice(&bytes[..bytes.len() / DIR_ENTRY_LEN * DIR_ENTRY_LEN])
}

/// Check one directory block against its CRC32C.
///
/// `offset` is the absolute offset of the block, for the error.
pub fn check_block(block: u64, bytes: &[u8], offset: u64, expected: u32) -> Result<()> {
    let actual = crc::crc32c(bytes);
    if actual != expected {
        return Err(Error::ChecksumMismatch {
            part: FilePart::DirectoryBlock(block),
            offset,
            expected,
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let info = PageInfo {
            offset: 0x0102_0304_0506_0708,
            first_row: 9,
            stored_len: 10,
            decoded_len: 11,
            num_values: 12,
            crc32c: 0xAABB_CCDD,
            column_id: 13,
            encoding: 0x0101,
            flags: 1,
        };
        let entry = DirEntry::new(&info);
        let bytes = bytemuck::bytes_of(&entry);
        assert_eq!(&bytes[0..8], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(bytes[8], 9);
        assert_eq!(bytes[16], 10);
        assert_eq!(bytes[20], 11);
        assert_eq!(bytes[24], 12);
        assert_eq!(&bytes[28..32], &[0xDD, 0xCC, 0xBB, 0xAA]);
        assert_eq!(bytes[32], 13);
        assert_eq!(&bytes[36..38], &[1, 1]);
        assert_eq!(&bytes[38..40], &[1, 0]);
        assert_eq!(view(bytes)[0].info(), info);
    }
}
