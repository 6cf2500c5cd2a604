use std::io::{BufWriter, Write};
use std::path::Path;

use gcol_format::PhysicalType;
use gcol_reader::{ColumnReader, Reader};

use crate::exit::{CliResult, Failure, INVALID};

/// Values of one column for a row range, as text.
fn column_text(column: &ColumnReader<'_>, start: u64, end: u64) -> Result<Vec<String>, Failure> {
    fn fmt<T: gcol_format::Value + ToString>(
        c: &ColumnReader<'_>,
        s: u64,
        e: u64,
    ) -> Result<Vec<String>, Failure> {
        Ok(c.read::<T>(s..e)?.iter().map(ToString::to_string).collect())
    }
    match column.meta().physical_type {
        PhysicalType::U8 => fmt::<u8>(column, start, end),
        PhysicalType::U16 => fmt::<u16>(column, start, end),
        PhysicalType::U32 => fmt::<u32>(column, start, end),
        PhysicalType::U64 => fmt::<u64>(column, start, end),
        PhysicalType::I8 => fmt::<i8>(column, start, end),
        PhysicalType::I16 => fmt::<i16>(column, start, end),
        PhysicalType::I32 => fmt::<i32>(column, start, end),
        PhysicalType::I64 => fmt::<i64>(column, start, end),
        // Debug gives the shortest text that reads back to the same float.
        PhysicalType::F32 => Ok(column
            .read::<f32>(start..end)?
            .iter()
            .map(|v| format!("{v:?}"))
            .collect()),
        PhysicalType::F64 => Ok(column
            .read::<f64>(start..end)?
            .iter()
            .map(|v| format!("{v:?}"))
            .collect()),
        PhysicalType::Binary => {
            let mut out = Vec::with_capacity((end - start) as usize);
            column.for_each_binary(start..end, |_, v| {
                out.push(String::from_utf8_lossy(v).escape_debug().to_string())
            })?;
            Ok(out)
        }
        other => Err(Failure::new(
            INVALID,
            format!("cannot print {other} values"),
        )),
    }
}

pub fn run(
    file: &Path,
    dataset: &str,
    columns: &[String],
    start: u64,
    end: Option<u64>,
) -> CliResult {
    let reader = Reader::open(file)?;
    let readers = columns
        .iter()
        .map(|c| reader.column(dataset, c))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = readers.iter().map(|c| c.num_values()).min().unwrap_or(0);
    let end = end.unwrap_or(rows);
    if start > end || end > rows {
        return Err(Failure::new(
            INVALID,
            format!("rows {start}..{end} are outside the column(s), which have {rows} rows"),
        ));
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    // Print in chunks so memory stays bounded on long columns.
    let chunk = 65_536u64;
    let mut row = start;
    while row < end {
        let to = (row + chunk).min(end);
        let texts = readers
            .iter()
            .map(|c| column_text(c, row, to))
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..(to - row) as usize {
            let line: Vec<&str> = texts.iter().map(|t| t[i].as_str()).collect();
            writeln!(out, "{}", line.join("\t"))?;
        }
        row = to;
    }
    out.flush()?;
    Ok(())
}
