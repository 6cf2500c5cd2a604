//! Pages and chunks as Apache Arrow arrays (spec 6.8), behind the `arrow`
//! feature. The array shares the page's bytes: for a `plain` page of a
//! mapped file, the values, the offsets of a `binary` page and the validity
//! bitmap are the file's own bytes, with no copy.

use std::sync::Arc;

use arrow_array::{make_array, ArrayRef};
use arrow_buffer::{Buffer, NullBuffer};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field};
use gcol_format::manifest::ChunkOrder;
use gcol_format::PhysicalType;

use crate::{ColumnReader, Error, Page, Result};

/// The Arrow type of a physical type's values (spec 6.8).
pub fn data_type(physical: PhysicalType) -> Option<DataType> {
    Some(match physical {
        PhysicalType::U8 => DataType::UInt8,
        PhysicalType::U16 => DataType::UInt16,
        PhysicalType::U32 => DataType::UInt32,
        PhysicalType::U64 => DataType::UInt64,
        PhysicalType::I8 => DataType::Int8,
        PhysicalType::I16 => DataType::Int16,
        PhysicalType::I32 => DataType::Int32,
        PhysicalType::I64 => DataType::Int64,
        PhysicalType::F32 => DataType::Float32,
        PhysicalType::F64 => DataType::Float64,
        PhysicalType::Binary => DataType::Binary,
        _ => return None,
    })
}

fn arrow_error(detail: String) -> Error {
    Error::Arrow { detail }
}

impl Page {
    /// The page's values as an Arrow array (spec 6.8): `UInt8` ... `Float64`
    /// or `Binary`, with the page's validity bitmap as the null buffer.
    /// Nothing is copied: the buffers are slices of the page.
    pub fn to_arrow(&self) -> Result<ArrayRef> {
        let data_type = data_type(self.physical_type())
            .ok_or_else(|| arrow_error(format!("no Arrow type for {}", self.physical_type())))?;
        let n = self.num_values();
        let values = self.value_data();
        let buffers = if self.physical_type() == PhysicalType::Binary {
            // spec 6.1: n + 1 u32 offsets (the page limit keeps them below
            // 2^31, so they are Arrow's i32 offsets), then the bytes.
            let split = 4 * (n + 1);
            vec![
                Buffer::from(values.slice(..split)),
                Buffer::from(values.slice(split..)),
            ]
        } else {
            vec![Buffer::from(values)]
        };
        let nulls = match self.validity()? {
            None => None,
            Some(_) => {
                // spec 6.5: the bitmap starts at byte 4 of the page, LSB first.
                let bitmap = self.data().slice(4..4 + n.div_ceil(8));
                Some(NullBuffer::new(arrow_buffer::BooleanBuffer::new(
                    Buffer::from(bitmap),
                    0,
                    n,
                )))
            }
        };
        let data = ArrayData::builder(data_type)
            .len(n)
            .buffers(buffers)
            .nulls(nulls)
            .build()
            .map_err(|e| arrow_error(e.to_string()))?;
        Ok(make_array(data))
    }
}

impl ColumnReader<'_> {
    /// Chunk `(i, j)` of a chunked column (spec 6.7) as an Arrow
    /// `FixedSizeList<FixedSizeList<T, K>, C>` of its rows. A `row-major`
    /// chunk is that layout as stored and is shared without a copy; a
    /// `column-major` one is reordered.
    pub fn chunk_to_arrow(&self, i: u64, j: u64) -> Result<ArrayRef> {
        let grid = self.chunk_grid()?;
        let page = self.chunk(i, j)?;
        let rows = grid.rows_in(i);
        let columns = grid.columns_in(j);
        let (rr, cc, k) = (
            (rows.end - rows.start) as usize,
            (columns.end - columns.start) as usize,
            grid.shape[2] as usize,
        );
        let values = match grid.order {
            ChunkOrder::RowMajor => page.to_arrow()?,
            ChunkOrder::ColumnMajor => {
                let flat = page.to_arrow()?;
                let order: Vec<u64> = (0..rr)
                    .flat_map(|r| {
                        (0..cc).flat_map(move |c| {
                            (0..k).map(move |kk| {
                                grid.index_in_chunk(
                                    i,
                                    j,
                                    rows.start + r as u64,
                                    columns.start + c as u64,
                                    kk as u64,
                                ) as u64
                            })
                        })
                    })
                    .collect();
                arrow_select_take(&flat, &order)?
            }
        };
        let item = values.data_type().clone();
        let cell = DataType::FixedSizeList(Arc::new(Field::new("item", item, true)), k as i32);
        let cells = ArrayData::builder(cell.clone())
            .len(rr * cc)
            .add_child_data(values.to_data())
            .build()
            .map_err(|e| arrow_error(e.to_string()))?;
        let row = DataType::FixedSizeList(Arc::new(Field::new("item", cell, false)), cc as i32);
        let data = ArrayData::builder(row)
            .len(rr)
            .add_child_data(cells)
            .build()
            .map_err(|e| arrow_error(e.to_string()))?;
        Ok(make_array(data))
    }
}

/// Values of `array` at `indices`, in that order (a copy).
fn arrow_select_take(array: &ArrayRef, indices: &[u64]) -> Result<ArrayRef> {
    let data = array.to_data();
    let width = match data.data_type().primitive_width() {
        Some(w) => w,
        None => return Err(arrow_error("only fixed-width chunks".into())),
    };
    let src = &data.buffers()[0].as_slice()[data.offset() * width..];
    let mut out = Vec::with_capacity(indices.len() * width);
    let mut nulls = Vec::with_capacity(indices.len());
    for &i in indices {
        let i = i as usize;
        out.extend_from_slice(&src[i * width..(i + 1) * width]);
        nulls.push(data.nulls().is_none_or(|n| n.is_valid(i)));
    }
    let taken = ArrayData::builder(data.data_type().clone())
        .len(indices.len())
        .add_buffer(Buffer::from_vec(out))
        .nulls(data.nulls().map(|_| NullBuffer::from(nulls)))
        .build()
        .map_err(|e| arrow_error(e.to_string()))?;
    Ok(make_array(taken))
}
