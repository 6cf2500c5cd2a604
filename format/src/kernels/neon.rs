//! aarch64 NEON kernels. Each public function is only called after
//! `detected()` confirmed NEON (always present on aarch64 Linux).

use std::arch::aarch64::*;

use super::scalar;

/// ASCII → 2-bit with NEON, 32 bases per iteration (as the x86 kernels:
/// code by low-nibble table, checked by looking the symbol back up; codes
/// combined pairwise by shift-or and narrowing).
pub(super) fn pack_neon(
    seq: &[u8],
    lut: &[u8; 16],
    alpha: &[u8; 16],
    fold: u8,
    out: &mut Vec<u8>,
) -> usize {
    out.reserve(seq.len() / 4);
    // SAFETY: the caller checked NEON at run time (`detected()`).
    unsafe { pack_neon_inner(seq, lut, alpha, fold, out) }
}

#[target_feature(enable = "neon")]
unsafe fn pack_neon_inner(
    seq: &[u8],
    lut: &[u8; 16],
    alpha: &[u8; 16],
    fold: u8,
    out: &mut Vec<u8>,
) -> usize {
    let blocks = seq.len() / 32;
    // SAFETY: loads read 32 bytes at 32 * b < seq.len() - 31; each block
    // stores 8 bytes within the capacity reserved by `pack_neon`.
    unsafe {
        let lutv = vld1q_u8(lut.as_ptr());
        let alphav = vld1q_u8(alpha.as_ptr());
        let low = vdupq_n_u8(0x0F);
        let foldv = vdupq_n_u8(fold);
        let byte = vdupq_n_u16(0x00FF);
        let base = out.len();
        let dst = out.as_mut_ptr().add(base);
        let mut done = 0;
        while done < blocks {
            let p = seq.as_ptr().add(32 * done);
            let x0 = vld1q_u8(p);
            let x1 = vld1q_u8(p.add(16));
            let c0 = vqtbl1q_u8(lutv, vandq_u8(x0, low));
            let c1 = vqtbl1q_u8(lutv, vandq_u8(x1, low));
            let ok = vandq_u8(
                vceqq_u8(vqtbl1q_u8(alphav, c0), vandq_u8(x0, foldv)),
                vceqq_u8(vqtbl1q_u8(alphav, c1), vandq_u8(x1, foldv)),
            );
            if vminvq_u8(ok) != 0xFF {
                break;
            }
            // Little-endian u16 lanes hold (first code, second code).
            let pairs = |c: uint8x16_t| {
                let a = vreinterpretq_u16_u8(c);
                vmovn_u16(vorrq_u16(
                    vshlq_n_u16::<2>(vandq_u16(a, byte)),
                    vshrq_n_u16::<8>(a),
                ))
            };
            let d = vreinterpretq_u16_u8(vcombine_u8(pairs(c0), pairs(c1)));
            let packed = vmovn_u16(vorrq_u16(
                vshlq_n_u16::<4>(vandq_u16(d, byte)),
                vshrq_n_u16::<8>(d),
            ));
            vst1_u8(dst.add(8 * done), packed);
            done += 1;
        }
        out.set_len(base + 8 * done);
        done * 32
    }
}

/// Lower-case bitmap with NEON: compare, keep one weight bit per lane, and
/// add the lanes of each half into a byte. Returns the bytes covered (whole
/// 64-byte words only).
pub(super) fn lower_case_bitmap_neon(seq: &[u8], out: &mut Vec<u64>) -> usize {
    // SAFETY: the caller checked NEON at run time (`detected()`).
    unsafe { lower_case_bitmap_neon_inner(seq, out) }
}

#[target_feature(enable = "neon")]
unsafe fn lower_case_bitmap_neon_inner(seq: &[u8], out: &mut Vec<u64>) -> usize {
    let words = seq.len() / 64;
    // SAFETY: each iteration loads 64 bytes at 64 * w, within seq.
    unsafe {
        let weights: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
        let weights = vld1q_u8(weights.as_ptr());
        // Signed compare above 0x60, as the x86 kernels.
        let below = vdupq_n_s8(0x60);
        for w in 0..words {
            let mut bits = 0u64;
            for q in 0..4 {
                let x = vreinterpretq_s8_u8(vld1q_u8(seq.as_ptr().add(64 * w + 16 * q)));
                let m = vandq_u8(vcgtq_s8(x, below), weights);
                let lo = u64::from(vaddv_u8(vget_low_u8(m)));
                let hi = u64::from(vaddv_u8(vget_high_u8(m)));
                bits |= (lo | hi << 8) << (16 * q);
            }
            out.push(bits);
        }
    }
    words * 64
}

