//! What an input holds, from its first bytes after decompression.
//!
//! Magic numbers decide binary formats (`BAM\1`, `BCF\2`, `CRAM`); text
//! formats are told apart by their first lines, not their first byte:
//! SAM and FASTQ both start with `@` (a SAM header line is `@HD`, `@SQ`,
//! `@RG`, `@PG` or `@CO` and a TAB; a headerless SAM line has eleven
//! tab-separated fields with numeric FLAG and POS), VCF starts with
//! `##fileformat=VCF`, GFF3 with `##gff-version 3`, GenBank with `LOCUS`.

use std::fmt;

/// A source format gcol knows of (converting some of them comes with
/// later dataset kinds; [`SourceFormat::convertible`] says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceFormat {
    /// FASTA (`>`).
    Fasta,
    /// FASTQ (`@name`, sequence, `+`, qualities).
    Fastq,
    /// SAM text.
    Sam,
    /// BAM (`BAM\1` inside BGZF).
    Bam,
    /// CRAM (`CRAM` magic).
    Cram,
    /// VCF text (`##fileformat=VCF`).
    Vcf,
    /// BCF (`BCF\2` inside BGZF).
    Bcf,
    /// GFF3 (`##gff-version 3`, or nine columns with `ID=`/`Parent=` attributes).
    Gff3,
    /// GTF (nine columns with `gene_id "..."` attributes).
    Gtf,
    /// GenBank flat file (`LOCUS`).
    GenBank,
    /// SBML (XML with an `<sbml` element).
    Sbml,
    /// KEGG KGML (XML with a `<pathway` element).
    Kgml,
    /// Cytoscape CX (JSON array of aspects).
    Cx,
    /// A COBRA JSON model (an object with `metabolites` and `reactions`).
    CobraJson,
    /// antiSMASH results JSON (an object with `records` of Biopython
    /// records).
    AntismashJson,
    /// Comma-separated table with a header line.
    Csv,
    /// Tab-separated table with a header line.
    Tsv,
    /// Apache Parquet (`PAR1`).
    Parquet,
    /// Nothing but blank space.
    Empty,
    /// A file format that holds no sequence data, or a compression gcol
    /// does not read (PNG, PDF, ZIP, xz, zstd, bzip2, a `.gcol` file):
    /// named so the error can say what it is.
    Foreign(&'static str),
    /// None of the above.
    Unknown,
}

impl SourceFormat {
    /// Whether this version of gcol converts the format (the others are
    /// recognised so that the error names them).
    pub fn convertible(self) -> bool {
        matches!(
            self,
            SourceFormat::Fasta
                | SourceFormat::Fastq
                | SourceFormat::Vcf
                | SourceFormat::Bcf
                | SourceFormat::Sam
                | SourceFormat::Bam
                | SourceFormat::Cram
                | SourceFormat::Sbml
                | SourceFormat::Kgml
                | SourceFormat::Cx
                | SourceFormat::CobraJson
                | SourceFormat::Csv
                | SourceFormat::Tsv
                | SourceFormat::Gff3
                | SourceFormat::Gtf
                | SourceFormat::GenBank
                | SourceFormat::AntismashJson
                | SourceFormat::Parquet
                | SourceFormat::Empty
        )
    }

    /// Whether the format is a graph source (spec 16): SBML, KGML, CX,
    /// COBRA JSON, or an edge table (CSV, TSV).
    pub fn is_graph(self) -> bool {
        matches!(
            self,
            SourceFormat::Sbml
                | SourceFormat::Kgml
                | SourceFormat::Cx
                | SourceFormat::CobraJson
                | SourceFormat::Csv
                | SourceFormat::Tsv
        )
    }

