//! Open arbitrary bytes as a .gcol file and read everything: must never
//! panic, hang or allocate beyond the spec's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = gcol_reader::Reader::from_bytes(data.to_vec()) {
        for id in 0..reader.manifest().num_columns() as u32 {
            if let Ok(column) = reader.column_by_id(id) {
                for page in 0..column.num_pages() {
                    let _ = column.page(page);
                }
            }
        }
        let _ = reader.verify(|_, _| {});
    }
});
