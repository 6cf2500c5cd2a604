//! VCF text out of a `variants` dataset, as `bcftools view` prints it:
//! the stored header (with the `#CHROM` line cut to the chosen samples),
//! then one line per record with INFO keys and FORMAT keys in their
//! original order.

use std::collections::HashMap;
use std::io::Write;

use super::block::{FormatValues, InfoValues, SiteBlock};
use super::{FormatKind, Variants};
use crate::{Error, Result};
use gcol_format::encoding::decimal::put_f32_text as put_float;

/// Sites read and written at a time.
const BLOCK_SITES: usize = 4096;

/// What to write.
#[derive(Debug, Clone, Default)]
pub struct VcfWriteOptions {
    /// Samples to keep, in output order (`None`: all; empty: none, and no
    /// FORMAT column, as `bcftools view -G`).
    pub samples: Option<Vec<usize>>,
    /// Recompute INFO/AC and INFO/AN from the kept samples' genotypes when
    /// samples are chosen (what `bcftools view -s` does unless `-I`).
    pub update_ac_an: bool,
}

/// Writes VCF text of a [`Variants`] dataset.
pub struct VcfWriter<'a> {
    variants: &'a Variants,
    samples: Vec<usize>,
    subset: bool,
    format_column: bool,
    info_index: HashMap<Vec<u8>, usize>,
    format_index: HashMap<Vec<u8>, usize>,
    /// Recompute AC and AN; declare the ones the header lacks.
    update: Option<(bool, bool)>,
}

/// The definitions bcftools adds when it recomputes AC and AN.
pub const AC_LINE: &str =
    "##INFO=<ID=AC,Number=A,Type=Integer,Description=\"Allele count in genotypes\">\n";
/// See [`AC_LINE`].
pub const AN_LINE: &str = "##INFO=<ID=AN,Number=1,Type=Integer,Description=\"Total number of alleles in called genotypes\">\n";

fn out_err(source: std::io::Error) -> Error {
    Error::Output { source }
}

/// Decimal text of an integer: single digits (allele indexes, most
/// counts) without the formatting machinery.
pub(crate) fn put_int(out: &mut Vec<u8>, v: i64) {
    if (0..10).contains(&v) {
        out.push(b'0' + v as u8);
        return;
    }
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut at = digits.len();
    while n > 0 {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

fn joined<T>(out: &mut Vec<u8>, items: &[T], sep: u8, mut f: impl FnMut(&mut Vec<u8>, &T)) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        f(out, item);
    }
}

