//! `alignments` datasets (spec 15): the records of one SAM, BAM or CRAM
//! file, in file order, as columns of BAM's fields.
//!
//! Rows are records. The reference dictionary (BAM's binary reference
//! list) is a small table (`ref_name`, `ref_length`). Fixed fields are one
//! column each, in BAM's units (0-based positions, −1 for none). CIGARs
//! are a list column of BAM-coded operations. Bases and qualities are two
//! streams (`seq`, `quality`) that records index through `offset` and
//! `seq_length`. Each auxiliary tag of one type is a nullable column
//! `tag/XX:T`, and `tag_layout` gives each record's tags in their order.

use super::{def, Presence, Schema};
use crate::PhysicalType;

/// Dataset kind.
pub const KIND: &str = "alignments";

/// Column names.
pub mod columns {
    /// The SAM header text, one value (every `@` line, each ending in LF).
    pub const HEADER: &str = "header";
    /// Reference names, in reference-id order (BAM's reference list).
    pub const REF_NAME: &str = "ref_name";
    /// Reference lengths.
    pub const REF_LENGTH: &str = "ref_length";
    /// QNAME (`*` kept as written).
    pub const QNAME: &str = "qname";
    /// FLAG.
    pub const FLAG: &str = "flag";
    /// Reference id (−1: `*`).
    pub const REF_ID: &str = "ref_id";
    /// 0-based leftmost position (−1: none).
    pub const POS: &str = "pos";
    /// MAPQ.
    pub const MAPQ: &str = "mapq";
    /// CIGAR: a list column of operations.
    pub const CIGAR: &str = "cigar";
    /// Items of [`CIGAR`]: `length << 4 | op` (BAM's coding, op in `MIDNSHP=X`).
    pub const CIGAR_ITEM: &str = "cigar/item";
    /// Mate's reference id (−1: `*`).
    pub const NEXT_REF_ID: &str = "next_ref_id";
    /// Mate's 0-based position (−1: none).
    pub const NEXT_POS: &str = "next_pos";
    /// TLEN.
    pub const TLEN: &str = "tlen";
    /// Bases in the record's SEQ (0 for `*`).
    pub const SEQ_LENGTH: &str = "seq_length";
    /// Stream position of the record's first base in [`SEQ`] and [`QUALITY`].
    pub const OFFSET: &str = "offset";
    /// Bases, one 4-bit BAM code (`=ACMGRSVTWYHKDBN`) per byte, all records
    /// back to back.
    pub const SEQ: &str = "seq";
    /// Qualities as BAM stores them (Phred, or 255 throughout a record whose
    /// QUAL is `*`), one per base, aligned with [`SEQ`].
    pub const QUALITY: &str = "quality";
    /// Each record's tag layout: an index into [`TAG_LAYOUTS`].
    pub const TAG_LAYOUT: &str = "tag_layout";
    /// Distinct tag layouts: `XX:T` keys joined by `,` (empty: no tags).
    pub const TAG_LAYOUTS: &str = "tag_layouts";
    /// Prefix of tag columns: `tag/XX:T`, `T` one of `A c C s S i I f Z H`
    /// or `B` followed by the array's subtype.
    pub const TAG_PREFIX: &str = "tag/";
    /// Suffix of the item column of an array tag's list column.
    pub const ITEM_SUFFIX: &str = "/item";
    /// Consensus coding (spec 15.8): each record's start in [`SEQ`].
    pub const SEQ_OFFSET: &str = "seq_offset";
    /// Consensus coding: per record, the query offsets of bases that
    /// differ from the consensus (a list column).
    pub const SEQ_DIFF: &str = "seq_diff";
    /// Items of [`SEQ_DIFF`].
    pub const SEQ_DIFF_ITEM: &str = "seq_diff/item";
    /// Per listed difference (aligned with [`SEQ_DIFF_ITEM`]): the base as a
    /// substitution code against the predicted base (spec 15.8).
    pub const SEQ_SUB: &str = "seq_sub";
    /// Consensus coding: per chunk of rows, the end of its segments.
    pub const CONSENSUS_CHUNK_END: &str = "consensus/chunk_end";
    /// Consensus segments: reference id.
    pub const CONSENSUS_REF_ID: &str = "consensus/ref_id";
    /// Consensus segments: 0-based start.
    pub const CONSENSUS_POS: &str = "consensus/pos";
    /// Consensus segments: length.
    pub const CONSENSUS_LENGTH: &str = "consensus/length";
    /// Consensus bases, 0..3 for A C G T, segments back to back.
    pub const CONSENSUS_BASES: &str = "consensus/bases";
    /// Region index (coordinate-sorted datasets): each reference's first row.
    pub const INDEX_FIRST_ROW: &str = "index/first_row";
    /// Region index: each reference's end row (exclusive).
    pub const INDEX_END_ROW: &str = "index/end_row";
    /// Region index: per reference, a list of rows, one per window of
    /// [`INDEX_WINDOW_BASES`] bases: the first row whose record ends after
    /// the window's start.
    pub const INDEX_WINDOWS: &str = "index/windows";
    /// Items of [`INDEX_WINDOWS`].
    pub const INDEX_WINDOWS_ITEM: &str = "index/windows/item";
}

/// Bases per window of the region index (as BAI's linear index).
pub use crate::bam::INDEX_WINDOW_BASES;

