//! `variants` datasets (spec 14): the records of one VCF or BCF file.
//!
//! Sites are rows: `pos`, `id`, `ref`, `alt`, `qual`, `filter` and one
//! column per INFO field (`info/<ID>`). Contigs are a small table
//! (`contig`, `contig_end`): the rows of contig `i` are `contig_end[i-1] ..
//! contig_end[i]`, since records of a contig are contiguous and sorted by
//! position. Each FORMAT field is a chunked array of variants × samples ×
//! values (`format/<ID>`); genotypes are `format/GT`, variants × haplotypes
//! (samples × ploidy) of allele indexes (−1 for a missing allele, −2 after
//! the call's last allele) with their phase in `format/GT/phase`.

use super::{def, Presence, Schema};
use crate::PhysicalType;

/// Dataset kind.
pub const KIND: &str = "variants";

/// Column names.
pub mod columns {
    /// The VCF header text, one value: every line up to and including `#CHROM`.
    pub const HEADER: &str = "header";
    /// Sample names, in header order.
    pub const SAMPLE: &str = "sample";
    /// Contig names, in record order (one value per run of records).
    pub const CONTIG: &str = "contig";
    /// End row (exclusive) of each contig's records.
    pub const CONTIG_END: &str = "contig_end";
    /// POS, 1-based.
    pub const POS: &str = "pos";
    /// ID text (null for `.`, and for IDs in [`ID_RS`]).
    pub const ID: &str = "id";
    /// The number of IDs written `rs` + digits (null for the others).
    pub const ID_RS: &str = "id/rs";
    /// REF allele (absent when REF is coded against a reference: then
    /// [`REF_LEN`] and [`REF_DIFFERS`], spec 14.7).
    pub const REF: &str = "ref";
    /// Length of each REF allele, when REF is coded against a reference.
    pub const REF_LEN: &str = "ref/len";
    /// REF text where it is not the reference's upper-case bases at POS
    /// (null where it is), when REF is coded against a reference.
    pub const REF_DIFFERS: &str = "ref/differs";
    /// Rows whose REF differs from the reference (ignoring case) or lies
    /// outside it, ascending; present whenever a reference was used.
    pub const REF_MISMATCH: &str = "ref/mismatch";
    /// ALT alleles: a list column (empty for `.`).
    pub const ALT: &str = "alt";
    /// Items of [`ALT`].
    pub const ALT_ITEM: &str = "alt/item";
    /// QUAL (null for `.`).
    pub const QUAL: &str = "qual";
    /// FILTER: a list column (null for `.`).
    pub const FILTER: &str = "filter";
    /// Items of [`FILTER`].
    pub const FILTER_ITEM: &str = "filter/item";
    /// INFO keys of each record in their order, joined by `;` (empty for `.`).
    pub const INFO_KEYS: &str = "info_keys";
    /// FORMAT text of each record (null when the file has no FORMAT column).
    pub const FORMAT_KEYS: &str = "format_keys";
    /// Prefix of INFO field columns.
    pub const INFO_PREFIX: &str = "info/";
    /// Prefix of FORMAT field columns.
    pub const FORMAT_PREFIX: &str = "format/";
    /// Genotype allele indexes.
    pub const GT: &str = "format/GT";
    /// Genotype phase bits.
    pub const GT_PHASE: &str = "format/GT/phase";
    /// Suffix of the item column of a list INFO column.
    pub const ITEM_SUFFIX: &str = "/item";
    /// Suffix of a FORMAT field's per-cell value counts (present only when
    /// some cell's count is not what its values imply, spec 14.4).
    pub const COUNT_SUFFIX: &str = "/count";
}

