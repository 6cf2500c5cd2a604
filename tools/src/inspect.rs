use std::path::Path;

use gcol_format::encoding::name_of;
use gcol_reader::Reader;
use serde::Serialize;

use crate::exit::outln;
use crate::exit::CliResult;

#[derive(Serialize)]
struct Report<'a> {
    path: String,
    file_bytes: u64,
    version: Version,
    num_pages: u64,
    footer_bytes: u64,
    manifest_bytes: u64,
    manifest: &'a gcol_format::Manifest,
    /// Content hash of each dataset (with `--hash`).
    #[serde(skip_serializing_if = "Option::is_none")]
    content_hashes: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Serialize)]
struct Version {
    major: u16,
    minor: u16,
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub fn run(file: &Path, json: bool, hash: bool) -> CliResult {
    let reader = Reader::open(file)?;
    // Counts shown below are checked against the directory first.
    reader.check_columns()?;
    let manifest = reader.manifest();
    let (major, minor) = reader.version();
    if json {
        let report = Report {
            path: file.display().to_string(),
            file_bytes: reader.len(),
            version: Version { major, minor },
            num_pages: reader.num_pages(),
            footer_bytes: reader.tail().footer_len,
            manifest_bytes: reader.footer().manifest_len,
            manifest,
            content_hashes: if hash {
                Some(
                    manifest
                        .datasets
                        .iter()
                        .map(|d| Ok((d.name.clone(), reader.content_hash(&d.name)?)))
                        .collect::<gcol_reader::Result<_>>()?,
                )
            } else {
                None
            },
        };
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        );
        return Ok(());
    }
    outln!("file:      {} ({})", file.display(), human(reader.len()));
    outln!(
        "format:    gcol {major}.{minor}, manifest version {}",
        manifest.manifest_version
    );
    outln!(
        "producer:  {} {}",
        manifest.producer.name,
        manifest.producer.version
    );
    outln!(
        "created:   {}   modified: {}",
        manifest.created_utc,
        manifest.modified_utc
    );
    outln!(
        "pages:     {} (footer {}, manifest {})",
        reader.num_pages(),
        human(reader.tail().footer_len),
        human(reader.footer().manifest_len)
    );
    for dataset in &manifest.datasets {
        outln!();
        let mut extra = Vec::new();
        if let Some(rows) = dataset.num_rows {
            extra.push(format!("{rows} rows"));
        }
        if let Some(c) = dataset.coordinates {
            extra.push(
                match c {
                    gcol_format::manifest::Coordinates::ZeroBasedHalfOpen => "0-based half-open",
                    gcol_format::manifest::Coordinates::OneBasedInclusive => "1-based inclusive",
                }
                .to_string(),
            );
        }
        outln!(
            "dataset {:?}: {} ({})",
            dataset.name,
            dataset.kind,
            extra.join(", ")
        );
        if hash {
            outln!("  content: sha256 {}", reader.content_hash(&dataset.name)?);
        }
        for (k, v) in &dataset.metadata {
            if k == gcol_format::schema::variants::meta::REFERENCE_CONTIGS {
                continue;
            }
            outln!("  {k}: {}", printable(v));
        }
        if gcol_reader::Variants::is_variants(dataset) {
            let variants = gcol_reader::Variants::open(&reader, &dataset.name)?;
            outln!(
                "  variants: {} sites, {} samples, {} contigs ({}); INFO {}; FORMAT {}",
                variants.num_sites(),
                variants.samples().len(),
                variants.contigs().len(),
                variants.contigs().join(", "),
                variants
                    .infos()
                    .iter()
                    .map(|f| if f.derived {
                        format!("{} (derived)", f.id)
                    } else {
                        f.id.clone()
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                variants
                    .formats()
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            if let Some(r) = variants.reference_report()? {
                let how = match &r.link.dataset {
                    Some(d) => format!("REF coded against dataset {d:?}"),
                    None => format!("REF checked against {} and kept as text", r.link.source),
                };
                outln!(
                    "  reference: {how}; REF columns {} (as text {}, saved {}); {} mismatches",
                    human(r.stored_bytes),
                    r.link.text_bytes.map_or("-".into(), human),
                    if r.saved_bytes() < 0 {
                        format!("-{}", human(r.saved_bytes().unsigned_abs()))
                    } else {
                        human(r.saved_bytes() as u64)
                    },
                    r.mismatches.len()
                );
                for (name, length, md5) in &r.link.contigs {
                    outln!("    contig {name}: {length} bases, md5 {md5}");
                }
                for m in &r.mismatches {
                    outln!(
                        "    mismatch {}:{} REF {} reference {}",
                        m.contig,
                        m.pos,
                        String::from_utf8_lossy(&m.allele),
                        match &m.expected {
                            Some(e) if e.is_empty() => "(past the contig's end)".to_string(),
                            Some(e) => String::from_utf8_lossy(e).into_owned(),
                            None if r.link.dataset.is_some() => "(contig absent)".to_string(),
                            None => "(not in this file)".to_string(),
                        }
                    );
                }
            }
            for c in &dataset.columns {
                if let Some(gcol_format::manifest::Layout::Chunked {
                    shape, chunk_shape, ..
                }) = &c.layout
                {
                    outln!(
                        "  chunks of {}: {} x {} of [{} x {} x {}]",
                        c.name,
                        chunk_shape[0],
                        chunk_shape[1],
                        shape[0],
                        shape[1],
                        shape[2]
                    );
                }
            }
        }
        outln!(
            "  {:<16} {:<7} {:<10} {:<6} {:>10} {:>6} {:>10} {:>10} {:>6}  encodings",
            "column",
            "type",
            "logical",
            "unit",
            "values",
            "pages",
            "stored",
            "decoded",
            "ratio"
        );
        for c in &dataset.columns {
            let ratio = if c.stored_bytes == 0 {
                "-".to_string()
            } else {
                format!("{:.2}", c.decoded_bytes as f64 / c.stored_bytes as f64)
            };
            let encodings: Vec<String> = c.encodings.iter().map(|&id| name_of(id)).collect();
            outln!(
                "  {:<16} {:<7} {:<10} {:<6} {:>10} {:>6} {:>10} {:>10} {:>6}  {}",
                c.name,
                c.physical_type.name(),
                c.logical_type,
                c.unit.as_deref().unwrap_or("-"),
                c.num_values,
                if c.inline.is_some() {
                    "inline".to_string()
                } else {
                    c.num_pages.to_string()
                },
                human(c.stored_bytes),
                human(c.decoded_bytes),
                ratio,
                encodings.join(",")
            );
        }
    }
    if !manifest.provenance.is_empty() {
        outln!();
        outln!("provenance:");
        for p in &manifest.provenance {
            outln!(
                "  {} ({} bytes, sha256 {}) -> {} by {} at {}",
                p.source,
                p.size_bytes,
                p.sha256,
                p.datasets.join(","),
                p.converter,
                p.converted_utc
            );
            for (k, v) in &p.options {
                outln!("    {k} = {v}");
            }
        }
    }
    if !manifest.metadata.is_empty() {
        outln!();
        outln!("metadata:");
        for (k, v) in &manifest.metadata {
            outln!("  {k}: {}", printable(v));
        }
    }
    Ok(())
}

/// A metadata value on one line: control characters (a `line_end` of
/// `\r\n`, say) escaped as Rust escapes them in a string literal.
fn printable(v: &str) -> std::borrow::Cow<'_, str> {
    if v.chars().any(char::is_control) {
        v.escape_default().to_string().into()
    } else {
        v.into()
    }
}
