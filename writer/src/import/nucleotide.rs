//! The nucleotide residue stream shared by the FASTA and FASTQ importers
//! (spec 12.3): 2-bit packed `bases` pages encoded in parallel, ambiguity
//! and mask runs, and their per-bin indexes.

use std::io::Write;

use gcol_format::encoding::{EncodedPage, Encoding};
use gcol_format::sequence::{columns as col, is_nucleotide_symbol, Packer, CODE, NOT_ACGT};
use gcol_format::PhysicalType;
use rayon::prelude::*;

use crate::{encode_adaptive, ColumnId, ColumnSpec, DatasetId, Error, Result, Writer};

/// Code of plain A/C/G/T(U) in one case for the packing fast path; 0xFF otherwise.
const fn fast_table(symbols: &[u8; 4]) -> [u8; 256] {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 4 {
        t[symbols[i] as usize] = i as u8;
        i += 1;
    }
    t
}
static FAST_UPPER_DNA: [u8; 256] = fast_table(b"ACGT");
static FAST_UPPER_RNA: [u8; 256] = fast_table(b"ACGU");
static FAST_LOWER_DNA: [u8; 256] = fast_table(b"acgt");
static FAST_LOWER_RNA: [u8; 256] = fast_table(b"acgu");

/// Pages of the base stream encoded together (in parallel) per batch.
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

    #[inline]
    fn extend<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        bin: u64,
        pos: u64,
        symbol: u8,
    ) -> Result<()> {
        match &mut self.open {
            Some(run) if run.end == pos && run.symbol == symbol => run.end += 1,
            _ => {
                self.close(writer, bin)?;
                self.open = Some(Run {
                    start: pos,
                    end: pos + 1,
                    symbol,
                });
            }
        }
        Ok(())
    }
}

type EncodedBatch = Vec<gcol_format::Result<EncodedPage>>;

pub(crate) struct NucleotideStream {
    bases: ColumnId,
    packer: Packer,
    amb: RunTable,
    mask: RunTable,
    encoding: Encoding,
    page_bytes: usize,
    /// Batches being encoded on the rayon pool, oldest first; written in order.
    in_flight: std::collections::VecDeque<std::sync::mpsc::Receiver<EncodedBatch>>,
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
        let runs = |name: &str| {
            ColumnSpec::new(name, PhysicalType::U64, "position")
                .unit("bases")
                .encoding(Encoding::delta_varint().with_zstd(3))
                .page_bytes(64 << 10)
        };
        let lengths = |name: &str| {
            ColumnSpec::new(name, PhysicalType::U32, "length")
                .unit("bases")
                .encoding(Encoding::varint().with_zstd(3))
                .page_bytes(32 << 10)
        };
        let bases = writer.add_column(
            dataset,
            ColumnSpec::new(col::BASES, PhysicalType::U8, "dna2bit")
                .encoding(encoding)
                .page_bytes(page_bytes)
                .metadata(
                    "packing",
                    "4 bases per byte, first base in the high bits; A=0 C=1 G=2 T/U=3",
                ),
        )?;
        let amb = RunTable {
            start: writer.add_column(dataset, runs(col::AMB_START))?,
            length: writer.add_column(dataset, lengths(col::AMB_LENGTH))?,
            symbol: Some(
                writer.add_column(
                    dataset,
                    ColumnSpec::new(col::AMB_SYMBOL, PhysicalType::U8, "ascii")
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
            encoding,
            page_bytes,
            in_flight: std::collections::VecDeque::new(),
        })
    }

    /// Bases per run-index bin (and per full `bases` page).
    pub(crate) fn bin_bases(&self) -> u64 {
        (self.page_bytes * 4) as u64
    }

