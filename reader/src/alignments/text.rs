//! SAM text of BAM-layout records, as `samtools view` prints it (htslib's
//! `sam_format1`): integer tags of every width as `i`, floats as C's `%g`,
//! `=` for a mate on the same reference, `*` for absent fields.

use gcol_format::bam::{split_aux, split_bam, value_size};

const CIGAR_OPS: &[u8; 9] = b"MIDNSHP=X";
const BASES: &[u8; 16] = b"=ACMGRSVTWYHKDBN";

/// `v` formatted as C's `printf("%g", v)`: 6 significant digits, trailing
/// zeros removed, exponent form below 1e-4 and from 1e6.
pub fn format_g(v: f64, out: &mut Vec<u8>) {
    use std::io::Write;
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
    // The exponent after rounding to 6 significant digits.
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    if (-4..6).contains(&exp) {
        let fixed = format!("{v:.*}", (5 - exp) as usize);
        let trimmed = if fixed.contains('.') {
            fixed.trim_end_matches('0').trim_end_matches('.')
        } else {
            &fixed
        };
        out.extend_from_slice(trimmed.as_bytes());
    } else {
        let m = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let _ = write!(
            out,
            "{m}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
    }
}

use crate::variants::put_int as push_int;

/// One value of BAM type `t` from its little-endian bytes.
fn push_value(out: &mut Vec<u8>, t: u8, b: &[u8]) {
    match t {
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
    for c in r.cigar.chunks_exact(4) {
        let v = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        push_int(out, i64::from(v >> 4));
        out.push(
            *CIGAR_OPS
                .get((v & 15) as usize)
                .ok_or("unknown CIGAR operation")?,
        );
    }
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
    split_aux(r.aux, |f| {
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
                    push_value(out, sub, v);
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
            (1e100, "1e+100"),
        ] {
            assert_eq!(g(v), s, "{v}");
        }
    }
}