/// Metadata keys.
pub mod meta {
    /// `sam`, `bam` or `cram`: the source format.
    pub const SOURCE_FORMAT: &str = "source_format";
    /// The header's `@HD SO` value (`coordinate`, `queryname`, `unsorted`,
    /// `unknown`), or `unknown` without one.
    pub const SORT_ORDER: &str = "sort_order";
    /// `true` when the records are sorted by (reference id, position), with
    /// records without a reference last: region queries may seek.
    pub const COORDINATE_SORTED: &str = "coordinate_sorted";
    /// `relative`: `next_pos` and `tlen` are coded against the record
    /// (spec 15.2); absent: stored as they are.
    pub const MATES: &str = "mates";
    /// `consensus`: bases coded against a consensus of each chunk's reads
    /// (spec 15.8); absent: every base stored.
    pub const SEQ_CODING: &str = "seq_coding";
}

/// The physical type of the values of a tag of BAM type `t` (`A c C s S i
/// I f Z H`; array subtypes use the same letters), or `None` for another.
pub fn tag_physical(t: u8) -> Option<PhysicalType> {
    Some(match t {
        b'A' | b'C' => PhysicalType::U8,
        b'c' => PhysicalType::I8,
        b's' => PhysicalType::I16,
        b'S' => PhysicalType::U16,
        b'i' => PhysicalType::I32,
        b'I' => PhysicalType::U32,
        b'f' => PhysicalType::F32,
        b'Z' | b'H' => PhysicalType::Binary,
        _ => return None,
    })
}

/// The `alignments` schema: the columns every alignments dataset has (tag
/// columns depend on the records).
pub static SCHEMA: Schema = Schema {
    kind: KIND,
    columns: &[
        def(
            columns::HEADER,
            PhysicalType::Binary,
            "sam-header",
            None,
            Presence::Required,
        ),
        def(
            columns::REF_NAME,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::REF_LENGTH,
            PhysicalType::U64,
            "length",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::QNAME,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::FLAG,
            PhysicalType::U16,
            "sam-flag",
            None,
            Presence::Required,
        ),
        def(
            columns::REF_ID,
            PhysicalType::I32,
            "reference-id",
            None,
            Presence::Required,
        ),
        def(
            columns::POS,
            PhysicalType::I32,
            "position",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::MAPQ,
            PhysicalType::U8,
            "mapq",
            None,
            Presence::Required,
        ),
        def(
            columns::CIGAR,
            PhysicalType::U64,
            "list",
            None,
            Presence::Required,
        ),
        def(
            columns::CIGAR_ITEM,
            PhysicalType::U32,
            "bam-cigar-op",
            None,
            Presence::Required,
        ),
        def(
            columns::NEXT_REF_ID,
            PhysicalType::I32,
            "reference-id",
            None,
            Presence::Required,
        ),
        def(
            columns::NEXT_POS,
            PhysicalType::I32,
            "position",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::TLEN,
            PhysicalType::I32,
            "length",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::SEQ_LENGTH,
            PhysicalType::U32,
            "length",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::OFFSET,
            PhysicalType::U64,
            "offset",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::SEQ,
            PhysicalType::U8,
            "bam-base-code",
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
            columns::TAG_LAYOUT,
            PhysicalType::U32,
            "dictionary-index",
            None,
            Presence::Required,
        ),
        def(
            columns::TAG_LAYOUTS,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::SEQ_OFFSET,
            PhysicalType::U64,
            "offset",
            None,
            Presence::Optional,
        ),
        def(
            columns::SEQ_DIFF,
            PhysicalType::U64,
            "list",
            None,
            Presence::Optional,
        ),
        def(
            columns::SEQ_DIFF_ITEM,
            PhysicalType::U32,
            "query-offset",
            None,
            Presence::Optional,
        ),
        def(
            columns::SEQ_SUB,
            PhysicalType::U8,
            "substitution-code",
            None,
            Presence::Optional,
        ),
        def(
            columns::CONSENSUS_CHUNK_END,
            PhysicalType::U64,
            "row",
            None,
            Presence::Optional,
        ),
        def(
            columns::CONSENSUS_REF_ID,
            PhysicalType::I32,
            "reference-id",
            None,
            Presence::Optional,
        ),
        def(
            columns::CONSENSUS_POS,
            PhysicalType::I32,
            "position",
            None,
            Presence::Optional,
        ),
        def(
            columns::CONSENSUS_LENGTH,
            PhysicalType::U32,
            "length",
            None,
            Presence::Optional,
        ),
        def(
            columns::CONSENSUS_BASES,
            PhysicalType::U8,
            "base-index",
            None,
            Presence::Optional,
        ),
        def(
            columns::INDEX_FIRST_ROW,
            PhysicalType::U64,
            "row",
            None,
            Presence::Optional,
        ),
        def(
            columns::INDEX_END_ROW,
            PhysicalType::U64,
            "row",
            None,
            Presence::Optional,
        ),
        def(
            columns::INDEX_WINDOWS,
            PhysicalType::U64,
            "list",
            None,
            Presence::Optional,
        ),
        def(
            columns::INDEX_WINDOWS_ITEM,
            PhysicalType::U64,
            "row",
            None,
            Presence::Optional,
        ),
    ],
    metadata: &[
        meta::SOURCE_FORMAT,
        meta::SORT_ORDER,
        meta::COORDINATE_SORTED,
    ],
};
