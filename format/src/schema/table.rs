//! `table` datasets (spec 17): typed columns of equal length in row
//! groups, with an optional attribute index; annotation tables (GFF3,
//! GTF) are tables of the `features` schema.

use super::{def, Presence, Schema};
use crate::PhysicalType;

/// Dataset kind.
pub const KIND: &str = "table";

/// Rows per row group: every column's pages end at multiples of it (a
/// page ends earlier only when its row group would pass the page limit).
pub const ROW_GROUP_ROWS: u64 = 65_536;

/// Column names.
pub mod columns {
    /// Prefix of the attribute index's columns (no table column starts so).
    pub const INDEX_PREFIX: &str = "index/";
    /// Index: attribute names of the distinct (name, value) pairs, sorted.
    pub const INDEX_KEY: &str = "index/key";
    /// Index: attribute values, parallel to [`INDEX_KEY`].
    pub const INDEX_VALUE: &str = "index/value";
    /// Index: the rows holding each pair (a list of [`INDEX_ROW`]).
    pub const INDEX_ROWS: &str = "index/rows";
    /// Index: row numbers, ascending within a pair.
    pub const INDEX_ROW: &str = "index/row";

    /// Features: sequence id.
    pub const SEQID: &str = "seqid";
    /// Features: source.
    pub const SOURCE: &str = "source";
    /// Features: feature type.
    pub const TYPE: &str = "type";
    /// Features: start, 1-based.
    pub const START: &str = "start";
    /// Features: end, 1-based inclusive.
    pub const END: &str = "end";
    /// Features: score (null for `.`).
    pub const SCORE: &str = "score";
    /// Features: strand `+`, `-` or `?` (null for `.`).
    pub const STRAND: &str = "strand";
    /// Features: phase 0-2 (null for `.`).
    pub const PHASE: &str = "phase";
    /// Features: the attributes column as written, where it is not the
    /// canonical text of its pairs (null where it is: readers rebuild it).
    pub const ATTRIBUTES: &str = "attributes";
    /// Features: the flattened attribute names (a list per row).
    pub const ATTR_KEYS: &str = "attr_keys";
    /// Features: the flattened attribute values, parallel to [`ATTR_KEYS`].
    pub const ATTR_VALUES: &str = "attr_values";
    /// Features from GenBank: the location as written (continuation lines
    /// joined); absent from GFF3/GTF tables.
    pub const LOCATION: &str = "location";
    /// Features: the `ID` (GFF3) or transcript/gene id (GTF), or null.
    pub const ID: &str = "id";
    /// Features: rows of the feature's parents (a list).
    pub const PARENTS: &str = "parents";
    /// Features: the line as written, where it is not the line rebuilt
    /// from the typed columns ([`super::feature_line`]); null elsewhere.
    pub const LINE: &str = "line";
    /// Features: byte offset of the record's line in the source text.
    pub const SOURCE_START: &str = "source_start";
    /// Features: byte offset just past the line (before its line end).
    pub const SOURCE_END: &str = "source_end";
    /// Features: lines that are not features (comments, directives, a
    /// FASTA section), with the feature row they come before.
    pub const COMMENT_ROW: &str = "comment/row";
    /// Text of those lines, without line ends.
    pub const COMMENT_TEXT: &str = "comment/text";
}

/// Metadata keys.
pub mod meta {
    /// The source format: `csv`, `tsv`, `gff3`, `gtf` or `genbank`.
    pub const SOURCE_FORMAT: &str = "source_format";
    /// Rows per row group (decimal; [`super::ROW_GROUP_ROWS`]).
    pub const ROW_GROUP_ROWS: &str = "row_group_rows";
    /// `features` for annotation tables (their columns are those of
    /// [`super::FEATURES`]).
    pub const SCHEMA: &str = "schema";
    /// The line ending of the source (`\n` or `\r\n`), for export.
    pub const LINE_END: &str = "line_end";
    /// GenBank: the `sequences` dataset holding the record sequences, one
    /// record per `ORIGIN` line in order (spec 17.4).
    pub const SEQUENCES: &str = "sequences";
    /// `false` when the source's last line has no line end.
    pub const FINAL_NEWLINE: &str = "final_newline";
    /// GTF: `true` when canonical attribute text ends in one space
    /// (NCBI's GTF), spec 17.3.
    pub const TRAILING_SPACE: &str = "attributes_trailing_space";
}

