//! Content hashes of datasets: SHA-256 over the decoded values, so two
//! files hold the same data exactly when their hashes agree, whatever their
//! page sizes, encodings, compression levels, chunk shapes or inline
//! columns (`gcol inspect --hash`; spec 8.5).
//!
//! The hashed stream: `gcol-content-1`, NUL, the dataset kind, NUL; then
//! for each column in name order: name, NUL, physical type, NUL, logical
//! type, NUL, the layout (`flat`, `list:CHILD`, or `array:R,C,K`), NUL, the
//! number of values (u64 LE); then the values in logical order (a chunked
//! array row-major, whatever its chunks): fixed-width values as stored
//! (little-endian, null slots zero), binary values as a u32 LE length and
//! the bytes; and for a nullable column one byte per value, 1 when present.
//! Dataset and column metadata are left out (some record the conversion,
//! not the data); names of datasets too; and columns of logical type
//! `run_index` (indexes of runs per bin of bases, whose bins follow the
//! page size: an access path, not data). Columns present in one layout
//! and derived in another (a `sequences` dataset's `name`, stored in the
//! 1.0 layout) make the hashes differ.

use gcol_format::manifest::Layout;
use gcol_format::PhysicalType;
use sha2::{Digest, Sha256};

use crate::{Reader, Result};

/// Rows of a chunked array hashed at a time.
const BAND_ROWS: u64 = 4096;

impl Reader {
    /// The content hash of dataset `name` (lower-case hex SHA-256).
    pub fn content_hash(&self, name: &str) -> Result<String> {
        let dataset = self.dataset(name)?;
        let mut h = Sha256::new();
        h.update(b"gcol-content-1\0");
        h.update(dataset.kind.as_bytes());
        h.update(b"\0");
        let mut columns: Vec<_> = dataset.columns.iter().collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        for meta in columns {
            if meta.logical_type == "run_index" {
                continue;
            }
            h.update(meta.name.as_bytes());
            h.update(b"\0");
            h.update(meta.physical_type.to_string().as_bytes());
            h.update(b"\0");
            h.update(meta.logical_type.as_bytes());
            h.update(b"\0");
            let layout = match &meta.layout {
                None => "flat".to_string(),
                Some(Layout::List { child }) => format!("list:{child}"),
                Some(Layout::Chunked { shape, .. }) => {
                    format!("array:{},{},{}", shape[0], shape[1], shape[2])
                }
                Some(other) => format!("{other:?}"),
            };
            h.update(layout.as_bytes());
            h.update(b"\0");
            let column = self.column(name, &meta.name)?;
            h.update(column.num_values().to_le_bytes());
            let mut presence: Vec<u8> = Vec::new();
            let nullable = column.is_nullable();
            if let Some(Layout::Chunked { shape, .. }) = &meta.layout {
                for start in (0..shape[0]).step_by(BAND_ROWS as usize) {
                    let rows = start..(start + BAND_ROWS).min(shape[0]);
                    macro_rules! band {
                        ($t:ty) => {{
                            let (values, present) =
                                column.read_block::<$t>(rows.clone(), 0..shape[1])?;
                            h.update(bytemuck::cast_slice::<$t, u8>(&values));
                            if nullable {
                                presence.extend(present.iter().map(|&p| u8::from(p)));
                            }
                        }};
                    }
                    match meta.physical_type {
                        PhysicalType::I8 => band!(i8),
                        PhysicalType::U8 => band!(u8),
                        PhysicalType::I16 => band!(i16),
                        PhysicalType::U16 => band!(u16),
                        PhysicalType::I32 => band!(i32),
                        PhysicalType::U32 => band!(u32),
                        PhysicalType::I64 => band!(i64),
                        PhysicalType::U64 => band!(u64),
                        PhysicalType::F32 => band!(f32),
                        PhysicalType::F64 => band!(f64),
                        other => {
                            return Err(crate::Error::Usage {
                                detail: format!(
                                    "column {:?}: a chunked array of {other} values",
                                    meta.name
                                ),
                            })
                        }
                    }
                }
            } else {
                for p in 0..column.num_pages() {
                    let page = column.page(p)?;
                    if meta.physical_type == PhysicalType::Binary {
                        let view = page.binary()?;
                        for i in 0..page.num_values() {
                            let v = view.get(i);
                            h.update((v.len() as u32).to_le_bytes());
                            h.update(v);
                        }
                    } else {
                        h.update(page.value_bytes());
                    }
                    if nullable {
                        presence.extend((0..page.num_values()).map(|i| u8::from(page.is_valid(i))));
                    }
                }
            }
            h.update(&presence);
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}
