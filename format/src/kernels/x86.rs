//! x86_64 kernels. Each public function is only called after `detected()`
//! confirmed the features its `#[target_feature]` inner function enables.

use std::arch::x86_64::*;

use super::scalar;

/// ASCII → 2-bit with AVX2, 32 bases per iteration, while every byte of a
/// block is one of the four symbols: the code is a table lookup on the low
/// nibble (`lut`), checked by looking the symbol back up (`alpha`); pairs
/// and quads of codes are then combined by two multiply-adds. Returns the
/// bases packed (whole blocks only).
pub(super) fn pack_avx2(
    seq: &[u8],
    lut: &[u8; 16],
    alpha: &[u8; 16],
    fold: u8,
    out: &mut Vec<u8>,
) -> usize {
    out.reserve(seq.len() / 4);
    // SAFETY: the caller checked AVX2 at run time.
    unsafe { pack_avx2_inner(seq, lut, alpha, fold, out) }
}

#[target_feature(enable = "avx2")]
unsafe fn pack_avx2_inner(
    seq: &[u8],
    lut: &[u8; 16],
    alpha: &[u8; 16],
    fold: u8,
    out: &mut Vec<u8>,
) -> usize {
    let blocks = seq.len() / 32;
    // SAFETY: loads read 32 bytes at 32 * b < seq.len() - 31; each stored
    // block writes 8 bytes within the capacity reserved by `pack_avx2`
    // (seq.len() / 4), and the length is raised only over written bytes.
    unsafe {
        let lutv = _mm256_broadcastsi128_si256(_mm_loadu_si128(lut.as_ptr() as *const __m128i));
        let alphav = _mm256_broadcastsi128_si256(_mm_loadu_si128(alpha.as_ptr() as *const __m128i));
        let low = _mm256_set1_epi8(0x0F);
        let foldv = _mm256_set1_epi8(fold as i8);
        // maddubs: (c0, c1) -> 4 * c0 + c1; madd: (p0, p1) -> 16 * p0 + p1.
        let pair = _mm256_set1_epi16(0x0104);
        let quad = _mm256_set1_epi32(0x0001_0010);
        let gather = _mm256_setr_epi8(
            0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1,
            -1, -1, -1, -1, -1, -1, -1, -1, -1,
        );
        let base = out.len();
        let dst = out.as_mut_ptr().add(base);
        let mut done = 0;
        while done < blocks {
            let x = _mm256_loadu_si256(seq.as_ptr().add(32 * done) as *const __m256i);
            let code = _mm256_shuffle_epi8(lutv, _mm256_and_si256(x, low));
            let back = _mm256_shuffle_epi8(alphav, code);
            if _mm256_movemask_epi8(_mm256_cmpeq_epi8(back, _mm256_and_si256(x, foldv))) != -1 {
                break;
            }
            let quads = _mm256_madd_epi16(_mm256_maddubs_epi16(code, pair), quad);
            let bytes = _mm256_shuffle_epi8(quads, gather);
            let packed = _mm_unpacklo_epi32(
                _mm256_castsi256_si128(bytes),
                _mm256_extracti128_si256::<1>(bytes),
            );
            _mm_storel_epi64(dst.add(8 * done) as *mut __m128i, packed);
            done += 1;
        }
        out.set_len(base + 8 * done);
        done * 32
    }
}

/// ASCII → 2-bit with AVX-512BW, 64 bases per iteration (as [`pack_avx2`];
/// the 32-bit quads are narrowed to bytes by `vpmovdb`). Masked loads cover
/// the last partial block, and a block that stops early still packs its
/// valid whole groups, so no scalar tail is needed.
pub(super) fn pack_avx512(
    seq: &[u8],
    lut: &[u8; 16],
    alpha: &[u8; 16],
    fold: u8,
    out: &mut Vec<u8>,
) -> usize {
    // 16 bytes of slack: every block stores 16 bytes, of which only the
    // valid groups are kept.
    out.reserve(seq.len() / 4 + 16);
    // SAFETY: the caller checked AVX-512F and AVX-512BW at run time.
    unsafe { pack_avx512_inner(seq, lut, alpha, fold, out) }
}

