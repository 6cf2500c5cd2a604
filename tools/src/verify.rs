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
    let (report, problems) = reader.verify_all(deep, reference, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    // What could not be checked is said whether or not problems follow.
    for note in &report.unchecked {
        eprintln!("gcol: warning: {note}");
    }
    // Every problem (Reader::verify_all's order); the exit code is the
    // first one's.
    let count = problems.len();
    let mut problems = problems.into_iter();
    if let Some(first) = problems.next() {
        let first = crate::exit::Failure::from(first);
        let rest: Vec<String> = problems.map(|p| p.to_string()).collect();
        if rest.is_empty() {
            return Err(first);
        }
        let mut message = first.message().to_string();
        for p in rest {
            message.push_str("\ngcol: error: ");
            message.push_str(&p);
        }
        message.push_str(&format!(
            "\ngcol: {}: {count} problems found{}",
            file.display(),
            if deep {
                ""
            } else {
                " (verify --deep checks every invariant too)"
            }
        ));
        return Err(first.with_message(message));
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
