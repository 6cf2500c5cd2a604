//! Conformance vectors (spec/conformance): small files that together use
//! every structure and encoding id, built from fixed inputs so a rebuild is
//! byte-identical. `cargo test -p gcol-tests --test conformance` fails when a
//! rebuild differs from the committed files; regenerate (with a spec version
//! bump) by `GCOL_REGENERATE=1 cargo test -p gcol-tests --test conformance`.

use std::path::{Path, PathBuf};

use gcol_format::encoding::Encoding;
use gcol_format::manifest::ChunkOrder;
use gcol_format::PhysicalType;
use gcol_import::{
    import_fasta, import_fastq, no_progress, FastaOptions, FastqOptions, QualityBinning,
    ReadCompression,
};
use gcol_writer::{ColumnSpec, DatasetSpec, Writer};

use crate::{build_demo, build_empty, golden_options};

/// `spec/conformance`.
pub fn conformance_dir() -> PathBuf {
    crate::crate_dir().join("../spec/conformance")
}

fn input(name: &str) -> PathBuf {
    conformance_dir().join("inputs").join(name)
}

fn many_pages() -> Vec<u8> {
    // 1,500 one-value pages: two directory blocks (1,024 entries each).
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let d = w
        .add_dataset(DatasetSpec::new("pages", "table"))
        .expect("dataset");
    let c = w
        .add_column(
            d,
            ColumnSpec::new("n", PhysicalType::U16, "uint16")
                .page_bytes(2)
                .fixed_encoding(),
        )
        .expect("column");
    for i in 0..1500u16 {
        w.push(c, &[i * 7]).expect("push");
    }
    w.set_num_rows(d, 1500).expect("rows");
    w.finish().expect("finish")
}

fn fasta(path: &Path, name: &str, level: i32, page_bytes: usize) -> Vec<u8> {
    fasta_minor(path, name, level, page_bytes, gcol_format::MINOR_VERSION)
}

/// [`fasta`] using features of format minor versions up to `minor` only.
fn fasta_minor(path: &Path, name: &str, level: i32, page_bytes: usize, minor: u16) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let mut options = FastaOptions::new(name);
    options.zstd_level = level;
    options.page_bytes = page_bytes;
    options.format_minor = minor;
    import_fasta(&mut w, path, &options, &no_progress).expect("import");
    w.finish().expect("finish")
}

fn reads() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let (r1, r2) = (input("reads_R1.fq"), input("reads_R2.fq"));
    let mut pair = FastqOptions::new("pair");
    pair.compression = ReadCompression::Fast;
    import_fastq(&mut w, &[&r1, &r2], &pair, &no_progress).expect("pair");
    let mut binned = FastqOptions::new("binned");
    binned.binning = QualityBinning::Illumina8;
    binned.compression = ReadCompression::Fast;
    import_fastq(&mut w, &[&r1], &binned, &no_progress).expect("binned");
    w.finish().expect("finish")
}

/// Format 1.5 `quality-model` pages (spec 7.10): the pair with pages of
/// 64 values (100-base reads cut into segments of 64 and 36, variable
/// lengths), the R1 file binned (fixed lengths, 8 symbols), and the edge
/// reads (a one-base read, qualities ! and ~).
fn reads_quality() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let (r1, r2) = (input("reads_R1.fq"), input("reads_R2.fq"));
    // A 1.5 file: no primed pages (spec 7.14 came with 1.8).
    let minor = 7;
    let mut pair = FastqOptions::new("pair");
    pair.quality_page_values = 64;
    pair.format_minor = minor;
    import_fastq(&mut w, &[&r1, &r2], &pair, &no_progress).expect("pair");
    let mut binned = FastqOptions::new("binned");
    binned.binning = QualityBinning::Illumina8;
    binned.compression = ReadCompression::Archive;
    binned.format_minor = minor;
    import_fastq(&mut w, &[&r1], &binned, &no_progress).expect("binned");
    let mut edge = FastqOptions::new("edge");
    edge.format_minor = minor;
    import_fastq(&mut w, &[&input("edge.fq")], &edge, &no_progress).expect("edge");
    w.finish().expect("finish")
}

