use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::io::Write;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;

use gcol_format::directory::{DirEntry, PageInfo, ENTRIES_PER_BLOCK};
use gcol_format::encoding::{encode_page, encode_page_nullable, EncodedPage, Encoding};
use gcol_format::manifest::{
    self, ChunkOrder, Column, Coordinates, Dataset, Layout, Manifest, Producer, Provenance,
};
use gcol_format::values::BinaryBuilder;
use gcol_format::{
    align_up, crc, Header, PhysicalType, Tail, Value, MAX_PAGE_BYTES, PAGE_ALIGNMENT,
};

use crate::{now_utc, Error, Result};

/// Default target size of a decoded page in bytes.
pub const DEFAULT_PAGE_BYTES: usize = 64 << 10;

/// Encode a page; when zstd does not make it smaller than the base encoding
/// alone, store the base encoding (readers see the page's own encoding id).
pub fn encode_adaptive(
    encoding: Encoding,
    physical: PhysicalType,
    num_values: u32,
    decoded: &[u8],
) -> gcol_format::Result<EncodedPage> {
    encode_adaptive_nullable(encoding, physical, num_values, None, decoded, false)
}

/// Encode a page with an optional presence bitmap (spec 6.5).
fn encode_with(
    encoding: Encoding,
    physical: PhysicalType,
    num_values: u32,
    bitmap: Option<&[u8]>,
    decoded: &[u8],
    keep_values: bool,
) -> gcol_format::Result<EncodedPage> {
    match bitmap {
        Some(bitmap) => {
            encode_page_nullable(encoding, physical, num_values, bitmap, decoded, keep_values)
        }
        None => encode_page(encoding, physical, num_values, decoded),
    }
}

/// [`encode_adaptive`] for a page that may hold nulls: `bitmap` has bit
/// `i` set when value `i` is present (spec 6.5); `keep_values` for list
/// columns, whose pages of nulls keep their end offsets.
pub fn encode_adaptive_nullable(
    encoding: Encoding,
    physical: PhysicalType,
    num_values: u32,
    bitmap: Option<&[u8]>,
    decoded: &[u8],
    keep_values: bool,
) -> gcol_format::Result<EncodedPage> {
    // A float page that is not all short decimals is stored plain.
    let encoding = match encoding.base {
        gcol_format::encoding::BaseEncoding::Decimal
            if gcol_format::encoding::decimal::scale_for(physical, decoded).is_none() =>
        {
            Encoding {
                base: gcol_format::encoding::BaseEncoding::Plain,
                ..encoding
            }
        }
        _ => encoding,
    };
    let mut page = encode_with(encoding, physical, num_values, bitmap, decoded, keep_values)?;
    if encoding.base == gcol_format::encoding::BaseEncoding::Decimal {
        // Decimals of many digits (allele frequencies) compress worse than
        // their binary32 bytes: keep the smaller.
        let plain = Encoding {
            base: gcol_format::encoding::BaseEncoding::Plain,
            ..encoding
        };
        let other =
            encode_adaptive_nullable(plain, physical, num_values, bitmap, decoded, keep_values)?;
        if other.stored.len() < page.stored.len() {
            page = other;
        }
    }
    if let gcol_format::encoding::Compression::Zstd { .. } = encoding.compression {
        let base = Encoding {
            base: encoding.base,
            compression: gcol_format::encoding::Compression::None,
        };
        let plain = encode_with(base, physical, num_values, bitmap, decoded, keep_values)?;
        if plain.stored.len() <= page.stored.len() {
            return Ok(plain);
        }
    }
    Ok(page)
}

/// How a band of rows of a chunked column is laid out, to cut its chunks.
#[derive(Clone, Copy)]
struct BandGeometry {
    columns: usize,
    inner: usize,
    width: usize,
    rows: usize,
    order: ChunkOrder,
    nullable: bool,
}

impl BandGeometry {
    /// The decoded bytes (and presence bitmap) of the chunk of columns
    /// `first .. first + cols` of `band`, in the column's chunk order.
    fn chunk(
        &self,
        band: &[u8],
        present: &[bool],
        first: usize,
        cols: usize,
    ) -> (Vec<u8>, Option<Vec<u8>>) {
        let BandGeometry {
            columns,
            inner,
            width,
            rows,
            order,
            nullable,
        } = *self;
        let cell = inner * width;
        let count = rows * cols * inner;
        let mut chunk = Vec::with_capacity(count * width);
        let mut bitmap = nullable.then(|| vec![0u8; count.div_ceil(8)]);
        if order == ChunkOrder::ColumnMajor && cell == 1 && !nullable {
            // Transposed in tiles of 64 columns: each row's 64 bytes are
            // read together and written to 64 runs (genotype arrays).
            chunk.resize(count, 0);
            for tile in (0..cols).step_by(64) {
                let tile_end = (tile + 64).min(cols);
                for block in (0..rows).step_by(64) {
                    let block_end = (block + 64).min(rows);
                    // 64 x 64 bytes: 64 source lines read, 64 runs written.
                    for c in tile..tile_end {
                        let out = &mut chunk[c * rows + block..c * rows + block_end];
                        for (k, slot) in out.iter_mut().enumerate() {
                            *slot = band[(block + k) * columns + first + c];
                        }
                    }
                }
            }
            return (chunk, bitmap);
        }
        let mut index = 0usize;
        let mut copy = |r: usize, c: usize, chunk: &mut Vec<u8>| {
            let at = (r * columns + first + c) * inner;
            chunk.extend_from_slice(&band[at * width..(at + inner) * width]);
            if let Some(bitmap) = bitmap.as_mut() {
                for k in 0..inner {
                    if present[at + k] {
                        gcol_format::validity::set(bitmap, index + k);
                    }
                }
            }
            index += inner;
        };
        match order {
            ChunkOrder::RowMajor => {
                for r in 0..rows {
                    for c in 0..cols {
                        copy(r, c, &mut chunk);
                    }
                }
            }
            ChunkOrder::ColumnMajor => {
                for c in 0..cols {
                    for r in 0..rows {
                        copy(r, c, &mut chunk);
                    }
                }
            }
        }
        (chunk, bitmap)
    }
}

/// Options for a whole file.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Default target decoded page size in bytes for columns that do not set one.
    pub page_bytes: usize,
    /// Fixed `created_utc`/`modified_utc` (RFC 3339), for reproducible files; `None` = now.
    pub timestamp: Option<String>,
    /// Producer recorded in the manifest.
    pub producer: Producer,
    /// Small-file layout (format 1.1, on by default): a column whose only
    /// page stores at most [`INLINE_PAGE_BYTES`] goes inline in the footer
    /// (no directory entry, no padding), the manifest omits members that
    /// follow from others, and the manifest region is zstd-compressed.
    /// Off, files without other 1.1 features stay 1.0.
    pub compact: bool,
}

/// Largest stored page kept inline in the footer (spec 5.4) by a compact writer.
pub const INLINE_PAGE_BYTES: usize = 256;

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            page_bytes: DEFAULT_PAGE_BYTES,
            timestamp: None,
            producer: Producer {
                name: "gcol".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            compact: true,
        }
    }
}

