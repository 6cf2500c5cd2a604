//! Pins every constant that is part of the on-disk format. These values may
//! never change within major version 1 (spec 9); a failure here means a
//! change broke compatibility with files already written.

use crate::directory::{DIR_ENTRY_LEN, ENTRIES_PER_BLOCK};
use crate::encoding::ids;
use crate::footer::FOOTER_HEADER_LEN;
use crate::header::HEADER_LEN;
use crate::tail::TAIL_LEN;

#[test]
fn on_disk_constants_are_pinned() {
    assert_eq!(
        crate::MAGIC,
        [0x89, 0x47, 0x43, 0x4F, 0x4C, 0x0D, 0x0A, 0x1A]
    );
    assert_eq!(crate::MAJOR_VERSION, 1);
    assert_eq!(HEADER_LEN, 64);
    assert_eq!(TAIL_LEN, 32);
    assert_eq!(FOOTER_HEADER_LEN, 64);
    assert_eq!(DIR_ENTRY_LEN, 48);
    assert_eq!(ENTRIES_PER_BLOCK, 1024);
    assert_eq!(crate::PAGE_ALIGNMENT, 64);
    assert_eq!(crate::MAX_PAGE_BYTES, 67_108_864);
    assert_eq!(crate::MAX_FOOTER_BYTES, 268_435_456);
    // Ids never change meaning; 0x0005 and 0x0105 (`lengths`) came with
    // 1.2, 0x0006 and 0x0106 (`decimal`) with 1.3, 0x0007
    // (`quality-model`), 0x0008 (`name-tokens`) and 0x0009 (`base-model`),
    // no zstd forms, with 1.5.
    assert_eq!(
        ids::ALL,
        [
            0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009, 0x000A,
            0x000B, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0106
        ]
    );
    assert_eq!(crate::encoding::arith::STEP, 4);
    assert_eq!(crate::encoding::arith::MAX_TOTAL, 65_504);
    assert_eq!(crate::MINOR_VERSION, 8);
    assert_eq!(crate::manifest::MANIFEST_VERSION, 1);
}
