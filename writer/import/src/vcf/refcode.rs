//! REF alleles against a reference (spec 14.7): each REF is compared with
//! the reference's upper-case bases at POS. Against a `sequences` dataset
//! of the same file, REF is stored only where it differs (`ref/len` for
//! every row, `ref/differs` null where REF equals the bases); against a
//! reference outside the file, REF stays text. Either way the rows whose
//! REF differs (ignoring case) are listed in `ref/mismatch` and reported.

use std::io::Write;

use gcol_format::encoding::Encoding;
use gcol_format::schema::variants::{self, columns as col, meta};
use gcol_writer::{ColumnId, ColumnSpec, DatasetId, Result, Writer};

use super::{zstd, Here, ReferenceSpec};
use crate::reference::Reference;

/// Mismatches named one by one in the warnings; the rest are counted.
const NAMED_MISMATCHES: usize = 10;

/// Counts the bytes written to it.
#[derive(Default)]
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where REF goes: text, or coded against the reference.
pub(super) enum RefColumns {
    /// `ref` as text.
    Text(ColumnId),
    /// `ref/len` and `ref/differs`.
    Coded { len: ColumnId, differs: ColumnId },
}

/// The REF columns of one import and what the comparison found.
pub(super) struct RefCoder {
    columns: RefColumns,
    check: Option<Check>,
}

struct Check {
    reference: Reference,
    given: String,
    coded_against: Option<String>,
    mismatch: ColumnId,
    /// zstd of REF as text, to report what coding saved.
    text: ::zstd::stream::Encoder<'static, Count>,
    row: u64,
    mismatches: u64,
    named: Vec<String>,
    /// Contigs the reference lacks, with their record counts.
    absent: Vec<(String, u64)>,
}

