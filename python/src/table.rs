//! Table datasets from Python: columns for pandas and Arrow, attribute
//! search returning a DataFrame, export through the library's one writer.

use std::sync::Arc;

use gcol_reader::table::{Table, TableFormat};
use gcol_reader::{AttrFilter, Reader};
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::graph::column_py;
use crate::{reader_error, run};

/// A `table` dataset (CSV/TSV tables, GFF3/GTF feature tables).
#[pyclass(frozen, name = "Table", module = "gcol._gcol")]
pub struct PyTable {
    inner: Arc<Table>,
}

impl PyTable {
    pub(crate) fn open(reader: &Reader, name: &str) -> PyResult<PyTable> {
        Ok(PyTable {
            inner: Arc::new(Table::open(reader, name).map_err(reader_error)?),
        })
    }

    fn criteria(terms: &[String]) -> PyResult<Vec<(String, AttrFilter)>> {
        terms
            .iter()
            .map(|t| AttrFilter::parse(t).map_err(reader_error))
            .collect()
    }

    /// Columns `names` (all when None) at `rows` (all when None).
    fn columns_dict<'py>(
        &self,
        py: Python<'py>,
        names: Option<Vec<String>>,
        rows: Option<Vec<u64>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let names: Vec<String> = names.unwrap_or_else(|| {
            self.inner
                .columns()
                .iter()
                .map(|c| c.name.clone())
                .collect()
        });
        let t = self.inner.clone();
        let wanted = names.clone();
        let values = run(py, move || {
            wanted
                .iter()
                .map(|n| {
                    let kind = t
                        .columns()
                        .iter()
                        .find(|c| c.name == *n)
                        .map(|c| c.kind.clone());
                    t.values(n).map(|v| (kind.unwrap_or_default(), v))
                })
                .collect::<gcol_reader::Result<Vec<_>>>()
        })
        .map_err(reader_error)?;
        let rows: Vec<u32> = match rows {
            Some(r) => r.into_iter().map(|r| r as u32).collect(),
            None => (0..self.inner.num_rows() as u32).collect(),
        };
        let out = PyDict::new(py);
        for (name, (kind, vals)) in names.iter().zip(&values) {
            out.set_item(name, column_py(py, kind, vals, &rows)?)?;
        }
        Ok(out)
    }
}

#[pymethods]
impl PyTable {
    /// Dataset name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Number of rows (`len(table)`).
    fn __len__(&self) -> usize {
        self.inner.num_rows() as usize
    }

    /// Columns: a list of `(name, type)`.
    #[getter]
    fn columns(&self) -> Vec<(String, String)> {
        self.inner
            .columns()
            .iter()
            .map(|c| (c.name.clone(), c.kind.clone()))
            .collect()
    }

