//! BCF 2.2 records decoded into VCF text lines (hts-specs VCFv4.3 section
//! 6.3), so that BCF and VCF go through one field parser.
//!
//! Written here rather than taken from noodles-bcf: noodles' record API
//! stops with `todo!` on value types valid BCF files use (htslib's own
//! `tabix_vcf_file.bcf`), and going through its generic per-sample values
//! is slow on wide files. The layout is small and fully specified: a BGZF
//! stream of `BCF\2\2`, the header text, then records of typed values.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use gcol_writer::{Error, Result};

use super::header::VcfHeader;
use crate::input::{open_input_with, Input};
use gcol_format::encoding::decimal::put_f32_text as put_float;

/// Type codes of typed values (section 6.3.3).
const MISSING_TYPE: u8 = 0;
const INT8: u8 = 1;
const INT16: u8 = 2;
const INT32: u8 = 3;
const FLOAT: u8 = 5;
const CHAR: u8 = 7;

const FLOAT_MISSING: u32 = 0x7F80_0001;
const FLOAT_END: u32 = 0x7F80_0002;

/// A BCF input: the decompressed stream, its dictionaries and sample count.
pub(crate) struct BcfSource {
    pub(crate) input: Input,
    path: PathBuf,
    strings: Vec<Option<String>>,
    contigs: Vec<Option<String>>,
    gt: Option<usize>,
    flags: Vec<bool>,
    samples: usize,
    shared: Vec<u8>,
    indiv: Vec<u8>,
    record: u64,
}

/// One decoded value: integers (missing as `None`), floats or text.
enum Values<'a> {
    Ints(Vec<Option<i32>>),
    Floats(Vec<Option<f32>>),
    Text(&'a [u8]),
}

fn read_error(path: &Path, record: u64, detail: impl std::fmt::Display) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        record,
        line: 0,
        field: "record",
        detail: format!("{detail}; the BCF file may be truncated or corrupt"),
    }
}

/// `key=value` attributes of a structured header line's `<...>` (values may
/// be quoted, with `\"` inside).
fn attributes(line: &str) -> Vec<(String, String)> {
    let Some(start) = line.find('<') else {
        return Vec::new();
    };
    let body = line[start + 1..].trim_end().trim_end_matches('>');
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
            // Up to the comma after the closing quote.
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
            }
        } else {
            value = chars.by_ref().take_while(|&c| c != ',').collect();
        }
        out.push((key.trim().to_string(), value));
    }
    out
}

/// The string and contig dictionaries of a BCF header (section 6.2.1): `IDX`
/// where given; else in order of first appearance, `PASS` first.
/// Entries of a dictionary by index (`None`: an index no line takes).
type Dictionary = Vec<Option<String>>;

fn dictionaries(text: &str) -> std::result::Result<(Dictionary, Dictionary), String> {
    // An index past the number of header lines names no entry htslib
    // would write (it numbers entries in order): refused before any
    // allocation it would size.
    let bound = text.lines().count() + 1;
    fn place(dict: &mut Vec<Option<String>>, index: usize, id: &str) {
        if dict.len() <= index {
            dict.resize(index + 1, None);
        }
        dict[index] = Some(id.to_string());
    }
    let mut strings: Vec<Option<String>> = vec![Some("PASS".into())];
    let mut contigs = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::from([("PASS".to_string(), 0)]);
    for line in text.lines() {
        let contig = line.starts_with("##contig=<");
        if !contig
            && !["##FILTER=<", "##INFO=<", "##FORMAT=<"]
                .iter()
                .any(|p| line.starts_with(p))
        {
            continue;
        }
        let attrs = attributes(line);
        let Some(id) = attrs
            .iter()
            .find(|(k, _)| k == "ID")
            .map(|(_, v)| v.clone())
        else {
            continue;
        };
        let idx = match attrs.iter().find(|(k, _)| k == "IDX") {
            Some((_, v)) => match v.parse::<usize>() {
                Ok(i) if i < bound => Some(i),
                _ => {
                    return Err(format!(
                        "IDX={v} of {id:?} is not an index this header can have"
                    ))
                }
            },
            None => None,
        };
        if contig {
            let at = idx.unwrap_or(contigs.len());
            place(&mut contigs, at, &id);
        } else if let Some(at) = idx {
            seen.insert(id.clone(), at);
            place(&mut strings, at, &id);
        } else if !seen.contains_key(&id) {
            seen.insert(id.clone(), strings.len());
            strings.push(Some(id));
        }
    }
    Ok((strings, contigs))
}

