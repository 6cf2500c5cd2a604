//! Random-access reader for `.gcol` files.
//!
//! [`Reader::open`] maps the file and reads only its fixed tail and footer,
//! so opening costs the same for a 1 MB file and a 10 GB one. Page directory
//! entries are viewed in place in the mapping, one checksummed block at a
//! time, on first use. Pages are loaded through a [`PageCache`] that many
//! readers, files and threads can share under one byte budget; plain pages
//! are served zero-copy from the mapping.
//!
//! ```
//! use gcol_reader::{PageCache, EvictionPolicy, ReadOptions, Reader};
//! # use gcol_writer::{ColumnSpec, DatasetSpec, Writer, WriteOptions};
//! # use gcol_format::PhysicalType;
//! # let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
//! # let d = w.add_dataset(DatasetSpec::new("genes", "table")).unwrap();
//! # let c = w.add_column(d, ColumnSpec::new("start", PhysicalType::U64, "position")).unwrap();
//! # w.push(c, &[1_000u64, 5_000, 9_000]).unwrap();
//! # let bytes = w.finish().unwrap();
//! let cache = PageCache::with_budget(64 << 20, EvictionPolicy::S3Fifo);
//! let reader = Reader::from_bytes_with(bytes, ReadOptions::default().cache(cache.clone())).unwrap();
//! let starts: Vec<u64> = reader.column("genes", "start").unwrap().read(1..3).unwrap();
//! assert_eq!(starts, [5_000, 9_000]);
//! assert_eq!(cache.metrics().misses, 1);
//! ```
//!
//! The byte layout is specified in `spec/` at the repository root.

pub mod alignments;
#[cfg(feature = "arrow")]
pub mod arrow;
mod cache;
mod column;
#[cfg(feature = "parquet")]
pub mod columnar;
mod dump;
mod error;
mod fork;
pub mod graph;
mod hash;
mod layout;
mod page;
#[cfg(feature = "parquet")]
pub mod partitions;
mod reader;
mod remote;
pub mod sequences;
pub mod table;
mod typed;
pub mod variants;
mod verify;

pub use alignments::{AlignmentRegion, Alignments, RecordFilter};
pub use cache::{CacheMetrics, CacheOptions, EvictionPolicy, PageCache, ENTRY_OVERHEAD};
pub use column::ColumnReader;
pub use error::{Error, Result};
pub use fork::mark_forked;
pub use graph::{
    AttrFilter, AttrValue, Attribute, Direction, Graph, GraphPath, GraphView, Pathway,
};
pub use layout::ChunkGrid;
pub use page::{PackedPage, Page, PinnedPage};
pub use reader::{default_cache, ChecksumPolicy, ReadOptions, Reader};
pub use remote::{is_url, RemoteStats, TAIL_READ};
pub use sequences::{
    find_record, parse_region, Alphabet, ExportOptions, InvariantReport, MotifHit, RecordInfo,
    Region, Sequences, READS_KIND,
};
pub use variants::{Variants, VcfRegion};
pub use verify::VerifyReport;

pub use gcol_format as format;

#[cfg(test)]
mod tests;

/// The value of `cell`, loaded by `load` the first time (a failed load is
/// not kept: the next call tries again). Lazily read tables of the
/// dataset readers (record tables, name maps, indexes) go through here.
pub(crate) fn get_or_load<T>(
    cell: &std::sync::OnceLock<T>,
    load: impl FnOnce() -> Result<T>,
) -> Result<&T> {
    if let Some(v) = cell.get() {
        return Ok(v);
    }
    let value = load()?;
    Ok(cell.get_or_init(|| value))
}