/// Metadata keys.
pub mod meta {
    /// `vcf` or `bcf`: the source format.
    pub const SOURCE_FORMAT: &str = "source_format";
    /// Column metadata: the field's VCF `Number` (`1`, `A`, `R`, `G`, `.`, ...).
    pub const VCF_NUMBER: &str = "vcf_number";
    /// Column metadata: the field's VCF `Type`.
    pub const VCF_TYPE: &str = "vcf_type";
    /// INFO fields derived from the genotypes, comma-separated (`AC`,
    /// `AN`): they have no column (spec 14.3).
    pub const DERIVED_INFO: &str = "derived_info";
    /// The most ALT alleles of any record (decimal).
    pub const MAX_ALT_ALLELES: &str = "max_alt_alleles";
    /// Metadata of `format/GT`: the largest ploidy, `K` (spec 14.4).
    pub const PLOIDY: &str = "ploidy";
    /// The `sequences` dataset of this file REF is coded against (spec 14.7).
    pub const REFERENCE: &str = "reference";
    /// The reference REF was checked against, as given (a file name, or
    /// the dataset of this file).
    pub const REFERENCE_SOURCE: &str = "reference_source";
    /// The reference contigs used, one per line: name, tab, length, tab,
    /// MD5 of the upper-case bases (lower-case hex).
    pub const REFERENCE_CONTIGS: &str = "reference_contigs";
    /// Bytes REF would take as text (zstd), to report what coding saved.
    pub const REFERENCE_TEXT_BYTES: &str = "reference_text_bytes";
}

/// Allele index stored after a call's last allele (mixed ploidy).
pub const GT_END: i16 = -2;
/// Allele index of a missing allele (`.`).
pub const GT_MISSING: i16 = -1;
/// Bit of `format/GT/phase` set when the call starts with `|` (VCF 4.4).
pub const PHASE_LEADING: u8 = 0x80;

/// The `variants` schema: the columns every variants dataset has (INFO and
/// FORMAT columns depend on the header).
pub static SCHEMA: Schema = Schema {
    kind: KIND,
    columns: &[
        def(
            columns::HEADER,
            PhysicalType::Binary,
            "vcf-header",
            None,
            Presence::Required,
        ),
        def(
            columns::SAMPLE,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::CONTIG,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::CONTIG_END,
            PhysicalType::U64,
            "row",
            None,
            Presence::Required,
        ),
        def(
            columns::POS,
            PhysicalType::U64,
            "position",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::ID,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::ID_RS,
            PhysicalType::U64,
            "rs-number",
            None,
            Presence::Optional,
        ),
        def(
            columns::REF,
            PhysicalType::Binary,
            "allele",
            None,
            Presence::Optional,
        ),
        def(
            columns::REF_LEN,
            PhysicalType::U32,
            "length",
            Some("bases"),
            Presence::Optional,
        ),
        def(
            columns::REF_DIFFERS,
            PhysicalType::Binary,
            "allele",
            None,
            Presence::Optional,
        ),
        def(
            columns::REF_MISMATCH,
            PhysicalType::U64,
            "row",
            None,
            Presence::Optional,
        ),
        def(
            columns::ALT,
            PhysicalType::U64,
            "list",
            None,
            Presence::Required,
        ),
        def(
            columns::ALT_ITEM,
            PhysicalType::Binary,
            "allele",
            None,
            Presence::Required,
        ),
        def(
            columns::QUAL,
            PhysicalType::F32,
            "phred",
            None,
            Presence::Required,
        ),
        def(
            columns::FILTER,
            PhysicalType::U64,
            "list",
            None,
            Presence::Required,
        ),
        def(
            columns::FILTER_ITEM,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::INFO_KEYS,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::FORMAT_KEYS,
            PhysicalType::Binary,
            "text",
            None,
            Presence::Required,
        ),
        def(
            columns::GT_PHASE,
            PhysicalType::U8,
            "phase",
            None,
            Presence::Optional,
        ),
    ],
    metadata: &[
        meta::SOURCE_FORMAT,
        meta::DERIVED_INFO,
        meta::MAX_ALT_ALLELES,
    ],
};