/// Format 1.8 `quality-primed` pages (spec 7.14): the R1/R2 pair and
/// `reads_primed.fq` in pages of 64 values after a first page of 512
/// (whole reads), one later page coded alone (a value the first page never
/// had), and the edge reads (one page: no primed page).
fn reads_primed() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let (r1, r2) = (input("reads_R1.fq"), input("reads_R2.fq"));
    let mut pair = FastqOptions::new("pair");
    pair.quality_page_values = 64;
    import_fastq(&mut w, &[&r1, &r2], &pair, &no_progress).expect("pair");
    let mut primed = FastqOptions::new("primed");
    primed.quality_page_values = 64;
    import_fastq(&mut w, &[&input("reads_primed.fq")], &primed, &no_progress).expect("primed");
    import_fastq(
        &mut w,
        &[&input("edge.fq")],
        &FastqOptions::new("edge"),
        &no_progress,
    )
    .expect("edge");
    w.finish().expect("finish")
}

/// Format 1.5 `name-tokens` pages (spec 7.11): read names of every token
/// kind, in pages of 8 names.
fn names() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let d = w
        .add_dataset(DatasetSpec::new("names", "table"))
        .expect("dataset");
    let c = w
        .add_column(
            d,
            ColumnSpec::new("name", PhysicalType::Binary, "text")
                .encoding(gcol_format::encoding::Encoding::name_tokens())
                .fixed_encoding()
                .page_bytes(8 * 4 + 8 * 24),
        )
        .expect("column");
    let long_text = "x".repeat(300);
    let names: Vec<String> = vec![
        "SRR642636.77815894/1".into(),
        "SRR642636.10231947/2".into(),
        "SRR642636.10231948/1".into(),
        "SRR642637.5/2".into(),
        "SRR642636.77815894/2".into(),
        "SRR642636.10231947/1".into(),
        "".into(),
        "".into(),
        "r007".into(),
        "r008".into(),
        "r010".into(),
        "r0010".into(),
        "r9".into(),
        "r10".into(),
        "r300".into(),
        "r300".into(),
        "12345678901234567890123".into(),
        "18446744073709551615".into(),
        format!("{long_text}7"),
        "HWI-ST1234:8:1101:1000:2000#0/1".into(),
        "HWI-ST1234:8:1101:1000:2007#0/1".into(),
        "8bd1d163-48ce-426b-aad8-2b1b95e34bb4".into(),
        "caf\u{e9} 1".into(),
    ];
    for name in &names {
        w.push_binary(c, name.as_bytes()).expect("push");
    }
    w.push_binary(c, &[0xFF, 0x00, b'9']).expect("push");
    w.set_num_rows(d, names.len() as u64 + 1).expect("rows");
    w.finish().expect("finish")
}

/// Format 1.5 `base-model` pages (spec 7.12): packed bases of a small
/// repeat-rich sequence in a `u8` column of 3 pages.
fn base_model() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let d = w
        .add_dataset(DatasetSpec::new("bases", "table"))
        .expect("dataset");
    let c = w
        .add_column(
            d,
            ColumnSpec::new("packed", PhysicalType::U8, "dna2bit")
                .encoding(gcol_format::encoding::Encoding::base_model())
                .fixed_encoding()
                .page_bytes(400),
        )
        .expect("column");
    // A random 300-byte unit (1,200 bases), repeated with a change, and its
    // reverse complement: the model learns the repeats.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let unit: Vec<u8> = (0..300)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let reverse_complement: Vec<u8> = unit
        .iter()
        .rev()
        .map(|&b| {
            let mut out = 0u8;
            for k in 0..4 {
                out = (out << 2) | (3 - ((b >> (2 * k)) & 3));
            }
            out
        })
        .collect();
    let mut packed = unit.clone();
    packed.extend_from_slice(&unit);
    packed[450] ^= 0x30;
    packed.extend_from_slice(&reverse_complement);
    packed.extend_from_slice(&[0, 0, 0xFF, 0xE4]);
    w.push(c, &packed).expect("push");
    w.set_num_rows(d, packed.len() as u64).expect("rows");
    w.finish().expect("finish")
}

