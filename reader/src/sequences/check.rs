//! The invariants of `sequences` and `reads` datasets (spec 8.4, 12, 13).
//!
//! Readers check what they size reads by before using it: the record
//! table when it loads (offsets are running sums of lengths, and the
//! residue and quality columns hold exactly the stream they imply), a run
//! index when it loads, and each run as a fetch meets it. A damaged value
//! with valid checksums is then an [`Error::Invariant`] naming the column
//! and row, never an index past a page, a huge allocation or a loop.
//! [`Sequences::check_invariants`] checks every invariant over the whole
//! dataset (deep verification).

use gcol_format::schema::sequences::{FLAG_CRLF, FLAG_IRREGULAR, FLAG_NO_FINAL_NEWLINE, FLAG_RNA};

use super::fetch::RunIndex;
use super::{Alphabet, Records, Sequences};
use crate::{Error, Result};

/// Symbols an ambiguity run may hold (spec 12.3).
const RUN_SYMBOLS: &[u8] = b"NRYKMSWBDHV-UT";

/// What [`Sequences::check_invariants`] looked at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvariantReport {
    /// Records (or reads) checked.
    pub records: u64,
    /// Ambiguity and mask runs checked.
    pub runs: u64,
    /// Residues in the stream.
    pub residues: u64,
}

/// Rows read at a time when a check walks a column.
const CHUNK: u64 = 1 << 16;

impl Sequences {
    pub(super) fn invariant(
        &self,
        column: &str,
        row: u64,
        rule: &'static str,
        detail: String,
    ) -> Error {
        Error::Invariant {
            column: format!("{}/{column}", self.dataset),
            row,
            rule,
            detail,
        }
    }

    pub(super) fn column_name(&self, id: u32) -> String {
        self.reader.column_meta(id).1.name.clone()
    }

    /// Spec 12.2, 12.3, 12.5, 13: `offset` is the running sum of `length`
    /// (in a protein stream of `clustered` order, the records' ranges tile
    /// the stream in another order), and the residue (and quality) columns
    /// hold exactly that stream. Returns the stream length `S`.
    pub(super) fn check_records(&self, records: &Records) -> Result<u64> {
        let offset_col = self.column_name(self.ids.offset);
        let mut sum = 0u64;
        for (i, &length) in records.length.iter().enumerate() {
            sum = sum.checked_add(length).ok_or_else(|| {
                self.invariant(
                    &self.column_name(self.ids.length),
                    i as u64,
                    "12.2",
                    format!("length {length} overflows the stream"),
                )
            })?;
        }
        if self.clustered {
            // An empty record's offset is any position in the stream.
            if let Some(i) = (0..records.offset.len())
                .find(|&i| records.length[i] == 0 && records.offset[i] > sum)
            {
                return Err(self.invariant(
                    &offset_col,
                    i as u64,
                    "12.5",
                    format!(
                        "offset {} of an empty record is past the stream of {sum} residues",
                        records.offset[i]
                    ),
                ));
            }
            // Sorted by offset, the non-empty ranges follow each other from 0.
            let mut order: Vec<usize> = (0..records.offset.len())
                .filter(|&i| records.length[i] > 0)
                .collect();
            order.sort_unstable_by_key(|&i| records.offset[i]);
            let mut next = 0u64;
            for i in order {
                if records.offset[i] != next {
                    return Err(self.invariant(
                        &offset_col,
                        i as u64,
                        "12.5",
                        format!(
                            "offset {} leaves a gap or an overlap in the residue stream (expected {next})",
                            records.offset[i]
                        ),
                    ));
                }
                next += records.length[i];
            }
        } else {
            let mut running = 0u64;
            for (i, (&offset, &length)) in records.offset.iter().zip(&records.length).enumerate() {
                if offset != running {
                    return Err(self.invariant(
                        &offset_col,
                        i as u64,
                        "12.2",
                        format!(
                            "offset {offset} is not the sum of the lengths before it ({running})"
                        ),
                    ));
                }
                running += length;
            }
        }
        let residues = self.reader.column_by_id(self.ids.residues)?;
        let (stored, expected, rule) = match self.alphabet {
            Alphabet::Nucleotide => (residues.num_values(), sum.div_ceil(4), "12.3"),
            Alphabet::Protein => (residues.num_values(), sum, "12.5"),
        };
        if stored != expected {
            return Err(self.invariant(
                &residues.meta().name,
                stored,
                rule,
                format!(
                    "holds {stored} values, the records' lengths ({sum} residues) need {expected}"
                ),
            ));
        }
        if let Some(quality) = self.ids.quality {
            let column = self.reader.column_by_id(quality)?;
            if column.num_values() != sum {
                return Err(self.invariant(
                    &column.meta().name,
                    column.num_values(),
                    "13",
                    format!(
                        "holds {} qualities for {sum} bases (one per base)",
                        column.num_values()
                    ),
                ));
            }
        }
        Ok(sum)
    }

