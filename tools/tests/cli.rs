//! The CLI contract: commands, output and exit codes that scripts rely on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gcol_writer::demo::{demo_rows, DEMO_ROWS};

fn gcol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gcol"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn sample(dir: &Path) -> PathBuf {
    let path = dir.join("sample.gcol");
    let o = gcol(&["sample", "-o", path.to_str().unwrap(), "--reproducible"]);
    assert!(o.status.success(), "{}", stderr(&o));
    path
}

fn corpus(name: &str) -> String {
    format!(
        "{}/../tests/data/corrupt/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn inspect_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let o = gcol(&["inspect", path.to_str().unwrap()]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in [
        "gcol 1.0",
        "dataset \"features\"",
        "zstd+dictionary",
        "for-bitpack",
        "0-based half-open",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let o = gcol(&["inspect", "--json", path.to_str().unwrap()]);
    assert!(o.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["version"]["major"], 1);
    assert_eq!(json["manifest"]["datasets"][0]["name"], "features");
    assert_eq!(json["manifest"]["datasets"][0]["num_rows"], DEMO_ROWS);
    assert_eq!(json["num_pages"].as_u64().unwrap(), 50);
}

#[test]
fn verify_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let o = gcol(&["verify", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(": ok"));
    let o = gcol(&["verify", "--quiet", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).is_empty());
    // Corrupt: exit 1 and a message with the offset and the expectation.
    let o = gcol(&["verify", &corpus("page_flip.gcol")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("checksum mismatch")
            && err.contains("offset")
            && err.contains("expected crc32c"),
        "{err}"
    );
    let o = gcol(&["verify", &corpus("padding_nonzero.gcol")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("padding"), "{}", stderr(&o));
    let o = gcol(&["verify", &corpus("truncated_00755.gcol")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));
    // Missing file: exit 3.
    let o = gcol(&["verify", "/nonexistent/x.gcol"]);
    assert_eq!(o.status.code(), Some(3));
    // Usage error: exit 2.
    let o = gcol(&["verify"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cat_prints_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let o = gcol(&[
        "cat",
        path.to_str().unwrap(),
        "features",
        "chrom",
        "start",
        "end",
        "name",
        "--start",
        "600",
        "--end",
        "700",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected: Vec<String> = demo_rows()
        .skip(600)
        .take(100)
        .map(|(c, s, e, _, _, n)| format!("{c}\t{s}\t{e}\t{n}"))
        .collect();
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), expected);
    let o = gcol(&["cat", path.to_str().unwrap(), "features", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("has no column \"nope\""));
    let o = gcol(&[
        "cat",
        path.to_str().unwrap(),
        "features",
        "start",
        "--start",
        "10",
        "--end",
        "999999",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn help_explains() {
    let o = gcol(&["--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in ["inspect", "verify", "cat", "Exit codes"] {
        assert!(text.contains(needle), "{text}");
    }
}