/// Format 1.1 value layouts (spec 6.5-6.7): nullable columns of every
/// kind of page (some nulls, all null, none), lists of strings and of
/// nullable integers, a list of lists, and chunked arrays in both orders.
pub fn layouts() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let d = w
        .add_dataset(DatasetSpec::new("sites", "table"))
        .expect("dataset");
    let col = |w: &mut Writer<Vec<u8>>, spec: ColumnSpec| w.add_column(d, spec).expect("column");
    // Four values per page: a page with nulls, a page of nulls, a page without.
    let qual = col(
        &mut w,
        ColumnSpec::new("qual", PhysicalType::F32, "float32")
            .nullable()
            .page_bytes(16)
            .fixed_encoding(),
    );
    w.push_option(
        qual,
        &[
            Some(1.5f32),
            None,
            Some(95.1),
            None,
            None,
            None,
            None,
            None,
            Some(7.0),
            Some(-8.25),
            Some(9.0),
            Some(10.0),
        ],
    )
    .expect("qual");
    let depth = col(
        &mut w,
        ColumnSpec::new("depth", PhysicalType::I32, "int32")
            .nullable()
            .encoding(Encoding::delta_varint().with_zstd(3))
            .fixed_encoding(),
    );
    w.push_option(
        depth,
        &[
            Some(30i32),
            Some(31),
            None,
            Some(29),
            Some(40),
            None,
            Some(-1),
            Some(35),
            Some(35),
            Some(36),
            None,
            Some(12),
        ],
    )
    .expect("depth");
    let id = col(
        &mut w,
        ColumnSpec::new("id", PhysicalType::Binary, "utf8")
            .nullable()
            .encoding(Encoding::dictionary())
            .fixed_encoding(),
    );
    for v in [
        "rs1", "", "rs3", "rs3", "", "", "rs7", "rs8", "", "rs10", "rs11", "",
    ] {
        w.push_binary_option(id, (!v.is_empty()).then_some(v.as_bytes()))
            .expect("id");
    }
    // ALT: a nullable list of strings (row 2 null, row 3 empty).
    let alt = col(
        &mut w,
        ColumnSpec::new("alt", PhysicalType::U64, "list<utf8>")
            .nullable()
            .list("alt.item")
            .encoding(Encoding::delta_varint())
            .page_bytes(8)
            .fixed_encoding(),
    );
    let alt_item = col(
        &mut w,
        ColumnSpec::new("alt.item", PhysicalType::Binary, "utf8"),
    );
    // AC: a list of nullable integers (Number=A with a missing value).
    let ac = col(
        &mut w,
        ColumnSpec::new("ac", PhysicalType::U64, "list<int32>").list("ac.item"),
    );
    let ac_item = col(
        &mut w,
        ColumnSpec::new("ac.item", PhysicalType::I32, "int32")
            .nullable()
            .encoding(Encoding::for_bitpack())
            .fixed_encoding(),
    );
    // A list of lists of strings (multi-valued attributes per feature).
    let tags = col(
        &mut w,
        ColumnSpec::new("tags", PhysicalType::U64, "list<list<utf8>>").list("tags.item"),
    );
    let tags_item = col(
        &mut w,
        ColumnSpec::new("tags.item", PhysicalType::U64, "list<utf8>").list("tags.item.item"),
    );
    let tags_leaf = col(
        &mut w,
        ColumnSpec::new("tags.item.item", PhysicalType::Binary, "utf8")
            .encoding(Encoding::dictionary().with_zstd(3))
            .fixed_encoding(),
    );
    let alts: [Option<&[&str]>; 12] = [
        Some(&["A"]),
        Some(&["C", "T"]),
        None,
        Some(&[]),
        Some(&["<DEL>"]),
        Some(&["G]1:100]"]),
        Some(&["A", "AT", "ATT"]),
        None,
        Some(&["*"]),
        Some(&["T"]),
        Some(&["<NON_REF>"]),
        Some(&["C"]),
    ];
    for (row, a) in alts.iter().enumerate() {
        match a {
            Some(items) => {
                for item in *items {
                    w.push_binary(alt_item, item.as_bytes()).expect("alt item");
                }
                w.end_list(alt).expect("alt");
                let counts: Vec<Option<i32>> = items
                    .iter()
                    .enumerate()
                    .map(|(k, _)| (row % 4 != 1 || k == 0).then_some((row * 3 + k) as i32))
                    .collect();
                w.push_option(ac_item, &counts).expect("ac item");
            }
            None => w.end_list_null(alt).expect("alt null"),
        }
        w.end_list(ac).expect("ac");
        for group in 0..row % 3 {
            for k in 0..=group {
                w.push_binary(tags_leaf, format!("t{row}.{group}.{k}").as_bytes())
                    .expect("leaf");
            }
            w.end_list(tags_item).expect("tags item");
        }
        w.end_list(tags).expect("tags");
    }
    w.set_num_rows(d, 12).expect("rows");

    // Genotypes: 5 sites x 3 samples x ploidy 2 in chunks of 2 x 2, row
    // major, missing calls null; one chunk (rows 2-3, sample 2) all null.
    let calls = w
        .add_dataset(DatasetSpec::new("calls", "table"))
        .expect("dataset");
    let gt = w
        .add_column(
            calls,
            ColumnSpec::new("gt", PhysicalType::I8, "genotype")
                .nullable()
                .chunked(3, 2, 2, 2, ChunkOrder::RowMajor)
                .fixed_encoding(),
        )
        .expect("gt");
    let dp = w
        .add_column(
            calls,
            ColumnSpec::new("dp", PhysicalType::U16, "depth")
                .chunked(3, 1, 3, 2, ChunkOrder::ColumnMajor)
                .encoding(Encoding::for_bitpack().with_zstd(3))
                .fixed_encoding(),
        )
        .expect("dp");
    for site in 0..5i8 {
        let mut values = Vec::new();
        let mut present = Vec::new();
        for sample in 0..3i8 {
            for k in 0..2i8 {
                let missing =
                    (sample == 2 && (2..4).contains(&site)) || (site == 0 && sample == 1 && k == 1);
                values.push(if missing { 0 } else { (site + sample + k) % 3 });
                present.push(!missing);
            }
        }
        w.push_rows(gt, &values, Some(&present)).expect("gt rows");
        let depths: Vec<u16> = (0..3u16).map(|s| 10 * u16::from(site as u8) + s).collect();
        w.push_rows(dp, &depths, None).expect("dp rows");
    }
    w.set_num_rows(calls, 5).expect("rows");
    w.finish().expect("finish")
}