/// 2-bit → ASCII with NEON: 16 packed bytes (64 bases) per iteration; the
/// four symbols of each byte are interleaved by `vst4q_u8`.
pub(super) fn decode_neon(bytes: &[u8], rna: bool, out: &mut Vec<u8>) {
    out.reserve(bytes.len() * 4);
    // SAFETY: the caller checked NEON at run time (`detected()`).
    unsafe { decode_neon_inner(bytes, rna, out) }
}

#[target_feature(enable = "neon")]
unsafe fn decode_neon_inner(bytes: &[u8], rna: bool, out: &mut Vec<u8>) {
    let t = if rna { b'U' } else { b'T' };
    let table: [u8; 16] = [b'A', b'C', b'G', t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let chunks = bytes.len() / 16;
    let start = out.len();
    // SAFETY: `decode_neon` reserved 4 output bytes per input byte; each
    // iteration reads 16 bytes inside `bytes` and writes 64 bytes inside
    // `start .. start + 64 * chunks`.
    unsafe {
        let lut = vld1q_u8(table.as_ptr());
        let mask = vdupq_n_u8(3);
        let mut dst = out.as_mut_ptr().add(start);
        for c in 0..chunks {
            let x = vld1q_u8(bytes.as_ptr().add(16 * c));
            let s0 = vqtbl1q_u8(lut, vshrq_n_u8::<6>(x));
            let s1 = vqtbl1q_u8(lut, vandq_u8(vshrq_n_u8::<4>(x), mask));
            let s2 = vqtbl1q_u8(lut, vandq_u8(vshrq_n_u8::<2>(x), mask));
            let s3 = vqtbl1q_u8(lut, vandq_u8(x, mask));
            vst4q_u8(dst, uint8x16x4_t(s0, s1, s2, s3));
            dst = dst.add(64);
        }
        out.set_len(start + chunks * 64);
    }
    let rest = &bytes[chunks * 16..];
    scalar::decode_2bit(rest, 0, rest.len() * 4, rna, out);
}

/// Reverse-complement ASCII in place with NEON, 32 bytes (one block from
/// each end) per iteration; letters through a 32-entry table on their low
/// five bits (case kept), other bytes unchanged.
pub(super) fn reverse_complement_neon(seq: &mut [u8]) {
    // SAFETY: the caller checked NEON at run time.
    unsafe { reverse_complement_neon_inner(seq) }
}

#[target_feature(enable = "neon")]
unsafe fn reverse_complement_neon_inner(seq: &mut [u8]) {
    let mut table = [0u8; 32];
    for (i, slot) in table.iter_mut().enumerate() {
        *slot = crate::sequence::COMPLEMENT[0x40 | i] & 0x1F;
    }
    // SAFETY: loads and stores stay within `seq`: the loop runs while at
    // least 32 bytes remain between `i` and `j`, touching `i..i+16` and
    // `j-16..j`, which do not overlap.
    unsafe {
        let tab = uint8x16x2_t(vld1q_u8(table.as_ptr()), vld1q_u8(table.as_ptr().add(16)));
        let complement = |x: uint8x16_t| -> uint8x16_t {
            let mapped = vorrq_u8(
                vqtbl2q_u8(tab, vandq_u8(x, vdupq_n_u8(0x1F))),
                vandq_u8(x, vdupq_n_u8(0xE0)),
            );
            let letters = vceqq_u8(vandq_u8(x, vdupq_n_u8(0xC0)), vdupq_n_u8(0x40));
            vbslq_u8(letters, mapped, x)
        };
        let reverse = |x: uint8x16_t| -> uint8x16_t {
            let r = vrev64q_u8(x);
            vextq_u8::<8>(r, r)
        };
        let ptr = seq.as_mut_ptr();
        let (mut i, mut j) = (0usize, seq.len());
        while j - i >= 32 {
            let front = vld1q_u8(ptr.add(i));
            let back = vld1q_u8(ptr.add(j - 16));
            vst1q_u8(ptr.add(i), complement(reverse(back)));
            vst1q_u8(ptr.add(j - 16), complement(reverse(front)));
            i += 16;
            j -= 16;
        }
        scalar::reverse_complement(&mut seq[i..j]);
    }
}
