use std::fmt;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The part of a file a checksum or bound refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilePart {
    /// The 64-byte header at offset 0 (spec 2.2).
    Header,
    /// The fixed 32-byte tail at the end of the file (spec 2.6).
    Tail,
    /// The footer: footer header, block checksums and manifest (spec 2.5).
    Footer,
    /// One block of page directory entries (spec 2.4).
    DirectoryBlock(u64),
    /// One page, by its index in the page directory (spec 2.3).
    Page(u64),
}

impl fmt::Display for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilePart::Header => f.write_str("header"),
            FilePart::Tail => f.write_str("tail"),
            FilePart::Footer => f.write_str("footer"),
            FilePart::DirectoryBlock(b) => write!(f, "page directory block {b}"),
            FilePart::Page(p) => write!(f, "page {p}"),
        }
    }
}

/// Everything that can be wrong with `.gcol` bytes.
///
/// Variants locate the problem: a file offset, the part of the file, and what was
/// expected against what was found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer bytes than a structure needs.
    #[error("truncated {part}: needed {needed} bytes at offset {offset}, file has {file_len}")]
    Truncated {
        /// FilePart being read.
        part: FilePart,
        /// Offset the structure starts at.
        offset: u64,
        /// Bytes the structure needs.
        needed: u64,
        /// Bytes the file (or buffer) has.
        file_len: u64,
    },
    /// The 8 magic bytes at the start or end are wrong.
    #[error("bad magic in {part} at offset {offset}: expected {expected:02x?}, found {found:02x?}; not a .gcol file, or truncated or modified in transfer")]
    BadMagic {
        /// Header or tail.
        part: FilePart,
        /// Offset of the magic.
        offset: u64,
        /// Bytes expected.
        expected: [u8; 8],
        /// Bytes found.
        found: [u8; 8],
    },
    /// A major version this reader cannot read.
    #[error("unsupported .gcol version {major}.{minor} in {part}: this reader reads format {supported}.0 to {supported}.{}; a reader of format {major}.{minor} or later is needed (upgrade gcol)", crate::MINOR_VERSION)]
    UnsupportedVersion {
        /// Where the version was read.
        part: FilePart,
        /// Major version found.
        major: u16,
        /// Minor version found.
        minor: u16,
        /// Major version supported.
        supported: u16,
    },
    /// Header and tail disagree on the version.
    #[error("version mismatch: header says {header_major}.{header_minor}, tail says {tail_major}.{tail_minor}")]
    VersionMismatch {
        /// Header major.
        header_major: u16,
        /// Header minor.
        header_minor: u16,
        /// Tail major.
        tail_major: u16,
        /// Tail minor.
        tail_minor: u16,
    },
    /// A `manifest_version` other than the one this crate reads (spec 5.1).
    #[error(
        "unsupported manifest_version {found}: this reader reads version {supported}; upgrade gcol"
    )]
    UnsupportedManifestVersion {
        /// Version found.
        found: u64,
        /// Version supported.
        supported: u32,
    },
    /// A feature of a newer minor version that this crate does not know
    /// (spec 9): not corruption, but nothing this reader can read.
    #[error("{what} of format version 1.{minor}: this reader knows 1.{known}; upgrade gcol")]
    Unsupported {
        /// The feature.
        what: String,
        /// The file's minor version.
        minor: u16,
        /// The highest minor version this crate knows.
        known: u16,
    },
    /// A CRC32C did not match.
    #[error("checksum mismatch in {part} at offset {offset}: expected crc32c {expected:#010x}, computed {actual:#010x}")]
    ChecksumMismatch {
        /// FilePart covered by the checksum.
        part: FilePart,
        /// Offset where the covered bytes start.
        offset: u64,
        /// Checksum stored in the file.
        expected: u32,
        /// Checksum of the bytes found.
        actual: u32,
    },
    /// An offset/length pair points outside where the spec allows.
    #[error("{part} out of bounds: offset {offset} + length {len} is outside the allowed range {lower}..{upper}")]
    OutOfBounds {
        /// FilePart whose bounds are wrong.
        part: FilePart,
        /// Offset found.
        offset: u64,
        /// Length found.
        len: u64,
        /// Lowest allowed offset.
        lower: u64,
        /// Highest allowed end (exclusive).
        upper: u64,
    },
    /// A structure is not aligned as the spec requires.
    #[error("{part} at offset {offset} is not aligned to {alignment} bytes")]
    Misaligned {
        /// FilePart.
        part: FilePart,
        /// Offset found.
        offset: u64,
        /// Required alignment.
        alignment: u64,
    },
    /// A length beyond a limit of the spec (spec 10).
    #[error("{part} claims {what} of {found}, above the limit of {limit}")]
    LimitExceeded {
        /// FilePart.
        part: FilePart,
        /// The quantity.
        what: &'static str,
        /// Value found.
        found: u64,
        /// Limit from spec 10.
        limit: u64,
    },
    /// A page (its decoded length, or its zstd frame's content size) beyond
    /// `MAX_PAGE_BYTES` (spec 10). The reader adds which page and where.
    #[error("the page claims {what} of {found}, above the limit of {limit}")]
    PageLimit {
        /// The quantity.
        what: &'static str,
        /// Value found.
        found: u64,
        /// Limit from spec 10.
        limit: u64,
    },
    /// A field that must hold a specific value (reserved zeros, flags) does not.
    #[error("{part}: field {field} at offset {offset} must be {expected}, found {found}")]
    InvalidField {
        /// FilePart.
        part: FilePart,
        /// Field name as in the spec.
        field: &'static str,
        /// Absolute offset of the field (0 when not known).
        offset: u64,
        /// What the spec requires.
        expected: String,
        /// What was found.
        found: String,
    },
    /// An encoding id not in this reader's registry.
    #[error("unknown encoding id {id:#06x}; the file needs a newer gcol")]
    UnknownEncoding {
        /// Encoding id found.
        id: u16,
    },
    /// A `quality-primed` page (spec 7.14) decoded without the state of
    /// its column's first page.
    #[error("a quality-primed page needs its column's first page (spec 7.14)")]
    PrimerMissing,
    /// Directory entry flags this reader does not know (spec 2.4, 9).
    #[error("page flags {flags:#06x} include bits this reader does not know; the file needs a newer gcol")]
    UnknownPageFlags {
        /// Flags found.
        flags: u16,
    },
    /// An encoding that does not apply to the column's physical type.
    #[error("encoding {encoding} cannot encode {physical} values")]
    EncodingNotApplicable {
        /// Encoding name.
        encoding: &'static str,
        /// Physical type.
        physical: PhysicalTypeName,
    },
    /// Page bytes that do not decode under their encoding.
    #[error("malformed {encoding} page: {detail} (at byte {position} of the stored page)")]
    MalformedPage {
        /// Encoding name.
        encoding: &'static str,
        /// What is wrong.
        detail: &'static str,
        /// Byte position inside the stored page.
        position: u64,
    },
    /// A page decoded to a different length or value count than its directory entry says.
    #[error(
        "decoded page length mismatch: directory says {expected} bytes, decoding gave {actual}"
    )]
    DecodedLengthMismatch {
        /// Length from the directory.
        expected: u64,
        /// Length produced.
        actual: u64,
    },
    /// A dataset does not have the columns its kind needs (spec 12, 13).
    #[error("dataset {dataset:?} is not a valid {kind} dataset: {detail}")]
    Schema {
        /// Dataset name.
        dataset: String,
        /// Its kind.
        kind: &'static str,
        /// What is missing or wrong.
        detail: String,
    },
    /// The manifest is not valid JSON for the schema.
    #[error("manifest at offset {offset} is not valid: {source}")]
    ManifestJson {
        /// Offset of the manifest.
        offset: u64,
        /// Parser error (names line and column).
        source: serde_json::Error,
    },
    /// The manifest parsed but breaks a rule of the spec.
    #[error("manifest breaks rule {rule}: {detail}")]
    ManifestInvalid {
        /// The spec section and the rule (`5.6 dataset names are unique`).
        rule: &'static str,
        /// Where, and what was found.
        detail: String,
    },
}

/// Display name of a physical type, carried in errors.
pub type PhysicalTypeName = &'static str;
