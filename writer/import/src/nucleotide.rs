//! The nucleotide residue stream shared by the FASTA and FASTQ importers
//! (spec 12.3): 2-bit packed `bases` pages encoded in parallel, ambiguity
//! and mask runs, and their per-bin indexes.

use std::io::Write;

use gcol_format::encoding::Encoding;
use gcol_format::kernels::PackTable;
use gcol_format::schema::sequences::{columns as col, SCHEMA};
use gcol_format::sequence::{is_nucleotide_symbol, Packer, CODE, NOT_ACGT};

use gcol_writer::{ColumnId, ColumnSpec, DatasetId, Result, Writer};

/// Pages of packed bases gathered before they are handed to the writer.
const BATCH_PAGES: usize = 16;

/// An open run (ambiguity or mask) being extended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    start: u64,
    end: u64,
    symbol: u8,
}

struct RunTable {
    start: ColumnId,
    length: ColumnId,
    symbol: Option<ColumnId>,
    open: Option<Run>,
    count: u64,
    /// index[b] = first run whose end is after bin b's first base.
    index: Vec<u64>,
}

impl RunTable {
    fn close<W: Write>(&mut self, writer: &mut Writer<W>, bin: u64) -> Result<()> {
        let Some(run) = self.open.take() else {
            return Ok(());
        };
        // Runs longer than a u32 are split; readers treat adjacent runs alike.
        let mut start = run.start;
        while start < run.end {
            let len = (run.end - start).min(u64::from(u32::MAX));
            writer.push(self.start, &[start])?;
            writer.push(self.length, &[len as u32])?;
            if let Some(symbol) = self.symbol {
                writer.push(symbol, &[run.symbol])?;
            }
            let end = start + len;
            while (self.index.len() as u64) * bin < end {
                self.index.push(self.count);
            }
            self.count += 1;
            start = end;
        }
        Ok(())
    }

    /// Add `len` positions from `pos` with `symbol`, joining the open run
    /// when it ends at `pos` with the same symbol.
    fn extend_run<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        bin: u64,
        pos: u64,
        len: u64,
        symbol: u8,
    ) -> Result<()> {
        match &mut self.open {
            Some(run) if run.end == pos && run.symbol == symbol => run.end += len,
            _ => {
                self.close(writer, bin)?;
                self.open = Some(Run {
                    start: pos,
                    end: pos + len,
                    symbol,
                });
            }
        }
        Ok(())
    }
}

pub(crate) struct NucleotideStream {
    bases: ColumnId,
    packer: Packer,
    amb: RunTable,
    mask: RunTable,
    page_bytes: usize,
    /// 1 when the last byte packed of the current record was lower case.
    mask_previous: u64,
}

impl NucleotideStream {
    /// Add the stream's columns to `dataset`: `bases` (pages of `page_bytes`
    /// packed bytes in `encoding`) and the run tables.
    pub(crate) fn new<W: Write>(
        writer: &mut Writer<W>,
        dataset: DatasetId,
        encoding: Encoding,
        page_bytes: usize,
    ) -> Result<NucleotideStream> {
        let page_bytes = page_bytes.max(64);
        // The stream's columns are the same in `reads` (spec 13).
        let column = |name: &str| ColumnSpec::of(SCHEMA.column(name));
        let runs = |name: &str| {
            column(name)
                .encoding(Encoding::delta_varint().with_zstd(3))
                .page_bytes(64 << 10)
        };
        let lengths = |name: &str| {
            column(name)
                .encoding(Encoding::varint().with_zstd(3))
                .page_bytes(32 << 10)
        };
        let mut bases = column(col::BASES).encoding(encoding).page_bytes(page_bytes);
        if encoding.base == gcol_format::encoding::BaseEncoding::BaseModel {
            // zstd pages where they come out smaller (a page of one long
            // repeat, for example).
            bases = bases.or_encoding(Encoding::PLAIN.with_zstd(9));
        }
        if !writer.options().compact {
            // A reminder for 1.0 readers; spec 12.3 says it, and compact
            // (small-file) manifests leave it out.
            bases = bases.metadata(
                "packing",
                "4 bases per byte, first base in the high bits; A=0 C=1 G=2 T/U=3",
            );
        }
        let bases = writer.add_column(dataset, bases)?;
        let amb = RunTable {
            start: writer.add_column(dataset, runs(col::AMB_START))?,
            length: writer.add_column(dataset, lengths(col::AMB_LENGTH))?,
            symbol: Some(
                writer.add_column(
                    dataset,
                    column(col::AMB_SYMBOL)
                        .encoding(Encoding::PLAIN.with_zstd(3))
                        .page_bytes(16 << 10),
                )?,
            ),
            open: None,
            count: 0,
            index: Vec::new(),
        };
        let mask = RunTable {
            start: writer.add_column(dataset, runs(col::MASK_START))?,
            length: writer.add_column(dataset, lengths(col::MASK_LENGTH))?,
            symbol: None,
            open: None,
            count: 0,
            index: Vec::new(),
        };
        Ok(NucleotideStream {
            bases,
            packer: Packer::default(),
            amb,
            mask,
            page_bytes,
            mask_previous: 0,
        })
    }

