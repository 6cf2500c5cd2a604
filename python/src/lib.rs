//! Python bindings of gcol: the `gcol._gcol` extension module.
//!
//! Thin layer over `gcol-reader` and `gcol-writer`: every call that reads,
//! decodes, converts or runs a kernel releases the GIL; parallel work runs on
//! a rayon pool that is rebuilt after `fork()` (a forked child has no pool
//! threads), so files and caches stay usable under `multiprocessing`.

use std::sync::{Arc, Mutex, OnceLock};

use pyo3::create_exception;
use pyo3::exceptions::{
    PyException, PyFileNotFoundError, PyIOError, PyKeyboardInterrupt, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;

mod alignments;
mod buffer;
mod columns;
mod file;
mod graph;
mod partitions;
mod sequences;
mod table;
mod variants;

pub use buffer::PageBuffer;
pub use file::{PyFile, PyPageCache};
pub use sequences::{PyRecord, PySequences};
pub use variants::PyVariants;

create_exception!(
    _gcol,
    GcolError,
    PyException,
    "Base class of every gcol error."
);
create_exception!(
    _gcol,
    CorruptFileError,
    GcolError,
    "A .gcol file breaks the spec: bad magic, checksum, bounds or encoding."
);
create_exception!(
    _gcol,
    UnsupportedVersionError,
    GcolError,
    "A .gcol file of a major version this gcol cannot read."
);
create_exception!(
    _gcol,
    InputFormatError,
    GcolError,
    "A malformed input (FASTA, FASTQ) given to convert."
);
create_exception!(
    _gcol,
    RegionError,
    GcolError,
    "A region outside its record, or with its end before its start."
);
create_exception!(
    _gcol,
    NotFoundError,
    GcolError,
    "No dataset, column or record of that name."
);

/// Map a reader error to its Python exception class, keeping the message.
pub(crate) fn reader_error(error: gcol_reader::Error) -> PyErr {
    use gcol_reader::Error as E;
    let message = error.to_string();
    match error {
        E::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(message)
        }
        E::Remote {
            status: Some(404), ..
        } => PyFileNotFoundError::new_err(message),
        E::Io { .. } | E::Output { .. } | E::Remote { .. } => PyIOError::new_err(message),
        E::Format(
            gcol_format::Error::UnsupportedVersion { .. }
            | gcol_format::Error::UnsupportedManifestVersion { .. }
            | gcol_format::Error::Unsupported { .. },
        )
        | E::Unsupported { .. } => UnsupportedVersionError::new_err(message),
        E::NoSuchDataset { .. }
        | E::NoSuchColumn { .. }
        | E::NoSuchRecord { .. }
        | E::NoSuchElement { .. } => NotFoundError::new_err(message),
        E::RegionOutOfRange { .. } | E::OutOfRange { .. } => RegionError::new_err(message),
        E::TypeMismatch { .. } | E::WrongKind { .. } | E::WrongLayout { .. } => {
            GcolError::new_err(message)
        }
        E::BadPattern { .. } | E::Usage { .. } => PyValueError::new_err(message),
        E::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        _ => CorruptFileError::new_err(message),
    }
}

/// Map a writer error to its Python exception class.
pub(crate) fn writer_error(error: gcol_writer::Error) -> PyErr {
    use gcol_writer::Error as E;
    let message = error.to_string();
    match error {
        E::Input { .. } => InputFormatError::new_err(message),
        E::Source { source, .. } | E::Create { source, .. }
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            PyFileNotFoundError::new_err(message)
        }
        E::Io { .. } | E::Source { .. } | E::Create { .. } | E::Busy { .. } => {
            PyIOError::new_err(message)
        }
        _ => GcolError::new_err(message),
    }
}

/// The rayon pool of this process, rebuilt when the process id changes
/// (after `fork()` the child inherits the pool's state but not its threads).
/// The pool and the process id that built it.
type OwnedPool = Option<(u32, Arc<rayon::ThreadPool>)>;

