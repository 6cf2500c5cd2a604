//! Page encodings and the encoding-id registry (spec 7).
//!
//! An encoding id is a `u16`: the low byte names the base encoding, the high
//! byte the compression wrapped around it. Every combination below is in the
//! registry; ids never change meaning.
//!
//! | id | name | applies to |
//! |---|---|---|
//! | `0x0000` | plain | all types |
//! | `0x0001` | delta-varint | integers |
//! | `0x0002` | for-bitpack | integers |
//! | `0x0003` | dictionary | binary |
//! | `0x0004` | varint | integers |
//! | `0x0100`..`0x0104` | zstd around the base encoding | as the base encoding |

mod bitpack;
mod delta_varint;
mod dictionary;
mod for_bitpack;
mod integers;
mod varint_plain;
pub mod zstd_frame;

use std::borrow::Cow;

use crate::values::BinaryView;
use crate::{crc, Error, PhysicalType, Region, Result, MAX_PAGE_BYTES};

pub use bitpack::{pack_into, packed_len, unpack_into};

/// A base encoding: how values become bytes before compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseEncoding {
    /// The decoded layout itself (spec 7.1).
    Plain,
    /// Zigzag LEB128 varints of successive differences (spec 7.2).
    DeltaVarint,
    /// Frame of reference and fixed-width bit packing (spec 7.3).
    ForBitpack,
    /// Distinct values once, then bit-packed indices (spec 7.4).
    Dictionary,
    /// Each value as a (zigzag for signed types) LEB128 varint (spec 7.6).
    Varint,
}

/// Compression wrapped around a base encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Stored as the base encoding produced it.
    None,
    /// One zstd frame with its content size (spec 7.5); the level only affects writing.
    Zstd {
        /// zstd compression level (1..=22; 3 is zstd's default).
        level: i32,
    },
}

/// A complete page encoding: base encoding plus compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encoding {
    /// Base encoding.
    pub base: BaseEncoding,
    /// Compression around it.
    pub compression: Compression,
}

/// Registry ids of base encodings (low byte).
pub mod ids {
    /// `plain`.
    pub const PLAIN: u16 = 0x0000;
    /// `delta-varint`.
    pub const DELTA_VARINT: u16 = 0x0001;
    /// `for-bitpack`.
    pub const FOR_BITPACK: u16 = 0x0002;
    /// `dictionary`.
    pub const DICTIONARY: u16 = 0x0003;
    /// `varint`.
    pub const VARINT: u16 = 0x0004;
    /// High byte for zstd compression.
    pub const ZSTD: u16 = 0x0100;
    /// Every id in the v1 registry, ascending.
    pub const ALL: [u16; 10] = [
        PLAIN,
        DELTA_VARINT,
        FOR_BITPACK,
        DICTIONARY,
        VARINT,
        ZSTD | PLAIN,
        ZSTD | DELTA_VARINT,
        ZSTD | FOR_BITPACK,
        ZSTD | DICTIONARY,
        ZSTD | VARINT,
    ];
}

impl BaseEncoding {
    fn id(self) -> u16 {
        match self {
            BaseEncoding::Plain => ids::PLAIN,
            BaseEncoding::DeltaVarint => ids::DELTA_VARINT,
            BaseEncoding::ForBitpack => ids::FOR_BITPACK,
            BaseEncoding::Dictionary => ids::DICTIONARY,
            BaseEncoding::Varint => ids::VARINT,
        }
    }

    fn name(self) -> &'static str {
        match self {
            BaseEncoding::Plain => "plain",
            BaseEncoding::DeltaVarint => "delta-varint",
            BaseEncoding::ForBitpack => "for-bitpack",
            BaseEncoding::Dictionary => "dictionary",
            BaseEncoding::Varint => "varint",
        }
    }

    /// Whether this base encoding can hold values of `physical` type.
    pub fn applies_to(self, physical: PhysicalType) -> bool {
        match self {
            BaseEncoding::Plain => true,
            BaseEncoding::DeltaVarint | BaseEncoding::ForBitpack | BaseEncoding::Varint => {
                physical.is_integer()
            }
            BaseEncoding::Dictionary => physical == PhysicalType::Binary,
        }
    }
}

impl Encoding {
    /// `plain`, uncompressed: served zero-copy by readers.
    pub const PLAIN: Encoding = Encoding {
        base: BaseEncoding::Plain,
        compression: Compression::None,
    };

