//! The manifest: UTF-8 JSON describing datasets, columns, provenance and
//! metadata (spec 5).
//!
//! Readers ignore fields they do not know, so minor versions can add fields;
//! writers must not remove or change the meaning of a field within a major
//! version.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Error, PhysicalType, Result};

/// Value of [`Manifest::format`].
pub const FORMAT_NAME: &str = "gcol";
/// Manifest schema version written by this crate (spec 5.1).
pub const MANIFEST_VERSION: u32 = 1;

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `"gcol"`.
    pub format: String,
    /// Schema version of this JSON document.
    pub manifest_version: u32,
    /// When the file was first created, RFC 3339 UTC (`2026-11-23T16:39:30Z`).
    pub created_utc: String,
    /// When the file was last written, RFC 3339 UTC.
    pub modified_utc: String,
    /// Software that wrote the file.
    pub producer: Producer,
    /// Datasets, in file order.
    pub datasets: Vec<Dataset>,
    /// Where the data came from.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
    /// Free key/value metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// The software that wrote a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producer {
    /// Program or library name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Coordinate convention of positions in a dataset (spec 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coordinates {
    /// 0-based, half-open `[start, end)`, as BED and this library's APIs.
    ZeroBasedHalfOpen,
    /// 1-based, inclusive `[start, end]`, as VCF, SAM and GFF text.
    OneBasedInclusive,
}

/// One dataset: a named group of columns of one kind (spec 5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Unique name within the file.
    pub name: String,
    /// Kind: `sequences`, `reads`, `variants`, `alignments`, `graph`, `table`
    /// (other values are allowed and mean "generic columns").
    pub kind: String,
    /// Coordinate convention of position columns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// Number of rows, when the dataset is a table of equal-length columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_rows: Option<u64>,
    /// Columns, in order.
    pub columns: Vec<Column>,
    /// Free key/value metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// Value of an omitted `id` or `first_page` before [`Manifest::decode`]
/// fills it in (spec 5.4: both follow from the column's position).
const IMPLIED: u64 = u64::MAX;

fn implied_u32() -> u32 {
    u32::MAX
}

fn implied_u64() -> u64 {
    IMPLIED
}

/// Names of the columns that are the children of list columns among
/// `columns` (spec 6.6): read through their lists, not as rows.
pub fn list_children(columns: &[Column]) -> Vec<&str> {
    columns
        .iter()
        .filter_map(|c| match &c.layout {
            Some(Layout::List { child }) => Some(child.as_str()),
            _ => None,
        })
        .collect()
}

/// One column and where its pages are in the directory (spec 5.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Column id: its position in the file-wide list of columns (datasets in order, then columns in order).
    #[serde(default = "implied_u32")]
    pub id: u32,
    /// Unique name within the dataset.
    pub name: String,
    /// Physical layout of decoded values.
    pub physical_type: PhysicalType,
    /// Meaning of the values (`uint64`, `utf8`, `position`, `dna2bit`, ...).
    /// A compact manifest (1.1) may omit it, with `unit`, for a column its
    /// kind's schema defines; reading fills both in from the schema.
    #[serde(default)]
    pub logical_type: String,
    /// Unit of the values (`bases`, `bytes`, `phred`, ...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Number of values.
    #[serde(default)]
    pub num_values: u64,
    /// Index of the column's first entry in the page directory.
    #[serde(default = "implied_u64")]
    pub first_page: u64,
    /// Number of directory entries (pages) of the column.
    #[serde(default)]
    pub num_pages: u64,
    /// Encoding ids used by the column's pages, ascending.
    #[serde(default)]
    pub encodings: Vec<u16>,
    /// Sum of stored page lengths in bytes.
    #[serde(default)]
    pub stored_bytes: u64,
    /// Sum of decoded page lengths in bytes.
    #[serde(default)]
    pub decoded_bytes: u64,
    /// Free key/value metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Whether pages may carry validity sections (spec 6.5, format 1.1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nullable: bool,
    /// How values form rows (spec 6.6, 6.7, format 1.1); `None` is one
    /// value per row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
    /// The column's one page, stored in the footer instead of the page
    /// area (spec 5.4, format 1.1): tiny columns cost no directory entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<InlinePage>,
}

