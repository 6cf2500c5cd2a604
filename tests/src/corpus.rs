//! The corrupt corpus: damaged variants of `small.gcol`, each with the error
//! class a reader must report (spec 8). The files are committed under
//! `tests/data/corrupt/` for other readers (see spec/conformance).

use gcol_format::{Error as F, FilePart};
use gcol_reader::{Error as R, Reader};

use crate::{build_small, fix_checksums, read_everything, Layout};

/// One damaged file.
pub struct Case {
    /// File stem.
    pub name: String,
    /// What was damaged.
    pub what: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Expected error class (see [`classify`]).
    pub expected: &'static str,
    /// `open` when opening must fail, `read` when reading pages or verifying must.
    pub stage: &'static str,
}

fn region(r: &FilePart) -> &'static str {
    match r {
        FilePart::Header => "header",
        FilePart::Tail => "tail",
        FilePart::Footer => "footer",
        FilePart::DirectoryBlock(_) => "directory",
        FilePart::Page(_) => "page",
        _ => "other",
    }
}

fn classify_format(e: &F) -> String {
    match e {
        F::Truncated { part: r, .. } => format!("truncated:{}", region(r)),
        F::BadMagic { part: r, .. } => format!("bad_magic:{}", region(r)),
        F::UnsupportedVersion { .. } => "unsupported_version".into(),
        F::VersionMismatch { .. } => "version_mismatch".into(),
        F::ChecksumMismatch { part: r, .. } => format!("checksum:{}", region(r)),
        F::OutOfBounds { part: r, .. } => format!("out_of_bounds:{}", region(r)),
        F::Misaligned { part: r, .. } => format!("misaligned:{}", region(r)),
        F::LimitExceeded { part: r, .. } => format!("limit:{}", region(r)),
        F::PageLimit { .. } => "limit:page".into(),
        F::InvalidField { part: r, .. } => format!("invalid_field:{}", region(r)),
        F::UnknownEncoding { .. } => "unknown_encoding".into(),
        F::EncodingNotApplicable { .. } => "encoding_not_applicable".into(),
        F::MalformedPage { .. } => "malformed_page".into(),
        F::DecodedLengthMismatch { .. } => "decoded_length".into(),
        F::ManifestJson { .. } => "manifest_json".into(),
        F::ManifestInvalid { .. } => "manifest_invalid".into(),
        F::UnsupportedManifestVersion { .. } => "unsupported_version".into(),
        F::Unsupported { .. } => "unsupported".into(),
        _ => "other".into(),
    }
}

/// A stable class name for an error, as used in `expected.json`.
pub fn classify(e: &R) -> String {
    match e {
        R::Format(f) => classify_format(f),
        R::Page { source, .. } => match source.as_ref() {
            F::ChecksumMismatch { .. } => "checksum:page".into(),
            other => classify_format(other),
        },
        R::InvalidEntry { field, .. } => format!("invalid_entry:{}", field.replace(' ', "_")),
        R::Layout { .. } => "layout".into(),
        R::Inconsistent { .. } => "inconsistent".into(),
        R::Unsupported { .. } => "unsupported".into(),
        R::Invariant { .. } => "invariant".into(),
        R::Io { .. } => "io".into(),
        _ => "other".into(),
    }
}

/// Open and fully read `bytes`; `(stage, class)` of the first error.
pub fn evaluate(bytes: &[u8]) -> Option<(&'static str, String)> {
    match Reader::from_bytes(bytes.to_vec()) {
        Err(e) => Some(("open", classify(&e))),
        Ok(reader) => read_everything(&reader)
            .err()
            .map(|e| ("read", classify(&e))),
    }
}

