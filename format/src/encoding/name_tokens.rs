//! `name-tokens` (spec 7.11, format 1.5), for binary columns of read
//! names: each name is split into digit and non-digit tokens and coded
//! token by token against an earlier name of the page (the previous one,
//! or the one sharing all but its last token, as mates do), in the manner
//! of CRAM 3.1's name tokeniser (CRAMcodecs section 7), through the range
//! coder and models of [`super::arith`].

use super::arith::{decode_u32, encode_u32, Models, RangeDecoder, RangeEncoder};
use crate::values::BinaryView;
use crate::{Error, Result};

const NAME: &str = "name-tokens";

/// Token types (spec 7.11).
const END: u8 = 0;
const MATCH: u8 = 1;
const DELTA: u8 = 2;
const NUM: u8 = 3;
const TEXT: u8 = 4;
const TYPES: usize = 5;

/// Token positions with their own models; later tokens share the last.
const POSITIONS: usize = 32;
/// Longest digit run in one numeric token.
const MAX_DIGITS: usize = 18;
/// Longest text token.
const MAX_TEXT: usize = 255;
/// Most tokens in one name.
pub const MAX_TOKENS: usize = 4096;

/// One token of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A digit run: its value and its number of digits (leading zeros kept).
    Num { value: u64, width: u8 },
    /// Other bytes: `start .. end` of the name.
    Text { start: u32, end: u32 },
}

/// Split `name` into tokens: digit runs of at most 18 digits and runs of
/// other bytes of at most 255 bytes.
fn tokenise(name: &[u8], out: &mut Vec<Token>) {
    out.clear();
    let mut i = 0;
    while i < name.len() {
        let start = i;
        if name[i].is_ascii_digit() {
            let mut value = 0u64;
            while i < name.len() && name[i].is_ascii_digit() && i - start < MAX_DIGITS {
                value = value * 10 + u64::from(name[i] - b'0');
                i += 1;
            }
            out.push(Token::Num {
                value,
                width: (i - start) as u8,
            });
        } else {
            while i < name.len() && !name[i].is_ascii_digit() && i - start < MAX_TEXT {
                i += 1;
            }
            out.push(Token::Text {
                start: start as u32,
                end: i as u32,
            });
        }
    }
}

/// The digits of `value` left-padded with zeros to `width`, or `None` when
/// it has more digits than that.
fn render(value: u64, width: u8, out: &mut Vec<u8>) -> bool {
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut v = value;
    loop {
        digits[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n > usize::from(width) {
        return false;
    }
    out.extend(std::iter::repeat_n(b'0', usize::from(width) - n));
    out.extend(digits[..n].iter().rev());
    true
}

/// The models of a page.
struct Coder {
    /// Token type, per token position.
    types: Models,
    /// DELTA increments minus one, per token position.
    deltas: Models,
    /// NUM widths, per token position.
    widths: Models,
    /// NUM values as 8 little-endian bytes, per (position, byte).
    values: Models,
    /// TEXT lengths, per token position.
    lengths: Models,
    /// TEXT bytes, per token position.
    bytes: Models,
    /// Reference distances (a byte model set).
    distance: Models,
}

impl Coder {
    fn new() -> Coder {
        Coder {
            types: Models::new(2 * POSITIONS, TYPES),
            deltas: Models::new(POSITIONS, 256),
            widths: Models::new(POSITIONS, MAX_DIGITS + 1),
            values: Models::new(POSITIONS * 8, 256),
            lengths: Models::new(POSITIONS, 256),
            bytes: Models::new(POSITIONS, 256),
            distance: Models::new(4, 256),
        }
    }
}

/// The key of a name for finding its mate: the name without its last token.
fn mate_key<'a>(name: &'a [u8], tokens: &[Token]) -> Option<&'a [u8]> {
    let last = tokens.last()?;
    let start = match *last {
        Token::Text { start, .. } => start as usize,
        Token::Num { width, .. } => name.len() - usize::from(width),
    };
    (start > 0).then(|| &name[..start])
}

