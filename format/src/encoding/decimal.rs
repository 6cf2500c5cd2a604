//! `decimal` (spec 7.8, format 1.3): floats that are short decimals, as VCF
//! and CSV text writes them (`4.70307`, `0.5`, `29`), stored as integers
//! `m` with one scale `d` per page: value = binary64(m) / 10^d, rounded to
//! the column's type. The integers are delta-coded zigzag varints, so a
//! rising column (genetic map positions) costs a byte or two per value.
//! A page whose values are not all such decimals is stored another way
//! (the writer checks every value decodes to its exact bits).

use crate::varint::{read_u64, unzigzag, write_u64, zigzag, VarintError};
use crate::{Error, PhysicalType, Result};

const NAME: &str = "decimal";

/// Append `v` as VCF text writes a Float: the shortest decimal that reads
/// back as the same binary32, without an exponent (`29`, `3.5`,
/// `0.00198807`), and `NaN`, `Inf`, `-Inf` as htslib writes them.
pub fn put_f32_text(out: &mut Vec<u8>, v: f32) {
    use std::io::Write;
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"Inf" } else { b"-Inf" });
    } else {
        let _ = write!(out, "{v}");
    }
}

/// Largest scale a page may declare.
pub const MAX_SCALE: u8 = 18;
/// Largest magnitude of `m` (binary64 holds every integer up to it exactly).
const MAX_MANTISSA: i64 = 1 << 53;

/// 10^d, exact in binary64 for d ≤ 22.
fn power(d: u8) -> f64 {
    const POWERS: [f64; 19] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18,
    ];
    POWERS[d as usize]
}

fn values(physical: PhysicalType, decoded: &[u8]) -> Vec<u64> {
    match physical {
        PhysicalType::F32 => decoded
            .chunks_exact(4)
            .map(|b| u64::from(u32::from_le_bytes(b.try_into().expect("4 bytes"))))
            .collect(),
        _ => decoded
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect(),
    }
}

/// The bits of binary64(m) / 10^d in the column's type.
fn value_bits(physical: PhysicalType, m: i64, d: u8) -> u64 {
    let v = m as f64 / power(d);
    match physical {
        PhysicalType::F32 => u64::from((v as f32).to_bits()),
        _ => v.to_bits(),
    }
}

fn mantissa(physical: PhysicalType, bits: u64, d: u8) -> Option<i64> {
    let v = match physical {
        PhysicalType::F32 => f64::from(f32::from_bits(bits as u32)),
        _ => f64::from_bits(bits),
    };
    if !v.is_finite() {
        return None;
    }
    let m = (v * power(d)).round();
    if m.abs() > MAX_MANTISSA as f64 {
        return None;
    }
    let m = m as i64;
    (value_bits(physical, m, d) == bits).then_some(m)
}

/// The smallest scale at which every value of the page is a decimal that
/// decodes to its exact bits, or `None`.
pub fn scale_for(physical: PhysicalType, decoded: &[u8]) -> Option<u8> {
    if !matches!(physical, PhysicalType::F32 | PhysicalType::F64) {
        return None;
    }
    let bits = values(physical, decoded);
    let max = if physical == PhysicalType::F32 {
        9
    } else {
        MAX_SCALE
    };
    (0..=max).find(|&d| bits.iter().all(|&b| mantissa(physical, b, d).is_some()))
}

/// Bit of the first byte: the integers are delta-coded.
const DELTA: u8 = 0x80;

/// Encode; the caller checked [`scale_for`]. The integers are delta-coded
/// when that is shorter (sorted or smooth values), else stored as they are.
pub(crate) fn encode(physical: PhysicalType, decoded: &[u8]) -> Result<Vec<u8>> {
    let d = scale_for(physical, decoded).ok_or(Error::MalformedPage {
        encoding: NAME,
        detail: "a value is not a short decimal (store the page as plain)",
        position: 0,
    })?;
    let m: Vec<i64> = values(physical, decoded)
        .into_iter()
        .map(|b| mantissa(physical, b, d).expect("checked by scale_for"))
        .collect();
    let mut plain = vec![d];
    let mut delta = vec![d | DELTA];
    let mut previous = 0i64;
    for &x in &m {
        write_u64(&mut plain, zigzag(x));
        write_u64(&mut delta, zigzag(x.wrapping_sub(previous)));
        previous = x;
    }
    Ok(if delta.len() < plain.len() {
        delta
    } else {
        plain
    })
}