#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn pack_avx512_inner(
    seq: &[u8],
    lut: &[u8; 16],
    alpha: &[u8; 16],
    fold: u8,
    out: &mut Vec<u8>,
) -> usize {
    // SAFETY: loads touch only bytes of `seq` (whole blocks directly, the
    // last partial block through a masked load); each 16-byte store lands
    // within the capacity reserved by `pack_avx512` (one output byte per 4
    // input bytes consumed so far, plus 16), and the length is set once, over
    // the bytes of valid groups only.
    unsafe {
        let lutv = _mm512_broadcast_i32x4(_mm_loadu_si128(lut.as_ptr() as *const __m128i));
        let alphav = _mm512_broadcast_i32x4(_mm_loadu_si128(alpha.as_ptr() as *const __m128i));
        let low = _mm512_set1_epi8(0x0F);
        let foldv = _mm512_set1_epi8(fold as i8);
        let pair = _mm512_set1_epi16(0x0104);
        let quad = _mm512_set1_epi32(0x0001_0010);
        let base = out.len();
        let dst = out.as_mut_ptr().add(base);
        let mut written = 0;
        let mut pos = 0;
        while seq.len() - pos >= 4 {
            let take = (seq.len() - pos).min(64);
            let in_bounds = if take == 64 {
                u64::MAX
            } else {
                (1u64 << take) - 1
            };
            let src = seq.as_ptr().add(pos);
            let x = if take == 64 {
                _mm512_loadu_si512(src as *const __m512i)
            } else {
                _mm512_maskz_loadu_epi8(in_bounds, src as *const i8)
            };
            let code = _mm512_shuffle_epi8(lutv, _mm512_and_si512(x, low));
            let back = _mm512_shuffle_epi8(alphav, code);
            let ok = _mm512_cmpeq_epi8_mask(back, _mm512_and_si512(x, foldv)) & in_bounds;
            let quads = _mm512_madd_epi16(_mm512_maddubs_epi16(code, pair), quad);
            _mm_storeu_si128(
                dst.add(written) as *mut __m128i,
                _mm512_cvtepi32_epi8(quads),
            );
            if ok == u64::MAX {
                written += 16;
                pos += 64;
                continue;
            }
            // Stop inside this block: keep its valid whole groups.
            let groups = ((!ok).trailing_zeros() as usize).min(take) / 4;
            written += groups;
            pos += groups * 4;
            break;
        }
        out.set_len(base + written);
        pos
    }
}

/// Lower-case bitmap with AVX2: two signed compares (bytes above 0x60;
/// bytes from 0x80 are negative and stay clear) and movemasks per word.
/// Returns the bytes covered (whole 64-byte words only).
pub(super) fn lower_case_bitmap_avx2(seq: &[u8], out: &mut Vec<u64>) -> usize {
    // SAFETY: the caller checked AVX2 at run time.
    unsafe { lower_case_bitmap_avx2_inner(seq, out) }
}

#[target_feature(enable = "avx2")]
unsafe fn lower_case_bitmap_avx2_inner(seq: &[u8], out: &mut Vec<u64>) -> usize {
    let words = seq.len() / 64;
    // SAFETY: each iteration loads 64 bytes at 64 * w, within seq.
    unsafe {
        let below = _mm256_set1_epi8(0x60);
        for w in 0..words {
            let p = seq.as_ptr().add(64 * w);
            let lo = _mm256_loadu_si256(p as *const __m256i);
            let hi = _mm256_loadu_si256(p.add(32) as *const __m256i);
            let lo = _mm256_movemask_epi8(_mm256_cmpgt_epi8(lo, below)) as u32;
            let hi = _mm256_movemask_epi8(_mm256_cmpgt_epi8(hi, below)) as u32;
            out.push(u64::from(lo) | u64::from(hi) << 32);
        }
    }
    words * 64
}