    /// Spec 12.3: a run index has `ceil(S / bin_bases) + 1` values, never
    /// decreasing and at most the number of runs; a run table kept whole
    /// is sorted, without overlaps, each run at least 1 long and inside
    /// the stream.
    pub(super) fn check_run_table(
        &self,
        table: &RunIndex,
        index_id: u32,
        start_id: u32,
        total: u64,
    ) -> Result<()> {
        let stream = self.stream_len()?;
        let index_col = self.column_name(index_id);
        let bins = stream.div_ceil(self.bin_bases) + 1;
        if table.index.len() as u64 != bins {
            return Err(self.invariant(
                &index_col,
                table.index.len() as u64,
                "12.3",
                format!(
                    "has {} values, a stream of {stream} bases in bins of {} needs {bins}",
                    table.index.len(),
                    self.bin_bases
                ),
            ));
        }
        let mut previous = 0u64;
        for (b, &value) in table.index.iter().enumerate() {
            if value < previous || value > total {
                return Err(self.invariant(
                    &index_col,
                    b as u64,
                    "12.3",
                    format!(
                        "value {value} after {previous}: run indexes never decrease and are at most the {total} runs"
                    ),
                ));
            }
            previous = value;
        }
        if let Some((starts, lengths, symbols)) = &table.small {
            if lengths.len() != starts.len()
                || !(symbols.is_empty() || symbols.len() == starts.len())
            {
                return Err(self.invariant(
                    &self.column_name(start_id),
                    total,
                    "12.3",
                    format!(
                        "{} starts, {} lengths, {} symbols: run columns hold one value per run",
                        starts.len(),
                        lengths.len(),
                        symbols.len()
                    ),
                ));
            }
            let mut end = 0u64;
            for (i, (&start, &length)) in starts.iter().zip(lengths).enumerate() {
                end = self.check_run(start_id, i as u64, start, length, end, stream)?;
            }
        }
        Ok(())
    }

    /// One run at row `row`, after runs ending at `previous_end`: returns
    /// its end. Spec 12.3: sorted, not overlapping, at least 1 long,
    /// inside a stream of `stream` bases.
    pub(super) fn check_run(
        &self,
        start_id: u32,
        row: u64,
        start: u64,
        length: u32,
        previous_end: u64,
        stream: u64,
    ) -> Result<u64> {
        let end = start.saturating_add(u64::from(length));
        let problem = if length == 0 {
            Some("a run of length 0".to_string())
        } else if start < previous_end {
            Some(format!(
                "run at {start} starts before the previous run ends ({previous_end})"
            ))
        } else if end > stream {
            Some(format!(
                "run {start}..{end} ends past the stream of {stream} bases"
            ))
        } else {
            None
        };
        match problem {
            Some(detail) => Err(self.invariant(&self.column_name(start_id), row, "12.3", detail)),
            None => Ok(end),
        }
    }

    /// Spec 12.2: each record's `name` is the first token of its
    /// `definition` (after spaces and tabs, up to the next space, tab or
    /// end). Datasets without a `definition` column have nothing to check.
    pub(super) fn check_names(&self, definitions: &[Vec<u8>]) -> Result<()> {
        let Some(name_id) = self.ids.name else {
            return Ok(()); // names are taken from the definitions
        };
        if self.ids.definition.is_none() {
            return Ok(());
        }
        let mut mismatch = None;
        self.reader
            .column_by_id(name_id)?
            .for_each_binary(0..self.num_records, |row, name| {
                let expected = definitions.get(row as usize).map(|d| first_token(d));
                if mismatch.is_none() && expected != Some(name) {
                    mismatch = Some((row, String::from_utf8_lossy(name).into_owned()));
                }
            })?;
        match mismatch {
            None => Ok(()),
            Some((row, name)) => Err(self.invariant(
                &self.column_name(name_id),
                row,
                "12.2",
                format!(
                    "name {name:?} is not the first token of the definition line {:?}",
                    String::from_utf8_lossy(definitions.get(row as usize).map_or(&[][..], |d| d))
                ),
            )),
        }
    }

