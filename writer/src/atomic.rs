use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use tempfile::NamedTempFile;

use crate::{Error, Result, WriteOptions, Writer};

/// A temporary file in the target's directory that becomes the target only
/// on [`AtomicFile::commit`]; dropped uncommitted, it is deleted.
///
/// The temporary (`.NAME.XXXXXX.tmp`) is locked while it is written and
/// listed for [`remove_temporaries`] (which a signal handler calls before
/// exiting); creating one also removes stale temporaries of the same target
/// left by a killed writer: unlocked, and older than this process.
pub struct AtomicFile {
    /// Taken by `commit`.
    file: Option<BufWriter<NamedTempFile>>,
    target: PathBuf,
    temp: PathBuf,
}

/// Temporaries being written by this process.
fn live() -> &'static Mutex<Vec<PathBuf>> {
    static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    &LIVE
}

/// When this process started (near enough: the first file it wrote).
fn started() -> SystemTime {
    static STARTED: OnceLock<SystemTime> = OnceLock::new();
    *STARTED.get_or_init(SystemTime::now)
}

/// A function to run once, before this process creates its first
/// temporary: the CLI installs its signal handlers there, so commands that
/// write nothing start no handler thread.
static FIRST_TEMPORARY: OnceLock<fn()> = OnceLock::new();

/// Run `hook` once, just before the first [`AtomicFile`] is created (a
/// second call is ignored).
pub fn on_first_temporary(hook: fn()) {
    let _ = FIRST_TEMPORARY.set(hook);
}

/// Delete every temporary this process is writing: for a signal handler
/// (SIGINT, SIGTERM, SIGHUP) that then exits, so an interrupted `convert`
/// or `export` leaves nothing behind. Safe to call from any thread.
pub fn remove_temporaries() {
    let paths = std::mem::take(&mut *live().lock().unwrap_or_else(|e| e.into_inner()));
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

/// The temporaries of target `name` in `dir` (`.NAME.*.tmp`): each entry
/// with the part of its file name after `.NAME.`.
fn temporaries(dir: &Path, name: &str) -> Vec<(std::fs::DirEntry, String)> {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let rest = file_name.strip_prefix(&prefix)?;
            rest.ends_with(".tmp").then(|| (entry, rest.to_string()))
        })
        .collect()
}

/// Whether another open file description holds the lock on `path`;
/// `None` when that cannot be told (no file, no locks on this filesystem).
fn held(path: &Path) -> Option<bool> {
    let file = File::open(path).ok()?;
    match file.try_lock() {
        Ok(()) => Some(false),
        Err(std::fs::TryLockError::WouldBlock) => Some(true),
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// Remove temporaries named for `name` in `dir` that no live writer holds
/// (a writer keeps its temporary locked) and that are older than this
/// process: what a SIGKILL or a power cut left behind. Best effort.
fn remove_stale(dir: &Path, name: &str) {
    for (entry, _) in temporaries(dir, name) {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified < started());
        if old && held(&entry.path()) == Some(false) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A temporary of `name` in `dir`, other than `own`, whose lock another
/// writer holds: its path and the pid in its name (`.NAME.PID.XXXXXX.tmp`).
fn other_writer(dir: &Path, name: &str, own: &Path) -> Option<(PathBuf, Option<u32>)> {
    temporaries(dir, name)
        .into_iter()
        .filter(|(entry, _)| Some(entry.file_name().as_os_str()) != own.file_name())
        .find(|(entry, _)| held(&entry.path()) == Some(true))
        .map(|(entry, rest)| {
            let pid = rest.split('.').next().and_then(|p| p.parse().ok());
            (entry.path(), pid)
        })
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
        started();
        static HOOK_RAN: std::sync::Once = std::sync::Once::new();
        if let Some(hook) = FIRST_TEMPORARY.get() {
            HOOK_RAN.call_once(hook);
        }
        remove_stale(&dir, &name);
        // `.NAME.PID.XXXXXX.tmp`: the pid names this writer to another one.
        let file = tempfile::Builder::new()
            .prefix(&format!(".{name}.{}.", std::process::id()))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|source| Error::Create {
                target: target.to_path_buf(),
                dir: dir.clone(),
                source,
            })?;
        // Held until the file is renamed or deleted: a later writer's stale
        // sweep skips it. Best effort (some filesystems lack locks).
        let _ = file.as_file().try_lock();
        let temp = file.path().to_path_buf();
        // One writer per path: another writer's temporary of the same target
        // that is still locked means it is writing (two that start at once
        // both see each other and both stop, which is safe).
        if let Some((other, pid)) = other_writer(&dir, &name, &temp) {
            return Err(Error::Busy {
                target: target.to_path_buf(),
                other,
                pid,
            });
        }
        live()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(temp.clone());
        Ok(AtomicFile {
            file: Some(BufWriter::with_capacity(1 << 20, file)),
            target: target.to_path_buf(),
            temp,
        })
    }

    /// Flush, fsync, set the mode (a replaced file's, else readable by
    /// others), rename over the target, and
    /// fsync the directory so the rename survives a crash.
    pub fn commit(mut self) -> Result<()> {
        forget_temp(&self.temp);
        let target = std::mem::take(&mut self.target);
        let file = self.file.take().expect("committed once");
        let io_err = |source| Error::Io {
            path: Some(target.clone()),
            offset: 0,
            source,
        };
        let temp = file.into_inner().map_err(|e| io_err(e.into_error()))?;
        temp.as_file().sync_all().map_err(io_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // tempfile creates 0600; a new dataset should be readable like
            // any other output, and a replaced file keeps its mode (a
            // private file stays private).
            let mode = std::fs::metadata(&target)
                .ok()
                .filter(|m| m.is_file())
                .map_or(0o644, |m| m.permissions().mode() & 0o7777);
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
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

impl AtomicFile {
    /// The temporary's path (complete only after [`Write::flush`]), for a
    /// caller that checks what it wrote before [`AtomicFile::commit`].
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    fn out(&mut self) -> &mut BufWriter<NamedTempFile> {
        self.file.as_mut().expect("not committed")
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out().flush()
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
            .as_ref()
            .expect("not committed")
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

/// Stop listing `temp` for [`remove_temporaries`].
fn forget_temp(temp: &Path) {
    live()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|p| p != temp);
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Uncommitted: NamedTempFile deletes the file itself.
        forget_temp(&self.temp);
    }
}
