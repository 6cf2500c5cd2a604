//! GFF3 and GTF annotations as `features` tables (spec 17.3): one row per
//! feature line with its nine columns typed, the attributes kept as
//! written and flattened into name/value lists, the `ID` (or GTF gene and
//! transcript ids) and the rows of each feature's parents, and the byte
//! span of the line in the source text; other lines (comments,
//! directives, a `##FASTA` section) are kept with their place, so the
//! export writes the file back line for line.
//!
//! Our own line parser, not noodles-gff: it must give each record's byte
//! offsets and accept the dialects of real files (GFF2-style attributes,
//! keys without values, attributes with spaces) that a strict GFF3 parser
//! refuses.

use std::collections::HashMap;
use std::path::Path;

use gcol_format::schema::table::{canonical_attributes, meta};
use gcol_writer::{DatasetSpec, Writer};

use super::features::{write_features, FeatureRow};
use super::{provenance, TableOptions, TableSummary};
use crate::graph::input_error;
use crate::input::Input;
use crate::Progress;

/// GFF3's percent-decoding (`%3B` is `;`); malformed escapes stay as text.
fn unescape(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Name/value pairs of a GFF3 attributes column (`ID=a;Parent=b,c`:
/// multiple values split; a token without `=` is a name with an empty value).
fn gff3_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for token in text.split(';') {
        let token = token.trim();
        if token.is_empty() {
            continue;
        }
        match token.split_once('=') {
            Some((k, v)) => {
                let key = unescape(k.trim());
                for value in v.split(',') {
                    out.push((key.clone(), unescape(value.trim())));
                }
            }
            None => out.push((unescape(token), String::new())),
        }
    }
    out
}

/// `text` cut at each `;` that is not inside double quotes.
fn gtf_tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                tokens.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    tokens.push(&text[start..]);
    tokens
}

/// Name/value pairs of a GTF attributes column (`gene_id "g1"; exon 2;`;
/// a `;` inside a quoted value belongs to the value).
fn gtf_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for token in gtf_tokens(text) {
        let token = token.trim();
        if token.is_empty() {
            continue;
        }
        let (key, value) = match token.split_once(char::is_whitespace) {
            Some((k, v)) => (k, v.trim()),
            None => (token, ""),
        };
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.push((key.to_string(), value.to_string()));
    }
    out
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// One feature line, parsed.
struct Feature {
    fields: [String; 9],
    /// The line as written, when the typed columns do not rebuild it.
    raw: Option<String>,
    pairs: Vec<(String, String)>,
    span: (u64, u64),
}

fn parse_line(
    path: &Path,
    row: u64,
    line_no: u64,
    line: &str,
    gtf: bool,
) -> gcol_writer::Result<Feature> {
    let Some(parts) = crate::detect::feature_fields(line.as_bytes()) else {
        return Err(input_error(
            path,
            row,
            line_no,
            "columns",
            format!(
                "{} tab-separated columns, a feature line has 9",
                line.split('\t').count()
            ),
        ));
    };
    // Fields are whole UTF-8 pieces of the line, cut at ASCII bytes.
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| std::str::from_utf8(p).expect("cut at ASCII bytes"))
        .collect();
    let bad = |field: &'static str, detail: String| input_error(path, row, line_no, field, detail);
    for (i, name) in [(3usize, "start"), (4, "end")] {
        if parts[i].trim().parse::<i64>().is_err() {
            return Err(bad(name, format!("{:?} is not an integer", parts[i])));
        }
    }
    if parts[5] != "." && parts[5].trim().parse::<f64>().is_err() {
        return Err(bad(
            "score",
            format!("{:?} is not a number or '.'", parts[5]),
        ));
    }
    if parts[7].trim() != "." && !matches!(parts[7].trim(), "0" | "1" | "2") {
        return Err(bad(
            "phase",
            format!("{:?} is not 0, 1, 2 or '.'", parts[7]),
        ));
    }
    let pairs = if gtf {
        gtf_pairs(parts[8])
    } else {
        gff3_pairs(parts[8])
    };
    let fields: [String; 9] = std::array::from_fn(|i| parts[i].to_string());
    let int = |i: usize| fields[i].trim().parse::<i64>().ok();
    let dotted = |i: usize| (fields[i].trim() != ".").then_some(fields[i].as_str());
    let rebuilt = gcol_format::schema::table::feature_line(
        &fields[0],
        &fields[1],
        &fields[2],
        int(3),
        int(4),
        fields[5].trim().parse::<f64>().ok(),
        dotted(6),
        int(7),
        &fields[8],
    );
    Ok(Feature {
        raw: (rebuilt != line).then(|| line.to_string()),
        fields,
        pairs,
        span: (0, 0),
    })
}

