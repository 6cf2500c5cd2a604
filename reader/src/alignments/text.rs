//! SAM text of BAM-layout records, as `samtools view` prints it (htslib's
//! `sam_format1`): integer tags of every width as `i`, floats as C's `%g`,
//! `=` for a mate on the same reference, `*` for absent fields.

use gcol_format::bam::{split_aux, split_bam, value_size};

const CIGAR_OPS: &[u8; 9] = b"MIDNSHP=X";
const BASES: &[u8; 16] = b"=ACMGRSVTWYHKDBN";

/// A CIGAR as SAM text (`*` when empty).
pub fn cigar_string(ops: &[u32]) -> String {
    if ops.is_empty() {
        return "*".into();
    }
    let mut s = String::new();
    for v in ops {
        s.push_str(&(v >> 4).to_string());
        s.push(CIGAR_OPS.get((v & 15) as usize).copied().unwrap_or(b'?') as char);
    }
    s
}

/// Bases as SAM text from their 4-bit codes (`None` when there are none:
/// SEQ `*`).
pub fn bases_string(codes: &[u8]) -> Option<String> {
    (!codes.is_empty()).then(|| {
        codes
            .iter()
            .map(|&b| BASES[(b & 15) as usize] as char)
            .collect()
    })
}

/// Qualities as SAM text, Phred+33 (`None` when absent: QUAL `*`, stored
/// as 0xFF).
pub fn qualities_string(quals: &[u8]) -> Option<String> {
    (!quals.is_empty() && quals[0] != 0xFF).then(|| {
        quals
            .iter()
            .map(|&q| q.saturating_add(33) as char)
            .collect()
    })
}

/// `v` formatted as C's `printf("%g", v)`: 6 significant digits, trailing
/// zeros removed, exponent form below 1e-4 and from 1e6.
pub fn format_g(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    // The six significant digits and the exponent after rounding.
    let sci = format!("{:.5e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    g_text(v < 0.0, &digits, exp, out);
}

/// `%g` text of `±d₁.d₂…d₆ × 10^exp` (`digits`: the six digits).
fn g_text(negative: bool, digits: &str, exp: i32, out: &mut Vec<u8>) {
    use std::io::Write;
    if negative {
        out.push(b'-');
    }
    if (-4..6).contains(&exp) {
        // Fixed notation: the point after digit exp + 1.
        let mut text = String::new();
        if exp < 0 {
            text.push_str("0.");
            text.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            text.push_str(digits);
        } else {
            let point = (exp + 1) as usize;
            text.push_str(&digits[..point]);
            text.push('.');
            text.push_str(&digits[point..]);
        }
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        out.extend_from_slice(trimmed.as_bytes());
    } else {
        let mut m = format!("{}.{}", &digits[..1], &digits[1..]);
        while m.ends_with('0') {
            m.pop();
        }
        if m.ends_with('.') {
            m.pop();
        }
        let _ = write!(
            out,
            "{m}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
    }
}

/// `v` as htslib prints array floats (`kputd`): `%g`, except that a value
/// lying exactly halfway at the sixth significant digit rounds away from
/// zero (`%g` rounds it to even).
pub fn format_g_away(v: f64, out: &mut Vec<u8>) {
    if !v.is_finite() || v == 0.0 {
        return format_g(v, out);
    }
    // 41 significant digits hold an f32's expansion far enough to tell an
    // exact tie.
    let exact = format!("{:.40e}", v.abs());
    let (mantissa, exp) = exact.split_once('e').expect("exponent form");
    let mut exp: i32 = exp.parse().expect("exponent");
    let all: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let tie = all[6] == b'5' && all[7..].iter().all(|&d| d == b'0');
    if !tie {
        return format_g(v, out);
    }
    let mut six: u32 = all[..6]
        .iter()
        .fold(0, |n, &d| n * 10 + u32::from(d - b'0'))
        + 1;
    if six == 1_000_000 {
        six = 100_000;
        exp += 1;
    }
    g_text(v < 0.0, &six.to_string(), exp, out);
}

use crate::variants::put_int as push_int;

/// One value of BAM type `t` from its little-endian bytes.
fn push_value(out: &mut Vec<u8>, t: u8, b: &[u8]) {
    push_value_as(out, t, b, false)
}

/// `array`: a value of a `B` array (floats as htslib's `kputd`).
fn push_value_as(out: &mut Vec<u8>, t: u8, b: &[u8], array: bool) {
    match t {
        b'f' if array => {
            format_g_away(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])), out)
        }
        b'c' => push_int(out, i64::from(b[0] as i8)),
        b'C' => push_int(out, i64::from(b[0])),
        b's' => push_int(out, i64::from(i16::from_le_bytes([b[0], b[1]]))),
        b'S' => push_int(out, i64::from(u16::from_le_bytes([b[0], b[1]]))),
        b'i' => push_int(out, i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        b'I' => push_int(out, i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        b'f' => format_g(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])), out),
        _ => out.push(b[0]),
    }
}

