//! The fuzz targets' entry points (`fuzz/fuzz_targets/*.rs` call these),
//! here so that `tests/tests/fuzz_regressions.rs` replays every committed
//! seed and finding through the very same code on stable: [`run`] by
//! target name.

use std::io::Write;

/// Run fuzz target `target` on `data` (a panic is a finding).
pub fn run(target: &str, data: &[u8]) {
    use gcol_import::SourceFormat as F;
    match target {
        "import_vcf" => import(data, false),
        "import_bcf" => import(data, true),
        "import_fasta" => convert_as(data, &[F::Fasta]),
        "import_fastq" => convert_as(data, &[F::Fastq]),
        "import_sam" => convert_as(data, &[F::Sam]),
        "import_bam" => convert_bam(data),
        "import_gff" => convert_as(data, &[F::Gff3, F::Gtf]),
        "import_genbank" => convert_as(data, &[F::GenBank, F::AntismashJson]),
        "import_csv" => convert_as(data, &[F::Csv, F::Tsv]),
        "import_graph" => convert_as(data, &[F::Sbml, F::Kgml, F::Cx, F::CobraJson]),
        "read_mutated" => read_mutated(data),
        "open" => open(data),
        "decode_page" => decode_page(data),
        other => panic!("no fuzz target {other}"),
    }
}

/// The state of a fixed `quality-model` first page (reads of 40 values
/// over 12 symbols), for `quality-primed` pages.
fn fuzz_primer() -> &'static gcol_format::encoding::quality_model::Primer {
    static PRIMER: std::sync::OnceLock<gcol_format::encoding::quality_model::Primer> =
        std::sync::OnceLock::new();
    PRIMER.get_or_init(|| {
        let values: Vec<u8> = (0..4000u32)
            .map(|i| (30 + (i * 7 + i / 40) % 12) as u8)
            .collect();
        let segments = vec![40u32; 100];
        gcol_format::encoding::quality_model::encode_primer(&values, &segments, None)
            .expect("primer")
            .1
    })
}

/// Decode arbitrary bytes as a page under every encoding and physical
/// type (bytes 0 and 1 choose them, 2-3 the value count, 4-6 the decoded
/// length); for zstd frames also decode a prefix (bytes 7-8 its length)
/// and finish it, which must agree with the whole-frame decode whenever
/// both succeed.
pub fn decode_page(data: &[u8]) {
    use gcol_format::encoding::{decode_page, ids, zstd_frame, Decoded};
    use gcol_format::PhysicalType;
    if data.len() < 9 {
        return;
    }
    let id = ids::ALL[data[0] as usize % ids::ALL.len()];
    let physical = PhysicalType::ALL[data[1] as usize % PhysicalType::ALL.len()];
    let num_values = u32::from_le_bytes([data[2], data[3], 0, 0]);
    let decoded_len = u32::from_le_bytes([data[4], data[5], data[6], 0]);
    let stored = &data[9..];
    let whole = if ids::needs_primer(id) {
        // A primed page decodes against a first page (spec 7.14).
        gcol_format::encoding::decode_page_primed(
            id,
            0,
            physical,
            num_values,
            decoded_len,
            stored,
            false,
            Some(fuzz_primer()),
        )
    } else {
        decode_page(id, physical, num_values, decoded_len, stored)
    };
    let needed = u16::from_le_bytes([data[7], data[8]]) as usize;
    if let Ok(part) = zstd_frame::decompress_prefix(stored, decoded_len, needed) {
        assert!(part.prefix().len() >= needed.min(decoded_len as usize));
        let prefix = part.prefix().to_vec();
        if let Ok(full) = part.finish() {
            assert!(full.starts_with(&prefix));
            if id == ids::ZSTD && physical == PhysicalType::U8 && num_values == decoded_len {
                match whole {
                    Ok(Decoded::Owned(bytes)) => assert_eq!(bytes, full),
                    other => panic!("prefix decode accepted what decode_page refused: {other:?}"),
                }
            }
        }
    }
}

/// Open arbitrary bytes as a .gcol file, read every page and verify.
pub fn open(data: &[u8]) {
    if let Ok(reader) = gcol_reader::Reader::from_bytes(data.to_vec()) {
        for id in 0..reader.manifest().num_columns() as u32 {
            if let Ok(column) = reader.column_by_id(id) {
                for page in 0..column.num_pages() {
                    let _ = column.page(page);
                }
            }
        }
        let _ = reader.verify(|_, _| {});
    }
}

