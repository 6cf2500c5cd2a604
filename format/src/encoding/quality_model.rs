//! `quality-model` (spec 7.10, format 1.5), for `u8` columns of quality
//! values: an adaptive context model in the class of CRAM 3.1's
//! fqzcomp_qual (CRAMcodecs section 6) driving the range coder of
//! [`super::arith`]. Each value is coded with the model selected by the
//! previous values of its read, its position in the read and how much the
//! read's values have varied so far. A page holds whole reads (segments)
//! and their lengths, so it decodes without its neighbours.

use super::arith::{
    decode_u32, encode_u32, with_scratch, Models, RangeDecoder, RangeEncoder, Snapshot, MAX_TOTAL,
    STEP,
};
use crate::varint::{read_u64, write_u64};
use crate::{Error, Result};

const NAME: &str = "quality-model";

/// Header flag: every segment has the same length (the last may be shorter).
const FLAG_FIXED: u8 = 1;
/// Largest number of context bits (qbits + pbits + dbits).
pub const MAX_CONTEXT_BITS: u32 = 20;
/// Largest number of model entries, contexts x symbols (64 MiB of state).
pub const MAX_MODEL_ENTRIES: usize = 1 << 24;

/// The context parameters of a page (spec 7.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Bits of the history of previous values.
    pub qbits: u8,
    /// How far the history moves for each value.
    pub qshift: u8,
    /// Bits of the position bucket.
    pub pbits: u8,
    /// Position is divided by 2^pshift before it is capped.
    pub pshift: u8,
    /// Bits of the variation bucket.
    pub dbits: u8,
    /// Variation is divided by 2^dshift before its bit length is taken.
    pub dshift: u8,
}

impl Params {
    fn context_bits(&self) -> u32 {
        u32::from(self.qbits) + u32::from(self.pbits) + u32::from(self.dbits)
    }

