use std::io::{BufWriter, Write};
use std::path::Path;

use gcol_format::PhysicalType;
use gcol_reader::{ColumnReader, Reader};

use crate::exit::{CliResult, Failure, INVALID};

/// Values of one column for a row range, as text: a null as the empty
/// text (as the table exports write it), a `timestamp` column (spec 16.4)
/// in RFC 3339 form.
fn column_text(column: &ColumnReader<'_>, start: u64, end: u64) -> Result<Vec<String>, Failure> {
    let timestamp = column
        .meta()
        .metadata
        .get(gcol_format::schema::graph::meta::VALUE_TYPE)
        .is_some_and(|t| t == "timestamp")
        && column.meta().physical_type == PhysicalType::I64;
    let mut text = if timestamp {
        column
            .read::<i64>(start..end)?
            .into_iter()
            .map(gcol_format::typed::format_timestamp)
            .collect()
    } else {
        physical_text(column, start, end)?
    };
    if column.is_nullable() {
        let valid = column.read_validity(start..end)?;
        for (t, ok) in text.iter_mut().zip(valid) {
            if !ok {
                t.clear();
            }
        }
    }
    Ok(text)
}

/// Values of one column for a row range, as the text of their physical
/// type.
fn physical_text(column: &ColumnReader<'_>, start: u64, end: u64) -> Result<Vec<String>, Failure> {
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

/// A column to print: stored, or the record names of a `sequences`
/// dataset that takes them from its definitions (spec 12.2, format 1.2).
enum Source<'r> {
    Stored(ColumnReader<'r>),
    Names(Vec<String>),
    /// A table's list column (spec 17.2): each row's list as its text
    /// (a JSON array, 16.4), empty for a null.
    Lists(Vec<String>),
}

impl<'r> Source<'r> {
    fn open(reader: &'r Reader, dataset: &str, column: &str) -> Result<Source<'r>, Failure> {
        match reader.column(dataset, column) {
            Ok(c)
                if c.meta()
                    .metadata
                    .get(gcol_format::schema::graph::meta::VALUE_TYPE)
                    .is_some_and(|t| t.starts_with("list<"))
                    && gcol_reader::table::Table::is_table(reader.dataset(dataset)?) =>
            {
                let table = gcol_reader::table::Table::open(reader, dataset)?;
                Ok(Source::Lists(
                    table
                        .values(column)?
                        .iter()
                        .map(|v| v.as_ref().map(|v| v.to_text()).unwrap_or_default())
                        .collect(),
                ))
            }
            Ok(c) => Ok(Source::Stored(c)),
            Err(gcol_reader::Error::NoSuchColumn { .. })
                if column == gcol_format::schema::sequences::columns::NAME
                    && reader.sequence_datasets().iter().any(|d| d == dataset) =>
            {
                Ok(Source::Names(reader.sequences(dataset)?.names()?))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn rows(&self) -> u64 {
        match self {
            Source::Stored(c) => c.num_values(),
            Source::Names(names) | Source::Lists(names) => names.len() as u64,
        }
    }

    fn text(&self, start: u64, end: u64) -> Result<Vec<String>, Failure> {
        match self {
            Source::Stored(c) => column_text(c, start, end),
            Source::Names(names) => Ok(names[start as usize..end as usize]
                .iter()
                .map(|n| n.escape_debug().to_string())
                .collect()),
            Source::Lists(lists) => Ok(lists[start as usize..end as usize].to_vec()),
        }
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
        .map(|c| Source::open(&reader, dataset, c))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = readers.iter().map(Source::rows).min().unwrap_or(0);
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
            .map(|c| c.text(row, to))
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
