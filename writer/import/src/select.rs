//! Region and sample subsets of `variants` datasets (`gcol subset FILE
//! REGION... -s SAMPLES`): the rows a region selects (as `bcftools view
//! -r`) and the samples named (as `bcftools view -s`, AC and AN
//! recomputed for the samples kept), written column by column. A page
//! that lies wholly inside the selection is copied as stored (its
//! checksum checked); only the pages at a selection's edges, and the
//! columns whose values change (the contig table, the header, the sample
//! names, INFO keys when AC/AN are updated, FORMAT arrays cut to the
//! samples kept), are decoded and encoded again.

use std::collections::BTreeMap;
use std::ops::Range;

use gcol_format::encoding::EncodedPage;
use gcol_format::manifest::{Dataset, Layout};
use gcol_format::schema::variants::{columns as col, meta};
use gcol_format::{PhysicalType, Value};
use gcol_reader::variants::{row_runs, FormatKind, VcfWriteOptions, VcfWriter};
use gcol_reader::{ColumnReader, Reader, Variants, VcfRegion};
use gcol_writer::{ColumnId, Writer};

/// Errors of a selected write: reading the source, or writing.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The source did not read (damaged, or a usage error such as an
    /// unknown sample).
    Read(gcol_reader::Error),
    /// The writer refused.
    Write(gcol_writer::Error),
    /// The selection cannot be written as asked.
    Usage(String),
}

impl From<gcol_reader::Error> for Failure {
    fn from(e: gcol_reader::Error) -> Failure {
        Failure::Read(e)
    }
}

impl From<gcol_writer::Error> for Failure {
    fn from(e: gcol_writer::Error) -> Failure {
        Failure::Write(e)
    }
}

/// Pages a selected write copied and encoded again.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub copied: u64,
    pub encoded: u64,
}

/// What a subset keeps of one variants dataset, and the dataset as it
/// will be declared.
pub(crate) struct Selected {
    /// Source rows kept: ascending, disjoint.
    pub runs: Vec<Range<u64>>,
    /// Rows kept.
    pub num_rows: u64,
    /// Source sample indexes kept, in output order (`None`: every sample).
    samples: Option<Vec<usize>>,
    /// Source sample count.
    num_samples: u64,
    /// The dataset metadata of the subset.
    pub metadata: BTreeMap<String, String>,
    /// Columns left out (stored AC/AN when they become derived).
    skip: Vec<String>,
    header: Vec<u8>,
    sample_names: Vec<String>,
    contigs: Vec<String>,
    contig_ends: Vec<u64>,
    /// INFO/AC and INFO/AN recomputed for the samples kept.
    update_ac_an: bool,
}

/// Whether column `name` is AC or AN's stored column or one of its helpers.
fn is_ac_an(name: &str) -> bool {
    ["info/AC", "info/AN"]
        .iter()
        .any(|c| name == *c || name.strip_prefix(c).is_some_and(|r| r.starts_with('/')))
}

