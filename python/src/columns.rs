//! Columns of any layout as numpy data (spec 6.5-6.7): values with nulls
//! as masked arrays, lists as one object per row, chunked arrays as 3-D
//! masked arrays decoded chunk by chunk.

use std::ops::Range;

use gcol_format::manifest::Layout;
use gcol_format::PhysicalType as P;
use gcol_reader::{ColumnReader, Reader};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PySlice};

use crate::{reader_error, run};

/// `$body!(T)` for the Rust type of a numeric physical type, else `$other`.
macro_rules! for_numeric {
    ($physical:expr, $body:ident, $other:expr) => {
        match $physical {
            P::U8 => $body!(u8),
            P::U16 => $body!(u16),
            P::U32 => $body!(u32),
            P::U64 => $body!(u64),
            P::I8 => $body!(i8),
            P::I16 => $body!(i16),
            P::I32 => $body!(i32),
            P::I64 => $body!(i64),
            P::F32 => $body!(f32),
            P::F64 => $body!(f64),
            _ => $other,
        }
    };
}

/// `numpy.ma.masked_array(values, mask=~present)`.
fn masked<'py>(
    py: Python<'py>,
    values: Bound<'py, PyAny>,
    present: Vec<bool>,
) -> PyResult<Bound<'py, PyAny>> {
    let mask: Vec<bool> = present.into_iter().map(|p| !p).collect();
    let shape = values.getattr("shape")?;
    let mask = numpy::PyArray1::from_vec(py, mask)
        .into_any()
        .call_method1("reshape", (shape,))?;
    py.import("numpy.ma")?
        .call_method1("masked_array", (values, mask))
}

/// Values of `rows` of a flat (or list-child) column: a numpy array, a
/// masked array when the column is nullable, or a list of `bytes` (`None`
/// for nulls) for `binary` columns.
pub(crate) fn values<'py>(
    py: Python<'py>,
    reader: &Reader,
    dataset: &str,
    column: &str,
    rows: Option<Range<u64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let meta = reader.column(dataset, column).map_err(reader_error)?;
    let rows = rows.unwrap_or(0..meta.num_values());
    let physical = meta.meta().physical_type;
    let nullable = meta.is_nullable();
    let (d, c) = (dataset.to_string(), column.to_string());
    macro_rules! numeric {
        ($t:ty) => {{
            let rows = rows.clone();
            let (values, present) = run(py, move || {
                let col = reader.column(&d, &c)?;
                let values = col.read::<$t>(rows.clone())?;
                let present = if nullable {
                    Some(col.read_validity(rows)?)
                } else {
                    None
                };
                Ok::<_, gcol_reader::Error>((values, present))
            })
            .map_err(reader_error)?;
            let array = numpy::PyArray1::from_vec(py, values).into_any();
            match present {
                Some(present) => masked(py, array, present),
                None => Ok(array),
            }
        }};
    }
    match physical {
        P::Binary => {
            let values: Vec<Option<Vec<u8>>> = run(py, move || {
                let col = reader.column(&d, &c)?;
                let mut out = Vec::new();
                col.for_each_binary_option(rows, |_, v| out.push(v.map(<[u8]>::to_vec)))?;
                Ok::<_, gcol_reader::Error>(out)
            })
            .map_err(reader_error)?;
            let items: Vec<Option<Bound<'py, PyBytes>>> = values
                .iter()
                .map(|v| v.as_ref().map(|v| PyBytes::new(py, v)))
                .collect();
            Ok(PyList::new(py, items)?.into_any())
        }
        other => for_numeric!(
            other,
            numeric,
            Err(PyValueError::new_err(format!("columns of {other} values")))
        ),
    }
}

/// Each row of a list column: its items (as [`values`] gives them, or
/// lists of lists for nested lists), `None` for a null list.
pub(crate) fn lists<'py>(
    py: Python<'py>,
    reader: &Reader,
    dataset: &str,
    column: &str,
    rows: Option<Range<u64>>,
) -> PyResult<Bound<'py, PyList>> {
    let col = reader.column(dataset, column).map_err(reader_error)?;
    let rows = rows.unwrap_or(0..col.num_values());
    let (offsets, present) = run(py, || {
        Ok::<_, gcol_reader::Error>((col.list_offsets(rows.clone())?, col.read_validity(rows)?))
    })
    .map_err(reader_error)?;
    let child = col.list_child().map_err(reader_error)?;
    let items = offsets[0]..offsets[offsets.len() - 1];
    let child_values: Bound<'py, PyAny> = match child.meta().layout {
        Some(Layout::List { .. }) => {
            lists(py, reader, dataset, &child.meta().name, Some(items.clone()))?.into_any()
        }
        _ => values(py, reader, dataset, &child.meta().name, Some(items.clone()))?,
    };
    let base = items.start as isize;
    let out = PyList::empty(py);
    for (w, present) in offsets.windows(2).zip(present) {
        if present {
            let slice = PySlice::new(py, w[0] as isize - base, w[1] as isize - base, 1);
            out.append(child_values.get_item(slice)?)?;
        } else {
            out.append(py.None())?;
        }
    }
    Ok(out)
}

/// Rows `rows` and columns `columns` of a chunked column as a numpy array
/// of shape `(rows, columns, inner)` (masked when nullable); only the
/// chunks the block touches are decoded.
pub(crate) fn block<'py>(
    py: Python<'py>,
    col: &ColumnReader<'_>,
    rows: Option<Range<u64>>,
    columns: Option<Range<u64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let grid = col.chunk_grid().map_err(reader_error)?;
    let rows = rows.unwrap_or(0..grid.shape[0]);
    let columns = columns.unwrap_or(0..grid.shape[1]);
    if rows.start > rows.end || columns.start > columns.end {
        return Err(PyValueError::new_err("ranges must have start <= end"));
    }
    let shape = (
        (rows.end - rows.start) as usize,
        (columns.end - columns.start) as usize,
        grid.shape[2] as usize,
    );
    let nullable = col.is_nullable();
    macro_rules! numeric {
        ($t:ty) => {{
            let (values, present) =
                run(py, || col.read_block::<$t>(rows, columns)).map_err(reader_error)?;
            let array = numpy::PyArray1::from_vec(py, values)
                .into_any()
                .call_method1("reshape", (shape,))?;
            if nullable {
                masked(py, array, present)
            } else {
                Ok(array)
            }
        }};
    }
    let physical = col.meta().physical_type;
    for_numeric!(
        physical,
        numeric,
        Err(PyValueError::new_err(format!(
            "a chunked column of {physical} values"
        )))
    )
}
