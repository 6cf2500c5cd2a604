//! Importers: convert source formats into datasets of a [`crate::Writer`].
//!
//! Each importer reads its input once, streaming, and reports progress in
//! input bytes (compressed bytes for compressed input).

pub mod fasta;
pub mod fastq;
pub mod input;
mod nucleotide;

pub use fasta::{import_fasta, Alphabet, FastaOptions, FastaSummary, NamePolicy};
pub use fastq::{import_fastq, FastqOptions, FastqSummary, QualityBinning};
pub use input::{dataset_name, open_input, sniff_format, Compression, Input, InputFormat};

/// Called with (input bytes read so far, input size in bytes).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// A progress callback that does nothing.
pub fn no_progress(_done: u64, _total: u64) {}
