//! GenBank flat files (spec 17.4) as a `features` table and a `sequences`
//! dataset: one table row per feature (key, location, qualifiers as
//! attribute pairs, extent and strand from the location, the gene it
//! belongs to by `locus_tag` or `gene`), the record sequences from their
//! `ORIGIN` sections, and every other line (LOCUS, DEFINITION, references,
//! `//`) kept as a comment line in place, so the export writes the file
//! back byte for byte.
//!
//! Our own line parser: no maintained Rust GenBank crate gives each
//! feature's byte offsets and the layout details (wrapping, quoting) a
//! byte-exact export needs; the format is line-oriented and small.

use std::collections::HashMap;
use std::path::Path;

use gcol_format::schema::genbank::{
    feature_text, is_origin_line, location_extent, origin_lines, QUALIFIER_COLUMN,
};
use gcol_format::schema::table::meta;
use gcol_writer::{DatasetSpec, Writer};

use super::features::{write_features, FeatureRow};
use super::{TableOptions, TableSummary};
use crate::graph::input_error;
use crate::input::Input;
use crate::Progress;

/// What a GenBank import wrote: the feature table and, when any record
/// has an `ORIGIN` section, the sequences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenBankSummary {
    /// The feature table.
    pub table: TableSummary,
    /// The sequences dataset (records with an `ORIGIN` section).
    pub sequences: Option<crate::FastaSummary>,
}

/// The name of the sequences dataset beside feature table `table`.
pub fn sequences_name(table: &str) -> String {
    format!("{table}.sequences")
}

/// A feature being read: its lines and where they start.
struct Pending {
    lines: Vec<String>,
    start: u64,
    end: u64,
    line_no: u64,
}

/// Whether a quoted qualifier text (`/k="...`) is complete: it ends in a
/// closing quote (an even count of `"`, doubled ones counting two).
fn closed(value: &str) -> bool {
    !value.starts_with('"')
        || (value.len() >= 2
            && value.ends_with('"')
            && value.matches('"').count().is_multiple_of(2))
}

/// A parsed feature: key, location and qualifier (key, value) pairs.
type ParsedFeature = (String, String, Vec<(String, String)>);

/// Key, location and qualifier pairs of a feature's lines.
fn parse_feature(
    path: &Path,
    row: u64,
    line_no: u64,
    lines: &[String],
) -> gcol_writer::Result<ParsedFeature> {
    let first = lines[0].trim_start();
    let (key, rest) = first.split_once(char::is_whitespace).unwrap_or((first, ""));
    let mut location = rest.trim().to_string();
    let mut i = 1;
    let open = |l: &str| l.matches('(').count() > l.matches(')').count() || l.ends_with(',');
    while i < lines.len() && open(&location) && !lines[i].trim_start().starts_with('/') {
        location.push_str(lines[i].trim());
        i += 1;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    let finish = |q: (String, String), pairs: &mut Vec<(String, String)>| {
        let (k, v) = q;
        let v = if v.starts_with('"') && v.len() >= 2 && v.ends_with('"') {
            v[1..v.len() - 1].replace("\"\"", "\"")
        } else {
            v
        };
        pairs.push((k, v));
    };
    for (k, line) in lines.iter().enumerate().skip(i) {
        let text = line.trim();
        let continues = current.as_ref().is_some_and(|(_, v)| !closed(v));
        if !continues && text.starts_with('/') {
            if let Some(q) = current.take() {
                finish(q, &mut pairs);
            }
            let body = &text[1..];
            current = Some(match body.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (body.to_string(), String::new()),
            });
        } else if let Some((key, value)) = current.as_mut() {
            if key != "translation" {
                value.push(' ');
            }
            value.push_str(text);
        } else {
            return Err(input_error(
                path,
                row,
                line_no + k as u64,
                "qualifier",
                format!("{text:?} is neither a location nor a /qualifier"),
            ));
        }
    }
    if let Some(q) = current.take() {
        finish(q, &mut pairs);
    }
    if key.is_empty() {
        return Err(input_error(
            path,
            row,
            line_no,
            "key",
            "a feature line without a key",
        ));
    }
    Ok((key.to_string(), location, pairs))
}

/// The state of the parser within a record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Header,
    Features,
    Origin,
}

/// One record's identity: the sequence name and whether it is protein.
#[derive(Default)]
struct RecordInfo {
    locus: String,
    accession: String,
    version: String,
    definition: String,
    protein: bool,
}

