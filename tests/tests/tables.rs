//! Mutated annotation and table text never panics the importers (issue
//! 16's fuzzing, on stable through proptest): the conformance inputs for
//! GenBank, GFF3, GTF and CSV with bytes replaced, deleted, duplicated or
//! lines cut either convert, and then verify deeply and export (GenBank
//! and GFF files with one line end throughout export byte for byte, as
//! spec 17.3/17.4 promise), or fail with an input error naming the file.

use std::path::Path;

use gcol_reader::table::{Table, TableFormat};
use gcol_reader::Reader;
use gcol_writer::{WriteOptions, Writer};

#[derive(Clone, Copy, Debug)]
enum Kind {
    GenBank,
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
                Kind::Gff3 | Kind::Gtf => TableFormat::Gff,
                Kind::Csv => TableFormat::Csv,
            };
            table
                .write(format, None, &mut out)
                .map_err(|e| format!("a converted table does not export: {e}"))?;
            let one_line_end = !text.contains(&b'\r');
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