fn pool() -> Arc<rayon::ThreadPool> {
    static POOL: OnceLock<Mutex<OwnedPool>> = OnceLock::new();
    let cell = POOL.get_or_init(|| Mutex::new(None));
    let mut slot = cell.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    match slot.as_ref() {
        Some((owner, pool)) if *owner == pid => pool.clone(),
        _ => {
            let pool = Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .build()
                    .expect("thread pool"),
            );
            *slot = Some((pid, pool.clone()));
            pool
        }
    }
}

/// Run `f` without the GIL on the calling thread (single fetches, opens:
/// no thread hand-off on the hot path).
pub(crate) fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    py.detach(f)
}

/// Run long work `f(cancel)` on this process's rayon pool while the
/// calling thread waits without the GIL, checking for signals every 50 ms:
/// on Ctrl-C (or any signal whose handler raises) `cancel` is set, `f` is
/// waited for (it stops at its next check and cleans up), and the
/// handler's exception (`KeyboardInterrupt`) is returned.
pub(crate) fn run_interruptible<T: Send>(
    py: Python<'_>,
    f: impl FnOnce(&std::sync::atomic::AtomicBool) -> T + Send,
) -> PyResult<T> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        let cancel = &cancel;
        let pool = pool();
        scope.spawn(move || {
            let _ = tx.send(pool.install(|| f(cancel)));
        });
        let mut rx = rx;
        loop {
            // The receiver moves into the GIL-free wait and back (it is not Sync).
            let (received, back) =
                py.detach(move || (rx.recv_timeout(Duration::from_millis(50)), rx));
            rx = back;
            match received {
                Ok(value) => return Ok(value),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        cancel.store(true, Ordering::Relaxed);
                        // Wait for the work to stop (its result is dropped).
                        let _ = py.detach(move || rx.recv());
                        return Err(interrupt);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err(
                        "the worker thread ended without a result",
                    ))
                }
            }
        }
    })
}

/// An output whose writes fail once `cancel` is set, so an export stops
/// at its next write (and its uncommitted temporary file is removed).
pub(crate) struct CancellableWrite<'a, W> {
    pub inner: W,
    pub cancel: &'a std::sync::atomic::AtomicBool,
}

impl<W: std::io::Write> std::io::Write for CancellableWrite<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            // Not ErrorKind::Interrupted: write_all would retry that.
            return Err(std::io::Error::other("interrupted"));
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Run parallel work `f` without the GIL on this process's rayon pool
/// (rebuilt after `fork()`).
pub(crate) fn run_parallel<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    py.detach(|| pool().install(f))
}

/// Reverse-complement a DNA/RNA string or bytes (IUPAC-aware, case kept).
#[pyfunction]
fn reverse_complement(py: Python<'_>, seq: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if let Ok(text) = seq.extract::<String>() {
        let mut bytes = text.into_bytes();
        gcol_format::kernels::reverse_complement(&mut bytes);
        let text = String::from_utf8(bytes)
            .map_err(|_| PyValueError::new_err("sequence must be ASCII"))?;
        return Ok(text.into_pyobject(py)?.into_any().unbind());
    }
    let mut bytes: Vec<u8> = seq.extract()?;
    gcol_format::kernels::reverse_complement(&mut bytes);
    Ok(pyo3::types::PyBytes::new(py, &bytes).into_any().unbind())
}

/// Which SIMD instruction set the kernels use on this CPU (`GCOL_ISA` caps it).
#[pyfunction]
fn kernel_isa() -> &'static str {
    match gcol_format::kernels::isa() {
        gcol_format::kernels::Isa::Avx512 => "avx512",
        gcol_format::kernels::Isa::Avx2 => "avx2",
        gcol_format::kernels::Isa::Neon => "neon",
        gcol_format::kernels::Isa::Scalar => "scalar",
    }
}

// The signature's literal default (a text signature shows literals only)
// is the import layer's default page size.
const _: () = assert!(gcol_import::DEFAULT_PAGE_KIB == 128);