    /// Bases (or residues) in the stream: the sum of the record lengths
    /// (computed once, when the record table loads; fetches ask for it).
    pub(super) fn stream_len(&self) -> Result<u64> {
        Ok(self.records()?.stream)
    }

    /// Check every invariant of spec 8.4 for this dataset: the record table
    /// (12.2, 13), flags, every ambiguity and mask run (sorted, not
    /// overlapping, at least 1 long, inside one record, a known symbol),
    /// the run indexes value by value, `bases` pages of one size but the
    /// last and zero padding bits (12.3), and mates 1, 2, 1, 2 (13).
    /// Reads every page of the dataset's record and run columns once.
    pub fn check_invariants(&self) -> Result<InvariantReport> {
        let stream = self.stream_len()?;
        let records = self.records()?;
        let mut report = InvariantReport {
            records: self.num_records,
            runs: 0,
            residues: stream,
        };
        let known = FLAG_CRLF | FLAG_RNA | FLAG_IRREGULAR | FLAG_NO_FINAL_NEWLINE;
        if let Some(i) = records.flags.iter().position(|&f| f & !known != 0) {
            return Err(self.invariant(
                &self.column_name(self.ids.flags),
                i as u64,
                "12.2",
                format!("flags {:#04x} set unknown bits", records.flags[i]),
            ));
        }
        if self.ids.definition.is_some() {
            self.check_names(&self.definitions()?)?;
        }
        if let Some(mate) = self.ids.mate {
            let mates: Vec<u8> = self.reader.column_by_id(mate)?.read(0..self.num_records)?;
            if let Some(i) = (0..mates.len()).find(|&i| mates[i] != 1 + (i % 2) as u8) {
                return Err(self.invariant(
                    &self.column_name(mate),
                    i as u64,
                    "13",
                    format!("mate {} where {} alternates", mates[i], 1 + i % 2),
                ));
            }
        }
        if self.alphabet == Alphabet::Nucleotide {
            self.check_bases_pages(stream)?;
            let (start, length, symbol, index) = self.ids.amb.expect("nucleotide");
            report.runs += self.check_runs_deep(start, length, Some(symbol), index, records)?;
            let (start, length, index) = self.ids.mask.expect("nucleotide");
            report.runs += self.check_runs_deep(start, length, None, index, records)?;
        }
        Ok(report)
    }

    /// Spec 12.3: every `bases` page but the last holds the same number of
    /// bytes, and the unused low bits of the last byte are zero.
    fn check_bases_pages(&self, stream: u64) -> Result<()> {
        let column = self.reader.column_by_id(self.ids.residues)?;
        let pages = column.num_pages();
        if pages == 0 {
            return Ok(());
        }
        let size = column.page_info(0)?.num_values;
        for index in 1..pages.saturating_sub(1) {
            let info = column.page_info(index)?;
            if info.num_values != size {
                return Err(self.invariant(
                    &column.meta().name,
                    info.first_row,
                    "12.3",
                    format!(
                        "page {index} holds {} bytes, every page but the last holds {size}",
                        info.num_values
                    ),
                ));
            }
        }
        let used = stream % 4;
        if used != 0 {
            let last_row = column.num_values() - 1;
            let byte = column.read::<u8>(last_row..last_row + 1)?[0];
            if byte & (0xFF >> (2 * used)) != 0 {
                return Err(self.invariant(
                    &column.meta().name,
                    last_row,
                    "12.3",
                    format!("unused low bits of the last byte are not zero ({byte:#04x})"),
                ));
            }
        }
        Ok(())
    }

