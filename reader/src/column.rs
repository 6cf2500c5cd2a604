use std::ops::Range;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use gcol_format::directory::PageInfo;
use gcol_format::manifest::{Column, Dataset};
use gcol_format::{PhysicalType, Value};

use crate::page::{Page, PinnedPage};
use crate::{Error, Reader, Result};

/// Room to reserve for `rows` values before reading them: the count, up
/// to 16 Mi (a count taken from a damaged file must not size an
/// allocation before the pages holding the values have been checked;
/// past the cap the vector grows as values arrive).
pub(crate) fn reserve_len(rows: &Range<u64>) -> usize {
    rows.end.saturating_sub(rows.start).min(1 << 24) as usize
}

/// Read access to one column. Rows are value indices, 0-based.
#[derive(Clone, Copy)]
pub struct ColumnReader<'r> {
    pub(crate) reader: &'r Reader,
    pub(crate) dataset: &'r Dataset,
    pub(crate) meta: &'r Column,
}

impl std::fmt::Debug for ColumnReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ColumnReader({})", self.label())
    }
}

impl<'r> ColumnReader<'r> {
    pub(crate) fn new(reader: &'r Reader, dataset: &'r Dataset, meta: &'r Column) -> Self {
        ColumnReader {
            reader,
            dataset,
            meta,
        }
    }

