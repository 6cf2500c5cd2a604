//! `base-model` (spec 7.12, format 1.5), for the packed 2-bit `bases`
//! column (spec 12.3): each base is coded with an order-k context model
//! over the page's previous bases (optionally also learning from the
//! reverse-complement strand, as reads come from both), through the range
//! coder of [`super::arith`]. Archive-level: smaller than zstd on reads,
//! slower to decode.

use super::arith::{with_scratch, Models, RangeDecoder, RangeEncoder, MAX_TOTAL};
use crate::{Error, Result};

const NAME: &str = "base-model";

/// Header flag: also learn from the reverse complement.
const FLAG_REVERSE: u8 = 1;
/// Largest order (4^k contexts x 4 symbols = 2^24 model entries).
pub const MAX_ORDER: u8 = 11;
/// Header length: order, flags, step, max total (u16).
const HEADER: usize = 5;

/// Parameters of a page (spec 7.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Bases of context, 1 ..= 11.
    pub order: u8,
    /// Learn from the reverse-complement strand too.
    pub reverse: bool,
    /// Frequency increment, 1 ..= 255.
    pub step: u8,
    /// Halve a model's frequencies when its total passes this, 16 ..= 65,504.
    pub max_total: u16,
}

/// The reference writer's parameters, measured on Illumina and nanopore
/// reads (`benches/README.md`).
pub const DEFAULT: Params = Params {
    order: 11,
    reverse: true,
    step: 16,
    max_total: 256,
};

impl Params {
    fn check(&self) -> std::result::Result<(), &'static str> {
        if self.order == 0 || self.order > MAX_ORDER {
            return Err("order outside 1..=11");
        }
        if self.step == 0 {
            return Err("step 0");
        }
        if self.max_total < 16 || u32::from(self.max_total) > MAX_TOTAL {
            return Err("maximum total outside 16..=65504");
        }
        Ok(())
    }
}

/// [`with_scratch`] with the models of `params`.
fn with_models<T>(params: Params, f: impl FnOnce(&mut Models) -> T) -> T {
    with_scratch(
        1usize << (2 * params.order),
        4,
        u32::from(params.step),
        u32::from(params.max_total),
        f,
    )
}

/// Context state over the page's bases.
struct Walker {
    mask: u64,
    order: u32,
    reverse: bool,
    forward: u64,
    backward: u64,
    seen: u64,
}

impl Walker {
    fn new(params: Params) -> Walker {
        Walker {
            mask: (1u64 << (2 * params.order)) - 1,
            order: u32::from(params.order),
            reverse: params.reverse,
            forward: 0,
            backward: 0,
            seen: 0,
        }
    }

    #[inline]
    fn context(&self) -> usize {
        self.forward as usize
    }

    /// Take base `s` into the context, and learn from the reverse strand.
    #[inline]
    fn push(&mut self, s: u8, models: &mut Models) {
        self.forward = ((self.forward << 2) | u64::from(s)) & self.mask;
        if self.reverse {
            self.backward = (self.backward >> 2) | (u64::from(3 - s) << (2 * self.order));
            self.seen += 1;
            if self.seen > u64::from(self.order) {
                models.observe((self.backward >> 2) as usize, (self.backward & 3) as u8);
            }
        }
    }
}

/// Encode packed bases (4 per byte, first in the high bits).
pub fn encode(packed: &[u8], params: Params) -> Result<Vec<u8>> {
    params.check().map_err(|detail| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: 0,
    })?;
    let mut out = Vec::with_capacity(packed.len() / 3 + 16);
    out.push(params.order);
    out.push(if params.reverse { FLAG_REVERSE } else { 0 });
    out.push(params.step);
    out.extend_from_slice(&params.max_total.to_le_bytes());
    Ok(with_models(params, |models| {
        let mut rc = RangeEncoder::new(out);
        let mut walker = Walker::new(params);
        for &byte in packed {
            for shift in [6u32, 4, 2, 0] {
                let s = (byte >> shift) & 3;
                models.encode(&mut rc, walker.context(), s);
                walker.push(s, models);
            }
        }
        rc.finish()
    }))
}

/// Decode a page of `num_values` packed bytes.
pub fn decode(num_values: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let malformed = |detail, position: usize| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: position as u64,
    };
    if stored.len() < HEADER {
        return Err(malformed("page shorter than its header", stored.len()));
    }
    if stored[1] & !FLAG_REVERSE != 0 {
        return Err(malformed("unknown header flags", 1));
    }
    let params = Params {
        order: stored[0],
        reverse: stored[1] & FLAG_REVERSE != 0,
        step: stored[2],
        max_total: u16::from_le_bytes([stored[3], stored[4]]),
    };
    params.check().map_err(|detail| malformed(detail, 0))?;
    let mut out = Vec::with_capacity(num_values as usize);
    with_models(params, |models| -> Result<()> {
        let mut rd = RangeDecoder::new(&stored[HEADER..], NAME)?;
        let mut walker = Walker::new(params);
        for _ in 0..num_values {
            let mut byte = 0u8;
            for _ in 0..4 {
                let s = models.decode(&mut rd, walker.context())?;
                byte = (byte << 2) | s;
                walker.push(s, models);
            }
            out.push(byte);
        }
        rd.finish()
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_pages() {
        let mut x = 3u64;
        let unit: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let packed: Vec<u8> = unit
            .iter()
            .chain(&unit)
            .chain(&unit[..123])
            .copied()
            .collect();
        for params in [
            DEFAULT,
            Params {
                order: 1,
                reverse: false,
                step: 1,
                max_total: 16,
            },
        ] {
            let page = encode(&packed, params).unwrap();
            assert_eq!(decode(packed.len() as u32, &page).unwrap(), packed);
            if params == DEFAULT {
                // The repeats cost little.
                assert!(page.len() < unit.len() + 1000, "{}", page.len());
            }
        }
        // (The stream does not record its count: the directory entry's
        // checksum protects that.)
        let page = encode(&packed, DEFAULT).unwrap();
        let mut bad = page.clone();
        bad[0] = 12;
        assert!(decode(packed.len() as u32, &bad).is_err());
        assert_eq!(
            decode(0, &encode(&[], DEFAULT).unwrap()).unwrap(),
            Vec::<u8>::new()
        );
    }
}

#[cfg(test)]
mod spec_example {
    use super::*;

    /// The example of spec 7.12: `ACGTACGT` packed as `1B 1B`.
    #[test]
    fn spec_example_bytes() {
        let params = Params {
            order: 2,
            reverse: true,
            step: 16,
            max_total: 256,
        };
        let page = encode(&[0x1B, 0x1B], params).unwrap();
        let hex: Vec<String> = page.iter().map(|b| format!("{b:02X}")).collect();
        println!("{}", hex.join(" "));
        assert_eq!(decode(2, &page).unwrap(), [0x1B, 0x1B]);
    }
}
