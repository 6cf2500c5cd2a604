//! The footer: a 64-byte footer header, the directory block checksums and the
//! manifest (spec 2.5).
//!
//! Footer header:
//!
//! | offset | size | type | field |
//! |---|---|---|---|
//! | 0 | 8 | u64 | directory offset (absolute, multiple of 64) |
//! | 8 | 8 | u64 | number of pages (directory entries) |
//! | 16 | 4 | u32 | entries per directory block (1024 in v1) |
//! | 20 | 4 | u32 | number of directory blocks |
//! | 24 | 8 | u64 | manifest region length in bytes |
//! | 32 | 4 | u32 | footer flags: bit 0 (1.1) the manifest region is one zstd frame |
//! | 36 | 4 | bytes | reserved, zero |
//! | 40 | 8 | u64 | inline length (1.1): bytes of inline pages ending the manifest region's content |
//! | 48 | 16 | bytes | reserved, zero |
//!
//! Then `number of blocks` u32 CRC32Cs, then the manifest region: the
//! manifest (UTF-8 JSON) followed by the inline pages of tiny columns,
//! compressed as one zstd frame when flag bit 0 is set.

use std::borrow::Cow;

use crate::directory::{DIR_ENTRY_LEN, ENTRIES_PER_BLOCK};
use crate::header::HEADER_LEN;
use crate::{Error, FilePart, Result, PAGE_ALIGNMENT};

/// Size of the fixed footer header in bytes.
pub const FOOTER_HEADER_LEN: usize = 64;

/// The decoded footer header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FooterHeader {
    /// Absolute offset of the page directory.
    pub directory_offset: u64,
    /// Number of directory entries.
    pub num_pages: u64,
    /// Entries per checksummed directory block.
    pub entries_per_block: u32,
    /// Number of directory blocks.
    pub num_blocks: u32,
    /// Length of the manifest region (stored, compressed or not) in bytes.
    pub manifest_len: u64,
    /// Footer flags ([`FOOTER_FLAG_ZSTD`]).
    pub flags: u32,
    /// Bytes of inline pages at the end of the manifest region's content.
    pub inline_len: u64,
}

/// Footer flag bit 0 (format 1.1): the manifest region is one zstd frame.
pub const FOOTER_FLAG_ZSTD: u32 = 1;

/// The manifest region, decompressed and split (spec 2.5).
#[derive(Debug, Clone)]
pub struct ManifestRegion<'a> {
    content: Cow<'a, [u8]>,
    inline_len: usize,
}

impl<'a> ManifestRegion<'a> {
    /// The manifest JSON.
    pub fn json(&self) -> &[u8] {
        &self.content[..self.content.len() - self.inline_len]
    }

    /// The inline pages (spec 2.5, 5.4).
    pub fn inline(&self) -> &[u8] {
        &self.content[self.content.len() - self.inline_len..]
    }
}

/// A footer split into its parts, borrowing the file's bytes.
#[derive(Debug, Clone, Copy)]
pub struct Footer<'a> {
    /// The fixed header.
    pub header: FooterHeader,
    /// Raw block checksums (`4 * num_blocks` bytes).
    pub block_crcs: &'a [u8],
    /// The manifest region as stored (see [`Footer::region`]).
    pub manifest: &'a [u8],
}

impl FooterHeader {
    /// Header for `num_pages` entries at `directory_offset` and a manifest of `manifest_len` bytes.
    pub fn new(directory_offset: u64, num_pages: u64, manifest_len: u64) -> FooterHeader {
        FooterHeader {
            directory_offset,
            num_pages,
            entries_per_block: ENTRIES_PER_BLOCK,
            num_blocks: num_pages.div_ceil(u64::from(ENTRIES_PER_BLOCK)) as u32,
            manifest_len,
            flags: 0,
            inline_len: 0,
        }
    }

    /// Encode to 64 bytes.
    pub fn encode(&self) -> [u8; FOOTER_HEADER_LEN] {
        let mut out = [0u8; FOOTER_HEADER_LEN];
        out[0..8].copy_from_slice(&self.directory_offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.num_pages.to_le_bytes());
        out[16..20].copy_from_slice(&self.entries_per_block.to_le_bytes());
        out[20..24].copy_from_slice(&self.num_blocks.to_le_bytes());
        out[24..32].copy_from_slice(&self.manifest_len.to_le_bytes());
        out[32..36].copy_from_slice(&self.flags.to_le_bytes());
        out[40..48].copy_from_slice(&self.inline_len.to_le_bytes());
        out
    }

    /// Byte range of directory block `block` relative to the file.
    pub fn block_range(&self, block: u64) -> (u64, u64) {
        let epb = u64::from(self.entries_per_block);
        let first = block * epb;
        let count = (self.num_pages - first).min(epb);
        (
            self.directory_offset + first * DIR_ENTRY_LEN as u64,
            count * DIR_ENTRY_LEN as u64,
        )
    }
}