/// Append the SAM line (with its LF) of a BAM-layout `record`, naming
/// references from `refs`.
pub fn write_sam_record(
    out: &mut Vec<u8>,
    record: &[u8],
    refs: &[(String, u64)],
) -> Result<(), String> {
    let r = split_bam(record)?;
    let ref_name = |id: i32| -> Result<&[u8], String> {
        if id < 0 {
            return Ok(b"*");
        }
        refs.get(id as usize)
            .map(|(n, _)| n.as_bytes())
            .ok_or_else(|| format!("reference id {id} of {}", refs.len()))
    };
    out.extend_from_slice(r.name);
    out.push(b'\t');
    push_int(out, i64::from(r.flag));
    out.push(b'\t');
    out.extend_from_slice(ref_name(r.ref_id)?);
    out.push(b'\t');
    push_int(out, i64::from(r.pos) + 1);
    out.push(b'\t');
    push_int(out, i64::from(r.mapq));
    out.push(b'\t');
    if r.cigar.is_empty() {
        out.push(b'*');
    }
    // A CIGAR in a CG tag (too long for BAM's field) prints as the CIGAR,
    // and the tag not at all, as htslib reads it (SAM spec 4.2.2).
    let long = gcol_format::bam::long_cigar(&r, true);
    let mut push_op = |v: u32| -> Result<(), String> {
        push_int(out, i64::from(v >> 4));
        out.push(
            *CIGAR_OPS
                .get((v & 15) as usize)
                .ok_or("unknown CIGAR operation")?,
        );
        Ok(())
    };
    let skip = match &long {
        Some((ops, range)) => {
            for &v in ops {
                push_op(v)?;
            }
            range.clone()
        }
        None => {
            for c in r.cigar.chunks_exact(4) {
                push_op(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))?;
            }
            0..0
        }
    };
    out.push(b'\t');
    if r.next_ref_id >= 0 && r.next_ref_id == r.ref_id {
        out.push(b'=');
    } else {
        out.extend_from_slice(ref_name(r.next_ref_id)?);
    }
    out.push(b'\t');
    push_int(out, i64::from(r.next_pos) + 1);
    out.push(b'\t');
    push_int(out, i64::from(r.tlen));
    out.push(b'\t');
    if r.l_seq == 0 {
        out.push(b'*');
    } else {
        for i in 0..r.l_seq {
            let code = if i % 2 == 0 {
                r.seq[i / 2] >> 4
            } else {
                r.seq[i / 2] & 15
            };
            out.push(BASES[code as usize]);
        }
    }
    out.push(b'\t');
    if r.l_seq == 0 || r.qual[0] == 0xFF {
        out.push(b'*');
    } else {
        out.extend(r.qual.iter().map(|q| q.saturating_add(33)));
    }
    let aux_kept: Vec<u8>;
    let aux = if skip.is_empty() {
        r.aux
    } else {
        aux_kept = [&r.aux[..skip.start], &r.aux[skip.end..]].concat();
        aux_kept.as_slice()
    };
    split_aux(aux, |f| {
        out.push(b'\t');
        out.extend_from_slice(&f.key[..2]);
        out.push(b':');
        let t = f.key[3];
        match t {
            b'c' | b'C' | b's' | b'S' | b'i' | b'I' => {
                out.extend_from_slice(b"i:");
                push_value(out, t, f.value);
            }
            b'A' | b'f' | b'Z' | b'H' => {
                out.push(t);
                out.push(b':');
                if matches!(t, b'Z' | b'H') {
                    out.extend_from_slice(f.value);
                } else {
                    push_value(out, t, f.value);
                }
            }
            _ => {
                let sub = f.key[4];
                out.extend_from_slice(b"B:");
                out.push(sub);
                let width = value_size(sub).ok_or("array subtype")?;
                for v in f.value.chunks_exact(width) {
                    out.push(b',');
                    push_value_as(out, sub, v, true);
                }
            }
        }
        Ok(())
    })?;
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: f64) -> String {
        let mut out = Vec::new();
        format_g(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_print_as_printf_g() {
        // Expected strings from C's printf("%g").
        for (v, s) in [
            (0.0, "0"),
            (1.0, "1"),
            (0.5, "0.5"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (-2.5, "-2.5"),
            (f64::from(0.1f32), "0.1"),
            (1.2345678, "1.23457"),
            (999999.5, "1e+06"),
            (164252.5, "164252"),
            (0.000123456, "0.000123456"),
            (-1e-5, "-1e-05"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(g(v), s, "{v}");
        }
        // Array floats round exact halves away from zero, as htslib.
        for (v, t) in [
            (164252.5, "164253"),
            (-164252.5, "-164253"),
            (999999.5, "1e+06"),
            (0.5, "0.5"),
            (2.5, "2.5"),
        ] {
            let mut out = Vec::new();
            format_g_away(v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), t, "{v}");
        }
    }
}
