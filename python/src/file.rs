//! `gcol.open`, the file object, the shared page cache, and `gcol.convert`.

use std::path::PathBuf;
use std::sync::Arc;

use gcol_import::{Alphabet, ConvertOptions, Event, NamePolicy, QualityBinning};
use gcol_reader::{ChecksumPolicy, EvictionPolicy, PageCache, ReadOptions, Reader};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::sequences::PySequences;
use crate::{reader_error, run, run_parallel, writer_error, InputFormatError};

/// A byte-budgeted page cache shared by any number of open files.
#[pyclass(frozen, name = "PageCache", module = "gcol._gcol")]
pub struct PyPageCache {
    pub(crate) inner: Arc<PageCache>,
}

#[pymethods]
impl PyPageCache {
    #[new]
    #[pyo3(signature = (budget_bytes, policy="lru"))]
    fn new(budget_bytes: u64, policy: &str) -> PyResult<Self> {
        let policy = match policy {
            "lru" => EvictionPolicy::Lru,
            "s3fifo" | "s3-fifo" => EvictionPolicy::S3Fifo,
            other => {
                return Err(PyValueError::new_err(format!(
                    "policy must be 'lru' or 's3fifo', not {other:?}"
                )))
            }
        };
        Ok(PyPageCache {
            inner: PageCache::with_budget(budget_bytes, policy),
        })
    }

    /// The byte budget.
    #[getter]
    fn budget_bytes(&self) -> u64 {
        self.inner.budget_bytes()
    }

    /// `"lru"` or `"s3fifo"`.
    #[getter]
    fn policy(&self) -> &'static str {
        match self.inner.policy() {
            EvictionPolicy::Lru => "lru",
            EvictionPolicy::S3Fifo => "s3fifo",
        }
    }

    /// Counters: hits, misses, evictions, bytes_decoded, bytes_resident,
    /// bytes_pinned, entries, readahead_pages, readahead_hits, rejected.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("hits", m.hits)?;
        d.set_item("misses", m.misses)?;
        d.set_item("evictions", m.evictions)?;
        d.set_item("bytes_decoded", m.bytes_decoded)?;
        d.set_item("bytes_resident", m.bytes_resident)?;
        d.set_item("bytes_pinned", m.bytes_pinned)?;
        d.set_item("entries", m.entries)?;
        d.set_item("readahead_pages", m.readahead_pages)?;
        d.set_item("readahead_hits", m.readahead_hits)?;
        d.set_item("rejected", m.rejected)?;
        Ok(d)
    }

    /// Drop every unpinned page.
    fn clear(&self) {
        self.inner.clear();
    }

    fn __repr__(&self) -> String {
        format!(
            "PageCache(budget_bytes={}, policy={:?})",
            self.inner.budget_bytes(),
            self.policy()
        )
    }
}

/// An open .gcol file.
#[pyclass(frozen, name = "File", module = "gcol._gcol")]
pub struct PyFile {
    pub(crate) reader: Reader,
    path: String,
    /// The reference alignments coded against one outside the file need
    /// (spec 15.10).
    reference: Option<std::sync::Arc<dyn gcol_reader::alignments::ReferenceBases>>,
}

