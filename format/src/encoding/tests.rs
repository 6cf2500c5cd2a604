use proptest::prelude::*;

use super::*;
use crate::values::BinaryBuilder;

fn all_encodings() -> Vec<Encoding> {
    ids::ALL
        .iter()
        .filter(|&&id| !ids::needs_primer(id))
        .map(|&id| Encoding::from_id(id).unwrap())
        .collect()
}

fn roundtrip(physical: PhysicalType, num_values: u32, decoded: &[u8]) {
    for encoding in all_encodings() {
        if !encoding.base.applies_to(physical) {
            assert!(matches!(
                encode_page(encoding, physical, num_values, decoded),
                Err(Error::EncodingNotApplicable { .. })
            ));
            continue;
        }
        if encoding.base == BaseEncoding::Decimal && decimal::scale_for(physical, decoded).is_none()
        {
            // Not all short decimals (NaN, -0.0, 1e-30): refused, the
            // writer stores such a page plain.
            assert!(encode_page(encoding, physical, num_values, decoded).is_err());
            continue;
        }
        let page = encode_page(encoding, physical, num_values, decoded).unwrap();
        assert_eq!(page.crc32c, crc::crc32c(&page.stored));
        let back = decode_page(
            page.encoding_id,
            physical,
            num_values,
            page.decoded_len,
            &page.stored,
        )
        .unwrap_or_else(|e| panic!("{} {physical}: {e}", encoding.name()));
        assert_eq!(
            back.as_bytes(&page.stored),
            decoded,
            "{} {physical}",
            encoding.name()
        );
    }
}

fn ints_to_layout(physical: PhysicalType, values: &[i128]) -> Vec<u8> {
    let width = physical.width().unwrap();
    let mut out = Vec::new();
    for &v in values {
        out.extend_from_slice(&(v as u128).to_le_bytes()[..width]);
    }
    out
}