impl Selected {
    /// The rows of `regions` (every row when empty) and the samples
    /// `samples` (every one when `None`) of variants dataset `name`.
    pub fn new(
        reader: &Reader,
        name: &str,
        regions: &[VcfRegion],
        samples: Option<&[String]>,
    ) -> Result<Selected, Failure> {
        let v = Variants::open(reader, name)?;
        let dataset = v.dataset().clone();
        let runs = if regions.is_empty() {
            if v.num_sites() == 0 {
                Vec::new()
            } else {
                vec![0..v.num_sites()]
            }
        } else {
            row_runs(&v.regions_rows(regions)?)
        };
        let num_rows: u64 = runs.iter().map(|r| r.end - r.start).sum();
        let samples = match samples {
            None => None,
            Some(names) => {
                if names.is_empty() {
                    return Err(Failure::Usage(format!(
                        "dataset {name:?}: no sample would be kept (name at least one)"
                    )));
                }
                Some(v.sample_indexes(names)?)
            }
        };
        let has_gt = v.formats().iter().any(|f| f.kind == FormatKind::Gt);
        let update_ac_an = samples.is_some() && has_gt;
        // The header as `bcftools view -s` writes it (the chosen samples,
        // AC and AN declared when they are recomputed and undeclared).
        let header = {
            let options = VcfWriteOptions {
                samples: samples.clone(),
                update_ac_an: true,
            };
            let mut out = Vec::new();
            VcfWriter::new(&v, &options).write_header(&mut out)?;
            out
        };
        let sample_names = match &samples {
            Some(s) => s.iter().map(|&i| v.samples()[i].clone()).collect(),
            None => v.samples().to_vec(),
        };
        // Contigs with rows kept, and their ends in the subset.
        let (mut contigs, mut contig_ends) = (Vec::new(), Vec::new());
        let mut end = 0u64;
        for (i, c) in v.contigs().iter().enumerate() {
            let rows = v.contig_rows(i);
            let kept: u64 = runs
                .iter()
                .map(|r| r.end.min(rows.end).saturating_sub(r.start.max(rows.start)))
                .sum();
            if kept > 0 {
                end += kept;
                contigs.push(c.clone());
                contig_ends.push(end);
            }
        }
        let mut metadata = dataset.metadata.clone();
        let alt = v.column(col::ALT)?;
        let mut max_alt = 0u64;
        for run in &runs {
            let offsets = alt.list_offsets(run.clone())?;
            max_alt = max_alt.max(offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0));
        }
        if metadata.contains_key(meta::MAX_ALT_ALLELES) {
            metadata.insert(meta::MAX_ALT_ALLELES.into(), max_alt.to_string());
        }
        if num_rows != v.num_sites() {
            // What REF took as text in the whole file (spec 14.7) says
            // nothing of a part of it.
            metadata.remove(meta::REFERENCE_TEXT_BYTES);
        }
        if let Some(lines) = metadata.get(meta::REFERENCE_CONTIGS) {
            let kept: String = lines
                .lines()
                .filter(|l| contigs.iter().any(|c| l.split('\t').next() == Some(c)))
                .map(|l| format!("{l}\n"))
                .collect();
            metadata.insert(meta::REFERENCE_CONTIGS.into(), kept);
        }
        let mut skip = Vec::new();
        if update_ac_an {
            // AC and AN become what the kept samples' genotypes give: derived
            // (spec 14.3), with no column.
            skip.extend(
                dataset
                    .columns
                    .iter()
                    .filter(|c| is_ac_an(&c.name))
                    .map(|c| c.name.clone()),
            );
            metadata.insert(meta::DERIVED_INFO.into(), "AC,AN".into());
        }
        Ok(Selected {
            runs,
            num_rows,
            samples,
            num_samples: v.samples().len() as u64,
            metadata,
            skip,
            header,
            sample_names,
            contigs,
            contig_ends,
            update_ac_an,
        })
    }

    /// Whether column `name` is left out of the subset.
    pub fn skips(&self, name: &str) -> bool {
        self.skip.iter().any(|s| s == name)
    }

    /// The number of array columns of a chunked column of `columns`
    /// columns in the subset.
    pub fn chunk_columns(&self, columns: u64) -> u64 {
        match &self.samples {
            Some(s) if self.num_samples > 0 => columns / self.num_samples * s.len() as u64,
            _ => columns,
        }
    }

    /// Source array columns kept, in order, of a chunked column of
    /// `columns` columns (`None`: all).
    fn column_map(&self, columns: u64) -> Option<Vec<u64>> {
        let s = self.samples.as_ref()?;
        let per = columns / self.num_samples.max(1);
        Some(
            s.iter()
                .flat_map(|&i| (0..per).map(move |k| i as u64 * per + k))
                .collect(),
        )
    }

    /// Write every column of `dataset` (except those skipped) from
    /// `reader` to the columns `targets` names.
    pub fn write<W: std::io::Write>(
        &self,
        reader: &Reader,
        dataset: &Dataset,
        targets: &BTreeMap<String, ColumnId>,
        writer: &mut Writer<W>,
    ) -> Result<Counts, Failure> {
        let mut counts = Counts::default();
        let children: Vec<&str> = dataset
            .columns
            .iter()
            .filter_map(|c| match &c.layout {
                Some(Layout::List { child }) => Some(child.as_str()),
                _ => None,
            })
            .collect();
        let column = |n: &str| reader.column(&dataset.name, n);
        for c in &dataset.columns {
            if self.skips(&c.name) || children.contains(&c.name.as_str()) {
                continue;
            }
            let target = targets[&c.name];
            match c.name.as_str() {
                col::HEADER => writer.push_binary(target, &self.header)?,
                col::SAMPLE => {
                    for s in &self.sample_names {
                        writer.push_binary(target, s.as_bytes())?;
                    }
                }
                col::CONTIG => {
                    for s in &self.contigs {
                        writer.push_binary(target, s.as_bytes())?;
                    }
                }
                col::CONTIG_END => writer.push(target, &self.contig_ends)?,
                col::REF_MISMATCH => {
                    let src = column(&c.name)?;
                    let rows: Vec<u64> = src.read(0..src.num_values())?;
                    writer.push(target, &self.renumber(&rows))?;
                }
                col::INFO_KEYS if self.update_ac_an => {
                    self.write_info_keys(reader, dataset, writer, target)?;
                }
                _ => {
                    let src = column(&c.name)?;
                    if matches!(c.layout, Some(Layout::Chunked { .. })) {
                        self.write_chunked(&src, writer, target, &mut counts)?;
                        continue;
                    }
                    if src.num_values() != dataset.num_rows.unwrap_or(0) {
                        return Err(Failure::Read(gcol_reader::Error::Invariant {
                            column: format!("{}/{}", dataset.name, c.name),
                            row: 0,
                            rule: "14.2 site columns",
                            detail: format!(
                                "{} values for {} records",
                                src.num_values(),
                                dataset.num_rows.unwrap_or(0)
                            ),
                        }));
                    }
                    write_runs(
                        reader,
                        dataset,
                        &src,
                        targets,
                        writer,
                        &self.runs,
                        &mut counts,
                    )?;
                }
            }
        }
        Ok(counts)
    }

    /// Rows of the subset of source rows `rows` (ascending) that are kept.
    fn renumber(&self, rows: &[u64]) -> Vec<u64> {
        let mut out = Vec::new();
        let mut before = 0u64;
        let mut runs = self.runs.iter().peekable();
        for &r in rows {
            while let Some(run) = runs.peek() {
                if r >= run.end {
                    before += run.end - run.start;
                    runs.next();
                } else {
                    break;
                }
            }
            if let Some(run) = runs.peek() {
                if run.contains(&r) {
                    out.push(before + r - run.start);
                }
            }
        }
        out
    }

    /// `info_keys` with AC and AN set as `bcftools view -s` sets them on a
    /// record with GT: AC (when the record has ALT alleles) then AN, each
    /// kept in place when present, else added at the end.
    fn write_info_keys<W: std::io::Write>(
        &self,
        reader: &Reader,
        dataset: &Dataset,
        writer: &mut Writer<W>,
        target: ColumnId,
    ) -> Result<(), Failure> {
        let keys = reader.column(&dataset.name, col::INFO_KEYS)?;
        let format_keys = reader.column(&dataset.name, col::FORMAT_KEYS)?;
        let alt = reader.column(&dataset.name, col::ALT)?;
        for run in &self.runs {
            let mut has_gt = Vec::with_capacity((run.end - run.start) as usize);
            format_keys.for_each_binary_option(run.clone(), |_, v| {
                has_gt.push(v.is_some_and(|k| k.split(|&b| b == b':').any(|k| k == b"GT")));
            })?;
            let offsets = alt.list_offsets(run.clone())?;
            let mut rows = Vec::with_capacity(has_gt.len());
            keys.for_each_binary(run.clone(), |row, v| rows.push((row, v.to_vec())))?;
            for (i, (row, text)) in rows.into_iter().enumerate() {
                let mut items: Vec<&[u8]> = if text.is_empty() {
                    Vec::new()
                } else {
                    text.split(|&b| b == b';').collect()
                };
                if has_gt[i] {
                    let n_alt = offsets[i + 1] - offsets[i];
                    let at = items.iter().position(|k| *k == b"AC");
                    match (at, n_alt > 0) {
                        (Some(_), true) => {}
                        (None, true) => items.push(b"AC"),
                        (Some(at), false) => {
                            items.remove(at);
                        }
                        (None, false) => {}
                    }
                    if !items.contains(&&b"AN"[..]) {
                        items.push(b"AN");
                    }
                } else if let Some(k) = items.iter().find(|k| **k == b"AC" || **k == b"AN") {
                    return Err(Failure::Usage(format!(
                        "record {} of {:?} has INFO/{} but no GT: AC and AN cannot be recomputed for the samples kept",
                        row + 1,
                        dataset.name,
                        String::from_utf8_lossy(k)
                    )));
                }
                writer.push_binary(target, &items.join(&b';'))?;
            }
        }
        Ok(())
    }

    /// A chunked (FORMAT) column: each source row chunk wholly kept, with
    /// every sample kept, whose rows start a chunk of the subset too, is
    /// copied page by page; other rows are read as a block, cut to the
    /// samples kept and pushed.
    fn write_chunked<W: std::io::Write>(
        &self,
        src: &ColumnReader<'_>,
        writer: &mut Writer<W>,
        target: ColumnId,
        counts: &mut Counts,
    ) -> Result<(), Failure> {
        let grid = src.chunk_grid()?;
        let chunk_rows = grid.chunk_shape[0];
        let columns = grid.shape[1];
        let map = self.column_map(columns);
        let mut written = 0u64;
        for run in &self.runs {
            let mut at = run.start;
            while at < run.end {
                let i = at / chunk_rows;
                let rows = grid.rows_in(i);
                if map.is_none()
                    && at == rows.start
                    && rows.end <= run.end
                    && written % chunk_rows == 0
                {
                    for j in 0..grid.column_chunks {
                        copy_page(src, grid.page_of(i, j), writer, target)?;
                        counts.copied += 1;
                    }
                } else {
                    let end = rows.end.min(run.end);
                    push_block(src, at..end, columns, map.as_deref(), writer, target)?;
                    counts.encoded += grid.column_chunks;
                }
                written += rows.end.min(run.end) - at;
                at = rows.end.min(run.end);
            }
        }
        writer.set_chunked_rows(target, self.num_rows)?;
        Ok(())
    }
}

