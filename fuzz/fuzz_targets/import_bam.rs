//! Import arbitrary raw BAM bytes (put in BGZF blocks first, so mutations
//! reach the record decoder) through the import layer, then read what
//! converts through every dataset reader: never a panic, hang or
//! unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_tests::fuzz::run("import_bam", data);
});