fn json_to_py(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// Open a .gcol file: maps it and reads only its tail and footer.
#[pyfunction]
#[pyo3(signature = (path, cache=None, checksums="verify", readahead_pages=4, reference=None))]
pub fn open(
    py: Python<'_>,
    path: PathBuf,
    cache: Option<&Bound<'_, PyPageCache>>,
    checksums: &str,
    readahead_pages: u32,
    reference: Option<PathBuf>,
) -> PyResult<PyFile> {
    let policy = match checksums {
        "verify" => ChecksumPolicy::Verify,
        "skip" => ChecksumPolicy::Skip,
        other => {
            return Err(PyValueError::new_err(format!(
                "checksums must be 'verify' or 'skip', not {other:?}"
            )))
        }
    };
    let mut options = ReadOptions::default()
        .checksums(policy)
        .readahead_pages(readahead_pages);
    if let Some(cache) = cache {
        options = options.cache(cache.get().inner.clone());
    }
    let reader = run(py, || Reader::open_with(&path, options)).map_err(reader_error)?;
    let reference = match reference {
        Some(r) => {
            Some(gcol_import::reference::open_reference_bases(&r).map_err(crate::writer_error)?)
        }
        None => None,
    };
    Ok(PyFile {
        reader,
        path: path.display().to_string(),
        reference,
    })
}

#[pymethods]
impl PyFile {
    /// Path the file was opened from.
    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    /// For a file opened by URL: `{"requests": n, "bytes": n}`, the HTTP
    /// range requests made and body bytes received so far; else `None`.
    #[getter]
    fn remote_stats(&self) -> Option<std::collections::BTreeMap<&'static str, u64>> {
        self.reader
            .remote_stats()
            .map(|s| [("requests", s.requests), ("bytes", s.bytes)].into())
    }

    /// The partitions of `dataset` (`gcol.dataset` cuts datasets so): a
    /// list of dicts with `dataset`, `index`, `contig` (variants: the
    /// contig of its sites), and `rows` (`(start, end)`: variants, tables,
    /// graphs' edges), `records` (`(first, end)`: runs of whole records
    /// of sequences and reads up to 4 Mb) or `window` (`(record, start,
    /// end)`: 4 Mb of a longer record).
    fn partitions<'py>(
        &self,
        py: Python<'py>,
        dataset: &str,
    ) -> PyResult<Bound<'py, pyo3::types::PyList>> {
        crate::partitions::describe(py, &self.reader, dataset)
    }

    /// The Arrow C stream (a PyCapsule) of partitions `indexes` of
    /// `dataset` (all when `None`), with only `columns` when given and the
    /// `GT` column of a variants dataset when `genotypes`.
    #[pyo3(signature = (dataset, indexes=None, columns=None, genotypes=false))]
    fn _partition_stream<'py>(
        &self,
        py: Python<'py>,
        dataset: &str,
        indexes: Option<Vec<usize>>,
        columns: Option<Vec<String>>,
        genotypes: bool,
    ) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let options = gcol_reader::partitions::BatchOptions { columns, genotypes };
        crate::partitions::dataset_stream(py, &self.reader, dataset, indexes, options)
    }

    /// Write `dataset` as Parquet (the same export as `gcol export
    /// --format parquet`): one file when `path` ends in `.parquet`, its
    /// partitions as row groups; else a new directory of one file per
    /// partition (`contig=NAME/part-NNNNN.parquet` for variants), for
    /// DuckDB's `read_parquet('DIR/**/*.parquet', hive_partitioning=true)`
    /// or Dask. Variants carry their `GT` column unless `genotypes=False`.
    /// Returns `{"partitions": n, "rows": n}`.
    #[pyo3(signature = (dataset, path, genotypes=true))]
    fn export_parquet<'py>(
        &self,
        py: Python<'py>,
        dataset: &str,
        path: PathBuf,
        genotypes: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let reader = self.reader.clone();
        let dataset = dataset.to_string();
        let options = gcol_reader::partitions::BatchOptions {
            columns: None,
            genotypes,
        };
        let (parts, rows) = run(py, move || {
            gcol_reader::partitions::write_parquet(&reader, &dataset, &path, &options, |_, _| {})
        })
        .map_err(reader_error)?;
        let d = PyDict::new(py);
        d.set_item("partitions", parts)?;
        d.set_item("rows", rows)?;
        Ok(d)
    }

    /// `(major, minor)` format version.
    #[getter]
    fn version(&self) -> (u16, u16) {
        self.reader.version()
    }

    /// Dataset names, in file order.
    #[getter]
    fn datasets(&self) -> Vec<String> {
        self.reader
            .datasets()
            .iter()
            .map(|d| d.name.clone())
            .collect()
    }

    /// The whole manifest as a dict (spec 5).
    #[getter]
    fn manifest(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let text = serde_json::to_string(self.reader.manifest())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        json_to_py(py, &text)
    }

    /// Source files the data came from (spec 5.5), as dicts.
    #[getter]
    fn provenance(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let text = serde_json::to_string(&self.reader.manifest().provenance)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        json_to_py(py, &text)
    }

    /// File length in bytes.
    fn __len__(&self) -> usize {
        self.reader.len() as usize
    }

    /// Check every checksum and structural rule (spec 8.2) and each
    /// dataset's record table; with `deep=True` every invariant of each
    /// dataset's kind too (spec 8.4: runs, run indexes, page sizes,
    /// padding, flags, mates). Raises `CorruptFileError` naming the offset,
    /// or the dataset, column and row, when the file is not sound.
    /// Content hash of dataset `name` (spec 8.5): SHA-256 of its decoded
    /// values, equal across files that hold the same data whatever their
    /// page sizes, encodings or compression (as `gcol inspect --hash`).
    fn content_hash(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        let reader = self.reader.clone();
        let name = name.to_string();
        run(py, move || reader.content_hash(&name)).map_err(reader_error)
    }

    #[pyo3(signature = (deep = false))]
    fn verify<'py>(&self, py: Python<'py>, deep: bool) -> PyResult<Bound<'py, PyDict>> {
        let reader = self.reader.clone();
        let reference = self.reference.clone();
        let report = run(py, move || {
            reader.verify_with_reference(deep, reference, |_, _| {})
        })
        .map_err(reader_error)?;
        let d = PyDict::new(py);
        d.set_item("pages", report.pages)?;
        d.set_item("columns", report.columns)?;
        d.set_item("directory_blocks", report.directory_blocks)?;
        d.set_item("stored_bytes", report.stored_bytes)?;
        d.set_item("decoded_bytes", report.decoded_bytes)?;
        d.set_item("datasets", report.datasets)?;
        d.set_item("records", report.records)?;
        d.set_item("runs", report.runs)?;
        d.set_item("unchecked", report.unchecked)?;
        Ok(d)
    }

    /// The `sequences` or `reads` dataset `name`.
    fn sequences(&self, name: &str) -> PyResult<PySequences> {
        PySequences::open(&self.reader, name)
    }

    /// The `variants` dataset `name`.
    fn variants(&self, name: &str) -> PyResult<crate::PyVariants> {
        crate::PyVariants::open(&self.reader, name)
    }

    /// The alignments dataset `name`.
    fn alignments(&self, name: &str) -> PyResult<crate::alignments::PyAlignments> {
        crate::alignments::PyAlignments::open(&self.reader, name, self.reference.clone())
    }

    /// `file[name]`: the dataset `name` (`Sequences` for sequences and
    /// reads, `Variants` for variants, `Alignments` for alignments, `Graph`
    /// for graphs).
    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let Some(dataset) = self.reader.datasets().iter().find(|d| d.name == name) else {
            return Err(pyo3::exceptions::PyKeyError::new_err(name.to_string()));
        };
        if gcol_reader::Variants::is_variants(dataset) {
            return Ok(Bound::new(py, self.variants(name)?)?.into_any());
        }
        if gcol_reader::Alignments::is_alignments(dataset) {
            return Ok(Bound::new(py, self.alignments(name)?)?.into_any());
        }
        let table_17 = gcol_reader::table::Table::is_table(dataset)
            && gcol_format::manifest::dataset_minor_needed(
                &dataset.kind,
                &dataset.metadata,
                |_| false,
            ) >= 7;
        if table_17 {
            let table = crate::table::PyTable::open(&self.reader, name)?;
            return Ok(Bound::new(py, table)?.into_any());
        }
        if dataset.kind == gcol_format::schema::graph::KIND {
            let graph = crate::graph::PyGraph::open(&self.reader, name)?;
            return Ok(Bound::new(py, graph)?.into_any());
        }
        if gcol_reader::table::Table::is_table(dataset) {
            // A format 1.0 table: flat columns without the typed schema.
            return Err(crate::GcolError::new_err(format!(
                "dataset {name:?} is a format 1.0 table (flat columns, no typed schema): \
                 read it with File.column({name:?}, COLUMN), or as Arrow with \
                 gcol.dataset(PATH, name={name:?}).to_arrow()"
            )));
        }
        Ok(Bound::new(py, self.sequences(name)?)?.into_any())
    }

    fn __contains__(&self, name: &str) -> bool {
        self.reader.datasets().iter().any(|d| d.name == name)
    }

    /// Every value of one column (or rows `start..end`): a numpy array (a
    /// copy) for numbers, masked (`numpy.ma`) where a nullable column has
    /// nulls; a list of `bytes` (`None` for nulls) for binary columns.
    #[pyo3(signature = (dataset, column, start=None, end=None))]
    fn column<'py>(
        &self,
        py: Python<'py>,
        dataset: &str,
        column: &str,
        start: Option<u64>,
        end: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if column == gcol_format::schema::sequences::columns::NAME
            && self.reader.column(dataset, column).is_err()
            && self.reader.sequence_datasets().iter().any(|d| d == dataset)
        {
            // Names taken from the definitions (spec 12.2, format 1.2).
            let seqs = self.reader.sequences(dataset).map_err(reader_error)?;
            let names = run(py, || seqs.names()).map_err(reader_error)?;
            let n = names.len() as u64;
            let (s, e) = (start.unwrap_or(0).min(n), end.unwrap_or(n).min(n));
            let items = names[s as usize..e.max(s) as usize]
                .iter()
                .map(|name| pyo3::types::PyBytes::new(py, name.as_bytes()));
            return Ok(PyList::new(py, items)?.into_any());
        }
        let rows = self.rows(dataset, column, start, end)?;
        crate::columns::values(py, &self.reader, dataset, column, Some(rows))
    }

    /// Presence of each value (True) or null (False), as a numpy bool array.
    #[pyo3(signature = (dataset, column, start=None, end=None))]
    fn validity<'py>(
        &self,
        py: Python<'py>,
        dataset: &str,
        column: &str,
        start: Option<u64>,
        end: Option<u64>,
    ) -> PyResult<Bound<'py, numpy::PyArray1<bool>>> {
        let rows = self.rows(dataset, column, start, end)?;
        let col = self.reader.column(dataset, column).map_err(reader_error)?;
        let present = run(py, || col.read_validity(rows)).map_err(reader_error)?;
        Ok(numpy::PyArray1::from_vec(py, present))
    }

    /// Each row of a list column (spec 6.6): its items as `column` gives
    /// them (nested lists for lists of lists), or `None` for a null list.
    #[pyo3(signature = (dataset, column, start=None, end=None))]
    fn lists<'py>(
        &self,
        py: Python<'py>,
        dataset: &str,
        column: &str,
        start: Option<u64>,
        end: Option<u64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let rows = self.rows(dataset, column, start, end)?;
        crate::columns::lists(py, &self.reader, dataset, column, Some(rows))
    }

    /// A block of a chunked column (spec 6.7) as an array of shape
    /// `(rows, columns, inner)`, masked where values are null: rows
    /// `rows=(start, end)` and columns `columns=(start, end)`, all by
    /// default. Only the chunks the block touches are decoded.
    #[pyo3(signature = (dataset, column, rows=None, columns=None))]
    fn array<'py>(
        &self,
        py: Python<'py>,
        dataset: &str,
        column: &str,
        rows: Option<(u64, u64)>,
        columns: Option<(u64, u64)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let col = self.reader.column(dataset, column).map_err(reader_error)?;
        crate::columns::block(
            py,
            &col,
            rows.map(|(a, b)| a..b),
            columns.map(|(a, b)| a..b),
        )
    }

    /// Every decoded value of every column (or of `dataset`) as plain Python
    /// data, the same JSON shape as `gcol dump` (binary values as hex).
    #[pyo3(signature = (dataset=None))]
    fn dump(&self, py: Python<'_>, dataset: Option<String>) -> PyResult<Py<PyAny>> {
        let reader = self.reader.clone();
        let value = run(py, move || reader.dump_json(dataset.as_deref())).map_err(reader_error)?;
        let text =
            serde_json::to_string(&value).map_err(|e| PyValueError::new_err(e.to_string()))?;
        json_to_py(py, &text)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "<gcol.File {:?}: {}>",
            self.path,
            self.datasets().join(", ")
        )
    }
}

