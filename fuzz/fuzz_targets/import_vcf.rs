//! Import arbitrary bytes as VCF text (written to a file, as the importer
//! reads paths), then, when it converts, read it back: must never panic,
//! hang or allocate without bound; a refusal is an error naming the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_tests::fuzz::run("import_vcf", data);
});
