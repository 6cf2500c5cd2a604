//! Import arbitrary bytes sniffed as genbank through the import layer
//! (`gcol convert`'s one code path), then read what converts through
//! every dataset reader: never a panic, hang or unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_tests::fuzz::run("import_genbank", data);
});
