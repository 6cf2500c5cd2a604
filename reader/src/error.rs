use std::path::PathBuf;

use gcol_format::PhysicalType;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors while reading a `.gcol` file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening or mapping the file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A remote file could not be read (HTTP failure, or an answer that
    /// is not what was asked for).
    #[error("cannot read {url}: {detail}")]
    Remote {
        /// The URL.
        url: String,
        /// What went wrong.
        detail: String,
        /// The HTTP status of a refusal (404: no such file).
        status: Option<u16>,
    },
    /// The file's structure is invalid (header, tail, footer, manifest).
    #[error(transparent)]
    Format(#[from] gcol_format::Error),
    /// A page failed its checksum or did not decode.
    #[error("column {column:?}, page {page} at offset {offset}: {source}")]
    Page {
        /// `dataset/column`.
        column: String,
        /// Page index in the page directory.
        page: u64,
        /// Absolute offset of the page's stored bytes.
        offset: u64,
        /// What is wrong.
        #[source]
        source: Box<gcol_format::Error>,
    },
    /// A page directory entry breaks a rule of spec 2.4.
    #[error("page directory entry {page} at offset {offset}: field {field} must be {expected}, found {found}")]
    InvalidEntry {
        /// Page index.
        page: u64,
        /// Absolute offset of the entry.
        offset: u64,
        /// Field name as in the spec.
        field: &'static str,
        /// What the spec requires.
        expected: String,
        /// What was found.
        found: String,
    },
    /// Pages are not laid out as spec 2.3 requires (found by `verify`).
    #[error("layout: {detail} at offset {offset}")]
    Layout {
        /// Absolute offset.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// The manifest's column statistics disagree with the page directory (found by `verify`).
    #[error("column {column:?}: manifest says {field} = {manifest}, the page directory gives {directory}")]
    Inconsistent {
        /// `dataset/column`.
        column: String,
        /// Field name.
        field: &'static str,
        /// Value in the manifest.
        manifest: String,
        /// Value computed from the directory.
        directory: String,
    },
    /// No dataset of that name.
    #[error("no dataset {name:?}; the file has: {}", available.join(", "))]
    NoSuchDataset {
        /// Name asked for.
        name: String,
        /// Names present.
        available: Vec<String>,
    },
    /// No column of that name in the dataset.
    #[error("dataset {dataset:?} has no column {column:?}; it has: {}", available.join(", "))]
    NoSuchColumn {
        /// Dataset.
        dataset: String,
        /// Name asked for.
        column: String,
        /// Names present.
        available: Vec<String>,
    },
    /// A row or page index beyond the column.
    #[error("column {column:?}: index {index} is out of range (it has {len})")]
    OutOfRange {
        /// `dataset/column`.
        column: String,
        /// Index asked for.
        index: u64,
        /// Number of rows or pages.
        len: u64,
    },
    /// A dataset of another kind than the API needs.
    #[error("dataset {dataset:?} is of kind {found:?}, not {expected:?}")]
    WrongKind {
        /// Dataset.
        dataset: String,
        /// Kind needed.
        expected: &'static str,
        /// Kind found.
        found: String,
    },
    /// No record of that name.
    #[error("no sequence {name:?} in dataset {dataset:?}")]
    NoSuchRecord {
        /// Dataset.
        dataset: String,
        /// Name asked for.
        name: String,
    },
    /// No node, pathway or attribute of that name in a graph.
    #[error("graph {dataset:?} has no {what} {name:?}{hint}")]
    NoSuchElement {
        /// Dataset.
        dataset: String,
        /// `node`, `pathway`, `node attribute` or `edge attribute`.
        what: &'static str,
        /// Name asked for.
        name: String,
        /// What there is instead (starts with `; `), or empty.
        hint: String,
    },
    /// A region beyond its record (coordinates 0-based, half-open).
    #[error(
        "region {start}..{end} is outside record {record} of length {length} (0-based, half-open)"
    )]
    RegionOutOfRange {
        /// Record index.
        record: u64,
        /// Start asked for.
        start: u64,
        /// End asked for.
        end: u64,
        /// Record length.
        length: u64,
    },
    /// Writing output failed.
    #[error("cannot write output: {source}")]
    Output {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file uses a feature of a newer minor version than this reader
    /// knows (spec 9): reported when the column is read, not at open.
    #[error("column {column:?}: {what} needs a newer gcol (file version 1.{minor}, this reader knows 1.{known})")]
    Unsupported {
        /// `dataset/column`.
        column: String,
        /// The feature.
        what: String,
        /// The file's minor version.
        minor: u16,
        /// The highest minor version this reader knows.
        known: u16,
    },
    /// A list or chunked read of a column without that layout (spec 6.6, 6.7).
    #[error("column {column:?} is not a {expected} column")]
    WrongLayout {
        /// `dataset/column`.
        column: String,
        /// The layout the call needs.
        expected: &'static str,
    },
    /// A query that cannot be answered as asked (an unknown sample, a
    /// malformed region).
    #[error("{detail}")]
    Usage {
        /// What is wrong, for users.
        detail: String,
    },
    /// A motif pattern that cannot be searched for.
    #[error("motif pattern {pattern:?}: {detail}")]
    BadPattern {
        /// The pattern as given.
        pattern: String,
        /// Why it is refused.
        detail: String,
    },
    /// Arrow refused an array built from a page (feature `arrow`).
    #[error("arrow: {detail}")]
    Arrow {
        /// What Arrow said.
        detail: String,
    },
    /// A dataset value breaking an invariant of its kind (spec 8.4).
    #[error("column {column:?}, row {row}: {detail} (spec {rule})")]
    Invariant {
        /// `dataset/column`.
        column: String,
        /// The row (value index) where the invariant breaks.
        row: u64,
        /// The spec section stating the invariant.
        rule: &'static str,
        /// What was found.
        detail: String,
    },
    /// The caller's cancel flag was set (Ctrl-C in Python); nothing was
    /// returned.
    #[error("interrupted")]
    Interrupted,
    /// A typed read of a column of another physical type.
    #[error("column {column:?} holds {actual} values, not {requested}")]
    TypeMismatch {
        /// `dataset/column`.
        column: String,
        /// The column's type.
        actual: PhysicalType,
        /// The type asked for.
        requested: PhysicalType,
    },
}