impl<'a> Footer<'a> {
    /// Split and validate `bytes`, the whole footer found at `footer_offset`.
    ///
    /// The caller has already checked the footer CRC from the tail.
    pub fn decode(bytes: &'a [u8], footer_offset: u64) -> Result<Footer<'a>> {
        let field_err =
            |field: &'static str, at: u64, expected: String, found: String| Error::InvalidField {
                part: FilePart::Footer,
                field,
                offset: footer_offset + at,
                expected,
                found,
            };
        let Some(h) = bytes.get(..FOOTER_HEADER_LEN) else {
            return Err(Error::Truncated {
                part: FilePart::Footer,
                offset: footer_offset,
                needed: FOOTER_HEADER_LEN as u64,
                file_len: bytes.len() as u64,
            });
        };
        let u64_at = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().expect("8 bytes"));
        let u32_at = |at: usize| u32::from_le_bytes(h[at..at + 4].try_into().expect("4 bytes"));
        let header = FooterHeader {
            directory_offset: u64_at(0),
            num_pages: u64_at(8),
            entries_per_block: u32_at(16),
            num_blocks: u32_at(20),
            manifest_len: u64_at(24),
            flags: u32_at(32),
            inline_len: u64_at(40),
        };
        for (from, to) in [(36, 40), (48, 64)] {
            if let Some(i) = h[from..to].iter().position(|&b| b != 0) {
                return Err(field_err(
                    "reserved",
                    (from + i) as u64,
                    "0".into(),
                    format!("{:#04x}", h[from + i]),
                ));
            }
        }
        if header.flags & !FOOTER_FLAG_ZSTD != 0 {
            return Err(field_err(
                "flags",
                32,
                format!("a combination of {FOOTER_FLAG_ZSTD:#x}"),
                format!("{:#x}", header.flags),
            ));
        }
        if header.entries_per_block != ENTRIES_PER_BLOCK {
            return Err(field_err(
                "entries per block",
                16,
                ENTRIES_PER_BLOCK.to_string(),
                header.entries_per_block.to_string(),
            ));
        }
        let expected_blocks = header
            .num_pages
            .div_ceil(u64::from(header.entries_per_block));
        if u64::from(header.num_blocks) != expected_blocks {
            return Err(field_err(
                "number of blocks",
                20,
                expected_blocks.to_string(),
                header.num_blocks.to_string(),
            ));
        }
        let expected_len = (FOOTER_HEADER_LEN as u64)
            .checked_add(4 * u64::from(header.num_blocks))
            .and_then(|n| n.checked_add(header.manifest_len));
        if expected_len != Some(bytes.len() as u64) {
            return Err(field_err(
                "manifest length",
                24,
                format!(
                    "{} (footer length minus header and block checksums)",
                    (bytes.len() as u64).saturating_sub(
                        FOOTER_HEADER_LEN as u64 + 4 * u64::from(header.num_blocks)
                    )
                ),
                header.manifest_len.to_string(),
            ));
        }
        if !header.directory_offset.is_multiple_of(PAGE_ALIGNMENT) {
            return Err(Error::Misaligned {
                part: FilePart::DirectoryBlock(0),
                offset: header.directory_offset,
                alignment: PAGE_ALIGNMENT,
            });
        }
        let dir_len = header.num_pages.checked_mul(DIR_ENTRY_LEN as u64);
        let dir_end = dir_len.and_then(|n| n.checked_add(header.directory_offset));
        if header.directory_offset < HEADER_LEN as u64
            || dir_end.is_none_or(|end| end > footer_offset)
        {
            return Err(Error::OutOfBounds {
                part: FilePart::DirectoryBlock(0),
                offset: header.directory_offset,
                len: dir_len.unwrap_or(u64::MAX),
                lower: HEADER_LEN as u64,
                upper: footer_offset,
            });
        }
        let crc_end = FOOTER_HEADER_LEN + 4 * header.num_blocks as usize;
        Ok(Footer {
            header,
            block_crcs: &bytes[FOOTER_HEADER_LEN..crc_end],
            manifest: &bytes[crc_end..],
        })
    }

    /// The manifest region decompressed (when footer flag bit 0 is set; the
    /// frame's content size must be declared and at most
    /// [`crate::MAX_FOOTER_BYTES`]) and split into manifest and inline pages.
    pub fn region(&self) -> Result<ManifestRegion<'a>> {
        let content: Cow<'a, [u8]> = if self.header.flags & FOOTER_FLAG_ZSTD != 0 {
            Cow::Owned(crate::encoding::zstd_frame::decompress_limited(
                self.manifest,
                crate::MAX_FOOTER_BYTES,
            )?)
        } else {
            Cow::Borrowed(self.manifest)
        };
        if self.header.inline_len > content.len() as u64 {
            return Err(Error::InvalidField {
                part: FilePart::Footer,
                field: "inline length",
                offset: 40,
                expected: format!("at most the manifest region's {} bytes", content.len()),
                found: self.header.inline_len.to_string(),
            });
        }
        Ok(ManifestRegion {
            inline_len: self.header.inline_len as usize,
            content,
        })
    }
}

/// The whole footer (spec 2.5): header, directory block checksums, and the
/// manifest region made of `manifest` (JSON) and `inline` (inline pages),
/// as one zstd frame when `compress` is set and that is smaller.
pub fn assemble(
    directory_offset: u64,
    num_pages: u64,
    block_crcs: &[u32],
    manifest: &[u8],
    inline: &[u8],
    compress: bool,
) -> Vec<u8> {
    let mut content = Vec::with_capacity(manifest.len() + inline.len());
    content.extend_from_slice(manifest);
    content.extend_from_slice(inline);
    let mut flags = 0;
    if compress {
        // The manifest is small and read at every open: spend effort on it.
        let level = if content.len() < (1 << 20) { 19 } else { 3 };
        let compressed = crate::encoding::zstd_frame::compress(&content, level);
        if compressed.len() < content.len() {
            content = compressed;
            flags |= FOOTER_FLAG_ZSTD;
        }
    }
    let mut header = FooterHeader::new(directory_offset, num_pages, content.len() as u64);
    header.flags = flags;
    header.inline_len = inline.len() as u64;
    debug_assert_eq!(block_crcs.len(), header.num_blocks as usize);
    let mut footer = Vec::with_capacity(FOOTER_HEADER_LEN + 4 * block_crcs.len() + content.len());
    footer.extend_from_slice(&header.encode());
    for crc in block_crcs {
        footer.extend_from_slice(&crc.to_le_bytes());
    }
    footer.extend_from_slice(&content);
    footer
}
