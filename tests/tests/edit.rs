//! Subset, merge and edit (issue 17) on every conformance file (every
//! dataset kind, encoding and layout the spec has): each dataset of the
//! result has the source's content hash (its decoded values), metadata and
//! stored bytes per column (pages copied, not re-encoded); merges of
//! disjoint subsets give the whole file back; conflicts, unknown datasets
//! and dropping a needed dataset are refused with the destination left as
//! it was.

use std::path::{Path, PathBuf};

use gcol_reader::Reader;

fn conformance_files() -> Vec<PathBuf> {
    gcol_tests::conformance_paths()
}

/// Each dataset of `copy` equals the one of that name in `source`:
/// content hash, kind, metadata, and per column the stored bytes and
/// encodings (nothing re-encoded).
fn same_datasets(source: &Reader, copy: &Reader, what: &str) {
    for d in copy.datasets() {
        let s = source.dataset(&d.name).unwrap();
        assert_eq!(s.kind, d.kind, "{what}: {}", d.name);
        assert_eq!(s.metadata, d.metadata, "{what}: {}", d.name);
        assert_eq!(s.num_rows, d.num_rows, "{what}: {}", d.name);
        assert_eq!(
            source.content_hash(&d.name).unwrap(),
            copy.content_hash(&d.name).unwrap(),
            "{what}: {}",
            d.name
        );
        let columns = |ds: &gcol_format::manifest::Dataset| -> Vec<(String, u64, u64, Vec<u16>)> {
            ds.columns
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.num_values,
                        c.stored_bytes,
                        c.encodings.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(columns(s), columns(d), "{what}: {}", d.name);
    }
}

fn names(reader: &Reader) -> Vec<String> {
    reader.datasets().iter().map(|d| d.name.clone()).collect()
}

fn no_progress(_: u64, _: u64) {}

#[test]
fn every_conformance_file_subsets_edits_and_merges_without_reencoding() {
    let dir = tempfile::tempdir().unwrap();
    for file in conformance_files() {
        let what = file.file_name().unwrap().to_string_lossy().to_string();
        let source = Reader::open(&file).unwrap();
        // An edit that changes nothing but metadata keeps every dataset.
        let edited = dir.path().join("edited.gcol");
        let options = gcol_import::EditOptions {
            set_metadata: vec![("owner".into(), "lab1".into())],
            ..Default::default()
        };
        gcol_import::edit(&file, &edited, &options, &no_progress).unwrap();
        let copy = Reader::open(&edited).unwrap();
        copy.verify_with(true, |_, _| {}).unwrap();
        assert_eq!(names(&copy), names(&source), "{what}");
        assert_eq!(copy.version(), source.version(), "{what}");
        assert_eq!(copy.manifest().metadata["owner"], "lab1");
        // Every provenance entry of the source comes along.
        assert_eq!(
            copy.manifest().provenance.len(),
            source.manifest().provenance.len() + 1,
            "{what}"
        );
        same_datasets(&source, &copy, &what);
        let last = copy.manifest().provenance.last().unwrap();
        assert_eq!(last.options["operation"], "edit", "{what}");
        assert_eq!(last.size_bytes, std::fs::metadata(&file).unwrap().len());
        // Each dataset alone (with what it needs), and the rest merged back.
        for d in names(&source) {
            let one = dir.path().join("one.gcol");
            let s =
                gcol_import::subset(&file, &one, std::slice::from_ref(&d), &no_progress).unwrap();
            assert!(s.datasets.contains(&d), "{what}: {d}");
            let copy = Reader::open(&one).unwrap();
            copy.verify_with(true, |_, _| {}).unwrap();
            same_datasets(&source, &copy, &format!("{what} subset {d}"));
            let kept: Vec<String> = names(&copy);
            let rest: Vec<String> = names(&source)
                .into_iter()
                .filter(|n| !kept.contains(n))
                .collect();
            if rest.is_empty() {
                continue;
            }
            let other = dir.path().join("rest.gcol");
            let dropped = gcol_import::EditOptions {
                drop: kept.clone(),
                ..Default::default()
            };
            if gcol_import::edit(&file, &other, &dropped, &no_progress).is_err() {
                // A kept dataset is needed by one of the rest.
                continue;
            }
            let merged = dir.path().join("merged.gcol");
            gcol_import::merge(&[one.clone(), other.clone()], &merged, &no_progress).unwrap();
            let copy = Reader::open(&merged).unwrap();
            copy.verify_with(true, |_, _| {}).unwrap();
            let mut all = names(&copy);
            all.sort();
            let mut expected = names(&source);
            expected.sort();
            assert_eq!(all, expected, "{what}: merge of {d} and the rest");
            same_datasets(&source, &copy, &format!("{what} merged {d}"));
        }
    }
}

fn conformance(name: &str) -> PathBuf {
    gcol_tests::crate_dir()
        .join("../spec/conformance")
        .join(name)
}

#[test]
fn conflicts_and_unknown_names_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.gcol");
    std::fs::write(&out, b"old").unwrap();
    let message = |r: Result<gcol_import::EditSummary, gcol_import::Error>| {
        let e = r.unwrap_err();
        assert!(matches!(e, gcol_import::Error::Usage { .. }), "{e}");
        e.to_string()
    };
    let features = conformance("features.gcol");
    // The same file twice is the file once.
    let twice = dir.path().join("twice.gcol");
    gcol_import::merge(&[features.clone(), features.clone()], &twice, &no_progress).unwrap();
    let source = Reader::open(&features).unwrap();
    let copy = Reader::open(&twice).unwrap();
    assert_eq!(names(&copy), names(&source));
    same_datasets(&source, &copy, "twice");
    std::fs::remove_file(&twice).unwrap();
    // Another dataset of the same name.
    let renamed = dir.path().join("other.gcol");
    let mut w = gcol_writer::Writer::new(Vec::new(), gcol_writer::WriteOptions::default()).unwrap();
    let t = gcol_import::TableOptions::new("gff3");
    let input = gcol_import::open_input(
        &gcol_tests::crate_dir().join("../spec/conformance/inputs/features.gtf"),
    )
    .unwrap();
    gcol_import::import_features(&mut w, input, true, &t, &no_progress).unwrap();
    std::fs::write(&renamed, w.finish().unwrap()).unwrap();
    let e = message(gcol_import::merge(
        &[features.clone(), renamed.clone()],
        &out,
        &no_progress,
    ));
    assert!(e.contains("differs from the one of that name"), "{e}");
    let e = message(gcol_import::subset(
        &features,
        &out,
        &["nope".to_string()],
        &no_progress,
    ));
    assert!(e.contains("has no dataset \"nope\""), "{e}");
    // The GenBank table needs its sequences.
    let options = gcol_import::EditOptions {
        drop: vec!["genbank.sequences".into()],
        ..Default::default()
    };
    let e = message(gcol_import::edit(&features, &out, &options, &no_progress));
    assert!(e.contains("needs \"genbank.sequences\""), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"old");
    // A damaged source is refused (the copy checks every page it takes).
    let mut bytes = std::fs::read(conformance("sequences_dna.gcol")).unwrap();
    let reader = Reader::open(conformance("sequences_dna.gcol")).unwrap();
    let page = reader.page_info(0).unwrap();
    bytes[page.offset as usize] ^= 0x40;
    let damaged = dir.path().join("damaged.gcol");
    std::fs::write(&damaged, &bytes).unwrap();
    let e = gcol_import::edit(
        &damaged,
        &out,
        &gcol_import::EditOptions::default(),
        &no_progress,
    )
    .unwrap_err();
    assert!(matches!(e, gcol_import::Error::Input { .. }), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"old");
    assert_no_temporaries(dir.path());
}

