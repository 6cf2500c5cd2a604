use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use gcol_format::directory::{self, DirEntry, PageInfo, DIR_ENTRY_LEN};
use gcol_format::encoding::quality_model::Primer;
use gcol_format::encoding::{decode_page_primed, ids, Decoded};
use gcol_format::footer::{Footer, FooterHeader};
use gcol_format::header::HEADER_LEN;
use gcol_format::manifest::{Column, Dataset, Layout, Manifest};
use gcol_format::tail::TAIL_LEN;
use gcol_format::{crc, FilePart, Header, PhysicalType, Tail};
use memmap2::Mmap;
use rayon::prelude::*;

use crate::cache::{CacheOptions, PageCache};
use crate::column::ColumnReader;
use crate::page::{PackedPage, Page, PinnedPage};
use crate::{Error, Result};

/// Cache key bit of a page kept packed ([`Reader::packed_page`]).
const PACKED_KEY: u64 = 1 << 63;

/// When checksums are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksumPolicy {
    /// Check the footer at open, each directory block on first use and each
    /// page every time it is loaded into the cache (default).
    #[default]
    Verify,
    /// Check only the header and footer; trust directory blocks and pages.
    Skip,
}

/// Options for [`Reader::open_with`].
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Checksum policy.
    pub checksums: ChecksumPolicy,
    /// Cache to share with other readers; `None` uses the process-wide
    /// [`default_cache`] (256 MiB, LRU).
    pub cache: Option<Arc<PageCache>>,
    /// Pages to load ahead when a column is read sequentially (0 = off).
    /// They are decoded in parallel with the requested page.
    pub readahead_pages: u32,
    /// Whether a small read of an uncached zstd page decodes only the
    /// blocks it needs and leaves the rest of the page to a background
    /// thread (true, the default: the page is cached whole for the next
    /// read). A one-shot process (a CLI fetch) turns it off: the page is
    /// decoded in the calling thread and no thread is started.
    pub background_completion: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            checksums: ChecksumPolicy::Verify,
            cache: None,
            readahead_pages: 4,
            background_completion: true,
        }
    }
}

impl ReadOptions {
    /// See [`ReadOptions::background_completion`].
    pub fn background_completion(mut self, on: bool) -> ReadOptions {
        self.background_completion = on;
        self
    }

    /// Share `cache`.
    pub fn cache(mut self, cache: Arc<PageCache>) -> ReadOptions {
        self.cache = Some(cache);
        self
    }

    /// Set the checksum policy.
    pub fn checksums(mut self, policy: ChecksumPolicy) -> ReadOptions {
        self.checksums = policy;
        self
    }

    /// Set readahead (0 = off).
    pub fn readahead_pages(mut self, pages: u32) -> ReadOptions {
        self.readahead_pages = pages;
        self
    }
}

/// Owner of the mapping, so `Bytes` slices of the file keep it alive.
struct MapOwner(Arc<Mmap>);

impl AsRef<[u8]> for MapOwner {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Where a column sits in the manifest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnSlot {
    pub(crate) dataset: usize,
    pub(crate) column: usize,
}

/// Where a reader's bytes come from.
pub(crate) enum Source {
    /// The file mapped, or held in memory: every range is a view.
    Local(Bytes),
    /// A file read by HTTP range requests.
    Remote(Arc<crate::remote::RemoteFile>),
}

impl Source {
    fn len(&self) -> u64 {
        match self {
            Source::Local(data) => data.len() as u64,
            Source::Remote(remote) => remote.len(),
        }
    }

    /// Bytes `offset .. offset + len`. Callers keep within the file (the
    /// tail, footer and directory entries were checked against its length).
    pub(crate) fn range(&self, offset: u64, len: u64) -> Result<Bytes> {
        match self {
            Source::Local(data) => Ok(data.slice(offset as usize..(offset + len) as usize)),
            Source::Remote(remote) => remote.range(offset, len),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) source: Source,
    map: Option<Arc<Mmap>>,
    /// Directory blocks of a remote file, fetched once each.
    remote_blocks: Box<[std::sync::OnceLock<Bytes>]>,
    pub(crate) path: Option<PathBuf>,
    pub(crate) header: Header,
    pub(crate) tail: Tail,
    pub(crate) footer: FooterHeader,
    block_crcs_offset: u64,
    block_ok: Box<[AtomicBool]>,
    pub(crate) manifest: Arc<Manifest>,
    /// The inline pages (spec 2.5), addressed by [`Reader::inline_page_index`].
    inline: Bytes,
    pub(crate) slots: Vec<ColumnSlot>,
    pub(crate) cache: Arc<PageCache>,
    pub(crate) file_key: u64,
    pub(crate) checksums: ChecksumPolicy,
    pub(crate) readahead: u32,
    background_completion: bool,
    /// Last page index read per column, for sequential detection.
    pub(crate) last_page: Box<[AtomicU64]>,
    /// Columns whose manifest counts were checked against the directory.
    column_ok: Box<[AtomicBool]>,
    /// Per column: the state its first page leaves for its
    /// `quality-primed` pages (spec 7.14), built on first use.
    primers: parking_lot::Mutex<rustc_hash::FxHashMap<u32, Arc<Primer>>>,
}

impl Drop for Inner {
    /// A file without an identity (held in memory) has a key of its own
    /// per open: no later reader can find its cached pages, so they go
    /// with the last clone of this reader instead of holding the file's
    /// buffer until evicted.
    fn drop(&mut self) {
        if self.file_key & 1 << 63 == 0 {
            self.cache.forget_file(self.file_key);
        }
    }
}

/// A `.gcol` file opened for random access. Cheap to clone; clones share
/// the mapping and the page cache. `Send + Sync`.
#[derive(Clone)]
pub struct Reader {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("path", &self.inner.path)
            .field("len", &self.inner.source.len())
            .field("pages", &self.inner.footer.num_pages)
            .finish()
    }
}

static NEXT_FILE_KEY: AtomicU64 = AtomicU64::new(1);

/// The page cache of readers opened without one: one per process, 256 MiB,
/// LRU, so reopening a file (a script or handler that opens it per request)
/// finds the pages an earlier reader decoded.
pub fn default_cache() -> Arc<PageCache> {
    static CACHE: std::sync::OnceLock<Arc<PageCache>> = std::sync::OnceLock::new();
    CACHE
        .get_or_init(|| {
            PageCache::new(CacheOptions {
                budget_bytes: 256 << 20,
                ..CacheOptions::default()
            })
        })
        .clone()
}

/// Who a file is, for sharing cache entries: device, inode, size and
/// modification time (gcol files are replaced, never modified in place).
fn file_identity(metadata: &std::fs::Metadata) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mut h = rustc_hash::FxHasher::default();
        std::hash::Hash::hash(
            &(
                metadata.dev(),
                metadata.ino(),
                metadata.size(),
                metadata.mtime(),
                metadata.mtime_nsec(),
            ),
            &mut h,
        );
        Some(std::hash::Hasher::finish(&h))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// Mappings of files opened recently, by identity (device, inode, size,
/// modification time): reopening one (a script or handler that opens the
/// file per request) maps nothing, and its pages already mapped fault
/// nothing; closing a reader unmaps nothing while the entry lives. A
/// replaced file has a new inode, so a new entry; at most [`ENTRIES`] are
/// kept (the oldest goes first).
mod map_cache {
    use std::sync::{Arc, Mutex};