/// Convert FASTA/FASTQ/VCF/BCF/SAM/BAM/CRAM and graph files into one
/// .gcol file (see `gcol.convert`).
#[pyfunction]
#[pyo3(signature = (inputs, output, *, paired=false, names=None, alphabet="auto", zstd_level=None, page_kib=128, quality_binning="lossless", compression="default", lenient_names=false, strict_names=false, threads=None, compact=true, reference=None, directed=None, source_column=None, target_column=None, schema=None, types=None, cancel=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn convert(
    py: Python<'_>,
    inputs: Vec<std::path::PathBuf>,
    output: std::path::PathBuf,
    paired: bool,
    names: Option<Vec<String>>,
    alphabet: &str,
    zstd_level: Option<i32>,
    page_kib: usize,
    quality_binning: &str,
    compression: &str,
    lenient_names: bool,
    strict_names: bool,
    threads: Option<usize>,
    compact: bool,
    reference: Option<std::path::PathBuf>,
    directed: Option<bool>,
    source_column: Option<String>,
    target_column: Option<String>,
    schema: Option<String>,
    types: Option<std::collections::BTreeMap<String, String>>,
    cancel: Option<PyRef<'_, file::PyCancelToken>>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Vec<Py<PyAny>>> {
    file::convert(
        py,
        file::ConvertArgs {
            inputs,
            output,
            paired,
            names: names.unwrap_or_default(),
            alphabet: alphabet.to_string(),
            zstd_level,
            page_kib,
            quality_binning: quality_binning.to_string(),
            compression: compression.to_string(),
            lenient_names,
            strict_names,
            threads,
            compact,
            reference,
            directed,
            source_column,
            target_column,
            schema,
            types: types.map(|t| t.into_iter().collect()).unwrap_or_default(),
            cancel: cancel.map(|c| c.flag.clone()),
        },
        progress,
    )
}

/// The built-in genomics schema (`gcol schema --json`): a list of tables,
/// each a dict with `name`, `doc`, `columns`, `primary_key` and
/// `foreign_keys`.
#[pyfunction]
fn schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let text = gcol_format::schema::genomics::to_json().to_string();
    py.import("json")?.call_method1("loads", (text,))
}

/// Called by `os.register_at_fork(after_in_child=...)`: rayon's global pool
/// is unusable in the child, so the reader stops using it; the next parallel
/// call builds a fresh pool of our own.
#[pyfunction]
fn _after_fork() {
    gcol_reader::mark_forked();
}

/// The extension module.
#[pymodule]
fn _gcol(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("GcolError", py.get_type::<GcolError>())?;
    m.add("CorruptFileError", py.get_type::<CorruptFileError>())?;
    m.add(
        "UnsupportedVersionError",
        py.get_type::<UnsupportedVersionError>(),
    )?;
    m.add("InputFormatError", py.get_type::<InputFormatError>())?;
    m.add("RegionError", py.get_type::<RegionError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add_class::<PyFile>()?;
    m.add_class::<PyPageCache>()?;
    m.add_class::<file::PyCancelToken>()?;
    m.add_class::<PySequences>()?;
    m.add_class::<PyVariants>()?;
    m.add_class::<alignments::PyAlignments>()?;
    m.add_class::<alignments::PyAlignedSegment>()?;
    m.add_class::<graph::PyGraph>()?;
    m.add_class::<table::PyTable>()?;
    m.add_class::<PyRecord>()?;
    m.add_class::<PageBuffer>()?;
    m.add_function(wrap_pyfunction!(file::open, m)?)?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(file::copy, m)?)?;
    m.add_function(wrap_pyfunction!(file::subset, m)?)?;
    m.add_function(wrap_pyfunction!(file::merge, m)?)?;
    m.add_function(wrap_pyfunction!(file::edit, m)?)?;
    m.add_function(wrap_pyfunction!(file::upgrade, m)?)?;
    m.add_function(wrap_pyfunction!(reverse_complement, m)?)?;
    m.add_function(wrap_pyfunction!(kernel_isa, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork, m)?)?;
    Ok(())
}