impl RecordInfo {
    /// The name features and sequences go by: the `VERSION`
    /// (accession.version), else the first accession, else the LOCUS name.
    fn seqid(&self) -> String {
        [&self.version, &self.accession, &self.locus]
            .into_iter()
            .find(|s| !s.is_empty())
            .cloned()
            .unwrap_or_default()
    }
}

/// Import a GenBank flat file: sequences (dataset
/// [`sequences_name`]`(name)`) first, then the feature table `name`.
pub fn import_genbank<W: std::io::Write>(
    writer: &mut Writer<W>,
    mut input: Input,
    options: &TableOptions,
    progress: Progress<'_>,
) -> gcol_writer::Result<GenBankSummary> {
    let path = input.path().to_path_buf();
    let size = input.size();
    let mut rows: Vec<FeatureRow> = Vec::new();
    let mut comments: Vec<(u64, String)> = Vec::new();
    let mut fasta: Vec<u8> = Vec::new();
    let mut source = super::features::SourceLines::new();
    let mut section = Section::Header;
    let mut record = RecordInfo::default();
    let mut in_definition = false;
    let mut pending: Option<Pending> = None;
    let mut origin: Vec<String> = Vec::new();
    let mut records = 0u64;
    // Each sequence section's (record number, ORIGIN line), to name the
    // GenBank record when its sequence is refused.
    let mut sections: Vec<(u64, u64)> = Vec::new();
    let mut any_protein = false;
    let finish_feature =
        |p: Pending, record: &RecordInfo, rows: &mut Vec<FeatureRow>| -> gcol_writer::Result<()> {
            let row = rows.len() as u64 + 1;
            let (kind, location, pairs) = parse_feature(&path, row, p.line_no, &p.lines)?;
            let written = p.lines.join("\n");
            let canonical = feature_text(&kind, &location, &pairs);
            let extent = location_extent(&location);
            let strand = extent
                .and_then(|e| e.strand)
                .filter(|_| !record.protein)
                .map(|s| s.to_string());
            rows.push(FeatureRow {
                seqid: record.seqid(),
                source: "GenBank".into(),
                start: extent.map(|e| e.start),
                end: extent.map(|e| e.end),
                strand,
                line: (canonical != written).then_some(written),
                location: Some(location),
                kind,
                pairs,
                span: (p.start, p.end),
                ..FeatureRow::default()
            });
            Ok(())
        };
    while let Some(l) = source.next(&mut input, records + 1)? {
        // A line keeping its `\r` (an odd line end) is stored with it;
        // the parser trims it as white space.
        let stored = l.stored();
        let (line, line_no, start, end) = (&*stored, l.line_no, l.start, l.end);
        if line_no.is_multiple_of(65_536) {
            crate::check_cancel(options.cancel.as_ref())?;
            progress(input.consumed(), size);
        }
        let indented = line.starts_with(' ');
        if section == Section::Features && indented && !line.trim().is_empty() {
            let indent = line.len() - line.trim_start().len();
            if indent < QUALIFIER_COLUMN {
                if let Some(p) = pending.take() {
                    finish_feature(p, &record, &mut rows)?;
                }
                pending = Some(Pending {
                    lines: vec![line.to_string()],
                    start,
                    end,
                    line_no,
                });
            } else if let Some(p) = pending.as_mut() {
                p.lines.push(line.to_string());
                p.end = end;
            } else {
                return Err(input_error(
                    &path,
                    records + 1,
                    line_no,
                    "feature",
                    "a continuation line before any feature key",
                ));
            }
            continue;
        }
        if let Some(p) = pending.take() {
            finish_feature(p, &record, &mut rows)?;
        }
        if section == Section::Origin && !line.starts_with("//") {
            origin.push(line.to_string());
            continue;
        }
        if line.starts_with("//") {
            if section == Section::Origin {
                let residues: Vec<u8> = origin
                    .iter()
                    .flat_map(|l| l.bytes())
                    .filter(|b| !b.is_ascii_digit() && !b.is_ascii_whitespace())
                    .collect();
                // A block in the canonical layout is rebuilt from the
                // sequence on export; any other is kept line for line.
                if origin_lines(&residues) != origin {
                    for l in origin.drain(..) {
                        comments.push((rows.len() as u64, l));
                    }
                }
                origin.clear();
                fasta.push(b'>');
                fasta.extend_from_slice(record.seqid().as_bytes());
                if !record.definition.is_empty() {
                    fasta.push(b' ');
                    fasta.extend_from_slice(record.definition.as_bytes());
                }
                fasta.push(b'\n');
                for chunk in residues.chunks(60) {
                    fasta.extend(chunk.iter().map(u8::to_ascii_uppercase));
                    fasta.push(b'\n');
                }
            }
            comments.push((rows.len() as u64, line.to_string()));
            section = Section::Header;
            record = RecordInfo::default();
            records += 1;
            continue;
        }
        comments.push((rows.len() as u64, line.to_string()));
        let word = line.split_whitespace().next().unwrap_or("");
        if !indented {
            in_definition = word == "DEFINITION";
        }
        match word {
            "LOCUS" if !indented => {
                let fields: Vec<&str> = line.split_whitespace().collect();
                record.locus = fields.get(1).unwrap_or(&"").to_string();
                record.protein = fields.get(3) == Some(&"aa");
            }
            "ACCESSION" if !indented => {
                record.accession = line.split_whitespace().nth(1).unwrap_or("").to_string();
            }
            "VERSION" if !indented => {
                record.version = line.split_whitespace().nth(1).unwrap_or("").to_string();
            }
            "FEATURES" if !indented => section = Section::Features,
            _ if is_origin_line(line) => {
                section = Section::Origin;
                sections.push((records + 1, line_no));
                any_protein |= record.protein;
            }
            _ if !indented && section == Section::Features => section = Section::Header,
            _ => {}
        }
        if in_definition {
            let text = if indented {
                line.trim()
            } else {
                line[word.len()..].trim()
            };
            if !record.definition.is_empty() {
                record.definition.push(' ');
            }
            record.definition.push_str(text);
        }
    }
    if let Some(p) = pending.take() {
        finish_feature(p, &record, &mut rows)?;
    }
    if section == Section::Origin || !record.locus.is_empty() {
        return Err(input_error(
            &path,
            records + 1,
            source.line_no,
            "//",
            format!(
                "the file ends inside record {:?} without its closing // line (truncated?)",
                record.seqid()
            ),
        ));
    }
    if !sections.is_empty() && records == 0 {
        return Err(input_error(
            &path,
            1,
            source.line_no,
            "record",
            "no record ends with //",
        ));
    }
    write_annotation(
        writer,
        &input,
        options,
        Annotation {
            rows,
            comments,
            fasta,
            sections,
            protein: any_protein,
            source_format: "genbank",
            line_end: source.line_end(),
            final_newline: source.final_newline,
            input_bytes: source.offset,
            warnings: source.warning().into_iter().collect(),
            sequence_field: "ORIGIN",
            owners: &["gene"],
        },
        progress,
    )
}