    fn check(&self, m: usize) -> std::result::Result<(), &'static str> {
        if self.context_bits() <= MAX_CONTEXT_BITS && (m << self.context_bits()) > MAX_MODEL_ENTRIES
        {
            return Err("more than 2^24 model entries (contexts x symbols)");
        }
        if self.qbits > 16 || self.pbits > 8 || self.dbits > 8 {
            return Err("context field wider than its limit");
        }
        if self.context_bits() > MAX_CONTEXT_BITS {
            return Err("more than 20 context bits");
        }
        if self.qshift > 8 || self.pshift > 15 || self.dshift > 15 {
            return Err("shift larger than its limit");
        }
        Ok(())
    }

    /// Candidate parameters for an alphabet of `m` symbols and segments of
    /// at most `max_len` values, best first for typical data.
    pub fn candidates(m: usize, max_len: usize) -> Vec<Params> {
        let b = bit_len(m.saturating_sub(1) as u64).max(1) as u8;
        // Position buckets spread over the longest read.
        let pshift = |pbits: u8| -> u8 {
            if pbits == 0 {
                return 0;
            }
            let span = (max_len.max(1) as u64 - 1) >> pbits;
            bit_len(span).min(15) as u8
        };
        let mut out = Vec::new();
        for (qbits, qshift, pbits, dbits) in [
            (2 * b, b, 0u8, 4u8),
            (2 * b, b, 4, 3),
            (b, b, 0, 0),
            (b, b, 2, 2),
            (2 * b, b, 0, 0),
        ] {
            let qbits = qbits.min(16);
            let p = Params {
                qbits,
                qshift: qshift.min(8),
                pbits,
                pshift: pshift(pbits),
                dbits,
                dshift: 0,
            };
            if p.check(m.max(1)).is_ok() && !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// Bit length of `x` (0 for 0).
#[inline]
fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// Context state while coding one segment.
struct Walker {
    params: Params,
    qmask: u32,
    pmax: u32,
    dmax: u32,
    qctx: u32,
    prev: u32,
    delta: u32,
    pos: u32,
}

impl Walker {
    fn new(params: Params) -> Walker {
        Walker {
            params,
            qmask: (1u32 << params.qbits) - 1,
            pmax: (1u32 << params.pbits) - 1,
            dmax: (1u32 << params.dbits) - 1,
            qctx: 0,
            prev: 0,
            delta: 0,
            pos: 0,
        }
    }

    #[inline]
    fn start_segment(&mut self) {
        self.qctx = 0;
        self.prev = 0;
        self.delta = 0;
        self.pos = 0;
    }

    #[inline]
    fn context(&self) -> usize {
        let p = &self.params;
        let pos = (self.pos >> p.pshift).min(self.pmax);
        let delta = bit_len(u64::from(self.delta >> p.dshift)).min(self.dmax);
        (self.qctx | (pos << p.qbits) | (delta << (p.qbits + p.pbits))) as usize
    }

    #[inline]
    fn push(&mut self, q: u32) {
        if self.pos > 0 {
            self.delta = self.delta.saturating_add(q.abs_diff(self.prev));
        }
        self.prev = q;
        self.qctx = ((self.qctx << self.params.qshift) + q) & self.qmask;
        self.pos = self.pos.saturating_add(1);
    }
}

/// [`with_scratch`] with the models' usual increment and limit (7.9).
fn with_models<T>(contexts: usize, nsym: usize, f: impl FnOnce(&mut Models) -> T) -> T {
    with_scratch(contexts, nsym, u32::from(STEP), MAX_TOTAL, f)
}

/// Encode `values` cut into `segments` (lengths summing to the number of
/// values; zero lengths are skipped) with `params`, or with the best of
/// [`Params::candidates`] when `None`.
pub fn encode(values: &[u8], segments: &[u32], params: Option<Params>) -> Result<Vec<u8>> {
    let total: u64 = segments.iter().map(|&s| u64::from(s)).sum();
    if total != values.len() as u64 {
        return Err(Error::DecodedLengthMismatch {
            expected: values.len() as u64,
            actual: total,
        });
    }
    let segments: Vec<u32> = segments.iter().copied().filter(|&s| s > 0).collect();
    let mut present = [false; 256];
    for &v in values {
        present[v as usize] = true;
    }
    let table: Vec<u8> = (0..=255u8).filter(|&v| present[v as usize]).collect();
    let max_len = segments.iter().copied().max().unwrap_or(0) as usize;
    match params {
        // Parameters chosen on another page may not fit this page's alphabet.
        Some(p) if p.check(table.len().max(1)).is_ok() => encode_with(values, &segments, &table, p),
        _ => {
            let mut best: Option<Vec<u8>> = None;
            // One segment (a column of scores, not reads): position and
            // variation buckets mean nothing, so only the symbol contexts.
            let single = segments.len() <= 1;
            for p in Params::candidates(table.len(), max_len)
                .into_iter()
                .filter(|p| !single || (p.pbits == 0 && p.dbits == 0))
            {
                let out = encode_with(values, &segments, &table, p)?;
                if best.as_ref().is_none_or(|b| out.len() < b.len()) {
                    best = Some(out);
                }
            }
            best.map_or_else(|| encode_with(values, &segments, &table, DEFAULT), Ok)
        }
    }
}

/// The candidates ([`Params::candidates`]) for `values` cut into `segments`.
pub fn candidates_for(values: &[u8], segments: &[u32]) -> Vec<Params> {
    let mut present = [false; 256];
    for &v in values {
        present[v as usize] = true;
    }
    let m = present.iter().filter(|&&p| p).count();
    let max_len = segments.iter().copied().max().unwrap_or(0) as usize;
    Params::candidates(m, max_len)
}

/// Parameters used when no candidate applies: one context (valid for
/// every alphabet).
const DEFAULT: Params = Params {
    qbits: 0,
    qshift: 0,
    pbits: 0,
    pshift: 0,
    dbits: 0,
    dshift: 0,
};

/// The state a column's first `quality-model` page leaves (spec 7.14):
/// its symbol table, its parameters and its models, from which the
/// column's `quality-primed` pages start.
#[derive(Debug, Clone)]
pub struct Primer {
    table: Vec<u8>,
    params: Params,
    models: Snapshot,
    lengths: Snapshot,
}

impl Primer {
    /// Decode a `quality-model` page of `num_values` values (the column's
    /// first) and keep the state it leaves; its values come too.
    pub fn from_page(num_values: u32, stored: &[u8]) -> Result<(Primer, Vec<u8>)> {
        let header = Header::parse(stored, None)?;
        let (values, primer) = decode_stream(num_values as usize, stored, &header, None, true)?;
        Ok((primer.expect("kept"), values))
    }

    /// The parameters every primed page of the column uses.
    pub fn params(&self) -> Params {
        self.params
    }
}

/// A page's header (7.10; 7.14 for a primed page, whose table and
/// parameters are its primer's).
struct Header<'a> {
    fixed: bool,
    fixed_len: u32,
    table: std::borrow::Cow<'a, [u8]>,
    params: Params,
    /// Where the coded stream starts.
    coded: usize,
}

fn malformed(detail: &'static str, position: usize) -> Error {
    Error::MalformedPage {
        encoding: NAME,
        detail,
        position: position as u64,
    }
}

impl<'a> Header<'a> {
    fn parse(stored: &'a [u8], primer: Option<&Primer>) -> Result<Header<'a>> {
        let min = if primer.is_some() { 1 } else { 2 };
        if stored.len() < min {
            return Err(malformed("page shorter than its header", stored.len()));
        }
        let flags = stored[0];
        if flags & !FLAG_FIXED != 0 {
            return Err(malformed("unknown header flags", 0));
        }
        let mut pos = 1;
        let (table, params) = match primer {
            Some(primer) => (std::borrow::Cow::Owned(primer.table.clone()), primer.params),
            None => {
                let m = usize::from(stored[1]) + 1;
                pos = 2;
                let table = stored
                    .get(pos..pos + m)
                    .ok_or_else(|| malformed("page ends inside the symbol table", stored.len()))?;
                if table.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(malformed("symbol table not strictly rising", pos));
                }
                pos += m;
                let p = stored
                    .get(pos..pos + 6)
                    .ok_or_else(|| malformed("page ends inside the parameters", stored.len()))?;
                let params = Params {
                    qbits: p[0],
                    qshift: p[1],
                    pbits: p[2],
                    pshift: p[3],
                    dbits: p[4],
                    dshift: p[5],
                };
                params.check(m).map_err(|detail| malformed(detail, pos))?;
                pos += 6;
                (std::borrow::Cow::Borrowed(table), params)
            }
        };
        let fixed = flags & FLAG_FIXED != 0;
        let fixed_len = if fixed {
            let start = pos;
            let len = read_u64(stored, &mut pos)
                .map_err(|_| malformed("bad segment length varint", start))?;
            if len > u64::from(u32::MAX) {
                return Err(malformed("segment length out of range", start));
            }
            len as u32
        } else {
            0
        };
        Ok(Header {
            fixed,
            fixed_len,
            table,
            params,
            coded: pos,
        })
    }
}

fn encode_with(values: &[u8], segments: &[u32], table: &[u8], params: Params) -> Result<Vec<u8>> {
    Ok(code_page(values, segments, table, params, None, false)?.0)
}

/// Code a page: with `start`, a primed page (7.14: no table, no
/// parameters, models starting from the primer's); with `keep`, the state
/// left at the end comes back as a [`Primer`].
fn code_page(
    values: &[u8],
    segments: &[u32],
    table: &[u8],
    params: Params,
    start: Option<&Primer>,
    keep: bool,
) -> Result<(Vec<u8>, Option<Primer>)> {
    params
        .check(table.len().max(1))
        .map_err(|detail| malformed(detail, 0))?;
    let mut index = [0u8; 256];
    for (i, &v) in table.iter().enumerate() {
        index[v as usize] = i as u8;
    }
    let fixed = segments.len() > 1
        && segments[..segments.len() - 1]
            .iter()
            .all(|&s| s == segments[0])
        && segments[segments.len() - 1] <= segments[0];
    let fixed = fixed || segments.len() <= 1;
    let mut out = Vec::with_capacity(values.len() / 2 + 64);
    out.push(if fixed { FLAG_FIXED } else { 0 });
    let m = table.len().max(1);
    if start.is_none() {
        out.push((m - 1) as u8);
        if table.is_empty() {
            out.push(0);
        } else {
            out.extend_from_slice(table);
        }
        out.extend_from_slice(&[
            params.qbits,
            params.qshift,
            params.pbits,
            params.pshift,
            params.dbits,
            params.dshift,
        ]);
    }
    if fixed {
        write_u64(&mut out, u64::from(segments.first().copied().unwrap_or(0)));
    }
    let contexts = 1usize << params.context_bits();
    with_models(contexts, m, |models| {
        if let Some(primer) = start {
            models.restore(&primer.models);
        }
        let mut lengths = lengths_models(start);
        let mut rc = RangeEncoder::new(out);
        let mut walker = Walker::new(params);
        let mut at = 0usize;
        for &len in segments {
            if !fixed {
                encode_u32(&mut lengths, &mut rc, 0, len);
            }
            walker.start_segment();
            for &v in &values[at..at + len as usize] {
                let q = index[v as usize];
                let ctx = walker.context();
                models.encode(&mut rc, ctx, q);
                walker.push(u32::from(q));
            }
            at += len as usize;
        }
        let primer = keep.then(|| Primer {
            table: table.to_vec(),
            params,
            models: models.snapshot(),
            lengths: lengths.snapshot(),
        });
        Ok((rc.finish(), primer))
    })
}

/// The byte model set for segment lengths: a primer's, or new (7.10).
fn lengths_models(start: Option<&Primer>) -> Models {
    let mut lengths = Models::new(4, 256);
    if let Some(primer) = start {
        lengths.restore(&primer.lengths);
    }
    lengths
}

/// Decode a page of `num_values` values.
pub fn decode(num_values: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let header = Header::parse(stored, None)?;
    Ok(decode_stream(num_values as usize, stored, &header, None, false)?.0)
}

/// Decode a `quality-primed` page (spec 7.14) of `num_values` values,
/// starting from the state its column's first page left.
pub fn decode_primed(num_values: u32, stored: &[u8], primer: &Primer) -> Result<Vec<u8>> {
    let header = Header::parse(stored, Some(primer))?;
    Ok(decode_stream(num_values as usize, stored, &header, Some(primer), false)?.0)
}

/// Code a primed page (spec 7.14) of `values` cut into `segments` (as
/// [`encode`]), or `None` when a value is not in the primer's table (the
/// page is then coded alone).
pub fn encode_primed(values: &[u8], segments: &[u32], primer: &Primer) -> Result<Option<Vec<u8>>> {
    let total: u64 = segments.iter().map(|&s| u64::from(s)).sum();
    if total != values.len() as u64 {
        return Err(Error::DecodedLengthMismatch {
            expected: values.len() as u64,
            actual: total,
        });
    }
    let mut known = [false; 256];
    for &v in &primer.table {
        known[v as usize] = true;
    }
    if values.iter().any(|&v| !known[v as usize]) {
        return Ok(None);
    }
    let segments: Vec<u32> = segments.iter().copied().filter(|&s| s > 0).collect();
    let (page, _) = code_page(
        values,
        &segments,
        &primer.table,
        primer.params,
        Some(primer),
        false,
    )?;
    Ok(Some(page))
}

/// Code `values` cut into `segments` as a column's first page with
/// `params` (or the best candidate, as [`encode`]), and keep the state
/// its primed pages start from.
pub fn encode_primer(
    values: &[u8],
    segments: &[u32],
    params: Option<Params>,
) -> Result<(Vec<u8>, Primer)> {
    let page = encode(values, segments, params)?;
    let (primer, _) = Primer::from_page(values.len() as u32, &page)?;
    Ok((page, primer))
}

fn decode_stream(
    n: usize,
    stored: &[u8],
    header: &Header<'_>,
    start: Option<&Primer>,
    keep: bool,
) -> Result<(Vec<u8>, Option<Primer>)> {
    if header.fixed && header.fixed_len == 0 && n > 0 {
        return Err(malformed("segment length out of range", header.coded));
    }
    let table = &*header.table;
    let m = table.len();
    let params = header.params;
    let pos = header.coded;
    let contexts = 1usize << params.context_bits();
    let mut out = Vec::with_capacity(n);
    let primer = with_models(contexts, m, |models| -> Result<Option<Primer>> {
        if let Some(primer) = start {
            models.restore(&primer.models);
        }
        let mut lengths = lengths_models(start);
        let mut rd = RangeDecoder::new(&stored[pos..], NAME)?;
        let mut walker = Walker::new(params);
        while out.len() < n {
            let len = if header.fixed {
                (header.fixed_len as usize).min(n - out.len())
            } else {
                let len = decode_u32(&mut lengths, &mut rd, 0)? as usize;
                if len == 0 || len > n - out.len() {
                    return Err(malformed("segment length out of range", pos));
                }
                len
            };
            walker.start_segment();
            for _ in 0..len {
                let q = models.decode(&mut rd, walker.context())?;
                if usize::from(q) >= m {
                    return Err(malformed("symbol past the table", pos));
                }
                out.push(table[usize::from(q)]);
                walker.push(u32::from(q));
            }
        }
        rd.finish()?;
        Ok(keep.then(|| Primer {
            table: table.to_vec(),
            params,
            models: models.snapshot(),
            lengths: lengths.snapshot(),
        }))
    })?;
    Ok((out, primer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(seed: u64, count: usize, len: impl Fn(usize) -> usize) -> (Vec<u8>, Vec<u32>) {
        let mut x = seed;
        let mut values = Vec::new();
        let mut segments = Vec::new();
        for r in 0..count {
            let l = len(r);
            let mut q: i32 = 38;
            for _ in 0..l {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let step = ((x >> 33) % 7) as i32 - 3;
                q = (q + step).clamp(2, 41);
                values.push(q as u8);
            }
            segments.push(l as u32);
        }
        (values, segments)
    }

    #[test]
    fn round_trips_fixed_and_variable() {
        for (values, segments) in [
            reads(1, 300, |_| 100),
            reads(2, 300, |r| 1 + (r * 37) % 500),
            reads(3, 1, |_| 5000),
            reads(4, 0, |_| 0),
        ] {
            let page = encode(&values, &segments, None).unwrap();
            assert_eq!(decode(values.len() as u32, &page).unwrap(), values);
            if !values.is_empty() {
                assert!(
                    page.len() < values.len(),
                    "{} >= {}",
                    page.len(),
                    values.len()
                );
            }
        }
    }

    #[test]
    fn every_value_and_empty_segments() {
        let values: Vec<u8> = (0..=255u8).chain((0..=93u8).rev()).collect();
        let segments = [0, 100, 0, 156, 94];
        let page = encode(&values, &segments, None).unwrap();
        assert_eq!(decode(values.len() as u32, &page).unwrap(), values);
    }

    #[test]
    fn primed_pages_round_trip_and_are_smaller() {
        let (first, first_segments) = reads(6, 400, |_| 150);
        let (primer_page, primer) = encode_primer(&first, &first_segments, None).unwrap();
        let (again, values) = Primer::from_page(first.len() as u32, &primer_page).unwrap();
        assert_eq!(values, first);
        assert_eq!(again.params(), primer.params());
        for (values, segments) in [
            reads(7, 20, |_| 150),
            reads(8, 30, |r| 1 + (r * 37) % 300),
            reads(9, 0, |_| 0),
        ] {
            let page = encode_primed(&values, &segments, &primer).unwrap().unwrap();
            assert_eq!(
                decode_primed(values.len() as u32, &page, &again).unwrap(),
                values
            );
            if !values.is_empty() {
                let alone = encode(&values, &segments, Some(primer.params())).unwrap();
                assert!(
                    page.len() < alone.len(),
                    "{} >= {}",
                    page.len(),
                    alone.len()
                );
            }
        }
        // A value the first page never had: the page is coded alone.
        assert!(encode_primed(&[1, 2, 99], &[3], &primer).unwrap().is_none());
    }

    #[test]
    fn a_forged_primer_count_is_refused_before_decoding() {
        let (values, segments) = reads(13, 10, |_| 50);
        let page = encode(&values, &segments, None).unwrap();
        let id = crate::encoding::ids::QUALITY_MODEL;
        let n = values.len() as u32;
        assert!(crate::encoding::primer_of_page(id, 0, n, n, &page).is_ok());
        // A count the decoded length does not cover, or a length past
        // MAX_PAGE_BYTES: refused without allocating for it.
        assert!(crate::encoding::primer_of_page(id, 0, 1 << 28, n, &page).is_err());
        assert!(crate::encoding::primer_of_page(id, 0, 1 << 28, 1 << 28, &page).is_err());
        assert!(crate::encoding::primer_of_page(id + 1, 0, n, n, &page).is_err());
    }

    #[test]
    fn primed_pages_of_a_variable_primer() {
        let (first, first_segments) = reads(10, 100, |r| 5 + r % 90);
        let (_, primer) = encode_primer(&first, &first_segments, None).unwrap();
        for (values, segments) in [reads(11, 40, |_| 60), reads(12, 40, |r| 3 + r)] {
            let page = encode_primed(&values, &segments, &primer).unwrap().unwrap();
            assert_eq!(
                decode_primed(values.len() as u32, &page, &primer).unwrap(),
                values
            );
        }
    }

    #[test]
    fn wrong_counts_are_refused() {
        let (values, segments) = reads(5, 20, |r| 10 + r);
        let page = encode(&values, &segments, None).unwrap();
        assert!(decode(values.len() as u32 - 1, &page).is_err());
        assert!(decode(values.len() as u32 + 1, &page).is_err());
        assert!(encode(&values, &segments[1..], None).is_err());
    }
}

#[cfg(test)]
mod spec_example {
    use super::*;

    /// The parameters of spec 7.10's example.
    const EXAMPLE: Params = Params {
        qbits: 4,
        qshift: 2,
        pbits: 1,
        pshift: 1,
        dbits: 1,
        dshift: 0,
    };

    /// The example of spec 7.10: two reads, `40 40 38` and `40 2`.
    #[test]
    fn spec_example_bytes() {
        let values = [40u8, 40, 38, 40, 2];
        let params = EXAMPLE;
        let page = encode(&values, &[3, 2], Some(params)).unwrap();
        let hex: Vec<String> = page.iter().map(|b| format!("{b:02X}")).collect();
        println!("{}", hex.join(" "));
        assert_eq!(decode(5, &page).unwrap(), values);
    }

    /// The example of spec 7.14: the page `40 38 40` primed by the page
    /// of 7.10's example.
    #[test]
    fn spec_example_primed_bytes() {
        let params = EXAMPLE;
        let (_, primer) = encode_primer(&[40, 40, 38, 40, 2], &[3, 2], Some(params)).unwrap();
        let page = encode_primed(&[40, 38, 40], &[3], &primer)
            .unwrap()
            .unwrap();
        let hex: Vec<String> = page.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex.join(" "), "01 03 00 CB 1B 81 0A");
        assert_eq!(decode_primed(3, &page, &primer).unwrap(), [40, 38, 40]);
        // The same values coded alone, with flat models.
        let alone = encode(&[40, 38, 40], &[3], Some(params)).unwrap();
        assert!(alone.len() > page.len());
    }
}
