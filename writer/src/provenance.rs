use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
