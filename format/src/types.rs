use serde::{Deserialize, Serialize};
use std::fmt;

/// How a column's values are laid out once a page is decoded (spec 6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PhysicalType {
    /// Unsigned 8-bit.
    U8,
    /// Unsigned 16-bit little-endian.
    U16,
    /// Unsigned 32-bit little-endian.
    U32,
    /// Unsigned 64-bit little-endian.
    U64,
    /// Signed 8-bit.
    I8,
    /// Signed 16-bit little-endian, two's complement.
    I16,
    /// Signed 32-bit little-endian, two's complement.
    I32,
    /// Signed 64-bit little-endian, two's complement.
    I64,
    /// IEEE 754 binary32 little-endian.
    F32,
    /// IEEE 754 binary64 little-endian.
    F64,
    /// Variable-length byte strings: `n + 1` u32 offsets then the bytes.
    Binary,
}

impl PhysicalType {
    /// All physical types, in registry order.
    pub const ALL: [PhysicalType; 11] = [
        PhysicalType::U8,
        PhysicalType::U16,
        PhysicalType::U32,
        PhysicalType::U64,
        PhysicalType::I8,
        PhysicalType::I16,
        PhysicalType::I32,
        PhysicalType::I64,
        PhysicalType::F32,
        PhysicalType::F64,
        PhysicalType::Binary,
    ];

    /// Width of one value in bytes, or `None` for [`PhysicalType::Binary`].
    pub fn width(self) -> Option<usize> {
        Some(match self {
            PhysicalType::U8 | PhysicalType::I8 => 1,
            PhysicalType::U16 | PhysicalType::I16 => 2,
            PhysicalType::U32 | PhysicalType::I32 | PhysicalType::F32 => 4,
            PhysicalType::U64 | PhysicalType::I64 | PhysicalType::F64 => 8,
            PhysicalType::Binary => return None,
        })
    }

    /// True for the eight integer types.
    pub fn is_integer(self) -> bool {
        !matches!(
            self,
            PhysicalType::F32 | PhysicalType::F64 | PhysicalType::Binary
        )
    }

    /// True for the signed integer types.
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            PhysicalType::I8 | PhysicalType::I16 | PhysicalType::I32 | PhysicalType::I64
        )
    }

    /// The name used in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            PhysicalType::U8 => "u8",
            PhysicalType::U16 => "u16",
            PhysicalType::U32 => "u32",
            PhysicalType::U64 => "u64",
            PhysicalType::I8 => "i8",
            PhysicalType::I16 => "i16",
            PhysicalType::I32 => "i32",
            PhysicalType::I64 => "i64",
            PhysicalType::F32 => "f32",
            PhysicalType::F64 => "f64",
            PhysicalType::Binary => "binary",
        }
    }
}

impl fmt::Display for PhysicalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fixed-width value type that columns can hold, with its physical type.
pub trait Value: bytemuck::Pod + Send + Sync {
    /// The matching physical type.
    const PHYSICAL: PhysicalType;
}

macro_rules! impl_value {
    ($($t:ty => $p:ident),*) => {$(
        impl Value for $t {
            const PHYSICAL: PhysicalType = PhysicalType::$p;
        }
    )*};
}
impl_value!(u8 => U8, u16 => U16, u32 => U32, u64 => U64, i8 => I8, i16 => I16, i32 => I32, i64 => I64, f32 => F32, f64 => F64);
