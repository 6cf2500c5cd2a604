use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{Error, Result, WriteOptions, Writer};

/// A temporary file in the target's directory that becomes the target only
/// on [`AtomicFile::commit`]; dropped uncommitted, it is deleted.
pub struct AtomicFile {
    file: BufWriter<NamedTempFile>,
    target: PathBuf,
}

impl AtomicFile {
    /// Create the temporary file beside `target`.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let file = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|source| Error::Create {
                target: target.to_path_buf(),
                dir: dir.clone(),
                source,
            })?;
        Ok(AtomicFile {
            file: BufWriter::with_capacity(1 << 20, file),
            target: target.to_path_buf(),
        })
    }

    /// Flush, fsync, make readable by others, rename over the target, and
    /// fsync the directory so the rename survives a crash.
    pub fn commit(self) -> Result<()> {
        let target = self.target;
        let io_err = |source| Error::Io {
            path: Some(target.clone()),
            offset: 0,
            source,
        };
        let temp = self.file.into_inner().map_err(|e| io_err(e.into_error()))?;
        temp.as_file().sync_all().map_err(io_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // tempfile creates 0600; a shared dataset should be readable like any other output.
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(io_err)?;
        }
        temp.persist(&target).map_err(|e| io_err(e.error))?;
        if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Best effort: some filesystems refuse to open directories for sync.
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A [`Writer`] to a path: a temporary file renamed into place by [`FileWriter::finish`].
pub struct FileWriter {
    writer: Writer<AtomicFile>,
    path: PathBuf,
}

impl Writer<AtomicFile> {
    /// Write a file at `path` crash-safely: the data goes to a temporary file
    /// in the same directory, which is fsynced and renamed over `path` by
    /// [`FileWriter::finish`]. Dropped unfinished, nothing appears at `path`.
    pub fn create(path: impl AsRef<Path>, options: WriteOptions) -> Result<FileWriter> {
        let path = path.as_ref().to_path_buf();
        let file = AtomicFile::create(&path)?;
        let writer = Writer::new(file, options).map_err(|e| with_path(e, &path))?;
        Ok(FileWriter { writer, path })
    }
}

fn with_path(error: Error, target: &Path) -> Error {
    match error {
        Error::Io {
            path: None,
            offset,
            source,
        } => Error::Io {
            path: Some(target.to_path_buf()),
            offset,
            source,
        },
        other => other,
    }
}

impl FileWriter {
    /// Finish the file and move it into place. Returns its length in bytes.
    pub fn finish(self) -> Result<u64> {
        let path = self.path;
        let file = self.writer.finish().map_err(|e| with_path(e, &path))?;
        let len = file
            .file
            .get_ref()
            .as_file()
            .metadata()
            .map(|m| m.len())
            .unwrap_or(0);
        file.commit()?;
        Ok(len)
    }

    /// Target path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Deref for FileWriter {
    type Target = Writer<AtomicFile>;
    fn deref(&self) -> &Self::Target {
        &self.writer
    }
}

impl DerefMut for FileWriter {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.writer
    }
}
