//! New files from existing ones without re-encoding (`gcol subset`,
//! `gcol merge`, `gcol edit`; Python `gcol.subset`, `gcol.merge`,
//! `gcol.edit`): whole datasets are copied page by page, each page's
//! stored bytes checked against its checksum and written unchanged with
//! its encoding, so a subset or a merge costs a copy, not a conversion.
//! Dataset and file metadata and the sources' provenance come along; a
//! new provenance entry names each source file by its SHA-256 and the
//! operation. The result goes to a temporary beside the destination, is
//! read back and verified (structure and checksums), and only then takes
//! the name: a failure
//! leaves the destination as it was (it may be one of the sources).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gcol_format::encoding::{ids, EncodedPage, Encoding};
use gcol_format::manifest::{Dataset, Layout, Provenance};
use gcol_reader::Reader;
use gcol_writer::{AtomicFile, ColumnSpec, DatasetSpec, WriteOptions, Writer};

use gcol_format::schema::alignments::columns::{SEQ, SEQ_DIFF_ITEM};

use crate::convert::Error;
use crate::select::{self, Selected};
use crate::Progress;

/// What a subset, merge or edit wrote.
#[derive(Debug, Clone)]
pub struct EditSummary {
    /// The path written.
    pub destination: PathBuf,
    /// Datasets written, in order.
    pub datasets: Vec<String>,
    /// Pages copied without re-encoding.
    pub pages: u64,
    /// Pages decoded and encoded again (the edges of a region or sample
    /// subset, and the columns whose values it changes).
    pub reencoded: u64,
    /// Bytes of the file written.
    pub bytes: u64,
}

/// Changes `gcol edit` makes besides dropping datasets.
#[derive(Debug, Clone, Default)]
pub struct EditOptions {
    /// Datasets left out.
    pub drop: Vec<String>,
    /// File metadata keys set (replacing a value of the same key).
    pub set_metadata: Vec<(String, String)>,
    /// File metadata keys removed.
    pub remove_metadata: Vec<String>,
    /// CSV, TSV or Parquet tables added, each as a `table` dataset named
    /// after its file (replacing a dataset of that name only when it is
    /// dropped).
    pub add_tables: Vec<PathBuf>,
}

/// Metadata keys whose value names another dataset of the file, which a
/// dataset needs beside it: a feature table's sequences (17.4, 17.9), an
/// alignments or variants dataset's reference (14.7, 15.10).
const LINKS: [&str; 2] = ["sequences", "reference"];

