use std::path::Path;

use crate::exit::{outln, CliResult, Failure};
use crate::progress::bytes_bar;

/// `gcol copy`: the import layer's verified copy.
pub fn run(source: &Path, destination: &Path, quiet: bool) -> CliResult {
    let bar = bytes_bar(Some(0), quiet, "copying");
    let result = gcol_import::copy_verified(source, destination, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let summary = result.map_err(|e| match e {
        // A source that does not verify is an invalid file (exit 1, as
        // `gcol verify`), not malformed input to convert.
        gcol_import::Error::Input { .. } => Failure::new(1, e.to_string()),
        other => other.into(),
    })?;
    if !quiet {
        outln!(
            "copied {} to {}: {} bytes, {} pages checked in both, {} datasets",
            source.display(),
            summary.destination.display(),
            summary.bytes,
            summary.pages,
            summary.datasets
        );
    }
    Ok(())
}