impl<'a> VcfWriter<'a> {
    /// A writer of `variants` with `options`.
    pub fn new(variants: &'a Variants, options: &VcfWriteOptions) -> VcfWriter<'a> {
        let all = variants.samples().len();
        let (samples, subset) = match &options.samples {
            Some(s) => (s.clone(), true),
            None => ((0..all).collect(), false),
        };
        let has_format_column = variants
            .header()
            .rsplit(|&b| b == b'\n')
            .find(|l| l.starts_with(b"#CHROM"))
            .is_some_and(|l| l.split(|&b| b == b'\t').nth(8).is_some());
        let format_column = has_format_column && !(subset && samples.is_empty());
        let declared = |id: &str| {
            let needle = format!("##INFO=<ID={id},");
            variants
                .header()
                .split(|&b| b == b'\n')
                .any(|l| l.starts_with(needle.as_bytes()))
        };
        // As `bcftools view -s`: both are recomputed, and declared when the
        // header lacks them.
        let update = (subset && options.update_ac_an && !samples.is_empty())
            .then(|| (declared("AC"), declared("AN")));
        VcfWriter {
            info_index: variants
                .infos()
                .iter()
                .enumerate()
                .map(|(i, f)| (f.id.as_bytes().to_vec(), i))
                .collect(),
            format_index: variants
                .formats()
                .iter()
                .enumerate()
                .map(|(i, f)| (f.id.as_bytes().to_vec(), i))
                .collect(),
            variants,
            samples,
            subset,
            format_column,
            update,
        }
    }

    /// The header, with the `#CHROM` line naming the chosen samples.
    pub fn write_header(&self, out: &mut dyn Write) -> Result<()> {
        let header = self.variants.header();
        let end = header.len() - usize::from(header.ends_with(b"\n"));
        let start = header[..end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if self.subset && self.samples.is_empty() {
            // No samples (`bcftools view -G`): no FORMAT definitions either.
            for line in header[..start].split_inclusive(|&b| b == b'\n') {
                if !line.starts_with(b"##FORMAT=") {
                    out.write_all(line).map_err(out_err)?;
                }
            }
        } else {
            out.write_all(&header[..start]).map_err(out_err)?;
        }
        if let Some((ac, an)) = self.update {
            if !ac {
                out.write_all(AC_LINE.as_bytes()).map_err(out_err)?;
            }
            if !an {
                out.write_all(AN_LINE.as_bytes()).map_err(out_err)?;
            }
        }
        let mut line = b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO".to_vec();
        if self.format_column {
            line.extend_from_slice(b"\tFORMAT");
            for &s in &self.samples {
                line.push(b'\t');
                line.extend_from_slice(self.variants.samples()[s].as_bytes());
            }
        }
        line.push(b'\n');
        out.write_all(&line).map_err(out_err)
    }

    /// Records of `rows` (ascending), one line each.
    pub fn write_rows(&self, rows: &[u64], out: &mut dyn Write) -> Result<()> {
        let mut buf = Vec::with_capacity(1 << 16);
        let mut i = 0;
        while i < rows.len() {
            // A block spans consecutive rows.
            let first = rows[i];
            let mut j = i + 1;
            while j < rows.len() && rows[j] == rows[j - 1] + 1 && j - i < BLOCK_SITES {
                j += 1;
            }
            // With AC and AN recomputed for the kept samples, the derived
            // ones (from every sample) are not needed: records that have
            // them have genotypes (spec 14.3), so the update replaces them.
            let block = super::SiteBlock::read_with(
                self.variants,
                first..rows[j - 1] + 1,
                self.format_column.then_some(self.samples.as_slice()),
                self.update.is_none(),
            )?;
            for r in 0..block.len() {
                self.record(&block, r, &mut buf);
                if buf.len() >= 1 << 16 {
                    out.write_all(&buf).map_err(out_err)?;
                    buf.clear();
                }
            }
            i = j;
        }
        out.write_all(&buf).map_err(out_err)
    }

    /// Every record.
    pub fn write_all(&self, out: &mut dyn Write) -> Result<()> {
        let n = self.variants.num_sites();
        let mut start = 0;
        while start < n {
            let end = (start + 65_536).min(n);
            let rows: Vec<u64> = (start..end).collect();
            self.write_rows(&rows, out)?;
            start = end;
        }
        Ok(())
    }

    fn info_value(&self, out: &mut Vec<u8>, values: &InfoValues, r: usize) {
        match values {
            InfoValues::Flag(_) => {}
            InfoValues::Int(v) => {
                out.push(b'=');
                match v[r] {
                    Some(x) => put_int(out, x),
                    None => out.push(b'.'),
                }
            }
            InfoValues::Float(v) => {
                out.push(b'=');
                match v[r] {
                    Some(x) => put_float(out, x),
                    None => out.push(b'.'),
                }
            }
            InfoValues::IntList(v) => {
                out.push(b'=');
                match &v[r] {
                    Some(items) if !items.is_empty() => joined(out, items, b',', |o, x| match x {
                        Some(x) => put_int(o, *x),
                        None => o.push(b'.'),
                    }),
                    _ => out.push(b'.'),
                }
            }
            InfoValues::FloatList(v) => {
                out.push(b'=');
                match &v[r] {
                    Some(items) if !items.is_empty() => joined(out, items, b',', |o, x| match x {
                        Some(x) => put_float(o, *x),
                        None => o.push(b'.'),
                    }),
                    _ => out.push(b'.'),
                }
            }
            InfoValues::Text(v) => {
                out.push(b'=');
                match &v[r] {
                    Some(t) => out.extend_from_slice(t),
                    None => out.push(b'.'),
                }
            }
        }
    }

    /// Allele counts of the kept samples' calls at site `r`: `(AN, AC per
    /// ALT)`, or `None` when the record has no GT.
    fn allele_counts(&self, block: &SiteBlock, r: usize) -> Option<(i64, Vec<i64>)> {
        let keys = block.format_keys[r].as_deref()?;
        let gi = self
            .variants
            .formats()
            .iter()
            .position(|f| f.kind == FormatKind::Gt)?;
        if !keys.split(|&b| b == b':').any(|k| k == b"GT") {
            return None;
        }
        let FormatValues::Gt(alleles, _) = &block.format[gi] else {
            return None;
        };
        let w = self.variants.formats()[gi].width;
        let n = self.samples.len();
        let n_alt = block.alt[r].len();
        let mut ac = vec![0i64; n_alt];
        let mut an = 0i64;
        for &a in &alleles[r * n * w..(r + 1) * n * w] {
            if a >= 0 {
                an += 1;
                if a > 0 && (a as usize) <= n_alt {
                    ac[a as usize - 1] += 1;
                }
            }
        }
        Some((an, ac))
    }

    fn info(&self, block: &SiteBlock, r: usize, out: &mut Vec<u8>) {
        let keys = &block.info_keys[r];
        let mut items: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        if !keys.is_empty() {
            for key in keys.split(|&b| b == b';') {
                let mut value = Vec::new();
                if let Some(&i) = self.info_index.get(key) {
                    self.info_value(&mut value, &block.info[i], r);
                }
                items.push((key.to_vec(), value));
            }
        }
        if self.update.is_some() {
            if let Some((an, ac)) = self.allele_counts(block, r) {
                let mut set = |key: &[u8], value: Option<Vec<u8>>| {
                    let at = items.iter().position(|(k, _)| k == key);
                    match (at, value) {
                        (Some(i), Some(v)) => items[i].1 = v,
                        (None, Some(v)) => items.push((key.to_vec(), v)),
                        (Some(i), None) => {
                            items.remove(i);
                        }
                        (None, None) => {}
                    }
                };
                let value = (!ac.is_empty()).then(|| {
                    let mut v = b"=".to_vec();
                    joined(&mut v, &ac, b',', |o, x| put_int(o, *x));
                    v
                });
                set(b"AC", value);
                let mut v = b"=".to_vec();
                put_int(&mut v, an);
                set(b"AN", Some(v));
            }
        }
        if items.is_empty() {
            out.push(b'.');
            return;
        }
        for (i, (k, v)) in items.iter().enumerate() {
            if i > 0 {
                out.push(b';');
            }
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
    }

    fn sample_value(&self, block: &SiteBlock, r: usize, o: usize, f: usize, out: &mut Vec<u8>) {
        let field = &self.variants.formats()[f];
        let n = self.samples.len();
        let w = field.width;
        let cell = (r * n + o) * w;
        match &block.format[f] {
            FormatValues::Gt(alleles, phases) => {
                let call = &alleles[cell..cell + w];
                let ploidy = call.iter().take_while(|&&a| a != -2).count();
                if ploidy == 0 {
                    out.push(b'.');
                    return;
                }
                let phase = phases[r * n + o];
                if phase & 0x80 != 0 {
                    out.push(b'|');
                } else if phase & 0x40 != 0 {
                    out.push(b'/');
                }
                for (k, &a) in call[..ploidy].iter().enumerate() {
                    if k > 0 {
                        out.push(if phase & (1 << (k - 1)) != 0 {
                            b'|'
                        } else {
                            b'/'
                        });
                    }
                    if a < 0 {
                        out.push(b'.');
                    } else {
                        put_int(out, i64::from(a));
                    }
                }
            }
            FormatValues::Text(bytes) => {
                let v = &bytes[cell..cell + w];
                let len = v.iter().position(|&b| b == 0).unwrap_or(w);
                if len == 0 {
                    out.push(b'.');
                } else {
                    out.extend_from_slice(&v[..len]);
                }
            }
            FormatValues::Int(values, present) => {
                let count = self.cell_count(block, r, o, f, &present[cell..cell + w]);
                for k in 0..count {
                    if k > 0 {
                        out.push(b',');
                    }
                    if present[cell + k] {
                        put_int(out, i64::from(values[cell + k]));
                    } else {
                        out.push(b'.');
                    }
                }
            }
            FormatValues::Float(values, present) => {
                let count = self.cell_count(block, r, o, f, &present[cell..cell + w]);
                for k in 0..count {
                    if k > 0 {
                        out.push(b',');
                    }
                    if present[cell + k] {
                        put_float(out, values[cell + k]);
                    } else {
                        out.push(b'.');
                    }
                }
            }
        }
    }

    /// Values written for a cell: its stored count, or up to its last
    /// present value (at least one).
    fn cell_count(
        &self,
        block: &SiteBlock,
        r: usize,
        o: usize,
        f: usize,
        present: &[bool],
    ) -> usize {
        if let Some(Some(counts)) = block.counts.get(f) {
            let c = counts[r * self.samples.len() + o] as usize;
            return c.clamp(1, present.len());
        }
        present.iter().rposition(|&p| p).map_or(1, |i| i + 1)
    }

    fn record(&self, block: &SiteBlock, r: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(self.variants.contigs()[block.contig[r]].as_bytes());
        out.push(b'\t');
        put_int(out, block.pos[r] as i64);
        out.push(b'\t');
        match &block.id[r] {
            Some(id) => out.extend_from_slice(id),
            None => out.push(b'.'),
        }
        out.push(b'\t');
        out.extend_from_slice(&block.reference[r]);
        out.push(b'\t');
        if block.alt[r].is_empty() {
            out.push(b'.');
        } else {
            joined(out, &block.alt[r], b',', |o, a| o.extend_from_slice(a));
        }
        out.push(b'\t');
        match block.qual[r] {
            Some(q) => put_float(out, q),
            None => out.push(b'.'),
        }
        out.push(b'\t');
        match &block.filter[r] {
            Some(f) => joined(out, f, b';', |o, x| o.extend_from_slice(x)),
            None => out.push(b'.'),
        }
        out.push(b'\t');
        self.info(block, r, out);
        if self.format_column {
            out.push(b'\t');
            let keys = block.format_keys[r].as_deref().unwrap_or(b".");
            out.extend_from_slice(keys);
            let fields: Vec<Option<usize>> = if keys == b"." {
                Vec::new()
            } else {
                keys.split(|&b| b == b':')
                    .map(|k| self.format_index.get(k).copied())
                    .collect()
            };
            for o in 0..self.samples.len() {
                out.push(b'\t');
                if fields.is_empty() {
                    out.push(b'.');
                    continue;
                }
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b':');
                    }
                    match f {
                        Some(f) => self.sample_value(block, r, o, *f, out),
                        None => out.push(b'.'),
                    }
                }
            }
        }
        out.push(b'\n');
    }

    /// Whether a sample subset was asked for.
    pub fn is_subset(&self) -> bool {
        self.subset
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn integers_print_as_rust_prints_them() {
        for v in [
            0i64,
            7,
            9,
            10,
            99,
            -1,
            -10,
            123_456,
            i64::MIN,
            i64::MAX,
            i64::from(i32::MIN),
        ] {
            let mut out = Vec::new();
            super::put_int(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }
}
