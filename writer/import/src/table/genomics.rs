//! Tables of the genomics schema (spec 17.8) from CSV/TSV files: every
//! table of one conversion is read and typed by the schema first, then
//! its keys are checked (required values, distinct primary keys, foreign
//! keys found in the referenced table, `sequences` rows naming a
//! sequences dataset and record of the same conversion), and only then is
//! anything written: a key violation refuses the conversion with the
//! file, row and column named.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use gcol_format::schema::genomics::{self, SEQUENCE_DATASET, SEQUENCE_RECORD};
use gcol_format::schema::table::{meta, KIND};
use gcol_writer::{DatasetSpec, Writer};

use super::{read_text_table, typed_cell, typed_cells, write_columns, Columns, TableSummary};
use crate::graph::input_error;
use crate::input::Input;
use crate::typed::Value;

/// One CSV/TSV input meant as a schema table.
pub struct SchemaInput {
    /// The table (dataset) name: a table of the schema.
    pub name: String,
    /// The opened input.
    pub input: Input,
    /// `,` or tab.
    pub delimiter: u8,
}

/// A table read, typed and checked, ready to write.
pub struct CheckedTable {
    name: String,
    path: PathBuf,
    source_format: &'static str,
    columns: Columns,
    rows: u64,
    input_bytes: u64,
    source_bytes: u64,
    provenance: Input,
}

impl CheckedTable {
    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file it came from.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// `csv` or `tsv`.
    pub fn source_format(&self) -> &'static str {
        self.source_format
    }
}

/// The names of the records of a sequences dataset of the same
/// conversion, or `None` when no such dataset is planned.
pub type RecordNames<'a> = dyn FnMut(&str) -> gcol_writer::Result<Option<HashSet<String>>> + 'a;