    /// The column's manifest entry.
    pub fn meta(&self) -> &'r Column {
        self.meta
    }

    /// The dataset the column belongs to.
    pub fn dataset(&self) -> &'r Dataset {
        self.dataset
    }

    pub(crate) fn label(&self) -> String {
        format!("{}/{}", self.dataset.name, self.meta.name)
    }

    /// Number of values (rows).
    pub fn num_values(&self) -> u64 {
        self.meta.num_values
    }

    /// Number of pages (directory pages, or its one inline page).
    pub fn num_pages(&self) -> u64 {
        self.meta.total_pages()
    }

    /// The page number (in [`Reader::page`]'s numbering) of the column's
    /// page `index`: its directory entry, or its inline page.
    pub(crate) fn check_page(&self, index: u64) -> Result<u64> {
        if index >= self.num_pages() {
            return Err(Error::OutOfRange {
                column: self.label(),
                index,
                len: self.num_pages(),
            });
        }
        if self.meta.inline.is_some() {
            return Ok(self.reader.inline_page_index(self.meta.id));
        }
        Ok(self.meta.first_page + index)
    }

    /// The column's page `index` as stored (entry and encoded bytes, the
    /// checksum checked), for copying it unchanged ([`Reader::stored_page`]).
    pub fn stored_page(&self, index: u64) -> Result<(PageInfo, bytes::Bytes)> {
        self.reader.stored_page(self.check_page(index)?)
    }

    /// Directory entry of the column's page `index` (0-based within the column).
    pub fn page_info(&self, index: u64) -> Result<PageInfo> {
        self.reader.page_info(self.check_page(index)?)
    }

    /// The column's page `index`, through the cache. Reading pages in order
    /// triggers readahead of the next pages when enabled.
    pub fn page(&self, index: u64) -> Result<Page> {
        let global = self.check_page(index)?;
        self.note_access(index, global);
        self.reader.page(global)
    }

    /// At least the first `needed` decoded bytes of the column's page
    /// `index` ([`Reader::page_prefix`]: a small read of an uncached zstd
    /// page decodes only the blocks it needs), with the readahead of
    /// [`ColumnReader::page`]. A page read in sequence after the previous
    /// one is decoded whole: a scan needs all of it.
    pub fn page_prefix(&self, index: u64, needed: usize) -> Result<(PageInfo, Bytes)> {
        let global = self.check_page(index)?;
        if self.note_access(index, global) {
            let page = self.reader.page(global)?;
            return Ok((*page.info(), page.data().clone()));
        }
        self.reader.page_prefix(global, needed)
    }

    /// Record a read of page `index` (`global` in the directory); when it
    /// follows the previous read of this column, start readahead (if
    /// enabled) and return true.
    fn note_access(&self, index: u64, global: u64) -> bool {
        let inner = &self.reader.inner;
        let last = inner.last_page[self.meta.id as usize].swap(index, Ordering::Relaxed);
        let sequential = index > 0 && last == index - 1;
        let readahead = u64::from(inner.readahead);
        let end = (index + 1 + readahead).min(self.meta.num_pages);
        if self.meta.inline.is_some() {
            return false;
        }
        if sequential && index + 1 < end && !inner.cache.contains((inner.file_key, global + 1)) {
            self.reader
                .prefetch((global + 1)..(self.meta.first_page + end));
        }
        sequential
    }

    /// Pin the column's page `index` in the cache while the guard lives.
    pub fn pin_page(&self, index: u64) -> Result<PinnedPage> {
        self.reader.pin_page(self.check_page(index)?)
    }

    /// Load pages `range` (column-relative) into the cache in parallel.
    pub fn prefetch(&self, range: Range<u64>) {
        if self.meta.inline.is_some() {
            if range.contains(&0) {
                self.reader
                    .prefetch([self.reader.inline_page_index(self.meta.id)]);
            }
            return;
        }
        let end = range.end.min(self.meta.num_pages);
        let start = range.start.min(end);
        self.reader
            .prefetch((self.meta.first_page + start)..(self.meta.first_page + end));
    }

    /// Index of the page holding `row`, by binary search over first rows.
    pub fn page_for_row(&self, row: u64) -> Result<u64> {
        if row >= self.meta.num_values {
            return Err(Error::OutOfRange {
                column: self.label(),
                index: row,
                len: self.meta.num_values,
            });
        }
        let (mut lo, mut hi) = (0u64, self.num_pages());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.page_info(mid)?.first_row <= row {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let info = self.page_info(lo)?;
        if !(info.first_row..info.first_row + u64::from(info.num_values)).contains(&row) {
            return Err(Error::InvalidEntry {
                page: self.meta.first_page + lo,
                offset: self.reader.entry_offset(self.meta.first_page + lo),
                field: "first row",
                expected: format!("a range holding row {row}"),
                found: format!("{}+{}", info.first_row, info.num_values),
            });
        }
        Ok(lo)
    }

    pub(crate) fn expect_type(&self, requested: PhysicalType) -> Result<()> {
        if self.meta.physical_type != requested {
            return Err(Error::TypeMismatch {
                column: self.label(),
                actual: self.meta.physical_type,
                requested,
            });
        }
        Ok(())
    }

    pub(crate) fn check_rows(&self, rows: &Range<u64>) -> Result<()> {
        if rows.start > rows.end || rows.end > self.meta.num_values {
            return Err(Error::OutOfRange {
                column: self.label(),
                index: rows.end.max(rows.start),
                len: self.meta.num_values,
            });
        }
        Ok(())
    }

    /// Call `f(page, from, to)` for each page holding rows of `rows`, with
    /// the page-relative index range of those rows, in order.
    pub(crate) fn visit_pages(
        &self,
        rows: Range<u64>,
        mut f: impl FnMut(&Page, usize, usize) -> Result<()>,
    ) -> Result<()> {
        self.check_rows(&rows)?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut index = self.page_for_row(rows.start)?;
        let mut row = rows.start;
        while row < rows.end {
            let page = self.page(index)?;
            // spec 2.4: each page starts where the previous one ended (the
            // first was found holding `rows.start`); checked here so an
            // edited entry is an error, not an index past a page.
            if page.first_row() > row || row - page.first_row() >= page.num_values() as u64 {
                let global = self.check_page(index)?;
                return Err(Error::InvalidEntry {
                    page: global,
                    offset: self.reader.entry_offset(global),
                    field: "first row",
                    expected: format!("a range holding row {row}"),
                    found: format!("{}+{}", page.first_row(), page.num_values()),
                });
            }
            let from = (row - page.first_row()) as usize;
            let to = ((rows.end - page.first_row()) as usize).min(page.num_values());
            f(&page, from, to)?;
            row = page.first_row() + to as u64;
            index += 1;
        }
        Ok(())
    }

    /// Append the values of `rows` to `out` (reusing its allocation). Null
    /// values of a nullable column read as zero; see [`ColumnReader::read_validity`].
    pub fn read_into<T: Value>(&self, rows: Range<u64>, out: &mut Vec<T>) -> Result<()> {
        self.expect_type(T::PHYSICAL)?;
        out.reserve(reserve_len(&rows));
        self.visit_pages(rows, |page, from, to| {
            out.extend_from_slice(&page.values::<T>()?[from..to]);
            Ok(())
        })
    }

    /// The values of `rows` as a new vector.
    pub fn read<T: Value>(&self, rows: Range<u64>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.read_into(rows, &mut out)?;
        Ok(out)
    }

    /// Whether the column may hold nulls (spec 6.5).
    pub fn is_nullable(&self) -> bool {
        self.meta.nullable
    }

    /// Append, for each row of `rows`, whether its value is present (true)
    /// or null (false). Every value of a column that is not nullable is present.
    pub fn read_validity_into(&self, rows: Range<u64>, out: &mut Vec<bool>) -> Result<()> {
        self.visit_pages(rows, |page, from, to| {
            match page.validity()? {
                None => out.resize(out.len() + (to - from), true),
                Some(validity) => out.extend((from..to).map(|i| validity.is_valid(i))),
            }
            Ok(())
        })
    }

    /// Presence of each value of `rows` (true = present, false = null).
    pub fn read_validity(&self, rows: Range<u64>) -> Result<Vec<bool>> {
        let mut out = Vec::new();
        self.read_validity_into(rows, &mut out)?;
        Ok(out)
    }

    /// Number of null values in `rows`.
    pub fn null_count(&self, rows: Range<u64>) -> Result<u64> {
        let mut nulls = 0u64;
        self.visit_pages(rows, |page, from, to| {
            if let Some(validity) = page.validity()? {
                if from == 0 && to == page.num_values() {
                    nulls += u64::from(validity.null_count);
                } else {
                    nulls += (from..to).filter(|&i| !validity.is_valid(i)).count() as u64;
                }
            }
            Ok(())
        })?;
        Ok(nulls)
    }

    /// The values of `rows` with nulls as `None`.
    pub fn read_option<T: Value>(&self, rows: Range<u64>) -> Result<Vec<Option<T>>> {
        self.expect_type(T::PHYSICAL)?;
        let mut out = Vec::with_capacity(reserve_len(&rows));
        self.visit_pages(rows, |page, from, to| {
            let values = page.values::<T>()?;
            match page.validity()? {
                None => out.extend(values[from..to].iter().copied().map(Some)),
                Some(validity) => {
                    out.extend((from..to).map(|i| validity.is_valid(i).then_some(values[i])))
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// One value of a `binary` column, sharing the page's bytes (a null
    /// reads as the empty string).
    pub fn binary(&self, row: u64) -> Result<Bytes> {
        self.expect_type(PhysicalType::Binary)?;
        let index = self.page_for_row(row)?;
        let page = self.page(index)?;
        let view = page.binary()?;
        let i = (row - page.first_row()) as usize;
        let value = view.get(i);
        Ok(page.data().slice_ref(value))
    }

    /// Call `f` with each value of `rows` of a `binary` column (a null as
    /// the empty string).
    pub fn for_each_binary(&self, rows: Range<u64>, mut f: impl FnMut(u64, &[u8])) -> Result<()> {
        self.for_each_binary_option(rows, |row, value| f(row, value.unwrap_or_default()))
    }

    /// Call `f` with each value of `rows` of a `binary` column, nulls as `None`.
    pub fn for_each_binary_option(
        &self,
        rows: Range<u64>,
        mut f: impl FnMut(u64, Option<&[u8]>),
    ) -> Result<()> {
        self.expect_type(PhysicalType::Binary)?;
        self.visit_pages(rows, |page, from, to| {
            let view = page.binary()?;
            let validity = page.validity()?;
            for i in from..to {
                let present = validity.is_none_or(|v| v.is_valid(i));
                f(page.first_row() + i as u64, present.then(|| view.get(i)));
            }
            Ok(())
        })
    }
}
