//! Files of every released format version stay readable (issue 16,
//! "Versions"). `tests/data/versions/1.N/` holds the conformance and golden
//! files exactly as the writer of format 1.N wrote them (taken from the
//! repository's history, never regenerated; `README.md` there names the
//! commits), each with the JSON dump its own release decoded it to. Today's
//! reader must open each, verify it deeply, decode it to that JSON, and
//! print its alignments as samtools printed the input.

use std::path::{Path, PathBuf};

use gcol_reader::alignments::{write_alignments, AlignmentExport, AlignmentOutput};
use gcol_reader::{Alignments, Reader};
use serde_json::Value;

fn versions_dir() -> PathBuf {
    gcol_tests::data_dir().join("versions")
}

/// (minor version of the release, file) for every committed file.
fn files() -> Vec<(u16, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(versions_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let Some(minor) = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("1."))
            .and_then(|m| m.parse::<u16>().ok())
        else {
            continue;
        };
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "gcol") {
                out.push((minor, path));
            }
        }
    }
    out.sort();
    out
}

/// Equal JSON, floats compared as the f32 values the dumps print (the
/// dump's float formatting changed after 1.0; the values did not).
fn same(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if x as f32 == y as f32 || x == y {
                Ok(())
            } else {
                Err(format!("{at}: {x} against {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{at}: {} values against {}", x.len(), y.len()));
            }
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                same(u, v, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys: Vec<_> = x.keys().collect();
            if keys != y.keys().collect::<Vec<_>>() {
                return Err(format!("{at}: keys {keys:?} against {:?}", y.keys()));
            }
            for (k, u) in x {
                same(u, &y[k], &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} against {b}")),
    }
}

fn open(path: &Path) -> Reader {
    Reader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_release_has_files_and_each_is_no_newer_than_its_release() {
    let files = files();
    for minor in 0..=gcol_format::MINOR_VERSION {
        assert!(
            files.iter().any(|(m, _)| *m == minor),
            "no golden file of format 1.{minor} in {}",
            versions_dir().display()
        );
    }
    for (minor, path) in &files {
        let (major, file_minor) = open(path).version();
        assert_eq!(major, 1, "{}", path.display());
        assert!(file_minor <= *minor, "{}: 1.{file_minor}", path.display());
    }
}

#[test]
fn every_release_verifies_deeply_and_decodes_as_it_did() {
    let mut compared = 0;
    for (_, path) in files() {
        let reader = open(&path);
        reader
            .verify_with(true, |_, _| {})
            .unwrap_or_else(|e| panic!("{}: verify --deep: {e}", path.display()));
        let json = path.with_extension("json");
        if json.exists() {
            let then: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
            let now = reader.dump_json(None).unwrap();
            if let Err(e) = same(&then, &now, "") {
                panic!(
                    "{}: decodes otherwise than its release did: {e}",
                    path.display()
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 30, "{compared} dumps compared");
}

#[test]
fn alignments_of_every_release_print_as_samtools_printed_the_input() {
    let expected = std::fs::read(
        gcol_tests::crate_dir().join("../spec/conformance/inputs/alignments_view.sam"),
    )
    .unwrap();
    let mut printed = 0;
    for (_, path) in files() {
        let reader = open(&path);
        for dataset in reader.datasets() {
            if dataset.kind != gcol_format::schema::alignments::KIND {
                continue;
            }
            let a = Alignments::open(&reader, &dataset.name)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let export = AlignmentExport {
                header: true,
                ..Default::default()
            };
            let text = write_alignments(&a, &export, AlignmentOutput::Sam, Vec::new()).unwrap();
            assert!(
                text == expected,
                "{}: SAM differs from inputs/alignments_view.sam",
                path.display()
            );
            printed += 1;
        }
    }
    // 1.5 (differences as stored bases) and 1.6 (substitution codes), each
    // against a consensus and against a reference.
    assert!(printed >= 4, "{printed} alignments datasets printed");
}

#[test]
fn a_file_of_a_newer_major_version_says_which_version_it_needs() {
    let path = gcol_tests::data_dir().join("corrupt/header_major_2.gcol");
    let e = Reader::open(&path).unwrap_err().to_string();
    let reads = format!("reads format 1.0 to 1.{}", gcol_format::MINOR_VERSION);
    assert!(
        e.contains("version 2.0")
            && e.contains(&reads)
            && e.contains("format 2.0 or later is needed"),
        "{e}"
    );
}

#[test]
fn every_release_upgrades_to_the_newest_forms_with_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let view = std::fs::read(
        gcol_tests::crate_dir().join("../spec/conformance/inputs/alignments_view.sam"),
    )
    .unwrap();
    let mut recoded = 0;
    for (_, path) in files() {
        let out = dir.path().join("up.gcol");
        let summary = gcol_import::upgrade(&path, &out, &gcol_import::no_progress)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (old, new) = (open(&path), open(&out));
        new.verify_with(true, |_, _| {}).unwrap();
        assert!(new.version().1 <= gcol_format::MINOR_VERSION);
        assert_eq!(
            old.datasets().iter().map(|d| &d.name).collect::<Vec<_>>(),
            new.datasets().iter().map(|d| &d.name).collect::<Vec<_>>()
        );
        // The newest forms: compact (2.5), no stored sequence names (12.2),
        // substitution codes (15.8); nothing the current writer would not write.
        assert!(new.version().1 >= 1 || new.datasets().is_empty());
        for d in new.datasets() {
            let has = |c: &str| d.columns.iter().any(|x| x.name == c);
            if d.kind == "sequences" && has("definition") {
                assert!(!has("name"), "{}: {} keeps name", path.display(), d.name);
                let names = |r: &Reader| r.sequences(&d.name).unwrap().names().unwrap();
                assert_eq!(names(&old), names(&new));
            } else if d.kind == "alignments" {
                let a = Alignments::open(&new, &d.name).unwrap();
                assert!(!a.stores_differences_as_bases());
                let export = AlignmentExport {
                    header: true,
                    ..Default::default()
                };
                let text = write_alignments(&a, &export, AlignmentOutput::Sam, Vec::new()).unwrap();
                assert!(text == view, "{}: SAM after upgrade", path.display());
                if Alignments::open(&old, &d.name)
                    .unwrap()
                    .stores_differences_as_bases()
                {
                    recoded += 1;
                    assert!(summary.reencoded > 0);
                }
            } else {
                assert_eq!(
                    old.content_hash(&d.name).unwrap(),
                    new.content_hash(&d.name).unwrap(),
                    "{}: {}",
                    path.display(),
                    d.name
                );
            }
        }
        // Provenance says what was done, from which version.
        let last = new.manifest().provenance.last().unwrap();
        assert_eq!(last.options["operation"], "upgrade");
        let (major, minor) = old.version();
        assert_eq!(last.options["from_version"], format!("{major}.{minor}"));
    }
    assert_eq!(recoded, 2, "both 1.5 alignments files coded again");
}

#[test]
fn an_upgrade_replaces_its_source_only_when_it_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gcol");
    std::fs::copy(versions_dir().join("1.5/alignments.gcol"), &path).unwrap();
    gcol_import::upgrade(&path, &path, &gcol_import::no_progress).unwrap();
    assert_eq!(open(&path).version().1, 6);
    // A damaged source is refused and the destination left as it was.
    let mut bytes = std::fs::read(versions_dir().join("1.0/sequences_dna.gcol")).unwrap();
    let layout = gcol_tests::Layout::of(&bytes);
    let at = layout.page_offset(&bytes, 0);
    bytes[at] ^= 1;
    let damaged = dir.path().join("damaged.gcol");
    std::fs::write(&damaged, &bytes).unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = gcol_import::upgrade(&damaged, &path, &gcol_import::no_progress).unwrap_err();
    assert!(e.to_string().contains("nothing was written"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}