fn reads_edge() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    import_fastq(
        &mut w,
        &[&input("edge.fq")],
        &FastqOptions {
            compression: ReadCompression::Fast,
            ..FastqOptions::new("edge")
        },
        &no_progress,
    )
    .expect("edge reads");
    w.finish().expect("finish")
}

/// The small-file layout (format 1.1): tiny columns inline in the footer,
/// a compressed manifest region without implied members.
fn compact() -> Vec<u8> {
    let options = gcol_writer::WriteOptions {
        compact: true,
        ..golden_options()
    };
    let mut w = Writer::new(Vec::new(), options).expect("vec");
    let mut fasta = FastaOptions::new("edge");
    fasta.zstd_level = 5;
    // The 1.1 small-file layout of the same input as sequences_edge (1.0).
    fasta.format_minor = 1;
    import_fasta(&mut w, &input("edge.fa"), &fasta, &no_progress).expect("import");
    let d = w
        .add_dataset(DatasetSpec::new("tiny", "table"))
        .expect("dataset");
    let score = w
        .add_column(
            d,
            ColumnSpec::new("score", PhysicalType::F64, "float64").nullable(),
        )
        .expect("score");
    w.push_option(score, &[Some(0.5f64), None, Some(-2.0)])
        .expect("score");
    let tags = w
        .add_column(
            d,
            ColumnSpec::new("tags", PhysicalType::U64, "list<utf8>").list("tags.item"),
        )
        .expect("tags");
    let item = w
        .add_column(
            d,
            ColumnSpec::new("tags.item", PhysicalType::Binary, "utf8"),
        )
        .expect("item");
    for row in [&["a", "b"][..], &[], &["c"]] {
        for t in row {
            w.push_binary(item, t.as_bytes()).expect("item");
        }
        w.end_list(tags).expect("tags");
    }
    // Two pages: stays in the page area.
    let big = w
        .add_column(
            d,
            ColumnSpec::new("big", PhysicalType::U32, "uint32")
                .page_bytes(16)
                .encoding(Encoding::delta_varint()),
        )
        .expect("big");
    w.push(big, &[1u32, 2, 3, 4, 5, 6]).expect("big");
    // A single page too large to go inline.
    let wide = w
        .add_column(
            d,
            ColumnSpec::new("wide", PhysicalType::U8, "uint8").fixed_encoding(),
        )
        .expect("wide");
    w.push(wide, &[7u8; 300]).expect("wide");
    w.set_num_rows(d, 3).expect("rows");
    w.finish().expect("finish")
}

/// A variants dataset (spec 14) of a small VCF, uncompressed (so its pages
/// show `decimal` and `for-bitpack` bytes), and a table of f32 and f64
/// decimals under zstd.
fn variants() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let mut options = gcol_import::vcf::VcfOptions::new("calls");
    options.zstd_level = 0;
    options.chunk_variants = 4;
    options.chunk_samples = 2;
    gcol_import::vcf::import_vcf(
        &mut w,
        &input("variants.vcf"),
        false,
        &options,
        &no_progress,
        &mut |_| {},
    )
    .expect("import");
    let d = w
        .add_dataset(DatasetSpec::new("decimals", "table"))
        .expect("dataset");
    let map = w
        .add_column(
            d,
            ColumnSpec::new("cm", PhysicalType::F64, "float64")
                .encoding(Encoding::decimal().with_zstd(3))
                .fixed_encoding(),
        )
        .expect("cm");
    w.push(map, &[0.0f64, 0.125, 4.70307, 4.70374, 1234.5])
        .expect("cm");
    let af = w
        .add_column(
            d,
            ColumnSpec::new("af", PhysicalType::F32, "float32")
                .nullable()
                .encoding(Encoding::decimal().with_zstd(3))
                .fixed_encoding(),
        )
        .expect("af");
    w.push_option(
        af,
        &[Some(0.5f32), None, Some(0.00198807), Some(-1.0), Some(29.0)],
    )
    .expect("af");
    w.set_num_rows(d, 5).expect("rows");
    w.finish().expect("finish")
}

