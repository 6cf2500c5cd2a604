//! The range coder and adaptive frequency models shared by the
//! context-model encodings (spec 7.9): `quality-model` (7.10),
//! `name-tokens` (7.11) and `arith` (7.12).
//!
//! The coder is the carry-propagating range coder that CRAMcodecs section
//! 3 describes for its arithmetic coders (32-bit range, 64-bit low, one
//! cached byte and a run of pending `0xFF` bytes); the models are adaptive
//! frequency tables kept roughly sorted by frequency, as CRAMcodecs'
//! `ModelCreate`/`ModelEncode`/`ModelDecode` are, with the increment and
//! limit written down in spec 7.9. Written here, not taken from a crate:
//! noodles-cram keeps its coders private, and the decoder must report
//! malformed input (a value past the model's total, a read past the page)
//! instead of trusting it.

use crate::{Error, Result};

/// Added to a symbol's frequency each time it is coded.
pub const STEP: u16 = 4;
/// When a model's total passes this, every frequency is halved (rounding up).
pub const MAX_TOTAL: u32 = (1 << 16) - 32;
/// Renormalise when the range falls below this.
const TOP: u32 = 1 << 24;

/// Range encoder writing to a byte vector.
pub struct RangeEncoder {
    low: u64,
    range: u32,
    cache: u8,
    pending: u64,
    out: Vec<u8>,
}

impl Default for RangeEncoder {
    fn default() -> Self {
        RangeEncoder::new(Vec::new())
    }
}

impl RangeEncoder {
    /// A coder appending to `out`.
    pub fn new(out: Vec<u8>) -> RangeEncoder {
        RangeEncoder {
            low: 0,
            range: u32::MAX,
            cache: 0,
            pending: 0,
            out,
        }
    }

    /// Code the interval `[cum, cum + freq)` of `total` (`total` at most 2^16).
    #[inline]
    pub fn encode(&mut self, cum: u32, freq: u32, total: u32) {
        let r = self.range / total;
        self.low += u64::from(r) * u64::from(cum);
        self.range = r * freq;
        while self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    #[inline]
    fn shift_low(&mut self) {
        if self.low < 0xFF00_0000 || self.low >= 1 << 32 {
            let carry = (self.low >> 32) as u8;
            self.out.push(self.cache.wrapping_add(carry));
            for _ in 0..self.pending {
                self.out.push(0xFFu8.wrapping_add(carry));
            }
            self.pending = 0;
            self.cache = (self.low >> 24) as u8;
        } else {
            self.pending += 1;
        }
        self.low = (self.low << 8) & 0xFFFF_FFFF;
    }

    /// Flush the coder and return its bytes (the first is always 0).
    pub fn finish(mut self) -> Vec<u8> {
        for _ in 0..5 {
            self.shift_low();
        }
        self.out
    }
}

/// Range decoder over a page's coded bytes.
pub struct RangeDecoder<'a> {
    code: u32,
    range: u32,
    src: &'a [u8],
    pos: usize,
    overrun: bool,
    name: &'static str,
}

