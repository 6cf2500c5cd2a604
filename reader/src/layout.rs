//! Reading list and chunked columns (spec 6.6, 6.7).

use std::ops::Range;

use gcol_format::manifest::{ChunkOrder, Column, Dataset, Layout};
use gcol_format::Value;

use crate::{ColumnReader, Error, Page, Reader, Result};

/// The geometry of a chunked column (spec 6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkGrid {
    /// `[rows, columns, inner]`.
    pub shape: [u64; 3],
    /// `[chunk_rows, chunk_columns]`.
    pub chunk_shape: [u64; 2],
    /// Value order inside a chunk.
    pub order: ChunkOrder,
    /// Chunks along the rows.
    pub row_chunks: u64,
    /// Chunks along the columns.
    pub column_chunks: u64,
}

impl ChunkGrid {
    /// Rows of chunk row `i` (the last may be shorter).
    pub fn rows_in(&self, i: u64) -> Range<u64> {
        let start = i * self.chunk_shape[0];
        start..(start + self.chunk_shape[0]).min(self.shape[0])
    }

    /// Columns of chunk column `j` (the last may be narrower).
    pub fn columns_in(&self, j: u64) -> Range<u64> {
        let start = j * self.chunk_shape[1];
        start..(start + self.chunk_shape[1]).min(self.shape[1])
    }

    /// Values in chunk `(i, j)`.
    pub fn chunk_values(&self, i: u64, j: u64) -> u64 {
        let (r, c) = (self.rows_in(i), self.columns_in(j));
        (r.end - r.start) * (c.end - c.start) * self.shape[2]
    }

    /// Column-relative page index of chunk `(i, j)`: O(1) (spec 6.7).
    pub fn page_of(&self, i: u64, j: u64) -> u64 {
        i * self.column_chunks + j
    }

    /// Index inside chunk `(i, j)` of value `(row, column, k)` (absolute
    /// row and column inside that chunk).
    pub fn index_in_chunk(&self, i: u64, j: u64, row: u64, column: u64, k: u64) -> usize {
        let (r, c) = (self.rows_in(i), self.columns_in(j));
        let (rr, cc) = (row - r.start, column - c.start);
        let inner = self.shape[2];
        let cell = match self.order {
            ChunkOrder::RowMajor => rr * (c.end - c.start) + cc,
            ChunkOrder::ColumnMajor => cc * (r.end - r.start) + rr,
        };
        (cell * inner + k) as usize
    }
}

impl<'r> ColumnReader<'r> {
    fn wrong_layout(&self, expected: &'static str) -> Error {
        match self.meta.layout {
            Some(Layout::Unknown) => Error::Unsupported {
                column: self.label(),
                what: "a layout".into(),
                minor: self.reader.version().1,
                known: gcol_format::MINOR_VERSION,
            },
            _ => Error::WrongLayout {
                column: self.label(),
                expected,
            },
        }
    }

