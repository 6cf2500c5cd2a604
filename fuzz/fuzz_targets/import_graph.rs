//! Import arbitrary bytes sniffed as graph through the import layer
//! (`gcol convert`'s one code path), then read what converts through
//! every dataset reader: never a panic, hang or unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gcol_fuzz_support::convert_as(data, &[gcol_import::SourceFormat::Sbml, gcol_import::SourceFormat::Kgml, gcol_import::SourceFormat::Cx, gcol_import::SourceFormat::CobraJson]);
});
