//! Datasets cut into partitions of Arrow record batches, for engines that
//! scale out (DuckDB, Dask, Ray) and for Parquet export (issue 17).
//!
//! - `variants`: one partition per contig and run of [`SITE_ROWS`] sites:
//!   CHROM, POS (1-based), ID, REF, ALT (list), QUAL, FILTER (list, null
//!   for `.`), one column per INFO field typed as its header says (`Flag`
//!   boolean, `Integer` int64, `Float` float32, `Number` other than 1 a
//!   list, text utf8), and with genotypes a `GT` column: per site a list
//!   (one entry per sample, in the dataset's order) of fixed-size lists of
//!   `ploidy` int8/int16 allele indexes (−1 missing, −2 past the call's
//!   ploidy). The sample names are the schema's `gcol:samples` metadata.
//! - `sequences` and `reads`: runs of whole records up to [`BASES`] bases,
//!   a longer record cut into windows of [`BASES`]: `name`, `start`, `end`
//!   (0-based, half-open), `sequence`, and for reads `quality` (FASTQ
//!   text, Phred+33).
//! - tables (spec 16.4, 17) and graphs (their edges): runs of
//!   [`TABLE_ROWS`] rows of the columns [`crate::columnar`] gives.
//!
//! A partition's batch is read on its own (a page cache shared by
//! partitions of one file serves pages two partitions meet), so partitions
//! of many files can go to many workers.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, FixedSizeListBuilder, Float32Builder, Int64Builder, ListBuilder,
    PrimitiveBuilder, StringBuilder,
};
use arrow_array::types::{ArrowPrimitiveType, Float32Type, Int16Type, Int64Type, Int8Type};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};

use crate::variants::{InfoKind, Variants};
use crate::{Error, Reader, Result};

/// Sites per variants partition.
pub const SITE_ROWS: u64 = 65_536;
/// Bases per sequences partition.
pub const BASES: u64 = 4 << 20;
/// Rows per table or graph partition.
pub const TABLE_ROWS: u64 = 1 << 20;
/// Records per alignments partition.
pub const ALIGNMENT_ROWS: u64 = 65_536;

/// The columns of an alignments batch, in order.
pub const ALIGNMENT_COLUMNS: [&str; 13] = [
    "query_name",
    "flag",
    "reference_name",
    "reference_start",
    "reference_end",
    "mapping_quality",
    "cigarstring",
    "next_reference_name",
    "next_reference_start",
    "template_length",
    "query_sequence",
    "query_qualities",
    "tags",
];

/// One partition of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// The dataset.
    pub dataset: String,
    /// Its position among the dataset's partitions.
    pub index: usize,
    /// The contig of a variants partition (`contig=NAME/` in a partitioned
    /// Parquet export).
    pub contig: Option<String>,
    /// What it holds.
    pub part: Part,
}

/// What a partition holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Rows of a variants dataset, table or graph's edges.
    Rows(Range<u64>),
    /// Whole records of a sequences or reads dataset.
    Records(Range<usize>),
    /// Bases of one record longer than [`BASES`].
    Window(usize, Range<u64>),
}

fn arrow_error(e: impl std::fmt::Display) -> Error {
    Error::Arrow {
        detail: e.to_string(),
    }
}

/// What kind of partitions a dataset has.
enum Kind {
    Variants,
    Sequences,
    /// Typed tables (spec 16.4, 17).
    Table,
    /// A table of flat columns of stored types (1.0 tables).
    Columns,
    Graph,
    Alignments,
}

fn kind_of(reader: &Reader, dataset: &str) -> Result<Kind> {
    let d = reader.dataset(dataset)?;
    if Variants::is_variants(d) {
        Ok(Kind::Variants)
    } else if d.kind == gcol_format::schema::graph::KIND {
        Ok(Kind::Graph)
    } else if crate::table::Table::is_table(d)
        && gcol_format::manifest::dataset_minor_needed(&d.kind, &d.metadata, |_| false) >= 7
    {
        Ok(Kind::Table)
    } else if crate::table::Table::is_table(d) {
        Ok(Kind::Columns)
    } else if matches!(d.kind.as_str(), "sequences" | "reads") {
        Ok(Kind::Sequences)
    } else if crate::Alignments::is_alignments(d) {
        Ok(Kind::Alignments)
    } else {
        Err(Error::Usage {
            detail: format!(
                "dataset {dataset:?} is of kind {:?}: partitions are made of variants, \
                 sequences, reads, alignments, table and graph datasets",
                d.kind
            ),
        })
    }
}

