//! Decode arbitrary bytes under every encoding and physical type; for zstd
//! frames, also decode a prefix and finish it, which must agree with the
//! whole-frame decode whenever both succeed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_tests::fuzz::run("decode_page", data);
});
