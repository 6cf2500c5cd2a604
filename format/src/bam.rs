//! BAM's binary record layout (SAM spec 4.2): splitting a record into its
//! fields and its auxiliary data into tags, computing the `bin` field and
//! the alignment end. Shared by the importer and the readers, which build
//! the same layout back from columns.

/// A BAM record's fields, borrowed from its bytes.
pub struct BamFields<'a> {
    /// Reference id (−1: none).
    pub ref_id: i32,
    /// 0-based position (−1: none).
    pub pos: i32,
    /// MAPQ.
    pub mapq: u8,
    /// FLAG.
    pub flag: u16,
    /// Mate's reference id.
    pub next_ref_id: i32,
    /// Mate's 0-based position.
    pub next_pos: i32,
    /// TLEN.
    pub tlen: i32,
    /// QNAME without its NUL.
    pub name: &'a [u8],
    /// CIGAR ops, 4 bytes each.
    pub cigar: &'a [u8],
    /// Bases, two 4-bit codes per byte.
    pub seq: &'a [u8],
    /// Number of bases.
    pub l_seq: usize,
    /// Qualities, one byte per base.
    pub qual: &'a [u8],
    /// Auxiliary data.
    pub aux: &'a [u8],
}

fn le_i32(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Split a BAM record (SAM spec 4.2.1) into its fields, checking lengths.
pub fn split_bam(b: &[u8]) -> std::result::Result<BamFields<'_>, String> {
    if b.len() < 32 {
        return Err(format!("a record of {} bytes (at least 32)", b.len()));
    }
    let l_read_name = b[8] as usize;
    let n_cigar = u16::from_le_bytes([b[12], b[13]]) as usize;
    let l_seq = u32::from_le_bytes(b[16..20].try_into().expect("4 bytes")) as usize;
    let mut at = 32;
    let need = |at: usize, n: usize, what: &str| {
        if at + n > b.len() {
            Err(format!("{what} runs past the record's end"))
        } else {
            Ok(())
        }
    };
    need(at, l_read_name, "read_name")?;
    if l_read_name == 0 || b[at + l_read_name - 1] != 0 {
        return Err("read_name is not NUL-terminated".into());
    }
    let name = &b[at..at + l_read_name - 1];
    at += l_read_name;
    need(at, 4 * n_cigar, "cigar")?;
    let cigar = &b[at..at + 4 * n_cigar];
    at += 4 * n_cigar;
    let packed = l_seq.div_ceil(2);
    need(at, packed, "seq")?;
    let seq = &b[at..at + packed];
    at += packed;
    need(at, l_seq, "qual")?;
    let qual = &b[at..at + l_seq];
    at += l_seq;
    Ok(BamFields {
        ref_id: le_i32(b, 0),
        pos: le_i32(b, 4),
        mapq: b[9],
        flag: u16::from_le_bytes([b[14], b[15]]),
        next_ref_id: le_i32(b, 20),
        next_pos: le_i32(b, 24),
        tlen: le_i32(b, 28),
        name,
        cigar,
        seq,
        l_seq,
        qual,
        aux: &b[at..],
    })
}

/// Bytes of one value of BAM type `t`.
fn type_size(t: u8) -> Option<usize> {
    Some(match t {
        b'A' | b'c' | b'C' => 1,
        b's' | b'S' => 2,
        b'i' | b'I' | b'f' => 4,
        _ => return None,
    })
}

/// One auxiliary field: its key (`XX:T`, with `B` and the subtype for
/// arrays) and its value bytes (fixed-width values little-endian; Z and H
/// without the NUL; arrays without subtype and count).
pub struct AuxField<'a> {
    /// `XX:T`, then the array subtype for `B`.
    pub key: [u8; 5],
    /// Bytes of `key` in use (4, or 5 for arrays).
    pub key_len: usize,
    /// Value bytes: little-endian numbers; Z and H text without the NUL; array values without subtype and count.
    pub value: &'a [u8],
}

/// Split the auxiliary data of a record into fields.
pub fn split_aux<'a>(
    mut aux: &'a [u8],
    mut f: impl FnMut(AuxField<'a>) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    while !aux.is_empty() {
        if aux.len() < 3 {
            return Err("a truncated tag".into());
        }
        let (tag, t) = ([aux[0], aux[1]], aux[2]);
        let shown = String::from_utf8_lossy(&tag).into_owned();
        let mut key = [tag[0], tag[1], b':', t, 0];
        let mut key_len = 4;
        let rest = &aux[3..];
        let (value, used) = match t {
            b'Z' | b'H' => {
                let end = memchr::memchr(0, rest)
                    .ok_or_else(|| format!("tag {shown}: a {} value without its NUL", t as char))?;
                (&rest[..end], end + 1)
            }
            b'B' => {
                if rest.len() < 5 {
                    return Err(format!("tag {shown}: a truncated array"));
                }
                let sub = rest[0];
                let width = type_size(sub)
                    .filter(|_| sub != b'A')
                    .ok_or_else(|| format!("tag {shown}: array subtype {:?}", sub as char))?;
                let n = u32::from_le_bytes(rest[1..5].try_into().expect("4 bytes")) as usize;
                let bytes = n
                    .checked_mul(width)
                    .filter(|&b| b <= rest.len() - 5)
                    .ok_or_else(|| {
                        format!("tag {shown}: an array of {n} values runs past the record")
                    })?;
                key[4] = sub;
                key_len = 5;
                (&rest[5..5 + bytes], 5 + bytes)
            }
            _ => {
                let width = type_size(t)
                    .ok_or_else(|| format!("tag {shown}: unknown type {:?}", t as char))?;
                if rest.len() < width {
                    return Err(format!("tag {shown}: a truncated value"));
                }
                (&rest[..width], width)
            }
        };
        f(AuxField {
            key,
            key_len,
            value,
        })?;
        aux = &rest[used..];
    }
    Ok(())
}

