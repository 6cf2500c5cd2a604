use std::path::Path;

use gcol_reader::{ChecksumPolicy, ReadOptions, Reader};

use crate::exit::outln;
use crate::exit::CliResult;
use crate::progress::bytes_bar;

pub fn run(file: &Path, quiet: bool, deep: bool, reference: Option<&Path>) -> CliResult {
    let reader = Reader::open_with(
        file,
        ReadOptions::default().checksums(ChecksumPolicy::Verify),
    )?;
    let bar = bytes_bar(Some(0), quiet, "verifying");
    let reference = match reference {
        Some(path) => Some(gcol_import::reference::open_reference_bases(path)?),
        None => None,
    };
    let report = reader.verify_with_reference(deep, reference, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let report = report?;
    for note in &report.unchecked {
        eprintln!("gcol: warning: {note}");
    }
    if !quiet {
        outln!(
            "{}: ok{} (gcol {}.{}, {} datasets, {} columns, {} pages, {} directory blocks, {} stored bytes checked, {} decoded, {} records{})",
            file.display(),
            if deep { ", deep" } else { "" },
            reader.version().0,
            reader.version().1,
            reader.datasets().len(),
            report.columns,
            report.pages,
            report.directory_blocks,
            report.stored_bytes,
            report.decoded_bytes,
            report.records,
            if deep {
                format!(", {} runs", report.runs)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