impl PyFile {
    /// Rows `start..end` of a column (defaults: all of it).
    fn rows(
        &self,
        dataset: &str,
        column: &str,
        start: Option<u64>,
        end: Option<u64>,
    ) -> PyResult<std::ops::Range<u64>> {
        let n = self
            .reader
            .column(dataset, column)
            .map_err(reader_error)?
            .num_values();
        let (start, end) = (start.unwrap_or(0), end.unwrap_or(n));
        if start > end || end > n {
            return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "rows {start}..{end} are outside {dataset}/{column} of {n} values"
            )));
        }
        Ok(start..end)
    }
}

/// A flag another thread sets to stop a long call (`gcol.convert` waits in
/// the main thread and sets it on Ctrl-C).
#[pyclass(frozen, name = "CancelToken", module = "gcol._gcol")]
pub struct PyCancelToken {
    pub(crate) flag: Arc<std::sync::atomic::AtomicBool>,
}

#[pymethods]
impl PyCancelToken {
    #[new]
    fn new() -> Self {
        PyCancelToken {
            flag: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// Ask the call holding this token to stop (it raises `KeyboardInterrupt`
    /// and leaves no output).
    fn cancel(&self) {
        self.flag.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether `cancel` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.flag.load(std::sync::atomic::Ordering::Relaxed)
    }
}

pub(crate) struct ConvertArgs {
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    pub paired: bool,
    pub names: Vec<String>,
    pub alphabet: String,
    pub zstd_level: Option<i32>,
    pub page_kib: usize,
    pub quality_binning: String,
    /// `--compression`: fast, default or archive.
    pub compression: String,
    pub lenient_names: bool,
    pub strict_names: bool,
    /// Worker threads (the CLI's `-@`); `None`: the module's pool.
    pub threads: Option<usize>,
    /// The small-file layout (the CLI's `--no-compact` turns it off).
    pub compact: bool,
    /// `--reference` of VCF/BCF inputs.
    pub reference: Option<PathBuf>,
    /// Edge tables: `False` for undirected edges (`--undirected`).
    pub directed: Option<bool>,
    /// Edge tables: `--source-column`.
    pub source_column: Option<String>,
    /// Edge tables: `--target-column`.
    pub target_column: Option<String>,
    /// `--schema`: CSV/TSV inputs are tables of the genomics schema.
    pub schema: Option<String>,
    /// `--types`: (column, value type) of CSV/TSV table columns.
    pub types: Vec<(String, String)>,
    /// Set to stop the conversion.
    pub cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
}

/// Map an import-layer error to its Python exception class.
fn import_error(error: gcol_import::Error) -> PyErr {
    match error {
        gcol_import::Error::Usage { .. } => PyValueError::new_err(error.to_string()),
        gcol_import::Error::Output { .. } => {
            pyo3::exceptions::PyIsADirectoryError::new_err(error.to_string())
        }
        gcol_import::Error::Write(gcol_writer::Error::Interrupted) => {
            pyo3::exceptions::PyKeyboardInterrupt::new_err(
                "conversion interrupted; nothing was written",
            )
        }
        gcol_import::Error::Write(e) => writer_error(e),
        other => InputFormatError::new_err(other.to_string()),
    }
}

/// Errors of commands that read whole .gcol files (copy, subset, merge,
/// edit): an unreadable or unsound source `CorruptFileError`, an output
/// that cannot be written `OSError`, the rest as the import layer's.
fn file_error(e: gcol_import::Error) -> PyErr {
    match e {
        gcol_import::Error::Input { .. } => crate::CorruptFileError::new_err(e.to_string()),
        gcol_import::Error::Output { .. } => pyo3::exceptions::PyOSError::new_err(e.to_string()),
        other => import_error(other),
    }
}

/// `gcol.copy`: the same verified copy as `gcol copy`.
#[pyfunction]
pub(crate) fn copy(
    py: Python<'_>,
    source: PathBuf,
    destination: PathBuf,
) -> PyResult<Bound<'_, PyDict>> {
    let summary = run(py, || {
        gcol_import::copy_verified(&source, &destination, &|_, _| {})
    })
    .map_err(file_error)?;
    let d = PyDict::new(py);
    d.set_item("destination", summary.destination.display().to_string())?;
    d.set_item("bytes", summary.bytes)?;
    d.set_item("pages", summary.pages)?;
    d.set_item("datasets", summary.datasets)?;
    Ok(d)
}

/// The summary dict of a subset, merge or edit, its errors mapped as
/// `copy`'s (an unreadable source `CorruptFileError`, a usage problem
/// `ValueError`).
fn rewritten(
    py: Python<'_>,
    run_it: impl FnOnce() -> Result<gcol_import::EditSummary, gcol_import::Error> + Send,
) -> PyResult<Bound<'_, PyDict>> {
    let summary = run(py, run_it).map_err(file_error)?;
    let d = PyDict::new(py);
    d.set_item("destination", summary.destination.display().to_string())?;
    d.set_item("datasets", summary.datasets)?;
    d.set_item("pages", summary.pages)?;
    d.set_item("reencoded", summary.reencoded)?;
    d.set_item("bytes", summary.bytes)?;
    Ok(d)
}

