//! The 64-byte file header (spec 2.2).
//!
//! | offset | size | type | field |
//! |---|---|---|---|
//! | 0 | 8 | bytes | magic |
//! | 8 | 2 | u16 | major version |
//! | 10 | 2 | u16 | minor version |
//! | 12 | 4 | u32 | flags, 0 in v1 |
//! | 16 | 44 | bytes | reserved, zero |
//! | 60 | 4 | u32 | CRC32C of bytes 0..60 |

use crate::{crc, Error, FilePart, Result, MAGIC, MAJOR_VERSION, MINOR_VERSION};

/// Size of the header in bytes.
pub const HEADER_LEN: usize = 64;

/// The decoded file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Major version (container layout).
    pub major: u16,
    /// Minor version (encodings and manifest fields).
    pub minor: u16,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            major: MAJOR_VERSION,
            minor: MINOR_VERSION,
        }
    }
}

impl Header {
    /// Encode to the 64 bytes that start every file.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&self.major.to_le_bytes());
        out[10..12].copy_from_slice(&self.minor.to_le_bytes());
        let crc = crc::crc32c(&out[0..60]);
        out[60..64].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decode and validate the header from the first bytes of a file.
    ///
    /// `file_len` is only used to report truncation.
    pub fn decode(bytes: &[u8], file_len: u64) -> Result<Header> {
        let Some(bytes) = bytes.get(..HEADER_LEN) else {
            return Err(Error::Truncated {
                part: FilePart::Header,
                offset: 0,
                needed: HEADER_LEN as u64,
                file_len,
            });
        };
        let found: [u8; 8] = bytes[0..8].try_into().expect("8 bytes");
        if found != MAGIC {
            return Err(Error::BadMagic {
                part: FilePart::Header,
                offset: 0,
                expected: MAGIC,
                found,
            });
        }
        let stored = u32::from_le_bytes(bytes[60..64].try_into().expect("4 bytes"));
        let actual = crc::crc32c(&bytes[0..60]);
        if stored != actual {
            return Err(Error::ChecksumMismatch {
                part: FilePart::Header,
                offset: 0,
                expected: stored,
                actual,
            });
        }
        let major = u16::from_le_bytes([bytes[8], bytes[9]]);
        let minor = u16::from_le_bytes([bytes[10], bytes[11]]);
        if major != MAJOR_VERSION {
            return Err(Error::UnsupportedVersion {
                part: FilePart::Header,
                major,
                minor,
                supported: MAJOR_VERSION,
            });
        }
        let flags = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
        if flags != 0 && minor > MINOR_VERSION {
            // spec 2.2: a later minor version may define header flags.
            return Err(Error::Unsupported {
                what: format!("header flags {flags:#x}"),
                minor,
                known: MINOR_VERSION,
            });
        }
        if flags != 0 {
            return Err(Error::InvalidField {
                part: FilePart::Header,
                field: "flags",
                offset: 12,
                expected: "0".into(),
                found: format!("{flags:#x}"),
            });
        }
        if let Some(i) = bytes[16..60].iter().position(|&b| b != 0) {
            return Err(Error::InvalidField {
                part: FilePart::Header,
                field: "reserved",
                offset: 16 + i as u64,
                expected: "0".into(),
                found: format!("{:#04x}", bytes[16 + i]),
            });
        }
        Ok(Header { major, minor })
    }
}