    use memmap2::Mmap;

    const ENTRIES: usize = 8;

    static CACHE: Mutex<Vec<(u64, Arc<Mmap>)>> = Mutex::new(Vec::new());

    pub(super) fn get(identity: u64) -> Option<Arc<Mmap>> {
        let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .iter()
            .find(|(id, _)| *id == identity)
            .map(|(_, map)| map.clone())
    }

    pub(super) fn put(identity: u64, map: &Arc<Mmap>) {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= ENTRIES {
            cache.remove(0);
        }
        cache.push((identity, map.clone()));
    }
}

/// Parsed manifests of footers seen before, so reopening a file skips the
/// manifest's decompression and JSON parse (most of an open). An entry is
/// used only for a footer equal byte for byte (whose CRC32C was checked) in
/// a file of the same minor version.
mod manifest_cache {
    use std::sync::{Arc, Mutex};

    use bytes::Bytes;
    use gcol_format::manifest::Manifest;

    type Entry = (Vec<u8>, u16, Arc<Manifest>, Bytes);
    /// Footers kept (the oldest goes first).
    const ENTRIES: usize = 32;
    /// Larger footers are not kept (their parse dwarfs the comparison).
    const MAX_FOOTER: usize = 1 << 20;

    static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

    pub(super) fn get(footer: &[u8], minor: u16) -> Option<(Arc<Manifest>, Bytes)> {
        let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .iter()
            .find(|(f, m, _, _)| *m == minor && f.as_slice() == footer)
            .map(|(_, _, manifest, inline)| (manifest.clone(), inline.clone()))
    }

    pub(super) fn put(footer: &[u8], minor: u16, parsed: &(Arc<Manifest>, Bytes)) {
        if footer.len() > MAX_FOOTER {
            return;
        }
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= ENTRIES {
            cache.remove(0);
        }
        cache.push((footer.to_vec(), minor, parsed.0.clone(), parsed.1.clone()));
    }
}

impl Reader {
    /// Map and open the file at `path` with default options.
    ///
    /// Reads only the header, tail and footer: open time does not depend on
    /// the file's size or page count.
    pub fn open(path: impl AsRef<Path>) -> Result<Reader> {
        Reader::open_with(path, ReadOptions::default())
    }

    /// Map and open the file at `path`; a path that is an `http://` or
    /// `https://` URL opens the remote file ([`Reader::open_url`]).
    pub fn open_with(path: impl AsRef<Path>, options: ReadOptions) -> Result<Reader> {
        let path = path.as_ref();
        if let Some(url) = path.to_str().filter(|p| crate::remote::is_url(p)) {
            return Reader::open_url(url, options);
        }
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let metadata = file.metadata().map_err(io_err)?;
        if metadata.is_dir() {
            // Mapping a directory says "No such device": say what it is.
            return Err(io_err(std::io::Error::other(
                "it is a directory, not a .gcol file",
            )));
        }
        let len = metadata.len();
        let identity = file_identity(&metadata);
        let (data, map) = if len == 0 {
            (Bytes::new(), None)
        } else {
            let map = match identity.and_then(map_cache::get) {
                Some(map) => map,
                None => {
                    // The length is known: saying so spares memmap2 a second fstat.
                    let map_options = memmap2::MmapOptions::new().len(len as usize).clone();
                    // SAFETY: gcol files are immutable once finished: writers
                    // build a new file and rename it into place, never
                    // modifying a finished file, so the mapped bytes do not
                    // change under us. A third party truncating the file in
                    // place would fault (SIGBUS); the spec (section 11)
                    // forbids modifying finished files in place.
                    let map = Arc::new(unsafe { map_options.map(&file) }.map_err(io_err)?);
                    if let Some(id) = identity {
                        map_cache::put(id, &map);
                    }
                    map
                }
            };
            (Bytes::from_owner(MapOwner(map.clone())), Some(map))
        };
        Reader::build(
            Source::Local(data),
            map,
            Some(path.to_path_buf()),
            identity,
            options,
        )
    }

    /// Open a remote file by HTTP range requests (`http://` or `https://`):
    /// the tail, footer and header are read (two requests for most files,
    /// see [`crate::TAIL_READ`]); pages, and the directory blocks naming
    /// them, are fetched when first read, through the page cache as a
    /// mapped file's are. Pages of one URL share cache entries across
    /// readers while its length and `ETag` stay the same.
    pub fn open_url(url: &str, options: ReadOptions) -> Result<Reader> {
        let remote = crate::remote::RemoteFile::open(url)?;
        let identity = {
            let mut h = rustc_hash::FxHasher::default();
            std::hash::Hash::hash(&(remote.url(), remote.len(), remote.etag()), &mut h);
            Some(std::hash::Hasher::finish(&h))
        };
        Reader::build(
            Source::Remote(Arc::new(remote)),
            None,
            Some(PathBuf::from(url)),
            identity,
            options,
        )
    }