    /// Bases per run-index bin (and per full `bases` page).
    pub(crate) fn bin_bases(&self) -> u64 {
        (self.page_bytes * 4) as u64
    }

    /// Append one whole record `seq` at stream position `base`
    /// ([`NucleotideStream::pack`] then [`NucleotideStream::end_record`]).
    pub(crate) fn pack_record<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        seq: &[u8],
        base: u64,
        rna: bool,
    ) -> Result<Option<usize>> {
        let bad = self.pack(writer, seq, base, rna)?;
        if bad.is_none() {
            self.end_record(writer, base + seq.len() as u64)?;
        }
        Ok(bad)
    }

    /// Close the record's open mask and ambiguity runs at stream position
    /// `end` (runs never continue into the next record).
    pub(crate) fn end_record<W: Write>(&mut self, writer: &mut Writer<W>, end: u64) -> Result<()> {
        let bin = self.bin_bases();
        if let Some(run) = self.mask.open.as_mut() {
            run.end = end;
            self.mask.close(writer, bin)?;
        }
        self.mask_previous = 0;
        self.amb.close(writer, bin)
    }

    /// Append `seq`, the next part of a record, whose first residue is
    /// stream position `base` (a record may come in several parts; runs
    /// continue across them until [`NucleotideStream::end_record`]). `rna`
    /// makes `U` the fourth base (and `T` an ambiguity symbol). Returns the
    /// index of the first byte that is not a nucleotide symbol, if any.
    pub(crate) fn pack<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        seq: &[u8],
        base: u64,
        rna: bool,
    ) -> Result<Option<usize>> {
        let bin = self.bin_bases();
        // Pass 1: soft-masked (lower-case) runs, from 64-byte case bitmaps.
        self.mask_runs(writer, seq, base, bin)?;
        // Pass 2: 2-bit codes, either case, by the SIMD packing kernel;
        // other symbols (N, IUPAC, the RNA/DNA exception letter) go to the
        // ambiguity table a run at a time, with code 0 in the base stream.
        let exception = if rna { b'T' } else { b'U' };
        let table = PackTable::any_case(if rna { b"ACGU" } else { b"ACGT" });
        let n = seq.len();
        let mut i = 0usize;
        while i < n {
            if self.packer.is_aligned() && n - i >= 4 {
                // At most 64 KiB of input at a time, so full batches of pages
                // are flushed as they fill.
                let end = n.min(i + (1 << 16));
                let packed = table.pack(&seq[i..end], &mut self.packer.bytes);
                if packed > 0 {
                    self.packer.bases += packed as u64;
                    i += packed;
                    if self.packer.bytes.len() >= self.page_bytes * BATCH_PAGES {
                        flush_pages(writer, self, false)?;
                    }
                    continue;
                }
            }
            let b = seq[i];
            let code = CODE[b as usize];
            if code != NOT_ACGT && !(code == 3 && (b & 0xDF) == exception) {
                self.packer.push(code);
                i += 1;
                continue;
            }
            if !is_nucleotide_symbol(b) {
                return Ok(Some(i));
            }
            // A run of one symbol (N runs are long) in pieces of at most
            // 1 Mbases, so batches still flush as they fill.
            let upper = b.to_ascii_uppercase();
            let limit = n.min(i + (1 << 20));
            let run = seq[i..limit]
                .iter()
                .position(|c| c.to_ascii_uppercase() != upper)
                .unwrap_or(limit - i);
            self.amb
                .extend_run(writer, bin, base + i as u64, run as u64, upper)?;
            self.packer.push_zeros(run);
            i += run;
            if self.packer.bytes.len() >= self.page_bytes * BATCH_PAGES {
                flush_pages(writer, self, false)?;
            }
        }
        if self.packer.bytes.len() >= self.page_bytes * BATCH_PAGES {
            flush_pages(writer, self, false)?;
        }
        Ok(None)
    }

    /// Record the lower-case runs of `seq` (stream positions from `base`)
    /// in the mask table; the last run stays open for the next part.
    fn mask_runs<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        seq: &[u8],
        base: u64,
        bin: u64,
    ) -> Result<()> {
        let mut previous = self.mask_previous; // the byte before was lower case
        let mut words = Vec::with_capacity(1024);
        for (c, piece) in seq.chunks(64 * 1024).enumerate() {
            words.clear();
            gcol_format::kernels::lower_case_bitmap(piece, &mut words);
            for (w, &bits) in words.iter().enumerate() {
                let len = (piece.len() - 64 * w).min(64);
                // A set bit where the case differs from the byte before.
                let mut edges = bits ^ ((bits << 1) | previous);
                if len < 64 {
                    edges &= (1u64 << len) - 1;
                }
                let word_start = base + (c * 64 * 1024 + 64 * w) as u64;
                while edges != 0 {
                    let j = edges.trailing_zeros();
                    let pos = word_start + u64::from(j);
                    if bits >> j & 1 == 1 {
                        self.mask.open = Some(Run {
                            start: pos,
                            end: pos,
                            symbol: 0,
                        });
                    } else if let Some(run) = self.mask.open.as_mut() {
                        run.end = pos;
                        self.mask.close(writer, bin)?;
                    }
                    edges &= edges - 1;
                }
                previous = bits >> (len - 1) & 1;
            }
        }
        self.mask_previous = previous;
        Ok(())
    }

    /// Write the last pages and the run indexes for a stream of `total` bases.
    pub(crate) fn finish<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        dataset: DatasetId,
        total: u64,
    ) -> Result<()> {
        self.packer.finish();
        flush_pages(writer, self, true)?;
        let bins = total.div_ceil(self.bin_bases());
        for (table, name) in [
            (&mut self.amb, col::AMB_INDEX),
            (&mut self.mask, col::MASK_INDEX),
        ] {
            while (table.index.len() as u64) <= bins {
                table.index.push(table.count);
            }
            let column = writer.add_column(
                dataset,
                ColumnSpec::of(SCHEMA.column(name))
                    .encoding(Encoding::delta_varint().with_zstd(3))
                    .page_bytes(8 << 10),
            )?;
            writer.push(column, &table.index)?;
        }
        Ok(())
    }
}

/// Hand the whole pages of packed bases (with `all`, also the last partial
/// page) to the writer, which encodes them on the rayon pool while parsing
/// goes on and writes them in order.
fn flush_pages<W: Write>(
    writer: &mut Writer<W>,
    stream: &mut NucleotideStream,
    all: bool,
) -> Result<()> {
    let page = stream.page_bytes;
    let bytes = &stream.packer.bytes;
    let take = if all {
        bytes.len()
    } else {
        bytes.len() / page * page
    };
    for chunk in bytes[..take].chunks(page) {
        writer.submit_page(stream.bases, chunk.len() as u32, chunk)?;
    }
    stream.packer.bytes.drain(..take);
    Ok(())
}
