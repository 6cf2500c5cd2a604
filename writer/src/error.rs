use std::path::PathBuf;

use gcol_format::PhysicalType;

impl Error {
    /// For an input error raised while reading, name the line after the
    /// `lines` already read.
    pub fn with_line_after(self, lines: u64) -> Error {
        match self {
            Error::Input {
                path,
                record,
                field,
                detail,
                ..
            } => Error::Input {
                path,
                record,
                line: lines + 1,
                field,
                detail,
            },
            other => other,
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors while writing a `.gcol` file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sink or file failed.
    #[error("write failed{} at offset {offset}: {source}", path.as_ref().map(|p| format!(" for {}", p.display())).unwrap_or_default())]
    Io {
        /// Target path, when writing to a path.
        path: Option<PathBuf>,
        /// File offset the failed write started at.
        offset: u64,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Reading a source file for provenance failed.
    #[error("cannot read source {}: {source}", path.display())]
    Source {
        /// Source path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A malformed input record.
    #[error(
        "{}: record {record}, {}{field}: {detail}",
        path.display(),
        // Binary inputs (BAM, BCF, CRAM) have no lines.
        if *line == 0 { String::new() } else { format!("line {line}, ") }
    )]
    Input {
        /// Input path.
        path: PathBuf,
        /// Record number, 1-based (0 before the first record).
        record: u64,
        /// Line number, 1-based.
        line: u64,
        /// Field of the record.
        field: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The output could not be started: no temporary file could be created
    /// in the target's directory (missing, not writable, full).
    #[error("cannot create {} (a temporary file in {} failed: {})", target.display(), dir.display(), io_reason(source))]
    Create {
        /// The output path.
        target: PathBuf,
        /// The directory the temporary file goes in.
        dir: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Another writer is writing the same output (it holds the lock on
    /// its temporary file): two writers must not race on one path.
    #[error("{} is being written by another writer{} (its temporary {}); wait for it to finish or stop it", target.display(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default(), other.display())]
    Busy {
        /// The output path.
        target: PathBuf,
        /// The other writer's temporary file.
        other: PathBuf,
        /// The other writer's process id, from its temporary's name.
        pid: Option<u32>,
    },
    /// Encoding a page failed.
    #[error("column {column:?}: {source}")]
    Encode {
        /// Column name.
        column: String,
        /// The format error.
        #[source]
        source: gcol_format::Error,
    },
    /// The background task encoding a page of the column panicked (a bug;
    /// the writer is poisoned).
    #[error("column {column:?}: the task encoding a page panicked")]
    EncodeTask {
        /// Column name.
        column: String,
    },
    /// Values pushed to a column of another physical type.
    #[error("column {column:?} holds {expected} values, not {found}")]
    TypeMismatch {
        /// Column name.
        column: String,
        /// The column's type.
        expected: PhysicalType,
        /// The type pushed.
        found: PhysicalType,
    },
    /// A dataset or column name used twice, or empty.
    #[error("invalid {what} name {name:?}: {reason}")]
    InvalidName {
        /// `dataset` or `column`.
        what: &'static str,
        /// The name.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An encoding that cannot hold the column's type.
    #[error("column {column:?}: encoding {encoding} cannot hold {physical} values")]
    EncodingNotApplicable {
        /// Column name.
        column: String,
        /// Encoding name.
        encoding: String,
        /// Column type.
        physical: PhysicalType,
    },
    /// A handle from another writer.
    #[error("no {what} with handle {index} in this writer")]
    UnknownHandle {
        /// `dataset` or `column`.
        what: &'static str,
        /// The handle's index.
        index: usize,
    },
    /// One value larger than a page may be.
    #[error("column {column:?}: a value of {len} bytes exceeds the page limit of {limit} bytes")]
    ValueTooLarge {
        /// Column name.
        column: String,
        /// Value length.
        len: u64,
        /// Limit.
        limit: u64,
    },
    /// A call that does not fit the column's layout (spec 6.5-6.7): a null
    /// pushed to a column that is not nullable, a list ended on a flat
    /// column, rows of the wrong width for a chunked column.
    #[error("column {column:?}: {detail}")]
    Layout {
        /// Column name.
        column: String,
        /// What does not fit.
        detail: String,
    },
    /// The manifest the writer built breaks a rule of spec 5.6 (a list
    /// whose child is missing or chunked, ...): nothing is written.
    #[error("the file would be invalid: {source}")]
    Manifest {
        /// The rule broken.
        source: gcol_format::Error,
    },
    /// The caller asked the conversion to stop (Ctrl-C in Python); nothing
    /// was written.
    #[error("interrupted; nothing was written")]
    Interrupted,
    /// An earlier write failed; the output is unusable.
    #[error("an earlier write failed; this writer cannot continue")]
    Poisoned,
}

/// An I/O error's reason without the path tempfile appends to it (the
/// message names the directory already; the random name would only confuse).
fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at path \"") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