/// Read every input, type its columns by the schema and check the keys
/// across all of them (see the module documentation). `record_names`
/// gives the record names of a sequences dataset of the conversion.
pub fn check_tables(
    inputs: Vec<SchemaInput>,
    record_names: &mut RecordNames<'_>,
    cancel: Option<&std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> gcol_writer::Result<Vec<CheckedTable>> {
    let mut tables = Vec::new();
    // (table, column) -> value -> (record, line) of the row holding it.
    let mut lines: Vec<Vec<u64>> = Vec::new();
    for SchemaInput {
        name,
        mut input,
        delimiter,
    } in inputs
    {
        let path = input.path().to_path_buf();
        let Some(schema) = genomics::table(&name) else {
            let names: Vec<&str> = genomics::TABLES.iter().map(|t| t.name).collect();
            return Err(input_error(
                &path,
                0,
                0,
                "table",
                format!(
                    "{name:?} is not a table of the genomics schema ({}); name the input after one, or give --name",
                    names.join(", ")
                ),
            ));
        };
        if tables.iter().any(|t: &CheckedTable| t.name == name) {
            return Err(input_error(
                &path,
                0,
                0,
                "table",
                format!("a second input for table {name:?}"),
            ));
        }
        let text = read_text_table(&mut input, delimiter, cancel, &|_| {})?;
        let rows = text.lines.len() as u64;
        let mut columns = Columns::default();
        for c in schema.columns {
            let Some(k) = text.header.iter().position(|h| h == c.name) else {
                if c.required {
                    return Err(input_error(
                        &path,
                        0,
                        1,
                        "header",
                        format!("table {name} needs a column {:?}", c.name),
                    ));
                }
                columns.push_typed(c.name, c.value_type, vec![None; rows as usize]);
                continue;
            };
            let mut values = Vec::with_capacity(rows as usize);
            for (r, cell) in text.cells[k].iter().enumerate() {
                let value = typed_cell(c.value_type, cell).map_err(|detail| {
                    input_error(&path, r as u64 + 1, text.lines[r], c.name, detail)
                })?;
                if value.is_none() && c.required {
                    return Err(input_error(
                        &path,
                        r as u64 + 1,
                        text.lines[r],
                        c.name,
                        format!("table {name} needs a value here"),
                    ));
                }
                values.push(value);
            }
            columns.push_typed(c.name, c.value_type, values);
        }
        // Columns beyond the schema's are kept, typed by their values.
        for (h, cells) in text.header.iter().zip(&text.cells) {
            if schema.column(h).is_none() {
                columns.push(h, typed_cells(cells));
            }
        }
        // Distinct primary keys.
        let key_columns: Vec<usize> = schema
            .primary_key
            .iter()
            .map(|k| columns.schema_column(k))
            .collect();
        let mut seen: HashMap<Vec<String>, u64> = HashMap::new();
        for r in 0..rows as usize {
            let key: Vec<String> = key_columns
                .iter()
                .map(|&k| {
                    columns.values[k][r]
                        .as_ref()
                        .map(Value::to_text)
                        .unwrap_or_default()
                })
                .collect();
            if let Some(first) = seen.insert(key.clone(), r as u64 + 1) {
                return Err(input_error(
                    &path,
                    r as u64 + 1,
                    text.lines[r],
                    "primary key",
                    format!(
                        "({}) = ({}) repeats row {first}",
                        schema.primary_key.join(", "),
                        key.join(", ")
                    ),
                ));
            }
        }
        lines.push(text.lines);
        tables.push(CheckedTable {
            name,
            path,
            source_format: if delimiter == b',' { "csv" } else { "tsv" },
            columns,
            rows,
            input_bytes: text.bytes,
            source_bytes: input.consumed(),
            provenance: input,
        });
    }
    // Foreign keys, against the referenced tables of this conversion.
    let values_of = |t: &CheckedTable, column: &str| -> HashSet<String> {
        let k = t.columns.schema_column(column);
        t.columns.values[k]
            .iter()
            .flatten()
            .map(Value::to_text)
            .collect()
    };
    for (i, t) in tables.iter().enumerate() {
        let schema = genomics::table(&t.name).expect("checked");
        for f in schema.foreign_keys {
            let target = tables.iter().find(|r| r.name == f.table);
            let known = target.map(|r| values_of(r, f.references));
            let k = t.columns.schema_column(f.column);
            for (r, v) in t.columns.values[k].iter().enumerate() {
                let Some(v) = v else { continue };
                let v = v.to_text();
                let detail = match &known {
                    Some(known) if known.contains(&v) => continue,
                    Some(_) => format!("no row of table {} has {} {v:?}", f.table, f.references),
                    None => format!(
                        "{v:?} refers to table {}, which is not among the inputs",
                        f.table
                    ),
                };
                return Err(input_error(
                    &t.path,
                    r as u64 + 1,
                    lines[i][r],
                    f.column,
                    detail,
                ));
            }
        }
        // A `sequences` row may point to a record of a sequences dataset.
        if t.name == "sequences" {
            let d = t.columns.schema_column(SEQUENCE_DATASET);
            let n = t.columns.schema_column(SEQUENCE_RECORD);
            let mut names: HashMap<String, Option<HashSet<String>>> = HashMap::new();
            for (r, &line) in lines[i].iter().enumerate() {
                let record = t.columns.values[n][r].as_ref().map(Value::to_text);
                let Some(dataset) = t.columns.values[d][r].as_ref().map(Value::to_text) else {
                    if record.is_some() {
                        return Err(input_error(
                            &t.path,
                            r as u64 + 1,
                            line,
                            SEQUENCE_RECORD,
                            "a record without a dataset",
                        ));
                    }
                    continue;
                };
                if !names.contains_key(&dataset) {
                    let found = record_names(&dataset)?;
                    names.insert(dataset.clone(), found);
                }
                let detail = match (&names[&dataset], &record) {
                    (None, _) => format!(
                        "{dataset:?} is not a sequences dataset of this conversion (give its FASTA or FASTQ as an input, named with --name)"
                    ),
                    (Some(known), Some(record)) if !known.contains(record) => {
                        format!("{record:?} is not a record of sequences dataset {dataset:?}")
                    }
                    _ => continue,
                };
                let field = if names[&dataset].is_none() {
                    SEQUENCE_DATASET
                } else {
                    SEQUENCE_RECORD
                };
                return Err(input_error(&t.path, r as u64 + 1, line, field, detail));
            }
        }
    }
    Ok(tables)
}

/// Write a checked table as a `table` dataset with `schema` `genomics`.
pub fn write_table<W: std::io::Write>(
    writer: &mut Writer<W>,
    table: CheckedTable,
    level: i32,
) -> gcol_writer::Result<TableSummary> {
    let spec = DatasetSpec::new(&table.name, KIND)
        .metadata(meta::SOURCE_FORMAT, table.source_format)
        .metadata(meta::SCHEMA, genomics::SCHEMA);
    write_columns(writer, spec, table.rows, &table.columns, level.max(1))?;
    super::provenance(writer, &table.provenance, &table.name, table.source_format);
    Ok(TableSummary {
        dataset: table.name,
        rows: table.rows,
        columns: table.columns.names.len() as u64,
        source_bytes: table.source_bytes,
        input_bytes: table.input_bytes,
        warnings: Vec::new(),
    })
}

/// The record names of FASTA (`>name ...`) or FASTQ (`@name ...`, every
/// fourth line) files, as their sequences datasets name records.
pub(crate) fn record_names(paths: &[PathBuf], fastq: bool) -> gcol_writer::Result<HashSet<String>> {
    use std::io::BufRead;
    let mut names = HashSet::new();
    for path in paths {
        let mut input = crate::open_input(path)?;
        let mut line = String::new();
        let mut k = 0u64;
        loop {
            line.clear();
            let n =
                input
                    .reader
                    .read_line(&mut line)
                    .map_err(|source| gcol_writer::Error::Source {
                        path: path.clone(),
                        source,
                    })?;
            if n == 0 {
                break;
            }
            let header = if fastq {
                let first = k.is_multiple_of(4);
                k += 1;
                if first {
                    line.strip_prefix('@')
                } else {
                    None
                }
            } else {
                line.strip_prefix('>')
            };
            if let Some(h) = header {
                names.insert(h.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    }
    Ok(names)
}

impl Columns {
    /// The position of schema column `name`, which every checked table has.
    fn schema_column(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| n == name)
            .expect("a schema column")
    }
}
