//! Decode arbitrary bytes under every encoding and physical type.
#![no_main]

use gcol_format::encoding::{decode_page, ids};
use gcol_format::PhysicalType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let id = ids::ALL[data[0] as usize % ids::ALL.len()];
    let physical = PhysicalType::ALL[data[1] as usize % PhysicalType::ALL.len()];
    let num_values = u32::from_le_bytes([data[2], data[3], 0, 0]);
    let decoded_len = u32::from_le_bytes([data[4], data[5], data[6], 0]);
    let _ = decode_page(id, physical, num_values, decoded_len, &data[9..]);
});
