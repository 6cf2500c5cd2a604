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
use gcol_format::encoding::Encoding;
use gcol_format::manifest::{Column, Dataset, Layout};
use gcol_format::schema::variants::{columns as col, meta};
use gcol_format::{PhysicalType, Value};
use gcol_reader::variants::{row_runs, FormatKind, VcfWriteOptions, VcfWriter};
use gcol_reader::{ColumnReader, Reader, Variants, VcfRegion};
use gcol_writer::{ColumnId, Writer};

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
    header: Vec<u8>,
    sample_names: Vec<String>,
    contigs: Vec<String>,
    contig_ends: Vec<u64>,
    /// INFO/AC and INFO/AN recomputed for the samples kept.
    update_ac_an: bool,
    /// Of a merge: which of AC and AN are recomputed (those the inputs'
    /// headers declare, as `bcftools merge`).
    merge_updates: (bool, bool),
    /// The columns of the new dataset, as declared.
    pub columns: Vec<Column>,
    /// Variants datasets of the same sites whose samples follow the
    /// source's (a merge of samples, as `bcftools merge`).
    joined: Vec<Variants>,
    /// Derived INFO fields (AC, AN) stored as columns: a subset without
    /// samples has no genotypes to derive them from.
    stored: Vec<String>,
    /// No sample kept: no FORMAT column.
    sites_only: bool,
    /// AC/AN kept as stored columns (some record names them without GT):
    /// recomputed where the record has GT, as stored elsewhere.
    rewritten: Vec<String>,
}

