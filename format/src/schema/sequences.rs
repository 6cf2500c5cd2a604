//! `sequences` datasets (spec 12): the records of a FASTA file, a residue
//! stream (2-bit bases with ambiguity and soft-mask runs, or residue bytes
//! for proteins), and the record columns that make export byte-exact.

use super::{def, ColumnDef, Presence, Schema};
use crate::PhysicalType;

/// Dataset kind.
pub const KIND: &str = "sequences";

/// Column names (spec 12.2 to 12.5).
pub mod columns {
    /// Record name: the first whitespace-delimited token of the definition line.
    pub const NAME: &str = "name";
    /// The definition line after `>`, without its line ending.
    pub const DEFINITION: &str = "definition";
    /// Residues in the record.
    pub const LENGTH: &str = "length";
    /// Index of the record's first residue in the dataset's residue stream.
    pub const OFFSET: &str = "offset";
    /// Residues per full line (0 for an empty record).
    pub const LINE_WIDTH: &str = "line_width";
    /// Empty lines after the record's sequence lines.
    pub const BLANK_LINES: &str = "blank_lines";
    /// Record flags (`FLAG_*`).
    pub const FLAGS: &str = "flags";
    /// Packed 2-bit bases (nucleotide datasets).
    pub const BASES: &str = "bases";
    /// Residue bytes as written (protein and other alphabets).
    pub const RESIDUES: &str = "residues";
    /// Ambiguity runs: start position in the residue stream.
    pub const AMB_START: &str = "amb_start";
    /// Ambiguity runs: length.
    pub const AMB_LENGTH: &str = "amb_length";
    /// Ambiguity runs: upper-case symbol.
    pub const AMB_SYMBOL: &str = "amb_symbol";
    /// Per bin: index of the first ambiguity run ending after the bin's start.
    pub const AMB_INDEX: &str = "amb_index";
    /// Lower-case (soft-mask) runs: start.
    pub const MASK_START: &str = "mask_start";
    /// Lower-case runs: length.
    pub const MASK_LENGTH: &str = "mask_length";
    /// Per bin: index of the first mask run ending after the bin's start.
    pub const MASK_INDEX: &str = "mask_index";
}

/// Metadata keys (spec 12.1).
pub mod meta {
    /// `nucleotide` or `protein`.
    pub const ALPHABET: &str = "alphabet";
    /// Bases per run-index bin (and per full `bases` page).
    pub const BIN_BASES: &str = "bin_bases";
    /// `true` when export reproduces the input byte for byte.
    pub const EXACT_EXPORT: &str = "exact_export";
    /// `fasta` (or `fastq` for reads).
    pub const SOURCE_FORMAT: &str = "source_format";
    /// `clustered` when the residue stream holds records grouped by
    /// similarity, not in record order (spec 12.5; format 1.2); absent
    /// (or `input`) when offsets are the running sums of lengths.
    pub const RESIDUE_ORDER: &str = "residue_order";
    /// The value of [`RESIDUE_ORDER`] for a grouped stream.
    pub const CLUSTERED: &str = "clustered";
}

/// Record lines end with CR LF.
pub const FLAG_CRLF: u8 = 1;
/// The record is RNA: code 3 means U.
pub const FLAG_RNA: u8 = 2;
/// Sequence lines were not uniformly wrapped; export rewraps at `line_width`.
pub const FLAG_IRREGULAR: u8 = 4;
/// The input ended without a line ending after this record.
pub const FLAG_NO_FINAL_NEWLINE: u8 = 8;

const BASES: Option<&str> = Some("bases");

/// The residue stream shared with `reads` (spec 12.3): 2-bit bases, runs
/// and run indexes.
pub(crate) const STREAM: [ColumnDef; 8] = [
    def(
        columns::BASES,
        PhysicalType::U8,
        "dna2bit",
        None,
        Presence::Nucleotide,
    ),
    def(
        columns::AMB_START,
        PhysicalType::U64,
        "position",
        BASES,
        Presence::Nucleotide,
    ),
    def(
        columns::AMB_LENGTH,
        PhysicalType::U32,
        "length",
        BASES,
        Presence::Nucleotide,
    ),
    def(
        columns::AMB_SYMBOL,
        PhysicalType::U8,
        "ascii",
        None,
        Presence::Nucleotide,
    ),
    def(
        columns::MASK_START,
        PhysicalType::U64,
        "position",
        BASES,
        Presence::Nucleotide,
    ),
    def(
        columns::MASK_LENGTH,
        PhysicalType::U32,
        "length",
        BASES,
        Presence::Nucleotide,
    ),
    def(
        columns::AMB_INDEX,
        PhysicalType::U64,
        "run_index",
        None,
        Presence::Nucleotide,
    ),
    def(
        columns::MASK_INDEX,
        PhysicalType::U64,
        "run_index",
        None,
        Presence::Nucleotide,
    ),
];

/// The `sequences` schema.
pub static SCHEMA: Schema = Schema {
    kind: KIND,
    columns: &[
        def(
            columns::NAME,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Optional,
        ),
        def(
            columns::DEFINITION,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::LENGTH,
            PhysicalType::U64,
            "length",
            BASES,
            Presence::Required,
        ),
        def(
            columns::OFFSET,
            PhysicalType::U64,
            "offset",
            BASES,
            Presence::Required,
        ),
        def(
            columns::LINE_WIDTH,
            PhysicalType::U32,
            "line_width",
            BASES,
            Presence::Required,
        ),
        def(
            columns::BLANK_LINES,
            PhysicalType::U32,
            "count",
            None,
            Presence::Required,
        ),
        def(
            columns::FLAGS,
            PhysicalType::U8,
            "flags",
            None,
            Presence::Required,
        ),
        def(
            columns::RESIDUES,
            PhysicalType::U8,
            "ascii",
            None,
            Presence::Protein,
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
        meta::ALPHABET,
        meta::BIN_BASES,
        meta::EXACT_EXPORT,
        meta::SOURCE_FORMAT,
    ],
};
