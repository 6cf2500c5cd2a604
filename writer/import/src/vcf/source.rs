//! Record lines of a VCF (plain, gzip or BGZF) or BCF input.
//!
//! VCF text is framed into lines here; BCF records are decoded by noodles
//! and written back as VCF text lines by noodles' VCF writer, so both
//! formats go through one field parser.

use std::fs::File;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use gcol_writer::{Error, Result};
use noodles_vcf::variant::io::Write as _;

use super::header::VcfHeader;
use crate::input::{open_input_with, Input};

/// Where record lines come from.
pub(crate) enum Source {
    /// VCF text.
    Text { input: Input, carry: Vec<u8> },
    /// BCF, through noodles.
    Bcf {
        path: PathBuf,
        reader: Box<noodles_bcf::io::Reader<noodles_bgzf::io::Reader<File>>>,
        header: Box<noodles_vcf::Header>,
        record: noodles_bcf::Record,
        size: u64,
    },
}

fn read_error(path: &Path, line: u64, e: impl std::fmt::Display) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        record: 0,
        line,
        field: "data",
        detail: format!("cannot read input ({e}); the file may be truncated or corrupt"),
    }
}

/// The raw header text of a BCF file (its `l_text` bytes, trailing NULs
/// dropped, ending in a newline).
fn bcf_header_text(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|source| Error::Source {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = noodles_bgzf::io::Reader::new(file);
    let mut magic = [0u8; 9];
    reader
        .read_exact(&mut magic)
        .map_err(|e| read_error(path, 0, e))?;
    if &magic[..3] != b"BCF" || magic[3] != 2 {
        return Err(read_error(path, 0, "no BCF2 magic"));
    }
    let len = u32::from_le_bytes(magic[5..9].try_into().expect("4 bytes")) as usize;
    if len > 1 << 30 {
        return Err(read_error(
            path,
            0,
            format!("header length {len} is too large"),
        ));
    }
    let mut text = vec![0u8; len];
    reader
        .read_exact(&mut text)
        .map_err(|e| read_error(path, 0, e))?;
    while text.last() == Some(&0) {
        text.pop();
    }
    if text.last() != Some(&b'\n') {
        text.push(b'\n');
    }
    Ok(strip_idx(&text))
}

/// The header without BCF's `,IDX=n` attributes: they number the string
/// dictionary of that one BCF file (bcftools drops them from VCF output
/// too), and a BCF written later numbers its own.
fn strip_idx(text: &[u8]) -> Vec<u8> {
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

impl Source {
    /// Open `path` and read its header; `hash`: compute the SHA-256 of the
    /// bytes read (the pass that records provenance).
    pub(crate) fn open(path: &Path, bcf: bool, hash: bool) -> Result<(Source, VcfHeader)> {
        if bcf {
            let text = bcf_header_text(path)?;
            let header_parsed = VcfHeader::parse(path, text)?;
            let file = File::open(path).map_err(|source| Error::Source {
                path: path.to_path_buf(),
                source,
            })?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let mut reader = Box::new(noodles_bcf::io::Reader::new(file));
            let header = reader.read_header().map_err(|e| Error::Input {
                path: path.to_path_buf(),
                record: 0,
                line: 0,
                field: "header",
                detail: format!("the BCF header cannot be read: {e}"),
            })?;
            return Ok((
                Source::Bcf {
                    path: path.to_path_buf(),
                    reader,
                    header: Box::new(header),
                    record: noodles_bcf::Record::default(),
                    size,
                },
                header_parsed,
            ));
        }
        let input = open_input_with(path, hash)?;
        let mut source = Source::Text {
            input,
            carry: Vec::new(),
        };
        let mut text = Vec::new();
        let mut line = Vec::new();
        let mut lines = 0u64;
        loop {
            line.clear();
            if !source.raw_line(&mut line, lines)? {
                break;
            }
            lines += 1;
            if line.is_empty() && text.is_empty() {
                continue;
            }
            let is_chrom = line.starts_with(b"#CHROM");
            if !line.starts_with(b"#") {
                return Err(Error::Input {
                    path: path.to_path_buf(),
                    record: 0,
                    line: lines,
                    field: "header",
                    detail: "a record before the #CHROM header line".into(),
                });
            }
            text.extend_from_slice(&line);
            text.push(b'\n');
            if is_chrom {
                break;
            }
        }
        let header = VcfHeader::parse(path, text)?;
        Ok((source, header))
    }

    /// One line without its `\n` (and `\r`); false at the end.
    fn raw_line(&mut self, out: &mut Vec<u8>, lines: u64) -> Result<bool> {
        let Source::Text { input, carry } = self else {
            unreachable!("text lines of a text source")
        };
        let path = input.path().to_path_buf();
        loop {
            let buf = input
                .reader
                .fill_buf()
                .map_err(|e| read_error(&path, lines + 1, e))?;
            if buf.is_empty() {
                if carry.is_empty() {
                    return Ok(false);
                }
                out.append(carry);
                break;
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    out.append(carry);
                    out.extend_from_slice(&buf[..i]);
                    input.reader.consume(i + 1);
                    break;
                }
                None => {
                    let n = buf.len();
                    carry.extend_from_slice(buf);
                    input.reader.consume(n);
                }
            }
        }
        if out.last() == Some(&b'\r') {
            out.pop();
        }
        Ok(true)
    }

    /// The next record line (blank lines skipped) into `out`; false at the
    /// end. `lines` is the number of lines read so far, for errors.
    pub(crate) fn next_line(&mut self, out: &mut Vec<u8>, lines: &mut u64) -> Result<bool> {
        out.clear();
        match self {
            Source::Text { .. } => loop {
                out.clear();
                if !self.raw_line(out, *lines)? {
                    return Ok(false);
                }
                *lines += 1;
                if !out.is_empty() {
                    return Ok(true);
                }
            },
            Source::Bcf {
                path,
                reader,
                header,
                record,
                ..
            } => {
                let n = reader
                    .read_record(record)
                    .map_err(|e| read_error(path, *lines + 1, e))?;
                if n == 0 {
                    return Ok(false);
                }
                *lines += 1;
                let undecodable = |detail: String| {
                    Error::Input {
                    path: path.clone(),
                    record: *lines,
                    line: 0,
                    field: "record",
                    detail: format!(
                        "the BCF record cannot be decoded ({detail}); convert the file to VCF first (`bcftools view -Oz -o in.vcf.gz {}`) and convert that",
                        path.display()
                    ),
                }
                };
                let written = gcol_format::panic::catch_quietly(|| {
                    let mut writer = noodles_vcf::io::Writer::new(&mut *out);
                    writer.write_variant_record(header, record)
                })
                .map_err(|p| undecodable(format!("noodles: {p}")))?;
                written.map_err(|e| undecodable(e.to_string()))?;
                if out.last() == Some(&b'\n') {
                    out.pop();
                }
                Ok(true)
            }
        }
    }

    /// Input bytes consumed so far, and the input's size.
    pub(crate) fn position(&self) -> (u64, u64) {
        match self {
            Source::Text { input, .. } => (input.consumed(), input.size()),
            Source::Bcf { reader, size, .. } => {
                (reader.get_ref().virtual_position().compressed(), *size)
            }
        }
    }

    /// SHA-256 of the bytes read (text inputs), for provenance.
    pub(crate) fn sha256(&self) -> Option<String> {
        match self {
            Source::Text { input, .. } => Some(input.sha256()),
            Source::Bcf { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn idx_attributes_are_dropped() {
        let text = b"##INFO=<ID=AC,Number=A,Type=Integer,Description=\"x,IDX=2\",IDX=3>\n##FILTER=<ID=PASS,IDX=0,Description=\"p\">\n";
        assert_eq!(
            super::strip_idx(text),
            b"##INFO=<ID=AC,Number=A,Type=Integer,Description=\"x,IDX=2\">\n##FILTER=<ID=PASS,Description=\"p\">\n"
        );
    }
}
