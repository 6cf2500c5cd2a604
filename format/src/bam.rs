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

/// Most CIGAR operations a BAM record holds in its own field (`n_cigar_op`
/// is a u16); longer CIGARs go to a `CG:B:I` tag (SAM spec 4.2.2).
pub const MAX_BAM_CIGAR_OPS: usize = 0xFFFF;

/// A CIGAR of more than [`MAX_BAM_CIGAR_OPS`] operations as BAM stores it
/// (SAM spec 4.2.2): the record's CIGAR is exactly `<l_seq>S<n>N` and a
/// `CG:B:I` (or `B:i`) tag holds the real operations. Read as htslib reads
/// BAM (`ours` false: a placed record, at least two operations in the
/// tag), or as this crate writes such records (`ours` true: the tag is the
/// last and holds more than [`MAX_BAM_CIGAR_OPS`] operations, which no
/// record written as SAM text keeps). Returns the operations and the byte
/// range of the `CG` tag in `aux`, or `None` when the record is not in
/// that form.
pub fn long_cigar(r: &BamFields<'_>, ours: bool) -> Option<(Vec<u32>, std::ops::Range<usize>)> {
    if r.cigar.len() != 8 || (!ours && (r.ref_id < 0 || r.pos < 0)) {
        return None;
    }
    let op = |k: usize| u32::from_le_bytes(r.cigar[4 * k..4 * k + 4].try_into().expect("4"));
    let (first, second) = (op(0), op(1));
    if first != ((r.l_seq as u32) << 4 | 4) || second & 15 != 3 {
        return None;
    }
    let mut at = 0usize;
    let mut found = None;
    split_aux(r.aux, |f| {
        let len = match f.key_len {
            5 => 3 + 5 + f.value.len(),
            _ if matches!(f.key[3], b'Z' | b'H') => 3 + f.value.len() + 1,
            _ => 3 + f.value.len(),
        };
        // htslib takes the first CG tag; this crate writes its own last.
        if (ours || found.is_none()) && matches!(&f.key[..f.key_len], b"CG:BI" | b"CG:Bi") {
            found = Some((f.value, at..at + len));
        }
        at += len;
        Ok(())
    })
    .ok()?;
    let (value, range) = found?;
    let ops: Vec<u32> = value
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    let fits = if ours {
        range.end == r.aux.len() && ops.len() > MAX_BAM_CIGAR_OPS
    } else {
        ops.len() >= 2
    };
    fits.then_some((ops, range))
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

/// Bases per window of the region index (spec 15.5, as BAI's linear index).
pub const INDEX_WINDOW_BASES: u64 = 1 << 14;

/// One reference's entry of the region index (spec 15.5): its first and
/// end rows (both 0 without records) and, per window, the first row whose
/// record ends after the window's start.
pub type IndexEntry = (u64, u64, Vec<u64>);

/// The region index of a coordinate-sorted dataset (spec 15.5), built
/// record by record: by the importer to write it and by verification to
/// compare it.
#[derive(Debug, Clone, Default)]
pub struct RegionIndex {
    /// Per reference id: first row (u64::MAX: none yet), end row, windows
    /// (u64::MAX: no record yet).
    refs: Vec<IndexEntry>,
}

impl RegionIndex {
    /// Note record `row` of reference `ref_id` covering `pos .. end`
    /// (records without a reference are not indexed).
    pub fn add(&mut self, ref_id: i32, row: u64, pos: i32, end: i64) {
        if ref_id < 0 {
            return;
        }
        let id = ref_id as usize;
        if self.refs.len() <= id {
            self.refs.resize(id + 1, (u64::MAX, 0, Vec::new()));
        }
        let (first, last, windows) = &mut self.refs[id];
        *first = (*first).min(row);
        *last = row + 1;
        let w0 = (pos.max(0) as u64 / INDEX_WINDOW_BASES) as usize;
        let w1 = ((end.max(1) - 1) as u64 / INDEX_WINDOW_BASES) as usize;
        if windows.len() <= w1 {
            windows.resize(w1 + 1, u64::MAX);
        }
        for w in &mut windows[w0..=w1] {
            *w = (*w).min(row);
        }
    }

    /// The index of `n_refs` references as stored: a window no record
    /// overlaps takes the next window's row (the last, the end row), so
    /// rows never decrease.
    pub fn finish(mut self, n_refs: usize) -> Vec<IndexEntry> {
        self.refs.resize(n_refs, (u64::MAX, 0, Vec::new()));
        self.refs
            .into_iter()
            .map(|(f, e, mut w)| {
                let (f, e) = if f == u64::MAX { (0, 0) } else { (f, e) };
                let mut next = e;
                for x in w.iter_mut().rev() {
                    next = (*x).min(next);
                    *x = next;
                }
                (f, e, w)
            })
            .collect()
    }
}

/// Records per consensus chunk (spec 15.8): the rows `k × 4096 ..
/// (k + 1) × 4096` share the consensus they were coded against.
pub const CONSENSUS_ROWS: u64 = 4096;

/// Longest span of reference (summed over references) one chunk's
/// consensus covers; a chunk spread wider (unsorted input) has none.
pub const CONSENSUS_MAX_SPAN: i64 = 1 << 23;

/// A consensus of aligned reads (spec 15.8): segments of consecutive
/// reference positions with their most frequent base.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consensus {
    /// (reference id, 0-based start, length, start in `bases`), sorted by
    /// reference and start, not overlapping.
    pub segments: Vec<(i32, i32, u32, usize)>,
    /// Bases, 0..3 for A C G T.
    pub bases: Vec<u8>,
}