/// Import `data` as VCF (or BCF) into memory; on success, verify deeply
/// and write every record back as VCF text. Errors are expected; a panic
/// is the finding.
pub fn import(data: &[u8], bcf: bool) {
    let mut file = tempfile::Builder::new()
        .suffix(if bcf { ".bcf" } else { ".vcf" })
        .tempfile()
        .expect("temporary file");
    file.write_all(data).expect("write");
    let Ok(mut writer) = gcol_writer::Writer::new(Vec::new(), gcol_writer::WriteOptions::default())
    else {
        return;
    };
    let options = gcol_import::VcfOptions::new("v");
    if gcol_import::import_vcf(
        &mut writer,
        file.path(),
        bcf,
        &options,
        &|_, _| {},
        &mut |_| {},
    )
    .is_err()
    {
        return;
    }
    let Ok(bytes) = writer.finish() else {
        return;
    };
    let reader = gcol_reader::Reader::from_bytes(bytes).expect("a file the writer finished opens");
    reader
        .verify_with(true, |_, _| {})
        .expect("a converted file verifies");
    let variants = gcol_reader::Variants::open(&reader, "v").expect("the dataset opens");
    let export = gcol_reader::variants::VcfExport {
        header: true,
        ..Default::default()
    };
    gcol_reader::variants::write_vcf(
        &variants,
        &export,
        gcol_reader::variants::VcfOutput::Vcf,
        Vec::new(),
    )
    .expect("a converted dataset exports");
}

/// Convert `data` through the import layer's one entry point (what `gcol
/// convert` and Python's `gcol.convert` call) when it is sniffed as one
/// of `formats` (so each target stays inside its importer); what converts
/// must verify deeply and read whole through every dataset reader.
/// Errors are expected; a panic, an abort, a hang or an unbounded
/// allocation is the finding.
pub fn convert_as(data: &[u8], formats: &[gcol_import::SourceFormat]) {
    if formats.contains(&gcol_import::detect(data)) {
        convert(data);
    }
}

/// Raw BAM bytes (`BAM\1`, the decompressed stream) put in BGZF blocks
/// (with the end-of-file block) before converting, so mutations reach the
/// record decoder instead of failing BGZF's checksums.
pub fn convert_bam(data: &[u8]) {
    if !data.starts_with(b"BAM\x01") {
        return;
    }
    convert(&crate::bgzf(data));
}

fn convert(data: &[u8]) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = dir.path().join("input");
    std::fs::write(&input, data).expect("write");
    let output = dir.path().join("out.gcol");
    let mut options = gcol_import::ConvertOptions::new(vec![input], &output);
    options.threads = Some(1);
    if gcol_import::convert(&options, &gcol_import::no_progress, &mut |_| {}).is_err() {
        assert!(!output.exists(), "a failed conversion left its output");
        return;
    }
    let reader = gcol_reader::Reader::open(&output).expect("a converted file opens");
    crate::read_every_dataset(&reader).expect("a converted file reads whole and verifies");
}

/// The valid files the `read_mutated` target starts from: one of each
/// dataset kind and layout (the spec's conformance files).
pub const SEEDS: [&[u8]; 12] = [
    include_bytes!("../../spec/conformance/sequences_dna.gcol"),
    include_bytes!("../../spec/conformance/sequences_protein.gcol"),
    include_bytes!("../../spec/conformance/reads_quality.gcol"),
    include_bytes!("../../spec/conformance/variants.gcol"),
    include_bytes!("../../spec/conformance/variants_ref.gcol"),
    include_bytes!("../../spec/conformance/alignments.gcol"),
    include_bytes!("../../spec/conformance/alignments_ref.gcol"),
    include_bytes!("../../spec/conformance/graph.gcol"),
    include_bytes!("../../spec/conformance/genomics.gcol"),
    include_bytes!("../../spec/conformance/features.gcol"),
    // The 1.5 form of alignments' differences (spec 15.8), read again.
    include_bytes!("../data/versions/1.5/alignments.gcol"),
    include_bytes!("../data/versions/1.5/alignments_ref.gcol"),
];

/// A seed (chosen by the first byte) with edits (five bytes each: offset,
/// xor) and every checksum recomputed, read through every dataset reader.
pub fn read_mutated(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let base = SEEDS[pick as usize % SEEDS.len()];
    let edits: Vec<(u32, u8)> = rest
        .chunks_exact(5)
        .take(16)
        .map(|c| (u32::from_le_bytes([c[0], c[1], c[2], c[3]]), c[4].max(1)))
        .collect();
    let bytes = crate::mutate_sealed(base, &edits);
    if let Ok(reader) = gcol_reader::Reader::from_bytes(bytes) {
        let _ = crate::read_every_dataset(&reader);
    }
}
