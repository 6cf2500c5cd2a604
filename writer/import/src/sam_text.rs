//! SAM text lines into BAM's binary record layout (SAM spec 1.4 and 4.2).
//!
//! Written here rather than through noodles' SAM reader: the goal is the
//! record samtools itself would store (`samtools view -b`), which needs
//! htslib's choices (the narrowest integer type for `i` tags, a record with
//! RNAME `*` flagged unmapped), and noodles 0.93 refuses valid `H` tags.

use rustc_hash::FxHashMap;

const CIGAR_OPS: &[u8] = b"MIDNSHP=X";

/// 4-bit code of a SAM base (`=ACMGRSVTWYHKDBN`, either case; others N).
fn base_code(b: u8) -> u8 {
    match b.to_ascii_uppercase() {
        b'=' => 0,
        b'A' => 1,
        b'C' => 2,
        b'M' => 3,
        b'G' => 4,
        b'R' => 5,
        b'S' => 6,
        b'V' => 7,
        b'T' => 8,
        b'W' => 9,
        b'Y' => 10,
        b'H' => 11,
        b'K' => 12,
        b'D' => 13,
        b'B' => 14,
        _ => 15,
    }
}

/// What went wrong: the SAM field and why.
pub(crate) type FieldError = (&'static str, String);

fn int<T: std::str::FromStr>(text: &[u8], field: &'static str) -> Result<T, FieldError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<T>().ok())
        .ok_or_else(|| {
            (
                field,
                format!("{:?} is not a valid number", String::from_utf8_lossy(text)),
            )
        })
}

/// The narrowest BAM integer type for `v`, as htslib picks it.
fn int_type(v: i64) -> Option<u8> {
    Some(match v {
        -128..=-1 => b'c',
        -32768..=-129 => b's',
        -2147483648..=-32769 => b'i',
        0..=255 => b'C',
        256..=65535 => b'S',
        65536..=4294967295 => b'I',
        _ => return None,
    })
}

fn push_int_as(out: &mut Vec<u8>, t: u8, v: i64) {
    match t {
        b'c' | b'C' => out.push(v as u8),
        b's' | b'S' => out.extend_from_slice(&(v as u16).to_le_bytes()),
        _ => out.extend_from_slice(&(v as u32).to_le_bytes()),
    }
}

/// Append the BAM layout (without block size) of SAM `line` (no line
/// ending) to `out`; `refs` maps reference names to ids.
pub(crate) fn sam_to_bam(
    line: &[u8],
    refs: &FxHashMap<Vec<u8>, i32>,
    out: &mut Vec<u8>,
) -> Result<(), FieldError> {
    let mut fields = line.split(|&b| b == b'\t');
    let mut next = |name: &'static str| {
        fields.next().ok_or_else(|| {
            (
                name,
                "missing (a SAM record has 11 tab-separated fields)".to_string(),
            )
        })
    };
    let qname = next("QNAME")?;
    let flag: u16 = int(next("FLAG")?, "FLAG")?;
    let rname = next("RNAME")?;
    let pos: i64 = int(next("POS")?, "POS")?;
    let mapq: u8 = int(next("MAPQ")?, "MAPQ")?;
    let cigar = next("CIGAR")?;
    let rnext = next("RNEXT")?;
    let pnext: i64 = int(next("PNEXT")?, "PNEXT")?;
    let tlen: i64 = int(next("TLEN")?, "TLEN")?;
    let seq = next("SEQ")?;
    let qual = next("QUAL")?;
    let ref_of = |name: &[u8], field: &'static str| -> Result<i32, FieldError> {
        if name == b"*" {
            return Ok(-1);
        }
        refs.get(name).copied().ok_or_else(|| {
            (
                field,
                format!(
                    "reference {:?} is not in the header's @SQ lines",
                    String::from_utf8_lossy(name)
                ),
            )
        })
    };
    let ref_id = ref_of(rname, "RNAME")?;
    let next_ref_id = if rnext == b"=" {
        ref_id
    } else {
        ref_of(rnext, "RNEXT")?
    };
    let position = |p: i64, field: &'static str| -> Result<i32, FieldError> {
        if !(0..=i64::from(i32::MAX)).contains(&p) {
            return Err((field, format!("{p} is outside BAM's 0..2147483647")));
        }
        Ok(p as i32 - 1)
    };
    let pos = position(pos, "POS")?;
    let next_pos = position(pnext, "PNEXT")?;
    let tlen = i32::try_from(tlen).map_err(|_| ("TLEN", format!("{tlen} does not fit 32 bits")))?;
    if qname.is_empty() || qname.len() > 254 {
        return Err(("QNAME", format!("{} bytes (1 to 254)", qname.len())));
    }
    let mut ops = Vec::new();
    if cigar != b"*" {
        let mut n: u64 = 0;
        let mut digits = false;
        for &c in cigar {
            if c.is_ascii_digit() {
                n = n * 10 + u64::from(c - b'0');
                digits = true;
                if n >= 1 << 28 {
                    return Err(("CIGAR", "an operation longer than 2^28 - 1".into()));
                }
            } else {
                let op = CIGAR_OPS
                    .iter()
                    .position(|&o| o == c)
                    .filter(|_| digits)
                    .ok_or_else(|| ("CIGAR", format!("malformed at {:?}", c as char)))?;
                ops.push((n as u32) << 4 | op as u32);
                n = 0;
                digits = false;
            }
        }
        if digits {
            return Err(("CIGAR", "ends with a length and no operation".into()));
        }
    }
    let l_seq = if seq == b"*" { 0 } else { seq.len() };
    if qual != b"*" && qual.len() != l_seq {
        return Err((
            "QUAL",
            format!("{} qualities for {} bases", qual.len(), l_seq),
        ));
    }
    // htslib flags a record without a reference unmapped.
    let flag = if ref_id < 0 { flag | 4 } else { flag };
    let end = gcol_format::bam::end_position(pos, flag, ops.iter().copied());
    out.extend_from_slice(&ref_id.to_le_bytes());
    out.extend_from_slice(&pos.to_le_bytes());
    out.push(qname.len() as u8 + 1);
    out.push(mapq);
    out.extend_from_slice(&gcol_format::bam::reg2bin(i64::from(pos), end).to_le_bytes());
    // More operations than BAM's u16 field: `<l_seq>S<ref length>N` in the
    // record and the CIGAR in a CG:B:I tag after the others (SAM spec
    // 4.2.2, as htslib writes BAM); the importer restores it.
    let long = ops.len() > gcol_format::bam::MAX_BAM_CIGAR_OPS;
    let record_ops: Vec<u32> = if long {
        let ref_len = gcol_format::bam::reference_length(ops.iter().copied());
        let ref_len = u32::try_from(ref_len)
            .ok()
            .filter(|&l| l < 1 << 28)
            .ok_or_else(|| ("CIGAR", format!("a reference length of {ref_len}")))?;
        if l_seq >= 1 << 28 {
            return Err((
                "SEQ",
                format!("{l_seq} bases with a CIGAR of {} operations", ops.len()),
            ));
        }
        vec![(l_seq as u32) << 4 | 4, ref_len << 4 | 3]
    } else {
        ops.clone()
    };
    out.extend_from_slice(&(record_ops.len() as u16).to_le_bytes());
    out.extend_from_slice(&flag.to_le_bytes());
    out.extend_from_slice(&(l_seq as u32).to_le_bytes());
    out.extend_from_slice(&next_ref_id.to_le_bytes());
    out.extend_from_slice(&next_pos.to_le_bytes());
    out.extend_from_slice(&tlen.to_le_bytes());
    out.extend_from_slice(qname);
    out.push(0);
    for op in &record_ops {
        out.extend_from_slice(&op.to_le_bytes());
    }
    if l_seq > 0 {
        for pair in seq.chunks(2) {
            let hi = base_code(pair[0]);
            let lo = pair.get(1).map_or(0, |&b| base_code(b));
            out.push(hi << 4 | lo);
        }
        if qual == b"*" {
            out.extend(std::iter::repeat_n(0xFFu8, l_seq));
        } else {
            for &q in qual {
                if !(33..=126).contains(&q) {
                    return Err(("QUAL", format!("byte {q} is outside '!'..'~'")));
                }
                out.push(q - 33);
            }
        }
    }
    for tag in fields {
        append_tag(tag, out)?;
    }
    if long {
        out.extend_from_slice(b"CGBI");
        out.extend_from_slice(&(ops.len() as u32).to_le_bytes());
        for op in &ops {
            out.extend_from_slice(&op.to_le_bytes());
        }
    }
    Ok(())
}