/// Encode the `num_values` names of a binary layout.
pub fn encode(decoded: &[u8], num_values: usize) -> Result<Vec<u8>> {
    let view = BinaryView::new(decoded, num_values)?;
    let mut coder = Coder::new();
    let mut rc = RangeEncoder::new(Vec::with_capacity(decoded.len() / 4));
    let mut all: Vec<Vec<Token>> = Vec::with_capacity(num_values);
    let mut last_with_key: std::collections::HashMap<&[u8], usize> =
        std::collections::HashMap::new();
    let mut last_same: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    let mut tokens = Vec::new();
    let mut scratch = Vec::new();
    for (i, name) in view.iter().enumerate() {
        tokenise(name, &mut tokens);
        if tokens.len() > MAX_TOKENS {
            return Err(Error::MalformedPage {
                encoding: NAME,
                detail: "a name of more than 4096 tokens",
                position: i as u64,
            });
        }
        let key = mate_key(name, &tokens);
        // An earlier identical name (mates named alike, as in BAM), else
        // one differing in its last token only (`X/1`, `X/2`), else the
        // previous name.
        let reference = last_same
            .get(name)
            .copied()
            .or_else(|| key.and_then(|k| last_with_key.get(k).copied()))
            .or(i.checked_sub(1));
        let distance = reference.map_or(0, |r| i - r);
        encode_u32(&mut coder.distance, &mut rc, 0, distance as u32);
        let (ref_name, ref_tokens) = match reference {
            Some(r) => (view.get(r), all[r].as_slice()),
            None => (&b""[..], &[][..]),
        };
        // Types are modelled apart for names referring further back than
        // the previous name (mates, whose tokens mostly match).
        let far = if distance > 1 { POSITIONS } else { 0 };
        for (j, token) in tokens.iter().enumerate() {
            let p = j.min(POSITIONS - 1);
            let previous = ref_tokens.get(j);
            let same = match (token, previous) {
                (Token::Num { value, width }, Some(Token::Num { value: v, width: w })) => {
                    value == v && width == w
                }
                (Token::Text { start, end }, Some(Token::Text { start: s, end: e })) => {
                    name[*start as usize..*end as usize] == ref_name[*s as usize..*e as usize]
                }
                _ => false,
            };
            if same {
                coder.types.encode(&mut rc, far + p, MATCH);
                continue;
            }
            match *token {
                Token::Num { value, width } => {
                    let delta = match previous {
                        Some(&Token::Num { value: v, width: w }) if w == width && value > v => {
                            let d = value - v;
                            scratch.clear();
                            (d <= 256 && render(value, w, &mut scratch)).then_some(d)
                        }
                        _ => None,
                    };
                    if let Some(d) = delta {
                        coder.types.encode(&mut rc, far + p, DELTA);
                        coder.deltas.encode(&mut rc, p, (d - 1) as u8);
                    } else {
                        coder.types.encode(&mut rc, far + p, NUM);
                        coder.widths.encode(&mut rc, p, width);
                        for (b, byte) in value.to_le_bytes().into_iter().enumerate() {
                            coder.values.encode(&mut rc, p * 8 + b, byte);
                        }
                    }
                }
                Token::Text { start, end } => {
                    coder.types.encode(&mut rc, far + p, TEXT);
                    coder.lengths.encode(&mut rc, p, (end - start) as u8);
                    for &byte in &name[start as usize..end as usize] {
                        coder.bytes.encode(&mut rc, p, byte);
                    }
                }
            }
        }
        coder
            .types
            .encode(&mut rc, far + tokens.len().min(POSITIONS - 1), END);
        if let Some(k) = key {
            last_with_key.insert(k, i);
        }
        last_same.insert(name, i);
        all.push(std::mem::take(&mut tokens));
    }
    Ok(rc.finish())
}

