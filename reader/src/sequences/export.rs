//! FASTA export: byte-exact for uniformly wrapped input (spec 12.6).

use std::io::Write;

use gcol_format::schema::sequences::{FLAG_CRLF, FLAG_NO_FINAL_NEWLINE};

use super::Sequences;
use crate::{ColumnReader, Error, Result};

/// Options for [`Sequences::write_fasta`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Residues per line for every record; `None` keeps each record's own
    /// width; `Some(0)` writes each sequence on one line.
    pub width: Option<u32>,
}

fn out_err(source: std::io::Error) -> Error {
    Error::Output { source }
}

impl Sequences {
    /// Definition lines (after `>` or `@`) of every record.
    pub(super) fn definitions(&self) -> Result<Vec<Vec<u8>>> {
        let n = self.num_records;
        let mut names = Vec::with_capacity(crate::column::reserve_len(&(0..n)));
        let id = match (self.ids.definition, self.ids.name) {
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => unreachable!("checked when the dataset was opened"),
        };
        self.reader
            .column_by_id(id)?
            .for_each_binary(0..n, |_, v| names.push(v.to_vec()))?;
        if self.ids.definition.is_none() {
            if let Some(description) = self.ids.description {
                self.reader
                    .column_by_id(description)?
                    .for_each_binary(0..n, |row, v| {
                        if !v.is_empty() {
                            let line = &mut names[row as usize];
                            line.push(b' ');
                            line.extend_from_slice(v);
                        }
                    })?;
            }
        }
        Ok(names)
    }

