//! `gcol search`: rows of a table whose attributes match, through the
//! attribute index (exact `NAME=VALUE`, prefix `NAME=PREFIX*`) or, for a
//! column, by value (`NAME=LOW..HIGH` for numbers). Feature tables print
//! their GFF3/GTF lines, other tables tab-separated rows with a header.

use std::path::Path;

use gcol_reader::table::{Table, TableFormat};
use gcol_reader::{AttrFilter, Reader};

use crate::exit::{CliResult, Failure};

/// The table to use: the one named, or the file's only table.
pub fn open_table(reader: &Reader, name: Option<&str>) -> Result<Table, Failure> {
    let name = crate::graph::choose_dataset(reader, name, "table", Table::is_table)?;
    Ok(Table::open(reader, &name)?)
}

pub fn run(
    file: &Path,
    dataset: Option<&str>,
    terms: &[String],
    rows_only: bool,
    count: bool,
) -> CliResult {
    let reader = Reader::open(file)?;
    let table = open_table(&reader, dataset)?;
    let criteria = terms
        .iter()
        .map(|t| AttrFilter::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = table.search(&criteria)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    use std::io::Write;
    if count {
        writeln!(out, "{}", rows.len())?;
    } else if rows_only {
        for r in &rows {
            writeln!(out, "{r}")?;
        }
    } else {
        table.write(table.native_format(), Some(&rows), &mut out)?;
    }
    out.flush()?;
    Ok(())
}

/// Export a table as CSV, TSV or (feature tables) GFF3/GTF.
pub fn export(
    file: &Path,
    dataset: Option<&str>,
    output: &Path,
    format: Option<&str>,
) -> CliResult {
    let reader = Reader::open(file)?;
    let table = open_table(&reader, dataset)?;
    let to_stdout = output.as_os_str() == "-";
    if let Some(columnar) = crate::graph::columnar_format(output, format) {
        let columns = gcol_reader::columnar::table_columns(&table)?;
        return crate::graph::write_columnar(&columns, columnar, output);
    }
    let name = match format {
        Some(f) => std::path::PathBuf::from(format!("x.{}", f.to_ascii_lowercase())),
        None if to_stdout => std::path::PathBuf::from(match table.native_format() {
            TableFormat::Gff => "x.gff",
            TableFormat::GenBank => "x.gbk",
            TableFormat::AntismashJson => "x.json",
            _ => "x.tsv",
        }),
        None => output.to_path_buf(),
    };
    let kind = TableFormat::from_path(&name).ok_or_else(|| {
        Failure::new(
            2,
            format!(
                "cannot tell the table format from {}; use {} (or --format)",
                name.display(),
                TableFormat::EXTENSIONS
            ),
        )
    })?;
    if to_stdout {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        table.write(kind, None, &mut out)?;
    } else {
        let mut file = std::io::BufWriter::new(gcol_writer::AtomicFile::create(output)?);
        table.write(kind, None, &mut file)?;
        file.into_inner()
            .map_err(|e| Failure::from(e.into_error()))?
            .commit()?;
    }
    Ok(())
}