/// The A C G T index (0..3) of a 4-bit BAM base code, if it is one.
fn acgt(code: u8) -> Option<usize> {
    match code {
        1 => Some(0),
        2 => Some(1),
        4 => Some(2),
        8 => Some(3),
        _ => None,
    }
}

/// 4-bit codes other than A C G T, in the order substitution codes 3..14
/// name them (spec 15.8).
const OTHER_CODES: [u8; 12] = [0, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15];

/// The substitution code (spec 15.8) of base `b` (a 4-bit code) where
/// the predictor has `p` (A C G T as 1 2 4 8), `b != p`: 0, 1, 2 for the
/// A C G T bases after `p` in the cycle A C G T (so a transition, A↔G or
/// C↔T, is 1), 3..14 for the other codes.
pub fn substitution_code(p: u8, b: u8) -> u8 {
    match (acgt(p), acgt(b)) {
        (Some(k), Some(j)) => ((j + 4 - k - 1) % 4) as u8,
        _ => 3 + OTHER_CODES.iter().position(|&c| c == b).unwrap_or(0) as u8,
    }
}

/// The base (4-bit code) of substitution code `v` where the predictor has
/// `p`; `None` for a code above 14.
pub fn substituted_base(p: u8, v: u8) -> Option<u8> {
    match v {
        0..=2 => Some(1 << ((acgt(p)? + 1 + v as usize) % 4)),
        3..=14 => Some(OTHER_CODES[(v - 3) as usize]),
        _ => None,
    }
}

/// Whether a record's bases are coded against the consensus: placed,
/// mapped (FLAG 0x4 clear), with a CIGAR whose query length is its SEQ
/// length.
pub fn predictable(ref_id: i32, pos: i32, flag: u16, ops: &[u32], l_seq: usize) -> bool {
    if ref_id < 0 || pos < 0 || flag & 4 != 0 || ops.is_empty() || l_seq == 0 {
        return false;
    }
    query_length(ops) == l_seq as u64
}

/// Query bases a CIGAR covers (M, I, S, = and X), from BAM-coded ops.
pub fn query_length(ops: &[u32]) -> u64 {
    ops.iter()
        .filter(|v| matches!(*v & 15, 0 | 1 | 4 | 7 | 8))
        .map(|v| u64::from(v >> 4))
        .sum()
}

/// A CIGAR's operations are known (0..8) and, when it and SEQ are not
/// empty, it covers SEQ's `l_seq` bases (SAM spec 1.4.6; spec 15.6).
pub fn check_cigar(ops: &[u32], l_seq: usize) -> std::result::Result<(), String> {
    if let Some(op) = ops.iter().map(|v| v & 15).find(|&op| op > 8) {
        return Err(format!("unknown operation code {op}"));
    }
    let query = query_length(ops);
    if l_seq > 0 && !ops.is_empty() && query != l_seq as u64 {
        return Err(format!(
            "the CIGAR covers {query} query bases but SEQ has {l_seq}"
        ));
    }
    Ok(())
}

