//! Integer values as 64-bit two's complement, shared by the integer encodings.
//!
//! Values are widened to 64 bits (sign-extended for signed types, zero-extended
//! for unsigned) so one code path serves all eight widths (spec 7.2, 7.3).

use crate::{Error, PhysicalType, Result};

/// Read value `i` of a fixed-width integer layout, widened to 64 bits.
#[inline]
pub(crate) fn load(physical: PhysicalType, bytes: &[u8], i: usize) -> u64 {
    match physical {
        PhysicalType::U8 => u64::from(bytes[i]),
        PhysicalType::I8 => bytes[i] as i8 as i64 as u64,
        PhysicalType::U16 => u64::from(u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]])),
        PhysicalType::I16 => i16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]) as i64 as u64,
        PhysicalType::U32 => u64::from(u32::from_le_bytes(
            bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"),
        )),
        PhysicalType::I32 => {
            i32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes")) as i64 as u64
        }
        PhysicalType::U64 | PhysicalType::I64 => {
            u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"))
        }
        PhysicalType::F32 | PhysicalType::F64 | PhysicalType::Binary => {
            unreachable!("integer encodings are only applied to integer types")
        }
    }
}

/// Append a widened value as `physical`, refusing values that do not fit.
#[inline]
pub(crate) fn store(
    physical: PhysicalType,
    value: u64,
    out: &mut Vec<u8>,
    encoding: &'static str,
    position: u64,
) -> Result<()> {
    let width = physical.width().expect("integer type");
    let fits = if width == 8 {
        true
    } else if physical.is_signed() {
        let v = value as i64;
        let bits = 8 * width as u32;
        let min = -(1i64 << (bits - 1));
        let max = (1i64 << (bits - 1)) - 1;
        (min..=max).contains(&v)
    } else {
        value >> (8 * width) == 0
    };
    if !fits {
        return Err(Error::MalformedPage {
            encoding,
            detail: "decoded value does not fit the column's physical type",
            position,
        });
    }
    out.extend_from_slice(&value.to_le_bytes()[..width]);
    Ok(())
}
