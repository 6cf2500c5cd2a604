//! `reads` datasets (spec 13): the records of a FASTQ file (or an R1/R2
//! pair, interleaved), with the residue stream of a nucleotide `sequences`
//! dataset, Phred qualities, and mates.

use super::sequences::{columns as seq, STREAM};
use super::{def, Presence, Schema};
use crate::PhysicalType;

/// Dataset kind.
pub const KIND: &str = "reads";

/// Column names specific to reads (the others are
/// [`super::sequences::columns`]).
pub mod columns {
    /// Text after the name on the `@` line (without the separating whitespace).
    pub const DESCRIPTION: &str = "description";
    /// Phred quality per base (ASCII minus 33).
    pub const QUALITY: &str = "quality";
    /// 1 or 2: which file of a pair the read came from (paired datasets only).
    pub const MATE: &str = "mate";
}

/// Metadata keys (spec 13), besides `alphabet`, `bin_bases` and `source_format`.
pub mod meta {
    /// `true` for an interleaved R1/R2 pair.
    pub const PAIRED: &str = "paired";
    /// `phred`.
    pub const QUALITY_ENCODING: &str = "quality_encoding";
    /// `lossless`, `illumina8` or `table`.
    pub const QUALITY_BINNING: &str = "quality_binning";
    /// 94 comma-separated Phred values: the value stored for each input value.
    pub const QUALITY_BINNING_TABLE: &str = "quality_binning_table";
}

/// The `reads` schema.
pub static SCHEMA: Schema = Schema {
    kind: KIND,
    columns: &[
        def(
            seq::NAME,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::DESCRIPTION,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            seq::LENGTH,
            PhysicalType::U64,
            "length",
            Some("bases"),
            Presence::Required,
        ),
        def(
            seq::OFFSET,
            PhysicalType::U64,
            "offset",
            Some("bases"),
            Presence::Required,
        ),
        def(
            seq::FLAGS,
            PhysicalType::U8,
            "flags",
            None,
            Presence::Required,
        ),
        def(
            columns::QUALITY,
            PhysicalType::U8,
            "phred",
            None,
            Presence::Required,
        ),
        def(
            columns::MATE,
            PhysicalType::U8,
            "mate",
            None,
            Presence::Paired,
        ),
        STREAM[0],
        STREAM[1],
        STREAM[2],
        STREAM[3],
        STREAM[4],
        STREAM[5],
        STREAM[6],
        STREAM[7],
    ],
    metadata: &[
        super::sequences::meta::ALPHABET,
        super::sequences::meta::BIN_BASES,
        super::sequences::meta::SOURCE_FORMAT,
        meta::PAIRED,
        meta::QUALITY_ENCODING,
        meta::QUALITY_BINNING,
        meta::QUALITY_BINNING_TABLE,
    ],
};