    /// The child column of a list column (spec 6.6).
    pub fn list_child(&self) -> Result<ColumnReader<'r>> {
        let Some(Layout::List { child }) = &self.meta.layout else {
            return Err(self.wrong_layout("list"));
        };
        self.reader.column(&self.dataset.name, child)
    }

    /// Arrow-style offsets of the lists in `rows`: `rows.len() + 1` child
    /// row indices, list `i` holding child rows `offsets[i] .. offsets[i+1]`
    /// (spec 6.6: the column stores end offsets).
    pub fn list_offsets(&self, rows: Range<u64>) -> Result<Vec<u64>> {
        if !matches!(self.meta.layout, Some(Layout::List { .. })) {
            return Err(self.wrong_layout("list"));
        }
        self.check_rows(&rows)?;
        let mut out = Vec::with_capacity(crate::column::reserve_len(&rows) + 1);
        out.push(if rows.start == 0 {
            0
        } else {
            self.read::<u64>(rows.start - 1..rows.start)?[0]
        });
        self.read_into(rows.clone(), &mut out)?;
        if let Some(pair) = out.windows(2).position(|w| w[1] < w[0]) {
            return Err(Error::Inconsistent {
                column: self.label(),
                field: "list end offsets",
                manifest: "non-decreasing".into(),
                directory: format!(
                    "row {} ends at {} before {}",
                    rows.start + pair as u64,
                    out[pair + 1],
                    out[pair]
                ),
            });
        }
        let child = self.list_child()?;
        if let Some(&last) = out.last() {
            if last > child.num_values() {
                return Err(Error::Inconsistent {
                    column: self.label(),
                    field: "list end offsets",
                    manifest: format!("at most the child's {} values", child.num_values()),
                    directory: last.to_string(),
                });
            }
        }
        Ok(out)
    }

    /// The lists of `rows` with fixed-width items, a null list as `None`.
    pub fn read_lists<T: Value>(&self, rows: Range<u64>) -> Result<Vec<Option<Vec<T>>>> {
        self.lists_with(rows, |child, items| child.read::<T>(items))
    }

    /// The lists of `rows` of a `binary` child, a null list as `None`
    /// (null items read as empty strings).
    pub fn read_binary_lists(&self, rows: Range<u64>) -> Result<Vec<Option<Vec<Vec<u8>>>>> {
        self.lists_with(rows, |child, items| {
            let mut out = Vec::new();
            child.for_each_binary(items, |_, v| out.push(v.to_vec()))?;
            Ok(out)
        })
    }

    /// Rows of lists: end offsets and validity of `rows`, and the child's
    /// items they span read once by `read_items`, cut per row.
    fn lists_with<I: Clone>(
        &self,
        rows: Range<u64>,
        read_items: impl FnOnce(&ColumnReader<'r>, Range<u64>) -> Result<Vec<I>>,
    ) -> Result<Vec<Option<Vec<I>>>> {
        let offsets = self.list_offsets(rows.clone())?;
        let present = self.read_validity(rows)?;
        let child = self.list_child()?;
        let base = offsets[0];
        let items = read_items(&child, base..offsets[offsets.len() - 1])?;
        Ok(offsets
            .windows(2)
            .zip(present)
            .map(|(w, present)| {
                present.then(|| items[(w[0] - base) as usize..(w[1] - base) as usize].to_vec())
            })
            .collect())
    }

    /// The chunk grid of a chunked column (spec 6.7).
    pub fn chunk_grid(&self) -> Result<ChunkGrid> {
        let Some(
            layout @ Layout::Chunked {
                shape,
                chunk_shape,
                order,
            },
        ) = &self.meta.layout
        else {
            return Err(self.wrong_layout("chunked"));
        };
        let (row_chunks, column_chunks) = layout.chunk_grid().expect("chunked");
        Ok(ChunkGrid {
            shape: *shape,
            chunk_shape: *chunk_shape,
            order: *order,
            row_chunks,
            column_chunks,
        })
    }

    /// The page of chunk `(i, j)`, found in O(1) and checked to hold the
    /// chunk's number of values. Decodes that chunk only.
    pub fn chunk(&self, i: u64, j: u64) -> Result<Page> {
        let grid = self.chunk_grid()?;
        if i >= grid.row_chunks || j >= grid.column_chunks {
            return Err(Error::OutOfRange {
                column: self.label(),
                index: i.max(j),
                len: if i >= grid.row_chunks {
                    grid.row_chunks
                } else {
                    grid.column_chunks
                },
            });
        }
        let index = grid.page_of(i, j);
        let page = self.page(index)?;
        let expected = grid.chunk_values(i, j);
        if page.num_values() as u64 != expected {
            return Err(Error::InvalidEntry {
                page: self.meta.first_page + index,
                offset: self.reader.entry_offset(self.meta.first_page + index),
                field: "number of values",
                expected: format!("{expected} (chunk {i},{j} of the shape)"),
                found: page.num_values().to_string(),
            });
        }
        Ok(page)
    }

    /// Chunk `(i, j)` kept packed (see [`crate::Reader::packed_page`]), or
    /// `None` when it is not a `for-bitpack` page of a one-byte type
    /// without nulls, or is decoded in the cache already: then use
    /// [`ColumnReader::chunk`].
    pub fn packed_chunk(&self, i: u64, j: u64) -> Result<Option<crate::PackedPage>> {
        match self.whole_chunk_page(i, j)? {
            Some(page) => self.reader.packed_page(page),
            None => Ok(None),
        }
    }

    /// The directory page of chunk `(i, j)` when it holds the chunk's
    /// number of values (else the decoding paths report it).
    fn whole_chunk_page(&self, i: u64, j: u64) -> Result<Option<u64>> {
        let grid = self.chunk_grid()?;
        if i >= grid.row_chunks || j >= grid.column_chunks {
            return Ok(None);
        }
        let page = self.check_page(grid.page_of(i, j))?;
        let whole = self.reader.page_info(page)?.num_values as u64 == grid.chunk_values(i, j);
        Ok(whole.then_some(page))
    }

    /// Runs `(start, len)` of chunk `(i, j)`'s values of a one-byte type,
    /// streamed without decoding or caching the page
    /// ([`crate::Reader::packed_runs`]); `None` when that does not apply.
    pub fn chunk_runs(
        &self,
        i: u64,
        j: u64,
        runs: &[(usize, usize)],
    ) -> Result<Option<Vec<Vec<u8>>>> {
        match self.whole_chunk_page(i, j)? {
            Some(page) => self.reader.packed_runs(page, runs),
            None => Ok(None),
        }
    }

    /// Values of rows `rows` and columns `columns` of a chunked column, in
    /// row-major order (`row`, `column`, `inner`), with their presence
    /// (true unless null). Only the chunks that intersect the block are
    /// decoded.
    pub fn read_block<T: Value>(
        &self,
        rows: Range<u64>,
        columns: Range<u64>,
    ) -> Result<(Vec<T>, Vec<bool>)> {
        self.expect_type(T::PHYSICAL)?;
        let grid = self.chunk_grid()?;
        if rows.start > rows.end || rows.end > grid.shape[0] {
            return Err(Error::OutOfRange {
                column: self.label(),
                index: rows.end,
                len: grid.shape[0],
            });
        }
        if columns.start > columns.end || columns.end > grid.shape[1] {
            return Err(Error::OutOfRange {
                column: self.label(),
                index: columns.end,
                len: grid.shape[1],
            });
        }
        let inner = grid.shape[2];
        let width = (columns.end - columns.start) * inner;
        let total = ((rows.end - rows.start) * width) as usize;
        let mut values = vec![T::zeroed(); total];
        let mut present = vec![true; total];
        if total == 0 {
            return Ok((values, present));
        }
        let (cr, cc) = (grid.chunk_shape[0], grid.chunk_shape[1]);
        for i in rows.start / cr..rows.end.div_ceil(cr) {
            for j in columns.start / cc..columns.end.div_ceil(cc) {
                let page = self.chunk(i, j)?;
                let chunk = page.values::<T>()?;
                let validity = page.validity()?;
                let r = grid.rows_in(i);
                let c = grid.columns_in(j);
                let (r0, r1) = (r.start.max(rows.start), r.end.min(rows.end));
                let (c0, c1) = (c.start.max(columns.start), c.end.min(columns.end));
                let (n_rows, n_cols) = ((r.end - r.start) as usize, (c.end - c.start) as usize);
                let (k, w) = (inner as usize, width as usize);
                // One cell's `inner` values are consecutive in the chunk
                // and in the output: copy cells (index_in_chunk's layout).
                let mut cell = |row: u64, column: u64| {
                    let (rr, cc) = ((row - r.start) as usize, (column - c.start) as usize);
                    let at = match grid.order {
                        ChunkOrder::RowMajor => rr * n_cols + cc,
                        ChunkOrder::ColumnMajor => cc * n_rows + rr,
                    } * k;
                    let out =
                        (row - rows.start) as usize * w + (column - columns.start) as usize * k;
                    if k == 1 {
                        values[out] = chunk[at];
                    } else {
                        values[out..out + k].copy_from_slice(&chunk[at..at + k]);
                    }
                    if let Some(v) = &validity {
                        for x in 0..k {
                            present[out + x] = v.is_valid(at + x);
                        }
                    }
                };
                match grid.order {
                    ChunkOrder::ColumnMajor => {
                        for column in c0..c1 {
                            for row in r0..r1 {
                                cell(row, column);
                            }
                        }
                    }
                    ChunkOrder::RowMajor => {
                        for row in r0..r1 {
                            for column in c0..c1 {
                                cell(row, column);
                            }
                        }
                    }
                }
            }
        }
        Ok((values, present))
    }
}