/// A writer holding the FASTA input `file` as sequences dataset `ref`
/// (uncompressed), and the reference spec that codes against it.
fn with_reference(file: &str) -> (Writer<Vec<u8>>, gcol_import::ReferenceSpec) {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let fa = input(file);
    let mut fasta = FastaOptions::new("ref");
    fasta.zstd_level = 0;
    import_fasta(&mut w, &fa, &fasta, &no_progress).expect("fasta");
    let spec = gcol_import::ReferenceSpec {
        path: fa,
        dataset: Some("ref".into()),
    };
    (w, spec)
}

/// A reference and a VCF whose REF alleles are coded against it (spec
/// 14.7), uncompressed.
fn variants_ref() -> Vec<u8> {
    let (mut w, reference) = with_reference("variants_ref.fa");
    let mut options = gcol_import::vcf::VcfOptions::new("calls");
    options.zstd_level = 0;
    options.reference = Some(reference);
    gcol_import::vcf::import_vcf(
        &mut w,
        &input("variants_ref.vcf"),
        false,
        &options,
        &no_progress,
        &mut |_| {},
    )
    .expect("import");
    w.finish().expect("finish")
}

/// An alignments dataset (spec 15) of a small SAM file.
fn alignments() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let options = gcol_import::AlignmentOptions::new("aln");
    gcol_import::import_alignments(
        &mut w,
        &input("alignments.sam"),
        gcol_import::AlignmentFormat::Sam,
        &options,
        &no_progress,
    )
    .expect("import");
    w.finish().expect("finish")
}

/// `int-model` pages (spec 7.13) of every integer type, one flags choice
/// each (the encoder keeps the smallest of the four): rising positions
/// (delta), alternating flags (order 1), small signed values, extremes.
fn int_model() -> Vec<u8> {
    use gcol_format::encoding::Encoding;
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let d = w
        .add_dataset(DatasetSpec::new("ints", "table"))
        .expect("dataset");
    let spec = |name: &str, physical: PhysicalType| {
        ColumnSpec::new(name, physical, "int")
            .encoding(Encoding::int_model())
            .fixed_encoding()
            .page_bytes(1 << 16)
    };
    let n = 300usize;
    // Rising positions with gaps of 1..40: delta bytes win.
    let pos: Vec<i32> = (0..n as i32)
        .scan(1000, |p, i| {
            *p += 1 + (i * 37 % 40);
            Some(*p)
        })
        .collect();
    // SAM flags of pairs, 99 147 83 163 in turn: order 1 wins.
    let flags: Vec<u16> = (0..n).map(|i| [99u16, 147, 83, 163][i % 4]).collect();
    // Small signed values around 0, and the i8 extremes.
    let mut small: Vec<i8> = (0..n as i32).map(|i| ((i * 7919) % 7 - 3) as i8).collect();
    small[10] = i8::MIN;
    small[11] = i8::MAX;
    // Random u64 values of 10-byte varints (bit 63 set): no order to learn.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let big: Vec<u64> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x | 1 << 63
        })
        .collect();
    let c = w
        .add_column(d, spec("pos", PhysicalType::I32))
        .expect("pos");
    w.push(c, &pos).expect("push");
    let c = w
        .add_column(d, spec("flag", PhysicalType::U16))
        .expect("flag");
    w.push(c, &flags).expect("push");
    let c = w
        .add_column(d, spec("small", PhysicalType::I8))
        .expect("small");
    w.push(c, &small).expect("push");
    let c = w
        .add_column(d, spec("big", PhysicalType::U64))
        .expect("big");
    w.push(c, &big).expect("push");
    w.set_num_rows(d, n as u64).expect("rows");
    w.finish().expect("finish")
}

