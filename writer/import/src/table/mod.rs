//! Table import (spec 17): CSV/TSV tables with typed columns, and GFF3/GTF
//! annotations as feature tables with parent links, source byte offsets
//! and an attribute index for search. Columns are written in row groups:
//! every column's pages end at the same rows.

pub mod antismash;
mod features;
pub mod genbank;
pub mod genomics;
pub mod gff;
pub mod parquet;

use std::collections::BTreeMap;
use std::path::PathBuf;

use gcol_format::encoding::Encoding;
use gcol_format::manifest::Provenance;
use gcol_format::schema::table::{columns as c, meta, KIND, ROW_GROUP_ROWS};
use gcol_format::PhysicalType;
use gcol_writer::{ColumnSpec, DatasetSpec, Writer};

use crate::graph::input_error;
use crate::input::Input;
use crate::typed::{write_declared, Value};
use crate::Progress;

/// How to import a table.
#[derive(Debug, Clone)]
pub struct TableOptions {
    /// Dataset name.
    pub name: String,
    /// zstd level of the pages.
    pub zstd_level: i32,
    /// Set by another thread to stop.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// CSV/TSV: (column, value type) of columns typed as given instead
    /// of by their cells (`--types`); each must be a header column.
    pub types: Vec<(String, String)>,
}

impl TableOptions {
    /// Defaults: zstd level 9, every column typed by its cells.
    pub fn new(name: impl Into<String>) -> TableOptions {
        TableOptions {
            name: name.into(),
            zstd_level: 9,
            cancel: None,
            types: Vec::new(),
        }
    }
}

/// What a table import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    /// Dataset name.
    pub dataset: String,
    /// Rows.
    pub rows: u64,
    /// Columns (typed columns, not counting list items or the index).
    pub columns: u64,
    /// Bytes read from the source (compressed, when it is).
    pub source_bytes: u64,
    /// The source's bytes after decompression.
    pub input_bytes: u64,
    /// Doubtful things found in the source.
    pub warnings: Vec<String>,
}

/// Typed columns of equal length, in order.
#[derive(Debug, Default)]
pub(crate) struct Columns {
    pub names: Vec<String>,
    pub values: Vec<Vec<Option<Value>>>,
    /// Declared types (a schema's columns), or found from the values.
    pub kinds: Vec<Option<&'static str>>,
}

impl Columns {
    pub(crate) fn push(&mut self, name: &str, values: Vec<Option<Value>>) {
        self.names.push(name.to_string());
        self.values.push(values);
        self.kinds.push(None);
    }

    /// A column of a declared type.
    pub(crate) fn push_typed(
        &mut self,
        name: &str,
        kind: &'static str,
        values: Vec<Option<Value>>,
    ) {
        self.push(name, values);
        *self.kinds.last_mut().expect("pushed") = Some(kind);
    }
}

/// Write `columns` as a `table` dataset of `rows` rows in row groups of
/// [`ROW_GROUP_ROWS`].
pub(crate) fn write_columns<W: std::io::Write>(
    writer: &mut Writer<W>,
    spec: DatasetSpec,
    rows: u64,
    columns: &Columns,
    level: i32,
) -> gcol_writer::Result<gcol_writer::DatasetId> {
    let d = writer.add_dataset(spec.metadata(meta::ROW_GROUP_ROWS, ROW_GROUP_ROWS.to_string()))?;
    writer.set_num_rows(d, rows)?;
    for ((name, values), kind) in columns
        .names
        .iter()
        .zip(&columns.values)
        .zip(&columns.kinds)
    {
        write_declared(
            writer,
            d,
            name,
            values.iter().map(Option::as_ref),
            level,
            Some(ROW_GROUP_ROWS as usize),
            *kind,
        )?;
    }
    Ok(d)
}

/// The attribute index (spec 17.5) of `pairs` (row, name, value): the
/// distinct (name, value) pairs in byte order with the rows holding each.
pub(crate) fn write_index<W: std::io::Write>(
    writer: &mut Writer<W>,
    d: gcol_writer::DatasetId,
    mut pairs: Vec<(u32, String, String)>,
    level: i32,
) -> gcol_writer::Result<u64> {
    pairs.sort_unstable_by(|a, b| (&a.1, &a.2, a.0).cmp(&(&b.1, &b.2, b.0)));
    pairs.dedup();
    let text = |name: &str| {
        ColumnSpec::new(name, PhysicalType::Binary, "utf8")
            .encoding(Encoding::lengths().with_zstd(level))
            .page_bytes(1 << 20)
    };
    let key = writer.add_column(d, text(c::INDEX_KEY))?;
    let value = writer.add_column(d, text(c::INDEX_VALUE))?;
    let list = writer.add_column(
        d,
        ColumnSpec::new(c::INDEX_ROWS, PhysicalType::U64, "list")
            .encoding(Encoding::delta_varint().with_zstd(level))
            .list(c::INDEX_ROW),
    )?;
    let row = writer.add_column(
        d,
        ColumnSpec::new(c::INDEX_ROW, PhysicalType::U32, "row")
            .encoding(Encoding::delta_varint().with_zstd(level)),
    )?;
    let mut entries = 0u64;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        let mut rows = Vec::new();
        while j < pairs.len() && pairs[j].1 == pairs[i].1 && pairs[j].2 == pairs[i].2 {
            rows.push(pairs[j].0);
            j += 1;
        }
        writer.push_binary(key, pairs[i].1.as_bytes())?;
        writer.push_binary(value, pairs[i].2.as_bytes())?;
        writer.push(row, &rows)?;
        writer.end_list(list)?;
        entries += 1;
        i = j;
    }
    Ok(entries)
}

