//! antiSMASH results JSON (spec 17.9) as a `features` table and a
//! `sequences` dataset: one table row per feature object of every record
//! (type, Biopython location, qualifiers as attribute pairs, extent and
//! strand, the CDS or gene it belongs to by `locus_tag`), the records'
//! `seq.data` strings as sequence records, and every other byte of the
//! document (results of the analysis modules, timings, annotations) kept
//! as comment pieces in place, so the export writes the file back byte
//! for byte.
//!
//! serde_json parses the document; its `RawValue` gives each feature's
//! exact text and byte span without a second parser of our own.

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use gcol_format::schema::antismash::{feature_json, location_extent, opens_sequence, SOURCE};
use gcol_writer::Writer;

use super::features::FeatureRow;
use super::genbank::{write_annotation, Annotation, GenBankSummary};
use super::TableOptions;
use crate::graph::input_error;
use crate::input::Input;
use crate::Progress;

/// An object's members in document order, values unparsed.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> Members<'a> {
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// The items of an array, unparsed.
struct Items<'a>(Vec<&'a RawValue>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Items<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<&'de RawValue>()? {
                    out.push(v);
                }
                Ok(Items(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A string value, or `None` for any other JSON value.
fn string(raw: Option<&RawValue>) -> Option<String> {
    raw.and_then(|r| serde_json::from_str::<String>(r.get()).ok())
}

/// Where `part` (a slice of `text`) starts in it.
fn offset_in(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// Whether a sequence string is stored as a sequence record: plain
/// residue letters (and `*`, `-`), no escapes.
fn plain_residues(inner: &str) -> bool {
    inner
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'*' || b == b'-')
}

/// Something cut out of the document text.
enum Cut {
    /// A feature object (the next row).
    Feature,
    /// A record's sequence string (without its quotes): its FASTA
    /// record text, its record number, and whether it is protein.
    Sequence(Vec<u8>, u64, bool),
}

/// Import an antiSMASH results JSON document: the feature table `name`,
/// then the record sequences (dataset `NAME.sequences`).
pub fn import_antismash<W: std::io::Write>(
    writer: &mut Writer<W>,
    mut input: Input,
    options: &TableOptions,
    progress: Progress<'_>,
) -> gcol_writer::Result<GenBankSummary> {
    let path = input.path().to_path_buf();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut input.reader, &mut bytes).map_err(|source| {
        gcol_writer::Error::Source {
            path: path.clone(),
            source,
        }
    })?;
    progress(input.consumed(), input.size());
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| input_error(&path, 0, 0, "document", format!("not UTF-8 text ({e})")))?;
    // The whole document is checked here, so later errors are of shape,
    // not syntax (and their lines would be within a part): named by record.
    let top: Members = serde_json::from_str(text)
        .map_err(|e| input_error(&path, 0, e.line() as u64, "document", e.to_string()))?;
    let json_error = |record: u64, field: &'static str, e: serde_json::Error| {
        let detail = e.to_string();
        let detail = detail
            .split(" at line ")
            .next()
            .unwrap_or(&detail)
            .to_string();
        input_error(&path, record, 0, field, detail)
    };
    let records = top.get("records").ok_or_else(|| {
        input_error(
            &path,
            0,
            0,
            "records",
            "no \"records\" member: not antiSMASH results",
        )
    })?;
    let records: Items =
        serde_json::from_str(records.get()).map_err(|e| json_error(0, "records", e))?;
    let mut rows: Vec<FeatureRow> = Vec::new();
    let mut cuts: Vec<(usize, usize, Cut)> = Vec::new();
    let mut protein = false;
    for (r, raw) in records.0.iter().enumerate() {
        let number = r as u64 + 1;
        crate::check_cancel(options.cancel.as_ref())?;
        let record: Members =
            serde_json::from_str(raw.get()).map_err(|e| json_error(number, "record", e))?;
        let seqid = string(record.get("id")).unwrap_or_default();
        let mut record_protein = false;
        if let Some(seq) = record.get("seq") {
            let seq: Members =
                serde_json::from_str(seq.get()).map_err(|e| json_error(number, "seq", e))?;
            record_protein = string(seq.get("alphabet")).is_some_and(|a| a.contains("Protein"));
            let data = seq.get("data").map(RawValue::get);
            let description = string(record.get("description")).filter(|d| !d.is_empty());
            // A line break in the FASTA header would end it early and turn
            // the rest into residues: such a record's sequence stays text.
            let header_ok = !seqid.contains(['\n', '\r'])
                && !description
                    .as_deref()
                    .is_some_and(|d| d.contains(['\n', '\r']));
            if let Some(data) = data.filter(|d| d.len() >= 2 && d.starts_with('"') && header_ok) {
                let inner = &data[1..data.len() - 1];
                if plain_residues(inner) {
                    let mut fasta = format!(">{seqid}").into_bytes();
                    if let Some(d) = description {
                        fasta.push(b' ');
                        fasta.extend_from_slice(d.as_bytes());
                    }
                    fasta.push(b'\n');
                    for chunk in inner.as_bytes().chunks(60) {
                        fasta.extend_from_slice(chunk);
                        fasta.push(b'\n');
                    }
                    let start = offset_in(text, inner);
                    cuts.push((
                        start,
                        start + inner.len(),
                        Cut::Sequence(fasta, number, record_protein),
                    ));
                }
            }
        }
        let Some(features) = record.get("features") else {
            continue;
        };
        let features: Items =
            serde_json::from_str(features.get()).map_err(|e| json_error(number, "features", e))?;
        for feature in features.0 {
            let written = feature.get();
            let members: Members =
                serde_json::from_str(written).map_err(|e| json_error(number, "feature", e))?;
            let kind = string(members.get("type"));
            let location = string(members.get("location"));
            let mut pairs = Vec::new();
            if let Some(q) = members.get("qualifiers") {
                if let Ok(q) = serde_json::from_str::<Members>(q.get()) {
                    for (k, v) in q.0 {
                        match serde_json::from_str::<Vec<String>>(v.get()) {
                            Ok(values) => pairs.extend(values.into_iter().map(|v| (k.clone(), v))),
                            // Not a list of strings: kept as its JSON
                            // text (the feature's text is stored).
                            Err(_) => pairs.push((k, v.get().to_string())),
                        }
                    }
                }
            }
            let canonical = match (&kind, &location) {
                (Some(k), Some(l)) => feature_json(k, l, &pairs),
                _ => String::new(),
            };
            let extent = location.as_deref().and_then(location_extent);
            let start = offset_in(text, written);
            cuts.push((start, start + written.len(), Cut::Feature));
            rows.push(FeatureRow {
                seqid: seqid.clone(),
                source: SOURCE.into(),
                kind: kind.unwrap_or_default(),
                start: extent.map(|e| e.start),
                end: extent.map(|e| e.end),
                strand: extent
                    .and_then(|e| e.strand)
                    .filter(|_| !record_protein)
                    .map(|s| s.to_string()),
                line: (canonical != written).then(|| written.to_string()),
                location,
                pairs,
                span: (start as u64, (start + written.len()) as u64),
                ..FeatureRow::default()
            });
        }
    }
    // The text between cuts becomes comment pieces, in document order; a
    // sequence string is cut out only after a piece that opens it.
    cuts.sort_by_key(|c| c.0);
    let mut comments: Vec<(u64, String)> = Vec::new();
    let mut fasta = Vec::new();
    let mut sections = Vec::new();
    let mut at = 0usize;
    let mut features_before = 0u64;
    for (start, end, cut) in cuts {
        let piece = &text[at..start];
        if let Cut::Sequence(..) = &cut {
            if !opens_sequence(piece) {
                continue;
            }
        }
        comments.push((features_before, piece.to_string()));
        at = end;
        match cut {
            Cut::Feature => features_before += 1,
            Cut::Sequence(record, number, is_protein) => {
                protein |= is_protein;
                fasta.extend_from_slice(&record);
                sections.push((number, 0));
            }
        }
    }
    comments.push((features_before, text[at..].to_string()));
    write_annotation(
        writer,
        &input,
        options,
        Annotation {
            rows,
            comments,
            fasta,
            sections,
            protein,
            source_format: "antismash-json",
            line_end: "",
            final_newline: false,
            input_bytes: bytes.len() as u64,
            warnings: Vec::new(),
            sequence_field: "seq.data",
            owners: &["gene", "CDS"],
        },
        progress,
    )
}