impl BcfSource {
    /// Open `path`: magic, header text (returned without `IDX`), dictionaries.
    pub(crate) fn open(path: &Path, hash: bool) -> Result<(BcfSource, VcfHeader)> {
        let mut input = open_input_with(path, hash)?;
        let mut magic = [0u8; 9];
        input
            .reader
            .read_exact(&mut magic)
            .map_err(|e| read_error(path, 0, format!("cannot read the BCF magic ({e})")))?;
        if &magic[..3] != b"BCF" || magic[3] != 2 {
            return Err(read_error(path, 0, "no BCF2 magic (`BCF\\2`)"));
        }
        let len = u32::from_le_bytes(magic[5..9].try_into().expect("4 bytes")) as usize;
        if len > 1 << 30 {
            return Err(read_error(
                path,
                0,
                format!("header length {len} is too large"),
            ));
        }
        let mut text = Vec::new();
        let got = (&mut input.reader)
            .take(len as u64)
            .read_to_end(&mut text)
            .map_err(|e| read_error(path, 0, format!("cannot read the header ({e})")))?;
        if got != len {
            return Err(read_error(
                path,
                0,
                format!("the header ends after {got} of {len} bytes"),
            ));
        }
        while text.last() == Some(&0) {
            text.pop();
        }
        if text.last() != Some(&b'\n') {
            text.push(b'\n');
        }
        let raw = String::from_utf8_lossy(&text).into_owned();
        let (strings, contigs) =
            dictionaries(&raw).map_err(|detail| read_error(path, 0, detail))?;
        let parsed = VcfHeader::parse(path, strip_idx(&text))?;
        let gt = strings.iter().position(|s| s.as_deref() == Some("GT"));
        let mut flags = vec![false; strings.len()];
        for def in &parsed.infos {
            if def.ty == super::VcfType::Flag {
                if let Some(i) = strings
                    .iter()
                    .position(|s| s.as_deref() == Some(def.id.as_str()))
                {
                    flags[i] = true;
                }
            }
        }
        let samples = parsed.samples.len();
        Ok((
            BcfSource {
                input,
                path: path.to_path_buf(),
                strings,
                contigs,
                gt,
                flags,
                samples,
                shared: Vec::new(),
                indiv: Vec::new(),
                record: 0,
            },
            parsed,
        ))
    }

    /// The next record as a VCF line (no newline) into `out`; false at the end.
    pub(crate) fn next_line(&mut self, out: &mut Vec<u8>) -> Result<bool> {
        out.clear();
        let mut lengths = [0u8; 8];
        let reader = &mut self.input.reader;
        if reader.fill_buf().map(|b| b.is_empty()).unwrap_or(false) {
            return Ok(false);
        }
        self.record += 1;
        let (path, record) = (self.path.clone(), self.record);
        let truncated =
            |e: std::io::Error| read_error(&path, record, format!("the record ends early ({e})"));
        reader.read_exact(&mut lengths).map_err(truncated)?;
        let shared = u32::from_le_bytes(lengths[..4].try_into().expect("4 bytes")) as usize;
        let indiv = u32::from_le_bytes(lengths[4..].try_into().expect("4 bytes")) as usize;
        if shared < 24 || shared + indiv > 1 << 30 {
            return Err(read_error(
                &path,
                record,
                format!("record lengths {shared} + {indiv} are not possible"),
            ));
        }
        // Read as the bytes come (a damaged length allocates no more than
        // the file holds).
        for (buf, n) in [(&mut self.shared, shared), (&mut self.indiv, indiv)] {
            buf.clear();
            let got = (&mut *reader)
                .take(n as u64)
                .read_to_end(buf)
                .map_err(truncated)?;
            if got != n {
                return Err(truncated(std::io::ErrorKind::UnexpectedEof.into()));
            }
        }
        self.decode(out)
            .map_err(|detail| read_error(&path, record, detail))?;
        Ok(true)
    }

