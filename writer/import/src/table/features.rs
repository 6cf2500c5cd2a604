//! Writing a `features` table (spec 17.3) from parsed rows: one writer for
//! the GFF3/GTF and GenBank importers.

use std::io::BufRead;

use gcol_format::schema::table::{columns as c, FEATURES};
use gcol_writer::{DatasetSpec, Writer};

use super::{write_columns, write_index, Columns};
use crate::typed::Value;

/// The lines of a feature file (GFF3/GTF, GenBank) with what a byte-exact
/// export needs: each line's text without its line end, its byte offset,
/// the file's line end (the first line's) and whether the last line had
/// one.
pub(crate) struct SourceLines {
    buf: Vec<u8>,
    /// Bytes read so far.
    pub offset: u64,
    /// Lines read so far (the current line's 1-based number).
    pub line_no: u64,
    /// Whether the first line ended in `\r\n` (None before one ended).
    pub crlf: Option<bool>,
    /// Whether the last line read ended in `\n`.
    pub final_newline: bool,
    /// Lines ending in `\n` alone in a file whose first line ended in
    /// `\r\n`: the export writes `\r\n` there ([`SourceLines::warning`]).
    pub lf_in_crlf: u64,
}

/// One line of [`SourceLines`].
pub(crate) struct SourceLine<'a> {
    /// The text, line end excluded.
    pub text: &'a str,
    /// Byte offset of its first byte.
    pub start: u64,
    /// Byte offset after its last byte (line end excluded).
    pub end: u64,
    /// Its 1-based line number.
    pub line_no: u64,
    /// Whether it ended in `\r\n` in a file whose first line ended in
    /// `\n` alone: its stored text must keep the `\r` (spec 17.3).
    pub keeps_cr: bool,
}

impl SourceLine<'_> {
    /// The text as it is stored: with its `\r` where [`Self::keeps_cr`].
    pub(crate) fn stored(&self) -> std::borrow::Cow<'_, str> {
        if self.keeps_cr {
            std::borrow::Cow::Owned(format!("{}\r", self.text))
        } else {
            std::borrow::Cow::Borrowed(self.text)
        }
    }
}

impl SourceLines {
    pub(crate) fn new() -> SourceLines {
        SourceLines {
            buf: Vec::new(),
            offset: 0,
            line_no: 0,
            crlf: None,
            final_newline: true,
            lf_in_crlf: 0,
        }
    }

    /// The next line, or `None` at the end; a line that is not UTF-8 is
    /// an error naming `record` and the line.
    pub(crate) fn next(
        &mut self,
        input: &mut crate::input::Input,
        record: u64,
    ) -> gcol_writer::Result<Option<SourceLine<'_>>> {
        self.buf.clear();
        let n = input
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| gcol_writer::Error::Source {
                path: input.path().to_path_buf(),
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        let start = self.offset;
        self.offset += n as u64;
        let mut end = self.buf.len();
        let mut keeps_cr = false;
        self.final_newline = self.buf.ends_with(b"\n");
        if self.final_newline {
            end -= 1;
            let cr = self.buf[..end].ends_with(b"\r");
            let file_crlf = *self.crlf.get_or_insert(cr);
            if cr {
                end -= 1;
            }
            keeps_cr = cr && !file_crlf;
            self.lf_in_crlf += u64::from(!cr && file_crlf);
        }
        let text = std::str::from_utf8(&self.buf[..end]).map_err(|_| {
            crate::graph::input_error(input.path(), record, self.line_no, "line", "not UTF-8 text")
        })?;
        Ok(Some(SourceLine {
            text,
            start,
            end: start + end as u64,
            line_no: self.line_no,
            keeps_cr,
        }))
    }

    /// A warning for a file whose line ends the export cannot give back:
    /// lines ending in `\n` alone after a first line ending in `\r\n`.
    pub(crate) fn warning(&self) -> Option<String> {
        (self.lf_in_crlf > 0).then(|| {
            format!(
                "lines ending in LF alone ({}) in a file whose first line ends in CRLF: the export writes CRLF there",
                self.lf_in_crlf
            )
        })
    }

    /// The `line_end` metadata value.
    pub(crate) fn line_end(&self) -> &'static str {
        if self.crlf == Some(true) {
            "\r\n"
        } else {
            "\n"
        }
    }
}

/// One feature, parsed by an importer.
#[derive(Debug, Default)]
pub(crate) struct FeatureRow {
    pub seqid: String,
    pub source: String,
    pub kind: String,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub score: Option<f64>,
    pub strand: Option<String>,
    pub phase: Option<i64>,
    /// The attributes column as written, where it is not canonical.
    pub attributes: Option<String>,
    /// GenBank: the location as written.
    pub location: Option<String>,
    pub pairs: Vec<(String, String)>,
    pub id: Option<String>,
    pub parents: Vec<u32>,
    /// The record's text as written, where it is not canonical.
    pub line: Option<String>,
    pub span: (u64, u64),
}