/// The partitions of `dataset`, in row order.
pub fn partitions(reader: &Reader, dataset: &str) -> Result<Vec<Partition>> {
    let part = |index, contig, part| Partition {
        dataset: dataset.to_string(),
        index,
        contig,
        part,
    };
    let mut out = Vec::new();
    match kind_of(reader, dataset)? {
        Kind::Variants => {
            let v = Variants::open(reader, dataset)?;
            for (c, name) in v.contigs().iter().enumerate() {
                let rows = v.contig_rows(c);
                let mut at = rows.start;
                while at < rows.end {
                    let end = (at + SITE_ROWS).min(rows.end);
                    out.push(part(out.len(), Some(name.clone()), Part::Rows(at..end)));
                    at = end;
                }
            }
        }
        Kind::Sequences => {
            let s = reader.sequences(dataset)?;
            let lengths = s.lengths()?;
            // Whole records while they fit; a record longer than BASES
            // alone, in windows of BASES from its start.
            let mut first = 0usize;
            let mut bases = 0u64;
            for (record, &length) in lengths.iter().enumerate() {
                if first < record && bases + length > BASES {
                    out.push(part(out.len(), None, Part::Records(first..record)));
                    (first, bases) = (record, 0);
                }
                if length <= BASES {
                    bases += length;
                    continue;
                }
                let mut at = 0;
                while at < length {
                    let end = (at + BASES).min(length);
                    out.push(part(out.len(), None, Part::Window(record, at..end)));
                    at = end;
                }
                first = record + 1;
            }
            if first < lengths.len() {
                out.push(part(out.len(), None, Part::Records(first..lengths.len())));
            }
        }
        Kind::Alignments => {
            let a = crate::Alignments::open(reader, dataset)?;
            let mut chunks = |contig: Option<String>, rows: Range<u64>| {
                let mut at = rows.start;
                while at < rows.end {
                    let end = (at + ALIGNMENT_ROWS).min(rows.end);
                    out.push(part(out.len(), contig.clone(), Part::Rows(at..end)));
                    at = end;
                }
            };
            match a.reference_rows()? {
                Some(per_reference) => {
                    let mut placed: Vec<(Range<u64>, &str)> = per_reference
                        .into_iter()
                        .zip(a.references())
                        .filter(|(rows, _)| !rows.is_empty())
                        .map(|(rows, (name, _))| (rows, name.as_str()))
                        .collect();
                    placed.sort_by_key(|(rows, _)| rows.start);
                    // Rows of no reference (unplaced, `*`) between or
                    // after them.
                    let mut at = 0;
                    for (rows, name) in placed {
                        if at < rows.start {
                            chunks(Some("*".into()), at..rows.start);
                        }
                        at = rows.end;
                        chunks(Some(name.to_string()), rows);
                    }
                    if at < a.len() {
                        chunks(Some("*".into()), at..a.len());
                    }
                }
                None => chunks(None, 0..a.len()),
            }
            if out.is_empty() {
                out.push(part(0, None, Part::Rows(0..0)));
            }
        }
        kind @ (Kind::Table | Kind::Columns | Kind::Graph) => {
            let rows = match kind {
                Kind::Graph => crate::graph::Graph::open(reader, dataset)?.num_edges(),
                Kind::Table => crate::table::Table::open(reader, dataset)?.num_rows(),
                _ => columns_rows(reader.dataset(dataset)?),
            };
            let mut at = 0;
            while at < rows || out.is_empty() {
                let end = (at + TABLE_ROWS).min(rows);
                out.push(part(out.len(), None, Part::Rows(at..end)));
                at = end;
                if rows == 0 {
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// Options of a partition's batch.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Only these columns, in this order (all when `None`). The batch is
    /// cut to them after it is read: a variants partition decodes its site
    /// columns whole, and `GT` only when asked for.
    pub columns: Option<Vec<String>>,
    /// For variants: add the `GT` column.
    pub genotypes: bool,
}

/// The record batch of partition `p`.
pub fn batch(reader: &Reader, p: &Partition, options: &BatchOptions) -> Result<RecordBatch> {
    let batch = match (kind_of(reader, &p.dataset)?, &p.part) {
        (Kind::Variants, Part::Rows(rows)) => {
            let v = Variants::open(reader, &p.dataset)?;
            let wants_gt = options.genotypes
                || options
                    .columns
                    .as_ref()
                    .is_some_and(|c| c.iter().any(|n| n == "GT"));
            // Derived INFO fields cost the genotypes: computed only when
            // the projection keeps one.
            let derived = options.columns.as_ref().is_none_or(|c| {
                v.infos()
                    .iter()
                    .any(|f| f.derived && c.iter().any(|n| *n == format!("INFO/{}", f.id)))
            });
            variants_batch_with(&v, std::slice::from_ref(rows), wants_gt, derived)?
        }
        (Kind::Sequences, Part::Records(records)) => {
            let s = reader.sequences(&p.dataset)?;
            let mut pieces = Vec::with_capacity(records.len());
            for r in records.clone() {
                pieces.push((r, 0..s.length(r)?));
            }
            sequences_batch(reader, &p.dataset, &pieces)?
        }
        (Kind::Sequences, Part::Window(record, range)) => {
            sequences_batch(reader, &p.dataset, &[(*record, range.clone())])?
        }
        (Kind::Table, Part::Rows(rows)) => {
            let t = crate::table::Table::open(reader, &p.dataset)?;
            let whole = crate::columnar::table_batch(&t, None)?;
            whole.slice(rows.start as usize, (rows.end - rows.start) as usize)
        }
        (Kind::Columns, Part::Rows(rows)) => columns_batch(reader, &p.dataset, rows.clone())?,
        (Kind::Alignments, Part::Rows(rows)) => {
            let a = crate::Alignments::open(reader, &p.dataset)?;
            let rows: Vec<u64> = rows.clone().collect();
            return alignments_batch(&a, &rows, options.columns.as_deref());
        }
        (Kind::Graph, Part::Rows(rows)) => {
            let g = crate::graph::Graph::open(reader, &p.dataset)?;
            let whole = crate::columnar::record_batch(&crate::columnar::edge_columns(&g)?)?;
            whole.slice(rows.start as usize, (rows.end - rows.start) as usize)
        }
        _ => {
            return Err(Error::Usage {
                detail: format!("partition {} does not belong to {:?}", p.index, p.dataset),
            })
        }
    };
    project(batch, options.columns.as_deref())
}

/// `batch` with only `columns`, in their order.
fn project(batch: RecordBatch, columns: Option<&[String]>) -> Result<RecordBatch> {
    let Some(columns) = columns else {
        return Ok(batch);
    };
    let schema = batch.schema();
    let indexes = columns
        .iter()
        .map(|c| {
            schema.index_of(c).map_err(|_| Error::NoSuchColumn {
                dataset: String::new(),
                column: c.clone(),
                available: schema.fields().iter().map(|f| f.name().clone()).collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    batch.project(&indexes).map_err(arrow_error)
}

/// The schema every partition of `dataset` has (with `GT` when
/// `genotypes`), read from an empty partition.
pub fn schema(reader: &Reader, dataset: &str, options: &BatchOptions) -> Result<SchemaRef> {
    let empty = Partition {
        dataset: dataset.to_string(),
        index: 0,
        contig: None,
        part: match kind_of(reader, dataset)? {
            Kind::Sequences => Part::Records(0..0),
            _ => Part::Rows(0..0),
        },
    };
    Ok(batch(reader, &empty, options)?.schema())
}

/// Rows of a 1.0 table: its `num_rows`, else its first column's values.
fn columns_rows(d: &gcol_format::manifest::Dataset) -> u64 {
    d.num_rows
        .or_else(|| d.columns.first().map(|c| c.num_values))
        .unwrap_or(0)
}

/// Rows `rows` of the flat columns of a 1.0 table (those of one value a
/// row), as the pages' Arrow arrays (spec 6.8) cut to the rows; text
/// columns (`utf8`, `text`) as Utf8.
fn columns_batch(reader: &Reader, dataset: &str, rows: Range<u64>) -> Result<RecordBatch> {
    let d = reader.dataset(dataset)?;
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for c in &d.columns {
        if c.layout.is_some() || c.num_values != columns_rows(d) {
            continue;
        }
        let column = reader.column(dataset, &c.name)?;
        let mut pieces: Vec<ArrayRef> = Vec::new();
        if rows.start < rows.end {
            let first = column.page_for_row(rows.start)?;
            let last = column.page_for_row(rows.end - 1)?;
            for index in first..=last {
                let page = column.page(index)?;
                let array = page.to_arrow()?;
                let from = rows.start.saturating_sub(page.first_row()) as usize;
                let to = ((rows.end - page.first_row()) as usize).min(array.len());
                pieces.push(array.slice(from, to - from));
            }
        }
        let mut array = match pieces.len() {
            0 => {
                let t = crate::arrow::data_type(c.physical_type)
                    .ok_or_else(|| arrow_error(format!("no Arrow type for {}", c.physical_type)))?;
                arrow_array::new_empty_array(&t)
            }
            1 => pieces.pop().expect("one"),
            _ => {
                let refs: Vec<&dyn arrow_array::Array> =
                    pieces.iter().map(|a| a.as_ref()).collect();
                arrow_select::concat::concat(&refs).map_err(arrow_error)?
            }
        };
        if matches!(c.logical_type.as_str(), "utf8" | "text") {
            // Utf8 in every partition (invalid bytes replaced), so that
            // partitions share one schema.
            if let Some(binary) = array.as_any().downcast_ref::<arrow_array::BinaryArray>() {
                let text: arrow_array::StringArray = binary
                    .iter()
                    .map(|v| v.map(|b| String::from_utf8_lossy(b).into_owned()))
                    .collect();
                array = Arc::new(text);
            }
        }
        fields.push(Field::new(&c.name, array.data_type().clone(), c.nullable));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_error)
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Sites `runs` of `v`, in order (with their genotypes when `genotypes`).
pub fn variants_batch(v: &Variants, runs: &[Range<u64>], genotypes: bool) -> Result<RecordBatch> {
    variants_batch_with(v, runs, genotypes, true)
}

/// [`variants_batch`]; `derived`: compute the INFO fields derived from the
/// genotypes (AC, AN; spec 14.3), else leave them null: a projection
/// without them reads no genotype.
pub fn variants_batch_with(
    v: &Variants,
    runs: &[Range<u64>],
    genotypes: bool,
    derived: bool,
) -> Result<RecordBatch> {
    let mut block = crate::variants::SiteBlock::read_with(v, 0..0, None, derived)?;
    for run in runs {
        let b = crate::variants::SiteBlock::read_with(v, run.clone(), None, derived)?;
        block.contig.extend(b.contig);
        block.pos.extend(b.pos);
        block.id.extend(b.id);
        block.reference.extend(b.reference);
        block.alt.extend(b.alt);
        block.qual.extend(b.qual);
        block.filter.extend(b.filter);
        for (all, more) in block.info.iter_mut().zip(b.info) {
            use crate::variants::InfoValues as V;
            match (all, more) {
                (V::Flag(a), V::Flag(m)) => a.extend(m),
                (V::Int(a), V::Int(m)) => a.extend(m),
                (V::Float(a), V::Float(m)) => a.extend(m),
                (V::IntList(a), V::IntList(m)) => a.extend(m),
                (V::FloatList(a), V::FloatList(m)) => a.extend(m),
                (V::Text(a), V::Text(m)) => a.extend(m),
                _ => {}
            }
        }
    }
    let contigs = v.contigs();
    let n = block.pos.len();
    let mut fields: Vec<Field> = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    let mut push = |name: &str, array: ArrayRef| {
        fields.push(Field::new(name, array.data_type().clone(), true));
        arrays.push(array);
    };
    let mut chrom = StringBuilder::new();
    for &c in &block.contig {
        chrom.append_value(&contigs[c]);
    }
    push("CHROM", Arc::new(chrom.finish()));
    let mut pos = Int64Builder::with_capacity(n);
    for &p in &block.pos {
        pos.append_value(p as i64);
    }
    push("POS", Arc::new(pos.finish()));
    let mut id = StringBuilder::new();
    for v in &block.id {
        id.append_option(v.as_deref().map(text));
    }
    push("ID", Arc::new(id.finish()));
    let mut reference = StringBuilder::new();
    for v in &block.reference {
        reference.append_value(text(v));
    }
    push("REF", Arc::new(reference.finish()));
    let mut alt = ListBuilder::new(StringBuilder::new());
    for alleles in &block.alt {
        for a in alleles {
            alt.values().append_value(text(a));
        }
        alt.append(true);
    }
    push("ALT", Arc::new(alt.finish()));
    let mut qual = Float32Builder::with_capacity(n);
    for &q in &block.qual {
        qual.append_option(q);
    }
    push("QUAL", Arc::new(qual.finish()));
    let mut filter = ListBuilder::new(StringBuilder::new());
    for f in &block.filter {
        match f {
            Some(names) => {
                for x in names {
                    filter.values().append_value(text(x));
                }
                filter.append(true);
            }
            None => filter.append(false),
        }
    }
    push("FILTER", Arc::new(filter.finish()));
    for (field, values) in v.infos().iter().zip(&block.info) {
        use crate::variants::InfoValues as V;
        let name = format!("INFO/{}", field.id);
        let array: ArrayRef = match (field.kind, values) {
            (InfoKind::Flag, V::Flag(x)) => {
                let mut b = BooleanBuilder::with_capacity(n);
                for &f in x {
                    b.append_value(f != 0);
                }
                Arc::new(b.finish())
            }
            (InfoKind::Int, V::Int(x)) => {
                let mut b = Int64Builder::with_capacity(n);
                for &i in x {
                    b.append_option(i);
                }
                Arc::new(b.finish())
            }
            (InfoKind::Float, V::Float(x)) => {
                let mut b = Float32Builder::with_capacity(n);
                for &f in x {
                    b.append_option(f);
                }
                Arc::new(b.finish())
            }
            (InfoKind::IntList, V::IntList(x)) => list_array::<Int64Type>(x),
            (InfoKind::FloatList, V::FloatList(x)) => list_array::<Float32Type>(x),
            (_, V::Text(x)) => {
                let mut b = StringBuilder::new();
                for t in x {
                    b.append_option(t.as_deref().map(text));
                }
                Arc::new(b.finish())
            }
            _ => {
                return Err(Error::Usage {
                    detail: format!("INFO/{}: values do not match the field's kind", field.id),
                })
            }
        };
        push(&name, array);
    }
    let mut metadata = std::collections::HashMap::new();
    if genotypes {
        let mut parts = Vec::new();
        let mut ploidy = 0;
        for run in runs {
            let (alleles, _, p) = v.genotypes_any(run.clone(), None, false)?;
            ploidy = p;
            parts.push(alleles);
        }
        let alleles = match parts
            .iter()
            .any(|a| matches!(a, crate::variants::GenotypeValues::I16(_)))
        {
            false => crate::variants::GenotypeValues::I8(
                parts
                    .into_iter()
                    .flat_map(|a| match a {
                        crate::variants::GenotypeValues::I8(v) => v,
                        crate::variants::GenotypeValues::I16(_) => Vec::new(),
                    })
                    .collect(),
            ),
            true => crate::variants::GenotypeValues::I16(
                parts.into_iter().flat_map(|a| a.into_i16()).collect(),
            ),
        };
        let samples = v.samples().len();
        if ploidy > 0 {
            let gt: ArrayRef = match alleles {
                crate::variants::GenotypeValues::I8(values) => {
                    gt_array::<Int8Type>(&values, n, samples, ploidy)?
                }
                crate::variants::GenotypeValues::I16(values) => {
                    gt_array::<Int16Type>(&values, n, samples, ploidy)?
                }
            };
            if gt.len() == n {
                push("GT", gt);
            }
        }
        metadata.insert(
            "gcol:samples".to_string(),
            serde_json::to_string(v.samples()).map_err(arrow_error)?,
        );
    }
    let schema = Schema::new(fields).with_metadata(metadata);
    RecordBatch::try_new(Arc::new(schema), arrays).map_err(arrow_error)
}

/// Lists of `T` (a null list for `None`, null items kept).
fn list_array<T: ArrowPrimitiveType>(lists: &[Option<Vec<Option<T::Native>>>]) -> ArrayRef {
    let mut b = ListBuilder::new(PrimitiveBuilder::<T>::new());
    for list in lists {
        match list {
            Some(items) => {
                for &v in items {
                    b.values().append_option(v);
                }
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}

/// `GT` of `sites` sites: per site a list of one fixed-size list of
/// `ploidy` allele indexes per sample (empty lists without samples).
fn gt_array<T: ArrowPrimitiveType>(
    values: &[T::Native],
    sites: usize,
    samples: usize,
    ploidy: usize,
) -> Result<ArrayRef> {
    if values.len() != sites * samples * ploidy {
        return Err(arrow_error(format!(
            "{} genotype values for {sites} sites x {samples} samples x ploidy {ploidy}",
            values.len()
        )));
    }
    let mut b = ListBuilder::new(FixedSizeListBuilder::new(
        PrimitiveBuilder::<T>::new(),
        ploidy as i32,
    ));
    let per_site = samples * ploidy;
    for site in 0..sites {
        if per_site > 0 {
            for call in values[site * per_site..(site + 1) * per_site].chunks(ploidy) {
                b.values().values().append_slice(call);
                b.values().append(true);
            }
        }
        b.append(true);
    }
    Ok(Arc::new(b.finish()))
}

/// Pieces of records of a sequences or reads dataset.
fn sequences_batch(
    reader: &Reader,
    dataset: &str,
    pieces: &[(usize, Range<u64>)],
) -> Result<RecordBatch> {
    let s = reader.sequences(dataset)?;
    let qualities = s.has_qualities();
    let mut name = StringBuilder::new();
    let mut start = Int64Builder::new();
    let mut end = Int64Builder::new();
    let mut sequence = StringBuilder::new();
    let mut quality = StringBuilder::new();
    let (mut bases, mut q) = (Vec::new(), Vec::new());
    for (record, range) in pieces {
        name.append_value(s.record(*record)?.name);
        start.append_value(range.start as i64);
        end.append_value(range.end as i64);
        bases.clear();
        s.fetch_record_into(*record, range.clone(), &mut bases)?;
        sequence.append_value(text(&bases));
        if qualities {
            q.clear();
            s.qualities_into(*record, &mut q)?;
            let part = &q[(range.start as usize).min(q.len())..(range.end as usize).min(q.len())];
            if let Some(&bad) = part.iter().find(|&&b| b > 93) {
                return Err(arrow_error(format!(
                    "{dataset}: record {record} has quality {bad}, beyond FASTQ's 93"
                )));
            }
            quality.append_value(part.iter().map(|&b| (b + 33) as char).collect::<String>());
        }
    }
    let mut fields = vec![
        Field::new("name", arrow_schema::DataType::Utf8, false),
        Field::new("start", arrow_schema::DataType::Int64, false),
        Field::new("end", arrow_schema::DataType::Int64, false),
        Field::new("sequence", arrow_schema::DataType::Utf8, false),
    ];
    let mut arrays: Vec<ArrayRef> = vec![
        Arc::new(name.finish()),
        Arc::new(start.finish()),
        Arc::new(end.finish()),
        Arc::new(sequence.finish()),
    ];
    if qualities {
        fields.push(Field::new("quality", arrow_schema::DataType::Utf8, false));
        arrays.push(Arc::new(quality.finish()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_error)
}

/// Records `rows` (in any order, repeats allowed: the order of a
/// selection by several regions) of an alignments dataset as a batch of
/// `columns` (every one of [`ALIGNMENT_COLUMNS`] when `None`), in that
/// order; only the columns asked for are decoded.
pub fn alignments_batch(
    a: &crate::Alignments,
    rows: &[u64],
    columns: Option<&[String]>,
) -> Result<RecordBatch> {
    if rows.windows(2).any(|w| w[0] >= w[1]) {
        // Columns are read in row order; the selection's order is kept.
        let mut unique = rows.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let batch = alignments_batch(a, &unique, columns)?;
        let at: arrow_array::UInt32Array = rows
            .iter()
            .map(|r| unique.binary_search(r).map_or(0, |i| i as u32))
            .collect();
        let arrays = batch
            .columns()
            .iter()
            .map(|c| arrow_select::take::take(c, &at, None))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(arrow_error)?;
        return RecordBatch::try_new(batch.schema(), arrays).map_err(arrow_error);
    }
    use crate::alignments::{bases_string, cigar_string, qualities_string};
    use arrow_array::{Int32Array, StringArray, UInt16Array, UInt8Array};
    use gcol_format::schema::alignments::columns as col;
    let names: Vec<String> = match columns {
        Some(c) => c.to_vec(),
        None => ALIGNMENT_COLUMNS.iter().map(|s| s.to_string()).collect(),
    };
    if let Some(bad) = names
        .iter()
        .find(|c| !ALIGNMENT_COLUMNS.contains(&c.as_str()))
    {
        return Err(Error::NoSuchColumn {
            dataset: String::new(),
            column: bad.clone(),
            available: ALIGNMENT_COLUMNS.iter().map(|s| s.to_string()).collect(),
        });
    }
    let reference = |id: i32| -> Option<&str> {
        usize::try_from(id)
            .ok()
            .and_then(|i| a.references().get(i))
            .map(|(n, _)| n.as_str())
    };
    let mut fields = Vec::with_capacity(names.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(names.len());
    for name in &names {
        let (array, data_type): (ArrayRef, arrow_schema::DataType) = match name.as_str() {
            "query_name" => {
                let v = a.binary_at(col::QNAME, rows)?;
                let texts: Vec<String> = v.iter().map(|q| text(q)).collect();
                (
                    Arc::new(StringArray::from(texts)),
                    arrow_schema::DataType::Utf8,
                )
            }
            "flag" => {
                let v: Vec<u16> = a.values_at(col::FLAG, rows)?;
                (
                    Arc::new(UInt16Array::from(v)),
                    arrow_schema::DataType::UInt16,
                )
            }
            "mapping_quality" => {
                let v: Vec<u8> = a.values_at(col::MAPQ, rows)?;
                (Arc::new(UInt8Array::from(v)), arrow_schema::DataType::UInt8)
            }
            "reference_start" => {
                let v: Vec<i32> = a.values_at(col::POS, rows)?;
                (Arc::new(Int32Array::from(v)), arrow_schema::DataType::Int32)
            }
            "next_reference_start" | "template_length" => {
                let (next_pos, tlen) = a.mates_at(rows)?;
                let v = if name == "template_length" {
                    tlen
                } else {
                    next_pos
                };
                (Arc::new(Int32Array::from(v)), arrow_schema::DataType::Int32)
            }
            "reference_name" | "next_reference_name" => {
                let column = if name == "reference_name" {
                    col::REF_ID
                } else {
                    col::NEXT_REF_ID
                };
                let ids: Vec<i32> = a.values_at(column, rows)?;
                let v: Vec<Option<&str>> = ids.iter().map(|&i| reference(i)).collect();
                (Arc::new(StringArray::from(v)), arrow_schema::DataType::Utf8)
            }
            "reference_end" => {
                let pos: Vec<i32> = a.values_at(col::POS, rows)?;
                let flag: Vec<u16> = a.values_at(col::FLAG, rows)?;
                let cigars = a.cigars_at(rows)?;
                let v: Vec<Option<i64>> = (0..rows.len())
                    .map(|k| {
                        (flag[k] & 4 == 0 && !cigars[k].is_empty()).then(|| {
                            gcol_format::bam::end_position(
                                pos[k],
                                flag[k],
                                cigars[k].iter().copied(),
                            )
                        })
                    })
                    .collect();
                (
                    Arc::new(arrow_array::Int64Array::from(v)),
                    arrow_schema::DataType::Int64,
                )
            }
            "cigarstring" => {
                let v: Vec<String> = a.cigars_at(rows)?.iter().map(|c| cigar_string(c)).collect();
                (Arc::new(StringArray::from(v)), arrow_schema::DataType::Utf8)
            }
            "query_sequence" => {
                let v: Vec<Option<String>> = a
                    .stream_at(false, rows)?
                    .iter()
                    .map(|s| bases_string(s))
                    .collect();
                (Arc::new(StringArray::from(v)), arrow_schema::DataType::Utf8)
            }
            "query_qualities" => {
                let v: Vec<Option<String>> = a
                    .stream_at(true, rows)?
                    .iter()
                    .map(|q| qualities_string(q))
                    .collect();
                (Arc::new(StringArray::from(v)), arrow_schema::DataType::Utf8)
            }
            _ => {
                // The optional fields: the SAM line after its eleventh tab.
                let mut line = Vec::new();
                let mut v = Vec::with_capacity(rows.len());
                for record in a.records_at(rows)? {
                    line.clear();
                    a.sam_line(&record, &mut line)?;
                    let mut tabs = 0;
                    let start = line
                        .iter()
                        .position(|&b| {
                            tabs += usize::from(b == b'\t');
                            tabs == 11
                        })
                        .map_or(line.len(), |i| i + 1);
                    let end = line.len() - usize::from(line.last() == Some(&b'\n'));
                    v.push(text(&line[start.min(end)..end]));
                }
                (Arc::new(StringArray::from(v)), arrow_schema::DataType::Utf8)
            }
        };
        let nullable = matches!(
            name.as_str(),
            "reference_name"
                | "next_reference_name"
                | "reference_end"
                | "query_sequence"
                | "query_qualities"
        );
        fields.push(Field::new(name, data_type, nullable));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_error)
}

/// Write `dataset` as Parquet: one file (`out` ending in `.parquet`), its
/// partitions as row groups; or a directory `out` of one file per
/// partition (`contig=NAME/part-NNNNN.parquet` for variants, else
/// `part-NNNNN.parquet`), written beside it and renamed into place.
/// Returns the partitions and rows written.
pub fn write_parquet(
    reader: &Reader,
    dataset: &str,
    out: &std::path::Path,
    options: &BatchOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<(usize, u64)> {
    use parquet::arrow::ArrowWriter;
    let parts = partitions(reader, dataset)?;
    let total = parts.len() as u64;
    let props = || {
        parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::ZSTD(
                parquet::basic::ZstdLevel::try_new(3).expect("level 3"),
            ))
            .build()
    };
    let io = |path: &std::path::Path, source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let single = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"));
    let mut rows = 0u64;
    // Written beside `out` under a name of this process, renamed at the end.
    let tmp = out.with_file_name(format!(
        ".{}.tmp-{}",
        out.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    if single {
        let schema = schema(reader, dataset, options)?;
        let written = (|| -> Result<()> {
            let file = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
            let mut w = ArrowWriter::try_new(file, schema, Some(props())).map_err(arrow_error)?;
            for (i, p) in parts.iter().enumerate() {
                let b = batch(reader, p, options)?;
                rows += b.num_rows() as u64;
                w.write(&b).map_err(arrow_error)?;
                w.flush().map_err(arrow_error)?;
                progress(i as u64 + 1, total);
            }
            w.close().map_err(arrow_error)?;
            std::fs::rename(&tmp, out).map_err(|e| io(out, e))
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return written.map(|()| (parts.len(), rows));
    }
    if out.exists() {
        return Err(Error::Usage {
            detail: format!(
                "{} exists: a partitioned export writes a new directory",
                out.display()
            ),
        });
    }
    let written = (|| -> Result<()> {
        std::fs::create_dir_all(&tmp).map_err(|e| io(&tmp, e))?;
        for (i, p) in parts.iter().enumerate() {
            let b = batch(reader, p, options)?;
            rows += b.num_rows() as u64;
            let dir = match &p.contig {
                Some(c) => tmp.join(format!("contig={}", hive_escape(c))),
                None => tmp.clone(),
            };
            std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
            let path = dir.join(format!("part-{:05}.parquet", p.index));
            let file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
            let mut w =
                ArrowWriter::try_new(file, b.schema(), Some(props())).map_err(arrow_error)?;
            w.write(&b).map_err(arrow_error)?;
            w.close().map_err(arrow_error)?;
            progress(i as u64 + 1, total);
        }
        std::fs::rename(&tmp, out).map_err(|e| io(out, e))
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written.map(|()| (parts.len(), rows))
}

/// A contig name as a Hive partition value: `/`, `=`, `%`, `*` (the
/// unplaced alignments), other characters shells or Windows refuse, and
/// control characters percent-encoded (as Hive and DuckDB decode them).
fn hive_escape(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(
            c,
            '/' | '=' | '%' | '\\' | ':' | '#' | '?' | '"' | '\'' | '*'
        ) || c.is_control()
        {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}
