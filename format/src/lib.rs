//! Sans-I/O encoding and decoding of the `.gcol` v1 container.
//!
//! This crate turns bytes into types and back: it knows the fixed-size
//! [`header`], [`tail`] and [`footer`] structures, the fixed-width
//! [`directory`] entries (viewable in place with `bytemuck`), the JSON
//! [`manifest`], and the page [`encoding`]s. It opens no files, maps nothing,
//! spawns no threads and holds no globals; `gcol-reader` and `gcol-writer` do
//! that on top of it.
//!
//! The normative description of every byte is `spec/` at the root of the
//! repository; items here cite its sections.
//!
//! ```
//! use gcol_format::encoding::{decode_page, encode_page, Encoding};
//! use gcol_format::PhysicalType;
//!
//! // Sorted positions, delta + varint coded and wrapped in zstd.
//! let positions: Vec<u64> = (0..1000).map(|i| 10_000 + 7 * i).collect();
//! let plain: &[u8] = bytemuck::cast_slice(&positions);
//! let encoding = Encoding::delta_varint().with_zstd(3);
//! let page = encode_page(encoding, PhysicalType::U64, 1000, plain).unwrap();
//! assert!(page.stored.len() < plain.len() / 10);
//! let decoded = decode_page(page.encoding_id, PhysicalType::U64, 1000, page.decoded_len, &page.stored).unwrap();
//! assert_eq!(decoded.as_bytes(&page.stored), plain);
//! ```

pub mod bam;
pub mod coords;
pub mod crc;
pub mod directory;
pub mod encoding;
mod error;
pub mod footer;
pub mod header;
pub mod kernels;
pub mod manifest;
pub mod panic;
pub mod schema;
pub mod sequence;
pub mod tail;
pub mod typed;
mod types;
pub mod validity;
pub mod values;
pub(crate) mod varint;

pub use directory::DirEntry;
pub use error::{Error, FilePart, Result};
pub use footer::FooterHeader;
pub use header::Header;
pub use manifest::Manifest;
pub use tail::Tail;
pub use types::{PhysicalType, Value};

// On-disk values are little-endian and typed views cast page bytes in place.
#[cfg(target_endian = "big")]
compile_error!("gcol supports little-endian hosts only (spec 2: all integers are little-endian and pages are viewed in place)");

/// The 8-byte magic at offset 0 and in the last 8 bytes of every file (spec 2.1).
///
/// `0x89` catches 7-bit transports, `\r\n` catches line-ending conversion and
/// `0x1A` stops `type` on DOS-like systems, as in PNG.
pub const MAGIC: [u8; 8] = [0x89, b'G', b'C', b'O', b'L', b'\r', b'\n', 0x1A];

/// Major version this crate writes and reads: the container layout (spec 9).
pub const MAJOR_VERSION: u16 = 1;
/// Highest minor version this crate reads and writes: encodings, manifest
/// members, entry flags (spec 9). Writers record the lowest minor version
/// whose features a file uses, so files without 1.1 features stay 1.0.
pub const MINOR_VERSION: u16 = 8;

/// Every page and the page directory start at a multiple of this many bytes (spec 2.3).
pub const PAGE_ALIGNMENT: u64 = 64;

/// Largest stored or decoded page in bytes: 64 MiB (spec 10).
pub const MAX_PAGE_BYTES: u32 = 64 << 20;

/// Largest footer (footer header + block checksums + manifest) in bytes: 256 MiB (spec 10).
pub const MAX_FOOTER_BYTES: u64 = 256 << 20;

/// Round `offset` up to the next multiple of [`PAGE_ALIGNMENT`].
pub fn align_up(offset: u64) -> u64 {
    offset.div_ceil(PAGE_ALIGNMENT) * PAGE_ALIGNMENT
}

#[cfg(test)]
mod constants_test;
