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

/// Values of a chunked array hashed at a time (whole rows, at least one).
const BAND_VALUES: u64 = 1 << 22;

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
            let nullable = column.is_nullable();
            // Values first, then (nullable) presence: two passes, so that
            // memory stays one band or page whatever the column's size.
            for presence_pass in [false, true] {
                if presence_pass && !nullable {
                    break;
                }
                if let Some(Layout::Chunked { shape, .. }) = &meta.layout {
                    let band_rows = (BAND_VALUES / (shape[1] * shape[2]).max(1)).max(1);
                    for start in (0..shape[0]).step_by(band_rows as usize) {
                        let rows = start..(start + band_rows).min(shape[0]);
                        macro_rules! band {
                            ($t:ty) => {{
                                let (values, present) =
                                    column.read_block::<$t>(rows.clone(), 0..shape[1])?;
                                if presence_pass {
                                    let bytes: Vec<u8> =
                                        present.iter().map(|&p| u8::from(p)).collect();
                                    h.update(&bytes);
                                } else {
                                    h.update(bytemuck::cast_slice::<$t, u8>(&values));
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
                        if presence_pass {
                            let bytes: Vec<u8> = (0..page.num_values())
                                .map(|i| u8::from(page.is_valid(i)))
                                .collect();
                            h.update(&bytes);
                        } else if meta.physical_type == PhysicalType::Binary {
                            let view = page.binary()?;
                            for i in 0..page.num_values() {
                                let v = view.get(i);
                                h.update((v.len() as u32).to_le_bytes());
                                h.update(v);
                            }
                        } else {
                            h.update(page.value_bytes());
                        }
                    }
                }
            }
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}