/// Copy page `index` of `src` as stored (its checksum checked on read).
fn copy_page<W: std::io::Write>(
    src: &ColumnReader<'_>,
    index: u64,
    writer: &mut Writer<W>,
    target: ColumnId,
) -> Result<(), Failure> {
    let (info, stored) = src.stored_page(index)?;
    let page = EncodedPage {
        encoding_id: info.encoding,
        flags: info.flags,
        crc32c: gcol_format::crc::crc32c(&stored),
        stored: stored.to_vec(),
        decoded_len: info.decoded_len,
        num_values: info.num_values,
    };
    writer.write_encoded_page(target, &page)?;
    Ok(())
}

/// Call `$f::<T>` with the Rust type of physical type `$p` (fixed-width).
macro_rules! by_type {
    ($p:expr, $f:ident ( $($a:expr),* )) => {
        match $p {
            PhysicalType::U8 => $f::<u8, _>($($a),*),
            PhysicalType::U16 => $f::<u16, _>($($a),*),
            PhysicalType::U32 => $f::<u32, _>($($a),*),
            PhysicalType::U64 => $f::<u64, _>($($a),*),
            PhysicalType::I8 => $f::<i8, _>($($a),*),
            PhysicalType::I16 => $f::<i16, _>($($a),*),
            PhysicalType::I32 => $f::<i32, _>($($a),*),
            PhysicalType::I64 => $f::<i64, _>($($a),*),
            PhysicalType::F32 => $f::<f32, _>($($a),*),
            PhysicalType::F64 => $f::<f64, _>($($a),*),
            other => Err(Failure::Usage(format!(
                "a {other} column cannot be cut to a selection"
            ))),
        }
    };
}

