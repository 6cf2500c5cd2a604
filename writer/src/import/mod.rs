//! Importers: convert source formats into datasets of a [`crate::Writer`].
//!
//! Each importer reads its input once, streaming, and reports progress in
//! input bytes (compressed bytes for compressed input).

pub mod fasta;
pub mod fastq;
pub mod input;
mod nucleotide;

pub use fasta::{
    import_fasta, import_fasta_from, Alphabet, FastaOptions, FastaSummary, NamePolicy,
};
pub use fastq::{import_fastq, import_fastq_from, FastqOptions, FastqSummary, QualityBinning};
pub use input::{
    dataset_name, is_stdin, open_input, sniff_input, Compression, Input, InputFormat, SniffedInput,
};

/// Called with (input bytes read so far, input size in bytes).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// A progress callback that does nothing.
pub fn no_progress(_done: u64, _total: u64) {}