fn assert_no_temporaries(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A subset of real data is smaller and exports the same records.
#[test]
fn subset_of_a_real_file_keeps_its_records() {
    let Some(data) = gcol_tests::shared_data("subset of real data") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fasta = data.join("fasta/scerevisiae_S288C_R64_16chr.fa.gz");
    let vcf = data.join("vcf/bio2zarr_tests/1kg_2020_chrM.vcf.gz");
    let both = dir.path().join("both.gcol");
    let mut options = gcol_import::ConvertOptions::new(vec![fasta, vcf], &both);
    options.names = vec!["genome".into(), "calls".into()];
    gcol_import::convert(&options, &no_progress, &mut |_| {}).unwrap();
    let source = Reader::open(&both).unwrap();
    let genome = dir.path().join("genome.gcol");
    gcol_import::subset(&both, &genome, &["genome".to_string()], &no_progress).unwrap();
    let copy = Reader::open(&genome).unwrap();
    assert_eq!(names(&copy), ["genome"]);
    same_datasets(&source, &copy, "genome");
    assert!(std::fs::metadata(&genome).unwrap().len() < std::fs::metadata(&both).unwrap().len());
    let a = source.sequences("genome").unwrap();
    let b = copy.sequences("genome").unwrap();
    let records = a.names().unwrap();
    assert_eq!(records.len(), 16);
    assert_eq!(records, b.names().unwrap());
    for name in &records {
        assert_eq!(
            a.fetch(name, 1_000..9_000).unwrap(),
            b.fetch(name, 1_000..9_000).unwrap()
        );
    }
    // The calls come with the genome their REF alleles are coded against.
    let calls = dir.path().join("calls.gcol");
    gcol_import::subset(&both, &calls, &["calls".to_string()], &no_progress).unwrap();
    let copy = Reader::open(&calls).unwrap();
    same_datasets(&source, &copy, "calls");
    assert_eq!(names(&copy), ["genome", "calls"]);
    // The two subsets merge back into the same datasets.
    let merged = dir.path().join("merged.gcol");
    gcol_import::merge(&[genome, calls], &merged, &no_progress).unwrap();
    let copy = Reader::open(&merged).unwrap();
    assert_eq!(names(&copy), ["genome", "calls"]);
    same_datasets(&source, &copy, "merged");
}
