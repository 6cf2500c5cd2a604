//! The one import layer of gcol: what an input holds ([`detect`]), which
//! datasets the inputs become, and [`convert`], which `gcol convert` and
//! Python's `gcol.convert` both call, so they behave alike and fail with
//! the same messages. The importers below it ([`import_fasta`],
//! [`import_fastq`]) write datasets into any [`gcol_writer::Writer`].
//!
//! Each importer reads its input once, streaming, and reports progress in
//! input bytes (compressed bytes for compressed input). The field parsers
//! (noodles) are dependencies of this crate, not of the writer.

mod cluster;
pub mod convert;
pub mod copy;
pub mod detect;
pub mod edit;
pub mod fasta;
pub mod fastq;
pub mod graph;
pub mod input;
mod names;
mod nucleotide;
pub mod reference;
pub mod sam;
mod sam_text;
mod select;
pub mod table;
pub mod typed;
pub(crate) mod upgrade;
pub mod vcf;

pub use convert::{
    convert, input_size, ConvertOptions, ConvertSummary, DatasetReport, Error, Event,
    DEFAULT_PAGE_KIB,
};
pub use copy::{copy_verified, CopySummary};
pub use detect::{detect, SourceFormat};
pub use edit::{
    edit, merge, subset, subset_selected, upgrade, EditOptions, EditSummary, Selection,
};
pub use fasta::{
    import_fasta, import_fasta_from, Alphabet, FastaOptions, FastaSummary, NamePolicy,
};
pub use fastq::{
    import_fastq, import_fastq_from, FastqOptions, FastqSummary, QualityBinning, ReadCompression,
};
pub use graph::{import_graph, GraphOptions, GraphSummary};
pub use input::{
    dataset_name, is_stdin, open_input, sniff_input, Compression, Input, SniffedInput,
};
pub use sam::{import_alignments, AlignmentFormat, AlignmentOptions, AlignmentSummary};
pub use table::antismash::import_antismash;
pub use table::genbank::{import_genbank, GenBankSummary};
pub use table::gff::import_features;
pub use table::parquet::import_parquet;
pub use table::{import_table, TableOptions, TableSummary};
pub use vcf::{import_vcf, ReferenceSpec, VcfOptions, VcfSummary};

/// Called with (input bytes read so far, input size in bytes).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// A progress callback that does nothing.
pub fn no_progress(_done: u64, _total: u64) {}

/// Stop with [`gcol_writer::Error::Interrupted`] when `cancel` is set.
pub(crate) fn check_cancel(
    cancel: Option<&std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> gcol_writer::Result<()> {
    if cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)) {
        return Err(gcol_writer::Error::Interrupted);
    }
    Ok(())
}