    fn name<'a>(
        dict: &'a [Option<String>],
        i: i32,
        what: &str,
    ) -> std::result::Result<&'a str, String> {
        usize::try_from(i)
            .ok()
            .and_then(|i| dict.get(i))
            .and_then(Option::as_deref)
            .ok_or_else(|| format!("{what} index {i} is not in the header's dictionary"))
    }

    fn decode(&self, out: &mut Vec<u8>) -> std::result::Result<(), String> {
        use std::io::Write;
        let s = &self.shared;
        let int = |at: usize| i32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
        let word = |at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
        let contig = Self::name(&self.contigs, int(0), "contig")?;
        out.extend_from_slice(contig.as_bytes());
        let pos = i64::from(int(4)) + 1;
        let qual = word(12);
        let n_info = (word(16) & 0xFFFF) as usize;
        let n_allele = (word(16) >> 16) as usize;
        let n_sample = (word(20) & 0xFF_FFFF) as usize;
        let n_fmt = (word(20) >> 24) as usize;
        if n_sample != self.samples && n_fmt > 0 {
            return Err(format!(
                "{n_sample} samples, the header names {}",
                self.samples
            ));
        }
        let _ = write!(out, "\t{pos}\t");
        let mut cur = Cursor { data: s, at: 24 };
        // ID
        let id = cur.value()?;
        put_text_or_dot(out, &id);
        // REF, ALT
        out.push(b'\t');
        let mut alleles = Vec::with_capacity(n_allele);
        for _ in 0..n_allele {
            match cur.value()? {
                Values::Text(t) => alleles.push(trim_nul(t)),
                _ => return Err("an allele is not a string".into()),
            }
        }
        match alleles.first() {
            Some(r) => out.extend_from_slice(r),
            None => out.push(b'.'),
        }
        out.push(b'\t');
        if alleles.len() <= 1 {
            out.push(b'.');
        }
        for (k, a) in alleles.iter().enumerate().skip(1) {
            if k > 1 {
                out.push(b',');
            }
            out.extend_from_slice(a);
        }
        // QUAL
        out.push(b'\t');
        if qual == FLOAT_MISSING {
            out.push(b'.');
        } else {
            put_float(out, f32::from_bits(qual));
        }
        // FILTER
        out.push(b'\t');
        match cur.value()? {
            Values::Ints(v) if !v.is_empty() => {
                for (k, f) in v.iter().enumerate() {
                    if k > 0 {
                        out.push(b';');
                    }
                    let f = f.ok_or("a missing FILTER index")?;
                    out.extend_from_slice(Self::name(&self.strings, f, "FILTER")?.as_bytes());
                }
            }
            Values::Ints(_) => out.push(b'.'),
            _ => return Err("FILTER is not a list of integers".into()),
        }
        // INFO
        out.push(b'\t');
        if n_info == 0 {
            out.push(b'.');
        }
        for k in 0..n_info {
            if k > 0 {
                out.push(b';');
            }
            let key = cur.key()?;
            let id = Self::name(&self.strings, key, "INFO key")?;
            out.extend_from_slice(id.as_bytes());
            let value = cur.value()?;
            let flag = self.flags.get(key as usize).copied().unwrap_or(false);
            if flag || value.is_empty() {
                continue;
            }
            out.push(b'=');
            put_values(out, &value);
        }
        if n_fmt == 0 {
            if cur.at != s.len() {
                return Err("bytes left after the INFO fields".into());
            }
            // No FORMAT field (VCF `.`): htslib writes `.` for FORMAT and
            // for every sample.
            if self.samples > 0 {
                out.extend_from_slice(b"\t.");
                for _ in 0..self.samples {
                    out.extend_from_slice(b"\t.");
                }
            }
            return Ok(());
        }
        if cur.at != s.len() {
            return Err("bytes left after the INFO fields".into());
        }
        // FORMAT: each field's values for every sample, then per sample.
        let mut cur = Cursor {
            data: &self.indiv,
            at: 0,
        };
        let mut fields = Vec::with_capacity(n_fmt);
        out.push(b'\t');
        for k in 0..n_fmt {
            let key = cur.key()?;
            let id = Self::name(&self.strings, key, "FORMAT key")?;
            if k > 0 {
                out.push(b':');
            }
            out.extend_from_slice(id.as_bytes());
            let (ty, count) = cur.descriptor()?;
            let size = type_size(ty)?;
            let bytes = cur.take(count * size * n_sample)?;
            fields.push((self.gt == Some(key as usize), ty, count, bytes));
        }
        if cur.at != self.indiv.len() {
            return Err("bytes left after the FORMAT fields".into());
        }
        if let [(true, INT8, 2, bytes)] = fields.as_slice() {
            // Diploid GT alone (phased panels, cohorts): two bytes a sample.
            out.reserve(n_sample * 4);
            for cell in bytes.chunks_exact(2) {
                out.push(b'\t');
                put_gt8(out, cell);
            }
            return Ok(());
        }
        for sample in 0..n_sample {
            out.push(b'\t');
            for (k, (gt, ty, count, bytes)) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(b':');
                }
                let size = type_size(*ty)?;
                let cell = &bytes[sample * count * size..(sample + 1) * count * size];
                if *gt && *ty == INT8 {
                    put_gt8(out, cell);
                    continue;
                }
                let values = decode_values(*ty, *count, cell)?;
                if *gt {
                    put_gt(out, &values)?;
                } else if values.is_empty() {
                    out.push(b'.');
                } else {
                    put_values(out, &values);
                }
            }
        }
        Ok(())
    }

    /// Compressed bytes read so far, and the file's size.
    pub(crate) fn position(&self) -> (u64, u64) {
        (self.input.consumed(), self.input.size())
    }
}

