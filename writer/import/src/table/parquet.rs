//! Parquet files as tables (spec 17.2): the parquet crate's Arrow reader
//! gives record batches, and each Arrow column becomes a typed column:
//! integers `int64`, floats `float64`, booleans `bool`, text `string`,
//! timestamps and dates `timestamp` (microseconds, UTC), lists of those
//! `list<T>`; the types come from the file's schema, not from the values.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use gcol_format::schema::table::{columns as c, meta, KIND};
use gcol_writer::{DatasetSpec, Writer};

use super::{write_columns, Columns, TableOptions, TableSummary};
use crate::graph::input_error;
use crate::typed::Value;
use crate::Progress;

/// The value type of an Arrow type, or `None` when it has none.
fn value_type(t: &DataType) -> Option<&'static str> {
    Some(match t {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "int64",
        DataType::Float32 | DataType::Float64 => "float64",
        DataType::Boolean => "bool",
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => "string",
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => "timestamp",
        DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8) => {
            "string"
        }
        DataType::List(f) | DataType::LargeList(f) => match value_type(f.data_type())? {
            "int64" => "list<int64>",
            "float64" => "list<float64>",
            "bool" => "list<bool>",
            "timestamp" => "list<timestamp>",
            _ => "list<string>",
        },
        _ => return None,
    })
}

/// Row `i` of `a` as a value (`None` for a null); `Err` with what went
/// wrong for a value gcol cannot hold (a `u64` above `i64::MAX`).
fn value(a: &ArrayRef, i: usize) -> Result<Option<Value>, String> {
    if a.is_null(i) {
        return Ok(None);
    }
    macro_rules! int {
        ($t:ty) => {
            Value::Int(i64::from(a.as_primitive::<$t>().value(i)))
        };
    }
    Ok(Some(match a.data_type() {
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => {
            let v = a.as_primitive::<UInt64Type>().value(i);
            Value::Int(i64::try_from(v).map_err(|_| format!("{v} is above the int64 range"))?)
        }
        DataType::Float32 => Value::Float(f64::from(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => Value::Float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Utf8 => Value::Str(a.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Value::Str(a.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Value::Str(a.as_string_view().value(i).to_string()),
        DataType::Timestamp(unit, _) => Value::Timestamp(match unit {
            TimeUnit::Second => a
                .as_primitive::<TimestampSecondType>()
                .value(i)
                .checked_mul(1_000_000)
                .ok_or("a timestamp beyond the microsecond range")?,
            TimeUnit::Millisecond => a
                .as_primitive::<TimestampMillisecondType>()
                .value(i)
                .checked_mul(1_000)
                .ok_or("a timestamp beyond the microsecond range")?,
            TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
            TimeUnit::Nanosecond => a
                .as_primitive::<TimestampNanosecondType>()
                .value(i)
                .div_euclid(1_000),
        }),
        DataType::Date32 => {
            Value::Timestamp(i64::from(a.as_primitive::<Date32Type>().value(i)) * 86_400_000_000)
        }
        DataType::Date64 => Value::Timestamp(
            a.as_primitive::<Date64Type>()
                .value(i)
                .checked_mul(1_000)
                .ok_or("a date beyond the microsecond range")?,
        ),
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let key = d.normalized_keys()[i];
            return value(d.values(), key);
        }
        DataType::List(_) => list(a.as_list::<i32>().value(i))?,
        DataType::LargeList(_) => list(a.as_list::<i64>().value(i))?,
        other => return Err(format!("Arrow type {other} has no gcol value type")),
    }))
}

/// A list value from its items (a null item is left out: gcol lists hold
/// no nulls).
fn list(items: ArrayRef) -> Result<Value, String> {
    let mut out = Vec::with_capacity(items.len());
    for k in 0..items.len() {
        if let Some(v) = value(&items, k)? {
            out.push(v);
        }
    }
    Ok(Value::List(out))
}

/// Import a Parquet file as table `options.name`, each column typed by
/// its Arrow type.
pub fn import_parquet<W: std::io::Write>(
    writer: &mut Writer<W>,
    path: &Path,
    options: &TableOptions,
    progress: Progress<'_>,
) -> gcol_writer::Result<TableSummary> {
    let bad = |detail: String| input_error(path, 0, 0, "parquet", detail);
    let file = std::fs::File::open(path).map_err(|source| gcol_writer::Error::Source {
        path: path.to_path_buf(),
        source,
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let schema = Arc::clone(builder.schema());
    let mut kinds = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let kind = value_type(f.data_type()).ok_or_else(|| {
            input_error(
                path,
                0,
                0,
                "column",
                format!(
                    "column {:?}: Arrow type {} has no gcol value type (integers, floats, booleans, text, timestamps, dates and lists of them)",
                    f.name(),
                    f.data_type()
                ),
            )
        })?;
        if f.name().starts_with(c::INDEX_PREFIX) {
            return Err(input_error(
                path,
                0,
                0,
                "column",
                format!(
                    "column {:?}: names starting with {:?} are the index's",
                    f.name(),
                    c::INDEX_PREFIX
                ),
            ));
        }
        kinds.push(kind);
    }
    let reader = builder
        .with_batch_size(65_536)
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let mut values: Vec<Vec<Option<Value>>> = vec![Vec::new(); kinds.len()];
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("after row {rows}: {e}")))?;
        crate::check_cancel(options.cancel.as_ref())?;
        for (k, column) in batch.columns().iter().enumerate() {
            for i in 0..column.len() {
                let v = value(column, i).map_err(|detail| {
                    input_error(
                        path,
                        rows + i as u64 + 1,
                        0,
                        "value",
                        format!("column {:?}: {detail}", schema.field(k).name()),
                    )
                })?;
                values[k].push(v);
            }
        }
        rows += batch.num_rows() as u64;
        if rows > u64::from(u32::MAX) {
            return Err(bad("a table holds at most 2^32 - 1 rows".into()));
        }
        progress(0, size);
    }
    let mut columns = Columns::default();
    for ((f, kind), v) in schema.fields().iter().zip(kinds).zip(values) {
        columns.push_typed(f.name(), kind, v);
    }
    let spec = DatasetSpec::new(&options.name, KIND).metadata(meta::SOURCE_FORMAT, "parquet");
    write_columns(writer, spec, rows, &columns, options.zstd_level.max(1))?;
    progress(size, size);
    Ok(TableSummary {
        dataset: options.name.clone(),
        rows,
        columns: columns.names.len() as u64,
        source_bytes: size,
        input_bytes: size,
        warnings: Vec::new(),
    })
}