fn put_u64(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Every case of the corpus.
pub fn cases() -> Vec<Case> {
    let base = build_small();
    let layout = Layout::of(&base);
    let len = base.len();
    let tail = len - 32;
    let footer = layout.footer_offset;
    let mut out = Vec::new();
    let mut add = |name: &str,
                   what: &str,
                   expected: &'static str,
                   stage: &'static str,
                   edit: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = base.clone();
        edit(&mut bytes);
        out.push(Case {
            name: name.into(),
            what: what.into(),
            bytes,
            expected,
            stage,
        });
    };
    for cut in [
        0,
        1,
        8,
        40,
        63,
        64,
        80,
        95,
        96,
        200,
        len / 2,
        len - 33,
        len - 32,
        len - 1,
    ] {
        let expected = if cut < 64 {
            "truncated:header"
        } else if cut < 96 {
            "truncated:tail"
        } else {
            "bad_magic:tail"
        };
        add(
            &format!("truncated_{cut:05}"),
            &format!("first {cut} of {len} bytes"),
            expected,
            "open",
            &|b| b.truncate(cut),
        );
    }
    add(
        "bad_magic_head",
        "byte 1 of the magic at offset 0 changed",
        "bad_magic:header",
        "open",
        &|b| b[1] ^= 0x20,
    );
    add(
        "bad_magic_tail",
        "last byte of the tail magic changed",
        "bad_magic:tail",
        "open",
        &|b| {
            let n = b.len();
            b[n - 1] ^= 0x01
        },
    );
    add(
        "header_reserved_flip",
        "a reserved header byte set",
        "checksum:header",
        "open",
        &|b| b[30] = 1,
    );
    add(
        "header_major_2",
        "header major version 2 with a valid header checksum",
        "unsupported_version",
        "open",
        &|b| {
            b[8] = 2;
            let crc = gcol_format::crc::crc32c(&b[0..60]);
            b[60..64].copy_from_slice(&crc.to_le_bytes());
        },
    );
    add(
        "tail_crc_flip",
        "a byte of the footer checksum in the tail flipped",
        "checksum:footer",
        "open",
        &|b| b[tail + 16] ^= 0xFF,
    );
    add(
        "tail_offset_flip",
        "low byte of the footer offset in the tail flipped",
        "out_of_bounds:footer",
        "open",
        &|b| b[tail] ^= 0x40,
    );
    add(
        "tail_minor_flip",
        "minor version in the tail changed",
        "version_mismatch",
        "open",
        &|b| b[tail + 22] ^= 0x01,
    );
    add(
        "tail_major_flip",
        "major version in the tail changed",
        "unsupported_version",
        "open",
        &|b| b[tail + 20] ^= 0x02,
    );
    add(
        "footer_len_beyond_file",
        "footer length in the tail larger than the file",
        "out_of_bounds:footer",
        "open",
        &|b| put_u64(b, tail + 8, len as u64),
    );
    add(
        "footer_len_absurd",
        "footer length in the tail of 1 TiB",
        "limit:footer",
        "open",
        &|b| put_u64(b, tail + 8, 1 << 40),
    );
    add(
        "footer_flip",
        "a manifest byte flipped",
        "checksum:footer",
        "open",
        &|b| {
            let at = tail - 10;
            b[at] ^= 0x01
        },
    );
    add(
        "footer_num_pages_absurd",
        "page count in the footer header of 2^60, checksums fixed",
        "invalid_field:footer",
        "open",
        &|b| {
            put_u64(b, footer + 8, 1 << 60);
            fix_checksums(b);
        },
    );
    add(
        "footer_manifest_len_absurd",
        "manifest length of 2^50, checksums fixed",
        "invalid_field:footer",
        "open",
        &|b| {
            put_u64(b, footer + 24, 1 << 50);
            fix_checksums(b);
        },
    );
    add(
        "footer_directory_past_end",
        "directory offset beyond the footer, checksums fixed",
        "out_of_bounds:directory",
        "open",
        &|b| {
            put_u64(b, footer, footer as u64 + 64);
            fix_checksums(b);
        },
    );
    add(
        "manifest_not_json",
        "manifest's first byte replaced, checksums fixed",
        "manifest_json",
        "open",
        &|b| {
            let manifest_len =
                u64::from_le_bytes(b[footer + 24..footer + 32].try_into().unwrap()) as usize;
            let at = tail - manifest_len;
            b[at] = b'[';
            fix_checksums(b);
        },
    );
    add(
        "manifest_wrong_format",
        "manifest format \"gcox\", checksums fixed",
        "manifest_invalid",
        "open",
        &|b| {
            let at = find(b, b"\"gcol\"").expect("format field") + 4;
            b[at] = b'x';
            fix_checksums(b);
        },
    );
    add(
        "manifest_stats_wrong",
        "a column's stored_bytes changed in the manifest, checksums fixed",
        "inconsistent",
        "read",
        &|b| {
            let at = find(b, b"\"stored_bytes\":").expect("field") + 15;
            b[at] = if b[at] == b'9' { b'1' } else { b[at] + 1 };
            fix_checksums(b);
        },
    );
    add(
        "directory_flip",
        "a byte of directory entry 1 flipped",
        "checksum:directory",
        "read",
        &|b| {
            let at = layout.entry(1) + 20;
            b[at] ^= 0x01
        },
    );
    add(
        "entry_offset_past_end",
        "entry 0 points past the end of the file, checksums fixed",
        "invalid_entry:page_offset",
        "read",
        &|b| {
            put_u64(b, layout.entry(0), 1 << 40);
            fix_checksums(b);
        },
    );
    add(
        "entry_offset_misaligned",
        "entry 0 offset moved by 8 bytes, checksums fixed",
        "invalid_entry:page_offset",
        "read",
        &|b| {
            let at = layout.entry(0);
            let v = u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
            put_u64(b, at, v + 8);
            fix_checksums(b);
        },
    );
    add(
        "entry_decoded_len_absurd",
        "entry 0 claims 4 GiB decoded, checksums fixed",
        "invalid_entry:decoded_length",
        "read",
        &|b| {
            put_u32(b, layout.entry(0) + 20, u32::MAX);
            fix_checksums(b);
        },
    );
    add(
        "entry_stored_len_absurd",
        "entry 0 claims 4 GiB stored, checksums fixed",
        "invalid_entry:stored_length",
        "read",
        &|b| {
            put_u32(b, layout.entry(0) + 16, u32::MAX);
            fix_checksums(b);
        },
    );
    add(
        "entry_zstd_bomb",
        "a 1-page zstd entry claims 60 MiB decoded, checksums fixed",
        "decoded_length",
        "read",
        &|b| {
            // Entry 3 is the first zstd+dictionary page of `chrom`.
            put_u32(b, layout.entry(3) + 20, 60 << 20);
            fix_checksums(b);
        },
    );
    add(
        "entry_unknown_encoding",
        "entry 0 has encoding id 0x000C, checksums fixed",
        "unknown_encoding",
        "read",
        &|b| {
            b[layout.entry(0) + 36] = 12;
            fix_checksums(b);
        },
    );
    add(
        "entry_wrong_column",
        "entry 0 names column 1, checksums fixed",
        "invalid_entry:column_id",
        "read",
        &|b| {
            put_u32(b, layout.entry(0) + 32, 1);
            fix_checksums(b);
        },
    );
    add(
        "page_flip",
        "a byte of page 0 flipped",
        "checksum:page",
        "read",
        &|b| {
            let at = layout.page_offset(b, 0) + 2;
            b[at] ^= 0x01
        },
    );
    add(
        "page_malformed",
        "page 0 ends inside a varint, page and directory checksums fixed",
        "malformed_page",
        "read",
        &|b| {
            let at = layout.entry(0);
            let offset = layout.page_offset(b, 0);
            let stored = u32::from_le_bytes(b[at + 16..at + 20].try_into().unwrap()) as usize;
            b[offset + stored - 1] = 0x80;
            let crc = gcol_format::crc::crc32c(&b[offset..offset + stored]);
            put_u32(b, at + 28, crc);
            fix_checksums(b);
        },
    );
    add(
        "padding_nonzero",
        "a padding byte after page 0 set",
        "layout",
        "read",
        &|b| {
            let at = layout.entry(0);
            let offset = layout.page_offset(b, 0);
            let stored = u32::from_le_bytes(b[at + 16..at + 20].try_into().unwrap()) as usize;
            b[offset + stored] = 0xAA;
        },
    );
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