/// A column's only page, kept among the inline pages at the end of the
/// manifest region (spec 2.5, 5.4). Its stored length is the column's
/// `stored_bytes`, its decoded length `decoded_bytes`, its number of
/// values `num_values`; the footer's CRC32C covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlinePage {
    /// Offset of its stored bytes within the inline pages: they lie back
    /// to back in column order, so it may be omitted (implied).
    #[serde(default = "implied_u64")]
    pub offset: u64,
    /// Its encoding id (spec 7).
    pub encoding: u16,
    /// Its entry flags (spec 2.4), 0 when absent.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u16,
}

fn is_zero(v: &u16) -> bool {
    *v == 0
}

impl Column {
    /// Pages of the column: its directory entries, plus its inline page.
    pub fn total_pages(&self) -> u64 {
        self.num_pages + u64::from(self.inline.is_some())
    }
}

/// How a column's values form rows (spec 6.6 and 6.7). Absent from the
/// manifest for flat columns: one value per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Layout {
    /// Variable-length lists (spec 6.6): the column's values are `u64` end
    /// offsets into the column `child` of the same dataset; row `i` holds
    /// child values `end[i-1] .. end[i]` (with `end[-1] = 0`).
    List {
        /// Name of the child column (a later column of the same dataset).
        child: String,
    },
    /// A fixed-shape array of `shape = [rows, columns, inner]` values cut
    /// into chunks of `chunk_shape = [chunk_rows, chunk_columns]` (times
    /// `inner`), one page per chunk, pages in row-major chunk-grid order
    /// (spec 6.7).
    Chunked {
        /// `[rows, columns, inner]`; `inner` (for example ploidy) is at least 1.
        shape: [u64; 3],
        /// `[chunk_rows, chunk_columns]`, each at least 1.
        chunk_shape: [u64; 2],
        /// Order of the values inside a chunk.
        order: ChunkOrder,
    },
    /// A layout of a newer minor version: the values still read generically.
    #[serde(other)]
    Unknown,
}

/// Order of the values inside one chunk of a [`Layout::Chunked`] column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChunkOrder {
    /// Row by row: value `(r, c, k)` of the chunk at `(r × chunk_columns + c) × inner + k`.
    RowMajor,
    /// Column by column: value `(r, c, k)` at `(c × chunk_rows + r) × inner + k`
    /// (for genotypes: one sample's calls together).
    ColumnMajor,
}

impl Layout {
    /// Chunk grid of a chunked layout: `(row chunks, column chunks)`.
    pub fn chunk_grid(&self) -> Option<(u64, u64)> {
        match self {
            Layout::Chunked {
                shape, chunk_shape, ..
            } => {
                if shape[0] == 0 || shape[1] == 0 {
                    return Some((0, 0));
                }
                Some((
                    shape[0].div_ceil(chunk_shape[0].max(1)),
                    shape[1].div_ceil(chunk_shape[1].max(1)),
                ))
            }
            _ => None,
        }
    }
}

/// One source file a dataset was converted from (spec 5.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// File name of the source as given to the converter.
    pub source: String,
    /// Size of the source in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the source bytes, lower-case hex.
    pub sha256: String,
    /// Dataset(s) made from it.
    #[serde(default)]
    pub datasets: Vec<String>,
    /// Converter name and version (`gcol 0.1.0`).
    pub converter: String,
    /// Converter options as given.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// When the conversion ran, RFC 3339 UTC.
    pub converted_utc: String,
}