    /// `delta-varint`, uncompressed.
    pub fn delta_varint() -> Encoding {
        Encoding {
            base: BaseEncoding::DeltaVarint,
            compression: Compression::None,
        }
    }

    /// `for-bitpack`, uncompressed.
    pub fn for_bitpack() -> Encoding {
        Encoding {
            base: BaseEncoding::ForBitpack,
            compression: Compression::None,
        }
    }

    /// `varint`, uncompressed.
    pub fn varint() -> Encoding {
        Encoding {
            base: BaseEncoding::Varint,
            compression: Compression::None,
        }
    }

    /// `dictionary`, uncompressed.
    pub fn dictionary() -> Encoding {
        Encoding {
            base: BaseEncoding::Dictionary,
            compression: Compression::None,
        }
    }

    /// The same base encoding wrapped in zstd at `level`.
    pub fn with_zstd(self, level: i32) -> Encoding {
        Encoding {
            base: self.base,
            compression: Compression::Zstd { level },
        }
    }

    /// Registry id (spec 7).
    pub fn id(self) -> u16 {
        let high = match self.compression {
            Compression::None => 0,
            Compression::Zstd { .. } => ids::ZSTD,
        };
        high | self.base.id()
    }

    /// Look up a registry id. The zstd level is not stored; decoding does not need it.
    pub fn from_id(id: u16) -> Result<Encoding> {
        let base = match id & 0xFF {
            0 => BaseEncoding::Plain,
            1 => BaseEncoding::DeltaVarint,
            2 => BaseEncoding::ForBitpack,
            3 => BaseEncoding::Dictionary,
            4 => BaseEncoding::Varint,
            _ => return Err(Error::UnknownEncoding { id }),
        };
        let compression = match id >> 8 {
            0 => Compression::None,
            1 => Compression::Zstd { level: 3 },
            _ => return Err(Error::UnknownEncoding { id }),
        };
        Ok(Encoding { base, compression })
    }

    /// Human-readable name, as in the registry (`zstd+delta-varint`).
    pub fn name(self) -> String {
        match self.compression {
            Compression::None => self.base.name().to_string(),
            Compression::Zstd { .. } => format!("zstd+{}", self.base.name()),
        }
    }
}

/// Registry name of an id, or `unknown(0x....)`.
pub fn name_of(id: u16) -> String {
    Encoding::from_id(id)
        .map(Encoding::name)
        .unwrap_or_else(|_| format!("unknown({id:#06x})"))
}

/// A page ready to be written: stored bytes plus what its directory entry needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPage {
    /// Registry id.
    pub encoding_id: u16,
    /// Bytes to write to the file.
    pub stored: Vec<u8>,
    /// Length of the decoded layout in bytes.
    pub decoded_len: u32,
    /// Number of values.
    pub num_values: u32,
    /// CRC32C of `stored`.
    pub crc32c: u32,
}

/// Check that `decoded` is a valid decoded layout of `num_values` values.
pub fn check_layout(physical: PhysicalType, num_values: u32, decoded: &[u8]) -> Result<()> {
    match physical.width() {
        Some(width) => {
            let expected = u64::from(num_values) * width as u64;
            if decoded.len() as u64 != expected {
                return Err(Error::DecodedLengthMismatch {
                    expected,
                    actual: decoded.len() as u64,
                });
            }
        }
        None => {
            BinaryView::new(decoded, num_values as usize)?;
        }
    }
    Ok(())
}

/// Encode one page of `num_values` values given in their decoded layout (spec 6.1).
pub fn encode_page(
    encoding: Encoding,
    physical: PhysicalType,
    num_values: u32,
    decoded: &[u8],
) -> Result<EncodedPage> {
    if !encoding.base.applies_to(physical) {
        return Err(Error::EncodingNotApplicable {
            encoding: encoding.base.name(),
            physical: physical.name(),
        });
    }
    if decoded.len() as u64 > u64::from(MAX_PAGE_BYTES) {
        return Err(Error::LimitExceeded {
            region: Region::Page(0),
            what: "a decoded length",
            found: decoded.len() as u64,
            limit: u64::from(MAX_PAGE_BYTES),
        });
    }
    check_layout(physical, num_values, decoded)?;
    let base = match encoding.base {
        BaseEncoding::Plain => decoded.to_vec(),
        BaseEncoding::DeltaVarint => delta_varint::encode(physical, decoded),
        BaseEncoding::ForBitpack => for_bitpack::encode(physical, decoded),
        BaseEncoding::Dictionary => dictionary::encode(decoded, num_values as usize)?,
        BaseEncoding::Varint => varint_plain::encode(physical, decoded),
    };
    let stored = match encoding.compression {
        Compression::None => base,
        Compression::Zstd { level } => zstd_frame::compress(&base, level),
    };
    if stored.len() as u64 > u64::from(MAX_PAGE_BYTES) {
        return Err(Error::LimitExceeded {
            region: Region::Page(0),
            what: "a stored length",
            found: stored.len() as u64,
            limit: u64::from(MAX_PAGE_BYTES),
        });
    }
    Ok(EncodedPage {
        encoding_id: encoding.id(),
        crc32c: crc::crc32c(&stored),
        stored,
        decoded_len: decoded.len() as u32,
        num_values,
    })
}