    /// Short name, as users write it.
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Fasta => "FASTA",
            SourceFormat::Fastq => "FASTQ",
            SourceFormat::Sam => "SAM",
            SourceFormat::Bam => "BAM",
            SourceFormat::Cram => "CRAM",
            SourceFormat::Vcf => "VCF",
            SourceFormat::Bcf => "BCF",
            SourceFormat::Gff3 => "GFF3",
            SourceFormat::Gtf => "GTF",
            SourceFormat::GenBank => "GenBank",
            SourceFormat::Sbml => "SBML",
            SourceFormat::Kgml => "KGML",
            SourceFormat::Cx => "CX",
            SourceFormat::CobraJson => "COBRA JSON",
            SourceFormat::AntismashJson => "antiSMASH JSON",
            SourceFormat::Csv => "CSV",
            SourceFormat::Parquet => "Parquet",
            SourceFormat::Tsv => "TSV",
            SourceFormat::Empty => "empty",
            SourceFormat::Foreign(name) => name,
            SourceFormat::Unknown => "unknown",
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The first `n` lines of `text` (without line endings).
fn lines(text: &[u8], n: usize) -> Vec<&[u8]> {
    text.split(|&b| b == b'\n')
        .take(n)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

fn is_number(field: &[u8]) -> bool {
    !field.is_empty() && field.iter().all(u8::is_ascii_digit)
}

/// A SAM alignment line: 11+ tab-separated fields, FLAG and POS numeric.
fn sam_record(line: &[u8]) -> bool {
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    fields.len() >= 11 && is_number(fields[1]) && is_number(fields[3]) && is_number(fields[4])
}

/// The nine columns of a GFF/GTF feature line: tab-separated, or, in a
/// line without tabs, separated by runs of spaces (the ninth keeps its
/// spaces).
pub(crate) fn feature_fields(line: &[u8]) -> Option<Vec<&[u8]>> {
    if line.contains(&b'\t') {
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        return (fields.len() == 9).then_some(fields);
    }
    let mut fields = Vec::with_capacity(9);
    let mut rest = line;
    while fields.len() < 8 {
        let start = rest.iter().position(|&b| b != b' ')?;
        rest = &rest[start..];
        let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        fields.push(&rest[..end]);
        rest = &rest[end..];
    }
    let start = rest.iter().position(|&b| b != b' ')?;
    fields.push(&rest[start..]);
    Some(fields)
}

/// A GFF/GTF feature line: 9 fields, start and end numeric.
fn feature_line(line: &[u8]) -> Option<&[u8]> {
    let fields = feature_fields(line)?;
    let trim = |f: &[u8]| f.trim_ascii().to_vec();
    (is_number(&trim(fields[3])) && is_number(&trim(fields[4]))).then(|| fields[8])
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Detect the format of an input from its first bytes (after any gzip or
/// BGZF layer is removed); `head` should hold a few KiB when the input has
/// them. Leading blank space is skipped for text formats.
pub fn detect(head: &[u8]) -> SourceFormat {
    const FOREIGN: [(&[u8], &str); 9] = [
        (b"\x89GCOL\r\n\x1a", "a .gcol file"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"%PDF-", "PDF"),
        (b"PK\x03\x04", "ZIP"),
        (b"\xfd7zXZ\x00", "xz-compressed"),
        (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
        (b"BZh", "bzip2-compressed"),
        (b"GIF8", "GIF"),
        (b"\xff\xd8\xff", "JPEG"),
    ];
    if let Some((_, name)) = FOREIGN.iter().find(|(magic, _)| head.starts_with(magic)) {
        return SourceFormat::Foreign(name);
    }
    if head.starts_with(b"CRAM") {
        return SourceFormat::Cram;
    }
    if head.starts_with(b"BAM\x01") {
        return SourceFormat::Bam;
    }
    if head.starts_with(b"BCF\x02") {
        return SourceFormat::Bcf;
    }
    if head.starts_with(b"PAR1") {
        return SourceFormat::Parquet;
    }
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let text = &head[start..];
    let Some(&first) = text.first() else {
        return SourceFormat::Empty;
    };
    let first_lines = lines(text, 8);
    let line0 = first_lines[0];
    match first {
        b'>' => return SourceFormat::Fasta,
        b'@' => {
            let header = [&b"@HD\t"[..], b"@SQ\t", b"@RG\t", b"@PG\t", b"@CO\t"];
            if header.iter().any(|h| line0.starts_with(h)) {
                return SourceFormat::Sam;
            }
            return SourceFormat::Fastq;
        }
        b'<' => {
            if contains(text, b"<sbml") {
                return SourceFormat::Sbml;
            }
            if contains(text, b"<pathway") {
                return SourceFormat::Kgml;
            }
            return SourceFormat::Unknown;
        }
        b'[' | b'{' => {
            // antiSMASH results: an object with `records` and, near them,
            // a `seq` or `input_file` member.
            if first == b'{'
                && contains(text, b"\"records\"")
                && (contains(text, b"\"input_file\"") || contains(text, b"\"seq\""))
            {
                return SourceFormat::AntismashJson;
            }
            if first == b'{'
                && contains(text, b"\"metabolites\"")
                && contains(text, b"\"reactions\"")
            {
                return SourceFormat::CobraJson;
            }
            let aspects = [
                &b"\"nodes\""[..],
                b"\"edges\"",
                b"\"metaData\"",
                b"\"numberVerification\"",
            ];
            if aspects.iter().any(|a| contains(text, a)) {
                return SourceFormat::Cx;
            }
            return SourceFormat::Unknown;
        }
        _ => {}
    }
    if line0.starts_with(b"##fileformat=VCF") {
        return SourceFormat::Vcf;
    }
    if line0.starts_with(b"##gff-version 3") {
        return SourceFormat::Gff3;
    }
    if line0.starts_with(b"LOCUS ") {
        return SourceFormat::GenBank;
    }
    // Headerless SAM, GTF and GFF: decide on the first data lines (after
    // any number of comment lines the head holds).
    let data: Vec<&[u8]> = lines(text, 256)
        .iter()
        .copied()
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .collect();
    if let Some(&line) = data.first() {
        if sam_record(line) {
            return SourceFormat::Sam;
        }
        if let Some(attributes) = feature_line(line) {
            if contains(attributes, b"gene_id \"") || contains(attributes, b"transcript_id \"") {
                return SourceFormat::Gtf;
            }
            return SourceFormat::Gff3;
        }
    }
    // A table: the header's delimiter repeats in the next lines (a last
    // line cut by the end of `head` is ignored).
    let complete: Vec<&[u8]> = if first_lines.len() > 1 {
        first_lines[..first_lines.len() - 1].to_vec()
    } else {
        first_lines.clone()
    };
    for (delimiter, format) in [(b'\t', SourceFormat::Tsv), (b',', SourceFormat::Csv)] {
        let count = |l: &[u8]| l.iter().filter(|&&b| b == delimiter).count();
        // A ragged row later is the parser's to report, with its line.
        let fields = count(line0);
        let rows: Vec<&&[u8]> = complete.iter().skip(1).filter(|l| !l.is_empty()).collect();
        if fields > 0 && (rows.is_empty() || rows.iter().any(|l| count(l) == fields)) {
            return format;
        }
    }
    SourceFormat::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_content() {
        let cases: [(&[u8], SourceFormat); 22] = [
            (
                b"{\"id\":\"m\",\"metabolites\":[],\"reactions\":[]}",
                SourceFormat::CobraJson,
            ),
            (b">chr1 x\nACGT\n", SourceFormat::Fasta),
            (b"\n\n>chr1\nACGT\n", SourceFormat::Fasta),
            (b"@r1\nACGT\n+\nIIII\n", SourceFormat::Fastq),
            // A read named like a SAM header tag, but no TAB after it.
            (b"@SQ1 read\nACGT\n+\nIIII\n", SourceFormat::Fastq),
            (
                b"@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:10\n",
                SourceFormat::Sam,
            ),
            (b"@SQ\tSN:chr1\tLN:10\n", SourceFormat::Sam),
            (
                b"r1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n",
                SourceFormat::Sam,
            ),
            (b"BAM\x01\x00\x00", SourceFormat::Bam),
            (b"CRAM\x03\x01", SourceFormat::Cram),
            (b"BCF\x02\x02", SourceFormat::Bcf),
            (b"##fileformat=VCFv4.2\n#CHROM\tPOS\n", SourceFormat::Vcf),
            (
                b"##gff-version 3\nchr1\t.\tgene\t1\t9\t.\t+\t.\tID=g1\n",
                SourceFormat::Gff3,
            ),
            (
                b"chr1\tHAVANA\tgene\t11869\t14409\t.\t+\t.\tgene_id \"ENSG1\"; gene_type \"x\";\n",
                SourceFormat::Gtf,
            ),
            (
                b"LOCUS       NC_001416  48502 bp    DNA\n",
                SourceFormat::GenBank,
            ),
            (
                b"{\"version\": \"5.0.0\", \"input_file\": \"x.gb\", \"records\": [{\"id\": \"X\", \"seq\": {",
                SourceFormat::AntismashJson,
            ),
            (
                b"<?xml version=\"1.0\"?>\n<sbml xmlns=\"x\" level=\"3\">",
                SourceFormat::Sbml,
            ),
            (
                b"<?xml version=\"1.0\"?>\n<!DOCTYPE pathway>\n<pathway name=\"path:hsa00010\">",
                SourceFormat::Kgml,
            ),
            (
                b"[{\"numberVerification\":[{\"longNumber\":1}]},{\"nodes\":[]}]",
                SourceFormat::Cx,
            ),
            (b"source,target,weight\na,b,1\nb,c,2\n", SourceFormat::Csv),
            (b"gene\tscore\nTP53\t1.5\n", SourceFormat::Tsv),
            (b"  \n\t\n", SourceFormat::Empty),
        ];
        for (head, want) in cases {
            assert_eq!(detect(head), want, "{:?}", String::from_utf8_lossy(head));
        }
        assert_eq!(detect(b"hello world"), SourceFormat::Unknown);
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n\0\0"),
            SourceFormat::Foreign("PNG")
        );
        assert_eq!(
            detect(b"\xfd7zXZ\x00\x00"),
            SourceFormat::Foreign("xz-compressed")
        );
        assert_eq!(detect(b""), SourceFormat::Empty);
        assert!(SourceFormat::Fastq.convertible() && SourceFormat::Vcf.convertible());
        assert!(SourceFormat::Bam.convertible() && SourceFormat::Cram.convertible());
        assert!(SourceFormat::Gff3.convertible() && SourceFormat::GenBank.convertible());
    }
}