/// The lowest minor version (spec 9) a dataset needs for what its kind,
/// metadata and columns use: 2 for a protein residue stream in `clustered`
/// order (12.5) and for a `sequences` dataset without a `name` column
/// (names taken from the definitions, 12.2), 4 for REF coded against a
/// reference (14.7), 5 for alignments' bases against a predictor with
/// their differences stored as bases (the 1.5 form, 15.8), 6 with
/// substitution codes (`seq_sub`; 15.8, 15.10), 7 for a `graph` dataset
/// (16) and a `table` in row groups or of a schema (17), else 0.
pub fn dataset_minor_needed(
    kind: &str,
    metadata: &BTreeMap<String, String>,
    has_column: impl Fn(&str) -> bool,
) -> u16 {
    use crate::schema::sequences::{
        columns::NAME,
        meta::{CLUSTERED, RESIDUE_ORDER},
        KIND,
    };
    let clustered = metadata.get(RESIDUE_ORDER).map(String::as_str) == Some(CLUSTERED);
    let derived_names = kind == KIND && !has_column(NAME);
    let coded_ref = kind == crate::schema::variants::KIND
        && has_column(crate::schema::variants::columns::REF_LEN);
    // Bases against a predictor (15.8, 15.10).
    let predicted_bases = kind == crate::schema::alignments::KIND
        && matches!(
            metadata
                .get(crate::schema::alignments::meta::SEQ_CODING)
                .map(String::as_str),
            Some("consensus" | "reference")
        );
    let table_17 = kind == crate::schema::table::KIND
        && (metadata.contains_key(crate::schema::table::meta::ROW_GROUP_ROWS)
            || metadata.contains_key(crate::schema::table::meta::SCHEMA));
    // Without `seq_sub`, differences are stored bases: the 1.5 form.
    let substitution_codes = has_column(crate::schema::alignments::columns::SEQ_SUB);
    if kind == crate::schema::graph::KIND || table_17 {
        7
    } else if predicted_bases && substitution_codes {
        6
    } else if predicted_bases {
        5
    } else if coded_ref {
        4
    } else if clustered || derived_names {
        2
    } else {
        0
    }
}

impl Manifest {
    /// Parse the manifest JSON found at `offset`, then check it against spec 5
    /// and a directory of `num_pages` entries.
    pub fn decode(bytes: &[u8], offset: u64, num_pages: u64) -> Result<Manifest> {
        // One UTF-8 check of the whole document (fast, vectorised), then a
        // `str` parse, which skips serde_json's per-string re-validation.
        let manifest: Manifest = match std::str::from_utf8(bytes) {
            // spec 5.1: no member name twice in any object (serde would
            // keep the last of a map's repeated keys without a word).
            Ok(text) => serde_json::from_str::<unique::UniqueNames>(text)
                .and_then(|_| serde_json::from_str(text)),
            // Let serde_json name the line and column of the bad byte.
            Err(_) => serde_json::from_slice(bytes),
        }
        .map_err(|source| Error::ManifestJson { offset, source })?;
        let mut manifest = manifest;
        manifest.fill_implied();
        manifest.validate(num_pages)?;
        Ok(manifest)
    }