/// A reference and the alignments of `alignments.sam` with their bases
/// coded against it (spec 15.10).
fn alignments_ref() -> Vec<u8> {
    let (mut w, reference) = with_reference("alignments_ref.fa");
    let mut options = gcol_import::AlignmentOptions::new("aln");
    options.reference = Some(reference);
    gcol_import::import_alignments(
        &mut w,
        &input("alignments.sam"),
        gcol_import::AlignmentFormat::Sam,
        &options,
        &no_progress,
    )
    .expect("import");
    w.finish().expect("finish")
}

/// Graphs (spec 16, format 1.7): a CX network with plain topology
/// (`--compression fast`), a KGML map and an undirected edge table.
fn graph() -> Vec<u8> {
    use gcol_import::SourceFormat;
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let inputs = [
        ("graph.cx", "signal", SourceFormat::Cx, None, true),
        ("graph.kgml", "map", SourceFormat::Kgml, None, false),
        (
            "graph_edges.tsv",
            "interactions",
            SourceFormat::Tsv,
            Some(false),
            false,
        ),
    ];
    for (file, name, format, directed, plain) in inputs {
        let mut options = gcol_import::GraphOptions::new(name);
        options.directed = directed;
        options.plain_topology = plain;
        let source = gcol_import::open_input(&input(file)).expect("input");
        gcol_import::import_graph(&mut w, source, format, &options, &no_progress).expect("import");
    }
    w.finish().expect("finish")
}

/// Tables (spec 17, format 1.7): a GFF3 and a GTF feature table, a CSV
/// table, a GenBank feature table with its sequences, and an antiSMASH
/// JSON feature table with its sequences.
fn features() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    for (file, name) in [("features.gff3", "gff3"), ("features.gtf", "gtf")] {
        let options = gcol_import::TableOptions::new(name);
        let source = gcol_import::open_input(&input(file)).expect("input");
        gcol_import::import_features(&mut w, source, name == "gtf", &options, &no_progress)
            .expect("import");
    }
    let options = gcol_import::TableOptions::new("table");
    let source = gcol_import::open_input(&input("table.csv")).expect("input");
    gcol_import::import_table(&mut w, source, b',', &options, &no_progress).expect("import");
    let options = gcol_import::TableOptions::new("genbank");
    let source = gcol_import::open_input(&input("features.gbk")).expect("input");
    gcol_import::import_genbank(&mut w, source, &options, &no_progress).expect("import");
    let options = gcol_import::TableOptions::new("antismash");
    let source = gcol_import::open_input(&input("features.antismash.json")).expect("input");
    gcol_import::import_antismash(&mut w, source, &options, &no_progress).expect("import");
    w.finish().expect("finish")
}

/// The genomics schema (spec 17.8): `dna.fa` as sequences dataset
/// `sample` and the eight schema tables of inputs/genomics.
fn genomics() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), golden_options()).expect("vec");
    let options = FastaOptions::new("sample");
    import_fasta(&mut w, &input("dna.fa"), &options, &no_progress).expect("fasta");
    let inputs = gcol_format::schema::genomics::TABLES
        .iter()
        .map(|t| t.name)
        .map(|t| gcol_import::table::genomics::SchemaInput {
            name: t.to_string(),
            input: gcol_import::open_input(&input(&format!("genomics/{t}.csv"))).expect("input"),
            delimiter: b',',
        })
        .collect();
    let names: std::collections::HashSet<String> = [
        "lambda_5k",
        "lambda_masked",
        "cel-let-7",
        "cel-lin-4",
        "cel-mir-1",
    ]
    .iter()
    .map(|n| n.to_string())
    .collect();
    let mut record_names = |d: &str| Ok((d == "sample").then(|| names.clone()));
    let checked =
        gcol_import::table::genomics::check_tables(inputs, &mut record_names, None).expect("keys");
    for t in checked {
        gcol_import::table::genomics::write_table(&mut w, t, 9).expect("table");
    }
    w.finish().expect("finish")
}

