use std::path::Path;

use crate::exit::{outln, CliResult, Failure};
use crate::progress::bytes_bar;

/// Run `job` with a progress bar of bytes; a source that does not read or
/// verify is an invalid file (exit 1, as `gcol verify`), not malformed
/// input to convert.
fn with_bar<T>(
    quiet: bool,
    what: &str,
    job: impl FnOnce(gcol_import::Progress<'_>) -> Result<T, gcol_import::Error>,
) -> Result<T, Failure> {
    let bar = bytes_bar(Some(0), quiet, what);
    let result = job(&|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    result.map_err(|e| match e {
        gcol_import::Error::Input { .. } => Failure::new(1, e.to_string()),
        other => other.into(),
    })
}

/// `gcol copy`: the import layer's verified copy.
pub fn run(source: &Path, destination: &Path, quiet: bool) -> CliResult {
    let summary = with_bar(quiet, "copying", |p| {
        gcol_import::copy_verified(source, destination, p)
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

/// Run an import-layer subset/merge/edit with a progress bar and print
/// its summary. A source that does not read is exit 1, as for `copy`.
fn rewrite(
    quiet: bool,
    what: &str,
    run: impl FnOnce(gcol_import::Progress<'_>) -> Result<gcol_import::EditSummary, gcol_import::Error>,
) -> CliResult {
    let summary = with_bar(quiet, what, run)?;
    if !quiet {
        outln!(
            "wrote {} ({} bytes): {} ({} pages copied, {} re-encoded)",
            summary.destination.display(),
            summary.bytes,
            summary.datasets.join(", "),
            summary.pages,
            summary.reencoded
        );
    }
    Ok(())
}

/// `gcol subset`.
pub fn subset(
    source: &Path,
    output: &Path,
    datasets: &[String],
    selection: &gcol_import::Selection,
    quiet: bool,
) -> CliResult {
    rewrite(quiet, "subset", |p| {
        gcol_import::subset_selected(source, output, datasets, selection, p)
    })
}

/// `gcol merge`.
pub fn merge(sources: &[std::path::PathBuf], output: &Path, quiet: bool) -> CliResult {
    rewrite(quiet, "merging", |p| gcol_import::merge(sources, output, p))
}

/// `gcol edit`.
pub fn edit(
    source: &Path,
    output: &Path,
    drop: Vec<String>,
    set: &[String],
    unset: Vec<String>,
    add_tables: Vec<std::path::PathBuf>,
    quiet: bool,
) -> CliResult {
    let set_metadata = set
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| Failure::new(2, format!("--set {kv:?}: expected KEY=VALUE")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = gcol_import::EditOptions {
        drop,
        set_metadata,
        remove_metadata: unset,
        add_tables,
    };
    rewrite(quiet, "editing", |p| {
        gcol_import::edit(source, output, &options, p)
    })
}

/// `gcol upgrade`.
pub fn upgrade(source: &Path, output: &Path, quiet: bool) -> CliResult {
    let from = gcol_reader::Reader::open(source).map(|r| (r.version(), r.len()));
    let summary = with_bar(quiet, "upgrading", |p| {
        gcol_import::upgrade(source, output, p)
    })?;
    if !quiet {
        let to = gcol_reader::Reader::open(&summary.destination)
            .map(|r| r.version())
            .map_err(|e| Failure::new(1, format!("{}: {e}", summary.destination.display())))?;
        let ((major, minor), bytes) = from.map_err(|e| Failure::new(1, e.to_string()))?;
        outln!(
            "upgraded {} (format {major}.{minor}, {bytes} bytes) to {} (format {}.{}, {} bytes): {} ({} pages copied, {} re-encoded)",
            source.display(),
            summary.destination.display(),
            to.0,
            to.1,
            summary.bytes,
            summary.datasets.join(", "),
            summary.pages,
            summary.reencoded
        );
    }
    Ok(())
}