    /// Serialise to compact JSON.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("manifest serialisation cannot fail")
    }

    /// Serialise without the members that follow from others (spec 5.4,
    /// format 1.1): each column's `id` and `first_page`, empty
    /// `metadata`, and zero `num_values`, `num_pages`, `stored_bytes`,
    /// `decoded_bytes` and empty `encodings`; empty top-level
    /// `provenance` and `metadata`.
    pub fn encode_compact(&self) -> Vec<u8> {
        let mut value = serde_json::to_value(self).expect("manifest serialisation cannot fail");
        let drop_empty = |object: &mut serde_json::Map<String, serde_json::Value>,
                          keys: &[&str]| {
            for key in keys {
                let empty = match object.get(*key) {
                    Some(serde_json::Value::Number(n)) => n.as_u64() == Some(0),
                    Some(serde_json::Value::Array(a)) => a.is_empty(),
                    Some(serde_json::Value::Object(o)) => o.is_empty(),
                    _ => false,
                };
                if empty {
                    object.remove(*key);
                }
            }
        };
        let top = value.as_object_mut().expect("an object");
        drop_empty(top, &["provenance", "metadata"]);
        for dataset in top["datasets"].as_array_mut().expect("an array") {
            let dataset = dataset.as_object_mut().expect("an object");
            drop_empty(dataset, &["metadata"]);
            let schema = dataset["kind"].as_str().and_then(crate::schema::for_kind);
            for column in dataset["columns"].as_array_mut().expect("an array") {
                let column = column.as_object_mut().expect("an object");
                // The kind's schema says what the column means (5.4).
                let def = schema.and_then(|s| {
                    s.columns
                        .iter()
                        .find(|d| column.get("name").and_then(|n| n.as_str()) == Some(d.name))
                });
                if let Some(def) = def {
                    let logical = column.get("logical_type").and_then(|v| v.as_str());
                    let unit = column.get("unit").and_then(|v| v.as_str());
                    if logical == Some(def.logical_type) && unit == def.unit {
                        column.remove("logical_type");
                        column.remove("unit");
                    }
                }
                column.remove("id");
                column.remove("first_page");
                if let Some(inline) = column.get_mut("inline").and_then(|v| v.as_object_mut()) {
                    // Back to back in column order: the offset is implied.
                    inline.remove("offset");
                    // Its one encoding is the inline page's.
                    column.remove("encodings");
                }
                drop_empty(
                    column,
                    &[
                        "metadata",
                        "num_values",
                        "num_pages",
                        "stored_bytes",
                        "decoded_bytes",
                        "encodings",
                    ],
                );
            }
        }
        serde_json::to_vec(&value).expect("manifest serialisation cannot fail")
    }

    /// Give omitted `id`s and `first_page`s (spec 5.4) their values, and an
    /// inline column its one encoding.
    fn fill_implied(&mut self) {
        let mut next_id = 0u32;
        let mut next_page = 0u64;
        let mut next_inline = 0u64;
        for dataset in &mut self.datasets {
            let schema = crate::schema::for_kind(&dataset.kind);
            for column in &mut dataset.columns {
                if column.logical_type.is_empty() {
                    // spec 5.4: omitted together, from the kind's schema.
                    if let Some(def) =
                        schema.and_then(|s| s.columns.iter().find(|d| d.name == column.name))
                    {
                        column.logical_type = def.logical_type.to_string();
                        column.unit = def.unit.map(str::to_string);
                    }
                }
                if column.id == u32::MAX {
                    column.id = next_id;
                }
                if column.first_page == IMPLIED {
                    column.first_page = next_page;
                }
                if let Some(inline) = column.inline.as_mut() {
                    if column.encodings.is_empty() {
                        column.encodings.push(inline.encoding);
                    }
                    if inline.offset == IMPLIED {
                        inline.offset = next_inline;
                    }
                    next_inline = next_inline.saturating_add(column.stored_bytes);
                }
                next_id = next_id.wrapping_add(1);
                next_page = next_page.saturating_add(column.num_pages);
            }
        }
    }

    /// Spec 5.4: inline pages lie back to back in column order and fill the
    /// footer's `inline_len` bytes exactly.
    pub fn check_inline(&self, inline_len: u64) -> Result<()> {
        let mut next = 0u64;
        for (dataset, column) in self.columns() {
            if let Some(inline) = column.inline {
                if inline.offset != next {
                    return Err(Error::ManifestInvalid {
                        rule: "5.4 inline pages lie back to back in column order",
                        detail: format!(
                            "column {:?} of dataset {:?}: inline page at {}, expected {next}",
                            column.name, dataset.name, inline.offset
                        ),
                    });
                }
                next = next.saturating_add(column.stored_bytes);
            }
        }
        if next != inline_len {
            return Err(Error::ManifestInvalid {
                rule: "5.4 inline pages fill the inline length",
                detail: format!("inline pages hold {next} bytes but the footer says {inline_len}"),
            });
        }
        Ok(())
    }

    /// All columns of all datasets, in column-id order.
    pub fn columns(&self) -> impl Iterator<Item = (&Dataset, &Column)> {
        self.datasets
            .iter()
            .flat_map(|d| d.columns.iter().map(move |c| (d, c)))
    }

    /// Number of columns in the file.
    pub fn num_columns(&self) -> usize {
        self.datasets.iter().map(|d| d.columns.len()).sum()
    }

    /// The lowest minor version (spec 9) whose features the manifest uses.
    pub fn minor_version_needed(&self) -> u16 {
        let uses_1_1 = self
            .columns()
            .any(|(_, c)| c.nullable || c.layout.is_some() || c.inline.is_some());
        let datasets = self
            .datasets
            .iter()
            .map(|d| {
                dataset_minor_needed(&d.kind, &d.metadata, |c| {
                    d.columns.iter().any(|x| x.name == c)
                })
            })
            .max()
            .unwrap_or(0);
        let encodings = self
            .columns()
            .flat_map(|(_, c)| {
                c.encodings
                    .iter()
                    .copied()
                    .chain(c.inline.map(|i| i.encoding))
            })
            .map(crate::encoding::ids::minor_of)
            .max()
            .unwrap_or(0);
        u16::from(uses_1_1).max(datasets).max(encodings)
    }

    /// Spec 9: a file's minor version must cover the features its manifest
    /// uses, and a file no newer than this crate may use nothing it does not
    /// know (an unknown layout `type`).
    pub fn check_version(&self, minor: u16) -> Result<()> {
        let needed = self.minor_version_needed();
        if needed > minor {
            return Err(Error::ManifestInvalid {
                rule: "9 the minor version covers the features used",
                detail: format!(
                    "the file says version 1.{minor} but uses features of version 1.{needed}"
                ),
            });
        }
        if minor <= crate::MINOR_VERSION {
            if let Some((d, c)) = self
                .columns()
                .find(|(_, c)| matches!(c.layout, Some(Layout::Unknown)))
            {
                return Err(Error::ManifestInvalid {
                    rule: "9 nothing unknown in a file no newer than the reader",
                    detail: format!(
                        "column {:?} of dataset {:?} has a layout type unknown in version 1.{minor}",
                        c.name, d.name
                    ),
                });
            }
        }
        Ok(())
    }

    /// Check the rules of spec 5.6.
    pub fn validate(&self, num_pages: u64) -> Result<()> {
        let bad = |rule: &'static str, detail: String| Err(Error::ManifestInvalid { rule, detail });
        if self.format != FORMAT_NAME {
            return bad(
                "5.1 format is \"gcol\"",
                format!("format is {:?}", self.format),
            );
        }
        if self.manifest_version != MANIFEST_VERSION {
            return Err(Error::UnsupportedManifestVersion {
                found: u64::from(self.manifest_version),
                supported: MANIFEST_VERSION,
            });
        }
        let mut dataset_names = BTreeSet::new();
        let mut next_id = 0u64;
        let mut next_page = 0u64;
        for dataset in &self.datasets {
            if !dataset_names.insert(dataset.name.as_str()) {
                return bad(
                    "5.6 dataset names are unique",
                    format!("dataset name {:?} appears twice", dataset.name),
                );
            }
            let mut column_names = BTreeSet::new();
            for column in &dataset.columns {
                let at = || format!("column {:?} of dataset {:?}", column.name, dataset.name);
                if !column_names.insert(column.name.as_str()) {
                    return bad(
                        "5.6 column names are unique in a dataset",
                        format!("{} appears twice", at()),
                    );
                }
                if u64::from(column.id) != next_id {
                    return bad(
                        "5.6 column ids are 0, 1, 2, ... in order",
                        format!("{} has id {}, expected {next_id}", at(), column.id),
                    );
                }
                if column.first_page != next_page {
                    return bad(
                        "5.6 columns own consecutive page ranges in id order",
                        format!(
                            "{} starts at page {}, expected {next_page}",
                            at(),
                            column.first_page
                        ),
                    );
                }
                next_page = match column.first_page.checked_add(column.num_pages) {
                    Some(end) if end <= num_pages => end,
                    _ => {
                        return bad(
                            "5.6 page ranges lie within the directory",
                            format!(
                                "{} claims pages {}+{} but the directory has {num_pages}",
                                at(),
                                column.first_page,
                                column.num_pages
                            ),
                        )
                    }
                };
                if column.num_pages == 0 && column.inline.is_none() && column.num_values != 0 {
                    return bad(
                        "5.6 a column with values has pages",
                        format!("{} has {} values but no pages", at(), column.num_values),
                    );
                }
                if let Some(inline) = column.inline {
                    if column.num_pages != 0
                        || column.num_values == 0
                        || column.num_values > u64::from(u32::MAX)
                        || column.encodings != [inline.encoding]
                        || column.stored_bytes > u64::from(crate::MAX_PAGE_BYTES)
                        || column.decoded_bytes > u64::from(crate::MAX_PAGE_BYTES)
                        || matches!(column.layout, Some(Layout::Chunked { .. }))
                    {
                        return bad("5.4 an inline page is the column's only page", format!(
                            "{}: no directory pages, 1 to 2^32 - 1 values, encodings [its encoding], lengths within the page limit, not chunked",
                            at()
                        ));
                    }
                }
                if !column.encodings.windows(2).all(|w| w[0] < w[1]) {
                    return bad(
                        "5.4 encodings are strictly ascending",
                        format!("{}: {:?}", at(), column.encodings),
                    );
                }
                check_layout(dataset, column)?;
                next_id += 1;
            }
        }
        if next_page != num_pages {
            return bad(
                "5.6 page ranges cover the directory",
                format!("columns own {next_page} pages but the directory has {num_pages}"),
            );
        }
        Ok(())
    }
}