/// Value types a column may be given (spec 16.4).
pub const VALUE_TYPES: [&str; 10] = [
    "int64",
    "float64",
    "bool",
    "string",
    "timestamp",
    "list<int64>",
    "list<float64>",
    "list<bool>",
    "list<string>",
    "list<timestamp>",
];

/// The value type named `name`, if it is one of [`VALUE_TYPES`].
pub fn value_type(name: &str) -> Option<&'static str> {
    VALUE_TYPES.iter().copied().find(|t| *t == name)
}

/// One text cell as a value of a given type (spec 16.4; a bare date is a
/// timestamp at midnight UTC; a list is written `[a,b]` or `a b`);
/// `None` for an empty cell, `Err` saying what the text is not.
pub(crate) fn typed_cell(value_type: &str, text: &str) -> Result<Option<Value>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let t = text.trim();
    let bad = |what: &str| format!("{text:?} is not {what}");
    if let Some(item) = value_type
        .strip_prefix("list<")
        .and_then(|v| v.strip_suffix('>'))
    {
        let inner = t
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(t);
        let mut items = Vec::new();
        for piece in inner
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            let piece = piece.trim_matches('"');
            match typed_cell(item, piece) {
                Ok(Some(v)) => items.push(v),
                Ok(None) => {}
                Err(_) => return Err(bad(&format!("a list of {item} (`[a,b]` or `a b`)"))),
            }
        }
        return Ok(Some(Value::List(items)));
    }
    Ok(Some(match value_type {
        "int64" => Value::Int(t.parse().map_err(|_| bad("an integer"))?),
        "float64" => Value::Float(t.parse().map_err(|_| bad("a number"))?),
        "bool" => match t.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("true or false")),
        },
        "timestamp" => Value::Timestamp(
            gcol_format::typed::parse_timestamp(t)
                .ok_or_else(|| bad("a date (YYYY-MM-DD) or date and time (RFC 3339)"))?,
        ),
        _ => Value::Str(text.to_string()),
    }))
}

/// The typed values of one text column (spec 16.4's text-table rules:
/// `int64` when every non-empty cell is an integer, else `float64`, else
/// `bool`, else `timestamp` when every one is a date and time, else
/// `string`; an empty cell is null).
pub(crate) fn typed_cells(values: &[String]) -> Vec<Option<Value>> {
    let present = || values.iter().filter(|v| !v.is_empty());
    let parse: fn(&str) -> Value = if present().next().is_none() {
        |v| Value::Str(v.to_string())
    } else if present().all(|v| v.parse::<i64>().is_ok()) {
        |v| Value::Int(v.parse().expect("checked"))
    } else if present().all(|v| v.parse::<f64>().is_ok()) {
        |v| Value::Float(v.parse().expect("checked"))
    } else if present().all(|v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")) {
        |v| Value::Bool(v.eq_ignore_ascii_case("true"))
    } else if present().all(|v| gcol_format::typed::is_datetime_text(v)) {
        |v| Value::Timestamp(gcol_format::typed::parse_timestamp(v).expect("checked"))
    } else {
        |v| Value::Str(v.to_string())
    };
    values
        .iter()
        .map(|v| (!v.is_empty()).then(|| parse(v)))
        .collect()
}

/// A CSV/TSV table read whole: header names (empty ones named `columnK`,
/// none twice), each column's cells, each row's line, the bytes read.
pub(crate) struct TextTable {
    pub header: Vec<String>,
    pub cells: Vec<Vec<String>>,
    pub lines: Vec<u64>,
    pub bytes: u64,
}

