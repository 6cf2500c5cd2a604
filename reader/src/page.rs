use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use gcol_format::directory::PageInfo;
use gcol_format::directory::FLAG_VALIDITY;
use gcol_format::validity::{self, Validity};
use gcol_format::values::BinaryView;
use gcol_format::{PhysicalType, Value};

use crate::cache::{Key, PageCache};
use crate::{Error, Result};

/// One decoded page: its directory entry and its decoded layout (spec 6.1).
///
/// The bytes are shared with the cache (and, for plain pages, with the file
/// mapping); cloning a `Page` does not copy them.
#[derive(Debug, Clone)]
pub struct Page {
    info: PageInfo,
    physical: PhysicalType,
    data: Bytes,
}

impl Page {
    pub(crate) fn new(info: PageInfo, physical: PhysicalType, data: Bytes) -> Page {
        Page {
            info,
            physical,
            data,
        }
    }

    /// The page's directory entry.
    pub fn info(&self) -> &PageInfo {
        &self.info
    }

    /// Row (value index in the column) of the first value.
    pub fn first_row(&self) -> u64 {
        self.info.first_row
    }

    /// Number of values.
    pub fn num_values(&self) -> usize {
        self.info.num_values as usize
    }

    /// The decoded layout bytes (with the validity section of a page
    /// that has nulls, spec 6.5).
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// Where the values' layout starts in [`Page::data`]: after the
    /// validity section, if any.
    fn values_start(&self) -> usize {
        if self.info.flags & FLAG_VALIDITY == 0 {
            return 0;
        }
        // Checked when the page was loaded (spec 6.5); a page of nulls was
        // given its bitmap and zero values then.
        validity::section_len(self.num_values(), true)
    }

    /// The values' decoded layout (spec 6.1), after any validity section;
    /// null slots hold zero or the empty string.
    pub fn value_bytes(&self) -> &[u8] {
        &self.data[self.values_start()..]
    }

    /// The values' layout as shared bytes (zero-copy for plain pages).
    pub fn value_data(&self) -> Bytes {
        self.data.slice(self.values_start()..)
    }

    /// The page's validity section (spec 6.5), or `None` when no value is null.
    pub fn validity(&self) -> Result<Option<Validity<'_>>> {
        if self.info.flags & FLAG_VALIDITY == 0 {
            return Ok(None);
        }
        Ok(Some(validity::parse_section(
            &self.data,
            self.num_values(),
            true,
        )?))
    }

    /// Number of null values in the page.
    pub fn null_count(&self) -> usize {
        if self.info.flags & FLAG_VALIDITY == 0 {
            return 0;
        }
        u32::from_le_bytes(self.data[..4].try_into().expect("4 bytes")) as usize
    }

    /// Whether value `i` of the page is present (not null).
    pub fn is_valid(&self, i: usize) -> bool {
        if self.info.flags & FLAG_VALIDITY == 0 {
            return true;
        }
        validity::is_set(&self.data[4..], i)
    }

    /// Physical type of the values.
    pub fn physical_type(&self) -> PhysicalType {
        self.physical
    }

    /// Values as a typed slice; borrowed when the bytes are aligned for `T`
    /// (always for mapped plain pages, which are 64-byte aligned), copied otherwise.
    pub fn values<T: Value>(&self) -> Result<Cow<'_, [T]>> {
        if self.physical != T::PHYSICAL {
            return Err(Error::TypeMismatch {
                column: format!("(column id {})", self.info.column_id),
                actual: self.physical,
                requested: T::PHYSICAL,
            });
        }
        let bytes = self.value_bytes();
        Ok(match bytemuck::try_cast_slice(bytes) {
            Ok(values) => Cow::Borrowed(values),
            Err(_) => Cow::Owned(bytemuck::pod_collect_to_vec(bytes)),
        })
    }

    /// Values of a `binary` page.
    pub fn binary(&self) -> Result<BinaryView<'_>> {
        if self.physical != PhysicalType::Binary {
            return Err(Error::TypeMismatch {
                column: format!("(column id {})", self.info.column_id),
                actual: self.physical,
                requested: PhysicalType::Binary,
            });
        }
        Ok(BinaryView::new(self.value_bytes(), self.num_values())?)
    }
}

/// Append the layout of `num_values` zero values (empty strings for
/// `binary`) to `out`: what a page of nulls reads as (spec 6.5).
pub(crate) fn append_zero_values(out: &mut Vec<u8>, physical: PhysicalType, num_values: u32) {
    let n = num_values as usize;
    let len = match physical.width() {
        Some(width) => n * width,
        None => 4 * (n + 1),
    };
    out.resize(out.len() + len, 0);
}

/// A page pinned in the cache; unpinned when dropped.
#[derive(Debug)]
pub struct PinnedPage {
    page: Page,
    pin: Option<(Arc<PageCache>, Key)>,
}

impl PinnedPage {
    pub(crate) fn new(page: Page, cache: Arc<PageCache>, key: Key) -> PinnedPage {
        PinnedPage {
            page,
            pin: Some((cache, key)),
        }
    }

    pub(crate) fn unpinned(page: Page) -> PinnedPage {
        PinnedPage { page, pin: None }
    }

    /// Whether the cache holds the pin (false when the page could not be cached).
    pub fn is_pinned(&self) -> bool {
        self.pin.is_some()
    }
}

impl std::ops::Deref for PinnedPage {
    type Target = Page;
    fn deref(&self) -> &Page {
        &self.page
    }
}

impl Drop for PinnedPage {
    fn drop(&mut self) {
        if let Some((cache, key)) = self.pin.take() {
            cache.unpin(key);
        }
    }
}

/// A page of a one-byte integer column stored `for-bitpack` (spec 7.3),
/// kept packed (after zstd): runs of it unpack without decoding the page
/// (`Reader::packed_page`). Cached at an eighth of the decoded size for
/// 1-bit genotype pages.
#[derive(Debug, Clone)]
pub struct PackedPage {
    physical: PhysicalType,
    num_values: u32,
    data: Bytes,
}

impl PackedPage {
    pub(crate) fn new(physical: PhysicalType, num_values: u32, data: Bytes) -> Option<PackedPage> {
        gcol_format::encoding::for_bitpack::PackedBytes::parse(physical, num_values, &data)?;
        Some(PackedPage {
            physical,
            num_values,
            data,
        })
    }

    /// The packed values.
    pub fn view(&self) -> gcol_format::encoding::for_bitpack::PackedBytes<'_> {
        gcol_format::encoding::for_bitpack::PackedBytes::parse(
            self.physical,
            self.num_values,
            &self.data,
        )
        .expect("checked when made")
    }
}
