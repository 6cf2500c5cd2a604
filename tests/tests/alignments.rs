//! Alignments (spec 15) in the library: mutated SAM input never panics
//! the importer, and what converts verifies deeply and prints.

use gcol_import::{import_alignments, no_progress, AlignmentFormat, AlignmentOptions};
use gcol_reader::alignments::{write_alignments, AlignmentExport, AlignmentOutput};
use gcol_reader::{Alignments, Reader};
use gcol_tests::golden_options;
use gcol_writer::Writer;

fn convert(path: &std::path::Path) -> Result<Vec<u8>, gcol_writer::Error> {
    let mut w = Writer::new(Vec::new(), golden_options())?;
    import_alignments(
        &mut w,
        path,
        AlignmentFormat::Sam,
        &AlignmentOptions::new("a"),
        &no_progress,
    )?;
    w.finish()
}

#[test]
fn the_conformance_input_prints_as_samtools_printed_it() {
    let dir = gcol_tests::crate_dir().join("../spec/conformance/inputs");
    let bytes = convert(&dir.join("alignments.sam")).unwrap();
    let reader = Reader::from_bytes(bytes).unwrap();
    reader.verify_with(true, |_, _| {}).unwrap();
    let a = Alignments::open(&reader, "a").unwrap();
    let export = AlignmentExport {
        header: true,
        ..Default::default()
    };
    let text = write_alignments(&a, &export, AlignmentOutput::Sam, Vec::new()).unwrap();
    assert_eq!(
        text,
        std::fs::read(dir.join("alignments_view.sam")).unwrap()
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// Mutated SAM text (bytes replaced, deleted, duplicated; lines cut)
    /// never panics the importer: it converts (and then verifies deeply and
    /// prints as SAM and BAM), or fails with an input error naming the file.
    #[test]
    fn mutated_sam_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..4096, 0u8..=255), 1..6),
    ) {
        let base = std::fs::read(
            gcol_tests::crate_dir().join("../spec/conformance/inputs/alignments.sam"),
        )
        .unwrap();
        let text = gcol_tests::mutate(&base, &edits);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sam");
        std::fs::write(&path, &text).unwrap();
        match convert(&path) {
            Ok(bytes) => {
                let reader = Reader::from_bytes(bytes).unwrap();
                reader.verify_with(true, |_, _| {}).unwrap();
                let a = Alignments::open(&reader, "a").unwrap();
                let export = AlignmentExport { header: true, ..Default::default() };
                write_alignments(&a, &export, AlignmentOutput::Sam, Vec::new()).unwrap();
                write_alignments(&a, &export, AlignmentOutput::Bam, Vec::new()).unwrap();
            }
            Err(e) => {
                let e = e.to_string();
                proptest::prop_assert!(e.contains("m.sam"), "{}", e);
            }
        }
    }
}

/// The conformance input as BAM (our writer), decompressed.
fn raw_bam() -> Vec<u8> {
    let dir = gcol_tests::crate_dir().join("../spec/conformance/inputs");
    let reader = Reader::from_bytes(convert(&dir.join("alignments.sam")).unwrap()).unwrap();
    let a = Alignments::open(&reader, "a").unwrap();
    let bam = write_alignments(
        &a,
        &AlignmentExport::default(),
        AlignmentOutput::Bam,
        Vec::new(),
    )
    .unwrap();
    let mut raw = Vec::new();
    use std::io::Read;
    noodles_bgzf::io::Reader::new(&bam[..])
        .read_to_end(&mut raw)
        .unwrap();
    raw
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// BAM bytes changed, cut or repeated (then compressed again, so only
    /// the records are damaged): the importer converts or names the file,
    /// never panics, never allocates what a length field claims.
    #[test]
    fn mutated_bam_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..4096, 0u8..=255), 1..6),
    ) {
        let raw = gcol_tests::mutate(&raw_bam(), &edits);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bam");
        let mut w = noodles_bgzf::io::Writer::new(std::fs::File::create(&path).unwrap());
        use std::io::Write;
        w.write_all(&raw).unwrap();
        w.finish().unwrap();
        let mut out = Writer::new(Vec::new(), golden_options()).unwrap();
        match import_alignments(&mut out, &path, AlignmentFormat::Bam, &AlignmentOptions::new("a"), &no_progress)
            .and_then(|_| out.finish())
        {
            Ok(bytes) => {
                let reader = Reader::from_bytes(bytes).unwrap();
                reader.verify_with(true, |_, _| {}).unwrap();
                let a = Alignments::open(&reader, "a").unwrap();
                let export = AlignmentExport { header: true, ..Default::default() };
                write_alignments(&a, &export, AlignmentOutput::Sam, Vec::new()).unwrap();
            }
            Err(e) => {
                let e = e.to_string();
                proptest::prop_assert!(e.contains("m.bam"), "{}", e);
            }
        }
    }
}

/// A BAM whose binary reference list names one reference twice is refused
/// (samtools refuses it too): records and references match by name, so a
/// file converted from it could not be read back against a reference.
#[test]
fn a_repeated_reference_name_is_refused() {
    let mut raw = raw_bam();
    let at = raw
        .windows(5)
        .position(|w| w == b"chr2\0")
        .expect("the binary reference list");
    raw[at + 3] = b'1';
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup.bam");
    let mut w = noodles_bgzf::io::Writer::new(std::fs::File::create(&path).unwrap());
    use std::io::Write;
    w.write_all(&raw).unwrap();
    w.finish().unwrap();
    let mut out = Writer::new(Vec::new(), golden_options()).unwrap();
    let e = import_alignments(
        &mut out,
        &path,
        AlignmentFormat::Bam,
        &AlignmentOptions::new("a"),
        &no_progress,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("dup.bam") && e.contains("repeats \"chr1\""),
        "{e}"
    );
}
