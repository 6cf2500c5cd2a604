use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::io::Write;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;

use gcol_format::directory::{DirEntry, PageInfo, ENTRIES_PER_BLOCK};
use gcol_format::encoding::{encode_page, EncodedPage, Encoding};
use gcol_format::footer::FooterHeader;
use gcol_format::manifest::{self, Column, Coordinates, Dataset, Manifest, Producer, Provenance};
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
    let page = encode_page(encoding, physical, num_values, decoded)?;
    if let gcol_format::encoding::Compression::Zstd { .. } = encoding.compression {
        let base = Encoding {
            base: encoding.base,
            compression: gcol_format::encoding::Compression::None,
        };
        let plain = encode_page(base, physical, num_values, decoded)?;
        if plain.stored.len() <= page.stored.len() {
            return Ok(plain);
        }
    }
    Ok(page)
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
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            page_bytes: DEFAULT_PAGE_BYTES,
            timestamp: None,
            producer: Producer {
                name: "gcol".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
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
        }
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
    fn encode(&self, num_values: u32, decoded: &[u8]) -> gcol_format::Result<EncodedPage> {
        if self.zstd_fallback {
            encode_adaptive(self.encoding, self.physical, num_values, decoded)
        } else {
            encode_page(self.encoding, self.physical, num_values, decoded)
        }
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
    page_bytes: usize,
    fixed: Vec<u8>,
    binary: BinaryBuilder,
    buffered: u32,
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
    poisoned: bool,
}

