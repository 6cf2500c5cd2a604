//! Mapping errors to messages and stable exit codes.

/// `println!` to standard output inside a function returning
/// [`CliResult`]: a closed pipe (`gcol inspect f | head -2`) ends the
/// process quietly with exit 0, as every command does; another write error
/// is an I/O failure.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(error) = writeln!(std::io::stdout().lock(), $($arg)*) {
            return Err($crate::exit::Failure::from(error));
        }
    }};
}
pub(crate) use outln;

use std::process::ExitCode;

/// A failure with its exit code.
pub struct Failure {
    code: u8,
    message: String,
}

/// Exit code for invalid or corrupt input, or a failed lookup.
pub const INVALID: u8 = 1;
/// Exit code for I/O errors.
pub const IO: u8 = 3;
/// Exit code for malformed input files given to `convert` (and bad arguments
/// that name inputs).
pub const INPUT: u8 = 4;

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// The message printed after `gcol: error: `.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same exit code with another message.
    pub fn with_message(self, message: String) -> Failure {
        Failure { message, ..self }
    }

    pub fn report(self) -> ExitCode {
        eprintln!("gcol: error: {}", self.message);
        ExitCode::from(self.code)
    }
}

impl From<gcol_reader::Error> for Failure {
    fn from(error: gcol_reader::Error) -> Failure {
        if let gcol_reader::Error::Output { source } = &error {
            // As for plain I/O errors below: a closed pipe ends quietly.
            if source.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
        let code = match &error {
            gcol_reader::Error::Io { .. }
            | gcol_reader::Error::Output { .. }
            | gcol_reader::Error::Remote { .. } => IO,
            gcol_reader::Error::Usage { .. } => 2,
            _ => INVALID,
        };
        Failure::new(code, error.to_string())
    }
}

impl From<gcol_writer::Error> for Failure {
    fn from(error: gcol_writer::Error) -> Failure {
        let code = match &error {
            gcol_writer::Error::Io { .. }
            | gcol_writer::Error::Source { .. }
            | gcol_writer::Error::Create { .. }
            | gcol_writer::Error::Busy { .. } => IO,
            gcol_writer::Error::Input { .. } => INPUT,
            _ => INVALID,
        };
        Failure::new(code, error.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Failure {
        // A closed pipe (`gcol cat ... | head`) is not an error worth a message.
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        Failure::new(IO, error.to_string())
    }
}

pub type CliResult = Result<(), Failure>;