/// A parsed annotation file (GenBank, antiSMASH JSON): its feature rows,
/// comment pieces, and the FASTA text of its record sequences.
pub(crate) struct Annotation {
    pub rows: Vec<FeatureRow>,
    pub comments: Vec<(u64, String)>,
    /// FASTA text of the sequence records, in the order of their sections.
    pub fasta: Vec<u8>,
    /// Each sequence record's (source record number, line), to name it
    /// when its sequence is refused.
    pub sections: Vec<(u64, u64)>,
    /// Whether the sequences are protein.
    pub protein: bool,
    pub source_format: &'static str,
    pub line_end: &'static str,
    pub final_newline: bool,
    /// Decompressed bytes read.
    pub input_bytes: u64,
    /// Warnings for the user.
    pub warnings: Vec<String>,
    /// The field a refused sequence is named by.
    pub sequence_field: &'static str,
    /// Feature types that own others by tag ([`link_parents`]).
    pub owners: &'static [&'static str],
}

/// Link features to their owners by tag (spec 17.4, 17.9): a feature's
/// tag is its first `locus_tag` value, else its first `gene` value; a
/// feature whose type is `owners[k]` has its tag as `id` and as parent
/// the first row of type `owners[j]` (j < k, the lowest j first) with the
/// same seqid and id; any other feature has as parent the first such row
/// of any owner type, the lowest first.
pub(crate) fn link_parents(rows: &mut [FeatureRow], owners: &[&str]) {
    let tag = |r: &FeatureRow| {
        r.pairs
            .iter()
            .find(|(k, _)| k == "locus_tag")
            .or_else(|| r.pairs.iter().find(|(k, _)| k == "gene"))
            .map(|(_, v)| v.clone())
    };
    // Per owner type: (seqid, id) -> first row.
    let mut found: Vec<HashMap<(String, String), u32>> = vec![HashMap::new(); owners.len()];
    for (i, r) in rows.iter_mut().enumerate() {
        if let Some(k) = owners.iter().position(|o| *o == r.kind) {
            r.id = tag(r);
            if let Some(id) = &r.id {
                found[k]
                    .entry((r.seqid.clone(), id.clone()))
                    .or_insert(i as u32);
            }
        }
    }
    for r in rows.iter_mut() {
        let rank = owners
            .iter()
            .position(|o| *o == r.kind)
            .unwrap_or(owners.len());
        let Some(t) = tag(r) else { continue };
        let key = (r.seqid.clone(), t);
        if let Some(&p) = found[..rank].iter().find_map(|m| m.get(&key)) {
            r.parents.push(p);
        }
    }
}

