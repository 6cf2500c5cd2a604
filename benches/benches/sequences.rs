//! Sequence access and kernels (issue 4 goals): warm 1 kb and 1 Mb fetches,
//! first fetch after open, FASTA conversion throughput, and each SIMD kernel
//! against its scalar twin (the byte-at-a-time 256-entry-table baseline).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gcol_benches::{converted_fasta, shared_data};
use gcol_format::kernels::{self, scalar, Isa};
use gcol_reader::{EvictionPolicy, PageCache, ReadOptions, Reader};

use gcol_tests::Rng;

fn fetches(c: &mut Criterion) {
    let Some(path) = converted_fasta("fasta/human_hs37_chrX_first70Mb.fa.gz", "hs37_chrX") else {
        eprintln!("SKIPPED fetch benches: ../shared/data not found");
        return;
    };
    let cache = PageCache::with_budget(1 << 30, EvictionPolicy::Lru);
    let reader = Reader::open_with(&path, ReadOptions::default().cache(cache)).unwrap();
    let seqs = reader.sequences("hs37_chrX").unwrap();
    let len = seqs.length(0).unwrap();
    // Warm: touch every page once.
    let mut buf = Vec::new();
    seqs.fetch_record_into(0, 0..len, &mut buf).unwrap();
    let mut rng = Rng(42);
    let mut group = c.benchmark_group("fetch");
    group.bench_function("warm_1kb_random", |b| {
        b.iter(|| {
            let start = rng.next() % (len - 1000);
            buf.clear();
            seqs.fetch_record_into(0, start..start + 1000, &mut buf)
                .unwrap();
            buf.len()
        })
    });
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("warm_1Mb_random", |b| {
        b.iter(|| {
            let start = rng.next() % (len - 1_000_000);
            buf.clear();
            seqs.fetch_record_into(0, start..start + 1_000_000, &mut buf)
                .unwrap();
            buf.len()
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("open_then_first_1kb", |b| {
        b.iter_batched(
            || rng.next() % (len - 1000),
            |start| {
                let r = Reader::open(&path).unwrap();
                let s = r.sequences("hs37_chrX").unwrap();
                let mut out = Vec::new();
                s.fetch_into("X", start..start + 1000, &mut out).unwrap();
                // Closing (unmapping) is not part of the first fetch: the
                // reader is dropped after the timed section.
                (out, s, r)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// A plain copy of a gzipped file of the shared data, in the fixture dir.
fn plain_fixture(data: &std::path::Path, gz: &str, name: &str) -> std::path::PathBuf {
    let plain = gcol_benches::fixture_dir().join(name);
    if !plain.exists() {
        let out = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(data.join(gz))
            .output()
            .unwrap();
        std::fs::write(&plain, out.stdout).unwrap();
    }
    plain
}

fn conversion(c: &mut Criterion) {
    let Some(data) = shared_data() else { return };
    let fasta = plain_fixture(&data, "fasta/scerevisiae_S288C_R64_16chr.fa.gz", "yeast.fa");
    let fastq = plain_fixture(&data, "fastq/CHM1_illumina_42k.fastq.gz", "chm1_42k.fq");
    let mut group = c.benchmark_group("convert");
    group.sample_size(10);
    let to_vec = |import: &dyn Fn(&mut gcol_writer::Writer<Vec<u8>>)| {
        let mut w =
            gcol_writer::Writer::new(Vec::new(), gcol_writer::WriteOptions::default()).unwrap();
        import(&mut w);
        w.finish().unwrap().len()
    };
    group.throughput(Throughput::Bytes(fasta.metadata().unwrap().len()));
    group.bench_function("yeast_fasta_to_vec", |b| {
        b.iter(|| {
            to_vec(&|w| {
                gcol_import::import_fasta(
                    w,
                    &fasta,
                    &gcol_import::FastaOptions::new("yeast"),
                    &gcol_import::no_progress,
                )
                .unwrap();
            })
        })
    });
    // Names, qualities and bases pages all encode in the background.
    group.throughput(Throughput::Bytes(fastq.metadata().unwrap().len()));
    group.bench_function("illumina_42k_fastq_to_vec", |b| {
        b.iter(|| {
            to_vec(&|w| {
                gcol_import::import_fastq(
                    w,
                    &[fastq.as_path()],
                    &gcol_import::FastqOptions::new("reads"),
                    &gcol_import::no_progress,
                )
                .unwrap();
            })
        })
    });
    group.finish();
}

fn random_packed(bytes: usize) -> Vec<u8> {
    let mut rng = Rng(7);
    (0..bytes).map(|_| rng.next() as u8).collect()
}

fn kernels_bench(c: &mut Criterion) {
    eprintln!("kernels: best ISA on this CPU = {:?}", kernels::detected());
    for (label, packed_bytes) in [
        ("in_cache_256KiB", 256 << 10),
        ("from_memory_64MiB", 64 << 20),
    ] {
        let packed = random_packed(packed_bytes);
        let bases = packed_bytes * 4;
        let mut out = Vec::with_capacity(bases);
        let mut group = c.benchmark_group(format!("decode_2bit/{label}"));
        group.throughput(Throughput::Elements(bases as u64));
        group.bench_function("scalar_table", |b| {
            b.iter(|| {
                out.clear();
                scalar::decode_2bit(&packed, 0, bases, false, &mut out);
            })
        });
        for isa in [Isa::Avx2, Isa::Avx512] {
            if kernels::detected() >= isa {
                group.bench_function(format!("{isa:?}"), |b| {
                    b.iter(|| {
                        out.clear();
                        kernels::decode_2bit_with(isa, &packed, 0, bases, false, &mut out);
                    })
                });
            }
        }
        group.finish();

        let mut group = c.benchmark_group(format!("gc_counts/{label}"));
        group.throughput(Throughput::Elements(bases as u64));
        group.bench_function("scalar_table", |b| {
            b.iter(|| scalar::count_2bit(&packed, 0, bases))
        });
        group.bench_function("popcount", |b| {
            b.iter(|| kernels::count_2bit_with(Isa::Avx2, &packed, 0, bases))
        });
        group.finish();
    }
    let mut ascii = Vec::new();
    scalar::decode_2bit(&random_packed(1 << 20), 0, 4 << 20, false, &mut ascii);
    let mut group = c.benchmark_group("revcomp_4Mb");
    group.throughput(Throughput::Elements(ascii.len() as u64));
    let mut work = ascii.clone();
    group.bench_function("scalar_table", |b| {
        b.iter(|| scalar::reverse_complement(&mut work))
    });
    group.bench_function("Avx2", |b| {
        b.iter(|| kernels::reverse_complement_with(Isa::Avx2, &mut work))
    });
    group.finish();
    // ASCII -> 2-bit packing (import): the scalar twin compares each byte
    // with the four symbols; the kernels check and pack 32/64 bytes at once.
    let mut group = c.benchmark_group("pack_2bit_4Mb");
    group.throughput(Throughput::Elements(ascii.len() as u64));
    let mut packed_out = Vec::with_capacity(ascii.len() / 4 + 64);
    group.bench_function("scalar_twin", |b| {
        b.iter(|| {
            packed_out.clear();
            scalar::pack_2bit(&ascii, b"ACGT", &mut packed_out)
        })
    });
    for isa in [Isa::Scalar, Isa::Avx2, Isa::Avx512] {
        if kernels::detected() >= isa {
            let table = kernels::PackTable::with_isa(isa, b"ACGT");
            group.bench_function(format!("table_{isa:?}"), |b| {
                b.iter(|| {
                    packed_out.clear();
                    table.pack(&ascii, &mut packed_out)
                })
            });
        }
    }
    group.finish();
    let mut group = c.benchmark_group("motif_4Mb");
    group.throughput(Throughput::Elements(ascii.len() as u64));
    group.bench_function("scalar_naive", |b| {
        b.iter(|| scalar::find_motif(&ascii, b"GAATTC").len())
    });
    group.bench_function("memmem_simd", |b| {
        b.iter(|| kernels::find_motif(&ascii, b"GAATTC").len())
    });
    group.finish();
    if let Some(path) = converted_fasta("fasta/scerevisiae_S288C_R64_16chr.fa.gz", "yeast") {
        let reader = Reader::open(&path).unwrap();
        let seqs = reader.sequences("yeast").unwrap();
        let total: u64 = seqs.lengths().unwrap().iter().sum();
        let mut group = c.benchmark_group("kmers_yeast");
        group.sample_size(10);
        group.throughput(Throughput::Elements(total));
        group.bench_function("k21_canonical_parallel", |b| {
            b.iter(|| seqs.kmer_counts(21, true).unwrap().len())
        });
        group.finish();
    }
}

criterion_group!(benches, fetches, conversion, kernels_bench);
criterion_main!(benches);
