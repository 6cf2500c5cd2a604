//! Verified copies (`gcol copy SRC DST`, Python `gcol.copy`): a backup that
//! is known good. The source's every checksum is checked (directory,
//! pages, footer, inline columns), the bytes are written to a temporary
//! beside the destination, the temporary is opened and checked the same
//! way, and only then renamed into place (fsynced, as every write). A
//! damaged source, or a copy that does not read back, leaves the
//! destination untouched. Restoring is the same command the other way.

use std::io::Write;
use std::path::{Path, PathBuf};

use gcol_writer::AtomicFile;

use crate::convert::Error;
use crate::Progress;

/// What a copy checked and wrote.
#[derive(Debug, Clone)]
pub struct CopySummary {
    /// The path written (DST, or DST/NAME when DST is a directory).
    pub destination: PathBuf,
    /// Bytes copied.
    pub bytes: u64,
    /// Pages whose checksums were checked, in the source and in the copy.
    pub pages: u64,
    /// Datasets whose record tables were checked.
    pub datasets: u64,
}

/// A source that does not read: an I/O or remote failure (exit 3, as
/// the reading commands), else a damaged file.
fn corrupt(path: &Path, e: gcol_reader::Error) -> Error {
    if matches!(
        e,
        gcol_reader::Error::Io { .. } | gcol_reader::Error::Remote { .. }
    ) {
        return Error::Write(gcol_writer::Error::Source {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        });
    }
    Error::Input {
        path: path.to_path_buf(),
        detail: format!("not copied: {e}"),
    }
}

/// Copy the `.gcol` file `source` to `destination`, verifying both (see the
/// module text). `progress(done, total)` counts bytes over the three passes.
pub fn copy_verified(
    source: &Path,
    destination: &Path,
    progress: Progress<'_>,
) -> Result<CopySummary, Error> {
    let destination = if destination.is_dir() {
        destination.join(source.file_name().ok_or_else(|| Error::Usage {
            detail: format!("{} names no file", source.display()),
        })?)
    } else {
        destination.to_path_buf()
    };
    if let (Ok(a), Ok(b)) = (source.canonicalize(), destination.canonicalize()) {
        if a == b {
            return Err(Error::Usage {
                detail: format!(
                    "{} and {} are the same file",
                    source.display(),
                    destination.display()
                ),
            });
        }
    }
    // One mapping serves the check and the copy: the bytes copied are the
    // bytes checked, even if the path is replaced meanwhile.
    let reader = gcol_reader::Reader::open(source).map_err(|e| corrupt(source, e))?;
    let size = reader.len();
    let total = size.saturating_mul(3);
    let scaled =
        |done: u64, all: u64| (u128::from(done) * u128::from(size) / u128::from(all.max(1))) as u64;
    let checked = reader
        .verify(|done, all| progress(scaled(done, all), total))
        .map_err(|e| corrupt(source, e))?;
    let mut out = AtomicFile::create(&destination)?;
    let mut copied = 0u64;
    let bytes = reader.bytes().map_err(|e| corrupt(source, e))?;
    for piece in bytes.chunks(1 << 20) {
        out.write_all(piece).map_err(|e| gcol_writer::Error::Io {
            path: Some(destination.clone()),
            offset: copied,
            source: e,
        })?;
        copied += piece.len() as u64;
        progress(size + copied, total);
    }
    drop((bytes, reader));
    out.flush().map_err(|e| gcol_writer::Error::Io {
        path: Some(destination.clone()),
        offset: copied,
        source: e,
    })?;
    if copied != size {
        return Err(Error::Input {
            path: source.to_path_buf(),
            detail: format!("changed while it was copied ({size} bytes checked, {copied} read); nothing was written"),
        });
    }
    // The copy, read back from the temporary before it takes the name.
    let copy = gcol_reader::Reader::open(out.temp_path()).map_err(|e| Error::Output {
        path: destination.clone(),
        detail: format!("the copy does not read back ({e}); nothing was written"),
    })?;
    let again = copy
        .verify(|done, all| progress(2 * size + scaled(done, all), total))
        .map_err(|e| Error::Output {
            path: destination.clone(),
            detail: format!("the copy does not verify ({e}); nothing was written"),
        })?;
    drop(copy);
    if again.pages != checked.pages {
        return Err(Error::Output {
            path: destination.clone(),
            detail: format!(
                "the copy has {} pages, the source {}; nothing was written",
                again.pages, checked.pages
            ),
        });
    }
    out.commit()?;
    progress(total, total);
    Ok(CopySummary {
        destination,
        bytes: copied,
        pages: checked.pages,
        datasets: checked.datasets,
    })
}
