//! Mutated annotation and table text never panics the importers (issue
//! 16's fuzzing, on stable through proptest): the conformance inputs for
//! GenBank, antiSMASH JSON, GFF3, GTF and CSV with bytes replaced, deleted, duplicated or
//! lines cut either convert, and then verify deeply and export (GenBank
//! and GFF files with one line end throughout, and antiSMASH JSON, export
//! byte for byte, as spec 17.3/17.4/17.9 promise), or fail with an input error naming the file.

use std::path::Path;

use gcol_reader::table::{Table, TableFormat};
use gcol_reader::Reader;
use gcol_writer::{WriteOptions, Writer};

#[derive(Clone, Copy, Debug)]
enum Kind {
    GenBank,
    Antismash,
    Gff3,
    Gtf,
    Csv,
}

fn convert(path: &Path, kind: Kind) -> gcol_writer::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
    let input = gcol_import::open_input(path).map_err(|e| gcol_writer::Error::Input {
        path: path.to_path_buf(),
        record: 0,
        line: 0,
        field: "open",
        detail: e.to_string(),
    })?;
    let options = gcol_import::TableOptions::new("t");
    let progress = |_: u64, _: u64| {};
    match kind {
        Kind::GenBank => {
            gcol_import::import_genbank(&mut w, input, &options, &progress)?;
        }
        Kind::Antismash => {
            gcol_import::import_antismash(&mut w, input, &options, &progress)?;
        }
        Kind::Gff3 | Kind::Gtf => {
            gcol_import::import_features(
                &mut w,
                input,
                matches!(kind, Kind::Gtf),
                &options,
                &progress,
            )?;
        }
        Kind::Csv => {
            gcol_import::import_table(&mut w, input, b',', &options, &progress)?;
        }
    }
    w.finish()
}

fn check(file: &str, kind: Kind, edits: &[(usize, usize, u8)]) -> Result<(), String> {
    let base = std::fs::read(
        gcol_tests::crate_dir()
            .join("../spec/conformance/inputs")
            .join(file),
    )
    .unwrap();
    let text = gcol_tests::mutate(&base, edits);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("m-{file}"));
    std::fs::write(&path, &text).unwrap();
    match convert(&path, kind) {
        Ok(bytes) => {
            let reader = Reader::from_bytes(bytes).unwrap();
            reader
                .verify_with(true, |_, _| {})
                .map_err(|e| format!("a converted file fails verification: {e}"))?;
            let table = Table::open(&reader, "t").unwrap();
            let mut out = Vec::new();
            let format = match kind {
                Kind::GenBank => TableFormat::GenBank,
                Kind::Antismash => TableFormat::AntismashJson,
                Kind::Gff3 | Kind::Gtf => TableFormat::Gff,
                Kind::Csv => TableFormat::Csv,
            };
            table
                .write(format, None, &mut out)
                .map_err(|e| format!("a converted table does not export: {e}"))?;
            // A JSON document is pieces, not lines: exact whatever its line ends.
            let one_line_end = !text.contains(&b'\r') || matches!(kind, Kind::Antismash);
            if !matches!(kind, Kind::Csv) && one_line_end && out != text {
                return Err(format!(
                    "export differs from the source ({} bytes, {} exported)",
                    text.len(),
                    out.len()
                ));
            }
            Ok(())
        }
        Err(e) => {
            let e = e.to_string();
            if e.contains("m-") {
                Ok(())
            } else {
                Err(format!("an error that does not name the file: {e}"))
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(150))]

    #[test]
    fn mutated_genbank_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..2048, 0u8..=255), 1..6),
    ) {
        let r = check("features.gbk", Kind::GenBank, &edits);
        proptest::prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }

    #[test]
    fn mutated_antismash_json_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..2304, 0u8..=255), 1..6),
    ) {
        let r = check("features.antismash.json", Kind::Antismash, &edits);
        proptest::prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }

    #[test]
    fn mutated_gff3_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..2048, 0u8..=255), 1..6),
    ) {
        let r = check("features.gff3", Kind::Gff3, &edits);
        proptest::prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }

    #[test]
    fn mutated_gtf_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..2048, 0u8..=255), 1..6),
    ) {
        let r = check("features.gtf", Kind::Gtf, &edits);
        proptest::prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }

    #[test]
    fn mutated_csv_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..1024, 0u8..=255), 1..6),
    ) {
        let r = check("table.csv", Kind::Csv, &edits);
        proptest::prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }
}

/// A feature table whose `source_format` is none of spec 17.1's is
/// refused by deep verification (checksums recomputed after the edit, so
/// only the invariant can catch it).
#[test]
fn unknown_feature_source_format_fails_verification() {
    let path = gcol_tests::crate_dir().join("../spec/conformance/inputs/features.gff3");
    // A plain (not zstd-compressed) manifest, to edit in place.
    let options = WriteOptions {
        compact: false,
        ..WriteOptions::default()
    };
    let mut w = Writer::new(Vec::new(), options).unwrap();
    let input = gcol_import::open_input(&path).unwrap();
    let progress = |_: u64, _: u64| {};
    let t = gcol_import::TableOptions::new("t");
    gcol_import::import_features(&mut w, input, false, &t, &progress).unwrap();
    let mut bytes = w.finish().unwrap();
    let reader = Reader::from_bytes(bytes.clone()).unwrap();
    reader.verify_with(true, |_, _| {}).unwrap();
    let needle = b"\"source_format\":\"gff3\"";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("source_format in the manifest");
    bytes[at + needle.len() - 5] = b'x';
    gcol_tests::fix_checksums(&mut bytes);
    let reader = Reader::from_bytes(bytes).unwrap();
    let err = reader.verify_with(true, |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("source format \"xff3\""), "{err}");
}

/// `attr:NAME` searches the attribute of a name a column also has.
#[test]
fn attribute_named_like_a_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.gff3");
    std::fs::write(
        &path,
        "##gff-version 3\nc1\tx\tgene\t1\t9\t.\t+\t.\tID=g1;type=special\nc1\tx\tspecial\t5\t9\t.\t+\t.\tID=g2\n",
    )
    .unwrap();
    let reader = Reader::from_bytes(convert(&path, Kind::Gff3).unwrap()).unwrap();
    let table = Table::open(&reader, "t").unwrap();
    let term = |t: &str| vec![gcol_reader::AttrFilter::parse(t).unwrap()];
    assert_eq!(table.search(&term("type=special")).unwrap(), [1]);
    assert_eq!(table.search(&term("attr:type=special")).unwrap(), [0]);
    assert_eq!(table.search(&term("attr:type=spec*")).unwrap(), [0]);
    assert_eq!(table.search(&term("attr:ID=g2")).unwrap(), [1]);
}
