//! SAM and BAM output: one function that the CLI (`view`, `export`) and
//! Python call.

use std::io::Write;

use super::{AlignmentRegion, Alignments, RecordFilter};
use crate::{Error, Result};

/// Output encodings, as `samtools view` chooses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignmentOutput {
    /// SAM text.
    Sam,
    /// BAM (BGZF-compressed binary records).
    Bam,
}

impl AlignmentOutput {
    /// From a file name: `.bam`, else SAM.
    pub fn from_path(path: &std::path::Path) -> AlignmentOutput {
        if path
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".bam")
        {
            AlignmentOutput::Bam
        } else {
            AlignmentOutput::Sam
        }
    }
}

/// What to write.
#[derive(Debug, Clone, Default)]
pub struct AlignmentExport {
    /// Regions (every record when empty).
    pub regions: Vec<AlignmentRegion>,
    /// Flag and MAPQ filters.
    pub filter: RecordFilter,
    /// SAM: print the header first (BAM always has it).
    pub header: bool,
    /// Print only the header.
    pub header_only: bool,
}

fn out_err(source: std::io::Error) -> Error {
    Error::Output { source }
}

/// Write the records `export` selects to `out` as SAM or BAM; returns
/// `out` (flushed; a BGZF stream is finished with its end-of-file block).
pub fn write_alignments<W: Write + Send + 'static>(
    alignments: &Alignments,
    export: &AlignmentExport,
    kind: AlignmentOutput,
    out: W,
) -> Result<W> {
    match kind {
        AlignmentOutput::Sam => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
            if export.header || export.header_only {
                out.write_all(&alignments.sam_header()).map_err(out_err)?;
            }
            if !export.header_only {
                let mut line = Vec::with_capacity(1 << 16);
                alignments.query(&export.regions, &export.filter, |_, record| {
                    alignments.sam_line(record, &mut line)?;
                    if line.len() >= 1 << 16 {
                        out.write_all(&line).map_err(out_err)?;
                        line.clear();
                    }
                    Ok(())
                })?;
                out.write_all(&line).map_err(out_err)?;
            }
            out.flush().map_err(out_err)?;
            out.into_inner().map_err(|e| out_err(e.into_error()))
        }
        AlignmentOutput::Bam => {
            let workers = std::num::NonZeroUsize::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            )
            .expect("at least one");
            let mut bgzf = noodles_bgzf::io::MultithreadedWriter::with_worker_count(workers, out);
            bgzf.write_all(&alignments.bam_header()).map_err(out_err)?;
            if !export.header_only {
                let mut block = Vec::with_capacity(1 << 16);
                alignments.query(&export.regions, &export.filter, |_, record| {
                    block.extend_from_slice(&(record.len() as u32).to_le_bytes());
                    block.extend_from_slice(record);
                    if block.len() >= 1 << 16 {
                        bgzf.write_all(&block).map_err(out_err)?;
                        block.clear();
                    }
                    Ok(())
                })?;
                bgzf.write_all(&block).map_err(out_err)?;
            }
            bgzf.finish().map_err(out_err)
        }
    }
}
