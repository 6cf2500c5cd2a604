use std::io::{BufWriter, Write};
use std::path::Path;

use gcol_reader::Reader;

use crate::exit::{CliResult, Failure, IO};

/// `gcol dump`: every decoded value of every column as JSON.
pub fn run(file: &Path, dataset: Option<&str>) -> CliResult {
    let reader = Reader::open(file)?;
    let value = reader.dump_json(dataset)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    serde_json::to_writer(&mut out, &value).map_err(|e| match e.io_error_kind() {
        // A closed pipe (`gcol dump f | head -c 10`) ends quietly.
        Some(kind) => Failure::from(std::io::Error::from(kind)),
        None => Failure::new(IO, e.to_string()),
    })?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
