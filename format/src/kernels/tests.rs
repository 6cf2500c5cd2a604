use super::*;

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

const ALL: [Isa; 4] = [Isa::Scalar, Isa::Neon, Isa::Avx2, Isa::Avx512];

#[test]
fn decode_matches_scalar_at_every_offset() {
    let mut seed = 0x1234_5678u64;
    let packed: Vec<u8> = (0..700).map(|_| rng(&mut seed) as u8).collect();
    for rna in [false, true] {
        for first in 0..9 {
            for n in (0..2700).step_by(37).chain([2790, 2792 - first]) {
                let mut want = Vec::new();
                scalar::decode_2bit(&packed, first, n, rna, &mut want);
                for isa in ALL {
                    let mut got = b"prefix".to_vec();
                    decode_2bit_with(isa, &packed, first, n, rna, &mut got);
                    assert_eq!(&got[6..], &want[..], "{isa:?} first {first} n {n}");
                }
            }
        }
    }
}

#[test]
fn counts_match_scalar() {
    let mut seed = 0xABCDu64;
    let packed: Vec<u8> = (0..1000).map(|_| rng(&mut seed) as u8).collect();
    for first in 0..9 {
        for n in (0..3900).step_by(101) {
            let want = scalar::count_2bit(&packed, first, n);
            for isa in ALL {
                assert_eq!(
                    count_2bit_with(isa, &packed, first, n),
                    want,
                    "{isa:?} {first} {n}"
                );
            }
        }
    }
}

#[test]
fn reverse_complement_matches_scalar_for_every_byte() {
    let all: Vec<u8> = (0..=255u8).collect();
    for len in [0, 1, 31, 63, 64, 65, 127, 128, 200, 256, 1000] {
        let input: Vec<u8> = all
            .iter()
            .cycle()
            .skip(len % 7)
            .take(len)
            .copied()
            .collect();
        let mut want = input.clone();
        scalar::reverse_complement(&mut want);
        for isa in ALL {
            let mut got = input.clone();
            reverse_complement_with(isa, &mut got);
            assert_eq!(got, want, "{isa:?} len {len}");
        }
    }
}

#[test]
fn motif_matches_scalar() {
    let mut seed = 77u64;
    let hay: Vec<u8> = (0..20_000)
        .map(|_| b"ACGT"[(rng(&mut seed) % 4) as usize])
        .collect();
    for pattern in [
        &b"A"[..],
        b"ACG",
        b"GATTACA",
        b"AAAA",
        b"",
        b"TTTTTTTTTTTTTTTTTTTTTTTTTTT",
    ] {
        assert_eq!(
            find_motif(&hay, pattern),
            scalar::find_motif(&hay, pattern),
            "{pattern:?}"
        );
    }
    assert_eq!(find_motif(b"AAAA", b"AA"), vec![0, 1, 2]);
}

#[cfg(target_arch = "aarch64")]
#[test]
fn neon_is_used_on_aarch64() {
    // The comparisons above then exercise the NEON kernels against the scalar twins.
    assert_eq!(detected(), Isa::Neon);
}