    /// Write the reads as FASTQ (Phred+33, LF line endings, bare `+` lines):
    /// each record equals its input record. `mate` keeps only reads of that
    /// mate of a paired dataset (1 or 2).
    pub fn write_fastq(
        &self,
        out: &mut dyn Write,
        mate: Option<u8>,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<()> {
        // Decode the quality and base pages on the pool while this thread
        // decodes the names and writes records (waiting for a page only
        // when it gets there first), when they fit well in the cache;
        // larger datasets rely on readahead.
        let budget = self.reader.cache().budget_bytes() / 4;
        let columns: Vec<ColumnReader<'_>> = [self.ids.quality, Some(self.ids.residues)]
            .into_iter()
            .flatten()
            .filter_map(|id| self.reader.column_by_id(id).ok())
            .filter(|c| c.meta().decoded_bytes <= budget && c.num_pages() > 1)
            .collect();
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            // Not from a pool worker: the prefetch's jobs would wait for it.
            if !columns.is_empty()
                && crate::fork::global_pool_usable()
                && rayon::current_thread_index().is_none()
            {
                scope.spawn(|| {
                    for column in &columns {
                        // About 1 MiB of values at a time (at least two
                        // pages: both cores busy), so an error or a closed
                        // output stops the work soon; primed quality pages
                        // (spec 7.14) are 32 KiB.
                        let pages = column.num_pages();
                        let page_bytes = column.meta().decoded_bytes / pages.max(1);
                        let step = ((1u64 << 20) / page_bytes.max(1)).max(2);
                        let mut at = 0;
                        while at < pages && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                            column.prefetch(at..(at + step).min(pages));
                            at += step;
                        }
                    }
                });
            }
            let result = self.write_fastq_records(out, mate, &mut progress);
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            result
        })
    }

    fn write_fastq_records(
        &self,
        out: &mut dyn Write,
        mate: Option<u8>,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<()> {
        let n = self.num_records as usize;
        let definitions = self.definitions()?;
        let mates = self.mates()?;
        let total = self.stream_len()?;
        let mut done = 0u64;
        let mut seq = Vec::new();
        let mut qual = Vec::new();
        for record in 0..n {
            let length = self.records()?.length[record];
            done += length;
            if let (Some(want), Some(mates)) = (mate, &mates) {
                if mates[record] != want {
                    continue;
                }
            }
            seq.clear();
            qual.clear();
            self.fetch_record_into(record, 0..length, &mut seq)?;
            self.qualities_into(record, &mut qual)?;
            for q in &mut qual {
                // spec 13: Phred values 0..=93 (a damaged page may hold others)
                if *q > 93 {
                    return Err(Error::Invariant {
                        column: format!("{}/quality", self.dataset),
                        row: self.records()?.offset[record],
                        rule: "13",
                        detail: format!("Phred value {} above 93 in read {}", *q, record + 1),
                    });
                }
                *q += 33;
            }
            out.write_all(b"@").map_err(out_err)?;
            out.write_all(&definitions[record]).map_err(out_err)?;
            out.write_all(b"\n").map_err(out_err)?;
            out.write_all(&seq).map_err(out_err)?;
            out.write_all(b"\n+\n").map_err(out_err)?;
            out.write_all(&qual).map_err(out_err)?;
            out.write_all(b"\n").map_err(out_err)?;
            if record % 4096 == 0 {
                progress(done, total);
            }
        }
        progress(total, total);
        Ok(())
    }

    /// Write every record as FASTA. With default options the output equals
    /// the input byte for byte when every record was uniformly wrapped (the
    /// dataset's `exact_export` metadata says so); otherwise records are
    /// rewrapped at their first line's width, as `seqkit seq -w N` would.
    ///
    /// `progress(done, total)` counts residues.
    pub fn write_fasta(
        &self,
        out: &mut dyn Write,
        options: &ExportOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<()> {
        let n = self.num_records;
        let total = self.stream_len()?;
        let mut done = 0u64;
        let widths: Vec<u32> = match self.ids.line_width {
            Some(id) => self.reader.column_by_id(id)?.read(0..n)?,
            None => vec![0; n as usize],
        };
        let blanks: Vec<u32> = match self.ids.blank_lines {
            Some(id) => self.reader.column_by_id(id)?.read(0..n)?,
            None => vec![0; n as usize],
        };
        let definitions = self.definitions()?;
        // The names are the definitions' first tokens (spec 12.2): checked,
        // so a damaged name page or an edited name is never exported past.
        self.check_names(&definitions)?;
        let mut buf = Vec::new();
        for record in 0..n as usize {
            let flags = self.records()?.flags[record];
            let length = self.records()?.length[record];
            let eol: &[u8] = if flags & FLAG_CRLF != 0 {
                b"\r\n"
            } else {
                b"\n"
            };
            let width = u64::from(options.width.unwrap_or(widths[record]));
            let width = if width == 0 { length.max(1) } else { width };
            let lines = length.div_ceil(width);
            let last_line_is = |k: u64| -> bool {
                // Line k of the record body (0 = header) is the last line of the file?
                flags & FLAG_NO_FINAL_NEWLINE != 0 && k == lines + u64::from(blanks[record])
            };
            out.write_all(b">").map_err(out_err)?;
            out.write_all(&definitions[record]).map_err(out_err)?;
            if !last_line_is(0) {
                out.write_all(eol).map_err(out_err)?;
            }
            // Stream in chunks of whole lines.
            let chunk_lines = ((4u64 << 20) / width).max(1);
            let mut line = 0u64;
            while line < lines {
                let from = line * width;
                let to = ((line + chunk_lines) * width).min(length);
                buf.clear();
                self.fetch_record_into(record, from..to, &mut buf)?;
                for piece in buf.chunks(width as usize) {
                    line += 1;
                    out.write_all(piece).map_err(out_err)?;
                    if !last_line_is(line) {
                        out.write_all(eol).map_err(out_err)?;
                    }
                }
                done += to - from;
                progress(done, total);
            }
            for k in 0..u64::from(blanks[record]) {
                if !last_line_is(lines + 1 + k) {
                    out.write_all(eol).map_err(out_err)?;
                }
            }
        }
        progress(total, total);
        Ok(())
    }
}