/// Read a CSV (`,`) or TSV (tab) table with a header line; a malformed
/// row names file, record and line.
pub(crate) fn read_text_table(
    input: &mut Input,
    delimiter: u8,
    cancel: Option<&std::sync::Arc<std::sync::atomic::AtomicBool>>,
    report: &dyn Fn(u64),
) -> gcol_writer::Result<TextTable> {
    let path: PathBuf = input.path().to_path_buf();
    let consumed = std::sync::Arc::clone(&input.consumed);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(&mut input.reader);
    let csv_error = |e: csv::Error| {
        let (record, line) = e.position().map_or((0, 0), |p| (p.record(), p.line()));
        let detail = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields where the header has {expected_len}"),
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        input_error(&path, record, line, "row", detail)
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if h.is_empty() {
                format!("column{}", i + 1)
            } else {
                h.to_string()
            }
        })
        .collect();
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(input_error(
                &path,
                0,
                1,
                "header",
                format!("column {h:?} is named twice"),
            ));
        }
    }
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        lines.push(record.position().map_or(0, |p| p.line()));
        if lines.len().is_multiple_of(65_536) {
            crate::check_cancel(cancel)?;
            report(consumed.load(std::sync::atomic::Ordering::Relaxed));
        }
        for (k, v) in record.iter().enumerate() {
            cells[k].push(v.to_string());
        }
    }
    if lines.len() as u64 > u64::from(u32::MAX) {
        return Err(input_error(
            &path,
            lines.len() as u64,
            0,
            "row",
            "a table holds at most 2^32 - 1 rows",
        ));
    }
    Ok(TextTable {
        header,
        cells,
        lines,
        bytes: reader.position().byte(),
    })
}

/// Import a CSV or TSV table (header line, then rows): each column typed
/// by its values (`int64`, `float64`, `bool`, else `string`; an empty
/// cell is null).
pub fn import_table<W: std::io::Write>(
    writer: &mut Writer<W>,
    mut input: Input,
    delimiter: u8,
    options: &TableOptions,
    progress: Progress<'_>,
) -> gcol_writer::Result<TableSummary> {
    let path: PathBuf = input.path().to_path_buf();
    let size = input.size();
    let table = read_text_table(&mut input, delimiter, options.cancel.as_ref(), &|done| {
        progress(done, size)
    })?;
    if let Some(h) = table.header.iter().find(|h| h.starts_with(c::INDEX_PREFIX)) {
        return Err(input_error(
            &path,
            0,
            1,
            "header",
            format!(
                "column {h:?}: names starting with {:?} are the index's",
                c::INDEX_PREFIX
            ),
        ));
    }
    let rows = table.lines.len() as u64;
    let input_bytes = table.bytes;
    for (name, kind) in &options.types {
        if !table.header.contains(name) {
            return Err(input_error(
                &path,
                0,
                1,
                "header",
                format!(
                    "--types names column {name:?}, which the header lacks (columns: {})",
                    table.header.join(", ")
                ),
            ));
        }
        if value_type(kind).is_none() {
            return Err(input_error(
                &path,
                0,
                1,
                "header",
                format!(
                    "--types gives column {name:?} the type {kind:?}; types are {}",
                    VALUE_TYPES.join(", ")
                ),
            ));
        }
    }
    let mut columns = Columns::default();
    for (name, values) in table.header.iter().zip(&table.cells) {
        let given = options
            .types
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, k)| value_type(k));
        let Some(kind) = given else {
            columns.push(name, typed_cells(values));
            continue;
        };
        let mut typed = Vec::with_capacity(values.len());
        for (r, cell) in values.iter().enumerate() {
            typed.push(typed_cell(kind, cell).map_err(|detail| {
                input_error(
                    &path,
                    r as u64 + 1,
                    table.lines[r],
                    "cell",
                    format!("column {name:?}: {detail}"),
                )
            })?);
        }
        columns.push_typed(name, kind, typed);
    }
    let source_format = if delimiter == b',' { "csv" } else { "tsv" };
    let spec = DatasetSpec::new(&options.name, KIND).metadata(meta::SOURCE_FORMAT, source_format);
    write_columns(writer, spec, rows, &columns, options.zstd_level.max(1))?;
    progress(input.consumed(), size);
    provenance(writer, &input, &options.name, source_format);
    Ok(TableSummary {
        dataset: options.name.clone(),
        rows,
        columns: table.header.len() as u64,
        source_bytes: input.consumed(),
        input_bytes,
        warnings: Vec::new(),
    })
}

pub(crate) fn provenance<W: std::io::Write>(
    writer: &mut Writer<W>,
    input: &Input,
    name: &str,
    format: &str,
) {
    provenance_of(writer, input, vec![name.to_string()], format);
}

/// Record `input` in the provenance as the source of `datasets`.
pub(crate) fn provenance_of<W: std::io::Write>(
    writer: &mut Writer<W>,
    input: &Input,
    datasets: Vec<String>,
    format: &str,
) {
    let mut options = BTreeMap::new();
    options.insert("format".to_string(), format.to_string());
    writer.add_provenance(Provenance {
        source: input.source_name(),
        size_bytes: input.consumed(),
        sha256: input.sha256(),
        datasets,
        converter: writer.converter(),
        options,
        converted_utc: writer.timestamp(),
    });
}