impl<'a> RangeDecoder<'a> {
    /// Start decoding `src`; `name` is the encoding named in errors.
    pub fn new(src: &'a [u8], name: &'static str) -> Result<RangeDecoder<'a>> {
        if src.len() < 5 {
            return Err(Error::MalformedPage {
                encoding: name,
                detail: "coded stream shorter than 5 bytes",
                position: src.len() as u64,
            });
        }
        if src[0] != 0 {
            return Err(Error::MalformedPage {
                encoding: name,
                detail: "coded stream does not start with a zero byte",
                position: 0,
            });
        }
        Ok(RangeDecoder {
            code: u32::from_be_bytes([src[1], src[2], src[3], src[4]]),
            range: u32::MAX,
            src,
            pos: 5,
            overrun: false,
            name,
        })
    }

    /// The scaled value for a model of `total`: the caller finds the symbol
    /// whose interval holds it, then calls [`RangeDecoder::consume`].
    #[inline]
    pub fn target(&mut self, total: u32) -> Result<u32> {
        self.range /= total;
        let value = self.code / self.range;
        if value >= total {
            return Err(Error::MalformedPage {
                encoding: self.name,
                detail: "coded value past the model's total",
                position: self.pos as u64,
            });
        }
        Ok(value)
    }

    /// Remove the interval `[cum, cum + freq)` found for the last target.
    /// Reading past the end of the stream is an error at once (spec 7.9),
    /// so a short page cannot make the decoder run through its count.
    #[inline]
    pub fn consume(&mut self, cum: u32, freq: u32) -> Result<()> {
        self.code -= cum * self.range;
        self.range *= freq;
        while self.range < TOP {
            self.range <<= 8;
            let Some(&byte) = self.src.get(self.pos) else {
                self.overrun = true;
                return Err(Error::MalformedPage {
                    encoding: self.name,
                    detail: "coded stream ends early",
                    position: self.src.len() as u64,
                });
            };
            self.pos += 1;
            self.code = (self.code << 8) | u32::from(byte);
        }
        Ok(())
    }

    /// Check that decoding read every byte and no more.
    pub fn finish(self) -> Result<()> {
        if self.overrun || self.pos != self.src.len() {
            return Err(Error::MalformedPage {
                encoding: self.name,
                detail: if self.overrun {
                    "coded stream ends early"
                } else {
                    "bytes after the coded stream"
                },
                position: self.pos.min(self.src.len()) as u64,
            });
        }
        Ok(())
    }
}

/// A set of adaptive frequency models over one alphabet of `nsym` symbols
/// (0 .. nsym), one per context, created on first use.
///
/// Each entry packs a frequency (bits 8..) and its symbol (bits 0..8), so
/// the search walks one array. Entries of the contexts in use are stored
/// one after another in the order they were opened: the memory used grows
/// with the contexts a page touches, not with the number of contexts, and
/// stays dense in the cache.
pub struct Models {
    nsym: usize,
    /// Frequency increment ([`STEP`] unless set).
    step: u32,
    /// Halve the frequencies when the total passes this ([`MAX_TOTAL`] unless set).
    max_total: u32,
    /// Entries of the open contexts, `nsym` each.
    entries: Vec<u32>,
    /// Per context: where its entries start (valid while it is open) and
    /// the sum of its frequencies (0 until first used), side by side.
    slots: Vec<[u32; 2]>,
    /// Contexts in use, to reset them cheaply for the next page.
    touched: Vec<u32>,
}

/// A copy of a set of models' state ([`Models::snapshot`]): the entries
/// of the contexts opened, in the order they were opened, and each one's
/// context and total.
#[derive(Debug, Clone)]
pub struct Snapshot {
    nsym: usize,
    contexts: usize,
    entries: Vec<u32>,
    opened: Vec<[u32; 2]>,
}

impl Models {
    /// `contexts` models of `nsym` (1..=256) symbols each.
    pub fn new(contexts: usize, nsym: usize) -> Models {
        debug_assert!((1..=256).contains(&nsym));
        Models {
            nsym,
            step: u32::from(STEP),
            max_total: MAX_TOTAL,
            entries: Vec::new(),
            slots: vec![[0, 0]; contexts],
            touched: Vec::new(),
        }
    }

    /// Make these `contexts` models of `nsym` symbols, all unused, keeping
    /// the memory already held.
    pub fn reshape(&mut self, contexts: usize, nsym: usize) {
        debug_assert!((1..=256).contains(&nsym));
        self.reset();
        self.nsym = nsym;
        self.slots.resize(contexts, [0, 0]);
    }

