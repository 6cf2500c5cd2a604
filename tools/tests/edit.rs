//! `gcol subset`, `gcol merge` and `gcol edit` from the command line:
//! the summary, exit codes of the README's contract (2 for usage, 1 for a
//! damaged source), the destination untouched on failure, and the new
//! file's datasets equal to the source's (exports byte for byte).

mod common;
use common::{conformance, gcol, ok, s};

#[test]
fn subset_merge_and_edit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let features = conformance("features.gcol");
    let dna = conformance("sequences_dna.gcol");
    // Subset: the GenBank table with its sequences; exports as before.
    let part = dir.path().join("part.gcol");
    let out = ok(
        gcol(&[
            "subset",
            s(&features),
            "--dataset",
            "genbank",
            "-o",
            s(&part),
        ]),
        "subset",
    );
    assert!(out.contains("genbank, genbank.sequences"), "{out}");
    assert!(out.contains("0 re-encoded"), "{out}");
    let a = ok(
        gcol(&["export", s(&features), "--dataset", "genbank", "-o", "-"]),
        "a",
    );
    let b = ok(
        gcol(&["export", s(&part), "--dataset", "genbank", "-o", "-"]),
        "b",
    );
    assert_eq!(a, b);
    ok(gcol(&["verify", "--deep", s(&part)]), "verify");
    // Merge with a sequences file; fetch equals the source's.
    let merged = dir.path().join("merged.gcol");
    ok(
        gcol(&["merge", s(&part), s(&dna), "-o", s(&merged), "-q"]),
        "merge",
    );
    let names = ok(gcol(&["inspect", s(&dna)]), "inspect");
    assert!(names.contains("dataset"));
    let dataset = gcol_reader::Reader::open(&dna).unwrap().datasets()[0]
        .name
        .clone();
    let a = ok(
        gcol(&["export", s(&dna), "--dataset", &dataset, "-o", "-"]),
        "a",
    );
    let b = ok(
        gcol(&["export", s(&merged), "--dataset", &dataset, "-o", "-"]),
        "b",
    );
    assert_eq!(a, b);
    // Edit in place: drop, set a key.
    ok(
        gcol(&[
            "edit",
            s(&merged),
            "--drop",
            &dataset,
            "--set",
            "owner=lab1",
            "-o",
            s(&merged),
            "-q",
        ]),
        "edit",
    );
    let r = gcol_reader::Reader::open(&merged).unwrap();
    assert_eq!(r.datasets().len(), 2);
    assert_eq!(r.manifest().metadata["owner"], "lab1");
    // Add a table, then replace it: its values as the CSV says.
    let csv = dir.path().join("samples.csv");
    std::fs::write(&csv, "id,depth\ns1,30\ns2,\n").unwrap();
    ok(
        gcol(&["edit", s(&merged), "--add", s(&csv), "-o", s(&merged), "-q"]),
        "add",
    );
    let cat = ok(gcol(&["cat", s(&merged), "samples", "id", "depth"]), "cat");
    assert_eq!(cat, "s1\t30\ns2\t\n");
    let o = gcol(&["edit", s(&merged), "--add", s(&csv), "-o", s(&merged)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--drop samples to replace it"));
    std::fs::write(&csv, "id,depth\ns3,12\n").unwrap();
    ok(
        gcol(&[
            "edit",
            s(&merged),
            "--drop",
            "samples",
            "--add",
            s(&csv),
            "-o",
            s(&merged),
            "-q",
        ]),
        "replace",
    );
    let cat = ok(gcol(&["cat", s(&merged), "samples", "id", "depth"]), "cat");
    assert_eq!(cat, "s3\t12\n");
    ok(gcol(&["verify", "--deep", s(&merged)]), "verify");
    let names: Vec<String> = gcol_reader::Reader::open(&merged)
        .unwrap()
        .datasets()
        .iter()
        .map(|d| d.name.clone())
        .collect();
    assert_eq!(names, ["genbank", "genbank.sequences", "samples"]);
    // A replaced file keeps its mode (a private file stays private).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&merged, std::fs::Permissions::from_mode(0o600)).unwrap();
        ok(
            gcol(&["edit", s(&merged), "--set", "k=v", "-o", s(&merged), "-q"]),
            "mode",
        );
        let mode = std::fs::metadata(&merged).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Usage errors: exit 2, nothing written (another "genbank" conflicts).
    let other = dir.path().join("other.gbk");
    std::fs::write(
        &other,
        "LOCUS       B1  4 bp    DNA     linear   UNA 01-JAN-2000\nFEATURES             Location/Qualifiers\n     gene            1..4\nORIGIN\n        1 acgt\n//\n",
    )
    .unwrap();
    let other_gcol = dir.path().join("other.gcol");
    ok(
        gcol(&[
            "convert",
            "-q",
            s(&other),
            "--name",
            "genbank",
            "-o",
            s(&other_gcol),
        ]),
        "other",
    );
    let x = dir.path().join("x.gcol");
    for args in [
        vec!["subset", s(&features), "--dataset", "nope", "-o", s(&x)],
        vec!["merge", s(&features), s(&other_gcol), "-o", s(&x)],
        vec![
            "edit",
            s(&features),
            "--drop",
            "genbank.sequences",
            "-o",
            s(&x),
        ],
        vec!["edit", s(&features), "--set", "novalue", "-o", s(&x)],
    ] {
        let o = gcol(&args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!x.exists(), "{args:?}");
    }
    // A damaged source: exit 1.
    let mut bytes = std::fs::read(&dna).unwrap();
    let reader = gcol_reader::Reader::open(&dna).unwrap();
    let at = reader.page_info(0).unwrap().offset as usize;
    bytes[at] ^= 1;
    let damaged = dir.path().join("damaged.gcol");
    std::fs::write(&damaged, bytes).unwrap();
    let o = gcol(&["edit", s(&damaged), "--set", "a=b", "-o", s(&x)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("checksum"));
    assert!(!x.exists());
}