/// Write `destination` with the datasets named (every dataset when none
/// is; with those they need: a feature table's sequences, a reference) of
/// `source`; of its variants datasets only the records overlapping
/// `regions` (`"chr20:1-100000"`, as `bcftools view -r`) and the samples
/// `samples` (in that order; with `exclude_samples=True` every sample but
/// those; `[]` none: the sites alone, as `bcftools view -G`), AC and AN
/// recomputed for them as `bcftools view -s` does. Pages
/// wholly inside the selection are copied as stored (checked), the others
/// encoded again; provenance records the source's SHA-256, the content
/// hash of each dataset cut and the selection. The new file is verified
/// before it takes the name. Returns a dict: destination, datasets,
/// pages, reencoded, bytes. As `gcol subset`.
#[pyfunction]
#[pyo3(signature = (source, destination, datasets=Vec::new(), regions=Vec::new(), samples=None, exclude_samples=false))]
pub(crate) fn subset(
    py: Python<'_>,
    source: PathBuf,
    destination: PathBuf,
    datasets: Vec<String>,
    regions: Vec<String>,
    samples: Option<Vec<String>>,
    exclude_samples: bool,
) -> PyResult<Bound<'_, PyDict>> {
    let selection = gcol_import::Selection {
        regions,
        samples,
        exclude_samples,
    };
    rewritten(py, || {
        gcol_import::subset_selected(&source, &destination, &datasets, &selection, &|_, _| {})
    })
}