/// Rows `rows` × the array columns `map` (all when `None`) of a chunked
/// column, pushed as whole rows.
fn push_block<W: std::io::Write>(
    src: &ColumnReader<'_>,
    rows: Range<u64>,
    columns: u64,
    map: Option<&[u64]>,
    writer: &mut Writer<W>,
    target: ColumnId,
) -> Result<(), Failure> {
    fn typed<T: Value, W: std::io::Write>(
        src: &ColumnReader<'_>,
        rows: Range<u64>,
        columns: u64,
        map: Option<&[u64]>,
        writer: &mut Writer<W>,
        target: ColumnId,
    ) -> Result<(), Failure> {
        let inner = src.chunk_grid()?.shape[2] as usize;
        let (values, present) = src.read_block::<T>(rows.clone(), 0..columns)?;
        let nullable = src.is_nullable();
        let (values, present) = match map {
            None => (values, present),
            Some(map) => {
                let width = columns as usize * inner;
                let kept = (rows.end - rows.start) as usize * map.len() * inner;
                let (mut v, mut p) = (Vec::with_capacity(kept), Vec::with_capacity(kept));
                for r in 0..(rows.end - rows.start) as usize {
                    for &c in map {
                        let at = r * width + c as usize * inner;
                        v.extend_from_slice(&values[at..at + inner]);
                        p.extend_from_slice(&present[at..at + inner]);
                    }
                }
                (v, p)
            }
        };
        writer.push_rows(target, &values, nullable.then_some(present.as_slice()))?;
        Ok(())
    }
    by_type!(
        src.meta().physical_type,
        typed(src, rows, columns, map, writer, target)
    )
}

