//! The VCF header: kept verbatim (export reproduces it), with the INFO and
//! FORMAT definitions, contigs and samples read out of it.
//!
//! The structured lines are read here rather than through noodles' header
//! parser: the header is stored byte for byte, and htslib (hence bcftools,
//! which users compare against) accepts headers that a strict parser
//! refuses (duplicate IDs, `Number` and `Type` in any order, free text in
//! descriptions). Only `ID`, `Number` and `Type` are needed.

use std::path::Path;

use gcol_writer::{Error, Result};

/// A VCF value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcfType {
    /// `Integer` (32-bit, as in BCF).
    Integer,
    /// `Float` (binary32, as in BCF).
    Float,
    /// `Flag` (INFO only).
    Flag,
    /// `Character`.
    Character,
    /// `String`.
    String,
}

impl VcfType {
    fn parse(s: &str) -> Option<VcfType> {
        Some(match s {
            "Integer" => VcfType::Integer,
            "Float" => VcfType::Float,
            "Flag" => VcfType::Flag,
            "Character" => VcfType::Character,
            "String" => VcfType::String,
            _ => return None,
        })
    }

    /// The name as in the header.
    pub fn name(self) -> &'static str {
        match self {
            VcfType::Integer => "Integer",
            VcfType::Float => "Float",
            VcfType::Flag => "Flag",
            VcfType::Character => "Character",
            VcfType::String => "String",
        }
    }

    /// Text types are stored as text (`Character` and `String`).
    pub fn is_text(self) -> bool {
        matches!(self, VcfType::Character | VcfType::String)
    }
}

/// One `##INFO` or `##FORMAT` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// `ID`.
    pub id: String,
    /// `Number` as written (`1`, `A`, `R`, `G`, `.`).
    pub number: String,
    /// `Type`.
    pub ty: VcfType,
    /// Added by the importer for a field the header does not declare.
    pub synthesized: bool,
}

/// A parsed header.
#[derive(Debug, Clone, Default)]
pub struct VcfHeader {
    /// The header lines, each ending in `\n`, `#CHROM` line last.
    pub text: Vec<u8>,
    /// INFO definitions, in header order (first definition of an ID wins).
    pub infos: Vec<FieldDef>,
    /// FORMAT definitions, in header order.
    pub formats: Vec<FieldDef>,
    /// `##contig` IDs, in header order.
    pub contigs: Vec<String>,
    /// Sample names.
    pub samples: Vec<Vec<u8>>,
    /// The `#CHROM` line has a FORMAT column.
    pub has_format: bool,
    /// Lines in the header.
    pub lines: u64,
}

/// The fixed columns of the `#CHROM` line.
const FIXED: [&str; 8] = [
    "#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
];

/// `key=value` pairs of a structured line's `<...>`, quotes removed.
fn structured(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let inner = body
        .strip_prefix('<')
        .map(|b| b.strip_suffix('>').unwrap_or(b))
        .unwrap_or(body);
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b',' {
            i += 1;
        }
        let key = inner[key_start..i].trim().to_string();
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            if i < bytes.len() && bytes[i] == b'"' {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                    }
                    value.push(bytes[i] as char);
                    i += 1;
                }
                i += 1;
                while i < bytes.len() && bytes[i] != b',' {
                    i += 1;
                }
            } else {
                let start = i;
                while i < bytes.len() && bytes[i] != b',' {
                    i += 1;
                }
                value = inner[start..i].to_string();
            }
        }
        if i < bytes.len() && bytes[i] == b',' {
            i += 1;
        }
        if !key.is_empty() {
            out.push((key, value));
        }
    }
    out
}

