//! Sequence kernels with runtime CPU dispatch (AVX-512BW and AVX2 on
//! x86_64, NEON on aarch64) and a safe scalar twin for each, which the tests
//! compare against.
//!
//! | kernel | scalar twin (the benchmark baseline) |
//! |---|---|
//! | [`decode_2bit`]: packed 2-bit → ASCII | 256-entry table from a byte to four symbols |
//! | [`pack_2bit`]: ASCII → packed 2-bit (import) | compare with each of the four symbols |
//! | [`count_2bit`]: A/C/G/T counts on packed words | one table lookup per base |
//! | [`reverse_complement`]: ASCII, IUPAC-aware | byte-at-a-time 256-entry table |
//! | [`find_motif`]: exact matches | naive comparison at every offset |
//!
//! Set `GCOL_ISA=scalar` (or `avx2`) in the environment to cap the
//! instruction set, for benchmarks and tests.

#[cfg(target_arch = "aarch64")]
mod neon;
#[doc(hidden)] // The portable twins SIMD kernels are tested and benched against; not API.
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

/// Pack the longest prefix of `seq` made of whole groups of four symbols of
/// `alphabet` (the symbols of codes 0..4 in one case, e.g. `b"ACGT"` or
/// `b"acgu"`) into 2-bit bytes appended to `out`, first base in the high
/// bits. Returns the number of bases packed, a multiple of 4; the caller
/// handles what stops it (another case, N, IUPAC, a line end).
pub fn pack_2bit(seq: &[u8], alphabet: &[u8; 4], out: &mut Vec<u8>) -> usize {
    pack_2bit_with(isa(), seq, alphabet, out)
}

/// [`pack_2bit`] with an explicit instruction set.
pub fn pack_2bit_with(isa: Isa, seq: &[u8], alphabet: &[u8; 4], out: &mut Vec<u8>) -> usize {
    PackTable::with_isa(isa, alphabet).pack(seq, out)
}

/// [`pack_2bit`] prepared for one alphabet: tables built and the
/// instruction set chosen once, for callers that pack many short runs.
#[derive(Debug, Clone, Copy)]
pub struct PackTable {
    alphabet: [u8; 4],
    /// Code by a symbol's low nibble.
    lut: [u8; 16],
    /// Symbol by code (first four bytes).
    alpha: [u8; 16],
    /// Whether the four low nibbles are distinct (the table path works).
    by_table: bool,
    /// Mask applied to input bytes before they are compared with the
    /// symbols: 0xFF exact, 0xDF either case.
    fold: u8,
    isa: Isa,
}

impl PackTable {
    /// Tables for `alphabet` with the best instruction set.
    pub fn new(alphabet: &[u8; 4]) -> PackTable {
        PackTable::with_isa(isa(), alphabet)
    }

    /// Tables for `alphabet` with an explicit instruction set (capped at
    /// what the CPU has).
    pub fn with_isa(isa: Isa, alphabet: &[u8; 4]) -> PackTable {
        let mut lut = [0u8; 16];
        let mut alpha = [0u8; 16];
        let mut seen = 0u16;
        for (code, &symbol) in alphabet.iter().enumerate() {
            lut[usize::from(symbol & 15)] = code as u8;
            alpha[code] = symbol;
            seen |= 1 << (symbol & 15);
        }
        // The table path finds a byte's code by its low nibble, then checks
        // the byte equals that code's symbol; that needs four distinct low
        // nibbles (true of ACGT and ACGU in either case). Otherwise: scalar.
        let by_table = seen.count_ones() == 4;
        PackTable {
            alphabet: *alphabet,
            lut,
            alpha,
            by_table,
            fold: 0xFF,
            isa: if by_table {
                isa.min(detected())
            } else {
                Isa::Scalar
            },
        }
    }

    /// Tables for upper-case letters `alphabet` that also accept their lower
    /// case (soft-masked bases pack to the same codes).
    ///
    /// # Panics
    /// If the symbols' low nibbles are not distinct or a symbol is not an
    /// upper-case letter.
    pub fn any_case(alphabet: &[u8; 4]) -> PackTable {
        let mut table = PackTable::new(alphabet);
        assert!(
            table.by_table && alphabet.iter().all(u8::is_ascii_uppercase),
            "any_case needs upper-case letters with distinct low nibbles"
        );
        table.fold = 0xDF;
        table
    }

    /// As [`pack_2bit`] (for [`PackTable::any_case`], either case).
    pub fn pack(&self, seq: &[u8], out: &mut Vec<u8>) -> usize {
        let (lut, alpha, fold) = (&self.lut, &self.alpha, self.fold);
        let simd_done = match self.isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => return x86::pack_avx512(seq, lut, alpha, fold, out),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => x86::pack_avx2(seq, lut, alpha, fold, out),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => neon::pack_neon(seq, lut, alpha, fold, out),
            _ => 0,
        };
        let rest = &seq[simd_done..];
        if !self.by_table {
            return scalar::pack_2bit(rest, &self.alphabet, out);
        }
        // The groups after the last whole SIMD block (or all of them without
        // SIMD), by the same table lookup one group at a time.
        let mut done = 0;
        for g in rest.chunks_exact(4) {
            let c = [0, 1, 2, 3].map(|k| lut[usize::from(g[k] & 15)]);
            if (0..4).any(|k| alpha[usize::from(c[k])] != g[k] & fold) {
                break;
            }
            out.push(c[0] << 6 | c[1] << 4 | c[2] << 2 | c[3]);
            done += 4;
        }
        simd_done + done
    }
}

/// Append to `out` one word per 64 bytes of `seq` (the last word for the
/// remainder): bit `k` of word `w` is set when `seq[64 * w + k]` is in
/// `a..=0x7F`, which for sequence letters means lower case. Soft-masked
/// runs are read from these bits.
pub fn lower_case_bitmap(seq: &[u8], out: &mut Vec<u64>) {
    lower_case_bitmap_with(isa(), seq, out)
}

/// [`lower_case_bitmap`] with an explicit instruction set.
pub fn lower_case_bitmap_with(isa: Isa, seq: &[u8], out: &mut Vec<u64>) {
    out.reserve(seq.len().div_ceil(64));
    let done = match isa.min(detected()) {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => return x86::lower_case_bitmap_avx512(seq, out),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => x86::lower_case_bitmap_avx2(seq, out),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => neon::lower_case_bitmap_neon(seq, out),
        _ => 0,
    };
    scalar::lower_case_bitmap(&seq[done..], out);
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
