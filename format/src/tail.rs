//! The fixed 32-byte tail at the end of every file (spec 2.6).
//!
//! | offset | size | type | field |
//! |---|---|---|---|
//! | 0 | 8 | u64 | footer offset (absolute) |
//! | 8 | 8 | u64 | footer length in bytes |
//! | 16 | 4 | u32 | CRC32C of the footer |
//! | 20 | 2 | u16 | major version |
//! | 22 | 2 | u16 | minor version |
//! | 24 | 8 | bytes | magic |

use crate::header::HEADER_LEN;
use crate::{Error, FilePart, Result, MAGIC, MAJOR_VERSION, MAX_FOOTER_BYTES, PAGE_ALIGNMENT};

/// Size of the tail in bytes.
pub const TAIL_LEN: usize = 32;

/// The decoded tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    /// Absolute offset of the footer.
    pub footer_offset: u64,
    /// Length of the footer in bytes.
    pub footer_len: u64,
    /// CRC32C of the footer bytes.
    pub footer_crc32c: u32,
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl Tail {
    /// Encode to 32 bytes.
    pub fn encode(&self) -> [u8; TAIL_LEN] {
        let mut out = [0u8; TAIL_LEN];
        out[0..8].copy_from_slice(&self.footer_offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.footer_len.to_le_bytes());
        out[16..20].copy_from_slice(&self.footer_crc32c.to_le_bytes());
        out[20..22].copy_from_slice(&self.major.to_le_bytes());
        out[22..24].copy_from_slice(&self.minor.to_le_bytes());
        out[24..32].copy_from_slice(&MAGIC);
        out
    }

    /// Decode the tail from the last [`TAIL_LEN`] bytes of a file of
    /// `file_len` bytes, and check the footer's bounds against the file.
    pub fn decode(bytes: &[u8], file_len: u64) -> Result<Tail> {
        let min_len = (HEADER_LEN + TAIL_LEN) as u64;
        if file_len < min_len || bytes.len() != TAIL_LEN {
            return Err(Error::Truncated {
                part: FilePart::Tail,
                offset: file_len.saturating_sub(TAIL_LEN as u64),
                needed: min_len,
                file_len,
            });
        }
        let tail_offset = file_len - TAIL_LEN as u64;
        let found: [u8; 8] = bytes[24..32].try_into().expect("8 bytes");
        if found != MAGIC {
            return Err(Error::BadMagic {
                part: FilePart::Tail,
                offset: tail_offset + 24,
                expected: MAGIC,
                found,
            });
        }
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let tail = Tail {
            footer_offset: u64_at(0),
            footer_len: u64_at(8),
            footer_crc32c: u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes")),
            major: u16::from_le_bytes([bytes[20], bytes[21]]),
            minor: u16::from_le_bytes([bytes[22], bytes[23]]),
        };
        if tail.major != MAJOR_VERSION {
            return Err(Error::UnsupportedVersion {
                part: FilePart::Tail,
                major: tail.major,
                minor: tail.minor,
                supported: MAJOR_VERSION,
            });
        }
        if tail.footer_len > MAX_FOOTER_BYTES {
            return Err(Error::LimitExceeded {
                part: FilePart::Footer,
                what: "a length",
                found: tail.footer_len,
                limit: MAX_FOOTER_BYTES,
            });
        }
        // spec 2.6: the footer ends exactly where the tail begins.
        let end = tail.footer_offset.checked_add(tail.footer_len);
        if tail.footer_offset < HEADER_LEN as u64 || end != Some(tail_offset) {
            return Err(Error::OutOfBounds {
                part: FilePart::Footer,
                offset: tail.footer_offset,
                len: tail.footer_len,
                lower: HEADER_LEN as u64,
                upper: tail_offset,
            });
        }
        if !tail.footer_offset.is_multiple_of(PAGE_ALIGNMENT) {
            return Err(Error::Misaligned {
                part: FilePart::Footer,
                offset: tail.footer_offset,
                alignment: PAGE_ALIGNMENT,
            });
        }
        Ok(tail)
    }
}
