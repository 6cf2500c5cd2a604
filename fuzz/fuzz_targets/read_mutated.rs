//! A valid file of each dataset kind with bytes changed and every
//! checksum recomputed (structure-aware mutation), read through every
//! dataset reader: never a panic, hang or unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_tests::fuzz::run("read_mutated", data);
});
