//! Open arbitrary bytes as a .gcol file and read everything: must never
//! panic, hang or allocate beyond the spec's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_tests::fuzz::run("open", data);
});
