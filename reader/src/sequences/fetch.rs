//! Fetching residues (spec 12.4): pages of the residue stream decoded for
//! a range, ambiguity and mask runs applied through their run indexes.

use std::ops::Range;
use std::sync::OnceLock;

use gcol_format::directory::PageInfo;
use gcol_format::schema::sequences::FLAG_RNA;
use gcol_format::sequence::decode_2bit;

use super::{Alphabet, Sequences};
use crate::{Error, Result};

/// Run tables of at most this many runs are loaded whole on first use.
pub(super) const SMALL_RUN_TABLE: u64 = 8192;

/// A run table's per-bin index, and the whole table when it is small.
pub(super) struct RunIndex {
    pub(super) index: Vec<u64>,
    pub(super) small: Option<(Vec<u64>, Vec<u32>, Vec<u8>)>,
}

impl Sequences {
    /// Residues `range` (0-based, half-open) of the record named `name`.
    pub fn fetch(&self, name: &str, range: Range<u64>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.fetch_into(name, range, &mut out)?;
        Ok(out)
    }

    /// As [`Sequences::fetch`], appending to `out` to reuse its allocation.
    pub fn fetch_into(&self, name: &str, range: Range<u64>, out: &mut Vec<u8>) -> Result<()> {
        let record = self.record_index(name)?;
        self.fetch_record_into(record, range, out)
    }

    /// Residues `range` of record `record` (by index), appended to `out`.
    ///
    /// Upper case except soft-masked (lower-case) runs, as in the source.
    /// Only the pages covering the range are loaded.
    pub fn fetch_record_into(
        &self,
        record: usize,
        range: Range<u64>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let (start, end, rna) = self.stream_range(record, &range)?;
        match self.alphabet {
            Alphabet::Protein => self
                .reader
                .column_by_id(self.ids.residues)?
                .read_into(start..end, out),
            Alphabet::Nucleotide => self.fetch_bases(start..end, rna, out),
        }
    }

    /// A hint before [`Sequences::fetch_record_into`]: when the bases of
    /// `range` sit in one page that is already cached, start loading their
    /// cache lines now, so the memory latency overlaps with whatever the
    /// caller does next (the Python bindings release the GIL). Never loads
    /// a page, never fails; a bad record or range is reported by the fetch.
    pub fn prefetch_record(&self, record: usize, range: Range<u64>) {
        if self.alphabet != Alphabet::Nucleotide || range.is_empty() {
            return;
        }
        let (Ok((start, end, _)), Ok(page_values)) =
            (self.stream_range(record, &range), self.page_values())
        else {
            return;
        };
        let page_bases = page_values * 4;
        let index = start / page_bases;
        if (end - 1) / page_bases != index {
            return;
        }
        let Ok(column) = self.reader.column_by_id(self.ids.residues) else {
            return;
        };
        if index >= column.num_pages() {
            return;
        }
        let Ok(page) = column.check_page(index) else {
            return;
        };
        if let Some(data) = self.reader.peek_page(page) {
            let from = ((start - index * page_bases) / 4) as usize;
            let to = ((end - index * page_bases).div_ceil(4) as usize).min(data.len());
            if from < to {
                gcol_format::kernels::prefetch(&data[from..to]);
            }
        }
    }

    /// Packed bytes per full `bases` page.
    pub(super) fn page_values(&self) -> Result<u64> {
        crate::get_or_load(&self.page_values, || {
            let column = self.reader.column_by_id(self.ids.residues)?;
            Ok(if column.num_pages() == 0 {
                1
            } else {
                u64::from(column.page_info(0)?.num_values).max(1)
            })
        })
        .copied()
    }

    /// Decode stream positions `range` (0-based, half-open) with exceptions applied.
    pub(super) fn fetch_bases(
        &self,
        range: Range<u64>,
        rna: bool,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.fetch_bases_cased(range, rna, true, out)
    }