impl Reader {
    /// spec 6.6/6.7 rules that need the pages (checked by `verify`): a
    /// chunk page holds its chunk's values; list end offsets never
    /// decrease, a null list is empty, and the last end is the child's
    /// number of values.
    pub(crate) fn check_column_layout(&self, dataset: &Dataset, column: &Column) -> Result<()> {
        let reader = self.column(&dataset.name, &column.name)?;
        match &column.layout {
            Some(Layout::Chunked { .. }) => {
                let grid = reader.chunk_grid()?;
                for i in 0..grid.row_chunks {
                    for j in 0..grid.column_chunks {
                        let index = column.first_page + grid.page_of(i, j);
                        let info = self.page_info(index)?;
                        let expected = grid.chunk_values(i, j);
                        if u64::from(info.num_values) != expected {
                            return Err(Error::InvalidEntry {
                                page: index,
                                offset: self.entry_offset(index),
                                field: "number of values",
                                expected: format!("{expected} (chunk {i},{j} of the shape)"),
                                found: info.num_values.to_string(),
                            });
                        }
                    }
                }
                Ok(())
            }
            Some(Layout::List { .. }) => {
                let n = column.num_values;
                let offsets = reader.list_offsets(0..n)?;
                let present = reader.read_validity(0..n)?;
                if let Some(row) =
                    (0..n as usize).find(|&r| !present[r] && offsets[r + 1] != offsets[r])
                {
                    return Err(Error::Inconsistent {
                        column: reader.label(),
                        field: "null list",
                        manifest: "no items".into(),
                        directory: format!("row {row} has {}", offsets[row + 1] - offsets[row]),
                    });
                }
                let child = reader.list_child()?;
                let last = offsets[offsets.len() - 1];
                if last != child.num_values() {
                    return Err(Error::Inconsistent {
                        column: reader.label(),
                        field: "last list end offset",
                        manifest: format!("the child's {} values", child.num_values()),
                        directory: last.to_string(),
                    });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