/// The columns of a `features` table (spec 17.3).
pub static FEATURES: Schema = Schema {
    kind: KIND,
    columns: &[
        def(
            columns::SEQID,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Required,
        ),
        def(
            columns::SOURCE,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Required,
        ),
        def(
            columns::TYPE,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Required,
        ),
        def(
            columns::START,
            PhysicalType::I64,
            "int64",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::END,
            PhysicalType::I64,
            "int64",
            Some("bases"),
            Presence::Required,
        ),
        def(
            columns::SCORE,
            PhysicalType::F64,
            "float64",
            None,
            Presence::Required,
        ),
        def(
            columns::STRAND,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Required,
        ),
        def(
            columns::PHASE,
            PhysicalType::I64,
            "int64",
            None,
            Presence::Required,
        ),
        def(
            columns::ATTRIBUTES,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Required,
        ),
        def(
            columns::ATTR_KEYS,
            PhysicalType::U64,
            "list<string>",
            None,
            Presence::Required,
        ),
        def(
            columns::ATTR_VALUES,
            PhysicalType::U64,
            "list<string>",
            None,
            Presence::Required,
        ),
        def(
            columns::ID,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Required,
        ),
        def(
            columns::LINE,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Required,
        ),
        def(
            columns::PARENTS,
            PhysicalType::U64,
            "list<int64>",
            None,
            Presence::Required,
        ),
        def(
            columns::LOCATION,
            PhysicalType::Binary,
            "string",
            None,
            Presence::Optional,
        ),
        def(
            columns::SOURCE_START,
            PhysicalType::I64,
            "int64",
            Some("bytes"),
            Presence::Required,
        ),
        def(
            columns::SOURCE_END,
            PhysicalType::I64,
            "int64",
            Some("bytes"),
            Presence::Required,
        ),
    ],
    metadata: &[
        meta::SOURCE_FORMAT,
        meta::ROW_GROUP_ROWS,
        meta::SCHEMA,
        meta::LINE_END,
        meta::TRAILING_SPACE,
        meta::FINAL_NEWLINE,
        meta::SEQUENCES,
    ],
};

/// GFF3's percent-encoding of the characters with a meaning in the
/// attributes column (`;` `=` `,` `&` `%`) and of control characters.
fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s
        .bytes()
        .any(|b| b"%;=,&".contains(&b) || b < 0x20 || b == 0x7f)
    {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "%;=,&".contains(c) || (c as u32) < 0x20 || c as u32 == 0x7f {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The attributes column as written from its pairs (spec 17.3): GFF3
/// `name=value` with the values of consecutive equal names joined by `,`,
/// pairs joined by `;`, names and values percent-encoded; GTF
/// `name "value";` pairs joined by one space, and one more space after the
/// last with `trailing_space` (NCBI's GTF). A column that reads back as
/// this text need not be stored.
pub fn canonical_attributes(pairs: &[(String, String)], gtf: bool, trailing_space: bool) -> String {
    let mut out = String::new();
    if gtf {
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&format!("{k} \"{v}\";"));
        }
        if trailing_space && !pairs.is_empty() {
            out.push(' ');
        }
        return out;
    }
    let mut i = 0;
    while i < pairs.len() {
        if i > 0 {
            out.push(';');
        }
        let key = &pairs[i].0;
        out.push_str(&escape(key));
        out.push('=');
        let mut j = i;
        while j < pairs.len() && pairs[j].0 == *key {
            if j > i {
                out.push(',');
            }
            out.push_str(&escape(&pairs[j].1));
            j += 1;
        }
        i = j;
    }
    out
}

/// A number of the score column as GFF writes it: the shortest text of
/// spec 16.4 without a trailing `.0`.
pub fn gff_number(v: f64) -> String {
    let text = crate::typed::format_float(v);
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// The feature line rebuilt from its columns (spec 17.3): the nine
/// columns joined by tabs, `.` for nulls, the score by [`gff_number`].
#[allow(clippy::too_many_arguments)]
pub fn feature_line(
    seqid: &str,
    source: &str,
    kind: &str,
    start: Option<i64>,
    end: Option<i64>,
    score: Option<f64>,
    strand: Option<&str>,
    phase: Option<i64>,
    attributes: &str,
) -> String {
    let num = |v: Option<i64>| v.map_or_else(|| ".".to_string(), |v| v.to_string());
    format!(
        "{seqid}\t{source}\t{kind}\t{}\t{}\t{}\t{}\t{}\t{attributes}",
        num(start),
        num(end),
        score.map_or_else(|| ".".to_string(), gff_number),
        strand.unwrap_or("."),
        num(phase),
    )
}