/// The datasets `dataset` of `reader` needs in the same file: those its
/// [`LINKS`] metadata name; for a genomics-schema table (17.8) the tables
/// its foreign keys reference, and for its `sequences` table the datasets
/// its `dataset` column names.
fn links(reader: &Reader, dataset: &Dataset) -> Result<Vec<String>, gcol_reader::Error> {
    use gcol_format::schema::genomics;
    let mut out: Vec<String> = LINKS
        .iter()
        .filter_map(|k| dataset.metadata.get(*k).cloned())
        .collect();
    let schema = gcol_format::schema::table::meta::SCHEMA;
    if dataset
        .metadata
        .get(schema)
        .is_some_and(|s| s == genomics::SCHEMA)
    {
        if let Some(table) = genomics::table(&dataset.name) {
            out.extend(table.foreign_keys.iter().map(|fk| fk.table.to_string()));
        }
        if dataset.name == "sequences" && dataset.columns.iter().any(|c| c.name == "dataset") {
            let t = gcol_reader::table::Table::open(reader, &dataset.name)?;
            for v in t.values("dataset")?.into_iter().flatten() {
                let name = v.to_text();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    // Only datasets of this file (a reference may be outside it).
    out.retain(|n| n != &dataset.name && reader.dataset(n).is_ok());
    Ok(out)
}

/// A source that does not read: an I/O or remote failure (exit 3, as
/// the reading commands), else a damaged file.
fn corrupt(path: &Path, e: gcol_reader::Error) -> Error {
    if matches!(
        e,
        gcol_reader::Error::Io { .. } | gcol_reader::Error::Remote { .. }
    ) {
        return Error::Write(gcol_writer::Error::Source {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        });
    }
    Error::Input {
        path: path.to_path_buf(),
        detail: format!("not read: {e}"),
    }
}

/// One source file and the datasets taken from it.
struct Source {
    path: PathBuf,
    reader: Reader,
    datasets: Vec<String>,
    /// Datasets of which only some rows or samples are kept.
    selected: BTreeMap<String, Selected>,
    /// Datasets of an earlier source this one's samples joined (a merge).
    joined: Vec<String>,
    /// Datasets rewritten in the newest forms of their kinds (`gcol
    /// upgrade`, [`crate::upgrade`]).
    upgrade: bool,
    /// Alignments datasets of which only the records of some regions are
    /// kept: each written as BAM to a temporary file, converted again.
    alignments_cut: Vec<(String, tempfile::TempPath)>,
}

impl Source {
    /// `datasets` of `reader` (at `path`), copied whole.
    fn new(path: &Path, reader: Reader, datasets: Vec<String>) -> Source {
        Source {
            path: path.to_path_buf(),
            reader,
            datasets,
            selected: BTreeMap::new(),
            joined: Vec::new(),
            upgrade: false,
            alignments_cut: Vec::new(),
        }
    }
}

/// Rows and samples a subset keeps of the variants datasets it takes
/// (`gcol subset FILE REGION... -s SAMPLES`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Regions (`chr`, `chr:pos`, `chr:beg-end`, 1-based inclusive):
    /// records overlapping any of them are kept, as `bcftools view -r`.
    /// Empty: every record.
    pub regions: Vec<String>,
    /// Samples kept, in this order (`None`: every sample); with
    /// `exclude_samples`, the samples left out (in file order).
    pub samples: Option<Vec<String>>,
    /// `samples` names the samples to leave out (bcftools' `^A,B`).
    pub exclude_samples: bool,
}

impl Selection {
    /// Whether the selection keeps every row and sample.
    pub fn is_everything(&self) -> bool {
        self.regions.is_empty() && self.samples.is_none()
    }
}

fn select_error(path: &Path, e: select::Failure) -> Error {
    match e {
        select::Failure::Read(gcol_reader::Error::Usage { detail }) => Error::Usage { detail },
        select::Failure::Read(e) => corrupt(path, e),
        select::Failure::Write(e) => Error::Write(e),
        select::Failure::Usage(detail) => Error::Usage { detail },
    }
}

/// Write a file of `sources`' datasets (pages copied unchanged) with file
/// metadata `metadata`, recording `operation` in the provenance.
fn write_copy(
    sources: &[Source],
    destination: &Path,
    metadata: BTreeMap<String, String>,
    operation: &str,
    add_tables: &[PathBuf],
    extra: &BTreeMap<String, String>,
    progress: Progress<'_>,
) -> Result<EditSummary, Error> {
    for source in sources {
        let (major, minor) = source.reader.version();
        if minor > gcol_format::MINOR_VERSION {
            return Err(Error::Input {
                path: source.path.clone(),
                detail: format!(
                    "format {major}.{minor} is newer than this gcol writes (1.{}): copying it could drop what 1.{minor} added; use a newer gcol",
                    gcol_format::MINOR_VERSION
                ),
            });
        }
    }
    // A 1.0 file stays in the 1.0 layout (readable by 1.0 readers) unless
    // a source already uses 1.1's.
    let options = WriteOptions {
        compact: sources
            .iter()
            .any(|s| s.upgrade || s.reader.version().1 >= 1),
        ..WriteOptions::default()
    };
    let file = AtomicFile::create(destination)?;
    let mut writer = Writer::new(file, options)?;
    // Every dataset and column first: the header's version is that of
    // everything declared when the first page is written.
    let mut plan: Vec<(usize, u32, gcol_writer::ColumnId)> = Vec::new();
    // Datasets written through a selection, with their columns' targets.
    let mut selected: Vec<(usize, String, BTreeMap<String, gcol_writer::ColumnId>)> = Vec::new();
    // Datasets whose bases an upgrade codes again (the 1.5 form of 15.8).
    let mut recoded: Vec<(usize, String, crate::upgrade::RecodedColumns)> = Vec::new();
    for (s, source) in sources.iter().enumerate() {
        for name in &source.datasets {
            let dataset = source
                .reader
                .dataset(name)
                .map_err(|e| corrupt(&source.path, e))?;
            let plan_upgrade = if source.upgrade {
                crate::upgrade::plan(&source.reader, dataset)
                    .map_err(|e| corrupt(&source.path, e))?
            } else {
                crate::upgrade::Plan::default()
            };
            let mut recode = crate::upgrade::RecodedColumns::default();
            let selection = source.selected.get(name);
            let mut spec = DatasetSpec::new(&dataset.name, &dataset.kind);
            if let Some(c) = dataset.coordinates {
                spec = spec.coordinates(c);
            }
            for (k, v) in selection.map_or(&dataset.metadata, |s| &s.metadata) {
                spec = spec.metadata(k, v);
            }
            let id = writer.add_dataset(spec)?;
            if let Some(n) = selection.map(|s| s.num_rows).or(dataset.num_rows) {
                writer.set_num_rows(id, n)?;
            }
            let mut targets = BTreeMap::new();
            let level = zstd_level(&source.reader, name);
            for column in selection.map_or(&dataset.columns, |s| &s.columns) {
                if plan_upgrade.drop.contains(&column.name) {
                    continue;
                }
                let encoded =
                    selection.is_some() || plan_upgrade.recode_bases && column.name == SEQ;
                let spec = column_spec(column, level, encoded).ok_or_else(|| Error::Input {
                    path: source.path.clone(),
                    detail: format!(
                        "column {}/{} has a layout or encoding of a newer format version; it cannot be copied",
                        dataset.name, column.name
                    ),
                })?;
                let c = writer.add_column(id, spec)?;
                if selection.is_some() {
                    targets.insert(column.name.clone(), c);
                    continue;
                }
                if plan_upgrade.recode_bases && column.name == SEQ {
                    recode.seq = Some(c);
                    continue;
                }
                if plan_upgrade.recode_bases && column.name == SEQ_DIFF_ITEM {
                    recode.sub = Some(writer.add_column(id, crate::upgrade::seq_sub_spec(level))?);
                }
                if let Some(Layout::Chunked { shape, .. }) = &column.layout {
                    writer.set_chunked_rows(c, shape[0])?;
                }
                plan.push((s, column.id, c));
            }
            if selection.is_some() {
                selected.push((s, name.clone(), targets));
            }
            if plan_upgrade.recode_bases {
                recoded.push((s, name.clone(), recode));
            }
        }
    }
    for (k, v) in &metadata {
        writer.set_metadata(k, v);
    }
    // Added tables are converted here, after the copied columns are
    // declared (their pages may be the file's first).
    for path in add_tables {
        add_table(&mut writer, path)?;
    }
    for source in sources {
        for (name, bam) in &source.alignments_cut {
            let options = crate::AlignmentOptions {
                zstd_level: zstd_level(&source.reader, name),
                ..crate::AlignmentOptions::new(name)
            };
            crate::import_alignments(
                &mut writer,
                bam,
                crate::AlignmentFormat::Bam,
                &options,
                &|_, _| {},
            )?;
            // The temporary BAM is not a source: the subset's own entry
            // (below) names the .gcol file, its hash and the regions.
            writer.pop_provenance();
        }
    }
    let total: u64 = plan
        .iter()
        .filter_map(|&(s, id, _)| sources[s].reader.column_by_id(id).ok())
        .map(|c| c.meta().stored_bytes)
        .sum();
    let (mut pages, mut done) = (0u64, 0u64);
    let mut list_ends = Vec::new();
    for &(s, id, target) in &plan {
        let source = &sources[s];
        let column = source
            .reader
            .column_by_id(id)
            .map_err(|e| corrupt(&source.path, e))?;
        for index in 0..column.num_pages() {
            let (info, stored) = column
                .stored_page(index)
                .map_err(|e| corrupt(&source.path, e))?;
            let page = EncodedPage::copied(&info, &stored);
            writer.write_encoded_page(target, &page)?;
            pages += 1;
            done += u64::from(info.stored_len);
            progress(done, total);
        }
        if let Some(Layout::List { .. }) = &column.meta().layout {
            // Written after its child (a child's id is greater, 6.6).
            list_ends.push((
                target,
                column
                    .list_child()
                    .map_err(|e| corrupt(&source.path, e))?
                    .num_values(),
            ));
        }
    }
    for (target, end) in list_ends {
        writer.set_list_end(target, end)?;
    }
    let mut reencoded = 0u64;
    for (s, name, columns) in &recoded {
        let source = &sources[*s];
        crate::upgrade::write_recoded(&source.reader, name, columns, &mut writer).map_err(|e| {
            match e {
                crate::upgrade::Failure::Read(e) => corrupt(&source.path, e),
                crate::upgrade::Failure::Write(e) => Error::Write(e),
            }
        })?;
    }
    for (s, name, targets) in &selected {
        let source = &sources[*s];
        let dataset = source
            .reader
            .dataset(name)
            .map_err(|e| corrupt(&source.path, e))?;
        let counts = source.selected[name]
            .write(&source.reader, dataset, targets, &mut writer)
            .map_err(|e| select_error(&source.path, e))?;
        pages += counts.copied;
        reencoded += counts.encoded;
    }
    let converter = writer.converter();
    let when = writer.timestamp();
    for source in sources {
        // What the new file holds of this source: its datasets, and those
        // its samples joined.
        let kept = |d: &String| {
            source.datasets.contains(d)
                || source.joined.contains(d)
                || source.alignments_cut.iter().any(|(a, _)| a == d)
        };
        for p in &source.reader.manifest().provenance {
            // An entry naming no dataset is of the whole file: kept.
            if p.datasets.is_empty() || p.datasets.iter().any(kept) {
                let mut p = p.clone();
                p.datasets.retain(kept);
                writer.add_provenance(p);
            }
        }
        let bytes = source
            .reader
            .bytes()
            .map_err(|e| corrupt(&source.path, e))?;
        let sha256 = {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(&bytes[..]);
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let mut options = extra.clone();
        options.insert("operation".to_string(), operation.to_string());
        let file_name = source.path.file_name().map_or_else(
            || source.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        writer.add_provenance(Provenance {
            source: file_name,
            size_bytes: bytes.len() as u64,
            sha256,
            datasets: source
                .datasets
                .iter()
                .chain(&source.joined)
                .chain(source.alignments_cut.iter().map(|(a, _)| a))
                .cloned()
                .collect(),
            converter: converter.clone(),
            options,
            converted_utc: when.clone(),
        });
    }
    let file = writer.finish()?;
    // Read back and verified before it takes the name.
    let copy = Reader::open(file.temp_path()).map_err(|e| Error::Output {
        path: destination.to_path_buf(),
        detail: format!("the new file does not read back ({e}); nothing was written"),
    })?;
    // Structure and every checksum: the copied pages are the source's
    // bytes, so decoding them all again (deep) would only repeat work.
    // Datasets encoded again (a selection) are decoded and checked too.
    let deep = sources
        .iter()
        .any(|s| !s.selected.is_empty() || s.upgrade || !s.alignments_cut.is_empty());
    if let Err(e) = copy.verify_with(deep, |_, _| {}) {
        // A source that breaks an invariant passes it on: name the source.
        for source in sources {
            if let Err(problem) = source.reader.verify_with(true, |_, _| {}) {
                return Err(Error::Input {
                    path: source.path.clone(),
                    detail: format!("does not verify ({problem}); nothing was written"),
                });
            }
        }
        return Err(Error::Output {
            path: destination.to_path_buf(),
            detail: format!("the new file does not verify ({e}); nothing was written"),
        });
    }
    for source in sources {
        for (name, _) in &source.alignments_cut {
            reencoded += crate::upgrade::pages_of(&copy, name);
        }
    }
    for (s, name, _) in &recoded {
        reencoded += crate::upgrade::pages_of(&copy, name);
        let source = &sources[*s];
        crate::upgrade::same_records(&source.reader, &copy, name).map_err(|detail| {
            Error::Output {
                path: destination.to_path_buf(),
                detail: format!("{detail}; nothing was written"),
            }
        })?;
    }
    for source in sources.iter().filter(|s| s.upgrade) {
        for name in &source.datasets {
            if recoded.iter().any(|(_, n, _)| n == name) {
                continue;
            }
            crate::upgrade::same_content(&source.reader, &copy, name).map_err(|detail| {
                Error::Output {
                    path: destination.to_path_buf(),
                    detail: format!("{detail}; nothing was written"),
                }
            })?;
        }
    }
    let bytes = copy.len();
    let datasets = copy.datasets().iter().map(|d| d.name.clone()).collect();
    drop(copy);
    file.commit()?;
    progress(total, total);
    Ok(EditSummary {
        destination: destination.to_path_buf(),
        datasets,
        pages,
        reencoded,
        bytes,
    })
}

/// The declaration of a copied column: its name, types, unit, metadata,
/// nullability and layout as the manifest gives them, and as its declared
/// encoding the one of its pages' encodings of the highest minor version
/// (so the file's version covers it). `None` for a layout this version
/// does not know.
///
/// `columns` gives a chunked column's number of array columns in the new
/// file from the source's (a sample subset keeps fewer).
///
/// Pages encoded again (the edges of a selection: `encoded`) are
/// zstd-compressed at `level`, without zstd where it does not help, and
/// in a second encoding where the first does not take the values (a
/// `decimal` column whose source mixed in `plain` pages).
fn column_spec(
    column: &gcol_format::manifest::Column,
    level: i32,
    encoded: bool,
) -> Option<ColumnSpec> {
    let mut spec = ColumnSpec::new(&column.name, column.physical_type, &column.logical_type);
    if !encoded {
        spec = spec.fixed_encoding();
    }
    if let Some(unit) = &column.unit {
        spec = spec.unit(unit);
    }
    for (k, v) in &column.metadata {
        spec = spec.metadata(k, v);
    }
    if column.nullable {
        spec = spec.nullable();
    }
    spec = match &column.layout {
        None => spec,
        Some(Layout::List { child }) => spec.list(child),
        Some(Layout::Chunked {
            shape,
            chunk_shape,
            order,
        }) => spec.chunked(shape[1], shape[2], chunk_shape[0], chunk_shape[1], *order),
        Some(_) => return None,
    };
    match column
        .encodings
        .iter()
        .copied()
        .max_by_key(|&id| ids::minor_of(id))
    {
        Some(newest) => {
            let at_level = |encoding: Encoding| match encoding.compression {
                gcol_format::encoding::Compression::Zstd { .. } => encoding.with_zstd(level),
                _ => encoding,
            };
            let encoding = at_level(Encoding::from_id(newest).ok()?);
            spec = spec.encoding(encoding);
            if encoded {
                let other = column
                    .encodings
                    .iter()
                    .copied()
                    .find(|&id| id != newest)
                    .and_then(|id| Encoding::from_id(id).ok())
                    .map(at_level)
                    .unwrap_or(Encoding::PLAIN.with_zstd(level));
                spec = spec.or_encoding(other);
            }
            Some(spec)
        }
        // No pages (no values): any encoding.
        None => Some(spec),
    }
}

/// The zstd level dataset `name` was converted at (its provenance's
/// `zstd_level`), else 9 (the VCF importer's default).
fn zstd_level(reader: &Reader, name: &str) -> i32 {
    reader
        .manifest()
        .provenance
        .iter()
        .filter(|p| p.datasets.iter().any(|d| d == name))
        .find_map(|p| p.options.get("zstd_level")?.parse().ok())
        .unwrap_or(9)
}

/// Whether variants dataset `name` of `a` and of `b` name different
/// samples (then they are not the same dataset, whatever their content).
fn other_samples(a: &Reader, b: &Reader, name: &str) -> bool {
    let samples = |r: &Reader| gcol_reader::Variants::open(r, name).map(|v| v.samples().to_vec());
    match (samples(a), samples(b)) {
        (Ok(x), Ok(y)) => x != y,
        _ => false,
    }
}

fn open(path: &Path) -> Result<Reader, Error> {
    Reader::open(path).map_err(|e| corrupt(path, e))
}

fn unknown(path: &Path, reader: &Reader, name: &str) -> Error {
    let have: Vec<&str> = reader.datasets().iter().map(|d| d.name.as_str()).collect();
    Error::Usage {
        detail: format!(
            "{} has no dataset {name:?} (it has {})",
            path.display(),
            have.join(", ")
        ),
    }
}

/// `gcol subset`: the datasets named (and the datasets they need: a
/// feature table's sequences, a reference) of `source`, pages copied.
pub fn subset(
    source: &Path,
    destination: &Path,
    datasets: &[String],
    progress: Progress<'_>,
) -> Result<EditSummary, Error> {
    subset_selected(
        source,
        destination,
        datasets,
        &Selection::default(),
        progress,
    )
}

/// `gcol subset` with regions and samples: the datasets named (every
/// dataset when none is), with the datasets they need; of each variants
/// dataset among them only the records overlapping `selection.regions`
/// and the samples `selection.samples` (AC and AN recomputed for them, as
/// `bcftools view -s` does). Pages wholly inside the selection are copied
/// as stored, the others encoded again. Provenance records the source's
/// SHA-256, the content hash of each dataset cut and the selection.
pub fn subset_selected(
    source: &Path,
    destination: &Path,
    datasets: &[String],
    selection: &Selection,
    progress: Progress<'_>,
) -> Result<EditSummary, Error> {
    if datasets.is_empty() && selection.is_everything() {
        return Err(Error::Usage {
            detail: "name at least one dataset, region or sample to keep".into(),
        });
    }
    let reader = open(source)?;
    let mut wanted: Vec<String> = Vec::new();
    let mut queue: Vec<String> = if datasets.is_empty() {
        reader.datasets().iter().map(|d| d.name.clone()).collect()
    } else {
        datasets.to_vec()
    };
    while let Some(name) = queue.pop() {
        let dataset = reader
            .dataset(&name)
            .map_err(|_| unknown(source, &reader, &name))?;
        if !wanted.contains(&name) {
            wanted.push(name.clone());
            queue.extend(links(&reader, dataset).map_err(|e| corrupt(source, e))?);
        }
    }
    // In the source's order.
    let keep: Vec<String> = reader
        .datasets()
        .iter()
        .map(|d| d.name.clone())
        .filter(|n| wanted.contains(n))
        .collect();
    let mut selected = BTreeMap::new();
    let mut alignments_cut = Vec::new();
    let mut extra = BTreeMap::new();
    let mut operation = format!("subset: {}", keep.join(","));
    if !selection.is_everything() {
        let regions = selection
            .regions
            .iter()
            .map(|r| gcol_reader::VcfRegion::parse(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Usage {
                detail: e.to_string(),
            })?;
        let targets: Vec<&String> = keep
            .iter()
            .filter(|n| {
                reader
                    .dataset(n)
                    .is_ok_and(gcol_reader::Variants::is_variants)
            })
            .collect();
        // Alignments datasets take the regions (samples are variants').
        if !selection.regions.is_empty() {
            for name in &keep {
                if !reader
                    .dataset(name)
                    .is_ok_and(gcol_reader::Alignments::is_alignments)
                {
                    continue;
                }
                let cut = alignments_in_regions(&reader, name, &selection.regions, destination)
                    .map_err(|e| match e {
                        gcol_reader::Error::Usage { detail } => Error::Usage { detail },
                        gcol_reader::Error::Output { source } => Error::Output {
                            path: destination.to_path_buf(),
                            detail: source.to_string(),
                        },
                        e => corrupt(source, e),
                    })?;
                extra.insert(
                    format!("content_hash.{name}"),
                    reader.content_hash(name).map_err(|e| corrupt(source, e))?,
                );
                alignments_cut.push((name.clone(), cut));
            }
        }
        if targets.is_empty() && alignments_cut.is_empty() {
            let kinds: Vec<String> = keep
                .iter()
                .filter_map(|n| reader.dataset(n).ok())
                .map(|d| format!("{} ({})", d.name, d.kind))
                .collect();
            return Err(Error::Usage {
                detail: format!(
                    "regions select records of variants and alignments datasets, samples of variants datasets; {} has none among {} (keep whole datasets with --dataset)",
                    source.display(),
                    kinds.join(", ")
                ),
            });
        }
        for name in targets {
            let samples = match &selection.samples {
                Some(names) if selection.exclude_samples => {
                    let v = gcol_reader::Variants::open(&reader, name)
                        .map_err(|e| corrupt(source, e))?;
                    if let Some(n) = names.iter().find(|n| v.sample_index(n).is_none()) {
                        return Err(Error::Usage {
                            detail: format!("no sample {n:?} in dataset {name:?}"),
                        });
                    }
                    Some(
                        v.samples()
                            .iter()
                            .filter(|s| !names.contains(s))
                            .cloned()
                            .collect::<Vec<_>>(),
                    )
                }
                other => other.clone(),
            };
            let cut = Selected::new(&reader, name, &regions, samples.as_deref())
                .map_err(|e| select_error(source, e))?;
            extra.insert(
                format!("content_hash.{name}"),
                reader.content_hash(name).map_err(|e| corrupt(source, e))?,
            );
            selected.insert(name.clone(), cut);
        }
        if !selection.regions.is_empty() {
            let regions = selection.regions.join(",");
            operation.push_str(&format!("; regions {regions}"));
            extra.insert("regions".into(), regions);
        }
        if let Some(samples) = &selection.samples {
            let samples = format!(
                "{}{}",
                if selection.exclude_samples { "^" } else { "" },
                samples.join(",")
            );
            operation.push_str(&format!("; samples {samples}"));
            extra.insert("samples".into(), samples);
        }
    }
    let metadata = reader.manifest().metadata.clone();
    let keep = keep
        .into_iter()
        .filter(|n| !alignments_cut.iter().any(|(a, _)| a == n))
        .collect();
    let mut sources = [Source::new(source, reader, keep)];
    sources[0].selected = selected;
    sources[0].alignments_cut = alignments_cut;
    write_copy(
        &sources,
        destination,
        metadata,
        &operation,
        &[],
        &extra,
        progress,
    )
}

/// The records of alignments dataset `name` overlapping `regions`
/// (samtools' region syntax), each once and in file order (as `samtools
/// view -M` selects them), written as BAM to a temporary file beside
/// `destination` (removed when dropped). Converting it again codes the
/// bases against each chunk's consensus: a subset of a dataset coded
/// against a reference no longer needs it.
fn alignments_in_regions(
    reader: &Reader,
    name: &str,
    regions: &[String],
    destination: &Path,
) -> Result<tempfile::TempPath, gcol_reader::Error> {
    use std::io::Write;
    let alignments = gcol_reader::Alignments::open(reader, name)?;
    let parsed = regions
        .iter()
        .map(|r| alignments.region(r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = alignments.select_rows(&parsed, &gcol_reader::RecordFilter::default())?;
    rows.sort_unstable();
    rows.dedup();
    let dir = destination
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let output = |source: std::io::Error| gcol_reader::Error::Output { source };
    let file = tempfile::Builder::new()
        .prefix(".gcol-subset-")
        .suffix(".bam")
        .tempfile_in(dir)
        .map_err(output)?;
    let (file, path) = file.into_parts();
    let mut bgzf = noodles_bgzf::io::Writer::new(std::io::BufWriter::new(file));
    bgzf.write_all(&alignments.bam_header()).map_err(output)?;
    for chunk in rows.chunks(16_384) {
        for record in alignments.records_at(chunk)? {
            bgzf.write_all(&(record.len() as u32).to_le_bytes())
                .map_err(output)?;
            bgzf.write_all(&record).map_err(output)?;
        }
    }
    bgzf.finish().map_err(output)?;
    Ok(path)
}

/// `gcol merge`: every dataset of every source, in order, pages copied; a
/// dataset found again with the same content (its content hash, spec 8.5)
/// is taken once, two different datasets of one name are refused. File
/// metadata are the union (the first file's value of a key wins).
pub fn merge(
    sources: &[PathBuf],
    destination: &Path,
    progress: Progress<'_>,
) -> Result<EditSummary, Error> {
    if sources.len() < 2 {
        return Err(Error::Usage {
            detail: "merge needs at least two files".into(),
        });
    }
    // Name -> (source index, content hash once computed).
    let mut seen: BTreeMap<String, (usize, Option<String>)> = BTreeMap::new();
    // Variants datasets of one name and different samples: the sources
    // whose samples join the first's.
    let mut joins: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut metadata = BTreeMap::new();
    let mut opened: Vec<Source> = Vec::new();
    for path in sources {
        let reader = open(path)?;
        let mut datasets = Vec::new();
        for d in reader.datasets() {
            if let Some((first, hash)) = seen.get_mut(&d.name) {
                // The same dataset in two files (a reference both need) is
                // taken once; two different ones of one name conflict.
                let earlier = &opened[*first];
                // Variants datasets of other samples are joined (their
                // sites are checked then): no content hash needed.
                let before = earlier
                    .reader
                    .dataset(&d.name)
                    .map_err(|e| corrupt(&earlier.path, e))?;
                if gcol_reader::Variants::is_variants(before)
                    && gcol_reader::Variants::is_variants(d)
                    && other_samples(&earlier.reader, &reader, &d.name)
                {
                    joins.entry(d.name.clone()).or_default().push(opened.len());
                    continue;
                }
                if hash.is_none() {
                    *hash = Some(
                        earlier
                            .reader
                            .content_hash(&d.name)
                            .map_err(|e| corrupt(&earlier.path, e))?,
                    );
                }
                let this = reader.content_hash(&d.name).map_err(|e| corrupt(path, e))?;
                // The content hash leaves metadata out (spec 8.5): compare it too.
                let column_meta = |ds: &Dataset| -> Vec<BTreeMap<String, String>> {
                    ds.columns.iter().map(|c| c.metadata.clone()).collect()
                };
                let before = earlier
                    .reader
                    .dataset(&d.name)
                    .map_err(|e| corrupt(&earlier.path, e))?;
                let same_metadata = before.kind == d.kind
                    && before.metadata == d.metadata
                    && column_meta(before) == column_meta(d);
                if hash.as_deref() == Some(this.as_str()) && same_metadata {
                    continue;
                }
                if gcol_reader::Variants::is_variants(before)
                    && gcol_reader::Variants::is_variants(d)
                {
                    // New samples on the same sites (checked when joined).
                    joins.entry(d.name.clone()).or_default().push(opened.len());
                    continue;
                }
                return Err(Error::Usage {
                    detail: format!(
                        "dataset {:?} of {} differs from the one of that name in {}; subset one of them first (gcol subset, or gcol edit --drop)",
                        d.name,
                        path.display(),
                        earlier.path.display()
                    ),
                });
            }
            seen.insert(d.name.clone(), (opened.len(), None));
            datasets.push(d.name.clone());
        }
        for (k, v) in &reader.manifest().metadata {
            metadata.entry(k.clone()).or_insert_with(|| v.clone());
        }
        opened.push(Source::new(path, reader, datasets));
    }
    let mut extra = BTreeMap::new();
    for (name, others) in &joins {
        let first = seen[name].0;
        let with: Vec<(Reader, String)> = others
            .iter()
            .map(|&o| (opened[o].reader.clone(), name.clone()))
            .collect();
        let joined = Selected::joined(&opened[first].reader, name, &with)
            .map_err(|e| select_error(&opened[first].path, e))?;
        let files: Vec<String> = std::iter::once(first)
            .chain(others.iter().copied())
            .map(|i| opened[i].path.display().to_string())
            .collect();
        extra.insert(format!("samples_joined.{name}"), files.join(","));
        opened[first].selected.insert(name.clone(), joined);
        for &o in others {
            opened[o].joined.push(name.clone());
        }
    }
    write_copy(
        &opened,
        destination,
        metadata,
        "merge",
        &[],
        &extra,
        progress,
    )
}

/// `gcol edit`: `source` without the datasets `options.drop` (refused when
/// a kept dataset needs one), with file metadata keys set or removed and
/// tables added.
pub fn edit(
    source: &Path,
    destination: &Path,
    options: &EditOptions,
    progress: Progress<'_>,
) -> Result<EditSummary, Error> {
    let reader = open(source)?;
    for name in &options.drop {
        reader
            .dataset(name)
            .map_err(|_| unknown(source, &reader, name))?;
    }
    let keep: Vec<&Dataset> = reader
        .datasets()
        .iter()
        .filter(|d| !options.drop.contains(&d.name))
        .collect();
    for d in &keep {
        let needs = links(&reader, d).map_err(|e| corrupt(source, e))?;
        if let Some(needed) = needs.iter().find(|n| options.drop.contains(n)) {
            return Err(Error::Usage {
                detail: format!(
                    "dataset {:?} needs {needed:?}; drop both, or keep {needed:?}",
                    d.name
                ),
            });
        }
    }
    let keep: Vec<String> = keep.iter().map(|d| d.name.clone()).collect();
    let mut metadata = reader.manifest().metadata.clone();
    for k in &options.remove_metadata {
        metadata.remove(k);
    }
    for (k, v) in &options.set_metadata {
        metadata.insert(k.clone(), v.clone());
    }
    let mut operation = String::from("edit");
    if !options.drop.is_empty() {
        operation.push_str(&format!(": drop {}", options.drop.join(",")));
    }
    let mut added: Vec<String> = Vec::new();
    for path in &options.add_tables {
        let name = crate::dataset_name(path, false);
        if added.contains(&name) {
            return Err(Error::Usage {
                detail: format!("{} is added twice (as {name:?})", path.display()),
            });
        }
        if keep.contains(&name) {
            return Err(Error::Usage {
                detail: format!(
                    "{} would add a dataset {name:?}, which the file already has; --drop {name} to replace it",
                    path.display()
                ),
            });
        }
        added.push(name);
    }
    if !added.is_empty() {
        operation.push_str(&format!("; add {}", added.join(",")));
    }
    let sources = [Source::new(source, reader, keep)];
    write_copy(
        &sources,
        destination,
        metadata,
        &operation,
        &options.add_tables,
        &BTreeMap::new(),
        progress,
    )
}

/// `gcol upgrade`: `source` rewritten at `destination` in the newest forms
/// this version writes (spec 9): the compact layout (inline small columns,
/// one manifest frame, 2.5 and 5.4), a `sequences` dataset's stored `name`
/// column left out (the names are its definitions' first tokens, 12.2),
/// alignments in the 1.5 form coded with substitution codes (15.8); every
/// other page copied as stored. The source is verified deeply first; the
/// result is verified deeply, each copied dataset's content hash (8.5) and
/// each recoded dataset's records checked equal to the source's, before it
/// takes the name. The header then records the lowest minor version the
/// result needs (2.2), which may be below this version's.
pub fn upgrade(
    source: &Path,
    destination: &Path,
    progress: Progress<'_>,
) -> Result<EditSummary, Error> {
    let reader = open(source)?;
    if let Err(e) = reader.verify_with(true, |_, _| {}) {
        return Err(Error::Input {
            path: source.to_path_buf(),
            detail: format!("does not verify ({e}); nothing was written"),
        });
    }
    let from = reader.version();
    let names = reader.datasets().iter().map(|d| d.name.clone()).collect();
    let metadata = reader.manifest().metadata.clone();
    let mut extra = BTreeMap::new();
    extra.insert("from_version".to_string(), format!("{}.{}", from.0, from.1));
    let mut only = Source::new(source, reader, names);
    only.upgrade = true;
    write_copy(
        &[only],
        destination,
        metadata,
        "upgrade",
        &[],
        &extra,
        progress,
    )
}

/// Convert the CSV, TSV or Parquet table at `path` into `writer`, named
/// after the file.
fn add_table<W: std::io::Write>(writer: &mut Writer<W>, path: &Path) -> Result<(), Error> {
    use crate::detect::SourceFormat;
    let name = crate::dataset_name(path, false);
    let options = crate::TableOptions::new(&name);
    let mut input = crate::open_input(path)?;
    match input.format()? {
        SourceFormat::Csv => {
            crate::import_table(writer, input, b',', &options, &|_, _| {})?;
        }
        SourceFormat::Tsv => {
            crate::import_table(writer, input, b'\t', &options, &|_, _| {})?;
        }
        SourceFormat::Parquet => {
            drop(input);
            crate::import_parquet(writer, path, &options, &|_, _| {})?;
        }
        other => {
            return Err(Error::Usage {
                detail: format!(
                    "{}: {other} input; edit --add takes CSV, TSV or Parquet tables (convert other inputs, then merge the files)",
                    path.display()
                ),
            })
        }
    }
    Ok(())
}