    /// Bytes of memory held.
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * 4 + self.slots.capacity() * 8 + self.touched.capacity() * 4
    }

    /// Largest [`Models::heap_bytes`] a thread keeps between pages: quality
    /// models reach tens of MiB, and freeing them after each page made
    /// every page fault its tables in again (a third of conversion time);
    /// larger sets are freed after their page.
    pub const KEEP_BYTES: usize = 96 << 20;

    /// Number of contexts.
    pub fn contexts(&self) -> usize {
        self.slots.len()
    }

    /// Forget every model (they start again as on creation).
    pub fn reset(&mut self) {
        for &ctx in &self.touched {
            self.slots[ctx as usize][1] = 0;
        }
        self.touched.clear();
        self.entries.clear();
    }

    /// The models as they stand (spec 7.14: a primed page starts from the
    /// state its column's first page left).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            nsym: self.nsym,
            contexts: self.slots.len(),
            entries: self.entries.clone(),
            opened: self
                .touched
                .iter()
                .map(|&ctx| [ctx, self.slots[ctx as usize][1]])
                .collect(),
        }
    }

    /// Make these models the ones of `snapshot` (same contexts and
    /// alphabet), keeping the memory already held: the cost is a copy of
    /// the snapshot's entries, not of every context.
    pub fn restore(&mut self, snapshot: &Snapshot) {
        self.reshape(snapshot.contexts, snapshot.nsym);
        self.entries.extend_from_slice(&snapshot.entries);
        for (i, &[ctx, total]) in snapshot.opened.iter().enumerate() {
            self.slots[ctx as usize] = [(i * self.nsym) as u32, total];
            self.touched.push(ctx);
        }
    }

    #[inline]
    fn open(&mut self, ctx: usize) -> usize {
        let slot = self.slots[ctx];
        if slot[1] == 0 {
            let base = self.entries.len();
            self.entries
                .extend((0..self.nsym as u32).map(|i| (1 << 8) | i));
            self.slots[ctx] = [base as u32, self.nsym as u32];
            self.touched.push(ctx as u32);
            return base;
        }
        slot[0] as usize
    }

    #[inline]
    fn update(&mut self, ctx: usize, base: usize, i: usize) {
        let entries = &mut self.entries[base..base + self.nsym];
        entries[i] += self.step << 8;
        let mut total = self.slots[ctx][1] + self.step;
        if total > self.max_total {
            total = 0;
            for e in entries.iter_mut() {
                let f = *e >> 8;
                let f = f - (f >> 1);
                *e = (f << 8) | (*e & 0xFF);
                total += f;
            }
        }
        self.slots[ctx][1] = total;
        if i > 0 && entries[i] >> 8 > entries[i - 1] >> 8 {
            entries.swap(i, i - 1);
        }
    }

    /// Code `sym` (< nsym) with the model of context `ctx`.
    #[inline]
    pub fn encode(&mut self, rc: &mut RangeEncoder, ctx: usize, sym: u8) {
        let base = self.open(ctx);
        let entries = &self.entries[base..base + self.nsym];
        let mut cum = 0u32;
        let mut i = 0;
        while entries[i] as u8 != sym {
            cum += entries[i] >> 8;
            i += 1;
        }
        rc.encode(cum, entries[i] >> 8, self.slots[ctx][1]);
        self.update(ctx, base, i);
    }

    /// Update the model of context `ctx` as if `sym` had been coded.
    #[inline]
    pub fn observe(&mut self, ctx: usize, sym: u8) {
        let base = self.open(ctx);
        let entries = &self.entries[base..base + self.nsym];
        let mut i = 0;
        while entries[i] as u8 != sym {
            i += 1;
        }
        self.update(ctx, base, i);
    }

    /// Decode one symbol with the model of context `ctx`.
    #[inline]
    pub fn decode(&mut self, rc: &mut RangeDecoder<'_>, ctx: usize) -> Result<u8> {
        let base = self.open(ctx);
        let target = rc.target(self.slots[ctx][1])?;
        let entries = &self.entries[base..base + self.nsym];
        let mut cum = 0u32;
        let mut i = 0;
        // The target is below the total, so the walk ends inside the table.
        let mut f = entries[0] >> 8;
        while cum + f <= target {
            cum += f;
            i += 1;
            f = entries[i] >> 8;
        }
        rc.consume(cum, f)?;
        let sym = entries[i] as u8;
        self.update(ctx, base, i);
        Ok(sym)
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Option<Models>> = const { std::cell::RefCell::new(None) };
}

