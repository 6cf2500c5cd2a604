//! Spec 6.8: every layout is an Arrow layout. Arrow (arrow-rs, an
//! independent implementation) validates the arrays built from pages, and
//! plain pages of a mapped file become Arrow buffers without a copy.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int8Type, UInt16Type};
use arrow_array::{Array, LargeListArray};
use arrow_schema::{DataType, Field};
use gcol_reader::Reader;

fn mapped_layouts() -> (tempfile::TempDir, Reader) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layouts.gcol");
    std::fs::write(&path, gcol_tests::conformance::layouts()).unwrap();
    let reader = Reader::open(&path).unwrap();
    (dir, reader)
}

#[test]
fn plain_pages_are_arrow_arrays_without_a_copy() {
    let (_dir, reader) = mapped_layouts();
    let whole = reader.bytes().unwrap();
    let file = whole.as_ptr_range();
    let col = reader.column("sites", "qual").unwrap();
    let expected = col.read_option::<f32>(0..col.num_values()).unwrap();
    let mut row = 0usize;
    for index in 0..col.num_pages() {
        let page = col.page(index).unwrap();
        let array = page.to_arrow().unwrap();
        array.to_data().validate_full().unwrap();
        let floats = array.as_primitive::<Float32Type>();
        for i in 0..floats.len() {
            let got = floats.is_valid(i).then(|| floats.value(i));
            assert_eq!(got, expected[row + i], "row {}", row + i);
        }
        // The values are the mapped file's bytes (a plain page, 6.5); a
        // page of nulls stores none, so its zeros are made when read.
        if page.null_count() < page.num_values() {
            let values = floats.values().inner().as_ptr();
            assert!(file.contains(&values), "page {index} was copied");
            if let Some(nulls) = floats.nulls() {
                assert!(file.contains(&nulls.buffer().as_ptr()), "bitmap copied");
            }
        }
        row += floats.len();
    }
    assert_eq!(row, expected.len());
}

#[test]
fn binary_pages_with_nulls_are_arrow_binary() {
    let (_dir, reader) = mapped_layouts();
    let col = reader.column("sites", "id").unwrap();
    let page = col.page(0).unwrap();
    let array = page.to_arrow().unwrap();
    array.to_data().validate_full().unwrap();
    assert_eq!(array.data_type(), &DataType::Binary);
    let mut expected = Vec::new();
    col.for_each_binary_option(0..col.num_values(), |_, v| {
        expected.push(v.map(<[u8]>::to_vec))
    })
    .unwrap();
    let binary = array.as_binary::<i32>();
    let got: Vec<Option<Vec<u8>>> = binary.iter().map(|v| v.map(<[u8]>::to_vec)).collect();
    assert_eq!(got, expected);
    assert_eq!(binary.null_count(), 5);
}

#[test]
fn list_columns_are_large_lists() {
    let (_dir, reader) = mapped_layouts();
    let col = reader.column("sites", "ac").unwrap();
    let n = col.num_values();
    let offsets: Vec<i64> = col
        .list_offsets(0..n)
        .unwrap()
        .into_iter()
        .map(|o| o as i64)
        .collect();
    let child = col.list_child().unwrap();
    assert_eq!(child.num_pages(), 1);
    let items = child.page(0).unwrap().to_arrow().unwrap();
    let list = LargeListArray::try_new(
        Arc::new(Field::new("item", DataType::Int32, true)),
        arrow_buffer::OffsetBuffer::new(offsets.into()),
        items,
        None,
    )
    .unwrap();
    list.to_data().validate_full().unwrap();
    let lists = col.read_lists::<i32>(0..n).unwrap();
    let child_values = child.read_option::<i32>(0..child.num_values()).unwrap();
    for (row, want) in lists.iter().enumerate() {
        let got = list.value(row);
        let got = got.as_primitive::<arrow_array::types::Int32Type>();
        assert_eq!(got.len(), want.as_ref().unwrap().len());
        let start = list.value_offsets()[row] as usize;
        for i in 0..got.len() {
            assert_eq!(
                got.is_valid(i).then(|| got.value(i)),
                child_values[start + i]
            );
        }
    }
}

#[test]
fn chunks_are_fixed_size_lists_of_cells() {
    let (_dir, reader) = mapped_layouts();
    // Row-major genotypes with nulls: shared as stored.
    let gt = reader.column("calls", "gt").unwrap();
    let grid = gt.chunk_grid().unwrap();
    for i in 0..grid.row_chunks {
        for j in 0..grid.column_chunks {
            let array = gt.chunk_to_arrow(i, j).unwrap();
            array.to_data().validate_full().unwrap();
            let rows = grid.rows_in(i);
            let cols = grid.columns_in(j);
            let (values, present) = gt.read_block::<i8>(rows.clone(), cols.clone()).unwrap();
            let rows_list = array.as_fixed_size_list();
            assert_eq!(rows_list.len() as u64, rows.end - rows.start);
            let cells = rows_list.values().as_fixed_size_list();
            let flat = cells.values().as_primitive::<Int8Type>();
            for (at, (v, p)) in values.iter().zip(&present).enumerate() {
                assert_eq!(flat.is_valid(at), *p, "chunk {i},{j} value {at}");
                if *p {
                    assert_eq!(flat.value(at), *v);
                }
            }
        }
    }
    // Column-major depths: reordered into rows.
    let dp = reader.column("calls", "dp").unwrap();
    let array = dp.chunk_to_arrow(1, 0).unwrap();
    array.to_data().validate_full().unwrap();
    let grid = dp.chunk_grid().unwrap();
    let (values, _) = dp
        .read_block::<u16>(grid.rows_in(1), grid.columns_in(0))
        .unwrap();
    let flat = array
        .as_fixed_size_list()
        .values()
        .as_fixed_size_list()
        .values()
        .as_primitive::<UInt16Type>()
        .values()
        .to_vec();
    assert_eq!(flat, values);
}
