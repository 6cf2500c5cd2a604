use std::path::Path;

use gcol_writer::demo::{write_demo, DEMO_TIMESTAMP};
use gcol_writer::{WriteOptions, Writer};

use crate::exit::CliResult;

pub fn run(output: &Path, reproducible: bool) -> CliResult {
    let options = WriteOptions {
        timestamp: reproducible.then(|| DEMO_TIMESTAMP.to_string()),
        ..WriteOptions::default()
    };
    let mut writer = Writer::create(output, options)?;
    write_demo(&mut writer)?;
    let len = writer.finish()?;
    eprintln!("wrote {} ({len} bytes)", output.display());
    Ok(())
}