fn kind(name: &str) -> &'static str {
    FEATURES.column(name).logical_type
}

/// Write `rows` as a `features` table with its comment lines (text, and
/// the row each comes before) and its attribute index. `with_location`
/// adds the `location` column (GenBank).
pub(crate) fn write_features<W: std::io::Write>(
    writer: &mut Writer<W>,
    spec: DatasetSpec,
    rows: Vec<FeatureRow>,
    comments: Vec<(u64, String)>,
    with_location: bool,
    level: i32,
) -> gcol_writer::Result<gcol_writer::DatasetId> {
    let n = rows.len() as u64;
    let mut columns = Columns::default();
    let str_col = |f: fn(&FeatureRow) -> Option<&String>| -> Vec<Option<Value>> {
        rows.iter().map(|r| f(r).cloned().map(Value::Str)).collect()
    };
    let int_col = |f: fn(&FeatureRow) -> Option<i64>| -> Vec<Option<Value>> {
        rows.iter().map(|r| f(r).map(Value::Int)).collect()
    };
    columns.push_typed(c::SEQID, kind(c::SEQID), str_col(|r| Some(&r.seqid)));
    columns.push_typed(c::SOURCE, kind(c::SOURCE), str_col(|r| Some(&r.source)));
    columns.push_typed(c::TYPE, kind(c::TYPE), str_col(|r| Some(&r.kind)));
    columns.push_typed(c::START, kind(c::START), int_col(|r| r.start));
    columns.push_typed(c::END, kind(c::END), int_col(|r| r.end));
    columns.push_typed(
        c::SCORE,
        kind(c::SCORE),
        rows.iter().map(|r| r.score.map(Value::Float)).collect(),
    );
    columns.push_typed(c::STRAND, kind(c::STRAND), str_col(|r| r.strand.as_ref()));
    columns.push_typed(c::PHASE, kind(c::PHASE), int_col(|r| r.phase));
    columns.push_typed(
        c::ATTRIBUTES,
        kind(c::ATTRIBUTES),
        str_col(|r| r.attributes.as_ref()),
    );
    let list = |f: fn(&(String, String)) -> &String| -> Vec<Option<Value>> {
        rows.iter()
            .map(|r| {
                Some(Value::List(
                    r.pairs.iter().map(|p| Value::Str(f(p).clone())).collect(),
                ))
            })
            .collect()
    };
    columns.push_typed(c::ATTR_KEYS, kind(c::ATTR_KEYS), list(|p| &p.0));
    columns.push_typed(c::ATTR_VALUES, kind(c::ATTR_VALUES), list(|p| &p.1));
    columns.push_typed(c::ID, kind(c::ID), str_col(|r| r.id.as_ref()));
    columns.push_typed(
        c::PARENTS,
        kind(c::PARENTS),
        rows.iter()
            .map(|r| {
                Some(Value::List(
                    r.parents
                        .iter()
                        .map(|&p| Value::Int(i64::from(p)))
                        .collect(),
                ))
            })
            .collect(),
    );
    columns.push_typed(c::LINE, kind(c::LINE), str_col(|r| r.line.as_ref()));
    if with_location {
        columns.push_typed(
            c::LOCATION,
            kind(c::LOCATION),
            str_col(|r| r.location.as_ref()),
        );
    }
    columns.push_typed(
        c::SOURCE_START,
        kind(c::SOURCE_START),
        int_col(|r| Some(r.span.0 as i64)),
    );
    columns.push_typed(
        c::SOURCE_END,
        kind(c::SOURCE_END),
        int_col(|r| Some(r.span.1 as i64)),
    );
    let d = write_columns(writer, spec, n, &columns, level)?;
    drop(columns);
    let (comment_rows, comment_text): (Vec<Option<Value>>, Vec<Option<Value>>) = comments
        .into_iter()
        .map(|(r, t)| (Some(Value::Int(r as i64)), Some(Value::Str(t))))
        .unzip();
    crate::typed::write_declared(
        writer,
        d,
        c::COMMENT_ROW,
        comment_rows.iter().map(Option::as_ref),
        level,
        None,
        Some("int64"),
    )?;
    crate::typed::write_declared(
        writer,
        d,
        c::COMMENT_TEXT,
        comment_text.iter().map(Option::as_ref),
        level,
        None,
        Some("string"),
    )?;
    let pairs: Vec<(u32, String, String)> = rows
        .into_iter()
        .enumerate()
        .flat_map(|(row, f)| f.pairs.into_iter().map(move |(k, v)| (row as u32, k, v)))
        .collect();
    write_index(writer, d, pairs, level)?;
    Ok(d)
}