    /// Requests made and bytes received so far, for a remote file.
    pub fn remote_stats(&self) -> Option<crate::RemoteStats> {
        match &self.inner.source {
            Source::Remote(remote) => Some(remote.stats()),
            Source::Local(_) => None,
        }
    }

    /// Is this a remote file ([`Reader::open_url`])?
    pub fn is_remote(&self) -> bool {
        matches!(self.inner.source, Source::Remote(_))
    }

    /// Open a file held in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Result<Reader> {
        Reader::from_bytes_with(bytes, ReadOptions::default())
    }

    /// Open a file held in memory, with options.
    pub fn from_bytes_with(bytes: impl Into<Bytes>, options: ReadOptions) -> Result<Reader> {
        Reader::build(Source::Local(bytes.into()), None, None, None, options)
    }

    fn build(
        source: Source,
        map: Option<Arc<Mmap>>,
        path: Option<PathBuf>,
        identity: Option<u64>,
        options: ReadOptions,
    ) -> Result<Reader> {
        let file_len = source.len();
        // spec 8.1: header first, so a non-gcol file is named as such.
        let header = Header::decode(&source.range(0, file_len.min(HEADER_LEN as u64))?, file_len)?;
        if file_len < (HEADER_LEN + TAIL_LEN) as u64 {
            return Err(gcol_format::Error::Truncated {
                part: FilePart::Tail,
                offset: file_len,
                needed: (HEADER_LEN + TAIL_LEN) as u64,
                file_len,
            }
            .into());
        }
        let tail = Tail::decode(
            &source.range(file_len - TAIL_LEN as u64, TAIL_LEN as u64)?,
            file_len,
        )?;
        if (tail.major, tail.minor) != (header.major, header.minor) {
            return Err(gcol_format::Error::VersionMismatch {
                header_major: header.major,
                header_minor: header.minor,
                tail_major: tail.major,
                tail_minor: tail.minor,
            }
            .into());
        }
        let footer_bytes = source.range(tail.footer_offset, tail.footer_len)?;
        let footer_bytes = &footer_bytes[..];
        let actual = crc::crc32c(footer_bytes);
        if actual != tail.footer_crc32c {
            return Err(gcol_format::Error::ChecksumMismatch {
                part: FilePart::Footer,
                offset: tail.footer_offset,
                expected: tail.footer_crc32c,
                actual,
            }
            .into());
        }
        let footer = Footer::decode(footer_bytes, tail.footer_offset)?;
        let (manifest, inline) = match manifest_cache::get(footer_bytes, header.minor) {
            Some(parsed) => parsed,
            None => {
                let manifest_offset =
                    tail.footer_offset + tail.footer_len - footer.header.manifest_len;
                // spec 2.5: the manifest region, decompressed when its flag
                // says so, is the manifest followed by the inline pages of
                // tiny columns.
                let region = footer.region()?;
                let manifest =
                    Manifest::decode(region.json(), manifest_offset, footer.header.num_pages)?;
                manifest.check_version(header.minor)?;
                manifest.check_inline(footer.header.inline_len)?;
                if (footer.header.flags != 0 || footer.header.inline_len != 0) && header.minor < 1 {
                    return Err(gcol_format::Error::ManifestInvalid {
                        rule: "9 the minor version covers the features used",
                        detail: "a compressed manifest region or inline pages in a 1.0 file".into(),
                    }
                    .into());
                }
                let parsed = (Arc::new(manifest), Bytes::copy_from_slice(region.inline()));
                manifest_cache::put(footer_bytes, header.minor, &parsed);
                parsed
            }
        };
        let slots = manifest
            .datasets
            .iter()
            .enumerate()
            .flat_map(|(d, ds)| {
                (0..ds.columns.len()).map(move |c| ColumnSlot {
                    dataset: d,
                    column: c,
                })
            })
            .collect::<Vec<_>>();
        let num_blocks = footer.header.num_blocks as usize;
        let cache = options.cache.unwrap_or_else(default_cache);
        // Pages of the same file (same device, inode, size, modification
        // time and footer) share cache entries across readers; a file held
        // in memory, or replaced, gets keys of its own. The checksum policy
        // is part of the key: pages loaded unchecked never reach a reader
        // that checks.
        let file_key = match identity {
            Some(id) => {
                let mut h = rustc_hash::FxHasher::default();
                std::hash::Hash::hash(&(id, tail.footer_crc32c, tail.footer_len), &mut h);
                std::hash::Hash::hash(&(options.checksums == ChecksumPolicy::Verify), &mut h);
                std::hash::Hasher::finish(&h) | 1 << 63
            }
            None => NEXT_FILE_KEY.fetch_add(1, Ordering::Relaxed),
        };
        let inner = Inner {
            block_crcs_offset: tail.footer_offset + gcol_format::footer::FOOTER_HEADER_LEN as u64,
            footer: footer.header,
            block_ok: (0..num_blocks).map(|_| AtomicBool::new(false)).collect(),
            last_page: (0..slots.len()).map(|_| AtomicU64::new(u64::MAX)).collect(),
            column_ok: (0..slots.len()).map(|_| AtomicBool::new(false)).collect(),
            primers: Default::default(),
            slots,
            manifest,
            inline,
            remote_blocks: match source {
                Source::Remote(_) => (0..num_blocks).map(|_| Default::default()).collect(),
                Source::Local(_) => Box::new([]),
            },
            source,
            map,
            path,
            header,
            tail,
            cache,
            file_key,
            checksums: options.checksums,
            readahead: options.readahead_pages,
            background_completion: options.background_completion,
        };
        Ok(Reader {
            inner: Arc::new(inner),
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Datasets in file order.
    pub fn datasets(&self) -> &[Dataset] {
        &self.inner.manifest.datasets
    }

    /// The header's version `(major, minor)`.
    pub fn version(&self) -> (u16, u16) {
        (self.inner.header.major, self.inner.header.minor)
    }

    /// File length in bytes.
    pub fn len(&self) -> u64 {
        self.inner.source.len()
    }

    /// Always false: a valid file has at least a header and a tail.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Number of pages in the page directory.
    pub fn num_pages(&self) -> u64 {
        self.inner.footer.num_pages
    }

    /// The footer header (directory location, page count, manifest length).
    pub fn footer(&self) -> &FooterHeader {
        &self.inner.footer
    }

    /// The tail.
    pub fn tail(&self) -> &Tail {
        &self.inner.tail
    }

    /// Path the reader was opened from.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The page cache this reader uses.
    pub fn cache(&self) -> &Arc<PageCache> {
        &self.inner.cache
    }

    /// The whole file as bytes: a view of the mapping, or for a remote
    /// file its bytes read by one request the first time (after which every
    /// page is read from them).
    pub fn bytes(&self) -> Result<Bytes> {
        match &self.inner.source {
            Source::Local(data) => Ok(data.clone()),
            Source::Remote(remote) => remote.whole(),
        }
    }

    /// Directory block `block`'s bytes: a view of the mapping, or fetched
    /// once for a remote file.
    fn directory_block(&self, block: u64) -> Result<&[u8]> {
        let inner = &*self.inner;
        let (offset, len) = inner.footer.block_range(block);
        match &inner.source {
            Source::Local(data) => Ok(&data[offset as usize..(offset + len) as usize]),
            Source::Remote(remote) => {
                let cell = &inner.remote_blocks[block as usize];
                if cell.get().is_none() {
                    let fetched = remote.range(offset, len)?;
                    let _ = cell.set(fetched);
                }
                Ok(cell.get().expect("set above"))
            }
        }
    }

    /// Directory entry `page` as stored (not checked).
    fn raw_entry(&self, page: u64) -> Result<DirEntry> {
        let per_block = u64::from(self.inner.footer.entries_per_block);
        let block = self.directory_block(page / per_block)?;
        let at = (page % per_block) as usize * DIR_ENTRY_LEN;
        Ok(directory::view(&block[at..at + DIR_ENTRY_LEN])[0])
    }

    /// A dataset by name.
    pub fn dataset(&self, name: &str) -> Result<&Dataset> {
        self.datasets()
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| Error::NoSuchDataset {
                name: name.into(),
                available: self.datasets().iter().map(|d| d.name.clone()).collect(),
            })
    }

    /// A column by dataset and column name.
    pub fn column(&self, dataset: &str, column: &str) -> Result<ColumnReader<'_>> {
        let ds = self.dataset(dataset)?;
        let meta = ds
            .columns
            .iter()
            .find(|c| c.name == column)
            .ok_or_else(|| Error::NoSuchColumn {
                dataset: dataset.into(),
                column: column.into(),
                available: ds.columns.iter().map(|c| c.name.clone()).collect(),
            })?;
        self.ensure_column(meta.id)?;
        Ok(ColumnReader::new(self, ds, meta))
    }

    /// A column by its id (spec 5.4).
    pub fn column_by_id(&self, id: u32) -> Result<ColumnReader<'_>> {
        let slot = *self
            .inner
            .slots
            .get(id as usize)
            .ok_or_else(|| Error::OutOfRange {
                column: "(column ids)".into(),
                index: u64::from(id),
                len: self.inner.slots.len() as u64,
            })?;
        let ds = &self.inner.manifest.datasets[slot.dataset];
        self.ensure_column(id)?;
        Ok(ColumnReader::new(self, ds, &ds.columns[slot.column]))
    }

