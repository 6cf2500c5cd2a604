use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use gcol_format::directory::PageInfo;
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

    /// The decoded layout bytes.
    pub fn data(&self) -> &Bytes {
        &self.data
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
        Ok(match bytemuck::try_cast_slice(&self.data) {
            Ok(values) => Cow::Borrowed(values),
            Err(_) => Cow::Owned(bytemuck::pod_collect_to_vec(&self.data)),
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
        Ok(BinaryView::new(&self.data, self.num_values())?)
    }
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