impl Values<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Values::Ints(v) => v.is_empty(),
            Values::Floats(v) => v.is_empty(),
            Values::Text(t) => trim_nul(t).is_empty(),
        }
    }
}

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.data.len());
        let end =
            end.ok_or_else(|| format!("a value runs past the record ({n} bytes at {})", self.at))?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }

    /// A type descriptor: (type, count), the count from a following typed
    /// integer when the descriptor says 15.
    fn descriptor(&mut self) -> std::result::Result<(u8, usize), String> {
        let b = self.take(1)?[0];
        let (ty, count) = (b & 0x0F, (b >> 4) as usize);
        if count < 15 {
            return Ok((ty, count));
        }
        // The count follows as one typed integer, read here directly (a
        // nested descriptor of count 15 again would be a malformed value).
        let inner = self.take(1)?[0];
        let size = match (inner & 0x0F, inner >> 4) {
            (INT8, 1) => 1,
            (INT16, 1) => 2,
            (INT32, 1) => 4,
            _ => return Err("a value count that is not one integer".into()),
        };
        let bytes = self.take(size)?;
        let count = match size {
            1 => i64::from(bytes[0] as i8),
            2 => i64::from(i16::from_le_bytes([bytes[0], bytes[1]])),
            _ => i64::from(i32::from_le_bytes(bytes.try_into().expect("4 bytes"))),
        };
        usize::try_from(count)
            .map(|c| (ty, c))
            .map_err(|_| format!("a negative value count ({count})"))
    }

    fn value(&mut self) -> std::result::Result<Values<'a>, String> {
        let (ty, count) = self.descriptor()?;
        let bytes = self.take(count * type_size(ty)?)?;
        decode_values(ty, count, bytes)
    }

    /// A typed integer key (dictionary index).
    fn key(&mut self) -> std::result::Result<i32, String> {
        match self.value()? {
            Values::Ints(v) if v.len() == 1 && v[0].is_some() => Ok(v[0].expect("checked")),
            _ => Err("a key that is not one integer".into()),
        }
    }
}

fn type_size(ty: u8) -> std::result::Result<usize, String> {
    match ty {
        MISSING_TYPE => Ok(0),
        INT8 | CHAR => Ok(1),
        INT16 => Ok(2),
        INT32 | FLOAT => Ok(4),
        other => Err(format!("value type {other} is not a BCF type")),
    }
}

