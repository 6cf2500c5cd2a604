//! Streaming writer for `.gcol` files.
//!
//! [`Writer`] streams pages for any number of datasets and columns to any
//! `Write` sink and writes the page directory, manifest and tail in
//! [`Writer::finish`]. [`Writer::create`] writes to a temporary file beside
//! the target and renames it into place only when finished, so a crash or an
//! error at any byte leaves either the old file or the new one, never a
//! half-written file under the target name.
//!
//! # Memory bound
//!
//! Each column buffers at most one page of decoded values (its `page_bytes`,
//! 64 KiB by default, plus one value). Ended pages are encoded on the rayon
//! pool while the caller goes on, at most 32 pages or 8 MiB of decoded bytes
//! at once (the writer waits for the oldest beyond that), and are written in
//! the order they were ended, so the output does not depend on timing. The
//! writer also keeps 48 bytes per written page for the page directory until
//! `finish`. Nothing else grows with the data.
//!
//! ```
//! use gcol_writer::{ColumnSpec, DatasetSpec, Writer, WriteOptions};
//! use gcol_format::{encoding::Encoding, PhysicalType};
//!
//! let mut writer = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
//! let genes = writer.add_dataset(DatasetSpec::new("genes", "table")).unwrap();
//! let start = writer
//!     .add_column(genes, ColumnSpec::new("start", PhysicalType::U64, "position")
//!         .encoding(Encoding::delta_varint().with_zstd(3)))
//!     .unwrap();
//! let name = writer.add_column(genes, ColumnSpec::new("name", PhysicalType::Binary, "utf8")).unwrap();
//! writer.push(start, &[1_000u64, 5_000, 9_000]).unwrap();
//! for gene in ["AT1G01010", "AT1G01020", "AT1G01030"] {
//!     writer.push_binary(name, gene.as_bytes()).unwrap();
//! }
//! let bytes = writer.finish().unwrap();
//! assert_eq!(&bytes[..8], &gcol_format::MAGIC);
//! ```
//!
//! The byte layout is specified in `spec/` at the repository root.

mod atomic;
#[doc(hidden)] // `gcol sample` and the golden files; not API.
pub mod demo;
mod error;
mod provenance;
mod writer;

pub use atomic::{on_first_temporary, remove_temporaries, AtomicFile, FileWriter};
pub use error::{Error, Result};
pub use gcol_format::Value;
pub use provenance::now_utc;
pub use writer::{
    encode_adaptive, encode_adaptive_nullable, ColumnId, ColumnLayout, ColumnSpec, DatasetId,
    DatasetSpec, WriteOptions, Writer, DEFAULT_PAGE_BYTES,
};

pub use gcol_format as format;
