//! Tables and graph edges as Arrow record batches, written to Parquet
//! (zstd pages) or Arrow IPC files (behind the `parquet` feature): the
//! typed values of spec 16.4 and 17.2 map to `Int64`, `Float64`,
//! `Boolean`, `Utf8` and `List` of those, nulls kept.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{Field, Schema};
use gcol_format::typed::TypedValue;

use crate::{Error, Result};

/// A named typed column: name, value type, values.
pub type NamedColumn = (String, String, Vec<Option<TypedValue>>);

fn arrow_error(e: impl std::fmt::Display) -> Error {
    Error::Arrow {
        detail: e.to_string(),
    }
}

/// The Arrow array of `values` of value type `kind`.
pub fn typed_array(kind: &str, values: &[Option<TypedValue>]) -> ArrayRef {
    fn item(v: &TypedValue) -> &TypedValue {
        v
    }
    if let Some(inner) = kind.strip_prefix("list<").and_then(|k| k.strip_suffix('>')) {
        macro_rules! list {
            ($builder:expr, $push:expr) => {{
                let mut b = ListBuilder::new($builder);
                for v in values {
                    match v {
                        Some(TypedValue::List(items)) => {
                            for i in items {
                                $push(b.values(), item(i));
                            }
                            b.append(true);
                        }
                        _ => b.append(false),
                    }
                }
                Arc::new(b.finish()) as ArrayRef
            }};
        }
        return match inner {
            "int64" => list!(
                Int64Builder::new(),
                |b: &mut Int64Builder, v: &TypedValue| match v {
                    TypedValue::Int(i) => b.append_value(*i),
                    _ => b.append_null(),
                }
            ),
            "float64" => list!(
                Float64Builder::new(),
                |b: &mut Float64Builder, v: &TypedValue| match v {
                    TypedValue::Float(f) => b.append_value(*f),
                    _ => b.append_null(),
                }
            ),
            "bool" => list!(
                BooleanBuilder::new(),
                |b: &mut BooleanBuilder, v: &TypedValue| match v {
                    TypedValue::Bool(x) => b.append_value(*x),
                    _ => b.append_null(),
                }
            ),
            "timestamp" => list!(
                TimestampMicrosecondBuilder::new().with_timezone("UTC"),
                |b: &mut TimestampMicrosecondBuilder, v: &TypedValue| match v {
                    TypedValue::Timestamp(t) => b.append_value(*t),
                    _ => b.append_null(),
                }
            ),
            _ => list!(
                StringBuilder::new(),
                |b: &mut StringBuilder, v: &TypedValue| b.append_value(v.to_text())
            ),
        };
    }
    match kind {
        "int64" => Arc::new(Int64Array::from(
            values
                .iter()
                .map(|v| match v {
                    Some(TypedValue::Int(i)) => Some(*i),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        "float64" => Arc::new(Float64Array::from(
            values
                .iter()
                .map(|v| v.as_ref().and_then(TypedValue::as_f64))
                .collect::<Vec<_>>(),
        )),
        "bool" => Arc::new(BooleanArray::from(
            values
                .iter()
                .map(|v| match v {
                    Some(TypedValue::Bool(b)) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        "timestamp" => Arc::new(
            TimestampMicrosecondArray::from(
                values
                    .iter()
                    .map(|v| match v {
                        Some(TypedValue::Timestamp(t)) => Some(*t),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        _ => Arc::new(StringArray::from(
            values
                .iter()
                .map(|v| v.as_ref().map(TypedValue::to_text))
                .collect::<Vec<_>>(),
        )),
    }
}

/// A record batch of named typed columns.
pub fn record_batch(columns: &[NamedColumn]) -> Result<RecordBatch> {
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, kind, v)| typed_array(kind, v))
        .collect();
    let fields: Vec<Field> = columns
        .iter()
        .zip(&arrays)
        .map(|((name, _, _), a)| Field::new(name, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_error)
}

/// Write `batch` as a Parquet file (zstd pages).
pub fn write_parquet<W: Write + Send>(batch: &RecordBatch, out: W) -> Result<W> {
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).map_err(arrow_error)?,
        ))
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(out, batch.schema(), Some(props))
        .map_err(arrow_error)?;
    writer.write(batch).map_err(arrow_error)?;
    writer.into_inner().map_err(arrow_error)
}

/// Write `batch` as an Arrow IPC file (`.arrow`, Feather v2).
pub fn write_arrow_ipc<W: Write>(batch: &RecordBatch, out: W) -> Result<W> {
    let mut writer =
        arrow_ipc::writer::FileWriter::try_new(out, &batch.schema()).map_err(arrow_error)?;
    writer.write(batch).map_err(arrow_error)?;
    writer.finish().map_err(arrow_error)?;
    writer.into_inner().map_err(arrow_error)
}

/// The columns of a table, with their types and values.
pub fn table_columns(table: &crate::table::Table) -> Result<Vec<NamedColumn>> {
    table
        .columns()
        .iter()
        .map(|c| Ok((c.name.clone(), c.kind.clone(), table.values(&c.name)?)))
        .collect()
}

/// The edges of a graph (`source`, `target` ids, then the edge
/// attributes) in source order.
pub fn edge_columns(graph: &crate::graph::Graph) -> Result<Vec<NamedColumn>> {
    let ids = graph.node_ids()?;
    let ranks = graph.edge_ranks()?;
    let (sources, targets) = graph.edge_list()?;
    let mut order: Vec<u32> = (0..graph.num_edges() as u32).collect();
    order.sort_unstable_by_key(|&e| ranks[e as usize]);
    let pick = |ends: &[u32]| -> Vec<Option<TypedValue>> {
        order
            .iter()
            .map(|&e| Some(TypedValue::Str(ids[ends[e as usize] as usize].to_string())))
            .collect()
    };
    let mut out = vec![
        ("source".to_string(), "string".to_string(), pick(&sources)),
        ("target".to_string(), "string".to_string(), pick(&targets)),
    ];
    for a in graph
        .attributes()
        .iter()
        .filter(|a| a.element == crate::graph::Element::Edge)
    {
        let values = graph.attribute_values(a)?;
        let name = if a.name == "source" || a.name == "target" {
            format!("_{}", a.name)
        } else {
            a.name.clone()
        };
        out.push((
            name,
            a.kind.clone(),
            order.iter().map(|&e| values[e as usize].clone()).collect(),
        ));
    }
    Ok(out)
}

/// Column `name` of a table as an Arrow array, read straight from its
/// pages for scalar columns (no value objects in between); list columns
/// and a feature table's presented `attributes` go through their values.
pub fn table_array(table: &crate::table::Table, name: &str) -> Result<ArrayRef> {
    let c = table
        .columns()
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| Error::NoSuchColumn {
            dataset: table.name().to_string(),
            column: name.to_string(),
            available: table.columns().iter().map(|c| c.name.clone()).collect(),
        })?;
    let presented =
        table.features().is_some() && name == gcol_format::schema::table::columns::ATTRIBUTES;
    if !presented {
        let column = table.reader.column(table.name(), name)?;
        let n = column.num_values();
        match c.kind.as_str() {
            "int64" => return Ok(Arc::new(Int64Array::from(column.read_option::<i64>(0..n)?))),
            "float64" => {
                return Ok(Arc::new(Float64Array::from(
                    column.read_option::<f64>(0..n)?,
                )))
            }
            "timestamp" => {
                return Ok(Arc::new(
                    TimestampMicrosecondArray::from(column.read_option::<i64>(0..n)?)
                        .with_timezone("UTC"),
                ))
            }
            "bool" => {
                let v = column.read_option::<u8>(0..n)?;
                return Ok(Arc::new(BooleanArray::from(
                    v.into_iter().map(|b| b.map(|b| b != 0)).collect::<Vec<_>>(),
                )));
            }
            "string" => {
                let mut b = StringBuilder::with_capacity(n as usize, 0);
                let mut bad = None;
                column.for_each_binary_option(0..n, |row, v| match v {
                    None => b.append_null(),
                    Some(bytes) => match std::str::from_utf8(bytes) {
                        Ok(text) => b.append_value(text),
                        Err(_) => {
                            bad.get_or_insert(row);
                            b.append_value(String::from_utf8_lossy(bytes));
                        }
                    },
                })?;
                if let Some(row) = bad {
                    return Err(Error::Invariant {
                        column: format!("{}/{name}", table.name()),
                        row,
                        rule: "16.4 strings are UTF-8",
                        detail: "a string value that is not UTF-8".into(),
                    });
                }
                return Ok(Arc::new(b.finish()));
            }
            _ => {}
        }
    }
    Ok(typed_array(&c.kind, &table.values(name)?))
}

/// The columns `names` (all when `None`) of a table as a record batch.
pub fn table_batch(table: &crate::table::Table, names: Option<&[String]>) -> Result<RecordBatch> {
    let all: Vec<String>;
    let names = match names {
        Some(n) => n,
        None => {
            all = table.columns().iter().map(|c| c.name.clone()).collect();
            &all
        }
    };
    let arrays = names
        .iter()
        .map(|n| table_array(table, n))
        .collect::<Result<Vec<_>>>()?;
    let fields: Vec<Field> = names
        .iter()
        .zip(&arrays)
        .map(|(n, a)| Field::new(n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::DataType;

    #[test]
    fn typed_arrays() {
        let values = vec![Some(TypedValue::Int(1)), None];
        assert_eq!(typed_array("int64", &values).data_type(), &DataType::Int64);
        let lists = vec![
            Some(TypedValue::List(vec![TypedValue::Str("a".into())])),
            None,
        ];
        let a = typed_array("list<string>", &lists);
        assert_eq!(a.null_count(), 1);
        assert!(matches!(a.data_type(), DataType::List(_)));
    }
}