/// Spec 5.6 rules for nullable, list and chunked columns (spec 6.5-6.7).
fn check_layout(dataset: &Dataset, column: &Column) -> Result<()> {
    let rule = match column.layout {
        Some(Layout::List { .. }) => "5.6 and 6.6 list columns",
        _ => "5.6 and 6.7 chunked columns",
    };
    let bad = |detail: String| {
        Err(Error::ManifestInvalid {
            rule,
            detail: format!(
                "column {:?} of dataset {:?}: {detail}",
                column.name, dataset.name
            ),
        })
    };
    match &column.layout {
        None | Some(Layout::Unknown) => Ok(()),
        Some(Layout::List { child }) => {
            if column.physical_type != PhysicalType::U64 {
                return bad(format!(
                    "a list column holds u64 end offsets, not {}",
                    column.physical_type
                ));
            }
            let Some(target) = dataset.columns.iter().find(|c| &c.name == child) else {
                return bad(format!(
                    "list child {child:?} is not a column of the dataset"
                ));
            };
            if target.id <= column.id {
                return bad(format!(
                    "list child {child:?} must come after its list column"
                ));
            }
            let parents = dataset
                .columns
                .iter()
                .filter(
                    |c| matches!(&c.layout, Some(Layout::List { child: other }) if other == child),
                )
                .count();
            if parents > 1 {
                return bad(format!("list child {child:?} belongs to {parents} lists"));
            }
            Ok(())
        }
        Some(
            layout @ Layout::Chunked {
                shape, chunk_shape, ..
            },
        ) => {
            if column.physical_type == PhysicalType::Binary {
                return bad("a chunked column needs a fixed-width physical type".into());
            }
            if shape[2] == 0 || chunk_shape[0] == 0 || chunk_shape[1] == 0 {
                return bad("inner width and chunk dimensions must be at least 1".into());
            }
            let values = shape[0]
                .checked_mul(shape[1])
                .and_then(|v| v.checked_mul(shape[2]));
            if values != Some(column.num_values) {
                return bad(format!(
                    "shape {shape:?} does not hold its {} values",
                    column.num_values
                ));
            }
            let (rows, cols) = layout.chunk_grid().expect("chunked");
            if rows.checked_mul(cols) != Some(column.num_pages) {
                return bad(format!(
                    "shape {shape:?} in chunks of {chunk_shape:?} needs {} pages, found {}",
                    rows.saturating_mul(cols),
                    column.num_pages
                ));
            }
            let chunk_values = chunk_shape[0]
                .checked_mul(chunk_shape[1])
                .and_then(|v| v.checked_mul(shape[2]));
            if chunk_values.is_none_or(|v| v > u64::from(u32::MAX)) {
                return bad("a chunk holds more than 2^32 - 1 values".into());
            }
            Ok(())
        }
    }
}