/// A page handed to the rayon pool: its column, decoded length, and where
/// the encoded page (and the buffer, for reuse) arrives.
struct Pending {
    column: usize,
    decoded_len: usize,
    result: Receiver<(gcol_format::Result<EncodedPage>, Vec<u8>)>,
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
    /// Start a file on `sink`: writes the 64-byte header.
    pub fn new(sink: W, options: WriteOptions) -> Result<Writer<W>> {
        let mut writer = Writer {
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
            poisoned: false,
        };
        writer.write_all(&Header::default().encode())?;
        Ok(writer)
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

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.offset
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

    /// Set a metadata entry of a dataset.
    pub fn set_dataset_metadata(
        &mut self,
        dataset: DatasetId,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<()> {
        self.dataset_mut(dataset)?
            .spec
            .metadata
            .insert(key.into(), value.into());
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
            page_bytes,
            fixed: Vec::new(),
            binary: BinaryBuilder::new(),
            buffered: 0,
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
        let state = self.column(column)?;
        if state.spec.physical != T::PHYSICAL {
            return Err(Error::TypeMismatch {
                column: state.spec.name.clone(),
                expected: state.spec.physical,
                found: T::PHYSICAL,
            });
        }
        let width = std::mem::size_of::<T>();
        let page_values = (state.page_bytes / width).max(1);
        let mut rest = values;
        while !rest.is_empty() {
            let state = &mut self.columns[column.0];
            let room = page_values - state.buffered as usize;
            let (now, later) = rest.split_at(room.min(rest.len()));
            // Values are little-endian on disk; gcol-format refuses to build on big-endian hosts.
            state.fixed.extend_from_slice(bytemuck::cast_slice(now));
            state.buffered += now.len() as u32;
            if state.buffered as usize >= page_values {
                self.flush_column(column)?;
            }
            rest = later;
        }
        Ok(())
    }

    /// Append one value to a `binary` column.
    pub fn push_binary(&mut self, column: ColumnId, value: &[u8]) -> Result<()> {
        let state = self.column(column)?;
        if state.spec.physical != PhysicalType::Binary {
            return Err(Error::TypeMismatch {
                column: state.spec.name.clone(),
                expected: state.spec.physical,
                found: PhysicalType::Binary,
            });
        }
        let limit = u64::from(MAX_PAGE_BYTES) / 2;
        if value.len() as u64 > limit {
            return Err(Error::ValueTooLarge {
                column: state.spec.name.clone(),
                len: value.len() as u64,
                limit,
            });
        }
        if state.buffered > 0 && state.binary.layout_len() + value.len() + 4 > state.page_bytes {
            self.flush_column(column)?;
        }
        let state = &mut self.columns[column.0];
        state.binary.push(value);
        state.buffered += 1;
        if state.binary.layout_len() >= state.page_bytes {
            self.flush_column(column)?;
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
        self.submit(column.0, num_values, decoded)
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
        self.submit(column.0, num_values, buffer)
    }

    /// Hand a page to the rayon pool and, beyond the memory bound, write the
    /// oldest pages.
    fn submit(&mut self, column: usize, num_values: u32, decoded: Vec<u8>) -> Result<()> {
        let spec = self.columns[column].spec.clone();
        let (done, result) = std::sync::mpsc::channel();
        self.pending_bytes += decoded.len();
        self.pending.push_back(Pending {
            column,
            decoded_len: decoded.len(),
            result,
        });
        rayon::spawn(move || {
            let page = spec.encode(num_values, &decoded);
            let _ = done.send((page, decoded));
        });
        while self.pending.len() > MAX_PENDING_PAGES || self.pending_bytes > MAX_PENDING_BYTES {
            self.write_oldest()?;
        }
        Ok(())
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
        if self.spare.len() < 4 && buffer.capacity() <= 4 << 20 {
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
            .encode(num_values, decoded)
            .map_err(|source| Error::Encode {
                column: state.spec.name.clone(),
                source,
            })
    }

    /// Write a page encoded elsewhere (for example in parallel with
    /// [`gcol_format::encoding::encode_page`]). Buffered values of the column
    /// are flushed first so rows stay in order.
    pub fn write_encoded_page(&mut self, column: ColumnId, page: &EncodedPage) -> Result<()> {
        self.flush_column(column)?;
        self.drain_column(column.0)?;
        self.write_page(column.0, page)
    }

    fn write_page(&mut self, column: usize, page: &EncodedPage) -> Result<()> {
        if page.num_values == 0 {
            return Ok(());
        }
        debug_assert_eq!(self.offset % PAGE_ALIGNMENT, 0);
        let offset = self.offset;
        self.write_all(&page.stored)?;
        self.pad_to_alignment()?;
        let state = &mut self.columns[column];
        state.pages.push(PageInfo {
            offset,
            first_row: state.num_values,
            stored_len: page.stored.len() as u32,
            decoded_len: page.decoded_len,
            num_values: page.num_values,
            crc32c: page.crc32c,
            column_id: 0,
            encoding: page.encoding_id,
        });
        state.num_values += u64::from(page.num_values);
        state.stored_bytes += page.stored.len() as u64;
        state.decoded_bytes += u64::from(page.decoded_len);
        state.encodings.insert(page.encoding_id);
        Ok(())
    }

    /// Record a source file's provenance.
    pub fn add_provenance(&mut self, provenance: Provenance) {
        self.provenance.push(provenance);
    }

    /// Set a file-level metadata entry.
    pub fn set_metadata(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.metadata.insert(key.into(), value.into());
    }

    /// Flush every column, write the page directory, footer and tail, and
    /// return the sink. Only now does the output become a valid file.
    pub fn finish(mut self) -> Result<W> {
        for column in 0..self.columns.len() {
            self.flush_column(ColumnId(column))?;
        }
        self.write_pending()?;
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

        let manifest = self.build_manifest(&order);
        let manifest_bytes = manifest.encode();
        let footer_header =
            FooterHeader::new(directory_offset, num_pages, manifest_bytes.len() as u64);
        let mut footer = Vec::with_capacity(64 + 4 * block_crcs.len() + manifest_bytes.len());
        footer.extend_from_slice(&footer_header.encode());
        for crc in &block_crcs {
            footer.extend_from_slice(&crc.to_le_bytes());
        }
        footer.extend_from_slice(&manifest_bytes);
        let tail = Tail {
            footer_offset,
            footer_len: footer.len() as u64,
            footer_crc32c: crc::crc32c(&footer),
            major: gcol_format::MAJOR_VERSION,
            minor: gcol_format::MINOR_VERSION,
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

    fn build_manifest(&self, order: &[usize]) -> Manifest {
        let timestamp = self.options.timestamp.clone().unwrap_or_else(now_utc);
        let mut next_id = 0u32;
        let mut next_page = 0u64;
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
        Manifest {
            format: manifest::FORMAT_NAME.into(),
            manifest_version: manifest::MANIFEST_VERSION,
            created_utc: timestamp.clone(),
            modified_utc: timestamp,
            producer: self.options.producer.clone(),
            datasets,
            provenance: self.provenance.clone(),
            metadata: self.metadata.clone(),
        }
    }
}
