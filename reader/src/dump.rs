//! Every decoded value of a file as JSON, for comparing readers
//! (`gcol dump`, the conformance vectors in `spec/conformance/`).
//!
//! Integers and floats are JSON numbers (`f32` in the shortest form that
//! reads back as the same 32-bit float, `f64` likewise), binary values
//! lower-case hex strings, nulls `null` (spec 6.5). A list column (spec
//! 6.6) also gets `"lists"`: each row's items (nested lists recursively),
//! or `null`; a chunked column (spec 6.7) gets `"array"`: rows of columns
//! of `inner` values.

use gcol_format::manifest::Layout;
use gcol_format::PhysicalType;
use serde_json::{json, Value};

use crate::{ColumnReader, Error, Reader, Result};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Trait for JSON numbers of fixed-width values.
trait JsonNumber: gcol_format::Value {
    fn to_json(self) -> Value;
}

macro_rules! json_number {
    ($($t:ty),*) => {$(
        impl JsonNumber for $t {
            fn to_json(self) -> Value {
                json!(self)
            }
        }
    )*};
}
json_number!(u8, u16, u32, u64, i8, i16, i32, i64, f64);

impl JsonNumber for f32 {
    fn to_json(self) -> Value {
        // The shortest decimal that reads back as this f32 (95.1, not
        // 95.0999984741211), as a JSON number.
        match format!("{self}").parse::<f64>() {
            Ok(shortest) if self.is_finite() => json!(shortest),
            _ => json!(self),
        }
    }
}

fn numbers<T: JsonNumber>(column: &ColumnReader<'_>) -> Result<Vec<Value>> {
    Ok(column
        .read_option::<T>(0..column.num_values())?
        .into_iter()
        .map(|v| v.map_or(Value::Null, JsonNumber::to_json))
        .collect())
}

/// Every value of a column, in row order (nulls as `null`).
pub fn column_values(column: &ColumnReader<'_>) -> Result<Vec<Value>> {
    match column.meta().physical_type {
        PhysicalType::U8 => numbers::<u8>(column),
        PhysicalType::U16 => numbers::<u16>(column),
        PhysicalType::U32 => numbers::<u32>(column),
        PhysicalType::U64 => numbers::<u64>(column),
        PhysicalType::I8 => numbers::<i8>(column),
        PhysicalType::I16 => numbers::<i16>(column),
        PhysicalType::I32 => numbers::<i32>(column),
        PhysicalType::I64 => numbers::<i64>(column),
        PhysicalType::F32 => numbers::<f32>(column),
        PhysicalType::F64 => numbers::<f64>(column),
        PhysicalType::Binary => {
            let mut out = Vec::with_capacity(crate::column::reserve_len(&(0..column.num_values())));
            column.for_each_binary_option(0..column.num_values(), |_, v| {
                out.push(v.map_or(Value::Null, |v| json!(hex(v))))
            })?;
            Ok(out)
        }
        other => Err(Error::TypeMismatch {
            column: format!("{}/{}", column.dataset().name, column.meta().name),
            actual: other,
            requested: PhysicalType::Binary,
        }),
    }
}

/// The rows of a list column: each row's items (recursively for nested
/// lists), or `null` for a null list.
pub fn list_values(column: &ColumnReader<'_>) -> Result<Vec<Value>> {
    let n = column.num_values();
    let offsets = column.list_offsets(0..n)?;
    let present = column.read_validity(0..n)?;
    let child = column.list_child()?;
    let items = match child.meta().layout {
        Some(Layout::List { .. }) => list_values(&child)?,
        _ => column_values(&child)?,
    };
    Ok(offsets
        .windows(2)
        .zip(present)
        .map(|(w, present)| {
            if present {
                Value::Array(items[w[0] as usize..w[1] as usize].to_vec())
            } else {
                Value::Null
            }
        })
        .collect())
}

/// A chunked column as nested arrays `[rows][columns][inner]`.
pub fn array_values(column: &ColumnReader<'_>) -> Result<Value> {
    let grid = column.chunk_grid()?;
    let [rows, columns, inner] = grid.shape;
    // Values in (row, column, inner) order, from whole chunks.
    // Sized by the values read (the grid's shape is checked against them).
    let values = column_values(column)?;
    let mut flat = vec![Value::Null; values.len()];
    let mut start = 0usize;
    for i in 0..grid.row_chunks {
        for j in 0..grid.column_chunks {
            let count = grid.chunk_values(i, j) as usize;
            let chunk = &values[start..start + count];
            for row in grid.rows_in(i) {
                for col in grid.columns_in(j) {
                    for k in 0..inner {
                        let at = grid.index_in_chunk(i, j, row, col, k);
                        flat[((row * columns + col) * inner + k) as usize] = chunk[at].clone();
                    }
                }
            }
            start += count;
        }
    }
    let cell = inner as usize;
    let row_len = (columns * inner) as usize;
    Ok(Value::Array(
        (0..rows as usize)
            .map(|r| {
                Value::Array(
                    (0..columns as usize)
                        .map(|c| {
                            let at = r * row_len + c * cell;
                            Value::Array(flat[at..at + cell].to_vec())
                        })
                        .collect(),
                )
            })
            .collect(),
    ))
}

impl Reader {
    /// Every decoded value of every dataset (or of `dataset`) as JSON, for
    /// comparing readers (`gcol dump`, the conformance vectors): see
    /// [`file_json`].
    pub fn dump_json(&self, dataset: Option<&str>) -> Result<Value> {
        // Values are printed as stored; a dataset whose record table breaks
        // its kind's invariants is reported instead (spec 8.4).
        self.check_columns()?;
        self.check_datasets(false, &mut crate::VerifyReport::default())?;
        file_json(self, dataset)
    }
}

/// `{"datasets": [{"name", "kind", "columns": [{"name", "physical_type", "values"}]}]}`,
/// for every dataset or only `dataset`; list and chunked columns add
/// `"lists"` and `"array"`.
pub fn file_json(reader: &Reader, dataset: Option<&str>) -> Result<Value> {
    let mut datasets = Vec::new();
    for ds in reader.datasets() {
        if dataset.is_some_and(|d| d != ds.name) {
            continue;
        }
        let mut columns = Vec::new();
        for c in &ds.columns {
            let column = reader.column(&ds.name, &c.name)?;
            let mut entry = json!({
                "name": c.name,
                "physical_type": c.physical_type,
                "values": column_values(&column)?,
            });
            match c.layout {
                Some(Layout::List { .. }) => entry["lists"] = Value::Array(list_values(&column)?),
                Some(Layout::Chunked { .. }) => entry["array"] = array_values(&column)?,
                _ => {}
            }
            columns.push(entry);
        }
        datasets.push(json!({"name": ds.name, "kind": ds.kind, "columns": columns}));
    }
    Ok(json!({ "datasets": datasets }))
}