pub(crate) fn decode(physical: PhysicalType, num_values: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let bad = |detail: &'static str, position: usize| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: position as u64,
    };
    let (&first, rest) = stored.split_first().ok_or(bad("no scale byte", 0))?;
    let (d, delta) = (first & !DELTA, first & DELTA != 0);
    if d > MAX_SCALE {
        return Err(bad("scale above 18", 0));
    }
    if num_values as usize > rest.len() {
        return Err(bad("fewer bytes than values", stored.len()));
    }
    let width = physical.width().expect("float type");
    let mut out = Vec::with_capacity(num_values as usize * width);
    let mut pos = 0usize;
    let mut m = 0i64;
    for _ in 0..num_values {
        let start = pos;
        let code = read_u64(rest, &mut pos).map_err(|e| {
            bad(
                match e {
                    VarintError::Truncated => "page ends inside a varint",
                    VarintError::Overflow => "varint longer than 64 bits",
                },
                start + 1,
            )
        })?;
        m = if delta {
            m.wrapping_add(unzigzag(code))
        } else {
            unzigzag(code)
        };
        if m.unsigned_abs() > MAX_MANTISSA as u64 {
            return Err(bad("an integer beyond 2^53", start + 1));
        }
        let bits = value_bits(physical, m, d);
        match physical {
            PhysicalType::F32 => out.extend_from_slice(&(bits as u32).to_le_bytes()),
            _ => out.extend_from_slice(&bits.to_le_bytes()),
        }
    }
    if pos != rest.len() {
        return Err(bad("bytes left after the last value", pos + 1));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn short_decimals_round_trip_at_their_scale() {
        let page = f32s(&[4.70307, 4.70374, 0.0, 29.0, -1.5]);
        assert_eq!(scale_for(PhysicalType::F32, &page), Some(5));
        let stored = encode(PhysicalType::F32, &page).unwrap();
        assert_eq!(stored[0], 5, "as they are");
        assert_eq!(decode(PhysicalType::F32, 5, &stored).unwrap(), page);
        let page = f32s(&[4.70307, 4.70374, 4.70401]);
        let stored = encode(PhysicalType::F32, &page).unwrap();
        assert_eq!(stored[0], 0x85, "delta-coded");
        assert_eq!(decode(PhysicalType::F32, 3, &stored).unwrap(), page);
        // Spec 7.8 examples: f32 1.5, 2.25 at scale 2 are 150, 225, stored
        // as they are (zigzag 300, 450); 1.5, 1.51, 1.52 as deltas (+150,
        // +1, +1).
        let page = f32s(&[1.5, 2.25]);
        let stored = encode(PhysicalType::F32, &page).unwrap();
        assert_eq!(stored, [0x02, 0xAC, 0x02, 0xC2, 0x03]);
        assert_eq!(decode(PhysicalType::F32, 2, &stored).unwrap(), page);
        let page = f32s(&[1.5, 1.51, 1.52]);
        let stored = encode(PhysicalType::F32, &page).unwrap();
        assert_eq!(stored, [0x82, 0xAC, 0x02, 0x02, 0x02]);
        assert_eq!(decode(PhysicalType::F32, 3, &stored).unwrap(), page);
    }

    #[test]
    fn values_that_are_not_decimals_are_refused() {
        assert_eq!(scale_for(PhysicalType::F32, &f32s(&[f32::NAN])), None);
        assert_eq!(scale_for(PhysicalType::F32, &f32s(&[-0.0])), None);
        assert_eq!(scale_for(PhysicalType::F32, &f32s(&[1e-20])), None);
        let third: Vec<u8> = (0.1f64 + 0.2).to_le_bytes().to_vec();
        assert_eq!(scale_for(PhysicalType::F64, &third), None);
        assert_eq!(scale_for(PhysicalType::I32, &[0; 4]), None);
        let f64s: Vec<u8> = [0.1f64, 1e-12]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(scale_for(PhysicalType::F64, &f64s), Some(12));
    }

    #[test]
    fn malformed_pages_are_errors() {
        assert!(decode(PhysicalType::F32, 1, &[]).is_err());
        assert!(decode(PhysicalType::F32, 1, &[19, 0]).is_err());
        assert!(decode(PhysicalType::F32, 1, &[0x80 | 19, 0]).is_err());
        assert!(decode(PhysicalType::F32, 1, &[0, 0, 0]).is_err());
        assert!(decode(PhysicalType::F32, 2, &[0, 0x80]).is_err());
    }
}
