//! Arrow C streams made in Rust (the PyCapsule protocol) from
//! `gcol_reader::partitions`: a dataset's partitions for `gcol.dataset`
//! (DuckDB, Dask), and the sites of a variants dataset. The batches are
//! computed as the consumer pulls them, one partition at a time.

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::{ArrowError, SchemaRef};
use gcol_reader::partitions::{self, BatchOptions, Part, Partition};
use gcol_reader::Reader;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};

use crate::reader_error;

/// A capsule named `arrow_array_stream` holding a stream of `batches`.
pub(crate) fn stream_capsule<'py, I>(
    py: Python<'py>,
    schema: SchemaRef,
    batches: I,
) -> PyResult<Bound<'py, PyCapsule>>
where
    I: Iterator<Item = Result<RecordBatch, ArrowError>> + Send + 'static,
{
    let stream = FFI_ArrowArrayStream::new(Box::new(RecordBatchIterator::new(batches, schema)));
    // The consumer moves the stream out (leaving a released one): dropping
    // the capsule's copy then releases nothing twice.
    PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
}

fn external(e: gcol_reader::Error) -> ArrowError {
    ArrowError::ExternalError(Box::new(e))
}

/// The stream of partitions `indexes` (all when `None`) of `dataset`.
pub(crate) fn dataset_stream<'py>(
    py: Python<'py>,
    reader: &Reader,
    dataset: &str,
    indexes: Option<Vec<usize>>,
    options: BatchOptions,
) -> PyResult<Bound<'py, PyCapsule>> {
    let all = partitions::partitions(reader, dataset).map_err(reader_error)?;
    let chosen: Vec<Partition> = match indexes {
        None => all,
        Some(ix) => ix
            .into_iter()
            .map(|i| {
                all.get(i).cloned().ok_or_else(|| {
                    pyo3::exceptions::PyIndexError::new_err(format!(
                        "dataset {dataset:?} has {} partitions, not {}",
                        all.len(),
                        i + 1
                    ))
                })
            })
            .collect::<PyResult<_>>()?,
    };
    let schema = partitions::schema(reader, dataset, &options).map_err(reader_error)?;
    let reader = reader.clone();
    let batches = chosen
        .into_iter()
        .map(move |p| partitions::batch(&reader, &p, &options).map_err(external));
    stream_capsule(py, schema, batches)
}

/// Partitions of `dataset` as dicts: `index`, `contig` (variants), and
/// `rows` (`(start, end)`: variants, tables, graphs), `records` (`(first,
/// end)`: whole records of sequences and reads) or `window` (`(record,
/// start, end)`: bases of a record longer than 4 Mb).
pub(crate) fn describe<'py>(
    py: Python<'py>,
    reader: &Reader,
    dataset: &str,
) -> PyResult<Bound<'py, PyList>> {
    let parts = partitions::partitions(reader, dataset).map_err(reader_error)?;
    let out = PyList::empty(py);
    for p in parts {
        let d = PyDict::new(py);
        d.set_item("dataset", &p.dataset)?;
        d.set_item("index", p.index)?;
        d.set_item("contig", &p.contig)?;
        match &p.part {
            Part::Rows(rows) => d.set_item("rows", (rows.start, rows.end))?,
            Part::Records(records) => d.set_item("records", (records.start, records.end))?,
            Part::Window(record, bases) => {
                let name = reader
                    .sequences(dataset)
                    .and_then(|s| s.record(*record))
                    .map_err(reader_error)?
                    .name;
                d.set_item("window", (name, bases.start, bases.end))?;
            }
        }
        out.append(d)?;
    }
    Ok(out)
}