    /// Check once, before a column is read, that its manifest value count
    /// agrees with the ends of its page run in the directory (first page at
    /// row 0, last page ending at `num_values`): two directory entries, so
    /// a count edited in the manifest (or an entry of a directory block
    /// that fails its checksum) is reported before anything is sized by
    /// it. [`Reader::verify`] checks every entry.
    fn ensure_column(&self, id: u32) -> Result<()> {
        let ok = &self.inner.column_ok[id as usize];
        if ok.load(Ordering::Acquire) {
            return Ok(());
        }
        self.check_column_ends(id)?;
        ok.store(true, Ordering::Release);
        Ok(())
    }

    /// The check of [`Reader::ensure_column`], every time.
    pub(crate) fn check_column_ends(&self, id: u32) -> Result<()> {
        let (dataset, column) = self.column_meta(id);
        let pages = column.total_pages();
        if pages == 0 {
            return match column.num_values {
                0 => Ok(()),
                _ => Err(Error::Inconsistent {
                    column: format!("{}/{}", dataset.name, column.name),
                    field: "num_values",
                    manifest: column.num_values.to_string(),
                    directory: "no pages".into(),
                }),
            };
        }
        let global = |index: u64| {
            if column.inline.is_some() {
                self.inline_page_index(id)
            } else {
                column.first_page + index
            }
        };
        let first = self.page_info(global(0))?;
        if first.first_row != 0 {
            return Err(Error::InvalidEntry {
                page: global(0),
                offset: self.entry_offset(global(0)),
                field: "first row",
                expected: "0".into(),
                found: first.first_row.to_string(),
            });
        }
        let last = self.page_info(global(pages - 1))?;
        let end = last.first_row.checked_add(u64::from(last.num_values));
        if end != Some(column.num_values) {
            return Err(Error::Inconsistent {
                column: format!("{}/{}", dataset.name, column.name),
                field: "num_values",
                manifest: column.num_values.to_string(),
                directory: format!(
                    "a last page (entry {}) at first row {} with {} values",
                    global(pages - 1),
                    last.first_row,
                    last.num_values
                ),
            });
        }
        Ok(())
    }

    /// Check every column's value count against the ends of its page run
    /// ([`Reader::ensure_column`]): two directory entries per column, so
    /// cheap enough for `inspect`.
    pub fn check_columns(&self) -> Result<()> {
        for id in 0..self.inner.slots.len() as u32 {
            self.ensure_column(id)?;
        }
        Ok(())
    }

    pub(crate) fn column_meta(&self, id: u32) -> (&Dataset, &Column) {
        let slot = self.inner.slots[id as usize];
        let ds = &self.inner.manifest.datasets[slot.dataset];
        (ds, &ds.columns[slot.column])
    }

    /// Check directory block `block` once (spec 2.4).
    fn ensure_block(&self, block: u64) -> Result<()> {
        let inner = &*self.inner;
        if inner.checksums == ChecksumPolicy::Skip
            || inner.block_ok[block as usize].load(Ordering::Acquire)
        {
            return Ok(());
        }
        self.check_block(block)?;
        inner.block_ok[block as usize].store(true, Ordering::Release);
        Ok(())
    }