    /// Every run of one table against its records and its index; returns
    /// the number of runs.
    fn check_runs_deep(
        &self,
        start_id: u32,
        length_id: u32,
        symbol_id: Option<u32>,
        index_id: u32,
        records: &Records,
    ) -> Result<u64> {
        let stream = self.stream_len()?;
        let starts_col = self.reader.column_by_id(start_id)?;
        let lengths_col = self.reader.column_by_id(length_id)?;
        let total = starts_col.num_values();
        for other in std::iter::once(length_id).chain(symbol_id) {
            let column = self.reader.column_by_id(other)?;
            if column.num_values() != total {
                return Err(self.invariant(
                    &column.meta().name,
                    column.num_values(),
                    "12.3",
                    format!("holds {} values for {total} runs", column.num_values()),
                ));
            }
        }
        let index_col = self.reader.column_by_id(index_id)?;
        let bins = stream.div_ceil(self.bin_bases) + 1;
        if index_col.num_values() != bins {
            return Err(self.invariant(
                &index_col.meta().name,
                index_col.num_values(),
                "12.3",
                format!(
                    "has {} values, a stream of {stream} bases needs {bins}",
                    index_col.num_values()
                ),
            ));
        }
        // Expected index: bin b's value is the first run ending after
        // b * bin_bases; computed as runs go by.
        let mut expected_bin = 0u64;
        let mut index_values: Vec<u64> = Vec::new();
        let mut check_bins_until = |run: u64, run_end: u64| -> Result<()> {
            // Bins whose start is before `run_end` and not yet assigned get `run`.
            while expected_bin < bins && expected_bin * self.bin_bases < run_end {
                index_values.clear();
                index_col.read_into(expected_bin..expected_bin + 1, &mut index_values)?;
                if index_values[0] != run {
                    return Err(self.invariant(
                        &index_col.meta().name,
                        expected_bin,
                        "12.3",
                        format!(
                            "value {} where the first run ending after base {} is run {run}",
                            index_values[0],
                            expected_bin * self.bin_bases
                        ),
                    ));
                }
                expected_bin += 1;
            }
            Ok(())
        };
        let mut record = 0usize;
        let mut previous_end = 0u64;
        let (mut starts, mut lengths, mut symbols) = (Vec::new(), Vec::new(), Vec::new());
        let mut row = 0u64;
        while row < total {
            let to = (row + CHUNK).min(total);
            starts.clear();
            lengths.clear();
            symbols.clear();
            starts_col.read_into::<u64>(row..to, &mut starts)?;
            lengths_col.read_into::<u32>(row..to, &mut lengths)?;
            if let Some(id) = symbol_id {
                self.reader
                    .column_by_id(id)?
                    .read_into::<u8>(row..to, &mut symbols)?;
            }
            for i in 0..starts.len() {
                let r = row + i as u64;
                let (start, length) = (starts[i], lengths[i]);
                let end = self.check_run(start_id, r, start, length, previous_end, stream)?;
                previous_end = end;
                while record < records.offset.len()
                    && records.offset[record] + records.length[record] <= start
                {
                    record += 1;
                }
                let record_end = records
                    .offset
                    .get(record)
                    .map(|&o| o + records.length[record])
                    .unwrap_or(0);
                if end > record_end {
                    return Err(self.invariant(
                        &self.column_name(start_id),
                        r,
                        "12.3",
                        format!(
                            "run {start}..{end} crosses the end of record {record} at {record_end}"
                        ),
                    ));
                }
                if let Some(&symbol) = symbols.get(i) {
                    if !RUN_SYMBOLS.contains(&symbol) {
                        return Err(self.invariant(
                            &self.column_name(symbol_id.expect("symbols")),
                            r,
                            "12.3",
                            format!(
                                "symbol {:?} is not an IUPAC code, '-', 'U' or 'T'",
                                symbol as char
                            ),
                        ));
                    }
                }
                check_bins_until(r, end)?;
            }
            row = to;
        }
        check_bins_until(total, u64::MAX)?;
        Ok(total)
    }
}

/// The first token of a definition line (spec 12.2, htslib's rule).
pub(super) fn first_token(definition: &[u8]) -> &[u8] {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = definition
        .iter()
        .position(|b| !blank(b))
        .unwrap_or(definition.len());
    let rest = &definition[start..];
    let end = rest.iter().position(blank).unwrap_or(rest.len());
    &rest[..end]
}

#[cfg(test)]
mod tests {
    use gcol_format::schema::sequences::{columns as col, meta, SCHEMA};
    use gcol_writer::{ColumnSpec, DatasetSpec, WriteOptions, Writer};

    use crate::{Error, Reader};

    /// A hand-made nucleotide `sequences` dataset: two records of 8 and 11
    /// bases (`ACGTACGT`, `NNACGTACGTA` with the Ns as one ambiguity run),
    /// a mask run over bases 2..4 of the first, bins of 8 bases. `edit`
    /// changes the values before they are written, checksums stay valid.
    struct Hand {
        names: Vec<&'static str>,
        definitions: Vec<&'static str>,
        lengths: Vec<u64>,
        offsets: Vec<u64>,
        amb: Vec<(u64, u32, u8)>,
        amb_index: Vec<u64>,
        mask: Vec<(u64, u32)>,
        mask_index: Vec<u64>,
        bases: Vec<u8>,
    }