/// The result of decoding a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// The stored bytes are already the decoded layout (plain pages): no copy.
    Stored,
    /// Decoding produced new bytes.
    Owned(Vec<u8>),
}

impl Decoded {
    /// The decoded layout, given the stored bytes that were decoded.
    pub fn as_bytes<'a>(&'a self, stored: &'a [u8]) -> &'a [u8] {
        match self {
            Decoded::Stored => stored,
            Decoded::Owned(bytes) => bytes,
        }
    }
}

/// Decode one page's stored bytes into its decoded layout.
///
/// `num_values` and `decoded_len` come from the page's directory entry; no
/// allocation exceeds `decoded_len` (itself at most [`MAX_PAGE_BYTES`]) or
/// the declared content size of a zstd frame (also capped).
pub fn decode_page(
    encoding_id: u16,
    physical: PhysicalType,
    num_values: u32,
    decoded_len: u32,
    stored: &[u8],
) -> Result<Decoded> {
    let encoding = Encoding::from_id(encoding_id)?;
    if !encoding.base.applies_to(physical) {
        return Err(Error::EncodingNotApplicable {
            encoding: encoding.base.name(),
            physical: physical.name(),
        });
    }
    if decoded_len > MAX_PAGE_BYTES {
        return Err(Error::LimitExceeded {
            region: Region::Page(0),
            what: "a decoded length",
            found: u64::from(decoded_len),
            limit: u64::from(MAX_PAGE_BYTES),
        });
    }
    if let Some(width) = physical.width() {
        let expected = u64::from(num_values) * width as u64;
        if u64::from(decoded_len) != expected {
            return Err(Error::DecodedLengthMismatch {
                expected,
                actual: u64::from(decoded_len),
            });
        }
    } else if u64::from(decoded_len) < 4 * (u64::from(num_values) + 1) {
        return Err(Error::DecodedLengthMismatch {
            expected: 4 * (u64::from(num_values) + 1),
            actual: u64::from(decoded_len),
        });
    }
    let inner: Cow<'_, [u8]> = match encoding.compression {
        Compression::None => Cow::Borrowed(stored),
        Compression::Zstd { .. } => {
            let exact = (encoding.base == BaseEncoding::Plain).then_some(decoded_len);
            Cow::Owned(zstd_frame::decompress(stored, exact)?)
        }
    };
    let owned = match encoding.base {
        BaseEncoding::Plain => {
            if inner.len() != decoded_len as usize {
                return Err(Error::DecodedLengthMismatch {
                    expected: u64::from(decoded_len),
                    actual: inner.len() as u64,
                });
            }
            if physical == PhysicalType::Binary {
                BinaryView::new(&inner, num_values as usize)?;
            }
            match inner {
                Cow::Borrowed(_) => return Ok(Decoded::Stored),
                Cow::Owned(bytes) => bytes,
            }
        }
        BaseEncoding::DeltaVarint => delta_varint::decode(physical, num_values, &inner)?,
        BaseEncoding::ForBitpack => for_bitpack::decode(physical, num_values, &inner)?,
        BaseEncoding::Dictionary => dictionary::decode(num_values, decoded_len, &inner)?,
        BaseEncoding::Varint => varint_plain::decode(physical, num_values, &inner)?,
    };
    if owned.len() != decoded_len as usize {
        return Err(Error::DecodedLengthMismatch {
            expected: u64::from(decoded_len),
            actual: owned.len() as u64,
        });
    }
    Ok(Decoded::Owned(owned))
}

#[cfg(test)]
mod tests;