/// Lower-case bitmap with AVX-512BW: one compare into a mask register per
/// word, the last partial word through a masked load.
pub(super) fn lower_case_bitmap_avx512(seq: &[u8], out: &mut Vec<u64>) {
    // SAFETY: the caller checked AVX-512F and AVX-512BW at run time.
    unsafe { lower_case_bitmap_avx512_inner(seq, out) }
}

#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn lower_case_bitmap_avx512_inner(seq: &[u8], out: &mut Vec<u64>) {
    // SAFETY: masked loads touch only the in-bounds bytes of each word.
    unsafe {
        let below = _mm512_set1_epi8(0x60);
        let mut pos = 0;
        while pos < seq.len() {
            let take = (seq.len() - pos).min(64);
            let in_bounds = if take == 64 {
                u64::MAX
            } else {
                (1u64 << take) - 1
            };
            let x = _mm512_maskz_loadu_epi8(in_bounds, seq.as_ptr().add(pos) as *const i8);
            // Signed compare, as the AVX2 kernel: bytes from 0x80 stay clear.
            out.push(_mm512_cmpgt_epi8_mask(x, below) & in_bounds);
            pos += take;
        }
    }
}

/// 2-bit → ASCII with AVX2: 32 packed bytes (128 bases) per iteration.
pub(super) fn decode_avx2(bytes: &[u8], rna: bool, out: &mut Vec<u8>) {
    out.reserve(bytes.len() * 4);
    // SAFETY: the caller checked AVX2 support at run time (`detected()`).
    unsafe { decode_avx2_inner(bytes, rna, out) }
}

#[target_feature(enable = "avx2")]
unsafe fn decode_avx2_inner(bytes: &[u8], rna: bool, out: &mut Vec<u8>) {
    let t = if rna { b'U' } else { b'T' } as i8;
    let lut = _mm256_setr_epi8(
        b'A' as i8, b'C' as i8, b'G' as i8, t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //
        b'A' as i8, b'C' as i8, b'G' as i8, t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    );
    let mask = _mm256_set1_epi8(3);
    let chunks = bytes.len() / 32;
    let start = out.len();
    // SAFETY: `decode_avx2` reserved 4 output bytes per input byte; every
    // store below writes inside `start .. start + 128 * chunks`, and loads
    // read inside `bytes`.
    unsafe {
        let mut dst = out.as_mut_ptr().add(start);
        for c in 0..chunks {
            let x = _mm256_loadu_si256(bytes.as_ptr().add(32 * c) as *const __m256i);
            let s0 = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16::<6>(x), mask));
            let s1 = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16::<4>(x), mask));
            let s2 = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16::<2>(x), mask));
            let s3 = _mm256_shuffle_epi8(lut, _mm256_and_si256(x, mask));
            let a = _mm256_unpacklo_epi8(s0, s1);
            let b = _mm256_unpackhi_epi8(s0, s1);
            let c2 = _mm256_unpacklo_epi8(s2, s3);
            let d = _mm256_unpackhi_epi8(s2, s3);
            let r0 = _mm256_unpacklo_epi16(a, c2);
            let r1 = _mm256_unpackhi_epi16(a, c2);
            let r2 = _mm256_unpacklo_epi16(b, d);
            let r3 = _mm256_unpackhi_epi16(b, d);
            _mm256_storeu_si256(
                dst as *mut __m256i,
                _mm256_permute2x128_si256::<0x20>(r0, r1),
            );
            _mm256_storeu_si256(
                dst.add(32) as *mut __m256i,
                _mm256_permute2x128_si256::<0x20>(r2, r3),
            );
            _mm256_storeu_si256(
                dst.add(64) as *mut __m256i,
                _mm256_permute2x128_si256::<0x31>(r0, r1),
            );
            _mm256_storeu_si256(
                dst.add(96) as *mut __m256i,
                _mm256_permute2x128_si256::<0x31>(r2, r3),
            );
            dst = dst.add(128);
        }
        out.set_len(start + chunks * 128);
    }
    let rest = &bytes[chunks * 32..];
    scalar::decode_2bit(rest, 0, rest.len() * 4, rna, out);
}