    fn hand(edit: impl FnOnce(&mut Hand)) -> Reader {
        // Stream: ACGTACGT AAACGTACGTAC (the Ns stored as code 0).
        let stream = b"ACGTACGTAAACGTACGTA";
        let mut bases = vec![0u8; stream.len().div_ceil(4)];
        for (i, b) in stream.iter().enumerate() {
            let code = b"ACGT".iter().position(|c| c == b).unwrap() as u8;
            bases[i / 4] |= code << (6 - 2 * (i % 4));
        }
        let mut h = Hand {
            names: vec!["one", "two"],
            definitions: vec!["one test", " two\tmore"],
            lengths: vec![8, 11],
            offsets: vec![0, 8],
            amb: vec![(8, 2, b'N')],
            // 19 bases in bins of 8: ceil(19/8) + 1 = 4 values.
            amb_index: vec![0, 0, 1, 1],
            mask: vec![(2, 2)],
            mask_index: vec![0, 1, 1, 1],
            bases,
        };
        edit(&mut h);
        let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
        let d = w
            .add_dataset(
                DatasetSpec::new("s", SCHEMA.kind)
                    .metadata(meta::ALPHABET, "nucleotide")
                    .metadata(meta::BIN_BASES, "8"),
            )
            .unwrap();
        let c = |w: &mut Writer<Vec<u8>>, name: &str| {
            w.add_column(d, ColumnSpec::of(SCHEMA.column(name)))
                .unwrap()
        };
        let name = c(&mut w, col::NAME);
        let definition = c(&mut w, col::DEFINITION);
        for (n, d) in h.names.iter().zip(&h.definitions) {
            w.push_binary(name, n.as_bytes()).unwrap();
            w.push_binary(definition, d.as_bytes()).unwrap();
        }
        let length = c(&mut w, col::LENGTH);
        w.push(length, &h.lengths).unwrap();
        let offset = c(&mut w, col::OFFSET);
        w.push(offset, &h.offsets).unwrap();
        let line_width = c(&mut w, col::LINE_WIDTH);
        w.push(line_width, &vec![60u32; h.lengths.len()]).unwrap();
        let blank_lines = c(&mut w, col::BLANK_LINES);
        w.push(blank_lines, &vec![0u32; h.lengths.len()]).unwrap();
        let flags = c(&mut w, col::FLAGS);
        w.push(flags, &vec![0u8; h.lengths.len()]).unwrap();
        let bases = c(&mut w, col::BASES);
        w.push(bases, &h.bases).unwrap();
        let (s, l, y, i) = (
            c(&mut w, col::AMB_START),
            c(&mut w, col::AMB_LENGTH),
            c(&mut w, col::AMB_SYMBOL),
            c(&mut w, col::AMB_INDEX),
        );
        for &(start, len, symbol) in &h.amb {
            w.push(s, &[start]).unwrap();
            w.push(l, &[len]).unwrap();
            w.push(y, &[symbol]).unwrap();
        }
        w.push(i, &h.amb_index).unwrap();
        let (s, l, i) = (
            c(&mut w, col::MASK_START),
            c(&mut w, col::MASK_LENGTH),
            c(&mut w, col::MASK_INDEX),
        );
        for &(start, len) in &h.mask {
            w.push(s, &[start]).unwrap();
            w.push(l, &[len]).unwrap();
        }
        w.push(i, &h.mask_index).unwrap();
        Reader::from_bytes(w.finish().unwrap()).unwrap()
    }

    /// The invariant broken: deep verification names it, and fetch or
    /// export (what a reader sizes reads by) refuses the file too, without
    /// a panic or a loop.
    fn broken(edit: impl FnOnce(&mut Hand), needle: &str) {
        broken_deep(edit, needle, true)
    }

    fn broken_deep(edit: impl FnOnce(&mut Hand), needle: &str, readers_notice: bool) {
        let reader = hand(edit);
        let deep = reader.verify_with(true, |_, _| {}).expect_err(needle);
        assert!(matches!(deep, Error::Invariant { .. }), "{deep}");
        assert!(deep.to_string().contains(needle), "{deep}");
        let set = reader.sequences("s").unwrap();
        let fetched = (0..2).try_for_each(|r| {
            let length = set.length(r)?;
            set.fetch_record_into(r, 0..length, &mut Vec::new())
        });
        let exported = set.write_fasta(&mut Vec::new(), &Default::default(), |_, _| {});
        if readers_notice {
            assert!(
                fetched.is_err() || exported.is_err(),
                "{needle}: neither fetch nor export noticed"
            );
        }
    }

