//! Typed columns (spec 16.4, 17.2) read as values: scalar columns of
//! `int64`, `float64`, `bool`, `timestamp`, `string`, and list columns of
//! them.

use std::ops::Range;

use gcol_format::manifest::Layout;
use gcol_format::typed::TypedValue;

use crate::{ColumnReader, Error, Reader, Result};

/// Values of a scalar column of type `kind`.
pub(crate) fn scalars(
    column: &ColumnReader<'_>,
    kind: &str,
    rows: Range<u64>,
) -> Result<Vec<Option<TypedValue>>> {
    Ok(match kind {
        "int64" => column
            .read_option::<i64>(rows)?
            .into_iter()
            .map(|v| v.map(TypedValue::Int))
            .collect(),
        "float64" => column
            .read_option::<f64>(rows)?
            .into_iter()
            .map(|v| v.map(TypedValue::Float))
            .collect(),
        "bool" => column
            .read_option::<u8>(rows)?
            .into_iter()
            .map(|v| v.map(|b| TypedValue::Bool(b != 0)))
            .collect(),
        "timestamp" => column
            .read_option::<i64>(rows)?
            .into_iter()
            .map(|v| v.map(TypedValue::Timestamp))
            .collect(),
        _ => {
            let mut out = Vec::with_capacity((rows.end - rows.start) as usize);
            column.for_each_binary_option(rows, |_, v| {
                out.push(v.map(|v| TypedValue::Str(String::from_utf8_lossy(v).into_owned())))
            })?;
            out
        }
    })
}

/// Every value of typed column `column` of `dataset`, of value type `kind`
/// (`list<T>` for a list column, whose items are its child's).
pub(crate) fn typed_values(
    reader: &Reader,
    dataset: &str,
    column: &ColumnReader<'_>,
    kind: &str,
) -> Result<Vec<Option<TypedValue>>> {
    let n = column.num_values();
    let Some(item) = kind.strip_prefix("list<").and_then(|k| k.strip_suffix('>')) else {
        return scalars(column, kind, 0..n);
    };
    let bad = |row: u64, detail: String| Error::Invariant {
        column: format!("{dataset}/{}", column.meta().name),
        row,
        rule: "6.6 lists",
        detail,
    };
    let ends: Vec<u64> = column.read(0..n)?;
    let valid = column.read_validity(0..n)?;
    let child_name = match &column.meta().layout {
        Some(Layout::List { child }) => child.clone(),
        _ => {
            return Err(bad(
                0,
                "a list value type in a column without a list layout".into(),
            ))
        }
    };
    let child = reader.column(dataset, &child_name)?;
    let items = scalars(&child, item, 0..child.num_values())?;
    let mut out = Vec::with_capacity(n as usize);
    let mut start = 0u64;
    for (i, (&end, ok)) in ends.iter().zip(valid).enumerate() {
        if end < start || end > items.len() as u64 {
            return Err(bad(i as u64, format!("end offset {end} after {start}")));
        }
        out.push(ok.then(|| {
            TypedValue::List(
                items[start as usize..end as usize]
                    .iter()
                    .map(|v| v.clone().unwrap_or(TypedValue::Str(String::new())))
                    .collect(),
            )
        }));
        start = end;
    }
    Ok(out)
}
