//! Format 1.1 value layouts end to end (spec 6.5-6.7): random nullable
//! values, lists and chunked arrays written, read back and verified;
//! versions; corrupt files caught only by the layout rules.

use gcol_format::manifest::ChunkOrder;
use gcol_format::{encoding::Encoding, PhysicalType};
use gcol_reader::{Error, Reader};
use gcol_tests::{fix_checksums, golden_options, Layout};
use gcol_writer::{ColumnSpec, DatasetSpec, Writer};
use proptest::prelude::*;

fn writer() -> Writer<Vec<u8>> {
    Writer::new(Vec::new(), golden_options()).unwrap()
}

fn encodings() -> impl Strategy<Value = Encoding> {
    prop::sample::select(vec![
        Encoding::PLAIN,
        Encoding::delta_varint(),
        Encoding::for_bitpack().with_zstd(1),
        Encoding::varint(),
        Encoding::PLAIN.with_zstd(1),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn nullable_values_roundtrip(
        cells in prop::collection::vec(prop::option::weighted(0.6, any::<i32>()), 0..400),
        page_values in 1usize..40,
        encoding in encodings(),
        strings in prop::collection::vec(prop::option::of("[a-z]{0,6}"), 0..200),
    ) {
        let mut w = writer();
        let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
        let c = w.add_column(d, ColumnSpec::new("x", PhysicalType::I32, "int32")
            .nullable().encoding(encoding).page_bytes(4 * page_values)).unwrap();
        let s = w.add_column(d, ColumnSpec::new("s", PhysicalType::Binary, "utf8")
            .nullable().encoding(Encoding::dictionary()).page_bytes(64)).unwrap();
        // Values go in by every push form.
        let (a, b) = cells.split_at(cells.len() / 2);
        w.push_option(c, a).unwrap();
        for v in b {
            match v {
                Some(v) => w.push(c, &[*v]).unwrap(),
                None => w.push_nulls(c, 1).unwrap(),
            }
        }
        for v in &strings {
            w.push_binary_option(s, v.as_deref().map(str::as_bytes)).unwrap();
        }
        let bytes = w.finish().unwrap();
        let reader = Reader::from_bytes(bytes).unwrap();
        let uses_1_1 = true;
        prop_assert_eq!(reader.version(), (1, u16::from(uses_1_1)));
        reader.verify(|_, _| {}).unwrap();
        let col = reader.column("t", "x").unwrap();
        prop_assert_eq!(col.read_option::<i32>(0..cells.len() as u64).unwrap(), cells.clone());
        let nulls = cells.iter().filter(|v| v.is_none()).count() as u64;
        prop_assert_eq!(col.null_count(0..cells.len() as u64).unwrap(), nulls);
        // Null slots read as zero through the plain API.
        let plain = col.read::<i32>(0..cells.len() as u64).unwrap();
        prop_assert_eq!(plain, cells.iter().map(|v| v.unwrap_or(0)).collect::<Vec<_>>());
        // Sub-ranges agree.
        if cells.len() > 3 {
            let r = 1..cells.len() as u64 - 1;
            prop_assert_eq!(col.read_option::<i32>(r.clone()).unwrap(), cells[1..cells.len() - 1].to_vec());
        }
        let mut got = Vec::new();
        reader.column("t", "s").unwrap()
            .for_each_binary_option(0..strings.len() as u64, |_, v| got.push(v.map(|v| String::from_utf8(v.to_vec()).unwrap())))
            .unwrap();
        prop_assert_eq!(got, strings);
    }

    #[test]
    fn lists_roundtrip(
        rows in prop::collection::vec(prop::option::weighted(0.7, prop::collection::vec(prop::option::weighted(0.8, any::<u16>()), 0..5)), 0..300),
        page_values in 1usize..16,
    ) {
        let mut w = writer();
        let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
        let list = w.add_column(d, ColumnSpec::new("l", PhysicalType::U64, "list<uint16>")
            .nullable().list("l.item").encoding(Encoding::delta_varint()).page_bytes(8 * page_values)).unwrap();
        let item = w.add_column(d, ColumnSpec::new("l.item", PhysicalType::U16, "uint16")
            .nullable().page_bytes(2 * page_values)).unwrap();
        for row in &rows {
            match row {
                Some(items) => {
                    w.push_option(item, items).unwrap();
                    w.end_list(list).unwrap();
                }
                None => w.end_list_null(list).unwrap(),
            }
        }
        let bytes = w.finish().unwrap();
        let reader = Reader::from_bytes(bytes).unwrap();
        reader.verify(|_, _| {}).unwrap();
        let col = reader.column("t", "l").unwrap();
        let n = rows.len() as u64;
        let offsets = col.list_offsets(0..n).unwrap();
        let child = col.list_child().unwrap();
        let items = child.read_option::<u16>(0..child.num_values()).unwrap();
        let present = col.read_validity(0..n).unwrap();
        let got: Vec<Option<Vec<Option<u16>>>> = offsets.windows(2).zip(present)
            .map(|(o, p)| p.then(|| items[o[0] as usize..o[1] as usize].to_vec()))
            .collect();
        prop_assert_eq!(&got, &rows);
        // A window of rows, starting inside a run of null pages.
        if n > 2 {
            let from = n / 2;
            let sub = col.list_offsets(from..n).unwrap();
            prop_assert_eq!(&sub[..], &offsets[from as usize..]);
        }
    }

    #[test]
    fn chunked_arrays_roundtrip(
        rows in 0u64..23, columns in 1u64..9, inner in 1u64..4,
        chunk_rows in 1u64..7, chunk_columns in 1u64..6,
        column_major in any::<bool>(), seed in any::<u64>(),
        encoding in encodings(),
    ) {
        let order = if column_major { ChunkOrder::ColumnMajor } else { ChunkOrder::RowMajor };
        let total = (rows * columns * inner) as usize;
        let mut rng = gcol_tests::Rng(seed | 1);
        let mut next = || rng.next();
        let values: Vec<i16> = (0..total).map(|_| (next() % 7) as i16 - 3).collect();
        let present: Vec<bool> = (0..total).map(|_| next() % 5 != 0).collect();
        let values: Vec<i16> = values.iter().zip(&present).map(|(v, p)| if *p { *v } else { 0 }).collect();
        let mut w = writer();
        let d = w.add_dataset(DatasetSpec::new("g", "table")).unwrap();
        let c = w.add_column(d, ColumnSpec::new("gt", PhysicalType::I16, "genotype")
            .nullable().encoding(encoding).chunked(columns, inner, chunk_rows, chunk_columns, order)).unwrap();
        // Rows arrive in uneven batches.
        let row_len = (columns * inner) as usize;
        let mut at = 0usize;
        let mut batch = 1usize;
        while at < total {
            let end = (at + batch * row_len).min(total);
            w.push_rows(c, &values[at..end], Some(&present[at..end])).unwrap();
            at = end;
            batch = batch % 4 + 1;
        }
        let bytes = w.finish().unwrap();
        let reader = Reader::from_bytes(bytes).unwrap();
        reader.verify(|_, _| {}).unwrap();
        let col = reader.column("g", "gt").unwrap();
        let grid = col.chunk_grid().unwrap();
        prop_assert_eq!(grid.shape, [rows, columns, inner]);
        let (got, got_present) = col.read_block::<i16>(0..rows, 0..columns).unwrap();
        prop_assert_eq!(&got, &values);
        prop_assert_eq!(&got_present, &present);
        // A block touching chunk edges.
        if rows > 2 && columns > 1 {
            let (r, k) = (1..rows - 1, 1..columns);
            let (block, block_present) = col.read_block::<i16>(r.clone(), k.clone()).unwrap();
            let mut want = Vec::new();
            let mut want_present = Vec::new();
            for row in r {
                for column in k.clone() {
                    let at = ((row * columns + column) * inner) as usize;
                    want.extend_from_slice(&values[at..at + inner as usize]);
                    want_present.extend_from_slice(&present[at..at + inner as usize]);
                }
            }
            prop_assert_eq!(block, want);
            prop_assert_eq!(block_present, want_present);
        }
    }
}

/// Reading one chunk decodes only its page: the cache sees one miss.
#[test]
fn one_chunk_decodes_one_page() {
    let mut w = writer();
    let d = w.add_dataset(DatasetSpec::new("g", "table")).unwrap();
    let c = w
        .add_column(
            d,
            ColumnSpec::new("gt", PhysicalType::I8, "genotype").chunked(
                1000,
                2,
                100,
                100,
                ChunkOrder::ColumnMajor,
            ),
        )
        .unwrap();
    let row: Vec<i8> = (0..2000).map(|i| (i % 3) as i8).collect();
    for _ in 0..1000 {
        w.push_rows(c, &row, None).unwrap();
    }
    let reader = gcol_tests::reader_with_own_cache(w.finish().unwrap());
    let col = reader.column("g", "gt").unwrap();
    assert_eq!(col.num_pages(), 100);
    let before = reader.cache().metrics();
    let (block, _) = col.read_block::<i8>(350..360, 420..430).unwrap();
    assert_eq!(block.len(), 10 * 10 * 2);
    let after = reader.cache().metrics();
    assert_eq!(after.misses - before.misses, 1, "one chunk, one page");
}

#[test]
fn files_without_1_1_features_stay_1_0() {
    let mut w = writer();
    let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
    let c = w
        .add_column(d, ColumnSpec::new("x", PhysicalType::U8, "uint8"))
        .unwrap();
    w.push(c, &[1u8, 2]).unwrap();
    let bytes = w.finish().unwrap();
    assert_eq!(Reader::from_bytes(bytes).unwrap().version(), (1, 0));
}

#[test]
fn misuse_is_refused() {
    let mut w = writer();
    let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
    let plain = w
        .add_column(d, ColumnSpec::new("x", PhysicalType::U8, "uint8"))
        .unwrap();
    assert!(matches!(
        w.push_option(plain, &[None::<u8>]),
        Err(gcol_writer::Error::Layout { .. })
    ));
    assert!(w.end_list(plain).is_err());
    let list = w
        .add_column(
            d,
            ColumnSpec::new("l", PhysicalType::U64, "list").list("l.item"),
        )
        .unwrap();
    let item = w
        .add_column(d, ColumnSpec::new("l.item", PhysicalType::U8, "uint8"))
        .unwrap();
    w.push(item, &[1u8]).unwrap();
    // A null list with items, on a list that is not nullable either.
    assert!(w.end_list_null(list).is_err());
    w.push(plain, &[3u8]).unwrap();
    // Child values after the last end_list: refused at finish.
    assert!(matches!(w.finish(), Err(gcol_writer::Error::Layout { .. })));
    // Chunked columns take whole rows only.
    let mut w = writer();
    let d = w.add_dataset(DatasetSpec::new("g", "table")).unwrap();
    let c = w
        .add_column(
            d,
            ColumnSpec::new("gt", PhysicalType::I8, "genotype").chunked(
                3,
                2,
                2,
                2,
                ChunkOrder::RowMajor,
            ),
        )
        .unwrap();
    assert!(w.push_rows(c, &[0i8; 5], None).is_err());
    assert!(w.push(c, &[0i8; 6]).is_err());
    assert!(w.push_rows(c, &[0i8; 6], Some(&[false; 6])).is_err());
    // 1.1 columns after the header went out as 1.0.
    let mut w = writer();
    let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
    let c = w
        .add_column(
            d,
            ColumnSpec::new("x", PhysicalType::U8, "uint8").page_bytes(1),
        )
        .unwrap();
    w.push(c, &[1u8, 2, 3]).unwrap();
    w.write_pending().unwrap();
    assert!(w
        .add_column(
            d,
            ColumnSpec::new("y", PhysicalType::U8, "uint8").nullable()
        )
        .is_err());
}

/// The conformance file with one byte changed and every checksum fixed, so
/// only the layout rules can catch it.
fn edited(edit: impl FnOnce(&mut Vec<u8>, &Layout)) -> Result<(), Error> {
    let mut bytes = gcol_tests::conformance::layouts();
    let layout = Layout::of(&bytes);
    edit(&mut bytes, &layout);
    fix_checksums(&mut bytes);
    let reader = Reader::from_bytes(bytes)?;
    gcol_tests::read_everything(&reader)
}

fn entry_flags(bytes: &mut [u8], layout: &Layout, page: usize, flags: u16) {
    let at = layout.entry(page) + 38;
    bytes[at..at + 2].copy_from_slice(&flags.to_le_bytes());
}

fn header_minor(bytes: &mut [u8], minor: u16) {
    bytes[10..12].copy_from_slice(&minor.to_le_bytes());
    let crc = gcol_format::crc::crc32c(&bytes[..60]);
    bytes[60..64].copy_from_slice(&crc.to_le_bytes());
    let tail = bytes.len() - 32;
    bytes[tail + 22..tail + 24].copy_from_slice(&minor.to_le_bytes());
}

#[test]
fn layout_rules_catch_damage_behind_valid_checksums() {
    assert!(edited(|_, _| {}).is_ok());
    // Page 3 is depth's first page: an unknown flag bit is corruption in a
    // 1.1 file, unsupported in a file newer than this reader.
    let unknown = edited(|b, l| entry_flags(b, l, 3, 0x0003)).unwrap_err();
    assert!(
        matches!(unknown, Error::InvalidEntry { field: "flags", .. }),
        "{unknown}"
    );
    let newer = edited(|b, l| {
        entry_flags(b, l, 3, 0x0003);
        header_minor(b, gcol_format::MINOR_VERSION + 1);
    })
    .unwrap_err();
    assert!(matches!(newer, Error::Unsupported { .. }), "{newer}");
    // The validity flag on a column that is not nullable (dp's first page,
    // the last column's first page).
    let reader = Reader::from_bytes(gcol_tests::conformance::layouts()).unwrap();
    let dp = reader.column("calls", "dp").unwrap().meta().first_page as usize;
    let wrong = edited(|b, l| entry_flags(b, l, dp, 0x0001)).unwrap_err();
    assert!(
        matches!(wrong, Error::InvalidEntry { field: "flags", .. }),
        "{wrong}"
    );
    // A chunk page that claims one value fewer (and the next one more).
    let first_row = |b: &mut Vec<u8>, l: &Layout, page: usize, delta: i64| {
        let at = l.entry(page);
        let n = u32::from_le_bytes(b[at + 24..at + 28].try_into().unwrap());
        b[at + 24..at + 28].copy_from_slice(&((n as i64 + delta) as u32).to_le_bytes());
    };
    let chunk = edited(|b, l| {
        first_row(b, l, dp, -1);
        let at = l.entry(dp + 1);
        let r = u64::from_le_bytes(b[at + 8..at + 16].try_into().unwrap());
        b[at + 8..at + 16].copy_from_slice(&(r - 1).to_le_bytes());
        first_row(b, l, dp + 1, 1);
    })
    .unwrap_err();
    assert!(
        chunk.to_string().contains("number of values") || chunk.to_string().contains("decoded"),
        "{chunk}"
    );
}

/// The small-file layout (spec 2.5, 5.4): tiny columns inline in the
/// footer, read through every API like directory pages.
#[test]
fn inline_pages_read_like_directory_pages() {
    let options = gcol_writer::WriteOptions {
        compact: true,
        ..golden_options()
    };
    let mut w = Writer::new(Vec::new(), options).unwrap();
    let d = w.add_dataset(DatasetSpec::new("t", "table")).unwrap();
    let small = w
        .add_column(
            d,
            ColumnSpec::new("small", PhysicalType::I32, "int32").nullable(),
        )
        .unwrap();
    w.push_option(small, &[Some(1i32), None, Some(3)]).unwrap();
    let name = w
        .add_column(d, ColumnSpec::new("name", PhysicalType::Binary, "utf8"))
        .unwrap();
    w.push_binary(name, b"chr1").unwrap();
    let many = w
        .add_column(
            d,
            ColumnSpec::new("many", PhysicalType::U16, "uint16").page_bytes(8),
        )
        .unwrap();
    w.push(many, &(0..20u16).collect::<Vec<_>>()).unwrap();
    let bytes = w.finish().unwrap();
    let reader = gcol_tests::reader_with_own_cache(bytes.clone());
    assert_eq!(reader.version(), (1, 1));
    assert_eq!(reader.num_pages(), 5, "only `many` has directory pages");
    let report = reader.verify(|_, _| {}).unwrap();
    assert_eq!(report.pages, 7);
    let col = reader.column("t", "small").unwrap();
    assert!(col.meta().inline.is_some());
    assert_eq!(col.num_pages(), 1);
    assert_eq!(
        col.read_option::<i32>(0..3).unwrap(),
        [Some(1), None, Some(3)]
    );
    assert_eq!(col.read_option::<i32>(1..3).unwrap(), [None, Some(3)]);
    let pinned = col.pin_page(0).unwrap();
    assert_eq!(pinned.num_values(), 3);
    assert_eq!(
        &reader.column("t", "name").unwrap().binary(0).unwrap()[..],
        b"chr1"
    );
    assert_eq!(
        reader
            .column("t", "many")
            .unwrap()
            .read::<u16>(0..20)
            .unwrap(),
        (0..20u16).collect::<Vec<_>>()
    );
    // The cache serves the inline page the second time.
    let before = reader.cache().metrics().misses;
    col.read::<i32>(0..3).unwrap();
    assert_eq!(reader.cache().metrics().misses, before);
    // A damaged inline length (checksums fixed): refused at open.
    let mut bad = bytes;
    let layout = Layout::of(&bad);
    let at = layout.footer_offset + 40;
    bad[at..at + 8].copy_from_slice(&9999u64.to_le_bytes());
    fix_checksums(&mut bad);
    let e = Reader::from_bytes(bad).unwrap_err().to_string();
    assert!(e.contains("inline length"), "{e}");
}
