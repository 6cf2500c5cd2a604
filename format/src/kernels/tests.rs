use super::*;

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

const ALL: [Isa; 4] = [Isa::Scalar, Isa::Neon, Isa::Avx2, Isa::Avx512];

/// Whether this CPU runs `isa`'s kernels (else the `_with` functions fall
/// back to a lower one, and that ISA's code is not tested here).
fn runs(isa: Isa) -> bool {
    let best = detected();
    match isa {
        Isa::Scalar => true,
        Isa::Neon => best == Isa::Neon,
        Isa::Avx2 | Isa::Avx512 => best != Isa::Neon && isa <= best,
    }
}

#[test]
fn instruction_sets_tested() {
    for isa in ALL {
        if runs(isa) {
            eprintln!("kernel tests run {isa:?} against the scalar twins");
        } else {
            // Not a failure: another CPU (or qemu, for NEON) tests it. Logged
            // for the summary of scripts/test.sh.
            let line = format!("kernel tests: {isa:?} not run, this CPU lacks it");
            eprintln!("SKIPPED {line}");
            if let Some(log) = std::env::var_os("GCOL_SKIP_LOG") {
                use std::io::Write;
                if let Ok(mut file) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)
                {
                    let _ = writeln!(file, "rust: {line}");
                }
            }
        }
    }
}

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
fn pack_matches_scalar() {
    let mut seed = 0x5EEDu64;
    for alphabet in [b"ACGT", b"acgt", b"ACGU", b"acgu", b"ACGN"] {
        // Runs of the alphabet broken by other bytes (N, the other case, a
        // newline, a high byte) at random places, including none.
        for trial in 0..200 {
            let len = (rng(&mut seed) % 700) as usize;
            let mut seq: Vec<u8> = (0..len)
                .map(|_| alphabet[(rng(&mut seed) % 4) as usize])
                .collect();
            if trial % 3 != 0 && len > 0 {
                let at = (rng(&mut seed) as usize) % len;
                seq[at] = [b'N', b'a', b'T' ^ 0x20, b'\n', 0xC3, b'U'][trial % 6];
            }
            let mut want = b"x".to_vec();
            let want_n = scalar::pack_2bit(&seq, alphabet, &mut want);
            for isa in ALL {
                let mut got = b"x".to_vec();
                let n = pack_2bit_with(isa, &seq, alphabet, &mut got);
                assert_eq!(
                    (n, &got),
                    (want_n, &want),
                    "{isa:?} {alphabet:?} trial {trial}"
                );
            }
            // Round trip through the decoder.
            let mut back = Vec::new();
            decode_2bit(&want[1..], 0, want_n, alphabet[3] & 0xDF == b'U', &mut back);
            if alphabet != b"ACGN" {
                assert!(back.eq_ignore_ascii_case(&seq[..want_n]));
            }
        }
    }
}

#[test]
fn any_case_pack_matches_scalar_on_upper_case() {
    let mut seed = 0xCA5Eu64;
    for alphabet in [b"ACGT", b"ACGU"] {
        for trial in 0..300 {
            let len = (rng(&mut seed) % 500) as usize;
            let mut seq: Vec<u8> = (0..len)
                .map(|_| {
                    let b = alphabet[(rng(&mut seed) % 4) as usize];
                    if rng(&mut seed).is_multiple_of(5) {
                        b.to_ascii_lowercase()
                    } else {
                        b
                    }
                })
                .collect();
            if trial % 2 == 0 && len > 0 {
                let at = (rng(&mut seed) as usize) % len;
                seq[at] = [b'N', b'n', b'@', b'!', 0xE1, b'`'][trial % 6];
            }
            let upper = seq.to_ascii_uppercase();
            let mut want = Vec::new();
            let mut want_n = scalar::pack_2bit(&upper, alphabet, &mut want);
            // Bytes that only upper-casing turns into a symbol are not symbols.
            if let Some(bad) = seq
                .iter()
                .position(|&b| !alphabet.contains(&b.to_ascii_uppercase()))
            {
                want_n = want_n.min(bad / 4 * 4);
                want.truncate(want_n / 4);
            }
            for isa in ALL {
                let mut got = Vec::new();
                let n = PackTable::with_isa(isa, alphabet);
                let mut n = n;
                n.fold = 0xDF;
                let done = n.pack(&seq, &mut got);
                assert_eq!((done, &got), (want_n, &want), "{isa:?} trial {trial}");
            }
        }
    }
}

#[test]
fn lower_case_bitmap_matches_scalar() {
    let mut seed = 0x10CAu64;
    for len in (0..300).chain([640, 1000, 4097]) {
        let seq: Vec<u8> = (0..len)
            .map(|_| {
                [b'A', b'a', b'N', b'n', b'`', b'{', 0x80, 0xFF, b'\n']
                    [(rng(&mut seed) % 9) as usize]
            })
            .collect();
        let mut want = vec![7];
        scalar::lower_case_bitmap(&seq, &mut want);
        for (w, word) in want[1..].iter().enumerate() {
            for k in 0..64 {
                let i = 64 * w + k;
                let lower = i < len && (b'a'..0x80).contains(&seq[i]);
                assert_eq!(word >> k & 1 == 1, lower, "byte {i}");
            }
        }
        for isa in ALL {
            let mut got = vec![7];
            lower_case_bitmap_with(isa, &seq, &mut got);
            assert_eq!(got, want, "{isa:?} len {len}");
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