fn bounds(physical: PhysicalType) -> (i128, i128) {
    let bits = 8 * physical.width().unwrap() as u32;
    if physical.is_signed() {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

fn int_types() -> impl Strategy<Value = PhysicalType> {
    prop::sample::select(
        PhysicalType::ALL
            .iter()
            .copied()
            .filter(|p| p.is_integer())
            .collect::<Vec<_>>(),
    )
}

proptest! {
    #[test]
    fn integers_roundtrip(physical in int_types(), raw in prop::collection::vec(any::<u64>(), 0..300), sorted in any::<bool>()) {
        let (lo, hi) = bounds(physical);
        let span = (hi - lo) as u128 + 1;
        let mut values: Vec<i128> = raw.iter().map(|&r| lo + (r as u128 % span) as i128).collect();
        if sorted { values.sort(); }
        roundtrip(physical, values.len() as u32, &ints_to_layout(physical, &values));
    }

    #[test]
    fn floats_roundtrip(values in prop::collection::vec(any::<f64>(), 0..200)) {
        let layout: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        roundtrip(PhysicalType::F64, values.len() as u32, &layout);
        let layout32: Vec<u8> = values.iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
        roundtrip(PhysicalType::F32, values.len() as u32, &layout32);
    }

    #[test]
    fn binary_roundtrip(values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 0..200), repeat in 1usize..4) {
        let mut builder = BinaryBuilder::new();
        for v in &values { for _ in 0..repeat { builder.push(v); } }
        let n = builder.len() as u32;
        let mut layout = Vec::new();
        builder.finish_into(&mut layout);
        roundtrip(PhysicalType::Binary, n, &layout);
    }

    #[test]
    fn quality_model_roundtrip(
        reads in prop::collection::vec(prop::collection::vec(0u8..94, 0..300), 0..40),
        params in (0u8..=12, 1u8..=6, 0u8..=3, 0u8..=8, 0u8..=4, 0u8..=3),
    ) {
        let values: Vec<u8> = reads.iter().flatten().copied().collect();
        let segments: Vec<u32> = reads.iter().map(|r| r.len() as u32).collect();
        let (qbits, qshift, pbits, pshift, dbits, dshift) = params;
        let p = quality_model::Params { qbits, qshift, pbits, pshift, dbits, dshift };
        for choice in [None, Some(p)] {
            let page = quality_model::encode(&values, &segments, choice).unwrap();
            prop_assert_eq!(quality_model::decode(values.len() as u32, &page).unwrap(), values.clone());
        }
    }

    #[test]
    fn name_tokens_roundtrip(names in prop::collection::vec(prop::collection::vec(prop::sample::select(b"0129:/._aZ".to_vec()), 0..40), 0..60)) {
        let mut builder = BinaryBuilder::new();
        for name in &names { builder.push(name); }
        let mut layout = Vec::new();
        builder.finish_into(&mut layout);
        let page = name_tokens::encode(&layout, names.len()).unwrap();
        prop_assert_eq!(name_tokens::decode(names.len() as u32, layout.len() as u32, &page).unwrap(), layout);
    }

    #[test]
    fn base_model_roundtrip(packed in prop::collection::vec(any::<u8>(), 0..2000), order in 1u8..=11, reverse in any::<bool>(), step in 1u8..=255, max_total in 16u16..=65504) {
        let params = base_model::Params { order, reverse, step, max_total };
        let page = base_model::encode(&packed, params).unwrap();
        prop_assert_eq!(base_model::decode(packed.len() as u32, &page).unwrap(), packed);
    }

    #[test]
    fn random_bytes_never_panic(id in prop::sample::select(ids::ALL.to_vec()), physical in prop::sample::select(PhysicalType::ALL.to_vec()), n in 0u32..64, len in 0u32..600, bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_page(id, physical, n, len, &bytes);
    }
}

#[test]
fn extremes_and_empty() {
    for physical in PhysicalType::ALL {
        if physical == PhysicalType::Binary {
            let mut b = BinaryBuilder::new();
            let mut empty = Vec::new();
            b.finish_into(&mut empty);
            roundtrip(physical, 0, &empty);
            b.push(b"");
            let mut one = Vec::new();
            b.finish_into(&mut one);
            roundtrip(physical, 1, &one);
            continue;
        }
        roundtrip(physical, 0, &[]);
        if physical.is_integer() {
            let (lo, hi) = bounds(physical);
            let values = [lo, hi, lo, hi, 0, hi, lo];
            roundtrip(
                physical,
                values.len() as u32,
                &ints_to_layout(physical, &values),
            );
            roundtrip(physical, 1, &ints_to_layout(physical, &[hi]));
        }
    }
}

#[test]
fn delta_varint_hand_vector() {
    // u32 values 5, 7, 6: deltas +5, +2, -1 -> zigzag 10, 4, 1
    let layout = ints_to_layout(PhysicalType::U32, &[5, 7, 6]);
    let page = encode_page(Encoding::delta_varint(), PhysicalType::U32, 3, &layout).unwrap();
    assert_eq!(page.stored, vec![0x0A, 0x04, 0x01]);
    assert_eq!(page.encoding_id, 0x0001);
}

#[test]
fn for_bitpack_hand_vector() {
    // i16 values -3, -1, 0: reference -3 (u64 two's complement), deltas 0, 2, 3 at 2 bits
    let layout = ints_to_layout(PhysicalType::I16, &[-3, -1, 0]);
    let page = encode_page(Encoding::for_bitpack(), PhysicalType::I16, 3, &layout).unwrap();
    let mut expected = (-3i64 as u64).to_le_bytes().to_vec();
    expected.push(2);
    expected.push(0b11_10_00);
    assert_eq!(page.stored, expected);
}

#[test]
fn dictionary_hand_vector() {
    let mut b = BinaryBuilder::new();
    for v in [&b"chr1"[..], b"chr2", b"chr1"] {
        b.push(v);
    }
    let mut layout = Vec::new();
    b.finish_into(&mut layout);
    let page = encode_page(Encoding::dictionary(), PhysicalType::Binary, 3, &layout).unwrap();
    let mut expected = vec![2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0];
    expected.extend_from_slice(b"chr1chr2");
    expected.push(1);
    expected.push(0b010);
    assert_eq!(page.stored, expected);
}

#[test]
fn bombs_are_refused_before_allocation() {
    // A dictionary page of a few bytes claiming many values of a long entry.
    let mut stored = vec![1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0];
    stored.extend_from_slice(&[b'x'; 16]);
    stored.push(0);
    let n = 1_000_000u32;
    let err = decode_page(
        ids::DICTIONARY,
        PhysicalType::Binary,
        n,
        4 * (n + 1) + 100,
        &stored,
    )
    .unwrap_err();
    assert!(matches!(err, Error::MalformedPage { .. }), "{err}");
    // A decoded length over the cap.
    let err = decode_page(ids::PLAIN, PhysicalType::U8, u32::MAX, u32::MAX, &[]).unwrap_err();
    assert!(matches!(err, Error::PageLimit { .. }), "{err}");
    // A zstd frame claiming more content than the cap.
    let mut frame = zstd_frame::compress(&[0u8; 16], 3);
    // Overwrite with a frame whose header declares 1 GiB: build it by compressing nothing and patching is fragile,
    // so check the declared-size path with a plain mismatch instead.
    let err = decode_page(ids::ZSTD | ids::PLAIN, PhysicalType::U8, 17, 17, &frame).unwrap_err();
    assert!(matches!(err, Error::DecodedLengthMismatch { .. }), "{err}");
    frame.push(0);
    let err = decode_page(ids::ZSTD | ids::PLAIN, PhysicalType::U8, 16, 16, &frame).unwrap_err();
    assert!(matches!(err, Error::MalformedPage { .. }), "{err}");
}

#[test]
fn varint_hand_vector() {
    // u16 values 1, 300, 0 -> 01, AC 02, 00; i8 values -1, 1 -> zigzag 1, 2
    let layout = ints_to_layout(PhysicalType::U16, &[1, 300, 0]);
    let page = encode_page(Encoding::varint(), PhysicalType::U16, 3, &layout).unwrap();
    assert_eq!(page.stored, vec![0x01, 0xAC, 0x02, 0x00]);
    assert_eq!(page.encoding_id, 0x0004);
    let layout = ints_to_layout(PhysicalType::I8, &[-1, 1]);
    let page = encode_page(Encoding::varint(), PhysicalType::I8, 2, &layout).unwrap();
    assert_eq!(page.stored, vec![0x01, 0x02]);
}

#[test]
fn unknown_ids() {
    for id in [
        0x000Cu16, 0x0107, 0x0108, 0x0109, 0x010A, 0x010B, 0x0200, 0xFFFF, 0x01FF,
    ] {
        assert!(
            matches!(decode_page(id, PhysicalType::U8, 0, 0, &[]), Err(Error::UnknownEncoding { id: found }) if found == id)
        );
    }
}

/// DNA-like bytes: 2-bit codes of a repetitive random sequence.
fn dna_like(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed;
    let unit: Vec<u8> = (0..4096)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect();
    (0..n)
        .map(|i| unit[(i * 7 + i / 5000) % unit.len()] ^ (i % 251 == 0) as u8)
        .collect()
}

#[test]
fn large_frames_have_blocks_and_decode_by_prefix() {
    for n in [zstd_frame::BLOCK_BYTES + 1, 65_536, 100_000, 200_000] {
        let content = dna_like(n, n as u64);
        let frame = zstd_frame::compress(&content, 9);
        // A whole-frame decode (and the page decoder) agree.
        assert_eq!(
            zstd_frame::decompress(&frame, Some(n as u32)).unwrap(),
            content
        );
        for needed in [
            0,
            1,
            1000,
            zstd_frame::BLOCK_BYTES,
            zstd_frame::BLOCK_BYTES + 1,
            n,
        ] {
            let part = zstd_frame::decompress_prefix(&frame[..], n as u32, needed).unwrap();
            let prefix = part.prefix();
            assert!(prefix.len() >= needed.min(n), "n {n} needed {needed}");
            assert_eq!(prefix, &content[..prefix.len()]);
            // Block granularity: a small prefix does not decode the whole page.
            if needed <= zstd_frame::BLOCK_BYTES && n > zstd_frame::BLOCK_BYTES {
                assert!(!part.is_complete(), "n {n} needed {needed}");
                assert!(prefix.len() <= zstd_frame::BLOCK_BYTES);
            }
            assert_eq!(part.finish().unwrap(), content, "n {n} needed {needed}");
        }
    }
}

#[test]
fn prefix_decode_rejects_what_whole_decode_rejects() {
    let n = 100_000;
    let content = dna_like(n, 5);
    let frame = zstd_frame::compress(&content, 3);
    // Wrong declared size.
    assert!(matches!(
        zstd_frame::decompress_prefix(&frame[..], n as u32 + 1, 10),
        Err(Error::DecodedLengthMismatch { .. })
    ));
    // Trailing bytes after the frame.
    let mut trailing = frame.clone();
    trailing.push(0);
    assert!(matches!(
        zstd_frame::decompress_prefix(&trailing[..], n as u32, 10),
        Err(Error::MalformedPage { .. })
    ));
    // A damaged second block: the prefix may decode, finishing must fail
    // (or the prefix fails); never a wrong page.
    let mut damaged = frame.clone();
    let at = damaged.len() * 3 / 4;
    for b in &mut damaged[at..at + 40] {
        *b ^= 0x5A;
    }
    match zstd_frame::decompress_prefix(&damaged[..], n as u32, 10) {
        Err(e) => assert!(matches!(e, Error::MalformedPage { .. }), "{e}"),
        Ok(part) => match part.finish() {
            Err(e) => assert!(matches!(e, Error::MalformedPage { .. }), "{e}"),
            Ok(out) => assert_ne!(out, content, "damage went unnoticed"),
        },
    }
    // Truncated frame: the header still declares the size.
    let cut = &frame[..frame.len() / 2];
    assert!(zstd_frame::decompress_prefix(cut, n as u32, n).is_err());
}

#[test]
fn prefix_decodes_from_many_threads() {
    let content = dna_like(150_000, 11);
    let frame = zstd_frame::compress(&content, 5);
    std::thread::scope(|scope| {
        for t in 0..6 {
            let (frame, content) = (&frame, &content);
            scope.spawn(move || {
                for k in 0..40 {
                    let needed = (t * 9_973 + k * 3_001) % content.len();
                    let part =
                        zstd_frame::decompress_prefix(&frame[..], content.len() as u32, needed)
                            .unwrap();
                    assert_eq!(part.prefix(), &content[..part.prefix().len()]);
                    if k % 2 == 0 {
                        assert_eq!(&part.finish().unwrap(), content);
                    }
                }
            });
        }
    });
}

/// Zero the null slots of a fixed-width layout, as writers must (spec 6.5).
fn zero_nulls(physical: PhysicalType, decoded: &mut [u8], present: &[bool]) {
    let width = physical.width().unwrap();
    for (i, p) in present.iter().enumerate() {
        if !p {
            decoded[i * width..(i + 1) * width].fill(0);
        }
    }
}

fn bitmap_of(present: &[bool]) -> Vec<u8> {
    let mut bitmap = vec![0u8; present.len().div_ceil(8)];
    for (i, &p) in present.iter().enumerate() {
        if p {
            crate::validity::set(&mut bitmap, i);
        }
    }
    bitmap
}

/// Encode with a validity bitmap under every applicable encoding, decode,
/// and compare section and values with what spec 6.5 says.
fn nullable_roundtrip(physical: PhysicalType, decoded: &[u8], present: &[bool]) {
    nullable_roundtrip_keep(physical, decoded, present, false);
    nullable_roundtrip_keep(physical, decoded, present, true);
}

fn nullable_roundtrip_keep(physical: PhysicalType, decoded: &[u8], present: &[bool], keep: bool) {
    let n = present.len() as u32;
    let bitmap = bitmap_of(present);
    let nulls = present.iter().filter(|p| !**p).count();
    for encoding in all_encodings() {
        if !encoding.base.applies_to(physical) {
            continue;
        }
        let page = encode_page_nullable(encoding, physical, n, &bitmap, decoded, keep).unwrap();
        let back = decode_page_with_flags(
            page.encoding_id,
            page.flags,
            physical,
            n,
            page.decoded_len,
            &page.stored,
            keep,
        )
        .unwrap_or_else(|e| panic!("{} {physical}: {e}", encoding.name()));
        let bytes = back.as_bytes(&page.stored);
        if nulls == 0 {
            assert_eq!(page.flags, 0);
            assert_eq!(bytes, decoded);
            continue;
        }
        assert_eq!(page.flags, crate::directory::FLAG_VALIDITY);
        let v = crate::validity::parse_section(bytes, n as usize, keep).unwrap();
        assert_eq!(v.null_count as usize, nulls);
        for (i, &p) in present.iter().enumerate() {
            assert_eq!(v.is_valid(i), p);
        }
        if nulls == n as usize && !keep {
            assert_eq!(bytes.len(), 8, "a page of nulls stores no values");
        } else {
            assert_eq!(&bytes[v.len..], decoded, "{} {physical}", encoding.name());
        }
    }
}

proptest! {
    #[test]
    fn nullable_integers_roundtrip(physical in int_types(), cells in prop::collection::vec((any::<u64>(), prop::bool::weighted(0.7)), 1..300)) {
        let (lo, hi) = bounds(physical);
        let values: Vec<i128> = cells.iter().map(|(v, _)| lo + (*v as i128).rem_euclid(hi - lo + 1)).collect();
        let present: Vec<bool> = cells.iter().map(|c| c.1).collect();
        let mut decoded = ints_to_layout(physical, &values);
        zero_nulls(physical, &mut decoded, &present);
        nullable_roundtrip(physical, &decoded, &present);
    }

    #[test]
    fn nullable_binary_roundtrip(cells in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..12), any::<bool>()), 1..200)) {
        let mut builder = BinaryBuilder::new();
        for (value, present) in &cells {
            builder.push(if *present { value } else { &[] });
        }
        let mut decoded = Vec::new();
        builder.finish_into(&mut decoded);
        let present: Vec<bool> = cells.iter().map(|c| c.1).collect();
        nullable_roundtrip(PhysicalType::Binary, &decoded, &present);
    }
}