/// Bytes of one value of BAM type `t` (`A c C s S i I f`).
pub fn value_size(t: u8) -> Option<usize> {
    type_size(t)
}

/// Reference bases a CIGAR covers (M, D, N, = and X), from BAM-coded ops.
pub fn reference_length(ops: impl IntoIterator<Item = u32>) -> i64 {
    ops.into_iter()
        .filter(|v| matches!(v & 15, 0 | 2 | 3 | 7 | 8))
        .map(|v| i64::from(v >> 4))
        .sum()
}

/// The end (exclusive, 0-based) samtools uses for a record: `pos` plus the
/// CIGAR's reference length, or `pos + 1` when that is 0 or the record is
/// unmapped (flag 4).
pub fn end_position(pos: i32, flag: u16, ops: impl IntoIterator<Item = u32>) -> i64 {
    let len = if flag & 4 != 0 {
        0
    } else {
        reference_length(ops)
    };
    i64::from(pos) + len.max(1)
}

/// BAM's `bin` field for a record covering `beg .. end` (SAM spec 5.3,
/// `reg2bin`; −1 .. 0 gives 4680, as for records without a position).
pub fn reg2bin(beg: i64, end: i64) -> u16 {
    let end = end - 1;
    let levels = [(14, 4681), (17, 585), (20, 73), (23, 9), (26, 1)];
    for (shift, offset) in levels {
        if beg >> shift == end >> shift {
            return (offset + (beg >> shift)) as u16;
        }
    }
    0
}

/// Whether a record's mate fields are stored relative to the record
/// (spec 15.2): both on one placed reference.
pub fn mate_on_same_reference(ref_id: i32, next_ref_id: i32) -> bool {
    ref_id >= 0 && next_ref_id == ref_id
}

/// The TLEN predicted from a record's own fields (spec 15.2), which the
/// `tlen` column stores TLEN against: on one reference, `next_pos - pos`
/// plus the record's own reference span when the mate starts at or after
/// it (a mate as long as the record), else minus the span from the mate's
/// start to the record's end; 0 otherwise.
pub fn predicted_tlen(
    ref_id: i32,
    pos: i32,
    flag: u16,
    ops: impl IntoIterator<Item = u32>,
    next_ref_id: i32,
    next_pos: i32,
) -> i32 {
    if !mate_on_same_reference(ref_id, next_ref_id) || pos < 0 || next_pos < 0 {
        return 0;
    }
    let end = end_position(pos, flag, ops);
    let (pos, next) = (i64::from(pos), i64::from(next_pos));
    let p = if next >= pos {
        next - pos + (end - pos)
    } else {
        -(end - next)
    };
    p.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_match_the_spec() {
        // Hand-computed from SAM spec 5.3.
        assert_eq!(reg2bin(-1, 0), 4680);
        assert_eq!(reg2bin(0, 1), 4681);
        assert_eq!(reg2bin(16383, 16384), 4681);
        assert_eq!(reg2bin(16383, 16385), 585);
        assert_eq!(reg2bin(0, 1 << 29), 0);
        assert_eq!(
            end_position(99, 0, [(100 << 4), (5 << 4) | 2, (3 << 4) | 1]),
            204
        );
        assert_eq!(end_position(99, 4, [100 << 4]), 100);
    }

    #[test]
    fn mates_predict_tlen() {
        // A 100M read at 9999 with its mate at 10069: 70 + 100.
        assert_eq!(predicted_tlen(0, 9999, 99, [100 << 4], 0, 10069), 170);
        // The mate, to the right: -(its end - the first's start).
        assert_eq!(predicted_tlen(0, 10069, 147, [75 << 4], 0, 9999), -145);
        assert_eq!(predicted_tlen(0, 5, 0, [], 1, 9), 0);
        assert_eq!(predicted_tlen(-1, -1, 4, [], -1, -1), 0);
    }

    #[test]
    fn records_split_and_tags_walk() {
        let mut b = vec![0u8; 32];
        b[8] = 2; // l_read_name
        b[12] = 1; // n_cigar_op
        b[16] = 3; // l_seq
        b.extend_from_slice(b"r\0");
        b.extend_from_slice(&((3u32 << 4).to_le_bytes()));
        b.extend_from_slice(&[0x12, 0x40]);
        b.extend_from_slice(&[30, 31, 32]);
        b.extend_from_slice(b"NMC\x05XAZab\0ZBBs\x02\0\0\0\x01\0\xff\xff");
        let f = split_bam(&b).unwrap();
        assert_eq!(
            (f.name, f.l_seq, f.seq, f.qual),
            (&b"r"[..], 3, &[0x12, 0x40][..], &[30, 31, 32][..])
        );
        let mut keys = Vec::new();
        split_aux(f.aux, |t| {
            keys.push((
                String::from_utf8_lossy(&t.key[..t.key_len]).into_owned(),
                t.value.to_vec(),
            ));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            keys,
            [
                ("NM:C".to_string(), vec![5]),
                ("XA:Z".to_string(), b"ab".to_vec()),
                ("ZB:Bs".to_string(), vec![1, 0, 0xff, 0xff])
            ]
        );
        assert!(split_bam(&b[..40]).is_err());
        assert!(split_aux(b"NMC", |_| Ok(())).is_err());
        assert!(split_aux(b"XAZab", |_| Ok(())).is_err());
    }
}
