//! Import arbitrary bytes as BCF (uncompressed BCF is read too, so the
//! bytes reach the record decoder directly), then read it back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_tests::fuzz::run("import_bcf", data);
});
