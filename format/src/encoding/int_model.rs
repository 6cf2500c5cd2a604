//! `int-model` (spec 7.13, format 1.6), for integer columns: the varint
//! bytes of `varint` (7.6) or `delta-varint` (7.2) coded with adaptive
//! frequency models (7.9), one model per byte position within a varint
//! and, for a varint's first byte, optionally per first byte of the
//! previous varint (order 1). This is order-0 entropy coding for the small
//! integers alignments are made of (position gaps, flags, query offsets,
//! list lengths), where zstd's byte matching finds little; it works on any
//! page without a dictionary or training.

use super::arith::{with_scratch, Models, RangeDecoder, RangeEncoder, MAX_TOTAL, STEP};
use super::{delta_varint, varint_plain};
use crate::{Error, PhysicalType, Result};

const NAME: &str = "int-model";

/// Header flag: the bytes are `delta-varint`'s (else `varint`'s).
pub const FLAG_DELTA: u8 = 1;
/// Header flag: a varint's first byte is coded in the context of the
/// previous varint's first byte.
pub const FLAG_ORDER1: u8 = 2;
/// Contexts: 256 for first bytes, then one per later byte position (1..9).
const CONTEXTS: usize = 256 + 9;
/// Longest varint (spec 6.3).
const MAX_VARINT: usize = 10;

fn malformed(detail: &'static str, position: usize) -> Error {
    Error::MalformedPage {
        encoding: NAME,
        detail,
        position: position as u64,
    }
}

/// The context of byte `j` of a varint whose predecessor began with `prev`.
fn context(flags: u8, j: usize, prev: u8) -> usize {
    match j {
        0 if flags & FLAG_ORDER1 != 0 => usize::from(prev),
        0 => 0,
        j => 255 + j,
    }
}

/// Each byte of `bytes` (whole varints) with the context `flags` give it.
fn with_contexts(bytes: &[u8], flags: u8) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (mut j, mut prev, mut first) = (0usize, 0u8, 0u8);
    bytes.iter().map(move |&b| {
        let ctx = context(flags, j, prev);
        if j == 0 {
            first = b;
        }
        if b & 0x80 != 0 {
            j += 1;
        } else {
            j = 0;
            prev = first;
        }
        (ctx, b)
    })
}

/// Code the varint bytes `bytes` (whole varints) with `flags`.
fn code_bytes(bytes: &[u8], flags: u8) -> Vec<u8> {
    with_scratch(
        CONTEXTS,
        256,
        u32::from(STEP),
        MAX_TOTAL,
        |models: &mut Models| {
            let mut rc = RangeEncoder::new(vec![flags]);
            for (ctx, b) in with_contexts(bytes, flags) {
                models.encode(&mut rc, ctx, b);
            }
            rc.finish()
        },
    )
}

/// Estimated coded bits of `bytes` with `flags`: the empirical entropy of
/// each context's bytes, plus about 12 bits for every symbol a context
/// learns (an adaptive model pays to discover it).
fn estimate(bytes: &[u8], flags: u8) -> f64 {
    let mut counts = vec![[0u32; 256]; CONTEXTS];
    for (ctx, b) in with_contexts(bytes, flags) {
        counts[ctx][usize::from(b)] += 1;
    }
    let mut bits = 0.0;
    for c in &counts {
        let total: u32 = c.iter().sum();
        if total == 0 {
            continue;
        }
        let t = f64::from(total);
        for &n in c.iter().filter(|&&n| n > 0) {
            let n = f64::from(n);
            bits += n * (t / n).log2() + 12.0;
        }
    }
    bits
}

/// Encode a page of integer values given in their decoded layout, with
/// the flags whose estimated size is smallest (the first of 0, 2, 1, 3 on
/// a tie); short pages try all four and keep the smallest.
pub fn encode(physical: PhysicalType, decoded: &[u8]) -> Vec<u8> {
    let plain = varint_plain::encode(physical, decoded);
    let delta = delta_varint::encode(physical, decoded);
    let choices = [
        (&plain, 0),
        (&plain, FLAG_ORDER1),
        (&delta, FLAG_DELTA),
        (&delta, FLAG_DELTA | FLAG_ORDER1),
    ];
    if plain.len() + delta.len() > 1 << 14 {
        let (bytes, flags) = choices
            .iter()
            .map(|&(b, f)| (b, f, estimate(b, f)))
            .fold(None, |best: Option<(&Vec<u8>, u8, f64)>, c| match best {
                Some(b) if b.2 <= c.2 => Some(b),
                _ => Some(c),
            })
            .map(|(b, f, _)| (b, f))
            .expect("four choices");
        return code_bytes(bytes, flags);
    }
    let mut best: Option<Vec<u8>> = None;
    for (bytes, flags) in choices {
        let coded = code_bytes(bytes, flags);
        if best.as_ref().is_none_or(|b| coded.len() < b.len()) {
            best = Some(coded);
        }
    }
    best.expect("four candidates")
}