/// A JSON walk that fails on a member name repeated in one object (spec 5.1).
mod unique {
    use std::collections::HashSet;
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    /// Any JSON value whose objects never repeat a member name.
    pub(super) struct UniqueNames;

    impl<'de> Deserialize<'de> for UniqueNames {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(Walk)
        }
    }

    struct Walk;

    impl<'de> Visitor<'de> for Walk {
        type Value = UniqueNames;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueNames, A::Error> {
            let mut names = HashSet::new();
            while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if !names.insert(name.clone()) {
                    return Err(de::Error::custom(format!(
                        "member {name:?} appears twice in one object"
                    )));
                }
                map.next_value::<UniqueNames>()?;
            }
            Ok(UniqueNames)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueNames, A::Error> {
            while seq.next_element::<UniqueNames>()?.is_some() {}
            Ok(UniqueNames)
        }

        fn visit_bool<E>(self, _: bool) -> Result<UniqueNames, E> {
            Ok(UniqueNames)
        }
        fn visit_i64<E>(self, _: i64) -> Result<UniqueNames, E> {
            Ok(UniqueNames)
        }
        fn visit_u64<E>(self, _: u64) -> Result<UniqueNames, E> {
            Ok(UniqueNames)
        }
        fn visit_f64<E>(self, _: f64) -> Result<UniqueNames, E> {
            Ok(UniqueNames)
        }
        fn visit_str<E>(self, _: &str) -> Result<UniqueNames, E> {
            Ok(UniqueNames)
        }
        fn visit_unit<E>(self) -> Result<UniqueNames, E> {
            Ok(UniqueNames)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> String {
        r#"{"format":"gcol","manifest_version":1,"created_utc":"t","modified_utc":"t","producer":{"name":"p","version":"v"},"datasets":[],"metadata":{"a":"1"}}"#.into()
    }

    #[test]
    fn json_corner_cases() {
        assert!(Manifest::decode(sample().as_bytes(), 0, 0).is_ok());
        // Whitespace around the object is fine; a BOM is not.
        assert!(Manifest::decode(format!(" {} \n", sample()).as_bytes(), 0, 0).is_ok());
        assert!(Manifest::decode(format!("\u{feff}{}", sample()).as_bytes(), 0, 0).is_err());
        // A repeated member name, at the top or inside metadata.
        let twice = sample().replace(r#""metadata":{"a":"1"}"#, r#""metadata":{"a":"1","a":"2"}"#);
        let e = Manifest::decode(twice.as_bytes(), 0, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("appears twice"), "{e}");
        let twice = sample().replace(r#""format":"gcol","#, r#""format":"gcol","format":"gcol","#);
        assert!(Manifest::decode(twice.as_bytes(), 0, 0).is_err());
        // 5.0 is not an integer; manifest_version 2 is unsupported.
        let float = sample().replace(r#""manifest_version":1"#, r#""manifest_version":1.0"#);
        assert!(matches!(
            Manifest::decode(float.as_bytes(), 0, 0),
            Err(Error::ManifestJson { .. })
        ));
        let two = sample().replace(r#""manifest_version":1"#, r#""manifest_version":2"#);
        assert!(matches!(
            Manifest::decode(two.as_bytes(), 0, 0),
            Err(Error::UnsupportedManifestVersion { found: 2, .. })
        ));
        // Integers above 2^53 are read exactly.
        let big = sample().replace(
            r#""datasets":[]"#,
            r#""datasets":[{"name":"d","kind":"k","num_rows":18446744073709551615,"columns":[]}]"#,
        );
        let m = Manifest::decode(big.as_bytes(), 0, 0).unwrap();
        assert_eq!(m.datasets[0].num_rows, Some(u64::MAX));
        // A missing required member.
        let missing = sample().replace(r#""producer":{"name":"p","version":"v"},"#, "");
        assert!(matches!(
            Manifest::decode(missing.as_bytes(), 0, 0),
            Err(Error::ManifestJson { .. })
        ));
    }
}