/// 2-bit → ASCII with AVX-512BW: 64 packed bytes (256 bases) per iteration.
pub(super) fn decode_avx512(bytes: &[u8], rna: bool, out: &mut Vec<u8>) {
    out.reserve(bytes.len() * 4);
    // SAFETY: the caller checked AVX-512F and AVX-512BW at run time.
    unsafe { decode_avx512_inner(bytes, rna, out) }
}

#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn decode_avx512_inner(bytes: &[u8], rna: bool, out: &mut Vec<u8>) {
    let t = if rna { b'U' } else { b'T' } as i8;
    let lut = _mm512_broadcast_i32x4(_mm_setr_epi8(
        b'A' as i8, b'C' as i8, b'G' as i8, t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ));
    let mask = _mm512_set1_epi8(3);
    let chunks = bytes.len() / 64;
    let start = out.len();
    // SAFETY: as in the AVX2 kernel: 256 output bytes per 64 input bytes,
    // all within the capacity reserved by `decode_avx512`.
    unsafe {
        let mut dst = out.as_mut_ptr().add(start);
        for c in 0..chunks {
            let x = _mm512_loadu_si512(bytes.as_ptr().add(64 * c) as *const __m512i);
            let s0 = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16::<6>(x), mask));
            let s1 = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16::<4>(x), mask));
            let s2 = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16::<2>(x), mask));
            let s3 = _mm512_shuffle_epi8(lut, _mm512_and_si512(x, mask));
            let a = _mm512_unpacklo_epi8(s0, s1);
            let b = _mm512_unpackhi_epi8(s0, s1);
            let c2 = _mm512_unpacklo_epi8(s2, s3);
            let d = _mm512_unpackhi_epi8(s2, s3);
            let r0 = _mm512_unpacklo_epi16(a, c2);
            let r1 = _mm512_unpackhi_epi16(a, c2);
            let r2 = _mm512_unpacklo_epi16(b, d);
            let r3 = _mm512_unpackhi_epi16(b, d);
            // Transpose the 4x4 grid of 128-bit lanes into output order.
            let t0 = _mm512_shuffle_i64x2::<0x88>(r0, r1);
            let t1 = _mm512_shuffle_i64x2::<0xDD>(r0, r1);
            let t2 = _mm512_shuffle_i64x2::<0x88>(r2, r3);
            let t3 = _mm512_shuffle_i64x2::<0xDD>(r2, r3);
            _mm512_storeu_si512(dst as *mut __m512i, _mm512_shuffle_i64x2::<0x88>(t0, t2));
            _mm512_storeu_si512(
                dst.add(64) as *mut __m512i,
                _mm512_shuffle_i64x2::<0x88>(t1, t3),
            );
            _mm512_storeu_si512(
                dst.add(128) as *mut __m512i,
                _mm512_shuffle_i64x2::<0xDD>(t0, t2),
            );
            _mm512_storeu_si512(
                dst.add(192) as *mut __m512i,
                _mm512_shuffle_i64x2::<0xDD>(t1, t3),
            );
            dst = dst.add(256);
        }
        out.set_len(start + chunks * 256);
    }
    let rest = &bytes[chunks * 64..];
    if rest.len() >= 32 {
        // SAFETY: AVX-512BW implies AVX2.
        unsafe { decode_avx2_inner(rest, rna, out) }
    } else {
        scalar::decode_2bit(rest, 0, rest.len() * 4, rna, out);
    }
}