/// Write `destination` with every dataset of `sources`, in order, pages
/// copied as stored; a dataset found again with the same content is taken
/// once; variants datasets of one name with other samples on the same
/// sites are joined as `bcftools merge` joins them (samples side by side,
/// AC/AN recomputed, DP/DP4 summed); other datasets of one name, variants
/// on different sites or a sample in two files raise `ValueError`. As
/// `gcol merge`.
#[pyfunction]
pub(crate) fn merge(
    py: Python<'_>,
    sources: Vec<PathBuf>,
    destination: PathBuf,
) -> PyResult<Bound<'_, PyDict>> {
    rewritten(py, || {
        gcol_import::merge(&sources, &destination, &|_, _| {})
    })
}

/// Write `destination` (which may be `source`) from `source` without the
/// datasets in `drop`, with file metadata keys `set` (a dict), without
/// those in `unset`, and with the CSV, TSV or Parquet tables in `add` as
/// datasets named after their files; unchanged pages are copied as stored. Dropping a
/// dataset another one needs raises `ValueError`. As `gcol edit`.
#[pyfunction]
#[pyo3(signature = (source, destination, drop=Vec::new(), set=std::collections::BTreeMap::new(), unset=Vec::new(), add=Vec::new()))]
pub(crate) fn edit(
    py: Python<'_>,
    source: PathBuf,
    destination: PathBuf,
    drop: Vec<String>,
    set: std::collections::BTreeMap<String, String>,
    unset: Vec<String>,
    add: Vec<PathBuf>,
) -> PyResult<Bound<'_, PyDict>> {
    let options = gcol_import::EditOptions {
        drop,
        set_metadata: set.into_iter().collect(),
        remove_metadata: unset,
        add_tables: add,
    };
    rewritten(py, || {
        gcol_import::edit(&source, &destination, &options, &|_, _| {})
    })
}