/// Description of a dataset to add.
#[derive(Debug, Clone)]
pub struct DatasetSpec {
    /// Unique name in the file.
    pub name: String,
    /// Kind (`sequences`, `reads`, `variants`, `alignments`, `graph`, `table`).
    pub kind: String,
    /// Coordinate convention of its positions.
    pub coordinates: Option<Coordinates>,
    /// Free key/value metadata.
    pub metadata: BTreeMap<String, String>,
}

impl DatasetSpec {
    /// A dataset named `name` of kind `kind`.
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> DatasetSpec {
        DatasetSpec {
            name: name.into(),
            kind: kind.into(),
            coordinates: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Set the coordinate convention.
    pub fn coordinates(mut self, coordinates: Coordinates) -> DatasetSpec {
        self.coordinates = Some(coordinates);
        self
    }

    /// Add a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> DatasetSpec {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// Description of a column to add.
#[derive(Debug, Clone)]
pub struct ColumnSpec {
    /// Unique name in its dataset.
    pub name: String,
    /// Physical type of the values.
    pub physical: PhysicalType,
    /// Logical type (meaning), recorded in the manifest.
    pub logical_type: String,
    /// Unit, recorded in the manifest.
    pub unit: Option<String>,
    /// Encoding for every page.
    pub encoding: Encoding,
    /// Target decoded page size in bytes; `None` uses [`WriteOptions::page_bytes`].
    pub page_bytes: Option<usize>,
    /// Free key/value metadata.
    pub metadata: BTreeMap<String, String>,
    /// Store a page without zstd when zstd would not make it smaller (default true).
    pub zstd_fallback: bool,
    /// Whether values may be null (spec 6.5).
    pub nullable: bool,
    /// How values form rows; `None` is one value per row.
    pub layout: Option<ColumnLayout>,
    /// A second encoding tried for every page; the smaller page is kept
    /// (pages of one column may differ, spec 7.5).
    pub alternative: Option<Encoding>,
    /// An encoding of pages the caller codes itself and submits
    /// ([`Writer::submit_encoded`]), declared by
    /// [`Writer::declare_encoding`] so that the header's minor version
    /// covers it (spec 9).
    submitted: Option<Encoding>,
}

/// How a column's values form rows, as declared to the writer (spec 6.6, 6.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnLayout {
    /// Variable-length lists: the column holds `u64` end offsets into the
    /// column named `child` (added later to the same dataset); end each
    /// row with [`Writer::end_list`] after pushing its child values.
    List {
        /// Name of the child column.
        child: String,
    },
    /// A fixed-shape array of rows of `columns × inner` values, cut into
    /// chunks of `chunk_rows × chunk_columns` (one page each); rows are
    /// pushed with [`Writer::push_rows`] and counted at `finish`.
    Chunked {
        /// Columns per row (samples, for genotypes).
        columns: u64,
        /// Values per cell (ploidy), at least 1.
        inner: u64,
        /// Rows per chunk.
        chunk_rows: u64,
        /// Columns per chunk.
        chunk_columns: u64,
        /// Order of values inside a chunk.
        order: ChunkOrder,
    },
}

impl ColumnSpec {
    /// A plain-encoded column.
    pub fn new(
        name: impl Into<String>,
        physical: PhysicalType,
        logical_type: impl Into<String>,
    ) -> ColumnSpec {
        ColumnSpec {
            name: name.into(),
            physical,
            logical_type: logical_type.into(),
            unit: None,
            encoding: Encoding::PLAIN,
            page_bytes: None,
            metadata: BTreeMap::new(),
            zstd_fallback: true,
            nullable: false,
            layout: None,
            alternative: None,
            submitted: None,
        }
    }

    /// A column as its kind's schema defines it (name, physical and
    /// logical type, unit), plain-encoded until [`ColumnSpec::encoding`].
    pub fn of(def: &gcol_format::schema::ColumnDef) -> ColumnSpec {
        let spec = ColumnSpec::new(def.name, def.physical, def.logical_type);
        match def.unit {
            Some(unit) => spec.unit(unit),
            None => spec,
        }
    }

    /// Let values be null (spec 6.5): pages with nulls carry a validity
    /// section; pages without cost nothing extra. Makes the file 1.1.
    pub fn nullable(mut self) -> ColumnSpec {
        self.nullable = true;
        self
    }

    /// Make this a list column (spec 6.6) whose items are the values of the
    /// column `child`; the physical type must be `u64`. Makes the file 1.1.
    pub fn list(mut self, child: impl Into<String>) -> ColumnSpec {
        self.layout = Some(ColumnLayout::List {
            child: child.into(),
        });
        self
    }

    /// Make this a chunked array column (spec 6.7) of rows of `columns ×
    /// inner` values in chunks of `chunk_rows × chunk_columns`. Makes the
    /// file 1.1.
    pub fn chunked(
        mut self,
        columns: u64,
        inner: u64,
        chunk_rows: u64,
        chunk_columns: u64,
        order: ChunkOrder,
    ) -> ColumnSpec {
        self.layout = Some(ColumnLayout::Chunked {
            columns,
            inner,
            chunk_rows,
            chunk_columns,
            order,
        });
        self
    }

    /// Whether the column needs format 1.1 (spec 9).
    fn needs_minor_1(&self) -> bool {
        self.nullable || self.layout.is_some()
    }

    /// The lowest minor version this column's declaration needs (spec 9).
    fn minor_needed(&self) -> u16 {
        let minor = |e: Encoding| gcol_format::encoding::ids::minor_of(e.id());
        u16::from(self.needs_minor_1())
            .max(minor(self.encoding))
            .max(self.alternative.map_or(0, minor))
            .max(self.submitted.map_or(0, minor))
    }

    /// Use exactly the given encoding on every page, even when zstd does not
    /// help (golden files and conformance vectors need every encoding id).
    pub fn fixed_encoding(mut self) -> ColumnSpec {
        self.zstd_fallback = false;
        self
    }

    /// Encode one page of this column: its encoding, or the same base
    /// encoding without zstd when that is no larger (unless
    /// [`ColumnSpec::fixed_encoding`]).
    fn encode(
        &self,
        num_values: u32,
        bitmap: Option<&[u8]>,
        decoded: &[u8],
    ) -> gcol_format::Result<EncodedPage> {
        let first = self.encode_as(self.encoding, num_values, bitmap, decoded);
        let Some(other) = self.alternative else {
            return first;
        };
        match (first, self.encode_as(other, num_values, bitmap, decoded)) {
            (Ok(a), Ok(b)) if b.stored.len() < a.stored.len() => Ok(b),
            (Ok(a), _) => Ok(a),
            (Err(_), b) => b,
        }
    }

    /// One page in `encoding`, as the column's declaration says (zstd
    /// dropped when it does not help, unless the encoding is fixed).
    fn encode_as(
        &self,
        encoding: Encoding,
        num_values: u32,
        bitmap: Option<&[u8]>,
        decoded: &[u8],
    ) -> gcol_format::Result<EncodedPage> {
        let keep = matches!(self.layout, Some(ColumnLayout::List { .. }));
        if self.zstd_fallback {
            encode_adaptive_nullable(encoding, self.physical, num_values, bitmap, decoded, keep)
        } else {
            encode_with(encoding, self.physical, num_values, bitmap, decoded, keep)
        }
    }

    /// The physical type of the values.
    pub fn physical(&self) -> PhysicalType {
        self.physical
    }

    /// Also try `encoding` for every page and keep the smaller page.
    pub fn or_encoding(mut self, encoding: Encoding) -> ColumnSpec {
        self.alternative = Some(encoding);
        self
    }

    /// Set the encoding.
    pub fn encoding(mut self, encoding: Encoding) -> ColumnSpec {
        self.encoding = encoding;
        self
    }

    /// Set the unit.
    pub fn unit(mut self, unit: impl Into<String>) -> ColumnSpec {
        self.unit = Some(unit.into());
        self
    }

    /// Set the target decoded page size in bytes.
    pub fn page_bytes(mut self, bytes: usize) -> ColumnSpec {
        self.page_bytes = Some(bytes);
        self
    }

    /// Add a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> ColumnSpec {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// Handle to a dataset of one writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatasetId(usize);

/// Handle to a column of one writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnId(usize);

struct DatasetState {
    spec: DatasetSpec,
    num_rows: Option<u64>,
    columns: Vec<usize>,
    column_names: HashSet<String>,
}

struct ColumnState {
    /// Shared with the tasks encoding the column's pages.
    spec: Arc<ColumnSpec>,
    dataset: usize,
    page_bytes: usize,
    fixed: Vec<u8>,
    binary: BinaryBuilder,
    buffered: u32,
    /// Nullable columns: presence bits of the buffered values, and how
    /// many of them are null.
    bitmap: Vec<u8>,
    buffered_nulls: u32,
    /// Values pushed so far (written, being encoded or buffered).
    pushed: u64,
    /// List columns: the last end offset pushed.
    last_end: u64,
    /// Compact files: the column's first page while it may still become
    /// its only page, and so go inline (spec 5.4).
    held: Option<EncodedPage>,
    /// Chunked columns: decoded bytes and presence of the rows not yet cut
    /// into chunks, and the number of rows pushed.
    band: Vec<u8>,
    band_present: Vec<bool>,
    rows: u64,
    num_values: u64,
    pages: Vec<PageInfo>,
    stored_bytes: u64,
    decoded_bytes: u64,
    encodings: BTreeSet<u16>,
}

/// Streams pages of many columns into a `.gcol` file (spec 2).
///
/// See the crate docs for the memory bound. A writer dropped before
/// [`Writer::finish`] leaves no tail, so its output never opens as a valid file.
pub struct Writer<W: Write> {
    sink: W,
    offset: u64,
    options: WriteOptions,
    datasets: Vec<DatasetState>,
    columns: Vec<ColumnState>,
    provenance: Vec<Provenance>,
    metadata: BTreeMap<String, String>,
    /// Pages being encoded on the rayon pool, in the order they are
    /// written (the order they were submitted, so output is deterministic).
    pending: VecDeque<Pending>,
    /// Decoded bytes of the pages in `pending`.
    pending_bytes: usize,
    /// Page buffers back from encoded pages, reused for the next ones.
    spare: Vec<Vec<u8>>,
    /// Minor version in the header, once written (before the first page).
    header_minor: Option<u16>,
    poisoned: bool,
}

/// A page handed to the rayon pool: its column, decoded length, and where
/// the encoded page (and the buffer, for reuse) arrives.
struct Pending {
    column: usize,
    decoded_len: usize,
    result: Receiver<(gcol_format::Result<EncodedPage>, Vec<u8>)>,
}

/// What `push_values` appends: present values, or nulls.
enum Presence<'a> {
    All,
    Some(&'a [bool]),
}

/// Most pages encoding at once, and most decoded bytes among them; the
/// writer waits for the oldest page beyond these (memory bound).
const MAX_PENDING_PAGES: usize = 32;
const MAX_PENDING_BYTES: usize = 8 << 20;

/// Wait for a background result. A rayon worker (a writer driven from
/// inside the pool) runs other pool work meanwhile instead of blocking a
/// thread the result may need.
fn wait<T>(result: &Receiver<T>) -> Option<T> {
    if rayon::current_thread_index().is_none() {
        return result.recv().ok();
    }
    loop {
        match result.try_recv() {
            Ok(value) => return Some(value),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::yield_now();
                }
            }
        }
    }
}

const ZEROS: [u8; PAGE_ALIGNMENT as usize] = [0; PAGE_ALIGNMENT as usize];

impl<W: Write> Writer<W> {
    /// Start a file on `sink`. The 64-byte header is written with the
    /// first page (or by `finish`), carrying the lowest minor version the
    /// columns declared so far need (spec 9).
    pub fn new(sink: W, options: WriteOptions) -> Result<Writer<W>> {
        let writer = Writer {
            sink,
            offset: 0,
            options,
            datasets: Vec::new(),
            columns: Vec::new(),
            provenance: Vec::new(),
            metadata: BTreeMap::new(),
            pending: VecDeque::new(),
            pending_bytes: 0,
            spare: Vec::new(),
            header_minor: None,
            poisoned: false,
        };
        Ok(writer)
    }