    pub(crate) fn check_block(&self, block: u64) -> Result<()> {
        let inner = &*self.inner;
        let (offset, _) = inner.footer.block_range(block);
        let at = inner.block_crcs_offset + 4 * block;
        let crc = inner.source.range(at, 4)?;
        let expected = u32::from_le_bytes(crc[..].try_into().expect("4 bytes"));
        directory::check_block(block, self.directory_block(block)?, offset, expected)?;
        Ok(())
    }

    /// Offset of directory entry `page`.
    pub(crate) fn entry_offset(&self, page: u64) -> u64 {
        self.inner.footer.directory_offset + page * DIR_ENTRY_LEN as u64
    }

    /// The page number of column `column_id`'s inline page (spec 5.4): past
    /// the directory's `num_pages` entries, so inline pages share the page
    /// cache and every page API with directory pages.
    pub fn inline_page_index(&self, column_id: u32) -> u64 {
        self.inner.footer.num_pages + u64::from(column_id)
    }

    /// The entry of an inline page number, as the manifest describes it.
    fn inline_info(&self, page: u64) -> Option<PageInfo> {
        let id = page.checked_sub(self.inner.footer.num_pages)?;
        let id = u32::try_from(id)
            .ok()
            .filter(|&id| (id as usize) < self.inner.slots.len())?;
        let (_, column) = self.column_meta(id);
        let inline = column.inline?;
        Some(PageInfo {
            offset: inline.offset,
            first_row: 0,
            stored_len: column.stored_bytes as u32,
            decoded_len: column.decoded_bytes as u32,
            num_values: column.num_values as u32,
            crc32c: 0,
            column_id: id,
            encoding: inline.encoding,
            flags: inline.flags,
        })
    }

    /// Directory entry `page`, checked against spec 2.4's rules that need no
    /// other entry. Reads 48 bytes of the mapping (and checks the block once).
    /// Page numbers past the directory are inline pages
    /// ([`Reader::inline_page_index`]).
    pub fn page_info(&self, page: u64) -> Result<PageInfo> {
        let inner = &*self.inner;
        if let Some(info) = self.inline_info(page) {
            return Ok(info);
        }
        if page >= inner.footer.num_pages {
            return Err(Error::OutOfRange {
                column: "(page directory)".into(),
                index: page,
                len: inner.footer.num_pages,
            });
        }
        self.ensure_block(page / u64::from(inner.footer.entries_per_block))?;
        let at = self.entry_offset(page);
        let entry = self.raw_entry(page)?;
        // spec 2.4, checked by gcol-format.
        let slots = &inner.slots;
        let lookup = |id: u32| slots.get(id as usize).map(|_| self.column_meta(id).1);
        directory::check_entry(
            &entry,
            page,
            inner.footer.directory_offset,
            inner.header.minor,
            lookup,
        )
        .map_err(|problem| match problem {
            directory::EntryProblem::Invalid {
                field,
                expected,
                found,
            } => Error::InvalidEntry {
                page,
                offset: at,
                field,
                expected,
                found,
            },
            directory::EntryProblem::Unsupported { flags } => {
                let id = entry.info().column_id;
                Error::Unsupported {
                    column: if (id as usize) < slots.len() {
                        self.column_label(id)
                    } else {
                        format!("(column id {id})")
                    },
                    what: format!("page {page} with entry flags {flags:#06x}"),
                    minor: inner.header.minor,
                    known: gcol_format::MINOR_VERSION,
                }
            }
        })
    }

    fn column_label(&self, id: u32) -> String {
        let (ds, c) = self.column_meta(id);
        format!("{}/{}", ds.name, c.name)
    }

    /// A page-level error naming the column, page and offset. An unknown
    /// encoding id or flag in a file of a newer minor version is
    /// unsupported, not corrupt (spec 9).
    fn page_error(&self, page: u64, info: &PageInfo, source: gcol_format::Error) -> Error {
        let (minor, known) = (self.inner.header.minor, gcol_format::MINOR_VERSION);
        if minor > known {
            let what = match &source {
                gcol_format::Error::UnknownEncoding { id } => {
                    Some(format!("page {page}: encoding id {id:#06x}"))
                }
                gcol_format::Error::UnknownPageFlags { flags } => {
                    Some(format!("page {page}: entry flags {flags:#06x}"))
                }
                _ => None,
            };
            if let Some(what) = what {
                return Error::Unsupported {
                    column: self.column_label(info.column_id),
                    what,
                    minor,
                    known,
                };
            }
        }
        Error::Page {
            column: self.column_label(info.column_id),
            page,
            offset: info.offset,
            source: Box::new(source),
        }
    }

    /// Check a page's stored bytes against its entry's CRC32C (per the
    /// checksum policy, or always with `verify`).
    fn check_stored(&self, page: u64, info: &PageInfo, stored: &[u8], verify: bool) -> Result<()> {
        if verify || self.inner.checksums == ChecksumPolicy::Verify {
            let actual = crc::crc32c(stored);
            if actual != info.crc32c {
                return Err(self.page_error(
                    page,
                    info,
                    gcol_format::Error::ChecksumMismatch {
                        part: FilePart::Page(page),
                        offset: info.offset,
                        expected: info.crc32c,
                        actual,
                    },
                ));
            }
        }
        Ok(())
    }

    /// Page `page` as stored (its entry and its encoded bytes, not decoded),
    /// for copying it into another file unchanged: the stored bytes are
    /// checked against the entry's CRC32C whatever the checksum policy (an
    /// inline page against the footer's, at open).
    pub fn stored_page(&self, page: u64) -> Result<(PageInfo, Bytes)> {
        let inner = &*self.inner;
        let info = self.page_info(page)?;
        let range = info.offset as usize..(info.offset + u64::from(info.stored_len)) as usize;
        if page >= inner.footer.num_pages {
            return Ok((info, inner.inline.slice(range)));
        }
        let stored = inner
            .source
            .range(info.offset, u64::from(info.stored_len))?;
        self.check_stored(page, &info, &stored, true)?;
        Ok((info, stored))
    }

