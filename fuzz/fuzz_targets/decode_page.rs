//! Decode arbitrary bytes under every encoding and physical type; for zstd
//! frames, also decode a prefix and finish it, which must agree with the
//! whole-frame decode whenever both succeed.
#![no_main]

use gcol_format::encoding::{decode_page, ids, zstd_frame};
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
    let stored = &data[9..];
    let whole = decode_page(id, physical, num_values, decoded_len, stored);
    let needed = u16::from_le_bytes([data[7], data[8]]) as usize;
    if let Ok(part) = zstd_frame::decompress_prefix(stored, decoded_len, needed) {
        assert!(part.prefix().len() >= needed.min(decoded_len as usize));
        let prefix = part.prefix().to_vec();
        if let Ok(full) = part.finish() {
            assert!(full.starts_with(&prefix));
            if id == ids::ZSTD && physical == PhysicalType::U8 && num_values == decoded_len {
                match whole {
                    Ok(gcol_format::encoding::Decoded::Owned(bytes)) => assert_eq!(bytes, full),
                    other => panic!("prefix decode accepted what decode_page refused: {other:?}"),
                }
            }
        }
    }
});
