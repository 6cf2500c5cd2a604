//! Golden files: the writer must reproduce every committed file byte for
//! byte, and the reader must decode them to the known inputs.
//! Regenerate (only with a spec change): `GCOL_REGENERATE=1 cargo test -p gcol-tests --test golden`.

use gcol_reader::Reader;
use gcol_tests::{data_dir, golden_files, write_file};
use gcol_writer::demo::{demo_rows, DEMO_ROWS};

#[test]
fn writer_reproduces_golden_files() {
    let regenerate = std::env::var_os("GCOL_REGENERATE").is_some();
    for (name, build) in golden_files() {
        let path = data_dir().join("golden").join(name);
        let bytes = build();
        if regenerate {
            write_file(&path, &bytes);
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            committed == bytes,
            "{name}: the writer's output differs from the committed golden file; a change to bytes on disk needs a spec change and GCOL_REGENERATE=1"
        );
    }
}

#[test]
fn demo_decodes_to_its_inputs() {
    let reader = Reader::open(data_dir().join("golden/demo.gcol")).unwrap();
    reader.verify(|_, _| {}).unwrap();
    let features = "features";
    let start: Vec<u64> = reader
        .column(features, "start")
        .unwrap()
        .read(0..DEMO_ROWS)
        .unwrap();
    let end: Vec<u64> = reader
        .column(features, "end")
        .unwrap()
        .read(0..DEMO_ROWS)
        .unwrap();
    let strand: Vec<i8> = reader
        .column(features, "strand")
        .unwrap()
        .read(0..DEMO_ROWS)
        .unwrap();
    let score: Vec<f32> = reader
        .column(features, "score")
        .unwrap()
        .read(0..DEMO_ROWS)
        .unwrap();
    let score_z: Vec<f32> = reader
        .column(features, "score_zstd")
        .unwrap()
        .read(0..DEMO_ROWS)
        .unwrap();
    let length: Vec<u32> = reader
        .column(features, "length")
        .unwrap()
        .read(0..DEMO_ROWS)
        .unwrap();
    let mut names = Vec::new();
    reader
        .column(features, "name")
        .unwrap()
        .for_each_binary(0..DEMO_ROWS, |_, v| {
            names.push(String::from_utf8(v.to_vec()).unwrap())
        })
        .unwrap();
    let mut chroms = Vec::new();
    reader
        .column(features, "chrom_zstd")
        .unwrap()
        .for_each_binary(0..DEMO_ROWS, |_, v| {
            chroms.push(String::from_utf8(v.to_vec()).unwrap())
        })
        .unwrap();
    for (i, (c, s, e, st, sc, n)) in demo_rows().enumerate() {
        assert_eq!(
            (start[i], end[i], strand[i], length[i]),
            (s, e, st, (e - s) as u32),
            "row {i}"
        );
        assert_eq!(score[i].to_bits(), sc.to_bits());
        assert_eq!(score_z[i].to_bits(), sc.to_bits());
        assert_eq!(names[i], n);
        assert_eq!(chroms[i], c);
        assert_eq!(
            &reader
                .column(features, "chrom")
                .unwrap()
                .binary(i as u64)
                .unwrap()[..],
            c.as_bytes()
        );
    }
    let extremes = |name: &str| reader.column("extremes", name).unwrap();
    assert_eq!(
        extremes("u64").read::<u64>(0..5).unwrap(),
        [0, u64::MAX, 0, u64::MAX, 0]
    );
    assert_eq!(
        extremes("i64").read::<i64>(0..5).unwrap(),
        [i64::MIN, i64::MAX, 0, i64::MAX, i64::MIN]
    );
    assert_eq!(
        extremes("i8").read::<i8>(0..5).unwrap(),
        [i8::MIN, i8::MAX, 0, i8::MAX, i8::MIN]
    );
    assert_eq!(
        extremes("u16").read::<u16>(0..5).unwrap(),
        [0, u16::MAX, 0, u16::MAX, 0]
    );
    assert_eq!(
        extremes("f64").read::<f64>(0..5).unwrap(),
        [f64::MIN, f64::MAX, 0.0, f64::MAX, f64::MIN]
    );
    assert_eq!(extremes("empty").num_values(), 0);
    assert_eq!(extremes("empty").num_pages(), 0);
    assert_eq!(&extremes("blobs").binary(1).unwrap()[..], b"\x00\xff");
    let encodings: std::collections::BTreeSet<u16> = reader
        .manifest()
        .columns()
        .flat_map(|(_, c)| c.encodings.clone())
        .collect();
    // The demo is a 1.1 file: every id of the 1.0/1.1 registry.
    let ids = gcol_format::encoding::ids::ALL;
    assert_eq!(
        encodings.into_iter().collect::<Vec<_>>(),
        ids.into_iter()
            .filter(|&id| gcol_format::encoding::ids::minor_of(id) <= 1)
            .collect::<Vec<_>>()
    );
}

#[test]
fn tiny_matches_hand_computed_bytes() {
    // spec/test-vectors.md walks through this file byte by byte.
    let bytes = std::fs::read(data_dir().join("golden/tiny.gcol")).unwrap();
    assert_eq!(&bytes[0..8], b"\x89GCOL\r\n\x1a");
    assert_eq!(&bytes[8..12], &[1, 0, 0, 0]); // major 1, minor 0
    assert_eq!(&bytes[64..67], &[0x0A, 0x04, 0x01]); // delta-varint of 5, 7, 6
    assert!(bytes[67..128].iter().all(|&b| b == 0)); // padding to 64
                                                     // Directory entry 0 at 128: offset 64, first row 0, stored 3, decoded 12, 3 values.
    assert_eq!(&bytes[128..136], &64u64.to_le_bytes());
    assert_eq!(&bytes[144..148], &3u32.to_le_bytes());
    assert_eq!(&bytes[148..152], &12u32.to_le_bytes());
    assert_eq!(&bytes[152..156], &3u32.to_le_bytes());
    assert_eq!(&bytes[164..166], &1u16.to_le_bytes());
    assert_eq!(&bytes[bytes.len() - 8..], b"\x89GCOL\r\n\x1a");
    let reader = Reader::from_bytes(bytes).unwrap();
    assert_eq!(
        reader.column("t", "x").unwrap().read::<u32>(0..3).unwrap(),
        [5, 7, 6]
    );
}

#[test]
fn spec_hex_dumps_match_golden_files() {
    // The hex dumps in spec/test-vectors.md are of tiny.gcol and empty.gcol.
    let spec =
        std::fs::read_to_string(gcol_tests::crate_dir().join("../spec/test-vectors.md")).unwrap();
    for name in ["tiny.gcol", "empty.gcol"] {
        let bytes = std::fs::read(data_dir().join("golden").join(name)).unwrap();
        let marker = format!("<!-- hexdump {name} -->");
        let start = spec
            .find(&marker)
            .unwrap_or_else(|| panic!("no hex dump of {name} in the spec"))
            + marker.len();
        let block = &spec[start..];
        let block = &block[block.find("```").unwrap() + 3..];
        let block = &block[block.find('\n').unwrap() + 1..block.find("\n```").unwrap()];
        let mut parsed = Vec::new();
        for line in block.lines().filter(|l| l.len() > 10) {
            // `00000000  89 47 ...  |ascii|`
            let hex = &line[10..line
                .find('|')
                .map(|i| i.min(59))
                .unwrap_or(line.len().min(59))];
            parsed.extend(
                hex.split_whitespace()
                    .map(|h| u8::from_str_radix(h, 16).unwrap()),
            );
        }
        assert_eq!(parsed, bytes, "spec hex dump of {name} is stale");
    }
}