impl VcfHeader {
    /// Parse header text (every line through `#CHROM`). `path` names the
    /// input in errors.
    pub fn parse(path: &Path, text: Vec<u8>) -> Result<VcfHeader> {
        let bad = |line: u64, field: &'static str, detail: String| Error::Input {
            path: path.to_path_buf(),
            record: 0,
            line,
            field,
            detail,
        };
        let mut header = VcfHeader::default();
        let body = String::from_utf8_lossy(&text).into_owned();
        let mut saw_chrom = false;
        for (i, raw) in body.split_inclusive('\n').enumerate() {
            let n = i as u64 + 1;
            header.lines = n;
            let line = raw.trim_end_matches(['\n', '\r']);
            if saw_chrom {
                return Err(bad(n, "header", "header lines after #CHROM".into()));
            }
            if let Some(rest) = line.strip_prefix("##") {
                let Some((key, value)) = rest.split_once('=') else {
                    continue;
                };
                match key {
                    "INFO" | "FORMAT" => {
                        let pairs = structured(value);
                        let get = |k: &str| {
                            pairs
                                .iter()
                                .find(|(key, _)| key == k)
                                .map(|(_, v)| v.trim().to_string())
                        };
                        let field = if key == "INFO" {
                            "##INFO line"
                        } else {
                            "##FORMAT line"
                        };
                        let id = get("ID")
                            .filter(|id| !id.is_empty())
                            .ok_or_else(|| bad(n, field, "no ID".into()))?;
                        let ty_text = get("Type").unwrap_or_default();
                        let ty = VcfType::parse(&ty_text).ok_or_else(|| {
                            bad(
                                n,
                                field,
                                format!("{id}: Type {ty_text:?} is not Integer, Float, Flag, Character or String"),
                            )
                        })?;
                        let number = get("Number").unwrap_or_else(|| ".".into());
                        let def = FieldDef {
                            id,
                            number,
                            ty,
                            synthesized: false,
                        };
                        let list = if key == "INFO" {
                            &mut header.infos
                        } else {
                            &mut header.formats
                        };
                        if !list.iter().any(|d| d.id == def.id) {
                            list.push(def);
                        }
                    }
                    "contig" => {
                        if let Some((_, id)) =
                            structured(value).into_iter().find(|(k, _)| k == "ID")
                        {
                            if !header.contigs.contains(&id) {
                                header.contigs.push(id);
                            }
                        }
                    }
                    _ => {}
                }
            } else if line.starts_with("#CHROM") {
                saw_chrom = true;
                let columns: Vec<&str> = line.split('\t').collect();
                if columns.len() < 8 || columns[..8] != FIXED {
                    return Err(bad(
                        n,
                        "#CHROM line",
                        format!(
                            "expected the tab-separated columns {} (and FORMAT, samples)",
                            FIXED.join(" ")
                        ),
                    ));
                }
                if columns.len() > 8 {
                    if columns[8] != "FORMAT" {
                        return Err(bad(
                            n,
                            "#CHROM line",
                            format!("column 9 is {:?}, expected FORMAT", columns[8]),
                        ));
                    }
                    header.has_format = true;
                    header.samples = columns[9..].iter().map(|s| s.as_bytes().to_vec()).collect();
                }
            } else {
                return Err(bad(
                    n,
                    "header",
                    "a header line must start with ## or be the #CHROM line".into(),
                ));
            }
        }
        if !saw_chrom {
            return Err(bad(
                header.lines,
                "#CHROM line",
                "the header has no #CHROM line".into(),
            ));
        }
        // Sample names keep their bytes (the text above is for the
        // structured lines only).
        let last = text[..text.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let chrom = text[last..].strip_suffix(b"\n").unwrap_or(&text[last..]);
        let chrom = chrom.strip_suffix(b"\r").unwrap_or(chrom);
        header.samples = chrom
            .split(|&b| b == b'\t')
            .skip(9)
            .map(<[u8]>::to_vec)
            .collect();
        header.text = text;
        Ok(header)
    }

    /// Declare a field the records use but the header does not, as
    /// htslib does (`Type=String`, `Number=1`; `Flag` for a bare INFO
    /// key): the line goes before `#CHROM`, so export declares it.
    pub fn declare(&mut self, info: bool, id: &str, flag: bool) {
        let (number, ty) = if flag {
            ("0", VcfType::Flag)
        } else {
            ("1", VcfType::String)
        };
        let line = format!(
            "##{}=<ID={id},Number={number},Type={},Description=\"Dummy\">\n",
            if info { "INFO" } else { "FORMAT" },
            ty.name()
        );
        let at = self.text[..self.text.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        self.text.splice(at..at, line.into_bytes());
        let def = FieldDef {
            id: id.to_string(),
            number: number.into(),
            ty,
            synthesized: true,
        };
        if info {
            self.infos.push(def);
        } else {
            self.formats.push(def);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_lines_in_any_order_with_quotes() {
        let p = structured(r#"<Number=A,ID=AF,Description="a, \"quoted\" text",Type=Float>"#);
        assert_eq!(
            p,
            [
                ("Number".into(), "A".into()),
                ("ID".into(), "AF".into()),
                ("Description".into(), "a, \"quoted\" text".into()),
                ("Type".into(), "Float".into())
            ]
        );
    }

    #[test]
    fn header_fields_samples_and_declarations() {
        let text = b"##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n##contig=<ID=20,length=64444167>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n".to_vec();
        let mut h = VcfHeader::parse(Path::new("x.vcf"), text).unwrap();
        assert_eq!(h.infos[0].id, "DP");
        assert_eq!(h.infos[0].ty, VcfType::Integer);
        assert_eq!(h.formats[0].id, "GT");
        assert_eq!(h.contigs, ["20"]);
        assert_eq!(h.samples, [b"A".to_vec(), b"B".to_vec()]);
        h.declare(true, "XX", false);
        let text = String::from_utf8(h.text.clone()).unwrap();
        assert!(text.contains("##INFO=<ID=XX,Number=1,Type=String,Description=\"Dummy\">\n#CHROM"));
        let e = VcfHeader::parse(Path::new("x.vcf"), b"##fileformat=VCFv4.2\n".to_vec())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no #CHROM line"), "{e}");
    }
}