/// Values up to the first end-of-vector marker.
fn decode_values(ty: u8, count: usize, bytes: &[u8]) -> std::result::Result<Values<'_>, String> {
    Ok(match ty {
        MISSING_TYPE => Values::Ints(Vec::new()),
        INT8 => Values::Ints(
            bytes
                .iter()
                .map(|&b| b as i8)
                .take_while(|&v| v != i8::MIN + 1)
                .map(|v| (v != i8::MIN).then_some(i32::from(v)))
                .collect(),
        ),
        INT16 => Values::Ints(
            bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .take_while(|&v| v != i16::MIN + 1)
                .map(|v| (v != i16::MIN).then_some(i32::from(v)))
                .collect(),
        ),
        INT32 => Values::Ints(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")))
                .take_while(|&v| v != i32::MIN + 1)
                .map(|v| (v != i32::MIN).then_some(v))
                .collect(),
        ),
        FLOAT => Values::Floats(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
                .take_while(|&v| v != FLOAT_END)
                .map(|v| (v != FLOAT_MISSING).then_some(f32::from_bits(v)))
                .collect(),
        ),
        CHAR => Values::Text(&bytes[..count.min(bytes.len())]),
        other => return Err(format!("value type {other} is not a BCF type")),
    })
}

fn trim_nul(t: &[u8]) -> &[u8] {
    let end = t.iter().position(|&b| b == 0).unwrap_or(t.len());
    &t[..end]
}

fn put_text_or_dot(out: &mut Vec<u8>, v: &Values<'_>) {
    match v {
        Values::Text(t) if !trim_nul(t).is_empty() => out.extend_from_slice(trim_nul(t)),
        _ => out.push(b'.'),
    }
}

fn put_values(out: &mut Vec<u8>, v: &Values<'_>) {
    use std::io::Write;
    match v {
        Values::Ints(v) => {
            for (k, x) in v.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                match x {
                    Some(x) => {
                        let _ = write!(out, "{x}");
                    }
                    None => out.push(b'.'),
                }
            }
        }
        Values::Floats(v) => {
            for (k, x) in v.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                match x {
                    Some(x) => put_float(out, *x),
                    None => out.push(b'.'),
                }
            }
        }
        Values::Text(t) => {
            let t = trim_nul(t);
            if t.is_empty() {
                out.push(b'.');
            } else {
                out.extend_from_slice(t);
            }
        }
    }
}

/// [`put_gt`] of int8 values, straight from the bytes (the common case:
/// fewer than 63 alleles), without building a vector per sample.
fn put_gt8(out: &mut Vec<u8>, cell: &[u8]) {
    let mut any = false;
    for (k, &b) in cell.iter().enumerate() {
        let x = b as i8;
        if x == i8::MIN + 1 {
            break;
        }
        any = true;
        let x = if x == i8::MIN { 0 } else { i32::from(x) };
        if k > 0 {
            out.push(if x & 1 == 1 { b'|' } else { b'/' });
        }
        let a = (x >> 1) - 1;
        if a < 0 {
            out.push(b'.');
        } else if a < 10 {
            out.push(b'0' + a as u8);
        } else {
            use std::io::Write;
            let _ = write!(out, "{a}");
        }
    }
    if !any {
        out.push(b'.');
    }
}

/// GT: each value is `(allele + 1) << 1 | phased`, 0 for a missing allele;
/// the separator before allele `k > 0` is `|` when its phase bit is set.
fn put_gt(out: &mut Vec<u8>, v: &Values<'_>) -> std::result::Result<(), String> {
    use std::io::Write;
    let Values::Ints(v) = v else {
        return Err("GT values are not integers".into());
    };
    if v.is_empty() {
        out.push(b'.');
        return Ok(());
    }
    for (k, x) in v.iter().enumerate() {
        let x = x.unwrap_or(0);
        if k > 0 {
            out.push(if x & 1 == 1 { b'|' } else { b'/' });
        }
        match (x >> 1) - 1 {
            a if a < 0 => out.push(b'.'),
            a => {
                let _ = write!(out, "{a}");
            }
        }
    }
    Ok(())
}

