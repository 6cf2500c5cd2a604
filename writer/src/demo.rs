//! A small, deterministic file that uses every encoding in the v1 registry,
//! for the quick-start demo, golden files and conformance vectors.

use std::io::Write;

use gcol_format::encoding::{ids, Encoding};
use gcol_format::manifest::Coordinates;
use gcol_format::PhysicalType;

use crate::{ColumnSpec, DatasetSpec, Result, Writer};

trait Fixed {
    fn fixed(name: &str, physical: PhysicalType, logical: &str) -> ColumnSpec;
}

impl Fixed for ColumnSpec {
    fn fixed(name: &str, physical: PhysicalType, logical: &str) -> ColumnSpec {
        ColumnSpec::new(name, physical, logical).fixed_encoding()
    }
}

/// Fixed timestamp used by [`write_demo`] callers that want byte-identical output.
pub const DEMO_TIMESTAMP: &str = "2026-01-01T00:00:00Z";

/// Rows in the demo table.
pub const DEMO_ROWS: u64 = 2000;

/// The demo's `features` rows: (chrom, start, end, strand, score, name).
pub fn demo_rows() -> impl Iterator<Item = (String, u64, u64, i8, f32, String)> {
    // A deterministic pseudo-random walk (xorshift) over three chromosomes.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut start = 0u64;
    (0..DEMO_ROWS).map(move |i| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let chrom = ["chr1", "chr2", "chrX"][(i * 3 / DEMO_ROWS) as usize].to_string();
        if i % (DEMO_ROWS / 3 + 1) == 0 {
            start = 0;
        }
        start += 50 + state % 2000;
        let len = 100 + (state >> 20) % 5000;
        let strand = if state & 1 == 0 { 1 } else { -1 };
        let score = ((state >> 40) % 1000) as f32 / 10.0;
        let name = format!("feature_{:05}", i);
        (chrom, start, start + len, strand, score, name)
    })
}

/// Write the demo datasets into `writer` (call `finish` afterwards).
pub fn write_demo<W: Write>(writer: &mut Writer<W>) -> Result<()> {
    let features = writer.add_dataset(
        DatasetSpec::new("features", "table")
            .coordinates(Coordinates::ZeroBasedHalfOpen)
            .metadata(
                "description",
                "synthetic genomic intervals exercising every encoding",
            ),
    )?;
    let zstd = |e: Encoding| e.with_zstd(3);
    let chrom = writer.add_column(
        features,
        ColumnSpec::fixed("chrom", PhysicalType::Binary, "utf8")
            .encoding(Encoding::dictionary())
            .page_bytes(4096),
    )?;
    let start = writer.add_column(
        features,
        ColumnSpec::fixed("start", PhysicalType::U64, "position")
            .unit("bases")
            .encoding(Encoding::delta_varint())
            .page_bytes(4096),
    )?;
    let end = writer.add_column(
        features,
        ColumnSpec::fixed("end", PhysicalType::U64, "position")
            .unit("bases")
            .encoding(zstd(Encoding::delta_varint()))
            .page_bytes(4096),
    )?;
    let strand = writer.add_column(
        features,
        ColumnSpec::fixed("strand", PhysicalType::I8, "strand")
            .encoding(Encoding::for_bitpack())
            .page_bytes(1024),
    )?;
    let score = writer.add_column(
        features,
        ColumnSpec::fixed("score", PhysicalType::F32, "float32").page_bytes(2048),
    )?;
    let score_z = writer.add_column(
        features,
        ColumnSpec::fixed("score_zstd", PhysicalType::F32, "float32")
            .encoding(zstd(Encoding::PLAIN))
            .page_bytes(2048),
    )?;
    let length = writer.add_column(
        features,
        ColumnSpec::fixed("length", PhysicalType::U32, "uint32")
            .unit("bases")
            .encoding(zstd(Encoding::for_bitpack()))
            .page_bytes(2048),
    )?;
    let name = writer.add_column(
        features,
        ColumnSpec::fixed("name", PhysicalType::Binary, "utf8").page_bytes(4096),
    )?;
    let name_dict = writer.add_column(
        features,
        ColumnSpec::fixed("chrom_zstd", PhysicalType::Binary, "utf8")
            .encoding(zstd(Encoding::dictionary()))
            .page_bytes(4096),
    )?;
    for (c, s, e, st, sc, n) in demo_rows() {
        writer.push_binary(chrom, c.as_bytes())?;
        writer.push(start, &[s])?;
        writer.push(end, &[e])?;
        writer.push(strand, &[st])?;
        writer.push(score, &[sc])?;
        writer.push(score_z, &[sc])?;
        writer.push(length, &[(e - s) as u32])?;
        writer.push_binary(name, n.as_bytes())?;
        writer.push_binary(name_dict, c.as_bytes())?;
    }
    writer.set_num_rows(features, DEMO_ROWS)?;

    // Extremes of every fixed-width type, for conformance.
    let extremes = writer.add_dataset(DatasetSpec::new("extremes", "table"))?;
    macro_rules! extreme {
        ($name:literal, $t:ty, $p:ident, $enc:expr) => {{
            let c = writer.add_column(
                extremes,
                ColumnSpec::fixed($name, PhysicalType::$p, stringify!($t)).encoding($enc),
            )?;
            writer.push::<$t>(c, &[<$t>::MIN, <$t>::MAX, 0 as $t, <$t>::MAX, <$t>::MIN])?;
        }};
    }
    extreme!("u8", u8, U8, Encoding::for_bitpack());
    extreme!("u16", u16, U16, Encoding::delta_varint());
    extreme!("u32", u32, U32, zstd(Encoding::for_bitpack()));
    extreme!("u64", u64, U64, Encoding::delta_varint());
    extreme!("i8", i8, I8, Encoding::delta_varint());
    extreme!("i16", i16, I16, Encoding::for_bitpack());
    extreme!("i32", i32, I32, zstd(Encoding::delta_varint()));
    extreme!("i64", i64, I64, Encoding::for_bitpack());
    extreme!("f32", f32, F32, Encoding::PLAIN);
    extreme!("f64", f64, F64, zstd(Encoding::PLAIN));
    extreme!("u64_varint", u64, U64, Encoding::varint());
    extreme!("i32_varint", i32, I32, zstd(Encoding::varint()));
    let empty = writer.add_column(
        extremes,
        ColumnSpec::fixed("empty", PhysicalType::Binary, "utf8"),
    )?;
    let _ = empty;
    let blobs = writer.add_column(
        extremes,
        ColumnSpec::fixed("blobs", PhysicalType::Binary, "binary").encoding(zstd(Encoding::PLAIN)),
    )?;
    for v in [&b""[..], b"\x00\xff", b"", "\u{e9}t\u{e9}".as_bytes()] {
        writer.push_binary(blobs, v)?;
    }
    writer.set_num_rows(extremes, 5)?;
    writer.set_metadata("purpose", "gcol demo and conformance sample");
    // Every id of the 1.0 and 1.1 registry (the demo stays a 1.1 file; the
    // 1.2 `lengths` ids are in the sequences conformance files).
    debug_assert_eq!(
        ids::ALL
            .iter()
            .filter(|&&id| ids::minor_of(id) <= 1)
            .count(),
        10
    );
    Ok(())
}