    /// As `fetch_bases`; `mask` false leaves soft-masked bases upper case.
    pub(super) fn fetch_bases_cased(
        &self,
        range: Range<u64>,
        rna: bool,
        mask: bool,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        if range.is_empty() {
            return Ok(());
        }
        let first = out.len();
        self.decode_packed(range.clone(), rna, out)?;
        let dest = &mut out[first..];
        self.for_each_ambiguity_run(&range, |from, to, symbol| {
            dest[from..to].fill(symbol);
        })?;
        if mask {
            let (mask_start, mask_length, mask_index) = self.ids.mask.expect("nucleotide");
            self.for_each_run(
                &self.mask_index,
                mask_index,
                mask_start,
                mask_length,
                None,
                &range,
                |from, to, _| {
                    for b in &mut dest[from..to] {
                        b.make_ascii_lowercase();
                    }
                },
            )?;
        }
        Ok(())
    }

    /// As [`Sequences::fetch_record_into`] but upper case throughout
    /// (soft-masking ignored), for searching and counting.
    pub fn fetch_record_upper_into(
        &self,
        record: usize,
        range: Range<u64>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        match self.alphabet {
            Alphabet::Protein => {
                let first = out.len();
                self.fetch_record_into(record, range, out)?;
                out[first..].make_ascii_uppercase();
                Ok(())
            }
            Alphabet::Nucleotide => {
                let (start, end, rna) = self.stream_range(record, &range)?;
                self.fetch_bases_cased(start..end, rna, false, out)
            }
        }
    }

    /// Stream range of a record range, checked: (start, end, rna).
    pub(super) fn stream_range(
        &self,
        record: usize,
        range: &Range<u64>,
    ) -> Result<(u64, u64, bool)> {
        let records = self.records()?;
        let Some(&length) = records.length.get(record) else {
            return Err(self.no_record(record));
        };
        if range.start > range.end || range.end > length {
            return Err(Error::RegionOutOfRange {
                record: record as u64,
                start: range.start,
                end: range.end,
                length,
            });
        }
        let offset = records.offset[record];
        Ok((
            offset + range.start,
            offset + range.end,
            records.flags[record] & FLAG_RNA != 0,
        ))
    }

    /// 2-bit decode of stream positions `range`, page by page.
    pub(super) fn decode_packed(
        &self,
        range: Range<u64>,
        rna: bool,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let page_values = self.page_values()?;
        let page_bases = page_values * 4;
        let column = self.reader.column_by_id(self.ids.residues)?;
        let first_page = column.meta().first_page;
        let mut pos = range.start;
        while pos < range.end {
            let index = pos / page_bases;
            let page_start = index * page_bases;
            // A small read of an uncached page decodes only the zstd blocks
            // that reach it (the column reader decides; scans get whole pages).
            let needed = (range.end.min(page_start + page_bases) - page_start).div_ceil(4);
            let (info, data) = column.page_prefix(index, needed as usize)?;
            let page_end = page_start + u64::from(info.num_values) * 4;
            if info.first_row != index * page_values || page_end <= pos {
                return Err(self.bad_page_row(first_page + index, index, page_values, &info));
            }
            let take = range.end.min(page_end) - pos;
            let from = (pos - page_start) as usize / 4;
            let to = ((pos - page_start + take) as usize).div_ceil(4);
            if to > data.len() {
                return Err(self.bad_page_row(first_page + index, index, page_values, &info));
            }
            gcol_format::kernels::prefetch(&data[from..to]);
            decode_2bit(&data, (pos - page_start) as usize, take as usize, rna, out);
            pos += take;
        }
        Ok(())
    }

    /// A bases page that is not where (or as long as) fixed-size pages put it.
    pub(super) fn bad_page_row(
        &self,
        page: u64,
        index: u64,
        page_values: u64,
        info: &PageInfo,
    ) -> Error {
        Error::InvalidEntry {
            page,
            offset: 0,
            field: "first row",
            expected: format!("{} (pages of {page_values} bytes)", index * page_values),
            found: format!("{} ({} values)", info.first_row, info.num_values),
        }
    }

    /// [`Sequences::for_each_run`] over the ambiguity runs (spec 12.4 step 2).
    pub(super) fn for_each_ambiguity_run(
        &self,
        range: &Range<u64>,
        f: impl FnMut(usize, usize, u8),
    ) -> Result<()> {
        let (start, length, symbol, index) = self.ids.amb.expect("nucleotide");
        self.for_each_run(
            &self.amb_index,
            index,
            start,
            length,
            Some(symbol),
            range,
            f,
        )
    }

