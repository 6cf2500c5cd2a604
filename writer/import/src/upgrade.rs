//! What `gcol upgrade` ([`crate::edit::upgrade`]) changes in a dataset
//! beyond copying its pages: the forms a later minor version replaced
//! (spec 9). A `sequences` dataset of the 1.0 layout stores a `name`
//! column that 1.2 derives from the definitions (12.2): left out. An
//! `alignments` dataset in the 1.5 form of 15.8 stores its differences
//! as bases: `seq` is written again without them and `seq_sub` holds
//! their substitution codes (`seq_offset` and `seq_diff` already have
//! their current values and are copied).

use std::io::Write;
use std::ops::Range;

use gcol_format::encoding::Encoding;
use gcol_format::manifest::Dataset;
use gcol_format::schema::{alignments, sequences};
use gcol_reader::alignments::{write_alignments, AlignmentExport, AlignmentOutput};
use gcol_reader::{Alignments, Reader};
use gcol_writer::{ColumnId, ColumnSpec, Writer};
use sha2::Digest;

/// Rows of alignments coded again at a time.
const PIECE_ROWS: u64 = 65_536;

/// What an upgrade does to one dataset besides copying its pages.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Columns left out (derived in the newest form).
    pub drop: Vec<String>,
    /// Alignments in the 1.5 form: `seq` written again, `seq_sub` added.
    pub recode_bases: bool,
}

/// The plan for `dataset` of `reader`.
pub(crate) fn plan(reader: &Reader, dataset: &Dataset) -> Result<Plan, gcol_reader::Error> {
    let has = |c: &str| dataset.columns.iter().any(|x| x.name == c);
    let mut plan = Plan::default();
    // A stored name always equals its definition's first token (12.2,
    // checked by the deep verification the source passed).
    if dataset.kind == sequences::KIND
        && has(sequences::columns::NAME)
        && has(sequences::columns::DEFINITION)
    {
        plan.drop.push(sequences::columns::NAME.to_string());
    }
    if dataset.kind == alignments::KIND {
        plan.recode_bases = Alignments::open(reader, &dataset.name)?.stores_differences_as_bases();
    }
    Ok(plan)
}

/// The new columns of an alignments dataset coded again.
#[derive(Debug, Default)]
pub(crate) struct RecodedColumns {
    /// `seq`: the stored bases without the differences.
    pub seq: Option<ColumnId>,
    /// `seq_sub`: one substitution code per difference.
    pub sub: Option<ColumnId>,
}

/// `seq_sub` as the alignments importer declares it.
pub(crate) fn seq_sub_spec(level: i32) -> ColumnSpec {
    ColumnSpec::of(alignments::SCHEMA.column(alignments::columns::SEQ_SUB))
        .encoding(Encoding::PLAIN.with_zstd(level))
}

/// A failure reading the source or writing the result.
pub(crate) enum Failure {
    Read(gcol_reader::Error),
    Write(gcol_writer::Error),
}

/// Write `seq` and `seq_sub` of alignments dataset `name` in the current
/// form of 15.8, `PIECE_ROWS` records at a time.
pub(crate) fn write_recoded<W: Write>(
    reader: &Reader,
    name: &str,
    columns: &RecodedColumns,
    writer: &mut Writer<W>,
) -> Result<(), Failure> {
    let (Some(seq), Some(sub)) = (columns.seq, columns.sub) else {
        return Err(Failure::Read(gcol_reader::Error::Invariant {
            column: format!("{name}/{}", alignments::columns::SEQ),
            row: 0,
            rule: "15.8 consensus coding",
            detail: "no seq or seq_diff column to code again".into(),
        }));
    };
    let a = Alignments::open(reader, name).map_err(Failure::Read)?;
    let rows = a.len();
    let mut start = 0;
    while start < rows {
        let piece: Range<u64> = start..rows.min(start + PIECE_ROWS);
        let recoded = a.recoded_bases(piece.clone()).map_err(Failure::Read)?;
        writer.push(seq, &recoded.stored).map_err(Failure::Write)?;
        writer.push(sub, &recoded.subs).map_err(Failure::Write)?;
        start = piece.end;
    }
    Ok(())
}

/// Pages of the columns written again in dataset `name` of the result.
pub(crate) fn pages_of(copy: &Reader, name: &str) -> u64 {
    [alignments::columns::SEQ, alignments::columns::SEQ_SUB]
        .iter()
        .filter_map(|c| copy.column(name, c).ok())
        .map(|c| c.num_pages())
        .sum()
}

/// SHA-256 of the SAM text (header included) of alignments `name`.
fn sam_digest(reader: &Reader, name: &str) -> Result<Vec<u8>, gcol_reader::Error> {
    struct Hashing(sha2::Sha256);
    impl Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let a = Alignments::open(reader, name)?;
    let export = AlignmentExport {
        header: true,
        ..Default::default()
    };
    let out = write_alignments(
        &a,
        &export,
        AlignmentOutput::Sam,
        Hashing(sha2::Sha256::new()),
    )?;
    Ok(out.0.finalize().to_vec())
}

/// Alignments `name` print the same SAM records from both files.
pub(crate) fn same_records(source: &Reader, copy: &Reader, name: &str) -> Result<(), String> {
    let a = sam_digest(source, name).map_err(|e| format!("dataset {name:?} of the source: {e}"))?;
    let b = sam_digest(copy, name).map_err(|e| format!("dataset {name:?} of the new file: {e}"))?;
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "dataset {name:?} prints other records than the source"
        ))
    }
}

/// Dataset `name` holds the same values in both files: equal content
/// hashes (8.5), or for a `sequences` dataset whose names became derived,
/// the same names (the hashes differ by design there).
pub(crate) fn same_content(source: &Reader, copy: &Reader, name: &str) -> Result<(), String> {
    let derived = source
        .dataset(name)
        .is_ok_and(|d| d.columns.iter().any(|c| c.name == sequences::columns::NAME))
        && copy
            .dataset(name)
            .is_ok_and(|d| !d.columns.iter().any(|c| c.name == sequences::columns::NAME));
    let differ = |what: &str| format!("dataset {name:?}: {what} differ from the source's");
    if derived {
        let names = |r: &Reader| r.sequences(name).and_then(|s| s.names());
        return match (names(source), names(copy)) {
            (Ok(a), Ok(b)) if a == b => Ok(()),
            (Ok(_), Ok(_)) => Err(differ("the record names")),
            (Err(e), _) | (_, Err(e)) => Err(format!("dataset {name:?}: {e}")),
        };
    }
    match (source.content_hash(name), copy.content_hash(name)) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (Ok(_), Ok(_)) => Err(differ("the values (content hash)")),
        (Err(e), _) | (_, Err(e)) => Err(format!("dataset {name:?}: {e}")),
    }
}
