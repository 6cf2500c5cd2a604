//! Every decoded value of a file as JSON, for comparing readers
//! (`gcol dump`, the conformance vectors in `spec/conformance/`).
//!
//! Integers and floats are JSON numbers (floats in their shortest
//! round-trip form), binary values lower-case hex strings.

use gcol_format::PhysicalType;
use serde_json::{json, Value};

use crate::{ColumnReader, Error, Reader, Result};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn numbers<T: gcol_format::Value + serde::Serialize>(
    column: &ColumnReader<'_>,
) -> Result<Vec<Value>> {
    Ok(column
        .read::<T>(0..column.num_values())?
        .into_iter()
        .map(|v| json!(v))
        .collect())
}

/// Every value of a column, in row order.
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
            let mut out = Vec::with_capacity(column.num_values() as usize);
            column.for_each_binary(0..column.num_values(), |_, v| out.push(json!(hex(v))))?;
            Ok(out)
        }
        other => Err(Error::TypeMismatch {
            column: format!("{}/{}", column.dataset().name, column.meta().name),
            actual: other,
            requested: PhysicalType::Binary,
        }),
    }
}

/// `{"datasets": [{"name", "kind", "columns": [{"name", "physical_type", "values"}]}]}`,
/// for every dataset or only `dataset`.
pub fn file_json(reader: &Reader, dataset: Option<&str>) -> Result<Value> {
    let mut datasets = Vec::new();
    for ds in reader.datasets() {
        if dataset.is_some_and(|d| d != ds.name) {
            continue;
        }
        let mut columns = Vec::new();
        for c in &ds.columns {
            let column = reader.column(&ds.name, &c.name)?;
            columns.push(json!({
                "name": c.name,
                "physical_type": c.physical_type,
                "values": column_values(&column)?,
            }));
        }
        datasets.push(json!({"name": ds.name, "kind": ds.kind, "columns": columns}));
    }
    Ok(json!({ "datasets": datasets }))
}