    /// Call `f(from, to, symbol)` (offsets relative to `range.start`) for
    /// every run of a run table overlapping `range`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn for_each_run(
        &self,
        index_cell: &OnceLock<RunIndex>,
        index_id: u32,
        start_id: u32,
        length_id: u32,
        symbol_id: Option<u32>,
        range: &Range<u64>,
        mut f: impl FnMut(usize, usize, u8),
    ) -> Result<()> {
        // No runs at all (common: no soft-masking, no N): nothing to read.
        if self.reader.column_by_id(start_id)?.num_values() == 0 {
            return Ok(());
        }
        let table = crate::get_or_load(index_cell, || {
            let column = self.reader.column_by_id(index_id)?;
            let index = column.read::<u64>(0..column.num_values())?;
            let total = self.reader.column_by_id(start_id)?.num_values();
            // Small tables (up to one page of starts) are kept whole in memory,
            // so fetches search them without page lookups.
            let small = if total <= SMALL_RUN_TABLE {
                let starts = self.reader.column_by_id(start_id)?.read::<u64>(0..total)?;
                let lengths = self.reader.column_by_id(length_id)?.read::<u32>(0..total)?;
                let symbols = match symbol_id {
                    Some(id) => self.reader.column_by_id(id)?.read::<u8>(0..total)?,
                    None => Vec::new(),
                };
                Some((starts, lengths, symbols))
            } else {
                None
            };
            let table = RunIndex { index, small };
            self.check_run_table(&table, index_id, start_id, total)?;
            Ok(table)
        })?;
        let index = &table.index;
        let bin = (range.start / self.bin_bases) as usize;
        let Some(&first) = index.get(bin) else {
            return Ok(());
        };
        if let Some((starts, lengths, symbols)) = &table.small {
            for i in first as usize..starts.len() {
                let s = starts[i];
                if s >= range.end {
                    break;
                }
                let e = s + u64::from(lengths[i]);
                if e > range.start {
                    let from = (s.max(range.start) - range.start) as usize;
                    let to = (e.min(range.end) - range.start) as usize;
                    f(from, to, symbols.get(i).copied().unwrap_or(0));
                }
            }
            return Ok(());
        }
        let starts_col = self.reader.column_by_id(start_id)?;
        let total = starts_col.num_values();
        if first >= total {
            // Every run ends before this bin: nothing to read.
            return Ok(());
        }
        let lengths_col = self.reader.column_by_id(length_id)?;
        let symbols_col = symbol_id
            .map(|id| self.reader.column_by_id(id))
            .transpose()?;
        let stream = self.stream_len()?;
        let mut previous_end = 0u64;
        let mut row = first;
        let mut starts: Vec<u64> = Vec::new();
        let mut lengths = Vec::new();
        let mut symbols = Vec::new();
        const CHUNK: u64 = 64;
        while row < total {
            let to = (row + CHUNK).min(total);
            starts.clear();
            lengths.clear();
            symbols.clear();
            starts_col.read_into(row..to, &mut starts)?;
            lengths_col.read_into::<u32>(row..to, &mut lengths)?;
            if let Some(c) = &symbols_col {
                c.read_into::<u8>(row..to, &mut symbols)?;
            }
            if lengths.len() != starts.len()
                || symbols_col.is_some() && symbols.len() != starts.len()
            {
                return Err(self.invariant(
                    &lengths_col.meta().name,
                    lengths_col.num_values(),
                    "12.3",
                    format!("run columns hold different numbers of values ({total} starts)"),
                ));
            }
            for i in 0..starts.len() {
                let s = starts[i];
                // spec 12.3, checked as each run is met (the table is not
                // read whole): sorted, disjoint, inside the stream.
                let e = self.check_run(
                    start_id,
                    row + i as u64,
                    s,
                    lengths[i],
                    previous_end,
                    stream,
                )?;
                previous_end = e;
                if s >= range.end {
                    return Ok(());
                }
                if e > range.start {
                    let from = (s.max(range.start) - range.start) as usize;
                    let to = (e.min(range.end) - range.start) as usize;
                    f(from, to, symbols.get(i).copied().unwrap_or(0));
                }
            }
            row = to;
        }
        Ok(())
    }
}