/// Decode `num_values` names into their binary layout of `values_len` bytes.
pub fn decode(num_values: u32, values_len: u32, stored: &[u8]) -> Result<Vec<u8>> {
    let malformed = |detail, position: u64| Error::MalformedPage {
        encoding: NAME,
        detail,
        position,
    };
    let n = num_values as usize;
    let offsets_len = 4 * (n + 1);
    if offsets_len > values_len as usize {
        return Err(Error::DecodedLengthMismatch {
            expected: u64::from(values_len),
            actual: offsets_len as u64,
        });
    }
    let data_room = values_len as usize - offsets_len;
    let mut coder = Coder::new();
    let mut rd = RangeDecoder::new(stored, NAME)?;
    // Names' bytes back to back, their ends, and their tokens.
    let mut data: Vec<u8> = Vec::with_capacity(data_room);
    let mut ends: Vec<u32> = Vec::with_capacity(n);
    // The reference's tokens, split from its bytes (spec 7.11): memory stays
    // within the page's decoded length whatever the number of tokens.
    let mut ref_tokens: Vec<Token> = Vec::new();
    for i in 0..n {
        let at = i as u64;
        let distance = decode_u32(&mut coder.distance, &mut rd, 0)? as usize;
        if distance > i || (distance == 0 && i > 0) {
            return Err(malformed("reference distance out of range", at));
        }
        let reference = (distance > 0).then(|| i - distance);
        let far = if distance > 1 { POSITIONS } else { 0 };
        let ref_start = match reference {
            Some(r) => {
                let start = if r == 0 { 0 } else { ends[r - 1] as usize };
                tokenise(&data[start..ends[r] as usize], &mut ref_tokens);
                start
            }
            None => {
                ref_tokens.clear();
                0
            }
        };
        let mut j = 0usize;
        loop {
            let p = j.min(POSITIONS - 1);
            let kind = coder.types.decode(&mut rd, far + p)?;
            if kind == END {
                break;
            }
            if j >= MAX_TOKENS {
                return Err(malformed("a name of more than 4096 tokens", at));
            }
            let previous = ref_tokens.get(j).copied();
            match kind {
                MATCH => match previous {
                    Some(Token::Num { value, width }) => {
                        render(value, width, &mut data);
                    }
                    Some(Token::Text { start, end }) => {
                        data.extend_from_within(
                            ref_start + start as usize..ref_start + end as usize,
                        );
                    }
                    None => return Err(malformed("MATCH with no token to match", at)),
                },
                DELTA => {
                    let d = u64::from(coder.deltas.decode(&mut rd, p)?) + 1;
                    let Some(Token::Num { value, width }) = previous else {
                        return Err(malformed("DELTA against a token that is not a number", at));
                    };
                    let value = value
                        .checked_add(d)
                        .ok_or_else(|| malformed("DELTA past 2^64", at))?;
                    if !render(value, width, &mut data) {
                        return Err(malformed("DELTA value wider than its token", at));
                    }
                }
                NUM => {
                    let width = coder.widths.decode(&mut rd, p)?;
                    let mut bytes = [0u8; 8];
                    for (b, byte) in bytes.iter_mut().enumerate() {
                        *byte = coder.values.decode(&mut rd, p * 8 + b)?;
                    }
                    let value = u64::from_le_bytes(bytes);
                    if width == 0 || !render(value, width, &mut data) {
                        return Err(malformed("number wider than its digit count", at));
                    }
                }
                TEXT => {
                    let len = coder.lengths.decode(&mut rd, p)?;
                    if len == 0 {
                        return Err(malformed("empty text token", at));
                    }
                    for _ in 0..len {
                        data.push(coder.bytes.decode(&mut rd, p)?);
                    }
                }
                _ => return Err(malformed("unknown token type", at)),
            }
            if data.len() > data_room {
                return Err(Error::DecodedLengthMismatch {
                    expected: u64::from(values_len),
                    actual: (offsets_len + data.len()) as u64,
                });
            }
            j += 1;
        }
        ends.push(data.len() as u32);
    }
    rd.finish()?;
    if data.len() != data_room {
        return Err(Error::DecodedLengthMismatch {
            expected: u64::from(values_len),
            actual: (offsets_len + data.len()) as u64,
        });
    }
    let mut out = Vec::with_capacity(values_len as usize);
    out.extend_from_slice(&0u32.to_le_bytes());
    for end in ends {
        out.extend_from_slice(&end.to_le_bytes());
    }
    out.extend_from_slice(&data);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::BinaryBuilder;

    fn layout(names: &[&[u8]]) -> Vec<u8> {
        let mut b = BinaryBuilder::new();
        for n in names {
            b.push(n);
        }
        let mut out = Vec::new();
        b.finish_into(&mut out);
        out
    }

    fn round_trip(names: &[&[u8]]) -> usize {
        let decoded = layout(names);
        let page = encode(&decoded, names.len()).unwrap();
        let back = decode(names.len() as u32, decoded.len() as u32, &page).unwrap();
        assert_eq!(back, decoded);
        page.len()
    }

    #[test]
    fn names_of_every_shape() {
        round_trip(&[]);
        round_trip(&[b""]);
        round_trip(&[b"", b"", b"a"]);
        round_trip(&[b"007", b"008", b"009", b"010", b"0", b"00", b"1000"]);
        round_trip(&[b"r1/1", b"r1/2", b"r2/1", b"r3", b"r2/2", b"r3"]);
        round_trip(&[
            b"12345678901234567890123456789",
            b"18446744073709551615",
            b"99999999999999999999",
        ]);
        let long = vec![b'x'; 1000];
        let mixed: Vec<u8> = (0..600u32)
            .map(|i| if i % 7 < 3 { b'5' } else { b'-' })
            .collect();
        round_trip(&[&long, &mixed, &[0u8, 255, 10, 13]]);
    }

    #[test]
    fn illumina_names_are_small() {
        let names: Vec<Vec<u8>> = (0..2000u32)
            .map(|i| {
                format!(
                    "HWI-ST1234:8:1101:{}:{}#0/{}",
                    1000 + i / 3,
                    2000 + i * 7,
                    1 + i % 2
                )
                .into_bytes()
            })
            .collect();
        let refs: Vec<&[u8]> = names.iter().map(|n| n.as_slice()).collect();
        let size = round_trip(&refs);
        assert!(size < 2000 * 3, "{size} bytes");
    }

    #[test]
    fn wrong_counts_and_lengths_are_refused() {
        let names: [&[u8]; 3] = [b"a1", b"a2", b"b"];
        let decoded = layout(&names);
        let page = encode(&decoded, 3).unwrap();
        assert!(decode(2, decoded.len() as u32 - 4, &page).is_err());
        assert!(decode(3, decoded.len() as u32 + 1, &page).is_err());
        assert!(decode(3, decoded.len() as u32 - 1, &page).is_err());
        assert!(decode(4, decoded.len() as u32 + 4, &page).is_err());
    }
}

#[cfg(test)]
mod spec_example {
    use super::*;
    use crate::values::BinaryBuilder;

    /// The example of spec 7.11: names `a7` and `a8`.
    #[test]
    fn spec_example_bytes() {
        let mut b = BinaryBuilder::new();
        b.push(b"a7");
        b.push(b"a8");
        let mut decoded = Vec::new();
        b.finish_into(&mut decoded);
        let page = encode(&decoded, 2).unwrap();
        let hex: Vec<String> = page.iter().map(|b| format!("{b:02X}")).collect();
        println!("{}", hex.join(" "));
        assert_eq!(decode(2, decoded.len() as u32, &page).unwrap(), decoded);
    }
}