    /// `gff3`, `gtf`, `genbank` or `antismash` for a feature table, else None.
    #[getter]
    fn features(&self) -> Option<&'static str> {
        let gtf = self.inner.features()?;
        Some(match self.inner.native_format() {
            TableFormat::GenBank => "genbank",
            TableFormat::AntismashJson => "antismash",
            _ if gtf => "gtf",
            _ => "gff3",
        })
    }

    /// A GenBank table's record sequences: the name of the sequences
    /// dataset in the same file (`f[t.sequences]`), else None.
    #[getter]
    fn sequences(&self) -> Option<String> {
        self.inner.sequences_dataset().map(str::to_string)
    }

    /// Rows matching every term (`NAME=VALUE` exact, `NAME=PREFIX*`,
    /// `NAME=LOW..HIGH`), through the attribute index: a uint64 array. A
    /// NAME that is a column compares the column; `attr:NAME=...` is the
    /// attribute of that name.
    #[pyo3(signature = (*terms))]
    fn search_rows<'py>(
        &self,
        py: Python<'py>,
        terms: Vec<String>,
    ) -> PyResult<Bound<'py, PyArray1<u64>>> {
        let criteria = Self::criteria(&terms)?;
        let t = self.inner.clone();
        let rows = run(py, move || t.search(&criteria)).map_err(reader_error)?;
        Ok(PyArray1::from_vec(py, rows))
    }

    /// The rows matching every term as a pandas DataFrame (index: row
    /// numbers) of `columns` (all when None).
    #[pyo3(signature = (*terms, columns=None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        terms: Vec<String>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let criteria = Self::criteria(&terms)?;
        let t = self.inner.clone();
        let rows = run(py, move || t.search(&criteria)).map_err(reader_error)?;
        let dict = self.columns_dict(py, columns, Some(rows.clone()))?;
        let frame = py.import("gcol")?.getattr("_graph_frame")?.call1((dict,))?;
        frame.setattr("index", PyArray1::from_vec(py, rows))?;
        Ok(frame)
    }

    /// Columns (all when None) as a pandas DataFrame.
    #[pyo3(signature = (columns=None))]
    fn to_pandas<'py>(
        &self,
        py: Python<'py>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let dict = self.columns_dict(py, columns, None)?;
        py.import("gcol")?.getattr("_graph_frame")?.call1((dict,))
    }

    /// Columns (all when None) as a pyarrow Table.
    #[pyo3(signature = (columns=None))]
    fn to_arrow<'py>(
        &self,
        py: Python<'py>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // Read straight into Arrow arrays (GIL released), hand them over
        // as one Arrow IPC file that pyarrow reads without parsing values.
        let t = self.inner.clone();
        let bytes = run(py, move || {
            let batch = gcol_reader::columnar::table_batch(&t, columns.as_deref())?;
            gcol_reader::columnar::write_arrow_ipc(&batch, Vec::new())
        })
        .map_err(reader_error)?;
        let pa = py.import("pyarrow")?;
        let buffer = pa.call_method1("py_buffer", (pyo3::types::PyBytes::new(py, &bytes),))?;
        pa.getattr("ipc")?
            .call_method1("open_file", (buffer,))?
            .call_method0("read_all")
    }

    /// The Arrow C stream of the table (PyCapsule protocol): pandas,
    /// polars, pyarrow and DuckDB read it.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = self.to_arrow(py, None)?;
        table.call_method1("__arrow_c_stream__", (requested_schema,))
    }

    /// Write the table as CSV, TSV, (feature tables) GFF3/GTF, Parquet or
    /// Arrow IPC (`.arrow`, `.feather`), by the path's extension or `format`.
    #[pyo3(signature = (path, format=None))]
    fn write(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        format: Option<&str>,
    ) -> PyResult<()> {
        if let Some(parquet) = columnar(&path, format) {
            let t = self.inner.clone();
            return run(py, move || {
                let columns = gcol_reader::columnar::table_columns(&t).map_err(reader_error)?;
                write_columnar(&columns, parquet, &path)
            });
        }
        let name = match format {
            Some(f) => std::path::PathBuf::from(format!("x.{}", f.to_ascii_lowercase())),
            None => path.clone(),
        };
        let kind = TableFormat::from_path(&name).ok_or_else(|| {
            PyValueError::new_err(format!(
                "cannot tell the table format from {}; use {} (or format=)",
                name.display(),
                TableFormat::EXTENSIONS
            ))
        })?;
        let t = self.inner.clone();
        run(py, move || -> PyResult<()> {
            write_atomic(&path, |out| t.write(kind, None, out).map_err(reader_error))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<gcol.Table {:?}: {} rows, {} columns>",
            self.inner.name(),
            self.inner.num_rows(),
            self.inner.columns().len()
        )
    }
}

/// `Some(true)` for Parquet, `Some(false)` for Arrow IPC, by `format` or
/// the path's extension.
pub(crate) fn columnar(path: &std::path::Path, format: Option<&str>) -> Option<bool> {
    let ext = match format {
        Some(f) => f.to_ascii_lowercase(),
        None => path.extension()?.to_string_lossy().to_ascii_lowercase(),
    };
    match ext.as_str() {
        "parquet" | "pq" => Some(true),
        "arrow" | "feather" | "ipc" => Some(false),
        _ => None,
    }
}

/// Write typed columns as Parquet (`parquet`) or Arrow IPC, atomically.
pub(crate) fn write_columnar(
    columns: &[gcol_reader::columnar::NamedColumn],
    parquet: bool,
    path: &std::path::Path,
) -> PyResult<()> {
    let batch = gcol_reader::columnar::record_batch(columns).map_err(reader_error)?;
    write_atomic(path, |out| {
        if parquet {
            gcol_reader::columnar::write_parquet(&batch, out).map(drop)
        } else {
            gcol_reader::columnar::write_arrow_ipc(&batch, out).map(drop)
        }
        .map_err(reader_error)
    })
}

/// Write `path` through `write` under a temporary name, renamed into place
/// only when it succeeds (nothing is left behind otherwise).
pub(crate) fn write_atomic(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<gcol_writer::AtomicFile>) -> PyResult<()>,
) -> PyResult<()> {
    let file = gcol_writer::AtomicFile::create(path).map_err(crate::writer_error)?;
    let mut out = std::io::BufWriter::new(file);
    write(&mut out)?;
    out.into_inner()
        .map_err(|e| pyo3::exceptions::PyIOError::new_err(e.error().to_string()))?
        .commit()
        .map_err(crate::writer_error)
}
