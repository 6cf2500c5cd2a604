//! `gcol schema`: the built-in genomics schema (spec 17.8), or for a file
//! its genomics tables with their keys checked.

use std::io::Write;
use std::path::Path;

use gcol_reader::Reader;

use crate::exit::CliResult;

pub fn run(file: Option<&Path>, json: bool) -> CliResult {
    let mut out = std::io::stdout().lock();
    let Some(file) = file else {
        let text = if json {
            format!("{:#}\n", gcol_format::schema::genomics::to_json())
        } else {
            gcol_format::schema::genomics::describe()
        };
        out.write_all(text.as_bytes())?;
        return Ok(());
    };
    let reader = Reader::open(file)?;
    let tables = gcol_reader::table::check_genomics(&reader)?;
    let mut text = String::new();
    if tables.is_empty() {
        text.push_str(&format!(
            "{}: no tables of the genomics schema\n",
            file.display()
        ));
    }
    for t in &tables {
        text.push_str(&format!("{}\t{} rows\tkeys ok\n", t.name, t.rows));
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}