    /// The state column `column_id`'s first page leaves for its
    /// `quality-primed` pages (spec 7.14): that page decoded once per
    /// reader (its stored bytes checked as any page's), then kept with the
    /// reader; the primer's models are not charged to the page cache.
    fn primer(&self, column_id: u32, verify: bool) -> Result<Arc<Primer>> {
        if let Some(primer) = self.inner.primers.lock().get(&column_id) {
            return Ok(primer.clone());
        }
        let (_, column) = self.column_meta(column_id);
        let first = if column.inline.is_some() {
            self.inline_page_index(column_id)
        } else {
            column.first_page
        };
        let info = self.page_info(first)?;
        let stored = if first >= self.inner.footer.num_pages {
            self.inner
                .inline
                .slice(info.offset as usize..(info.offset + u64::from(info.stored_len)) as usize)
        } else {
            let stored = self
                .inner
                .source
                .range(info.offset, u64::from(info.stored_len))?;
            self.check_stored(first, &info, &stored, verify)?;
            stored
        };
        let primer = gcol_format::encoding::primer_of_page(
            info.encoding,
            info.flags,
            info.num_values,
            info.decoded_len,
            &stored,
        )
        .map_err(|source| self.page_error(first, &info, source))?;
        let primer = Arc::new(primer);
        self.inner
            .primers
            .lock()
            .entry(column_id)
            .or_insert(primer.clone());
        Ok(primer)
    }

    /// Load page `page` without the cache: checksum (per policy) and decode.
    pub(crate) fn load_page(&self, page: u64, info: &PageInfo, verify: bool) -> Result<Bytes> {
        let inner = &*self.inner;
        let page_err = |source| self.page_error(page, info, source);
        let stored = if page >= inner.footer.num_pages {
            // An inline page: the footer's CRC32C covered it at open.
            inner
                .inline
                .slice(info.offset as usize..(info.offset + u64::from(info.stored_len)) as usize)
        } else {
            let stored = inner
                .source
                .range(info.offset, u64::from(info.stored_len))?;
            self.check_stored(page, info, &stored, verify)?;
            stored
        };
        let (_, column) = self.column_meta(info.column_id);
        let keep_values = matches!(column.layout, Some(Layout::List { .. }));
        let primer = if ids::needs_primer(info.encoding) {
            Some(self.primer(info.column_id, verify)?)
        } else {
            None
        };
        let decoded = decode_page_primed(
            info.encoding,
            info.flags,
            column.physical_type,
            info.num_values,
            info.decoded_len,
            &stored,
            keep_values,
            primer.as_deref(),
        )
        .map_err(page_err)?;
        let data = match decoded {
            Decoded::Stored => stored,
            Decoded::Owned(bytes) => Bytes::from(bytes),
        };
        let omitted = info.flags & directory::FLAG_VALIDITY != 0
            && gcol_format::validity::parse_section(&data, info.num_values as usize, keep_values)
                .map_err(page_err)?
                .values_omitted();
        if omitted {
            // spec 6.5: a page of nulls stores no values. Readers see it as
            // an all-zero bitmap and zeros (or empty strings), so every
            // page with a validity section has the same decoded shape.
            let n = info.num_values as usize;
            let mut full = Vec::new();
            full.extend_from_slice(&info.num_values.to_le_bytes());
            full.resize(gcol_format::validity::section_len(n, true), 0);
            crate::page::append_zero_values(&mut full, column.physical_type, info.num_values);
            return Ok(Bytes::from(full));
        }
        Ok(data)
    }

    /// Page `page` from the cache, counting a hit or a miss.
    fn cached_page(&self, page: u64) -> Option<Page> {
        if page >= self.inner.footer.num_pages {
            let info = self.inline_info(page)?;
            let data = self.inner.cache.get((self.inner.file_key, page))?;
            let (_, column) = self.column_meta(info.column_id);
            return Some(Page::new(info, column.physical_type, data));
        }
        // A cached page's entry was checked (block checksum and spec 2.4
        // rules) when the page was loaded, and the mapping does not change,
        // so the 48 bytes are read without checking again.
        let data = self.inner.cache.get((self.inner.file_key, page))?;
        if matches!(self.inner.source, Source::Remote(_)) {
            // Another reader of the URL may have cached the page: this one's
            // copy of the directory block is checked before it is used.
            let per_block = u64::from(self.inner.footer.entries_per_block);
            self.ensure_block(page / per_block).ok()?;
        }
        let info = self.raw_entry(page).ok()?.info();
        let (_, column) = self.column_meta(info.column_id);
        Some(Page::new(info, column.physical_type, data))
    }

    /// Page `page` if it is cached, without counting a hit or changing
    /// its recency (for prefetch hints).
    pub(crate) fn peek_page(&self, page: u64) -> Option<Bytes> {
        self.inner.cache.peek((self.inner.file_key, page))
    }

    /// Entry, physical type and encoding of page `page` when it can be read
    /// packed: `for-bitpack`, no nulls, a one-byte integer type.
    fn packable(
        &self,
        page: u64,
    ) -> Result<Option<(PageInfo, PhysicalType, gcol_format::encoding::Encoding)>> {
        let info = self.page_info(page)?;
        let (_, column) = self.column_meta(info.column_id);
        let physical = column.physical_type;
        let Ok(encoding) = gcol_format::encoding::Encoding::from_id(info.encoding) else {
            return Ok(None);
        };
        let packable = encoding.base == gcol_format::encoding::BaseEncoding::ForBitpack
            && info.flags == 0
            && matches!(physical, PhysicalType::I8 | PhysicalType::U8);
        Ok(packable.then_some((info, physical, encoding)))
    }