/// Import a GFF3 (`gtf` false) or GTF annotation.
pub fn import_features<W: std::io::Write>(
    writer: &mut Writer<W>,
    mut input: Input,
    gtf: bool,
    options: &TableOptions,
    progress: Progress<'_>,
) -> gcol_writer::Result<TableSummary> {
    let path = input.path().to_path_buf();
    let size = input.size();
    let mut features: Vec<Feature> = Vec::new();
    let mut comments: Vec<(u64, String)> = Vec::new();
    let mut lines = super::features::SourceLines::new();
    let mut fasta = false;
    while let Some(l) = lines.next(&mut input, features.len() as u64 + 1)? {
        let (line, line_no) = (l.text, l.line_no);
        if line_no.is_multiple_of(65_536) {
            crate::check_cancel(options.cancel.as_ref())?;
            progress(input.consumed(), size);
        }
        if fasta || line.is_empty() || line.starts_with('#') || line.starts_with('>') {
            // `##FASTA`, or a FASTA header, starts the sequences at the end.
            fasta |= line.starts_with("##FASTA") || line.starts_with('>');
            comments.push((features.len() as u64, l.stored().into_owned()));
            continue;
        }
        let mut f = parse_line(&path, features.len() as u64 + 1, line_no, line, gtf)?;
        f.span = (l.start, l.end);
        if l.keeps_cr {
            f.raw = Some(l.stored().into_owned());
        }
        features.push(f);
    }
    if features.len() as u64 > u64::from(u32::MAX) {
        return Err(input_error(
            &path,
            0,
            0,
            "row",
            "a table holds at most 2^32 - 1 rows",
        ));
    }
    // Ids and parents.
    let id_of = |f: &Feature| -> Option<String> {
        if gtf {
            match f.fields[2].as_str() {
                "gene" => first(&f.pairs, "gene_id").map(str::to_string),
                "transcript" | "mRNA" => first(&f.pairs, "transcript_id").map(str::to_string),
                _ => None,
            }
        } else {
            first(&f.pairs, "ID").map(str::to_string)
        }
    };
    let ids: Vec<Option<String>> = features.iter().map(id_of).collect();
    let mut rows_of: HashMap<(&str, &str), u32> = HashMap::new();
    for (row, (f, id)) in features.iter().zip(&ids).enumerate() {
        if let Some(id) = id {
            // GTF ids are per type of feature; GFF3 ids are global.
            let space = if gtf { f.fields[2].as_str() } else { "" };
            let space = if space == "mRNA" { "transcript" } else { space };
            rows_of.entry((space, id.as_str())).or_insert(row as u32);
        }
    }
    let mut unresolved = 0u64;
    let mut example = None;
    let parents: Vec<Vec<u32>> = features
        .iter()
        .map(|f| {
            let wanted: Vec<(&str, &str)> = if gtf {
                match f.fields[2].as_str() {
                    "gene" => Vec::new(),
                    "transcript" | "mRNA" => first(&f.pairs, "gene_id")
                        .map(|g| ("gene", g))
                        .into_iter()
                        .collect(),
                    _ => first(&f.pairs, "transcript_id")
                        .map(|t| ("transcript", t))
                        .into_iter()
                        .collect(),
                }
            } else {
                f.pairs
                    .iter()
                    .filter(|(k, _)| k == "Parent")
                    .map(|(_, v)| ("", v.as_str()))
                    .collect()
            };
            let mut rows = Vec::new();
            for key in wanted {
                match rows_of.get(&key) {
                    Some(&r) => rows.push(r),
                    // GTF files often leave out gene and transcript lines.
                    None if gtf => {}
                    None => {
                        unresolved += 1;
                        example.get_or_insert_with(|| key.1.to_string());
                    }
                }
            }
            rows
        })
        .collect();
    let n = features.len() as u64;
    // GTF writers differ in one space after the last pair; the first
    // feature says which this file uses.
    let trailing_space = gtf
        && features
            .first()
            .is_some_and(|f| f.fields[8].ends_with("; "));
    let rows: Vec<FeatureRow> = features
        .into_iter()
        .zip(ids)
        .zip(parents)
        .map(|((f, id), parents)| {
            let [seqid, source, kind, start, end, score, strand, phase, attributes] = f.fields;
            let canonical = canonical_attributes(&f.pairs, gtf, trailing_space) == attributes;
            FeatureRow {
                start: start.trim().parse().ok(),
                end: end.trim().parse().ok(),
                score: score.trim().parse().ok(),
                strand: (strand.trim() != ".").then_some(strand),
                phase: phase.trim().parse().ok(),
                attributes: (!canonical).then_some(attributes),
                seqid,
                source,
                kind,
                location: None,
                pairs: f.pairs,
                id,
                parents,
                line: f.raw,
                span: f.span,
            }
        })
        .collect();
    let format = if gtf { "gtf" } else { "gff3" };
    let spec = DatasetSpec::new(&options.name, gcol_format::schema::table::KIND)
        .metadata(meta::SOURCE_FORMAT, format)
        .metadata(meta::SCHEMA, "features")
        .metadata(meta::LINE_END, lines.line_end())
        .metadata(meta::TRAILING_SPACE, trailing_space.to_string())
        .metadata(meta::FINAL_NEWLINE, lines.final_newline.to_string());
    let level = options.zstd_level.max(1);
    write_features(writer, spec, rows, comments, false, level)?;
    progress(input.consumed(), size);
    provenance(writer, &input, &options.name, format);
    let mut warnings: Vec<String> = lines.warning().into_iter().collect();
    if unresolved > 0 {
        warnings.push(format!(
            "{unresolved} Parent references name no ID of the file (first: {:?}); they are kept in the attributes only",
            example.unwrap_or_default()
        ));
    }
    Ok(TableSummary {
        dataset: options.name.clone(),
        rows: n,
        columns: gcol_format::schema::table::FEATURES.columns.len() as u64,
        source_bytes: input.consumed(),
        input_bytes: lines.offset,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_dialects() {
        assert_eq!(
            gff3_pairs("ID=a;Parent=b,c;Note=x%3By;flag"),
            [
                ("ID".into(), "a".into()),
                ("Parent".into(), "b".into()),
                ("Parent".into(), "c".into()),
                ("Note".into(), "x;y".into()),
                ("flag".into(), String::new()),
            ]
        );
        assert_eq!(
            gtf_pairs(r#"gene_id "g1"; transcript_id "t1"; exon_number 2;"#),
            [
                ("gene_id".into(), "g1".into()),
                ("transcript_id".into(), "t1".into()),
                ("exon_number".into(), "2".into()),
            ]
        );
        assert_eq!(unescape("a%2Cb%"), "a,b%");
        for text in ["ID=a;Parent=b,c;Note=x%3By", "ID=a%25"] {
            assert_eq!(canonical_attributes(&gff3_pairs(text), false, false), text);
        }
        let gtf = r#"gene_id "g1"; transcript_id "t1";"#;
        assert_eq!(canonical_attributes(&gtf_pairs(gtf), true, false), gtf);
        let ncbi = format!("{gtf} ");
        assert_eq!(canonical_attributes(&gtf_pairs(&ncbi), true, true), ncbi);
        // A `;` inside quotes is part of the value.
        let note = r#"gene_id "g1"; note "a; b"; tag x;"#;
        assert_eq!(
            gtf_pairs(note),
            [
                ("gene_id".into(), "g1".into()),
                ("note".into(), "a; b".into()),
                ("tag".into(), "x".into()),
            ]
        );
        assert_eq!(unescape("%zz"), "%zz");
    }
}