impl RefCoder {
    /// Declare the REF columns of `dataset`.
    pub(super) fn add<W: Write>(
        writer: &mut Writer<W>,
        dataset: DatasetId,
        reference: Option<&ReferenceSpec>,
        level: i32,
    ) -> Result<RefCoder> {
        let spec = |name: &str| ColumnSpec::of(variants::SCHEMA.column(name));
        let Some(given) = reference else {
            let c = writer.add_column(
                dataset,
                spec(col::REF).encoding(zstd(Encoding::lengths(), level)),
            )?;
            return Ok(RefCoder {
                columns: RefColumns::Text(c),
                check: None,
            });
        };
        let opened = Reference::open(&given.path)?;
        let columns = if given.dataset.is_some() {
            RefColumns::Coded {
                len: writer.add_column(
                    dataset,
                    spec(col::REF_LEN).encoding(zstd(Encoding::varint(), level)),
                )?,
                differs: writer.add_column(
                    dataset,
                    spec(col::REF_DIFFERS)
                        .nullable()
                        .encoding(zstd(Encoding::lengths(), level)),
                )?,
            }
        } else {
            RefColumns::Text(writer.add_column(
                dataset,
                spec(col::REF).encoding(zstd(Encoding::lengths(), level)),
            )?)
        };
        let mismatch = writer.add_column(
            dataset,
            spec(col::REF_MISMATCH).encoding(zstd(Encoding::delta_varint(), level)),
        )?;
        let text = ::zstd::stream::Encoder::new(Count::default(), level).map_err(|source| {
            gcol_writer::Error::Source {
                path: given.path.clone(),
                source,
            }
        })?;
        Ok(RefCoder {
            columns,
            check: Some(Check {
                given: match &given.dataset {
                    Some(d) => d.clone(),
                    None => given
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| given.path.display().to_string()),
                },
                coded_against: given.dataset.clone(),
                reference: opened,
                mismatch,
                text,
                row: 0,
                mismatches: 0,
                named: Vec::new(),
                absent: Vec::new(),
            }),
        })
    }

    /// Store the REF of the next record (`contig`, `pos`).
    pub(super) fn push<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        contig: &[u8],
        pos: u64,
        allele: &[u8],
        here: &Here<'_>,
    ) -> Result<()> {
        let Some(check) = &mut self.check else {
            let RefColumns::Text(c) = self.columns else {
                unreachable!("coded REF always has a reference")
            };
            return writer.push_binary(c, allele);
        };
        let row = check.row;
        check.row += 1;
        check
            .text
            .write_all(allele)
            .and_then(|()| check.text.write_all(b"\n"))
            .map_err(|source| gcol_writer::Error::Source {
                path: here.path.to_path_buf(),
                source,
            })?;
        let bases = check.reference.contig(contig)?;
        if bases.is_none() {
            let name = String::from_utf8_lossy(contig);
            match check.absent.last_mut() {
                Some((n, count)) if *n == name => *count += 1,
                _ => check.absent.push((name.into_owned(), 1)),
            }
        }
        let expected = bases.and_then(|b| {
            let start = usize::try_from(pos.checked_sub(1)?).ok()?;
            b.get(start..start.checked_add(allele.len())?)
        });
        let same = expected == Some(allele);
        if !expected.is_some_and(|e| e.eq_ignore_ascii_case(allele)) {
            writer.push(check.mismatch, &[row])?;
            check.mismatches += 1;
            if bases.is_some() && check.named.len() < NAMED_MISMATCHES {
                check.named.push(format!(
                    "{}:{pos} REF {} but the reference has {}",
                    String::from_utf8_lossy(contig),
                    String::from_utf8_lossy(allele),
                    match expected {
                        Some(e) => String::from_utf8_lossy(e).into_owned(),
                        None => "no base there (past the contig's end)".into(),
                    }
                ));
            }
        }
        match self.columns {
            RefColumns::Text(c) => writer.push_binary(c, allele),
            RefColumns::Coded { len, differs } => {
                let n = u32::try_from(allele.len())
                    .map_err(|_| here.err("REF", format!("{} bases is too long", allele.len())))?;
                writer.push(len, &[n])?;
                writer.push_binary_option(differs, (!same).then_some(allele))
            }
        }
    }

    /// Record the reference's link and what was found; warnings name the
    /// mismatches.
    pub(super) fn finish<W: Write>(
        self,
        writer: &mut Writer<W>,
        dataset: DatasetId,
        warn: &mut dyn FnMut(String),
    ) -> Result<()> {
        let Some(check) = self.check else {
            return Ok(());
        };
        let text_bytes = check
            .text
            .finish()
            .map_err(|source| gcol_writer::Error::Source {
                path: check.reference.path().to_path_buf(),
                source,
            })?
            .0;
        if let Some(d) = &check.coded_against {
            writer.set_dataset_metadata(dataset, meta::REFERENCE, d.clone())?;
        }
        writer.set_dataset_metadata(dataset, meta::REFERENCE_SOURCE, check.given.clone())?;
        let contigs: String = check
            .reference
            .used
            .iter()
            .map(|c| format!("{}\t{}\t{}\n", c.name, c.length, c.md5))
            .collect();
        writer.set_dataset_metadata(dataset, meta::REFERENCE_CONTIGS, contigs)?;
        writer.set_dataset_metadata(dataset, meta::REFERENCE_TEXT_BYTES, text_bytes.to_string())?;
        let path = check.reference.path().display();
        for (contig, records) in &check.absent {
            warn(format!(
                "contig {contig} is not in the reference {path}: REF of its {records} records kept as written"
            ));
        }
        for m in &check.named {
            warn(format!("REF mismatch at {m}"));
        }
        let absent: u64 = check.absent.iter().map(|a| a.1).sum();
        let others = check.mismatches - absent - check.named.len() as u64;
        if others > 0 {
            warn(format!(
                "{others} more REF alleles differ from the reference {path} (`gcol inspect` lists every one)"
            ));
        }
        Ok(())
    }
}
