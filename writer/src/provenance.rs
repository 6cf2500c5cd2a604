use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gcol_format::manifest::Provenance;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Current time as RFC 3339 UTC with seconds (`2026-11-23T16:39:30Z`).
///
/// Honours `SOURCE_DATE_EPOCH` (seconds since 1970) for reproducible output.
pub fn now_utc() -> String {
    let time = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap_or_else(SystemTime::now);
    humantime::format_rfc3339_seconds(time).to_string()
}

/// Provenance for a source file: its name, size and SHA-256, read in 1 MiB chunks.
pub fn source_provenance(
    path: &Path,
    datasets: Vec<String>,
    options: BTreeMap<String, String>,
) -> Result<Provenance> {
    let err = |source| Error::Source {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    Ok(Provenance {
        source: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        size_bytes: size,
        sha256,
        datasets,
        converter: format!("gcol {}", env!("CARGO_PKG_VERSION")),
        options,
        converted_utc: now_utc(),
    })
}
