//! Remote files from the command line: every reading command takes an
//! `http://`, `https://` or `s3://` URL where it takes a file, with the
//! output of the local file; `gcol copy URL FILE` is a verified download;
//! a missing file or a server that is not there exits 3 (I/O) naming the
//! URL.

mod common;
use common::{conformance, fails, gcol, ok, s};
use gcol_tests::http::Server;

/// Reading commands, each on a conformance file (`{}` is the file).
const CASES: &[(&str, &[&str])] = &[
    (
        "sequences_dna.gcol",
        &["fetch", "{}", "lambda_5k:5-400", "cel-lin-4"],
    ),
    ("sequences_dna.gcol", &["export", "{}", "-o", "-"]),
    ("variants.gcol", &["view", "{}", "-H"]),
    ("alignments.gcol", &["view", "{}"]),
    (
        "tables.gcol",
        &["cat", "{}", "features", "chrom", "start", "name"],
    ),
    (
        "features.gcol",
        &["export", "{}", "--dataset", "genbank", "-o", "-"],
    ),
    ("sequences_dna.gcol", &["stats", "{}"]),
    ("many_pages.gcol", &["dump", "{}"]),
    ("graph.gcol", &["inspect", "{}"]),
];

/// `gcol ARGS` on the conformance `file` and on `url` (with `env`) print
/// the same (but for the file's name).
fn same_output(file: &str, args: &[&str], url: &str, env: &[(&str, String)]) {
    let local = conformance(file);
    let run = |target: &str| {
        let argv: Vec<&str> = args
            .iter()
            .map(|a| if *a == "{}" { target } else { a })
            .collect();
        gcol_env(&argv, env)
    };
    let here = run(s(&local));
    if !here.status.success() {
        // A case whose arguments do not fit the file is a test bug.
        panic!("{file} {args:?}: {}", String::from_utf8_lossy(&here.stderr));
    }
    let there = ok(run(url), file);
    let here = String::from_utf8(here.stdout).unwrap();
    let (here, there) = (here.replace(s(&local), "FILE"), there.replace(url, "FILE"));
    assert_eq!(there, here, "{file} {args:?}");
}

/// Run `gcol` with `args` and `env` added to the environment.
fn gcol_env(args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gcol"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

#[test]
fn reading_commands_take_urls() {
    let server = Server::start();
    for (file, args) in CASES {
        let url = server.put(file, std::fs::read(conformance(file)).unwrap());
        same_output(file, args, &url, &[]);
    }
    // verify reads every byte, in one request.
    let url = server.url("many_pages.gcol");
    let before = server.requests();
    let out = ok(gcol(&["verify", &url]), "verify");
    assert!(out.contains("ok"), "{out}");
    assert!(
        server.requests() - before <= 3,
        "{}",
        server.requests() - before
    );
}

#[test]
fn copy_is_a_verified_download() {
    let server = Server::start();
    let local = conformance("features.gcol");
    let bytes = std::fs::read(&local).unwrap();
    let url = server.put("features.gcol", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    ok(gcol(&["copy", &url, s(dir.path())]), "copy");
    assert_eq!(
        std::fs::read(dir.path().join("features.gcol")).unwrap(),
        bytes
    );
}

#[test]
fn unreachable_files_exit_3_naming_the_url() {
    let server = Server::start();
    let url = server.url("missing.gcol");
    let e = fails(gcol(&["inspect", &url]), 3, "404");
    assert!(e.contains(&url) && e.contains("404"), "{e}");
    // Commands that write a new file from a remote one say the same.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.gcol");
    for args in [
        vec!["copy", url.as_str(), s(&out)],
        vec!["edit", url.as_str(), "--set", "a=b", "-o", s(&out)],
        vec!["subset", url.as_str(), "--dataset", "x", "-o", s(&out)],
    ] {
        let e = fails(gcol(&args), 3, args[0]);
        assert!(e.contains(&url) && e.contains("404"), "{e}");
        assert!(!out.exists());
    }
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{closed}/x.gcol");
    let e = fails(gcol(&["fetch", &url, "lambda_5k"]), 3, "refused");
    assert!(e.contains(&url), "{e}");
    // Not a .gcol file: invalid (1), as a local one.
    let url = server.put("x.fa", b">x\nACGT\n".to_vec());
    let e = fails(gcol(&["inspect", &url]), 1, "not gcol");
    assert!(e.contains("magic") || e.contains("gcol"), "{e}");
}

/// The same commands on objects of an S3-compatible store (moto), with the
/// credentials and endpoint from the environment, as `aws` and `bcftools`
/// (through htslib's `s3://`) take them; a missing object or bucket exits
/// 3 naming the URL; `copy` downloads and verifies.
#[test]
fn reading_commands_take_s3_urls() {
    let Some(store) = gcol_tests::s3::S3Server::start("gcol on s3:// URLs") else {
        return;
    };
    let env = store.env();
    for (i, (file, args)) in CASES.iter().enumerate() {
        let url = store.put(
            &format!("{i}/{file}"),
            &std::fs::read(conformance(file)).unwrap(),
        );
        same_output(file, args, &url, &env);
    }
    let url = store.put(
        "many.gcol",
        &std::fs::read(conformance("many_pages.gcol")).unwrap(),
    );
    let out = ok(gcol_env(&["verify", "--deep", &url], &env), "verify");
    assert!(out.contains("ok"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.gcol");
    ok(gcol_env(&["copy", &url, s(&copy)], &env), "copy");
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(conformance("many_pages.gcol")).unwrap()
    );
    let missing = format!("s3://{}/missing.gcol", gcol_tests::s3::BUCKET);
    let e = fails(gcol_env(&["inspect", &missing], &env), 3, "missing object");
    assert!(e.contains(&missing) && e.contains("404"), "{e}");
    let e = fails(
        gcol_env(&["inspect", "s3://no-such-bucket/x.gcol"], &env),
        3,
        "missing bucket",
    );
    assert!(e.contains("s3://no-such-bucket/x.gcol"), "{e}");
    // Not a .gcol object: invalid (1), as a local file.
    let url = store.put("x.fa", b">x\nACGT\n");
    let e = fails(gcol_env(&["inspect", &url], &env), 1, "not gcol");
    assert!(e.contains("magic") || e.contains("gcol"), "{e}");
}