/// Whether some record of `runs` names INFO field `id` without GT among
/// its FORMAT keys.
fn named_without_gt(v: &Variants, runs: &[Range<u64>], id: &str) -> Result<bool, Failure> {
    let keys = v.column(col::INFO_KEYS)?;
    let format_keys = v.column(col::FORMAT_KEYS)?;
    for run in runs {
        let mut named = Vec::new();
        keys.for_each_binary(run.clone(), |_, k| {
            named.push(k.split(|&b| b == b';').any(|k| k == id.as_bytes()));
        })?;
        let mut found = false;
        let mut i = 0;
        format_keys.for_each_binary_option(run.clone(), |_, k| {
            let gt = k.is_some_and(|k| k.split(|&b| b == b':').any(|k| k == b"GT"));
            found |= named[i] && !gt;
            i += 1;
        })?;
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The columns of derived INFO field `id` (AC or AN) stored as the VCF
/// importer stores an Integer field (spec 14.3): one nullable value per
/// record, or (AC with records of several ALT alleles) a list.
fn stored_info_columns(dataset: &Dataset, id: &str, list: bool) -> Vec<Column> {
    let template = dataset
        .columns
        .iter()
        .find(|c| c.name == col::POS)
        .cloned()
        .expect("a variants dataset has pos");
    let blank = |name: String, physical: PhysicalType, logical: &str| {
        let mut c = template.clone();
        c.name = name;
        c.physical_type = physical;
        c.logical_type = logical.into();
        c.unit = None;
        c.nullable = true;
        c.layout = None;
        c.inline = None;
        c.metadata = BTreeMap::new();
        c.encodings = vec![Encoding::varint().with_zstd(9).id()];
        c
    };
    let name = format!("{}{id}", col::INFO_PREFIX);
    let number = if id == "AC" { "A" } else { "1" };
    if list {
        let item = format!("{name}{}", col::ITEM_SUFFIX);
        let mut parent = blank(name, PhysicalType::U64, "list");
        parent.layout = Some(Layout::List {
            child: item.clone(),
        });
        parent.encodings = vec![Encoding::delta_varint().with_zstd(9).id()];
        parent
            .metadata
            .insert(meta::VCF_NUMBER.into(), number.into());
        parent
            .metadata
            .insert(meta::VCF_TYPE.into(), "Integer".into());
        vec![parent, blank(item, PhysicalType::I32, "vcf-integer")]
    } else {
        let mut c = blank(name, PhysicalType::I32, "vcf-integer");
        c.metadata.insert(meta::VCF_NUMBER.into(), number.into());
        c.metadata.insert(meta::VCF_TYPE.into(), "Integer".into());
        vec![c]
    }
}

/// Names of the columns of `dataset` whose name passes `keep`.
fn column_names(dataset: &Dataset, keep: impl Fn(&str) -> bool) -> Vec<String> {
    dataset
        .columns
        .iter()
        .filter(|c| keep(&c.name))
        .map(|c| c.name.clone())
        .collect()
}

/// Whether column `name` is INFO field `id`'s column or one of its helpers.
fn field_column(name: &str, id: &str) -> bool {
    name.strip_prefix(col::INFO_PREFIX)
        .and_then(|r| r.strip_prefix(id))
        .is_some_and(|r| r.is_empty() || r.starts_with('/'))
}

/// Whether column `name` is AC or AN's stored column or one of its helpers.
fn is_ac_an(name: &str) -> bool {
    field_column(name, "AC") || field_column(name, "AN")
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
                std::iter::once(0..v.num_sites()).collect()
            }
        } else {
            // In bcftools' order: contigs as the regions first name them.
            row_runs(&v.regions_rows_in_order(regions)?)
        };
        let num_rows: u64 = runs.iter().map(|r| r.end - r.start).sum();
        let samples = match samples {
            None => None,
            Some(names) => Some(v.sample_indexes(names)?),
        };
        // No sample kept: the sites alone, as `bcftools view -G`.
        let sites_only = samples.as_ref().is_some_and(Vec::is_empty);
        let has_gt = v.formats().iter().any(|f| f.kind == FormatKind::Gt);
        let update_ac_an = samples.is_some() && has_gt && !sites_only;
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
        // Contigs with rows kept, in the order the runs meet them, and
        // their ends in the subset.
        let (mut contigs, mut contig_ends): (Vec<String>, Vec<u64>) = (Vec::new(), Vec::new());
        let mut end = 0u64;
        for run in &runs {
            for (i, c) in v.contigs().iter().enumerate() {
                let rows = v.contig_rows(i);
                let kept = run
                    .end
                    .min(rows.end)
                    .saturating_sub(run.start.max(rows.start));
                if kept == 0 {
                    continue;
                }
                end += kept;
                if contigs.last() == Some(c) {
                    *contig_ends.last_mut().expect("a contig") = end;
                } else {
                    contigs.push(c.clone());
                    contig_ends.push(end);
                }
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
        // Records with a stored AC or AN but no GT keep their values (as
        // bcftools view -s): those fields stay stored columns, rewritten.
        let mut rewritten = Vec::new();
        if update_ac_an {
            for id in ["AC", "AN"] {
                let column = format!("{}{id}", col::INFO_PREFIX);
                if dataset.columns.iter().any(|c| c.name == column)
                    && named_without_gt(&v, &runs, id)?
                {
                    rewritten.push(id.to_string());
                }
            }
        }
        if update_ac_an {
            // AC and AN become what the kept samples' genotypes give: derived
            // (spec 14.3), with no column.
            skip.extend(column_names(&dataset, |n| {
                is_ac_an(n) && !rewritten.iter().any(|id| field_column(n, id))
            }));
            let derived: Vec<&str> = ["AC", "AN"]
                .into_iter()
                .filter(|id| !rewritten.iter().any(|r| r == id))
                .collect();
            if derived.is_empty() {
                metadata.remove(meta::DERIVED_INFO);
            } else {
                metadata.insert(meta::DERIVED_INFO.into(), derived.join(","));
            }
        }
        let mut stored = Vec::new();
        if sites_only {
            // No FORMAT arrays (spec 14.4); AC and AN derived from every
            // sample's genotypes are stored as they read (bcftools keeps
            // the INFO text).
            skip.extend(column_names(&dataset, |n| {
                n.starts_with(col::FORMAT_PREFIX)
            }));
            stored = v
                .infos()
                .iter()
                .filter(|f| f.derived)
                .map(|f| f.id.clone())
                .collect();
            metadata.remove(meta::DERIVED_INFO);
            metadata.remove(meta::PLOIDY);
        }
        let kept = samples.as_ref().map(Vec::len);
        let mut columns: Vec<Column> = dataset
            .columns
            .iter()
            .filter(|c| !skip.contains(&c.name))
            .map(|c| {
                let mut c = c.clone();
                if let (Some(kept), Some(Layout::Chunked { shape, .. })) = (kept, &mut c.layout) {
                    let total = v.samples().len() as u64;
                    shape[1] = shape[1] / total.max(1) * kept as u64;
                }
                if sites_only && c.name == col::FORMAT_KEYS {
                    c.nullable = true;
                }
                c
            })
            .collect();
        for id in &stored {
            columns.extend(stored_info_columns(&dataset, id, id == "AC" && max_alt > 1));
        }
        Ok(Selected {
            runs,
            num_rows,
            samples,
            num_samples: v.samples().len() as u64,
            metadata,
            header,
            sample_names,
            contigs,
            contig_ends,
            update_ac_an,
            merge_updates: (false, false),
            columns,
            joined: Vec::new(),
            stored,
            sites_only,
            rewritten,
        })
    }

    /// Variants dataset `name` of `reader` with the samples of the
    /// variants datasets `others` after its own, as `bcftools merge` joins
    /// files of the same sites: the sites (CHROM, POS, REF, ALT) must be
    /// equal record by record; ID, QUAL, FILTER and INFO are the first
    /// file's, AC and AN recomputed over every sample; a FORMAT field some
    /// file lacks is absent (`.`) for its samples; FORMAT keys are the
    /// union, in order of first appearance.
    pub fn joined(
        reader: &Reader,
        name: &str,
        others: &[(Reader, String)],
    ) -> Result<Selected, Failure> {
        let v = Variants::open(reader, name)?;
        let dataset = v.dataset().clone();
        let mut joined = Vec::new();
        let mut sample_names: Vec<String> = v.samples().to_vec();
        for (r, n) in others {
            let o = Variants::open(r, n)?;
            same_sites(&v, &o)?;
            for s in o.samples() {
                if sample_names.contains(s) {
                    return Err(Failure::Usage(format!(
                        "sample {s:?} is in more than one of the variants datasets {name:?} merged; subset one of them first (gcol subset -s ^{s})"
                    )));
                }
                sample_names.push(s.clone());
            }
            joined.push(o);
        }
        let all: Vec<&Variants> = std::iter::once(&v).chain(&joined).collect();
        let has_gt = all
            .iter()
            .any(|x| x.formats().iter().any(|f| f.kind == FormatKind::Gt));
        // bcftools merge recomputes AC and AN where some header declares them.
        let declared_in_any = |id: &str| {
            let needle = format!("##INFO=<ID={id},");
            all.iter().any(|x| {
                x.header()
                    .split(|&b| b == b'\n')
                    .any(|l| l.starts_with(needle.as_bytes()))
            })
        };
        let more = has_gt && sample_names.len() > v.samples().len();
        let merge_updates = (more && declared_in_any("AC"), more && declared_in_any("AN"));
        let update_ac_an = merge_updates.0 || merge_updates.1;
        let mut skip = Vec::new();
        let mut metadata = dataset.metadata.clone();
        if update_ac_an {
            let mut derived: Vec<String> = metadata
                .get(meta::DERIVED_INFO)
                .map(|d| {
                    d.split(',')
                        .filter(|x| !x.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            for (id, update) in [("AC", merge_updates.0), ("AN", merge_updates.1)] {
                if !update {
                    continue;
                }
                skip.extend(column_names(&dataset, |n| field_column(n, id)));
                if !derived.iter().any(|d| d == id) {
                    derived.push(id.to_string());
                }
            }
            derived.sort();
            metadata.insert(meta::DERIVED_INFO.into(), derived.join(","));
        }
        // FORMAT arrays: every file's, widened to the most values per
        // sample (ploidy for GT, K for the others).
        let total = sample_names.len() as u64;
        let mut columns: Vec<Column> = dataset
            .columns
            .iter()
            .filter(|c| !skip.contains(&c.name))
            .cloned()
            .collect();
        for x in &joined {
            for c in &x.dataset().columns {
                if matches!(c.layout, Some(Layout::Chunked { .. }))
                    && !columns.iter().any(|k| k.name == c.name)
                {
                    columns.push(c.clone());
                }
            }
        }
        let mut ploidy = 0u64;
        for c in &mut columns {
            let Some(Layout::Chunked {
                shape, chunk_shape, ..
            }) = &mut c.layout
            else {
                continue;
            };
            let mut per = 0u64;
            let mut inner = 0u64;
            let mut chunk_samples = 0u64;
            let mut chunk_rows = 1u64;
            let mut physical = c.physical_type;
            for x in &all {
                if let Some(xc) = x.dataset().columns.iter().find(|k| k.name == c.name) {
                    let Some(Layout::Chunked {
                        shape: xs,
                        chunk_shape: xcs,
                        ..
                    }) = &xc.layout
                    else {
                        return Err(Failure::Usage(format!(
                            "{} is not a chunked array in every file",
                            c.name
                        )));
                    };
                    let n = x.samples().len().max(1) as u64;
                    let xper = xs[1] / n;
                    per = per.max(xper);
                    inner = inner.max(xs[2]);
                    chunk_samples = chunk_samples.max(xcs[1] / xper.max(1));
                    chunk_rows = chunk_rows.max(xcs[0]);
                    if xc.physical_type != physical {
                        physical = match (physical, xc.physical_type) {
                            (PhysicalType::I8, PhysicalType::I16)
                            | (PhysicalType::I16, PhysicalType::I8)
                                if c.name == col::GT =>
                            {
                                PhysicalType::I16
                            }
                            (a, b) => {
                                return Err(Failure::Usage(format!(
                                    "{} holds {a} values in one file and {b} in another (their headers declare it differently)",
                                    c.name
                                )))
                            }
                        };
                    }
                }
            }
            c.physical_type = physical;
            shape[1] = total * per;
            shape[2] = inner;
            chunk_shape[1] = chunk_samples.max(1) * per;
            // Chunks of at most 16 MiB, as the VCF importer cuts them.
            let width = physical.width().unwrap_or(1) as u64;
            chunk_shape[0] = ((16u64 << 20) / (chunk_shape[1] * inner * width).max(1))
                .clamp(1, chunk_rows.max(1));
            if c.name == col::GT {
                ploidy = per;
                c.metadata.insert(meta::PLOIDY.into(), per.to_string());
            }
        }
        if ploidy > 0 && metadata.contains_key(meta::PLOIDY) {
            metadata.insert(meta::PLOIDY.into(), ploidy.to_string());
        }
        // The header: the first file's, with the FORMAT definitions only
        // the others have, AC and AN declared when recomputed, and every
        // sample on the #CHROM line.
        let mut header = Vec::new();
        let text = v.header();
        let lines: Vec<&[u8]> = text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty() && !l.starts_with(b"#CHROM"))
            .collect();
        for l in &lines {
            header.extend_from_slice(l);
            header.push(b'\n');
        }
        let declared = |h: &[u8], prefix: &str| {
            h.split(|&b| b == b'\n')
                .any(|l| l.starts_with(prefix.as_bytes()))
        };
        for x in &joined {
            for l in x.header().split(|&b| b == b'\n') {
                if let Some(rest) = l.strip_prefix(b"##FORMAT=<ID=") {
                    let id = rest
                        .split(|&b| b == b',' || b == b'>')
                        .next()
                        .unwrap_or_default();
                    let prefix = format!("##FORMAT=<ID={},", String::from_utf8_lossy(id));
                    if !declared(&header, &prefix) {
                        header.extend_from_slice(l);
                        header.push(b'\n');
                    }
                }
            }
        }
        for (id, line) in [
            ("AC", gcol_reader::variants::AC_LINE),
            ("AN", gcol_reader::variants::AN_LINE),
        ] {
            // Declared by a later file only.
            if update_ac_an
                && !declared(&header, &format!("##INFO=<ID={id},"))
                && declared_in_any(id)
            {
                header.extend_from_slice(line.as_bytes());
            }
        }
        header.extend_from_slice(b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO");
        if !sample_names.is_empty() {
            header.extend_from_slice(b"\tFORMAT");
        }
        for s in &sample_names {
            header.push(b'\t');
            header.extend_from_slice(s.as_bytes());
        }
        header.push(b'\n');
        let n = v.num_sites();
        Ok(Selected {
            runs: if n == 0 {
                Vec::new()
            } else {
                std::iter::once(0..n).collect()
            },
            num_rows: n,
            samples: None,
            num_samples: v.samples().len() as u64,
            metadata,
            header,
            sample_names,
            contigs: v.contigs().to_vec(),
            contig_ends: (0..v.contigs().len())
                .map(|i| v.contig_rows(i).end)
                .collect(),
            update_ac_an,
            merge_updates,
            columns,
            joined,
            stored: Vec::new(),
            sites_only: false,
            rewritten: Vec::new(),
        })
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
        let children = gcol_format::manifest::list_children(&self.columns);
        let column = |n: &str| reader.column(&dataset.name, n);
        // Opened once for the columns that need the dataset's reading.
        let v = Variants::open(reader, &dataset.name)?;
        for c in &self.columns {
            if children.contains(&c.name.as_str()) {
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
                _ if self
                    .summed(dataset)
                    .iter()
                    .any(|f| c.name == format!("info/{f}")) =>
                {
                    self.write_summed(reader, dataset, c, writer, targets)?;
                    counts.encoded += 1;
                }
                col::INFO_KEYS if self.update_ac_an || !self.joined.is_empty() => {
                    self.write_info_keys(reader, dataset, writer, target)?;
                }
                col::FORMAT_KEYS if self.sites_only => {
                    for _ in 0..self.num_rows {
                        writer.push_binary_option(target, None)?;
                    }
                }
                _ if self
                    .rewritten
                    .iter()
                    .any(|id| c.name == format!("{}{id}", col::INFO_PREFIX)) =>
                {
                    self.write_counts(&v, c, writer, targets, true)?;
                    counts.encoded += 1;
                }
                _ if self
                    .stored
                    .iter()
                    .any(|id| c.name == format!("{}{id}", col::INFO_PREFIX)) =>
                {
                    self.write_counts(&v, c, writer, targets, false)?;
                    counts.encoded += 1;
                }
                col::FORMAT_KEYS if !self.joined.is_empty() => {
                    for piece in self.pieces() {
                        for keys in self.format_keys(reader, dataset, piece)? {
                            writer.push_binary_option(target, keys.as_deref())?;
                        }
                    }
                }
                _ if !self.joined.is_empty()
                    && matches!(c.layout, Some(Layout::Chunked { .. })) =>
                {
                    self.write_joined(&v, c, writer, target)?;
                    counts.encoded += 1;
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

    /// Column `info/AC` or `info/AN` written from genotype counts:
    /// - `rewrite` (a sample subset where some record names a stored AC or
    ///   AN without GT): the kept samples' counts on records with GT (as
    ///   `bcftools view -s` sets them), the stored value elsewhere;
    /// - else (a derived field stored, a subset without samples): every
    ///   sample's counts (spec 14.3) on the records whose INFO keys name
    ///   it, null elsewhere.
    fn write_counts<W: std::io::Write>(
        &self,
        v: &Variants,
        column: &Column,
        writer: &mut Writer<W>,
        targets: &BTreeMap<String, ColumnId>,
        rewrite: bool,
    ) -> Result<(), Failure> {
        let target = targets[&column.name];
        let item = targets
            .get(&format!("{}{}", column.name, col::ITEM_SUFFIX))
            .copied();
        let an = column.name.ends_with("AN");
        let id = if an { "AN" } else { "AC" };
        let src = if rewrite {
            let src = v.column(&column.name)?;
            let physical = match item {
                Some(_) => src.list_child()?.meta().physical_type,
                None => src.meta().physical_type,
            };
            if physical != PhysicalType::I32 {
                return Err(Failure::Usage(format!(
                    "{}/{} is not stored as 32-bit integers: AC and AN cannot be recomputed for the samples kept",
                    v.dataset().name,
                    column.name
                )));
            }
            Some(src)
        } else {
            None
        };
        let keys = v.column(col::INFO_KEYS)?;
        let samples = if rewrite {
            self.samples.as_deref()
        } else {
            None
        };
        let mut items = 0u64;
        for piece in self.pieces() {
            let rows: Vec<u64> = piece.clone().collect();
            let (counts, width, n_alleles) = v.allele_counts(&rows, samples)?;
            let cell = |r: usize| &counts[r * width..r * width + n_alleles[r] as usize];
            // Per record: counted here (true), as stored (false) or null.
            let counted: Vec<Option<bool>> = if rewrite {
                self.format_keys(v.reader(), v.dataset(), piece.clone())?
                    .iter()
                    .enumerate()
                    .map(|(r, k)| {
                        let gt = k
                            .as_deref()
                            .is_some_and(|k| k.split(|&b| b == b':').any(|k| k == b"GT"));
                        // AC of a record without ALT alleles is dropped.
                        match (gt, an || n_alleles[r] > 1) {
                            (true, true) => Some(true),
                            (true, false) => None,
                            (false, _) => Some(false),
                        }
                    })
                    .collect()
            } else {
                let mut named = Vec::with_capacity(rows.len());
                keys.for_each_binary(piece.clone(), |_, k| {
                    let has = !k.is_empty() && k.split(|&b| b == b';').any(|k| k == id.as_bytes());
                    named.push(has.then_some(true));
                })?;
                named
            };
            match item {
                None => {
                    let stored = match &src {
                        Some(src) => src.read_option::<i32>(piece.clone())?,
                        None => vec![None; rows.len()],
                    };
                    let values: Vec<Option<i32>> = (0..rows.len())
                        .map(|r| match counted[r] {
                            Some(true) if an => Some(cell(r).iter().sum::<u32>() as i32),
                            Some(true) => Some(cell(r).get(1).copied().unwrap_or(0) as i32),
                            Some(false) => stored[r],
                            None => None,
                        })
                        .collect();
                    writer.push_option(target, &values)?;
                }
                Some(item) => {
                    let stored = match &src {
                        Some(src) => src.read_lists::<i32>(piece.clone())?,
                        None => vec![None; rows.len()],
                    };
                    let (mut ends, mut present) = (Vec::new(), Vec::new());
                    for (r, stored) in stored.into_iter().enumerate() {
                        let list = match counted[r] {
                            Some(true) => Some(cell(r)[1..].iter().map(|&c| c as i32).collect()),
                            Some(false) => stored,
                            None => None,
                        };
                        if let Some(l) = &list {
                            writer.push(item, l)?;
                            items += l.len() as u64;
                        }
                        ends.push(items);
                        present.push(list.is_some());
                    }
                    writer.push_list_ends_nullable(target, &ends, &present)?;
                }
            }
        }
        Ok(())
    }

    /// The runs cut into pieces of at most 65,536 rows (what is held in
    /// memory at once).
    fn pieces(&self) -> Vec<Range<u64>> {
        let mut out = Vec::new();
        for run in &self.runs {
            let mut start = run.start;
            while start < run.end {
                let end = (start + 65_536).min(run.end);
                out.push(start..end);
                start = end;
            }
        }
        out
    }

    /// Rows of the subset of source rows `rows` that are kept, ascending.
    fn renumber(&self, rows: &[u64]) -> Vec<u64> {
        // Runs by source position, with the subset row each starts at.
        let mut starts: Vec<(Range<u64>, u64)> = Vec::with_capacity(self.runs.len());
        let mut before = 0u64;
        for run in &self.runs {
            starts.push((run.clone(), before));
            before += run.end - run.start;
        }
        starts.sort_by_key(|(run, _)| run.start);
        let mut out: Vec<u64> = rows
            .iter()
            .filter_map(|&r| {
                let i = starts.partition_point(|(run, _)| run.end <= r);
                let (run, at) = starts.get(i)?;
                run.contains(&r).then(|| at + r - run.start)
            })
            .collect();
        out.sort_unstable();
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
        let alt = reader.column(&dataset.name, col::ALT)?;
        for run in &self.pieces() {
            let has_gt: Vec<bool> = self
                .format_keys(reader, dataset, run.clone())?
                .iter()
                .map(|v| {
                    v.as_deref()
                        .is_some_and(|k| k.split(|&b| b == b':').any(|k| k == b"GT"))
                })
                .collect();
            let offsets = alt.list_offsets(run.clone())?;
            let mut rows = Vec::with_capacity(has_gt.len());
            keys.for_each_binary(run.clone(), |row, v| rows.push((row, v.to_vec())))?;
            // The joined files' keys, for the summed fields.
            let mut others: Vec<Vec<Vec<u8>>> = Vec::new();
            for x in &self.joined {
                let mut k = Vec::with_capacity(has_gt.len());
                x.column(col::INFO_KEYS)?
                    .for_each_binary(run.clone(), |_, v| k.push(v.to_vec()))?;
                others.push(k);
            }
            let summed = self.summed(dataset);
            for (i, (row, text)) in rows.into_iter().enumerate() {
                let mut items: Vec<&[u8]> = if text.is_empty() {
                    Vec::new()
                } else {
                    text.split(|&b| b == b';').collect()
                };
                if !summed.is_empty() {
                    // `bcftools merge` sums them and sets them at the end.
                    let has = |text: &[u8], key: &[u8]| {
                        !text.is_empty() && text.split(|&b| b == b';').any(|k| k == key)
                    };
                    let any: Vec<bool> = summed
                        .iter()
                        .map(|f| {
                            has(&text, f.as_bytes())
                                || others.iter().any(|o| has(&o[i], f.as_bytes()))
                        })
                        .collect();
                    items.retain(|k| !summed.iter().any(|f| f.as_bytes() == *k));
                    for (f, any) in summed.iter().zip(any) {
                        if any {
                            items.push(f.as_bytes());
                        }
                    }
                }
                if !self.update_ac_an {
                } else if has_gt[i] && !self.joined.is_empty() {
                    // `bcftools merge` sets AN, then AC, at the end.
                    let n_alt = offsets[i + 1] - offsets[i];
                    let (ac, an) = self.merge_updates;
                    items.retain(|k| !(ac && *k == b"AC" || an && *k == b"AN"));
                    if an {
                        items.push(b"AN");
                    }
                    if ac && n_alt > 0 {
                        items.push(b"AC");
                    }
                } else if has_gt[i] {
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
                } else if let Some(k) = items.iter().find(|k| {
                    (**k == b"AC" || **k == b"AN")
                        && !self.rewritten.iter().any(|r| r.as_bytes() == **k)
                }) {
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

    /// INFO fields summed over the joined files, as `bcftools merge`'s
    /// default rules (`DP:sum,DP4:sum`): those the first file stores as
    /// one integer (DP) or a list of integers (DP4).
    fn summed(&self, dataset: &Dataset) -> Vec<&'static str> {
        if self.joined.is_empty() {
            return Vec::new();
        }
        let has = |name: &str, list: bool| {
            dataset.columns.iter().any(|c| {
                c.name == name
                    && matches!(c.layout, Some(Layout::List { .. })) == list
                    && (list || matches!(c.physical_type, PhysicalType::I32))
            }) && (!list
                || dataset.columns.iter().any(|c| {
                    c.name == format!("{name}/item") && c.physical_type == PhysicalType::I32
                }))
        };
        let mut out = Vec::new();
        if has("info/DP", false) {
            out.push("DP");
        }
        if has("info/DP4", true) {
            out.push("DP4");
        }
        out
    }

    /// A summed INFO field (see [`Selected::summed`]): each record's
    /// values added over the files that have them (item by item for a
    /// list); null where none has one.
    fn write_summed<W: std::io::Write>(
        &self,
        reader: &Reader,
        dataset: &Dataset,
        column: &Column,
        writer: &mut Writer<W>,
        targets: &BTreeMap<String, ColumnId>,
    ) -> Result<(), Failure> {
        let target = targets[&column.name];
        let sources: Vec<(&Reader, &str)> = std::iter::once((reader, dataset.name.as_str()))
            .chain(
                self.joined
                    .iter()
                    .map(|x| (x.reader(), x.dataset().name.as_str())),
            )
            .collect();
        let n = self.num_rows;
        let mut start = 0u64;
        let list = matches!(column.layout, Some(Layout::List { .. }));
        let child = format!("{}/item", column.name);
        let mut items = 0u64;
        while start < n {
            let rows = start..(start + 65_536).min(n);
            if list {
                let mut sum: Vec<Option<Vec<Option<i32>>>> =
                    vec![None; (rows.end - rows.start) as usize];
                for (r, name) in &sources {
                    let Ok(c) = r.column(name, &column.name) else {
                        continue;
                    };
                    if c.list_child()?.meta().physical_type != PhysicalType::I32 {
                        continue;
                    }
                    for (acc, l) in sum.iter_mut().zip(c.read_lists::<i32>(rows.clone())?) {
                        let Some(l) = l else { continue };
                        let acc = acc.get_or_insert_with(Vec::new);
                        if acc.len() < l.len() {
                            acc.resize(l.len(), None);
                        }
                        for (a, v) in acc.iter_mut().zip(l) {
                            *a = Some(a.unwrap_or(0).saturating_add(v));
                        }
                    }
                }
                let child_target = targets[&child];
                let (mut ends, mut present) = (Vec::new(), Vec::new());
                for l in &sum {
                    if let Some(l) = l {
                        writer.push_option(child_target, l)?;
                        items += l.len() as u64;
                    }
                    ends.push(items);
                    present.push(l.is_some());
                }
                if column.nullable {
                    writer.push_list_ends_nullable(target, &ends, &present)?;
                } else {
                    writer.push_list_ends(target, &ends)?;
                }
            } else {
                let mut sum: Vec<Option<i32>> = vec![None; (rows.end - rows.start) as usize];
                for (r, name) in &sources {
                    let Ok(c) = r.column(name, &column.name) else {
                        continue;
                    };
                    if c.meta().physical_type != PhysicalType::I32 {
                        continue;
                    }
                    for (a, v) in sum.iter_mut().zip(c.read_option::<i32>(rows.clone())?) {
                        if let Some(v) = v {
                            *a = Some(a.unwrap_or(0).saturating_add(v));
                        }
                    }
                }
                writer.push_option(target, &sum)?;
            }
            start = rows.end;
        }
        Ok(())
    }

    /// The FORMAT keys of source rows `rows`: the first file's, then those
    /// of the joined files it lacks, in order (`None`: no FORMAT column).
    fn format_keys(
        &self,
        reader: &Reader,
        dataset: &Dataset,
        rows: Range<u64>,
    ) -> Result<Vec<Option<Vec<u8>>>, Failure> {
        let read = |r: &Reader, name: &str| -> Result<Vec<Option<Vec<u8>>>, Failure> {
            let mut out = Vec::with_capacity((rows.end - rows.start) as usize);
            r.column(name, col::FORMAT_KEYS)?
                .for_each_binary_option(rows.clone(), |_, v| out.push(v.map(<[u8]>::to_vec)))?;
            Ok(out)
        };
        let mut keys = read(reader, &dataset.name)?;
        for x in &self.joined {
            let more = read(x.reader(), &x.dataset().name)?;
            for (k, m) in keys.iter_mut().zip(more) {
                let Some(m) = m else { continue };
                let mut list: Vec<Vec<u8>> = match k.as_deref() {
                    Some(t) if !t.is_empty() && t != b"." => {
                        t.split(|&b| b == b':').map(<[u8]>::to_vec).collect()
                    }
                    _ => Vec::new(),
                };
                if m.is_empty() || m == b"." {
                    if k.is_none() {
                        *k = Some(m);
                    }
                    continue;
                }
                for key in m.split(|&b| b == b':') {
                    if !list.iter().any(|l| l == key) {
                        list.push(key.to_vec());
                    }
                }
                // GT first, as VCF asks and bcftools merge writes.
                if let Some(at) = list.iter().position(|l| l == b"GT") {
                    let gt = list.remove(at);
                    list.insert(0, gt);
                }
                *k = Some(list.join(&b':'));
            }
        }
        Ok(keys)
    }

    /// A FORMAT array of joined files: for each band of rows, every file's
    /// cells side by side (the first file's samples first), each sample's
    /// values widened to the array's (absent values after its own).
    fn write_joined<W: std::io::Write>(
        &self,
        first: &Variants,
        out: &Column,
        writer: &mut Writer<W>,
        target: ColumnId,
    ) -> Result<(), Failure> {
        let Some(Layout::Chunked {
            shape, chunk_shape, ..
        }) = &out.layout
        else {
            return Ok(());
        };
        let step = chunk_shape[0].max(1);
        let mut start = 0u64;
        while start < self.num_rows {
            let rows = start..(start + step).min(self.num_rows);
            by_type!(
                out.physical_type,
                joined_band(first, &self.joined, out, *shape, rows, writer, target)
            )?;
            start += step;
        }
        writer.set_chunked_rows(target, self.num_rows)?;
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
                    && written.is_multiple_of(chunk_rows)
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

/// Whether two variants datasets hold the same sites (contigs, POS, REF,
/// ALT), record by record; else a usage error naming the first difference.
fn same_sites(a: &Variants, b: &Variants) -> Result<(), Failure> {
    let differ = |what: &str, row: u64| {
        let at = a
            .contigs()
            .iter()
            .enumerate()
            .find(|(i, _)| a.contig_rows(*i).contains(&row))
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        Failure::Usage(format!(
            "datasets {:?} and {:?} differ in {what} at record {} ({at}): samples are merged only on the same sites (two datasets of one name must hold the same sites)",
            a.dataset().name,
            b.dataset().name,
            row + 1
        ))
    };
    if a.num_sites() != b.num_sites() {
        return Err(Failure::Usage(format!(
            "datasets {:?} and {:?} hold {} and {} records: samples are merged only on the same sites",
            a.dataset().name,
            b.dataset().name,
            a.num_sites(),
            b.num_sites()
        )));
    }
    if a.contigs() != b.contigs()
        || (0..a.contigs().len()).any(|i| a.contig_rows(i) != b.contig_rows(i))
    {
        return Err(differ("contigs", 0));
    }
    let n = a.num_sites();
    let mut start = 0u64;
    while start < n {
        let rows = start..(start + 65_536).min(n);
        let pa: Vec<u64> = a.column(col::POS)?.read(rows.clone())?;
        let pb: Vec<u64> = b.column(col::POS)?.read(rows.clone())?;
        if let Some(i) = pa.iter().zip(&pb).position(|(x, y)| x != y) {
            return Err(differ("POS", start + i as u64));
        }
        let ra = a.ref_alleles(rows.clone())?;
        let rb = b.ref_alleles(rows.clone())?;
        if let Some(i) = ra.iter().zip(&rb).position(|(x, y)| x != y) {
            return Err(differ("REF", start + i as u64));
        }
        let aa = a.column(col::ALT)?.read_binary_lists(rows.clone())?;
        let ab = b.column(col::ALT)?.read_binary_lists(rows.clone())?;
        if let Some(i) = aa.iter().zip(&ab).position(|(x, y)| x != y) {
            return Err(differ("ALT", start + i as u64));
        }
        start = rows.end;
    }
    Ok(())
}

/// The value of an absent cell: −2 in GT (past the call's alleles), else
/// zero (a null where the column is nullable, count 0, empty text).
fn absent<T: Value>(gt: bool) -> T {
    if gt {
        match T::PHYSICAL {
            PhysicalType::I8 => return bytemuck::cast_slice::<i8, T>(&[-2i8])[0],
            PhysicalType::I16 => return bytemuck::cast_slice::<i16, T>(&[-2i16])[0],
            _ => {}
        }
    }
    T::zeroed()
}

/// Cells `rows` × every column of chunked column `src`, as `T` (GT of
/// i8 widened to i16).
fn cells<T: Value>(
    src: &ColumnReader<'_>,
    rows: Range<u64>,
) -> Result<(Vec<T>, Vec<bool>), Failure> {
    let columns = src.chunk_grid()?.shape[1];
    let physical = src.meta().physical_type;
    if physical == T::PHYSICAL {
        return Ok(src.read_block::<T>(rows, 0..columns)?);
    }
    if physical == PhysicalType::I8 && T::PHYSICAL == PhysicalType::I16 {
        let (v, p) = src.read_block::<i8>(rows, 0..columns)?;
        let wide: Vec<i16> = v.into_iter().map(i16::from).collect();
        return Ok((bytemuck::cast_slice::<i16, T>(&wide).to_vec(), p));
    }
    Err(Failure::Usage(format!(
        "{} holds {physical} values where {} are merged",
        src.meta().name,
        T::PHYSICAL
    )))
}

/// One band of rows of a joined FORMAT array (see
/// [`Selected::write_joined`]).
fn joined_band<T: Value, W: std::io::Write>(
    first: &Variants,
    joined: &[Variants],
    out: &Column,
    shape: [u64; 3],
    rows: Range<u64>,
    writer: &mut Writer<W>,
    target: ColumnId,
) -> Result<(), Failure> {
    let gt = out.name == col::GT;
    let nrows = (rows.end - rows.start) as usize;
    let (out_cols, inner) = (shape[1] as usize, shape[2] as usize);
    let total: usize = std::iter::once(first)
        .chain(joined)
        .map(|x| x.samples().len())
        .sum();
    let per_out = out_cols / total.max(1);
    let mut values = vec![absent::<T>(gt); nrows * out_cols * inner];
    let mut present = vec![false; values.len()];
    // A count column of a file that stores none: one more than each cell's
    // last present value (spec 14.4).
    let counted = out.name.strip_suffix(col::COUNT_SUFFIX);
    let mut offset = 0usize;
    for x in std::iter::once(first).chain(joined) {
        let n = x.samples().len();
        let name = &x.dataset().name;
        if x.dataset().columns.iter().any(|c| c.name == out.name) {
            let src = x.reader().column(name, &out.name)?;
            let grid = src.chunk_grid()?;
            let (cols, k) = (grid.shape[1] as usize, grid.shape[2] as usize);
            let per = cols / n.max(1);
            let (v, p) = cells::<T>(&src, rows.clone())?;
            for r in 0..nrows {
                for s in 0..n {
                    for c in 0..per {
                        let from = r * cols * k + (s * per + c) * k;
                        let to = r * out_cols * inner + ((offset + s) * per_out + c) * inner;
                        values[to..to + k].copy_from_slice(&v[from..from + k]);
                        present[to..to + k].copy_from_slice(&p[from..from + k]);
                    }
                }
            }
        } else if let Some(field) =
            counted.filter(|f| x.dataset().columns.iter().any(|c| c.name == *f))
        {
            let src = x.reader().column(name, field)?;
            let grid = src.chunk_grid()?;
            let (cols, k) = (grid.shape[1] as usize, grid.shape[2] as usize);
            let p = match src.meta().physical_type {
                PhysicalType::F32 => src.read_block::<f32>(rows.clone(), 0..grid.shape[1])?.1,
                _ => src.read_block::<i32>(rows.clone(), 0..grid.shape[1])?.1,
            };
            for r in 0..nrows {
                for s in 0..cols {
                    let cell = &p[(r * cols + s) * k..(r * cols + s + 1) * k];
                    let count = cell.iter().rposition(|&b| b).map_or(1, |i| i + 1) as u16;
                    let to = r * out_cols * inner + (offset + s) * per_out * inner;
                    if T::PHYSICAL == PhysicalType::U16 {
                        values[to] = bytemuck::cast_slice::<u16, T>(&[count])[0];
                        present[to] = true;
                    }
                }
            }
        }
        offset += n;
    }
    if gt {
        // The samples of a file without GT at a record are missing calls
        // (`./.`, as bcftools merge writes them) of the record's ploidy.
        let missing = bytemuck::cast_slice::<i16, u8>(&[-1i16]);
        let minus_one: T = match T::PHYSICAL {
            PhysicalType::I8 => bytemuck::cast_slice::<i8, T>(&[-1i8])[0],
            _ => bytemuck::cast_slice::<u8, T>(missing)[0],
        };
        let end = absent::<T>(true);
        let mut offset = 0usize;
        for x in std::iter::once(first).chain(joined) {
            let n = x.samples().len();
            let mut lacks = Vec::with_capacity(nrows);
            x.column(col::FORMAT_KEYS)?
                .for_each_binary_option(rows.clone(), |_, k| {
                    lacks.push(!k.is_some_and(|k| k.split(|&b| b == b':').any(|k| k == b"GT")));
                })?;
            for (r, lacks) in lacks.into_iter().enumerate() {
                if !lacks {
                    continue;
                }
                let row = &mut values[r * out_cols..(r + 1) * out_cols];
                let ploidy = row
                    .chunks(per_out)
                    .map(|cell| {
                        cell.iter()
                            .take_while(|&&a| bytemuck::bytes_of(&a) != bytemuck::bytes_of(&end))
                            .count()
                    })
                    .max()
                    .unwrap_or(0);
                for s in offset..offset + n {
                    row[s * per_out..s * per_out + ploidy].fill(minus_one);
                }
            }
            offset += n;
        }
    }
    writer.push_rows(target, &values, out.nullable.then_some(present.as_slice()))?;
    Ok(())
}

/// Copy page `index` of `src` as stored (its checksum checked on read).
fn copy_page<W: std::io::Write>(
    src: &ColumnReader<'_>,
    index: u64,
    writer: &mut Writer<W>,
    target: ColumnId,
) -> Result<(), Failure> {
    let (info, stored) = src.stored_page(index)?;
    let page = EncodedPage::copied(&info, &stored);
    writer.write_encoded_page(target, &page)?;
    Ok(())
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
