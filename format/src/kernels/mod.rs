//! Sequence kernels with runtime CPU dispatch (AVX-512BW and AVX2 on
//! x86_64, NEON on aarch64) and a safe scalar twin for each, which the tests
//! compare against.
//!
//! | kernel | scalar twin (the benchmark baseline) |
//! |---|---|
//! | [`decode_2bit`]: packed 2-bit → ASCII | 256-entry table from a byte to four symbols |
//! | [`count_2bit`]: A/C/G/T counts on packed words | one table lookup per base |
//! | [`reverse_complement`]: ASCII, IUPAC-aware | byte-at-a-time 256-entry table |
//! | [`find_motif`]: exact matches | naive comparison at every offset |
//!
//! Set `GCOL_ISA=scalar` (or `avx2`) in the environment to cap the
//! instruction set, for benchmarks and tests.

#[cfg(target_arch = "aarch64")]
mod neon;
pub mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::sync::OnceLock;

/// Instruction sets the kernels can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// Portable Rust.
    Scalar,
    /// aarch64 NEON (Advanced SIMD).
    Neon,
    /// x86_64 AVX2 (with POPCNT).
    Avx2,
    /// x86_64 AVX-512 F + BW (with POPCNT).
    Avx512,
}

/// The best instruction set this CPU supports, capped by `GCOL_ISA`.
pub fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        let cap = match std::env::var("GCOL_ISA").as_deref() {
            Ok("scalar") => Isa::Scalar,
            Ok("neon") => Isa::Neon,
            Ok("avx2") => Isa::Avx2,
            _ => Isa::Avx512,
        };
        detected().min(cap)
    })
}

/// The best instruction set this CPU supports.
pub fn detected() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("popcnt")
        {
            return Isa::Avx512;
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("popcnt") {
            return Isa::Avx2;
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            return Isa::Neon;
        }
    }
    Isa::Scalar
}

/// Ask the CPU to start loading every cache line of `bytes` now, so the
/// misses of a short random read overlap instead of being paid one after
/// another (the hardware prefetcher needs a few sequential misses before it
/// helps). A hint only: it never faults and changes no data.
#[inline]
pub fn prefetch(bytes: &[u8]) {
    let start = bytes.as_ptr() as usize & !63;
    let end = bytes.as_ptr() as usize + bytes.len();
    let mut line = start;
    while line < end {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: PREFETCHT0 is a hint; it does not fault on any address.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(line as *const i8);
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: PRFM is a hint; it does not fault on any address.
        unsafe {
            std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) line, options(nostack, readonly, preserves_flags));
        }
        line += 64;
    }
}

/// Decode `n` bases starting at base `first` of `packed` (byte 0 holds bases
/// 0..4, first base in the high bits) into upper-case ASCII appended to
/// `out`; `rna` writes `U` for code 3.
pub fn decode_2bit(packed: &[u8], first: usize, n: usize, rna: bool, out: &mut Vec<u8>) {
    decode_2bit_with(isa(), packed, first, n, rna, out)
}

