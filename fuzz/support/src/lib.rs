//! What the importer fuzz targets share: write the input to a temporary
//! file, import it as one variants dataset, and read back what converted.

use std::io::Write;

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