#[test]
fn nullable_all_or_none() {
    let decoded: Vec<u8> = bytemuck::cast_slice(&[5u32, 0, 7]).to_vec();
    nullable_roundtrip(PhysicalType::U32, &decoded, &[true, true, true]);
    nullable_roundtrip(PhysicalType::U32, &[0; 12], &[false, false, false]);
    nullable_roundtrip(PhysicalType::F64, &[0; 8], &[false]);
}

#[test]
fn spec_6_5_example() {
    // f32 values 1.5, null, 95.1, null in a plain page.
    let values: Vec<u8> = bytemuck::cast_slice(&[1.5f32, 0.0, 95.1, 0.0]).to_vec();
    let page = encode_page_nullable(
        Encoding::PLAIN,
        PhysicalType::F32,
        4,
        &[0b0101],
        &values,
        false,
    )
    .unwrap();
    let expected = [
        0x02, 0, 0, 0, 0x05, 0, 0, 0, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0, 0x33, 0x33, 0xbe, 0x42, 0, 0,
        0, 0,
    ];
    assert_eq!(page.stored, expected);
    assert_eq!((page.flags, page.decoded_len), (1, 24));
    assert_eq!(
        decode_page_with_flags(0, 1, PhysicalType::F32, 4, 24, &page.stored, false).unwrap(),
        Decoded::Stored
    );
    // Four nulls: 8 bytes, whatever the encoding.
    for encoding in [Encoding::PLAIN, Encoding::for_bitpack(), Encoding::varint()] {
        let page =
            encode_page_nullable(encoding, PhysicalType::I32, 4, &[0], &[0; 16], false).unwrap();
        assert_eq!(page.stored, [4, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(page.decoded_len, 8);
    }
}

#[test]
fn spec_6_6_example() {
    // End offsets 1, 3, 3, 3 with row 2 null, delta-varint.
    let values: Vec<u8> = bytemuck::cast_slice(&[1u64, 3, 3, 3]).to_vec();
    let page = encode_page_nullable(
        Encoding::delta_varint(),
        PhysicalType::U64,
        4,
        &[0b1011],
        &values,
        true,
    )
    .unwrap();
    assert_eq!(page.stored, [1, 0, 0, 0, 0x0b, 0, 0, 0, 2, 4, 0, 0]);
    assert_eq!(page.decoded_len, 8 + 32);
    // A page of null lists keeps its end offsets (all 5, the previous end).
    let ends: Vec<u8> = bytemuck::cast_slice(&[5u64, 5]).to_vec();
    let page = encode_page_nullable(
        Encoding::delta_varint(),
        PhysicalType::U64,
        2,
        &[0],
        &ends,
        true,
    )
    .unwrap();
    assert_eq!(page.stored, [2, 0, 0, 0, 0, 0, 0, 0, 10, 0]);
}

#[test]
fn malformed_validity_sections() {
    let decode = |flags, stored: &[u8], decoded_len| {
        decode_page_with_flags(0, flags, PhysicalType::U8, 4, decoded_len, stored, false)
    };
    // A good page: null count 1, bitmap 0b1101, values.
    let good = [1, 0, 0, 0, 0x0d, 0, 0, 0, 9, 0, 8, 7];
    assert!(decode(1, &good, 12).is_ok());
    assert!(matches!(
        decode(2, &good, 12),
        Err(Error::UnknownPageFlags { flags: 2 })
    ));
    let mut bad = good;
    bad[0] = 0; // no nulls but flagged
    assert!(decode(1, &bad, 12).is_err());
    let mut bad = good;
    bad[4] = 0x1d; // unused bit set
    assert!(decode(1, &bad, 12).is_err());
    assert!(decode(1, &good[..10], 12).is_err()); // short values
    assert!(decode(1, &good, 13).is_err()); // decoded length
    assert!(decode(1, &[4, 0, 0, 0, 0, 0, 0, 0, 1], 8).is_err()); // values after all nulls
}