    /// The lowest minor version the columns declared so far (and the
    /// compact layout) need.
    fn minor_needed(&self) -> u16 {
        let datasets = self
            .datasets
            .iter()
            .map(|d| {
                gcol_format::manifest::dataset_minor_needed(&d.spec.kind, &d.spec.metadata, |c| {
                    d.column_names.contains(c)
                })
            })
            .max()
            .unwrap_or(0);
        let columns = self
            .columns
            .iter()
            .map(|c| c.spec.minor_needed())
            .max()
            .unwrap_or(0);
        u16::from(self.options.compact).max(columns).max(datasets)
    }

    /// Write the header before the first byte of anything else.
    fn ensure_header(&mut self) -> Result<()> {
        if self.header_minor.is_none() {
            let minor = self.minor_needed();
            let header = Header {
                major: gcol_format::MAJOR_VERSION,
                minor,
            };
            self.write_all(&header.encode())?;
            self.header_minor = Some(minor);
        }
        Ok(())
    }

    /// The options this writer was made with.
    pub fn options(&self) -> &WriteOptions {
        &self.options
    }

    /// The time to record for this write: the fixed timestamp of the options, or now (RFC 3339 UTC).
    pub fn timestamp(&self) -> String {
        self.options.timestamp.clone().unwrap_or_else(now_utc)
    }