    /// Page `page` kept packed, when it is a `for-bitpack` page without
    /// nulls of a one-byte integer column (genotypes, phase bits) and its
    /// decoded form is not cached already: the stored bytes checked and
    /// decompressed, cached under their own key at their packed size.
    /// `None`: read [`Reader::page`] instead.
    pub fn packed_page(&self, page: u64) -> Result<Option<PackedPage>> {
        let inner = &*self.inner;
        let Some((info, physical, encoding)) = self.packable(page)? else {
            return Ok(None);
        };
        if inner.cache.contains((inner.file_key, page)) {
            return Ok(None);
        }
        let key = (inner.file_key, page | PACKED_KEY);
        if let Some(data) = inner.cache.get(key) {
            return Ok(PackedPage::new(physical, info.num_values, data));
        }
        let range = info.offset as usize..(info.offset + u64::from(info.stored_len)) as usize;
        let stored = if page >= inner.footer.num_pages {
            inner.inline.slice(range)
        } else {
            let stored = inner
                .source
                .range(range.start as u64, u64::from(info.stored_len))?;
            self.check_stored(page, &info, &stored, false)?;
            stored
        };
        let data = match encoding.compression {
            gcol_format::encoding::Compression::None => stored,
            gcol_format::encoding::Compression::Zstd { .. } => Bytes::from(
                gcol_format::encoding::zstd_frame::decompress(&stored, None)
                    .map_err(|source| self.page_error(page, &info, source))?,
            ),
        };
        let Some(packed) = PackedPage::new(physical, info.num_values, data.clone()) else {
            return Ok(None);
        };
        inner.cache.insert(key, data, false);
        Ok(Some(packed))
    }

    /// Values `start .. start + len` of each run of `runs` in page `page` of
    /// a one-byte `for-bitpack` column (as stored bytes: `i8` as its byte),
    /// for reads that want a small part of a large page (one sample's
    /// genotypes): from the cached page when there is one, else streamed
    /// through a reused zstd context, keeping only the runs' bytes (nothing
    /// is cached, and no memory of the page's size is touched). `None`:
    /// read the page whole instead.
    pub fn packed_runs(&self, page: u64, runs: &[(usize, usize)]) -> Result<Option<Vec<Vec<u8>>>> {
        use gcol_format::encoding::for_bitpack::PackedBytes;
        let inner = &*self.inner;
        if inner.cache.contains((inner.file_key, page))
            || inner.cache.contains((inner.file_key, page | PACKED_KEY))
        {
            return Ok(None);
        }
        let Some((info, physical, encoding)) = self.packable(page)? else {
            return Ok(None);
        };
        if encoding.compression == gcol_format::encoding::Compression::None
            || page >= inner.footer.num_pages
            || runs.iter().any(|&(s, n)| s + n > info.num_values as usize)
        {
            return Ok(None);
        }
        let stored = inner
            .source
            .range(info.offset, u64::from(info.stored_len))?;
        self.check_stored(page, &info, &stored, false)?;
        // The frame header (9 bytes), then each run's bytes as they pass.
        let mut header = Vec::with_capacity(9);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut bytes: Vec<Vec<u8>> = vec![Vec::new(); runs.len()];
        let mut usable = true;
        let content =
            gcol_format::encoding::zstd_frame::decompress_visit(&stored, None, |at, piece| {
                if !usable {
                    return;
                }
                let mut piece_at = at;
                let mut piece = piece;
                if header.len() < 9 {
                    let n = (9 - header.len()).min(piece.len());
                    header.extend_from_slice(&piece[..n]);
                    piece = &piece[n..];
                    piece_at += n;
                    if header.len() < 9 {
                        return;
                    }
                    let width = header[8] as usize;
                    if !matches!(width, 0 | 1 | 2 | 4 | 8) {
                        usable = false;
                        return;
                    }
                    spans = runs
                        .iter()
                        .map(|&(s, n)| (9 + s * width / 8, 9 + ((s + n) * width).div_ceil(8)))
                        .collect();
                }
                let end = piece_at + piece.len();
                for (k, &(from, to)) in spans.iter().enumerate() {
                    let (a, b) = (from.max(piece_at), to.min(end));
                    if a < b {
                        bytes[k].extend_from_slice(&piece[a - piece_at..b - piece_at]);
                    }
                }
            })
            .map_err(|source| self.page_error(page, &info, source))?;
        let width = u32::from(header.get(8).copied().unwrap_or(0));
        // A page of another length is left to the full decoder, which
        // reports it.
        if !usable
            || header.len() < 9
            || content
                != 9 + gcol_format::encoding::for_bitpack::packed_len(
                    info.num_values as usize,
                    width,
                )
        {
            return Ok(None);
        }
        let mut frame = header.clone();
        let mut out = Vec::with_capacity(runs.len());
        for (k, &(start, len)) in runs.iter().enumerate() {
            let first_value = if width == 0 {
                start
            } else {
                (start * width as usize / 8) * 8 / width as usize
            };
            let covered = (start + len) - first_value;
            frame.truncate(9);
            frame.extend_from_slice(&bytes[k]);
            let expected = gcol_format::encoding::for_bitpack::packed_len(covered, width);
            if frame.len() - 9 != expected {
                return Ok(None);
            }
            let Some(view) = PackedBytes::parse(physical, covered as u32, &frame) else {
                return Ok(None);
            };
            let mut values = vec![0u8; len];
            view.unpack(start - first_value, &mut values);
            out.push(values);
        }
        Ok(Some(out))
    }

    /// Page `page` of the directory through the cache.
    pub fn page(&self, page: u64) -> Result<Page> {
        if let Some(hit) = self.cached_page(page) {
            return Ok(hit);
        }
        // Miss (already counted by the lookup above).
        let info = self.page_info(page)?;
        let data = match self.claim(page) {
            Claim::Ready(data) => data,
            Claim::Load(flight) => flight.finish(self.load_page(page, &info, false), false)?,
        };
        let (_, column) = self.column_meta(info.column_id);
        Ok(Page::new(info, column.physical_type, data))
    }

    /// After a cache miss on `page`: wait for the load of it already in
    /// flight on another thread (whole, or a completion after a prefix),
    /// or take on loading it, so that concurrent readers decode each page
    /// once.
    fn claim(&self, page: u64) -> Claim {
        let key = (self.inner.file_key, page);
        if !crate::fork::global_pool_usable() {
            // A forked child: loads in flight at the fork (and the
            // completion thread) did not come along and never end here.
            return Claim::Load(self.inner.cache.unregistered(key));
        }
        match self.inner.cache.start_load(key) {
            Err(pending) => match pending.wait() {
                Some(data) => Claim::Ready(data),
                // That load failed: load it here to report the error.
                None => Claim::Load(self.inner.cache.unregistered(key)),
            },
            Ok(mut flight) => match flight.cached() {
                // Cached by a load that ended between the lookup and now.
                Some(data) => Claim::Ready(data),
                None => Claim::Load(flight),
            },
        }
    }

