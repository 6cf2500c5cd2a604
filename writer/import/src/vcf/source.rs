//! Record lines of a VCF (plain, gzip or BGZF) or BCF input.
//!
//! VCF text is framed into lines here; BCF records are decoded into VCF
//! text lines ([`super::bcf`]), so both formats go through one field parser.

use std::io::BufRead;
use std::path::Path;

use gcol_writer::{Error, Result};

use super::bcf::BcfSource;
use super::header::VcfHeader;
use crate::input::{open_input_with, Input};

/// Where record lines come from.
pub(crate) enum Source {
    /// VCF text.
    Text { input: Input, carry: Vec<u8> },
    /// BCF records, as VCF text.
    Bcf(Box<BcfSource>),
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

impl Source {
    /// Open `path` and read its header; `hash`: compute the SHA-256 of the
    /// bytes read (the pass that records provenance).
    pub(crate) fn open(path: &Path, bcf: bool, hash: bool) -> Result<(Source, VcfHeader)> {
        if bcf {
            let (source, header) = BcfSource::open(path, hash)?;
            return Ok((Source::Bcf(Box::new(source)), header));
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
            Source::Bcf(bcf) => {
                if !bcf.next_line(out)? {
                    return Ok(false);
                }
                *lines += 1;
                Ok(true)
            }
        }
    }

    /// Input bytes consumed so far, and the input's size.
    pub(crate) fn position(&self) -> (u64, u64) {
        match self {
            Source::Text { input, .. } => (input.consumed(), input.size()),
            Source::Bcf(bcf) => bcf.position(),
        }
    }

    /// SHA-256 of the bytes read (text inputs), for provenance.
    pub(crate) fn sha256(&self) -> Option<String> {
        match self {
            Source::Text { input, .. } => Some(input.sha256()),
            Source::Bcf(bcf) => Some(bcf.input.sha256()),
        }
    }
}