    /// `name version` of the producer, as recorded for conversions.
    pub fn converter(&self) -> String {
        format!(
            "{} {}",
            self.options.producer.name, self.options.producer.version
        )
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        if let Err(source) = self.sink.write_all(bytes) {
            self.poisoned = true;
            return Err(Error::Io {
                path: None,
                offset: self.offset,
                source,
            });
        }
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn pad_to_alignment(&mut self) -> Result<()> {
        let pad = (align_up(self.offset) - self.offset) as usize;
        self.write_all(&ZEROS[..pad])
    }

    /// Add a dataset.
    pub fn add_dataset(&mut self, spec: DatasetSpec) -> Result<DatasetId> {
        if spec.name.is_empty() {
            return Err(Error::InvalidName {
                what: "dataset",
                name: spec.name,
                reason: "names must not be empty",
            });
        }
        if self.datasets.iter().any(|d| d.spec.name == spec.name) {
            return Err(Error::InvalidName {
                what: "dataset",
                name: spec.name,
                reason: "a dataset of that name already exists",
            });
        }
        self.datasets.push(DatasetState {
            spec,
            num_rows: None,
            columns: Vec::new(),
            column_names: HashSet::new(),
        });
        Ok(DatasetId(self.datasets.len() - 1))
    }

    /// Record the dataset's row count (for tables of equal-length columns).
    pub fn set_num_rows(&mut self, dataset: DatasetId, num_rows: u64) -> Result<()> {
        self.dataset_mut(dataset)?.num_rows = Some(num_rows);
        Ok(())
    }

    /// The row count of a chunked column whose pages are written whole
    /// ([`Writer::write_encoded_page`], as a copy of another file's pages),
    /// where no [`Writer::push_rows`] counts them; `finish` checks it
    /// against the values written.
    pub fn set_chunked_rows(&mut self, column: ColumnId, rows: u64) -> Result<()> {
        if !matches!(
            self.column(column)?.spec.layout,
            Some(ColumnLayout::Chunked { .. })
        ) {
            return Err(self.layout_error(column, "the column is not chunked".into()));
        }
        self.columns[column.0].rows = rows;
        Ok(())
    }

    /// Set a metadata entry of a dataset.
    pub fn set_dataset_metadata(
        &mut self,
        dataset: DatasetId,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<()> {
        let header_minor = self.header_minor;
        let state = self.dataset_mut(dataset)?;
        state.spec.metadata.insert(key.into(), value.into());
        let needed = gcol_format::manifest::dataset_minor_needed(
            &state.spec.kind,
            &state.spec.metadata,
            |c| state.column_names.contains(c),
        );
        if header_minor.is_some_and(|minor| minor < needed) {
            return Err(Error::Layout {
                column: state.spec.name.clone(),
                detail: format!(
                    "this metadata needs format 1.{needed}, but the header was written as 1.{}; set it before the first page is written",
                    header_minor.unwrap_or(0)
                ),
            });
        }
        Ok(())
    }

    fn dataset_mut(&mut self, dataset: DatasetId) -> Result<&mut DatasetState> {
        self.datasets
            .get_mut(dataset.0)
            .ok_or(Error::UnknownHandle {
                what: "dataset",
                index: dataset.0,
            })
    }

    /// Add a column to a dataset.
    pub fn add_column(&mut self, dataset: DatasetId, spec: ColumnSpec) -> Result<ColumnId> {
        if !spec.encoding.base.applies_to(spec.physical) {
            return Err(Error::EncodingNotApplicable {
                column: spec.name,
                encoding: spec.encoding.name(),
                physical: spec.physical,
            });
        }
        if let Some(minor) = self.header_minor.filter(|&m| m < spec.minor_needed()) {
            return Err(Error::Layout {
                detail: format!(
                    "a column with this layout or encoding needs format 1.{}, but the header was written as 1.{minor}; add such columns before the first page is written",
                    spec.minor_needed()
                ),
                column: spec.name,
            });
        }
        check_column_layout(&spec)?;
        let default_page_bytes = self.options.page_bytes;
        let index = self.columns.len();
        let state = self.dataset_mut(dataset)?;
        if spec.name.is_empty() {
            return Err(Error::InvalidName {
                what: "column",
                name: spec.name,
                reason: "names must not be empty",
            });
        }
        if !state.column_names.insert(spec.name.clone()) {
            return Err(Error::InvalidName {
                what: "column",
                name: spec.name,
                reason: "the dataset already has a column of that name",
            });
        }
        state.columns.push(index);
        let page_bytes = spec
            .page_bytes
            .unwrap_or(default_page_bytes)
            .clamp(1, MAX_PAGE_BYTES as usize / 2);
        self.columns.push(ColumnState {
            spec: Arc::new(spec),
            dataset: dataset.0,
            page_bytes,
            fixed: Vec::new(),
            binary: BinaryBuilder::new(),
            buffered: 0,
            bitmap: Vec::new(),
            buffered_nulls: 0,
            pushed: 0,
            last_end: 0,
            held: None,
            band: Vec::new(),
            band_present: Vec::new(),
            rows: 0,
            num_values: 0,
            pages: Vec::new(),
            stored_bytes: 0,
            decoded_bytes: 0,
            encodings: BTreeSet::new(),
        });
        Ok(ColumnId(index))
    }

    fn column(&self, column: ColumnId) -> Result<&ColumnState> {
        self.columns.get(column.0).ok_or(Error::UnknownHandle {
            what: "column",
            index: column.0,
        })
    }

    /// Append fixed-width values to a column of the matching type.
    pub fn push<T: Value>(&mut self, column: ColumnId, values: &[T]) -> Result<()> {
        self.push_values(column, values, Presence::All)
    }

    /// Append values to a nullable column: value `i` is null when
    /// `present[i]` is false (its slot is stored as zero).
    pub fn push_nullable<T: Value>(
        &mut self,
        column: ColumnId,
        values: &[T],
        present: &[bool],
    ) -> Result<()> {
        if values.len() != present.len() {
            return Err(self.layout_error(
                column,
                format!(
                    "{} values but {} presence flags",
                    values.len(),
                    present.len()
                ),
            ));
        }
        self.push_values(column, values, Presence::Some(present))
    }

    /// Append values or nulls to a nullable column.
    pub fn push_option<T: Value>(&mut self, column: ColumnId, values: &[Option<T>]) -> Result<()> {
        let present: Vec<bool> = values.iter().map(Option::is_some).collect();
        let values: Vec<T> = values
            .iter()
            .map(|v| v.unwrap_or_else(<T as bytemuck::Zeroable>::zeroed))
            .collect();
        self.push_nullable(column, &values, &present)
    }

    /// Append `count` nulls to a nullable column (fixed-width or binary).
    pub fn push_nulls(&mut self, column: ColumnId, count: u64) -> Result<()> {
        let physical = self.column(column)?.spec.physical;
        if physical == PhysicalType::Binary {
            for _ in 0..count {
                self.push_binary_option(column, None)?;
            }
            return Ok(());
        }
        let width = physical.width().expect("fixed width");
        let chunk = 4096usize;
        let zeros = vec![0u8; chunk * 8];
        let absent = vec![false; chunk];
        let mut left = count;
        while left > 0 {
            let now = left.min(chunk as u64) as usize;
            self.push_raw(
                column,
                &zeros[..now * width],
                width,
                Presence::Some(&absent[..now]),
            )?;
            left -= now as u64;
        }
        Ok(())
    }

    fn layout_error(&self, column: ColumnId, detail: String) -> Error {
        Error::Layout {
            column: self
                .columns
                .get(column.0)
                .map(|c| c.spec.name.clone())
                .unwrap_or_default(),
            detail,
        }
    }

    fn push_values<T: Value>(
        &mut self,
        column: ColumnId,
        values: &[T],
        presence: Presence<'_>,
    ) -> Result<()> {
        let state = self.column(column)?;
        if state.spec.physical != T::PHYSICAL {
            return Err(Error::TypeMismatch {
                column: state.spec.name.clone(),
                expected: state.spec.physical,
                found: T::PHYSICAL,
            });
        }
        // Values are little-endian on disk; gcol-format refuses to build on big-endian hosts.
        self.push_raw(
            column,
            bytemuck::cast_slice(values),
            std::mem::size_of::<T>(),
            presence,
        )
    }

    /// Append fixed-width values given as bytes (`width` bytes each).
    fn push_raw(
        &mut self,
        column: ColumnId,
        bytes: &[u8],
        width: usize,
        presence: Presence<'_>,
    ) -> Result<()> {
        let state = self.column(column)?;
        if let Some(ColumnLayout::Chunked { .. }) = state.spec.layout {
            return Err(self.layout_error(
                column,
                "values of a chunked column are pushed by rows (push_rows)".into(),
            ));
        }
        if let Presence::Some(present) = presence {
            if !state.spec.nullable && present.iter().any(|p| !p) {
                return Err(self.layout_error(
                    column,
                    "a null pushed to a column that is not nullable".into(),
                ));
            }
        }
        let page_values = (state.page_bytes / width).max(1);
        let mut rest = bytes;
        let mut done = 0usize;
        while !rest.is_empty() {
            let state = &mut self.columns[column.0];
            let room = page_values - state.buffered as usize;
            let count = room.min(rest.len() / width);
            let (now, later) = rest.split_at(count * width);
            state.fixed.extend_from_slice(now);
            if state.spec.nullable {
                let present = match presence {
                    Presence::All => None,
                    Presence::Some(p) => Some(&p[done..done + count]),
                };
                mark(state, count, present);
            }
            state.buffered += count as u32;
            state.pushed += count as u64;
            done += count;
            if state.buffered as usize >= page_values {
                self.flush_column(column)?;
            }
            rest = later;
        }
        Ok(())
    }

    /// Append one value to a `binary` column.
    pub fn push_binary(&mut self, column: ColumnId, value: &[u8]) -> Result<()> {
        self.push_binary_option(column, Some(value))
    }

    /// Append one value, or a null (`None`, stored as the empty string),
    /// to a `binary` column (nulls need a nullable column).
    pub fn push_binary_option(&mut self, column: ColumnId, value: Option<&[u8]>) -> Result<()> {
        let state = self.column(column)?;
        if state.spec.physical != PhysicalType::Binary {
            return Err(Error::TypeMismatch {
                column: state.spec.name.clone(),
                expected: state.spec.physical,
                found: PhysicalType::Binary,
            });
        }
        if value.is_none() && !state.spec.nullable {
            return Err(self.layout_error(
                column,
                "a null pushed to a column that is not nullable".into(),
            ));
        }
        let bytes = value.unwrap_or_default();
        let limit = u64::from(MAX_PAGE_BYTES) / 2;
        if bytes.len() as u64 > limit {
            return Err(Error::ValueTooLarge {
                column: state.spec.name.clone(),
                len: bytes.len() as u64,
                limit,
            });
        }
        if state.buffered > 0 && state.binary.layout_len() + bytes.len() + 4 > state.page_bytes {
            self.flush_column(column)?;
        }
        let state = &mut self.columns[column.0];
        state.binary.push(bytes);
        if state.spec.nullable {
            mark(state, 1, Some(&[value.is_some()]));
        }
        state.buffered += 1;
        state.pushed += 1;
        if state.binary.layout_len() >= state.page_bytes {
            self.flush_column(column)?;
        }
        Ok(())
    }

    /// End one row of a list column (spec 6.6): its items are the values
    /// pushed to the child column since the previous row ended.
    pub fn end_list(&mut self, column: ColumnId) -> Result<()> {
        let end = self.list_end(column)?;
        self.columns[column.0].last_end = end;
        self.push(column, &[end])
    }

    /// End many rows of a list column at once: `ends` are their end
    /// offsets (spec 6.6), non-decreasing from the previous row's end and
    /// at most the number of values pushed to the child so far (a graph's
    /// CSR offsets, computed before the child's values are pushed).
    pub fn push_list_ends(&mut self, column: ColumnId, ends: &[u64]) -> Result<()> {
        let pushed = self.list_end(column)?;
        let mut previous = self.columns[column.0].last_end;
        for &end in ends {
            if end < previous || end > pushed {
                return Err(self.layout_error(
                    column,
                    format!("list end {end} after {previous}, with {pushed} child values pushed"),
                ));
            }
            previous = end;
        }
        self.columns[column.0].last_end = previous;
        self.push(column, ends)
    }

    /// End many rows of a nullable list column at once: `ends` as for
    /// [`Writer::push_list_ends`], `present[i]` false for a null row (whose
    /// end must equal the previous row's: a null list has no items).
    pub fn push_list_ends_nullable(
        &mut self,
        column: ColumnId,
        ends: &[u64],
        present: &[bool],
    ) -> Result<()> {
        let pushed = self.list_end(column)?;
        let mut previous = self.columns[column.0].last_end;
        if ends.len() != present.len() {
            return Err(self.layout_error(
                column,
                format!("{} ends but {} presence flags", ends.len(), present.len()),
            ));
        }
        for (&end, &p) in ends.iter().zip(present) {
            if end < previous || end > pushed || (!p && end != previous) {
                return Err(self.layout_error(
                    column,
                    format!(
                        "list end {end} after {previous} (null: {}), with {pushed} child values pushed",
                        !p
                    ),
                ));
            }
            previous = end;
        }
        self.columns[column.0].last_end = previous;
        self.push_nullable(column, ends, present)
    }

    /// End one row of a nullable list column as null; no child values may
    /// have been pushed for it.
    pub fn end_list_null(&mut self, column: ColumnId) -> Result<()> {
        let end = self.list_end(column)?;
        if end != self.columns[column.0].last_end {
            return Err(self.layout_error(
                column,
                "a null list cannot have items; push none before end_list_null".into(),
            ));
        }
        self.push_nullable(column, &[end], &[false])
    }

    /// Values pushed to the child of list column `column`.
    fn list_end(&self, column: ColumnId) -> Result<u64> {
        let state = self.column(column)?;
        let Some(ColumnLayout::List { child }) = &state.spec.layout else {
            return Err(self.layout_error(column, "not a list column".into()));
        };
        let child = self.datasets[state.dataset]
            .columns
            .iter()
            .find(|&&c| self.columns[c].spec.name == *child)
            .ok_or_else(|| {
                self.layout_error(
                    column,
                    format!("list child {child:?} has not been added to the dataset"),
                )
            })?;
        Ok(self.columns[*child].pushed)
    }

    /// Append whole rows to a chunked column (spec 6.7): `values` holds
    /// rows of `columns × inner` values in row-major order; `present`, for
    /// nullable columns, flags each value. Rows are cut into chunks of
    /// `chunk_rows` rows, one page per column chunk, as they fill.
    pub fn push_rows<T: Value>(
        &mut self,
        column: ColumnId,
        values: &[T],
        present: Option<&[bool]>,
    ) -> Result<()> {
        let state = self.column(column)?;
        if state.spec.physical != T::PHYSICAL {
            return Err(Error::TypeMismatch {
                column: state.spec.name.clone(),
                expected: state.spec.physical,
                found: T::PHYSICAL,
            });
        }
        let Some(ColumnLayout::Chunked {
            columns,
            inner,
            chunk_rows,
            ..
        }) = state.spec.layout
        else {
            return Err(self.layout_error(column, "not a chunked column".into()));
        };
        let row_values = (columns * inner) as usize;
        if row_values == 0 || !values.len().is_multiple_of(row_values) {
            return Err(self.layout_error(
                column,
                format!(
                    "{} values are not whole rows of {columns} x {inner}",
                    values.len()
                ),
            ));
        }
        if let Some(present) = present {
            if present.len() != values.len() {
                return Err(self.layout_error(
                    column,
                    format!(
                        "{} values but {} presence flags",
                        values.len(),
                        present.len()
                    ),
                ));
            }
            if !state.spec.nullable && present.iter().any(|p| !p) {
                return Err(self.layout_error(
                    column,
                    "a null pushed to a column that is not nullable".into(),
                ));
            }
        }
        let band_values = chunk_rows as usize * row_values;
        let mut done = 0usize;
        while done < values.len() {
            let state = &mut self.columns[column.0];
            let buffered = state.band.len() / std::mem::size_of::<T>();
            let take = (band_values - buffered).min(values.len() - done);
            state
                .band
                .extend_from_slice(bytemuck::cast_slice(&values[done..done + take]));
            if state.spec.nullable {
                match present {
                    Some(p) => state.band_present.extend_from_slice(&p[done..done + take]),
                    None => state
                        .band_present
                        .resize(state.band_present.len() + take, true),
                }
            }
            state.rows += (take / row_values) as u64;
            state.pushed += take as u64;
            done += take;
            if buffered + take == band_values {
                self.flush_band(column.0)?;
            }
        }
        Ok(())
    }

    /// Cut the buffered rows of a chunked column into its column chunks and
    /// hand one page per chunk to the encoder.
    fn flush_band(&mut self, column: usize) -> Result<()> {
        let state = &mut self.columns[column];
        let Some(ColumnLayout::Chunked {
            columns,
            inner,
            chunk_columns,
            order,
            ..
        }) = state.spec.layout
        else {
            return Ok(());
        };
        if state.band.is_empty() {
            return Ok(());
        }
        let width = state.spec.physical.width().expect("fixed width");
        let band = Arc::new(std::mem::take(&mut state.band));
        let present = Arc::new(std::mem::take(&mut state.band_present));
        let band_geometry = BandGeometry {
            columns: columns as usize,
            inner: inner as usize,
            width,
            rows: band.len() / (columns as usize * inner as usize * width),
            order,
            nullable: state.spec.nullable,
        };
        let mut first = 0usize;
        while first < band_geometry.columns {
            let cols = (chunk_columns as usize).min(band_geometry.columns - first);
            let count = band_geometry.rows * cols * band_geometry.inner;
            let num_values = u32::try_from(count).expect("chunk size checked at add_column");
            let (band, present) = (band.clone(), present.clone());
            // The chunk is cut out of the band by the worker that encodes it.
            self.submit_with(column, num_values, count * width, move || {
                band_geometry.chunk(&band, &present, first, cols)
            })?;
            first += cols;
        }
        Ok(())
    }

    /// End the column's current page now (no-op when nothing is buffered).
    /// The page is encoded on the rayon pool while the caller goes on, and
    /// written in turn (pages are written in the order they are ended, so
    /// the output does not depend on timing).
    ///
    /// Importers use this to start pages at record boundaries.
    pub fn flush_column(&mut self, column: ColumnId) -> Result<()> {
        let state = self.columns.get_mut(column.0).ok_or(Error::UnknownHandle {
            what: "column",
            index: column.0,
        })?;
        if state.buffered == 0 {
            return Ok(());
        }
        let mut decoded = self.spare.pop().unwrap_or_default();
        decoded.clear();
        if state.spec.physical == PhysicalType::Binary {
            state.binary.finish_into(&mut decoded);
        } else {
            // The column keeps the spare buffer for its next page.
            std::mem::swap(&mut decoded, &mut state.fixed);
        }
        let num_values = std::mem::take(&mut state.buffered);
        let bitmap = (std::mem::take(&mut state.buffered_nulls) > 0)
            .then(|| std::mem::take(&mut state.bitmap));
        state.bitmap.clear();
        self.submit(column.0, num_values, decoded, bitmap)
    }

    /// Encode a page of `num_values` values given in their decoded layout
    /// (spec 6.1) on the rayon pool, like a page ended by
    /// [`Writer::flush_column`] (values buffered for the column are ended
    /// first, so rows stay in order). For importers that build whole pages
    /// themselves, such as packed bases.
    pub fn submit_page(&mut self, column: ColumnId, num_values: u32, decoded: &[u8]) -> Result<()> {
        self.flush_column(column)?;
        let mut buffer = self.spare.pop().unwrap_or_default();
        buffer.clear();
        buffer.extend_from_slice(decoded);
        self.submit(column.0, num_values, buffer, None)
    }

    /// Hand a page to the rayon pool and, beyond the memory bound, write the
    /// oldest pages.
    /// [`Writer::submit`] of a page whose decoded bytes `build` makes on
    /// the worker (`decoded_len` of them).
    fn submit_with(
        &mut self,
        column: usize,
        num_values: u32,
        decoded_len: usize,
        build: impl FnOnce() -> (Vec<u8>, Option<Vec<u8>>) + Send + 'static,
    ) -> Result<()> {
        let spec = self.columns[column].spec.clone();
        let (done, result) = std::sync::mpsc::channel();
        self.pending_bytes += decoded_len;
        self.pending.push_back(Pending {
            column,
            decoded_len,
            result,
        });
        rayon::spawn(move || {
            let (decoded, bitmap) = build();
            let page = spec.encode(num_values, bitmap.as_deref(), &decoded);
            let _ = done.send((page, decoded));
        });
        while self.pending.len() > MAX_PENDING_PAGES || self.pending_bytes > MAX_PENDING_BYTES {
            self.write_oldest()?;
        }
        Ok(())
    }

    /// Declare that pages of `column` submitted coded
    /// ([`Writer::submit_encoded`]) will use `encoding`, before its first
    /// such page: true when the file may hold it (the header is not
    /// written yet, and will name a minor version that covers it, or it
    /// already does); false when the header was written with a lower
    /// minor version, and the caller must use another encoding. Declaring
    /// late, when a second page is known to come, keeps a file that ends
    /// up not using it at the lowest minor version (spec 2.2).
    pub fn declare_encoding(&mut self, column: ColumnId, encoding: Encoding) -> bool {
        let needed = gcol_format::encoding::ids::minor_of(encoding.id());
        if self.header_minor.is_some_and(|minor| minor < needed) {
            return false;
        }
        // Recorded whether or not the header is written: a primer held
        // back as a possible inline page keeps its encoding (write_page).
        std::sync::Arc::make_mut(&mut self.columns[column.0].spec).submitted = Some(encoding);
        true
    }

    /// Encode a page of `column` on the rayon pool with `job` (for
    /// encodings that need more than the values, such as the read
    /// boundaries of `quality-model` pages), written in turn like every
    /// submitted page. Values buffered for the column are ended first.
    pub fn submit_encoded(
        &mut self,
        column: ColumnId,
        decoded_len: usize,
        job: impl FnOnce() -> gcol_format::Result<EncodedPage> + Send + 'static,
    ) -> Result<()> {
        self.flush_column(column)?;
        let (done, result) = std::sync::mpsc::channel();
        self.pending_bytes += decoded_len;
        self.pending.push_back(Pending {
            column: column.0,
            decoded_len,
            result,
        });
        rayon::spawn(move || {
            let _ = done.send((job(), Vec::new()));
        });
        while self.pending.len() > MAX_PENDING_PAGES || self.pending_bytes > MAX_PENDING_BYTES {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn submit(
        &mut self,
        column: usize,
        num_values: u32,
        decoded: Vec<u8>,
        bitmap: Option<Vec<u8>>,
    ) -> Result<()> {
        let len = decoded.len();
        self.submit_with(column, num_values, len, move || (decoded, bitmap))
    }

    /// Wait for every page being encoded and write it (pages still being
    /// filled stay buffered). [`Writer::finish`] does this itself; call it
    /// to learn of a failing sink or encoder early.
    pub fn write_pending(&mut self) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        Ok(())
    }

    /// Wait for the oldest page being encoded and write it.
    fn write_oldest(&mut self) -> Result<()> {
        let Some(pending) = self.pending.pop_front() else {
            return Ok(());
        };
        self.pending_bytes -= pending.decoded_len;
        let name = || self.columns[pending.column].spec.name.clone();
        let Some((page, buffer)) = wait(&pending.result) else {
            self.poisoned = true;
            return Err(Error::EncodeTask { column: name() });
        };
        // Keep a few ordinary-sized buffers (not those of huge pages).
        if self.spare.len() < 4 && buffer.capacity() > 0 && buffer.capacity() <= 4 << 20 {
            self.spare.push(buffer);
        }
        let page = page.map_err(|source| {
            // The column lost a page: nothing more may be written.
            self.poisoned = true;
            Error::Encode {
                column: name(),
                source,
            }
        })?;
        self.write_page(pending.column, &page)
    }

    /// Write every page of `column` still being encoded (and the pages
    /// submitted before them).
    fn drain_column(&mut self, column: usize) -> Result<()> {
        if let Some(last) = self.pending.iter().rposition(|p| p.column == column) {
            for _ in 0..=last {
                self.write_oldest()?;
            }
        }
        Ok(())
    }

    /// Encode one page of values given in their decoded layout (spec 6.1) on
    /// this thread (dropping zstd when it would not make the page smaller),
    /// for [`Writer::write_encoded_page`]. To have pages encoded in
    /// parallel, hand them to [`Writer::submit_page`] instead.
    pub fn encode(&self, column: ColumnId, num_values: u32, decoded: &[u8]) -> Result<EncodedPage> {
        let state = self.column(column)?;
        state
            .spec
            .encode(num_values, None, decoded)
            .map_err(|source| Error::Encode {
                column: state.spec.name.clone(),
                source,
            })
    }

    /// Write a page encoded elsewhere (for example in parallel with
    /// [`gcol_format::encoding::encode_page`]). Buffered values of the column
    /// are flushed first so rows stay in order.
    ///
    /// The page's values count as pushed (a list whose child's pages are
    /// written whole may end rows over them); a list column's own pages
    /// written whole need [`Writer::set_list_end`].
    pub fn write_encoded_page(&mut self, column: ColumnId, page: &EncodedPage) -> Result<()> {
        self.flush_column(column)?;
        self.drain_column(column.0)?;
        self.write_page(column.0, page)?;
        self.columns[column.0].pushed += u64::from(page.num_values);
        Ok(())
    }

    /// The end offset of the last row of list column `column` whose pages
    /// were written whole ([`Writer::write_encoded_page`], a copy): what
    /// later rows continue from, checked at `finish` against the child's
    /// values.
    pub fn set_list_end(&mut self, column: ColumnId, end: u64) -> Result<()> {
        let pushed = self.list_end(column)?;
        if end > pushed {
            return Err(self.layout_error(
                column,
                format!("list end {end} with {pushed} child values written"),
            ));
        }
        self.columns[column.0].last_end = end;
        Ok(())
    }

    fn write_page(&mut self, column: usize, page: &EncodedPage) -> Result<()> {
        if page.num_values == 0 {
            return Ok(());
        }
        let state = &mut self.columns[column];
        let first = state.num_values == 0;
        let chunked = matches!(state.spec.layout, Some(ColumnLayout::Chunked { .. }));
        let held;
        let page = if self.options.compact
            && first
            && !chunked
            && page.stored.len() <= INLINE_PAGE_BYTES
        {
            // Maybe the column's only page: keep it back (spec 5.4), as
            // plain when that is smaller (no padding hides a few bytes now).
            // A primer (spec 7.14) keeps its encoding: primed pages are
            // coded against it.
            let primer = state
                .spec
                .submitted
                .is_some_and(|e| gcol_format::encoding::ids::needs_primer(e.id()));
            held = if state.spec.zstd_fallback && !primer {
                smallest_inline(state.spec.physical, page)
            } else {
                page.clone()
            };
            state.held = Some(held.clone());
            &held
        } else {
            if let Some(held) = state.held.take() {
                self.place_page(column, &held, 0)?;
            }
            let first_row = self.columns[column].num_values;
            self.place_page(column, page, first_row)?;
            page
        };
        let state = &mut self.columns[column];
        state.num_values += u64::from(page.num_values);
        state.stored_bytes += page.stored.len() as u64;
        state.decoded_bytes += u64::from(page.decoded_len);
        state.encodings.insert(page.encoding_id);
        Ok(())
    }

    /// Write a page in the page area and record its directory entry.
    fn place_page(&mut self, column: usize, page: &EncodedPage, first_row: u64) -> Result<()> {
        self.ensure_header()?;
        debug_assert_eq!(self.offset % PAGE_ALIGNMENT, 0);
        let offset = self.offset;
        self.write_all(&page.stored)?;
        self.pad_to_alignment()?;
        self.columns[column].pages.push(PageInfo {
            offset,
            first_row,
            stored_len: page.stored.len() as u32,
            decoded_len: page.decoded_len,
            num_values: page.num_values,
            crc32c: page.crc32c,
            column_id: 0,
            encoding: page.encoding_id,
            flags: page.flags,
        });
        Ok(())
    }

    /// Record a source file's provenance.
    pub fn add_provenance(&mut self, provenance: Provenance) {
        self.provenance.push(provenance);
    }

    /// Take back the provenance entry recorded last (an intermediate file
    /// the caller describes itself).
    pub fn pop_provenance(&mut self) -> Option<Provenance> {
        self.provenance.pop()
    }

    /// Set a file-level metadata entry.
    pub fn set_metadata(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.metadata.insert(key.into(), value.into());
    }

    /// Flush every column, write the page directory, footer and tail, and
    /// return the sink. Only now does the output become a valid file.
    pub fn finish(mut self) -> Result<W> {
        for column in 0..self.columns.len() {
            self.flush_band(column)?;
            self.flush_column(ColumnId(column))?;
        }
        self.check_lists()?;
        self.write_pending()?;
        self.ensure_header()?;
        // spec 5.4: column ids follow dataset order, then column order within a dataset.
        let order: Vec<usize> = self
            .datasets
            .iter()
            .flat_map(|d| d.columns.iter().copied())
            .collect();
        let directory_offset = self.offset;
        let num_pages: u64 = self.columns.iter().map(|c| c.pages.len() as u64).sum();
        let mut block_crcs = Vec::new();
        let mut block = Vec::with_capacity(ENTRIES_PER_BLOCK as usize * 48);
        let mut entries_in_block = 0u32;
        for (column_id, &index) in order.iter().enumerate() {
            for i in 0..self.columns[index].pages.len() {
                let mut info = self.columns[index].pages[i];
                info.column_id = column_id as u32;
                block.extend_from_slice(bytemuck::bytes_of(&DirEntry::new(&info)));
                entries_in_block += 1;
                if entries_in_block == ENTRIES_PER_BLOCK {
                    block_crcs.push(crc::crc32c(&block));
                    let bytes = std::mem::take(&mut block);
                    self.write_all(&bytes)?;
                    block = bytes;
                    block.clear();
                    entries_in_block = 0;
                }
            }
        }
        if entries_in_block > 0 {
            block_crcs.push(crc::crc32c(&block));
            let bytes = std::mem::take(&mut block);
            self.write_all(&bytes)?;
        }
        self.pad_to_alignment()?;
        let footer_offset = self.offset;

        let (manifest, inline) = self.build_manifest(&order);
        manifest
            .validate(num_pages)
            .and_then(|()| manifest.check_version(self.header_minor.expect("header written")))
            .and_then(|()| manifest.check_inline(inline.len() as u64))
            .map_err(|source| Error::Manifest { source })?;
        let manifest_bytes = if self.options.compact {
            manifest.encode_compact()
        } else {
            manifest.encode()
        };
        let footer = gcol_format::footer::assemble(
            directory_offset,
            num_pages,
            &block_crcs,
            &manifest_bytes,
            &inline,
            self.options.compact,
        );
        let tail = Tail {
            footer_offset,
            footer_len: footer.len() as u64,
            footer_crc32c: crc::crc32c(&footer),
            major: gcol_format::MAJOR_VERSION,
            minor: self.header_minor.expect("header written"),
        };
        self.write_all(&footer)?;
        self.write_all(&tail.encode())?;
        if let Err(source) = self.sink.flush() {
            return Err(Error::Io {
                path: None,
                offset: self.offset,
                source,
            });
        }
        Ok(self.sink)
    }

    /// Every list's last end offset must count all of its child's values.
    fn check_lists(&self) -> Result<()> {
        for (index, state) in self.columns.iter().enumerate() {
            if let Some(ColumnLayout::List { .. }) = &state.spec.layout {
                let end = self.list_end(ColumnId(index))?;
                if end != state.last_end {
                    return Err(self.layout_error(
                        ColumnId(index),
                        format!(
                            "{} child values were pushed after the last end_list",
                            end - state.last_end
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The manifest, and the inline pages it points into (spec 5.4).
    fn build_manifest(&self, order: &[usize]) -> (Manifest, Vec<u8>) {
        let timestamp = self.options.timestamp.clone().unwrap_or_else(now_utc);
        let mut next_id = 0u32;
        let mut next_page = 0u64;
        let mut inline = Vec::new();
        let datasets = self
            .datasets
            .iter()
            .map(|d| Dataset {
                name: d.spec.name.clone(),
                kind: d.spec.kind.clone(),
                coordinates: d.spec.coordinates,
                num_rows: d.num_rows,
                columns: d
                    .columns
                    .iter()
                    .map(|&i| {
                        let c = &self.columns[i];
                        let column = Column {
                            id: next_id,
                            name: c.spec.name.clone(),
                            physical_type: c.spec.physical,
                            logical_type: c.spec.logical_type.clone(),
                            unit: c.spec.unit.clone(),
                            num_values: c.num_values,
                            first_page: next_page,
                            num_pages: c.pages.len() as u64,
                            encodings: c.encodings.iter().copied().collect(),
                            stored_bytes: c.stored_bytes,
                            decoded_bytes: c.decoded_bytes,
                            metadata: c.spec.metadata.clone(),
                            inline: c.held.as_ref().map(|page| {
                                let offset = inline.len() as u64;
                                inline.extend_from_slice(&page.stored);
                                gcol_format::manifest::InlinePage {
                                    offset,
                                    encoding: page.encoding_id,
                                    flags: page.flags,
                                }
                            }),
                            nullable: c.spec.nullable,
                            layout: c.spec.layout.as_ref().map(|l| match l {
                                ColumnLayout::List { child } => Layout::List {
                                    child: child.clone(),
                                },
                                ColumnLayout::Chunked {
                                    columns,
                                    inner,
                                    chunk_rows,
                                    chunk_columns,
                                    order,
                                } => Layout::Chunked {
                                    shape: [c.rows, *columns, *inner],
                                    chunk_shape: [*chunk_rows, *chunk_columns],
                                    order: *order,
                                },
                            }),
                        };
                        next_id += 1;
                        next_page += c.pages.len() as u64;
                        column
                    })
                    .collect(),
                metadata: d.spec.metadata.clone(),
            })
            .collect();
        debug_assert_eq!(next_id as usize, order.len());
        let manifest = Manifest {
            format: manifest::FORMAT_NAME.into(),
            manifest_version: manifest::MANIFEST_VERSION,
            created_utc: timestamp.clone(),
            modified_utc: timestamp,
            producer: self.options.producer.clone(),
            datasets,
            provenance: self.provenance.clone(),
            metadata: self.metadata.clone(),
        };
        (manifest, inline)
    }
}

/// `page`, or the same values stored plain when that is smaller (tiny
/// pages: a frame-of-reference header costs more than one value).
fn smallest_inline(physical: PhysicalType, page: &EncodedPage) -> EncodedPage {
    let plain = gcol_format::encoding::decode_page_with_flags(
        page.encoding_id,
        page.flags,
        physical,
        page.num_values,
        page.decoded_len,
        &page.stored,
        false,
    )
    .ok()
    .filter(|_| page.flags == 0)
    .and_then(|decoded| {
        encode_page(
            Encoding::PLAIN,
            physical,
            page.num_values,
            decoded.as_bytes(&page.stored),
        )
        .ok()
    });
    match plain {
        Some(plain) if plain.stored.len() < page.stored.len() => plain,
        _ => page.clone(),
    }
}

/// Record the presence of `count` values just buffered in a nullable column.
fn mark(state: &mut ColumnState, count: usize, present: Option<&[bool]>) {
    let from = state.buffered as usize;
    state.bitmap.resize((from + count).div_ceil(8), 0);
    for i in 0..count {
        if present.is_none_or(|p| p[i]) {
            gcol_format::validity::set(&mut state.bitmap, from + i);
        } else {
            state.buffered_nulls += 1;
        }
    }
}

/// Checks of a column's declared layout that need no other column.
fn check_column_layout(spec: &ColumnSpec) -> Result<()> {
    let bad = |detail: String| {
        Err(Error::Layout {
            column: spec.name.clone(),
            detail,
        })
    };
    match &spec.layout {
        None => Ok(()),
        Some(ColumnLayout::List { child }) => {
            if spec.physical != PhysicalType::U64 {
                return bad("a list column holds u64 end offsets".into());
            }
            if *child == spec.name {
                return bad("a list cannot be its own child".into());
            }
            Ok(())
        }
        Some(ColumnLayout::Chunked {
            columns,
            inner,
            chunk_rows,
            chunk_columns,
            ..
        }) => {
            let Some(width) = spec.physical.width() else {
                return bad("a chunked column needs a fixed-width type".into());
            };
            if *inner == 0 || *chunk_rows == 0 || *chunk_columns == 0 || *columns == 0 {
                return bad("columns, inner width and chunk dimensions must be at least 1".into());
            }
            let chunk_bytes = chunk_rows
                .checked_mul((*chunk_columns).min(*columns))
                .and_then(|v| v.checked_mul(*inner))
                .and_then(|v| v.checked_mul(width as u64 + 1));
            if chunk_bytes.is_none_or(|b| b > u64::from(MAX_PAGE_BYTES) / 2) {
                return bad(format!(
                    "a chunk of {chunk_rows} x {chunk_columns} x {inner} values exceeds half the page limit"
                ));
            }
            Ok(())
        }
    }
}