/// Values `rows` of a flat column, pushed.
fn push_range<W: std::io::Write>(
    src: &ColumnReader<'_>,
    rows: Range<u64>,
    writer: &mut Writer<W>,
    target: ColumnId,
) -> Result<(), Failure> {
    fn typed<T: Value, W: std::io::Write>(
        src: &ColumnReader<'_>,
        rows: Range<u64>,
        writer: &mut Writer<W>,
        target: ColumnId,
    ) -> Result<(), Failure> {
        if src.is_nullable() {
            writer.push_option(target, &src.read_option::<T>(rows)?)?;
        } else {
            writer.push(target, &src.read::<T>(rows)?)?;
        }
        Ok(())
    }
    if src.meta().physical_type == PhysicalType::Binary {
        let mut failed = None;
        src.for_each_binary_option(rows, |_, v| {
            if failed.is_none() {
                if let Err(e) = writer.push_binary_option(target, v) {
                    failed = Some(e);
                }
            }
        })?;
        return match failed {
            Some(e) => Err(e.into()),
            None => Ok(()),
        };
    }
    by_type!(src.meta().physical_type, typed(src, rows, writer, target))
}

/// Values `runs` (ascending, disjoint) of column `src` written to its
/// target: a list column through its child (the items of the rows kept),
/// then its end offsets; a flat column page by page, a page wholly inside
/// a run copied as stored.
fn write_runs<W: std::io::Write>(
    reader: &Reader,
    dataset: &Dataset,
    src: &ColumnReader<'_>,
    targets: &BTreeMap<String, ColumnId>,
    writer: &mut Writer<W>,
    runs: &[Range<u64>],
    counts: &mut Counts,
) -> Result<(), Failure> {
    let target = targets[&src.meta().name];
    if let Some(Layout::List { child }) = &src.meta().layout {
        let mut offsets = Vec::with_capacity(runs.len());
        let mut items = Vec::with_capacity(runs.len());
        for run in runs {
            let o = src.list_offsets(run.clone())?;
            items.push(o[0]..o[o.len() - 1]);
            offsets.push(o);
        }
        let items: Vec<Range<u64>> = items.into_iter().filter(|r| r.start < r.end).collect();
        let child_src = reader.column(&dataset.name, child)?;
        write_runs(reader, dataset, &child_src, targets, writer, &items, counts)?;
        let mut base = 0u64;
        for (run, o) in runs.iter().zip(&offsets) {
            let valid = if src.is_nullable() {
                Some(src.read_validity(run.clone())?)
            } else {
                None
            };
            let ends: Vec<u64> = o[1..].iter().map(|e| base + e - o[0]).collect();
            match valid {
                Some(valid) => writer.push_list_ends_nullable(target, &ends, &valid)?,
                None => writer.push_list_ends(target, &ends)?,
            }
            base += o[o.len() - 1] - o[0];
            counts.encoded += 1;
        }
        return Ok(());
    }
    for run in runs {
        let mut at = run.start;
        while at < run.end {
            let index = src.page_for_row(at)?;
            let info = src.page_info(index)?;
            let end = info.first_row + u64::from(info.num_values);
            if info.first_row == at && end <= run.end {
                copy_page(src, index, writer, target)?;
                counts.copied += 1;
            } else {
                push_range(src, at..end.min(run.end), writer, target)?;
                counts.encoded += 1;
            }
            at = end.min(run.end);
        }
    }
    Ok(())
}