/// A/C/G/T counts of whole packed bytes with the POPCNT instruction.
pub(super) fn count_popcnt(bytes: &[u8]) -> [u64; 4] {
    // SAFETY: the caller checked POPCNT at run time (part of both x86 ISAs).
    unsafe { count_popcnt_inner(bytes) }
}

#[target_feature(enable = "popcnt")]
unsafe fn count_popcnt_inner(bytes: &[u8]) -> [u64; 4] {
    scalar::count_words(bytes)
}

/// Complement 32 ASCII bytes: letters through a 32-entry table on their low
/// five bits (case kept), everything else unchanged.
#[target_feature(enable = "avx2")]
unsafe fn complement32(x: __m256i, tab0: __m256i, tab1: __m256i) -> __m256i {
    let low = _mm256_and_si256(x, _mm256_set1_epi8(0x0F));
    let t0 = _mm256_shuffle_epi8(tab0, low);
    let t1 = _mm256_shuffle_epi8(tab1, low);
    let bit4 = _mm256_cmpeq_epi8(
        _mm256_and_si256(x, _mm256_set1_epi8(0x10)),
        _mm256_set1_epi8(0x10),
    );
    let low5 = _mm256_blendv_epi8(t0, t1, bit4);
    let letters = _mm256_cmpeq_epi8(
        _mm256_and_si256(x, _mm256_set1_epi8(0xC0u8 as i8)),
        _mm256_set1_epi8(0x40),
    );
    let mapped = _mm256_or_si256(low5, _mm256_and_si256(x, _mm256_set1_epi8(0xE0u8 as i8)));
    _mm256_blendv_epi8(x, mapped, letters)
}

#[target_feature(enable = "avx2")]
unsafe fn reverse32(x: __m256i) -> __m256i {
    let rev = _mm256_setr_epi8(
        15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, //
        15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    );
    _mm256_permute4x64_epi64::<0x4E>(_mm256_shuffle_epi8(x, rev))
}

/// Reverse-complement ASCII in place with AVX2, 64 bytes (one block from
/// each end) per iteration.
pub(super) fn reverse_complement_avx2(seq: &mut [u8]) {
    // SAFETY: the caller checked AVX2 at run time.
    unsafe { reverse_complement_avx2_inner(seq) }
}

#[target_feature(enable = "avx2")]
unsafe fn reverse_complement_avx2_inner(seq: &mut [u8]) {
    let mut table = [[0u8; 16]; 2];
    for (i, slot) in table.iter_mut().flatten().enumerate() {
        *slot = crate::sequence::COMPLEMENT[0x40 | i] & 0x1F;
    }
    // SAFETY: loads and stores stay within `seq`: the loop runs while at
    // least 64 bytes remain between `i` and `j`, touching `i..i+32` and
    // `j-32..j`, which do not overlap.
    unsafe {
        let tab0 =
            _mm256_broadcastsi128_si256(_mm_loadu_si128(table[0].as_ptr() as *const __m128i));
        let tab1 =
            _mm256_broadcastsi128_si256(_mm_loadu_si128(table[1].as_ptr() as *const __m128i));
        let ptr = seq.as_mut_ptr();
        let (mut i, mut j) = (0usize, seq.len());
        while j - i >= 64 {
            let front = _mm256_loadu_si256(ptr.add(i) as *const __m256i);
            let back = _mm256_loadu_si256(ptr.add(j - 32) as *const __m256i);
            _mm256_storeu_si256(
                ptr.add(i) as *mut __m256i,
                complement32(reverse32(back), tab0, tab1),
            );
            _mm256_storeu_si256(
                ptr.add(j - 32) as *mut __m256i,
                complement32(reverse32(front), tab0, tab1),
            );
            i += 32;
            j -= 32;
        }
        scalar::reverse_complement(&mut seq[i..j]);
    }
}