/// The header without BCF's `,IDX=n` attributes: they number the string
/// dictionary of that one BCF file (bcftools drops them from VCF output
/// too), and a BCF written later numbers its own.
pub(crate) fn strip_idx(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(b",IDX=") {
            let mut j = i + 5;
            while j < text.len() && text[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 5 && matches!(text.get(j), Some(b',' | b'>')) {
                i = j;
                continue;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idx_attributes_are_dropped() {
        let text = b"##INFO=<ID=AC,Number=A,Type=Integer,Description=\"x,IDX=2\",IDX=3>\n##FILTER=<ID=PASS,IDX=0,Description=\"p\">\n";
        assert_eq!(
            strip_idx(text),
            b"##INFO=<ID=AC,Number=A,Type=Integer,Description=\"x,IDX=2\">\n##FILTER=<ID=PASS,Description=\"p\">\n"
        );
    }

    #[test]
    fn dictionaries_follow_idx_or_first_appearance() {
        let text = "##fileformat=VCFv4.2\n##FILTER=<ID=q10,Description=\"a, \\\"b\\\"\">\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n##contig=<ID=1,length=5>\n##contig=<ID=X>\n";
        let (strings, contigs) = dictionaries(text).unwrap();
        let names: Vec<_> = strings.iter().map(|s| s.as_deref().unwrap()).collect();
        assert_eq!(names, ["PASS", "q10", "DP", "GT"]);
        assert_eq!(contigs, [Some("1".to_string()), Some("X".to_string())]);
        let (strings, _) = dictionaries(
            "##INFO=<ID=AF,Number=A,Type=Float,Description=\"x\",IDX=1>\n##INFO=<ID=B,Number=A,Type=Float,Description=\"x\",IDX=4>\n\n\n\n",
        )
        .unwrap();
        assert!(dictionaries(
            "##INFO=<ID=AF,Number=1,Type=Float,Description=\"x\",IDX=99999999999>\n"
        )
        .is_err());
        assert_eq!(strings[1].as_deref(), Some("AF"));
        assert_eq!(strings[4].as_deref(), Some("B"));
        assert_eq!(strings[0].as_deref(), Some("PASS"));
    }

    #[test]
    fn genotypes_and_values_read_as_bcftools_prints_them() {
        let mut out = Vec::new();
        put_gt(&mut out, &Values::Ints(vec![Some(2), Some(5)])).unwrap();
        out.push(b' ');
        put_gt(&mut out, &Values::Ints(vec![Some(0), Some(0)])).unwrap();
        out.push(b' ');
        put_gt(&mut out, &Values::Ints(vec![Some(4)])).unwrap();
        assert_eq!(out, b"0|1 ./. 1");
        let mut fast = Vec::new();
        for cell in [&[2u8, 5][..], &[0, 0], &[4, 0x81], &[0x81, 0x81], &[24, 3]] {
            put_gt8(&mut fast, cell);
            fast.push(b' ');
        }
        assert_eq!(fast, b"0|1 ./. 1 . 11|0 ");
        let v = decode_values(INT8, 3, &[5, 0x80, 0x81]).unwrap();
        let mut out = Vec::new();
        put_values(&mut out, &v);
        assert_eq!(out, b"5,.");
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    /// A run of count-15 descriptors is one malformed value, not a stack
    /// of nested reads.
    #[test]
    fn nested_counts_are_refused_without_recursion() {
        let data = vec![0xF1u8; 100_000];
        let mut cur = Cursor { data: &data, at: 0 };
        assert!(cur.value().is_err());
        // A count given as int16 300: 300 int8 values follow.
        let mut data = vec![0xF1, 0x12, 0x2C, 0x01];
        data.extend(std::iter::repeat_n(7u8, 300));
        let mut cur = Cursor { data: &data, at: 0 };
        match cur.value().unwrap() {
            Values::Ints(v) => assert_eq!(v.len(), 300),
            _ => panic!("integers"),
        }
    }
}
