//! What the CLI test files share: running the `gcol` binary and reading
//! its result.
#![allow(dead_code)] // each test file uses its own part

use std::path::Path;
use std::process::{Command, Output};

/// Run `gcol` with `args`.
pub fn gcol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gcol"))
        .args(args)
        .output()
        .unwrap()
}

/// Standard output of a run that must succeed (`what` names it).
pub fn ok(o: Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Standard error of a run that must exit with `code`.
pub fn fails(o: Output, code: i32, what: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "{what}: {err}");
    err
}

/// A committed conformance file (`spec/conformance/NAME`).
pub fn conformance(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/conformance")
        .join(name)
}

/// A path as an argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
