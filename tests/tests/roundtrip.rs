//! Whole-file property tests: random datasets, columns, encodings and page
//! sizes round-trip; random and mutated bytes never panic the reader.

use gcol_format::encoding::{ids, Encoding};
use gcol_format::PhysicalType;
use gcol_reader::{EvictionPolicy, PageCache, ReadOptions, Reader};
use gcol_tests::{build_demo, read_everything};
use gcol_writer::{ColumnSpec, DatasetSpec, WriteOptions, Writer};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Values {
    U64(Vec<u64>),
    I32(Vec<i32>),
    U8(Vec<u8>),
    F64(Vec<f64>),
    Binary(Vec<Vec<u8>>),
}

fn values() -> impl Strategy<Value = Values> {
    prop_oneof![
        prop::collection::vec(any::<u64>(), 0..400).prop_map(Values::U64),
        prop::collection::vec(0u64..1_000_000, 0..400).prop_map(|mut v| {
            v.sort();
            Values::U64(v)
        }),
        prop::collection::vec(any::<i32>(), 0..400).prop_map(Values::I32),
        prop::collection::vec(any::<u8>(), 0..400).prop_map(Values::U8),
        prop::collection::vec(any::<f64>(), 0..200).prop_map(Values::F64),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..30), 0..200)
            .prop_map(Values::Binary),
    ]
}

fn physical(v: &Values) -> PhysicalType {
    match v {
        Values::U64(_) => PhysicalType::U64,
        Values::I32(_) => PhysicalType::I32,
        Values::U8(_) => PhysicalType::U8,
        Values::F64(_) => PhysicalType::F64,
        Values::Binary(_) => PhysicalType::Binary,
    }
}

fn write_file(datasets: &[Vec<(Values, u16, usize)>]) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    let mut handles = Vec::new();
    for (d, columns) in datasets.iter().enumerate() {
        let ds = w
            .add_dataset(DatasetSpec::new(format!("d{d}"), "table"))
            .unwrap();
        for (c, (values, encoding_id, page_bytes)) in columns.iter().enumerate() {
            let p = physical(values);
            let mut encoding = Encoding::from_id(*encoding_id).unwrap();
            if !encoding.base.applies_to(p) {
                encoding = Encoding::PLAIN;
            }
            let h = w
                .add_column(
                    ds,
                    ColumnSpec::new(format!("c{c}"), p, "x")
                        .encoding(encoding)
                        .page_bytes(*page_bytes),
                )
                .unwrap();
            handles.push((h, values.clone()));
        }
    }
    // Interleave pushes across columns so pages of different columns mix in the file.
    let longest = handles.iter().map(|(_, v)| len(v)).max().unwrap_or(0);
    for i in 0..longest {
        for (h, v) in &handles {
            match v {
                Values::U64(x) if i < x.len() => w.push(*h, &x[i..i + 1]).unwrap(),
                Values::I32(x) if i < x.len() => w.push(*h, &x[i..i + 1]).unwrap(),
                Values::U8(x) if i < x.len() => w.push(*h, &x[i..i + 1]).unwrap(),
                Values::F64(x) if i < x.len() => w.push(*h, &x[i..i + 1]).unwrap(),
                Values::Binary(x) if i < x.len() => w.push_binary(*h, &x[i]).unwrap(),
                _ => {}
            }
        }
    }
    w.finish().unwrap()
}

fn len(v: &Values) -> usize {
    match v {
        Values::U64(x) => x.len(),
        Values::I32(x) => x.len(),
        Values::U8(x) => x.len(),
        Values::F64(x) => x.len(),
        Values::Binary(x) => x.len(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn whole_files_roundtrip(
        datasets in prop::collection::vec(
            prop::collection::vec((values(), prop::sample::select(ids::ALL.into_iter().filter(|&id| !ids::needs_primer(id)).collect::<Vec<_>>()), 1usize..600), 0..4),
            0..3,
        ),
        budget in 0u64..20_000,
        s3 in any::<bool>(),
    ) {
        let bytes = write_file(&datasets);
        let policy = if s3 { EvictionPolicy::S3Fifo } else { EvictionPolicy::Lru };
        let cache = PageCache::with_budget(budget, policy);
        let reader = Reader::from_bytes_with(bytes, ReadOptions::default().cache(cache.clone())).unwrap();
        reader.verify(|_, _| {}).unwrap();
        for (d, columns) in datasets.iter().enumerate() {
            for (c, (values, _, _)) in columns.iter().enumerate() {
                let column = reader.column(&format!("d{d}"), &format!("c{c}")).unwrap();
                let n = len(values) as u64;
                prop_assert_eq!(column.num_values(), n);
                match values {
                    Values::U64(x) => prop_assert_eq!(&column.read::<u64>(0..n).unwrap(), x),
                    Values::I32(x) => prop_assert_eq!(&column.read::<i32>(0..n).unwrap(), x),
                    Values::U8(x) => prop_assert_eq!(&column.read::<u8>(0..n).unwrap(), x),
                    Values::F64(x) => {
                        let got: Vec<u64> = column.read::<f64>(0..n).unwrap().iter().map(|f| f.to_bits()).collect();
                        let want: Vec<u64> = x.iter().map(|f| f.to_bits()).collect();
                        prop_assert_eq!(got, want);
                    }
                    Values::Binary(x) => {
                        let mut got = Vec::new();
                        column.for_each_binary(0..n, |_, v| got.push(v.to_vec())).unwrap();
                        prop_assert_eq!(&got, x);
                    }
                }
            }
        }
        prop_assert!(cache.metrics().bytes_resident <= budget);
    }

    #[test]
    fn random_bytes_into_open(bytes in prop::collection::vec(any::<u8>(), 0..2048), with_magic in any::<bool>()) {
        let mut bytes = bytes;
        if with_magic && bytes.len() >= 96 {
            // Give the random bytes both magics so open gets past the first check.
            bytes[0..8].copy_from_slice(&gcol_format::MAGIC);
            let n = bytes.len();
            bytes[n - 8..].copy_from_slice(&gcol_format::MAGIC);
        }
        if let Ok(reader) = Reader::from_bytes(bytes) {
            let _ = read_everything(&reader);
        }
    }

    #[test]
    fn mutated_valid_files_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = build_demo();
        for (at, value) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        if let Ok(reader) = Reader::from_bytes(bytes) {
            let _ = read_everything(&reader);
        }
    }
}