    /// At least the first `needed` decoded bytes of page `page`, for small
    /// reads: when the page is not cached and is a zstd+plain frame of
    /// several blocks (spec 7.5), only the blocks up to `needed` are decoded
    /// before returning; the rest of the page is decoded by the process's
    /// completion thread and cached, and other readers of the page wait for
    /// that instead of decoding it again. (Not rayon: a rayon worker waiting
    /// for a completion queued behind it on its own pool would deadlock.)
    /// Otherwise (cached, another encoding, a large read, a forked child)
    /// this is [`Reader::page`]. Returns the entry and the bytes (a prefix
    /// of the page, or all of it).
    pub fn page_prefix(&self, page: u64, needed: usize) -> Result<(PageInfo, Bytes)> {
        let whole = |p: Page| (*p.info(), p.data().clone());
        if let Some(hit) = self.cached_page(page) {
            return Ok(whole(hit));
        }
        let info = self.page_info(page)?;
        let decoded = info.decoded_len as usize;
        // Inline pages (spec 5.4) live in the footer: read them whole.
        let partial = info.encoding == gcol_format::encoding::ids::ZSTD
            && info.flags == 0
            && page < self.inner.footer.num_pages
            && decoded > gcol_format::encoding::zstd_frame::BLOCK_BYTES
            && needed.saturating_mul(2) <= decoded
            && self.inner.background_completion
            && crate::fork::global_pool_usable();
        let flight = match self.claim(page) {
            Claim::Ready(data) => return Ok((info, data)),
            Claim::Load(flight) if !partial => {
                return Ok((
                    info,
                    flight.finish(self.load_page(page, &info, false), false)?,
                ));
            }
            Claim::Load(flight) => flight,
        };
        let stored = self
            .inner
            .source
            .range(info.offset, u64::from(info.stored_len))?;
        let part = self
            .check_stored(page, &info, &stored, false)
            .and_then(|()| {
                gcol_format::encoding::zstd_frame::decompress_prefix(
                    stored,
                    info.decoded_len,
                    needed,
                )
                .map_err(|source| self.page_error(page, &info, source))
            })?;
        if part.is_complete() {
            let data = part
                .finish()
                .map(Bytes::from)
                .map_err(|source| self.page_error(page, &info, source));
            return Ok((info, flight.finish(data, false)?));
        }
        let prefix = Bytes::copy_from_slice(part.prefix());
        complete_later(Box::new(move || {
            let data = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| part.finish()))
                .map_err(|_| ())
                .and_then(|r| r.map_err(|_| ()))
                .map(Bytes::from);
            let _ = flight.finish(data, false);
        }));
        Ok((info, prefix))
    }

    /// Load pages into the cache in parallel, skipping cached ones and
    /// ones another thread is loading; errors are not reported here (the
    /// later read reports them).
    pub fn prefetch(&self, pages: impl IntoIterator<Item = u64>) {
        let wanted: Vec<u64> = pages
            .into_iter()
            .filter(|&p| {
                p < self.num_pages() && !self.inner.cache.contains((self.inner.file_key, p))
            })
            .collect();
        if let Some(map) = &self.inner.map {
            for &p in &wanted {
                if let Ok(info) = self.page_info(p) {
                    let _ = map.advise_range(
                        memmap2::Advice::WillNeed,
                        info.offset as usize,
                        info.stored_len as usize,
                    );
                }
            }
        }
        let usable = crate::fork::global_pool_usable();
        let load = |&p: &u64| {
            let key = (self.inner.file_key, p);
            let mut flight = if usable {
                match self.inner.cache.start_load(key) {
                    Ok(flight) => flight,
                    Err(_) => return,
                }
            } else {
                self.inner.cache.unregistered(key)
            };
            if flight.cached().is_none() {
                if let Ok(info) = self.page_info(p) {
                    let _ = flight.finish(self.load_page(p, &info, false), true);
                }
            }
        };
        if usable || rayon::current_thread_index().is_some() {
            wanted.par_iter().for_each(load);
        } else {
            wanted.iter().for_each(load);
        }
    }

    /// Load page `page` and pin it in the cache until the returned guard drops.
    pub fn pin_page(&self, page: u64) -> Result<PinnedPage> {
        loop {
            let loaded = self.page(page)?;
            if self.inner.cache.pin((self.inner.file_key, page)) {
                return Ok(PinnedPage::new(
                    loaded,
                    self.inner.cache.clone(),
                    (self.inner.file_key, page),
                ));
            }
            // Evicted (or rejected) between load and pin: only possible when the
            // budget is smaller than the page or fully pinned.
            let charge = loaded.data().len() as u64 + crate::cache::ENTRY_OVERHEAD;
            if charge > self.inner.cache.budget_bytes()
                || self.inner.cache.metrics().bytes_pinned + charge
                    > self.inner.cache.budget_bytes()
            {
                return Ok(PinnedPage::unpinned(loaded));
            }
        }
    }
}

/// What a reader does after a cache miss ([`Reader::claim`]).
enum Claim {
    /// Another thread loaded the page: here it is.
    Ready(Bytes),
    /// Load the page and finish this flight with it.
    Load(crate::cache::Flight),
}

/// A job that finishes a page decoded in part.
type CompletionJob = Box<dyn FnOnce() + Send>;

/// Run `job` on the process's completion thread (started on first use). The
/// thread never waits for anything but its queue, so readers may wait for
/// its results from any thread, rayon workers included.
fn complete_later(job: CompletionJob) {
    static QUEUE: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<CompletionJob>>> =
        std::sync::OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<CompletionJob>();
        std::thread::Builder::new()
            .name("gcol-page-completion".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            })
            .expect("spawn the page completion thread");
        std::sync::Mutex::new(tx)
    });
    let sent = queue.lock().unwrap_or_else(|e| e.into_inner()).send(job);
    if let Err(std::sync::mpsc::SendError(job)) = sent {
        // The thread is gone (it cannot be, short of a panic in a job, which
        // each job catches): finish here rather than leave waiters waiting.
        job();
    }
}