    /// A protein dataset in `clustered` order (spec 12.5): records `ab`,
    /// `cde`, `` (empty) stored as `cde` then `ab`, with `offsets`.
    fn clustered(offsets: [u64; 3]) -> Reader {
        let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
        let d = w
            .add_dataset(
                DatasetSpec::new("p", SCHEMA.kind)
                    .metadata(meta::ALPHABET, "protein")
                    .metadata(meta::RESIDUE_ORDER, meta::CLUSTERED),
            )
            .unwrap();
        let c = |w: &mut Writer<Vec<u8>>, name: &str| {
            w.add_column(d, ColumnSpec::of(SCHEMA.column(name)))
                .unwrap()
        };
        let definition = c(&mut w, col::DEFINITION);
        for def in ["a x", "b y", "c z"] {
            w.push_binary(definition, def.as_bytes()).unwrap();
        }
        let length = c(&mut w, col::LENGTH);
        w.push(length, &[2u64, 3, 0]).unwrap();
        let offset = c(&mut w, col::OFFSET);
        w.push(offset, &offsets).unwrap();
        for (name, value) in [(col::LINE_WIDTH, 60u32), (col::BLANK_LINES, 0)] {
            let id = c(&mut w, name);
            w.push(id, &[value; 3]).unwrap();
        }
        let flags = c(&mut w, col::FLAGS);
        w.push(flags, &[0u8; 3]).unwrap();
        let residues = c(&mut w, col::RESIDUES);
        w.push(residues, b"CDEAB").unwrap();
        Reader::from_bytes(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn clustered_offsets_tile_the_stream() {
        let reader = clustered([3, 0, 5]);
        assert_eq!(reader.version(), (1, 2));
        let set = reader.sequences("p").unwrap();
        assert_eq!(set.fetch("a", 0..2).unwrap(), b"AB");
        assert_eq!(set.fetch("b", 0..3).unwrap(), b"CDE");
        assert_eq!(set.names().unwrap(), ["a", "b", "c"]);
        reader.verify_with(true, |_, _| {}).unwrap();
        for (offsets, needle) in [
            ([2, 0, 5], "gap or an overlap"),
            ([3, 1, 5], "gap or an overlap"),
            ([3, 0, 6], "empty record is past the stream"),
        ] {
            let err = clustered(offsets)
                .verify_with(false, |_, _| {})
                .unwrap_err();
            assert!(err.to_string().contains(needle), "{offsets:?}: {err}");
        }
    }

    #[test]
    fn a_sound_dataset_passes_and_reads() {
        let reader = hand(|_| {});
        let report = reader.verify_with(true, |_, _| {}).unwrap();
        assert_eq!((report.records, report.runs), (2, 2));
        let set = reader.sequences("s").unwrap();
        assert_eq!(set.fetch("one", 0..8).unwrap(), b"ACgtACGT");
        assert_eq!(set.fetch("two", 0..11).unwrap(), b"NNACGTACGTA");
    }

    #[test]
    fn each_invariant_is_caught() {
        broken(|h| h.offsets[1] = 9, "offset 9 is not the sum");
        broken(|h| h.lengths[1] = 40, "holds 5 values");
        broken(|h| h.amb = vec![(8, 0, b'N')], "a run of length 0");
        broken(|h| h.amb = vec![(17, 4, b'N')], "ends past the stream");
        broken(
            |h| h.mask = vec![(2, 2), (3, 1)],
            "starts before the previous run ends",
        );
        // Only deep verification follows runs across record ends.
        broken_deep(
            |h| h.mask = vec![(6, 4)],
            "crosses the end of record 0",
            false,
        );
        broken(|h| h.amb_index = vec![0, 0, 1], "has 3 values");
        broken(|h| h.amb_index = vec![0, 1, 0, 1], "is run 0");
        broken(|h| h.amb_index = vec![0, 0, 1, 7], "amb_index\", row 3");
        broken_deep(
            |h| h.amb = vec![(8, 2, b'Q')],
            "is not an IUPAC code",
            false,
        );
        broken_deep(|h| h.bases[4] |= 1, "unused low bits", false);
        broken(|h| h.names[1] = "zwei", "not the first token");
    }
}