/// Run `f` with `contexts` models of `nsym` symbols, frequency increment
/// `step` and halving above `max_total`, reusing this thread's memory
/// across pages (a fresh set costs page faults on every use); sets above
/// [`Models::KEEP_BYTES`] are freed afterwards.
pub fn with_scratch<T>(
    contexts: usize,
    nsym: usize,
    step: u32,
    max_total: u32,
    f: impl FnOnce(&mut Models) -> T,
) -> T {
    let mut models = match SCRATCH.with(|s| s.borrow_mut().take()) {
        Some(mut m) => {
            m.reshape(contexts, nsym);
            m
        }
        None => Models::new(contexts, nsym),
    };
    models.step = step;
    models.max_total = max_total.min(MAX_TOTAL);
    let out = f(&mut models);
    if models.heap_bytes() <= Models::KEEP_BYTES {
        models.reset();
        SCRATCH.with(|s| *s.borrow_mut() = Some(models));
    }
    out
}

/// Code an unsigned value of up to 32 bits as four bytes, low byte first,
/// each with its own context `first_ctx + k` of a 256-symbol model set.
#[inline]
pub fn encode_u32(models: &mut Models, rc: &mut RangeEncoder, first_ctx: usize, value: u32) {
    for (k, byte) in value.to_le_bytes().into_iter().enumerate() {
        models.encode(rc, first_ctx + k, byte);
    }
}

/// Inverse of [`encode_u32`].
#[inline]
pub fn decode_u32(models: &mut Models, rc: &mut RangeDecoder<'_>, first_ctx: usize) -> Result<u32> {
    let mut bytes = [0u8; 4];
    for (k, byte) in bytes.iter_mut().enumerate() {
        *byte = models.decode(rc, first_ctx + k)?;
    }
    Ok(u32::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_contexts() {
        let data: Vec<u8> = (0..20_000u32)
            .map(|i| ((i * 7919) % 13 + (i % 3)) as u8)
            .collect();
        let mut models = Models::new(4, 16);
        let mut rc = RangeEncoder::default();
        for (i, &b) in data.iter().enumerate() {
            models.encode(&mut rc, i % 4, b);
        }
        let bytes = rc.finish();
        assert_eq!(bytes[0], 0);
        assert!(bytes.len() < data.len() / 2, "{}", bytes.len());
        let mut models = Models::new(4, 16);
        let mut rd = RangeDecoder::new(&bytes, "test").unwrap();
        for (i, &b) in data.iter().enumerate() {
            assert_eq!(models.decode(&mut rd, i % 4).unwrap(), b);
        }
        rd.finish().unwrap();
    }

    #[test]
    fn empty_stream_is_five_zero_bytes() {
        assert_eq!(RangeEncoder::default().finish(), vec![0; 5]);
    }

    #[test]
    fn truncated_and_padded_streams_are_refused() {
        let mut models = Models::new(1, 256);
        let mut rc = RangeEncoder::default();
        for b in 0..=255u8 {
            models.encode(&mut rc, 0, b);
        }
        let bytes = rc.finish();
        let decode = |bytes: &[u8]| -> Result<()> {
            let mut models = Models::new(1, 256);
            let mut rd = RangeDecoder::new(bytes, "test")?;
            for _ in 0..256 {
                models.decode(&mut rd, 0)?;
            }
            rd.finish()
        };
        decode(&bytes).unwrap();
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
    }

    #[test]
    fn carries_propagate() {
        // Long runs of the most likely symbol drive low towards 0xFF.. runs.
        let mut models = Models::new(1, 2);
        let mut rc = RangeEncoder::default();
        let data: Vec<u8> = (0..200_000).map(|i| u8::from(i % 997 == 0)).collect();
        for &b in &data {
            models.encode(&mut rc, 0, b);
        }
        let bytes = rc.finish();
        let mut models = Models::new(1, 2);
        let mut rd = RangeDecoder::new(&bytes, "test").unwrap();
        for &b in &data {
            assert_eq!(models.decode(&mut rd, 0).unwrap(), b);
        }
        rd.finish().unwrap();
    }
}