    /// Append `seq`, whose first residue is stream position `base`. `rna`
    /// makes `U` the fourth base (and `T` an ambiguity symbol). Returns the
    /// index of the first byte that is not a nucleotide symbol, if any.
    pub(crate) fn pack<W: Write>(
        &mut self,
        writer: &mut Writer<W>,
        seq: &[u8],
        base: u64,
        rna: bool,
    ) -> Result<Option<usize>> {
        let exception = if rna { b'T' } else { b'U' };
        let bin = self.bin_bases();
        let mut in_mask = false;
        let fast = |mask: bool| match (mask, rna) {
            (false, false) => &FAST_UPPER_DNA,
            (false, true) => &FAST_UPPER_RNA,
            (true, false) => &FAST_LOWER_DNA,
            (true, true) => &FAST_LOWER_RNA,
        };
        let n = seq.len();
        let mut i = 0usize;
        let mut next_check = 1usize << 16;
        while i < n {
            // Fast path: eight bases of plain A/C/G/T in the current case, whole bytes.
            if i + 8 <= n && self.packer.is_aligned() {
                let table = fast(in_mask);
                let c: [u8; 8] = std::array::from_fn(|k| table[seq[i + k] as usize]);
                if c.iter().fold(0u8, |acc, &v| acc | v) & 0x80 == 0 {
                    self.packer
                        .push_byte(c[0] << 6 | c[1] << 4 | c[2] << 2 | c[3]);
                    self.packer
                        .push_byte(c[4] << 6 | c[5] << 4 | c[6] << 2 | c[7]);
                    i += 8;
                    continue;
                }
            }
            let b = seq[i];
            let pos = base + i as u64;
            let lower = b >= b'a';
            if lower != in_mask {
                if lower {
                    self.mask.open = Some(Run {
                        start: pos,
                        end: pos,
                        symbol: 0,
                    });
                } else if let Some(run) = self.mask.open.as_mut() {
                    run.end = pos;
                    self.mask.close(writer, bin)?;
                }
                in_mask = lower;
            }
            let code = CODE[b as usize];
            if code != NOT_ACGT && !(code == 3 && (b & 0xDF) == exception) {
                self.packer.push(code);
            } else {
                if !is_nucleotide_symbol(b) {
                    return Ok(Some(i));
                }
                self.amb.extend(writer, bin, pos, b.to_ascii_uppercase())?;
                self.packer.push(0);
            }
            i += 1;
            if i >= next_check {
                next_check = i + (1 << 16);
                if self.packer.bytes.len() >= self.page_bytes * BATCH_PAGES {
                    flush_pages(writer, self, false)?;
                }
            }
        }
        if self.packer.bytes.len() >= self.page_bytes * BATCH_PAGES {
            flush_pages(writer, self, false)?;
        }
        let end = base + seq.len() as u64;
        if let Some(run) = self.mask.open.as_mut() {
            run.end = end;
            self.mask.close(writer, bin)?;
        }
        self.amb.close(writer, bin)?;
        Ok(None)
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
                ColumnSpec::new(name, PhysicalType::U64, "run_index")
                    .encoding(Encoding::delta_varint().with_zstd(3))
                    .page_bytes(8 << 10),
            )?;
            writer.push(column, &table.index)?;
        }
        Ok(())
    }
}

/// Most batches encoding at once; parsing waits for the oldest beyond this.
const MAX_IN_FLIGHT: usize = 2;

/// Hand whole pages of packed bases to the rayon pool for encoding, so
/// parsing continues meanwhile; write finished batches in order. With
/// `all`, also the last partial page, and wait for every batch.
fn flush_pages<W: Write>(
    writer: &mut Writer<W>,
    stream: &mut NucleotideStream,
    all: bool,
) -> Result<()> {
    let page = stream.page_bytes;
    let take = if all {
        stream.packer.bytes.len()
    } else {
        stream.packer.bytes.len() / page * page
    };
    if take > 0 {
        let rest = stream.packer.bytes.split_off(take);
        let batch = std::mem::replace(&mut stream.packer.bytes, rest);
        let encoding = stream.encoding;
        let (tx, rx) = std::sync::mpsc::channel();
        rayon::spawn(move || {
            let pages: EncodedBatch = batch
                .par_chunks(page)
                .map(|chunk| encode_adaptive(encoding, PhysicalType::U8, chunk.len() as u32, chunk))
                .collect();
            let _ = tx.send(pages);
        });
        stream.in_flight.push_back(rx);
    }
    loop {
        let must_wait = all || stream.in_flight.len() > MAX_IN_FLIGHT;
        let Some(front) = stream.in_flight.front() else {
            break;
        };
        let batch = if must_wait {
            front.recv().ok()
        } else {
            match front.try_recv() {
                Ok(batch) => Some(batch),
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
            }
        };
        stream.in_flight.pop_front();
        let batch = batch.expect("encoding task panicked");
        for encoded in batch {
            let encoded = encoded.map_err(|source| Error::Encode {
                column: col::BASES.into(),
                source,
            })?;
            writer.write_encoded_page(stream.bases, &encoded)?;
        }
    }
    Ok(())
}
