//! Encode and decode throughput per encoding, on 1 MiB pages of sorted
//! positions (integer encodings) and chromosome names (dictionary).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gcol_benches::positions;
use gcol_format::encoding::{decode_page, encode_page, Encoding};
use gcol_format::values::BinaryBuilder;
use gcol_format::PhysicalType;

fn encodings(c: &mut Criterion) {
    let n = 131_072u32; // 1 MiB of u64
    let values = positions(u64::from(n));
    let ints: &[u8] = bytemuck::cast_slice(&values);
    let mut builder = BinaryBuilder::new();
    for i in 0..n {
        builder
            .push(["chr1", "chr2", "chr3", "chrX", "chrY"][(i / 30_000) as usize % 5].as_bytes());
    }
    let mut names = Vec::new();
    builder.finish_into(&mut names);

    let cases: Vec<(&str, Encoding, PhysicalType, &[u8])> = vec![
        ("plain", Encoding::PLAIN, PhysicalType::U64, ints),
        (
            "delta-varint",
            Encoding::delta_varint(),
            PhysicalType::U64,
            ints,
        ),
        (
            "for-bitpack",
            Encoding::for_bitpack(),
            PhysicalType::U64,
            ints,
        ),
        (
            "dictionary",
            Encoding::dictionary(),
            PhysicalType::Binary,
            &names,
        ),
        (
            "zstd3+plain",
            Encoding::PLAIN.with_zstd(3),
            PhysicalType::U64,
            ints,
        ),
        (
            "zstd3+delta-varint",
            Encoding::delta_varint().with_zstd(3),
            PhysicalType::U64,
            ints,
        ),
        (
            "zstd3+for-bitpack",
            Encoding::for_bitpack().with_zstd(3),
            PhysicalType::U64,
            ints,
        ),
        (
            "zstd3+dictionary",
            Encoding::dictionary().with_zstd(3),
            PhysicalType::Binary,
            &names,
        ),
    ];
    let mut encode = c.benchmark_group("encode");
    for (name, encoding, physical, decoded) in &cases {
        encode.throughput(Throughput::Bytes(decoded.len() as u64));
        encode.bench_with_input(BenchmarkId::from_parameter(name), decoded, |b, d| {
            b.iter(|| encode_page(*encoding, *physical, n, d).unwrap())
        });
    }
    encode.finish();
    let mut decode = c.benchmark_group("decode");
    for (name, encoding, physical, decoded) in &cases {
        let page = encode_page(*encoding, *physical, n, decoded).unwrap();
        eprintln!(
            "{name}: {} -> {} bytes ({:.2}x)",
            decoded.len(),
            page.stored.len(),
            decoded.len() as f64 / page.stored.len() as f64
        );
        decode.throughput(Throughput::Bytes(decoded.len() as u64));
        decode.bench_with_input(BenchmarkId::from_parameter(name), &page, |b, p| {
            b.iter(|| decode_page(p.encoding_id, *physical, n, p.decoded_len, &p.stored).unwrap())
        });
    }
    decode.finish();
}

criterion_group!(benches, encodings);
criterion_main!(benches);
