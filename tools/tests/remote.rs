//! Remote files from the command line: every reading command takes an
//! `http://` or `https://` URL where it takes a file, with the output of
//! the local file; `gcol copy URL FILE` is a verified download; a missing
//! file or a server that is not there exits 3 (I/O) naming the URL.

mod common;
use common::{conformance, fails, gcol, ok, s};
use gcol_tests::http::Server;

#[test]
fn reading_commands_take_urls() {
    let server = Server::start();
    let cases: &[(&str, &[&str])] = &[
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
    for (file, args) in cases {
        let local = conformance(file);
        let url = server.put(file, std::fs::read(&local).unwrap());
        let with = |target: &str| -> Vec<String> {
            args.iter()
                .map(|a| {
                    if *a == "{}" {
                        target.to_string()
                    } else {
                        a.to_string()
                    }
                })
                .collect()
        };
        let run = |target: &str| {
            let owned = with(target);
            let argv: Vec<&str> = owned.iter().map(String::as_str).collect();
            gcol(&argv)
        };
        let here = run(s(&local));
        if !here.status.success() {
            // A case whose arguments do not fit the file is a test bug.
            panic!("{file} {args:?}: {}", String::from_utf8_lossy(&here.stderr));
        }
        let there = ok(run(&url), file);
        let here = String::from_utf8(here.stdout).unwrap();
        let (here, there) = (here.replace(s(&local), "FILE"), there.replace(&url, "FILE"));
        assert_eq!(there, here, "{file} {args:?}");
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