/// One `TG:T:VALUE` field in BAM's layout.
fn append_tag(tag: &[u8], out: &mut Vec<u8>) -> Result<(), FieldError> {
    let bad = |detail: String| ("tags", detail);
    if tag.len() < 5 || tag[2] != b':' || tag[4] != b':' {
        return Err(bad(format!(
            "{:?} is not TG:TYPE:VALUE",
            String::from_utf8_lossy(tag)
        )));
    }
    let name = &tag[..2];
    let value = &tag[5..];
    let shown = String::from_utf8_lossy(name).into_owned();
    out.extend_from_slice(name);
    match tag[3] {
        b'A' => {
            if value.len() != 1 {
                return Err(bad(format!("tag {shown}: an A value is one character")));
            }
            out.push(b'A');
            out.push(value[0]);
        }
        b'i' => {
            let v: i64 = int(value, "tags").map_err(|(_, d)| bad(format!("tag {shown}: {d}")))?;
            let t =
                int_type(v).ok_or_else(|| bad(format!("tag {shown}: {v} does not fit 32 bits")))?;
            out.push(t);
            push_int_as(out, t, v);
        }
        b'f' => {
            let v: f32 = int(value, "tags").map_err(|(_, d)| bad(format!("tag {shown}: {d}")))?;
            out.push(b'f');
            out.extend_from_slice(&v.to_le_bytes());
        }
        t @ (b'Z' | b'H') => {
            if value.contains(&0) {
                return Err(bad(format!("tag {shown}: a NUL byte in the value")));
            }
            out.push(t);
            out.extend_from_slice(value);
            out.push(0);
        }
        b'B' => {
            let mut items = value.split(|&b| b == b',');
            let sub = items.next().unwrap_or_default();
            let &[sub] = sub else {
                return Err(bad(format!("tag {shown}: array without its subtype")));
            };
            out.push(b'B');
            out.push(sub);
            let count_at = out.len();
            out.extend_from_slice(&[0; 4]);
            let mut n = 0u32;
            for item in items {
                let d = |e: FieldError| bad(format!("tag {shown}: {}", e.1));
                match sub {
                    b'f' => {
                        out.extend_from_slice(&int::<f32>(item, "tags").map_err(d)?.to_le_bytes())
                    }
                    b'c' | b'C' | b's' | b'S' | b'i' | b'I' => {
                        let v: i64 = int(item, "tags").map_err(d)?;
                        let (lo, hi) = match sub {
                            b'c' => (-128, 127),
                            b'C' => (0, 255),
                            b's' => (-32768, 32767),
                            b'S' => (0, 65535),
                            b'i' => (-2147483648, 2147483647),
                            _ => (0, 4294967295),
                        };
                        if !(lo..=hi).contains(&v) {
                            return Err(bad(format!(
                                "tag {shown}: {v} does not fit subtype {}",
                                sub as char
                            )));
                        }
                        push_int_as(out, sub, v);
                    }
                    _ => return Err(bad(format!("tag {shown}: array subtype {:?}", sub as char))),
                }
                n += 1;
            }
            out[count_at..count_at + 4].copy_from_slice(&n.to_le_bytes());
        }
        t => return Err(bad(format!("tag {shown}: unknown type {:?}", t as char))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_take_htslibs_narrowest_type() {
        for (v, t) in [
            (0, b'C'),
            (255, b'C'),
            (256, b'S'),
            (65536, b'I'),
            (-1, b'c'),
            (-129, b's'),
            (-32769, b'i'),
        ] {
            assert_eq!(int_type(v), Some(t), "{v}");
        }
        assert_eq!(int_type(1 << 32), None);
    }

    #[test]
    fn a_line_becomes_bam_bytes() {
        let mut refs = FxHashMap::default();
        refs.insert(b"chr1".to_vec(), 0);
        let mut out = Vec::new();
        sam_to_bam(
            b"r1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tIII\tNM:i:1\tXZ:Z:hi",
            &refs,
            &mut out,
        )
        .unwrap();
        let f = gcol_format::bam::split_bam(&out).unwrap();
        assert_eq!((f.ref_id, f.pos, f.mapq, f.l_seq), (0, 4, 60, 3));
        assert_eq!(f.seq, &[0x12, 0x40]);
        assert_eq!(f.qual, &[40, 40, 40]);
        assert_eq!(f.aux, b"NMC\x01XZZhi\0");
        let err = sam_to_bam(
            b"r1\t0\tchrX\t5\t60\t3M\t*\t0\t0\tACG\tIII",
            &refs,
            &mut out,
        );
        assert_eq!(err.unwrap_err().0, "RNAME");
        let err = sam_to_bam(b"r1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tII", &refs, &mut out);
        assert_eq!(err.unwrap_err().0, "QUAL");
    }
}
