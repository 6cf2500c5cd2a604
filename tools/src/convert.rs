//! `gcol convert`: a thin caller of [`gcol_import::convert`] with a
//! progress bar and messages on standard error.

use gcol_import::{convert, input_size, ConvertOptions, Event};

use crate::exit::{CliResult, Failure, INPUT};
use crate::progress::bytes_bar;

impl From<gcol_import::Error> for Failure {
    fn from(error: gcol_import::Error) -> Failure {
        match error {
            gcol_import::Error::Usage { .. } => Failure::new(2, error.to_string()),
            gcol_import::Error::Input { .. } => Failure::new(INPUT, error.to_string()),
            gcol_import::Error::Output { .. } => Failure::new(crate::exit::IO, error.to_string()),
            gcol_import::Error::Write(e) => e.into(),
            other => Failure::new(INPUT, other.to_string()),
        }
    }
}

pub fn run(options: &ConvertOptions, quiet: bool) -> CliResult {
    // Streams have no size ahead of time: then the bar counts bytes only.
    let bar = bytes_bar(input_size(&options.inputs), quiet, "converting");
    let report = |done: u64, _: u64| bar.set_position(done);
    let mut events = |event: Event<'_>| {
        if quiet {
            return;
        }
        match event {
            Event::Warning(text) => bar.suspend(|| eprintln!("gcol: warning: {text}")),
            Event::Dataset(dataset) => bar.suspend(|| eprintln!("{}", dataset.message())),
        }
    };
    let summary = convert(options, &report, &mut events)?;
    bar.finish_and_clear();
    if !quiet {
        eprintln!("{}", summary.message(&options.output));
    }
    Ok(())
}