/// [`decode_2bit`] with an explicit instruction set (capped at what the CPU has).
pub fn decode_2bit_with(
    isa: Isa,
    packed: &[u8],
    first: usize,
    n: usize,
    rna: bool,
    out: &mut Vec<u8>,
) {
    assert!(
        (first + n).div_ceil(4) <= packed.len(),
        "bases {first}..{} are beyond {} packed bytes",
        first + n,
        packed.len()
    );
    let isa = isa.min(detected());
    // Scalar head up to a byte boundary, SIMD over whole bytes, scalar tail.
    let head = ((4 - first % 4) % 4).min(n);
    scalar::decode_2bit(packed, first, head, rna, out);
    let mut done = head;
    let whole_bytes = (n - done) / 4;
    if whole_bytes > 0 {
        let start_byte = (first + done) / 4;
        let bytes = &packed[start_byte..start_byte + whole_bytes];
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 | Isa::Avx2 => {
                // Whole SIMD blocks in place; the last partial block through a
                // zero-padded copy, so short fetches stay on the SIMD path.
                let block = if isa == Isa::Avx512 { 64 } else { 32 };
                let full = bytes.len() / block * block;
                let simd = |chunk: &[u8], out: &mut Vec<u8>| {
                    if isa == Isa::Avx512 {
                        x86::decode_avx512(chunk, rna, out)
                    } else {
                        x86::decode_avx2(chunk, rna, out)
                    }
                };
                simd(&bytes[..full], out);
                let rest = &bytes[full..];
                if !rest.is_empty() {
                    let mut padded = [0u8; 64];
                    padded[..rest.len()].copy_from_slice(rest);
                    let mut tmp = Vec::with_capacity(256);
                    simd(&padded[..block], &mut tmp);
                    out.extend_from_slice(&tmp[..rest.len() * 4]);
                }
            }
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => neon::decode_neon(bytes, rna, out),
            _ => scalar::decode_2bit(bytes, 0, whole_bytes * 4, rna, out),
        }
        done += whole_bytes * 4;
    }
    scalar::decode_2bit(packed, first + done, n - done, rna, out);
}

/// Count codes (A, C, G, T) among bases `first..first + n` of `packed`,
/// 32 bases per 64-bit word with popcount.
pub fn count_2bit(packed: &[u8], first: usize, n: usize) -> [u64; 4] {
    count_2bit_with(isa(), packed, first, n)
}

/// [`count_2bit`] with an explicit instruction set.
pub fn count_2bit_with(isa: Isa, packed: &[u8], first: usize, n: usize) -> [u64; 4] {
    let isa = isa.min(detected());
    if isa == Isa::Scalar {
        return scalar::count_2bit(packed, first, n);
    }
    let head = ((4 - first % 4) % 4).min(n);
    let mut counts = scalar::count_2bit(packed, first, head);
    let mut done = head;
    let whole_bytes = (n - done) / 4;
    if whole_bytes > 0 {
        let start_byte = (first + done) / 4;
        let words = &packed[start_byte..start_byte + whole_bytes];
        #[cfg(target_arch = "x86_64")]
        let c = x86::count_popcnt(words);
        #[cfg(not(target_arch = "x86_64"))]
        let c = scalar::count_words(words);
        for k in 0..4 {
            counts[k] += c[k];
        }
        done += whole_bytes * 4;
    }
    let tail = scalar::count_2bit(packed, first + done, n - done);
    for k in 0..4 {
        counts[k] += tail[k];
    }
    counts
}

/// Reverse-complement ASCII in place (IUPAC-aware, case-preserving, other
/// bytes unchanged); equal to [`scalar::reverse_complement`] for all input.
pub fn reverse_complement(seq: &mut [u8]) {
    reverse_complement_with(isa(), seq)
}

/// [`reverse_complement`] with an explicit instruction set.
pub fn reverse_complement_with(isa: Isa, seq: &mut [u8]) {
    match isa.min(detected()) {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 | Isa::Avx512 => x86::reverse_complement_avx2(seq),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => neon::reverse_complement_neon(seq),
        _ => scalar::reverse_complement(seq),
    }
}

/// Start offsets of every (possibly overlapping) exact occurrence of
/// `pattern` in `haystack`, ascending. An empty pattern matches nowhere.
///
/// Uses `memchr::memmem`, whose searcher is vectorised (SSE2/AVX2) with a
/// rare-byte prefilter.
pub fn find_motif(haystack: &[u8], pattern: &[u8]) -> Vec<usize> {
    if pattern.is_empty() || pattern.len() > haystack.len() {
        return Vec::new();
    }
    let finder = memchr::memmem::Finder::new(pattern);
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = finder.find(&haystack[at..]) {
        out.push(at + i);
        at += i + 1;
        if at + pattern.len() > haystack.len() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