/// One record as the consensus needs it: reference id, position, flag,
/// CIGAR (BAM-coded), bases (4-bit codes, one per byte).
pub type ConsensusRecord<'a> = (i32, i32, u16, &'a [u32], &'a [u8]);

impl Consensus {
    /// The consensus of `records` (spec 15.8): at each reference position
    /// an M, = or X base of a predictable record covers, the most frequent
    /// of A C G T there (the first in that order on a tie); positions with
    /// no A C G T base have none. Empty when the records span more than
    /// [`CONSENSUS_MAX_SPAN`] positions.
    pub fn build<'a>(records: impl Iterator<Item = ConsensusRecord<'a>> + Clone) -> Consensus {
        // Span per reference.
        let mut spans: Vec<(i32, i64, i64)> = Vec::new();
        for (ref_id, pos, flag, ops, seq) in records.clone() {
            if !predictable(ref_id, pos, flag, ops, seq.len()) {
                continue;
            }
            let end = end_position(pos, flag, ops.iter().copied());
            match spans.iter_mut().find(|s| s.0 == ref_id) {
                Some(s) => {
                    s.1 = s.1.min(i64::from(pos));
                    s.2 = s.2.max(end);
                }
                None => spans.push((ref_id, i64::from(pos), end)),
            }
        }
        let total: i64 = spans.iter().map(|s| s.2 - s.1).sum();
        if spans.is_empty() || total > CONSENSUS_MAX_SPAN {
            return Consensus::default();
        }
        spans.sort_unstable();
        let mut counts: Vec<Vec<[u16; 4]>> = spans
            .iter()
            .map(|s| vec![[0u16; 4]; (s.2 - s.1) as usize])
            .collect();
        for (ref_id, pos, flag, ops, seq) in records {
            if !predictable(ref_id, pos, flag, ops, seq.len()) {
                continue;
            }
            let k = spans.iter().position(|s| s.0 == ref_id).expect("spanned");
            let base = spans[k].1;
            let table = &mut counts[k];
            let (mut q, mut r) = (0usize, i64::from(pos));
            for &op in ops {
                let len = (op >> 4) as usize;
                match op & 15 {
                    0 | 7 | 8 => {
                        for i in 0..len {
                            if let Some(b) = acgt(seq[q + i]) {
                                let c = &mut table[(r + i as i64 - base) as usize][b];
                                *c = c.saturating_add(1);
                            }
                        }
                        q += len;
                        r += len as i64;
                    }
                    1 | 4 => q += len,
                    2 | 3 => r += len as i64,
                    _ => {}
                }
            }
        }
        let mut out = Consensus::default();
        for (k, &(ref_id, start, _)) in spans.iter().enumerate() {
            let mut open: Option<usize> = None;
            for (i, c) in counts[k].iter().enumerate() {
                let best = (0..4).fold(0usize, |b, j| if c[j] > c[b] { j } else { b });
                if c[best] == 0 {
                    open = None;
                    continue;
                }
                if open.is_none() {
                    out.segments
                        .push((ref_id, (start + i as i64) as i32, 0, out.bases.len()));
                    open = Some(out.segments.len() - 1);
                }
                out.bases.push(best as u8);
                out.segments[open.expect("open")].2 += 1;
            }
        }
        out
    }

    /// The reference as a consensus (spec 15.10): over the spans of the
    /// predictable records among `records` (reference id, position, flag,
    /// CIGAR, SEQ length), merged where they overlap or touch, the
    /// reference's bases from `fetch(ref_id, start, end)` (upper case,
    /// clipped at the contig's end; `None` when the reference lacks the
    /// contig), as segments of the runs of A, C, G and T. Writer and reader
    /// call it with the records they code or decode: a base's prediction
    /// depends only on the reference, never on the other records.
    pub fn from_reference<'a, E>(
        records: impl Iterator<Item = (i32, i32, u16, &'a [u32], usize)>,
        mut fetch: impl FnMut(i32, i64, i64) -> std::result::Result<Option<Vec<u8>>, E>,
    ) -> std::result::Result<Consensus, E> {
        let mut spans: Vec<(i32, i64, i64)> = records
            .filter(|&(ref_id, pos, flag, ops, l_seq)| predictable(ref_id, pos, flag, ops, l_seq))
            .map(|(ref_id, pos, flag, ops, _)| {
                (
                    ref_id,
                    i64::from(pos),
                    end_position(pos, flag, ops.iter().copied()),
                )
            })
            .filter(|s| s.2 > s.1)
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(i32, i64, i64)> = Vec::new();
        for s in spans {
            match merged.last_mut() {
                Some(m) if m.0 == s.0 && s.1 <= m.2 => m.2 = m.2.max(s.2),
                _ => merged.push(s),
            }
        }
        let mut out = Consensus::default();
        for (ref_id, start, end) in merged {
            let Some(bases) = fetch(ref_id, start, end)? else {
                continue;
            };
            let mut open = false;
            for (i, &b) in bases.iter().take((end - start) as usize).enumerate() {
                let code = match b {
                    b'A' => 0,
                    b'C' => 1,
                    b'G' => 2,
                    b'T' => 3,
                    _ => {
                        open = false;
                        continue;
                    }
                };
                if !open {
                    out.segments
                        .push((ref_id, (start + i as i64) as i32, 0, out.bases.len()));
                    open = true;
                }
                out.bases.push(code);
                out.segments.last_mut().expect("open").2 += 1;
            }
        }
        Ok(out)
    }

    /// Rebuild from stored segments (reference ids, starts, lengths) and
    /// bases, checking them (sorted, not overlapping, bases 0..3, lengths
    /// summing to the bases).
    pub fn from_parts(
        ref_ids: &[i32],
        starts: &[i32],
        lengths: &[u32],
        bases: Vec<u8>,
    ) -> std::result::Result<Consensus, String> {
        if ref_ids.len() != starts.len() || starts.len() != lengths.len() {
            return Err("segment columns of different lengths".into());
        }
        let mut segments = Vec::with_capacity(ref_ids.len());
        let mut at = 0usize;
        let mut last: Option<(i32, i64)> = None;
        for i in 0..ref_ids.len() {
            let (r, s, l) = (ref_ids[i], starts[i], lengths[i]);
            if r < 0 || s < 0 || l == 0 {
                return Err(format!("segment {i}: reference {r}, start {s}, length {l}"));
            }
            if let Some((lr, le)) = last {
                if (r, i64::from(s)) < (lr, le) {
                    return Err(format!(
                        "segment {i} is out of order or overlaps the one before"
                    ));
                }
            }
            last = Some((r, i64::from(s) + i64::from(l)));
            segments.push((r, s, l, at));
            at += l as usize;
        }
        if at != bases.len() || bases.iter().any(|&b| b > 3) {
            return Err(format!(
                "{} consensus bases for segments of {at} (codes 0..3)",
                bases.len()
            ));
        }
        Ok(Consensus { segments, bases })
    }

    /// [`Consensus::code_at`] for rising positions of one record: the
    /// segment found last is kept, so most bases cost a comparison.
    fn code_from(&self, cursor: &mut usize, ref_id: i32, pos: i64) -> Option<u8> {
        let segs = &self.segments;
        match segs.get(*cursor) {
            Some(s) if s.0 == ref_id && i64::from(s.1) <= pos => {
                while let Some(t) = segs.get(*cursor) {
                    if t.0 == ref_id && i64::from(t.1) + i64::from(t.2) <= pos {
                        *cursor += 1;
                    } else {
                        break;
                    }
                }
            }
            _ => {
                *cursor = segs
                    .partition_point(|s| (s.0, i64::from(s.1)) <= (ref_id, pos))
                    .saturating_sub(1);
            }
        }
        let s = segs.get(*cursor)?;
        let off = pos - i64::from(s.1);
        (s.0 == ref_id && off >= 0 && off < i64::from(s.2))
            .then(|| 1u8 << self.bases[s.3 + off as usize])
    }

    /// The 4-bit code of the consensus base at `pos` of `ref_id`, if any.
    pub fn code_at(&self, ref_id: i32, pos: i64) -> Option<u8> {
        let i = self
            .segments
            .partition_point(|s| (s.0, i64::from(s.1)) <= (ref_id, pos));
        let s = self.segments.get(i.checked_sub(1)?)?;
        let off = pos - i64::from(s.1);
        (s.0 == ref_id && off >= 0 && off < i64::from(s.2))
            .then(|| 1u8 << self.bases[s.3 + off as usize])
    }

    /// Split a record's bases (4-bit codes) into those stored (bases the
    /// consensus does not predict), the query offsets of predicted bases
    /// that differ from it and their substitution codes (spec 15.8):
    /// appended to `stored`, `diffs` and `subs`.
    pub fn code(
        &self,
        record: ConsensusRecord<'_>,
        stored: &mut Vec<u8>,
        diffs: &mut Vec<u32>,
        subs: &mut Vec<u8>,
    ) {
        let (ref_id, pos, flag, ops, seq) = record;
        if self.segments.is_empty() || !predictable(ref_id, pos, flag, ops, seq.len()) {
            stored.extend_from_slice(seq);
            return;
        }
        let (mut q, mut r) = (0usize, i64::from(pos));
        let mut cursor = usize::MAX;
        for &op in ops {
            let len = (op >> 4) as usize;
            match op & 15 {
                0 | 7 | 8 => {
                    for i in 0..len {
                        let b = seq[q + i];
                        match self.code_from(&mut cursor, ref_id, r + i as i64) {
                            Some(p) if p == b => {}
                            Some(p) => {
                                diffs.push((q + i) as u32);
                                subs.push(substitution_code(p, b));
                            }
                            None => stored.push(b),
                        }
                    }
                    q += len;
                    r += len as i64;
                }
                1 | 4 => {
                    stored.extend_from_slice(&seq[q..q + len]);
                    q += len;
                }
                2 | 3 => r += len as i64,
                _ => {}
            }
        }
    }

    /// Inverse of [`Consensus::code`]: the record's `l_seq` bases from its
    /// stored bases, diffs and substitution codes, appended to `out`; the
    /// stored bases used. `subs` is `None` for the form of format 1.5
    /// (spec 15.8, "The 1.5 form"): a listed difference is the next stored
    /// base, which must differ from the predicted one.
    pub fn decode(
        &self,
        record: (i32, i32, u16, &[u32]),
        l_seq: usize,
        stored: &[u8],
        (diffs, subs): (&[u32], Option<&[u8]>),
        out: &mut Vec<u8>,
    ) -> std::result::Result<usize, String> {
        if let Some(subs) = subs {
            if diffs.len() != subs.len() {
                return Err(format!(
                    "{} differences but {} substitution codes",
                    diffs.len(),
                    subs.len()
                ));
            }
        }
        let (ref_id, pos, flag, ops) = record;
        if self.segments.is_empty() || !predictable(ref_id, pos, flag, ops, l_seq) {
            if !diffs.is_empty() {
                return Err("differences on a record not coded against the consensus".into());
            }
            let bases = stored
                .get(..l_seq)
                .ok_or("fewer stored bases than SEQ holds")?;
            out.extend_from_slice(bases);
            return Ok(l_seq);
        }
        let (mut q, mut r, mut s, mut d) = (0usize, i64::from(pos), 0usize, 0usize);
        let mut cursor = usize::MAX;
        let take = |s: &mut usize| -> std::result::Result<u8, String> {
            let b = *stored
                .get(*s)
                .ok_or("fewer stored bases than the record needs")?;
            *s += 1;
            Ok(b)
        };
        for &op in ops {
            let len = (op >> 4) as usize;
            match op & 15 {
                0 | 7 | 8 => {
                    for i in 0..len {
                        let b = match self.code_from(&mut cursor, ref_id, r + i as i64) {
                            Some(p) => {
                                if diffs.get(d) == Some(&((q + i) as u32)) {
                                    d += 1;
                                    match subs {
                                        Some(subs) => {
                                            let v = subs[d - 1];
                                            substituted_base(p, v).ok_or_else(|| {
                                                format!(
                                                    "substitution code {v} at query offset {} (at most 14)",
                                                    q + i
                                                )
                                            })?
                                        }
                                        None => {
                                            let b = take(&mut s)?;
                                            if b == p {
                                                return Err(format!(
                                                    "the difference at query offset {} stores the predicted base",
                                                    q + i
                                                ));
                                            }
                                            b
                                        }
                                    }
                                } else {
                                    p
                                }
                            }
                            None => take(&mut s)?,
                        };
                        out.push(b);
                    }
                    q += len;
                    r += len as i64;
                }
                1 | 4 => {
                    for _ in 0..len {
                        let b = take(&mut s)?;
                        out.push(b);
                    }
                    q += len;
                }
                2 | 3 => r += len as i64,
                _ => {}
            }
        }
        if d != diffs.len() {
            return Err(format!(
                "difference {} (query offset {}) is not at a base the consensus predicts, or out of order",
                d, diffs[d]
            ));
        }
        Ok(s)
    }
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
    fn reads_code_against_their_consensus_and_back() {
        // Three reads on reference 0: two agree, one differs at one base,
        // one has a soft clip and an insertion; one is unmapped.
        let a = [1u8, 2, 4, 8, 1, 2];
        let b = [1u8, 2, 4, 8, 1, 2];
        let c = [1u8, 2, 8, 8, 1, 2];
        let d = [15u8, 2, 4, 8, 1, 1];
        let full = [6u32 << 4];
        let clipped = [(1u32 << 4) | 4, (3 << 4), (1 << 4) | 1, (1 << 4)];
        let records: Vec<ConsensusRecord<'_>> = vec![
            (0, 10, 0, &full, &a),
            (0, 10, 0, &full, &b),
            (0, 10, 16, &full, &c),
            (0, 11, 0, &clipped, &d),
            (-1, -1, 4, &[], &a),
        ];
        let cons = Consensus::build(records.iter().copied());
        assert_eq!(cons.segments, vec![(0, 10, 6, 0)]);
        assert_eq!(cons.bases, vec![0, 1, 2, 3, 0, 1]);
        let code = |r| {
            let (mut stored, mut diffs, mut subs) = (Vec::new(), Vec::new(), Vec::new());
            cons.code(r, &mut stored, &mut diffs, &mut subs);
            (stored, diffs, subs)
        };
        for &r in &records {
            let (stored, diffs, subs) = code(r);
            let mut out = Vec::new();
            let used = cons
                .decode(
                    (r.0, r.1, r.2, r.3),
                    r.4.len(),
                    &stored,
                    (&diffs, Some(&subs)),
                    &mut out,
                )
                .unwrap();
            assert_eq!((out.as_slice(), used), (r.4, stored.len()));
        }
        // T where the consensus has G: one step on from G in A C G T.
        assert_eq!(code(records[2]), (vec![], vec![2], vec![0]));
        // The clipped N, the inserted A, no difference where it agrees.
        assert_eq!(code(records[3]), (vec![15, 1], vec![], vec![]));
        let rebuilt = Consensus::from_parts(&[0], &[10], &[6], cons.bases.clone()).unwrap();
        assert_eq!(rebuilt, cons);
        assert!(Consensus::from_parts(&[0, 0], &[10, 12], &[6, 1], vec![0; 7]).is_err());
        assert_eq!(cons.code_at(0, 9), None);
        assert_eq!(cons.code_at(0, 15), Some(2));
        // The cursor agrees with the search across gaps and references.
        let gapped = Consensus::from_parts(
            &[0, 0, 2],
            &[5, 20, 0],
            &[3, 2, 4],
            vec![0, 1, 2, 3, 0, 1, 2, 3, 0],
        )
        .unwrap();
        for r in [0, 1, 2] {
            let mut cursor = usize::MAX;
            for p in 0..30 {
                assert_eq!(
                    gapped.code_from(&mut cursor, r, p),
                    gapped.code_at(r, p),
                    "{r} {p}"
                );
            }
        }
    }

    #[test]
    fn substitution_codes_are_a_bijection() {
        // Transitions (A<->G, C<->T) are code 1.
        assert_eq!(substitution_code(1, 4), 1);
        assert_eq!(substitution_code(2, 8), 1);
        assert_eq!(substitution_code(1, 2), 0);
        assert_eq!(substitution_code(8, 1), 0);
        assert_eq!(substitution_code(4, 15), 14);
        assert_eq!(substitution_code(4, 0), 3);
        for p in [1u8, 2, 4, 8] {
            let mut seen = std::collections::HashSet::new();
            for b in (0u8..16).filter(|&b| b != p) {
                let v = substitution_code(p, b);
                assert!(v <= 14 && seen.insert(v));
                assert_eq!(substituted_base(p, v), Some(b));
            }
            assert_eq!(substituted_base(p, 15), None);
        }
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