/// Every conformance file: (file name, what it covers, bytes).
pub fn conformance_files() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        (
            "tables.gcol",
            "every encoding id (0x0000-0x0004, 0x0100-0x0104), every physical type, MIN/MAX of every integer type, +-MAX floats, empty binary values, non-UTF-8 bytes, a column with no pages, multi-page columns, metadata, coordinates",
            build_demo(),
        ),
        ("empty.gcol", "no datasets, no pages, no directory blocks", build_empty()),
        ("many_pages.gcol", "1,500 pages: two directory blocks, the second partial", many_pages()),
        (
            "sequences_dna.gcol",
            "sequences (12): DNA with soft-masked runs, an N run, IUPAC codes, RNA records (U), two line widths; base pages stored plain where zstd would not shrink them (7.5); format 1.2: no `name` column (names from the definitions, 12.2), definitions in `lengths` (7.7)",
            fasta(&input("dna.fa"), "dna", 5, 64 << 10),
        ),
        (
            "sequences_plain.gcol",
            "the same input with plain base pages of 64 bytes (256 bases): many bases pages and run-index bins",
            fasta(&input("dna.fa"), "dna", 0, 64),
        ),
        (
            "sequences_protein.gcol",
            "sequences (12.5): protein residues, unwrapped long lines; format 1.2, `residue_order` `clustered`: the last record (a fragment of the second) is stored beside the second, so `offset` is not the running sum of `length`",
            fasta(&input("protein.fa"), "protein", 5, 64 << 10),
        ),
        (
            "reads.gcol",
            "reads (13): an R1/R2 pair interleaved with a mate column, and the R1 file again with illumina8 quality binning",
            reads(),
        ),
        (
            "sequences_edge.gcol",
            "sequences (12), format 1.0: CR LF and LF records in one file, blank lines after a record, a zero-length record, an irregularly wrapped record (flag bit 2), no final newline (flag bit 3), gaps (-), N runs, lower case, RNA",
            fasta_minor(&input("edge.fa"), "edge", 5, 64 << 10, 0),
        ),
        (
            "reads_quality.gcol",
            "reads (13), format 1.5: qualities as `quality-model` pages (7.9, 7.10): the R1/R2 pair in pages of 64 values (100-base reads cut into segments of 64 and 36), the R1 file with illumina8 binning (fixed segment length, parameters chosen per page), the edge reads (segments of varying length, a one-base read, qualities ! and ~)",
            reads_quality(),
        ),
        (
            "reads_primed.gcol",
            "reads (13), format 1.8: `quality-primed` pages (7.14): the R1/R2 pair and reads_primed.fq with a first `quality-model` page of up to 512 values (whole reads: 500) and later pages of 64 values (reads cut into segments of 64 and 36; a 37-value read) coded from the state the first page left; later pages holding a value the first page never had (93, or 15) are `quality-model` on their own with the first page's parameters; the edge reads fit in one page",
            reads_primed(),
        ),
        (
            "names.gcol",
            "format 1.5 `name-tokens` pages (7.11) of 232 decoded bytes (16, 2, 1 and 5 names): mates found by all but the last token, MATCH, DELTA (with leading zeros kept), NUM (18-digit limit, 2^64 - 1), TEXT longer than 255 bytes, empty names, non-UTF-8 bytes",
            names(),
        ),
        (
            "base_model.gcol",
            "format 1.5 `base-model` pages (7.12) of 400 packed bytes: a random unit, its repeat with a change and its reverse complement, then runs of one base",
            base_model(),
        ),
        (
            "reads_edge.gcol",
            "reads (13): descriptions (with two spaces inside), N, lower case, an RNA read (U), a one-base read, qualities ! and ~",
            reads_edge(),
        ),
        (
            "compact.gcol",
            "the small-file layout (2.5, 5.4, 1.1): tiny columns inline in the footer (plain where that is smaller; a nullable f64 with its validity section, a list and its items), a manifest without implied members, the manifest region one zstd frame; a two-page column and a 300-byte page stay in the page area",
            compact(),
        ),
        (
            "variants.gcol",
            "variants (14) of inputs/variants.vcf: two contigs, a flag, integer, float, list and text INFO fields, an INFO/END span, FILTER lists and `.`, FORMAT GT with mixed ploidy (1 to 3), phased, unphased and missing alleles, AD with `1,.` (a count array), a float and a text FORMAT field, 4 x 2 chunks; format 1.3: `decimal` (7.8) floats, plain and under zstd (f32 with nulls, f64)",
            variants(),
        ),
        (
            "variants_ref.gcol",
            "variants (14.7, format 1.4) of inputs/variants_ref.vcf with REF coded against the sequences dataset of inputs/variants_ref.fa: REF equal to the reference (one base, several, over soft-masked lower case and N), a mismatch, a lower-case REF (stored, not a mismatch), a REF past the contig's end and a contig the reference lacks (stored and listed in `ref/mismatch`), the reference link metadata with MD5s",
            variants_ref(),
        ),
        (
            "alignments.gcol",
            "alignments (15) of inputs/alignments.sam (`samtools view -h` of it: inputs/alignments_view.sam): two references, mates with RNEXT `=` and another reference, CIGARs with I, D, N, S, H and P, QUAL `*` with and without SEQ, `=` and N bases, lower case read as upper case, unmapped records without RNAME, tags of every type (A, c, C, s, S, i, I, f, Z, H and arrays of each subtype, an empty array), one tag in two types (NM as C and S) and records without tags; qualities in `quality-model` pages, names in `name-tokens` or zstd text; bases against each chunk's consensus (15.8) with substitution codes in `seq_sub` (format 1.6)",
            alignments(),
        ),
        (
            "int_model.gcol",
            "format 1.6 `int-model` pages (7.13), one per column of 300 values: rising i32 positions (delta-varint bytes), u16 SAM flags 99 147 83 163 in turn (order 1), small i8 values with -128 and 127 (delta bytes), random u64 values with bit 63 set (10-byte varints)",
            int_model(),
        ),
        (
            "alignments_ref.gcol",
            "alignments (15.10) of inputs/alignments.sam with bases coded against the sequences dataset `ref` of inputs/alignments_ref.fa (expected records: inputs/alignments_view.sam): covered bases that match, differences with substitution codes (`seq_sub`), an `=` and an N base at covered positions (listed with codes 3 and 14), a covered position whose reference base is N (stored), soft-masked reference bases (read as upper case), I and S bases (stored), and reference chr2, which the FASTA lacks (its record stores every base); the reference link metadata with the MD5 of chr1",
            alignments_ref(),
        ),
        (
            "graph.gcol",
            "graphs (16, format 1.7): `signal` from inputs/graph.cx (CX 1: a multi-edge, a self-loop, a node without edges, edges out of source order so `out/rank` is stored, string, int64 with nulls, float64, bool, `list<string>` with an empty list and `list<int64>` attributes, node positions, network attributes; plain topology pages), `map` from inputs/graph.kgml (KGML: relations with `list<string>` subtypes, a reaction's substrate and product edges, a group entry as a pathway, delta-varint topology), `interactions` from inputs/graph_edges.tsv (an undirected edge table: node columns found by position, a `weight` column, a repeated pair in both directions, a self-loop, empty cells as nulls in string and bool attributes)",
            graph(),
        ),
        (
            "genomics.gcol",
            "the genomics schema (17.8, format 1.7): inputs/dna.fa as sequences dataset `sample` and the eight tables of inputs/genomics (timestamps from a date, UTC, a fraction with an offset and before 1970; a `list<int64>` quality; `sequences` rows naming records of `sample`; a composite primary key; an optional column missing (`end`, `strand`, `cigar` of alignments: all null) and a column beyond the schema (`aligner`))",
            genomics(),
        ),
        (
            "features.gcol",
            "tables (17, format 1.7): `gff3` from inputs/features.gff3 (a directive and a comment, percent-encoded `;` and `,`, a score in exponent form, a feature with two parents, attributes with a space after `;` (stored, not canonical), a start with a trailing space and a space-separated line (stored whole in `line`), a Parent naming no ID, a `##FASTA` section without a final newline), `gtf` from inputs/features.gtf (NCBI style with a space after the last `;`, gene and transcript parents, an unquoted value (stored attributes), a transcript without its lines), `table` from inputs/table.csv (int64, float64, bool and string columns with nulls, a quoted comma, an unnamed last column), `genbank` with `genbank.sequences` from inputs/features.gbk (17.4: three records, DNA, protein and a contig without sequence; a two-line definition, a location over two lines, doubled quotes, bare and empty qualifiers, a translation, a mixed-strand location, a remote location, partial ends, `gap(100)`, a feature stored as written, a canonical and a non-canonical ORIGIN block, no final newline), `antismash` with `antismash.sequences` from inputs/features.antismash.json (17.9: four records, DNA, protein, one without `seq` and one whose escaped sequence stays in the text; non-ASCII and escaped qualifier text, a join, a remote part, partial ends, `(?)` and missing strands, a feature stored as written (another `id`, a number and an empty list as qualifiers), `data` members inside module results that are not cut, a final newline); each with its attribute index",
            features(),
        ),
        (
            "layouts.gcol",
            "format 1.1 value layouts (6.5-6.7): nullable f32/i32/binary columns with pages that have some nulls, only nulls and none (plain, zstd+delta-varint, dictionary), a nullable list of strings with null and empty lists, one row per page (pages of null lists keep their end offsets), a list of nullable integers (for-bitpack), a list of lists of strings, a nullable i8 genotype array 5 x 3 x 2 in row-major 2 x 2 chunks with an all-null chunk, a u16 array in column-major 3 x 2 chunks (zstd+for-bitpack)",
            layouts(),
        ),
    ]
}