/// Write an [`Annotation`]: the feature table `options.name` (first: its
/// columns set the file's format version) and, when it has sequences,
/// the sequences dataset [`sequences_name`].
pub(crate) fn write_annotation<W: std::io::Write>(
    writer: &mut Writer<W>,
    input: &Input,
    options: &TableOptions,
    mut a: Annotation,
    progress: Progress<'_>,
) -> gcol_writer::Result<GenBankSummary> {
    let path = input.path().to_path_buf();
    if a.rows.len() as u64 > u64::from(u32::MAX) {
        return Err(input_error(
            &path,
            0,
            0,
            "row",
            "a table holds at most 2^32 - 1 rows",
        ));
    }
    link_parents(&mut a.rows, a.owners);
    let level = options.zstd_level.max(1);
    let n = a.rows.len() as u64;
    let has_sequences = !a.sections.is_empty();
    let mut spec = DatasetSpec::new(&options.name, gcol_format::schema::table::KIND)
        .metadata(meta::SOURCE_FORMAT, a.source_format)
        .metadata(meta::SCHEMA, "features")
        .metadata(meta::LINE_END, a.line_end)
        .metadata(meta::FINAL_NEWLINE, a.final_newline.to_string());
    if has_sequences {
        spec = spec.metadata(meta::SEQUENCES, sequences_name(&options.name));
    }
    write_features(writer, spec, a.rows, a.comments, true, level)?;
    let sequences = if has_sequences {
        let mut o = crate::FastaOptions::new(sequences_name(&options.name));
        o.names = crate::NamePolicy::Lenient;
        o.cancel = options.cancel.clone();
        o.source_format = a.source_format;
        o.provenance = false;
        if a.protein {
            o.alphabet = crate::Alphabet::Protein;
        }
        let (sections, field) = (a.sections, a.sequence_field);
        let from = Input::from_bytes(path.clone(), a.fasta);
        let summary =
            crate::import_fasta_from(writer, from, &o, &|_, _| {}).map_err(|e| match e {
                // The FASTA text is ours: name the source record and line.
                gcol_writer::Error::Input { record, detail, .. }
                    if record >= 1 && record as usize <= sections.len() =>
                {
                    let (record, line) = sections[record as usize - 1];
                    input_error(&path, record, line, field, detail)
                }
                e => e,
            })?;
        Some(summary)
    } else {
        None
    };
    progress(input.consumed(), input.size());
    let mut datasets = vec![options.name.clone()];
    datasets.extend(sequences.iter().map(|s| s.dataset.clone()));
    super::provenance_of(writer, input, datasets, a.source_format);
    Ok(GenBankSummary {
        table: TableSummary {
            dataset: options.name.clone(),
            rows: n,
            columns: gcol_format::schema::table::FEATURES.columns.len() as u64,
            source_bytes: input.consumed(),
            input_bytes: a.input_bytes,
            warnings: a.warnings,
        },
        sequences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers() {
        let lines: Vec<String> = [
            "     CDS             join(1..10,",
            "                     20..30)",
            "                     /note=\"a /b",
            "                     c \"\"d\"\"\"",
            "                     /translation=\"MK",
            "                     LV\"",
            "                     /pseudo",
            "                     /codon_start=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (key, location, pairs) = parse_feature(Path::new("x"), 1, 1, &lines).unwrap();
        assert_eq!(key, "CDS");
        assert_eq!(location, "join(1..10,20..30)");
        assert_eq!(
            pairs,
            [
                ("note".into(), "a /b c \"d\"".into()),
                ("translation".into(), "MKLV".into()),
                ("pseudo".into(), String::new()),
                ("codon_start".into(), "1".into()),
            ]
        );
    }
}
