//! VCF, BGZF-compressed VCF and BCF output: one function that the CLI
//! (`view`, `export`) and Python call.

use std::io::{self, Write};

use super::{Variants, VcfWriteOptions, VcfWriter};
use crate::{Error, Result};

/// Output encodings, as `bcftools view -O` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcfOutput {
    /// Uncompressed VCF (`v`).
    Vcf,
    /// BGZF-compressed VCF (`z`), indexable by `tabix` and `bcftools index`.
    VcfGz,
    /// BCF (`b`), written by noodles.
    Bcf,
}

impl VcfOutput {
    /// `v`, `z`, `b` (and `u`, uncompressed BCF, taken as `b`).
    pub fn from_letter(letter: &str) -> Option<VcfOutput> {
        Some(match letter {
            "v" => VcfOutput::Vcf,
            "z" => VcfOutput::VcfGz,
            "b" | "u" => VcfOutput::Bcf,
            _ => return None,
        })
    }

    /// From a file name: `.bcf`, `.vcf.gz`/`.vcf.bgz`/`.gz`, else VCF.
    pub fn from_path(path: &std::path::Path) -> VcfOutput {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".bcf") {
            VcfOutput::Bcf
        } else if name.ends_with(".gz") || name.ends_with(".bgz") {
            VcfOutput::VcfGz
        } else {
            VcfOutput::Vcf
        }
    }
}

/// What to write: which rows (all when `None`), samples, header or not.
#[derive(Debug, Clone, Default)]
pub struct VcfExport {
    /// Rows, ascending; `None`: every record.
    pub rows: Option<Vec<u64>>,
    /// Samples and INFO updates.
    pub write: VcfWriteOptions,
    /// Print the header (BCF always has one).
    pub header: bool,
    /// Print only the header.
    pub header_only: bool,
}

fn text(variants: &Variants, export: &VcfExport, out: &mut dyn Write) -> Result<()> {
    let writer = VcfWriter::new(variants, &export.write);
    if export.header || export.header_only {
        writer.write_header(out)?;
    }
    if export.header_only {
        return Ok(());
    }
    match &export.rows {
        Some(rows) => writer.write_rows(rows, out),
        None => writer.write_all(out),
    }
}

fn io_err(source: io::Error) -> Error {
    Error::Output { source }
}

/// Write `export` of `variants` to `out` as `kind`; returns `out` (for a
/// temporary file to be committed).
pub fn write_vcf<W: Write>(
    variants: &Variants,
    export: &VcfExport,
    kind: VcfOutput,
    out: W,
) -> Result<W> {
    match kind {
        VcfOutput::Vcf => {
            let mut out = io::BufWriter::with_capacity(1 << 20, out);
            text(variants, export, &mut out)?;
            out.into_inner().map_err(|e| io_err(e.into_error()))
        }
        VcfOutput::VcfGz => {
            let mut bgzf = noodles_bgzf::io::Writer::new(out);
            text(variants, export, &mut bgzf)?;
            bgzf.finish().map_err(io_err)
        }
        VcfOutput::Bcf => bcf(variants, export, out),
    }
}

/// BCF through noodles: the VCF text of each block of records is parsed by
/// noodles' VCF reader and written by its BCF writer.
fn bcf<W: Write>(variants: &Variants, export: &VcfExport, out: W) -> Result<W> {
    use noodles_vcf::variant::io::Write as _;
    let writer = VcfWriter::new(variants, &export.write);
    let mut header_text = Vec::new();
    writer.write_header(&mut header_text)?;
    let bad = |what: &str, e: &dyn std::fmt::Display| Error::Usage {
        detail: format!("cannot write BCF: {what}: {e}"),
    };
    let header: noodles_vcf::Header = String::from_utf8_lossy(&header_text)
        .parse()
        .map_err(|e| bad("the header is not one noodles accepts", &e))?;
    let mut bcf = noodles_bcf::io::Writer::new(out);
    bcf.write_header(&header).map_err(io_err)?;
    if !export.header_only {
        let all: Vec<u64>;
        let rows = match &export.rows {
            Some(rows) => rows.as_slice(),
            None => {
                all = (0..variants.num_sites()).collect();
                &all
            }
        };
        let mut record = noodles_vcf::Record::default();
        for chunk in rows.chunks(4096) {
            let mut lines = Vec::new();
            writer.write_rows(chunk, &mut lines)?;
            let mut reader = noodles_vcf::io::Reader::new(&lines[..]);
            loop {
                let n = reader
                    .read_record(&mut record)
                    .map_err(|e| bad("a record", &e))?;
                if n == 0 {
                    break;
                }
                let written = gcol_format::panic::catch_quietly(|| {
                    bcf.write_variant_record(&header, &record)
                })
                .map_err(|p| Error::Usage {
                    detail: format!(
                        "cannot write BCF: noodles cannot encode a record ({p}); export VCF (.vcf.gz) instead"
                    ),
                })?;
                written.map_err(|e| bad("a record", &e))?;
            }
        }
    }
    bcf.try_finish().map_err(io_err)?;
    Ok(bcf.into_inner().into_inner())
}