/// Write `destination` (which may be `source`) from `source`, a file of an
/// older format version, in the newest forms this version writes: the
/// compact layout, sequence names derived from the definitions, alignments'
/// differences as substitution codes; other pages copied as stored. The
/// source is verified deeply first, the result verified deeply and checked
/// to hold the same values before it takes the name. As `gcol upgrade`.
#[pyfunction]
pub(crate) fn upgrade(
    py: Python<'_>,
    source: PathBuf,
    destination: PathBuf,
) -> PyResult<Bound<'_, PyDict>> {
    rewritten(py, || {
        gcol_import::upgrade(&source, &destination, &|_, _| {})
    })
}

/// `gcol.convert`: the same [`gcol_import::convert`] as `gcol convert`.
pub(crate) fn convert(
    py: Python<'_>,
    args: ConvertArgs,
    progress: Option<Py<PyAny>>,
) -> PyResult<Vec<Py<PyAny>>> {
    let alphabet = Alphabet::parse(&args.alphabet).map_err(PyValueError::new_err)?;
    let binning = QualityBinning::parse(&args.quality_binning).map_err(PyValueError::new_err)?;
    let compression = gcol_import::ReadCompression::parse(&args.compression)
        .map_err(|e| PyValueError::new_err(format!("compression: {e}")))?;
    if let Some(p) = &progress {
        if !p.bind(py).is_callable() {
            return Err(PyTypeError::new_err(
                "progress must be callable(done_bytes, total_bytes)",
            ));
        }
    }
    if args.lenient_names && args.strict_names {
        return Err(PyValueError::new_err(
            "lenient_names and strict_names cannot both be set",
        ));
    }
    let mut options = ConvertOptions::new(args.inputs, args.output);
    options.names = args.names;
    options.paired = args.paired;
    options.alphabet = alphabet;
    options.directed = args.directed;
    options.source_column = args.source_column;
    options.target_column = args.target_column;
    options.schema = args.schema;
    if let Some((name, kind)) = args
        .types
        .iter()
        .find(|(_, k)| gcol_import::table::value_type(k).is_none())
    {
        return Err(PyValueError::new_err(format!(
            "types: column {name:?} has type {kind:?}; types are {}",
            gcol_import::table::VALUE_TYPES.join(", ")
        )));
    }
    options.types = args.types;
    options.set_zstd_level(args.zstd_level);
    options.page_kib = args.page_kib;
    options.binning = binning;
    options.compression = compression;
    options.threads = args.threads;
    options.write.compact = args.compact;
    options.reference = args.reference;
    options.cancel = args.cancel.clone();
    if args.lenient_names {
        options.fasta_names = NamePolicy::Lenient;
        options.fastq_names = NamePolicy::Lenient;
    }
    if args.strict_names {
        options.fasta_names = NamePolicy::Strict;
        options.fastq_names = NamePolicy::Strict;
    }
    let mut warnings = Vec::new();
    let work = || {
        let report = |done: u64, total: u64| {
            if let Some(callback) = &progress {
                Python::attach(|py| {
                    if let Err(e) = callback.call1(py, (done, total)) {
                        e.restore(py);
                    }
                });
            }
        };
        let mut events = |event: Event<'_>| {
            if let Event::Warning(text) = event {
                warnings.push(text);
            }
        };
        gcol_import::convert(&options, &report, &mut events)
    };
    // With `threads`, convert runs on a pool of its own; else on the
    // module's pool (rebuilt after fork).
    let result = if options.threads.is_some() {
        py.detach(work)
    } else {
        run_parallel(py, work)
    };
    if let Some(err) = PyErr::take(py) {
        return Err(err);
    }
    let summary = result.map_err(import_error)?;
    for text in warnings {
        let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
        PyErr::warn(
            py,
            &category,
            &std::ffi::CString::new(text).unwrap_or_default(),
            1,
        )?;
    }
    let list = PyList::new(py, summary.datasets.iter().map(|d| d.name.clone()))?;
    Ok(list.iter().map(|o| o.unbind()).collect())
}