/// Decode `num_values` values of `physical` type from a page.
pub fn decode(physical: PhysicalType, num_values: u32, page: &[u8]) -> Result<Vec<u8>> {
    let (&flags, stream) = page
        .split_first()
        .ok_or_else(|| malformed("empty page (no flags byte)", 0))?;
    if flags & !(FLAG_DELTA | FLAG_ORDER1) != 0 {
        return Err(malformed("unknown flags (bits other than 0 and 1)", 0));
    }
    let mut bytes = Vec::with_capacity((num_values as usize).min(crate::MAX_PAGE_BYTES as usize));
    with_scratch(
        CONTEXTS,
        256,
        u32::from(STEP),
        MAX_TOTAL,
        |models: &mut Models| -> Result<()> {
            let mut rc = RangeDecoder::new(stream, NAME)?;
            let mut prev = 0u8;
            for _ in 0..num_values {
                let mut first = 0u8;
                for j in 0..MAX_VARINT {
                    let b = models.decode(&mut rc, context(flags, j, prev))?;
                    if bytes.len() >= crate::MAX_PAGE_BYTES as usize {
                        return Err(malformed(
                            "varint bytes beyond the page limit (MAX_PAGE_BYTES)",
                            page.len(),
                        ));
                    }
                    bytes.push(b);
                    if j == 0 {
                        first = b;
                    }
                    if b & 0x80 == 0 {
                        break;
                    }
                    if j + 1 == MAX_VARINT {
                        return Err(malformed("a varint longer than 10 bytes", page.len()));
                    }
                }
                prev = first;
            }
            rc.finish()
        },
    )?;
    if flags & FLAG_DELTA != 0 {
        delta_varint::decode(physical, num_values, &bytes)
    } else {
        varint_plain::decode(physical, num_values, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec 7.13's example, coded by hand from 7.9: `u8` values 5, 5, 6
    /// with flags 0 are the varint bytes 05 05 06, each coded in context 0.
    #[test]
    fn spec_example() {
        let page = code_bytes(&[5, 5, 6], 0);
        assert_eq!(
            page,
            [0x00, 0x00, 0x05, 0x04, 0x33, 0x0F, 0x96, 0x00],
            "{page:02X?}"
        );
        assert_eq!(decode(PhysicalType::U8, 3, &page).unwrap(), [5, 5, 6]);
    }

    #[test]
    fn every_choice_round_trips() {
        let values: Vec<i32> = (0..5000).map(|i| (i * 7919 % 301) - 150 + i / 10).collect();
        let decoded: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        for flags in [0, FLAG_DELTA, FLAG_ORDER1, FLAG_DELTA | FLAG_ORDER1] {
            let bytes = if flags & FLAG_DELTA != 0 {
                delta_varint::encode(PhysicalType::I32, &decoded)
            } else {
                varint_plain::encode(PhysicalType::I32, &decoded)
            };
            let page = code_bytes(&bytes, flags);
            assert_eq!(decode(PhysicalType::I32, 5000, &page).unwrap(), decoded);
        }
        let best = encode(PhysicalType::I32, &decoded);
        assert_eq!(decode(PhysicalType::I32, 5000, &best).unwrap(), decoded);
        // Damage: unknown flags, a cut stream, too few values.
        let mut bad = best.clone();
        bad[0] |= 4;
        assert!(decode(PhysicalType::I32, 5000, &bad).is_err());
        assert!(decode(PhysicalType::I32, 5000, &best[..best.len() - 3]).is_err());
        assert!(decode(PhysicalType::I32, 4999, &best).is_err());
        assert!(decode(PhysicalType::I32, 1, &[]).is_err());
    }
}
